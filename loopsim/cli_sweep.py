"""``loopsim sweep``: run a parameter sweep (registered into :mod:`loopsim.cli`).

This is command-line code: like the rest of the CLI it is the one place that joins
``loopsim`` and ``postprocess``; it imports the derived-scalar summariser
(:func:`postprocess.analysis.sweep_scalars.member_scalars`) and the ``--post`` stages
lazily and passes them to :func:`loopsim.sweep.run_sweep`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from pathlib import Path

#: --post stage -> (function "module:name", what it needs "module:name", the issue that
#: provides that). The function takes a run file and returns {scalar name: value}; its
#: manifest columns are named STAGE_NAME.
POST_STAGES = {
    "synth": ("postprocess.analysis.sweep_scalars:synth_scalars",
              "postprocess.halpha:synthesise_run",
              "issue 4 (H-alpha synthesis, postprocess.halpha.synthesise_run)"),
    "observe": ("postprocess.analysis.sweep_scalars:observe_scalars",
                "postprocess.instrument:observe",
                "issue 5 (slit-scan observation, postprocess.instrument.observe)"),
}


def _resolve(target: str):
    module, name = target.split(":")
    return getattr(importlib.import_module(module), name)


EPILOG = """\
examples:
  loopsim sweep --list                                   named sweeps (problems/sweeps)
  loopsim sweep sweep_f20_delta_ci -o ci_sweep --jobs 2  local process pool
  loopsim sweep sweep_f20_delta_ci -o ci_sweep --resume  after a kill: only the rest
  loopsim sweep my_sweep.toml -o out --dry-run           check the file, list the members
  mpiexec -n 8 python -m mpi4py.futures -m loopsim sweep sweep_f20_delta -o grid --mpi

The manifest (DIR/manifest.h5, a table; DIR/manifest.csv) records per member its
parameters, status (pending/running/done/failed), error, wall time, steps and derived
scalars. Exit status: 0 if every member is done, 3 if any failed, 2 for a bad sweep
file. See docs/sweeps.md."""


def _post_stages(names: str | None):
    from .sweep import PostStage, SweepError

    stages = []
    wanted = [n.strip() for n in (names or "").split(",") if n.strip()]
    # stages run in the order of POST_STAGES (observe uses what synth wrote)
    for name in sorted(wanted, key=lambda n: list(POST_STAGES).index(n)
                       if n in POST_STAGES else -1):
        if name not in POST_STAGES:
            raise SweepError(f"--post {name!r}: unknown stage; expected one of "
                             + ", ".join(POST_STAGES))
        target, requirement, needs = POST_STAGES[name]
        try:
            _resolve(requirement)
        except (ImportError, AttributeError):
            raise SweepError(f"--post {name}: not available yet: needs {needs}; "
                             f"{requirement.replace(':', '.')} does not exist in this "
                             "installation") from None
        function = _resolve(target)
        stages.append(PostStage(name=name, function=function))
    return tuple(stages)


def _print_members(spec) -> None:
    print(f"sweep {spec.name}: base problem {spec.base}, mode {spec.mode}, "
          f"{len(spec.members)} members")
    if spec.fixed:
        print("  fixed: " + ", ".join(f"{k} = {v!r}" for k, v in spec.fixed.items()))
    for axis in spec.axes:
        print(f"  axis {axis.key}: {', '.join(repr(v) for v in axis.values)}")
    for member in spec.members:
        print(f"  {member.name}")


def _cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import SweepError, list_sweeps, load_sweep, mpi_launched, run_sweep

    if args.list:
        sweeps = list_sweeps()
        width = max((len(name) for name in sweeps), default=0)
        for name, description in sweeps.items():
            print(f"{name:<{width}}  {description}")
        return 0
    if args.sweep is None:
        raise SweepError("give a sweep (a name from `loopsim sweep --list` or a TOML file)")
    spec = load_sweep(args.sweep)
    post = _post_stages(args.post)
    if args.dry_run:
        _print_members(spec)
        return 0
    if args.output is None:
        raise SweepError("give the sweep directory with -o DIR")
    if args.jobs is not None and args.jobs < 1:
        raise SweepError(f"--jobs {args.jobs}: expected a number of workers >= 1")
    executor = "process"
    if args.mpi or mpi_launched():
        executor = "mpi"
    elif args.jobs == 1:
        executor = "serial"

    from postprocess.analysis.sweep_scalars import member_scalars

    result = run_sweep(spec, Path(args.output), executor=executor, jobs=args.jobs,
                       resume=args.resume, summarise=member_scalars, post=post,
                       progress=False if args.quiet else None)
    counts = result.counts
    print(f"sweep {spec.name}: {len(result.manifest.records)} members in {result.directory} "
          f"({result.executor})")
    print(f"  done {counts['done']}, failed {counts['failed']}, pending {counts['pending']}, "
          f"running {counts['running']}; ran {result.submitted} now, {result.skipped} were "
          f"already done, {result.rejected} rejected by the config; "
          f"{result.wall_s:.1f} s wall")
    failed = result.failed
    if failed:
        print("  failed members:")
        for record in failed:
            print(f"    {record.name}: {record.error}")
    print(f"  manifest: {result.directory / 'manifest.h5'} (CSV: "
          f"{result.directory / 'manifest.csv'})")
    if failed or counts["pending"] or counts["running"]:
        print(f"loopsim sweep: {len(failed)} of {len(result.manifest.records)} members failed",
              file=sys.stderr)
        return 3
    return 0


def register(subparsers) -> argparse.ArgumentParser:
    """Add ``loopsim sweep`` to the CLI's subparsers."""
    p = subparsers.add_parser(
        "sweep", help="run a parameter sweep (process pool or MPI)",
        description="Run every member of a parameter sweep (a base problem and parameter\n"
        "axes in a TOML file) into DIR: one run file per member and a manifest with\n"
        "parameters, status, errors, wall time, steps and derived scalars. Failed members\n"
        "are recorded and do not stop the others; a killed sweep continues with --resume.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("sweep", nargs="?",
                   help="sweep name (see --list; problems/sweeps/) or path to a sweep TOML file")
    p.add_argument("-o", "--output", metavar="DIR", help="sweep directory (created)")
    p.add_argument("-j", "--jobs", type=int, metavar="N",
                   help="local worker processes (default: the number of CPUs; 1 = in this "
                   "process); with --mpi and no mpiexec launcher: MPI processes to spawn")
    p.add_argument("--resume", action="store_true",
                   help="continue the sweep in DIR: run only the members whose run file is "
                   "not finished (failed ones again)")
    p.add_argument("--mpi", action="store_true",
                   help="run on MPI workers (mpi4py.futures; needs the mpi extra: "
                   'pip install "loopsim-flare[mpi]"); implied under '
                   "`python -m mpi4py.futures`")
    p.add_argument("--post", metavar="STAGES",
                   help="post-processing stages per member, comma-separated: "
                   + ", ".join(POST_STAGES) + " (adds their scalars to the manifest)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the sweep file and list its members; run nothing")
    p.add_argument("--list", action="store_true", help="list the named sweeps and exit")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_sweep)
    return p

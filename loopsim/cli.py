"""The ``loopsim`` command line.

    loopsim problems                       list the named problems
    loopsim run PROBLEM [-o OUT.h5] ...    run a problem (name or TOML path)
    loopsim info RUN.h5                    summarise a run file
    loopsim plot FIGURE FILE [-o PNG] ...  draw a figure (`loopsim plot --help` lists them)
    loopsim synth RUN.h5 [-o PROFILES.h5]  Hα at every snapshot (non-LTE)
    loopsim observe SCENE [-o RASTER.h5]   slit-scan spectrograph + CCD observation
    loopsim analyse RASTER.h5 --pixel X Y  bisector velocities and decay fit
    loopsim sweep SWEEP -o DIR             run a parameter sweep (process pool or MPI)
    loopsim demo [--outdir DIR]            the main job: simulate, synthesise, observe, plot

Post-processing (``postprocess``) is imported lazily, only by the commands that need it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import __version__, cli_demo, cli_observe, cli_plot, cli_sweep, cli_synth
from .config import ConfigError, list_problems, load_config


def _cmd_problems(args: argparse.Namespace) -> int:
    problems = list_problems()
    width = max((len(name) for name in problems), default=0)
    for name, description in problems.items():
        print(f"{name:<{width}}  {description}")
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from .driver import RunFailed, run

    if args.resume:
        # continue with the config stored in the run file; --set may change time.*,
        # solver.* and output.checkpoint_interval (checked by the driver)
        output = Path(args.output or f"{Path(args.problem).stem}.h5")
        config = _stored_config(output, args.problem, args.set)
    else:
        config = load_config(args.problem, args.set)
        output = Path(args.output or f"{config.problem.name}.h5")
    try:
        summary = run(config, output, resume=args.resume, overwrite=args.overwrite,
                      progress=None if not args.quiet else False)
    except RunFailed as exc:
        print(f"loopsim run: failed: {exc}", file=sys.stderr)
        return 3
    print(
        f"{summary.path}: {summary.status} at t = {summary.time:.6g} s, {summary.steps} steps, "
        f"{summary.newton_iterations} Newton iterations, {summary.cells} cells, "
        f"{summary.wall_seconds:.2f} s wall"
    )
    return 0


def _stored_config(path: Path, problem: str, overrides: list[str]):
    from .config import config_from_toml
    from .runfile import read_checkpoint

    if not path.is_file():
        raise ConfigError(f"--resume given but run file '{path}' does not exist")
    _, attrs = read_checkpoint(path)
    config = config_from_toml(attrs["config"], f"config stored in {path}", overrides)
    if config.problem.name != Path(problem).stem and config.problem.name != problem:
        raise ConfigError(
            f"cannot resume: run file '{path}' holds problem '{config.problem.name}', "
            f"not '{problem}'"
        )
    return config


def _cmd_info(args: argparse.Namespace) -> int:
    from .runfile import open_run

    run = open_run(args.run)
    print(f"file:         {run.path}")
    print(f"problem:      {run.problem}")
    status = run.status + (f" ({run.status_message})" if run.status_message else "")
    print(f"status:       {status}")
    print(f"code version: {run.code_version}")
    print(f"created:      {run.attrs.get('created_utc', '?')}  updated: "
          f"{run.attrs.get('updated_utc', '?')}")
    if len(run):
        last = run.scalars(-1)
        print(f"snapshots:    {len(run)}, t = {run.times[0]:.6g} ... {run.times[-1]:.6g} s")
        print(f"cells:        {last.get('cells', '?')} (last snapshot)")
        print(f"arrays:       {', '.join(sorted(k for k in run[-1] if k != 'time'))}")
    if args.config:
        print("config:")
        print(run.attrs["config"])
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="loopsim",
        description="Beam-heated flare-loop hydrodynamics and synthetic H-alpha observations.",
    )
    parser.add_argument("--version", action="version", version=f"loopsim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("problems", help="list the named problems",
                       description="List the named problems shipped in problems/.")
    p.set_defaults(func=_cmd_problems)

    p = sub.add_parser(
        "run", help="run a problem",
        description="Run a named problem or a TOML problem file and write an HDF5 run file.",
        epilog="Example: loopsim run sod -o sod.h5 --set mesh.cells=800 --set time.end=0.25",
    )
    p.add_argument("problem", help="problem name (see `loopsim problems`) or path to a TOML file")
    p.add_argument("-o", "--output", help="run file to write (default: NAME.h5)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value by its dotted key (repeatable); VALUE is "
                   "read as TOML, e.g. --set mesh.cells=800")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted or failed run from its checkpoint")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing run file (it is kept until the new one is written)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("info", help="summarise a run file",
                       description="Print problem, status, times, cells and arrays of a run file.")
    p.add_argument("run", help="run file (.h5)")
    p.add_argument("--config", action="store_true", help="also print the resolved config TOML")
    p.set_defaults(func=_cmd_info)

    cli_synth.register(sub)
    cli_plot.register(sub)
    cli_observe.register(sub)
    cli_sweep.register(sub)

    cli_demo.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, FileNotFoundError) as exc:
        print(f"loopsim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("loopsim: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Time an 8-member sweep of equal members serially and on 2 workers; print the ratio and
the per-member scheduling overhead.

    python benchmarks/bench_sweep.py [--members 8] [--workers 2] [--repeat 1] [--mpi]

Members: the FCM85 flare at 150 cells, beam on for 3 s, to 6 s (about 2-3 s each,
1 s of which builds the quiet loop); all members are the same run (the axis only changes
``problem.description``), so the ideal speed-up on W workers is W. Each sweep is a
``loopsim sweep`` command in a fresh process, as a user runs it (``--jobs 1``: in-process,
no pool; ``--jobs 2``: local process pool; ``--mpi``: also ``mpiexec -n W+1 python -m
mpi4py.futures -m loopsim sweep``). Printed per sweep: the command's wall time, the
sweep's wall time (as ``loopsim sweep`` reports it: scheduler start to manifest
written, without interpreter start-up), and the sum of the members' own wall times from
the manifest (worker time: config, run, derived scalars).

Per-member scheduling overhead: for each worker, the idle time between finishing one
member and starting to compute the next (result sent back, manifest rewritten, next
member pickled and sent), from the manifest's time stamps (``finished_utc`` is stamped by
the worker; a member's compute started at ``finished_utc - wall_s``); mean over all
consecutive pairs. Printed separately: the one-time start-up (sweep start to the first
member's compute, i.e. pool or MPI worker start-up and imports) and the amortised figure
(sweep wall - sum of member walls / W) / (members / W), which also contains start-up and
the idle tail of the last members. The machine is shared: note the load average (printed)
with the figures.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from loopsim.sweep import read_manifest

SWEEP = """\
[sweep]
name = "bench_equal"
description = "{n} identical members"
base = "fcm85_f11"
mode = "grid"

[set]
mesh.cells = 150
time.end = 6.0
beam.duration = 3.0
output.interval = 0.5

[[axis]]
key = "problem.description"
label = "copy"
values = [{values}]
"""


def _sweep(command: list[str], out: Path, workers: int, env: dict[str, str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, env=env)
    command_wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{proc.stdout}{proc.stderr}")
    sweep_wall = float(re.search(r"; ([0-9.]+) s wall", proc.stdout).group(1))
    manifest = read_manifest(out)
    member_walls = [r.wall_s for r in manifest.records]
    n = len(member_walls)
    amortised = (sweep_wall - sum(member_walls) / workers) / (n / workers)
    by_worker: dict[str, list[tuple[float, float]]] = {}
    for r in manifest.records:
        end = _seconds(r.finished_utc)
        by_worker.setdefault(r.worker, []).append((end - r.wall_s, end))
    gaps = []
    for spans in by_worker.values():
        spans.sort()
        gaps += [b[0] - a[1] for a, b in zip(spans, spans[1:], strict=False)]
    first = min(span[0] for spans in by_worker.values() for span in spans)
    return {"command_wall": command_wall, "sweep_wall": sweep_wall,
            "member_sum": sum(member_walls), "amortised": amortised,
            "overhead": statistics.mean(gaps) if gaps else float("nan"),
            "startup": first - _seconds(manifest.attrs["created_utc"]),
            "workers_used": len(by_worker)}


def _seconds(stamp: str) -> float:
    return datetime.fromisoformat(stamp).timestamp()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="repeat and take the median")
    parser.add_argument("--mpi", action="store_true", help="also time the MPI executor")
    args = parser.parse_args()
    values = ", ".join(f'"copy {i}"' for i in range(args.members))
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as tmp:
        sweep_file = Path(tmp) / "bench_equal.toml"
        sweep_file.write_text(SWEEP.format(n=args.members, values=values))
        base = [sys.executable, "-m", "loopsim", "sweep", str(sweep_file), "-q"]
        modes = {"serial (--jobs 1)": (["--jobs", "1"], 1, None),
                 f"pool (--jobs {args.workers})": (["--jobs", str(args.workers)], args.workers,
                                                   None)}
        if args.mpi:
            mpiexec = Path(sys.executable).parent / "mpiexec"
            launcher = [str(mpiexec if mpiexec.exists() else shutil.which("mpiexec")), "-n",
                        str(args.workers + 1), sys.executable, "-m", "mpi4py.futures", "-m",
                        "loopsim", "sweep", str(sweep_file), "-q", "--mpi"]
            modes[f"MPI ({args.workers} worker ranks)"] = ([], args.workers, launcher)
        results: dict[str, list[dict]] = {name: [] for name in modes}
        loads = []
        for r in range(args.repeat):
            for name, (extra, workers, launcher) in modes.items():
                out = Path(tmp) / f"{name.split()[0]}_{r}"
                command = (launcher or base) + ["-o", str(out)] + extra
                loads.append(os.getloadavg()[0])
                results[name].append(_sweep(command, out, workers, env))
                results[name][-1]["load"] = loads[-1]
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, python "
          f"{platform.python_version()}; 1-min load average during the runs: "
          f"{min(loads):.2f}-{max(loads):.2f}")
    print(f"{args.members} equal members (fcm85_f11, 150 cells, to 6 s); median of "
          f"{args.repeat}")
    med = {name: {k: statistics.median(x[k] for x in runs) for k in runs[0]}
           for name, runs in results.items()}
    serial = med["serial (--jobs 1)"]
    for name, m in med.items():
        print(f"  {name:<22} command {m['command_wall']:6.2f} s, sweep {m['sweep_wall']:6.2f} s"
              f", members {m['member_sum']:6.2f} s summed ({m['member_sum'] / args.members:.2f}"
              f" s each), {int(m['workers_used'])} worker(s) used;\n"
              f"  {'':<22} start-up {m['startup']:.3f} s, idle between members "
              f"{m['overhead']:.4f} s per member, amortised {m['amortised']:+.3f} s per member")
    if args.repeat > 1:  # runs next to each other in time see similar machine load
        serial_runs = results["serial (--jobs 1)"]
        for r in range(args.repeat):
            ratios = [f"{name.split()[0]} "
                      f"{runs[r]['sweep_wall'] / serial_runs[r]['sweep_wall']:.3f}"
                      for name, runs in results.items() if not name.startswith("serial")]
            loads_r = [f"{runs[r]['load']:.2f}" for runs in results.values()]
            print(f"  repeat {r + 1}: ratio to serial {', '.join(ratios)} (load at the starts: "
                  f"{', '.join(loads_r)})")
    for name, m in med.items():
        if name.startswith("serial"):
            continue
        print(f"ratio {name} / serial: sweep wall {m['sweep_wall'] / serial['sweep_wall']:.3f},"
              f" command wall {m['command_wall'] / serial['command_wall']:.3f} "
              f"(acceptance: <= 0.6); per-member overhead {m['overhead']:.3f} s "
              "(acceptance: <= 0.1 s)")


if __name__ == "__main__":
    main()

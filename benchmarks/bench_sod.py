"""Time the Sod problem at 1000 cells and print cell-updates per second.

    python benchmarks/bench_sod.py [--cells 1000] [--repeat 3]

The numba kernels are compiled (or loaded from cache) by a small warm-up run first, so
the figures measure the time stepping only.  Record results in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import argparse
import platform
import tempfile
import time
from pathlib import Path

from loopsim.config import load_config
from loopsim.driver import run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(load_config("sod", ["mesh.cells=50"]), Path(tmp) / "warm.h5", progress=False)
        best = None
        for i in range(args.repeat):
            config = load_config("sod", [f"mesh.cells={args.cells}"])
            start = time.perf_counter()
            summary = run(config, Path(tmp) / f"sod{i}.h5", progress=False)
            wall = time.perf_counter() - start
            if best is None or wall < best[0]:
                best = (wall, summary)
    wall, summary = best
    updates = summary.cells * summary.steps
    print(f"machine: {platform.machine()} {platform.processor() or ''} python "
          f"{platform.python_version()}")
    print(f"sod, {summary.cells} cells, t_end = {summary.time}: {summary.steps} steps, "
          f"{summary.newton_iterations} Newton iterations "
          f"({summary.newton_iterations / summary.steps:.2f} per step)")
    print(f"best of {args.repeat}: {wall:.3f} s wall, {updates / wall:.3e} cell-updates/s, "
          f"{wall / summary.steps * 1e3:.3f} ms per step")


if __name__ == "__main__":
    main()

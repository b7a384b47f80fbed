"""Print the verification figures quoted in docs/validation.md (foundation problems).

    python benchmarks/validation_figures.py

Each figure is also asserted by a test in tests/ (named beside it in docs/validation.md);
this script only prints the measured values so the document can quote them.
"""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

import numpy as np

from loopsim import open_run
from loopsim.config import load_config
from loopsim.driver import run
from postprocess.reference.riemann import GasState, exact_riemann_cell_average


def run_to(tmp: Path, name: str, *overrides: str):
    path = tmp / f"{name}_{abs(hash(overrides))}.h5"
    run(load_config(name, list(overrides)), path, progress=False)
    return open_run(path)


def sod(tmp: Path) -> None:
    left, right = GasState(1.0, 0.0, 1.0), GasState(0.125, 0.0, 0.1)
    cells = [100, 200, 400, 800]
    errors = []
    for n in cells:
        snap = run_to(tmp, "sod", f"mesh.cells={n}")[-1]
        edges = snap["x_edges"]
        exact = exact_riemann_cell_average(left, right, 1.4, edges, snap["time"], 0.5)
        errors.append(np.sum(np.abs(snap["rho"] - exact["rho"]) * np.diff(edges)) / 0.5625)
        if n == 400:
            x, rho = snap["x"], snap["rho"]
            near = np.abs(x - (0.5 + 0.92745 * 0.2)) < 0.05
            level = (rho[near] - 0.26557) / (0.42632 - 0.26557)
            width = np.count_nonzero((level > 0.1) & (level < 0.9))
    for n, e in zip(cells, errors, strict=True):
        print(f"sod: {n:4d} cells  L1(rho)/<rho> = {e:.5f}")
    fit = -np.polyfit(np.log(cells), np.log(errors), 1)[0]
    print(f"sod: order 100->800 end-to-end {math.log(errors[0] / errors[-1]) / math.log(8):.3f},"
          f" least-squares {fit:.3f}")
    print(f"sod: contact width at 400 cells: {width} cells between 10% and 90% of the jump")
    closed = run_to(tmp, "sod", "mesh.cells=200", "time.end=2.0", "output.interval=0.5")
    e0, e1 = closed.scalars(0)["total_energy"], closed.scalars(-1)["total_energy"]
    m0, m1 = closed.scalars(0)["mass"], closed.scalars(-1)["mass"]
    print(f"closed tube to t = 2 (200 cells): |dE|/E = {abs(e1 - e0) / e0:.2e}, "
          f"dM = {m1 - m0:.1e}")


def noh(tmp: Path) -> None:
    snap = run_to(tmp, "noh", "mesh.cells=400")[-1]
    x, rho = snap["x"], snap["rho"]
    j = np.nonzero((rho[:-1] >= 2.5) & (rho[1:] < 2.5))[0][-1]
    xs = x[j] + (2.5 - rho[j]) * (x[j + 1] - x[j]) / (rho[j + 1] - rho[j])
    plateau = (x > 10 / 400) & (x < 0.2 - 6 / 400)
    dev = np.max(np.abs(rho[plateau] / 4 - 1))
    print(f"noh (400 cells, t = 0.6): shock at {xs:.5f} (exact 0.2, error "
          f"{abs(xs - 0.2) / 0.2 * 100:.3f}%), post-shock rho max deviation {dev * 100:.2f}%, "
          f"wall cells rho = {np.round(rho[:4], 3)}")


def acoustic(tmp: Path) -> None:
    errors = []
    for n in (16, 32, 64, 128):
        r = run_to(tmp, "acoustic_wave", f"mesh.cells={n}")
        snap, amp = r[-1], r.config["initial"]["amplitude"]
        edges, t = snap["x_edges"], snap["time"]
        dx = np.diff(edges)
        exact = 1 + amp * np.diff(np.sin(math.pi * edges)) / (math.pi * dx) * math.cos(
            math.sqrt(5 / 3) * math.pi * t)
        errors.append(np.sum(np.abs(snap["rho"] - exact) * dx) / amp)
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"acoustic: L1/A = {', '.join(f'{e:.3e}' for e in errors)}, "
          f"orders {np.array2string(orders, precision=3)}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        sod(tmp)
        noh(tmp)
        acoustic(tmp)

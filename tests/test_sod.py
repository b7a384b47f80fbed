"""Sod shock tube against the exact Riemann solution (our own exact solver)."""

from __future__ import annotations

import numpy as np

from postprocess.reference.riemann import GasState, exact_riemann_cell_average

SOD_LEFT = GasState(rho=1.0, u=0.0, p=1.0)
SOD_RIGHT = GasState(rho=0.125, u=0.0, p=0.1)
MEAN_DENSITY = 0.5 * (1.0 + 0.125)
# exact star-region densities either side of the contact (Toro 2009, Table 4.3)
RHO_STAR_LEFT, RHO_STAR_RIGHT = 0.42632, 0.26557


def density_l1(snap: dict) -> float:
    """L1 norm of rho - rho_exact (exact cell averages over the Lagrangian cells)."""
    edges = snap["x_edges"]
    exact = exact_riemann_cell_average(SOD_LEFT, SOD_RIGHT, 1.4, edges, snap["time"], 0.5)
    return float(np.sum(np.abs(snap["rho"] - exact["rho"]) * np.diff(edges)))


def test_sod_400_cells_l1_density_error_below_one_percent(run_problem):
    run = run_problem("sod", "mesh.cells=400")
    final = run[-1]
    assert final["time"] == 0.2
    error = density_l1(final) / MEAN_DENSITY
    assert error <= 0.01, f"L1(rho)/<rho> = {error:.4f}"


def test_sod_converges_at_first_order(run_problem):
    cells = np.array([100, 200, 400, 800])
    errors = np.array([density_l1(run_problem("sod", f"mesh.cells={n}")[-1]) for n in cells])
    assert np.all(np.diff(errors) < 0), errors
    order = -np.polyfit(np.log(cells), np.log(errors), 1)[0]
    order_end_to_end = np.log(errors[0] / errors[-1]) / np.log(cells[-1] / cells[0])
    assert order >= 0.9 and order_end_to_end >= 0.9, (errors, order, order_end_to_end)


def test_sod_contact_is_at_most_two_cells_wide(run_problem):
    snap = run_problem("sod", "mesh.cells=400")[-1]
    x, rho = snap["x"], snap["rho"]
    # exact contact position: x0 + u* t, u* = 0.92745 (Toro 2009, Table 4.2)
    near = np.abs(x - (0.5 + 0.92745 * 0.2)) < 0.05
    level = (rho[near] - RHO_STAR_RIGHT) / (RHO_STAR_LEFT - RHO_STAR_RIGHT)
    intermediate = np.count_nonzero((level > 0.1) & (level < 0.9))
    assert intermediate <= 2, f"{intermediate} cells inside the contact"


def test_closed_shock_tube_conserves_mass_and_total_energy(run_problem):
    # run long enough for the waves to reflect off both walls several times
    run = run_problem("sod", "mesh.cells=200", "time.end=2.0", "output.interval=0.5")
    first, last = run.scalars(0), run.scalars(-1)
    assert last["boundary_work"] == 0.0
    assert last["mass"] == first["mass"]
    drift = abs(last["total_energy"] - first["total_energy"]) / first["total_energy"]
    assert drift <= 1e-8, drift
    masses = [run[i]["dm"] for i in range(len(run))]
    assert all(np.array_equal(m, masses[0]) for m in masses)

"""Noh (1987) planar implosion: post-shock density and shock position."""

from __future__ import annotations

import numpy as np

GAMMA = 5.0 / 3.0
RHO_POST = (GAMMA + 1.0) / (GAMMA - 1.0)  # 4
SHOCK_SPEED = 0.5 * (GAMMA - 1.0)  # 1/3, for inflow speed 1


def shock_position(x: np.ndarray, rho: np.ndarray) -> float:
    """Outermost crossing of the level (1 + 4)/2, linearly interpolated."""
    level = 0.5 * (1.0 + RHO_POST)
    j = np.nonzero((rho[:-1] >= level) & (rho[1:] < level))[0][-1]
    return float(x[j] + (level - rho[j]) * (x[j + 1] - x[j]) / (rho[j + 1] - rho[j]))


def test_noh_post_shock_density_and_shock_position(run_problem):
    snap = run_problem("noh", "mesh.cells=400")[-1]
    t = snap["time"]
    assert t == 0.6
    x, rho = snap["x"], snap["rho"]
    x_shock = shock_position(x, rho)
    exact = SHOCK_SPEED * t
    assert abs(x_shock - exact) <= 0.01 * exact, (x_shock, exact)
    # wall-heating layer: the first ~4 cells at the wall (Noh 1987) are excluded, and
    # the shock transition (a few cells) as well
    dx = 1.0 / 400
    plateau = (x > 10 * dx) & (x < exact - 6 * dx)
    assert np.count_nonzero(plateau) > 40
    deviation = np.max(np.abs(rho[plateau] / RHO_POST - 1.0))
    assert deviation <= 0.02, deviation
    # upstream gas is untouched: still rho = 1, v = -1
    upstream = x > exact + 6 * dx
    assert np.allclose(rho[upstream], 1.0, rtol=1e-6)
    assert np.allclose(snap["v"][upstream], -1.0, rtol=1e-6)

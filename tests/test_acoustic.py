"""Standing sound wave: second-order convergence of the default integrator."""

from __future__ import annotations

import math

import numpy as np


def density_error(snap: dict, amplitude: float, gamma: float) -> float:
    """L1 of rho minus the exact linear solution, relative to the amplitude.

    Exact: rho = 1 + A cos(k x) cos(w t), k = pi, w = c k, c = sqrt(gamma) (rho0 = p0 = 1);
    compared as averages over the Lagrangian cells.
    """
    edges, t = snap["x_edges"], snap["time"]
    k = math.pi
    w = math.sqrt(gamma) * k
    dx = np.diff(edges)
    exact = 1.0 + amplitude * np.diff(np.sin(k * edges)) / (k * dx) * math.cos(w * t)
    return float(np.sum(np.abs(snap["rho"] - exact) * dx) / amplitude)


def test_acoustic_wave_converges_at_second_order(run_problem):
    cells = np.array([16, 32, 64, 128])
    errors = []
    for n in cells:
        run = run_problem("acoustic_wave", f"mesh.cells={n}")
        assert run.config["time"]["theta"] == 0.5  # the default integrator
        errors.append(density_error(run[-1], run.config["initial"]["amplitude"], 5.0 / 3.0))
    errors = np.array(errors)
    orders = np.log2(errors[:-1] / errors[1:])
    assert np.all(orders >= 1.8), (errors, orders)

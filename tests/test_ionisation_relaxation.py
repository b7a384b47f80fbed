"""Non-equilibrium ionisation in the solver relaxes to Saha, at the rate set by the rate
coefficients (static uniform hydrogen box in the LTE limit: collisional ionisation and
three-body recombination only, radiative continua in detailed balance, no beam)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from loopsim import open_run
from loopsim.config import config_from_toml
from loopsim.driver import run
from loopsim.physics import hydrogen

N_H = 1e15
PROBLEM = f"""
[problem]
name = "ionisation_relaxation"
[mesh]
cells = 4
x_max = 1.0e5
[time]
end = 0.6
dt_initial = 1e-5
dt_max = 1e-4
max_change = 0.05
[eos]
kind = "hydrogen"
ionisation = "nonequilibrium"
radiative_processes = false
[hydro]
static = true
[initial]
kind = "uniform"
rho = {N_H * hydrogen.MASS_PER_H!r}
temperature = 1.0e4
ionisation = 0.40
[output]
interval = 0.01
"""


def relaxation_rate(temperature: float, x: float) -> float:
    """d(dx/dt)/dx along the energy-conserving path of a closed static cell (s^-1).

    dx/dt = (1 - x) n_e C - x n_e^2 alpha_3b (n_e = x n_H, Voronov C and its detailed-balance
    inverse); e is fixed,
    so T moves with x: dT/dx = -(chi_H + 1.5 k T) / (1.5 k (1 + x + Y))."""
    rho = N_H * hydrogen.MASS_PER_H
    energy = hydrogen.internal_energy(rho, temperature, x)

    def rhs(xx: float) -> float:
        t = hydrogen.temperature_from_energy(rho, energy, xx)
        c_coll, _, _, alpha_3b = hydrogen.rate_coefficients(t, 0.0)
        n_e = xx * N_H
        ionise, recombine = n_e * c_coll, n_e * n_e * alpha_3b
        return (1 - xx) * ionise - xx * recombine

    h = 1e-7
    return (rhs(x + h) - rhs(x - h)) / (2 * h)


def test_relaxes_to_saha_at_the_coefficient_rate(tmp_path: Path):
    path = tmp_path / "ion.h5"
    run(config_from_toml(PROBLEM), path, progress=False)
    result = open_run(path)
    times = result.times
    x = np.array([result[i]["x_H"][0] for i in range(len(result))])
    temperature = np.array([result[i]["T"][0] for i in range(len(result))])
    # final state: Saha at the final temperature and density
    x_saha = hydrogen.saha_fraction(temperature[-1], N_H)
    assert abs(x[-1] / x_saha - 1) < 1e-4, (x[-1], x_saha)
    # e-folding rate of the approach to the final state (x_final and Saha differ by ~1e-7
    # through the constants of the fits), over the 7 e-folds where the offset is > 1e-6,
    # against the linearised rate equation
    offset = np.abs(x - x[-1])
    window = (times > 0.02) & (offset > 1e-6)
    slope = np.polyfit(times[window], np.log(offset[window]), 1)[0]
    expected = relaxation_rate(temperature[-1], x[-1])
    assert expected < 0
    assert np.count_nonzero(window) >= 10
    assert abs(slope / expected - 1) < 0.02, (slope, expected)
    # energy is conserved by the static closed box: ionisation energy comes out of heat
    first, last = result.scalars(0), result.scalars(-1)
    assert abs(last["total_energy"] / first["total_energy"] - 1) < 1e-10

"""Model hydrogen atom and atmospheres of the Hα synthesis: atomic data against published
values, and clear errors for bad atmospheres or run files."""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.halpha import Atmosphere, AtmosphereError, HydrogenAtom, falc
from postprocess.halpha.atom import johnson_excitation, johnson_ionisation
from postprocess.halpha.atom import photoionisation_cross_section as sigma_bf
from postprocess.halpha.synth import air_to_vacuum, vacuum_to_air

T_GRID = np.array([3000.0, 5000.0, 7000.0, 10000.0, 20000.0, 30000.0])
# Rate tables of the RH H_6 model atom (Uitenbroek 2001; as distributed with Lightweaver,
# lightweaver.rh_atoms.H_6_atom), computed there from Johnson (1972).  RH's "CE" gives the
# downward rate C_ji = n_e CE sqrt(T) g_i/g_j and "CI" the ionisation C_ic = n_e CI sqrt(T)
# exp(-chi_i/kT), both in SI (m^3 s^-1 K^-1/2).
RH_CE_23 = np.array([1.127e-14, 8.077e-15, 6.716e-15, 5.691e-15, 4.419e-15, 3.89e-15])
RH_CE_34 = np.array([3.114e-14, 2.629e-14, 2.434e-14, 2.29e-14, 2.068e-14, 1.917e-14])
RH_CE_45 = np.array([7.728e-14, 7.317e-14, 7.199e-14, 7.109e-14, 6.752e-14, 6.31e-14])
RH_CI_2 = np.array([5.34e-16, 6.596e-16, 7.546e-16, 8.583e-16, 1.025e-15, 1.069e-15])
RH_CI_4 = np.array([6.182e-15, 7.576e-15, 8.37e-15, 8.992e-15, 9.252e-15, 8.752e-15])
K_B = 1.380649e-16


def test_level_structure_and_wavelengths():
    atom = HydrogenAtom()
    ha = atom.line(2, 3)
    assert ha.wavelength == pytest.approx(6564.61, abs=0.02)  # vacuum (NIST 6564.6)
    assert float(vacuum_to_air(ha.wavelength)) == pytest.approx(6562.80, abs=0.02)
    assert float(air_to_vacuum(vacuum_to_air(6564.6))) == pytest.approx(6564.6, abs=1e-8)
    assert atom.line(1, 2).wavelength == pytest.approx(1215.67, abs=0.02)
    # Einstein A of H-alpha (NIST: 4.41e7 s^-1)
    assert ha.a_ul == pytest.approx(4.41e7, rel=0.01)


def test_photoionisation_cross_section_at_threshold():
    # hydrogen 1s threshold cross section 6.30e-18 cm^2 (e.g. Osterbrock & Ferland)
    edge = 911.75
    assert float(sigma_bf(1, edge * (1 - 1e-9))) == pytest.approx(6.30e-18, rel=0.01)
    assert float(sigma_bf(1, edge * 1.01)) == 0.0


def test_johnson_rates_reproduce_rh_tables():
    atom = HydrogenAtom()
    g = atom.g
    # (RH uses other sources for n = 1 and for Delta n > 1; these are the Johnson ones)
    for (lo, up), table in (((2, 3), RH_CE_23), ((3, 4), RH_CE_34), ((4, 5), RH_CE_45)):
        down = table * g[lo - 1] / g[up - 1] * np.sqrt(T_GRID) * 1e6
        de = atom.energy[up - 1] - atom.energy[lo - 1]
        rh_up = down * g[up - 1] / g[lo - 1] * np.exp(-de / (K_B * T_GRID))
        np.testing.assert_allclose(johnson_excitation(lo, up, T_GRID), rh_up, rtol=0.01)
    for n, table in ((2, RH_CI_2), (4, RH_CI_4)):
        rh = table * np.sqrt(T_GRID) * np.exp(-atom.ionisation_energy[n - 1] / (K_B * T_GRID))
        np.testing.assert_allclose(johnson_ionisation(n, T_GRID), rh * 1e6, rtol=0.01)


def test_collision_matrix_obeys_detailed_balance():
    atom = HydrogenAtom()
    t, ne = np.array([6000.0, 1e4]), np.array([1e11, 1e13])
    c = atom.collision_matrix(t, ne)
    lte = atom.lte_populations(t, ne, np.array([1e12, 1e14]))
    net = np.einsum("kij,jk->ik", c, lte) - np.einsum("kji,ik->ik", c, lte)
    scale = np.einsum("kij,jk->ik", c, lte)
    assert np.all(np.abs(net) <= 1e-10 * scale.max(axis=0))


def good_arrays(n: int = 10) -> dict:
    return {"height": np.linspace(2e8, 0.0, n), "temperature": np.full(n, 6000.0),
            "n_e": np.full(n, 1e11), "n_h": np.full(n, 1e14), "n_p": np.full(n, 1e11),
            "velocity": np.zeros(n), "v_turb": np.full(n, 2e5)}


@pytest.mark.parametrize("change,message", [
    ({"height": None}, "depth scale"),
    ({"height": np.array([2e8, 1e8, 1.5e8, 0.5e8, 0.0, -1e7, -2e7, -3e7, -4e7, -5e7])},
     "not strictly monotonic"),
    ({"height": np.linspace(0.0, 2e8, 10)}, "top of the atmosphere must come first"),
    ({"n_e": np.r_[np.full(9, 1e11), -1.0]}, "negative density or rate in 'n_e'"),
    ({"n_h": np.r_[-1.0, np.full(9, 1e14)]}, "negative density or rate in 'n_h'"),
    ({"temperature": np.r_[np.full(9, 6e3), 0.0]}, "'temperature' must be > 0"),
    ({"n_p": np.full(5, 1e11)}, "'n_p' has shape"),
])
def test_bad_atmospheres_raise_clear_errors(change, message):
    arrays = good_arrays()
    arrays.update(change)
    with pytest.raises(AtmosphereError, match=message):
        Atmosphere(**arrays)


def test_run_without_loop_arrays_is_refused(run_problem):
    run = run_problem("sod", "mesh.cells=50", "time.end=0.01")
    with pytest.raises(AtmosphereError, match="lacks .*n_e.*needed for the H-alpha"):
        Atmosphere.from_run_snapshot(run, 0)


def test_falc_table_is_the_published_model():
    atmos = falc()
    assert atmos.n_depth == 82
    # FAL-C landmarks (FAL93 Table): T_min ~ 4400-4500 K, top 1e5 K, photospheric bottom 9400 K
    assert 4300.0 <= atmos.temperature.min() <= 4600.0
    assert atmos.temperature[0] == pytest.approx(1e5)
    assert atmos.temperature[-1] == pytest.approx(9400.0, rel=0.01)

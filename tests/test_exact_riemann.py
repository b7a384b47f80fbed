"""Verification of the exact Riemann solver against published values and independent physics.

Reference numbers are from E. F. Toro, *Riemann Solvers and Numerical Methods for Fluid
Dynamics*, 3rd ed. (Springer 2009), Tables 4.2 (initial data) and 4.3 (exact star-region
values), gamma = 1.4. They are quoted to 5-6 significant figures, so comparisons use a
relative tolerance matching the last quoted digit, not the solver's own output.
"""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.reference.riemann import (
    GasState,
    exact_riemann,
    exact_riemann_cell_average,
    star_state,
)

GAMMA = 1.4

SOD_L = GasState(rho=1.0, u=0.0, p=1.0)
SOD_R = GasState(rho=0.125, u=0.0, p=0.1)

# (name, left, right, p*, u*, rho*_L, rho*_R) from Toro Table 4.3.
TORO_TESTS = [
    ("test1_sod", SOD_L, SOD_R, 0.30313, 0.92745, 0.42632, 0.26557),
    ("test2_123", GasState(1.0, -2.0, 0.4), GasState(1.0, 2.0, 0.4),
     0.00189, 0.0, 0.02185, 0.02185),
    ("test3", GasState(1.0, 0.0, 1000.0), GasState(1.0, 0.0, 0.01),
     460.894, 19.5975, 0.57506, 5.99924),
    ("test4", GasState(1.0, 0.0, 0.01), GasState(1.0, 0.0, 100.0),
     46.0950, -6.19633, 5.99242, 0.57511),
    ("test5", GasState(5.99924, 19.5975, 460.894), GasState(5.99242, -6.19633, 46.0950),
     1691.64, 8.68975, 14.2823, 31.0426),
]  # fmt: skip


# Toro's values are rounded to 5-6 significant figures (and test 5 starts from rounded
# test-3/4 star states), so allow a relative 2e-5 plus half a unit in the last quoted decimal
# for the tiny p* = 0.00189 of test 2.
REL, ABS = 2e-5, 5e-6


@pytest.mark.parametrize(
    ("left", "right", "p_ref", "u_ref"),
    [pytest.param(t[1], t[2], t[3], t[4], id=t[0]) for t in TORO_TESTS],
)
def test_star_state_matches_toro_table(left, right, p_ref, u_ref):
    p_star, u_star = star_state(left, right, GAMMA)
    assert p_star == pytest.approx(p_ref, rel=REL, abs=ABS)
    assert u_star == pytest.approx(u_ref, rel=REL, abs=ABS)


@pytest.mark.parametrize(
    ("left", "right", "p_ref", "rho_l_ref", "rho_r_ref"),
    [pytest.param(t[1], t[2], t[3], t[5], t[6], id=t[0]) for t in TORO_TESTS],
)
def test_star_densities_match_toro_table(left, right, p_ref, rho_l_ref, rho_r_ref):
    # Sample just either side of the contact; the star densities are the plateau values.
    p_star, u_star = star_state(left, right, GAMMA)
    t = 1.0
    x = np.array([u_star - 1e-9, u_star + 1e-9])
    sol = exact_riemann(left, right, GAMMA, x, t, 0.0)
    assert sol["p"] == pytest.approx([p_star, p_star], rel=1e-12)
    assert sol["rho"][0] == pytest.approx(rho_l_ref, rel=1e-4)
    assert sol["rho"][1] == pytest.approx(rho_r_ref, rel=1e-4)


def test_sod_profile_plateaus_and_shock_position():
    t, x0 = 0.2, 0.5
    x = np.linspace(0.0, 1.0, 2001)
    sol = exact_riemann(SOD_L, SOD_R, GAMMA, x, t, x0)
    for key in ("rho", "u", "p", "e"):
        assert sol[key].shape == x.shape

    # Undisturbed states at the ends of the domain.
    assert sol["rho"][0] == 1.0 and sol["p"][0] == 1.0 and sol["u"][0] == 0.0
    assert sol["rho"][-1] == 0.125 and sol["p"][-1] == 0.1 and sol["u"][-1] == 0.0

    u_star = 0.92745
    contact = x0 + u_star * t
    shock = x0 + 1.75216 * t
    left_plateau = (x > contact - 0.05) & (x < contact - 0.01)
    right_plateau = (x > contact + 0.01) & (x < shock - 0.01)
    assert np.allclose(sol["rho"][left_plateau], 0.42632, rtol=2e-5)
    assert np.allclose(sol["rho"][right_plateau], 0.26557, rtol=2e-5)
    assert np.allclose(sol["p"][left_plateau | right_plateau], 0.30313, rtol=2e-5)
    assert np.allclose(sol["u"][left_plateau | right_plateau], u_star, rtol=2e-5)
    assert np.allclose(sol["e"], sol["p"] / ((GAMMA - 1.0) * sol["rho"]))

    # Locate the shock as the density jump on a fine grid around the published position.
    xf = np.linspace(shock - 0.01, shock + 0.01, 20001)
    rho_f = exact_riemann(SOD_L, SOD_R, GAMMA, xf, t, x0)["rho"]
    i = int(np.argmax(np.abs(np.diff(rho_f))))
    x_shock = 0.5 * (xf[i] + xf[i + 1])
    # Published shock speed has 6 significant figures -> position known to ~1e-6.
    assert x_shock == pytest.approx(shock, abs=2e-6)
    assert rho_f[i] == pytest.approx(0.26557, rel=2e-5)
    assert rho_f[i + 1] == 0.125


def test_sod_shock_satisfies_rankine_hugoniot():
    """Mass, momentum and energy fluxes in the shock frame are continuous across the shock."""
    t, x0, s = 0.2, 0.5, 1.75216  # published shock speed
    x_shock = x0 + s * t
    sol = exact_riemann(SOD_L, SOD_R, GAMMA, np.array([x_shock - 1e-4, x_shock + 1e-4]), t, x0)
    rho, u, p = sol["rho"], sol["u"], sol["p"]
    assert rho[0] > rho[1] and p[0] > p[1]  # compressive: post-shock behind, pre-shock ahead
    w = u - s  # velocity relative to the shock
    mass = rho * w
    momentum = rho * w**2 + p
    enthalpy = GAMMA / (GAMMA - 1.0) * p / rho + 0.5 * w**2
    assert mass[0] == pytest.approx(mass[1], rel=1e-4)
    assert momentum[0] == pytest.approx(momentum[1], rel=1e-4)
    assert enthalpy[0] == pytest.approx(enthalpy[1], rel=1e-4)


def test_sod_rarefaction_is_isentropic_and_carries_riemann_invariant():
    t, x0 = 0.2, 0.5
    c_l = np.sqrt(GAMMA)  # sqrt(gamma pL/rhoL) with pL = rhoL = 1
    head = x0 - c_l * t
    tail = x0 + (0.92745 - np.sqrt(GAMMA * 0.30313 / 0.42632)) * t
    x = np.linspace(head + 1e-3, tail - 1e-3, 101)
    sol = exact_riemann(SOD_L, SOD_R, GAMMA, x, t, x0)
    c = np.sqrt(GAMMA * sol["p"] / sol["rho"])
    assert np.allclose(sol["p"] / sol["rho"] ** GAMMA, 1.0, rtol=1e-12)
    assert np.allclose(sol["u"] + 2.0 * c / (GAMMA - 1.0), 2.0 * c_l / (GAMMA - 1.0), rtol=1e-12)
    assert np.allclose(sol["u"] - c, (x - x0) / t, rtol=1e-12, atol=1e-12)  # C- characteristics
    assert np.all(np.diff(sol["rho"]) < 0.0)


def test_cell_average_conserves_mass_momentum_energy():
    """Integrals over [0, 1] obey the conservation laws (waves stay inside the domain)."""
    t, x0 = 0.2, 0.5
    edges = np.linspace(0.0, 1.0, 201)
    avg = exact_riemann_cell_average(SOD_L, SOD_R, GAMMA, edges, t, x0, subsamples=64)
    assert avg["rho"].shape == (200,)
    dx = np.diff(edges)
    # Average the conserved densities from point values for the momentum/energy integrals.
    pts = edges[:-1, None] + dx[:, None] * (np.arange(64) + 0.5)[None, :] / 64
    sol = exact_riemann(SOD_L, SOD_R, GAMMA, pts, t, x0)
    mom = (sol["rho"] * sol["u"]).mean(axis=1)
    energy = (sol["p"] / (GAMMA - 1.0) + 0.5 * sol["rho"] * sol["u"] ** 2).mean(axis=1)
    np.testing.assert_allclose(avg["rho"], sol["rho"].mean(axis=1))

    assert np.sum(avg["rho"] * dx) == pytest.approx(0.5 * 1.0 + 0.5 * 0.125, abs=2e-4)
    # d/dt int rho u dx = p(0) - p(1) (u = 0 at both ends).
    assert np.sum(mom * dx) == pytest.approx((1.0 - 0.1) * t, abs=2e-4)
    # No energy flux through the ends (u = 0 there).
    assert np.sum(energy * dx) == pytest.approx(0.5 * (1.0 + 0.1) / (GAMMA - 1.0), abs=2e-4)


def test_uniform_state_is_unchanged():
    s = GasState(1.3, 0.7, 2.1)
    p_star, u_star = star_state(s, s, GAMMA)
    assert p_star == pytest.approx(2.1, rel=1e-12)
    assert u_star == pytest.approx(0.7, abs=1e-12)
    x = np.linspace(-1.0, 1.0, 11)
    sol = exact_riemann(s, s, GAMMA, x, 0.3, 0.0)
    assert np.allclose(sol["rho"], 1.3) and np.allclose(sol["u"], 0.7)
    assert np.allclose(sol["p"], 2.1)


def test_output_shape_follows_input():
    x = np.linspace(0.0, 1.0, 12).reshape(3, 4)
    sol = exact_riemann(SOD_L, SOD_R, GAMMA, x, 0.1, 0.5)
    assert set(sol) == {"rho", "u", "p", "e"}
    assert all(v.shape == (3, 4) for v in sol.values())


def test_vacuum_generation_is_rejected():
    # 2/(g-1)(cL+cR) = 5*2*sqrt(1.4*0.4) ~ 7.48 <= uR - uL = 8
    left, right = GasState(1.0, -4.0, 0.4), GasState(1.0, 4.0, 0.4)
    with pytest.raises(ValueError, match="vacuum is not supported"):
        star_state(left, right, GAMMA)
    with pytest.raises(ValueError, match="vacuum"):
        exact_riemann(left, right, GAMMA, np.zeros(3), 0.1, 0.0)


@pytest.mark.parametrize(
    ("left", "right", "gamma", "pattern"),
    [
        (GasState(1.0, 0.0, -1.0), SOD_R, GAMMA, r"left\.p .*-1\.0"),
        (SOD_L, GasState(0.125, 0.0, 0.0), GAMMA, r"right\.p .*0\.0"),
        (GasState(0.0, 0.0, 1.0), SOD_R, GAMMA, r"left\.rho .*0\.0"),
        (SOD_L, GasState(-0.5, 0.0, 0.1), GAMMA, r"right\.rho .*-0\.5"),
        (SOD_L, SOD_R, 1.0, r"gamma.*1\.0"),
    ],
)
def test_invalid_input_messages(left, right, gamma, pattern):
    with pytest.raises(ValueError, match=pattern):
        star_state(left, right, gamma)


def test_invalid_time_and_edges():
    with pytest.raises(ValueError, match="t must be positive"):
        exact_riemann(SOD_L, SOD_R, GAMMA, np.zeros(2), 0.0, 0.5)
    with pytest.raises(ValueError, match="strictly increasing"):
        exact_riemann_cell_average(SOD_L, SOD_R, GAMMA, np.array([0.0, 0.5, 0.4]), 0.1, 0.5)
    with pytest.raises(ValueError, match="subsamples"):
        exact_riemann_cell_average(SOD_L, SOD_R, GAMMA, np.linspace(0, 1, 3), 0.1, 0.5, 0)

"""Thick-target beam heating (loopsim.physics.beam) against independent references.

The references are built here without the module's closed forms: the Emslie (1978) loss
equations are integrated numerically (scipy.integrate.solve_ivp) and the result is folded
with the injected power law by scipy.integrate.quad; the incomplete beta function is
checked against scipy.special; F20 against a quadrature of the spectrum.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, optimize, special

from loopsim.constants import E_CHARGE, EV, KEV
from loopsim.physics import beam

K = 2.0 * math.pi * E_CHARGE**4  # Emslie's collision constant 2 pi e^4, recomputed here
FLUX = 1.0e10  # erg cm^-2 s^-1 above E_c
E_CUT_KEV = 20.0


def hf94_logs(energy_erg: float, n_e: float) -> tuple[float, float, float]:
    """Hawley & Fisher (1994) Coulomb logarithms, written out independently of the module."""
    return (
        66.0 + 1.5 * math.log(energy_erg) - 0.5 * math.log(n_e),
        25.1 + math.log(energy_erg),
        12.3 + 0.5 * math.log(energy_erg),
    )


def target_logs(x_ion: float, n_e: float, delta: float) -> tuple[float, float]:
    """(gamma, deflection log) of a uniform target: x L + (1-x) L', 2 x L + (1-x) L''."""
    e_mean = (delta - 1.0) / (delta - 2.0) * E_CUT_KEV * KEV
    lam, lam_h, lam_hh = hf94_logs(e_mean, n_e)
    return x_ion * lam + (1.0 - x_ion) * lam_h, 2.0 * x_ion * lam + (1.0 - x_ion) * lam_hh


def ode_heating_per_atom(columns, x_ion, n_e, delta, mu0=1.0):
    """q/n_H (erg s^-1 per H atom) from the Emslie loss equations, solved numerically.

    Mono-energetic electrons obey (Emslie 1978, constant Coulomb logarithms, as his analytic
    result assumes; the logs are evaluated once, at the mean injected energy)

        dE/dN = -K gamma / (mu E),     dmu/dN = -K (2 x L + (1 - x) L'') / (2 E^2).

    These equations are invariant under E -> s E, N -> s^2 N, so one trajectory in the
    variables eps = E/E0 and n = K gamma N / E0^2 serves all E0; it is integrated with
    solve_ivp (DOP853, rtol 1e-12) in ln(eps), which keeps the stopping point regular:
    dn/dln(eps) = -mu eps^2, dmu/dln(eps) = (p / 2) mu, p = deflection log / gamma.

    The heating per atom at column N is the energy loss rate summed over the injected
    spectrum F(E0) = (delta - 2) flux E_c^(delta-2) E0^-delta for the electrons that have
    not yet stopped, q/n_H = int F(E0) K gamma / (mu E) dE0.  At fixed N each E0 >= E_c
    maps one-to-one onto the energy fraction eps it still has there (E0 = sqrt(K gamma N /
    n(eps))); in that variable the integrand is regular and the integral reads
    (A K gamma / 2)(K gamma N)^(-delta/2) int n(eps)^(delta/2 - 1) d eps, integrated with
    quad from eps(E0 = E_c) (or from the stopping point) to 1.
    """
    gamma, deflection = target_logs(x_ion, n_e, delta)
    p = deflection / gamma
    s_end = math.log(1.0e-14)

    def rhs(s, state):
        n, mu = state
        return [-mu * math.exp(2.0 * s), 0.5 * p * mu]

    trajectory = integrate.solve_ivp(
        rhs, (0.0, s_end), [0.0, mu0], method="DOP853", rtol=1e-12, atol=1e-30,
        dense_output=True,
    )
    assert trajectory.success
    n_stop = trajectory.y[0, -1]
    e_cut = E_CUT_KEV * KEV
    amplitude = (delta - 2.0) * FLUX * e_cut ** (delta - 2.0)

    def n_of_eps(eps):
        return trajectory.sol(math.log(eps))[0]

    result = []
    for column in columns:
        n_cut = K * gamma * column / e_cut**2  # n reached at this column by E0 = E_c
        if n_cut >= n_stop:
            s_low = s_end  # every electron above E_c that is still moving contributes
        else:
            s_low = optimize.brentq(
                lambda s, target=n_cut: trajectory.sol(s)[0] - target, s_end, 0.0,
                xtol=1e-14, rtol=1e-14,
            )
        value, _ = integrate.quad(
            lambda eps: n_of_eps(eps) ** (0.5 * delta - 1.0), math.exp(s_low), 1.0,
            epsabs=0.0, epsrel=1e-11, limit=200,
        )
        result.append(0.5 * amplitude * K * gamma * (K * gamma * column) ** (-0.5 * delta)
                      * value)
    return np.array(result)


def module_heating_per_atom(columns, x_ion, n_e, delta, mu0=1.0, beta_override=-1.0):
    """q/n_H from deposited_power: the power in a thin cell [N(1-h), N(1+h)] over its column."""
    h = 1.0e-4
    out = []
    for column in columns:
        edges = np.array([0.0, column * (1.0 - h), column * (1.0 + h)])
        deposit = beam.deposited_power(
            edges, np.full(2, x_ion), np.full(2, n_e), FLUX, delta, E_CUT_KEV, mu0,
            beta_override,
        )
        out.append(deposit[1] / (edges[2] - edges[1]))
    return np.array(out)


# --------------------------------------------------------------------------------------
# Building blocks
# --------------------------------------------------------------------------------------


def test_incomplete_beta_matches_scipy():
    worst = 0.0
    for a in (0.05, 0.5, 1.0, 1.5, 2.5, 4.0):
        for b in (1.0 / 3.0, 0.45, 4.0 / 3.0, 1.45, 3.0):
            for x in (1e-12, 1e-4, 0.1, 0.5, 0.8, 0.99, 1.0 - 1e-9):
                reference = special.betainc(a, b, x) * special.beta(a, b)
                worst = max(worst, abs(beam.incomplete_beta(a, b, x) / reference - 1.0))
    assert worst < 1e-12


def test_coulomb_logarithms_are_hawley_fisher():
    energy = 30.0 * KEV
    for n_e in (1e9, 1e11, 1e14):
        assert np.allclose(beam.coulomb_logarithms(energy, n_e), hf94_logs(energy, n_e),
                           rtol=1e-14)
    # Lambda' = ln(2 E / (1.105 chi_H)) and Lambda'' = ln(v / (alpha c)) (HF94)
    chi_h = 13.598434 * EV
    lam_h = math.log(2.0 * energy / (1.105 * chi_h))
    v = math.sqrt(2.0 * energy / 9.1093837e-28)
    lam_hh = math.log(v / (7.2973525693e-3 * 2.99792458e10))
    _, module_h, module_hh = beam.coulomb_logarithms(energy, 1e11)
    # HF94 quote the offsets rounded to 0.1 (25.143 -> 25.1, 12.275 -> 12.3)
    assert abs(module_h - lam_h) < 0.05
    assert abs(module_hh - lam_hh) < 0.05


# --------------------------------------------------------------------------------------
# Heating rate against the independent ODE integration
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x_ion", "n_e", "delta", "mu0"),
    [(1.0, 1e11, 5.0, 1.0), (0.0, 1e9, 5.0, 1.0), (1.0, 1e12, 3.5, 0.8), (0.0, 1e9, 7.0, 1.0)],
)
def test_heating_matches_ode_integration(x_ion, n_e, delta, mu0):
    columns = np.logspace(19.0, 22.0, 10)
    reference = ode_heating_per_atom(columns, x_ion, n_e, delta, mu0)
    module = module_heating_per_atom(columns, x_ion, n_e, delta, mu0)
    worst = np.max(np.abs(module / reference - 1.0))
    print(f"x={x_ion} delta={delta} mu0={mu0}: max |rel diff| vs ODE = {worst:.2e}")
    assert worst < 0.01
    # the point formula of Emslie (1978) / HF94 eq. 2.10 agrees with the conservative cells
    point = beam.heating_per_atom_uniform(columns, x_ion, n_e, FLUX, delta, E_CUT_KEV, mu0)
    assert np.max(np.abs(module / point - 1.0)) < 1e-6


def test_fully_ionised_is_fcm85_formula():
    """x = 1: q/n_H = pi e^4 (delta-2) Lambda F/(mu0 E_c^2) B_x(delta/2, 1/3) (N/N_c)^-delta/2."""
    delta, n_e = 4.0, 1e11
    lam, _ = target_logs(1.0, n_e, delta)
    e_cut = E_CUT_KEV * KEV
    n_c = e_cut**2 / (3.0 * K * lam)
    columns = np.logspace(18.5, 22.0, 8)
    y = columns / n_c
    incomplete = special.betainc(delta / 2, 1 / 3, np.minimum(y, 1.0)) * special.beta(
        delta / 2, 1 / 3)
    expected = math.pi * E_CHARGE**4 * (delta - 2) * lam * FLUX / e_cut**2 * incomplete \
        * y ** (-delta / 2)
    module = module_heating_per_atom(columns, 1.0, n_e, delta)
    assert np.max(np.abs(module / expected - 1.0)) < 1e-6


# --------------------------------------------------------------------------------------
# Conservation, asymptotics, penetration depth
# --------------------------------------------------------------------------------------


def flare_like_atmosphere(n_cells: int = 800):
    """Ionised corona/TR over a partially ionised chromosphere, edges from 0 to 1e25 cm^-2."""
    edges = np.concatenate([[0.0], np.logspace(16.0, 25.0, n_cells)])
    mid = np.sqrt(edges[1:] * np.maximum(edges[:-1], 1e15))
    x_ion = 1.0 / (1.0 + (mid / 3e19) ** 2) + 1e-3
    x_ion = np.minimum(x_ion, 1.0)
    n_e = 1e10 * (1.0 + mid / 1e19) ** 0.7
    return edges, x_ion, n_e


@pytest.mark.parametrize(("delta", "beta_override"), [(5.0, -1.0), (4.0, -1.0), (5.0, 2.0)])
def test_energy_conservation_deep_atmosphere(delta, beta_override):
    edges, x_ion, n_e = flare_like_atmosphere()
    flux = 1.0e11
    deposit = beam.deposited_power(edges, x_ion, n_e, flux, delta, E_CUT_KEV, 1.0,
                                   beta_override)
    remaining = beam.remaining_flux(edges, x_ion, n_e, flux, delta, E_CUT_KEV, 1.0,
                                    beta_override)
    out = np.empty_like(deposit)
    escaping = beam.deposited_power_into(out, edges, x_ion, n_e, flux, delta, E_CUT_KEV, 1.0,
                                         beta_override)
    total_error = abs(deposit.sum() / flux - 1.0)
    closure = abs(deposit.sum() + escaping - flux) / flux
    print(f"delta={delta}: |sum/F - 1| = {total_error:.2e}, closure = {closure:.1e}")
    assert np.all(deposit >= 0.0)
    assert np.array_equal(out, deposit) and escaping == remaining[-1]
    assert remaining[0] == flux
    assert total_error < 1e-3
    assert closure < 1e-12


def test_no_negative_heating_at_sharp_ionisation_jump():
    """delta near 2, ionised -> neutral step: R stays non-increasing, heating >= 0."""
    edges = np.concatenate([[0.0], np.logspace(17.0, 24.0, 400)])
    x_ion = np.where(edges[1:] < 1e20, 1.0, 0.0)
    n_e = np.where(edges[1:] < 1e20, 1e10, 1e9)
    for delta in (2.05, 2.5, 3.0):
        remaining = beam.remaining_flux(edges, x_ion, n_e, FLUX, delta, E_CUT_KEV)
        assert np.all(np.diff(remaining) <= 0.0)
        deposit = beam.deposited_power(edges, x_ion, n_e, FLUX, delta, E_CUT_KEV)
        assert np.all(deposit >= 0.0)
        assert abs(deposit.sum() + remaining[-1] - FLUX) / FLUX < 1e-12


@pytest.mark.parametrize("x_ion", [1.0, 0.0, 0.3])
@pytest.mark.parametrize("delta", [4.0, 5.0, 7.0])
def test_power_law_tail(x_ion, delta):
    """Deep in a uniform target q ~ N^(-delta/2) (all electrons above E_c are stopping)."""
    edges = np.concatenate([[0.0], np.logspace(22.5, 24.5, 61)])
    deposit = beam.deposited_power(edges, np.full(61, x_ion), np.full(61, 1e12), FLUX, delta,
                                   E_CUT_KEV)
    per_atom = deposit[1:] / np.diff(edges[1:])
    centre = np.sqrt(edges[2:] * edges[1:-1])
    slope = np.polyfit(np.log(centre), np.log(per_atom), 1)[0]
    assert abs(slope / (-0.5 * delta) - 1.0) < 0.01


def test_neutral_target_penetrates_deeper_hf94_beta():
    """beta fixed at 2 (HF94): neutral profile = ionised profile with N stretched by L/L'."""
    delta, n_e = 5.0, 1e11
    lam, _ = target_logs(1.0, n_e, delta)
    lam_h, _ = target_logs(0.0, n_e, delta)
    ratio = lam / lam_h
    columns = np.logspace(18.0, 22.0, 9)

    def remaining_at(column, x_ion):
        edges = np.array([0.0, column])
        return beam.remaining_flux(edges, np.array([x_ion]), np.array([n_e]), FLUX, delta,
                                   E_CUT_KEV, 1.0, 2.0)[-1]

    for column in columns:
        assert remaining_at(column * ratio, 0.0) == pytest.approx(remaining_at(column, 1.0),
                                                                   rel=1e-12)
    q_ionised = module_heating_per_atom(columns, 1.0, n_e, delta, beta_override=2.0)
    q_neutral = module_heating_per_atom(columns * ratio, 0.0, n_e, delta, beta_override=2.0)
    # equal heating per unit effective column gamma N at columns in the ratio L/L'
    assert np.allclose(q_neutral / lam_h, q_ionised / lam, rtol=1e-6)


def test_neutral_target_penetrates_deeper_emslie_beta():
    """Emslie beta: in the N^(-delta/2) tail, columns of equal heating differ by a factor

    [(g_n/g_i)^(1 - delta/2) ((2 + b_n/2)/(2 + b_i/2))^(-delta/2) B(delta/2, 2/(4 + b_n))
     / B(delta/2, 2/(4 + b_i))]^(2/delta),

    g = gamma, b = beta; close to, but not exactly, L/L' because neutral hydrogen deflects
    less (beta about 0.5 instead of 2).
    """
    delta, n_e = 5.0, 1e11
    g_i, p_i = target_logs(1.0, n_e, delta)
    g_n, p_n = target_logs(0.0, n_e, delta)
    b_i, b_n = p_i / g_i, p_n / g_n
    predicted = ((g_n / g_i) ** (1 - delta / 2)
                 * ((2 + b_n / 2) / (2 + b_i / 2)) ** (-delta / 2)
                 * special.beta(delta / 2, 2 / (4 + b_n))
                 / special.beta(delta / 2, 2 / (4 + b_i))) ** (2 / delta)
    columns = np.logspace(23.0, 24.0, 5)
    q_ionised = module_heating_per_atom(columns, 1.0, n_e, delta)
    q_neutral = module_heating_per_atom(columns, 0.0, n_e, delta)
    measured = (q_neutral / q_ionised) ** (2.0 / delta)
    assert np.allclose(measured, predicted, rtol=1e-4)
    assert np.all(measured > 1.0)
    # the stopping column of one electron, from the independent ODE trajectories, is
    # mu0 E0^2 / ((2 + beta/2) gamma K): neutral / ionised = (L/L') (2 + b_i/2)/(2 + b_n/2)
    stop_i, stop_n = (ode_stopping_column(x, n_e, delta) for x in (1.0, 0.0))
    expected = (g_i / g_n) * (2 + b_i / 2) / (2 + b_n / 2)
    assert stop_n / stop_i == pytest.approx(expected, rel=1e-6)
    e_cut = E_CUT_KEV * KEV
    assert stop_i == pytest.approx(e_cut**2 / ((2 + b_i / 2) * g_i * K), rel=1e-6)
    print(f"L/L' = {g_i / g_n:.3f}; equal-heating column ratio {np.mean(measured):.3f} "
          f"(predicted {predicted:.3f}); stopping-column ratio {stop_n / stop_i:.3f}")


def ode_stopping_column(x_ion, n_e, delta, e0=E_CUT_KEV * KEV, mu0=1.0):
    """Column (cm^-2) where an electron injected at e0 stops, by solve_ivp of Emslie's ODEs."""
    gamma, deflection = target_logs(x_ion, n_e, delta)

    def rhs(s, state):  # state = (N, mu), independent variable s = ln E
        energy = math.exp(s)
        return [-state[1] * energy**2 / (K * gamma), 0.5 * deflection / gamma * state[1]]

    solution = integrate.solve_ivp(rhs, (math.log(e0), math.log(e0 * 1e-12)), [0.0, mu0],
                                   method="DOP853", rtol=1e-12, atol=1e-30)
    assert solution.success and solution.y[0, -1] > 0.0
    return solution.y[0, -1]


# --------------------------------------------------------------------------------------
# Wrappers, conversions, ionisation
# --------------------------------------------------------------------------------------


def test_heating_rate_is_deposit_over_length():
    edges, x_ion, n_e = flare_like_atmosphere(50)
    ds = np.linspace(1e5, 3e7, 50)
    q = beam.heating_rate(edges, x_ion, n_e, ds, FLUX, 5.0, E_CUT_KEV)
    deposit = beam.deposited_power(edges, x_ion, n_e, FLUX, 5.0, E_CUT_KEV)
    assert np.allclose(q * ds, deposit, rtol=1e-14)


def test_first_edge_below_apex():
    """column_h_edges[0] > 0: what stopped above edge 0 is missing from the cells."""
    edges = np.array([1e19, 1e20, 1e21, 1e25])
    x_ion, n_e = np.ones(3), np.full(3, 1e11)
    remaining = beam.remaining_flux(edges, x_ion, n_e, FLUX, 5.0, E_CUT_KEV)
    deposit = beam.deposited_power(edges, x_ion, n_e, FLUX, 5.0, E_CUT_KEV)
    assert remaining[0] < FLUX
    assert deposit.sum() + remaining[-1] == pytest.approx(remaining[0], rel=1e-14)


def test_f20_conversion_against_quadrature():
    delta, e_cut_kev, f20 = 5.0, 15.0, 3.0e10
    flux = beam.flux_from_f20(f20, delta, e_cut_kev)
    assert beam.f20_from_flux(flux, delta, e_cut_kev) == pytest.approx(f20, rel=1e-14)
    # energy flux above 20 keV of the spectrum normalised to `flux` above E_c
    amplitude = (delta - 2.0) * flux * e_cut_kev ** (delta - 2.0)  # keV units
    above_20, _ = integrate.quad(lambda e: amplitude * e ** (1.0 - delta), 20.0, np.inf)
    assert above_20 == pytest.approx(f20, rel=1e-9)
    assert beam.flux_from_f20(f20, 4.0, 20.0) == f20


def test_nonthermal_ionisation_rate():
    """36 eV per ion pair: C = q/(36 eV n_H), i.e. 1.73e10 q/n_H (Fang, Henoux & Gan 1993)."""
    assert beam.nonthermal_ionisation_rate(1.0, 1.0) == pytest.approx(1.73e10, rel=3e-3)
    q = np.array([1.0, 10.0, 100.0])
    n_h = np.array([1e11, 1e12, 1e13])
    assert np.allclose(beam.nonthermal_ionisation_rate(q, n_h), q / (n_h * 36.0 * EV))


# --------------------------------------------------------------------------------------
# Time profiles
# --------------------------------------------------------------------------------------

EMPTY = np.empty(0)


def test_constant_profile():
    params = np.array([2.0, 10.0, 5e10])
    code = beam.profile_code("constant")
    values = [beam.beam_flux_at(t, code, params, EMPTY, EMPTY)
              for t in (1.999, 2.0, 7.0, 11.999, 12.0, 50.0)]
    assert values == [0.0, 5e10, 5e10, 5e10, 0.0, 0.0]
    assert beam.switch_times("constant", params) == [2.0, 12.0]


def test_triangle_profile():
    params = np.array([1.0, 4.0, 8e10])
    code = beam.PROFILE_TRIANGLE
    times = (0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0)
    expected = (0.0, 0.0, 4e10, 8e10, 4e10, 0.0, 0.0)
    for t, value in zip(times, expected, strict=True):
        assert beam.beam_flux_at(t, code, params, EMPTY, EMPTY) == pytest.approx(value)
    assert beam.switch_times("triangle", params) == [1.0, 3.0, 5.0]


def test_table_profile():
    table_t = np.array([0.0, 2.0, 4.0, 4.0, 10.0])
    table_f = np.array([0.0, 1e10, 3e10, 1e10, 0.0])
    code = beam.profile_code("table")
    at = [beam.beam_flux_at(t, code, EMPTY, table_t, table_f)
          for t in (-1.0, 0.0, 1.0, 2.0, 3.0, 3.999, 4.0, 7.0, 10.0, 10.5)]
    assert at == pytest.approx([0.0, 0.0, 5e9, 1e10, 2e10, 3e10 - 1e7, 1e10, 5e9, 0.0, 0.0])
    assert beam.switch_times("table", table_t=table_t) == [0.0, 2.0, 4.0, 10.0]
    assert beam.switch_times(beam.PROFILE_TABLE, table_t=[5.0]) == [5.0]


def test_profile_validation():
    with pytest.raises(ValueError, match="kind"):
        beam.profile_code("gaussian")
    with pytest.raises(ValueError, match="duration"):
        beam.validate_profile("constant", [0.0, -1.0, 1e10])
    with pytest.raises(ValueError, match="non-decreasing"):
        beam.validate_profile("table", table_t=[0.0, 2.0, 1.0], table_f=[0.0, 1.0, 0.0])
    beam.validate_profile("triangle", [0.0, 10.0, 1e10])
    beam.validate_profile("table", table_t=[0.0, 1.0], table_f=[0.0, 1e10])


# --------------------------------------------------------------------------------------
# Input validation
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name", "allowed"),
    [
        ({"flux": -1.0}, "flux", ">= 0"),
        ({"flux": float("nan")}, "flux", ">= 0"),
        ({"delta": 2.0}, "delta", "> 2"),
        ({"delta": 1.5}, "delta", "> 2"),
        ({"e_cut_kev": 0.0}, "e_cut_kev", "> 0"),
        ({"e_cut_kev": -20.0}, "e_cut_kev", "> 0"),
        ({"mu0": 0.0}, "mu0", "(0, 1]"),
    ],
)
def test_validate_beam_rejects(kwargs, name, allowed):
    args = {"flux": 1e10, "delta": 5.0, "e_cut_kev": 20.0} | kwargs
    with pytest.raises(ValueError) as info:
        beam.validate_beam(**args)
    message = str(info.value)
    assert name in message and allowed in message
    assert repr(kwargs[name]) in message


def test_validate_beam_accepts():
    beam.validate_beam(0.0, 2.01, 1.0)
    beam.validate_beam(1e12, 8.0, 50.0, mu0=0.5)

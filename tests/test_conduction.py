"""Spitzer conduction: nonlinear conduction front against its similarity solution, and the
saturation limit."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize

from loopsim.physics.conduction import conductive_flux, saturation_flux

K_B, M_H = 1.380649e-16, 1.6735575e-24


def similarity_solution(x, t, energy, rho, cv, kappa0):
    """Independent construction of the planar source solution of
    rho cv T_t = (kappa0 T^{5/2} T_x)_x in x > 0 (insulating wall at 0):
    T = (a t)^{-2/9} f(eta), eta = x (a t)^{-2/9}; f solves (f^n f')' = -(eta f)'/(n+2),
    whose bounded solution is f^n = n/(2(n+2)) (eta_f^2 - eta^2); eta_f is found here by
    root-finding on the numerically integrated energy, not from the closed form."""
    n = 2.5
    a = kappa0 / (rho * cv)
    q = energy / (rho * cv)

    def f(eta, eta_f):
        return (n / (2 * (n + 2)) * np.clip(eta_f**2 - eta**2, 0, None)) ** (1 / n)

    def excess(eta_f):
        return integrate.quad(f, 0, eta_f, args=(eta_f,))[0] - q

    eta_f = math.exp(optimize.brentq(lambda s: excess(math.exp(s)), -10.0, 60.0, xtol=1e-13))
    scale = (a * t) ** (2 / 9)
    return f(x / scale, eta_f) / scale, eta_f * scale


def level_crossing(x, T, level):
    """Outermost position where T falls through ``level`` (linear interpolation)."""
    j = np.nonzero((T[:-1] >= level) & (T[1:] < level))[0][-1]
    return x[j] + (level - T[j]) * (x[j + 1] - x[j]) / (T[j + 1] - T[j])


def test_conduction_front_matches_similarity_solution(run_problem):
    run = run_problem("conduction_front")
    cfg = run.config
    init = cfg["initial"]
    cv = K_B / ((cfg["eos"]["gamma"] - 1) * cfg["eos"]["mu"] * M_H)
    snap = run[-1]
    t = snap["time"]
    assert t == 10.0
    x, T = snap["x"], snap["T"]
    exact, front = similarity_solution(x, t, init["energy"], init["rho"], cv,
                                       cfg["conduction"]["kappa0"])
    # front position: where T falls through 10% of the exact central temperature
    # (exact: 0.9984 x_f, the profile is (1 - (x/x_f)^2)^{2/5})
    t_centre = similarity_solution(np.zeros(1), t, init["energy"], init["rho"], cv,
                                   cfg["conduction"]["kappa0"])[0][0]
    level = 0.1 * t_centre
    measured = level_crossing(x, T, level)
    expected = front * math.sqrt(1 - 0.1**2.5)
    assert abs(measured / expected - 1) < 0.02, (measured, expected)
    hot = np.maximum(T, 0) - init["background_temperature"]
    l1 = np.sum(np.abs(hot - exact) * np.diff(snap["x_edges"])) / np.sum(
        exact * np.diff(snap["x_edges"]))
    assert l1 < 0.03, l1
    # energy is conserved by the static conduction problem (closed, insulating ends)
    first, last = run.scalars(0), run.scalars(-1)
    assert abs(last["total_energy"] / first["total_energy"] - 1) < 1e-10


def test_flux_never_exceeds_saturation():
    n = 200
    x = np.linspace(0, 1e6, n + 1)  # very steep: 1e7 K over 10 km
    T = np.where(np.arange(n) < n // 2, 1e7, 1e4) * np.ones(n)
    n_e = np.full(n, 1e10)
    flux = np.empty(n + 1)
    conductive_flux(T, n_e, x, 1e-6, 1.0, flux)
    sat = np.array([saturation_flux(0.5 * (n_e[k - 1] + n_e[k]), 0.5 * (T[k - 1] + T[k]), 1.0)
                    for k in range(1, n)])
    assert np.all(np.abs(flux[1:n]) < sat)
    # the jump is strongly saturated (flux within 0.1% of the limit there); the flat
    # parts carry no flux
    jump = n // 2
    assert abs(flux[jump]) > 0.999 * sat[jump - 1]
    assert np.count_nonzero(flux) == 1
    unsaturated = np.empty(n + 1)
    conductive_flux(T, n_e, x, 1e-6, 0.0, unsaturated)
    assert np.max(np.abs(unsaturated)) > 100 * sat.max()


def test_spitzer_flux_in_gentle_gradient():
    """Without saturation the node flux is -kappa0 T^{5/2} dT/ds to second order; with it,
    the harmonic limiter reduces it by the factor 1/(1 + F_sp/F_sat)."""
    n = 100
    x = np.linspace(0, 1e9, n + 1)
    centres = 0.5 * (x[1:] + x[:-1])
    T = 1e6 * (1 + centres / 1e9)
    flux = np.empty(n + 1)
    conductive_flux(T, np.full(n, 1e9), x, 1e-6, 0.0, flux)
    t_node = 1e6 * (1 + x[1:n] / 1e9)
    expected = -1e-6 * t_node**2.5 * 1e6 / 1e9
    np.testing.assert_allclose(flux[1:n], expected, rtol=1e-4)
    assert flux[0] == 0 and flux[n] == 0
    limited = np.empty(n + 1)
    conductive_flux(T, np.full(n, 1e9), x, 1e-6, 1.0, limited)
    f_sat = np.array([saturation_flux(1e9, 0.5 * (T[k - 1] + T[k]), 1.0) for k in range(1, n)])
    np.testing.assert_allclose(limited[1:n], flux[1:n] / (1 + np.abs(flux[1:n]) / f_sat),
                               rtol=1e-12)

"""Formal solver of the Hα synthesis (postprocess.halpha.formal) against analytic solutions.

For a source function S(tau) in a semi-infinite atmosphere the emergent intensity is the
Laplace transform I(0, mu) = int_0^inf S(t) e^{-t/mu} dt/mu: a + b mu for S = a + b tau
(Eddington-Barbier exact), 1/(1 + c mu) for S = e^{-c tau}.  The bottom boundary is placed
deep (tau = 60) with the diffusion condition, so its truncation error is e^{-60/mu}.
"""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.halpha.formal import emergent_intensity, solve_ray


def tau_grid(n: int, tau_max: float = 60.0) -> np.ndarray:
    return np.concatenate(([0.0], np.logspace(-3, np.log10(tau_max), n)))


@pytest.mark.parametrize("order", [1, 2])
@pytest.mark.parametrize("mu", [1.0, 0.5, 0.2])
def test_linear_source_function_gives_a_plus_b_mu(order, mu):
    tau = tau_grid(60)
    a, b = 2.0, 3.0
    # height = -tau with chi = 1 makes tau the vertical optical depth
    intensity = emergent_intensity(np.ones_like(tau), a + b * tau, -tau, mu, order)
    assert abs(intensity / (a + b * mu) - 1.0) <= 1e-3
    # and far better than required: both interpolants are exact for linear S
    assert abs(intensity / (a + b * mu) - 1.0) < 1e-8


def test_linear_source_with_varying_opacity():
    """The same check with an exponentially varying opacity on a geometric height grid
    (scale height H): tau(z) = chi(z) H exactly, so S = a + b tau is linear in tau."""
    h = 1.5e7  # cm
    z = np.linspace(0.0, -2.0e8, 200)  # cm, top first, coarse: 1e6 cm vs H = 1.5e7 cm
    chi = 1e-7 * np.exp(-z / h)  # cm^-1, increasing downward
    tau = chi * h
    a, b = 1.0, 0.7
    intensity = emergent_intensity(chi, a + b * tau, z, 0.6)
    # the top point already has tau = chi(0) H = 1.5, so I(top) = a + b (tau_top + mu)
    assert abs(intensity / (a + b * (tau[0] + 0.6)) - 1.0) <= 1e-3


def test_opacity_jump_does_not_create_optical_depth():
    """An unresolved jump of the opacity by 1e6 between two points (a transition region):
    the interval gets the optical depth of an exponential, not half the big opacity."""
    z = np.array([0.0, -1.0e7, -2.0e7, -3.0e7])
    chi = np.array([1e-12, 1e-12, 1e-6, 1e-6])  # cm^-1
    src = np.array([10.0, 10.0, 1.0, 1.0])
    i_top = emergent_intensity(chi, src, z, 1.0)
    # exponential chi between points 1 and 2: Delta tau = (1e-6 - 1e-12)/ln(1e6) * 1e7 = 0.72;
    # the trapezoid would give 5.0 and let the hot layer's S dominate the emergent I
    assert i_top < 5.0


@pytest.mark.parametrize("order,expected", [(1, 2.0), (2, 2.0)])
def test_second_order_convergence(order, expected):
    """S = 1 + tau + exp(-2 tau): the error falls at >= second order with resolution."""
    mu = 0.5
    exact = 1.0 + mu + 1.0 / (1.0 + 2.0 * mu)
    errors = []
    sizes = [20, 40, 80, 160, 320]
    for n in sizes:
        tau = tau_grid(n, 40.0)
        s = 1.0 + tau + np.exp(-2.0 * tau)
        errors.append(abs(emergent_intensity(np.ones_like(tau), s, -tau, mu, order) - exact))
    orders = np.log2(np.array(errors[:-1]) / np.array(errors[1:]))
    print(f"order={order}: errors {np.array(errors)}, measured orders {orders}")
    assert np.all(orders[1:] > expected - 0.1)
    assert errors[-1] / exact < 1e-4


def test_downward_ray_constant_source():
    """No incident light, constant S: I(tau, -mu) = S (1 - exp(-tau/mu)) at every depth."""
    tau = tau_grid(80, 20.0)
    mu = 0.4
    intensity, psi = solve_ray(np.ones_like(tau), np.full(tau.size, 3.0), -tau, mu,
                               upward=False)
    np.testing.assert_allclose(intensity, 3.0 * (1.0 - np.exp(-tau / mu)), rtol=1e-6,
                               atol=1e-12)
    assert np.all(psi >= 0.0) and np.all(psi <= 1.0)


def test_bad_input_is_refused():
    tau = tau_grid(10)
    with pytest.raises(ValueError, match="shape"):
        emergent_intensity(np.ones(5), np.ones(6), -tau[:5])
    with pytest.raises(ValueError, match="mu"):
        emergent_intensity(np.ones_like(tau), np.ones_like(tau), -tau, mu=0.0)


def test_vectorised_exp_and_log_against_libm():
    """The branch-free e^{-x} of the weights and the logarithmic-mean optical depths agree
    with numpy's exp and log to a few 1e-16 relative (x = 0 ... 700; opacity ratios
    1e-30 ... 1e30), and the optical depth is the trapezoidal one for equal opacities."""
    from numba import njit

    from postprocess.halpha.formal import _exp_neg, interval_dtau

    @njit
    def exp_neg(x):
        out = np.empty_like(x)
        for i in range(x.size):
            out[i] = _exp_neg(x[i])
        return out

    x = np.concatenate(([0.0], np.geomspace(1e-12, 700.0, 20001)))
    np.testing.assert_allclose(exp_neg(x), np.exp(-x), rtol=5e-16, atol=0.0)
    rng = np.random.default_rng(3)
    chi = 10.0 ** np.concatenate((rng.uniform(-15.0, 15.0, 500), np.full(5, 2.0)))
    z = -np.cumsum(rng.uniform(1e5, 1e6, chi.size))
    dtau = np.empty(chi.size - 1)
    interval_dtau(chi, z, dtau, np.empty(chi.size - 1))
    a, b, dz = chi[:-1], chi[1:], np.abs(np.diff(z))
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(np.abs(a / b - 1.0) > 1e-3, (a - b) / np.log(a / b) * dz,
                       0.5 * (a + b) * dz)
    np.testing.assert_allclose(dtau, ref, rtol=2e-15, atol=0.0)


def test_mali_linear_fallback_intervals_equal_linear_solver():
    """The MALI kernel's limit-cycle fallback: intervals flagged ``linear`` use the linear
    interpolant, so all intervals flagged with order 2 give the order-1 rates."""
    from postprocess.halpha import falc
    from postprocess.halpha.mali import _escape_start, build_problem, radiative_rates

    atmos = falc()
    prob = build_problem(atmos)
    pops = _escape_start(prob, 2)

    empty = np.zeros((0, atmos.n_depth))

    def rates(order, linear):
        jold = np.zeros_like(prob.planck)
        return radiative_rates(prob, pops, jold, order, linear, empty, empty,
                               np.zeros((0, 6, 6)))

    none = np.zeros(atmos.n_depth - 1, bool)
    linear = rates(1, none)
    fallback = rates(2, ~none)
    bezier = rates(2, none)
    scale = np.max(np.abs(linear))
    assert np.max(np.abs(fallback - linear)) < 1e-12 * scale
    assert np.max(np.abs(bezier - linear)) > 1e-6 * scale


def test_tridiagonal_population_solve_without_coupling_is_the_local_one():
    """With no neighbour coupling (c^- = c^+ = 0) the block-tridiagonal solve reduces to
    the depth-by-depth one, for fixed and solved ionisation."""
    from postprocess.halpha import falc
    from postprocess.halpha.mali import (
        _escape_start,
        _solve_populations,
        _solve_populations_tridiagonal,
        build_problem,
        radiative_rates,
    )

    atmos = falc()
    prob = build_problem(atmos)
    pops = _escape_start(prob, 2)
    empty = np.zeros((0, atmos.n_depth))
    gamma = radiative_rates(prob, pops, np.zeros_like(prob.planck), 2,
                            np.zeros(atmos.n_depth - 1, bool), empty, empty, np.zeros((0, 6, 6)))
    zero = np.zeros((prob.t_lower.size, atmos.n_depth))
    for fixed in (True, False):
        local = _solve_populations(gamma, prob.rates, atmos.n_h, atmos.n_p, fixed, pops)
        tri = _solve_populations_tridiagonal(gamma, zero, zero, prob.t_lower, prob.t_upper,
                                             prob.rates, atmos.n_h, atmos.n_p, fixed, pops)
        np.testing.assert_allclose(tri, local, rtol=1e-10, atol=1e-30 * atmos.n_h.max())


def test_tridiagonal_population_solve_satisfies_coupled_equations():
    """The block-tridiagonal solve satisfies the coupled statistical-equilibrium equations
    of the tridiagonal operator (FAL-C, escape-probability populations, fixed
    ionisation): for every depth k and level l = 2..5,
    sum_m G_k[l, m] n_m,k + sum_t (c^-_t,k n_j,k-1 + c^+_t,k n_j,k+1)(+1 for l = i, -1 for
    l = j) = 0, and n_1 + ... + n_5 = n_H - n_p."""
    from postprocess.halpha import falc
    from postprocess.halpha.mali import (
        _escape_start,
        _solve_populations_tridiagonal,
        build_problem,
        radiative_rates,
    )

    atmos = falc()
    prob = build_problem(atmos)
    n = atmos.n_depth
    pops = _escape_start(prob, 2)
    nt = prob.t_lower.size
    cm, cp, gnl = np.zeros((nt, n)), np.zeros((nt, n)), np.zeros((n, 6, 6))
    gamma = radiative_rates(prob, pops, np.zeros_like(prob.planck), 2, np.zeros(n - 1, bool),
                            cm, cp, gnl)
    assert np.any(cm != 0) and np.any(cp != 0) and np.any(gnl != 0)
    gamma = gamma + gnl
    out = _solve_populations_tridiagonal(gamma, cm, cp, prob.t_lower, prob.t_upper,
                                         prob.rates, atmos.n_h, atmos.n_p, True, pops)
    assert np.all(np.isfinite(out)) and np.all(out > 0)
    diag = np.arange(6)
    g = gamma + prob.rates
    g[:, diag, diag] -= prob.rates.sum(axis=1) - prob.rates[:, diag, diag]
    terms = np.einsum("klm,mk->klm", g, out)
    flow = np.zeros((n, 6))
    for t in range(nt):
        i, j = prob.t_lower[t], prob.t_upper[t]
        d = np.zeros(n)
        d[1:] += cm[t, 1:] * out[j, :-1]
        d[:-1] += cp[t, :-1] * out[j, 1:]
        flow[:, i] += d
        flow[:, j] -= d
    res = terms.sum(axis=2) + flow
    size = np.abs(terms).max(axis=2) + np.abs(flow)
    assert np.max(np.abs(res[:, 1:5]) / size[:, 1:5]) < 1e-9
    np.testing.assert_allclose(out[:5].sum(axis=0), atmos.n_h - atmos.n_p, rtol=1e-12)
    np.testing.assert_array_equal(out[5], atmos.n_p)


def test_tridiagonal_operator_converges_to_the_local_operator_solution():
    """MALI with the exact rates at convergence: the tridiagonal and the diagonal
    approximate operators give the same populations (FAL-C, tolerance 1e-6), the
    tridiagonal one in fewer iterations."""
    from postprocess.halpha import falc
    from postprocess.halpha.mali import MaliSettings, solve_statistical_equilibrium

    atmos = falc()
    res = {}
    for op in ("diagonal", "tridiagonal"):
        s = MaliSettings(ionisation="solve", operator=op, tolerance=1e-6)
        res[op] = solve_statistical_equilibrium(atmos, s)
        assert res[op].converged
    assert res["tridiagonal"].tridiagonal_iterations > 0
    assert res["tridiagonal"].iterations < res["diagonal"].iterations
    pd, pt = res["diagonal"].populations, res["tridiagonal"].populations
    assert np.max(np.abs(pt - pd) / np.maximum(pd, 1e-20 * atmos.n_h)) < 2e-5


def _falc_resampled_with_flow(n: int):
    """FAL-C interpolated onto n points in log column mass, with a smooth chromospheric
    flow (up to 30 km/s downward) so that every ray has its own line profiles."""
    from postprocess.halpha import Atmosphere, falc

    a = falc()
    lm = np.log(a.column_mass)
    grid = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, lm.size), lm)

    def f(x):
        return np.exp(np.interp(grid, lm, np.log(x)))

    t = f(a.temperature)
    return Atmosphere(height=np.interp(grid, lm, a.height), temperature=t, n_e=f(a.n_e),
                      n_h=f(a.n_h), n_p=f(a.n_p), velocity=3e6 * np.exp(-((np.log10(t) - 3.9)
                                                                           / 0.3) ** 2),
                      v_turb=np.interp(grid, lm, a.v_turb), column_mass=np.exp(grid),
                      name=f"FAL-C x{n} with flow")


def _assert_mirrored(prob):
    """Every line range that ``prob.mirror`` pairs is symmetric about the line centre and
    its up rays' profiles are the down rays' mirrored, with symmetric quadrature weights
    and the same background opacity throughout (radiative_rates.py: the rays of a pair
    see the same opacity)."""
    n_mu = prob.mu.size
    paired_lines = 0
    for it in np.flatnonzero(prob.t_isline):
        lo, hi = prob.t_lo[it], prob.t_hi[it]
        if prob.mirror[lo] != hi:
            continue
        paired_lines += 1
        centre = prob.atom.transitions[it].wavelength
        offsets = prob.lam[lo:hi + 1] - centre
        np.testing.assert_allclose(offsets, -offsets[::-1], rtol=0, atol=1e-5)
        np.testing.assert_array_equal(prob.mirror[lo:hi + 1], np.arange(hi, lo - 1, -1))
        rows = slice(prob.line_off[it], prob.line_off[it] + hi - lo + 1)
        np.testing.assert_array_equal(prob.phi[:n_mu, rows], prob.phi[n_mu:, rows][:, ::-1])
        w = prob.t_weight[it, lo:hi + 1]
        np.testing.assert_array_equal(w, w[::-1])
        for name in ("kappa", "sigma", "stim"):
            values = getattr(prob, name)[lo:hi + 1]
            np.testing.assert_array_equal(values, np.broadcast_to(values[0], values.shape))
    return paired_lines


def test_mirrored_ray_pairs_give_the_rates_of_separate_rays():
    """The kernel's mirrored-pair path (one opacity for the up ray at lambda_0 + D and the
    down ray at lambda_0 - D, their line rates summed once) and its ray-by-ray path
    (every ray its own opacity, Delta tau and weights) are separate code computing the
    same sums: on a flow problem (FAL-C x 60, up to 30 km/s) they give the same rate
    matrices, neighbour coefficients and background J to round-off, for the tridiagonal
    and the diagonal operator and with a linear-fallback interval."""
    from dataclasses import replace

    from postprocess.halpha.mali import (
        MaliSettings,
        _escape_start,
        build_problem,
        radiative_rates,
    )

    prob = build_problem(_falc_resampled_with_flow(60), MaliSettings(ionisation="solve"))
    assert np.count_nonzero(prob.mirror >= 0) > 0.8 * prob.lam.size
    separate = replace(prob, mirror=np.full_like(prob.mirror, -1))
    pops = _escape_start(prob, 2)
    n, nt = prob.atmosphere.n_depth, prob.t_lower.size
    linear = np.zeros(n - 1, bool)
    linear[n // 3] = True
    for tri in (True, False):
        out = []
        for problem in (prob, separate):
            cm = np.zeros((nt if tri else 0, n))
            cp = np.zeros_like(cm)
            gnl = np.zeros((n if tri else 0, 6, 6))
            jold = 1e-3 * problem.planck
            gamma = radiative_rates(problem, pops, jold, 2, linear, cm, cp, gnl)
            out.append((gamma, jold, cm, cp, gnl))
        for paired, alone in zip(*out, strict=True):
            if alone.size:
                assert np.max(np.abs(paired - alone)) <= 1e-12 * np.max(np.abs(alone))


def test_wavelength_subset_renormalises_profiles_and_all_wavelengths_is_identity():
    """``_take_wavelengths`` (the coarse start's frequency grid): keeping every wavelength
    gives the problem back; keeping every third (``coarse_wavelengths``: plus the
    transitions' ends, symmetric in mirrored line ranges) leaves every line profile of
    every ray and depth normalised, sum w_nu phi = 1, and the mirrored ranges mirrored; a
    subset that breaks a mirrored pair is refused."""
    from postprocess.halpha.mali import (
        MaliSettings,
        _take_wavelengths,
        build_problem,
        coarse_wavelengths,
    )

    prob = build_problem(_falc_resampled_with_flow(60), MaliSettings())
    assert prob.phi.shape[0] == 6  # flows: one profile per ray
    assert _assert_mirrored(prob) == 10  # every line of the 5-level atom
    same = _take_wavelengths(prob, np.arange(prob.lam.size))
    for name in ("t_weight", "t_alpha", "phi", "act_ptr", "act_idx", "kappa", "mirror"):
        np.testing.assert_allclose(getattr(same, name), getattr(prob, name), rtol=1e-13,
                                   atol=0.0, err_msg=name)
    sub = _take_wavelengths(prob, coarse_wavelengths(prob, 3))
    assert sub.lam.size < 0.45 * prob.lam.size
    assert _assert_mirrored(sub) == 10
    for it in np.flatnonzero(sub.t_isline):
        lo, hi = sub.t_lo[it], sub.t_hi[it]
        rows = sub.phi[:, sub.line_off[it]:sub.line_off[it] + hi - lo + 1, :]
        norm = np.einsum("dpn,p->dn", rows, sub.t_weight[it, lo:hi + 1])
        np.testing.assert_allclose(norm, 1.0, rtol=1e-12)
    with pytest.raises(ValueError, match="end points"):
        _take_wavelengths(prob, np.arange(1, prob.lam.size))
    lopsided = np.setdiff1d(np.arange(prob.lam.size), [prob.t_lo[0] + 1])
    with pytest.raises(ValueError, match="partner"):
        _take_wavelengths(prob, lopsided)


def test_converged_populations_do_not_depend_on_the_coarse_start():
    """The nested-iteration start (coarse depths, every n-th wavelength) only changes the
    number of iterations: FAL-C on 300 points with a flow, tolerance 1e-6, from the
    escape-probability start, and from coarse starts on all and on every third wavelength,
    gives the same populations."""
    from postprocess.halpha.mali import MaliSettings, solve_statistical_equilibrium

    atmos = _falc_resampled_with_flow(300)
    runs = {}
    for label, kw in {"none": dict(coarse_points=0), "all": dict(coarse_wavelength_stride=1),
                      "third": dict(coarse_wavelength_stride=3)}.items():
        s = MaliSettings(ionisation="solve", tolerance=1e-6, **kw)
        runs[label] = solve_statistical_equilibrium(atmos, s)
        assert runs[label].converged, label
    ref = runs["none"].populations
    floor = 1e-20 * atmos.n_h
    for label in ("all", "third"):
        diff = np.abs(runs[label].populations - ref) / np.maximum(ref, floor)
        assert np.max(diff) < 2e-5, label

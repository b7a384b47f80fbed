r"""One formal solution over all wavelengths and rays, reduced to preconditioned radiative
rates: the kernel of every MALI iteration (mali.py has the equations; this module the
bookkeeping that makes them cheap).

Per wavelength, the opacity chi and emissivity eta are (cgs)

  chi = kappa + sigma + sum_continua (n_i alpha - n_c V_ji) + sum_lines s0 (n_i - g n_j) phi,
  eta = kappa B_nu + sigma J + (2 h nu^3/c^2) [sum_continua n_c V_ji + sum_lines g s0 n_j phi],

with V_ji = alpha n_e Phi_i(T) e^{-h nu/kT} for a continuum (``nstar_nc`` times ``stim``
times alpha), s0 = pi e^2 f/(m_e c) and g = g_i/g_j for a line.  The rays that share an
opacity share the interval optical depths, the Bézier control points of each direction
and the short-characteristics weights of each mu (formal.py):

  * **static atmospheres** (one line-profile direction) and wavelengths without an active
    line: all 2 n_mu rays share one opacity;
  * **flows, mirrored line ranges** (``mirror``, from ``build_problem``): inside the
    range of a line that no other line overlaps, the wavelengths are placed symmetrically
    about the line centre and the opacity of everything but the line is taken at line
    centre, so the ray going up with direction cosine mu at lambda_0 + Delta sees the
    same opacity as the ray going down with the same mu at lambda_0 - Delta (the rest
    profile is symmetric: phi_up(lambda_0 + Delta, v) = phi_down(lambda_0 - Delta, v)).
    One opacity per (wavelength pair, mu) serves both rays; their emissivities (Planck
    function, scattering J, nu^3) stay those of each ray's own wavelength, so only the
    control points and the sweeps are per ray.  This halves the opacity, optical-depth
    and weight work of flow snapshots (docs/halpha.md section 8, ninth rework);
  * **flows, other line wavelengths** (overlapping lines): every ray has its own opacity.

The rates are summed per transition, R[t, k] (upward, per lower-level atom) and D[t, k]
(downward, per upper-level atom), and put into gamma[k, to, from] at the end.  Line rates
are added per group of rays sharing an opacity (``_add_rates``), continuum rates once per
wavelength from the angle sums of all its rays, when the wavelength is complete
(``_finish_wavelength``), together with the Jacobi update of the background scattering
J = (J_fs - L J_old)/(1 - L), L = sum over rays of w psi sigma/chi.

Non-local (tridiagonal) operator, when ``c_minus`` and ``c_plus`` have a row per
transition (shape [T, n]; shape [0, n] for the diagonal operator): besides psi_kk the
sweeps give the dependence of I_k on the source function at its upwind neighbour u
(k + 1 for an upward ray, k - 1 for a downward one),

    psi_ku = dI_k/dS_u = w_u + e^{-x} psi_uu

(the control point C treated as moving with S_k, as for psi_kk = w_k + w_c; the downwind
dependence through C and the second neighbours are left out).  With L^-_k = sum_r w
psi_k,k-1/chi_k-1 and L^+_k = sum_r w psi_k,k+1/chi_k+1 the effective intensity becomes
sum_r w I_eff = J - L n_j U_k - L^- n_j,k-1 U_k-1 - L^+ n_j,k+1 U_k+1 (old populations)
and the net downward rate D_t,k gains the terms c^-_t,k n_j,k-1 + c^+_t,k n_j,k+1 with
c^-_t,k = -int chi_t,k^old L^-_k U_k-1 (4 pi / h nu) dnu (likewise c^+), returned in
``c_minus``/``c_plus`` (zeroed here) for the block-tridiagonal population solve.  The
rates' neighbour parts (the L^- and L^+ terms of I_eff) go into ``gamma_nl`` ([n, 6, 6],
zeroed here; shape [0, 6, 6] with the diagonal operator), so that the returned gamma
alone is the local operator's rate matrix of the same iteration and gamma + gamma_nl the
tridiagonal one's.  The background scattering J keeps the local operator.

Intervals flagged in ``linear`` ([n - 1]) use the linear interpolant whatever ``order``
(the fallback for oscillating depths).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .formal import (
    FASTMATH,
    _weights,
    control_points,
    interval_dtau,
    interval_weights,
    sc_sweep,
    sc_sweep_pair,
)

_H = 6.62607015e-27  # erg s
_C = 2.99792458e10  # cm s^-1
_FOUR_PI = 4.0 * np.pi


# Reference counting: numba increfs and decrefs (atomic operations) the array arguments of
# every function with NRT, also of functions inlined at the numba level, and every array
# view it makes.  In the kernel that was 15 % (flows) to 30 % (static atmospheres) of the
# time (perf, session 7).  So _accumulate only allocates the work arrays; the loop over
# wavelengths (_all_wavelengths) and the helpers, inlined into it, are compiled without
# NRT (``_nrt=False``: they allocate nothing, so nothing is counted), and index whole
# arrays with row numbers.  (Helpers as separate calls instead of inlined: 9 % slower,
# the cost of passing ~20 arrays per call.)
#
# Angle sums of a group of rays are kept as sums[slot, q, k] with q = _J: sum w I,
# _L: sum w psi/chi (Lambda* per unit emissivity), _LM and _LP: L^- and L^+ (tridiagonal
# operator).  The rate formulas take them with multipliers (wj for _J, wl for the others):
# for a wavelength's own sums wj = 4 pi/(h nu), wl = wj 2 h nu^3/c^2; the mirrored pairs
# of rays, which share line profiles but not wavelengths, are summed with these factors
# already applied (wj = wl = 1).
_J, _L, _LM, _LP = 0, 1, 2, 3


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _add_rates(r_up, r_down, t, tw, a, xs, xp, xr, b, ys, yp, yr, chit, ca, pops, j, sums, s,
               wj, wl, we):
    """Add the preconditioned rates of transition t from one group of rays (angle sums
    ``sums[s]``), with V_ij = a x_k, V_ji = b y_k, U_ji = (2 h nu^3/c^2) V_ji (x =
    xs[xp, xr], y = ys[yp, yr]; lines: x = y = phi, a = s0, b = g s0; continua: x = 1,
    a = b = alpha, y = n_e Phi_i e^{-h nu/kT}), per depth k:

        R_ij += w_nu sum_r w (4 pi/h nu) V_ij I_eff,
        R_ji += w_nu sum_r w (4 pi/h nu) [U_ji (1 - chi_t Psi*) + V_ji I_eff],
        I_eff = I - Psi* n_j U_ji,   Psi* = psi/chi,

    i.e. with J = wj sums[_J], L = wl sums[_L] (module comment) and ``we`` = sum_r w
    (4 pi/h nu)(2 h nu^3/c^2):  R_ij += tw a x (J - n_j b y L),
    R_ji += tw b y (we - chi_t L + J - n_j b y L); tw = w_nu (Hz), chi_t = chit[ca]."""
    for k in range(r_up.shape[1]):
        vji = b * ys[yp, yr, k]
        lsum = wl * sums[s, _L, k]
        ieff = wj * sums[s, _J, k] - lsum * pops[j, k] * vji
        r_up[t, k] += tw * (a * xs[xp, xr, k]) * ieff
        r_down[t, k] += tw * vji * (we - chit[ca, k] * lsum + ieff)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _add_nonlocal(r_up, r_down, c_m, c_p, t, tw, a, xs, xp, xr, b, ys, yp, yr, chit, ca, pops,
                  j, sums, s, wl, down, up):
    """The non-local operator's part of one group's rates (V and U as in
    :func:`_add_rates`; L^-, L^+ = wl sums[_LM], wl sums[_LP]): the old neighbour emission
    e = L^- n_j,k-1 V_ji,k-1 + L^+ n_j,k+1 V_ji,k+1 leaves I_eff,

        R_ij -= tw V_ij e,   R_ji -= tw V_ji e,
        c^-_k -= tw chi_t,k L^-_k V_ji,k-1,   c^+_k -= tw chi_t,k L^+_k V_ji,k+1,

    (c^-/c^+: coefficients of n_j,k-1 / n_j,k+1 in the net downward rate at k); the
    L^- terms only if ``down`` (some ray goes down), the L^+ terms only if ``up``."""
    n = r_up.shape[1]
    for k in range(1, n if down else 1):  # k - 1 upwind of k (downward rays)
        em = wl * sums[s, _LM, k] * (b * ys[yp, yr, k - 1])
        e = tw * em * pops[j, k - 1]
        r_up[t, k] -= (a * xs[xp, xr, k]) * e
        r_down[t, k] -= (b * ys[yp, yr, k]) * e
        c_m[t, k] -= tw * chit[ca, k] * em
    for k in range(n - 1 if up else 0):  # k + 1 upwind of k (upward rays)
        ep = wl * sums[s, _LP, k] * (b * ys[yp, yr, k + 1])
        e = tw * ep * pops[j, k + 1]
        r_up[t, k] -= (a * xs[xp, xr, k]) * e
        r_down[t, k] -= (b * ys[yp, yr, k]) * e
        c_p[t, k] -= tw * chit[ca, k] * ep


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _line_opacity(la, p, pops, act_ptr, act_idx, t_isline, t_lower, t_upper, t_lo, line_off,
                  t_sig0, t_gratio, phi, chi_c, chi, eline, chit):
    """chi = chi_c + the active lines' opacity at wavelength ``la`` with the profiles of
    direction ``p``; eline = sum_lines g s0 n_j phi (their emissivity per unit
    2 h nu^3/c^2); the lines' chi_t in ``chit`` (one row per active transition)."""
    n = chi.size
    for k in range(n):
        chi[k] = chi_c[k]
        eline[k] = 0.0
    a0 = act_ptr[la]
    for a in range(act_ptr[la + 1] - a0):
        t = act_idx[a0 + a]
        if not t_isline[t]:
            continue
        s0 = t_sig0[t]
        gr = t_gratio[t]
        row = line_off[t] + la - t_lo[t]
        i = t_lower[t]
        j = t_upper[t]
        for k in range(n):
            f = s0 * phi[p, row, k]
            ct = (pops[i, k] - gr * pops[j, k]) * f
            chit[a, k] = ct
            chi[k] += ct
            eline[k] += gr * pops[j, k] * f


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _line_rates(la, p, lw, pops, act_ptr, act_idx, t_isline, t_upper, t_lo, t_weight, line_off,
                t_sig0, t_gratio, phi, chit, r_up, r_down, r_up_nl, r_down_nl, c_minus, c_plus,
                sums, s, wj, wl, we, down, up):
    """The active lines' rates from the angle sums ``sums[s]`` of rays with the profiles of
    direction ``p`` at wavelength ``la`` (multipliers wj, wl, we as in :func:`_add_rates`;
    quadrature weights of wavelength ``lw``)."""
    tri = c_minus.shape[0] > 0
    a0 = act_ptr[la]
    for a in range(act_ptr[la + 1] - a0):
        t = act_idx[a0 + a]
        if not t_isline[t]:
            continue
        row = line_off[t] + la - t_lo[t]
        s0 = t_sig0[t]
        b = t_gratio[t] * s0
        j = t_upper[t]
        tw = t_weight[t, lw]
        _add_rates(r_up, r_down, t, tw, s0, phi, p, row, b, phi, p, row, chit, a, pops, j, sums,
                   s, wj, wl, we)
        if tri:
            _add_nonlocal(r_up_nl, r_down_nl, c_minus, c_plus, t, tw, s0, phi, p, row, b, phi, p,
                          row, chit, a, pops, j, sums, s, wl, down, up)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _zero_sums(sums, s):
    for q in range(sums.shape[1]):
        for k in range(sums.shape[2]):
            sums[s, q, k] = 0.0


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _add_ray(sums, s, inten, psi, wu, ex, rchi, upward, w, wl, tri):
    """Add one ray to the angle sums ``sums[s]`` with weights w (intensity) and wl (psi):
    _J += w I, _L += wl psi/chi, and for the tridiagonal operator the upwind neighbour's
    psi_ku = w_u + e^{-x} psi_uu per unit emissivity there: _LP (upward ray, u = k + 1) or
    _LM (downward ray, u = k - 1)."""
    n = inten.size
    for k in range(n):
        sums[s, _J, k] += w * inten[k]
        sums[s, _L, k] += wl * psi[k] * rchi[k]
    if tri:
        if upward:
            for k in range(n - 1):
                sums[s, _LP, k] += wl * (wu[k] + ex[k] * psi[k + 1]) * rchi[k + 1]
        else:
            for k in range(n - 1):
                sums[s, _LM, k + 1] += wl * (wu[k] + ex[k] * psi[k]) * rchi[k]


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _add_pair(acc, s_up, s_dn, ray, i_up, psi_up, i_dn, psi_dn, wu, ex, rchi, wr, c_up, e_up,
              c_dn, e_dn, tri):
    """A mirrored pair of rays (weight wr each) in one pass: the up ray into the angle
    sums of its wavelength (acc[s_up]), the down ray into those of its own (acc[s_dn]),
    both into the pair's rate sums ray[0] with the factors c = 4 pi/(h nu) (intensity) and
    e = c 2 h nu^3/c^2 (psi) of each ray's wavelength (what :func:`_add_ray` does four
    times)."""
    # one store stream per loop, so that each vectorises (numba cannot tell the arrays
    # apart, and the loop vectoriser gives up on many possibly aliasing streams)
    n = i_up.size
    cu = c_up * wr
    cd = c_dn * wr
    eu = e_up * wr
    ed = e_dn * wr
    for k in range(n):
        acc[s_up, _J, k] += wr * i_up[k]
    for k in range(n):
        acc[s_dn, _J, k] += wr * i_dn[k]
    for k in range(n):
        acc[s_up, _L, k] += wr * psi_up[k] * rchi[k]
    for k in range(n):
        acc[s_dn, _L, k] += wr * psi_dn[k] * rchi[k]
    for k in range(n):
        ray[0, _J, k] = cu * i_up[k] + cd * i_dn[k]
    for k in range(n):
        ray[0, _L, k] = (eu * psi_up[k] + ed * psi_dn[k]) * rchi[k]
    if tri:
        ray[0, _LP, n - 1] = 0.0
        ray[0, _LM, 0] = 0.0
        for k in range(n - 1):
            ray[0, _LP, k] = (wu[k] + ex[k] * psi_up[k + 1]) * rchi[k + 1]
        for k in range(n - 1):
            acc[s_up, _LP, k] += wr * ray[0, _LP, k]
        for k in range(n - 1):
            ray[0, _LP, k] *= eu
        for k in range(n - 1):
            ray[0, _LM, k + 1] = (wu[k] + ex[k] * psi_dn[k]) * rchi[k]
        for k in range(n - 1):
            acc[s_dn, _LM, k + 1] += wr * ray[0, _LM, k + 1]
        for k in range(n - 1):
            ray[0, _LM, k + 1] *= ed


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _weights_for(dtau, mu, order, linear, has_linear, ex, wu, wk, wc):
    """formal.interval_weights, with the intervals flagged ``linear`` at first order."""
    interval_weights(dtau, mu, order, ex, wu, wk, wc)
    if has_linear:
        for i in range(dtau.size):
            if linear[i]:
                wu[i], wk[i], wc[i], ex[i] = _weights(dtau[i] * (1.0 / mu), 1)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _source(src, eta_bg, s, h3, econt, eline, rchi):
    """S = (kappa B + sigma J + 2 h nu^3/c^2 (econt + eline))/chi for the wavelength in
    slot s (``h3`` its 2 h nu^3/c^2)."""
    for k in range(src.size):
        src[k] = (eta_bg[s, k] + h3 * (econt[k] + eline[k])) * rchi[k]


@njit(cache=True, error_model="numpy", fastmath=FASTMATH)
def _accumulate(pops, jold, nu, z, t_lower, t_upper, t_isline, t_lo, t_weight, t_sig0,
                t_gratio, t_alpha, line_off, phi, act_ptr, act_idx, mirror, nstar_nc, kappa,
                sigma, planck, stim, mu, wmu, order, linear, c_minus, c_plus, gamma_nl):
    """The preconditioned rate matrix gamma[k, to, from] (radiative part only) of one
    formal solution; updates the background-scattering J ``jold`` in place (module
    docstring)."""
    has_linear = np.any(linear)
    tri = c_minus.shape[0] > 0
    n_lam = nu.size
    n = z.size
    n_t = t_lower.size
    r_up = np.zeros((n_t, n))
    r_down = np.zeros((n_t, n))
    r_up_nl = np.zeros((c_minus.shape[0], n))
    r_down_nl = np.zeros((c_minus.shape[0], n))
    if tri:
        c_minus[:] = 0.0
        c_plus[:] = 0.0
        gamma_nl[:] = 0.0
    max_act = 0
    line_active = np.zeros(n_lam, dtype=np.bool_)
    for la in range(n_lam):
        max_act = max(max_act, act_ptr[la + 1] - act_ptr[la])
        for a in range(act_ptr[la], act_ptr[la + 1]):
            line_active[la] |= t_isline[act_idx[a]]
    ones = np.ones((1, 1, n))
    ycont = np.empty((1, max_act, n))  # continua: V_ji / alpha = n_e Phi_i e^{-h nu/kT}
    chit = np.empty((max_act, n))
    chi_c = np.empty(n)
    econt = np.empty(n)
    eta_bg = np.empty((2, n))  # kappa B + sigma J of the (up to two) wavelengths in hand
    chi = np.empty(n)
    rchi = np.empty(n)
    eline = np.empty(n)
    src = np.empty((2, n))
    i_up = np.empty(n)
    i_dn = np.empty(n)
    psi_up = np.empty(n)
    psi_dn = np.empty(n)
    ray = np.zeros((1, 4, n))  # rate sums of the rays sharing one opacity
    acc = np.zeros((2, 4, n))  # angle sums of all rays of each wavelength in hand
    acc_w = np.zeros(2)
    m1 = max(n - 1, 1)
    dtau = np.empty(m1)
    work = np.empty(m1)
    c_up = np.empty(m1)
    c_down = np.empty(m1)
    ex = np.empty(m1)
    wu = np.empty(m1)
    wk = np.empty(m1)
    wc = np.empty(m1)
    _all_wavelengths(pops, jold, nu, z, t_lower, t_upper, t_isline, t_lo, t_weight, t_sig0,
                     t_gratio, t_alpha, line_off, phi, act_ptr, act_idx, mirror, nstar_nc, kappa,
                     sigma, planck, stim, mu, wmu, order, linear, c_minus, c_plus, has_linear,
                     line_active, r_up, r_down, r_up_nl, r_down_nl, ones, ycont, chit, chi_c,
                     econt, eta_bg, chi, rchi, eline, src, i_up, i_dn, psi_up, psi_dn, ray, acc,
                     acc_w, dtau, work, c_up, c_down, ex, wu, wk, wc)
    gamma = np.zeros((n, pops.shape[0], pops.shape[0]))
    for t in range(n_t):
        i = t_lower[t]
        j = t_upper[t]
        for k in range(n):
            gamma[k, j, i] += r_up[t, k]
            gamma[k, i, i] -= r_up[t, k]
            gamma[k, i, j] += r_down[t, k]
            gamma[k, j, j] -= r_down[t, k]
            if tri:
                gamma_nl[k, j, i] += r_up_nl[t, k]
                gamma_nl[k, i, i] -= r_up_nl[t, k]
                gamma_nl[k, i, j] += r_down_nl[t, k]
                gamma_nl[k, j, j] -= r_down_nl[t, k]
    return gamma


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _h3(nu):
    """2 h nu^3/c^2 (cgs)."""
    return 2.0 * _H * nu * nu * nu / (_C * _C)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _clamp_opacity(chi, rchi, kappa, sigma, la):
    """Population inversions (hot, optically thin plasma) must not make the total opacity
    vanish or go negative: keep it >= half the background; rchi = 1/chi."""
    for k in range(chi.size):
        chi[k] = max(chi[k], 0.5 * (kappa[la, k] + sigma[la, k]))
        rchi[k] = 1.0 / chi[k]


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _add_to_slot(acc, s, ray, wtot, acc_w):
    """Add the angle sums of a group of rays to those of their wavelength (slot s)."""
    acc_w[s] += wtot
    for q in range(acc.shape[1]):
        for k in range(acc.shape[2]):
            acc[s, q, k] += ray[0, q, k]


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False, inline="always")
def _finish_wavelength(la, s, nu, act_ptr, act_idx, t_isline, t_upper, t_weight, t_alpha, ycont,
                       chit, pops, sigma, jold, acc, acc_w, r_up, r_down, r_up_nl, r_down_nl,
                       c_minus, c_plus, ones):
    """A wavelength whose rays are all done: the continuum rates from the angle sums of
    all its rays (continuum opacities do not depend on the ray), then the Jacobi update of
    its background-scattering J."""
    tri = c_minus.shape[0] > 0
    wj = _FOUR_PI / (_H * nu[la])
    wl = wj * _h3(nu[la])
    a0 = act_ptr[la]
    for a in range(act_ptr[la + 1] - a0):
        t = act_idx[a0 + a]
        if t_isline[t]:
            continue
        tw = t_weight[t, la]
        alpha = t_alpha[t, la]
        j = t_upper[t]
        _add_rates(r_up, r_down, t, tw, alpha, ones, 0, 0, alpha, ycont, 0, a, chit, a, pops, j,
                   acc, s, wj, wl, wl * acc_w[s])
        if tri:
            _add_nonlocal(r_up_nl, r_down_nl, c_minus, c_plus, t, tw, alpha, ones, 0, 0, alpha,
                          ycont, 0, a, chit, a, pops, j, acc, s, wl, True, True)
    for k in range(jold.shape[1]):
        l_sc = acc[s, _L, k] * sigma[la, k]
        jold[la, k] = max((acc[s, _J, k] - l_sc * jold[la, k]) / (1.0 - l_sc), 0.0)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def _all_wavelengths(pops, jold, nu, z, t_lower, t_upper, t_isline, t_lo, t_weight, t_sig0,
                     t_gratio, t_alpha, line_off, phi, act_ptr, act_idx, mirror, nstar_nc, kappa,
                     sigma, planck, stim, mu, wmu, order, linear, c_minus, c_plus, has_linear,
                     line_active, r_up, r_down, r_up_nl, r_down_nl, ones, ycont, chit, chi_c,
                     econt, eta_bg, chi, rchi, eline, src, i_up, i_dn, psi_up, psi_dn, ray, acc,
                     acc_w, dtau, work, c_up, c_down, ex, wu, wk, wc):
    """The loop over wavelengths of :func:`_accumulate` (its arrays allocated there),
    without NRT so that the helpers inline into it free of reference counting."""
    tri = c_minus.shape[0] > 0
    n_lam = nu.size
    n = z.size
    n_mu = mu.size
    n_pdir = phi.shape[0]
    for la in range(n_lam):
        partner = mirror[la]
        paired = n_pdir > 1 and line_active[la] and partner >= 0
        if paired and partner < la:
            continue  # done with its partner
        la2 = partner if paired else la
        n_slot = 2 if la2 != la else 1
        # background and continua: the same opacity for every ray (and both wavelengths
        # of a mirrored pair); their emission per unit 2 h nu^3/c^2 in econt
        a0 = act_ptr[la]
        n_act = act_ptr[la + 1] - a0
        for k in range(n):
            chi_c[k] = kappa[la, k] + sigma[la, k]
            econt[k] = 0.0
        for a in range(n_act):
            t = act_idx[a0 + a]
            if t_isline[t]:
                continue
            i = t_lower[t]
            j = t_upper[t]
            alpha = t_alpha[t, la]
            for k in range(n):
                y = nstar_nc[i, k] * stim[la, k]
                ycont[0, a, k] = y
                ct = alpha * (pops[i, k] - pops[j, k] * y)
                chit[a, k] = ct
                chi_c[k] += ct
                econt[k] += pops[j, k] * alpha * y
        for s in range(n_slot):
            ls = la if s == 0 else la2
            acc_w[s] = 0.0
            _zero_sums(acc, s)
            for k in range(n):
                eta_bg[s, k] = kappa[ls, k] * planck[ls, k] + sigma[ls, k] * jold[ls, k]
        if paired:
            # the up ray of mu at one wavelength of the pair and the down ray of mu at the
            # other share the opacity computed with the up profiles at the first, and
            # therefore the line rates (summed with each ray's own 4 pi/h nu and
            # 2 h nu^3/c^2)
            for h in range(n_slot):
                s_up = h
                s_dn = n_slot - 1 - h
                l_up = la if s_up == 0 else la2
                l_dn = la if s_dn == 0 else la2
                h3_up = _h3(nu[l_up])
                h3_dn = _h3(nu[l_dn])
                c_u = _FOUR_PI / (_H * nu[l_up])
                c_d = _FOUR_PI / (_H * nu[l_dn])
                for m in range(n_mu):
                    _line_opacity(l_up, m, pops, act_ptr, act_idx, t_isline, t_lower, t_upper,
                                  t_lo, line_off, t_sig0, t_gratio, phi, chi_c, chi, eline,
                                  chit)
                    _clamp_opacity(chi, rchi, kappa, sigma, la)
                    _source(src[0], eta_bg, s_up, h3_up, econt, eline, rchi)
                    _source(src[1], eta_bg, s_dn, h3_dn, econt, eline, rchi)
                    interval_dtau(chi, z, dtau, work)
                    control_points(src[0], dtau, c_up, c_down, True, False)
                    control_points(src[1], dtau, c_up, c_down, False, True)
                    _weights_for(dtau, mu[m], order, linear, has_linear, ex, wu, wk, wc)
                    sc_sweep_pair(src[0], c_up, src[1], c_down, dtau, mu[m], ex, wu, wk, wc,
                                  i_up, psi_up, i_dn, psi_dn)
                    wr = 0.5 * wmu[m]
                    acc_w[s_up] += wr
                    acc_w[s_dn] += wr
                    _add_pair(acc, s_up, s_dn, ray, i_up, psi_up, i_dn, psi_dn, wu, ex, rchi,
                              wr, c_u, c_u * h3_up, c_d, c_d * h3_dn, tri)
                    _line_rates(l_up, m, l_up, pops, act_ptr, act_idx, t_isline, t_upper, t_lo,
                                t_weight, line_off, t_sig0, t_gratio, phi, chit, r_up, r_down,
                                r_up_nl, r_down_nl, c_minus, c_plus, ray, 0, 1.0, 1.0,
                                (c_u * h3_up + c_d * h3_dn) * wr, True, True)
        else:
            # one opacity for all rays, unless Doppler-shifted line profiles differ per ray
            shared = n_pdir == 1 or not line_active[la]
            h3 = _h3(nu[la])
            c_la = _FOUR_PI / (_H * nu[la])
            for p in range(1 if shared else n_pdir):
                _line_opacity(la, p, pops, act_ptr, act_idx, t_isline, t_lower, t_upper, t_lo,
                              line_off, t_sig0, t_gratio, phi, chi_c, chi, eline, chit)
                _clamp_opacity(chi, rchi, kappa, sigma, la)
                _source(src[0], eta_bg, 0, h3, econt, eline, rchi)
                # rays sharing these opacities: all of them (static) or ray p only (flows)
                up = shared or p < n_mu
                down = shared or p >= n_mu
                mu0 = 0 if shared else p % n_mu
                mu1 = n_mu if shared else mu0 + 1
                interval_dtau(chi, z, dtau, work)
                control_points(src[0], dtau, c_up, c_down, up, down)
                _zero_sums(ray, 0)
                wtot = 0.0
                for m in range(mu0, mu1):
                    _weights_for(dtau, mu[m], order, linear, has_linear, ex, wu, wk, wc)
                    wr = 0.5 * wmu[m]
                    if up and down:
                        sc_sweep_pair(src[0], c_up, src[0], c_down, dtau, mu[m], ex, wu, wk,
                                      wc, i_up, psi_up, i_dn, psi_dn)
                    elif up:
                        sc_sweep(src[0], c_up, dtau, mu[m], ex, wu, wk, wc, True, 0.0, True,
                                 i_up, psi_up)
                    else:
                        sc_sweep(src[0], c_down, dtau, mu[m], ex, wu, wk, wc, False, 0.0,
                                 False, i_dn, psi_dn)
                    if up:
                        wtot += wr
                        _add_ray(ray, 0, i_up, psi_up, wu, ex, rchi, True, wr, wr, tri)
                    if down:
                        wtot += wr
                        _add_ray(ray, 0, i_dn, psi_dn, wu, ex, rchi, False, wr, wr, tri)
                _line_rates(la, p, la, pops, act_ptr, act_idx, t_isline, t_upper, t_lo,
                            t_weight, line_off, t_sig0, t_gratio, phi, chit, r_up, r_down,
                            r_up_nl, r_down_nl, c_minus, c_plus, ray, 0, c_la, c_la * h3,
                            c_la * h3 * wtot, down, up)
                _add_to_slot(acc, 0, ray, wtot, acc_w)
        for s in range(n_slot):
            _finish_wavelength(la if s == 0 else la2, s, nu, act_ptr, act_idx, t_isline,
                               t_upper, t_weight, t_alpha, ycont, chit, pops, sigma, jold, acc,
                               acc_w, r_up, r_down, r_up_nl, r_down_nl, c_minus, c_plus, ones)

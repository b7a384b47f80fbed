r"""Thick-target electron-beam heating: Emslie (1978) with Hawley & Fisher (1994) logarithms.

Physics
-------
A power-law beam of electrons is injected at the loop apex with pitch-angle cosine mu0 and
number-flux spectrum F(E0) = A E0^-delta (electrons cm^-2 s^-1 erg^-1) for E0 >= E_c,
normalised to the energy flux ``flux`` above E_c,

    A = (delta - 2) flux E_c^(delta - 2).

Each electron follows Emslie's (1978, ApJ 224, 241) mean-energy / mean-pitch-angle Coulomb
loss equations in a hydrogen target of ionisation fraction x, with N the hydrogen column
(cm^-2, neutral + ionised) along the field:

    dE/dN  = - K gamma / (mu E),              gamma = x Lambda + (1 - x) Lambda'
    dmu/dN = - K (gamma beta / 2) / E^2,      gamma beta = 2 x Lambda + (1 - x) Lambda''

so that beta = [2 x Lambda + (1 - x) Lambda''] / [Lambda' + x (Lambda - Lambda')],
K = 2 pi e^4.  For full ionisation beta = 2 (electron-electron plus electron-proton
deflection: dmu/dN = -K Lambda / E^2), which gives the familiar B(delta/2, 1/3) of FCM85.
Note the factor 2 in front of x Lambda: without it a fully ionised target would give
B(delta/2, 2/5) instead of FCM85's 1/3.  With constant logarithms mu = mu0 (E/E0)^(beta/2)
and (Emslie 1978)

    E^(2 + beta/2) = E0^(2 + beta/2) - (2 + beta/2) K gamma N E0^(beta/2) / mu0,

so an electron injected at E0 stops at N = mu0 E0^2 / ((2 + beta/2) gamma K).

Coulomb logarithms (Hawley & Fisher 1994, ApJ 426, 387, Sect. 2; the numerical forms used
by HYDRAD, Reep et al. 2015, and RADYN; E in erg, n_e in cm^-3):

    Lambda   = 66.0 + 1.5 ln E - 0.5 ln n_e      electron-electron (ionised part)
    Lambda'  = 25.1 + ln E = ln[2 E / (1.105 chi_H)]  energy loss on neutral H
    Lambda'' = 12.3 + 0.5 ln E = ln[v / (alpha c)]    deflection by neutral H

evaluated at one representative energy, the mean energy of the injected electrons,
E_rep = (delta - 1)/(delta - 2) E_c (as HYDRAD does).  Lambda depends on the local n_e,
so it varies from cell to cell.  (These forms cannot go below zero in any flare-relevant
regime; they are floored at 1 (Lambda, Lambda') and 0 (Lambda'') for safety.)

Remaining energy flux and heating (uniform target, constant logarithms)
-----------------------------------------------------------------------
Integrating E(E0, N) over the spectrum gives the energy flux still in the beam,

    R(N)/flux = a y^-a B_min(y,1)(a, 1 + b),    a = delta/2 - 1,  b = 2/(4 + beta),
    y = N/N_c,  N_c = mu0 E_c^2 / ((2 + beta/2) gamma K),

with B_x the (non-regularised) incomplete beta function; R(0) = flux, R ~ N^(1-delta/2) for
y > 1.  Its derivative is Emslie's heating rate per hydrogen atom (Emslie 1978; HF94 eq. 2.10;
FCM85 for x = 1):

    q/n_H = -dR/dN = (K gamma / 2) (delta - 2) flux / (mu0 E_c^2)
                     * (N/N_c)^(-delta/2) * B_min(N/N_c, 1)(delta/2, 2/(4 + beta))

(erg s^-1 per H atom), which is ``heating_per_atom_uniform``.

Varying ionisation along the column (HF94)
------------------------------------------
As in HF94, the column enters only through the Coulomb-log-weighted ("equivalent") column.
Here the weight is gamma itself,

    Ncal(N) = integral_0^N gamma dN'     (= Lambda N* of HF94, with N* = int gamma/Lambda dN),

and y = Ncal / Ncal_c with Ncal_c = mu0 E_c^2 / ((2 + beta/2) K).  With beta constant this is
the exact solution of the loss equations above for any gamma(N), because only gamma dN
appears in them.  beta itself varies with x (2 in ionised gas, about 0.5 in neutral gas at
30 keV); using the local beta in R would make R jump up at the transition region (negative
heating).  We therefore use its column-integrated value

    beta_bar(N) = int_0^N [2 x Lambda + (1 - x) Lambda''] dN' / int_0^N gamma dN',

the ratio of the column-integrated deflection and energy-loss logarithms.  It is continuous
in N and equal to Emslie's beta in a uniform target.  Passing ``beta_override >= 0`` uses
that constant beta instead (HF94 and HYDRAD take beta = 2 everywhere).

Discretisation (conservative)
-----------------------------
Both integrals are accumulated exactly cell by cell (piecewise-constant x, n_e), so Ncal
and beta_bar are known at every cell edge.  The flux in the beam at edge k is
R_k = flux * (R/flux)(Ncal_k, beta_bar_k).  The power deposited in cell i, per unit loop
cross-section, is R_i - R_{i+1}, so the sum over cells plus the flux escaping below the last
edge equals the injected flux to round-off.  As a safeguard R_k is forced to be
non-increasing (R_{k+1} <- min(R_{k+1}, R_k)), which keeps every deposit >= 0 and only
matters for delta close to 2 at a sharp ionisation jump.  If column_h_edges[0] > 0 the
material above the first edge is taken to have the properties of cell 0, and the power
deposited there is not assigned to any cell.

Non-thermal ionisation
----------------------
Beam electrons (and their secondaries) spend epsilon ~ 36 eV of deposited energy per
hydrogen ion pair (Ricchiazzi & Canfield 1983, ApJ 272, 739; Fang, Henoux & Gan 1993,
A&A 274, 917: C = 1.73e10 q/n_H s^-1, i.e. 1/1.73e10 erg = 36.1 eV), so the rate per
hydrogen atom is q_beam / (n_H epsilon).

Units: cgs throughout; energies in erg inside the kernels, E_c passed in keV.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..constants import E_CHARGE, EV, KEV

#: K = 2 pi e^4 (erg^2 cm^2), the Coulomb collision constant of Emslie (1978)
K_COLL = 2.0 * math.pi * E_CHARGE**4

#: Hawley & Fisher (1994) Coulomb-logarithm offsets for E in erg and n_e in cm^-3
LAMBDA_EE_OFFSET = 66.0
LAMBDA_H_ENERGY_OFFSET = 25.1
LAMBDA_H_PITCH_OFFSET = 12.3

#: mean energy spent per hydrogen ion pair by beam electrons (eV); Ricchiazzi & Canfield 1983,
#: Fang, Henoux & Gan 1993 (their 1.73e10 erg^-1 coefficient is 1/36.1 eV)
ENERGY_PER_ION_PAIR_EV = 36.0
ENERGY_PER_ION_PAIR = ENERGY_PER_ION_PAIR_EV * EV

#: reference energy (keV) of the conventional F20 flux
F20_ENERGY_KEV = 20.0

#: time-profile kinds, as integers for the kernels
PROFILE_CONSTANT, PROFILE_TRIANGLE, PROFILE_TABLE = 0, 1, 2
PROFILE_CODES = {
    "constant": PROFILE_CONSTANT,
    "triangle": PROFILE_TRIANGLE,
    "table": PROFILE_TABLE,
}

_CF_EPS = 1.0e-15
_CF_TINY = 1.0e-300
_CF_MAX_ITER = 500


# --------------------------------------------------------------------------------------
# Validation and flux conversions
# --------------------------------------------------------------------------------------


def validate_beam(flux: float, delta: float, e_cut_kev: float, mu0: float = 1.0) -> None:
    """Check beam parameters; raise ValueError naming the parameter, value and allowed range.

    flux: injected energy flux above E_c (erg cm^-2 s^-1), finite and >= 0.
    delta: power-law index of the injected number-flux spectrum, finite and > 2 (the energy
    flux diverges at high energy otherwise).  e_cut_kev: low-energy cut-off (keV), finite
    and > 0.  mu0: injection pitch-angle cosine, in (0, 1].
    """
    checks = (
        ("flux", flux, "erg cm^-2 s^-1", lambda v: v >= 0.0, ">= 0"),
        ("delta", delta, "", lambda v: v > 2.0, "> 2"),
        ("e_cut_kev", e_cut_kev, "keV", lambda v: v > 0.0, "> 0"),
        ("mu0", mu0, "", lambda v: 0.0 < v <= 1.0, "in (0, 1]"),
    )
    for name, value, unit, ok, allowed in checks:
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise ValueError(
                f"beam parameter {name} = {value!r} is not a number; allowed: finite {allowed}"
            ) from None
        if not math.isfinite(number) or not ok(number):
            unit_text = f" {unit}" if unit else ""
            raise ValueError(
                f"beam parameter {name} = {value!r}{unit_text} is out of range; "
                f"allowed: finite {allowed}"
            )


@njit(cache=True)
def flux_from_f20(f20: float, delta: float, e_cut_kev: float) -> float:
    """Energy flux above E_c (erg cm^-2 s^-1) from F20, the energy flux above 20 keV.

    For F(E0) ~ E0^-delta the energy flux above E is ~ E^(2 - delta), so
    F_above_Ec = F20 (E_c / 20 keV)^(2 - delta).  For E_c > 20 keV, F20 is the usual
    power-law extrapolation (FCM85 define F20 with E_c = 20 keV, where both agree).
    """
    return f20 * (e_cut_kev / F20_ENERGY_KEV) ** (2.0 - delta)


@njit(cache=True)
def f20_from_flux(flux: float, delta: float, e_cut_kev: float) -> float:
    """F20 (erg cm^-2 s^-1) from the energy flux above E_c; inverse of ``flux_from_f20``."""
    return flux * (e_cut_kev / F20_ENERGY_KEV) ** (delta - 2.0)


# --------------------------------------------------------------------------------------
# Coulomb logarithms
# --------------------------------------------------------------------------------------


@njit(cache=True)
def representative_energy(delta: float, e_cut_erg: float) -> float:
    """Mean energy (erg) of the injected electrons, (delta - 1)/(delta - 2) E_c.

    The energy at which the Coulomb logarithms are evaluated (as in HYDRAD's HF94 beam).
    """
    return (delta - 1.0) / (delta - 2.0) * e_cut_erg


@njit(cache=True)
def coulomb_logarithms(energy_erg: float, n_e: float) -> tuple[float, float, float]:
    """Hawley & Fisher (1994) Coulomb logarithms (Lambda, Lambda', Lambda'').

    Lambda = 66.0 + 1.5 ln E - 0.5 ln n_e (beam electrons on free electrons),
    Lambda' = 25.1 + ln E (energy loss on neutral H), Lambda'' = 12.3 + 0.5 ln E
    (deflection by neutral H); E in erg, n_e in cm^-3 (floored at 1 cm^-3).  Lambda and
    Lambda' are floored at 1, Lambda'' at 0.
    """
    log_e = math.log(energy_erg)
    lam = LAMBDA_EE_OFFSET + 1.5 * log_e - 0.5 * math.log(max(n_e, 1.0))
    lam_h = LAMBDA_H_ENERGY_OFFSET + log_e
    lam_hh = LAMBDA_H_PITCH_OFFSET + 0.5 * log_e
    return max(lam, 1.0), max(lam_h, 1.0), max(lam_hh, 0.0)


# --------------------------------------------------------------------------------------
# Beta functions
# --------------------------------------------------------------------------------------


@njit(cache=True)
def complete_beta(a: float, b: float) -> float:
    """Euler beta function B(a, b) = Gamma(a) Gamma(b) / Gamma(a + b), a, b > 0."""
    return math.exp(math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))


@njit(cache=True)
def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction f with B_x(a, b) = x^a (1 - x)^b f / a.

    f = 1/(1 + d1/(1 + d2/(1 + ...))), d_{2m+1} = -(a+m)(a+b+m) x / ((a+2m)(a+2m+1)),
    d_{2m} = m (b-m) x / ((a+2m-1)(a+2m)); evaluated with the modified Lentz method.
    Converges quickly for x < (a + 1)/(a + b + 2).
    """
    g = 1.0
    c = 1.0
    d = 0.0
    for j in range(1, 2 * _CF_MAX_ITER + 1):
        m = j // 2
        if j % 2 == 1:
            dj = -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
        else:
            dj = m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
        d = 1.0 + dj * d
        if abs(d) < _CF_TINY:
            d = _CF_TINY
        c = 1.0 + dj / c
        if abs(c) < _CF_TINY:
            c = _CF_TINY
        d = 1.0 / d
        step = c * d
        g *= step
        if abs(step - 1.0) < _CF_EPS:
            break
    return 1.0 / g


@njit(cache=True)
def scaled_incomplete_beta(a: float, b: float, y: float) -> float:
    """y^-a B_y(a, b) for 0 <= y <= 1 (non-regularised incomplete beta, scaled).

    Finite as y -> 0 (limit 1/a), so no x^a under/overflow at tiny columns.
    """
    if y <= 0.0:
        return 1.0 / a
    if y >= 1.0:
        return complete_beta(a, b)
    if y < (a + 1.0) / (a + b + 2.0):
        return (1.0 - y) ** b * _beta_continued_fraction(a, b, y) / a
    # B_y(a, b) = B(a, b) - B_{1-y}(b, a)
    tail = (1.0 - y) ** b * _beta_continued_fraction(b, a, 1.0 - y) / b
    return complete_beta(a, b) * y ** (-a) - tail


@njit(cache=True)
def incomplete_beta(a: float, b: float, x: float) -> float:
    """Non-regularised incomplete beta function B_x(a, b) = int_0^x t^(a-1) (1-t)^(b-1) dt."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return complete_beta(a, b)
    return x**a * scaled_incomplete_beta(a, b, x)


# --------------------------------------------------------------------------------------
# Remaining flux and heating
# --------------------------------------------------------------------------------------


@njit(cache=True)
def _stopping_ratio(ncal: float, beta: float, e_cut_erg: float, mu0: float) -> float:
    """y = Ncal / Ncal_c with Ncal_c = mu0 E_c^2 / ((2 + beta/2) K)."""
    return ncal * (2.0 + 0.5 * beta) * K_COLL / (mu0 * e_cut_erg * e_cut_erg)


@njit(cache=True)
def remaining_fraction(ncal: float, beta: float, delta: float, e_cut_erg: float,
                       mu0: float) -> float:
    """R/flux = a y^-a B_min(y,1)(a, 1 + b): fraction of the injected energy flux left.

    ncal: effective column int gamma dN (cm^-2, times the Coulomb log); a = delta/2 - 1,
    b = 2/(4 + beta), y = ncal (2 + beta/2) K / (mu0 E_c^2).  Equals 1 at ncal = 0.
    """
    if ncal <= 0.0:
        return 1.0
    a = 0.5 * delta - 1.0
    c = 1.0 + 2.0 / (4.0 + beta)
    y = _stopping_ratio(ncal, beta, e_cut_erg, mu0)
    if y < 1.0:
        value = a * scaled_incomplete_beta(a, c, y)
    else:
        value = a * y ** (-a) * complete_beta(a, c)
    return min(value, 1.0)


@njit(cache=True)
def _cell_logs(x_ion: float, n_e: float, e_rep: float) -> tuple[float, float]:
    """(gamma, gamma beta) of one cell: x Lambda + (1-x) Lambda', 2 x Lambda + (1-x) Lambda''."""
    lam, lam_h, lam_hh = coulomb_logarithms(e_rep, n_e)
    x = min(max(x_ion, 0.0), 1.0)
    return x * lam + (1.0 - x) * lam_h, 2.0 * x * lam + (1.0 - x) * lam_hh


@njit(cache=True)
def effective_column(column_h_edges: np.ndarray, x_ion: np.ndarray, n_e: np.ndarray,
                     delta: float, e_cut_kev: float) -> tuple[np.ndarray, np.ndarray]:
    """Effective column Ncal and column-averaged beta at the n+1 cell edges.

    Ncal_k = sum over cells above edge k of gamma_i (N_{i+1} - N_i) (cm^-2), and
    beta_bar_k = sum (gamma beta)_i dN_i / Ncal_k, with gamma = x Lambda + (1-x) Lambda' and
    gamma beta = 2 x Lambda + (1-x) Lambda'' (Emslie 1978; HF94).  Material above the first
    edge (column_h_edges[0] > 0) is taken to have the properties of cell 0.
    """
    n = x_ion.size
    e_rep = representative_energy(delta, e_cut_kev * KEV)
    ncal = np.empty(n + 1)
    beta_bar = np.empty(n + 1)
    gam, gam_beta = _cell_logs(x_ion[0], n_e[0], e_rep)
    total = gam * column_h_edges[0]
    total_pitch = gam_beta * column_h_edges[0]
    ncal[0] = total
    beta_bar[0] = gam_beta / gam
    for i in range(n):
        gam, gam_beta = _cell_logs(x_ion[i], n_e[i], e_rep)
        dcol = column_h_edges[i + 1] - column_h_edges[i]
        total += gam * dcol
        total_pitch += gam_beta * dcol
        ncal[i + 1] = total
        beta_bar[i + 1] = total_pitch / total if total > 0.0 else gam_beta / gam
    return ncal, beta_bar


@njit(cache=True)
def remaining_flux_into(out: np.ndarray, column_h_edges: np.ndarray, x_ion: np.ndarray,
                        n_e: np.ndarray, flux: float, delta: float, e_cut_kev: float,
                        mu0: float = 1.0, beta_override: float = -1.0) -> None:
    """Fill out[0..n] with the beam energy flux (erg cm^-2 s^-1) at the cell edges.

    R_k = flux * remaining_fraction(Ncal_k, beta_k), forced non-increasing with k.
    beta_k is the column-averaged Emslie beta, or beta_override if that is >= 0.
    """
    ncal, beta_bar = effective_column(column_h_edges, x_ion, n_e, delta, e_cut_kev)
    e_cut = e_cut_kev * KEV
    previous = flux
    for k in range(ncal.size):
        beta = beta_override if beta_override >= 0.0 else beta_bar[k]
        value = flux * remaining_fraction(ncal[k], beta, delta, e_cut, mu0)
        previous = min(value, previous)
        out[k] = previous


@njit(cache=True)
def remaining_flux(column_h_edges: np.ndarray, x_ion: np.ndarray, n_e: np.ndarray,
                   flux: float, delta: float, e_cut_kev: float, mu0: float = 1.0,
                   beta_override: float = -1.0) -> np.ndarray:
    """Beam energy flux still in the beam at each of the n+1 edges (erg cm^-2 s^-1).

    Element 0 is the flux entering the first cell (== flux when column_h_edges[0] == 0);
    the last element is the flux escaping below the last edge.
    """
    out = np.empty(column_h_edges.size)
    remaining_flux_into(out, column_h_edges, x_ion, n_e, flux, delta, e_cut_kev, mu0,
                        beta_override)
    return out


@njit(cache=True)
def deposited_power_into(out: np.ndarray, column_h_edges: np.ndarray, x_ion: np.ndarray,
                         n_e: np.ndarray, flux: float, delta: float, e_cut_kev: float,
                         mu0: float = 1.0, beta_override: float = -1.0) -> float:
    """Fill out[i] with the beam power deposited in cell i (erg cm^-2 s^-1); return escape.

    out[i] = R_i - R_{i+1} (see ``remaining_flux``); the return value is R_n, the energy
    flux leaving through the last edge, so sum(out) + R_n == R_0 (== flux) to round-off.
    """
    n = x_ion.size
    edges = np.empty(n + 1)
    remaining_flux_into(edges, column_h_edges, x_ion, n_e, flux, delta, e_cut_kev, mu0,
                        beta_override)
    for i in range(n):
        out[i] = edges[i] - edges[i + 1]
    return edges[n]


@njit(cache=True)
def deposited_power(column_h_edges: np.ndarray, x_ion: np.ndarray, n_e: np.ndarray,
                    flux: float, delta: float, e_cut_kev: float, mu0: float = 1.0,
                    beta_override: float = -1.0) -> np.ndarray:
    """Beam power deposited per unit area in each cell (erg cm^-2 s^-1).

    column_h_edges: hydrogen column (cm^-2, from the apex) at the n+1 cell edges,
    increasing; x_ion, n_e: hydrogen ionisation fraction and electron density (cm^-3) of
    the n cells; flux: injected energy flux above E_c (erg cm^-2 s^-1); delta > 2: index of
    the number-flux spectrum; e_cut_kev: E_c (keV); mu0: injection pitch-angle cosine;
    beta_override >= 0 replaces Emslie's ionisation-dependent beta (2 reproduces HF94/HYDRAD).
    """
    out = np.empty(x_ion.size)
    deposited_power_into(out, column_h_edges, x_ion, n_e, flux, delta, e_cut_kev, mu0,
                         beta_override)
    return out


@njit(cache=True)
def heating_rate(column_h_edges: np.ndarray, x_ion: np.ndarray, n_e: np.ndarray,
                 ds: np.ndarray, flux: float, delta: float, e_cut_kev: float,
                 mu0: float = 1.0, beta_override: float = -1.0) -> np.ndarray:
    """Volumetric beam heating q_beam (erg cm^-3 s^-1): ``deposited_power`` / ds.

    ds: cell lengths along the loop (cm).
    """
    out = np.empty(x_ion.size)
    deposited_power_into(out, column_h_edges, x_ion, n_e, flux, delta, e_cut_kev, mu0,
                         beta_override)
    for i in range(out.size):
        out[i] /= ds[i]
    return out


@njit(cache=True)
def heating_per_atom_uniform(column_h: np.ndarray, x_ion: float, n_e: float, flux: float,
                             delta: float, e_cut_kev: float, mu0: float = 1.0,
                             beta_override: float = -1.0) -> np.ndarray:
    """Emslie's (1978) heating per hydrogen atom q/n_H (erg s^-1) in a uniform target.

    q/n_H = (K gamma/2)(delta-2) flux/(mu0 E_c^2) (N/N_c)^(-delta/2) B_min(N/N_c,1)(delta/2, b),
    b = 2/(4+beta), N_c = mu0 E_c^2/((2+beta/2) gamma K) (HF94 eq. 2.10; FCM85 for x = 1).
    Point values at the hydrogen columns column_h (cm^-2) for constant x_ion and n_e.
    """
    e_cut = e_cut_kev * KEV
    gam, gam_beta = _cell_logs(x_ion, n_e, representative_energy(delta, e_cut))
    beta = beta_override if beta_override >= 0.0 else gam_beta / gam
    b = 2.0 / (4.0 + beta)
    half = 0.5 * delta
    scale = 0.5 * K_COLL * gam * (delta - 2.0) * flux / (mu0 * e_cut * e_cut)
    out = np.empty(column_h.size)
    for k in range(column_h.size):
        y = _stopping_ratio(gam * column_h[k], beta, e_cut, mu0)
        if y < 1.0:
            out[k] = scale * scaled_incomplete_beta(half, b, y)
        else:
            out[k] = scale * y ** (-half) * complete_beta(half, b)
    return out


@njit(cache=True)
def nonthermal_ionisation_rate(q_beam: float | np.ndarray,
                               n_h: float | np.ndarray) -> float | np.ndarray:
    """Collisional ionisation rate per hydrogen atom by beam electrons (s^-1).

    q_beam / (n_H epsilon) with epsilon = 36 eV per ion pair (Ricchiazzi & Canfield 1983;
    Fang, Henoux & Gan 1993).  q_beam in erg cm^-3 s^-1, n_h in cm^-3; scalars or arrays.
    """
    return q_beam / (n_h * ENERGY_PER_ION_PAIR)


# --------------------------------------------------------------------------------------
# Time profiles of the injected flux
# --------------------------------------------------------------------------------------


@njit(cache=True)
def beam_flux_at(t: float, kind_code: int, params: np.ndarray, table_t: np.ndarray,
                 table_f: np.ndarray) -> float:
    """Injected flux at time t (s) for a time profile; same units as params/table_f.

    kind_code PROFILE_CONSTANT: params = [t_start, duration, value]; value for
    0 <= t - t_start < duration, else 0.  PROFILE_TRIANGLE: same params; linear rise from
    0 at t_start to value at t_start + duration/2, linear fall to 0 at t_start + duration,
    0 outside.  PROFILE_TABLE: piecewise-linear interpolation in (table_t, table_f), times
    non-decreasing (a repeated time makes a jump; the later value holds from that time on),
    0 outside [table_t[0], table_t[-1]]; params unused.
    """
    if kind_code == PROFILE_CONSTANT:
        elapsed = t - params[0]
        if 0.0 <= elapsed < params[1]:
            return params[2]
        return 0.0
    if kind_code == PROFILE_TRIANGLE:
        if params[1] <= 0.0:
            return 0.0
        phase = (t - params[0]) / params[1]
        if phase <= 0.0 or phase >= 1.0:
            return 0.0
        if phase <= 0.5:
            return 2.0 * phase * params[2]
        return 2.0 * (1.0 - phase) * params[2]
    if kind_code == PROFILE_TABLE:
        n = table_t.size
        if n == 0 or t < table_t[0] or t > table_t[n - 1]:
            return 0.0
        j = np.searchsorted(table_t, t, side="right")
        i = j - 1
        if i >= n - 1:
            return table_f[n - 1]
        weight = (t - table_t[i]) / (table_t[i + 1] - table_t[i])
        return table_f[i] + weight * (table_f[i + 1] - table_f[i])
    raise ValueError("unknown beam time-profile kind code")


def profile_code(kind: str | int) -> int:
    """Integer kernel code of a time-profile kind ('constant', 'triangle' or 'table')."""
    if isinstance(kind, str):
        try:
            return PROFILE_CODES[kind.lower()]
        except KeyError:
            raise ValueError(
                f"beam profile kind = {kind!r} is not known; allowed: {sorted(PROFILE_CODES)}"
            ) from None
    code = int(kind)
    if code not in PROFILE_CODES.values():
        raise ValueError(
            f"beam profile kind code = {kind!r} is not known; allowed: "
            f"{sorted(PROFILE_CODES.values())}"
        )
    return code


def switch_times(kind: str | int, params=(), table_t=()) -> list[float]:
    """Sorted, distinct times (s) where the profile has a kink or a jump.

    constant: [t_start, t_start + duration]; triangle: [t_start, t_start + duration/2,
    t_start + duration]; table: every node of table_t.  The integrator lands on these.
    """
    code = profile_code(kind)
    if code == PROFILE_TABLE:
        times = [float(v) for v in np.asarray(table_t, dtype=float).ravel()]
    else:
        start, duration = float(params[0]), float(params[1])
        times = [start, start + duration]
        if code == PROFILE_TRIANGLE:
            times.append(start + 0.5 * duration)
    return sorted(set(times))


def validate_profile(kind: str | int, params=(), table_t=(), table_f=()) -> None:
    """Check a time profile; raise ValueError naming the parameter, value and allowed range."""
    code = profile_code(kind)
    if code == PROFILE_TABLE:
        times = np.asarray(table_t, dtype=float).ravel()
        values = np.asarray(table_f, dtype=float).ravel()
        if times.size == 0 or times.size != values.size:
            raise ValueError(
                f"beam table has {times.size} times and {values.size} values; "
                "allowed: the same number, at least 1"
            )
        if not (np.all(np.isfinite(times)) and np.all(np.diff(times) >= 0.0)):
            raise ValueError(
                f"beam table times = {times.tolist()} s; allowed: finite, non-decreasing"
            )
        if not (np.all(np.isfinite(values)) and np.all(values >= 0.0)):
            raise ValueError(
                f"beam table values = {values.tolist()} erg cm^-2 s^-1; allowed: finite >= 0"
            )
        return
    if len(params) != 3:
        raise ValueError(
            f"beam profile params = {list(params)!r}; allowed: [t_start, duration, value]"
        )
    start, duration, value = (float(v) for v in params)
    if not math.isfinite(start):
        raise ValueError(f"beam t_start = {start!r} s; allowed: finite")
    if not (math.isfinite(duration) and duration > 0.0):
        raise ValueError(f"beam duration = {duration!r} s; allowed: finite > 0")
    if not (math.isfinite(value) and value >= 0.0):
        raise ValueError(f"beam flux = {value!r} erg cm^-2 s^-1; allowed: finite >= 0")

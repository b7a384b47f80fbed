"""Hydrogen plasma with helium as neutral mass: equation of state and ionisation.

Composition and equation of state
---------------------------------
Helium is present by number, Y = n_He/n_H = HELIUM_ABUNDANCE = 0.1, and is never ionised;
the mass per hydrogen nucleus is MASS_PER_H = m_H (1 + 4Y).  With x = n_p/n_H the hydrogen
ionisation fraction and electrons from hydrogen only (cgs units throughout):

    n_H = rho / MASS_PER_H,   n_e = n_p = x n_H,   n_He = Y n_H                    (cm^-3)
    p   = (n_H (1 + x) + n_He) k T = n_H (1 + x + Y) k T                      (dyn cm^-2)
    e   = [ (3/2) k T n_H (1 + x + Y) + x n_H chi_H ] / rho                     (erg g^-1)

chi_H = 13.598 eV (constants.CHI_H); the zero of energy is neutral hydrogen in its ground
state, so the ionisation energy is part of the internal energy.  Excited bound levels,
H-/H2, pressure ionisation and degeneracy are ignored (valid for n_e well below the
electron quantum concentration, i.e. everywhere in a flare loop).

LTE (Saha) ionisation
---------------------
With statistical weights g_e = 2, g_p = 1 and g_H = 2 (ground state only), the Saha equation
for electrons supplied by hydrogen alone is

    x^2 / (1 - x) = S(T) / n_H,     S(T) = (2 pi m_e k T / h^2)^(3/2) exp(-chi_H / k T).

It is solved as x = 2 sqrt(a) / (sqrt(a) + sqrt(a + 4)),  1 - x = 4 / (sqrt(a) + sqrt(a + 4))^2
with a = S/n_H evaluated from its logarithm: both forms are sums of positive terms, so x and
1 - x keep full relative precision from a -> 0 (x ~ sqrt(a)) to a -> inf (1 - x ~ 1/a).
p, e and S derive from one free energy, so the LTE equation of state is thermodynamically
consistent: (de/drho)_T = (p - T (dp/dT)_rho) / rho^2.

Non-equilibrium ionisation (one Lagrangian cell, no advection term)
-------------------------------------------------------------------
    dx/dt = (1 - x) [n_e C(T) + P_Bc(T, T_rad) + B_nt] - x [n_e alpha_rr(T) + n_e^2 alpha_3b(T)]
          = (1 - x) * ionise - x * recombine

* C(T): collisional ionisation of H(1s) by thermal electrons (cm^3 s^-1), Voronov (1997,
  At. Data Nucl. Data Tables 65, 1):  C = A (1 + P U^(1/2)) U^K exp(-U) / (X + U),
  U = dE / kT, with dE = 13.6 eV, P = 0, A = 2.91e-8 cm^3 s^-1, X = 0.232, K = 0.39
  (fitted range kT = 1 eV - 20 keV; below 1 eV the exponential dominates and the fit
  agrees with Janev et al. 1987 to 3% at 1e4 K).
* alpha_3b(T): three-body recombination (cm^6 s^-1) from detailed balance with C.  In
  equilibrium with collisions alone, (1 - x) n_e C = x n_e^2 alpha_3b, i.e.
  alpha_3b = C (1 - x) / (x n_e) = C n_H0 / (n_p n_e).  Demanding that this equilibrium is
  Saha, n_p n_e / n_H0 = S(T), gives

      alpha_3b(T) = C(T) / S(T) = C(T) (h^2 / 2 pi m_e k T)^(3/2) exp(+chi_H / k T),

  evaluated with the two exponentials combined (no overflow or underflow at any T).
  Because S(T) does not depend on n_e, the *nonlinear* equation with n_e = x n_H then has
  the Saha fraction as its (unique non-trivial) equilibrium.
* alpha_rr(T): case-B radiative recombination (cm^3 s^-1), Hui & Gnedin (1997, MNRAS 292,
  27, Appendix A) fit to Ferland et al. (1992, ApJ 387, 95):
      alpha_B = 2.753e-14 lam^1.5 / (1 + (lam / 2.740)^0.407)^2.242,  lam = 2 (157807 K) / T,
  quoted accurate to 0.7% for 1 K - 1e9 K; e.g. 2.59e-13 at 1e4 K (Osterbrock & Ferland
  2006, Table 2.1), 3.07e-14 at 1e5 K (Hummer 1994, MNRAS 268, 109).  Case B because the
  Lyman continuum is optically thick in the chromosphere (recombinations to n = 1 are
  immediately re-absorbed).
* P_Bc(T, T_rad): photo-ionisation by Balmer-continuum radiation (s^-1 per neutral H atom).
  Two bound levels + continuum (Poland, Skumanich, Athay & Tandberg-Hanssen 1971, Sol. Phys.
  18, 391; the chromospheric mechanism of Carlsson & Stein 2002, ApJ 572, 626): Lyman alpha
  is optically thick and in detailed balance, so n_2/n_1 = 4 exp(-3 chi_H / 4 k T) is the
  Boltzmann ratio at the local T, and the n = 2 atoms are photo-ionised by an optically thin
  Balmer continuum with mean intensity J_nu = W B_nu(T_rad):

      P_Bc = f_2(T) R_2c,      f_2 = b / (1 + b),   b = 4 exp(-3 chi_H / (4 k T))
      R_2c = 4 pi W int_{nu_2}^inf sigma_2(nu) B_nu(T_rad) / (h nu) dnu
           = W (8 pi sigma_2 nu_2^3 / c^2) sum_{k>=1} E_1(k h nu_2 / k T_rad)

  with nu_2 = chi_H / (4 h) (3646 A), sigma_2(nu) = sigma_2 (nu_2/nu)^3 and
  sigma_2 = 1.4e-17 cm^2 (Kramers 2 x 7.91e-18 cm^2 times the bound-free Gaunt factor
  ~0.89 at the Balmer edge; Karzas & Latter 1961, Gray 2005 eq. 8.5).  f_2 is the fraction of
  the neutral atoms in n = 2 for the two-level atom.  Defaults: W = BALMER_DILUTION = 1/2
  (the lower hemisphere is the photosphere) and the suggested T_rad = BALMER_T_RAD = 5940 K
  (photospheric Balmer-continuum radiation temperature of Poland et al. 1971).  T_rad <= 0
  switches the process off.  R_2c depends on T_rad only: the kernels take it as an argument
  (``r_2c`` = diluted_balmer_rate(T_rad), computed once per run).  Stimulated
  recombination (relative size exp(-h nu_2/k T_rad) ~ 1e-3) and the finite collisional
  1 -> 2 leakage time are neglected.  Above ~2e4 K
  (transition region, corona) Lyman alpha is no longer thick and this model overestimates
  n_2; hydrogen is then ionised anyway (1 - x < 1e-3), but 1 - x there is not reliable.
* B_nt: non-thermal collisional ionisation by beam electrons (s^-1 per neutral H atom),
  supplied by the beam module.

Which n_e?  ionisation_rates() takes n_e as an explicit argument: it is the caller's choice
(e.g. x n_H at the start of the step, or the current Newton iterate).  The coefficient-level
kernels (rate_coefficients, ionisation_rhs, equilibrium_fraction, advance_ionisation_implicit)
always use n_e = x n_H, the electrons of hydrogen.

Valid input ranges (checked by the config layer, not here): T = 1e3-1e8 K, rho = 1e-16-1e-4
g cm^-3 (n_H ~ 5e7-5e19 cm^-3), x in [0, 1], T_rad = 0 (off) or 3e3-2e4 K, beam_rate >= 0,
dt >= 0, e > 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..constants import C_LIGHT, CHI_H, EV, H_PLANCK, K_B, M_E, M_H

#: helium abundance by number, n_He / n_H (helium stays neutral)
HELIUM_ABUNDANCE = 0.1
#: mass per hydrogen nucleus (g): m_H (1 + 4 Y)
MASS_PER_H = M_H * (1.0 + 4.0 * HELIUM_ABUNDANCE)
#: Saha constant (2 pi m_e k / h^2)^(3/2) (cm^-3 K^-3/2); S(T) = SAHA_CONSTANT T^1.5 e^(-chi/kT)
SAHA_CONSTANT = (2.0 * math.pi * M_E * K_B / H_PLANCK**2) ** 1.5
#: adiabatic index of the gas at frozen ionisation (monatomic particles)
GAMMA_FROZEN = 5.0 / 3.0

# Voronov (1997) fit for e + H(1s) -> H+ + 2e
VORONOV_DE = 13.6 * EV  # erg
VORONOV_P = 0.0
VORONOV_A = 2.91e-8  # cm^3 s^-1
VORONOV_X = 0.232
VORONOV_K = 0.39

# Hui & Gnedin (1997) case-B fit to Ferland et al. (1992)
HG97_T_THRESHOLD = 157807.0  # K, chi_H / k
HG97_A = 2.753e-14  # cm^3 s^-1

#: Balmer-edge (n = 2) binding energy, erg
CHI_BALMER = 0.25 * CHI_H
#: Lyman-alpha excitation energy E_2 - E_1, erg
E_LYMAN_ALPHA = 0.75 * CHI_H
#: Balmer-edge frequency, Hz
NU_BALMER = CHI_BALMER / H_PLANCK
#: n = 2 photo-ionisation cross-section at the Balmer edge, cm^2
SIGMA_BALMER = 1.4e-17
#: Balmer-continuum dilution factor W (J_nu = W B_nu(T_rad))
BALMER_DILUTION = 0.5
#: suggested Balmer-continuum radiation temperature, K (Poland et al. 1971)
BALMER_T_RAD = 5940.0
#: 8 pi sigma_2 nu_2^3 / c^2 (s^-1): R_2c = W * this * sum_k E1(k u0)
_BALMER_RATE_SCALE = 8.0 * math.pi * SIGMA_BALMER * NU_BALMER**3 / C_LIGHT**2

_EULER_GAMMA = 0.5772156649015329
_LN_SAHA_CONSTANT = math.log(SAHA_CONSTANT)


# ---------------------------------------------------------------------------------------
# equation of state at given ionisation
# ---------------------------------------------------------------------------------------


@njit(cache=True)
def number_densities(rho: float, x: float) -> tuple[float, float, float]:
    """(n_H, n_e, n_He) in cm^-3: n_H = rho/MASS_PER_H, n_e = n_p = x n_H, n_He = Y n_H.

    rho in g cm^-3, x = n_p/n_H.  Neutral hydrogen is (1 - x) n_H.
    """
    n_h = rho / MASS_PER_H
    return n_h, x * n_h, HELIUM_ABUNDANCE * n_h


@njit(cache=True)
def pressure(rho: float, T: float, x: float) -> float:
    """Gas pressure p = n_H (1 + x + Y) k T (dyn cm^-2); rho g cm^-3, T K."""
    return rho / MASS_PER_H * (1.0 + x + HELIUM_ABUNDANCE) * K_B * T


@njit(cache=True)
def internal_energy(rho: float, T: float, x: float) -> float:
    """Specific internal energy e = [1.5 k T n_H (1 + x + Y) + x n_H chi_H] / rho (erg g^-1).

    Independent of rho at fixed x: e = [1.5 k T (1 + x + Y) + x chi_H] / MASS_PER_H.
    """
    return (1.5 * K_B * T * (1.0 + x + HELIUM_ABUNDANCE) + x * CHI_H) / MASS_PER_H


@njit(cache=True)
def temperature_from_energy(rho: float, e: float, x: float) -> float:
    """Temperature (K) at fixed ionisation x, the explicit inverse of internal_energy:

        T = (e MASS_PER_H - x chi_H) / (1.5 k (1 + x + Y)).

    Non-positive when e does not even cover the ionisation energy x chi_H per H (the caller
    must then reduce x or reject the state).
    """
    return (e * MASS_PER_H - x * CHI_H) / (1.5 * K_B * (1.0 + x + HELIUM_ABUNDANCE))


@njit(cache=True)
def sound_speed(rho: float, T: float, x: float) -> float:
    """Adiabatic sound speed at *frozen* ionisation, c = sqrt(5/3 p / rho) (cm s^-1).

    Appropriate when ionisation does not follow a wave (non-equilibrium runs and the
    Courant-type estimates of the integrator).  For LTE ionisation see lte_sound_speed.
    """
    return math.sqrt(GAMMA_FROZEN * (1.0 + x + HELIUM_ABUNDANCE) * K_B * T / MASS_PER_H)


# ---------------------------------------------------------------------------------------
# LTE (Saha) ionisation
# ---------------------------------------------------------------------------------------


@njit(cache=True)
def saha_log_ratio(T: float, n_h: float) -> float:
    """ln a, a = S(T)/n_H = SAHA_CONSTANT T^1.5 exp(-chi_H/kT) / n_H (dimensionless)."""
    return _LN_SAHA_CONSTANT + 1.5 * math.log(T) - CHI_H / (K_B * T) - math.log(n_h)


@njit(cache=True)
def _saha_from_log_ratio(log_a: float) -> tuple[float, float]:
    """(x, 1 - x) solving x^2/(1 - x) = a, both to full relative precision."""
    a = math.exp(min(log_a, 700.0))
    root_a = math.sqrt(a)
    root_a4 = math.sqrt(a + 4.0)
    total = root_a + root_a4
    return 2.0 * root_a / total, 4.0 / (total * total)


@njit(cache=True)
def saha_fraction(T: float, n_h: float) -> float:
    """LTE hydrogen ionisation fraction x from x^2/(1 - x) = S(T)/n_H (see module docstring).

    T in K (1e3-1e8), n_h total hydrogen density in cm^-3.  Computed as
    x = 2 sqrt(a)/(sqrt(a) + sqrt(a + 4)): no cancellation for x -> 0 or x -> 1.
    """
    return _saha_from_log_ratio(saha_log_ratio(T, n_h))[0]


@njit(cache=True)
def saha_neutral_fraction(T: float, n_h: float) -> float:
    """LTE neutral fraction 1 - x = 4/(sqrt(a) + sqrt(a + 4))^2, accurate also when x -> 1."""
    return _saha_from_log_ratio(saha_log_ratio(T, n_h))[1]


@njit(cache=True)
def _saha_response(x: float, y: float) -> float:
    """x (1 - x) / (2 - x) = d x / d ln a of the Saha solution (y = 1 - x)."""
    return x * y / (1.0 + y)


@njit(cache=True)
def lte_internal_energy(rho: float, T: float) -> float:
    """e(rho, T) = internal_energy(rho, T, x_Saha(T, n_H)) in erg g^-1."""
    return internal_energy(rho, T, saha_fraction(T, rho / MASS_PER_H))


@njit(cache=True)
def lte_temperature(rho: float, e: float) -> float:
    """Temperature (K) with e(rho, T, x_Saha(T, n_H)) = e, by safeguarded Newton/bisection.

    e(T) at fixed rho is strictly increasing.  The root is bracketed by
        T_hi = e MASS_PER_H / (1.5 k (1 + Y))                (all energy thermal, x = 0)
        T_lo = (e MASS_PER_H - chi_H) / (1.5 k (2 + Y))      (x = 1), halved until e(T_lo) <= e,
    Newton steps use de/dT|rho = [1.5 k (1 + x + Y) + (1.5 k T + chi_H) dx/dT] / MASS_PER_H
    with dx/dT = x (1 - x)/(2 - x) (1.5 + chi_H/kT)/T, and fall back to bisection whenever
    they leave the bracket or do not halve the previous step (plain Newton can cycle across
    the inflection of e(T)).  Converges to |dT| <= 1e-14 T.  Returns NaN for e <= 0.
    """
    if not (e > 0.0) or not (rho > 0.0):
        return math.nan
    n_h = rho / MASS_PER_H
    target = e * MASS_PER_H  # energy per H nucleus, erg
    t_hi = target / (1.5 * K_B * (1.0 + HELIUM_ABUNDANCE))
    t_lo = (target - CHI_H) / (1.5 * K_B * (2.0 + HELIUM_ABUNDANCE))
    if t_lo <= 0.0:
        t_lo = 0.5 * t_hi
    for _ in range(200):
        x = saha_fraction(t_lo, n_h)
        if 1.5 * K_B * t_lo * (1.0 + x + HELIUM_ABUNDANCE) + x * CHI_H <= target:
            break
        t_lo *= 0.5
    T = math.sqrt(t_lo * t_hi)
    step_old = t_hi - t_lo
    for _ in range(300):
        x, y = _saha_from_log_ratio(saha_log_ratio(T, n_h))
        kt = K_B * T
        f = 1.5 * kt * (1.0 + x + HELIUM_ABUNDANCE) + x * CHI_H - target
        if f > 0.0:
            t_hi = T
        else:
            t_lo = T
        dxdt = _saha_response(x, y) * (1.5 + CHI_H / kt) / T
        dfdt = 1.5 * K_B * (1.0 + x + HELIUM_ABUNDANCE) + (1.5 * kt + CHI_H) * dxdt
        t_new = T - f / dfdt
        # bisect when Newton leaves the bracket or does not halve the step (it can cycle
        # across the inflection of e(T) where hydrogen ionises)
        if not (t_lo < t_new < t_hi) or abs(t_new - T) > 0.5 * step_old:
            t_new = math.sqrt(t_lo * t_hi) if t_hi > 2.0 * t_lo else 0.5 * (t_lo + t_hi)
        step_old = abs(t_new - T)
        if step_old <= 1e-14 * T or t_hi - t_lo <= 1e-15 * t_hi:
            return t_new
        T = t_new
    return T


@njit(cache=True)
def lte_sound_speed(rho: float, T: float) -> float:
    """Equilibrium (LTE) adiabatic sound speed (cm s^-1), ionisation following the wave:

        c^2 = (dp/drho)_s = p_rho + p_T (p/rho^2 - e_rho) / e_T,

    with partial derivatives at constant (rho or T) along x = x_Saha(T, n_H):
        dx/dlnT = r (1.5 + chi_H/kT),  dx/dln rho = -r,   r = x (1 - x)/(2 - x),
        p_rho = (kT/MASS_PER_H)(1 + x + Y + dx/dln rho),
        p_T   = (rho k/MASS_PER_H)(1 + x + Y + dx/dlnT),
        e_T   = [1.5 k (1 + x + Y) + (1.5 kT + chi_H) dx/dlnT / T] / MASS_PER_H,
        e_rho = (1.5 kT + chi_H) dx/dln rho / (rho MASS_PER_H).
    Reduces to sqrt(5/3 p/rho) where x -> 0 or 1; smaller in between.
    """
    n_h = rho / MASS_PER_H
    x, y = _saha_from_log_ratio(saha_log_ratio(T, n_h))
    kt = K_B * T
    r = _saha_response(x, y)
    dx_dlnt = r * (1.5 + CHI_H / kt)
    dx_dlnrho = -r
    nu = 1.0 + x + HELIUM_ABUNDANCE
    p = n_h * nu * kt
    p_rho = kt / MASS_PER_H * (nu + dx_dlnrho)
    p_t = n_h * K_B * (nu + dx_dlnt)
    e_t = (1.5 * K_B * nu + (1.5 * kt + CHI_H) * dx_dlnt / T) / MASS_PER_H
    e_rho = (1.5 * kt + CHI_H) * dx_dlnrho / (rho * MASS_PER_H)
    return math.sqrt(p_rho + p_t * (p / rho**2 - e_rho) / e_t)


@njit(cache=True)
def saha_fraction_array(T: np.ndarray, n_h: np.ndarray) -> np.ndarray:
    """Array version of saha_fraction (same-shape 1D arrays T in K, n_h in cm^-3)."""
    out = np.empty(T.size)
    for i in range(T.size):
        out[i] = saha_fraction(T[i], n_h[i])
    return out


@njit(cache=True)
def lte_state_array(rho: np.ndarray, e: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(T, x) per cell for LTE ionisation from rho (g cm^-3) and e (erg g^-1), 1D arrays."""
    n = rho.size
    temperature = np.empty(n)
    fraction = np.empty(n)
    for i in range(n):
        temperature[i] = lte_temperature(rho[i], e[i])
        fraction[i] = saha_fraction(temperature[i], rho[i] / MASS_PER_H)
    return temperature, fraction


# ---------------------------------------------------------------------------------------
# rate coefficients
# ---------------------------------------------------------------------------------------


@njit(cache=True)
def collisional_ionisation_rate(T: float) -> float:
    """C(T), e + H(1s) -> H+ + 2e (cm^3 s^-1), Voronov (1997):

    C = A (1 + P sqrt(U)) U^K exp(-U) / (X + U), U = 13.6 eV / kT,
    A = 2.91e-8 cm^3 s^-1, P = 0, X = 0.232, K = 0.39.
    """
    u = VORONOV_DE / (K_B * T)
    return (
        VORONOV_A * (1.0 + VORONOV_P * math.sqrt(u)) * u**VORONOV_K * math.exp(-u) / (VORONOV_X + u)
    )


@njit(cache=True)
def three_body_recombination_rate(T: float) -> float:
    """alpha_3b(T) = C(T)/S(T) (cm^6 s^-1), detailed balance with collisional ionisation.

    = A (1 + P sqrt(U)) U^K / (X + U) exp(chi_H/kT - U) / (SAHA_CONSTANT T^1.5), with the
    exponentials combined so that nothing over- or underflows.  Makes the collisional
    equilibrium n_p n_e / n_H0 = S(T) exactly Saha.
    """
    kt = K_B * T
    u = VORONOV_DE / kt
    prefactor = VORONOV_A * (1.0 + VORONOV_P * math.sqrt(u)) * u**VORONOV_K / (VORONOV_X + u)
    return prefactor * math.exp(CHI_H / kt - u) / (SAHA_CONSTANT * T**1.5)


@njit(cache=True)
def radiative_recombination_rate(T: float) -> float:
    """Case-B radiative recombination alpha_B(T) (cm^3 s^-1), Hui & Gnedin (1997):

    alpha_B = 2.753e-14 lam^1.5 / (1 + (lam/2.740)^0.407)^2.242, lam = 2 * 157807 K / T.
    """
    lam = 2.0 * HG97_T_THRESHOLD / T
    return HG97_A * lam**1.5 / (1.0 + (lam / 2.740) ** 0.407) ** 2.242


@njit(cache=True)
def exp1(z: float) -> float:
    """Exponential integral E_1(z) = int_z^inf exp(-t)/t dt for z > 0.

    Power series E_1 = -gamma - ln z - sum_k (-z)^k/(k k!) for z <= 1; for z > 1 the
    continued fraction exp(-z) / (z + 1 - 1^2/(z + 3 - 2^2/(z + 5 - ...))) evaluated by the
    modified Lentz method.  Relative accuracy ~1e-15.
    """
    if z <= 1.0:
        total = 0.0
        term = 1.0
        for k in range(1, 60):
            term *= -z / k
            total -= term / k
            if abs(term) < 1e-17 * abs(total):
                break
        return -_EULER_GAMMA - math.log(z) + total
    tiny = 1e-300
    b = z + 1.0
    c = 1.0 / tiny
    d = 1.0 / b
    h = d
    for i in range(1, 500):
        an = -float(i * i)
        b += 2.0
        d = an * d + b
        if abs(d) < tiny:
            d = tiny
        c = b + an / c
        if abs(c) < tiny:
            c = tiny
        d = 1.0 / d
        delta = c * d
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            break
    return h * math.exp(-z)


@njit(cache=True)
def balmer_continuum_rate(t_rad: float, dilution: float) -> float:
    """R_2c: photo-ionisation rate of one n = 2 atom (s^-1) in J_nu = W B_nu(T_rad):

    R_2c = 4 pi W int_{nu_2}^inf sigma_2 (nu_2/nu)^3 B_nu(T_rad)/(h nu) dnu
         = W (8 pi sigma_2 nu_2^3 / c^2) sum_{k>=1} E_1(k u_0),   u_0 = h nu_2 / k T_rad
    (expanding 1/(e^u - 1) = sum_k e^(-k u)).  Zero for t_rad <= 0 or dilution <= 0.
    """
    if t_rad <= 0.0 or dilution <= 0.0:
        return 0.0
    u0 = CHI_BALMER / (K_B * t_rad)
    total = 0.0
    for k in range(1, 400):
        term = exp1(k * u0)
        total += term
        if term < 1e-17 * total:
            break
    return dilution * _BALMER_RATE_SCALE * total


@njit(cache=True)
def n2_fraction(T: float) -> float:
    """Fraction of neutral H in n = 2 for the two-level atom with Lyman alpha in detailed
    balance: f_2 = b/(1 + b), b = n_2/n_1 = (g_2/g_1) exp(-(3/4) chi_H/kT), g_2/g_1 = 4."""
    b = 4.0 * math.exp(-E_LYMAN_ALPHA / (K_B * T))
    return b / (1.0 + b)


def diluted_balmer_rate(t_rad: float) -> float:
    """R_2c(T_rad, W = BALMER_DILUTION) (s^-1 per n = 2 atom); 0 for t_rad <= 0 (off).

    Constant for a run: computed once and passed to the per-cell kernels as ``r_2c`` (its
    E_1 series costs ~0.5 us, more than all the other rate coefficients together)."""
    return balmer_continuum_rate(t_rad, BALMER_DILUTION)


@njit(cache=True)
def balmer_photoionisation_rate(T: float, r_2c: float) -> float:
    """P_Bc = f_2(T) R_2c, s^-1 per neutral H atom (r_2c from diluted_balmer_rate)."""
    return n2_fraction(T) * r_2c


@njit(cache=True)
def rate_coefficients(T: float, r_2c: float) -> tuple[float, float, float, float]:
    """(C, P_Bc, alpha_rr, alpha_3b) at temperature T (K); r_2c = R_2c (s^-1 per n = 2
    atom, from diluted_balmer_rate(T_rad); 0: photo-ionisation off).

    Units: C cm^3 s^-1, P_Bc s^-1, alpha_rr cm^3 s^-1, alpha_3b cm^6 s^-1.  These feed
    ionisation_rhs / equilibrium_fraction / advance_ionisation_implicit, where the beam
    rate is added to P_Bc as `photo`.
    """
    return (
        collisional_ionisation_rate(T),
        balmer_photoionisation_rate(T, r_2c),
        radiative_recombination_rate(T),
        three_body_recombination_rate(T),
    )


@njit(cache=True)
def ionisation_rates(
    T: float, n_e: float, n_h: float, r_2c: float, beam_rate: float
) -> tuple[float, float]:
    """(ionise, recombine) in s^-1 such that dx/dt = (1 - x) ionise - x recombine:

        ionise    = n_e C(T) + P_Bc(T, T_rad) + B_nt
        recombine = n_e alpha_rr(T) + n_e^2 alpha_3b(T)

    n_e (cm^-3) is used exactly as given: pass x n_H at whatever x the step scheme wants
    (start of step, Newton iterate); n_e = x n_H makes the true equation nonlinear in x.
    n_h (cm^-3) is accepted for interface stability but does not enter the present rate
    model (all terms are per atom or per electron).  r_2c: n = 2 photo-ionisation rate
    (s^-1, diluted_balmer_rate(T_rad); 0 switches photo-ionisation off); beam_rate: B_nt
    in s^-1 per neutral atom.
    """
    c_coll, photo, alpha_rr, alpha_3b = rate_coefficients(T, r_2c)
    ionise = n_e * c_coll + photo + beam_rate
    recombine = n_e * (alpha_rr + n_e * alpha_3b)
    return ionise, recombine


# ---------------------------------------------------------------------------------------
# single-cell ionisation evolution
# ---------------------------------------------------------------------------------------


@njit(cache=True)
def advance_ionisation(x0: float, dt: float, ionise: float, recombine: float) -> float:
    """Exact solution of dx/dt = (1 - x) I - x R for rates frozen over dt (s):

        x(dt) = x_eq + (x0 - x_eq) exp(-(I + R) dt),   x_eq = I / (I + R),

    written as x0 e^(-k dt) - x_eq expm1(-k dt) (k = I + R) so that k dt -> 0 loses nothing
    and k dt -> inf gives x_eq.  Unconditionally stable, stays in [0, 1] for x0 in [0, 1].
    """
    k = ionise + recombine
    if k <= 0.0 or dt <= 0.0:
        return x0
    kdt = k * dt
    decay = math.exp(-kdt)
    return x0 * decay - (ionise / k) * math.expm1(-kdt)


@njit(cache=True)
def ionisation_rhs(
    x: float, n_h: float, c_coll: float, photo: float, alpha_rr: float, alpha_3b: float
) -> tuple[float, float]:
    """(F, dF/dx) of the nonlinear rate equation with n_e = x n_H (frozen T, n_H):

        F(x) = (1 - x)(x n_H C + P) - x (x n_H alpha_rr + x^2 n_H^2 alpha_3b)
        F'(x) = n_H C (1 - 2x) - P - 2 x n_H alpha_rr - 3 x^2 n_H^2 alpha_3b,

    P = P_Bc + B_nt (s^-1).  F' at an equilibrium is the linear relaxation rate (s^-1, < 0).
    """
    a = n_h * c_coll
    c = n_h * alpha_rr
    d = n_h * n_h * alpha_3b
    f = (1.0 - x) * (a * x + photo) - x * x * (c + d * x)
    dfdx = a * (1.0 - 2.0 * x) - photo - 2.0 * c * x - 3.0 * d * x * x
    return f, dfdx


@njit(cache=True)
def equilibrium_fraction(
    n_h: float, c_coll: float, photo: float, alpha_rr: float, alpha_3b: float
) -> float:
    """Equilibrium of the nonlinear rate equation with n_e = x n_H (see ionisation_rhs).

    With a = n_H C, b = P, c = n_H alpha_rr, d = n_H^2 alpha_3b, the non-trivial root in
    (0, 1] of (1 - x)(a + b/x) = x (c + d x); the left side decreases and the right side
    increases in x, so it is unique.  Solved in the smaller of x and y = 1 - x (both to
    ~1e-15 relative): for x > 1/2 by safeguarded Newton on the increasing
    phi(y) = y (a + b/(1 - y)) - (1 - y)(c + d (1 - y)), for x < 1/2 by Newton on the convex
    Psi(x) = (a + c) x^2 + d x^3 - (a - b) x - b from the right.  Returns 0 when a = b = 0
    (no electrons and no other source: x = 0 stays 0).
    """
    a = n_h * c_coll
    b = photo
    c = n_h * alpha_rr
    d = n_h * n_h * alpha_3b
    if a <= 0.0 and b <= 0.0:
        return 0.0
    if c <= 0.0 and d <= 0.0:
        return 1.0
    if 0.5 * (a + 2.0 * b) >= 0.5 * (c + 0.5 * d):
        # root x >= 1/2: solve for the neutral fraction y in (0, 1/2]
        lo = 0.0
        hi = 0.5
        y = min(0.5, (c + d) / (a + b))
        step_old = 0.5
        for _ in range(300):
            w = 1.0 - y
            phi = a * y + b * y / w - c * w - d * w * w
            if phi > 0.0:
                hi = y
            else:
                lo = y
            dphi = a + b / (w * w) + c + 2.0 * d * w
            y_new = y - phi / dphi
            if not (lo < y_new < hi) or abs(y_new - y) > 0.5 * step_old:
                y_new = math.sqrt(lo * hi) if lo > 0.0 and hi > 4.0 * lo else 0.5 * (lo + hi)
            step_old = abs(y_new - y)
            y = y_new
            if step_old <= 1e-15 * y or hi - lo <= 1e-16 * hi:
                break
        return 1.0 - y
    # root x < 1/2: start at the root of the quadratic part (Psi >= 0 there), Newton from the
    # right converges monotonically on the convex Psi
    q = a - b
    s = a + c
    x = 0.5
    if s > 0.0:
        disc = math.sqrt(q * q + 4.0 * s * b)
        x = min(0.5, (q + disc) / (2.0 * s) if q >= 0.0 else 2.0 * b / (disc - q))
    for _ in range(200):
        psi = (s + d * x) * x * x - q * x - b
        dpsi = 2.0 * s * x + 3.0 * d * x * x - q
        if psi <= 0.0 or dpsi <= 0.0:
            break
        x_new = x - psi / dpsi
        if x_new >= x or x_new <= 0.0:
            break
        if x - x_new <= 1e-15 * x_new:
            x = x_new
            break
        x = x_new
    return x


@njit(cache=True)
def _implicit_residual(
    x1: float,
    x0: float,
    dt: float,
    n_h: float,
    c_coll: float,
    photo: float,
    alpha_rr: float,
    alpha_3b: float,
) -> float:
    n_e = x1 * n_h
    ionise = n_e * c_coll + photo
    recombine = n_e * (alpha_rr + n_e * alpha_3b)
    return x1 - advance_ionisation(x0, dt, ionise, recombine)


@njit(cache=True)
def advance_ionisation_implicit(
    x0: float,
    dt: float,
    n_h: float,
    c_coll: float,
    photo: float,
    alpha_rr: float,
    alpha_3b: float,
) -> float:
    """One step of the nonlinear rate equation at frozen T and n_H, with n_e = x1 n_H taken
    at the *end* of the step inside the exact exponential update:

        x1 = advance_ionisation(x0, dt, I(x1), R(x1)),
        I(x) = x n_H C + P,   R(x) = x n_H alpha_rr + (x n_H)^2 alpha_3b.

    Exact for rates independent of n_e, first order in dt otherwise, and for dt -> inf it
    returns the equilibrium of the full nonlinear equation (L-stable).  The residual
    x1 - advance(...) is <= 0 at x1 = 0 and >= 0 at x1 = 1; the root is found by the
    Illinois (modified regula falsi) method with bisection safeguard, |dx1| <= 1e-14.
    P = P_Bc + B_nt (s^-1); the other coefficients as from rate_coefficients.
    """
    lo = 0.0
    hi = 1.0
    f_lo = _implicit_residual(lo, x0, dt, n_h, c_coll, photo, alpha_rr, alpha_3b)
    f_hi = _implicit_residual(hi, x0, dt, n_h, c_coll, photo, alpha_rr, alpha_3b)
    if f_lo >= 0.0:
        return 0.0
    if f_hi <= 0.0:
        return 1.0
    side = 0
    x = 0.5
    for _ in range(300):
        x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo)
        if not (lo < x < hi):
            x = 0.5 * (lo + hi)
        f = _implicit_residual(x, x0, dt, n_h, c_coll, photo, alpha_rr, alpha_3b)
        if f == 0.0:
            return x
        if f < 0.0:
            lo = x
            f_lo = f
            if side == -1:
                f_hi *= 0.5
            side = -1
        else:
            hi = x
            f_hi = f
            if side == 1:
                f_lo *= 0.5
            side = 1
        if hi - lo <= 1e-14 * max(hi, 1e-300) or abs(f) <= 1e-16 * max(x, 1e-300):
            break
    return x


@njit(cache=True)
def advance_ionisation_cells(
    x0: np.ndarray,
    dt: float,
    T: np.ndarray,
    n_h: np.ndarray,
    r_2c: float,
    beam_rate: np.ndarray,
) -> np.ndarray:
    """Array kernel: advance_ionisation_implicit in every cell (T K, n_h cm^-3, beam s^-1;
    r_2c from diluted_balmer_rate)."""
    out = np.empty(x0.size)
    for i in range(x0.size):
        c_coll, photo, alpha_rr, alpha_3b = rate_coefficients(T[i], r_2c)
        out[i] = advance_ionisation_implicit(
            x0[i], dt, n_h[i], c_coll, photo + beam_rate[i], alpha_rr, alpha_3b
        )
    return out

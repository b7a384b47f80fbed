"""Radiative losses of a flare loop: optically thin corona/TR + optically thick chromosphere.

All quantities cgs; a loss is positive when the gas loses energy (erg cm^-3 s^-1).

1. Optically thin corona and transition region
-----------------------------------------------
    Q_thin = n_e n_H Lambda(T)

with Lambda(T) the piecewise power law of Klimchuk, Patsourakos & Cargill (2008, ApJ 682,
1351, Eq. 3; the fit used by EBTEL), Lambda in erg cm^3 s^-1, T in K:

    1.09e-31 T^2          T <= 10^4.97        8.87e-17 T^-1     10^4.97 < T <= 10^5.67
    1.90e-22              ... <= 10^6.18      3.53e-13 T^-3/2   10^6.18 < T <= 10^6.55
    3.46e-25 T^1/3        ... <= 10^6.90      5.49e-16 T^-1     10^6.90 < T <= 10^7.63
    1.96e-27 T^1/2        T > 10^7.63

(peak 9.5e-22 at 10^4.97 K; 1.90e-22 at 1 MK; 5.49e-23 at 10 MK).  The published pieces
do not join exactly: at the published break temperatures the relative jumps are +0.11 %,
+0.19 %, -0.23 %, -0.08 %, +0.11 % and -0.53 % (largest at 10^7.63 K).  Here each break is
moved to the intersection of its two neighbouring power laws (shifts <= 0.0015 dex), which
makes the piecewise law exactly continuous, and every kink is rounded in log-log space,

    log10 Lambda = a_0 + s_0 x + sum_k (s_k - s_{k-1}) d softplus((x - x_k)/d),   x = log10 T,

with d = THIN_KINK_WIDTH = 0.01 dex, so Lambda is C-infinity (Newton's method needs a
continuous derivative).  The rounding lowers Lambda at a kink by |s_k - s_{k-1}| d ln 2,
i.e. by at most 4.7 % (at the 10^4.97 K peak, slope +2 -> -1) and by < 1e-5 beyond 0.1 dex
from any kink; elsewhere the published coefficients are reproduced exactly.

2. Optically thick chromosphere (Carlsson & Leenaarts 2012, A&A 539, A39, Eq. 1)
--------------------------------------------------------------------------------
For X = H (lines + Lyman continuum), Ca II (H, K, infrared triplet) and Mg II (h, k):

    Q_X = L_X(T) E_X(tau_X) f_X(T) A_X (N_H/rho) n_e rho = L_X E_X f_X A_X n_H n_e,

L_X the optically thin loss per electron and per particle of X in the emitting stage
(erg cm^3 s^-1), E_X an escape probability, f_X the fraction of X in that stage (H I, Ca II,
Mg II), A_X the abundance relative to hydrogen, n_H the total hydrogen density.  Depth
parameters, as in CL12: Ca II and Mg II use the column mass m (g cm^-2) above the point;
hydrogen uses the Lyman-alpha line-centre optical depth tau_H = 4e-14 cm^2 N_HI with N_HI
the column density of neutral hydrogen above the point (cm^-2).  Abundances: Asplund et al.
(2009): A_Ca = 10^(6.34-12), A_Mg = 10^(7.60-12).

The CL12 curves are published as figures, not formulas.  The smooth analytic forms below were
fitted (least squares, by us) to the CL12 curves as tabulated for the public HYDRAD code
(Bradshaw & Mason 2003; Reep et al. 2019; files Radiation_Model/atomic_data/OpticallyThick/
{emissivities,balances,escape_probabilities}), over 10^3.65-10^4.5 K, log10 m = -10..1 and
log10 tau_H = -2..8.  They are approximations of those curves, not CL12's own numbers:

* L_Ca = 10^-17.619 (T/1e4)^-0.102 exp(-22810 K/T)      (max |dev| 0.025 dex)
  L_Mg = 10^-17.001 (T/1e4)^-0.783 exp(-58140 K/T)      (max |dev| 0.029 dex)
  L_H  = 5.56e-24 exp(-14530 K/T) + 4.70e-19 exp(-118380 K/T)  (max |dev| 0.08 dex; the
  second term has the Lyman-alpha excitation energy, 10.2 eV = 118400 K)
  e.g. fit (table): L_Ca(1e4) = 10^-18.61 (10^-18.62), L_Mg(1e4) = 10^-19.53 (10^-19.52),
  L_H(2e4) = 10^-20.90 (10^-20.92).
* f(T) = 1 / (1 + (T/T_h)^p): Ca II T_h = 13205 K, p = 9.40; Mg II T_h = 13736 K,
  p = 11.59 (max |dev| 0.018 and 0.023); H I, used only when no ionisation x_H is supplied,
  f_HI = (1 - 0.338 + 0.338 g(T; 7271 K, 14.5)) g(T; 16181 K, 6.74), g the same logistic
  (max |dev| 0.024).  E.g. fit (table): f_CaII(12.6 kK) = 0.61 (0.61), f_MgII(14.1 kK) =
  0.42 (0.42), f_HI(15.8 kK) = 0.35 (0.37).
  When the caller supplies the hydrogen ionisation fraction x_H (loopsim computes it), the
  hydrogen term uses f_HI = 1 - x_H instead of the CL12 temperature fit.
* E_H  = exp(-tau/1.81e6) / (1 + (tau/1.276e4)^0.429)                     (max |dev| 0.05)
  E_Ca = [0.85/(1 + (m/1.02e-5)^0.913) + 0.15/(1 + (m/4.37e-3)^1.497)] exp(-m/m_d)  (0.033)
  E_Mg = [0.42/(1 + (m/1.06e-4)^2.505) + 0.58/(1 + (m/4.78e-3)^1.335)] exp(-m/m_d)  (0.011)
  with m_d = 0.1 g cm^-2.  E -> 1 for small columns and -> 0 deep; e.g. fit (table):
  E_Ca(1e-5) = 0.58 (0.57), E_Mg(1e-3) = 0.51 (0.53), E_H(1e4) = 0.52 (0.52).  The factor
  exp(-m/m_d) is ours: the tabulated E are < 0.01 below the temperature minimum (VAL-C:
  m = 0.05 g cm^-2) and reach 0 at 1 g cm^-2; the cut makes that exact so the photosphere
  (m ~ 1-4 g cm^-2), where LTE continuum transfer (not modelled here) sets the energy
  balance, does not cool away.

Low-temperature cutoff: the chromospheric loss is multiplied by a C-infinity step in log T,
0 at T <= 3500 K and 1 at T >= 4000 K (T_CUT_LOW, T_CUT_HIGH): no radiative loss below
3500 K, so an expanding cool layer cannot run away, and VAL-C's 4170 K minimum is untouched.

Radiative heating (CL12: cool pockets, coronal back-illumination) is not included.

3. Join of the regimes
----------------------
    Q = (1 - w(T)) Q_chrom + w(T) Q_thin,   w = S((log T - log T1)/(log T2 - log T1)),

T1 = 2e4 K, T2 = 4e4 K, S(s) = phi(s)/(phi(s) + phi(1-s)), phi(s) = exp(-1/s) (s > 0), a
C-infinity step: pure CL12 below 2e4 K, pure optically thin above 4e4 K, and Q and all its
T-derivatives continuous.  In between both recipes are of similar size (at 2e4 K, E_H = 1
and the CL12 H I fraction, the CL12 sum is 1.6e-22 n_e n_H; Lambda = 4.4e-23).

Quiet-Sun check (tests/test_radiation.py): VAL-C (Vernazza, Avrett & Loeser 1981) integrated
from the temperature minimum to the top of the chromosphere gives ~7e6 erg cm^-2 s^-1, 1.7x
Withbroe & Noyes' (1977) 4e6; the recipe omits the radiative heating that partly offsets the
Ca II/Mg II cooling of the low chromosphere in detailed calculations.

API (numba kernels)
-------------------
radiative_loss(T, n_e, n_h, rho, column_mass, x_h, out)          arrays -> out (Q)
radiative_loss_and_derivative(T, n_e, n_h, rho, column_mass, x_h, out, dout_dT)
neutral_hydrogen_column(T, n_h, rho, column_mass, x_h, out)      N_HI above each cell
total_loss(T, n_e, n_h, column_mass, column_hi, x_h)              scalar Q
total_loss_and_dT(...)                                            scalar (Q, dQ/dT)
chromospheric_loss(T, n_e, n_h, column_mass, column_hi, x_h)      scalar CL12 sum (with cutoff)
thin_loss_function(T), thin_loss_slope(T)                         Lambda, dlnLambda/dlnT
plus the individual factors (L_X, f_X, E_X, weights).  x_h < 0 means "not supplied: use the
CL12 temperature fit for the H I fraction".
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

LN10 = math.log(10.0)

# ---------------------------------------------------------------- optically thin Lambda(T)
#: Klimchuk, Patsourakos & Cargill (2008) Eq. 3: Lambda = chi_k T^alpha_k (erg cm^3 s^-1)
KPC08_CHI = np.array([1.09e-31, 8.87e-17, 1.90e-22, 3.53e-13, 3.46e-25, 5.49e-16, 1.96e-27])
KPC08_ALPHA = np.array([2.0, -1.0, 0.0, -1.5, 1.0 / 3.0, -1.0, 0.5])
#: published break temperatures, log10 T
KPC08_LOG_BREAKS = np.array([4.97, 5.67, 6.18, 6.55, 6.90, 7.63])
#: width (dex) over which each kink of log Lambda(log T) is rounded
THIN_KINK_WIDTH = 0.01

_LOG_CHI = np.log10(KPC08_CHI)
#: break points of the continuous law: intersections of neighbouring power laws
THIN_LOG_KINKS = (_LOG_CHI[1:] - _LOG_CHI[:-1]) / (KPC08_ALPHA[:-1] - KPC08_ALPHA[1:])
_THIN_DSLOPE = KPC08_ALPHA[1:] - KPC08_ALPHA[:-1]
_THIN_A0 = float(_LOG_CHI[0])
_THIN_S0 = float(KPC08_ALPHA[0])
#: relative jump of the published pieces at the published breaks (documentation, tests)
KPC08_BREAK_MISMATCH = (
    10.0 ** (_LOG_CHI[1:] - _LOG_CHI[:-1] + (KPC08_ALPHA[1:] - KPC08_ALPHA[:-1]) * KPC08_LOG_BREAKS)
    - 1.0
)

# ---------------------------------------------------------------- regime join and cutoff
T_JOIN_LOW = 2.0e4  #: K, below: pure chromospheric recipe
T_JOIN_HIGH = 4.0e4  #: K, above: pure optically thin
T_CUT_LOW = 3500.0  #: K, chromospheric loss is zero below
T_CUT_HIGH = 4000.0  #: K, chromospheric loss is uncut above

# ---------------------------------------------------------------- CL12 ingredients (fits)
A_CA = 10.0 ** (6.34 - 12.0)  #: Ca/H by number, Asplund et al. 2009
A_MG = 10.0 ** (7.60 - 12.0)  #: Mg/H by number, Asplund et al. 2009
LYA_CROSS_SECTION = 4.0e-14  #: cm^2, tau_H = LYA_CROSS_SECTION * N_HI (CL12)

# L_X(T) = 10^LOGA (T/1e4)^BETA exp(-THETA/T) for Ca II and Mg II
_CA_LOGA, _CA_BETA, _CA_THETA = -17.619, -0.102, 22810.0
_MG_LOGA, _MG_BETA, _MG_THETA = -17.001, -0.783, 58140.0
# L_H(T) = A1 exp(-THETA1/T) + A2 exp(-THETA2/T)
_H_A1, _H_THETA1 = 5.56e-24, 14530.0
_H_A2, _H_THETA2 = 4.70e-19, 118380.0
# ionisation fractions, logistic in log T
_CA_TH, _CA_P = 13205.0, 9.40
_MG_TH, _MG_P = 13736.0, 11.59
_HI_A, _HI_T1, _HI_P1, _HI_T2, _HI_P2 = 0.338, 7271.0, 14.5, 16181.0, 6.74
# escape probabilities
_EH_TAU0, _EH_P, _EH_TAUD = 1.276e4, 0.429, 1.81e6
_ECA_A, _ECA_M1, _ECA_P1, _ECA_M2, _ECA_P2 = 0.15, 1.02e-5, 0.913, 4.37e-3, 1.497
_EMG_A, _EMG_M1, _EMG_P1, _EMG_M2, _EMG_P2 = 0.58, 1.06e-4, 2.505, 4.78e-3, 1.335
ESCAPE_DEEP_COLUMN = 0.1  #: g cm^-2, m_d of the deep cut exp(-m/m_d) of E_Ca and E_Mg


# ================================================================ small smooth helpers
@njit(cache=True)
def _softplus(u):
    """ln(1 + e^u), overflow-safe."""
    if u > 0.0:
        return u + math.log1p(math.exp(-u))
    return math.log1p(math.exp(u))


@njit(cache=True)
def _sigmoid(u):
    """1 / (1 + e^-u), overflow-safe (the derivative of the softplus)."""
    if u >= 0.0:
        return 1.0 / (1.0 + math.exp(-u))
    e = math.exp(u)
    return e / (1.0 + e)


@njit(cache=True)
def smooth_step(s):
    """C-infinity step S(s) = phi(s)/(phi(s)+phi(1-s)), phi(s) = exp(-1/s); returns (S, dS/ds).

    S = 0 for s <= 0 and 1 for s >= 1; every derivative vanishes at both ends.
    """
    if s <= 0.0:
        return 0.0, 0.0
    if s >= 1.0:
        return 1.0, 0.0
    a = math.exp(-1.0 / s)
    b = math.exp(-1.0 / (1.0 - s))
    den = a + b
    ds = a * b * (1.0 / (s * s) + 1.0 / ((1.0 - s) * (1.0 - s))) / (den * den)
    return a / den, ds


@njit(cache=True)
def _log_step(T, t_lo, t_hi):
    """C-infinity step in log T from 0 at t_lo to 1 at t_hi; returns (value, d value/d ln T)."""
    width = math.log(t_hi / t_lo)
    v, dv = smooth_step(math.log(T / t_lo) / width)
    return v, dv / width


@njit(cache=True)
def _logistic(T, t_half, p):
    """g = 1/(1 + (T/t_half)^p); returns (g, d ln g / d ln T) = (g, -p (1 - g))."""
    r = (T / t_half) ** p
    g = 1.0 / (1.0 + r)
    return g, -p * r * g


@njit(cache=True)
def _falloff(x, x0, p):
    """1/(1 + (x/x0)^p) for a column x >= 0 (1 at x = 0)."""
    if x <= 0.0:
        return 1.0
    return 1.0 / (1.0 + (x / x0) ** p)


# ================================================================ optically thin part
@njit(cache=True)
def thin_loss_function(T):
    """Optically thin radiative loss function Lambda(T) (erg cm^3 s^-1), T in K.

    Klimchuk, Patsourakos & Cargill (2008) Eq. 3, made continuous and C-infinity by rounding
    the kinks over THIN_KINK_WIDTH dex (module docstring).  Extrapolates the end power laws
    (T^2 below 10^4.97 K, T^1/2 above 10^7.63 K).
    """
    x = math.log10(T)
    y = _THIN_A0 + _THIN_S0 * x
    for k in range(THIN_LOG_KINKS.size):
        u = (x - THIN_LOG_KINKS[k]) / THIN_KINK_WIDTH
        y += _THIN_DSLOPE[k] * THIN_KINK_WIDTH * _softplus(u)
    return 10.0**y


@njit(cache=True)
def thin_loss_slope(T):
    """Logarithmic slope d ln Lambda / d ln T of thin_loss_function (dimensionless)."""
    x = math.log10(T)
    s = _THIN_S0
    for k in range(THIN_LOG_KINKS.size):
        s += _THIN_DSLOPE[k] * _sigmoid((x - THIN_LOG_KINKS[k]) / THIN_KINK_WIDTH)
    return s


@njit(cache=True)
def thin_weight(T):
    """Weight w(T) of the optically thin recipe: 0 below T_JOIN_LOW, 1 above T_JOIN_HIGH."""
    return _log_step(T, T_JOIN_LOW, T_JOIN_HIGH)[0]


@njit(cache=True)
def low_temperature_cutoff(T):
    """Factor on the chromospheric loss: 0 below T_CUT_LOW, 1 above T_CUT_HIGH (C-infinity)."""
    return _log_step(T, T_CUT_LOW, T_CUT_HIGH)[0]


# ================================================================ CL12 ingredients
@njit(cache=True)
def _boltzmann_loss(T, loga, beta, theta):
    """10^loga (T/1e4)^beta exp(-theta/T); returns (L, d ln L / d ln T)."""
    L = 10.0**loga * (T / 1.0e4) ** beta * math.exp(-theta / T)
    return L, beta + theta / T


@njit(cache=True)
def _hydrogen_loss_rate(T):
    e1 = _H_A1 * math.exp(-_H_THETA1 / T)
    e2 = _H_A2 * math.exp(-_H_THETA2 / T)
    L = e1 + e2
    return L, (e1 * _H_THETA1 + e2 * _H_THETA2) / (T * L)


@njit(cache=True)
def hydrogen_loss_rate(T):
    """L_H(T): thin loss of hydrogen per electron and per neutral H atom (erg cm^3 s^-1)."""
    return _hydrogen_loss_rate(T)[0]


@njit(cache=True)
def calcium_loss_rate(T):
    """L_Ca(T): thin loss per electron and per Ca II ion (erg cm^3 s^-1)."""
    return _boltzmann_loss(T, _CA_LOGA, _CA_BETA, _CA_THETA)[0]


@njit(cache=True)
def magnesium_loss_rate(T):
    """L_Mg(T): thin loss per electron and per Mg II ion (erg cm^3 s^-1)."""
    return _boltzmann_loss(T, _MG_LOGA, _MG_BETA, _MG_THETA)[0]


@njit(cache=True)
def _hydrogen_neutral_fraction(T):
    g1, d1 = _logistic(T, _HI_T1, _HI_P1)
    g2, d2 = _logistic(T, _HI_T2, _HI_P2)
    first = 1.0 - _HI_A + _HI_A * g1
    return first * g2, _HI_A * g1 * d1 / first + d2


@njit(cache=True)
def hydrogen_neutral_fraction(T):
    """CL12 H I fraction n_HI/n_H as a function of T alone (fit; used when x_h < 0)."""
    return _hydrogen_neutral_fraction(T)[0]


@njit(cache=True)
def calcium_ii_fraction(T):
    """CL12 Ca II fraction N_CaII/N_Ca as a function of T (fit)."""
    return _logistic(T, _CA_TH, _CA_P)[0]


@njit(cache=True)
def magnesium_ii_fraction(T):
    """CL12 Mg II fraction N_MgII/N_Mg as a function of T (fit)."""
    return _logistic(T, _MG_TH, _MG_P)[0]


@njit(cache=True)
def lyman_alpha_depth(column_hi):
    """CL12 hydrogen depth parameter tau_H = 4e-14 cm^2 N_HI (N_HI in cm^-2)."""
    return LYA_CROSS_SECTION * column_hi


@njit(cache=True)
def escape_probability_hydrogen(tau):
    """E_H(tau_H), tau_H the Lyman-alpha depth parameter (lyman_alpha_depth)."""
    return _falloff(tau, _EH_TAU0, _EH_P) * math.exp(-tau / _EH_TAUD)


@njit(cache=True)
def escape_probability_calcium(column_mass):
    """E_Ca(m), m the column mass above the point (g cm^-2)."""
    m = column_mass
    core = (1.0 - _ECA_A) * _falloff(m, _ECA_M1, _ECA_P1) + _ECA_A * _falloff(m, _ECA_M2, _ECA_P2)
    return core * math.exp(-m / ESCAPE_DEEP_COLUMN)


@njit(cache=True)
def escape_probability_magnesium(column_mass):
    """E_Mg(m), m the column mass above the point (g cm^-2)."""
    m = column_mass
    core = (1.0 - _EMG_A) * _falloff(m, _EMG_M1, _EMG_P1) + _EMG_A * _falloff(m, _EMG_M2, _EMG_P2)
    return core * math.exp(-m / ESCAPE_DEEP_COLUMN)


# ================================================================ combined scalar kernels
@njit(cache=True)
def chromospheric_components(T, n_e, n_h, column_mass, column_hi, x_h):
    """The three CL12 terms (Q_H, Q_Ca, Q_Mg) in erg cm^-3 s^-1, without cutoff or join.

    T (K), n_e, n_h (total hydrogen, cm^-3), column_mass (g cm^-2), column_hi = N_HI above
    the point (cm^-2), x_h = hydrogen ionisation fraction (x_h < 0: CL12 T-fit for f_HI).
    """
    if T <= 0.0:
        return 0.0, 0.0, 0.0
    nn = n_e * n_h
    f_hi = hydrogen_neutral_fraction(T) if x_h < 0.0 else min(max(1.0 - x_h, 0.0), 1.0)
    q_h = (
        hydrogen_loss_rate(T)
        * escape_probability_hydrogen(lyman_alpha_depth(column_hi))
        * f_hi
        * nn
    )
    q_ca = (
        calcium_loss_rate(T)
        * escape_probability_calcium(column_mass)
        * calcium_ii_fraction(T)
        * A_CA
        * nn
    )
    q_mg = (
        magnesium_loss_rate(T)
        * escape_probability_magnesium(column_mass)
        * magnesium_ii_fraction(T)
        * A_MG
        * nn
    )
    return q_h, q_ca, q_mg


@njit(cache=True)
def escape_probabilities(column_mass, column_hi):
    """(E_H, E_Ca, E_Mg) at column mass m (g cm^-2) and N_HI above the point (cm^-2).

    They depend on the columns only, which stay fixed during a time step (Lagrangian m;
    N_HI from the start of the step), so the solver evaluates them once per step."""
    return (escape_probability_hydrogen(lyman_alpha_depth(column_hi)),
            escape_probability_calcium(column_mass), escape_probability_magnesium(column_mass))


@njit(cache=True)
def _chromospheric_loss_and_dT(T, n_e, n_h, column_mass, column_hi, x_h):
    """CL12 sum with the low-temperature cutoff; returns (Q, dQ/dT) at fixed n, columns, x_h."""
    e_h, e_ca, e_mg = escape_probabilities(column_mass, column_hi)
    return _escaped_loss_and_dT(T, n_e, n_h, e_h, e_ca, e_mg, x_h)


@njit(cache=True)
def _escaped_loss_and_dT(T, n_e, n_h, e_h, e_ca, e_mg, x_h):
    """As _chromospheric_loss_and_dT with the escape probabilities given."""
    if T <= 0.0:
        return 0.0, 0.0
    cut, dcut = _log_step(T, T_CUT_LOW, T_CUT_HIGH)
    if cut == 0.0:
        return 0.0, 0.0
    nn = n_e * n_h
    lh, slh = _hydrogen_loss_rate(T)
    if x_h < 0.0:
        f_hi, sf_hi = _hydrogen_neutral_fraction(T)
    else:
        f_hi, sf_hi = min(max(1.0 - x_h, 0.0), 1.0), 0.0
    q_h = lh * e_h * f_hi * nn
    s_h = slh + sf_hi
    lca, slca = _boltzmann_loss(T, _CA_LOGA, _CA_BETA, _CA_THETA)
    fca, sfca = _logistic(T, _CA_TH, _CA_P)
    q_ca = lca * e_ca * fca * A_CA * nn
    lmg, slmg = _boltzmann_loss(T, _MG_LOGA, _MG_BETA, _MG_THETA)
    fmg, sfmg = _logistic(T, _MG_TH, _MG_P)
    q_mg = lmg * e_mg * fmg * A_MG * nn
    q = q_h + q_ca + q_mg
    dq_dlnT = q_h * s_h + q_ca * (slca + sfca) + q_mg * (slmg + sfmg)
    return cut * q, (cut * dq_dlnT + dcut * q) / T


@njit(cache=True)
def chromospheric_loss(T, n_e, n_h, column_mass, column_hi, x_h):
    """Optically thick chromospheric loss Q_H + Q_Ca + Q_Mg (erg cm^-3 s^-1), CL12 Eq. 1.

    Includes the low-temperature cutoff (0 below 3500 K) but not the join with the thin
    recipe.  Arguments as chromospheric_components.
    """
    return _chromospheric_loss_and_dT(T, n_e, n_h, column_mass, column_hi, x_h)[0]


@njit(cache=True)
def total_loss_and_dT(T, n_e, n_h, column_mass, column_hi, x_h):
    """Joined loss Q = (1-w) Q_chrom + w n_e n_H Lambda and dQ/dT (fixed n, columns, x_h)."""
    e_h, e_ca, e_mg = escape_probabilities(column_mass, column_hi)
    return escaped_total_loss_and_dT(T, n_e, n_h, e_h, e_ca, e_mg, x_h)


@njit(cache=True)
def escaped_total_loss_and_dT(T, n_e, n_h, e_h, e_ca, e_mg, x_h):
    """total_loss_and_dT with the escape probabilities (escape_probabilities) given."""
    if T <= 0.0:
        return 0.0, 0.0
    w, dw = _log_step(T, T_JOIN_LOW, T_JOIN_HIGH)
    q = 0.0
    dq = 0.0
    if w < 1.0:
        qc, dqc = _escaped_loss_and_dT(T, n_e, n_h, e_h, e_ca, e_mg, x_h)
        q += (1.0 - w) * qc
        dq += (1.0 - w) * dqc - dw / T * qc
    if w > 0.0:
        qt = n_e * n_h * thin_loss_function(T)
        q += w * qt
        dq += (w * thin_loss_slope(T) + dw) * qt / T
    return q, dq


@njit(cache=True)
def total_loss(T, n_e, n_h, column_mass, column_hi, x_h):
    """Joined radiative loss (erg cm^-3 s^-1, positive = lost) at one point."""
    return total_loss_and_dT(T, n_e, n_h, column_mass, column_hi, x_h)[0]


# ================================================================ array kernels
@njit(cache=True)
def neutral_hydrogen_column(T, n_h, rho, column_mass, x_h, out):
    """Neutral-hydrogen column above each cell, N_HI (cm^-2), into out.

    N_HI(m) = int_0^m (1 - x_H) (n_H/rho) dm', integrated with the trapezoidal rule over the
    cells sorted by column mass (any order is accepted); the layer above the first cell is
    taken uniform.  (1 - x_H) is the CL12 fit of T where x_h < 0.
    """
    n = T.size
    order = np.argsort(column_mass)
    prev_m = 0.0
    prev_g = 0.0
    total = 0.0
    for j in range(n):
        i = order[j]
        f_hi = hydrogen_neutral_fraction(T[i]) if x_h[i] < 0.0 else min(max(1.0 - x_h[i], 0.0), 1.0)
        g = f_hi * n_h[i] / rho[i]
        if j == 0:
            total = g * column_mass[i]
        else:
            total += 0.5 * (g + prev_g) * (column_mass[i] - prev_m)
        out[i] = total
        prev_m = column_mass[i]
        prev_g = g


@njit(cache=True)
def radiative_loss(T, n_e, n_h, rho, column_mass, x_h, out):
    """Radiative loss per cell, out[i] (erg cm^-3 s^-1, positive = energy lost).

    T (K), n_e and n_h (electron and total hydrogen densities, cm^-3), rho (g cm^-3),
    column_mass (g cm^-2, from the loop apex), x_h (hydrogen ionisation fraction; < 0 means
    use the CL12 fit of T).  The neutral-hydrogen column for the Lyman-alpha escape
    probability is accumulated from column_mass, x_h and n_h/rho (neutral_hydrogen_column).
    """
    n = T.size
    column_hi = np.empty(n)
    neutral_hydrogen_column(T, n_h, rho, column_mass, x_h, column_hi)
    for i in range(n):
        out[i] = total_loss(T[i], n_e[i], n_h[i], column_mass[i], column_hi[i], x_h[i])


@njit(cache=True)
def radiative_loss_and_derivative(T, n_e, n_h, rho, column_mass, x_h, out, dout_dT):
    """As radiative_loss, plus dout_dT[i] = dQ_i/dT_i at fixed densities, columns and x_h.

    The derivative is analytic and local: the dependence of the columns (and hence of the
    escape probabilities) on the cells above is not included.
    """
    n = T.size
    column_hi = np.empty(n)
    neutral_hydrogen_column(T, n_h, rho, column_mass, x_h, column_hi)
    for i in range(n):
        q, dq = total_loss_and_dT(T[i], n_e[i], n_h[i], column_mass[i], column_hi[i], x_h[i])
        out[i] = q
        dout_dT[i] = dq

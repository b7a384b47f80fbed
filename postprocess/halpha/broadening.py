r"""Hα absorption profile: linear Stark broadening with quasi-static wings (issue 4, point 2).

Theory, equations, sources and the validation table: docs/stark.md.  Summary:

Profile ("stark" mode)
----------------------
    phi = G_D (x) L_r (x) S,

with G_D the thermal + microturbulent Gaussian (1/e half width Delta lambda_D =
lambda_0 sqrt(2kT/m_H + xi^2)/c), L_r the Lorentzian of radiative + van der Waals damping
and S the Stark profile of ions and electrons.  S is built from the linear Stark pattern of
Hα (components X = 0 ... 8 with weights a_X, computed in ``stark_components.py``): each
component is shifted by X C F (C = 3 e a0 lambda_0^2 / (2 h c), F the ion microfield)
and Lorentz-broadened by electron impacts with its own half width gamma_X; the ion field
F follows the microfield distribution W_a(F/F0) of independent Debye-screened ions
(Holtsmark's method with the screened field (e/r^2)(1 + r/lambda_D) e^(-r/lambda_D): the
first term of the Baranger & Mozer 1959 expansion), F0 = 2 pi (4/15)^(2/3) e n_i^(2/3) =
2.603 e n_i^(2/3), a = r0/lambda_D (Hooper 1968; a = 0 is Holtsmark; 0.28, 0.42, 0.61 at
1e15, 1e16, 1e17 cm^-3 and 1e4 K); ion motion is included with the Brissaud-Frisch /
frequency-fluctuation model (field jumps at the rate nu, Brissaud & Frisch 1971; Calisti et
al. 2010).  In the
Laplace variable p (conjugate to the time t, whose unit is Å^-1 here because all widths
are expressed in Å):

    Ghat(p) = sum_X a_X int W(b) db / (p + nu + gamma_X + i X C F0 b)        (static + impact)
    Hhat(p) = Ghat(p) / (1 - nu Ghat(p))                                     (field jumps)
    S(dl)   = Re Hhat(i dl) / pi.

The b-integral is a function of one complex variable,
K_a(z) = int_0^inf K1(tau) exp(-z tau) dtau, with K1(tau) = d/dtau[tau Phi_a(tau)] the
cosine transform of the distribution of |F| (for any isotropic field with 3-D
characteristic function Phi(k), <cos(k|F|)> = d/dk [k Phi(k)]; Holtsmark: Phi = exp(-k^1.5),
screened: Phi_a = exp(-k^1.5 rho(0.9992 a sqrt(k))), ``microfield_characteristic``).
K_a is tabulated for |z| < 12 at a = 0, 0.1, ..., 1 (built on demand, linear in a) and
given by its asymptotic series beyond, so S costs a few table look-ups per point.

Electron impacts: gamma_X = (4 pi/3) n_e (hbar/m)^2 <1/v> f(X) Lambda, with the Coulomb
logarithm Lambda of a Debye-screened perturber field along a straight path (the weak
collisions give int x K1(x)^2 dx from rho_min/lambda_D instead of a sharp cut at lambda_D,
0.384 less; ``screened_collision_integral``) + 1/2 for the strong collisions.

Wings: for |dl| much larger than every width, S -> sum_X (a_X/2) 1.496 (X C F0)^(3/2)
|dl|^(-5/2) (quasi-static ions, Holtsmark) + <gamma>/(pi dl^2) (electron impact; the rate
nu cancels out of the Lorentzian tail in the Brissaud-Frisch model).  With a constant
impact width the electron term would win beyond a few Å at any density (its ratio to the
ion wing is ~1.4 (|dl|/10 Å)^(1/2) at 1e4 K, independent of n_e).  It does not, because an
electron passing at impact parameter rho acts as an impact only if rho/v < 1/Delta omega:
the Coulomb logarithm of the width falls with the offset (rho_max = min(lambda_D,
v/Delta omega), Griem 1974), reaching zero at the electron Weisskopf offset
Delta omega_W = 2kT e^(1/2 - gamma_E)/(n_u^2 hbar) (~900 Å at 1e4 K), beyond which the
electrons are quasi-static and add their own Holtsmark wing.  This offset dependence is
applied to the wings as an additive correction (``_wing_correction``; it vanishes where
the offset is smaller than v/lambda_D, i.e. in the core) and the profile is renormalised
to unit area.  ``far_wing_profile`` gives the resulting asymptotic form.

Doppler convolution: Re Hhat(eps + i dl)/pi is S convolved with a Lorentzian of half width
eps (Poisson integral; Hhat is analytic for Re p > 0).  We sample it with eps = 2h + the
radiative and van der Waals half width on a uniform grid of step h = Delta lambda_D / 4.5
that covers 1.25 times the largest requested offset + max(8 Delta lambda_D, 4 core
widths), subtract the Lorentzian that carries its dl^-2 tail (half width eps + gamma_f,
gamma_f = radiative + vdW + <gamma>), multiply the FFT of the residual by
exp(2 h t - (Delta lambda_D t / 2)^2) (Gaussian, with the extra Lorentzian of half width 2h
removed), add back the model's Voigt through its exact Fourier coefficients, subtract the
Voigt's periodic images analytically (``_convolve_doppler``) and interpolate back (6-point
Lagrange).  Only the neighbourhood of each requested offset enters, so the grid never has
to contain the line core.

"voigt" mode
------------
Doppler (x) Lorentzian of half width (lambda_0^2 / 4 pi c) (Gamma_rad + Gamma_vdW +
Gamma_Stark), with the RH/Lightweaver hydrogen Stark damping Gamma_Stark =
0.642 x 0.6 (n_u^2 - n_l^2) n_e^(2/3) s^-1 (n_e in cm^-3; Sutton 1978 as coded in
Lightweaver's ``HydrogenLinearStarkBroadening``), the same Gamma_rad and Gamma_vdW as in
"stark" mode.

Units: cgs inside; wavelengths and widths in Å; profiles in Å^-1.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numba import njit
from scipy import special
from scipy.special import gamma as gamma_function

from loopsim.constants import C_LIGHT, E_CHARGE, H_PLANCK, K_B, M_E, M_H, M_P

from .faddeeva import voigt_normalised
from .stark_components import stark_pattern

#: Hα wavelength in vacuum (Å); only widths depend on it (they scale as lambda_0^2)
HALPHA_WAVELENGTH_A = 6564.61
#: principal quantum numbers of Hα
N_UPPER, N_LOWER = 3, 2

HBAR = H_PLANCK / (2.0 * math.pi)
#: Bohr radius (cm), infinite nuclear mass
A0 = HBAR**2 / (M_E * E_CHARGE**2)
#: Holtsmark normal field factor: F0 = HOLTSMARK_FACTOR e n^(2/3) = 2.603 e n^(2/3)
HOLTSMARK_FACTOR = 2.0 * math.pi * (4.0 / 15.0) ** (2.0 / 3.0)
#: W(beta) -> HOLTSMARK_TAIL beta^(-5/2) for beta >> 1; = (2/pi) 2.5 Gamma(5/2) sin(3 pi/4)
HOLTSMARK_TAIL = (2.0 / math.pi) * 2.5 * math.gamma(2.5) * math.sin(0.75 * math.pi)
#: reduced mass of the emitter (H) and perturbing proton, for the ion-field fluctuation rate
MU_ION = M_H * M_P / (M_H + M_P)
#: polarisability of the perturbing ground-state H atom (cm^3), 9/2 a0^3
ALPHA_H = 4.5 * A0**3
#: Euler's constant
EULER_GAMMA = 0.5772156649015329

#: allowed input ranges (cgs); outside them halpha_profile raises ValueError
TEMPERATURE_RANGE = (1.0e2, 1.0e9)  # K
DENSITY_RANGE = (0.0, 1.0e20)  # cm^-3
VTURB_RANGE = (0.0, 1.0e8)  # cm/s
MODES = ("stark", "voigt")

# complex kernel table K(z), |Re z|, |Im z| <= _Z_TABLE, asymptotic series beyond
_Z_TABLE = 12.0
_N_TABLE = 801
_N_ASYM = 18
#: grid half-width beyond 1.25 x the largest offset: max(_REACH_DOPPLER D, _REACH_CORE core)
_REACH_DOPPLER = 8.0
_REACH_CORE = 4.0
#: grid step = Doppler width / _STEPS_PER_DOPPLER
_STEPS_PER_DOPPLER = 4.5
#: offsets beyond _FAR_DOPPLER D + _FAR_CORE core may be convolved by Gauss-Hermite
#: quadrature with _FAR_NODES nodes instead of on the grid (``_stark_far``)
_FAR_DOPPLER = 12.0
_FAR_CORE = 4.0
_FAR_NODES = 6
_GH_T, _GH_W = np.polynomial.hermite.hermgauss(_FAR_NODES)
#: per depth with more far offsets than this, the quadrature is evaluated on a grid of
#: _FAR_PER_DECADE nodes per decade of |offset| and interpolated (``_stark_far_interpolated``)
_FAR_PER_DECADE = 24


# ---------------------------------------------------------------------------------------
# widths (all half widths in Å)
# ---------------------------------------------------------------------------------------

def _per_angstrom(rate: np.ndarray | float) -> np.ndarray:
    """Angular-frequency half width (s^-1) -> wavelength half width (Å): lambda^2 w/(2 pi c)."""
    lam = HALPHA_WAVELENGTH_A * 1e-8
    return np.asarray(rate) * lam**2 / (2.0 * math.pi * C_LIGHT) * 1e8


def doppler_width(temperature: np.ndarray, v_turb: np.ndarray,
                  wavelength_A: float = HALPHA_WAVELENGTH_A) -> np.ndarray:
    """Doppler 1/e half width (Å): Delta lambda_D = lambda_0 sqrt(2 k T / m_H + xi^2) / c."""
    t = np.asarray(temperature, dtype=float)
    v = np.asarray(v_turb, dtype=float)
    return wavelength_A * np.sqrt(2.0 * K_B * t / M_H + v**2) / C_LIGHT


def holtsmark_field(n_ion: np.ndarray) -> np.ndarray:
    """Holtsmark normal field F0 = 2 pi (4/15)^(2/3) e n^(2/3) = 2.603 e n^(2/3) (statvolt/cm)."""
    return HOLTSMARK_FACTOR * E_CHARGE * np.asarray(n_ion, dtype=float) ** (2.0 / 3.0)


def stark_unit_A(n_ion: np.ndarray) -> np.ndarray:
    """Shift (Å) of the X = 1 Stark component in the field F0: (3/2) e a0 F0 lambda_0^2/(h c).

    Component X is shifted by X times this in a field F0 (linear Stark effect,
    Delta E = (3/2) e a0 F X; Bethe & Salpeter 1957, eq. 51.3).
    """
    lam = HALPHA_WAVELENGTH_A * 1e-8
    return 1.5 * E_CHARGE * A0 * holtsmark_field(n_ion) * lam**2 / (H_PLANCK * C_LIGHT) * 1e8


def debye_length(temperature: np.ndarray, n_e: np.ndarray) -> np.ndarray:
    """Electron Debye length (cm): sqrt(k T / (4 pi n_e e^2))."""
    return np.sqrt(K_B * np.asarray(temperature, dtype=float)
                   / (4.0 * math.pi * np.asarray(n_e, dtype=float) * E_CHARGE**2))


def screened_collision_integral(x: np.ndarray) -> np.ndarray:
    """L(x) = int_x^inf t K1(t)^2 dt = (x^2/2) [K0(x) K2(x) - K1(x)^2] (x > 0).

    Weak-collision integral of second-order impact theory for a Debye-screened perturber
    field along a straight path: the time integral of the transverse field of an electron
    passing at impact parameter rho is (2 e/(rho v)) (rho/lambda_D) K1(rho/lambda_D) (the
    parallel component integrates to zero), so int_rho_min^inf (d rho/rho) [x K1(x)]^2
    replaces the sharply cut ln(lambda_D/rho_min).  L(x) = ln(1/x) + ln 2 - gamma_E - 1/2
    + O(x^2 ln x) for x << 1: a sharp cutoff at lambda_D overestimates the logarithm by 0.384.
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        val = 0.5 * x**2 * (special.k0e(x) * special.kve(2, x) - special.k1e(x) ** 2) \
            * np.exp(-2.0 * x)
    return np.where(x > 0.0, np.maximum(np.nan_to_num(val, nan=0.0, posinf=0.0), 0.0), 0.0)


def electron_coulomb_logarithm(temperature: np.ndarray, n_e: np.ndarray) -> np.ndarray:
    """Lambda = < L(rho_min(v)/lambda_D) >_(1/v) + 1/2, floored at 1/2 (broadcasting).

    Griem (1974, Sect. 4.1) impact theory, rho_min(v) = n_u^2 hbar/(m v) (strong-collision
    radius) and + 1/2 for the strong collisions inside rho_min, with the perturbing
    electron's field Debye-screened along its path (``screened_collision_integral``: a smooth
    cut-off at lambda_D instead of a sharp one).  Averaged over a Maxwellian weighted by
    1/v (the weight of the impact width), i.e. over y = v^2/v_t^2 with weight e^-y
    (tabulated in ln x_t once, ``_mean_collision_integral``).  For lambda_D >> rho_min this is
    ln(lambda_D m v_t/(n_u^2 hbar)) - gamma_E/2 + ln 2 - gamma_E (v_t = sqrt(2kT/m)).
    """
    t = np.asarray(temperature, dtype=float)
    ne = np.asarray(n_e, dtype=float)
    v_t = np.sqrt(2.0 * K_B * t / M_E)
    with np.errstate(divide="ignore", invalid="ignore"):
        ln_x = np.log(N_UPPER**2 * HBAR / (M_E * v_t * debye_length(t, ne)))
    lam = _mean_collision_integral(np.nan_to_num(ln_x, nan=np.inf, neginf=-np.inf)) + 0.5
    return np.where(ne > 0.0, np.maximum(lam, 0.5), 0.5)


_LN_Y = np.linspace(-34.0, 4.0, 701)
_LN_Y_WEIGHT = np.exp(_LN_Y - np.exp(_LN_Y)) * (_LN_Y[1] - _LN_Y[0])


def _mean_collision_integral_direct(ln_x_t: np.ndarray) -> np.ndarray:
    """<L(x_t / sqrt(y))> = int L e^-y dy, by the trapezoid rule in ln y (-34 ... 4; the
    integrand decays double-exponentially at both ends)."""
    x = np.exp(np.asarray(ln_x_t, dtype=float)[..., None] - 0.5 * _LN_Y)
    return screened_collision_integral(x) @ _LN_Y_WEIGHT


_LN_X_GRID = np.linspace(-12.0, 6.0, 1801)
_MEAN_L_GRID = _mean_collision_integral_direct(_LN_X_GRID)


def _mean_collision_integral(ln_x_t: np.ndarray) -> np.ndarray:
    """<L> as a function of ln x_t: tabulated on -12 <= ln x_t <= 6 (step 0.01, linear
    interpolation, error < 1e-5); below, the small-x form -ln x_t - gamma_E/2 + ln 2 -
    gamma_E - 1/2 (error < 1e-9); above, 0 (< 1e-10)."""
    ln_x_t = np.asarray(ln_x_t, dtype=float)
    inside = np.interp(ln_x_t, _LN_X_GRID, _MEAN_L_GRID)
    small = -ln_x_t - 1.5 * EULER_GAMMA + math.log(2.0) - 0.5
    return np.where(ln_x_t < _LN_X_GRID[0], small, np.where(ln_x_t > _LN_X_GRID[-1], 0.0,
                                                              inside))


def electron_impact_hwhm(temperature: np.ndarray, n_e: np.ndarray) -> np.ndarray:
    """Electron-impact half widths (Å) of the Hα Stark components, shape (..., n_components).

        gamma_X = (4 pi/3) n_e (hbar/m)^2 <1/v> f(X) Lambda        (s^-1, angular HWHM)

    with <1/v> = sqrt(2 m / (pi k T)), f(X) the component-resolved impact factor (a0^2,
    stark_components.py; f(0) = 56, f(1) = 72, ...) and Lambda the Coulomb logarithm
    (``electron_coulomb_logarithm``).  Second-order impact theory without quenching
    (Griem, Kolb & Shen 1959; Griem 1974, eq. 4-53 in its diagonal form).
    """
    t = np.asarray(temperature, dtype=float)
    ne = np.asarray(n_e, dtype=float)
    inv_v = np.sqrt(2.0 * M_E / (math.pi * K_B * t))
    base = (4.0 * math.pi / 3.0) * ne * (HBAR / M_E) ** 2 * inv_v \
        * electron_coulomb_logarithm(t, ne)
    return _per_angstrom(base[..., None] * stark_pattern(N_UPPER, N_LOWER).impact_factor)


def ion_fluctuation_rate(temperature: np.ndarray, n_ion: np.ndarray) -> np.ndarray:
    """Rate of the ion-microfield jumps nu (as a width, Å): mean relative speed / r_0.

    nu = sqrt(8 k T / (pi mu)) / r_0, r_0 = (3 / (4 pi n_i))^(1/3), mu the H-proton reduced
    mass (the field-fluctuation rate of the frequency-fluctuation model, Calisti et al. 2010,
    Phys. Rev. E 81, 016406; Brissaud & Frisch 1971, JQSRT 11, 1767).
    """
    t = np.asarray(temperature, dtype=float)
    ni = np.asarray(n_ion, dtype=float)
    v_rel = np.sqrt(8.0 * K_B * t / (math.pi * MU_ION))
    return _per_angstrom(v_rel * (4.0 * math.pi * ni / 3.0) ** (1.0 / 3.0))


def _einstein_a(n_up: int, n_low: int, f_lu: float) -> float:
    """Shell-averaged A_ul (s^-1) = (8 pi^2 e^2 / (m c lambda^2)) (g_l/g_u) f_lu."""
    lam = 1.0 / (1.0 / n_low**2 - 1.0 / n_up**2) / 109677.58  # cm (Rydberg, H)
    return 8.0 * math.pi**2 * E_CHARGE**2 / (M_E * C_LIGHT * lam**2) * (n_low / n_up) ** 2 * f_lu


def radiative_damping() -> float:
    """Radiative damping of Hα, Gamma_rad = sum_l A_3l + A_21 (s^-1, FWHM in angular freq.).

    Oscillator strengths f(1-2) = 0.4162, f(1-3) = 0.07910, f(2-3) = 0.6407 (Wiese & Fuhr
    2009, J. Phys. Chem. Ref. Data 38, 565): Gamma_rad = 5.69e8 s^-1.
    """
    return (_einstein_a(3, 1, 0.07910) + _einstein_a(3, 2, 0.6407)
            + _einstein_a(2, 1, 0.4162))


def radiative_hwhm() -> float:
    """Radiative half width (Å): lambda^2 Gamma_rad / (4 pi c) = 6.5e-4 Å."""
    return float(_per_angstrom(0.5 * radiative_damping()))


def vdw_damping(temperature: np.ndarray, n_h: np.ndarray) -> np.ndarray:
    """Van der Waals damping by ground-state H (Unsöld 1955), Gamma_6 (s^-1, FWHM).

        Gamma_6 = 8.08 C6^(2/5) v^(3/5) n_H,   C6 = e^2 alpha_H |<r^2>_u - <r^2>_l| / hbar,
        v = sqrt(8 k T / (pi mu)),  <r^2>_n = (n^2/2)(3.5 n^2 + 2.5) a0^2

    (<r^2> averaged over the l-states of shell n: 153 a0^2 for n = 3, 33 a0^2 for n = 2),
    the same form as RH's and Lightweaver's ``VdWUnsold`` with unit scaling.
    """
    t = np.asarray(temperature, dtype=float)
    nh = np.asarray(n_h, dtype=float)

    def r2(n):
        return 0.5 * n**2 * (3.5 * n**2 + 2.5) * A0**2

    c6 = E_CHARGE**2 * ALPHA_H * abs(r2(N_UPPER) - r2(N_LOWER)) / HBAR
    v = np.sqrt(8.0 * K_B * t / (math.pi * (M_H / 2.0)))
    return 8.08 * c6**0.4 * v**0.6 * nh


def lightweaver_stark_damping(n_e: np.ndarray) -> np.ndarray:
    """RH/Lightweaver linear-Stark damping of Hα, Gamma (s^-1, FWHM): 0.642*0.6*5 n_e^(2/3).

    Sutton (1978, JQSRT 20, 333) as implemented in Lightweaver (``HydrogenLinearStark-
    Broadening``: a1 = 0.642 for Delta n = 1, C = a1 0.6 (n_u^2 - n_l^2)), n_e in cm^-3.
    RH 1.5D multiplies this by 4 pi 0.425 = 5.34; we follow Lightweaver, the code we
    compare with.
    """
    a1 = 0.642
    return a1 * 0.6 * (N_UPPER**2 - N_LOWER**2) * np.asarray(n_e, dtype=float) ** (2.0 / 3.0)


# ---------------------------------------------------------------------------------------
# Voigt
# ---------------------------------------------------------------------------------------

def voigt_profile(delta_lambda: np.ndarray, doppler_width_A: np.ndarray,
                  lorentz_hwhm_A: np.ndarray) -> np.ndarray:
    """Normalised Voigt profile (Å^-1): Gaussian exp(-(dl/D)^2)/(sqrt(pi) D) of 1/e half
    width D = ``doppler_width_A`` convolved with a Lorentzian of half width
    ``lorentz_hwhm_A``.  Arguments broadcast (numpy rules).  D must be > 0; the half width
    may be 0 (pure Gaussian).

    V = H(gamma/D, dl/D)/(sqrt(pi) D), H(a, v) = Re w(v + i a) the Voigt function (w the
    Faddeeva function), from the numba kernel of faddeeva.py: Weideman's (1994) 40-term
    rational expansion for |z| < 8, the asymptotic series of w beyond; <= 4e-9 relative
    to scipy's Faddeeva function for a >= 1e-6 (tests/test_halpha_broadening.py)."""
    d = np.asarray(doppler_width_A, dtype=float)
    if np.any(~(d > 0.0)):
        raise ValueError(f"doppler_width_A must be > 0 (Å), got min {np.min(d)!r}")
    g = np.asarray(lorentz_hwhm_A, dtype=float)
    if np.any(~(g >= 0.0)):
        raise ValueError(f"lorentz_hwhm_A must be >= 0 (Å), got min {np.min(g)!r}")
    return voigt_normalised(delta_lambda, d, g)


# ---------------------------------------------------------------------------------------
# the Holtsmark kernel K(z) and the Stark resolvent
# ---------------------------------------------------------------------------------------

@njit(cache=True)
def _build_kernel_table(z_max, n, nodes, wts, phi):
    """K(a + i y) on a square grid 0 <= a, y <= z_max (n x n), by Gauss-Legendre quadrature.

    K(z) = z int_0^inf tau Phi(tau) exp(-z tau) dtau = z int_0^umax 2 u^3 Phi(u^2)
    exp(-z u^2) du (tau = u^2 makes the integrand analytic; ``phi`` = Phi(u^2) at the nodes,
    exp(-u^3) for Holtsmark); the y-dependence is stepped by a recurrence in exp(-i dy u^2).
    """
    step = z_max / (n - 1)
    table = np.empty((n, n), dtype=np.complex128)
    m = nodes.size
    base = np.empty(m)
    u2 = np.empty(m)
    for j in range(m):
        u = nodes[j]
        u2[j] = u * u
        base[j] = wts[j] * 2.0 * u**3 * phi[j]
    rot = np.empty(m, dtype=np.complex128)
    for j in range(m):
        rot[j] = complex(math.cos(step * u2[j]), -math.sin(step * u2[j]))
    cur = np.empty(m, dtype=np.complex128)
    for ia in range(n):
        a = ia * step
        for j in range(m):
            cur[j] = base[j] * math.exp(-a * u2[j])
        for iy in range(n):
            s = 0.0 + 0.0j
            for j in range(m):
                s += cur[j]
                cur[j] *= rot[j]
            table[ia, iy] = complex(a, iy * step) * s
    return table


# ---------------------------------------------------------------------------------------
# Debye-shielded ion microfield (independent screened ions: first term of the
# Baranger-Mozer expansion)
# ---------------------------------------------------------------------------------------

#: c = SCREEN_C a sqrt(k): ratio of the range sqrt(e/kappa) of the reduced field to lambda_D
#: (k = kappa F0 the reduced conjugate variable, a = r0/lambda_D); = (5 pi)^(1/3)/sqrt(2 pi)
SCREEN_C = (5.0 * math.pi) ** (1.0 / 3.0) / math.sqrt(2.0 * math.pi)
#: rho(c) -> 1 - SCREEN_RHO1 c for c -> 0: (1/(6 I0)) int_0^inf (1 - (1+x)^2 e^(-2x))/x^2 dx,
#: the integral being exactly 3/2, I0 = (2 pi)^(3/2)/(15 pi)
SCREEN_RHO1 = 1.5 / (6.0 * (2.0 * math.pi) ** 1.5 / (15.0 * math.pi))
#: screening parameter a = r0/lambda_D of the kernel tables: nodes 0, 0.1, ..., A_MAX
#: (a is clamped to A_MAX: beyond it the plasma is strongly coupled and the independent-ion
#: model does not apply)
_A_STEP = 0.1
#: rho2 of rho(c) = 1 - rho1 c + rho2 c^2 + O(c^3): (1/(2 I0)) int_0^inf [s^2 j0'(1/s^2) + 1/3] ds
SCREEN_RHO2 = 0.35847
_SCREEN_B = SCREEN_RHO2 / SCREEN_RHO1**2
_GAMMA_45 = math.gamma(4.5)
_GAMMA_55 = math.gamma(5.5)
_GAMMA_65 = math.gamma(6.5)
_A_MAX = 1.0
_N_A = int(round(_A_MAX / _A_STEP)) + 1


def screening_parameter(temperature: np.ndarray, n_e: np.ndarray,
                        n_ion: np.ndarray | None = None) -> np.ndarray:
    """Hooper's (1968) screening parameter a = r0 / lambda_D, r0 = (3/(4 pi n_i))^(1/3) the
    mean ion distance, lambda_D the electron Debye length (``debye_length``)."""
    ne = np.asarray(n_e, dtype=float)
    ni = ne if n_ion is None else np.asarray(n_ion, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = (3.0 / (4.0 * math.pi * ni)) ** (1.0 / 3.0) / debye_length(temperature, ne)
    return np.where((ne > 0.0) & (ni > 0.0), a, 0.0)


_S_LOG = np.linspace(math.log(1e-3), math.log(1e5), 4001)


def _screening_integral(c: np.ndarray) -> np.ndarray:
    """I(c) = int_0^inf s^2 [1 - j0((1 + c s) e^(-c s) / s^2)] ds (trapezoid in ln s, tail
    ~ g^2/(6 s^2) beyond s = 1e5 added analytically)."""
    c = np.atleast_1d(np.asarray(c, dtype=float))[:, None]
    s = np.exp(_S_LOG)[None, :]
    g = (1.0 + c * s) * np.exp(-c * s)
    f = s**3 * (1.0 - np.sinc(g / s**2 / math.pi))
    s_end = math.exp(_S_LOG[-1])
    tail = (1.0 + c[:, 0] * s_end) ** 2 * np.exp(-2.0 * c[:, 0] * s_end) / (6.0 * s_end)
    return np.trapezoid(f, _S_LOG, axis=1) + tail


def screening_ratio(c: np.ndarray) -> np.ndarray:
    """rho(c) = I(c)/I(0): -ln Phi_a(k) = k^(3/2) rho(SCREEN_C a sqrt(k)) (see
    ``microfield_characteristic``); rho(0) = 1, rho ~ 1 - 0.748 c for small c."""
    return _screening_integral(c) / _screening_integral(0.0)[0]


def microfield_characteristic(k: np.ndarray, a: float) -> np.ndarray:
    """3-D characteristic function Phi_a(k) = <exp(i k.beta)> of the reduced ion field
    beta = F/F0 at a neutral point, for independent Debye-screened ions.

    Each ion at distance r contributes the field E(r) = (e/r^2)(1 + r/lambda_D) e^(-r/lambda_D)
    (Debye-Hueckel screening by the electrons); for independent ions
    -ln Phi = n int d^3r [1 - j0(kappa E(r))] (Holtsmark 1919 with the screened field: the
    first term of the Baranger & Mozer 1959 cluster expansion, the Debye-Hueckel model of
    Ecker 1957).  In reduced units -ln Phi_a(k) = k^(3/2) rho(c), c = 0.9987 a sqrt(k);
    a = 0 is Holtsmark, exp(-k^(3/2)).
    """
    k = np.asarray(k, dtype=float)
    if a == 0.0:
        return np.exp(-k**1.5)
    return np.exp(-k**1.5 * screening_ratio(SCREEN_C * a * np.sqrt(k.ravel())).reshape(k.shape))


def microfield_distribution(beta: np.ndarray, a: float) -> np.ndarray:
    """W_a(beta) = (2 beta/pi) int_0^inf k sin(k beta) Phi_a(k) dk (Gauss-Legendre on 0-60,
    40 x 120 nodes; for checks and plots, beta <~ 100; beta = F/F0, int W dbeta = 1;
    a = 0: Holtsmark)."""
    beta = np.atleast_1d(np.asarray(beta, dtype=float))
    x, w = np.polynomial.legendre.leggauss(120)
    edges = np.linspace(0.0, 60.0, 41)
    k = (0.5 * (edges[1:] - edges[:-1])[:, None] * (x[None, :] + 1.0) + edges[:-1, None]).ravel()
    wk = (0.5 * (edges[1:] - edges[:-1])[:, None] * w[None, :]).ravel()
    weight = wk * k * microfield_characteristic(k, a)
    out = np.empty(beta.shape)
    for i in range(0, beta.size, 256):  # chunks keep the sin matrix small
        out[i:i + 256] = np.sin(np.outer(beta[i:i + 256], k)) @ weight
    return 2.0 * beta / math.pi * out


_TABLES: dict[str, object] = {}


def _kernel_coefficients() -> np.ndarray:
    k = np.arange(_N_ASYM)
    return (-1.0) ** k * gamma_function(1.5 * k + 2.0) / gamma_function(k + 1.0)


def _kernel_table_for(a: float) -> np.ndarray:
    """K_a(z) table (|Re z|, |Im z| <= 12) for the screened microfield with parameter a."""
    if a == 0.0:
        u_max = 3.6  # exp(-u^3) = 5e-21
        m = 360
        phi_of = lambda u: np.exp(-u**3)  # noqa: E731
    else:
        u = np.geomspace(3.0, 60.0, 300)
        expo = u**3 * screening_ratio(SCREEN_C * a * u)
        u_max = float(u[np.flatnonzero(expo > 40.0)[0]])  # Phi_a < 4e-18 beyond
        # >= 4 nodes per cycle of exp(-i 12 u^2) (360 for the Holtsmark table)
        m = int(max(360.0, 4.0 * _Z_TABLE * u_max**2 / (2.0 * math.pi)))

        def phi_of(u):
            return np.exp(-u**3 * screening_ratio(SCREEN_C * a * u))
    x, w = np.polynomial.legendre.leggauss(m)
    nodes = 0.5 * u_max * (x + 1.0)
    wts = 0.5 * u_max * w
    return _build_kernel_table(_Z_TABLE, _N_TABLE, nodes, wts, phi_of(nodes))


def _kernel_tables(a_max: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(tables[n_a, n, n], built flags, coefficients): tables of K_a at the nodes
    a = 0, 0.1, ..., built on demand up to the node above a_max (~0.5-1 s each, once per
    process; the unbuilt rows of the array are never touched, so cost no memory)."""
    if not _TABLES:
        _TABLES["tables"] = np.empty((_N_A, _N_TABLE, _N_TABLE), dtype=np.complex128)
        _TABLES["built"] = np.zeros(_N_A, dtype=bool)
        _TABLES["c4"] = np.zeros((_N_A, 2))
        _TABLES["coeff"] = _kernel_coefficients()
    tables, built = _TABLES["tables"], _TABLES["built"]
    top = min(int(math.ceil(min(a_max, _A_MAX) / _A_STEP - 1e-9)), _N_A - 1)
    for i in range(top + 1):
        if not built[i]:
            tables[i] = _kernel_table_for(i * _A_STEP)
            built[i] = True
            if i > 0:  # C4, C45 from continuity at z = 12 i (see _kernel_far)
                a2 = SCREEN_RHO1 * SCREEN_C * i * _A_STEP
                z0 = complex(0.0, _Z_TABLE)
                miss = tables[i, 0, -1] - _kernel_far(z0, 1.0, a2, 0.0, 0.0, _TABLES["coeff"])
                b4, b45 = z0**-4, z0**-4.5
                mat = np.array([[b4.real, b45.real], [b4.imag, b45.imag]])
                _TABLES["c4"][i] = np.linalg.solve(mat, [miss.real, miss.imag])
    return tables, built, _TABLES["coeff"]


def _screening_nodes(a: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per depth: table index ia, interpolation weight wa (a = (ia + wa) A_STEP, clamped to
    A_MAX) and the far-kernel coefficients (A2, C4, C45), A2 = SCREEN_RHO1 SCREEN_C a, C4 and
    C45 interpolated between the nodes (see ``_kernel_far``).  The tables must be built."""
    a = np.clip(np.asarray(a, dtype=float), 0.0, _A_MAX)
    f = a / _A_STEP
    ia = np.minimum(np.floor(f).astype(np.int64), _N_A - 2)
    wa = f - ia
    wa = np.where(wa < 1e-12, 0.0, wa)
    c4 = _TABLES["c4"]
    corr = np.concatenate([(SCREEN_RHO1 * SCREEN_C * a)[..., None],
                           (1.0 - wa)[..., None] * c4[ia] + wa[..., None] * c4[ia + 1]], axis=-1)
    return ia, wa, np.ascontiguousarray(corr)


@njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _kernel_shielded(q, sigma, tables, ia, wa, a2, c4, c45, coeff):
    """K_a(q/sigma)/sigma for the screened microfield, a = (ia + wa) A_STEP; Re q > 0.

    Tables ia and ia + 1 (bilinear in z, linear in a) for |q/sigma| < z_max; beyond, the
    Holtsmark series plus the screening terms from -ln Phi_a = k^(3/2) - A2 k^2 + B k^(5/2)
    + ..., A2 = rho1 c/sqrt(k) = 0.748 (0.9992 a), B = rho2 A2^2/rho1^2 (``corr`` = A2):
    sigma^2/q^3 [6 A2 - Gamma(4.5) B u^(1/2) + (C4 + C45 u^(1/2)) u - Gamma(5.5) A2 u^(3/2)
    + 120 (B + A2^2/2) u^2 - Gamma(6.5) A2 B u^(5/2) + 360 A2 u^3], u = sigma/q (the known
    terms of e^(-k^1.5)(e^D - 1) up to k^5).  The coefficients C4, C45 of the next, not
    closed-form terms of D (k^3 and k^3.5: O(a^3), O(a^4)) are fixed per table node by
    continuity with the table at z = 12 i (real and imaginary part).
    """
    n = tables.shape[1]
    z_max = 12.0
    q2 = q.real * q.real + q.imag * q.imag
    if sigma * sigma * (z_max * z_max) > q2:
        z = q / sigma
        a = z.real
        y = z.imag
        flip = y < 0.0
        if flip:
            y = -y
        step = z_max / (n - 1)
        fa = a / step
        fy = y / step
        ja = min(int(fa), n - 2)
        jy = min(int(fy), n - 2)
        ta = fa - ja
        ty = fy - jy
        w00 = (1.0 - ta) * (1.0 - ty)
        w01 = (1.0 - ta) * ty
        w10 = ta * (1.0 - ty)
        w11 = ta * ty
        v = (w00 * tables[ia, ja, jy] + w01 * tables[ia, ja, jy + 1]
             + w10 * tables[ia, ja + 1, jy] + w11 * tables[ia, ja + 1, jy + 1])
        if wa > 0.0:
            v1 = (w00 * tables[ia + 1, ja, jy] + w01 * tables[ia + 1, ja, jy + 1]
                  + w10 * tables[ia + 1, ja + 1, jy] + w11 * tables[ia + 1, ja + 1, jy + 1])
            v = v + wa * (v1 - v)
        if flip:
            v = v.conjugate()
        return v / sigma
    return _kernel_far(q, sigma, a2, c4, c45, coeff)


@njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _kernel_far(q, sigma, a2, c4, c45, coeff):
    """Asymptotic K_a(q/sigma)/sigma for |q| >= 12 sigma: Holtsmark series
    sum_k c_k sigma^(1.5k) q^-(1.5k+1) plus the screening terms (``_kernel_shielded``)."""
    q2 = q.real * q.real + q.imag * q.imag
    inv = complex(q.real / q2, -q.imag / q2)
    ratio = sigma * inv
    # principal square root of ratio with real arithmetic (faster than the complex sqrt)
    x = ratio.real
    y = ratio.imag
    r = math.sqrt(x * x + y * y)
    root = complex(math.sqrt(0.5 * (r + x)), math.copysign(math.sqrt(max(0.5 * (r - x), 0.0)),
                                                           y))
    r15 = ratio * root
    term = inv + 0.0j
    total = coeff[0] * term
    small = 1e-11 * (abs(inv.real) + abs(inv.imag))
    for k in range(1, coeff.size):
        term *= r15
        add = coeff[k] * term
        total += add
        if abs(add.real) + abs(add.imag) < small:
            break
    if a2 * r * r > 1e-12:  # (the screening terms are below 1e-11 of K otherwise)
        # screening: Phi_a - Phi_H = e^(-k^1.5) (e^D - 1), D = A2 k^2 - B k^2.5 + O(k^3),
        # expanded to k^5 and Laplace-transformed term by term (k^s -> Gamma(s+2) z^-(s+1))
        b = _SCREEN_B * a2 * a2
        r2 = inv * ratio * ratio
        w2 = ratio * ratio
        total += r2 * (6.0 * a2 - _GAMMA_45 * b * root + ratio * (c4 + c45 * root)
                       - _GAMMA_55 * a2 * r15 + 120.0 * (b + 0.5 * a2 * a2) * w2
                       - _GAMMA_65 * a2 * b * w2 * root + 360.0 * a2 * w2 * ratio)
    return total


@njit(cache=True, fastmath=True, error_model="numpy", inline="always")
def _stark_resolvent(p, shift, weight, widths, nu, tables, ia, wa, a2, c4, c45, coeff):
    """Hhat(p) = Ghat/(1 - nu Ghat), Ghat = sum_X a_X K_a((p+nu+gamma_X)/(X s))/(X s).

    ``shift``: X s (Å) per component (0 for the central one), ``widths``: gamma_X (Å);
    ia, wa: the screening parameter's table node and weight, a2, c4, c45 the far-kernel
    coefficients (``_kernel_far``).
    """
    g = 0.0 + 0.0j
    for k in range(shift.size):
        q = p + nu + widths[k]
        if shift[k] == 0.0:
            g += weight[k] / q
        else:
            g += weight[k] * _kernel_shielded(q, shift[k], tables, ia, wa, a2, c4, c45, coeff)
    return g / (1.0 - nu * g)


# The loops over depths and offsets below run without NRT (``_nrt=False``, filling
# arrays allocated by their callers): with NRT numba increfs and decrefs the array
# arguments of every inlined kernel call, which was ~10 % of the problem build (perf,
# session 7).


@njit(cache=True)
def _stark_points(dl, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff):
    """Re Hhat(eps + i dl)/pi at the offsets dl (n_depth, n_lambda); per-depth parameters
    (``corr`` = (A2, C4, C45) per depth)."""
    out = np.empty(dl.shape)
    _stark_points_fill(out, dl, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff)
    return out


@njit(cache=True, _nrt=False)
def _stark_points_fill(out, dl, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff):
    nd, nl = dl.shape
    for i in range(nd):
        for j in range(nl):
            h = _stark_resolvent(complex(eps[i], dl[i, j]), shift[i], weight, widths[i], nu[i],
                                 tables, ia[i], wa[i], corr[i, 0], corr[i, 1], corr[i, 2],
                                 coeff)
            out[i, j] = h.real / math.pi


@njit(cache=True, fastmath=True, error_model="numpy")
def _stark_grid(n, step, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff, model):
    """Re Hhat(eps + i dl)/pi - model/(pi (dl^2 + model^2)) on the uniform grids
    dl = (j - n/2) step_i, one row per depth (``model`` = 0: no Lorentzian subtracted)."""
    out = np.empty((step.size, n))
    _stark_grid_fill(out, n, step, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff,
                     model)
    return out


@njit(cache=True, fastmath=True, error_model="numpy", _nrt=False)
def _stark_grid_fill(out, n, step, eps, shift, weight, widths, nu, tables, ia, wa, corr, coeff,
                     model):
    nd = step.size
    half = n // 2
    for i in range(nd):
        sh = shift[i]
        wd = widths[i]
        nui = nu[i]
        iai = ia[i]
        wai = wa[i]
        a2 = corr[i, 0]
        c4 = corr[i, 1]
        c45 = corr[i, 2]
        w = model[i]
        for j in range(half, n):  # the profile is even in dl: compute dl >= 0 and mirror
            x = (j - half) * step[i]
            h = _stark_resolvent(complex(eps[i], x), sh, weight, wd, nui,
                                 tables, iai, wai, a2, c4, c45, coeff)
            out[i, j] = (h.real - w / (x * x + w * w)) / math.pi
            if j > half:
                out[i, n - j] = out[i, j]
        x = -half * step[i]
        h = _stark_resolvent(complex(eps[i], x), sh, weight, wd, nui, tables,
                             iai, wai, a2, c4, c45, coeff)
        out[i, 0] = (h.real - w / (x * x + w * w)) / math.pi


@njit(cache=True, error_model="numpy")
def _stark_far(dl, far, eps, dop, nodes, gh_weights, shift, weight, widths, nu, tables, ia,
               wa, corr, coeff):
    """Gaussian (x) [Lorentzian (x) Stark] at the offsets flagged ``far`` (0 elsewhere) by
    Gauss-Hermite quadrature of the Doppler convolution:

        phi(dl) = pi^(-1/2) sum_q w_q Re Hhat(eps + i (dl - D t_q))/pi

    (t_q, w_q the nodes and weights for the weight e^(-t^2), D the Doppler width, eps the
    radiative + van der Waals half width).  Far from the core g(x) = Re Hhat(eps + i x)/pi
    is smooth over the Gaussian, a power law in x, so a few nodes suffice (see
    ``_far_offsets``)."""
    out = np.zeros(dl.shape)
    _stark_far_fill(out, dl, far, eps, dop, nodes, gh_weights, shift, weight, widths, nu,
                    tables, ia, wa, corr, coeff)
    return out


@njit(cache=True, error_model="numpy", _nrt=False)
def _stark_far_fill(out, dl, far, eps, dop, nodes, gh_weights, shift, weight, widths, nu, tables,
                    ia, wa, corr, coeff):
    nd, nl = dl.shape
    norm = 1.0 / (math.pi * math.sqrt(math.pi))
    for i in range(nd):
        sh = shift[i]
        wd = widths[i]
        for j in range(nl):
            if not far[i, j]:
                continue
            total = 0.0
            for q in range(nodes.size):
                h = _stark_resolvent(complex(eps[i], dl[i, j] - dop[i] * nodes[q]), sh, weight,
                                     wd, nu[i], tables, ia[i], wa[i], corr[i, 0], corr[i, 1],
                                     corr[i, 2], coeff)
                total += gh_weights[q] * h.real
            out[i, j] = total * norm


@njit(cache=True, error_model="numpy")
def _stark_far_interpolated(dl, far, eps, dop, nodes, gh_weights, shift, weight, widths, nu,
                            tables, ia, wa, corr, coeff):
    """``_stark_far`` evaluated per depth at |offsets| u_j = r_lo 10^(j/_FAR_PER_DECADE)
    spanning the depth's far offsets (r_lo the nearest) and interpolated to them, cubic
    Lagrange in (ln |dl|, ln phi) (the profile is even in dl, a power law with a slowly
    varying exponent out there): error <= 1e-6 relative (5e-7 measured over T = 4000 K -
    3 MK, n_e = 1e10 - 3e15 cm^-3, |dl| = 1 - 300 r_min;
    tests/test_halpha_broadening.py).  Depths with no more far offsets than nodes are
    evaluated directly.  Multiple rays' Doppler-shifted grids thus cost one set of nodes."""
    nd, nl = dl.shape
    out = np.zeros((nd, nl))
    h = math.log(10.0) / _FAR_PER_DECADE
    for i in range(nd):
        lo = np.inf
        hi = 0.0
        count = 0
        for j in range(nl):
            if far[i, j]:
                a = abs(dl[i, j])
                lo = min(lo, a)
                hi = max(hi, a)
                count += 1
        if count == 0:
            continue
        m = max(int(math.ceil(math.log(hi / lo) / h)) + 1, 4)
        if count <= m:
            out[i:i + 1] = _stark_far(dl[i:i + 1], far[i:i + 1], eps[i:i + 1], dop[i:i + 1],
                                      nodes, gh_weights, shift[i:i + 1], weight,
                                      widths[i:i + 1], nu[i:i + 1], tables, ia[i:i + 1],
                                      wa[i:i + 1], corr[i:i + 1], coeff)
            continue
        grid = np.empty((1, m))
        for k in range(m):
            grid[0, k] = lo * math.exp(h * k)
        values = _stark_far(grid, np.ones((1, m), dtype=np.bool_), eps[i:i + 1],
                            dop[i:i + 1], nodes, gh_weights, shift[i:i + 1], weight,
                            widths[i:i + 1], nu[i:i + 1], tables, ia[i:i + 1], wa[i:i + 1],
                            corr[i:i + 1], coeff)[0]
        log_values = np.log(values)
        ln_lo = math.log(lo)
        for j in range(nl):
            if not far[i, j]:
                continue
            u = (math.log(abs(dl[i, j])) - ln_lo) / h
            k0 = min(max(int(math.floor(u)) - 1, 0), m - 4)
            t = u - k0
            total = 0.0
            for a in range(4):
                w = 1.0
                for b in range(4):
                    if b != a:
                        w *= (t - b) / (a - b)
                total += w * log_values[k0 + a]
            out[i, j] = math.exp(total)
    return out


def _far_offsets(abs_dl: np.ndarray, step: np.ndarray, reach0: np.ndarray,
                 r_min: np.ndarray) -> np.ndarray:
    """Offsets (mask) to convolve by Gauss-Hermite quadrature (``_stark_far_interpolated``)
    instead of on the uniform grid.  Per depth the near offsets |dl| <= r and the far ones
    split where the number of resolvent evaluations is smallest: (1.25 r + reach0)/step for
    the grid (half of it, the profile being even) + _FAR_NODES per quadrature node, one
    node per far offset or, with more far offsets than that, _FAR_PER_DECADE nodes per
    decade of their span (at least 4); every far offset lies beyond ``r_min`` (Å) =
    _FAR_DOPPLER D + _FAR_CORE core widths, where the quadrature is exact to ~1e-8
    relative (tests/test_halpha_broadening.py).  All offsets on the grid is always a
    candidate."""
    nd, m = abs_dl.shape
    order = np.sort(abs_dl, axis=1)
    first_far = np.concatenate([order[:, 1:], np.full((nd, 1), np.inf)], axis=1)
    count = (m - 1 - np.arange(m))[None, :]
    valid = np.isfinite(first_far) & (first_far > 0.0)
    span = np.log10(order[:, -1:] / np.where(valid, first_far, 1.0), where=valid,
                    out=np.zeros((nd, m)))
    nodes = np.where(count > 0, np.maximum(np.ceil(_FAR_PER_DECADE * span) + 1, 4), 0)
    cost = (1.25 * order + reach0[:, None]) / step[:, None] \
        + _FAR_NODES * np.minimum(count, nodes)
    cost = np.where(first_far >= r_min[:, None], cost, np.inf)
    cut = order[np.arange(nd), np.argmin(cost, axis=1)]
    return abs_dl > cut[:, None]


# 1 / prod_{r != m} (m - r), r, m = -2..3: the quintic Lagrange weights' denominators
_LAGRANGE6_DENOMINATOR = np.array([1.0 / math.prod(m - r for r in range(-2, 4) if r != m)
                                   for m in range(-2, 4)])


@njit(cache=True)
def _interpolate_lagrange6(grid_values, step, dl):
    """Six-point (quintic Lagrange) interpolation from the uniform grids to the offsets dl."""
    nd, n = grid_values.shape
    nl = dl.shape[1]
    out = np.empty((nd, nl))
    denominator = _LAGRANGE6_DENOMINATOR
    for i in range(nd):
        for j in range(nl):
            u = dl[i, j] / step[i] + n // 2
            k = int(math.floor(u))
            k = min(max(k, 2), n - 4)
            t = u - k
            total = 0.0
            for m in range(-2, 4):
                w = denominator[m + 2]
                for r in range(-2, 4):
                    if r != m:
                        w *= t - r
                total += w * grid_values[i, k + m]
            out[i, j] = total
    return out


# ---------------------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------------------

def _check_depth_array(name: str, value, n_depth: int | None, allowed: tuple[float, float],
                       unit: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D (n_depth,), got shape {arr.shape}")
    if n_depth is not None and arr.shape[0] != n_depth:
        raise ValueError(f"{name} has shape {arr.shape}, expected ({n_depth},) like temperature")
    lo, hi = allowed
    bad = ~np.isfinite(arr) | (arr < lo) | (arr > hi)
    if np.any(bad):
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}[{i}] = {arr[i]!r} {unit} is outside the allowed range "
                         f"[{lo:g}, {hi:g}] {unit}")
    return arr


def _check_inputs(delta_lambda, temperature, n_e, n_perturber_neutral, v_turb, mode, n_ion):
    if mode not in MODES:
        raise ValueError(f"mode = {mode!r} is not allowed; allowed values: {MODES}")
    t = _check_depth_array("temperature", temperature, None, TEMPERATURE_RANGE, "K")
    nd = t.size
    ne = _check_depth_array("n_e", n_e, nd, DENSITY_RANGE, "cm^-3")
    nh = _check_depth_array("n_perturber_neutral", n_perturber_neutral, nd, DENSITY_RANGE,
                            "cm^-3")
    vt = _check_depth_array("v_turb", v_turb, nd, VTURB_RANGE, "cm/s")
    ni = ne if n_ion is None else _check_depth_array("n_ion", n_ion, nd, DENSITY_RANGE,
                                                      "cm^-3")
    dl = np.asarray(delta_lambda, dtype=float)
    if dl.ndim == 1:
        dl = np.broadcast_to(dl, (nd, dl.size))
    elif dl.ndim != 2 or dl.shape[0] != nd:
        raise ValueError(f"delta_lambda must have shape (n_lambda,) or (n_depth={nd}, "
                         f"n_lambda), got {dl.shape}")
    if not np.all(np.isfinite(dl)):
        raise ValueError("delta_lambda must be finite (Å)")
    return dl, t, ne, nh, vt, ni


# ---------------------------------------------------------------------------------------
# public profiles
# ---------------------------------------------------------------------------------------

def _stark_parameters(temperature, n_e, n_ion, ion_dynamics=True, shielded=True):
    """Per-depth Stark parameters: pattern, shifts X C F0, impact widths, jump rate nu and the
    screened-microfield kernel data (tables, ia, wa, corr, coeff)."""
    pattern = stark_pattern(N_UPPER, N_LOWER)
    unit = stark_unit_A(n_ion)
    shift = np.ascontiguousarray(unit[:, None] * pattern.shift[None, :])
    widths = np.ascontiguousarray(electron_impact_hwhm(temperature, n_e))
    nu = ion_fluctuation_rate(temperature, n_ion) if ion_dynamics else np.zeros_like(unit)
    a = screening_parameter(temperature, n_e, n_ion) if shielded else np.zeros_like(unit)
    tables, _, coeff = _kernel_tables(float(np.max(a, initial=0.0)))
    ia, wa, corr = _screening_nodes(a)
    kern = (tables, ia, np.ascontiguousarray(wa), np.ascontiguousarray(corr), coeff)
    return pattern, shift, widths, np.ascontiguousarray(nu, dtype=float), kern


def stark_profile(delta_lambda: np.ndarray, temperature: np.ndarray, n_e: np.ndarray,
                  n_ion: np.ndarray | None = None, ion_dynamics: bool = True,
                  shielded: bool = True) -> np.ndarray:
    """Pure Stark profile S (Å^-1) of Hα (ions + electrons; no Doppler, radiative, vdW).

    Shape (n_depth, n_lambda); ``ion_dynamics=False`` gives the static-ion limit (nu = 0),
    ``shielded=False`` the unscreened Holtsmark microfield instead of the Debye-screened one.
    Used for the width checks against Gigosos et al. (2003), whose Stark profiles exclude
    Doppler broadening.
    """
    zeros = np.zeros(np.atleast_1d(temperature).shape)
    dl, t, ne, _, _, ni = _check_inputs(delta_lambda, temperature, n_e, zeros, zeros, "stark",
                                        n_ion)
    if np.any(ne <= 0.0) or np.any(ni <= 0.0):
        raise ValueError("stark_profile needs n_e > 0 and n_ion > 0 (cm^-3)")
    pattern, shift, widths, nu, kern = _stark_parameters(t, ne, ni, ion_dynamics, shielded)
    return _stark_points(np.ascontiguousarray(dl), np.zeros_like(t), shift, pattern.weight,
                         widths, nu, *kern)


def _omega(dl_A: np.ndarray) -> np.ndarray:
    """Offset in Å -> angular frequency offset (rad/s): 2 pi c |dl| / lambda_0^2."""
    lam = HALPHA_WAVELENGTH_A * 1e-8
    return 2.0 * math.pi * C_LIGHT * np.abs(dl_A) * 1e-8 / lam**2


def electron_weisskopf_frequency(temperature: np.ndarray) -> np.ndarray:
    """Offset (rad/s) beyond which electrons act quasi-statically: where the frequency-
    dependent Coulomb logarithm (``electron_wing_logarithm``) reaches zero,
    Delta omega_W = 2 k T exp(1/2 - gamma_E) / (n_u^2 hbar)."""
    return 2.0 * K_B * np.asarray(temperature, dtype=float) * math.exp(0.5 - EULER_GAMMA) \
        / (N_UPPER**2 * HBAR)


def electron_wing_logarithm(dl_A: np.ndarray, temperature: np.ndarray,
                            n_e: np.ndarray) -> np.ndarray:
    """Coulomb logarithm of the impact width at the offset dl (Å), broadcasting.

    Griem (1974, Sect. 4.1; Griem 1962, ApJ 136, 422): collisions slower than the offset,
    rho > v / Delta omega, no longer act as impacts, so rho_max = min(lambda_D, v/Delta omega).
    For v/Delta omega < lambda_D the velocity average of ln(m v^2 / (n^2 hbar Delta omega))
    + 1/2 gives ln(2kT/(n_u^2 hbar Delta omega)) - gamma_E + 1/2; the result is
    min(Lambda_0, that), floored at 0 (Delta omega > Delta omega_W: no impacts left).
    """
    t = np.asarray(temperature, dtype=float)
    lam0 = electron_coulomb_logarithm(t, n_e)
    with np.errstate(divide="ignore"):
        far = np.log(electron_weisskopf_frequency(t) / _omega(dl_A))
    return np.maximum(np.minimum(lam0, far), 0.0)


def _electron_wing_switch(dl_A, temperature):
    """S = x^2/(1 + x^2), x = Delta omega / Delta omega_W: share of the electrons' own
    quasi-static (Holtsmark) wing, switched on beyond the Weisskopf frequency."""
    x = _omega(dl_A) / electron_weisskopf_frequency(temperature)
    return x * x / (1.0 + x * x)


def _holtsmark_wing_amplitude(n_ion):
    """A = sum_X (a_X/2) 1.496 (X C F0)^(3/2) (Å^(3/2)): S -> A |dl|^-5/2 per side."""
    pattern = stark_pattern(N_UPPER, N_LOWER)
    return 0.5 * HOLTSMARK_TAIL * stark_unit_A(n_ion) ** 1.5 \
        * np.sum(pattern.weight * pattern.shift**1.5)


def _wing_correction(dl, temperature, n_e):
    """Electron wing beyond the constant-width impact core (added to phi, Å^-1):
    sum_X a_X gamma_X (Lambda(dl)/Lambda_0 - 1)/(pi dl^2) + A_e S |dl|^-5/2."""
    t = temperature[:, None]
    gam = (electron_impact_hwhm(temperature, n_e) @ stark_pattern(N_UPPER, N_LOWER).weight)
    lam0 = electron_coulomb_logarithm(temperature, n_e)[:, None]
    ratio = electron_wing_logarithm(dl, t, n_e[:, None]) / lam0 - 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        impact = np.where(ratio < 0.0, gam[:, None] * ratio / (math.pi * dl**2), 0.0)
        quasi = np.where(dl != 0.0, _holtsmark_wing_amplitude(n_e)[:, None]
                         * _electron_wing_switch(dl, t) * np.abs(dl) ** -2.5, 0.0)
    return impact + quasi


def _wing_correction_area(temperature, n_e):
    """Integral of ``_wing_correction`` over both wings (per depth), by quadrature in ln dl
    from the offset where Lambda(dl) first drops below Lambda_0 to 1e4 Weisskopf offsets
    (+ the analytic Holtsmark tail beyond)."""
    lam = HALPHA_WAVELENGTH_A * 1e-8
    to_a = lam**2 / (2.0 * math.pi * C_LIGHT) * 1e8
    w_w = electron_weisskopf_frequency(temperature)
    lam0 = electron_coulomb_logarithm(temperature, n_e)
    lo = w_w * np.exp(-lam0) * to_a * 1e-3
    hi = w_w * to_a * 1e4
    u = np.linspace(0.0, 1.0, 301)[None, :]
    x = lo[:, None] * (hi / lo)[:, None] ** u
    f = _wing_correction(x, temperature, n_e) * x
    area = np.trapezoid(f, u[0], axis=1) * np.log(hi / lo)
    tail = _holtsmark_wing_amplitude(n_e) * (2.0 / 3.0) * hi**-1.5
    return 2.0 * (area + tail)


def far_wing_profile(delta_lambda: np.ndarray, temperature: np.ndarray, n_e: np.ndarray,
                     n_perturber_neutral: np.ndarray,
                     n_ion: np.ndarray | None = None) -> np.ndarray:
    """Asymptotic "stark" profile for |dl| much larger than all core widths (Å^-1).

        phi -> [A_i + A_e S(dl)] |dl|^-5/2 + [sum_X a_X gamma_X Lambda(dl)/Lambda_0
               + gamma_rad + gamma_vdW] / (pi dl^2),

    A_i, A_e the Holtsmark wing amplitudes of the ion and electron fields
    (sum_X (a_X/2) 1.496 (X C F0)^(3/2)), S the quasi-static switch of the electrons and
    Lambda(dl) the offset-dependent Coulomb logarithm (``electron_wing_logarithm``), all
    divided by the same normalisation as ``halpha_profile``.  Shape (n_depth, n_lambda).
    """
    t = np.atleast_1d(np.asarray(temperature, dtype=float))
    ne = np.atleast_1d(np.asarray(n_e, dtype=float))
    nh = np.atleast_1d(np.asarray(n_perturber_neutral, dtype=float))
    ni = ne if n_ion is None else np.atleast_1d(np.asarray(n_ion, dtype=float))
    dl = np.atleast_2d(np.asarray(delta_lambda, dtype=float))
    pattern = stark_pattern(N_UPPER, N_LOWER)
    gam = electron_impact_hwhm(t, ne) @ pattern.weight
    lor = radiative_hwhm() + _per_angstrom(0.5 * vdw_damping(t, nh))
    lam = electron_wing_logarithm(dl, t[:, None], ne[:, None]) \
        / electron_coulomb_logarithm(t, ne)[:, None]
    wing = ((_holtsmark_wing_amplitude(ni)[:, None]
             + _holtsmark_wing_amplitude(ne)[:, None] * _electron_wing_switch(dl, t[:, None]))
            * np.abs(dl) ** -2.5 + (gam[:, None] * lam + lor[:, None]) / (math.pi * dl**2))
    return wing / (1.0 + _wing_correction_area(t, ne))[:, None]


@lru_cache(maxsize=4096)
def _fft_size(n: int) -> int:
    """Smallest 2^a 3^b 5^c >= n (fast FFT length)."""
    best = 1 << max(int(math.ceil(math.log2(max(n, 2)))), 1)
    m5 = 1
    while m5 < best:
        m35 = m5
        while m35 < best:
            m = m35
            while m < n:
                m *= 2
            best = min(best, m)
            m35 *= 3
        m5 *= 5
    return best + (best % 2)


def halpha_profile(delta_lambda: np.ndarray, temperature: np.ndarray, n_e: np.ndarray,
                   n_perturber_neutral: np.ndarray, v_turb: np.ndarray,
                   mode: str = "stark", n_ion: np.ndarray | None = None) -> np.ndarray:
    """Normalised Hα absorption profile phi(Δλ) in Å^-1, shape (n_depth, n_lambda).

    delta_lambda: Å from line centre, shape (n_lambda,) or (n_depth, n_lambda) (per-depth
    Doppler-shifted offsets, observer frame); temperature K, n_e cm^-3, n_perturber_neutral
    = neutral H density for van der Waals (cm^-3), v_turb microturbulence cm/s, all shape
    (n_depth,); n_ion = ion (proton) density for the quasi-static field (default n_e).

    mode "stark": Doppler (thermal + microturbulent) (x) radiative + van der Waals Lorentzian
    (x) Stark profile (linear Stark pattern of Hα, Debye-screened ion microfield with ion
    dynamics in the Brissaud-Frisch model, component-resolved electron-impact Lorentzians
    with a Debye-screened Coulomb logarithm that falls with the offset in the wings); far
    wings quasi-static, ∝ |Δλ|^-5/2 where the ion field dominates (see docs/stark.md).
    mode "voigt": Voigt with Lorentzian half width from Gamma_rad + Gamma_vdW + the
    RH/Lightweaver Stark damping (for the Lightweaver comparison).  Equations: module
    docstring and docs/stark.md.

    Allowed ranges (ValueError otherwise, naming the parameter): temperature 1e2-1e9 K,
    densities 0-1e20 cm^-3, v_turb 0-1e8 cm/s, mode in ("stark", "voigt").
    """
    dl, t, ne, nh, vt, ni = _check_inputs(delta_lambda, temperature, n_e, n_perturber_neutral,
                                          v_turb, mode, n_ion)
    dop = doppler_width(t, vt)
    gamma_rv = radiative_hwhm() + _per_angstrom(0.5 * vdw_damping(t, nh))
    if mode == "voigt":
        lor = gamma_rv + _per_angstrom(0.5 * lightweaver_stark_damping(ne))
        return voigt_profile(dl, dop[:, None], lor[:, None])

    pattern, shift, widths, nu, (tables, ia, wa, corr, coeff) = _stark_parameters(t, ne, ni)
    # uniform grid per depth, step D/4.5, covering 1.25 x the near offsets + max(8 D, 4 core
    # widths); the far offsets by Gauss-Hermite quadrature (``_far_offsets``)
    step = dop / _STEPS_PER_DOPPLER
    core = shift[:, -1] + widths.max(axis=1) + nu + gamma_rv
    reach0 = np.maximum(_REACH_DOPPLER * dop, _REACH_CORE * core)
    far = _far_offsets(np.abs(dl), step, reach0, _FAR_DOPPLER * dop + _FAR_CORE * core)
    near_dl = np.where(far, 0.0, dl)
    reach = 1.25 * np.max(np.abs(near_dl), axis=1) + reach0
    sizes = np.array([_fft_size(int(m) + 4) for m in np.ceil(2.0 * reach / step)])
    out = np.empty(dl.shape)
    for n in np.unique(sizes):  # depths grouped by FFT length
        rows = np.flatnonzero(sizes == n)
        out[rows] = _convolve_doppler(int(n), step[rows], dop[rows], gamma_rv[rows],
                                      shift[rows], pattern.weight, widths[rows], nu[rows],
                                      np.ascontiguousarray(near_dl[rows]), tables, ia[rows],
                                      wa[rows], corr[rows], coeff)
    if np.any(far):
        out = np.where(far, _stark_far_interpolated(np.ascontiguousarray(dl), far, gamma_rv,
                                                    dop, _GH_T, _GH_W, shift, pattern.weight,
                                                    widths, nu, tables, ia, wa, corr, coeff),
                       out)
    # electron wing beyond the impact core (offset-dependent logarithm, quasi-static
    # electrons beyond the Weisskopf offset), then renormalise to unit area
    out += _wing_correction(dl, t, ne)
    return out / (1.0 + _wing_correction_area(t, ne))[:, None]


def _convolve_doppler(n, step, dop, gamma_rv, shift, weight, widths, nu, dl, tables, ia, wa,
                      corr, coeff):
    """Gaussian (x) [Lorentzian (x) Stark] on n-point grids, interpolated to dl (see module doc).

    The samples are g = Re Hhat(eps + gamma_rv + i x)/pi with eps = 2 step (a Lorentzian of
    half width eps is added so that the grid resolves any Stark structure, and removed again
    in the Fourier domain), minus the Lorentzian L_w, w = eps + gamma_f, that carries g's
    x^-2 tail (gamma_f = gamma_rv + sum_X a_X gamma_X: the rate nu drops out of the tail in
    the Brissaud-Frisch model).  The residual falls as |x|^-5/2, so its periodic images and
    the truncation of its tails at the grid edges are negligible; it is Fourier-filtered by
    exp(eps t - (D t/2)^2).  The model's Doppler convolution, the Voigt V of half width
    gamma_f, is added through its exact Fourier coefficients exp(-gamma_f t - (D t/2)^2)/h,
    which give its periodic sum sum_m V(x + m P); the images m != 0 (Lorentzian tails,
    P >> D) are subtracted analytically:
    (gamma_f/pi) sum_{m != 0} (x + m P)^-2 = (gamma_f/pi) [(pi/P)^2/sin^2(pi x/P) - 1/x^2],
    P = n step.
    """
    eps = 2.0 * step
    gam_f = gamma_rv + widths @ weight
    grid = _stark_grid(n, step, eps + gamma_rv, shift, weight, widths, nu, tables, ia, wa, corr,
                       coeff, eps + gam_f)
    spec = np.fft.rfft(np.fft.ifftshift(grid, axes=1), axis=1)
    tt = 2.0 * math.pi * np.arange(spec.shape[1])[None, :] / (n * step[:, None])
    gauss = np.exp(-(0.5 * dop[:, None] * tt) ** 2)
    spec *= np.exp(eps[:, None] * tt) * gauss
    spec += np.exp(-gam_f[:, None] * tt) * gauss / step[:, None]
    conv = np.fft.fftshift(np.fft.irfft(spec, n=n, axis=1), axes=1)
    period = (n * step)[:, None]
    x = dl / period
    small = np.abs(x) < 1e-3
    xs = np.where(small, 1.0, x)
    images = np.where(small, math.pi**2 / 3.0 + math.pi**4 * x**2 / 15.0,
                      (math.pi / np.sin(math.pi * xs)) ** 2 - 1.0 / xs**2) / period**2
    return _interpolate_lagrange6(conv, step, dl) - gam_f[:, None] / math.pi * images


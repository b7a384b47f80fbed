"""Hα line profile with linear Stark broadening (postprocess.halpha.broadening).

References used here, all outside the module: the Stark-component intensities of Underhill
& Waddell (1959) / Bethe & Salpeter (1957, Table 19) and the oscillator strength
f(2-3) = 0.6407 (Wiese & Fuhr 2009); the Holtsmark distribution evaluated by direct
quadrature of its defining integral; the Debye-screened independent-ion microfield by direct
3-D quadrature of its characteristic function; the screened collision integral by
quadrature; the Gigosos, González & Cardeñoso (2003) fit of
computer-simulated Hα widths and the Model-Microfield-Method fit of Lomanowski et al.
(2015); scipy.special.voigt_profile with widths recomputed from constants in this file.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, special

from loopsim.constants import C_LIGHT, E_CHARGE, H_PLANCK, K_B, M_E, M_H
from postprocess.halpha import broadening as br
from postprocess.halpha.stark_components import stark_pattern

T4 = 1.0e4
LAMBDA_CM = 6564.61e-8


def fwhm(x: np.ndarray, p: np.ndarray) -> float:
    """Full width at half maximum of a symmetric profile sampled on x >= 0 (peak at x = 0)."""
    half = p[0] / 2.0
    i = int(np.flatnonzero(p < half)[0])
    return 2.0 * (x[i - 1] + (half - p[i - 1]) * (x[i] - x[i - 1]) / (p[i] - p[i - 1]))


# --------------------------------------------------------------------------- Stark pattern

def test_stark_pattern_reproduces_underhill_waddell_intensities():
    """pi: X=2,3,4,8 -> 1458, 4608, 3362, 2; sigma (one transverse axis): X=0,1,5,6 ->
    10980, 3872, 32, 36 (Underhill & Waddell 1959; Bethe & Salpeter 1957, Table 19)."""
    p = stark_pattern(3, 2)
    scale = 2.0 / p.pi[list(p.shift).index(8.0)]
    pi = dict(zip(p.shift, p.pi * scale, strict=True))
    sigma_x = dict(zip(p.shift, 0.5 * p.sigma * scale, strict=True))  # |x|^2 = half of x + y
    for x, ref in {2: 1458, 3: 4608, 4: 3362, 8: 2}.items():
        assert pi[x] == pytest.approx(ref, rel=1e-9)
        assert sigma_x[x] == pytest.approx(0.0, abs=1e-9)
    for x, ref in {0: 10980, 1: 3872, 5: 32, 6: 36}.items():
        assert sigma_x[x] == pytest.approx(ref, rel=1e-9)
        assert pi[x] == pytest.approx(0.0, abs=1e-9)
    assert p.weight.sum() == pytest.approx(1.0, rel=1e-12)


def test_stark_pattern_total_strength_matches_oscillator_strength():
    """S = 3 g_l f / (2 dE) (a.u.), g_l = 4, dE = 5/72 hartree, f(2-3) = 0.6407."""
    p = stark_pattern(3, 2)
    f = p.total_strength * 2.0 * (5.0 / 72.0) / (3.0 * 4.0)
    assert f == pytest.approx(0.6407, rel=2e-4)


def test_parabolic_energies():
    """Eigenvalues of z in shell n are (3/2) n (n1 - n2) a0 (Bethe & Salpeter eq. 51.3)."""
    from postprocess.halpha.stark_components import parabolic_states

    values, _ = parabolic_states(3)
    assert np.allclose(np.sort(values), [-9, -4.5, -4.5, 0, 0, 0, 4.5, 4.5, 9], atol=1e-9)


# --------------------------------------------------------------------------- microfield

def holtsmark(beta: float) -> float:
    """Holtsmark W(beta) = (2 beta / pi) int_0^inf k sin(k beta) exp(-k^1.5) dk (quadrature)."""
    val, _ = integrate.quad(lambda k: k * math.exp(-k**1.5), 0.0, 80.0, weight="sin",
                            wvar=beta, limit=400)
    return 2.0 * beta / math.pi * val


@pytest.mark.parametrize("beta", [0.3, 1.0, 1.6, 3.0, 8.0, 11.5, 25.0])
def test_kernel_reduces_to_holtsmark(beta):
    """(2/pi) Re K(0+ + i beta) = W(beta): the tabulated (|z| < 12) and asymptotic kernel
    of the unscreened field (a = 0: table node 0, no screening terms)."""
    tables, _, coeff = br._kernel_tables(0.0)
    value = br._kernel_shielded(complex(1e-12, beta), 1.0, tables, 0, 0.0, 0.0, 0.0, 0.0,
                                coeff).real * 2.0 / math.pi
    assert value == pytest.approx(holtsmark(beta), rel=1e-4)


@pytest.mark.parametrize("a", [0.3, 0.6])
def test_screened_microfield_independent_ions(a):
    """Debye-screened independent ions: W_a is normalised, its characteristic function
    matches a direct 3-D quadrature of -ln Phi = n int d^3r [1 - j0(kappa E(r))] with
    E = (e/r^2)(1 + r/lambda_D) exp(-r/lambda_D), and its small-k expansion has the exact
    coefficients rho1 = 1/(4 I0) and rho2 used in the far kernel."""
    beta = np.linspace(0.0, 60.0, 3001)
    w = br.microfield_distribution(beta, a)
    tail = 1.496 * 2.0 / 3.0 * 60.0**-1.5  # Holtsmark tail beyond (unchanged by screening)
    assert np.trapezoid(w, beta) + tail == pytest.approx(1.0, abs=2e-3)
    # direct quadrature, in units r0 = 1, e = 1, n = 3/(4 pi), F0 = 2.603 n^(2/3)
    n = 3.0 / (4.0 * math.pi)
    f0 = br.HOLTSMARK_FACTOR * n ** (2.0 / 3.0)
    for k in (0.3, 1.0, 3.0):
        kappa = k / f0

        def integrand(r, kappa=kappa):
            e = (1.0 + a * r) * math.exp(-a * r) / r**2
            return 4.0 * math.pi * n * r * r * (1.0 - np.sinc(kappa * e / math.pi))

        r_min = math.sqrt(kappa / 1e4)  # inside, kappa E > 1e4: 1 - sinc = 1 to 1e-4
        val = 4.0 * math.pi * n * r_min**3 / 3.0 + sum(
            integrate.quad(integrand, lo, hi, limit=400)[0]
            for lo, hi in ((r_min, 1.0), (1.0, 80.0 / a)))
        assert -math.log(br.microfield_characteristic(np.array([k]), a)[0]) == pytest.approx(
            val, rel=2e-4)
    c = np.array([0.08, 0.12])  # smaller c: quadrature noise / c^2
    rho = br.screening_ratio(c)
    assert br.SCREEN_RHO1 == pytest.approx(15.0 * math.pi / (4.0 * (2.0 * math.pi) ** 1.5))
    assert np.allclose((rho - 1.0 + br.SCREEN_RHO1 * c) / c**2, br.SCREEN_RHO2, atol=0.03)


@pytest.mark.parametrize("a", [0.3, 0.6, 1.0])
def test_screened_kernel_against_quadrature(a):
    """K_a(z) (table + far expansion) against z int tau Phi_a(tau) exp(-z tau) dtau."""
    tables, _, coeff = br._kernel_tables(a)
    ia, wa, corr = br._screening_nodes(np.array([a]))

    x, w = np.polynomial.legendre.leggauss(3000)
    u = 4.5 * (x + 1.0)  # Phi_a(u^2) < 1e-30 beyond u = 9 for a <= 1
    weight = 4.5 * w * 2.0 * u**3 * br.microfield_characteristic(u * u, a)

    def direct(z):
        return z * np.sum(weight * np.exp(-z * u * u))

    for z, tol in ((0.5 + 2j, 1e-5), (1e-6 + 5j, 1e-4), (3 + 8j, 1e-5), (0.01 + 12.1j, 1e-4),
                   (8 + 10j, 1e-3), (0.01 + 16j, 3e-4), (0.01 + 30j, 1e-4)):
        k = br._kernel_shielded(z, 1.0, tables, ia[0], wa[0], *corr[0], coeff)
        assert abs(k - direct(z)) / abs(direct(z)) < tol


def test_screened_collision_integral():
    """L(x) = int_x^inf t K1(t)^2 dt; L -> ln(1/x) + ln 2 - gamma_E - 1/2 for x -> 0."""
    for x in (1e-3, 0.1, 1.0, 3.0):
        ref = integrate.quad(lambda t: t * special.k1(t) ** 2, x, np.inf)[0]
        assert br.screened_collision_integral(x) == pytest.approx(ref, rel=1e-8)
    assert br.screened_collision_integral(1e-6) == pytest.approx(
        math.log(1e6) + math.log(2.0) - 0.5772156649 - 0.5, abs=1e-6)


def test_holtsmark_field_and_tail_constants():
    assert br.HOLTSMARK_FACTOR == pytest.approx(2.603, abs=5e-4)
    beta = 60.0
    assert holtsmark(beta) * beta**2.5 == pytest.approx(
        br.HOLTSMARK_TAIL * (1.0 + 5.107 * beta**-1.5), rel=2e-3)


# --------------------------------------------------------------------------- normalisation

@pytest.mark.parametrize("n_e,temperature", [(1e11, 6.0e3), (1e13, T4), (1e15, T4), (1e17, T4)])
def test_profile_is_normalised(n_e, temperature):
    """int phi = 1 within 1e-4: trapezoid on +-400 Å + the asymptotic wing beyond."""
    half = 400.0
    x = np.linspace(-half, half, 400_001)
    phi = br.halpha_profile(x, [temperature], [n_e], [1e14], [2e5])[0]
    tail, _ = integrate.quad(
        lambda d: br.far_wing_profile([d], [temperature], [n_e], [1e14])[0, 0], half, np.inf,
        limit=200)
    assert abs(np.trapezoid(phi, x) + 2.0 * tail - 1.0) < 1e-4
    assert np.all(phi > 0.0)
    # the computed profile joins the asymptotic wing
    assert phi[-1] == pytest.approx(
        br.far_wing_profile([half], [temperature], [n_e], [1e14])[0, 0], rel=0.05)


# --------------------------------------------------------------------------- far wings

@pytest.mark.parametrize("n_e", [1e15, 1e16])
def test_far_wing_slope_is_quasistatic(n_e):
    """Log-log slope -2.5 +- 0.1 over 30-300 Å (quasi-static wing; electron impacts there
    are weakened by the offset-dependent cut-off), while the Voigt mode gives -2."""
    x = np.geomspace(30.0, 300.0, 25)
    phi = br.halpha_profile(x, [T4], [n_e], [1e10], [0.0])[0]
    slope = np.polyfit(np.log(x), np.log(phi), 1)[0]
    assert slope == pytest.approx(-2.5, abs=0.1)
    voigt = br.halpha_profile(x, [T4], [n_e], [1e10], [0.0], mode="voigt")[0]
    assert np.polyfit(np.log(x), np.log(voigt), 1)[0] == pytest.approx(-2.0, abs=0.02)
    far = x >= 100.0  # beyond ~20 X C F0 the Holtsmark corrections (5.1 beta^-1.5) are small
    assert np.allclose(phi[far], br.far_wing_profile(x[far], [T4], [n_e], [1e10])[0],
                       rtol=0.02)


def test_ion_quasistatic_wing_alone_has_holtsmark_slope():
    """Static ions without electrons or Doppler: S -> A |dl|^-5/2 exactly (the Holtsmark
    wing; no Lorentzian)."""
    n_e = 1e15
    x = np.geomspace(30.0, 300.0, 20)  # beta > 20: Holtsmark corrections < 2 %
    pattern = stark_pattern(3, 2)
    unit = br.stark_unit_A(n_e)
    shift = np.ascontiguousarray((unit * pattern.shift)[None, :])
    zero = np.zeros((1, pattern.shift.size))
    for a in (0.0, br.screening_parameter(T4, n_e)):  # Holtsmark and Debye-screened field
        tables, _, coeff = br._kernel_tables(a)
        ia, wa, corr = br._screening_nodes(np.array([a]))
        s = br._stark_points(x[None, :], np.array([0.0]), shift, pattern.weight, zero,
                             np.array([0.0]), tables, ia, wa, corr, coeff)[0]
        assert np.polyfit(np.log(x), np.log(s), 1)[0] == pytest.approx(-2.5, abs=0.02)


# --------------------------------------------------------------------------- widths

GGC_DENSITIES = [1e15, 1e16, 1e17]


def stark_fwhm(n_e: float) -> float:
    x = np.linspace(0.0, 40.0 * br.stark_unit_A(n_e), 20_001)
    return fwhm(x, br.stark_profile(x, [T4], [n_e])[0])


@pytest.mark.parametrize("n_e", GGC_DENSITIES)
def test_stark_fwhm_against_gigosos_2003(n_e):
    """Gigosos, González & Cardeñoso (2003, Spectrochim. Acta B 58, 1489) fit to their
    computer simulations: FWHM = 1.098 nm (n_e / 1e23 m^-3)^0.67965, within 20 %."""
    ggc = 10.98 * (n_e / 1e17) ** 0.67965  # Å
    assert stark_fwhm(n_e) == pytest.approx(ggc, rel=0.2)


@pytest.mark.parametrize("n_e", [1e15, 1e16])
def test_stark_fwhm_against_model_microfield_method(n_e):
    """Lomanowski et al. (2015, Nucl. Fusion 55, 123028) fit to Stehlé's MMM Hα widths:
    FWHM = 3.71e-18 nm n_e[m^-3]^0.7665 / T_e[eV]^0.064, within 20 %.

    Not at 1e17 cm^-3: there the MMM fit (15.96 Å) is 1.45 x the GGC fit (10.98 Å), so no
    profile can be within 20 % of both (it would need 13.30 <= FWHM <= 13.18 Å); the
    acceptance criterion (issue 4) is the GGC fit.  Our ratio there is quoted in docs/stark.md.
    """
    mmm = 10.0 * 3.71e-18 * (n_e * 1e6) ** 0.7665 / (K_B * T4 / 1.602176634e-12) ** 0.064
    assert stark_fwhm(n_e) == pytest.approx(mmm, rel=0.2)


def test_ion_dynamics_broadens_low_density_core():
    """Static ions leave a narrow central component at 1e15 cm^-3 (width set by electrons);
    ion dynamics (field fluctuations) widens it, as in the simulations."""
    n_e = 1e15
    x = np.linspace(0.0, 40.0 * br.stark_unit_A(n_e), 20_001)
    static = fwhm(x, br.stark_profile(x, [T4], [n_e], ion_dynamics=False)[0])
    assert stark_fwhm(n_e) > 2.0 * static


# --------------------------------------------------------------------------- limits

def test_doppler_limit():
    """n_e -> 0, no neutrals: phi -> Gaussian (x) radiative Lorentzian; the Gaussian alone
    differs only by the radiative damping (2a/sqrt(pi) at line centre)."""
    x = np.linspace(-1.5, 1.5, 301)
    v_turb = 3.0e5
    dop = 6564.61 * math.sqrt(2.0 * K_B * T4 / M_H + v_turb**2) / (C_LIGHT * 1e8) * 1e8
    phi = br.halpha_profile(x, [T4], [1e3], [0.0], [v_turb])[0]
    gauss = np.exp(-(x / dop) ** 2) / (math.sqrt(math.pi) * dop)
    gamma_rad = br.radiative_hwhm()
    voigt = special.voigt_profile(x, dop / math.sqrt(2.0), gamma_rad)
    assert np.max(np.abs(phi - voigt)) / voigt.max() < 1e-4
    a = gamma_rad / dop
    assert np.max(np.abs(phi - gauss)) / gauss.max() < 2.0 * a / math.sqrt(math.pi) + 1e-3


def test_voigt_mode_matches_scipy():
    """mode "voigt" = scipy Voigt with D = lambda sqrt(2kT/m + xi^2)/c and half width
    lambda^2 (Gamma_rad + Gamma_vdW + Gamma_Stark)/(4 pi c), widths recomputed here."""
    t = np.array([6.0e3, 1.0e4, 2.0e4])
    ne = np.array([1e11, 1e13, 1e15])
    nh = np.array([1e16, 1e14, 1e12])
    vt = np.array([1e5, 3e5, 0.0])
    x = np.linspace(-5.0, 5.0, 201)
    phi = br.halpha_profile(x, t, ne, nh, vt, mode="voigt")
    a0 = (H_PLANCK / (2 * math.pi)) ** 2 / (M_E * E_CHARGE**2)
    hbar = H_PLANCK / (2 * math.pi)

    g_rad = br.radiative_damping()  # checked against the A values in the next test
    c6 = E_CHARGE**2 * 4.5 * a0**3 * (153.0 - 33.0) * a0**2 / hbar
    g_vdw = 8.08 * c6**0.4 * (8 * K_B * t / (math.pi * M_H / 2)) ** 0.3 * nh
    g_stark = 0.642 * 0.6 * 5.0 * ne ** (2.0 / 3.0)
    hwhm = LAMBDA_CM**2 * (g_rad + g_vdw + g_stark) / (4 * math.pi * C_LIGHT) * 1e8
    dop = 6564.61 * np.sqrt(2 * K_B * t / M_H + vt**2) / C_LIGHT
    ref = special.voigt_profile(x[None, :], dop[:, None] / math.sqrt(2.0), hwhm[:, None])
    assert np.max(np.abs(phi - ref) / ref) < 1e-6


def test_voigt_wing_series_matches_scipy():
    """voigt_profile takes |z| >= 8 from the asymptotic series of w(z): within 1e-8 of
    scipy's Voigt profile from the core to 1e3 Doppler widths, damping a = 1e-6 ... 10."""
    rng = np.random.default_rng(7)
    dop = 10.0 ** rng.uniform(-2.0, 0.0, 200)[:, None]
    hwhm = 10.0 ** rng.uniform(-6.0, 1.0, 200)[:, None] * dop
    u = np.geomspace(1e-3, 1e3, 400)
    x = np.concatenate((-u[::-1], u))[None, :] * dop * rng.uniform(0.5, 2.0, 200)[:, None]
    ref = special.voigt_profile(x, dop / math.sqrt(2.0), hwhm)
    np.testing.assert_allclose(br.voigt_profile(x, dop, hwhm), ref, rtol=1e-8, atol=0.0)


def test_voigt_function_against_scipy_wofz():
    """faddeeva.voigt_h(a, v) = Re w(v + i a) against scipy.special.wofz on a dense grid:
    a = 0 and 401 values 1e-6 ... 10 (log), v = 0, +-1e-3 ... +-1e3 (log) and -10 ... 10
    (step 0.005), i.e. every region of the kernel (Weideman's expansion for |z| < 8, the
    asymptotic series beyond, e^{-v^2} at a = 0).  Relative error <= 1e-8 (measured
    4e-9, at a = 1e-6 and v ~ 7, where H ~ a/(sqrt(pi) v^2) is 1e-8 of |w|), 6e-10 for
    a >= 1e-5; absolute <= 1e-11 everywhere (measured 2e-12 at a = 10, H ~ 0.06)."""
    from postprocess.halpha.faddeeva import voigt_h

    u = np.geomspace(1e-3, 1e3, 1500)
    v = np.concatenate((-u[::-1], [0.0], np.linspace(-10.0, 10.0, 4001), u))
    a = np.concatenate(([0.0], np.geomspace(1e-6, 10.0, 401)))[:, None]
    ref = special.wofz(v[None, :] + 1j * a).real
    h = voigt_h(a, v[None, :])
    assert h.shape == ref.shape
    err = np.abs(h - ref)
    assert np.all(ref[1:] > 0.0)
    assert np.max(err[1:] / ref[1:]) < 1e-8
    damped = np.broadcast_to(a >= 1e-5, ref.shape)
    assert np.max(err[damped] / ref[damped]) < 2e-9
    assert np.max(err) < 1e-11
    np.testing.assert_allclose(h[0], np.exp(-v**2), rtol=1e-14, atol=0.0)  # a = 0: Gaussian
    with pytest.raises(ValueError, match="damping"):
        voigt_h(-1.0, 0.0)


def _random_far_depths(seed: int, nd: int = 40):
    """nd random depths (T 4000 K - 3 MK, n_e 1e10 - 3e15, n_H 1e10 - 1e17 cm^-3, v_turb
    2 km/s): (dop, gamma, pattern, shift, widths, nu, kern, core, r_min) of the far-offset
    quadrature (Å)."""
    rng = np.random.default_rng(seed)
    t = np.exp(rng.uniform(math.log(4000.0), math.log(3e6), nd))
    ne = 10.0 ** rng.uniform(10.0, 15.5, nd)
    nh = 10.0 ** rng.uniform(10.0, 17.0, nd)
    dop = br.doppler_width(t, np.full(nd, 2e5))
    gamma = br.radiative_hwhm() + br._per_angstrom(0.5 * br.vdw_damping(t, nh))
    pattern, shift, widths, nu, kern = br._stark_parameters(t, ne, ne)
    core = shift[:, -1] + widths.max(axis=1) + nu + gamma
    r_min = br._FAR_DOPPLER * dop + br._FAR_CORE * core
    return dop, gamma, pattern, shift, widths, nu, kern, core, r_min


def test_far_offsets_gauss_hermite_against_direct_convolution():
    """Offsets beyond 12 D + 4 core widths may be Doppler-convolved by 6-node Gauss-Hermite
    quadrature instead of on the FFT grid: against a direct quadrature of the convolution
    (8001-point trapezoid over +-12 D) of Re Hhat(gamma + i x)/pi, over n_e = 1e10 ...
    3e15 cm^-3 and T = 4000 ... 3e6 K, the error is below 1e-6 relative (measured ~1e-9);
    the split puts only such offsets on the quadrature."""
    dop, gamma, pattern, shift, widths, nu, kern, core, r_min = _random_far_depths(11)
    nd = dop.size
    x = r_min[:, None] * np.geomspace(1.0, 30.0, 12)[None, :]

    def g(offsets):
        return br._stark_points(np.ascontiguousarray(offsets), gamma, shift, pattern.weight,
                                widths, nu, *kern)

    y = np.linspace(-12.0, 12.0, 8001)
    wy = np.exp(-y**2) / math.sqrt(math.pi) * (y[1] - y[0])
    ref = sum(w * g(x - dop[:, None] * yq) for w, yq in zip(wy, y, strict=True))
    quad = br._stark_far(x, np.ones(x.shape, dtype=bool), gamma, dop, br._GH_T, br._GH_W,
                         shift, pattern.weight, widths, nu, *kern)
    np.testing.assert_allclose(quad, ref, rtol=1e-6, atol=0.0)
    # a dense core grid plus sparse wing points: only wing points beyond r_min go far
    dl = np.concatenate((np.linspace(-6.0, 6.0, 601), np.geomspace(7.0, 40.0, 10)))
    dl = np.broadcast_to(dl, (nd, dl.size))
    step = dop / br._STEPS_PER_DOPPLER
    far = br._far_offsets(np.abs(dl), step, np.maximum(8.0 * dop, 4.0 * core), r_min)
    assert np.all(np.abs(dl)[far] >= np.broadcast_to(r_min[:, None], dl.shape)[far])
    assert np.any(far) and not np.any(far[:, :601])


def test_far_offsets_interpolated_between_quadrature_nodes():
    """The far offsets of many (Doppler-shifted) grids are served by the Gauss-Hermite
    quadrature at 24 nodes per decade of |offset| and cubic interpolation in log-log:
    against the quadrature at every offset (both signs), T = 4000 K ... 3 MK,
    n_e = 1e10 ... 3e15 cm^-3, |offset| = 1 ... 300 r_min, within 1e-6 relative."""
    dop, gamma, pattern, shift, widths, nu, kern, core, r_min = _random_far_depths(5)
    x = r_min[:, None] * np.geomspace(1.0, 300.0, 300)[None, :]
    x = np.ascontiguousarray(np.concatenate([x, -x[:, ::7] * 1.01], axis=1))
    args = (gamma, dop, br._GH_T, br._GH_W, shift, pattern.weight, widths, nu, *kern)
    everywhere = np.ones(x.shape, dtype=bool)
    direct = br._stark_far(x, everywhere, *args)
    interpolated = br._stark_far_interpolated(x, everywhere, *args)
    np.testing.assert_allclose(interpolated, direct, rtol=1e-6, atol=0.0)
    # few far offsets: evaluated directly; offsets not flagged far are left at zero
    few = np.zeros(x.shape, dtype=bool)
    few[:, -3:] = True
    got = br._stark_far_interpolated(x, few, *args)
    np.testing.assert_array_equal(got[:, -3:], direct[:, -3:])
    assert not np.any(got[:, :-3])


def test_radiative_damping_from_einstein_a():
    """Gamma_rad = A(3-1) + A(3-2) + A(2-1) = 5.575e7 + 4.410e7 + 4.699e8 s^-1 (shell-averaged
    values of Wiese & Fuhr 2009)."""
    assert br.radiative_damping() == pytest.approx(5.575e7 + 4.410e7 + 4.699e8, rel=2e-3)


def test_per_depth_offsets_and_voigt_helper():
    """(n_depth, n_lambda) offsets give the same rows as separate calls; voigt_profile
    broadcasts like the synthesis uses it."""
    x = np.linspace(-3.0, 3.0, 61)
    shifts = np.array([0.0, 0.7])
    rows = br.halpha_profile(x[None, :] - shifts[:, None], [8e3, 8e3], [1e14, 1e14],
                             [1e13, 1e13], [2e5, 2e5])
    single = br.halpha_profile(x - 0.7, [8e3], [1e14], [1e13], [2e5])[0]
    assert np.allclose(rows[1], single, rtol=1e-10)
    v = br.voigt_profile(x[None, :], np.array([[0.3], [0.4]]), np.array([[0.01], [0.0]]))
    assert v.shape == (2, 61)
    assert np.trapezoid(v[1], x) == pytest.approx(special.erf(3.0 / 0.4), rel=1e-4)


# --------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("kwargs,words", [
    (dict(n_e=[-1e12]), ["n_e", "-1000000000000.0", "cm^-3"]),
    (dict(temperature=[-5.0]), ["temperature", "-5.0", "K"]),
    (dict(temperature=[np.nan]), ["temperature", "nan"]),
    (dict(n_perturber_neutral=[-1.0]), ["n_perturber_neutral", "-1.0"]),
    (dict(v_turb=[-1.0]), ["v_turb", "-1.0"]),
    (dict(n_e=[1e12, 1e12]), ["n_e", "shape"]),
    (dict(mode="lorentz"), ["mode", "lorentz", "stark"]),
    (dict(delta_lambda=np.zeros((2, 5))), ["delta_lambda", "shape"]),
    (dict(n_ion=[-3.0]), ["n_ion", "-3.0"]),
])
def test_bad_input_raises_value_error_naming_the_parameter(kwargs, words):
    args = dict(delta_lambda=np.linspace(-1, 1, 5), temperature=[1e4], n_e=[1e12],
                n_perturber_neutral=[1e12], v_turb=[1e5])
    args.update(kwargs)
    with pytest.raises(ValueError) as err:
        br.halpha_profile(**args)
    for w in words:
        assert w in str(err.value)

r"""Statistical equilibrium of the model hydrogen atom by MALI (Rybicki & Hummer 1991).

Equations (cgs; i lower, j upper level of a transition t, rays with direction cosine mu
and weight w (sum over the sphere = 1), frequency weights w_nu (Hz))
------------------------------------------------------------------------------------
Per population, a transition absorbs with V_ij(nu), is stimulated with V_ji(nu) and emits
with U_ji(nu):

  line:       V_ij = (pi e^2/m_e c) f_ij phi_nu,   V_ji = (g_i/g_j) V_ij,
  continuum:  V_ij = alpha_i(nu),   V_ji = (n_i*/n_c) alpha_i e^{-h nu/kT},
              U_ji = (2 h nu^3/c^2) V_ji,

so chi_t = n_i V_ij - n_j V_ji and eta_t = n_j U_ji (n_i*/n_c = n_e Phi_i(T), Saha).
The radiative rates are R_ij = sum_rays w int (4 pi/h nu) V_ij I dnu and R_ji =
sum_rays w int (4 pi/h nu) (U_ji + V_ji I) dnu.

MALI: for each transition t the intensity is split as I = I_eff,t + Psi* eta_t with
Psi* = psi/chi the local (diagonal) operator of the short-characteristics solver acting on
the emissivity (extended to the neighbours below) and I_eff,t = I^old - Psi* eta_t^old
(the transition's own emission, as in Rybicki & Hummer 1991, 1992).  Substituting and
evaluating the opacity chi_t that multiplies Psi* with the old populations makes the
equations linear in the new populations; the net downward rate of transition t is

  D_t = n_j int [U_t (1 - chi_t^old Psi*) + V_ji I_eff,t] - n_i int V_ij I_eff,t,

which is exact at convergence (I_eff,t + Psi* eta_t = I), so the converged populations
do not depend on the preconditioning, only the convergence rate does.  Collisional rates
(thermal electrons, Johnson 1972) and the non-thermal beam rates (Fang et al. 1993) are
added.  The continuum population is either

  * ``ionisation = "fixed"`` (default for loop snapshots): n_c = n_p from the atmosphere
    (the run's non-equilibrium x_H), the four excited-level equations plus the neutral
    number n_1 + ... + n_5 = n_H - n_p;
  * ``ionisation = "solve"``: all six populations from statistical equilibrium with
    n_1 + ... + n_c = n_H (n_e held at the atmosphere's value).

Non-local operator (``operator = "tridiagonal"``, default; Olson, Auer & Buchler 1986;
Olson & Kunasz 1987; Rybicki & Hummer 1992 sec. 4): Psi* also keeps the dependence of
I_k on the source function at its upwind neighbour, psi_ku = w_u + e^{-x} psi_uu (u = k + 1
on upward rays, k - 1 on downward ones), so I = I_eff,t + sum_{l = k, k +- 1} Psi*_kl
eta_t,l and D_t,k gains the terms

  - n_j,l int chi_t,k^old Psi*_kl U_ji,l,   l = k +- 1,

coupling neighbouring depths: the populations of all depths follow from one
block-tridiagonal system (5 x 5 blocks for fixed ionisation, 6 x 6 otherwise) per
iteration (:func:`_solve_populations_tridiagonal`).  Its step is taken unless it gives a
negative population or differs from the local operator's step of the same iteration by
more than a factor e^3 (``TRI_TRUST``) anywhere: far from convergence (after the
nested-iteration transfer) the old opacity chi_t,k^old that multiplies the neighbours' new
emission can be off by orders of magnitude and the step overshoots.  Exact at convergence
like the local operator, so the converged populations are the same.

The formal solution of an iteration and its reduction to these rates are the kernel in
radiative_rates.py (:func:`radiative_rates`; with flows, mirrored pairs of rays share one
opacity).

Background scattering (Thomson, Rayleigh) emits sigma J; J is updated with the same
local operator (Jacobi ALI for coherent scattering, Olson, Auer & Buchler 1986):
J_new = (J_fs - L J_old) / (1 - L), L = sum over rays of w psi sigma/chi.  Ng (1974)
acceleration (second order, Auer 1987 form) is applied every few iterations.

Start and stopping rule: the iteration starts from escape-probability populations
(:func:`_escape_start`; on finely resolved atmospheres from a coarse-grid solution, with
flows on every ``coarse_wavelength_stride``-th wavelength, that itself starts that way)
and from J = 0 for the background scattering (the first Jacobi update gives J = B where
the continuum is thick). It stops when the estimated remaining error of the populations,
change r/(1 - r) with r the measured ratio of successive changes (bounded to [0.5,
0.99]), is below the tolerance; this is never looser than "max relative change <
tolerance". A depth whose largest relative change alternates in sign for
OSCILLATION_FLIPS iterations in a row (a period-2 limit cycle of the Bézier control
points, seen at the one-point edge of a dense cool blob) gets the linear interpolant on
its two intervals for the rest of the iteration. Hot top layers (T above
``thin_temperature``) are optically thin in hydrogen: their populations come from
collisions + spontaneous emission and recombination only (coronal
approximation), and the MALI covers the layers below.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.optimize import brentq

from loopsim.constants import C_LIGHT, H_PLANCK, K_B, M_H

from . import profiles
from .atmosphere import HE_ABUNDANCE, Atmosphere
from .atom import PI_E2_MC, HydrogenAtom, photoionisation_cross_section
from .continuum import background_opacity, planck_nu
from .radiative_rates import _accumulate

HALPHA = (2, 3)  # principal quantum numbers (lower, upper)
# a depth whose largest relative population change alternates in sign (above a tenth of
# the tolerance) this many iterations in a row is in a limit cycle of the Bézier formal
# solver: its two intervals fall back to the linear one (solve_statistical_equilibrium)
OSCILLATION_FLIPS = 40
# the tridiagonal operator's solution of an iteration is taken only if it has no negative
# population and stays within a factor e^TRI_TRUST of the local operator's solution of the
# same iteration (far from convergence, e.g. after the nested-iteration transfer, its
# linearisation can overshoot: see solve_statistical_equilibrium)
TRI_TRUST = 3.0
# with flows, every line's grid gets points at most this many Doppler units (v_char,
# build_problem) apart out to the largest flow shift + 3 units on both sides
FLOW_STEP = 1.0


@dataclass
class MaliSettings:
    """Numerical settings of the statistical-equilibrium solution."""

    ionisation: str = "fixed"  # "fixed" (n_c = n_p of the atmosphere) or "solve"
    halpha_broadening: str = "stark"  # "stark" or "voigt" (broadening.py modes)
    n_mu: int = 3  # Gauss-Legendre rays per hemisphere
    tolerance: float = 1e-3  # estimated max relative population error at convergence
    max_iterations: int = 300
    ng_period: int = 5  # Ng acceleration every this many iterations (0 = off)
    grid_scale: float = 1.0  # multiplies the number of wavelength points per transition
    order: int = 2  # formal solver: 1 linear, 2 quadratic Bézier
    beam: bool = True  # include non-thermal beam rates when the atmosphere has q_beam
    thin_temperature: float = 1e5  # K: hot top layers above this are optically thin (0: off)
    coarse_points: int = 80  # nested iteration: start fine grids from a coarse solution (0: off)
    # with flows (a line profile per ray), the coarse solution keeps every this-many-th
    # wavelength of the grid (plus every transition's end points): it is only the start,
    # so it may be cruder in frequency too (static atmospheres: all wavelengths, their
    # coarse solution shares the opacities between rays and is cheap; docs/halpha.md §8)
    coarse_wavelength_stride: int = 3
    escape_start: int = 6  # start from escape-probability populations (iterations; 0: LTE)
    operator: str = "tridiagonal"  # approximate operator: "diagonal" or "tridiagonal"

    def validate(self) -> None:
        if self.ionisation not in ("fixed", "solve"):
            raise ValueError(f"ionisation must be 'fixed' or 'solve', not {self.ionisation!r}")
        if self.halpha_broadening not in ("stark", "voigt"):
            raise ValueError("halpha_broadening must be 'stark' or 'voigt', not "
                             f"{self.halpha_broadening!r}")
        if self.operator not in ("diagonal", "tridiagonal"):
            raise ValueError("operator must be 'diagonal' or 'tridiagonal', not "
                             f"{self.operator!r}")
        if self.coarse_wavelength_stride < 1:
            raise ValueError("coarse_wavelength_stride must be >= 1, not "
                             f"{self.coarse_wavelength_stride}")
        if self.n_mu < 1:
            raise ValueError(f"n_mu = {self.n_mu} rays per hemisphere: must be >= 1")
        if not self.tolerance > 0:
            raise ValueError(f"tolerance = {self.tolerance}: must be > 0")
        if self.max_iterations < 1:
            raise ValueError(f"max_iterations = {self.max_iterations}: must be >= 1")
        if not 0.25 <= self.grid_scale <= 8.0:
            raise ValueError(f"grid_scale = {self.grid_scale}: must be in [0.25, 8] (the "
                             "factor on the wavelength points per transition)")


@dataclass
class MaliResult:
    populations: np.ndarray  # [6, n] cm^-3, levels n = 1..5 and the continuum
    iterations: int
    converged: bool
    max_change: float
    j_mean: np.ndarray  # [n_lambda, n] mean intensity on the SE grid
    problem: Problem
    tridiagonal_iterations: int = 0  # iterations that took the tridiagonal operator's step


def gauss_legendre_rays(n_mu: int) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights on mu in (0, 1], weights summing to 1."""
    x, w = np.polynomial.legendre.leggauss(n_mu)
    return 0.5 * (x + 1.0), 0.5 * w


def _line_offsets(n_points: int, q_wing: float, dq_core: float) -> np.ndarray:
    """Symmetric offsets (Doppler units) x = A sinh(b t), t in [-1, 1], x(1) = q_wing and
    spacing dq_core at line centre."""
    half = (n_points - 1) // 2
    ratio = q_wing / (dq_core * half)
    if ratio <= 1.0:
        b = 1e-6
    else:
        b = brentq(lambda s: np.sinh(s) / s - ratio, 1e-9, 60.0)
    t = np.linspace(-1.0, 1.0, 2 * half + 1)
    return q_wing * np.sinh(b * t) / np.sinh(b)


@dataclass
class Problem:
    """Everything the MALI kernels need, as plain arrays (see :func:`build_problem`)."""

    atmosphere: Atmosphere
    atom: HydrogenAtom
    settings: MaliSettings
    lam: np.ndarray  # [L] vacuum Å
    nu: np.ndarray  # [L] Hz
    t_lower: np.ndarray
    t_upper: np.ndarray
    t_isline: np.ndarray
    t_lo: np.ndarray
    t_hi: np.ndarray
    t_weight: np.ndarray  # [T, L] Hz
    t_sig0: np.ndarray  # [T] pi e^2 f / m c (lines)
    t_gratio: np.ndarray  # [T] g_i/g_j (lines)
    t_alpha: np.ndarray  # [T, L] cm^2 (continua)
    line_off: np.ndarray  # [T] offset into phi
    phi: np.ndarray  # [n_pdir, P, n] Hz^-1
    act_ptr: np.ndarray  # [L + 1] CSR pointers into act_idx
    act_idx: np.ndarray
    # [L] with flows: the wavelength mirrored about the centre of the only line active
    # there (same opacity for the opposite ray; radiative_rates.py), -1 elsewhere
    mirror: np.ndarray
    nstar_nc: np.ndarray  # [5, n] n_i*/n_c = n_e Phi_i
    kappa: np.ndarray  # [L, n]
    sigma: np.ndarray  # [L, n]
    planck: np.ndarray  # [L, n]
    stim: np.ndarray  # [L, n] e^{-h nu/kT}
    rates: np.ndarray  # [n, 6, 6] collisional + beam, [to, from]
    mu: np.ndarray
    wmu: np.ndarray
    # (vacuum wavelengths, mu, phi_lambda [n, m]) of Hα for the emergent spectrum, or None
    halpha_spectrum: tuple | None = None


def _line_profile_arrays(atmos: Atmosphere, atom: HydrogenAtom, line, grid_lam: np.ndarray,
                         mu_signed: float | list[float], mode: str,
                         n_he: np.ndarray, extra: tuple[np.ndarray, float] | None = None):
    """phi_lambda (Å^-1), shape (n_depth, n_lambda), in the frame of a ray with signed
    direction cosine ``mu_signed`` (+ upward toward the observer): a downward velocity v
    (away from the observer) shifts the profile to the red by lambda_0 v mu / c.

    With a list of direction cosines the result is (n_dir, n_depth, n_lambda), computed in
    one call of the profile function (the Stark profile's cost hardly depends on the
    number of offsets).  ``extra`` = (wavelengths, mu): the profile on a second grid for
    one more direction, computed in the same call; then (profiles, extra profile (n_depth,
    n_extra)) is returned."""
    lam0 = line.wavelength
    mus = np.atleast_1d(np.asarray(mu_signed, dtype=float))
    shift = lam0 * atmos.velocity[None, :] * mus[:, None] / C_LIGHT  # Å, (n_dir, n)
    # (n, n_dir * n_lambda): direction-major blocks of offsets
    delta = (grid_lam[None, None, :] - lam0 - shift[:, :, None]).transpose(1, 0, 2)
    delta = delta.reshape(atmos.n_depth, -1)
    n_main = delta.shape[1]
    if extra is not None:
        ex_shift = lam0 * atmos.velocity * float(extra[1]) / C_LIGHT
        delta = np.hstack([delta, np.asarray(extra[0])[None, :] - lam0 - ex_shift[:, None]])
    delta = np.ascontiguousarray(delta)
    if (line.lower + 1, line.upper + 1) == HALPHA:
        prof = profiles.halpha(delta, atmos.temperature, atmos.n_e, atmos.n_neutral,
                               atmos.v_turb, mode)
    else:
        gamma = atom.damping(line, atmos.temperature, atmos.n_e, atmos.n_neutral, n_he)
        hwhm = lam0**2 * 1e-8 * gamma / (4.0 * np.pi * C_LIGHT)
        dop = profiles.doppler_width(lam0, atmos.temperature, atmos.v_turb)
        prof = profiles.voigt(delta, dop, hwhm)
    prof_extra = prof[:, n_main:]
    prof = prof[:, :n_main].reshape(atmos.n_depth, mus.size, grid_lam.size).transpose(1, 0, 2)
    prof = prof if np.ndim(mu_signed) else prof[0]
    return prof if extra is None else (prof, prof_extra)


def _trapezoid_weights(nu: np.ndarray) -> np.ndarray:
    """Trapezoidal quadrature weights (Hz) on the frequencies ``nu`` (either order)."""
    dnu = np.abs(np.diff(nu))
    w = np.zeros(nu.size)
    w[:-1] += 0.5 * dnu
    w[1:] += 0.5 * dnu
    return w


def _active_transitions(t_lo: np.ndarray, t_hi: np.ndarray,
                        n_lam: int) -> tuple[np.ndarray, np.ndarray]:
    """Per wavelength, the transitions whose grid range [t_lo, t_hi] contains it, in
    transition order, as CSR (pointers [n_lam + 1], indices)."""
    la_index = np.arange(n_lam)[:, None]
    active = (t_lo[None, :] <= la_index) & (la_index <= t_hi[None, :])  # [L, T]
    ptr = np.concatenate(([0], np.cumsum(active.sum(axis=1)))).astype(np.int64)
    return ptr, np.nonzero(active)[1].astype(np.int64)


def _profile_rows(t_isline: np.ndarray, t_lo: np.ndarray,
                  t_hi: np.ndarray) -> tuple[np.ndarray, int]:
    """Per transition, the first row of its line profile in ``Problem.phi`` (one row per
    wavelength of its range, lines only), and the number of rows."""
    line_off = np.zeros(t_lo.size, np.int64)
    total = 0
    for it in range(t_lo.size):
        if t_isline[it]:
            line_off[it] = total
            total += int(t_hi[it] - t_lo[it] + 1)
    return line_off, total


def _mirrorable_lines(atom: HydrogenAtom, grids: list[np.ndarray]) -> list[int]:
    """Transition indices of the lines whose wavelength range overlaps no other line's
    and contains no end of a continuum's range (``grids``: per transition, lines first)."""
    lines = [it for it, tr in enumerate(atom.transitions) if tr.kind == "line"]
    ends = [e for it, g in enumerate(grids) if it not in lines for e in (g.min(), g.max())]
    out = []
    for it in lines:
        lo, hi = grids[it].min(), grids[it].max()
        clear = all(grids[o].max() < lo or grids[o].min() > hi for o in lines if o != it)
        if clear and not any(lo <= e <= hi for e in ends):
            out.append(it)
    return out


def _mirror_pairs(lam: np.ndarray, t_lo: np.ndarray, t_hi: np.ndarray,
                  centres: list[float], lines: list[int], t_weight: np.ndarray) -> np.ndarray:
    """Per wavelength, its mirror image about the centre of the line of ``lines`` whose
    range holds it (-1 elsewhere), for ranges that are symmetric about the line centre
    (``centres``, Å) to 1e-5 Å; their quadrature weights are made symmetric (in place),
    so that mirrored profiles keep their normalisation."""
    mirror = np.full(lam.size, -1, np.int64)
    for it, centre in zip(lines, centres, strict=True):
        lo, hi = int(t_lo[it]), int(t_hi[it])
        offsets = lam[lo:hi + 1] - centre
        if (hi - lo) % 2 or np.max(np.abs(offsets + offsets[::-1])) > 1e-5:
            continue
        mirror[lo:hi + 1] = np.arange(hi, lo - 1, -1)
        t_weight[it, lo:hi + 1] = 0.5 * (t_weight[it, lo:hi + 1] + t_weight[it, lo:hi + 1][::-1])
    return mirror


def _opacity_wavelengths(lam: np.ndarray, mirror: np.ndarray, t_lo: np.ndarray,
                         t_hi: np.ndarray, transitions: list) -> np.ndarray:
    """Wavelengths (Å) at which the background and continuum opacities are evaluated: the
    line centre across each mirrored line range (so that mirrored rays see the same
    opacity; their emissivities keep their own wavelength), ``lam`` elsewhere."""
    out = lam.copy()
    for it, tr in enumerate(transitions):
        if tr.kind == "line" and mirror[t_lo[it]] == t_hi[it] and t_hi[it] > t_lo[it]:
            out[t_lo[it]:t_hi[it] + 1] = tr.wavelength
    return out


def build_problem(atmos: Atmosphere, settings: MaliSettings | None = None,
                  atom: HydrogenAtom | None = None,
                  spectrum: tuple[np.ndarray, float] | None = None) -> Problem:
    """Wavelength grid, opacities, profiles and rates for one atmosphere.

    With flows, every line that no other line overlaps gets a wavelength range of its own
    points, symmetric about its centre, across which the opacities of everything but the
    line (background, continua) are taken at line centre: the up and down rays of a
    mirrored pair of wavelengths then share one opacity (``Problem.mirror``;
    radiative_rates.py, docs/halpha.md section 5).

    ``spectrum`` = (vacuum wavelengths, mu) of the emergent spectrum to come: its Hα
    profile is computed in the same call as the statistical-equilibrium one (most of the
    Stark profile's cost is per call) and kept in ``Problem.halpha_spectrum``."""
    settings = settings or MaliSettings()
    settings.validate()
    atom = atom or HydrogenAtom(settings.grid_scale)
    n = atmos.n_depth
    t = atmos.temperature
    chrom = t < 1e5
    sel = chrom if np.any(chrom) else np.ones(n, bool)
    v_char = max(5e5, float(np.median(np.sqrt(2 * K_B * t[sel] / M_H + atmos.v_turb[sel] ** 2))))
    v_flow = float(np.max(np.abs(atmos.velocity[sel]))) if np.any(atmos.velocity) else 0.0
    moving = v_flow > 0.05 * v_char

    # ---- wavelength grid: union of the transitions' grids -------------------------------
    grids = []
    for tr in atom.lines:
        x = _line_offsets(tr.n_points, tr.q_wing, 0.6)
        if moving:  # resolve the flow-shifted cores: symmetric, spacing <= FLOW_STEP
            span = v_flow / v_char + 3.0
            steps = int(np.ceil(span / FLOW_STEP))
            x = np.union1d(x, np.arange(-steps, steps + 1) * (span / steps))
        grids.append(tr.wavelength * (1.0 + x * v_char / C_LIGHT))
    for tr in atom.continua:
        # nu from the edge to 4 nu_edge, denser near the edge
        s = np.linspace(0.0, 1.0, tr.n_points)
        grids.append(tr.wavelength / (1.0 + 3.0 * s**2))
    # with flows, lines that no other line overlaps get ranges of their own points only,
    # symmetric about the centre (radiative_rates.py: mirrored pairs of rays)
    mirrored = _mirrorable_lines(atom, grids) if moving else []
    kept = []
    for it, g in enumerate(grids):
        for im in mirrored:
            if im != it:
                g = g[(g < grids[im].min()) | (g > grids[im].max())]
        kept.append(g)
    lam = np.unique(np.round(np.concatenate(kept), 6))
    nu = C_LIGHT / (lam * 1e-8)
    n_lam = lam.size

    trs = atom.transitions
    n_t = len(trs)
    t_lower = np.array([tr.lower for tr in trs], dtype=np.int64)
    t_upper = np.array([tr.upper for tr in trs], dtype=np.int64)
    t_isline = np.array([tr.kind == "line" for tr in trs])
    t_lo = np.zeros(n_t, np.int64)
    t_hi = np.zeros(n_t, np.int64)
    t_weight = np.zeros((n_t, n_lam))
    t_alpha = np.zeros((n_t, n_lam))
    t_sig0 = np.zeros(n_t)
    t_gratio = np.zeros(n_t)
    for it, (tr, g) in enumerate(zip(trs, grids, strict=True)):
        lo = int(np.searchsorted(lam, g.min() - 1e-6))
        hi = int(np.searchsorted(lam, g.max() + 1e-6)) - 1
        t_lo[it], t_hi[it] = lo, hi
        t_weight[it, lo:hi + 1] = _trapezoid_weights(nu[lo:hi + 1])
        if tr.kind == "line":
            t_sig0[it] = PI_E2_MC * tr.f
            t_gratio[it] = atom.g[tr.lower] / atom.g[tr.upper]
    mirror = _mirror_pairs(lam, t_lo, t_hi, [trs[it].wavelength for it in mirrored],
                           mirrored, t_weight)
    mirrored = [it for it in mirrored if mirror[t_lo[it]] == t_hi[it]]
    # opacities other than the lines' are taken at line centre across a mirrored range
    lam_opacity = _opacity_wavelengths(lam, mirror, t_lo, t_hi, trs)
    for it, tr in enumerate(trs):
        if tr.kind != "line":
            lo, hi = t_lo[it], t_hi[it]
            t_alpha[it, lo:hi + 1] = photoionisation_cross_section(tr.lower + 1,
                                                                   lam_opacity[lo:hi + 1])

    # ---- active transitions per wavelength (CSR) -----------------------------------------
    ptr, idx = _active_transitions(t_lo, t_hi, n_lam)

    # ---- rays and line profiles ----------------------------------------------------------
    mu, wmu = gauss_legendre_rays(settings.n_mu)
    n_he = HE_ABUNDANCE * atmos.n_h
    dirs = [1.0] if not moving else list(mu) + list(-mu)
    line_off, total = _profile_rows(t_isline, t_lo, t_hi)
    phi = np.zeros((len(dirs), total, n))
    halpha_spectrum = None
    # the optically thin hot top (solve_statistical_equilibrium) needs no line profiles
    k_thin = _thin_top(atmos, settings.thin_temperature)
    patm = atmos.slice(k_thin) if k_thin else atmos
    for it, tr in enumerate(trs):
        if tr.kind != "line":
            continue
        lo, hi = t_lo[it], t_hi[it]
        grid = lam[lo:hi + 1]
        extra = None
        if spectrum is not None and (tr.lower + 1, tr.upper + 1) == HALPHA:
            extra = (np.array(spectrum[0], dtype=float), float(spectrum[1]))
        # mirrored lines: the down rays' profiles are the up rays' mirrored (below)
        own_dirs = list(mu) if it in mirrored else list(dirs) if moving else [0.0]
        all_dirs = _line_profile_arrays(patm, atom, tr, grid, own_dirs,
                                        settings.halpha_broadening, n_he[k_thin:], extra)
        if extra is not None:
            all_dirs, low = all_dirs
            sp = np.empty((n, extra[0].size))
            sp[k_thin:] = low
            if k_thin:
                sp[:k_thin] = _line_profile_arrays(atmos.slice(0, k_thin), atom, tr, extra[0],
                                                   extra[1], settings.halpha_broadening,
                                                   n_he[:k_thin])
            halpha_spectrum = (extra[0], extra[1], sp)
        for p, prof in enumerate(all_dirs):  # prof: (n - k_thin, P)
            norm = prof @ t_weight[it, lo:hi + 1]  # per depth, "per Hz" normalisation
            # a profile shifted off its grid (fast hot plasma, no neutral H) is dropped
            ok = norm > 1e-3 * np.max(norm)
            scaled = np.where(ok[:, None], prof / np.where(ok, norm, 1.0)[:, None], 0.0)
            phi[p, line_off[it]:line_off[it] + hi - lo + 1, k_thin:] = scaled.T
        if it in mirrored:
            rows = slice(line_off[it], line_off[it] + hi - lo + 1)
            phi[len(own_dirs):, rows] = phi[:len(own_dirs), rows][:, ::-1]

    # ---- background, LTE factors and collisional rates ----------------------------------
    kappa, sigma = background_opacity(lam_opacity, t, atmos.n_e, atmos.n_neutral, atmos.n_p)
    planck = planck_nu(lam[:, None], t[None, :])
    nu_opacity = C_LIGHT / (lam_opacity * 1e-8)
    stim = np.exp(-H_PLANCK * nu_opacity[:, None] / (K_B * t[None, :]))
    nstar_nc = atom.saha_factor(t) * atmos.n_e[None, :]
    rates = atom.collision_matrix(t, atmos.n_e)
    if settings.beam and atmos.q_beam is not None and np.any(atmos.q_beam > 0):
        rates = rates + atom.beam_matrix(atmos.q_beam, atmos.n_h)
    return Problem(atmos, atom, settings, lam, nu, t_lower, t_upper, t_isline, t_lo, t_hi,
                   t_weight, t_sig0, t_gratio, t_alpha, line_off, np.ascontiguousarray(phi),
                   ptr, idx, mirror, nstar_nc, kappa, sigma, planck, stim, rates, mu, wmu,
                   halpha_spectrum)


def radiative_rates(prob: Problem, pops: np.ndarray, jold: np.ndarray, order: int,
                    linear: np.ndarray, c_minus: np.ndarray, c_plus: np.ndarray,
                    gamma_nl: np.ndarray) -> np.ndarray:
    """One formal solution of ``prob`` with populations ``pops`` [6, n] (cm^-3): the
    preconditioned radiative rate matrix gamma [n, 6, 6] (s^-1, [to, from]); updates the
    background-scattering J ``jold`` [L, n] in place and, for the tridiagonal operator,
    fills ``c_minus``, ``c_plus`` [T, n] and ``gamma_nl`` [n, 6, 6] (shapes [0, n] and
    [0, 6, 6] for the diagonal operator).  ``linear`` [n - 1] flags intervals that use the
    linear interpolant whatever ``order``.  The kernel: radiative_rates.py."""
    return _accumulate(pops, jold, prob.nu, prob.atmosphere.height, prob.t_lower, prob.t_upper,
                       prob.t_isline, prob.t_lo, prob.t_weight, prob.t_sig0, prob.t_gratio,
                       prob.t_alpha, prob.line_off, prob.phi, prob.act_ptr, prob.act_idx,
                       prob.mirror, prob.nstar_nc, prob.kappa, prob.sigma, prob.planck,
                       prob.stim, prob.mu, prob.wmu, order, linear, c_minus, c_plus, gamma_nl)


@njit(cache=True)
def _gauss_solve(a, b):
    """Solve a x = b (small dense system, one right-hand side; b contiguous) with
    :func:`_gauss_solve_multi`; a and b are overwritten, b holds x.  False for a singular a."""
    return _gauss_solve_multi(a, b.reshape((b.size, 1)))


@njit(cache=True)
def _rate_matrix(gamma, rates, k):
    """Rate matrix G[to, from] at depth k: radiative gamma (with its own diagonal) plus the
    collisional rates, whose outflow sum_m rates[m, l] goes on the diagonal."""
    nl = gamma.shape[1]
    g = gamma[k] + rates[k]
    for lv in range(nl):
        s = 0.0
        for m in range(nl):
            if m != lv:
                s += rates[k, m, lv]
        g[lv, lv] -= s
    return g


@njit(cache=True)
def _solve_populations(gamma, rates, n_h, n_p, fixed, pops_old):
    """Solve the linear statistical-equilibrium systems at every depth.

    gamma (radiative, with its own diagonal) + rates (collisional, off-diagonal) form the
    rate matrix G[to, from]; one row is replaced by particle conservation (see the module
    docstring).  A singular system keeps the old populations at that depth."""
    n, nl, _ = gamma.shape
    nb = nl - 1
    out = np.empty((nl, n))
    for k in range(n):
        g = _rate_matrix(gamma, rates, k)
        if fixed:
            out[nb, k] = n_p[k]
            if n_h[k] - n_p[k] <= 0.0:
                for lv in range(nb):
                    out[lv, k] = 0.0
                continue
            a = np.empty((nb, nb))
            rhs = np.empty(nb)
            for row in range(1, nb):
                for col in range(nb):
                    a[row, col] = g[row, col]
                rhs[row] = -g[row, nb] * n_p[k]
            for col in range(nb):
                a[0, col] = 1.0
            rhs[0] = n_h[k] - n_p[k]
            ok = _gauss_solve(a, rhs)
            for lv in range(nb):
                out[lv, k] = rhs[lv] if ok else pops_old[lv, k]
        else:
            big = 0
            for lv in range(nl):
                if pops_old[lv, k] > pops_old[big, k]:
                    big = lv
            rhs = np.zeros(nl)
            for col in range(nl):
                g[big, col] = 1.0
            rhs[big] = n_h[k]
            ok = _gauss_solve(g, rhs)
            for lv in range(nl):
                out[lv, k] = rhs[lv] if ok else pops_old[lv, k]
    return out


@njit(cache=True)
def _gauss_solve_multi(a, b):
    """Solve a x = b for the columns of b (small dense system, Gaussian elimination with
    partial pivoting); a and b are overwritten, b holds x.  False for a singular a."""
    n, m = b.shape
    for col in range(n):
        piv = col
        big = abs(a[col, col])
        for row in range(col + 1, n):
            if abs(a[row, col]) > big:
                big = abs(a[row, col])
                piv = row
        if big == 0.0 or not np.isfinite(big):
            return False
        if piv != col:
            for c2 in range(n):
                tmp = a[col, c2]
                a[col, c2] = a[piv, c2]
                a[piv, c2] = tmp
            for c2 in range(m):
                tmp = b[col, c2]
                b[col, c2] = b[piv, c2]
                b[piv, c2] = tmp
        for row in range(col + 1, n):
            f = a[row, col] / a[col, col]
            if f != 0.0:
                for c2 in range(col, n):
                    a[row, c2] -= f * a[col, c2]
                for c2 in range(m):
                    b[row, c2] -= f * b[col, c2]
    for row in range(n - 1, -1, -1):
        for c2 in range(m):
            acc = b[row, c2]
            for k in range(row + 1, n):
                acc -= a[row, k] * b[k, c2]
            b[row, c2] = acc / a[row, row]
    return True


@njit(cache=True)
def _solve_populations_tridiagonal(gamma, c_minus, c_plus, t_lower, t_upper, rates, n_h, n_p,
                                   fixed, pops_old):
    """The statistical-equilibrium systems of all depths at once with the non-local
    operator's coupling (:func:`radiative_rates`): at depth k

        A_k n_k + B_k n_k-1 + C_k n_k+1 = r_k,

    A_k the local rate matrix of :func:`_solve_populations` (same conservation row, same
    treatment of a known continuum, whose neighbour terms go to r_k), B_k and C_k from the
    coefficients c^-_t,k, c^+_t,k of n_j,k+-1 in the net downward rate D_t,k of each
    transition t = (i, j): B_k[i, j] += c^-, B_k[j, j] -= c^- (likewise C_k); the
    conservation row has no neighbour terms.  Solved by block-tridiagonal (block Thomas)
    elimination, X_k = (A_k - B_k X_k-1)^-1 C_k, y_k = (A_k - B_k X_k-1)^-1 (r_k - B_k
    y_k-1), n_k = y_k - X_k n_k+1, with partial pivoting inside each block.  A singular
    block gives NaN everywhere."""
    n, nl, _ = gamma.shape
    nb = nl - 1
    nu = nb if fixed else nl
    amat = np.zeros((n, nu, nu))
    bmat = np.zeros((n, nu, nu))
    cmat = np.zeros((n, nu, nu))
    rhs = np.zeros((n, nu))
    bfull = np.zeros((nl, nl))
    cfull = np.zeros((nl, nl))
    n_t = t_lower.size
    for k in range(n):
        g = _rate_matrix(gamma, rates, k)
        bfull[:] = 0.0
        cfull[:] = 0.0
        for t in range(n_t):
            i = t_lower[t]
            j = t_upper[t]
            bfull[i, j] += c_minus[t, k]
            bfull[j, j] -= c_minus[t, k]
            cfull[i, j] += c_plus[t, k]
            cfull[j, j] -= c_plus[t, k]
        if fixed:
            if n_h[k] - n_p[k] <= 0.0:  # fully ionised: no bound populations
                for lv in range(nb):
                    amat[k, lv, lv] = 1.0
                continue
            for row in range(1, nb):
                r = -g[row, nb] * n_p[k]
                if k > 0:
                    r -= bfull[row, nb] * n_p[k - 1]
                if k < n - 1:
                    r -= cfull[row, nb] * n_p[k + 1]
                rhs[k, row] = r
                for col in range(nb):
                    amat[k, row, col] = g[row, col]
                    bmat[k, row, col] = bfull[row, col]
                    cmat[k, row, col] = cfull[row, col]
            for col in range(nb):
                amat[k, 0, col] = 1.0
            rhs[k, 0] = n_h[k] - n_p[k]
        else:
            big = 0
            for lv in range(nl):
                if pops_old[lv, k] > pops_old[big, k]:
                    big = lv
            for row in range(nl):
                for col in range(nl):
                    if row == big:
                        amat[k, row, col] = 1.0
                    else:
                        amat[k, row, col] = g[row, col]
                        bmat[k, row, col] = bfull[row, col]
                        cmat[k, row, col] = cfull[row, col]
            rhs[k, big] = n_h[k]
    # block Thomas elimination
    xmat = np.zeros((n, nu, nu))
    yvec = np.zeros((n, nu))
    work = np.empty((nu, nu))
    aug = np.empty((nu, nu + 1))
    ok = True
    for k in range(n):
        for row in range(nu):
            for col in range(nu):
                acc = amat[k, row, col]
                if k > 0:
                    for m in range(nu):
                        acc -= bmat[k, row, m] * xmat[k - 1, m, col]
                work[row, col] = acc
                aug[row, col] = cmat[k, row, col]
            acc = rhs[k, row]
            if k > 0:
                for m in range(nu):
                    acc -= bmat[k, row, m] * yvec[k - 1, m]
            aug[row, nu] = acc
        if not _gauss_solve_multi(work, aug):
            ok = False
            break
        for row in range(nu):
            for col in range(nu):
                xmat[k, row, col] = aug[row, col]
            yvec[k, row] = aug[row, nu]
    out = np.empty((nl, n))
    if ok:
        for k in range(n - 1, -1, -1):
            for row in range(nu):
                acc = yvec[k, row]
                if k < n - 1:
                    for m in range(nu):
                        acc -= xmat[k, row, m] * out[m, k + 1]
                out[row, k] = acc
                ok = ok and np.isfinite(acc)
    if not ok:  # singular block: no solution (the caller takes the local one)
        out[:] = np.nan
    if fixed:
        for k in range(n):
            out[nb, k] = n_p[k]
    return out


def _ng(history: list[np.ndarray], floor: np.ndarray) -> np.ndarray | None:
    """Second-order Ng (1974) extrapolation from the last four iterates (Auer 1987 form),
    one set of coefficients for the whole population array, relative weights
    w = 1/max(|x|, floor)^2 with ``floor`` (cm^-3, per depth; the solver passes 1e-20 n_H,
    far below any population that matters): the populations of fully ionised hot points
    (down to 0, or ~1e-160 cm^-3 for high levels, whose 1/x^2 overflows) get a finite
    weight instead of an infinite one that turns the fit into inf/nan."""
    x0, x1, x2, x3 = history[-1], history[-2], history[-3], history[-4]
    w = 1.0 / np.maximum(np.abs(x0), floor) ** 2
    d0, d1, d2 = x0 - x1, x1 - x2, x2 - x3
    q1, q2 = d0 - d1, d0 - d2
    a = np.array([[np.sum(w * q1 * q1), np.sum(w * q1 * q2)],
                  [np.sum(w * q2 * q1), np.sum(w * q2 * q2)]])
    b = np.array([np.sum(w * d0 * q1), np.sum(w * d0 * q2)])
    try:
        c1, c2 = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return None
    new = (1.0 - c1 - c2) * x0 + c1 * x1 + c2 * x2
    if not np.all(np.isfinite(new)) or np.any(new < 0):
        return None
    return new


def solve_statistical_equilibrium(atmos: Atmosphere, settings: MaliSettings | None = None,
                                  problem: Problem | None = None,
                                  initial: np.ndarray | None = None) -> MaliResult:
    """Non-LTE hydrogen populations [6, n] (cm^-3) by MALI; see the module docstring."""
    prob = problem or build_problem(atmos, settings)
    s = prob.settings
    k0 = _thin_top(atmos, s.thin_temperature)
    if k0 > 0:
        inner = solve_statistical_equilibrium(
            atmos.slice(k0), problem=_slice_problem(prob, k0),
            initial=None if initial is None else np.asarray(initial)[:, k0:])
        pops = np.concatenate([_thin_populations(prob, k0), inner.populations], axis=1)
        jbar = np.concatenate([prob.planck[:, :k0] * 0.0, inner.j_mean], axis=1)
        return MaliResult(pops, inner.iterations, inner.converged, inner.max_change, jbar, prob,
                          inner.tridiagonal_iterations)
    atom = prob.atom
    fixed = s.ionisation == "fixed"
    if initial is None and s.coarse_points and atmos.n_depth > 1.5 * s.coarse_points:
        initial = _coarse_start(atmos, prob, s)
    if initial is not None:
        pops = np.array(initial, dtype=float)
    elif s.escape_start:
        pops = _escape_start(prob, s.escape_start)
    else:
        pops = atom.lte_populations(atmos.temperature, atmos.n_e, atmos.n_h,
                                    atmos.n_p if fixed else None)
    # background scattering starts from J = 0: the first Jacobi update (J_fs - L J)/(1 - L)
    # already gives J = B where the continuum is thick, while a start from J = B(T) puts a
    # spurious sigma B emission into the thin hot points of a flare snapshot that the
    # iteration then removes only slowly (a front moving ~1 depth point per iteration)
    jold = np.zeros_like(prob.planck)
    history: list[np.ndarray] = []
    change = np.inf
    error = np.inf
    accelerated = True
    it = 0
    floor = 1e-12 * atmos.n_h
    # limit-cycle guard: per depth, the signed relative change of its most-changing level
    # and the number of successive sign alternations; depths that keep alternating get
    # linear intervals on both sides (a period-2 cycle of the Bézier control points)
    lead = np.zeros(atmos.n_depth)
    flips = np.zeros(atmos.n_depth, np.int64)
    oscillating = np.zeros(atmos.n_depth, bool)
    linear = np.zeros(max(atmos.n_depth - 1, 1), bool)
    tri = s.operator == "tridiagonal" and atmos.n_depth > 1
    c_minus = np.zeros((prob.t_lower.size if tri else 0, atmos.n_depth))
    c_plus = np.zeros_like(c_minus)
    gamma_nl = np.zeros((atmos.n_depth if tri else 0, atom.n_levels, atom.n_levels))
    n_tri = 0
    for it in range(1, s.max_iterations + 1):
        gamma = radiative_rates(prob, pops, jold, s.order, linear, c_minus, c_plus, gamma_nl)
        new = _solve_populations(gamma, prob.rates, atmos.n_h, atmos.n_p, fixed, pops)
        if tri:
            # the tridiagonal step (gamma + gamma_nl: the neighbours' old emission removed
            # from I_eff, their new one coupled in); the local step (gamma alone) is the
            # fallback when it overshoots (TRI_TRUST).  Both are exact at convergence.
            new_tri = _solve_populations_tridiagonal(gamma + gamma_nl, c_minus, c_plus,
                                                     prob.t_lower, prob.t_upper, prob.rates,
                                                     atmos.n_h, atmos.n_p, fixed, pops)
            with np.errstate(invalid="ignore", divide="ignore"):
                gap = np.abs(np.log((new_tri + floor) / (np.maximum(new, 0.0) + floor)))
            if np.all(new_tri >= 0.0) and np.max(gap) <= TRI_TRUST:
                new = new_tri
                n_tri += 1
        new = np.maximum(new, 0.0)
        previous = change
        rel = (new - pops) / np.maximum(new, floor)
        change = float(np.max(np.abs(rel)))
        now = rel[np.argmax(np.abs(rel), axis=0), np.arange(atmos.n_depth)]
        flips = np.where((now * lead < 0) & (np.abs(now) > 0.1 * s.tolerance), flips + 1, 0)
        lead = now
        if s.order > 1 and atmos.n_depth > 1 and np.any(flips >= OSCILLATION_FLIPS):
            oscillating |= flips >= OSCILLATION_FLIPS
            linear = oscillating[:-1] | oscillating[1:]
            flips[:] = 0
            history = []
            accelerated = True  # no convergence-ratio estimate across the switch
        # convergence on the estimated remaining error, change r/(1 - r) for a geometric
        # convergence with ratio r (measured, bounded to [0.5, 0.99]; 0.9 right after an
        # Ng step): never looser than change < tolerance
        r = 0.9 if accelerated or not np.isfinite(previous) else change / max(previous, 1e-300)
        r = min(max(r, 0.5), 0.99)
        error = change * r / (1.0 - r)
        accelerated = False
        pops = new
        if error < s.tolerance:
            break
        if s.ng_period:
            history.append(pops)
            if len(history) >= 4 and it % s.ng_period == 0:
                acc = _ng(history, 1e-8 * floor)
                if acc is not None:
                    pops = acc
                    accelerated = True
                history = []
    return MaliResult(pops, it, error < s.tolerance, change, jold, prob, n_tri)


def _thin_top(atmos: Atmosphere, thin_temperature: float) -> int:
    """Number of top points treated as optically thin: those above the first point cooler
    than ``thin_temperature``, keeping two hot points in the full solution."""
    if not thin_temperature or thin_temperature <= 0:
        return 0
    cool = np.flatnonzero(atmos.temperature < thin_temperature)
    if cool.size == 0:
        return 0
    k0 = int(cool[0]) - 2
    return k0 if k0 >= 3 and atmos.n_depth - k0 >= 5 else 0


def _slice_problem(prob: Problem, k0: int) -> Problem:
    """The problem restricted to depths k0 and below."""
    from dataclasses import replace

    return replace(prob, atmosphere=prob.atmosphere.slice(k0),
                   phi=np.ascontiguousarray(prob.phi[:, :, k0:]),
                   nstar_nc=np.ascontiguousarray(prob.nstar_nc[:, k0:]),
                   kappa=np.ascontiguousarray(prob.kappa[:, k0:]),
                   sigma=np.ascontiguousarray(prob.sigma[:, k0:]),
                   planck=np.ascontiguousarray(prob.planck[:, k0:]),
                   stim=np.ascontiguousarray(prob.stim[:, k0:]),
                   rates=np.ascontiguousarray(prob.rates[k0:]))


def _take_depths(prob: Problem, idx: np.ndarray, atmos: Atmosphere) -> Problem:
    """The problem on the depth points ``idx`` (atmosphere ``atmos``, already subset)."""
    from dataclasses import replace

    return replace(prob, atmosphere=atmos,
                   phi=np.ascontiguousarray(prob.phi[:, :, idx]),
                   nstar_nc=np.ascontiguousarray(prob.nstar_nc[:, idx]),
                   kappa=np.ascontiguousarray(prob.kappa[:, idx]),
                   sigma=np.ascontiguousarray(prob.sigma[:, idx]),
                   planck=np.ascontiguousarray(prob.planck[:, idx]),
                   stim=np.ascontiguousarray(prob.stim[:, idx]),
                   rates=np.ascontiguousarray(prob.rates[idx]))


def _radiative_free_rates(prob: Problem, n: int) -> list[np.ndarray]:
    """Per transition, the downward radiative rate without incident radiation at the first
    ``n`` depths: A_ji for lines, spontaneous radiative recombination per continuum ion for
    continua, alpha_i^rr = int (4 pi/h nu) (2 h nu^3/c^2) alpha_i n_e Phi_i e^{-h nu/kT} dnu."""
    atmos, atom = prob.atmosphere, prob.atom
    t = atmos.temperature[:n]
    out = []
    for it, tr in enumerate(atom.transitions):
        if tr.kind == "line":
            out.append(np.full(n, tr.a_ul))
            continue
        lo, hi = prob.t_lo[it], prob.t_hi[it]
        nu = prob.nu[lo:hi + 1]
        w = prob.t_weight[it, lo:hi + 1]
        alpha = prob.t_alpha[it, lo:hi + 1]
        stim = np.exp(-H_PLANCK * nu[:, None] / (K_B * t[None, :]))
        integrand = (4.0 * np.pi / (H_PLANCK * nu))[:, None] * (
            2.0 * H_PLANCK * nu**3 / C_LIGHT**2)[:, None] * alpha[:, None] * stim
        out.append((w[:, None] * integrand).sum(axis=0) * prob.nstar_nc[tr.lower, :n])
    return out


def _escape_start(prob: Problem, iterations: int) -> np.ndarray:
    """Starting populations from escape probabilities (no formal solution): the net
    radiative rate of every transition is its spontaneous rate times a one-sided escape
    probability P(tau) = 1/(2 (1 + tau sqrt(pi ln(e + tau)))) of the optical depth tau at
    line centre (continuum edge) measured from the top, iterated ``iterations`` times from
    LTE.  Only the starting point of the MALI: the converged populations do not depend on
    it, but the error front that the local operator would otherwise carry down from the
    top one depth point per iteration is largely removed."""
    atmos, atom = prob.atmosphere, prob.atom
    n = atmos.n_depth
    fixed = prob.settings.ionisation == "fixed"
    pops = atom.lte_populations(atmos.temperature, atmos.n_e, atmos.n_h,
                                atmos.n_p if fixed else None)
    if n < 2:
        return pops
    spont = _radiative_free_rates(prob, n)
    dz = np.abs(np.diff(atmos.height))
    peak = []
    for it, tr in enumerate(atom.transitions):
        if tr.kind == "line":
            rows = slice(prob.line_off[it], prob.line_off[it] + prob.t_hi[it] - prob.t_lo[it] + 1)
            peak.append(prob.t_sig0[it] * np.max(prob.phi[:, rows, :], axis=(0, 1)))
        else:
            peak.append(np.full(n, np.max(prob.t_alpha[it])))
    for _ in range(iterations):
        gamma = np.zeros((n, atom.n_levels, atom.n_levels))
        for it, tr in enumerate(atom.transitions):
            i, j = tr.lower, tr.upper
            if tr.kind == "line":
                chi0 = peak[it] * np.maximum(pops[i] - atom.g[i] / atom.g[j] * pops[j], 0.0)
            else:
                chi0 = peak[it] * pops[i]
            tau = np.concatenate([[0.0], np.cumsum(0.5 * (chi0[1:] + chi0[:-1]) * dz)])
            tau += 0.5 * chi0[0] * dz[0]
            p_esc = 0.5 / (1.0 + tau * np.sqrt(np.pi * np.log(np.e + tau)))
            rate = spont[it] * p_esc
            gamma[:, i, j] += rate
            gamma[:, j, j] -= rate
        new = _solve_populations(gamma, prob.rates, atmos.n_h, atmos.n_p, fixed, pops)
        pops = np.where(np.isfinite(new) & (new > 0), new, pops)
    return pops


def _thin_populations(prob: Problem, k0: int) -> np.ndarray:
    """Populations of the hot top layers (k < k0) without radiative excitation:
    collisions (+ beam) balanced by spontaneous emission A_ji and spontaneous radiative
    recombination, alpha_i^rr = int (4 pi/h nu) (2 h nu^3/c^2) alpha_i n_e Phi_i
    e^{-h nu/kT} dnu (coronal approximation, I = 0)."""
    atmos, atom = prob.atmosphere, prob.atom
    t = atmos.temperature[:k0]
    gamma = np.zeros((k0, atom.n_levels, atom.n_levels))
    for tr, rate in zip(atom.transitions, _radiative_free_rates(prob, k0), strict=True):
        i, j = tr.lower, tr.upper
        gamma[:, i, j] += rate
        gamma[:, j, j] -= rate
    fixed = prob.settings.ionisation == "fixed"
    start = atom.lte_populations(t, atmos.n_e[:k0], atmos.n_h[:k0], atmos.n_p[:k0])
    return np.maximum(_solve_populations(gamma, np.ascontiguousarray(prob.rates[:k0]),
                                         atmos.n_h[:k0], atmos.n_p[:k0], fixed, start), 0.0)


def _depth_coordinate(atmos: Atmosphere) -> np.ndarray:
    if atmos.column_mass is not None:
        return np.log(atmos.column_mass)
    return -atmos.height


def _coarse_start(atmos: Atmosphere, prob: Problem, s: MaliSettings) -> np.ndarray:
    """Nested iteration: solve on ~``s.coarse_points`` of the depth points (both ends kept)
    and, with flows, every ``s.coarse_wavelength_stride``-th wavelength
    (:func:`_take_wavelengths`), then interpolate the population fractions n_i/n_H in
    depth (log column mass) onto the full grid (:func:`transfer_populations`). Removes
    the smooth error modes that the local operator damps slowly on finely resolved
    atmospheres; the converged fine solution does not depend on it, only the number of
    fine iterations does."""
    from dataclasses import replace

    idx = np.unique(np.linspace(0, atmos.n_depth - 1, s.coarse_points).round().astype(int))
    sub = Atmosphere(atmos.height[idx], atmos.temperature[idx], atmos.n_e[idx], atmos.n_h[idx],
                     atmos.n_p[idx], atmos.velocity[idx], atmos.v_turb[idx],
                     None if atmos.column_mass is None else atmos.column_mass[idx],
                     atmos.q_beam[idx], atmos.name, dict(atmos.meta))
    coarse_settings = replace(s, tolerance=max(s.tolerance, 1e-2), coarse_points=0,
                              thin_temperature=0.0)
    # the fine problem restricted to the coarse depths and wavelengths (profiles,
    # opacities and rates are local, so nothing is recomputed)
    stride = s.coarse_wavelength_stride if prob.phi.shape[0] > 1 else 1
    keep = coarse_wavelengths(prob, stride)
    coarse_prob = replace(_take_wavelengths(_take_depths(prob, idx, sub), keep),
                          settings=coarse_settings)
    coarse = solve_statistical_equilibrium(sub, problem=coarse_prob)
    return transfer_populations(coarse.populations, sub, atmos, prob.atom, s.ionisation)


def coarse_wavelengths(prob: Problem, stride: int) -> np.ndarray:
    """Indices of every ``stride``-th wavelength of ``prob`` plus every transition's end
    points; inside mirrored line ranges every ``stride``-th counted from the line centre,
    so that the subset stays symmetric (the start of the nested iteration)."""
    keep = np.zeros(prob.lam.size, bool)
    keep[::stride] = True
    paired = prob.mirror >= 0
    distance = np.abs(np.arange(prob.lam.size) - prob.mirror)  # twice that to the centre
    keep[paired] = distance[paired] % (2 * stride) == 0
    keep[prob.t_lo] = True
    keep[prob.t_hi] = True
    return np.flatnonzero(keep)


def _take_wavelengths(prob: Problem, keep: np.ndarray) -> Problem:
    """The problem on the wavelengths ``keep`` (sorted indices into ``prob.lam`` that
    include every transition's first and last wavelength): trapezoidal frequency weights
    on the subset, line profiles renormalised to unit integral over them (per ray and
    depth), continuum cross-sections, background and LTE factors taken as they are."""
    from dataclasses import replace

    lam, nu = prob.lam[keep], prob.nu[keep]
    position = np.full(prob.lam.size, -1, np.int64)
    position[keep] = np.arange(keep.size)
    t_lo, t_hi = position[prob.t_lo], position[prob.t_hi]
    if np.any(t_lo < 0) or np.any(t_hi < 0):
        raise ValueError("_take_wavelengths: every transition's end points must be kept")
    n_t = prob.t_lower.size
    t_weight = np.zeros((n_t, lam.size))
    t_alpha = np.zeros((n_t, lam.size))
    line_off, rows_total = _profile_rows(prob.t_isline, t_lo, t_hi)
    phi = np.zeros((prob.phi.shape[0], rows_total, prob.phi.shape[2]))
    for it in range(n_t):
        lo, hi = t_lo[it], t_hi[it]
        w = _trapezoid_weights(nu[lo:hi + 1])
        if prob.mirror[prob.t_lo[it]] == prob.t_hi[it]:  # mirrored line: symmetric weights
            w = 0.5 * (w + w[::-1])
        t_weight[it, lo:hi + 1] = w
        source = keep[lo:hi + 1]
        if prob.t_isline[it]:
            old = prob.phi[:, prob.line_off[it] + source - prob.t_lo[it], :]  # [dir, P, n]
            norm = np.einsum("dpn,p->dn", old, w)
            ok = norm > 0.0  # (profiles dropped in build_problem stay zero)
            rows = slice(line_off[it], line_off[it] + hi - lo + 1)
            phi[:, rows, :] = np.where(ok[:, None, :], old / np.where(ok, norm, 1.0)[:, None, :],
                                       0.0)
            if prob.mirror[prob.t_lo[it]] == prob.t_hi[it]:  # exactly mirrored, as built
                n_up = prob.mu.size
                phi[n_up:, rows] = phi[:n_up, rows][:, ::-1]
        else:
            t_alpha[it, lo:hi + 1] = prob.t_alpha[it, source]
    ptr, idx = _active_transitions(t_lo, t_hi, lam.size)
    mirror = np.where(prob.mirror[keep] >= 0, position[prob.mirror[keep]], -1)
    if np.any(mirror[prob.mirror[keep] >= 0] < 0):
        raise ValueError("_take_wavelengths: a mirrored wavelength kept without its partner")
    contiguous = np.ascontiguousarray
    return replace(prob, lam=lam, nu=nu, t_lo=t_lo, t_hi=t_hi, t_weight=t_weight,
                   t_alpha=t_alpha, line_off=line_off, phi=contiguous(phi), act_ptr=ptr,
                   act_idx=idx, mirror=mirror, kappa=contiguous(prob.kappa[keep]),
                   sigma=contiguous(prob.sigma[keep]), planck=contiguous(prob.planck[keep]),
                   stim=contiguous(prob.stim[keep]), halpha_spectrum=None)


def transfer_populations(populations: np.ndarray, source: Atmosphere, target: Atmosphere,
                         atom: HydrogenAtom, ionisation: str) -> np.ndarray:
    """Initial populations for ``target`` from a solution on ``source`` (e.g. a coarse
    subset of its depth points): the fractions log(n_i/n_H) interpolated in log column
    mass; with ``ionisation="fixed"`` the bound levels are rescaled to n_H - n_p and the
    continuum set to n_p.

    Fractions, not departure coefficients b_i = n_i/n_i(LTE): in the cool (1500-4000 K)
    dense blobs of flare snapshots the excited levels are set by radiation from elsewhere,
    so n_i/n_H varies smoothly between neighbouring points while b_i carries the factor
    exp(E_i/kT) of each point's own temperature; interpolated between coarse points of
    different T, log b_i was off by up to 21 (e^21) and the MALI needed 40-60 extra
    iterations to remove it (docs/halpha.md, section 8)."""
    fixed = ionisation == "fixed"
    tiny = 1e-300
    log_fraction = np.log(np.maximum(populations, tiny) / source.n_h)
    xs, xt = _depth_coordinate(source), _depth_coordinate(target)
    order = np.argsort(xs)
    start = target.n_h * np.exp(np.array([np.interp(xt, xs[order], f[order])
                                          for f in log_fraction]))
    if fixed:
        nb = atom.n_bound
        start[:nb] *= (target.n_h - target.n_p) / np.maximum(start[:nb].sum(axis=0), tiny)
        start[nb] = target.n_p
    lte = atom.lte_populations(target.temperature, target.n_e, target.n_h,
                               target.n_p if fixed else None)
    return np.where(np.isfinite(start), start, lte)

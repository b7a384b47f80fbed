r"""Formal solution of the transfer equation in a plane-parallel atmosphere.

Along a ray with direction cosine mu (> 0 upward, toward the observer) the transfer
equation dI/dtau_mu = I - S (tau_mu the optical depth along the ray, measured against the
direction of propagation) is integrated by **short characteristics** (Olson & Kunasz 1987;
Auer 2003): between the upwind point u and the point k, with x = Delta tau_mu,

    I_k = I_u e^{-x} + int_0^x S(t) e^{-(x - t)} dt.

``order = 2`` (default) represents S on the interval by a quadratic Bézier curve whose
control point C follows from the derivative at k (a Fritsch-Butland harmonic mean of the
upwind and downwind slopes, zero at an extremum, and C clipped to the range of S_u and
S_k so the interpolant never overshoots: de la Cruz Rodríguez & Piskunov 2013, ApJ 764,
33, "BESSER"), so

    I_k = I_u e^{-x} + w_u S_u + w_k S_k + w_c C,
    w_u = [2 - e^{-x}(x^2 + 2x + 2)] / x^2,
    w_k = 1 - 2 (x + e^{-x} - 1) / x^2,
    w_c = 2 [x - 2 + e^{-x}(x + 2)] / x^2,

(w_u + w_k + w_c = 1 - e^{-x}); ``order = 1`` uses the piecewise-linear interpolant
(w_u = (1 - e^{-x})/x - e^{-x}, w_k = 1 - (1 - e^{-x})/x).  Both are exact for S linear
in tau; for smooth S the emergent intensity converges at second order (or better) in the
depth spacing (tests/test_halpha_formal.py measures it).  The optical-depth increments
use the logarithmic mean of the opacities, Delta tau = (chi_u - chi_k)/ln(chi_u/chi_k)
|z_u - z_k| / mu (exact for an exponentially varying opacity, second order otherwise): at
an unresolved transition region, where chi jumps by orders of magnitude between two
points, the trapezoidal mean would give the interval far too much optical depth.

Boundary conditions: at the bottom the radiation is thermalised, I = S + mu dS/dtau
(exact for S linear in tau, i.e. the diffusion approximation); at the top a given
incident intensity (0 by default).

The diagonal of the approximate operator, psi_k = dI_k / dS_k = w_k + w_c, is returned
for the MALI iteration (Rybicki & Hummer 1991); Lambda*_kk = sum over rays of the
angle-weighted psi.

Units: chi in cm^-1, z (height) in cm decreasing with index (top first), S and I in any
common intensity unit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

#: floating-point freedoms of the hot kernels: fused multiply-add and division by a
#: reciprocal (results change at the round-off level only; no assumptions on NaN or inf)
FASTMATH = {"contract", "arcp"}
#: 2^-n, n = 0..1022 (exact powers of two), for :func:`_exp_neg`
_TWO_POW_NEG = 2.0 ** -np.arange(1023.0)
_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2 = _LN2_HI + _LN2_LO, n _LN2_HI exact (fdlibm)
_LN2_LO = 1.90821492927058770002e-10
_LN2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, inline="always")
def _exp_neg(x: float) -> float:
    """e^{-x} for x >= 0, branch-free so that loops calling it vectorise (libm's exp is a
    scalar call): e^{-x} = 2^{-n} e^{-r}, n = round(x/ln 2), r = x - n ln 2 (Cody-Waite,
    |r| <= ln2/2), e^{-r} from its Taylor series to r^13 (truncation < 5e-18); relative
    error a few 1e-16.  x is clamped to [0, 708] (e^{-708} = 3e-308 instead of less; x < 0
    does not occur, the clamp keeps the table look-up in range)."""
    x = min(max(x, 0.0), 708.0)
    n = math.floor(x * _LOG2E + 0.5)
    r = -((x - n * _LN2_HI) - n * _LN2_LO)
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    p = p * r + 1.0
    p = p * r + 1.0
    return p * _TWO_POW_NEG[int(n)]


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, inline="always")
def _weights(x: float, order: int) -> tuple[float, float, float, float]:
    """(w_u, w_k, w_c, e^{-x}) for an interval of optical thickness x (module docstring;
    series in x below 1e-2 (order 2) or 1e-4 (order 1), where the closed forms cancel).
    Branch-free (selects) so that :func:`interval_weights` vectorises."""
    e = _exp_neg(x)
    x2 = x * x
    r2 = 1.0 / x2 if x > 0.0 else 0.0
    if order == 1:
        a = (1.0 - e) * x * r2
        small = x < 1e-4
        wu = x / 2.0 - x2 / 3.0 if small else a - e
        wk = x / 2.0 - x2 / 6.0 if small else 1.0 - a
        return wu, wk, 0.0, e
    small = x < 1e-2
    wu = x / 3.0 - x2 / 4.0 + x2 * x / 10.0 if small else (2.0 - e * (x2 + 2.0 * x + 2.0)) * r2
    wk = x / 3.0 - x2 / 12.0 + x2 * x / 60.0 if small else 1.0 - 2.0 * (x + e - 1.0) * r2
    wc = x / 3.0 - x2 / 6.0 + x2 * x / 20.0 if small else 2.0 * (x - 2.0 + e * (x + 2.0)) * r2
    return wu, wk, wc, e


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def interval_dtau(chi: np.ndarray, z: np.ndarray, dtau: np.ndarray, work: np.ndarray) -> None:
    """Optical thickness at mu = 1 of the intervals i = (i, i + 1), i = 0..n-2: the
    logarithmic mean of the opacities, dtau_i = (chi_i - chi_{i+1})/ln(chi_i/chi_{i+1})
    |z_i - z_{i+1}| (exact for an opacity varying exponentially between the points), the
    trapezoidal mean where the ratio r is within 1e-3 of 1 or an opacity is not positive.
    A ray with direction cosine mu sees dtau/mu, in either direction, so one evaluation
    serves all rays sharing the opacity.

    ``work`` (n - 1 floats) is scratch space.  ln r is computed branch-free from the bits
    of r = 2^e m (m in [1, 2), halved if above sqrt 2): ln r = e ln 2 + 2 atanh s,
    s = (m - 1)/(m + 1), |s| <= 0.172, atanh from its series to s^23 (relative error a
    few 1e-16), so that the loops vectorise (libm's log is a scalar call)."""
    m = chi.size - 1
    for i in range(m):
        dtau[i] = chi[i] / chi[i + 1] if chi[i] > 0.0 and chi[i + 1] > 0.0 else 1.0
    bits = dtau.view(np.int64)
    mantissa = work.view(np.int64)
    for i in range(m):
        mantissa[i] = (bits[i] & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000
    for i in range(m):
        r = dtau[i]
        e = float(((bits[i] >> 52) & 0x7FF) - 1023)
        big = work[i] > _SQRT2
        mm = 0.5 * work[i] if big else work[i]
        e = e + 1.0 if big else e
        s = (mm - 1.0) / (mm + 1.0)
        s2 = s * s
        p = 1.0 / 23.0
        p = p * s2 + 1.0 / 21.0
        p = p * s2 + 1.0 / 19.0
        p = p * s2 + 1.0 / 17.0
        p = p * s2 + 1.0 / 15.0
        p = p * s2 + 1.0 / 13.0
        p = p * s2 + 1.0 / 11.0
        p = p * s2 + 1.0 / 9.0
        p = p * s2 + 1.0 / 7.0
        p = p * s2 + 1.0 / 5.0
        p = p * s2 + 1.0 / 3.0
        p = p * s2 + 1.0
        ln_r = e * _LN2 + 2.0 * s * p
        dz = abs(z[i] - z[i + 1])
        if abs(r - 1.0) > 1e-3:
            dtau[i] = (chi[i] - chi[i + 1]) / ln_r * dz
        else:
            dtau[i] = 0.5 * (chi[i] + chi[i + 1]) * dz


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def control_points(src: np.ndarray, dtau: np.ndarray, c_up: np.ndarray,
                   c_down: np.ndarray, up: bool = True, down: bool = True) -> None:
    """Bézier control points C of every interval i = (i, i + 1) for the upward ray (which
    arrives at i; into ``c_up`` if ``up``) and the downward ray (which arrives at i + 1;
    into ``c_down`` if ``down``).

    With s_i = (S_{i+1} - S_i)/dtau_i the slopes (mu = 1, index direction), the
    Fritsch-Butland derivative at an interior point k is

        D_k = s_{k-1} s_k / (alpha s_k + (1 - alpha) s_{k-1}),
        alpha = (1 + dtau_k/(dtau_{k-1} + dtau_k))/3       (D_k = 0 if s_{k-1} s_k <= 0),

    and the control point of the arriving point k is C = S_k -/+ (dtau_u/2) D_k (dtau_u the
    upwind interval; - downward, + upward), clipped to the range of S_u and S_k; at the
    far end of a ray, or where the downwind interval has no optical thickness,
    C = (S_u + S_k)/2.  Derivatives scale as mu and interval thicknesses as 1/mu, so the
    control points are the same for every mu."""
    n = src.size
    for i in range(n - 1):
        mid = 0.5 * (src[i] + src[i + 1])
        if up:
            c_up[i] = mid
        if down:
            c_down[i] = mid
    for k in range(1, n - 1):
        # (zero slope across an interval without optical thickness)
        s0 = (src[k] - src[k - 1]) / dtau[k - 1] if dtau[k - 1] > 0.0 else 0.0
        s1 = (src[k + 1] - src[k]) / dtau[k] if dtau[k] > 0.0 else 0.0
        prod = s0 * s1
        deriv = 0.0
        if prod > 0.0:
            alpha = (1.0 + dtau[k] / (dtau[k - 1] + dtau[k])) / 3.0
            deriv = prod / (alpha * s1 + (1.0 - alpha) * s0)
        if down and dtau[k] > 0.0:  # downward ray arriving at k from k - 1
            lo = min(src[k], src[k - 1])
            hi = max(src[k], src[k - 1])
            c_down[k - 1] = min(max(src[k] - 0.5 * dtau[k - 1] * deriv, lo), hi)
        if up and dtau[k - 1] > 0.0:  # upward ray arriving at k from k + 1
            lo = min(src[k], src[k + 1])
            hi = max(src[k], src[k + 1])
            c_up[k] = min(max(src[k] + 0.5 * dtau[k] * deriv, lo), hi)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def interval_weights(dtau: np.ndarray, mu: float, order: int, ex: np.ndarray, wu: np.ndarray,
                     wk: np.ndarray, wc: np.ndarray) -> None:
    """Per interval, e^{-x} and the short-characteristics weights (:func:`_weights`) of
    x = dtau/mu; they are the same for the upward and the downward ray of one mu."""
    rmu = 1.0 / mu
    for i in range(dtau.size):
        wu[i], wk[i], wc[i], ex[i] = _weights(dtau[i] * rmu, order)


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def sc_sweep(src: np.ndarray, ctrl: np.ndarray, dtau: np.ndarray, mu: float, ex: np.ndarray,
             wu: np.ndarray, wk: np.ndarray, wc: np.ndarray, upward: bool, i_boundary: float,
             thermalised: bool, intensity: np.ndarray, psi: np.ndarray) -> None:
    """One short-characteristics ray with the interval thicknesses, control points
    (:func:`control_points`, ``c_up`` or ``c_down`` according to ``upward``) and weights
    (:func:`interval_weights`) precomputed: the kernel behind :func:`sc_ray` and the
    MALI sweeps.  Fills ``intensity`` and ``psi`` = w_k + w_c of the arriving point.

    ``upward``: from the bottom (last index) to the top (index 0).  The boundary intensity
    is ``i_boundary`` unless ``thermalised`` (the bottom of an upward ray):
    I = S + mu dS/dtau."""
    n = src.size
    if upward:
        if thermalised:
            rx = mu / dtau[n - 2] if dtau[n - 2] > 0.0 else 0.0
            intensity[n - 1] = src[n - 1] + (src[n - 1] - src[n - 2]) * rx
            psi[n - 1] = 1.0
        else:
            intensity[n - 1] = i_boundary
            psi[n - 1] = 0.0
        # the local part of every interval first (vectorises), then the recurrence
        for i in range(n - 1):
            intensity[i] = wu[i] * src[i + 1] + wk[i] * src[i] + wc[i] * ctrl[i]
            psi[i] = wk[i] + wc[i]
        carry = intensity[n - 1]
        for i in range(n - 2, -1, -1):
            carry = intensity[i] + carry * ex[i]
            intensity[i] = carry
    else:
        intensity[0] = i_boundary
        psi[0] = 0.0
        for i in range(n - 1):
            intensity[i + 1] = wu[i] * src[i] + wk[i] * src[i + 1] + wc[i] * ctrl[i]
            psi[i + 1] = wk[i] + wc[i]
        carry = intensity[0]
        for i in range(n - 1):
            carry = intensity[i + 1] + carry * ex[i]
            intensity[i + 1] = carry


@njit(cache=True, error_model="numpy", fastmath=FASTMATH, _nrt=False)
def sc_sweep_pair(src_up: np.ndarray, c_up: np.ndarray, src_down: np.ndarray,
                  c_down: np.ndarray, dtau: np.ndarray, mu: float, ex: np.ndarray,
                  wu: np.ndarray, wk: np.ndarray, wc: np.ndarray, i_up: np.ndarray,
                  psi_up: np.ndarray, i_down: np.ndarray, psi_down: np.ndarray) -> None:
    """The upward ray (thermalised bottom) and the downward ray (no incident light) of one
    mu through the same interval thicknesses and weights, with source functions and
    control points of their own (the same as two :func:`sc_sweep` calls).  The two
    recurrences are independent and run in one loop, which hides the latency of each."""
    n = src_up.size
    rx = mu / dtau[n - 2] if dtau[n - 2] > 0.0 else 0.0
    i_up[n - 1] = src_up[n - 1] + (src_up[n - 1] - src_up[n - 2]) * rx
    psi_up[n - 1] = 1.0
    i_down[0] = 0.0
    psi_down[0] = 0.0
    for i in range(n - 1):
        i_up[i] = wu[i] * src_up[i + 1] + wk[i] * src_up[i] + wc[i] * c_up[i]
        i_down[i + 1] = wu[i] * src_down[i] + wk[i] * src_down[i + 1] + wc[i] * c_down[i]
        psi_up[i] = wk[i] + wc[i]
        psi_down[i + 1] = wk[i] + wc[i]
    carry_up = i_up[n - 1]
    carry_down = 0.0
    for i in range(n - 1):
        iu = n - 2 - i
        carry_up = i_up[iu] + carry_up * ex[iu]
        i_up[iu] = carry_up
        carry_down = i_down[i + 1] + carry_down * ex[i]
        i_down[i + 1] = carry_down


@njit(cache=True, error_model="numpy")
def sc_ray(chi: np.ndarray, src: np.ndarray, z: np.ndarray, mu: float, upward: bool,
           i_boundary: float, thermalised: bool, order: int,
           intensity: np.ndarray, psi: np.ndarray) -> None:
    """Short-characteristics solution along one ray; fills ``intensity`` and ``psi``.

    ``upward``: the ray goes from the bottom (last index) to the top (index 0).  The
    boundary intensity is ``i_boundary`` unless ``thermalised`` (bottom, upward rays only):
    I = S + mu dS/dtau.
    """
    m = max(chi.size - 1, 1)
    dtau = np.empty(m)
    work = np.empty(m)
    c_up = np.empty(m)
    c_down = np.empty(m)
    ex = np.empty(m)
    wu = np.empty(m)
    wk = np.empty(m)
    wc = np.empty(m)
    interval_dtau(chi, z, dtau, work)
    control_points(src, dtau, c_up, c_down, upward, not upward)
    interval_weights(dtau, mu, order, ex, wu, wk, wc)
    sc_sweep(src, c_up if upward else c_down, dtau, mu, ex, wu, wk, wc, upward, i_boundary,
             thermalised, intensity, psi)


@njit(cache=True)
def _emergent_many(chi: np.ndarray, src: np.ndarray, z: np.ndarray, mu: float,
                   order: int) -> np.ndarray:
    n_lam, n = chi.shape
    out = np.empty(n_lam)
    intensity = np.empty(n)
    psi = np.empty(n)
    for la in range(n_lam):
        sc_ray(chi[la], src[la], z, mu, True, 0.0, True, order, intensity, psi)
        out[la] = intensity[0]
    return out


def emergent_intensity(chi: np.ndarray, source: np.ndarray, height: np.ndarray, mu: float = 1.0,
                       order: int = 2) -> np.ndarray:
    """Emergent intensity I(tau = 0, mu) for opacity ``chi`` and source function ``source``.

    ``chi`` and ``source`` have shape (n_depth,) or (n_lambda, n_depth) (top first);
    ``height`` (cm) decreases with index.  Thermalised lower boundary, no incident light
    at the top.  Returns a scalar array or shape (n_lambda,).
    """
    chi = np.asarray(chi, dtype=float)
    src = np.asarray(source, dtype=float)
    if chi.shape != src.shape or chi.shape[-1] != np.asarray(height).size:
        raise ValueError("emergent_intensity: chi, source and height disagree in shape")
    if not 0.0 < mu <= 1.0:
        raise ValueError(f"emergent_intensity: mu = {mu} must be in (0, 1]")
    single = chi.ndim == 1
    out = _emergent_many(np.atleast_2d(chi), np.atleast_2d(src),
                         np.ascontiguousarray(height, dtype=float), float(mu), int(order))
    return out[0] if single else out


def solve_ray(chi: np.ndarray, source: np.ndarray, height: np.ndarray, mu: float,
              upward: bool = True, boundary: float | None = None,
              order: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Intensity and psi (the Lambda-operator diagonal) along one ray at all depths.

    ``boundary=None`` means thermalised (upward) or zero incident intensity (downward).
    """
    n = np.asarray(height).size
    intensity = np.empty(n)
    psi = np.empty(n)
    therm = upward and boundary is None
    sc_ray(np.ascontiguousarray(chi, dtype=float), np.ascontiguousarray(source, dtype=float),
           np.ascontiguousarray(height, dtype=float), float(mu), bool(upward),
           0.0 if boundary is None else float(boundary), therm, int(order), intensity, psi)
    return intensity, psi

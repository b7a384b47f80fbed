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

import numpy as np
from numba import njit


@njit(cache=True)
def _weights(x: float, order: int) -> tuple[float, float, float, float]:
    """(w_u, w_k, w_c, e^{-x}) for an interval of optical thickness x."""
    e = np.exp(-x)
    if order == 1:
        if x < 1e-4:
            wu = x / 2.0 - x * x / 3.0
            wk = x / 2.0 - x * x / 6.0
        else:
            a = (1.0 - e) / x
            wu = a - e
            wk = 1.0 - a
        return wu, wk, 0.0, e
    if x < 1e-2:
        x2 = x * x
        wu = x / 3.0 - x2 / 4.0 + x2 * x / 10.0
        wk = x / 3.0 - x2 / 12.0 + x2 * x / 60.0
        wc = x / 3.0 - x2 / 6.0 + x2 * x / 20.0
    else:
        x2 = x * x
        wu = (2.0 - e * (x2 + 2.0 * x + 2.0)) / x2
        wk = 1.0 - 2.0 * (x + e - 1.0) / x2
        wc = 2.0 * (x - 2.0 + e * (x + 2.0)) / x2
    return wu, wk, wc, e


@njit(cache=True)
def _dtau(chi_a: float, chi_b: float, dz: float, mu: float) -> float:
    """Optical thickness of an interval: the logarithmic mean of the opacities (exact for
    an opacity varying exponentially between the points, the trapezoidal mean when they
    are close)."""
    if chi_a > 0.0 and chi_b > 0.0:
        r = chi_a / chi_b
        if abs(r - 1.0) > 1e-3:
            return (chi_a - chi_b) / np.log(r) * dz / mu
    return 0.5 * (chi_a + chi_b) * dz / mu


@njit(cache=True)
def sc_ray(chi: np.ndarray, src: np.ndarray, z: np.ndarray, mu: float, upward: bool,
           i_boundary: float, thermalised: bool, order: int,
           intensity: np.ndarray, psi: np.ndarray) -> None:
    """Short-characteristics solution along one ray; fills ``intensity`` and ``psi``.

    ``upward``: the ray goes from the bottom (last index) to the top (index 0).  The
    boundary intensity is ``i_boundary`` unless ``thermalised`` (bottom, upward rays only):
    I = S + mu dS/dtau.
    """
    n = chi.size
    dtau = np.empty(max(n - 1, 1))
    x = np.empty_like(dtau)
    wu = np.empty_like(dtau)
    wk = np.empty_like(dtau)
    wc = np.empty_like(dtau)
    ex = np.empty_like(dtau)
    rx = np.empty_like(dtau)
    interval_dtau(chi, z, dtau)
    interval_weights(dtau, mu, order, x, wu, wk, wc, ex, rx)
    sc_sweep(src, x, wu, wk, wc, ex, rx, upward, i_boundary, thermalised, order, intensity,
             psi)


@njit(cache=True)
def interval_dtau(chi: np.ndarray, z: np.ndarray, dtau: np.ndarray) -> None:
    """Optical thickness at mu = 1 of the intervals (k, k + 1), k = 0..n-2 (the same
    logarithmic mean as :func:`_dtau`); a ray with direction cosine mu sees dtau / mu, in
    either direction, so one evaluation serves all rays sharing the opacity."""
    for k in range(chi.size - 1):
        dtau[k] = _dtau(chi[k], chi[k + 1], abs(z[k] - z[k + 1]), 1.0)


@njit(cache=True)
def interval_weights(dtau: np.ndarray, mu: float, order: int, x: np.ndarray, wu: np.ndarray,
                     wk: np.ndarray, wc: np.ndarray, ex: np.ndarray, rx: np.ndarray) -> None:
    """Per-interval x = dtau/mu, 1/x and the short-characteristics weights
    (:func:`_weights`); they are the same for the upward and the downward ray of one mu."""
    for k in range(dtau.size):
        xk = dtau[k] / mu
        x[k] = xk
        rx[k] = 1.0 / xk if xk > 0.0 else 0.0
        wu[k], wk[k], wc[k], ex[k] = _weights(xk, order)


@njit(cache=True)
def sc_sweep(src: np.ndarray, x: np.ndarray, wu: np.ndarray, wk: np.ndarray, wc: np.ndarray,
             ex: np.ndarray, rx: np.ndarray, upward: bool, i_boundary: float, thermalised: bool,
             order: int, intensity: np.ndarray, psi: np.ndarray) -> None:
    """One short-characteristics ray with the interval optical thicknesses and weights
    precomputed (:func:`interval_dtau`, :func:`interval_weights`): the kernel behind
    :func:`sc_ray` and the MALI sweeps."""
    n = src.size
    if upward:
        start, stop, step = n - 1, -1, -1
    else:
        start, stop, step = 0, n, 1
    k0 = start
    k1 = start + step
    if thermalised:
        intensity[k0] = src[k0] + (src[k0] - src[k1]) * rx[min(k0, k1)]
        psi[k0] = 1.0
    else:
        intensity[k0] = i_boundary
        psi[k0] = 0.0
    for k in range(start + step, stop, step):
        u = k - step
        d = k + step
        iu = min(u, k)  # interval (u, k)
        xu = x[iu]
        if order == 2:
            if d != stop and x[min(k, d)] > 0.0:
                xd = x[min(k, d)]
                du = (src[k] - src[u]) * rx[iu]
                dd = (src[d] - src[k]) * rx[min(k, d)]
                # Fritsch-Butland derivative, clipped to keep the control point between
                # the neighbouring source values (branch-free form)
                prod = du * dd
                alpha = (1.0 + xd / (xu + xd)) / 3.0
                den = alpha * dd + (1.0 - alpha) * du
                deriv = prod / den if prod > 0.0 else 0.0
                c = src[k] - 0.5 * xu * deriv
                c = min(max(c, min(src[u], src[k])), max(src[u], src[k]))
            else:
                c = 0.5 * (src[u] + src[k])
            intensity[k] = (intensity[u] * ex[iu] + wu[iu] * src[u] + wk[iu] * src[k]
                            + wc[iu] * c)
            psi[k] = wk[iu] + wc[iu]
        else:
            intensity[k] = intensity[u] * ex[iu] + wu[iu] * src[u] + wk[iu] * src[k]
            psi[k] = wk[iu]


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

r"""Decay time of a redshift episode: exponential fit with uncertainty, and Fisher (1989).

Observed Hα redshifts of flare kernels rise with hard X-ray spikes and decay to zero in
30-60 s (seed paper, Sect. VI; Canfield, Gunkler & Kiplinger 1985).  We measure the decay
by fitting, from the velocity maximum onward,

    v(t) = A exp(-(t - t_ref) / tau)                       (km/s, s)

by weighted least squares (``scipy.optimize.curve_fit``, Levenberg-Marquardt).  The
uncertainties are the square roots of the diagonal of the covariance matrix: with given
per-point errors ``sigma`` they are absolute (``absolute_sigma=True``); without, the
covariance is scaled by the reduced chi-square of the fit (the errors are estimated
from the scatter).  ``t_ref`` is the time of the first fitted point, so ``A`` is the
fitted velocity there and ``A`` and ``tau`` are only weakly correlated.

For comparison, Fisher's (1989, ApJ 346, 1019) analytic condensation model
(:mod:`.fisher89`) set up from a run gives the condensation velocity against time; its
1/e decay (:func:`.fisher89.decay_time`) and the same exponential fit applied to it are
returned by :func:`fisher_decay`, next to the fit to the run's own condensation velocity
(:func:`.condensation.condensation_history`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.optimize import curve_fit


@dataclass
class DecayFit:
    """Result of :func:`fit_decay` (times in s, velocities in km/s)."""

    tau: float  #: decay time (s)
    tau_err: float  #: 1-sigma uncertainty (s)
    amplitude: float  #: A, fitted v at t_ref (km/s)
    amplitude_err: float
    t_ref: float  #: s
    n_points: int
    chi2: float  #: sum of squared normalised residuals (unit weights if no sigma)
    absolute_sigma: bool
    t_fit: np.ndarray  #: times used
    v_fit: np.ndarray  #: velocities used

    def model(self, t) -> np.ndarray:
        """A exp(-(t - t_ref) / tau)."""
        return self.amplitude * np.exp(-(np.asarray(t, dtype=float) - self.t_ref) / self.tau)

    def summary(self) -> str:
        return (f"tau = {self.tau:.1f} +/- {self.tau_err:.1f} s, v(t_ref = {self.t_ref:.1f} s)"
                f" = {self.amplitude:.1f} +/- {self.amplitude_err:.1f} km/s, "
                f"{self.n_points} points")


def _exp_model(t, amplitude, tau):
    return amplitude * np.exp(-t / tau)


def select_decay(time, velocity, *, start: float | None = None, end: float | None = None,
                 v_floor: float | None = None) -> np.ndarray:
    """Indices of the decay phase: from the velocity maximum (or the first point at or
    after ``start``) through the following consecutive finite points (up to ``end``, and
    while ``v > v_floor`` if given)."""
    t = np.asarray(time, dtype=float)
    v = np.asarray(velocity, dtype=float)
    ok = np.isfinite(v) & np.isfinite(t)
    if start is not None:
        ok &= t >= start
    if not ok.any():
        return np.zeros(0, dtype=int)
    i0 = int(np.flatnonzero(ok)[np.argmax(v[ok])]) if start is None else int(
        np.flatnonzero(ok)[0])
    idx = [i0]
    for i in range(i0 + 1, t.size):
        if not np.isfinite(v[i]) or (end is not None and t[i] > end):
            break
        if v_floor is not None and v[i] <= v_floor:
            break
        idx.append(i)
    return np.array(idx, dtype=int)


#: a fitted decay time longer than this many times the fitted stretch is not a measurement
MAX_TAU_SPANS = 100.0
#: ... and one shorter than this fraction of the sampling step is not resolved
MIN_TAU_STEPS = 0.1


def fit_decay(time, velocity, sigma=None, *, start: float | None = None,
              end: float | None = None, v_floor: float | None = None,
              min_points: int = 3) -> DecayFit:
    """Fit ``v = A exp(-(t - t_ref)/tau)`` to the decay phase (:func:`select_decay`).

    ``sigma``: per-point 1-sigma errors of ``velocity`` (km/s), scalar or array; None:
    estimated from the residuals.  Raises ``ValueError`` with fewer than ``min_points``
    usable points, a velocity that does not decay, or a degenerate fit (infinite
    uncertainty, tau > ``MAX_TAU_SPANS`` times the fitted stretch or < ``MIN_TAU_STEPS``
    times the shortest sampling step).
    """
    t = np.asarray(time, dtype=float)
    v = np.asarray(velocity, dtype=float)
    idx = select_decay(t, v, start=start, end=end, v_floor=v_floor)
    if idx.size < min_points:
        raise ValueError(f"only {idx.size} usable points in the decay phase (need "
                         f">= {min_points})")
    tt, vv = t[idx], v[idx]
    if not vv[0] > 0.0:
        raise ValueError(f"the largest velocity ({vv[0]:.3g} km/s) is not a redshift: no "
                         "redshift decay to fit")
    t_ref = float(tt[0])
    err = None
    if sigma is not None:
        err = np.broadcast_to(np.asarray(sigma, dtype=float), t.shape)[idx]
    # starting guess: log-linear fit of the positive points
    pos = vv > 0
    if pos.sum() >= 2 and np.ptp(tt[pos]) > 0:
        slope = np.polyfit(tt[pos] - t_ref, np.log(vv[pos]), 1)[0]
        tau0 = -1.0 / slope if slope < 0 else 10.0 * np.ptp(tt)
    else:
        tau0 = max(np.ptp(tt), 1.0)
    p0 = (max(vv[0], 1e-3), tau0)
    try:
        popt, pcov = curve_fit(_exp_model, tt - t_ref, vv, p0=p0, sigma=err,
                               absolute_sigma=err is not None, maxfev=10000,
                               bounds=([-np.inf, 1e-6], [np.inf, np.inf]))
    except RuntimeError as exc:
        raise ValueError(f"the decay fit did not converge: {exc}") from None
    perr = np.sqrt(np.diag(pcov))
    span = float(np.ptp(tt))
    step = float(np.min(np.diff(tt)))
    if not (np.all(np.isfinite(perr)) and MIN_TAU_STEPS * step < popt[1] < MAX_TAU_SPANS * span):
        raise ValueError(f"no measurable decay: the fit gives tau = {popt[1]:.3g} +/- "
                         f"{perr[1]:.3g} s over a {span:.3g} s stretch sampled every "
                         f">= {step:.3g} s (flat, rising, or faster than the sampling)")
    resid = (vv - _exp_model(tt - t_ref, *popt)) / (err if err is not None else 1.0)
    return DecayFit(tau=float(popt[1]), tau_err=float(perr[1]), amplitude=float(popt[0]),
                    amplitude_err=float(perr[0]), t_ref=t_ref, n_points=int(idx.size),
                    chi2=float(np.sum(resid ** 2)), absolute_sigma=err is not None,
                    t_fit=tt, v_fit=vv)


def one_over_e_time(time, velocity) -> float:
    """Time (s) from the velocity maximum until ``v`` first falls to 1/e of it (linear
    interpolation); NaN if it never does."""
    t = np.asarray(time, dtype=float)
    v = np.asarray(velocity, dtype=float)
    ok = np.isfinite(v)
    if not ok.any():
        return np.nan
    k = int(np.flatnonzero(ok)[np.argmax(v[ok])])
    level = v[k] / np.e
    for j in range(k + 1, t.size):
        if np.isfinite(v[j]) and v[j] <= level:
            i = j - 1
            while not np.isfinite(v[i]):
                i -= 1
            return float(t[i] + (v[i] - level) / (v[i] - v[j]) * (t[j] - t[i]) - t[k])
    return np.nan


def fisher_decay(run, *, onset: float = 0.0, cadence: float | None = None,
                 **fisher_kwargs: Any) -> dict[str, Any]:
    """Decay of the run's true condensation velocity and of Fisher's (1989) model.

    Returns a dict (times shifted by ``onset`` s to scene time; velocities km/s):
    ``run_t``, ``run_v`` (mass-weighted condensation velocity of the run),
    ``run_fit`` (:class:`DecayFit` or None), ``run_1e`` (s);
    ``fisher_t``, ``fisher_v``, ``fisher_1e`` (:func:`.fisher89.decay_time`, s),
    ``fisher_fit`` (the exponential fit applied to the model sampled at ``cadence``
    s, default every 1 s, or None).
    """
    from loopsim import open_run

    from .condensation import condensation_history
    from .fisher89 import decay_time, fisher_from_run

    if not hasattr(run, "scalars"):
        run = open_run(run)
    history = condensation_history(run)
    out: dict[str, Any] = {"run_t": history.times + onset, "run_v": history.v_mean_kms}
    try:
        out["run_fit"] = fit_decay(out["run_t"], out["run_v"])
    except ValueError:
        out["run_fit"] = None
    out["run_1e"] = one_over_e_time(out["run_t"], out["run_v"])
    comparison = fisher_from_run(run, history, **fisher_kwargs)
    sol = comparison.solution
    out["fisher_t"] = sol.t + onset
    out["fisher_v"] = sol.v_kms
    out["fisher_1e"] = decay_time(sol)
    step = 1.0 if cadence is None else cadence
    grid = np.arange(sol.t[0], sol.t[-1], step)
    vg = np.interp(grid, sol.t, sol.v_kms)
    try:
        out["fisher_fit"] = fit_decay(grid + onset, np.where(vg > 0, vg, np.nan))
    except ValueError:
        out["fisher_fit"] = None
    return out

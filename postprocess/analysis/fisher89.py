r"""Fisher's (1989) analytic model of a flare-driven chromospheric condensation.

Reference: G. H. Fisher 1989, ApJ 346, 1019, "Dynamics of flare-driven chromospheric
condensations" (the model quoted in the seed paper, Sect. VI, as Fisher 1985, BAAS 17, 634).
A thin, dense condensation is pushed into a stratified chromosphere by the overpressure
of the evaporated plasma above it. It is led by a radiating shock that sweeps up the
chromospheric material ahead, and it decelerates because its mass grows; the downflow
disappears in about a minute, nearly independently of the strength of the driver.

The equations below are derived here from mass and momentum conservation for a thin
slab, following that physical model (the paper's text could not be consulted when this
was written, so the numbering (F1)-(F5) is ours, not the paper's; see "Limits" below).

Coordinates as in the run files: column mass ``m`` (g cm^-2) measured from the loop apex,
velocity positive *downward*. Unknowns: the condensation's velocity ``v``, its column
mass ``M`` and the Lagrangian column-mass coordinate ``m_f`` of its leading shock. The
chromosphere ahead is at rest with pressure ``p_a(m)`` and density ``rho_a(m)``.

    M(t)        = M0 + m_f(t) - m0                                          (F1)
    dm_f/dt     = rho_a(m_f) * w,      w = v X / (X - 1)                    (F2)
    d(M v)/dt   = P_d(t) - p_a(m_f) + g M                                   (F3)
    ds_f/dt     = w                                                         (F4)

(F1) the condensation consists of its initial mass plus everything swept up; (F2) the
shock moves into material at rest with speed ``w``, which for a strongly radiating
(nearly isothermal) shock of compression ratio ``X >> 1`` is the condensation speed (the
default here: ``X`` infinite, ``w = v``); (F3) the swept-up material joins at rest, the
driving pressure ``P_d`` of the evaporated plasma pushes from above, the unshocked
chromosphere's pressure resists from below, and gravity ``g`` (the component along the
loop, pointing down: it *accelerates* a downflow) acts on the slab's mass. (F4) gives the
distance ``s_f`` the shock has travelled.

Consequences used by the tests:

* **Uniform medium, no gravity** (``p_a``, ``rho_a`` constant, ``g = 0``, ``X`` infinite):
  with ``Pi = M v`` and ``dP = P_d - p_a`` constant, (F3) gives ``Pi = Pi0 + dP t`` and
  (F1, F2) ``d(M^2)/dt = 2 rho_a Pi``, hence exactly
  ``M(t)^2 = M0^2 + 2 rho_a (Pi0 t + dP t^2 / 2)`` and ``v = Pi / M``. Starting from
  rest (``M0 = 0``) the condensation moves at the ram-pressure speed
  ``v = (dP / rho_a)^(1/2)``                                                  (F5)
  the classic estimate of the condensation velocity.
* **Hydrostatic chromosphere** (``dp_a/dm = g``): the growth of the pressure ahead and the
  weight of the swept-up mass cancel in (F3), ``p_a(m_f) - g M = p_a(m0) - g M0``, so
  ``d(M v)/dt = P_d(t) - p_a(m0) + g M0``: the momentum grows linearly for a constant
  driver and all the deceleration comes from mass loading.
* **Isothermal** (scale height ``H``, ``rho_a = p_a / (g H)``): with ``q = p_a(m_f)/g``,
  (F1-F3) integrate exactly to ``(q - q0) - a ln(q/q0) = (1/H) int_0^t Pi dt'`` with
  ``q0 = p_a(m0)/g`` and ``a = q0 - M0`` (:func:`isothermal_exact`). At late times
  ``v -> 2 H / t`` for a constant driver and ``v -> H / t`` once the driver has relaxed to
  the ambient pressure: **independent of the driving pressure**. For a chromospheric
  ``H`` of 150-250 km the downflow falls below 5-10 km/s after 30-100 s -- Fisher's
  "about one minute, nearly independent of the condensation's strength".

Limits: the pre-shock chromosphere is the pre-flare one (the beam also heats it in the
simulations), the shock is a discontinuity, the condensation is thin and moves as one
slab, and radiation/heating enter only through ``X`` and the driver ``P_d(t)``.  The
shock must be strong: once the slab is about as slow as the sound speed ahead, the
chromosphere below feels the driver and (F3) no longer applies (:func:`shock_contact`
measures this in a run; in ours it ends the downflow ~2-3x sooner than (F3) predicts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from loopsim import open_run
from loopsim.constants import G_SUN, K_B, M_H
from loopsim.physics.hydrogen import MASS_PER_H

from .condensation import KMS, CondensationHistory, condensation_history

DriverLike = float | Callable[[float], float] | tuple[np.ndarray, np.ndarray]


# ----------------------------------------------------------------------------------------
# chromospheres ahead of the condensation
# ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class IsothermalChromosphere:
    """Hydrostatic isothermal chromosphere in column mass:

    ``p(m) = p_ref + g (m - m_ref)`` and ``rho(m) = p(m) / (g H)`` with scale height
    ``H = c_i^2 / g`` (``c_i`` the isothermal sound speed).
    """

    scale_height: float  #: H (cm)
    gravity: float  #: g along the loop (cm s^-2)
    p_ref: float  #: pressure at m_ref (dyn cm^-2)
    m_ref: float = 0.0  #: g cm^-2

    @classmethod
    def from_temperature(cls, temperature: float, p_ref: float, *, m_ref: float = 0.0,
                         gravity: float = G_SUN, mu: float | None = None
                         ) -> IsothermalChromosphere:
        """H from the temperature and the mean mass per particle ``mu`` (in m_H; default
        neutral H + He: MASS_PER_H / (m_H (1 + Y)) with He as 10 % by number)."""
        if mu is None:
            mu = MASS_PER_H / (M_H * 1.1)
        return cls(K_B * temperature / (mu * M_H * gravity), gravity, p_ref, m_ref)

    def pressure(self, m):
        return self.p_ref + self.gravity * (np.asarray(m, dtype=float) - self.m_ref)

    def density(self, m):
        return self.pressure(m) / (self.gravity * self.scale_height)

    def scale_height_at(self, m) -> float:
        return self.scale_height


@dataclass(frozen=True)
class TabulatedChromosphere:
    """Pre-flare atmosphere tabulated in column mass (e.g. a run's snapshot 0).

    Pressure and density are interpolated log-log; beyond the deep end of the table the
    atmosphere continues hydrostatically at constant scale height.
    """

    m: np.ndarray  #: increasing column masses (g cm^-2)
    p: np.ndarray  #: dyn cm^-2
    rho: np.ndarray  #: g cm^-3
    gravity: float  #: g along the loop (cm s^-2)

    @classmethod
    def from_snapshot(cls, snap: dict[str, Any], gravity: float | None = None,
                      t_chromosphere: float = 3.0e4) -> TabulatedChromosphere:
        """From a (pre-flare, static) snapshot dict. ``gravity`` defaults to the median of
        ``dp/dm`` over the chromospheric cells (T < ``t_chromosphere``), which equals g
        along the loop in hydrostatic equilibrium."""
        m = np.asarray(snap["m"], dtype=float)
        p = np.asarray(snap["p"], dtype=float)
        rho = np.asarray(snap["rho"], dtype=float)
        if gravity is None:
            slope = np.diff(p) / np.diff(m)
            cool = np.asarray(snap["T"], dtype=float)[1:] < t_chromosphere
            gravity = float(np.median(slope[cool])) if cool.any() else G_SUN
        return cls(m, p, rho, float(gravity))

    def _log_interp(self, m, table: np.ndarray) -> np.ndarray:
        return np.exp(np.interp(np.log(np.maximum(m, self.m[0])), np.log(self.m),
                                np.log(table)))

    def pressure(self, m):
        m = np.asarray(m, dtype=float)
        deep = self.p[-1] + self.gravity * (m - self.m[-1])
        return np.where(m > self.m[-1], deep, self._log_interp(m, self.p))

    def density(self, m):
        m = np.asarray(m, dtype=float)
        deep = self.rho[-1] * self.pressure(m) / self.p[-1]
        return np.where(m > self.m[-1], deep, self._log_interp(m, self.rho))

    def scale_height_at(self, m) -> float:
        """Local pressure scale height p / (rho g) (cm)."""
        return float(self.pressure(m) / (self.density(m) * self.gravity))


# ----------------------------------------------------------------------------------------
# the model
# ----------------------------------------------------------------------------------------

@dataclass
class FisherSolution:
    """Solution of (F1)-(F4) at the requested times ``t`` (s)."""

    t: np.ndarray
    v: np.ndarray  #: condensation velocity (cm/s, positive downward)
    m_front: np.ndarray  #: Lagrangian column mass of the leading shock (g cm^-2)
    column_mass: np.ndarray  #: M, the condensation's column mass (g cm^-2)
    s_front: np.ndarray  #: distance travelled by the shock since t[0] (cm)
    momentum: np.ndarray  #: M v (g cm^-1 s^-1)
    p_driver: np.ndarray  #: P_d(t) used (dyn cm^-2)
    t_stop: float = np.nan  #: time the condensation came to rest (NaN: it did not)

    @property
    def v_kms(self) -> np.ndarray:
        return self.v / KMS


def _driver_function(p_driver: DriverLike) -> Callable[[float], float]:
    if callable(p_driver):
        return p_driver
    if np.ndim(p_driver) == 0:
        constant = float(p_driver)
        return lambda t: constant
    times, values = (np.asarray(a, dtype=float) for a in p_driver)
    return lambda t: float(np.interp(t, times, values))


def fisher_condensation(t, p_driver: DriverLike, chromosphere, m0: float,
                        v0: float | None = None, *, M0: float = 0.0,
                        gravity: float | None = None, compression: float | None = None,
                        rtol: float = 1e-9) -> FisherSolution:
    """Integrate Fisher's condensation model (F1)-(F4) (module docstring).

    ``t``: increasing output times (s); the initial state is at ``t[0]``.
    ``p_driver``: driving pressure P_d (dyn cm^-2): a constant, a function of t, or a
    ``(times, pressures)`` table (linear interpolation, constant beyond its ends).
    ``chromosphere``: the unshocked atmosphere ahead, any object with ``pressure(m)``,
    ``density(m)`` and ``gravity`` (:class:`IsothermalChromosphere`, i.e. its scale height
    and base pressure, or :class:`TabulatedChromosphere`).
    ``m0``: column mass of the shock at ``t[0]``; ``M0``, ``v0``: the condensation's column
    mass and velocity (cm/s) there. With ``M0 = 0`` the condensation starts from nothing at
    the ram-pressure speed (F5) and ``v0`` is ignored.
    ``gravity``: g along the loop (default ``chromosphere.gravity``; 0 switches it off).
    ``compression``: shock compression ratio X (default: infinite, thin radiating shock).
    Once the momentum reaches zero the condensation stops (``t_stop``) and stays at rest.
    """
    t = np.asarray(t, dtype=float)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("t must be an increasing sequence of at least two times")
    drive = _driver_function(p_driver)
    g = float(chromosphere.gravity if gravity is None else gravity)
    front = 1.0 if compression is None else compression / (compression - 1.0)
    if compression is not None and compression <= 1.0:
        raise ValueError("the compression ratio must exceed 1")

    def p_ahead(m: float) -> float:
        return float(chromosphere.pressure(m))

    def rho_ahead(m: float) -> float:
        return float(chromosphere.density(m))

    t_start = float(t[0])
    if M0 > 0.0:
        if v0 is None:
            raise ValueError("v0 is needed when the condensation starts with mass M0 > 0")
        y0 = np.array([m0, M0 * v0, 0.0])
        t_first = t_start
    else:
        dp = drive(t_start) - p_ahead(m0)
        if dp <= 0.0:
            raise ValueError("the driver does not exceed the pressure ahead: no condensation")
        # exact small-time start (F5): M = rho w eps, M v = dP eps, v = (dP / (rho X'))^1/2
        v_ram = np.sqrt(dp / (rho_ahead(m0) * front))
        eps = 1.0e-9 * (t[-1] - t_start)
        mass = rho_ahead(m0) * front * v_ram * eps
        y0 = np.array([m0 + mass, dp * eps, front * v_ram * eps])
        t_first = t_start + eps

    def rhs(time: float, y: np.ndarray) -> np.ndarray:
        m_f, momentum, _ = y
        mass = M0 + m_f - m0
        v = momentum / mass
        return np.array([rho_ahead(m_f) * front * v,
                         drive(time) - p_ahead(m_f) + g * mass,
                         front * v])

    def at_rest(time: float, y: np.ndarray) -> float:
        return y[1]

    at_rest.terminal = True
    at_rest.direction = -1
    sol = solve_ivp(rhs, (t_first, float(t[-1])), y0, method="DOP853", rtol=rtol,
                    atol=[1e-12 * max(m0, 1e-12), 1e-30, 1e-6], dense_output=True,
                    events=at_rest)
    if sol.status < 0:
        raise RuntimeError(f"integration failed: {sol.message}")
    t_stop = float(sol.t_events[0][0]) if sol.t_events[0].size else np.nan
    t_end = t_stop if np.isfinite(t_stop) else float(t[-1])
    inside = np.clip(t, t_first, t_end)
    y = sol.sol(inside)
    m_front, momentum, s_front = y
    if np.isfinite(t_stop):
        momentum = np.where(t >= t_stop, 0.0, momentum)
    mass = M0 + m_front - m0
    v = momentum / mass
    if M0 <= 0.0:  # report the exact ram-pressure start at t[0]
        v[0], mass[0], m_front[0], momentum[0], s_front[0] = v_ram, 0.0, m0, 0.0, 0.0
    return FisherSolution(t=t, v=v, m_front=m_front, column_mass=mass, s_front=s_front,
                          momentum=momentum, p_driver=np.array([drive(x) for x in t]),
                          t_stop=t_stop)


# ----------------------------------------------------------------------------------------
# analytic limits and derived time scales
# ----------------------------------------------------------------------------------------

def ram_pressure_velocity(delta_p: float, rho_ahead: float) -> float:
    """(F5): speed (cm/s) at which an overpressure ``delta_p`` drives a condensation into
    material of density ``rho_ahead`` at rest."""
    return float(np.sqrt(delta_p / rho_ahead))


def uniform_exact(t, delta_p: float, rho_ahead: float, M0: float = 0.0,
                  v0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact (M, v) of (F1)-(F3) for a uniform medium without gravity, ``t`` from the start.

    ``M^2 = M0^2 + 2 rho (M0 v0 t + dP t^2/2)`` and ``v = (M0 v0 + dP t) / M``.
    """
    t = np.asarray(t, dtype=float)
    mass = np.sqrt(M0**2 + 2.0 * rho_ahead * (M0 * v0 * t + 0.5 * delta_p * t**2))
    with np.errstate(invalid="ignore", divide="ignore"):
        v = np.where(mass > 0, (M0 * v0 + delta_p * t) / np.where(mass > 0, mass, 1.0),
                     ram_pressure_velocity(delta_p, rho_ahead))
    return mass, v


def isothermal_exact(t, p_driver: float, chromosphere: IsothermalChromosphere, m0: float,
                     v0: float = 0.0, M0: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Exact (m_front, v) of (F1)-(F3) in an isothermal hydrostatic chromosphere with a
    constant driver (X infinite), ``t`` from the start: the root of
    ``(q - q0) - a ln(q / q0) = (Pi0 t + F t^2 / 2) / H`` with ``q = p_a(m_f)/g``,
    ``a = q0 - M0``, ``Pi0 = M0 v0`` and ``F = P_d - p_a(m0) + g M0``."""
    t = np.asarray(t, dtype=float)
    g, h = chromosphere.gravity, chromosphere.scale_height
    q0 = float(chromosphere.pressure(m0)) / g
    a = q0 - M0
    force = p_driver - g * q0 + g * M0
    momentum = M0 * v0 + force * t
    rhs = (M0 * v0 * t + 0.5 * force * t**2) / h
    m_front = np.empty_like(t)
    for k, target in enumerate(rhs):
        if target <= 0.0:
            m_front[k] = m0
            continue

        def f(q: float, target: float = target) -> float:
            return (q - q0) - a * np.log(q / q0) - target

        hi = q0 + target + a * np.log1p(target / q0) + 10.0 * (q0 + 1.0)
        while f(hi) < 0:
            hi *= 2.0
        q = brentq(f, q0, hi, xtol=1e-14 * hi, rtol=1e-13)
        m_front[k] = m0 + (q - q0)
    mass = M0 + m_front - m0
    with np.errstate(invalid="ignore", divide="ignore"):
        v = momentum / mass
    return m_front, v


def late_time_velocity(t, scale_height: float, driven: bool = True) -> np.ndarray:
    """Asymptotic condensation speed in an isothermal chromosphere, independent of the
    driver's strength: ``2 H / t`` under a constant driver, ``H / t`` after an impulsive
    push (``driven=False``); ``t`` counted from the start of the condensation."""
    return (2.0 if driven else 1.0) * scale_height / np.asarray(t, dtype=float)


def decay_time(solution: FisherSolution, fraction: float = 1.0 / np.e) -> float:
    """Time from the velocity maximum until v has fallen to ``fraction`` of it (s)."""
    k = int(np.argmax(solution.v))
    level = fraction * solution.v[k]
    later = np.flatnonzero(solution.v[k:] <= level)
    if later.size == 0:
        return np.nan
    j = k + int(later[0])
    t0, t1, v0, v1 = solution.t[j - 1], solution.t[j], solution.v[j - 1], solution.v[j]
    return float(t0 + (v0 - level) / (v0 - v1) * (t1 - t0) - solution.t[k])


def lifetime(solution: FisherSolution, v_detect: float = 5.0 * KMS) -> float:
    """Time from ``t[0]`` until the downflow has fallen below ``v_detect`` (cm/s) for
    good: the life of an observable redshift (NaN if it outlasts the solution)."""
    above = np.flatnonzero(solution.v >= v_detect)
    if above.size == 0:
        return 0.0
    j = int(above[-1])
    if j == solution.t.size - 1:
        return np.nan
    t0, t1, v0, v1 = solution.t[j], solution.t[j + 1], solution.v[j], solution.v[j + 1]
    return float(t0 + (v0 - v_detect) / (v0 - v1) * (t1 - t0) - solution.t[0])


# ----------------------------------------------------------------------------------------
# set-up from a simulation
# ----------------------------------------------------------------------------------------

@dataclass
class FisherComparison:
    """Fisher's model initialised from a simulated condensation (:func:`fisher_from_run`)."""

    solution: FisherSolution
    chromosphere: TabulatedChromosphere
    t0: float  #: start time (first snapshot with a condensation, or its peak)
    m0: float  #: shock column mass at t0 (g cm^-2)
    M0: float  #: condensation column mass at t0 (g cm^-2)
    v0: float  #: mass-weighted condensation velocity at t0 (cm/s)
    driver: str  #: "mean" or "series"
    p_driver: float | tuple[np.ndarray, np.ndarray]  #: constant, or the table used
    gravity: float
    scale_height: float  #: pre-flare pressure scale height at m0 (cm)
    p_ahead0: float  #: pre-flare pressure at m0 (dyn cm^-2)
    rho_ahead0: float  #: pre-flare density at m0 (g cm^-3)

    @property
    def N_front(self) -> np.ndarray:
        """Hydrogen column of the model's shock (cm^-2), via m / MASS_PER_H."""
        return self.solution.m_front / MASS_PER_H


def beam_end_time(config: dict[str, Any]) -> float | None:
    """End of the beam (s) from a run config, or None without a beam."""
    beam = config.get("beam", {})
    if not beam.get("enabled", False):
        return None
    table = beam.get("table") or []
    if beam.get("profile") == "table" and table:
        return float(max(row[0] for row in table))
    return float(beam.get("start", 0.0)) + float(beam.get("duration", 0.0))


def fisher_from_run(run, history: CondensationHistory | None = None, *,
                    driver: str = "mean", drive_window: tuple[float, float] | None = None,
                    start: str = "first", gravity: float | None = None,
                    t_end: float | None = None, samples: int = 600,
                    compression: float | None = None) -> FisherComparison:
    """Set Fisher's model up from a run and integrate it over the run's time span.

    * chromosphere ahead: the pre-flare snapshot ``run[0]`` (pressure and density against
      column mass; g along the loop from its hydrostatic ``dp/dm``);
    * initial state at ``t0``, the first snapshot with a condensation (``start="first"``)
      or that of its peak downflow (``start="peak"``): shock column mass ``m_lower``,
      condensation mass ``column_mass`` and mass-weighted velocity;
    * driver ``P_d``: the pressure of the evaporated plasma just above the condensation
      (``p_above`` of the history). ``driver="mean"``: its mean over ``drive_window``
      (default: from ``t0`` to the end of the beam, at least 1 s); ``driver="series"``:
      the measured time series (held at its last value after the condensation is lost).
    """
    if not hasattr(run, "scalars"):
        run = open_run(run)
    if history is None:
        history = condensation_history(run)
    found = history.found & np.isfinite(history.p_above)
    if not found.any():
        raise ValueError("the run has no condensation to compare with")
    if start == "first":
        i0 = int(np.flatnonzero(found)[0])
    elif start == "peak":
        i0 = int(np.nanargmax(np.where(found, history.v_mean_kms, np.nan)))
    else:
        raise ValueError(f"start must be 'first' or 'peak', not {start!r}")
    times = history.times
    t0 = float(times[i0])
    chromosphere = TabulatedChromosphere.from_snapshot(run[0], gravity)
    m0 = float(history.m_lower[i0])
    mass0 = float(history.column_mass[i0])
    v0 = float(history.v_mean_kms[i0]) * KMS
    usable = found & (times >= t0)
    if driver == "mean":
        if drive_window is None:
            beam_end = beam_end_time(run.config)
            drive_window = (t0, max(beam_end if beam_end is not None else t0, t0 + 1.0))
        window = usable & (times >= drive_window[0]) & (times <= drive_window[1])
        p_drive: float | tuple[np.ndarray, np.ndarray] = float(
            np.mean(history.p_above[window]) if window.any() else history.p_above[i0])
    elif driver == "series":
        p_drive = (times[usable], history.p_above[usable])
    else:
        raise ValueError(f"driver must be 'mean' or 'series', not {driver!r}")
    t_last = float(times[-1] if t_end is None else t_end)
    t_grid = np.linspace(t0, max(t_last, t0 + 1e-3), samples)
    solution = fisher_condensation(t_grid, p_drive, chromosphere, m0, v0, M0=mass0,
                                   gravity=gravity, compression=compression)
    return FisherComparison(
        solution=solution, chromosphere=chromosphere, t0=t0, m0=m0, M0=mass0, v0=v0,
        driver=driver, p_driver=p_drive, gravity=chromosphere.gravity,
        scale_height=chromosphere.scale_height_at(m0),
        p_ahead0=float(chromosphere.pressure(m0)),
        rho_ahead0=float(chromosphere.density(m0)))


# ----------------------------------------------------------------------------------------
# where the model stops applying: the shock weakens into pressure contact
# ----------------------------------------------------------------------------------------

#: adiabatic index used for the pre-shock sound speed
GAMMA = 5.0 / 3.0


@dataclass(frozen=True)
class ShockContact:
    """Force balance on the simulated condensation, snapshot by snapshot (cgs; NaN where
    no condensation is found); from :func:`shock_contact`.

    Fisher's (F3) assumes a *strong* shock: the chromosphere ahead is undisturbed, so the
    pressure resisting the slab is the pre-flare ``p_preflare`` at the shock's column
    mass. When the condensation has slowed to about the pre-shock sound speed
    (``mach`` = v / c_s,ahead ~ 1, c_s = (GAMMA p/rho)^(1/2)), pressure waves run ahead of
    it and the chromosphere below feels the driver: the pressure ahead tends to the
    hydrostatic value under the driver and the slab, ``p_above + g M``. ``contact`` is

        contact = (p_ahead - p_preflare) / (p_above + g M - p_preflare),

    0 while the strong-shock assumption holds, 1 in full pressure contact (then the net
    force ``p_above - p_ahead + g M`` on the slab is zero and the downflow stops, where
    the model's ``p_above - p_preflare + g M`` still pushes it on).
    """

    times: np.ndarray
    mach: np.ndarray  #: mass-weighted condensation speed / pre-shock sound speed
    p_above: np.ndarray  #: driver (dyn cm^-2)
    p_ahead: np.ndarray  #: pressure just ahead of the shock in the run
    p_preflare: np.ndarray  #: pre-flare pressure at the shock's column mass
    weight: np.ndarray  #: g M of the condensation (dyn cm^-2)
    contact: np.ndarray

    @property
    def net_force_run(self) -> np.ndarray:
        """p_above - p_ahead + g M: the net downward force per area in the run."""
        return self.p_above - self.p_ahead + self.weight

    @property
    def net_force_model(self) -> np.ndarray:
        """p_above - p_preflare + g M: the net force (F3) assumes for the same slab."""
        return self.p_above - self.p_preflare + self.weight


def shock_contact(run, history: CondensationHistory | None = None,
                  gravity: float | None = None) -> ShockContact:
    """:class:`ShockContact` of a run (chromosphere: its pre-flare snapshot ``run[0]``)."""
    if not hasattr(run, "scalars"):
        run = open_run(run)
    if history is None:
        history = condensation_history(run)
    chromosphere = TabulatedChromosphere.from_snapshot(run[0], gravity)
    with np.errstate(invalid="ignore"):
        sound_speed = np.sqrt(GAMMA * history.p_ahead / history.rho_ahead)
        p_preflare = np.where(history.found, chromosphere.pressure(
            np.nan_to_num(history.m_lower, nan=chromosphere.m[0])), np.nan)
        weight = chromosphere.gravity * history.column_mass
        contact = (history.p_ahead - p_preflare) / (history.p_above + weight - p_preflare)
    return ShockContact(history.times, history.v_mean_kms * KMS / sound_speed,
                        history.p_above, history.p_ahead, p_preflare, weight, contact)

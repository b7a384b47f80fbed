r"""One-dimensional model atmospheres for the Hα synthesis.

An :class:`Atmosphere` is a plane-parallel column sampled at ``n`` depth points ordered
from the top (index 0, nearest the observer) to the bottom (index ``n - 1``).  Everything
is cgs:

=================  ==========  ======================================================
``height``         cm          geometric height, strictly decreasing with index
``temperature``    K           kinetic temperature
``n_e``            cm^-3       electron density
``n_h``            cm^-3       total hydrogen density (neutral + protons)
``n_p``            cm^-3       proton density, ``x_H n_h``
``velocity``       cm s^-1     line-of-sight velocity, **positive = downward** = away
                               from an observer above the atmosphere (a redshift at
                               disk centre); the run-file convention of loopsim
``v_turb``         cm s^-1     microturbulent velocity (Doppler broadening)
``column_mass``    g cm^-2     optional, increasing with index
``q_beam``         erg cm^-3 s^-1  beam heating rate (0 = no beam)
=================  ==========  ======================================================

:meth:`Atmosphere.from_run_snapshot` builds one from a loop run file (docs/format.md):
the observer looks down the loop leg from the apex, with the loop axis along the line of
sight at disk centre, so the apex (the first cell of the run arrays) is the top and the
footpoint chromosphere (the last cells) is the bottom; the height is the distance along
the loop measured from the deepest cell, ``z = s_max - s``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loopsim.constants import M_H

#: number abundance of helium relative to hydrogen (the run files' Y = 0.1)
HE_ABUNDANCE = 0.1
#: default microturbulence for loop snapshots, cm s^-1 (a chromospheric value; see docs)
DEFAULT_VTURB = 2.0e5
#: column mass (g cm^-2) below which loop snapshots get the FAL-C photosphere
SPLICE_COLUMN_MASS = 0.1
#: arrays a loop run snapshot must hold for a synthesis
RUN_ARRAYS = ("s", "T", "n_e", "n_H", "x_H", "v")


class AtmosphereError(ValueError):
    """An atmosphere (or the run snapshot it is built from) is unusable; names the problem."""


@dataclass
class Atmosphere:
    """A 1-D atmosphere, top first (see the module docstring for units and conventions)."""

    height: np.ndarray
    temperature: np.ndarray
    n_e: np.ndarray
    n_h: np.ndarray
    n_p: np.ndarray
    velocity: np.ndarray
    v_turb: np.ndarray
    column_mass: np.ndarray | None = None
    q_beam: np.ndarray | None = None
    name: str = "atmosphere"
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = np.asarray(self.height).size
        for key in ("velocity", "v_turb", "q_beam"):
            value = getattr(self, key)
            if value is None:
                value = np.zeros(n)
            value = np.asarray(value, dtype=float)
            if value.ndim == 0:
                value = np.full(n, float(value))
            setattr(self, key, value)
        self.validate()

    @property
    def n_depth(self) -> int:
        return int(self.height.size)

    @property
    def ionisation(self) -> np.ndarray:
        """Hydrogen ionisation fraction n_p / n_h."""
        return self.n_p / self.n_h

    @property
    def n_neutral(self) -> np.ndarray:
        """Neutral hydrogen density n_h - n_p, cm^-3."""
        return np.maximum(self.n_h - self.n_p, 0.0)

    @property
    def density(self) -> np.ndarray:
        """Mass density rho = m_H n_h (1 + 4 Y), g cm^-3 (H + He)."""
        return M_H * self.n_h * (1.0 + 4.0 * HE_ABUNDANCE)

    def validate(self) -> None:
        """Raise :class:`AtmosphereError` naming the first problem found."""
        names = ("height", "temperature", "n_e", "n_h", "n_p", "velocity", "v_turb", "q_beam")
        if self.height is None:
            raise AtmosphereError(f"{self.name}: the depth scale (height) is missing")
        height = np.asarray(self.height, dtype=float)
        if height.ndim != 1 or height.size < 3:
            raise AtmosphereError(f"{self.name}: the depth scale must be 1-D with >= 3 points, "
                                  f"got shape {height.shape}")
        n = height.size
        for key in names:
            value = getattr(self, key)
            if value is None:
                raise AtmosphereError(f"{self.name}: '{key}' is missing")
            value = np.asarray(value, dtype=float)
            if value.shape != (n,):
                raise AtmosphereError(f"{self.name}: '{key}' has shape {value.shape}, "
                                      f"expected ({n},) like the depth scale")
            if not np.all(np.isfinite(value)):
                bad = int(np.flatnonzero(~np.isfinite(value))[0])
                raise AtmosphereError(f"{self.name}: '{key}' is not finite at depth index {bad}")
            setattr(self, key, np.ascontiguousarray(value))
        dz = np.diff(self.height)
        if not (np.all(dz < 0) or np.all(dz > 0)):
            bad = int(np.flatnonzero(np.sign(dz) != np.sign(dz[0]))[0]) if np.any(dz) else 0
            raise AtmosphereError(f"{self.name}: the depth scale 'height' is not strictly "
                                  f"monotonic (first offending interval at index {bad})")
        if np.all(dz > 0):
            raise AtmosphereError(f"{self.name}: 'height' increases with index; the top of the "
                                  "atmosphere must come first (reverse the arrays)")
        if np.any(self.temperature <= 0):
            raise AtmosphereError(f"{self.name}: 'temperature' must be > 0 "
                                  f"(min {self.temperature.min():.3g} K)")
        for key in ("n_e", "n_h", "n_p", "v_turb", "q_beam"):
            value = getattr(self, key)
            if np.any(value < 0):
                bad = int(np.flatnonzero(value < 0)[0])
                raise AtmosphereError(f"{self.name}: negative density or rate in '{key}' "
                                      f"({value[bad]:.3g} at depth index {bad})")
        if np.any(self.n_h <= 0) or np.any(self.n_e <= 0):
            raise AtmosphereError(f"{self.name}: 'n_h' and 'n_e' must be > 0")
        if np.any(self.n_p > self.n_h * (1 + 1e-9)):
            raise AtmosphereError(f"{self.name}: proton density exceeds the hydrogen density")
        if self.column_mass is not None:
            cm = np.asarray(self.column_mass, dtype=float)
            if cm.shape != (n,) or np.any(np.diff(cm) <= 0):
                raise AtmosphereError(f"{self.name}: 'column_mass' must have shape ({n},) and "
                                      "increase with depth")
            self.column_mass = cm

    def slice(self, start: int, stop: int | None = None) -> Atmosphere:
        """The depth points start:stop (top first) as a new atmosphere."""
        sl = slice(start, stop)
        cm = None if self.column_mass is None else self.column_mass[sl]
        return Atmosphere(self.height[sl], self.temperature[sl], self.n_e[sl], self.n_h[sl],
                          self.n_p[sl], self.velocity[sl], self.v_turb[sl], cm, self.q_beam[sl],
                          self.name, dict(self.meta))

    def with_velocity(self, velocity: float | np.ndarray) -> Atmosphere:
        """A copy with a different line-of-sight velocity (cm s^-1, + = downward)."""
        v = np.broadcast_to(np.asarray(velocity, dtype=float), self.height.shape).copy()
        return Atmosphere(self.height, self.temperature, self.n_e, self.n_h, self.n_p, v,
                          self.v_turb, self.column_mass, self.q_beam, self.name, dict(self.meta))

    @classmethod
    def from_run_snapshot(cls, run: Any, index: int, v_turb: float = DEFAULT_VTURB,
                          photosphere: str | None = "falc",
                          splice_column_mass: float = SPLICE_COLUMN_MASS) -> Atmosphere:
        """Build the atmosphere of snapshot ``index`` of a loop run.

        ``run`` is a :class:`loopsim.Run` or a path to a run file.  Needs the datasets
        ``s``, ``T``, ``n_e``, ``n_H``, ``x_H`` and ``v`` (hydrogen runs); ``q_beam`` and
        ``m`` are used when present.  The apex (first cell) becomes the top; the height is
        ``s_max - s`` (cm), so the line of sight is the loop axis.

        ``photosphere="falc"`` (default) replaces the run's layers deeper than
        ``splice_column_mass`` (g cm^-2) by the FAL-C layers below that column mass (at
        rest, no beam), continuing the height scale with dz = dm / rho.  The loop model's
        deep layers have electrons from hydrogen only and no photospheric temperature
        rise, so their H⁻ continuum would be far too faint; the beam deposits nothing
        there.  ``photosphere=None`` keeps the run's layers as they are.
        """
        from loopsim import open_run

        if not hasattr(run, "scalars"):
            run = open_run(run)
        n_snap = len(run)
        if not -n_snap <= index < n_snap:
            raise AtmosphereError(f"run file '{run.path}': snapshot index {index} out of range "
                                  f"(the file has {n_snap} snapshots)")
        snap = run[index]
        missing = [k for k in RUN_ARRAYS if k not in snap]
        if missing:
            raise AtmosphereError(
                f"run file '{run.path}' snapshot {index} lacks {', '.join(missing)} needed for "
                "the H-alpha synthesis (only hydrogen loop runs can be synthesised)")
        s = np.asarray(snap["s"], dtype=float)
        if np.any(np.diff(s) <= 0):
            raise AtmosphereError(f"run file '{run.path}' snapshot {index}: 's' is not strictly "
                                  "increasing from the apex")
        n_h = np.asarray(snap["n_H"], dtype=float)
        x_h = np.clip(np.asarray(snap["x_H"], dtype=float), 0.0, 1.0)
        q = np.asarray(snap["q_beam"], dtype=float) if "q_beam" in snap else None
        meta = {"source": str(run.path), "snapshot": int(index % n_snap),
                "time": float(snap["time"]), "problem": run.problem,
                "code_version": run.code_version}
        if "beam" in run.config:
            meta["beam"] = dict(run.config["beam"])
        m = np.asarray(snap["m"], dtype=float) if "m" in snap else \
            np.asarray(snap.get("N_H", np.cumsum(n_h * np.gradient(s))), dtype=float) \
            * M_H * (1.0 + 4.0 * HE_ABUNDANCE)
        atmos = cls(height=s[-1] - s, temperature=np.asarray(snap["T"], dtype=float),
                    n_e=np.asarray(snap["n_e"], dtype=float), n_h=n_h, n_p=x_h * n_h,
                    velocity=np.asarray(snap["v"], dtype=float),
                    v_turb=np.full(s.size, float(v_turb)), column_mass=m,
                    q_beam=q, name=f"{run.problem}[{index}]", meta=meta)
        if photosphere is None:
            return atmos
        if photosphere != "falc":
            raise AtmosphereError(f"unknown photosphere {photosphere!r} (use 'falc' or None)")
        from .falc import falc

        return splice_photosphere(atmos, falc(), splice_column_mass)


def splice_photosphere(atmos: Atmosphere, photo: Atmosphere,
                       column_mass: float = 0.1) -> Atmosphere:
    """``atmos`` down to ``column_mass`` (g cm^-2), then the layers of ``photo`` below it.

    Heights continue downward from the last kept point with dz = dm / rho (trapezoidal
    1/rho).  The appended layers are at rest, with ``photo``'s microturbulence and no beam.
    """
    if atmos.column_mass is None or photo.column_mass is None:
        raise AtmosphereError("splice_photosphere needs column masses in both atmospheres")
    keep = atmos.column_mass <= column_mass
    if keep.sum() < 3:
        raise AtmosphereError(f"{atmos.name}: fewer than 3 points above the splice column "
                              f"mass {column_mass} g cm^-2")
    last = int(np.flatnonzero(keep)[-1])
    add = photo.column_mass > atmos.column_mass[last] * (1.0 + 1e-6)
    m = np.concatenate([atmos.column_mass[:last + 1], photo.column_mass[add]])
    rho = np.concatenate([atmos.density[:last + 1], photo.density[add]])
    z = np.empty(m.size)
    z[:last + 1] = atmos.height[:last + 1]
    for k in range(last + 1, m.size):
        z[k] = z[k - 1] - (m[k] - m[k - 1]) * 0.5 * (1.0 / rho[k] + 1.0 / rho[k - 1])
    z = z - z[-1]

    def cat(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.concatenate([a[:last + 1], b[add]])

    meta = dict(atmos.meta)
    meta["photosphere"] = f"{photo.name} below m = {column_mass:g} g cm^-2"
    return Atmosphere(height=z, temperature=cat(atmos.temperature, photo.temperature),
                      n_e=cat(atmos.n_e, photo.n_e), n_h=cat(atmos.n_h, photo.n_h),
                      n_p=cat(atmos.n_p, photo.n_p),
                      velocity=cat(atmos.velocity, np.zeros(photo.n_depth)),
                      v_turb=cat(atmos.v_turb, photo.v_turb), column_mass=m,
                      q_beam=cat(atmos.q_beam, np.zeros(photo.n_depth)), name=atmos.name,
                      meta=meta)

r"""Locate the chromospheric condensation in every snapshot of a loop run.

Physical picture (seed paper Sect. VI and Figure 4; Fisher, Canfield & McClymont 1985):
explosive evaporation drives a thin, dense, cool (1e4-5e4 K) slab of chromospheric
material downward (``v > 0`` in the run files: positive = toward the footpoint). It is
bounded *above* (toward the apex) by the hot evaporated plasma, where the temperature
jumps up by orders of magnitude (the dashed line of the seed's Figure 4), and *below* by
the radiating shock that leads it into the unshocked chromosphere (the solid line).

Definition used here (all thresholds are keyword arguments of :func:`find_condensation`):

1. **Downflow runs.** Cells with ``v > v_min`` (default 5 km/s) are grouped into
   contiguous runs. A run that reaches the lower boundary has no unshocked material
   ahead of it and is discarded.
2. **Core.** In each run the densest cell with ``T < t_hot`` (default 1e5 K) is the core
   of a candidate condensation; a run without a cool cell is discarded.
3. **Upper edge** (evaporated plasma / condensation interface). From the core upward the
   condensation extends through cool cells (``T < t_hot``) of the same run; the upper edge
   is the node above the last of them, i.e. where, going up, the temperature first exceeds
   ``t_hot`` or the downflow first falls to ``v_min``.
4. **Lower edge** (radiating shock). A shock in the simulation is spread over a few cells by
   the artificial viscosity. Its position is taken where the velocity has fallen to a
   fraction ``shock_fraction`` (default 1/2, the half-height of the velocity jump) of the
   condensation's peak velocity: from the core downward the condensation extends through
   cells with ``v >= shock_fraction * v_peak``; the lower edge is the node below the last
   of them. ``v_peak`` is the largest velocity between the upper edge and the end of the
   run. The cell just below the run (``v <= v_min``) is the *pre-shock* (unshocked) cell.
5. **Compression.** The condensation must be denser than the material it runs into: the
   peak hydrogen density between the edges must exceed ``min_contrast`` (default 1.5)
   times that of the pre-shock cell. This rejects slow, uncompressed bulk sinking.
6. **Choice.** If several candidates survive, the one with the largest downward momentum
   per unit area, sum(dm v) between the edges, is the condensation.

A snapshot without a candidate has no condensation: :func:`find_condensation` returns
``None`` and :class:`CondensationHistory` holds NaN (and ``found = False``) for it.

Edges are cell interfaces (nodes): positions from ``x_edges``, column masses from the
cumulative cell masses, hydrogen columns from the cumulative ``dm n_H / rho``. Velocities
in the returned records are in km/s (names end in ``_kms``); everything else is cgs.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from loopsim import open_run
from loopsim.physics.hydrogen import MASS_PER_H

KMS = 1.0e5  #: cm s^-1 per km s^-1

#: defaults of the condensation definition (see the module docstring)
V_MIN = 5.0 * KMS
T_HOT = 1.0e5
SHOCK_FRACTION = 0.5
MIN_CONTRAST = 1.5


@dataclass(frozen=True)
class Condensation:
    """The condensation in one snapshot: cells ``top..bottom`` (inclusive).

    Positions ``s_*`` (cm from the apex along the loop), columns ``N_*`` (hydrogen,
    cm^-2) and ``m_*`` (g cm^-2) refer to the upper edge (``*_upper``, toward the apex)
    and to the lower edge / radiating shock (``*_lower``).
    """

    top: int
    bottom: int
    s_upper: float
    s_lower: float
    N_upper: float
    N_lower: float
    m_upper: float
    m_lower: float
    column_mass: float  #: g cm^-2 between the edges
    column_N: float  #: hydrogen column between the edges (cm^-2)
    thickness: float  #: s_lower - s_upper (cm)
    v_mean_kms: float  #: mass-weighted mean velocity (km/s, positive downward)
    v_max_kms: float  #: largest cell velocity between the edges (km/s)
    rho_mean: float  #: column_mass / thickness (g cm^-3)
    n_H_mean: float  #: column_N / thickness (cm^-3)
    n_H_max: float  #: densest cell (cm^-3)
    n_e_mean: float  #: volume-averaged electron density (cm^-3)
    T_mean: float  #: mass-weighted temperature (K)
    p_mean: float  #: mass-weighted pressure (dyn cm^-2)
    p_above: float  #: pressure of the cell just above the upper edge (driver)
    T_above: float  #: temperature of that cell (K)
    n_H_ahead: float  #: pre-shock (first cell with v <= v_min below the run) n_H
    rho_ahead: float  #: pre-shock density (g cm^-3)
    p_ahead: float  #: pre-shock pressure (dyn cm^-2)
    T_ahead: float  #: pre-shock temperature (K)
    n_cells: int


def _node_columns(snap: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Column mass and hydrogen column at the n+1 nodes."""
    dm = np.asarray(snap["dm"], dtype=float)
    rho = np.asarray(snap["rho"], dtype=float) if "rho" in snap else None
    n_h = _n_h(snap)
    m0 = float(snap["m"][0] - 0.5 * dm[0]) if "m" in snap else 0.0
    m_nodes = m0 + np.concatenate(([0.0], np.cumsum(dm)))
    d_n = dm * n_h / rho if rho is not None else dm / MASS_PER_H
    n0 = float(snap["N_H"][0] - 0.5 * d_n[0]) if "N_H" in snap else m0 / MASS_PER_H
    n_nodes = n0 + np.concatenate(([0.0], np.cumsum(d_n)))
    return m_nodes, n_nodes


def _n_h(snap: dict[str, Any]) -> np.ndarray:
    if "n_H" in snap:
        return np.asarray(snap["n_H"], dtype=float)
    return np.asarray(snap["rho"], dtype=float) / MASS_PER_H


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive (first, last) index pairs of the contiguous True runs of ``mask``."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    starts = np.flatnonzero(np.diff(padded) == 1)
    ends = np.flatnonzero(np.diff(padded) == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def find_condensation(snap: dict[str, Any], *, v_min: float = V_MIN, t_hot: float = T_HOT,
                      shock_fraction: float = SHOCK_FRACTION,
                      min_contrast: float = MIN_CONTRAST) -> Condensation | None:
    """The condensation of one snapshot (dict of cell arrays, cgs), or None.

    Needs ``v``, ``T``, ``dm``, ``x_edges`` and ``rho`` (or ``n_H``); uses ``m``, ``N_H``,
    ``n_H``, ``n_e`` and ``p`` when present. ``v_min`` in cm/s. The definition is in the
    module docstring.
    """
    v = np.asarray(snap["v"], dtype=float)
    temp = np.asarray(snap["T"], dtype=float)
    dm = np.asarray(snap["dm"], dtype=float)
    x_edges = np.asarray(snap["x_edges"], dtype=float)
    n_h = _n_h(snap)
    n = v.size
    dx = np.diff(x_edges)
    rho = np.asarray(snap["rho"], dtype=float) if "rho" in snap else n_h * MASS_PER_H
    n_e = np.asarray(snap["n_e"], dtype=float) if "n_e" in snap else np.full(n, np.nan)
    p = np.asarray(snap["p"], dtype=float) if "p" in snap else np.full(n, np.nan)

    best: tuple[float, int, int, int] | None = None  # (momentum, top, bottom, pre-shock)
    for first, last in _runs(v > v_min):
        if last == n - 1:
            continue  # no unshocked material ahead of this downflow
        cool = np.flatnonzero(temp[first:last + 1] < t_hot) + first
        if cool.size == 0:
            continue
        core = int(cool[np.argmax(n_h[cool])])
        top = core
        while top - 1 >= first and temp[top - 1] < t_hot:
            top -= 1
        v_peak = v[top:last + 1].max()
        bottom = core
        while bottom + 1 <= last and v[bottom + 1] >= shock_fraction * v_peak:
            bottom += 1
        pre = last + 1
        if n_h[top:bottom + 1].max() < min_contrast * n_h[pre]:
            continue
        momentum = float(np.sum(dm[top:bottom + 1] * v[top:bottom + 1]))
        if best is None or momentum > best[0]:
            best = (momentum, top, bottom, pre)
    if best is None:
        return None

    _, top, bottom, pre = best
    cells = slice(top, bottom + 1)
    m_nodes, n_nodes = _node_columns(snap)
    mass = float(dm[cells].sum())
    thickness = float(x_edges[bottom + 1] - x_edges[top])
    column_n = float(n_nodes[bottom + 1] - n_nodes[top])
    weights = dm[cells] / mass
    above = top - 1
    return Condensation(
        top=top,
        bottom=bottom,
        s_upper=float(x_edges[top]),
        s_lower=float(x_edges[bottom + 1]),
        N_upper=float(n_nodes[top]),
        N_lower=float(n_nodes[bottom + 1]),
        m_upper=float(m_nodes[top]),
        m_lower=float(m_nodes[bottom + 1]),
        column_mass=mass,
        column_N=column_n,
        thickness=thickness,
        v_mean_kms=float(np.sum(weights * v[cells])) / KMS,
        v_max_kms=float(v[cells].max()) / KMS,
        rho_mean=mass / thickness,
        n_H_mean=column_n / thickness,
        n_H_max=float(n_h[cells].max()),
        n_e_mean=float(np.sum(n_e[cells] * dx[cells]) / thickness),
        T_mean=float(np.sum(weights * temp[cells])),
        p_mean=float(np.sum(weights * p[cells])),
        p_above=float(p[above]) if above >= 0 else np.nan,
        T_above=float(temp[above]) if above >= 0 else np.nan,
        n_H_ahead=float(n_h[pre]),
        rho_ahead=float(rho[pre]),
        p_ahead=float(p[pre]),
        T_ahead=float(temp[pre]),
        n_cells=bottom - top + 1,
    )


_CONDENSATION_FIELDS = [f.name for f in fields(Condensation)]


@dataclass
class CondensationHistory:
    """Time series of the condensation and of the evaporation/apex diagnostics.

    Every attribute is a numpy array over the snapshots (``times``). Condensation fields
    (those of :class:`Condensation`) are NaN where ``found`` is False (the integer fields
    ``top``, ``bottom`` and ``n_cells`` are -1 / 0 there). Additionally, in every snapshot:
    ``upflow_peak_kms`` (largest upflow speed of hot plasma, T >= t_hot: the evaporation),
    ``upflow_peak_all_kms`` (largest upflow speed of any cell), ``T_apex``, ``n_e_apex``,
    ``n_H_apex``, ``p_apex`` (cell 0) and ``beam_flux`` (injected, erg cm^-2 s^-1, when
    the run records it).
    """

    times: np.ndarray
    found: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    s_upper: np.ndarray
    s_lower: np.ndarray
    N_upper: np.ndarray
    N_lower: np.ndarray
    m_upper: np.ndarray
    m_lower: np.ndarray
    column_mass: np.ndarray
    column_N: np.ndarray
    thickness: np.ndarray
    v_mean_kms: np.ndarray
    v_max_kms: np.ndarray
    rho_mean: np.ndarray
    n_H_mean: np.ndarray
    n_H_max: np.ndarray
    n_e_mean: np.ndarray
    T_mean: np.ndarray
    p_mean: np.ndarray
    p_above: np.ndarray
    T_above: np.ndarray
    n_H_ahead: np.ndarray
    rho_ahead: np.ndarray
    p_ahead: np.ndarray
    T_ahead: np.ndarray
    n_cells: np.ndarray
    upflow_peak_kms: np.ndarray
    upflow_peak_all_kms: np.ndarray
    T_apex: np.ndarray
    n_e_apex: np.ndarray
    n_H_apex: np.ndarray
    p_apex: np.ndarray
    beam_flux: np.ndarray
    #: the thresholds the history was made with
    settings: dict[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.times.size)

    def as_dict(self) -> dict[str, np.ndarray]:
        """All time series by name (without ``settings``)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "settings"}

    def to_records(self) -> np.ndarray:
        """The history as a numpy record array (one record per snapshot)."""
        data = self.as_dict()
        dtype = [(name, arr.dtype) for name, arr in data.items()]
        out = np.empty(len(self), dtype=dtype)
        for name, arr in data.items():
            out[name] = arr
        return out

    @classmethod
    def from_snapshots(cls, snapshots, scalars=None, **settings: float) -> CondensationHistory:
        """Build from an iterable of snapshot dicts (and optional per-snapshot scalars)."""
        t_hot = settings.get("t_hot", T_HOT)
        rows: list[Condensation | None] = []
        extra: dict[str, list[float]] = {k: [] for k in (
            "times", "upflow_peak_kms", "upflow_peak_all_kms", "T_apex", "n_e_apex",
            "n_H_apex", "p_apex", "beam_flux")}
        scalars = list(scalars) if scalars is not None else None
        for i, snap in enumerate(snapshots):
            rows.append(find_condensation(snap, **settings))
            v = np.asarray(snap["v"], dtype=float)
            temp = np.asarray(snap["T"], dtype=float)
            hot = temp >= t_hot
            extra["times"].append(float(snap.get("time", np.nan)))
            extra["upflow_peak_kms"].append(
                max(0.0, float(-v[hot].min())) / KMS if hot.any() else 0.0)
            extra["upflow_peak_all_kms"].append(max(0.0, float(-v.min())) / KMS)
            extra["T_apex"].append(float(temp[0]))
            extra["n_e_apex"].append(float(snap["n_e"][0]) if "n_e" in snap else np.nan)
            extra["n_H_apex"].append(float(_n_h(snap)[0]))
            extra["p_apex"].append(float(snap["p"][0]) if "p" in snap else np.nan)
            flux = scalars[i].get("beam_flux", np.nan) if scalars is not None else np.nan
            extra["beam_flux"].append(float(flux))
        columns: dict[str, np.ndarray] = {k: np.asarray(val, dtype=float)
                                          for k, val in extra.items()}
        columns["found"] = np.array([r is not None for r in rows], dtype=bool)
        for name in _CONDENSATION_FIELDS:
            if name in ("top", "bottom"):
                columns[name] = np.array([getattr(r, name) if r else -1 for r in rows],
                                         dtype=int)
            elif name == "n_cells":
                columns[name] = np.array([r.n_cells if r else 0 for r in rows], dtype=int)
            else:
                columns[name] = np.array([getattr(r, name) if r else np.nan for r in rows],
                                         dtype=float)
        used = {"v_min": V_MIN, "t_hot": T_HOT, "shock_fraction": SHOCK_FRACTION,
                "min_contrast": MIN_CONTRAST}
        used.update(settings)
        return cls(**columns, settings=used)


def condensation_history(run, **settings: float) -> CondensationHistory:
    """Locate the condensation in every snapshot of ``run`` (a Run or a path).

    ``settings`` are the keyword thresholds of :func:`find_condensation`.
    """
    if not hasattr(run, "scalars"):
        run = open_run(run)
    scalars = [run.scalars(i) for i in range(len(run))]
    return CondensationHistory.from_snapshots(iter(run), scalars, **settings)


def _crossing_time(t: np.ndarray, y: np.ndarray, level: float) -> float:
    """First time at which the samples ``y(t)`` fall to ``level`` (linear interpolation)."""
    below = np.flatnonzero(y <= level)
    if below.size == 0:
        return np.nan
    k = int(below[0])
    if k == 0:
        return float(t[0])
    t0, t1, y0, y1 = t[k - 1], t[k], y[k - 1], y[k]
    return float(t0 + (y0 - level) / (y0 - y1) * (t1 - t0))


def _peak(times: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    if not np.isfinite(values).any():
        return np.nan, np.nan
    k = int(np.nanargmax(values))
    return float(values[k]), float(times[k])


def _first_stretch(found: np.ndarray) -> np.ndarray:
    """Mask of the first run of consecutive snapshots in which a condensation is found."""
    mask = np.zeros(found.size, dtype=bool)
    if found.any():
        start = int(np.argmax(found))
        stop = start + int(np.argmin(found[start:])) if not found[start:].all() else found.size
        mask[start:stop] = True
    return mask


def summary(history: CondensationHistory) -> dict[str, float]:
    """Scalar characteristics of a condensation history.

    The condensation is the first run of consecutive snapshots in which one is found (from
    ``t_first`` to ``t_lost``); a later detection, e.g. the front of lifted chromospheric
    gas falling back tens of seconds later, is another feature and enters none of the
    condensation figures (``t_last`` is the last detection of any).

    * ``v_peak_kms``, ``t_peak``: largest mass-weighted condensation downflow and its time;
      ``v_max_peak_kms``: largest single-cell downflow inside the condensation;
    * ``t_decay_1e``: time after ``t_peak`` for the mass-weighted downflow to fall to
      1/e of its peak (linear interpolation between the snapshots in which the
      condensation is found; NaN if it is lost first or the run ends first), and
      ``t_1e`` the absolute time;
    * ``tau_fit``: e-folding time of a least-squares fit ``ln v = a - t / tau`` to the
      post-peak snapshots (NaN with fewer than 3 of them);
    * ``t_first``, ``t_lost``, ``t_last``: see above;
    * ``upflow_peak_kms``/``t_upflow_peak``: fastest evaporation (hot upflow);
    * ``p_apex_peak``, ``n_e_apex_peak``, ``T_apex_peak`` and their times ``t_*``;
    * ``column_mass_max``, ``n_H_mean_max``: largest condensation column mass and density.
    """
    t = history.times
    found = history.found
    first = _first_stretch(found)
    out: dict[str, float] = {}
    v = np.where(first, history.v_mean_kms, np.nan)
    out["v_peak_kms"], out["t_peak"] = _peak(t, v)
    out["v_max_peak_kms"], _ = _peak(t, np.where(first, history.v_max_kms, np.nan))
    out["t_first"] = float(t[found][0]) if found.any() else np.nan
    out["t_last"] = float(t[found][-1]) if found.any() else np.nan
    out["t_decay_1e"] = out["t_1e"] = out["tau_fit"] = out["t_lost"] = np.nan
    if found.any():
        k_peak = int(np.nanargmax(v))
        stretch = np.flatnonzero(first & (np.arange(t.size) >= k_peak))
        ts, vs = t[stretch], v[stretch]
        out["t_lost"] = float(ts[-1])
        t_1e = _crossing_time(ts, vs, out["v_peak_kms"] / np.e)
        out["t_1e"] = t_1e
        out["t_decay_1e"] = t_1e - out["t_peak"]
        post = stretch[vs > 0]
        if post.size >= 3:
            slope, _ = np.polyfit(t[post], np.log(v[post]), 1)
            out["tau_fit"] = float(-1.0 / slope) if slope < 0 else np.inf
    out["upflow_peak_kms"], out["t_upflow_peak"] = _peak(t, history.upflow_peak_kms)
    for name in ("p_apex", "n_e_apex", "T_apex"):
        out[f"{name}_peak"], out[f"t_{name}_peak"] = _peak(t, getattr(history, name))
    out["column_mass_max"], _ = _peak(t, np.where(first, history.column_mass, np.nan))
    out["n_H_mean_max"], _ = _peak(t, np.where(first, history.n_H_mean, np.nan))
    return out

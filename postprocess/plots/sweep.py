"""A derived scalar of a parameter sweep against a swept parameter, one line per hue value.

``loopsim plot sweep DIR --x beam.F20 --y decay_time --hue beam.delta``. Columns are
those of the sweep manifest (``DIR/manifest.csv``): the swept config keys and the derived
scalars of :mod:`postprocess.analysis.sweep_scalars`. Where the scalar has an analytic
counterpart in Fisher's (1989, ApJ 346, 1019) condensation model -- the 1/e decay time of
the downflow (``decay_time``) and the ram-pressure speed of the condensation
(``v_down_peak``) -- the model's value for each member, set up from that member's own
condensation and driver, is overlaid with open markers and dashed lines. Members that
failed, or have no value (NaN, e.g. no condensation found), are left out and counted in
the title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from loopsim.sweep import read_manifest  # noqa: E402

from ..analysis.sweep_scalars import FISHER_PREDICTIONS  # noqa: E402

#: axis labels of the common columns (units are taken from the manifest)
LABELS = {
    "beam.F20": r"$F_{20}$",
    "beam.delta": r"$\delta$",
    "beam.E_cutoff": r"$E_c$",
    "beam.duration": "beam duration",
    "loop.half_length": "loop half-length $L$",
    "v_down_peak": "peak condensation downflow",
    "decay_time": "downflow 1/e decay time",
    "v_up_peak": "peak evaporation upflow",
    "T_apex_peak": r"peak apex $T$",
    "n_e_apex_peak": r"peak apex $n_e$",
    "p_apex_peak": "peak coronal pressure",
}


@dataclass
class SweepSeries:
    """The points of one line: hue value, x, y and Fisher's prediction (NaN if none)."""

    hue: object
    x: np.ndarray
    y: np.ndarray
    fisher: np.ndarray


def _numeric(table: np.ndarray, name: str) -> np.ndarray:
    if name not in table.dtype.names:
        raise ValueError(f"no column '{name}' in the sweep manifest; columns: "
                         f"{', '.join(table.dtype.names)}")
    try:
        return np.asarray(table[name], dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"column '{name}' is not numeric") from None


def sweep_series(sweep_dir: str | Path, x: str, y: str,
                 hue: str | None = None) -> tuple[list[SweepSeries], dict]:
    """The lines :func:`plot_sweep` draws, and facts for the title.

    Only ``done`` members with finite x and y are used; each line is sorted by x.
    """
    manifest = read_manifest(sweep_dir)
    table = manifest.table()
    xs, ys = _numeric(table, x), _numeric(table, y)
    fisher_name = FISHER_PREDICTIONS.get(y)
    fisher = (_numeric(table, fisher_name) if fisher_name in (table.dtype.names or ())
              else np.full(len(table), np.nan))
    if hue is not None and hue not in table.dtype.names:
        raise ValueError(f"no column '{hue}' in the sweep manifest")
    hues = table[hue] if hue is not None else np.zeros(len(table))
    usable = (table["status"] == "done") & np.isfinite(xs) & np.isfinite(ys)
    series = []
    for value in sorted(set(hues[usable].tolist())):
        pick = usable & (hues == value)
        order = np.argsort(xs[pick], kind="stable")
        series.append(SweepSeries(hue=value if hue is not None else None,
                                  x=xs[pick][order], y=ys[pick][order],
                                  fisher=fisher[pick][order]))
    facts = {"name": manifest.attrs.get("name", ""), "members": len(table),
             "x_all": xs[np.isfinite(xs)],
             "shown": int(usable.sum()), "failed": int((table["status"] == "failed").sum()),
             "units": manifest.units, "fisher": fisher_name}
    return series, facts


def _label(name: str, units: dict[str, str]) -> str:
    unit = re.sub(r"\^(-?[0-9./]+)", r"$^{\1}$", units.get(name, ""))  # cm^-3 -> cm$^{-3}$
    text = LABELS.get(name, name)
    return f"{text} ({unit})" if unit and unit != "1" else text


def _log_if_wide(values: np.ndarray) -> bool:
    values = values[np.isfinite(values)]
    return bool(values.size and values.min() > 0 and values.max() >= 10.0 * values.min())


def plot_sweep(sweep_dir: str | Path, output: str | Path, x: str, y: str,
               hue: str | None = None) -> Path:
    """Plot manifest column ``y`` against ``x`` (one line per value of ``hue``), with
    Fisher's (1989) prediction overlaid where it exists for ``y``.

    Returns the output path (PNG at 300 dpi; other formats by extension).
    """
    series, facts = sweep_series(sweep_dir, x, y, hue)
    units = facts["units"]
    fig, ax = plt.subplots(figsize=(5.6, 4.2), constrained_layout=True)
    fisher_drawn = False
    for k, line in enumerate(series):
        colour = f"C{k % 10}"
        label = (f"{LABELS.get(hue, hue)} = {line.hue:g}" if isinstance(line.hue, float)
                 else f"{LABELS.get(hue, hue)} = {line.hue}") if hue is not None else "simulation"
        ax.plot(line.x, line.y, "o-", color=colour, ms=5, lw=1.3, label=label)
        ok = np.isfinite(line.fisher)
        if ok.any():
            ax.plot(line.x[ok], line.fisher[ok], "o--", color=colour, mfc="white", ms=5,
                    lw=1.0, label=None if fisher_drawn or hue is not None else "Fisher (1989)")
            fisher_drawn = True
    if fisher_drawn and hue is not None:
        ax.plot([], [], "o--", color="0.3", mfc="white", label="Fisher (1989) model, "
                "from each run's condensation")
    all_x = np.concatenate([s.x for s in series]) if series else np.array([])
    all_y = np.concatenate([np.concatenate([s.y, s.fisher]) for s in series]) if series \
        else np.array([])
    x_all = facts["x_all"]  # the axis spans every member, with a value or not
    if _log_if_wide(x_all if x_all.size else all_x):
        ax.set_xscale("log")
    if x_all.size and x_all.max() > x_all.min():
        pad = (x_all.max() / x_all.min()) ** 0.05 if ax.get_xscale() == "log" else None
        if pad is not None:
            ax.set_xlim(x_all.min() / pad, x_all.max() * pad)
        else:
            span = 0.05 * (x_all.max() - x_all.min())
            ax.set_xlim(x_all.min() - span, x_all.max() + span)
    if _log_if_wide(all_y):
        ax.set_yscale("log")
    ax.set_xlabel(_label(x, units))
    ax.set_ylabel(_label(y, units))
    hidden = facts["members"] - facts["shown"]
    note = f"; {hidden} failed or without a value (not shown)" if hidden else ""
    ax.set_title(f"sweep {facts['name']}: {facts['shown']} of {facts['members']} members"
                 f"{note}", fontsize=9)
    ax.tick_params(which="both", direction="in", top=True, right=True)
    if series:
        ax.legend(fontsize=8, frameon=False)
    else:
        ax.text(0.5, 0.5, f"no member has a finite {y}", transform=ax.transAxes,
                ha="center", va="center")
    output = Path(output)
    fig.savefig(output, dpi=300)
    plt.close(fig)
    return output

"""Seed-paper Figure 4: the chromospheric condensation in the first seconds of a flare.

Four stacked panels -- temperature, hydrogen density, velocity (positive downward) and
pressure -- against log10 N_H (hydrogen column from the loop apex, cm^-2) at several
times, each snapshot in its own colour, with the condensation found by
:func:`postprocess.analysis.condensation.find_condensation` marked: dashed vertical line
= upper edge (hot evaporated plasma to its left), solid line = lower edge (radiating
shock). The pre-flare atmosphere is drawn in grey for reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from loopsim import open_run  # noqa: E402

from ..analysis.condensation import KMS, find_condensation  # noqa: E402

#: default window of the figure: the first seconds of heating
DEFAULT_T_MAX = 5.0
DEFAULT_COUNT = 5
#: x-range used when no condensation is found (log10 N_H)
DEFAULT_XLIM = (17.0, 21.5)


def default_indices(times: np.ndarray, t_max: float = DEFAULT_T_MAX,
                    count: int = DEFAULT_COUNT) -> list[int]:
    """About ``count`` snapshots evenly spread over 0 < t <= t_max."""
    candidates = np.flatnonzero((times > 0) & (times <= t_max + 1e-9))
    if candidates.size == 0:
        candidates = np.flatnonzero(times > 0)[:count]
    if candidates.size <= count:
        return candidates.tolist()
    t_hi = times[candidates[-1]]
    wanted = np.linspace(t_hi / count, t_hi, count)
    return sorted({int(candidates[np.argmin(np.abs(times[candidates] - w))])
                   for w in wanted})


def _select(times: np.ndarray, wanted: Sequence[float] | None) -> list[int]:
    if not wanted:
        return default_indices(times)
    return sorted({int(np.argmin(np.abs(times - t))) for t in wanted})


def _transition_region(snap: dict) -> float | None:
    """log10 N_H of the deepest cell above the chromosphere with T >= 1e5 K."""
    temp, column = snap["T"], snap["N_H"]
    hot = np.flatnonzero(temp >= 1.0e5)
    cool = np.flatnonzero(temp < 1.0e5)
    if hot.size == 0 or cool.size == 0:
        return None
    return float(np.log10(column[max(cool[0] - 1, 0)]))


def _x_limits(snaps: list[dict], edges: list) -> tuple[float, float]:
    lows = [x for x in (_transition_region(s) for s in snaps) if x is not None]
    lows += [np.log10(c.N_upper) for c in edges if c is not None]
    highs = [np.log10(c.N_lower) for c in edges if c is not None]
    if not highs:
        return DEFAULT_XLIM
    lo = min(lows) - 1.0
    hi = max(highs) + 1.0
    data_lo = min(np.log10(s["N_H"][0]) for s in snaps)
    data_hi = max(np.log10(s["N_H"][-1]) for s in snaps)
    lo, hi = max(lo, data_lo), min(hi, data_hi)
    if hi - lo < 2.5:  # keep some context around thin structures
        mid = 0.5 * (lo + hi)
        lo, hi = max(mid - 1.25, data_lo), min(mid + 1.25, data_hi)
    return lo, hi


def _title(run) -> str:
    beam = run.config.get("beam", {})
    if not beam.get("enabled", False):
        return run.problem
    f20 = beam.get("F20", np.nan)
    exponent = int(np.floor(np.log10(f20))) if f20 > 0 else 0
    mantissa = f20 / 10.0**exponent
    flux = (rf"10^{{{exponent}}}" if abs(mantissa - 1) < 1e-6
            else rf"{mantissa:g}\times10^{{{exponent}}}")
    return (rf"{run.problem}:  $F_{{20}} = {flux}$ erg cm$^{{-2}}$ s$^{{-1}}$, "
            rf"$\delta = {beam.get('delta', np.nan):g}$, "
            rf"$E_c = {beam.get('E_cutoff', np.nan):g}$ keV")


def plot_figure4(run_path: str | Path, output: str | Path,
                 times: Sequence[float] | None = None) -> Path:
    """T, n_H, v and p against log10 N_H at several times, condensation edges marked.

    ``times``: snapshot times to show (nearest snapshots); default about five snapshots
    evenly spread over 0 < t <= 5 s. Returns the output path (PNG at 300 dpi; any other
    matplotlib format by extension).
    """
    run = open_run(run_path)
    indices = _select(run.times, times)
    snaps = [run[i] for i in indices]
    edges = [find_condensation(s) for s in snaps]
    initial = run[0]
    lo, hi = _x_limits(snaps, edges)
    margin = 0.05 * (hi - lo)

    fig, axes = plt.subplots(4, 1, figsize=(6.4, 9.2), sharex=True, constrained_layout=True)
    panels = (
        ("T", lambda s: s["T"], "$T$ (K)", True),
        ("n_H", lambda s: s["n_H"], r"$n_\mathrm{H}$ (cm$^{-3}$)", True),
        ("v", lambda s: s["v"] / KMS, r"$v$ (km s$^{-1}$, $+$ = down)", False),
        ("p", lambda s: s["p"], r"$p$ (dyn cm$^{-2}$)", True),
    )
    colours = plt.cm.plasma(np.linspace(0.0, 0.85, max(len(snaps), 2)))

    def visible(snap: dict) -> tuple[np.ndarray, np.ndarray]:
        log_n = np.log10(snap["N_H"])
        keep = (log_n >= lo - margin) & (log_n <= hi + margin)
        return log_n, keep

    log_n0, keep0 = visible(initial)
    for ax, (_, getter, label, log) in zip(axes, panels, strict=True):
        ax.plot(log_n0[keep0], getter(initial)[keep0], color="0.55", lw=1.0, ls=(0, (4, 2)),
                zorder=1)
        for colour, snap, cond in zip(colours, snaps, edges, strict=False):
            log_n, keep = visible(snap)
            ax.plot(log_n[keep], getter(snap)[keep], color=colour, lw=1.3, marker=".", ms=2.5,
                    zorder=3)
            if cond is not None:
                ax.axvline(np.log10(cond.N_upper), color=colour, ls="--", lw=0.9, zorder=2)
                ax.axvline(np.log10(cond.N_lower), color=colour, ls="-", lw=0.9, zorder=2)
        if log:
            ax.set_yscale("log")
        else:
            ax.axhline(0.0, color="0.3", lw=0.6, zorder=0)
        ax.set_ylabel(label)
        ax.tick_params(which="both", direction="in", top=True, right=True)
    axes[-1].set_xlim(lo, hi)
    axes[-1].set_xlabel(r"$\log_{10} N_\mathrm{H}$ (cm$^{-2}$)")

    handles = [Line2D([], [], color="0.55", lw=1.0, ls=(0, (4, 2)), label="$t = 0$ (pre-flare)")]
    handles += [Line2D([], [], color=c, lw=1.3, marker=".", ms=3, label=f"$t = {s['time']:.3g}$ s")
                for c, s in zip(colours, snaps, strict=False)]
    axes[0].legend(handles=handles, fontsize=7.5, frameon=False, loc="upper right", ncol=2)
    edge_handles = [Line2D([], [], color="k", ls="--", lw=0.9, label="upper edge (evaporation)"),
                    Line2D([], [], color="k", ls="-", lw=0.9, label="lower edge (shock)")]
    axes[2].legend(handles=edge_handles, fontsize=7.5, frameon=False, loc="best")
    fig.suptitle(_title(run), fontsize=9.5)
    output = Path(output)
    fig.savefig(output, dpi=300)
    plt.close(fig)
    return output

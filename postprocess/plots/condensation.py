"""Condensation diagnostics against time, with Fisher's (1989) model overlaid.

Ten panels sharing the time axis: (a) condensation downflow (mass-weighted mean and
peak) with Fisher's model driven by the mean and by the measured evaporation pressure;
(b) positions of the edges (log N_H) and of the model's shock; (c) mean and pre-shock
hydrogen density; (d) mean temperature; (e) column mass; (f) thickness; (g) peak
evaporation (hot upflow) speed; (h-j) apex temperature, electron density and pressure.
The beam-on interval is shaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from loopsim import open_run  # noqa: E402

from ..analysis.condensation import condensation_history, summary  # noqa: E402
from ..analysis.fisher89 import beam_end_time, fisher_from_run  # noqa: E402


def _log_if_wide(ax, *arrays: np.ndarray) -> None:
    """Logarithmic y axis when the finite positive data span more than a decade."""
    data = np.concatenate([np.asarray(a, dtype=float).ravel() for a in arrays])
    data = data[np.isfinite(data) & (data > 0)]
    if data.size and data.max() > 10.0 * data.min():
        ax.set_yscale("log")
    else:
        ax.ticklabel_format(axis="y", style="sci", scilimits=(-3, 4), useMathText=True)


def _time_range(times: np.ndarray, wanted: Sequence[float] | None) -> tuple[float, float]:
    if wanted:
        return float(min(wanted)), float(max(wanted))
    return float(times[0]), float(times[-1])


def plot_condensation(run_path: str | Path, output: str | Path,
                      times: Sequence[float] | None = None) -> Path:
    """Condensation and evaporation diagnostics of a loop run against time.

    ``times``: if given, the time axis spans their minimum to maximum; default: the whole
    run. Returns the output path (PNG at 300 dpi; other formats by extension).
    """
    run = open_run(run_path)
    history = condensation_history(run)
    stats = summary(history)
    t = history.times
    found = history.found
    t_lo, t_hi = _time_range(t, times)

    models = []
    if found.any():
        for driver, style, label in (("mean", "--", "Fisher (1989), mean driver"),
                                     ("series", ":", "Fisher (1989), measured driver")):
            try:
                models.append((fisher_from_run(run, history, driver=driver), style, label))
            except (ValueError, RuntimeError):
                pass

    fig, axes = plt.subplots(5, 2, figsize=(8.6, 11.0), sharex=True, constrained_layout=True)
    ax = axes.flat
    beam_start = float(run.config.get("beam", {}).get("start", 0.0))
    beam_end = beam_end_time(run.config)
    for a in ax:
        if beam_end is not None:
            a.axvspan(beam_start, beam_end, color="0.94", zorder=0, lw=0)
        a.tick_params(which="both", direction="in", top=True, right=True)

    def series(a, y, label=None, colour="C0", marker="o", **kw):
        a.plot(t[found], y[found], marker=marker, ms=3, lw=1.2, color=colour, label=label, **kw)

    # (a) velocity
    series(ax[0], history.v_mean_kms, "simulation, mass-weighted")
    series(ax[0], history.v_max_kms, "simulation, peak cell", colour="C1", marker=".", alpha=0.8)
    for comparison, style, label in models:
        sol = comparison.solution
        ax[0].plot(sol.t, sol.v_kms, color="k", ls=style, lw=1.3, label=label)
    if np.isfinite(stats["t_1e"]):
        ax[0].axvline(stats["t_1e"], color="C0", lw=0.7, ls="-.")
        ax[0].annotate(f"1/e after {stats['t_decay_1e']:.1f} s", (stats["t_1e"], 0.93),
                       xycoords=("data", "axes fraction"), fontsize=7, ha="left",
                       xytext=(3, 0), textcoords="offset points", color="C0")
    ax[0].set_ylabel(r"downflow (km s$^{-1}$)")
    ax[0].set_ylim(bottom=0)
    ax[0].legend(fontsize=6.5, frameon=False, loc="best")

    # (b) position
    series(ax[1], np.log10(history.N_upper), "upper edge", colour="C2")
    series(ax[1], np.log10(history.N_lower), "lower edge (shock)", colour="C3")
    for comparison, style, label in models:
        ax[1].plot(comparison.solution.t, np.log10(comparison.N_front), color="k", ls=style,
                   lw=1.1, label=label.replace("Fisher (1989)", "Fisher shock"))
    ax[1].set_ylabel(r"$\log_{10} N_\mathrm{H}$ (cm$^{-2}$)")
    ax[1].invert_yaxis()
    ax[1].legend(fontsize=6.5, frameon=False, loc="lower left")

    # (c) density, (d) temperature
    series(ax[2], history.n_H_mean, "condensation (mean)")
    series(ax[2], history.n_H_ahead, "pre-shock", colour="C7", marker=".")
    _log_if_wide(ax[2], history.n_H_mean[found], history.n_H_ahead[found])
    ax[2].set_ylabel(r"$n_\mathrm{H}$ (cm$^{-3}$)")
    ax[2].legend(fontsize=6.5, frameon=False, loc="best")
    series(ax[3], history.T_mean, "condensation (mass-weighted)")
    _log_if_wide(ax[3], history.T_mean[found])
    ax[3].set_ylabel(r"$T$ (K)")

    # (e) column mass, (f) thickness
    series(ax[4], history.column_mass, "simulation")
    for comparison, style, label in models:
        ax[4].plot(comparison.solution.t, comparison.solution.column_mass, color="k", ls=style,
                   lw=1.1, label=label)
    _log_if_wide(ax[4], history.column_mass[found],
                 *(c.solution.column_mass for c, _, _ in models))
    ax[4].set_ylabel(r"column mass (g cm$^{-2}$)")
    series(ax[5], history.thickness / 1.0e5)
    ax[5].set_ylabel("thickness (km)")

    # (g) evaporation
    ax[6].plot(t, history.upflow_peak_all_kms, color="C3", lw=3.0, alpha=0.25,
               label="any plasma")
    ax[6].plot(t, history.upflow_peak_kms, color="C3", lw=1.2, marker=".", ms=3,
               label=r"hot plasma ($T \geq 10^5$ K)")
    ax[6].set_ylabel(r"peak upflow (km s$^{-1}$)")
    ax[6].legend(fontsize=6.5, frameon=False, loc="best")

    # (h-j) apex
    ax[7].plot(t, history.T_apex / 1.0e6, color="C4", lw=1.2)
    ax[7].set_ylabel(r"apex $T$ (MK)")
    ax[8].plot(t, history.n_e_apex, color="C4", lw=1.2)
    _log_if_wide(ax[8], history.n_e_apex)
    ax[8].set_ylabel(r"apex $n_e$ (cm$^{-3}$)")
    ax[9].plot(t, history.p_apex, color="C4", lw=1.2)
    _log_if_wide(ax[9], history.p_apex)
    ax[9].set_ylabel(r"apex $p$ (dyn cm$^{-2}$)")

    if not found.any():
        for a in ax[:6]:
            if a.get_legend() is not None:
                a.get_legend().remove()
            a.set_yticks([])
            a.text(0.5, 0.5, "no condensation found", transform=a.transAxes, ha="center",
                   va="center", fontsize=8, color="0.4")
    for a, letter in zip(ax, "abcdefghij", strict=True):
        a.set_title(f"({letter})", loc="right", fontsize=8, pad=2)
    for a in axes[-1]:
        a.set_xlabel("time (s)")
    axes[-1, 0].set_xlim(t_lo, t_hi)

    headline = (f"peak downflow {stats['v_peak_kms']:.0f} km/s at t = {stats['t_peak']:.3g} s"
                if np.isfinite(stats["v_peak_kms"]) else "no condensation found")
    fig.suptitle(f"{run.problem}: condensation and evaporation ({headline}; "
                 "grey: beam on)", fontsize=9)
    output = Path(output)
    fig.savefig(output, dpi=300)
    plt.close(fig)
    return output

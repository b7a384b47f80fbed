"""Density, pressure, velocity and specific internal energy against position.

For Riemann problems on a planar mesh the exact solution (our own solver,
:mod:`postprocess.reference.riemann`) is drawn under the numerical one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from loopsim import open_run  # noqa: E402

from ..reference.riemann import GasState, exact_riemann  # noqa: E402

PANELS = (("rho", r"$\rho$"), ("p", "$p$"), ("v", "$v$"), ("e", "$e$"))


def select_snapshots(times: np.ndarray, wanted: Sequence[float] | None) -> list[int]:
    """Indices of the snapshots nearest to the wanted times (all when None)."""
    if not wanted:
        return list(range(len(times)))
    return sorted({int(np.argmin(np.abs(times - t))) for t in wanted})


def plot_hydro(run_path: str | Path, output: str | Path,
                  times: Sequence[float] | None = None) -> Path:
    """Four panels (rho, p, v, e against x) for the selected snapshots; returns the path."""
    run = open_run(run_path)
    indices = select_snapshots(run.times, times)
    initial = run.config.get("initial", {})
    gamma = run.config.get("eos", {}).get("gamma")
    riemann = initial.get("kind") == "riemann" and gamma is not None

    fig, axes = plt.subplots(2, 2, figsize=(9, 6.5), sharex=True, constrained_layout=True)
    colours = plt.cm.viridis(np.linspace(0.0, 0.9, len(indices)))
    for colour, index in zip(colours, indices, strict=True):
        snap = run[index]
        t = snap["time"]
        exact = None
        if riemann and t > 0:
            left = GasState(initial["left"]["rho"], initial["left"]["v"], initial["left"]["p"])
            right = GasState(initial["right"]["rho"], initial["right"]["v"],
                             initial["right"]["p"])
            xs = np.linspace(snap["x_edges"][0], snap["x_edges"][-1], 2000)
            exact = (xs, exact_riemann(left, right, gamma, xs, t, initial["x_interface"]))
        for ax, (key, label) in zip(axes.flat, PANELS, strict=True):
            if exact is not None:
                ax.plot(exact[0], exact[1]["u" if key == "v" else key], color="0.6", lw=2.5,
                        zorder=1)
            ax.plot(snap["x"], snap[key], ".", ms=2.5, color=colour, zorder=2,
                    label=f"t = {t:.4g}")
            ax.set_ylabel(label)
    for ax in axes[1]:
        ax.set_xlabel("x")
    axes[0, 0].legend(fontsize=8, frameon=False)
    title = f"{run.problem} ({len(snap['x'])} cells)"
    if riemann:
        title += " - grey: exact Riemann solution"
    fig.suptitle(title)
    output = Path(output)
    fig.savefig(output, dpi=150)
    plt.close(fig)
    return output

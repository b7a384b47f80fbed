"""Figure 2 style: a time sequence of Hα profiles stacked with vertical offsets.

Reads a profiles file (``loopsim synth``); each selected time is drawn as
``intensity_norm`` (quiet-Sun continuum = 1) against Delta lambda = lambda_air - 6562.81 Å
over ± 4.8 Å, shifted up by a constant offset per time and labelled with its time; the
quiet-Sun continuum level of each curve is drawn as a dotted line.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..profiles_file import read_profiles  # noqa: E402

HALPHA_AIR = 6562.81  # Å (air), line centre of the model atom's Hα
HALF_RANGE = 4.8  # Å


def plot_halpha_profiles(profiles_path: str | Path, output: str | Path,
                         times: Sequence[float] | None = None, max_curves: int = 12) -> Path:
    """Stacked Hα profiles (seed Figure 2 style); returns the figure path.

    ``times``: the profiles nearest these times (s); default: up to ``max_curves``
    evenly spaced profiles.
    """
    prof = read_profiles(profiles_path)
    t = prof.time
    if times:
        idx = sorted({int(np.argmin(np.abs(t - tt))) for tt in times})
    elif t.size > max_curves:
        idx = sorted(set(np.linspace(0, t.size - 1, max_curves).round().astype(int).tolist()))
    else:
        idx = list(range(t.size))
    dl = prof.wavelength_air - HALPHA_AIR
    sel = np.abs(dl) <= HALF_RANGE + 1e-9
    data = prof.intensity_norm[idx][:, sel]
    offset = max(0.5, 0.6 * float(np.nanmax(data) - np.nanmin(data[:, :]))) if data.size else 1.0
    fig, ax = plt.subplots(figsize=(5.2, 1.6 + 0.55 * len(idx)), constrained_layout=True)
    for n, i in enumerate(idx):
        base = n * offset
        ax.plot(dl[sel], prof.intensity_norm[i, sel] + base, color="k", lw=1.0)
        ax.axhline(1.0 + base, color="0.6", lw=0.6, ls=":")
        ax.text(HALF_RANGE + 0.15, prof.intensity_norm[i, sel][-1] + base, f"{t[i]:.1f} s",
                va="center", fontsize=8)
    ax.axvline(0.0, color="0.7", lw=0.6)
    ax.set_xlim(-HALF_RANGE, HALF_RANGE)
    ax.set_xlabel(r"$\Delta\lambda$ from H$\alpha$ (Å, air)")
    ax.set_ylabel(r"$I/I_c$(quiet Sun) + offset")
    source = prof.attrs.get("source_problem", prof.attrs.get("source", ""))
    ax.set_title(f"H$\\alpha$ profiles, {source}, $\\mu$ = {prof.mu:g}", fontsize=9)
    ax.margins(y=0.03)
    ax.spines[["top", "right"]].set_visible(False)
    output = Path(output)
    fig.savefig(output, dpi=150)
    plt.close(fig)
    return output

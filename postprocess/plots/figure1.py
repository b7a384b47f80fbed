"""Seed-paper Figure 1: Hα profiles of static flare chromospheres (CGR84 grid).

Upper panel: several coronal pressures P0 at fixed beam flux F20 (``UPPER_F20``); lower
panel: several F20 at fixed P0 (``LOWER_P0``).  The transition-region conductive flux F5
is by default ``"rtv"``: the flux at 1e5 K of the static loop at each model's P0
(4.8e5 P0 erg cm^-2 s^-1; P0 and F5 are not independent, seed Section V, and in this model
a fixed F5 either evaporates the top of the low-P0 chromospheres or starves the high-P0
ones, docs/physics.md §14); a number holds F5 fixed as CGR84 did.  The chromosphere
absorbs the fraction IRRADIATION_F_ABS (0.5) of the conductive layer's downward radiation
(F_down = 0.5 x 0.5 F5, photoionisation of H I and He I; noted in the title).  Each
profile is :func:`postprocess.analysis.cgr84.cgr84_profile` (a static chromosphere in
energy balance built with loopsim's physics, non-LTE Hα at disk centre), drawn as the
intensity normalised to the quiet-Sun continuum near Hα against Δλ (Å, air) over ± 5 Å,
with the quiet-Sun (FAL-C) profile dotted for reference.  Canfield, Gunkler & Ricchiazzi
(1984, ApJ 282, 296) drew the same two panels; the seed's Figure 1 reproduces them.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..analysis.cgr84 import (  # noqa: E402
    F5,
    IRRADIATION_F_ABS,
    GridProfile,
    cgr84_profile,
    conductive_flux,
)

#: upper panel: coronal pressures (dyn cm^-2) at beam flux UPPER_F20 (erg cm^-2 s^-1)
UPPER_P0 = (1.0, 10.0, 100.0, 1000.0, 10000.0)
UPPER_F20 = 1.0e8
#: lower panel: beam fluxes (erg cm^-2 s^-1) at coronal pressure LOWER_P0 (dyn cm^-2)
LOWER_F20 = (1.0e8, 1.0e9, 1.0e10, 1.0e11)
LOWER_P0 = 100.0
HALF_RANGE = 5.0  # Å


def _profiles(points: list[tuple[float, float]], f5: float | str, cells: int,
              progress: bool | None) -> dict[tuple[float, float], GridProfile]:
    """The profiles of the distinct (P0, F20) points, with a progress bar on stderr."""
    from tqdm import tqdm

    unique = list(dict.fromkeys(points))
    bar = tqdm(unique, desc="figure1 models", unit="model", file=sys.stderr,
               disable=(not sys.stderr.isatty()) if progress is None else not progress)
    return {(p0, f20): cgr84_profile(p0, f20, f5=f5, cells=cells) for p0, f20 in bar}


def _quiet_sun() -> tuple[np.ndarray, np.ndarray]:
    from ..halpha import SynthSettings, falc, quiet_sun_continuum, synthesise

    settings = SynthSettings()
    spectrum = synthesise(falc(), settings, ionisation="solve")
    centre = spectrum.wavelength_air[spectrum.wavelength_air.size // 2]
    return spectrum.wavelength_air - centre, spectrum.intensity / quiet_sun_continuum(settings)


def _panel(ax, curves: list[tuple[str, GridProfile]], quiet: tuple[np.ndarray, np.ndarray],
           title: str, legend: str) -> None:
    colours = plt.cm.viridis(np.linspace(0.0, 0.85, len(curves)))
    for (label, profile), colour in zip(curves, colours, strict=True):
        show = np.abs(profile.delta_lambda) <= HALF_RANGE + 1e-9
        ax.plot(profile.delta_lambda[show], profile.intensity_norm[show], color=colour,
                lw=1.4, label=label)
    show = np.abs(quiet[0]) <= HALF_RANGE + 1e-9
    ax.plot(quiet[0][show], quiet[1][show], color="0.4", lw=0.9, ls=":", label="quiet Sun")
    ax.axhline(1.0, color="0.75", lw=0.6)
    ax.set_xlim(-HALF_RANGE, HALF_RANGE)
    ax.set_ylim(bottom=0.0)
    ax.set_ylabel(r"$I / I_c$(quiet Sun)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7.5, frameon=False, loc=legend)
    ax.spines[["top", "right"]].set_visible(False)


def _latex_power(value: float) -> str:
    exponent = int(np.floor(np.log10(value)))
    mantissa = value / 10.0**exponent
    power = f"10^{{{exponent}}}"
    return power if np.isclose(mantissa, 1.0) else f"{mantissa:g}\\times{power}"


def _f5_text(f5: float | str, p0: float | None) -> str:
    """Panel label of F5: the fixed value, or for "rtv" the static-loop relation (upper
    panel, P0 varies) or its value at the panel's P0 (lower panel)."""
    if isinstance(f5, str):
        value = float(f"{conductive_flux(p0 or 1.0, f5):.2g}")
        if p0 is None:  # F5 of the static loop is proportional to P0
            return f"$F_5 = {_latex_power(value)}\\,P_0$ (static loop)"
        return f"$F_5 = {_latex_power(value)}$ (static loop)"
    return f"$F_5 = {_latex_power(f5)}$" if f5 > 0 else "$F_5 = 0$"


def plot_figure1(output: str | Path, cells: int = 60, p0: Sequence[float] | None = None,
                 f20: Sequence[float] | None = None, f5: float | str = F5,
                 progress: bool | None = None) -> Path:
    """Draw Figure 1 to ``output``; returns the path.

    ``p0``: coronal pressures of the upper panel (dyn cm^-2; default ``UPPER_P0``, at
    F20 = ``UPPER_F20``); ``f20``: beam fluxes of the lower panel (erg cm^-2 s^-1; default
    ``LOWER_F20``, at P0 = ``LOWER_P0``); ``f5``: conductive flux at 1e5 K, a number
    (erg cm^-2 s^-1, every model) or "rtv" (default: the static loop's flux at each
    model's P0); ``cells``: cells per model.  All parameters are validated (ConfigError
    naming the bad one) before any model is computed.
    """
    from loopsim.flare_chromosphere import validate_parameters

    pressures = tuple(p0) if p0 else UPPER_P0
    fluxes = tuple(f20) if f20 else LOWER_F20
    upper = [(p, UPPER_F20) for p in pressures]
    lower = [(LOWER_P0, f) for f in fluxes]
    for point in upper + lower:
        validate_parameters(*point, cells=cells)
        conductive_flux(point[0], f5)
    profiles = _profiles(upper + lower, f5, cells, progress)
    quiet = _quiet_sun()

    fig, axes = plt.subplots(2, 1, figsize=(5.5, 7.5), sharex=True, constrained_layout=True)
    _panel(axes[0], [(f"$P_0 = {_latex_power(p)}$", profiles[(p, f)]) for p, f in upper],
           quiet, f"$F_{{20}} = {_latex_power(UPPER_F20)}$, {_f5_text(f5, None)} (erg cm$^{{-2}}$ "
           f"s$^{{-1}}$), $P_0$ in dyn cm$^{{-2}}$", "lower right")
    _panel(axes[1], [(f"$F_{{20}} = {_latex_power(f)}$", profiles[(p, f)]) for p, f in lower],
           quiet, f"$P_0 = {_latex_power(LOWER_P0)}$ dyn cm$^{{-2}}$, "
           f"{_f5_text(f5, LOWER_P0)}, $F_{{20}}$ in erg cm$^{{-2}}$ s$^{{-1}}$", "upper right")
    axes[1].set_xlabel(r"$\Delta\lambda$ from H$\alpha$ line centre (Å, air)")
    fig.suptitle(f"Hα of static flare chromospheres (CGR84 grid, δ = 4, $E_c$ = 20 keV, "
                 f"{cells} cells;\nchromosphere absorbs {IRRADIATION_F_ABS:g} of the "
                 "transition region's downward EUV)", fontsize=9.5)
    output = Path(output)
    fig.savefig(output, dpi=200)
    plt.close(fig)
    return output

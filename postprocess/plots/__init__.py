"""Figures made from run, profiles, raster and sweep files.

Each figure is one module with one ``plot_*`` function; :data:`PLOTS` maps the figure name
used by ``loopsim plot NAME`` to ``(module, function)`` so that the command line imports
only the figure it draws (matplotlib and the analysis code load lazily).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

#: figure name -> (module in postprocess.plots, plotting function)
PLOTS: dict[str, tuple[str, str]] = {
    "figure1": ("figure1", "plot_figure1"),
    "hydro": ("hydro", "plot_hydro"),
    "figure4": ("figure4", "plot_figure4"),
    "condensation": ("condensation", "plot_condensation"),
    "profiles": ("halpha_profiles", "plot_halpha_profiles"),
    "figure5": ("figure5", "plot_figure5"),
    "raster": ("raster", "plot_raster"),
    "sweep": ("sweep", "plot_sweep"),
}


def plot_function(name: str) -> Any:
    """The plotting function registered as ``name`` (KeyError naming the choices)."""
    if name not in PLOTS:
        raise KeyError(f"unknown figure '{name}'; choose from {', '.join(sorted(PLOTS))}")
    module, function = PLOTS[name]
    return getattr(import_module(f"{__name__}.{module}"), function)


__all__ = ["PLOTS", "plot_function"]

"""Figures made from run files; one function per figure, registered in :data:`PLOTS`."""

from .condensation import plot_condensation
from .figure4 import plot_figure4
from .profiles import plot_profiles

#: figure name (as used by ``loopsim plot NAME``) -> function(run_path, output, times=...)
PLOTS = {"profiles": plot_profiles, "figure4": plot_figure4, "condensation": plot_condensation}

__all__ = ["PLOTS", "plot_condensation", "plot_figure4", "plot_profiles"]

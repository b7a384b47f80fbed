"""Figures made from run files; one function per figure, registered in :data:`PLOTS`."""

from .profiles import plot_profiles

#: figure name (as used by ``loopsim plot NAME``) -> function(run_path, output, times=...)
PLOTS = {"profiles": plot_profiles}

__all__ = ["PLOTS", "plot_profiles"]

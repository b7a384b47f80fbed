"""loopsim: 1D Lagrangian radiative hydrodynamics of beam-heated flare loops."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("loopsim-flare")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+source"

from .runfile import Run, open_run  # noqa: E402

__all__ = ["Run", "__version__", "open_run"]

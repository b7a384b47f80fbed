"""Synthetic observations: a solar scene seen through a slit-scan spectrograph + CCD.

* :mod:`.scene` -- the TOML scene (which Hα profiles feed which pixels, onsets, filling);
* :mod:`.instrument` -- the instrument description and presets (``sacpeak1980``,
  ``nextmax``);
* :mod:`.observe` -- the slit scan: raster cube, time stamps and mask;
* :mod:`.raster_file` -- HDF5 raster files and FITS export with a WCS.
"""

from .instrument import PRESETS, Instrument, InstrumentError, load_instrument, preset
from .observe import Raster, build_model, observe
from .raster_file import RasterFileError, read_raster, write_fits, write_raster
from .scene import Scene, SceneError, load_scene

__all__ = [
    "PRESETS",
    "Instrument",
    "InstrumentError",
    "Raster",
    "RasterFileError",
    "Scene",
    "SceneError",
    "build_model",
    "load_instrument",
    "load_scene",
    "observe",
    "preset",
    "read_raster",
    "write_fits",
    "write_raster",
]

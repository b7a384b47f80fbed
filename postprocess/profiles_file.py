"""The Hα profiles file: the contract between synthesis (``loopsim synth``) and the
instrument model (``loopsim observe``).

Layout (HDF5, one file per synthesised run or static atmosphere)::

    /wavelength_air      [n_lambda]          Å, air wavelengths (increasing)
    /wavelength_vacuum   [n_lambda]          Å, the same grid in vacuum
    /time                [n_time]            s, snapshot times (0 for a static atmosphere)
    /intensity           [n_time, n_lambda]  erg cm^-2 s^-1 sr^-1 Å^-1 (emergent, at mu)
    /intensity_norm      [n_time, n_lambda]  intensity / quiet-Sun continuum at Hα
    attrs: format ("loopsim-profiles"), format_version, line ("H-alpha"),
           continuum_reference (erg cm^-2 s^-1 sr^-1 Å^-1, the divisor of intensity_norm),
           mu, source (run file path or atmosphere name), source_problem,
           source_code_version, settings (TOML text of the synthesis settings)

Writes are atomic (temporary file + ``os.replace``), so a reader never sees half a file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

FORMAT = "loopsim-profiles"
FORMAT_VERSION = 1
_ARRAYS = ("wavelength_air", "wavelength_vacuum", "time", "intensity", "intensity_norm")


class ProfilesFileError(ValueError):
    """A profiles file (or the arrays for one) is missing, malformed or inconsistent."""


@dataclass
class Profiles:
    """Time-dependent line profiles.

    Attributes
    ----------
    wavelength_air, wavelength_vacuum : (n_lambda,) Å, increasing
    time : (n_time,) s
    intensity : (n_time, n_lambda) erg cm^-2 s^-1 sr^-1 Å^-1
    intensity_norm : (n_time, n_lambda) dimensionless (÷ ``continuum_reference``)
    continuum_reference : erg cm^-2 s^-1 sr^-1 Å^-1, quiet-Sun continuum near Hα
    mu : cosine of the viewing angle (1 = disk centre)
    attrs : further metadata (source, settings, ...), stored as HDF5 attributes
    """

    wavelength_air: np.ndarray
    wavelength_vacuum: np.ndarray
    time: np.ndarray
    intensity: np.ndarray
    intensity_norm: np.ndarray
    continuum_reference: float
    mu: float = 1.0
    attrs: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise :class:`ProfilesFileError` naming the first inconsistency."""
        for name in _ARRAYS:
            value = np.asarray(getattr(self, name), dtype=float)
            setattr(self, name, value)
            if not np.all(np.isfinite(value)):
                raise ProfilesFileError(f"profiles: '{name}' contains non-finite values")
        n_lambda = self.wavelength_air.size
        if self.wavelength_air.ndim != 1 or n_lambda < 2:
            raise ProfilesFileError("profiles: 'wavelength_air' must be 1-D with >= 2 points")
        if np.any(np.diff(self.wavelength_air) <= 0):
            raise ProfilesFileError("profiles: 'wavelength_air' must be strictly increasing")
        if self.wavelength_vacuum.shape != self.wavelength_air.shape:
            raise ProfilesFileError("profiles: 'wavelength_vacuum' and 'wavelength_air' differ "
                                    "in shape")
        if self.time.ndim != 1:
            raise ProfilesFileError("profiles: 'time' must be 1-D")
        shape = (self.time.size, n_lambda)
        for name in ("intensity", "intensity_norm"):
            if getattr(self, name).shape != shape:
                raise ProfilesFileError(
                    f"profiles: '{name}' has shape {getattr(self, name).shape}, expected "
                    f"(n_time, n_lambda) = {shape}")
        if not (np.isfinite(self.continuum_reference) and self.continuum_reference > 0):
            raise ProfilesFileError(f"profiles: continuum_reference = {self.continuum_reference}"
                                    " must be finite and > 0")
        if not 0.0 < self.mu <= 1.0:
            raise ProfilesFileError(f"profiles: mu = {self.mu} must be in (0, 1]")


def write_profiles(path: str | Path, profiles: Profiles) -> Path:
    """Write ``profiles`` to ``path`` atomically; return the path."""
    profiles.validate()
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with h5py.File(tmp, "w") as fh:
            for name in _ARRAYS:
                fh.create_dataset(name, data=getattr(profiles, name))
            fh["wavelength_air"].attrs["units"] = "Angstrom (air)"
            fh["wavelength_vacuum"].attrs["units"] = "Angstrom (vacuum)"
            fh["time"].attrs["units"] = "s"
            fh["intensity"].attrs["units"] = "erg cm^-2 s^-1 sr^-1 Angstrom^-1"
            fh["intensity_norm"].attrs["units"] = "quiet-Sun continuum at H-alpha"
            fh.attrs.update({k: v for k, v in profiles.attrs.items() if v is not None})
            fh.attrs["format"] = FORMAT
            fh.attrs["format_version"] = FORMAT_VERSION
            fh.attrs["continuum_reference"] = float(profiles.continuum_reference)
            fh.attrs["mu"] = float(profiles.mu)
            fh.attrs.setdefault("line", "H-alpha")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_profiles(path: str | Path) -> Profiles:
    """Read a profiles file written by :func:`write_profiles`.

    Raises ``FileNotFoundError`` for a missing file and :class:`ProfilesFileError` for a
    file that is not a loopsim profiles file or lacks an array.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"profiles file '{path}' does not exist")
    with h5py.File(path, "r") as fh:
        if fh.attrs.get("format") != FORMAT:
            raise ProfilesFileError(f"'{path}' is not a loopsim profiles file "
                                    f"(format attribute {fh.attrs.get('format')!r})")
        missing = [name for name in _ARRAYS if name not in fh]
        if missing:
            raise ProfilesFileError(f"profiles file '{path}' lacks {', '.join(missing)}")
        arrays = {name: fh[name][()] for name in _ARRAYS}
        attrs = {k: (v.decode() if isinstance(v, bytes) else v) for k, v in fh.attrs.items()}
    continuum = float(attrs.pop("continuum_reference"))
    mu = float(attrs.pop("mu"))
    return Profiles(**arrays, continuum_reference=continuum, mu=mu, attrs=attrs)

"""Raster files: HDF5 (the package's own, lossless) and FITS with a WCS (for solar tools).

HDF5 layout (``loopsim observe`` writes it; :func:`read_raster` reads it)::

    /data        [scan, slit, along, wavelength] float32  calibrated radiance,
                                                          erg cm^-2 s^-1 sr^-1 Å^-1
    /counts      [scan, slit, along, wavelength] float32  raw detector values (DN)
    /mask        [scan, slit, along, wavelength] uint8    1 = ADC saturated, 2 = full well
    /time        [scan, slit]  float64  s, scene time of each exposure (t0 + j cad + k dwell)
    /wavelength  [wavelength]  float64  Å, AIR wavelengths of the spectral pixel centres
    /hpln        [slit]        float64  arcsec, helioprojective longitude of the slit
    /hplt        [along]       float64  arcsec, helioprojective latitude along the slit
    attrs: format ("loopsim-raster"), format_version, instrument (TOML), scene (TOML),
           scene_name, scene_path, date_ref (UTC of scene time 0), noise_free, seed,
           t_start, n_scans, pointing, continuum_reference, electrons_per_radiance,
           kernels (JSON: name, onset, profiles, run, area_cm2, peak_pixel, peak_weight)

Writes are atomic (temporary file + ``os.replace``) as for the profiles files.

FITS (:func:`write_fits`): primary HDU = ``data`` with a 4-D WCS (FITS axis order is the
reverse of numpy's): axis 1 ``AWAV`` (air wavelength, Å; the FITS WCS Paper III code for
air wavelengths), axis 2 ``HPLT-TAN`` and axis 3 ``HPLN-TAN`` (arcsec, helioprojective,
observer at 1 AU on the Sun-Earth line), axis 4 ``TIME`` (s from ``DATEREF``, UTC).  Time
depends on both the scan and the slit position, ``t = t0 + j cadence + k dwell``, which a
linear WCS encodes exactly with ``PC4_3 = dwell / cadence``.  Extensions: ``MASK`` (uint8,
same WCS), ``COUNTS`` (DN, same WCS) and ``TIMES`` ([scan, slit] s, explicit).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from .instrument import instrument_from_toml
from .observe import Raster

FORMAT = "loopsim-raster"
FORMAT_VERSION = 1
AU_CM = 1.495978707e13
RSUN_M = 6.957e8


class RasterFileError(ValueError):
    """A raster file is missing, malformed or not a loopsim raster."""


def write_raster(path: str | Path, raster: Raster) -> Path:
    """Write ``raster`` to an HDF5 file atomically; return the path."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        with h5py.File(tmp, "w") as fh:
            fh.create_dataset("data", data=raster.data.astype(np.float32))
            fh["data"].attrs["units"] = "erg cm^-2 s^-1 sr^-1 Angstrom^-1"
            fh.create_dataset("counts", data=raster.counts.astype(np.float32))
            fh["counts"].attrs["units"] = "DN"
            fh.create_dataset("mask", data=raster.mask.astype(np.uint8))
            fh["mask"].attrs["bits"] = "1: ADC saturated, 2: full well exceeded"
            fh.create_dataset("time", data=raster.time)
            fh["time"].attrs["units"] = "s (scene time; 0 at date_ref)"
            fh.create_dataset("wavelength", data=raster.wavelength)
            fh["wavelength"].attrs["units"] = "Angstrom (air)"
            fh.create_dataset("hpln", data=raster.hpln)
            fh["hpln"].attrs["units"] = "arcsec"
            fh.create_dataset("hplt", data=raster.hplt)
            fh["hplt"].attrs["units"] = "arcsec"
            fh.attrs["format"] = FORMAT
            fh.attrs["format_version"] = FORMAT_VERSION
            fh.attrs["instrument"] = raster.instrument.to_toml()
            for key, value in raster.attrs.items():
                if key == "kernels":
                    fh.attrs[key] = json.dumps(value)
                else:
                    fh.attrs[key] = value
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def read_raster(path: str | Path) -> Raster:
    """Read a raster written by :func:`write_raster`."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"raster file '{path}' does not exist")
    with h5py.File(path, "r") as fh:
        if _plain(fh.attrs.get("format")) != FORMAT:
            raise RasterFileError(f"'{path}' is not a loopsim raster file")
        missing = [n for n in ("data", "counts", "mask", "time", "wavelength", "hpln", "hplt")
                   if n not in fh]
        if missing:
            raise RasterFileError(f"raster file '{path}' lacks {', '.join(missing)}")
        arrays = {n: fh[n][()] for n in ("data", "counts", "mask", "time", "wavelength",
                                          "hpln", "hplt")}
        attrs = {k: _plain(v) for k, v in fh.attrs.items()}
    instrument = instrument_from_toml(attrs.pop("instrument"))
    for key in ("format", "format_version"):
        attrs.pop(key, None)
    if "kernels" in attrs:
        attrs["kernels"] = json.loads(attrs["kernels"])
    return Raster(**arrays, instrument=instrument, attrs=attrs)


def fits_header(raster: Raster, wave_ctype: str = "AWAV"):
    """The 4-D WCS header of a raster (``astropy.io.fits.Header``).

    ``wave_ctype``: ``"AWAV"`` (default; FITS WCS Paper III, Greisen et al. 2006, code for
    *air* wavelengths, which these are) or ``"WAVE"`` (the vacuum code, holding the same
    air values, flagged by ``WAVEREF = 'air'``): sunraster 0.6 only recognises the
    spectral axis of ``WAVE`` and ndcube 2.4's ``axis_world_coords_values`` fails on the
    physical type of ``AWAV`` (``axis_world_coords`` works with both).
    """
    if wave_ctype not in ("AWAV", "WAVE"):
        raise ValueError(f"wave_ctype = {wave_ctype!r}; allowed: 'AWAV' or 'WAVE'")
    import astropy.units as u
    from astropy.io import fits
    from astropy.time import Time

    inst = raster.instrument
    n_scan, n_slit, n_along, n_lam = raster.data.shape
    date_ref = Time(raster.attrs.get("date_ref", "1980-06-23T23:12:00"), scale="utc")
    t0 = float(raster.time[0, 0])
    hdr = fits.Header()
    hdr["WCSAXES"] = 4
    crpix3 = 0.5 * (n_slit + 1)
    crpix2 = 0.5 * (n_along + 1)
    pointing = raster.attrs.get("pointing", [float(np.mean(raster.hpln)),
                                             float(np.mean(raster.hplt))])
    axes = [
        (wave_ctype, "Angstrom", 1.0, float(raster.wavelength[0]), inst.pixel_spectral),
        ("HPLT-TAN", "arcsec", crpix2, float(pointing[1]), inst.pixel_along_slit),
        ("HPLN-TAN", "arcsec", crpix3, float(pointing[0]), inst.slit_step),
        ("TIME", "s", 1.0, t0 + inst.dwell * (crpix3 - 1.0), inst.cadence),
    ]
    for i, (ctype, cunit, crpix, crval, cdelt) in enumerate(axes, start=1):
        hdr[f"CTYPE{i}"] = ctype
        hdr[f"CUNIT{i}"] = cunit
        hdr[f"CRPIX{i}"] = crpix
        hdr[f"CRVAL{i}"] = crval
        hdr[f"CDELT{i}"] = cdelt
    hdr["PC4_3"] = (inst.dwell / inst.cadence, "time advances by dwell per slit position")
    hdr["LONPOLE"] = 180.0
    hdr["SPECSYS"] = ("TOPOCENT", "wavelengths as observed")
    hdr["WAVEUNIT"] = (-10, "wavelength unit 1e-10 m")
    hdr["WAVEREF"] = ("air", "wavelengths are in AIR, whatever CTYPE1 says")
    hdr["DATEREF"] = (date_ref.isot, "UTC of scene time 0")
    hdr["TIMESYS"] = "UTC"
    hdr["TIMEUNIT"] = "s"
    hdr["DATE-OBS"] = ((date_ref + t0 * u.s).isot, "start of the first exposure")
    t_end = float(raster.time[-1, -1]) + inst.exposure
    hdr["DATE-END"] = (date_ref + t_end * u.s).isot
    hdr["XPOSURE"] = (inst.exposure, "s, exposure time per slit position")
    hdr["CADENCE"] = (inst.cadence, "s between scans")
    hdr["DWELL"] = (inst.dwell, "s between slit positions")
    hdr["DSUN_OBS"] = (AU_CM * 1e-2, "m, observer at 1 AU")
    hdr["HGLN_OBS"] = (0.0, "deg")
    hdr["HGLT_OBS"] = (0.0, "deg")
    hdr["RSUN_REF"] = (RSUN_M, "m")
    hdr["TELESCOP"] = inst.name
    hdr["INSTRUME"] = "loopsim slit-scan model"
    hdr["BUNIT"] = "erg / (Angstrom cm2 s sr)"
    hdr["OBJECT"] = str(raster.attrs.get("scene_name", ""))
    hdr["NOISEFRE"] = (bool(raster.attrs.get("noise_free", False)), "noise-free mode")
    return hdr


def write_fits(path: str | Path, raster: Raster, overwrite: bool = True,
               wave_ctype: str = "AWAV") -> Path:
    """Export ``raster`` to FITS with a 4-D WCS (module docstring; ``wave_ctype`` as in
    :func:`fits_header`); atomic write."""
    from astropy.io import fits

    path = Path(path)
    hdr = fits_header(raster, wave_ctype)
    primary = fits.PrimaryHDU(data=np.asarray(raster.data, dtype=np.float32), header=hdr)
    mask_hdr = hdr.copy()
    mask_hdr["BUNIT"] = ""
    mask_hdr["EXTNAME"] = "MASK"
    mask_hdr["COMMENT"] = "bit 1: ADC saturated, bit 2: full well exceeded"
    counts_hdr = hdr.copy()
    counts_hdr["BUNIT"] = "DN"
    counts_hdr["EXTNAME"] = "COUNTS"
    times_hdr = fits.Header()
    times_hdr["EXTNAME"] = "TIMES"
    times_hdr["BUNIT"] = "s"
    times_hdr["COMMENT"] = "exposure time stamps [scan, slit position], s from DATEREF"
    times_hdr["DATEREF"] = hdr["DATEREF"]
    hdul = fits.HDUList([
        primary,
        fits.ImageHDU(data=raster.mask.astype(np.uint8), header=mask_hdr),
        fits.ImageHDU(data=np.asarray(raster.counts, dtype=np.float32), header=counts_hdr),
        fits.ImageHDU(data=np.asarray(raster.time, dtype=np.float64), header=times_hdr),
    ])
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    try:
        hdul.writeto(tmp, overwrite=True)
        if path.exists() and not overwrite:
            raise FileExistsError(f"'{path}' exists")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path

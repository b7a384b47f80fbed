r"""Instrument description of a slit-scan imaging spectrograph with a CCD, and its presets.

The model (equations and units; ``docs/observing.md`` has the full derivation):

* **Sky** (helioprojective, arcsec): ``x`` = HPLN, the scan direction; ``y`` = HPLT, along
  the slit.  Radiance ``I(x, y, lambda)`` in erg cm^-2 s^-1 sr^-1 Å^-1, wavelengths in Å
  (air).
* **Seeing + telescope PSF**: circular Gaussian, ``sigma^2 = sigma_seeing^2 +
  sigma_diff^2`` with ``FWHM_seeing = seeing`` (arcsec) and the Airy core approximated by a
  Gaussian of ``FWHM = 1.03 lambda / D`` (rad -> arcsec).
* **Slit and sampling**: exposure ``k`` of a scan integrates the PSF-blurred sky over the
  strip ``|x - x_k| < slit_width / 2``; ``x_k = x_0 + k slit_step``.  Along the slit the
  detector (after on-chip binning) integrates over pixels of ``pixel_scale * bin_spatial``
  arcsec.
* **Spectrograph**: Gaussian line-spread function of FWHM ``resolution`` (Å), then
  integration over detector pixels of ``dispersion * bin_spectral`` Å centred on
  ``lambda_centre``.
* **Photon budget**: the mean radiance ``<I>`` over a detector pixel gives the expected
  number of photo-electrons per exposure

      N_e = <I> Omega_pix A_tel tau dlambda_pix t_exp / (h c / lambda)

  with ``Omega_pix = slit_width * pixel_along_slit`` (sr), ``A_tel = pi D^2 / 4`` (cm^2),
  ``tau`` the end-to-end throughput including the detector's quantum efficiency (and any
  neutral-density attenuation), ``dlambda_pix`` the binned spectral pixel (Å), ``t_exp``
  (s).
* **Detector**: flat field ``f`` (per binned pixel, mean 1, rms ``flat_rms``); photon
  (Poisson) noise on ``f N_e``; Gaussian read noise ``read_noise`` (e-, once per binned
  pixel: on-chip binning); gain ``gain`` (e-/DN); bias ``bias`` (DN); rounding to integer
  DN; the ADC saturates at ``2^adc_bits - 1`` DN and the well at ``full_well`` e-.  Such
  pixels are *flagged* in the mask (bit 1 = ADC saturated, bit 2 = full well) and keep the
  saturated value; they are never silently clipped.  The variance of a pixel in DN is
  ``S / gain + (read_noise / gain)^2 + 1/12`` (``S`` the mean signal above bias, DN; the
  last term is the rounding).
* **Calibration** (what the raster's ``data`` holds): ``I_cal = (DN - bias) gain /
  (f * C)`` with ``C = N_e / <I>`` the photon-budget factor, so ``I_cal`` is an unbiased
  estimate of ``<I>`` in erg cm^-2 s^-1 sr^-1 Å^-1.

Timing: exposure ``k`` of scan ``j`` is stamped ``t0 + j * cadence + k * dwell`` (s); the
scene is evaluated at that instant.  ``cadence >= n_slit_positions * dwell`` (the
remainder is the slew back), ``exposure <= dwell``.

Presets: ``sacpeak1980`` -- the Sacramento Peak Vacuum Tower Telescope setup of Canfield &
Gunkler in 1980 (seed paper, Sect. II: 50 x 100 recorded pixels, ~2.5" pixels, ~100 mÅ
spectral pixels, 4 slit positions per second, 50 positions per scan in 12.5 s, 15 s
cadence); ``nextmax`` -- the seed's forecast for the next maximum (<= 1" pixels, <= 5 s
cadence).  Detector numbers that the seed does not give (read noise, gain, bits, well,
throughput) are representative values chosen here and say so in their ``notes``.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np

from loopsim.constants import C_LIGHT, H_PLANCK

ARCSEC = math.pi / (180.0 * 3600.0)  #: radians per arcsec
LAMBDA_HALPHA_AIR = 6562.8  #: Å, air wavelength of Hα used as line centre


class InstrumentError(ValueError):
    """An instrument parameter is missing, unknown or out of range."""


# name -> (lower bound, lower inclusive, upper bound, upper inclusive, units)
_RANGES: dict[str, tuple[float, bool, float, bool, str]] = {
    "n_slit_positions": (1, True, math.inf, False, ""),
    "slit_step": (0.0, False, math.inf, False, "arcsec"),
    "slit_width": (0.0, False, math.inf, False, "arcsec"),
    "n_along_slit": (1, True, math.inf, False, "binned pixels"),
    "pixel_scale": (0.0, False, math.inf, False, "arcsec per unbinned pixel"),
    "bin_spatial": (1, True, math.inf, False, ""),
    "n_spectral": (1, True, math.inf, False, "binned pixels"),
    "dispersion": (0.0, False, math.inf, False, "Å per unbinned pixel"),
    "bin_spectral": (1, True, math.inf, False, ""),
    "lambda_centre": (0.0, False, math.inf, False, "Å (air)"),
    "resolution": (0.0, True, math.inf, False, "Å FWHM"),
    "seeing": (0.0, True, math.inf, False, "arcsec FWHM"),
    "aperture": (0.0, False, math.inf, False, "cm"),
    "throughput": (0.0, False, 1.0, True, ""),
    "exposure": (0.0, False, math.inf, False, "s"),
    "dwell": (0.0, False, math.inf, False, "s"),
    "cadence": (0.0, False, math.inf, False, "s"),
    "read_noise": (0.0, True, math.inf, False, "e-"),
    "gain": (0.0, False, math.inf, False, "e- per DN"),
    "bias": (0.0, True, math.inf, False, "DN"),
    "adc_bits": (1, True, 32, True, "bits"),
    "full_well": (0.0, False, math.inf, False, "e-"),
    "flat_rms": (0.0, True, 0.5, False, ""),
}
_INTEGERS = {"n_slit_positions", "n_along_slit", "bin_spatial", "n_spectral", "bin_spectral",
             "adc_bits"}


@dataclass(frozen=True)
class Instrument:
    """A slit-scan spectrograph + CCD (module docstring for the model and units)."""

    name: str = "custom"
    # scan geometry (arcsec, on the sky)
    n_slit_positions: int = 50  #: slit positions per scan
    slit_step: float = 2.5  #: arcsec between successive slit positions
    slit_width: float = 2.5  #: arcsec
    n_along_slit: int = 50  #: binned detector pixels along the slit
    pixel_scale: float = 2.5  #: arcsec per unbinned detector pixel along the slit
    bin_spatial: int = 1  #: on-chip binning along the slit
    # spectrograph (Å, air)
    n_spectral: int = 100  #: binned spectral pixels
    dispersion: float = 0.1  #: Å per unbinned pixel
    bin_spectral: int = 1  #: on-chip binning along the dispersion
    lambda_centre: float = LAMBDA_HALPHA_AIR  #: Å (air) at the centre of the window
    resolution: float = 0.05  #: spectrograph line-spread FWHM (Å); 0 = ideal
    # optics and atmosphere
    seeing: float = 2.0  #: seeing FWHM (arcsec); 0 = none
    aperture: float = 76.0  #: telescope diameter (cm)
    throughput: float = 1.0e-5  #: end-to-end, including QE and attenuation
    # timing (s)
    exposure: float = 0.1  #: exposure time per slit position
    dwell: float = 0.25  #: time between successive slit positions
    cadence: float = 15.0  #: time between successive scans (includes the slew back)
    # detector
    read_noise: float = 30.0  #: e- rms per (binned) read
    gain: float = 100.0  #: e- per DN
    bias: float = 100.0  #: DN
    adc_bits: int = 12
    full_well: float = 4.0e5  #: e-
    flat_rms: float = 0.0  #: rms pixel-to-pixel gain variation of the flat field
    flat_seed: int = 12345  #: seed of the (fixed) flat-field pattern
    notes: str = ""

    def __post_init__(self) -> None:
        self.validate()

    # ---------------------------------------------------------------- validation
    def validate(self) -> None:
        """Raise :class:`InstrumentError` naming parameter, value and allowed range."""
        for name, (lo, lo_inc, hi, hi_inc, units) in _RANGES.items():
            value = getattr(self, name)
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise InstrumentError(f"instrument {self.name!r}: {name} = {value!r} is not a "
                                      "number") from None
            ok = math.isfinite(number)
            ok = ok and (number >= lo if lo_inc else number > lo)
            ok = ok and (number <= hi if hi_inc else number < hi)
            if name in _INTEGERS and ok and number != int(number):
                ok = False
            if not ok:
                left = "[" if lo_inc else "("
                right = "]" if hi_inc else ")"
                kind = "integer" if name in _INTEGERS else "number"
                unit_text = f" {units}" if units else ""
                raise InstrumentError(
                    f"instrument {self.name!r}: {name} = {value!r}{unit_text} is out of range;"
                    f" allowed: {kind} in {left}{lo}, {hi}{right}")
        if self.exposure > self.dwell:
            raise InstrumentError(f"instrument {self.name!r}: exposure = {self.exposure} s "
                                  f"exceeds dwell = {self.dwell} s; allowed: exposure <= dwell")
        scan_time = self.n_slit_positions * self.dwell
        if self.cadence < scan_time * (1.0 - 1e-12):
            raise InstrumentError(
                f"instrument {self.name!r}: cadence = {self.cadence} s is shorter than one "
                f"scan (n_slit_positions * dwell = {scan_time} s); allowed: cadence >= "
                f"{scan_time}")

    # ---------------------------------------------------------------- derived
    @property
    def pixel_along_slit(self) -> float:
        """Binned detector pixel along the slit (arcsec)."""
        return self.pixel_scale * self.bin_spatial

    @property
    def pixel_spectral(self) -> float:
        """Binned spectral pixel (Å)."""
        return self.dispersion * self.bin_spectral

    @property
    def adc_max(self) -> int:
        """Largest ADC code (DN)."""
        return int(2 ** self.adc_bits - 1)

    @property
    def scan_duration(self) -> float:
        """n_slit_positions * dwell (s)."""
        return self.n_slit_positions * self.dwell

    @property
    def psf_sigma(self) -> float:
        """Gaussian sigma (arcsec) of seeing + diffraction core (1.03 lambda/D FWHM)."""
        fwhm_diff = 1.03 * self.lambda_centre * 1e-8 / self.aperture / ARCSEC
        fwhm2 = self.seeing ** 2 + fwhm_diff ** 2
        return math.sqrt(fwhm2) / (2.0 * math.sqrt(2.0 * math.log(2.0)))

    @property
    def lsf_sigma(self) -> float:
        """Gaussian sigma (Å) of the spectrograph line-spread function."""
        return self.resolution / (2.0 * math.sqrt(2.0 * math.log(2.0)))

    def pixel_solid_angle(self) -> float:
        """Solid angle of one detector pixel on the sky: slit width x pixel (sr)."""
        return self.slit_width * self.pixel_along_slit * ARCSEC ** 2

    def electrons_per_radiance(self) -> float:
        """``C``: photo-electrons per exposure and pixel per unit radiance
        (e- per erg cm^-2 s^-1 sr^-1 Å^-1): ``Omega A tau dlambda t_exp lambda / (h c)``."""
        area = math.pi * self.aperture ** 2 / 4.0
        photon_energy = H_PLANCK * C_LIGHT / (self.lambda_centre * 1e-8)
        return (self.pixel_solid_angle() * area * self.throughput * self.pixel_spectral
                * self.exposure / photon_energy)

    def wavelengths(self) -> np.ndarray:
        """Centres of the binned spectral pixels (Å, air), increasing."""
        k = np.arange(self.n_spectral) - 0.5 * (self.n_spectral - 1)
        return self.lambda_centre + k * self.pixel_spectral

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps({"instrument": self.to_dict()})

    def replace(self, **changes: Any) -> Instrument:
        return dataclasses.replace(self, **changes)


_FIELD_NAMES = {f.name for f in fields(Instrument)}

PRESETS: dict[str, dict[str, Any]] = {
    "sacpeak1980": dict(
        name="sacpeak1980",
        n_slit_positions=50, slit_step=2.5, slit_width=2.5,
        n_along_slit=50, pixel_scale=2.5, bin_spatial=1,
        n_spectral=100, dispersion=0.1, bin_spectral=1, lambda_centre=LAMBDA_HALPHA_AIR,
        resolution=0.05, seeing=2.0, aperture=76.0, throughput=1.0e-5,
        exposure=0.1, dwell=0.25, cadence=15.0,
        read_noise=30.0, gain=100.0, bias=100.0, adc_bits=12, full_well=4.0e5,
        flat_rms=0.01,
        notes="Seed paper Sect. II: 50 x 100 pixels recorded, ~2.5 arcsec pixels, ~100 mA "
        "spectral pixels, 4 slit positions/s, 50 positions/scan (12.5 s) + slew = 15 s "
        "cadence; VTT aperture 76 cm.  Seeing 2 arcsec, resolution 50 mA, exposure 0.1 s, "
        "throughput (with attenuation) 1e-5, read noise, gain, bias, 12-bit ADC, full well "
        "and 1 % flat rms are representative values chosen here (not in the seed).",
    ),
    "nextmax": dict(
        name="nextmax",
        n_slit_positions=100, slit_step=1.0, slit_width=0.5,
        n_along_slit=100, pixel_scale=0.5, bin_spatial=2,
        n_spectral=200, dispersion=0.05, bin_spectral=1, lambda_centre=LAMBDA_HALPHA_AIR,
        resolution=0.03, seeing=1.0, aperture=76.0, throughput=4.0e-4,
        exposure=0.03, dwell=0.04, cadence=5.0,
        read_noise=10.0, gain=10.0, bias=200.0, adc_bits=16, full_well=3.0e5,
        flat_rms=0.005,
        notes="Seed paper's forecast for the next maximum: <= 1 arcsec pixels, <= 5 s "
        "cadence: 1 arcsec steps (0.5 arcsec slit), 1 arcsec binned pixels along the slit, "
        "100 positions x 40 ms = 4 s + 1 s slew.  Detector values are representative.",
    ),
}


def preset(name: str, **changes: Any) -> Instrument:
    """An :class:`Instrument` preset by name (``sacpeak1980``, ``nextmax``), with changes."""
    try:
        params = dict(PRESETS[name])
    except KeyError:
        raise InstrumentError(f"unknown instrument preset {name!r}; known: "
                              f"{', '.join(sorted(PRESETS))}") from None
    params.update(changes)
    return _build(params, f"preset {name!r}")


def _build(params: dict[str, Any], where: str) -> Instrument:
    unknown = sorted(set(params) - _FIELD_NAMES)
    if unknown:
        raise InstrumentError(f"{where}: unknown instrument parameter(s) {', '.join(unknown)};"
                              f" known: {', '.join(sorted(_FIELD_NAMES))}")
    return Instrument(**params)


def load_instrument(spec: str | Path | Instrument) -> Instrument:
    """An instrument from a preset name or a TOML file.

    The TOML file has an ``[instrument]`` table; ``base = "sacpeak1980"`` starts from a
    preset, every other key overrides a parameter of :class:`Instrument`.
    """
    if isinstance(spec, Instrument):
        return spec
    text = str(spec)
    if text in PRESETS:
        return preset(text)
    path = Path(text)
    if not path.is_file():
        raise InstrumentError(f"instrument {text!r} is neither a preset "
                              f"({', '.join(sorted(PRESETS))}) nor an existing TOML file")
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise InstrumentError(f"instrument file '{path}': {exc}") from None
    table = dict(data.get("instrument", data))
    base = table.pop("base", None)
    params: dict[str, Any] = dict(PRESETS[base]) if base else {}
    if base and base not in PRESETS:
        raise InstrumentError(f"instrument file '{path}': unknown base preset {base!r}")
    params.update(table)
    params["name"] = table.get("name", path.stem)
    return _build(params, f"instrument file '{path}'")


def instrument_from_toml(text: str) -> Instrument:
    """Inverse of :meth:`Instrument.to_toml` (used by the raster reader)."""
    return _build(dict(tomllib.loads(text)["instrument"]), "stored instrument")


__all__ = ["ARCSEC", "Instrument", "InstrumentError", "LAMBDA_HALPHA_AIR", "PRESETS",
           "instrument_from_toml", "load_instrument", "preset"]

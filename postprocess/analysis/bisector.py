r"""Difference spectra and bisector Doppler velocities, the observers' way.

Canfield, Gunkler & Kiplinger (1985; the seed paper's Figure 5 and Sect. VI) formed, for
each Hα kernel pixel, the *difference spectrum* -- the spectrum minus the same pixel's
pre-impulsive spectrum -- and, in difference spectra of sufficient amplitude, drew a
bisector at several intensity levels across the most intense spectral feature.  The
bisector's displacement from line centre is a Doppler velocity.

Definitions used here (wavelengths in Å, air; velocities in km/s, **positive = redshift**
= motion away from the observer, i.e. downflow at disk centre):

* difference spectrum ``dI(lambda) = I(lambda, t) - I_pre(lambda)``;
* the feature: the pixel ``q*`` of the largest ``sign * dI`` (``sign = +1``: emission
  excess, the flare case); its amplitude ``A = sign * dI[q*]``;
* for each level ``f`` (fractions of ``A``, default 0.2, 0.4, 0.6, 0.8) the crossings
  ``lambda_b`` (blue) and ``lambda_r`` (red) where ``sign * dI`` first falls below ``f A``
  walking out from ``q*``, located by linear interpolation between pixel centres; the
  bisector point ``lambda_f = (lambda_b + lambda_r) / 2``;
* the Doppler velocity of that level ``v_f = c (lambda_f - lambda_0) / lambda_0`` with
  ``lambda_0 = 6562.8 Å`` (air; the air-to-vacuum factor cancels in the ratio to within
  3e-4 relative); the pixel's velocity is the mean over the levels found.

A spectrum whose feature amplitude is below ``min_amplitude`` (same units as the spectra)
gives NaN ("not of sufficient amplitude"); a level whose crossing falls outside the
spectral window gives NaN for that level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loopsim.constants import C_LIGHT

LAMBDA0_AIR = 6562.8  #: Å, Hα rest wavelength in air
C_KMS = C_LIGHT / 1.0e5  #: speed of light, km/s
DEFAULT_LEVELS = (0.2, 0.4, 0.6, 0.8)


def velocity_from_wavelength(wavelength, lambda0: float = LAMBDA0_AIR):
    """Doppler velocity (km/s, positive = redshift): ``c (lambda - lambda0) / lambda0``."""
    return C_KMS * (np.asarray(wavelength, dtype=float) - lambda0) / lambda0


def wavelength_from_velocity(velocity_kms, lambda0: float = LAMBDA0_AIR):
    """Inverse of :func:`velocity_from_wavelength` (Å)."""
    return lambda0 * (1.0 + np.asarray(velocity_kms, dtype=float) / C_KMS)


def difference_spectra(spectra: np.ndarray, reference: np.ndarray | int = 0) -> np.ndarray:
    """``spectra - pre-impulsive spectrum``; ``reference`` is a spectrum or the index (in
    the first axis of ``spectra``) of the pre-impulsive one."""
    spectra = np.asarray(spectra, dtype=float)
    if np.ndim(reference) == 0:
        reference = spectra[int(reference)]
    return spectra - np.asarray(reference, dtype=float)


@dataclass
class Bisector:
    """Bisector of one difference spectrum."""

    levels: np.ndarray  #: fractions of the amplitude
    intensity: np.ndarray  #: absolute levels (units of the spectrum)
    blue: np.ndarray  #: Å, blue crossing per level (NaN if none)
    red: np.ndarray  #: Å, red crossing per level
    amplitude: float  #: feature amplitude (units of the spectrum)
    peak_wavelength: float  #: Å

    @property
    def centre(self) -> np.ndarray:
        """Bisector wavelengths (Å) per level."""
        return 0.5 * (self.blue + self.red)

    @property
    def velocities(self) -> np.ndarray:
        """Doppler velocity (km/s, + = redshift) per level."""
        return velocity_from_wavelength(self.centre)

    @property
    def velocity(self) -> float:
        """Mean velocity over the levels found (km/s; NaN if none)."""
        v = self.velocities
        return float(np.nanmean(v)) if np.isfinite(v).any() else np.nan


def _crossing(wl: np.ndarray, y: np.ndarray, start: int, level: float, step: int) -> float:
    """Walk from ``start`` in direction ``step`` until ``y < level``; interpolate."""
    i = start
    n = y.size
    while 0 <= i + step < n:
        j = i + step
        if y[j] < level:
            return float(wl[i] + (level - y[i]) * (wl[j] - wl[i]) / (y[j] - y[i]))
        i = j
    return np.nan


def bisector(wavelength: np.ndarray, diff: np.ndarray,
             levels: Sequence[float] = DEFAULT_LEVELS, *, sign: int = 1,
             min_amplitude: float = 0.0,
             window: tuple[float, float] | None = None) -> Bisector:
    """Bisector of difference spectrum ``diff`` (module docstring).

    ``window`` (Å): restrict the search for the feature's peak to this range.
    """
    wl = np.asarray(wavelength, dtype=float)
    y = sign * np.asarray(diff, dtype=float)
    lev = np.asarray(levels, dtype=float)
    if np.any((lev <= 0) | (lev >= 1)):
        raise ValueError(f"levels = {levels!r}: each must be in (0, 1)")
    search = np.isfinite(y)
    if window is not None:
        search &= (wl >= window[0]) & (wl <= window[1])
    nan = np.full(lev.size, np.nan)
    if not search.any():
        return Bisector(lev, nan, nan, nan.copy(), np.nan, np.nan)
    q = int(np.flatnonzero(search)[np.argmax(y[search])])
    amp = float(y[q])
    if not amp > min_amplitude:
        return Bisector(lev, amp * lev, nan, nan.copy(), amp, float(wl[q]))
    blue = np.array([_crossing(wl, y, q, f * amp, -1) for f in lev])
    red = np.array([_crossing(wl, y, q, f * amp, +1) for f in lev])
    return Bisector(lev, sign * amp * lev, blue, red, amp, float(wl[q]))


@dataclass
class VelocitySeries:
    """Bisector velocities of one pixel against time."""

    time: np.ndarray  #: s
    velocity: np.ndarray  #: km/s, mean over levels (NaN: no feature of enough amplitude)
    level_velocities: np.ndarray  #: [time, level] km/s
    amplitude: np.ndarray  #: feature amplitude per time (units of the spectra)
    bisectors: list[Bisector]
    difference: np.ndarray  #: [time, wavelength] difference spectra
    wavelength: np.ndarray  #: Å (air)


def velocity_series(time: np.ndarray, wavelength: np.ndarray, spectra: np.ndarray,
                    reference: np.ndarray | int = 0,
                    levels: Sequence[float] = DEFAULT_LEVELS, *, sign: int = 1,
                    min_amplitude: float = 0.0,
                    window: tuple[float, float] | None = None) -> VelocitySeries:
    """Difference spectra and bisector velocities of one pixel's time series
    ``spectra`` [time, wavelength] (``reference``: see :func:`difference_spectra`)."""
    diff = difference_spectra(spectra, reference)
    bis = [bisector(wavelength, d, levels, sign=sign, min_amplitude=min_amplitude,
                    window=window) for d in diff]
    return VelocitySeries(
        time=np.asarray(time, dtype=float),
        velocity=np.array([b.velocity for b in bis]),
        level_velocities=np.array([b.velocities for b in bis]),
        amplitude=np.array([b.amplitude for b in bis]),
        bisectors=bis, difference=diff, wavelength=np.asarray(wavelength, dtype=float))


def raster_velocity_series(raster, x: int, y: int, reference: int = 0,
                           levels: Sequence[float] = DEFAULT_LEVELS, *,
                           min_amplitude: float | None = None,
                           noise_sigmas: float = 5.0) -> VelocitySeries:
    """:func:`velocity_series` of raster pixel (slit position ``x``, along-slit ``y``);
    the pre-impulsive spectrum is that of scan ``reference``.

    ``min_amplitude`` default: ``noise_sigmas`` times the photon + read noise of a
    difference spectrum at the reference level, from the instrument description
    (``sqrt(2 var)``, ``var = I / C + (read_noise / C)^2`` in radiance units, with
    ``C`` the electrons per unit radiance); 0 for a noise-free raster.
    """
    n_scan, n_slit, n_along, _ = raster.data.shape
    if not (0 <= x < n_slit and 0 <= y < n_along):
        raise ValueError(f"pixel ({x}, {y}) is outside the raster (0 <= x < {n_slit}, "
                         f"0 <= y < {n_along})")
    if not 0 <= reference < n_scan:
        raise ValueError(f"reference scan {reference} outside 0..{n_scan - 1}")
    time, spectra = raster.spectra(x, y)
    if min_amplitude is None:
        if raster.attrs.get("noise_free", False):
            min_amplitude = 0.0
        else:
            conv = raster.instrument.electrons_per_radiance()
            ref = np.maximum(spectra[reference], 0.0)
            var = ref / conv + (raster.instrument.read_noise / conv) ** 2
            min_amplitude = float(noise_sigmas * np.sqrt(2.0 * np.median(var)))
    return velocity_series(time, raster.wavelength, spectra, reference, levels,
                           min_amplitude=min_amplitude)

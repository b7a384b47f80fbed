r"""Observe a scene through a slit-scan spectrograph + CCD: the raster cube.

Linear stages (PSF, slit, pixels, line-spread function, spectral pixels) act on a scene
that is a sum of separable terms, quiet Sun + kernels (:mod:`.scene`):

    I(x, y, lambda, t) = I_qs(lambda) + sum_k W_k(x, y) D_k(lambda, t),
    D_k = I_k(lambda, t - onset_k) - I_qs(lambda),

so the mean radiance recorded in detector pixel (slit position s, along-slit pixel p,
spectral pixel q) at exposure time t is, exactly,

    <I>_spq(t) = [S I_qs]_q + sum_k M_k,sp [S D_k(t)]_q,     M_k = K_x W_k K_y^T.

``K_x[s, i]`` is the PSF-blurred sky cell ``i`` averaged over the slit strip of position
``s``; ``K_y[p, j]`` the same along the slit over detector pixel ``p``; ``S[q, l]`` maps
the piecewise-linear profile (nodes ``lambda_l``, constant beyond the ends) through the
Gaussian line-spread function onto detector pixel ``q`` (mean over the pixel).  For a
Gaussian PSF of width ``sigma`` the double integrals have closed forms: with
``G(u) = u Phi(u/sigma) + sigma phi(u/sigma)`` (``Phi``, ``phi`` the normal CDF and PDF),

    int_a^b dx int_c^d g(x - x') dx' = G(b-c) - G(a-c) - G(b-d) + G(a-d),

and for the spectral ramps ``H(u) = int G = (u^2 + sigma^2)/2 Phi(u/sigma) +
u sigma/2 phi(u/sigma)``.  ``sigma = 0`` gives the limits ``max(u, 0)`` and
``max(u, 0)^2 / 2``.  The quiet Sun fills the whole sky (outside the field too), so a
uniform scene stays exactly uniform; kernels are zero outside the field.  Flux is
conserved to rounding: ``sum_s w K_x[s, i] = dx_i`` when the slit strips tile the
PSF-blurred sky.

Then the detector (:mod:`.instrument`): electrons ``N_e = C f <I>`` with the
photon budget ``C`` and flat field ``f``; Poisson photon noise, Gaussian read noise,
gain, bias, rounding, ADC and full-well saturation (flagged in ``mask``), and the
calibrated radiance ``data = (DN - bias) gain / (C f)``.

Timing: exposure ``k`` of scan ``j`` is stamped ``t_jk = t0 + j cadence + k dwell`` (s,
scene time) and sees the scene at that instant.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit
from scipy.special import ndtr

from .instrument import Instrument
from .scene import Scene, kernel_difference_table, kernel_weights_in_time

MASK_ADC = 1  #: bit: ADC saturated (or below zero)
MASK_WELL = 2  #: bit: full well exceeded

_SQRT2PI = np.sqrt(2.0 * np.pi)


@dataclass
class Raster:
    """A slit-scan observation.

    ``data``: calibrated radiance [scan, slit position, along slit, wavelength]
    (erg cm^-2 s^-1 sr^-1 Å^-1, float32); ``counts``: raw detector values (DN, same
    shape); ``mask``: uint8 bit flags (1 = ADC saturated, 2 = full well); ``time``:
    [scan, slit position] s (scene time); ``wavelength``: Å (air) pixel centres;
    ``hpln``: slit-position centres (arcsec); ``hplt``: along-slit pixel centres (arcsec).
    """

    data: np.ndarray
    counts: np.ndarray
    mask: np.ndarray
    time: np.ndarray
    wavelength: np.ndarray
    hpln: np.ndarray
    hplt: np.ndarray
    instrument: Instrument
    attrs: dict[str, Any] = field(default_factory=dict)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)

    def spectra(self, x: int, y: int) -> tuple[np.ndarray, np.ndarray]:
        """(times [scan], spectra [scan, wavelength]) of raster pixel (slit position x,
        along-slit pixel y)."""
        return self.time[:, x], np.asarray(self.data[:, x, y, :], dtype=float)


# ----------------------------------------------------------------------------------------
# response matrices
# ----------------------------------------------------------------------------------------

def _g1(u: np.ndarray, sigma: float) -> np.ndarray:
    """G(u) = int_{-inf}^u Phi(t/sigma) dt (arcsec or Å)."""
    if sigma <= 0.0:
        return np.maximum(u, 0.0)
    z = u / sigma
    return u * ndtr(z) + sigma * np.exp(-0.5 * z * z) / _SQRT2PI


def _g2(u: np.ndarray, sigma: float) -> np.ndarray:
    """H(u) = int_{-inf}^u G(t) dt."""
    if sigma <= 0.0:
        return 0.5 * np.maximum(u, 0.0) ** 2
    z = u / sigma
    return (0.5 * (u * u + sigma * sigma) * ndtr(z)
            + 0.5 * u * sigma * np.exp(-0.5 * z * z) / _SQRT2PI)


def aperture_matrix(ap_lo: np.ndarray, ap_hi: np.ndarray, cell_edges: np.ndarray,
                    sigma: float) -> np.ndarray:
    """``K[a, i]``: mean over aperture ``[ap_lo[a], ap_hi[a]]`` of the Gaussian-blurred
    (``sigma``) indicator of cell ``[cell_edges[i], cell_edges[i+1]]`` (dimensionless)."""
    a = np.asarray(ap_lo, dtype=float)[:, None]
    b = np.asarray(ap_hi, dtype=float)[:, None]
    c = np.asarray(cell_edges[:-1], dtype=float)[None, :]
    d = np.asarray(cell_edges[1:], dtype=float)[None, :]
    val = _g1(b - c, sigma) - _g1(a - c, sigma) - _g1(b - d, sigma) + _g1(a - d, sigma)
    return val / (b - a)


def spectral_matrix(nodes: np.ndarray, pix_edges: np.ndarray, sigma: float) -> np.ndarray:
    """``S[q, l]``: mean over detector pixel ``q`` of the LSF-convolved (Gaussian,
    ``sigma`` Å) piecewise-linear profile with node values ``e_l`` (constant beyond the
    first and last nodes), so ``<I>_q = S @ I_nodes``."""
    lam = np.asarray(nodes, dtype=float)
    e = np.asarray(pix_edges, dtype=float)
    h = np.diff(lam)
    # ramp integrals P[q, l] = int_{e_q}^{e_q+1} (ramp(. - lam_l) * g) dlambda
    hmat = _g2(e[:, None] - lam[None, :], sigma)
    ramp = hmat[1:] - hmat[:-1]
    width = np.diff(e)[:, None]
    s = np.zeros((e.size - 1, lam.size))
    inv = 1.0 / h
    # hat_l = r_{l-1}/h_{l-1} - r_l (1/h_{l-1} + 1/h_l) + r_{l+1}/h_l (interior)
    s[:, 1:-1] = (ramp[:, :-2] * inv[None, :-1] - ramp[:, 1:-1] * (inv[None, :-1] + inv[None, 1:])
                  + ramp[:, 2:] * inv[None, 1:])
    # first node: 1 - r_0/h_0 + r_1/h_0 (constant to the left)
    s[:, 0] = width[:, 0] - ramp[:, 0] * inv[0] + ramp[:, 1] * inv[0]
    # last node: r_{n-2}/h - r_{n-1}/h (constant to the right)
    s[:, -1] = ramp[:, -2] * inv[-1] - ramp[:, -1] * inv[-1]
    return s / width


def slit_centres(instrument: Instrument, pointing: tuple[float, float]) -> np.ndarray:
    """HPLN (arcsec) of the slit centre at each slit position."""
    k = np.arange(instrument.n_slit_positions) - 0.5 * (instrument.n_slit_positions - 1)
    return pointing[0] + k * instrument.slit_step


def along_slit_centres(instrument: Instrument, pointing: tuple[float, float]) -> np.ndarray:
    """HPLT (arcsec) of the binned detector pixels along the slit."""
    k = np.arange(instrument.n_along_slit) - 0.5 * (instrument.n_along_slit - 1)
    return pointing[1] + k * instrument.pixel_along_slit


def exposure_times(instrument: Instrument, n_scans: int, t_start: float) -> np.ndarray:
    """[scan, slit position] time stamps ``t0 + j cadence + k dwell`` (s)."""
    j = np.arange(n_scans, dtype=float)[:, None]
    k = np.arange(instrument.n_slit_positions, dtype=float)[None, :]
    return t_start + j * instrument.cadence + k * instrument.dwell


@dataclass
class ObservationModel:
    """The precomputed linear part of an observation (response matrices, tables)."""

    scene: Scene
    instrument: Instrument
    pointing: tuple[float, float]
    hpln: np.ndarray
    hplt: np.ndarray
    wavelength: np.ndarray
    spectral: np.ndarray  #: S (n_spectral, n_lambda_scene)
    footprints: np.ndarray  #: M (n_kernels, n_slit, n_along)
    base: np.ndarray  #: S I_qs (n_spectral,)
    tables: list[np.ndarray]  #: per kernel: S (I_k - I_qs) per snapshot (n_time, n_spectral)

    def mean_radiance(self, times: np.ndarray) -> np.ndarray:
        """Noise-free mean radiance <I> [scan, slit, along, lambda] (erg cm^-2 s^-1 sr^-1
        Å^-1) for time stamps ``times`` [scan, slit]."""
        inst = self.instrument
        n_scan, n_slit = times.shape
        out = np.empty((n_scan, n_slit, inst.n_along_slit, inst.n_spectral))
        out[...] = self.base
        n_k = len(self.tables)
        if n_k == 0:
            return out
        # one scan at a time keeps the work arrays at n_slit x n_kernels x n_spectral
        d = np.empty((n_slit, n_k, inst.n_spectral))
        a = np.ascontiguousarray(self.footprints.transpose(1, 2, 0))  # (n_slit, along, K)
        for j in range(n_scan):
            for k, (kern, table) in enumerate(zip(self.scene.kernels, self.tables,
                                                  strict=True)):
                d[:, k, :] = kernel_weights_in_time(kern, times[j]) @ table
            out[j] += np.matmul(a, d)
        return out


def build_model(scene: Scene, instrument: Instrument,
                pointing: tuple[float, float] | None = None) -> ObservationModel:
    """Precompute the response matrices for ``scene`` seen by ``instrument`` pointed at
    ``pointing`` (arcsec, centre of the scanned field; default the field centre)."""
    if pointing is None:
        pointing = tuple(scene.observation.get("pointing", scene.centre))
    pointing = (float(pointing[0]), float(pointing[1]))
    inst = instrument
    hpln = slit_centres(inst, pointing)
    hplt = along_slit_centres(inst, pointing)
    sigma = inst.psf_sigma
    kx = aperture_matrix(hpln - 0.5 * inst.slit_width, hpln + 0.5 * inst.slit_width,
                         scene.x_edges, sigma)
    ky = aperture_matrix(hplt - 0.5 * inst.pixel_along_slit,
                         hplt + 0.5 * inst.pixel_along_slit, scene.y_edges, sigma)
    wavelength = inst.wavelengths()
    half = 0.5 * inst.pixel_spectral
    edges = np.append(wavelength - half, wavelength[-1] + half)
    reach = 4.0 * inst.lsf_sigma
    if edges[0] - reach < scene.wavelength[0] or edges[-1] + reach > scene.wavelength[-1]:
        warnings.warn(
            f"the spectral window {edges[0]:.2f}-{edges[-1]:.2f} Å (+/- 4 LSF sigma) reaches "
            f"beyond the profiles ({scene.wavelength[0]:.2f}-{scene.wavelength[-1]:.2f} Å); "
            "they are continued at their end values", stacklevel=2)
    spectral = spectral_matrix(scene.wavelength, edges, inst.lsf_sigma)
    footprints = np.array([kx @ kern.weights @ ky.T for kern in scene.kernels]).reshape(
        len(scene.kernels), inst.n_slit_positions, inst.n_along_slit)
    tables = [kernel_difference_table(kern, scene.quiet) @ spectral.T
              for kern in scene.kernels]
    return ObservationModel(scene=scene, instrument=inst, pointing=pointing, hpln=hpln,
                            hplt=hplt, wavelength=wavelength, spectral=spectral,
                            footprints=footprints, base=spectral @ scene.quiet,
                            tables=tables)


def flat_field(instrument: Instrument) -> np.ndarray:
    """The fixed flat-field pattern f [along slit, wavelength] (mean 1, rms ``flat_rms``)."""
    shape = (instrument.n_along_slit, instrument.n_spectral)
    if instrument.flat_rms == 0.0:
        return np.ones(shape)
    rng = np.random.default_rng(instrument.flat_seed)
    return np.clip(1.0 + instrument.flat_rms * rng.standard_normal(shape), 0.05, None)


@njit(cache=True)
def _detect_kernel(radiance, flat, conv, gain, bias, read_noise, full_well, adc_max,
                   noise_free, rng, data, counts, mask):
    """One pass over the pixels: electrons, noise, saturation flags, calibration.

    ``radiance``: (n, n_flat) mean radiance; ``flat``: (n_flat,) flat field; outputs
    (n, n_flat) float32 data, float32 counts, uint8 mask (module docstring of
    :mod:`.instrument` for the equations)."""
    n, m = radiance.shape
    for i in range(n):
        for j in range(m):
            expected = max(radiance[i, j], 0.0) * conv * flat[j]
            flag = 0
            if noise_free:
                electrons = expected
            else:
                electrons = float(rng.poisson(expected))
            if electrons > full_well:
                electrons = full_well
                flag |= 2
            if noise_free:
                dn = bias + electrons / gain
            else:
                dn = np.rint(bias + (electrons + read_noise * rng.standard_normal())
                             / gain)
            if dn > adc_max:
                dn = adc_max
                flag |= 1
            elif dn < 0.0:
                dn = 0.0
                flag |= 1
            counts[i, j] = dn
            mask[i, j] = flag
            data[i, j] = (dn - bias) * gain / (conv * flat[j])


def detect(radiance: np.ndarray, instrument: Instrument, *, noise_free: bool = False,
           seed: int | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Detector stage: mean radiance [..., along, wavelength] -> (calibrated data, counts
    DN, mask), all of the same shape.

    Electrons ``e ~ Poisson(C f <I>)`` (``noise_free``: ``e = C f <I>``); beyond the full
    well ``e = full_well`` and bit 2 is set; ``DN = round(bias + (e + read_noise N(0,1)) /
    gain)`` (``noise_free``: no read noise, no rounding); outside ``[0, 2^bits - 1]`` DN is
    set to the limit and bit 1 is set; ``data = (DN - bias) gain / (C f)``.  ``seed``
    seeds the noise (``numpy.random.default_rng``; None: from the operating system).
    """
    inst = instrument
    conv = inst.electrons_per_radiance()
    flat = flat_field(inst).ravel()
    shape = radiance.shape
    rad = np.ascontiguousarray(radiance, dtype=np.float64).reshape(-1, flat.size)
    data = np.empty(rad.shape, dtype=np.float32)
    counts = np.empty(rad.shape, dtype=np.float32)
    mask = np.empty(rad.shape, dtype=np.uint8)
    rng = np.random.default_rng(seed)
    _detect_kernel(rad, flat, conv, float(inst.gain), float(inst.bias),
                   float(inst.read_noise), float(inst.full_well), float(inst.adc_max),
                   bool(noise_free), rng, data, counts, mask)
    return data.reshape(shape), counts.reshape(shape), mask.reshape(shape)


def observe(scene: Scene, instrument: Instrument, *, n_scans: int | None = None,
            t_start: float | None = None, pointing: tuple[float, float] | None = None,
            noise_free: bool = False, seed: int | None = None) -> Raster:
    """Observe ``scene`` with ``instrument``: ``n_scans`` scans from scene time ``t_start``.

    Defaults come from the scene's ``[observation]`` table (``scans``, ``start``,
    ``pointing``), else 1 scan from t = 0 centred on the field.
    """
    if n_scans is None:
        n_scans = int(scene.observation.get("scans", 1))
    if n_scans < 1:
        raise ValueError(f"n_scans = {n_scans} is out of range; allowed: >= 1")
    if t_start is None:
        t_start = float(scene.observation.get("start", 0.0))
    model = build_model(scene, instrument, pointing)
    times = exposure_times(instrument, n_scans, float(t_start))
    radiance = model.mean_radiance(times)
    data, counts, mask = detect(radiance, instrument, noise_free=noise_free, seed=seed)
    kernels = []
    for k, kern in enumerate(scene.kernels):
        fp = model.footprints[k]
        ix, iy = np.unravel_index(int(np.argmax(fp)), fp.shape)
        kernels.append({"name": kern.name, "onset": kern.onset,
                        "profiles": str(kern.profiles_path),
                        "run": str(kern.run_path) if kern.run_path else "",
                        "area_cm2": scene.flaring_area_cm2(k),
                        "peak_pixel": [int(ix), int(iy)], "peak_weight": float(fp.max())})
    attrs = {"scene_name": scene.name, "scene_path": str(scene.path or ""),
             "scene": scene.text, "date_ref": scene.date, "noise_free": bool(noise_free),
             "seed": -1 if seed is None else int(seed), "t_start": float(t_start),
             "n_scans": int(n_scans), "pointing": list(model.pointing),
             "continuum_reference": scene.continuum_reference,
             "electrons_per_radiance": instrument.electrons_per_radiance(),
             "kernels": kernels}
    return Raster(data=data, counts=counts, mask=mask, time=times,
                  wavelength=model.wavelength, hpln=model.hpln, hplt=model.hplt,
                  instrument=instrument, attrs=attrs)

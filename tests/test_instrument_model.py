"""The slit-scan instrument model against analytic results (issue 5 acceptance).

Flux conservation through PSF, slit and binning; a uniform static scene against the
analytic convolution of its profile with the instrument profile; noise statistics;
saturation flags; exposure timing and kernel onsets; parameter validation.
"""

from __future__ import annotations

import numpy as np
import pytest
from instrument_synthetic import (
    CONTINUUM,
    DEPTH,
    LAMBDA0,
    SIGMA_QS,
    scene_text,
    write_flare,
    write_quiet,
    write_static,
)
from scipy.integrate import dblquad
from scipy.special import ndtr

from postprocess.instrument import InstrumentError, load_instrument, load_scene, observe, preset
from postprocess.instrument.instrument import PRESETS, Instrument
from postprocess.instrument.observe import MASK_ADC, MASK_WELL, aperture_matrix


def _scene(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return load_scene(path)


# ------------------------------------------------------------------ presets and validation

def test_presets_match_the_seed():
    sp = preset("sacpeak1980")
    assert (sp.n_along_slit, sp.n_spectral, sp.n_slit_positions) == (50, 100, 50)
    assert sp.pixel_along_slit == 2.5 and sp.slit_step == 2.5
    assert sp.pixel_spectral == pytest.approx(0.1)
    assert 1.0 / sp.dwell == 4.0  # four slit positions per second
    assert sp.scan_duration == 12.5 and sp.cadence == 15.0
    assert np.mean(sp.wavelengths()) == pytest.approx(6562.8)
    nm = preset("nextmax")
    assert nm.pixel_along_slit <= 1.0 and nm.slit_step <= 1.0 and nm.cadence <= 5.0
    assert set(PRESETS) == {"sacpeak1980", "nextmax"}


@pytest.mark.parametrize(("change", "message"), [
    ({"slit_step": 0.0}, r"slit_step = 0.0 arcsec is out of range; allowed: number in \(0"),
    ({"pixel_scale": -1.0}, r"pixel_scale = -1.0 .*allowed: number in \(0"),
    ({"dispersion": 0.0}, "dispersion = 0.0"),
    ({"n_spectral": 0}, r"n_spectral = 0 .*allowed: integer in \[1"),
    ({"n_slit_positions": 2.5}, "n_slit_positions = 2.5"),
    ({"slit_width": -2.5}, "slit_width = -2.5"),
    ({"bin_spatial": 0}, "bin_spatial = 0"),
    ({"gain": 0.0}, "gain = 0.0"),
    ({"throughput": 1.5}, r"throughput = 1.5 is out of range; allowed: number in \(0.0, 1.0\]"),
    ({"exposure": 0.3}, "exposure = 0.3 s exceeds dwell"),
    ({"cadence": 10.0}, "cadence = 10.0 s is shorter than one scan"),
    ({"seeing": float("nan")}, "seeing = nan"),
])
def test_bad_instrument_parameters(change, message):
    with pytest.raises(InstrumentError, match=message):
        preset("sacpeak1980", **change)


def test_instrument_files(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text('[instrument]\nbase = "sacpeak1980"\nseeing = 1.0\n')
    inst = load_instrument(path)
    assert inst.seeing == 1.0 and inst.slit_step == 2.5 and inst.name == "mine"
    path.write_text('[instrument]\nbase = "sacpeak1980"\nslit_stepp = 1.0\n')
    with pytest.raises(InstrumentError, match="unknown instrument parameter"):
        load_instrument(path)
    path.write_text('[instrument]\nbase = "sacpeak1980"\nslit_step = -1.0\n')
    with pytest.raises(InstrumentError, match="slit_step = -1.0"):
        load_instrument(path)
    with pytest.raises(InstrumentError, match="neither a preset"):
        load_instrument("hubble")


# ------------------------------------------------------------------ linear stages

def test_aperture_matrix_against_quadrature():
    """K[a, i] = (1/w) int_aperture dx int_cell dx' g(x - x') by brute-force quadrature."""
    sigma = 0.9
    edges = np.array([-1.0, 0.3, 2.8])
    lo, hi = np.array([-0.6, 1.0]), np.array([1.9, 3.5])
    k = aperture_matrix(lo, hi, edges, sigma)
    for a in range(2):
        for i in range(2):
            val, _ = dblquad(lambda xp, x: np.exp(-0.5 * ((x - xp) / sigma) ** 2)
                             / (sigma * np.sqrt(2 * np.pi)), lo[a], hi[a],
                             edges[i], edges[i + 1], epsabs=1e-13, epsrel=1e-12)
            assert k[a, i] == pytest.approx(val / (hi[a] - lo[a]), rel=1e-9)
    # no blur: plain overlap fractions
    k0 = aperture_matrix(lo, hi, edges, 0.0)
    np.testing.assert_allclose(k0, [[0.9 / 2.5, 1.6 / 2.5], [0.0, 1.8 / 2.5]], rtol=1e-12,
                               atol=1e-15)


def test_flux_conserved_through_psf_slit_and_binning(tmp_path):
    """A small kernel's excess power, integrated over the raster (area x wavelength),
    equals the scene's: sum <I - I_qs> dA dlambda (noise-free, slit strips tiling the sky)."""
    write_quiet(tmp_path / "quiet.h5", step=0.01)
    write_flare(tmp_path / "flare.h5")
    text = scene_text("quiet.h5", """
[[kernel]]
profiles = "flare.h5"
onset = -5.0
filling = 0.7
centre = [1.3, -2.1]
radius = 2.2
""", shape=(60, 60), pixel=0.5)
    scene = _scene(tmp_path, text)
    inst = preset("sacpeak1980", n_slit_positions=16, n_along_slit=16, seeing=2.5,
                  bin_spatial=2, pixel_scale=1.25, bin_spectral=2, dispersion=0.05,
                  flat_rms=0.02, cadence=15.0)
    quiet = observe(load_scene("q", text=scene_text(str(tmp_path / "quiet.h5"))), inst,
                    n_scans=1, t_start=0.0, noise_free=True)
    static = observe(scene, inst.replace(dwell=1e-8, exposure=1e-8), n_scans=1,
                     t_start=0.0, noise_free=True)
    observed_static = ((static.data.astype(float) - quiet.data.astype(float))[0].sum()
                       * inst.slit_width * inst.pixel_along_slit * inst.pixel_spectral)
    spec0 = scene.kernel_spectra(0, 0.0)
    k = scene.kernels[0]
    expected_static = k.weights.sum() * scene.pixel ** 2 * np.trapezoid(spec0, scene.wavelength)
    rel = abs(observed_static / expected_static - 1.0)
    assert rel <= 1e-3, rel
    print(f"flux conservation (PSF 2.5\", 2x2 binning, flat 2 %): relative error {rel:.2e}")


def _analytic_observed_line(edges, sigma_lsf):
    """Pixel means of the quiet line convolved with a Gaussian LSF: the convolution of two
    Gaussians has sigma S = sqrt(s^2 + sigma^2) and area d s sqrt(2 pi)."""
    s_tot = np.hypot(SIGMA_QS, sigma_lsf)
    cdf = ndtr((edges - LAMBDA0) / s_tot)
    area = DEPTH * SIGMA_QS * np.sqrt(2.0 * np.pi)
    return CONTINUUM * (1.0 - area * np.diff(cdf) / np.diff(edges))


@pytest.mark.parametrize("kernel_cover", [False, True])
def test_uniform_static_scene_is_the_convolved_profile(tmp_path, kernel_cover):
    """Quiet Sun only, or a static kernel with the same profile filling the field: every
    raster pixel (away from the field edge for the kernel) is the input profile convolved
    with the LSF and averaged over the spectral pixel, to <= 1e-6 relative."""
    write_quiet(tmp_path / "quiet.h5", step=0.0005)
    write_static(tmp_path / "static.h5", lambda lam: CONTINUUM * np.ones_like(lam))
    kernels = ""
    if kernel_cover:  # swap roles: flat quiet Sun, the line comes from a full-field kernel
        write_static(tmp_path / "line.h5", lambda lam: CONTINUUM * (
            1 - DEPTH * np.exp(-0.5 * ((lam - LAMBDA0) / SIGMA_QS) ** 2)), step=0.0005)
        kernels = ('[[kernel]]\nprofiles = "line.h5"\npre_onset = "first"\npixels = ['
                   + ", ".join(f"[{i}, {j}]" for i in range(30) for j in range(30)) + "]\n")
    quiet = "static.h5" if kernel_cover else "quiet.h5"
    scene = _scene(tmp_path, scene_text(quiet, kernels, shape=(30, 30), pixel=2.5))
    inst = preset("sacpeak1980", n_slit_positions=10, n_along_slit=10, flat_rms=0.01,
                  resolution=0.08)
    raster = observe(scene, inst, n_scans=2, t_start=0.0, noise_free=True)
    half = 0.5 * inst.pixel_spectral
    edges = np.append(raster.wavelength - half, raster.wavelength[-1] + half)
    expected = _analytic_observed_line(edges, inst.lsf_sigma)
    data = raster.data.astype(float)  # stored as float32: compare at 1e-6
    err = np.max(np.abs(data / expected - 1.0))
    assert err <= 1e-6, err
    print(f"uniform static scene vs analytic convolution: max relative error {err:.2e}")


# ------------------------------------------------------------------ detector

def test_noise_variance_photon_plus_read(tmp_path):
    """Over many pixels var(DN) = S/gain + (read_noise/gain)^2 (+ 1/12 from rounding),
    S the mean signal above bias in DN."""
    write_quiet(tmp_path / "quiet.h5", step=0.01)
    scene = _scene(tmp_path, scene_text("quiet.h5"))
    inst = preset("sacpeak1980", gain=2.0, read_noise=5.0, full_well=1e6, adc_bits=20,
                  throughput=3e-7, flat_rms=0.0)
    raster = observe(scene, inst, n_scans=4, t_start=0.0, seed=2024)
    counts = raster.counts.astype(float).reshape(-1, inst.n_spectral)  # spatial x scans
    signal = counts.mean(axis=0) - inst.bias
    variance = counts.var(axis=0, ddof=1)
    predicted = signal / inst.gain + (inst.read_noise / inst.gain) ** 2 + 1.0 / 12.0
    ratio = variance / predicted
    pooled = variance.sum() / predicted.sum()
    assert abs(pooled - 1.0) < 0.03, pooled
    assert np.all(np.abs(ratio - 1.0) < 0.1)
    # the signal matches the photon budget: C <I> / gain
    model = observe(scene, inst, n_scans=1, t_start=0.0, noise_free=True)
    np.testing.assert_allclose(signal, model.counts[0].reshape(-1, inst.n_spectral).mean(0)
                               - inst.bias, rtol=5e-3)
    assert signal.min() > 20 * (inst.read_noise / inst.gain) ** 2 / 10  # photon noise shows
    print(f"noise: pooled var / (S/g + RN^2 + 1/12) = {pooled:.4f} over {counts.shape[0]} "
          f"pixels x {inst.n_spectral} wavelengths; worst wavelength {np.max(abs(ratio-1)):.3f}")


def test_saturation_is_flagged_not_clipped_silently(tmp_path):
    write_quiet(tmp_path / "quiet.h5", step=0.01)
    write_flare(tmp_path / "flare.h5", amp0=6.0)
    scene = _scene(tmp_path, scene_text("quiet.h5", """
[[kernel]]
profiles = "flare.h5"
onset = -1.0
pixels = [[20, 20], [21, 20], [20, 21], [21, 21]]
"""))
    inst = preset("sacpeak1980", adc_bits=12, gain=60.0, full_well=1e6)  # ADC before well
    for noise_free in (True, False):
        raster = observe(scene, inst, n_scans=1, t_start=0.0, noise_free=noise_free, seed=1)
        model = observe(scene, inst, n_scans=1, t_start=0.0, noise_free=True)
        expected_dn = model.counts  # clipped, but the mask says where
        flagged = (raster.mask & MASK_ADC) > 0
        assert flagged.any() and not flagged.all()
        assert np.all(raster.counts[flagged] == inst.adc_max)
        assert np.all(raster.counts[~flagged] < inst.adc_max)
        if noise_free:  # exactly the pixels whose expected value exceeds the ADC range
            conv = inst.electrons_per_radiance()
            raw = inst.bias + raster.data.astype(float) * conv / inst.gain
            assert np.all(expected_dn[flagged] == inst.adc_max)
            assert np.all(raw[~flagged] < inst.adc_max + 1e-3)
    well = preset("sacpeak1980", full_well=2.0e5, gain=100.0, adc_bits=16)
    raster = observe(scene, well, n_scans=1, t_start=0.0, seed=3)
    flagged = (raster.mask & MASK_WELL) > 0
    assert flagged.any()
    assert np.allclose(raster.counts[flagged], well.bias + well.full_well / well.gain, atol=400)


# ------------------------------------------------------------------ timing

def test_time_stamps_exact_and_onset_seen_at_first_crossing(tmp_path):
    write_quiet(tmp_path / "quiet.h5", step=0.01)
    write_flare(tmp_path / "flare.h5")
    t_on = 17.3
    # a kernel covering the whole field, dark before t_on
    pixels = ", ".join(f"[{i}, {j}]" for i in range(40) for j in range(40))
    scene = _scene(tmp_path, scene_text("quiet.h5", f"""
[[kernel]]
profiles = "flare.h5"
onset = {t_on}
pixels = [{pixels}]
"""))
    inst = preset("sacpeak1980", n_slit_positions=20, n_along_slit=8, cadence=6.0)
    t0 = -3.7
    raster = observe(scene, inst, n_scans=6, t_start=t0, noise_free=True)
    j = np.arange(6)[:, None]
    k = np.arange(20)[None, :]
    assert np.array_equal(raster.time, t0 + j * inst.cadence + k * inst.dwell)
    quiet = observe(load_scene("q", text=scene_text(str(tmp_path / "quiet.h5"))), inst,
                    n_scans=1, t_start=t0, noise_free=True).data[0, 0, 0]
    lit = np.abs(raster.data[:, :, 4, :] - quiet).max(axis=-1) > 1e-3 * quiet.max()
    assert np.array_equal(lit, raster.time >= t_on)
    first = raster.time[lit].min()
    assert first == raster.time[raster.time >= t_on].min() and first >= t_on
    # a kernel switching on exactly at a time stamp is seen in that exposure
    exact = raster.time[2, 5]
    scene.kernels[0].onset = float(exact)
    again = observe(scene, inst, n_scans=6, t_start=t0, noise_free=True)
    lit2 = np.abs(again.data[:, :, 4, :] - quiet).max(axis=-1) > 1e-3 * quiet.max()
    assert lit2[2, 5] and not lit2[2, 4]


def test_instrument_is_a_frozen_validated_dataclass():
    inst = Instrument()
    with pytest.raises(AttributeError):
        inst.gain = 3.0  # type: ignore[misc]
    assert inst.replace(gain=3.0).gain == 3.0


def test_window_beyond_the_profiles_warns(tmp_path):
    write_quiet(tmp_path / "narrow.h5", step=0.01, half_width=3.0)
    scene = _scene(tmp_path, scene_text("narrow.h5"))
    with pytest.warns(UserWarning, match="continued at their end values"):
        observe(scene, preset("sacpeak1980", n_slit_positions=2), n_scans=1,
                noise_free=True)

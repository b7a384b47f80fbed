"""Bisector Doppler velocities of difference spectra (seed paper Figure 5 method)."""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.analysis.bisector import (
    C_KMS,
    LAMBDA0_AIR,
    bisector,
    difference_spectra,
    velocity_from_wavelength,
    velocity_series,
    wavelength_from_velocity,
)

LAM = LAMBDA0_AIR + 0.1 * (np.arange(100) - 49.5)  # sacpeak1980: 100 x 100 mÅ


def emission(v_kms, width=0.5, amp=1.0, lam=LAM):
    centre = LAMBDA0_AIR * (1.0 + v_kms / C_KMS)
    return amp * np.exp(-0.5 * ((lam - centre) / width) ** 2)


def test_sign_convention_and_conversion():
    assert velocity_from_wavelength(LAMBDA0_AIR + 1.0) == pytest.approx(C_KMS / LAMBDA0_AIR)
    assert velocity_from_wavelength(6562.8) == 0.0
    assert wavelength_from_velocity(45.7) == pytest.approx(LAMBDA0_AIR * (1 + 45.7 / C_KMS))
    b = bisector(LAM, emission(30.0))
    assert b.velocity > 0  # red shift = positive
    assert bisector(LAM, emission(-30.0)).velocity < 0


@pytest.mark.parametrize("v_true", [-25.0, 0.0, 12.3, 37.0, 55.0])
def test_recovers_known_shift_at_snr_100(v_true):
    """200 noise realisations at S/N 100 (noise sigma = 1 % of the peak): every bisector
    velocity (mean of the 0.2-0.8 levels) within 1 km/s of the truth."""
    rng = np.random.default_rng(int(1000 + v_true))
    clean = emission(v_true)
    errors = []
    for _ in range(200):
        noisy = clean + 0.01 * rng.standard_normal(LAM.size)
        errors.append(bisector(LAM, noisy, min_amplitude=0.05).velocity - v_true)
    errors = np.abs(errors)
    assert errors.max() < 1.0, errors.max()
    # noise-free: only the linear interpolation between 100 mÅ pixels remains
    assert abs(bisector(LAM, clean).velocity - v_true) < 0.3
    print(f"v = {v_true}: max |error| {errors.max():.3f} km/s, rms "
          f"{np.sqrt(np.mean(errors ** 2)):.3f} km/s at S/N 100")


def test_levels_follow_an_asymmetric_feature():
    """Two components: the bisector leans toward the red wing component at low levels."""
    spec = emission(0.0, width=0.4) + 0.3 * emission(60.0, width=0.4)
    b = bisector(LAM, spec, levels=(0.1, 0.5, 0.9))
    v = b.velocities
    assert v[0] > v[1] > v[2] >= -0.5
    assert np.all(b.blue < b.red)


def test_insufficient_amplitude_and_edges():
    flat = 1e-3 * np.ones(LAM.size)
    assert np.isnan(bisector(LAM, flat, min_amplitude=0.01).velocity)
    edge = emission(0.0, width=0.4, lam=LAM - 4.9)  # peak at the red end of the window
    b = bisector(LAM, edge)
    assert np.isnan(b.red).all() and np.isfinite(b.blue).all()  # no red crossing: NaN
    assert np.isnan(b.velocity)
    with pytest.raises(ValueError, match="levels"):
        bisector(LAM, flat, levels=(0.0, 0.5))


def test_velocity_series_uses_the_pre_impulsive_spectrum():
    base = 1.0 - 0.8 * np.exp(-0.5 * ((LAM - LAMBDA0_AIR) / 0.45) ** 2)  # absorption line
    v_true = np.array([0.0, 50.0, 35.0, 20.0])
    amps = np.array([0.0, 1.0, 0.7, 0.4])
    spectra = np.array([base + a * emission(v) for a, v in zip(amps, v_true, strict=True)])
    np.testing.assert_allclose(difference_spectra(spectra, 0)[0], 0.0)
    series = velocity_series(np.array([0.0, 15.0, 30.0, 45.0]), LAM, spectra, reference=0,
                             min_amplitude=0.05)
    assert np.isnan(series.velocity[0])
    np.testing.assert_allclose(series.velocity[1:], v_true[1:], atol=0.3)
    np.testing.assert_allclose(series.amplitude[1:], amps[1:], rtol=0.02)

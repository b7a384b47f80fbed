"""Thick-target hard X-ray flux (Brown 1971) against the analytic power-law results."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.integrate import quad

from loopsim.constants import KEV
from postprocess.analysis.hxr import (
    AU,
    KAPPA_BH,
    band_flux,
    beam_f20,
    bethe_heitler_to_kramers,
    electron_normalisation,
    energy_loss_constant,
    hxr_from_config,
    kramers_spectrum_analytic,
    thick_target_spectrum,
)


def test_constants():
    assert KAPPA_BH == pytest.approx(7.90e-25, rel=2e-3)  # cm^2 keV
    # K = 2 pi e^4 Lambda = 2.6e-18 keV^2 cm^2 for Lambda = 20
    assert energy_loss_constant(20.0) == pytest.approx(2.606e-18, rel=1e-3)
    # (1): the energy flux above 20 keV of f = C E^-delta is F20
    c = electron_normalisation(1e11, 4.0)
    flux, _ = quad(lambda e: KEV * e * c * e ** -4.0, 20.0, np.inf)
    assert flux == pytest.approx(1e11, rel=1e-10)


@pytest.mark.parametrize("delta", [3.0, 4.0, 5.5, 7.0])
def test_kramers_numeric_equals_analytic(delta):
    eps = np.array([8.0, 15.0, 19.99, 20.0, 28.0, 40.0, 54.0, 150.0])
    num = thick_target_spectrum(eps, 1e11, delta, 20.0, 1e17, cross_section="kramers")
    ana = kramers_spectrum_analytic(eps, 1e11, delta, 20.0, 1e17)
    np.testing.assert_allclose(num, ana, rtol=1e-8)
    # photon index gamma = delta - 1 above the cutoff
    slope = np.diff(np.log(ana[4:])) / np.diff(np.log(eps[4:]))
    np.testing.assert_allclose(slope, 1.0 - delta, rtol=1e-12)


@pytest.mark.parametrize("delta", [3.0, 4.0, 6.0])
def test_bethe_heitler_to_kramers_ratio(delta):
    """Above E_c: I_BH / I_K = B(delta - 2, 1/2) (4/3 for delta = 4)."""
    eps = np.array([20.0, 30.0, 60.0])
    bh = thick_target_spectrum(eps, 1e10, delta, 20.0, 1e17, cross_section="bethe-heitler")
    k = kramers_spectrum_analytic(eps, 1e10, delta, 20.0, 1e17)
    np.testing.assert_allclose(bh / k, bethe_heitler_to_kramers(delta), rtol=1e-8)
    if delta == 4.0:
        assert bethe_heitler_to_kramers(4.0) == pytest.approx(4.0 / 3.0, rel=1e-14)


def test_band_flux_analytic_and_magnitude():
    """28-54 keV band: integral of eq. (3); and an order-of-magnitude check: F20 = 1e11
    over 1e17 cm^2 (a 2.5" x 2" kernel) gives tens of photons cm^-2 s^-1 at 1 AU."""
    delta, f20, area = 4.0, 1e11, 1e17
    c = electron_normalisation(f20, delta)
    pref = area * KAPPA_BH * c / (4 * np.pi * AU ** 2 * energy_loss_constant(20.0)
                                  * (delta - 1) * (delta - 2))
    exact = pref * (28.0 ** (2 - delta) - 54.0 ** (2 - delta)) / (delta - 2)
    kr = band_flux(f20, delta, 20.0, area, cross_section="kramers")
    assert kr == pytest.approx(exact, rel=1e-7)
    bh = band_flux(f20, delta, 20.0, area)
    assert bh == pytest.approx(exact * 4.0 / 3.0, rel=1e-7)
    assert 10.0 < bh < 200.0


def test_f20_time_profiles():
    t = np.array([-1.0, 0.0, 1.0, 2.5, 4.99, 5.0, 7.0])
    const = {"beam": {"enabled": True, "F20": 1e11, "delta": 4.0, "E_cutoff": 20.0,
                      "profile": "constant", "start": 0.0, "duration": 5.0}}
    np.testing.assert_array_equal(beam_f20(const, t), [0, 1e11, 1e11, 1e11, 1e11, 0, 0])
    tri = {"beam": dict(const["beam"], profile="triangle", duration=4.0)}
    np.testing.assert_allclose(beam_f20(tri, [1.0, 2.0, 3.0, 5.0]), [5e10, 1e11, 5e10, 0])
    table = {"beam": {"enabled": True, "delta": 4.0, "E_cutoff": 20.0, "profile": "table",
                      "table": [[0.0, 0.0], [2.0, 1e11], [4.0, 0.0]]}}
    np.testing.assert_allclose(beam_f20(table, [1.0, 2.0, 3.5, 10.0]), [5e10, 1e11, 2.5e10, 0])
    # flux above E_c = 25 keV converted to F20 with (E_c / 20)^(delta - 2)
    flux = {"beam": dict(const["beam"], F20=None, flux=1e11, E_cutoff=25.0)}
    assert beam_f20(flux, [1.0])[0] == pytest.approx(1e11 * (25 / 20) ** 2)
    assert np.all(beam_f20({"beam": {"enabled": False}}, t) == 0)
    # the light curve follows F20(t) linearly
    curve = hxr_from_config(table, np.array([1.0, 2.0]), 1e17)
    assert curve[1] == pytest.approx(band_flux(1e11, 4.0, 20.0, 1e17), rel=1e-9)
    assert curve[0] == pytest.approx(0.5 * curve[1], rel=1e-12)

r"""Line absorption profiles used by the synthesis: the bridge to ``broadening.py``.

Hα uses :func:`postprocess.halpha.broadening.halpha_profile` (linear Stark broadening with
quasi-static ion microfields + electron impact, or its Voigt-only mode); the other lines of
the model atom use Voigt profiles (``broadening.voigt_profile``) with the damping of
:meth:`HydrogenAtom.damping`.  All profiles are normalised per Å:
int phi d(Delta lambda) = 1.

The Doppler width is Delta lambda_D = lambda_0 sqrt(2 k T / m_H + xi^2) / c, with xi the
microturbulence; a Lorentzian damping Gamma (s^-1) has a half width at half maximum
Gamma / (4 pi) in frequency, i.e. lambda_0^2 Gamma / (4 pi c) in wavelength.
"""

from __future__ import annotations

import numpy as np

from loopsim.constants import C_LIGHT, K_B, M_H

from . import broadening
from .broadening import halpha_profile, voigt_profile

HAVE_BROADENING = True  # kept for callers that check; broadening.py is part of the package


def doppler_width(wavelength_A: float, temperature: np.ndarray, v_turb: np.ndarray) -> np.ndarray:
    """Doppler width Delta lambda_D (Å) for hydrogen: lambda_0 sqrt(2kT/m_H + xi^2)/c."""
    v = np.sqrt(2.0 * K_B * np.asarray(temperature) / M_H + np.asarray(v_turb) ** 2)
    return wavelength_A * v / C_LIGHT


def voigt(delta_lambda: np.ndarray, doppler_width_A: np.ndarray,
          lorentz_hwhm_A: np.ndarray) -> np.ndarray:
    """Normalised Voigt profile (Å^-1), delta_lambda (n_depth, n_lambda), widths (n_depth,)."""
    d = np.asarray(doppler_width_A, dtype=float)[:, None]
    g = np.asarray(lorentz_hwhm_A, dtype=float)[:, None]
    return voigt_profile(delta_lambda, d, g)


def halpha(delta_lambda: np.ndarray, temperature: np.ndarray, n_e: np.ndarray,
           n_neutral: np.ndarray, v_turb: np.ndarray, mode: str) -> np.ndarray:
    """Hα profile (Å^-1), (n_depth, n_lambda), from broadening.py in ``mode`` ("stark" or
    "voigt"); ion density = electron density (hydrogen plasma)."""
    if mode not in ("stark", "voigt"):
        raise ValueError(f"H-alpha broadening mode must be 'stark' or 'voigt', not {mode!r}")
    phi = np.asarray(halpha_profile(delta_lambda, temperature, n_e, n_neutral, v_turb,
                                    mode=mode))
    return np.maximum(phi, 0.0)  # guard against round-off below zero far from the core


def halpha_voigt_damping(temperature: np.ndarray, n_e: np.ndarray,
                         n_neutral: np.ndarray) -> np.ndarray:
    """Total Lorentzian damping Gamma (s^-1, FWHM in angular frequency) of broadening.py's
    Voigt mode for Hα: radiative + van der Waals + the RH/Lightweaver Stark damping.  Used
    to give Lightweaver exactly our Voigt-mode Hα in the comparison."""
    return (broadening.radiative_damping() + broadening.vdw_damping(temperature, n_neutral)
            + broadening.lightweaver_stark_damping(n_e))

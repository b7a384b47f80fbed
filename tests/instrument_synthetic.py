"""Analytic Hα-like profiles files for the instrument and analysis tests (not collected).

Quiet Sun: a Gaussian absorption line on a flat continuum,
``I_qs = C (1 - d exp(-(l - l0)^2 / (2 s^2)))``.  Flare: the same plus a red-shifted
Gaussian emission component whose amplitude and Doppler shift decay exponentially after
the onset (run time 0).  Units as in a profiles file: Å (air), s,
erg cm^-2 s^-1 sr^-1 Å^-1.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from postprocess.profiles_file import Profiles, write_profiles

CONTINUUM = 4.1e6  #: erg cm^-2 s^-1 sr^-1 Å^-1, quiet-Sun continuum near Hα
LAMBDA0 = 6562.8
DEPTH = 0.84
SIGMA_QS = 0.45  #: Å
C_KMS = 2.99792458e5


def quiet_profile(lam: np.ndarray, continuum: float = CONTINUUM) -> np.ndarray:
    return continuum * (1.0 - DEPTH * np.exp(-0.5 * ((lam - LAMBDA0) / SIGMA_QS) ** 2))


def write_quiet(path: Path, step: float = 0.005, half_width: float = 7.0,
                continuum: float = CONTINUUM) -> Path:
    lam = np.arange(LAMBDA0 - half_width, LAMBDA0 + half_width + 1e-9, step)
    q = quiet_profile(lam, continuum)[None, :]
    return write_profiles(path, Profiles(lam, lam + 1.81, np.array([0.0]), q, q / continuum,
                                         continuum, attrs={"source": "analytic test"}))


def flare_intensity(lam: np.ndarray, t: np.ndarray, amp0: float = 2.0, tau_amp: float = 40.0,
                    v0: float = 50.0, tau_v: float = 20.0, width: float = 0.6) -> np.ndarray:
    """[t, lambda]: quiet line + emission of amplitude amp0 C exp(-t/tau_amp) at the Doppler
    shift v0 exp(-t/tau_v) km/s (zero before t = 0)."""
    t = np.asarray(t, dtype=float)
    amp = np.where(t >= 0, amp0 * np.exp(-np.maximum(t, 0) / tau_amp), 0.0)
    v = v0 * np.exp(-np.maximum(t, 0) / tau_v)
    centre = LAMBDA0 * (1.0 + v / C_KMS)
    return quiet_profile(lam)[None, :] + CONTINUUM * amp[:, None] * np.exp(
        -0.5 * ((lam[None, :] - centre[:, None]) / width) ** 2)


def write_flare(path: Path, step: float = 0.01, dt: float = 0.5, t_end: float = 90.0,
                **kwargs) -> Path:
    lam = np.arange(LAMBDA0 - 7.0, LAMBDA0 + 7.0 + 1e-9, step)
    t = np.arange(0.0, t_end + 1e-9, dt)
    inten = flare_intensity(lam, t, **kwargs)
    return write_profiles(path, Profiles(lam, lam + 1.81, t, inten, inten / CONTINUUM,
                                         CONTINUUM, attrs={"source": "analytic test"}))


def write_static(path: Path, intensity_of_lambda, step: float = 0.01) -> Path:
    lam = np.arange(LAMBDA0 - 7.0, LAMBDA0 + 7.0 + 1e-9, step)
    inten = np.asarray(intensity_of_lambda(lam), dtype=float)[None, :]
    return write_profiles(path, Profiles(lam, lam + 1.81, np.array([0.0]), inten,
                                         inten / CONTINUUM, CONTINUUM))


def scene_text(quiet: str, kernels: str = "", shape=(40, 40), pixel: float = 2.5,
               centre=(0.0, 0.0), observation: str = "") -> str:
    return (f'[scene]\nname = "test"\n[field]\ncentre = [{centre[0]}, {centre[1]}]\n'
            f"shape = [{shape[0]}, {shape[1]}]\npixel = {pixel}\n"
            f'[quiet_sun]\nprofiles = "{quiet}"\n{observation}\n{kernels}')

r"""Emergent spectrum from converged populations (the final formal solution).

At each requested vacuum wavelength the opacity and emissivity are (cgs, per cm)

  chi = kappa_bg + sigma_bg + sum_lines (pi e^2/m_e c) f (n_i - (g_i/g_j) n_j) phi_nu
        + sum_continua alpha (n_i - n_i* e^{-h nu/kT}),
  eta = kappa_bg B_nu + sigma_bg J + sum_lines (pi e^2/m_e c) f (g_i/g_j) n_j
        (2 h nu^3/c^2) phi_nu + sum_continua (2 h nu^3/c^2) alpha n_i* e^{-h nu/kT},

with n_i* = n_c n_e Phi_i(T) and phi_nu = phi_lambda lambda_0^2/c the line profile in the
observer's frame of a ray with direction cosine mu (a downward velocity v shifts it by
+lambda_0 v mu / c).  A line contributes where its statistical-equilibrium grid extends
(as in RH/Lightweaver); J for the background scattering is interpolated in wavelength from
the statistical-equilibrium solution.  The transfer equation is then solved along the ray
(formal.py) and I_nu is converted to I_lambda = I_nu c / lambda^2 (erg cm^-2 s^-1 sr^-1
Å^-1).
"""

from __future__ import annotations

import numpy as np

from loopsim.constants import C_LIGHT, H_PLANCK, K_B

from .atmosphere import HE_ABUNDANCE
from .atom import PI_E2_MC, photoionisation_cross_section
from .continuum import background_opacity, planck_nu
from .formal import emergent_intensity
from .mali import MaliResult, _line_profile_arrays


def opacity_emissivity(result: MaliResult, wavelength_vac: np.ndarray, mu: float,
                       lines: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """chi, eta (n_lambda, n_depth) in cm^-1 and erg cm^-3 s^-1 Hz^-1 sr^-1 along the ray
    toward the observer with direction cosine ``mu``; ``lines=False`` leaves the
    bound-bound opacity out (the continuum)."""
    prob = result.problem
    atmos, atom, pops = prob.atmosphere, prob.atom, result.populations
    lam = np.asarray(wavelength_vac, dtype=float)
    t = atmos.temperature
    nu = C_LIGHT / (lam * 1e-8)
    kappa, sigma = background_opacity(lam, t, atmos.n_e, atmos.n_neutral, atmos.n_p)
    # J of the statistical-equilibrium grid, interpolated linearly in wavelength (constant
    # beyond its ends), all depths at once
    pos = np.clip(np.searchsorted(prob.lam, lam) - 1, 0, prob.lam.size - 2)
    frac = np.clip((lam - prob.lam[pos]) / (prob.lam[pos + 1] - prob.lam[pos]), 0.0, 1.0)
    jbar = (result.j_mean[pos] * (1.0 - frac)[:, None]
            + result.j_mean[pos + 1] * frac[:, None])
    chi = kappa + sigma
    background = chi.copy()
    eta = kappa * planck_nu(lam[:, None], t[None, :]) + sigma * jbar
    two_hnu3 = (2.0 * H_PLANCK * nu**3 / C_LIGHT**2)[:, None]
    n_he = HE_ABUNDANCE * atmos.n_h
    for it, tr in enumerate(atom.transitions):
        lo, hi = prob.lam[prob.t_lo[it]], prob.lam[prob.t_hi[it]]
        sel = (lam >= lo) & (lam <= hi)
        if not np.any(sel):
            continue
        i, j = tr.lower, tr.upper
        if tr.kind == "line":
            if not lines:
                continue
            cached = prob.halpha_spectrum if (i + 1, j + 1) == (2, 3) else None
            if (cached is not None and cached[1] == mu and cached[0].shape == lam.shape
                    and np.array_equal(cached[0], lam)):
                phi_l = cached[2][:, sel]  # computed with the statistical-equilibrium one
            else:
                phi_l = _line_profile_arrays(atmos, atom, tr, lam[sel], mu,
                                             prob.settings.halpha_broadening, n_he)  # (n, m)
            phi_nu = phi_l.T * (tr.wavelength**2 * 1e-8 / C_LIGHT)
            gr = atom.g[i] / atom.g[j]
            chi[sel] += PI_E2_MC * tr.f * (pops[i] - gr * pops[j])[None, :] * phi_nu
            eta[sel] += PI_E2_MC * tr.f * gr * pops[j][None, :] * two_hnu3[sel] * phi_nu
        else:
            alpha = photoionisation_cross_section(i + 1, lam[sel])[:, None]
            stim = np.exp(-H_PLANCK * nu[sel][:, None] / (K_B * t[None, :]))
            nstar = prob.nstar_nc[i][None, :] * pops[j][None, :]
            chi[sel] += alpha * (pops[i][None, :] - nstar * stim)
            eta[sel] += two_hnu3[sel] * alpha * nstar * stim
    # as in the statistical equilibrium: population inversions must not make the total
    # opacity vanish or go negative
    return np.maximum(chi, 0.5 * background), eta


def emergent_spectrum(result: MaliResult, wavelength_vac: np.ndarray, mu: float = 1.0,
                      order: int = 2, lines: bool = True) -> np.ndarray:
    """Emergent I_lambda (erg cm^-2 s^-1 sr^-1 Å^-1) at vacuum wavelengths (Å) and ``mu``."""
    chi, eta = opacity_emissivity(result, wavelength_vac, mu, lines)
    i_nu = emergent_intensity(chi, eta / chi, result.problem.atmosphere.height, mu, order)
    lam_cm = np.asarray(wavelength_vac, dtype=float) * 1e-8
    return i_nu * C_LIGHT / lam_cm**2 * 1e-8


def continuum_spectrum(result: MaliResult, wavelength_vac: np.ndarray,
                       mu: float = 1.0) -> np.ndarray:
    """Emergent continuum I_lambda (line opacity left out), erg cm^-2 s^-1 sr^-1 Å^-1."""
    return emergent_spectrum(result, wavelength_vac, mu, lines=False)

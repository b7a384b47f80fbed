"""Heating of a chromosphere by the downward (E)UV radiation of the transition region above it.

A transition region that conducts the flux F5 down from the corona radiates it (optically
thin); half goes down, and the fraction ``f_abs`` of that at wavelengths below 912 Å is
absorbed in the chromosphere by photoionisation of H I and He I.  Flare chromosphere models
heated from above in this way: Machado, Emslie & Avrett (1989); Hawley & Fisher (1994);
Allred et al. (2005).  Used by :mod:`loopsim.flare_chromosphere` (the CGR84 grid).
All cgs; photon energies in eV.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from ..constants import EV
from . import hydrogen

#: default fraction of the conductive layer's radiation that the chromosphere absorbs by
#: photoionisation (lambda < 912 Å).  An estimate, not a published value (none was found):
#: with the KPC08 Lambda ∝ T^2 below 1e5 K the layer radiates F5 (1 - (T/T5)^(7/4)) above
#: T, i.e. 88 % of F5 from 3e4-1e5 K (ion lines; the rest is mostly H Lyman alpha, which
#: the chromosphere scatters but does not absorb in a continuum), and of that ion-line
#: radiation we take about half below 912 Å (He II 304, O III-V 500-835 Å, N III-IV; the
#: other half C III 977, O VI 1032, C IV 1548, Si IV, N V lie above 912 Å): 0.88 x 0.5 ~ 0.45
#: -> 0.5.  Results are reported at 0.5, 0.25 and 1.0 (docs/validation.md) so that no
#: conclusion hangs on it.
IRRADIATION_F_ABS = 0.5
#: photoionisation cross-sections (cm^2) at threshold: H I 6.3e-18 at 912 Å, scaling as
#: nu^-3 (hydrogenic; e.g. Osterbrock & Ferland 2006, §2.1); He I 7.4e-18 at its 504 Å
#: threshold (the commonly quoted measured value), taken to fall as nu^-2 above it (our
#: approximation; sensitivity: both cross-sections x 0.5 or x 2 keep P0 = 1e3 in emission,
#: docs/validation.md)
SIGMA_H_THRESHOLD = 6.3e-18
SIGMA_HE_THRESHOLD = 7.4e-18
_CHI_H_EV = 13.6
_CHI_HE_EV = 24.59
#: the absorbed radiation in two bands, (energy share, representative photon energy eV):
#: 504-912 Å (O III 703, O IV 554/790, O V 630, N IV 765, He I 584; H I only) at 18 eV
#: (690 Å), and < 504 Å (He II 304, H I and He I) at 40.8 eV; equal shares (estimate)
IRRADIATION_BANDS = ((0.5, 18.0), (0.5, 40.8))


def irradiation_cross_sections(photon_ev: float) -> tuple[float, float]:
    """(sigma_HI, sigma_HeI) in cm^2 at photon energy ``photon_ev`` (eV; see
    SIGMA_H_THRESHOLD): zero below each threshold."""
    sigma_h = SIGMA_H_THRESHOLD * (_CHI_H_EV / photon_ev) ** 3 if photon_ev >= _CHI_H_EV \
        else 0.0
    sigma_he = SIGMA_HE_THRESHOLD * (_CHI_HE_EV / photon_ev) ** 2 \
        if photon_ev >= _CHI_HE_EV else 0.0
    return sigma_h, sigma_he


def irradiation_absorption(flux_down: float, column_hi_edges: np.ndarray,
                           column_hi_centres: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(absorbed flux per cell, erg cm^-2 s^-1; H I photoionisation rate per neutral atom at
    the cell centres, s^-1) of the downward radiation ``flux_down`` of the conductive layer.

    The layer is optically thin, so its downward intensity is isotropic over the lower
    hemisphere: at normal optical depth tau the flux is 2 F E3(tau) and the angle-
    integrated intensity 4 pi J = 2 F E2(tau) (E_n the exponential integrals; at tau = 0,
    F itself).  In band k (IRRADIATION_BANDS) tau_k = (sigma_H + Y sigma_He) N_HI, with
    He I taken to follow H I (n_HeI = Y n_HI, Y = 0.1: both are neutral below ~1e4 K and
    ionised in the same layers); a cell absorbs the difference of the fluxes at its edges
    (so the column absorbs F (1 - 2 E3(tau_bottom)) exactly), and a neutral H atom is
    ionised at sum_k sigma_H 2 F_k E2(tau_k) / E_k.
    """
    absorbed = np.zeros(column_hi_centres.size)
    rate = np.zeros(column_hi_centres.size)
    for share, photon_ev in IRRADIATION_BANDS:
        sigma_h, sigma_he = irradiation_cross_sections(photon_ev)
        sigma = sigma_h + hydrogen.HELIUM_ABUNDANCE * sigma_he
        band = share * flux_down
        through = 2.0 * band * special.expn(3, sigma * column_hi_edges)
        absorbed += through[:-1] - through[1:]
        rate += sigma_h * 2.0 * band * special.expn(2, sigma * column_hi_centres) / (
            photon_ev * EV)
    return absorbed, rate

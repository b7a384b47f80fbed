"""Spitzer thermal conduction with a saturation (free-streaming) limit, at mesh nodes.

Classical (Spitzer & Harm 1953) heat flux along the field, written in the form that is
exact for a steady conductive profile across a cell pair:

    F_sp = -kappa0 T^{5/2} dT/ds  ->  F_sp,k = -(2/7) kappa0 (T_k^{7/2} - T_{k-1}^{7/2}) / ds_k

with ds_k the distance between the centres of cells k-1 and k (cm), kappa0 in
erg cm^-1 s^-1 K^-7/2.  Where the temperature scale length approaches the electron mean
free path the flux cannot exceed the free-streaming value (e.g. Fisher, Canfield &
McClymont 1985, ApJ 289, 425; Karpen & DeVore 1987):

    F_sat = f (3/2) n_e k_B T v_e,    v_e = (k_B T / m_e)^{1/2},

and the two are joined harmonically, F = F_sp / (1 + |F_sp| / F_sat), so |F| < F_sat
always and F -> F_sp when |F_sp| << F_sat.  A positive flux flows toward larger s
(downward in a loop).  Node values of n_e and T are the averages of the two cells.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..constants import K_B, M_E

#: Spitzer coefficient for a hydrogen plasma, erg cm^-1 s^-1 K^-7/2 (the value used by
#: FCM85 and most loop models; Spitzer 1962 gives 0.9-1.1e-6 depending on ln Lambda)
KAPPA0_SPITZER = 1.0e-6


@njit(cache=True)
def saturation_flux(n_e: float, temperature: float, coefficient: float) -> float:
    """Free-streaming limit f (3/2) n_e k T (kT/m_e)^{1/2} (erg cm^-2 s^-1)."""
    return coefficient * 1.5 * n_e * K_B * temperature * math.sqrt(K_B * temperature / M_E)


@njit(cache=True)
def conductive_flux(
    temperature: np.ndarray,
    n_e: np.ndarray,
    x_nodes: np.ndarray,
    kappa0: float,
    saturation: float,
    flux: np.ndarray,
) -> None:
    """Fill flux[k] (erg cm^-2 s^-1) at every node; flux[0] = flux[n] = 0 (closed ends).

    temperature, n_e: cell values (K, cm^-3); x_nodes: node positions (cm, n+1);
    saturation: the coefficient f (<= 0 switches the limit off).
    """
    n = temperature.size
    flux[0] = 0.0
    flux[n] = 0.0
    for k in range(1, n):
        ds = 0.5 * (x_nodes[k + 1] - x_nodes[k - 1])
        t_left, t_right = temperature[k - 1], temperature[k]
        f_sp = -(2.0 / 7.0) * kappa0 * (t_right**3.5 - t_left**3.5) / ds
        if saturation > 0.0:
            f_sat = saturation_flux(0.5 * (n_e[k - 1] + n_e[k]), 0.5 * (t_left + t_right),
                                    saturation)
            f_sp = f_sp / (1.0 + abs(f_sp) / f_sat)
        flux[k] = f_sp

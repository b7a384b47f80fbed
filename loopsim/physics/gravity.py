"""Gravity along a semicircular loop of half-length L (cm), s measured from the apex.

The loop's coronal part is a semicircle of radius R = 2L/pi whose footpoints (s = L) sit on
the top of the chromosphere (the initial atmosphere puts them at the top of the VAL-C
chromosphere); below a footpoint (s > L) the leg continues vertically.  Gravitational
potential per unit mass (erg g^-1), zero at the footpoint:

    Phi(s) = g_sun R cos(pi s / 2L)       for s <= L,
    Phi(s) = -g_sun (s - L)               for s > L,

so the field component along the loop, g_s = -dPhi/ds = g_sun sin(pi s / 2L) (s <= L) and
g_sun below, points toward the footpoint and vanishes at the apex.  The solver uses the
discrete gradient g = -(Phi(s_new) - Phi(s_old)) / (s_new - s_old), which makes the work
of gravity equal to minus the change of potential energy exactly.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def potential(s: float, half_length: float, g_sun: float) -> float:
    """Phi(s) (erg g^-1) at distance s (cm) from the apex along the loop."""
    if s <= half_length:
        radius = 2.0 * half_length / math.pi
        return g_sun * radius * math.cos(0.5 * math.pi * s / half_length)
    return -g_sun * (s - half_length)


@njit(cache=True)
def field(s: float, half_length: float, g_sun: float) -> float:
    """g_s(s) = -dPhi/ds (cm s^-2), positive toward the footpoint."""
    if s <= half_length:
        return g_sun * math.sin(0.5 * math.pi * max(s, 0.0) / half_length)
    return g_sun


@njit(cache=True)
def discrete_field(s_old: float, s_new: float, half_length: float, g_sun: float) -> float:
    """-(Phi(s_new) - Phi(s_old)) / (s_new - s_old), or g_s at s for a vanishing move."""
    ds = s_new - s_old
    if abs(ds) <= 1e-9 * half_length:
        return field(0.5 * (s_old + s_new), half_length, g_sun)
    return -(potential(s_new, half_length, g_sun) - potential(s_old, half_length, g_sun)) / ds

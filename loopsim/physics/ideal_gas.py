"""Ideal-gas equation of state (the interface the hydrogen EOS replaces for loops).

    p = (gamma - 1) rho e,      c_s^2 = gamma p / rho

with e the specific internal energy (erg g^-1), rho in g cm^-3, p in dyn cm^-2.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def pressure(rho: float, e: float, gamma: float) -> float:
    """Gas pressure p = (gamma - 1) rho e."""
    return (gamma - 1.0) * rho * e


@njit(cache=True)
def sound_speed(rho: float, p: float, gamma: float) -> float:
    """Adiabatic sound speed sqrt(gamma p / rho)."""
    return math.sqrt(gamma * p / rho)


@njit(cache=True)
def internal_energy(rho: float, p: float, gamma: float) -> float:
    """Specific internal energy e = p / ((gamma - 1) rho)."""
    return p / ((gamma - 1.0) * rho)

"""Artificial viscosity for shocks on the staggered Lagrangian mesh.

For cell i with velocity jump du_i = u_{i+1} - u_i (time-centred node velocities):

    q_i = (1 - psi_i) rho_i (c2 du_i^2 + c1 c_i |du_i|)   if du_i < 0 (compression)
    q_i = 0                                                 otherwise

(von Neumann & Richtmyer 1950 quadratic term, Landshoff 1955 linear term).  With the
limiter on, psi_i is the monotonized-central limiter of the ratios of neighbouring
velocity gradients r_L = g_{i-1}/g_i and r_R = g_{i+1}/g_i, g = du/dx,

    psi_i = max(0, min(1, (r_L + r_R)/2, 2 r_L, 2 r_R)),

so that q vanishes where the velocity field is locally linear (smooth flow, second-order
accuracy kept) and acts fully at shocks (Christensen 1990; Caramana, Shashkov & Whalen
1998, J. Comput. Phys. 144, 70).  psi is evaluated once per step from the velocities at
the start of the step: the ratios of nearly equal small jumps on a flat plateau are
arbitrarily sensitive to the velocities, and freezing psi keeps the implicit equations
smooth for Newton's method.  q is added to the pressure in both the momentum and the
energy equation, so total energy stays exactly conserved.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def limiter(u: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Monotonized-central limiter psi_i in [0, 1] of the cell velocity gradients.

    u: node velocities (cm s^-1, n+1); x: node positions (cm, n+1).  At the first and
    last cell the one available neighbour ratio is used for both sides.
    """
    n = x.size - 1
    psi = np.zeros(n)
    if n < 2:
        return psi
    grad = np.empty(n)
    for i in range(n):
        grad[i] = (u[i + 1] - u[i]) / (x[i + 1] - x[i])
    for i in range(n):
        if grad[i] == 0.0:
            continue
        r_left = grad[i - 1] / grad[i] if i > 0 else grad[i + 1] / grad[i]
        r_right = grad[i + 1] / grad[i] if i < n - 1 else r_left
        value = min(1.0, 0.5 * (r_left + r_right), 2.0 * r_left, 2.0 * r_right)
        psi[i] = max(0.0, value)
    return psi


@njit(cache=True)
def add_viscous_pressure(
    u_star: np.ndarray,
    rho: np.ndarray,
    pressure: np.ndarray,
    psi: np.ndarray,
    gamma: float,
    c_linear: float,
    c_quadratic: float,
    total: np.ndarray,
) -> None:
    """Add q (dyn cm^-2) to ``total`` in place.

    u_star: node velocities (cm s^-1, n+1); rho, pressure: cell density and gas pressure
    used for the sound speed c = sqrt(gamma p / rho); psi: limiter (zeros when off).
    """
    for i in range(rho.size):
        du = u_star[i + 1] - u_star[i]
        if du >= 0.0:
            continue
        cs = math.sqrt(gamma * pressure[i] / rho[i])
        total[i] += (1.0 - psi[i]) * rho[i] * (c_quadratic * du * du - c_linear * cs * du)

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
1998, J. Comput. Phys. 144, 70).  q is added to the pressure in both the momentum and the
energy equation, so total energy stays exactly conserved.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def add_viscous_pressure(
    u_star: np.ndarray,
    x_new: np.ndarray,
    rho: np.ndarray,
    pressure: np.ndarray,
    gamma: float,
    c_linear: float,
    c_quadratic: float,
    use_limiter: bool,
    total: np.ndarray,
) -> None:
    """Add q (dyn cm^-2) to ``total`` in place.

    u_star: node velocities (cm/s, n+1); x_new: node positions (cm, n+1); rho, pressure:
    cell density and gas pressure used for the sound speed c = sqrt(gamma p / rho).
    """
    n = rho.size
    for i in range(n):
        du = u_star[i + 1] - u_star[i]
        if du >= 0.0:
            continue
        psi = 0.0
        if use_limiter and n > 1:
            g = du / (x_new[i + 1] - x_new[i])
            if i > 0:
                r_left = (u_star[i] - u_star[i - 1]) / (x_new[i] - x_new[i - 1]) / g
            else:
                r_left = (u_star[i + 2] - u_star[i + 1]) / (x_new[i + 2] - x_new[i + 1]) / g
            if i < n - 1:
                r_right = (u_star[i + 2] - u_star[i + 1]) / (x_new[i + 2] - x_new[i + 1]) / g
            else:
                r_right = r_left
            psi = min(1.0, 0.5 * (r_left + r_right), 2.0 * r_left, 2.0 * r_right)
            psi = max(0.0, psi)
        cs = math.sqrt(gamma * pressure[i] / rho[i])
        total[i] += (1.0 - psi) * rho[i] * (c_quadratic * du * du - c_linear * cs * du)

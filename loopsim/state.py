"""The Lagrangian state: node positions and velocities, cell masses, thermal variable and
ionisation."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numba import njit


@njit(cache=True)
def node_masses(dm: np.ndarray) -> np.ndarray:
    """Nodal masses M_k (g cm^-2): half of each adjacent cell."""
    n = dm.size
    mass = np.empty(n + 1)
    mass[0] = 0.5 * dm[0]
    mass[n] = 0.5 * dm[n - 1]
    for k in range(1, n):
        mass[k] = 0.5 * (dm[k - 1] + dm[k])
    return mass


@dataclass
class State:
    """State of the staggered mesh at time ``t`` (cgs).

    x: node positions (cm), shape n+1 (distance s from the apex for loops);
    u: node velocities (cm s^-1), shape n+1 (positive = toward larger x, downward in loops);
    dm: cell masses per unit area (g cm^-2), shape n;
    theta: thermal variable, shape n: specific internal energy e (erg g^-1) for the ideal
    gas, temperature T (K) for hydrogen;
    xi: hydrogen ionisation fraction n_p / n_H, shape n (zeros for the ideal gas).
    """

    t: float
    x: np.ndarray
    u: np.ndarray
    dm: np.ndarray
    theta: np.ndarray
    xi: np.ndarray

    @property
    def cells(self) -> int:
        return self.dm.size

    @property
    def volume(self) -> np.ndarray:
        """Specific volume V = dx/dm (cm^3 g^-1)."""
        return np.diff(self.x) / self.dm

    @property
    def rho(self) -> np.ndarray:
        """Density (g cm^-3)."""
        return self.dm / np.diff(self.x)

    @property
    def x_centre(self) -> np.ndarray:
        return 0.5 * (self.x[1:] + self.x[:-1])

    @property
    def u_centre(self) -> np.ndarray:
        return 0.5 * (self.u[1:] + self.u[:-1])

    @property
    def column_mass(self) -> np.ndarray:
        """Column mass from the left/top boundary to the cell centre (g cm^-2)."""
        return np.cumsum(self.dm) - 0.5 * self.dm

    @property
    def node_mass(self) -> np.ndarray:
        return node_masses(self.dm)

    def kinetic_energy(self) -> float:
        """sum_k M_k u_k^2 / 2 (erg cm^-2)."""
        return float(np.sum(0.5 * self.node_mass * self.u**2))

    def mass(self) -> float:
        return float(np.sum(self.dm))

    def copy(self) -> State:
        return replace(self, x=self.x.copy(), u=self.u.copy(), dm=self.dm.copy(),
                       theta=self.theta.copy(), xi=self.xi.copy())

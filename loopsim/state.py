"""The Lagrangian state: node positions and velocities, cell masses and energies."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from .hydro import node_masses


@dataclass
class HydroState:
    """State of the staggered mesh at time ``t`` (cgs).

    x: node positions (cm), shape n+1;   u: node velocities (cm s^-1), shape n+1;
    dm: cell masses per unit area (g cm^-2), shape n;  e: specific internal energy
    (erg g^-1), shape n.
    """

    t: float
    x: np.ndarray
    u: np.ndarray
    dm: np.ndarray
    e: np.ndarray

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

    def internal_energy(self) -> float:
        """sum_i dm_i e_i (erg cm^-2)."""
        return float(np.sum(self.dm * self.e))

    def mass(self) -> float:
        return float(np.sum(self.dm))

    def copy(self) -> HydroState:
        return replace(self, x=self.x.copy(), u=self.u.copy(), dm=self.dm.copy(),
                       e=self.e.copy())

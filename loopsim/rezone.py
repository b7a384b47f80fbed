"""Adaptive rezoning of the Lagrangian mesh: split cells at steep jumps, merge them where
the flow is smooth, conserving mass, momentum and total energy exactly.

Split of cell i (mass dm) into two halves: a node is added at the cell's mid-position
(the density is uniform inside a cell, so both halves have the cell's specific volume);
the new node takes the velocity (u_i + u_{i+1})/2, which conserves momentum because nodes
i and i+1 each give up dm/4 of nodal mass.  Both halves keep the cell's thermal state,
ionisation and background heating per unit mass.

Merge of cells i and i+1: node i+1 is removed; its nodal mass goes half to each
neighbouring node, whose velocities become the momentum-weighted averages; the merged cell
takes the mass-weighted internal energy, ionisation and background heating.

Either operation changes kinetic and gravitational energy slightly (the nodal masses
move); that difference is added to the internal energy of the cells involved, so the total
energy, not only mass and momentum, is unchanged to round-off.  Nodes with a prescribed
velocity (walls) keep it; their momentum change goes to the wall.

Criteria, between neighbouring cells (|d log10| of T and rho, for the ideal gas of e and
rho):
* split both cells of a pair whose jump exceeds ``rezone.split_dlog_T`` or
  ``split_dlog_rho``, unless a half would be lighter than ``rezone.min_cell_mass`` or
  shorter than ``rezone.min_cell_length``;
  also split a cell heavier than ``rezone.max_mass_ratio`` times a neighbour (grading),
  or longer than ``rezone.max_cell_length`` (a heated cell that expands);
* merge a pair when every jump around it is below ``rezone.merge_fraction`` of the split
  thresholds, the merged cell is at most ``max_mass_ratio`` times as heavy as each
  neighbour and no longer than ``rezone.max_cell_length``; with
  ``rezone.keep_initial_mesh`` also no heavier than the initial mesh's cell at the pair's
  column mass (the mesh is Lagrangian, so a cell's column mass never changes): merges then
  only undo splits, and the initial mesh is a resolution floor (with
  ``rezone.keep_below_T`` > 0 only where a cell of the pair is cooler than that: hot
  evaporated plasma merges freely).  Without it a smooth
  pre-flare chromosphere is merged to the rezoner's own coarser equilibrium before the beam
  has made any jump there, whatever ``mesh.cells`` is (docs/validation.md, fcm85_f11).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from . import equations as eq
from .config import Config
from .physics import hydrogen
from .state import State, node_masses


@dataclass
class RezoneResult:
    state: State
    background: np.ndarray
    splits: int
    merges: int


def _log_jumps(state: State, ws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = state.cells
    temperature = ws[eq.W_T, :n] if np.any(ws[eq.W_T, :n] > 0) else ws[eq.W_E, :n]
    return (np.abs(np.diff(np.log10(temperature))),
            np.abs(np.diff(np.log10(state.rho))))


def _thermal_from_energy(e: float, rho: float, xi: float, flags: np.ndarray) -> tuple[float,
                                                                                        float]:
    """(theta, xi) of a cell with specific internal energy e (erg/g)."""
    if flags[eq.FL_EOS] == eq.EOS_IDEAL:
        return e, 0.0
    if flags[eq.FL_ION] == eq.ION_LTE:
        temperature = hydrogen.lte_temperature(rho, e)
        return temperature, hydrogen.saha_fraction(temperature, rho / hydrogen.MASS_PER_H)
    return hydrogen.temperature_from_energy(rho, e, xi), xi


class Rezoner:
    """Applies the split/merge criteria of ``config.rezone`` to a state."""

    def __init__(self, config: Config, flags: np.ndarray, par: np.ndarray,
                 initial_dm: np.ndarray | None = None):
        """``initial_dm``: cell masses of the initial mesh (g cm^-2, from the apex), needed
        with ``rezone.keep_initial_mesh``."""
        self.cfg = config.rezone
        self.flags = flags
        self.par = par
        self.floor_edges = self.floor_dm = None
        if self.cfg.keep_initial_mesh:
            if initial_dm is None:
                raise ValueError("rezone.keep_initial_mesh needs the initial mesh's cell masses")
            self.floor_edges = np.concatenate([[0.0], np.cumsum(initial_dm)])
            self.floor_dm = np.asarray(initial_dm, dtype=float)
        self.fixed = [config.boundary.left.kind != "pressure",
                      config.boundary.right.kind != "pressure"]
        if config.hydro.static:
            self.fixed = [True, True]

    def _potential_energy(self, x: np.ndarray, node_mass: np.ndarray) -> float:
        """sum_k M_k Phi(x_k) (erg cm^-2); 0 without gravity."""
        if not self.flags[eq.FL_GRAVITY]:
            return 0.0
        return eq.potential_energy(x, node_mass, self.par[eq.PR_HALF_LENGTH],
                                   self.par[eq.PR_G_SUN])

    def apply(self, state: State, background: np.ndarray) -> RezoneResult:
        """One rezoning pass (each cell takes part in at most one operation)."""
        ws = eq.old_level(state.x, state.theta, state.xi, state.dm, state.column_mass,
                          self.flags, self.par)
        n = state.cells
        cfg = self.cfg
        jump_t, jump_rho = _log_jumps(state, ws)
        steep = (jump_t > cfg.split_dlog_T) | (jump_rho > cfg.split_dlog_rho)
        dm = state.dm
        split = np.zeros(n, dtype=bool)
        split[:-1] |= steep
        split[1:] |= steep
        heavy = np.zeros(n, dtype=bool)
        heavy[1:] |= dm[1:] > cfg.max_mass_ratio * dm[:-1]
        heavy[:-1] |= dm[:-1] > cfg.max_mass_ratio * dm[1:]
        split |= heavy
        split |= np.diff(state.x) > cfg.max_cell_length
        split &= (0.5 * dm >= cfg.min_cell_mass) & (0.5 * np.diff(state.x) >= cfg.min_cell_length)
        room = cfg.max_cells - n
        if room <= 0:
            split[:] = False
        elif np.count_nonzero(split) > room:
            split[np.nonzero(split)[0][room:]] = False

        smooth = (jump_t < cfg.merge_fraction * cfg.split_dlog_T) & (
            jump_rho < cfg.merge_fraction * cfg.split_dlog_rho)
        merge_first = np.zeros(n, dtype=bool)  # merge cell i with i+1
        length = np.diff(state.x)
        mergeable = np.ones(n - 1, dtype=bool)  # pair (i, i+1) within the mass floor
        if self.floor_dm is not None:
            edges = np.concatenate([[0.0], np.cumsum(dm)])
            centre = edges[1:-1]  # column mass of the node between cells i and i+1
            floor = self.floor_dm[np.clip(np.searchsorted(self.floor_edges, centre) - 1, 0,
                                          self.floor_dm.size - 1)]
            mergeable = dm[:-1] + dm[1:] <= floor * (1.0 + 1e-9)
            if cfg.keep_below_T > 0.0:
                temperature = ws[eq.W_T, :n]
                mergeable |= np.minimum(temperature[:-1], temperature[1:]) >= cfg.keep_below_T
        i = 1
        while i < n - 2:
            ok = (smooth[i - 1] and smooth[i] and smooth[i + 1] and mergeable[i]
                  and not (split[i - 1] or split[i] or split[i + 1] or split[i + 2])
                  and dm[i] + dm[i + 1] <= cfg.max_mass_ratio * min(dm[i - 1], dm[i + 2])
                  and length[i] + length[i + 1] <= cfg.max_cell_length
                  and n - np.count_nonzero(merge_first) > cfg.min_cells)
            if ok:
                merge_first[i] = True
                i += 3
            else:
                i += 1
        if not split.any() and not merge_first.any():
            return RezoneResult(state, background, 0, 0)
        return self._rebuild(state, ws, background, split, merge_first)

    def _rebuild(self, state: State, ws: np.ndarray, background: np.ndarray,
                 split: np.ndarray, merge_first: np.ndarray) -> RezoneResult:
        n = state.cells
        x_new, mom, dm_new, e_new, xi_new, bg_new, changed = _rebuild_arrays(
            state.dm, np.ascontiguousarray(ws[eq.W_E, :n]), state.xi, background, state.x,
            state.u, state.node_mass, split, merge_first)
        m_node_new = node_masses(dm_new)
        u_new = mom / m_node_new
        for index, fixed in ((0, self.fixed[0]), (-1, self.fixed[1])):
            if fixed:
                u_new[index] = state.u[index]
        # kinetic + potential energy change goes into the internal energy of changed cells
        energy_old = (np.sum(0.5 * state.node_mass * state.u**2)
                      + self._potential_energy(state.x, state.node_mass))
        energy_new = (np.sum(0.5 * m_node_new * u_new**2)
                      + self._potential_energy(x_new, m_node_new))
        deficit = energy_old - energy_new
        weights = dm_new * changed
        e_new = e_new + deficit * weights / (np.sum(weights) * dm_new)
        rho_new = dm_new / np.diff(x_new)
        # unchanged cells keep their thermal state; new cells get it from their energy
        theta_new = np.empty(dm_new.size)
        kept = np.flatnonzero(changed == 0.0)
        theta_new[kept] = state.theta[_old_index(split, merge_first)[kept]]
        for c in np.flatnonzero(changed):
            theta_new[c], xi_new[c] = _thermal_from_energy(e_new[c], rho_new[c], xi_new[c],
                                                           self.flags)
        new_state = State(t=state.t, x=x_new, u=u_new, dm=dm_new, theta=theta_new, xi=xi_new)
        return RezoneResult(new_state, bg_new, int(np.count_nonzero(split & ~merge_first)),
                            int(np.count_nonzero(merge_first)))


def _old_index(split: np.ndarray, merge_first: np.ndarray) -> np.ndarray:
    """For every new cell, the old cell it comes from (the first of a merged pair)."""
    repeat = np.where(merge_first, 1, np.where(split, 2, 1))
    repeat[1:][merge_first[:-1]] = 0  # the second cell of a merged pair
    return np.repeat(np.arange(split.size), repeat)


@njit(cache=True)
def _rebuild_arrays(dm, e_cell, xi, background, x, u, mass_node, split, merge_first):
    """New node positions and momenta and new cell mass, e, xi, background (and 1.0 for
    every cell an operation produced) after the splits and merges (module docstring)."""
    n = dm.size
    m = n + np.count_nonzero(split & ~merge_first) - np.count_nonzero(merge_first)
    x_new = np.empty(m + 1)
    mom = np.empty(m + 1)
    dm_new = np.empty(m)
    e_new = np.empty(m)
    xi_new = np.empty(m)
    bg_new = np.empty(m)
    changed = np.zeros(m)
    x_new[0] = x[0]
    mom[0] = mass_node[0] * u[0]
    c = 0  # next new cell; its upper node is c + 1
    i = 0
    while i < n:
        if merge_first[i]:
            dm_j = dm[i + 1]
            total = dm[i] + dm_j
            e_new[c] = (e_cell[i] * dm[i] + e_cell[i + 1] * dm_j) / total
            xi_new[c] = (xi[i] * dm[i] + xi[i + 1] * dm_j) / total
            bg_new[c] = (background[i] * dm[i] + background[i + 1] * dm_j) / total
            dm_new[c] = total
            changed[c] = 1.0
            # removed node i+1 gives half its mass (and momentum share) to each side
            mom[c] += 0.5 * dm_j * u[i + 1]
            x_new[c + 1] = x[i + 2]
            mom[c + 1] = mass_node[i + 2] * u[i + 2] + 0.5 * dm[i] * u[i + 1]
            c += 1
            i += 2
        elif split[i]:
            half = 0.5 * dm[i]
            mom[c] -= 0.25 * dm[i] * u[i]
            for k in range(2):
                dm_new[c + k] = half
                e_new[c + k] = e_cell[i]
                xi_new[c + k] = xi[i]
                bg_new[c + k] = background[i]
                changed[c + k] = 1.0
            x_new[c + 1] = 0.5 * (x[i] + x[i + 1])
            mom[c + 1] = half * 0.5 * (u[i] + u[i + 1])
            x_new[c + 2] = x[i + 1]
            mom[c + 2] = mass_node[i + 1] * u[i + 1] - 0.25 * dm[i] * u[i + 1]
            c += 2
            i += 1
        else:
            dm_new[c] = dm[i]
            e_new[c] = e_cell[i]
            xi_new[c] = xi[i]
            bg_new[c] = background[i]
            x_new[c + 1] = x[i + 1]
            mom[c + 1] = mass_node[i + 1] * u[i + 1]
            c += 1
            i += 1
    return x_new, mom, dm_new, e_new, xi_new, bg_new, changed

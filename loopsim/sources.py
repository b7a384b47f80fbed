"""Explicit energy sources of a step: electron-beam heating and background heating.

Both are held fixed during one implicit step:

* the beam deposits, in cell i, the power P_i (erg cm^-2 s^-1) of
  :func:`loopsim.physics.beam.deposited_power` for the injected flux at the middle of the
  step (exact for the piecewise-linear time profiles, because steps land on every switch
  time), computed with the ionisation and electron density at the start of the step;
  its heating per unit mass is P_i / dm_i and its ionisation rate per atom
  q / (n_H 36 eV);
* the background heating per unit mass is fixed at the start of the run so that the
  initial atmosphere is in exact discrete energy balance (``heating.background =
  "equilibrium"``): H_i = (F_{i+1} - F_i)/dm_i + L_i with the conductive flux F and the
  radiative loss per unit mass L of the initial state.
"""

from __future__ import annotations

import numpy as np

from . import equations as eq
from .config import Config
from .physics import beam as beam_physics
from .physics.hydrogen import MASS_PER_H
from .state import State


class SourceTerms:
    """Beam and background heating for a Config."""

    def __init__(self, config: Config):
        self.config = config
        cfg = config.beam
        self.enabled = cfg.enabled
        if not cfg.enabled:
            return
        self.delta, self.e_cut = cfg.delta, cfg.E_cutoff
        self.kind = beam_physics.profile_code(cfg.profile)
        if cfg.profile == "table":
            self.table_t = np.array([row[0] for row in cfg.table], dtype=float)
            f20 = np.array([row[1] for row in cfg.table], dtype=float)
            self.table_f = np.array([beam_physics.flux_from_f20(v, cfg.delta, cfg.E_cutoff)
                                     for v in f20])
            self.params = np.zeros(3)
        else:
            value = cfg.flux if cfg.flux is not None else beam_physics.flux_from_f20(
                cfg.F20, cfg.delta, cfg.E_cutoff)
            self.params = np.array([cfg.start, cfg.duration, value])
            self.table_t = np.zeros(0)
            self.table_f = np.zeros(0)

    def switch_times(self) -> list[float]:
        """Times at which the beam profile switches or kinks (steps land on them)."""
        if not self.enabled:
            return []
        return beam_physics.switch_times(self.kind, self.params, self.table_t)

    def injected_flux(self, t: float) -> float:
        """Beam energy flux above E_cutoff injected at the apex at time t (erg cm^-2 s^-1)."""
        if not self.enabled:
            return 0.0
        return float(beam_physics.beam_flux_at(t, self.kind, self.params, self.table_t,
                                               self.table_f))

    def beam_deposition(self, state: State, ws: np.ndarray, flux: float) -> np.ndarray:
        """Power deposited per cell (erg cm^-2 s^-1) by an injected flux ``flux``.

        (mu0 = 1 and Emslie's beta are passed explicitly: with omitted defaults numba's
        dispatcher takes its slow Python path, ~0.2 ms per call.)"""
        n = state.cells
        if flux <= 0.0:
            return np.zeros(n)
        edges = np.concatenate([[0.0], np.cumsum(state.dm)]) / MASS_PER_H
        return beam_physics.deposited_power(edges, np.ascontiguousarray(ws[eq.W_XI, :n]),
                                            np.ascontiguousarray(ws[eq.W_NE, :n]), flux,
                                            self.delta, self.e_cut, 1.0, -1.0)

    def for_step(self, state: State, ws: np.ndarray, t: float, dt: float,
                 background: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
        """(heating per unit mass, beam ionisation rate per atom, beam power deposited).

        ws: workspace of ``state`` (Stepper.level); background: heating per unit mass
        (erg g^-1 s^-1).  The deposited power is in erg cm^-2 s^-1 (sum over cells).
        """
        n = state.cells
        deposited = self.beam_deposition(state, ws, self.injected_flux(t + 0.5 * dt))
        source = background + deposited / state.dm
        q_beam = deposited / np.diff(state.x)
        ion_rate = beam_physics.nonthermal_ionisation_rate(q_beam, ws[eq.W_NH, :n])
        return source, ion_rate, float(np.sum(deposited))


def equilibrium_background(state: State, ws: np.ndarray) -> np.ndarray:
    """Heating per unit mass (erg g^-1 s^-1) that balances conduction and radiation of a
    state exactly: H_i = (F_{i+1} - F_i)/dm_i + L_i."""
    n = state.cells
    return np.diff(ws[eq.W_FLUX, : n + 1]) / state.dm + ws[eq.W_LOSS, :n]

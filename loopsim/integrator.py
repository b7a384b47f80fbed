"""One implicit time step of the Lagrangian equations, and the accuracy-based step size.

The step solves the coupled momentum, energy and ionisation equations of
:mod:`loopsim.equations` simultaneously by Newton's method (:mod:`loopsim.newton`), then
applies the conservative update.  Step size is chosen for accuracy, never for explicit
stability:

    dt_next = min(max_growth dt, 0.9 dt max_change / r, courant min_i(dx_i / c_i), dt_max)

with r the largest relative change of rho or the thermal variable (e or T) in the step
just taken.  A step whose Newton iteration fails is retried at half the size by the driver.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import equations as eq
from .config import Config
from .config.sections import HydrogenEOS
from .constants import K_B, M_H
from .newton import newton_solve
from .physics.hydrogen import diluted_balmer_rate
from .physics.viscosity import limiter
from .state import State


@dataclass
class StepOutcome:
    ok: bool
    state: State | None
    iterations: int
    budget: np.ndarray = field(default_factory=lambda: np.zeros(3))
    message: str = ""


def flags_and_params(config: Config) -> tuple[np.ndarray, np.ndarray]:
    """The integer switches and real parameters of the kernels for a Config."""
    flags = np.zeros(eq.N_FLAGS, dtype=np.int64)
    par = np.zeros(eq.N_PARAMS)
    hydrogen = isinstance(config.eos, HydrogenEOS)
    flags[eq.FL_EOS] = eq.EOS_HYDROGEN if hydrogen else eq.EOS_IDEAL
    if hydrogen:
        flags[eq.FL_ION] = eq.ION_LTE if config.eos.ionisation == "lte" else eq.ION_NEQ
        # the n = 2 photo-ionisation rate is a constant of the run: computed once here
        par[eq.PR_BALMER_RATE] = diluted_balmer_rate(config.eos.balmer_radiation_temperature)
        par[eq.PR_RADIATIVE] = 1.0 if config.eos.radiative_processes else 0.0
    else:
        mu = config.eos.mu
        if mu is not None:
            # T = mu m_H p / (rho k) = (gamma - 1) mu m_H e / k; n = rho / (mu m_H)
            par[eq.PR_T_PER_E] = (config.eos.gamma - 1.0) * mu * M_H / K_B
            par[eq.PR_N_PER_RHO] = 1.0 / (mu * M_H)
    par[eq.PR_GAMMA] = config.eos.gamma
    loop = config.loop
    if loop.half_length is not None and loop.gravity:
        flags[eq.FL_GRAVITY] = 1
        par[eq.PR_HALF_LENGTH] = loop.half_length
        par[eq.PR_G_SUN] = loop.surface_gravity
    if config.conduction.enabled:
        flags[eq.FL_CONDUCTION] = 1
        par[eq.PR_KAPPA0] = config.conduction.kappa0
        par[eq.PR_SATURATION] = config.conduction.saturation
    flags[eq.FL_RADIATION] = int(config.radiation.enabled)
    flags[eq.FL_STATIC] = int(config.hydro.static)
    par[eq.PR_THETA] = config.time.theta
    par[eq.PR_C_LINEAR] = config.viscosity.c_linear
    par[eq.PR_C_QUADRATIC] = config.viscosity.c_quadratic
    for offset, side in enumerate((config.boundary.left, config.boundary.right)):
        flags[eq.FL_BC_LEFT + offset] = eq.BC_CODES[side.kind]
        par[eq.PR_BC_LEFT + offset] = side.pressure if side.kind == "pressure" else side.velocity
    return flags, par


class Stepper:
    """Implicit step for the Lagrangian equations of a Config (planar or loop)."""

    def __init__(self, config: Config):
        self.config = config
        self.flags, self.par = flags_and_params(config)
        self.block = eq.block_size(int(self.flags[eq.FL_ION]))
        self.kl, self.ku = eq.bandwidths(int(self.flags[eq.FL_ION]),
                                         bool(self.flags[eq.FL_CONDUCTION]))
        self.use_limiter = config.viscosity.limiter

    # -- diagnostics of a state -------------------------------------------------------------
    def level(self, state: State) -> np.ndarray:
        """Workspace of derived quantities (rows eq.W_*) of a state."""
        return eq.old_level(state.x, state.theta, state.xi, state.dm, state.column_mass,
                            self.flags, self.par)

    def pressure(self, state: State) -> np.ndarray:
        return self.level(state)[eq.W_P, : state.cells]

    def sound_speed(self, state: State, ws: np.ndarray | None = None) -> np.ndarray:
        ws = self.level(state) if ws is None else ws
        n = state.cells
        return np.sqrt(self.config.eos.gamma * ws[eq.W_P, :n] * ws[eq.W_V, :n])

    def total_energy(self, state: State, ws: np.ndarray | None = None) -> dict[str, float]:
        """Kinetic, internal (incl. ionisation) and gravitational energy (erg cm^-2)."""
        ws = self.level(state) if ws is None else ws
        internal = float(np.sum(state.dm * ws[eq.W_E, : state.cells]))
        potential = 0.0
        if self.flags[eq.FL_GRAVITY]:
            potential = eq.potential_energy(state.x, state.node_mass,
                                            self.par[eq.PR_HALF_LENGTH], self.par[eq.PR_G_SUN])
        kinetic = state.kinetic_energy()
        return {"kinetic_energy": kinetic, "internal_energy": internal,
                "potential_energy": potential, "total_energy": kinetic + internal + potential}

    # -- the step ---------------------------------------------------------------------------
    def try_step(self, state: State, dt: float, source: np.ndarray,
                 ion_source: np.ndarray, old: np.ndarray | None = None) -> StepOutcome:
        """Advance ``state`` by ``dt`` with explicit sources (erg g^-1 s^-1 per cell; extra
        ionisation rate per atom, s^-1); ``old`` is the workspace of ``state``
        (:meth:`level`, independent of dt) when the caller already has it.  On failure ``ok``
        is False and ``message`` says why."""
        n, b = state.cells, self.block
        par = self.par.copy()
        par[eq.PR_DT] = dt
        if old is None:
            old = self.level(state)
        mass = state.node_mass
        psi = limiter(state.u, state.x) if self.use_limiter else np.zeros(n)
        args = (old, state.u, state.xi, state.dm, mass, psi, source, ion_source, self.flags,
                par)

        def residual(y: np.ndarray, out: np.ndarray) -> bool:
            return eq.residual(y, *args, out)

        y0 = np.empty(b * (n + 1))
        eq.explicit_predictor(old, state.u, state.theta, state.xi, state.dm, mass, self.flags,
                              par, y0)
        sound = np.sqrt(self.config.eos.gamma * old[eq.W_P, :n] * old[eq.W_V, :n])
        scale = np.ones_like(y0)
        scale[0::b] = float(np.max(sound) + np.max(np.abs(state.u)))
        scale[1:b * n:b] = state.theta
        if b == 3:
            scale[2:b * n:b] = 1.0
        solver = self.config.solver
        result = newton_solve(residual, y0, scale, self.kl, self.ku, solver.newton_tol,
                              solver.newton_max_iter)
        if not result.converged:
            return StepOutcome(False, None, result.iterations, message=result.message)
        new = State(t=state.t + dt, x=np.empty(n + 1), u=np.empty(n + 1), dm=state.dm.copy(),
                    theta=np.empty(n), xi=np.empty(n))
        budget = eq.conservative_update(result.y, old, state.u, state.xi, state.dm, mass, psi,
                                        source, self.flags, par, new.x, new.u, new.theta,
                                        new.xi)
        if not np.all(np.isfinite(budget)):
            return StepOutcome(False, None, result.iterations,
                               message="conservative update unphysical")
        return StepOutcome(True, new, result.iterations, budget=budget)

    def next_dt(self, old: State, new: State, dt: float, growth_base: float) -> float:
        """Accuracy-based proposal for the step after a successful step of size dt.

        ``growth_base`` is the step the growth limit applies to: dt itself, or the planned
        step when dt was shortened to land on an output time.
        """
        time_cfg = self.config.time
        change = max(
            float(np.max(np.abs(new.rho / old.rho - 1.0))),
            float(np.max(np.abs(new.theta / old.theta - 1.0))),
        )
        dt_next = growth_base * time_cfg.max_growth
        if change > 0.0 and np.isfinite(time_cfg.max_change):
            dt_next = min(dt_next, 0.9 * dt * time_cfg.max_change / change)
        if not self.flags[eq.FL_STATIC]:
            crossing = np.min(np.diff(new.x) / self.sound_speed(new))
            dt_next = min(dt_next, time_cfg.courant * crossing)
        return float(min(dt_next, time_cfg.dt_max))

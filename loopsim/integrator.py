"""One implicit time step of the Lagrangian equations, and the accuracy-based step size.

The step solves the coupled momentum and energy equations of :mod:`loopsim.hydro`
simultaneously by Newton's method (:mod:`loopsim.newton`), then applies the conservative
update.  Step size is chosen for accuracy, never for explicit stability:

    dt_next = min(max_growth dt, 0.9 dt max_change / r, courant min_i(dx_i / c_i), dt_max)

with r the largest relative change of rho or e in the step just taken.  A step whose
Newton iteration fails is retried at half the size by the driver.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .config import Config
from .hydro import (
    BC_CODES,
    HYDRO_KL,
    HYDRO_KU,
    conservative_update,
    explicit_predictor,
    gas_pressure,
    hydro_residual,
)
from .newton import newton_solve
from .physics.viscosity import limiter
from .state import HydroState


@dataclass
class StepOutcome:
    ok: bool
    state: HydroState | None
    iterations: int
    boundary_work: float = 0.0
    message: str = ""


class HydroStepper:
    """Implicit theta-scheme step for the planar Lagrangian hydrodynamics of a Config."""

    def __init__(self, config: Config):
        self.config = config
        self.gamma = config.eos.gamma
        self.theta = config.time.theta
        visc = config.viscosity
        self.c_linear = visc.c_linear
        self.c_quadratic = visc.c_quadratic
        self.use_limiter = visc.limiter
        sides = (config.boundary.left, config.boundary.right)
        self.bc_kind = np.array([BC_CODES[s.kind] for s in sides], dtype=np.int64)
        self.bc_value = np.array(
            [s.pressure if s.kind == "pressure" else s.velocity for s in sides], dtype=float
        )

    def pressure(self, state: HydroState) -> np.ndarray:
        return gas_pressure(state.x, state.e, state.dm, self.gamma)

    def sound_speed(self, state: HydroState) -> np.ndarray:
        return np.sqrt(self.gamma * self.pressure(state) / state.rho)

    def try_step(self, state: HydroState, dt: float) -> StepOutcome:
        """Advance ``state`` by ``dt``; on failure ``ok`` is False and ``message`` says why."""
        n = state.cells
        x_old, u_old, e_old, dm = state.x, state.u, state.e, state.dm
        v_old = state.volume
        p_old = self.pressure(state)
        mass = state.node_mass
        psi = limiter(u_old, x_old) if self.use_limiter else np.zeros(n)
        args = (
            x_old, u_old, e_old, v_old, p_old, dm, mass, dt, self.theta, self.gamma,
            self.c_linear, self.c_quadratic, psi, self.bc_kind, self.bc_value,
        )

        def residual(y: np.ndarray, out: np.ndarray) -> bool:
            return hydro_residual(y, *args, out)

        y0 = np.empty(2 * (n + 1))
        explicit_predictor(x_old, u_old, e_old, v_old, p_old, dm, mass, dt, self.bc_kind,
                           self.bc_value, y0)
        u_scale = float(np.max(np.sqrt(self.gamma * p_old * v_old)) + np.max(np.abs(u_old)))
        scale = np.empty_like(y0)
        scale[0::2] = u_scale
        scale[1:2 * n:2] = e_old
        scale[2 * n + 1] = 1.0
        solver = self.config.solver
        result = newton_solve(
            residual, y0, scale, HYDRO_KL, HYDRO_KU, solver.newton_tol, solver.newton_max_iter
        )
        if not result.converged:
            return StepOutcome(False, None, result.iterations, message=result.message)
        new = HydroState(t=state.t + dt, x=np.empty(n + 1), u=np.empty(n + 1), dm=dm.copy(),
                         e=np.empty(n))
        work = conservative_update(result.y, *args, new.x, new.u, new.e)
        if not np.isfinite(work):
            return StepOutcome(False, None, result.iterations,
                               message="conservative update unphysical")
        return StepOutcome(True, new, result.iterations, boundary_work=work)

    def next_dt(self, old: HydroState, new: HydroState, dt: float, growth_base: float) -> float:
        """Accuracy-based proposal for the step after a successful step of size dt.

        ``growth_base`` is the step the growth limit applies to: dt itself, or the planned
        step when dt was shortened to land on an output time.
        """
        time_cfg = self.config.time
        change = max(
            float(np.max(np.abs(new.rho / old.rho - 1.0))),
            float(np.max(np.abs(new.e / old.e - 1.0))),
        )
        dt_next = growth_base * time_cfg.max_growth
        if change > 0.0 and np.isfinite(time_cfg.max_change):
            dt_next = min(dt_next, 0.9 * dt * time_cfg.max_change / change)
        crossing = np.min(np.diff(new.x) / self.sound_speed(new))
        dt_next = min(dt_next, time_cfg.courant * crossing, time_cfg.dt_max)
        return float(dt_next)

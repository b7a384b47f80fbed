"""Discrete Lagrangian hydrodynamics on the staggered mass mesh (numba kernels).

Cells i = 0..n-1 carry mass dm_i (g cm^-2), specific volume V_i = (x_{i+1}-x_i)/dm_i and
specific internal energy e_i; nodes k = 0..n carry position x_k and velocity u_k, with
nodal mass M_k = (dm_{k-1} + dm_k)/2 (half a cell at the boundaries).  One time step
dt from level n to n+1 solves, with u* = (u^n + u^{n+1})/2 and P_i = theta p_i^{n+1} +
(1 - theta) p_i^n + q_i (gas + artificial-viscous pressure):

    x_k^{n+1} = x_k^n + dt u*_k                                      (kinematics)
    M_k (u_k^{n+1} - u_k^n) = dt (P_{k-1} - P_k)                     (momentum)
    e_i^{n+1} - e_i^n = -P_i (V_i^{n+1} - V_i^n)                     (internal energy)

Because the same P_i and the same u* enter the momentum and energy equations, the sum
of kinetic and internal energy changes telescopes to the boundary work exactly, for any
theta: total energy is conserved to round-off in a closed box (docs/numerics.md).

The unknowns of the implicit step are interleaved, y[2k] = u_k^{n+1}, y[2k+1] = e_k^{n+1}
(y[2n+1] is a dummy fixed at 0), which makes the Jacobian banded with kl = ku = 2: a
momentum row couples u_{k-1..k+1}, e_{k-1} and e_k; an energy row u_i, u_{i+1} and e_i.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .physics.ideal_gas import pressure as ideal_pressure
from .physics.viscosity import add_viscous_pressure

#: boundary kinds, as integers for the kernels
BC_REFLECTING, BC_VELOCITY, BC_PRESSURE = 0, 1, 2
BC_CODES = {"reflecting": BC_REFLECTING, "velocity": BC_VELOCITY, "pressure": BC_PRESSURE}

#: half-bandwidths of the Jacobian for the interleaved unknowns (see module docstring)
HYDRO_KL = 2
HYDRO_KU = 2


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


@njit(cache=True)
def gas_pressure(x: np.ndarray, e: np.ndarray, dm: np.ndarray, gamma: float) -> np.ndarray:
    """Cell gas pressure (dyn cm^-2) from node positions and specific internal energy."""
    n = dm.size
    p = np.empty(n)
    for i in range(n):
        p[i] = ideal_pressure(dm[i] / (x[i + 1] - x[i]), e[i], gamma)
    return p


@njit(cache=True)
def total_pressure(
    u_new: np.ndarray,
    e_new: np.ndarray,
    x_old: np.ndarray,
    u_old: np.ndarray,
    v_old: np.ndarray,
    p_old: np.ndarray,
    dm: np.ndarray,
    dt: float,
    theta: float,
    gamma: float,
    c_linear: float,
    c_quadratic: float,
    psi: np.ndarray,
    x_new: np.ndarray,
    v_new: np.ndarray,
    u_star: np.ndarray,
    rho_mid: np.ndarray,
    p_mid: np.ndarray,
    total: np.ndarray,
) -> bool:
    """Fill x_new, v_new, u_star and the time-centred total pressure P_i.

    Returns False (and leaves the outputs partial) if a cell volume or internal energy
    is not positive: the trial state is unphysical.
    """
    n = dm.size
    for k in range(n + 1):
        u_star[k] = 0.5 * (u_old[k] + u_new[k])
        x_new[k] = x_old[k] + dt * u_star[k]
    for i in range(n):
        v_new[i] = (x_new[i + 1] - x_new[i]) / dm[i]
        if not (v_new[i] > 0.0 and e_new[i] > 0.0):
            return False
    for i in range(n):
        p_new = ideal_pressure(1.0 / v_new[i], e_new[i], gamma)
        p_mid[i] = theta * p_new + (1.0 - theta) * p_old[i]
        rho_mid[i] = 2.0 / (v_old[i] + v_new[i])
        total[i] = p_mid[i]
    add_viscous_pressure(u_star, rho_mid, p_mid, psi, gamma, c_linear, c_quadratic, total)
    return True


@njit(cache=True)
def node_acceleration_impulse(
    total: np.ndarray,
    mass: np.ndarray,
    dt: float,
    bc_kind: np.ndarray,
    bc_value: np.ndarray,
    k: int,
) -> float:
    """dt * (force on node k) / M_k for a free node (interior or pressure boundary)."""
    n = total.size
    left = bc_value[0] if k == 0 else total[k - 1]
    right = bc_value[1] if k == n else total[k]
    return dt * (left - right) / mass[k]


@njit(cache=True)
def hydro_residual(
    y: np.ndarray,
    x_old: np.ndarray,
    u_old: np.ndarray,
    e_old: np.ndarray,
    v_old: np.ndarray,
    p_old: np.ndarray,
    dm: np.ndarray,
    mass: np.ndarray,
    dt: float,
    theta: float,
    gamma: float,
    c_linear: float,
    c_quadratic: float,
    psi: np.ndarray,
    bc_kind: np.ndarray,
    bc_value: np.ndarray,
    residual: np.ndarray,
) -> bool:
    """Residual of the implicit step for interleaved unknowns y (see module docstring).

    Rows 2k are in velocity units (cm/s), rows 2i+1 in specific energy (erg/g).
    Returns False if y is unphysical (non-positive volume or energy).
    """
    n = dm.size
    u_new = y[0::2].copy()
    e_new = y[1::2][:n].copy()
    x_new = np.empty(n + 1)
    v_new = np.empty(n)
    u_star = np.empty(n + 1)
    rho_mid = np.empty(n)
    p_mid = np.empty(n)
    total = np.empty(n)
    ok = total_pressure(
        u_new, e_new, x_old, u_old, v_old, p_old, dm, dt, theta, gamma, c_linear,
        c_quadratic, psi, x_new, v_new, u_star, rho_mid, p_mid, total,
    )
    if not ok:
        return False
    for k in range(n + 1):
        side = 0 if k == 0 else (1 if k == n else -1)
        if side >= 0 and bc_kind[side] == BC_REFLECTING:
            residual[2 * k] = u_new[k]
        elif side >= 0 and bc_kind[side] == BC_VELOCITY:
            residual[2 * k] = u_new[k] - bc_value[side]
        else:
            residual[2 * k] = u_new[k] - u_old[k] - node_acceleration_impulse(
                total, mass, dt, bc_kind, bc_value, k
            )
    for i in range(n):
        residual[2 * i + 1] = e_new[i] - e_old[i] + total[i] * (v_new[i] - v_old[i])
    residual[2 * n + 1] = y[2 * n + 1]
    return True


@njit(cache=True)
def conservative_update(
    y: np.ndarray,
    x_old: np.ndarray,
    u_old: np.ndarray,
    e_old: np.ndarray,
    v_old: np.ndarray,
    p_old: np.ndarray,
    dm: np.ndarray,
    mass: np.ndarray,
    dt: float,
    theta: float,
    gamma: float,
    c_linear: float,
    c_quadratic: float,
    psi: np.ndarray,
    bc_kind: np.ndarray,
    bc_value: np.ndarray,
    x_out: np.ndarray,
    u_out: np.ndarray,
    e_out: np.ndarray,
) -> float:
    """Final explicit update from the pressures of the converged Newton iterate y.

    The momentum and energy equations are applied once more with P_i and u* taken from
    y, so mass, momentum and total energy balance exactly (to round-off) whatever the
    Newton tolerance; the state differs from y by the Newton error only.  Returns the
    work done on the gas by the boundaries during the step (erg cm^-2), or NaN if the
    update is unphysical.
    """
    n = dm.size
    u_new = y[0::2].copy()
    e_new = y[1::2][:n].copy()
    x_iter = np.empty(n + 1)
    v_iter = np.empty(n)
    u_star = np.empty(n + 1)
    rho_mid = np.empty(n)
    p_mid = np.empty(n)
    total = np.empty(n)
    ok = total_pressure(
        u_new, e_new, x_old, u_old, v_old, p_old, dm, dt, theta, gamma, c_linear,
        c_quadratic, psi, x_iter, v_iter, u_star, rho_mid, p_mid, total,
    )
    if not ok:
        return np.nan
    for k in range(n + 1):
        side = 0 if k == 0 else (1 if k == n else -1)
        if side >= 0 and bc_kind[side] == BC_REFLECTING:
            u_out[k] = 0.0
        elif side >= 0 and bc_kind[side] == BC_VELOCITY:
            u_out[k] = bc_value[side]
        else:
            u_out[k] = u_old[k] + node_acceleration_impulse(
                total, mass, dt, bc_kind, bc_value, k
            )
        x_out[k] = x_old[k] + dt * 0.5 * (u_old[k] + u_out[k])
    for i in range(n):
        v = (x_out[i + 1] - x_out[i]) / dm[i]
        e_out[i] = e_old[i] - total[i] * (v - v_old[i])
        if not (v > 0.0 and e_out[i] > 0.0):
            return np.nan
    u_left = 0.5 * (u_old[0] + u_out[0])
    u_right = 0.5 * (u_old[n] + u_out[n])
    p_left = bc_value[0] if bc_kind[0] == BC_PRESSURE else total[0]
    p_right = bc_value[1] if bc_kind[1] == BC_PRESSURE else total[n - 1]
    return dt * (p_left * u_left - p_right * u_right)


@njit(cache=True)
def explicit_predictor(
    x_old: np.ndarray,
    u_old: np.ndarray,
    e_old: np.ndarray,
    v_old: np.ndarray,
    p_old: np.ndarray,
    dm: np.ndarray,
    mass: np.ndarray,
    dt: float,
    bc_kind: np.ndarray,
    bc_value: np.ndarray,
    y: np.ndarray,
) -> None:
    """Initial Newton guess y: forward-Euler velocities from the old pressures, and the
    internal energies these imply through e = e_old - p_old dV (first-order accurate)."""
    n = dm.size
    for k in range(n + 1):
        side = 0 if k == 0 else (1 if k == n else -1)
        if side >= 0 and bc_kind[side] == BC_REFLECTING:
            y[2 * k] = 0.0
        elif side >= 0 and bc_kind[side] == BC_VELOCITY:
            y[2 * k] = bc_value[side]
        else:
            y[2 * k] = u_old[k] + node_acceleration_impulse(p_old, mass, dt, bc_kind,
                                                            bc_value, k)
    for i in range(n):
        x_left = x_old[i] + 0.5 * dt * (u_old[i] + y[2 * i])
        x_right = x_old[i + 1] + 0.5 * dt * (u_old[i + 1] + y[2 * i + 2])
        e_guess = e_old[i] - p_old[i] * ((x_right - x_left) / dm[i] - v_old[i])
        y[2 * i + 1] = e_guess if e_guess > 0.5 * e_old[i] else e_old[i]
    y[2 * n + 1] = 0.0

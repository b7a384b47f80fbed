"""Discrete Lagrangian radiation hydrodynamics on the staggered mass mesh (numba kernels).

Cells i = 0..n-1 carry mass dm_i (g cm^-2), specific volume V_i = (x_{i+1}-x_i)/dm_i, a
thermal variable theta_i (specific internal energy e for the ideal gas, temperature T for
hydrogen) and the hydrogen ionisation fraction xi_i; nodes k = 0..n carry position x_k
and velocity u_k, with nodal mass M_k = (dm_{k-1} + dm_k)/2 (half a cell at the ends).
One step dt from level n to n+1 solves, with u* = (u^n + u^{n+1})/2 and a time-centring
theta_t for the stiff terms (starred quantities are theta_t-weighted between levels):

    x_k^{n+1} = x_k^n + dt u*_k                                              (kinematics)
    M_k (u_k^{n+1} - u_k^n) = dt (P*_{k-1} - P*_k) + dt M_k g_k                (momentum)
    e_i^{n+1} - e_i^n = -P*_i (V_i^{n+1} - V_i^n) - dt (F*_{i+1} - F*_i)/dm_i
                        + dt (Q_i - L*_i)                                      (energy)
    xi_i^{n+1} = xi_LTE(T^{n+1}, n_H^{n+1})                                   (LTE), or
    xi_i^{n+1} - xi_i^n = dt [(1 - xi) I - xi R]^{n+1}                        (non-equilibrium)

P = p + q (gas plus artificial-viscous pressure), F the conductive flux at nodes, L the
radiative loss per unit mass, Q the explicit sources per unit mass (beam, background
heating) and g the discrete gravity -(Phi(x^{n+1}) - Phi(x^n))/(x^{n+1} - x^n).
Because the same P*, F* and u* enter the momentum and energy equations, kinetic +
internal + potential energy change by exactly the boundary work plus dt sum dm (Q - L*):
the step is conservative for any theta_t (docs/numerics.md).

The unknowns are interleaved in blocks of b: y[b k] = u_k, y[b k + 1] = theta_k and, when
ionisation is an unknown (b = 3), y[b k + 2] = xi_k; the last block's cell entries are
dummies fixed at 0.  The Jacobian is banded; :func:`bandwidths` gives kl and ku.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .physics import hydrogen, ideal_gas
from .physics.conduction import conductive_flux
from .physics.gravity import discrete_field, potential
from .physics.radiation import (
    escape_probabilities,
    escaped_total_loss_and_dT,
    neutral_hydrogen_column,
)
from .physics.viscosity import add_viscous_pressure

# -- integer flags (array ``flags``) ------------------------------------------------------
FL_EOS, FL_ION, FL_GRAVITY, FL_CONDUCTION, FL_RADIATION, FL_STATIC, FL_BC_LEFT, FL_BC_RIGHT = (
    range(8)
)
N_FLAGS = 8
EOS_IDEAL, EOS_HYDROGEN = 0, 1
ION_NONE, ION_LTE, ION_NEQ = 0, 1, 2
BC_REFLECTING, BC_VELOCITY, BC_PRESSURE = 0, 1, 2
BC_CODES = {"reflecting": BC_REFLECTING, "velocity": BC_VELOCITY, "pressure": BC_PRESSURE}

# -- real parameters (array ``par``) ------------------------------------------------------
(PR_DT, PR_THETA, PR_GAMMA, PR_T_PER_E, PR_N_PER_RHO, PR_C_LINEAR, PR_C_QUADRATIC,
 PR_KAPPA0, PR_SATURATION, PR_HALF_LENGTH, PR_G_SUN, PR_BALMER_RATE, PR_BC_LEFT, PR_BC_RIGHT,
 PR_RADIATIVE) = range(15)
N_PARAMS = 15

#: tolerated overshoot of Newton iterates of the ionisation fraction outside [0, 1]
XI_SLACK = 1e-3

# -- rows of the workspace returned by :func:`evaluate` -----------------------------------
(W_X, W_USTAR, W_V, W_E, W_P, W_T, W_NE, W_NH, W_PTOT, W_FLUX, W_LOSS, W_G, W_XI,
 W_NHI, W_ESC_H, W_ESC_CA, W_ESC_MG) = range(17)
N_WORK = 17


def block_size(ionisation: int) -> int:
    """Unknowns per block: (u, theta) or (u, theta, xi)."""
    return 2 if ionisation == ION_NONE else 3


def bandwidths(ionisation: int, conduction: bool) -> tuple[int, int]:
    """(kl, ku) of the Jacobian for the interleaved unknowns.

    Momentum rows couple u_{k-1..k+1} and the cell variables of cells k-1, k; energy rows
    couple u_i, u_{i+1} and the cell's own variables, and with conduction also the
    neighbouring cells and nodes u_{i-1}, u_{i+2} (through the centre distances).
    """
    b = block_size(ionisation)
    if conduction:
        return b + 1, 2 * b - 1 if b > 2 else 3
    return b, b


@njit(cache=True)
def thermodynamics(rho: float, theta: float, xi: float, flags: np.ndarray,
                   par: np.ndarray) -> tuple[float, float, float, float, float]:
    """(e, p, T, n_e, n_H) of a cell from density, thermal variable and ionisation (cgs)."""
    if flags[FL_EOS] == EOS_IDEAL:
        n = rho * par[PR_N_PER_RHO]
        return theta, ideal_gas.pressure(rho, theta, par[PR_GAMMA]), theta * par[PR_T_PER_E], n, n
    n_h = rho / hydrogen.MASS_PER_H
    return (hydrogen.internal_energy(rho, theta, xi), hydrogen.pressure(rho, theta, xi), theta,
            xi * n_h, n_h)


@njit(cache=True)
def ionisation_rates(temperature: float, n_e: float, beam_rate: float,
                     par: np.ndarray) -> tuple[float, float]:
    """(ionise, recombine) per atom (s^-1): dx/dt = (1 - x) ionise - x recombine, with

        ionise = n_e C(T) + r P_Bc(T, T_rad) + B_beam,
        recombine = n_e (r alpha_rr(T) + n_e alpha_3b(T)),

    r = 1 with radiative processes, 0 for continua in detailed balance (LTE limit)."""
    c_coll, photo, alpha_rr, alpha_3b = hydrogen.rate_coefficients(temperature, par[PR_BALMER_RATE])
    radiative = par[PR_RADIATIVE]
    return (n_e * c_coll + radiative * photo + beam_rate,
            n_e * (radiative * alpha_rr + n_e * alpha_3b))


@njit(cache=True)
def old_level(x: np.ndarray, theta: np.ndarray, xi: np.ndarray, dm: np.ndarray,
              colmass: np.ndarray, flags: np.ndarray, par: np.ndarray) -> np.ndarray:
    """Workspace of the state at the start of a step (rows W_*; fluxes and losses at
    time level n, used for the theta_t-weighting)."""
    n = dm.size
    ws = np.zeros((N_WORK, n + 1))
    for k in range(n + 1):
        ws[W_X, k] = x[k]
    for i in range(n):
        ws[W_V, i] = (x[i + 1] - x[i]) / dm[i]
        rho = 1.0 / ws[W_V, i]
        e, p, t, ne, nh = thermodynamics(rho, theta[i], xi[i], flags, par)
        ws[W_E, i], ws[W_P, i], ws[W_T, i], ws[W_NE, i], ws[W_NH, i] = e, p, t, ne, nh
        ws[W_XI, i] = xi[i]
    if flags[FL_RADIATION]:
        neutral_hydrogen_column(ws[W_T, :n], ws[W_NH, :n], 1.0 / ws[W_V, :n], colmass,
                                ws[W_XI, :n], ws[W_NHI, :n])
        for i in range(n):
            ws[W_ESC_H, i], ws[W_ESC_CA, i], ws[W_ESC_MG, i] = escape_probabilities(
                colmass[i], ws[W_NHI, i])
    _fluxes_and_losses(ws, n, ws, flags, par, ws[W_FLUX], ws[W_LOSS])
    return ws


@njit(cache=True)
def _fluxes_and_losses(ws: np.ndarray, n: int, old: np.ndarray, flags: np.ndarray,
                       par: np.ndarray, flux: np.ndarray, loss: np.ndarray) -> None:
    """Conductive flux at nodes and radiative loss per unit mass (erg g^-1 s^-1) in cells.

    The escape probabilities (rows W_ESC_* of ``old``, the workspace of the start of the
    step) depend on the column mass and on the neutral-hydrogen column above each cell, both
    taken from the start of the step so that the losses stay local (banded Jacobian)."""
    if flags[FL_CONDUCTION]:
        conductive_flux(ws[W_T, :n], ws[W_NE, :n], ws[W_X], par[PR_KAPPA0],
                        par[PR_SATURATION], flux)
    else:
        flux[:] = 0.0
    if flags[FL_RADIATION]:
        for i in range(n):
            loss[i] = escaped_total_loss_and_dT(
                ws[W_T, i], ws[W_NE, i], ws[W_NH, i], old[W_ESC_H, i], old[W_ESC_CA, i],
                old[W_ESC_MG, i], ws[W_XI, i])[0] * ws[W_V, i]
    else:
        loss[:n] = 0.0


@njit(cache=True)
def evaluate(y: np.ndarray, old: np.ndarray, u_old: np.ndarray, dm: np.ndarray,
             psi: np.ndarray, flags: np.ndarray, par: np.ndarray) -> tuple[bool, np.ndarray]:
    """Everything the step equations need at the trial state y (rows W_*).

    Returns (False, ws) if y is unphysical: non-positive volume or thermal variable, or an
    ionisation fraction outside [-XI_SLACK, 1 + XI_SLACK].  (Newton iterates may overshoot
    x = 1 in fully ionised gas by round-off-sized amounts; the rate equation pulls them
    back, and the conservative update clips the converged value to [0, 1].)
    """
    n = dm.size
    b = 2 if flags[FL_ION] == ION_NONE else 3
    dt, theta_t = par[PR_DT], par[PR_THETA]
    ws = np.zeros((N_WORK, n + 1))
    for k in range(n + 1):
        u_new = 0.0 if flags[FL_STATIC] else y[b * k]
        ws[W_USTAR, k] = 0.5 * (u_old[k] + u_new)
        ws[W_X, k] = old[W_X, k] + dt * ws[W_USTAR, k]
    for i in range(n):
        ws[W_V, i] = (ws[W_X, i + 1] - ws[W_X, i]) / dm[i]
        th = y[b * i + 1]
        xi = y[b * i + 2] if b == 3 else 0.0
        if not (ws[W_V, i] > 0.0 and th > 0.0 and -XI_SLACK <= xi <= 1.0 + XI_SLACK):
            return False, ws
        e, p, t, ne, nh = thermodynamics(1.0 / ws[W_V, i], th, xi, flags, par)
        ws[W_E, i], ws[W_P, i], ws[W_T, i], ws[W_NE, i], ws[W_NH, i] = e, p, t, ne, nh
        ws[W_XI, i] = xi
    # total time-centred pressure: gas + artificial viscosity
    rho_mid = np.empty(n)
    p_mid = np.empty(n)
    for i in range(n):
        p_mid[i] = theta_t * ws[W_P, i] + (1.0 - theta_t) * old[W_P, i]
        rho_mid[i] = 2.0 / (old[W_V, i] + ws[W_V, i])
        ws[W_PTOT, i] = p_mid[i]
    add_viscous_pressure(ws[W_USTAR], rho_mid, p_mid, psi, par[PR_GAMMA], par[PR_C_LINEAR],
                         par[PR_C_QUADRATIC], ws[W_PTOT, :n])
    # conduction and radiation, time-centred
    _fluxes_and_losses(ws, n, old, flags, par, ws[W_FLUX], ws[W_LOSS])
    for k in range(n + 1):
        ws[W_FLUX, k] = theta_t * ws[W_FLUX, k] + (1.0 - theta_t) * old[W_FLUX, k]
    for i in range(n):
        ws[W_LOSS, i] = theta_t * ws[W_LOSS, i] + (1.0 - theta_t) * old[W_LOSS, i]
    if flags[FL_GRAVITY]:
        for k in range(n + 1):
            ws[W_G, k] = discrete_field(old[W_X, k], ws[W_X, k], par[PR_HALF_LENGTH],
                                        par[PR_G_SUN])
    return True, ws


@njit(cache=True)
def _node_force_impulse(ws: np.ndarray, mass: np.ndarray, flags: np.ndarray,
                        par: np.ndarray, k: int, n: int) -> float:
    """dt (P*_{k-1} - P*_k) / M_k + dt g_k for a free node (interior or pressure boundary)."""
    left = par[PR_BC_LEFT] if k == 0 else ws[W_PTOT, k - 1]
    right = par[PR_BC_RIGHT] if k == n else ws[W_PTOT, k]
    return par[PR_DT] * ((left - right) / mass[k] + ws[W_G, k])


@njit(cache=True)
def _fixed_node_velocity(flags: np.ndarray, par: np.ndarray, k: int, n: int) -> float:
    """Prescribed velocity of node k, or NaN if the node is free."""
    if flags[FL_STATIC]:
        return 0.0
    if k == 0 or k == n:
        side = 0 if k == 0 else 1
        kind = flags[FL_BC_LEFT + side]
        if kind == BC_REFLECTING:
            return 0.0
        if kind == BC_VELOCITY:
            return par[PR_BC_LEFT + side]
    return np.nan


@njit(cache=True)
def residual(y: np.ndarray, old: np.ndarray, u_old: np.ndarray, xi_old: np.ndarray,
             dm: np.ndarray, mass: np.ndarray, psi: np.ndarray, source: np.ndarray,
             ion_source: np.ndarray, flags: np.ndarray, par: np.ndarray,
             out: np.ndarray) -> bool:
    """Residual of the step equations at y; False if y is unphysical.

    Rows: momentum in velocity units (cm s^-1), energy in erg g^-1, ionisation
    dimensionless.  source: explicit heating per unit mass (erg g^-1 s^-1); ion_source:
    extra ionisation rate per atom (s^-1, beam electrons).
    """
    n = dm.size
    b = 2 if flags[FL_ION] == ION_NONE else 3
    dt = par[PR_DT]
    ok, ws = evaluate(y, old, u_old, dm, psi, flags, par)
    if not ok:
        return False
    for k in range(n + 1):
        fixed = _fixed_node_velocity(flags, par, k, n)
        if not math.isnan(fixed):
            out[b * k] = y[b * k] - fixed
        else:
            out[b * k] = y[b * k] - u_old[k] - _node_force_impulse(ws, mass, flags, par, k, n)
    for i in range(n):
        out[b * i + 1] = (ws[W_E, i] - old[W_E, i] + ws[W_PTOT, i] * (ws[W_V, i] - old[W_V, i])
                          + dt * (ws[W_FLUX, i + 1] - ws[W_FLUX, i]) / dm[i]
                          - dt * (source[i] - ws[W_LOSS, i]))
        if b == 3:
            xi = ws[W_XI, i]
            if flags[FL_ION] == ION_LTE:
                out[b * i + 2] = xi - hydrogen.saha_fraction(ws[W_T, i], ws[W_NH, i])
            else:
                ionise, recombine = ionisation_rates(ws[W_T, i], ws[W_NE, i], ion_source[i], par)
                out[b * i + 2] = xi - xi_old[i] - dt * ((1.0 - xi) * ionise - xi * recombine)
    for j in range(b * n + 1, b * (n + 1)):
        out[j] = y[j]
    return True


@njit(cache=True)
def conservative_update(y: np.ndarray, old: np.ndarray, u_old: np.ndarray,
                        xi_old: np.ndarray, dm: np.ndarray, mass: np.ndarray, psi: np.ndarray,
                        source: np.ndarray, flags: np.ndarray,
                        par: np.ndarray, x_out: np.ndarray, u_out: np.ndarray,
                        theta_out: np.ndarray, xi_out: np.ndarray) -> np.ndarray:
    """Final explicit update from the fluxes of the converged iterate y.

    The momentum and energy equations are applied once more with P*, F*, L* and g taken
    from y, so mass, momentum and energy balance exactly (to round-off) whatever the
    Newton tolerance; the thermal variable is then recovered from e (at the iterate's
    ionisation, or with Saha for LTE).  Returns the step's energy budget
    [boundary work, explicit sources, radiated] (erg cm^-2), NaNs if unphysical.
    """
    n = dm.size
    b = 2 if flags[FL_ION] == ION_NONE else 3
    dt = par[PR_DT]
    budget = np.full(3, np.nan)
    ok, ws = evaluate(y, old, u_old, dm, psi, flags, par)
    if not ok:
        return budget
    for k in range(n + 1):
        fixed = _fixed_node_velocity(flags, par, k, n)
        if not math.isnan(fixed):
            u_out[k] = fixed
        else:
            u_out[k] = u_old[k] + _node_force_impulse(ws, mass, flags, par, k, n)
        x_out[k] = old[W_X, k] + dt * 0.5 * (u_old[k] + u_out[k])
    sources = 0.0
    radiated = 0.0
    for i in range(n):
        v = (x_out[i + 1] - x_out[i]) / dm[i]
        e = (old[W_E, i] - ws[W_PTOT, i] * (v - old[W_V, i])
             - dt * (ws[W_FLUX, i + 1] - ws[W_FLUX, i]) / dm[i]
             + dt * (source[i] - ws[W_LOSS, i]))
        if not (v > 0.0 and e > 0.0):
            return budget
        sources += dt * dm[i] * source[i]
        radiated += dt * dm[i] * ws[W_LOSS, i]
        if flags[FL_EOS] == EOS_IDEAL:
            theta_out[i] = e
            xi_out[i] = 0.0
        elif flags[FL_ION] == ION_LTE:
            theta_out[i] = hydrogen.lte_temperature(1.0 / v, e)
            xi_out[i] = hydrogen.saha_fraction(theta_out[i], 1.0 / (v * hydrogen.MASS_PER_H))
        else:
            xi_out[i] = min(max(ws[W_XI, i], 0.0), 1.0) if b == 3 else xi_old[i]
            theta_out[i] = hydrogen.temperature_from_energy(1.0 / v, e, xi_out[i])
        if not theta_out[i] > 0.0:
            return budget
    u_left = 0.5 * (u_old[0] + u_out[0])
    u_right = 0.5 * (u_old[n] + u_out[n])
    left_free = math.isnan(_fixed_node_velocity(flags, par, 0, n))
    right_free = math.isnan(_fixed_node_velocity(flags, par, n, n))
    p_left = par[PR_BC_LEFT] if left_free else ws[W_PTOT, 0]
    p_right = par[PR_BC_RIGHT] if right_free else ws[W_PTOT, n - 1]
    budget[0] = dt * (p_left * u_left - p_right * u_right)
    budget[1] = sources
    budget[2] = radiated
    return budget


@njit(cache=True)
def explicit_predictor(old: np.ndarray, u_old: np.ndarray, theta_old: np.ndarray,
                       xi_old: np.ndarray, dm: np.ndarray, mass: np.ndarray,
                       flags: np.ndarray, par: np.ndarray, y: np.ndarray) -> None:
    """First Newton guess: forward-Euler velocities from the old pressures and gravity;
    the old thermal variable and ionisation."""
    n = dm.size
    b = 2 if flags[FL_ION] == ION_NONE else 3
    dt = par[PR_DT]
    for k in range(n + 1):
        fixed = _fixed_node_velocity(flags, par, k, n)
        if not math.isnan(fixed):
            y[b * k] = fixed
            continue
        left = par[PR_BC_LEFT] if k == 0 else old[W_P, k - 1]
        right = par[PR_BC_RIGHT] if k == n else old[W_P, k]
        g = 0.0
        if flags[FL_GRAVITY]:
            g = discrete_field(old[W_X, k], old[W_X, k], par[PR_HALF_LENGTH], par[PR_G_SUN])
        y[b * k] = u_old[k] + dt * ((left - right) / mass[k] + g)
    for i in range(n):
        y[b * i + 1] = theta_old[i]
        if b == 3:
            y[b * i + 2] = xi_old[i]
    for j in range(b * n + 1, b * (n + 1)):
        y[j] = 0.0


@njit(cache=True)
def potential_energy(x: np.ndarray, mass: np.ndarray, half_length: float,
                     g_sun: float) -> float:
    """sum_k M_k Phi(x_k) (erg cm^-2)."""
    total = 0.0
    for k in range(x.size):
        total += mass[k] * potential(x[k], half_length, g_sun)
    return total

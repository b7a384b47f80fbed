"""Initial states: planar test problems (Riemann problems, standing sound wave, conduction
front) and, through :mod:`loopsim.atmosphere`, the quiet flare loop."""

from __future__ import annotations

import math

import numpy as np

from .config import Config
from .config.schema import ConfigError
from .config.sections import (
    AcousticInitial,
    ConductionFrontInitial,
    LoopInitial,
    RiemannInitial,
    UniformHydrogenInitial,
)
from .constants import K_B, M_H
from .physics.ideal_gas import internal_energy
from .state import State


def initial_state(config: Config) -> State:
    """Build the t = time.start state described by ``config.initial``."""
    init = config.initial
    if isinstance(init, RiemannInitial):
        return _riemann(config, init)
    if isinstance(init, AcousticInitial):
        return _acoustic(config, init)
    if isinstance(init, ConductionFrontInitial):
        return _conduction_front(config, init)
    if isinstance(init, UniformHydrogenInitial):
        return _uniform_hydrogen(config, init)
    if isinstance(init, LoopInitial):
        from .atmosphere import quiet_loop

        return quiet_loop(config)
    raise ConfigError(f"initial.kind = {init.kind!r} has no builder")


def _riemann(config: Config, init: RiemannInitial) -> State:
    """Two uniform states; a node sits exactly on the interface, cells uniform on each side."""
    mesh, gamma = config.mesh, config.eos.gamma
    if not mesh.x_min < init.x_interface < mesh.x_max:
        raise ConfigError(
            f"initial.x_interface = {init.x_interface!r} must lie inside the mesh "
            f"({mesh.x_min!r}, {mesh.x_max!r})"
        )
    fraction = (init.x_interface - mesh.x_min) / (mesh.x_max - mesh.x_min)
    n_left = min(max(round(mesh.cells * fraction), 1), mesh.cells - 1)
    n_right = mesh.cells - n_left
    x = np.concatenate(
        [
            np.linspace(mesh.x_min, init.x_interface, n_left + 1),
            np.linspace(init.x_interface, mesh.x_max, n_right + 1)[1:],
        ]
    )
    rho = np.where(np.arange(mesh.cells) < n_left, init.left.rho, init.right.rho)
    p = np.where(np.arange(mesh.cells) < n_left, init.left.p, init.right.p)
    u = np.where(np.arange(mesh.cells + 1) < n_left, init.left.v, init.right.v)
    u[n_left] = 0.5 * (init.left.v + init.right.v)
    e = np.array([internal_energy(r, q, gamma) for r, q in zip(rho, p, strict=True)])
    u = _apply_velocity_boundaries(config, u.astype(float))
    return State(t=config.time.start, x=x, u=u, dm=rho * np.diff(x), theta=e,
                 xi=np.zeros(mesh.cells))


def _acoustic(config: Config, init: AcousticInitial) -> State:
    """rho = rho0 (1 + A cos k x) (exact cell masses), isentropic p, u = 0.

    The exact solution is rho = rho0 [1 + A cos(k x) cos(w t)], u = A c sin(k x) sin(w t)
    with k = mode pi / (x_max - x_min), w = c k, c = sqrt(gamma p0 / rho0).
    """
    mesh, gamma = config.mesh, config.eos.gamma
    x = np.linspace(mesh.x_min, mesh.x_max, mesh.cells + 1)
    k = init.mode * math.pi / (mesh.x_max - mesh.x_min)
    xi = x - mesh.x_min
    dm = init.rho * (np.diff(x) + init.amplitude / k * np.diff(np.sin(k * xi)))
    rho = dm / np.diff(x)
    p = init.p * (rho / init.rho) ** gamma
    e = p / ((gamma - 1.0) * rho)
    return State(t=config.time.start, x=x, u=np.zeros(mesh.cells + 1), dm=dm, theta=e,
                 xi=np.zeros(mesh.cells))


def conduction_front_profile(x: np.ndarray, t: float, energy: float, rho: float,
                             cv: float, kappa0: float) -> np.ndarray:
    """Planar similarity solution of the nonlinear heat equation (Zel'dovich & Raizer
    1967, ch. X; Barenblatt 1952) for an instantaneous release of ``energy`` (erg cm^-2)
    at x = 0 that spreads into x > 0 only (insulating wall at x = 0):

        rho cv dT/dt = d/dx(kappa0 T^{5/2} dT/dx),
        T = tau^{-1/(n+2)} f(eta),  eta = x tau^{-1/(n+2)},  tau = a t,  n = 5/2,
        f(eta)^n = n / (2 (n+2)) (eta_f^2 - eta^2)   (zero beyond the front eta_f),

    with a = kappa0 / (rho cv) and eta_f fixed by the conserved integral of T over the
    half-space, Q = E / (rho cv).  The front is at x_f = eta_f (a t)^{1/(n+2)}.
    Returns T (K) at positions x (cm).
    """
    n = 2.5
    alpha = 1.0 / (n + 2.0)
    a = kappa0 / (rho * cv)
    q = energy / (rho * cv)
    # profile in similarity variables: f(eta) = [alpha n / 2 (eta_f^2 - eta^2)]^{1/n},
    # with eta = x / (a t)^alpha and int_0^eta_f f d eta = Q (half-space)
    shape = math.gamma(1.0 / n + 1.0) * math.sqrt(math.pi) / (2.0 * math.gamma(1.0 / n + 1.5))
    eta_f = (q / ((alpha * n / 2.0) ** (1.0 / n) * shape)) ** (1.0 / (1.0 + 2.0 / n))
    scale = (a * t) ** alpha
    eta = x / scale
    inside = np.clip(eta_f**2 - eta**2, 0.0, None)
    return (alpha * n / 2.0 * inside) ** (1.0 / n) / scale


def _conduction_front(config: Config, init: ConductionFrontInitial) -> State:
    """Uniform static medium with the similarity temperature profile at time.start."""
    mesh, gamma, mu = config.mesh, config.eos.gamma, config.eos.mu
    if mu is None or not config.conduction.enabled or config.time.start <= 0.0:
        raise ConfigError(
            "initial.kind = 'conduction_front' needs eos.mu, conduction.enabled = true and "
            f"time.start > 0 (got eos.mu = {mu!r}, conduction.enabled = "
            f"{config.conduction.enabled!r}, time.start = {config.time.start!r})"
        )
    cv = K_B / ((gamma - 1.0) * mu * M_H)
    x = np.linspace(mesh.x_min, mesh.x_max, mesh.cells + 1)
    centres = 0.5 * (x[1:] + x[:-1]) - mesh.x_min
    temperature = conduction_front_profile(centres, config.time.start, init.energy, init.rho,
                                           cv, config.conduction.kappa0)
    temperature = np.maximum(temperature, init.background_temperature)
    return State(t=config.time.start, x=x, u=np.zeros(mesh.cells + 1),
                 dm=init.rho * np.diff(x), theta=cv * temperature, xi=np.zeros(mesh.cells))


def _apply_velocity_boundaries(config: Config, u: np.ndarray) -> np.ndarray:
    for index, side in ((0, config.boundary.left), (-1, config.boundary.right)):
        if side.kind == "reflecting":
            u[index] = 0.0
        elif side.kind == "velocity":
            u[index] = side.velocity
    return u


def _uniform_hydrogen(config: Config, init: UniformHydrogenInitial) -> State:
    """Uniform hydrogen gas at rest with a given temperature and ionisation."""
    if config.eos.kind != "hydrogen":
        raise ConfigError(f"initial.kind = 'uniform' needs eos.kind = 'hydrogen' (got "
                          f"{config.eos.kind!r})")
    mesh = config.mesh
    x = np.linspace(mesh.x_min, mesh.x_max, mesh.cells + 1)
    return State(t=config.time.start, x=x, u=np.zeros(mesh.cells + 1),
                 dm=init.rho * np.diff(x), theta=np.full(mesh.cells, init.temperature),
                 xi=np.full(mesh.cells, init.ionisation))

"""Initial states for the planar test problems (Riemann problems, standing sound wave)."""

from __future__ import annotations

import math

import numpy as np

from .config import Config
from .config.schema import ConfigError
from .config.sections import AcousticInitial, RiemannInitial
from .physics.ideal_gas import internal_energy
from .state import HydroState


def initial_state(config: Config) -> HydroState:
    """Build the t = time.start state described by ``config.initial``."""
    init = config.initial
    if isinstance(init, RiemannInitial):
        return _riemann(config, init)
    if isinstance(init, AcousticInitial):
        return _acoustic(config, init)
    raise ConfigError(f"initial.kind = {init.kind!r} has no builder")


def _riemann(config: Config, init: RiemannInitial) -> HydroState:
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
    return HydroState(t=config.time.start, x=x, u=u, dm=rho * np.diff(x), e=e)


def _acoustic(config: Config, init: AcousticInitial) -> HydroState:
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
    return HydroState(t=config.time.start, x=x, u=np.zeros(mesh.cells + 1), dm=dm, e=e)


def _apply_velocity_boundaries(config: Config, u: np.ndarray) -> np.ndarray:
    for index, side in ((0, config.boundary.left), (-1, config.boundary.right)):
        if side.kind == "reflecting":
            u[index] = 0.0
        elif side.kind == "velocity":
            u[index] = side.velocity
    return u

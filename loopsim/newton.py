"""Newton's method for banded nonlinear systems R(y) = 0.

The Jacobian J_ij = dR_i/dy_j of a system whose rows couple only unknowns within
kl below and ku above the diagonal is built by finite differences with column colouring
(Curtis, Powell & Reid 1974): columns j and j' = j + (kl + ku + 1) never touch the same
row, so all columns of one colour are perturbed at once and kl + ku + 1 residual
evaluations give the whole band.  The banded linear system is solved by LU with partial
pivoting (LAPACK dgbtrf, then dgbtrs for each right-hand side), O(n kl (kl + ku))
work: the block-tridiagonal solve of FCM85 and RADYN is the special case of a block band.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy.linalg import lapack

ResidualFn = Callable[[np.ndarray, np.ndarray], bool]

#: relative size of the finite-difference perturbation (~ sqrt of machine epsilon)
FD_STEP = 1.5e-8


@njit(cache=True)
def scatter_colour(
    r_pert: np.ndarray,
    r_base: np.ndarray,
    h: np.ndarray,
    colour: int,
    n_colours: int,
    kl: int,
    ku: int,
    band: np.ndarray,
) -> None:
    """Store (R(y + h e_colour) - R(y)) / h into the LAPACK band storage of J.

    ``band`` has shape (2 kl + ku + 1, n); J[i, j] lives at band[kl + ku + i - j, j].
    """
    n = r_base.size
    for j in range(colour, n, n_colours):
        lo = max(0, j - ku)
        hi = min(n - 1, j + kl)
        inv = 1.0 / h[j]
        for i in range(lo, hi + 1):
            band[kl + ku + i - j, j] = (r_pert[i] - r_base[i]) * inv


def banded_jacobian(
    residual: ResidualFn,
    y: np.ndarray,
    r_base: np.ndarray,
    scale: np.ndarray,
    kl: int,
    ku: int,
) -> np.ndarray | None:
    """Finite-difference Jacobian in LAPACK band storage, or None if a perturbed state
    is unphysical (the residual function returned False)."""
    n = y.size
    n_colours = kl + ku + 1
    band = np.zeros((2 * kl + ku + 1, n))
    h = FD_STEP * np.maximum(np.abs(y), scale)
    r_pert = np.empty(n)
    for colour in range(min(n_colours, n)):
        y_pert = y.copy()
        y_pert[colour::n_colours] += h[colour::n_colours]
        if not residual(y_pert, r_pert):
            # try the other side before giving up (e.g. a state at a positivity limit)
            y_pert[colour::n_colours] -= 2.0 * h[colour::n_colours]
            if not residual(y_pert, r_pert):
                return None
            h_signed = h.copy()
            h_signed[colour::n_colours] *= -1.0
            scatter_colour(r_pert, r_base, h_signed, colour, n_colours, kl, ku, band)
            continue
        scatter_colour(r_pert, r_base, h, colour, n_colours, kl, ku, band)
    return band


def factorise_banded(band: np.ndarray, kl: int, ku: int) -> tuple[np.ndarray, np.ndarray] | None:
    """LU factors (LAPACK dgbtrf) of J in band storage; None if J is singular."""
    lu, piv, info = lapack.dgbtrf(band, kl, ku, overwrite_ab=True)
    if info != 0:
        return None
    return lu, piv


def solve_factorised(factors: tuple[np.ndarray, np.ndarray], rhs: np.ndarray, kl: int,
                     ku: int) -> np.ndarray:
    """Solve J x = rhs with the LU factors of J (LAPACK dgbtrs)."""
    lu, piv = factors
    x, _ = lapack.dgbtrs(lu, kl, ku, rhs, piv)
    return x


@dataclass
class NewtonResult:
    converged: bool
    y: np.ndarray
    iterations: int
    error: float
    message: str = ""
    jacobians: int = 0


#: an iteration that reduces the update by less than this factor triggers a new Jacobian
SLOW_CONTRACTION = 0.1


def newton_solve(
    residual: ResidualFn,
    y0: np.ndarray,
    scale: np.ndarray,
    kl: int,
    ku: int,
    tol: float,
    max_iter: int,
) -> NewtonResult:
    """Solve R(y) = 0 from y0; converged when max_j |dy_j| / scale_j < tol.

    Newton-chord iteration: the LU factors of the Jacobian are reused while the update
    shrinks by at least a factor 10 per iteration and rebuilt otherwise, which keeps
    (near-)quadratic convergence at a fraction of the cost of a new Jacobian per
    iteration.  A Newton update that makes the state unphysical is halved (up to 10
    times) before the solve is declared failed; the caller then retries with a smaller
    time step.
    """
    y = y0.copy()
    r = np.empty_like(y)
    if not residual(y, r):
        return NewtonResult(False, y, 0, np.inf, "initial guess is unphysical")
    error = np.inf
    factors = None
    fresh = False
    jacobians = 0
    for iteration in range(1, max_iter + 1):
        if factors is None:
            band = banded_jacobian(residual, y, r, scale, kl, ku)
            if band is None:
                return NewtonResult(False, y, iteration, error,
                                    "Jacobian probe left physical states", jacobians)
            factors = factorise_banded(band, kl, ku)
            jacobians += 1
            fresh = True
            if factors is None:
                return NewtonResult(False, y, iteration, error, "singular Jacobian", jacobians)
        dy = solve_factorised(factors, -r, kl, ku)
        if not np.all(np.isfinite(dy)):
            return NewtonResult(False, y, iteration, error, "non-finite Newton update",
                                jacobians)
        step = 1.0
        for _ in range(11):
            y_try = y + step * dy
            if residual(y_try, r):
                break
            step *= 0.5
        else:
            return NewtonResult(False, y, iteration, error, "update leaves physical states",
                                jacobians)
        y = y_try
        previous, error = error, float(np.max(np.abs(step * dy) / scale))
        if error < tol and step == 1.0:
            return NewtonResult(True, y, iteration, error, jacobians=jacobians)
        if step < 1.0 or (not fresh and error > SLOW_CONTRACTION * previous):
            factors = None
        fresh = False
    return NewtonResult(False, y, max_iter, error, f"no convergence in {max_iter} iterations",
                        jacobians)

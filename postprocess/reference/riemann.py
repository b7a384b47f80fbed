r"""Exact solution of the Riemann problem for the 1D Euler equations of an ideal gas.

The equations solved are

.. math::

    \partial_t \rho + \partial_x(\rho u) = 0, \qquad
    \partial_t(\rho u) + \partial_x(\rho u^2 + p) = 0, \qquad
    \partial_t E + \partial_x\big(u (E + p)\big) = 0,

with :math:`E = \rho u^2/2 + p/(\gamma - 1)` and a constant ratio of specific heats
:math:`\gamma > 1`. The initial data are two constant states separated by a jump at
:math:`x_0`. The solution is self-similar in :math:`\xi = (x - x_0)/t` and consists of a left
wave (shock or rarefaction), a contact discontinuity and a right wave (shock or rarefaction)
enclosing the *star region*, where pressure :math:`p_*` and velocity :math:`u_*` are uniform.

Method (Godunov's exact solver, in the form of Toro, *Riemann Solvers and Numerical Methods
for Fluid Dynamics*, ch. 4):

1. :math:`p_*` is the unique root of the pressure function
   :math:`f(p) = f_L(p) + f_R(p) + (u_R - u_L)`, where for :math:`K \in \{L, R\}`

   .. math::

       f_K(p) = \begin{cases}
           (p - p_K)\sqrt{\dfrac{A_K}{p + B_K}}, & p > p_K \text{ (shock)},\\[1ex]
           \dfrac{2 c_K}{\gamma - 1}
           \left[\left(\dfrac{p}{p_K}\right)^{(\gamma-1)/(2\gamma)} - 1\right],
           & p \le p_K \text{ (rarefaction)},
       \end{cases}

   with :math:`A_K = 2/((\gamma+1)\rho_K)`, :math:`B_K = p_K(\gamma-1)/(\gamma+1)` and sound
   speed :math:`c_K = \sqrt{\gamma p_K/\rho_K}`. :math:`f` is monotonically increasing and
   concave in :math:`p`, so the root is found by Newton iteration, safeguarded by bisection
   inside a bracket, from an adaptive starting guess (primitive-variable, two-rarefaction or
   two-shock approximation).
2. :math:`u_* = \tfrac12(u_L + u_R) + \tfrac12\,[f_R(p_*) - f_L(p_*)]`.
3. The solution is sampled at :math:`\xi` from the wave speeds and the shock (Rankine-Hugoniot)
   or rarefaction (isentropic, Riemann invariant) relations.

Units are whatever consistent set the caller uses (cgs inside loopsim): density
[mass/length^3], velocity [length/time], pressure [mass/(length time^2)], specific internal
energy [length^2/time^2]. Vacuum states and vacuum generation are not supported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "GasState",
    "star_state",
    "exact_riemann",
    "exact_riemann_cell_average",
]

_MAX_ITER = 200


@dataclass(frozen=True)
class GasState:
    """Constant primitive state of an ideal gas on one side of the initial jump.

    Attributes
    ----------
    rho : float
        Mass density, > 0 [mass/length^3].
    u : float
        Velocity along x [length/time].
    p : float
        Thermal pressure, > 0 [mass/(length time^2)].
    """

    rho: float
    u: float
    p: float


# ---------------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------------


def _check_gamma(gamma: float) -> float:
    g = float(gamma)
    if not math.isfinite(g) or g <= 1.0:
        raise ValueError(f"gamma must be a finite number > 1, got gamma={gamma!r}")
    return g


def _check_state(state: GasState, name: str) -> tuple[float, float, float]:
    rho, u, p = float(state.rho), float(state.u), float(state.p)
    if not math.isfinite(rho) or rho <= 0.0:
        raise ValueError(
            f"{name}.rho must be positive and finite, got {name}.rho={state.rho!r} "
            "(vacuum states are not supported)"
        )
    if not math.isfinite(u):
        raise ValueError(f"{name}.u must be finite, got {name}.u={state.u!r}")
    if not math.isfinite(p) or p <= 0.0:
        raise ValueError(
            f"{name}.p must be positive and finite, got {name}.p={state.p!r} "
            "(vacuum states are not supported)"
        )
    return rho, u, p


def _check_inputs(
    left: GasState, right: GasState, gamma: float
) -> tuple[float, tuple[float, float, float], tuple[float, float, float]]:
    """Validate the Riemann data and the pressure positivity (no-vacuum) condition."""
    g = _check_gamma(gamma)
    sl = _check_state(left, "left")
    sr = _check_state(right, "right")
    cl = math.sqrt(g * sl[2] / sl[0])
    cr = math.sqrt(g * sr[2] / sr[0])
    du = sr[1] - sl[1]
    du_crit = 2.0 / (g - 1.0) * (cl + cr)
    if du_crit <= du:
        raise ValueError(
            "vacuum generation: the pressure positivity condition "
            "2/(gamma-1)*(cL+cR) > uR-uL is violated "
            f"(2/(gamma-1)*(cL+cR)={du_crit!r}, uR-uL={du!r}); vacuum is not supported"
        )
    return g, sl, sr


# ---------------------------------------------------------------------------------------------
# Pressure function
# ---------------------------------------------------------------------------------------------


def _f_side(p: float, rho_k: float, p_k: float, c_k: float, g: float) -> tuple[float, float]:
    """Value and derivative of f_K(p) for one side (Toro eqs. 4.6-4.7 and 4.37)."""
    if p > p_k:  # shock branch
        a_k = 2.0 / ((g + 1.0) * rho_k)
        b_k = p_k * (g - 1.0) / (g + 1.0)
        q = math.sqrt(a_k / (p + b_k))
        f = (p - p_k) * q
        df = q * (1.0 - 0.5 * (p - p_k) / (p + b_k))
    else:  # rarefaction branch
        z = (g - 1.0) / (2.0 * g)
        ratio = p / p_k
        f = 2.0 * c_k / (g - 1.0) * (ratio**z - 1.0)
        df = ratio ** (-(g + 1.0) / (2.0 * g)) / (rho_k * c_k)
    return f, df


def _initial_guess(
    sl: tuple[float, float, float],
    sr: tuple[float, float, float],
    cl: float,
    cr: float,
    g: float,
) -> float:
    """Adaptive starting guess for p* (PVRS, two-rarefaction or two-shock approximation)."""
    rho_l, u_l, p_l = sl
    rho_r, u_r, p_r = sr
    du = u_r - u_l
    p_min, p_max = min(p_l, p_r), max(p_l, p_r)
    # Primitive-variable (linearised) estimate.
    p_pv = 0.5 * (p_l + p_r) - 0.125 * du * (rho_l + rho_r) * (cl + cr)
    p_pv = max(p_pv, 0.0)
    if p_max / p_min <= 2.0 and p_min <= p_pv <= p_max:
        return p_pv
    if p_pv < p_min:
        # Two-rarefaction approximation (exact if both waves are rarefactions).
        z = (g - 1.0) / (2.0 * g)
        num = cl + cr - 0.5 * (g - 1.0) * du
        den = cl / p_l**z + cr / p_r**z
        return (num / den) ** (1.0 / z)
    # Two-shock approximation evaluated at the PVRS estimate.
    p0 = max(p_pv, p_min)
    g_l = math.sqrt(2.0 / ((g + 1.0) * rho_l) / (p0 + p_l * (g - 1.0) / (g + 1.0)))
    g_r = math.sqrt(2.0 / ((g + 1.0) * rho_r) / (p0 + p_r * (g - 1.0) / (g + 1.0)))
    return (g_l * p_l + g_r * p_r - du) / (g_l + g_r)


def star_state(
    left: GasState, right: GasState, gamma: float, tol: float = 1e-12
) -> tuple[float, float]:
    r"""Pressure and velocity in the star region (p*, u*).

    Solves :math:`f(p_*) = f_L(p_*) + f_R(p_*) + (u_R - u_L) = 0` (see the module docstring
    for :math:`f_K`) by Newton iteration safeguarded by bisection, then

    .. math:: u_* = \tfrac12 (u_L + u_R) + \tfrac12 [f_R(p_*) - f_L(p_*)].

    Parameters
    ----------
    left, right : GasState
        Constant states left and right of the initial jump (consistent units).
    gamma : float
        Ratio of specific heats, > 1.
    tol : float, optional
        Convergence tolerance on the relative pressure change
        :math:`2|p^{k+1} - p^k| / (p^{k+1} + p^k)`.

    Returns
    -------
    p_star : float
        Star-region pressure [pressure units of the input].
    u_star : float
        Star-region (contact) velocity [velocity units of the input].

    Raises
    ------
    ValueError
        For non-positive density or pressure, ``gamma <= 1``, non-positive ``tol``, or data
        that generate vacuum (:math:`2(c_L + c_R)/(\gamma - 1) \le u_R - u_L`).
    RuntimeError
        If the iteration fails to converge (should not happen for valid data).
    """
    g, sl, sr = _check_inputs(left, right, gamma)
    tol = float(tol)
    if not math.isfinite(tol) or tol <= 0.0:
        raise ValueError(f"tol must be positive and finite, got tol={tol!r}")
    rho_l, u_l, p_l = sl
    rho_r, u_r, p_r = sr
    cl = math.sqrt(g * p_l / rho_l)
    cr = math.sqrt(g * p_r / rho_r)
    du = u_r - u_l

    def f_and_df(p: float) -> tuple[float, float, float, float]:
        fl, dfl = _f_side(p, rho_l, p_l, cl, g)
        fr, dfr = _f_side(p, rho_r, p_r, cr, g)
        return fl + fr + du, dfl + dfr, fl, fr

    # Bracket: f(0+) = du - 2(cL+cR)/(g-1) < 0 by the no-vacuum check; f is increasing, so
    # expand the upper end until f > 0.
    lo = 0.0
    hi = max(p_l, p_r)
    while f_and_df(hi)[0] < 0.0:
        lo = hi
        hi *= 2.0

    p = _initial_guess(sl, sr, cl, cr, g)
    if not (lo < p < hi):
        p = 0.5 * (lo + hi)

    for _ in range(_MAX_ITER):
        f, df, fl, fr = f_and_df(p)
        if f == 0.0:
            return p, 0.5 * (u_l + u_r) + 0.5 * (fr - fl)
        if f < 0.0:
            lo = p
        else:
            hi = p
        p_new = p - f / df
        if not (lo < p_new < hi):  # Newton step leaves the bracket: bisect instead
            p_new = 0.5 * (lo + hi)
        change = 2.0 * abs(p_new - p) / (p_new + p)
        p = p_new
        if change < tol or hi - lo <= tol * hi:
            _, _, fl, fr = f_and_df(p)
            return p, 0.5 * (u_l + u_r) + 0.5 * (fr - fl)
    raise RuntimeError(
        f"star_state: Newton iteration for p* did not converge in {_MAX_ITER} iterations "
        f"(last p={p!r}, bracket=[{lo!r}, {hi!r}])"
    )


# ---------------------------------------------------------------------------------------------
# Sampling
# ---------------------------------------------------------------------------------------------


def _sample(
    sl: tuple[float, float, float],
    sr: tuple[float, float, float],
    g: float,
    p_star: float,
    u_star: float,
    xi: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Primitive variables (rho, u, p) of the self-similar solution at xi = (x - x0)/t."""
    rho_l, u_l, p_l = sl
    rho_r, u_r, p_r = sr
    cl = math.sqrt(g * p_l / rho_l)
    cr = math.sqrt(g * p_r / rho_r)
    gm = (g - 1.0) / (g + 1.0)
    z = (g - 1.0) / (2.0 * g)
    two_gp1 = 2.0 / (g + 1.0)

    rho = np.empty_like(xi)
    u = np.empty_like(xi)
    p = np.empty_like(xi)

    # ---- left of the contact (xi <= u*) -------------------------------------------------
    left_side = xi <= u_star
    ratio_l = p_star / p_l
    if p_star > p_l:
        # Left shock: speed S_L = u_L - c_L sqrt((g+1)/(2g) p*/p_L + (g-1)/(2g)),
        # density behind it from the Rankine-Hugoniot shock adiabat.
        s_l = u_l - cl * math.sqrt((g + 1.0) / (2.0 * g) * ratio_l + z)
        rho_sl = rho_l * (ratio_l + gm) / (gm * ratio_l + 1.0)
        pre = left_side & (xi < s_l)
        star = left_side & ~pre
        rho[pre], u[pre], p[pre] = rho_l, u_l, p_l
        rho[star], u[star], p[star] = rho_sl, u_star, p_star
    else:
        # Left rarefaction: head u_L - c_L, tail u* - c*_L, isentropic star density.
        c_sl = cl * ratio_l**z
        head, tail = u_l - cl, u_star - c_sl
        rho_sl = rho_l * ratio_l ** (1.0 / g)
        pre = left_side & (xi <= head)
        star = left_side & (xi >= tail)
        fan = left_side & ~pre & ~star
        rho[pre], u[pre], p[pre] = rho_l, u_l, p_l
        rho[star], u[star], p[star] = rho_sl, u_star, p_star
        # Inside the fan the C+ characteristics are straight lines xi = u - c and the
        # Riemann invariant u + 2c/(g-1) is carried from the left state.
        base = two_gp1 + gm / cl * (u_l - xi[fan])
        rho[fan] = rho_l * base ** (2.0 / (g - 1.0))
        u[fan] = two_gp1 * (cl + 0.5 * (g - 1.0) * u_l + xi[fan])
        p[fan] = p_l * base ** (1.0 / z)

    # ---- right of the contact (xi > u*) -------------------------------------------------
    right_side = ~left_side
    ratio_r = p_star / p_r
    if p_star > p_r:
        s_r = u_r + cr * math.sqrt((g + 1.0) / (2.0 * g) * ratio_r + z)
        rho_sr = rho_r * (ratio_r + gm) / (gm * ratio_r + 1.0)
        pre = right_side & (xi > s_r)
        star = right_side & ~pre
        rho[pre], u[pre], p[pre] = rho_r, u_r, p_r
        rho[star], u[star], p[star] = rho_sr, u_star, p_star
    else:
        c_sr = cr * ratio_r**z
        head, tail = u_r + cr, u_star + c_sr
        rho_sr = rho_r * ratio_r ** (1.0 / g)
        pre = right_side & (xi >= head)
        star = right_side & (xi <= tail)
        fan = right_side & ~pre & ~star
        rho[pre], u[pre], p[pre] = rho_r, u_r, p_r
        rho[star], u[star], p[star] = rho_sr, u_star, p_star
        # Fan: xi = u + c, Riemann invariant u - 2c/(g-1) carried from the right state.
        base = two_gp1 - gm / cr * (u_r - xi[fan])
        rho[fan] = rho_r * base ** (2.0 / (g - 1.0))
        u[fan] = two_gp1 * (-cr + 0.5 * (g - 1.0) * u_r + xi[fan])
        p[fan] = p_r * base ** (1.0 / z)

    return rho, u, p


def exact_riemann(
    left: GasState,
    right: GasState,
    gamma: float,
    x: np.ndarray,
    t: float,
    x0: float,
) -> dict[str, np.ndarray]:
    r"""Exact solution of the Riemann problem at positions ``x`` and time ``t``.

    The solution depends only on :math:`\xi = (x - x_0)/t`. Points exactly on the contact
    (:math:`\xi = u_*`) take the left star state.

    Parameters
    ----------
    left, right : GasState
        States for :math:`x < x_0` and :math:`x > x_0` at :math:`t = 0` (consistent units).
    gamma : float
        Ratio of specific heats, > 1.
    x : numpy.ndarray
        Positions [length], any shape.
    t : float
        Time since the jump [time], > 0.
    x0 : float
        Position of the initial jump [length].

    Returns
    -------
    dict[str, numpy.ndarray]
        Arrays shaped like ``x``: ``'rho'`` density, ``'u'`` velocity, ``'p'`` pressure and
        ``'e'`` specific internal energy :math:`e = p / ((\gamma - 1)\rho)`
        [length^2/time^2].

    Raises
    ------
    ValueError
        For invalid states, ``gamma <= 1``, ``t <= 0``, non-finite ``x0``, or vacuum
        generation (not supported).
    """
    g, sl, sr = _check_inputs(left, right, gamma)
    t = float(t)
    if not math.isfinite(t) or t <= 0.0:
        raise ValueError(f"t must be positive and finite, got t={t!r}")
    x0 = float(x0)
    if not math.isfinite(x0):
        raise ValueError(f"x0 must be finite, got x0={x0!r}")
    x_arr = np.asarray(x, dtype=float)
    p_star, u_star = star_state(left, right, g)
    xi = (x_arr.ravel() - x0) / t
    rho, u, p = _sample(sl, sr, g, p_star, u_star, xi)
    shape = x_arr.shape
    rho, u, p = rho.reshape(shape), u.reshape(shape), p.reshape(shape)
    return {"rho": rho, "u": u, "p": p, "e": p / ((g - 1.0) * rho)}


def exact_riemann_cell_average(
    left: GasState,
    right: GasState,
    gamma: float,
    x_edges: np.ndarray,
    t: float,
    x0: float,
    subsamples: int = 64,
) -> dict[str, np.ndarray]:
    r"""Cell averages of the exact solution over cells ``[x_edges[i], x_edges[i+1]]``.

    Each cell is split into ``subsamples`` equal sub-intervals and the solution is evaluated
    at their midpoints (composite midpoint rule). Every returned quantity is the plain
    arithmetic mean of its point values, :math:`\bar q_i = \frac{1}{N}\sum_k q(x_{i,k})`,
    including ``'e'`` (i.e. the average of :math:`e`, not :math:`\bar p / ((\gamma-1)\bar\rho)`).
    The quadrature error is :math:`O(\Delta x/N)` times the jump in cells containing a
    discontinuity and :math:`O((\Delta x/N)^2)` elsewhere. Useful for L1 error norms of
    discrete (finite-volume) solutions.

    Parameters
    ----------
    left, right, gamma, t, x0
        As in :func:`exact_riemann`.
    x_edges : numpy.ndarray
        1D, strictly increasing cell edges [length], at least two entries.
    subsamples : int, optional
        Number of midpoint-rule points per cell, >= 1.

    Returns
    -------
    dict[str, numpy.ndarray]
        Keys ``'rho'``, ``'u'``, ``'p'``, ``'e'``; arrays of length ``len(x_edges) - 1``.

    Raises
    ------
    ValueError
        For invalid ``x_edges`` or ``subsamples``, or any error of :func:`exact_riemann`.
    """
    edges = np.asarray(x_edges, dtype=float)
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(
            f"x_edges must be a 1D array with at least 2 entries, got shape {edges.shape}"
        )
    if not np.all(np.isfinite(edges)) or not np.all(np.diff(edges) > 0.0):
        raise ValueError("x_edges must be finite and strictly increasing")
    if isinstance(subsamples, bool) or int(subsamples) != subsamples or subsamples < 1:
        raise ValueError(f"subsamples must be an integer >= 1, got subsamples={subsamples!r}")
    n_sub = int(subsamples)
    frac = (np.arange(n_sub, dtype=float) + 0.5) / n_sub
    width = np.diff(edges)
    pts = edges[:-1, None] + width[:, None] * frac[None, :]
    sol = exact_riemann(left, right, gamma, pts, t, x0)
    return {key: val.mean(axis=1) for key, val in sol.items()}

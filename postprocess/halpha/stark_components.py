r"""Linear Stark pattern of a hydrogen line, computed from the wavefunctions.

Physics
-------
In a static electric field F along z the degenerate shell n of hydrogen splits into
parabolic states |n n1 n2 m> (n1 + n2 + |m| + 1 = n) with first-order energies
(Bethe & Salpeter 1957, Sect. 51)

    E = (3/2) n (n1 - n2) e a0 F.

A line n_u -> n_l therefore splits into components shifted by

    Delta E = (3/2) e a0 F X,      X = n_u (n1 - n2)_u - n_l (n1 - n2)_l   (an integer),

and the relative strength of component X is the summed squared dipole moment
S(X) = sum |<u| r |l>|^2 over all pairs of parabolic states with that X.  For Hα
(3 -> 2) the components are X = 0, +-1 (sigma), +-2, +-3, +-4 (pi), +-5, +-6 (sigma), +-8 (pi).

How it is computed (no tabulated numbers)
-----------------------------------------
1. Hydrogen radial functions R_nl(r) = N r^l L^{2l+1}_{n-l-1}(2r/n) exp(-r/n) (atomic units)
   are polynomials times exponentials, so the radial integrals int R R' r^k dr are summed
   exactly term by term (int r^j exp(-a r) dr = j! / a^(j+1)).
2. The angular factors <l m | r_q / r | l' m'> are obtained by Gauss-Legendre x uniform-phi
   quadrature of spherical harmonics (exact for these low-degree polynomials).
3. The matrix of z within each shell is diagonalised; its eigenvalues are (3/2) n (n1 - n2)
   (checked), its eigenvectors are the parabolic states.
4. The dipole matrix elements between the parabolic states of the two shells give S(X),
   split into pi (z) and sigma (x, y) parts.

Checks (tests/test_halpha_broadening.py): the total strength equals the one implied by the
oscillator strength f(2 -> 3) = 0.6407 (Wiese & Fuhr 2009): S = 3 g_l f / (2 Delta E) =
55.36 (e a0)^2 with g_l = 4 (no spin); and the relative intensities, on the scale of
Underhill & Waddell (1959, NBS Circ. 603) and Bethe & Salpeter (1957, Table 19), where the
pi components are |z|^2 and the sigma components |x|^2 (transverse observation), are the
integers pi: X=2: 1458, 3: 4608, 4: 3362, 8: 2; sigma: X=0: 10980, 1: 3872, 5: 32, 6: 36.

Electron-impact operator per component
--------------------------------------
In the impact approximation without quenching (Griem 1974, "Spectral line broadening by
plasmas", Sect. 4.1; Griem, Kolb & Shen 1959) the electron broadening operator in the
line space (pairs u, l) is proportional to

    Phi = R_u (x) 1 + 1 (x) R_l^* - 2 sum_q r_{u,q} (x) r_{l,q}^*,     R = sum_q P r_q P r_q P,

with P the projector on the shell (r in units of a0).  We keep its dipole-weighted
diagonal part per Stark component, f(X) = sum_q <d_q|Phi|d_q> / sum_q <d_q|d_q> over the
pairs of component X (a0^2).  For Hα f(0) = 56.0 (the central component is the narrowest),
f(+-1) = 72, f(+-2..4) = 85.5-99; without the interference term the average would be
(9/8)[n_u^2(n_u^2-1) + n_l^2(n_l^2-1)] = 94.5.  The width itself is in broadening.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import factorial

import numpy as np
from numpy.polynomial import polynomial as npoly
from scipy.special import genlaguerre, sph_harm_y


@dataclass(frozen=True)
class StarkPattern:
    """Linear Stark pattern of the line n_upper -> n_lower.

    ``shift``: X >= 0 (integers, units of (3/2) e a0 F); ``weight``: relative strength of
    the pair +-X (the X = 0 entry is the central component), summing to 1 over all X >= 0;
    ``pi``, ``sigma``: the same split into |z|^2 and |x|^2 + |y|^2 parts (unnormalised,
    (e a0)^2, for X > 0 per side); ``impact_factor``: f(X) of the electron impact operator
    (a0^2); ``total_strength``: sum over all pairs of |<u|r|l>|^2 in (e a0)^2.
    """

    n_upper: int
    n_lower: int
    shift: np.ndarray
    weight: np.ndarray
    pi: np.ndarray
    sigma: np.ndarray
    impact_factor: np.ndarray
    total_strength: float


def _radial_coefficients(n: int, l: int) -> np.ndarray:  # noqa: E741 (l is the quantum number)
    """Ascending polynomial coefficients c_j of R_nl(r) = sum c_j r^j exp(-r/n) (a.u.)."""
    lag = genlaguerre(n - l - 1, 2 * l + 1).coeffs[::-1]  # ascending powers of x = 2r/n
    poly = np.array([lag[i] * (2.0 / n) ** i for i in range(len(lag))])
    poly = np.concatenate([np.zeros(l), poly * (2.0 / n) ** l])
    norm = np.sqrt((2.0 / n) ** 3 * factorial(n - l - 1) / (2.0 * n * factorial(n + l)))
    return norm * poly


def radial_integral(n1: int, l1: int, n2: int, l2: int, power: int) -> float:
    """int_0^inf R_{n1 l1}(r) R_{n2 l2}(r) r^power dr in atomic units (exact sum)."""
    c = npoly.polymul(npoly.polymul(_radial_coefficients(n1, l1),
                                    _radial_coefficients(n2, l2)), [0.0] * power + [1.0])
    a = 1.0 / n1 + 1.0 / n2
    return float(sum(ck * factorial(k) / a ** (k + 1) for k, ck in enumerate(c)))


def _angular_grid(order: int = 16):
    x, w = np.polynomial.legendre.leggauss(order)
    theta = np.arccos(x)
    nphi = 2 * order
    phi = 2.0 * np.pi * np.arange(nphi) / nphi
    th, ph = np.meshgrid(theta, phi, indexing="ij")
    weights = np.outer(w, np.full(nphi, 2.0 * np.pi / nphi))
    unit = (np.sin(th) * np.cos(ph), np.sin(th) * np.sin(ph), np.cos(th))
    return th, ph, weights, unit


def _shell_states(n: int) -> list[tuple[int, int]]:
    return [(ell, m) for ell in range(n) for m in range(-ell, ell + 1)]


def dipole_matrix(n1: int, n2: int) -> np.ndarray:
    """<n1 l m | r_q | n2 l' m'> (a0), q = x, y, z, in the |n l m> bases; shape (3, n1^2, n2^2)."""
    th, ph, weights, unit = _angular_grid()
    s1, s2 = _shell_states(n1), _shell_states(n2)
    harm = {lm: sph_harm_y(lm[0], lm[1], th, ph) for lm in set(s1) | set(s2)}
    out = np.zeros((3, len(s1), len(s2)), dtype=complex)
    for i, (l1, m1) in enumerate(s1):
        for j, (l2, m2) in enumerate(s2):
            if abs(l1 - l2) != 1:
                continue
            radial = radial_integral(n1, l1, n2, l2, 3)
            for q in range(3):
                out[q, i, j] = radial * np.sum(weights * np.conj(harm[(l1, m1)]) * unit[q]
                                               * harm[(l2, m2)])
    return out


def parabolic_states(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues (a0; = (3/2) n (n1 - n2)) and eigenvectors of z within shell n."""
    z = dipole_matrix(n, n)[2]
    values, vectors = np.linalg.eigh(z)
    return values, vectors


@lru_cache(maxsize=8)
def stark_pattern(n_upper: int = 3, n_lower: int = 2) -> StarkPattern:
    """Linear Stark pattern of the hydrogen line n_upper -> n_lower (see module docstring)."""
    if not (isinstance(n_upper, int) and isinstance(n_lower, int) and n_upper > n_lower >= 1):
        raise ValueError(f"need integers n_upper > n_lower >= 1, got n_upper={n_upper!r}, "
                         f"n_lower={n_lower!r}")
    e_u, v_u = parabolic_states(n_upper)
    e_l, v_l = parabolic_states(n_lower)

    def rotate(mat, va, vb):
        return np.einsum("ia,qij,jb->qab", va.conj(), mat, vb)

    d = rotate(dipole_matrix(n_upper, n_lower), v_u, v_l)  # (3, nu^2, nl^2)
    r_u = rotate(dipole_matrix(n_upper, n_upper), v_u, v_u)
    r_l = rotate(dipole_matrix(n_lower, n_lower), v_l, v_l)
    big_r_u = np.einsum("qab,qbc->ac", r_u, r_u)
    big_r_l = np.einsum("qab,qbc->ac", r_l, r_l)
    nu2, nl2 = len(e_u), len(e_l)
    phi = (np.einsum("ac,bd->abcd", big_r_u, np.eye(nl2))
           + np.einsum("ac,bd->abcd", np.eye(nu2), big_r_l.conj())
           - 2.0 * np.einsum("qac,qbd->abcd", r_u, r_l.conj())).reshape(nu2 * nl2, nu2 * nl2)

    x_pair = np.rint((e_u[:, None] - e_l[None, :]) / 1.5).astype(int).reshape(-1)
    strength = (np.abs(d) ** 2).reshape(3, -1)
    total = float(strength.sum())
    shifts = np.unique(np.abs(x_pair))
    weight, pi, sigma, factor, keep = [], [], [], [], []
    for x in shifts:
        sel_side = x_pair == x  # one side (X >= 0)
        sel_both = np.abs(x_pair) == x
        s_both = strength[:, sel_both].sum()
        if s_both <= 1e-10 * total:
            continue
        keep.append(x)
        weight.append(s_both / total)
        pi.append(strength[2, sel_side].sum())
        sigma.append(strength[:2, sel_side].sum())
        num = den = 0.0
        for q in range(3):
            vec = d[q].reshape(-1) * sel_side  # one side; the other is its mirror image
            num += float(np.real(vec.conj() @ phi @ vec))
            den += float(np.real(vec.conj() @ vec))
        factor.append(num / den)
    return StarkPattern(n_upper, n_lower, np.array(keep, dtype=float), np.array(weight),
                        np.array(pi), np.array(sigma), np.array(factor), total)

r"""The model hydrogen atom: 5 bound levels (n = 1..5) + continuum, cgs throughout.

Levels
------
Principal quantum numbers n = 1..5 with statistical weights g_n = 2 n^2 and energies
E_n = chi_H (1 - 1/n^2) above the ground state (chi_H = 13.598434 eV, the hydrogen
ionisation energy with the reduced mass); the continuum (protons) has g = 1.  The vacuum
wavelengths follow, lambda_ij = h c / (E_j - E_i) (Hα: 6564.6 Å vacuum, 6562.8 Å air).

Bound-bound transitions
-----------------------
All 10 lines among n = 1..5 with absorption oscillator strengths f_ij of Wiese & Fuhr
(2009, J. Phys. Chem. Ref. Data 38, 565; the classic Wiese, Smith & Glennon 1966 values).
Einstein A_ji = (8 pi^2 e^2 / (m_e c lambda^2)) (g_i/g_j) f_ij.  The line cross section is
(pi e^2 / m_e c) f_ij phi_nu (cm^2, phi normalised per Hz).  Damping for the Voigt lines
(all but Hα, whose profile comes from broadening.py): radiative Gamma_rad = sum of the A
values out of both levels; van der Waals by neutral H and He in Unsöld's approximation
(Gamma_6 = 8.08 v_rel^{3/5} C_6^{2/5} N, C_6 = 2.5 e^2 alpha_H a_0^2 (2 pi / h)
Delta<r^2> with Delta<r^2> = (E_R/(E_c - E_j))^2 - (E_R/(E_c - E_i))^2; Unsöld 1955,
as used in RH and Lightweaver); linear Stark in Sutton's (1978, JQSRT 20, 333)
approximation Gamma = 4 pi 0.425 a_1 0.6 (n_j^2 - n_i^2) n_e^{2/3} s^-1 (n_e in cm^-3;
a_1 = 0.642 for Delta n = 1, else 1).

Bound-free transitions
----------------------
Hydrogenic (Kramers) photoionisation cross section with the bound-free Gaunt factor fit
of Johnson (1972, ApJ 174, 227, eq. 4 and Table 1):
    sigma_n(nu) = 2.815e29 g_n(x) / (n^5 nu^3) cm^2,  x = nu / nu_n >= 1,
    g_n(x) = g0 + g1 / x + g2 / x^2.

Collisions with thermal electrons
---------------------------------
Excitation n -> n' and ionisation n -> c rate coefficients of Johnson (1972) (his eqs.
36-37 for excitation and 39-40 for ionisation, with the r_n, b_n and A_n, B_n
coefficients defined there); the inverse rates follow by detailed balance.

Non-thermal (beam) collisions
-----------------------------
Following Fang, Hénoux & Gan (1993, A&A 274, 917): with q_beam the beam heating rate
(erg cm^-3 s^-1) and n_H the total hydrogen density, the beam ionises ground-state
hydrogen at
    C_1c = q_beam / (n_H eps_ion),   eps_ion = 36 eV per ion pair (1/eps = 1.73e10 erg^-1),
and excites n = 1 -> 2 and 1 -> 3 at 2.94 and 0.51 times C_1c (their ratios of
high-energy excitation to ionisation cross sections); the 1 -> 4, 5 rates are scaled
from 1 -> 3 by f_1n / Delta E_1n (Bethe's high-energy limit; our extension).  Rates are
per ground-state atom and enter the statistical equilibrium without inverse.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expn

from loopsim.constants import C_LIGHT, CHI_H, E_CHARGE, EV, H_PLANCK, K_B, M_E

N_BOUND = 5
N_LEVELS = N_BOUND + 1
A0_BOHR = 0.529177210903e-8  # cm
POLARISABILITY_H = 6.67e-25  # cm^3, static dipole polarisability of H(1s) (4.5 a0^3)
E_RYDBERG = 13.605693 * EV  # erg, infinite-mass Rydberg energy (for the Unsöld C6)
PI_E2_MC = np.pi * E_CHARGE**2 / (M_E * C_LIGHT)  # 0.02654 cm^2 Hz
EPS_ION_BEAM = 36.0 * EV  # erg per ion pair (Fang et al. 1993, after Dalgarno & Griffing)
BEAM_EXCITATION_RATIO = {2: 2.94, 3: 0.51}  # C_1n / C_1c (Fang et al. 1993)

#: absorption oscillator strengths f_ij (lower i, upper j), Wiese & Fuhr (2009)
OSCILLATOR = {(1, 2): 0.4162, (1, 3): 0.07910, (1, 4): 0.02899, (1, 5): 0.01394,
              (2, 3): 0.6407, (2, 4): 0.1193, (2, 5): 0.04467,
              (3, 4): 0.8421, (3, 5): 0.1506, (4, 5): 1.038}


def level_energy(n: int | np.ndarray) -> np.ndarray:
    """Excitation energy of level n above the ground state, erg."""
    return CHI_H * (1.0 - 1.0 / np.asarray(n, dtype=float) ** 2)


def _gaunt_coefficients(n: int) -> tuple[float, float, float]:
    """(g0, g1, g2) of Johnson's (1972) Table 1 / eq. 4 for level n."""
    if n == 1:
        return 1.1330, -0.4059, 0.07014
    if n == 2:
        return 1.0785, -0.2319, 0.02947
    return (0.9935 + 0.2328 / n - 0.1296 / n**2,
            -(0.6282 - 0.5598 / n + 0.5299 / n**2) / n,
            (0.3887 - 1.181 / n + 1.470 / n**2) / n**2)


def gaunt_bf(n: int, x: np.ndarray) -> np.ndarray:
    """Johnson (1972) bound-free Gaunt factor fit g_n(x) = g0 + g1/x + g2/x^2, x = nu/nu_n."""
    g0, g1, g2 = _gaunt_coefficients(n)
    x = np.asarray(x, dtype=float)
    return g0 + g1 / x + g2 / x**2


def photoionisation_cross_section(n: int, wavelength_A: np.ndarray) -> np.ndarray:
    """sigma_n (cm^2) at vacuum wavelengths (Å); 0 redward of the edge."""
    nu = C_LIGHT / (np.asarray(wavelength_A, dtype=float) * 1e-8)
    nu_edge = (CHI_H / n**2) / H_PLANCK
    x = nu / nu_edge
    sigma = 2.815e29 * gaunt_bf(n, np.maximum(x, 1.0)) / (n**5 * nu**3)
    return np.where(x >= 1.0, sigma, 0.0)


def _b_n(n: int) -> float:
    if n == 1:
        return -0.603
    return (4.0 - 18.63 / n + 36.24 / n**2 - 28.09 / n**3) / n


def _r_n(n: int) -> float:
    return 1.94 * n ** -1.57


def johnson_excitation(n: int, n2: int, temperature: np.ndarray) -> np.ndarray:
    """Johnson (1972) electron-impact excitation rate coefficient n -> n2 (n < n2),
    cm^3 s^-1 (multiply by n_e for the rate per atom in level n)."""
    t = np.asarray(temperature, dtype=float)
    x = 1.0 - (n / n2) ** 2
    y = x * CHI_H / (n**2 * K_B * t)
    z = _r_n(n) * x + y
    f = OSCILLATOR[(n, n2)]
    a = 2.0 * n**2 * f / x
    b = 4.0 * n**4 / (n2**3 * x**2) * (1.0 + 4.0 / (3.0 * x) + _b_n(n) / x**2)
    vbar = np.sqrt(8.0 * K_B * t / (np.pi * M_E))
    e1y, e1z = _e1(y), _e1(z)
    e2y, e2z = _e2(y), _e2(z)
    bracket = a * ((1.0 / y + 0.5) * e1y - (1.0 / z + 0.5) * e1z) \
        + (b - a * np.log(2.0 * n**2 / x)) * (e2y / y - e2z / z)
    return vbar * 2.0 * n**2 / x * np.pi * A0_BOHR**2 * y**2 * bracket


def johnson_ionisation(n: int, temperature: np.ndarray) -> np.ndarray:
    """Johnson (1972) electron-impact ionisation rate coefficient from level n, cm^3 s^-1."""
    t = np.asarray(temperature, dtype=float)
    y = CHI_H / (n**2 * K_B * t)
    z = _r_n(n) + y
    g0, g1, g2 = _gaunt_coefficients(n)
    a = 32.0 / (3.0 * np.sqrt(3.0) * np.pi) * n * (g0 / 3.0 + g1 / 4.0 + g2 / 5.0)
    b = 2.0 / 3.0 * n**2 * (5.0 + _b_n(n))
    vbar = np.sqrt(8.0 * K_B * t / (np.pi * M_E))

    def xi(u: np.ndarray) -> np.ndarray:
        return _e0(u) - 2.0 * _e1(u) + _e2(u)

    bracket = a * (_e1(y) / y - _e1(z) / z) + (b - a * np.log(2.0 * n**2)) * (xi(y) - xi(z))
    return vbar * 2.0 * n**2 * np.pi * A0_BOHR**2 * y**2 * bracket


def _e0(u: np.ndarray) -> np.ndarray:
    return np.exp(-u) / u


def _e1(u: np.ndarray) -> np.ndarray:
    return expn(1, np.minimum(u, 700.0))


def _e2(u: np.ndarray) -> np.ndarray:
    return expn(2, np.minimum(u, 700.0))


@dataclass(frozen=True)
class Transition:
    """One radiative transition (levels 0-based; ``upper == N_BOUND`` is the continuum)."""

    lower: int
    upper: int
    kind: str  # "line" or "continuum"
    wavelength: float  # vacuum Å: line centre, or the continuum edge
    f: float = 0.0  # oscillator strength (lines)
    a_ul: float = 0.0  # Einstein A, s^-1 (lines)
    n_points: int = 0  # wavelength points of the statistical-equilibrium grid
    q_wing: float = 0.0  # half-width of a line grid in Doppler units

    @property
    def name(self) -> str:
        if self.kind == "continuum":
            return f"bf{self.lower + 1}"
        return f"{self.lower + 1}-{self.upper + 1}"


# statistical-equilibrium wavelength grids: (n_points, q_wing) per line, points per continuum
_LINE_GRID = {(1, 2): (61, 600.0), (1, 3): (31, 250.0), (1, 4): (21, 100.0),
              (1, 5): (21, 100.0), (2, 3): (41, 150.0), (2, 4): (31, 150.0),
              (2, 5): (21, 150.0), (3, 4): (21, 60.0), (3, 5): (15, 60.0), (4, 5): (15, 60.0)}
_CONTINUUM_POINTS = 15


class HydrogenAtom:
    """The 5-level + continuum hydrogen model atom (see the module docstring)."""

    def __init__(self, grid_scale: float = 1.0):
        self.n_bound = N_BOUND
        self.n_levels = N_LEVELS
        n = np.arange(1, N_BOUND + 1)
        self.g = np.concatenate([2.0 * n**2, [1.0]])
        self.energy = np.concatenate([level_energy(n), [CHI_H]])  # erg above ground
        self.ionisation_energy = CHI_H - self.energy[:N_BOUND]  # erg, level -> continuum
        lines, conts = [], []
        for (lo, up), f in OSCILLATOR.items():
            lam = H_PLANCK * C_LIGHT / (self.energy[up - 1] - self.energy[lo - 1]) * 1e8
            a_ul = 8.0 * np.pi**2 * E_CHARGE**2 / (M_E * C_LIGHT * (lam * 1e-8) ** 2) \
                * self.g[lo - 1] / self.g[up - 1] * f
            npts, qw = _LINE_GRID[(lo, up)]
            npts = max(7, int(round(npts * grid_scale)) | 1)
            lines.append(Transition(lo - 1, up - 1, "line", lam, f, a_ul, npts, qw))
        for lo in range(1, N_BOUND + 1):
            edge = H_PLANCK * C_LIGHT / self.ionisation_energy[lo - 1] * 1e8
            npts = max(5, int(round(_CONTINUUM_POINTS * grid_scale)))
            conts.append(Transition(lo - 1, N_BOUND, "continuum", edge, n_points=npts))
        self.lines: list[Transition] = lines
        self.continua: list[Transition] = conts
        self.transitions: list[Transition] = lines + conts

    def line(self, lower: int, upper: int) -> Transition:
        """The line between principal quantum numbers ``lower`` < ``upper`` (1-based)."""
        for t in self.lines:
            if (t.lower, t.upper) == (lower - 1, upper - 1):
                return t
        raise KeyError(f"no line {lower}-{upper} in the model atom")

    # ---- level populations in LTE ------------------------------------------------------
    def saha_factor(self, temperature: np.ndarray) -> np.ndarray:
        """Phi_i(T) (cm^3), [n_bound, n]: n_i* = n_c n_e Phi_i (Saha-Boltzmann, g_c = 1)."""
        t = np.asarray(temperature, dtype=float)
        lam3 = (H_PLANCK**2 / (2.0 * np.pi * M_E * K_B * t)) ** 1.5
        chi = self.ionisation_energy[:, None]
        return self.g[:N_BOUND, None] / 2.0 * lam3 * np.exp(np.minimum(chi / (K_B * t), 700.0))

    def lte_populations(self, temperature: np.ndarray, n_e: np.ndarray, n_h: np.ndarray,
                        n_p: np.ndarray | None = None) -> np.ndarray:
        """LTE populations [n_levels, n] (cm^-3).  With ``n_p`` given the continuum is fixed
        at n_p and the bound levels sum to n_h - n_p; otherwise Saha with the given n_e."""
        phi = self.saha_factor(temperature) * np.asarray(n_e)
        if n_p is None:
            frac_c = 1.0 / (1.0 + phi.sum(axis=0))
            n_c = n_h * frac_c
        else:
            n_c = np.asarray(n_p, dtype=float)
        bound = phi / np.maximum(phi.sum(axis=0), 1e-300)
        total_bound = n_h - n_c
        return np.vstack([bound * total_bound, n_c])

    # ---- collisional rates -------------------------------------------------------------
    def collision_matrix(self, temperature: np.ndarray, n_e: np.ndarray) -> np.ndarray:
        """Thermal electron collision rates C[k, to, from] (s^-1) at every depth.

        Upward rates from Johnson (1972); downward by detailed balance,
        C_ji = C_ij (g_i/g_j) exp(Delta E/kT) and C_ci = C_ic n_i*/n_c = C_ic n_e Phi_i.
        """
        t = np.asarray(temperature, dtype=float)
        ne = np.asarray(n_e, dtype=float)
        n = t.size
        c = np.zeros((n, N_LEVELS, N_LEVELS))
        for (lo, up) in OSCILLATOR:
            i, j = lo - 1, up - 1
            q = johnson_excitation(lo, up, t) * ne
            de = self.energy[j] - self.energy[i]
            c[:, j, i] += q
            c[:, i, j] += q * self.g[i] / self.g[j] * np.exp(np.minimum(de / (K_B * t), 700.0))
        phi = self.saha_factor(t)
        for i in range(N_BOUND):
            q = johnson_ionisation(i + 1, t) * ne
            c[:, N_BOUND, i] += q
            c[:, i, N_BOUND] += q * ne * phi[i]
        return c

    def beam_matrix(self, q_beam: np.ndarray, n_h: np.ndarray) -> np.ndarray:
        """Non-thermal beam rates B[k, to, from] (s^-1) from the ground level (Fang et al.
        1993; see the module docstring)."""
        q = np.asarray(q_beam, dtype=float)
        c1c = q / (np.asarray(n_h, dtype=float) * EPS_ION_BEAM)
        b = np.zeros((q.size, N_LEVELS, N_LEVELS))
        b[:, N_BOUND, 0] = c1c
        ref = OSCILLATOR[(1, 3)] / (self.energy[2] - self.energy[0])
        for up in range(2, N_BOUND + 1):
            if up in BEAM_EXCITATION_RATIO:
                ratio = BEAM_EXCITATION_RATIO[up]
            else:
                ratio = BEAM_EXCITATION_RATIO[3] * OSCILLATOR[(1, up)] / (
                    self.energy[up - 1] - self.energy[0]) / ref
            b[:, up - 1, 0] = ratio * c1c
        return b

    # ---- Voigt damping -----------------------------------------------------------------
    def damping(self, line: Transition, temperature: np.ndarray, n_e: np.ndarray,
                n_hi: np.ndarray, n_he: np.ndarray) -> np.ndarray:
        """Total Lorentzian damping Gamma (s^-1, FWHM in angular frequency) of a Voigt line:
        radiative + van der Waals (Unsöld) + linear Stark (Sutton 1978)."""
        t = np.asarray(temperature, dtype=float)
        i, j = line.lower, line.upper
        gamma_rad = sum(tr.a_ul for tr in self.lines if tr.upper in (i, j))
        e_c = CHI_H
        dr2 = (E_RYDBERG / (e_c - self.energy[j])) ** 2 - (E_RYDBERG / (e_c - self.energy[i])) ** 2
        c6 = 2.5 * E_CHARGE**2 * POLARISABILITY_H * A0_BOHR**2 * 2.0 * np.pi / H_PLANCK * dr2
        amu = 1.66053907e-24
        m_h, m_he = 1.008 * amu, 4.0026 * amu
        v_h = np.sqrt(8.0 * K_B * t / np.pi * (1.0 / m_h + 1.0 / m_h))
        v_he = np.sqrt(8.0 * K_B * t / np.pi * (1.0 / m_h + 1.0 / m_he))
        gamma_vdw = 8.08 * c6**0.4 * (v_h**0.6 * np.asarray(n_hi) + v_he**0.6 * np.asarray(n_he))
        nu, nl = j + 1, i + 1
        a1 = 0.642 if nu - nl == 1 else 1.0
        gamma_stark = 4.0 * np.pi * 0.425 * a1 * 0.6 * (nu**2 - nl**2) * np.asarray(n_e) ** (2 / 3)
        return gamma_rad + gamma_vdw + gamma_stark

"""Static flare chromospheres in energy balance (Canfield, Gunkler & Ricchiazzi 1984 style).

CGR84 (ApJ 282, 296) computed Hα from hydrostatic chromospheres whose temperature
structure follows from energy balance under two flare parameters: the coronal pressure
P0 at the top of the chromosphere (dyn cm^-2) and the energy flux F20 of a thick-target
electron beam (erg cm^-2 s^-1 above 20 keV).  This module builds such atmospheres with
loopsim's own physics (beam, radiative losses, hydrogen ionisation); they feed the Hα
grid of the seed's Figure 1 (``loopsim plot figure1``).

Model (plane parallel, static, cgs)
-----------------------------------
* Coordinate: column mass m (g cm^-2) measured from the top of the solar atmosphere, so
  that hydrostatic equilibrium is exactly p(m) = g m; the chromosphere starts at
  m0 = P0 / g (the corona above it weighs P0) and extends to ``m_bottom`` on ``cells``
  cells geometric in the column below the top (m - m0, or below the top left by
  evaporation) from ``TOP_COLUMN`` (1e-8 g cm^-2): the Hα line centre forms within
  ~1e-5 g cm^-2 of the top, and a grid geometric in m (first cell 0.17 m0, Hα optical
  depth ~10) made the line centre resolution dependent (5.4 and 3.1 x the continuum at
  60 and 120 cells, P0 = 10, F20 = 1e8; now 0.25 at 60-240 cells).
* Quiet reference: the VAL-C temperatures T_q(m) of :mod:`loopsim.atmosphere`, put in
  hydrostatic equilibrium from the top of the VAL-C chromosphere (at pressure
  ``quiet_top_pressure``) downward; a flare model at pressure p = g m takes T_q at the
  same m.  A quiet heating per unit mass h_q(m) = Q_rad(T_q(m), p)/rho holds it there,
  as the background heating holds the pre-flare loop.
* Beam: deposition per unit mass h_b(m) = (power deposited in the cell)/dm from
  :func:`loopsim.physics.beam.deposited_power` (Emslie 1978 with the Hawley & Fisher 1994
  Coulomb logarithms) for the hydrogen column N = N_corona + (m - m0)/MASS_PER_H;
  ``coronal_column`` (cm^-2, default 0) is the column the beam crosses above the
  chromosphere.
* Energy balance, cell by cell at its fixed pressure:

      h_b(m) + h_q(m) = Q_rad(T, n_e, n_H, m, N_HI, x) / rho,

  with Q_rad the joined thin + CL12 loss of :mod:`loopsim.physics.radiation`; the
  temperature is the root T >= T_q(m) reached by heating from the quiet state (the
  lowest root in the first iteration; later iterations follow the branch they are on).
  Below the temperature minimum of the quiet model, and below the column where the CL12
  Ca II/Mg II escape probabilities are cut off (``ESCAPE_DEEP_COLUMN`` = 0.1 g cm^-2),
  (both counted in the column below the chromosphere's top, the column that enters the
  losses) the temperature stays T_q: the recipe has no photospheric (H^- continuum) cooling,
  which in the real photosphere removes the small beam heating that reaches it at once.
  A cell with no root below ``T_MAX_CHROMOSPHERE`` (1e5 K, past the peak of the loss
  function) cannot be held chromospheric by radiation: the beam evaporates it.  Such
  cells are removed and the chromosphere starts below the deepest of them; the
  atmosphere records the evaporated column mass and its actual top pressure.
* Ionisation: equilibrium of the rate equation of :mod:`loopsim.physics.hydrogen`
  (collisional ionisation, radiative + three-body recombination, Balmer photoionisation
  at the config's radiation temperature) plus non-thermal ionisation by the beam,
  q_b/(n_H 36 eV) = MASS_PER_H h_b/36 eV per atom; n_H = p/((1 + x + Y) k T).
* Conduction (CGR84's third parameter, the transition-region conductive flux F5 at
  T5 = 1e5 K): the flux is absorbed where it is radiated, in a conductive layer on top of
  the chromosphere (:func:`conductive_layer`; F dF = kappa0 T^(5/2) L dT, RTV 1978),
  resolved by ``layer_cells`` cells (default max(CONDUCTIVE_CELLS, cells // 4)) spaced
  evenly in the mean of the radiated flux fraction and the fall in log T.  If the layer
  cannot radiate F5 before it cools to the chromosphere's top temperature, that top cell
  would be heated past T5: it evaporates, and the layer sits deeper (its radiative
  capacity grows as p^2; the top is found within the cell by bisection).  The chromosphere
  below is not heated by conduction (the flux is exhausted above it).
* Irradiation (``irradiation`` = f_abs; 0 by default here, ``IRRADIATION_F_ABS`` = 0.5 in
  the CGR84 grid of :mod:`postprocess.analysis.cgr84`): the layer radiates F5 optically
  thin, half of it downward; the fraction f_abs at wavelengths the chromosphere absorbs
  (lambda < 912 Å) enters its top, F_down = f_abs F5/2, isotropic over the lower
  hemisphere, and is absorbed by photoionisation of H I and He I in two bands (504-912 Å
  at 18 eV, < 504 Å at 40.8 eV, half each; sigma_H = 6.3e-18 (13.6 eV/E)^3 cm^2,
  sigma_He = 7.4e-18 (24.6 eV/E)^2 above 24.6 eV, n_HeI = 0.1 n_HI):

      h_irr(m) = sum_k 2 F_k d/dm[-E3(tau_k)],   tau_k = (sigma_H + 0.1 sigma_He) N_HI(m),

  N_HI counted from the chromosphere's top (the layer's own neutral column, < ~1e-7
  g cm^-2 of mostly ionised gas, is neglected).  The absorbed energy is heat in the
  energy balance (h_b + h_irr + h_q = Q_rad/rho); the photoionisations, sum_k sigma_H 2 F_k
  E2(tau_k)/E_k per H I atom, add to the ionisation rate like the beam's.  At P0 = 1e3
  F_down = 1.2e8 erg cm^-2 s^-1, more than the beam's 1e8 above 20 keV; 56 % of it is
  absorbed within 1e-6 and 96 % within 1e-5 g cm^-2 of the top, where Hα's core forms
  (the beam puts 1.6e5 there).  Flare chromosphere
  models include such heating from above (XUV irradiation: Machado, Emslie & Avrett 1989;
  XEUV heating by the corona: Hawley & Fisher 1994, ApJ 426, 387; Allred et al. 2005,
  ApJ 630, 573).  The quiet heating h_q (VAL-C) is kept, so the quiet transition region's
  own (small, F5 ~ 1e5) irradiation is counted twice.
* Evaporation (beam or conduction) moves the top of the chromosphere down; the
  chromosphere is then solved again on a grid geometric from ``TOP_COLUMN`` below the new
  top (the losses' column counted from it, the beam crossing the evaporated column), up
  to ``MAX_REGRIDS`` times until its first cell holds.  Without this the first kept cell
  of the old grid (up to ~3e-5 g cm^-2, Hα-thick) carried the whole layer -> chromosphere
  drop and gave resolution-dependent single emission peaks (P0 = 1e3, F5 = 4.8e8: 3.97,
  3.02, 2.20 x the continuum at 60, 120, 240 cells; regridded: absorption, centre 0.53,
  0.42, 0.40).
* F5 of a static loop: :func:`rtv_conductive_flux` (the energy-balanced corona of
  :func:`loopsim.atmosphere.coronal_solution` whose length is L): 4.77e5 P0 erg cm^-2
  s^-1, set by the transition region's radiation below 1e5 K (∝ p^2) alone.  A layer at
  P0 radiates about that flux, so with F5 = the loop's value the top stays at P0 (1 %),
  while a larger fixed F5 evaporates the top to p_top ≈ F5 / 4.8e5.
* The columns that enter the losses (N_HI for the Lyman escape probability and the
  irradiation's optical depths) and the beam's ionisation-dependent Coulomb logarithms are
  taken from the previous iterate; the whole structure is iterated to a fixed point
  (``FIXED_POINT_TOLERANCE`` in T), the beam and irradiation heating under-relaxed by
  ``RELAXATION``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, optimize

from .atmosphere import VALC_HEIGHT_KM, VALC_TEMPERATURE, coronal_solution
from .config import Config
from .config.schema import ConfigError
from .constants import K_B
from .physics import beam as beam_physics
from .physics import hydrogen
from .physics.irradiation import irradiation_absorption
from .physics.radiation import ESCAPE_DEEP_COLUMN, neutral_hydrogen_column, total_loss

#: temperature above which a layer counts as evaporated (past the 9.5e4 K loss peak), K
T_MAX_CHROMOSPHERE = 1.0e5
#: relative change of T between fixed-point iterations at which the structure is final
FIXED_POINT_TOLERANCE = 1e-9
MAX_ITERATIONS = 300
#: under-relaxation of the beam heating between iterations (the Coulomb logarithms grow
#: with ionisation, which grows with heating: an undamped fixed point can oscillate)
RELAXATION = 0.5
#: energy per ion pair of beam ionisation (erg; 36 eV, as loopsim.physics.beam)
_ENERGY_PER_ION_PAIR = beam_physics.ENERGY_PER_ION_PAIR
#: temperature at which the transition-region conductive flux F5 is given (K; CGR84's F5)
T5 = 1.0e5
#: fewest cells of the conductive layer (default: max(CONDUCTIVE_CELLS, cells // 4))
CONDUCTIVE_CELLS = 8
#: column mass (g cm^-2) of the first cell below the top of the chromosphere: the grid is
#: geometric in the column below the top, so that the Hα line-centre optical depth of the
#: first cell is << 1 (it is ~10 in a cell of 0.17 m0 at P0 = 10)
TOP_COLUMN = 1.0e-8
@dataclass(frozen=True)
class FlareChromosphere:
    """A static flare chromosphere; per-cell arrays ordered from the top downward (cgs).

    column_mass (g cm^-2, from the top of the atmosphere, cell centres), dm (cell column
    masses, g cm^-2), column_h (hydrogen column from the beam's injection point, cm^-2),
    height (cm, 0 at the top of the chromosphere, increasing downward), temperature (K),
    pressure (dyn cm^-2), rho (g cm^-3), n_h, n_e (cm^-3), x_h (hydrogen ionisation
    fraction), q_beam, q_cond and q_irr (beam, conductive and irradiation heating,
    erg cm^-3 s^-1); p0 (requested coronal pressure), p_top (pressure at the top of the
    chromosphere below the conductive layer, > p0 when the beam or the conductive flux
    evaporated the layers above), evaporated_column_mass (g cm^-2), f20 (erg cm^-2 s^-1),
    delta, e_cut_kev, f5 (conductive flux at 1e5 K, erg cm^-2 s^-1), conductive_cells
    (the first ``conductive_cells`` cells are the conductive layer) and f_abs (the absorbed
    fraction of the layer's radiation; 0: no irradiation).
    """

    column_mass: np.ndarray
    dm: np.ndarray
    column_h: np.ndarray
    height: np.ndarray
    temperature: np.ndarray
    pressure: np.ndarray
    rho: np.ndarray
    n_h: np.ndarray
    n_e: np.ndarray
    x_h: np.ndarray
    q_beam: np.ndarray
    q_cond: np.ndarray
    q_irr: np.ndarray
    p0: float
    p_top: float
    evaporated_column_mass: float
    f20: float
    delta: float
    e_cut_kev: float
    f5: float
    conductive_cells: int
    f_abs: float = 0.0


def rtv_corona(p0: float, half_length: float, kappa0: float) -> tuple[np.ndarray, np.ndarray]:
    """(s, T): distance from the apex (cm) and temperature (K, from T_max down to 1e4 K)
    of the energy-balanced corona + transition region of half-length ``half_length`` (cm)
    at uniform pressure ``p0`` (dyn cm^-2), the static loop whose footpoint the flare
    chromosphere is.

    The profile is :func:`loopsim.atmosphere.coronal_solution`; its apex temperature is
    solved so that the balanced loop has length L (the RTV 1978 scaling T_max =
    1400 (p0 L)^(1/3), which it matches to 5 %, is the starting guess), so both the column
    and the conductive flux (:func:`rtv_conductive_flux`) are those of one exact static
    loop.
    """
    guess = np.log(1400.0 * (p0 * half_length) ** (1.0 / 3.0))

    def mismatch(log_t: float) -> float:
        return float(np.log(coronal_solution(np.exp(log_t), p0, kappa0)[0][-1] / half_length))

    log_t = optimize.brentq(mismatch, guess - 1.0, guess + 1.0, xtol=1e-10)
    s, temperature, _ = coronal_solution(float(np.exp(log_t)), p0, kappa0)
    return s, temperature


def rtv_coronal_column(p0: float, half_length: float, kappa0: float) -> float:
    """Hydrogen column (cm^-2) of the energy-balanced corona + transition region of
    half-length ``half_length`` (cm) at uniform pressure ``p0`` (dyn cm^-2) (:func:`rtv_corona`,
    fully ionised): the column a beam injected at the apex crosses before the
    chromosphere."""
    s, temperature = rtv_corona(p0, half_length, kappa0)
    n_h = p0 / ((2.0 + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
    return float(np.trapezoid(n_h, s))


def rtv_conductive_flux(p0: float, half_length: float, kappa0: float,
                        temperature: float = T5) -> float:
    """Downward conductive flux kappa0 T^(5/2) |dT/ds| (erg cm^-2 s^-1) at ``temperature``
    (default T5 = 1e5 K) in the static loop of :func:`rtv_corona`: CGR84's F5 tied to the
    coronal pressure as a static loop ties them (F5 ≈ 4.8e5 p0 for L = 1e9 cm; the flux
    at 1e5 K grows with p0 because the radiation below 1e5 K it feeds grows as p0^2 and
    the layer thins as 1/p0)."""
    s, t = rtv_corona(p0, half_length, kappa0)
    _check("temperature", temperature, float(t[-1]), float(t[0]))
    dt_ds = np.gradient(t, s)
    return float(kappa0 * temperature**2.5 * np.interp(temperature, t[::-1],
                                                         np.abs(dt_ds)[::-1]))


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (np.isfinite(value) and low <= value <= high):
        raise ConfigError(f"flare chromosphere: {name} = {value!r} is outside the allowed "
                          f"range [{low:g}, {high:g}]")


def validate_parameters(p0: float, f20: float, f5: float = 0.0, cells: int = 200) -> None:
    """ConfigError naming the parameter, its value and the allowed range unless p0 in
    [1e-2, 1e5] dyn cm^-2, f20 in [0, 1e13] and f5 in [0, 1e11] erg cm^-2 s^-1 and cells
    in [20, 100000] (the model's own ranges; checked before any computation)."""
    _check("p0", p0, 1e-2, 1e5)
    _check("f20", f20, 0.0, 1e13)
    _check("f5", f5, 0.0, 1e11)
    _check("cells", cells, 20, 100000)


def quiet_temperature_of_column_mass(config: Config, quiet_top_pressure: float,
                                     samples: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """VAL-C T against column mass m = p/g (g cm^-2) in hydrostatic equilibrium.

    Integrated from the top of the VAL-C chromosphere (2104 km, pressure
    ``quiet_top_pressure``) down to its lowest tabulated height; returns (m, T) increasing
    in m.
    """
    gravity = config.loop.surface_gravity
    heights = np.linspace(VALC_HEIGHT_KM[-1], VALC_HEIGHT_KM[0], samples) * 1e5
    temperature = np.interp(heights, VALC_HEIGHT_KM * 1e5, VALC_TEMPERATURE)
    pressure = np.empty(samples)
    pressure[0] = quiet_top_pressure
    rho_prev = _density(pressure[0], temperature[0], 0.0, config)[0]
    for j in range(1, samples):
        dz = heights[j - 1] - heights[j]
        trial = pressure[j - 1] * np.exp(gravity * rho_prev * dz / pressure[j - 1])
        rho_trial = _density(trial, temperature[j], 0.0, config)[0]
        pressure[j] = pressure[j - 1] + 0.5 * (rho_prev + rho_trial) * gravity * dz
        rho_prev = _density(pressure[j], temperature[j], 0.0, config)[0]
    return pressure / gravity, temperature


def _density(p: float, temperature: float, beam_rate: float,
             config: Config) -> tuple[float, float, float, float]:
    """(rho, n_H, n_e, x) at pressure p and temperature T in ionisation equilibrium.

    beam_rate: non-thermal ionisation per hydrogen atom (s^-1), added to the
    photoionisation rate of the rate equation.
    """
    c_coll, photo, alpha_rr, alpha_3b = hydrogen.rate_coefficients(
        temperature, hydrogen.diluted_balmer_rate(config.eos.balmer_radiation_temperature))
    radiative = 1.0 if config.eos.radiative_processes else 0.0
    x = 1.0
    n_h = 0.0
    for _ in range(200):
        n_h = p / ((1.0 + x + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
        if config.eos.ionisation == "lte" and beam_rate == 0.0:
            x_new = hydrogen.saha_fraction(temperature, n_h)
        else:
            x_new = hydrogen.equilibrium_fraction(n_h, c_coll, radiative * photo + beam_rate,
                                                  radiative * alpha_rr, alpha_3b)
        if abs(x_new - x) < 1e-13:
            x = x_new
            break
        x = x_new
    n_h = p / ((1.0 + x + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
    return n_h * hydrogen.MASS_PER_H, n_h, x * n_h, x


def _loss_per_mass(temperature: float, p: float, m: float, column_hi: float,
                   beam_rate: float, config: Config) -> float:
    rho, n_h, n_e, x = _density(p, temperature, beam_rate, config)
    return total_loss(temperature, n_e, n_h, m, column_hi, x) / rho


def _balance_temperature(heating: float, t_quiet: float, t_start: float, p: float, m: float,
                         column_hi: float, beam_rate: float, config: Config) -> float:
    """Root T in [t_quiet, T_MAX_CHROMOSPHERE] of loss/rho = heating nearest to t_start.

    Searches upward from t_start while heating exceeds the loss (downward while it falls
    short) for the first sign change, so an iteration stays on the branch it is on
    (continuation; the first iteration starts from the quiet T and finds the lowest root).
    Returns t_quiet if the heating falls short down to t_quiet, NaN if it exceeds the loss
    all the way up to T_MAX_CHROMOSPHERE (the layer evaporates).
    """

    def excess(log_t: float) -> float:
        t = np.exp(log_t)
        return heating - _loss_per_mass(t, p, m, column_hi, beam_rate, config)

    log_start = np.log(min(max(t_start, t_quiet), T_MAX_CHROMOSPHERE))
    start = excess(log_start)
    if start == 0.0:
        return float(np.exp(log_start))
    end = np.log(T_MAX_CHROMOSPHERE) if start > 0.0 else np.log(t_quiet)
    steps = max(int(abs(end - log_start) / 0.02), 1)
    grid = np.linspace(log_start, end, steps + 1)
    for a, b in zip(grid[:-1], grid[1:], strict=True):
        if (excess(b) > 0.0) != (start > 0.0):
            lo, hi = min(a, b), max(a, b)
            return float(np.exp(optimize.brentq(excess, lo, hi, xtol=1e-13, rtol=1e-13)))
    return float("nan") if start > 0.0 else t_quiet


@dataclass(frozen=True)
class ConductiveLayer:
    """The layer below T5 that radiates the conductive flux F5 (see
    :func:`conductive_layer`); per-cell arrays from the top down, cgs.

    flux_edges: conductive flux at the cell edges (F5 ... 0, erg cm^-2 s^-1); dm: cell
    column masses (g cm^-2); temperature (K), rho, n_h, n_e, x_h at the cell centres (in
    flux); loss_per_mass: the radiative loss per unit mass of each cell, (flux_edges[k] -
    flux_edges[k+1]) / dm[k] (erg g^-1 s^-1); residual: the flux still carried at t_bottom
    (0 when the layer radiates all of F5).
    """

    flux_edges: np.ndarray
    dm: np.ndarray
    temperature: np.ndarray
    rho: np.ndarray
    n_h: np.ndarray
    n_e: np.ndarray
    x_h: np.ndarray
    residual: float

    @property
    def loss_per_mass(self) -> np.ndarray:
        return -np.diff(self.flux_edges) / self.dm


def _thin_layer_loss(temperature: float, p: float, config: Config) -> tuple[float, float]:
    """(loss L in erg cm^-3 s^-1, rho) of a layer at T and p with nothing above it (all
    escape probabilities 1: the conductive layer is optically thin)."""
    rho, n_h, n_e, x = _density(p, temperature, 0.0, config)
    return total_loss(temperature, n_e, n_h, 0.0, 0.0, x), rho


def conductive_layer(f5: float, p: float, t_bottom: float, config: Config,
                     cells: int = CONDUCTIVE_CELLS) -> ConductiveLayer:
    """The layer that absorbs the conductive flux f5 entering at T5 = 1e5 K, at pressure p.

    Below T5 the downward conductive flux F = -kappa0 T^(5/2) dT/dz (z downward) is
    absorbed where it is radiated, dF/dz = -L(T, p), with L the joined loss of
    :func:`loopsim.physics.radiation.total_loss` (optically thin: nothing above).
    Eliminating z (dm = rho dz) gives ODEs in F, integrated from F = f5, T = T5 down to
    F = 0 (RTV 1978; the classical transition-region energy balance):

        dT/dF = F / (kappa0 T^(5/2) L(T)),      dm/dF = -rho(T) / L(T),

    so F^2(T) = f5^2 - 2 kappa0 int_T^T5 T'^(5/2) L dT' and the layer's column is
    int_0^f5 rho/L dF.  The heating inside the layer (beam, quiet) is neglected against L
    (the layer's column is ~1e-7 g cm^-2).  The ``cells`` cell edges are equally spaced in
    w = (u + v)/2, u = 1 - F/f5 the fraction of the flux radiated and v the fraction of the
    fall in log T: equal steps in F alone put the whole 2e4 K -> chromosphere drop, where
    Hα forms, into the last cell.  Each cell radiates the flux difference of its edges;
    if T falls to ``t_bottom`` (the top of the chromosphere below) before F = 0, the rest of
    the flux is ``residual``.
    """
    kappa0 = config.conduction.kappa0

    def rhs(flux: float, y: np.ndarray) -> list[float]:
        loss, rho = _thin_layer_loss(float(y[0]), p, config)
        return [flux / (kappa0 * y[0] ** 2.5 * loss), -rho / loss]

    def floor(flux: float, y: np.ndarray) -> float:
        return y[0] - t_bottom

    floor.terminal = True
    solution = integrate.solve_ivp(rhs, (f5, 0.0), [T5, 0.0], events=floor,
                                   dense_output=True, rtol=1e-8, atol=[1e-6, 1e-30])
    f_end = float(solution.t[-1]) if solution.status == 1 else 0.0
    # T(F) falls steeply at small F (T - T_end ~ F^2): sample densely in sqrt(F - f_end)
    fine = f_end + (f5 - f_end) * np.linspace(1.0, 0.0, 4001) ** 2
    log_t = np.log(solution.sol(fine)[0])
    u = (f5 - fine) / (f5 - f_end)
    v = (log_t[0] - log_t) / (log_t[0] - log_t[-1])
    flux_edges = np.interp(np.linspace(0.0, 1.0, cells + 1), 0.5 * (u + v), fine)
    flux_edges[0], flux_edges[-1] = f5, f_end
    y_edges = solution.sol(flux_edges)
    # cell centres halfway in w as well
    centres = np.interp(np.linspace(0.5, cells - 0.5, cells) / cells, 0.5 * (u + v), fine)
    y_mid = solution.sol(centres)
    states = np.array([_density(p, t, 0.0, config) for t in y_mid[0]])
    return ConductiveLayer(flux_edges, np.diff(y_edges[1]), y_mid[0], states[:, 0],
                           states[:, 1], states[:, 2], states[:, 3], f_end)


def _grid(m0: float, m_bottom: float, cells: int, top_column: float
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(edges, dm, centres) in g cm^-2: geometric in the column m - m0 below the top, from
    ``top_column`` to m_bottom - m0 (the top of the chromosphere is resolved in Hα optical
    depth at every resolution; a grid geometric in m puts 0.17 m0 into the first cell)."""
    edges = m0 + np.concatenate([[0.0], np.geomspace(top_column, m_bottom - m0, cells)])
    return edges, np.diff(edges), 0.5 * (edges[1:] + edges[:-1])


@dataclass
class _Solution:
    """The beam + quiet energy balance of one grid (see :func:`_solve_chromosphere`)."""

    edges: np.ndarray
    temperature: np.ndarray  # NaN: evaporated
    rho: np.ndarray
    n_h: np.ndarray
    n_e: np.ndarray
    x: np.ndarray
    beam_heating: np.ndarray
    column_edges: np.ndarray
    irradiation_heating: np.ndarray


def _solve_chromosphere(config: Config, m_top: float, m0: float, flux: float, delta: float,
                        e_cut_kev: float, coronal_column: float, cells: int, m_bottom: float,
                        top_column: float, quiet: tuple[np.ndarray, np.ndarray],
                        label: str, irradiation: float = 0.0) -> _Solution:
    """Beam + irradiation + quiet energy balance of the chromosphere whose top is at column
    mass m_top (>= m0 = P0/g: the layers above m_top have evaporated), on ``cells`` cells
    geometric in m - m_top from ``top_column``; the beam crosses coronal_column +
    (m - m0)/MASS_PER_H; ``irradiation`` (erg cm^-2 s^-1) enters at m_top
    (:func:`irradiation_absorption`)."""
    gravity = config.loop.surface_gravity
    m_quiet, t_quiet_table = quiet
    edges, dm, m = _grid(m_top, m_bottom, cells, top_column)
    p = gravity * m
    t_quiet = np.interp(np.log(m), np.log(m_quiet), t_quiet_table)
    column_edges = coronal_column + (edges - m0) / hydrogen.MASS_PER_H
    above = m - m_top  # the column above each cell that enters the losses

    rho = np.empty(cells)
    n_h = np.empty(cells)
    n_e = np.empty(cells)
    x = np.empty(cells)
    for i in range(cells):
        rho[i], n_h[i], n_e[i], x[i] = _density(p[i], t_quiet[i], 0.0, config)
    column_hi = np.empty(cells)
    neutral_hydrogen_column(t_quiet, n_h, rho, above, x, column_hi)
    quiet_heating = np.array([_loss_per_mass(t_quiet[i], p[i], above[i], column_hi[i], 0.0,
                                             config) for i in range(cells)])
    temperature = t_quiet.copy()
    # the layers the recipe can hold: above the quiet temperature minimum and above the
    # deep cut of the Ca II/Mg II escape probabilities, both in the column below the top
    # (the column that enters the losses)
    chromospheric = above < min(m_quiet[np.argmin(t_quiet_table)], ESCAPE_DEEP_COLUMN)
    beam_heating = np.zeros(cells)
    irradiation_heating = np.zeros(cells)
    photo_rate = np.zeros(cells)
    change = 0.0
    for _ in range(MAX_ITERATIONS):
        if flux > 0.0:
            fresh = beam_physics.deposited_power(column_edges, x, n_e, flux, delta,
                                                 e_cut_kev) / dm
            beam_heating = fresh if not beam_heating.any() else \
                (1.0 - RELAXATION) * beam_heating + RELAXATION * fresh
        if irradiation > 0.0:
            neutral = (1.0 - x) * dm / hydrogen.MASS_PER_H
            hi_edges = np.concatenate([[0.0], np.cumsum(neutral)])
            absorbed, fresh_rate = irradiation_absorption(irradiation, hi_edges,
                                                          hi_edges[:-1] + 0.5 * neutral)
            fresh = absorbed / dm
            if irradiation_heating.any():
                fresh = (1.0 - RELAXATION) * irradiation_heating + RELAXATION * fresh
                fresh_rate = (1.0 - RELAXATION) * photo_rate + RELAXATION * fresh_rate
            irradiation_heating, photo_rate = fresh, fresh_rate
        beam_rate = hydrogen.MASS_PER_H * beam_heating / _ENERGY_PER_ION_PAIR + photo_rate
        neutral_hydrogen_column(np.where(np.isfinite(temperature), temperature, 1e6), n_h,
                                rho, above, x, column_hi)
        start = np.where(np.isfinite(temperature), temperature, T_MAX_CHROMOSPHERE)
        new = np.array([_balance_temperature(beam_heating[i] + irradiation_heating[i]
                                             + quiet_heating[i], t_quiet[i],
                                             start[i], p[i], above[i], column_hi[i],
                                             beam_rate[i], config)
                        if chromospheric[i] else t_quiet[i] for i in range(cells)])
        # evaporation only grows: a layer once evaporated stays so, with all above it
        gone = np.flatnonzero(~np.isfinite(new) | ~np.isfinite(temperature))
        if gone.size:
            new[:gone[-1] + 1] = np.nan
        for i in range(cells):
            t_i = new[i] if np.isfinite(new[i]) else T_MAX_CHROMOSPHERE
            rho[i], n_h[i], n_e[i], x[i] = _density(p[i], t_i, beam_rate[i], config)
        both = np.isfinite(new) & np.isfinite(temperature)
        same_set = np.array_equal(np.isfinite(new), np.isfinite(temperature))
        change = np.max(np.abs(new[both] / temperature[both] - 1.0)) if both.any() else 0.0
        temperature = new
        if same_set and change < FIXED_POINT_TOLERANCE:
            break
    else:
        raise RuntimeError(f"flare chromosphere ({label}) did not converge in "
                           f"{MAX_ITERATIONS} iterations (last relative change {change:.2e})")
    return _Solution(edges, temperature, rho, n_h, n_e, x, beam_heating, column_edges,
                     irradiation_heating)


#: regrids of the chromosphere below an evaporated top (see static_flare_chromosphere)
MAX_REGRIDS = 8


def static_flare_chromosphere(config: Config, p0: float, f20: float, *, f5: float = 0.0,
                              delta: float = 4.0, e_cut_kev: float = 20.0,
                              coronal_column: float = 0.0, cells: int = 200,
                              m_bottom: float = 5.0, top_column: float = TOP_COLUMN,
                              quiet_top_pressure: float = 0.2,
                              layer_cells: int | None = None,
                              irradiation: float = 0.0) -> FlareChromosphere:
    """Build the static flare chromosphere of coronal pressure ``p0``, beam ``f20`` and
    transition-region conductive flux ``f5``.

    p0: dyn cm^-2 in [1e-2, 1e5]; f20: erg cm^-2 s^-1 in [0, 1e13] (0: the quiet VAL-C
    chromosphere at that pressure); f5: erg cm^-2 s^-1 in [0, 1e11] (0: no conductive
    layer); delta > 2; e_cut_kev > 0; coronal_column >= 0 (cm^-2); cells >= 20; m_bottom
    (g cm^-2) > 10 p0/g; top_column (g cm^-2) in [1e-12, 1e-4]; quiet_top_pressure
    (dyn cm^-2) > 0; layer_cells: cells of the conductive layer (default
    max(CONDUCTIVE_CELLS, cells // 4): the layer is refined with the chromosphere);
    irradiation: the fraction f_abs in [0, 1] of the conductive layer's radiation that the
    chromosphere absorbs (0: none, the default here; ``IRRADIATION_F_ABS`` for the CGR84
    grid): F_down = f_abs F5/2 enters the top of the chromosphere
    (:func:`irradiation_absorption`).
    ``config`` supplies the ionisation model, the Balmer radiation temperature, kappa0 and
    the surface gravity (e.g. ``load_config("fcm85_f11")``).  See the module docstring.

    Evaporation (by the beam, or by a conductive flux the layer cannot radiate above the
    chromosphere's top) moves the top of the chromosphere down; the chromosphere is then
    solved again on a grid that starts, geometric from ``top_column``, at the new top (the
    conductive criterion located within a cell by bisection), so the top stays resolved in
    Hα optical depth however much evaporates; repeated until the first cell holds.
    """
    validate_parameters(p0, f20, f5, cells)
    _check("coronal_column", coronal_column, 0.0, 1e24)
    _check("top_column", top_column, 1e-12, 1e-4)
    _check("quiet_top_pressure", quiet_top_pressure, 1e-3, 1e2)
    layer_cells = max(CONDUCTIVE_CELLS, cells // 4) if layer_cells is None else layer_cells
    _check("layer_cells", layer_cells, 1, 10000)
    _check("irradiation", irradiation, 0.0, 1.0)
    flux_down = 0.5 * irradiation * f5
    if f20 > 0.0:
        beam_physics.validate_beam(f20, delta, e_cut_kev)
    gravity = config.loop.surface_gravity
    m0 = p0 / gravity
    _check("m_bottom", m_bottom, 10.0 * m0, 1e4)
    quiet = quiet_temperature_of_column_mass(config, quiet_top_pressure)
    flux = beam_physics.flux_from_f20(f20, delta, e_cut_kev) if f20 > 0.0 else 0.0
    m_top = m0
    for _ in range(MAX_REGRIDS):
        solution = _solve_chromosphere(config, m_top, m0, flux, delta, e_cut_kev,
                                       coronal_column, cells, m_bottom, top_column, quiet,
                                       f"p0 = {p0:g}, f20 = {f20:g}", flux_down)
        evaporated = np.flatnonzero(~np.isfinite(solution.temperature))
        top = int(evaporated[-1]) + 1 if evaporated.size else 0
        top, layer, new_top = _conductive_top(f5, top, solution.edges, solution.temperature,
                                              config, layer_cells)
        if top >= cells - 1:
            raise ConfigError(f"flare chromosphere: F20 = {f20:g} and F5 = {f5:g} evaporate "
                              f"the whole model down to m = {m_bottom:g} g cm^-2; raise "
                              "m_bottom")
        if top == 0:
            break
        m_top = new_top
    return _assemble(config, layer, slice(top, cells), solution, m0=m0, p0=p0, f20=f20,
                     delta=delta, e_cut_kev=e_cut_kev, f5=f5, f_abs=irradiation)


def _conductive_top(f5: float, top: int, edges: np.ndarray, temperature: np.ndarray,
                    config: Config, layer_cells: int = CONDUCTIVE_CELLS
                    ) -> tuple[int, ConductiveLayer | None, float]:
    """(first chromospheric cell, conductive layer above it, column mass of the top the
    chromosphere would have on a continuous grid) for the flux f5.

    A conductive layer whose pressure is too low to radiate f5 before it cools to the
    temperature of the chromosphere below would heat that chromosphere's top cell past
    T5: the cell evaporates and the layer sits on the next one (higher pressure; the
    layer's radiative capacity grows as p^2).  The continuous top lies in the last
    evaporated cell: the smallest column at which the layer, at that pressure and on the
    temperature interpolated there, radiates f5 (bisection to 1e-4 of the cell)."""
    if f5 == 0.0:
        return top, None, float(edges[top])
    gravity = config.loop.surface_gravity

    def fits(m: float, t_bottom: float) -> bool:
        return conductive_layer(f5, gravity * m, t_bottom, config, 1).residual == 0.0

    first = top
    while top < temperature.size - 1:
        if fits(edges[top], temperature[top]):
            break
        top += 1
    else:
        return top, None, float(edges[top])
    layer = conductive_layer(f5, gravity * edges[top], temperature[top], config, layer_cells)
    if top == first:
        return top, layer, float(edges[top])
    # bisect within the cell above (its own temperature if it held, else the top's)
    t_above = temperature[top - 1] if np.isfinite(temperature[top - 1]) else temperature[top]
    low, high = float(edges[top - 1]), float(edges[top])
    while high - low > 1e-4 * (edges[top] - edges[top - 1]):
        mid = 0.5 * (low + high)
        weight = (mid - low) / (edges[top] - edges[top - 1])
        t_mid = float(np.exp((1.0 - weight) * np.log(t_above) + weight * np.log(temperature[top])))
        if fits(mid, t_mid):
            high = mid
        else:
            low = mid
    return top, layer, high


def _assemble(config: Config, layer: ConductiveLayer | None, keep: slice, solution: _Solution,
              m0: float, **parameters: float) -> FlareChromosphere:
    """The returned model: the conductive layer (column masses just above the chromosphere's
    top edge, at its pressure) on top of the kept chromospheric cells."""
    gravity = config.loop.surface_gravity
    edges, column_edges = solution.edges, solution.column_edges
    top_edge = edges[keep.start]
    dm = np.diff(edges)[keep]
    m = 0.5 * (edges[1:] + edges[:-1])[keep]
    column_h = 0.5 * (column_edges[1:] + column_edges[:-1])[keep]
    arrays = {"dm": dm, "column_mass": m, "column_h": column_h,
              "temperature": solution.temperature[keep], "pressure": gravity * m,
              "rho": solution.rho[keep], "n_h": solution.n_h[keep], "n_e": solution.n_e[keep],
              "x_h": solution.x[keep], "q_beam": (solution.beam_heating * solution.rho)[keep],
              "q_cond": np.zeros(m.size),
              "q_irr": (solution.irradiation_heating * solution.rho)[keep]}
    n_layer = 0
    if layer is not None:
        n_layer = layer.dm.size
        below = np.cumsum(layer.dm[::-1])[::-1]  # layer column from each cell edge down
        layer_m = top_edge - below + 0.5 * layer.dm
        top_column_h = column_edges[keep.start]
        layer_arrays = {"dm": layer.dm, "column_mass": layer_m,
                        "column_h": top_column_h - (top_edge - layer_m) / hydrogen.MASS_PER_H,
                        "temperature": layer.temperature,
                        "pressure": np.full(n_layer, gravity * top_edge), "rho": layer.rho,
                        "n_h": layer.n_h, "n_e": layer.n_e, "x_h": layer.x_h,
                        "q_beam": np.zeros(n_layer), "q_cond": layer.loss_per_mass * layer.rho,
                        "q_irr": np.zeros(n_layer)}
        arrays = {key: np.concatenate([layer_arrays[key], value])
                  for key, value in arrays.items()}
    thickness = arrays["dm"] / arrays["rho"]
    arrays["height"] = np.cumsum(thickness) - 0.5 * thickness
    return FlareChromosphere(**arrays, p_top=float(gravity * top_edge),
                             evaporated_column_mass=float(top_edge - m0),
                             conductive_cells=n_layer, **parameters)

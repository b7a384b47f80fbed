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
  cells equally spaced in log m.
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
  the temperature stays T_q: the recipe has no photospheric (H^- continuum) cooling,
  which in the real photosphere removes the small beam heating that reaches it at once.
  A cell with no root below ``T_MAX_CHROMOSPHERE`` (1e5 K, past the peak of the loss
  function) cannot be held chromospheric by radiation: the beam evaporates it.  Such
  cells are removed and the chromosphere starts below the deepest of them; the
  atmosphere records the evaporated column mass and its actual top pressure.
* Ionisation: equilibrium of the rate equation of :mod:`loopsim.physics.hydrogen`
  (collisional ionisation, radiative + three-body recombination, Balmer photoionisation
  at the config's radiation temperature) plus non-thermal ionisation by the beam,
  q_b/(n_H 36 eV) = MASS_PER_H h_b/36 eV per atom; n_H = p/((1 + x + Y) k T).
* The columns that enter the losses (N_HI for the Lyman escape probability) and the
  beam's ionisation-dependent Coulomb logarithms are taken from the previous iterate;
  the whole structure is iterated to a fixed point (``FIXED_POINT_TOLERANCE`` in T), the
  beam heating under-relaxed by ``RELAXATION``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

from .atmosphere import VALC_HEIGHT_KM, VALC_TEMPERATURE, coronal_solution
from .config import Config
from .config.schema import ConfigError
from .constants import K_B
from .physics import beam as beam_physics
from .physics import hydrogen
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


@dataclass(frozen=True)
class FlareChromosphere:
    """A static flare chromosphere; per-cell arrays ordered from the top downward (cgs).

    column_mass (g cm^-2, from the top of the atmosphere, cell centres), dm (cell column
    masses, g cm^-2), column_h (hydrogen column from
    the beam's injection point, cm^-2), height (cm, 0 at the top of the chromosphere,
    increasing downward), temperature (K), pressure (dyn cm^-2), rho (g cm^-3), n_h, n_e
    (cm^-3), x_h (hydrogen ionisation fraction), q_beam (erg cm^-3 s^-1);
    p0 (requested coronal pressure), p_top (pressure at the top of the returned
    chromosphere, > p0 when the beam evaporated the layers above), evaporated_column_mass
    (g cm^-2), f20 (erg cm^-2 s^-1), delta, e_cut_kev.
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
    p0: float
    p_top: float
    evaporated_column_mass: float
    f20: float
    delta: float
    e_cut_kev: float


def rtv_coronal_column(p0: float, half_length: float, kappa0: float) -> float:
    """Hydrogen column (cm^-2) of the energy-balanced corona + transition region of
    half-length ``half_length`` (cm) at uniform pressure ``p0`` (dyn cm^-2): the column a
    beam injected at the apex crosses before the chromosphere.

    The apex temperature follows from RTV (T_max = 1400 (p0 L)^(1/3)); the T(s) profile
    is :func:`loopsim.atmosphere.coronal_solution`, stretched to length L; fully ionised.
    """
    t_max = 1400.0 * (p0 * half_length) ** (1.0 / 3.0)
    s, temperature, _ = coronal_solution(t_max, p0, kappa0)
    s = s * half_length / s[-1]
    n_h = p0 / ((2.0 + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
    return float(np.trapezoid(n_h, s))


def _check(name: str, value: float, low: float, high: float) -> None:
    if not (np.isfinite(value) and low <= value <= high):
        raise ConfigError(f"flare chromosphere: {name} = {value!r} is outside the allowed "
                          f"range [{low:g}, {high:g}]")


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
        temperature, config.eos.balmer_radiation_temperature)
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


def static_flare_chromosphere(config: Config, p0: float, f20: float, *, delta: float = 4.0,
                              e_cut_kev: float = 20.0, coronal_column: float = 0.0,
                              cells: int = 200, m_bottom: float = 5.0,
                              quiet_top_pressure: float = 0.2) -> FlareChromosphere:
    """Build the static flare chromosphere of coronal pressure ``p0`` and beam ``f20``.

    p0: dyn cm^-2 in [1e-2, 1e5]; f20: erg cm^-2 s^-1 in [0, 1e13] (0: the quiet VAL-C
    chromosphere at that pressure); delta > 2; e_cut_kev > 0; coronal_column >= 0 (cm^-2);
    cells >= 20; m_bottom (g cm^-2) > 10 p0/g; quiet_top_pressure (dyn cm^-2) > 0.
    ``config`` supplies the ionisation model, the Balmer radiation temperature and the
    surface gravity (e.g. ``load_config("fcm85_f11")``).  See the module docstring.
    """
    _check("p0", p0, 1e-2, 1e5)
    _check("f20", f20, 0.0, 1e13)
    _check("coronal_column", coronal_column, 0.0, 1e24)
    _check("cells", cells, 20, 100000)
    _check("quiet_top_pressure", quiet_top_pressure, 1e-3, 1e2)
    if f20 > 0.0:
        beam_physics.validate_beam(f20, delta, e_cut_kev)
    gravity = config.loop.surface_gravity
    m0 = p0 / gravity
    _check("m_bottom", m_bottom, 10.0 * m0, 1e4)
    m_quiet, t_quiet_table = quiet_temperature_of_column_mass(config, quiet_top_pressure)
    edges = np.geomspace(m0, m_bottom, cells + 1)
    dm = np.diff(edges)
    m = np.sqrt(edges[1:] * edges[:-1])
    p = gravity * m
    t_quiet = np.interp(np.log(m), np.log(m_quiet), t_quiet_table)
    flux = beam_physics.flux_from_f20(f20, delta, e_cut_kev) if f20 > 0.0 else 0.0
    column_edges = coronal_column + (edges - m0) / hydrogen.MASS_PER_H

    rho = np.empty(cells)
    n_h = np.empty(cells)
    n_e = np.empty(cells)
    x = np.empty(cells)
    for i in range(cells):
        rho[i], n_h[i], n_e[i], x[i] = _density(p[i], t_quiet[i], 0.0, config)
    column_hi = np.empty(cells)
    neutral_hydrogen_column(t_quiet, n_h, rho, m - m0, x, column_hi)
    quiet_heating = np.array([_loss_per_mass(t_quiet[i], p[i], m[i] - m0, column_hi[i], 0.0,
                                             config) for i in range(cells)])
    temperature = t_quiet.copy()
    chromospheric = m < min(m_quiet[np.argmin(t_quiet_table)], ESCAPE_DEEP_COLUMN)
    beam_heating = np.zeros(cells)
    for _ in range(MAX_ITERATIONS):
        if flux > 0.0:
            fresh = beam_physics.deposited_power(column_edges, x, n_e, flux, delta,
                                                 e_cut_kev) / dm
            beam_heating = fresh if not beam_heating.any() else \
                (1.0 - RELAXATION) * beam_heating + RELAXATION * fresh
        beam_rate = hydrogen.MASS_PER_H * beam_heating / _ENERGY_PER_ION_PAIR
        neutral_hydrogen_column(np.where(np.isfinite(temperature), temperature, 1e6), n_h,
                                rho, m - m0, x, column_hi)
        start = np.where(np.isfinite(temperature), temperature, T_MAX_CHROMOSPHERE)
        new = np.array([_balance_temperature(beam_heating[i] + quiet_heating[i], t_quiet[i],
                                             start[i], p[i], m[i] - m0, column_hi[i],
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
        raise RuntimeError(f"flare chromosphere (p0 = {p0:g}, f20 = {f20:g}) did not converge "
                           f"in {MAX_ITERATIONS} iterations (last relative change {change:.2e})")
    evaporated = np.flatnonzero(~np.isfinite(temperature))
    top = int(evaporated[-1]) + 1 if evaporated.size else 0
    if top >= cells - 1:
        raise ConfigError(f"flare chromosphere: a beam of F20 = {f20:g} evaporates the whole "
                          f"model down to m = {m_bottom:g} g cm^-2; raise m_bottom")
    keep = slice(top, cells)
    height = np.concatenate([[0.0], np.cumsum(dm[keep] / rho[keep])[:-1]]) \
        + 0.5 * dm[keep] / rho[keep]
    q_beam = beam_heating * rho
    return FlareChromosphere(
        column_mass=m[keep], dm=dm[keep],
        column_h=0.5 * (column_edges[1:] + column_edges[:-1])[keep],
        height=height, temperature=temperature[keep], pressure=p[keep], rho=rho[keep],
        n_h=n_h[keep], n_e=n_e[keep], x_h=x[keep], q_beam=q_beam[keep], p0=p0,
        p_top=float(gravity * edges[top]), evaporated_column_mass=float(edges[top] - m0),
        f20=f20, delta=delta, e_cut_kev=e_cut_kev)

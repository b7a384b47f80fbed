"""The quiet (pre-flare) loop: hydrostatic, in energy balance, RTV-like corona on a
VAL-C chromosphere.

Construction (all cgs):

1. **Corona and transition region.**  For a uniform pressure p and a uniform heating
   rate H (erg cm^-3 s^-1) the static energy equation dF/ds = H - n_e n_H Lambda(T),
   F = -kappa0 T^{5/2} dT/ds, integrates once in T (e.g. Rosner, Tucker & Vaiana 1978;
   Vesecky, Antiochos & Underwood 1979):

       F(T)^2 = 2 kappa0 int_{T_b}^{T} T'^{5/2} [n_e n_H Lambda(T') - H] dT',

   with F = 0 at the top of the chromosphere (T_b = 1e4 K) and at the apex (T_max).  The
   second condition fixes H; the distance from the apex is
   s(T) = int_T^{T_max} kappa0 T'^{5/2} / F dT', and p is found so that s(T_b) equals
   the loop half-length L.  Fully ionised hydrogen is assumed here (n_e = n_H =
   p/((2 + Y) k T)); Lambda(T) is the optically thin loss of
   :mod:`loopsim.physics.radiation`.
2. **Chromosphere.**  Below the footpoint of the semicircle (s > L) the leg is vertical;
   T(h) follows the VAL-C model (Vernazza, Avrett & Loeser 1981, ApJS 45, 635, their
   Table 12 temperatures) from the top of the chromosphere (9500 K at 2104 km) down to
   ``initial.bottom_height``.
3. **Mesh.**  Nodes equidistribute the monitor

       w(s) = 1/L + |d log10 T/ds| / dT + |d log10 rho/ds| / delta_rho(N),
       1/delta_rho(N) = a(N)/drho + (1 - a(N))/drho_deep,   a(N) = 1/(1 + (N/N_deep)^2),

   over ``mesh.cells`` cells (N the hydrogen column from the apex; dT, drho, drho_deep,
   N_deep = ``mesh.dlog_T``, ``mesh.dlog_rho``, ``mesh.dlog_rho_deep``,
   ``mesh.deep_column``, by default 0.02, 0.025, 0.2 and 3e21 cm^-2).  The transition
   region and the beam-heated chromosphere (N < ~3e21 cm^-2, where a 20 keV-cutoff,
   delta >= 3 beam deposits all but a few 1e-3 of its power) get most cells; the deep
   photosphere, which the flare does not reach, is resolved 8x more coarsely in density.
   With ``mesh.dlog_N`` set, the term a(N) c(T) |d log10 N/ds| / dlog_N,
   c = 1/(1 + (T/3e4 K)^8), adds cells evenly in log N through the chromosphere where the
   beam deposits its energy per particle (the transition region, across which N hardly
   changes, gets none of them).  Only the ratios of the targets matter for a given number
   of cells.
4. **Discrete hydrostatics.**  With the cell masses fixed, the cell pressures satisfy the
   discrete momentum equation at rest, p_k = p_{k-1} + g(x_k) M_k, exactly; densities follow
   from the equation of state with the ionisation in equilibrium (Saha for LTE; the
   equilibrium of the full rate equation otherwise), and the node positions from the
   densities, iterated to convergence.

The background heating of :mod:`loopsim.sources` then balances conduction and radiation
cell by cell, so the discrete initial state is an exact equilibrium of the solver.
"""

from __future__ import annotations

import numpy as np
from scipy import integrate, optimize

from .config import Config
from .config.schema import ConfigError
from .config.sections import MeshSection
from .constants import K_B
from .physics import hydrogen
from .physics.gravity import field
from .physics.radiation import thin_loss_function
from .state import State

#: VAL-C temperatures (Vernazza, Avrett & Loeser 1981, Table 12): height above
#: tau_500 = 1 (km) and T (K), from below the photosphere to the top of the chromosphere
VALC_HEIGHT_KM = np.array([
    -75, -50, -25, 0, 50, 100, 150, 250, 350, 450, 515, 555, 605, 655, 705, 755, 855, 905,
    980, 1065, 1180, 1280, 1380, 1515, 1605, 1785, 1925, 1990, 2016, 2050, 2070, 2080, 2090,
    2104,
], dtype=float)
VALC_TEMPERATURE = np.array([
    8320, 7610, 6910, 6420, 5840, 5455, 5180, 4780, 4465, 4220, 4170, 4230, 4420, 4730, 5030,
    5280, 5650, 5755, 5925, 6040, 6150, 6220, 6280, 6370, 6440, 6630, 6940, 7160, 7360, 7660,
    7940, 8180, 8440, 9500,
], dtype=float)

#: temperature at the top of the chromosphere, where the conductive flux vanishes (K)
T_BASE = 1.0e4
#: the mesh's column term (mesh.dlog_N) acts below this temperature (K)
MESH_CHROMOSPHERE_T = 3.0e4


def _fully_ionised_density(p: float, temperature: np.ndarray) -> np.ndarray:
    return p / ((2.0 + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)


def coronal_solution(t_max: float, p: float, kappa0: float, samples: int = 4000):
    """Energy-balanced corona + transition region at uniform pressure p (dyn cm^-2).

    Returns (s, T, H): distance from the apex (cm, increasing) at temperatures T
    (decreasing from t_max to T_BASE) and the uniform heating rate H (erg cm^-3 s^-1).
    """
    # temperature grid clustered at both ends (sqrt singularity of 1/F at the apex)
    u = np.linspace(0.0, 1.0, samples)
    temperature = T_BASE + (t_max - T_BASE) * np.sin(0.5 * np.pi * u) ** 2
    n = _fully_ionised_density(p, temperature)
    loss = n * n * np.array([thin_loss_function(t) for t in temperature])
    weight = temperature**2.5
    heating = integrate.trapezoid(weight * loss, temperature) / integrate.trapezoid(
        weight, temperature)
    integrand = weight * (loss - heating)
    f_squared = 2.0 * kappa0 * integrate.cumulative_trapezoid(integrand, temperature,
                                                              initial=0.0)
    flux = np.sqrt(np.clip(f_squared, 0.0, None))
    # ds/dT = -kappa0 T^{5/2}/F; integrate from the apex down in the variable u, where
    # dT/du = (t_max - T_b) pi sin cos is zero at both ends and cancels the singularities
    dtdu = (t_max - T_BASE) * np.pi * np.sin(0.5 * np.pi * u) * np.cos(0.5 * np.pi * u)
    with np.errstate(divide="ignore", invalid="ignore"):
        dsdu = np.where(flux > 0, kappa0 * weight * dtdu / flux, 0.0)
    # near the apex F ~ sqrt(t_max - T) ~ cos, so dsdu stays finite: fill its limit
    dsdu[-1] = dsdu[-2]
    dsdu[0] = dsdu[1]
    s_from_base = integrate.cumulative_trapezoid(dsdu, u, initial=0.0)
    s = s_from_base[-1] - s_from_base
    return s[::-1], temperature[::-1], heating


def apex_pressure(t_max: float, half_length: float, kappa0: float) -> float:
    """Uniform coronal pressure (dyn cm^-2) for which the balanced loop has length L."""

    def mismatch(log_p: float) -> float:
        s, _, _ = coronal_solution(t_max, np.exp(log_p), kappa0)
        return np.log(s[-1] / half_length)

    guess = np.log((t_max / 1400.0) ** 3 / half_length)  # RTV scaling
    return float(np.exp(optimize.brentq(mismatch, guess - 5.0, guess + 5.0, xtol=1e-10)))


def reference_profile(config: Config) -> tuple[np.ndarray, np.ndarray, float]:
    """(s, T) along the whole half-loop on a fine grid, and the apex pressure."""
    init, loop = config.initial, config.loop
    half_length = loop.half_length
    kappa0 = config.conduction.kappa0
    p_apex = apex_pressure(init.apex_temperature, half_length, kappa0)
    s_corona, t_corona, _ = coronal_solution(init.apex_temperature, p_apex, kappa0)
    s_corona *= half_length / s_corona[-1]
    top_km = VALC_HEIGHT_KM[-1]
    bottom_km = init.bottom_height / 1e5
    heights = np.linspace(top_km, bottom_km, 3000)[1:]
    t_chromo = np.interp(heights, VALC_HEIGHT_KM, VALC_TEMPERATURE)
    s_chromo = half_length + (top_km - heights) * 1e5
    # join: the corona ends at T_BASE, the chromosphere starts just below at 9500 K
    return (np.concatenate([s_corona, s_chromo]), np.concatenate([t_corona, t_chromo]),
            p_apex)


def _equilibrium_ionisation(temperature: float, n_h: float, config: Config) -> float:
    if config.eos.ionisation == "lte":
        return hydrogen.saha_fraction(temperature, n_h)
    c, photo, alpha_rr, alpha_3b = hydrogen.rate_coefficients(
        temperature, hydrogen.diluted_balmer_rate(config.eos.balmer_radiation_temperature))
    radiative = 1.0 if config.eos.radiative_processes else 0.0
    return hydrogen.equilibrium_fraction(n_h, c, radiative * photo, radiative * alpha_rr,
                                         alpha_3b)


def density_from_pressure(p: float, temperature: float, config: Config) -> tuple[float, float]:
    """(rho, x) with p = n_H (1 + x + Y) k T and x in ionisation equilibrium."""
    x = 1.0
    for _ in range(200):
        n_h = p / ((1.0 + x + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
        x_new = _equilibrium_ionisation(temperature, n_h, config)
        if abs(x_new - x) < 1e-14:
            break
        x = 0.5 * (x + x_new)
    n_h = p / ((1.0 + x + hydrogen.HELIUM_ABUNDANCE) * K_B * temperature)
    return n_h * hydrogen.MASS_PER_H, x


def _hydrostatic_fine(s: np.ndarray, temperature: np.ndarray, p_apex: float,
                      config: Config) -> tuple[np.ndarray, np.ndarray]:
    """Pressure and density on the fine grid by integrating dp/ds = rho g(s)."""
    loop = config.loop
    p = np.empty_like(s)
    rho = np.empty_like(s)
    p[0] = p_apex
    rho[0], _ = density_from_pressure(p[0], temperature[0], config)
    for j in range(1, s.size):
        g = field(0.5 * (s[j] + s[j - 1]), loop.half_length, loop.surface_gravity)
        p_trial = p[j - 1] * np.exp(g * rho[j - 1] * (s[j] - s[j - 1]) / p[j - 1])
        rho_trial, _ = density_from_pressure(p_trial, temperature[j], config)
        p[j] = p[j - 1] + 0.5 * (rho[j - 1] + rho_trial) * g * (s[j] - s[j - 1])
        rho[j], _ = density_from_pressure(p[j], temperature[j], config)
    return p, rho


def _equidistributed_nodes(s: np.ndarray, temperature: np.ndarray, rho: np.ndarray,
                           mesh: MeshSection, half_length: float) -> np.ndarray:
    """Node positions (cm) equidistributing the monitor of the module docstring (3.)."""
    dlogt = np.abs(np.gradient(np.log10(temperature), s))
    dlogrho = np.abs(np.gradient(np.log10(rho), s))
    column = integrate.cumulative_trapezoid(rho / hydrogen.MASS_PER_H, s, initial=0.0)
    shallow = 1.0 / (1.0 + (column / mesh.deep_column) ** 2)
    inverse_target = shallow / mesh.dlog_rho + (1.0 - shallow) / mesh.dlog_rho_deep
    monitor = 1.0 / half_length + dlogt / mesh.dlog_T + dlogrho * inverse_target
    if mesh.dlog_N is not None:
        chromosphere = shallow / (1.0 + (temperature / MESH_CHROMOSPHERE_T) ** 8)
        dlogn = np.gradient(np.log10(np.maximum(column, column[1])), s)
        monitor += chromosphere * np.abs(dlogn) / mesh.dlog_N
    weight = integrate.cumulative_trapezoid(monitor, s, initial=0.0)
    return np.interp(np.linspace(0.0, weight[-1], mesh.cells + 1), weight, s)


def quiet_loop(config: Config) -> State:
    """The pre-flare loop of a ``initial.kind = "loop"`` config (see module docstring)."""
    loop = config.loop
    if loop.half_length is None or config.eos.kind != "hydrogen":
        raise ConfigError(
            "initial.kind = 'loop' needs loop.half_length and eos.kind = 'hydrogen' "
            f"(got loop.half_length = {loop.half_length!r}, eos.kind = {config.eos.kind!r})"
        )
    s_fine, t_fine, p_apex = reference_profile(config)
    _, rho_fine = _hydrostatic_fine(s_fine, t_fine, p_apex, config)
    nodes = _equidistributed_nodes(s_fine, t_fine, rho_fine, config.mesh,
                                   loop.half_length)
    mass_fine = integrate.cumulative_trapezoid(rho_fine, s_fine, initial=0.0)
    mass_nodes = np.interp(nodes, s_fine, mass_fine)
    dm = np.diff(mass_nodes)
    centre_mass = 0.5 * (mass_nodes[1:] + mass_nodes[:-1])
    temperature = np.interp(centre_mass, mass_fine, t_fine)
    # discrete hydrostatic equilibrium with the cell masses fixed
    node_mass = np.concatenate([[0.5 * dm[0]], 0.5 * (dm[1:] + dm[:-1]), [0.5 * dm[-1]]])
    x = nodes.copy()
    for _ in range(50):
        p = np.empty(dm.size)
        rho = np.empty(dm.size)
        xi = np.empty(dm.size)
        p[0] = p_apex
        for i in range(dm.size):
            if i > 0:
                p[i] = p[i - 1] + field(x[i], loop.half_length, loop.surface_gravity) \
                    * node_mass[i]
            rho[i], xi[i] = density_from_pressure(p[i], temperature[i], config)
        x_new = np.concatenate([[0.0], np.cumsum(dm / rho)])
        change = np.max(np.abs(x_new - x)) / x_new[-1]
        x = x_new
        if change < 1e-13:
            break
    return State(t=config.time.start, x=x, u=np.zeros(dm.size + 1), dm=dm, theta=temperature,
                 xi=xi)

"""Static flare chromospheres in energy balance (CGR84-style grid; loopsim.flare_chromosphere).

Checks: hydrostatic equilibrium p = g m exactly; no beam -> the quiet VAL-C temperatures;
with a beam, every heated layer is in energy balance (beam + quiet heating = radiative
loss, recomputed here from the returned state), the beam power deposited in the model
equals the injected flux, and the CGR84 trends: stronger beams heat and ionise the
chromosphere more (n_e up to ~1e13 cm^-3 at F20 = 1e11, the Stark-wing regime) and
evaporate its top; higher coronal pressure puts the chromosphere deeper; with the
conductive layer's downward EUV (irradiation) the chromosphere absorbs f_abs F5/2 in its top
and balances beam + irradiation + quiet heating against its loss.
"""

from __future__ import annotations

import numpy as np
import pytest

from loopsim.config import ConfigError, load_config
from loopsim.flare_chromosphere import (
    T_MAX_CHROMOSPHERE,
    quiet_temperature_of_column_mass,
    static_flare_chromosphere,
)
from loopsim.physics import beam as beam_physics
from loopsim.physics.radiation import neutral_hydrogen_column, total_loss

CELLS = 50


@pytest.fixture(scope="module")
def config():
    return load_config("fcm85_f11")


@pytest.fixture(scope="module")
def models(config):
    return {f20: static_flare_chromosphere(config, 10.0, f20, cells=CELLS)
            for f20 in (0.0, 1e9, 1e11)}


def test_hydrostatic_and_quiet_limit(config, models):
    quiet = models[0.0]
    g = config.loop.surface_gravity
    assert np.allclose(quiet.pressure, g * quiet.column_mass, rtol=1e-14)
    m_q, t_q = quiet_temperature_of_column_mass(config, 0.2)
    expected = np.interp(np.log(quiet.column_mass), np.log(m_q), t_q)
    assert np.allclose(quiet.temperature, expected, rtol=1e-12)
    assert quiet.p_top == pytest.approx(10.0) and quiet.evaporated_column_mass == 0.0
    assert np.all(np.diff(quiet.height) > 0) and np.all(quiet.q_beam == 0.0)
    # ideal gas with ionisation: p = n_H (1 + x + Y) k T
    for model in models.values():
        n_particles = model.pressure / (1.380649e-16 * model.temperature)
        assert np.allclose(n_particles, model.n_h * (1.1 + model.x_h), rtol=1e-10)


def _loss_per_mass(model, config, first: int = 0) -> np.ndarray:
    """Loss per unit mass of the cells from ``first`` on (the chromosphere below a conductive
    layer of ``first`` cells), their columns counted from the chromosphere's top."""
    keep = slice(first, None)
    top = model.p_top / config.loop.surface_gravity
    above = model.column_mass[keep] - top
    temperature, n_h, n_e, x_h, rho = (getattr(model, key)[keep]
                                       for key in ("temperature", "n_h", "n_e", "x_h", "rho"))
    column_hi = np.empty(above.size)
    neutral_hydrogen_column(temperature, n_h, rho, above, x_h, column_hi)
    return np.array([total_loss(temperature[i], n_e[i], n_h[i], above[i], column_hi[i],
                                x_h[i]) for i in range(above.size)]) / rho


def test_heated_layers_are_in_energy_balance(config, models):
    """Loss/rho - q_beam/rho of the flare model = loss/rho of the quiet model (the quiet
    heating) in every heated layer, recomputed from the returned states."""
    quiet, flare = models[0.0], models[1e9]
    assert flare.evaporated_column_mass == 0.0  # same cells as the quiet model
    heated = np.flatnonzero(flare.temperature > 1.001 * quiet.temperature)
    assert heated.size > 10
    net = _loss_per_mass(flare, config) - flare.q_beam / flare.rho
    quiet_heating = _loss_per_mass(quiet, config)
    residual = np.abs(net[heated] / quiet_heating[heated] - 1.0)
    assert residual.max() < 1e-6
    assert np.all(flare.temperature < T_MAX_CHROMOSPHERE)


def test_beam_power_is_all_deposited(models):
    """Without evaporation the model absorbs the whole injected beam power (to 1e-3: the
    rest escapes below m_bottom = 5 g cm^-2); with it, the evaporated top took a share."""
    for f20, model in ((1e9, models[1e9]), (1e11, models[1e11])):
        injected = beam_physics.flux_from_f20(f20, 4.0, 20.0)
        deposited = float(np.sum(model.q_beam / model.rho * model.dm))
        if model.evaporated_column_mass == 0.0:
            assert deposited == pytest.approx(injected, rel=1e-3)
        else:
            assert 0.0 < deposited < injected


def test_cgr84_trends(config, models):
    weak, strong = models[1e9], models[1e11]
    assert np.max(strong.n_e) > 2 * np.max(weak.n_e)  # 6.3e12 vs 2.4e12 cm^-3 measured
    assert np.max(strong.n_e) > 5e12  # Stark-wing densities (CGR84)
    assert strong.evaporated_column_mass > weak.evaporated_column_mass
    deep = static_flare_chromosphere(config, 1e3, 1e9, cells=CELLS)
    assert deep.column_mass[0] == pytest.approx(1e3 / config.loop.surface_gravity, rel=0.1)
    assert deep.column_mass[0] > 50 * weak.column_mass[0]


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"p0": -1.0, "f20": 1e10}, "p0 = -1.0"),
    ({"p0": 10.0, "f20": -5.0}, "f20 = -5.0"),
    ({"p0": 10.0, "f20": 1e10, "cells": 3}, "cells = 3"),
])
def test_bad_input_is_rejected(config, kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        static_flare_chromosphere(config, **kwargs)


@pytest.mark.parametrize("p0", [1.0, 100.0, 1e4])
def test_rtv_coronal_column(config, p0):
    """The column above the chromosphere of an energy-balanced RTV loop: a little more
    than that of an isothermal corona at the apex temperature T = 1400 (p0 L)^(1/3)
    (the cooler transition region adds the rest), and N ∝ p0^(2/3) (n ∝ p0/T)."""
    from loopsim.flare_chromosphere import rtv_coronal_column

    half_length = config.loop.half_length
    t_max = 1400.0 * (p0 * half_length) ** (1.0 / 3.0)
    isothermal = p0 * half_length / (2.1 * 1.380649e-16 * t_max)
    column = rtv_coronal_column(p0, half_length, config.conduction.kappa0)
    assert 1.0 < column / isothermal < 1.6


# ---- the conductive flux F5 (CGR84's third parameter) ----------------------------------
F5 = 5.0e5


def _thin_loss_per_mass(temperature, p, config):
    from loopsim.flare_chromosphere import _density

    rho, n_h, n_e, x = _density(p, temperature, 0.0, config)
    return total_loss(temperature, n_e, n_h, 0.0, 0.0, x) / rho


@pytest.mark.parametrize("p", [10.0, 100.0, 1e4])
def test_conductive_layer_radiates_f5(config, p):
    """Conduction/radiation balance below 1e5 K: the layer's losses, recomputed at the
    cell temperatures, integrate to F5 (midpoint rule, 2 %); the cells radiate the flux
    differences of their edges, F5 in all; the edges, even in the mean of the flux and
    log-T fractions, take no step in F larger than 2 F5/cells; T falls monotonically from
    1e5 K; the column is negligible against p/g."""
    from loopsim.flare_chromosphere import CONDUCTIVE_CELLS, conductive_layer

    layer = conductive_layer(F5, p, 5000.0, config)
    assert layer.residual == 0.0
    radiated = sum(_thin_loss_per_mass(t, p, config) * dm
                   for t, dm in zip(layer.temperature, layer.dm, strict=True))
    assert radiated == pytest.approx(F5, rel=0.02)
    assert np.allclose(layer.loss_per_mass * layer.dm, -np.diff(layer.flux_edges), rtol=1e-12)
    assert layer.flux_edges[0] == F5 and layer.flux_edges[-1] == 0.0
    assert np.max(-np.diff(layer.flux_edges)) <= 2.0 * F5 / CONDUCTIVE_CELLS * (1 + 1e-9)
    assert np.all(np.diff(layer.temperature) < 0) and layer.temperature[0] < 1e5
    assert layer.dm.sum() < 1e-3 * p / config.loop.surface_gravity


def test_energy_balance_with_conductive_flux(config, models):
    """With F5 the model gains a conductive layer on top whose heating, sum q_cond/rho dm,
    is F5 to round-off and balances its loss cell by cell (to the midpoint rule, 10 %);
    the chromosphere below keeps the F5 = 0 structure (its balance: beam + quiet = loss)."""
    model = static_flare_chromosphere(config, 10.0, 1e9, f5=F5, cells=CELLS)
    n = model.conductive_cells
    assert n > 0 and np.all(model.q_cond[n:] == 0.0)
    heating = model.q_cond[:n] / model.rho[:n]
    assert float(np.sum(heating * model.dm[:n])) == pytest.approx(F5, rel=1e-12)
    loss = np.array([_thin_loss_per_mass(t, model.p_top, config)
                     for t in model.temperature[:n]])
    assert np.allclose(heating, loss, rtol=0.1)
    assert np.allclose(model.temperature[n:], models[1e9].temperature, rtol=1e-9)
    assert np.all(np.diff(model.column_mass) > 0) and np.all(np.diff(model.height) > 0)


def test_flux_the_transition_region_cannot_radiate_evaporates_the_top(config):
    """At P0 = 1 a conductive layer can radiate ~1e6 erg cm^-2 s^-1 (its capacity grows as
    p^2): F5 = 5e7 heats the top cells past 1e5 K until the pressure suffices."""
    model = static_flare_chromosphere(config, 1.0, 0.0, f5=5e7, cells=CELLS)
    assert model.p_top > 5.0 and model.evaporated_column_mass > 0.0
    n = model.conductive_cells
    assert float(np.sum(model.q_cond[:n] / model.rho[:n] * model.dm[:n])) == \
        pytest.approx(5e7, rel=1e-12)
    # the top pressure is the one at which a static loop conducts F5 (4.8e5 p: the layer's
    # capacity and the RTV flux at 1e5 K are the same integral), whatever P0 was
    assert model.p_top == pytest.approx(5e7 / 4.77e5, rel=0.05)


def test_evaporated_top_is_regridded(config):
    """After evaporation the chromosphere is solved again on a grid starting at the new
    top, so its first cell is the resolved top_column (not a coarse cell of the old grid)
    and the top pressure does not depend on the resolution."""
    from loopsim.flare_chromosphere import TOP_COLUMN

    coarse, fine = (static_flare_chromosphere(config, 1.0, 1e8, f5=5e7, cells=cells)
                    for cells in (CELLS, 2 * CELLS))
    for model in (coarse, fine):
        assert model.dm[model.conductive_cells] == pytest.approx(TOP_COLUMN, rel=1e-6)
    assert fine.p_top == pytest.approx(coarse.p_top, rel=1e-3)
    assert fine.conductive_cells > coarse.conductive_cells  # refined with the model (cells // 4)


@pytest.mark.parametrize("p0", [1.0, 100.0, 1e4])
def test_rtv_conductive_flux(config, p0):
    """F5 of the static loop: kappa0 T^(5/2) dT/ds at 1e5 K of the balanced corona whose
    length is L; equal to the integral form F^2 = 2 kappa0 int_{1e4}^{1e5} T^(5/2)
    (n^2 Lambda - H) dT (1 %), and proportional to p0 (the heating H is negligible below
    1e5 K): 4.77e5 p0 for L = 1e9 cm."""
    from scipy import integrate

    from loopsim.atmosphere import coronal_solution
    from loopsim.flare_chromosphere import rtv_conductive_flux, rtv_corona
    from loopsim.physics.radiation import thin_loss_function

    half_length, kappa0 = config.loop.half_length, config.conduction.kappa0
    s, t = rtv_corona(p0, half_length, kappa0)
    assert s[-1] == pytest.approx(half_length, rel=1e-8)
    heating = coronal_solution(t[0], p0, kappa0)[2]
    grid = np.linspace(1e4, 1e5, 2001)
    n = p0 / (2.1 * 1.380649e-16 * grid)
    loss = n * n * np.array([thin_loss_function(v) for v in grid]) - heating
    expected = np.sqrt(2.0 * kappa0 * integrate.trapezoid(grid**2.5 * loss, grid))
    flux = rtv_conductive_flux(p0, half_length, kappa0)
    assert flux == pytest.approx(expected, rel=0.01)
    assert flux / p0 == pytest.approx(4.77e5, rel=0.01)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"p0": 0.0, "f20": 1e10}, r"p0 = 0.0 is outside the allowed range \[0.01, 100000\]"),
    ({"p0": 10.0, "f20": 1e10, "f5": -1.0}, r"f5 = -1.0 .*\[0, 1e\+11\]"),
])
def test_bad_conductive_input_is_rejected(config, kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        static_flare_chromosphere(config, **kwargs)


# ---- irradiation of the chromosphere by the conductive layer's downward EUV ------------
def test_energy_balance_with_irradiation(config, models):
    """With irradiation the chromosphere absorbs F_down = f_abs F5/2 (to the flux 2 F E3(tau)
    left at the bottom, nil here) in its top, recomputed from the returned ionisation
    (1e-6); every heated layer balances beam + irradiation + quiet heating against its loss
    (1e-6); f_abs = 0 keeps the structure without irradiation."""
    from loopsim.physics import hydrogen
    from loopsim.physics.irradiation import IRRADIATION_F_ABS, irradiation_absorption

    model = static_flare_chromosphere(config, 10.0, 1e9, f5=F5, cells=CELLS,
                                      irradiation=IRRADIATION_F_ABS)
    n = model.conductive_cells
    flux_down = 0.5 * IRRADIATION_F_ABS * F5
    assert model.f_abs == IRRADIATION_F_ABS and np.all(model.q_irr[:n] == 0.0)
    absorbed = float(np.sum(model.q_irr / model.rho * model.dm))
    assert absorbed == pytest.approx(flux_down, rel=1e-6)
    neutral = (1.0 - model.x_h[n:]) * model.dm[n:] / hydrogen.MASS_PER_H
    edges = np.concatenate([[0.0], np.cumsum(neutral)])
    expected = irradiation_absorption(flux_down, edges, edges[:-1] + 0.5 * neutral)[0]
    assert np.allclose(model.q_irr[n:] / model.rho[n:] * model.dm[n:], expected,
                       rtol=1e-6, atol=1e-6 * flux_down)
    # the heat goes into the top: half of it above 1e-5 g cm^-2 below the top
    below_top = model.column_mass[n:] - model.column_mass[n] + 0.5 * model.dm[n]
    top_share = np.sum((model.q_irr[n:] / model.rho[n:] * model.dm[n:])[below_top < 1e-5])
    assert top_share > 0.5 * flux_down
    quiet = models[0.0]
    heated = np.flatnonzero(model.temperature[n:] > 1.001 * quiet.temperature) + n
    assert heated.size > 10
    net = _loss_per_mass(model, config, n) - ((model.q_beam + model.q_irr) / model.rho)[n:]
    residual = np.abs(net[heated - n] / _loss_per_mass(quiet, config)[heated - n] - 1.0)
    assert residual.max() < 1e-6
    off = static_flare_chromosphere(config, 10.0, 1e9, f5=F5, cells=CELLS, irradiation=0.0)
    assert np.all(off.q_irr == 0.0)
    assert np.allclose(off.temperature[off.conductive_cells:], models[1e9].temperature,
                       rtol=1e-9)


def test_irradiation_is_rejected_outside_0_1(config):
    with pytest.raises(ConfigError, match=r"irradiation = 1.5 .*\[0, 1\]"):
        static_flare_chromosphere(config, 10.0, 1e9, f5=F5, cells=CELLS, irradiation=1.5)

"""Static flare chromospheres in energy balance (CGR84-style grid; loopsim.flare_chromosphere).

Checks: hydrostatic equilibrium p = g m exactly; no beam -> the quiet VAL-C temperatures;
with a beam, every heated layer is in energy balance (beam + quiet heating = radiative
loss, recomputed here from the returned state), the beam power deposited in the model
equals the injected flux, and the CGR84 trends: stronger beams heat and ionise the
chromosphere more (n_e up to ~1e13 cm^-3 at F20 = 1e11, the Stark-wing regime) and
evaporate its top; higher coronal pressure puts the chromosphere deeper.
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


def _loss_per_mass(model, config) -> np.ndarray:
    above = model.column_mass - model.p0 / config.loop.surface_gravity
    column_hi = np.empty(model.column_mass.size)
    neutral_hydrogen_column(model.temperature, model.n_h, model.rho, above, model.x_h,
                            column_hi)
    return np.array([total_loss(model.temperature[i], model.n_e[i], model.n_h[i], above[i],
                                column_hi[i], model.x_h[i]) for i in range(above.size)]
                    ) / model.rho


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

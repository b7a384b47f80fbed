"""Fisher's (1989) condensation model against its exact and asymptotic solutions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from loopsim.constants import G_SUN
from postprocess.analysis.fisher89 import (
    IsothermalChromosphere,
    TabulatedChromosphere,
    decay_time,
    fisher_condensation,
    isothermal_exact,
    late_time_velocity,
    lifetime,
    ram_pressure_velocity,
    uniform_exact,
)

KMS = 1.0e5


@dataclass(frozen=True)
class UniformMedium:
    """Gas at rest with constant pressure and density (no stratification)."""

    p: float
    rho: float
    gravity: float = 0.0

    def pressure(self, m):
        return np.full_like(np.asarray(m, dtype=float), self.p)

    def density(self, m):
        return np.full_like(np.asarray(m, dtype=float), self.rho)


def test_uniform_medium_exact_solution():
    """No gravity, uniform ambient: M v = Pi0 + dP t and M^2 = M0^2 + 2 rho (Pi0 t + dP t^2/2)
    (integrated by hand from (F1)-(F3))."""
    medium = UniformMedium(p=10.0, rho=1.0e-11)
    p_d, m0, mass0, v0 = 210.0, 1.0e-4, 2.0e-5, 80.0 * KMS
    t = np.linspace(0.0, 30.0, 61)
    sol = fisher_condensation(t, p_d, medium, m0, v0, M0=mass0)
    dp, pi0 = p_d - medium.p, mass0 * v0
    mass = np.sqrt(mass0**2 + 2.0 * medium.rho * (pi0 * t + 0.5 * dp * t**2))
    assert np.allclose(sol.momentum, pi0 + dp * t, rtol=1e-8)
    assert np.allclose(sol.column_mass, mass, rtol=1e-8)
    assert np.allclose(sol.v, (pi0 + dp * t) / mass, rtol=1e-8)
    assert np.allclose(sol.m_front - m0, mass - mass0, rtol=1e-8)
    m_exact, v_exact = uniform_exact(t, dp, medium.rho, mass0, v0)
    assert np.allclose(sol.v, v_exact, rtol=1e-8) and np.allclose(m_exact, mass)
    assert np.isnan(sol.t_stop)


def test_starts_from_nothing_at_the_ram_pressure_speed():
    """(F5): from M0 = 0 the slab moves at (dP / rho)^1/2 for ever in a uniform medium."""
    medium = UniformMedium(p=5.0, rho=4.0e-12)
    dp = 95.0
    t = np.linspace(0.0, 20.0, 41)
    sol = fisher_condensation(t, medium.p + dp, medium, 1.0e-4)
    v_ram = np.sqrt(dp / medium.rho)
    assert ram_pressure_velocity(dp, medium.rho) == pytest.approx(v_ram)
    assert np.allclose(sol.v, v_ram, rtol=1e-6)
    assert np.allclose(sol.column_mass, np.sqrt(medium.rho * dp) * t, rtol=1e-6,
                       atol=1e-15)
    assert np.allclose(sol.s_front, v_ram * t, rtol=1e-6, atol=1e-3)


def test_finite_compression_ratio():
    """With a shock of compression X the front runs at v X / (X - 1): the exact uniform
    solution holds with rho -> rho X / (X - 1)."""
    medium = UniformMedium(p=10.0, rho=1.0e-11)
    x_ratio, dp = 4.0, 90.0
    t = np.linspace(0.0, 10.0, 21)
    sol = fisher_condensation(t, medium.p + dp, medium, 1.0e-4, 50.0 * KMS, M0=1.0e-5,
                              compression=x_ratio)
    rho_eff = medium.rho * x_ratio / (x_ratio - 1.0)
    mass, v = uniform_exact(t, dp, rho_eff, 1.0e-5, 50.0 * KMS)
    assert np.allclose(sol.column_mass, mass, rtol=1e-8)
    assert np.allclose(sol.v, v, rtol=1e-8)
    # the front sweeps the uniform medium: m_f - m0 = rho s_f
    assert np.allclose(sol.m_front - 1.0e-4, medium.rho * sol.s_front, rtol=1e-8)


def test_stops_when_the_driver_fails():
    """Overpressure below the ambient one: M v = Pi0 - |dP| t reaches zero at Pi0/|dP|."""
    medium = UniformMedium(p=50.0, rho=1.0e-11)
    mass0, v0, dp = 3.0e-5, 40.0 * KMS, -20.0
    t = np.linspace(0.0, 120.0, 241)
    sol = fisher_condensation(t, medium.p + dp, medium, 1.0e-4, v0, M0=mass0)
    assert sol.t_stop == pytest.approx(mass0 * v0 / -dp, rel=1e-6)
    after = t > sol.t_stop
    assert np.all(sol.v[after] == 0.0)
    assert np.all(np.diff(sol.m_front[after]) == 0.0)


def isothermal(temperature=8.0e3, p_ref=10.0, gravity=G_SUN):
    return IsothermalChromosphere.from_temperature(temperature, p_ref, gravity=gravity)


def test_isothermal_exact_solution_and_momentum_identity():
    """Stratified, with gravity: the ODE solution equals the exact implicit solution
    (q - q0) - a ln(q/q0) = (Pi0 t + F t^2/2)/H, and the momentum grows exactly linearly
    because the weight of the swept-up gas balances the rising pressure ahead."""
    chrom = isothermal()
    m0, mass0, v0, p_d = 2.0e-4, 1.0e-5, 60.0 * KMS, 300.0
    t = np.linspace(0.0, 60.0, 121)
    sol = fisher_condensation(t, p_d, chrom, m0, v0, M0=mass0)
    force = p_d - float(chrom.pressure(m0)) + chrom.gravity * mass0
    assert np.allclose(sol.momentum, mass0 * v0 + force * t, rtol=1e-7)
    m_front, v = isothermal_exact(t, p_d, chrom, m0, v0, mass0)
    assert np.allclose(sol.m_front, m_front, rtol=1e-7)
    assert np.allclose(sol.v, v, rtol=1e-6)
    assert sol.v[-1] < 0.2 * v0  # it decelerates although the driver keeps pushing


@pytest.mark.parametrize("p_d", [100.0, 1.0e3, 1.0e4])
def test_late_velocity_independent_of_strength(p_d):
    """v -> 2 H / t under any constant driver in an isothermal chromosphere."""
    chrom = isothermal()
    t = np.linspace(0.0, 600.0, 601)
    sol = fisher_condensation(t, p_d, chrom, 2.0e-4)
    late = t >= 300.0
    ratio = sol.v[late] / late_time_velocity(t[late], chrom.scale_height)
    assert np.all(np.abs(ratio - 1.0) < 0.05)


def test_one_minute_lifetime_for_solar_chromospheres():
    """Fisher's result quoted in the seed paper (Sect. VI): the downflow disappears in about
    one minute, nearly independent of the strength of the condensation. Lifetime here:
    time until the downflow has dropped below 5 km/s for good, for a condensation started
    (from nothing) at the top of the chromosphere by overpressures spanning a factor 100
    (initial speeds ~25-300 km/s) in upper chromospheres of 6000-10^4 K."""
    lifetimes = {}
    for temperature in (6.0e3, 8.0e3, 1.0e4):
        chrom = isothermal(temperature=temperature, p_ref=3.0)
        t = np.linspace(0.0, 600.0, 6001)
        for p_d in (50.0, 500.0, 5000.0):
            sol = fisher_condensation(t, p_d, chrom, 1.0e-5)
            assert sol.v[0] > 20.0 * KMS  # a real condensation to start with
            lifetimes[temperature, p_d] = lifetime(sol, 5.0 * KMS)
        same_t = [lifetimes[temperature, p] for p in (50.0, 500.0, 5000.0)]
        assert max(same_t) / min(same_t) < 1.2  # nearly independent of the strength
    values = np.array(list(lifetimes.values()))
    assert np.all((values > 30.0) & (values < 120.0)), lifetimes  # 1 min within a factor 2
    # the 1/e decay time, by contrast, shrinks with the initial speed
    chrom = isothermal(p_ref=3.0)
    t = np.linspace(0.0, 300.0, 3001)
    weak, strong = (fisher_condensation(t, p, chrom, 1.0e-5) for p in (50.0, 5000.0))
    assert decay_time(weak) > 5.0 * decay_time(strong)


def test_impulsive_push_decays_as_h_over_t():
    """After a short push (driver back to the ambient pressure) the momentum is conserved
    and v -> H / t, again independent of the push."""
    chrom = isothermal(p_ref=3.0)
    m0 = 1.0e-5
    p0 = float(chrom.pressure(m0))
    t = np.linspace(0.0, 900.0, 901)
    for p_d in (500.0, 5000.0):
        sol = fisher_condensation(t, (np.array([0.0, 5.0, 5.001]), np.array([p_d, p_d, p0])),
                                  chrom, m0)
        late = t >= 600.0
        assert np.allclose(sol.momentum[late], sol.momentum[late][0], rtol=1e-6)
        ratio = sol.v[late] / late_time_velocity(t[late], chrom.scale_height, driven=False)
        assert np.all(np.abs(ratio - 1.0) < 0.1), ratio


def test_tabulated_chromosphere_matches_isothermal():
    chrom = isothermal()
    m = np.geomspace(1.0e-6, 1.0, 400)
    snap = {"m": m, "p": chrom.pressure(m), "rho": chrom.density(m),
            "T": np.full(m.size, 8.0e3)}
    table = TabulatedChromosphere.from_snapshot(snap)
    assert table.gravity == pytest.approx(G_SUN, rel=1e-9)  # hydrostatic dp/dm
    probe = np.geomspace(2.0e-6, 3.0, 50)  # includes the hydrostatic extrapolation
    assert np.allclose(table.pressure(probe), chrom.pressure(probe), rtol=2e-4)
    assert np.allclose(table.density(probe), chrom.density(probe), rtol=2e-4)
    assert table.scale_height_at(1e-3) == pytest.approx(chrom.scale_height, rel=2e-4)
    t = np.linspace(0.0, 60.0, 61)
    a = fisher_condensation(t, 300.0, chrom, 2.0e-4, 60.0 * KMS, M0=1.0e-5)
    b = fisher_condensation(t, 300.0, table, 2.0e-4, 60.0 * KMS, M0=1.0e-5)
    assert np.allclose(a.v, b.v, rtol=1e-3)


def test_bad_input():
    chrom = isothermal()
    with pytest.raises(ValueError):
        fisher_condensation([0.0], 100.0, chrom, 1e-4)
    with pytest.raises(ValueError):
        fisher_condensation([0.0, 1.0], 1.0, chrom, 1e-4)  # no overpressure, no mass
    with pytest.raises(ValueError):
        fisher_condensation([0.0, 1.0], 100.0, chrom, 1e-4, M0=1e-5)  # v0 missing

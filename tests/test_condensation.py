"""The condensation finder on hand-made snapshots with known slabs, and on a short flare run."""

from __future__ import annotations

import numpy as np
import pytest

from loopsim.config import load_config
from loopsim.constants import K_B
from loopsim.driver import run as run_simulation
from loopsim.physics.hydrogen import MASS_PER_H
from postprocess.analysis.condensation import (
    KMS,
    CondensationHistory,
    condensation_history,
    find_condensation,
    summary,
)

N_CELLS = 120
DX = 2.0e6  # cm
TOP, BOTTOM = 40, 47  # the slab's first and last cell


def make_snapshot(*, slab_v=60.0, slab_n=5.0e13, slab_t=2.0e4, hot_v=-300.0,
                  interface_v=20.0, smeared_shock=False, time=1.0, slab=(TOP, BOTTOM)):
    """A loop snapshot (cgs arrays as in a run file) with a condensation in cells
    slab[0]..slab[1]: hot evaporating plasma above (the cells next to the slab also move
    down, as in a real condensation), a stratified chromosphere at rest below."""
    top, bottom = slab
    i = np.arange(N_CELLS)
    temp = np.where(i < top, 5.0e6, 8.0e3)
    n_h = np.where(i < top, 1.0e10, 1.0e12 * np.exp((i - bottom - 1) / 10.0))
    v = np.where(i < top, hot_v, 0.0) * KMS
    v[top - 3:top] = interface_v * KMS  # hot plasma just above the slab moves down too
    temp[top:bottom + 1] = slab_t
    n_h[top:bottom + 1] = slab_n
    v[top:bottom + 1] = slab_v * KMS
    if smeared_shock:  # one shock-transition cell: partly compressed, v below v_peak / 2
        temp[bottom + 1] = 1.5e4
        n_h[bottom + 1] = 0.4 * slab_n
        v[bottom + 1] = 0.3 * slab_v * KMS
    x_edges = 1.0e9 + DX * np.arange(N_CELLS + 1)
    rho = n_h * MASS_PER_H
    dm = rho * DX
    m = np.cumsum(dm) - 0.5 * dm
    x_h = np.where(temp > 2.0e4, 1.0, 0.5)
    return {
        "time": time, "x": 0.5 * (x_edges[1:] + x_edges[:-1]), "x_edges": x_edges,
        "m": m, "dm": dm, "rho": rho, "n_H": n_h, "N_H": m / MASS_PER_H, "T": temp, "v": v,
        "n_e": x_h * n_h, "x_H": x_h, "p": n_h * (1.0 + x_h + 0.1) * K_B * temp,
    }


def test_finds_sharp_slab_exactly():
    snap = make_snapshot()
    c = find_condensation(snap)
    assert c is not None
    assert (c.top, c.bottom, c.n_cells) == (TOP, BOTTOM, BOTTOM - TOP + 1)
    edges = snap["x_edges"]
    assert c.s_upper == edges[TOP] and c.s_lower == edges[BOTTOM + 1]
    assert c.thickness == pytest.approx((BOTTOM + 1 - TOP) * DX)
    dm = snap["dm"]
    assert c.m_upper == pytest.approx(dm[:TOP].sum(), rel=1e-12)
    assert c.m_lower == pytest.approx(dm[:BOTTOM + 1].sum(), rel=1e-12)
    assert c.N_upper == pytest.approx(dm[:TOP].sum() / MASS_PER_H, rel=1e-12)
    assert c.N_lower == pytest.approx(dm[:BOTTOM + 1].sum() / MASS_PER_H, rel=1e-12)
    assert c.column_mass == pytest.approx(dm[TOP:BOTTOM + 1].sum(), rel=1e-12)
    assert c.v_mean_kms == pytest.approx(60.0) and c.v_max_kms == pytest.approx(60.0)
    assert c.n_H_mean == pytest.approx(5.0e13) and c.n_H_max == pytest.approx(5.0e13)
    assert c.rho_mean == pytest.approx(5.0e13 * MASS_PER_H)
    assert c.T_mean == pytest.approx(2.0e4)
    assert c.n_e_mean == pytest.approx(0.5 * 5.0e13)
    assert c.p_above == pytest.approx(snap["p"][TOP - 1])
    assert c.T_above == pytest.approx(5.0e6)
    assert c.n_H_ahead == pytest.approx(snap["n_H"][BOTTOM + 1])
    assert c.p_ahead == pytest.approx(snap["p"][BOTTOM + 1])


def test_smeared_shock_within_one_cell():
    """A shock transition cell moving at less than half the slab speed is outside; the
    pre-shock cell is the first one at rest."""
    snap = make_snapshot(smeared_shock=True)
    c = find_condensation(snap)
    assert c is not None
    assert c.top == TOP and c.bottom == BOTTOM
    assert c.n_H_ahead == pytest.approx(snap["n_H"][BOTTOM + 2])


def test_mass_weighted_velocity_and_temperature():
    snap = make_snapshot()
    profile = np.linspace(80.0, 50.0, BOTTOM - TOP + 1)  # decelerating toward the shock
    snap["v"][TOP:BOTTOM + 1] = profile * KMS
    snap["n_H"][TOP:BOTTOM + 1] = np.linspace(2e13, 8e13, profile.size)
    snap["rho"] = snap["n_H"] * MASS_PER_H
    snap["dm"] = snap["rho"] * DX
    snap["T"][TOP:BOTTOM + 1] = np.linspace(4e4, 1e4, profile.size)
    c = find_condensation(snap)
    assert c is not None and (c.top, c.bottom) == (TOP, BOTTOM)
    w = snap["dm"][TOP:BOTTOM + 1]
    assert c.v_mean_kms == pytest.approx(np.sum(w * profile) / w.sum(), rel=1e-12)
    assert c.v_max_kms == pytest.approx(80.0)
    assert c.T_mean == pytest.approx(np.sum(w * snap["T"][TOP:BOTTOM + 1]) / w.sum())
    assert c.n_H_mean == pytest.approx(np.sum(snap["n_H"][TOP:BOTTOM + 1]) / profile.size)


def test_hot_downflow_above_is_not_condensation():
    """The dashed edge sits where T exceeds 1e5 K, although the hot gas above moves down."""
    c = find_condensation(make_snapshot(interface_v=40.0))
    assert c is not None and c.top == TOP


def test_picks_the_strongest_of_two_slabs():
    snap = make_snapshot()
    weak = slice(70, 73)
    snap["v"][weak] = 8.0 * KMS
    snap["n_H"][weak] *= 3.0
    snap["rho"] = snap["n_H"] * MASS_PER_H
    snap["dm"] = snap["rho"] * DX
    c = find_condensation(snap)
    assert c is not None and (c.top, c.bottom) == (TOP, BOTTOM)
    snap["v"][TOP:BOTTOM + 1] = 0.0  # remove the strong one: the weak one is found
    c = find_condensation(snap)
    assert c is not None and (c.top, c.bottom) == (70, 72)


@pytest.mark.parametrize("case", ["static", "slow", "sinking", "hot", "expanding",
                                  "no_compression"])
def test_no_condensation(case):
    snap = make_snapshot()
    if case == "static":
        snap["v"][:] = 0.0
    elif case == "slow":  # the slab moves below the 5 km/s threshold
        snap["v"][TOP:BOTTOM + 1] = 3.0 * KMS
    elif case == "sinking":  # everything below the corona drifts down: nothing ahead
        snap["v"][TOP:] = 10.0 * KMS
    elif case == "hot":  # a hot downflow is not a chromospheric condensation
        snap["T"][TOP:BOTTOM + 1] = 3.0e5
    elif case == "expanding":  # the whole atmosphere moves up
        snap["v"][:] = -20.0 * KMS
    elif case == "no_compression":  # a downflowing layer as dense as what lies ahead
        snap["n_H"][TOP:BOTTOM + 1] = snap["n_H"][BOTTOM + 1]
        snap["rho"] = snap["n_H"] * MASS_PER_H
        snap["dm"] = snap["rho"] * DX
    assert find_condensation(snap) is None


def test_history_nan_without_condensation_and_summary():
    snaps = [make_snapshot(time=0.0, slab_v=0.0)]
    times = np.arange(0.25, 16.01, 0.25)
    tau = 8.0
    for t in times:
        snaps.append(make_snapshot(time=t, slab_v=60.0 * np.exp(-t / tau), hot_v=-300.0 * t))
    history = CondensationHistory.from_snapshots(snaps)
    assert len(history) == times.size + 1
    assert not history.found[0]
    assert np.isnan(history.v_mean_kms[0]) and np.isnan(history.s_upper[0])
    assert history.top[0] == -1 and history.n_cells[0] == 0
    assert history.found[1:].all()
    assert np.all(history.top[1:] == TOP) and np.all(history.bottom[1:] == BOTTOM)
    records = history.to_records()
    assert records.shape == (times.size + 1,) and "v_mean_kms" in records.dtype.names

    s = summary(history)
    assert s["t_peak"] == pytest.approx(0.25)
    assert s["v_peak_kms"] == pytest.approx(60.0 * np.exp(-0.25 / tau))
    assert s["t_decay_1e"] == pytest.approx(tau, rel=5e-3)  # linear interpolation
    assert s["tau_fit"] == pytest.approx(tau, rel=1e-9)  # exact exponential
    assert s["t_first"] == pytest.approx(0.25) and s["t_last"] == pytest.approx(16.0)
    assert s["t_lost"] == pytest.approx(16.0)
    assert s["upflow_peak_kms"] == pytest.approx(300.0 * 16.0)
    assert s["T_apex_peak"] == pytest.approx(5.0e6)

    # lost after 16 s; a different downflowing feature detected at 30 s is not part of
    # the decay (fcm85_f11: lifted chromospheric gas falling back at ~60 s)
    late = snaps + [make_snapshot(time=20.0, slab_v=0.0), make_snapshot(time=30.0,
                                                                         slab_v=40.0)]
    s = summary(CondensationHistory.from_snapshots(late))
    assert s["t_last"] == pytest.approx(30.0) and s["t_lost"] == pytest.approx(16.0)
    assert s["tau_fit"] == pytest.approx(tau, rel=1e-9)
    # ... and does not become the peak even when it is faster than the condensation was
    faster = snaps + [make_snapshot(time=20.0, slab_v=0.0), make_snapshot(time=30.0,
                                                                           slab_v=90.0)]
    s = summary(CondensationHistory.from_snapshots(faster))
    assert s["t_peak"] == pytest.approx(0.25)
    assert s["v_peak_kms"] == pytest.approx(60.0 * np.exp(-0.25 / tau))
    assert s["t_lost"] == pytest.approx(16.0)

    empty = CondensationHistory.from_snapshots([make_snapshot(slab_v=0.0, time=t)
                                                for t in (0.0, 1.0)])
    assert not empty.found.any() and np.isnan(summary(empty)["v_peak_kms"])
    assert np.isnan(summary(empty)["t_decay_1e"])


# ---------------------------------------------------------------------------------------
# a short flare run (a few seconds of wall time)
# ---------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def flare_run(tmp_path_factory):
    """FCM85 F20 = 1e11 flare, 200 cells, to t = 4 s (the condensation forms near 3 s)."""
    config = load_config("fcm85_f11", ["mesh.cells=200", "time.end=4"])
    path = tmp_path_factory.mktemp("flare") / "f11.h5"
    run_simulation(config, path, progress=False)
    return path


def test_flare_run_has_a_downflowing_dense_slab(flare_run):
    history = condensation_history(flare_run)
    assert not history.found[0]  # pre-flare: nothing
    assert history.found.any()
    k = np.flatnonzero(history.found)
    v = history.v_mean_kms[k]
    assert np.all((v > 10.0) & (v < 200.0))
    assert np.all(history.n_H_mean[k] > 1.5 * history.n_H_ahead[k])  # compressed
    assert np.all(history.T_mean[k] < 1.0e5)
    assert np.all(history.N_lower[k] > history.N_upper[k])
    assert np.all(history.s_lower[k] > history.s_upper[k])
    assert np.all(history.upflow_peak_kms[1:] > 0.0)  # evaporation
    assert np.all(history.p_above[k] > history.p_ahead[k])  # it is pushed from above


def test_flare_run_fisher_and_plots(flare_run, tmp_path):
    from postprocess.analysis.fisher89 import fisher_from_run
    from postprocess.plots import PLOTS, plot_function

    history = condensation_history(flare_run)
    comparison = fisher_from_run(flare_run, history)
    k = int(np.flatnonzero(history.found)[0])
    assert comparison.t0 == history.times[k]
    assert comparison.solution.v[0] == pytest.approx(history.v_mean_kms[k] * KMS)
    assert comparison.gravity == pytest.approx(2.74e4, rel=1e-3)  # hydrostatic dp/dm
    assert np.all(np.diff(comparison.solution.m_front) >= 0)

    assert {"hydro", "figure4", "condensation"} <= set(PLOTS)
    for name in ("figure4", "condensation"):
        out = plot_function(name)(flare_run, tmp_path / f"{name}.png", times=None)
        assert out.is_file() and out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

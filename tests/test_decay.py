"""Exponential decay-time fits: accuracy and the coverage of their stated uncertainty."""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.analysis.decay import fit_decay, one_over_e_time, select_decay


def test_exact_exponential_recovered():
    t = np.arange(0.0, 120.0, 15.0)
    v = 48.0 * np.exp(-(t - 15.0) / 27.0)
    v[0] = 10.0  # rising before the peak: excluded
    fit = fit_decay(t, v)
    assert fit.t_ref == 15.0 and fit.n_points == t.size - 1
    assert fit.tau == pytest.approx(27.0, rel=1e-8)
    assert fit.amplitude == pytest.approx(48.0, rel=1e-8)
    np.testing.assert_allclose(fit.model(t[1:]), v[1:], rtol=1e-7)
    assert one_over_e_time(np.linspace(0, 200, 2001), np.exp(-np.linspace(0, 200, 2001) / 31.0)
                           ) == pytest.approx(31.0, rel=1e-4)


def test_selection_stops_at_missing_points():
    t = np.arange(10.0)
    v = np.array([1, 5, 4, 3, np.nan, 2, 1, 1, 1, 1], dtype=float)
    assert list(select_decay(t, v)) == [1, 2, 3]
    assert list(select_decay(t, v, v_floor=3.5)) == [1, 2]
    with pytest.raises(ValueError, match="usable points"):
        fit_decay(t, v, v_floor=3.5)
    with pytest.raises(ValueError, match="not a redshift"):
        fit_decay(t, -v)


@pytest.mark.parametrize(("cadence", "tau"), [(15.0, 30.0), (5.0, 45.0)])
def test_uncertainty_coverage(cadence, tau):
    """Over 1000 noise realisations about 68.3 % of the fitted tau lie within their own
    1-sigma error (binomial sd 1.5 %; allow 4 %), and the pulls have unit spread."""
    rng = np.random.default_rng(int(cadence * 100 + tau))
    t = np.arange(0.0, 4.0 * tau, cadence)
    truth = 50.0 * np.exp(-t / tau)
    sigma = 2.0
    pulls = []
    for _ in range(1000):
        v = truth + sigma * rng.standard_normal(t.size)
        fit = fit_decay(t, v, sigma=sigma, start=0.0)
        pulls.append((fit.tau - tau) / fit.tau_err)
    pulls = np.array(pulls)
    coverage = np.mean(np.abs(pulls) < 1.0)
    assert abs(coverage - 0.683) < 0.04, coverage
    assert 0.9 < np.std(pulls) < 1.1
    print(f"cadence {cadence} s, tau {tau} s: 1-sigma coverage {coverage:.3f}, pull sd "
          f"{np.std(pulls):.3f}")


def test_scatter_estimated_errors_are_reasonable():
    rng = np.random.default_rng(5)
    t = np.arange(0.0, 150.0, 5.0)
    v = 40.0 * np.exp(-t / 35.0) + 1.5 * rng.standard_normal(t.size)
    fit = fit_decay(t, v, start=0.0)
    assert not fit.absolute_sigma
    assert abs(fit.tau - 35.0) < 3.0 * fit.tau_err
    assert 0.5 < fit.tau_err < 6.0


def test_fisher_decay_on_a_run_with_a_known_slab(tmp_path):
    """A run file of hand-made snapshots (tests/test_condensation.make_snapshot) whose
    condensation slab decelerates as 60 exp(-(t - 1)/10) km/s: the run's own decay fit
    returns tau = 10 s exactly, shifted to scene time by the onset, and Fisher's model set
    up from the run gives a finite 1/e time and fit."""
    from test_condensation import make_snapshot

    from loopsim.runfile import Checkpoint, RunWriter, Snapshot
    from postprocess.analysis.decay import fisher_decay

    path = tmp_path / "slab.h5"
    writer = RunWriter(path, problem="slab", config_toml="[beam]\nenabled = false\n",
                       code_version="test", fresh=True)
    for t in np.arange(0.0, 41.0, 1.0):
        snap = make_snapshot(slab_v=60.0 * np.exp(-(t - 1.0) / 10.0), time=float(t))
        if t == 0.0:
            snap["v"][:] = 0.0  # the pre-flare atmosphere at rest
        snap.pop("time")
        writer.add(Snapshot(time=float(t), step=int(t), arrays=snap))
    writer.commit(Checkpoint({}, {}), "finished")
    out = fisher_decay(path, onset=5.0)
    fit = out["run_fit"]
    assert fit.tau == pytest.approx(10.0, rel=1e-6) and fit.t_ref == 6.0
    assert out["run_1e"] == pytest.approx(10.0, rel=1e-6)
    assert np.isfinite(out["fisher_1e"]) and out["fisher_1e"] > 0
    assert out["fisher_fit"] is not None and out["fisher_fit"].tau > 0
    assert out["fisher_t"][0] == pytest.approx(6.0)


def test_flat_velocity_is_not_a_decay():
    """A constant redshift has no decay time: the fit must say so, not return tau ~ 1e9 s."""
    t = np.arange(0.0, 120.0, 15.0)
    v = np.full(t.size, 24.6)
    v[1:] += 1e-9 * np.arange(t.size - 1)[::-1]  # numerically flat after the peak
    with pytest.raises(ValueError, match="no measurable decay|does not decay"):
        fit_decay(t, v)

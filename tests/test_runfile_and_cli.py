"""Run-file contract (reader API, resolved config, failure status + restart) and CLI help."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from loopsim import open_run
from loopsim.cli import build_parser, main
from loopsim.config import config_from_toml, load_config
from loopsim.driver import RunFailed, run


def test_reader_api_and_resolved_config(tmp_path: Path):
    config = load_config("sod", ["mesh.cells=50", "output.interval=0.1"])
    path = tmp_path / "sod.h5"
    run(config, path, progress=False)
    result = open_run(path)
    assert result.status == "finished" and result.status_message == ""
    assert result.problem == "sod"
    assert len(result) == 3
    np.testing.assert_array_equal(result.times, [0.0, 0.1, 0.2])
    # the stored config is the fully resolved one: it rebuilds an identical Config
    assert config_from_toml(result.attrs["config"]) == config
    assert result.config["mesh"]["cells"] == 50
    assert result.config["viscosity"]["c_linear"] == config.viscosity.c_linear
    last = result[-1]
    assert last["time"] == 0.2
    for name in ("x", "m", "rho", "p", "v", "e"):
        assert last[name].shape == (50,), name
        assert name in result.units
    assert last["x_edges"].shape == (51,)
    np.testing.assert_allclose(last["m"], np.cumsum(last["dm"]) - 0.5 * last["dm"])
    np.testing.assert_allclose(last["rho"], last["dm"] / np.diff(last["x_edges"]))
    np.testing.assert_allclose(last["p"], 0.4 * last["rho"] * last["e"])
    assert np.array_equal(result[-1]["rho"], result[2]["rho"])
    with pytest.raises(IndexError):
        result[3]
    assert [s["time"] for s in result] == [0.0, 0.1, 0.2]


def test_temperature_written_when_mean_molecular_weight_given(tmp_path: Path):
    config = load_config("sod", ["mesh.cells=20", "eos.mu=0.6"])
    run(config, tmp_path / "t.h5", progress=False)
    snap = open_run(tmp_path / "t.h5")[-1]
    k_b, m_h = 1.380649e-16, 1.6735575e-24
    np.testing.assert_allclose(snap["T"], 0.6 * m_h * snap["p"] / (snap["rho"] * k_b))


def test_step_collapse_stops_with_diagnosis_and_restartable_checkpoint(tmp_path: Path):
    path = tmp_path / "collapse.h5"
    # one Newton iteration with an unreachable tolerance: every step fails
    bad = load_config("sod", ["mesh.cells=50", "solver.newton_max_iter=1",
                              "solver.newton_tol=1e-300", "solver.max_retries=3"])
    with pytest.raises(RunFailed, match="step collapse at t = 0 s: 4 consecutive failed steps"):
        run(bad, path, progress=False)
    failed = open_run(path)
    assert failed.status == "failed"
    assert "step collapse" in failed.status_message
    assert len(failed) == 1  # the initial snapshot is kept
    # the solver settings may change on resume; the run then completes
    good = load_config("sod", ["mesh.cells=50"])
    run(good, path, resume=True, progress=False)
    resumed = open_run(path)
    assert resumed.status == "finished" and resumed.times[-1] == 0.2
    reference = tmp_path / "reference.h5"
    run(good, reference, progress=False)
    np.testing.assert_allclose(resumed[-1]["rho"], open_run(reference)[-1]["rho"], atol=2e-3)


def test_resume_rejects_changed_physics(tmp_path: Path, capsys):
    path = tmp_path / "a.h5"
    run(load_config("sod", ["mesh.cells=20", "time.end=0.05"]), path, progress=False)
    code = main(["run", "sod", "-o", str(path), "--resume", "--set", "eos.gamma=1.6",
                 "--set", "time.end=0.1"])
    assert code == 2
    assert "eos.gamma" in capsys.readouterr().err
    # a longer end time is allowed: the run is extended
    code = main(["run", "noh", "-o", str(path), "--resume"])
    assert code == 2 and "holds problem 'sod'" in capsys.readouterr().err
    code = main(["run", "sod", "-o", str(path), "--resume", "-q", "--set", "time.end=0.1"])
    assert code == 0
    assert open_run(path).times[-1] == 0.1


@pytest.mark.parametrize("command", [[], ["problems"], ["run"], ["info"], ["plot"], ["demo"]])
def test_every_command_has_help(command):
    result = subprocess.run([sys.executable, "-m", "loopsim.cli", *command, "--help"],
                            capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: loopsim" in result.stdout


def test_problems_lists_named_problems(capsys):
    assert main(["problems"]) == 0
    out = capsys.readouterr().out
    for name in ("sod", "noh", "acoustic_wave"):
        assert any(line.startswith(name + " ") for line in out.splitlines()), out


def test_info_and_plot(tmp_path: Path, capsys):
    path = tmp_path / "sod.h5"
    assert main(["run", "sod", "-o", str(path), "-q", "--set", "mesh.cells=40"]) == 0
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "status:       finished" in out and "40" in out
    figure = tmp_path / "sod.png"
    assert main(["plot", "hydro", str(path), "-o", str(figure), "--times", "0.2"]) == 0
    assert figure.stat().st_size > 10_000


def test_parser_choices_match_registered_plots():
    from postprocess.plots import PLOTS

    parser = build_parser()
    plot = parser._subparsers._group_actions[0].choices["plot"]
    figure_action = next(a for a in plot._actions if a.dest == "figure")
    assert set(figure_action.choices) == set(PLOTS)

"""Beam-heated loop (shortened FCM85 F20 = 1e11 run for CI): a condensation forms and the
energy budget closes; bad beam and loop parameters are rejected before computation.

The full run (300 cells to 60 s) and its resolution study are `pytest -m slow`."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loopsim import open_run
from loopsim.cli import main
from loopsim.config import load_config
from loopsim.driver import run
from postprocess.analysis.condensation import condensation_history, summary


@pytest.fixture(scope="module")
def short_flare(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("flare") / "fcm85_f11_short.h5"
    config = load_config("fcm85_f11", ["mesh.cells=200", "time.end=4", "output.interval=0.5"])
    run(config, path, progress=False)
    return path


def budget_error(result) -> float:
    """|change of total energy - (beam + background - radiated + boundary work)| / beam."""
    first, last = result.scalars(0), result.scalars(-1)
    change = last["total_energy"] - first["total_energy"]
    sources = (last["beam_energy"] + last["background_energy"] - last["radiated_energy"]
               + last["boundary_work"])
    return abs(change - sources) / last["beam_energy"]


def test_condensation_forms_and_budget_closes(short_flare):
    result = open_run(short_flare)
    assert result.status == "finished"
    # the beam deposited F20 (20/20)^(2-delta) = 1e11 erg cm^-2 s^-1 for 4 s, all of it in
    # the loop (nothing escapes through the photosphere)
    assert result.scalars(-1)["beam_energy"] == pytest.approx(4e11, rel=1e-3)
    assert budget_error(result) < 0.01
    history = summary(condensation_history(result))
    assert 10.0 < history["v_peak_kms"] < 200.0
    assert history["upflow_peak_kms"] > 100.0  # explosive evaporation
    assert history["n_H_mean_max"] > 1e13


def test_weak_beam_gives_no_strong_condensation(tmp_path):
    """FCM85: below F20 ~ 1e10 evaporation is gentle (no fast condensation)."""
    path = tmp_path / "f10.h5"
    run(load_config("fcm85_f10", ["mesh.cells=200", "time.end=4", "output.interval=1"]), path,
        progress=False)
    snaps = open_run(path)
    assert max(np.max(snaps[i]["v"]) for i in range(len(snaps))) < 10e5


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("beam.F20=-1e11", "beam.F20"),
        ("beam.delta=2.0", "beam.delta"),
        ("beam.delta=1.5", "beam.delta"),
        ("beam.E_cutoff=0", "beam.E_cutoff"),
        ("beam.E_cutoff=-20", "beam.E_cutoff"),
        ("loop.half_length=0", "loop.half_length"),
        ("loop.half_length=-1e9", "loop.half_length"),
        ("beam.duration=0", "beam.duration"),
        ("initial.apex_temperature=100", "initial.apex_temperature"),
    ],
)
def test_unphysical_beam_and_loop_parameters(capsys, tmp_path, override, fragment):
    out = tmp_path / "o.h5"
    assert main(["run", "fcm85_f11", "-o", str(out), "--set", override]) == 2
    err = capsys.readouterr().err
    assert fragment in err and "expected" in err
    assert not out.exists()


def test_table_profile_rejects_f20(capsys, tmp_path):
    code = main(["run", "spiky_beam", "-o", str(tmp_path / "o.h5"), "--set", "beam.F20=1e11"])
    assert code == 2 and "beam.table" in capsys.readouterr().err


def test_spiky_beam_table_profile_deposits_the_tabulated_energy(tmp_path):
    """The first spike rises linearly to F20 = 1e11 at t = 2 s and falls to 0 at 4 s: by
    t = 3 s the injected energy is 1e11 + 0.75e11 erg cm^-2 (steps land on the table
    nodes, so the mid-step flux is exact)."""
    path = tmp_path / "spiky.h5"
    run(load_config("spiky_beam", ["mesh.cells=150", "time.end=3", "output.interval=1"]),
        path, progress=False)
    result = open_run(path)
    assert 2.0 in result.times  # a snapshot at the switch time
    assert result.scalars(-1)["beam_energy"] == pytest.approx(1.75e11, rel=1e-3)
    assert budget_error(result) < 0.01

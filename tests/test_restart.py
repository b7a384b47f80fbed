"""A run killed with SIGKILL and resumed ends bit-for-bit where an uninterrupted run ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from loopsim import open_run

OVERRIDES = [
    "--set", "mesh.cells=600",
    "--set", "time.end=0.6",
    "--set", "output.interval=0.04",
    "--set", "output.checkpoint_interval=0",
]


def loopsim(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopsim.cli", *args]


def committed_snapshots(path: Path) -> int:
    try:
        with h5py.File(path, "r") as fh:
            return int(fh["snapshots"].attrs["count"])
    except (OSError, KeyError):
        return 0


def final_state(path: Path) -> dict[str, np.ndarray]:
    with h5py.File(path, "r") as fh:
        group = fh["checkpoint"]
        return {name: group[name][()] for name in group} | {
            name: np.array(value) for name, value in group.attrs.items()
        }


#: a rezoning flare loop: the cell count changes from the first steps on, so the resumed
#: run must restore a mesh of another size than the initial one
FLARE_OVERRIDES = [
    "--set", "mesh.cells=150",
    "--set", "time.end=3.0",
    "--set", "output.interval=0.25",
    "--set", "output.checkpoint_interval=0",
]


@pytest.mark.parametrize(("problem", "overrides", "end"),
                         [("sod", OVERRIDES, 0.6), ("fcm85_f11", FLARE_OVERRIDES, 3.0)])
def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path: Path, problem, overrides,
                                                       end):
    reference = tmp_path / "reference.h5"
    subprocess.run(loopsim("run", problem, "-o", str(reference), "-q", *overrides), check=True)

    killed = tmp_path / "killed.h5"
    proc = subprocess.Popen(loopsim("run", problem, "-o", str(killed), "-q", *overrides))
    deadline = time.monotonic() + 120
    while committed_snapshots(killed) < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"

    interrupted = open_run(killed)
    assert interrupted.status == "running"  # never reads as finished
    assert 4 <= len(interrupted) < len(open_run(reference))
    kill_time = interrupted.times[-1]
    assert 0.0 < kill_time < end
    if problem == "fcm85_f11":
        assert interrupted[-1]["T"].size != interrupted[0]["T"].size  # rezoned by then

    subprocess.run(loopsim("run", problem, "-o", str(killed), "-q", "--resume", *overrides),
                   check=True)
    resumed = open_run(killed)
    assert resumed.status == "finished"
    ref_run = open_run(reference)
    np.testing.assert_array_equal(resumed.times, ref_run.times)
    for name in ("x_edges", "v_edges", "e", "rho", "p"):
        np.testing.assert_array_equal(resumed[-1][name], ref_run[-1][name])
    a, b = final_state(killed), final_state(reference)
    for name in ("x", "u", "theta", "xi", "dm", "time", "step", "dt_next",
                 "budget_boundary_work"):
        np.testing.assert_array_equal(a[name], b[name])

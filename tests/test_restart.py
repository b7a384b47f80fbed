"""A run killed with SIGKILL and resumed ends bit-for-bit where an uninterrupted run ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np

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


def test_sigkill_then_resume_matches_uninterrupted_run(tmp_path: Path):
    reference = tmp_path / "reference.h5"
    subprocess.run(loopsim("run", "sod", "-o", str(reference), "-q", *OVERRIDES), check=True)

    killed = tmp_path / "killed.h5"
    proc = subprocess.Popen(loopsim("run", "sod", "-o", str(killed), "-q", *OVERRIDES))
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
    assert 0.0 < kill_time < 0.6

    subprocess.run(loopsim("run", "sod", "-o", str(killed), "-q", "--resume", *OVERRIDES),
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

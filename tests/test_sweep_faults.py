"""Fault isolation and resume: failing members are recorded, the others finish; after a
SIGKILL of the whole sweep (process group), --resume runs only the members not done, none
is lost or run twice, and the results equal those of an uninterrupted sweep."""

from __future__ import annotations

import csv
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from loopsim.sweep import load_sweep, read_manifest, run_sweep
from postprocess.analysis.sweep_scalars import member_scalars

#: seven cheap members (80 cells, 2.5 s); member 2 has a beam index the config rejects
#: (delta must exceed 2), member 3 stops in the driver (time.max_steps = 40 reached)
SWEEP = """\
[sweep]
name = "faults"
base = "fcm85_f11"
mode = "zip"

[set]
mesh.cells = 80
time.end = 2.5
rezone.min_cell_length = 2.0e4   # cheap members: the fault handling is under test
beam.duration = 1.0
output.interval = 0.25
output.checkpoint_interval = 0.0   # commit every snapshot: a kill lands mid-member

[[axis]]
key = "beam.delta"
values = [3.0, 4.0, 2.0, 5.0, 6.0, 4.5, 3.5]

[[axis]]
key = "time.max_steps"
label = "steps"
values = [100000000, 100000000, 100000000, 40, 100000000, 100000000, 100000000]
"""

REJECTED, SOLVER_FAILED = 2, 3


def loopsim(*args: str) -> list[str]:
    return [sys.executable, "-m", "loopsim", *args]


def manifest_rows(directory: Path) -> list[dict[str, str]]:
    try:
        with open(directory / "manifest.csv", newline="") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        return []


def same(a: float, b: float) -> bool:
    return a == b or (math.isnan(a) and math.isnan(b))


def test_failures_recorded_and_sigkill_resume(tmp_path: Path):
    sweep_file = tmp_path / "faults.toml"
    sweep_file.write_text(SWEEP)
    spec = load_sweep(sweep_file)
    names = [m.name for m in spec.members]

    # reference: the whole sweep, uninterrupted, in this process
    reference = run_sweep(spec, tmp_path / "reference", executor="serial",
                          summarise=member_scalars, progress=False)
    ref = {r.name: r for r in reference.manifest.records}
    assert [r.status for r in reference.manifest.records] == [
        "done", "done", "failed", "failed", "done", "done", "done"]
    assert "beam.delta = 2.0 is out of range" in ref[names[REJECTED]].error
    assert ref[names[REJECTED]].attempts == 0  # rejected before running
    assert "time.max_steps = 40 reached" in ref[names[SOLVER_FAILED]].error
    assert ref[names[SOLVER_FAILED]].steps == 40
    assert all(math.isfinite(ref[n].scalars["v_up_peak"]) for n in names
               if ref[n].status == "done")

    # the same sweep on 2 workers, SIGKILLed (master and workers) part-way
    out = tmp_path / "killed"
    proc = subprocess.Popen(loopsim("sweep", str(sweep_file), "-o", str(out), "--jobs", "2",
                                    "-q"), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        statuses = [row["status"] for row in manifest_rows(out)]
        if sum(s in ("done", "failed") for s in statuses) >= 3 and "running" in statuses:
            break
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the sweep ended before it could be killed"

    before = {r.name: r for r in read_manifest(out).records}
    done_before = {n for n, r in before.items() if r.status == "done"}
    assert "running" in {r.status for r in before.values()}
    assert 1 <= len(done_before) < 5
    stamps = {n: (out / before[n].run_file).stat() for n in done_before}

    # resume: exits non-zero (two members fail again) and prints a summary of them
    resumed = subprocess.run(loopsim("sweep", str(sweep_file), "-o", str(out), "--resume",
                                     "--jobs", "2", "-q"), capture_output=True, text=True)
    assert resumed.returncode == 3, resumed.stderr
    assert f"{len(done_before)} were already done" in resumed.stdout
    assert f"{names[REJECTED]}: ConfigError" in resumed.stdout
    assert f"{names[SOLVER_FAILED]}: RunFailed" in resumed.stdout

    after = read_manifest(out)
    assert [r.name for r in after.records] == names  # none lost, none duplicated
    runs = sorted(p.name for p in (out / "runs").iterdir())
    assert runs == sorted(f"{n}.h5" for i, n in enumerate(names) if i != REJECTED)
    for record in after.records:
        expected = ref[record.name]
        assert record.status == expected.status, record.name
        assert record.error == expected.error.replace(str(tmp_path / "reference"),
                                                      str(out)), record.name
        if record.name in done_before:  # not run again
            stat = (out / record.run_file).stat()
            assert (stat.st_ino, stat.st_mtime_ns) == (stamps[record.name].st_ino,
                                                       stamps[record.name].st_mtime_ns)
            assert record.attempts == 1
        elif record.status == "done":
            assert 1 <= record.attempts <= 2
        if record.status == "done":
            assert record.steps == expected.steps, record.name
            for key, value in expected.scalars.items():  # bit-for-bit, resumed or not
                assert same(record.scalars[key], value), (record.name, key)

    # a finished sweep directory is not overwritten without --resume
    again = subprocess.run(loopsim("sweep", str(sweep_file), "-o", str(out), "-q"),
                           capture_output=True, text=True)
    assert again.returncode == 2 and "already holds a sweep" in again.stderr

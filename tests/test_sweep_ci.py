"""The reduced F20 x delta sweep: serially without MPI installed, on MPI workers
(identical manifest scalars), the --post hook, and the sweep plot."""

from __future__ import annotations

import importlib
import importlib.util
import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from loopsim import open_run
from loopsim.sweep import read_manifest

SWEEP = "sweep_f20_delta_ci"

#: run the CLI with mpi4py made unimportable, as on an installation without the mpi extra
NO_MPI = ("import sys; sys.modules['mpi4py'] = None; from loopsim.cli import main; "
          "sys.exit(main(sys.argv[1:]))")


def mpiexec() -> str | None:
    """mpiexec of the mpich wheel (next to python), else one on PATH."""
    local = Path(sys.executable).parent / "mpiexec"
    return str(local) if local.exists() else shutil.which("mpiexec")


@pytest.fixture(scope="module")
def serial_sweep(tmp_path_factory) -> Path:
    """The CI sweep run in one process, on an installation without mpi4py."""
    out = tmp_path_factory.mktemp("sweep") / "serial"
    proc = subprocess.run([sys.executable, "-c", NO_MPI, "sweep", SWEEP, "-o", str(out),
                           "--jobs", "1", "-q"], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "done 6, failed 0" in proc.stdout
    return out


def test_serial_sweep_without_mpi(serial_sweep: Path):
    manifest = read_manifest(serial_sweep)
    table = manifest.table()
    assert list(table["status"]) == ["done"] * 6
    assert (table["attempts"] == 1).all() and (table["steps"] > 0).all()
    for record in manifest.records:
        run_file = serial_sweep / record.run_file
        assert run_file.is_file()
        run = open_run(run_file)
        assert run.status == "finished"
        assert run.config["beam"]["F20"] == record.params["beam.F20"]
        assert run.config["beam"]["delta"] == record.params["beam.delta"]
    # physics sanity (FCM85): at fixed delta, a stronger beam evaporates faster and heats
    # the apex more
    for delta in (3.0, 5.0):
        rows = table[table["beam.delta"] == delta]
        rows = rows[np.argsort(rows["beam.F20"])]
        assert np.all(np.diff(rows["v_up_peak"]) > 0), rows["v_up_peak"]
        assert np.all(np.diff(rows["T_apex_peak"]) > 0), rows["T_apex_peak"]
    assert manifest.units["v_up_peak"] == "km s^-1"
    assert manifest.units["beam.F20"] == "erg cm^-2 s^-1"


def test_member_equals_loopsim_run_with_set(serial_sweep: Path, tmp_path: Path):
    """A member is exactly `loopsim run BASE --set ...` with its [set] and axis values."""
    record = read_manifest(serial_sweep).records[2]
    spec_set = ["mesh.cells=100", "rezone.enabled=false", "time.end=4.0", "beam.duration=2.0",
                "output.interval=0.25"]
    values = [f"{key}={value!r}" for key, value in record.params.items()]
    alone = tmp_path / "alone.h5"
    subprocess.run([sys.executable, "-m", "loopsim", "run", "fcm85_f11", "-o", str(alone), "-q",
                    *[arg for item in spec_set + values for arg in ("--set", item)]],
                   check=True, capture_output=True)
    member, single = open_run(serial_sweep / record.run_file), open_run(alone)
    assert member.config == single.config
    np.testing.assert_array_equal(member.times, single.times)
    for name in ("T", "rho", "v", "n_e", "x_edges"):
        np.testing.assert_array_equal(member[-1][name], single[-1][name])


def test_mpi_mode_without_mpi4py_says_how_to_install(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-c", NO_MPI, "sweep", SWEEP, "-o",
                           str(tmp_path / "x"), "--mpi"], capture_output=True, text=True)
    assert proc.returncode == 2
    assert 'pip install "loopsim-flare[mpi]"' in proc.stderr
    assert not (tmp_path / "x" / "runs").exists()


@pytest.mark.skipif(importlib.util.find_spec("mpi4py") is None or mpiexec() is None,
                    reason="needs the mpi extra: pip install 'loopsim-flare[mpi]' "
                    "(mpi4py + the mpich wheel with mpiexec)")
def test_mpi_sweep_matches_serial(serial_sweep: Path, tmp_path: Path):
    out = tmp_path / "mpi"
    proc = subprocess.run([mpiexec(), "-n", "3", sys.executable, "-m", "mpi4py.futures",
                           "-m", "loopsim", "sweep", SWEEP, "-o", str(out), "--mpi", "-q"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "MPI (mpi4py.futures), 2 workers" in proc.stdout
    serial, mpi = read_manifest(serial_sweep), read_manifest(out)
    assert [r.name for r in mpi.records] == [r.name for r in serial.records]
    compared = 0
    for a, b in zip(serial.records, mpi.records, strict=True):
        assert b.status == "done" and b.steps == a.steps
        assert set(a.scalars) == set(b.scalars)
        for key, value in a.scalars.items():  # bit-for-bit
            assert value == b.scalars[key] or (math.isnan(value) and math.isnan(
                b.scalars[key])), (a.name, key, value, b.scalars[key])
            compared += math.isfinite(value)
    assert compared >= 30
    # both worker ranks took members (dynamic assignment, not all on one rank)
    assert len({r.worker for r in mpi.records}) == 2


def test_post_stage_hook(tmp_path: Path):
    from loopsim.cli_sweep import POST_STAGES

    _, requirement, needs = POST_STAGES["synth"]
    module, function = requirement.split(":")
    available = importlib.util.find_spec(module) is not None and hasattr(
        importlib.import_module(module), function)
    proc = subprocess.run([sys.executable, "-m", "loopsim", "sweep", SWEEP, "-o",
                           str(tmp_path / "p"), "--post", "nonsense"],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "--post 'nonsense': unknown stage" in proc.stderr
    if not available:
        proc = subprocess.run([sys.executable, "-m", "loopsim", "sweep", SWEEP, "-o",
                               str(tmp_path / "p"), "--post", "synth"],
                              capture_output=True, text=True)
        assert proc.returncode == 2
        assert f"--post synth: not available yet: needs {needs}" in proc.stderr
        assert not (tmp_path / "p").exists()


def test_plot_sweep(serial_sweep: Path, tmp_path: Path):
    from postprocess.plots.sweep import plot_sweep, sweep_series

    series, facts = sweep_series(serial_sweep, "beam.F20", "v_up_peak", hue="beam.delta")
    table = read_manifest(serial_sweep).table()
    assert [s.hue for s in series] == [3.0, 5.0]
    for line in series:
        rows = table[table["beam.delta"] == line.hue]
        np.testing.assert_array_equal(line.x, np.sort(rows["beam.F20"]))
        np.testing.assert_array_equal(line.y, rows["v_up_peak"][np.argsort(rows["beam.F20"])])
    assert facts["shown"] == 6 and facts["fisher"] is None
    # decay_time: Fisher's prediction column is used where it applies
    series, facts = sweep_series(serial_sweep, "beam.F20", "v_down_peak", hue="beam.delta")
    assert facts["fisher"] == "fisher_v_ram"
    with pytest.raises(ValueError, match="no column 'beam.F2O'"):
        sweep_series(serial_sweep, "beam.F2O", "v_up_peak")
    for y in ("v_up_peak", "decay_time"):
        output = plot_sweep(serial_sweep, tmp_path / f"{y}.png", "beam.F20", y,
                            hue="beam.delta")
        assert output.stat().st_size > 10_000


POST_SWEEP = """\
[sweep]
name = "post"
base = "fcm85_f11"
[set]
mesh.cells = 100
time.end = 4.0
beam.duration = 2.0
output.interval = 1.0
[[axis]]
key = "beam.F20"
values = [1e11]
"""


@pytest.mark.slow
def test_post_synth_and_observe(tmp_path: Path):
    """--post synth,observe adds H-alpha and observed-redshift columns (about 30 s)."""
    from loopsim.cli_sweep import POST_STAGES

    for _, requirement, _ in POST_STAGES.values():
        module, function = requirement.split(":")
        if importlib.util.find_spec(module) is None or not hasattr(
                importlib.import_module(module), function):
            pytest.skip(f"{requirement} is not available")
    sweep_file = tmp_path / "post.toml"
    sweep_file.write_text(POST_SWEEP)
    out = tmp_path / "post"
    proc = subprocess.run([sys.executable, "-m", "loopsim", "sweep", str(sweep_file), "-o",
                           str(out), "--post", "synth,observe", "--jobs", "1", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    record = read_manifest(out).records[0]
    assert (out / "runs" / f"{record.name}_halpha.h5").is_file()
    # before the flare the line centre is dark (quiet Sun: ~0.16 of the continuum); the
    # beam-heated chromosphere fills it in
    assert 0.05 < record.scalars["synth_I_centre_pre"] < 0.4
    assert record.scalars["synth_I_centre_peak"] > record.scalars["synth_I_centre_pre"]
    assert record.scalars["synth_unconverged"] == 0
    assert record.scalars["observe_scans"] >= 2
    assert math.isfinite(record.scalars["observe_v_red_peak"])

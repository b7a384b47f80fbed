"""The Hα synthesis pipeline: run file -> profiles file (Python API and ``loopsim synth``),
the quiet-Sun reference, bad input, the Figure 2 style plot, and the beam-heated wings."""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np
import pytest

from loopsim import open_run
from loopsim.cli_synth import register
from loopsim.config import load_config
from loopsim.driver import run as run_simulation
from postprocess.halpha import SynthSettings, synthesise, synthesise_falc, synthesise_run
from postprocess.halpha.atmosphere import Atmosphere, AtmosphereError
from postprocess.plots.halpha_profiles import plot_halpha_profiles
from postprocess.profiles_file import read_profiles


@pytest.fixture(scope="module")
def flare_run(tmp_path_factory):
    """A short, coarse FCM85 F20 = 1e11 flare: snapshots at 0, 2, 4 s (beam on)."""
    path = tmp_path_factory.mktemp("halpha") / "f11.h5"
    config = load_config("fcm85_f11", ["mesh.cells=120", "time.end=4.0", "output.interval=2.0"])
    run_simulation(config, path, progress=False)
    return path


@pytest.fixture(scope="module")
def flare_profiles(flare_run, tmp_path_factory):
    out = tmp_path_factory.mktemp("halpha_out") / "f11_halpha.h5"
    prof = synthesise_run(flare_run, out, jobs=1, progress=False)
    return out, prof


def synth_cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="loopsim")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_profiles_file_contents(flare_run, flare_profiles):
    path, prof = flare_profiles
    back = read_profiles(path)
    run = open_run(flare_run)
    np.testing.assert_allclose(back.time, run.times)
    assert back.intensity.shape == (len(run), back.wavelength_air.size)
    centre = back.wavelength_air[back.wavelength_air.size // 2]
    assert back.wavelength_air[0] <= centre - 5.0 and back.wavelength_air[-1] >= centre + 5.0
    assert centre == pytest.approx(6562.81, abs=0.02)
    # vacuum grid is the air grid through the refractive index of air (n - 1 ~ 2.76e-4)
    np.testing.assert_allclose(back.wavelength_vacuum / back.wavelength_air - 1.0, 2.763e-4,
                               atol=2e-6)
    np.testing.assert_allclose(back.intensity_norm,
                               back.intensity / back.continuum_reference, rtol=1e-12)
    # the reference is the FAL-C continuum at H-alpha (observed 2.85e6, Allen's AQ)
    assert back.continuum_reference == pytest.approx(2.85e6, rel=0.05)
    assert back.attrs["source_problem"] == "fcm85_f11"
    assert "[synthesis]" in back.attrs["settings"] and "mu = 1.0" in back.attrs["settings"]
    assert back.attrs["source"] == str(flare_run)
    assert np.all(back.intensity > 0)


def test_parallel_over_snapshots_matches_serial(flare_run):
    """Chunks of consecutive snapshots (each warm-started from its predecessor) are the
    same whatever the number of workers, so the profiles are too."""
    serial = synthesise_run(flare_run, None, jobs=1, progress=False, chain=2)
    par = synthesise_run(flare_run, None, jobs=2, progress=False, chain=2)
    np.testing.assert_allclose(par.intensity, serial.intensity, rtol=1e-10)
    with pytest.raises(ValueError, match="chain = 0"):
        synthesise_run(flare_run, None, progress=False, chain=0)


def test_warm_start_converges_to_the_cold_start_solution(flare_run):
    """Starting a snapshot from the previous snapshot's populations changes only the
    path of the iteration: at tolerance 1e-6 the profiles of the warm-started snapshots
    (1 and 2, from 0 and 1) agree with those started afresh to 1e-5 of the quiet-Sun
    continuum, although the start differs from the solution by tens of per cent."""
    settings = SynthSettings(tolerance=1e-6, max_iterations=1000)
    warm = synthesise_run(flare_run, None, progress=False, settings=settings)
    cold = synthesise_run(flare_run, None, progress=False,
                          settings=replace(settings, warm_start=False))
    np.testing.assert_array_equal(warm.intensity[0], cold.intensity[0])  # no predecessor
    assert np.max(np.abs(warm.intensity_norm - cold.intensity_norm)) < 1e-5


def test_cli_synth_run_and_falc(flare_run, tmp_path, capsys):
    out = tmp_path / "cli.h5"
    assert synth_cli(["synth", str(flare_run), "-o", str(out), "-q", "--jobs", "1"]) == 0
    assert read_profiles(out).time.size == len(open_run(flare_run))
    qs = tmp_path / "qs.h5"
    assert synth_cli(["synth", "--atmosphere", "falc", "-o", str(qs), "--grid-scale", "1.5"]) == 0
    prof = read_profiles(qs)
    centre = prof.intensity_norm[0, prof.wavelength_air.size // 2]
    assert 0.14 <= centre <= 0.19
    assert "grid_scale = 1.5" in prof.attrs["settings"]
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize("argv,message", [
    (["synth", "missing.h5"], "does not exist"),
    (["synth"], "either a run file or --atmosphere"),
    (["synth", "x.h5", "--atmosphere", "falc"], "either a run file or --atmosphere"),
    (["synth", "--atmosphere", "falc", "--mu", "0"], "mu = 0.0"),
    (["synth", "--atmosphere", "falc", "--grid-scale", "0.1"], "grid_scale = 0.1"),
    (["synth", "--atmosphere", "falc", "--rays", "0"], "n_mu = 0"),
])
def test_cli_bad_input_exits_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert synth_cli(argv) == 2
    assert message in capsys.readouterr().err


def test_cli_refuses_run_without_loop_arrays(run_problem, capsys):
    run = run_problem("sod", "mesh.cells=50", "time.end=0.01")
    assert synth_cli(["synth", str(run.path), "-q"]) == 2
    err = capsys.readouterr().err
    assert "lacks" in err and "n_e" in err
    with pytest.raises(AtmosphereError, match="lacks"):
        synthesise_run(run.path, progress=False)


def test_quiet_sun_profile_file(tmp_path):
    prof = synthesise_falc(tmp_path / "qs.h5", SynthSettings(halpha_broadening="voigt"))
    assert prof.time.tolist() == [0.0]
    far = np.abs(prof.wavelength_air - 6562.81) > 5.0
    assert np.all(prof.intensity_norm[0, far] > 0.85)


def test_plot_stacked_profiles(flare_profiles, tmp_path):
    path, _ = flare_profiles
    out = plot_halpha_profiles(path, tmp_path / "fig2.png")
    assert out.is_file() and out.stat().st_size > 10_000
    out2 = plot_halpha_profiles(path, tmp_path / "fig2b.png", times=[0.5, 1.0])
    assert out2.is_file()


def test_beam_heated_snapshot_has_wing_emission_beyond_3_angstrom(flare_run, flare_profiles):
    """With linear Stark broadening (quasi-static ions + electron impacts), the
    beam-heated chromosphere (t = 4 s, F20 = 1e11) emits in the far wings: from 3 to 4 Å
    from line centre, on both sides, the profile lies above the quiet-Sun profile, and on
    average above the same snapshot synthesised with the Voigt-only (Lightweaver-like) Hα."""
    _, prof = flare_profiles
    run = open_run(flare_run)
    assert run.times[-1] == pytest.approx(4.0)
    atmos = Atmosphere.from_run_snapshot(run, -1)
    assert atmos.q_beam.max() > 0
    qs = synthesise_falc(None, SynthSettings())
    voigt = synthesise(atmos, SynthSettings(halpha_broadening="voigt"))
    dl = prof.wavelength_air - 6562.81
    wing = (np.abs(dl) >= 3.0) & (np.abs(dl) <= 4.0)
    stark = prof.intensity_norm[-1, wing]
    excess_qs = stark - qs.intensity_norm[0, wing]
    excess_voigt = stark - voigt.intensity[wing] / prof.continuum_reference
    print(f"t = 4 s, 3-4 A: I/I_c(QS) {stark.min():.3f}-{stark.max():.3f}; excess over the "
          f"quiet Sun {excess_qs.min():.3f}-{excess_qs.max():.3f}, over Voigt-only "
          f"{excess_voigt.min():.3f}-{excess_voigt.max():.3f}")
    assert np.all(excess_qs > 0.05)
    assert np.mean(excess_voigt) > 0.0

"""``loopsim observe`` / ``loopsim analyse`` end to end on analytic profiles files, the
hard X-ray light curve of a scene, and the two raster figures."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
from instrument_synthetic import scene_text, write_flare, write_quiet

from loopsim.cli_observe import register
from loopsim.runfile import Checkpoint, RunWriter, Snapshot
from postprocess.analysis.hxr import band_flux, hxr_from_kernels
from postprocess.instrument import read_raster

BEAM = ('[beam]\nenabled = true\nF20 = 1e11\ndelta = 4.0\nE_cutoff = 20.0\n'
        'profile = "triangle"\nstart = 0.0\nduration = 10.0\n')


def _parser():
    parser = argparse.ArgumentParser(prog="loopsim")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    return parser


def _run_file(path):
    """A minimal run file holding only a beam config (what the hard X-rays need)."""
    writer = RunWriter(path, problem="beam_only", config_toml=BEAM, code_version="test",
                       fresh=True)
    for t in (0.0, 90.0):
        writer.add(Snapshot(time=t, step=0, arrays={"T": np.ones(2)}))
    writer.commit(Checkpoint({}, {}), "finished")
    return path


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cli")
    data = tmp / "data"
    data.mkdir()
    write_quiet(data / "quiet.h5", step=0.01)
    write_flare(data / "flare.h5", v0=45.0, tau_v=25.0)
    _run_file(data / "run.h5")
    (tmp / "scene.toml").write_text(scene_text("quiet.h5", """
[[ribbon]]
name = "r"
profiles = "flare.h5"
run = "run.h5"
start = [-12.0, 0.0]
end = [12.0, 0.0]
kernels = 3
radius = 3.0
onset = 5.0
onset_step = 10.0
""", observation="[observation]\nstart = -10.0\nscans = 8\n"))
    return tmp


def test_help_texts(capsys):
    for command in ("observe", "analyse"):
        with pytest.raises(SystemExit) as exc:
            _parser().parse_args([command, "--help"])
        assert exc.value.code == 0
        assert "usage: loopsim " + command in capsys.readouterr().out


def test_observe_and_analyse(workdir, capsys):
    out = workdir / "r.h5"
    args = _parser().parse_args(["observe", str(workdir / "scene.toml"), "--data-dir",
                                 str(workdir / "data"), "-o", str(out), "--fits",
                                 "--seed", "3", "--instrument", "sacpeak1980"])
    assert args.func(args) == 0
    text = capsys.readouterr().out
    assert "8 scans x 50 slit positions x 50 pixels x 100 wavelengths" in text
    assert out.is_file() and out.with_suffix(".fits").is_file()
    raster = read_raster(out)
    x, y = raster.attrs["kernels"][1]["peak_pixel"]
    args = _parser().parse_args(["analyse", str(out), "--pixel", str(x), str(y)])
    assert args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if not line.startswith("#")]
    assert len(rows) == 8
    velocities = np.array([float(r[1]) for r in rows])
    assert np.isnan(velocities[0])  # the reference scan itself
    assert 20.0 < np.nanmax(velocities) < 50.0  # redshift of the 45 km/s component
    assert any("decay fit: tau" in line for line in lines)
    # bad pixel -> clear error, exit status 2
    args = _parser().parse_args(["analyse", str(out), "--pixel", "99", "0"])
    assert args.func(args) == 2
    assert "outside the raster" in capsys.readouterr().err


def test_observe_bad_inputs(workdir, capsys, tmp_path):
    args = _parser().parse_args(["observe", str(workdir / "scene.toml"), "-o",
                                 str(tmp_path / "x.h5")])  # no --data-dir: files missing
    assert args.func(args) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "inst.toml"
    bad.write_text('[instrument]\nbase = "sacpeak1980"\ndispersion = -0.1\n')
    args = _parser().parse_args(["observe", str(workdir / "scene.toml"), "--data-dir",
                                 str(workdir / "data"), "--instrument", str(bad)])
    assert args.func(args) == 2
    assert "dispersion = -0.1" in capsys.readouterr().err
    assert not (tmp_path / "x.h5").exists()


def test_scene_hard_xrays_add_kernels_with_onsets(workdir):
    raster = read_raster(workdir / "r.h5")
    kernels = raster.attrs["kernels"]
    t = np.array([4.0, 10.0, 20.0, 30.0])  # triangles peak at onset + 5 s
    flux = hxr_from_kernels(kernels, t)
    peak = band_flux(1e11, 4.0, 20.0, kernels[1]["area_cm2"])
    assert flux[0] == 0.0
    assert flux[2] == pytest.approx(peak, rel=1e-9)  # only kernel 2 is at its peak
    assert flux[1] == pytest.approx(band_flux(1e11, 4.0, 20.0, kernels[0]["area_cm2"]),
                                    rel=1e-9)


def test_figures(workdir, tmp_path):
    from postprocess.plots.figure5 import plot_figure5
    from postprocess.plots.raster import plot_raster

    raster_path = workdir / "r.h5"
    raster = read_raster(raster_path)
    pixel = tuple(raster.attrs["kernels"][1]["peak_pixel"])
    f5 = plot_figure5(raster_path, tmp_path / "f5.png", pixel=pixel)
    ras = plot_raster(raster_path, tmp_path / "ras.png", scan=3, pixel=pixel)
    for path in (f5, ras):
        assert path.is_file() and path.stat().st_size > 20_000


def test_packaged_demo_scene(tmp_path):
    """The demo ribbon scene loads with a data directory holding the files it names and
    observes without error; without them it names the missing file."""
    from postprocess.instrument import SceneError, load_scene, observe, preset
    from postprocess.instrument.scene import packaged_scenes

    assert "ribbon_demo" in packaged_scenes()
    with pytest.raises(SceneError, match="fcm85_f11_halpha.h5' does not exist"):
        load_scene("ribbon_demo", data_dir=tmp_path)
    write_flare(tmp_path / "fcm85_f11_halpha.h5", dt=1.0, t_end=60.0)
    _run_file(tmp_path / "fcm85_f11.h5")
    scene = load_scene("ribbon_demo", data_dir=tmp_path)
    assert len(scene.kernels) == 16
    onsets = sorted(k.onset for k in scene.kernels)
    assert onsets[0] == 0.0 and onsets[-1] == 38.0
    raster = observe(scene, preset("sacpeak1980"), n_scans=2, noise_free=True)
    assert raster.shape == (2, 50, 50, 100)
    assert raster.time[0, 0] == -20.0


def test_plot_option_adders_match_the_plot_functions(workdir, tmp_path):
    """``loopsim plot figure5|raster`` options map one-to-one onto the keyword arguments."""
    import inspect

    from loopsim.cli_observe import add_figure5_options, add_raster_options
    from postprocess.plots.figure5 import plot_figure5
    from postprocess.plots.raster import plot_raster

    for adder, function, argv in (
            (add_figure5_options, plot_figure5, ["--pixel", "25", "25", "--times", "-5", "60"]),
            (add_raster_options, plot_raster, ["--scan", "2", "--pixel", "25", "25"])):
        parser = argparse.ArgumentParser()
        before = {a.dest for a in parser._actions}
        adder(parser)
        dests = [a.dest for a in parser._actions if a.dest not in before]
        assert set(dests) <= set(inspect.signature(function).parameters)
        options = vars(parser.parse_args(argv))
        out = function(workdir / "r.h5", tmp_path / f"{function.__name__}.png",
                       **{k: options[k] for k in dests})
        assert out.is_file()

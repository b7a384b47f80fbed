"""Scene files: parsing, kernels and ribbons, time interpolation, and bad input."""

from __future__ import annotations

import numpy as np
import pytest
from instrument_synthetic import (
    LAMBDA0,
    flare_intensity,
    quiet_profile,
    scene_text,
    write_flare,
    write_quiet,
)

from postprocess.instrument.scene import SceneError, load_scene


@pytest.fixture
def files(tmp_path):
    write_quiet(tmp_path / "quiet.h5", step=0.01)  # the flare grid: no resampling
    write_flare(tmp_path / "flare.h5")
    (tmp_path / "run.h5").write_bytes(b"")  # existence is all the scene checks
    return tmp_path


def _scene(path, text):
    path.write_text(text)
    return load_scene(path)


def test_kernels_ribbon_and_relative_paths(files):
    text = scene_text("quiet.h5", """
[[kernel]]
name = "a"
profiles = "flare.h5"
run = "run.h5"
onset = 3.0
filling = 0.5
pixels = [[5, 6], [7, 8]]

[[ribbon]]
name = "r"
profiles = "flare.h5"
start = [-20.0, -10.0]
end = [20.0, 10.0]
kernels = 5
radius = 3.0
onset = 10.0
onset_step = 4.0
filling = 0.8
""")
    scene = _scene(files / "s.toml", text)
    assert [k.name for k in scene.kernels] == ["a", "r_1", "r_2", "r_3", "r_4", "r_5"]
    assert scene.kernels[0].weights[5, 6] == 0.5 and scene.kernels[0].weights.sum() == 1.0
    assert [k.onset for k in scene.kernels[1:]] == [10.0, 14.0, 18.0, 22.0, 26.0]
    # a disc of radius 3" covers pi r^2 / pixel^2 pixels (sub-sampled fractions)
    area = scene.kernels[3].weights.sum() * 2.5 ** 2
    assert area == pytest.approx(0.8 * np.pi * 9.0, rel=0.03)
    # the middle ribbon kernel is centred on the field centre
    w = scene.kernels[3].weights
    cx = (w.sum(axis=1) @ scene.x_centres) / w.sum()
    assert cx == pytest.approx(0.0, abs=1e-9)
    assert scene.kernels[0].run_path == (files / "run.h5").resolve()


def test_data_dir_resolution(files, tmp_path_factory):
    other = tmp_path_factory.mktemp("elsewhere")
    path = other / "s.toml"
    path.write_text(scene_text("quiet.h5"))
    with pytest.raises(SceneError, match="does not exist"):
        load_scene(path)
    assert load_scene(path, data_dir=files).quiet.size > 0


def test_time_interpolation_and_onset(files):
    text = scene_text("quiet.h5", """
[[kernel]]
profiles = "flare.h5"
onset = 10.0
pixels = [[3, 3]]
[[kernel]]
profiles = "flare.h5"
onset = 10.0
pixels = [[4, 4]]
pre_onset = "first"
""")
    scene = _scene(files / "s.toml", text)
    lam = scene.wavelength
    before = scene.radiance(9.99)
    np.testing.assert_allclose(before[3, 3], quiet_profile(lam), rtol=1e-12)  # dark
    np.testing.assert_allclose(before[4, 4], flare_intensity(lam, np.array([0.0]))[0],
                               rtol=1e-12)
    # between snapshots (0.5 s apart): linear interpolation in time
    mid = scene.radiance(10.0 + 7.25)[3, 3]
    expected = 0.5 * (flare_intensity(lam, np.array([7.0]))[0]
                      + flare_intensity(lam, np.array([7.5]))[0])
    np.testing.assert_allclose(mid, expected, rtol=1e-12)
    # after the last snapshot the last profile holds
    np.testing.assert_allclose(scene.radiance(1e4)[3, 3],
                               flare_intensity(lam, np.array([90.0]))[0], rtol=1e-12)
    assert abs(lam[np.argmin(quiet_profile(lam))] - LAMBDA0) < 0.01


@pytest.mark.parametrize(("kernel", "message"), [
    ('profiles = "missing.h5"\npixels = [[1, 1]]', "missing.h5' does not exist"),
    ('profiles = "flare.h5"\nrun = "norun.h5"\npixels = [[1, 1]]', "norun.h5' does not exist"),
    ('profiles = "flare.h5"\npixels = [[40, 1]]', r"pixel \[40, 1\] is outside the field"),
    ('profiles = "flare.h5"\npixels = [[-1, 1]]', "outside the field"),
    ('profiles = "flare.h5"\ncentre = [49.0, 0.0]\nradius = 2.0', "not inside the field"),
    ('profiles = "flare.h5"\npixels = [[1, 1]]\nfilling = 1.5', "filling = 1.5"),
    ('profiles = "flare.h5"\npixels = [[1, 1]]\nfilling = 0', "filling = 0"),
    ('profiles = "flare.h5"\npixels = [[1, 1]]\nspeed = 3', "unknown key"),
    ('profiles = "flare.h5"\npixels = [[1, 1]]\npre_onset = "bright"', "pre_onset"),
    ('profiles = "flare.h5"', "give pixels"),
])
def test_bad_kernels_fail_before_computation(files, kernel, message):
    with pytest.raises(SceneError, match=message):
        _scene(files / "bad.toml", scene_text("quiet.h5", f"[[kernel]]\n{kernel}\n"))


def test_bad_scene_sections(files):
    with pytest.raises(SceneError, match="quiet_sun"):
        _scene(files / "b1.toml", '[field]\nshape = [4, 4]\npixel = 1.0\n')
    with pytest.raises(SceneError, match="nothere.h5' does not exist"):
        _scene(files / "b2.toml", scene_text("nothere.h5"))
    with pytest.raises(SceneError, match="pixel = -1"):
        _scene(files / "b3.toml", scene_text("quiet.h5", pixel=-1))
    with pytest.raises(SceneError, match="shape"):
        _scene(files / "b4.toml", scene_text("quiet.h5", shape=(0, 4)))
    with pytest.raises(SceneError, match="add up to"):
        _scene(files / "b5.toml", scene_text("quiet.h5", """
[[kernel]]
profiles = "flare.h5"
pixels = [[1, 1]]
filling = 0.7
[[kernel]]
profiles = "flare.h5"
pixels = [[1, 1]]
filling = 0.7
"""))
    with pytest.raises(SceneError, match="unknown section"):
        _scene(files / "b6.toml", scene_text("quiet.h5") + "\n[telescope]\nx = 1\n")
    with pytest.raises(SceneError, match="scene file"):
        load_scene(files / "nonexistent.toml")

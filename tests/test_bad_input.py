"""Bad input is rejected before any computation, with a message naming key, value and range,
and nothing already on disk is lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopsim.cli import main


def run_cli(capsys, *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("override", "expected"),
    [
        ("mesh.cels=10", ["mesh.cels", "did you mean 'mesh.cells'"]),
        ("initial.left.rho=-1.0", ["initial.left.rho", "-1.0", "> 0"]),
        ("initial.right.p=-0.1", ["initial.right.p", "-0.1", "> 0"]),
        ("initial.right.p=0", ["initial.right.p", "0", "> 0"]),
        ("time.end=0", ["time.end", "0", "> 0"]),
        ("time.end=-1.0", ["time.end", "-1.0", "> 0"]),
        ("mesh.cells=abc", ["mesh.cells", "abc", "integer"]),
        ("mesh.cells=1", ["mesh.cells", "1", ">= 2"]),
        ("eos.gamma=1.0", ["eos.gamma", "1.0", "> 1"]),
        ("boundary.left.kind='wall'", ["boundary.left.kind", "wall", "reflecting"]),
        ("time.theta=0.3", ["time.theta", "0.3", ">= 0.5"]),
    ],
)
def test_bad_values_are_rejected_before_computation(capsys, tmp_path: Path, override, expected):
    out = tmp_path / "out.h5"
    code, err = run_cli(capsys, "run", "sod", "-o", str(out), "--set", override)
    assert code == 2
    for fragment in expected:
        assert fragment in err, (fragment, err)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


def test_unknown_key_in_problem_file_is_rejected(capsys, tmp_path: Path):
    problem = tmp_path / "typo.toml"
    problem.write_text('[time]\nend = 0.1\n[mesh]\ncells = 10\n[viscosity]\nc_quadratc = 1.0\n')
    code, err = run_cli(capsys, "run", str(problem), "-o", str(tmp_path / "out.h5"))
    assert code == 2
    assert "viscosity.c_quadratc" in err and "did you mean 'viscosity.c_quadratic'" in err
    assert not (tmp_path / "out.h5").exists()


def test_missing_problem_file(capsys, tmp_path: Path):
    code, err = run_cli(capsys, "run", str(tmp_path / "nowhere.toml"))
    assert code == 2 and "nowhere.toml" in err and "does not exist" in err
    code, err = run_cli(capsys, "run", "no_such_problem")
    assert code == 2 and "unknown problem 'no_such_problem'" in err and "sod" in err


def test_run_file_in_missing_directory(capsys, tmp_path: Path):
    target = tmp_path / "missing" / "out.h5"
    code, err = run_cli(capsys, "run", "sod", "-o", str(target))
    assert code == 2 and "does not exist" in err and str(target.parent) in err
    assert not target.parent.exists()


def test_existing_run_file_is_not_overwritten(capsys, tmp_path: Path):
    target = tmp_path / "precious.h5"
    target.write_bytes(b"earlier results")
    code, err = run_cli(capsys, "run", "sod", "-o", str(target), "--set", "mesh.cells=20")
    assert code == 2 and "already exists" in err and "--overwrite" in err
    assert target.read_bytes() == b"earlier results"


def test_x_interface_outside_mesh(capsys, tmp_path: Path):
    code, err = run_cli(capsys, "run", "sod", "-o", str(tmp_path / "o.h5"),
                        "--set", "initial.x_interface=2.0")
    assert code == 2 and "initial.x_interface" in err and "2.0" in err
    assert not (tmp_path / "o.h5").exists()

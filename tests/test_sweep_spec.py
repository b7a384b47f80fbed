"""Sweep files: members, ranges, names, and bad files rejected before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from loopsim.config import list_problems
from loopsim.sweep import (
    PENDING,
    Manifest,
    MemberRecord,
    SweepError,
    list_sweeps,
    load_sweep,
    member_config,
    parse_sweep,
    read_manifest,
)

HEAD = '[sweep]\nbase = "fcm85_f11"\n'


def sweep_text(body: str, head: str = HEAD) -> str:
    return head + body


def test_grid_members_order_and_values():
    spec = parse_sweep(sweep_text(
        '[set]\nmesh.cells = 100\n'
        '[[axis]]\nkey = "beam.F20"\nlog = [1e9, 1e11]\nnum = 5\n'
        '[[axis]]\nkey = "beam.delta"\nlinear = [3, 5]\nnum = 3\n'))
    assert len(spec.members) == 15
    # log range: exact endpoints, exact powers of ten inside, geometric steps
    f20 = spec.axes[0].values
    assert f20[0] == 1e9 and f20[2] == 1e10 and f20[4] == 1e11
    np.testing.assert_allclose(np.diff(np.log10(f20)), 0.5, rtol=1e-14)
    assert spec.axes[1].values == (3.0, 4.0, 5.0)
    # first axis slowest
    assert [m.params["beam.F20"] for m in spec.members[:4]] == [1e9, 1e9, 1e9, f20[1]]
    assert [m.params["beam.delta"] for m in spec.members[:4]] == [3.0, 4.0, 5.0, 3.0]
    names = [m.name for m in spec.members]
    assert len(set(names)) == len(names)
    assert names[0] == "m000_F20-1e9_delta-3"
    assert all(c.isalnum() or c in "._-" for name in names for c in name)
    # the member's config carries base, [set] and the axis values
    config = member_config(spec.base_toml, spec.fixed, spec.members[7].params)
    assert config.mesh.cells == 100
    assert config.beam.F20 == spec.members[7].params["beam.F20"]
    assert config.beam.delta == 4.0
    assert config.loop.half_length == 1.0e9  # from the base problem


def test_zip_pairs_values():
    spec = parse_sweep(HEAD + 'mode = "zip"\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10, 1e11]\n'
                       '[[axis]]\nkey = "beam.duration"\nvalues = [2.0, 5.0]\n')
    assert [(m.params["beam.F20"], m.params["beam.duration"]) for m in spec.members] == [
        (1e10, 2.0), (1e11, 5.0)]


@pytest.mark.parametrize(("body", "expected"), [
    # unknown keys: in the sweep file, in an axis table, and config keys (with a hint)
    ('mdoe = "grid"\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10]\n',
     ["unknown key 'mdoe'", "did you mean 'mode'"]),
    ('[[axis]]\nkey = "beam.F20"\nvalue = [1e10]\n', ["unknown key 'value'", "'values'"]),
    ('[[axis]]\nkey = "beam.F2O"\nvalues = [1e10]\n',
     ["unknown config key 'beam.F2O'", "did you mean 'beam.F20'"]),
    ('[set]\nmesh.cels = 100\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10]\n',
     ["unknown config key 'mesh.cels'", "mesh.cells"]),
    ('[[axis]]\nkey = "beam"\nvalues = [1]\n', ["'beam' is a config section"]),
    # empty axis, no axis
    ('[[axis]]\nkey = "beam.delta"\nvalues = []\n', ["axis 'beam.delta'", "empty"]),
    ('', ["no [[axis]]"]),
    # ranges: non-positive log range, missing num, bad num, malformed bounds
    ('[[axis]]\nkey = "beam.F20"\nlog = [0.0, 1e11]\nnum = 3\n',
     ["axis 'beam.F20'", "log range [0.0, 100000000000.0]", "positive"]),
    ('[[axis]]\nkey = "beam.F20"\nlog = [-1e9, 1e11]\nnum = 3\n', ["log range [-1000000000.0"]),
    ('[[axis]]\nkey = "beam.delta"\nlinear = [3, 5]\n', ["axis 'beam.delta'", "needs num"]),
    ('[[axis]]\nkey = "beam.delta"\nlinear = [3, 5]\nnum = 0\n', ["num = 0"]),
    ('[[axis]]\nkey = "beam.delta"\nlinear = [3]\nnum = 2\n', ["linear = [3]"]),
    ('[[axis]]\nkey = "beam.delta"\nvalues = [3]\nlog = [1, 2]\nnum = 2\n',
     ["exactly one of", "values, log"]),
    # zip of unequal lengths
    ('mode = "zip"\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10, 1e11, 1e12]\n'
     '[[axis]]\nkey = "beam.delta"\nvalues = [3, 4]\n',
     ["zip", "beam.F20 has 3", "beam.delta has 2"]),
    ('mode = "diagonal"\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10]\n',
     ["sweep.mode = 'diagonal'"]),
    # the same key twice / both fixed and swept
    ('[[axis]]\nkey = "beam.F20"\nvalues = [1e10]\n[[axis]]\nkey = "beam.F20"\nvalues = [1]\n',
     ["'beam.F20' is given twice"]),
    ('[set]\nbeam.F20 = 1e10\n[[axis]]\nkey = "beam.F20"\nvalues = [1e10]\n',
     ["both an axis and a fixed value"]),
])
def test_bad_sweep_file_is_named(body: str, expected: list[str]):
    with pytest.raises(SweepError) as info:
        parse_sweep(sweep_text(body))
    for fragment in expected:
        assert fragment in str(info.value), (fragment, str(info.value))


def test_bad_base_and_top_level():
    with pytest.raises(SweepError, match="sweep.base = 'no_such_problem'"):
        parse_sweep('[sweep]\nbase = "no_such_problem"\n[[axis]]\nkey = "a.b"\nvalues = [1]\n')
    with pytest.raises(SweepError, match="unknown key 'axes'"):
        parse_sweep(HEAD + '[[axes]]\nkey = "beam.F20"\nvalues = [1e10]\n')


def test_bad_value_is_a_member_failure_not_a_file_error():
    """A value the config rejects does not stop the sweep file from loading."""
    spec = parse_sweep(HEAD + '[[axis]]\nkey = "beam.delta"\nvalues = [2.0, 4.0]\n')
    assert len(spec.members) == 2
    with pytest.raises(Exception, match=r"beam.delta = 2.0 is out of range"):
        member_config(spec.base_toml, spec.fixed, spec.members[0].params)


def test_cli_rejects_bad_file_before_running(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text(HEAD + '[[axis]]\nkey = "beam.F20"\nlog = [0, 1e11]\nnum = 3\n')
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "loopsim", "sweep", str(bad), "-o", str(out)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "axis 'beam.F20': log range [0, 100000000000.0] must be positive" in proc.stderr
    assert not out.exists()  # nothing was created, nothing ran


def test_named_sweeps_found_and_not_listed_as_problems():
    sweeps = list_sweeps()
    assert {"sweep_f20_delta", "sweep_f20_delta_ci"} <= set(sweeps)
    assert not set(sweeps) & set(list_problems())
    full = load_sweep("sweep_f20_delta")
    assert full.base == "fcm85_f11" and len(full.members) == 20
    ci = load_sweep("sweep_f20_delta_ci")
    assert len(ci.members) == 6 and ci.fixed["mesh.cells"] <= 150
    for member in ci.members:  # every member of the shipped sweeps is a valid problem
        member_config(ci.base_toml, ci.fixed, member.params)


def test_manifest_roundtrip(tmp_path: Path):
    records = [
        MemberRecord(index=0, name="m0", params={"beam.F20": 1e10, "mesh.cells": 100,
                                                  "eos.kind": "hydrogen"},
                     run_file="runs/m0.h5", status="done", wall_s=1.25, steps=12,
                     attempts=1, scalars={"v": 0.1 + 0.2, "w": float("nan")}),
        MemberRecord(index=1, name="m1", params={"beam.F20": 3e10, "mesh.cells": 200,
                                                  "eos.kind": "hydrogen"},
                     run_file="runs/m1.h5", status="failed", error="ConfigError: x = 1 bad"),
    ]
    manifest = Manifest(attrs={"axes": ["beam.F20", "mesh.cells", "eos.kind"], "fixed": {},
                               "name": "t"}, records=records, units={"v": "km s^-1"})
    manifest.write(tmp_path)
    back = read_manifest(tmp_path)
    assert back.records[0].params == records[0].params
    assert back.records[0].scalars["v"] == 0.1 + 0.2  # bit-for-bit
    assert np.isnan(back.records[0].scalars["w"])
    assert back.records[1].status == "failed" and back.records[1].error.endswith("bad")
    assert np.isnan(back.records[1].scalars["v"])  # missing scalars are NaN
    assert back.units["v"] == "km s^-1" and back.counts()["done"] == 1
    table = back.table()
    assert table["mesh.cells"].dtype == np.int64 and list(table["name"]) == ["m0", "m1"]
    csv_lines = (tmp_path / "manifest.csv").read_text().splitlines()
    assert csv_lines[0].startswith("index,name,status,beam.F20,mesh.cells,eos.kind,error")
    assert "0.30000000000000004" in csv_lines[1]
    assert not list(tmp_path.glob("*.tmp"))
    assert PENDING == "pending"

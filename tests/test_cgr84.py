"""Hα of static flare chromospheres: the CGR84 grid (postprocess.analysis.cgr84, seed Figure 1).

* With no beam, loopsim's own quiet chromosphere (VAL-C temperatures, P0 = 10) gives the
  quiet-Sun Hα line depth: centre 0.14-0.19 of the continuum (FAL-C and the observed disk
  centre: ~0.16; issue 4).
* CGR84 trends at F5 = 5e5 (measured, docs/validation.md): F20 = 1e8 profiles are centrally
  reversed (emission peaks >= the continuum around a dip, depth 0.70-0.75) for P0 = 1-100
  and not reversed for P0 >= 1e3 (there: absorption lines, the weak beam cannot heat the
  dense top; see the module docstring); the 3-Å wing rises above its F20 = 1e8 level by
  0.01 at F20 = 1e9, 0.06 at 1e10 and 0.34 at 1e11 (P0 = 100).
* The features do not depend on the resolution: 60, 120 and 240 cells agree to 0.03 in
  reversal depth and 0.02 in the 3-Å excess (the grid resolves the top of the
  chromosphere in Hα optical depth; a grid geometric in m gave 5.4 and 3.1 x the
  continuum at line centre at 60 and 120 cells).
"""

from __future__ import annotations

import pytest

from loopsim.config import ConfigError
from postprocess.analysis.cgr84 import cgr84_profile, profile_features

CELLS = 60


def _features(p0: float, f20: float, cells: int = CELLS) -> dict[str, float]:
    return profile_features(cgr84_profile(p0, f20, cells=cells))


@pytest.fixture(scope="module")
def grid():
    points = [(1.0, 1e8), (10.0, 1e8), (1e3, 1e8), (1e4, 1e8), (100.0, 1e8), (100.0, 1e9),
              (100.0, 1e10), (100.0, 1e11)]
    return {point: _features(*point) for point in points}


def test_quiet_model_chromosphere_has_quiet_sun_line_depth():
    features = _features(10.0, 0.0)
    assert 0.14 <= features["centre"] / features["continuum"] <= 0.19
    assert features["reversal_depth"] == 0.0  # an absorption line


def test_central_reversal_disappears_at_high_coronal_pressure(grid):
    """CGR84: only P0 >~ 1e3 dyn cm^-2 gives profiles that are not centrally reversed."""
    low = [grid[(p0, 1e8)]["reversal_depth"] for p0 in (1.0, 10.0, 100.0)]
    assert min(low) > 0.5  # 0.71, 0.75, 0.70 measured
    for p0 in (1.0, 10.0, 100.0):
        assert grid[(p0, 1e8)]["peak"] >= grid[(p0, 1e8)]["continuum"]
    assert grid[(1e3, 1e8)]["reversal_depth"] == 0.0
    assert grid[(1e4, 1e8)]["reversal_depth"] == 0.0


def test_stark_wing_emission_marks_intense_beams(grid):
    """CGR84: emission 3 Å from line centre marks F20 >~ 1e10; measured as the rise of
    the 3-Å intensity above that of the F20 = 1e8 model at the same P0 = 100."""
    base = grid[(100.0, 1e8)]["excess_3A"]
    rise = {f20: grid[(100.0, f20)]["excess_3A"] - base for f20 in (1e9, 1e10, 1e11)}
    assert rise[1e10] > 4.0 * rise[1e9]  # 0.056 vs 0.010 measured
    assert rise[1e11] > 20.0 * rise[1e9]  # 0.34
    assert grid[(100.0, 1e11)]["excess_3A"] > 0.2  # wing emission above the continuum


@pytest.mark.parametrize(("p0", "f20"), [(10.0, 1e8), (100.0, 1e10)])
def test_features_do_not_depend_on_resolution(grid, p0, f20):
    coarse = grid[(p0, f20)]
    fine = _features(p0, f20, cells=2 * CELLS)
    assert fine["reversal_depth"] == pytest.approx(coarse["reversal_depth"], abs=0.03)
    assert fine["excess_3A"] == pytest.approx(coarse["excess_3A"], abs=0.01)
    assert fine["centre"] == pytest.approx(coarse["centre"], rel=0.1)


@pytest.mark.slow
@pytest.mark.parametrize(("p0", "f20"), [(1.0, 1e8), (1e3, 1e8), (100.0, 1e11)])
def test_features_converge_at_240_cells(p0, f20):
    coarse, fine = _features(p0, f20, cells=120), _features(p0, f20, cells=240)
    assert fine["reversal_depth"] == pytest.approx(coarse["reversal_depth"], abs=0.03)
    assert fine["excess_3A"] == pytest.approx(coarse["excess_3A"], abs=0.02)


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"p0": 0.0, "f20": 1e8}, "p0 = 0.0"),
    ({"p0": 10.0, "f20": -1.0}, "f20 = -1.0"),
    ({"p0": 10.0, "f20": 1e8, "f5": -2.0}, "f5 = -2.0"),
    ({"p0": 10.0, "f20": 1e8, "cells": 5}, "cells = 5"),
])
def test_bad_input_is_rejected(kwargs, fragment):
    with pytest.raises(ConfigError, match=fragment):
        cgr84_profile(**kwargs)


def test_figure1_is_drawn(tmp_path):
    from loopsim.cli import main

    output = tmp_path / "fig1.png"
    assert main(["plot", "figure1", "-o", str(output), "--cells", "30", "--p0", "10", "1e3",
                 "--f20", "1e8", "1e11", "-q"]) == 0
    assert output.stat().st_size > 30_000


def test_figure1_rejects_bad_input_before_computing(tmp_path):
    from postprocess.plots.figure1 import plot_figure1

    with pytest.raises(ConfigError, match=r"cells = 3 .*\[20, 100000\]"):
        plot_figure1(tmp_path / "x.png", cells=3)
    with pytest.raises(ConfigError, match="p0 = -5.0"):
        plot_figure1(tmp_path / "x.png", p0=[10.0, -5.0])
    assert not (tmp_path / "x.png").exists()

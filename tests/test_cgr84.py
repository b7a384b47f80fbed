"""Hα of static flare chromospheres: the CGR84 grid (postprocess.analysis.cgr84, seed Figure 1).

The conductive flux F5 follows P0 as in a static loop ("rtv": F5 = 4.8e5 P0 erg cm^-2 s^-1,
the default; docs/physics.md §14 gives the reasons and the fixed-F5 measurements).

* With no beam, loopsim's own quiet chromosphere (VAL-C temperatures, P0 = 10) gives the
  quiet-Sun Hα line depth: centre 0.14-0.19 of the continuum (FAL-C and the observed disk
  centre: ~0.16; issue 4).
* Irradiation (default f_abs = 0.5): the chromosphere absorbs f_abs F5/2 of the conductive
  layer's downward EUV by H I / He I photoionisation (docs/physics.md §14).
* CGR84 P0 trend at F20 = 1e8 (measured, docs/validation.md): a self-reversed emission
  core whose reversal weakens with P0, core depth 0.73 / 0.73 / 0.46 at P0 = 1 / 10 / 100
  (peaks 0.99, 1.01 above the continuum 0.91 at P0 = 1, 10; at P0 = 100 0.90, just below
  it), and unreversed single-peaked emission at P0 = 1e3 and 1e4 (1.23 and 2.17 at line
  centre, 60 cells).  Robustness: with f_abs halved (0.25) P0 = 1e3 is an absorption line
  (peak 0.75 < continuum 0.92), with it doubled (1.0) emission (1.98); without
  irradiation (f_abs = 0) absorption (centre 0.53): the tests pin all three.
* In the fixed-F5 mode a flux above 4.8e5 P0 evaporates the top until p_top = F5/4.8e5:
  the P0 axis is lost (the reason for the default).
* Stark wings: the 3-Å intensity at P0 = 100 rises above its F20 = 1e8 value by 0.010 at
  F20 = 1e9, 0.057 at 1e10 and 0.34 at 1e11.
* Resolution: the features at 60 and 120 cells (and, slow, 120 and 240) agree (P0 = 1e3
  centre 1.23 / 1.18 / 1.16, P0 = 1e4 2.17 / 2.02 / 1.98 at 60 / 120 / 240 cells); every
  evaporated top is regridded (test_flare_chromosphere.py), which removed the single
  emission peaks that coarse first cells had produced at high P0 / high F5 (3.97, 3.02,
  2.20 x the continuum at 60, 120, 240 cells for P0 = 1e3 before).
"""

from __future__ import annotations

import pytest

from loopsim.config import ConfigError
from postprocess.analysis.cgr84 import (
    REVERSAL_MIN_OFFSET,
    cgr84_profile,
    conductive_flux,
    profile_features,
)

CELLS = 60
UPPER = (1.0, 10.0, 100.0, 1e3, 1e4)


def _features(p0: float, f20: float, cells: int = CELLS, **kwargs) -> dict[str, float]:
    return profile_features(cgr84_profile(p0, f20, cells=cells, **kwargs))


@pytest.fixture(scope="module")
def grid():
    points = [(p0, 1e8) for p0 in UPPER] + [(100.0, 1e9), (100.0, 1e10), (100.0, 1e11)]
    return {point: _features(*point) for point in points}


def test_quiet_model_chromosphere_has_quiet_sun_line_depth():
    features = _features(10.0, 0.0)
    # 0.185 measured with the default irradiation (F5 = 4.8e6 at P0 = 10), 0.167 without
    assert 0.14 <= features["centre"] / features["continuum"] <= 0.19
    assert features["reversal_depth"] == 0.0  # an absorption line


def test_conductive_flux_follows_the_static_loop():
    """F5 = "rtv": the RTV loop's flux at 1e5 K, 4.77e5 P0; a number passes through."""
    for p0 in UPPER:
        assert conductive_flux(p0, "rtv") == pytest.approx(4.77e5 * p0, rel=0.01)
    assert conductive_flux(10.0, 5e5) == 5e5
    with pytest.raises(ConfigError, match="f5 = 'fixed' is neither a number"):
        conductive_flux(10.0, "fixed")


def test_fixed_f5_above_the_loop_value_replaces_p0():
    """Why F5 is tied to P0: a fixed F5 larger than a static transition region at P0 can
    radiate evaporates the top until p_top = F5/4.8e5, whatever P0 (the upper panel would
    show one pressure), while with F5 = "rtv" the top stays at P0 (1 %)."""
    from loopsim.config import load_config
    from loopsim.flare_chromosphere import static_flare_chromosphere

    config = load_config("fcm85_f11")
    tops = [static_flare_chromosphere(config, p0, 1e8, f5=5e7, cells=40).p_top
            for p0 in (1.0, 10.0)]
    assert tops == pytest.approx([105.0, 105.0], rel=0.05)
    for p0 in (1.0, 1e3):
        model = static_flare_chromosphere(config, p0, 1e8, f5=conductive_flux(p0, "rtv"),
                                          cells=40)
        assert model.p_top == pytest.approx(p0, rel=0.01)


def test_central_reversal_weakens_and_disappears_with_coronal_pressure(grid):
    """CGR84: the central reversal weakens as P0 grows and only P0 >~ 1e3 dyn cm^-2 gives
    profiles that are not centrally reversed; they are in emission (seed Section III:
    collisions tie the emissivity to the outward-rising temperature)."""
    core = [grid[(p0, 1e8)]["core_reversal"] for p0 in UPPER]
    assert min(core[:2]) > 0.6  # 0.73, 0.73 measured
    for p0 in (1.0, 10.0):  # emission peaks above the continuum around the central dip
        assert grid[(p0, 1e8)]["peak"] > grid[(p0, 1e8)]["continuum"]
        assert grid[(p0, 1e8)]["reversal_depth"] == pytest.approx(core[UPPER.index(p0)])
    assert 0.2 < core[2] < min(core[:2]) - 0.1  # 0.46 at P0 = 100: weaker
    for p0 in (1e3, 1e4):
        high = grid[(p0, 1e8)]
        assert high["core_reversal"] == 0.0 and high["reversal_depth"] == 0.0
        assert high["peak_offset"] < REVERSAL_MIN_OFFSET  # the maximum is at line centre
        assert high["centre"] > 1.2 * high["continuum"]  # 1.34 and 2.31 x measured


def test_p0_100_reversed_core_stays_just_below_the_continuum(grid):
    """Recorded shortfall against CGR84 (whose P0 = 100 profile has emission peaks): with
    irradiation the peaks of the reversed core at P0 = 100 are 0.90, 0.01-0.02 below the
    continuum 0.91 (0.93 without irradiation), so the strict reversal depth is 0."""
    mid = grid[(100.0, 1e8)]
    assert 0.95 * mid["continuum"] < mid["peak"] < mid["continuum"]
    assert mid["reversal_depth"] == 0.0 and mid["core_reversal"] > 0.2


def test_high_pressure_emission_needs_the_irradiation(grid):
    """The P0 = 1e3 emission is the conductive layer's downward EUV absorbed in the dense top
    (f_abs F5/2 = 1.2e8 erg cm^-2 s^-1 at f_abs = 0.5, more than the beam's 1e8 above 20 keV):
    without it (f_abs = 0) the line is in absorption (centre 0.53, peak within 1.5 Å 0.75 <
    continuum 0.92), as it is with f_abs halved (0.25: centre 0.75, flat core below the
    continuum), while f_abs = 1 gives stronger unreversed emission (1.98).  The conclusion
    at P0 = 1e3 holds for f_abs >~ 0.5, not for half the adopted value."""
    adopted = grid[(1e3, 1e8)]["centre"]
    off, half, double = (_features(1e3, 1e8, f_abs=f_abs) for f_abs in (0.0, 0.25, 1.0))
    for features in (off, half):
        assert features["peak"] < features["continuum"]  # absorption
        assert features["reversal_depth"] == 0.0 and features["core_reversal"] == 0.0
    assert off["centre"] < 0.7 * off["continuum"]
    assert double["peak_offset"] < REVERSAL_MIN_OFFSET and double["centre"] > adopted


def test_stark_wing_emission_marks_intense_beams(grid):
    """CGR84: emission 3 Å from line centre marks F20 >~ 1e10; measured as the rise of
    the 3-Å intensity above that of the F20 = 1e8 model at the same P0 = 100."""
    base = grid[(100.0, 1e8)]["excess_3A"]
    rise = {f20: grid[(100.0, f20)]["excess_3A"] - base for f20 in (1e9, 1e10, 1e11)}
    assert rise[1e10] > 4.0 * rise[1e9]  # 0.057 vs 0.010 measured
    assert rise[1e11] > 20.0 * rise[1e9]  # 0.34
    assert grid[(100.0, 1e11)]["excess_3A"] > 0.2  # wing emission above the continuum


@pytest.mark.parametrize(("p0", "f20"), [(100.0, 1e8), (1e3, 1e8), (100.0, 1e10)])
def test_features_do_not_depend_on_resolution(grid, p0, f20):
    coarse = grid[(p0, f20)]
    fine = _features(p0, f20, cells=2 * CELLS)
    assert fine["reversal_depth"] == pytest.approx(coarse["reversal_depth"], abs=0.03)
    assert fine["core_reversal"] == pytest.approx(coarse["core_reversal"], abs=0.03)
    assert (fine["peak"] > fine["continuum"]) == (coarse["peak"] > coarse["continuum"])
    assert fine["excess_3A"] == pytest.approx(coarse["excess_3A"], abs=0.01)
    assert fine["centre"] == pytest.approx(coarse["centre"], abs=0.15)


@pytest.mark.slow
@pytest.mark.parametrize(("p0", "f20"), [(1.0, 1e8), (100.0, 1e8), (1e3, 1e8), (1e4, 1e8),
                                         (100.0, 1e11)])
def test_features_converge_at_240_cells(p0, f20):
    coarse, fine = _features(p0, f20, cells=120), _features(p0, f20, cells=240)
    assert fine["reversal_depth"] == pytest.approx(coarse["reversal_depth"], abs=0.03)
    assert fine["core_reversal"] == pytest.approx(coarse["core_reversal"], abs=0.03)
    assert fine["excess_3A"] == pytest.approx(coarse["excess_3A"], abs=0.02)
    # P0 = 1e4 converges with irradiation (2.02 / 1.98 at 120 / 240 cells; without it
    # 1.22 / 1.08 did not)
    assert fine["centre"] == pytest.approx(coarse["centre"], abs=0.05)
    assert (fine["peak"] > fine["continuum"]) == (coarse["peak"] > coarse["continuum"])


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"p0": 0.0, "f20": 1e8}, "p0 = 0.0"),
    ({"p0": 10.0, "f20": -1.0}, "f20 = -1.0"),
    ({"p0": 10.0, "f20": 1e8, "f5": -2.0}, "f5 = -2.0"),
    ({"p0": 10.0, "f20": 1e8, "f5": "loop"}, "f5 = 'loop'"),
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
    fixed = tmp_path / "fixed.png"
    assert main(["plot", "figure1", "-o", str(fixed), "--cells", "30", "--p0", "10",
                 "--f20", "1e8", "--f5", "5e5", "-q"]) == 0
    assert fixed.exists()


def test_figure1_rejects_bad_input_before_computing(tmp_path):
    from loopsim.cli import main
    from postprocess.plots.figure1 import plot_figure1

    with pytest.raises(ConfigError, match=r"cells = 3 .*\[20, 100000\]"):
        plot_figure1(tmp_path / "x.png", cells=3)
    with pytest.raises(ConfigError, match="p0 = -5.0"):
        plot_figure1(tmp_path / "x.png", p0=[10.0, -5.0])
    with pytest.raises(ConfigError, match="f5 = 'loop'"):
        plot_figure1(tmp_path / "x.png", f5="loop")
    with pytest.raises(SystemExit):
        main(["plot", "figure1", "-o", str(tmp_path / "x.png"), "--f5", "loop"])
    assert not (tmp_path / "x.png").exists()

"""Resolution convergence of an explosively evaporating beam-heated loop.

The FCM85 loop (L = 1e9 cm, 1.2 MK) heated by a delta = 4, E_c = 20 keV beam of
F20 = 3e11 erg cm^-2 s^-1 is well above the model's explosive-evaporation threshold
(docs/validation.md, "explosive threshold"): the whole upper chromosphere runs away past
the peak of the radiative loss within 0.3 s and drives a ~100 km/s condensation, as in
FCM85's Figure 4.  Doubling the number of cells must change the peak condensation
downflow, the condensation's downflow and column mass later on, and the peak evaporation
upflow by less than 5 % (issue 3's resolution criterion).

CI doubles 150 -> 300 cells over the first second; `pytest -m slow` doubles 300 -> 600 over
2 s (`loopsim run fcm85_f11 --set beam.F20=3e11 --set rezone.enabled=false --set time.end=2
--set mesh.cells=600`).

F20 = 1e11, the shipped `fcm85_f11`, sits at this model's threshold: the condensation is
driven by a hot bubble that runs away at log N_H ~ 19.6, one cell wide on any fixed mesh.
The problem therefore rezones (splits unresolved fronts down to 1e-8 g cm^-2 or ~20 m; never
merges gas below 1e5 K coarser than its 600-cell initial mesh), and `pytest -m slow`
checks that halving the smallest cell length (the binding limit in the dense
chromosphere), doubling the mesh (initial cells, smallest cell mass, longest cell) and
halving the split thresholds each change its peak downflow by less than 5 % (first 4 s;
the 60-s apex density comparison is in docs/validation.md, with its commands).
"""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.analysis.condensation import condensation_history, summary

#: above the threshold the whole upper chromosphere runs away together (no one-cell
#: bubble), so the fixed mesh converges; rezoning (on in fcm85_f11) is switched off
EXPLOSIVE = ("beam.F20=3e11", "output.interval=0.05", "rezone.enabled=false")


def _facts(run) -> dict[str, float]:
    history = condensation_history(run)
    facts = summary(history)
    last = int(np.flatnonzero(history.found)[-1])
    facts["v_final_kms"] = float(history.v_mean_kms[last])
    facts["column_mass_final"] = float(history.column_mass[last])
    facts["t_final"] = float(history.times[last])
    facts["cells_across"] = int(np.median(history.n_cells[history.found]))
    return facts


def _compare(coarse: dict[str, float], fine: dict[str, float]) -> None:
    assert coarse["t_final"] == fine["t_final"]
    for key in ("v_peak_kms", "v_final_kms", "column_mass_final", "upflow_peak_kms"):
        change = fine[key] / coarse[key] - 1.0
        assert abs(change) < 0.05, f"{key}: {coarse[key]:.4g} -> {fine[key]:.4g} ({change:+.1%})"
    # a real ~100 km/s condensation (FCM85 Figure 4), resolved by several cells
    assert 80.0 < fine["v_peak_kms"] < 120.0
    assert fine["cells_across"] >= 4


def test_doubling_cells_changes_explosive_condensation_by_under_5_percent(run_problem):
    coarse = _facts(run_problem("fcm85_f11", "mesh.cells=150", "time.end=1.0", *EXPLOSIVE))
    fine = _facts(run_problem("fcm85_f11", "mesh.cells=300", "time.end=1.0", *EXPLOSIVE))
    _compare(coarse, fine)


@pytest.mark.slow
def test_doubling_cells_300_to_600_explosive(run_problem):
    coarse = _facts(run_problem("fcm85_f11", "mesh.cells=300", "time.end=2.0", *EXPLOSIVE))
    fine = _facts(run_problem("fcm85_f11", "mesh.cells=600", "time.end=2.0", *EXPLOSIVE))
    _compare(coarse, fine)


#: the mesh doubled: initial cells (the floor below 1e5 K), smallest mass, longest cell
MESH_DOUBLED = ("mesh.cells=1200", "rezone.min_cell_mass=5e-9", "rezone.max_cell_length=2.5e7")
#: the split thresholds halved
SPLITS_HALVED = ("rezone.split_dlog_T=0.15", "rezone.split_dlog_rho=0.25")


@pytest.mark.slow
@pytest.mark.parametrize("refined", [("rezone.min_cell_length=1e3",), MESH_DOUBLED,
                                     SPLITS_HALVED],
                         ids=["binding-length-halved", "mesh-doubled", "splits-halved"])
def test_doubling_resolution_of_fcm85_f11_with_rezoning(run_problem, refined):
    """Peak condensation downflow (first 4 s) of the shipped rezoning fcm85_f11 against the
    same run with (a) the smallest cell length halved (20 -> 10 m: the binding limit in
    the dense chromosphere, where the bubble forms), (b) the mesh doubled (1200 initial
    cells, half the smallest mass and longest cell) and (c) the split thresholds halved.
    (All at once is unaffordable: docs/validation.md.)"""
    base = ("time.end=4.0", "output.interval=0.25")
    coarse = summary(condensation_history(run_problem("fcm85_f11", *base)))
    fine = summary(condensation_history(run_problem("fcm85_f11", *base, *refined)))
    change = fine["v_peak_kms"] / coarse["v_peak_kms"] - 1.0
    assert abs(change) < 0.05, (coarse["v_peak_kms"], fine["v_peak_kms"])
    assert 20.0 < fine["v_peak_kms"] < 100.0

"""Resolution convergence of an explosively evaporating beam-heated loop.

The FCM85 loop (L = 1e9 cm, 1.2 MK) heated by a delta = 4, E_c = 20 keV beam of
F20 = 3e11 erg cm^-2 s^-1 is well above the model's explosive-evaporation threshold
(docs/validation.md, "explosive threshold"): the whole upper chromosphere runs away past
the peak of the radiative loss within 0.3 s and drives a ~100 km/s condensation, as in
FCM85's Figure 4.  Doubling the number of cells must change the peak condensation
downflow, the condensation's downflow and column mass later on, and the peak evaporation
upflow by less than 5 % (issue 3's resolution criterion).

CI doubles 150 -> 300 cells over the first second; `pytest -m slow` doubles 300 -> 600 over
2 s (`loopsim run fcm85_f11 --set beam.F20=3e11 --set time.end=2 --set mesh.cells=600`).

(F20 = 1e11, the shipped `fcm85_f11`, sits at this model's threshold: there only a thin
layer crosses the loss peak, and the peak downflow is not converged at 300 -> 600 cells;
docs/validation.md reports both.)
"""

from __future__ import annotations

import numpy as np
import pytest

from postprocess.analysis.condensation import condensation_history, summary

EXPLOSIVE = ("beam.F20=3e11", "output.interval=0.05")


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

"""The FAL-C quiet-Sun model atmosphere (Fontenla, Avrett & Loeser 1993, ApJ 406, 319).

The published model (82 depth points; the tabulation distributed with Lightweaver,
Osborne & Milic 2021, ApJ 917, 14, from RH's ``FALC_82``) is shipped as
``postprocess/halpha/data/falc.dat``; its header states the columns and how the heights
were reconstructed from the column mass.  :func:`falc` returns it as an
:class:`~postprocess.halpha.atmosphere.Atmosphere` (static, cgs, top first).
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

import numpy as np

from .atmosphere import Atmosphere


@lru_cache(maxsize=1)
def _table() -> np.ndarray:
    text = resources.files("postprocess.halpha").joinpath("data/falc.dat").read_text()
    return np.loadtxt(text.splitlines(), comments="#")


def falc_table() -> dict[str, np.ndarray]:
    """The FAL-C columns: height (cm), column_mass (g cm^-2), T (K), n_e (cm^-3),
    v_turb (cm s^-1), n_h total hydrogen (cm^-3), n_p protons (cm^-3) and the FAL93 NLTE
    hydrogen level populations ``pops`` [5, n] (cm^-3)."""
    t = _table()
    return {"height": t[:, 0] * 1e5, "column_mass": t[:, 1], "T": t[:, 2], "n_e": t[:, 3],
            "v_turb": t[:, 4] * 1e5, "n_h": t[:, 5], "n_p": t[:, 6], "pops": t[:, 7:12].T.copy()}


def falc(velocity: float = 0.0) -> Atmosphere:
    """FAL-C as an :class:`Atmosphere`; ``velocity`` (cm s^-1, + = downward) is uniform."""
    t = falc_table()
    n = t["T"].size
    return Atmosphere(height=t["height"], temperature=t["T"], n_e=t["n_e"], n_h=t["n_h"],
                      n_p=t["n_p"], velocity=np.full(n, float(velocity)), v_turb=t["v_turb"],
                      column_mass=t["column_mass"], q_beam=np.zeros(n), name="FAL-C",
                      meta={"source": "falc", "reference": "Fontenla, Avrett & Loeser 1993"})

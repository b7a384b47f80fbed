"""Physical analysis of run files: chromospheric condensations and Fisher's (1989) model."""

from .condensation import (
    Condensation,
    CondensationHistory,
    condensation_history,
    find_condensation,
    summary,
)
from .fisher89 import (
    FisherComparison,
    FisherSolution,
    IsothermalChromosphere,
    TabulatedChromosphere,
    fisher_condensation,
    fisher_from_run,
)

__all__ = [
    "Condensation",
    "CondensationHistory",
    "FisherComparison",
    "FisherSolution",
    "IsothermalChromosphere",
    "TabulatedChromosphere",
    "condensation_history",
    "find_condensation",
    "fisher_condensation",
    "fisher_from_run",
    "summary",
]

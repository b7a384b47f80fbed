"""Non-LTE Hα synthesis for loop snapshots and model atmospheres (issue 4).

Public API::

    from postprocess.halpha import (Atmosphere, falc, synthesise, synthesise_run,
                                    synthesise_falc, SynthSettings)

    spec = synthesise(falc())                        # SpectrumResult (FAL-C, disk centre)
    prof = synthesise_run("f11.h5", "f11_ha.h5", jobs=2)   # Profiles, all snapshots

Theory, units and validation: docs/halpha.md.
"""

from .atmosphere import Atmosphere, AtmosphereError
from .atom import HydrogenAtom
from .falc import falc, falc_table
from .formal import emergent_intensity, solve_ray
from .mali import MaliResult, MaliSettings, solve_statistical_equilibrium
from .synth import (
                    SpectrumResult,
                    SynthSettings,
                    air_to_vacuum,
                    quiet_sun_continuum,
                    synthesise,
                    synthesise_falc,
                    synthesise_run,
                    vacuum_to_air,
)

__all__ = [
    "Atmosphere",
    "AtmosphereError",
    "HydrogenAtom",
    "MaliResult",
    "MaliSettings",
    "SpectrumResult",
    "SynthSettings",
    "air_to_vacuum",
    "emergent_intensity",
    "falc",
    "falc_table",
    "quiet_sun_continuum",
    "solve_ray",
    "solve_statistical_equilibrium",
    "synthesise",
    "synthesise_falc",
    "synthesise_run",
    "vacuum_to_air",
]

"""Hα of static flare chromospheres: the Canfield, Gunkler & Ricchiazzi (1984) grid.

CGR84 (ApJ 282, 296) showed that in hydrostatic flare chromospheres the Hα central
reversal is set by the coronal pressure P0 (it disappears for P0 >~ 1e3 dyn cm^-2) and
that broad, non-Gaussian Stark wings reaching beyond 3 Å from line centre mark intense
electron beams (F20 >~ 1e10 erg cm^-2 s^-1); the founding paper's Figure 1 shows both.

:func:`cgr84_atmosphere` builds such a chromosphere with loopsim's physics
(:func:`loopsim.flare_chromosphere.static_flare_chromosphere`) and turns it into an
:class:`postprocess.halpha.Atmosphere` (at rest; the FAL-C photosphere spliced in below
the flare model, because the loop physics has no photospheric H⁻ electrons);
:func:`cgr84_profile` synthesises its Hα profile (non-LTE, ionisation solved, beam
rates on); :func:`profile_features` measures the two CGR84 diagnostics.

**Status: not finished; no figure is built from it yet.**  Measured: with no beam the
model chromosphere at P0 = 10 gives the quiet-Sun line depth (centre 0.18 of its
continuum; FAL-C 0.16), tested.  With a beam the profiles are not yet trustworthy.  The
beam now crosses the column of an RTV corona at P0 (3e18 cm^-2 at P0 = 1, 1.5e21 at 1e4)
before the chromosphere, which removed a blow-up at the top cell (line centre 2337 ×
the continuum at 120 cells without it), but the line centre still depends on the
resolution (P0 = 10, F20 = 1e8: 5.4 and 3.1 × the continuum at 60 and 120 cells): the
beam's non-thermal excitation of n = 2, 3 in the top layers fills the core even at
F20 = 1e8, so no model shows a central reversal, and the 3-Å wing emission appears only
above F20 = 1e10 (excess −0.03 at 1e10, +0.27 at 1e11, P0 = 100).  The
P0 trend of CGR84 (no central reversal for P0 >= 1e3) is **not reproduced**: CGR84's
models have a third parameter, the conductive flux F5 from the high-pressure corona,
which heats the top of the chromosphere; :mod:`loopsim.flare_chromosphere` has no such
term, so a high P0 only pushes the chromosphere down toward the temperature minimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopsim.config import Config, load_config
from loopsim.flare_chromosphere import (
    FlareChromosphere,
    rtv_coronal_column,
    static_flare_chromosphere,
)

from ..halpha import Atmosphere, SynthSettings, falc, synthesise
from ..halpha.atmosphere import splice_photosphere

#: problem whose config supplies the ionisation model and gravity of the grid
BASE_PROBLEM = "fcm85_f11"
#: microturbulence of the grid atmospheres (cm s^-1)
V_TURB = 2.0e5


@dataclass(frozen=True)
class GridProfile:
    """Hα of one (P0, F20) model: wavelengths (Å, air, offsets from line centre), intensity
    normalised to the quiet-Sun (FAL-C) continuum, and the model behind it."""

    p0: float
    f20: float
    delta_lambda: np.ndarray
    intensity_norm: np.ndarray
    model: FlareChromosphere


def cgr84_atmosphere(p0: float, f20: float, *, config: Config | None = None,
                     cells: int = 120) -> tuple[Atmosphere, FlareChromosphere]:
    """(Hα atmosphere, flare chromosphere) for coronal pressure p0 (dyn cm^-2) and beam f20
    (erg cm^-2 s^-1 above 20 keV; delta = 4, E_c = 20 keV)."""
    config = config or load_config(BASE_PROBLEM)
    corona = rtv_coronal_column(p0, config.loop.half_length, config.conduction.kappa0)
    model = static_flare_chromosphere(config, p0, f20, cells=cells, coronal_column=corona)
    height = model.height[-1] - model.height
    atmosphere = Atmosphere(
        height=height, temperature=model.temperature, n_e=model.n_e, n_h=model.n_h,
        n_p=model.x_h * model.n_h, velocity=np.zeros(model.n_h.size),
        v_turb=np.full(model.n_h.size, V_TURB), column_mass=model.column_mass,
        q_beam=model.q_beam, name=f"cgr84 P0={p0:g} F20={f20:g}",
        meta={"p0": p0, "f20": f20, "beam": {"F20": f20, "delta": model.delta,
                                             "E_cutoff": model.e_cut_kev}})
    # the flare model stops being chromospheric at its temperature minimum; below it the
    # FAL-C photosphere (with metal electrons) gives the right continuum
    t_min_column = float(model.column_mass[np.argmin(model.temperature)])
    return splice_photosphere(atmosphere, falc(), max(t_min_column, 3.0 * model.column_mass[0])
                              ), model


def cgr84_profile(p0: float, f20: float, *, config: Config | None = None, cells: int = 120,
                  settings: SynthSettings | None = None) -> GridProfile:
    """Hα profile of the (p0, f20) static flare chromosphere (see :func:`cgr84_atmosphere`)."""
    from ..halpha import quiet_sun_continuum

    settings = settings or SynthSettings()
    atmosphere, model = cgr84_atmosphere(p0, f20, config=config, cells=cells)
    spectrum = synthesise(atmosphere, settings, ionisation="solve")
    centre = spectrum.wavelength_air[spectrum.wavelength_air.size // 2]
    return GridProfile(p0, f20, spectrum.wavelength_air - centre,
                       spectrum.intensity / quiet_sun_continuum(settings), model)


def profile_features(profile: GridProfile) -> dict[str, float]:
    """The CGR84 diagnostics of a symmetric (static) profile, in quiet-continuum units.

    ``continuum``: mean intensity beyond |Δλ| = 5.5 Å; ``centre``: intensity at line
    centre; ``reversal_depth``: (peak - centre)/(peak - continuum) when the core within
    ± 1.5 Å has emission peaks above the continuum off line centre, else 0 (absorption
    profiles and single-peaked emission have no central reversal); ``excess_3A``: mean
    intensity at |Δλ| = 2.9–3.1 Å minus the continuum (CGR84's Stark-wing emission).
    """
    dl, intensity = profile.delta_lambda, profile.intensity_norm
    continuum = float(intensity[np.abs(dl) >= 5.5].mean())
    centre = float(intensity[np.argmin(np.abs(dl))])
    core = np.abs(dl) <= 1.5
    peak = float(intensity[core].max())
    reversed_ = peak > continuum and peak > centre * (1.0 + 1e-6)
    wing = (np.abs(dl) >= 2.9) & (np.abs(dl) <= 3.1)
    return {"continuum": continuum, "centre": centre,
            "reversal_depth": (peak - centre) / (peak - continuum) if reversed_ else 0.0,
            "excess_3A": float(intensity[wing].mean()) - continuum}

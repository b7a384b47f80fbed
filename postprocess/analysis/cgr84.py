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

Measured (docs/validation.md, ``loopsim plot figure1``; F5 = 5e5, delta = 4, E_c = 20 keV):
with no beam the model chromosphere at P0 = 10 gives the quiet-Sun line depth (centre
0.18 of its continuum; FAL-C 0.16).  F20 = 1e8 profiles are centrally reversed, emission
peaks at ~1.0 of the quiet continuum around a centre at 0.25-0.29 (depth 0.70-0.75) for
P0 = 1-100 and not reversed for P0 = 1e3, 1e4 -- but there the line is an absorption
line (centre 0.31, 0.39), not CGR84's unreversed emission: a weak beam cannot heat a
chromosphere whose top is as dense as the quiet low chromosphere, and F5 = 5e5 is
radiated in a layer of ~1e-10 g cm^-2 above it.  With a flux the dense corona would
actually conduct (F5 = 5e8, RTV at P0 = 1e3) the P0 = 1e3 profile is a single emission
peak of 8.5 x the continuum, as in CGR84 (not in the tests: the conductive layer's Hα
is not yet checked for resolution).  The 3-Å intensity at P0 = 100 rises above its
F20 = 1e8 value by 0.01, 0.06 and 0.34 at F20 = 1e9, 1e10 and 1e11; it is above the
continuum (+0.28) only at 1e11.  All features agree to 0.01-0.02 at 60, 120 and 240
cells.  The beam rates of the Hα atom (Fang et al. 1993: n = 2 and 3 excited at 2.94 and
0.51 x the ionisation rate q/(n_H 36 eV)) put 13.6 + 30 + 6.2 = 50 eV per 36 eV of beam
energy into ionisation and excitation, 1.4 x the energy available (reported, not changed
here: :mod:`postprocess.halpha.atom` is not this module's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopsim.config import Config, load_config
from loopsim.flare_chromosphere import (
    FlareChromosphere,
    rtv_coronal_column,
    static_flare_chromosphere,
    validate_parameters,
)

from ..halpha import Atmosphere, SynthSettings, falc, synthesise
from ..halpha.atmosphere import splice_photosphere

#: problem whose config supplies the ionisation model and gravity of the grid
BASE_PROBLEM = "fcm85_f11"
#: microturbulence of the grid atmospheres (cm s^-1)
V_TURB = 2.0e5
#: transition-region conductive flux at 1e5 K (erg cm^-2 s^-1) held fixed across the grid:
#: the flux at 1e5 K of loopsim's RTV loop (L = 1e9 cm) at the grid's lowest pressure,
#: P0 = 1 (4.9e5); CGR84's own value is not available here (see the module docstring)
F5 = 5.0e5
#: smallest offset (Å) of an emission peak from line centre that makes a central reversal
REVERSAL_MIN_OFFSET = 0.1


@dataclass(frozen=True)
class GridProfile:
    """Hα of one (P0, F20) model: wavelengths (Å, air, offsets from line centre), intensity
    normalised to the quiet-Sun (FAL-C) continuum, and the model behind it."""

    p0: float
    f20: float
    delta_lambda: np.ndarray
    intensity_norm: np.ndarray
    model: FlareChromosphere


def cgr84_atmosphere(p0: float, f20: float, *, f5: float = F5, config: Config | None = None,
                     cells: int = 120) -> tuple[Atmosphere, FlareChromosphere]:
    """(Hα atmosphere, flare chromosphere) for coronal pressure p0 (dyn cm^-2), beam f20
    (erg cm^-2 s^-1 above 20 keV; delta = 4, E_c = 20 keV) and conductive flux f5
    (erg cm^-2 s^-1 at 1e5 K)."""
    validate_parameters(p0, f20, f5, cells)
    config = config or load_config(BASE_PROBLEM)
    corona = rtv_coronal_column(p0, config.loop.half_length, config.conduction.kappa0)
    model = static_flare_chromosphere(config, p0, f20, f5=f5, cells=cells,
                                      coronal_column=corona)
    height = model.height[-1] - model.height
    atmosphere = Atmosphere(
        height=height, temperature=model.temperature, n_e=model.n_e, n_h=model.n_h,
        n_p=model.x_h * model.n_h, velocity=np.zeros(model.n_h.size),
        v_turb=np.full(model.n_h.size, V_TURB), column_mass=model.column_mass,
        q_beam=model.q_beam, name=f"cgr84 P0={p0:g} F20={f20:g}",
        meta={"p0": p0, "f20": f20, "f5": f5, "beam": {"F20": f20, "delta": model.delta,
                                             "E_cutoff": model.e_cut_kev}})
    # the flare model stops being chromospheric at its temperature minimum; below it the
    # FAL-C photosphere (with metal electrons) gives the right continuum
    t_min_column = float(model.column_mass[np.argmin(model.temperature)])
    return splice_photosphere(atmosphere, falc(), max(t_min_column, 3.0 * model.column_mass[0])
                              ), model


def cgr84_profile(p0: float, f20: float, *, f5: float = F5, config: Config | None = None,
                  cells: int = 120, settings: SynthSettings | None = None) -> GridProfile:
    """Hα profile of the (p0, f20) static flare chromosphere (see :func:`cgr84_atmosphere`)."""
    from ..halpha import quiet_sun_continuum

    settings = settings or SynthSettings()
    atmosphere, model = cgr84_atmosphere(p0, f20, f5=f5, config=config, cells=cells)
    spectrum = synthesise(atmosphere, settings, ionisation="solve")
    centre = spectrum.wavelength_air[spectrum.wavelength_air.size // 2]
    return GridProfile(p0, f20, spectrum.wavelength_air - centre,
                       spectrum.intensity / quiet_sun_continuum(settings), model)


def profile_features(profile: GridProfile) -> dict[str, float]:
    """The CGR84 diagnostics of a symmetric (static) profile, in quiet-continuum units.

    ``continuum``: mean intensity beyond |Δλ| = 5.5 Å; ``centre``: intensity at line
    centre; ``peak``: the maximum within ± 1.5 Å; ``reversal_depth``: 1 - centre/peak
    when that maximum lies off line centre (|Δλ| >= REVERSAL_MIN_OFFSET) and above the
    continuum (emission peaks around a central dip), else 0 (absorption profiles and
    single-peaked emission have no central reversal); ``excess_3A``: mean intensity at
    |Δλ| = 2.9-3.1 Å minus the continuum (CGR84's Stark-wing emission).
    """
    dl, intensity = profile.delta_lambda, profile.intensity_norm
    continuum = float(intensity[np.abs(dl) >= 5.5].mean())
    centre = float(intensity[np.argmin(np.abs(dl))])
    core = np.flatnonzero(np.abs(dl) <= 1.5)
    k = core[np.argmax(intensity[core])]
    peak = float(intensity[k])
    reversed_ = abs(dl[k]) >= REVERSAL_MIN_OFFSET and peak > continuum
    wing = (np.abs(dl) >= 2.9) & (np.abs(dl) <= 3.1)
    return {"continuum": continuum, "centre": centre, "peak": peak,
            "reversal_depth": 1.0 - centre / peak if reversed_ else 0.0,
            "excess_3A": float(intensity[wing].mean()) - continuum}

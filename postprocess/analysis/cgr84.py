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

Conductive flux F5: by default ``"rtv"``, the flux at 1e5 K of the static loop at P0
(:func:`loopsim.flare_chromosphere.rtv_conductive_flux`, 4.77e5 P0 for L = 1e9 cm); a
number gives CGR84's fixed-F5 mode.  The seed (Section V) notes that P0 and F5 are not
independent, and in this model they cannot be: a fixed F5 above 4.8e5 P0 evaporates the
top until p_top = F5/4.8e5 (F5 = 5e7: p_top = 105 for P0 = 1, 10 and 100 alike), and one
below it is less than a static transition region at P0 conducts.

Irradiation: by default (``f_abs`` = ``IRRADIATION_F_ABS`` = 0.5) the chromosphere absorbs
f_abs F5/2 of the conductive layer's downward EUV by H I / He I photoionisation
(:mod:`loopsim.flare_chromosphere`; ``f_abs=0`` switches it off).

Measured (docs/validation.md, ``loopsim plot figure1``; F5 = "rtv", f_abs = 0.5, delta = 4,
E_c = 20 keV; 60 / 120 / 240 cells): with no beam the model chromosphere at P0 = 10 gives
the quiet-Sun line depth (centre 0.185 of its continuum with the irradiation, 0.17
without; FAL-C 0.16).  F20 = 1e8: a self-reversed emission core whose reversal weakens
with P0 (core depth 0.73, 0.73, 0.46 at P0 = 1, 10, 100; peaks 0.99, 1.01 above the
continuum 0.91 at P0 = 1, 10, but 0.90 at P0 = 100, just below it, so the strict
``reversal_depth`` is 0 there), and unreversed single-peaked emission at P0 = 1e3 (centre
1.23 / 1.18 / 1.16 of the quiet continuum) and 1e4 (2.17 / 2.02 / 1.98): CGR84's trend,
with the P0 = 100 peaks a little low.  The P0 = 1e3 emission is the irradiation's:
without it (f_abs = 0) the line is in absorption (centre 0.53 / 0.42 / 0.40), and with
f_abs = 0.25 too (0.75 / 0.66); f_abs = 1 gives 1.98 / 1.95.  Earlier single emission
peaks at high P0 or high F5 (8.5 x the continuum for F5 = 5e8, P0 = 1e3) came from an
unresolved first cell below an evaporated top, now regridded (see
:mod:`loopsim.flare_chromosphere`).  The 3-Å intensity at P0 = 100 rises
above its F20 = 1e8 value by 0.009, 0.059 and 0.34 at F20 = 1e9, 1e10 and 1e11; it is above
the continuum (+0.26) only at 1e11.  The beam rates of the Hα atom (Fang et al. 1993:
n = 2 and 3 excited at 2.94 and 0.51 x the ionisation rate q/(n_H 36 eV)) put 13.6 + 30 +
6.2 = 50 eV per 36 eV of beam energy into ionisation and excitation, 1.4 x the energy
available (reported, not changed here: :mod:`postprocess.halpha.atom` is not this
module's).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopsim.config import Config, ConfigError, load_config
from loopsim.flare_chromosphere import (
    FlareChromosphere,
    rtv_conductive_flux,
    rtv_coronal_column,
    static_flare_chromosphere,
    validate_parameters,
)
from loopsim.physics.irradiation import IRRADIATION_F_ABS

from ..halpha import Atmosphere, SynthSettings, falc, synthesise
from ..halpha.atmosphere import splice_photosphere

#: problem whose config supplies the ionisation model and gravity of the grid
BASE_PROBLEM = "fcm85_f11"
#: microturbulence of the grid atmospheres (cm s^-1)
V_TURB = 2.0e5
#: the F5 mode that ties the conductive flux to P0 as a static loop does
F5_RTV = "rtv"
#: default transition-region conductive flux at 1e5 K: "rtv", the flux at 1e5 K of the
#: energy-balanced static loop (half-length L of the config, 1e9 cm) at P0
#: (:func:`loopsim.flare_chromosphere.rtv_conductive_flux`, 4.8e5 P0 erg cm^-2 s^-1).
#: The seed (Section V) notes that P0 and F5 are not independent; in this model a fixed F5
#: above 4.8e5 P0 cannot be radiated at P0 and evaporates the top until p_top ~ F5/4.8e5,
#: and one below it is less than the transition region at P0 radiates (see docs/physics.md
#: §14).  A number gives CGR84's fixed-F5 mode.
F5: float | str = F5_RTV
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


def conductive_flux(p0: float, f5: float | str = F5, config: Config | None = None) -> float:
    """F5 (erg cm^-2 s^-1 at 1e5 K) of the model at coronal pressure p0 (dyn cm^-2): ``f5``
    itself if it is a number, the static (RTV) loop's flux at 1e5 K at p0 if it is "rtv".
    ConfigError for anything else or an out-of-range value."""
    if isinstance(f5, str):
        if f5.strip().lower() != F5_RTV:
            raise ConfigError(f"cgr84: f5 = {f5!r} is neither a number (erg cm^-2 s^-1) nor "
                              f"{F5_RTV!r}")
        validate_parameters(p0, 0.0)
        config = config or load_config(BASE_PROBLEM)
        f5 = rtv_conductive_flux(p0, config.loop.half_length, config.conduction.kappa0)
    validate_parameters(p0, 0.0, float(f5))
    return float(f5)


def cgr84_atmosphere(p0: float, f20: float, *, f5: float | str = F5,
                     config: Config | None = None, cells: int = 120,
                     f_abs: float = IRRADIATION_F_ABS
                     ) -> tuple[Atmosphere, FlareChromosphere]:
    """(Hα atmosphere, flare chromosphere) for coronal pressure p0 (dyn cm^-2), beam f20
    (erg cm^-2 s^-1 above 20 keV; delta = 4, E_c = 20 keV) and conductive flux f5
    (erg cm^-2 s^-1 at 1e5 K, or "rtv": :func:`conductive_flux`)."""
    config = config or load_config(BASE_PROBLEM)
    validate_parameters(p0, f20, 0.0, cells)
    f5 = conductive_flux(p0, f5, config)
    corona = rtv_coronal_column(p0, config.loop.half_length, config.conduction.kappa0)
    model = static_flare_chromosphere(config, p0, f20, f5=f5, cells=cells,
                                      coronal_column=corona, irradiation=f_abs)
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


def cgr84_profile(p0: float, f20: float, *, f5: float | str = F5,
                  config: Config | None = None, cells: int = 120,
                  settings: SynthSettings | None = None,
                  f_abs: float = IRRADIATION_F_ABS) -> GridProfile:
    """Hα profile of the (p0, f20) static flare chromosphere (see :func:`cgr84_atmosphere`)."""
    from ..halpha import quiet_sun_continuum

    settings = settings or SynthSettings()
    atmosphere, model = cgr84_atmosphere(p0, f20, f5=f5, config=config, cells=cells,
                                         f_abs=f_abs)
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
    single-peaked emission have no central reversal); ``core_reversal``: 1 - centre/peak
    whenever that maximum is a local maximum of the core off line centre (|Δλ| >=
    REVERSAL_MIN_OFFSET, the intensity lower at ± 1.5 Å), above the continuum or not (the
    shape of a self-reversed emission core whose peaks do not reach the continuum; 0 for
    absorption lines, whose maximum within ± 1.5 Å is at the window's edge, and for
    single-peaked emission); ``peak_offset``: |Δλ| of that maximum (Å); ``excess_3A``: mean
    intensity at |Δλ| = 2.9-3.1 Å minus the continuum (CGR84's Stark-wing emission).
    """
    dl, intensity = profile.delta_lambda, profile.intensity_norm
    continuum = float(intensity[np.abs(dl) >= 5.5].mean())
    centre = float(intensity[np.argmin(np.abs(dl))])
    core = np.flatnonzero(np.abs(dl) <= 1.5)
    k = core[np.argmax(intensity[core])]
    peak = float(intensity[k])
    off_centre = abs(dl[k]) >= REVERSAL_MIN_OFFSET
    interior = max(intensity[core[0]], intensity[core[-1]]) < peak
    reversed_ = off_centre and peak > continuum
    wing = (np.abs(dl) >= 2.9) & (np.abs(dl) <= 3.1)
    return {"continuum": continuum, "centre": centre, "peak": peak,
            "peak_offset": float(abs(dl[k])),
            "reversal_depth": 1.0 - centre / peak if reversed_ else 0.0,
            "core_reversal": 1.0 - centre / peak if off_centre and interior else 0.0,
            "excess_3A": float(intensity[wing].mean()) - continuum}

r"""Thick-target bremsstrahlung hard X-ray flux from a run's electron beam.

The seed paper's Figures 3 and 5 set Hα against the hard X-ray count rate (SMM HXRBS,
28-54 keV).  Here: the photon flux at Earth from the beam of a run, for a footpoint area.

**Beam** (the run's ``[beam]`` config; :mod:`loopsim.physics.beam`): injected electron
number flux per unit area and energy ``f(E0) = C E0^-delta`` (electrons cm^-2 s^-1
keV^-1, ``E0`` in keV) for ``E0 >= E_c``, normalised by the energy flux above 20 keV::

    F20 = KEV int_20^inf E f(E) dE = KEV C 20^(2-delta) / (delta - 2)
    =>  C = (delta - 2) F20 20^(delta-2) / KEV                                  (1)

(``KEV`` = erg per keV; for ``E_c > 20`` keV F20 is the power-law extrapolation, as in
the run config).  ``F20(t)`` follows the run's time profile (constant, triangle, table).

**Thick target** (Brown 1971, Sol. Phys. 18, 489): every electron stops by Coulomb
collisions in a cold, fully ionised hydrogen target, ``dE/dN = -K / E`` with
``K = 2 pi e^4 Lambda`` (``Lambda`` the Coulomb logarithm, default 20).  The photon
spectrum at distance ``R`` (1 AU) from a footpoint area ``A`` is

    I(eps) = A / (4 pi R^2) / K  int_eps^inf Q(eps, E) E Fbar(E) dE,
    Fbar(E) = int_max(E, E_c)^inf f(E0) dE0 = C max(E, E_c)^(1-delta) / (delta - 1)    (2)

(photons cm^-2 s^-1 keV^-1), with the cross-section differential in photon energy

* Kramers: ``Q_K = kappa / (eps E)``;
* non-relativistic Bethe-Heitler (Koch & Motz 1959, formula 3BN(a)):
  ``Q_BH = kappa / (eps E) ln[(1 + sqrt(1 - eps/E)) / (1 - sqrt(1 - eps/E))]``;

``kappa = (8/3) alpha r_e^2 m_e c^2 = 7.90e-25 cm^2 keV``.  For ``eps >= E_c`` (2) is
analytic (used in the tests):

    I_K(eps)  = A kappa C eps^(1-delta) / (4 pi R^2 K (delta - 1)(delta - 2))         (3)
    I_BH(eps) = I_K(eps) B(delta - 2, 1/2)                                             (4)

(``B`` the beta function; (4) follows from (2) with ``u = eps/E`` and one integration by
parts) -- the familiar thick-target photon index ``gamma = delta - 1``.  The band flux
``int_eps1^eps2 I d eps`` (photons cm^-2 s^-1) is integrated numerically from (2)
(quadrature in ln E and ln eps); a cold *neutral* target has a smaller ``K``
(Brown 1973) and so ~2.8x more photons: the ionised value is used here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.integrate import quad
from scipy.special import beta as beta_function

from loopsim.constants import E_CHARGE, KEV

ALPHA_FS = 7.2973525693e-3  #: fine-structure constant
R_ELECTRON = 2.8179403262e-13  #: classical electron radius (cm)
ME_C2_KEV = 510.99895  #: electron rest energy (keV)
KAPPA_BH = 8.0 / 3.0 * ALPHA_FS * R_ELECTRON ** 2 * ME_C2_KEV  #: cm^2 keV (7.90e-25)
AU = 1.495978707e13  #: cm
DEFAULT_BAND = (28.0, 54.0)  #: keV, the seed's HXRBS band
CROSS_SECTIONS = ("kramers", "bethe-heitler")


def energy_loss_constant(coulomb_log: float = 20.0) -> float:
    """K = 2 pi e^4 Lambda in keV^2 cm^2 (``dE/dN = -K/E``)."""
    return 2.0 * math.pi * E_CHARGE ** 4 * coulomb_log / KEV ** 2


def electron_normalisation(f20: float, delta: float) -> float:
    """C of f(E0) = C E0^-delta (electrons cm^-2 s^-1 keV^-1, E0 in keV), eq. (1)."""
    if delta <= 2.0:
        raise ValueError(f"delta = {delta} is out of range; allowed: > 2")
    return (delta - 2.0) * f20 * 20.0 ** (delta - 2.0) / KEV


def _q(eps: float, energy: float, cross_section: str) -> float:
    """Q(eps, E) / kappa (keV^-2)."""
    if energy <= eps:
        return 0.0
    if cross_section == "kramers":
        return 1.0 / (eps * energy)
    u = eps / energy
    s = math.sqrt(1.0 - u)
    return (2.0 * math.log1p(s) - math.log(u)) / (eps * energy)


def _check(cross_section: str) -> None:
    if cross_section not in CROSS_SECTIONS:
        raise ValueError(f"cross_section = {cross_section!r}; allowed: "
                         f"{', '.join(CROSS_SECTIONS)}")


def thick_target_spectrum(eps, f20: float, delta: float, e_cut: float = 20.0,
                          area: float = 1.0, *, cross_section: str = "bethe-heitler",
                          coulomb_log: float = 20.0, distance: float = AU) -> np.ndarray:
    """I(eps): photons cm^-2 s^-1 keV^-1 at ``distance`` (cm) from a thick-target
    footpoint of ``area`` (cm^2), eq. (2) integrated numerically; ``eps`` in keV."""
    _check(cross_section)
    c = electron_normalisation(f20, delta)
    k = energy_loss_constant(coulomb_log)
    pref = area * KAPPA_BH * c / (4.0 * math.pi * distance ** 2 * k * (delta - 1.0))

    def one(e: float) -> float:
        def integrand(x: float) -> float:
            energy = math.exp(x)
            fbar = max(energy, e_cut) ** (1.0 - delta)
            return _q(e, energy, cross_section) * energy * fbar * energy

        lo = math.log(e)
        pts = [lo]
        if e_cut > e:
            pts.append(math.log(e_cut))
        total = 0.0
        edges = [*pts, lo + 60.0 / (delta - 1.0)]
        for a, b in zip(edges[:-1], edges[1:], strict=True):
            val, _ = quad(integrand, a, b, epsabs=0.0, epsrel=1e-11, limit=200)
            total += val
        return pref * total

    eps = np.asarray(eps, dtype=float)
    return np.vectorize(one, otypes=[float])(eps)


def kramers_spectrum_analytic(eps, f20: float, delta: float, e_cut: float = 20.0,
                              area: float = 1.0, *, coulomb_log: float = 20.0,
                              distance: float = AU) -> np.ndarray:
    """Closed form of (2) with the Kramers cross-section, eq. (3) (and its ``eps < E_c``
    branch ``C/(delta-1) [(E_c - eps) E_c^(1-delta) + E_c^(2-delta)/(delta-2)] / eps``)."""
    eps = np.asarray(eps, dtype=float)
    c = electron_normalisation(f20, delta)
    k = energy_loss_constant(coulomb_log)
    pref = area * KAPPA_BH / (4.0 * math.pi * distance ** 2 * k)
    above = c * eps ** (1.0 - delta) / ((delta - 1.0) * (delta - 2.0))
    below = c / (delta - 1.0) * ((e_cut - eps) * e_cut ** (1.0 - delta)
                                 + e_cut ** (2.0 - delta) / (delta - 2.0)) / eps
    return pref * np.where(eps >= e_cut, above, below)


def bethe_heitler_to_kramers(delta: float) -> float:
    """I_BH / I_K above E_c: B(delta - 2, 1/2), eq. (4)."""
    return float(beta_function(delta - 2.0, 0.5))


def band_flux(f20: float, delta: float, e_cut: float = 20.0, area: float = 1.0,
              band: Sequence[float] = DEFAULT_BAND, *, cross_section: str = "bethe-heitler",
              coulomb_log: float = 20.0, distance: float = AU) -> float:
    """Photon flux (photons cm^-2 s^-1) at ``distance`` in ``band`` (keV)."""
    lo, hi = float(band[0]), float(band[1])
    if not 0.0 < lo < hi:
        raise ValueError(f"band = {band!r}; allowed: 0 < low < high (keV)")
    if f20 == 0.0:
        return 0.0

    def integrand(x: float) -> float:
        e = math.exp(x)
        return float(thick_target_spectrum(e, f20, delta, e_cut, area,
                                           cross_section=cross_section,
                                           coulomb_log=coulomb_log, distance=distance)) * e

    val, _ = quad(integrand, math.log(lo), math.log(hi), epsabs=0.0, epsrel=1e-9)
    return val


def beam_f20(config: dict[str, Any], times) -> np.ndarray:
    """F20(t) (erg cm^-2 s^-1) from a run's resolved config (``[beam]``) at ``times`` (s,
    run time); 0 without a beam."""
    from loopsim.physics.beam import beam_flux_at, f20_from_flux, profile_code

    times = np.atleast_1d(np.asarray(times, dtype=float))
    beam = config.get("beam", {})
    if not beam.get("enabled", False):
        return np.zeros_like(times)
    delta = float(beam.get("delta", 4.0))
    e_cut = float(beam.get("E_cutoff", 20.0))
    kind = str(beam.get("profile", "constant"))
    code = profile_code(kind)
    if kind == "table":
        table = np.asarray(beam.get("table", []), dtype=float).reshape(-1, 2)
        params = np.zeros(3)
        tt, ff = table[:, 0].copy(), table[:, 1].copy()
    else:
        if beam.get("F20") is not None:
            value = float(beam["F20"])
        else:
            value = float(f20_from_flux(float(beam["flux"]), delta, e_cut))
        params = np.array([float(beam.get("start", 0.0)), float(beam.get("duration", 0.0)),
                           value])
        tt, ff = np.zeros(0), np.zeros(0)
    return np.array([beam_flux_at(float(t), code, params, tt, ff) for t in times])


def hxr_from_config(config: dict[str, Any], times, area: float,
                    band: Sequence[float] = DEFAULT_BAND, *,
                    cross_section: str = "bethe-heitler", coulomb_log: float = 20.0
                    ) -> np.ndarray:
    """Band photon flux at 1 AU (photons cm^-2 s^-1) against run time ``times`` (s) for
    a footpoint ``area`` (cm^2): ``band_flux`` per unit F20 times F20(t) (the spectrum is
    linear in F20 at fixed delta and E_c)."""
    beam = config.get("beam", {})
    f20 = beam_f20(config, times)
    if not beam.get("enabled", False):
        return f20
    unit = band_flux(1.0, float(beam.get("delta", 4.0)), float(beam.get("E_cutoff", 20.0)),
                     area, band, cross_section=cross_section, coulomb_log=coulomb_log)
    return unit * f20


def hxr_from_run(run, times=None, area: float = 1.0e17,
                 band: Sequence[float] = DEFAULT_BAND, **kwargs: Any
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(times, band photon flux at 1 AU) of a run (path or open run); ``times`` (s, run
    time) default: a 0.1 s grid over the run."""
    from loopsim import open_run

    if not hasattr(run, "config"):
        run = open_run(run)
    if times is None:
        times = np.arange(float(run.times[0]), float(run.times[-1]) + 1e-9, 0.1)
    times = np.asarray(times, dtype=float)
    return times, hxr_from_config(run.config, times, area, band, **kwargs)


def hxr_from_kernels(kernels: Sequence[dict[str, Any]], times,
                     band: Sequence[float] = DEFAULT_BAND, **kwargs: Any) -> np.ndarray:
    """Spatially unresolved flux of a whole scene (what HXRBS saw) at scene ``times``:
    sum over kernels (dicts with ``run``, ``onset`` s and ``area_cm2``, as stored in a
    raster's ``kernels`` attribute) of each run's flux at ``t - onset``.  Kernels without
    a run file contribute nothing."""
    from loopsim import open_run

    times = np.asarray(times, dtype=float)
    total = np.zeros_like(times)
    configs: dict[str, dict[str, Any]] = {}
    for kern in kernels:
        path = kern.get("run") or ""
        if not path:
            continue
        if path not in configs:
            configs[path] = open_run(path).config
        total += hxr_from_config(configs[path], times - float(kern["onset"]),
                                 float(kern["area_cm2"]), band, **kwargs)
    return total

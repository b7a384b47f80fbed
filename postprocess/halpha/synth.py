r"""Hα synthesis: one atmosphere (:func:`synthesise`) or every snapshot of a run
(:func:`synthesise_run`), and the quiet-Sun reference (:func:`synthesise_falc`).

Pipeline per atmosphere: statistical equilibrium of the 5-level + continuum hydrogen atom
by MALI (mali.py) -> final formal solution along the ray toward the observer (direction
cosine mu, flows Doppler-shifting the opacity) on a uniform air-wavelength grid around Hα
(spectrum.py).

Wavelengths: the output grid is uniform in **air** wavelength, lambda_air = 6562.81 Å ±
``half_width`` (default 6 Å, step ``resolution``); the matching **vacuum** wavelengths use
the IAU standard conversion (Morton 2000, ApJS 130, 403, eq. 8: n - 1 = 8.34254e-5 +
2.406147e-2/(130 - s^2) + 1.5998e-4/(38.9 - s^2), s = 1e4/lambda_vac in um^-1).

Normalisation: ``intensity_norm`` = intensity / I_c, with I_c the continuum intensity of
the quiet Sun (FAL-C, our own synthesis, same mu) at Hα line centre with the Hα line
opacity left out (background + hydrogen bound-free only).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from ..profiles_file import Profiles, write_profiles
from .atmosphere import DEFAULT_VTURB, Atmosphere, AtmosphereError
from .falc import falc
from .mali import (
    MaliResult,
    MaliSettings,
    build_problem,
    solve_statistical_equilibrium,
    transfer_populations,
)
from .spectrum import continuum_spectrum, emergent_spectrum

#: a run's snapshots are synthesised in chunks of this many consecutive ones (one task per
#: chunk, whatever the number of workers, so the result does not depend on it); within a
#: chunk each snapshot starts from its predecessor's converged populations
#: (``SynthSettings.warm_start``; docs/halpha.md section 8)
WARM_CHAIN = 8


def air_to_vacuum_index(wavelength_vac_A: np.ndarray) -> np.ndarray:
    """Refractive index of standard air at vacuum wavelength (Å), Morton (2000) eq. 8."""
    s2 = (1e4 / np.asarray(wavelength_vac_A, dtype=float)) ** 2
    return 1.0 + 8.34254e-5 + 2.406147e-2 / (130.0 - s2) + 1.5998e-4 / (38.9 - s2)


def vacuum_to_air(wavelength_vac_A: np.ndarray) -> np.ndarray:
    """Air wavelength (Å) of a vacuum wavelength (Å)."""
    lam = np.asarray(wavelength_vac_A, dtype=float)
    return lam / air_to_vacuum_index(lam)


def air_to_vacuum(wavelength_air_A: np.ndarray) -> np.ndarray:
    """Vacuum wavelength (Å) of an air wavelength (Å) (fixed-point iteration, < 1e-9 Å)."""
    lam_air = np.asarray(wavelength_air_A, dtype=float)
    lam = lam_air.copy()
    for _ in range(6):
        lam = lam_air * air_to_vacuum_index(lam)
    return lam


@dataclass
class SynthSettings:
    """Settings of the Hα synthesis (stored with the profiles as TOML)."""

    mu: float = 1.0  # cosine of the viewing angle (1 = disk centre)
    halpha_broadening: str = "stark"  # broadening.py mode: "stark" or "voigt"
    ionisation: str = "auto"  # "fixed" | "solve" | "auto" (fixed for runs, solve otherwise)
    half_width: float = 6.0  # Å, half width of the output grid (air)
    resolution: float = 0.02  # Å, output grid step
    n_mu: int = 3  # rays per hemisphere for the statistical equilibrium
    tolerance: float = 1e-3
    max_iterations: int = 300
    grid_scale: float = 1.0
    v_turb: float = DEFAULT_VTURB  # cm s^-1, microturbulence for run snapshots
    beam: bool = True  # non-thermal beam rates from q_beam
    # runs: start each snapshot's statistical equilibrium from the previous snapshot's
    # populations (within chunks of WARM_CHAIN), not from a coarse-grid solution
    warm_start: bool = True

    def validate(self) -> None:
        if not 0.0 < self.mu <= 1.0:
            raise ValueError(f"mu = {self.mu} must be in (0, 1]")
        if self.half_width < 5.0:
            raise ValueError(f"half_width = {self.half_width} Å: the grid must reach ± 5 Å")
        if not 0.0 < self.resolution <= 0.5:
            raise ValueError(f"resolution = {self.resolution} Å must be in (0, 0.5]")
        if self.ionisation not in ("auto", "fixed", "solve"):
            raise ValueError(f"ionisation must be auto, fixed or solve, not {self.ionisation!r}")
        self.mali("fixed").validate()

    def mali(self, ionisation: str) -> MaliSettings:
        return MaliSettings(ionisation=ionisation, halpha_broadening=self.halpha_broadening,
                            n_mu=self.n_mu, tolerance=self.tolerance,
                            max_iterations=self.max_iterations, grid_scale=self.grid_scale,
                            beam=self.beam)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps({"synthesis": asdict(self)})


@dataclass
class SpectrumResult:
    """An emergent Hα spectrum and the solution behind it (cgs; Å)."""

    wavelength_air: np.ndarray
    wavelength_vacuum: np.ndarray
    intensity: np.ndarray  # erg cm^-2 s^-1 sr^-1 Å^-1
    continuum: float  # this atmosphere's continuum at Hα (line left out), same units
    populations: np.ndarray  # [6, n] cm^-3
    iterations: int
    converged: bool
    mu: float
    settings: SynthSettings
    meta: dict[str, Any] = field(default_factory=dict)
    mali: MaliResult | None = field(default=None, repr=False)


def wavelength_grid(settings: SynthSettings) -> tuple[np.ndarray, np.ndarray]:
    """(air, vacuum) Å: uniform air grid centred on Hα."""
    from .atom import HydrogenAtom

    lam0_air = float(vacuum_to_air(HydrogenAtom().line(2, 3).wavelength))
    n = int(round(settings.half_width / settings.resolution))
    air = lam0_air + settings.resolution * np.arange(-n, n + 1)
    return air, air_to_vacuum(air)


def synthesise(atmosphere: Atmosphere, settings: SynthSettings | None = None,
               ionisation: str | None = None,
               previous: SpectrumResult | None = None) -> SpectrumResult:
    """Hα spectrum of one atmosphere (see the module docstring).

    ``ionisation`` overrides ``settings.ionisation``; "auto" means "fixed" (continuum from
    the atmosphere's n_p) for run snapshots and "solve" for model atmospheres such as FAL-C.
    ``previous``: the solution of a similar atmosphere (the previous snapshot of a run)
    whose populations, carried over in column mass (``mali.transfer_populations``), start
    the iteration instead of the coarse-grid solution; the converged result is the same to
    the tolerance, only the number of iterations changes.
    """
    settings = settings or SynthSettings()
    settings.validate()
    mode = ionisation or settings.ionisation
    if mode == "auto":
        mode = "fixed" if "snapshot" in atmosphere.meta else "solve"
    air, vac = wavelength_grid(settings)
    prob = build_problem(atmosphere, settings.mali(mode), spectrum=(vac, settings.mu))
    initial = None
    if previous is not None and previous.mali is not None:
        before = previous.mali.problem
        if before.settings.ionisation != mode:
            raise ValueError(f"previous: solved with ionisation {before.settings.ionisation!r}, "
                             f"this atmosphere with {mode!r}")
        initial = transfer_populations(previous.populations, before.atmosphere, atmosphere,
                                       prob.atom, mode)
    res = solve_statistical_equilibrium(atmosphere, problem=prob, initial=initial)
    intensity = emergent_spectrum(res, vac, settings.mu)
    lam0 = prob.atom.line(2, 3).wavelength
    cont = float(continuum_spectrum(res, np.array([lam0]), settings.mu)[0])
    return SpectrumResult(air, vac, intensity, cont, res.populations, res.iterations,
                          res.converged, settings.mu, settings, dict(atmosphere.meta), res)


@lru_cache(maxsize=8)
def _quiet_sun_continuum(mu: float, settings_toml: str) -> float:
    import tomllib

    cfg = tomllib.loads(settings_toml)["synthesis"]
    settings = SynthSettings(**cfg)
    return synthesise(falc(), replace(settings, mu=mu), ionisation="solve").continuum


def quiet_sun_continuum(settings: SynthSettings | None = None) -> float:
    """FAL-C continuum intensity at Hα (line left out) at ``settings.mu``, erg cm^-2 s^-1
    sr^-1 Å^-1, from our own synthesis (ionisation solved)."""
    settings = settings or SynthSettings()
    return _quiet_sun_continuum(float(settings.mu), settings.to_toml())


def synthesise_falc(output: str | Path | None = None,
                    settings: SynthSettings | None = None) -> Profiles:
    """Quiet-Sun (FAL-C) profile as a one-time :class:`Profiles` (time = [0]); written to
    ``output`` when given."""
    settings = settings or SynthSettings()
    settings.validate()
    spec = synthesise(falc(), settings, ionisation="solve")
    ref = quiet_sun_continuum(settings)
    prof = Profiles(spec.wavelength_air, spec.wavelength_vacuum, np.zeros(1),
                    spec.intensity[None, :], spec.intensity[None, :] / ref, ref, settings.mu,
                    attrs={"source": "falc", "source_problem": "FAL-C (Fontenla et al. 1993)",
                           "source_code_version": _code_version(), "settings": settings.to_toml(),
                           "iterations": int(spec.iterations),
                           "unconverged_snapshots": int(not spec.converged)})
    if output is not None:
        write_profiles(output, prof)
    return prof


def _code_version() -> str:
    from loopsim import __version__

    return __version__


def _synth_chain(path: str, indices: list[int],
                 settings_toml: str) -> list[tuple[int, np.ndarray, int, bool]]:
    """Synthesise the snapshots ``indices`` of a run in order; with
    ``SynthSettings.warm_start`` a snapshot that directly follows the previous one in the
    run starts from its populations.  Returns (index, intensity, iterations, converged)
    per snapshot."""
    import tomllib

    from loopsim import open_run

    cfg = tomllib.loads(settings_toml)["synthesis"]
    settings = SynthSettings(**cfg)
    run = open_run(path)
    out = []
    spec, last = None, None
    for index in indices:
        atmos = Atmosphere.from_run_snapshot(run, index, v_turb=settings.v_turb)
        warm = settings.warm_start and last is not None and index == last + 1
        spec = synthesise(atmos, settings, previous=spec if warm else None)
        last = index
        out.append((index, spec.intensity, spec.iterations, spec.converged))
    return out


def synthesise_run(run_path: str | Path, output: str | Path | None = None, jobs: int = 1,
                   progress: bool = True, settings: SynthSettings | None = None,
                   snapshots: list[int] | None = None, chain: int = WARM_CHAIN) -> Profiles:
    """Hα profiles of every snapshot of a loop run (or of ``snapshots``).

    Snapshots are synthesised in chunks of ``chain`` consecutive ones (each starting from
    its predecessor's populations with ``settings.warm_start``), in parallel over chunks
    by a local process pool of ``jobs`` workers (``jobs <= 0``: one per CPU); the chunks
    do not depend on ``jobs``, nor does the result.  A tqdm progress bar shows the
    progress.  Returns the :class:`Profiles` and writes them to ``output`` when given.
    Raises :class:`AtmosphereError` for a run file that lacks the needed arrays.
    """
    from loopsim import open_run

    settings = settings or SynthSettings()
    settings.validate()
    if chain < 1:
        raise ValueError(f"chain = {chain}: must be >= 1 (snapshots per chunk)")
    run = open_run(run_path)
    if len(run) == 0:
        raise AtmosphereError(f"run file '{run_path}' has no snapshots")
    indices = list(range(len(run))) if snapshots is None else [int(i) for i in snapshots]
    # fail early, in the parent, if the arrays are missing
    Atmosphere.from_run_snapshot(run, indices[0], v_turb=settings.v_turb)
    toml = settings.to_toml()
    air, vac = wavelength_grid(settings)
    intensity = np.zeros((len(indices), air.size))
    iterations = np.zeros(len(indices), int)
    converged = np.zeros(len(indices), bool)
    position = {idx: n for n, idx in enumerate(indices)}
    jobs = (os.cpu_count() or 1) if jobs <= 0 else jobs
    bar = _progress(len(indices), progress, f"synth {Path(run_path).name}")
    chain = chain if settings.warm_start else 1
    chunks = [indices[k:k + chain] for k in range(0, len(indices), chain)]

    def store(results):
        for idx, spec, nit, ok in results:
            intensity[position[idx]], iterations[position[idx]] = spec, nit
            converged[position[idx]] = ok
        bar.update(len(results))

    try:
        if jobs == 1 or len(chunks) == 1:
            for chunk in chunks:
                store(_synth_chain(str(run_path), chunk, toml))
        else:
            with ProcessPoolExecutor(max_workers=jobs) as pool:
                futures = [pool.submit(_synth_chain, str(run_path), chunk, toml)
                           for chunk in chunks]
                for fut in as_completed(futures):
                    store(fut.result())
    finally:
        bar.close()
    ref = quiet_sun_continuum(settings)
    times = np.asarray(run.times)[indices]
    prof = Profiles(air, vac, times, intensity, intensity / ref, ref, settings.mu,
                    attrs={"source": str(run_path), "source_problem": run.problem,
                           "source_code_version": run.code_version,
                           "source_status": run.status,
                           "source_created_utc": str(run.attrs.get("created_utc", "")),
                           "source_updated_utc": str(run.attrs.get("updated_utc", "")),
                           "snapshots": str(indices),
                           "settings": toml, "synth_code_version": _code_version(),
                           "iterations": str(iterations.tolist()),
                           "unconverged_snapshots": int(np.sum(~converged))})
    if output is not None:
        write_profiles(output, prof)
    return prof


def _progress(total: int, enabled: bool, desc: str):
    from tqdm import tqdm

    return tqdm(total=total, disable=not enabled, desc=desc, unit="snap")

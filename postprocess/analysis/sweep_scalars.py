"""Derived scalars of one flare-loop run, for the sweep manifest (``loopsim sweep``).

:func:`member_scalars` is the summariser the command line hands to
:func:`loopsim.sweep.run_sweep`; it runs in the sweep's workers. Its values come from
:func:`postprocess.analysis.condensation.summary` (definitions there) and, where a
condensation is found, from Fisher's (1989, ApJ 346, 1019) analytic condensation model
(:mod:`postprocess.analysis.fisher89`) started from the run's own condensation -- the
prediction that ``loopsim plot sweep`` overlays. Runs without hydrogen (planar test
problems) or without a condensation give NaN for the quantities they lack.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from loopsim import open_run

from .condensation import KMS, condensation_history, summary
from .fisher89 import decay_time, fisher_from_run

#: manifest column -> units (the summariser's ``units`` attribute)
UNITS = {
    "v_down_peak": "km s^-1",
    "v_down_peak_cell": "km s^-1",
    "t_down_peak": "s",
    "decay_time": "s",
    "decay_tau_fit": "s",
    "condensation_lifetime": "s",
    "v_up_peak": "km s^-1",
    "T_apex_peak": "K",
    "n_e_apex_peak": "cm^-3",
    "n_H_apex_peak": "cm^-3",
    "p_apex_peak": "dyn cm^-2",
    "t_end": "s",
    "fisher_decay_time": "s",
    "fisher_v_ram": "km s^-1",
}

#: manifest column -> the Fisher (1989) column that predicts it (used by the sweep plot)
FISHER_PREDICTIONS = {"decay_time": "fisher_decay_time", "v_down_peak": "fisher_v_ram"}


def member_scalars(run_path: str | Path) -> dict[str, float]:
    """The sweep scalars of the run file ``run_path`` (names and units in :data:`UNITS`).

    * ``v_down_peak``: peak mass-weighted condensation downflow (km/s), at
      ``t_down_peak`` (s); ``v_down_peak_cell``: the fastest single cell in it;
    * ``decay_time``: time after the peak for the downflow to fall to 1/e of it (s);
      ``decay_tau_fit``: e-folding time of an exponential fit to the post-peak downflow;
      ``condensation_lifetime``: from the first detection to the end of the post-peak
      stretch in which the condensation is continuously found (``summary`` t_lost) (s);
    * ``v_up_peak``: peak evaporation (hot upflow) speed (km/s);
    * ``T_apex_peak`` (K), ``n_e_apex_peak``, ``n_H_apex_peak`` (cm^-3), ``p_apex_peak``
      (dyn cm^-2): peak apex temperature, densities and coronal pressure;
    * ``fisher_decay_time``: the same 1/e decay time from Fisher's (1989) model set up
      from the run's first condensation, driven by the mean measured evaporation pressure
      (:func:`postprocess.analysis.fisher89.fisher_from_run`);
      ``fisher_v_ram``: Fisher's ram-pressure estimate of the condensation speed,
      ``v = ((P_d - p_a) / rho_a)^(1/2)`` (his thin-shock limit; (F5) in fisher89.py),
      with the driver pressure just above and the density and pressure just ahead of the
      condensation at ``t_down_peak`` (km/s).
    """
    run = open_run(run_path)
    nan = math.nan
    out = dict.fromkeys(UNITS, nan)
    out["t_end"] = float(run.times[-1]) if len(run) else nan
    if not len(run) or "T" not in run[0] or "N_H" not in run[0]:
        return out
    history = condensation_history(run)
    facts = summary(history)
    out.update({
        "v_down_peak": facts["v_peak_kms"],
        "v_down_peak_cell": facts["v_max_peak_kms"],
        "t_down_peak": facts["t_peak"],
        "decay_time": facts["t_decay_1e"],
        "decay_tau_fit": facts["tau_fit"],
        "condensation_lifetime": facts["t_lost"] - facts["t_first"],
        "v_up_peak": facts["upflow_peak_kms"],
        "T_apex_peak": facts["T_apex_peak"],
        "n_e_apex_peak": facts["n_e_apex_peak"],
        "n_H_apex_peak": float(np.nanmax(history.n_H_apex)),
        "p_apex_peak": facts["p_apex_peak"],
    })
    if history.found.any():
        k = int(np.nanargmax(history.v_mean_kms))
        overpressure = history.p_above[k] - history.p_ahead[k]
        if np.isfinite(overpressure) and overpressure > 0:
            out["fisher_v_ram"] = float(np.sqrt(overpressure / history.rho_ahead[k])) / KMS
        try:
            model = fisher_from_run(run, history, driver="mean")
            out["fisher_decay_time"] = decay_time(model.solution)
        except (ValueError, RuntimeError):
            pass  # the model cannot be set up (no driver above the condensation)
    return {k: float(v) for k, v in out.items()}


member_scalars.units = UNITS  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------------------
# post-processing stages for `loopsim sweep --post synth,observe` (run in the workers)
# ----------------------------------------------------------------------------------------

#: synth stage column (without the "synth_" prefix) -> units
SYNTH_UNITS = {
    "v_red_peak": "km s^-1",
    "t_red_peak": "s",
    "red_decay_time": "s",
    "I_centre_peak": "quiet-Sun continuum",
    "I_centre_pre": "quiet-Sun continuum",
    "unconverged": "1",
}

#: observe stage column (without the "observe_" prefix) -> units
OBSERVE_UNITS = {
    "v_red_peak": "km s^-1",
    "t_red_peak": "s",
    "red_decay_time": "s",
    "red_tau_fit": "s",
    "red_tau_fit_err": "s",
    "scans": "1",
}


def halpha_path(run_path: str | Path) -> Path:
    """Where the synth stage writes a member's Hα profiles: ``runs/MEMBER_halpha.h5``."""
    run_path = Path(run_path)
    return run_path.with_name(f"{run_path.stem}_halpha.h5")


def synth_scalars(run_path: str | Path) -> dict[str, float]:
    """Hα scalars of a member (``--post synth``; needs issue 4, :mod:`postprocess.halpha`).

    Synthesises Hα at every snapshot (:func:`postprocess.halpha.synthesise_run`, one
    process: the sweep already runs one member per core), writes the profiles next to the
    run file (:func:`halpha_path`), and measures the redshift as an observer does
    (seed paper Sect. VI): bisectors of the difference spectra against the first
    (pre-flare) snapshot (:func:`postprocess.analysis.bisector.velocity_series`), giving
    ``v_red_peak`` (km/s, positive = red) at ``t_red_peak`` (s) and its 1/e decay time
    ``red_decay_time`` (s, :func:`postprocess.analysis.decay.one_over_e_time`); also the
    line-centre intensity (units of the quiet-Sun continuum) before the flare
    (``I_centre_pre``) and at its maximum (``I_centre_peak``), and the number of
    snapshots whose statistical equilibrium did not converge.
    """
    from postprocess.halpha import synthesise_run

    from .bisector import LAMBDA0_AIR, velocity_series
    from .decay import one_over_e_time

    output = halpha_path(run_path)
    output.unlink(missing_ok=True)
    profiles = synthesise_run(run_path, output, jobs=1, progress=False)
    series = velocity_series(profiles.time, profiles.wavelength_air, profiles.intensity_norm,
                             reference=0)
    v = series.velocity
    out = dict.fromkeys(SYNTH_UNITS, math.nan)
    if np.isfinite(v).any():
        k = int(np.nanargmax(v))
        out.update(v_red_peak=float(v[k]), t_red_peak=float(series.time[k]),
                   red_decay_time=one_over_e_time(series.time, v))
    centre = int(np.argmin(np.abs(profiles.wavelength_air - LAMBDA0_AIR)))
    out["I_centre_pre"] = float(profiles.intensity_norm[0, centre])
    out["I_centre_peak"] = float(np.max(profiles.intensity_norm[:, centre]))
    out["unconverged"] = float(profiles.attrs.get("unconverged_snapshots", math.nan))
    return out


def observe_scalars(run_path: str | Path) -> dict[str, float]:
    """Observed redshift scalars of a member (``--post observe``; needs issues 4 and 5).

    The member's Hα profiles (from the synth stage, made here if missing) fill a 4 x 4
    arcsec kernel in a quiet-Sun (FAL-C) field, observed from the flare onset with the
    seed's slit-scan spectrograph (:func:`postprocess.instrument.preset`
    ``"sacpeak1980"``: 15 s cadence, photon and read noise, fixed seed) over the run's
    duration; the Doppler velocity of the kernel's brightest pixel is measured with
    bisectors of the difference spectra against the pre-flare scan
    (:func:`postprocess.analysis.bisector.raster_velocity_series`): ``v_red_peak`` (km/s)
    at ``t_red_peak`` (s), the 1/e time ``red_decay_time`` and an exponential fit
    ``red_tau_fit`` +- ``red_tau_fit_err`` (s, :func:`postprocess.analysis.decay.fit_decay`;
    NaN with fewer than 3 scans in the decay).
    """
    from postprocess.halpha import synthesise_falc
    from postprocess.instrument import load_scene, observe, preset

    from .bisector import raster_velocity_series
    from .decay import fit_decay, one_over_e_time

    run_path = Path(run_path)
    profiles = halpha_path(run_path)
    if not profiles.is_file():
        synth_scalars(run_path)
    quiet = run_path.parent / "quiet_sun_halpha.h5"
    if not quiet.is_file():  # shared by all members; written atomically by the writer
        synthesise_falc(quiet)
    instrument = preset("sacpeak1980")
    duration = float(open_run(run_path).times[-1])
    text = (f'[scene]\nname = "{run_path.stem}"\n[field]\ncentre = [0.0, 0.0]\n'
            f"shape = [16, 16]\npixel = 1.0\n"
            f'[quiet_sun]\nprofiles = "{quiet.resolve()}"\n'
            f'[[kernel]]\nname = "member"\nprofiles = "{profiles.resolve()}"\n'
            f'run = "{run_path.resolve()}"\nonset = 0.0\nfilling = 1.0\n'
            f"centre = [0.0, 0.0]\nradius = 2.0\n")
    scene = load_scene(run_path.stem, text=text)
    cadence = float(instrument.cadence)
    scans = max(2, int(math.ceil(duration / cadence)) + 1)
    raster = observe(scene, instrument, n_scans=scans, t_start=-cadence, seed=1)
    x, y = raster.attrs["kernels"][0]["peak_pixel"] if "kernels" in raster.attrs else (0, 0)
    series = raster_velocity_series(raster, int(x), int(y), reference=0)
    v = series.velocity
    out = dict.fromkeys(OBSERVE_UNITS, math.nan)
    out["scans"] = float(scans)
    if np.isfinite(v).any():
        k = int(np.nanargmax(v))
        out.update(v_red_peak=float(v[k]), t_red_peak=float(series.time[k]),
                   red_decay_time=one_over_e_time(series.time, v))
        try:
            fit = fit_decay(series.time, v)
            out.update(red_tau_fit=fit.tau, red_tau_fit_err=fit.tau_err)
        except ValueError:
            pass  # too few scans in the decay phase
    return out


synth_scalars.units = SYNTH_UNITS  # type: ignore[attr-defined]
observe_scalars.units = OBSERVE_UNITS  # type: ignore[attr-defined]

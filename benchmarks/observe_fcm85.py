"""Issue 5, point 6: observe the FCM85 flares through sacpeak1980 and nextmax and measure
the redshift peak and decay the observers' way, beside the run's true condensation
velocity and Fisher's (1989) analytic decay.

Inputs (one directory): RUN.h5 from ``loopsim run`` and RUN_halpha.h5 from
``loopsim synth``, for each run named on the command line::

    loopsim run fcm85_f11 -o runs/fcm85_f11.h5
    loopsim synth runs/fcm85_f11.h5 -o runs/fcm85_f11_halpha.h5
    python benchmarks/observe_fcm85.py runs fcm85_f11 [fcm85_f10 ...] [--trials 8]

Scene: one disc kernel (radius 2", filling 1) whose quiet Sun is the run's own pre-flare
profile; the onset phase relative to the slit crossings is random (``--trials`` values);
the first scan precedes the onset and gives the pre-impulsive spectrum.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np

from postprocess.analysis.bisector import raster_velocity_series
from postprocess.analysis.decay import fisher_decay, fit_decay
from postprocess.instrument import load_scene, observe, preset

SCENE = """
[field]
centre = [0.0, 0.0]
shape = [100, 100]
pixel = 1.0
[quiet_sun]
profiles = "{profiles}"
time = 0.0
[[kernel]]
profiles = "{profiles}"
run = "{run}"
onset = {onset}
centre = [0.5, 0.5]
radius = {radius}
"""

SETUPS = (("sacpeak1980", {}), ("sacpeak1980", {"seeing": 0.0}), ("nextmax", {}))


def observe_run(folder: Path, name: str, trials: int, radius: float, seed: int = 0) -> None:
    run = folder / f"{name}.h5"
    profiles = folder / f"{name}_halpha.h5"
    try:
        truth = fisher_decay(run)
    except ValueError as exc:  # e.g. F20 = 1e10: no condensation in the run
        print(f"{name}: {exc}")
    else:
        v = truth["run_v"]
        k = int(np.nanargmax(v))
        fit = truth["run_fit"]
        print(f"{name}: run condensation peak {v[k]:.1f} km/s at t = {truth['run_t'][k]:.1f}"
              f" s; exp. fit {fit.summary() if fit else 'n/a'}; 1/e time "
              f"{truth['run_1e']:.1f} s")
        ffit = truth["fisher_fit"]
        print(f"{name}: Fisher (1989) model 1/e time {truth['fisher_1e']:.1f} s; "
              f"exp. fit {ffit.summary() if ffit else 'n/a'}")
    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as tmp:
        scene_path = Path(tmp) / "scene.toml"
        for inst_name, changes in SETUPS:
            inst = preset(inst_name, **changes)
            peaks, t_peaks, taus, errs = [], [], [], []
            for trial in range(trials):
                onset = float(rng.uniform(0.0, inst.cadence))
                scene_path.write_text(SCENE.format(profiles=profiles, run=run, onset=onset,
                                                   radius=radius))
                scene = load_scene(scene_path)
                n_scans = int(np.ceil(70.0 / inst.cadence)) + 1
                raster = observe(scene, inst, n_scans=n_scans, t_start=-inst.cadence + 0.01,
                                 seed=trial)
                x, y = raster.attrs["kernels"][0]["peak_pixel"]
                series = raster_velocity_series(raster, x, y)
                if np.isfinite(series.velocity).any():
                    j = int(np.nanargmax(series.velocity))
                    peaks.append(series.velocity[j])
                    t_peaks.append(series.time[j] - onset)
                try:
                    f = fit_decay(series.time, series.velocity)
                except ValueError:
                    continue
                taus.append(f.tau)
                errs.append(f.tau_err)
            label = inst_name + "".join(f" {k}={v}" for k, v in changes.items())
            tau_text = (f"tau {np.mean(taus):5.1f} +/- {np.std(taus):4.1f} s "
                        f"(median stated error {np.median(errs):.1f} s, {len(taus)}/{trials} "
                        "fits)") if taus else "no decay fit (< 3 points)"
            peak_text = (f"peak {np.mean(peaks):5.1f} +/- {np.std(peaks):4.1f} km/s at "
                         f"{np.mean(t_peaks):4.1f} s after onset" if peaks else "no feature")
            print(f"  {label:24s} {peak_text}; {tau_text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder")
    parser.add_argument("runs", nargs="+")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--radius", type=float, default=2.0, help="kernel radius (arcsec)")
    args = parser.parse_args()
    for name in args.runs:
        observe_run(Path(args.folder), name, args.trials, args.radius)


if __name__ == "__main__":
    main()

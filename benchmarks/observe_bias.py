"""How cadence, pixel size and seeing bias the observed redshift peak and decay time.

Input: analytic profiles (tests/instrument_synthetic.py): a Gaussian absorption line plus a
red-shifted emission component, amplitude 2 I_cont exp(-t/40 s), Doppler velocity
45 exp(-t/tau) km/s with tau = 7 s or 30 s, in one disc kernel (radius 2") with a random
onset phase relative to the slit crossings.  Observed with sacpeak1980 (15 s cadence,
2.5" pixels; seeing 2" and 0") and nextmax (5 s, 1"), with noise; the observers'
analysis: difference spectra against the first scan, bisector velocities, exponential fit.
Takes ~3 minutes on one core.  Run: ``python benchmarks/observe_bias.py [trials]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from instrument_synthetic import scene_text, write_flare, write_quiet  # noqa: E402

from postprocess.analysis.bisector import raster_velocity_series  # noqa: E402
from postprocess.analysis.decay import fit_decay  # noqa: E402
from postprocess.instrument import load_scene, observe, preset  # noqa: E402

V0 = 45.0  #: km/s, true initial velocity


def main(trials: int = 12) -> None:
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_quiet(folder / "quiet.h5", step=0.01)
        for tau in (7.0, 30.0):
            write_flare(folder / "flare.h5", v0=V0, tau_v=tau, amp0=2.0, tau_amp=40.0,
                        t_end=120.0)
            for name, seeing in (("sacpeak1980", 2.0), ("sacpeak1980", 0.0), ("nextmax", 1.0)):
                inst = preset(name, seeing=seeing)
                peaks, taus, errs = [], [], []
                for trial in range(trials):
                    onset = float(rng.uniform(0.0, inst.cadence))
                    (folder / "s.toml").write_text(scene_text("quiet.h5", f"""
[[kernel]]
profiles = "flare.h5"
onset = {onset}
centre = [1.0, 0.5]
radius = 2.0
""", shape=(100, 100), pixel=1.25))
                    scene = load_scene(folder / "s.toml")
                    n_scans = int(np.ceil(100.0 / inst.cadence)) + 1
                    raster = observe(scene, inst, n_scans=n_scans, t_start=-inst.cadence,
                                     seed=trial)
                    x, y = raster.attrs["kernels"][0]["peak_pixel"]
                    series = raster_velocity_series(raster, x, y)
                    if np.isfinite(series.velocity).any():
                        peaks.append(np.nanmax(series.velocity))
                    try:
                        fit = fit_decay(series.time, series.velocity)
                    except ValueError:
                        continue
                    taus.append(fit.tau)
                    errs.append(fit.tau_err)
                print(f"tau = {tau:4.0f} s, {name:11s} seeing {seeing:.1f}\", cadence "
                      f"{inst.cadence:4.1f} s: observed peak {np.mean(peaks):5.1f} +/- "
                      f"{np.std(peaks):4.1f} km/s (true {V0}); fitted tau {np.mean(taus):5.1f}"
                      f" +/- {np.std(taus):4.1f} s ({len(taus)}/{trials} fits, median stated "
                      f"error {np.median(errs):.1f} s)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 12)

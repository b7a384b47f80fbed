"""Benchmark: a 50 x 50 x 100 raster for 40 scans (sacpeak1980) of a 16-kernel ribbon scene.

Issue 5 target: <= 10 s on one core.  Run: ``python benchmarks/bench_observe.py``
(``NUMBA_NUM_THREADS=1 OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1`` for one core; the
script sets them if unset).  The profiles are analytic (a Gaussian absorption line with a
decaying red-shifted emission component, 0.01 Å x 0.5 s sampling, 121 snapshots),
written to a temporary directory; timings exclude the first call's numba compilation.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from postprocess.instrument import load_scene, observe, preset, write_raster  # noqa: E402
from postprocess.instrument.observe import build_model, detect, exposure_times  # noqa: E402
from postprocess.profiles_file import Profiles, write_profiles  # noqa: E402

SCENE = """
[field]
centre = [0.0, 0.0]
shape = [100, 100]
pixel = 1.25
[quiet_sun]
profiles = "flare.h5"
time = 0.0
[[ribbon]]
profiles = "flare.h5"
start = [-40.0, 15.0]
end = [35.0, 30.0]
kernels = 10
radius = 2.5
onset_step = 4.0
filling = 0.6
[[ribbon]]
profiles = "flare.h5"
start = [-35.0, -25.0]
end = [30.0, -15.0]
kernels = 6
radius = 2.0
onset = 8.0
onset_step = 6.0
filling = 0.4
"""


def write_inputs(folder: Path) -> Path:
    lam = np.arange(6555.8, 6569.8 + 1e-9, 0.01)
    t = np.arange(0.0, 60.0 + 1e-9, 0.5)
    cont = 4.1e6
    base = cont * (1 - 0.84 * np.exp(-0.5 * ((lam - 6562.8) / 0.45) ** 2))
    shift = 6562.8 * (1 + 50.0 * np.exp(-t / 20.0) / 2.998e5)
    amp = np.where(t > 0, 2.0 * np.exp(-t / 40.0), 0.0)
    inten = base[None, :] + cont * amp[:, None] * np.exp(
        -0.5 * ((lam[None, :] - shift[:, None]) / 0.6) ** 2)
    write_profiles(folder / "flare.h5", Profiles(lam, lam + 1.81, t, inten, inten / cont,
                                                 cont))
    scene = folder / "scene.toml"
    scene.write_text(SCENE)
    return scene


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        scene = load_scene(write_inputs(folder))
        inst = preset("sacpeak1980")
        observe(scene, inst, n_scans=1, t_start=-20.0, seed=0)  # numba compilation
        t0 = time.perf_counter()
        model = build_model(scene, inst)
        t1 = time.perf_counter()
        radiance = model.mean_radiance(exposure_times(inst, 40, -20.0))
        t2 = time.perf_counter()
        detect(radiance, inst, seed=1)
        t3 = time.perf_counter()
        raster = observe(scene, inst, n_scans=40, t_start=-20.0, seed=1)
        t4 = time.perf_counter()
        observe(scene, inst, n_scans=40, t_start=-20.0, noise_free=True)
        t5 = time.perf_counter()
        write_raster(folder / "r.h5", raster)
        t6 = time.perf_counter()
    n_scan, n_slit, n_along, n_lam = raster.shape
    print(f"raster {n_scan} scans x {n_slit} x {n_along} x {n_lam} "
          f"({raster.data.size / 1e6:.0f} M samples), {len(scene.kernels)} kernels, "
          f"{scene.wavelength.size} scene wavelengths")
    print(f"  response matrices      {t1 - t0:6.2f} s")
    print(f"  mean radiance (linear) {t2 - t1:6.2f} s")
    print(f"  detector + noise       {t3 - t2:6.2f} s")
    print(f"observe(), with noise    {t4 - t3:6.2f} s   (target <= 10 s on one core)")
    print(f"observe(), noise-free    {t5 - t4:6.2f} s")
    print(f"write HDF5               {t6 - t5:6.2f} s")


if __name__ == "__main__":
    main()

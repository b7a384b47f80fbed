"""Time the Hα synthesis per snapshot: FAL-C, a flare snapshot, and Lightweaver on FAL-C.

    python benchmarks/bench_halpha.py [--run RUN.h5] [--snapshot -1] [--repeat 3]
                                      [--rezoned RUN.h5] [--no-lightweaver]

* FAL-C (82 points): our full synthesis (statistical equilibrium + Hα spectrum), and the
  statistical equilibrium alone on the like-for-like problem of
  tests/test_halpha_lightweaver.py (Voigt Hα, ionisation solved, tolerance 1e-4), beside
  Lightweaver on the same problem in the same process (the ratio of the two).
* FAL-C interpolated to ~300 depth points (the size of a loop snapshot).
* A flare snapshot (``--run``; default: a short FCM85 F20 = 1e11 run made here, 200 cells),
  through the same path as ``loopsim synth``.
* Snapshots of a real rezoned flare run (``--rezoned``; default: a 12-s FCM85 F20 = 1e11
  run with the configuration's adaptive rezoning, made here): every ``--stride``-th
  snapshot once, mean and max CPU time per snapshot, mean number of depth points and
  iterations (the acceptance figure: <= 0.2 s per ~300-point snapshot on one core).
* The same run synthesised the way ``loopsim synth`` does it (every snapshot, in chunks
  of consecutive snapshots each starting from its predecessor's populations), and with
  ``--cold-start``: CPU time per snapshot of the whole series.

Numba kernels are compiled (or loaded from cache) by a warm-up first; the figures are the
best of ``--repeat`` on one core (numba and the BLAS/OpenMP libraries limited to one thread
unless the environment says otherwise), as wall time and as process CPU time (the CPU time
is the steadier figure on a shared machine).  Record them in benchmarks/RESULTS.md.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core; before numpy and numba are imported

import argparse  # noqa: E402
import platform  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402


def best_of(repeat: int, func):
    """(best wall time, best CPU time, last value) over ``repeat`` calls of ``func``, s."""
    best_wall = best_cpu = np.inf
    value = None
    for _ in range(repeat):
        w0, c0 = time.perf_counter(), time.process_time()
        value = func()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - w0)
    return best_wall, best_cpu, value


def timing(wall: float, cpu: float) -> str:
    return f"{wall:.3f} s wall, {cpu:.3f} s CPU"


def falc_resampled(n: int):
    """FAL-C interpolated (in column mass) onto n points: a ~300-point static test case."""
    from postprocess.halpha import Atmosphere, falc

    a = falc()
    lm = np.log(a.column_mass)
    grid = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, lm.size), lm)

    def f(x):
        return np.exp(np.interp(grid, lm, np.log(x)))

    return Atmosphere(height=np.interp(grid, lm, a.height), temperature=f(a.temperature),
                      n_e=f(a.n_e), n_h=f(a.n_h), n_p=f(a.n_p), velocity=np.zeros(n),
                      v_turb=np.interp(grid, lm, a.v_turb), column_mass=np.exp(grid),
                      name=f"FAL-C x{n}")


def rezoned_snapshots(path, scratch: Path, stride: int, settings) -> None:
    """Mean and max CPU time (s) per snapshot over every ``stride``-th snapshot (from the
    first after the initial state) of a rezoned ``fcm85_f11`` run (``path``, or a 12-s run
    made at ``scratch`` with the configuration's own mesh and adaptive rezoning)."""
    from loopsim import open_run
    from postprocess.halpha import Atmosphere, synthesise

    if path is None:
        from loopsim.config import load_config
        from loopsim.driver import run

        path = scratch
        run(load_config("fcm85_f11", ["time.end=12"]), path, progress=False)
    loop = open_run(path)
    cpu, points, iters, unconverged = [], [], [], 0
    for index in range(stride, len(loop), stride):
        atmos = Atmosphere.from_run_snapshot(loop, index, v_turb=settings.v_turb)
        c0 = time.process_time()
        spec = synthesise(atmos, settings)
        cpu.append(time.process_time() - c0)
        points.append(atmos.n_depth)
        iters.append(spec.iterations)
        unconverged += not spec.converged
    slowest = stride * (1 + int(np.argmax(cpu)))
    print(f"rezoned run {Path(path).name}: {len(cpu)} snapshots (every {stride}th), "
          f"{np.mean(points):.0f} depth points on average: CPU time per snapshot mean "
          f"{np.mean(cpu):.3f} s, max {np.max(cpu):.3f} s (snapshot {slowest}), above 0.2 s: "
          f"{int(np.sum(np.array(cpu) > 0.2))}; iterations mean {np.mean(iters):.0f}, max "
          f"{np.max(iters)}; unconverged {unconverged}")


def series(path, settings) -> None:
    """CPU time per snapshot of ``synthesise_run`` over every snapshot of ``path`` (one
    worker), with warm starts from the previous snapshot (the default) and without."""
    from dataclasses import replace

    from postprocess.halpha.synth import synthesise_run

    for warm in (True, False):
        c0 = time.process_time()
        prof = synthesise_run(path, None, jobs=1, progress=False,
                              settings=replace(settings, warm_start=warm))
        cpu = (time.process_time() - c0) / prof.time.size
        iters = np.array([int(x) for x in prof.attrs["iterations"].strip("[]").split(",")])
        print(f"series {Path(path).name}, all {prof.time.size} snapshots as `loopsim synth` "
              f"{'(warm starts)' if warm else '--cold-start'}: CPU time per snapshot "
              f"{cpu:.3f} s; iterations mean {iters.mean():.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="loop run file (default: make a short F20 = 1e11 run)")
    parser.add_argument("--snapshot", type=int, default=-1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rezoned", help="rezoned fcm85_f11 run file (default: make a "
                        "12-s run)")
    parser.add_argument("--stride", type=int, default=6, help="snapshot stride for --rezoned")
    parser.add_argument("--no-lightweaver", action="store_true")
    args = parser.parse_args()

    from loopsim import open_run
    from postprocess.halpha import Atmosphere, SynthSettings, falc, synthesise
    from postprocess.halpha.mali import MaliSettings, build_problem, solve_statistical_equilibrium
    from postprocess.halpha.profiles import HAVE_BROADENING

    print(f"machine: {platform.machine()} python {platform.python_version()}, "
          f"broadening.py present: {HAVE_BROADENING}")
    synthesise(falc())  # warm-up: numba cache
    settings = SynthSettings()

    wall, cpu, spec = best_of(args.repeat, lambda: synthesise(falc(), settings))
    print(f"FAL-C ({falc().n_depth} points), full synthesis (SE + {spec.wavelength_air.size}-point "
          f"H-alpha spectrum): {timing(wall, cpu)}, {spec.iterations} iterations")

    big = falc_resampled(300)
    wall, cpu, spec = best_of(args.repeat, lambda: synthesise(big, settings))
    print(f"FAL-C resampled to {big.n_depth} points, full synthesis: {timing(wall, cpu)}, "
          f"{spec.iterations} iterations")

    with tempfile.TemporaryDirectory() as tmp:
        path = args.run
        if path is None:
            from loopsim.config import load_config
            from loopsim.driver import run

            path = Path(tmp) / "f11.h5"
            run(load_config("fcm85_f11", ["mesh.cells=200", "time.end=4"]), path,
                progress=False)
        atmos = Atmosphere.from_run_snapshot(open_run(path), args.snapshot)
        wall, cpu, spec = best_of(args.repeat, lambda: synthesise(atmos, settings))
        print(f"flare snapshot {args.snapshot} of {Path(path).name} (t = "
              f"{atmos.meta['time']:g} s, {atmos.n_depth} points incl. FAL-C photosphere): "
              f"{timing(wall, cpu)}, {spec.iterations} iterations")

        rezoned = args.rezoned or Path(tmp) / "f11_rezoned.h5"
        rezoned_snapshots(args.rezoned, rezoned, args.stride, settings)
        series(rezoned, settings)

    if args.no_lightweaver:
        return
    from postprocess.halpha.lwcompare import build_lightweaver, solve_lightweaver

    a = falc()
    ms = MaliSettings(halpha_broadening="voigt", ionisation="solve", tolerance=1e-4,
                      thin_temperature=0.0)

    def ours():
        prob = build_problem(a, ms)
        return solve_statistical_equilibrium(a, problem=prob)

    wall_ours, cpu_ours, res = best_of(args.repeat, ours)
    prob = build_problem(a, ms)
    walls = []
    for _ in range(max(1, min(args.repeat, 2))):
        ctx, _ = build_lightweaver(a, prob)
        out = solve_lightweaver(ctx, tolerance=1e-4)
        walls.append(out["wall"])
    wall_lw = min(walls)
    print(f"FAL-C statistical equilibrium, like-for-like (tolerance 1e-4, "
          f"{prob.lam.size} wavelengths, {2 * prob.mu.size} rays): ours "
          f"{timing(wall_ours, cpu_ours)} ({res.iterations} iterations), Lightweaver "
          f"{wall_lw:.3f} s wall ({out['iterations']} iterations): ratio of the wall times "
          f"{wall_lw / wall_ours:.1f}x")


if __name__ == "__main__":
    main()

"""Hα broadening module: timing and the validation figures quoted in docs/stark.md.

    python benchmarks/bench_broadening.py [--repeat 7]

Prints (1) the time of ``halpha_profile`` for 300 depths x 200 wavelengths in "stark" and
"voigt" mode (best of --repeat, wall clock and process CPU time; the numba kernels and the
kernel tables are built by a warm-up call first), (2) the Stark FWHM against the Gigosos et
al. (2003) and MMM (Lomanowski et al. 2015) fits, with and without ion dynamics and Debye
screening of the ion field, (3) the screened microfield's peak and median, (4) far-wing
slopes, (5) normalisation errors, (6) the widths and wing extents at flare-chromosphere
densities.
"""

from __future__ import annotations

import argparse
import platform
import time

import numba
import numpy as np
import scipy
from scipy import integrate

from loopsim.constants import K_B
from postprocess.halpha import broadening as br

T4 = 1.0e4


def fwhm(x: np.ndarray, p: np.ndarray) -> float:
    half = p[0] / 2.0
    i = int(np.flatnonzero(p < half)[0])
    return 2.0 * (x[i - 1] + (half - p[i - 1]) * (x[i] - x[i - 1]) / (p[i] - p[i - 1]))


def timing(repeat: int) -> None:
    nd, nl = 300, 200
    rng = np.random.default_rng(1)
    t = np.geomspace(5e3, 2e4, nd)
    nh = np.geomspace(1e15, 1e10, nd)
    vt = np.full(nd, 3e5)
    dl = np.linspace(-5.0, 5.0, nl)[None, :] + rng.uniform(-0.5, 0.5, (nd, 1))
    for ne_max in (1e13, 1e15):
        ne = np.geomspace(1e10, ne_max, nd)
        for mode in ("stark", "voigt"):
            br.halpha_profile(dl, t, ne, nh, vt, mode=mode)  # warm-up
            wall, cpu = [], []
            for _ in range(repeat):
                w0, c0 = time.perf_counter(), time.process_time()
                br.halpha_profile(dl, t, ne, nh, vt, mode=mode)
                wall.append(time.perf_counter() - w0)
                cpu.append(time.process_time() - c0)
            print(f"  {mode:5s} n_e 1e10-{ne_max:.0e}: best wall {1e3 * min(wall):6.1f} ms, "
                  f"best cpu {1e3 * min(cpu):6.1f} ms  (300 depths x 200 wavelengths)")


def widths() -> None:
    print("Stark FWHM (pure Stark profile, T = 1e4 K), Å; a = r0/lambda_D, Lambda = electron "
          "Coulomb logarithm:")
    for ne in (1e13, 1e14, 1e15, 1e16, 1e17):
        x = np.linspace(0.0, 40.0 * br.stark_unit_A(ne), 20_001)
        dyn = fwhm(x, br.stark_profile(x, [T4], [ne])[0])
        static = fwhm(x, br.stark_profile(x, [T4], [ne], ion_dynamics=False)[0])
        holts = fwhm(x, br.stark_profile(x, [T4], [ne], shielded=False)[0])
        ggc = 10.98 * (ne / 1e17) ** 0.67965
        mmm = 10.0 * 3.71e-18 * (ne * 1e6) ** 0.7665 / (K_B * T4 / 1.602176634e-12) ** 0.064
        a = float(br.screening_parameter(T4, ne))
        lam = float(br.electron_coulomb_logarithm(T4, ne))
        print(f"  n_e {ne:.0e} (a {a:.3f}, Lambda {lam:.3f}): {dyn:7.4f} (static ions "
              f"{static:7.4f}, unscreened Holtsmark field {holts:7.4f}); GGC03 {ggc:7.4f} "
              f"ratio {dyn / ggc:5.3f} (Holtsmark {holts / ggc:5.3f}); MMM {mmm:7.4f} ratio "
              f"{dyn / mmm:5.3f}")


def microfield() -> None:
    print("Debye-screened microfield (independent ions): most probable and median beta = F/F0")
    beta = np.linspace(0.0, 60.0, 6001)
    for a in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0):
        w = br.microfield_distribution(beta, a)
        cdf = np.cumsum(w) * (beta[1] - beta[0])
        print(f"  a {a:.1f}: peak {beta[np.argmax(w)]:.3f}, median "
              f"{beta[np.searchsorted(cdf, 0.5)]:.3f}")


def slopes() -> None:
    print("Far-wing log-log slopes (T = 1e4 K, n_H = 1e10):")
    for ne in (1e13, 1e14, 1e15, 1e16, 1e17):
        row = []
        for lo, hi in ((3, 30), (10, 100), (30, 300), (100, 1000)):
            x = np.geomspace(lo, hi, 25)
            p = br.halpha_profile(x, [T4], [ne], [1e10], [0.0])[0]
            row.append(f"{lo}-{hi} Å: {np.polyfit(np.log(x), np.log(p), 1)[0]:6.3f}")
        print(f"  n_e {ne:.0e}: " + ", ".join(row))


def normalisation() -> None:
    print("Normalisation, |int phi - 1| (+-400 Å trapezoid + asymptotic wing beyond):")
    for ne, t in ((1e11, 6e3), (1e13, T4), (1e15, T4), (1e17, T4)):
        half = 400.0
        x = np.linspace(-half, half, 400_001)
        p = br.halpha_profile(x, [t], [ne], [1e14], [2e5])[0]
        tail, _ = integrate.quad(lambda d, t=t, ne=ne: br.far_wing_profile(
            [d], [t], [ne], [1e14])[0, 0], half, np.inf, limit=200)
        print(f"  n_e {ne:.0e}, T {t:.0e}: {abs(np.trapezoid(p, x) + 2 * tail - 1):.2e}")


def flare_notes() -> None:
    print("Profiles at flare densities (T = 1e4 K, v_turb = 0, n_H = 1e13): FWHM of phi, "
          "offset where phi falls below 1e-4 and 1e-5 Å^-1:")
    x = np.linspace(0.0, 200.0, 200_001)
    for ne in (1e11, 1e12, 1e13, 1e14, 1e15):
        p = br.halpha_profile(x, [T4], [ne], [1e13], [0.0])[0]
        v = br.halpha_profile(x, [T4], [ne], [1e13], [0.0], mode="voigt")[0]
        reach = [x[np.flatnonzero(p > lim)[-1]] for lim in (1e-4, 1e-5)]
        reach_v = [x[np.flatnonzero(v > lim)[-1]] for lim in (1e-4, 1e-5)]
        i3 = np.searchsorted(x, 3.0)
        print(f"  n_e {ne:.0e}: FWHM {fwhm(x, p):6.3f} Å (voigt mode {fwhm(x, v):6.3f}); "
              f"phi > 1e-4 out to {reach[0]:6.2f} Å, > 1e-5 to {reach[1]:6.2f} Å "
              f"(voigt mode {reach_v[0]:6.2f}, {reach_v[1]:6.2f}); phi(3 Å) = {p[i3]:.2e} "
              f"(voigt {v[i3]:.2e})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    print(f"{platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}, "
          f"numba {numba.__version__}, scipy {scipy.__version__}")
    w0 = time.perf_counter()
    br.halpha_profile(np.zeros(1), [T4], [1e12], [1e12], [0.0])
    print(f"first call (kernel table + numba cache load/compile): "
          f"{time.perf_counter() - w0:.2f} s")
    timing(args.repeat)
    widths()
    microfield()
    slopes()
    normalisation()
    flare_notes()


if __name__ == "__main__":
    main()

"""Seed-paper Figure 5: hard X-rays, Hα difference spectra with bisectors, Doppler velocity.

Top: the thick-target 28-54 keV photon flux at 1 AU of the whole scene
(:func:`postprocess.analysis.hxr.hxr_from_kernels`: every kernel's run, shifted by its
onset and scaled by its area), with the times at which the slit crossed the chosen pixel
marked.  Bottom left: the pixel's difference spectra (minus its pre-impulsive spectrum),
one per scan, offset vertically, each with its bisector drawn as horizontal striations
at the 0.2-0.8 levels and the bisector midpoints joined.  Bottom right: the bisector
Doppler velocity (positive = redshift) against time with the exponential decay fit.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..analysis.bisector import LAMBDA0_AIR, raster_velocity_series  # noqa: E402
from ..analysis.decay import fit_decay  # noqa: E402
from ..analysis.hxr import DEFAULT_BAND, hxr_from_kernels  # noqa: E402


def _hxr(raster, run_path, t_grid):
    kernels = [k for k in raster.attrs.get("kernels", []) if k.get("run")]
    if run_path is not None:
        chosen = [k for k in kernels
                  if Path(k["run"]).resolve() == Path(run_path).resolve()]
        kernels = chosen or [{"run": str(run_path), "onset": 0.0, "area_cm2": 1.0e17}]
    if not kernels:
        return None
    try:
        return hxr_from_kernels(kernels, t_grid, DEFAULT_BAND)
    except (FileNotFoundError, ValueError):  # run files moved or unreadable
        return None


def plot_figure5(raster_path: str | Path, output: str | Path,
                 pixel: tuple[int, int] | None = None, run_path: str | Path | None = None,
                 times: Sequence[float] | None = None, reference: int = 0,
                 max_spectra: int = 12) -> Path:
    """Figure 5 for raster pixel ``pixel = (slit position, along-slit pixel)`` (default:
    the brightest pixel of the first kernel).  ``run_path``: hard X-rays from this run only
    (default: all runs of the scene).  ``times``: ``[t_min, t_max]`` window (s).
    ``reference``: scan of the pre-impulsive spectrum.  Returns the output path."""
    from ..instrument.raster_file import read_raster

    raster = read_raster(raster_path)
    if pixel is None:
        kernels = raster.attrs.get("kernels", [])
        pixel = tuple(kernels[0]["peak_pixel"]) if kernels else (0, 0)
    x, y = int(pixel[0]), int(pixel[1])
    series = raster_velocity_series(raster, x, y, reference=reference)
    t = series.time
    window = (t[0] - 5.0, t[-1] + 5.0) if not times else (float(times[0]), float(times[-1]))
    scans = np.flatnonzero((t >= window[0]) & (t <= window[1]))[:max_spectra]

    fig = plt.figure(figsize=(10, 9), constrained_layout=True)
    grid = fig.add_gridspec(2, 2, height_ratios=(1, 3), width_ratios=(1.3, 1))
    ax_hxr = fig.add_subplot(grid[0, :])
    ax_spec = fig.add_subplot(grid[1, 0])
    ax_vel = fig.add_subplot(grid[1, 1])

    t_grid = np.linspace(window[0], window[1], 800)
    hxr = _hxr(raster, run_path, t_grid)
    if hxr is not None:
        ax_hxr.plot(t_grid, hxr, color="k", lw=1.2)
        ax_hxr.set_ylabel("28-54 keV photons\ncm$^{-2}$ s$^{-1}$ at 1 AU")
    else:
        ax_hxr.text(0.5, 0.5, "no readable run file in the scene: hard X-rays unavailable",
                    transform=ax_hxr.transAxes, ha="center", va="center")
    for tj in t[scans]:
        ax_hxr.axvline(tj, color="tab:red", lw=0.8, alpha=0.6)
    ax_hxr.set_xlim(window)
    ax_hxr.set_xlabel("time (s)")
    ax_hxr.set_title(f"{Path(raster_path).name}: pixel x={x}, y={y} "
                     f"({raster.hpln[x]:.1f}\", {raster.hplt[y]:.1f}\"); red: slit crossings")

    dlam = series.wavelength - LAMBDA0_AIR
    cont = float(raster.attrs.get("continuum_reference", 1.0))
    diff = series.difference / cont
    finite_amp = np.nanmax(np.abs(diff[scans])) if scans.size else 1.0
    step = 0.6 * finite_amp if np.isfinite(finite_amp) and finite_amp > 0 else 1.0
    for row, j in enumerate(scans):
        offset = -row * step
        ax_spec.plot(dlam, diff[j] + offset, color="k", lw=0.9)
        ax_spec.axhline(offset, color="0.8", lw=0.5)
        b = series.bisectors[j]
        if np.isfinite(b.velocity):
            for lev, lo, hi in zip(b.intensity / cont, b.blue, b.red, strict=True):
                if np.isfinite(lo) and np.isfinite(hi):
                    ax_spec.plot([lo - LAMBDA0_AIR, hi - LAMBDA0_AIR], [lev + offset] * 2,
                                 color="tab:blue", lw=0.7)
            ax_spec.plot(b.centre - LAMBDA0_AIR, b.intensity / cont + offset, "o-",
                         color="tab:red", ms=2.5, lw=1)
            label = f"{t[j]:7.1f} s  {b.velocity:5.1f} km/s"
        else:
            label = f"{t[j]:7.1f} s"
        ax_spec.text(dlam[-1], offset + 0.1 * step, label, ha="right", va="bottom",
                     fontsize=7)
    ax_spec.axvline(0.0, color="0.5", ls=":", lw=0.8)
    ax_spec.set_xlabel(r"$\lambda - 6562.8$ Å (air)")
    ax_spec.set_ylabel("difference spectrum / quiet-Sun continuum (offset per scan)")

    v = series.velocity
    ax_vel.plot(t, v, "o", color="tab:red", ms=4, label="bisector velocity")
    try:
        fit = fit_decay(t, v)
        tt = np.linspace(fit.t_ref, t[-1], 200)
        ax_vel.plot(tt, fit.model(tt), color="k", lw=1,
                    label=rf"fit $\tau$ = {fit.tau:.1f} $\pm$ {fit.tau_err:.1f} s")
    except ValueError:
        pass
    ax_vel.axhline(0.0, color="0.6", lw=0.6)
    ax_vel.set_xlim(window)
    ax_vel.set_xlabel("time (s)")
    ax_vel.set_ylabel("Doppler velocity (km/s, + = red)")
    ax_vel.legend(fontsize=8, loc="upper right")
    output = Path(output)
    fig.savefig(output, dpi=150)
    plt.close(fig)
    return output

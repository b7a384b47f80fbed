"""Slit-jaw-like maps of a raster and the spectrum of one pixel.

Three maps of one scan -- the calibrated radiance at line centre (6562.8 Å air) and at
± 1 Å, each in units of the quiet-Sun continuum, on the helioprojective grid
(HPLN along the scan, HPLT along the slit) -- and the spectrum of a chosen pixel, with
that of the same pixel in the first scan for reference.  Saturated (masked) pixels are
outlined in the maps.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..analysis.bisector import LAMBDA0_AIR  # noqa: E402

OFFSETS = (-1.0, 0.0, 1.0)  #: Å from line centre


def plot_raster(raster_path: str | Path, output: str | Path, scan: int | None = None,
                pixel: tuple[int, int] | None = None,
                times: Sequence[float] | None = None) -> Path:
    """Maps at line centre and ± 1 Å of scan ``scan`` (default: the scan nearest
    ``times[0]`` if given, else the scan with the brightest line centre) and the spectrum
    of raster pixel ``pixel = (slit position, along-slit pixel)`` (default: the brightest
    line-centre pixel of that scan).  Returns the output path."""
    from ..instrument.raster_file import read_raster

    raster = read_raster(raster_path)
    data = raster.data
    lam = raster.wavelength
    cont = float(raster.attrs.get("continuum_reference", 1.0))
    q0 = int(np.argmin(np.abs(lam - LAMBDA0_AIR)))
    if scan is None:
        if times:
            scan = int(np.argmin(np.abs(raster.time.mean(axis=1) - float(times[0]))))
        else:
            scan = int(np.argmax(data[:, :, :, q0].reshape(data.shape[0], -1).max(axis=1)))
    if not 0 <= scan < data.shape[0]:
        raise ValueError(f"scan {scan} outside 0..{data.shape[0] - 1}")
    if pixel is None:
        flat = int(np.argmax(data[scan, :, :, q0]))
        pixel = np.unravel_index(flat, data.shape[1:3])
    x, y = int(pixel[0]), int(pixel[1])

    fig, axes = plt.subplots(1, 4, figsize=(15, 4.2), constrained_layout=True,
                             gridspec_kw={"width_ratios": (1, 1, 1, 1.3)})
    dx = 0.5 * (raster.hpln[1] - raster.hpln[0]) if raster.hpln.size > 1 else 0.5
    dy = 0.5 * (raster.hplt[1] - raster.hplt[0]) if raster.hplt.size > 1 else 0.5
    extent = (raster.hpln[0] - dx, raster.hpln[-1] + dx, raster.hplt[0] - dy,
              raster.hplt[-1] + dy)
    for ax, off in zip(axes[:3], OFFSETS, strict=True):
        q = int(np.argmin(np.abs(lam - (LAMBDA0_AIR + off))))
        image = data[scan, :, :, q].T / cont
        im = ax.imshow(image, origin="lower", extent=extent, cmap="gray", aspect="equal")
        masked = raster.mask[scan, :, :, q].T > 0
        if masked.any():
            ax.contour(masked.astype(float), levels=[0.5], colors="tab:red",
                       extent=extent, linewidths=0.6)
        ax.plot(raster.hpln[x], raster.hplt[y], "+", color="tab:orange", ms=10)
        label = "line centre" if off == 0 else f"{off:+.0f} Å"
        ax.set_title(f"{label} ({lam[q]:.2f} Å)\nscan {scan}, t = "
                     f"{raster.time[scan, 0]:.1f}-{raster.time[scan, -1]:.1f} s", fontsize=9)
        ax.set_xlabel("HPLN (arcsec, scan)")
        fig.colorbar(im, ax=ax, shrink=0.8, label="I / I_cont(QS)")
    axes[0].set_ylabel("HPLT (arcsec, along slit)")
    ax = axes[3]
    ax.plot(lam - LAMBDA0_AIR, data[0, x, y] / cont, color="0.6", lw=1,
            label=f"scan 0 (t = {raster.time[0, x]:.1f} s)")
    ax.plot(lam - LAMBDA0_AIR, data[scan, x, y] / cont, color="k", lw=1.2,
            label=f"scan {scan} (t = {raster.time[scan, x]:.1f} s)")
    bad = raster.mask[scan, x, y] > 0
    if bad.any():
        ax.plot((lam - LAMBDA0_AIR)[bad], data[scan, x, y][bad] / cont, "x",
                color="tab:red", label="saturated")
    ax.set_xlabel(r"$\lambda - 6562.8$ Å (air)")
    ax.set_ylabel("I / I_cont(QS)")
    ax.set_title(f"pixel x={x}, y={y} ({raster.hpln[x]:.1f}\", {raster.hplt[y]:.1f}\")",
                 fontsize=9)
    ax.legend(fontsize=8)
    output = Path(output)
    fig.savefig(output, dpi=130)
    plt.close(fig)
    return output

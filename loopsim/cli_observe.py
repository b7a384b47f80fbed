"""``loopsim observe`` and ``loopsim analyse``: synthetic slit-scan observations.

    loopsim observe SCENE.toml [--instrument sacpeak1980] -o RASTER.h5 [--fits]
                    [--noise-free] [--seed N] [--scans N] [--start T] [--data-dir DIR]
    loopsim analyse RASTER.h5 --pixel X Y [--reference-scan J] [--run RUN.h5]

``register(subparsers)`` adds both to the main parser (``loopsim/cli.py``).
``postprocess`` is imported lazily, inside the command functions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _cmd_observe(args: argparse.Namespace) -> int:
    from postprocess.instrument import (
        InstrumentError,
        SceneError,
        load_instrument,
        load_scene,
        observe,
        write_fits,
        write_raster,
    )

    try:
        instrument = load_instrument(args.instrument)
        scene = load_scene(args.scene, data_dir=args.data_dir)
    except (InstrumentError, SceneError) as exc:
        print(f"loopsim observe: error: {exc}", file=sys.stderr)
        return 2
    output = Path(args.output or f"{Path(args.scene).stem}_{instrument.name}.h5")
    pointing = tuple(args.pointing) if args.pointing else None
    raster = observe(scene, instrument, n_scans=args.scans, t_start=args.start,
                     pointing=pointing, noise_free=args.noise_free, seed=args.seed)
    write_raster(output, raster)
    n_scan, n_slit, n_along, n_lam = raster.shape
    print(f"wrote {output}: {n_scan} scans x {n_slit} slit positions x {n_along} pixels x "
          f"{n_lam} wavelengths, t = {raster.time[0, 0]:.2f} .. {raster.time[-1, -1]:.2f} s, "
          f"{int((raster.mask > 0).sum())} flagged pixels")
    for kern in raster.attrs["kernels"]:
        x, y = kern["peak_pixel"]
        print(f"  kernel {kern['name']}: onset {kern['onset']:.1f} s, brightest at pixel "
              f"{x} {y} (weight {kern['peak_weight']:.2f})")
    if args.fits:
        fits_path = output.with_suffix(".fits")
        write_fits(fits_path, raster, wave_ctype=args.fits_wave)
        print(f"wrote {fits_path}")
    return 0


def _cmd_analyse(args: argparse.Namespace) -> int:
    import numpy as np

    from postprocess.analysis.bisector import raster_velocity_series
    from postprocess.analysis.decay import fit_decay
    from postprocess.instrument import RasterFileError, read_raster

    try:
        raster = read_raster(args.raster)
    except RasterFileError as exc:
        print(f"loopsim analyse: error: {exc}", file=sys.stderr)
        return 2
    x, y = args.pixel
    try:
        series = raster_velocity_series(raster, x, y, reference=args.reference_scan,
                                        min_amplitude=args.min_amplitude)
    except ValueError as exc:
        print(f"loopsim analyse: error: {exc}", file=sys.stderr)
        return 2
    print(f"# {args.raster}: pixel x={x} (HPLN {raster.hpln[x]:.2f} arcsec), y={y} "
          f"(HPLT {raster.hplt[y]:.2f} arcsec); difference spectra against scan "
          f"{args.reference_scan}; bisector levels "
          f"{', '.join(f'{f:g}' for f in series.bisectors[0].levels)}")
    print("# time_s  velocity_kms  amplitude  " + "  ".join(
        f"v@{f:g}" for f in series.bisectors[0].levels))
    for t, v, a, lv in zip(series.time, series.velocity, series.amplitude,
                           series.level_velocities, strict=True):
        levels = "  ".join(f"{x_:7.2f}" for x_ in lv)
        print(f"{t:8.2f}  {v:12.2f}  {a:9.3e}  {levels}")
    try:
        fit = fit_decay(series.time, series.velocity)
        print(f"# decay fit: {fit.summary()}")
    except ValueError as exc:
        print(f"# decay fit: not possible ({exc})")
    finite = np.isfinite(series.velocity)
    if finite.any():
        k = int(np.nanargmax(series.velocity))
        print(f"# peak redshift {series.velocity[k]:.1f} km/s at t = {series.time[k]:.2f} s")
    if args.run:
        from postprocess.analysis.decay import fisher_decay

        onset = 0.0
        for kern in raster.attrs.get("kernels", []):
            if kern.get("run") and Path(kern["run"]).resolve() == Path(args.run).resolve():
                onset = float(kern["onset"])
                break
        ref = fisher_decay(args.run, onset=onset)
        if ref["run_fit"] is not None:
            print(f"# run condensation velocity: {ref['run_fit'].summary()}")
        print(f"# Fisher (1989) model: 1/e decay {ref['fisher_1e']:.1f} s"
              + (f"; {ref['fisher_fit'].summary()}" if ref["fisher_fit"] else ""))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``observe`` and ``analyse`` to the ``loopsim`` sub-command parsers."""
    p = subparsers.add_parser(
        "observe", help="observe a scene with a slit-scan spectrograph (raster file)",
        description="Observe a scene (TOML: Hα profiles files on a sky grid, kernel onsets "
        "and filling factors) through a slit-scan spectrograph + CCD and write a raster "
        "cube [scan, slit position, along slit, wavelength] with per-exposure time stamps "
        "and a saturation mask (HDF5; optionally FITS with a WCS).",
        epilog="Example: loopsim observe ribbon.toml --instrument sacpeak1980 -o raster.h5 "
        "--fits --seed 1")
    p.add_argument("scene", help="scene TOML file (see docs/observing.md)")
    p.add_argument("--instrument", default="sacpeak1980",
                   help="preset (sacpeak1980, nextmax) or instrument TOML file "
                   "(default: sacpeak1980)")
    p.add_argument("-o", "--output", help="raster file (default: SCENE_INSTRUMENT.h5)")
    p.add_argument("--fits", action="store_true", help="also write RASTER.fits with a WCS")
    p.add_argument("--fits-wave", choices=("AWAV", "WAVE"), default="AWAV",
                   help="CTYPE of the wavelength axis: AWAV (air, standard; default) or WAVE "
                   "(for sunraster's spectral_axis; values stay air wavelengths)")
    p.add_argument("--noise-free", action="store_true",
                   help="no photon/read noise and no rounding (saturation still flagged)")
    p.add_argument("--seed", type=int, default=None, help="random seed of the noise")
    p.add_argument("--scans", type=int, default=None,
                   help="number of scans (default: scene [observation] scans, else 1)")
    p.add_argument("--start", type=float, default=None,
                   help="scene time of the first exposure, s (default: scene [observation] "
                   "start, else 0)")
    p.add_argument("--pointing", type=float, nargs=2, metavar=("X", "Y"),
                   help="centre of the scanned field, arcsec (default: scene pointing)")
    p.add_argument("--data-dir", default=None,
                   help="directory for the scene's relative file names (default: the scene "
                   "file's directory)")
    p.set_defaults(func=_cmd_observe)

    p = subparsers.add_parser(
        "analyse", help="bisector velocities and decay fit of one raster pixel",
        description="Difference spectra against a pre-impulsive scan, bisector Doppler "
        "velocities (positive = redshift, lambda0 = 6562.8 Å air) at several levels, and an "
        "exponential decay fit, for one raster pixel; prints a table.",
        epilog="Example: loopsim analyse raster.h5 --pixel 20 25")
    p.add_argument("raster", help="raster file (.h5) written by loopsim observe")
    p.add_argument("--pixel", type=int, nargs=2, required=True, metavar=("X", "Y"),
                   help="slit position X and along-slit pixel Y (0-based)")
    p.add_argument("--reference-scan", type=int, default=0,
                   help="scan holding the pre-impulsive spectrum (default 0)")
    p.add_argument("--min-amplitude", type=float, default=None,
                   help="smallest difference-spectrum amplitude to measure "
                   "(erg cm^-2 s^-1 sr^-1 Å^-1; default: 5 sigma of the noise)")
    p.add_argument("--run", default=None,
                   help="run file: also print its condensation decay and Fisher's (1989)")
    p.set_defaults(func=_cmd_analyse)


def add_figure5_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``loopsim plot figure5 RASTER.h5`` (dests = keyword arguments of
    :func:`postprocess.plots.figure5.plot_figure5`)."""
    parser.add_argument("--pixel", type=int, nargs=2, metavar=("X", "Y"),
                        help="slit position X and along-slit pixel Y (default: the brightest "
                        "pixel of the first kernel)")
    parser.add_argument("--run", dest="run_path", default=None,
                        help="hard X-rays from this run only (default: every run of the scene)")
    parser.add_argument("--times", type=float, nargs=2, metavar=("T0", "T1"),
                        help="time window (s, scene time)")
    parser.add_argument("--reference-scan", dest="reference", type=int, default=0,
                        help="scan of the pre-impulsive spectrum (default 0)")


def add_raster_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``loopsim plot raster RASTER.h5`` (dests = keyword arguments of
    :func:`postprocess.plots.raster.plot_raster`)."""
    parser.add_argument("--scan", type=int, default=None,
                        help="scan to map (default: the one with the brightest line centre)")
    parser.add_argument("--pixel", type=int, nargs=2, metavar=("X", "Y"),
                        help="pixel whose spectrum is drawn (default: brightest line centre)")
    parser.add_argument("--times", type=float, nargs=1, metavar="T",
                        help="map the scan nearest this time (s) instead of --scan")


__all__ = ["add_figure5_options", "add_raster_options", "register"]

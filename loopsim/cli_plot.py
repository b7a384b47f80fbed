"""``loopsim plot FIGURE ...``: one sub-command per figure, each with its own arguments.

The figures live in :mod:`postprocess.plots` and are imported only when drawn.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .cli_observe import add_figure5_options, add_raster_options


def _draw(args: argparse.Namespace) -> int:
    from postprocess.plots import plot_function

    options = {key: getattr(args, key) for key in args.plot_options}
    if getattr(args, "source", None) is None:  # figures computed from models, not files
        output = args.output or f"{args.figure}.png"
        plot_function(args.figure)(output, **options)
    else:
        source = Path(args.source)
        if not source.exists():
            raise FileNotFoundError(f"'{source}' does not exist")
        output = args.output or f"{source.stem}_{args.figure}.png"
        plot_function(args.figure)(source, output, **options)
    print(f"wrote {output}")
    return 0


def _times(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--times", type=float, nargs="+", metavar="T",
                        help="snapshot times to show (s; nearest snapshots; default: all or "
                        "a figure-specific choice)")


def _sweep_axes(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--x", required=True, metavar="COLUMN",
                        help="manifest column on the x axis, e.g. beam.F20")
    parser.add_argument("--y", required=True, metavar="COLUMN",
                        help="manifest column on the y axis, e.g. decay_time")
    parser.add_argument("--hue", metavar="COLUMN",
                        help="one line per value of this column, e.g. beam.delta")


def _f5_value(text: str) -> float | str:
    """--f5: 'rtv' or a number (erg cm^-2 s^-1)."""
    if text.strip().lower() == "rtv":
        return "rtv"
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is neither a number nor 'rtv'") from None


def _figure1_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cells", type=int, default=60, metavar="N",
                        help="cells per model chromosphere (>= 20; default 60)")
    parser.add_argument("--p0", type=float, nargs="+", metavar="P0",
                        help="coronal pressures of the upper panel (dyn cm^-2; default "
                        "1 10 100 1e3 1e4, at F20 = 1e8)")
    parser.add_argument("--f20", type=float, nargs="+", metavar="F20",
                        help="beam fluxes of the lower panel (erg cm^-2 s^-1 above 20 keV; "
                        "default 1e8 1e9 1e10 1e11, at P0 = 100)")
    parser.add_argument("--f5", type=_f5_value, default="rtv", metavar="F5",
                        help="transition-region conductive flux at 1e5 K: 'rtv' (default) "
                        "ties it to each model's P0 as a static loop does (4.8e5 P0); a "
                        "number (erg cm^-2 s^-1) holds it fixed for every model")
    parser.add_argument("-q", "--quiet", dest="progress", action="store_false", default=None,
                        help="no progress bar")


#: name -> (help, source argument help (None: the figure reads no file), function adding
#: the figure's own options; their destinations are the plot function's keywords)
FIGURES = {
    "figure1": ("Hα profiles of static flare chromospheres against coronal pressure and "
                "beam flux (seed Figure 1, CGR84 grid)", None, _figure1_options),
    "hydro": ("density, pressure, velocity and energy against position (with the exact "
              "Riemann solution for shock tubes)", "run file (.h5)", _times),
    "figure4": ("T, n_H, v (positive downward) and p against log N_H in the first seconds, "
                "condensation edges marked (seed Figure 4)", "run file (.h5)", _times),
    "condensation": ("condensation position, velocity, density, temperature, column mass "
                     "against time, with Fisher (1989)", "run file (.h5)", _times),
    "profiles": ("Hα profiles against time, stacked with offsets, ± 4.8 Å (seed Figure 2)",
                 "profiles file (.h5) from loopsim synth", _times),
    "figure5": ("hard X-rays, Hα difference spectra with bisectors and Doppler velocity of "
                "one raster pixel (seed Figure 5)", "raster file (.h5) from loopsim observe",
                add_figure5_options),
    "raster": ("slit-jaw-like maps at line centre and ±1 Å and the spectrum of one pixel",
               "raster file (.h5) from loopsim observe", add_raster_options),
    "sweep": ("a derived scalar of a parameter sweep against a swept parameter, with Fisher "
              "(1989) where it applies", "sweep directory (loopsim sweep -o DIR)", _sweep_axes),
}


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``loopsim plot`` and its per-figure sub-commands."""
    plot = subparsers.add_parser(
        "plot", help="draw a figure",
        description="Draw a figure (PNG, PDF or SVG by the output extension). "
        "`loopsim plot FIGURE --help` lists a figure's options.")
    figures = plot.add_subparsers(dest="figure", required=True, metavar="FIGURE")
    for name, (help_text, source_help, add_options) in FIGURES.items():
        p = figures.add_parser(name, help=help_text, description=help_text[0].upper()
                               + help_text[1:] + ".")
        if source_help is not None:
            p.add_argument("source", help=source_help)
        p.add_argument("-o", "--output", help="figure file (default: SOURCE_FIGURE.png, or "
                       "FIGURE.png for computed figures)")
        before = {action.dest for action in p._actions}
        add_options(p)
        p.set_defaults(func=_draw, plot_options=[a.dest for a in p._actions
                                                 if a.dest not in before])

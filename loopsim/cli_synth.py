"""``loopsim synth``: Hα profiles of every snapshot of a run, or of a model atmosphere.

    loopsim synth RUN.h5 [-o PROFILES.h5] [--jobs N] [--mu MU] [--cold-start]
    loopsim synth --atmosphere falc -o QS.h5 [--mu MU]

Registered into the main parser by :func:`register`; ``postprocess`` is imported lazily
inside the command.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ATMOSPHERES = ("falc",)


def _cmd_synth(args: argparse.Namespace) -> int:
    if (args.run is None) == (args.atmosphere is None):
        print("loopsim synth: error: give either a run file or --atmosphere NAME (not both)",
              file=sys.stderr)
        return 2
    try:
        from postprocess.halpha.atmosphere import AtmosphereError
        from postprocess.halpha.synth import SynthSettings, synthesise_falc, synthesise_run
        from postprocess.profiles_file import ProfilesFileError
    except ImportError as exc:  # pragma: no cover - broken installation
        print(f"loopsim synth: error: cannot import the H-alpha synthesis ({exc})",
              file=sys.stderr)
        return 2
    try:
        settings = SynthSettings(mu=args.mu, halpha_broadening=args.broadening,
                                 n_mu=args.rays, tolerance=args.tolerance,
                                 grid_scale=args.grid_scale, warm_start=not args.cold_start)
        settings.validate()
        if args.atmosphere is not None:
            output = Path(args.output or f"{args.atmosphere}_halpha.h5")
            prof = synthesise_falc(output, settings)
        else:
            if not Path(args.run).is_file():
                raise FileNotFoundError(f"run file '{args.run}' does not exist")
            output = Path(args.output or f"{Path(args.run).stem}_halpha.h5")
            prof = synthesise_run(args.run, output, jobs=args.jobs, progress=not args.quiet,
                                  settings=settings)
    except (AtmosphereError, ProfilesFileError, FileNotFoundError, ValueError, OSError) as exc:
        print(f"loopsim synth: error: {exc}", file=sys.stderr)
        return 2
    bad = int(prof.attrs.get("unconverged_snapshots", 0))
    note = f" ({bad} not converged to the tolerance)" if bad else ""
    print(f"wrote {output}: {prof.time.size} profile(s), {prof.wavelength_air.size} wavelengths "
          f"{prof.wavelength_air[0]:.2f}-{prof.wavelength_air[-1]:.2f} A (air), mu = {prof.mu}, "
          f"quiet-Sun continuum {prof.continuum_reference:.4e} erg/cm2/s/sr/A{note}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``synth`` subcommand to the ``loopsim`` parser."""
    p = subparsers.add_parser(
        "synth", help="synthesise H-alpha profiles (non-LTE) from a run or FAL-C",
        description=(
            "Synthesise the H-alpha line at every snapshot of a loop run file: non-LTE "
            "hydrogen populations (5 levels + continuum, MALI; continuum population fixed by "
            "the run's ionisation; beam collisional rates), then the emergent intensity "
            "along the loop axis at disk centre (or at --mu) including the flow Doppler "
            "shifts. Writes a profiles file (wavelength_air, wavelength_vacuum in A, time, "
            "intensity in erg cm^-2 s^-1 sr^-1 A^-1, intensity_norm = intensity / quiet-Sun "
            "continuum at H-alpha). With --atmosphere falc the quiet-Sun FAL-C profile is "
            "written instead."),
        epilog=("Examples: loopsim synth f11.h5 -o f11_halpha.h5 --jobs 2;  "
                "loopsim synth --atmosphere falc -o qs.h5"))
    p.add_argument("run", nargs="?", help="loop run file (from `loopsim run`)")
    p.add_argument("-o", "--output", help="profiles file to write (default: RUN_halpha.h5)")
    p.add_argument("--atmosphere", choices=ATMOSPHERES,
                   help="synthesise a model atmosphere instead of a run (falc = FAL-C)")
    p.add_argument("--jobs", type=int, default=1,
                   help="worker processes, in parallel over snapshots (0 = one per CPU; "
                   "default 1)")
    p.add_argument("--mu", type=float, default=1.0,
                   help="cosine of the viewing angle, 0 < MU <= 1 (default 1: disk centre)")
    p.add_argument("--broadening", choices=("stark", "voigt"), default="stark",
                   help="H-alpha line broadening: full linear Stark (default) or Voigt only")
    p.add_argument("--rays", type=int, default=3,
                   help="Gauss-Legendre rays per hemisphere for the statistical equilibrium")
    p.add_argument("--tolerance", type=float, default=1e-3,
                   help="convergence: max relative population change (default 1e-3)")
    p.add_argument("--grid-scale", type=float, default=1.0,
                   help="factor on the wavelength points per transition of the statistical "
                   "equilibrium, 0.25-8 (default 1); it refines the line wings and continua, "
                   "not the fixed 0.6-Doppler core step and 1-Doppler flow points "
                   "(docs/halpha.md section 8)")
    p.add_argument("--cold-start", action="store_true",
                   help="start every snapshot's iteration afresh (coarse-grid solution) "
                   "instead of from the previous snapshot's populations (default: previous, "
                   "in chunks of 8 consecutive snapshots; same result to the tolerance)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_synth)
    return p

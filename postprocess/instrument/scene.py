r"""A solar scene for the instrument model: which Hα profiles illuminate which part of the sky.

The scene is a grid of square pixels on the sky (helioprojective arcsec: ``x`` = HPLN,
``y`` = HPLT).  Every pixel shows the quiet Sun, except where *kernels* (flaring
footpoints) cover a fraction ``filling`` of it.  A kernel is fed by an Hα profiles file
(written by ``loopsim synth`` from a run; :mod:`postprocess.profiles_file`) and optionally
names the run file itself (for the hard X-ray flux and Fisher's model).  Its ``onset``
(s, scene time) is the scene time of the run's ``t = 0``.

The radiance of scene pixel ``p`` at scene time ``t`` is

    I_p(lambda, t) = I_qs(lambda) + sum_k W_k,p [I_k(lambda, t - onset_k) - I_qs(lambda)]

with ``W_k,p`` the filling factor of kernel ``k`` in pixel ``p`` (``sum_k W_k,p <= 1``).
``I_k(lambda, tau)`` is interpolated linearly in time between the file's snapshots; for
``tau`` before the first snapshot the kernel is *dark* (``pre_onset = "quiet"``, the
default: the pixel shows the quiet Sun) or shows the run's first profile
(``pre_onset = "first"``); after the last snapshot it keeps the last profile.
Radiances are absolute (erg cm^-2 s^-1 sr^-1 Å^-1, the files' ``intensity``), wavelengths
are in Å (air).  Outside the field the sky is quiet Sun.

TOML layout (paths relative to the scene file, or to ``data_dir`` when given)::

    [scene]
    name = "ribbon"
    date = "1980-06-23T23:12:00"       # UTC of scene time 0 (FITS DATEREF); optional

    [field]
    centre = [0.0, 0.0]                # arcsec (HPLN, HPLT) of the field centre
    shape = [100, 100]                 # scene pixels in x and y
    pixel = 1.25                       # arcsec

    [quiet_sun]
    profiles = "quiet_halpha.h5"       # a profiles file; its profile at time `time` is used
    time = 0.0                         # s (default: the file's first time)

    [observation]                      # defaults for `loopsim observe` (all optional)
    start = -20.0                      # s, scene time of the first exposure
    scans = 10
    pointing = [0.0, 0.0]              # arcsec, centre of the scanned field

    [[kernel]]
    name = "k1"
    profiles = "fcm85_f11_halpha.h5"
    run = "fcm85_f11.h5"               # optional
    onset = 0.0                        # s
    filling = 1.0                      # fraction of each covered pixel
    pixels = [[40, 50], [41, 50]]      # scene pixel indices [ix, iy] ...
    # ... or a disc:  centre = [x, y] (arcsec), radius = 2.0 (arcsec)
    pre_onset = "quiet"                # or "first"

    [[ribbon]]                         # a line of disc kernels with staggered onsets
    profiles = "fcm85_f11_halpha.h5"
    run = "fcm85_f11.h5"
    start = [-30.0, -10.0]             # arcsec, first kernel centre
    end = [30.0, 10.0]                 # arcsec, last kernel centre
    kernels = 8
    radius = 2.5                       # arcsec
    onset = 0.0                        # s, onset of the first kernel
    onset_step = 4.0                   # s, delay between successive kernels
    filling = 0.8

Everything is checked by :func:`load_scene` before any computation: missing files,
pixels or kernels outside the field, filling factors outside (0, 1] or summing above 1,
unknown keys.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..profiles_file import ProfilesFileError, read_profiles


class SceneError(ValueError):
    """The scene description is invalid (message names the offending entry)."""


@dataclass
class Kernel:
    """One flaring footprint: filling-factor map over the scene grid and its profiles."""

    name: str
    profiles_path: Path
    run_path: Path | None
    onset: float  #: s, scene time of the run's t = 0
    weights: np.ndarray  #: (nx, ny) filling factor per scene pixel
    pre_onset: str = "quiet"
    time: np.ndarray = field(default_factory=lambda: np.zeros(0))  #: s, run time
    intensity: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  #: [t, lambda]


@dataclass
class Scene:
    """A parsed, validated scene with its profiles loaded (module docstring)."""

    name: str
    path: Path | None
    text: str  #: the TOML text (stored in raster files)
    centre: tuple[float, float]  #: arcsec
    shape: tuple[int, int]  #: (nx, ny)
    pixel: float  #: arcsec
    wavelength: np.ndarray  #: Å (air): union of the files' grids in the quiet-Sun range
    quiet: np.ndarray  #: quiet-Sun radiance on ``wavelength`` (erg cm^-2 s^-1 sr^-1 Å^-1)
    continuum_reference: float  #: the quiet-Sun file's continuum (same units)
    kernels: list[Kernel]
    quiet_path: Path | None = None
    date: str = "1980-06-23T23:12:00"
    observation: dict[str, Any] = field(default_factory=dict)

    # ---- geometry (arcsec) ----
    @property
    def x_edges(self) -> np.ndarray:
        nx = self.shape[0]
        return self.centre[0] + (np.arange(nx + 1) - 0.5 * nx) * self.pixel

    @property
    def y_edges(self) -> np.ndarray:
        ny = self.shape[1]
        return self.centre[1] + (np.arange(ny + 1) - 0.5 * ny) * self.pixel

    @property
    def x_centres(self) -> np.ndarray:
        e = self.x_edges
        return 0.5 * (e[1:] + e[:-1])

    @property
    def y_centres(self) -> np.ndarray:
        e = self.y_edges
        return 0.5 * (e[1:] + e[:-1])

    def kernel_spectra(self, k: int, t: float) -> np.ndarray:
        """``I_k(lambda, t - onset_k) - I_qs(lambda)`` at scene time ``t`` (one kernel)."""
        kern = self.kernels[k]
        weights = kernel_weights_in_time(kern, np.array([t]))
        return weights[0] @ kernel_difference_table(kern, self.quiet)

    def radiance(self, t: float) -> np.ndarray:
        """The scene at time ``t``: (nx, ny, n_lambda) radiance (erg cm^-2 s^-1 sr^-1 Å^-1)."""
        out = np.broadcast_to(self.quiet, (*self.shape, self.quiet.size)).copy()
        for k, kern in enumerate(self.kernels):
            out += kern.weights[:, :, None] * self.kernel_spectra(k, t)[None, None, :]
        return out

    def flaring_area_cm2(self, kernel: int | None = None) -> float:
        """Flaring area (cm^2) of one kernel or of all: sum W x pixel^2 x (725 km)^2 per
        arcsec^2 (at 1 AU, 1 arcsec = 7.25e7 cm on the Sun at disk centre)."""
        kerns = self.kernels if kernel is None else [self.kernels[kernel]]
        total = sum(float(k.weights.sum()) for k in kerns)
        return total * (self.pixel * ARCSEC_CM) ** 2


ARCSEC_CM = 7.25e7  #: cm on the Sun per arcsec at 1 AU (disk centre)


def time_weights(times: np.ndarray, t, pre_onset: str = "quiet") -> np.ndarray:
    """Linear-interpolation weights ``w`` (len(t), len(times)): ``I(t) = w @ I_table``.

    Before ``times[0]`` the row is zero (``pre_onset = "quiet"``: applied to a difference
    table ``I_k - I_qs`` this makes the kernel dark, the pixel shows the quiet Sun) or
    selects the first snapshot (``"first"``).  After ``times[-1]``: the last snapshot.
    """
    times = np.asarray(times, dtype=float)
    t = np.atleast_1d(np.asarray(t, dtype=float))
    n = times.size
    w = np.zeros((t.size, n))
    if n == 1:
        w[:, 0] = 1.0
    else:
        rows = np.arange(t.size)
        j = np.clip(np.searchsorted(times, t, side="right") - 1, 0, n - 2)
        f = np.clip((t - times[j]) / (times[j + 1] - times[j]), 0.0, 1.0)
        w[rows, j] = 1.0 - f
        w[rows, j + 1] += f
    if pre_onset == "quiet":
        w[t < times[0]] = 0.0
    return w


def kernel_difference_table(kernel: Kernel, quiet: np.ndarray) -> np.ndarray:
    """(n_time, n_lambda) table ``I_k - I_qs`` per snapshot."""
    return kernel.intensity - quiet[None, :]


def kernel_weights_in_time(kernel: Kernel, t: np.ndarray) -> np.ndarray:
    """Weights ``w`` (len(t), n_time) such that ``I_k(t) - I_qs = w @ (I_k - I_qs)``; rows
    are zero while the kernel is dark (before onset with ``pre_onset = "quiet"``)."""
    return time_weights(kernel.time, np.asarray(t, dtype=float) - kernel.onset,
                        kernel.pre_onset)


# ----------------------------------------------------------------------------------------
# loading and validation
# ----------------------------------------------------------------------------------------

_TOP_KEYS = {"scene", "field", "quiet_sun", "observation", "kernel", "ribbon"}
_KERNEL_KEYS = {"name", "profiles", "run", "onset", "filling", "pixels", "centre", "radius",
                "pre_onset"}
_RIBBON_KEYS = {"name", "profiles", "run", "start", "end", "kernels", "radius", "onset",
                "onset_step", "filling", "pre_onset"}


def _number(where: str, key: str, value: Any, *, positive: bool = False,
            nonneg: bool = False) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise SceneError(f"{where}: {key} = {value!r} is not a number") from None
    if not math.isfinite(x) or (positive and x <= 0) or (nonneg and x < 0):
        allowed = "> 0" if positive else (">= 0" if nonneg else "finite")
        raise SceneError(f"{where}: {key} = {value!r} is out of range; allowed: {allowed}")
    return x


def _pair(where: str, key: str, value: Any) -> tuple[float, float]:
    if not (isinstance(value, list | tuple) and len(value) == 2):
        raise SceneError(f"{where}: {key} = {value!r} must be a pair [x, y] (arcsec)")
    return (_number(where, key, value[0]), _number(where, key, value[1]))


def _resolve(base: Path, name: Any, where: str, key: str) -> Path:
    if not isinstance(name, str) or not name:
        raise SceneError(f"{where}: {key} must be a file name, not {name!r}")
    path = Path(name)
    if not path.is_absolute():
        path = base / path
    if not path.is_file():
        raise SceneError(f"{where}: {key} file '{path}' does not exist")
    return path.resolve()


def load_scene(source: str | Path, data_dir: str | Path | None = None, *,
               text: str | None = None) -> Scene:
    """Parse and validate a scene TOML file (or ``text``) and load its profiles.

    ``source`` may also name a packaged scene (:func:`packaged_scenes`, e.g.
    ``"ribbon_demo"``).  Relative file names resolve against ``data_dir`` if given, else
    against the scene file's directory (the current directory for ``text`` and for
    packaged scenes).  Raises :class:`SceneError`
    (a ``ValueError``) naming the first problem; nothing is computed before all checks pass.
    """
    path: Path | None = None
    packaged = False
    if text is None:
        path = Path(source)
        if not path.is_file():
            builtin = packaged_scenes().get(str(source))
            if builtin is None:
                raise SceneError(f"scene file '{path}' does not exist (packaged scenes: "
                                 f"{', '.join(sorted(packaged_scenes())) or 'none'})")
            path, packaged = builtin, True
        text = path.read_text()
    label = str(path) if path is not None else "scene"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SceneError(f"{label}: not valid TOML: {exc}") from None
    if data_dir is not None:
        base = Path(data_dir)
    elif path is not None and not packaged:
        base = path.parent
    else:  # text, or a packaged scene: relative to the current directory
        base = Path.cwd()
    unknown = sorted(set(data) - _TOP_KEYS)
    if unknown:
        raise SceneError(f"{label}: unknown section(s) {', '.join(unknown)}; known: "
                         f"{', '.join(sorted(_TOP_KEYS))}")

    meta = data.get("scene", {})
    fld = data.get("field")
    if fld is None:
        raise SceneError(f"{label}: missing [field] section (centre, shape, pixel)")
    centre = _pair(f"{label} [field]", "centre", fld.get("centre", [0.0, 0.0]))
    shape_raw = fld.get("shape")
    if not (isinstance(shape_raw, list) and len(shape_raw) == 2
            and all(isinstance(v, int) and v >= 1 for v in shape_raw)):
        raise SceneError(f"{label} [field]: shape = {shape_raw!r} must be [nx, ny], positive "
                         "integers")
    shape = (int(shape_raw[0]), int(shape_raw[1]))
    pixel = _number(f"{label} [field]", "pixel", fld.get("pixel"), positive=True)

    qs = data.get("quiet_sun")
    if qs is None or "profiles" not in qs:
        raise SceneError(f"{label}: missing [quiet_sun] profiles = FILE")
    quiet_path = _resolve(base, qs["profiles"], f"{label} [quiet_sun]", "profiles")

    # --- collect kernel specs (explicit + ribbons) and check them all before reading
    specs: list[dict[str, Any]] = []
    for i, kd in enumerate(data.get("kernel", [])):
        where = f"{label} [[kernel]] #{i + 1}"
        bad = sorted(set(kd) - _KERNEL_KEYS)
        if bad:
            raise SceneError(f"{where}: unknown key(s) {', '.join(bad)}; known: "
                             f"{', '.join(sorted(_KERNEL_KEYS))}")
        spec = dict(kd)
        spec.setdefault("name", f"kernel{i + 1}")
        spec["where"] = where
        specs.append(spec)
    for i, rd in enumerate(data.get("ribbon", [])):
        where = f"{label} [[ribbon]] #{i + 1}"
        bad = sorted(set(rd) - _RIBBON_KEYS)
        if bad:
            raise SceneError(f"{where}: unknown key(s) {', '.join(bad)}; known: "
                             f"{', '.join(sorted(_RIBBON_KEYS))}")
        start = _pair(where, "start", rd.get("start"))
        end = _pair(where, "end", rd.get("end"))
        n = rd.get("kernels", 1)
        if not isinstance(n, int) or n < 1:
            raise SceneError(f"{where}: kernels = {n!r} must be an integer >= 1")
        onset0 = _number(where, "onset", rd.get("onset", 0.0))
        step = _number(where, "onset_step", rd.get("onset_step", 0.0))
        for m in range(n):
            f = m / (n - 1) if n > 1 else 0.0
            specs.append({
                "name": f"{rd.get('name', f'ribbon{i + 1}')}_{m + 1}",
                "profiles": rd.get("profiles"), "run": rd.get("run"),
                "centre": [start[0] + f * (end[0] - start[0]),
                           start[1] + f * (end[1] - start[1])],
                "radius": rd.get("radius"), "onset": onset0 + m * step,
                "filling": rd.get("filling", 1.0),
                "pre_onset": rd.get("pre_onset", "quiet"),
                "where": f"{where} kernel {m + 1}",
            })

    xe = centre[0] + (np.arange(shape[0] + 1) - 0.5 * shape[0]) * pixel
    ye = centre[1] + (np.arange(shape[1] + 1) - 0.5 * shape[1]) * pixel
    kernels: list[Kernel] = []
    total = np.zeros(shape)
    for spec in specs:
        where = spec["where"]
        profiles_path = _resolve(base, spec.get("profiles"), where, "profiles")
        run_path = None
        if spec.get("run") is not None:
            run_path = _resolve(base, spec["run"], where, "run")
        onset = _number(where, "onset", spec.get("onset", 0.0))
        filling = _number(where, "filling", spec.get("filling", 1.0), positive=True)
        if filling > 1.0:
            raise SceneError(f"{where}: filling = {filling} is out of range; allowed: (0, 1]")
        pre = spec.get("pre_onset", "quiet")
        if pre not in ("quiet", "first"):
            raise SceneError(f"{where}: pre_onset = {pre!r}; allowed: 'quiet' or 'first'")
        weights = np.zeros(shape)
        if "pixels" in spec and spec.get("pixels") is not None:
            pix = spec["pixels"]
            if not isinstance(pix, list) or not pix:
                raise SceneError(f"{where}: pixels = {pix!r} must be a list of [ix, iy]")
            for p in pix:
                if not (isinstance(p, list) and len(p) == 2
                        and all(isinstance(v, int) for v in p)):
                    raise SceneError(f"{where}: pixel {p!r} must be [ix, iy] integers")
                ix, iy = p
                if not (0 <= ix < shape[0] and 0 <= iy < shape[1]):
                    raise SceneError(f"{where}: pixel [{ix}, {iy}] is outside the field "
                                     f"(0 <= ix < {shape[0]}, 0 <= iy < {shape[1]})")
                weights[ix, iy] = filling
        elif spec.get("centre") is not None:
            cx, cy = _pair(where, "centre", spec["centre"])
            radius = _number(where, "radius", spec.get("radius"), positive=True)
            if not (xe[0] <= cx - radius and cx + radius <= xe[-1]
                    and ye[0] <= cy - radius and cy + radius <= ye[-1]):
                raise SceneError(
                    f"{where}: disc centre [{cx}, {cy}] radius {radius} arcsec is not inside "
                    f"the field x in [{xe[0]}, {xe[-1]}], y in [{ye[0]}, {ye[-1]}] arcsec")
            weights = filling * _disc_fraction(xe, ye, cx, cy, radius)
            if not weights.any():
                raise SceneError(f"{where}: the disc covers no scene pixel")
        else:
            raise SceneError(f"{where}: give pixels = [[ix, iy], ...] or centre + radius")
        total += weights
        kern = Kernel(name=str(spec["name"]), profiles_path=profiles_path, run_path=run_path,
                      onset=onset, weights=weights, pre_onset=pre)
        kernels.append(kern)
    if kernels and total.max() > 1.0 + 1e-9:
        ix, iy = np.unravel_index(int(np.argmax(total)), shape)
        raise SceneError(f"{label}: filling factors add up to {total.max():.3g} > 1 in scene "
                         f"pixel [{ix}, {iy}]")

    obs = dict(data.get("observation", {}))
    for key in obs:
        if key not in ("start", "scans", "pointing"):
            raise SceneError(f"{label} [observation]: unknown key {key!r}; known: start, "
                             "scans, pointing")
    if "pointing" in obs:
        obs["pointing"] = _pair(f"{label} [observation]", "pointing", obs["pointing"])
    if "start" in obs:
        obs["start"] = _number(f"{label} [observation]", "start", obs["start"])
    if "scans" in obs and not (isinstance(obs["scans"], int) and obs["scans"] >= 1):
        raise SceneError(f"{label} [observation]: scans = {obs['scans']!r} must be an "
                         "integer >= 1")

    # --- all checks passed: read the profiles
    try:
        qprof = read_profiles(quiet_path)
    except ProfilesFileError as exc:
        raise SceneError(f"{label} [quiet_sun]: {exc}") from None
    qtime = float(qs.get("time", qprof.time[0]))
    quiet_native = time_weights(qprof.time, np.array([qtime]), "first")[0] @ qprof.intensity
    cache: dict[Path, Any] = {}
    for kern, spec in zip(kernels, specs, strict=True):
        if kern.profiles_path not in cache:
            try:
                cache[kern.profiles_path] = read_profiles(kern.profiles_path)
            except ProfilesFileError as exc:
                raise SceneError(f"{spec['where']}: {exc}") from None
        prof = cache[kern.profiles_path]
        lo, hi = qprof.wavelength_air[0], qprof.wavelength_air[-1]
        if prof.wavelength_air[0] > lo + 1e-9 or prof.wavelength_air[-1] < hi - 1e-9:
            raise SceneError(f"{spec['where']}: profiles '{kern.profiles_path}' cover "
                             f"{prof.wavelength_air[0]}-{prof.wavelength_air[-1]} Å, less than "
                             f"the quiet Sun's {lo}-{hi} Å")
        if np.any(np.diff(prof.time) <= 0):
            raise SceneError(f"{spec['where']}: profile times must increase strictly")
    # common wavelength grid: the union of all nodes inside the quiet-Sun range, so that
    # every piecewise-linear profile is represented exactly (no resampling error)
    grids = [qprof.wavelength_air] + [p.wavelength_air for p in cache.values()]
    wavelength = _union_grid(grids, qprof.wavelength_air[0], qprof.wavelength_air[-1])
    quiet = np.interp(wavelength, qprof.wavelength_air, quiet_native)
    for kern in kernels:
        prof = cache[kern.profiles_path]
        kern.time = prof.time
        if prof.wavelength_air.shape == wavelength.shape and np.array_equal(
                prof.wavelength_air, wavelength):
            kern.intensity = prof.intensity
        else:
            kern.intensity = np.array([np.interp(wavelength, prof.wavelength_air, row)
                                       for row in prof.intensity])
    return Scene(name=str(meta.get("name", path.stem if path else "scene")), path=path,
                 text=text, centre=centre, shape=shape, pixel=pixel, wavelength=wavelength,
                 quiet=np.asarray(quiet, dtype=float),
                 continuum_reference=float(qprof.continuum_reference), kernels=kernels,
                 quiet_path=quiet_path, date=str(meta.get("date", "1980-06-23T23:12:00")),
                 observation=obs)


def packaged_scenes() -> dict[str, Path]:
    """Scenes shipped with the package (``postprocess/instrument/scenes/*.toml``), by
    name (file stem); ``load_scene(NAME)`` finds them when no file ``NAME`` exists."""
    folder = Path(__file__).resolve().parent / "scenes"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def _union_grid(grids: list[np.ndarray], lo: float, hi: float,
                tol: float = 1e-7) -> np.ndarray:
    """Sorted union of wavelength grids within [lo, hi], nodes closer than ``tol`` Å merged."""
    nodes = np.sort(np.concatenate(grids))
    nodes = nodes[(nodes >= lo - tol) & (nodes <= hi + tol)]
    keep = np.append(True, np.diff(nodes) > tol)
    return nodes[keep]


def _disc_fraction(xe: np.ndarray, ye: np.ndarray, cx: float, cy: float, radius: float,
                   sub: int = 8) -> np.ndarray:
    """Fraction of each scene pixel inside the disc (``sub`` x ``sub`` sub-sampling)."""
    nx, ny = xe.size - 1, ye.size - 1
    frac = (np.arange(sub) + 0.5) / sub
    xs = xe[:-1, None] + np.diff(xe)[:, None] * frac[None, :]  # (nx, sub)
    ys = ye[:-1, None] + np.diff(ye)[:, None] * frac[None, :]
    inside = ((xs[:, None, :, None] - cx) ** 2 + (ys[None, :, None, :] - cy) ** 2
              <= radius ** 2)
    return inside.reshape(nx, ny, sub * sub).mean(axis=2)


def uniform_scene(profiles_path: str | Path, *, shape: tuple[int, int] = (40, 40),
                  pixel: float = 2.5, centre: tuple[float, float] = (0.0, 0.0)) -> Scene:
    """A scene of quiet Sun only, from one profiles file (for tests and calibration)."""
    text = (f'[scene]\nname = "uniform"\n[field]\ncentre = [{centre[0]}, {centre[1]}]\n'
            f"shape = [{shape[0]}, {shape[1]}]\npixel = {pixel}\n"
            f'[quiet_sun]\nprofiles = "{Path(profiles_path).resolve()}"\n')
    return load_scene("uniform", text=text)

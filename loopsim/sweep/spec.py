"""Sweep files: a base problem plus parameter axes, parsed and checked before anything runs.

A sweep file is TOML::

    [sweep]
    name = "f20_delta"              # default: the file name without .toml
    description = "F20 x delta grid on the FCM85 flare"
    base = "fcm85_f11"              # named problem, or a TOML path relative to this file
    mode = "grid"                   # grid: every combination (first axis slowest); zip: i-th
                                    # values of all axes together (equal lengths)

    [set]                           # optional: overrides applied to every member
    mesh.cells = 150                # (dotted keys, as with `loopsim run --set`)

    [[axis]]
    key = "beam.F20"                # dotted config key
    log = [1e9, 1e11]               # log range [start, stop], endpoints included ...
    num = 3                         # ... with num values (or: linear = [a, b] / values = [...])
    label = "F20"                   # optional: short name used in member names

Every structural mistake -- an unknown key in the sweep file, an axis key that is not a
config key of the base problem, an empty axis, a non-positive log range, a zip of unequal
lengths -- raises :class:`SweepError` naming the key, the value or the range.  A *value*
that the config rejects (out of range, wrong type, an impossible combination) is not a
sweep-file error: that member is recorded as failed with the config's message and the
others run (:func:`resolve_member`).
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..config import Config, ConfigError, config_from_dict, find_problem, flatten_dotted
from ..config.problems import describe_toml_files, problems_dir

__all__ = [
    "Axis",
    "Member",
    "SweepError",
    "SweepSpec",
    "find_sweep",
    "list_sweeps",
    "load_sweep",
    "member_config",
    "parse_sweep",
]

#: the keys allowed in each part of a sweep file
SWEEP_KEYS = ("name", "description", "base", "mode")
AXIS_KEYS = ("key", "values", "linear", "log", "num", "label")
TOP_KEYS = ("sweep", "set", "axis")
MODES = ("grid", "zip")
#: significant digits kept for the interior points of linear and log ranges (cleans up
#: 9.999999999999998e9 -> 1e10; the endpoints are exactly as written)
RANGE_DIGITS = 15


class SweepError(ConfigError):
    """A sweep file that cannot be accepted (raised before any member runs)."""


@dataclass(frozen=True)
class Axis:
    """One swept config key and its values (in order)."""

    key: str
    values: tuple[Any, ...]
    label: str


@dataclass(frozen=True)
class Member:
    """One run of the sweep: its position, its file-safe name and its parameter values."""

    index: int
    name: str
    params: dict[str, Any]  #: dotted config key -> value (the axes only)


@dataclass(frozen=True)
class SweepSpec:
    """A parsed and checked sweep file."""

    name: str
    description: str
    base: str  #: the base problem as written in the sweep file
    base_path: Path  #: the resolved base problem file
    base_toml: str  #: its text (frozen at parse time; members are built from it)
    mode: str
    fixed: dict[str, Any]  #: dotted key -> value applied to every member ([set])
    axes: tuple[Axis, ...]
    members: tuple[Member, ...]
    source: Path | None  #: the sweep file, if read from one
    text: str  #: the sweep file's text

    @property
    def keys(self) -> list[str]:
        return [axis.key for axis in self.axes]


# ----------------------------------------------------------------------------------------
# finding sweep files
# ----------------------------------------------------------------------------------------

def sweeps_dir() -> Path:
    """Directory of the named sweep files (``problems/sweeps``, installed with the problems)."""
    return problems_dir() / "sweeps"


def list_sweeps() -> dict[str, str]:
    """Map of named sweep to its one-line description."""
    return describe_toml_files(sweeps_dir(), "sweep")


def find_sweep(sweep: str | Path) -> Path:
    """Resolve a sweep name (``problems/sweeps/NAME.toml``) or a path to an existing file."""
    candidate = Path(sweep)
    if candidate.is_file():
        return candidate
    if candidate.suffix == ".toml" or candidate.parent != Path("."):
        raise SweepError(f"sweep file '{candidate}' does not exist")
    named = sweeps_dir() / f"{sweep}.toml"
    if named.is_file():
        return named
    known = ", ".join(list_sweeps()) or "(none found)"
    raise SweepError(f"unknown sweep '{sweep}': not a file and not one of {known}")


def load_sweep(sweep: str | Path) -> SweepSpec:
    """Read and check a sweep file given by name or path."""
    path = find_sweep(sweep)
    return parse_sweep(path.read_text(), source=path)


# ----------------------------------------------------------------------------------------
# parsing
# ----------------------------------------------------------------------------------------

def _unknown(where: str, key: str, allowed: tuple[str, ...] | list[str]) -> SweepError:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    return SweepError(f"unknown key '{key}' in {where}{hint} Allowed: {', '.join(allowed)}")


def check_config_key(base: Config, key: str, where: str) -> None:
    """Raise :class:`SweepError` unless ``key`` (dotted) names a value of ``base``'s schema.

    The walk follows the resolved base config, so tagged sections (``initial``, ``eos``)
    offer the keys of the kind the base problem uses.
    """
    node: Any = base
    parts = key.split(".")
    if any(not part for part in parts):
        raise SweepError(f"{where}: '{key}' is not a dotted config key")
    for depth, part in enumerate(parts):
        names = [f.name for f in dataclasses.fields(node)]
        if part not in names:
            prefix = ".".join(parts[:depth])
            close = difflib.get_close_matches(part, names, n=1, cutoff=0.6)
            hint = f"; did you mean '{prefix + '.' if prefix else ''}{close[0]}'?" if close else ""
            section = f"[{prefix}]" if prefix else "the top level"
            raise SweepError(f"{where}: unknown config key '{key}'{hint} Keys allowed in "
                             f"{section}: {', '.join(sorted(names))}")
        node = getattr(node, part)
        last = depth == len(parts) - 1
        if dataclasses.is_dataclass(node) and last:
            raise SweepError(f"{where}: '{key}' is a config section, not a value")
        if not dataclasses.is_dataclass(node) and not last:
            raise SweepError(f"{where}: '{'.'.join(parts[:depth + 1])}' is a value, not a "
                             f"section, in '{key}'")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _range_values(key: str, kind: str, bounds: Any, num: Any) -> tuple[float, ...]:
    where = f"axis '{key}'"
    if (not isinstance(bounds, list) or len(bounds) != 2
            or not all(_number(b) and math.isfinite(b) for b in bounds)):
        raise SweepError(f"{where}: {kind} = {bounds!r} must be [start, stop] (two finite "
                         "numbers)")
    if num is None:
        raise SweepError(f"{where}: {kind} = {bounds!r} needs num = N (the number of values)")
    if not isinstance(num, int) or isinstance(num, bool) or num < 1:
        raise SweepError(f"{where}: num = {num!r} must be an integer >= 1")
    start, stop = float(bounds[0]), float(bounds[1])
    if kind == "log":
        if start <= 0.0 or stop <= 0.0:
            raise SweepError(f"{where}: log range [{bounds[0]!r}, {bounds[1]!r}] must be "
                             "positive (both ends > 0)")
    if num == 1:
        if start != stop:
            raise SweepError(f"{where}: {kind} = {bounds!r} with num = 1 is ambiguous; give "
                             "values = [x] for a single value")
        return (start,)
    out = []
    for i in range(num):
        f = i / (num - 1)
        if kind == "linear":
            value = start + (stop - start) * f
        else:
            value = 10.0 ** (math.log10(start) + (math.log10(stop) - math.log10(start)) * f)
        out.append(float(f"{value:.{RANGE_DIGITS}g}"))
    out[0], out[-1] = start, stop
    return tuple(out)


def _parse_axis(index: int, table: Any, base: Config) -> Axis:
    where = f"[[axis]] number {index + 1}"
    if not isinstance(table, dict):
        raise SweepError(f"{where} must be a table with key = ... and values/linear/log")
    for name in table:
        if name not in AXIS_KEYS:
            raise _unknown(where, name, AXIS_KEYS)
    key = table.get("key")
    if not isinstance(key, str):
        raise SweepError(f"{where}: needs key = \"section.name\" (a dotted config key), got "
                         f"{key!r}")
    where = f"axis '{key}'"
    check_config_key(base, key, where)
    given = [k for k in ("values", "linear", "log") if k in table]
    if len(given) != 1:
        raise SweepError(f"{where}: give exactly one of values = [...], linear = [start, stop] "
                         f"or log = [start, stop] (got {', '.join(given) or 'none'})")
    kind = given[0]
    if kind == "values":
        values = table["values"]
        if "num" in table:
            raise SweepError(f"{where}: num = {table['num']!r} only goes with linear or log")
        if not isinstance(values, list):
            raise SweepError(f"{where}: values = {values!r} must be a list")
        if not values:
            raise SweepError(f"{where}: values = [] is empty; an axis needs at least one value")
        values = tuple(values)
    else:
        values = _range_values(key, kind, table[kind], table.get("num"))
    label = table.get("label", key.split(".")[-1])
    if not isinstance(label, str) or not label:
        raise SweepError(f"{where}: label = {label!r} must be a non-empty string")
    return Axis(key=key, values=values, label=label)


def _value_text(value: Any) -> str:
    """A short, file-name-safe rendering of a parameter value."""
    if isinstance(value, bool):
        text = str(value).lower()
    elif _number(value):
        text = re.sub(r"e\+?(-?)0*(\d)", r"e\1\2", f"{value:g}")  # 1e+09 -> 1e9
    elif isinstance(value, str):
        text = value
    else:
        text = "x"
    return "".join(c if c.isalnum() or c in ".-" else "_" for c in text)[:24]


def _members(axes: tuple[Axis, ...], mode: str) -> tuple[Member, ...]:
    if mode == "zip":
        lengths = {axis.key: len(axis.values) for axis in axes}
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k} has {n}" for k, n in lengths.items())
            raise SweepError(f"mode = 'zip' needs axes of equal length: {detail} values")
        combos = list(zip(*(axis.values for axis in axes), strict=True))
    else:
        combos = list(itertools.product(*(axis.values for axis in axes)))
    width = max(3, len(str(len(combos) - 1)))
    members = []
    for index, combo in enumerate(combos):
        parts = [f"m{index:0{width}d}"]
        parts += [f"{axis.label}-{_value_text(value)}" for axis, value in zip(axes, combo,
                                                                            strict=True)]
        members.append(Member(index=index, name="_".join(parts),
                              params={axis.key: value for axis, value in zip(axes, combo,
                                                                             strict=True)}))
    return tuple(members)


def _resolve_base(base: str, source: Path | None) -> Path:
    candidate = Path(base)
    if source is not None and (candidate.suffix == ".toml" or candidate.parent != Path(".")):
        if not candidate.is_absolute():
            candidate = source.parent / candidate
        if not candidate.is_file():
            raise SweepError(f"sweep.base = {base!r}: problem file '{candidate}' does not exist")
        return candidate
    try:
        return find_problem(base)
    except ConfigError as exc:
        raise SweepError(f"sweep.base = {base!r}: {exc}") from None


def parse_sweep(text: str, source: Path | None = None) -> SweepSpec:
    """Parse and check a sweep file's text (``source``: its path, for names and messages)."""
    label = str(source) if source is not None else "<sweep>"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"sweep file {label} is not valid TOML: {exc}") from None
    for key in data:
        if key not in TOP_KEYS:
            raise _unknown("the top level of the sweep file", key, TOP_KEYS)
    head = data.get("sweep")
    if not isinstance(head, dict):
        raise SweepError(f"sweep file {label}: needs a [sweep] table with base = PROBLEM")
    for key in head:
        if key not in SWEEP_KEYS:
            raise _unknown("[sweep]", key, SWEEP_KEYS)
    base = head.get("base")
    if not isinstance(base, str) or not base:
        raise SweepError(f"sweep file {label}: sweep.base = {base!r} must name a problem "
                         "(see `loopsim problems`) or a TOML file")
    mode = head.get("mode", "grid")
    if mode not in MODES:
        raise SweepError(f"sweep.mode = {mode!r} is not allowed; expected one of "
                         + ", ".join(repr(m) for m in MODES))
    name = head.get("name", source.stem if source is not None else "sweep")
    if not isinstance(name, str) or not name:
        raise SweepError(f"sweep.name = {name!r} must be a non-empty string")
    description = head.get("description", "")
    base_path = _resolve_base(base, source)
    base_toml = base_path.read_text()
    try:
        base_config = config_from_dict(tomllib.loads(base_toml))
    except (ConfigError, tomllib.TOMLDecodeError) as exc:
        raise SweepError(f"sweep.base = {base!r}: the base problem is invalid: {exc}") from None

    fixed_table = data.get("set", {})
    if not isinstance(fixed_table, dict):
        raise SweepError(f"[set] must be a table of dotted config keys, got {fixed_table!r}")
    fixed = flatten_dotted(fixed_table)
    for key in fixed:
        check_config_key(base_config, key, f"[set] {key}")

    raw_axes = data.get("axis")
    if raw_axes is None or (isinstance(raw_axes, list) and not raw_axes):
        raise SweepError(f"sweep file {label}: no [[axis]] tables; a sweep needs at least one "
                         "axis")
    if not isinstance(raw_axes, list):
        raise SweepError("axis must be written as [[axis]] tables (an array of tables)")
    axes = tuple(_parse_axis(i, table, base_config) for i, table in enumerate(raw_axes))
    seen: set[str] = set()
    for axis in axes:
        if axis.key in seen:
            raise SweepError(f"axis '{axis.key}' is given twice")
        if axis.key in fixed:
            raise SweepError(f"'{axis.key}' is both an axis and a fixed value in [set]")
        seen.add(axis.key)
    members = _members(axes, mode)
    return SweepSpec(name=name, description=description, base=base, base_path=base_path,
                     base_toml=base_toml, mode=mode, fixed=fixed, axes=axes, members=members,
                     source=source, text=text)


# ----------------------------------------------------------------------------------------
# members -> configs
# ----------------------------------------------------------------------------------------

def _set_dotted(data: dict[str, Any], key: str, value: Any) -> None:
    node = data
    parts = key.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"{key}: '{part}' is a value, not a table")
        node = child
    node[parts[-1]] = value


def member_config(base_toml: str, fixed: dict[str, Any], params: dict[str, Any]) -> Config:
    """The validated config of one member: base problem, then ``fixed``, then ``params``.

    Raises :class:`ConfigError` (with the config's key/value/range message) if the member's
    combination of values is not a valid problem.
    """
    data = tomllib.loads(base_toml)
    for key, value in {**fixed, **params}.items():
        _set_dotted(data, key, value)
    return config_from_dict(data)

"""Typed, validated parameter objects and the machinery that fills them from TOML.

A section of a problem file is a frozen dataclass whose fields carry their allowed
range in ``field(metadata=...)``.  :func:`build_section` turns a plain ``dict`` (parsed
TOML) into that dataclass, rejecting unknown keys (with the closest valid key as a
hint), wrong types and out-of-range values with a message that names the dotted key,
the value and what is allowed.  Nothing here knows about physics: the sections
themselves live in :mod:`loopsim.config.sections`.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from dataclasses import MISSING, dataclass, field
from typing import Any


class ConfigError(ValueError):
    """A problem file or override that cannot be accepted (raised before any computation)."""


def param(
    default: Any = MISSING,
    *,
    doc: str,
    units: str = "",
    min: float | None = None,
    max: float | None = None,
    min_exclusive: bool = False,
    max_exclusive: bool = False,
    choices: tuple[Any, ...] | None = None,
    allow_inf: bool = False,
    default_factory: Any = MISSING,
) -> Any:
    """A dataclass field with its documentation, units and allowed range."""
    meta = {
        "allow_inf": allow_inf,
        "doc": doc,
        "units": units,
        "min": min,
        "max": max,
        "min_exclusive": min_exclusive,
        "max_exclusive": max_exclusive,
        "choices": choices,
    }
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Variant:
    """A section whose dataclass is chosen by its ``kind`` key (a tagged union).

    Declared by annotating a field with a union of section dataclasses, each having a
    ``kind: str`` field whose default names it; the first member is the default.
    """

    options: dict[str, type]
    default_kind: str


def _describe_range(meta: dict[str, Any]) -> str:
    if meta.get("choices") is not None:
        return "one of " + ", ".join(repr(c) for c in meta["choices"])
    lo, hi = meta.get("min"), meta.get("max")
    lo_op = ">" if meta.get("min_exclusive") else ">="
    hi_op = "<" if meta.get("max_exclusive") else "<="
    if lo is not None and hi is not None:
        return f"a value {lo_op} {lo:g} and {hi_op} {hi:g}"
    if lo is not None:
        return f"a value {lo_op} {lo:g}"
    if hi is not None:
        return f"a value {hi_op} {hi:g}"
    return "any value"


def _check_range(key: str, value: Any, meta: dict[str, Any]) -> None:
    choices = meta.get("choices")
    if choices is not None and value not in choices:
        raise ConfigError(f"{key} = {value!r} is not allowed; expected {_describe_range(meta)}")
    values = value if isinstance(value, list | tuple) else [value]
    for v in values:
        if not isinstance(v, int | float) or isinstance(v, bool):
            continue
        if isinstance(v, float) and not math.isfinite(v):
            if math.isnan(v) or not meta.get("allow_inf"):
                raise ConfigError(
                    f"{key} = {value!r} is not finite; expected {_describe_range(meta)}"
                )
        lo, hi = meta.get("min"), meta.get("max")
        bad_lo = lo is not None and (v <= lo if meta.get("min_exclusive") else v < lo)
        bad_hi = hi is not None and (v >= hi if meta.get("max_exclusive") else v > hi)
        if bad_lo or bad_hi:
            raise ConfigError(
                f"{key} = {value!r} is out of range; expected {_describe_range(meta)}"
                + (f" ({meta['units']})" if meta.get("units") else "")
            )


def _coerce(key: str, value: Any, tp: Any) -> Any:
    """Check ``value`` against the annotation ``tp``; ints are accepted where floats are."""
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(key, value, arg)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0])
    if origin in (list, tuple):
        (item_tp, *_) = typing.get_args(tp) or (Any,)
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{key} = {value!r} has the wrong type; expected a list")
        items = [_coerce(f"{key}[{i}]", v, item_tp) for i, v in enumerate(value)]
        return tuple(items) if origin is tuple else items
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{key} = {value!r} has the wrong type; expected a number")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{key} = {value!r} has the wrong type; expected an integer")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{key} = {value!r} has the wrong type; expected true or false")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{key} = {value!r} has the wrong type; expected a string")
        return value
    raise ConfigError(f"{key}: unsupported type {tp!r}")


def _unknown_key(prefix: str, key: str, allowed: list[str]) -> ConfigError:
    dotted = f"{prefix}.{key}" if prefix else key
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{prefix + '.' if prefix else ''}{close[0]}'?" if close else ""
    where = f"[{prefix}]" if prefix else "the top level"
    return ConfigError(
        f"unknown config key '{dotted}'{hint} Keys allowed in {where}: {', '.join(sorted(allowed))}"
    )


def build_section(cls: Any, data: Any, prefix: str) -> Any:
    """Build a section dataclass (or :class:`Variant`) from a parsed TOML table."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"[{prefix}] must be a table, got {data!r}")
    if isinstance(cls, Variant):
        kind = data.get("kind", cls.default_kind)
        if kind not in cls.options:
            raise ConfigError(
                f"{prefix}.kind = {kind!r} is not allowed; expected one of "
                + ", ".join(repr(k) for k in cls.options)
            )
        cls = cls.options[kind]
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            raise _unknown_key(prefix, key, list(fields))
    kwargs = {}
    for name, f in fields.items():
        dotted = f"{prefix}.{name}" if prefix else name
        tp = hints[name]
        sub = _section_type(tp)
        if sub is not None:
            kwargs[name] = build_section(sub, data.get(name), dotted)
            continue
        if name not in data:
            if f.default is MISSING and f.default_factory is MISSING:
                raise ConfigError(f"missing required config key '{dotted}' ({f.metadata['doc']})")
            continue
        value = _coerce(dotted, data[name], tp)
        _check_range(dotted, value, f.metadata)
        kwargs[name] = value
    try:
        return cls(**kwargs)
    except ConfigError as exc:  # cross-field checks in __post_init__
        raise ConfigError(f"[{prefix}] {exc}") from None


def _section_type(tp: Any) -> Any:
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return tp
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        members = typing.get_args(tp)
        if all(isinstance(m, type) and dataclasses.is_dataclass(m) for m in members):
            options = {_kind_of(m): m for m in members}
            return Variant(options=options, default_kind=_kind_of(members[0]))
    return None


def _kind_of(cls: type) -> str:
    kind_field = {f.name: f for f in dataclasses.fields(cls)}.get("kind")
    if kind_field is None or kind_field.default is MISSING:
        raise TypeError(f"{cls.__name__} is in a tagged union but has no default 'kind'")
    return kind_field.default


def section_to_dict(obj: Any) -> dict[str, Any]:
    """Plain nested dict of a section (``None`` values dropped: TOML has no null)."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if dataclasses.is_dataclass(value):
            out[f.name] = section_to_dict(value)
        elif value is None:
            continue
        elif isinstance(value, tuple):
            out[f.name] = list(value)
        else:
            out[f.name] = value
    return out

"""Problem configuration: TOML in, one validated, typed :class:`Config` out.

>>> cfg = load_config("sod", overrides=["mesh.cells=800"])   # doctest: +SKIP
>>> cfg.mesh.cells
800
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from .problems import find_problem, list_problems
from .schema import ConfigError, build_section, section_to_dict
from .sections import (
    AcousticInitial,
    BeamSection,
    BoundarySection,
    ConductionFrontInitial,
    ConductionSection,
    HeatingSection,
    HydrogenEOS,
    HydroSection,
    IdealGasEOS,
    LoopInitial,
    LoopSection,
    MeshSection,
    OutputSection,
    ProblemSection,
    RadiationSection,
    RezoneSection,
    RiemannInitial,
    SolverSection,
    TimeSection,
    UniformHydrogenInitial,
    ViscositySection,
)

__all__ = [
    "Config",
    "ConfigError",
    "config_from_dict",
    "config_from_toml",
    "find_problem",
    "list_problems",
    "load_config",
    "parse_override",
]


@dataclass(frozen=True, kw_only=True)
class Config:
    """The fully resolved parameters of one run (every section, defaults filled in)."""

    problem: ProblemSection
    mesh: MeshSection
    time: TimeSection
    eos: IdealGasEOS | HydrogenEOS
    viscosity: ViscositySection
    initial: (RiemannInitial | AcousticInitial | LoopInitial | ConductionFrontInitial
              | UniformHydrogenInitial)
    boundary: BoundarySection
    loop: LoopSection
    hydro: HydroSection
    conduction: ConductionSection
    radiation: RadiationSection
    beam: BeamSection
    heating: HeatingSection
    rezone: RezoneSection
    output: OutputSection
    solver: SolverSection

    def to_dict(self) -> dict[str, Any]:
        return section_to_dict(self)

    def to_toml(self) -> str:
        """The resolved config as TOML text (stored in every run file)."""
        return tomli_w.dumps(self.to_dict())


def config_from_dict(data: dict[str, Any]) -> Config:
    """Validate a parsed problem file and fill in defaults."""
    return build_section(Config, data, "")


def config_from_toml(text: str, source: str = "<string>",
                     overrides: list[str] | None = None) -> Config:
    """Validate TOML text (a problem file, or the config stored in a run file), applying
    ``--set`` style overrides first."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{source} is not valid TOML: {exc}") from None
    return config_from_dict(apply_overrides(data, list(overrides or [])))


def flatten_dotted(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables -> {"section.key": value} (the dotted keys of ``--set``)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten_dotted(value, dotted + "."))
        else:
            out[dotted] = value
    return out


def parse_override(item: str) -> tuple[list[str], Any]:
    """Split ``"a.b.c=VALUE"``; VALUE is read as a TOML value, else as a bare string."""
    if "=" not in item:
        raise ConfigError(f"--set {item!r}: expected KEY=VALUE, e.g. --set mesh.cells=800")
    key, raw = item.split("=", 1)
    key = key.strip()
    if not key or any(not part for part in key.split(".")):
        raise ConfigError(f"--set {item!r}: the key {key!r} is not a dotted config key")
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return key.split("."), value


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    for item in overrides:
        path, value = parse_override(item)
        node = data
        for part in path[:-1]:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise ConfigError(f"--set {item!r}: '{part}' is a value, not a table")
            node = child
        node[path[-1]] = value
    return data


def load_config(problem: str | Path, overrides: list[str] | None = None) -> Config:
    """Load a named problem (from ``problems/``) or a TOML path, apply ``--set`` overrides."""
    path = find_problem(problem)
    return config_from_toml(path.read_text(), str(path), overrides)

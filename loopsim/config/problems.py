"""Locate the named problems shipped in ``problems/`` (installed as ``loopsim.problems``)."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from .schema import ConfigError


def problems_dir() -> Path:
    """Directory of the named problem TOML files.

    Installed packages carry them as ``loopsim/problems``; in a source checkout they are
    the repository's top-level ``problems/`` directory.
    """
    try:
        return Path(str(resources.files("loopsim.problems")))
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[2] / "problems"


def describe_toml_files(directory: Path, table: str) -> dict[str, str]:
    """Map of the TOML files in ``directory`` (by stem) to ``[table] description``."""
    out = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as fh:
            data = tomllib.load(fh)
        out[path.stem] = data.get(table, {}).get("description", "")
    return out


def list_problems() -> dict[str, str]:
    """Map of problem name to its one-line description."""
    return describe_toml_files(problems_dir(), "problem")


def find_problem(problem: str | Path) -> Path:
    """Resolve a problem name or a path to an existing TOML file."""
    candidate = Path(problem)
    if candidate.suffix == ".toml" or candidate.parent != Path("."):
        if candidate.is_file():
            return candidate
        raise ConfigError(f"problem file '{candidate}' does not exist")
    named = problems_dir() / f"{problem}.toml"
    if named.is_file():
        return named
    if candidate.is_file():
        return candidate
    known = ", ".join(list_problems()) or "(none found)"
    raise ConfigError(f"unknown problem '{problem}': not a file and not one of {known}")

"""Every Python package of the source tree is listed in pyproject.toml (a plain, non-editable
install must ship all of them)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_all_packages_listed():
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"])
    found = set()
    for top in ("loopsim", "postprocess"):
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            found.add(".".join(init.parent.relative_to(ROOT).parts))
    found.add("loopsim.problems")  # mapped from the top-level problems/ directory
    assert found == listed, (found - listed, listed - found)

"""Shared helpers: run a named problem into a temporary run file."""

from __future__ import annotations

from pathlib import Path

import pytest

from loopsim import open_run
from loopsim.config import load_config
from loopsim.driver import run


@pytest.fixture
def run_problem(tmp_path: Path):
    """run_problem(name, *overrides) -> Run (the finished run file, opened)."""
    counter = iter(range(10_000))

    def _run(name: str, *overrides: str):
        config = load_config(name, list(overrides))
        path = tmp_path / f"{name}_{next(counter)}.h5"
        run(config, path, progress=False)
        return open_run(path)

    return _run

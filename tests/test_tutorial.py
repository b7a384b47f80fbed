"""Execute docs/tutorial.md: every bash and python block, in order, in a fresh directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
BLOCK = re.compile(r"```(bash|python)\n(.*?)```", re.DOTALL)


def test_tutorial_runs(tmp_path: Path, monkeypatch):
    blocks = BLOCK.findall(TUTORIAL.read_text())
    assert len(blocks) >= 10
    monkeypatch.chdir(tmp_path)
    env = dict(os.environ)
    bindir = str(Path(sys.executable).parent)
    env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
    namespace: dict = {}
    for kind, code in blocks:
        if kind == "python":
            exec(compile(code, str(TUTORIAL), "exec"), namespace)
        else:
            result = subprocess.run(code, shell=True, capture_output=True, text=True, env=env,
                                    cwd=tmp_path)
            assert result.returncode == 0, (code, result.stdout, result.stderr)
    assert (tmp_path / "sod.png").stat().st_size > 10_000
    assert (tmp_path / "figure4.png").stat().st_size > 10_000

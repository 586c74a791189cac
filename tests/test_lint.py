"""House style, checked by the tools the dev environment installs (pyproject's [tool.ruff] and
[tool.mypy]): ruff's lint rules, ruff's formatting, and mypy (non-strict) on the package."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

SOURCES = ["bankperf_analysis", "benchmarks", "tests", "notebooks"]


def _tool(name: str) -> str:
    exe = Path(sys.executable).with_name(name)
    if not exe.exists():
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return str(exe)


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, capture_output=True, text=True, timeout=600)


def test_ruff_is_clean():
    res = _run(_tool("ruff"), "check", "--output-format", "concise", *SOURCES)
    assert res.returncode == 0, res.stdout + res.stderr


def test_code_is_ruff_formatted():
    res = _run(_tool("ruff"), "format", "--check", "--diff", *SOURCES)
    assert res.returncode == 0, "run `ruff format` (or `pre-commit run -a`):\n" + res.stdout[-4000:]


def test_mypy_is_clean():
    res = _run(_tool("mypy"), "--no-error-summary")
    assert res.returncode == 0, res.stdout + res.stderr

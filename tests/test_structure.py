"""The shape of the package: one-way imports, small modules and functions, thin notebooks."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

PKG = REPO / "bankperf_analysis"
MAX_MODULE_LINES = 800
MAX_FUNCTION_LINES = 80

#: Functions allowed past the limit: a single SQL statement or a declarative table only.
#: Each entry says why. The list is meant to stay short.
LONG_FUNCTION_EXCEPTIONS: dict[str, str] = {}


def _lint_imports(cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("lint-imports")
    if not exe.exists():
        pytest.skip("import-linter is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [str(exe), "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_import_contract_is_kept():
    res = _lint_imports(REPO)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "BROKEN" not in res.stdout


def test_import_contract_fails_on_an_upward_import(tmp_path):
    """Plant `metrics` importing the CLI in a copy of the package: the contract must break."""
    shutil.copytree(PKG, tmp_path / "bankperf_analysis", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "bankperf_analysis" / "metrics" / "__init__.py"
    target.write_text(
        target.read_text(encoding="utf-8") + "\nimport bankperf_analysis.cli.main  # noqa\n", encoding="utf-8"
    )
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    res = _lint_imports(tmp_path, env)
    assert res.returncode != 0
    assert "bankperf_analysis.metrics is not allowed to import bankperf_analysis.cli" in res.stdout


def _functions(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    rel = path.relative_to(REPO).as_posix()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield f"{rel}::{node.name}", node.end_lineno - node.lineno + 1


def _modules():
    return sorted(p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts)


def test_no_module_over_800_lines():
    long = {
        p.relative_to(REPO).as_posix(): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split these by the step they perform: {long}"


def test_no_function_over_80_lines():
    """Docstring included: a function is read whole. Split long ones by the step they perform."""
    long = {name: n for p in _modules() for name, n in _functions(p) if n > MAX_FUNCTION_LINES}
    assert set(long) <= set(LONG_FUNCTION_EXCEPTIONS), {
        k: v for k, v in long.items() if k not in LONG_FUNCTION_EXCEPTIONS
    }


_IMPORT = re.compile(r"^\s*(?:from|import)\s+(bankperf_analysis[\w.]*)", re.M)


@pytest.mark.parametrize("nb", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_notebooks_import_the_report_api_only(nb):
    """Notebooks call the report API (and the figure style); never the runner, the CLI or each other."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    modules = set(_IMPORT.findall(code))
    assert modules, "a report notebook imports the package"
    assert modules <= {"bankperf_analysis.report", "bankperf_analysis.plots"}, modules

"""Notebook hygiene (thin notebooks) and nbval: every notebook runs with its defaults."""

from __future__ import annotations

import ast
import os
import subprocess
import sys

import nbformat
import papermill as pm
import pytest
from conftest import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_five_notebooks_exist():
    names = {p.name for p in NOTEBOOKS}
    assert {"branch_quarter.ipynb", "bank_overview.ipynb", "annual_summary.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_is_thin(path):
    """No def, class, loops, warning filters or hard-coded dates: logic lives in the package."""
    nb = nbformat.read(path, as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tree = ast.parse(cell.source)
        for node in ast.walk(tree):
            assert not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda), (
                f"{path.name} cell {i} defines a function or class"
            )
            assert not isinstance(
                node, ast.For | ast.While | ast.ListComp | ast.DictComp | ast.SetComp | ast.GeneratorExp
            ), f"{path.name} cell {i} loops: move the logic into bankperf_analysis/"
        assert "filterwarnings" not in cell.source and "%%capture" not in cell.source


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_parameters_cell_is_typed_and_documented(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name} needs exactly one cell tagged 'parameters'"
    params = pm.inspect_notebook(str(path))
    assert params, f"papermill finds no parameters in {path.name}"
    for name, p in params.items():
        assert p["inferred_type_name"] != "None", f"{path.name}: '{name}' has no type annotation"
        assert p["help"], f"{path.name}: '{name}' has no help comment"
    # the parameters cell holds assignments only
    for node in ast.parse(tagged[0].source).body:
        assert isinstance(node, ast.AnnAssign), f"{path.name}: parameters cell must only assign"


def test_nbval_runs_every_notebook_with_defaults(tiny_bank, tmp_path):
    """nbval (lax): every notebook executes top to bottom with its default parameters."""
    env = {**os.environ, "BANKPERF_DATA": str(tiny_bank), "MPLBACKEND": "Agg", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval-lax",
            "--nbval-current-env",
            "-p",
            "no:cacheprovider",
            "-q",
            "--rootdir",
            str(tmp_path),
            *map(str, NOTEBOOKS),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]

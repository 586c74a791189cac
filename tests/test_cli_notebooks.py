"""What the command line hands the notebooks: text parameters, the project's kernel, named bars.

* papermill's ``-p branch_id 0012`` injects the integer 12; every notebook refuses a text
  parameter that is not text in the cell right after its parameters, naming ``-r``.
* The notebooks name the kernel ``make setup`` registers ("bankperf"); the runner starts its
  own kernel whatever the notebook names.
* The runner's progress bars are named by stage ("2026Q4 branch reports", "2026Q4 overview",
  "2026 annual summary").
"""

from __future__ import annotations

import ast
import re

import nbformat
import papermill as pm
import pytest
from conftest import REPO

from bankperf_analysis._resources import notebook_path
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.report import check_text_params
from bankperf_analysis.runner.run import _stage_label, plan_run

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def _text_parameters(nb) -> tuple[int, list[str]]:
    """(index of the parameters cell, the names it declares ``str``)."""
    i = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    body = ast.parse(nb.cells[i].source).body
    names = [n.target.id for n in body if isinstance(n, ast.AnnAssign) and ast.unparse(n.annotation) == "str"]
    return i, names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_cell_after_the_parameters_checks_every_text_parameter(path):
    nb = nbformat.read(path, as_version=4)
    i, names = _text_parameters(nb)
    assert names, f"{path.name} declares no text parameter"
    calls = [
        node
        for node in ast.walk(ast.parse(nb.cells[i + 1].source))
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "check_text_params"
    ]
    assert len(calls) == 1, f"{path.name}: the cell after the parameters must call check_text_params"
    call = calls[0]
    assert ast.literal_eval(call.args[0]) == path.name
    assert {k.arg: ast.unparse(k.value) for k in call.keywords} == {n: n for n in names}


def test_check_text_params_refuses_a_number_and_names_the_raw_fix():
    check_text_params("branch_quarter.ipynb", branch_id="0012", quarter="2026Q4")  # text: fine
    with pytest.raises(ParamsError) as info:
        check_text_params("branch_quarter.ipynb", branch_id=12, quarter="2026Q4", lang="en")
    text = str(info.value)
    assert text.startswith(
        "The 'branch_id' parameter of branch_quarter.ipynb must be a str (text). Got 12 (an int) instead."
    )
    assert "12 and 0012 are different branches" in text
    assert text.endswith("papermill branch_quarter.ipynb OUT.ipynb -r branch_id 0012")
    with pytest.raises(ParamsError, match=r"(?s)'year'.*Got 2026 \(an int\).*-r year 2026$"):
        check_text_params("annual_summary.ipynb", year=2026)
    with pytest.raises(ParamsError, match=r"(?s)'branch_id'.*'quarter'.*-r branch_id 0012 -r quarter 2026Q4"):
        check_text_params("staffing_plan.ipynb", branch_id=1.5, quarter=None)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_name_the_registered_kernel(path):
    nb = nbformat.read(path, as_version=4)
    assert nb.metadata.kernelspec.name == "bankperf"
    make = (REPO / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"ipykernel install --sys-prefix --name bankperf\b", make)  # what make setup registers


def test_the_runner_starts_its_own_kernel_whatever_the_notebook_names():
    from bankperf_analysis.runner.kernels import CURRENT_ENV_KERNEL
    from bankperf_analysis.runner.run import RunOptions

    assert RunOptions().kernel_name is None  # -> CURRENT_ENV_KERNEL: this interpreter, not a kernelspec
    assert CURRENT_ENV_KERNEL != "bankperf"


@pytest.mark.notebook
def test_papermill_p_branch_id_0012_is_refused_in_the_notebook(tmp_path):
    """A user running papermill directly with ``-p branch_id 0012`` gets the integer 12: refused
    in the cell after the parameters, before any data are read, with ``-r`` as the fix."""
    out = tmp_path / "out.ipynb"
    with pytest.raises(pm.PapermillExecutionError) as info:
        pm.execute_notebook(
            str(REPO / "notebooks" / "branch_quarter.ipynb"),
            str(out),
            parameters={"branch_id": 12, "data_dir": str(tmp_path / "never_read")},
            cwd=str(tmp_path),
            progress_bar=False,
        )
    err = info.value
    assert err.ename == "ParamsError"
    assert "'branch_id' parameter of branch_quarter.ipynb must be a str" in err.evalue
    assert "-r branch_id 0012" in err.evalue
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.kernelspec.name == "bankperf"
    failed = [
        c for c in nb.cells if c.cell_type == "code" and any(o.get("ename") for o in c.get("outputs", []))
    ]
    assert "check_text_params" in failed[0].source  # the first cell after the parameters


def _plan(notebook: str, item: dict, tmp_path):
    return plan_run(notebook_path(notebook), [item], tmp_path, quarter="2026Q4", progress=False)


def test_progress_bars_are_named_by_stage(tmp_path):
    common = {"data_dir": str(tmp_path), "quarter": "2026Q4"}
    branch = _plan("branch_quarter.ipynb", {"id": "B1", "branch_id": "B1", **common}, tmp_path)
    overview = _plan("bank_overview.ipynb", {"id": "overview", "file": "overview", **common}, tmp_path)
    annual = {"id": "annual-2026", "file": "annual-2026", "data_dir": str(tmp_path), "year": "2026"}
    assert _stage_label(branch) == "2026Q4 branch reports"
    assert _stage_label(overview) == "2026Q4 overview"
    assert _stage_label(_plan("annual_summary.ipynb", annual, tmp_path)) == "2026 annual summary"

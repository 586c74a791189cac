"""The scorecard's fixed cost (issue 14, goal 5) and use_report_style's (goal 4): what must not come back.

Each guard checks a behaviour, not a timing: the scorecard path imports no statistics,
plotting or Excel modules; the KPI frame's order is the documented one however it is
sorted; ``_staff_months`` is built only for the queries that read it; a plain process
does not import IPython to learn that it is not IPython.
"""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.metrics.catalogue import KPI_CATALOGUE, LEVELS, PERIOD_TYPES
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.metrics.year_to_date import target_basis_kpis


def _fresh(code: str) -> dict:
    """Run ``code`` in a fresh interpreter; it prints one JSON object."""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_scorecard_path_imports_no_heavy_module():
    got = _fresh(
        "import json, sys\n"
        "from bankperf_analysis.dataset.load import load_dataset\n"
        "from bankperf_analysis.scorecard.quarter import quarter_scorecards\n"
        "import bankperf_analysis.metrics.compute, bankperf_analysis.scorecard.staff\n"
        "import bankperf_analysis.scorecard.branch, bankperf_analysis.scorecard.pay\n"
        "heavy = ['scipy', 'statsmodels', 'matplotlib', 'openpyxl', 'xlsxwriter',\n"
        "         'bankperf_analysis.scorecard.annual', 'bankperf_analysis.scorecard.export']\n"
        "print(json.dumps({'loaded': [m for m in heavy if m in sys.modules]}))"
    )
    assert got["loaded"] == []


def test_scorecard_package_still_exports_every_name():
    import bankperf_analysis.scorecard as sc

    for name in sc.__all__:
        assert getattr(sc, name) is not None, name
    assert sc.annual_summary.__module__ == "bankperf_analysis.scorecard.annual"


def test_use_report_style_outside_ipython_does_not_import_it():
    got = _fresh(
        "import json, sys\n"
        "from bankperf_analysis.plots import use_report_style\n"
        "use_report_style('zh')\n"
        "import matplotlib as mpl\n"
        "print(json.dumps({'ipython': 'IPython' in sys.modules, 'dpi': mpl.rcParams['figure.dpi']}))"
    )
    assert got["ipython"] is False
    assert got["dpi"] > 0  # the style was applied


def _documented_order(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame sorted by pandas on level, entity, period type, period, KPI (the documented order)."""
    rank = {
        "level": {x: i for i, x in enumerate(LEVELS)},
        "period_type": {x: i for i, x in enumerate(PERIOD_TYPES)},
        "kpi": {x: i for i, x in enumerate(KPI_CATALOGUE)},
    }
    keys = pd.DataFrame(
        {
            "l": frame["level"].map(rank["level"]).to_numpy(),
            "e": frame["entity_id"].astype(object).to_numpy(),
            "p": frame["period_type"].map(rank["period_type"]).to_numpy(),
            "q": frame["period"].astype(object).to_numpy(),
            "k": frame["kpi"].map(rank["kpi"]).to_numpy(),
        }
    )
    order = keys.sort_values(["l", "e", "p", "q", "k"], kind="stable").index.to_numpy()
    return frame.take(order).reset_index(drop=True)


def test_kpi_frame_in_documented_order(tiny_bank):
    with load_dataset(tiny_bank, validate=False) as ds:
        frames = [compute_kpis(ds), compute_kpis(ds, period="2026Q4", period_types=("quarter",))]
    for frame in frames:
        assert len(frame) > 500
        key = frame[["level", "entity_id", "period_type", "period", "kpi"]]
        assert not key.duplicated().any()  # a total order: one row per key
        pd.testing.assert_frame_equal(frame, _documented_order(frame), check_exact=True)
    every = frames[0]
    assert set(every["period_type"]) == {"month", "quarter", "year"}
    assert np.all(np.diff(every["level"].map({x: i for i, x in enumerate(LEVELS)}).to_numpy()) >= 0)


def _has_staff_months(ds) -> bool:
    query = "SELECT count(*) FROM duckdb_tables() WHERE table_name = '_staff_months'"
    return bool(ds.con.execute(query).fetchall()[0][0])


def test_staff_months_built_only_for_the_queries_that_read_them(tiny_bank):
    with load_dataset(tiny_bank, validate=False) as ds:
        churn = target_basis_kpis(ds, "2026Q4", kpis=["churn_rate"])
        assert len(churn) and not _has_staff_months(ds)  # churn reads no staff-month
        sales = target_basis_kpis(ds, "2026Q4", kpis=["cross_sales_per_month"])
        assert len(sales) and _has_staff_months(ds)


def test_report_worker_imports_no_data_stack():
    """A report worker runs kernels and exports HTML: no pandas, DuckDB, Arrow or SciPy (~170 MB each)."""
    got = _fresh(
        "import json, sys\n"
        "import bankperf_analysis.runner.worker_process\n"
        "from bankperf_analysis.runner.worker import ReportWorker\n"
        "ReportWorker().exporter\n"
        "heavy = ['pandas', 'duckdb', 'pyarrow', 'scipy', 'numpy', 'matplotlib']\n"
        "print(json.dumps({'loaded': [m for m in heavy if m in sys.modules]}))"
    )
    assert got["loaded"] == []


def test_lazy_packages_export_every_name_from_its_module():
    import importlib

    for pkg_name in ("bankperf_analysis.report", "bankperf_analysis.runner"):
        pkg = importlib.import_module(pkg_name)
        for name in pkg.__all__:
            obj = getattr(pkg, name)
            home = importlib.import_module(f"{pkg_name}.{pkg._WHERE[name]}")
            assert obj is getattr(home, name), (pkg_name, name)
            assert name in dir(pkg)
        assert set(pkg.__all__) == set(pkg._WHERE), pkg_name
        try:
            pkg.no_such_name  # noqa: B018
        except AttributeError as e:
            assert "no_such_name" in str(e)
        else:
            raise AssertionError(f"{pkg_name}.no_such_name did not raise")


def test_a_name_shared_with_a_submodule_is_the_function_after_the_submodule_is_imported():
    got = _fresh(
        "import json\n"
        "import bankperf_analysis.report.incentive  # imports the submodule incentive_headline\n"
        "from bankperf_analysis.report import incentive_headline\n"
        "print(json.dumps({'callable': callable(incentive_headline)}))"
    )
    assert got["callable"] is True

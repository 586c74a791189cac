"""Per-report cost (issue 14, goal 4): what a branch report must not redo.

* The shared frames are read once per process: a second branch report reads no Parquet
  file (a pooled kernel runs many reports; re-reading the bank-wide frames in each made a
  batch quadratic in the number of branches).
* A branch's rows taken through the index are the rows of the boolean filter, in order.
* ``use_report_style`` builds its rcParams once and imports no seaborn.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bankperf_analysis.report import BranchReport, _frames, prepare_batch

SECTIONS = (
    "title",
    "kpi_tiles",
    "annual_targets",
    "trends_note",
    "satisfaction_change",
    "staff_table",
    "checks_table",
    "complaints_table",
    "staffing_table",
    "data_quality",
    "headline",
)


@pytest.fixture(scope="module")
def shared(tiny_bank, tmp_path_factory) -> Path:
    return prepare_batch(tiny_bank, "2026Q4", tmp_path_factory.mktemp("shared") / "2026Q4")


@pytest.fixture(scope="module")
def branches(shared) -> list[str]:
    return pd.read_parquet(shared / "branches.parquet").branch_id.astype(str).tolist()


@pytest.fixture
def parquet_reads(monkeypatch) -> list[str]:
    """Every Parquet file read through pandas from now on (names)."""
    reads: list[str] = []
    real = pd.read_parquet

    def counting(path, *args, **kwargs):
        reads.append(Path(path).name)
        return real(path, *args, **kwargs)

    monkeypatch.setattr(pd, "read_parquet", counting)
    _frames.clear()
    yield reads
    _frames.clear()


def _render(shared: Path, branch: str) -> None:
    import matplotlib.pyplot as plt

    report = BranchReport(shared, branch)
    for name in SECTIONS:
        getattr(report, name)()
    report.staffing_heatmap()
    plt.close(report.trends_figure())


def test_a_second_branch_report_reads_no_shared_frame(shared, branches, parquet_reads):
    first, second = branches[:2]
    _render(shared, first)
    assert "kpis.parquet" in parquet_reads and "staff_scores.parquet" in parquet_reads
    assert len(parquet_reads) == len(set(parquet_reads)), parquet_reads  # each file once
    n_first = len(parquet_reads)
    _render(shared, second)
    assert parquet_reads[n_first:] == [], f"the second report read {parquet_reads[n_first:]} again"


def test_a_branch_report_counts_its_consequences_and_names_the_files_once(shared, branches, monkeypatch):
    """The staff table and the index headline share one count; every report shares the file names."""
    from bankperf_analysis.report import branch as branch_module

    counted, named = [], []
    count, name = branch_module.batch_consequences, branch_module.branch_files
    monkeypatch.setattr(
        branch_module, "batch_consequences", lambda *a, **k: counted.append(1) or count(*a, **k)
    )
    monkeypatch.setattr(branch_module, "branch_files", lambda ids: named.append(1) or name(ids))
    _frames.clear()
    for branch in branches[:2]:
        report = BranchReport(shared, branch)
        report.nav(), report.staff_table()
        headline = report.headline()
        assert headline == {**headline, **report.consequences().headline("en")}
    assert len(counted) == 2  # one count per report (was two: staff table and headline)
    assert len(named) == 1  # one naming of every branch's file per process (was two per report)


def test_a_changed_shared_file_is_read_again(tmp_path, parquet_reads):
    path = tmp_path / "staff_scores.parquet"
    pd.DataFrame({"branch_id": ["B1", "B2"], "bonus_yuan": [100, 200]}).to_parquet(path)
    assert _frames.rows_of(path, "branch_id", "B1").bonus_yuan.tolist() == [100]
    tmp = tmp_path / "new.parquet"
    pd.DataFrame({"branch_id": ["B1", "B1", "B2"], "bonus_yuan": [150, 50, 200]}).to_parquet(tmp)
    os.replace(tmp, path)  # how prepare_batch publishes
    assert _frames.rows_of(path, "branch_id", "B1").bonus_yuan.tolist() == [150, 50]
    assert parquet_reads.count("staff_scores.parquet") == 2


@pytest.mark.parametrize(
    ("name", "column"),
    [
        ("staff_scores", "branch_id"),
        ("staff_kpis", "branch_id"),
        ("training", "branch_id"),
        ("branch_checks", "branch_id"),
        ("staffing_heatmap", "branch_id"),
        ("changes", "entity"),
    ],
)
def test_rows_are_the_rows_of_the_filter_in_order(shared, branches, name, column):
    from bankperf_analysis.report.inputs import ReportInputs

    inputs = ReportInputs.load(shared)
    whole = pd.read_parquet(shared / f"{name}.parquet")
    for b in [*branches, "no such branch"]:
        got = inputs.rows(name, column, b)
        pd.testing.assert_frame_equal(got, whole[whole[column] == b])


def test_entity_kpis_are_the_branch_and_bank_rows_in_order(shared, branches):
    from bankperf_analysis.report.inputs import ReportInputs

    inputs = ReportInputs.load(shared)
    k = pd.read_parquet(shared / "kpis.parquet")
    for b in branches:
        want = k[(k.level == "branch") & (k.entity_id == b) | (k.level == "bank")]
        got = inputs.entity_kpis("branch", b)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True))


_STYLE_PROBE = """
import json, sys
import matplotlib
matplotlib.use("agg")
from bankperf_analysis.plots import style
style.use_report_style("zh")
built = style._report_rc.cache_info().misses
style.use_report_style("zh")
print(json.dumps({
    "builds": [built, style._report_rc.cache_info().misses],
    "font_registrations": style.cjk_font_name.cache_info().misses,
    "seaborn": "seaborn" in sys.modules,
    "scipy": "scipy.stats" in sys.modules,
    "cmap": matplotlib.rcParams["image.cmap"],
    "cmap_known": matplotlib.rcParams["image.cmap"] in matplotlib.colormaps,
}))
"""


def test_use_report_style_builds_once_and_imports_no_seaborn():
    """The first call is cheap (no seaborn, no scipy: seconds in a new kernel); a second redoes nothing."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run(
        [sys.executable, "-c", _STYLE_PROBE], capture_output=True, text=True, env=env, check=True
    )
    got = json.loads(out.stdout)
    assert got["builds"] == [1, 1], "the second call rebuilt the style"
    assert got["font_registrations"] == 1
    assert not got["seaborn"] and not got["scipy"], "use_report_style imported seaborn / scipy"
    assert got["cmap"] == "rocket" and got["cmap_known"]


def test_report_style_equals_seaborn_theme_with_the_report_settings():
    """The rcParams equal seaborn.set_theme(whitegrid, palette, font) followed by the report's settings."""
    import warnings

    import matplotlib as mpl
    import seaborn as sns

    from bankperf_analysis.plots import style

    font = style.cjk_font_name()
    report_rc = {
        "font.family": "sans-serif",
        "font.sans-serif": [font, "DejaVu Sans"],
        "axes.unicode_minus": False,
        "figure.dpi": 80,
        "savefig.dpi": 80,
        "figure.figsize": [5.0, 2.5],
        "savefig.bbox": "tight",
        "savefig.format": "png",
        "axes.titleweight": "normal",
        "figure.titleweight": "normal",
        "axes.titlesize": "large",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    }
    saved = mpl.rcParams.copy()
    try:
        for context in ("notebook", "talk"):
            mpl.rc_file_defaults()
            style.use_report_style("zh", dpi=80, figsize=(5.0, 2.5), context=context)
            ours = dict(mpl.rcParams)
            mpl.rc_file_defaults()
            sns.set_theme(context=context, style="whitegrid", palette=style.PALETTE, font=font, rc=report_rc)
            mpl.rcParams.update(report_rc)
            theirs = dict(mpl.rcParams)
            assert [k for k in ours if ours[k] != theirs[k]] == [], context
        assert mpl.colormaps["rocket"].colors == sns.cm.rocket.colors
    finally:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            mpl.rcParams.update(saved)

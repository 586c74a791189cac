"""A bank whose data hold a single quarter renders every report (issue 14, goal 1).

A bank's first delivery is often one quarter. The tiny demo bank is cut to its last quarter
(every dated row outside it removed, ``dataset.yaml``'s first period moved to it), and
``bankperf report`` renders that quarter: every branch report, the bank overview and (in a
fourth quarter) the annual summary, exit 0. The sections that need a previous quarter -- the
satisfaction change and its significance, the trend over quarters -- say in words, in English
and in Chinese, that there is no previous quarter to compare with; nothing fails. The quarter
and the branch ids are read from the data, never named from the demo.
"""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import yaml

from bankperf_analysis._i18n_shrink import shrink_text
from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import validate_dataset
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.i18n import t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.periods import Period
from bankperf_analysis.report import BankOverview, BranchReport, prepare_batch

#: Text that must never reach a report: missing values printed raw, or a Python error.
LEAKS = re.compile(r"\b(nan|NaN|None|inf)\b|&lt;NA&gt;|<NA>|Traceback|Error:")


def _one_quarter(src: Path, dst: Path) -> Period:
    """Copy the bank at ``src`` keeping only the dated rows of its last quarter; that quarter."""
    shutil.copytree(src, dst)
    meta_path = dst / "dataset.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    q = Period.parse(meta["last_period"])
    con = duckdb.connect()
    for name, table in CONTRACT.items():
        path = dst / f"{name}.parquet"
        if not table.period_columns or not path.exists():
            continue
        keep = " AND ".join(
            f"{c} >= TIMESTAMP '{q.start}' AND {c} < TIMESTAMP '{q.end}'" for c in table.period_columns
        )
        tmp = path.with_suffix(".tmp")
        con.execute(f"COPY (SELECT * FROM read_parquet('{path}') WHERE {keep}) TO '{tmp}' (FORMAT parquet)")
        tmp.replace(path)
    # an undated table that names rows of a cut one keeps only the rows still named
    # (complaint_rulings -> complaints)
    for name, table in CONTRACT.items():
        path = dst / f"{name}.parquet"
        if table.period_columns or not path.exists():
            continue
        for col in table.columns:
            parent = col.references.split(".")[0] if col.references else None
            if parent is None or not CONTRACT[parent].period_columns:
                continue
            ref, src_parent = col.references.split(".")[1], dst / f"{parent}.parquet"
            tmp = path.with_suffix(".tmp")
            con.execute(
                f"COPY (SELECT * FROM read_parquet('{path}') WHERE {col.name} IN "
                f"(SELECT {ref} FROM read_parquet('{src_parent}'))) TO '{tmp}' (FORMAT parquet)"
            )
            tmp.replace(path)
    con.close()
    meta["first_period"] = str(q)
    meta_path.write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    return q


@pytest.fixture(scope="module")
def one_quarter(tiny_bank, tmp_path_factory) -> tuple[Path, Period]:
    """The tiny demo bank cut to its last quarter, and that quarter. Do not modify."""
    folder = tmp_path_factory.mktemp("one_quarter") / "bank"
    return folder, _one_quarter(tiny_bank, folder)


def _statement(q: Period, lang: str) -> str:
    """What a section needing the previous quarter says, in ``lang``."""
    previous, first = (
        period_label(str(q.previous()), lang),
        period_label(str(q), lang),
    )  # 2026年第三季度 in zh
    reason = t("no_previous_quarter", lang, previous=previous, first=first)
    return t("not_available", lang, reason=reason)


def _text(page: str) -> str:
    """The visible text of HTML: no tags, no embedded images or style, entities decoded."""
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_cut_bank_is_valid_and_holds_one_quarter(one_quarter):
    """The crafted bank is a valid dataset whose dated rows all fall in one quarter."""
    folder, q = one_quarter
    summary = validate_dataset(folder)
    assert (summary.first_period, summary.last_period) == (str(q), str(q))
    assert summary.tables["surveys"] > 0 and summary.tables["contacts"] > 0


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_sections_needing_a_previous_quarter_say_so(one_quarter, tmp_path, lang):
    """Satisfaction change (branch and overview) and the trend say there is no previous quarter."""
    folder, q = one_quarter
    shared = prepare_batch(folder, str(q), tmp_path / "shared")
    said = _statement(q, lang)
    for branch in sorted(pd.read_parquet(folder / "branches.parquet").branch_id):
        report = BranchReport(shared, branch, lang)
        assert said in _text(report.satisfaction_change().html), branch
        assert said in _text(report.trends_note().html), branch
        # the banner and every tile say there is no previous quarter (issue 15), no crash
        banner = _text(report.headline_banner().html)
        assert t("hl_no_previous", lang, previous=period_label(str(q.previous()), lang)) in banner, branch
        tiles = _text(report.kpi_tiles().html)
        assert t("tile_no_previous", lang) in tiles and "▲" not in tiles and "▼" not in tiles, branch
    overview = BankOverview(shared, lang)
    assert said in _text(overview.changes_table().html)
    assert overview.headline()["label_change"] is None  # no "0 branches flagged down"
    assert said not in _text(overview.league_table().html)  # this quarter alone: ranked as usual
    # the league names its shrinkage method (issue 18): the default, beta-binomial
    assert shrink_text("shrink_method_beta-binomial", lang) in _text(overview.league_table().html)


@pytest.mark.notebook
def test_bankperf_report_renders_every_report_of_a_one_quarter_bank(
    one_quarter, tmp_path, capsys, monkeypatch
):
    """``bankperf report``: exit 0, every branch report + the overview (+ annual in Q4) rendered.

    With ``BANKPERF_TIMINGS`` the batch writes its phase table, every phase in order.
    """
    folder, q = one_quarter
    out = tmp_path / "out"
    monkeypatch.setenv("BANKPERF_TIMINGS", str(tmp_path / "timings.json"))
    rc = main(["report", "--data", str(folder), "--quarter", str(q), "--out", str(out), "--no-progress"])
    assert rc == 0, capsys.readouterr()
    timings = json.loads((tmp_path / "timings.json").read_text(encoding="utf-8"))
    phases = ["fingerprint", "validation", "shared inputs", "branch reports", "overview"]
    phases += ["annual summary"] if q.start.month == 10 else []
    assert [name for name, _ in timings["phases"]] == phases
    assert all(s >= 0 for _, s in timings["phases"])
    assert sum(s for _, s in timings["phases"]) == pytest.approx(timings["total_s"], abs=0.05)
    pages = {f.name: _text(f.read_text(encoding="utf-8")) for f in sorted((out / str(q)).glob("*.html"))}
    branches = sorted(pd.read_parquet(folder / "branches.parquet").branch_id)
    expected = {f"{b}.html" for b in branches} | {"overview.html", "index.html"}
    if q.start.month == 10:  # a fourth quarter: the annual summary too
        expected.add(f"annual-{q.start.year}.html")
    assert set(pages) == expected
    said = _statement(q, "en")
    for b in branches:
        assert pages[f"{b}.html"].count(said) == 2, b  # the trend and the satisfaction change
    assert said in pages["overview.html"]
    for name, page in pages.items():
        hit = LEAKS.search(page)
        assert hit is None, (name, page[max(0, hit.start() - 80) : hit.end() + 80])


def test_the_annual_summary_of_a_one_quarter_bank_judges_only_that_quarter(one_quarter):
    """The quarters before the data begin are no data, not quarters of zero sales.

    A customer manager's cross-sales and new customers are counts per staff-month: were the
    months before the first delivery counted as months in post with nothing sold, three
    empty quarters would be graded and averaged into the year (an excellent Q4 manager
    would end the year "needs improvement").
    """
    from bankperf_analysis.report.annual import AnnualReport

    folder, q = one_quarter
    staff = AnnualReport(folder, str(q)[:4]).summary.staff
    graded = staff.loc[staff["n_graded_quarters"] > 0]
    assert len(graded) and (graded["n_graded_quarters"] == 1).all()
    col = f"q{str(q)[-1]}_composite"
    pd.testing.assert_series_equal(graded["annual_composite"], graded[col], check_names=False)

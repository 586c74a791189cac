"""Optional tables really optional (issue 12, item 5) and the annual summary's scheme (item 6).

Every table of the data contract except ``branches`` and ``staff`` is optional. Each one in
turn is removed from a copy of the tiny demo bank (absent; a few also provided empty, as a
CSV file with only its header), and the three reports of a fourth quarter -- one branch
report, the bank overview and the annual summary -- are rendered: in-process, section by
section, for every table, and end to end with ``bankperf report`` for a few. Each section
that needs the missing table says "Not available" with the right reason; no section shows
a number computed from it (a KPI without data is never scored as zero); no "nan", "None" or
traceback text reaches the HTML. The tables, KPIs and branch ids are read from the contract
and the data, never named from the demo.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from conftest import REPO

from bankperf_analysis._resources import notebook_path
from bankperf_analysis.cli import main
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.plots import use_report_style
from bankperf_analysis.report import AnnualReport, BankOverview, BranchReport, ReportInputs, prepare_batch
from bankperf_analysis.report.branch import TILE_KPIS, TREND_KPIS
from bankperf_analysis.runner import build_reports
from bankperf_analysis.runner.plan import declared_parameters
from bankperf_analysis.scheme import load_scheme
from bankperf_analysis.scorecard import STATUS_NOT_AVAILABLE, score_staff

QUARTER, YEAR = "2026Q4", "2026"

#: The optional tables of the data contract that feed KPIs (all but the required ones and the
#: assignment history, which is derived from staff when absent: tests/test_employment.py).
OPTIONAL = [name for name, table in CONTRACT.items() if not table.required and table.feeds]
#: Tables also tried empty: a CSV file with only its header, as an export of nothing looks.
EMPTY = ["contacts", "surveys", "complaints", "mystery_shopper", "roster"]

#: Sections that need one table as a whole: without it they say "Not available: <why>".
SECTION_TABLE = {
    "branch.satisfaction_change": "surveys",
    "overview.league_table": "surveys",
    "overview.changes_table": "surveys",
    "branch.complaints_table": "complaints",
    "branch.checks_table": "mystery_shopper",
    "overview.money_totals": "mystery_shopper",
    "overview.branch_results": "mystery_shopper",
    "annual.totals": "mystery_shopper",
    "annual.branch_table": "mystery_shopper",
    "branch.staffing_heatmap": "contacts",
    "branch.staffing_table": "contacts",
}
BRANCH_SECTIONS = (
    "title",
    "kpi_tiles",
    "trends_note",
    "satisfaction_change",
    "staff_table",
    "checks_table",
    "complaints_table",
    "staffing_heatmap",
    "staffing_table",
    "data_quality",
)
OVERVIEW_SECTIONS = (
    "title",
    "money_totals",
    "league_table",
    "changes_table",
    "branch_results",
    "data_quality",
)
ANNUAL_SECTIONS = ("title", "totals", "staff_table", "branch_table", "data_quality")

#: Text that must never reach a report: missing values printed raw, or a Python error.
LEAKS = re.compile(r"\b(nan|NaN|None|inf)\b|&lt;NA&gt;|<NA>|Traceback|Error:")


def _kpis_of(table: str) -> list[str]:
    return [k for k, d in KPI_CATALOGUE.items() if d.table == table]


def _staff_kpis_of(table: str) -> list[str]:
    """KPIs of ``table`` that the default scheme scores for some role (not the branch)."""
    rules = load_scheme().rules_frame()
    scored = set(rules.loc[rules["scored"] & (rules["role"] != "__branch__"), "kpi"])
    return [k for k in _kpis_of(table) if k in scored]


def _without(bank: Path, table: str, how: str) -> None:
    """Remove ``table`` from the bank folder (``absent``) or leave only its header (``empty``)."""
    files = [f for f in bank.iterdir() if f.name.split(".")[0] == table]
    assert files, f"the demo bank has no {table} file"
    if table == "complaints":  # the rulings on complaints go with them (they name a complaint)
        files += [f for f in bank.iterdir() if f.name.split(".")[0] == "complaint_rulings"]
    for f in files:
        f.unlink()
    if how == "empty":
        header = ",".join(c.name for c in CONTRACT[table].columns)
        (bank / f"{table}.csv").write_text(header + "\n", encoding="utf-8")


def _text(page: str) -> str:
    """The visible text of HTML: no tags, no embedded images or style, entities decoded."""
    page = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", page)
    page = re.sub(r"<(style|script)\b.*?</\1>", "", page, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _not_available(table: str, lang: str) -> str:
    return t("not_available", lang, reason=t(f"missing_{table}", lang))


@dataclass
class Rendered:
    """Every section of the three reports, as HTML, with what the reports computed."""

    sections: dict[str, str]
    headlines: dict[str, dict]
    inputs: ReportInputs
    annual: AnnualReport
    trend_panels: dict[str, tuple[str, int]]  # trend KPI -> text drawn on its panel, y ticks


def _render(bank: Path, shared: Path, lang: str) -> Rendered:
    """Prepare the batch inputs and render every section of the three reports in-process.

    The figure style is applied as the notebooks do (the Chinese font), within an
    ``rc_context`` so that later tests get matplotlib's settings back.
    """
    with matplotlib.rc_context():
        use_report_style(lang)
        return _render_sections(bank, shared, lang)


def _render_sections(bank: Path, shared: Path, lang: str) -> Rendered:
    prepare_batch(bank, QUARTER, shared)
    branch = sorted(pd.read_parquet(bank / "branches.parquet").branch_id)[0]
    reports = {
        "branch": (BranchReport(shared, branch, lang), BRANCH_SECTIONS),
        "overview": (BankOverview(shared, lang), OVERVIEW_SECTIONS),
        "annual": (AnnualReport(bank, YEAR, lang), ANNUAL_SECTIONS),
    }
    sections = {
        f"{name}.{section}": getattr(report, section)().html
        for name, (report, names) in reports.items()
        for section in names
    }
    fig = reports["branch"][0].trends_figure()
    panels = {
        kpi: (" ".join(x.get_text() for x in ax.texts), len(ax.get_yticks()))
        for ax, kpi in zip(fig.axes, TREND_KPIS)
    }
    reports["overview"][0].funnel_figure()
    headlines = {name: report.headline() for name, (report, _) in reports.items()}
    return Rendered(sections, headlines, ReportInputs.load(shared), reports["annual"][0], panels)


CASES = [pytest.param(name, "absent", "en", id=f"{name}-absent") for name in OPTIONAL]
CASES += [pytest.param(name, "empty", "en", id=f"{name}-empty") for name in EMPTY]
CASES += [
    pytest.param("surveys", "absent", "zh", id="surveys-absent-zh"),
    pytest.param("mystery_shopper", "empty", "zh", id="mystery_shopper-empty-zh"),
]


@pytest.mark.parametrize(("table", "how", "lang"), CASES)
def test_reports_say_not_available_without_an_optional_table(bank_copy, tmp_path, table, how, lang):
    _without(bank_copy, table, how)
    r = _render(bank_copy, tmp_path / "shared", lang)
    why = t(f"missing_{table}", lang)

    # sections needing the table as a whole say so; the others do not
    for section, needs in SECTION_TABLE.items():
        said = _not_available(table, lang) in r.sections[section]
        assert said == (needs == table), (section, needs)

    # KPI tiles: "not available" and why, never a value (no digit at all)
    tiles = [x.split("</div></div>")[0] for x in r.sections["branch.kpi_tiles"].split('class="tile"')[1:]]
    for kpi in TILE_KPIS:
        tile = [x for x in tiles if f">{html.escape(kpi_label(kpi, lang))}</div>" in x]
        if kpi in _kpis_of(table):
            assert len(tile) == 1, kpi
            assert t("not_available_short", lang) in tile[0] and why in tile[0], kpi
            assert not re.search(r"\d", _text('<div class="tile"' + tile[0] + "</div>")), kpi
        else:
            assert all(t("not_available_short", lang) not in x for x in tile), kpi

    # trends: the panel of an unavailable KPI (with no scale) and the note under the figure say why
    for kpi in TREND_KPIS:
        unavailable = kpi in _kpis_of(table)
        text, n_ticks = r.trend_panels[kpi]
        assert (why in text) == unavailable and (n_ticks == 0) == unavailable, kpi
        assert (kpi_label(kpi, lang) in r.sections["branch.trends_note"]) == unavailable, kpi

    # staff tables: scored KPIs of the table are "not available" for everyone, and said so
    for section in ("branch.staff_table", "annual.staff_table"):
        assert (why in r.sections[section]) == bool(_staff_kpis_of(table)), section

    # the data-quality sections of all three reports name the table and the reason
    for section in ("branch.data_quality", "overview.data_quality", "annual.data_quality"):
        text = _text(r.sections[section])
        assert table in text and why in text, section
        if lang == "en":
            assert ("was provided empty" if how == "empty" else "was not provided") in text, section

    _assert_no_number_from(table, r)
    page = "".join(r.sections.values())
    assert not LEAKS.search(_text(page)), LEAKS.search(_text(page))
    if (table, lang) == ("surveys", "en"):  # the words the issue asks for
        assert "Not available: no survey data." in r.sections["branch.satisfaction_change"]
    if (table, lang) == ("surveys", "zh"):
        assert "不可用：无满意度调查数据" in r.sections["branch.satisfaction_change"]


def _assert_no_number_from(table: str, r: Rendered) -> None:
    """No KPI, score, zero-fill, headline or annual figure is computed from the missing table."""
    kpis = _kpis_of(table)
    assert not r.inputs.kpis.kpi.isin(kpis).any()
    for frame in ("staff_kpis", "branch_kpis"):
        sk = r.inputs.frame(frame)
        rows = sk[sk.kpi.isin(kpis)]
        assert (rows.status == STATUS_NOT_AVAILABLE).all(), frame
        assert rows.value.isna().all() and rows.score.isna().all(), frame
        assert not rows.zero_filled.any() and (rows.contribution == 0).all(), frame
    excluded = r.annual.summary.staff_quarterly.excluded_kpis.astype(str)
    for kpi in _staff_kpis_of(table):  # not scored in any quarter of the year, never zero
        assert excluded.str.contains(f"{kpi} (not available)", regex=False).any(), kpi
    h = r.headlines
    if table == "surveys":
        assert h["branch"]["satisfaction_rate"] is None and h["branch"]["label_change"] is None
        assert h["overview"]["satisfaction_rate"] is None and h["overview"]["label_change"] is None
    if table == "mystery_shopper":
        na = t("not_available_short", r.annual.lang)  # never "0": the counts say they are not available
        assert h["branch"]["count_pay_cuts"] == na and h["overview"]["count_pay_cuts"] == na
        assert h["annual"]["count_excellent_branches"] == na and h["annual"]["count_rechecks"] == na


def test_all_tables_present_nothing_said_missing(tiny_bank, tmp_path):
    """The control: with every table, no section says "not available" and no table is listed."""
    r = _render(tiny_bank, tmp_path / "shared", "en")
    for section, page in r.sections.items():
        assert "not available" not in page.lower(), section
    assert r.sections["overview.data_quality"] == r.sections["annual.data_quality"] == ""
    assert r.sections["branch.trends_note"] == ""
    assert not LEAKS.search(_text("".join(r.sections.values())))


def test_unavailable_event_count_is_never_zero_filled():
    """Complaints are event counts: zero when the table exists, "not available" when it does not."""
    rows = pd.DataFrame(
        {
            "level": "staff",
            "entity_id": "S1",
            "branch_id": "B1",
            "region": "North",
            "role": "lobby_manager",
            "period_type": "quarter",
            "period": QUARTER,
            "kpi": ["on_duty_rate", "satisfaction_rate", "service_quality_score", "cross_sales_per_month"],
            "value": [1.0, 0.95, 90.0, 6.0],
            "n": 50,
        }
    )
    with_table = score_staff(rows, load_scheme(), QUARTER).kpis.set_index("kpi").loc["complaint_count"]
    assert with_table["zero_filled"] and with_table["value"] == 0 and with_table["score"] == 100
    card = score_staff(rows, load_scheme(), QUARTER, unavailable=["complaint_count"])
    k = card.kpis.set_index("kpi").loc["complaint_count"]
    assert k["status"] == STATUS_NOT_AVAILABLE and not k["zero_filled"]
    assert np.isnan(k["value"]) and np.isnan(k["score"]) and k["contribution"] == 0
    assert "complaint_count (not available)" in card.people.excluded_kpis.iloc[0]
    assert bool(card.people.reweighted.iloc[0])


def test_first_quarter_of_data_has_no_previous_quarter_to_compare(bank_copy, tmp_path):
    """The first quarter of the data: the satisfaction change says there is no previous quarter."""
    first = str(
        pd.to_datetime(pd.read_parquet(bank_copy / "surveys.parquet").survey_date).min().to_period("Q")
    )
    folder = prepare_batch(bank_copy, first, tmp_path / "shared")
    branch = sorted(pd.read_parquet(bank_copy / "branches.parquet").branch_id)[0]
    previous = str(pd.Period(first, freq="Q") - 1)
    said = BranchReport(folder, branch).satisfaction_change().html
    assert (
        f"Not available: no previous quarter to compare with ({previous}): the data begin in {first}." in said
    )
    assert f"({previous}): the data begin in {first}" in BankOverview(folder).changes_table().html
    assert "not available" not in BankOverview(folder).league_table().html.lower()  # this quarter has surveys


# ----------------------------------------------------------------------------- the scheme


def _custom_scheme(tmp_path: Path, bonus: int) -> Path:
    """The default scheme with another base of the quarterly bonus (excellent x 1.0, good x 0.5)."""
    text = (REPO / "params" / "scheme.yaml").read_text(encoding="utf-8")
    new, n = re.subn(r"(\n    base_yuan:) 2000\n", rf"\1 {bonus}\n", text)
    assert n == 1, "the default scheme's bonus base moved"
    path = tmp_path / "scheme.yaml"
    path.write_text(new, encoding="utf-8")
    return path


def test_annual_summary_uses_the_schemes_bonus(tiny_bank, tmp_path):
    """A custom bonus changes the annual totals; the grades (and so the count of bonuses) do not."""
    default = AnnualReport(tiny_bank, YEAR)
    own = AnnualReport(tiny_bank, YEAR, scheme_path=_custom_scheme(tmp_path, 3500))
    grades = default.summary.staff_quarterly.grade
    pd.testing.assert_series_equal(own.summary.staff_quarterly.grade, grades)
    n_excellent, n_good = int((grades == "excellent").sum()), int((grades == "good").sum())
    assert n_excellent > 0
    assert default.summary.total_bonus_yuan == 2000 * n_excellent + 1000 * n_good
    total = 3500 * n_excellent + 1750 * n_good  # the coefficients: excellent 1.0, good 0.5
    assert own.summary.total_bonus_yuan == total
    assert f"{total:,.0f}" in own.totals().html
    assert own.headline()["count_bonus_total"] == f"{total:,} yuan"
    assert own.params_hash != default.params_hash
    # the notebook declares the parameter, so the runner passes the batch's scheme to it
    assert "scheme_path" in declared_parameters(notebook_path("annual_summary.ipynb"))


# ----------------------------------------------------------------------------- end to end


def _pages(folder: Path) -> dict[str, str]:
    return {f.name: f.read_text(encoding="utf-8") for f in sorted(folder.glob("*.html"))}


def _assert_clean(pages: dict[str, str]) -> None:
    for name, page in pages.items():
        hit = LEAKS.search(_text(page))
        assert hit is None, (name, _text(page)[max(0, hit.start() - 80) : hit.end() + 80])


@pytest.mark.notebook
def test_bankperf_report_without_surveys(bank_copy, tmp_path, capsys):
    """``bankperf report --quarter 2026Q4`` without survey data: every branch, the overview and
    the annual summary render (exit 0) and say "Not available: no survey data."."""
    _without(bank_copy, "surveys", "absent")
    n_branches = len(pd.read_parquet(bank_copy / "branches.parquet"))
    out = tmp_path / "out"
    rc = main(["report", "--data", str(bank_copy), "--quarter", QUARTER, "--out", str(out), "--no-progress"])
    assert rc == 0, capsys.readouterr()
    pages = _pages(out / QUARTER)
    reports = {n: p for n, p in pages.items() if n != "index.html"}
    assert len(reports) == n_branches + 2  # the branches, the overview and the annual summary
    for name, page in reports.items():
        assert t("missing_surveys") in _text(page), name
        assert "Table 'surveys' was not provided" in _text(page), name
    said = [n for n, p in reports.items() if "Not available: no survey data." in _text(p)]
    assert len(said) == n_branches + 1  # each branch's verdict and the overview's league
    _assert_clean(pages)


@pytest.mark.notebook
def test_build_reports_with_empty_checks_and_a_custom_scheme(bank_copy, tmp_path):
    """Mystery-shopper data delivered empty and a custom bonus: the batch renders, the check
    sections say not available, and the annual summary totals use the run's scheme."""
    _without(bank_copy, "mystery_shopper", "empty")
    scheme = _custom_scheme(tmp_path, 3500)
    res = build_reports(bank_copy, QUARTER, tmp_path / "out", jobs=2, progress=False, scheme_path=scheme)
    assert res.exit_code == 0 and not res.failed, [f.error for f in res.failed]
    pages = _pages(tmp_path / "out" / QUARTER)
    reports = {n: _text(p) for n, p in pages.items() if n != "index.html"}
    said = [n for n, p in reports.items() if _not_available("mystery_shopper", "en") in p]
    assert len(said) == len(reports)  # each branch's checks, the overview, the annual summary
    expected = AnnualReport(bank_copy, YEAR, scheme_path=scheme).summary.total_bonus_yuan
    default = AnnualReport(bank_copy, YEAR).summary.total_bonus_yuan
    assert expected != default
    annual = [p for n, p in reports.items() if n.startswith("annual-")]  # every report links it by title
    assert len(annual) == 1
    assert f"{t('total_bonus')} {expected:,.0f} yuan" in annual[0]
    _assert_clean(pages)

"""The five outputs show the same consequence counts, in the same units, as a count by hand.

On the default demo bank, 2026Q4 and the year 2026, through the product paths: ``bankperf
report`` (the overview and annual summary HTML, and the index page), ``bankperf scorecard``
(its screen summary and the workbook, read back with openpyxl). Every count an output shows
must equal the count done here with pandas from the raw scorecard frames, with the unit the
definitions of ``docs/domain.md`` give (branches, staff, yuan; over a year branch-quarters and
staff-quarters).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis
from bankperf_analysis.scheme import load_scheme
from bankperf_analysis.scorecard import annual_summary
from bankperf_analysis.scorecard.pay import staff_events
from bankperf_analysis.scorecard.quarter import quarter_scorecards, with_target_basis

pytestmark = [pytest.mark.slow, pytest.mark.notebook]

QUARTER, YEAR = "2026Q4", "2026"

# The label of each count in English and its unit (singular, plural), per period kind: the spec.
LABELS = {
    "bonus_total": "Total bonus",
    "staff_with_bonus": "Staff paid a bonus",
    "excellent_staff": "Excellent staff",
    "deduction_total": "Total pay deductions",
    "vetoed_staff": "Staff vetoed",
    "rewards": "Rewards",
    "pay_cuts": "Pay cuts",
    "heavier_pay_cuts": "Of which heavier pay cuts",
    "rechecks": "Re-checks next period",
    "promotion_candidates": "Promotion candidates",
    "excellent_branches": "Excellent branches",
}
UNITS = {
    "quarter": {
        "yuan": ("yuan", "yuan"),
        "staff": ("staff member", "staff"),
        "branch": ("branch", "branches"),
    },
    "year": {
        "yuan": ("yuan", "yuan"),
        "staff": ("staff-quarter", "staff-quarters"),
        "branch": ("branch-quarter", "branch-quarters"),
        "person": ("staff member", "staff"),  # counted once a year
        "branch_once": ("branch", "branches"),
    },
}
KIND = {
    "bonus_total": "yuan",
    "staff_with_bonus": "staff",
    "excellent_staff": "staff",
    "deduction_total": "yuan",
    "vetoed_staff": "staff",
    "rewards": "branch",
    "pay_cuts": "branch",
    "heavier_pay_cuts": "branch",
    "rechecks": "branch",
    "promotion_candidates": "person",
    "excellent_branches": "branch_once",
}


def _text(n: int, kind: str, period_kind: str) -> str:
    one, many = UNITS[period_kind][kind]
    return f"{n:,} {one if n == 1 else many}"


def _by_hand(people: pd.DataFrame, checks: pd.DataFrame) -> dict[str, int]:
    """Staff(-quarters), branch(-quarters) and yuan, counted with pandas from the scorecard frames."""
    staff_q = people[["period", "staff_id"]].astype(str).agg("|".join, axis=1)
    branch_q = checks[["period", "branch_id"]].astype(str).agg("|".join, axis=1)
    bonus = people["bonus_yuan"].fillna(0)
    assert (bonus == bonus.round()).all()
    return {
        "bonus_total": int(bonus.sum()),
        "staff_with_bonus": staff_q[bonus > 0].nunique(),
        "excellent_staff": staff_q[people["grade"] == "excellent"].nunique(),
        "deduction_total": int(people["deduction_yuan"].fillna(0).sum()),
        "vetoed_staff": staff_q[people["veto"].astype(bool)].nunique(),
        "rewards": branch_q[checks["reward"]].nunique(),
        "pay_cuts": branch_q[checks["pay_cut"] != "none"].nunique(),
        "heavier_pay_cuts": branch_q[checks["pay_cut"] == "heavier_cut"].nunique(),
        "rechecks": branch_q[checks["recheck"]].nunique(),
    }


@pytest.fixture(scope="module")
def expected(default_bank) -> dict[str, dict[str, str]]:
    """{"quarter": {label: "4 branches"}, "year": {...}} counted by hand."""
    scheme = load_scheme()
    with load_dataset(default_bank) as ds:
        _, staff, branch = quarter_scorecards(ds, QUARTER, scheme)
        kpis = compute_kpis(ds, period=YEAR, options=MetricOptions.from_scheme(scheme))
        kpis = with_target_basis(ds, YEAR, scheme, kpis)  # churn's yearly target: year-to-date rows
        summ = annual_summary(
            kpis,
            scheme,
            YEAR,
            ds.table("staff"),
            branches=ds.table("branches"),
            employment=ds.employment(),
            events=staff_events(ds, scheme),
        )
    quarter = _by_hand(staff.people, branch.checks)
    year = _by_hand(summ.staff_quarterly, summ.branch_checks)
    year["promotion_candidates"] = int(summ.staff["promotion_candidate"].sum())
    year["excellent_branches"] = int(summ.branches["excellent_branch"].sum())
    # the demo bank has pay deductions and vetoed staff (issue 13, item 6): the counts are not 0
    assert quarter["deduction_total"] > 0 and quarter["vetoed_staff"] > 0
    # the demo bank has branches cut by both checks: counting check results would differ
    assert (branch.checks["pay_cut"] != "none").sum() > quarter["pay_cuts"]
    return {
        "quarter": {LABELS[k]: _text(n, KIND[k], "quarter") for k, n in quarter.items()},
        "year": {LABELS[k]: _text(n, KIND[k], "year") for k, n in year.items()},
    }


class _Tables(HTMLParser):
    """Every <table> of a page as rows of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables and self.tables[-1]:
            self.tables[-1][-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _tables(path: Path) -> list[list[list[str]]]:
    p = _Tables()
    p.feed(path.read_text(encoding="utf-8"))  # entities are decoded (convert_charrefs)
    return p.tables


def _facts(path: Path, labels) -> dict[str, str]:
    """The (label, value) rows of the page's facts table that holds the counts."""
    for table in _tables(path):
        rows = {r[0]: r[1] for r in table if len(r) == 2}
        if "Total bonus" in rows:
            return {k: v for k, v in rows.items() if k in labels}
    raise AssertionError(f"no counts table in {path}")


def _index_rows(path: Path, labels) -> dict[str, dict[str, str]]:
    """{report title: {label: value}} of the index page's tables, for the counts.

    A value is a column of the report's table or one of its key figures (``<span
    class="figure-label">label</span> value``); a report shows only the counts it recorded.
    """
    page = path.read_text(encoding="utf-8")
    out: dict[str, dict[str, str]] = {}
    for table in re.findall(r'<table class="index">(.*?)</table>', page, re.S):
        head = [html.unescape(h) for h in re.findall(r"<th>(.*?)</th>", table)]
        for row in re.findall(r"<tr>(.*?)</tr>", table.split("</thead>", 1)[1], re.S):
            cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            found = {h: html.unescape(c) for h, c in zip(head, cells, strict=False) if h in labels and c}
            for label, value in re.findall(r'<span class="figure-label">(.*?)</span> (.*?)</span>', row):
                if html.unescape(label) in labels:
                    found[html.unescape(label)] = html.unescape(value)
            out[html.unescape(cells[0])] = found
    return out


def _cli_facts(text: str, labels) -> dict[str, str]:
    out = {}
    for label in labels:
        m = re.search(rf"^{re.escape(label)}\s{{2,}}(\S.*?)\s*$", text, flags=re.M)
        if m:
            out[label] = m.group(1)
    return out


@pytest.fixture(scope="module")
def outputs(default_bank, tmp_path_factory) -> dict[str, dict[str, str]]:
    """The counts each output shows, by label."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("consequence_outputs")
    args = ["report", "--data", str(default_bank), "--quarter", QUARTER, "--out", str(out / "html")]
    assert main([*args, "--jobs", "2", "--no-progress"]) == 0
    folder = out / "html" / QUARTER
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        code = main(
            ["scorecard", "--data", str(default_bank), "--quarter", QUARTER, "--out", str(out / "q.xlsx")]
        )
    assert code == 0
    ws = load_workbook(out / "q.xlsx", read_only=True)["Consequences"]
    rows = list(ws.iter_rows(values_only=True))
    sheet = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    index = _index_rows(folder / "index.html", LABELS.values())
    return {
        "overview": _facts(folder / "overview.html", LABELS.values()),
        "index overview": index[next(k for k in index if k.startswith("Bank overview"))],
        "cli": _cli_facts(buf.getvalue(), LABELS.values()),
        "excel": {r["Consequence"]: r["Value with unit"] for r in sheet},  # the HR workbook, in en
        "excel value+unit": {r["Consequence"]: _text_of(r["Value"], r["Unit"]) for r in sheet},
        "annual": _facts(folder / f"annual-{YEAR}.html", LABELS.values()),
        "index annual": index[next(k for k in index if k.startswith("Annual summary"))],
        "index branches": {k: v for k, v in index.items() if not k.startswith(("Bank overview", "Annual"))},
    }


def _text_of(value, unit: str) -> str:
    """The workbook's value and unit columns as "4 branches" (the unit column is the plural)."""
    singular = {"branches": "branch", "staff": "staff member", "branch-quarters": "branch-quarter"}
    singular["staff-quarters"] = "staff-quarter"
    return f"{value:,} {singular.get(unit, unit) if value == 1 else unit}"


@pytest.mark.parametrize("output", ["overview", "index overview", "cli", "excel", "excel value+unit"])
def test_quarter_counts_agree_with_the_count_by_hand(outputs, expected, output):
    assert outputs[output] == expected["quarter"], output


@pytest.mark.parametrize("output", ["annual", "index annual"])
def test_year_counts_agree_with_the_count_by_hand(outputs, expected, output):
    assert outputs[output] == expected["year"], output


def test_branch_rows_of_the_index_add_up_to_the_bank(outputs, expected):
    """In a quarter every branch count is in branches: the branch reports' counts add up."""
    branches = outputs["index branches"]
    assert len(branches) == 12
    for label in ("Rewards", "Pay cuts", "Of which heavier pay cuts", "Re-checks next period"):
        total = sum(int(row[label].split()[0]) for row in branches.values())
        assert f"{total:,} " + ("branch" if total == 1 else "branches") == expected["quarter"][label], label

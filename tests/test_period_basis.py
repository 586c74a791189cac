"""The period basis of targets (issue 13, item 4).

Churn's target (15 % -> 10 % "in the first year", seed 001) is stated per year: a quarter is
compared with it year-to-date (default) or annualised (``scoring.annual_target_basis``), never
on the quarter's own value. Cross-sales' target is per month, and its value is a per-month
mean. A crafted bank whose churn is 2.7 % every quarter (B1: 9 of 1,000 customers a month)
and 2.4 % (B2: 8 a month): each quarter "meets" 10 %, but B1's year (10.8 %) misses it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics import MetricOptions, compute_kpis
from bankperf_analysis.metrics.year_to_date import annualised_value, target_basis_kpis
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import annual_summary, score_branches, write_scorecard
from bankperf_analysis.scorecard.quarter import quarter_scorecards, with_target_basis
from bankperf_analysis.scorecard.rules import STATUS_BELOW, STATUS_MET

LOST_PER_MONTH = {"B1": 9, "B2": 8}
BASE = 1000


def _bank(folder: Path, rep_sales: int = 12) -> Path:
    """Two branches with a steady base of 1,000 customers; one rep in B1 selling in 2026Q4."""
    folder.mkdir(parents=True)
    pd.DataFrame(
        {
            "branch_id": ["B1", "B2"],
            "branch_name": ["One", "Two"],
            "region": ["N", "N"],
            "branch_type": ["standard", "standard"],
        }
    ).to_csv(folder / "branches.csv", index=False)
    pd.DataFrame(
        {
            "staff_id": ["R1"],
            "staff_name": ["Rep"],
            "branch_id": ["B1"],
            "role": ["customer_service_rep"],
            "counter_type": [None],
            "hire_date": ["2020-01-01"],
            "leave_date": [None],
        }
    ).to_csv(folder / "staff.csv", index=False)
    churn = [
        {"branch_id": b, "month_start": f"2026-{m:02d}-01", "customers_start": BASE, "customers_lost": lost}
        for b, lost in LOST_PER_MONTH.items()
        for m in range(1, 13)
    ]
    pd.DataFrame(churn).to_csv(folder / "customer_churn.csv", index=False)
    # the rep sells rep_sales products in 2026Q4, one record a product, spread over its months
    sales = [
        {
            "sale_id": f"s{i}",
            "branch_id": "B1",
            "staff_id": "R1",
            "sale_date": f"2026-{10 + i % 3}-15",
            "product": "card",
            "quantity": 1,
        }
        for i in range(rep_sales)
    ]
    pd.DataFrame(sales).to_csv(folder / "sales.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return _bank(tmp_path_factory.mktemp("period") / "bank")


def _annualised_scheme() -> Scheme:
    d = load_scheme().to_dict()
    d["scoring"]["annual_target_basis"] = "annualised"
    return Scheme.from_dict(d, source="bank.yaml")


def _churn(card) -> pd.DataFrame:
    return card.kpis[card.kpis.kpi == "churn_rate"].set_index("branch_id")


# ------------------------------------------------------------------ year-to-date


def test_every_quarter_meets_but_the_year_misses_fails_year_to_date_in_q4(bank):
    with load_dataset(bank) as ds:
        kpis, _, q4 = quarter_scorecards(ds, "2026Q4")
        _, _, q3 = quarter_scorecards(ds, "2026Q3")
    quarter = kpis[(kpis.kpi == "churn_rate") & (kpis.period_type == "quarter") & (kpis.level == "branch")]
    assert (quarter.value <= 0.10).all()  # on the quarter alone both branches would "meet" 10 %
    c4, c3 = _churn(q4), _churn(q3)
    assert c4.loc["B1", "value"] == pytest.approx(9 * 12 / BASE)  # 10.8 %: lost since 1 Jan / base on 1 Jan
    assert c4.loc["B1", "n"] == BASE
    assert c4.loc["B1", "status"] == STATUS_BELOW and c4.loc["B1", "basis"] == "year_to_date"
    assert c4.loc["B2", "value"] == pytest.approx(8 * 12 / BASE) and c4.loc["B2", "status"] == STATUS_MET
    assert c3.loc["B1", "value"] == pytest.approx(9 * 9 / BASE) and c3.loc["B1", "status"] == STATUS_MET


def test_first_quarter_year_to_date_equals_the_quarter(bank):
    with load_dataset(bank) as ds:
        ytd = target_basis_kpis(ds, "2026Q1", levels=("branch", "bank"))
        q1 = compute_kpis(ds, period="2026Q1", kpis=["churn_rate"], period_types=("quarter",))
    cols = ["level", "entity_id", "value", "numerator", "denominator", "n"]
    got = ytd[cols].sort_values(["level", "entity_id"]).reset_index(drop=True)
    want = q1.loc[q1.level.isin(["branch", "bank"]), cols].sort_values(["level", "entity_id"])
    pd.testing.assert_frame_equal(got, want.reset_index(drop=True), check_dtype=False)
    assert set(ytd.period_type) == {"year_to_date"} and set(ytd.period) == {"2026Q1"}


def test_a_frame_without_basis_rows_is_refused_not_scored_on_the_quarter(bank):
    with load_dataset(bank) as ds:
        kpis = compute_kpis(ds, period="2026Q4", period_types=("quarter",))
    with pytest.raises(ParamsError, match=r"'year_to_date' rows of KPI 'churn_rate'.*annual_target_basis"):
        score_branches(kpis, load_scheme(), "2026Q4")


def test_annual_summary_uses_the_year_value(bank):
    scheme = load_scheme()
    with load_dataset(bank) as ds:
        kpis = compute_kpis(ds, period="2026", options=MetricOptions.from_scheme(scheme))
        kpis = with_target_basis(ds, "2026", scheme, kpis)
    br = annual_summary(kpis, scheme, 2026).branches.set_index("branch_id")
    assert br.loc["B1", "churn_rate_year"] == pytest.approx(0.108)
    assert br.loc["B1", "churn_rate_year_status"] == STATUS_BELOW
    assert br.loc["B2", "churn_rate_year_status"] == STATUS_MET


# ------------------------------------------------------------------ annualised


def test_annualised_formula_against_a_hand_worked_example(bank):
    # q = 27 / 1000: 0.973^2 = 0.946729; 0.946729^2 = 0.896295799441; 1 - that = 0.103704200559
    assert float(annualised_value("churn_rate", 0.027)) == pytest.approx(0.103704200559, abs=1e-12)
    with load_dataset(bank) as ds:
        _, _, card = quarter_scorecards(ds, "2026Q2", _annualised_scheme())
    c = _churn(card)
    assert c.loc["B1", "value"] == pytest.approx(0.103704200559, abs=1e-12)
    assert c.loc["B1", "status"] == STATUS_BELOW and c.loc["B1", "basis"] == "annualised"
    # q = 0.024: 0.976^4 = 0.907401035776 -> 9.26 %, met
    assert c.loc["B2", "value"] == pytest.approx(0.092598964224, abs=1e-12)
    assert c.loc["B2", "status"] == STATUS_MET


# ------------------------------------------------------------------ month targets


def test_month_target_is_compared_with_a_per_month_value(bank):
    # 12 products over the quarter's 3 months = 4 per month, below the 5 per month target
    # (12 as a quarter total would "meet" it)
    with load_dataset(bank) as ds:
        _, staff, _ = quarter_scorecards(ds, "2026Q4")
    k = staff.kpis[(staff.kpis.staff_id == "R1") & (staff.kpis.kpi == "cross_sales_per_month")].iloc[0]
    assert k["value"] == pytest.approx(4.0)
    assert k["target"] == pytest.approx(5.0)
    assert k["status"] == STATUS_BELOW and k["basis"] == "month_mean"


# ------------------------------------------------------------------ outputs state the basis


def test_excel_states_the_basis_of_each_target(bank, tmp_path):
    with load_dataset(bank) as ds:
        _, staff, branch = quarter_scorecards(ds, "2026Q4")
    out = tmp_path / "q4.xlsx"
    write_scorecard(out, staff, branch)
    wb = load_workbook(out, read_only=True)
    rows = list(wb["Branch KPIs"].iter_rows(values_only=True))
    head = rows[0]
    churn = [dict(zip(head, r, strict=True)) for r in rows[1:] if r[head.index("kpi")] == "churn_rate"]
    assert {r["basis_en"] for r in churn} == {"year-to-date (Jan–Dec 2026)"}
    assert {r["basis_zh"] for r in churn} == {"年初至今（2026年1–12月）"}
    about = dict(wb["About"].iter_rows(values_only=True))
    assert (
        "per month (mean of the quarter's months)"
        in about["target basis: cross_sales_per_month (Cross-sales per month / 交叉销售)"]
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).replace("&#x27;", "'")


@pytest.mark.slow
def test_reports_state_the_basis_and_show_year_to_date_progress(bank, tmp_path):
    from bankperf_analysis.report import BranchReport, prepare_batch
    from bankperf_analysis.report.overview import BankOverview

    shared = prepare_batch(bank, "2026Q4", tmp_path / "shared")
    en = BranchReport(shared, "B1", "en")
    tiles = _text(en.kpi_tiles().html)
    assert "10.8 %" in tiles and "Target ≤ 10.0 % · below target · year-to-date (Jan–Dec 2026)" in tiles
    progress = _text(en.annual_targets().html)
    # year-to-date after Q1..Q4: 2.7, 5.4, 8.1, 10.8 %, against the 10 % line
    assert "after Q1 after Q2 after Q3 after Q4" in progress
    assert "2.7 % 5.4 % 8.1 % 10.8 % ≤ 10.0 %" in progress
    zh = _text(BranchReport(shared, "B1", "zh").kpi_tiles().html)
    assert "年初至今（2026年1–12月）" in zh
    overview = _text(BankOverview(shared, "zh").annual_targets().html)
    assert "截至第4季度" in overview and "2.4 % 4.8 % 7.2 % 9.6 %" in overview


# ------------------------------------------------------------------ the scheme YAML


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("annual_target_basis", "annualized", r"key scoring\.annual_target_basis\).*'annualized'"),
        (
            "target_periods",
            {"satisfaction_rate": "year"},
            r"key scoring\.target_periods\.satisfaction_rate\)",
        ),
        ("target_periods", {"churn_rate": "month"}, r"key scoring\.target_periods\.churn_rate\).*'month'"),
        ("target_periods", ["churn_rate"], r"key scoring\.target_periods\) must be a mapping"),
    ],
)
def test_yaml_validation_names_the_key(key, value, match):
    d = load_scheme().to_dict()
    d["scoring"][key] = value
    with pytest.raises(ParamsError, match=match):
        Scheme.from_dict(d, source="bank.yaml")


def test_a_bank_may_state_churn_per_quarter(bank):
    d = load_scheme().to_dict()
    d["scoring"]["target_periods"] = {"churn_rate": "quarter"}
    d["branch"]["kpis"]["churn_rate"].update(target=0.025, floor=0.04)
    scheme = Scheme.from_dict(d, source="bank.yaml")
    assert scheme.params_hash() != load_scheme().params_hash()
    with load_dataset(bank) as ds:
        kpis, _, card = quarter_scorecards(ds, "2026Q4", scheme)
    assert not (kpis.period_type == "year_to_date").any()  # nothing yearly left to compute
    c = _churn(card)
    assert c.loc["B1", "value"] == pytest.approx(0.027) and c.loc["B1", "basis"] == "quarter"
    assert c.loc["B1", "status"] == STATUS_BELOW and c.loc["B2", "status"] == STATUS_MET

"""Additions and deductions (加减分项, issue 13 item 6) on a crafted small bank, at the caps' edges.

The default scheme caps a person's additions at +5 and deductions at -10 composite points a quarter
(``scoring.adjustments``). Deductions of exactly 10 are applied whole; 12 are capped at 10 and the
output says so; the grade follows the adjusted composite. Bad rows of the ``adjustments`` table are
refused naming the table, row and column, and nothing is written.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
from paybank import Q, write_bank

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError
from bankperf_analysis.report import BranchReport, prepare_batch
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import quarter_scorecards


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return write_bank(tmp_path_factory.mktemp("paybank") / "bank")


def _people(bank: Path, scheme: Scheme | None = None) -> pd.DataFrame:
    with load_dataset(bank) as ds:
        _, staff, _ = quarter_scorecards(ds, Q, scheme)
    return staff.people.set_index("staff_id")


@pytest.fixture(scope="module")
def people(bank) -> pd.DataFrame:
    return _people(bank)


def test_deductions_exactly_at_the_cap_are_applied_whole(people):
    p = people.loc["P_DED_AT_CAP"]
    assert load_scheme().scoring.adjustments.max_deduction == 10
    assert p["raw_composite"] == 100.0 and p["adjustment_points"] == -10.0
    assert p["composite_score"] == 90.0 and p["grade"] == "excellent"  # exactly 90 is excellent
    assert (
        "late for the morning meeting" in p["adjustment_reasons"]
        and "uniform not worn" in p["adjustment_reasons"]
    )
    assert "capped" not in p["adjustment_reasons"]


def test_deductions_above_the_cap_are_capped_and_the_output_says_so(people):
    p = people.loc["P_DED_ABOVE_CAP"]
    assert p["adjustment_points"] == -10.0  # -6 and -6: 12 capped at 10
    assert p["composite_score"] == 90.0 and p["grade"] == "excellent"
    assert "deductions capped at -10" in p["adjustment_reasons"]


def test_additions_above_the_cap_are_capped(people):
    p = people.loc["P_ADD_ABOVE_CAP"]
    assert p["adjustment_points"] == 5.0  # +3 and +4: 7 capped at 5
    assert p["composite_score"] == pytest.approx(p["raw_composite"] + 5.0, abs=1e-9)
    assert "additions capped at +5" in p["adjustment_reasons"]


def test_people_without_adjustments_keep_their_composite(people):
    p = people.loc["P_CLEAN"]
    assert p["adjustment_points"] == 0.0 and p["composite_score"] == p["raw_composite"] == 100.0
    assert p["adjustment_reasons"] == ""


def test_the_cap_is_a_parameter_and_the_grade_follows_the_adjusted_composite(bank):
    d = load_scheme().to_dict()
    d["scoring"]["adjustments"]["max_deduction"] = 12
    p = _people(bank, Scheme.from_dict(d)).loc["P_DED_ABOVE_CAP"]
    assert p["adjustment_points"] == -12.0 and p["composite_score"] == 88.0 and p["grade"] == "good"


def test_the_composite_is_clipped_to_100(bank, tmp_path):
    b = tmp_path / "bank"
    shutil.copytree(bank, b)
    adj = pd.read_csv(b / "adjustments.csv")
    extra = pd.DataFrame([("J_X", "P_CLEAN", "2026-12-01", 4.0, "award")], columns=adj.columns)
    pd.concat([adj, extra]).to_csv(b / "adjustments.csv", index=False)
    p = _people(b).loc["P_CLEAN"]
    assert p["adjustment_points"] == 4.0 and p["composite_score"] == 100.0


def test_without_the_scheme_key_the_table_is_not_applied(bank):
    d = load_scheme().to_dict()
    del d["scoring"]["adjustments"]
    p = _people(bank, Scheme.from_dict(d)).loc["P_DED_AT_CAP"]
    assert p["adjustment_points"] == 0.0 and p["composite_score"] == 100.0


def test_workbook_and_branch_report_show_raw_points_and_reasons(bank, tmp_path):
    out = tmp_path / "hr.xlsx"
    assert main(["scorecard", "--data", str(bank), "--quarter", Q, "--out", str(out), "--no-progress"]) == 0
    sheet = pd.read_excel(out, sheet_name="Deductions and veto").set_index("Staff ID")  # the HR workbook
    assert sheet.loc["P_DED_ABOVE_CAP", "Additions and deductions (points)"] == -10
    assert sheet.loc["P_DED_ABOVE_CAP", "Composite before additions and deductions"] == 100
    assert "deductions capped at -10" in sheet.loc["P_DED_ABOVE_CAP", "Additions and deductions: why"]
    html = BranchReport(prepare_batch(bank, Q, tmp_path / "shared"), "B1").staff_table().html
    assert "composite 100.0 adjusted by -10 points" in html and "service rule breached again" in html


# ------------------------------------------------------------------ refused rows


@pytest.mark.parametrize(
    "row, column, value, expected",
    [
        ({"staff_id": "P_NOBODY"}, "staff_id", "P_NOBODY", "staff"),
        ({"adjustment_date": "2019-06-01"}, "staff_id, adjustment_date", "P_CLEAN / 2019-06-01", "in post"),
        ({"points": "minus five"}, "points", "minus five", "number"),
        ({"points": 150}, "points", "150.0", "[-100, 100]"),
    ],
    ids=["unknown staff", "before hire", "not a number", "out of range"],
)
def test_bad_adjustment_rows_are_refused_naming_table_row_column(
    bank, tmp_path, row, column, value, expected
):
    b = tmp_path / "bank"
    shutil.copytree(bank, b)
    adj = pd.read_csv(b / "adjustments.csv", dtype=str)
    bad = pd.DataFrame([{**adj.iloc[0].to_dict(), "adjustment_id": "J_BAD", "staff_id": "P_CLEAN", **row}])
    pd.concat([adj, bad.astype(str)], ignore_index=True).to_csv(b / "adjustments.csv", index=False)
    with pytest.raises(DataValidationError) as err:
        load_dataset(b)
    (issue,) = err.value.issues
    assert (issue.table, issue.file, issue.row, issue.column) == (
        "adjustments",
        "adjustments.csv",
        len(adj) + 1,
        column,
    )
    assert str(issue.value) == value and expected in issue.expected
    out = tmp_path / "hr.xlsx"
    assert main(["scorecard", "--data", str(b), "--quarter", Q, "--out", str(out), "--no-progress"]) == 3
    assert list(tmp_path.glob("hr*")) == []

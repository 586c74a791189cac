"""Veto rules (一票否决, issue 13 item 6) at their edges, on a crafted small bank and on the demo bank.

A veto that holds keeps the person from the top grade: someone with composite 100 is graded the
next band below (good), and every output says why (en and zh). Each threshold is strict ("above"):
exactly at it is no veto, one fen above is. Without a ``complaint_rulings`` table the
effective-complaint rule is not evaluated, and the workbook says so (never "no veto").
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from paybank import CASH, Q, write_bank

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError
from bankperf_analysis.report import BranchReport, prepare_batch
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import quarter_scorecards


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return write_bank(tmp_path_factory.mktemp("vetobank") / "bank")


def _card(bank: Path, scheme: Scheme | None = None):
    with load_dataset(bank) as ds:
        return quarter_scorecards(ds, Q, scheme)[1]


@pytest.fixture(scope="module")
def people(bank) -> pd.DataFrame:
    return _card(bank).people.set_index("staff_id")


def _with_veto(**rules) -> Scheme:
    d = load_scheme().to_dict()
    d["scoring"]["veto"] = rules
    return Scheme.from_dict(d)


def test_an_effective_complaint_keeps_a_100_from_excellent_and_says_why(people):
    p = people.loc["P_COMPLAINT"]
    assert p["composite_score"] == 100.0 and bool(p["veto"]) and p["grade"] == "good"
    assert p["veto_reason"] == (
        "veto: effective complaint on 2026-10-05 (K_P_COMPLAINT) (graded good, not excellent)"
    )
    assert p["veto_reason_zh"] == "一票否决：有效投诉（2026-10-05，K_P_COMPLAINT）（评为良好，不评优秀）"
    assert p["bonus_yuan"] == 1000.0  # good x 0.5 of 2,000


def test_a_complaint_ruled_not_effective_is_no_veto(people):
    p = people.loc["P_COMPLAINT_NOT"]
    assert not p["veto"] and p["grade"] == "excellent" and p["veto_reason"] == ""


def test_min_count_edge_one_complaint_is_not_two(bank):
    p = _card(bank, _with_veto(c={"kind": "effective_complaint", "min_count": 2})).people.set_index(
        "staff_id"
    )
    assert not p.loc["P_COMPLAINT", "veto"] and p.loc["P_COMPLAINT", "grade"] == "excellent"


def test_cash_errors_exactly_at_the_threshold_are_no_veto_one_fen_above_is(people):
    assert sum(y for _, y in CASH["P_CASH_AT"]) == 2000.0 == load_scheme().scoring.veto[1].above
    assert not people.loc["P_CASH_AT", "veto"] and people.loc["P_CASH_AT", "grade"] == "excellent"
    p = people.loc["P_CASH_ABOVE"]
    assert p["veto"] and p["grade"] == "good"
    assert p["veto_reason"].startswith("veto: cash errors of 2,000.01 yuan in 2026Q4 (above 2,000)")


@pytest.mark.parametrize(
    "basis, above, vetoed",
    [
        ("day_yuan", 1200, set()),
        ("day_yuan", 1199.99, {"P_CASH_AT", "P_CASH_ABOVE"}),
        ("error_days", 2, set()),
        ("error_days", 1, {"P_CASH_AT", "P_CASH_ABOVE"}),
    ],
)
def test_cash_error_day_and_count_bases_at_their_edges(bank, basis, above, vetoed):
    scheme = _with_veto(c={"kind": "cash_error", "basis": basis, "above": above})
    p = _card(bank, scheme).people
    assert set(p.loc[p["veto"].astype(bool), "staff_id"]) == vetoed


def test_without_rulings_the_complaint_rule_is_not_evaluated_and_the_workbook_says_so(bank, tmp_path):
    b = tmp_path / "bank"
    shutil.copytree(bank, b)
    (b / "complaint_rulings.csv").unlink()
    card = _card(b)
    assert "effective_complaint" in card.veto_not_evaluated
    assert not card.people.set_index("staff_id").loc["P_COMPLAINT", "veto"]
    out = tmp_path / "hr.xlsx"
    assert main(["scorecard", "--data", str(b), "--quarter", Q, "--out", str(out), "--no-progress"]) == 0
    about = pd.read_excel(out, sheet_name="About")
    assert about["Item"].str.contains("Veto rule not evaluated: effective_complaint").any()


def test_every_output_says_why(bank, tmp_path, capsys):
    out = tmp_path / "hr.xlsx"
    assert main(["scorecard", "--data", str(bank), "--quarter", Q, "--out", str(out), "--no-progress"]) == 0
    said = capsys.readouterr().out
    assert "Staff vetoed" in said and "2 staff" in said
    sheet = pd.read_excel(out, sheet_name="Deductions and veto").set_index("Staff ID")  # the HR workbook
    assert "effective complaint on 2026-10-05" in sheet.loc["P_COMPLAINT", "Veto: why"]
    b1 = BranchReport(prepare_batch(bank, Q, tmp_path / "shared"), "B1")
    assert "veto: effective complaint on 2026-10-05" in b1.staff_table().html
    zh = BranchReport(prepare_batch(bank, Q, tmp_path / "shared"), "B1", "zh").staff_table().html
    assert "一票否决：有效投诉" in zh


def test_a_ruling_on_an_unknown_complaint_is_refused(bank, tmp_path):
    b = tmp_path / "bank"
    shutil.copytree(bank, b)
    r = pd.read_csv(b / "complaint_rulings.csv")
    pd.concat([r, pd.DataFrame([("K_NONE", True, "x")], columns=r.columns)]).to_csv(
        b / "complaint_rulings.csv", index=False
    )
    with pytest.raises(DataValidationError) as err:
        load_dataset(b)
    (issue,) = err.value.issues
    assert (issue.table, issue.row, issue.column, issue.value) == (
        "complaint_rulings",
        len(r) + 1,
        "complaint_id",
        "K_NONE",
    )


# ------------------------------------------------------------------ the demo bank


def test_demo_effective_complaints_are_vetoed_and_the_planted_one_lowers_a_grade(default_bank):
    truth = json.loads((Path(default_bank) / "truth.json").read_text())["pay"]
    with load_dataset(default_bank) as ds:
        _, staff, _ = quarter_scorecards(ds, truth["quarter"])
    p = staff.people.set_index("staff_id")
    hit = [s for s in truth["effective_complaints"] if s in p.index]
    assert hit and p.loc[hit, "veto"].all() and not (p.loc[hit, "grade"] == "excellent").any()
    planted = p.loc[truth["planted_veto"]["staff_id"]]
    assert planted["composite_score"] >= 90 and planted["grade"] == "good"
    assert truth["planted_veto"]["complaint_id"] in planted["veto_reason"]
    capped = p.loc[truth["capped_deduction"]["staff_id"]]
    assert capped["adjustment_points"] == truth["capped_deduction"]["capped_points"]

"""`bankperf scorecard` on the demo bank: the Excel file opens and its totals match the frames."""

from __future__ import annotations

import pandas as pd
import pytest

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.scorecard.quarter import quarter_scorecards


@pytest.fixture(scope="module")
def workbook(tiny_bank, tmp_path_factory):
    out = tmp_path_factory.mktemp("sc") / "scorecard_2026Q3.xlsx"
    assert (
        main(
            ["scorecard", "--data", str(tiny_bank), "--quarter", "2026Q3", "--out", str(out), "--no-progress"]
        )
        == 0
    )
    with load_dataset(tiny_bank) as ds:
        _, staff_card, branch_card = quarter_scorecards(ds, "2026Q3")
    return out, staff_card, branch_card


def _branch_sheets(sheets, tiny_bank) -> list[str]:
    """The sheets named after a branch of the bank ("<branch_id> <branch name>")."""
    ids = set(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"])
    return [name for name in sheets if name.split(" ")[0] in ids]


def test_workbook_sheets(workbook, tiny_bank):
    out, staff_card, _ = workbook
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    assert {"Summary", "Bonus list", "Training list", "Branch results"} <= set(sheets)
    branch_sheets = _branch_sheets(sheets, tiny_bank)
    assert len(branch_sheets) == pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"].nunique()


def test_bonus_total_matches_the_package(workbook):
    out, staff_card, _ = workbook
    bonus = pd.read_excel(out, sheet_name="Bonus list", engine="openpyxl")
    col = next(c for c in bonus.columns if "bonus" in str(c).lower())
    assert bonus[col].sum() == pytest.approx(staff_card.total_bonus_yuan)
    # the default coefficient bonus (issue 13): 2,000 yuan x 1.0 for excellent, x 0.5 for good
    grades = staff_card.people.grade
    assert staff_card.total_bonus_yuan == 2000 * int((grades == "excellent").sum()) + 1000 * int(
        (grades == "good").sum()
    )


def test_every_staff_member_once_across_branch_sheets(workbook, tiny_bank):
    out, staff_card, _ = workbook
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    ids = pd.concat([sheets[name]["staff_id"] for name in _branch_sheets(sheets, tiny_bank)])
    assert sorted(ids) == sorted(staff_card.people.staff_id)


def test_branch_results_match(workbook):
    out, _, branch_card = workbook
    res = pd.read_excel(out, sheet_name="Branch results", engine="openpyxl")
    assert sorted(res.branch_id.astype(str)) == sorted(branch_card.branches.branch_id)


def test_unknown_quarter_is_a_clear_error(tiny_bank, tmp_path, capsys):
    assert (
        main(
            ["scorecard", "--data", str(tiny_bank), "--quarter", "2031Q1", "--out", str(tmp_path / "x.xlsx")]
        )
        == 2
    )
    assert "no data for 2031Q1" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()

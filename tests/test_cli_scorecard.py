"""`bankperf scorecard` on the demo bank: the Excel file opens and its totals match the frames."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from openpyxl import load_workbook

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
    assert bonus["Branch ID"].iloc[-1] == "Total"  # the totals row closes the money sheets
    assert bonus["Bonus (yuan)"].iloc[:-1].sum() == bonus["Bonus (yuan)"].iloc[-1]
    assert bonus["Bonus (yuan)"].iloc[-1] == pytest.approx(staff_card.total_bonus_yuan)
    # the default coefficient bonus (issue 13): 2,000 yuan x 1.0 for excellent, x 0.5 for good
    grades = staff_card.people.grade
    assert staff_card.total_bonus_yuan == 2000 * int((grades == "excellent").sum()) + 1000 * int(
        (grades == "good").sum()
    )


def test_every_staff_member_once_across_branch_sheets(workbook, tiny_bank):
    out, staff_card, _ = workbook
    sheets = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    ids = pd.concat([sheets[name]["Staff ID"] for name in _branch_sheets(sheets, tiny_bank)])
    assert sorted(ids) == sorted(staff_card.people.staff_id)


def test_branch_results_match(workbook):
    out, _, branch_card = workbook
    res = pd.read_excel(out, sheet_name="Branch results", engine="openpyxl")
    assert sorted(res["Branch ID"].astype(str)) == sorted(branch_card.branches.branch_id)


def test_unknown_quarter_is_a_clear_error(tiny_bank, tmp_path, capsys):
    assert (
        main(
            ["scorecard", "--data", str(tiny_bank), "--quarter", "2031Q1", "--out", str(tmp_path / "x.xlsx")]
        )
        == 2
    )
    assert "no data for 2031Q1" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()


# ------------------------------------------------- the HR workbook and the payroll file (issue 16)


@pytest.fixture(scope="module")
def zh_run(tiny_bank, tmp_path_factory):
    """``bankperf scorecard --lang zh``: the workbook, the payroll file and what the CLI printed."""
    import contextlib
    import io

    out = tmp_path_factory.mktemp("sc_zh") / "考核_2026Q3.xlsx"
    buf = io.StringIO()
    argv = ["scorecard", "--data", str(tiny_bank), "--quarter", "2026Q3", "--out", str(out), "--lang", "zh"]
    with contextlib.redirect_stdout(buf):
        assert main([*argv, "--no-progress"]) == 0
    return out, out.with_name("考核_2026Q3_payroll.csv"), buf.getvalue()


def test_zh_workbook_names_from_the_data(zh_run, tiny_bank):
    out, _, printed = zh_run
    wb = load_workbook(out)
    assert wb.sheetnames[0] == "概要" and wb.sheetnames[-1] == "关于"
    branches = pd.read_parquet(tiny_bank / "branches.parquet")
    zh_names = {f"{b} {n}" for b, n in zip(branches["branch_id"], branches["branch_name_zh"], strict=True)}
    assert zh_names <= set(wb.sheetnames)  # the names the data give in Chinese
    summary = wb["概要"]
    head = [c.value for c in summary[1]]
    regions = {r[head.index("区域")] for r in summary.iter_rows(min_row=2, values_only=True)}
    assert regions <= set(branches["region_zh"])
    about = dict(wb["关于"].iter_rows(min_row=2, values_only=True))
    assert re.fullmatch(r"[0-9a-f]{16}", about["数据指纹"])
    assert about["工资导入文件"] == "考核_2026Q3_payroll.csv"
    assert f"已写出 {out}, {out.with_name('考核_2026Q3_payroll.csv')}，用时" in printed


def test_payroll_total_equals_workbook_cli_and_report(zh_run, tiny_bank, tmp_path):
    """One bonus total: the payroll file, the workbook's totals row, the CLI summary, the overview."""
    from bankperf_analysis.report import prepare_batch
    from bankperf_analysis.report.overview import BankOverview

    out, payroll, printed = zh_run
    pay = pd.read_csv(payroll, encoding="utf-8-sig", dtype={"staff_id": str})
    ws = load_workbook(out)["奖金名单"]
    head = [c.value for c in ws[1]]
    last = [c.value for c in ws[ws.max_row]]
    assert last[0] == "合计"
    workbook_total = last[head.index("奖金（元）")]
    cli = re.search(r"^奖金合计\s{2,}([\d,]+) 元\s*$", printed, flags=re.M)
    assert cli is not None, printed
    overview = BankOverview(prepare_batch(tiny_bank, "2026Q3", tmp_path / "shared"), "zh").money_totals().html
    shown = re.search(r"奖金合计</t[dh]>\s*<td[^>]*>([\d,]+) 元", overview)
    assert shown is not None, overview[:500]
    totals = {
        "payroll": pay["bonus_yuan"].sum(),
        "workbook": workbook_total,
        "cli": int(cli.group(1).replace(",", "")),
        "overview report": int(shown.group(1).replace(",", "")),
    }
    assert len(set(totals.values())) == 1 and totals["payroll"] > 0, totals


def test_the_zh_summary_printed_has_no_english(zh_run, tiny_bank):
    """``--lang zh`` prints labels, Chinese headers and the data's Chinese branch names.

    Only ids (branch, staff), the scheme's name and params hash, and the file paths are Latin.
    """
    out, _, printed = zh_run
    assert "员工考核结果 2026年第三季度" in printed and "网点考核结果 2026年第三季度" in printed
    assert "等级分布" in printed and "优秀" in printed
    text = "\n".join(line for line in printed.splitlines() if not line.startswith(("已写出", "考核方案")))
    branches = pd.read_parquet(tiny_bank / "branches.parquet")
    for b in branches["branch_id"].astype(str):
        text = re.sub(rf"\b{re.escape(b)}\b", "", text)
    words = set(re.findall(r"[A-Za-z][A-Za-z_]{2,}", text))
    assert not words, words

"""The staffing plan as people read it (issue 17, item 6): screen, Excel and HTML in zh and en.

``bankperf staffing`` printed raw frames (snake_case headers, NaN, True/False, rates as 0.87).
Checked here on the tiny demo bank, for every branch of it:
- no NaN / None / True / False and no column id in the text, in either language;
- no English word in the zh text, nor in the zh staffing report's HTML;
- rates shown as percentages equal to the plan's own values (the frame the planner returns);
- the workbook keeps full precision in the cells, has an Excel table with its filter, frozen
  panes, number formats and A4 print setup on every sheet.
"""

from __future__ import annotations

import contextlib
import io
import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from test_zh_leaks import english_words, html_leaks

from bankperf_analysis.cli.main import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.numbers import fmt_percent
from bankperf_analysis.staffing.plan import branch_staffing_plan
from bankperf_analysis.staffing.shown import plan_tables, plan_text

QUARTER = "2026Q4"
#: What the plan's own frames show and people must never see.
RAW = re.compile(r"\b(nan|NaN|None|True|False)\b|\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def plans(tiny_bank):
    ids = sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"])
    with load_dataset(tiny_bank) as ds:
        return {b: branch_staffing_plan(ds, b, QUARTER) for b in ids}


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_text_has_no_raw_values_or_ids(plans, lang):
    for branch, plan in plans.items():
        text = plan_text(plan, lang)
        assert not RAW.findall(text), (branch, sorted(set(RAW.findall(text)))[:10])


def test_the_zh_text_has_no_english_word(plans):
    for branch, plan in plans.items():
        words = english_words(plan_text(plan, "zh"))
        assert not words, (branch, sorted(set(words)))


def test_rates_are_percentages_of_the_plans_own_values(plans):
    """The what-if's achieved service level, as shown, is the planner's value in %."""
    for plan in plans.values():
        wi = next(tab for tab in plan_tables(plan, "en") if tab.key == "what_if")
        shown = wi.shown("en")
        col = wi.headers[list(wi.frame.columns).index("achieved_service_level")]
        expected = [fmt_percent(x) for x in plan.what_if["achieved_service_level"]]
        assert list(shown[col]) == expected
        assert all(s.endswith(" %") for s in expected)


def test_a_role_without_a_queue_shows_a_dash_not_nan(plans):
    for plan in plans.values():
        hc = next(tab for tab in plan_tables(plan, "zh") if tab.key == "headcount")
        no_queue = plan.headcount["required_fte"].isna().to_numpy()
        if no_queue.any():
            col = hc.headers[list(hc.frame.columns).index("required_fte")]
            assert set(hc.shown("zh")[col][no_queue]) == {"—"}
            return
    pytest.skip("no branch of the tiny bank has a role without a queue")


@pytest.fixture(scope="module")
def zh_cli(tiny_bank, tmp_path_factory, plans):
    branch = next(iter(plans))
    out = tmp_path_factory.mktemp("staffing_zh") / "定编.xlsx"
    buf = io.StringIO()
    argv = ["staffing", "--data", str(tiny_bank), "--branch", branch, "--quarter", QUARTER]
    with contextlib.redirect_stdout(buf):
        assert main([*argv, "--lang", "zh", "--out", str(out)]) == 0
    return branch, out, buf.getvalue()


def test_the_cli_prints_the_plan_in_chinese(zh_cli):
    branch, out, printed = zh_cli
    assert "定编" in printed and "最低岗位配置" in printed and f"网点 {branch}" in printed
    body = "\n".join(line for line in printed.splitlines() if not line.startswith("已写出"))
    assert not english_words(body), sorted(set(english_words(body)))
    assert f"已写出 {out}" in printed


def test_the_workbook_is_labelled_formatted_and_keeps_full_precision(zh_cli, plans):
    branch, out, _ = zh_cli
    plan = plans[branch]
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "说明" and "定编" in wb.sheetnames and "假设分析" in wb.sheetnames
    for ws in wb:
        assert len(ws.tables) == 1, ws.title  # an Excel table, with its autofilter
        assert ws.freeze_panes is not None, ws.title
        assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4, ws.title  # "9": A4
        assert ws.print_title_rows, ws.title
    ws = wb["假设分析"]
    head = [c.value for c in ws[1]]
    j = head.index("可达服务水平")
    cells = [r[j] for r in ws.iter_rows(min_row=2)]
    assert [c.number_format for c in cells] == ["0.0%"] * len(cells)
    np.testing.assert_array_equal([c.value for c in cells], plan.what_if["achieved_service_level"].to_numpy())
    ws = wb["定编"]
    head = [c.value for c in ws[1]]
    assert "岗位" in head and "定编依据" in head and "planned_headcount" not in head
    got = [r[head.index("定编人数")] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert got == plan.headcount["planned_headcount"].tolist()
    for sheet in wb:
        values = [c for row in sheet.iter_rows(min_row=2, values_only=True) for c in row]
        bad = [v for v in values if isinstance(v, bool) or v in ("True", "False", "nan", "NaN")]
        assert not bad, (sheet.title, bad[:5])


def test_the_zh_staffing_report_has_no_english(tiny_bank, plans):
    from bankperf_analysis.report.staffing import StaffingReport

    branch = next(iter(plans))
    rep = StaffingReport(tiny_bank, branch, QUARTER, "zh")
    page = rep.title().html + rep.summary().html + rep.what_if().html + rep.forecast_check().html
    assert "定编" in page and "<table" in page
    assert not html_leaks("staffing", f"<html><body>{page}</body></html>")
    assert "nan" not in page.lower().replace("nanjing", "")

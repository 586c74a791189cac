"""Excel and CSV exports: sheets, totals, round trips, atomic writes."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import load_scheme
from bankperf_analysis.scorecard import score_branches, score_staff
from bankperf_analysis.scorecard.export import excel_sheet_name, write_scorecard

Q = "2026Q3"
COLS = [
    "level",
    "entity_id",
    "branch_id",
    "region",
    "role",
    "period_type",
    "period",
    "kpi",
    "value",
    "numerator",
    "denominator",
    "n",
]
ROLE_KPIS = {
    "customer_service_rep": [
        "satisfaction_rate",
        "response_time_seconds",
        "service_level",
        "resolution_rate",
        "complaint_closed_on_time_rate",
        "cross_sales_per_month",
    ],
    "teller": [
        "cash_error_rate",
        "ledger_error_rate",
        "handling_minutes",
        "volume_vs_baseline",
        "satisfaction_rate",
        "complaint_count",
        "dress_score",
        "manner_score",
        "training_attendance_rate",
        "training_exam_score",
    ],
    "lobby_manager": [
        "on_duty_rate",
        "satisfaction_rate",
        "service_quality_score",
        "complaint_count",
        "cross_sales_per_month",
    ],
}
# long names with characters Excel forbids; two of them clash after truncation
BRANCH_NAMES = [
    "东城支行 [旗舰]: A/B",
    "Very long branch name number one, downtown",
    "Very long branch name number one, uptown",
    "Plain",
    '=HYPERLINK("x")',
]


@pytest.fixture(scope="module")
def bank():
    """Five branches, 40 staff, values around the targets (seeded)."""
    rng = np.random.default_rng(7)
    scheme = load_scheme()
    targets = {(r.name, k.kpi): k for r in scheme.roles for k in r.kpis}
    roles = list(ROLE_KPIS)
    staff, rows = [], []
    for i in range(40):
        sid, bid, role = f"S{i:03d}", f"B{i % 5}", roles[i % 3]
        staff.append((sid, f"员工{i}", bid, role, "cash"))
        for kpi in ROLE_KPIS[role]:
            rule = targets[(role, kpi)]
            span = abs(rule.target - rule.floor) if rule.floor is not None else 1.0
            sign = 1 if rule.direction == "higher" else -1
            v = rule.target - sign * span * rng.uniform(-0.3, 0.6)
            v = max(v, 0.0)
            if kpi.endswith("rate"):
                v = min(v, 1.0)
            rows.append(
                (
                    "staff",
                    sid,
                    bid,
                    "North",
                    role,
                    "quarter",
                    Q,
                    kpi,
                    v,
                    np.nan,
                    np.nan,
                    int(rng.integers(25, 120)),
                )
            )
    for j, ms in enumerate([95.0, 90.0, 84.0, 79.0, 88.0]):
        for kpi, v in [
            ("mystery_shopper_score", ms),
            ("video_check_score", 100 - j * 4.0),
            ("satisfaction_rate", 0.86),
        ]:
            rows.append(("branch", f"B{j}", f"B{j}", "North", None, "quarter", Q, kpi, v, np.nan, np.nan, 50))
    kpis = pd.DataFrame(rows, columns=COLS)
    staff = pd.DataFrame(staff, columns=["staff_id", "staff_name", "branch_id", "role", "counter_type"])
    branches = pd.DataFrame(
        {
            "branch_id": [f"B{j}" for j in range(5)],
            "branch_name": BRANCH_NAMES,
            "region": "North",
            "branch_type": "standard",
        }
    )
    sc = score_staff(kpis, scheme, Q, staff, branches=branches)
    bc = score_branches(kpis, scheme, Q, branches=branches)
    assert sc.total_bonus_yuan > 0 and bc.consequences().pay_cuts.value > 0  # the fixture exercises both
    return sc, bc


FIXED = [
    "Summary",
    "Consequences",
    "Branch results",
    "Branch KPIs",
    "Bonus list",
    "Deductions and veto",  # issue 13, item 6 ("Bonus pools" follows it only with a pool)
    "Training list",
    "Not in post long enough",
    "About",
]


@pytest.fixture(scope="module")
def xlsx(bank, tmp_path_factory):
    sc, bc = bank
    out = tmp_path_factory.mktemp("xlsx") / "q3.xlsx"
    assert write_scorecard(out, sc, bc) == [out]
    return out


def test_xlsx_sheets_totals_and_staff(bank, xlsx):
    sc, bc = bank
    xl = pd.ExcelFile(xlsx)
    names = xl.sheet_names
    n_fixed = len(FIXED) - 1  # every fixed sheet but About, which comes last
    assert names[:n_fixed] == FIXED[:n_fixed] and names[-1] == "About"
    branch_sheets = names[n_fixed:-1]
    assert len(branch_sheets) == 5
    for n in names:
        assert len(n) <= 31 and not set(n) & set("[]:*?/\\")
    assert len({n.lower() for n in names}) == len(names)

    bonus = pd.read_excel(xl, "Bonus list")
    assert bonus["bonus_yuan"].sum() == sc.total_bonus_yuan
    assert set(bonus["staff_id"]) == set(sc.people.loc[sc.people["bonus_yuan"] > 0, "staff_id"])

    seen = pd.concat([pd.read_excel(xl, n)["staff_id"] for n in branch_sheets])
    assert seen.is_unique and set(seen) == set(sc.people["staff_id"])

    summary = pd.read_excel(xl, "Summary")
    assert summary["n_staff"].sum() == sc.n_staff
    assert summary["total_bonus_yuan"].sum() == sc.total_bonus_yuan
    assert {
        "n_excellent",
        "n_good",
        "n_pass",
        "n_needs_improvement",
        "mystery_shopper_pay_cut",
        "pay_cut_share_total",
        "recheck",
    } <= set(summary.columns)

    results = pd.read_excel(xl, "Branch results").set_index("branch_id")
    assert results.loc["B3", "mystery_shopper_pay_cut"] == "heavier_cut"
    assert results.loc["B0", "mystery_shopper_reward"]

    training = pd.read_excel(xl, "Training list")
    assert len(training) == len(sc.training)
    assert set(training.columns) >= {"staff_id", "kpi", "topic_en", "topic_zh", "priority"}


def test_xlsx_formatting(xlsx):
    wb = load_workbook(xlsx)
    ws = wb["Summary"]
    assert ws.freeze_panes == "C2"  # the header row and the branch id and name
    header = [c.value for c in ws[1]]
    assert ws[1][0].font.bold
    col = header.index("pay_cut_share_total") + 1
    assert ws.cell(row=2, column=col).number_format == "0.0%"
    sheet = wb[wb.sheetnames[len(FIXED) - 1]]  # the first branch sheet, after the fixed ones
    header = [c.value for c in sheet[1]]
    share = sheet.cell(row=2, column=header.index("scored_weight_share") + 1)
    assert share.number_format == "0.0%"
    assert sheet.column_dimensions["A"].width >= 8
    # a branch name that looks like a formula is stored as text, never as a formula
    formulas = [c for s in wb for row in s.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_sheet_names_follow_excels_rules():
    used = {"summary"}
    assert excel_sheet_name("Summary", used) == "Summary~2"
    a = excel_sheet_name("B1 " + "x" * 40, used)
    b = excel_sheet_name("b1 " + "X" * 40, used)
    assert len(a) == len(b) == 31 and a.lower() != b.lower() and b.endswith("~2")
    assert excel_sheet_name("a[b]c:d*e?f/g\\h", used) == "a_b_c_d_e_f_g_h"
    assert excel_sheet_name("''", used) == "Sheet"
    assert excel_sheet_name("history", used) == "History_"


def test_progress_callback_is_called_per_branch(bank, tmp_path):
    sc, bc = bank
    calls = []
    write_scorecard(tmp_path / "q3.xlsx", sc, bc, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(i, 5) for i in range(1, 6)]


def test_csv_round_trip(bank, tmp_path):
    sc, bc = bank
    files = write_scorecard(tmp_path / "q3.csv", sc, bc)
    assert [f.name for f in files] == [
        "q3_staff.csv",
        "q3_staff_kpis.csv",
        "q3_training.csv",
        "q3_not_in_post.csv",
        "q3_branches.csv",
        "q3_branch_kpis.csv",
        "q3_branch_checks.csv",
    ]
    assert not (tmp_path / "q3.csv").exists()
    back = pd.read_csv(
        tmp_path / "q3_staff.csv", encoding="utf-8-sig", dtype={"staff_id": str, "branch_id": str}
    )
    ref = sc.people
    assert list(back.columns) == list(ref.columns)
    pd.testing.assert_series_equal(back["staff_id"], ref["staff_id"].astype(object), check_dtype=False)
    np.testing.assert_allclose(back["composite_score"], ref["composite_score"], rtol=0, atol=1e-9)
    assert back["bonus_yuan"].sum() == sc.total_bonus_yuan
    assert back["staff_name"].tolist() == ref["staff_name"].tolist()  # Chinese survives
    assert back["grade"].fillna("").tolist() == ref["grade"].fillna("").tolist()
    checks = pd.read_csv(tmp_path / "q3_branch_checks.csv", encoding="utf-8-sig")
    cut_branches = checks.loc[checks["pay_cut"] != "none", "branch_id"].nunique()
    assert cut_branches == bc.consequences().pay_cuts.value  # branches, not check results


def test_failure_mid_write_leaves_no_file(bank, tmp_path):
    sc, bc = bank
    out = tmp_path / "q3.xlsx"

    def boom(done, total):
        if done == 2:
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        write_scorecard(out, sc, bc, progress=boom)
    assert list(tmp_path.iterdir()) == []  # no file, no temporary left behind


def test_failure_keeps_the_previous_file(bank, tmp_path):
    sc, bc = bank
    out = tmp_path / "q3.xlsx"
    write_scorecard(out, sc, bc)
    before = out.read_bytes()

    def boom(done, total):
        raise RuntimeError("crash")

    with pytest.raises(RuntimeError):
        write_scorecard(out, sc, bc, progress=boom)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["q3.xlsx"]


def test_csv_failure_writes_none_of_the_files(bank, tmp_path, monkeypatch):
    sc, bc = bank
    original = pd.DataFrame.to_csv
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", flaky)
    with pytest.raises(OSError):
        write_scorecard(tmp_path / "q3.csv", sc, bc)
    assert list(tmp_path.iterdir()) == []


def test_bad_arguments(bank, tmp_path):
    sc, bc = bank
    with pytest.raises(ParamsError, match=r"must end in \.xlsx or \.csv"):
        write_scorecard(tmp_path / "q3.pdf", sc, bc)
    with pytest.raises(ParamsError, match="StaffScorecard"):
        write_scorecard(tmp_path / "q3.xlsx", sc.people)


def test_staff_card_alone(bank, tmp_path):
    sc, _ = bank
    out = tmp_path / "staff.xlsx"
    write_scorecard(out, sc)
    names = pd.ExcelFile(out).sheet_names
    assert "Branch results" not in names and names[0] == "Summary"


# ------------------------------------------------- the HR workbook (issue 16, item 2)

FINGERPRINT = "0123456789abcdef"
#: Branch names the data give in Chinese (the data contract's branch_name_zh, region_zh).
BRANCHES_ZH = pd.DataFrame(
    {
        "branch_id": [f"B{j}" for j in range(5)],
        "branch_name": BRANCH_NAMES,
        "branch_name_zh": [f"测试支行{j}" for j in range(5)],
        "region": "North",
        "region_zh": "北区",
    }
)


@pytest.fixture(scope="module", params=["en", "zh"])
def hr(request, bank, tmp_path_factory):
    """The HR workbook and its payroll file in each language, opened with openpyxl."""
    sc, bc = bank
    out = tmp_path_factory.mktemp(f"hr_{request.param}") / "q3.xlsx"
    files = write_scorecard(
        out, sc, bc, lang=request.param, scheme=load_scheme(), fingerprint=FINGERPRINT, branches=BRANCHES_ZH
    )
    assert files == [out, out.with_name("q3_payroll.csv")]
    return request.param, load_workbook(out), files[1]


def _t(key, lang):
    from bankperf_analysis.i18n import t

    return t(key, lang)


def _header(ws) -> list:
    return [c.value for c in ws[1]]


def _column(ws, lang, key) -> int:
    """1-based column of the header ``t(key, lang)``."""
    return _header(ws).index(_t(key, lang)) + 1


def _table(ws):
    (table,) = ws.tables.values()
    return table


def _money_sheets(lang):
    return {
        _t("sheet_bonus", lang): ("col_bonus_yuan",),
        _t("sheet_deductions", lang): ("col_deduction_yuan",),
    }


def test_hr_every_sheet_is_a_filtered_table_with_header_and_name_frozen(hr):
    lang, wb, _ = hr
    names = [f"B{j}" for j in range(5)]
    assert len(wb.sheetnames) == len(FIXED) + 5
    for ws in wb.worksheets:
        table = _table(ws)
        totals = 1 if ws.title in _money_sheets(lang) else 0
        last = get_column_letter(ws.max_column)
        n_rows = max(ws.max_row - totals, 2)  # an empty table keeps one blank row
        assert table.ref == f"A1:{last}{n_rows}", ws.title
        assert table.autoFilter.ref == table.ref, ws.title
        assert [c.name for c in table.tableColumns] == _header(ws), ws.title
        # the header row and the name column stay in view: the pane starts right of the name
        name_key = {
            _t("sheet_summary", lang): "col_branch_name",
            _t("sheet_consequences", lang): "col_label",
            _t("sheet_branch_results", lang): "col_branch_name",
            _t("sheet_branch_kpis", lang): "col_branch_name",
            _t("sheet_about", lang): "col_item",
        }.get(ws.title, "col_staff_name")
        assert ws.freeze_panes == f"{get_column_letter(_column(ws, lang, name_key) + 1)}2", ws.title
    branch_sheets = wb.sheetnames[len(FIXED) - 1 : -1]
    assert [s.split(" ")[0] for s in branch_sheets] == names
    if lang == "zh":  # the names the data give in Chinese
        assert branch_sheets[0] == "B0 测试支行0"


def test_hr_number_formats_by_unit_with_full_precision(hr, bank):
    lang, wb, _ = hr
    sc, bc = bank
    ws = wb[wb.sheetnames[len(FIXED) - 1]]  # the first branch sheet
    people = sc.people.set_index("staff_id")
    sid_col = _column(ws, lang, "col_staff_id")
    for row in ws.iter_rows(min_row=2):
        person = people.loc[row[sid_col - 1].value]
        bonus = row[_column(ws, lang, "col_bonus_yuan") - 1]
        share = row[_column(ws, lang, "col_scored_weight_share") - 1]
        comp = row[_column(ws, lang, "col_composite_score") - 1]
        assert bonus.number_format == "#,##0.00" and share.number_format == "0.0%"
        assert comp.number_format == "0.00"
        if pd.notna(person["composite_score"]):
            assert comp.value == person["composite_score"]  # rounded on screen only
    kpis = wb[_t("sheet_branch_kpis", lang)]
    kpi_col, value_col = _column(kpis, lang, "col_kpi"), _column(kpis, lang, "col_value")
    from bankperf_analysis.i18n import kpi_label

    formats = {r[kpi_col - 1].value: r[value_col - 1].number_format for r in kpis.iter_rows(min_row=2)}
    assert formats[kpi_label("satisfaction_rate", lang)] == "0.0%"
    assert formats[kpi_label("mystery_shopper_score", lang)] == "0.00"
    # no float anywhere shows its every digit: each one carries a number format
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if isinstance(c.value, float) and c.value != int(c.value):
                    assert c.number_format != "General", (ws.title, c.coordinate, c.value)


def test_hr_print_setup(hr):
    _, wb, _ = hr
    for ws in wb.worksheets:
        ps = ws.page_setup
        assert str(ps.paperSize) == "9", ws.title  # A4
        assert ps.fitToWidth == 1 and ps.fitToHeight == 0, ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ws.print_title_rows == "$1:$1", ws.title
        assert ps.orientation == ("landscape" if ws.max_column >= 7 else "portrait"), ws.title


def test_hr_totals_rows_on_the_money_sheets(hr, bank):
    lang, wb, _ = hr
    sc, _ = bank
    expected = {
        "col_bonus_yuan": sc.total_bonus_yuan,
        "col_deduction_yuan": sc.people["deduction_yuan"].sum(),
    }
    for title, keys in _money_sheets(lang).items():
        ws = wb[title]
        last = [c.value for c in ws[ws.max_row]]
        assert last[0] == _t("row_total", lang)
        for key in keys:
            col = _column(ws, lang, key)
            assert last[col - 1] == pytest.approx(expected[key], abs=1e-9), (title, key)
            body = [r[col - 1].value or 0 for r in ws.iter_rows(min_row=2, max_row=ws.max_row - 1)]
            assert sum(body) == pytest.approx(last[col - 1], abs=1e-9)
    assert expected["col_bonus_yuan"] > 0 and expected["col_deduction_yuan"] > 0  # both exercised


def test_hr_about_sheet(hr):
    from bankperf_analysis import __version__
    from bankperf_analysis._provenance import code_digest

    lang, wb, _ = hr
    about = dict(wb[_t("sheet_about", lang)].iter_rows(min_row=2, values_only=True))
    assert about[_t("footer_fingerprint", lang)] == FINGERPRINT
    assert about[_t("footer_params_hash", lang)] == load_scheme().params_hash()
    assert about[_t("footer_version", lang)] == __version__
    assert about[_t("footer_code_digest", lang)] == code_digest()
    zone = "（北京时间）" if lang == "zh" else " (UTC+08:00)"
    assert about[_t("footer_generated", lang)].endswith(zone)  # local time, labelled
    band = "综合得分 80 分（含）至 90 分" if lang == "zh" else "composite score from 80 to under 90"
    assert about[_t("grade_good", lang).join(["等级：", ""]) if lang == "zh" else "Grade good"] == band
    bonus = about[_t("about_bonus", lang)]
    assert "2,000" in bonus and ("绩效系数" if lang == "zh" else "coefficient") in bonus
    assert about[_t("about_payroll", lang)] == "q3_payroll.csv"


#: Latin words a zh workbook may show: ids, units, codes (cf. tests/test_zh_leaks.py).
ZH_ALLOWED = frozenset({"KPI", "bankperf-analysis", "default", "North"})
_ID = re.compile(r"^(B\d|S\d{3}|[0-9a-f]{16,}|q3_payroll\.csv|[a-z_]+\.[a-z_.]+$)")  # a params key too


def test_zh_workbook_has_no_english_labels(bank, tmp_path):
    """Headers, sheet names and every labelled value (grades, roles, Yes/No...) in Chinese."""
    sc, bc = bank
    out = tmp_path / "q3.xlsx"
    write_scorecard(
        out, sc, bc, lang="zh", scheme=load_scheme(), fingerprint=FINGERPRINT, branches=BRANCHES_ZH
    )
    wb = load_workbook(out)
    data_columns = {_t(k, "zh") for k in ("col_staff_name", "col_staff_id", "col_branch_id", "col_count")}
    leaks = []
    for ws in wb.worksheets:
        title = ws.title if ws.title.split(" ")[0] not in BRANCHES_ZH["branch_id"].tolist() else ""
        head = _header(ws)
        for r, row in enumerate(ws.iter_rows(values_only=True)):
            for h, v in zip(head, row, strict=True):
                if r and h in data_columns:
                    continue  # names and ids from the data
                for word in re.findall(r"[A-Za-z][A-Za-z_.-]*", str(v) if isinstance(v, str) else ""):
                    if word not in ZH_ALLOWED and not _ID.match(word) and not _ID.match(str(v)):
                        leaks.append((ws.title, h, v))
        leaks += [(title, "sheet name", title)] if re.search(r"[A-Za-z]", title) else []
    assert leaks == []


def test_payroll_file_totals_and_encoding(hr, bank):
    lang, wb, payroll = hr
    sc, _ = bank
    raw = payroll.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows Chinese names
    pay = pd.read_csv(payroll, encoding="utf-8-sig", dtype={"staff_id": str, "branch_id": str})
    from bankperf_analysis.scorecard.payroll import PAYROLL_COLUMNS

    assert tuple(pay.columns) == PAYROLL_COLUMNS  # stable ids in every language
    assert sorted(pay["staff_id"]) == sorted(sc.people["staff_id"])
    assert set(pay["staff_name"]) == set(sc.people["staff_name"])
    ws = wb[_t("sheet_bonus", lang)]
    workbook_total = ws.cell(ws.max_row, _column(ws, lang, "col_bonus_yuan")).value
    assert pay["bonus_yuan"].sum() == workbook_total == sc.consequences().bonus_total.value
    assert pay["deduction_yuan"].sum() == sc.consequences().deduction_total.value
    good = pay.loc[pay["grade"] == "good"]
    assert len(good) and (good["grade_coefficient"] == 0.5).all()  # the default scheme's 绩效系数
    assert set(good["grade_label"]) == {_t("grade_good", lang)}


def test_hr_workbook_refuses_a_scheme_it_was_not_scored_with(bank, tmp_path):
    sc, bc = bank
    other = load_scheme().to_dict()
    other["name"] = "another"
    from bankperf_analysis.scheme.model import Scheme

    with pytest.raises(ParamsError, match="'scheme' parameter of write_scorecard"):
        write_scorecard(tmp_path / "q3.xlsx", sc, bc, lang="zh", scheme=Scheme.from_dict(other))
    with pytest.raises(ParamsError, match="'lang' parameter"):
        write_scorecard(tmp_path / "q3.xlsx", sc, bc, lang="fr")
    assert list(tmp_path.iterdir()) == []

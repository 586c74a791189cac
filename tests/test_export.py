"""Excel and CSV exports: sheets, totals, round trips, atomic writes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

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
    assert ws.freeze_panes == "A2"
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

"""Consequence counts on crafted small banks: each count's unit and definition at its edges.

The definitions are those of ``docs/domain.md`` ("Consequence counts"), from source 003: a
branch's performance pay is cut by a check below 85 (harder below 80, instead of the normal
cut), a branch below 85 is re-checked next period, the top five at >= 90 are rewarded. Every
branch count is in branches (a branch counts once however many checks hit it); staff counts
are in staff; the bonus total is in whole yuan; over a year, quarterly counts are summed
(branch-quarters, staff-quarters).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import (
    annual_summary,
    consequence_counts,
    quarter_consequences,
    score_branches,
    score_staff,
)

Q = "2026Q3"
COLS = ["level", "entity_id", "branch_id", "region", "role", "period_type", "period", "kpi", "value", "n"]
LOBBY_EXCELLENT = {  # every KPI of a lobby manager at or above target: composite 100, excellent
    "on_duty_rate": 1.0,
    "satisfaction_rate": 0.95,
    "service_quality_score": 90.0,
    "complaint_count": 0.0,
    "cross_sales_per_month": 6.0,
}
LOBBY_GOOD = dict(LOBBY_EXCELLENT, satisfaction_rate=0.80, on_duty_rate=0.9)  # below target: not excellent


def branch_rows(scores: dict[str, tuple[float, float]], period: str = Q) -> pd.DataFrame:
    """Mystery-shopper and video-check scores per branch: {branch: (mystery, video)}."""
    rows = [
        ("branch", b, b, "North", None, "quarter", period, kpi, float(v), 1)
        for b, (ms, vc) in scores.items()
        for kpi, v in (("mystery_shopper_score", ms), ("video_check_score", vc))
    ]
    return pd.DataFrame(rows, columns=COLS)


def staff_rows(people: dict[str, tuple[str, dict]], period: str = Q) -> pd.DataFrame:
    """KPI rows of lobby managers: {staff_id: (branch_id, values)}."""
    rows = [
        ("staff", s, b, "North", "lobby_manager", "quarter", period, kpi, float(v), 50)
        for s, (b, values) in people.items()
        for kpi, v in values.items()
    ]
    return pd.DataFrame(rows, columns=COLS)


@pytest.fixture(scope="module")
def scheme():
    return load_scheme()


# The crafted bank of 2026Q3 (default scheme: pay cut < 85, heavier < 80, re-check < 85, reward top 5 >= 90):
CRAFTED = {
    "B1": (95.0, 95.0),  # rewarded (mystery shopper), nothing else
    "B2": (84.0, 79.0),  # cut by one check, cut harder by the other, re-checked on both
    "B3": (82.0, 83.0),  # cut by both checks, re-checked on both: one branch
    "B4": (88.0, 86.0),  # nothing
}


def crafted_cards(scheme, scores=CRAFTED, people=None):
    people = people or {
        "S1": ("B1", LOBBY_EXCELLENT),
        "S2": ("B2", LOBBY_EXCELLENT),
        "S3": ("B2", LOBBY_GOOD),
    }
    staff = score_staff(staff_rows(people), scheme, Q)
    return staff, score_branches(branch_rows(scores), scheme, Q)


def test_branch_counts_are_branches_not_check_results(scheme):
    staff, branch = crafted_cards(scheme)
    checks = branch.checks
    assert (checks["pay_cut"] != "none").sum() == 4 and checks["recheck"].sum() == 4  # check results
    c = quarter_consequences(staff, branch)
    assert (c.pay_cuts.value, c.heavier_pay_cuts.value, c.rechecks.value, c.rewards.value) == (2, 1, 2, 1)
    assert {x.unit for x in (c.pay_cuts, c.heavier_pay_cuts, c.rechecks, c.rewards)} == {"branches"}
    # a heavier cut is also a pay cut: B2 is in both, B3 only in pay cuts
    assert c.heavier_pay_cuts.value <= c.pay_cuts.value
    assert c.pay_cuts.label("en") == "Pay cuts: 2 branches"
    assert c.heavier_pay_cuts.label("en") == "Of which heavier pay cuts: 1 branch"
    assert c.rechecks.label("zh") == "下期复查：2 个网点"


def test_a_branch_both_cut_and_rechecked_counts_once_in_each(scheme):
    staff, branch = crafted_cards(scheme)
    c = quarter_consequences(staff, branch, branch_id="B2")
    assert (c.pay_cuts.value, c.heavier_pay_cuts.value, c.rechecks.value, c.rewards.value) == (1, 1, 1, 0)
    assert (c.excellent_staff.value, c.staff_with_bonus.value, c.bonus_total.value) == (1, 1, 2000)
    assert c.excellent_staff.text("en") == "1 staff member" and c.excellent_staff.text("zh") == "1 人"


def test_only_a_heavier_cut(scheme):
    staff, branch = crafted_cards(scheme, {"B1": (79.99, 90.0), "B2": (80.0, 90.0)})
    c = quarter_consequences(staff, branch)
    # exactly 80 is a normal cut, 79.99 a heavier one; both are pay cuts
    assert (c.pay_cuts.value, c.heavier_pay_cuts.value, c.rechecks.value) == (2, 1, 2)


def test_zero_of_everything(scheme):
    people = {"S1": ("B1", LOBBY_GOOD)}
    fixed = Scheme.from_dict({**scheme.to_dict(), "money": {"bonus_by_grade": {"excellent": 2000}}})
    staff, branch = crafted_cards(fixed, {"B1": (89.0, 86.0), "B2": (85.0, 85.0)}, people)
    c = quarter_consequences(staff, branch)
    assert [x.value for x in c] == [0] * 9  # 85 exactly: neither cut nor re-checked
    assert c.bonus_total.text("en") == "0 yuan" and c.pay_cuts.text("en") == "0 branches"
    assert c.staff_with_bonus.label("zh") == "获发奖金员工：0 人"


def test_no_check_data_is_not_available_never_zero(scheme):
    staff = score_staff(staff_rows({"S1": ("B1", LOBBY_EXCELLENT)}), scheme, Q)
    missing = ["mystery_shopper_score", "video_check_score"]
    rows = branch_rows({"B1": (70.0, 70.0)})
    rows = rows.assign(kpi="resolution_rate", value=0.9).iloc[:1]  # the branch has data, no check data
    branch = score_branches(rows, scheme, Q, unavailable=missing)
    assert not branch.checks_available
    c = quarter_consequences(staff, branch)
    assert [c.rewards.value, c.pay_cuts.value, c.heavier_pay_cuts.value, c.rechecks.value] == [None] * 4
    assert c.pay_cuts.text("en") == "not available" and c.pay_cuts.label("zh") == "扣罚绩效工资：不可用"
    assert c.bonus_total.value == 2000  # staff counts do not depend on the checks
    assert quarter_consequences(staff).rechecks.value is None  # no branch card at all


def test_bonus_total_is_whole_yuan(scheme):
    staff, branch = crafted_cards(scheme)
    c = quarter_consequences(staff, branch)
    assert c.bonus_total.value == 2 * 2000 and type(c.bonus_total.value) is int
    assert c.bonus_total.unit == "yuan" and c.bonus_total.label("en") == "Total bonus: 4,000 yuan"
    big = staff.people.assign(bonus_yuan=[1_234_567.0, 0.0, 0.0])
    assert consequence_counts(Q, big, None).bonus_total.text("zh") == "1,234,567 元"
    half = staff.people.assign(bonus_yuan=[1500.5, 0.0, 0.0])
    with pytest.raises(
        ParamsError, match=r"whole number of yuan .*Got 1500\.5 yuan for staff 'S1' in 2026Q3 instead"
    ):
        consequence_counts(Q, half, branch.checks)


def test_year_sums_the_quarters(scheme):
    kpis = pd.concat(
        [
            branch_rows({"B1": (84.0, 90.0), "B2": (91.0, 91.0)}, "2026Q1"),  # B1 cut
            branch_rows({"B1": (79.0, 83.0), "B2": (92.0, 92.0)}, "2026Q2"),  # B1 cut harder, on two checks
            branch_rows({"B1": (88.0, 88.0), "B2": (93.0, 93.0)}, "2026Q3"),
            staff_rows({"S1": ("B2", LOBBY_EXCELLENT)}, "2026Q1"),
            staff_rows({"S1": ("B2", LOBBY_EXCELLENT)}, "2026Q2"),
            staff_rows({"S1": ("B2", LOBBY_EXCELLENT)}, "2026Q3"),
        ],
        ignore_index=True,
    ).assign(target=np.nan, floor=np.nan)
    summ = annual_summary(kpis, scheme, 2026)
    c = summ.consequences()
    assert c.period == "2026"
    assert (c.pay_cuts.value, c.heavier_pay_cuts.value, c.rechecks.value) == (2, 1, 2)
    assert c.pay_cuts.unit == "branch_quarters" and c.pay_cuts.label("en") == "Pay cuts: 2 branch-quarters"
    assert c.rewards.value == 3  # B2 rewarded in each of three quarters
    assert (c.excellent_staff.value, c.staff_with_bonus.value, c.bonus_total.value) == (3, 3, 6000)
    assert c.excellent_staff.label("zh") == "优秀员工：3 人次"
    assert (c.promotion_candidates.value, c.promotion_candidates.unit) == (1, "staff")
    assert c.excellent_branches.unit == "branches"
    # the annual branch table's quarters add up to the year's counts
    b = summ.branches.set_index("branch_id")
    assert b["pay_cut_quarters"].sum() == c.pay_cuts.value and b.loc["B1", "pay_cut_quarters"] == 2
    assert b["heavier_pay_cut_quarters"].sum() == c.heavier_pay_cuts.value
    assert b["recheck_quarters"].sum() == c.rechecks.value and b["reward_quarters"].sum() == c.rewards.value
    # a quarter's counts of the same frames are the quarter's alone
    q2 = consequence_counts("2026Q2", summ.staff_quarterly, summ.branch_checks)
    assert (q2.pay_cuts.value, q2.heavier_pay_cuts.value, q2.pay_cuts.unit) == (1, 1, "branches")


def test_every_output_shape_names_the_unit(scheme):
    staff, branch = crafted_cards(scheme)
    c = quarter_consequences(staff, branch)
    frame = c.to_frame("zh")
    assert frame["count"].tolist() == [
        "bonus_total",
        "staff_with_bonus",
        "excellent_staff",
        "deduction_total",
        "vetoed_staff",
        "rewards",
        "pay_cuts",
        "heavier_pay_cuts",
        "rechecks",
    ]
    assert frame["unit"].tolist() == ["元", "人", "人", "元", "人", "个网点", "个网点", "个网点", "个网点"]
    assert frame["definition"].str.len().gt(10).all()
    assert c.headline("en")["count_pay_cuts"] == "2 branches"
    assert ("Re-checks next period", "2 branches") in c.rows("en")
    assert "Pay cuts                   2 branches" in c.summary().as_text()


def test_bad_period_is_refused():
    with pytest.raises(ParamsError, match="The 'period' parameter of consequence_counts must be a quarter"):
        consequence_counts("2026-07", pd.DataFrame(), None)

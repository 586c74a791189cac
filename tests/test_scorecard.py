"""Scorecards on small crafted KPI frames: every band edge, by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.exceptions import DataValidationError, ParamsError
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import (
    STATUS_BELOW,
    STATUS_INSUFFICIENT,
    STATUS_MET,
    STATUS_NO_DATA,
    annual_summary,
    assign_grades,
    score_branches,
    score_kpi_values,
    score_staff,
)

Q = "2026Q3"
CSR = "customer_service_rep"
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


def staff_rows(staff_id, role, values, *, period=Q, branch="B1", region="North", n=100):
    """KPI rows of one person; values maps kpi -> value or (value, n)."""
    rows = []
    for kpi, v in values.items():
        value, nn = v if isinstance(v, tuple) else (v, n)
        rows.append(
            (
                "staff",
                staff_id,
                branch,
                region,
                role,
                "quarter",
                period,
                kpi,
                float(value),
                np.nan,
                np.nan,
                nn,
            )
        )
    return pd.DataFrame(rows, columns=COLS)


def branch_rows(branch_id, values, *, period=Q, region="North", period_type="quarter", n=1):
    rows = []
    for kpi, v in values.items():
        value, nn = v if isinstance(v, tuple) else (v, n)
        rows.append(
            (
                "branch",
                branch_id,
                branch_id,
                region,
                None,
                period_type,
                period,
                kpi,
                float(value),
                np.nan,
                np.nan,
                nn,
            )
        )
    return pd.DataFrame(rows, columns=COLS)


def cat(*frames):
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    """The default scheme with every role rule on the person's own value (``scored_on: own``).

    These tests check the rules' arithmetic on one person's rows; scoring on the team's
    value (the default for queue outcomes) is tested in tests/test_accountability.py.
    """
    d = load_scheme().to_dict()
    for role in d["roles"].values():
        for rule in role.get("kpis", {}).values():
            rule["scored_on"] = "own"
    return Scheme.from_dict(d)


@pytest.fixture(scope="module")
def qual(scheme) -> Scheme:
    """Customer managers scored on three 0-100 KPIs with target 100, floor 0: score = value."""
    d = scheme.to_dict()
    d["roles"]["customer_manager"]["kpis"] = {
        "service_quality_score": {"target": 100, "floor": 0, "weight": 0.5, "min_n": 1},
        "teamwork_score": {"target": 100, "floor": 0, "weight": 0.3, "min_n": 1},
        "review_360_score": {"target": 100, "floor": 0, "weight": 0.2, "min_n": 1},
    }
    return Scheme.from_dict(d)


def cm(staff_id, x, *, period=Q, branch="B1"):
    """A customer manager whose three qualitative KPIs all equal x (composite x in `qual`)."""
    return staff_rows(
        staff_id,
        "customer_manager",
        {"service_quality_score": x, "teamwork_score": x, "review_360_score": x},
        period=period,
        branch=branch,
        n=5,
    )


CSR_AT_TARGET = {
    "satisfaction_rate": 0.90,
    "response_time_seconds": 180.0,
    "service_level": 0.95,
    "resolution_rate": 0.95,
    "complaint_closed_on_time_rate": 1.0,
    "cross_sales_per_month": 5.0,
}


# --------------------------------------------------------------- KPI scores


def test_kpi_exactly_at_target_scores_100_and_is_met(scheme):
    card = score_staff(staff_rows("S1", CSR, CSR_AT_TARGET), scheme, Q)
    k = card.kpis.set_index("kpi")
    assert (k["score"] == 100.0).all()
    assert (k["status"] == STATUS_MET).all()
    # lower-is-better exactly at target
    assert k.loc["response_time_seconds", "direction"] == "lower"
    assert k.loc["response_time_seconds", "score"] == 100.0
    p = card.people.iloc[0]
    assert p["composite_score"] == 100.0 and p["grade"] == "excellent"
    assert p["bonus_yuan"] == 2000.0 and not p["reweighted"]


def test_linear_rule_by_hand_both_directions():
    score, status = score_kpi_values(
        value=[0.8, 270.0, 400.0, 100.0, 0.6, 0.95],
        n=[50] * 6,
        target=[0.9, 180.0, 180.0, 180.0, 0.9, 0.9],
        floor=[0.7, 360.0, 360.0, 360.0, 0.7, 0.7],
        direction=["higher", "lower", "lower", "lower", "higher", "higher"],
        rule=["linear"] * 6,
        min_n=[30] * 6,
    )
    # (0.8-0.7)/(0.9-0.7)=50; (270-360)/(180-360)=50; worse than floor -> 0; better -> 100
    np.testing.assert_allclose(score, [50.0, 50.0, 0.0, 100.0, 0.0, 100.0])
    assert list(status) == [STATUS_BELOW, STATUS_BELOW, STATUS_BELOW, STATUS_MET, STATUS_BELOW, STATUS_MET]


def test_pass_fail_rule():
    score, status = score_kpi_values(
        [0.0, 1.0, 2.0], [0, 0, 0], [0, 0, 0], [np.nan] * 3, ["lower"] * 3, ["pass_fail"] * 3, [0] * 3
    )
    assert score.tolist() == [100.0, 0.0, 0.0]
    assert status.tolist() == [STATUS_MET, STATUS_BELOW, STATUS_BELOW]


def test_float_noise_at_target_counts_as_met():
    # 0.1 + 0.2 + 0.6 = 0.8999999999999999: a KPI computation artefact, not a miss
    score, status = score_kpi_values([0.1 + 0.2 + 0.6], [40], [0.9], [0.7], ["higher"], ["linear"], [30])
    assert score[0] == 100.0 and status[0] == STATUS_MET


# ------------------------------------------------------------ grade edges


@pytest.mark.parametrize(
    ("x", "grade", "bonus"),
    [
        (100.0, "excellent", 2000.0),
        (90.0, "excellent", 2000.0),
        (89.999999, "good", 1000.0),  # default coefficient bonus: good x 0.5 of 2,000 (issue 13)
        (80.0, "good", 1000.0),
        (79.999999, "pass", 0.0),
        (60.0, "pass", 0.0),
        (59.999999, "needs_improvement", 0.0),
        (0.0, "needs_improvement", 0.0),
    ],
)
def test_composite_band_edges(qual, x, grade, bonus):
    card = score_staff(cm("S1", x), qual, Q)
    p = card.people.iloc[0]
    assert p["composite_score"] == pytest.approx(x, abs=1e-9)
    assert p["grade"] == grade
    assert p["bonus_yuan"] == bonus


def test_composite_from_unequal_scores_by_hand(qual):
    kpis = staff_rows(
        "S1",
        "customer_manager",
        {"service_quality_score": 100.0, "teamwork_score": 80.0, "review_360_score": 80.0},
        n=5,
    )
    # 0.5*100 + 0.3*80 + 0.2*80 = 90 -> excellent (floating-point noise rounded away)
    p = score_staff(kpis, qual, Q).people.iloc[0]
    assert p["composite_score"] == 90.0
    assert p["grade"] == "excellent"


def test_assign_grades_vectorised(scheme):
    g = assign_grades([90.0, np.nextafter(90.0, 0), 80.0, 60.0, np.nan], scheme)
    assert g.tolist() == ["excellent", "good", "good", "pass", None]


# ---------------------------------------------------------- minimum sample


def test_insufficient_sample_is_reported_not_scored_and_reweighted(scheme):
    values = {
        "satisfaction_rate": (0.95, 29),  # n=29 < 30: not scored
        "response_time_seconds": 270.0,  # score 50, weight 0.15
        "service_level": 0.95,  # 100, 0.10
        "resolution_rate": 0.875,  # 50, 0.20
        "complaint_closed_on_time_rate": 1.0,  # 100, 0.10
        "cross_sales_per_month": 5.0,
    }  # 100, 0.20
    card = score_staff(staff_rows("S1", CSR, values), scheme, Q)
    k = card.kpis.set_index("kpi")
    assert k.loc["satisfaction_rate", "status"] == STATUS_INSUFFICIENT
    assert math.isnan(k.loc["satisfaction_rate", "score"])
    assert k.loc["satisfaction_rate", "value"] == 0.95  # still reported
    assert k.loc["satisfaction_rate", "effective_weight"] == 0.0
    assert k["reweighted"].all()
    # effective weight = weight / 0.75
    assert k.loc["response_time_seconds", "effective_weight"] == pytest.approx(0.15 / 0.75)
    assert k.loc["cross_sales_per_month", "effective_weight"] == pytest.approx(0.20 / 0.75)
    by_hand = (0.15 * 50 + 0.10 * 100 + 0.20 * 50 + 0.10 * 100 + 0.20 * 100) / 0.75
    p = card.people.iloc[0]
    assert p["composite_score"] == pytest.approx(by_hand, abs=1e-8)  # 76.67
    assert p["grade"] == "pass"
    assert p["reweighted"] and p["gradable"]
    assert p["scored_weight_share"] == pytest.approx(0.75)
    assert p["excluded_kpis"] == "satisfaction_rate (insufficient data: n=29 < 30)"
    assert "Re-weighted over 5 of 6 KPIs" in p["note"]
    assert "satisfaction_rate" in p["note"]


def test_all_kpis_insufficient_gives_no_grade_no_bonus(scheme):
    values = {
        k: (v, 0 if k in ("cross_sales_per_month",) else 3)
        for k, v in CSR_AT_TARGET.items()
        if k != "cross_sales_per_month"
    }
    values["complaint_closed_on_time_rate"] = (1.0, 0)
    card = score_staff(staff_rows("S1", CSR, values), scheme, Q)
    p = card.people.iloc[0]
    assert not p["gradable"]
    assert pd.isna(p["grade"]) and math.isnan(p["composite_score"])
    assert p["bonus_yuan"] == 0.0
    assert p["note"].startswith("Insufficient data to grade")
    assert card.total_bonus_yuan == 0.0 and card.n_graded == 0
    assert set(card.kpis["status"]) == {STATUS_INSUFFICIENT, STATUS_NO_DATA}


def test_scorable_share_below_minimum_gives_no_grade(scheme):
    # only satisfaction (0.25) and response time (0.15) scorable: 40 % < 50 %
    values = {
        "satisfaction_rate": 0.95,
        "response_time_seconds": 150.0,
        "service_level": (0.99, 5),
        "resolution_rate": (0.99, 5),
    }
    p = score_staff(staff_rows("S1", CSR, values), scheme, Q).people.iloc[0]
    assert p["scored_weight_share"] == pytest.approx(0.40)
    assert not p["gradable"] and pd.isna(p["grade"]) and p["bonus_yuan"] == 0.0
    assert "40 % of the weight scorable (minimum 50 %)" in p["note"]


def test_scorable_share_exactly_at_minimum_is_graded(qual):
    d = qual.to_dict()
    d["roles"]["customer_manager"]["kpis"] = {
        "service_quality_score": {"target": 100, "floor": 0, "weight": 0.5, "min_n": 1},
        "teamwork_score": {"target": 100, "floor": 0, "weight": 0.5, "min_n": 1},
    }
    s = Scheme.from_dict(d)
    kpis = staff_rows("S1", "customer_manager", {"service_quality_score": (95.0, 1)})
    p = score_staff(kpis, s, Q).people.iloc[0]
    assert p["scored_weight_share"] == 0.5
    assert p["gradable"] and p["grade"] == "excellent" and p["composite_score"] == 95.0


def test_event_counts_without_a_row_are_zero(scheme):
    # lobby manager with no complaint rows: complaint_count = 0 (met), not "no data"
    values = {
        "on_duty_rate": 1.0,
        "satisfaction_rate": 0.95,
        "service_quality_score": 90.0,
        "cross_sales_per_month": 6.0,
    }
    card = score_staff(staff_rows("S1", "lobby_manager", values), scheme, Q)
    k = card.kpis.set_index("kpi")
    assert k.loc["complaint_count", "zero_filled"]
    assert k.loc["complaint_count", "value"] == 0.0
    assert k.loc["complaint_count", "status"] == STATUS_MET
    assert not card.people.iloc[0]["reweighted"]


# ---------------------------------------------------------- training needs


def test_training_needs_weakest_first_ties_by_weight(scheme):
    values = dict(
        CSR_AT_TARGET,
        service_level=0.70,  # score 0, weight 0.10
        cross_sales_per_month=2.5,  # score 50, weight 0.20
        response_time_seconds=270.0,
    )  # score 50, weight 0.15
    card = score_staff(staff_rows("S1", CSR, values), scheme, Q)
    tr = card.training
    assert tr["kpi"].tolist() == ["service_level", "cross_sales_per_month", "response_time_seconds"]
    assert tr["priority"].tolist() == [1, 2, 3]
    assert tr["topic_en"].iloc[1] == "Product marketing and cross-selling"
    assert tr["topic_zh"].iloc[1] == "产品营销与交叉销售"
    assert card.people.iloc[0]["training_needs"].startswith("Peak-time contact handling; ")


def test_training_needs_exclude_met_and_insufficient(scheme):
    values = dict(CSR_AT_TARGET, satisfaction_rate=(0.5, 10))  # below target but n < 30
    card = score_staff(staff_rows("S1", CSR, values), scheme, Q)
    assert card.training.empty
    assert card.people.iloc[0]["training_needs"] == ""


# ------------------------------------------------------------- roster


def test_staff_table_adds_names_and_people_without_data(scheme):
    staff = pd.DataFrame(
        {
            "staff_id": ["S1", "S2", "S3"],
            "staff_name": ["王芳", "李雷", "张伟"],
            "branch_id": ["B1", "B1", "B2"],
            "role": [CSR, "teller", "data_analyst"],
            "counter_type": None,
        }
    )
    branches = pd.DataFrame(
        {
            "branch_id": ["B1", "B2"],
            "branch_name": ["东城支行", "西城支行"],
            "region": ["North", "South"],
            "branch_type": "standard",
        }
    )
    d = scheme.to_dict()
    d["roles"]["data_analyst"] = {"scored": False}  # a bank that does not score analysts
    unscored = Scheme.from_dict(d)
    card = score_staff(staff_rows("S1", CSR, CSR_AT_TARGET), unscored, Q, staff, branches=branches)
    p = card.people.set_index("staff_id")
    assert p.loc["S1", "staff_name"] == "王芳" and p.loc["S1", "branch_name"] == "东城支行"
    assert p.loc["S2", "n_kpis"] == 10 and not p.loc["S2", "gradable"]  # teller, no data
    assert p.loc["S2", "note"].startswith("Insufficient data to grade")
    assert p.loc["S3", "region"] == "South"
    assert "not scored individually" in p.loc["S3", "note"]
    assert card.n_staff == 3 and card.n_graded == 1


def test_posts_without_scorecard_weights_are_listed_not_scored(scheme):
    """理财经理, 理财顾问, 大堂副理 (003's posts) have no KPIs in the sources: the default scheme lists
    them as not scored individually; a scheme without their entry warns and lists them; a bank that
    gives weights scores them by its rule."""
    from bankperf_analysis.exceptions import BankPerfWarning

    staff = pd.DataFrame(
        {
            "staff_id": ["S1", "W1", "F1", "D1"],
            "staff_name": ["王芳", "李雷", "张伟", "赵敏"],
            "branch_id": "B1",
            "role": [CSR, "wealth_manager", "financial_advisor", "deputy_lobby_manager"],
            "counter_type": None,
        }
    )
    branches = pd.DataFrame({"branch_id": ["B1"], "branch_name": ["东城支行"], "region": ["North"]})
    branches["branch_type"] = "wealth_center"
    kpis = cat(
        staff_rows("S1", CSR, CSR_AT_TARGET),
        staff_rows("W1", "wealth_manager", {"cross_sales_per_month": 4.0}, n=3),
    )
    card = score_staff(kpis, scheme, Q, staff, branches=branches)
    p = card.people.set_index("staff_id")
    for sid in ("W1", "F1", "D1"):
        assert not p.loc[sid, "gradable"] and p.loc[sid, "n_kpis"] == 0
        assert "not scored individually" in p.loc[sid, "note"]
    assert card.n_staff == 4 and card.n_graded == 1
    # a scheme without an entry for the role: a warning, and the person listed as not scored
    d = scheme.to_dict()
    del d["roles"]["financial_advisor"]
    with pytest.warns(BankPerfWarning, match="financial_advisor"):
        card = score_staff(kpis, Scheme.from_dict(d), Q, staff, branches=branches)
    p = card.people.set_index("staff_id")
    assert "has no entry in the scheme" in p.loc["F1", "note"] and not p.loc["F1", "gradable"]
    # a bank scoring wealth managers on cross-sales (target 5, floor 0): 4 -> 80 points
    d["roles"]["wealth_manager"] = {
        "scored": True,
        "kpis": {"cross_sales_per_month": {"target": 5, "floor": 0, "weight": 1.0, "min_n": 0}},
    }
    with pytest.warns(BankPerfWarning):
        card = score_staff(kpis, Scheme.from_dict(d), Q, staff, branches=branches)
    p = card.people.set_index("staff_id")
    assert p.loc["W1", "gradable"] and p.loc["W1", "composite_score"] == pytest.approx(80.0)


def test_row_order_does_not_change_results(scheme):
    kpis = cat(
        staff_rows("S1", CSR, CSR_AT_TARGET),
        staff_rows("S2", CSR, dict(CSR_AT_TARGET, service_level=0.8)),
        staff_rows("S3", "teller", {"satisfaction_rate": 0.85, "cash_error_rate": 0.0005}),
    )
    a = score_staff(kpis, scheme, Q).people.set_index("staff_id").sort_index()
    b = (
        score_staff(kpis.sample(frac=1, random_state=np.random.default_rng(3)), scheme, Q)
        .people.set_index("staff_id")
        .sort_index()
    )
    pd.testing.assert_frame_equal(a, b)


def test_other_quarters_and_levels_are_ignored(scheme):
    kpis = cat(
        staff_rows("S1", CSR, CSR_AT_TARGET),
        staff_rows("S1", CSR, {"satisfaction_rate": 0.1}, period="2026Q2"),
        branch_rows("B1", {"satisfaction_rate": 0.1}),
    )
    card = score_staff(kpis, scheme, Q)
    assert card.people["composite_score"].tolist() == [100.0]


def test_bad_inputs(scheme):
    with pytest.raises(ParamsError, match="'quarter' parameter of score_staff"):
        score_staff(staff_rows("S1", CSR, CSR_AT_TARGET), scheme, "2026-07")
    dup = cat(staff_rows("S1", CSR, CSR_AT_TARGET), staff_rows("S1", CSR, {"service_level": 1}))
    with pytest.raises(DataValidationError, match="one row per"):
        score_staff(dup, scheme, Q)
    with pytest.raises(DataValidationError, match="'n'"):
        score_staff(staff_rows("S1", CSR, CSR_AT_TARGET).drop(columns="n"), scheme, Q)


def test_summary_renders(scheme):
    values = dict(CSR_AT_TARGET, service_level=0.7, cross_sales_per_month=2.5)  # 100-10-10
    card = score_staff(staff_rows("S1", CSR, values), scheme, Q)
    text = card.summary().as_text()
    assert "Staff scorecard 2026Q3" in text and "Total bonus" in text
    assert "Peak-time contact handling" in text
    assert "<table" in card.summary()._repr_html_()
    assert card.grade_counts().to_dict() == {"excellent": 0, "good": 1, "pass": 0, "needs_improvement": 0}


# ------------------------------------------------------------- branches


def checks_of(card, check="mystery_shopper"):
    return card.checks[card.checks["check"] == check].set_index("branch_id")


def test_mystery_shopper_band_edges(scheme):
    scores = {"B1": 95.0, "B2": 90.0, "B3": 85.0, "B4": 84.99, "B5": 80.0, "B6": 79.99}
    kpis = cat(*[branch_rows(b, {"mystery_shopper_score": s}) for b, s in scores.items()])
    card = score_branches(kpis, scheme, Q)
    c = checks_of(card)
    assert c["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert c["reward"].tolist() == [True, True, False, False, False, False]  # exactly 90 counts
    assert c["pay_cut"].tolist() == ["none", "none", "none", "cut", "cut", "heavier_cut"]
    assert c["recheck"].tolist() == [False, False, False, True, True, True]  # 85 not re-checked
    assert c["pay_cut_share"].tolist() == [0.0, 0.0, 0.0, 0.05, 0.05, 0.10]
    assert "below 85 -> pay cut" in c.loc["B4", "reason"]
    assert "re-check next period" in c.loc["B4", "reason"]
    assert "heavier pay cut (10 %" in c.loc["B6", "reason"]
    cc = card.consequences()  # one check: one branch per check result
    assert (cc.rewards.value, cc.pay_cuts.value, cc.heavier_pay_cuts.value, cc.rechecks.value) == (2, 3, 1, 3)
    assert cc.pay_cuts.unit == "branches"
    b = card.branches.set_index("branch_id")
    assert b.loc["B5", "mystery_shopper_pay_cut"] == "cut"
    assert b.loc["B5", "pay_cut_share_total"] == 0.05


def test_top_five_rule_sixth_branch_gets_no_reward(scheme):
    scores = [99.0, 98.0, 97.0, 96.0, 95.0, 94.0]
    kpis = cat(*[branch_rows(f"B{i}", {"mystery_shopper_score": s}) for i, s in enumerate(scores, start=1)])
    c = checks_of(score_branches(kpis, scheme, Q))
    assert c["reward"].tolist() == [True] * 5 + [False]
    assert "not in the top 5 -> no reward" in c.loc["B6", "reason"]


def test_ties_share_the_better_rank(scheme):
    scores = [99.0, 98.0, 97.0, 96.0, 95.0, 95.0, 92.0]
    kpis = cat(*[branch_rows(f"B{i}", {"mystery_shopper_score": s}) for i, s in enumerate(scores, start=1)])
    c = checks_of(score_branches(kpis, scheme, Q))
    assert c["rank"].tolist() == [1, 2, 3, 4, 5, 5, 7]
    assert c["reward"].tolist() == [True] * 6 + [False]


def test_rank_within_region(scheme):
    d = scheme.to_dict()
    d["branch_checks"]["mystery_shopper"]["rank_within"] = "region"
    d["branch_checks"]["mystery_shopper"]["reward"]["top_n"] = 1
    s = Scheme.from_dict(d)
    kpis = cat(
        branch_rows("B1", {"mystery_shopper_score": 99.0}, region="North"),
        branch_rows("B2", {"mystery_shopper_score": 95.0}, region="North"),
        branch_rows("B3", {"mystery_shopper_score": 93.0}, region="South"),
    )
    c = checks_of(score_branches(kpis, s, Q))
    assert c["rank"].tolist() == [1, 2, 1]
    assert c["reward"].tolist() == [True, False, True]


def test_video_check_bands_and_no_reward(scheme):
    scores = {"B1": 99.0, "B2": 85.0, "B3": 84.99, "B4": 80.0, "B5": 79.99}
    kpis = cat(*[branch_rows(b, {"video_check_score": s}) for b, s in scores.items()])
    card = score_branches(kpis, scheme, Q)
    c = checks_of(card, "video_check")
    assert not c["reward"].any()
    assert c["pay_cut"].tolist() == ["none", "none", "cut", "cut", "heavier_cut"]
    assert c["recheck"].tolist() == [False, False, True, True, True]
    # no mystery-shopper score at all: no flags, and the reason says so
    ms = checks_of(card)
    assert not ms["reward"].any() and ms["pay_cut"].eq("none").all()
    assert ms["reason"].str.contains("no score in the period").all()


def test_branch_with_both_cuts_adds_the_shares(scheme):
    kpis = branch_rows("B1", {"mystery_shopper_score": 79.0, "video_check_score": 84.0})
    b = score_branches(kpis, scheme, Q).branches.iloc[0]
    assert b["pay_cut_share_total"] == pytest.approx(0.15)
    assert b["recheck"]


def test_branch_kpis_against_branch_targets(scheme):
    kpis = branch_rows(
        "B1", {"satisfaction_rate": (0.85, 200), "churn_rate": (0.03, 480), "mystery_shopper_score": 90.0}
    )
    # churn's target is per year: the quarter (3 %) is compared with it year-to-date (12 %)
    kpis = cat(kpis, branch_rows("B1", {"churn_rate": (0.12, 500)}, period_type="year_to_date"))
    card = score_branches(kpis, scheme, Q)
    k = card.kpis.set_index("kpi")
    assert k.loc["satisfaction_rate", "status"] == STATUS_MET  # 85 % branch target
    assert k.loc["churn_rate", "status"] == STATUS_BELOW
    assert k.loc["churn_rate", "score"] == pytest.approx(60.0)  # (0.12-0.15)/(0.10-0.15)
    assert k.loc["churn_rate", "basis"] == "year_to_date"
    assert k.loc["queue_wait_seconds", "status"] == STATUS_NO_DATA
    assert "Branch scorecard" in card.summary().as_text()


# --------------------------------------------------------------- annual


def test_annual_promotion_needs_three_excellent_quarters(qual):
    a = [cm("A", x, period=f"2026Q{i}") for i, x in enumerate([95, 92, 91, 85], start=1)]
    b = [cm("B", x, period=f"2026Q{i}") for i, x in enumerate([95, 95, 85, 85], start=1)]
    summ = annual_summary(cat(*a, *b), qual, "2026")
    s = summ.staff.set_index("staff_id")
    assert s.loc["A", "n_excellent_quarters"] == 3 and s.loc["A", "promotion_candidate"]
    assert s.loc["B", "n_excellent_quarters"] == 2 and not s.loc["B", "promotion_candidate"]
    assert s.loc["A", "q4_grade"] == "good" and s.loc["A", "q1_composite"] == 95.0
    assert s.loc["A", "annual_composite"] == pytest.approx((95 + 92 + 91 + 85) / 4)
    assert s.loc["B", "annual_composite"] == 90.0 and s.loc["B", "annual_grade"] == "excellent"
    # 2,000 per excellent quarter, 1,000 per good one (the default coefficient bonus, issue 13)
    assert s.loc["A", "total_bonus_yuan"] == 7000.0 and s.loc["B", "total_bonus_yuan"] == 6000.0
    assert summ.total_bonus_yuan == 13000.0 and summ.n_promotion_candidates == 1
    assert "Promotion candidates" in summ.summary().as_text()


def test_annual_composite_is_mean_of_existing_quarters(qual):
    frames = [cm("A", 90.0, period="2026Q1"), cm("A", 70.0, period="2026Q2")]
    s = annual_summary(cat(*frames), qual, 2026).staff.iloc[0]
    assert s["annual_composite"] == 80.0 and s["n_graded_quarters"] == 2
    assert pd.isna(s["q3_grade"]) and pd.isna(s["q4_grade"])


def test_excellent_branch_needs_top_three_and_mean_90(scheme):
    means = {"B1": 95.0, "B2": 93.0, "B3": 91.0, "B4": 90.5, "B5": 70.0}
    kpis = cat(
        *[
            branch_rows(b, {"mystery_shopper_score": (m, 4)}, period="2026", period_type="year")
            for b, m in means.items()
        ],
        *[branch_rows(b, {"mystery_shopper_score": m}) for b, m in means.items()],
    )
    br = annual_summary(kpis, scheme, 2026).branches.set_index("branch_id")
    assert br["mystery_shopper_annual_rank"].tolist() == [1, 2, 3, 4, 5]
    assert br["excellent_branch"].tolist() == [True, True, True, False, False]


def test_top_three_below_90_is_not_excellent(scheme):
    means = {"B1": 95.0, "B2": 89.99, "B3": 70.0}
    kpis = cat(
        *[
            branch_rows(b, {"mystery_shopper_score": (m, 4)}, period="2026", period_type="year")
            for b, m in means.items()
        ]
    )
    summ = annual_summary(kpis, scheme, 2026)
    assert summ.branches.set_index("branch_id")["excellent_branch"].tolist() == [True, False, False]
    assert summ.n_excellent_branches == 1


def test_annual_mean_without_year_rows_weights_quarters_by_checks(scheme):
    # B1: one check of 92 in Q1, three checks averaging 88 in Q2 -> mean of checks 89, not 90
    kpis = cat(
        branch_rows("B1", {"mystery_shopper_score": (92.0, 1)}, period="2026Q1"),
        branch_rows("B1", {"mystery_shopper_score": (88.0, 3)}, period="2026Q2"),
        branch_rows("B2", {"mystery_shopper_score": (91.0, 2)}, period="2026Q1"),
    )
    br = annual_summary(kpis, scheme, 2026).branches.set_index("branch_id")
    assert br.loc["B1", "mystery_shopper_annual_mean"] == pytest.approx(89.0)
    assert br.loc["B1", "mystery_shopper_annual_n"] == 4
    assert not br.loc["B1", "excellent_branch"] and br.loc["B2", "excellent_branch"]
    assert br.loc["B1", "pay_cut_quarters"] == 0 and br.loc["B1", "recheck_quarters"] == 0


# ------------------------------------------------- a second method on a whole bank


def _reference_person(rule_list, vals, scheme):
    """Score one person the plain way: one KPI at a time, as domain.md describes it."""
    from bankperf_analysis.scheme import KNOWN_KPIS

    scored, w_all = [], 0.0
    for r in rule_list:
        w_all += r.weight
        v, n = vals.get(r.kpi, (math.nan, math.nan))
        if math.isnan(n) and KNOWN_KPIS[r.kpi].zero_if_absent and vals:
            v, n = 0.0, 0.0  # an event count without a row is zero
        if math.isnan(v) or n < r.min_n:
            continue
        tol = 1e-9 * max(1.0, abs(r.target))
        met = v >= r.target - tol if r.direction == "higher" else v <= r.target + tol
        if met:
            s = 100.0
        elif r.rule == "pass_fail":
            s = 0.0
        else:
            s = min(max((v - r.floor) / (r.target - r.floor), 0.0), 1.0) * 100.0
        scored.append((r.weight, s))
    w = sum(wt for wt, _ in scored)
    if not scored or w / w_all < scheme.scoring.min_scorable_weight_share - 1e-9:
        return None, None, 0.0
    composite = sum(wt * s for wt, s in scored) / w
    grade = next(b.grade for b in scheme.grades if b.contains(round(composite, 9)))
    return composite, grade, scheme.money.bonus(grade)


def test_staff_scores_match_a_plain_per_person_loop(tiny_bank, scheme):
    """The vectorised scorecard against a loop over people and KPIs (independent code path)."""
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.metrics.compute import compute_kpis

    with load_dataset(tiny_bank) as ds:
        kpis = compute_kpis(ds, period_types=("quarter",))
        staff = ds.table("staff")
    roles = {r.name: r for r in scheme.roles}
    checked = 0
    for quarter in ("2025Q4", "2026Q3"):
        sc = score_staff(kpis, scheme, quarter, staff=staff)
        card = sc.people.set_index("staff_id")
        rows = kpis[(kpis["level"] == "staff") & (kpis["period"] == quarter)]
        # in post fewer than the minimum days: listed apart, not scored (test_employment.py)
        rows = rows[~rows["entity_id"].isin(sc.not_in_post["staff_id"])]
        for sid, g in rows.groupby("entity_id"):
            role = roles.get(g["role"].iloc[0])
            if role is None or not role.scored:
                assert not card.loc[sid, "gradable"]
                continue
            vals = {k: (v, float(n)) for k, v, n in zip(g["kpi"], g["value"], g["n"], strict=True)}
            composite, grade, bonus = _reference_person(role.kpis, vals, scheme)
            got = card.loc[sid]
            if composite is None:
                assert not got["gradable"] and math.isnan(got["composite_score"]), sid
            else:
                assert got["composite_score"] == pytest.approx(composite, abs=1e-8), sid
                assert (got["grade"], got["bonus_yuan"]) == (grade, bonus), sid
            checked += 1
    assert checked > 50  # the comparison covered the bank, not a handful of people

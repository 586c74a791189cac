"""The scheme: the shipped defaults, the typed model, and clear validation errors."""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import (
    KNOWN_KPIS,
    KNOWN_ROLES,
    Scheme,
    default_scheme_path,
    load_scheme,
)

REPO = Path(__file__).resolve().parents[1]
CANONICAL = REPO / "params" / "scheme.yaml"


@pytest.fixture(scope="module")
def scheme() -> Scheme:
    return load_scheme()


@pytest.fixture
def d(scheme) -> dict:
    return copy.deepcopy(scheme.to_dict())


def raises(d: dict, *fragments: str, source: str = "params/scheme.yaml") -> str:
    with pytest.raises(ParamsError) as info:
        Scheme.from_dict(d, source=source)
    msg = str(info.value)
    assert source in msg, msg
    for f in fragments:
        assert f in msg, f"{f!r} not in: {msg}"
    return msg


# ------------------------------------------------------------ the shipped file


def test_default_scheme_is_the_one_in_params():
    """One copy in git: a checkout reads params/scheme.yaml itself (the wheel test checks the
    installed copy is byte-identical)."""
    assert default_scheme_path() == CANONICAL
    assert not (REPO / "bankperf_analysis" / "scheme" / "default.yaml").exists()
    assert load_scheme() == load_scheme(CANONICAL)


@pytest.mark.parametrize("path", sorted((REPO / "params").glob("scheme*.yaml")), ids=lambda p: p.name)
def test_every_scheme_file_validates(path):
    s = load_scheme(path)
    assert s.source == str(path)
    assert Scheme.from_dict(s.to_dict()) == s


def test_defaults_from_domain(scheme):
    cs = scheme.role("customer_service_rep")
    assert cs.kpi("satisfaction_rate").target == 0.90
    assert cs.kpi("response_time_seconds").target == 180
    assert cs.kpi("response_time_seconds").direction == "lower"
    assert cs.kpi("resolution_rate").target == 0.95
    assert cs.kpi("complaint_closed_on_time_rate").target == 1.0
    assert cs.kpi("cross_sales_per_month").target == 5
    assert cs.kpi("service_level").target == 0.95
    assert cs.kpi("satisfaction_rate").min_n == 30
    assert scheme.role("teller").kpi("volume_vs_baseline").target == 1.0
    assert scheme.role("customer_manager").kpi("risk_incidents").rule == "pass_fail"
    branch = {k.kpi: k for k in scheme.branch.kpis}
    assert branch["satisfaction_rate"].target == 0.85
    assert branch["mystery_shopper_score"].target == 90
    assert branch["churn_rate"].target == 0.10
    assert [(b.grade, b.low, b.high) for b in scheme.grades] == [
        ("excellent", 90, None),
        ("good", 80, 90),
        ("pass", 60, 80),
        ("needs_improvement", None, 60),
    ]
    # coefficient bonus (issue 13): 2,000 yuan tops the scale (000); good x 0.5 is a bank default
    assert scheme.money.bonus("excellent") == 2000 and scheme.money.bonus("good") == 1000
    assert scheme.money.bonus("pass") == 0 and scheme.money.deduction("needs_improvement") == 500
    assert scheme.promotion.grade == "excellent" and scheme.promotion.min_quarters == 3
    assert scheme.scoring.min_scorable_weight_share == 0.5
    ms = scheme.check("mystery_shopper")
    assert (ms.reward.top_n, ms.reward.min_score) == (5, 90)
    assert (ms.pay_cut.below, ms.pay_cut.share) == (85, 0.05)
    assert (ms.heavier_pay_cut.below, ms.heavier_pay_cut.share) == (80, 0.10)
    assert ms.recheck_below == 85
    assert (ms.excellent_branch.annual_mean_min, ms.excellent_branch.top_n) == (90, 3)
    vc = scheme.check("video_check")
    assert vc.reward is None and vc.pay_cut.below == 85 and vc.heavier_pay_cut.below == 80


def test_definitions_and_360_weights_for_metrics(scheme):
    d = scheme.definitions
    assert (
        d.satisfied_threshold,
        d.service_level_seconds,
        d.complaint_deadline_hours,
        d.volume_baseline_per_month,
    ) == (8, 30, 24, 1000)
    assert scheme.rater_weights("customer_manager") == {
        "supervisor": 0.4,
        "peer": 0.3,
        "customer": 0.2,
        "self": 0.1,
    }
    assert scheme.rater_weights("teller") == {}


def test_staffing_defaults(scheme):
    st = scheme.staffing
    assert st.shrinkage == 0.30 and st.salary_per_fte_yuan_per_year == 120000
    assert st.yuan_per_satisfaction_point_per_year == 100000
    # 003 措施(二)1: "包括大堂经理、客户经理、理财经理、非现金柜员在内的专业化团队"
    assert st.sales_roles == ("lobby_manager", "customer_manager", "wealth_manager", "non_cash_teller")
    assert st.service_level_target == 0.95 and st.max_mean_response_seconds == 180


# 003 措施(二)(2), written out by hand: "所有网点至少配备专职大堂经理和非现金柜员各1名,精品网点至少增配1名
# 个人客户经理,理财中心和营业部至少增配1名理财参谋[理财顾问]和1名大堂副理" (the 理财中心/营业部 customer
# manager: "精品以上" read as a ladder).
MINIMUM_POSTS_003 = {
    "standard": {"lobby_manager": 1, "non_cash_teller": 1},
    "community": {"lobby_manager": 1, "non_cash_teller": 1},
    "flagship": {"lobby_manager": 1, "non_cash_teller": 1, "customer_manager": 1},
    "wealth_center": {
        "lobby_manager": 1,
        "non_cash_teller": 1,
        "customer_manager": 1,
        "financial_advisor": 1,
        "deputy_lobby_manager": 1,
    },
    "business_department": {
        "lobby_manager": 1,
        "non_cash_teller": 1,
        "customer_manager": 1,
        "financial_advisor": 1,
        "deputy_lobby_manager": 1,
    },
}


def test_minimum_posts_default_is_003(scheme, d):
    mp = scheme.staffing.minimum_posts
    assert {bt: mp.for_type(bt) for bt in MINIMUM_POSTS_003} == MINIMUM_POSTS_003
    # a scheme written before the key existed gets 003's rules (and keeps its dict and hash)
    assert "minimum_posts" not in d["staffing"]
    old = Scheme.from_dict(d).staffing.minimum_posts
    assert {bt: old.for_type(bt) for bt in MINIMUM_POSTS_003} == MINIMUM_POSTS_003


def test_the_scheme_changes_the_minimum_posts(d):
    d["staffing"]["minimum_posts"] = {
        "every_branch": {"lobby_manager": 2},
        "community": {"teller": 1, "non_cash_teller": 1},
    }
    mp = Scheme.from_dict(d).staffing.minimum_posts
    assert mp.for_type("community") == {"lobby_manager": 2, "teller": 1, "non_cash_teller": 1}
    assert mp.for_type("flagship") == {"lobby_manager": 2}  # types not listed add nothing
    assert Scheme.from_dict(d).params_hash != load_scheme().params_hash


def test_minimum_posts_errors(d):
    d["staffing"]["minimum_posts"] = {"every_branch": {"lobby_manager": 1}, "boutique": {"teller": 1}}
    raises(d, "staffing.minimum_posts", "unknown key 'boutique'", "wealth_center")
    d["staffing"]["minimum_posts"] = {"every_branch": {"wealth_advisor": 1}}
    raises(d, "staffing.minimum_posts.every_branch", "'wealth_advisor'", "'financial_advisor'")
    d["staffing"]["minimum_posts"] = {"every_branch": {"lobby_manager": 1.5}}
    raises(d, "staffing.minimum_posts.every_branch.lobby_manager", "an integer >= 0", "1.5")
    d["staffing"]["minimum_posts"] = {"flagship": {"customer_manager": 1}}
    raises(d, "staffing.minimum_posts", "must have the key 'every_branch'")


def test_sales_roles_are_posts_that_do_not_overlap(d):
    d["staffing"]["sales_roles"] = ["teller", "non_cash_teller"]
    raises(d, "staffing.sales_roles[1]", "'non_cash_teller' is a 'teller'")
    d["staffing"]["sales_roles"] = ["cashier"]
    raises(d, "staffing.sales_roles[0]", "'non_cash_teller'")
    d["staffing"]["sales_roles"] = ["teller", "customer_service_rep"]  # a bank's own choice loads
    assert Scheme.from_dict(d).staffing.sales_roles == ("teller", "customer_service_rep")


def test_structure(scheme):
    for role in scheme.roles:
        assert role.name in KNOWN_ROLES
        if role.scored:
            assert sum(k.weight for k in role.kpis) == pytest.approx(1, abs=1e-9)
            for k in role.kpis:
                assert KNOWN_KPIS[k.kpi].staff_level or k.scored_on == "team"
                assert k.kpi in scheme.training_topics, f"no training topic for {k.kpi}"
    assert set(scheme.scored_roles) == {
        "customer_service_rep",
        "teller",
        "customer_manager",
        "lobby_manager",
        "service_manager",  # on the team's KPIs (issue 13)
        "data_analyst",
    }
    assert scheme.training_topic("satisfaction_rate").zh == "客户沟通与服务礼仪"


def test_yaml_marks_own_choices():
    text = CANONICAL.read_text(encoding="utf-8")
    assert text.count("bank-specific default, not from the sources") >= 10


def test_grade_of(scheme):
    assert [scheme.grade_of(x) for x in (100, 90, 89.999, 80, 60, 59.99, 0)] == [
        "excellent",
        "excellent",
        "good",
        "good",
        "pass",
        "needs_improvement",
        "needs_improvement",
    ]
    assert scheme.grade_of(float("nan")) is None


# ------------------------------------------------------------------ the hash


def test_params_hash_is_stable_and_ignores_formatting(scheme, tmp_path):
    h = scheme.params_hash()
    assert re.fullmatch(r"[0-9a-f]{64}", h)
    assert load_scheme(CANONICAL).params_hash() == h  # source is not part of the hash
    # same content, other key order, no comments -> same hash
    d = scheme.to_dict()
    shuffled = {k: d[k] for k in reversed(list(d))}
    p = tmp_path / "s.yaml"
    p.write_text(yaml.safe_dump(shuffled, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert load_scheme(p).params_hash() == h


def test_params_hash_changes_with_content(d, scheme):
    d["money"]["bonus"]["base_yuan"] = 2500
    assert Scheme.from_dict(d).params_hash() != scheme.params_hash()


# ------------------------------------------------------------------- errors


def test_error_template_for_a_bad_weight(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = "abc"
    msg = raises(d)
    assert msg == (
        "The 'weight' of KPI 'satisfaction_rate' for role 'teller' in params/scheme.yaml "
        "(key roles.teller.kpis.satisfaction_rate.weight) must be a number in [0, 1]. "
        "Got 'abc' instead."
    )


def test_unknown_kpi(d):
    d["roles"]["teller"]["kpis"]["satisfacton_rate"] = d["roles"]["teller"]["kpis"].pop("satisfaction_rate")
    raises(d, "roles.teller.kpis.satisfacton_rate", "known KPI", "did you mean 'satisfaction_rate'")


def test_unknown_role(d):
    d["roles"]["cashier"] = d["roles"].pop("teller")
    raises(d, "roles.cashier", "must be a known role", "'cashier'")


def test_branch_only_kpi_for_a_role(d):
    d["roles"]["teller"]["kpis"]["churn_rate"] = d["roles"]["teller"]["kpis"].pop("complaint_count") | {
        "target": 0.1,
        "floor": 0.2,
    }
    # churn has no staff-level value: a role can be scored on it only on the team's value
    raises(d, "roles.teller.kpis.churn_rate.scored_on", "staff-level value", "Got 'own' instead")
    d["roles"]["teller"]["kpis"]["churn_rate"]["scored_on"] = "team"
    assert Scheme.from_dict(d).role("teller").kpi("churn_rate").scored_on == "team"


def test_weights_summing_to_0_9(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = 0.05  # 0.15 -> 0.05
    raises(d, "roles.teller.kpis.*.weight", "sum", "to 1", "Got 0.9 instead")


def test_weights_within_tolerance_pass(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = 0.15 + 5e-10
    Scheme.from_dict(d)


def test_overlapping_bands(d):
    d["grades"][0]["low"] = 85
    raises(d, "key grades", "overlap", "'excellent'", "'good'", "[80, 90)")


def test_gap_in_bands(d):
    d["grades"][1]["low"] = 81  # good [81, 90) leaves [80, 81) ungraded
    raises(d, "key grades", "gap", "'good'", "'pass'")


def test_bands_must_cover_100(d):
    d["grades"][0]["high"] = 100
    raises(d, "key grades", "up to and including 100")


def test_band_low_not_below_high(d):
    d["grades"][1]["high"] = 80
    raises(d, "grades[1].high", "greater than its low 80")


def test_duplicate_grade_names(d):
    d["grades"][1]["grade"] = "excellent"
    raises(d, "grades[1].grade", "unique")


def test_target_outside_range(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["target"] = 1.2
    raises(d, "roles.teller.kpis.satisfaction_rate.target", "[0, 1]", "Got 1.2")


def test_floor_on_the_wrong_side_higher_is_better(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["floor"] = 0.95
    raises(d, "roles.teller.kpis.satisfaction_rate.floor", "below the target 0.9")


def test_floor_on_the_wrong_side_lower_is_better(d):
    d["roles"]["customer_service_rep"]["kpis"]["response_time_seconds"]["floor"] = 120
    raises(d, "roles.customer_service_rep.kpis.response_time_seconds.floor", "above the target 180")


def test_direction_must_match_the_catalogue(d):
    d["roles"]["customer_service_rep"]["kpis"]["response_time_seconds"]["direction"] = "higher"
    raises(d, "response_time_seconds.direction", "'lower'")


def test_linear_rule_needs_a_floor(d):
    del d["roles"]["teller"]["kpis"]["satisfaction_rate"]["floor"]
    raises(d, "roles.teller.kpis.satisfaction_rate.floor", "required by the linear rule")


def test_unknown_key_is_a_typo(d):
    kp = d["roles"]["teller"]["kpis"]["satisfaction_rate"]
    kp["wieght"] = kp.pop("weight")
    raises(d, "roles.teller.kpis.satisfaction_rate", "unknown key 'wieght'", "did you mean 'weight'")


def test_missing_section(d):
    del d["grades"]
    raises(d, "must have the key 'grades'")


def test_rater_weights_must_sum_to_1(d):
    d["roles"]["customer_manager"]["review_360"]["rater_weights"]["self"] = 0.2
    raises(d, "roles.customer_manager.review_360.rater_weights", "sum", "Got 1.1 instead")


def test_heavier_cut_must_be_stricter(d):
    d["branch_checks"]["mystery_shopper"]["heavier_pay_cut"]["below"] = 88
    raises(d, "branch_checks.mystery_shopper.heavier_pay_cut.below", "at most")


def test_bonus_for_unknown_grade(d):
    d["money"] = {"bonus_by_grade": {"excellent": 2000}}  # the fixed form (issue 13: or a coefficient)
    d["money"]["bonus_by_grade"]["outstanding"] = 5000
    raises(d, "money.bonus_by_grade.outstanding", "'excellent'")


@pytest.mark.parametrize("amount", [1500.5, -100, "2000"])
def test_bonus_is_whole_non_negative_yuan(d, amount):
    """A bonus is refused when the scheme is read, naming the key, not when the total is counted."""
    d["money"] = {"bonus_by_grade": {"excellent": amount}}  # the fixed form (issue 13: or a coefficient)
    raises(d, "money.bonus_by_grade.excellent", "whole yuan", "an integer >= 0", f"Got {amount!r}")


def test_bool_is_not_a_number(d):
    d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = True
    raises(d, "satisfaction_rate.weight", "Got True")


def test_errors_are_value_errors(d):
    d["grades"][0]["low"] = 85
    with pytest.raises(ValueError):
        Scheme.from_dict(d)


# ----------------------------------------------------------- file-level errors


def test_file_errors_name_the_file(tmp_path):
    bad = tmp_path / "bank_a.yaml"
    text = CANONICAL.read_text(encoding="utf-8").replace(
        "  satisfied_threshold: 8 ", "  satisfied_threshold: 12 "
    )
    bad.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match=r"bank_a\.yaml.*definitions\.satisfied_threshold"):
        load_scheme(bad)


def test_duplicate_yaml_keys_are_rejected(tmp_path):
    text = CANONICAL.read_text(encoding="utf-8").replace(
        "  service_level_seconds: 30 ", "  service_level_seconds: 30\n  service_level_seconds: 20 "
    )
    p = tmp_path / "dup.yaml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(ParamsError, match="'service_level_seconds' appears twice.*dup.yaml"):
        load_scheme(p)


def test_invalid_yaml(tmp_path):
    p = tmp_path / "broken.yaml"
    p.write_text("roles: [unclosed\n", encoding="utf-8")
    with pytest.raises(ParamsError, match="broken.yaml is not valid YAML"):
        load_scheme(p)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_scheme(tmp_path / "nope.yaml")

"""Bonus by grade coefficient, pools shared in whole yuan, pay deductions, and the scheme's keys.

A pool is shared by coefficient with the largest-remainder method: whole yuan that sum exactly to
the pool, the spare yuan to the largest remainders, ties by staff id (never by row order). Every
refusal of the scheme names its key.
"""

from __future__ import annotations

import copy
import random
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from paybank import Q, write_bank

from bankperf_analysis.cli import main
from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import quarter_scorecards
from bankperf_analysis.scorecard.pay import share_pool

# ------------------------------------------------------------------ share_pool


def test_a_pool_that_does_not_divide_evenly_sums_exactly():
    assert share_pool(1000, [1, 1, 1], ["A", "B", "C"]) == [334, 333, 333]
    assert share_pool(10, [1, 1, 1], ["A", "B", "C"]) == [4, 3, 3]


def test_ties_in_remainders_go_by_staff_id_not_row_order():
    # equal coefficients: the one spare yuan goes to the smallest id wherever it stands
    assert share_pool(1000, [1, 1, 1], ["S3", "S1", "S2"]) == [333, 334, 333]
    assert share_pool(1001, [1, 1, 1], ["S3", "S1", "S2"]) == [333, 334, 334]


def test_the_largest_remainder_wins_before_the_id():
    # 100 x 0.5/1.5 = 33.33 and 100 x 1/1.5 = 66.67: the spare yuan to the larger remainder
    assert share_pool(100, [1.0, 0.5], ["B", "A"]) == [67, 33]


def test_one_person_takes_the_whole_pool_and_zero_coefficients_get_nothing():
    assert share_pool(9_999, [0.5], ["A"]) == [9_999]
    assert share_pool(100, [1, 0, 1], ["A", "B", "C"]) == [50, 0, 50]
    assert share_pool(100, [0, 0], ["A", "B"]) == [0, 0]  # nobody to share it with


def test_random_pools_sum_exactly_and_each_share_is_within_a_yuan_of_its_quota():
    rng = random.Random(7)
    for _ in range(300):
        n = rng.randint(1, 40)
        coef = [rng.choice([0, 0.2, 0.5, 1.0, 1.2, 1.5]) for _ in range(n)]
        if not any(coef):
            continue
        amount = rng.randint(0, 1_000_000)
        shares = share_pool(amount, coef, [f"S{i:03d}" for i in range(n)])
        assert sum(shares) == amount and all(isinstance(s, int) for s in shares)
        total = sum(Fraction(str(c)) for c in coef)
        for s, c in zip(shares, coef, strict=True):
            assert abs(s - amount * Fraction(str(c)) / total) < 1  # the whole part, or one more


# ------------------------------------------------------------------ on a crafted bank


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    return write_bank(tmp_path_factory.mktemp("poolbank") / "bank")


def _pool_scheme(pool: dict, coef: dict | None = None) -> Scheme:
    d = load_scheme().to_dict()
    d["money"]["bonus"] = {
        "basis": "coefficient",
        "coefficient_by_grade": coef or {"excellent": 1.0, "good": 0.5},
        "pool": pool,
    }
    return Scheme.from_dict(d)


def test_a_branch_pool_per_head_sums_exactly_per_branch(bank):
    with load_dataset(bank) as ds:
        _, card, _ = quarter_scorecards(ds, Q, _pool_scheme({"per": "branch", "yuan_per_head": 1001}))
    p, pools = card.people, card.bonus_pools
    for _, g in p.groupby("branch_id"):
        assert g["bonus_yuan"].sum() == 1001 * g["grade"].notna().sum()
        assert (g["bonus_yuan"] == g["bonus_yuan"].round()).all()
    assert (pools["paid_yuan"] == pools["pool_yuan"]).all() and (pools["undistributed_yuan"] == 0).all()
    assert pools["remainder_yuan"].sum() == p["bonus_remainder_yuan"].sum() > 0
    # B1: 6 people; 4 excellent (1.0), 2 good (0.5): 6,006 x 1/5 = 1,201.2 and x 0.5/5 = 600.6;
    # whole parts sum to 6,004, the 2 spare yuan go to the two largest remainders (0.6)
    b1 = p.loc[p.branch_id == "B1"].set_index("staff_id")
    assert sorted(b1["bonus_yuan"].astype(int)) == [601, 601, 1201, 1201, 1201, 1201]
    assert b1.loc[b1["grade"] == "good", "bonus_remainder_yuan"].tolist() == [1.0, 1.0]


def test_a_role_pool_fixed_amount_with_zero_coefficients_pays_nothing(bank):
    scheme = _pool_scheme({"per": "role", "fixed_yuan": 5000}, {"excellent": 0, "good": 0})
    with load_dataset(bank) as ds:
        _, card, _ = quarter_scorecards(ds, Q, scheme)
    assert card.people["bonus_yuan"].sum() == 0
    assert card.bonus_pools["undistributed_yuan"].tolist() == [5000]


def test_the_workbook_shows_the_pools_and_how_remainders_are_shared(bank, tmp_path):
    scheme_file = tmp_path / "bank.yaml"
    import yaml

    d = _pool_scheme({"per": "branch", "yuan_per_head": 1001}).to_dict()
    scheme_file.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "hr.xlsx"
    args = ["scorecard", "--data", str(bank), "--quarter", Q, "--out", str(out), "--scheme", str(scheme_file)]
    assert main([*args, "--no-progress"]) == 0
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets["Bonus pools"]["Group"]) == {"B1", "B2"}  # the HR workbook's labels
    assert sheets["About"]["Value"].astype(str).str.contains("largest remainder").any()


def test_deductions_by_grade_are_apart_from_the_bonus(bank):
    d = load_scheme().to_dict()
    d["money"]["deduction_by_grade"] = {"good": 300}
    with load_dataset(bank) as ds:
        _, card, _ = quarter_scorecards(ds, Q, Scheme.from_dict(d))
    p = card.people.set_index("staff_id")
    assert p.loc["P_COMPLAINT", "deduction_yuan"] == 300 and p.loc["P_COMPLAINT", "bonus_yuan"] == 1000
    assert p.loc["P_CLEAN", "deduction_yuan"] == 0
    c = card.consequences()
    assert c.deduction_total.value == 300 * int((p["grade"] == "good").sum())
    assert c.bonus_total.value == int(p["bonus_yuan"].sum())


def test_a_fixed_bonus_by_grade_is_still_valid_and_reads_as_before():
    d = load_scheme().to_dict()
    del d["money"]["bonus"], d["money"]["deduction_by_grade"]
    d["money"]["bonus_by_grade"] = {"excellent": 2000}
    s = Scheme.from_dict(d)
    assert (
        s.money.bonus("excellent") == 2000 and s.money.bonus("good") == 0 and s.money.deduction("pass") == 0
    )
    assert s.to_dict()["money"] == {"bonus_by_grade": {"excellent": 2000.0}}


# ------------------------------------------------------------------ the scheme's keys


def _set(path: str, value):
    def change(d):
        *head, last = path.split(".")
        for k in head:
            d = d.setdefault(k, {})
        if value is _DEL:
            del d[last]
        else:
            d[last] = value

    return change


_DEL = object()


@pytest.mark.parametrize(
    "path, value, key",
    [
        ("scoring.adjustments.max_deduction", "ten", "scoring.adjustments.max_deduction"),
        ("scoring.adjustments.max_addition", -1, "scoring.adjustments.max_addition"),
        ("scoring.adjustments.cap", 3, "scoring.adjustments"),
        ("scoring.veto.x", {"kind": "fraud"}, "scoring.veto.x.kind"),
        ("scoring.veto.x", {"basis": "day_yuan"}, "scoring.veto.x.kind"),
        ("scoring.veto.large_cash_error.above", -1, "scoring.veto.large_cash_error.above"),
        ("scoring.veto.large_cash_error.basis", "month_yuan", "scoring.veto.large_cash_error.basis"),
        ("scoring.veto.large_cash_error.threshold", 1, "scoring.veto.large_cash_error"),
        ("scoring.veto.effective_complaint.min_count", 0, "scoring.veto.effective_complaint.min_count"),
        ("scoring.veto.Bad-Name", {"kind": "effective_complaint"}, "scoring.veto.Bad-Name"),
        ("money.bonus.coefficient_by_grade.good", 0.3333, "money.bonus.coefficient_by_grade.good"),
        ("money.bonus.coefficient_by_grade.superb", 1, "money.bonus.coefficient_by_grade.superb"),
        ("money.bonus.basis", "fixed", "money.bonus.basis"),
        ("money.bonus.base_yuan", 2000.5, "money.bonus.base_yuan"),
        ("money.bonus.pool", {"per": "region", "fixed_yuan": 1}, "money.bonus.pool.per"),
        ("money.bonus.pool", {"per": "branch"}, "money.bonus.pool"),
        ("money.bonus_by_grade", {"excellent": 2000}, "money"),
        ("money.deduction_by_grade.needs_improvement", -500, "money.deduction_by_grade.needs_improvement"),
        ("money.deduction_by_grade.needs_improvement", 500.5, "money.deduction_by_grade.needs_improvement"),
    ],
)
def test_scheme_errors_name_the_key(path, value, key):
    d = copy.deepcopy(load_scheme().to_dict())
    _set(path, value)(d)
    with pytest.raises(ParamsError) as err:
        Scheme.from_dict(d, source="bank.yaml")
    assert f"in bank.yaml (key {key})" in str(err.value)


def test_a_pool_with_a_base_is_refused_naming_the_key():
    d = load_scheme().to_dict()
    d["money"]["bonus"]["pool"] = {"per": "branch", "fixed_yuan": 1000}
    with pytest.raises(ParamsError, match=r"key money\.bonus\.base_yuan"):
        Scheme.from_dict(d, source="bank.yaml")


def test_the_new_rules_round_trip_and_change_the_params_hash():
    s = load_scheme()
    assert Scheme.from_dict(s.to_dict()) == s
    d = s.to_dict()
    d["scoring"]["veto"]["large_cash_error"]["above"] = 2500
    assert Scheme.from_dict(d).params_hash() != s.params_hash()

"""A branch pay cut shared out to the staff responsible (issue 13, item 6), in whole yuan.

``money.branch_pay_cut`` names the branch's quarterly performance pay and the roles that bear its
cut. A branch cut by its checks (mystery shopper below 85: 5 %) shares the cut equally among its
people of those roles, whole yuan summing exactly to the cut (largest remainder, ties by staff id).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from paybank import Q, write_bank

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.scheme import Scheme, load_scheme
from bankperf_analysis.scorecard import annual_summary, quarter_scorecards
from bankperf_analysis.scorecard.pay import staff_events


@pytest.fixture(scope="module")
def bank(tmp_path_factory) -> Path:
    # B1 (6 reps) is cut 5 % (82 < 85, not < 80); B2 (2 reps) is not cut (95)
    return write_bank(tmp_path_factory.mktemp("cutbank") / "bank", mystery={"B1": 82.0, "B2": 95.0})


def _scheme(pay: int, roles=("customer_service_rep",)) -> Scheme:
    d = load_scheme().to_dict()
    d["money"]["branch_pay_cut"] = {"performance_pay_yuan": pay, "roles": list(roles)}
    return Scheme.from_dict(d, source="bank.yaml")


def _cards(bank: Path, scheme: Scheme):
    with load_dataset(bank) as ds:
        _, staff, branch = quarter_scorecards(ds, Q, scheme)
    return staff, branch


def test_a_branch_cut_is_shared_in_whole_yuan_summing_exactly(bank):
    staff, branch = _cards(bank, _scheme(10_000))
    b = branch.branches.set_index("branch_id")
    assert b.loc["B1", "pay_cut_share_total"] == 0.05 and b.loc["B2", "pay_cut_share_total"] == 0
    p = staff.people.set_index("staff_id")
    b1 = p.loc[p.branch_id == "B1", "branch_cut_yuan"]
    # 500 yuan / 6 = 83.33: 83 each, the 2 spare yuan to the first two ids (equal remainders)
    assert b1.sum() == 500 and sorted(b1.astype(int)) == [83, 83, 83, 83, 84, 84]
    assert b1.sort_index().astype(int).tolist()[:2] == [84, 84]
    assert (p.loc[p.branch_id == "B2", "branch_cut_yuan"] == 0).all()


def test_only_the_named_roles_bear_the_cut(bank):
    staff, _ = _cards(bank, _scheme(10_000, roles=("lobby_manager",)))
    assert staff.people["branch_cut_yuan"].sum() == 0  # B1 has no lobby manager: nobody bears it


def test_without_the_key_nobody_bears_a_cut(bank):
    staff, _ = _cards(bank, load_scheme())
    assert staff.people["branch_cut_yuan"].sum() == 0


def test_a_cut_that_is_not_whole_yuan_is_refused_naming_the_key(bank):
    with pytest.raises(ParamsError, match=r"key money\.branch_pay_cut\.performance_pay_yuan"):
        _cards(bank, _scheme(10_001))  # 5 % of 10,001 = 500.05 yuan


def test_the_annual_summary_shares_the_same_cut(bank):
    scheme = _scheme(10_000)
    with load_dataset(bank) as ds:
        kpis = compute_kpis(ds, period="2026", period_types=("quarter", "year"))
        summ = annual_summary(
            kpis,
            scheme,
            2026,
            ds.table("staff"),
            branches=ds.table("branches"),
            events=staff_events(ds, scheme),
        )
    assert summ.staff["total_branch_cut_yuan"].sum() == 500
    assert summ.staff_quarterly["branch_cut_yuan"].sum() == 500


@pytest.mark.parametrize(
    "value, key",
    [
        ({"performance_pay_yuan": -1, "roles": ["teller"]}, "money.branch_pay_cut.performance_pay_yuan"),
        ({"performance_pay_yuan": 1000, "roles": []}, "money.branch_pay_cut.roles"),
        ({"performance_pay_yuan": 1000, "roles": ["cashier"]}, "money.branch_pay_cut.roles[0]"),
        ({"performance_pay_yuan": 1000}, "money.branch_pay_cut"),
    ],
)
def test_scheme_errors_name_the_key(value, key):
    d = load_scheme().to_dict()
    d["money"]["branch_pay_cut"] = value
    with pytest.raises(ParamsError) as err:
        Scheme.from_dict(d, source="bank.yaml")
    assert f"(key {key})" in str(err.value)


def test_the_rule_round_trips():
    s = _scheme(10_000)
    assert Scheme.from_dict(s.to_dict()) == s and s.params_hash() != load_scheme().params_hash()
    assert pd.Series(s.to_dict()["money"]["branch_pay_cut"]["roles"]).tolist() == ["customer_service_rep"]

"""Staffing targets: an ASA-only target (no service level needed) and 100 % where meaningful."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis import ErlangStaffing, required_staff
from bankperf_analysis.exceptions import ParamsError


def _asa_erlang_c(n: int, a: float, aht: float) -> float:
    """Mean wait of all contacts, Erlang C, from the textbook formula (Gross & Harris,
    Fundamentals of Queueing Theory, M/M/c): C = (a^n/n! * n/(n-a)) / (sum_{k<n} a^k/k! + a^n/n! * n/(n-a)),
    ASA = C * aht / (n - a)."""
    if n <= a:
        return math.inf
    top = a**n / math.factorial(n) * n / (n - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    return c * aht / (n - a)


@pytest.mark.parametrize(
    ("traffic", "aht", "max_asa"), [(10.0, 180.0, 20.0), (3.3, 240.0, 5.0), (25.0, 300.0, 60.0)]
)
def test_asa_only_target_is_the_smallest_staff_meeting_the_asa(traffic, aht, max_asa):
    got = required_staff(traffic, aht, target_service_level=None, max_asa_seconds=max_asa)
    want = next(n for n in range(1, 200) if _asa_erlang_c(n, traffic, aht) <= max_asa)
    assert got.tolist() == [want]
    # the old workaround (a dummy service level) gives the same answer
    dummy = required_staff(traffic, aht, target_service_level=1e-9, max_asa_seconds=max_asa)
    assert dummy.tolist() == [want]


def test_estimator_takes_an_asa_only_target():
    demand = pd.DataFrame(
        {
            "interval_start": pd.date_range("2026-01-05 09:00", periods=2, freq="30min"),
            "contacts": [120.0, 40.0],
            "aht_seconds": [180.0, 180.0],
        }
    )
    est = ErlangStaffing(target_service_level=None, max_asa_seconds=20.0).fit(demand)
    assert (est.plan_["asa_seconds"] <= 20.0 + 1e-9).all()


def test_hundred_percent_targets_where_meaningful():
    # 100 % occupancy and 100 % abandonment allowed are limits that can be met
    assert required_staff(10.0, 180.0, target_service_level=None, max_occupancy=1.0).tolist() == [11]
    r = required_staff(
        10.0, 180.0, target_service_level=0.8, max_abandon_rate=1.0, model="erlang_a", patience_seconds=120.0
    )
    assert (
        r.tolist()
        == required_staff(
            10.0, 180.0, target_service_level=0.8, model="erlang_a", patience_seconds=120.0
        ).tolist()
    )
    # a 100 % service level is never met with positive traffic: refused with the reason
    with pytest.raises(
        ParamsError, match=r"'target_service_level' parameter of required_staff.*100 % is never met"
    ):
        required_staff(10.0, 180.0, target_service_level=1.0)
    with pytest.raises(ParamsError, match=r"may be None only when another target is given"):
        required_staff(10.0, 180.0, target_service_level=None)
    assert np.all(required_staff([0.0], 180.0, target_service_level=None, max_asa_seconds=10.0) == 0)

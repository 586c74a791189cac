"""Tests of bankperf_analysis.staffing.erlang: published/hand-computed Erlang values, an
independent exact method (Python fractions), simulation for Erlang A, monotonicity
properties, floating-point ceilings, large traffic, edge cases and plan helpers."""

from __future__ import annotations

import heapq
import math
import time
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bankperf_analysis.exceptions import (
    DataValidationError,
    NotFittedError,
    ParamsError,
)
from bankperf_analysis.staffing import (
    ErlangStaffing,
    achieved_service,
    ceil_tolerant,
    check_minimum_posts,
    cost_benefit,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_metrics,
    erlang_c_service_level,
    fte,
    gap_pivot,
    plot_staffing_heatmap,
    required_staff,
    scheduled_staff,
    staffing_gap,
    traffic_intensity,
    what_if_service_levels,
)

# --------------------------------------------------------------------------- oracles


def erlang_c_fraction(n: int, a: Fraction) -> Fraction:
    """Erlang C by direct summation in exact rational arithmetic (independent method).

    C(n, A) = [A^n/n! * n/(n-A)] / [sum_{k<n} A^k/k! + A^n/n! * n/(n-A)]
    """
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


def erlang_b_fraction(n: int, a: Fraction) -> Fraction:
    """Erlang B = (A^n/n!) / sum_{k<=n} A^k/k!, exact."""
    return (a**n / math.factorial(n)) / sum(a**k / math.factorial(k) for k in range(n + 1))


def erlang_c_sl_exact(n: int, a: Fraction, aht: float, t: float) -> float:
    return 1.0 - float(erlang_c_fraction(n, a)) * math.exp(-(n - float(a)) * t / aht)


# --------------------------------------------------------------------------- worked examples


def test_erlang_c_hand_example_a2_n3():
    # Hand computation, A = 2 Erlangs, n = 3 agents:
    #   A^n/n! * n/(n-A) = 8/6 * 3/1 = 4;  sum_{k<3} A^k/k! = 1 + 2 + 2 = 5
    #   C = 4 / (5 + 4) = 4/9 = 0.4444...
    assert erlang_c(3, 2.0)[()] == pytest.approx(4 / 9, rel=1e-14)
    # Erlang B, A = 1, n = 2: (1/2) / (1 + 1 + 1/2) = 0.2
    assert erlang_b(2, 1.0)[()] == pytest.approx(0.2, rel=1e-14)
    # ASA = C * AHT / (n - A) = 4/9 * 300 / 1 = 133.33 s for AHT = 300 s
    assert erlang_c_asa(3, 2.0, 300.0)[0] == pytest.approx(4 / 9 * 300.0, rel=1e-13)


def test_callcentrehelper_worked_example():
    # Call Centre Helper, "Erlang C Formula - Made Simple With an Easy Worked Example"
    # (callcentrehelper.com): 100 calls per 30 min, AHT 180 s, target 80 % answered
    # within 20 s, max occupancy 85 %, shrinkage 30 %.
    #   A = 100 * 180 / 1800 = 10 Erlangs; the article arrives at 14 agents with
    #   P(wait) = 0.1741, occupancy 10/14 = 71.4 % and 14 / 0.7 = 20 scheduled.
    #   Service level with 14 agents, by hand from the article's P(wait):
    #   1 - 0.1741 * exp(-(14 - 10) * 20 / 180) = 1 - 0.1741 * 0.6412 = 0.8884
    #   (13 agents: 1 - 0.2853 * exp(-3 * 20/180) = 0.7956 < 0.80, so 14 is minimal).
    a = traffic_intensity(100, 180, 30)
    assert float(a) == pytest.approx(10.0)
    m = erlang_c_metrics([13, 14], a, 180.0, answer_seconds=20)
    assert m.prob_wait[1] == pytest.approx(0.1741, abs=5e-5)
    assert m.service_level[1] == pytest.approx(0.8884, abs=5e-4)
    assert m.service_level[0] < 0.80 <= m.service_level[1]
    assert m.occupancy[1] == pytest.approx(0.714, abs=5e-4)
    n = required_staff(a, 180.0, target_service_level=0.8, target_answer_seconds=20, max_occupancy=0.85)
    assert n.tolist() == [14]
    assert scheduled_staff(n, 0.3).tolist() == [20]
    # the same through the estimator
    demand = pd.DataFrame(
        {"interval_start": pd.to_datetime(["2026-03-02 09:00"]), "contacts": [100], "aht_seconds": [180.0]}
    )
    plan = (
        ErlangStaffing(
            target_service_level=0.8, target_answer_seconds=20, max_occupancy=0.85, interval_minutes=30
        )
        .fit(demand)
        .plan_
    )
    assert plan.loc[0, "required_staff"] == 14
    assert plan.loc[0, "scheduled_staff"] == 20


@pytest.mark.parametrize("a_num,a_den", [(1, 2), (2, 1), (7, 3), (10, 1), (45, 2), (60, 1)])
def test_erlang_b_c_against_exact_fractions(a_num, a_den):
    a = Fraction(a_num, a_den)
    ns = np.arange(int(a) + 1, int(a) + 25)
    c = erlang_c(ns, float(a))
    b = erlang_b(ns, float(a))
    for n, cv, bv in zip(ns, c, b, strict=True):
        assert cv == pytest.approx(float(erlang_c_fraction(int(n), a)), rel=1e-11)
        assert bv == pytest.approx(float(erlang_b_fraction(int(n), a)), rel=1e-11)


def test_service_level_against_exact_fractions():
    rng = np.random.default_rng(3)
    for _ in range(40):
        a = Fraction(int(rng.integers(1, 400)), 8)  # up to 50 Erlangs
        n = int(a) + int(rng.integers(1, 15))
        aht, t = float(rng.uniform(60, 400)), float(rng.uniform(0, 60))
        got = erlang_c_service_level(n, float(a), aht, t)[0]
        assert got == pytest.approx(erlang_c_sl_exact(n, a, aht, t), abs=1e-12)


def test_erlang_b_matches_classic_recursion_at_large_n():
    # 1/B_n = 1 + n / (A B_{n-1}), B_0 = 1, in floats: an independent O(n) method.
    for a in (150.0, 999.5, 5000.0):
        inv = 1.0
        n_max = int(a * 1.1)
        ref = {}
        for n in range(1, n_max + 1):
            inv = 1.0 + inv * n / a
            ref[n] = 1.0 / inv
        ns = np.array([int(a * 0.8), int(a), int(a) + 7, n_max])
        np.testing.assert_allclose(erlang_b(ns, a), [ref[n] for n in ns], rtol=1e-9)


# --------------------------------------------------------------------------- required staff


def test_required_staff_is_minimal_and_feasible():
    rng = np.random.default_rng(11)
    a = rng.uniform(0.01, 150, 400)
    h = rng.uniform(120, 400, 400)
    for target, t in ((0.8, 20.0), (0.95, 30.0), (0.6, 0.0)):
        n = required_staff(a, h, target_service_level=target, target_answer_seconds=t)
        sl_n = erlang_c_service_level(n, a, h, t)
        sl_prev = erlang_c_service_level(n - 1, a, h, t)
        assert np.all(sl_n >= target - 1e-12)
        assert np.all(sl_prev < target)
        assert np.all(n > a)


def test_required_staff_not_one_too_many():
    # A = 0.5 Erlang, AHT 30 s, 80 % within 60 s. One agent (n = floor(A) + 1) is
    # enough: C(1, A) = A, SL = 1 - 0.5 * exp(-(1 - 0.5) * 60 / 30) = 1 - 0.5/e = 0.816.
    # Starting the search at round(A + 1) = 2 would return 2.
    assert 1 - 0.5 * math.exp(-1.0) >= 0.8
    assert required_staff(0.5, 30.0, target_service_level=0.8, target_answer_seconds=60).tolist() == [1]
    assert erlang_c_service_level(1, 0.5, 30.0, 60)[0] == pytest.approx(1 - 0.5 / math.e)


def _smallest_staff_meeting(
    a: Fraction, aht: float, sl: float, t: float, asa: float | None = None, occ: float | None = None
) -> int:
    """Textbook Erlang C, independently of the package: the smallest n > A meeting every target.

    SL(n) = 1 - C(n, A) exp(-(n - A) t / AHT), ASA(n) = C(n, A) AHT / (n - A), occupancy A / n.
    """
    n = int(a) + 1
    while True:
        c = float(erlang_c_fraction(n, a))
        ok = 1.0 - c * math.exp(-(n - float(a)) * t / aht) >= sl
        ok = ok and (asa is None or c * aht / (n - float(a)) <= asa)
        ok = ok and (occ is None or float(a) / n <= occ)
        if ok:
            return n
        n += 1


def test_required_staff_all_targets_together():
    # A = 10 Erlangs, AHT 180 s, 80 % within 20 s (the Call Centre Helper example: 14 agents).
    # An ASA cap of 2 s binds: 15 agents still leave ASA = 0.102 * 180 / 5 = 3.7 s, 16 give 1.7 s.
    # An occupancy cap of 0.6 binds harder still: ceil(10 / 0.6) = 17.
    a, h = Fraction(10), 180.0
    sl_only = _smallest_staff_meeting(a, h, 0.8, 20.0)
    with_asa = _smallest_staff_meeting(a, h, 0.8, 20.0, asa=2.0)
    all_three = _smallest_staff_meeting(a, h, 0.8, 20.0, asa=2.0, occ=0.6)
    assert (sl_only, with_asa, all_three) == (14, 16, 17)  # each added target binds

    # the package, with the same targets, given alone, together and per interval
    def req(**caps):
        return required_staff(
            np.array([10.0, 10.0]), h, target_service_level=0.8, target_answer_seconds=20, **caps
        ).tolist()

    assert req() == [sl_only] * 2
    assert req(max_asa_seconds=2.0) == [with_asa] * 2
    assert req(max_asa_seconds=2.0, max_occupancy=0.6) == [all_three] * 2
    # occupancy 0.7 binds over the service level (ceil(10 / 0.7) = 15) but not over ASA <= 2 s
    assert req(max_occupancy=0.7) == [_smallest_staff_meeting(a, h, 0.8, 20.0, occ=0.7)] * 2 == [15, 15]
    assert req(max_asa_seconds=2.0, max_occupancy=0.7) == [with_asa] * 2
    # occupancy exactly at its cap counts as met (10 / 0.5 = 20)
    assert required_staff(
        10.0, h, target_service_level=0.01, target_answer_seconds=0, max_occupancy=0.5
    ).tolist() == [20]


def test_large_traffic_is_fast_and_finite():
    a = np.array([10_000.0, 20_000.0])
    t0 = time.perf_counter()
    n = required_staff(a, 300.0, target_service_level=0.95, target_answer_seconds=30)
    m = erlang_c_metrics(n, a, 300.0, 30)
    m_prev = erlang_c_metrics(n - 1, a, 300.0, 30)
    na = required_staff(
        a,
        300.0,
        target_service_level=0.95,
        target_answer_seconds=30,
        model="erlang_a",
        patience_seconds=120.0,
    )
    ma = erlang_a_metrics(na, a, 300.0, 120.0, 30)
    assert time.perf_counter() - t0 < 5.0
    assert np.all((n > a) & (n < a + 3 * np.sqrt(a)))  # slightly above A
    assert np.all(np.isfinite(m.service_level)) and np.all(m.service_level >= 0.95)
    assert np.all(m_prev.service_level < 0.95)
    assert np.all(np.isfinite(ma.service_level)) and np.all(ma.service_level >= 0.95)
    assert np.all(np.isfinite(ma.asa_seconds)) and np.all(ma.abandon_rate < 0.06)
    # Erlang B at 10,000 Erlangs: no overflow, a proper probability
    b = erlang_b([9_900, 10_000, 10_100], 10_000.0)
    assert np.all((b > 0) & (b < 1)) and np.all(np.diff(b) < 0)


def test_zero_demand_and_min_staff():
    assert required_staff([0.0, 0.0], 300.0).tolist() == [0, 0]
    assert required_staff([0.0, 3.0], 300.0, min_staff=2).min() == 2
    assert required_staff([0.0], 300.0, model="erlang_a", patience_seconds=60.0, min_staff=1).tolist() == [1]
    m = achieved_service([0, 2], 0.0, 300.0)
    assert m.service_level.tolist() == [1.0, 1.0]
    assert m.asa_seconds.tolist() == [0.0, 0.0]


def test_reverse_mode_unstable_and_erlang_a():
    m = achieved_service([5, 10, 12], 10.0, 180.0, answer_seconds=20)
    assert m.service_level[0] == 0.0 and m.service_level[1] == 0.0
    assert np.isinf(m.asa_seconds[0]) and m.prob_wait[1] == 1.0
    assert 0 < m.service_level[2] < 1
    ma = achieved_service(
        [5, 10, 12], 10.0, 180.0, answer_seconds=20, model="erlang_a", patience_seconds=120.0
    )
    assert np.all(np.isfinite(ma.service_level)) and np.all(ma.abandon_rate > 0)
    frame = ma.to_frame()
    assert list(frame.columns) == [
        "servers",
        "traffic",
        "service_level",
        "prob_wait",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
    ]
    assert "erlang_a" in ma.summary().as_text()
    assert "<h4>" in ma.summary()._repr_html_()


# --------------------------------------------------------------------------- monotonicity


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.0, 300.0),
    extra=st.floats(0.0, 50.0),
    aht=st.floats(30.0, 600.0),
    target=st.floats(0.05, 0.99),
    t=st.floats(0.0, 120.0),
)
def test_more_demand_never_fewer_staff(a, extra, aht, target, t):
    n = required_staff([a, a + extra], aht, target_service_level=target, target_answer_seconds=t)
    assert n[1] >= n[0]


@settings(max_examples=60, deadline=None)
@given(
    a=st.floats(0.01, 300.0),
    aht=st.floats(30.0, 600.0),
    t1=st.floats(0.05, 0.98),
    dt=st.floats(0.0, 0.2),
    s1=st.floats(0.0, 120.0),
    ds=st.floats(0.0, 60.0),
)
def test_stricter_target_never_fewer_staff(a, aht, t1, dt, s1, ds):
    t2 = min(t1 + dt, 0.99)
    loose = required_staff(a, aht, target_service_level=t1, target_answer_seconds=s1 + ds)
    strict = required_staff(a, aht, target_service_level=t2, target_answer_seconds=s1)
    assert strict[0] >= loose[0]


@pytest.mark.parametrize(
    "a,aht,patience,t", [(3.0, 180.0, 60.0, 20.0), (25.0, 300.0, 300.0, 30.0), (80.0, 240.0, 1200.0, 0.0)]
)
def test_metrics_monotone_in_staff(a, aht, patience, t):
    n = np.arange(int(a) + 1, int(a) + 40)
    c = erlang_c_metrics(n, a, aht, t)
    assert np.all(np.diff(c.service_level) > -1e-15)
    assert np.all(np.diff(c.asa_seconds) < 0) and np.all(np.diff(c.occupancy) < 0)
    n = np.arange(0, int(2 * a) + 20)
    m = erlang_a_metrics(n, a, aht, patience, t)
    assert np.all(np.diff(m.service_level) > -1e-12)
    assert np.all(np.diff(m.abandon_rate) < 1e-12)
    assert np.all(np.diff(m.asa_seconds[1:]) < 1e-9)
    assert np.all(np.diff(m.occupancy[1:]) < 1e-9)


def test_erlang_a_bisection_matches_brute_force_scan():
    rng = np.random.default_rng(5)
    a = np.concatenate([[0.0, 0.2], rng.uniform(0.5, 40, 60)])
    h = rng.uniform(60, 400, a.size)
    pat = rng.uniform(20, 600, a.size)
    kw = dict(
        target_service_level=0.85, target_answer_seconds=20, max_asa_seconds=15.0, max_abandon_rate=0.03
    )
    got = required_staff(a, h, model="erlang_a", patience_seconds=pat, **kw)
    for i in range(a.size):
        n = np.arange(0, int(3 * a[i]) + 40)
        m = erlang_a_metrics(n, a[i], h[i], pat[i], 20)
        ok = (
            (m.service_level >= 0.85)
            & (np.nan_to_num(m.asa_seconds, nan=np.inf) <= 15.0)
            & (m.abandon_rate <= 0.03)
        )
        assert got[i] == n[np.argmax(ok)], i


# --------------------------------------------------------------------------- Erlang A


def simulate_mmn_m(n, a, aht, patience, t, n_customers=120_000, seed=1):
    """FCFS M/M/n+M by the exact start-time recursion (abandoners take no server)."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(aht / a, n_customers))
    service = rng.exponential(aht, n_customers)
    tau = rng.exponential(patience, n_customers)
    free = [0.0] * n
    warm = n_customers // 10
    answered_in_t = abandoned = answered = 0
    wait_sum = 0.0
    for i in range(n_customers):
        ti = arrivals[i]
        start = max(ti, free[0])
        w = start - ti
        if w <= tau[i]:
            heapq.heapreplace(free, start + service[i])
            if i >= warm:
                answered += 1
                wait_sum += w
                answered_in_t += w <= t
        elif i >= warm:
            abandoned += 1
    m = n_customers - warm
    return answered_in_t / m, abandoned / m, wait_sum / answered


@pytest.mark.parametrize(
    "n,a,aht,patience,t",
    [(8, 10.0, 180.0, 120.0, 20.0), (3, 2.0, 300.0, 60.0, 30.0), (12, 10.0, 180.0, 300.0, 20.0)],
)
def test_erlang_a_against_simulation(n, a, aht, patience, t):
    sl, ab, asa = simulate_mmn_m(n, a, aht, patience, t)
    m = erlang_a_metrics(n, a, aht, patience, t)
    assert m.service_level[0] == pytest.approx(sl, abs=0.012)
    assert m.abandon_rate[0] == pytest.approx(ab, abs=0.008)
    assert m.asa_seconds[0] == pytest.approx(asa, rel=0.05)


def test_erlang_a_tends_to_erlang_c_with_infinite_patience():
    n = np.array([11, 12, 14, 20])
    c = erlang_c_metrics(n, 10.0, 180.0, 20)
    a = erlang_a_metrics(n, 10.0, 180.0, 1e9, 20)
    np.testing.assert_allclose(a.service_level, c.service_level, atol=1e-5)
    np.testing.assert_allclose(a.prob_wait, c.prob_wait, atol=1e-5)
    np.testing.assert_allclose(a.asa_seconds, c.asa_seconds, rtol=1e-4)
    assert np.all(a.abandon_rate < 1e-6)


def test_erlang_a_no_agents():
    m = erlang_a_metrics(0, 5.0, 180.0, 60.0, 20)
    assert m.abandon_rate[0] == pytest.approx(1.0)
    assert m.service_level[0] == pytest.approx(0.0)


# --------------------------------------------------------------------------- ceilings, FTE


@pytest.mark.parametrize(
    "required,shrinkage,expected",
    [
        (21, 0.3, 30),  # 21 / 0.7 = 30.000000000000004 in floating point
        (14, 0.3, 20),
        (7, 0.3, 10),
        (22, 0.3, 32),  # 31.43 -> 32
        (17, 0.15, 20),
        (9, 0.1, 10),
        (0, 0.3, 0),
    ],
)
def test_scheduled_staff_exact_ceiling(required, shrinkage, expected):
    assert scheduled_staff(required, shrinkage).tolist() == expected


def test_naive_ceiling_is_wrong_and_ours_matches_rational_arithmetic():
    assert math.ceil(21 / (1 - 0.3)) == 31  # the bug this guards against
    req = np.arange(0, 301)
    for s in ("0.05", "0.1", "0.15", "0.2", "0.25", "0.3", "0.35", "0.4", "0.5"):
        exact = [math.ceil(Fraction(int(r)) / (1 - Fraction(s))) for r in req]
        assert scheduled_staff(req, float(s)).tolist() == exact
    assert ceil_tolerant([2.0000001, 2.0]).tolist() == [3, 2]


def test_fte():
    # 80 half-hour intervals x 10 staff = 400 staff-hours; 40 paid hours per FTE-week
    assert fte(np.full(80, 10), 30, 40.0) == pytest.approx(10.0)
    assert fte([4, 4, 4, 4], 15, 1.0) == pytest.approx(4.0)


# --------------------------------------------------------------------------- estimator


def _demand(n=6, contacts=(0, 40, 100, 160, 120, 60)):
    return pd.DataFrame(
        {
            "interval_start": pd.date_range("2026-03-02 09:00", periods=n, freq="30min"),
            "contacts": list(contacts)[:n],
            "aht_seconds": 240.0,
            "queue": "retail",
        }
    )


def test_estimator_plan_and_params():
    est = ErlangStaffing(target_service_level=0.9, target_answer_seconds=20, shrinkage=0.25)
    assert est.get_params()["target_service_level"] == 0.9
    assert repr(est) == ("ErlangStaffing(target_service_level=0.9, target_answer_seconds=20, shrinkage=0.25)")
    assert repr(ErlangStaffing()) == "ErlangStaffing()"
    out = est.fit(_demand())
    assert out is est
    plan = est.plan_
    assert {
        "interval_start",
        "queue",
        "traffic_erlangs",
        "required_staff",
        "service_level",
        "asa_seconds",
        "abandon_rate",
        "occupancy",
        "scheduled_staff",
    } <= set(plan.columns)
    assert plan["interval_minutes"].eq(30).all()  # inferred from interval_start
    a = plan["contacts"] * 240 / 1800
    np.testing.assert_allclose(plan["traffic_erlangs"], a)
    np.testing.assert_array_equal(
        plan["required_staff"],
        required_staff(a.to_numpy(), 240.0, target_service_level=0.9, target_answer_seconds=20),
    )
    assert plan.loc[0, "required_staff"] == 0
    assert (plan["service_level"] >= 0.9).all()
    np.testing.assert_array_equal(
        plan["scheduled_staff"],
        [math.ceil(Fraction(int(r)) / Fraction(3, 4)) for r in plan["required_staff"]],
    )
    total_h = (plan["scheduled_staff"] * 30).sum() / 60
    assert est.fte(40.0) == pytest.approx(total_h / 40.0)
    assert "Staffing plan" in est.summary().as_text()


def test_estimator_erlang_a():
    est = ErlangStaffing(
        model="erlang_a", patience_seconds=90.0, max_abandon_rate=0.02, interval_minutes=30
    ).fit(_demand())
    p = est.plan_
    assert (p["abandon_rate"] <= 0.02 + 1e-12).all() and (p["service_level"] >= 0.95).all()


def test_estimator_not_fitted():
    with pytest.raises(NotFittedError):
        ErlangStaffing().fte(40.0)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (
            {"target_service_level": 1.5},
            "The 'target_service_level' parameter of ErlangStaffing must be a float in (0, 1) or None. "
            "Got 1.5 instead.",
        ),
        (
            {"target_service_level": 1.0},
            "must be a float in (0, 1) or None. Got 1.0 instead: with any traffic",
        ),
        ({"model": "erlang_x"}, "The 'model' parameter of ErlangStaffing must be one of"),
        ({"model": "erlang_a"}, "The 'patience_seconds' parameter of ErlangStaffing"),
        ({"shrinkage": 1.0}, "The 'shrinkage' parameter of ErlangStaffing must be a float in [0, 1)"),
        ({"max_occupancy": 0.0}, "The 'max_occupancy' parameter"),
        ({"min_staff": -1}, "The 'min_staff' parameter"),
        ({"target_answer_seconds": -5}, "The 'target_answer_seconds' parameter"),
    ],
)
def test_invalid_params_raise(kwargs, message):
    with pytest.raises(ParamsError) as err:
        ErlangStaffing(**kwargs).fit(_demand())
    assert message in str(err.value)
    assert isinstance(err.value, ValueError)


def test_invalid_inputs_raise():
    with pytest.raises(ParamsError, match="'traffic' parameter of required_staff"):
        required_staff([-1.0], 300.0)
    with pytest.raises(ParamsError, match="'servers' parameter of erlang_c"):
        erlang_c(2.5, 1.0)
    with pytest.raises(DataValidationError):
        ErlangStaffing().fit(pd.DataFrame({"contacts": [1]}))
    bad = _demand().assign(contacts=[1, -2, 3, np.nan, 5, 6])
    with pytest.raises(DataValidationError) as err:
        ErlangStaffing().fit(bad)
    assert [i.row for i in err.value.issues] == [2, 4]
    with pytest.raises(ParamsError, match="'interval_minutes'"):
        ErlangStaffing().fit(_demand(1, (10,)))


# --------------------------------------------------------------------------- plan helpers


def test_staffing_gap_and_pivot_and_heatmap():
    t = pd.date_range("2026-03-02 09:00", periods=4, freq="30min").append(
        pd.date_range("2026-03-06 09:00", periods=2, freq="30min")
    )  # Monday and Friday
    req = pd.DataFrame({"interval_start": t, "required_staff": [5, 7, 6, 4, 9, 3]})
    ros = pd.DataFrame({"interval_start": t[:5], "rostered_staff": [6, 6, 6, 6, 8]})
    gap = staffing_gap(req, ros)
    assert gap["gap"].tolist() == [1, -1, 0, 2, -1, -3]  # last interval not rostered
    assert gap["status"].tolist() == ["over", "under", "ok", "over", "under", "under"]
    pv = gap_pivot(gap)
    assert list(pv.index) == ["Mon", "Fri"]
    assert pv.loc["Mon", 9] == pytest.approx(0.0) and pv.loc["Mon", 10] == pytest.approx(1.0)
    assert pv.loc["Fri", 9] == pytest.approx(-2.0)
    fig = plot_staffing_heatmap(pv)
    from matplotlib.figure import Figure

    assert isinstance(fig, Figure)
    mesh = fig.axes[0].collections[0]
    assert mesh.norm.vmin == -mesh.norm.vmax  # centred at 0
    import matplotlib.pyplot as plt

    plt.close(fig)


def test_check_minimum_posts():
    staff = pd.DataFrame(
        {
            "branch_id": ["B1"] * 4 + ["B2"] * 4,
            "staff_id": range(8),
            "role": [
                "lobby_manager",
                "teller",
                "customer_manager",
                "teller",
                "teller",
                "teller",
                "teller",
                "customer_service_rep",
            ],
            "counter_type": [None, "non_cash", None, "cash", "cash", "cash", "cash", None],
        }
    )
    res = check_minimum_posts(staff)
    b1 = res[res["branch_id"] == "B1"].set_index("rule")
    b2 = res[res["branch_id"] == "B2"].set_index("rule")
    assert b1["passed"].all()
    # by hand (003's sales posts): B1 lobby manager + non-cash teller + customer manager = 3 of 4;
    # B2 three cash tellers and a rep: 0 of 4
    assert b1.loc["sales_share", "actual"] == pytest.approx(0.75)
    assert not b2.loc["lobby_manager", "passed"]
    assert not b2.loc["non_cash_teller", "passed"]
    assert not b2.loc["sales_share", "passed"] and b2.loc["sales_share", "actual"] == 0.0
    assert b2.loc["lobby_manager", "message"].startswith("FAIL")
    # sales roles are a parameter
    res2 = check_minimum_posts(
        staff[staff["branch_id"] == "B2"].drop(columns="branch_id"),
        sales_roles=["teller", "customer_service_rep"],
    )
    assert res2.set_index("rule").loc["sales_share", "passed"]


def test_cost_benefit_and_what_if():
    cb = cost_benefit([2.0, 5.0], 150_000, [3.0, 10.0], scenario=["a", "b"])
    assert cb["cost_yuan"].tolist() == [300_000.0, 750_000.0]
    assert cb["benefit_yuan"].tolist() == [300_000.0, 1_000_000.0]
    assert cb["net_yuan"].tolist() == [0.0, 250_000.0]
    assert cb["benefit_cost_ratio"].tolist() == pytest.approx([1.0, 4 / 3])
    w = what_if_service_levels(
        _demand(),
        [0.7, 0.8, 0.9, 0.95],
        salary_per_fte_year=120_000,
        paid_hours_per_fte=40.0,
        target_answer_seconds=30,
    )
    assert w["fte"].is_monotonic_increasing
    assert (w["achieved_service_level"] >= w["target_service_level"]).all()
    assert w["cost_yuan_year"].tolist() == pytest.approx((w["fte"] * 120_000).tolist())

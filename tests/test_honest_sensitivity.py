"""Relative-magnitudes sensitivity (Rambachan & Roth 2023, Review of Economic Studies 90:2555).

References: hand-worked linear programmes with closed-form solutions (one pre and one post
period: bounds beta_post -/+ Mbar |beta_pre|; a monotone staircase for several post
periods), the parallel-trends interval at Mbar = 0, and the breakdown value checked by
re-solving the programme on both sides of it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import honest_sensitivity, staggered_did
from bankperf_analysis.incentives.aggregation import AggregationResult


def _agg(events, beta, vcov, ref=-1, df=1e9) -> AggregationResult:
    """An event-time aggregation with the given non-reference rows (reference row added)."""
    fr = pd.DataFrame({"event_time": events, "estimate": beta, "reference": False})
    if ref is not None:
        fr = pd.concat([fr, pd.DataFrame([{"event_time": ref, "estimate": 0.0, "reference": True}])])
        fr = fr.sort_values("event_time").reset_index(drop=True)
    return AggregationResult(
        "event", "twfe", 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, fr, np.asarray(vcov, float), ref, 0, 50, df, 0.05, "y"
    )


@pytest.mark.parametrize("b_pre", [0.3, -0.3])
def test_one_pre_one_post_period_bounds_are_beta_post_minus_plus_mbar_abs_beta_pre(b_pre):
    # delta_0 - delta_ref in [-Mbar |b_pre|, Mbar |b_pre|]  =>  theta in beta_0 -/+ Mbar |b_pre|
    agg = _agg([-2, 0], [b_pre, 1.0], np.diag([0.01, 0.04]))
    r = honest_sensitivity(agg, mbar=[0, 0.5, 1, 2])
    z = stats.norm.ppf(0.975)
    for row in r.frame.itertuples():
        assert row.lb == pytest.approx(1.0 - row.mbar * 0.3, abs=1e-9)
        assert row.ub == pytest.approx(1.0 + row.mbar * 0.3, abs=1e-9)
        assert row.ci_low == pytest.approx(row.lb - z * 0.2, abs=1e-7)
        assert row.ci_high == pytest.approx(row.ub + z * 0.2, abs=1e-7)
    assert r.max_pre_change == pytest.approx(0.3)
    # breakdown: 1 - Mbar 0.3 - z 0.2 = 0
    assert r.breakdown == pytest.approx((1.0 - z * 0.2) / 0.3, rel=1e-7)


def test_several_periods_the_lp_solves_the_staircase_by_hand():
    # pre levels (-3, -2, ref) = (0.1, -0.2, 0): changes 0.3 and 0.2 -> m = 0.3
    # post e=0,1,2, |delta_k - delta_{k-1}| <= r: max of l'delta with l >= 0 is the staircase
    # delta_k = (k+1) r, so max mean(delta) = 2r and max delta_2 = 3r
    beta_post = np.array([1.0, 1.2, 1.5])
    vcov = np.diag([0.01, 0.01, 0.02, 0.03, 0.04])
    agg = _agg([-3, -2, 0, 1, 2], [0.1, -0.2, *beta_post], vcov)
    r = honest_sensitivity(agg, mbar=[1.5])
    assert r.max_pre_change == pytest.approx(0.3)
    theta, radius = beta_post.mean(), 1.5 * 0.3
    assert r.frame["lb"].iloc[0] == pytest.approx(theta - 2 * radius, abs=1e-9)
    assert r.frame["ub"].iloc[0] == pytest.approx(theta + 2 * radius, abs=1e-9)
    assert r.std_error == pytest.approx(np.sqrt((0.02 + 0.03 + 0.04) / 9))
    one = honest_sensitivity(agg, mbar=[1.5], event_time=2)
    assert (one.frame["lb"].iloc[0], one.frame["ub"].iloc[0]) == pytest.approx(
        (1.5 - 3 * radius, 1.5 + 3 * radius)
    )
    rng = np.random.default_rng(0)  # a second check: random walks inside the set never beat the LP
    steps = rng.uniform(-radius, radius, size=(20000, 3))
    assert np.cumsum(steps, axis=1).mean(axis=1).max() <= 2 * radius + 1e-12


@pytest.fixture(scope="module")
def panel():
    rng = np.random.default_rng(7)
    n, periods = 300, np.arange(1, 9)
    g = rng.choice([4.0, 6.0, np.nan], n, p=[0.3, 0.3, 0.4])
    unit, t = np.repeat(np.arange(n), periods.size), np.tile(periods, n)
    gu = g[unit]
    y = rng.normal(0, 1, n)[unit] + 0.1 * t + np.where(t >= gu, 0.5, 0.0) + rng.normal(0, 1, unit.size)
    return pd.DataFrame({"unit": unit, "period": t, "g": gu, "y": y})


@pytest.fixture(scope="module")
def event_agg(panel):
    res = staggered_did(panel, "y", cluster="unit", cohort_col="g", never_treated=np.nan)
    return res.aggregate("event", min_event=-3, max_event=2)


def test_an_event_study_result_is_read_through_its_robust_series(panel, event_agg):
    from bankperf_analysis.incentives import event_study

    es = event_study(
        panel, "y", leads=3, lags=2, cluster="unit", cohort_col="g", never_treated=np.nan, bootstrap="none"
    )
    got, want = honest_sensitivity(es), honest_sensitivity(event_agg)
    pd.testing.assert_frame_equal(got.to_frame(), want.to_frame())
    assert got.pre_events == (-3, -2) and got.post_events == (0, 1, 2)
    text = str(got.summary())
    assert "Breakdown value" in text and "not the ARP conditional interval" in text
    with pytest.raises(ParamsError, match="The 'result' parameter of honest_sensitivity"):
        honest_sensitivity(panel)


def test_mbar_zero_is_the_parallel_trends_estimate_with_its_pointwise_interval(event_agg):
    r = honest_sensitivity(event_agg, mbar=[0])
    row = r.frame.iloc[0]
    assert row.lb == row.ub == pytest.approx(event_agg.estimate, rel=1e-12)
    assert (row.ci_low, row.ci_high) == pytest.approx((event_agg.ci_low, event_agg.ci_high), rel=1e-10)
    assert r.std_error == pytest.approx(event_agg.std_error, rel=1e-10)


def test_the_breakdown_value_is_where_the_interval_first_reaches_zero_and_is_monotone(event_agg):
    r = honest_sensitivity(event_agg, mbar=np.linspace(0, 4, 41))
    assert 0 < r.breakdown < np.inf
    lo, hi = r.frame["ci_low"].to_numpy(), r.frame["ci_high"].to_numpy()
    assert np.all(np.diff(lo) <= 1e-12) and np.all(np.diff(hi) >= -1e-12)  # nested intervals
    near = honest_sensitivity(event_agg, mbar=[r.breakdown * (1 - 1e-6), r.breakdown * (1 + 1e-6)])
    assert near.frame["includes_zero"].tolist() == [False, True]
    # a smaller effect breaks down earlier
    half = _agg(
        event_agg.frame.loc[~event_agg.frame.reference, "event_time"],
        np.where(
            event_agg.frame.loc[~event_agg.frame.reference, "event_time"] >= 0,
            event_agg.frame.loc[~event_agg.frame.reference, "estimate"] * 0.8,
            event_agg.frame.loc[~event_agg.frame.reference, "estimate"],
        ),
        event_agg.vcov_matrix,
        df=event_agg.df_t,
    )
    assert honest_sensitivity(half).breakdown < r.breakdown


def test_sentences_and_bad_input():
    agg = _agg([-2, 0], [0.3, 1.0], np.diag([0.01, 0.04]))
    r = honest_sensitivity(agg)
    b = f"{r.breakdown:.2f}"
    assert f"up to M̄* = {b} times the largest pre-period violation" in r.conclusion("en")
    assert f"不超过实施前最大偏离的 {b} 倍" in r.conclusion("zh")
    flat = honest_sensitivity(_agg([-2, 0], [0.0, 1.0], np.diag([0.01, 0.04])))
    assert flat.breakdown == np.inf and "no breakdown value" in flat.conclusion("en")
    assert honest_sensitivity(_agg([-2, 0], [0.3, 0.1], np.diag([0.01, 0.04]))).breakdown == 0.0
    with pytest.raises(ParamsError, match="The 'mbar' parameter of honest_sensitivity"):
        honest_sensitivity(agg, mbar=[-1])
    with pytest.raises(ParamsError, match="The 'event_time' parameter of honest_sensitivity"):
        honest_sensitivity(agg, event_time=3)
    with pytest.raises(ParamsError, match="base_period='universal'"):
        honest_sensitivity(_agg([-2, 0], [0.3, 1.0], np.diag([0.01, 0.04]), ref=None))
    with pytest.raises(InsufficientSampleError, match="at least one pre-adoption event time"):
        honest_sensitivity(_agg([0, 1], [0.3, 1.0], np.diag([0.01, 0.04])))


@pytest.mark.parametrize(("se_pre", "low", "high"), [(0.02, 0.95, 0.995), (0.1, 0.88, 0.95)])
def test_simulated_coverage_at_the_worst_case_violation(se_pre, low, high):
    """Seeded simulation: beta ~ N(truth, Sigma) with the post violation at the Mbar = 1 edge.

    With a precise pre-period the robust interval covers the effect at least at the nominal
    rate; with a noisy one it under-covers (the documented limit: the largest pre-period
    change is taken at its estimate, which is too small half the time).
    """
    rng = np.random.default_rng(18)
    vcov, tau, m = np.diag([se_pre**2, 0.01]), 0.5, 0.2
    reps, cover = 500, 0
    for _ in range(reps):
        b = rng.multivariate_normal([-m, tau + m], vcov)  # pre change m, post violation +m
        row = honest_sensitivity(_agg([-2, 0], b, vcov), mbar=[1]).frame.iloc[0]
        cover += bool(row.ci_low <= tau <= row.ci_high)
    print(f"\nse_pre {se_pre}: coverage {cover / reps:.3f}")
    assert low <= cover / reps <= high

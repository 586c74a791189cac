"""Uniform (simultaneous) confidence bands of the Callaway–Sant'Anna event-time aggregation.

References: the band's critical value lies between the pointwise normal value and the
Bonferroni value (it is the max-|t| quantile of correlated t statistics), and a seeded
simulation under the null of no effect at any event time checks that the band covers
all event-time effects jointly in about 95 % of samples while the pointwise intervals do
so much less often.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.incentives import staggered_did
from bankperf_analysis.incentives.uniform_band import uniform_critical_value


def _null_panel(seed: int, n: int = 150) -> pd.DataFrame:
    """Staggered adoption (cohorts 4, 6, never) with no effect at any event time."""
    rng = np.random.default_rng(seed)
    periods = np.arange(1, 9)
    g = rng.choice([4.0, 6.0, np.nan], n, p=[0.3, 0.3, 0.4])
    unit = np.repeat(np.arange(n), periods.size)
    t = np.tile(periods, n)
    y = rng.normal(0, 1, n)[unit] + 0.1 * t + rng.normal(0, 1, unit.size)
    return pd.DataFrame({"unit": unit, "period": t, "g": g[unit], "y": y})


def _event(df: pd.DataFrame):
    res = staggered_did(df, "y", cluster="unit", cohort_col="g", never_treated=np.nan)
    return res.aggregate("event", min_event=-3, max_event=3)


def test_the_critical_value_lies_between_pointwise_and_bonferroni():
    agg = _event(_null_panel(1))
    k = int((~agg.frame["reference"]).sum())
    assert k == 6
    bonferroni = stats.norm.ppf(1 - agg.alpha / (2 * k))
    assert stats.norm.ppf(1 - agg.alpha / 2) < agg.crit_val_uniform < bonferroni
    fr = agg.frame[~agg.frame["reference"]]
    width = fr["uniform_high"] - fr["uniform_low"]
    np.testing.assert_allclose(width, 2 * agg.crit_val_uniform * fr["std_error_boot"], rtol=1e-12)
    # the bootstrap standard errors estimate the analytic ones
    np.testing.assert_allclose(fr["std_error_boot"], fr["std_error"], rtol=0.12)
    assert (fr["uniform_low"] < fr["ci_low"]).all() and (fr["uniform_high"] > fr["ci_high"]).all()


def test_the_band_is_seeded_and_independent_rows_need_about_the_sidak_value():
    rng = np.random.default_rng(5)
    infl = rng.normal(size=(5, 400)) / 20  # 5 nearly uncorrelated rows
    c1, se1 = uniform_critical_value(infl, seed=3)
    c2, se2 = uniform_critical_value(infl, seed=3)
    assert c1 == c2 and np.array_equal(se1, se2)
    sidak = stats.norm.ppf(0.5 + 0.5 * 0.95 ** (1 / 5))
    assert c1 == pytest.approx(sidak, abs=0.12)
    # identical rows: the band is the pointwise interval
    c_same, _ = uniform_critical_value(np.vstack([infl[0]] * 5), n_boot=4999, weights="rademacher", seed=3)
    assert c_same == pytest.approx(1.96, abs=0.08)
    with pytest.raises(ParamsError, match="'weights' parameter of uniform_critical_value"):
        uniform_critical_value(infl, weights="webb")  # type: ignore[arg-type]


def test_simulated_joint_coverage_of_the_uniform_band_and_of_the_pointwise_intervals():
    reps = 200
    uniform = pointwise = 0
    for r in range(reps):
        fr = _event(_null_panel(100 + r)).frame
        fr = fr[~fr["reference"]]
        uniform += bool(((fr["uniform_low"] <= 0) & (fr["uniform_high"] >= 0)).all())
        pointwise += bool(((fr["ci_low"] <= 0) & (fr["ci_high"] >= 0)).all())
    assert 0.90 <= uniform / reps <= 0.99
    assert pointwise / reps < 0.85
    assert uniform - pointwise >= 0.1 * reps


@pytest.mark.parametrize(
    ("lang", "label"),
    [("en", "Uniform band (all event times at once)"), ("zh", "同时置信带（所有事件期同时覆盖）")],
)
def test_the_event_study_figure_draws_the_band_with_a_legend_entry(lang, label):
    from bankperf_analysis.incentives import plot_event_study

    agg = _event(_null_panel(1))
    ax = plot_event_study(agg, lang=lang).axes[0]
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert label in texts
    bars = [p for p in ax.patches if p.get_height() > 0]
    fr = agg.frame[~agg.frame["reference"]]
    assert len(bars) == len(fr)
    got = sorted((round(b.get_y(), 9), round(b.get_y() + b.get_height(), 9)) for b in bars)
    want = sorted(zip(fr["uniform_low"].round(9), fr["uniform_high"].round(9)))
    assert got == want


@pytest.mark.parametrize(("weights", "third"), [("mammen", 1.0), ("rademacher", 0.0)])
def test_the_multipliers_have_mean_0_variance_1_and_the_named_third_moment(weights, third):
    from bankperf_analysis.incentives.uniform_band import _draws

    v = _draws(np.eye(6000), 200, weights, seed=4)  # row b, column c: the multiplier V[b, c]
    assert len(np.unique(v.round(12))) == 2
    assert v.mean() == pytest.approx(0.0, abs=0.01)
    assert (v**2).mean() == pytest.approx(1.0, abs=0.01)
    assert (v**3).mean() == pytest.approx(third, abs=0.02)

"""Tests of bankperf_analysis.significance.compare: reference values, simulations, edge cases, API."""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_effectsize,
)
from statsmodels.stats.proportion import (
    test_proportions_2indep as sm_test_proportions_2indep,
)

from bankperf_analysis.exceptions import (
    ConvergenceWarning,
    DataValidationError,
    InconclusiveWarning,
    InsufficientSampleError,
    ParamsError,
    SmallSampleWarning,
)
from bankperf_analysis.significance import (
    ChangeTestResult,
    FunnelResult,
    adjust_pvalues,
    compare_many,
    compare_means,
    compare_ordinal,
    compare_periods,
    compare_rates,
    funnel_data,
    funnel_plot,
    minimum_detectable_change,
    required_sample_size,
    shrink_rates,
)
from bankperf_analysis.significance import stats as kernels

_spec = importlib.util.spec_from_file_location(
    "significance_reference", Path(__file__).parent / "data" / "significance_reference.py"
)
ref = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ref)

TABLE_TOL = 5e-5 + 1e-9  # published values have 4 decimals
ignore_small = pytest.mark.filterwarnings("ignore::bankperf_analysis.exceptions.SmallSampleWarning")


def _quiet(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


# =========================================================================== rates: reference


@ignore_small
@pytest.mark.parametrize("label", sorted(ref.NEWCOMBE_1998_TABLE_II))
def test_newcombe_interval_matches_newcombe_1998_table_ii(label):
    # Newcombe (1998) Stat Med 17:873, Table II, method 10 (see tests/data/significance_reference.py)
    x1, n1, x2, n2, lo, hi = ref.NEWCOMBE_1998_TABLE_II[label]
    res = compare_rates(x2, n2, x1, n1)  # "before" = sample 2, "after" = sample 1 -> p1 - p2
    assert res.diff == pytest.approx(x1 / n1 - x2 / n2)
    assert res.ci_low == pytest.approx(lo, abs=TABLE_TOL)
    assert res.ci_high == pytest.approx(hi, abs=TABLE_TOL)


def test_newcombe_interval_matches_statsmodels_newcomb_on_many_tables():
    rng = np.random.default_rng(11)
    n1 = rng.integers(1, 80, size=300)
    n2 = rng.integers(1, 80, size=300)
    x1 = rng.integers(0, n1 + 1)
    x2 = rng.integers(0, n2 + 1)
    for alpha in (0.05, 0.1, 0.01):
        lo, hi = kernels.newcombe_interval(x1, n1, x2, n2, alpha)
        sm = np.array(
            [
                confint_proportions_2indep(a, b, c, d, method="newcomb", alpha=alpha)
                for a, b, c, d in zip(x1, n1, x2, n2, strict=True)
            ]
        )
        assert_allclose(lo, sm[:, 0], atol=1e-10)
        assert_allclose(hi, sm[:, 1], atol=1e-10)


@pytest.mark.parametrize("x, n, lo, hi", ref.WILSON_NEWCOMBE_1998_TABLE_I)
def test_wilson_interval_vs_published_and_hand_formula(x, n, lo, hi):
    # Newcombe (1998) Stat Med 17:857, Table I, method 3 (Wilson)
    got_lo, got_hi = kernels.wilson_interval(x, n, 0.05)
    assert got_lo == pytest.approx(lo, abs=TABLE_TOL)
    assert got_hi == pytest.approx(hi, abs=TABLE_TOL)
    # hand formula: (p + z^2/2n +- z sqrt(p q / n + z^2 / 4n^2)) / (1 + z^2 / n)
    z = stats.norm.ppf(0.975)
    p = x / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    assert got_lo == pytest.approx(max(centre - half, 0.0), abs=1e-12)
    assert got_hi == pytest.approx(centre + half, abs=1e-12)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_score_test_wraps_statsmodels_and_equals_pearson_chi2(alternative):
    # the uncorrected variant is Pearson's chi-square; the default (corrected) one: test_score_variants*
    res = compare_rates(800, 1000, 830, 1000, alternative=alternative, correction=False)
    sm = sm_test_proportions_2indep(
        830, 1000, 800, 1000, method="score", correction=False, alternative=alternative
    )
    assert res.statistic == pytest.approx(sm.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(sm.pvalue, rel=1e-12)
    assert res.method.startswith("score test")
    chi2, p_chi2, _, _ = stats.chi2_contingency([[830, 170], [800, 200]], correction=False)
    assert res.statistic**2 == pytest.approx(chi2, rel=1e-10)
    if alternative == "two-sided":
        assert res.pvalue == pytest.approx(p_chi2, rel=1e-10)
    elif alternative == "larger":
        assert res.pvalue == pytest.approx(p_chi2 / 2, rel=1e-10)
    else:
        assert res.pvalue == pytest.approx(1 - p_chi2 / 2, rel=1e-10)


def test_boschloo_exact_matches_scipy_documentation_example():
    # scipy.stats.boschloo_exact docstring: 74/117 vs 31/63, "greater" -> 0.0483, 0.0355
    r = ref.BOSCHLOO_SCIPY_DOC
    res = compare_rates(r["x2"], r["n2"], r["x1"], r["n1"], method="exact", alternative="larger")
    # the docstring prints 4 decimals and is checked by scipy's doctests at ~1e-4
    assert res.statistic == pytest.approx(r["statistic"], abs=1e-4)
    assert res.pvalue == pytest.approx(r["pvalue"], abs=1e-4)
    assert res.method.startswith("Boschloo")


def test_fisher_exact_lady_tasting_tea():
    # Fisher (1935): 3/4 vs 1/4, one-sided p = 17/70
    r = ref.FISHER_TEA
    res = compare_rates(
        r["x2"], r["n2"], r["x1"], r["n1"], method="exact", exact_test="fisher", alternative="larger"
    )
    assert res.pvalue == pytest.approx(r["pvalue_greater"], rel=1e-12)
    res_less = compare_rates(
        r["x2"], r["n2"], r["x1"], r["n1"], method="exact", exact_test="fisher", alternative="smaller"
    )
    assert res_less.pvalue == pytest.approx(1 - 1 / 70, rel=1e-12)  # P(X <= 3)


def test_one_sided_interval_is_the_bound_of_the_two_sided_1_minus_2alpha_interval():
    two = compare_rates(800, 1000, 830, 1000, alpha=0.10)
    up = compare_rates(800, 1000, 830, 1000, alternative="larger")
    down = compare_rates(800, 1000, 830, 1000, alternative="smaller")
    assert (up.ci_low, up.ci_high) == (pytest.approx(two.ci_low), 1.0)
    assert (down.ci_low, down.ci_high) == (-1.0, pytest.approx(two.ci_high))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 300), st.integers(1, 300), st.data())
def test_newcombe_properties(n1, n2, data):
    x1 = data.draw(st.integers(0, n1))
    x2 = data.draw(st.integers(0, n2))
    lo, hi = kernels.newcombe_interval(x1, n1, x2, n2, 0.05)
    d = x1 / n1 - x2 / n2
    assert -1 <= lo <= d <= hi <= 1
    # swapping the periods mirrors the interval
    lo_s, hi_s = kernels.newcombe_interval(x2, n2, x1, n1, 0.05)
    assert lo_s == pytest.approx(-hi, abs=1e-12)
    assert hi_s == pytest.approx(-lo, abs=1e-12)
    # a narrower confidence level gives a nested interval
    lo90, hi90 = kernels.newcombe_interval(x1, n1, x2, n2, 0.10)
    assert lo <= lo90 + 1e-12 and hi90 <= hi + 1e-12


# =========================================================================== means: reference


def test_welch_matches_hand_formula():
    # hand computation in tests/data/significance_reference.py (t = -1 exactly)
    r = ref.WELCH_HAND
    res = compare_means(r["before"], r["after"])
    assert res.diff == pytest.approx(r["diff"], rel=1e-12)
    assert res.statistic == pytest.approx(r["t"], rel=1e-12)
    assert res.df == pytest.approx(r["df"], rel=1e-12)
    q = stats.t.ppf(0.975, r["df"])
    assert (res.ci_low, res.ci_high) == (
        pytest.approx(r["diff"] - q * r["se"], rel=1e-12),
        pytest.approx(r["diff"] + q * r["se"], rel=1e-12),
    )
    assert res.pvalue == pytest.approx(2 * stats.t.sf(1.0, r["df"]), rel=1e-12)


@pytest.mark.parametrize(
    "alternative, scipy_alt", [("two-sided", "two-sided"), ("larger", "greater"), ("smaller", "less")]
)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_welch_matches_scipy_ttest_ind(alternative, scipy_alt, seed):
    rng = np.random.default_rng(seed)
    before = rng.normal(7.5, 1.5, size=rng.integers(3, 60))
    after = rng.normal(7.8, 2.5, size=rng.integers(3, 60))
    res = compare_means(before, after, alternative=alternative, alpha=0.1)
    sp = stats.ttest_ind(after, before, equal_var=False, alternative=scipy_alt)
    ci = sp.confidence_interval(0.9)
    assert_allclose(
        [res.statistic, res.pvalue, res.df, res.ci_low, res.ci_high],
        [sp.statistic, sp.pvalue, sp.df, ci.low, ci.high],
        rtol=1e-10,
    )
    mw = stats.mannwhitneyu(after, before, alternative=scipy_alt)
    assert res.check_pvalue == pytest.approx(mw.pvalue, rel=1e-12)
    assert res.check_method == "Mann-Whitney U"


def test_mystery_shopper_three_vs_three_is_handled_without_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compare_means([92, 88, 90], [84, 87, 83])
    assert res.n_before == res.n_after == 3
    assert math.isfinite(res.pvalue) and res.ci_low < res.diff < res.ci_high
    assert res.check_pvalue >= 0.1  # exact Mann-Whitney cannot go below 0.1 with 3 vs 3
    assert any("little power" in n for n in res.notes)


# =========================================================================== ordinal


def test_ordinal_with_two_levels_reduces_to_the_2x2_odds_ratio():
    # With two levels the proportional-odds model is a logistic regression on a binary
    # covariate: its MLE is the sample log odds ratio, SE sqrt(sum 1/cell).
    before = [2] * 30 + [1] * 20
    after = [2] * 40 + [1] * 10
    res = compare_ordinal(before, after, levels=(1, 2))
    or_hand = (40 / 10) / (30 / 20)
    se_hand = math.sqrt(1 / 40 + 1 / 10 + 1 / 30 + 1 / 20)
    assert res.odds_ratio == pytest.approx(or_hand, rel=1e-4)
    assert res.statistic == pytest.approx(math.log(or_hand) / se_hand, rel=1e-3)
    z = stats.norm.ppf(0.975)
    assert res.or_ci_low == pytest.approx(math.exp(math.log(or_hand) - z * se_hand), rel=1e-3)


def test_probabilistic_index_and_delong_variance_vs_brute_force():
    rng = np.random.default_rng(5)
    before = rng.integers(1, 6, size=23).astype(float)
    after = rng.integers(2, 6, size=17).astype(float)
    ps, var = kernels.prob_superiority(after, before)
    pair = (after[:, None] > before[None, :]) + 0.5 * (after[:, None] == before[None, :])
    assert ps == pytest.approx(pair.mean(), rel=1e-12)
    assert ps == pytest.approx(
        stats.mannwhitneyu(after, before).statistic / (after.size * before.size), rel=1e-12
    )
    v10, v01 = pair.mean(axis=1), pair.mean(axis=0)  # DeLong placement values
    assert var == pytest.approx(v10.var(ddof=1) / after.size + v01.var(ddof=1) / before.size, rel=1e-12)
    res = compare_ordinal(before, after)
    assert res.diff == pytest.approx(ps)
    assert res.ci_low < ps < res.ci_high


def test_probabilistic_index_interval_coverage():
    # true P(A > B) + 0.5 P(A = B) from the two score distributions; 1000 replicates
    rng = np.random.default_rng(12)
    levels = np.arange(1, 6)
    p_b = np.array([0.1, 0.15, 0.25, 0.3, 0.2])
    p_a = np.array([0.05, 0.1, 0.25, 0.35, 0.25])
    truth = sum(
        p_a[i] * p_b[j] * (1.0 if i > j else 0.5 if i == j else 0.0) for i in range(5) for j in range(5)
    )
    reps = 1000
    sample_a = rng.choice(levels, (reps, 40), p=p_a).astype(float)
    sample_b = rng.choice(levels, (reps, 35), p=p_b).astype(float)
    covered = 0
    for a, b in zip(sample_a, sample_b, strict=True):
        ps, var = kernels.prob_superiority(a, b)
        lo, hi = kernels.ps_interval(ps, var, a.size, b.size, 0.05)
        covered += lo <= truth <= hi
    assert abs(covered / reps - 0.95) < 3.5 * math.sqrt(0.05 * 0.95 / reps)


def test_ordinal_shift_is_detected_and_reported_as_probability():
    rng = np.random.default_rng(8)
    before = rng.choice([1, 2, 3, 4, 5], size=120, p=[0.1, 0.15, 0.25, 0.3, 0.2])
    after = rng.choice([1, 2, 3, 4, 5], size=110, p=[0.03, 0.07, 0.2, 0.35, 0.35])
    res = compare_ordinal(before, after)
    assert res.kind == "ordinal" and res.method.startswith("proportional-odds")
    assert res.significant and res.diff > 0.5 and res.odds_ratio > 1
    assert res.flag == "up"
    assert "probability" in res.verdict(kpi_label="Complaint satisfaction")
    assert "概率" in res.verdict("zh")


def test_ordinal_empty_levels_in_one_period():
    before = [3, 4, 4, 5, 5, 5, 3, 4, 5, 4, 3, 5]  # no 1s and 2s
    after = [1, 2, 2, 3, 4, 5, 3, 2, 1, 4, 5, 3]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: the model still fits
        res = compare_ordinal(before, after)
    assert math.isfinite(res.odds_ratio) and res.odds_ratio < 1
    assert res.diff < 0.5


def test_ordinal_levels_absent_from_both_periods_are_merged():
    before = [3, 4, 4, 5, 5, 3, 4]
    after = [4, 5, 5, 5, 4, 3, 5]
    res = compare_ordinal(before, after)
    assert any("levels 1, 2 absent from both periods" in n for n in res.notes)
    assert math.isfinite(res.pvalue)


def test_ordinal_separation_falls_back_to_mann_whitney():
    with pytest.warns(ConvergenceWarning, match="fell back to the Mann-Whitney"):
        res = compare_ordinal([1, 1, 2], [4, 5, 5])
    assert res.method.startswith("Mann-Whitney")
    assert res.pvalue == pytest.approx(stats.mannwhitneyu([4, 5, 5], [1, 1, 2]).pvalue)
    assert res.diff == 1.0 and 0 < res.ci_low < 0.5 and 0.99 < res.ci_high <= 1
    assert math.isnan(res.odds_ratio)


def test_ordinal_all_scores_equal():
    with pytest.warns(SmallSampleWarning, match="all scores are equal"):
        res = compare_ordinal([5, 5, 5], [5, 5])
    assert res.diff == 0.5 and res.pvalue == pytest.approx(1.0)


def test_ordinal_rejects_scores_outside_levels():
    with pytest.raises(DataValidationError, match="one of 1, 2, 3, 4, 5") as info:
        compare_ordinal([1, 2, 7], [3, 4, 0])
    assert {i.value for i in info.value.issues} == {"7", "0"}


# =========================================================================== multiple testing


def test_adjust_pvalues_vs_hand_computation():
    # hand computation in tests/data/significance_reference.py
    assert_allclose(adjust_pvalues(ref.PVALUES_HAND), ref.BH_HAND, rtol=1e-12)
    assert_allclose(adjust_pvalues(ref.PVALUES_HAND, "holm"), ref.HOLM_HAND, rtol=1e-12)
    assert_allclose(adjust_pvalues(ref.PVALUES_HAND, "bonferroni"), [0.04, 0.16, 0.12, 0.8])
    got = adjust_pvalues([0.01, np.nan, 0.04, 0.03, 0.20])
    assert np.isnan(got[1])
    assert_allclose(np.delete(got, 1), ref.BH_HAND, rtol=1e-12)


def _branches(seed: int, k: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n_b = rng.integers(80, 400, size=k)
    n_a = rng.integers(80, 400, size=k)
    shift = np.where(np.arange(k) < 3, -0.08, 0.0)  # three branches really got worse
    return pd.DataFrame(
        {
            "entity": [f"B{i:02d}" for i in range(k)],
            "x_before": rng.binomial(n_b, 0.86),
            "n_before": n_b,
            "x_after": rng.binomial(n_a, 0.86 + shift),
            "n_after": n_a,
        }
    )


@pytest.mark.parametrize("correction", ["fdr_bh", "holm"])
def test_compare_many_rates_adjusts_and_writes_verdicts(correction):
    frame = _branches(3)
    out = compare_many(frame, correction=correction, kpi_label={"en": "Satisfaction", "zh": "满意度"})
    assert list(out["entity"]) == list(frame["entity"])
    for col in (
        "statistic",
        "pvalue",
        "pvalue_adjusted",
        "diff",
        "ci_low",
        "ci_high",
        "n_before",
        "n_after",
        "method",
        "flag",
        "significant",
        "verdict_en",
        "verdict_zh",
    ):
        assert col in out.columns
    hand = multipletests(out["pvalue"], method=correction)[1]
    assert_allclose(out["pvalue_adjusted"], hand, rtol=1e-12)
    assert (out["pvalue_adjusted"] >= out["pvalue"] - 1e-15).all()
    assert (out["significant"] == (out["pvalue_adjusted"] < 0.05)).all()
    assert out["verdict_en"].str.startswith("Satisfaction").all()
    assert out["verdict_zh"].str.startswith("满意度").all()
    assert set(out.loc[out["significant"], "flag"]) <= {"up", "down"}
    one = compare_rates(*frame.iloc[0][["x_before", "n_before", "x_after", "n_after"]])
    assert out.loc[0, "pvalue"] == pytest.approx(one.pvalue)


def test_compare_many_verdict_uses_adjusted_pvalue():
    frame = pd.DataFrame(
        {
            "entity": ["A", "B", "C", "D"],
            "x_before": [850, 850, 850, 850],
            "n_before": [1000] * 4,
            "x_after": [817, 850, 851, 849],
            "n_after": [1000] * 4,
        }
    )
    out = compare_many(frame)
    row = out.iloc[0]
    assert row["pvalue"] < 0.05 <= row["pvalue_adjusted"]
    assert "not statistically significant after adjusting for 4 comparisons" in row["verdict_en"]
    assert "经 4 项多重比较校正后不再统计显著" in row["verdict_zh"]


def test_compare_many_gathers_warnings_into_one_per_class():
    frame = pd.DataFrame(
        {
            "entity": ["A", "B", "C"],
            "x_before": [9, 0, 300],
            "n_before": [10, 0, 400],
            "x_after": [10, 5, 310],
            "n_after": [10, 9, 400],
        }
    )
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        out = compare_many(frame)
    small = [w for w in ws if issubclass(w.category, SmallSampleWarning)]
    assert len(small) == 1 and "2 of 3 entities (A, B)" in str(small[0].message)
    assert out.loc[1, "flag"] == "no_data"
    assert out.loc[1, "verdict_en"] == "The rate: no data for the previous period"
    assert out["pvalue_adjusted"].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("kind", ["mean", "ordinal"])
def test_compare_many_with_score_arrays(kind):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "entity": ["S1", "S2", "S3"],
            "scores_before": [rng.integers(1, 6, 40), rng.integers(1, 6, 30), rng.integers(3, 6, 25)],
            "scores_after": [rng.integers(1, 6, 35), rng.integers(2, 6, 30), rng.integers(1, 6, 25)],
        }
    )
    out = compare_many(frame, kind=kind, correction="holm")
    assert (out["kind"] == kind).all() and len(out) == 3
    assert (out["adjust_method"] == "holm").all()
    assert out["pvalue_adjusted"].notna().all()


def test_compare_many_treats_nan_counts_as_no_data():
    frame = pd.DataFrame(
        {"x_before": [np.nan, 80], "n_before": [np.nan, 100], "x_after": [8, 85], "n_after": [10, 100]},
        index=pd.Index(["new branch", "old branch"], name="branch"),
    )
    with pytest.warns(SmallSampleWarning, match="1 of 2 entities"):
        out = compare_many(frame)
    assert out["entity"].tolist() == ["new branch", "old branch"]
    assert out.loc[0, "flag"] == "no_data" and out.loc[0, "n_before"] == 0
    assert out.loc[1, "n_comparisons"] == 1


def test_compare_many_missing_columns():
    with pytest.raises(DataValidationError, match="n_after"):
        compare_many(pd.DataFrame({"x_before": [1], "n_before": [2], "x_after": [1]}))


# =========================================================================== simulations


def test_rates_false_positive_rate_and_null_coverage():
    # 2000 null comparisons (p = 0.85 in both periods, 200 surveys each): the score
    # test rejects at ~5 % and the Newcombe interval covers the true 0 in ~95 %.
    rng = np.random.default_rng(2026)
    reps, n, p = 2000, 200, 0.85
    xb, xa = rng.binomial(n, p, reps), rng.binomial(n, p, reps)
    rejected = covered = 0
    for b, a in zip(xb, xa, strict=True):
        res = compare_rates(int(b), n, int(a), n)
        rejected += res.pvalue < 0.05
        covered += res.ci_low <= 0 <= res.ci_high
    tol = 3.5 * math.sqrt(0.05 * 0.95 / reps)  # binomial tolerance, ~0.017
    assert abs(rejected / reps - 0.05) < tol
    assert abs(covered / reps - 0.95) < tol


@pytest.mark.parametrize("p1, n1, p2, n2", [(0.85, 60, 0.78, 50), (0.95, 40, 0.9, 80), (0.5, 25, 0.65, 30)])
def test_newcombe_coverage_is_near_nominal(p1, n1, p2, n2):
    rng = np.random.default_rng(7)
    reps = 20000
    x1, x2 = rng.binomial(n1, p1, reps), rng.binomial(n2, p2, reps)
    lo, hi = kernels.newcombe_interval(x1, n1, x2, n2, 0.05)
    coverage = np.mean((lo <= p1 - p2) & (p1 - p2 <= hi))
    assert 0.93 <= coverage <= 0.975  # Newcombe (1998): mean coverage close to 0.95


def test_means_false_positive_rate_on_survey_scores():
    # 1-10 survey scores, same skewed distribution in both periods, 30 vs 30
    rng = np.random.default_rng(99)
    probs = np.array([1, 1, 2, 3, 5, 8, 12, 20, 25, 23], float)
    probs /= probs.sum()
    reps = 2000
    before = rng.choice(np.arange(1, 11), size=(reps, 30), p=probs)
    after = rng.choice(np.arange(1, 11), size=(reps, 30), p=probs)
    rejected = 0
    for b, a in zip(before, after, strict=True):
        rejected += compare_means(b, a, check=False).pvalue < 0.05
    assert abs(rejected / reps - 0.05) < 3.5 * math.sqrt(0.05 * 0.95 / reps)


def test_means_false_positive_rate_three_vs_three():
    rng = np.random.default_rng(3)
    reps = 400
    rejected = sum(
        compare_means(rng.normal(88, 4, 3), rng.normal(88, 4, 3), check=False).pvalue < 0.05
        for _ in range(reps)
    )
    assert rejected / reps < 0.05 + 3.5 * math.sqrt(0.05 * 0.95 / reps)


def test_shrunk_rates_have_lower_mse_than_raw_rates():
    rng = np.random.default_rng(17)
    wins, mse_raw, mse_shrunk = 0, [], []
    for _ in range(15):
        k = 40
        truth = rng.beta(0.86 * 60, 0.14 * 60, size=k)  # branches vary around 86 %
        n = rng.integers(10, 250, size=k)
        x = rng.binomial(n, truth)
        res = shrink_rates(x, n)
        raw = np.mean((x / n - truth) ** 2)
        shrunk = np.mean((res.table["shrunk_rate"].to_numpy() - truth) ** 2)
        mse_raw.append(raw)
        mse_shrunk.append(shrunk)
        wins += shrunk < raw
    assert np.mean(mse_shrunk) < 0.8 * np.mean(mse_raw)
    assert wins >= 13


def test_funnel_detects_overdispersion_when_present():
    rng = np.random.default_rng(21)
    n = rng.integers(100, 600, size=60)
    truth = rng.beta(0.85 * 40, 0.15 * 40, size=60)  # phi ~ 1 + n / 41 >> 1
    res = funnel_data(rng.binomial(n, truth), n)
    assert res.phi > 2 and res.phi_pvalue < 1e-6 and res.adjusted
    # the adjusted limits are wider than the binomial ones
    plain = funnel_data(rng.binomial(n, truth), n, overdispersion="none")
    assert not plain.adjusted
    assert (res.table["upper_95"] - res.table["lower_95"]).mean() > (
        plain.table["upper_95"] - plain.table["lower_95"]
    ).mean()


def test_funnel_overdispersion_test_holds_its_level_on_binomial_data():
    rng = np.random.default_rng(22)
    flagged = 0
    reps = 300
    for _ in range(reps):
        n = rng.integers(100, 600, size=40)
        flagged += funnel_data(rng.binomial(n, 0.85), n).adjusted
    assert flagged / reps <= 0.05 + 3.5 * math.sqrt(0.05 * 0.95 / reps)


# =========================================================================== funnel details


def test_funnel_phi_and_tau2_by_hand():
    x = np.array([40, 55, 90, 70, 20, 160, 130, 30, 95, 61])
    n = np.array([50, 80, 100, 90, 40, 200, 150, 35, 120, 70])
    res = funnel_data(x, n, winsorize=0.1)
    t = x.sum() / n.sum()
    s2 = t * (1 - t) / n
    z = (x / n - t) / np.sqrt(s2)
    lo, hi = np.quantile(z, [0.1, 0.9])
    phi = np.mean(np.clip(z, lo, hi) ** 2)
    assert res.target == pytest.approx(t)
    assert_allclose(res.table["z"], z, rtol=1e-12)
    assert res.phi == pytest.approx(phi, rel=1e-12)
    assert res.phi_pvalue == pytest.approx(stats.chi2.sf(10 * phi, 9), rel=1e-12)
    w = 1 / s2
    tau2 = max(0.0, (10 * phi - 9) / (w.sum() - (w**2).sum() / w.sum()))
    add = funnel_data(x, n, overdispersion="additive")
    assert add.tau2 == pytest.approx(tau2, rel=1e-12)
    if add.adjusted:
        assert_allclose(add.table["z_adjusted"], (x / n - t) / np.sqrt(s2 + tau2), rtol=1e-12)
    if res.adjusted:
        assert_allclose(res.table["z_adjusted"], z / np.sqrt(phi), rtol=1e-12)


def test_exact_funnel_limits_by_hand():
    # Spiegelhalter (2005) Appendix A.1.1: r_p = smallest r with F(r) >= p,
    # a = (F(r_p) - p) / (F(r_p) - F(r_p - 1)), limit = (r_p - a) / n
    res = funnel_data([85, 170, 20], [100, 200, 25], target=0.85, overdispersion="none")
    for n_i, row in zip([100, 200, 25], res.table.itertuples(), strict=True):
        for prob, got in (
            (0.025, row.lower_95),
            (0.975, row.upper_95),
            (0.001, row.lower_99_8),
            (0.999, row.upper_99_8),
        ):
            r = next(k for k in range(n_i + 1) if stats.binom.cdf(k, n_i, 0.85) >= prob)
            f, fm = stats.binom.cdf(r, n_i, 0.85), stats.binom.cdf(r - 1, n_i, 0.85)
            assert got == pytest.approx((r - (f - prob) / (f - fm)) / n_i, abs=1e-12)
    normal = funnel_data([85, 80], [100, 100], target=0.85, method="normal", overdispersion="none")
    half = stats.norm.ppf(0.975) * math.sqrt(0.85 * 0.15 / 100)
    assert normal.table.loc[0, "upper_95"] == pytest.approx(0.85 + half)


def test_funnel_bands_and_no_data_entities():
    res = funnel_data(
        [5, 850, 95, 0], [10, 1000, 100, 0], labels=["tiny", "big", "top", "new"], overdispersion="none"
    )
    t = res.table.set_index("entity")
    assert t.loc["new", "band"] == "no_data" and np.isnan(t.loc["new", "rate"])
    assert t.loc["tiny", "band"].startswith("below")
    assert t.loc["top", "band"].startswith("above")
    for _, row in t.drop("new").iterrows():
        inside = row["lower_95"] <= row["rate"] <= row["upper_95"]
        assert inside == (row["band"] == "within")
    assert isinstance(res.summary().as_html(), str)


@pytest.mark.parametrize("lang, xlabel", [("en", "Number of responses (n)"), ("zh", "样本量 (n)")])
def test_funnel_plot_returns_a_figure_without_pyplot(lang, xlabel):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    before = set(plt.get_fignums())
    rng = np.random.default_rng(1)
    n = rng.integers(20, 400, size=25)
    fig = funnel_plot(x=rng.binomial(n, 0.85), n=n, labels=[f"B{i}" for i in range(25)], lang=lang)
    assert isinstance(fig, Figure)
    assert set(plt.get_fignums()) == before  # no pyplot state, nothing to close
    ax = fig.axes[0]
    assert ax.get_xlabel() == xlabel
    assert len(ax.get_lines()) >= 5  # target + 2 levels x 2 sides
    fig2, ax2 = plt.subplots()
    assert funnel_plot(funnel_data([8, 9], [10, 10]), ax=ax2) is fig2


# =========================================================================== shrinkage details


def test_shrink_rates_small_branch_not_ranked_first_by_luck():
    x = [20, 960, 850, 700, 430, 88]
    n = [20, 1000, 1000, 800, 500, 100]
    res = shrink_rates(x, n, labels=["lucky", "A", "B", "C", "D", "E"])
    t = res.table.set_index("entity")
    assert t.loc["lucky", "raw_rank"] == 1
    assert t.loc["A", "rank"] == 1 and t.loc["lucky", "rank"] > 1
    # shrunk rates lie between the raw rate and the prior mean
    for _, row in t.iterrows():
        lo, hi = sorted([row["raw_rate"], res.prior_mean])
        assert lo - 1e-12 <= row["shrunk_rate"] <= hi + 1e-12
    # posterior intervals are Beta(a + x, b + n - x) quantiles
    post = stats.beta(res.a + 20, res.b + 0)
    assert t.loc["lucky", "ci_low"] == pytest.approx(post.ppf(0.025))
    assert t.loc["lucky", "ci_high"] == pytest.approx(post.ppf(0.975))


def test_shrink_rates_is_the_marginal_likelihood_maximum():
    rng = np.random.default_rng(9)
    n = rng.integers(30, 300, size=50)
    x = rng.binomial(n, rng.beta(0.8 * 30, 0.2 * 30, size=50))
    res = shrink_rates(x, n)

    def loglik(a, b):
        return stats.betabinom.logpmf(x, n, a, b).sum()

    assert res.loglik == pytest.approx(loglik(res.a, res.b))
    for fa, fb in [(1.05, 1), (0.95, 1), (1, 1.05), (1, 0.95), (1.05, 1.05), (0.95, 0.95)]:
        assert loglik(res.a * fa, res.b * fb) <= res.loglik + 1e-9
    assert 0.77 < res.prior_mean < 0.83 and 10 < res.prior_strength < 90


def test_shrink_rates_needs_two_entities():
    with pytest.raises(InsufficientSampleError, match="at least 2 entities"):
        shrink_rates([5], [10])
    with pytest.warns(SmallSampleWarning, match="only 3 entities"):
        shrink_rates([5, 8, 9], [10, 10, 10])


# =========================================================================== edge cases


def test_zero_counts_in_both_periods():
    with pytest.warns(SmallSampleWarning, match="Boschloo exact test"):
        res = compare_rates(0, 20, 0, 25)
    assert res.diff == 0 and res.pvalue == pytest.approx(1.0)
    assert res.ci_low < 0 < res.ci_high
    assert res.inconclusive
    assert "inconclusive" in res.verdict()


def test_hundred_percent_uses_exact_test():
    with pytest.warns(SmallSampleWarning, match="expected cell count 1.00 < 5"):
        res = compare_rates(30, 30, 28, 30)
    direct = stats.boschloo_exact([[28, 30], [2, 0]])
    assert res.pvalue == pytest.approx(direct.pvalue)
    assert res.ci_high < 0.1 and res.ci_low > -0.25
    assert "exact" in res.notes[0]
    fisher = _quiet(compare_rates, 30, 30, 28, 30, exact_test="fisher")
    assert fisher.pvalue == pytest.approx(stats.fisher_exact([[28, 30], [2, 0]]).pvalue)


def test_zero_cell_in_a_large_table_uses_fisher_not_boschloo():
    # 100 % service level in one period of 2000 calls: a zero cell, but Boschloo on a
    # 2001 x 2001 grid would take minutes, so Fisher's exact test is used (and noted).
    with pytest.warns(SmallSampleWarning, match="a zero cell"):
        res = compare_rates(1990, 2000, 2000, 2000)
    assert res.method.startswith("Fisher")
    assert res.pvalue == pytest.approx(stats.fisher_exact([[2000, 1990], [0, 10]]).pvalue)
    assert any("instead of Boschloo" in n for n in res.notes)


def test_large_counts_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res = compare_rates(850, 1000, 870, 1000)
    assert res.method.startswith("score test")


def test_n_equal_one():
    with pytest.warns(SmallSampleWarning):
        res = compare_rates(1, 1, 0, 1)
    assert math.isfinite(res.pvalue) and -1 <= res.ci_low < res.ci_high <= 1
    with pytest.warns(SmallSampleWarning, match="at least 2 scores"):
        m = compare_means([7], [8, 9])
    assert math.isnan(m.pvalue) and m.diff == pytest.approx(1.5)
    assert "cannot be tested" in m.verdict() and "无法检验" in m.verdict("zh")
    with pytest.warns(ConvergenceWarning):
        o = compare_ordinal([4], [5])
    assert o.diff == 1.0


def test_no_variation_in_means():
    with pytest.warns(SmallSampleWarning, match="no variation"):
        res = compare_means([90, 90, 90], [85, 85, 85])
    assert math.isnan(res.pvalue) and res.diff == -5


@pytest.mark.parametrize(
    "call",
    [
        lambda: compare_rates(0, 0, 10, 20),
        lambda: compare_means([], [7, 8, 9]),
        lambda: compare_ordinal([np.nan, None], [4, 5]),
    ],
)
def test_missing_previous_period_gives_nan_result_and_no_data_verdict(call):
    with pytest.warns(SmallSampleWarning, match="no data for the previous period"):
        res = call()
    assert res.n_before == 0 and math.isnan(res.pvalue) and math.isnan(res.diff)
    assert res.flag == "no_data"
    assert res.verdict(kpi_label="Satisfaction") == "Satisfaction: no data for the previous period"
    assert res.verdict("zh", kpi_label="满意度") == "满意度：上一期无数据"


def test_missing_current_and_both_periods():
    with pytest.warns(SmallSampleWarning):
        assert compare_rates(5, 10, 0, 0).verdict() == "The rate: no data for the current period"
    with pytest.warns(SmallSampleWarning):
        assert compare_rates(0, 0, 0, 0).verdict("zh") == "比率：两期均无数据"


# =========================================================================== verdicts and API


def test_verdict_example_en_zh():
    res = compare_rates(850, 1000, 810, 1000)
    assert res.verdict(kpi_label="Satisfaction") == (
        "Satisfaction fell 4.0 percentage points (95 % CI -7.3 to -0.7), statistically significant"
        " (corrected score test)"
    )
    assert res.verdict("zh", kpi_label="满意度") == (
        "满意度下降 4.0 个百分点（95 % 置信区间 -7.3 至 -0.7），统计显著（校正得分检验）"
    )
    mean = compare_means(ref.WELCH_HAND["before"], ref.WELCH_HAND["after"])
    # t_{0.975, 2.876} = 3.2617: CI = -6.667 -+ 3.2617 * 6.667; mdc = (3.2617 + 0.9846) * 6.667
    assert mean.verdict(kpi_label="Mystery shopper") == (
        "Mystery shopper fell 6.67 points (95 % CI -28.41 to +15.07), inconclusive: changes "
        "smaller than 28.31 points cannot be detected with these samples"
    )


def test_one_sided_verdicts_name_the_bound():
    up = compare_rates(800, 1000, 830, 1000, alternative="larger")
    assert up.verdict() == (
        "The rate rose 3.0 percentage points (95 % lower bound +0.1), statistically significant"
        " (corrected score test)"
    )
    down = compare_means([1, 2, 3, 4, 5], [3, 4, 5, 6, 7], alternative="smaller")
    assert "95 % 置信上限" in down.verdict("zh") and down.ci_low == -math.inf
    hopeless = _quiet(compare_rates, 3, 10, 9, 10, alternative="smaller")
    assert hopeless.mdc == math.inf
    assert hopeless.verdict().endswith("too small to detect a change in this direction")


def test_inconclusive_versus_no_detectable_change():
    small = _quiet(compare_rates, 17, 20, 16, 20)  # n = 20: only huge changes are detectable
    assert not small.significant and small.inconclusive and small.flag == "inconclusive"
    assert small.mdc > 0.2
    assert "inconclusive: changes smaller than" in small.verdict()
    assert "结论不确定" in small.verdict("zh")
    big = compare_rates(8500, 10000, 8510, 10000)
    assert not big.significant and not big.inconclusive and big.flag == "ns"
    assert big.verdict().endswith("not distinguishable from noise at this sample size (corrected score test)")


def test_inconclusive_warning_only_when_asked():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        compare_rates(170, 200, 168, 200)
    with pytest.warns(InconclusiveWarning, match="cannot be detected"):
        compare_rates(170, 200, 168, 200, warn_inconclusive=True)
    frame = pd.DataFrame(
        {"x_before": [170, 171], "n_before": [200, 200], "x_after": [168, 172], "n_after": [200, 200]}
    )
    with warnings.catch_warnings(record=True) as ws:
        warnings.simplefilter("always")
        compare_many(frame, warn_inconclusive=True)
    assert sum(issubclass(w.category, InconclusiveWarning) for w in ws) == 1


def test_with_adjusted_pvalue_changes_the_verdict():
    res = compare_rates(850, 1000, 810, 1000)
    adj = res.with_adjusted_pvalue(0.2, "fdr_bh", 12)
    assert res.significant and not adj.significant
    assert adj.pvalue == res.pvalue and adj.pvalue_used == 0.2
    word = " (corrected score test)"
    assert adj.verdict().endswith("not statistically significant after adjusting for 12 comparisons" + word)
    still = res.with_adjusted_pvalue(0.03, "holm", 12)
    assert still.verdict().endswith("statistically significant after adjusting for 12 comparisons" + word)


def test_result_unpacks_to_statistic_and_pvalue_and_is_frozen():
    res = compare_rates(850, 1000, 810, 1000)
    stat, pval = res
    assert (stat, pval) == (res.statistic, res.pvalue)
    assert len(tuple(res)) == 2
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.pvalue = 0.5
    names = [f.name for f in dataclasses.fields(ChangeTestResult)]
    assert names[:9] == [
        "statistic",
        "pvalue",
        "diff",
        "ci_low",
        "ci_high",
        "n_before",
        "n_after",
        "method",
        "alternative",
    ]


def test_to_frame_and_summary():
    res = compare_rates(850, 1000, 810, 1000)
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "pvalue"] == res.pvalue and frame.loc[0, "flag"] == "down"
    summ = res.summary(kpi_label="Satisfaction")
    text = summ.as_text()
    assert "Newcombe" in text and "Satisfaction fell 4.0" in text and "满意度" not in text
    assert "<table" in summ.as_html() and summ._repr_html_() == summ.as_html()
    assert str(summ) == text


def test_compare_periods_dispatches():
    # rate: (x, n) pairs, after - before; the score test is Pearson's chi-square without
    # continuity correction on the 2x2 table, the interval Newcombe's hybrid score interval
    res = compare_periods("rate", (850, 1000), (810, 1000), correction=False)
    chi2 = stats.chi2_contingency([[850, 150], [810, 190]], correction=False)
    newcombe = confint_proportions_2indep(810, 1000, 850, 1000, method="newcomb", compare="diff")
    assert res.kind == "rate" and (res.n_before, res.n_after) == (1000, 1000)
    assert res.diff == pytest.approx(0.81 - 0.85, abs=1e-12)
    assert res.statistic == pytest.approx(-math.sqrt(chi2.statistic), rel=1e-10)
    assert res.pvalue == pytest.approx(chi2.pvalue, rel=1e-10)
    assert (res.ci_low, res.ci_high) == pytest.approx(newcombe, rel=1e-10)
    # mean: Welch's t test of after - before; alpha reaches it (a 90 % interval)
    a, b = [7, 8, 9, 6], [8, 9, 9, 10]
    res = compare_periods("mean", a, b, alpha=0.1)
    welch = stats.ttest_ind(b, a, equal_var=False)
    assert res.kind == "mean" and res.diff == pytest.approx(9.0 - 7.5)
    assert (res.statistic, res.pvalue, res.df) == pytest.approx(
        (welch.statistic, welch.pvalue, welch.df), rel=1e-10
    )
    assert (res.ci_low, res.ci_high) == pytest.approx(tuple(welch.confidence_interval(0.9)), rel=1e-10)
    assert res.check_pvalue == pytest.approx(stats.mannwhitneyu(b, a).pvalue, rel=1e-10)
    # ordinal: the probabilistic index P(after > before) + 0.5 P(tie) over all 16 pairs, and
    # the proportional-odds model fitted here with statsmodels directly
    before, after = [3, 4, 5, 4], [4, 5, 5, 3]
    res = compare_periods("ordinal", before, after)
    pairs = [(x, y) for x in before for y in after]
    index = sum((y > x) + 0.5 * (y == x) for x, y in pairs) / len(pairs)
    assert index == 9.5 / 16
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    fit = OrderedModel(
        pd.Series(pd.Categorical(before + after, ordered=True)),
        pd.DataFrame({"after": [0] * 4 + [1] * 4}),
        distr="logit",
    ).fit(method="bfgs", disp=False)
    assert res.kind == "ordinal" and res.diff == pytest.approx(index, rel=1e-12)
    assert (res.estimate_before, res.estimate_after) == (4.0, 4.25)
    assert res.pvalue == pytest.approx(fit.pvalues["after"], rel=1e-4)
    assert res.odds_ratio == pytest.approx(math.exp(fit.params["after"]), rel=1e-4)
    # keyword arguments reach the chosen test
    assert compare_periods(
        "rate", (850, 1000), (810, 1000), alternative="smaller", correction=False
    ).pvalue == (pytest.approx(chi2.pvalue / 2, rel=1e-10))
    with pytest.raises(DataValidationError):
        compare_periods("ordinal", [1, 7], [2, 3])  # 7 is not a level of the default 1-5 scale
    assert compare_periods("ordinal", [1, 7], [2, 3], levels=None).kind == "ordinal"
    with pytest.raises(ParamsError, match="'kind' parameter of compare_periods"):
        compare_periods("median", a, b)
    with pytest.raises(ParamsError, match=r"an \(x, n\) pair for kind='rate'"):
        compare_periods("rate", (850, 1000, 3), (810, 1000))


def test_parameter_errors_use_the_house_template():
    with pytest.raises(ParamsError) as info:
        compare_rates(1, 2, 1, 2, alpha=1.5)
    assert str(info.value) == (
        "The 'alpha' parameter of compare_rates must be a float in (0, 1). Got 1.5 instead."
    )
    assert isinstance(info.value, ValueError)
    with pytest.raises(ParamsError, match="'alternative' parameter of compare_means must be one of"):
        compare_means([1, 2], [3, 4], alternative="bigger")
    with pytest.raises(
        ParamsError,
        match=r"'x_before' parameter of compare_rates must be an "
        r"integer in \[0, n_before\]",
    ):
        compare_rates(25, 20, 1, 2)
    with pytest.raises(ParamsError, match="'lang' parameter"):
        _quiet(compare_rates, 1, 2, 1, 2).verdict("fr")
    with pytest.raises(ParamsError, match="1-D array of finite numbers"):
        compare_means([1, np.inf], [2, 3])


# =========================================================================== power


def test_required_sample_size_085_to_090_matches_textbook_formulas():
    # see tests/data/significance_reference.py; default method "score" = Fleiss pooled
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    p1, p2, pbar = 0.85, 0.90, 0.875
    d = p2 - p1
    fleiss = (
        z_a * math.sqrt(2 * pbar * (1 - pbar)) + z_b * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / d**2
    unpooled = (z_a + z_b) ** 2 * (p1 * (1 - p1) + p2 * (1 - p2)) / d**2
    fleiss_cc = fleiss / 4 * (1 + math.sqrt(1 + 4 / (fleiss * d))) ** 2
    assert math.ceil(fleiss) == ref.SAMPLE_SIZE_085_090["score"] == 686
    assert math.ceil(unpooled) == ref.SAMPLE_SIZE_085_090["unpooled"] == 683
    assert math.ceil(fleiss_cc) == ref.SAMPLE_SIZE_085_090["score_cc"] == 726
    assert required_sample_size(0.85, 0.90) == 686
    assert required_sample_size(0.85, 0.90, method="score_cc") == 726
    # arcsine version agrees with statsmodels NormalIndPower on Cohen's h ...
    sm = NormalIndPower().solve_power(proportion_effectsize(0.90, 0.85), alpha=0.05, power=0.8)
    assert required_sample_size(0.85, 0.90, method="arcsine") == math.ceil(sm) == 681
    # ... and the formulas agree with each other to within 1 %
    assert abs(686 / 681 - 1) < 0.01 and abs(686 / 683 - 1) < 0.01


def test_required_sample_size_variants():
    assert required_sample_size(0.90, 0.85) == required_sample_size(0.85, 0.90)
    one_sided = required_sample_size(0.85, 0.90, alternative="larger")
    assert one_sided < 686
    unequal = required_sample_size(0.85, 0.90, ratio=2.0)
    assert unequal < 686  # more after-surveys: fewer needed before
    assert required_sample_size(change=0.5, sd=1.0) == 64  # classic d = 0.5 -> 64 per group


def test_minimum_detectable_change_round_trips_with_required_sample_size():
    mdc = minimum_detectable_change(0.85, 686, 686)
    assert mdc == pytest.approx(0.05, abs=2e-4)
    assert minimum_detectable_change(0.85, 686, method="arcsine") == pytest.approx(0.05, abs=2e-3)
    assert minimum_detectable_change(n_before=64, sd=1.0) == pytest.approx(0.5, abs=5e-3)
    sizes = [50, 100, 200, 400, 800]
    mdcs = [minimum_detectable_change(0.85, n) for n in sizes]
    assert all(a > b for a, b in zip(mdcs, mdcs[1:], strict=False))
    assert minimum_detectable_change(1.0, 50, alternative="larger") == math.inf
    with pytest.raises(ParamsError):
        minimum_detectable_change(0.85, 100, sd=1.0)


def test_result_mdc_matches_power_function():
    """At the result's minimum detectable change the score test has the requested power.

    Reference: statsmodels' ``power_proportions_2indep`` (pooled variance under H0, unpooled
    under H1), with sample 1 = after (210 surveys) and sample 2 = before (200, p = 0.85).
    Two-sided, the MDC is the smaller of the rise and the fall that reach the power.
    """
    from statsmodels.stats.proportion import power_proportions_2indep

    def power_at(diff, **kw):
        return power_proportions_2indep(diff, 0.85, 210, ratio=200 / 210, return_results=False, **kw)

    res = compare_rates(170, 200, 172, 210)
    up, down = power_at(res.mdc), power_at(-res.mdc)
    assert max(up, down) == pytest.approx(0.8, abs=1e-5) and min(up, down) < 0.8
    res = compare_rates(170, 200, 172, 210, alpha=0.01, power=0.9)
    up, down = power_at(res.mdc, alpha=0.01), power_at(-res.mdc, alpha=0.01)
    assert max(up, down) == pytest.approx(0.9, abs=1e-5) and min(up, down) < 0.9
    for alternative, sign in (("larger", 1), ("smaller", -1)):
        res = compare_rates(170, 200, 172, 210, alternative=alternative)
        assert power_at(sign * res.mdc, alternative=alternative) == pytest.approx(0.8, abs=1e-7)


def test_funnel_result_limits_and_errors():
    res = funnel_data([8, 9, 7], [10, 10, 10], method="normal")
    assert isinstance(res, FunnelResult)
    grid = res.limits([10, 100, 1000])
    assert list(grid.columns) == ["n", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    width = grid["upper_95"] - grid["lower_95"]
    assert width.is_monotonic_decreasing
    with pytest.raises(ParamsError, match="'funnel' parameter of funnel_plot"):
        funnel_plot(res, x=[1, 2], n=[3, 4])
    with pytest.raises(ParamsError, match="'x' parameter of funnel_data must be <= n"):
        funnel_data([5, 12], [10, 10])
    with pytest.raises(InsufficientSampleError):
        funnel_data([0, 0], [0, 0])

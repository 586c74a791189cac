"""The two named variants of the rate score test (issue 18, item 6).

Reference: statsmodels ``test_proportions_2indep(method="score", correction=True|False)``
(statsmodels 0.15, ``statsmodels/stats/proportion.py``: "If correction is True (default),
then the Miettinen and Nurminen small sample correction to the variance nobs / (nobs - 1)
is used."), and the variance formula itself: the corrected z is the uncorrected z times
``sqrt((N - 1) / N)``, ``N = n1 + n2``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep
from statsmodels.stats.proportion import test_proportions_2indep as sm_test_proportions_2indep

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.significance import compare_many, compare_periods, compare_rates

# (x_before, n_before, x_after, n_after): large, small, unequal n, a zero cell (x = 0), a
# full cell (x = n), and both zero and full in one table
TABLES = [
    (850, 1000, 810, 1000),
    (12, 20, 5, 18),
    (400, 520, 77, 130),
    (0, 15, 4, 15),
    (30, 30, 25, 30),
    (3, 7, 1, 9),
    (0, 12, 12, 12),
]


def _quiet(*args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return compare_rates(*args, **kwargs)


@pytest.mark.parametrize("table", TABLES, ids=lambda t: "-".join(map(str, t)))
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
@pytest.mark.parametrize("correction", [True, False])
def test_score_variants_match_statsmodels(table, alternative, correction):
    xb, nb, xa, na = table
    res = _quiet(xb, nb, xa, na, method="score", alternative=alternative, correction=correction)
    sm = sm_test_proportions_2indep(
        xa, na, xb, nb, method="score", compare="diff", alternative=alternative, correction=correction
    )
    assert res.statistic == pytest.approx(float(sm.statistic), rel=1e-10, abs=1e-10)
    assert res.pvalue == pytest.approx(float(sm.pvalue), rel=1e-10, abs=1e-10)


@pytest.mark.parametrize("table", [t for t in TABLES if t[0] + t[2] not in (0, t[1] + t[3])])
def test_corrected_z_is_the_uncorrected_z_shrunk_by_sqrt_n_minus_1_over_n(table):
    """The Miettinen-Nurminen factor, from the formula: var * N / (N - 1) at diff = 0."""
    xb, nb, xa, na = table
    p = (xa + xb) / (na + nb)
    z_hand = (xa / na - xb / nb) / math.sqrt(p * (1 - p) * (1 / na + 1 / nb))
    n_total = na + nb
    plain = _quiet(xb, nb, xa, na, method="score", correction=False)
    corrected = _quiet(xb, nb, xa, na, method="score", correction=True)
    assert plain.statistic == pytest.approx(z_hand, rel=1e-10)
    assert corrected.statistic == pytest.approx(z_hand * math.sqrt((n_total - 1) / n_total), rel=1e-10)
    assert corrected.pvalue == pytest.approx(2 * stats.norm.sf(abs(corrected.statistic)), rel=1e-10)
    assert corrected.pvalue > plain.pvalue  # the correction is conservative


def test_the_default_is_statsmodels_default():
    """No ``correction`` given: the same numbers as statsmodels' own default (no argument)."""
    res = compare_rates(850, 1000, 810, 1000)
    sm = sm_test_proportions_2indep(810, 1000, 850, 1000, method="score")
    assert res.pvalue == pytest.approx(float(sm.pvalue), rel=1e-12)
    assert res.method.startswith("score test (Miettinen-Nurminen corrected)")


def test_the_result_and_the_verdict_name_the_variant():
    on = compare_rates(850, 1000, 810, 1000, correction=True)
    off = compare_rates(850, 1000, 810, 1000, correction=False)
    assert on.method.startswith("score test (Miettinen-Nurminen corrected);")
    assert off.method.startswith("score test (uncorrected);")
    assert on.verdict().endswith("statistically significant (corrected score test)")
    assert off.verdict().endswith("statistically significant (uncorrected score test)")
    assert on.verdict("zh").endswith("统计显著（校正得分检验）")
    assert off.verdict("zh").endswith("统计显著（未校正得分检验）")
    assert on.to_frame()["method"].iloc[0] == on.method
    # the exact test is not a score test: no variant word
    exact = _quiet(0, 15, 4, 15)
    assert exact.method.startswith("Boschloo") and "score test" not in exact.verdict()
    assert "得分检验" not in exact.verdict("zh")


def test_newcombe_interval_and_exact_tests_still_work():
    """The interval does not depend on the variant; the exact alternatives are untouched."""
    newcombe = confint_proportions_2indep(810, 1000, 850, 1000, method="newcomb", compare="diff")
    for correction in (True, False):
        res = compare_rates(850, 1000, 810, 1000, correction=correction)
        assert (res.ci_low, res.ci_high) == pytest.approx(newcombe, rel=1e-10)
    table = np.array([[4, 0], [11, 15]])  # after in the first column, successes in the first row
    boschloo = compare_rates(0, 15, 4, 15, method="exact", correction=False)
    assert boschloo.pvalue == pytest.approx(stats.boschloo_exact(table).pvalue, rel=1e-10)
    fisher = compare_rates(0, 15, 4, 15, method="exact", exact_test="fisher", correction=True)
    assert fisher.pvalue == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-10)


def test_compare_many_and_compare_periods_pass_the_variant():
    frame = pd.DataFrame(
        {"x_before": [850, 400], "n_before": [1000, 520], "x_after": [810, 77], "n_after": [1000, 130]}
    )
    for flag in (True, False):
        many = compare_many(frame, correction="none", score_correction=flag)
        for i, row in frame.iterrows():
            one = compare_rates(*row.tolist(), correction=flag)
            assert many["pvalue"].iloc[i] == pytest.approx(one.pvalue, rel=1e-12)
        assert compare_periods("rate", (850, 1000), (810, 1000), correction=flag).method.startswith(
            "score test (Miettinen-Nurminen" if flag else "score test (uncorrected"
        )
    default = compare_many(frame, correction="none")
    assert default["method"].str.startswith("score test (Miettinen-Nurminen corrected)").all()


def test_bad_variant_arguments_are_refused_in_the_house_template():
    with pytest.raises(
        ParamsError, match=r"The 'correction' parameter of compare_rates must be True or False"
    ):
        compare_rates(850, 1000, 810, 1000, correction="yes")
    scores = pd.DataFrame({"scores_before": [np.array([1.0, 2.0])], "scores_after": [np.array([2.0, 3.0])]})
    with pytest.raises(ParamsError, match=r"The 'score_correction' parameter of compare_many"):
        compare_many(scores, "mean", score_correction=False)

"""The shrinkage choices of ``shrink_rates`` (issue 18, item 5): James-Stein and none.

James-Stein is checked against independent implementations written here from the textbook
formulas, on the published Efron-Morris baseball example, and by a seeded simulation of its
risk; ``"none"`` against statsmodels' Wilson interval.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from statsmodels.stats.proportion import proportion_confint

from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.significance import shrink_rates

# Efron & Morris (1975), "Data analysis using Stein's estimator and its generalizations",
# JASA 70:311-319, Table 1, and Efron & Morris (1977), "Stein's paradox in statistics",
# Scientific American 236(5):119-127: hits of 18 major-league players in their first 45
# at-bats of 1970 (Clemente 18 = .400 ... Alvis 7 = .156), and their batting average over
# the rest of the season (the "truth" the estimates are judged against).
# Published (1977): grand mean .265, shrinking factor c = .212, Clemente's estimate .294.
BASEBALL_HITS = [18, 17, 16, 15, 14, 14, 13, 12, 11, 11, 10, 10, 10, 10, 10, 9, 8, 7]
BASEBALL_AT_BATS = 45
BASEBALL_REST_OF_SEASON = [
    0.346, 0.298, 0.276, 0.222, 0.273, 0.270, 0.263, 0.210, 0.269,
    0.230, 0.264, 0.256, 0.303, 0.264, 0.226, 0.285, 0.316, 0.200,
]  # fmt: skip
PUBLISHED_C, PUBLISHED_MEAN, PUBLISHED_CLEMENTE = 0.212, 0.265, 0.294


def _js_efron_morris_1975(hits, n):
    """Efron & Morris (1975) by their own transform: X = sqrt(n) arcsin(2 p - 1), variance 1.

    JS towards the mean: X_js = Xbar + (1 - (k - 3) / sum((X - Xbar)^2))^+ (X - Xbar);
    back: p = (1 + sin(X_js / sqrt(n))) / 2.
    """
    p = np.asarray(hits, dtype=float) / n
    x = math.sqrt(n) * np.arcsin(2 * p - 1)
    k = x.size
    xbar = x.mean()
    c = max(0.0, 1 - (k - 3) / np.sum((x - xbar) ** 2))
    return (1 + np.sin((xbar + c * (x - xbar)) / math.sqrt(n))) / 2, c


def _js_projection(hits, n):
    """Stein's estimator shrinking towards a linear subspace, written with matrices.

    u = y / sqrt(D) ~ N(eta, I) with y = arcsin(sqrt(p)), D = 1 / (4 n). The subspace of a
    common rate is span(v), v = 1 / sqrt(D); P = v v' / v'v. Positive-part Lindley-Stein:
    u_js = P u + (1 - (k - 1 - 2) / |u - P u|^2)^+ (u - P u); back: p = sin(u_js sqrt(D))^2.
    """
    n = np.asarray(n, dtype=float)
    y = np.arcsin(np.sqrt(np.asarray(hits) / n))
    sd = np.sqrt(1 / (4 * n))
    u, v = y / sd, 1 / sd
    proj = np.outer(v, v) / (v @ v)
    resid = u - proj @ u
    c = max(0.0, 1 - (u.size - 3) / (resid @ resid))
    return np.sin((proj @ u + c * resid) * sd) ** 2, 1 - c


def test_baseball_textbook_formula_reproduces_the_published_numbers():
    """The test's reading of the formula is right: raw-scale JS gives the published c."""
    y = np.array(BASEBALL_HITS) / BASEBALL_AT_BATS
    ybar = y.mean()
    sigma2 = ybar * (1 - ybar) / BASEBALL_AT_BATS
    c = 1 - (y.size - 3) * sigma2 / np.sum((y - ybar) ** 2)
    assert round(ybar, 3) == PUBLISHED_MEAN and round(c, 3) == PUBLISHED_C
    assert round(ybar + c * (y[0] - ybar), 3) == PUBLISHED_CLEMENTE


def test_james_stein_matches_efron_morris_1975_on_the_baseball_data():
    res = shrink_rates(BASEBALL_HITS, [BASEBALL_AT_BATS] * 18, method="james-stein")
    ref, c = _js_efron_morris_1975(BASEBALL_HITS, BASEBALL_AT_BATS)
    np.testing.assert_allclose(res.table["shrunk_rate"], ref, rtol=0, atol=1e-12)
    assert res.factor == pytest.approx(1 - c, abs=1e-12)
    assert res.method == "james-stein"
    # on the arcsine scale the factor is close to the published raw-scale one (0.212)
    assert 1 - res.factor == pytest.approx(PUBLISHED_C, abs=0.01)
    assert res.table["shrunk_rate"].iloc[0] == pytest.approx(PUBLISHED_CLEMENTE, abs=0.005)
    # and it predicts the rest of the season far better than the raw averages (0.0215 vs 0.0753)
    truth = np.array(BASEBALL_REST_OF_SEASON)
    err_js = np.sum((res.table["shrunk_rate"].to_numpy() - truth) ** 2)
    err_raw = np.sum((res.table["raw_rate"].to_numpy() - truth) ** 2)
    assert err_js < err_raw / 3


def test_james_stein_with_unequal_n_matches_the_projection_form():
    x = [45, 12, 160, 3, 70, 38, 95]
    n = [60, 15, 200, 8, 90, 41, 130]
    res = shrink_rates(x, n, method="james-stein")
    ref, factor = _js_projection(x, n)
    np.testing.assert_allclose(res.table["shrunk_rate"], ref, rtol=0, atol=1e-12)
    assert res.factor == pytest.approx(factor, abs=1e-12)
    # equal factor on the standardised scale: weight_data = 1 - factor for every entity
    np.testing.assert_allclose(res.table["weight_data"], 1 - factor)


def _risks(true, n, reps, rng):
    """Mean total squared error of the raw and the James-Stein rates over ``reps`` samples.

    ``raw``/``js``: on the rate scale; ``raw_w``/``js_w``: on the arcsine scale weighted by
    ``1 / D_i = 4 n_i``, the loss for which Stein's theorem bounds the risk.
    """
    loss = dict.fromkeys(("raw", "js", "raw_w", "js_w"), 0.0)
    th = np.arcsin(np.sqrt(true))
    for _ in range(reps):
        x = rng.binomial(n, true)
        js = shrink_rates(x, n, method="james-stein").table["shrunk_rate"].to_numpy()
        loss["raw"] += np.sum((x / n - true) ** 2)
        loss["js"] += np.sum((js - true) ** 2)
        loss["raw_w"] += np.sum(4 * n * (np.arcsin(np.sqrt(x / n)) - th) ** 2)
        loss["js_w"] += np.sum(4 * n * (np.arcsin(np.sqrt(js)) - th) ** 2)
    return {key: v / reps for key, v in loss.items()}


@pytest.mark.parametrize(
    "n, reps, gain",
    [
        ([80, 120, 160, 200], 2000, 0.95),
        ([40, 60, 80, 100, 120, 150, 180, 220, 260, 300, 350, 400], 1000, 0.75),
    ],
    ids=["k=4", "k=12"],
)
def test_james_stein_risk_is_below_the_raw_rates_risk(n, reps, gain):
    """Seeded simulation: true rates equally spread over 0.78-0.88, binomial samples.

    Measured (rate scale, x 1e-3; weighted arcsine scale, where the raw risk is k):
    k = 4 (2,000 samples): raw 4.65, James-Stein 4.24; weighted 4.00 vs 3.69.
    k = 12 (1,000 samples): raw 16.1, James-Stein 10.2; weighted 12.5 vs 8.2.
    """
    n = np.asarray(n)
    rng = np.random.default_rng(20261202 + n.size)
    true = np.linspace(0.78, 0.88, n.size)
    r = _risks(true, n, reps, rng)
    print({key: round(v, 5) for key, v in r.items()})
    assert r["js"] < gain * r["raw"]
    assert r["js_w"] < gain * r["raw_w"] and r["raw_w"] == pytest.approx(n.size, rel=0.1)


def test_morris_intervals_cover_in_a_seeded_simulation():
    """Average coverage of the 95 % James-Stein (Morris 1983) intervals over 12 entities."""
    rng = np.random.default_rng(7)
    n = np.array([50, 60, 80, 100, 120, 150, 180, 200, 250, 300, 350, 400])
    hits = total = 0
    for _ in range(400):
        true = rng.beta(80, 20, size=n.size)
        t = shrink_rates(rng.binomial(n, true), n, method="james-stein").table
        hits += int(np.sum((t["ci_low"].to_numpy() <= true) & (true <= t["ci_high"].to_numpy())))
        total += n.size
    coverage = hits / total
    print("coverage", coverage)
    assert 0.92 <= coverage <= 0.99


def test_none_gives_raw_rates_wilson_intervals_and_raw_ranks():
    x, n = [5, 0, 30, 40, 9], [10, 0, 40, 50, 12]
    res = shrink_rates(x, n, method="none", level=0.9, labels=list("abcde"))
    t = res.table.set_index("entity")
    has = t["n"] > 0
    lo, hi = proportion_confint(t["x"][has], t["n"][has], alpha=0.1, method="wilson")
    np.testing.assert_allclose(t["ci_low"][has], lo, rtol=1e-12)
    np.testing.assert_allclose(t["ci_high"][has], hi, rtol=1e-12)
    np.testing.assert_allclose(t["shrunk_rate"][has], t["x"][has] / t["n"][has])
    assert t["rank"].to_dict() == {"a": 4, "b": 5, "c": 2, "d": 1, "e": 2}  # no data: last
    low = shrink_rates(x, n, method="none", higher_is_better=False).table
    assert low["rank"].tolist() == [1, 5, 2, 4, 2]
    assert res.prior_mean == pytest.approx(84 / 112)


def test_default_is_unchanged_beta_binomial():
    x, n = [5, 8, 30, 40, 9, 20], [10, 10, 40, 50, 12, 30]
    default = shrink_rates(x, n)
    assert default.method == "beta-binomial" and math.isnan(default.factor)
    explicit = shrink_rates(x, n, method="beta-binomial")
    assert default.table.equals(explicit.table)


_LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("method", ["beta-binomial", "james-stein", "none"])
def test_summary_says_which_method_in_both_languages(method):
    res = shrink_rates([5, 0, 30, 40, 9, 20], [10, 0, 40, 50, 12, 30], method=method)
    en, zh = res.summary(), res.summary("zh")
    expected_en = {
        "beta-binomial": "beta-binomial empirical Bayes",
        "james-stein": "positive-part James-Stein",
        "none": "no shrinkage",
    }[method]
    expected_zh = {"beta-binomial": "贝塔-二项", "james-stein": "詹姆斯-斯坦", "none": "未收缩"}[method]
    assert expected_en in en.as_text() and expected_en in res.method_text()
    assert expected_zh in zh.as_text() and expected_zh in res.method_text("zh")
    title, method_line = zh.as_text().split("\n")[0], res.method_text("zh")
    assert not _LATIN.search(title + method_line), (title, method_line)
    notes = [line for line in zh.as_text().split("\n") if "；" in line or "：" in line]
    assert notes and not any("nan" in line.lower() for line in notes)


def test_bad_method_and_too_few_entities_are_refused():
    with pytest.raises(ParamsError, match=r"The 'method' parameter of shrink_rates must be one of"):
        shrink_rates([5, 6, 7, 8], [10, 10, 10, 10], method="stein")
    with pytest.raises(InsufficientSampleError, match="at least 4 entities with data for James-Stein"):
        shrink_rates([5, 6, 7, 0], [10, 10, 10, 0], method="james-stein")
    with pytest.raises(InsufficientSampleError, match="at least 1 entities"):
        shrink_rates([0, 0], [0, 0], method="none")


def test_positive_part_stops_at_the_common_rate():
    """Rates closer together than noise: (k - 3) / S > 1, so B = 1 (never shrunk past the mean)."""
    x, n = [50, 51, 50, 49, 50], [100] * 5
    res = shrink_rates(x, n, method="james-stein")
    y = np.arcsin(np.sqrt(np.array(x) / 100))
    assert (5 - 3) / np.sum((y - y.mean()) ** 2 * 400) > 1  # the unclipped factor would overshoot
    assert res.factor == 1.0
    np.testing.assert_allclose(res.table["shrunk_rate"], res.prior_mean, rtol=1e-12)
    assert res.prior_mean == pytest.approx(np.sin(y.mean()) ** 2, rel=1e-12)

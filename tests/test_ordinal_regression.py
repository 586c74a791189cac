"""Ordinal regression with covariates and Brant's proportional-odds test, against independent references.

References: statsmodels ``OrderedModel`` fitted here (Newton, not the package's BFGS) and a
log-likelihood written out here with a numerical Hessian; R ``MASS::polr`` and ``brant::brant``
output published on the brant package's help page; the Brant covariance computed here by hand
from statsmodels ``Logit`` fits with a different contrast matrix; a seeded simulation.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from conftest import REPO
from numpy.testing import assert_allclose
from scipy import special, stats

from bankperf_analysis import BrantResult, OrdinalRegressionResult, brant_test, ordinal_regression
from bankperf_analysis.exceptions import DataValidationError, InsufficientSampleError, ParamsError
from bankperf_analysis.significance.ordinal import term_label

SURVEY = REPO / "tests" / "data" / "mass_survey_smoke.csv"
SMOKE = ["Never", "Occas", "Regul", "Heavy"]


def _survey() -> pd.DataFrame:
    """MASS::survey, complete cases of Smoke, Sex, Height (R's polr drops the 29 others)."""
    d = pd.read_csv(SURVEY, comment="#").dropna(subset=["Sex", "Smoke", "Height"]).reset_index(drop=True)
    d["Smoke"] = pd.Categorical(d["Smoke"], categories=SMOKE, ordered=True)
    return d


def _demo(n: int = 600, seed: int = 7) -> pd.DataFrame:
    """Seeded scores 1-5 with a binary treatment, a continuous tenure and a 3-level channel."""
    rng = np.random.default_rng(seed)
    d = pd.DataFrame(
        {
            "treated": rng.integers(0, 2, n),
            "tenure": rng.gamma(3.0, 2.0, n),
            "channel": rng.choice(["branch", "online", "phone"], n),
        }
    )
    eta = 0.7 * d["treated"] - 0.15 * d["tenure"] + 0.5 * (d["channel"] == "phone")
    d["score"] = np.digitize(eta + rng.logistic(size=n), [-2.5, -1.0, 0.0, 1.2]) + 1
    return d


# --------------------------------------------------------------------------- (a) statsmodels


def _own_loglik(params: np.ndarray, x: np.ndarray, y: np.ndarray, k: int, cdf) -> float:
    """log L(beta, theta) = sum log(F(theta_y - x'b) - F(theta_{y-1} - x'b)), written out here."""
    beta, theta = params[: x.shape[1]], params[x.shape[1] :]
    cuts = np.concatenate([[-np.inf], theta, [np.inf]])
    eta = x @ beta
    return float(np.sum(np.log(cdf(cuts[y + 1] - eta) - cdf(cuts[y] - eta))))


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_two_covariates_match_statsmodels_orderedmodel(link):
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_hess3

    d = _demo()
    res = ordinal_regression(d, outcome="score", covariates=["treated", "tenure"], link=link)
    assert isinstance(res, OrdinalRegressionResult)
    assert res.terms == ("treated", "tenure") and res.levels == (1, 2, 3, 4, 5) and res.converged

    # statsmodels fitted here, by Newton rather than the package's BFGS.
    y = pd.Series(pd.Categorical(d["score"], categories=[1, 2, 3, 4, 5], ordered=True))
    sm = OrderedModel(y, d[["treated", "tenure"]].astype(float), distr=link).fit(
        method="newton", disp=False, maxiter=200
    )
    assert_allclose(res.coef, sm.params.iloc[:2], atol=1e-6)
    assert_allclose(res.std_error, sm.bse.iloc[:2], atol=1e-6)
    assert_allclose(res.thresholds, sm.model.transform_threshold_params(sm.params)[1:-1], atol=1e-6)
    assert_allclose(res.loglik, sm.llf, atol=1e-8)

    # Threshold SEs: the inverse numerical Hessian of the log-likelihood in (beta, theta),
    # written out above (the package maps statsmodels' log-increment covariance by the delta method).
    cdf = special.expit if link == "logit" else stats.norm.cdf
    codes = d["score"].to_numpy() - 1
    x = d[["treated", "tenure"]].to_numpy(dtype=float)
    theta = np.array(res.coef + res.thresholds)
    cov = np.linalg.inv(-approx_hess3(theta, _own_loglik, args=(x, codes, 4, cdf)))
    assert_allclose(res.threshold_se, np.sqrt(np.diag(cov))[2:], rtol=1e-5)
    assert_allclose(res.std_error, np.sqrt(np.diag(cov))[:2], rtol=1e-5)
    # Null model: observed shares of the levels.
    counts = np.bincount(codes)
    assert res.counts == tuple(counts)
    assert_allclose(res.loglik_null, np.sum(counts * np.log(counts / counts.sum())), rtol=1e-12)
    # Intervals and odds ratios from the estimates.
    z = stats.norm.ppf(0.975)
    assert_allclose(res.ci_low, np.array(res.coef) - z * np.array(res.std_error), rtol=1e-12)
    if link == "logit":
        assert_allclose(res.or_ci_high, np.exp(np.array(res.coef) + z * np.array(res.std_error)), rtol=1e-12)
    else:
        assert np.isnan(res.odds_ratio).all()


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_analytic_gradient_matches_numerical_differentiation(link):
    """The package gives OrderedModel an analytic score; statsmodels' numdiff checks it."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel
    from statsmodels.tools.numdiff import approx_fprime

    from bankperf_analysis.significance.ordinal import _with_score

    d = _demo(n=500)
    y = pd.Series(pd.Categorical(d["score"] - 1, categories=range(5), ordered=True))
    model = _with_score(OrderedModel)(y, d[["treated", "tenure"]].astype(float), distr=link)
    for params in ([0.3, -0.1, -2.0, 0.2, -0.3, 0.1], [-0.5, 0.2, -1.0, -1.0, 0.5, 0.0]):
        par = np.array(params)
        assert_allclose(model.score(par), approx_fprime(par, model.loglike, centered=True), atol=1e-5)


# Source: R package brant, help page of brant() (Schlegel, version 0.3-0, "Example output",
# https://rdrr.io/cran/brant/man/brant.html):
#   > data = MASS::survey
#   > data$Smoke = ordered(MASS::survey$Smoke, levels=c("Never","Occas","Regul","Heavy"))
#   > model1 = MASS::polr(Smoke ~ Sex + Height, data=data, Hess=TRUE)
#   > summary(model1)
#   Coefficients:   Value   Std. Error
#   SexMale         0.09478 0.4808
#   Height          0.02785 0.0243
#   Intercepts:     Value  Std. Error
#   Never|Occas     6.3113 4.0564
#   Occas|Regul     6.9224 4.0619
#   Regul|Heavy     7.8802 4.0732
#   Residual Deviance: 287.0276
#   (29 observations deleted due to missingness)
#   > brant(model1)
#   Test for   X2    df  probability
#   Omnibus    3.28  4   0.51
#   SexMale    1.58  2   0.45
#   Height     0.02  2   0.99
POLR_SURVEY = {"coef": (0.09478, 0.02785), "se": (0.4808, 0.0243), "zeta": (6.3113, 6.9224, 7.8802)}
POLR_SURVEY_ZETA_SE = (4.0564, 4.0619, 4.0732)
POLR_SURVEY_DEVIANCE = 287.0276
BRANT_SURVEY = {"chi2": (3.28, 1.58, 0.02), "df": (4, 2, 2), "p": (0.51, 0.45, 0.99)}


def test_survey_matches_published_polr_output():
    res = ordinal_regression(_survey(), "Smoke ~ Sex + Height")
    assert res.n == 208 and res.levels == tuple(SMOKE) and res.converged
    # The deviance is printed to 4 decimals and matches to them.
    assert abs(-2 * res.loglik - POLR_SURVEY_DEVIANCE) < 5e-5
    # polr stops its optimiser (optim BFGS, reltol 1e-8) short of the maximum on this flat
    # likelihood (Height in cm: thresholds near 6 with SE 4), and its SEs come from the Hessian
    # at that point: so the estimates agree to ~1e-3 (1e-4 relative on the thresholds) and the
    # SEs to 1 %, not to the printed digits. The deviance above pins the maximum.
    assert_allclose(res.coef, POLR_SURVEY["coef"], atol=2e-4)
    assert_allclose(res.thresholds, POLR_SURVEY["zeta"], atol=2e-3)
    assert_allclose(res.std_error, POLR_SURVEY["se"], rtol=1e-2)
    assert_allclose(res.threshold_se, POLR_SURVEY_ZETA_SE, rtol=1e-2)
    assert res.threshold_names == ("Never|Occas", "Occas|Regul", "Regul|Heavy")


# --------------------------------------------------------------------------- (b) the two APIs


def test_formula_and_column_list_agree():
    d = _demo()
    d["online"] = d["channel"] == "online"  # a boolean column
    by_formula = ordinal_regression(d, "score ~ treated + C(channel) + tenure")
    by_columns = ordinal_regression(d, outcome="score", covariates=["treated", "channel", "tenure"])
    f = by_formula.to_frame().assign(term=lambda t: t["term"].map(term_label)).set_index("term")
    c = by_columns.to_frame().assign(term=lambda t: t["term"].map(term_label)).set_index("term")
    assert set(f.index) == {
        "treated",
        "channel = online",
        "channel = phone",
        "tenure",
        "1|2",
        "2|3",
        "3|4",
        "4|5",
    }
    c = c.loc[f.index]
    # Same model, columns in another order: the optimiser stops within 1e-8 of the same maximum.
    assert_allclose(f["estimate"], c["estimate"], atol=1e-7)
    assert_allclose(f["std_error"], c["std_error"], rtol=1e-5)  # numerical Hessians: ~1e-6 noise
    assert by_formula.loglik == pytest.approx(by_columns.loglik, abs=1e-10)
    # A boolean column enters as a 0/1 dummy the same way in both APIs.
    b1 = ordinal_regression(d, "score ~ online + tenure")
    b2 = ordinal_regression(d, outcome="score", covariates=["online", "tenure"])
    assert b2.terms == ("online[T.True]", "tenure")
    assert_allclose(b1.coef, b2.coef, atol=1e-7)
    # Integer scores and an ordered Categorical of the same scores give the same fit.
    d["score_cat"] = pd.Categorical(d["score"], categories=[1, 2, 3, 4, 5], ordered=True)
    b3 = ordinal_regression(d, outcome="score_cat", covariates=["online", "tenure"])
    assert_allclose(b3.coef, b2.coef, atol=1e-7)


# --------------------------------------------------------------------------- (c) Brant


def test_brant_matches_published_brant_output():
    brant = ordinal_regression(_survey(), "Smoke ~ Sex + Height").brant()
    assert isinstance(brant, BrantResult)
    chi2 = (brant.statistic, *brant.term_statistic)
    pvalues = (brant.pvalue, *brant.term_pvalue)
    assert_allclose(chi2, BRANT_SURVEY["chi2"], atol=0.005)
    assert_allclose(pvalues, BRANT_SURVEY["p"], atol=0.005)
    assert (brant.df, brant.term_df, brant.term_df) == BRANT_SURVEY["df"]
    statistic, pvalue = brant
    assert (statistic, pvalue) == (brant.statistic, brant.pvalue)
    assert brant.holds and brant.doubtful_terms == ()


def _brant_by_hand(x: np.ndarray, codes: np.ndarray) -> tuple[float, list[float], np.ndarray]:
    """Brant's Wald statistics from statsmodels Logit fits, covariance summed observation by observation.

    Uses the contrasts of neighbouring cuts (b_j - b_{j+1}) rather than the package's b_1 - b_j:
    the Wald statistic does not depend on the basis of the contrasts.
    """
    import statsmodels.api as sm

    n, p = x.shape
    k = int(codes.max())
    x1 = sm.add_constant(x, has_constant="add")
    fits = [sm.Logit((codes > j).astype(float), x1).fit(disp=False) for j in range(k)]
    pi = np.column_stack([f.predict(x1) for f in fits])
    q = p + 1
    cov = np.zeros((k * q, k * q))
    info_inv = [
        np.linalg.inv(sum(pi[i, j] * (1 - pi[i, j]) * np.outer(x1[i], x1[i]) for i in range(n)))
        for j in range(k)
    ]
    for j in range(k):
        for m in range(k):
            lo, hi = min(j, m), max(j, m)
            cross = sum(pi[i, hi] * (1 - pi[i, lo]) * np.outer(x1[i], x1[i]) for i in range(n))
            cov[j * q : (j + 1) * q, m * q : (m + 1) * q] = info_inv[j] @ cross @ info_inv[m]
    slopes = np.concatenate([f.params[1:] for f in fits])
    keep = np.concatenate([j * q + 1 + np.arange(p) for j in range(k)])
    v = cov[np.ix_(keep, keep)]
    d = np.zeros(((k - 1) * p, k * p))
    for j in range(k - 1):
        for t in range(p):
            d[j * p + t, j * p + t], d[j * p + t, (j + 1) * p + t] = 1.0, -1.0
    diff, dvd = d @ slopes, d @ v @ d.T
    omnibus = float(diff @ np.linalg.solve(dvd, diff))
    per = [float(diff[t::p] @ np.linalg.solve(dvd[t::p, t::p], diff[t::p])) for t in range(p)]
    return omnibus, per, v


def test_brant_matches_hand_computation_from_statsmodels_logit():
    d = _demo(n=300, seed=11)
    d["score"] = d["score"].clip(upper=4)  # 4 levels: 3 binary logits
    res = ordinal_regression(d, outcome="score", covariates=["treated", "tenure"])
    brant = brant_test(res)
    omnibus, per, _ = _brant_by_hand(
        d[["treated", "tenure"]].to_numpy(dtype=float), d["score"].to_numpy() - 1
    )
    assert_allclose(brant.statistic, omnibus, rtol=1e-6)
    assert_allclose(brant.term_statistic, per, rtol=1e-6)
    assert brant.df == 4 and brant.term_df == 2
    assert_allclose(brant.pvalue, stats.chi2.sf(omnibus, 4), rtol=1e-6)


def _simulate(rng: np.random.Generator, n: int, x2_slopes: tuple[float, float, float]) -> pd.DataFrame:
    """4-level scores from P(Y > j) = expit(0.5 x1 + s_j x2 - c_j); equal s_j = proportional odds."""
    x1, x2 = rng.integers(0, 2, n), rng.normal(size=n)
    cuts = np.array([-1.0, 0.0, 1.0])
    p_gt = special.expit(0.5 * x1[:, None] + np.outer(x2, x2_slopes) - cuts)
    p_gt = np.minimum.accumulate(p_gt, axis=1)  # keep P(Y > j) non-increasing in j
    y = 1 + (rng.uniform(size=n)[:, None] < p_gt).sum(axis=1)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2})


@pytest.mark.slow
def test_brant_size_and_power_by_simulation():
    rng = np.random.default_rng(20261202)
    null = [
        brant_test(
            ordinal_regression(_simulate(rng, 500, (0.5, 0.5, 0.5)), outcome="y", covariates=["x1", "x2"])
        ).pvalue
        for _ in range(200)
    ]
    rate = np.mean(np.array(null) < 0.05)
    assert 0.02 <= rate <= 0.09, rate
    planted = [
        ordinal_regression(_simulate(rng, 500, (0.0, 0.5, 1.0)), outcome="y", covariates=["x1", "x2"]).brant()
        for _ in range(100)
    ]
    assert np.mean([b.pvalue < 0.05 for b in planted]) >= 0.8
    # The per-covariate test points at x2, not at x1 (whose slope is the same at every cut).
    assert np.mean([b.term_pvalue[1] < 0.05 for b in planted]) >= 0.8
    assert np.mean([b.term_pvalue[0] < 0.05 for b in planted]) <= 0.15


# --------------------------------------------------------------------------- (d) bad input


def test_unordered_strings_are_refused_until_their_order_is_given():
    d = _survey()
    d["Smoke"] = d["Smoke"].astype(str)
    with pytest.raises(
        ParamsError, match=r"'outcome' parameter of ordinal_regression must be an ordered.*'Smoke'"
    ):
        ordinal_regression(d, "Smoke ~ Sex + Height")
    d2 = d.assign(Smoke=pd.Categorical(d["Smoke"]))  # a Categorical without order
    with pytest.raises(ParamsError, match="unordered Categorical"):
        ordinal_regression(d2, "Smoke ~ Sex + Height")
    res = ordinal_regression(d, "Smoke ~ Sex + Height", categories=SMOKE)
    assert res.levels == tuple(SMOKE)
    assert "levels found, in order: Never, Occas, Regul, Heavy" in res.notes
    with pytest.raises(ParamsError, match="non-integer"):
        ordinal_regression(d.assign(h=d["Height"] / 7), outcome="h", covariates=["Sex"])


def test_missing_values_name_column_and_row():
    d = _demo(n=200)
    d.loc[17, "tenure"] = np.nan
    with pytest.raises(DataValidationError, match=r"column 'tenure': got missing at row 17"):
        ordinal_regression(d, "score ~ treated + tenure")
    with pytest.raises(DataValidationError, match=r"column 'tenure': got missing at row 17"):
        ordinal_regression(d, outcome="score", covariates=["treated", "tenure"])
    d.loc[3, "score"] = np.nan
    with pytest.raises(DataValidationError, match=r"column 'score': got missing at row 3"):
        ordinal_regression(d, outcome="score", covariates=["treated"])


def test_levels_fewer_than_two_or_declared_but_empty():
    d = _demo(n=200)
    with pytest.raises(InsufficientSampleError, match="1 level"):
        ordinal_regression(d.assign(score=3), outcome="score", covariates=["treated"])
    with pytest.raises(
        DataValidationError, match=r"column 'score': got 6; expected at least one observation"
    ):
        ordinal_regression(d, outcome="score", covariates=["treated"], categories=[1, 2, 3, 4, 5, 6])
    with pytest.raises(DataValidationError, match=r"column 'score': got 5; expected one of 1, 2, 3, 4"):
        ordinal_regression(d, outcome="score", covariates=["treated"], categories=[1, 2, 3, 4])
    cat = pd.Categorical(d["score"], categories=[0, 1, 2, 3, 4, 5], ordered=True)
    with pytest.raises(DataValidationError, match="got 0; expected at least one observation"):
        ordinal_regression(d.assign(score=cat), outcome="score", covariates=["treated"])


def test_perfect_separation_is_refused():
    d = _demo(n=200)
    # Complete: the treated all score 4-5, the others 1-3.
    sep = d.assign(score=np.where(d["treated"] == 1, 4 + d.index % 2, 1 + d.index % 3))
    with pytest.raises(DataValidationError, match=r"column 'treated': got scores perfectly separated"):
        ordinal_regression(sep, "score ~ treated + tenure")
    # Quasi-complete: the treated never score 1 and all score >= the others' scores... at one cut only.
    quasi = d.assign(score=np.where((d["treated"] == 1) & (d["score"] == 1), 2, d["score"]))
    quasi = quasi.assign(score=np.where(quasi["treated"] == 0, quasi["score"].clip(upper=2), quasi["score"]))
    with pytest.raises(DataValidationError, match="perfectly separated"):
        ordinal_regression(quasi, outcome="score", covariates=["treated", "tenure"])
    # Overlap everywhere: no error (the demo data themselves).
    ordinal_regression(d, outcome="score", covariates=["treated", "tenure"])


def test_design_and_argument_errors():
    d = _demo(n=200)
    with pytest.raises(DataValidationError, match="collinear"):
        ordinal_regression(d.assign(t2=2 * d["tenure"]), outcome="score", covariates=["tenure", "t2"])
    with pytest.raises(DataValidationError, match="a covariate that varies"):
        ordinal_regression(d.assign(k=1.0), outcome="score", covariates=["tenure", "k"])
    with pytest.raises(ParamsError, match="exactly one of the two ways"):
        ordinal_regression(d, "score ~ tenure", outcome="score", covariates=["tenure"])
    with pytest.raises(ParamsError, match="exactly one of the two ways"):
        ordinal_regression(d)
    with pytest.raises(ParamsError, match=r"'outcome' parameter of ordinal_regression must be a column"):
        ordinal_regression(d, outcome="nope", covariates=["tenure"])
    with pytest.raises(ParamsError, match=r"'covariates' parameter.*non-empty list"):
        ordinal_regression(d, outcome="score", covariates="tenure")
    with pytest.raises(ParamsError, match=r"'formula' parameter.*left side is a column"):
        ordinal_regression(d, "nope ~ tenure")
    with pytest.raises(ParamsError, match=r"'link' parameter"):
        ordinal_regression(d, "score ~ tenure", link="cloglog")
    with pytest.raises(
        ParamsError, match=r"'data' parameter of ordinal_regression must be a pandas DataFrame"
    ):
        ordinal_regression(d.to_dict(), "score ~ tenure")
    probit = ordinal_regression(d, "score ~ tenure", link="probit")
    with pytest.raises(ParamsError, match="link='logit'"):
        probit.brant()
    # The proportional-odds fit exists, but the binary logit of the top cut is separated.
    top = d.assign(score=np.where(d["treated"] == 1, d["score"], d["score"].clip(upper=4)))
    with pytest.raises(InsufficientSampleError, match=r"'score above level 4'.*treated: scores separated"):
        ordinal_regression(top, "score ~ treated + tenure").brant()
    two = ordinal_regression(d.assign(score=(d["score"] > 2).astype(int)), "score ~ tenure")
    with pytest.raises(InsufficientSampleError, match="at least 3 levels"):
        two.brant()


# --------------------------------------------------------------------------- (e) wording

#: Latin words a Chinese sentence may hold: the covariates' names (ids), statistics' symbols,
#: the test's name (a person's name, like Benjamini-Hochberg in tests/test_zh_leaks.py).
_ZH_ALLOWED = {"CI", "p", "Brant", "treated", "tenure", "channel", "phone", "online"}


def _english(text: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_.\-]*", text) if w not in _ZH_ALLOWED]


def test_verdicts_in_both_languages():
    d = _demo()
    res = ordinal_regression(d, "score ~ treated + C(channel) + tenure")
    en = dict(zip(res.terms, res.verdicts("en"), strict=True))
    assert en["treated"].startswith("treated: higher scores more likely (odds ratio ")
    assert "statistically significant (p < 0.001)" in en["treated"]
    assert en["tenure"].startswith("tenure: lower scores more likely")
    assert en["C(channel)[T.online]"].startswith("channel = online: no clear association")
    assert "not distinguishable from noise" in en["C(channel)[T.online]"]
    i = res.terms.index("treated")
    assert (
        f"odds ratio {res.odds_ratio[i]:.2f}, 95 % CI {res.or_ci_low[i]:.2f} to {res.or_ci_high[i]:.2f}"
        in en["treated"]
    )
    zh = res.verdicts("zh")
    assert all(_english(s) == [] for s in zh), [_english(s) for s in zh]
    assert "统计显著" in zh[res.terms.index("treated")]
    brant = res.brant()
    for s in brant.verdicts("zh"):
        assert _english(s) == [], s
    assert brant.verdicts("en")[0].startswith("The proportional-odds assumption ")
    assert len(brant.verdicts("en")) == 1 + len(res.terms)
    text = str(res.summary())
    assert "Coefficients" in text and "Thresholds" in text and zh[0] in text
    assert "omnibus" in str(brant.summary())
    with pytest.raises(ParamsError, match="'lang' parameter"):
        res.verdict("fr")
    with pytest.raises(ParamsError, match="'term' parameter"):
        res.verdict("en", "nope")


def test_brant_wording_names_the_doubtful_covariate():
    rng = np.random.default_rng(5)
    d = _simulate(rng, 2000, (0.0, 0.6, 1.5))
    brant = ordinal_regression(d, outcome="y", covariates=["x1", "x2"]).brant()
    assert not brant.holds and brant.doubtful_terms == ("x2",)
    en = brant.verdicts("en")
    assert en[0].startswith("The proportional-odds assumption is doubtful (Brant test: χ² = ")
    assert en[2].startswith("The proportional-odds assumption is doubtful for x2 (χ² = ")
    assert en[1].startswith("The proportional-odds assumption holds for x1")
    zh = brant.verdicts("zh")
    assert zh[2].startswith("对于 x2，比例优势假设存疑")
    assert all(_english(s.replace("x1", "").replace("x2", "")) == [] for s in zh), zh
    frame = brant.to_frame()
    assert list(frame["test"]) == ["omnibus", "x1", "x2"] and list(frame["df"]) == [4, 2, 2]


def test_compare_ordinal_still_works():
    from bankperf_analysis import compare_ordinal

    rng = np.random.default_rng(3)
    res = compare_ordinal(rng.integers(1, 6, 200), np.clip(rng.integers(1, 6, 200) + 1, 1, 5))
    assert res.kind == "ordinal" and res.pvalue < 0.05

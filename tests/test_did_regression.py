"""did_regression against statsmodels OLS / WLS with the same design (dummy columns for the
fixed effects) and against pyfixest feols, to 1e-8 on coefficients and standard errors.

Corrections compared (each reference's own name):
- iid: statsmodels ``nonrobust`` (s^2 = SSR / (N - K)); pyfixest ``vcov="iid"``.
- HC1: statsmodels ``cov_type="HC1"`` (N / (N - K)); pyfixest ``vcov="hetero"``.
- cluster: statsmodels ``cov_type="cluster"`` (CR1, G/(G-1) (N-1)/(N-K), K = every dummy);
  pyfixest ``{"CRV1": g}`` with ``ssc(k_fixef="full")`` (same K) and its default
  ``k_fixef="nonnested"`` (FE nested in the clusters not counted) = our ``fixef_dof="nested"``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError, SmallSampleWarning
from bankperf_analysis.incentives.did_regression import did_regression

TOL = dict(rtol=1e-8, atol=1e-10)


@pytest.fixture(scope="module")
def cross_sections() -> pd.DataFrame:
    """Repeated cross-sections: every row a different person; two groups, before and after."""
    rng = np.random.default_rng(20261202)
    n = 600
    df = pd.DataFrame(
        {
            "person": np.arange(n),  # each row its own unit
            "treated": rng.integers(0, 2, n),
            "post": rng.integers(0, 2, n),
            "age": rng.normal(40, 10, n),
            "region": rng.integers(0, 12, n),
            "month": rng.integers(0, 6, n),
            "n": rng.integers(1, 30, n).astype(float),
        }
    )
    df["y"] = (
        2.0
        + 0.5 * df.treated
        + 0.3 * df.post
        + 1.2 * df.treated * df.post
        + 0.02 * df.age
        + rng.normal(0, 1 + df.treated, n)  # heteroskedastic: iid and HC1 differ
    )
    return df


def _sm_kwargs(vcov, df, cluster="region"):
    return {
        "iid": {},
        "HC1": {"cov_type": "HC1", "use_t": True},
        "cluster": {"cov_type": "cluster", "cov_kwds": {"groups": df[cluster]}, "use_t": True},
    }[vcov]


@pytest.mark.parametrize("vcov", ["iid", "HC1"])
def test_textbook_2x2_on_repeated_cross_sections_matches_statsmodels_ols(cross_sections, vcov):
    df = cross_sections
    r = did_regression(df, "y", treated="treated", post="post", vcov=vcov)
    m = smf.ols("y ~ treated * post", df).fit(**_sm_kwargs(vcov, df))
    got = r.to_frame().set_index("term")
    want = m.params.rename({"treated:post": "treated:post"})
    np.testing.assert_allclose(got.loc[want.index, "estimate"], want, **TOL)
    np.testing.assert_allclose(got.loc[want.index, "std_error"], m.bse, **TOL)
    assert r.term == "treated:post"
    np.testing.assert_allclose(r.pvalue, m.pvalues["treated:post"], **TOL)
    np.testing.assert_allclose([r.ci_low, r.ci_high], m.conf_int().loc["treated:post"], **TOL)
    assert r.n_obs == len(df) and r.dof_k == 4 and r.df_t == len(df) - 4
    assert ("SSR/(N-K)" in r.correction) if vcov == "iid" else ("N/(N-K)" in r.correction)


@pytest.mark.parametrize("vcov", ["iid", "HC1", "cluster"])
def test_weights_and_covariates_match_statsmodels_wls(cross_sections, vcov):
    df = cross_sections
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        r = did_regression(
            df,
            "y",
            covariates=["age"],
            weights="n",
            vcov=vcov,
            cluster="region" if vcov == "cluster" else None,
        )
    m = smf.wls("y ~ treated * post + age", df, weights=df["n"]).fit(**_sm_kwargs(vcov, df))
    got = r.to_frame().set_index("term")
    np.testing.assert_allclose(got.loc[m.params.index, "estimate"], m.params, **TOL)
    np.testing.assert_allclose(got.loc[m.params.index, "std_error"], m.bse, **TOL)
    np.testing.assert_allclose(r.pvalue, m.pvalues["treated:post"], **TOL)


@pytest.mark.parametrize("weighted", [False, True])
def test_clustered_with_two_fixed_effects_matches_statsmodels_dummies(cross_sections, weighted):
    df = cross_sections
    w = "n" if weighted else None
    with pytest.warns(SmallSampleWarning, match="12 clusters"):
        r = did_regression(
            df,
            "y",
            covariates=["age"],
            fixed_effects=["region", "month"],
            weights=w,
            vcov="cluster",
            cluster="region",
        )
    formula = "y ~ treated * post + age + C(region) + C(month)"
    model = smf.wls(formula, df, weights=df["n"]) if weighted else smf.ols(formula, df)
    m = model.fit(**_sm_kwargs("cluster", df))
    got = r.to_frame().set_index("term")
    terms = ["treated", "post", "treated:post", "age"]
    np.testing.assert_allclose(got.loc[terms, "estimate"], m.params[terms], **TOL)
    np.testing.assert_allclose(got.loc[terms, "std_error"], m.bse[terms], **TOL)
    assert r.dof_k == 4 + 12 + 6 - 1  # slopes + region + month levels - 1 redundant
    assert r.df_t == 11


@pytest.mark.parametrize(("fixef_dof", "k_fixef"), [("full", "full"), ("nested", "nonnested")])
def test_clustered_with_fixed_effects_matches_pyfixest(cross_sections, fixef_dof, k_fixef):
    pf = pytest.importorskip("pyfixest")
    df = cross_sections
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        r = did_regression(
            df,
            "y",
            fixed_effects=["region", "month"],
            weights="n",
            vcov="cluster",
            cluster="region",
            fixef_dof=fixef_dof,
        )
    f = pf.feols(
        "y ~ treated * post | region + month",
        data=df,
        weights="n",
        vcov={"CRV1": "region"},
        ssc=pf.ssc(k_fixef=k_fixef),
        fixef_tol=1e-12,
    )
    np.testing.assert_allclose(r.estimate, f.coef()["treated:post"], **TOL)
    np.testing.assert_allclose(r.std_error, f.se()["treated:post"], **TOL)
    np.testing.assert_allclose(r.pvalue, f.pvalue()["treated:post"], **TOL)


def test_event_time_design_on_a_panel_matches_statsmodels_dummies():
    rng = np.random.default_rng(7)
    units, periods = 60, 8
    df = pd.DataFrame(
        {"unit": np.repeat(np.arange(units), periods), "period": np.tile(np.arange(periods), units)}
    )
    cohort = rng.choice([3, 5, np.nan], units)
    df["branch"] = df.unit // 5
    ev = df.period - cohort[df.unit]
    df["event_time"] = pd.array(np.where(np.isnan(ev), pd.NA, ev), dtype="Int64")
    df["y"] = rng.normal(size=len(df)) + 0.1 * df.unit + 0.2 * df.period + np.where(ev >= 0, 1.0, 0.0)
    with pytest.warns(SmallSampleWarning):
        r = did_regression(
            df,
            "y",
            event_time="event_time",
            fixed_effects=["unit", "period"],
            vcov="cluster",
            cluster="branch",
        )
    e = df["event_time"].astype("float64")
    times = sorted(int(x) for x in e.dropna().unique() if x != -1)
    design = df.copy()
    names = []
    for t in times:
        name = f"e_{'m' if t < 0 else ''}{abs(t)}"
        design[name] = (e == t).astype(float)
        names.append(name)
    m = smf.ols("y ~ " + " + ".join(names) + " + C(unit) + C(period)", design).fit(
        **_sm_kwargs("cluster", design, cluster="branch")
    )
    got = r.to_frame().set_index("term")
    np.testing.assert_allclose(
        got.loc[[f"event_time::{t}" for t in times], "estimate"], m.params[names], **TOL
    )
    np.testing.assert_allclose(got.loc[[f"event_time::{t}" for t in times], "std_error"], m.bse[names], **TOL)
    assert r.term == "event_time::0" and r.design == "event"


def test_main_effects_absorbed_by_fixed_effects_are_named(cross_sections):
    df = cross_sections.assign(group=cross_sections.treated, period=cross_sections.post)
    r = did_regression(df, "y", fixed_effects=["group", "period"], vcov="HC1")
    assert r.dropped_terms == ("treated", "post")
    assert list(r.to_frame().term) == ["treated:post"]
    m = smf.ols("y ~ treated * post", df).fit(cov_type="HC1")
    np.testing.assert_allclose(r.estimate, m.params["treated:post"], **TOL)
    np.testing.assert_allclose(r.std_error, m.bse["treated:post"], **TOL)


def test_result_is_tidy_and_frozen(cross_sections):
    r = did_regression(cross_sections, "y")
    statistic, pvalue = r
    assert (statistic, pvalue) == (r.statistic, r.pvalue)
    text = r.summary().as_text()
    assert "HC1: N/(N-K)" in text and "treated:post" in text
    with pytest.raises(AttributeError):
        r.estimate = 0.0  # type: ignore[misc]


def test_bad_inputs_are_refused_with_the_argument_named(cross_sections):
    df = cross_sections
    with pytest.raises(
        ParamsError, match=r"The 'treated' parameter of did_regression must name a 0/1 column"
    ):
        did_regression(df.assign(treated=df.treated * 2), "y")
    with pytest.raises(ParamsError, match=r"The 'cluster' parameter of did_regression must name a column"):
        did_regression(df, "y", vcov="cluster")
    with pytest.raises(ParamsError, match=r"The 'vcov' parameter of did_regression must be one of"):
        did_regression(df, "y", vcov="HC3")
    with pytest.raises(
        ParamsError, match=r"'fixed_effects' parameter of did_regression must name at most two"
    ):
        did_regression(df, "y", fixed_effects=["region", "month", "person"])
    with pytest.raises(InsufficientSampleError, match="treated:post"):
        did_regression(df.assign(post=df.treated), "y")

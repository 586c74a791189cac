"""Tests of bankperf_analysis.incentives.estimators (DiD, staggered adoption, event study, RTM guard).

Reference values from other implementations are stored with the command that produced
them; everything else is checked against statsmodels or against known truths of seeded
simulations (bankperf_analysis.incentives.simulate).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from numpy.testing import assert_allclose

from bankperf_analysis import incentives as inc
from bankperf_analysis.exceptions import (
    DataValidationError,
    EstimatorDisagreementWarning,
    InsufficientSampleError,
    ParamsError,
    RegressionToMeanWarning,
    SmallSampleWarning,
)
from bankperf_analysis.incentives.simulate import simulate_staggered_panel


def _panel(*args, **kwargs) -> pd.DataFrame:
    panel, adoption = simulate_staggered_panel(*args, **kwargs)
    return inc.attach_treatment(panel, adoption)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return func(*args, **kwargs)


@pytest.fixture(scope="module")
def small_unbalanced() -> pd.DataFrame:
    """120 staff, 8 periods, 15 branches, 40 % turnover, 15 % of rows deleted, a covariate.

    The same frame was written to CSV for the pyfixest reference values below.
    """
    p = _panel(120, 8, 15, cohorts=[3, 5], effect=lambda e: 1 + 0.5 * e, seed=3, turnover=0.4)
    p = p.sample(frac=0.85, random_state=1).reset_index(drop=True)
    p["x1"] = np.random.default_rng(0).normal(size=len(p))
    return p


@pytest.fixture(scope="module")
def staggered() -> pd.DataFrame:
    return _panel(1500, 12, 60, cohorts=[4, 6, 8], effect=lambda e: 1 + 0.5 * e, seed=1, turnover=0.2)


# ---------------------------------------------------------------------------
# attach_treatment
# ---------------------------------------------------------------------------


def test_attach_treatment_branch_level_int_periods():
    panel = pd.DataFrame(
        {
            "unit": ["a", "a", "a", "b", "b", "c"],
            "period": [0, 1, 2, 0, 1, 2],
            "branch": ["x", "x", "x", "y", "y", "z"],
            "y": [1.0, 2, 3, 4, 5, 6],
        }
    )
    out = inc.attach_treatment(panel, {"x": 1, "y": None})
    assert out["first_treated"].tolist() == [1, 1, 1, pd.NA, pd.NA, pd.NA]
    assert out["treated"].tolist() == [0, 1, 1, 0, 0, 0]
    assert out["event_time"].tolist()[:3] == [-1, 0, 1]
    assert out["event_time"].isna().tolist() == [False] * 3 + [True] * 3
    assert "first_treated" not in panel.columns  # input untouched


def test_attach_treatment_unit_level_pandas_periods():
    q = pd.PeriodIndex(["2025Q3", "2025Q4", "2026Q1", "2025Q3", "2025Q4", "2026Q1"], freq="Q")
    panel = pd.DataFrame({"unit": list("aaabbb"), "period": q, "branch": "x", "y": 1.0})
    adoption = pd.DataFrame({"unit": ["a", "b"], "start": ["2025Q4", None]})
    out = inc.attach_treatment(panel, adoption, level="unit")
    assert isinstance(out["first_treated"].dtype, pd.PeriodDtype)
    assert out["first_treated"].iloc[0] == pd.Period("2025Q4", freq="Q")
    assert out["first_treated"].iloc[3] is pd.NaT
    assert out["treated"].tolist() == [0, 1, 1, 0, 0, 0]
    assert out["event_time"].tolist()[:3] == [-1, 0, 1]


def test_attach_treatment_rejects_duplicates_and_bad_level():
    panel = pd.DataFrame({"unit": ["a"], "period": [0], "branch": ["x"], "y": [1.0]})
    with pytest.raises(ParamsError, match="must list each branch once"):
        inc.attach_treatment(panel, pd.DataFrame({"branch": ["x", "x"], "g": [1, 2]}))
    with pytest.raises(ParamsError, match="The 'level' parameter of attach_treatment must be"):
        inc.attach_treatment(panel, {"x": 1}, level="region")


def test_period_dtype_gives_same_estimates_as_integers(staggered):
    p = staggered.copy()
    q = p.copy()
    q["period"] = pd.PeriodIndex.from_ordinals(p["period"] + 200, freq="Q")
    q["first_treated"] = pd.PeriodIndex.from_ordinals(
        p["first_treated"].fillna(-10_000).astype(int) + 200, freq="Q"
    )
    q.loc[p["first_treated"].isna(), "first_treated"] = pd.NaT
    a = _quiet(inc.staggered_did, p, "y", aggregation="group")
    b = _quiet(inc.staggered_did, q, "y", aggregation="group")
    assert_allclose(b.estimate, a.estimate, rtol=1e-12)
    assert_allclose(b.std_error, a.std_error, rtol=1e-12)
    assert isinstance(b.to_frame()["cohort"].iloc[0], pd.Period)
    t1, t2 = _quiet(inc.twfe_did, p, "y"), _quiet(inc.twfe_did, q, "y")
    assert_allclose(t2.estimate, t1.estimate, rtol=1e-12)


# ---------------------------------------------------------------------------
# TWFE vs statsmodels (dummy variables) and pyfixest
# ---------------------------------------------------------------------------


def _sm_dummies(p, **fit_kw):
    counts = p.groupby("unit")["y"].transform("size")
    q = p.loc[counts > 1]
    kind = fit_kw.pop("kind", "ols")
    f = "y ~ treated + x1 + C(unit) + C(period)"
    model = smf.wls(f, data=q, weights=q["n"]) if kind == "wls" else smf.ols(f, data=q)
    return model.fit(**fit_kw), q


@pytest.mark.parametrize("weighted", [False, True])
def test_twfe_equals_statsmodels_dummies_on_unbalanced_panel(small_unbalanced, weighted):
    p = small_unbalanced
    kind = "wls" if weighted else "ols"
    groups = pd.factorize(p.loc[p.groupby("unit")["y"].transform("size") > 1, "branch"])[0]
    m, q = _sm_dummies(p, kind=kind, cov_type="cluster", cov_kwds={"groups": groups})
    w = "n" if weighted else None
    full = _quiet(inc.twfe_did, p, "y", covariates=["x1"], weights=w, fixef_dof="full")
    assert full.dof_k == m.df_model + 1  # same K: the rank of the dummy design
    assert_allclose(full.estimate, m.params["treated"], rtol=1e-10, atol=1e-10)
    assert_allclose(full.std_error, m.bse["treated"], rtol=1e-8)
    assert_allclose(full.to_frame()["std_error"].iloc[1], m.bse["x1"], rtol=1e-8)
    # default 'nested' K differs only through (N-1)/(N-K): K = slopes + n_periods
    nested = _quiet(inc.twfe_did, p, "y", covariates=["x1"], weights=w)
    n = len(q)
    assert nested.dof_k == 2 + q["period"].nunique()
    expected = m.bse["treated"] * np.sqrt((n - full.dof_k) / (n - nested.dof_k))
    assert_allclose(nested.std_error, expected, rtol=1e-8)
    assert nested.std_error < full.std_error


@pytest.mark.parametrize(("vcov", "cov_type"), [("iid", "nonrobust"), ("hetero", "HC1")])
def test_twfe_unclustered_equals_statsmodels_and_is_flagged(small_unbalanced, vcov, cov_type):
    m, _ = _sm_dummies(small_unbalanced, cov_type=cov_type)
    r = inc.twfe_did(small_unbalanced, "y", covariates=["x1"], vcov=vcov, cluster=None)
    assert_allclose(r.std_error, m.bse["treated"], rtol=1e-8)
    text = r.summary().as_text()
    assert "NOT clustered" in text.splitlines()[2]  # first line after the title
    assert "NOT clustered" in r.summary().as_html()
    assert "ignores branch clustering" in r.conclusion()


def test_twfe_matches_pyfixest_reference(small_unbalanced):
    # > pf.feols("y ~ treated + x1 | unit + period", data=p, vcov={"CRV1": "branch"},
    # >          weights=w)   # pyfixest 0.60.0, default ssc (k_fixef="nonnested")
    # on small_unbalanced written with p.to_csv(index=False)
    ref = {None: (1.4167571659612377, 0.2652645533159965), "n": (1.4216226537941081, 0.2595851783888091)}
    for w, (coef, se) in ref.items():
        r = _quiet(inc.twfe_did, small_unbalanced, "y", covariates=["x1"], weights=w)
        assert_allclose(r.estimate, coef, rtol=1e-9)
        assert_allclose(r.std_error, se, rtol=1e-7)  # pyfixest demeans to tol 1e-8


def test_twfe_drops_singletons_and_is_unchanged_by_them(small_unbalanced):
    p = small_unbalanced
    extra = pd.DataFrame(
        {
            "unit": ["solo1", "solo2"],
            "period": [2, 5],
            "branch": ["b0000", "b0001"],
            "y": [50.0, -40.0],
            "n": [10, 10],
            "true_effect": 0.0,
            "first_treated": pd.NA,
            "treated": [0, 0],
            "event_time": pd.NA,
            "x1": [0.3, -0.2],
        }
    )
    extra = extra.astype({"first_treated": "Int64", "event_time": "Int64"})
    with_solo = pd.concat([p, extra], ignore_index=True)
    a = _quiet(inc.twfe_did, p, "y", covariates=["x1"])
    b = _quiet(inc.twfe_did, with_solo, "y", covariates=["x1"])
    assert b.n_singletons_dropped == 2
    assert b.n_obs == a.n_obs
    assert_allclose(b.estimate, a.estimate, rtol=1e-10)
    assert_allclose(b.std_error, a.std_error, rtol=1e-10)
    cs = _quiet(inc.staggered_did, with_solo, "y")  # singletons just never enter a cell
    assert np.isfinite(cs.estimate)


def test_twfe_requires_cluster_or_explicit_opt_out(staggered):
    with pytest.raises(ParamsError, match="The 'cluster' parameter of twfe_did must be"):
        inc.twfe_did(staggered, "y", cluster=None)
    with pytest.raises(
        ParamsError,
        match=r"The 'cluster' parameter of twfe_did must be .*"
        r"Got 'region' instead\.",
    ):
        inc.twfe_did(staggered, "y", cluster="region")
    with pytest.raises(ParamsError, match="The 'vcov' parameter of twfe_did must be one of"):
        inc.twfe_did(staggered, "y", vcov="CR3")
    with pytest.raises(ParamsError, match="Call attach_treatment"):
        inc.twfe_did(staggered.drop(columns="first_treated"), "y")


def test_twfe_unidentified_treatment_raises():
    p = _panel(100, 6, 10, share_never=0.0, cohorts=[0], seed=2)  # everyone always treated
    with pytest.raises(InsufficientSampleError, match="collinear"):
        inc.twfe_did(p, "y")


def test_duplicated_rows_are_a_data_error(staggered):
    dup = pd.concat([staggered, staggered.iloc[:3]], ignore_index=True)
    with pytest.raises(DataValidationError, match="one row per unit and period"):
        inc.twfe_did(dup, "y")


# ---------------------------------------------------------------------------
# coverage of clustered vs iid intervals
# ---------------------------------------------------------------------------


def test_clustered_intervals_cover_and_iid_intervals_undercover():
    reps, hits_cl, hits_iid, hits_cs = 200, 0, 0, 0
    for rep in range(reps):
        # one adoption wave at period 5 (no staggering): TWFE is unbiased for effect 2;
        # branch-by-period shocks (sd 1.5) dominate the individual noise (sd 1)
        panel, adoption = simulate_staggered_panel(
            240,
            8,
            40,
            cohorts=[5],
            share_never=0.5,
            effect=2.0,
            branch_shock_sd=1.5,
            noise_sd=1.0,
            seed=10_000 + rep,
            string_ids=False,
        )
        p = inc.attach_treatment(panel, adoption)
        cl = _quiet(inc.twfe_did, p, "y")
        iid = _quiet(inc.twfe_did, p, "y", vcov="iid", cluster=None)
        cs = _quiet(inc.staggered_did, p, "y")
        hits_cl += cl.ci_low <= 2.0 <= cl.ci_high
        hits_iid += iid.ci_low <= 2.0 <= iid.ci_high
        hits_cs += cs.ci_low <= 2.0 <= cs.ci_high
    # binomial sd of a 95 % coverage over 200 reps is 1.5 points: allow 3 sd
    assert 0.905 <= hits_cl / reps <= 0.995
    assert 0.905 <= hits_cs / reps <= 0.995
    assert hits_iid / reps < 0.85


# ---------------------------------------------------------------------------
# staggered adoption
# ---------------------------------------------------------------------------


def test_att_gt_matches_csdid_reference():
    # Balanced panel, unit-level clustering; reference from csdid 0.4.3 (port of R did):
    # > ATTgt(yname="y", tname="t", idname="unit", gname="g", data=df,
    # >       control_group=cg).fit(est_method="reg", base_period="universal",
    # >       bstrap=False).aggte(typec=typ, bstrap=False)   # t = period+1, g = cohort+1 or 0
    # csdid's analytic se omits the G/(G-1) factor we apply, hence the scaling below.
    p = _panel(
        400, 8, 40, cohorts=[3, 5, 6], effect=lambda e: 1 + 0.5 * e, seed=5, string_ids=False, share_never=0.3
    )
    ref = {
        "never": {
            "overall": (1.7085739429610673, 0.1516613126427626),
            "group": (1.6148538883354349, 0.13649958147181757),
            "event": (1.9758656056786332, 0.16881998565462145),
            "calendar": (1.5122455417028289, 0.16526822954028214),
        },
        "notyet": {
            "overall": (1.8753564879731133, 0.14182770759067087),
            "group": (1.7305974488334261, 0.13841859942424828),
            "event": (2.119998556914465, 0.1559844349682132),
            "calendar": (1.7486764987442265, 0.1452551883484999),
        },
    }
    n = p["unit"].nunique()
    for cg, aggs in ref.items():
        res = inc.staggered_did(p, "y", cluster="unit", control_group=cg)
        for kind, (est, se) in aggs.items():
            agg = res.aggregate(kind)
            assert_allclose(agg.estimate, est, rtol=1e-10)
            assert_allclose(agg.std_error, se * np.sqrt(n / (n - 1)), rtol=1e-10)
    # first two group-time effects of cohort 3 with never-treated controls
    att = inc.staggered_did(p, "y", cluster="unit", control_group="never").att_gt
    first = att.loc[att["cohort"] == 3].sort_values("period").head(2)
    assert_allclose(first["estimate"], [0.16668101749470662, -0.16917220948725753], rtol=1e-10)


def test_att_gt_on_unbalanced_panel_is_the_pairwise_did_with_clustered_se(staggered):
    res = _quiet(inc.staggered_did, staggered, "y", control_group="never")
    cell = res.att_gt.query("cohort == 6 and period == 9").iloc[0]
    wide = staggered.pivot(index="unit", columns="period", values="y")
    coh = staggered.groupby("unit")["first_treated"].first()
    br = staggered.groupby("unit")["branch"].first()
    d = (wide[9] - wide[5]).dropna()  # base period g - 1 = 5; units observed in both
    grp = coh.reindex(d.index).astype("float64").fillna(np.inf)
    keep = (grp == 6) | np.isinf(grp)
    df = pd.DataFrame(
        {"d": d[keep], "tr": (grp[keep] == 6).astype(float), "branch": br.reindex(d.index)[keep]}
    )
    m = smf.ols("d ~ tr", data=df).fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(df["branch"])[0]})
    assert_allclose(cell["estimate"], m.params["tr"], rtol=1e-10)
    # statsmodels CR1 has an extra (N-1)/(N-K) with K = 2, and its G/(G-1) uses the
    # clusters of this cell; ours uses all clusters of the sample (one covariance for all
    # cells and aggregations)
    n, g_cell, g_all = len(df), df["branch"].nunique(), res.n_clusters
    scale = np.sqrt((n - 2) / (n - 1) * (g_all / (g_all - 1)) / (g_cell / (g_cell - 1)))
    assert_allclose(cell["std_error"], m.bse["tr"] * scale, rtol=1e-10)
    assert cell["n_treated"] == int(df["tr"].sum())


def test_dynamic_effects_bias_twfe_but_not_the_robust_estimator():
    reps, tw, cs, truth = 20, [], [], []
    for rep in range(reps):
        p = _panel(
            600,
            12,
            60,
            cohorts=[3, 6, 9],
            share_never=0.2,
            effect=lambda e: 1 + 0.5 * e,
            seed=100 + rep,
            branch_shock_sd=0.5,
        )
        r = _quiet(inc.estimate_incentive_effect, p, "y")
        tw.append(r.twfe.estimate)
        cs.append(r.robust.estimate)
        post = r.robust.att_gt.query("event_time >= 0")
        size = post["cohort"].map(p.groupby("first_treated")["unit"].nunique()).astype(float)
        truth.append(float(np.sum(size * (1 + 0.5 * post["event_time"])) / size.sum()))
    truth_mean, mc_se = np.mean(truth), np.std(cs, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(cs) - truth_mean) < max(3 * mc_se, 0.05)
    assert truth_mean - np.mean(tw) > 0.5  # TWFE badly biased downwards
    with pytest.warns(EstimatorDisagreementWarning, match="disagree"):
        res = inc.estimate_incentive_effect(p, "y")
    assert res.disagree and res.twfe.negative_weight_share > 0
    assert "disagrees" in res.conclusion()


def test_homogeneous_effect_no_disagreement():
    p = _panel(600, 10, 60, cohorts=[5], share_never=0.4, effect=1.5, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("error", EstimatorDisagreementWarning)
        res = inc.estimate_incentive_effect(p, "y")
    assert not res.disagree
    assert res.twfe.negative_weight_share == 0.0
    assert abs(res.estimate - 1.5) < 4 * res.std_error


def test_no_never_treated_units_uses_not_yet_treated_controls():
    p = _panel(600, 12, 60, cohorts=[3, 6, 9], share_never=0.0, effect=1.0, seed=11)
    assert p["first_treated"].notna().all()
    res = _quiet(inc.staggered_did, p, "y", control_group="notyet")
    # the last cohort has no comparison units once it is treated: those cells are absent
    assert res.att_gt.query("cohort == 9 and event_time >= 0").empty
    assert abs(res.estimate - 1.0) < 4 * res.std_error
    with pytest.raises(InsufficientSampleError, match="no never-treated units"):
        inc.staggered_did(p, "y", control_group="never")
    es = _quiet(inc.event_study, p, "y", leads=3, lags=2)
    assert any("No never-treated" in n for n in es.notes)  # TWFE event study: 2 references


def test_cohort_treated_in_first_period_is_dropped_with_warning():
    p = _panel(600, 10, 60, cohorts=[0, 4, 6], share_never=0.3, effect=1.0, seed=12)
    with pytest.warns(SmallSampleWarning, match="no pre-adoption period"):
        res = inc.staggered_did(p, "y")
    assert res.dropped_cohorts == (0,)
    assert 0 not in set(res.att_gt["cohort"])
    assert any("Dropped cohort" in a for a in res.summary().alerts)


def test_aggregations_are_consistent(staggered):
    res = _quiet(inc.staggered_did, staggered, "y")
    att = res.att_gt
    post = att.query("event_time >= 0")
    size = staggered.groupby("first_treated")["unit"].nunique()
    w = post["cohort"].map(size).astype(float)
    assert_allclose(res.estimate, np.sum(w * post["estimate"]) / w.sum(), rtol=1e-12)
    ev = res.aggregate("event")
    fr = ev.to_frame()
    assert fr.loc[fr["reference"], "event_time"].tolist() == [-1]
    assert_allclose(ev.estimate, fr.query("event_time >= 0")["estimate"].mean(), rtol=1e-12)
    g = res.aggregate("cohort")
    assert g.kind == "group" and len(g.to_frame()) == 3
    assert res.aggregate("calendar").to_frame()["period"].min() == 4
    assert ev.vcov_matrix.shape == ((~fr["reference"]).sum(),) * 2


# ---------------------------------------------------------------------------
# event study, pre-trends, placebo
# ---------------------------------------------------------------------------


def test_pretrend_test_rejects_planted_trend_and_power_grows_with_slope():
    trend = _panel(1500, 12, 60, cohorts=[6, 8], share_never=0.4, effect=1.0, pretrend_slope=0.3, seed=21)
    es = _quiet(inc.event_study, trend, "y", control_group="never", leads=4, lags=2)
    stat, pval = es.pretrend
    assert pval < 0.001 and es.pretrend.reject
    assert "rejects" in es.pretrend.conclusion()
    flat = _panel(1500, 12, 60, cohorts=[6, 8], share_never=0.4, effect=1.0, seed=22)
    es0 = _quiet(inc.event_study, flat, "y", control_group="never", leads=4, lags=2)
    assert not es0.pretrend.reject
    powers = [inc.pretrend_test(es0, slope=s).power for s in (0.0, 0.02, 0.05, 0.1, 0.3)]
    assert powers[0] == pytest.approx(0.05)
    assert all(b > a for a, b in zip(powers, powers[1:]))
    pt = es0.pretrend
    # at the detectable slope the power is the target, by construction
    assert inc.pretrend_test(es0, slope=pt.detectable_slope).power == pytest.approx(0.8)
    assert pt.slope_source == "explains the whole effect" and pt.df == 3
    assert "could only detect" in pt.conclusion("en")
    assert "把握" in pt.conclusion("zh")


def test_placebo_is_near_zero_without_effect_before_adoption_and_catches_trends():
    ests = []
    for rep in range(10):
        flat = _panel(
            600,
            12,
            60,
            cohorts=[6, 8],
            share_never=0.4,
            effect=1.0,
            seed=300 + rep,
            branch_shock_sd=0.5,
            string_ids=False,
        )
        pl = inc.placebo_test(flat, "y", shift=2)
        ests.append(pl.estimate)
    stat, pval = pl
    assert np.isfinite(stat) and 0 <= pval <= 1
    assert abs(np.mean(ests)) < max(3 * np.std(ests, ddof=1) / np.sqrt(10), 0.05)
    assert abs(np.mean(ests)) < 0.15
    trend = _panel(
        1500,
        12,
        60,
        cohorts=[6, 8],
        share_never=0.4,
        effect=1.0,
        pretrend_slope=0.3,
        seed=22,
        branch_shock_sd=0.5,
    )
    bad = inc.placebo_test(trend, "y", shift=2, control_group="never")
    assert bad.pvalue < 0.001 and "anticipation" in bad.conclusion()


def test_event_study_frame_and_plot(staggered):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    es = _quiet(inc.event_study, staggered, "y", leads=3, lags=3)
    fr = es.to_frame()
    assert set(fr["estimator"]) == {"callaway-santanna", "twfe"}
    assert fr.query("estimator == 'twfe' and reference")["event_time"].tolist() == [-1]
    n_before = len(plt.get_fignums())
    fig = inc.plot_event_study(es, lang="zh")
    assert isinstance(fig, Figure)
    assert len(plt.get_fignums()) == n_before  # no pyplot state
    ax = fig.axes[0]
    assert ax.get_xlabel() == "相对激励实施的期数"
    assert es.plot(lang="en").axes[0].get_xlabel() == "Periods relative to adoption"
    with pytest.raises(ParamsError, match="The 'lang' parameter of plot_event_study"):
        inc.plot_event_study(es, lang="fr")


# ---------------------------------------------------------------------------
# regression to the mean
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rtm_panel() -> pd.DataFrame:
    """Zero true effect; the top 20 % by a noisy grade get a bonus."""
    rng = np.random.default_rng(42)
    n = 3000
    ability = rng.normal(70, 5, n)
    before = ability + rng.normal(0, 5, n)  # the graded quarter (the assignment score)
    after = ability + rng.normal(0, 5, n)  # no effect at all
    threshold = float(np.quantile(before, 0.8))
    ids = [f"s{i:05d}" for i in range(n)]
    branch = rng.integers(0, 100, n).astype(str)
    return pd.DataFrame(
        {
            "unit": ids * 2,
            "period": [0] * n + [1] * n,
            "branch": np.concatenate([branch, branch]),
            "satisfaction": np.concatenate([before, after]),
            "grade_score": np.concatenate([before, before]),
            "bonus": np.concatenate([np.zeros(n), (before >= threshold).astype(float)]),
        }
    ).assign(threshold=threshold)


def test_naive_before_after_of_winners_falls_and_is_flagged(rtm_panel):
    thr = rtm_panel["threshold"].iloc[0]
    kw = dict(before=0, after=1, score_col="grade_score", threshold=thr)
    with pytest.raises(ParamsError, match="regression to the mean"):
        inc.before_after(rtm_panel, "satisfaction", **kw)
    with pytest.warns(RegressionToMeanWarning):
        res = inc.before_after(rtm_panel, "satisfaction", allow_naive=True, **kw)
    stat, pval = res
    assert res.diff < -1.0 and pval < 1e-6 and res.rtm_flagged
    assert "regression to the mean" in res.conclusion()
    # without score_col the baseline gap alone triggers the warning
    with pytest.warns(RegressionToMeanWarning, match="standard deviations"):
        inc.before_after(rtm_panel, "satisfaction", before=0, after=1, treated_col="bonus")


def test_guarded_estimates_are_near_zero(rtm_panel):
    thr = rtm_panel["threshold"].iloc[0]
    res = inc.rtm_guarded_effect(
        rtm_panel, "satisfaction", score_col="grade_score", before=0, after=1, threshold=thr, bandwidth=6.0
    )
    est = res.to_frame().set_index("method")
    assert est.loc["naive", "estimate"] < -1.0 and est.loc["naive", "pvalue"] < 1e-6
    for m in ("ancova", "rd"):
        assert abs(est.loc[m, "estimate"]) < 3 * est.loc[m, "std_error"]
        assert abs(est.loc[m, "estimate"]) < 1.0
    assert res.primary == "rd" and res.estimate == est.loc["rd", "estimate"]
    assert "should not be reported" in res.conclusion()
    anc = inc.rtm_guarded_effect(
        rtm_panel,
        "satisfaction",
        score_col="grade_score",
        before=0,
        after=1,
        treated_col="bonus",
        method="ancova",
    )
    assert anc.primary == "ancova" and abs(anc.estimate) < 3 * anc.std_error
    with pytest.raises(InsufficientSampleError, match="at least 5 on each side"):
        inc.rtm_guarded_effect(
            rtm_panel,
            "satisfaction",
            score_col="grade_score",
            before=0,
            after=1,
            threshold=thr,
            bandwidth=0.001,
            method="rd",
        )


# ---------------------------------------------------------------------------
# notebook-ready output
# ---------------------------------------------------------------------------


def test_summaries_frames_and_conclusions(staggered):
    res = _quiet(inc.estimate_incentive_effect, staggered, "y", placebo_shift=1)
    s = res.summary()
    assert str(s) == s.as_text() and s._repr_html_() == s.as_html()
    assert "<table" in s.as_html()
    assert list(res.to_frame()["estimator"]) == ["callaway-santanna", "twfe", "twfe - robust"]
    en, zh = res.conclusion("en", unit="points"), res.conclusion("zh", unit="分")
    assert en.startswith("The incentive raised y by") and "points" in en
    assert "Pre-trends" in en and "Placebo" in en
    assert zh.startswith("激励使y提高了") and "事前趋势" in zh
    for obj in (res.robust, res.twfe, res.event, res.pretrend, res.placebo):
        assert isinstance(obj.to_frame(), pd.DataFrame)
        assert obj.summary().as_text()
        assert obj.conclusion("zh")
    with pytest.raises(ParamsError, match="The 'lang' parameter"):
        res.conclusion("fr")


def test_option_validation_messages(staggered):
    with pytest.raises(
        ParamsError,
        match=r"The 'control_group' parameter of staggered_did "
        r"must be one of 'notyet', 'never'\. Got 'all'",
    ):
        inc.staggered_did(staggered, "y", control_group="all")
    with pytest.raises(ParamsError, match="The 'alpha' parameter of staggered_did"):
        inc.staggered_did(staggered, "y", alpha=1.5)
    with pytest.raises(ParamsError, match="The 'aggregation' parameter"):
        inc.staggered_did(staggered, "y", aggregation="simple")
    with pytest.raises(ParamsError, match="The 'shift' parameter of placebo_test"):
        inc.placebo_test(staggered, "y", shift=0)

"""Restricted wild cluster bootstrap (WCR): against an independent dense reference and by simulation.

Reference: a plain restricted-OLS re-fit per bootstrap pattern, written here from the
textbook recipe (Cameron, Gelbach & Miller 2008, section 3.2 with the null imposed;
MacKinnon & Webb 2017): the unit and period effects enter as explicit dummy columns (no
demeaning, no cluster-sum algebra), the restricted model is fitted with statsmodels WLS,
and every one of the 2^12 = 4,096 Rademacher sign patterns of 12 clusters is enumerated,
so no random numbers need aligning. Each pattern's t statistic is the CR1 t of the full
dummy regression on ``y* = restricted fit + restricted residual * v_g``.
"""

from __future__ import annotations

import importlib.util
import itertools
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from bankperf_analysis.incentives import attach_treatment, twfe_did
from bankperf_analysis.incentives.simulate import simulate_staggered_panel

G = 12

_spec = importlib.util.spec_from_file_location(
    "wildboottest_reference", Path(__file__).parent / "data" / "wildboottest_reference.py"
)
_WBT = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_WBT)


def _panel(seed: int = 3, weights: bool = False) -> pd.DataFrame:
    panel, adoption = simulate_staggered_panel(
        48,
        8,
        G,
        cohorts=range(3, 7),
        share_never=0.3,
        effect=lambda e: 0.0,
        branch_shock_sd=0.5,
        turnover=0.0,
        seed=seed,
    )
    p = attach_treatment(panel, adoption)
    rng = np.random.default_rng(seed + 100)
    p["x1"] = rng.normal(size=len(p))
    if weights:
        p["wt"] = rng.uniform(0.5, 2.0, len(p))
    return p


class _DenseReference:
    """Restricted OLS re-fit per sign pattern on the explicit dummy design (see module docstring)."""

    def __init__(self, p: pd.DataFrame, weights: str | None) -> None:
        self.y = p["y"].to_numpy(float)
        self.x = np.column_stack([p["treated"].to_numpy(float), p["x1"].to_numpy(float)])
        dummies = pd.get_dummies(p[["unit", "period"]].astype(str), drop_first=True).to_numpy(float)
        ones = np.ones((len(p), 1))
        self.full = np.column_stack([self.x, ones, dummies])
        self.restr = np.column_stack([self.x[:, 1:], ones, dummies])
        self.w = np.ones(len(p)) if weights is None else p[weights].to_numpy(float)
        self.cl = pd.factorize(p["branch"])[0]
        zw = self.full * self.w[:, None]
        self.bread = np.linalg.pinv(self.full.T @ zw)
        self.proj = self.bread @ zw.T  # slopes of every y column at once
        self.pats = np.array(list(itertools.product((1.0, -1.0), repeat=G))).T  # (G, 4096)

    def _t(self, ys: np.ndarray, c: float) -> np.ndarray:
        b = self.proj @ ys
        e = ys - self.full @ b
        # CR1 variance of the first slope: sum over clusters of (row 0 of bread @ X_g' W_g e_g)^2
        h = (self.full * self.w[:, None]) @ self.bread[0]
        a = np.stack([h[self.cl == g] @ e[self.cl == g] for g in range(G)])  # (G, B)
        return (b[0] - c) / np.sqrt((a**2).sum(axis=0))

    def pvalue(self, c: float = 0.0) -> float:
        fit = sm.WLS(self.y - c * self.x[:, 0], self.restr, weights=self.w).fit()
        fitted = fit.fittedvalues + c * self.x[:, 0]
        ys = fitted[:, None] + fit.resid[:, None] * self.pats[self.cl]
        t_boot = self._t(ys, c)
        t_hat = self._t(self.y[:, None], c)[0]
        return float(np.mean(np.abs(t_boot) >= abs(t_hat) * (1 - 1e-10)))


@pytest.mark.parametrize("weights", [None, "wt"])
def test_wcr_matches_dense_restricted_refit_on_full_enumeration(weights):
    p = _panel(weights=weights is not None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = twfe_did(
            p,
            "y",
            covariates=["x1"],
            weights=weights,
            bootstrap="wild",
            boot_weights="rademacher",
            n_boot=9999,
        )
    wb = r.wild_bootstrap
    assert wb is not None and wb.enumerated and wb.n_boot == 2**G
    ref = _DenseReference(p, weights)
    assert wb.pvalue == pytest.approx(ref.pvalue(0.0), abs=1e-12)
    if weights is not None:
        return  # the interval is checked once (each reference p-value enumerates 4,096 re-fits)
    # the interval inverts the test: the reference p-value crosses alpha at both ends
    eps = 1e-5 * r.std_error
    for end in (wb.ci_low, wb.ci_high):
        inside = end - eps if end == wb.ci_high else end + eps
        outside = end + eps if end == wb.ci_high else end - eps
        assert ref.pvalue(inside) > 0.05 >= ref.pvalue(outside)


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_wcr_pvalue_matches_wildboottest_package(seed):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = twfe_did(
            _panel(seed), "y", covariates=["x1"], bootstrap="wild", boot_weights="rademacher", n_boot=9999
        )
    wb = r.wild_bootstrap
    assert wb is not None and wb.enumerated
    # same patterns; ours counts the two sample-reproducing patterns as ties, theirs drops them
    pvalues = _WBT.PVALUES  # quoted output of wildboottest 0.3.2, command in that file
    assert pvalues[seed] - 1e-12 <= wb.pvalue <= pvalues[seed] + 2 / 2**G + 1e-12


def _null_panel(rng: np.random.Generator, treated: int = 5, units: int = 4, periods: int = 8) -> pd.DataFrame:
    """12 branches, 5 treated from period 4, no effect; the treated branches' shocks are 3x noisier."""
    br = np.repeat(np.arange(G), units * periods)
    unit = np.repeat(np.arange(G * units), periods)
    per = np.tile(np.arange(periods), G * units)
    scale = np.where(np.arange(G) < treated, 3.0, 1.0)
    shock = rng.normal(size=(G, periods)) * scale[:, None]
    y = rng.normal(size=G)[br] + 0.3 * per + shock[br, per] + rng.normal(size=br.size)
    first = np.where(br < treated, 4.0, np.nan)
    return pd.DataFrame({"unit": unit, "period": per, "branch": br, "y": y, "first_treated": first})


@pytest.mark.slow
def test_wcr_null_rejection_rate_with_12_clusters():
    # seeded simulation, 400 panels x 399 Webb draws; the CR1 t(G-1) rate is shown beside it
    rng = np.random.default_rng(2026)
    n_rep, wild, cr1 = 400, 0, 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(n_rep):
            r = twfe_did(_null_panel(rng), "y", n_boot=399)
            assert r.wild_bootstrap is not None  # the default with 12 clusters
            wild += r.wild_bootstrap.pvalue < 0.05
            cr1 += r.pvalue < 0.05
    rate_wild, rate_cr1 = wild / n_rep, cr1 / n_rep
    print(f"rejection at 5 %: wild cluster bootstrap {rate_wild:.3f}, CR1 t test {rate_cr1:.3f}")
    assert 0.03 <= rate_wild <= 0.07
    assert rate_cr1 > rate_wild  # measured 0.080 vs 0.065 with this seed


def test_wild_bootstrap_is_the_default_below_30_clusters_only():
    p = _panel()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        auto = twfe_did(p, "y")
        off = twfe_did(p, "y", bootstrap="none")
    assert auto.wild_bootstrap is not None and off.wild_bootstrap is None
    assert "wild cluster bootstrap" in auto.conclusion("en")
    assert auto.wild_bootstrap.seed == 0 and not auto.wild_bootstrap.enumerated  # Webb by default
    many = pd.concat([p.assign(branch=p["branch"] + f"_{k}", unit=p["unit"] + f"_{k}") for k in range(3)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert twfe_did(many, "y").wild_bootstrap is None  # 36 clusters


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"bootstrap": "yes"}, "'bootstrap' parameter of twfe_did"),
        ({"boot_weights": "mammen"}, "'boot_weights' parameter of twfe_did"),
        ({"n_boot": 10}, "'n_boot' parameter of twfe_did"),
        ({"bootstrap": "wild", "vcov": "hetero"}, "'bootstrap' parameter of twfe_did"),
    ],
)
def test_bootstrap_options_are_checked(kwargs, match):
    from bankperf_analysis.exceptions import ParamsError

    with pytest.raises(ParamsError, match=match):
        twfe_did(_panel(), "y", **kwargs)


def test_event_study_leads_and_joint_pretest_match_dense_reference():
    # the TWFE event study's joint pre-trend null, WCR with all 4,096 Rademacher patterns,
    # against the dense restricted re-fit (leads dropped, statsmodels WLS) and the CR1 Wald statistic
    from bankperf_analysis.incentives import event_study

    p = _panel(seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        es = event_study(
            p,
            "y",
            leads=3,
            lags=2,
            estimator="twfe",
            bootstrap="wild",
            boot_weights="rademacher",
            n_boot=9999,
        )
    pre = es.pretrend_twfe
    assert pre is not None and pre.wild_bootstrap is not None and pre.wild_bootstrap.enumerated
    fr = es.twfe.frame
    est = fr.loc[~fr["reference"]]
    assert est["pvalue_wild"].between(0, 1).all()
    # dense reference: event-time dummies as in the package (-1 reference, endpoints binned)
    ev = (p["period"] - p["first_treated"]).to_numpy(float)
    ever = np.isfinite(ev)
    evc = np.clip(np.where(ever, ev, 0), -3, 2)
    events = [int(e) for e in est["event_time"]]
    dums = np.column_stack([(ever & (evc == e)).astype(float) for e in events])
    fe = pd.get_dummies(p[["unit", "period"]].astype(str), drop_first=True).to_numpy(float)
    full = np.column_stack([dums, np.ones(len(p)), fe])
    lead_cols = [j for j, e in enumerate(events) if e < 0]
    restr = np.delete(full, lead_cols, axis=1)
    y = p["y"].to_numpy(float)
    cl = pd.factorize(p["branch"])[0]
    bread = np.linalg.pinv(full.T @ full)
    proj = bread @ full.T
    rmat = bread[lead_cols]

    def wald(ys):
        b = proj @ ys
        e = ys - full @ b
        h = full @ rmat.T  # (n, q)
        sc = np.stack([h[cl == g].T @ e[cl == g] for g in range(G)])  # (G, q, B)
        meat = np.einsum("gqb,grb->bqr", sc, sc)
        rb = b[lead_cols].T  # (B, q)
        return np.einsum("bq,bq->b", rb, np.linalg.solve(meat, rb[:, :, None])[:, :, 0])

    fit = sm.OLS(y, restr).fit()
    pats = np.array(list(itertools.product((1.0, -1.0), repeat=G))).T
    ys = fit.fittedvalues[:, None] + fit.resid[:, None] * pats[cl]
    w_hat = wald(y[:, None])[0]
    p_ref = float(np.mean(wald(ys) >= w_hat * (1 - 1e-10)))
    assert pre.wild_bootstrap.pvalue == pytest.approx(p_ref, abs=1e-12)
    # the F form: the Wald statistic / q with the package's CR1 factor; compare scale-free
    assert pre.wild_bootstrap.statistic == pytest.approx(pre.statistic, rel=1e-6)


def test_incentive_study_reports_wild_bootstrap_and_joint_pretest(default_bank):
    import html
    import re

    from bankperf_analysis import load_dataset
    from bankperf_analysis.report import IncentiveReport

    ds = load_dataset(default_bank)
    try:
        en = IncentiveReport(ds, "cross_sales_per_month", "branch-quarter", max_leave_one_out=0)
        zh = IncentiveReport(ds, "cross_sales_per_month", "branch-quarter", lang="zh", max_leave_one_out=0)
        d_en, d_zh = html.unescape(en.diagnostics().html), html.unescape(zh.diagnostics().html)
    finally:
        ds.close()
    tw = en.study.result_.twfe.wild_bootstrap
    pre = en.study.event_.pretrend_twfe.wild_bootstrap
    assert tw is not None and pre is not None and tw.n_clusters == 12  # default below 30 clusters
    assert "restricted wild cluster bootstrap" in d_en and "Joint pre-test by wild bootstrap" in d_en
    assert "野聚类自助法" in d_zh and "联合事前检验" in d_zh
    assert "as R did reports it" in d_en and "沃尔德卡方" in d_zh  # the ATT(g,t) pre-test beside the F test
    zh_lines = [t for t in re.split(r"<[^>]+>", d_zh) if "野聚类" in t or "沃尔德" in t]
    assert zh_lines and not any(re.search(r"[A-Za-z]{2,}", t) for t in zh_lines)  # only 'p' as a symbol

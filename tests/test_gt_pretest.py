"""The R ``did`` joint pre-test over all pre-period ATT(g, t), and the exposed influence functions.

No quoted R output of the pre-test exists in tests/data, so the Wald statistic is checked
against an independent computation from the exposed influence functions (scipy's chi-square
for the p-value), and the exposed covariance against the ATT(g, t) standard errors, which
tests/test_incentives.py already checks against R ``did``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import stats

from bankperf_analysis.incentives import attach_treatment, staggered_did
from bankperf_analysis.incentives.simulate import simulate_staggered_panel


def _result(seed: int = 1, base_period: str = "varying"):
    panel, adoption = simulate_staggered_panel(
        120, 8, 12, cohorts=range(3, 7), share_never=0.3, effect=lambda e: 1.0, branch_shock_sd=0.3, seed=seed
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return staggered_did(attach_treatment(panel, adoption), "y", base_period=base_period)


@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_gt_pretest_is_the_wald_chi2_of_the_pre_period_cells(base_period):
    r = _result(base_period=base_period)
    psi = r.att_gt_influence()
    g = psi.shape[1]
    assert g == r.n_clusters == 12
    # exposed covariance reproduces the ATT(g,t) standard errors (checked against R did elsewhere)
    v = r.att_gt_vcov()
    np.testing.assert_allclose(np.sqrt(np.diag(v)), r.att_gt["std_error"].to_numpy(), rtol=1e-12)
    # independent computation: pre-period cells, covariance from the influence functions
    att = r.att_gt
    pre = (att["event_time"].to_numpy() < 0) & (att["std_error"].to_numpy() > 0)
    b = att["estimate"].to_numpy()[pre]
    dev = psi[pre]
    vv = np.einsum("ig,jg->ij", dev, dev) * g / (g - 1)
    w = float(b @ np.linalg.lstsq(vv, b, rcond=None)[0])
    out = r.pretrend_gt()
    assert out is not None and out.n_cells == int(pre.sum())
    assert out.statistic == pytest.approx(w, rel=1e-8)
    assert out.pvalue == pytest.approx(stats.chi2.sf(w, out.df), rel=1e-8)
    assert "R did pre-test" in out.to_frame()["test"].iloc[0]
    stat, p = out
    assert (stat, p) == (out.statistic, out.pvalue)

"""Small inference helpers shared by the estimators: t/normal intervals and inference alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._validation import warn
from bankperf_analysis.exceptions import SmallSampleWarning


def _infer(est: float, se: float, df: float, alpha: float) -> tuple[float, float, float, float]:
    """(statistic, two-sided p-value, ci_low, ci_high) with t(df) (normal when df=inf)."""
    if not np.isfinite(se) or se <= 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    stat = est / se
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    p = float(2 * dist.sf(abs(stat)))
    crit = float(dist.ppf(1 - alpha / 2))
    return float(stat), p, float(est - crit * se), float(est + crit * se)


def _infer_vec(est: np.ndarray, se: np.ndarray, df: float, alpha: float) -> pd.DataFrame:
    """Tidy frame of :func:`_infer` for vectors of estimates and standard errors."""
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, est / se, np.nan)
    crit = float(dist.ppf(1 - alpha / 2))
    return pd.DataFrame(
        {
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "pvalue": 2 * dist.sf(np.abs(stat)),
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
        }
    )


def _vcov_alerts(vcov: str) -> tuple[str, ...]:
    """The loud alert of unclustered standard errors (none when clustered)."""
    if vcov == "iid":
        return (
            "Standard errors are NOT clustered (vcov='iid'): they assume independent errors "
            "across staff and periods and are too small when branch-level shocks exist. "
            "Use vcov='cluster' (the default) for reporting.",
        )
    if vcov == "hetero":
        return (
            "Standard errors are NOT clustered (vcov='hetero', HC1): robust to "
            "heteroskedasticity only, too small when errors are correlated within branches.",
        )
    return ()


def _few_clusters(g: int, func: str) -> tuple[str, ...]:
    """Warn (and return the alert) when fewer than 20 clusters carry the inference."""
    if 0 < g < 20:
        msg = (
            f"Only {g} clusters: cluster-robust inference is unreliable with fewer than about "
            "20-30 clusters; treat p-values and intervals as approximate."
        )
        warn(f"{func}: {msg}", SmallSampleWarning)
        return (msg,)
    return ()

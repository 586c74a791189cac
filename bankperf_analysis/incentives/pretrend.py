"""Joint test of the pre-adoption event-time effects, with its power (Roth 2022).

A non-rejection is not proof of parallel trends: the result carries the power of the test
against a linear pre-trend and the slope it detects with the target power.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_unit_interval
from bankperf_analysis.exceptions import InsufficientSampleError
from bankperf_analysis.incentives.aggregation import AggregationResult
from bankperf_analysis.incentives.bootstrap import WildBootstrapResult
from bankperf_analysis.incentives.event_series import _event_aggregation_of
from bankperf_analysis.incentives.options import Lang
from bankperf_analysis.incentives.prose import _pretrend_sentence

__all__ = ["PreTrendTestResult", "pretrend_test"]


@dataclass(frozen=True, slots=True, eq=False)
class PreTrendTestResult:
    """Joint Wald test that all pre-adoption event-time effects are zero, with its power.

    Unpacks as ``statistic, pvalue = result``.

    H0: every pre-adoption effect is 0 (parallel pre-trends). H1: at least one is not.
    A non-rejection is not proof of parallel trends (Roth 2022): ``power`` is the
    probability that this test rejects when the pre-trend is linear with slope ``slope``
    per period (noncentral F with the estimated covariance), and
    ``detectable_slope`` is the slope it detects with probability ``power_target``.

    Attributes
    ----------
    statistic, pvalue : float
        Wald statistic in its F form, ``W / df`` with ``(df, df_denom)`` degrees of
        freedom (``df`` = number of pre-periods, ``df_denom`` = clusters - 1). The
        chi-square test is its many-cluster limit and over-rejects with few clusters.
    df : int
    df_denom : float
    slope : float
        Slope (outcome units per period) the power refers to.
    slope_source : str
        ``"user"`` or ``"explains the whole effect"`` (the default: the linear trend that
        alone would produce the average post-adoption estimate).
    power : float
    detectable_slope : float
    power_target, alpha : float
    estimator : str
    wild_bootstrap : WildBootstrapResult or None
        Restricted wild cluster bootstrap of the same joint null (TWFE event study with
        fewer than 30 clusters): its p-value is the one to read with few clusters.
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    df: int
    df_denom: float
    slope: float
    slope_source: str
    power: float
    detectable_slope: float
    power_target: float
    alpha: float
    estimator: str
    pre_event_times: tuple[int, ...]
    wild_bootstrap: WildBootstrapResult | None = None

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    @property
    def reject(self) -> bool:
        """Whether parallel pre-trends are rejected at ``alpha``."""
        return bool(self.pvalue < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "test": "joint pre-trend Wald (F)",
                    "estimator": self.estimator,
                    "statistic": self.statistic,
                    "df": self.df,
                    "df_denom": self.df_denom,
                    "pvalue": self.pvalue,
                    "slope": self.slope,
                    "slope_source": self.slope_source,
                    "power": self.power,
                    "detectable_slope": self.detectable_slope,
                    "power_target": self.power_target,
                    "pvalue_wild_bootstrap": (
                        np.nan if self.wild_bootstrap is None else self.wild_bootstrap.pvalue
                    ),
                }
            ]
        )

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        return Summary(
            "Pre-trend test",
            tables=[("Joint test of the pre-adoption effects", self.to_frame())],
            notes=[self.conclusion("en")],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading (never 'no pre-trend' without the power)."""
        check_choice(lang, "lang", "PreTrendTestResult.conclusion", Lang)
        return _pretrend_sentence(self, lang, unit)


def pretrend_test(
    result: Any,
    *,
    slope: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PreTrendTestResult:
    """Joint Wald test of the pre-adoption event-time effects, with its power.

    Parameters
    ----------
    result : AggregationResult, EventStudyResult, StaggeredDiDResult or IncentiveEffectResult
        An event-time aggregation (with its covariance). A ``StaggeredDiDResult`` is
        aggregated by event time first; an ``EventStudyResult`` uses its robust series.
    slope : float, optional
        Linear pre-trend (outcome units per period) to compute the power against.
        Default: the slope that alone would explain the average post-adoption estimate.
    alpha : float
        Level of the test.
    power : float
        Target power for ``detectable_slope``.

    Returns
    -------
    PreTrendTestResult
        H0: all pre-adoption effects are zero; H1: some are not.

    Notes
    -----
    Under a linear pre-trend with slope ``d`` and the universal base period, the
    expected pre-period estimates are ``d * (e - e_ref)``; under the varying base they
    are ``d``. ``W = b' V^-1 b`` is then approximately noncentral chi-square with
    noncentrality ``mu' V^-1 mu`` (Roth 2022, "Pretest with caution"); we use its F form
    ``W/q ~ F(q, G-1, mu' V^-1 mu)`` for the p-value and the power.
    """
    func = "pretrend_test"
    alpha = check_unit_interval(alpha, "alpha", func)
    power = check_unit_interval(power, "power", func)
    agg = _event_aggregation_of(result, func)
    out = _pretrend(agg, slope=slope, alpha=alpha, power=power)
    if out is None:
        raise InsufficientSampleError(
            f"{func}: no pre-adoption event time is estimable (need periods before g - 1)."
        )
    return out


def _pretrend(
    agg: AggregationResult, *, slope: float | None, alpha: float, power: float
) -> PreTrendTestResult | None:
    """The pre-trend test of an event-time aggregation (None without pre-adoption effects)."""
    fr = agg.frame
    est_rows = fr.loc[~fr["reference"]].reset_index(drop=True)
    e = est_rows["event_time"].to_numpy()
    pre = e < -agg.anticipation
    if not pre.any():
        return None
    beta = est_rows["estimate"].to_numpy()[pre]
    v = agg.vcov_matrix[np.ix_(pre, pre)]
    vinv = np.linalg.pinv(v)
    df = int(np.linalg.matrix_rank(v))
    # F version of the Wald test, F(q, G - 1): the chi-square test over-rejects with a
    # cluster-robust covariance estimated from few clusters (chi2 is its G -> inf limit)
    d2 = agg.df_t if np.isfinite(agg.df_t) else 1e9
    fstat = float(beta @ vinv @ beta) / df
    ref = agg.reference_event
    mu1 = (e[pre] - ref).astype(float) if ref is not None else np.ones(int(pre.sum()))
    nc1 = float(mu1 @ vinv @ mu1)
    crit = float(stats.f.ppf(1 - alpha, df, d2))
    source = "user"
    if slope is None:
        slope, source = _slope_explaining_effect(agg, est_rows), "explains the whole effect"
    slope = float(slope)
    return PreTrendTestResult(
        statistic=fstat,
        pvalue=float(stats.f.sf(fstat, df, d2)),
        df=df,
        df_denom=float(d2),
        slope=slope,
        slope_source=source,
        power=_power_against(slope, crit, df, d2, nc1, alpha),
        detectable_slope=_detectable_slope(crit, df, d2, nc1, power),
        power_target=power,
        alpha=alpha,
        estimator=agg.estimator,
        pre_event_times=tuple(int(x) for x in e[pre]),
    )


def _slope_explaining_effect(agg: AggregationResult, est_rows: pd.DataFrame) -> float:
    """The linear pre-trend slope that alone would produce the mean post-adoption effect."""
    e = est_rows["event_time"].to_numpy()
    post = e >= 0
    horizon = np.mean(e[post] + 1 + agg.anticipation) if post.any() else np.nan
    theta = np.mean(est_rows["estimate"].to_numpy()[post]) if post.any() else np.nan
    return float(abs(theta) / horizon) if np.isfinite(horizon) else float("nan")


def _power_against(slope: float, crit: float, df: int, d2: float, nc1: float, alpha: float) -> float:
    """Power of the F test against a linear pre-trend of ``slope`` per period."""
    if not np.isfinite(slope):
        return float("nan")
    if slope == 0:
        return alpha
    return float(stats.ncf.sf(crit, df, d2, slope**2 * nc1))


def _detectable_slope(crit: float, df: int, d2: float, nc1: float, power: float) -> float:
    """The slope the test detects with probability ``power``."""
    from scipy.optimize import brentq

    if nc1 <= 0:
        return float("inf")
    lam = brentq(lambda x: stats.ncf.sf(crit, df, d2, x) - power, 1e-9, 1e5)
    return float(np.sqrt(lam / nc1))

"""The top-level call: the robust estimate, TWFE beside it, the checks, and whether they disagree."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int, check_positive, check_unit_interval, warn
from bankperf_analysis.exceptions import EstimatorDisagreementWarning, ParamsError
from bankperf_analysis.incentives.aggregation import AggregationResult
from bankperf_analysis.incentives.event_series import plot_event_study
from bankperf_analysis.incentives.group_time import _CSSpec
from bankperf_analysis.incentives.options import (
    AdoptionLevel,
    Aggregation,
    BasePeriod,
    ControlGroup,
    FixefDof,
    Lang,
)
from bankperf_analysis.incentives.panel import COHORT_COL, _Columns, _Panel, _prepare, attach_treatment
from bankperf_analysis.incentives.placebo import PlaceboResult, _placebo_from_panel
from bankperf_analysis.incentives.pretrend import PreTrendTestResult, _pretrend
from bankperf_analysis.incentives.prose import CONTROL_LABEL, _disagreement_alert, _twfe_comparison
from bankperf_analysis.incentives.staggered import StaggeredDiDResult, _staggered_from_panel
from bankperf_analysis.incentives.twfe import TWFEResult, _twfe_result, _TWFESpec

__all__ = ["IncentiveEffectResult", "estimate_incentive_effect"]


@dataclass(frozen=True, slots=True, eq=False)
class IncentiveEffectResult:
    """Incentive effect: robust staggered DiD, TWFE beside it, pre-trend test, placebo.

    The headline fields are the robust (Callaway–Sant'Anna) estimate.

    Disagreement rule: with ``d = TWFE - robust`` and ``se_d`` its cluster-robust
    standard error (from the joint cluster-level influence functions of both
    estimators, so their correlation is accounted for), the estimators *disagree* when
    ``|d| > max(z_{1-alpha/2} * se_d, rtol * |robust|)``: the gap is both statistically
    significant and larger than ``rtol`` (default 10 %) of the robust estimate.

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
    robust : StaggeredDiDResult
    twfe : TWFEResult
    event : AggregationResult
        Robust event-time effects (``-leads..lags``).
    pretrend : PreTrendTestResult or None
    placebo : PlaceboResult or None
    difference, difference_se : float
    disagree : bool
    disagreement_rtol : float
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    robust: StaggeredDiDResult = field(repr=False)
    twfe: TWFEResult = field(repr=False)
    event: AggregationResult = field(repr=False)
    pretrend: PreTrendTestResult | None
    placebo: PlaceboResult | None
    difference: float
    difference_se: float
    disagree: bool
    disagreement_rtol: float
    outcome: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """Robust estimate, TWFE and their difference, one row each."""
        fields = ("estimate", "std_error", "statistic", "pvalue", "ci_low", "ci_high")
        rows: list[dict[str, Any]] = [
            {"estimator": name, **{f: getattr(res, f) for f in fields}}
            for name, res in (("callaway-santanna", self.robust), ("twfe", self.twfe))
        ]
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        stat = self.difference / self.difference_se if self.difference_se > 0 else np.nan
        rows.append(
            {
                "estimator": "twfe - robust",
                "estimate": self.difference,
                "std_error": self.difference_se,
                "statistic": stat,
                "pvalue": float(2 * stats.norm.sf(abs(stat))),
                "ci_low": self.difference - z * self.difference_se,
                "ci_high": self.difference + z * self.difference_se,
            }
        )
        return pd.DataFrame(rows)

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        alerts = list(self.robust.alerts) + list(self.twfe.alerts)
        if self.disagree:
            alerts.insert(0, _disagreement_alert(self))
        tables = [("Estimates", self.to_frame()), ("Event-time effects (robust)", self.event.to_frame())]
        if self.pretrend is not None:
            tables.append(("Pre-trend test", self.pretrend.to_frame()))
        if self.placebo is not None:
            tables.append(("Placebo test", self.placebo.to_frame()))
        facts = (
            ("Outcome", self.outcome),
            (
                "Robust estimator",
                "Callaway & Sant'Anna, "
                f"{CONTROL_LABEL[self.robust.control_group]} controls, "
                f"{self.robust.n_cohorts} cohorts, {self.robust.n_clusters} clusters",
            ),
            (
                "TWFE",
                f"clustered by {self.twfe.cluster!r}; {self.twfe.negative_weight_share:.1%} "
                "of treated observations with negative weight",
            ),
            (
                "Disagreement rule",
                f"|TWFE - robust| > max(z*se_diff, {self.disagreement_rtol:.0%} of |robust|)",
            ),
        )
        return Summary(
            f"Incentive effect on {self.outcome}",
            facts=facts,
            tables=tables,
            alerts=alerts,
            notes=[self.conclusion("en")],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion: effect, TWFE comparison, pre-trends, placebo."""
        check_choice(lang, "lang", "IncentiveEffectResult.conclusion", Lang)
        parts = [self.robust.conclusion(lang, unit), _twfe_comparison(self, lang)]
        if self.pretrend is not None:
            parts.append(self.pretrend.conclusion(lang, unit))
        if self.placebo is not None:
            parts.append(self.placebo.conclusion(lang, unit))
        return " ".join(parts)

    def plot(self, *, lang: Lang = "en", ax: Any = None, title: str | None = None) -> Any:
        """Event-study figure of the robust estimator; see :func:`plot_event_study`."""
        return plot_event_study(self.event, lang=lang, ax=ax, title=title)

    def _event_series(self) -> tuple[AggregationResult, ...]:
        """The robust event-time effects."""
        return (self.event,)


@dataclass(frozen=True, slots=True)
class _EffectSpec:
    """The validated options of :func:`estimate_incentive_effect`."""

    cs: _CSSpec
    twfe: _TWFESpec
    aggregation: str
    leads: int
    lags: int
    slope: float | None
    placebo_shift: Any  # validated when the placebo test runs
    rtol: float
    alpha: float
    cluster: str


def estimate_incentive_effect(
    panel: pd.DataFrame,
    outcome: str,
    *,
    adoption: pd.DataFrame | pd.Series | Mapping[Any, Any] | None = None,
    level: AdoptionLevel = "branch",
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    aggregation: Aggregation = "overall",
    covariates: Sequence[str] = (),
    weights: str | None = None,
    fixef_dof: FixefDof = "nested",
    leads: int = 4,
    lags: int = 4,
    slope: float | None = None,
    placebo_shift: int | None = None,
    disagreement_rtol: float = 0.10,
    alpha: float = 0.05,
    never_treated: float | str = "auto",
) -> IncentiveEffectResult:
    """Estimate an incentive's effect robustly, with TWFE beside it and the checks.

    Runs :func:`staggered_did` (the headline estimate), :func:`twfe_did` on the same
    sample, the robust event study (``-leads..lags``) with the pre-trend test and its
    power, and optionally a placebo test. Emits
    :class:`~bankperf_analysis.exceptions.EstimatorDisagreementWarning` when TWFE and
    the robust estimate disagree (rule in :class:`IncentiveEffectResult`).

    Parameters
    ----------
    panel : DataFrame
        Long panel; see :mod:`bankperf_analysis.incentives`.
    outcome : str
    adoption : DataFrame, Series or mapping, optional
        Adoption table; when given, :func:`attach_treatment` is applied first.
    level : {"branch", "unit"}
        Level of ``adoption``.
    covariates : sequence of str
        Controls for the TWFE regression only (the robust estimator assumes
        unconditional parallel trends); rows with missing covariates are dropped for
        both, so the samples match.
    placebo_shift : int, optional
        Run :func:`placebo_test` with this shift.
    disagreement_rtol : float
        Relative tolerance of the disagreement rule.
    Other parameters :
        As in :func:`staggered_did` (also ``never_treated``), :func:`twfe_did`, :func:`event_study`.

    Returns
    -------
    IncentiveEffectResult
    """
    func = "estimate_incentive_effect"
    spec = _effect_spec(
        control_group=control_group,
        base_period=base_period,
        aggregation=aggregation,
        fixef_dof=fixef_dof,
        anticipation=anticipation,
        leads=leads,
        lags=lags,
        slope=slope,
        placebo_shift=placebo_shift,
        disagreement_rtol=disagreement_rtol,
        alpha=alpha,
        cluster=cluster,
        func=func,
    )
    if adoption is not None:
        panel = attach_treatment(
            panel, adoption, unit_col=unit_col, period_col=period_col, cluster=cluster, level=level
        )
        cohort_col = COHORT_COL
    cols = _Columns(unit_col, period_col, cluster, cohort_col, weights, covariates, never_treated)
    return _effect_from_panel(_prepare(panel, outcome, cols, func=func), spec, func)


def _effect_spec(
    *,
    control_group: Any,
    base_period: Any,
    aggregation: Any,
    fixef_dof: Any,
    anticipation: Any,
    leads: Any,
    lags: Any,
    slope: float | None,
    placebo_shift: Any,
    disagreement_rtol: Any,
    alpha: Any,
    cluster: str | None,
    func: str,
) -> _EffectSpec:
    """Validate the options of :func:`estimate_incentive_effect`."""
    check_choice(control_group, "control_group", func, ControlGroup)
    check_choice(base_period, "base_period", func, BasePeriod)
    check_choice(aggregation, "aggregation", func, Aggregation)
    check_choice(fixef_dof, "fixef_dof", func, FixefDof)
    anticipation = check_int(anticipation, "anticipation", func, low=0)
    leads = check_int(leads, "leads", func, low=1)
    lags = check_int(lags, "lags", func, low=0)
    alpha = check_unit_interval(alpha, "alpha", func)
    rtol = check_positive(disagreement_rtol, "disagreement_rtol", func, allow_zero=True)
    if cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel. Got None instead."
        )
    return _EffectSpec(
        cs=_CSSpec(control_group, base_period, anticipation),
        twfe=_TWFESpec(vcov="cluster", fixef_dof=fixef_dof),
        aggregation=aggregation,
        leads=leads,
        lags=lags,
        slope=slope,
        placebo_shift=placebo_shift,
        rtol=rtol,
        alpha=alpha,
        cluster=cluster,
    )


def _effect_from_panel(pa: _Panel, spec: _EffectSpec, func: str) -> IncentiveEffectResult:
    """Run the robust estimator, TWFE, the event study and the checks on a prepared panel."""
    alpha, cluster = spec.alpha, spec.cluster
    robust = _staggered_from_panel(
        pa, spec.cs, aggregation=spec.aggregation, alpha=alpha, cluster=cluster, func=func
    )
    twfe = _twfe_result(pa, spec.twfe, alpha=alpha, cluster=cluster, func=func)
    event = robust.aggregate("event", min_event=-spec.leads, max_event=spec.lags)
    pretrend = _pretrend(event, slope=spec.slope, alpha=alpha, power=0.8)
    placebo = None
    if spec.placebo_shift is not None:
        shift = check_int(spec.placebo_shift, "placebo_shift", func, low=1)
        placebo = _placebo_from_panel(
            pa, shift=shift, control_group=spec.cs.control_group, alpha=alpha, cluster=cluster, func=func
        )
    diff, se_d = _difference(robust, twfe)
    z = float(stats.norm.ppf(1 - alpha / 2))
    disagree = bool(abs(diff) > max(z * se_d, spec.rtol * abs(robust.estimate)))
    result = IncentiveEffectResult(
        estimate=robust.estimate,
        std_error=robust.std_error,
        statistic=robust.statistic,
        pvalue=robust.pvalue,
        ci_low=robust.ci_low,
        ci_high=robust.ci_high,
        robust=robust,
        twfe=twfe,
        event=event,
        pretrend=pretrend,
        placebo=placebo,
        difference=diff,
        difference_se=se_d,
        disagree=disagree,
        disagreement_rtol=spec.rtol,
        outcome=pa.outcome,
        alpha=alpha,
    )
    if disagree:
        warn(_disagreement_alert(result), EstimatorDisagreementWarning)
    return result


def _difference(robust: StaggeredDiDResult, twfe: TWFEResult) -> tuple[float, float]:
    """TWFE minus robust, and its standard error from the joint cluster influence functions."""
    t_if = cast(np.ndarray, twfe.cluster_influence)
    r_if = cast(np.ndarray, robust.aggregated.cluster_influence)
    psi = t_if - r_if
    g = int(np.count_nonzero((t_if != 0) | (r_if != 0)))
    return twfe.estimate - robust.estimate, float(np.sqrt(g / max(g - 1, 1) * psi @ psi))

"""Heterogeneity-robust difference-in-differences for staggered adoption (Callaway & Sant'Anna 2021).

For every adoption cohort ``g`` and period ``t`` the group-time effect is the
difference-in-means of the change ``y_t - y_base`` between the cohort and the comparison
units observed in both periods (``base = g - 1 - anticipation``; with
``base_period="varying"`` pre-periods use ``t - 1``). Comparison units are the
never-treated plus, with ``control_group="notyet"`` (default), units not yet treated by
``max(t, base) + anticipation``. Already-treated units are never used as controls, which
is what makes the estimator robust to effects that vary by cohort and over time.
Unbalanced panels are handled pair by pair (units missing one of the two periods of a
cell are left out of that cell).

Inference: analytic influence functions summed within the clusters (branches), with a
``G/(G-1)`` factor and ``t(G-1)`` critical values; aggregations include the influence of
the estimated cohort-size weights (as ``did::aggte``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int, check_unit_interval
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.incentives.aggregation import AggregationResult, _make_aggregation
from bankperf_analysis.incentives.group_time import _cs_cells, _CSCells, _CSSpec
from bankperf_analysis.incentives.gt_pretest import GroupTimePreTestResult, _gt_pretest
from bankperf_analysis.incentives.inference import _few_clusters, _infer_vec
from bankperf_analysis.incentives.options import Aggregation, BasePeriod, ControlGroup, Lang
from bankperf_analysis.incentives.panel import COHORT_COL, _Columns, _Panel, _prepare
from bankperf_analysis.incentives.prose import CONTROL_LABEL, _effect_sentence, _f, _fp

__all__ = ["StaggeredDiDResult", "staggered_did"]


@dataclass(frozen=True, slots=True, eq=False)
class StaggeredDiDResult:
    """Callaway & Sant'Anna (2021) heterogeneity-robust DiD.

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        Overall ATT of the requested ``aggregation`` (``"overall"``: average of all
        post-adoption ATT(g, t) weighted by cohort size).
    aggregation : str
    att_gt : DataFrame
        Group-time effects: cohort, period, event_time, estimate, std_error, intervals,
        n_treated, n_control.
    control_group, base_period : str
    anticipation : int
    n_obs, n_units, n_clusters, n_cohorts : int
    dropped_cohorts : tuple
        Cohorts without a pre-adoption period (treated from the first period).
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    aggregation: str
    att_gt: pd.DataFrame = field(repr=False)
    aggregated: AggregationResult = field(repr=False)
    control_group: str
    base_period: str
    anticipation: int
    n_obs: int
    n_units: int
    n_clusters: int
    n_cohorts: int
    dropped_cohorts: tuple[Any, ...]
    cluster: str
    outcome: str
    alpha: float
    alerts: tuple[str, ...] = ()
    _cells: _CSCells | None = field(default=None, repr=False)
    _panel: _Panel | None = field(default=None, repr=False)

    def aggregate(
        self,
        kind: Aggregation = "event",
        *,
        min_event: int | None = None,
        max_event: int | None = None,
    ) -> AggregationResult:
        """Aggregate the group-time effects with clustered influence-function inference.

        ``kind`` is ``"overall"``, ``"group"``/``"cohort"``, ``"event"`` or ``"calendar"``;
        ``min_event``/``max_event`` restrict the event window.
        """
        check_choice(kind, "kind", "StaggeredDiDResult.aggregate", Aggregation)
        return _make_aggregation(
            cast(_CSCells, self._cells),
            cast(_Panel, self._panel),
            kind,
            alpha=self.alpha,
            min_e=min_event,
            max_e=max_event,
            anticipation=self.anticipation,
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the requested aggregation."""
        return self.aggregated.to_frame()

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        facts = (
            ("Estimator", "Callaway & Sant'Anna (2021), unconditional parallel trends"),
            ("Outcome", self.outcome),
            ("Controls", CONTROL_LABEL[self.control_group]),
            ("Base period", f"{self.base_period}; anticipation {self.anticipation}"),
            (
                f"ATT ({self.aggregation})",
                f"{_f(self.estimate, 3)} (se {_f(self.std_error, 3)}, {1 - self.alpha:.0%} CI "
                f"{_f(self.ci_low, 3)} to {_f(self.ci_high, 3)}, p {_fp(self.pvalue)})",
            ),
            (
                "Inference",
                f"analytic influence function clustered by {self.cluster!r} "
                f"({self.n_clusters} clusters), t({self.n_clusters - 1})",
            ),
            (
                "Sample",
                f"{self.n_obs:,} rows, {self.n_units:,} units, {self.n_cohorts} cohorts, "
                f"{len(self.att_gt)} group-time cells",
            ),
        )
        return Summary(
            "Staggered difference-in-differences",
            facts=facts,
            tables=[(f"Aggregation: {self.aggregation}", self.to_frame())],
            alerts=self.alerts,
            notes=["Group-time effects: result.att_gt; other aggregations: result.aggregate(kind)."],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion."""
        check_choice(lang, "lang", "StaggeredDiDResult.conclusion", Lang)
        r = self
        return _effect_sentence(r.estimate, r.ci_low, r.ci_high, r.pvalue, r.outcome, unit, lang, r.alpha)

    def _event_series(self) -> tuple[AggregationResult, ...]:
        """The event-time aggregation of the group-time effects."""
        return (self.aggregate("event"),)

    def att_gt_influence(self) -> np.ndarray:
        """Cluster sums of the ATT(g, t) influence functions, ``(cells, clusters)``, rows as ``att_gt``.

        Columns are the clusters present (in the order of their labels). The clustered
        covariance of the cells is ``G/(G-1) Psi Psi'`` (:meth:`att_gt_vcov`).
        """
        cells = cast(_CSCells, self._cells)
        present = np.any(cells.psi != 0, axis=0)
        return cells.psi[:, present].copy()

    def att_gt_vcov(self) -> np.ndarray:
        """Clustered covariance of the ATT(g, t) (rows and columns as ``att_gt``)."""
        cells = cast(_CSCells, self._cells)
        g = cells.n_clusters
        return g / (g - 1) * (cells.psi @ cells.psi.T)

    def pretrend_gt(self) -> GroupTimePreTestResult | None:
        """Joint Wald chi-square pre-test over all pre-period ATT(g, t), the R ``did`` pre-test.

        Not the same test as :func:`pretrend_test` (F test of the event-time leads); see
        :mod:`bankperf_analysis.incentives.gt_pretest`. None without pre-period cells.
        """
        cells = cast(_CSCells, self._cells)
        pre = cells.e < -self.anticipation
        return _gt_pretest(cells.att, self.att_gt_vcov(), pre, cells.n_clusters, self.alpha)


def staggered_did(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    aggregation: Aggregation = "overall",
    weights: str | None = None,
    alpha: float = 0.05,
    never_treated: float | str = "auto",
) -> StaggeredDiDResult:
    """Heterogeneity-robust DiD for staggered adoption (Callaway & Sant'Anna 2021).

    Group-time effects ATT(g, t) compare each adoption cohort with the units not yet (or
    never) treated, so effects that differ across cohorts and grow over time do not bias
    it; see :mod:`bankperf_analysis.incentives.staggered` for the estimator and its
    clustered influence-function inference.

    Parameters
    ----------
    panel, outcome, unit_col, period_col, cluster, cohort_col :
        See :func:`twfe_did`. ``cluster`` is required (use ``unit_col`` to cluster by
        unit).
    control_group : {"notyet", "never"}
    base_period : {"universal", "varying"}
        ``"universal"`` compares every period with ``g - 1`` (event time -1 is the
        reference, as in a TWFE event study).
    anticipation : int
        Periods before adoption in which units may already react.
    aggregation : {"overall", "group", "cohort", "event", "calendar"}
        Which summary the headline ``estimate`` reports.
    weights : str, optional
        Observation weights; each unit gets the mean of its weights.
    alpha : float
    never_treated : {"auto", 0, numpy.inf, numpy.nan}
        How ``cohort_col`` codes never-treated units. Missing values and ``inf`` always
        mean never treated; ``0`` also reads 0 so (R ``did``'s ``mpdta``, csdid, pyfixest's
        example data); ``numpy.inf`` / ``numpy.nan`` keep 0 an adoption period. ``"auto"``
        reads 0 as never treated when it lies before the first observed period, and warns.

    Returns
    -------
    StaggeredDiDResult

    Raises
    ------
    InsufficientSampleError
        No usable cohort, no never-treated units with ``control_group="never"``, fewer
        than 2 clusters.

    Warns
    -----
    SmallSampleWarning
        A cohort treated from the first observed period is dropped.
    """
    func = "staggered_did"
    spec, alpha = _cs_options(control_group, base_period, anticipation, aggregation, alpha, cluster, func)
    cols = _Columns(unit_col, period_col, cluster, cohort_col, weights, (), never_treated)
    pa = _prepare(panel, outcome, cols, func=func)
    return _staggered_from_panel(pa, spec, aggregation=aggregation, alpha=alpha, cluster=cluster, func=func)


def _cs_options(
    control_group: Any,
    base_period: Any,
    anticipation: Any,
    aggregation: Any,
    alpha: Any,
    cluster: str | None,
    func: str,
) -> tuple[_CSSpec, float]:
    """Validate the options of a staggered DiD; return the cell design and ``alpha``."""
    check_choice(control_group, "control_group", func, ControlGroup)
    check_choice(base_period, "base_period", func, BasePeriod)
    check_choice(aggregation, "aggregation", func, Aggregation)
    anticipation = check_int(anticipation, "anticipation", func, low=0)
    alpha = check_unit_interval(alpha, "alpha", func)
    if cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel (inference is "
            "always clustered; pass unit_col to cluster by unit). Got None instead."
        )
    return _CSSpec(control_group, base_period, anticipation), alpha


def _staggered_from_panel(
    pa: _Panel,
    spec: _CSSpec,
    *,
    aggregation: str,
    alpha: float,
    cluster: str,
    func: str,
    warn: bool = True,
) -> StaggeredDiDResult:
    """Estimate the group-time cells of a prepared panel and aggregate them."""
    cells = _cs_cells(pa, spec, func=func, warn=warn)
    alerts = cells.alerts + (_few_clusters(cells.n_clusters, func) if warn else ())
    agg = _make_aggregation(
        cells, pa, aggregation, alpha=alpha, min_e=None, max_e=None, anticipation=spec.anticipation
    )
    return StaggeredDiDResult(
        estimate=agg.estimate,
        std_error=agg.std_error,
        statistic=agg.statistic,
        pvalue=agg.pvalue,
        ci_low=agg.ci_low,
        ci_high=agg.ci_high,
        aggregation=agg.kind,
        att_gt=_att_gt(cells, pa, alpha),
        aggregated=agg,
        control_group=spec.control_group,
        base_period=spec.base_period,
        anticipation=spec.anticipation,
        n_obs=cells.n_obs,
        n_units=cells.n_units,
        n_clusters=cells.n_clusters,
        n_cohorts=int(cells.cohorts.size),
        dropped_cohorts=cells.dropped_cohorts,
        cluster=cluster,
        outcome=pa.outcome,
        alpha=alpha,
        alerts=alerts,
        _cells=cells,
        _panel=pa,
    )


def _att_gt(cells: _CSCells, pa: _Panel, alpha: float) -> pd.DataFrame:
    """The group-time effects table, with pointwise clustered intervals."""
    g = cells.n_clusters
    se = np.sqrt(g / (g - 1) * np.einsum("ij,ij->i", cells.psi, cells.psi))
    att = _infer_vec(cells.att, se, float(g - 1), alpha)
    att.insert(0, "event_time", cells.e)
    att.insert(0, "period", [pa.period_label(t) for t in cells.t])
    att.insert(0, "cohort", [pa.period_label(cells.cohorts[k]) for k in cells.cg])
    att["n_treated"] = cells.n_treated
    att["n_control"] = cells.n_control
    return att

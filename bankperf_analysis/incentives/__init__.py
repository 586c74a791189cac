"""Incentive effects on KPI panels: difference-in-differences done right.

Input is a long panel, one row per unit (staff member) and period, with

========================  ==================================================================
column (default name)     meaning
========================  ==================================================================
``unit``                  unit id (str or int), e.g. the staff id
``period``                ordered period: an integer index (quarter number 0..T-1) or a
                          pandas ``Period`` column (mapped to ordinals, so event times count
                          periods)
``branch``                cluster id; standard errors are clustered on it by default
outcome (any name)        the KPI value (float)
weights (optional)        e.g. ``n`` responses behind each KPI value
covariates (optional)     numeric columns (TWFE only)
``first_treated``         adoption period of the unit (NA = never treated), added by
                          :func:`attach_treatment` from a small adoption table
========================  ==================================================================

Estimators
----------
- :func:`did_regression` — regression DiD for panels and repeated cross-sections:
  treated x post or event-time dummies, covariates, up to two absorbed fixed effects,
  weights, iid / HC1 / CR1 standard errors named as statsmodels and Stata name them.
- :func:`twfe_did` — two-way fixed effects (unit + period) by alternating projections,
  CR1 standard errors clustered by branch with fixest's small-sample factor.
- :func:`staggered_did` — Callaway & Sant'Anna (2021) group-time ATT(g, t) with
  not-yet-treated (default) or never-treated controls and ``overall`` / ``group`` /
  ``event`` / ``calendar`` aggregations; analytic influence-function variance clustered
  by branch. Robust to effects that differ across cohorts and grow over time, where TWFE
  is biased ("forbidden comparisons", negative weights).
- :func:`estimate_incentive_effect` runs both and emits
  :class:`~bankperf_analysis.exceptions.EstimatorDisagreementWarning` when they disagree.
- :func:`event_study`, :func:`plot_event_study`, :func:`pretrend_test` (with the power of
  the test, Roth 2022), :func:`placebo_test`.
- :func:`before_after` (naive, guarded against regression to the mean) and
  :func:`rtm_guarded_effect` (ANCOVA on the assignment score and a sharp regression
  discontinuity at the grade threshold).

Every result is a frozen dataclass with ``to_frame()``, ``summary()`` (a
:class:`~bankperf_analysis._summary.Summary`, with ``as_text()``/``as_html()``) and
``conclusion(lang="en"|"zh")``.

The incentive study of a bonus scheme (:class:`IncentiveStudy`) builds the panel from a
dataset (:func:`kpi_panel`, the adoption tables of :func:`resolve_adoption`), estimates
the effect and runs the checks; its report is
:class:`bankperf_analysis.report.IncentiveReport`.

Conventions (stated once)
-------------------------
- Clustered inference uses ``t(G - 1)`` critical values; iid/HC1 use ``t(N - K)``.
- CR1 factor ``G/(G-1) * (N-1)/(N-K)``. With ``fixef_dof="nested"`` (fixest's and
  pyfixest's default) a fixed effect nested in the clusters (staff inside branches) is
  not counted in ``K`` except for one level (fixest issue #554): ``K = p + n_periods``
  with ``p`` slopes; with ``"full"`` every FE coefficient counts:
  ``K = p + n_units + n_periods - n_components`` (the rank of the dummy-variable design,
  i.e. what statsmodels OLS with ``C(unit) + C(period)`` uses). iid and HC1 always use
  the full count.
- Singleton units/periods are dropped (iteratively) before TWFE; they carry no
  information on the slopes.
- Callaway–Sant'Anna variances: the per-unit influence functions are summed within
  clusters, ``V = G/(G-1) * sum_g psi_g psi_g'`` with ``G`` the clusters of the whole
  estimation sample (one covariance for all cells and aggregations); matches the R
  ``did`` package (analytic, clustered by unit) up to that factor.
- The pre-trend test is the Wald test in its F form, ``F(q, G-1)``; its power is from
  the noncentral F with the estimated covariance.
- TWFE and the robust estimate *disagree* when ``|d| > max(z * se_d, rtol * |robust|)``
  (see :class:`IncentiveEffectResult`).

Modules
-------
``options`` (the string options), ``panel`` (attach_treatment, the validated arrays),
``inference``, ``twfe``, ``did_regression``, ``group_time`` (Callaway–Sant'Anna cells), ``aggregation``,
``staggered``, ``pretrend``, ``placebo``, ``event_study``, ``event_series`` (the
event-time series of any result, and its figure), ``effect`` (the top-level call),
``rtm`` (regression to the mean), ``prose`` (en/zh sentences), ``demean`` (alternating
projections), ``simulate``; for the study: ``adoption``, ``dataset_panel``, ``study``.
"""

from __future__ import annotations

# what every result's summary() returns, under the name this subpackage has always exported
from bankperf_analysis._summary import Summary as ResultSummary
from bankperf_analysis.incentives.adoption import (
    ADOPTION_COL,
    adoption_from_params,
    adoption_from_truth,
    resolve_adoption,
)
from bankperf_analysis.incentives.aggregation import AggregationResult
from bankperf_analysis.incentives.bootstrap import (
    WILD_BOOTSTRAP_BELOW,
    BootWeights,
    WildBootstrapChoice,
    WildBootstrapResult,
    boot_weight_matrix,
)
from bankperf_analysis.incentives.dataset_panel import PANEL_LEVELS, PanelLevel, kpi_panel
from bankperf_analysis.incentives.did_regression import DiDRegressionResult, RegressionVcov, did_regression
from bankperf_analysis.incentives.effect import IncentiveEffectResult, estimate_incentive_effect
from bankperf_analysis.incentives.event_series import plot_event_study
from bankperf_analysis.incentives.event_study import EventStudyResult, event_study
from bankperf_analysis.incentives.gt_pretest import GroupTimePreTestResult
from bankperf_analysis.incentives.honest import HonestSensitivityResult, honest_sensitivity
from bankperf_analysis.incentives.options import (
    AdoptionLevel,
    Aggregation,
    BasePeriod,
    ControlGroup,
    EventEstimator,
    FixefDof,
    Lang,
    RTMMethod,
    VcovType,
)
from bankperf_analysis.incentives.panel import attach_treatment
from bankperf_analysis.incentives.placebo import PlaceboResult, placebo_test
from bankperf_analysis.incentives.pretrend import PreTrendTestResult, pretrend_test
from bankperf_analysis.incentives.rtm import (
    BeforeAfterResult,
    RTMGuardedResult,
    before_after,
    rtm_guarded_effect,
)
from bankperf_analysis.incentives.staggered import StaggeredDiDResult, staggered_did
from bankperf_analysis.incentives.study import MIN_BRANCHES, IncentiveStudy
from bankperf_analysis.incentives.twfe import TWFEResult, twfe_did
from bankperf_analysis.incentives.uniform_band import MultiplierWeights, uniform_critical_value

__all__ = [
    "AdoptionLevel",
    "Aggregation",
    "BasePeriod",
    "ControlGroup",
    "EventEstimator",
    "FixefDof",
    "Lang",
    "RTMMethod",
    "VcovType",
    "ResultSummary",
    "attach_treatment",
    "twfe_did",
    "TWFEResult",
    "did_regression",
    "DiDRegressionResult",
    "RegressionVcov",
    "staggered_did",
    "StaggeredDiDResult",
    "AggregationResult",
    "estimate_incentive_effect",
    "IncentiveEffectResult",
    "event_study",
    "EventStudyResult",
    "plot_event_study",
    "pretrend_test",
    "PreTrendTestResult",
    "placebo_test",
    "PlaceboResult",
    "before_after",
    "BeforeAfterResult",
    "rtm_guarded_effect",
    "RTMGuardedResult",
    "PanelLevel",
    "PANEL_LEVELS",
    "ADOPTION_COL",
    "MIN_BRANCHES",
    "kpi_panel",
    "adoption_from_truth",
    "adoption_from_params",
    "resolve_adoption",
    "IncentiveStudy",
    # wild cluster bootstrap and the ATT(g,t) pre-test (issue 18, items 2-3)
    "WildBootstrapResult",
    "WildBootstrapChoice",
    "BootWeights",
    "WILD_BOOTSTRAP_BELOW",
    "boot_weight_matrix",
    "GroupTimePreTestResult",
    "honest_sensitivity",
    "HonestSensitivityResult",
    "uniform_critical_value",
    "MultiplierWeights",
]

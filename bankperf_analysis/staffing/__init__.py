"""Staffing to a service level: demand forecast, Erlang C / A, required staff, FTE and cost.

Modules, from the queueing core up to a branch's plan:

``erlang``       traffic, Erlang B / C / A and their metrics (exact, vectorised)
``required``     required staff for targets, achieved service, shrinkage, FTE
``estimator``    :class:`ErlangStaffing`, the estimator over a demand frame
``levels``       required vs rostered gaps, minimum posts, cost vs benefit, what-if
``demand``       calendar flags and zero-filled contact counts per interval
``forecast``     :class:`DemandForecaster` (count GLMs, seasonal naive)
``backtest``     rolling-origin backtest of the forecasters (WAPE)
``plan_config``  a branch plan's options and defaults; ``plan_data`` its SQL; ``plan_build``
                 and ``plan_tables`` its steps; ``plan`` the :class:`StaffingPlan` and its API
``export``       writing a plan to ``.xlsx`` or ``.csv``
``roster``       :class:`ShiftScheduler`, shift scheduling (排班) by integer program (HiGHS)
``patience``     :func:`estimate_patience`, Erlang A's mean patience from censored waits
                 (``plan_abandon``: a plan's abandonment rate, 呼损率, with its interval)
"""

from __future__ import annotations

from bankperf_analysis.staffing.backtest import BacktestResult, backtest, wape
from bankperf_analysis.staffing.demand import aggregate_contacts, calendar_flags
from bankperf_analysis.staffing.erlang import (
    Model,
    QueueMetrics,
    erlang_a_metrics,
    erlang_b,
    erlang_c,
    erlang_c_asa,
    erlang_c_metrics,
    erlang_c_service_level,
    traffic_intensity,
)
from bankperf_analysis.staffing.estimator import ErlangStaffing
from bankperf_analysis.staffing.export import write_plan
from bankperf_analysis.staffing.forecast import DemandForecaster, ForecastModel
from bankperf_analysis.staffing.levels import (
    DEFAULT_SALES_ROLES,
    check_minimum_posts,
    cost_benefit,
    gap_pivot,
    plot_staffing_heatmap,
    staffing_gap,
    what_if_service_levels,
)
from bankperf_analysis.staffing.patience import (
    PatienceBy,
    PatienceResult,
    estimate_patience,
    patience_interval,
)
from bankperf_analysis.staffing.plan import (
    StaffingPlan,
    branch_staffing_inputs,
    branch_staffing_plan,
    plot_branch_staffing,
)
from bankperf_analysis.staffing.plan_config import (
    DEFAULT_SATISFACTION_POINTS,
    DEFAULT_TARGETS,
    MIN_HISTORY_DAYS,
    PAID_HOURS_PER_WEEK,
    QUEUE_ROLES,
    Channel,
)
from bankperf_analysis.staffing.required import (
    achieved_service,
    ceil_tolerant,
    fte,
    required_staff,
    scheduled_staff,
)
from bankperf_analysis.staffing.roster import RosterObjective, RosterPlan, ShiftScheduler

__all__ = [
    "Model",
    "QueueMetrics",
    "ErlangStaffing",
    "traffic_intensity",
    "erlang_b",
    "erlang_c",
    "erlang_c_service_level",
    "erlang_c_asa",
    "erlang_c_metrics",
    "erlang_a_metrics",
    "achieved_service",
    "required_staff",
    "scheduled_staff",
    "ceil_tolerant",
    "fte",
    "staffing_gap",
    "gap_pivot",
    "plot_staffing_heatmap",
    "check_minimum_posts",
    "cost_benefit",
    "what_if_service_levels",
    "DEFAULT_SALES_ROLES",
    "ForecastModel",
    "DemandForecaster",
    "BacktestResult",
    "aggregate_contacts",
    "calendar_flags",
    "backtest",
    "wape",
    "Channel",
    "StaffingPlan",
    "branch_staffing_plan",
    "branch_staffing_inputs",
    "plot_branch_staffing",
    "write_plan",
    "QUEUE_ROLES",
    "DEFAULT_SATISFACTION_POINTS",
    "DEFAULT_TARGETS",
    "PAID_HOURS_PER_WEEK",
    "MIN_HISTORY_DAYS",
    "ShiftScheduler",
    "RosterPlan",
    "RosterObjective",
    "PatienceBy",
    "PatienceResult",
    "estimate_patience",
    "patience_interval",
]

"""bankperf-analysis: trustworthy quarterly performance reports for bank customer service.

The public API, one import away (loaded lazily, so ``import bankperf_analysis`` is cheap)::

    from bankperf_analysis import load_dataset, compute_kpis, load_scheme, score_staff

Data: :func:`load_dataset`, :func:`validate_dataset`, :func:`make_demo_bank`.
KPIs: :func:`compute_kpis`, :class:`MetricOptions`, :data:`KPI_CATALOGUE`.
Scheme and scorecards: :func:`load_scheme`, :func:`score_staff`, :func:`score_branches`,
:func:`annual_summary`, :func:`consequence_counts`, :func:`write_scorecard`.
Statistics: :func:`compare_rates`, :func:`compare_means`, :func:`compare_ordinal`,
:func:`compare_many`, :func:`kpi_changes`, :func:`league_table`, :func:`funnel_data`,
:func:`shrink_rates`, :func:`minimum_detectable_change`, :func:`required_sample_size`,
:func:`ordinal_regression` (proportional odds with covariates), :func:`brant_test`.
Incentives: :func:`attach_treatment`, :func:`did_regression`, :func:`twfe_did`,
:func:`staggered_did`, :func:`event_study`, :func:`pretrend_test`,
:func:`estimate_incentive_effect`, :func:`rtm_guarded_effect`, :func:`honest_sensitivity`,
:func:`uniform_critical_value`.
Staffing: :class:`ErlangStaffing`, :func:`required_staff`, :func:`achieved_service`,
:func:`scheduled_staff`, :func:`traffic_intensity`,
:class:`DemandForecaster`, :func:`branch_staffing_plan`, :class:`ShiftScheduler` (排班).
Reports: :func:`run_reports`, :func:`prepare_batch`.
"""

from __future__ import annotations

from bankperf_analysis._lazy import lazy_exports

__version__ = "0.1.0"

from bankperf_analysis.exceptions import (
    BankPerfError,
    BankPerfWarning,
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    SmallSampleWarning,
)
from bankperf_analysis.periods import Period

_LAZY: dict[str, str] = {
    "load_dataset": "dataset",
    "validate_dataset": "dataset",
    "Dataset": "dataset",
    "make_demo_bank": "dataset",
    "compute_kpis": "metrics",
    "MetricOptions": "metrics",
    "KPI_CATALOGUE": "metrics",
    "kpi_availability": "metrics",
    "load_scheme": "scheme",
    "Scheme": "scheme",
    "score_staff": "scorecard",
    "score_branches": "scorecard",
    "annual_summary": "scorecard",
    "consequence_counts": "scorecard",
    "write_scorecard": "scorecard",
    "compare_rates": "significance",
    "compare_means": "significance",
    "compare_ordinal": "significance",
    "compare_many": "significance",
    "funnel_data": "significance",
    "shrink_rates": "significance",
    "minimum_detectable_change": "significance",
    "required_sample_size": "significance",
    "kpi_changes": "significance",
    "league_table": "significance",
    "attach_treatment": "incentives",
    "did_regression": "incentives",
    "event_study": "incentives",
    "pretrend_test": "incentives",
    "twfe_did": "incentives",
    "staggered_did": "incentives",
    "estimate_incentive_effect": "incentives",
    "rtm_guarded_effect": "incentives",
    "honest_sensitivity": "incentives",
    "uniform_critical_value": "incentives",
    "ErlangStaffing": "staffing",
    "required_staff": "staffing",
    "achieved_service": "staffing",
    "scheduled_staff": "staffing",
    "traffic_intensity": "staffing",
    "DemandForecaster": "staffing",
    "branch_staffing_plan": "staffing",
    "ShiftScheduler": "staffing",
    "RosterPlan": "staffing",
    "estimate_patience": "staffing",
    "PatienceResult": "staffing",
    "run_reports": "runner",
    "prepare_batch": "report",
    "person_sheets": "report",
    "PersonSheet": "report",
    "build_sheets": "runner",
    # issue 18: ordinal models with covariates
    "ordinal_regression": "significance",
    "OrdinalRegressionResult": "significance",
    "brant_test": "significance",
    "BrantResult": "significance",
    # issue 16: the monthly report
    "monthly_frame": "report",
    "prepare_month": "report",
    "build_monthly_reports": "runner",
}

__all__ = [
    "__version__",
    "BankPerfError",
    "BankPerfWarning",
    "DataValidationError",
    "InsufficientSampleError",
    "ParamsError",
    "SmallSampleWarning",
    "Period",
    *_LAZY,
]


__getattr__, __dir__ = lazy_exports(globals(), {n: f"bankperf_analysis.{m}" for n, m in _LAZY.items()})

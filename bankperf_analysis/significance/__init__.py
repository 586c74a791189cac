"""Is a change real? Change tests, intervals, multiple-testing control, power, league tables."""

from __future__ import annotations

from bankperf_analysis.significance._sources import change_test_kinds
from bankperf_analysis.significance.brant import BrantResult, brant_test
from bankperf_analysis.significance.changes import (
    CHANGE_COLUMNS,
    Against,
    ChangeLevel,
    ChangesResult,
    kpi_changes,
)
from bankperf_analysis.significance.compare import (
    Alternative,
    ExactTest,
    KpiKind,
    RateMethod,
    compare_means,
    compare_ordinal,
    compare_periods,
    compare_rates,
)
from bankperf_analysis.significance.league import (
    FunnelMethod,
    FunnelResult,
    Overdispersion,
    ShrinkageMethod,
    ShrinkageResult,
    funnel_data,
    funnel_panel,
    funnel_plot,
    shrink_rates,
)
from bankperf_analysis.significance.league_table import league_funnel, league_funnel_plot, league_table
from bankperf_analysis.significance.multiple import Correction, adjust_pvalues, compare_many
from bankperf_analysis.significance.ordinal import Link, OrdinalRegressionResult, ordinal_regression
from bankperf_analysis.significance.power import PowerMethod, minimum_detectable_change, required_sample_size
from bankperf_analysis.significance.result import ChangeTestResult, Lang

__all__ = [
    "Alternative",
    "KpiKind",
    "Lang",
    "RateMethod",
    "ExactTest",
    "Correction",
    "PowerMethod",
    "Overdispersion",
    "FunnelMethod",
    "ChangeTestResult",
    "FunnelResult",
    "ShrinkageResult",
    "ShrinkageMethod",
    "compare_rates",
    "compare_means",
    "compare_ordinal",
    "compare_periods",
    "compare_many",
    "adjust_pvalues",
    "funnel_data",
    "funnel_panel",
    "funnel_plot",
    "shrink_rates",
    "minimum_detectable_change",
    "required_sample_size",
    "Against",
    "CHANGE_COLUMNS",
    "ChangeLevel",
    "ChangesResult",
    "kpi_changes",
    "league_table",
    "league_funnel",
    "league_funnel_plot",
    "change_test_kinds",
    # issue 18: ordinal models with covariates
    "Link",
    "OrdinalRegressionResult",
    "ordinal_regression",
    "BrantResult",
    "brant_test",
]

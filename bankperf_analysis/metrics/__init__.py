"""Every KPI per person, branch, region and bank, and per month, quarter and year."""

from __future__ import annotations

from bankperf_analysis.metrics.catalogue import KPI_CATALOGUE, LEVELS, KpiDef
from bankperf_analysis.metrics.compute import (
    compute_kpis,
    kpi_availability,
    kpi_table,
    unavailable_kpis,
    unavailable_tables,
)
from bankperf_analysis.metrics.options import MetricOptions

__all__ = [
    "KpiDef",
    "KPI_CATALOGUE",
    "MetricOptions",
    "compute_kpis",
    "kpi_availability",
    "kpi_table",
    "unavailable_kpis",
    "unavailable_tables",
    "LEVELS",
]

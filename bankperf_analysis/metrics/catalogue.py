"""The KPI catalogue of the metrics engine, and the levels and periods it is reported at.

The KPIs themselves are declared once, in :mod:`bankperf_analysis.kpis`;
:data:`KPI_CATALOGUE` is that declaration (each :class:`KpiDef` carries the source table,
kind, direction, unit, staff level, significance test and formula the engine uses). The
SQL of :mod:`bankperf_analysis.metrics` computes exactly these, and reports list them in
this order.
"""

from __future__ import annotations

from typing import Literal

from bankperf_analysis.kpis import KPIS, Kind, Kpi

__all__ = ["KpiDef", "KPI_CATALOGUE", "LEVELS", "PERIOD_TYPES", "BANK_ID", "Kind"]

Level = Literal["staff", "branch", "region", "bank"]
#: Levels of the KPI frame, finest first.
LEVELS: tuple[str, ...] = ("staff", "branch", "region", "bank")
#: Period types of the KPI frame, shortest first.
PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "year")
#: ``entity_id`` of the whole bank (``level == "bank"``).
BANK_ID = "BANK"

#: One KPI of the catalogue (the declaration of :mod:`bankperf_analysis.kpis`).
KpiDef = Kpi

#: The KPI catalogue, in report order: :data:`bankperf_analysis.kpis.KPIS` itself.
KPI_CATALOGUE: dict[str, KpiDef] = KPIS

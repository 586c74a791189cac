"""The catalogue the scheme is validated against: the known roles and KPIs.

:data:`KNOWN_ROLES` are the values of ``staff.role``; :data:`KNOWN_KPIS` is the one KPI
declaration of :mod:`bankperf_analysis.kpis`: for every KPI of the KPI frame, which way is
better, its range of values, its unit, whether it is computed per staff member, its
default ``min_n`` and default channel scope.
"""

from __future__ import annotations

from bankperf_analysis.dataset.schema import ROLES
from bankperf_analysis.kpis import KPIS, Direction, Kpi

__all__ = ["Direction", "KNOWN_ROLES", "KNOWN_KPIS", "KpiInfo"]

#: Roles of the staff table (``staff.role``).
KNOWN_ROLES: tuple[str, ...] = tuple(ROLES)

#: Catalogue entry of one KPI (the declaration of :mod:`bankperf_analysis.kpis`).
KpiInfo = Kpi

#: The KPI catalogue the scheme is validated against: :data:`bankperf_analysis.kpis.KPIS`.
KNOWN_KPIS: dict[str, KpiInfo] = KPIS

"""The catalogue the scheme is validated against: the known roles and KPIs.

:data:`KNOWN_ROLES` are the values of ``staff.role``; :data:`KNOWN_KPIS` says, for every KPI
of the KPI frame, which way is better, its range of values, its unit and whether it is
computed per staff member. The metrics engine's ``KPI_CATALOGUE`` carries the same names.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["Direction", "KNOWN_ROLES", "KNOWN_KPIS", "KpiInfo"]

Direction = Literal["higher", "lower"]

#: Roles of the staff table (``staff.role``).
KNOWN_ROLES: tuple[str, ...] = (
    "customer_service_rep",
    "teller",
    "customer_manager",
    "lobby_manager",
    "service_manager",
    "data_analyst",
)

_INF = math.inf


@dataclass(frozen=True, slots=True)
class KpiInfo:
    """Catalogue entry of one KPI: what it is, which way is better, its range.

    Attributes
    ----------
    name : str
        KPI name as in the KPI frame's ``kpi`` column.
    direction : {"higher", "lower"}
        Which way is better.
    low, high : float
        Range of possible values (``high`` may be ``inf``).
    unit : str
        ``"fraction"``, ``"seconds"``, ``"score_1_10"``... (display hint).
    staff_level : bool
        True if computed for staff (and aggregated for branches); False for
        branch-only KPIs (mystery shopper, video checks, queue, churn).
    is_count : bool
        True for counts and amounts where zero observations is a valid value;
        their default ``min_n`` is 0 instead of 1.
    zero_if_absent : bool
        True for event counts (complaints, new customers, risk incidents and
        losses): the KPI frame has a row only when an event happened, so a person
        (branch) with other KPI rows in the period but no row for this KPI had
        zero events. The scorecard fills value 0, n 0 and says so
        (``zero_filled``).
    """

    name: str
    direction: Direction
    low: float
    high: float
    unit: str
    staff_level: bool = True
    is_count: bool = False
    zero_if_absent: bool = False

    @property
    def is_rate(self) -> bool:
        """True when the value is a fraction in [0, 1] (shown as a percentage)."""
        return self.unit == "fraction"


def _k(name, direction, low, high, unit, staff_level=True, is_count=False, zero_if_absent=False) -> KpiInfo:
    return KpiInfo(name, direction, float(low), float(high), unit, staff_level, is_count, zero_if_absent)


#: The KPI catalogue the scheme is validated against (the lead's ``metrics.KPI_CATALOGUE``
#: carries the same names).
KNOWN_KPIS: dict[str, KpiInfo] = {
    k.name: k
    for k in (
        _k("satisfaction_rate", "higher", 0, 1, "fraction"),
        _k("onsite_survey_score", "higher", 1, 10, "score_1_10"),
        _k("callback_survey_score", "higher", 1, 10, "score_1_10"),
        _k("response_time_seconds", "lower", 0, _INF, "seconds"),
        _k("service_level", "higher", 0, 1, "fraction"),
        _k("abandonment_rate", "lower", 0, 1, "fraction", staff_level=False),
        _k("resolution_rate", "higher", 0, 1, "fraction"),
        _k("complaint_closed_on_time_rate", "higher", 0, 1, "fraction"),
        _k("complaint_median_hours", "lower", 0, _INF, "hours"),
        _k("complaint_count", "lower", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("complaint_resolution_score", "higher", 1, 5, "score_1_5"),
        _k("cross_sales_per_month", "higher", 0, _INF, "count", is_count=True),
        _k("cash_error_rate", "lower", 0, 1, "fraction"),
        _k("ledger_error_rate", "lower", 0, 1, "fraction"),
        _k("handling_minutes", "lower", 0, _INF, "minutes"),
        _k("volume_vs_baseline", "higher", 0, _INF, "fraction_of_baseline"),
        _k("dress_score", "higher", 0, 10, "score_0_10"),
        _k("manner_score", "higher", 0, 10, "score_0_10"),
        _k("training_attendance_rate", "higher", 0, 1, "fraction"),
        _k("training_exam_score", "higher", 0, 100, "score_0_100"),
        _k("new_customers", "higher", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("risk_incidents", "lower", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("risk_loss_yuan", "lower", 0, _INF, "yuan", is_count=True, zero_if_absent=True),
        _k("on_duty_rate", "higher", 0, 1, "fraction"),
        _k("service_quality_score", "higher", 0, 100, "score_0_100"),
        _k("teamwork_score", "higher", 0, 100, "score_0_100"),
        _k("review_360_score", "higher", 0, 100, "score_0_100"),
        _k("mystery_shopper_score", "higher", 0, 100, "score_0_100", staff_level=False),
        _k("video_check_score", "higher", 0, 100, "score_0_100", staff_level=False),
        _k("queue_wait_seconds", "lower", 0, _INF, "seconds", staff_level=False),
        _k("churn_rate", "lower", 0, 1, "fraction", staff_level=False),
    )
}

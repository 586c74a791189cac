"""A branch staffing plan's options: their defaults, their checks, and the scheme values they use.

:func:`_config` gathers into one :class:`_Config` what every step of the plan
(:mod:`bankperf_analysis.staffing.plan_data`, :mod:`~bankperf_analysis.staffing.plan_build`,
:mod:`~bankperf_analysis.staffing.plan_tables`) reads: the caller's options and the
scheme's service targets, shrinkage, salary, value of a satisfaction point and post rules
(sales posts, their minimum share, and the minimum posts per branch type).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bankperf_analysis._validation import check_choice, check_positive, check_real, param_error
from bankperf_analysis.scheme._posts import SOURCE_MINIMUM_POSTS, MinimumPosts
from bankperf_analysis.staffing.demand import _check_interval

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.periods import Period
    from bankperf_analysis.scheme import Scheme

__all__ = [
    "Channel",
    "PlanModel",
    "QUEUE_ROLES",
    "DEFAULT_SATISFACTION_POINTS",
    "DEFAULT_TARGETS",
    "PAID_HOURS_PER_WEEK",
    "MIN_HISTORY_DAYS",
    "HISTORY_WEEKS",
]

Channel = Literal["phone", "counter", "online"]
PlanModel = Literal["erlang_c", "erlang_a"]

#: Role that answers each queue (and each single channel when ``channel`` is given).
QUEUE_ROLES: dict[str, str] = {
    "counter": "teller",
    "phone_online": "customer_service_rep",
    "phone": "customer_service_rep",
    "online": "customer_service_rep",
}
#: Planning assumption: satisfaction points gained in year one (source 001's plan,
#: 65 % -> 75 %); not a measured effect.
DEFAULT_SATISFACTION_POINTS = 10.0
#: Service-level targets of the what-if table.
DEFAULT_TARGETS: tuple[float, ...] = (0.80, 0.90, 0.95)
#: Paid hours of one FTE per week (bank-specific default, not from the sources).
PAID_HOURS_PER_WEEK = 40.0
#: Days of history (first to last open day) needed to forecast instead of using the
#: observed profile.
MIN_HISTORY_DAYS = 56
#: Weeks of history the forecaster is fitted on.
HISTORY_WEEKS = 52

# The key of a plan interval: branch x queue x weekday x interval of the day.
_KEY = ["branch_id", "queue", "weekday", "slot"]


@dataclass
class _Config:
    q: Period
    minutes: int
    channel: str | None
    model: PlanModel
    forecast: bool
    points: float
    targets: tuple[float, ...]
    paid_hours: float
    sl_target: float
    answer_seconds: float
    max_asa: float
    shrinkage: float
    salary: float
    yuan_per_point: float
    sales_roles: tuple[str, ...]
    min_sales_share: float
    patience: float | str = "estimate"
    customers_per_manager: float | None = None
    minimum_posts: MinimumPosts = SOURCE_MINIMUM_POSTS


def _config(
    scheme: Scheme | None,
    q: Period,
    minutes: int,
    channel: str | None,
    model: PlanModel,
    forecast: bool,
    points: float,
    targets: tuple[float, ...],
    paid_hours: float,
) -> _Config:
    """The options of one run with the scheme's values (default: the packaged scheme)."""
    from bankperf_analysis.scheme import load_scheme

    scheme = scheme if scheme is not None else load_scheme()
    s = scheme.staffing
    return _Config(
        q=q,
        minutes=int(minutes),
        channel=channel,
        model=model,
        forecast=bool(forecast),
        points=float(points),
        targets=targets,
        paid_hours=float(paid_hours),
        sl_target=float(s.service_level_target),
        answer_seconds=float(scheme.definitions.service_level_seconds),
        max_asa=float(s.max_mean_response_seconds),
        shrinkage=float(s.shrinkage),
        salary=float(s.salary_per_fte_yuan_per_year),
        yuan_per_point=float(s.yuan_per_satisfaction_point_per_year),
        sales_roles=tuple(s.sales_roles),
        min_sales_share=float(s.min_sales_share),
        patience=s.patience_seconds,
        customers_per_manager=s.customers_per_manager,
        minimum_posts=s.minimum_posts,
    )


def _check_options(
    owner: str,
    channel: Any,
    interval_minutes: Any,
    model: Any,
    satisfaction_points: Any,
    targets: Any,
    paid_hours_per_week: Any,
) -> tuple[float, ...]:
    """Check the options of a plan; return the what-if ``targets`` as a tuple."""
    check_choice(channel, "channel", owner, (None, "phone", "counter", "online"))
    _check_interval(interval_minutes, owner)
    check_choice(model, "model", owner, PlanModel)
    check_real(satisfaction_points, "satisfaction_points", owner)
    tg = tuple(targets)
    if not tg or not all(isinstance(x, int | float) and not isinstance(x, bool) and 0 < x < 1 for x in tg):
        raise param_error("targets", owner, "a non-empty sequence of floats in (0, 1)", targets)
    check_positive(paid_hours_per_week, "paid_hours_per_week", owner)
    return tg

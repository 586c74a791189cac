"""The KPI catalogue: every KPI of the KPI frame, and the levels and periods it is reported at.

One declaration per KPI (domain.md "KPIs, formulas and default targets"): its source
table, kind, better direction, unit, whether it is computed per staff member, the
significance test that fits it and its formula. The SQL of :mod:`bankperf_analysis.metrics`
computes exactly these, and reports list them in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["KpiDef", "KPI_CATALOGUE", "LEVELS", "PERIOD_TYPES", "BANK_ID"]

Level = Literal["staff", "branch", "region", "bank"]
Kind = Literal["rate", "mean", "count", "sum"]
#: Levels of the KPI frame, finest first.
LEVELS: tuple[str, ...] = ("staff", "branch", "region", "bank")
#: Period types of the KPI frame, shortest first.
PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "year")
#: ``entity_id`` of the whole bank (``level == "bank"``).
BANK_ID = "BANK"


@dataclass(frozen=True, slots=True)
class KpiDef:
    """One KPI of the catalogue.

    Attributes
    ----------
    name : str
        snake_case name used everywhere (params, reports, i18n).
    table : str
        Contract table it is computed from.
    kind : {"rate", "mean", "count", "sum"}
        ``rate``: share in [0, 1]; ``mean``: average of observations; ``count``/``sum``:
        totals (value = numerator).
    direction : {"higher", "lower"}
        Which way is better.
    unit : str
        Unit of ``value``.
    staff_level : bool
        Computed per staff member (False: branch and above only).
    test : {"rate", "mean", "ordinal", "count"}
        Which significance test fits (:mod:`bankperf_analysis.significance.compare`).
    formula : str
        The definition, as documented in domain.md.
    """

    name: str
    table: str
    kind: Kind
    direction: Literal["higher", "lower"]
    unit: str
    staff_level: bool
    test: Literal["rate", "mean", "ordinal", "count"]
    formula: str


def _k(name, table, kind, direction, unit, staff_level, test, formula) -> KpiDef:
    return KpiDef(name, table, kind, direction, unit, staff_level, test, formula)


#: The KPI catalogue (domain.md "KPIs, formulas and default targets"), in report order.
KPI_CATALOGUE: dict[str, KpiDef] = {
    k.name: k
    for k in (
        _k(
            "satisfaction_rate",
            "surveys",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "satisfied answers (score >= threshold) / all survey answers",
        ),
        _k(
            "onsite_survey_score",
            "surveys",
            "mean",
            "higher",
            "points of 10",
            True,
            "mean",
            "mean of on-site questionnaire scores (1-10)",
        ),
        _k(
            "callback_survey_score",
            "surveys",
            "mean",
            "higher",
            "points of 10",
            True,
            "mean",
            "mean of phone call-back scores (1-10)",
        ),
        _k(
            "response_time_seconds",
            "contacts",
            "mean",
            "lower",
            "seconds",
            True,
            "mean",
            "mean seconds from arrival to first answer, over answered contacts",
        ),
        _k(
            "service_level",
            "contacts",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "contacts answered within T seconds / contacts offered (staff level: / contacts the "
            "person answered, since an abandoned contact has no staff member)",
        ),
        _k(
            "abandonment_rate",
            "contacts",
            "rate",
            "lower",
            "share",
            False,
            "rate",
            "abandoned contacts / contacts offered",
        ),
        _k(
            "resolution_rate",
            "contacts",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "resolved contacts / handled (answered) contacts",
        ),
        _k(
            "queue_wait_seconds",
            "contacts",
            "mean",
            "lower",
            "seconds",
            False,
            "mean",
            "branch counter customers' mean wait from arrival to being served",
        ),
        _k(
            "complaint_count",
            "complaints",
            "count",
            "lower",
            "complaints",
            True,
            "count",
            "complaints opened against the person / branch in the period",
        ),
        _k(
            "complaint_closed_on_time_rate",
            "complaints",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "complaints closed within the deadline (24 h) / complaints opened",
        ),
        _k(
            "complaint_median_hours",
            "complaints",
            "mean",
            "lower",
            "hours",
            True,
            "mean",
            "median hours from opening to closing, over closed complaints",
        ),
        _k(
            "complaint_resolution_score",
            "complaints",
            "mean",
            "higher",
            "points of 5",
            True,
            "ordinal",
            "mean of 1-5 resolution-satisfaction scores after a complaint is closed",
        ),
        _k(
            "cross_sales_per_month",
            "sales",
            "mean",
            "higher",
            "products per month",
            True,
            "mean",
            "products sold / staff-months employed (sales roles)",
        ),
        _k(
            "cash_error_rate",
            "teller_transactions",
            "rate",
            "lower",
            "share",
            True,
            "rate",
            "cash error amount / cash handled",
        ),
        _k(
            "ledger_error_rate",
            "teller_transactions",
            "rate",
            "lower",
            "share",
            True,
            "rate",
            "ledger entries with an error / all ledger entries",
        ),
        _k(
            "handling_minutes",
            "teller_transactions",
            "mean",
            "lower",
            "minutes",
            True,
            "mean",
            "total handling minutes / transactions",
        ),
        _k(
            "volume_vs_baseline",
            "teller_transactions",
            "mean",
            "higher",
            "share of baseline",
            True,
            "mean",
            "transactions / (baseline per month x teller-months employed)",
        ),
        _k(
            "dress_score",
            "inspections",
            "mean",
            "higher",
            "points of 10",
            True,
            "mean",
            "mean of dress-code inspection scores (0-10)",
        ),
        _k(
            "manner_score",
            "inspections",
            "mean",
            "higher",
            "points of 10",
            True,
            "mean",
            "mean of manner inspection scores (0-10)",
        ),
        _k(
            "training_attendance_rate",
            "training",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "sessions attended / sessions held",
        ),
        _k(
            "training_exam_score",
            "training",
            "mean",
            "higher",
            "points of 100",
            True,
            "mean",
            "mean training exam score",
        ),
        _k(
            "new_customers",
            "new_customers",
            "count",
            "higher",
            "customers",
            True,
            "count",
            "new customers won",
        ),
        _k(
            "risk_incidents",
            "risk_incidents",
            "count",
            "lower",
            "incidents",
            True,
            "count",
            "risk incidents attributed",
        ),
        _k(
            "risk_loss_yuan",
            "risk_incidents",
            "sum",
            "lower",
            "yuan",
            True,
            "count",
            "losses attributed to risk incidents",
        ),
        _k(
            "on_duty_rate",
            "roster",
            "rate",
            "higher",
            "share",
            True,
            "rate",
            "rostered hours on duty / rostered hours",
        ),
        _k(
            "service_quality_score",
            "qualitative_ratings",
            "mean",
            "higher",
            "points of 100",
            True,
            "mean",
            "supervisor's service-quality rating (0-100)",
        ),
        _k(
            "teamwork_score",
            "qualitative_ratings",
            "mean",
            "higher",
            "points of 100",
            True,
            "mean",
            "supervisor's teamwork rating (0-100)",
        ),
        _k(
            "review_360_score",
            "reviews_360",
            "mean",
            "higher",
            "points of 100",
            True,
            "mean",
            "360-degree review: mean score per rater group, weighted by the rater weights "
            "(groups absent are left out and the weights re-normalised); branch = mean over staff",
        ),
        _k(
            "mystery_shopper_score",
            "mystery_shopper",
            "mean",
            "higher",
            "points of 100",
            False,
            "mean",
            "mean of on-site mystery-shopper check scores (0-100)",
        ),
        _k(
            "video_check_score",
            "mystery_shopper",
            "mean",
            "higher",
            "points of 100",
            False,
            "mean",
            "mean of off-site video check scores (0-100)",
        ),
        _k(
            "churn_rate",
            "customer_churn",
            "rate",
            "lower",
            "share",
            False,
            "rate",
            "customers lost in the period / customers at the start of the period",
        ),
    )
}

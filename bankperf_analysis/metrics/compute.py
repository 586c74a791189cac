"""KPI definitions and computation, pushed down into DuckDB.

Every KPI of domain.md is computed per staff member, branch, region and for the whole
bank, per month, quarter and year, in one tidy frame::

    level  entity_id  branch_id  region  role  period_type  period  kpi  value  numerator  denominator  n

How: each source table is scanned **once**, aggregated in SQL to a small base grain
(branch × staff × month) of additive numerators and denominators; the base rows are then
rolled up with ``GROUPING SETS`` to every level and period. A rate or mean is
``numerator / denominator`` at every level (a branch's satisfaction is its satisfied
answers over all its answers, never a mean of staff rates). The few KPIs that are not
additive (median complaint hours, the weighted 360-degree score, churn over a period)
get their own small queries. No Python loops over staff or branches.

Definitions that vary between banks (the "satisfied" threshold, the service-level answer
time, the complaint deadline, the volume baseline, the 360-degree rater weights) are
:class:`MetricOptions`, built from the scheme in ``params/scheme.yaml``.

Examples
--------
>>> import tempfile
>>> from bankperf_analysis.dataset.demo import make_demo_bank
>>> from bankperf_analysis.dataset.load import load_dataset
>>> folder = tempfile.mkdtemp(); _ = make_demo_bank(folder, scale="tiny", seed=1)
>>> kpis = compute_kpis(load_dataset(folder), period="2026Q3")
>>> row = kpis.query("level == 'bank' and period == '2026Q3' and kpi == 'satisfaction_rate'")
>>> 0.7 < float(row.value.iloc[0]) < 1.0
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period

__all__ = [
    "KpiDef",
    "KPI_CATALOGUE",
    "MetricOptions",
    "compute_kpis",
    "kpi_availability",
    "kpi_table",
    "LEVELS",
]

Level = Literal["staff", "branch", "region", "bank"]
Kind = Literal["rate", "mean", "count", "sum"]
LEVELS: tuple[str, ...] = ("staff", "branch", "region", "bank")
PERIOD_TYPES: tuple[str, ...] = ("month", "quarter", "year")
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
KPI_CATALOGUE: dict[str, KpiDef] = {k.name: k for k in (
    _k("satisfaction_rate", "surveys", "rate", "higher", "share", True, "rate",
       "satisfied answers (score >= threshold) / all survey answers"),
    _k("onsite_survey_score", "surveys", "mean", "higher", "points of 10", True, "mean",
       "mean of on-site questionnaire scores (1-10)"),
    _k("callback_survey_score", "surveys", "mean", "higher", "points of 10", True, "mean",
       "mean of phone call-back scores (1-10)"),
    _k("response_time_seconds", "contacts", "mean", "lower", "seconds", True, "mean",
       "mean seconds from arrival to first answer, over answered contacts"),
    _k("service_level", "contacts", "rate", "higher", "share", True, "rate",
       "contacts answered within T seconds / contacts offered (staff level: / contacts the "
       "person answered, since an abandoned contact has no staff member)"),
    _k("abandonment_rate", "contacts", "rate", "lower", "share", False, "rate",
       "abandoned contacts / contacts offered"),
    _k("resolution_rate", "contacts", "rate", "higher", "share", True, "rate",
       "resolved contacts / handled (answered) contacts"),
    _k("queue_wait_seconds", "contacts", "mean", "lower", "seconds", False, "mean",
       "branch counter customers' mean wait from arrival to being served"),
    _k("complaint_count", "complaints", "count", "lower", "complaints", True, "count",
       "complaints opened against the person / branch in the period"),
    _k("complaint_closed_on_time_rate", "complaints", "rate", "higher", "share", True, "rate",
       "complaints closed within the deadline (24 h) / complaints opened"),
    _k("complaint_median_hours", "complaints", "mean", "lower", "hours", True, "mean",
       "median hours from opening to closing, over closed complaints"),
    _k("complaint_resolution_score", "complaints", "mean", "higher", "points of 5", True,
       "ordinal", "mean of 1-5 resolution-satisfaction scores after a complaint is closed"),
    _k("cross_sales_per_month", "sales", "mean", "higher", "products per month", True, "mean",
       "products sold / staff-months employed (sales roles)"),
    _k("cash_error_rate", "teller_transactions", "rate", "lower", "share", True, "rate",
       "cash error amount / cash handled"),
    _k("ledger_error_rate", "teller_transactions", "rate", "lower", "share", True, "rate",
       "ledger entries with an error / all ledger entries"),
    _k("handling_minutes", "teller_transactions", "mean", "lower", "minutes", True, "mean",
       "total handling minutes / transactions"),
    _k("volume_vs_baseline", "teller_transactions", "mean", "higher", "share of baseline", True,
       "mean", "transactions / (baseline per month x teller-months employed)"),
    _k("dress_score", "inspections", "mean", "higher", "points of 10", True, "mean",
       "mean of dress-code inspection scores (0-10)"),
    _k("manner_score", "inspections", "mean", "higher", "points of 10", True, "mean",
       "mean of manner inspection scores (0-10)"),
    _k("training_attendance_rate", "training", "rate", "higher", "share", True, "rate",
       "sessions attended / sessions held"),
    _k("training_exam_score", "training", "mean", "higher", "points of 100", True, "mean",
       "mean training exam score"),
    _k("new_customers", "new_customers", "count", "higher", "customers", True, "count",
       "new customers won"),
    _k("risk_incidents", "risk_incidents", "count", "lower", "incidents", True, "count",
       "risk incidents attributed"),
    _k("risk_loss_yuan", "risk_incidents", "sum", "lower", "yuan", True, "count",
       "losses attributed to risk incidents"),
    _k("on_duty_rate", "roster", "rate", "higher", "share", True, "rate",
       "rostered hours on duty / rostered hours"),
    _k("service_quality_score", "qualitative_ratings", "mean", "higher", "points of 100", True,
       "mean", "supervisor's service-quality rating (0-100)"),
    _k("teamwork_score", "qualitative_ratings", "mean", "higher", "points of 100", True, "mean",
       "supervisor's teamwork rating (0-100)"),
    _k("review_360_score", "reviews_360", "mean", "higher", "points of 100", True, "mean",
       "360-degree review: mean score per rater group, weighted by the rater weights "
       "(groups absent are left out and the weights re-normalised); branch = mean over staff"),
    _k("mystery_shopper_score", "mystery_shopper", "mean", "higher", "points of 100", False,
       "mean", "mean of on-site mystery-shopper check scores (0-100)"),
    _k("video_check_score", "mystery_shopper", "mean", "higher", "points of 100", False, "mean",
       "mean of off-site video check scores (0-100)"),
    _k("churn_rate", "customer_churn", "rate", "lower", "share", False, "rate",
       "customers lost in the period / customers at the start of the period"),
)}


@dataclass(frozen=True, slots=True)
class MetricOptions:
    """Definitions that vary between banks (defaults from domain.md).

    Parameters
    ----------
    satisfied_threshold : float, default 8
        A survey score at or above this counts as satisfied.
    service_level_seconds : float, default 30
        Answer-time limit of the service level.
    complaint_deadline_hours : float, default 24
        A complaint closed within this many hours is on time.
    volume_baseline_per_month : float, default 1000
        Transactions per teller per month that count as 100 %.
    rater_weights : mapping, default supervisor .4, peer .3, customer .2, self .1
        Weights of the 360-degree rater groups.
    sales_roles : tuple of str
        Roles whose staff-months form the cross-sales denominator.
    """

    satisfied_threshold: float = 8
    service_level_seconds: float = 30
    complaint_deadline_hours: float = 24
    volume_baseline_per_month: float = 1000
    rater_weights: Mapping[str, float] = field(default_factory=lambda: {
        "supervisor": 0.4, "peer": 0.3, "customer": 0.2, "self": 0.1})
    sales_roles: tuple[str, ...] = ("customer_service_rep", "customer_manager", "lobby_manager")

    def __post_init__(self) -> None:
        for name in ("satisfied_threshold", "service_level_seconds", "complaint_deadline_hours",
                     "volume_baseline_per_month"):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
                raise ParamsError(f"The '{name}' parameter of MetricOptions must be a positive "
                                  f"number. Got {v!r} instead.")
        w = dict(self.rater_weights)
        if not w or any((not isinstance(x, (int, float))) or x < 0 for x in w.values()):
            raise ParamsError("The 'rater_weights' parameter of MetricOptions must map rater "
                              f"roles to non-negative numbers. Got {w!r} instead.")

    @classmethod
    def from_scheme(cls, scheme) -> MetricOptions:
        """Build the options from a loaded scheme (:func:`bankperf_analysis.scheme.model.load_scheme`)."""
        d = scheme.definitions
        weights = None
        for role in getattr(scheme, "roles", {}).values() if isinstance(
                getattr(scheme, "roles", None), Mapping) else getattr(scheme, "roles", ()):
            r360 = getattr(role, "review_360", None)
            if r360 is not None:
                weights = dict(r360.rater_weights)
        kw = dict(satisfied_threshold=d.satisfied_threshold,
                  service_level_seconds=d.service_level_seconds,
                  complaint_deadline_hours=d.complaint_deadline_hours,
                  volume_baseline_per_month=d.volume_baseline_per_month)
        if weights:
            kw["rater_weights"] = weights
        # Cross-sales are per staff-month of the roles the scheme scores on them.
        sales = tuple(r.name for r in scheme.roles
                      if any(k.kpi == "cross_sales_per_month" for k in r.kpis))
        if sales:
            kw["sales_roles"] = sales
        return cls(**kw)


# ----------------------------------------------------------------------------- SQL


#: SQL type of numerators and denominators. Sums of DOUBLE in a parallel aggregation add in
#: whatever order the threads finish, so their last bit changes from run to run; decimal
#: sums are exact. Input columns are read to six decimals (microseconds, fen, hundredths of
#: a point); ten decimals keep derived values (mean 360 scores, median hours) to 1e-10.
_EXACT = "DECIMAL(38, 10)"


def _window(period: str | Period | None) -> tuple[str, str]:
    if period is None:
        return "TIMESTAMP '1900-01-01'", "TIMESTAMP '2200-01-01'"
    p = Period.parse(period)
    return f"TIMESTAMP '{p.start}'", f"TIMESTAMP '{p.end}'"


def _base_queries(ds: Dataset, o: MetricOptions, lo: str, hi: str, grain: str = "month",
                  const_m: str | None = None) -> list[str]:
    """SQL producing base rows (kpi, branch_id, staff_id, m, num, den, n) per source table.

    ``m`` is the start of the row's ``grain`` period (month, quarter or year): the finest
    period reported, so a quarter-only scorecard aggregates straight to quarters. When the
    window is one grain period, ``const_m`` (its start, as SQL) replaces the per-row value.
    """
    q: list[str] = []

    def trunc(col: str) -> str:
        if const_m is not None:
            # The window is exactly one grain period: its start is a constant, so the
            # 50M-row scans need not compute (nor hash) a period per row.
            return const_m
        return f"CAST(date_trunc('{grain}', {col}) AS TIMESTAMP)"

    thr = float(o.satisfied_threshold)
    sl = float(o.service_level_seconds)
    dl = float(o.complaint_deadline_hours) * 3600.0

    def within(col: str) -> str:
        return f"{col} >= {lo} AND {col} < {hi}"

    def unpivot(src: str, items: Iterable[tuple[str, str, str, str]]) -> str:
        parts = [f"SELECT '{k}' AS kpi, branch_id, staff_id, m, CAST({num} AS {_EXACT}) AS num, "
                 f"CAST({den} AS {_EXACT}) AS den, CAST({n} AS BIGINT) AS n FROM {src}"
                 for k, num, den, n in items]
        return " UNION ALL ".join(parts)

    def d(col: str) -> str:
        """A fractional column as an exact decimal, so that its sums do not depend on order."""
        return f"CAST({col} AS DECIMAL(18, 6))"

    if ds.has("contacts"):
        # The wait is computed once per row, in integer microseconds (exact sums); conditional
        # aggregates use FILTER. A constant period is added after the aggregation: as a group
        # key it costs ~5% of the scan.
        m_row, m_out = (("", f", {const_m} AS m") if const_m is not None
                        else (f", {trunc('arrival_ts')} AS m", ""))
        q.append(f"""
        WITH c AS (
          SELECT branch_id, staff_id{m_row},
                 epoch_us(answer_ts) - epoch_us(arrival_ts) AS w, channel = 'counter' AS ctr,
                 resolved, abandoned
          FROM contacts WHERE {within('arrival_ts')}),
        a0 AS (
          SELECT branch_id, staff_id{", m" if m_row else ""}, count(*) AS offered, count(w) AS answered,
            sum(w) AS wait_us, count_if(w <= {round(sl * 1e6)}) AS in_sl, count_if(abandoned) AS aband,
            count(resolved) AS res_den, count_if(resolved) AS res_num,
            count(w) FILTER (WHERE ctr) AS ctr_n, sum(w) FILTER (WHERE ctr) AS ctr_wait_us
          FROM c GROUP BY ALL),
        a AS (SELECT *{m_out} FROM a0)
        {unpivot('a', [
            ('response_time_seconds', 'wait_us / 1e6', 'answered', 'answered'),
            ('service_level', 'in_sl', 'CASE WHEN staff_id IS NULL THEN offered ELSE answered END',
             'CASE WHEN staff_id IS NULL THEN offered ELSE answered END'),
            ('abandonment_rate', 'aband', 'offered', 'offered'),
            ('resolution_rate', 'res_num', 'res_den', 'res_den'),
            ('queue_wait_seconds', 'ctr_wait_us / 1e6', 'ctr_n', 'ctr_n'),
        ])}""")
    if ds.has("surveys"):
        q.append(f"""
        WITH a AS (
          SELECT branch_id, staff_id, {trunc('survey_date')} AS m,
            count(*) AS n_all, count_if(score >= {thr}) AS sat,
            sum(CASE WHEN channel = 'on_site' THEN score END) AS os_sum,
            count_if(channel = 'on_site') AS os_n,
            sum(CASE WHEN channel = 'phone_callback' THEN score END) AS cb_sum,
            count_if(channel = 'phone_callback') AS cb_n
          FROM surveys WHERE {within('survey_date')} GROUP BY ALL)
        {unpivot('a', [
            ('satisfaction_rate', 'sat', 'n_all', 'n_all'),
            ('onsite_survey_score', 'os_sum', 'os_n', 'os_n'),
            ('callback_survey_score', 'cb_sum', 'cb_n', 'cb_n'),
        ])}""")
    if ds.has("complaints"):
        q.append(f"""
        WITH a AS (
          SELECT branch_id, staff_id, {trunc('opened_ts')} AS m,
            count(*) AS k,
            count_if(closed_ts IS NOT NULL AND epoch(closed_ts) - epoch(opened_ts) <= {dl}) AS on_time,
            sum(resolution_score) AS rs_sum, count(resolution_score) AS rs_n
          FROM complaints WHERE {within('opened_ts')} GROUP BY ALL)
        {unpivot('a', [
            ('complaint_count', 'k', 'NULL', 'k'),
            ('complaint_closed_on_time_rate', 'on_time', 'k', 'k'),
            ('complaint_resolution_score', 'rs_sum', 'rs_n', 'rs_n'),
        ])}""")
    if ds.has("teller_transactions"):
        base = float(o.volume_baseline_per_month)
        q.append(f"""
        WITH a AS (
          SELECT branch_id, staff_id, {trunc('work_date')} AS m,
            sum({d('cash_error_yuan')}) AS ce, sum({d('cash_handled_yuan')}) AS ch, count(*) AS days,
            sum(ledger_errors) AS le, sum(ledger_entries) AS lt,
            sum({d('handling_seconds')}) / 60.0 AS hm, sum(n_transactions) AS tx
          FROM teller_transactions WHERE {within('work_date')} GROUP BY ALL),
        months AS (SELECT branch_id, staff_id, {trunc('m')} AS m, count(*) AS k
                   FROM _staff_months WHERE role = 'teller' GROUP BY ALL),
        -- Every month a teller was employed carries the baseline, worked or not.
        v AS (SELECT coalesce(a.branch_id, months.branch_id) AS branch_id,
                     coalesce(a.staff_id, months.staff_id) AS staff_id, coalesce(a.m, months.m) AS m,
                     coalesce(a.tx, 0) AS tx,
                     {base} * coalesce(months.k, 0) AS bl,
                     coalesce(a.days, 0) AS days
              FROM a FULL OUTER JOIN months ON a.staff_id = months.staff_id AND a.m = months.m)
        {unpivot('a', [
            ('cash_error_rate', 'ce', 'NULLIF(ch, 0)', 'days'),
            ('ledger_error_rate', 'le', 'lt', 'lt'),
            ('handling_minutes', 'hm', 'tx', 'tx'),
        ])} UNION ALL {unpivot('v', [('volume_vs_baseline', 'tx', 'bl', 'days')])}""")
    if ds.has("sales"):
        roles = ", ".join(f"'{r}'" for r in o.sales_roles)
        q.append(f"""
        WITH s AS (
          SELECT staff_id, {trunc('sale_date')} AS m, sum(quantity) AS qty, count(*) AS k
          FROM sales WHERE {within('sale_date')} GROUP BY ALL),
        sm AS (SELECT branch_id, staff_id, {trunc('m')} AS m, count(*) AS k
               FROM _staff_months WHERE role IN ({roles}) GROUP BY ALL),
        a AS (SELECT coalesce(sm.branch_id, st.branch_id) AS branch_id,
                     coalesce(sm.staff_id, s.staff_id) AS staff_id, coalesce(sm.m, s.m) AS m,
                     coalesce(s.qty, 0) AS qty, coalesce(sm.k, 0) AS den
              FROM sm FULL OUTER JOIN s ON sm.staff_id = s.staff_id AND sm.m = s.m
              LEFT JOIN staff st ON st.staff_id = s.staff_id)
        {unpivot('a', [('cross_sales_per_month', 'qty', 'den', 'den')])}""")
    if ds.has("inspections"):
        q.append(f"""
        WITH a AS (
          SELECT branch_id, staff_id, {trunc('inspection_date')} AS m,
            sum(CASE WHEN aspect = 'dress' THEN {d('score')} END) AS d_sum,
            count_if(aspect = 'dress') AS d_n,
            sum(CASE WHEN aspect = 'manner' THEN {d('score')} END) AS m_sum,
            count_if(aspect = 'manner') AS m_n
          FROM inspections WHERE {within('inspection_date')} GROUP BY ALL)
        {unpivot('a', [('dress_score', 'd_sum', 'd_n', 'd_n'),
                       ('manner_score', 'm_sum', 'm_n', 'm_n')])}""")
    if ds.has("training"):
        q.append(f"""
        WITH a AS (
          SELECT st.branch_id, t.staff_id, {trunc('t.session_date')} AS m,
            count(*) AS held, count_if(t.attended) AS att,
            sum({d('t.exam_score')}) AS ex_sum, count(t.exam_score) AS ex_n
          FROM training t JOIN staff st USING (staff_id)
          WHERE {within('t.session_date')} GROUP BY ALL)
        {unpivot('a', [('training_attendance_rate', 'att', 'held', 'held'),
                       ('training_exam_score', 'ex_sum', 'ex_n', 'ex_n')])}""")
    if ds.has("new_customers"):
        q.append(f"""
        WITH a AS (SELECT branch_id, staff_id, {trunc('acquired_date')} AS m, count(*) AS k
                   FROM new_customers WHERE {within('acquired_date')} GROUP BY ALL)
        {unpivot('a', [('new_customers', 'k', 'NULL', 'k')])}""")
    if ds.has("risk_incidents"):
        q.append(f"""
        WITH a AS (SELECT branch_id, staff_id, {trunc('incident_date')} AS m,
                          count(*) AS k, sum({d('loss_yuan')}) AS loss
                   FROM risk_incidents WHERE {within('incident_date')} GROUP BY ALL)
        {unpivot('a', [('risk_incidents', 'k', 'NULL', 'k'),
                       ('risk_loss_yuan', 'loss', 'NULL', 'k')])}""")
    if ds.has("roster"):
        us = "(epoch_us(shift_end) - epoch_us(shift_start))"  # integer microseconds: exact sums
        q.append(f"""
        WITH a AS (SELECT branch_id, staff_id, {trunc('shift_start')} AS m,
                          sum(CASE WHEN present THEN {us} ELSE 0 END) / 3.6e9 AS on_h,
                          sum({us}) / 3.6e9 AS all_h, count(*) AS k
                   FROM roster WHERE {within('shift_start')} GROUP BY ALL)
        {unpivot('a', [('on_duty_rate', 'on_h', 'all_h', 'k')])}""")
    if ds.has("qualitative_ratings"):
        q.append(f"""
        WITH a AS (
          SELECT st.branch_id, q.staff_id, {trunc('q.rating_date')} AS m,
            sum(CASE WHEN dimension = 'service_quality' THEN {d('score')} END) AS sq_sum,
            count_if(dimension = 'service_quality') AS sq_n,
            sum(CASE WHEN dimension = 'teamwork' THEN {d('score')} END) AS tw_sum,
            count_if(dimension = 'teamwork') AS tw_n
          FROM qualitative_ratings q JOIN staff st USING (staff_id)
          WHERE {within('q.rating_date')} GROUP BY ALL)
        {unpivot('a', [('service_quality_score', 'sq_sum', 'sq_n', 'sq_n'),
                       ('teamwork_score', 'tw_sum', 'tw_n', 'tw_n')])}""")
    if ds.has("mystery_shopper"):
        q.append(f"""
        WITH a AS (
          SELECT branch_id, CAST(NULL AS VARCHAR) AS staff_id, {trunc('check_date')} AS m,
            sum(CASE WHEN method = 'on_site' THEN {d('score')} END) AS os_sum,
            count_if(method = 'on_site') AS os_n,
            sum(CASE WHEN method = 'video' THEN {d('score')} END) AS v_sum,
            count_if(method = 'video') AS v_n
          FROM mystery_shopper WHERE {within('check_date')} GROUP BY ALL)
        {unpivot('a', [('mystery_shopper_score', 'os_sum', 'os_n', 'os_n'),
                       ('video_check_score', 'v_sum', 'v_n', 'v_n')])}""")
    return q


def _period_expr(kind: str, col: str = "m") -> str:
    """SQL rendering the period label ("2026-07", "2026Q3", "2026") of a date column."""
    if kind == "month":
        return f"strftime({col}, '%Y-%m')"
    if kind == "quarter":
        return f"CAST(year({col}) AS VARCHAR) || 'Q' || CAST(quarter({col}) AS VARCHAR)"
    return f"CAST(year({col}) AS VARCHAR)"




def _level_case(levels) -> str:
    """SQL naming the level of a GROUPING SETS row; refers only to dimensions grouped on."""
    whens = [f"WHEN GROUPING({_DIMS[lv]}) = 0 THEN '{lv}'" for lv in ("staff", "branch", "region")
             if lv in levels]
    last = "'bank'" if "bank" in levels else "NULL"
    return f"CASE {' '.join(whens)} ELSE {last} END" if whens else last


def _entity_expr(levels) -> str:
    cols = [_DIMS[lv] for lv in ("staff", "branch", "region") if lv in levels]
    return f"coalesce({', '.join([*cols, repr(BANK_ID)])})"


def _orphan_expr(levels) -> str:
    return "GROUPING(staff_id) = 0 AND staff_id IS NULL" if "staff" in levels else "FALSE"


def _ptype_select(period_types) -> str:
    """SQL for ``period_type, period`` of a GROUPING SETS query over mp / qp / yp."""
    cols = [f"{pt[0]}p" for pt in period_types]
    if len(cols) == 1:
        return f"'{period_types[0]}' AS period_type, {cols[0]} AS period"
    case = " ".join(f"WHEN GROUPING({c}) = 0 THEN '{pt}'" for c, pt in zip(cols, period_types))
    return f"CASE {case} END AS period_type, coalesce({', '.join(cols)}) AS period"
_DIMS = {"staff": "staff_id", "branch": "branch_id", "region": "region", "bank": None}


def _periods_select(col: str = "m") -> str:
    return (f"{_period_expr('month', col)} AS mp, {_period_expr('quarter', col)} AS qp, "
            f"{_period_expr('year', col)} AS yp")


def _grouping_sets(levels, period_types, lead: str = "") -> str:
    sets = []
    for pt in period_types:
        for lv in levels:
            d = _DIMS[lv]
            cols = [c for c in (lead, f"{pt[0]}p", d) if c]
            sets.append("(" + ", ".join(cols) + ")")
    return ", ".join(sets)


def _staff_months_sql(lo: str, hi: str) -> str:
    """Months in which each staff member was employed (any day), with home branch and role."""
    return f"""
    CREATE OR REPLACE TEMP TABLE _staff_months AS
    WITH bounds AS (
      SELECT staff_id, branch_id, role,
             greatest(date_trunc('month', hire_date), date_trunc('month', {lo})) AS a,
             least(coalesce(leave_date - INTERVAL 1 DAY, DATE '2199-12-31'), {hi} - INTERVAL 1 DAY) AS b
      FROM staff)
    SELECT staff_id, branch_id, role, CAST(m AS TIMESTAMP) AS m
    FROM bounds, LATERAL (SELECT unnest(generate_series(CAST(a AS TIMESTAMP),
                                                        CAST(b AS TIMESTAMP), INTERVAL 1 MONTH)) AS m)
    WHERE a <= b
    """


def compute_kpis(
    ds: Dataset,
    *,
    period: str | Period | None = None,
    options: MetricOptions | None = None,
    levels: Iterable[str] = LEVELS,
    period_types: Iterable[str] = PERIOD_TYPES,
    kpis: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Compute every available KPI for every entity and period.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`bankperf_analysis.dataset.load.load_dataset`).
    period : str, optional
        Restrict to one window (``"2026Q3"``, ``"2026"``, ``"2026-07"``): only rows dated
        inside it are read, and only periods inside it are reported. Default: all data.
    options : MetricOptions, optional
        Bank-specific definitions; default from domain.md (use
        ``MetricOptions.from_scheme(load_scheme())`` for the scheme in params/).
    levels : iterable of {"staff", "branch", "region", "bank"}
    period_types : iterable of {"month", "quarter", "year"}
        Which roll-ups to report. A year is only reported when ``period`` is None or a
        year (a quarter's data cannot make a year).
    kpis : iterable of str, optional
        Restrict to these KPIs (default: all available).

    Returns
    -------
    pandas.DataFrame
        Columns ``level, entity_id, branch_id, region, role, period_type, period, kpi,
        value, numerator, denominator, n``; one row per entity, period and KPI with data.
        ``value`` is NaN when the denominator is zero.
    """
    o = options or MetricOptions()
    levels = tuple(levels)
    period_types = tuple(period_types)
    for lv in levels:
        if lv not in LEVELS:
            raise ParamsError(f"The 'levels' parameter of compute_kpis must contain only "
                              f"{', '.join(LEVELS)}. Got {lv!r} instead.")
    for pt in period_types:
        if pt not in PERIOD_TYPES:
            raise ParamsError(f"The 'period_types' parameter of compute_kpis must contain only "
                              f"{', '.join(PERIOD_TYPES)}. Got {pt!r} instead.")
    if period is not None:
        p = Period.parse(period)
        order = {"month": 0, "quarter": 1, "year": 2}
        period_types = tuple(t for t in period_types if order[t] <= order[p.kind])
    wanted = set(kpis) if kpis is not None else None
    if wanted is not None and (unknown := wanted - set(KPI_CATALOGUE)):
        raise ParamsError(f"Unknown KPI(s) {sorted(unknown)}. Known: {', '.join(KPI_CATALOGUE)}.")
    if period is None:
        first, last = ds.coverage()
        if first is None:
            return _empty()
        lo = f"TIMESTAMP '{Period.parse(first).start}'"
        hi = f"TIMESTAMP '{Period.parse(last).end}'"
    else:
        lo, hi = _window(period)
    con = ds.con
    con.execute(_staff_months_sql(lo, hi))
    grain = next(pt for pt in PERIOD_TYPES if pt in period_types) if period_types else "month"
    const_m = None
    if period is not None and Period.parse(period).kind == grain:
        const_m = f"TIMESTAMP '{Period.parse(period).start}'"
    parts = _base_queries(ds, o, lo, hi, grain, const_m)
    if not parts:
        return _empty()
    con.execute("CREATE OR REPLACE TEMP TABLE _kpi_base AS " + " UNION ALL ".join(
        f"SELECT * FROM ({p})" for p in parts))
    if wanted is not None:
        kl = ", ".join(f"'{k}'" for k in wanted)
        con.execute(f"DELETE FROM _kpi_base WHERE kpi NOT IN ({kl})")
    # Everything stays in DuckDB until the one final, ordered frame crosses to pandas.
    con.execute("CREATE OR REPLACE TEMP TABLE _kpi_out AS " + _rollup_sql(levels, period_types))
    for sql in _special(ds, o, lo, hi, levels, period_types, wanted):
        con.execute(f"INSERT INTO _kpi_out SELECT kpi, level, entity_id, period_type, period, "
                    f"numerator, denominator, n, value_direct FROM ({sql}) WHERE NOT orphan")
    try:
        return _finish(con)
    finally:
        con.execute("DROP TABLE IF EXISTS _kpi_base")
        con.execute("DROP TABLE IF EXISTS _kpi_out")


def _rollup_sql(levels, period_types) -> str:
    """SQL rolling the base rows up to every level and period with GROUPING SETS.

    Base rows with no staff member (abandoned contacts, branch checks) form no "staff"
    entity, and branch-only KPIs are not reported per staff member.
    """
    branch_only = ", ".join(f"'{k.name}'" for k in KPI_CATALOGUE.values() if not k.staff_level)
    return f"""
    SELECT kpi, level, entity_id, period_type, period, numerator, denominator, n,
           FALSE AS value_direct
    FROM (
      WITH b AS (SELECT k.*, br.region, {_periods_select()}
                 FROM _kpi_base k LEFT JOIN branches br USING (branch_id))
      SELECT kpi, {_level_case(levels)} AS level, {_entity_expr(levels)} AS entity_id,
        {_ptype_select(period_types)},
        sum(num) AS numerator, sum(den) AS denominator, sum(n) AS n,
        {_orphan_expr(levels)} AS orphan
      FROM b GROUP BY GROUPING SETS ({_grouping_sets(levels, period_types, lead="kpi")}))
    WHERE NOT orphan AND NOT (level = 'staff' AND kpi IN ({branch_only}))
    """


def _special(ds: Dataset, o: MetricOptions, lo: str, hi: str, levels, period_types,
             wanted) -> list[str]:
    """SQL of the non-additive KPIs: median complaint hours, weighted 360 score, churn.

    Each query yields ``kpi, level, entity_id, period_type, period, numerator,
    denominator, n, value_direct, orphan``.
    """
    out: list[str] = []

    def want(k: str) -> bool:
        return wanted is None or k in wanted

    if ds.has("complaints") and want("complaint_median_hours"):
        out.append(f"""
        WITH b AS (
          SELECT c.branch_id, c.staff_id, br.region, {_periods_select('opened_ts')},
                 (epoch(closed_ts) - epoch(opened_ts)) / 3600.0 AS h
          FROM complaints c LEFT JOIN branches br USING (branch_id)
          WHERE opened_ts >= {lo} AND opened_ts < {hi} AND closed_ts IS NOT NULL)
        SELECT 'complaint_median_hours' AS kpi, {_level_case(levels)} AS level,
          {_entity_expr(levels)} AS entity_id, {_ptype_select(period_types)},
          median(h) AS numerator, CAST(NULL AS DOUBLE) AS denominator, count(*) AS n,
          TRUE AS value_direct, {_orphan_expr(levels)} AS orphan
        FROM b GROUP BY GROUPING SETS ({_grouping_sets(levels, period_types)})""")

    if ds.has("reviews_360") and want("review_360_score"):
        wcase = " ".join(f"WHEN '{k}' THEN {float(v)}" for k, v in dict(o.rater_weights).items())
        # Per person and period: mean score per rater group, weighted over the groups present.
        # Fractional scores are summed in value order (ORDER BY inside the aggregate): a
        # parallel sum adds them in whatever order the threads finish, and the last bit of a
        # 360 score would then change from run to run.
        per = " UNION ALL ".join(f"""
            SELECT '{pt}' AS period_type, period, staff_id,
                   sum(wt * ms ORDER BY wt * ms) / sum(wt ORDER BY wt) AS score
            FROM (SELECT reviewee_id AS staff_id, {_period_expr(pt, 'review_date')} AS period,
                         avg(score ORDER BY score) AS ms, CASE rater_role {wcase} ELSE 0 END AS wt
                  FROM reviews_360 WHERE review_date >= {lo} AND review_date < {hi}
                  GROUP BY ALL)
            WHERE wt > 0 GROUP BY ALL""" for pt in period_types)
        sets = ", ".join("(period_type, period" + (f", {_DIMS[lv]})" if _DIMS[lv] else ")")
                         for lv in levels)
        out.append(f"""
        WITH r AS ({per}),
        b AS (SELECT r.*, st.branch_id, br.region FROM r
              JOIN staff st USING (staff_id) LEFT JOIN branches br USING (branch_id))
        SELECT 'review_360_score' AS kpi, {_level_case(levels)} AS level,
          {_entity_expr(levels)} AS entity_id,
          period_type, period, sum(score ORDER BY score) AS numerator,
          CAST(count(*) AS DOUBLE) AS denominator,
          count(*) AS n, FALSE AS value_direct, FALSE AS orphan
        FROM b GROUP BY GROUPING SETS ({sets})""")

    branch_levels = [lv for lv in levels if lv != "staff"]
    if ds.has("customer_churn") and want("churn_rate") and branch_levels:
        # Churn over a period = customers lost in its months / customers at its start.
        per = " UNION ALL ".join(f"""
            SELECT '{pt}' AS period_type, {_period_expr(pt, 'month_start')} AS period, branch_id,
                   sum(customers_lost) AS lost, arg_min(customers_start, month_start) AS start
            FROM customer_churn WHERE month_start >= {lo} AND month_start < {hi}
            GROUP BY ALL""" for pt in period_types)
        sets = ", ".join("(period_type, period" + (f", {_DIMS[lv]})" if _DIMS[lv] else ")")
                         for lv in branch_levels)
        out.append(f"""
        WITH c AS ({per}),
        b AS (SELECT c.*, br.region FROM c LEFT JOIN branches br USING (branch_id))
        SELECT 'churn_rate' AS kpi, {_level_case(branch_levels)} AS level,
          {_entity_expr(branch_levels)} AS entity_id, period_type, period,
          sum(lost) AS numerator, sum(start) AS denominator, sum(start) AS n,
          FALSE AS value_direct, FALSE AS orphan
        FROM b GROUP BY GROUPING SETS ({sets})""")
    return out


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in (
        ("level", "str"), ("entity_id", "str"), ("branch_id", "str"), ("region", "str"),
        ("role", "str"), ("period_type", "str"), ("period", "str"), ("kpi", "str"),
        ("value", "float64"), ("numerator", "float64"), ("denominator", "float64"),
        ("n", "int64"))})


def _finish(con) -> pd.DataFrame:
    """The final frame from ``_kpi_out``: values, staff/branch attributes, stable order (SQL)."""
    cat = ", ".join(f"('{k.name}', '{k.kind}', {i})" for i, k in enumerate(KPI_CATALOGUE.values()))
    lv = ", ".join(f"('{x}', {i})" for i, x in enumerate(LEVELS))
    pt = ", ".join(f"('{x}', {i})" for i, x in enumerate(PERIOD_TYPES))
    table = con.sql(f"""
    WITH cat(kpi, kind, kord) AS (VALUES {cat}), lv(level, lord) AS (VALUES {lv}),
         pt(period_type, pord) AS (VALUES {pt})
    SELECT o.level, o.entity_id,
      CASE o.level WHEN 'staff' THEN s.branch_id WHEN 'branch' THEN o.entity_id END AS branch_id,
      CASE o.level WHEN 'staff' THEN bs.region WHEN 'branch' THEN bb.region
                   WHEN 'region' THEN o.entity_id END AS region,
      CASE o.level WHEN 'staff' THEN s.role END AS role,
      o.period_type, o.period, o.kpi,
      CASE WHEN o.value_direct OR cat.kind IN ('count', 'sum') THEN CAST(o.numerator AS DOUBLE)
           WHEN o.denominator > 0 THEN CAST(o.numerator AS DOUBLE) / CAST(o.denominator AS DOUBLE)
      END AS value,
      CAST(o.numerator AS DOUBLE) AS numerator, CAST(o.denominator AS DOUBLE) AS denominator,
      CAST(coalesce(o.n, 0) AS BIGINT) AS n
    FROM _kpi_out o JOIN cat USING (kpi) JOIN lv USING (level) JOIN pt USING (period_type)
    LEFT JOIN staff s ON o.level = 'staff' AND s.staff_id = o.entity_id
    LEFT JOIN branches bs ON bs.branch_id = s.branch_id
    LEFT JOIN branches bb ON o.level = 'branch' AND bb.branch_id = o.entity_id
    ORDER BY lv.lord, o.entity_id, pt.pord, o.period, cat.kord
    """).to_arrow_table()
    if table.num_rows == 0:
        return _empty()
    # Arrow straight to Arrow-backed pandas strings: 3-5x faster than .df() at 300k rows.
    return table.to_pandas(types_mapper=_arrow_string_dtype)


def _arrow_string_dtype(arrow_type):
    """Map Arrow string types to pandas' Arrow-backed ``string`` dtype (others: default)."""
    import pyarrow as pa

    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or \
            pa.types.is_string_view(arrow_type):
        return pd.StringDtype("pyarrow")
    return None


def kpi_availability(ds: Dataset) -> pd.DataFrame:
    """Which KPIs the dataset can compute, and why not when it cannot.

    Returns
    -------
    pandas.DataFrame
        Columns ``kpi, table, available, reason``.
    """
    rows = []
    for k in KPI_CATALOGUE.values():
        ok = ds.has(k.table)
        rows.append({"kpi": k.name, "table": k.table, "available": ok,
                     "reason": "" if ok else f"table '{k.table}' not provided"})
    return pd.DataFrame(rows)


def kpi_table(kpis: pd.DataFrame, *, level: str, period: str, entity_id: str | None = None
              ) -> pd.DataFrame:
    """Wide view: one row per entity, one column per KPI, for one level and period.

    Examples
    --------
    >>> df = pd.DataFrame({"level": ["branch"] * 2, "entity_id": ["B01"] * 2,
    ...                    "period": ["2026Q3"] * 2, "kpi": ["satisfaction_rate", "churn_rate"],
    ...                    "value": [0.9, 0.1]})
    >>> kpi_table(df, level="branch", period="2026Q3").columns.tolist()
    ['satisfaction_rate', 'churn_rate']
    """
    sel = kpis[(kpis.level == level) & (kpis.period == period)]
    if entity_id is not None:
        sel = sel[sel.entity_id == entity_id]
    wide = sel.pivot_table(index="entity_id", columns="kpi", values="value", aggfunc="first",
                           sort=False)
    order = [k for k in KPI_CATALOGUE if k in wide.columns]
    wide = wide[order]
    wide.columns.name = None
    return wide

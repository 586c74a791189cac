"""The base queries of the KPI engine: one per contract table, each scanning its table once.

Each query aggregates its table inside the window to the base grain (branch x staff x
period start ``m``) and unpivots the result into rows ``kpi, branch_id, staff_id, m, num,
den, n`` of additive numerators and denominators, which :mod:`bankperf_analysis.metrics.compute`
rolls up to every level and period. Numerators and denominators are exact decimals
(:data:`EXACT`) and waits and shift lengths integer microseconds, so their sums do not
depend on the order in which parallel threads add them: the KPI frame is the same, bit for
bit, on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass

from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.kpis import kpis_of_table
from bankperf_analysis.metrics.options import MetricOptions

__all__ = ["EXACT", "STAFF_MONTH_TABLES", "base_queries", "needs_staff_months", "staff_months_sql"]

#: The tables whose base query reads ``_staff_months`` (:func:`staff_months_sql`): a per-month
#: KPI counts the months a person was in post, worked or not.
STAFF_MONTH_TABLES = ("teller_transactions", "sales")

#: SQL type of numerators and denominators. Sums of DOUBLE in a parallel aggregation add in
#: whatever order the threads finish, so their last bit changes from run to run; decimal
#: sums are exact. Input columns are read to six decimals (microseconds, fen, hundredths of
#: a point); ten decimals keep derived values (mean 360 scores, median hours) to 1e-10.
EXACT = "DECIMAL(38, 10)"


@dataclass(frozen=True, slots=True)
class _Window:
    """What every base query needs: the bank's definitions, the window and the grain."""

    options: MetricOptions
    lo: str
    hi: str
    grain: str
    const_m: str | None

    def trunc(self, col: str) -> str:
        """SQL of the start of the ``grain`` period a date column falls in."""
        if self.const_m is not None:
            # The window is exactly one grain period: its start is a constant, so the
            # 50M-row scans need not compute (nor hash) a period per row.
            return self.const_m
        return f"CAST(date_trunc('{self.grain}', {col}) AS TIMESTAMP)"

    def within(self, col: str) -> str:
        """SQL filter keeping the rows whose date column lies in the window."""
        return f"{col} >= {self.lo} AND {col} < {self.hi}"


def _unpivot(
    src: str, items: Iterable[tuple[str, str, str, str]], where: Mapping[str, str] | None = None
) -> str:
    """One base row per KPI ``(kpi, num, den, n)`` from each row of the aggregate ``src``.

    ``where`` maps a KPI to an SQL filter: its rows come only from the rows of ``src`` that
    pass it.
    """
    where = where or {}
    parts = [
        f"SELECT '{k}' AS kpi, branch_id, staff_id, m, CAST({num} AS {EXACT}) AS num, "
        f"CAST({den} AS {EXACT}) AS den, CAST({n} AS BIGINT) AS n FROM {src}"
        + (f" WHERE {where[k]}" if k in where else "")
        for k, num, den, n in items
    ]
    return " UNION ALL ".join(parts)


def _dec(col: str) -> str:
    """A fractional column as an exact decimal, so that its sums do not depend on order."""
    return f"CAST({col} AS DECIMAL(18, 6))"


def base_queries(
    ds: Dataset,
    o: MetricOptions,
    lo: str,
    hi: str,
    grain: str = "month",
    const_m: str | None = None,
    *,
    tables: Collection[str] | None = None,
) -> list[str]:
    """SQL producing base rows (kpi, branch_id, staff_id, m, num, den, n) per source table.

    ``m`` is the start of the row's ``grain`` period (month, quarter or year): the finest
    period reported, so a quarter-only scorecard aggregates straight to quarters. When the
    window is one grain period, ``const_m`` (its start, as SQL) replaces the per-row value.
    Tables the dataset does not have are skipped. The teller and sales queries read the
    ``_staff_months`` table of :func:`staff_months_sql`. ``tables``: only these tables
    (default: every table the dataset has).
    """
    win = _Window(o, lo, hi, grain, const_m)
    return [query(win) for table, query in _QUERIES if ds.has(table) and (tables is None or table in tables)]


def needs_staff_months(ds: Dataset, tables: Collection[str] | None = None) -> bool:
    """Whether a base query of :func:`base_queries` (same ``tables``) reads ``_staff_months``.

    Building that table expands every assignment into months (a quarter of a second at
    21,000 staff over a year): skip it when no teller or sales query runs, e.g. the
    year-to-date churn rate of a scorecard.
    """
    return any(ds.has(t) and (tables is None or t in tables) for t in STAFF_MONTH_TABLES)


def staff_months_sql(lo: str, hi: str) -> str:
    """Months in which each staff member was in post (any day), with branch, role and weight ``w``.

    From the assignment history (the dataset's ``employment`` view). A month the person
    spent in one assignment weighs 1 (one staff-month, however few days); a month split
    between assignments (a transfer on the 15th) is shared between them by days, so the
    person's months still add up to one and each branch gets its part.
    """
    return f"""
    CREATE OR REPLACE TEMP TABLE _staff_months AS
    WITH e AS (
      SELECT staff_id, branch_id, role,
             greatest(valid_from, CAST({lo} AS DATE)) AS a,
             least(coalesce(valid_to, DATE '2199-12-31'), CAST({hi} AS DATE)) AS b
      FROM employment),
    d AS (
      SELECT staff_id, branch_id, role, CAST(m AS TIMESTAMP) AS m,
             sum(datediff('day', greatest(a, CAST(m AS DATE)), least(b, CAST(m + INTERVAL 1 MONTH AS DATE))))
               AS days
      FROM e, LATERAL (SELECT unnest(generate_series(CAST(date_trunc('month', a) AS TIMESTAMP),
                                                     CAST(b - INTERVAL 1 DAY AS TIMESTAMP),
                                                     INTERVAL 1 MONTH)) AS m)
      WHERE a < b GROUP BY ALL)
    SELECT staff_id, branch_id, role, m,
           CASE WHEN count(*) OVER p = 1 THEN CAST(1 AS DECIMAL(18, 10))
                ELSE CAST(days AS DECIMAL(18, 10)) / sum(days) OVER p END AS w
    FROM d WINDOW p AS (PARTITION BY staff_id, m)
    """


def _in_scope(win: _Window, kpi: str) -> str:
    """SQL filter on ``channel``: the contact channels ``kpi`` counts (the scheme's scope)."""
    return "channel IN (" + ", ".join(f"'{c}'" for c in win.options.channels[kpi]) + ")"


def _contacts(win: _Window) -> str:
    """Contacts: response time, service level, abandonment, resolution and the counter queue wait.

    Each KPI counts the channels of its scope (``MetricOptions.channels``): the contacts are
    aggregated once per channel, then each KPI sums the channels it counts. A KPI gets no
    row where its channels had no contact (not available, never 0).
    """
    # The wait is computed once per row, in integer microseconds (exact sums); conditional
    # aggregates use FILTER. A constant period is added after the aggregation: as a group
    # key it costs ~5% of the scan.
    sl = float(win.options.service_level_seconds)
    m_row, m_out = (
        ("", f", {win.const_m} AS m")
        if win.const_m is not None
        else (f", {win.trunc('arrival_ts')} AS m", "")
    )
    m_key = ", m" if m_row else ""
    scope = {k: _in_scope(win, k) for k in kpis_of_table("contacts")}
    rt, sv, ab = scope["response_time_seconds"], scope["service_level"], scope["abandonment_rate"]
    rs, qw = scope["resolution_rate"], scope["queue_wait_seconds"]

    def count(col: str, scope: str) -> str:
        return f"coalesce(sum({col}) FILTER (WHERE {scope}), 0)"

    sl_den = "CASE WHEN staff_id IS NULL THEN sv_offered ELSE sv_answered END"
    return f"""
    WITH c AS (
      SELECT branch_id, staff_id{m_row}, channel,
             epoch_us(answer_ts) - epoch_us(arrival_ts) AS w, resolved, abandoned
      FROM contacts WHERE {win.within("arrival_ts")}),
    a0 AS (
      SELECT branch_id, staff_id{m_key}, channel, count(*) AS offered, count(w) AS answered,
        sum(w) AS wait_us, count_if(w <= {round(sl * 1e6)}) AS in_sl, count_if(abandoned) AS aband,
        count(resolved) AS res_den, count_if(resolved) AS res_num
      FROM c GROUP BY ALL),
    a1 AS (
      SELECT branch_id, staff_id{m_key},
        {count("offered", rt)} AS rt_offered, {count("answered", rt)} AS rt_answered,
        sum(wait_us) FILTER (WHERE {rt}) AS rt_wait_us,
        {count("offered", sv)} AS sv_offered, {count("answered", sv)} AS sv_answered,
        {count("in_sl", sv)} AS sv_in_sl,
        {count("offered", ab)} AS ab_offered, {count("aband", ab)} AS ab_aband,
        {count("offered", rs)} AS rs_offered, {count("res_den", rs)} AS rs_den,
        {count("res_num", rs)} AS rs_num,
        {count("offered", qw)} AS qw_offered, {count("answered", qw)} AS qw_answered,
        sum(wait_us) FILTER (WHERE {qw}) AS qw_wait_us
      FROM a0 GROUP BY ALL),
    a AS (SELECT *{m_out} FROM a1)
    {
        _unpivot(
            "a",
            [
                ("response_time_seconds", "rt_wait_us / 1e6", "rt_answered", "rt_answered"),
                ("service_level", "sv_in_sl", sl_den, sl_den),
                ("abandonment_rate", "ab_aband", "ab_offered", "ab_offered"),
                ("resolution_rate", "rs_num", "rs_den", "rs_den"),
                ("queue_wait_seconds", "qw_wait_us / 1e6", "qw_answered", "qw_answered"),
            ],
            where={
                "response_time_seconds": "rt_offered > 0",
                "service_level": "sv_offered > 0",
                "abandonment_rate": "ab_offered > 0",
                "resolution_rate": "rs_offered > 0",
                "queue_wait_seconds": "qw_offered > 0",
            },
        )
    }"""


def _surveys(win: _Window) -> str:
    """Surveys: satisfaction rate and the on-site and call-back survey scores."""
    thr = float(win.options.satisfied_threshold)
    return f"""
    WITH a AS (
      SELECT branch_id, staff_id, {win.trunc("survey_date")} AS m,
        count(*) AS n_all, count_if(score >= {thr}) AS sat,
        sum(CASE WHEN channel = 'on_site' THEN score END) AS os_sum,
        count_if(channel = 'on_site') AS os_n,
        sum(CASE WHEN channel = 'phone_callback' THEN score END) AS cb_sum,
        count_if(channel = 'phone_callback') AS cb_n
      FROM surveys WHERE {win.within("survey_date")} GROUP BY ALL)
    {
        _unpivot(
            "a",
            [
                ("satisfaction_rate", "sat", "n_all", "n_all"),
                ("onsite_survey_score", "os_sum", "os_n", "os_n"),
                ("callback_survey_score", "cb_sum", "cb_n", "cb_n"),
            ],
        )
    }"""


def _complaints(win: _Window) -> str:
    """Complaints: count, closed on time, resolution-satisfaction score."""
    dl = float(win.options.complaint_deadline_hours) * 3600.0
    return f"""
    WITH a AS (
      SELECT branch_id, staff_id, {win.trunc("opened_ts")} AS m,
        count(*) AS k,
        count_if(closed_ts IS NOT NULL AND epoch(closed_ts) - epoch(opened_ts) <= {dl}) AS on_time,
        sum(resolution_score) AS rs_sum, count(resolution_score) AS rs_n
      FROM complaints WHERE {win.within("opened_ts")} GROUP BY ALL)
    {
        _unpivot(
            "a",
            [
                ("complaint_count", "k", "NULL", "k"),
                ("complaint_closed_on_time_rate", "on_time", "k", "k"),
                ("complaint_resolution_score", "rs_sum", "rs_n", "rs_n"),
            ],
        )
    }"""


def _teller_transactions(win: _Window) -> str:
    """Teller transactions: cash and ledger errors, handling minutes, volume against the baseline."""
    base = float(win.options.volume_baseline_per_month)
    return f"""
    WITH a AS (
      SELECT branch_id, staff_id, {win.trunc("work_date")} AS m,
        sum({_dec("cash_error_yuan")}) AS ce, sum({_dec("cash_handled_yuan")}) AS ch, count(*) AS days,
        sum(ledger_errors) AS le, sum(ledger_entries) AS lt,
        sum({_dec("handling_seconds")}) / 60.0 AS hm, sum(n_transactions) AS tx
      FROM teller_transactions WHERE {win.within("work_date")} GROUP BY ALL),
    months AS (SELECT branch_id, staff_id, {win.trunc("m")} AS m, sum(w) AS k
               FROM _staff_months
               WHERE role = 'teller' AND {_covered(win, "teller_transactions", "work_date")}
               GROUP BY ALL),
    -- Every month a teller was employed carries the baseline, worked or not, within the
    -- quarters the table covers.
    v AS (SELECT coalesce(a.branch_id, months.branch_id) AS branch_id,
                 coalesce(a.staff_id, months.staff_id) AS staff_id, coalesce(a.m, months.m) AS m,
                 coalesce(a.tx, 0) AS tx,
                 {base} * coalesce(months.k, 0) AS bl,
                 coalesce(a.days, 0) AS days
          FROM a FULL OUTER JOIN months
            ON a.staff_id = months.staff_id AND a.m = months.m AND a.branch_id = months.branch_id)
    {
        _unpivot(
            "a",
            [
                ("cash_error_rate", "ce", "NULLIF(ch, 0)", "days"),
                ("ledger_error_rate", "le", "lt", "lt"),
                ("handling_minutes", "hm", "tx", "tx"),
            ],
        )
    } UNION ALL {_unpivot("v", [("volume_vs_baseline", "tx", "bl", "days")])}"""


def _covered(win: _Window, table: str, col: str) -> str:
    """SQL filter on ``_staff_months.m``: a month between the first and last quarter with data.

    Staff-months are the denominator of a per-month KPI (cross-sales, teller volume): a month
    in post with no sale is a real 0. But before the table's first row or after its last one
    (the data begin later, e.g. a bank whose first delivery is 2026Q4) there are no data, not
    months of zeros: those staff-months are not counted, so the KPI has no row there. The
    span is taken in whole quarters, the period a scorecard judges.
    """
    span = f"SELECT min({col}) AS d0, max({col}) AS d1 FROM {table} WHERE {win.within(col)}"
    # one scan of the date column gives both ends (a semi-join on the one-row span)
    return (
        f"EXISTS (SELECT 1 FROM ({span}) AS sp WHERE _staff_months.m >= date_trunc('quarter', sp.d0) "
        f"AND _staff_months.m < date_trunc('quarter', sp.d1) + INTERVAL 3 MONTH)"
    )


def _sales(win: _Window) -> str:
    """Sales: products sold per staff-month employed in a sales role."""
    roles = ", ".join(f"'{r}'" for r in win.options.sales_roles)
    return f"""
    WITH s AS (
      SELECT branch_id, staff_id, {win.trunc("sale_date")} AS m, sum(quantity) AS qty, count(*) AS k
      FROM sales WHERE {win.within("sale_date")} GROUP BY ALL),
    sm AS (SELECT branch_id, staff_id, {win.trunc("m")} AS m, sum(w) AS k
           FROM _staff_months WHERE role IN ({roles}) AND {_covered(win, "sales", "sale_date")}
           GROUP BY ALL),
    -- each sale counts for the branch where it was made (the sale's branch_id)
    a AS (SELECT coalesce(sm.branch_id, s.branch_id) AS branch_id,
                 coalesce(sm.staff_id, s.staff_id) AS staff_id, coalesce(sm.m, s.m) AS m,
                 coalesce(s.qty, 0) AS qty, coalesce(sm.k, 0) AS den
          FROM sm FULL OUTER JOIN s
            ON sm.staff_id = s.staff_id AND sm.m = s.m AND sm.branch_id = s.branch_id)
    {_unpivot("a", [("cross_sales_per_month", "qty", "den", "den")])}"""


def _inspections(win: _Window) -> str:
    """Inspections: dress and manner scores."""
    return f"""
    WITH a AS (
      SELECT branch_id, staff_id, {win.trunc("inspection_date")} AS m,
        sum(CASE WHEN aspect = 'dress' THEN {_dec("score")} END) AS d_sum,
        count_if(aspect = 'dress') AS d_n,
        sum(CASE WHEN aspect = 'manner' THEN {_dec("score")} END) AS m_sum,
        count_if(aspect = 'manner') AS m_n
      FROM inspections WHERE {win.within("inspection_date")} GROUP BY ALL)
    {_unpivot("a", [("dress_score", "d_sum", "d_n", "d_n"), ("manner_score", "m_sum", "m_n", "m_n")])}"""


def _training(win: _Window) -> str:
    """Training: attendance rate and exam score (branch: the person's assignment on the day)."""
    return f"""
    WITH a AS (
      SELECT coalesce(e.branch_id, st.branch_id) AS branch_id, t.staff_id,
        {win.trunc("t.session_date")} AS m,
        count(*) AS held, count_if(t.attended) AS att,
        sum({_dec("t.exam_score")}) AS ex_sum, count(t.exam_score) AS ex_n
      FROM training t JOIN staff st USING (staff_id) {_branch_on_the_day("t", "session_date")}
      WHERE {win.within("t.session_date")} GROUP BY ALL)
    {
        _unpivot(
            "a",
            [
                ("training_attendance_rate", "att", "held", "held"),
                ("training_exam_score", "ex_sum", "ex_n", "ex_n"),
            ],
        )
    }"""


def _branch_on_the_day(alias: str, date_col: str) -> str:
    """SQL joining ``e``, the person's assignment on the row's date (rows without a branch column)."""
    d = f"{alias}.{date_col}"
    return (
        f"LEFT JOIN employment e ON e.staff_id = {alias}.staff_id AND {d} >= e.valid_from "
        f"AND (e.valid_to IS NULL OR {d} < e.valid_to)"
    )


def _new_customers(win: _Window) -> str:
    """New customers won."""
    return f"""
    WITH a AS (SELECT branch_id, staff_id, {win.trunc("acquired_date")} AS m, count(*) AS k
               FROM new_customers WHERE {win.within("acquired_date")} GROUP BY ALL)
    {_unpivot("a", [("new_customers", "k", "NULL", "k")])}"""


def _risk_incidents(win: _Window) -> str:
    """Risk incidents and their losses."""
    return f"""
    WITH a AS (SELECT branch_id, staff_id, {win.trunc("incident_date")} AS m,
                      count(*) AS k, sum({_dec("loss_yuan")}) AS loss
               FROM risk_incidents WHERE {win.within("incident_date")} GROUP BY ALL)
    {_unpivot("a", [("risk_incidents", "k", "NULL", "k"), ("risk_loss_yuan", "loss", "NULL", "k")])}"""


def _roster(win: _Window) -> str:
    """Roster: hours on duty over hours rostered."""
    us = "(epoch_us(shift_end) - epoch_us(shift_start))"  # integer microseconds: exact sums
    return f"""
    WITH a AS (SELECT branch_id, staff_id, {win.trunc("shift_start")} AS m,
                      sum(CASE WHEN present THEN {us} ELSE 0 END) / 3.6e9 AS on_h,
                      sum({us}) / 3.6e9 AS all_h, count(*) AS k
               FROM roster WHERE {win.within("shift_start")} GROUP BY ALL)
    {_unpivot("a", [("on_duty_rate", "on_h", "all_h", "k")])}"""


def _qualitative_ratings(win: _Window) -> str:
    """Supervisors' ratings: service quality and teamwork (branch: the assignment on the day)."""
    return f"""
    WITH a AS (
      SELECT coalesce(e.branch_id, st.branch_id) AS branch_id, q.staff_id, {win.trunc("q.rating_date")} AS m,
        sum(CASE WHEN dimension = 'service_quality' THEN {_dec("score")} END) AS sq_sum,
        count_if(dimension = 'service_quality') AS sq_n,
        sum(CASE WHEN dimension = 'teamwork' THEN {_dec("score")} END) AS tw_sum,
        count_if(dimension = 'teamwork') AS tw_n
      FROM qualitative_ratings q JOIN staff st USING (staff_id) {_branch_on_the_day("q", "rating_date")}
      WHERE {win.within("q.rating_date")} GROUP BY ALL)
    {
        _unpivot(
            "a",
            [
                ("service_quality_score", "sq_sum", "sq_n", "sq_n"),
                ("teamwork_score", "tw_sum", "tw_n", "tw_n"),
            ],
        )
    }"""


def _mystery_shopper(win: _Window) -> str:
    """Mystery shopper: on-site and video check scores (branch level, no staff member)."""
    return f"""
    WITH a AS (
      SELECT branch_id, CAST(NULL AS VARCHAR) AS staff_id, {win.trunc("check_date")} AS m,
        sum(CASE WHEN method = 'on_site' THEN {_dec("score")} END) AS os_sum,
        count_if(method = 'on_site') AS os_n,
        sum(CASE WHEN method = 'video' THEN {_dec("score")} END) AS v_sum,
        count_if(method = 'video') AS v_n
      FROM mystery_shopper WHERE {win.within("check_date")} GROUP BY ALL)
    {
        _unpivot(
            "a",
            [
                ("mystery_shopper_score", "os_sum", "os_n", "os_n"),
                ("video_check_score", "v_sum", "v_n", "v_n"),
            ],
        )
    }"""


#: The base query of each contract table, in the order their rows are stacked.
_QUERIES: tuple[tuple[str, Callable[[_Window], str]], ...] = (
    ("contacts", _contacts),
    ("surveys", _surveys),
    ("complaints", _complaints),
    ("teller_transactions", _teller_transactions),
    ("sales", _sales),
    ("inspections", _inspections),
    ("training", _training),
    ("new_customers", _new_customers),
    ("risk_incidents", _risk_incidents),
    ("roster", _roster),
    ("qualitative_ratings", _qualitative_ratings),
    ("mystery_shopper", _mystery_shopper),
)

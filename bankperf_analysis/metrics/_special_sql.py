"""SQL of the KPIs that do not add up: median complaint hours, the weighted 360 score, churn.

A median is not a sum of medians, a weighted 360-degree score is weighted per person
before it is averaged over people, and churn over a quarter divides the customers lost in
its months by the customers at its start. Each gets its own query over its table, grouped
straight to every level and period, yielding ``kpi, level, entity_id, period_type, period,
numerator, denominator, n, value_direct, orphan`` (``value_direct``: the numerator is the
value itself; ``orphan``: a staff-level row without a staff member, dropped).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.metrics._grouping import (
    DIMS,
    entity_expr,
    grouping_sets,
    level_case,
    orphan_expr,
    period_expr,
    periods_select,
    ptype_select,
)
from bankperf_analysis.metrics.options import MetricOptions

__all__ = ["special_queries"]


def special_queries(
    ds: Dataset,
    o: MetricOptions,
    lo: str,
    hi: str,
    levels: Sequence[str],
    period_types: Sequence[str],
    wanted: Collection[str] | None,
) -> list[str]:
    """SQL of the non-additive KPIs the dataset has (and ``wanted`` asks for, None = all)."""
    out: list[str] = []

    def want(k: str) -> bool:
        return wanted is None or k in wanted

    if ds.has("complaints") and want("complaint_median_hours"):
        out.append(_median_hours(lo, hi, levels, period_types))
    if ds.has("reviews_360") and want("review_360_score"):
        out.append(_review_360(o, lo, hi, levels, period_types))
    branch_levels = [lv for lv in levels if lv != "staff"]
    if ds.has("customer_churn") and want("churn_rate") and branch_levels:
        out.append(_churn(lo, hi, branch_levels, period_types))
    return out


def _period_sets(levels: Sequence[str]) -> str:
    """Grouping sets ``(period_type, period[, level column])`` of a per-period subquery."""
    return ", ".join("(period_type, period" + (f", {DIMS[lv]})" if DIMS[lv] else ")") for lv in levels)


def _median_hours(lo: str, hi: str, levels: Sequence[str], period_types: Sequence[str]) -> str:
    """Median hours from opening to closing, over the closed complaints."""
    return f"""
        WITH b AS (
          SELECT c.branch_id, c.staff_id, br.region, {periods_select("opened_ts")},
                 (epoch(closed_ts) - epoch(opened_ts)) / 3600.0 AS h
          FROM complaints c LEFT JOIN branches br USING (branch_id)
          WHERE opened_ts >= {lo} AND opened_ts < {hi} AND closed_ts IS NOT NULL)
        SELECT 'complaint_median_hours' AS kpi, {level_case(levels)} AS level,
          {entity_expr(levels)} AS entity_id, {ptype_select(period_types)},
          median(h) AS numerator, CAST(NULL AS DOUBLE) AS denominator, count(*) AS n,
          TRUE AS value_direct, {orphan_expr(levels)} AS orphan
        FROM b GROUP BY GROUPING SETS ({grouping_sets(levels, period_types)})"""


def _review_360(
    o: MetricOptions, lo: str, hi: str, levels: Sequence[str], period_types: Sequence[str]
) -> str:
    """360-degree score per person and period; a branch's is the mean over its staff."""
    wcase = " ".join(f"WHEN '{k}' THEN {float(v)}" for k, v in dict(o.rater_weights).items())
    # Per person and period: mean score per rater group, weighted over the groups present.
    # Fractional scores are summed in value order (ORDER BY inside the aggregate): a
    # parallel sum adds them in whatever order the threads finish, and the last bit of a
    # 360 score would then change from run to run.
    per = " UNION ALL ".join(
        f"""
            SELECT '{pt}' AS period_type, period, staff_id,
                   sum(wt * ms ORDER BY wt * ms) / sum(wt ORDER BY wt) AS score
            FROM (SELECT reviewee_id AS staff_id, {period_expr(pt, "review_date")} AS period,
                         avg(score ORDER BY score) AS ms, CASE rater_role {wcase} ELSE 0 END AS wt
                  FROM reviews_360 WHERE review_date >= {lo} AND review_date < {hi}
                  GROUP BY ALL)
            WHERE wt > 0 GROUP BY ALL"""
        for pt in period_types
    )
    return f"""
        WITH r AS ({per}),
        b AS (SELECT r.*, st.branch_id, br.region FROM r
              JOIN staff st USING (staff_id) LEFT JOIN branches br USING (branch_id))
        SELECT 'review_360_score' AS kpi, {level_case(levels)} AS level,
          {entity_expr(levels)} AS entity_id,
          period_type, period, sum(score ORDER BY score) AS numerator,
          CAST(count(*) AS DOUBLE) AS denominator,
          count(*) AS n, FALSE AS value_direct, FALSE AS orphan
        FROM b GROUP BY GROUPING SETS ({_period_sets(levels)})"""


def _churn(lo: str, hi: str, branch_levels: Sequence[str], period_types: Sequence[str]) -> str:
    """Churn over a period = customers lost in its months / customers at its start."""
    per = " UNION ALL ".join(
        f"""
            SELECT '{pt}' AS period_type, {period_expr(pt, "month_start")} AS period, branch_id,
                   sum(customers_lost) AS lost, arg_min(customers_start, month_start) AS start
            FROM customer_churn WHERE month_start >= {lo} AND month_start < {hi}
            GROUP BY ALL"""
        for pt in period_types
    )
    return f"""
        WITH c AS ({per}),
        b AS (SELECT c.*, br.region FROM c LEFT JOIN branches br USING (branch_id))
        SELECT 'churn_rate' AS kpi, {level_case(branch_levels)} AS level,
          {entity_expr(branch_levels)} AS entity_id, period_type, period,
          sum(lost) AS numerator, sum(start) AS denominator, sum(start) AS n,
          FALSE AS value_direct, FALSE AS orphan
        FROM b GROUP BY GROUPING SETS ({_period_sets(branch_levels)})"""

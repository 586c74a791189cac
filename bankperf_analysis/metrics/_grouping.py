"""SQL building blocks of the roll-ups: ``GROUPING SETS`` over levels and period types.

A roll-up query groups base rows by every (period type, level) pair at once; these
helpers write the grouping sets and read back, from ``GROUPING()``, which level, entity
and period each output row belongs to. Period columns are ``mp``, ``qp`` and ``yp``
(month, quarter and year labels); level columns are those of :data:`DIMS`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bankperf_analysis.metrics.catalogue import BANK_ID

__all__ = [
    "DIMS",
    "period_expr",
    "periods_select",
    "grouping_sets",
    "level_case",
    "entity_expr",
    "orphan_expr",
    "ptype_select",
]

#: Column grouped on for each level (the bank is the empty grouping).
DIMS: dict[str, str | None] = {"staff": "staff_id", "branch": "branch_id", "region": "region", "bank": None}


def period_expr(kind: str, col: str = "m") -> str:
    """SQL rendering the period label ("2026-07", "2026Q3", "2026") of a date column."""
    if kind == "month":
        return f"strftime({col}, '%Y-%m')"
    if kind == "quarter":
        return f"CAST(year({col}) AS VARCHAR) || 'Q' || CAST(quarter({col}) AS VARCHAR)"
    return f"CAST(year({col}) AS VARCHAR)"


def periods_select(col: str = "m") -> str:
    """SQL selecting the month, quarter and year labels ``mp, qp, yp`` of a date column."""
    return (
        f"{period_expr('month', col)} AS mp, {period_expr('quarter', col)} AS qp, "
        f"{period_expr('year', col)} AS yp"
    )


def grouping_sets(levels: Sequence[str], period_types: Sequence[str], lead: str = "") -> str:
    """The grouping sets: one per (period type, level), each led by ``lead`` when given."""
    sets = []
    for pt in period_types:
        for lv in levels:
            d = DIMS[lv]
            cols = [c for c in (lead, f"{pt[0]}p", d) if c]
            sets.append("(" + ", ".join(cols) + ")")
    return ", ".join(sets)


def level_case(levels: Sequence[str]) -> str:
    """SQL naming the level of a GROUPING SETS row; refers only to dimensions grouped on."""
    whens = [
        f"WHEN GROUPING({DIMS[lv]}) = 0 THEN '{lv}'" for lv in ("staff", "branch", "region") if lv in levels
    ]
    last = "'bank'" if "bank" in levels else "NULL"
    return f"CASE {' '.join(whens)} ELSE {last} END" if whens else last


def entity_expr(levels: Sequence[str]) -> str:
    """SQL of a row's ``entity_id``: the finest dimension grouped on, else the bank."""
    cols = [str(DIMS[lv]) for lv in ("staff", "branch", "region") if lv in levels]
    return f"coalesce({', '.join([*cols, repr(BANK_ID)])})"


def orphan_expr(levels: Sequence[str]) -> str:
    """SQL flagging a staff-level row without a staff member (e.g. abandoned contacts)."""
    return "GROUPING(staff_id) = 0 AND staff_id IS NULL" if "staff" in levels else "FALSE"


def ptype_select(period_types: Sequence[str]) -> str:
    """SQL for ``period_type, period`` of a GROUPING SETS query over mp / qp / yp."""
    cols = [f"{pt[0]}p" for pt in period_types]
    if len(cols) == 1:
        return f"'{period_types[0]}' AS period_type, {cols[0]} AS period"
    case = " ".join(f"WHEN GROUPING({c}) = 0 THEN '{pt}'" for c, pt in zip(cols, period_types, strict=True))
    return f"CASE {case} END AS period_type, coalesce({', '.join(cols)}) AS period"

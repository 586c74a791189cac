"""What a branch staffing plan reads from the dataset: contact, roster, staff and branch tables.

Each function runs one SQL aggregation pushed down to DuckDB and returns a small frame
with plain column types; holidays are removed here, so every later step sees ordinary
days only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankperf_analysis.staffing.plan_config import HISTORY_WEEKS, _Config

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.periods import Period


def _queue_sql(channel: str | None) -> str:
    if channel is not None:
        return "channel"
    return "CASE WHEN channel = 'counter' THEN 'counter' ELSE 'phone_online' END"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _contact_stats(
    ds: Dataset, start: dt.date, end: dt.date, minutes: int, branch_ids: list[str] | None, channel: str | None
) -> pd.DataFrame:
    """One aggregation of contacts per branch x queue x date x interval of the day."""
    where = ["arrival_ts >= ?", "arrival_ts < ?"]
    if branch_ids is not None:
        where.append(f"branch_id IN ({_in_list(branch_ids)})")
    if channel is not None:
        where.append(f"channel = {_in_list([channel])}")
    ok_answer = "NOT abandoned AND answer_ts IS NOT NULL AND end_ts >= answer_ts"
    waited_until = "CASE WHEN abandoned THEN end_ts ELSE answer_ts END"
    q = f"""
        SELECT branch_id, {_queue_sql(channel)} AS queue,
               CAST(arrival_ts AS DATE) AS date,
               CAST((hour(arrival_ts) * 60 + minute(arrival_ts)) // {minutes} AS BIGINT) AS slot,
               count(*) AS contacts,
               count(*) FILTER (WHERE {ok_answer}) AS answered,
               coalesce(sum(date_diff('millisecond', answer_ts, end_ts)) FILTER (WHERE {ok_answer}),
                        0) / 1000.0 AS handle_seconds,
               coalesce(sum(date_diff('millisecond', arrival_ts, {waited_until}))
                        FILTER (WHERE {waited_until} >= arrival_ts), 0) / 1000.0 AS exposure_seconds,
               count(*) FILTER (WHERE abandoned AND end_ts IS NOT NULL) AS abandoned
        FROM contacts
        WHERE {" AND ".join(where)}
        GROUP BY ALL
    """
    df = ds.sql(q, [dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())])
    df["branch_id"] = df["branch_id"].astype(str)
    df["date"] = pd.to_datetime(df["date"])
    df["weekday"] = df["date"].dt.day_of_week.astype(np.int64)
    for c in ("contacts", "answered", "abandoned", "slot"):
        df[c] = df[c].astype(np.int64)
    return df


def _roster_stats(
    ds: Dataset, start: dt.date, end: dt.date, minutes: int, branch_ids: list[str] | None
) -> pd.DataFrame:
    """Present staff per branch x role x date x interval (shares of shifts covering it)."""
    where = "r.present AND r.shift_start < ? AND r.shift_end > ?"
    if branch_ids is not None:
        where += f" AND r.branch_id IN ({_in_list(branch_ids)})"
    step = f"INTERVAL '{minutes} minutes'"
    q = f"""
        WITH s AS (
            SELECT r.branch_id, st.role, r.shift_start, r.shift_end
            FROM roster r JOIN staff st ON st.staff_id = r.staff_id
            WHERE {where}
        ), e AS (
            SELECT branch_id, role, shift_start, shift_end,
                   unnest(generate_series(time_bucket({step}, shift_start),
                                          shift_end - INTERVAL '1 microsecond', {step})) AS t
            FROM s
        )
        SELECT branch_id, role, CAST(t AS DATE) AS date,
               CAST((hour(t) * 60 + minute(t)) // {minutes} AS BIGINT) AS slot,
               sum(date_diff('millisecond', greatest(t, shift_start),
                             least(t + {step}, shift_end))) / {minutes * 60_000.0} AS staff
        FROM e
        WHERE t >= ? AND t < ?
        GROUP BY ALL
    """
    t0, t1 = dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())
    df = ds.sql(q, [t1, t0, t0, t1])
    df["branch_id"] = df["branch_id"].astype(str)
    df["date"] = pd.to_datetime(df["date"])
    df["slot"] = df["slot"].astype(np.int64)
    return df


def _current_staff(ds: Dataset, q: Period, branch_ids: list[str] | None) -> pd.DataFrame:
    """Staff employed at the start of the planned quarter."""
    where = "hire_date < ? AND (leave_date IS NULL OR leave_date >= ?)"
    if branch_ids is not None:
        where += f" AND branch_id IN ({_in_list(branch_ids)})"
    df = ds.sql(f"SELECT staff_id, branch_id, role, counter_type FROM staff WHERE {where}", [q.end, q.end])
    df["branch_id"] = df["branch_id"].astype(str)
    return df


def _known_branches(ds: Dataset) -> list[str]:
    return ds.sql("SELECT branch_id FROM branches ORDER BY branch_id")["branch_id"].astype(str).tolist()


def _branches(ds: Dataset, branch_ids: list[str] | None) -> pd.DataFrame:
    """``branch_id`` (str), ``branch_type`` and ``managed_customers`` (optional column: NULL if absent)."""
    branches = ds.sql("SELECT branch_id, branch_type, managed_customers FROM branches ORDER BY branch_id")
    branches["branch_id"] = branches["branch_id"].astype(str)
    if branch_ids is not None:
        branches = branches[branches["branch_id"].isin(branch_ids)]
    return branches


def _holidays(ds: Dataset) -> list[str]:
    """The public holidays of ``dataset.yaml``, as text."""
    return [str(h) for h in (ds.meta or {}).get("holidays", []) or []]


def _holiday_index(holidays: list[str]) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(pd.to_datetime(holidays)).normalize() if holidays else pd.DatetimeIndex([])


def _contact_history(
    ds: Dataset, cfg: _Config, branch_ids: list[str] | None, hol: pd.DatetimeIndex
) -> pd.DataFrame:
    """Contact statistics of the ordinary days of the forecaster's history window.

    The window is the ``HISTORY_WEEKS`` ending with the reporting quarter, or the
    quarter alone without a forecast; empty (typed columns) without a contacts table.
    """
    q = cfg.q
    hist_start = q.end - dt.timedelta(weeks=HISTORY_WEEKS)
    if ds.has("contacts"):
        stats = _contact_stats(
            ds, hist_start if cfg.forecast else q.start, q.end, cfg.minutes, branch_ids, cfg.channel
        )
    else:
        stats = pd.DataFrame(
            {
                "branch_id": pd.Series(dtype=str),
                "queue": pd.Series(dtype=str),
                "date": pd.Series(dtype="datetime64[ns]"),
                **{
                    c: pd.Series(dtype=np.int64)
                    for c in ("slot", "contacts", "answered", "abandoned", "weekday")
                },
                **{c: pd.Series(dtype=float) for c in ("handle_seconds", "exposure_seconds")},
            }
        )
    return stats[~stats["date"].isin(hol)] if len(stats) else stats


def _no_roster() -> pd.DataFrame:
    """The roster frame of :func:`_open_day_roster` with no rows."""
    return pd.DataFrame(
        {
            "branch_id": pd.Series(dtype=str),
            "role": pd.Series(dtype=str),
            "date": pd.Series(dtype="datetime64[ns]"),
            "slot": pd.Series(dtype=np.int64),
            "staff": pd.Series(dtype=float),
            "weekday": pd.Series(dtype=np.int64),
        }
    )


def _open_day_roster(
    ds: Dataset, cfg: _Config, branch_ids: list[str] | None, hol: pd.DatetimeIndex, qstats: pd.DataFrame
) -> pd.DataFrame:
    """Present staff per branch x role x date x slot, on the branch's open days of the quarter only.

    Only open days, so that roster and demand share a denominator.
    """
    roster = _roster_stats(ds, cfg.q.start, cfg.q.end, cfg.minutes, branch_ids)
    roster = roster[~roster["date"].isin(hol)]
    roster["weekday"] = roster["date"].dt.day_of_week.astype(np.int64)
    od = qstats[["branch_id", "date"]].drop_duplicates()
    return roster.merge(od, on=["branch_id", "date"], how="inner")


#: Largest number of branch x queue x day x interval rows one part of the bank-wide
#: preparation may hold (an upper bound: every interval of every day of the history window).
#: The forecaster's zero-filled grid and its GLM batch cost about 400 bytes a row at their
#: peak, so a part stays near 0.8 GB whatever the size of the bank.
CHUNK_GRID_ROWS = 2_000_000


def branch_chunks(ds: Dataset, cfg: _Config, branch_ids: list[str]) -> list[list[str]]:
    """``branch_ids`` in consecutive parts small enough to prepare at once.

    Every branch's plan depends on its own data only, so the bank can be prepared part by
    part with the same answers; what a part holds is bounded by its branches times the
    rows one branch can have: queues x days of the history window that the contacts
    cover x intervals of a day. One part when the bank is small.

    Examples
    --------
    >>> import datetime as dt, types
    >>> cfg = types.SimpleNamespace(q=types.SimpleNamespace(start=dt.date(2026, 10, 1),
    ...     end=dt.date(2027, 1, 1)), forecast=False, minutes=30, channel=None)
    >>> ds = types.SimpleNamespace(sql=lambda q, p=None: __import__("pandas").DataFrame(
    ...     {"first": [dt.datetime(2026, 10, 1)]}), has=lambda t: True)
    >>> [len(part) for part in branch_chunks(ds, cfg, [f"B{i}" for i in range(300)])]
    [226, 74]
    """
    start = cfg.q.end - dt.timedelta(weeks=HISTORY_WEEKS) if cfg.forecast else cfg.q.start
    if ds.has("contacts"):
        first = ds.sql(
            "SELECT min(arrival_ts) AS first FROM contacts WHERE arrival_ts >= ?",
            [dt.datetime.combine(start, dt.time())],
        )["first"].iloc[0]
        if first is not None and not pd.isna(first):
            start = max(start, pd.Timestamp(first).date())
    days = max((cfg.q.end - start).days, 1)
    per_branch = (1 if cfg.channel else 2) * days * (24 * 60 // cfg.minutes)
    size = max(1, CHUNK_GRID_ROWS // per_branch)
    return [branch_ids[i : i + size] for i in range(0, len(branch_ids), size)] or [[]]

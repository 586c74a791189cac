"""Contact demand per interval: calendar flags and zero-filled counts (the forecaster's input).

Counts are aggregated to 15-, 30- or 60-minute intervals over the opening hours seen
in the data; intervals inside opening hours with no contact count as zero.

Definitions
-----------
Open day
    A date with at least one contact at the branch (any channel).
Opening slots
    For each series (branch, channel) and weekday, the intervals of the day that had
    at least one contact on that weekday in the data.
Business day
    Monday to Friday and not in ``holidays``.
Month end
    The last ``month_end_days`` business days of a calendar month (default 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice
from bankperf_analysis.exceptions import DataValidationError, InsufficientSampleError, ValidationIssue

__all__ = ["INTERVAL_MINUTES", "calendar_flags", "aggregate_contacts"]

#: Interval lengths (minutes) that divide an hour evenly.
INTERVAL_MINUTES = (15, 30, 60)
_ALL_CHANNELS = "all"


def _normalise_holidays(holidays: Iterable[Any] | None) -> pd.DatetimeIndex:
    """The distinct holiday dates (midnight) of ``holidays``; empty for None."""
    if holidays is None:
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(pd.to_datetime(list(holidays))).normalize().unique()


def calendar_flags(
    dates: Any, holidays: Iterable[Any] | None = None, month_end_days: int = 2
) -> pd.DataFrame:
    """Month-end and holiday flags for calendar dates.

    Parameters
    ----------
    dates : array_like of datetime
        Dates (times are ignored).
    holidays : iterable of date-like, optional
        Public holidays (not business days).
    month_end_days : int, default 2
        How many of the last business days of a month are flagged.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``weekday`` (0 = Monday), ``month_end`` (bool), ``holiday`` (bool).

    Examples
    --------
    >>> f = calendar_flags(pd.date_range("2026-01-28", "2026-02-02"))
    >>> f.loc[f["month_end"], "date"].dt.day.tolist()  # Fri 30 and Thu 29 Jan 2026
    [29, 30]
    """
    d = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    hol = _normalise_holidays(holidays)
    out = pd.DataFrame({"date": d})
    out["weekday"] = d.day_of_week
    out["holiday"] = d.isin(hol)
    if len(d) == 0:
        out["month_end"] = np.zeros(0, dtype=bool)
        return out
    # business days of every month touched, from the calendar only
    first = d.min().to_period("M").start_time
    last = d.max().to_period("M").end_time.normalize()
    cal = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    cal = cal[(cal["date"].dt.day_of_week < 5) & ~cal["date"].isin(hol)]
    cal["rank_from_end"] = cal.groupby(cal["date"].dt.to_period("M")).cumcount(ascending=False)
    ends = cal.loc[cal["rank_from_end"] < month_end_days, "date"]
    out["month_end"] = d.isin(pd.DatetimeIndex(ends))
    return out[["date", "weekday", "month_end", "holiday"]]


# --------------------------------------------------------------------------- aggregation


def _validate_contacts(contacts: Any) -> pd.DataFrame:
    """Check a contacts frame; return its ``branch_id``, ``channel`` (str) and ``arrival_ts`` (datetime)."""
    table = "contacts"
    if not isinstance(contacts, pd.DataFrame):
        raise DataValidationError(
            [ValidationIssue(table, "", None, "", type(contacts).__name__, "a pandas DataFrame")]
        )
    issues = [
        ValidationIssue(table, "", None, c, "", "column present")
        for c in ("branch_id", "channel", "arrival_ts")
        if c not in contacts.columns
    ]
    if issues:
        raise DataValidationError(issues)
    df = contacts[["branch_id", "channel", "arrival_ts"]].copy()
    ts = pd.to_datetime(df["arrival_ts"], errors="coerce")
    for col, bad in (
        ("arrival_ts", ts.isna()),
        ("branch_id", df["branch_id"].isna()),
        ("channel", df["channel"].isna()),
    ):
        rows = np.flatnonzero(bad.to_numpy())
        issues += [
            ValidationIssue(
                table,
                "",
                int(r) + 1,
                col,
                str(contacts[col].iloc[r]),
                "a non-missing value" if col != "arrival_ts" else "a timestamp",
            )
            for r in rows[:50]
        ]
    if issues:
        raise DataValidationError(issues)
    if len(df) == 0:
        raise InsufficientSampleError("The contacts frame is empty; nothing to forecast.")
    df["arrival_ts"] = ts
    df["branch_id"] = df["branch_id"].astype(str)
    df["channel"] = df["channel"].astype(str)
    return df


def _check_interval(interval_minutes: Any, owner: str) -> int:
    """Return ``interval_minutes`` as an int if it is one of 15, 30, 60."""
    return int(check_choice(interval_minutes, "interval_minutes", owner, INTERVAL_MINUTES))


def aggregate_contacts(
    contacts: pd.DataFrame, interval_minutes: int = 30, by_channel: bool = True
) -> pd.DataFrame:
    """Count contacts per series and interval, zero-filled within opening hours.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Columns ``branch_id`` (str), ``channel`` (str), ``arrival_ts`` (datetime).
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    by_channel : bool, default True
        One series per (branch, channel); otherwise one per branch with
        ``channel == "all"``.

    Returns
    -------
    pandas.DataFrame
        ``branch_id``, ``channel``, ``interval_start``, ``date``, ``weekday``,
        ``slot`` (interval of the day, 0-based), ``contacts``: one row per open day
        and opening slot of the series (see the module docstring), zeros included.

    Examples
    --------
    >>> c = pd.DataFrame({"branch_id": "B1", "channel": "phone", "arrival_ts":
    ...     pd.to_datetime(["2026-01-05 09:10", "2026-01-05 10:05", "2026-01-12 09:40"])})
    >>> aggregate_contacts(c, 60)["contacts"].tolist()  # 09 and 10 on both Mondays
    [1, 1, 1, 0]
    """
    minutes = _check_interval(interval_minutes, "aggregate_contacts")
    df = _validate_contacts(contacts)
    return _aggregate(df, minutes, by_channel)


def _aggregate(df: pd.DataFrame, minutes: int, by_channel: bool) -> pd.DataFrame:
    """:func:`aggregate_contacts` on contacts already checked by :func:`_validate_contacts`."""
    if not by_channel:
        df = df.assign(channel=_ALL_CHANNELS)
    start = df["arrival_ts"].dt.floor(f"{minutes}min")
    counts = (
        df.assign(interval_start=start)
        .groupby(["branch_id", "channel", "interval_start"], observed=True)
        .size()
        .rename("contacts")
        .reset_index()
    )
    counts["date"] = counts["interval_start"].dt.normalize()
    counts["weekday"] = counts["date"].dt.day_of_week
    counts["slot"] = (
        (counts["interval_start"] - counts["date"]).dt.total_seconds() // (60 * minutes)
    ).astype(np.int64)
    return _zero_filled(counts, minutes)


def _zero_filled(counts: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Counts on every open day x opening slot of their series, zeros included.

    Parameters
    ----------
    counts : pandas.DataFrame
        Non-zero counts: ``branch_id``, ``channel``, ``date``, ``weekday``, ``slot``,
        ``contacts``.
    minutes : int
        Interval length.

    Returns
    -------
    pandas.DataFrame
        As :func:`aggregate_contacts`.
    """
    open_days = counts[["branch_id", "date", "weekday"]].drop_duplicates()
    slots = counts[["branch_id", "channel", "weekday", "slot"]].drop_duplicates()
    grid = open_days.merge(slots, on=["branch_id", "weekday"], how="inner")
    grid = grid.merge(
        counts[["branch_id", "channel", "date", "slot", "contacts"]],
        on=["branch_id", "channel", "date", "slot"],
        how="left",
    )
    grid["contacts"] = grid["contacts"].fillna(0).astype(np.int64)
    grid["interval_start"] = grid["date"] + pd.to_timedelta(grid["slot"] * minutes, unit="min")
    cols = ["branch_id", "channel", "interval_start", "date", "weekday", "slot", "contacts"]
    return grid[cols].sort_values(["branch_id", "channel", "interval_start"]).reset_index(drop=True)

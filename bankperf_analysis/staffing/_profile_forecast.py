"""Next quarter's demand profile of every branch and queue, straight from the interval counts.

The staffing plan needs, per branch x queue x weekday x interval of the day, the mean
forecast contacts over the ordinary days of the next quarter. Going through
:class:`~bankperf_analysis.staffing.forecast.DemandForecaster` as a user would means a
zero-filled row per open day and interval (``demand._zero_filled``), a prediction row per
day and interval of the next quarter, and the pandas merges and group-bys of text keys
between them: at 1,000 branches most of the forecast's time, for a model whose fit needs
only a few numbers per cell.

This module computes the same answer from the sufficient statistics:

1. integer codes for branch, queue, day; the month-end and holiday flags of each day
   (:func:`~bankperf_analysis.staffing.demand.calendar_flags`);
2. per cell (series x weekday x slot) and calendar flags: ``n`` = the branch's open days
   with that weekday and flags (the zero-filled rows, counted rather than built), ``y`` and
   ``y^2`` = sums of the counts: exactly the collapsed rows ``forecast._group_stats``
   makes from the zero-filled grid;
3. the forecaster's own fit on them (per series, or pooled across branches, see
   :class:`~bankperf_analysis.staffing.forecast.DemandForecaster`);
4. the mean over the next quarter's ordinary days in closed form: a cell's forecast on a
   day is ``exp(c)`` times ``exp(b_me)`` on month-end days, so the mean over the ``n_w``
   days of weekday ``w`` (``m_w`` of them month ends) is ``exp(c) (n_w - m_w + m_w
   exp(b_me)) / n_w``.

Definitions (open day, opening slots, month end) are those of
:mod:`bankperf_analysis.staffing.demand`. A test checks that the profile equals the
forecaster's ``predict`` averaged over the quarter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis.staffing.demand import calendar_flags
from bankperf_analysis.staffing.forecast import DemandForecaster, Pooling

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.periods import Period

_KEY = ["branch_id", "queue", "weekday", "slot"]
_MONTH_END_DAYS = 2


def _codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Sorted integer codes and the sorted distinct values."""
    codes, uniq = pd.factorize(values, sort=True)
    return np.asarray(codes, dtype=np.int64), np.asarray(uniq, dtype=object)


def collapsed_stats(counts: pd.DataFrame, holidays: Sequence[Any]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The forecaster's collapsed rows from interval counts, and every opening cell.

    ``counts``: ``branch_id``, ``queue``, ``date``, ``weekday``, ``slot``, ``contacts`` (one
    row per branch, queue, date and slot with contacts). Returns the rows of
    ``forecast._group_stats`` of the zero-filled grid (``branch_id``, ``channel``,
    ``weekday``, ``slot``, ``month_end``, ``holiday``, ``n``, ``y``, ``y2``, sorted) and the
    opening cells (``branch_id``, ``channel``, ``weekday``, ``slot``).
    """
    b, b_uni = _codes(counts["branch_id"])
    q, q_uni = _codes(counts["queue"])
    day = counts["date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    days = np.unique(day)
    cal = calendar_flags(days.astype("datetime64[D]"), holidays, _MONTH_END_DAYS)
    flag = cal["month_end"].to_numpy(dtype=np.int64) * 2 + cal["holiday"].to_numpy(dtype=np.int64)
    di = np.searchsorted(days, day)
    wd = counts["weekday"].to_numpy(dtype=np.int64)
    slot = counts["slot"].to_numpy(dtype=np.int64)
    nb, nq, width = len(b_uni), len(q_uni), int(slot.max()) + 1
    # open days of each branch (any queue), counted per weekday and flags
    od = np.unique(b * len(days) + di)
    od_b, od_d = od // len(days), od % len(days)
    od_wd = cal["weekday"].to_numpy(dtype=np.int64)[od_d]
    n_tab = np.bincount((od_b * 7 + od_wd) * 4 + flag[od_d], minlength=nb * 28).reshape(nb, 7, 4)
    # opening cells of each series, and the sums of the counts per cell and flags
    series = b * nq + q
    cell_keys = np.unique((series * 7 + wd) * width + slot)
    key = ((series * 7 + wd) * width + slot) * 4 + flag[di]
    y = counts["contacts"].to_numpy(dtype=float)
    ukey, inv = np.unique(key, return_inverse=True)
    ysum = np.bincount(inv, weights=y)
    y2sum = np.bincount(inv, weights=y * y)
    # every cell x flags with open days, in the order of _group_stats
    rows = np.repeat(cell_keys, 4) * 4 + np.tile(np.arange(4), len(cell_keys))
    r_series, r_wd = rows // 4 // width // 7, rows // 4 // width % 7
    n = n_tab[r_series // nq, r_wd, rows % 4]
    rows, n, r_series, r_wd = rows[n > 0], n[n > 0], r_series[n > 0], r_wd[n > 0]
    pos = np.minimum(np.searchsorted(ukey, rows), len(ukey) - 1)
    hit = ukey[pos] == rows
    stats = pd.DataFrame(
        {
            "branch_id": b_uni[r_series // nq],
            "channel": q_uni[r_series % nq],
            "weekday": r_wd,
            "slot": rows // 4 % width,
            "month_end": (rows % 4) >= 2,
            "holiday": (rows % 2) == 1,
            "n": n,
            "y": np.where(hit, ysum[pos], 0.0),
            "y2": np.where(hit, y2sum[pos], 0.0),
        }
    )
    c_series = cell_keys // width // 7
    cells = pd.DataFrame(
        {
            "branch_id": b_uni[c_series // nq],
            "channel": q_uni[c_series % nq],
            "weekday": cell_keys // width % 7,
            "slot": cell_keys % width,
        }
    )
    return stats, cells


def forecast_profile(
    counts: pd.DataFrame,
    q: Period,
    minutes: int,
    holidays: Sequence[Any],
    *,
    pooling: Pooling = "series",
) -> pd.DataFrame:
    """Next quarter's mean contacts per ordinary day, branch x queue x weekday x slot.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``branch_id``, ``queue``, ``date``, ``weekday``, ``slot``, ``contacts``: the
        contacts of each branch, queue, date and interval of the history window.
    q : Period
        The reporting quarter; the profile is of the quarter after it.
    minutes : int
        Interval length.
    holidays : sequence of date-like
        Public holidays (not ordinary days; a calendar effect in the fit).
    pooling : {"series", "pooled", "auto"}, default "series"
        The forecaster's model structure.

    Returns
    -------
    pandas.DataFrame
        ``branch_id``, ``queue``, ``weekday``, ``slot``, ``contacts`` (float), sorted.

    Examples
    --------
    >>> from bankperf_analysis.periods import Period
    >>> days = pd.date_range("2026-10-05", periods=8, freq="7D")  # Mondays
    >>> c = pd.DataFrame({"branch_id": "B1", "queue": "phone", "date": days, "weekday": 0,
    ...                   "slot": 18, "contacts": [3, 5] * 4})
    >>> forecast_profile(c, Period.parse("2026Q4"), 30, [])["contacts"].round(6).tolist()
    [4.0]
    """
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in _KEY} | {"contacts": pd.Series(dtype=float)})
    if counts.empty:
        return empty
    stats, cells = collapsed_stats(counts, holidays)
    est = DemandForecaster(model="negbin", interval_minutes=minutes, holidays=list(holidays), pooling=pooling)
    est._validate_params()  # noqa: SLF001 - same package
    series = est._series_defaults(  # noqa: SLF001
        stats.rename(columns={"y": "contacts"}), pd.DataFrame({"date": counts["date"].agg(["min", "max"])})
    )
    fitted = est._fit_stats(stats, series)  # noqa: SLF001
    keys = ["branch_id", "channel", "weekday", "slot"]
    if fitted:
        cells = cells.merge(fitted[0], on=keys, how="left")
    else:
        cells = cells.assign(log_rate=np.nan)
    nq = q.shift(1)
    days = pd.date_range(pd.Timestamp(nq.start), pd.Timestamp(nq.end) - pd.Timedelta(days=1), freq="D")
    cal = calendar_flags(days, holidays, _MONTH_END_DAYS)
    cal = cal[~cal["holiday"]]
    n_w = np.bincount(cal["weekday"], minlength=7).astype(float)
    m_w = np.bincount(cal["weekday"], weights=cal["month_end"].astype(float), minlength=7)
    me_coef = series[["branch_id", "channel", "b_month_end"]]
    cells = cells.merge(me_coef, on=["branch_id", "channel"], how="left")
    w = cells["weekday"].to_numpy(dtype=np.int64)
    cells = cells[n_w[w] > 0]
    w = w[n_w[w] > 0]
    me = np.exp(cells["b_month_end"].to_numpy(dtype=float))
    mean = np.exp(cells["log_rate"].to_numpy(dtype=float)) * (n_w[w] - m_w[w] + m_w[w] * me) / n_w[w]
    out = pd.DataFrame(
        {
            "branch_id": cells["branch_id"].to_numpy(),
            "queue": cells["channel"].to_numpy(),
            "weekday": w,
            "slot": cells["slot"].to_numpy(dtype=np.int64),
            "contacts": np.maximum(np.nan_to_num(mean, nan=0.0, posinf=0.0), 0.0),
        }
    )
    return out.sort_values(_KEY).reset_index(drop=True)

"""Who was in post in a quarter, how many days, where: the scorecards' employment rules.

The history (:meth:`~bankperf_analysis.dataset.load.Dataset.employment`, half-open
assignments ``valid_from`` to ``valid_to``) gives, per quarter and person, the days in post
and the days at each branch. The rules (issue 13, docs/domain.md "Periods and employment"):

- someone with **no day in post** in a quarter is in no output of that quarter;
- someone with fewer than ``scoring.min_days_in_post`` days is **not in post long enough**:
  listed separately with their days, not scored;
- everyone else is scored **once**, on all their work of the quarter wherever it was done,
  and reported under the branch and role of their **last assignment in the quarter** (where
  they are at its end, or were when they left); their days per branch are shown.

Branch KPIs are not affected: each record counts for the branch named on it.

Examples
--------
A transfer on the 15th of the middle month of 2026Q4 (the old assignment ends, the new one
starts, on 15 November):

>>> import pandas as pd
>>> hist = pd.DataFrame({
...     "staff_id": ["S1", "S1", "S2"], "branch_id": ["B1", "B2", "B1"],
...     "role": ["teller"] * 3,
...     "valid_from": pd.to_datetime(["2020-01-01", "2026-11-15", "2026-12-20"]),
...     "valid_to": pd.to_datetime(["2026-11-15", None, None])})
>>> quarter_tenure(hist, ["2026Q4"]).values.tolist()
[['2026Q4', 'S1', 'B2', 'teller', 92, 'B1: 45, B2: 47', 2], ['2026Q4', 'S2', 'B1', 'teller', 12, 'B1: 12', 1]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bankperf_analysis.periods import Period

__all__ = ["quarter_tenure", "history_from_staff", "TENURE_COLUMNS"]

#: Columns of :func:`quarter_tenure`.
TENURE_COLUMNS = ["period", "staff_id", "branch_id", "role", "days_in_post", "days_by_branch", "n_branches"]

_FAR = np.datetime64("9999-12-31", "D")


def history_from_staff(staff: pd.DataFrame) -> pd.DataFrame | None:
    """The history derived from a staff table (hire_date to leave_date); None without those columns.

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"staff_id": ["S1"], "branch_id": ["B1"], "role": ["teller"],
    ...                    "hire_date": [pd.Timestamp("2025-01-01")], "leave_date": [pd.NaT]})
    >>> history_from_staff(st).columns.tolist()
    ['staff_id', 'branch_id', 'role', 'valid_from', 'valid_to']
    """
    if not {"staff_id", "branch_id", "role", "hire_date", "leave_date"} <= set(staff.columns):
        return None
    return pd.DataFrame(
        {
            "staff_id": staff["staff_id"].astype(str).to_numpy(),
            "branch_id": staff["branch_id"].astype(str).to_numpy(),
            "role": staff["role"].to_numpy(),
            "valid_from": staff["hire_date"].to_numpy(),
            "valid_to": staff["leave_date"].to_numpy(),
        }
    )


def _days(col: pd.Series, fill: np.datetime64 | None = None) -> np.ndarray:
    d = pd.to_datetime(col).to_numpy().astype("datetime64[D]")
    if fill is not None:
        d = np.where(np.isnat(d), fill, d)
    return d


def quarter_tenure(history: pd.DataFrame, periods: Sequence[str]) -> pd.DataFrame:
    """Per quarter and person in post at least one day: days in post, last branch and role, days per branch.

    Parameters
    ----------
    history : pandas.DataFrame
        ``staff_id, branch_id, role, valid_from, valid_to`` (``valid_to`` exclusive, empty =
        open), as :meth:`Dataset.employment` returns.
    periods : sequence of str
        Quarters (``"2026Q4"``).

    Returns
    -------
    pandas.DataFrame
        :data:`TENURE_COLUMNS`: ``days_in_post`` (int), ``branch_id`` and ``role`` of the
        person's last assignment in the quarter, ``days_by_branch`` ("B1: 45, B2: 47", branches
        in the order the person was there), ``n_branches``. Ordered by period, staff_id.
    """
    frames = []
    vf, vt = _days(history["valid_from"]), _days(history["valid_to"], _FAR)
    for per in periods:
        p = Period.parse(per)
        lo, hi = np.datetime64(p.start, "D"), np.datetime64(p.end, "D")
        a, b = np.maximum(vf, lo), np.minimum(vt, hi)
        days = (b - a).astype(np.int64)
        keep = days > 0
        if not keep.any():
            continue
        h = pd.DataFrame(
            {
                "staff_id": history["staff_id"].astype(str).to_numpy()[keep],
                "branch_id": history["branch_id"].astype(str).to_numpy()[keep],
                "role": history["role"].to_numpy()[keep],
                "start": a[keep],
                "days": days[keep],
            }
        ).sort_values(["staff_id", "start"], kind="stable")
        per_branch = h.groupby(["staff_id", "branch_id"], sort=False).agg(
            days=("days", "sum"), first=("start", "min")
        )
        per_branch = per_branch.reset_index().sort_values(["staff_id", "first"], kind="stable")
        text = per_branch["branch_id"] + ": " + per_branch["days"].astype(str)
        last = h.drop_duplicates("staff_id", keep="last").set_index("staff_id")
        out = pd.DataFrame(
            {
                "days_in_post": h.groupby("staff_id")["days"].sum(),
                "days_by_branch": _joined(text, per_branch["staff_id"]),
                "n_branches": per_branch.groupby("staff_id").size(),
            }
        )
        out["branch_id"] = last["branch_id"]
        out["role"] = last["role"]
        out = out.rename_axis("staff_id").reset_index().assign(period=str(p))
        frames.append(out)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in TENURE_COLUMNS})
    df = pd.concat(frames, ignore_index=True)[TENURE_COLUMNS]
    df["days_in_post"] = df["days_in_post"].astype(np.int64)
    df["n_branches"] = df["n_branches"].astype(np.int64)
    return df.sort_values(["period", "staff_id"], kind="stable").reset_index(drop=True)


def _joined(text: pd.Series, staff_id: pd.Series) -> pd.Series:
    """Each person's texts joined by ", " in their order, by staff id (sorted).

    ``text.groupby(staff_id).agg(", ".join)``, with the join, a Python call per group, only
    for the few people who were in several branches in the quarter.
    """
    ids = staff_id.to_numpy()
    multi = staff_id.duplicated(keep=False).to_numpy()
    out = pd.Series(text.to_numpy()[~multi], index=ids[~multi], dtype=text.dtype)
    if multi.any():
        out = pd.concat([out, text[multi].groupby(ids[multi]).agg(", ".join).astype(text.dtype)])
    return out.sort_index(kind="stable")


def tenure_of(staff: pd.DataFrame | None, employment: pd.DataFrame | None, periods: Sequence[str]):
    """The quarters' tenure from ``employment``, else from the staff table's dates; None without either."""
    hist = employment if employment is not None else None
    if hist is None and staff is not None:
        hist = history_from_staff(staff)
    return None if hist is None else quarter_tenure(hist, periods)


def _as_text(values) -> np.ndarray:
    """``values`` as an object array of ``str``, each as ``str(value)`` (missing: ``"nan"``, ``"None"``)."""
    a = np.asarray(values, dtype=object)
    if pd.api.types.infer_dtype(a, skipna=False) in ("string", "empty"):
        return a  # already text: no copy (the usual case)
    return a.astype(str).astype(object)


def _pair_keys(a: tuple, b: tuple) -> tuple[np.ndarray, np.ndarray]:
    """Integer keys of two lists of ``(periods, ids)`` pairs: equal keys for equal pairs (as text).

    Each part is factorised once over both lists, so a pair is matched on two integer codes
    instead of a pandas ``MultiIndex`` of strings (four of those per quarter cost about half
    a second at 21,000 staff).
    """
    parts = []
    for k in (0, 1):
        left, right = _as_text(a[k]), _as_text(b[k])
        codes = pd.factorize(np.concatenate([left, right]))[0].astype(np.int64)
        parts.append((codes[: len(left)], codes[len(left) :], max(int(codes.max(initial=-1)) + 1, 1)))
    (pa, pb, _), (ia, ib, n_ids) = parts
    return pa * n_ids + ia, pb * n_ids + ib


def pair_isin(periods, ids, in_periods, in_ids) -> np.ndarray:
    """Whether each (period, id) pair is among the pairs ``(in_periods, in_ids)`` (both as text)."""
    ka, kb = _pair_keys((periods, ids), (in_periods, in_ids))
    return pd.Index(ka).isin(kb)


def pair_lookup(periods, ids, in_periods, in_ids) -> np.ndarray:
    """Each (period, id) pair's position among the pairs ``(in_periods, in_ids)``; -1 if absent.

    The pairs looked in must be unique (pandas' ``InvalidIndexError`` otherwise).
    """
    ka, kb = _pair_keys((periods, ids), (in_periods, in_ids))
    return pd.Index(kb).get_indexer(ka)


#: Columns of the "not in post long enough" list.
NOT_IN_POST_COLUMNS = [
    "period",
    "staff_id",
    "staff_name",
    "branch_id",
    "branch_name",
    "region",
    "role",
    "days_in_post",
    "min_days_in_post",
    "days_by_branch",
]


def empty_not_in_post() -> pd.DataFrame:
    """An empty "not in post long enough" list."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in NOT_IN_POST_COLUMNS})


def not_in_post_frame(
    tenure: pd.DataFrame | None, min_days: int, staff: pd.DataFrame | None, branches: pd.DataFrame | None
) -> pd.DataFrame:
    """The people in post some days of a quarter but fewer than ``min_days``: not scored, listed.

    Examples
    --------
    >>> import pandas as pd
    >>> ten = pd.DataFrame({"period": ["2026Q4"] * 2, "staff_id": ["S1", "S2"],
    ...     "branch_id": ["B1", "B1"], "role": ["teller"] * 2, "days_in_post": [29, 30],
    ...     "days_by_branch": ["B1: 29", "B1: 30"], "n_branches": [1, 1]})
    >>> not_in_post_frame(ten, 30, None, None)[["staff_id", "days_in_post"]].values.tolist()
    [['S1', 29]]
    """
    if tenure is None or not len(tenure):
        return empty_not_in_post()
    short = tenure.loc[tenure["days_in_post"] < min_days].reset_index(drop=True)
    out = short[["period", "staff_id", "branch_id", "role", "days_in_post", "days_by_branch"]].copy()
    names = pd.Series(dtype=object)
    if staff is not None and "staff_name" in staff.columns:
        names = pd.Series(staff["staff_name"].to_numpy(), index=staff["staff_id"].astype(str).to_numpy())
    out["staff_name"] = out["staff_id"].map(names[~names.index.duplicated()]) if len(names) else None
    bnames, bregions = pd.Series(dtype=object), pd.Series(dtype=object)
    if branches is not None and {"branch_id", "branch_name", "region"} <= set(branches.columns):
        ids = branches["branch_id"].astype(str).to_numpy()
        bnames = pd.Series(branches["branch_name"].to_numpy(), index=ids)
        bregions = pd.Series(branches["region"].to_numpy(), index=ids)
    out["branch_name"] = out["branch_id"].map(bnames) if len(bnames) else None
    out["region"] = out["branch_id"].map(bregions) if len(bregions) else None
    out["min_days_in_post"] = np.int64(min_days)
    out = out[NOT_IN_POST_COLUMNS].sort_values(["period", "branch_id", "staff_id"], kind="stable")
    return out.reset_index(drop=True)


def branch_days(history: pd.DataFrame, period: str) -> pd.DataFrame:
    """Days in post at each branch in ``period``: ``staff_id, branch_id, days`` (days > 0 only).

    Examples
    --------
    >>> import pandas as pd
    >>> hist = pd.DataFrame({"staff_id": ["S1", "S1"], "branch_id": ["B1", "B2"],
    ...     "role": ["teller"] * 2, "valid_from": pd.to_datetime(["2020-01-01", "2026-11-15"]),
    ...     "valid_to": pd.to_datetime(["2026-11-15", None])})
    >>> branch_days(hist, "2026Q4").values.tolist()
    [['S1', 'B1', 45], ['S1', 'B2', 47]]
    """
    p = Period.parse(period)
    lo, hi = np.datetime64(p.start, "D"), np.datetime64(p.end, "D")
    a = np.maximum(_days(history["valid_from"]), lo)
    b = np.minimum(_days(history["valid_to"], _FAR), hi)
    days = (b - a).astype(np.int64)
    keep = days > 0
    df = pd.DataFrame(
        {
            "staff_id": history["staff_id"].astype(str).to_numpy()[keep],
            "branch_id": history["branch_id"].astype(str).to_numpy()[keep],
            "days": days[keep],
        }
    )
    return df.groupby(["staff_id", "branch_id"], as_index=False, sort=True)["days"].sum()

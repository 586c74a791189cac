"""The steps of a branch staffing plan, from contact statistics to the interval plan and heatmap.

Demand (forecast or observed profile) → the interval grid of every branch and queue
with its demand, AHT and traffic → required and scheduled staff (one vectorised Erlang
call for every branch) → rostered staff and gaps → the interval plan → the weekday x
hour heatmap. :func:`bankperf_analysis.staffing.plan._build` runs them in that order;
the definitions are in the docstring of :mod:`bankperf_analysis.staffing.plan`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis.staffing._profile_forecast import forecast_profile
from bankperf_analysis.staffing.levels import WEEKDAYS
from bankperf_analysis.staffing.patience import patience_interval
from bankperf_analysis.staffing.plan_config import _KEY, MIN_HISTORY_DAYS, QUEUE_ROLES, _Config
from bankperf_analysis.staffing.required import achieved_service, required_staff, scheduled_staff

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.periods import Period

# Columns of the interval plan (StaffingPlan.intervals), in order.
_INTERVAL_COLUMNS = [
    "branch_id",
    "queue",
    "role",
    "weekday",
    "weekday_name",
    "slot",
    "time",
    "hour",
    "contacts_observed",
    "contacts",
    "demand_source",
    "aht_seconds",
    "patience_seconds",
    "traffic_erlangs",
    "required_staff",
    "scheduled_staff",
    "service_level",
    "asa_seconds",
    "rostered_staff",
    "gap",
    "rostered_service_level",
]


# --------------------------------------------------------------------------- demand


def _open_days(qstats: pd.DataFrame) -> pd.DataFrame:
    """Open days of the quarter per branch and weekday (``n_days``)."""
    return (
        qstats[["branch_id", "date", "weekday"]]
        .drop_duplicates()
        .groupby(["branch_id", "weekday"])
        .size()
        .rename("n_days")
        .reset_index()
    )


def _forecast_profile(
    stats: pd.DataFrame, branches: Sequence[str], q: Period, minutes: int, holidays: Sequence[Any]
) -> pd.DataFrame:
    """Next quarter's mean contacts per ordinary day, branch x queue x weekday x slot.

    The forecaster's negative-binomial model of every branch and queue, fitted on the
    sufficient statistics of the counts (:mod:`._profile_forecast`: no zero-filled row
    per interval, no prediction row per day).
    """
    hist = stats[stats["branch_id"].isin(branches)]
    if hist.empty:
        return pd.DataFrame(columns=[*_KEY, "contacts"])
    counts = hist[["branch_id", "queue", "date", "weekday", "slot", "contacts"]]
    return forecast_profile(counts, q, minutes, holidays)


def _observed_profile(qstats: pd.DataFrame, open_days: pd.DataFrame) -> pd.DataFrame:
    tot = qstats.groupby(_KEY, as_index=False)["contacts"].sum()
    tot = tot.merge(open_days, on=["branch_id", "weekday"], how="left")
    tot["contacts"] = tot["contacts"] / tot["n_days"]
    return tot[[*_KEY, "contacts"]]


def _demand_profiles(
    stats: pd.DataFrame,
    qstats: pd.DataFrame,
    open_days: pd.DataFrame,
    all_ids: list[str],
    cfg: _Config,
    holidays: list[str],
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """Observed and forecast profiles, and each branch's demand source.

    The forecast is used where the history allows, else the observed profile.
    """
    observed = _observed_profile(qstats, open_days)
    span = stats.groupby("branch_id")["date"].agg(["min", "max"])
    long_enough = span.index[((span["max"] - span["min"]).dt.days + 1) >= MIN_HISTORY_DAYS]
    has_q = set(qstats["branch_id"].unique())  # unique() first: no Python loop over the rows
    fc_ids = sorted(set(long_enough) & has_q) if cfg.forecast else []
    fc_set = set(fc_ids)
    fc = (
        _forecast_profile(stats, fc_ids, cfg.q, cfg.minutes, holidays)
        if fc_ids
        else pd.DataFrame(columns=[*_KEY, "contacts"])
    )
    source = {b: ("forecast" if b in fc_set else "observed" if b in has_q else "none") for b in all_ids}
    return observed, fc, source


# --------------------------------------------------------------------------- grid


def _slot_grid(
    observed: pd.DataFrame, fc: pd.DataFrame, roster: pd.DataFrame | None, queues: list[str]
) -> pd.DataFrame:
    """Branch x queue x weekday x slot over each branch's span of slots with demand or roster."""
    slot_sets = [observed[["branch_id", "slot"]], fc[["branch_id", "slot"]]]
    if roster is not None:
        slot_sets.append(roster[["branch_id", "slot"]])
    slot_span = (
        pd.concat(slot_sets, ignore_index=True)
        .astype({"slot": np.int64})
        .groupby("branch_id")["slot"]
        .agg(["min", "max"])
    )
    # every branch's block, branch x queue x weekday x slot in that order, without a loop
    lo = slot_span["min"].to_numpy(dtype=np.int64)
    width = slot_span["max"].to_numpy(dtype=np.int64) - lo + 1
    per_branch = len(queues) * 7 * width
    pos = np.arange(int(per_branch.sum())) - np.repeat(np.cumsum(per_branch) - per_branch, per_branch)
    w = np.repeat(width, per_branch)
    grid = pd.DataFrame(
        {
            "branch_id": np.repeat(slot_span.index.to_numpy(dtype=object), per_branch),
            "queue": np.asarray(queues, dtype=object)[pos // (7 * w)],
            "weekday": (pos // w) % 7,
            "slot": np.repeat(lo, per_branch) + pos % w,
        }
    )
    return grid.astype({"weekday": np.int64, "slot": np.int64})


def _with_demand(
    grid: pd.DataFrame,
    observed: pd.DataFrame,
    fc: pd.DataFrame,
    source: dict[str, str],
    qstats: pd.DataFrame,
    minutes: int,
    patience: float | str = "estimate",
) -> pd.DataFrame:
    """Add the planning demand, its source, the role, AHT, Erlang A patience and traffic.

    AHT (and patience) per branch x queue, with the bank-wide AHT of the queue as fallback.
    """
    agg = qstats.groupby(["branch_id", "queue"], as_index=False)[
        ["answered", "handle_seconds", "exposure_seconds", "abandoned"]
    ].sum()
    bank = agg.groupby("queue")[["answered", "handle_seconds"]].sum()
    bank_aht = (bank["handle_seconds"] / bank["answered"].where(bank["answered"] > 0)).to_dict()
    grid = grid.merge(observed.rename(columns={"contacts": "contacts_observed"}), on=_KEY, how="left")
    grid = grid.merge(fc, on=_KEY, how="left")
    grid["contacts_observed"] = grid["contacts_observed"].astype(float).fillna(0.0)
    grid["demand_source"] = grid["branch_id"].map(source).fillna("observed")
    use_fc = grid["demand_source"] == "forecast"
    grid["contacts"] = np.where(use_fc, grid["contacts"].astype(float).fillna(0.0), grid["contacts_observed"])
    grid["role"] = grid["queue"].map(QUEUE_ROLES)
    grid = grid.merge(agg, on=["branch_id", "queue"], how="left")
    aht = grid["handle_seconds"] / grid["answered"].where(grid["answered"] > 0)
    aht = aht.fillna(grid["queue"].map(bank_aht))
    grid["aht_seconds"] = aht.fillna(300.0).astype(float)  # 300 s only if no answered contact at all
    grid["patience_seconds"] = _patience(grid, patience)
    grid["traffic_erlangs"] = grid["contacts"] * grid["aht_seconds"] / (60.0 * minutes)
    return grid


def _patience(grid: pd.DataFrame, patience: float | str) -> pd.Series:
    """Erlang A's mean patience per row: the scheme's number, or the censored MLE of the branch x queue.

    The MLE is :func:`~bankperf_analysis.staffing.patience.patience_interval` (total wait /
    abandonments); without an abandonment patience is not identifiable and 1e7 s (in effect
    Erlang C) is used, which the plan's abandonment table says.
    """
    if patience != "estimate":
        return pd.Series(float(patience), index=grid.index)
    exposure = grid["exposure_seconds"].fillna(0.0).to_numpy(dtype=float)
    est, _, _ = patience_interval(exposure, grid["abandoned"].fillna(0).to_numpy(dtype=float))
    return pd.Series(est, index=grid.index).fillna(1e7).clip(lower=1.0)


# --------------------------------------------------------------------------- staff


def _required(df: pd.DataFrame, cfg: _Config, target: float) -> np.ndarray:
    return required_staff(
        df["traffic_erlangs"].to_numpy(dtype=float),
        df["aht_seconds"].to_numpy(dtype=float),
        target_service_level=target,
        target_answer_seconds=cfg.answer_seconds,
        max_asa_seconds=cfg.max_asa,
        model=cfg.model,
        patience_seconds=df["patience_seconds"].to_numpy(dtype=float) if cfg.model == "erlang_a" else None,
    )


def _service(staff: np.ndarray, df: pd.DataFrame, cfg: _Config) -> tuple[np.ndarray, np.ndarray]:
    m = achieved_service(
        staff,
        df["traffic_erlangs"].to_numpy(dtype=float),
        df["aht_seconds"].to_numpy(dtype=float),
        answer_seconds=cfg.answer_seconds,
        model=cfg.model,
        patience_seconds=df["patience_seconds"].to_numpy(dtype=float) if cfg.model == "erlang_a" else None,
    )
    sl = np.where(df["traffic_erlangs"].to_numpy() > 0, m.service_level, np.nan)
    asa = np.where(df["traffic_erlangs"].to_numpy() > 0, m.asa_seconds, np.nan)
    return sl, asa


def _with_required(grid: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """Add required and scheduled staff and the service they give: every branch in one call."""
    req = _required(grid, cfg, cfg.sl_target)
    grid["required_staff"] = req.astype(np.int64)
    grid["scheduled_staff"] = scheduled_staff(req, cfg.shrinkage).astype(np.int64)
    grid["service_level"], grid["asa_seconds"] = _service(req, grid, cfg)
    return grid


def _with_roster(
    grid: pd.DataFrame, roster: pd.DataFrame, open_days: pd.DataFrame, queues: list[str], cfg: _Config
) -> tuple[pd.DataFrame, pd.Series]:
    """Add rostered staff (mean over open days), the gap and the service the roster gives.

    Returns the grid and the rostered hours of a typical week per branch x role.
    """
    ros = roster.assign(queue=roster["role"].map({r: qn for qn, r in QUEUE_ROLES.items() if qn in queues}))
    per = ros.dropna(subset=["queue"]).groupby(_KEY, as_index=False)["staff"].sum()
    per = per.merge(open_days, on=["branch_id", "weekday"], how="left")
    per["rostered_staff"] = per["staff"] / per["n_days"]
    grid = grid.merge(per[[*_KEY, "rostered_staff"]], on=_KEY, how="left")
    grid["rostered_staff"] = grid["rostered_staff"].fillna(0.0)
    grid["gap"] = grid["rostered_staff"] - grid["scheduled_staff"]
    productive = np.floor(grid["rostered_staff"].to_numpy() * (1.0 - cfg.shrinkage) + 1e-9)
    grid["rostered_service_level"] = _service(productive.astype(np.int64), grid, cfg)[0]
    role_hours = (
        ros.merge(open_days, on=["branch_id", "weekday"], how="inner")
        .assign(h=lambda d: d["staff"] / d["n_days"] * cfg.minutes / 60.0)
        .groupby(["branch_id", "role"])["h"]
        .sum()
    )
    return grid, role_hours


def _without_roster(grid: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """No roster table: rostered staff, gaps and the roster's service are NaN."""
    grid["rostered_staff"] = np.nan
    grid["gap"] = np.nan
    grid["rostered_service_level"] = np.nan
    return grid, pd.Series(dtype=float)


# --------------------------------------------------------------------------- results


def _interval_plan(grid: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """The interval plan: named weekdays, hour and ``HH:MM`` time, sorted (no patience for Erlang C)."""
    minutes = cfg.minutes
    grid["weekday_name"] = grid["weekday"].map(dict(enumerate(WEEKDAYS)))
    grid["hour"] = (grid["slot"] * minutes // 60).astype(np.int64)
    grid["time"] = [f"{m // 60:02d}:{m % 60:02d}" for m in (grid["slot"] * minutes)]
    intervals = (
        grid[_INTERVAL_COLUMNS].sort_values(["branch_id", "queue", "weekday", "slot"]).reset_index(drop=True)
    )
    if cfg.model != "erlang_a":
        intervals = intervals.drop(columns=["patience_seconds"])
    return intervals


def _heatmap(intervals: pd.DataFrame, has_roster: bool) -> pd.DataFrame:
    per_slot = intervals.groupby(["branch_id", "weekday", "hour", "slot"], as_index=False).agg(
        contacts=("contacts", "sum"),
        required_productive=("required_staff", "sum"),
        required=("scheduled_staff", "sum"),
        rostered=("rostered_staff", "sum"),
    )
    hm = per_slot.groupby(["branch_id", "weekday", "hour"], as_index=False).agg(
        contacts=("contacts", "sum"),
        required_productive=("required_productive", "mean"),
        required=("required", "mean"),
        rostered=("rostered", "mean"),
    )
    if not has_roster:
        hm["rostered"] = np.nan
    hm["gap"] = hm["rostered"] - hm["required"]
    # shortfall: staff missing in the queues that are short (a surplus elsewhere does not help)
    short = (
        intervals.assign(s=intervals["gap"].clip(upper=0.0))
        .groupby(["branch_id", "weekday", "hour", "slot"])["s"]
        .sum(min_count=1)
        .groupby(["branch_id", "weekday", "hour"])
        .mean()
    )
    hm["shortfall"] = short.reindex(pd.MultiIndex.from_frame(hm[["branch_id", "weekday", "hour"]])).to_numpy(
        dtype=float
    )
    return hm.astype({"weekday": np.int64, "hour": np.int64}).reset_index(drop=True)

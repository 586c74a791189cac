"""Staffing levels in context: required vs rostered, minimum posts, cost vs benefit, what-if.

:func:`staffing_gap` and :func:`gap_pivot` compare required with rostered staff per
interval and per weekday x hour (drawn by :func:`plot_staffing_heatmap`);
:func:`check_minimum_posts` (:mod:`~bankperf_analysis.staffing.posts`) checks a branch's
post rules; :func:`cost_benefit` and :func:`what_if_service_levels` put money on a staffing level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_positive
from bankperf_analysis.plots.staffing import gap_heatmap
from bankperf_analysis.staffing._checks import as_float, require_columns
from bankperf_analysis.staffing.estimator import ErlangStaffing
from bankperf_analysis.staffing.posts import DEFAULT_SALES_ROLES, check_minimum_posts

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "WEEKDAYS",
    "DEFAULT_SALES_ROLES",
    "staffing_gap",
    "gap_pivot",
    "plot_staffing_heatmap",
    "check_minimum_posts",
    "cost_benefit",
    "what_if_service_levels",
]

#: Short English weekday names, Monday first (weekday 0 = Monday).
WEEKDAYS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def staffing_gap(
    required: pd.DataFrame,
    rostered: pd.DataFrame,
    *,
    on: Sequence[str] = ("interval_start",),
    required_col: str = "required_staff",
    rostered_col: str = "rostered_staff",
) -> pd.DataFrame:
    """Compare required with rostered staff per interval.

    Parameters
    ----------
    required : pandas.DataFrame
        Key columns ``on`` and ``required_col``.
    rostered : pandas.DataFrame
        Key columns ``on`` and ``rostered_col``; intervals missing here count as 0
        rostered (and intervals missing from ``required`` as 0 required).
    on : sequence of str, default ("interval_start",)
        Keys (add ``branch_id`` or a queue column for several units).
    required_col, rostered_col : str
        Value columns.

    Returns
    -------
    pandas.DataFrame
        Keys, ``required_staff``, ``rostered_staff``, ``gap`` (rostered minus required;
        negative = understaffed), ``status`` (``"under"``, ``"ok"``, ``"over"``),
        ``weekday`` (Mon..Sun) and ``hour``.

    Examples
    --------
    >>> t = pd.date_range("2026-01-05 09:00", periods=2, freq="30min")
    >>> req = pd.DataFrame({"interval_start": t, "required_staff": [5, 7]})
    >>> ros = pd.DataFrame({"interval_start": t, "rostered_staff": [6, 6]})
    >>> staffing_gap(req, ros)["gap"].tolist()
    [1, -1]
    """
    keys = list(on)
    require_columns(required, [*keys, required_col], "required")
    require_columns(rostered, [*keys, rostered_col], "rostered")
    left = required[[*keys, required_col]].rename(columns={required_col: "required_staff"})
    right = rostered[[*keys, rostered_col]].rename(columns={rostered_col: "rostered_staff"})
    out = left.merge(right, on=keys, how="outer")
    for c in ("required_staff", "rostered_staff"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["gap"] = out["rostered_staff"] - out["required_staff"]
    out["status"] = np.select([out["gap"] < 0, out["gap"] > 0], ["under", "over"], "ok")
    ts = pd.to_datetime(out["interval_start"])
    out["weekday"] = pd.Categorical(
        ts.dt.day_of_week.map(dict(enumerate(WEEKDAYS))), categories=list(WEEKDAYS), ordered=True
    )
    out["hour"] = ts.dt.hour
    return out.sort_values(keys).reset_index(drop=True)


def gap_pivot(gap: pd.DataFrame, value: str = "gap", aggfunc: str = "mean") -> pd.DataFrame:
    """Weekday x hour pivot of under/over staffing from :func:`staffing_gap`.

    Parameters
    ----------
    gap : pandas.DataFrame
        Output of :func:`staffing_gap`.
    value : str, default "gap"
        Column to _aggregate.
    aggfunc : str, default "mean"
        Aggregation over the intervals falling in a cell (``"mean"``, ``"sum"``,
        ``"min"``...).

    Returns
    -------
    pandas.DataFrame
        Rows weekday (Mon..Sun, those present), columns hour of day.

    Examples
    --------
    >>> t = pd.date_range("2026-01-05 09:00", periods=2, freq="30min")
    >>> g = staffing_gap(pd.DataFrame({"interval_start": t, "required_staff": [5, 7]}),
    ...                  pd.DataFrame({"interval_start": t, "rostered_staff": [6, 6]}))
    >>> gap_pivot(g).loc["Mon", 9]
    np.float64(0.0)
    """
    require_columns(gap, ["weekday", "hour", value], "gap")
    pv = gap.pivot_table(index="weekday", columns="hour", values=value, aggfunc=aggfunc, observed=True)
    pv.columns.name = "hour"
    return pv


def plot_staffing_heatmap(
    pivot: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str = "Rostered minus required staff",
    cmap: str = "RdBu",
) -> Figure:
    """Heatmap of a weekday x hour staffing-gap pivot (diverging, centred at 0).

    Parameters
    ----------
    pivot : pandas.DataFrame
        Output of :func:`gap_pivot`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created otherwise.
    title : str
        Axes title.
    cmap : str, default "RdBu"
        Diverging palette: red = understaffed (negative), blue = overstaffed.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> pv = pd.DataFrame([[-1.0, 2.0]], index=["Mon"], columns=[9, 10])
    >>> fig = plot_staffing_heatmap(pv)
    >>> type(fig).__name__
    'Figure'
    """
    return gap_heatmap(pivot, ax=ax, title=title, cmap=cmap)


def cost_benefit(
    fte: Any,
    salary_per_fte_year: float,
    satisfaction_points_gained: Any,
    *,
    yuan_per_point_year: float = 100_000.0,
    scenario: Any = None,
) -> pd.DataFrame:
    """Yearly cost of staff versus the revenue value of satisfaction gained.

    Parameters
    ----------
    fte : float or array_like
        Additional FTE of each scenario.
    salary_per_fte_year : float
        Fully loaded yearly cost of one FTE (yuan).
    satisfaction_points_gained : float or array_like
        Percentage points of satisfaction gained (65 % -> 75 % is 10).
    yuan_per_point_year : float, default 100,000
        Yearly revenue per satisfaction point (domain.md, source 001).
    scenario : array_like of str, optional
        Scenario labels.

    Returns
    -------
    pandas.DataFrame
        ``scenario``, ``fte``, ``cost_yuan``, ``benefit_yuan``, ``net_yuan``,
        ``benefit_cost_ratio``.

    Examples
    --------
    >>> cost_benefit(5.0, 120_000, 10)[["cost_yuan", "benefit_yuan", "net_yuan"]].iloc[0].tolist()
    [600000.0, 1000000.0, 400000.0]
    """
    owner = "cost_benefit"
    check_positive(salary_per_fte_year, "salary_per_fte_year", owner, allow_zero=True)
    check_positive(yuan_per_point_year, "yuan_per_point_year", owner, allow_zero=True)
    f = np.atleast_1d(as_float(fte, "fte", owner))
    pts = np.atleast_1d(np.asarray(satisfaction_points_gained, dtype=float))
    f, pts = np.broadcast_arrays(f, pts)
    labels = (
        (np.arange(f.size) + 1).astype(str)
        if scenario is None
        else np.broadcast_to(np.asarray(scenario, dtype=object), f.shape)
    )
    cost = f * float(salary_per_fte_year)
    benefit = pts * float(yuan_per_point_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, benefit / cost, np.nan)
    return pd.DataFrame(
        {
            "scenario": labels,
            "fte": f,
            "satisfaction_points": pts,
            "cost_yuan": cost,
            "benefit_yuan": benefit,
            "net_yuan": benefit - cost,
            "benefit_cost_ratio": ratio,
        }
    )


def what_if_service_levels(
    demand: pd.DataFrame,
    targets: Iterable[float],
    *,
    salary_per_fte_year: float,
    paid_hours_per_fte: float,
    annualise: float = 1.0,
    **staffing_params: Any,
) -> pd.DataFrame:
    """Staff, FTE and yearly cost for each service-level target.

    Parameters
    ----------
    demand : pandas.DataFrame
        As for :meth:`~bankperf_analysis.staffing.estimator.ErlangStaffing.fit`.
    targets : iterable of float
        Service-level targets to compare (e.g. 0.8, 0.9, 0.95).
    salary_per_fte_year : float
        Yearly cost of one FTE (yuan).
    paid_hours_per_fte : float
        Paid hours of one FTE over the period covered by ``demand``.
    annualise : float, default 1.0
        Number of such periods per year that the cost of an FTE refers to; the FTE is
        the same whatever the period, so cost = FTE x salary (``annualise`` only
        scales staff-hours reported per year).
    **staffing_params
        Other :class:`ErlangStaffing` parameters (``target_answer_seconds``,
        ``model``, ``shrinkage``...).

    Returns
    -------
    pandas.DataFrame
        ``target_service_level``, ``achieved_service_level`` (contact-weighted),
        ``required_staff_hours``, ``scheduled_staff_hours``, ``fte``, ``cost_yuan_year``.

    Examples
    --------
    >>> demand = pd.DataFrame({
    ...     "interval_start": pd.date_range("2026-01-05 09:00", periods=2, freq="30min"),
    ...     "contacts": [100, 60], "aht_seconds": [180.0, 180.0]})
    >>> w = what_if_service_levels(demand, [0.8, 0.95], salary_per_fte_year=100_000,
    ...                            paid_hours_per_fte=1.0, target_answer_seconds=20)
    >>> bool(w["fte"].is_monotonic_increasing)
    True
    """
    rows = []
    for target in targets:
        est = ErlangStaffing(target_service_level=target, **staffing_params).fit(demand)
        p = est.plan_
        w = p["contacts"].to_numpy(dtype=float)
        req_h = float((p["required_staff"] * p["interval_minutes"]).sum()) / 60.0
        sch_h = float((p["scheduled_staff"] * p["interval_minutes"]).sum()) / 60.0
        f = est.fte(paid_hours_per_fte)
        rows.append(
            {
                "target_service_level": float(target),
                "achieved_service_level": float((p["service_level"] * w).sum() / w.sum())
                if w.sum() > 0
                else 1.0,
                "required_staff_hours": req_h * annualise,
                "scheduled_staff_hours": sch_h * annualise,
                "fte": f,
                "cost_yuan_year": f * float(salary_per_fte_year),
            }
        )
    return pd.DataFrame(rows)

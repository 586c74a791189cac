"""Staffing levels in context: required vs rostered, minimum posts, cost vs benefit, what-if.

:func:`staffing_gap` and :func:`gap_pivot` compare required with rostered staff per
interval and per weekday x hour (drawn by :func:`plot_staffing_heatmap`);
:func:`check_minimum_posts` checks a branch's post rules; :func:`cost_benefit` and
:func:`what_if_service_levels` put money on a staffing level.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_positive, check_unit_interval
from bankperf_analysis.plots.staffing import gap_heatmap
from bankperf_analysis.staffing._checks import as_float, require_columns
from bankperf_analysis.staffing.estimator import ErlangStaffing

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
#: Roles counted as sales staff by :func:`check_minimum_posts` (domain.md, source 003).
DEFAULT_SALES_ROLES: tuple[str, ...] = ("customer_manager", "customer_service_rep", "lobby_manager")


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


def check_minimum_posts(
    staff: pd.DataFrame,
    *,
    sales_roles: Iterable[str] = DEFAULT_SALES_ROLES,
    min_sales_share: float = 0.5,
) -> pd.DataFrame:
    """Check a branch's minimum-post rules (domain.md, source 003).

    Rules: at least one ``lobby_manager``; at least one ``teller`` with
    ``counter_type == "non_cash"``; sales staff (``sales_roles``) at least
    ``min_sales_share`` of the branch's staff.

    Parameters
    ----------
    staff : pandas.DataFrame
        Columns ``staff_id``, ``role``, ``counter_type``; with a ``branch_id`` column
        every branch is checked separately.
    sales_roles : iterable of str
        Roles counted as sales staff.
    min_sales_share : float in (0, 1), default 0.5
        Minimum share of sales staff.

    Returns
    -------
    pandas.DataFrame
        One row per (branch and) rule: ``rule``, ``required``, ``actual``, ``passed``,
        ``message``.

    Examples
    --------
    >>> s = pd.DataFrame({"staff_id": [1, 2, 3], "role": ["lobby_manager", "teller",
    ...                   "customer_manager"], "counter_type": [None, "non_cash", None]})
    >>> check_minimum_posts(s)["passed"].tolist()
    [True, True, True]
    """
    require_columns(staff, ["staff_id", "role", "counter_type"], "staff")
    check_unit_interval(min_sales_share, "min_sales_share", "check_minimum_posts")
    counts = _post_counts(staff, set(sales_roles))
    if counts.empty:
        return pd.DataFrame([])
    return _post_rules(counts, min_sales_share, by_branch="branch_id" in staff.columns)


def _post_counts(staff: pd.DataFrame, roles: set[str]) -> pd.DataFrame:
    """Distinct staff per branch: all, lobby managers, non-cash tellers and sales staff.

    Every branch at once (one grouped pass), sorted; one row ``None`` without ``branch_id``.
    """
    key = staff["branch_id"] if "branch_id" in staff.columns else pd.Series(0, index=staff.index)
    sid = staff["staff_id"]
    role = staff["role"]
    masks = {
        "n_staff": pd.Series(True, index=staff.index),
        "n_lobby": role == "lobby_manager",
        "n_noncash": (role == "teller") & (staff["counter_type"] == "non_cash"),
        "n_sales": role.isin(roles),
    }
    counts = pd.DataFrame({k: sid.where(m).groupby(key, sort=True).nunique() for k, m in masks.items()})
    if "branch_id" not in staff.columns:  # one group, even without staff
        counts = counts.reindex([0], fill_value=0).set_axis([None])
    return counts.fillna(0).astype(np.int64)


def _post_rules(counts: pd.DataFrame, min_sales_share: float, *, by_branch: bool) -> pd.DataFrame:
    """The three minimum-post rules of every branch's counts, three rows per branch in order."""
    branch = counts.index.tolist()
    n_staff, n_lobby, n_noncash, n_sales = (counts[c].tolist() for c in counts.columns)
    share = [s / n if n else 0.0 for s, n in zip(n_sales, n_staff)]
    who = [f"Branch {b}: " if b is not None else "" for b in branch]
    lobby = [x >= 1 for x in n_lobby]
    noncash = [x >= 1 for x in n_noncash]
    sales_ok = [n > 0 and sh >= min_sales_share - 1e-12 for n, sh in zip(n_staff, share)]
    rules = [
        ("lobby_manager", 1.0, [float(x) for x in n_lobby], lobby,
         [f"{w}{x} lobby manager(s); at least 1 required." for w, x in zip(who, n_lobby)]),
        ("non_cash_teller", 1.0, [float(x) for x in n_noncash], noncash,
         [f"{w}{x} non-cash teller(s); at least 1 required." for w, x in zip(who, n_noncash)]),
        ("sales_share", float(min_sales_share), share, sales_ok,
         [f"{w}sales staff {s} of {n} ({sh:.0%}); at least {min_sales_share:.0%} required."
          for w, s, n, sh in zip(who, n_sales, n_staff, share)]),
    ]  # fmt: skip
    parts = [
        pd.DataFrame(
            {
                "_b": np.arange(len(branch)),
                "_k": k,
                "branch_id": branch,
                "rule": rule,
                "required": req,
                "actual": act,
                "passed": ok,
                "message": [("OK - " if o else "FAIL - ") + m for o, m in zip(ok, msg)],
            }
        )
        for k, (rule, req, act, ok, msg) in enumerate(rules)
    ]
    out = pd.concat(parts, ignore_index=True).sort_values(["_b", "_k"], kind="stable")
    out = out.drop(columns=["_b", "_k"] + ([] if by_branch else ["branch_id"]))
    return out.reset_index(drop=True)


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

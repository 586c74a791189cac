"""Branch staffing plans (定编) from a loaded dataset: demand, staff, posts, cost.

One plan answers, for a branch and the quarter after a reporting quarter: how many
staff each contact queue needs in every weekday x time-of-day interval to meet the
service standard, how that compares with the current roster, what headcount each
role should have, whether the minimum-post rules hold, and what the extra staff
cost against the revenue value of the satisfaction gain one *assumes* for it.

Definitions
-----------
Queues
    ``"counter"`` (walk-in counter visits, served by tellers) and ``"phone_online"``
    (phone calls and online chats pooled: both are answered by customer-service
    reps, so one Erlang queue with the pooled arrivals models them). With
    ``channel=...`` only that channel is planned, as its own queue.
Open day
    A date, not a public holiday of ``dataset.yaml``, on which the branch had at
    least one contact (any channel). Holidays are left out of every average: the
    plan is for ordinary days.
Observed demand
    For each weekday x interval of the day: contacts *offered* (answered and
    abandoned) in the reporting quarter, divided by the number of the branch's open
    days of that weekday in the quarter.
Planning demand
    The same average over the ordinary days of the *next* quarter, forecast by
    :class:`~bankperf_analysis.staffing.forecast.DemandForecaster` (negative binomial,
    weekday x interval + month-end and holiday effects) fitted on up to 52 weeks of
    history ending with the reporting quarter. Month-end days enter the average
    with their forecast bump. When a branch has less than ``MIN_HISTORY_DAYS`` of
    history (or ``forecast=False``) the observed demand is used instead;
    ``demand_source`` says which.
AHT
    Mean ``end_ts - answer_ts`` of the answered contacts of the branch and queue in
    the reporting quarter (per-interval AHTs are too noisy at branch volumes); the
    bank-wide AHT of the queue when the branch has none.
Required staff
    Smallest number of agents meeting *both* targets of the scheme -- service level
    (95 % answered within 30 s) and mean response (ASA <= 180 s) -- per interval,
    from :func:`~bankperf_analysis.staffing.required.required_staff` (Erlang C by default;
    Erlang A uses each branch and queue's mean patience, estimated as total waiting
    exposure / abandonments). Intervals with no demand (branch closed) need 0.
Required on shift (``scheduled_staff``, heatmap ``required``)
    Required staff / (1 - shrinkage), rounded up.
Rostered staff
    Present shifts of the queue's role overlapping each interval (a shift covering
    part of an interval counts by the share covered), averaged over the same open
    days. Needs the optional ``roster`` table; otherwise ``NaN``.
Gap
    Rostered - required on shift: negative = understaffed if the current roster is
    kept next quarter.
FTE
    Staff-hours of one typical week / ``paid_hours_per_week`` (40 by default).
    Planned headcount rounds FTE up; a real shift plan needs some slack on top.

The cost-benefit table puts the yearly salary of the extra staff next to the
revenue value of a satisfaction gain. That gain is a *planning assumption* (by
default the source's plan of +10 points in year one, 65 % -> 75 %, domain.md,
source 001), never a measured effect of the staffing change.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.schema import ROLES
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.periods import Period
from bankperf_analysis.staffing.levels import check_minimum_posts, cost_benefit, plot_staffing_heatmap
from bankperf_analysis.staffing.required import achieved_service, required_staff, scheduled_staff

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.scheme.model import Scheme

__all__ = [
    "Channel",
    "StaffingPlan",
    "branch_staffing_plan",
    "branch_staffing_inputs",
    "plot_branch_staffing",
    "QUEUE_ROLES",
    "DEFAULT_SATISFACTION_POINTS",
    "DEFAULT_TARGETS",
    "PAID_HOURS_PER_WEEK",
    "MIN_HISTORY_DAYS",
]

Channel = Literal["phone", "counter", "online"]
PlanModel = Literal["erlang_c", "erlang_a"]

#: Role that answers each queue (and each single channel when ``channel`` is given).
QUEUE_ROLES: dict[str, str] = {
    "counter": "teller",
    "phone_online": "customer_service_rep",
    "phone": "customer_service_rep",
    "online": "customer_service_rep",
}
#: Planning assumption: satisfaction points gained in year one (source 001's plan,
#: 65 % -> 75 %); not a measured effect.
DEFAULT_SATISFACTION_POINTS = 10.0
#: Service-level targets of the what-if table.
DEFAULT_TARGETS: tuple[float, ...] = (0.80, 0.90, 0.95)
#: Paid hours of one FTE per week (bank-specific default, not from the sources).
PAID_HOURS_PER_WEEK = 40.0
#: Days of history (first to last open day) needed to forecast instead of using the
#: observed profile.
MIN_HISTORY_DAYS = 56
#: Weeks of history the forecaster is fitted on.
HISTORY_WEEKS = 52

_INTERVALS = (15, 30, 60)
_WEEKDAYS = {"en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
             "zh": ("周一", "周二", "周三", "周四", "周五", "周六", "周日")}
# Plot titles not (yet) in bankperf_analysis.i18n.
_PLOT_TITLES = {
    "gap": ("Rostered minus required staff", "排班人数减所需人数"),
    "shortfall": ("Staff missing in understaffed queues", "人员不足队列的缺口"),
    "required": ("Required staff on shift", "所需在岗人数"),
    "rostered": ("Rostered staff", "排班人数"),
    "contacts": ("Contacts per hour", "每小时接触量"),
}
_STAFF_UNIT = ("staff", "人数")
_KEY = ["branch_id", "queue", "weekday", "slot"]


# --------------------------------------------------------------------------- summary


class _PlanSummary:
    """Notebook-friendly summary of several tables (``as_text``, ``as_html``)."""

    def __init__(self, title: str, sections: Sequence[tuple[str, pd.DataFrame, bool, Sequence[str]]],
                 notes: Sequence[str] = ()):
        self.title = title
        self.sections = list(sections)
        self.notes = tuple(notes)

    def as_text(self) -> str:
        """Return the summary as plain text."""
        out = [self.title, "=" * len(self.title)]
        for heading, frame, index, notes in self.sections:
            out += ["", heading, "-" * len(heading)]
            out.append(frame.to_string(index=index, float_format=lambda v: f"{v:,.2f}")
                       if len(frame) else "(none)")
            out += list(notes)
        if self.notes:
            out += ["", *self.notes]
        return "\n".join(out)

    def as_html(self) -> str:
        """Return the summary as an HTML fragment."""
        parts = [f"<h4>{html.escape(self.title)}</h4>"]
        for heading, frame, index, notes in self.sections:
            parts.append(f"<h5>{html.escape(heading)}</h5>")
            parts.append(frame.to_html(index=index, float_format=lambda v: f"{v:,.2f}")
                         if len(frame) else "<p>(none)</p>")
            parts += [f"<p>{html.escape(n)}</p>" for n in notes]
        parts += [f"<p>{html.escape(n)}</p>" for n in self.notes]
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class StaffingPlan:
    """Staffing plan of one branch for the quarter after ``quarter``.

    Attributes
    ----------
    branch_id : str
        Branch planned.
    quarter : str
        Reporting quarter whose data (and roster) the plan starts from.
    plan_quarter : str
        Quarter planned for (the next one).
    demand_source : str
        ``"forecast"`` (next quarter, :class:`DemandForecaster`) or ``"observed"``
        (the reporting quarter's profile).
    interval_minutes : int
        Interval length.
    model : str
        Queueing model (``"erlang_c"`` or ``"erlang_a"``).
    service_level_target, answer_seconds, max_asa_seconds, shrinkage : float
        Targets and shrinkage from the scheme.
    has_roster : bool
        Whether the dataset has a roster (else rostered staff and gaps are NaN).
    intervals : pandas.DataFrame
        One row per queue x weekday x interval of the day (see :meth:`to_frame`).
    heatmap : pandas.DataFrame
        ``branch_id``, ``weekday`` (0 = Monday), ``hour``, ``contacts`` (per hour),
        ``required_productive`` (agents), ``required`` (on shift, after shrinkage),
        ``rostered``, ``gap`` (rostered - required) and ``shortfall`` (the negative
        gaps of the queues that are short, summed; <= 0), summed over queues and
        averaged over the intervals of the hour.
    headcount : pandas.DataFrame
        One row per role: FTE required, scheduled, rostered; current, minimum and
        planned headcount (定编) and the basis of the plan.
    posts : pandas.DataFrame
        Minimum-post rules on the current staff (``rule``, ``passed``, ``message``).
    cost_benefit : pandas.DataFrame
        ``extra_fte`` (headcount the plan adds), ``surplus_fte`` (headcount above the
        plan, not counted as a saving), ``cost_yuan_per_year`` (extra FTE x salary),
        ``satisfaction_points_assumed``, ``benefit_yuan_per_year`` (points x yuan per
        point), ``net_yuan_per_year``, ``benefit_cost_ratio``, ``break_even_points``
        (points the cost needs to pay off) and the ``assumption`` in words.
    what_if : pandas.DataFrame
        Per service-level target: ``achieved_service_level`` (contact-weighted),
        ``peak_staff`` (on shift, busiest interval), ``staff_hours_per_week`` (on
        shift), ``fte``, ``current_headcount`` (of the contact-handling roles) and
        ``cost_yuan_per_year`` (FTE x salary).
    """

    branch_id: str
    quarter: str
    plan_quarter: str
    demand_source: str
    interval_minutes: int
    model: str
    service_level_target: float
    answer_seconds: float
    max_asa_seconds: float
    shrinkage: float
    has_roster: bool
    intervals: pd.DataFrame = field(repr=False)
    heatmap: pd.DataFrame = field(repr=False)
    headcount: pd.DataFrame = field(repr=False)
    posts: pd.DataFrame = field(repr=False)
    cost_benefit: pd.DataFrame = field(repr=False)
    what_if: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Return the interval plan: one row per queue x weekday x interval of the day.

        Columns: ``branch_id``, ``queue``, ``role``, ``weekday`` (0 = Monday),
        ``weekday_name``, ``slot``, ``time`` (``HH:MM``), ``hour``,
        ``contacts_observed`` (reporting quarter), ``contacts`` (planning demand),
        ``demand_source``, ``aht_seconds``, ``traffic_erlangs``, ``required_staff``
        (agents), ``scheduled_staff`` (on shift), ``service_level`` and
        ``asa_seconds`` (achieved with ``required_staff``), ``rostered_staff``,
        ``gap`` (rostered - scheduled) and ``rostered_service_level`` (the service
        level the current roster would give, after shrinkage).
        """
        return self.intervals.copy()

    def pivot(self, value: str = "gap", *, queue: str | None = None) -> pd.DataFrame:
        """Weekday x hour table of a heatmap column (``gap``, ``required``, ``rostered``...).

        With ``queue`` (``"counter"``, ``"phone_online"``...), the table is built from
        that queue's intervals only: the branch heatmap sums the queues, so a surplus
        of tellers can hide a shortage of customer-service reps.
        """
        if queue is None:
            return _pivot(self.heatmap, value, "en")
        iv = self.intervals[self.intervals["queue"] == queue]
        if iv.empty:
            raise _param_error("queue", "StaffingPlan.pivot",
                               "one of " + ", ".join(map(repr, sorted(self.intervals["queue"].unique()))),
                               queue)
        return _pivot(_heatmap(iv, self.has_roster), value, "en")

    def plot(self, value: str = "gap", *, lang: str = "en", ax: Axes | None = None) -> Figure:
        """Heatmap of ``value`` by weekday and hour (see :func:`plot_branch_staffing`)."""
        return plot_branch_staffing(self.heatmap, value=value, lang=lang, ax=ax)

    def summary(self) -> _PlanSummary:
        """Demand, required vs rostered, headcount, posts, cost vs benefit and what-if."""
        iv = self.intervals
        minutes = self.interval_minutes
        wk = _WEEKDAYS["en"]
        demand_rows, staff_rows = [], []
        for (queue, role), g in iv.groupby(["queue", "role"], sort=True):
            peak = g.loc[g["contacts"].idxmax()] if g["contacts"].max() > 0 else None
            demand_rows.append({
                "queue": queue, "role": role,
                "contacts_per_week": g["contacts"].sum(),
                "observed_per_week": g["contacts_observed"].sum(),
                "aht_seconds": g["aht_seconds"].max(),
                "peak_interval": (f"{wk[int(peak['weekday'])]} {peak['time']}"
                                  if peak is not None else "-"),
                "peak_contacts": peak["contacts"] if peak is not None else 0.0,
            })
            open_ = g[g["contacts"] > 0]
            row = {
                "queue": queue,
                "agent_hours_per_week": g["required_staff"].sum() * minutes / 60,
                "on_shift_hours_per_week": g["scheduled_staff"].sum() * minutes / 60,
                "rostered_hours_per_week": g["rostered_staff"].sum() * minutes / 60
                if self.has_roster else np.nan,
            }
            if self.has_roster:
                under = g[g["gap"] < -1e-9]
                worst = g.loc[g["gap"].idxmin()] if len(under) else g.loc[g["gap"].idxmax()]
                w = open_["contacts"].to_numpy()
                row.update({
                    "understaffed_intervals": f"{len(under)} of {int((g['scheduled_staff'] > 0).sum())}",
                    "worst_gap": f"{wk[int(worst['weekday'])]} {worst['time']}: {worst['gap']:+.1f}",
                    "service_level_with_roster": float(
                        (open_["rostered_service_level"] * w).sum() / w.sum()) if w.sum() else np.nan,
                })
            staff_rows.append(row)
        sl = f"{self.service_level_target:.0%} within {self.answer_seconds:g} s"
        sections: list[tuple[str, pd.DataFrame, bool, Sequence[str]]] = [
            ("Demand (contacts per typical week)", pd.DataFrame(demand_rows), False,
             [f"Planning demand: {self.demand_source} ({self.plan_quarter}); observed: "
              f"{self.quarter}, ordinary open days."]),
            ("Required vs rostered", pd.DataFrame(staff_rows), False,
             [f"Agents meet {sl} and mean response <= {self.max_asa_seconds:g} s "
              f"({self.model}); on shift = agents / (1 - {self.shrinkage:g} shrinkage)."]),
        ]
        if self.has_roster:
            for queue in sorted(iv["queue"].unique()):
                pv = self.pivot("gap", queue=queue).round(1)
                pv = pv.loc[:, (pv != 0).any(axis=0)] if (pv != 0).any().any() else pv
                sections.append((f"Gap, {queue}: rostered - required on shift (weekday x hour)", pv,
                                 True, ["Negative = understaffed if the current roster is kept."]))
        hc = self.headcount.drop(columns=["branch_id"])
        sections += [
            ("Headcount (定编)", hc, False,
             [f"FTE = staff-hours of a typical week / {PAID_HOURS_PER_WEEK:g} h unless set "
              "otherwise; planned headcount rounds up (a shift plan needs some slack)."]),
            ("Minimum posts", self.posts[["rule", "passed", "message"]], False, []),
            ("Cost vs benefit (yuan per year)",
             self.cost_benefit.drop(columns=["branch_id", "assumption"]), False,
             [str(self.cost_benefit["assumption"].iloc[0])] if len(self.cost_benefit) else []),
            ("What if: service-level target", self.what_if.drop(columns=["branch_id"]), False,
             [f"Same mean-response limit and shrinkage; answered within {self.answer_seconds:g} s."]),
        ]
        title = (f"Staffing plan: branch {self.branch_id}, {self.plan_quarter} "
                 f"(from {self.quarter} data), {self.interval_minutes}-min intervals")
        return _PlanSummary(title, sections)


# --------------------------------------------------------------------------- validation


def _param_error(name: str, owner: str, expected: str, got: Any) -> ParamsError:
    return ParamsError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    )


def _quarter(quarter: Any, owner: str) -> Period:
    try:
        q = Period.parse(quarter)
    except (ParamsError, TypeError, ValueError, AttributeError):
        raise _param_error("quarter", owner, "a quarter like '2026Q4'", quarter) from None
    if q.kind != "quarter":
        raise _param_error("quarter", owner, "a quarter like '2026Q4'", quarter)
    return q


def _check_options(owner: str, channel: Any, interval_minutes: Any, model: Any,
                   satisfaction_points: Any, targets: Any, paid_hours_per_week: Any) -> tuple:
    if channel not in (None, "phone", "counter", "online"):
        raise _param_error("channel", owner, "one of None, 'phone', 'counter', 'online'", channel)
    if isinstance(interval_minutes, bool) or interval_minutes not in _INTERVALS:
        raise _param_error("interval_minutes", owner, "one of 15, 30, 60", interval_minutes)
    if model not in ("erlang_c", "erlang_a"):
        raise _param_error("model", owner, "one of 'erlang_c', 'erlang_a'", model)
    if (isinstance(satisfaction_points, bool) or not isinstance(satisfaction_points, int | float)
            or not np.isfinite(satisfaction_points)):
        raise _param_error("satisfaction_points", owner, "a finite float", satisfaction_points)
    tg = tuple(targets)
    if not tg or not all(isinstance(x, int | float) and not isinstance(x, bool) and 0 < x < 1
                         for x in tg):
        raise _param_error("targets", owner, "a non-empty sequence of floats in (0, 1)", targets)
    if (isinstance(paid_hours_per_week, bool) or not isinstance(paid_hours_per_week, int | float)
            or not paid_hours_per_week > 0):
        raise _param_error("paid_hours_per_week", owner, "a positive float", paid_hours_per_week)
    return tg


# --------------------------------------------------------------------------- data


def _queue_sql(channel: str | None) -> str:
    if channel is not None:
        return "channel"
    return "CASE WHEN channel = 'counter' THEN 'counter' ELSE 'phone_online' END"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)


def _contact_stats(ds: Dataset, start: dt.date, end: dt.date, minutes: int,
                   branch_ids: list[str] | None, channel: str | None) -> pd.DataFrame:
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
        WHERE {' AND '.join(where)}
        GROUP BY ALL
    """
    df = ds.sql(q, [dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())])
    df["branch_id"] = df["branch_id"].astype(str)
    df["date"] = pd.to_datetime(df["date"])
    df["weekday"] = df["date"].dt.day_of_week.astype(np.int64)
    for c in ("contacts", "answered", "abandoned", "slot"):
        df[c] = df[c].astype(np.int64)
    return df


def _roster_stats(ds: Dataset, start: dt.date, end: dt.date, minutes: int,
                  branch_ids: list[str] | None) -> pd.DataFrame:
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
    df = ds.sql(f"SELECT staff_id, branch_id, role, counter_type FROM staff WHERE {where}",
                [q.end, q.end])
    df["branch_id"] = df["branch_id"].astype(str)
    return df


# --------------------------------------------------------------------------- demand


def _forecast_profile(stats: pd.DataFrame, branches: Sequence[str], q: Period, minutes: int,
                      holidays: Sequence[Any]) -> pd.DataFrame:
    """Next quarter's mean contacts per ordinary day, branch x queue x weekday x slot."""
    from bankperf_analysis.staffing.forecast import DemandForecaster

    hist = stats[stats["branch_id"].isin(branches)]
    if hist.empty:
        return pd.DataFrame(columns=[*_KEY, "contacts"])
    # The forecaster's zero-filled grid (as forecast.aggregate_contacts builds it),
    # built from the SQL counts rather than one row per contact.
    counts = hist[["branch_id", "queue", "date", "weekday", "slot", "contacts"]].rename(
        columns={"queue": "channel"})
    open_days = counts[["branch_id", "date", "weekday"]].drop_duplicates()
    slots = counts[["branch_id", "channel", "weekday", "slot"]].drop_duplicates()
    grid = open_days.merge(slots, on=["branch_id", "weekday"], how="inner").merge(
        counts[["branch_id", "channel", "date", "slot", "contacts"]],
        on=["branch_id", "channel", "date", "slot"], how="left")
    grid["contacts"] = grid["contacts"].fillna(0).astype(np.int64)
    grid["interval_start"] = grid["date"] + pd.to_timedelta(grid["slot"] * minutes, unit="min")
    grid = grid[["branch_id", "channel", "interval_start", "date", "weekday", "slot", "contacts"]]
    grid = grid.sort_values(["branch_id", "channel", "interval_start"]).reset_index(drop=True)
    est = DemandForecaster(model="negbin", interval_minutes=minutes, by_channel=True,
                           holidays=list(holidays))
    est._fit_grid(grid)  # noqa: SLF001 - same package; fit() would need one row per contact
    nq = q.shift(1)
    pred = est.predict(pd.Timestamp(nq.start), pd.Timestamp(nq.end))
    day = pred["interval_start"].dt.normalize()
    hol = pd.DatetimeIndex(pd.to_datetime(list(holidays))).normalize() if holidays else None
    if hol is not None:
        pred = pred[~day.isin(hol)]
        day = day[pred.index]
    pred = pred.assign(weekday=day.dt.day_of_week.astype(np.int64),
                       slot=((pred["interval_start"] - day).dt.total_seconds() // (60 * minutes))
                       .astype(np.int64))
    return (pred.rename(columns={"channel": "queue"})
            .groupby(_KEY, as_index=False)["expected_contacts"].mean()
            .rename(columns={"expected_contacts": "contacts"}))


def _observed_profile(qstats: pd.DataFrame, open_days: pd.DataFrame) -> pd.DataFrame:
    tot = qstats.groupby(_KEY, as_index=False)["contacts"].sum()
    tot = tot.merge(open_days, on=["branch_id", "weekday"], how="left")
    tot["contacts"] = tot["contacts"] / tot["n_days"]
    return tot[[*_KEY, "contacts"]]


# --------------------------------------------------------------------------- core


@dataclass
class _Config:
    q: Period
    minutes: int
    channel: str | None
    model: str
    forecast: bool
    points: float
    targets: tuple[float, ...]
    paid_hours: float
    sl_target: float
    answer_seconds: float
    max_asa: float
    shrinkage: float
    salary: float
    yuan_per_point: float
    sales_roles: tuple[str, ...]
    min_sales_share: float


def _config(scheme: Scheme | None, q: Period, minutes: int, channel: str | None, model: str,
            forecast: bool, points: float, targets: tuple[float, ...],
            paid_hours: float) -> _Config:
    from bankperf_analysis.scheme.model import load_scheme

    scheme = scheme if scheme is not None else load_scheme()
    s = scheme.staffing
    return _Config(q=q, minutes=int(minutes), channel=channel, model=model, forecast=bool(forecast),
                   points=float(points), targets=targets, paid_hours=float(paid_hours),
                   sl_target=float(s.service_level_target),
                   answer_seconds=float(scheme.definitions.service_level_seconds),
                   max_asa=float(s.max_mean_response_seconds), shrinkage=float(s.shrinkage),
                   salary=float(s.salary_per_fte_yuan_per_year),
                   yuan_per_point=float(s.yuan_per_satisfaction_point_per_year),
                   sales_roles=tuple(s.sales_roles), min_sales_share=float(s.min_sales_share))


def _required(df: pd.DataFrame, cfg: _Config, target: float) -> np.ndarray:
    return required_staff(
        df["traffic_erlangs"].to_numpy(dtype=float), df["aht_seconds"].to_numpy(dtype=float),
        target_service_level=target, target_answer_seconds=cfg.answer_seconds,
        max_asa_seconds=cfg.max_asa, model=cfg.model,  # type: ignore[arg-type]
        patience_seconds=df["patience_seconds"].to_numpy(dtype=float)
        if cfg.model == "erlang_a" else None)


def _service(staff: np.ndarray, df: pd.DataFrame, cfg: _Config) -> tuple[np.ndarray, np.ndarray]:
    m = achieved_service(staff, df["traffic_erlangs"].to_numpy(dtype=float),
                         df["aht_seconds"].to_numpy(dtype=float), answer_seconds=cfg.answer_seconds,
                         model=cfg.model,  # type: ignore[arg-type]
                         patience_seconds=df["patience_seconds"].to_numpy(dtype=float)
                         if cfg.model == "erlang_a" else None)
    sl = np.where(df["traffic_erlangs"].to_numpy() > 0, m.service_level, np.nan)
    asa = np.where(df["traffic_erlangs"].to_numpy() > 0, m.asa_seconds, np.nan)
    return sl, asa


def _build(ds: Dataset, cfg: _Config, branch_ids: list[str] | None) -> dict[str, Any]:
    """Every frame of the plans of ``branch_ids`` (None: all branches) at once."""
    q, minutes = cfg.q, cfg.minutes
    holidays = [str(h) for h in (ds.meta or {}).get("holidays", []) or []]
    hol = pd.DatetimeIndex(pd.to_datetime(holidays)).normalize() if holidays else pd.DatetimeIndex([])
    branches = ds.sql("SELECT branch_id, branch_type FROM branches ORDER BY branch_id")
    branches["branch_id"] = branches["branch_id"].astype(str)
    if branch_ids is not None:
        branches = branches[branches["branch_id"].isin(branch_ids)]
    all_ids = branches["branch_id"].tolist()
    has_roster = ds.has("roster")

    # --- contacts: one aggregation over the forecaster's history window
    hist_start = q.end - dt.timedelta(weeks=HISTORY_WEEKS)
    if ds.has("contacts"):
        stats = _contact_stats(ds, hist_start if cfg.forecast else q.start, q.end, minutes,
                               branch_ids, cfg.channel)
    else:
        stats = pd.DataFrame({
            "branch_id": pd.Series(dtype=str), "queue": pd.Series(dtype=str),
            "date": pd.Series(dtype="datetime64[ns]"),
            **{c: pd.Series(dtype=np.int64) for c in ("slot", "contacts", "answered", "abandoned",
                                                      "weekday")},
            **{c: pd.Series(dtype=float) for c in ("handle_seconds", "exposure_seconds")}})
    stats = stats[~stats["date"].isin(hol)] if len(stats) else stats
    qstats = stats[stats["date"] >= pd.Timestamp(q.start)]
    open_days = (qstats[["branch_id", "date", "weekday"]].drop_duplicates()
                 .groupby(["branch_id", "weekday"]).size().rename("n_days").reset_index())

    # demand profile: forecast where the history allows, else observed
    observed = _observed_profile(qstats, open_days)
    span = stats.groupby("branch_id")["date"].agg(["min", "max"])
    long_enough = span.index[((span["max"] - span["min"]).dt.days + 1) >= MIN_HISTORY_DAYS]
    fc_ids = sorted(set(long_enough) & set(qstats["branch_id"])) if cfg.forecast else []
    fc = (_forecast_profile(stats, fc_ids, q, minutes, holidays) if fc_ids
          else pd.DataFrame(columns=[*_KEY, "contacts"]))
    has_q = set(qstats["branch_id"])
    source = {b: ("forecast" if b in fc_ids else "observed" if b in has_q else "none")
              for b in all_ids}

    # AHT (and Erlang A patience) per branch x queue, bank-wide fallback per queue
    agg = qstats.groupby(["branch_id", "queue"], as_index=False)[
        ["answered", "handle_seconds", "exposure_seconds", "abandoned"]].sum()
    bank = agg.groupby("queue")[["answered", "handle_seconds"]].sum()
    bank_aht = (bank["handle_seconds"] / bank["answered"].where(bank["answered"] > 0)).to_dict()

    # --- grid: branch x queue x weekday x slot over the branch's day span
    queues = [cfg.channel] if cfg.channel else ["counter", "phone_online"]
    slot_sets = [observed[["branch_id", "slot"]], fc[["branch_id", "slot"]]]
    roster = pd.DataFrame({"branch_id": pd.Series(dtype=str), "role": pd.Series(dtype=str),
                           "date": pd.Series(dtype="datetime64[ns]"),
                           "slot": pd.Series(dtype=np.int64), "staff": pd.Series(dtype=float),
                           "weekday": pd.Series(dtype=np.int64)})
    if has_roster and len(open_days):
        roster = _roster_stats(ds, q.start, q.end, minutes, branch_ids)
        roster = roster[~roster["date"].isin(hol)]
        roster["weekday"] = roster["date"].dt.day_of_week.astype(np.int64)
        # only the branch's open days, so that roster and demand share a denominator
        od = qstats[["branch_id", "date"]].drop_duplicates()
        roster = roster.merge(od, on=["branch_id", "date"], how="inner")
        slot_sets.append(roster[["branch_id", "slot"]])
    slot_span = (pd.concat(slot_sets, ignore_index=True).astype({"slot": np.int64})
                 .groupby("branch_id")["slot"].agg(["min", "max"]))
    parts = []
    for b, (lo, hi) in slot_span.iterrows():
        s = np.arange(int(lo), int(hi) + 1)
        idx = pd.MultiIndex.from_product([[b], queues, range(7), s], names=_KEY)
        parts.append(idx.to_frame(index=False))
    grid = (pd.concat(parts, ignore_index=True) if parts
            else pd.DataFrame({c: pd.Series(dtype=object if c in ("branch_id", "queue") else np.int64)
                               for c in _KEY}))
    grid = grid.astype({"weekday": np.int64, "slot": np.int64})
    grid = grid.merge(observed.rename(columns={"contacts": "contacts_observed"}), on=_KEY, how="left")
    grid = grid.merge(fc, on=_KEY, how="left")
    grid["contacts_observed"] = grid["contacts_observed"].astype(float).fillna(0.0)
    grid["demand_source"] = grid["branch_id"].map(source).fillna("observed")
    use_fc = grid["demand_source"] == "forecast"
    grid["contacts"] = np.where(use_fc, grid["contacts"].astype(float).fillna(0.0),
                                grid["contacts_observed"])
    grid["role"] = grid["queue"].map(QUEUE_ROLES)
    grid = grid.merge(agg, on=["branch_id", "queue"], how="left")
    aht = grid["handle_seconds"] / grid["answered"].where(grid["answered"] > 0)
    aht = aht.fillna(grid["queue"].map(bank_aht))
    grid["aht_seconds"] = aht.fillna(300.0).astype(float)  # 300 s only if no answered contact at all
    grid["patience_seconds"] = (grid["exposure_seconds"] / grid["abandoned"].where(grid["abandoned"] > 0)
                                ).fillna(1e7).clip(lower=1.0)
    grid["traffic_erlangs"] = grid["contacts"] * grid["aht_seconds"] / (60.0 * minutes)

    # --- Erlang step: every branch's intervals in one vectorised call
    req = _required(grid, cfg, cfg.sl_target)
    grid["required_staff"] = req.astype(np.int64)
    grid["scheduled_staff"] = scheduled_staff(req, cfg.shrinkage).astype(np.int64)
    grid["service_level"], grid["asa_seconds"] = _service(req, grid, cfg)

    # --- roster per weekday x slot (mean over open days)
    if has_roster:
        ros = roster.assign(queue=roster["role"].map(
            {r: qn for qn, r in QUEUE_ROLES.items() if qn in queues}))
        per = ros.dropna(subset=["queue"]).groupby(_KEY, as_index=False)["staff"].sum()
        per = per.merge(open_days, on=["branch_id", "weekday"], how="left")
        per["rostered_staff"] = per["staff"] / per["n_days"]
        grid = grid.merge(per[[*_KEY, "rostered_staff"]], on=_KEY, how="left")
        grid["rostered_staff"] = grid["rostered_staff"].fillna(0.0)
        grid["gap"] = grid["rostered_staff"] - grid["scheduled_staff"]
        productive = np.floor(grid["rostered_staff"].to_numpy() * (1.0 - cfg.shrinkage) + 1e-9)
        grid["rostered_service_level"] = _service(productive.astype(np.int64), grid, cfg)[0]
        role_hours = (ros.merge(open_days, on=["branch_id", "weekday"], how="inner")
                      .assign(h=lambda d: d["staff"] / d["n_days"] * minutes / 60.0)
                      .groupby(["branch_id", "role"])["h"].sum())
    else:
        grid["rostered_staff"] = np.nan
        grid["gap"] = np.nan
        grid["rostered_service_level"] = np.nan
        role_hours = pd.Series(dtype=float)

    wk = _WEEKDAYS["en"]
    grid["weekday_name"] = grid["weekday"].map(dict(enumerate(wk)))
    grid["hour"] = (grid["slot"] * minutes // 60).astype(np.int64)
    grid["time"] = [f"{m // 60:02d}:{m % 60:02d}" for m in (grid["slot"] * minutes)]
    cols = ["branch_id", "queue", "role", "weekday", "weekday_name", "slot", "time", "hour",
            "contacts_observed", "contacts", "demand_source", "aht_seconds", "patience_seconds",
            "traffic_erlangs", "required_staff", "scheduled_staff", "service_level", "asa_seconds",
            "rostered_staff", "gap", "rostered_service_level"]
    intervals = grid[cols].sort_values(["branch_id", "queue", "weekday", "slot"]).reset_index(drop=True)
    if cfg.model != "erlang_a":
        intervals = intervals.drop(columns=["patience_seconds"])

    heatmap = _heatmap(intervals, has_roster)
    staff = _current_staff(ds, q, branch_ids)
    plan = _headcount(intervals, staff, branches, role_hours, has_roster, cfg)
    posts = _posts(staff, branches, cfg)
    cb = _cost_benefit(plan, all_ids, cfg)
    what_if = _what_if(grid, staff, all_ids, cfg)
    return {"intervals": intervals, "heatmap": heatmap, "plan": plan, "posts": posts,
            "cost_benefit": cb, "what_if": what_if, "source": source, "has_roster": has_roster}


def _heatmap(intervals: pd.DataFrame, has_roster: bool) -> pd.DataFrame:
    per_slot = intervals.groupby(["branch_id", "weekday", "hour", "slot"], as_index=False).agg(
        contacts=("contacts", "sum"), required_productive=("required_staff", "sum"),
        required=("scheduled_staff", "sum"), rostered=("rostered_staff", "sum"))
    hm = per_slot.groupby(["branch_id", "weekday", "hour"], as_index=False).agg(
        contacts=("contacts", "sum"), required_productive=("required_productive", "mean"),
        required=("required", "mean"), rostered=("rostered", "mean"))
    if not has_roster:
        hm["rostered"] = np.nan
    hm["gap"] = hm["rostered"] - hm["required"]
    # shortfall: staff missing in the queues that are short (a surplus elsewhere does not help)
    short = (intervals.assign(s=intervals["gap"].clip(upper=0.0))
             .groupby(["branch_id", "weekday", "hour", "slot"])["s"].sum(min_count=1)
             .groupby(["branch_id", "weekday", "hour"]).mean())
    hm["shortfall"] = short.reindex(pd.MultiIndex.from_frame(hm[["branch_id", "weekday", "hour"]])
                                    ).to_numpy(dtype=float)
    return hm.astype({"weekday": np.int64, "hour": np.int64}).reset_index(drop=True)


def _rostered_fte(role_hours: pd.Series, branch: str, role: str, has_roster: bool,
                  cfg: _Config) -> float:
    """Rostered FTE of a role; NaN without a roster or for roles the roster never lists."""
    rostered_roles = set(role_hours.index.get_level_values("role")) if len(role_hours) else set()
    if not has_roster or (role not in rostered_roles and role not in QUEUE_ROLES.values()):
        return float("nan")
    return float(role_hours.get((branch, role), 0.0)) / cfg.paid_hours


def _headcount(intervals: pd.DataFrame, staff: pd.DataFrame, branches: pd.DataFrame,
               role_hours: pd.Series, has_roster: bool, cfg: _Config) -> pd.DataFrame:
    minutes = cfg.minutes
    contact = intervals.groupby(["branch_id", "queue", "role"], as_index=False).agg(
        contacts_per_week=("contacts", "sum"), req=("required_staff", "sum"),
        sch=("scheduled_staff", "sum"))
    contact["required_fte"] = contact["req"] * minutes / 60.0 / cfg.paid_hours
    contact["scheduled_fte"] = contact["sch"] * minutes / 60.0 / cfg.paid_hours
    current = staff.groupby(["branch_id", "role"]).size()
    flagship = set(branches.loc[branches["branch_type"] == "flagship", "branch_id"])
    roles = list(ROLES)
    add_role = "customer_manager" if "customer_manager" in cfg.sales_roles else cfg.sales_roles[0]
    rows = []
    sl = f"{cfg.sl_target:.0%} in {cfg.answer_seconds:g} s, ASA <= {cfg.max_asa:g} s"
    for b in branches["branch_id"]:
        present = set(staff.loc[staff["branch_id"] == b, "role"])
        brows = []
        for role in roles + sorted(present - set(roles)):
            cur = int(current.get((b, role), 0))
            c = contact[(contact["branch_id"] == b) & (contact["role"] == role)]
            rfte = _rostered_fte(role_hours, b, role, has_roster, cfg)
            minimum = int(role in ("lobby_manager", "teller")  # posts every branch has
                          or (role == "customer_manager" and b in flagship))
            if len(c):
                sch = float(c["scheduled_fte"].sum())
                need = int(np.ceil(sch - 1e-9))
                planned = max(need, minimum)
                basis = (f"{cfg.model}: {sl}, shrinkage {cfg.shrinkage:g}" if need >= minimum
                         else "minimum post")
                row = dict(queue=",".join(c["queue"]), contacts_per_week=float(c["contacts_per_week"].sum()),
                           required_fte=float(c["required_fte"].sum()), scheduled_fte=sch)
            else:
                if role not in present and not minimum:
                    continue
                planned = max(cur, minimum)
                basis = "minimum post" if planned > cur else "kept at current headcount"
                row = dict(queue="", contacts_per_week=np.nan, required_fte=np.nan, scheduled_fte=np.nan)
            brows.append({"branch_id": b, "role": role, **row, "rostered_fte": rfte,
                          "current_headcount": cur, "minimum_headcount": minimum,
                          "planned_headcount": planned, "basis": basis})
        # sales share >= min_sales_share: add customer managers (or the first sales role)
        tot = sum(r["planned_headcount"] for r in brows)
        sales = sum(r["planned_headcount"] for r in brows if r["role"] in cfg.sales_roles)
        share = cfg.min_sales_share
        if tot and sales < share * tot - 1e-9:
            k = int(np.ceil((share * tot - sales) / (1.0 - share) - 1e-9))
            cm = next((r for r in brows if r["role"] == add_role), None)
            if cm is None:
                cm = {"branch_id": b, "role": add_role, "queue": "",
                      "contacts_per_week": np.nan, "required_fte": np.nan, "scheduled_fte": np.nan,
                      "rostered_fte": _rostered_fte(role_hours, b, add_role, has_roster, cfg),
                      "current_headcount": 0, "minimum_headcount": 0, "planned_headcount": 0,
                      "basis": ""}
                brows.append(cm)
            cm["planned_headcount"] += k
            cm["basis"] = f"raised by {k} for sales staff >= {share:.0%}"
        rows += brows
    out = pd.DataFrame(rows, columns=["branch_id", "role", "queue", "contacts_per_week", "required_fte",
                                      "scheduled_fte", "rostered_fte", "current_headcount",
                                      "minimum_headcount", "planned_headcount", "basis"])
    out["change"] = out["planned_headcount"] - out["current_headcount"]
    for c in ("current_headcount", "minimum_headcount", "planned_headcount", "change"):
        out[c] = out[c].astype(np.int64)
    return out


def _posts(staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    cols = ["branch_id", "rule", "required", "actual", "passed", "message"]
    posts = (check_minimum_posts(staff, sales_roles=cfg.sales_roles,
                                 min_sales_share=cfg.min_sales_share)
             if len(staff) else pd.DataFrame(columns=cols))
    rows = []
    for b, btype in zip(branches["branch_id"], branches["branch_type"]):
        if b not in set(posts["branch_id"]):
            rows.append({"branch_id": b, "rule": "staff", "required": 1.0, "actual": 0.0,
                         "passed": False, "message": f"FAIL - Branch {b}: no current staff."})
        if btype == "flagship":
            n = int(((staff["branch_id"] == b) & (staff["role"] == "customer_manager")).sum())
            ok = n >= 1
            rows.append({"branch_id": b, "rule": "flagship_customer_manager", "required": 1.0,
                         "actual": float(n), "passed": ok,
                         "message": ("OK - " if ok else "FAIL - ")
                         + f"Branch {b} (flagship): {n} personal customer manager(s); at least 1 "
                           "required."})
    out = pd.concat([posts, pd.DataFrame(rows, columns=cols)], ignore_index=True) if rows else posts
    out = out[cols].astype({"branch_id": str, "rule": str, "required": float, "actual": float,
                            "passed": bool, "message": str})
    order = {r: i for i, r in enumerate(["staff", "lobby_manager", "non_cash_teller", "sales_share",
                                         "flagship_customer_manager"])}
    return (out.assign(_o=out["rule"].map(order)).sort_values(["branch_id", "_o"], kind="stable")
            .drop(columns="_o").reset_index(drop=True))


def _assumption(cfg: _Config) -> str:
    return (f"Benefit assumes +{cfg.points:g} satisfaction points a year (planning assumption: the "
            "source's plan, 65 % -> 75 % in year one), valued at "
            f"{cfg.yuan_per_point:,.0f} yuan per point per year; it is not a measured effect of "
            "staffing. Cost counts only added staff (no savings from surplus roles).")


def _cost_benefit(plan: pd.DataFrame, branch_ids: Sequence[str], cfg: _Config) -> pd.DataFrame:
    add = plan.assign(extra=plan["change"].clip(lower=0), surplus=(-plan["change"]).clip(lower=0))
    per = add.groupby("branch_id")[["extra", "surplus"]].sum().reindex(list(branch_ids), fill_value=0)
    cb = cost_benefit(per["extra"].to_numpy(dtype=float), cfg.salary, cfg.points,
                      yuan_per_point_year=cfg.yuan_per_point, scenario=list(per.index))
    out = pd.DataFrame({
        "branch_id": [str(b) for b in per.index],
        "extra_fte": cb["fte"].to_numpy(dtype=float),
        "surplus_fte": per["surplus"].to_numpy(dtype=float),
        "salary_per_fte_yuan_per_year": cfg.salary,
        "cost_yuan_per_year": cb["cost_yuan"].to_numpy(dtype=float),
        "satisfaction_points_assumed": cb["satisfaction_points"].to_numpy(dtype=float),
        "yuan_per_point_per_year": cfg.yuan_per_point,
        "benefit_yuan_per_year": cb["benefit_yuan"].to_numpy(dtype=float),
        "net_yuan_per_year": cb["net_yuan"].to_numpy(dtype=float),
        "benefit_cost_ratio": cb["benefit_cost_ratio"].to_numpy(dtype=float),
        "break_even_points": (cb["cost_yuan"] / cfg.yuan_per_point).to_numpy(dtype=float)
        if cfg.yuan_per_point > 0 else np.nan,
    })
    out["assumption"] = _assumption(cfg)
    return out


def _what_if(grid: pd.DataFrame, staff: pd.DataFrame, branch_ids: Sequence[str],
             cfg: _Config) -> pd.DataFrame:
    minutes = cfg.minutes
    roles = set(grid["role"])
    cur = staff[staff["role"].isin(roles)].groupby("branch_id").size()
    frames = []
    w = grid["contacts"].to_numpy(dtype=float)
    for target in cfg.targets:
        req = _required(grid, cfg, target)
        sch = scheduled_staff(req, cfg.shrinkage)
        sl, _ = _service(req, grid, cfg)
        d = pd.DataFrame({"branch_id": grid["branch_id"], "weekday": grid["weekday"],
                          "slot": grid["slot"], "sch": sch, "sl_w": np.nan_to_num(sl) * w, "w": w})
        peak = d.groupby(["branch_id", "weekday", "slot"])["sch"].sum().groupby("branch_id").max()
        tot = d.groupby("branch_id")[["sch", "sl_w", "w"]].sum()
        hours = tot["sch"] * minutes / 60.0
        fte = hours / cfg.paid_hours
        frames.append(pd.DataFrame({
            "branch_id": tot.index.astype(str), "target_service_level": float(target),
            "achieved_service_level": (tot["sl_w"] / tot["w"].where(tot["w"] > 0)).to_numpy(),
            "peak_staff": peak.reindex(tot.index).to_numpy(dtype=np.int64),
            "staff_hours_per_week": hours.to_numpy(), "fte": fte.to_numpy(),
            "current_headcount": cur.reindex(tot.index, fill_value=0).to_numpy(dtype=np.int64),
            "cost_yuan_per_year": (fte * cfg.salary).to_numpy(),
        }))
    cols = ["branch_id", "target_service_level", "achieved_service_level", "peak_staff",
            "staff_hours_per_week", "fte", "current_headcount", "cost_yuan_per_year"]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = out[out["branch_id"].isin(branch_ids)]
    return out.sort_values(["branch_id", "target_service_level"]).reset_index(drop=True)[cols]


# --------------------------------------------------------------------------- public API


def _known_branches(ds: Dataset) -> list[str]:
    return ds.sql("SELECT branch_id FROM branches ORDER BY branch_id")["branch_id"].astype(str).tolist()


def branch_staffing_plan(
    ds: Dataset,
    branch_id: str,
    quarter: str | Period,
    scheme: Scheme | None = None,
    *,
    channel: Channel | None = None,
    interval_minutes: int = 30,
    model: PlanModel = "erlang_c",
    forecast: bool = True,
    satisfaction_points: float = DEFAULT_SATISFACTION_POINTS,
    targets: Iterable[float] = DEFAULT_TARGETS,
    paid_hours_per_week: float = PAID_HOURS_PER_WEEK,
) -> StaffingPlan:
    """Staffing plan of one branch for the quarter after ``quarter``.

    Parameters
    ----------
    ds : Dataset
        Loaded dataset (:func:`bankperf_analysis.dataset.load.load_dataset`) with ``contacts``
        (and optionally ``roster``).
    branch_id : str
        Branch to plan.
    quarter : str or Period
        Reporting quarter, e.g. ``"2026Q4"``: its contacts give the observed demand
        and AHT, its roster the rostered staff; the plan is for the next quarter.
    scheme : Scheme, optional
        Performance scheme (targets, shrinkage, salary, value of a satisfaction
        point, sales roles); default :func:`~bankperf_analysis.scheme.model.load_scheme`.
    channel : {"phone", "counter", "online"}, optional
        Plan only this channel (as its own queue). Default: the two queues
        ``"counter"`` and ``"phone_online"`` (see the module docstring). Rostered
        staff then still count every rostered member of the channel's role, who may
        also serve the other channel of a pooled queue.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Queueing model.
    forecast : bool, default True
        Forecast next quarter's demand (when the history allows); else use the
        reporting quarter's observed profile.
    satisfaction_points : float, default 10
        Assumed satisfaction gain (points) valued in the cost-benefit table -- an
        input, not a measured effect.
    targets : iterable of float, default (0.80, 0.90, 0.95)
        Service-level targets of the what-if table.
    paid_hours_per_week : float, default 40
        Paid hours of one FTE per week.

    Returns
    -------
    StaffingPlan

    Raises
    ------
    ParamsError
        Unknown branch, bad quarter or option.
    InsufficientSampleError
        No contacts table, or no contacts of the branch in ``quarter``.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset.demo import make_demo_bank
    >>> from bankperf_analysis.dataset.load import load_dataset
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> plan = branch_staffing_plan(load_dataset(folder), "B01", "2026Q4")
    >>> plan.plan_quarter, plan.demand_source
    ('2027Q1', 'forecast')
    """
    owner = "branch_staffing_plan"
    q = _quarter(quarter, owner)
    tg = _check_options(owner, channel, interval_minutes, model, satisfaction_points, targets,
                        paid_hours_per_week)
    known = _known_branches(ds)
    b = str(branch_id)
    if b not in known:
        shown = ", ".join(known[:30]) + (f", ... ({len(known)} in all)" if len(known) > 30 else "")
        raise ParamsError(f"branch {b!r} is not in the dataset; branches: {shown}")
    if not ds.has("contacts"):
        raise InsufficientSampleError("The dataset has no contacts table; a staffing plan needs one.")
    cfg = _config(scheme, q, interval_minutes, channel, model, forecast, satisfaction_points, tg,
                  paid_hours_per_week)
    n = int(ds.sql("SELECT count(*) AS n FROM contacts WHERE branch_id = ? AND arrival_ts >= ? "
                   "AND arrival_ts < ?" + (" AND channel = ?" if channel else ""),
                   [b, q.start, q.end, *([channel] if channel else [])])["n"].iloc[0])
    if n == 0:
        what = f"{channel} contacts" if channel else "contacts"
        span = ds.sql("SELECT min(arrival_ts) AS a, max(arrival_ts) AS b FROM contacts").iloc[0]
        cover = (f"the contacts cover {span['a']:%Y-%m-%d} to {span['b']:%Y-%m-%d}"
                 if pd.notna(span["a"]) else "the contacts table is empty")
        raise InsufficientSampleError(f"Branch {b} has no {what} in {q} ({cover}); a staffing plan "
                                      "needs the quarter's contacts.")
    f = _build(ds, cfg, [b])
    return StaffingPlan(
        branch_id=b, quarter=str(q), plan_quarter=str(q.shift(1)), demand_source=f["source"][b],
        interval_minutes=cfg.minutes, model=model, service_level_target=cfg.sl_target,
        answer_seconds=cfg.answer_seconds, max_asa_seconds=cfg.max_asa, shrinkage=cfg.shrinkage,
        has_roster=bool(f["has_roster"]), intervals=f["intervals"], heatmap=f["heatmap"],
        headcount=f["plan"], posts=f["posts"], cost_benefit=f["cost_benefit"], what_if=f["what_if"])


def branch_staffing_inputs(ds: Dataset, quarter: str | Period, scheme: Scheme | None = None, *,
                           interval_minutes: int = 30, forecast: bool = True) -> dict[str, pd.DataFrame]:
    """Staffing-plan tables of every branch at once, for the branch reports.

    One SQL aggregation of the contacts (and one of the roster), one forecaster
    fit for all series and one vectorised Erlang call for every branch's intervals.

    Parameters
    ----------
    ds : Dataset
        Loaded dataset.
    quarter : str or Period
        Reporting quarter; the plans are for the next quarter.
    scheme : Scheme, optional
        Performance scheme; default :func:`~bankperf_analysis.scheme.model.load_scheme`.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    forecast : bool, default True
        Forecast next quarter's demand; ``False`` uses the observed profile. The
        forecaster fits one count model per branch and queue (about 0.15 s each), so
        a bank of 1,000 branches spends a few minutes here; the rest is seconds.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``heatmap`` (``branch_id``, ``weekday`` 0-6, ``hour``, ``contacts``,
        ``required_productive``, ``required``, ``rostered``, ``gap``, ``shortfall``),
        ``plan`` (per
        branch x role: ``queue``, FTEs, headcounts, ``basis``), ``posts``
        (``branch_id``, ``rule``, ``required``, ``actual``, ``passed``, ``message``),
        ``cost_benefit`` (per branch) and ``what_if`` (per branch x target). Only
        plain str/float/int/bool columns. Branches without contacts in the quarter
        have no heatmap/what-if rows but do have posts, plan and cost rows.
    """
    owner = "branch_staffing_inputs"
    q = _quarter(quarter, owner)
    tg = _check_options(owner, None, interval_minutes, "erlang_c", DEFAULT_SATISFACTION_POINTS,
                        DEFAULT_TARGETS, PAID_HOURS_PER_WEEK)
    cfg = _config(scheme, q, interval_minutes, None, "erlang_c", forecast,
                  DEFAULT_SATISFACTION_POINTS, tg, PAID_HOURS_PER_WEEK)
    f = _build(ds, cfg, None)
    src = pd.Series(f["source"], name="demand_source")
    cb = f["cost_benefit"].merge(src.rename_axis("branch_id").reset_index(), on="branch_id", how="left")
    cb["plan_quarter"] = str(q.shift(1))
    return {"heatmap": f["heatmap"], "plan": f["plan"], "posts": f["posts"], "cost_benefit": cb,
            "what_if": f["what_if"]}


def _pivot(heatmap: pd.DataFrame, value: str, lang: str) -> pd.DataFrame:
    allowed = ("gap", "shortfall", "required", "required_productive", "rostered", "contacts")
    if value not in allowed:
        raise _param_error("value", "plot_branch_staffing", "one of " + ", ".join(map(repr, allowed)),
                           value)
    names = _WEEKDAYS[lang]
    pv = heatmap.pivot_table(index="weekday", columns="hour", values=value, aggfunc="mean",
                             dropna=False)
    pv.index = [names[int(i)] for i in pv.index]
    pv.index.name = "weekday"
    pv.columns.name = "hour"
    return pv


def plot_branch_staffing(heatmap: pd.DataFrame, branch_id: str | None = None, *, value: str = "gap",
                         lang: str = "en", ax: Axes | None = None) -> Figure:
    """Weekday x hour heatmap of one branch's staffing (gap, required, rostered...).

    Parameters
    ----------
    heatmap : pandas.DataFrame
        ``StaffingPlan.heatmap`` or the ``heatmap`` frame of
        :func:`branch_staffing_inputs`.
    branch_id : str, optional
        Branch to draw; required when ``heatmap`` holds several branches.
    value : {"gap", "shortfall", "required", "required_productive", "rostered", "contacts"}
        Column drawn; ``"gap"`` falls back to ``"required"`` without a roster.
    lang : {"en", "zh"}
        Language of the labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from bankperf_analysis.i18n import check_lang, t

    check_lang(lang)
    hm = heatmap
    if branch_id is not None:
        hm = hm[hm["branch_id"].astype(str) == str(branch_id)]
    elif hm["branch_id"].nunique() > 1:
        raise _param_error("branch_id", "plot_branch_staffing",
                           "a branch of the heatmap when it holds several", None)
    if hm.empty:
        raise InsufficientSampleError(f"No staffing heatmap rows for branch {branch_id!r}.")
    if value == "gap" and hm["gap"].isna().all():
        value = "required"
    pv = _pivot(hm, value, "en")  # seaborn draws the tick labels once: set the language after
    title = _PLOT_TITLES.get(value, (value, value))[lang == "zh"]
    if value == "required_productive":
        title = t("label_required_staff", lang)
    if value in ("gap", "shortfall"):
        fig = plot_staffing_heatmap(pv, ax=ax, title=title)
        axis = ax if ax is not None else fig.axes[0]
    else:  # counts: sequential scale from 0
        import matplotlib.pyplot as plt
        import seaborn as sns

        if ax is None:
            fig, axis = plt.subplots(figsize=(max(4.0, 0.5 * pv.shape[1] + 2), 0.5 * len(pv) + 2))
        else:
            fig, axis = ax.figure, ax
        sns.heatmap(pv, ax=axis, cmap="Blues", vmin=0.0, annot=True, fmt=".1f", linewidths=0.5)
        axis.set_title(title)
    axis.set_xlabel(t("label_hour", lang))
    axis.set_ylabel(t("label_weekday", lang))
    axis.tick_params(axis="y", rotation=0)
    cbar = axis.collections[0].colorbar if axis.collections else None
    if cbar is not None:
        cbar.set_label(_STAFF_UNIT[lang == "zh"])
    if lang == "zh":  # the CJK font on this figure's texts only (no global style change)
        from bankperf_analysis.plots.style import cjk_font_name

        font = cjk_font_name()
        names = dict(zip(_WEEKDAYS["en"], _WEEKDAYS["zh"]))
        axis.set_yticks(axis.get_yticks(), [names.get(str(x), str(x)) for x in pv.index])
        texts = [axis.title, axis.xaxis.label, axis.yaxis.label, *axis.get_yticklabels()]
        if cbar is not None:
            texts.append(cbar.ax.yaxis.label)
        for text in texts:
            text.set_fontfamily(font)
    return fig

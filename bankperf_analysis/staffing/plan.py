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

This module holds the result (:class:`StaffingPlan`), the public functions and the
order of the steps (``_build``). The steps live beside it: the options in
:mod:`~bankperf_analysis.staffing.plan_config`, the SQL in
:mod:`~bankperf_analysis.staffing.plan_data`, demand to interval plan in
:mod:`~bankperf_analysis.staffing.plan_build`, and headcount, posts, cost and what-if
in :mod:`~bankperf_analysis.staffing.plan_tables`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, Table
from bankperf_analysis._validation import check_choice, check_period, param_error
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.plots.staffing import staffing_heatmap
from bankperf_analysis.staffing.levels import WEEKDAYS
from bankperf_analysis.staffing.plan_abandon import _abandonment, abandonment_summary
from bankperf_analysis.staffing.plan_build import (
    _demand_profiles,
    _heatmap,
    _interval_plan,
    _open_days,
    _slot_grid,
    _with_demand,
    _with_required,
    _with_roster,
    _without_roster,
)
from bankperf_analysis.staffing.plan_config import (
    DEFAULT_SATISFACTION_POINTS,
    DEFAULT_TARGETS,
    PAID_HOURS_PER_WEEK,
    Channel,
    PlanModel,
    _check_options,
    _Config,
    _config,
)
from bankperf_analysis.staffing.plan_data import (
    _branches,
    _contact_history,
    _current_staff,
    _holiday_index,
    _holidays,
    _known_branches,
    _no_roster,
    _open_day_roster,
    branch_chunks,
)
from bankperf_analysis.staffing.plan_tables import _cost_benefit, _headcount, _posts, _what_if

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.periods import Period
    from bankperf_analysis.scheme import Scheme

__all__ = ["StaffingPlan", "branch_staffing_plan", "branch_staffing_inputs", "plot_branch_staffing"]

# Values a heatmap pivot or figure can show.
_HEATMAP_VALUES = ("gap", "shortfall", "required", "required_productive", "rostered", "contacts")


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
        Minimum-post rules on the current staff: ``branch_type``, ``rule`` (a post of the
        branch type's minimum, ``sales_share``, or ``staff`` when there is none), ``required``,
        ``actual``, ``passed``, ``message`` (English; :func:`~bankperf_analysis.staffing.shown.post_findings`
        words it in zh or en).
    cost_benefit : pandas.DataFrame
        ``extra_fte`` (headcount the plan adds), split into ``extra_fte_service_level`` (roles
        sized by a queue's required FTE) and ``extra_fte_posts`` (other roles: minimum posts,
        the sales share, managed customers), ``surplus_fte`` (headcount above the plan),
        ``cost_yuan_per_year`` (extra FTE x salary), ``surplus_saving_yuan_per_year`` (surplus
        FTE x salary), ``satisfaction_points_assumed``, ``benefit_yuan_per_year``
        (points x yuan per point), ``net_yuan_per_year`` (benefit - cost + saving),
        ``benefit_cost_ratio`` (benefit / cost), ``break_even_points`` (points the added
        staff's cost needs to pay off) and the ``assumption`` in words.
    abandonment : pandas.DataFrame or None
        Erlang A only (else None): per queue, the mean patience used
        (``patience_source`` ``"estimate"``: censored exponential MLE with its
        likelihood-ratio interval, or ``"scheme"``), the observed abandonment rate and
        the rate (呼损率) with the required staff, with the interval patience gives it
        (:mod:`~bankperf_analysis.staffing.plan_abandon`).
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
    abandonment: pd.DataFrame | None = field(default=None, repr=False)

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
            return _pivot(self.heatmap, value)
        check_choice(queue, "queue", "StaffingPlan.pivot", sorted(self.intervals["queue"].unique()))
        iv = self.intervals[self.intervals["queue"] == queue]
        return _pivot(_heatmap(iv, self.has_roster), value)

    def plot(self, value: str = "gap", *, lang: str = "en", ax: Axes | None = None) -> Figure:
        """Heatmap of ``value`` by weekday and hour (see :func:`plot_branch_staffing`)."""
        return plot_branch_staffing(self.heatmap, value=value, lang=lang, ax=ax)

    def summary(self) -> Summary:
        """Demand, required vs rostered, headcount, posts, cost vs benefit and what-if."""
        sl = f"{self.service_level_target:.0%} within {self.answer_seconds:g} s"
        tables = [
            Table(
                "Demand (contacts per typical week)",
                _demand_table(self.intervals),
                False,
                [
                    f"Planning demand: {self.demand_source} ({self.plan_quarter}); observed: "
                    f"{self.quarter}, ordinary open days."
                ],
            ),
            Table(
                "Required vs rostered",
                _staff_table(self.intervals, self.interval_minutes, self.has_roster),
                False,
                [
                    f"Agents meet {sl} and mean response <= {self.max_asa_seconds:g} s "
                    f"({self.model}); on shift = agents / (1 - {self.shrinkage:g} shrinkage)."
                ],
            ),
        ]
        if self.has_roster:
            tables += [self._gap_table(queue) for queue in sorted(self.intervals["queue"].unique())]
        tables += [
            Table(
                "Headcount (定编)",
                self.headcount.drop(columns=["branch_id"]),
                False,
                [
                    f"FTE = staff-hours of a typical week / {PAID_HOURS_PER_WEEK:g} h unless set "
                    "otherwise; planned headcount rounds up (a shift plan needs some slack)."
                ],
            ),
            Table("Minimum posts", self.posts[["rule", "passed", "message"]], False, []),
            Table(
                "Cost vs benefit (yuan per year)",
                self.cost_benefit.drop(columns=["branch_id", "assumption"]),
                False,
                [str(self.cost_benefit["assumption"].iloc[0])] if len(self.cost_benefit) else [],
            ),
            Table(
                "What if: service-level target",
                self.what_if.drop(columns=["branch_id"]),
                False,
                [f"Same mean-response limit and shrinkage; answered within {self.answer_seconds:g} s."],
            ),
        ]
        if self.abandonment is not None:
            ab = self.abandonment_summary("en")
            tables.append(Table(ab.title, ab.frame, False, list(ab.notes)))
        title = (
            f"Staffing plan: branch {self.branch_id}, {self.plan_quarter} "
            f"(from {self.quarter} data), {self.interval_minutes}-min intervals"
        )
        return Summary(title, tables=tables, float_format=lambda v: f"{v:,.2f}")

    def abandonment_summary(self, lang: str = "en") -> Summary:
        """The abandonment rate (呼损率) with the planned staff and its interval, in ``lang`` (Erlang A)."""
        if self.abandonment is None:
            raise ParamsError(
                "StaffingPlan.abandonment_summary needs a plan with model='erlang_a'. "
                f"Got model={self.model!r} instead."
            )
        return abandonment_summary(self.abandonment, lang)

    def _gap_table(self, queue: str) -> Table:
        """Weekday x hour gap of one queue, without the hours where it is 0 throughout."""
        pv = self.pivot("gap", queue=queue).round(1)
        pv = pv.loc[:, (pv != 0).any(axis=0)] if (pv != 0).any().any() else pv
        return Table(
            f"Gap, {queue}: rostered - required on shift (weekday x hour)",
            pv,
            True,
            ["Negative = understaffed if the current roster is kept."],
        )


def _demand_table(iv: pd.DataFrame) -> pd.DataFrame:
    """Per queue: contacts of a typical week (planned and observed), AHT and the peak interval."""
    rows = []
    for (queue, role), g in iv.groupby(["queue", "role"], sort=True):
        peak = g.loc[g["contacts"].idxmax()] if g["contacts"].max() > 0 else None
        rows.append(
            {
                "queue": queue,
                "role": role,
                "contacts_per_week": g["contacts"].sum(),
                "observed_per_week": g["contacts_observed"].sum(),
                "aht_seconds": g["aht_seconds"].max(),
                "peak_interval": (
                    f"{WEEKDAYS[int(peak['weekday'])]} {peak['time']}" if peak is not None else "-"
                ),
                "peak_contacts": peak["contacts"] if peak is not None else 0.0,
            }
        )
    return pd.DataFrame(rows)


def _staff_table(iv: pd.DataFrame, minutes: int, has_roster: bool) -> pd.DataFrame:
    """Per queue: agent, on-shift and rostered hours of a typical week; with a roster, its gaps."""
    rows = []
    for (queue, _role), g in iv.groupby(["queue", "role"], sort=True):
        open_ = g[g["contacts"] > 0]
        row = {
            "queue": queue,
            "agent_hours_per_week": g["required_staff"].sum() * minutes / 60,
            "on_shift_hours_per_week": g["scheduled_staff"].sum() * minutes / 60,
            "rostered_hours_per_week": g["rostered_staff"].sum() * minutes / 60 if has_roster else np.nan,
        }
        if has_roster:
            under = g[g["gap"] < -1e-9]
            worst = g.loc[g["gap"].idxmin()] if len(under) else g.loc[g["gap"].idxmax()]
            w = open_["contacts"].to_numpy()
            row.update(
                {
                    "understaffed_intervals": f"{len(under)} of {int((g['scheduled_staff'] > 0).sum())}",
                    "worst_gap": f"{WEEKDAYS[int(worst['weekday'])]} {worst['time']}: {worst['gap']:+.1f}",
                    "service_level_with_roster": float((open_["rostered_service_level"] * w).sum() / w.sum())
                    if w.sum()
                    else np.nan,
                }
            )
        rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- plans


def _build(ds: Dataset, cfg: _Config, branch_ids: list[str] | None) -> dict[str, Any]:
    """Every frame of the plans of ``branch_ids`` (None: all branches) at once."""
    holidays = _holidays(ds)
    hol = _holiday_index(holidays)
    branches = _branches(ds, branch_ids)
    all_ids = branches["branch_id"].tolist()
    has_roster = ds.has("roster")
    # gather: one aggregation of the contacts over the forecaster's history window
    stats = _contact_history(ds, cfg, branch_ids, hol)
    qstats = stats[stats["date"] >= pd.Timestamp(cfg.q.start)]
    open_days = _open_days(qstats)
    roster = _open_day_roster(ds, cfg, branch_ids, hol, qstats) if has_roster and len(open_days) else None
    staff = _current_staff(ds, cfg.q, branch_ids)
    # compute: demand -> grid -> required staff -> rostered staff, for every branch at once
    observed, fc, source = _demand_profiles(stats, qstats, open_days, all_ids, cfg, holidays)
    queues = [cfg.channel] if cfg.channel else ["counter", "phone_online"]
    grid = _with_demand(
        _slot_grid(observed, fc, roster, queues), observed, fc, source, qstats, cfg.minutes, cfg.patience
    )
    grid = _with_required(grid, cfg)
    grid, role_hours = (
        _with_roster(grid, roster if roster is not None else _no_roster(), open_days, queues, cfg)
        if has_roster
        else _without_roster(grid)
    )
    intervals = _interval_plan(grid, cfg)
    # assemble: the plan's tables
    plan = _headcount(intervals, staff, branches, role_hours, has_roster, cfg)
    return {
        "intervals": intervals,
        "heatmap": _heatmap(intervals, has_roster),
        "plan": plan,
        "posts": _posts(staff, branches, cfg),
        "cost_benefit": _cost_benefit(plan, all_ids, cfg),
        "what_if": _what_if(grid, staff, all_ids, cfg),
        "source": source,
        "has_roster": has_roster,
        "abandonment": _abandonment(grid, qstats, cfg) if cfg.model == "erlang_a" else None,
    }


def _check_branch(ds: Dataset, branch_id: Any) -> str:
    """The branch id as text, if the dataset has the branch and a contacts table."""
    known = _known_branches(ds)
    b = str(branch_id)
    if b not in known:
        shown = ", ".join(known[:30]) + (f", ... ({len(known)} in all)" if len(known) > 30 else "")
        raise ParamsError(f"branch {b!r} is not in the dataset; branches: {shown}")
    if not ds.has("contacts"):
        raise InsufficientSampleError("The dataset has no contacts table; a staffing plan needs one.")
    return b


def _check_quarter_contacts(ds: Dataset, b: str, q: Period, channel: str | None) -> None:
    """Refuse a branch without (``channel``) contacts in the reporting quarter."""
    n = int(
        ds.sql(
            "SELECT count(*) AS n FROM contacts WHERE branch_id = ? AND arrival_ts >= ? "
            "AND arrival_ts < ?" + (" AND channel = ?" if channel else ""),
            [b, q.start, q.end, *([channel] if channel else [])],
        )["n"].iloc[0]
    )
    if n == 0:
        what = f"{channel} contacts" if channel else "contacts"
        span = ds.sql("SELECT min(arrival_ts) AS a, max(arrival_ts) AS b FROM contacts").iloc[0]
        cover = (
            f"the contacts cover {span['a']:%Y-%m-%d} to {span['b']:%Y-%m-%d}"
            if pd.notna(span["a"])
            else "the contacts table is empty"
        )
        raise InsufficientSampleError(
            f"Branch {b} has no {what} in {q} ({cover}); a staffing plan needs the quarter's contacts."
        )


def _plan(b: str, cfg: _Config, f: dict[str, Any]) -> StaffingPlan:
    return StaffingPlan(
        branch_id=b,
        quarter=str(cfg.q),
        plan_quarter=str(cfg.q.shift(1)),
        demand_source=f["source"][b],
        interval_minutes=cfg.minutes,
        model=cfg.model,
        service_level_target=cfg.sl_target,
        answer_seconds=cfg.answer_seconds,
        max_asa_seconds=cfg.max_asa,
        shrinkage=cfg.shrinkage,
        has_roster=bool(f["has_roster"]),
        intervals=f["intervals"],
        heatmap=f["heatmap"],
        headcount=f["plan"],
        posts=f["posts"],
        cost_benefit=f["cost_benefit"],
        what_if=f["what_if"],
        abandonment=None if f["abandonment"] is None else f["abandonment"][lambda d: d["branch_id"] == b],
    )


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
        Loaded dataset with ``contacts`` (and optionally ``roster``).
    branch_id : str
        Branch to plan.
    quarter : str or Period
        Reporting quarter, e.g. ``"2026Q4"``: its contacts give the observed demand
        and AHT, its roster the rostered staff; the plan is for the next quarter.
    scheme : Scheme, optional
        Targets, shrinkage, salary, value of a satisfaction point, sales roles
        (default :func:`~bankperf_analysis.scheme.load_scheme`).
    channel : {"phone", "counter", "online"}, optional
        Plan only this channel, as its own queue (its role's rostered staff all count).
        Default: the queues ``"counter"`` and ``"phone_online"``.
    interval_minutes : {15, 30, 60}, default 30
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
    forecast : bool, default True
        Forecast next quarter's demand (when the history allows); else the observed profile.
    satisfaction_points : float, default 10
        Assumed satisfaction gain valued in the cost-benefit table (an input, not a measurement).
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
    >>> from bankperf_analysis.dataset import load_dataset, make_demo_bank
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> plan = branch_staffing_plan(load_dataset(folder), "B01", "2026Q4")
    >>> plan.plan_quarter, plan.demand_source
    ('2027Q1', 'forecast')
    """
    q = check_period(quarter, "quarter", "branch_staffing_plan")
    tg = _check_options(
        "branch_staffing_plan",
        channel,
        interval_minutes,
        model,
        satisfaction_points,
        targets,
        paid_hours_per_week,
    )
    b = _check_branch(ds, branch_id)
    cfg = _config(
        scheme, q, interval_minutes, channel, model, forecast, satisfaction_points, tg, paid_hours_per_week
    )
    _check_quarter_contacts(ds, b, q, channel)
    return _plan(b, cfg, _build(ds, cfg, [b]))


def branch_staffing_inputs(
    ds: Dataset,
    quarter: str | Period,
    scheme: Scheme | None = None,
    *,
    interval_minutes: int = 30,
    forecast: bool = True,
) -> dict[str, pd.DataFrame]:
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
        Performance scheme; default :func:`~bankperf_analysis.scheme.load_scheme`.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    forecast : bool, default True
        Forecast next quarter's demand; ``False`` uses the observed profile. The
        forecaster fits the count models of every branch and queue at once, and no
        step works branch by branch, so the cost grows with the data, not with the
        square of the number of branches.

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
    q = check_period(quarter, "quarter", owner)
    tg = _check_options(
        owner,
        None,
        interval_minutes,
        "erlang_c",
        DEFAULT_SATISFACTION_POINTS,
        DEFAULT_TARGETS,
        PAID_HOURS_PER_WEEK,
    )
    cfg = _config(
        scheme,
        q,
        interval_minutes,
        None,
        "erlang_c",
        forecast,
        DEFAULT_SATISFACTION_POINTS,
        tg,
        PAID_HOURS_PER_WEEK,
    )
    # part by part (one part for a small bank): the peak memory stays bounded at any size
    chunks: list[list[str] | None] = list(branch_chunks(ds, cfg, _known_branches(ds)))
    parts = [_inputs_of(ds, cfg, chunk) for chunk in (chunks if len(chunks) > 1 else [None])]
    return {name: pd.concat([p[name] for p in parts], ignore_index=True) for name in parts[0]}


def _inputs_of(ds: Dataset, cfg: _Config, branch_ids: list[str] | None) -> dict[str, pd.DataFrame]:
    """The tables of :func:`branch_staffing_inputs` for ``branch_ids`` (None: every branch)."""
    f = _build(ds, cfg, branch_ids)
    src = pd.Series(f["source"], name="demand_source")
    cb = f["cost_benefit"].merge(src.rename_axis("branch_id").reset_index(), on="branch_id", how="left")
    cb["plan_quarter"] = str(cfg.q.shift(1))
    return {
        "heatmap": f["heatmap"],
        "plan": f["plan"],
        "posts": f["posts"],
        "cost_benefit": cb,
        "what_if": f["what_if"],
    }


# --------------------------------------------------------------------------- heatmap


def _pivot(heatmap: pd.DataFrame, value: str) -> pd.DataFrame:
    """Weekday (``Mon``..) x hour table of a heatmap column, averaged over the branches' rows."""
    check_choice(value, "value", "plot_branch_staffing", _HEATMAP_VALUES)
    pv = heatmap.pivot_table(index="weekday", columns="hour", values=value, aggfunc="mean", dropna=False)
    pv.index = [WEEKDAYS[int(i)] for i in pv.index]
    pv.index.name = "weekday"
    pv.columns.name = "hour"
    return pv


def plot_branch_staffing(
    heatmap: pd.DataFrame,
    branch_id: str | None = None,
    *,
    value: str = "gap",
    lang: str = "en",
    ax: Axes | None = None,
) -> Figure:
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
    from bankperf_analysis.i18n import check_lang

    check_lang(lang)
    pivot, value = branch_heatmap_pivot(heatmap, branch_id, value=value)
    # English weekdays: seaborn draws the tick labels once, the figure translates them after
    return staffing_heatmap(pivot, value, lang=lang, ax=ax)


def branch_heatmap_pivot(
    heatmap: pd.DataFrame, branch_id: str | None = None, *, value: str = "gap"
) -> tuple[pd.DataFrame, str]:
    """The weekday (``Mon``..) x hour pivot :func:`plot_branch_staffing` draws, and its value.

    ``"gap"`` falls back to ``"required"`` when the branch has no roster (every gap NaN);
    the value returned says which column the pivot shows. Parameters as in
    :func:`plot_branch_staffing`.

    Examples
    --------
    >>> hm = pd.DataFrame({"branch_id": "B1", "weekday": [0, 0], "hour": [9, 10],
    ...                    "gap": [float("nan")] * 2, "required": [2.0, 3.5]})
    >>> pivot, value = branch_heatmap_pivot(hm, "B1")
    >>> value, pivot.loc["Mon"].tolist()
    ('required', [2.0, 3.5])
    """
    hm = heatmap
    if branch_id is not None:
        hm = hm[hm["branch_id"].astype(str) == str(branch_id)]
    elif hm["branch_id"].nunique() > 1:
        raise param_error(
            "branch_id", "plot_branch_staffing", "a branch of the heatmap when it holds several", None
        )
    if hm.empty:
        raise InsufficientSampleError(f"No staffing heatmap rows for branch {branch_id!r}.")
    if value == "gap" and hm["gap"].isna().all():
        value = "required"
    return _pivot(hm, value), value

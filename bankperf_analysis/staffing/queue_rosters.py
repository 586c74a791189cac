"""A branch's rosters, one per queue, from its staffing plan; and what they give if things change.

:func:`roster_queues` turns a :class:`~bankperf_analysis.staffing.plan.StaffingPlan` into one
:class:`~bankperf_analysis.staffing.roster.RosterPlan` per queue (counter; phone and online):
the requirement is the plan's staff on shift per weekday x interval (closed where the queue
has no demand), the service level per interval comes from the plan's Erlang model. It is
what ``bankperf roster`` prints and what the staffing report shows.

:func:`roster_what_if` puts numbers on changes a branch manager asks about, each through the
same scheduler and Erlang model (no new assumption):

* ``proposed``: the proposed roster as it is;
* ``demand_up_same``: demand (offered load) +x % with the same roster: the service level it
  would then give;
* ``demand_up_rostered``: demand +x %, staff required again and re-rostered: the cost of
  keeping the target;
* ``one_more``: one more on duty than required in every open interval (re-rostered);
* ``one_fewer``: a headcount cap one below the proposed roster's headcount (the scheduler's
  least-shortfall plan under that cap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_positive
from bankperf_analysis.staffing.required import achieved_service, required_staff, scheduled_staff
from bankperf_analysis.staffing.roster import RosterPlan, ShiftScheduler

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme._roster import RosterScheme
    from bankperf_analysis.staffing.plan import StaffingPlan

__all__ = ["QueueGrid", "queue_grids", "roster_queues", "roster_what_if", "WHAT_IF_SCENARIOS"]

#: The scenarios of :func:`roster_what_if`, in the order of its rows.
WHAT_IF_SCENARIOS = ("proposed", "demand_up_same", "demand_up_rostered", "one_more", "one_fewer")


@dataclass(frozen=True)
class QueueGrid:
    """One queue of a plan as weekday x interval frames (rows: open weekdays 0-6; ``HH:MM`` columns)."""

    queue: str
    required: pd.DataFrame  # staff on shift required (NaN: closed)
    traffic: pd.DataFrame  # offered load, Erlangs
    aht: pd.DataFrame  # average handling time, seconds


def queue_grids(plan: StaffingPlan) -> list[QueueGrid]:
    """The plan's queues with some demand, as the scheduler takes them (sorted by queue)."""
    iv = plan.to_frame()
    out = []
    for queue, g in iv.groupby("queue", sort=True):

        def wide(col: str, g: pd.DataFrame = g) -> pd.DataFrame:
            return g.pivot(index="weekday", columns="time", values=col)

        open_ = wide("contacts") > 0
        if not open_.to_numpy().any():
            continue
        required = wide("scheduled_staff").astype(float).where(open_)
        rows = required.index[open_.any(axis=1)]
        out.append(
            QueueGrid(
                str(queue),
                required.loc[rows],
                wide("traffic_erlangs").loc[rows].astype(float),
                wide("aht_seconds").loc[rows].astype(float),
            )
        )
    return out


def roster_queues(plan: StaffingPlan, roster: RosterScheme | None = None) -> dict[str, RosterPlan]:
    """One :class:`RosterPlan` per queue of a staffing plan (weekday x interval requirement).

    Parameters
    ----------
    plan : StaffingPlan
        A branch's plan (:func:`~bankperf_analysis.staffing.plan.branch_staffing_plan`).
    roster : RosterScheme, optional
        Shift templates and rules (``Scheme.roster``); None: the defaults.

    Returns
    -------
    dict of str to RosterPlan
        By queue (``"counter"``, ``"phone_online"``), queues without demand left out.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset import load_dataset, make_demo_bank
    >>> from bankperf_analysis.staffing import branch_staffing_plan
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> plans = roster_queues(branch_staffing_plan(load_dataset(folder), "B01", "2026Q4"))
    >>> sorted(plans), all(p.feasible for p in plans.values())
    (['counter', 'phone_online'], True)
    """
    return {g.queue: _fit(plan, roster, g, g.required) for g in queue_grids(plan)}


def _required_on_shift(plan: StaffingPlan, g: QueueGrid, traffic: pd.DataFrame) -> pd.DataFrame:
    """Staff on shift the plan's targets need for ``traffic`` (NaN where the queue is closed)."""
    open_ = g.required.notna().to_numpy()
    req = required_staff(
        traffic.to_numpy(dtype=float)[open_],
        g.aht.to_numpy(dtype=float)[open_],
        target_service_level=plan.service_level_target,
        target_answer_seconds=plan.answer_seconds,
        max_asa_seconds=plan.max_asa_seconds,
    )
    values = np.full(g.required.shape, np.nan)
    values[open_] = scheduled_staff(req, plan.shrinkage)
    return pd.DataFrame(values, index=g.required.index, columns=g.required.columns)


def _service_of(plan: StaffingPlan, g: QueueGrid, on_duty: pd.DataFrame, traffic: pd.DataFrame) -> float:
    """Contact-weighted service level of staff ``on_duty`` (a day x interval frame) under ``traffic``."""
    open_ = g.required.notna().to_numpy()
    a = traffic.to_numpy(dtype=float)[open_]
    h = g.aht.to_numpy(dtype=float)[open_]
    productive = np.floor(on_duty.to_numpy(dtype=float)[open_] * (1.0 - plan.shrinkage) + 1e-9)
    m = achieved_service(productive.astype(np.int64), a, h, answer_seconds=plan.answer_seconds)
    w = a / h  # contacts per second: the weights of the service level
    return float((m.service_level * w).sum() / w.sum()) if w.sum() > 0 else float("nan")


def _on_duty(p: RosterPlan, like: pd.DataFrame) -> pd.DataFrame:
    """A roster's staff on duty as a frame shaped like ``like``."""
    iv = p.to_frame()
    return iv.pivot(index="day", columns="time", values="on_duty").reindex(
        index=like.index, columns=like.columns
    )


def _row(scenario: str, queue: str, p: RosterPlan | None, service: float, base: RosterPlan) -> dict:
    plan = p or base
    return {
        "scenario": scenario,
        "queue": queue,
        "feasible": bool(plan.feasible),
        "headcount": int(plan.headcount_full_time + plan.headcount_part_time),
        "cost_yuan_per_week": float(plan.cost_yuan),
        "cost_change_yuan_per_week": float(plan.cost_yuan - base.cost_yuan),
        "service_level": service,
        "shortfall_staff_hours": float(plan.shortfall_staff_hours),
        "idle_staff_hours": float(plan.idle_staff_hours),
    }


def roster_what_if(
    plan: StaffingPlan,
    roster: RosterScheme | None = None,
    *,
    demand_change: float = 0.10,
    rosters: dict[str, RosterPlan] | None = None,
) -> pd.DataFrame:
    """The proposed rosters under changes: more demand, one more on duty, one staff fewer.

    Parameters
    ----------
    plan : StaffingPlan
        The branch's plan (its targets, shrinkage and demand).
    roster : RosterScheme, optional
        Shift templates and rules; None: the defaults.
    demand_change : float, default 0.10
        Relative change of the offered load in the demand scenarios (0.10: +10 %).
    rosters : dict, optional
        The proposed rosters (:func:`roster_queues`), if already solved.

    Returns
    -------
    pandas.DataFrame
        One row per queue x scenario (:data:`WHAT_IF_SCENARIOS`): ``scenario``, ``queue``,
        ``feasible`` (every interval covered), ``headcount``, ``cost_yuan_per_week``,
        ``cost_change_yuan_per_week`` (against the proposed roster), ``service_level``
        (contact-weighted, Erlang model of the plan), ``shortfall_staff_hours``,
        ``idle_staff_hours``. ``demand_up_same`` keeps the proposed roster, so its cost and
        hours are the proposed ones; its service level is under the higher demand.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset import load_dataset, make_demo_bank
    >>> from bankperf_analysis.staffing import branch_staffing_plan
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> w = roster_what_if(branch_staffing_plan(load_dataset(folder), "B01", "2026Q4"))
    >>> sl = w.pivot(index="queue", columns="scenario", values="service_level")
    >>> bool((sl["demand_up_same"] < sl["proposed"]).all())  # more demand, same staff: a lower level
    True
    """
    check_positive(demand_change, "demand_change", "roster_what_if")
    rosters = roster_queues(plan, roster) if rosters is None else rosters
    rows = []
    for g in queue_grids(plan):
        base = rosters[g.queue]
        more = g.traffic * (1.0 + float(demand_change))
        cases: list[tuple[str, RosterPlan | None, pd.DataFrame]] = [
            ("proposed", None, g.traffic),
            ("demand_up_same", None, more),
            ("demand_up_rostered", _fit(plan, roster, g, _required_on_shift(plan, g, more)), more),
            ("one_more", _fit(plan, roster, g, g.required + 1), g.traffic),
        ]
        n = base.headcount_full_time + base.headcount_part_time
        if n > 1:  # a roster of one cannot lose a staff
            cases.append(("one_fewer", _fit(plan, roster, g, g.required, max_headcount=n - 1), g.traffic))
        for scenario, p, traffic in cases:
            service = _service_of(plan, g, _on_duty(p or base, g.required), traffic)
            rows.append(_row(scenario, g.queue, p, service, base))
    return pd.DataFrame(rows)


def _fit(
    plan: StaffingPlan, roster: RosterScheme | None, g: QueueGrid, required: pd.DataFrame, **caps: Any
) -> RosterPlan:
    """The roster of queue ``g`` for ``required`` staff on shift, under the plan's shrinkage and target.

    ``caps`` go to :class:`ShiftScheduler` (``max_headcount``, ...).
    """
    est = ShiftScheduler(roster, shrinkage=plan.shrinkage, answer_seconds=plan.answer_seconds, **caps)
    return est.fit(required, traffic=g.traffic, aht_seconds=g.aht).plan_

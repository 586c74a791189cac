"""Shift scheduling (排班): the least-cost week of shifts that covers the required staff.

:class:`ShiftScheduler` takes the staff required on duty per day x interval of one week
(from :class:`~bankperf_analysis.staffing.estimator.ErlangStaffing` or a
:class:`~bankperf_analysis.staffing.plan.StaffingPlan`, or given) and the shift templates
and rules of the scheme's ``roster:`` section
(:class:`~bankperf_analysis.scheme.RosterScheme`): start times and lengths, meal-break
windows, days off per week, part-time shifts, minimum and maximum staff on duty, a cost per
shift, and optional caps on headcount and on the week's cost. It solves an integer program
with SciPy's :func:`~scipy.optimize.milp` (HiGHS); the program is described in
:mod:`~bankperf_analysis.staffing._roster_model`.

* When every interval can be covered: the least-cost set of shifts that covers it.
* When a cap (headcount, budget, staff on duty) or the templates make that impossible: the
  plan with the least weighted shortfall, then the least cost; :attr:`RosterPlan.feasible` is
  False and :meth:`RosterPlan.message` says it is a shortfall plan.

With the offered load per interval (``traffic``, Erlangs) the plan also reports the service
level each interval achieves with the staff on duty, through the package's Erlang model
(:func:`~bankperf_analysis.staffing.required.achieved_service`; productive agents =
on duty x (1 - shrinkage), rounded down, as the staffing plan counts a roster).
"""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._estimator import ParamsMixin
from bankperf_analysis._summary import Summary, Table
from bankperf_analysis._validation import (
    check_choice,
    check_int,
    check_positive,
    check_unit_interval,
    param_error,
)
from bankperf_analysis.exceptions import NotFittedError
from bankperf_analysis.i18n import LABELS, check_lang, t
from bankperf_analysis.numbers import DASH, fmt_number, fmt_percent
from bankperf_analysis.scheme._roster import RosterScheme, default_roster
from bankperf_analysis.staffing._roster_model import (
    assign_staff,
    expand_variants,
    headcount,
    solve_roster,
    work_days,
)
from bankperf_analysis.staffing.erlang import Model
from bankperf_analysis.staffing.required import achieved_service

__all__ = ["ShiftScheduler", "RosterPlan", "RosterObjective"]

RosterObjective = Literal["cost", "abs_difference"]
_FIT = "ShiftScheduler.fit"
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


# --------------------------------------------------------------------------- result


@dataclass(frozen=True, eq=False)
class RosterPlan:
    """A week of shifts and what it achieves (from :meth:`ShiftScheduler.fit`).

    Attributes
    ----------
    feasible : bool
        Every open interval has at least its target (required staff, and ``min_on_duty``).
    optimal : bool
        HiGHS proved every stage optimal (False: the time limit ended a stage).
    objective : {"cost", "abs_difference"}
        What the plan minimises (after any shortfall).
    limits : tuple of str
        The caps of the program (``"max_headcount"``, ``"weekly_budget_yuan"``, ``"max_on_duty"``).
    interval_minutes : int
    cost_yuan : float
        Cost of the week's shifts.
    headcount_full_time, headcount_part_time : int
        Fewest staff who can work the shifts with the days off of the scheme.
    weighted_shortfall : float
        Sum of weight x shortfall over the open intervals (0 when feasible).
    shortfall_staff_hours, idle_staff_hours, on_duty_staff_hours, required_staff_hours : float
        Over the open intervals: staff-hours below the target, above the requirement, on duty,
        required.
    service_level : float
        Contact-weighted service level of the week (NaN without ``traffic``).
    solve_seconds : float
    intervals : pandas.DataFrame
        One row per day x interval (:meth:`to_frame`).
    shifts : pandas.DataFrame
        One row per day x shift variant worked: ``day``, ``shift``, ``part_time``, ``start``,
        ``end``, ``break_start``, ``break_end`` (empty without a break), ``staff``, ``cost_yuan``.
    assignments : pandas.DataFrame
        One row per person x day worked: ``staff_no`` (``F01``... full-time, ``P01``...
        part-time), ``day`` and the shift's columns; each person works at most the days the
        scheme allows.
    """

    feasible: bool
    optimal: bool
    objective: str
    limits: tuple[str, ...]
    interval_minutes: int
    cost_yuan: float
    headcount_full_time: int
    headcount_part_time: int
    weighted_shortfall: float
    shortfall_staff_hours: float
    idle_staff_hours: float
    on_duty_staff_hours: float
    required_staff_hours: float
    service_level: float
    solve_seconds: float
    intervals: pd.DataFrame = field(repr=False)
    shifts: pd.DataFrame = field(repr=False)
    assignments: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per day x interval.

        Columns: ``day``, ``time`` (``HH:MM``), ``open``, ``required_staff`` (NaN when
        closed), ``target`` (with ``min_on_duty``), ``on_duty``, ``shortfall`` (target - on
        duty, >= 0), ``idle`` (on duty - required, >= 0), ``productive`` (on duty after
        shrinkage), ``traffic_erlangs``, ``service_level``, ``asa_seconds``, ``abandon_rate``
        (NaN without ``traffic``).
        """
        return self.intervals.copy()

    def message(self, lang: str = "en") -> str:
        """One sentence: an optimal plan, or a shortfall plan and what prevents covering."""
        check_lang(lang)
        if self.feasible:
            key = "roster_msg_optimal" if self.optimal else "roster_msg_time_limit"
            if self.objective == "abs_difference":
                key = "roster_msg_abs"
            return t(key, lang)
        names = [t(f"roster_limit_{k}", lang) for k in self.limits] or [t("roster_limit_templates", lang)]
        sep = "、" if lang == "zh" else ", "
        return t(
            "roster_msg_shortfall",
            lang,
            limits=sep.join(names),
            hours=fmt_number(self.shortfall_staff_hours, 1),
        )

    def summary(self, lang: str = "en") -> Summary:
        """Status, cost, headcount, hours and service level; shifts per day; coverage per interval."""
        check_lang(lang)
        return Summary(
            t("roster_title", lang, minutes=self.interval_minutes),
            facts=_facts(self, lang),
            tables=_tables(self, lang),
            alerts=() if self.feasible else (self.message(lang),),
        )


def _money(x: float, lang: str) -> str:
    return f"{fmt_number(x, 0)} {t('count_unit_yuan', lang)}"


def _facts(p: RosterPlan, lang: str) -> list[tuple[str, str]]:
    hours = t("roster_unit_staff_hours", lang)
    facts = [
        (t("roster_fact_status", lang), p.message(lang)),
        (t("roster_fact_cost", lang), _money(p.cost_yuan, lang)),
        (
            t("roster_fact_headcount", lang),
            t("roster_headcount_value", lang, full=p.headcount_full_time, part=p.headcount_part_time),
        ),
        (t("roster_fact_required", lang), f"{fmt_number(p.required_staff_hours, 1)} {hours}"),
        (t("roster_fact_on_duty", lang), f"{fmt_number(p.on_duty_staff_hours, 1)} {hours}"),
        (t("roster_fact_idle", lang), f"{fmt_number(p.idle_staff_hours, 1)} {hours}"),
        (t("roster_fact_shortfall", lang), f"{fmt_number(p.shortfall_staff_hours, 1)} {hours}"),
    ]
    if np.isfinite(p.service_level):
        facts.append((t("roster_fact_service_level", lang), fmt_percent(p.service_level)))
    return facts


def _day_label(day: Any, lang: str) -> str:
    if isinstance(day, int | np.integer) and 0 <= int(day) <= 6:
        return t(f"weekday_{_WEEKDAYS[int(day)]}", lang)
    if isinstance(day, str) and f"weekday_{day}" in LABELS:
        return t(f"weekday_{day}", lang)
    if isinstance(day, pd.Timestamp | _dt.date):
        return pd.Timestamp(day).strftime("%Y-%m-%d")
    return str(day)


def _tables(p: RosterPlan, lang: str) -> list[Table]:
    days = list(dict.fromkeys(p.intervals["day"]))
    labels = {d: _day_label(d, lang) for d in days}
    sh = p.shifts.copy()
    tables = []
    if len(sh):
        sh["label"] = [
            f"{s} {a}–{b}" + (f" ({t('label_break', lang)} {c}–{e})" if c else "")
            for s, a, b, c, e in zip(sh["shift"], sh["start"], sh["end"], sh["break_start"], sh["break_end"])
        ]
        pv = sh.pivot_table(
            index="label", columns="day", values="staff", aggfunc="sum", fill_value=0, sort=False
        )
        pv = pv.reindex(columns=[d for d in days if d in pv.columns]).astype(int).astype(str)
        pv = pv.rename(columns=labels).rename_axis(index=t("label_shift", lang), columns=None)
        tables.append(Table(t("roster_heading_shifts", lang), pv.reset_index()))
    iv = p.intervals[p.intervals["open"]]
    cells = iv.assign(
        cell=[f"{int(o)}/{int(r)}" for o, r in zip(iv["on_duty"], iv["required_staff"])],
        sl=[DASH if not np.isfinite(v) else fmt_percent(v, 0) for v in iv["service_level"]],
    )
    for value, heading, note in (
        ("cell", "roster_heading_cover", "roster_note_cover"),
        ("sl", "roster_heading_service", "roster_note_service"),
    ):
        if value == "sl" and not np.isfinite(iv["service_level"]).any():
            continue
        pv = cells.pivot(index="time", columns="day", values=value)
        pv = pv.reindex(columns=[d for d in days if d in pv.columns]).fillna(DASH)
        pv = pv.rename(columns=labels).rename_axis(index=t("label_time", lang), columns=None)
        tables.append(Table(t(heading, lang), pv.reset_index(), notes=[t(note, lang)]))
    return tables


# --------------------------------------------------------------------------- input


def _time_minutes(label: Any) -> int | None:
    if isinstance(label, _dt.time):
        return label.hour * 60 + label.minute
    if isinstance(label, str) and len(label) == 5 and label[2] == ":" and label.replace(":", "").isdigit():
        h, m = int(label[:2]), int(label[3:])
        return h * 60 + m if h < 24 and m < 60 else None
    return None


def _grid(required: Any) -> tuple[pd.DataFrame, int, int]:
    """The requirement as a days x intervals float frame, the first interval and the step (minutes)."""
    expected = (
        "a DataFrame of days (at most 7 rows) x interval start times ('HH:MM' columns, equally "
        "spaced), or a Series with a (day, 'HH:MM') MultiIndex"
    )
    if isinstance(required, pd.Series):
        if required.index.nlevels != 2:
            raise param_error(
                "required", _FIT, expected, f"a Series with {required.index.nlevels} index level(s)"
            )
        required = required.unstack(level=1, sort=False)
    if not isinstance(required, pd.DataFrame) or required.shape[1] == 0 or not 1 <= len(required) <= 7:
        raise param_error(
            "required",
            _FIT,
            expected,
            type(required).__name__
            if not isinstance(required, pd.DataFrame)
            else f"a {required.shape[0]} x {required.shape[1]} frame",
        )
    if required.index.has_duplicates:
        raise param_error("required", _FIT, "a frame with distinct days", list(required.index))
    mins = [_time_minutes(c) for c in required.columns]
    bad = [c for c, m in zip(required.columns, mins) if m is None]
    if bad:
        raise param_error("required", _FIT, "a frame whose columns are interval starts 'HH:MM'", bad[0])
    steps = np.diff(np.asarray(mins))
    if len(mins) > 1 and (steps.min() <= 0 or steps.min() != steps.max()):
        raise param_error(
            "required",
            _FIT,
            "a frame with increasing, equally spaced interval starts",
            [str(c) for c in required.columns],
        )
    dt = int(steps[0]) if len(mins) > 1 else 60
    try:
        values = required.to_numpy(dtype=float)
    except (TypeError, ValueError):
        values = required.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    raw = required.to_numpy(dtype=object)
    bad_cell = (
        (np.isnan(values) & pd.notna(raw))
        | (values < 0)
        | (np.isfinite(values) & (values != np.round(values)))
    )
    bad_cell |= np.isinf(values)
    if bad_cell.any():
        i, j = map(int, np.argwhere(bad_cell)[0])
        raise param_error(
            "required",
            _FIT,
            f"whole numbers of staff >= 0, or NaN for a closed interval (day "
            f"{required.index[i]!r}, interval {required.columns[j]!s})",
            raw[i, j],
        )
    starts = [int(m) for m in mins if m is not None]
    frame = pd.DataFrame(values, index=list(required.index), columns=[_hhmm(m) for m in starts])
    return frame, starts[0], dt


def _same_shape(value: Any, name: str, grid: pd.DataFrame, low_open: bool = False) -> np.ndarray:
    """A per-interval input (``traffic``, ``weights``, ``aht_seconds``): a scalar or a frame."""
    if isinstance(value, int | float | np.number) and not isinstance(value, bool):
        arr = np.full(grid.shape, float(value))
    elif isinstance(value, pd.Series) and value.index.nlevels == 2:
        return _same_shape(value.unstack(level=1, sort=False), name, grid, low_open)
    elif isinstance(value, pd.DataFrame) and value.shape == grid.shape:
        arr = value.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    else:
        raise param_error(
            name, _FIT, f"a number or a frame of the shape of 'required' {grid.shape}", type(value).__name__
        )
    ok = np.isfinite(arr) & ((arr > 0) if low_open else (arr >= 0))
    closed = np.isnan(grid.to_numpy())
    if not (ok | closed).all():
        i, j = map(int, np.argwhere(~(ok | closed))[0])
        expected = "positive" if low_open else "non-negative"
        raise param_error(
            name,
            _FIT,
            f"finite {expected} numbers (day {grid.index[i]!r}, interval {grid.columns[j]})",
            arr[i, j],
        )
    return arr


# --------------------------------------------------------------------------- estimator


class ShiftScheduler(ParamsMixin):
    """Least-cost shifts covering the required staff per interval of a week (integer program).

    Parameters
    ----------
    roster : RosterScheme, optional
        Shift templates and rules (``Scheme.roster``); None: the defaults of
        :func:`~bankperf_analysis.scheme.default_roster`.
    objective : {"cost", "abs_difference"}, default "cost"
        ``"cost"``: cover every interval at the least cost (or, when that is impossible, the
        least weighted shortfall, then the least cost). ``"abs_difference"``: the least
        weighted sum of |on duty - target| (shortfall and surplus alike); ties are not broken by cost.
    max_headcount : int, optional
        Cap on the week's staff; overrides ``roster.max_headcount``.
    weekly_budget_yuan : float, optional
        Cap on the week's shift cost; overrides ``roster.weekly_budget_yuan``.
    shrinkage : float in [0, 1), default 0
        Share of on-duty time not available for contacts: productive agents = on duty x
        (1 - shrinkage), rounded down (use 0 when ``required`` already counts agents).
    answer_seconds : float, default 30
        Answer-time threshold of the service level.
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
    patience_seconds : float, optional
        Mean patience for Erlang A.
    time_limit_seconds : float, default 60
        HiGHS time limit per stage.

    Attributes
    ----------
    plan_ : RosterPlan

    Examples
    --------
    >>> from bankperf_analysis.scheme import MealBreak, RosterScheme, ShiftTemplate
    >>> roster = RosterScheme(
    ...     shifts=(ShiftTemplate("day", ("09:00", "10:00"), 4.0, 100.0,
    ...                           meal_break=MealBreak(60, 60, 120)),),
    ...     days_off_per_week=0, min_on_duty=0)
    >>> need = pd.DataFrame([[1, 2, 2, 2, 1]], index=["Mon"],
    ...                     columns=["09:00", "10:00", "11:00", "12:00", "13:00"])
    >>> plan = ShiftScheduler(roster).fit(need).plan_
    >>> plan.feasible, plan.cost_yuan, float(plan.to_frame()["shortfall"].sum())
    (True, 300.0, 0.0)
    """

    def __init__(
        self,
        roster: RosterScheme | None = None,
        objective: RosterObjective = "cost",
        max_headcount: int | None = None,
        weekly_budget_yuan: float | None = None,
        shrinkage: float = 0.0,
        answer_seconds: float = 30.0,
        model: Model = "erlang_c",
        patience_seconds: float | None = None,
        time_limit_seconds: float = 60.0,
    ):
        self.roster = roster
        self.objective = objective
        self.max_headcount = max_headcount
        self.weekly_budget_yuan = weekly_budget_yuan
        self.shrinkage = shrinkage
        self.answer_seconds = answer_seconds
        self.model = model
        self.patience_seconds = patience_seconds
        self.time_limit_seconds = time_limit_seconds

    def _rules(self) -> RosterScheme:
        owner = "ShiftScheduler"
        roster = default_roster() if self.roster is None else self.roster
        if not isinstance(roster, RosterScheme):
            raise param_error("roster", owner, "a RosterScheme (Scheme.roster) or None", roster)
        check_choice(self.objective, "objective", owner, RosterObjective)
        check_unit_interval(self.shrinkage, "shrinkage", owner, low_closed=True)
        check_positive(self.answer_seconds, "answer_seconds", owner)
        check_choice(self.model, "model", owner, Model)
        check_positive(self.patience_seconds, "patience_seconds", owner, allow_none=True)
        if self.model == "erlang_a" and self.patience_seconds is None:
            raise param_error("patience_seconds", owner, "a positive float when model='erlang_a'", None)
        check_positive(self.time_limit_seconds, "time_limit_seconds", owner)
        if self.max_headcount is not None:
            roster = replace(
                roster, max_headcount=check_int(self.max_headcount, "max_headcount", owner, low=1)
            )
        if self.weekly_budget_yuan is not None:
            budget = check_positive(self.weekly_budget_yuan, "weekly_budget_yuan", owner, allow_zero=True)
            roster = replace(roster, weekly_budget_yuan=budget)
        return roster

    def fit(
        self,
        required: pd.DataFrame | pd.Series,
        traffic: pd.DataFrame | float | None = None,
        aht_seconds: pd.DataFrame | float = 300.0,
        weights: pd.DataFrame | float = 1.0,
    ) -> ShiftScheduler:
        """Solve the week's roster.

        Parameters
        ----------
        required : DataFrame or Series
            Staff required on duty: days (at most 7 rows: weekdays 0-6, names or dates) x
            interval starts (``"HH:MM"`` columns, equally spaced), whole numbers >= 0, NaN for
            a closed interval; or a Series with a (day, ``"HH:MM"``) MultiIndex.
        traffic : DataFrame or float, optional
            Offered load (Erlangs) per interval, for the achieved service level.
        aht_seconds : DataFrame or float, default 300
            Average handling time, for the service level.
        weights : DataFrame or float, default 1
            Weight of a staff short in each interval (e.g. the contacts).

        Returns
        -------
        ShiftScheduler
            ``self``, with ``plan_`` set.
        """
        roster = self._rules()
        grid, t0, dt = _grid(required)
        w = _same_shape(weights, "weights", grid)
        req = grid.to_numpy()
        open_ = ~np.isnan(req)
        target = np.where(open_, np.maximum(np.nan_to_num(req), roster.min_on_duty), 0.0)
        var = expand_variants(roster, t0, dt, grid.shape[1])
        t_start = time.perf_counter()
        sol = solve_roster(target, open_, w, var, roster, self.objective, float(self.time_limit_seconds))
        seconds = time.perf_counter() - t_start
        on_duty = sol.staff @ var.cover.astype(np.int64)
        metrics = self._service(grid, on_duty, traffic, aht_seconds)
        self.plan_ = _plan(grid, dt, roster, var, sol, on_duty, target, w, metrics, self, seconds)
        return self

    def _service(
        self, grid: pd.DataFrame, on_duty: np.ndarray, traffic: Any, aht: Any
    ) -> dict[str, np.ndarray]:
        nan = np.full(grid.shape, np.nan)
        productive = np.floor(on_duty * (1.0 - float(self.shrinkage)) + 1e-9).astype(np.int64)
        out = {"productive": productive.astype(float), "traffic_erlangs": nan}
        out.update(service_level=nan, asa_seconds=nan, abandon_rate=nan)
        if traffic is None:
            return out
        a = _same_shape(traffic, "traffic", grid)
        h = _same_shape(aht, "aht_seconds", grid, low_open=True)
        open_ = ~np.isnan(grid.to_numpy())
        m = achieved_service(
            productive[open_],
            a[open_],
            h[open_],
            answer_seconds=float(self.answer_seconds),
            model=self.model,
            patience_seconds=self.patience_seconds,
        )
        for key, values in (
            ("traffic_erlangs", a[open_]),
            ("service_level", m.service_level),
            ("asa_seconds", m.asa_seconds),
            ("abandon_rate", m.abandon_rate),
        ):
            col = np.full(grid.shape, np.nan)
            col[open_] = values
            out[key] = col
        out["contacts"] = np.where(open_, a * dt_seconds(grid) / np.where(open_, h, 1.0), 0.0)
        return out

    def _check_fitted(self) -> None:
        if not hasattr(self, "plan_"):
            raise NotFittedError("This ShiftScheduler instance is not fitted yet; call fit().")

    def summary(self, lang: str = "en") -> Summary:
        """The fitted plan's summary (:meth:`RosterPlan.summary`)."""
        self._check_fitted()
        return self.plan_.summary(lang)


def dt_seconds(grid: pd.DataFrame) -> float:
    """Interval length of a grid in seconds (one interval: 60 min)."""
    mins = [_time_minutes(c) or 0 for c in grid.columns]
    return 60.0 * (mins[1] - mins[0] if len(mins) > 1 else 60)


def _plan(grid, dt, roster, var, sol, on_duty, target, w, metrics, est, seconds) -> RosterPlan:
    req = grid.to_numpy()
    open_ = ~np.isnan(req)
    short = np.where(open_, np.clip(target - on_duty, 0, None), 0.0)
    idle = np.where(open_, np.clip(on_duty - np.nan_to_num(req), 0, None), 0.0)
    days = list(grid.index)
    D, T = grid.shape
    iv = pd.DataFrame(
        {
            "day": np.repeat(np.asarray(days, dtype=object), T),
            "time": np.tile(np.asarray(grid.columns, dtype=object), D),
            "open": open_.ravel(),
            "required_staff": req.ravel(),
            "target": np.where(open_, target, np.nan).ravel(),
            "on_duty": on_duty.ravel(),
            "shortfall": short.ravel(),
            "idle": idle.ravel(),
            **{k: v.ravel() for k, v in metrics.items() if k != "contacts"},
        }
    )
    hours = dt / 60.0
    contacts = metrics.get("contacts")
    sl = float("nan")
    if contacts is not None and contacts[open_].sum() > 0:
        sl = float((metrics["service_level"][open_] * contacts[open_]).sum() / contacts[open_].sum())
    shifts, people = _shift_tables(days, var, sol.staff, roster)
    full = sol.staff[:, ~var.part_time].sum(axis=1)
    part = sol.staff[:, var.part_time].sum(axis=1)
    limits = tuple(
        k for k in ("max_headcount", "weekly_budget_yuan", "max_on_duty") if getattr(roster, k) is not None
    )
    return RosterPlan(
        feasible=sol.feasible,
        optimal=sol.optimal,
        objective=est.objective,
        limits=limits,
        interval_minutes=dt,
        cost_yuan=float((sol.staff * var.cost).sum()),
        headcount_full_time=headcount(full, work_days(roster, False, D)),
        headcount_part_time=headcount(part, work_days(roster, True, D)),
        weighted_shortfall=float((w * short).sum()),
        shortfall_staff_hours=float(short.sum() * hours),
        idle_staff_hours=float(idle.sum() * hours),
        on_duty_staff_hours=float(on_duty[open_].sum() * hours),
        required_staff_hours=float(np.nansum(req) * hours),
        service_level=sl,
        solve_seconds=seconds,
        intervals=iv,
        shifts=shifts,
        assignments=people,
    )


def _variant_labels(var) -> dict[str, np.ndarray]:
    """Clock-time labels of every variant (object arrays, indexed by variant; cached)."""
    return _labels_cached(var.template, *(tuple(map(int, a)) for a in (var.start, var.end)),
                          *(tuple(map(int, a)) for a in (var.break_start, var.break_end)))  # fmt: skip


@lru_cache(maxsize=32)
def _labels_cached(template, start, end, break_start, break_end) -> dict[str, np.ndarray]:
    def clock(minutes: tuple[int, ...], brk: bool = False) -> np.ndarray:
        out = np.array([_hhmm(m) if not brk or m >= 0 else "" for m in minutes], dtype=object)
        out.flags.writeable = False
        return out

    shift = np.array(template, dtype=object)
    shift.flags.writeable = False
    return {
        "shift": shift,
        "start": clock(start),
        "end": clock(end),
        "break_start": clock(break_start, brk=True),
        "break_end": clock(break_end, brk=True),
    }


def _shift_tables(days, var, staff, roster) -> tuple[pd.DataFrame, pd.DataFrame]:
    d_idx, v_idx = np.nonzero(staff)
    n = staff[d_idx, v_idx]
    lab = {k: a[v_idx] for k, a in _variant_labels(var).items()}
    day = np.empty(len(d_idx), dtype=object)
    day[:] = [days[d] for d in d_idx]
    part = var.part_time[v_idx].astype(bool)
    cols = {"day": day, "shift": lab["shift"], "part_time": part}
    cols.update((k, lab[k]) for k in ("start", "end", "break_start", "break_end"))
    shifts = _frame({**cols, "staff": n.astype(np.int64), "cost_yuan": (n * var.cost[v_idx]).astype(float)})
    rows = np.repeat(np.arange(len(n)), n)  # one entry per person-shift
    people_rows, staff_no = [], []
    for is_part, prefix in ((False, "F"), (True, "P")):
        mine = rows[part[rows] == is_part]
        day_of = d_idx[mine]
        per_day = np.bincount(day_of, minlength=len(days))
        k = work_days(roster, is_part, len(days))
        worked = assign_staff(per_day, headcount(per_day, k), k)
        queue = {d: list(mine[day_of == d]) for d in range(len(days))}
        for i, dlist in enumerate(worked):
            for d in dlist:
                people_rows.append(queue[d].pop())
                staff_no.append(f"{prefix}{i + 1:02d}")
    take = np.asarray(people_rows, dtype=np.int64)
    people = _frame({"staff_no": np.array(staff_no, dtype=object), **{k: c[take] for k, c in cols.items()}})
    return shifts, people


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """A frame of the columns: text from lists (pandas' string dtype), ``day`` kept as objects."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object) if k == "day" else v.tolist() if v.dtype == object else v
            for k, v in cols.items()
        }
    )

"""The shift templates and rules of the scheme: the ``roster:`` section (排班).

Read by :class:`~bankperf_analysis.staffing.roster.ShiftScheduler`. Every number is a
default that a bank changes in its scheme YAML; the section may be left out, and then the
defaults below hold (``params/scheme.yaml`` writes them out)::

    roster:
      days_off_per_week: 2            # full-time: 5-day, 40-hour week
      part_time_days_off_per_week: 2
      max_part_time_share: 0.3        # part-time staff <= 30 % of the headcount
      min_on_duty: 1                  # staff on duty in every open interval
      max_on_duty: null               # e.g. the counter windows; null = no cap
      max_headcount: null             # cap on staff rostered in the week; null = none
      weekly_budget_yuan: null        # cap on the week's shift cost; null = none
      shifts:
        full_day:
          starts: ["08:00", "08:30", "09:00"]
          hours: 9                    # start to end, the meal break included
          cost_yuan: 460              # per shift worked
          break: {minutes: 60, earliest_after_hours: 3, latest_after_hours: 5}
        part_time_4h:
          starts: ["10:00", "11:00"]
          hours: 4
          part_time: true
          cost_yuan: 230

The meal break starts between ``earliest_after_hours`` and ``latest_after_hours`` after the
shift's start (both included); the solver chooses where.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["MealBreak", "ShiftTemplate", "RosterScheme", "default_roster", "parse_roster", "roster_dict"]

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class MealBreak:
    """A meal break: its length and the window (after the shift's start) where it may start."""

    minutes: int
    earliest_after_minutes: int
    latest_after_minutes: int


@dataclass(frozen=True, slots=True)
class ShiftTemplate:
    """A shift template: start times (``HH:MM``), length, cost, part-time flag, meal break."""

    name: str
    starts: tuple[str, ...]
    hours: float
    cost_yuan: float
    part_time: bool = False
    meal_break: MealBreak | None = None


@dataclass(frozen=True, slots=True)
class RosterScheme:
    """Shift templates and rostering rules (the ``roster:`` section of the scheme)."""

    shifts: tuple[ShiftTemplate, ...]
    days_off_per_week: int = 2
    part_time_days_off_per_week: int = 2
    max_part_time_share: float = 0.3
    min_on_duty: int = 1
    max_on_duty: int | None = None
    max_headcount: int | None = None
    weekly_budget_yuan: float | None = None


def _every(first: str, last: str, minutes: int) -> tuple[str, ...]:
    h0, m0 = map(int, first.split(":"))
    h1, m1 = map(int, last.split(":"))
    return tuple(f"{m // 60:02d}:{m % 60:02d}" for m in range(h0 * 60 + m0, h1 * 60 + m1 + 1, minutes))


def default_roster() -> RosterScheme:
    """The default rostering rules (bank-specific defaults; the sources give no shift rules).

    * Full-time shift: 9 h from start to end with a 60-min meal break that starts 3 to 5 h
      after the start, so 8 h worked; starts every 30 min from 08:00 to 11:00, which covers a
      branch open 08:00-20:00. Days off: 2 a week (the 5-day, 40-hour week of the State
      Council's working-hours rules, 《国务院关于职工工作时间的规定》).
    * Part-time shift: 4 h without a break, starts every 30 min from 08:00 to 16:00; part-time
      staff work at most 4 h a day and 24 h a week (劳动合同法 art. 68), so 5 days of 4 h.
    * Cost: 460 yuan per full shift and 230 per part-time shift, 57.7 yuan an hour worked =
      the staffing salary default 120,000 yuan a year / (52 weeks x 40 h).
    * At most 30 % of the headcount part-time; at least 1 staff on duty whenever the queue is
      open; no cap on staff on duty, headcount or budget.
    """
    return RosterScheme(
        shifts=(
            ShiftTemplate(
                "full_day", _every("08:00", "11:00", 30), 9.0, 460.0, False, MealBreak(60, 180, 300)
            ),
            ShiftTemplate("part_time_4h", _every("08:00", "16:00", 30), 4.0, 230.0, True, None),
        )
    )


# ------------------------------------------------------------------- parsing

_KEYS = (
    "days_off_per_week",
    "part_time_days_off_per_week",
    "max_part_time_share",
    "min_on_duty",
    "max_on_duty",
    "max_headcount",
    "weekly_budget_yuan",
    "shifts",
)


def _hhmm(v: _V, value: Any, what: str, path: str) -> str:
    if not isinstance(value, str) or not _HHMM.match(value):
        v.fail(what, path, "a time of day 'HH:MM' (00:00-23:59)", value)
    return value


def _parse_break(v: _V, raw: Any, name: str, path: str, hours: float) -> MealBreak:
    what = f"meal break of shift '{name}'"
    d = v.mapping(raw, what, path)
    v.keys(d, what, path, ("minutes", "earliest_after_hours", "latest_after_hours"))
    minutes = v.integer(d["minutes"], f"'minutes' of the {what}", f"{path}.minutes", 1, int(hours * 60) - 1)
    early = v.number(
        d["earliest_after_hours"],
        f"'earliest_after_hours' of the {what}",
        f"{path}.earliest_after_hours",
        0,
        hours,
    )
    latest_high = hours - minutes / 60
    late = v.number(
        d["latest_after_hours"],
        f"'latest_after_hours' of the {what}",
        f"{path}.latest_after_hours",
        early,
        latest_high,
    )
    for key, x in (("earliest_after_hours", early), ("latest_after_hours", late)):
        if abs(x * 60 - round(x * 60)) > 1e-9:
            v.fail(f"'{key}' of the {what}", f"{path}.{key}", "a whole number of minutes in hours", x)
    return MealBreak(minutes, round(early * 60), round(late * 60))


def _parse_shift(v: _V, name: Any, raw: Any) -> ShiftTemplate:
    path = f"roster.shifts.{name}"
    what = f"shift template '{name}'"
    d = v.mapping(raw, what, path)
    v.keys(d, what, path, ("starts", "hours", "cost_yuan"), ("part_time", "break"))
    starts = d["starts"]
    if not isinstance(starts, list) or not starts:
        v.fail(f"'starts' of the {what}", f"{path}.starts", "a non-empty list of times 'HH:MM'", starts)
    times = tuple(
        _hhmm(v, s, f"start time of the {what}", f"{path}.starts[{i}]") for i, s in enumerate(starts)
    )
    if len(set(times)) != len(times):
        v.fail(f"'starts' of the {what}", f"{path}.starts", "a list of distinct times", starts)
    hours = v.number(d["hours"], f"'hours' of the {what}", f"{path}.hours", 0, 24, low_open=True)
    latest = max(int(t[:2]) * 60 + int(t[3:]) for t in times)
    if latest + hours * 60 > 24 * 60:
        v.fail(f"'hours' of the {what}", f"{path}.hours", "a length that ends every shift by 24:00", hours)
    cost = v.number(d["cost_yuan"], f"'cost_yuan' of the {what}", f"{path}.cost_yuan", 0)
    part = v.boolean(d.get("part_time", False), f"'part_time' of the {what}", f"{path}.part_time")
    brk = None if d.get("break") is None else _parse_break(v, d["break"], str(name), f"{path}.break", hours)
    return ShiftTemplate(str(name), times, hours, cost, part, brk)


def parse_roster(v: _V, raw: Any) -> RosterScheme:
    """Validate the ``roster:`` section (``v`` is the parser's validation context); None: defaults."""
    if raw is None:
        return default_roster()
    d = v.mapping(raw, "'roster'", "roster")
    v.keys(d, "'roster'", "roster", (), _KEYS)
    base = default_roster()
    shifts = base.shifts
    if "shifts" in d:
        sd = v.mapping(d["shifts"], "'shifts' of the roster", "roster.shifts")
        if not sd:
            v.fail("'shifts' of the roster", "roster.shifts", "a mapping of at least one shift template", sd)
        shifts = tuple(_parse_shift(v, n, r) for n, r in sd.items())

    def get(key: str) -> Any:
        return d.get(key, getattr(base, key))

    def whole(key: str, low: int, high: int | None = None) -> int:
        return v.integer(get(key), f"'{key}' of the roster", f"roster.{key}", low, high)

    def whole_or_null(key: str, low: int) -> int | None:
        return None if get(key) is None else whole(key, low)

    budget = v.number_or_null(
        get("weekly_budget_yuan"), "'weekly_budget_yuan' of the roster", "roster.weekly_budget_yuan", 0
    )
    roster = RosterScheme(
        shifts=shifts,
        days_off_per_week=whole("days_off_per_week", 0, 6),
        part_time_days_off_per_week=whole("part_time_days_off_per_week", 0, 6),
        max_part_time_share=v.number(
            get("max_part_time_share"),
            "'max_part_time_share' of the roster",
            "roster.max_part_time_share",
            0,
            1,
        ),
        min_on_duty=whole("min_on_duty", 0),
        max_on_duty=whole_or_null("max_on_duty", 1),
        max_headcount=whole_or_null("max_headcount", 1),
        weekly_budget_yuan=budget,
    )
    if roster.max_on_duty is not None and roster.max_on_duty < roster.min_on_duty:
        v.fail(
            "'max_on_duty' of the roster",
            "roster.max_on_duty",
            f"an integer >= min_on_duty ({roster.min_on_duty})",
            roster.max_on_duty,
        )
    return roster


def roster_dict(r: RosterScheme) -> dict[str, Any]:
    """The ``roster:`` section as a plain mapping (``Scheme.to_dict``; parses back to ``r``)."""
    shifts: dict[str, Any] = {}
    for s in r.shifts:
        sd: dict[str, Any] = {"starts": list(s.starts), "hours": s.hours, "cost_yuan": s.cost_yuan}
        sd["part_time"] = s.part_time
        if s.meal_break is not None:
            b = s.meal_break
            sd["break"] = {
                "minutes": b.minutes,
                "earliest_after_hours": b.earliest_after_minutes / 60,
                "latest_after_hours": b.latest_after_minutes / 60,
            }
        shifts[s.name] = sd
    return {
        "days_off_per_week": r.days_off_per_week,
        "part_time_days_off_per_week": r.part_time_days_off_per_week,
        "max_part_time_share": r.max_part_time_share,
        "min_on_duty": r.min_on_duty,
        "max_on_duty": r.max_on_duty,
        "max_headcount": r.max_headcount,
        "weekly_budget_yuan": r.weekly_budget_yuan,
        "shifts": shifts,
    }

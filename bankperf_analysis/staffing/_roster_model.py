"""The integer program behind :class:`~bankperf_analysis.staffing.roster.ShiftScheduler`.

Columns and rows
----------------
A *variant* is a shift template at one start time with its meal break at one position of
its window; it covers the intervals of the grid from its start to its end except those of
the break. The program has, for every day ``d`` with an open interval:

* ``y[d, v]`` (integer >= 0): staff working variant ``v`` on day ``d``;
* ``H_full``, ``H_part`` (integer >= 0): full-time and part-time staff of the week;
  a full-time person works exactly ``k = min(7 - days_off, days of the requirement)`` days,
  a part-time person at most ``k`` (their own days off);
* ``u[d, t]`` (>= 0, <= target): shortfall of the open interval ``t`` below its target
  ``max(required, min_on_duty)``.

Constraints: coverage ``sum_v cover[v, t] y[d, v] + u[d, t] >= target[d, t]``;
``sum_v cover y <= max_on_duty``; per group ``g``, staff of
a day ``sum_{v in g} y[d, v] <= H_g`` and shifts of the week ``sum_{d, v in g} y = k_g H_g``
(``<=`` for part-time); ``H_part <= share (H_full + H_part)``; ``H_full + H_part <= max_headcount``;
``sum cost y <= budget``.

The two headcount rows are exactly what a week of shifts needs: ``n_d`` shifts on day
``d`` can be given to ``H`` people working at most ``k`` days each iff ``n_d <= H`` for every
day and ``sum n_d <= k H`` (``= k H`` for exactly ``k`` days; Gale-Ryser with equal row sums);
:func:`assign_staff` builds such an assignment.

Solving is lexicographic. ``objective="cost"``: the least-cost plan with ``u = 0``; when that
is infeasible, first the least weighted shortfall ``sum w u``, then the least cost among the
plans with that shortfall. ``objective="abs_difference"``: the least ``sum w |on duty - target|``
in one stage (no cost tie-break, like the peer), in covering form: with the surplus
``s = A y + u - target``, ``sum w (u + s) = sum_v (w' A_v) y_v + 2 w' u - w' target``, so no surplus
columns are needed (the same optimum; 5-10x faster than with them on a branch week).
Each stage is one :func:`scipy.optimize.milp` call (HiGHS). When nothing
couples the days (no cap, no budget, only part-time templates with no share limit) the
headcount rows hold for any plan and the days are independent programs:
:func:`~bankperf_analysis.staffing._roster_fast.solve_days` solves them with one relaxation
for the week and proves each day's plan optimal (same optimum; about 20x faster than the whole-week
program on the benchmark's branch weeks); it hands back to the general program only when a
cost plan cannot cover.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

from bankperf_analysis._validation import param_error
from bankperf_analysis.scheme._roster import RosterScheme
from bankperf_analysis.staffing._roster_fast import solve_days

__all__ = [
    "Variants",
    "Solution",
    "expand_variants",
    "solve_roster",
    "assign_staff",
    "headcount",
    "work_days",
]

_OWNER = "ShiftScheduler.fit"


@dataclass(frozen=True)
class Variants:
    """Shift variants on a grid: coverage (variant x interval), cost, group, times in minutes."""

    cover: np.ndarray  # (V, T) bool
    cost: np.ndarray  # (V,)
    part_time: np.ndarray  # (V,) bool
    template: tuple[str, ...]
    start: np.ndarray  # minutes from midnight
    end: np.ndarray
    break_start: np.ndarray  # -1: no break
    break_end: np.ndarray


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _aligned(x: float, dt: int, what: str, name: str, got: object) -> int:
    if abs(x / dt - round(x / dt)) > 1e-9:
        raise param_error(
            "roster",
            _OWNER,
            f"shift templates on the {dt}-minute grid of the requirement ({what} of "
            f"'{name}' a multiple of {dt} min)",
            got,
        )
    return round(x)


def expand_variants(roster: RosterScheme, t0: int, dt: int, n_slots: int) -> Variants:
    """Every template x start x break position that overlaps the grid ``t0 + k dt``, ``k < n_slots``.

    Cached by its arguments (a bank's branches share a roster and a grid); the arrays are
    read-only.
    """
    return _expand_cached(roster, int(t0), int(dt), int(n_slots))


@lru_cache(maxsize=32)
def _expand_cached(roster: RosterScheme, t0: int, dt: int, n_slots: int) -> Variants:
    cover, cost, part, names, start, end, b0, b1 = [], [], [], [], [], [], [], []
    grid = t0 + dt * np.arange(n_slots)
    for tpl in roster.shifts:
        length = _aligned(tpl.hours * 60, dt, "the length", tpl.name, tpl.hours)
        brk = tpl.meal_break
        offsets: list[int | None] = [None]
        if brk is not None:
            _aligned(brk.minutes, dt, "the break", tpl.name, brk.minutes)
            lo = _aligned(
                brk.earliest_after_minutes, dt, "the break window", tpl.name, brk.earliest_after_minutes
            )
            hi = _aligned(
                brk.latest_after_minutes, dt, "the break window", tpl.name, brk.latest_after_minutes
            )
            offsets = list(range(lo, hi + 1, dt))
        for hhmm in tpl.starts:
            s = _minutes(hhmm)
            _aligned(s - t0, dt, f"the start {hhmm}", tpl.name, hhmm)
            on = (grid >= s) & (grid < s + length)
            for off in offsets:
                cov = on.copy()
                if off is not None and brk is not None:
                    cov &= ~((grid >= s + off) & (grid < s + off + brk.minutes))
                if not cov.any():
                    continue
                cover.append(cov)
                cost.append(tpl.cost_yuan)
                part.append(tpl.part_time)
                names.append(tpl.name)
                start.append(s)
                end.append(s + length)
                b0.append(-1 if off is None else s + off)
                b1.append(-1 if off is None or brk is None else s + off + brk.minutes)
    if not cover:
        raise param_error(
            "roster",
            _OWNER,
            "shift templates of which at least one overlaps the requirement's intervals",
            f"{len(roster.shifts)} template(s) outside them",
        )
    a = np.asarray
    var = Variants(
        np.vstack(cover), a(cost, float), a(part, bool), tuple(names), a(start), a(end), a(b0), a(b1)
    )
    for x in (var.cover, var.cost, var.part_time, var.start, var.end, var.break_start, var.break_end):
        x.flags.writeable = False
    return var


@dataclass(frozen=True)
class Solution:
    """Staff per day x variant, and how the program ended."""

    staff: np.ndarray  # (D, V) int
    feasible: bool  # every open interval's target met
    optimal: bool  # proven optimal in every stage
    message: str  # HiGHS's last message


def _program(target, open_, weights, var: Variants, roster: RosterScheme, objective: str, coupled: bool):
    """The matrices of the program (module docstring); returns (A, lb, ub, n_y, n_u, bounds pieces)."""
    D, T = target.shape
    V = len(var.cost)
    n_y = D * V
    rows_open = np.flatnonzero(open_.ravel())
    n_u = rows_open.size
    n_s = 0  # the absolute difference in its covering form (solve_roster): no surplus columns
    n = n_y + 2 + n_u + n_s
    cov_day = sp.csr_matrix(var.cover.T.astype(float))  # (T, V)
    cov = sp.block_diag([cov_day] * D, format="csr")  # (D*T, D*V)
    blocks, lbs, ubs = [], [], []

    def add(mat, lb, ub):
        blocks.append(sp.csr_matrix(mat))
        lbs.append(np.broadcast_to(np.asarray(lb, float), (blocks[-1].shape[0],)))
        ubs.append(np.broadcast_to(np.asarray(ub, float), (blocks[-1].shape[0],)))

    zeros = sp.csr_matrix((n_u, 2))
    eye = sp.identity(n_u, format="csr")
    r = target.ravel()[rows_open]
    pieces = [cov[rows_open], zeros, eye] + ([-eye] if n_s else [])
    add(sp.hstack(pieces), r, r if n_s else np.inf)
    if roster.max_on_duty is not None:
        add(sp.hstack([cov, sp.csr_matrix((D * T, n - n_y))]), -np.inf, roster.max_on_duty)
    for g, part in enumerate((False, True) if coupled else ()):
        mask = (var.part_time == part).astype(float)
        day = sp.kron(sp.identity(D), mask[None, :])  # (D, D*V)
        hcol = sp.csr_matrix(np.full((D, 1), -1.0))
        pad = [sp.csr_matrix((D, 1))]
        add(
            sp.hstack([day, *(pad + [hcol] if g else [hcol] + pad), sp.csr_matrix((D, n_u + n_s))]),
            -np.inf,
            0,
        )
        week = np.zeros(n)
        week[:n_y] = np.tile(mask, D)
        week[n_y + g] = -work_days(roster, part, D)
        add(week[None, :], -np.inf if part else 0, 0)  # full-time staff work all their days
    share = roster.max_part_time_share
    row = np.zeros(n)
    row[n_y], row[n_y + 1] = -share, 1 - share
    if coupled:
        add(row[None, :], -np.inf, 0)
    if roster.max_headcount is not None:
        row = np.zeros(n)
        row[n_y : n_y + 2] = 1
        add(row[None, :], -np.inf, roster.max_headcount)
    if roster.weekly_budget_yuan is not None:
        row = np.zeros(n)
        row[:n_y] = np.tile(var.cost, D)
        add(row[None, :], -np.inf, roster.weekly_budget_yuan)
    A = sp.vstack(blocks, format="csr")
    w = weights.ravel()[rows_open]
    return A, np.concatenate(lbs), np.concatenate(ubs), n, n_y, n_u, n_s, r, w


def solve_roster(
    target: np.ndarray,
    open_: np.ndarray,
    weights: np.ndarray,
    var: Variants,
    roster: RosterScheme,
    objective: str,
    time_limit: float,
    fast: bool = True,
) -> Solution:
    """Solve the program (module docstring) for the targets of a ``(days, intervals)`` grid.

    ``fast``: when the days are independent, solve them by
    :func:`~bankperf_analysis.staffing._roster_fast.solve_days` (same optimum; False: the
    general program, for tests).
    """
    D = target.shape[0]
    coupled = not _separable(var, roster)
    if fast and not coupled:
        days = solve_days(
            target, open_, weights, var.cover, var.cost, roster.max_on_duty, objective, time_limit
        )
        if days is not None:
            return Solution(*days)
    A, lb, ub, n, n_y, n_u, n_s, r, w = _program(target, open_, weights, var, roster, objective, coupled)
    has_part = bool(var.part_time.any())
    has_full = bool((~var.part_time).any())
    integrality = np.r_[np.ones(n_y + 2), np.zeros(n_u + n_s)]
    lo = np.zeros(n)
    hi = np.full(n, np.inf)
    hi[n_y] = np.inf if has_full and coupled else 0
    hi[n_y + 1] = np.inf if has_part and coupled else 0
    hi[n_y + 2 : n_y + 2 + n_u] = r
    cost = np.zeros(n)
    cost[:n_y] = np.tile(var.cost, D)
    options = {"time_limit": time_limit, "mip_rel_gap": 1e-7, "disp": False}
    cons = [LinearConstraint(A, lb, ub)]
    optimal = True
    if objective == "cost":
        hard = hi.copy()
        hard[n_y + 2 : n_y + 2 + n_u] = 0
        res = _milp(cost, integrality=integrality, bounds=Bounds(lo, hard), constraints=cons, options=options)
        if res.x is not None:
            return Solution(_staff(res.x, D, var), True, res.status == 0, str(res.message))
    first = np.zeros(n)
    first[n_y + 2 : n_y + 2 + n_u] = w
    if objective == "abs_difference":
        # sum w |A y - r| = sum_v (w' A_v) y_v + 2 w' u - w' r with A y + u >= r, 0 <= u <= r
        # (u = max(0, r - A y) at the optimum): the same optimum as surplus columns, faster
        first[:n_y] = (np.where(open_, weights, 0.0) @ var.cover.T.astype(float)).ravel()
        first[n_y + 2 : n_y + 2 + n_u] = 2.0 * w
    res = _milp(first, integrality=integrality, bounds=Bounds(lo, hi), constraints=cons, options=options)
    if res.x is None:  # pragma: no cover - x = 0 is always feasible here
        raise RuntimeError(f"HiGHS found no roster: {res.message}")
    optimal &= res.status == 0
    if objective == "abs_difference":  # one stage (the peer's objective; no cost tie-break)
        staff = _staff(res.x, D, var)
        met = bool((r <= (staff @ var.cover).ravel()[np.flatnonzero(open_.ravel())]).all())
        return Solution(staff, met, optimal, str(res.message))
    best = float(first @ res.x)
    cons.append(LinearConstraint(first[None, :], -np.inf, best + 1e-7 * max(1.0, abs(best))))
    res2 = _milp(cost, integrality=integrality, bounds=Bounds(lo, hi), constraints=cons, options=options)
    x = res2.x if res2.x is not None else res.x
    optimal &= res2.status == 0
    staff = _staff(x, D, var)
    met = bool((np.clip(r - (staff @ var.cover).ravel()[np.flatnonzero(open_.ravel())], 0, None) <= 0).all())
    return Solution(staff, met, optimal, str(res2.message))


def _milp(c, integrality, bounds, constraints, options):
    """:func:`~scipy.optimize.milp`, after its LP relaxation: an integral LP optimum is the MIP's.

    Shift-covering programs often have an integral relaxation; the LP is then several times
    faster than HiGHS's branch and bound (presolve, heuristics, cuts) for the same answer.
    """
    lp = milp(
        c, integrality=np.zeros_like(integrality), bounds=bounds, constraints=constraints, options=options
    )
    if lp.status == 0 and lp.x is not None:
        xi = lp.x[integrality == 1]
        if np.all(np.abs(xi - np.rint(xi)) <= 1e-9):
            return lp
    return milp(c, integrality=integrality, bounds=bounds, constraints=constraints, options=options)


def _separable(var: Variants, roster: RosterScheme) -> bool:
    """Whether the days are independent programs: no cap, no budget, no full-time week to fill.

    Then the headcount rows hold for any plan of the days (part-time staff work *at most*
    their days, and their headcount is free), so leaving them out is exact.
    """
    no_caps = roster.max_headcount is None and roster.weekly_budget_yuan is None
    return no_caps and not (~var.part_time).any() and roster.max_part_time_share >= 1.0


def _staff(x: np.ndarray, days: int, var: Variants) -> np.ndarray:
    """Staff per day x variant from the solver's vector (integer columns, integral within 1e-6)."""
    return np.rint(x[: days * len(var.cost)]).astype(np.int64).reshape(days, len(var.cost))


def work_days(roster: RosterScheme, part_time: bool, days: int) -> int:
    """Days a person works in the week: 7 - days off, at most the days of the requirement."""
    return min(7 - (roster.part_time_days_off_per_week if part_time else roster.days_off_per_week), days)


def headcount(per_day: np.ndarray, work_days: int) -> int:
    """Fewest staff who can work ``per_day`` shifts when each works at most ``work_days`` days."""
    if per_day.size == 0 or per_day.sum() == 0:
        return 0
    return int(max(per_day.max(), -(-int(per_day.sum()) // work_days)))


def assign_staff(per_day: np.ndarray, people: int, work_days: int) -> list[list[int]]:
    """Days worked by each of ``people`` (at most ``work_days`` each) covering ``per_day`` shifts.

    Greedy: each day goes to the staff with the most working days left (ties: lowest number),
    which succeeds whenever ``per_day <= people`` and ``sum(per_day) <= work_days * people``.
    """
    left = np.full(people, work_days)
    days: list[list[int]] = [[] for _ in range(people)]
    for d, n_d in enumerate(per_day):
        order = np.lexsort((np.arange(people), -left))[: int(n_d)]
        if int(n_d) > people or (left[order] <= 0).any():  # pragma: no cover - excluded by the program
            raise RuntimeError("the week's shifts do not fit the headcount")
        left[order] -= 1
        for p in order:
            days[int(p)].append(d)
    return days

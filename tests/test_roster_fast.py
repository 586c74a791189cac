"""The fast path of the roster program (days solved apart) against exhaustive search and the MILP.

When nothing couples the days (part-time templates only, no share limit, no headcount or
budget cap) ShiftScheduler solves one relaxation for the week and proves each day's plan
optimal by integrality or by a rounded plan meeting the bound (``_roster_fast``). References:
an exhaustive search over every staffing of a small day, built from the templates' clock
times here; and the general integer program of ``_roster_model`` (``fast=False``: the
program of the whole week, one HiGHS branch and bound, no rounding), a second method.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.scheme import MealBreak, RosterScheme, ShiftTemplate
from bankperf_analysis.staffing import _roster_fast, _roster_model
from bankperf_analysis.staffing._roster_model import expand_variants, solve_roster
from bankperf_analysis.staffing.roster import ShiftScheduler

TIMES = [f"{9 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(8)]  # 09:00 ... 12:30

PART_ONLY = RosterScheme(
    shifts=(
        ShiftTemplate("short", ("09:00", "10:00", "11:00"), 2.0, 100.0, part_time=True),
        ShiftTemplate(
            "long", ("09:00", "09:30", "10:00"), 3.0, 130.0, part_time=True, meal_break=MealBreak(30, 60, 90)
        ),
    ),
    part_time_days_off_per_week=0,
    max_part_time_share=1.0,
    min_on_duty=0,
)


def _m(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _cover(start: int, length: int, brk: tuple[int, int] | None) -> np.ndarray:
    slots = np.array([_m(t) for t in TIMES])
    on = (slots >= start) & (slots < start + length)
    if brk is not None:
        on &= ~((slots >= brk[0]) & (slots < brk[0] + brk[1]))
    return on.astype(int)


def _brute(req: np.ndarray) -> tuple[float, float]:
    """(least cost covering req, least sum |on duty - req|) over every staffing 0..max(req)."""
    cover, cost = [], []
    for s in ("09:00", "10:00", "11:00"):
        cover.append(_cover(_m(s), 120, None))
        cost.append(100.0)
    for s in ("09:00", "09:30", "10:00"):
        for off in (60, 90):
            cover.append(_cover(_m(s), 180, (_m(s) + off, 30)))
            cost.append(130.0)
    combos = np.array(list(itertools.product(range(int(req.max()) + 1), repeat=len(cost))))
    on = combos @ np.array(cover)
    covers = (on >= req[None, :]).all(axis=1)
    return float((combos[covers] @ np.array(cost)).min()), float(np.abs(on - req[None, :]).sum(axis=1).min())


@pytest.mark.parametrize("seed", range(6))
def test_fast_path_matches_exhaustive_search(seed, monkeypatch):
    calls = []
    monkeypatch.setattr(_roster_model, "solve_days", _counting(_roster_fast.solve_days, calls))
    req = np.random.default_rng(seed).integers(0, 3, size=(2, 8)).astype(float)
    grid = pd.DataFrame(req, index=["Mon", "Tue"], columns=TIMES)
    cost = ShiftScheduler(PART_ONLY).fit(grid).plan_
    absd = ShiftScheduler(PART_ONLY, objective="abs_difference").fit(grid).plan_
    assert calls  # the fast path ran
    best = [_brute(r) for r in req]
    assert cost.feasible and cost.optimal and absd.optimal
    assert cost.cost_yuan == pytest.approx(sum(b[0] for b in best))
    on = absd.to_frame()["on_duty"].to_numpy().reshape(req.shape)
    assert np.abs(on - req).sum() == pytest.approx(sum(b[1] for b in best))


def _counting(f, calls):
    def wrapped(*args, **kwargs):
        calls.append(1)
        return f(*args, **kwargs)

    return wrapped


def _random_case(seed: int):
    """A random part-time roster on a 30-min grid 08:00-20:00, a week with closed intervals."""
    rng = np.random.default_rng(seed)
    starts = [f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(0, 16)]
    shifts = []
    for j in range(int(rng.integers(2, 4))):
        hours = float(rng.choice([3.0, 4.0, 6.0, 9.0]))
        brk = MealBreak(60, 120, 180) if hours >= 6 else None
        pick = tuple(sorted(rng.choice(starts[: 24 - int(2 * hours) + 1], size=5, replace=False)))
        cost = float(rng.choice([100, 150, 230, 460])) if seed % 3 else float(rng.uniform(100, 500))
        shifts.append(ShiftTemplate(f"s{j}", pick, hours, cost, part_time=True, meal_break=brk))
    cap = [None, None, 6, 3][seed % 4]
    roster = RosterScheme(
        shifts=tuple(shifts),
        part_time_days_off_per_week=0,
        max_part_time_share=1.0,
        min_on_duty=int(seed % 5 == 0),
        max_on_duty=cap,
    )
    req = rng.poisson(rng.uniform(1, 4), size=(7, 24)).astype(float)
    req[:, :2] = np.nan
    req[6, : int(rng.integers(0, 24))] = np.nan
    w = rng.integers(1, 4, size=req.shape).astype(float) if seed % 2 else rng.uniform(0.5, 2, size=req.shape)
    return roster, req, w


def _objective(staff, var, target, open_, w, kind):
    if kind == "cost":
        return float((staff * var.cost).sum())
    on = staff @ var.cover.astype(int)
    return float((w * np.abs(on - target))[open_].sum())


@pytest.mark.parametrize("seed", range(24))
def test_fast_path_equals_the_general_program(seed, monkeypatch):
    """Same optimum as the whole-week MILP (fast=False), for both objectives, with caps and weights."""
    roster, req, w = _random_case(seed)
    open_ = ~np.isnan(req)
    target = np.where(open_, np.maximum(np.nan_to_num(req), roster.min_on_duty), 0.0)
    var = expand_variants(roster, 8 * 60, 30, 24)
    for kind in ("cost", "abs_difference"):
        fast = solve_roster(target, open_, w, var, roster, kind, 60.0)
        slow = solve_roster(target, open_, w, var, roster, kind, 60.0, fast=False)
        assert fast.optimal and slow.optimal
        assert fast.feasible == slow.feasible
        got, want = (_objective(s.staff, var, target, open_, w, kind) for s in (fast, slow))
        assert got == pytest.approx(want, rel=1e-9, abs=1e-6), (kind, got, want)
        on = fast.staff @ var.cover.astype(int)
        if roster.max_on_duty is not None:
            assert (on <= roster.max_on_duty).all()
        if kind == "cost" and fast.feasible:
            assert (on[open_] >= target[open_]).all()


def test_the_three_ways_of_proving_a_day_are_all_exercised(monkeypatch):
    """Over the random cases, some days are settled by rounding and some need the day's milp."""
    used = {"rounded": 0, "milp": 0}
    for name, key in (("_rounded", "rounded"), ("_day_milp", "milp")):
        f = getattr(_roster_fast, name)

        def wrapped(*args, _f=f, _k=key, **kwargs):
            used[_k] += 1
            return _f(*args, **kwargs)

        monkeypatch.setattr(_roster_fast, name, wrapped)
    for seed in range(24):
        roster, req, w = _random_case(seed)
        for kind in ("cost", "abs_difference"):
            cols = [f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(24)]
            ShiftScheduler(roster, objective=kind).fit(
                pd.DataFrame(req, columns=cols), weights=pd.DataFrame(w, columns=cols)
            )
    assert used["rounded"] > used["milp"] > 0


def test_a_cap_that_leaves_no_cover_falls_back_to_the_least_shortfall(monkeypatch):
    roster = replace(PART_ONLY, max_on_duty=1)
    req = np.array([[2, 2, 1, 1, 0, 0, 1, 1]], dtype=float)
    plan = ShiftScheduler(roster).fit(pd.DataFrame(req, index=["Mon"], columns=TIMES)).plan_
    assert not plan.feasible
    assert plan.message().startswith("SHORTFALL PLAN")
    assert plan.to_frame()["on_duty"].max() <= 1
    assert plan.weighted_shortfall == pytest.approx(2.0)  # 1 short at 09:00 and 09:30


@pytest.mark.parametrize("seed", range(4))
def test_the_whole_week_program_matches_exhaustive_search_on_the_absolute_difference(seed, monkeypatch):
    """Full-time shifts couple the days: the general program (covering form) against brute force."""
    calls = []
    monkeypatch.setattr(_roster_model, "solve_days", _counting(_roster_fast.solve_days, calls))
    full = replace(PART_ONLY, shifts=tuple(replace(s, part_time=False) for s in PART_ONLY.shifts))
    req = np.random.default_rng(50 + seed).integers(0, 3, size=8).astype(float)
    grid = pd.DataFrame([req], index=["Mon"], columns=TIMES)
    plan = ShiftScheduler(full, objective="abs_difference").fit(grid).plan_
    assert not calls and plan.optimal  # the general program ran
    on = plan.to_frame()["on_duty"].to_numpy()
    assert np.abs(on - req).sum() == pytest.approx(_brute(req)[1])

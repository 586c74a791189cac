"""Shift scheduling (排班): ShiftScheduler against exhaustive search, coverage, breaks, caps, errors.

References are independent of the package's program: the exhaustive search builds every
shift's coverage from the template's clock times itself and tries every staffing; the
Erlang C check uses the textbook closed form (Erlang C formula, service level
1 - C(N, A) exp(-(N - A) T / AHT)) in plain Python.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import yaml

from bankperf_analysis.cli.main import main
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.scheme import MealBreak, RosterScheme, ShiftTemplate, default_roster, load_scheme
from bankperf_analysis.staffing.roster import ShiftScheduler

TIMES = [f"{9 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(8)]  # 09:00 ... 12:30

SMALL = RosterScheme(
    shifts=(
        ShiftTemplate("short", ("09:00", "10:00", "11:00"), 2.0, 100.0),
        ShiftTemplate("long", ("09:00", "09:30", "10:00"), 3.0, 130.0, meal_break=MealBreak(30, 60, 90)),
    ),
    days_off_per_week=0,
    min_on_duty=0,
)


def _m(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


def _shift_cover(start: int, length: int, brk: tuple[int, int] | None) -> np.ndarray:
    """Slots of TIMES a shift covers, from clock minutes (independent of the package)."""
    slots = np.array([_m(t) for t in TIMES])
    on = (slots >= start) & (slots < start + length)
    if brk is not None:
        on &= ~((slots >= brk[0]) & (slots < brk[0] + brk[1]))
    return on.astype(int)


def _small_variants() -> tuple[np.ndarray, np.ndarray]:
    cover, cost = [], []
    for s in ("09:00", "10:00", "11:00"):
        cover.append(_shift_cover(_m(s), 120, None))
        cost.append(100.0)
    for s in ("09:00", "09:30", "10:00"):
        for off in (60, 90):  # break 1 h to 1.5 h after the start, 30 min long
            cover.append(_shift_cover(_m(s), 180, (_m(s) + off, 30)))
            cost.append(130.0)
    return np.array(cover), np.array(cost)


def _brute(req: np.ndarray, cap: int | None = None) -> tuple[float, float]:
    """(least shortfall, least cost at it) over every staffing 0..max(req) per variant."""
    cover, cost = _small_variants()
    top = int(req.max())
    combos = np.array(list(itertools.product(range(top + 1), repeat=len(cost))))
    if cap is not None:
        combos = combos[combos.sum(axis=1) <= cap]
    on = combos @ cover
    short = np.clip(req[None, :] - on, 0, None).sum(axis=1)
    best = short.min()
    return float(best), float((combos[short == best] @ cost).min())


def _one_day(req) -> pd.DataFrame:
    return pd.DataFrame([req], index=["Mon"], columns=TIMES).astype(float)


@pytest.mark.parametrize("seed", range(5))
def test_small_case_matches_exhaustive_search(seed):
    req = np.random.default_rng(seed).integers(0, 3, size=8)
    plan = ShiftScheduler(SMALL).fit(_one_day(req)).plan_
    short, cost = _brute(req)
    assert short == 0 and plan.feasible and plan.optimal
    assert plan.cost_yuan == pytest.approx(cost)


@pytest.mark.parametrize("seed", range(3))
def test_infeasible_cap_yields_the_minimum_shortfall_plan(seed):
    req = np.random.default_rng(100 + seed).integers(1, 4, size=8)
    cap = 2  # one day: the headcount is the shifts worked
    short, cost = _brute(req, cap)
    assert short > 0  # the cap really binds
    plan = ShiftScheduler(SMALL, max_headcount=cap).fit(_one_day(req)).plan_
    assert not plan.feasible
    assert plan.weighted_shortfall == pytest.approx(short)
    assert plan.cost_yuan == pytest.approx(cost)
    assert plan.headcount_full_time <= cap
    assert plan.message().startswith("SHORTFALL PLAN") and "headcount cap" in plan.message()
    assert plan.message("zh").startswith("缺口方案") and "人数上限" in plan.message("zh")
    assert plan.summary().alerts == (plan.message(),)


def _random_week(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    times = [f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(24)]
    req = rng.integers(0, 7, size=(7, 24)).astype(float)
    req[:, :2] = np.nan  # opens at 09:00
    if seed % 2:
        req[6] = np.nan  # closed on Sunday
    return pd.DataFrame(req, index=range(7), columns=times)


def _on_duty_from_shifts(plan, grid: pd.DataFrame) -> np.ndarray:
    """On-duty staff per day x interval rebuilt from the plan's shift table (start, end, break)."""
    slots = np.array([_m(t) for t in grid.columns])
    days = list(grid.index)
    on = np.zeros(grid.shape, dtype=int)
    for r in plan.shifts.itertuples():
        cov = (slots >= _m(r.start)) & (slots < _m(r.end))
        if r.break_start:
            cov &= ~((slots >= _m(r.break_start)) & (slots < _m(r.break_end)))
        on[days.index(r.day)] += r.staff * cov
    return on


@pytest.mark.parametrize("seed", range(8))
def test_coverage_never_below_requirement_when_feasible(seed):
    grid = _random_week(seed)
    plan = ShiftScheduler().fit(grid).plan_
    assert plan.feasible
    on = _on_duty_from_shifts(plan, grid)
    req = grid.to_numpy()
    open_ = ~np.isnan(req)
    assert (on[open_] >= np.maximum(req[open_], default_roster().min_on_duty)).all()
    assert (plan.to_frame()["on_duty"].to_numpy().reshape(grid.shape) == on).all()
    # staff and days off: nobody works more than 7 - days off days; full-timers work exactly that
    days = plan.assignments.groupby("staff_no")["day"].nunique()
    full = days[days.index.str.startswith("F")]
    assert (full == 7 - default_roster().days_off_per_week).all()
    assert (days <= 7 - default_roster().part_time_days_off_per_week).all()
    assert len(full) == plan.headcount_full_time
    assert plan.idle_staff_hours == pytest.approx(np.clip(on - np.nan_to_num(req), 0, None)[open_].sum() / 2)


@pytest.mark.parametrize("seed", range(4))
def test_break_windows_are_respected(seed):
    grid = _random_week(seed)
    roster = default_roster()
    brk = {s.name: s.meal_break for s in roster.shifts}
    plan = ShiftScheduler(roster).fit(grid).plan_
    with_break = plan.shifts[plan.shifts["break_start"] != ""]
    assert len(with_break)  # the case exercises breaks
    positions = set()
    for r in with_break.itertuples():
        b = brk[r.shift]
        after = _m(r.break_start) - _m(r.start)
        assert b.earliest_after_minutes <= after <= b.latest_after_minutes
        assert _m(r.break_end) - _m(r.break_start) == b.minutes
        positions.add(after)
    assert all(brk[s] is None for s in plan.shifts.loc[plan.shifts["break_start"] == "", "shift"])
    assert plan.to_frame()["on_duty"].sum() == _on_duty_from_shifts(plan, grid).sum()


def test_the_solver_places_the_break_to_avoid_a_peak():
    """One 4-h shift with a 1-h break 1-2 h in: only the break at 11:00 leaves the peak covered."""
    roster = RosterScheme(
        shifts=(ShiftTemplate("d", ("09:00",), 4.0, 100.0, meal_break=MealBreak(60, 60, 120)),),
        days_off_per_week=0,
        min_on_duty=0,
    )
    grid = _one_day([1, 1, 1, 1, 0, 0, 1, 1])  # needed 09:00-11:00 and 12:00-13:00
    plan = ShiftScheduler(roster).fit(grid).plan_
    assert plan.feasible and plan.cost_yuan == 100.0
    assert plan.shifts["break_start"].tolist() == ["11:00"]


def _erlang_c_sl(n: int, a: float, aht: float, t: float) -> float:
    if a == 0:
        return 1.0
    if n <= a:
        return 0.0
    top = a**n / math.factorial(n) * n / (n - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    return 1 - c * math.exp(-(n - a) * t / aht)


def test_service_level_per_interval_is_the_erlang_c_of_the_staff_on_duty():
    grid = _random_week(3)
    traffic = pd.DataFrame(np.random.default_rng(3).uniform(0.2, 3.0, grid.shape), grid.index, grid.columns)
    plan = ShiftScheduler(shrinkage=0.25).fit(grid, traffic=traffic, aht_seconds=240.0).plan_
    iv = plan.to_frame()
    iv = iv[iv["open"]]
    expected = [
        _erlang_c_sl(int(math.floor(o * 0.75 + 1e-9)), a, 240.0, 30.0)
        for o, a in zip(iv["on_duty"], iv["traffic_erlangs"])
    ]
    np.testing.assert_allclose(iv["service_level"], expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "required", "match"),
    [
        ({"objective": "fastest"}, None, r"The 'objective' parameter of ShiftScheduler must be one of"),
        ({"shrinkage": 1.0}, None, r"The 'shrinkage' parameter of ShiftScheduler must be"),
        ({"max_headcount": 2.5}, None, r"The 'max_headcount' parameter of ShiftScheduler must be an integer"),
        (
            {"roster": {"shifts": []}},
            None,
            r"The 'roster' parameter of ShiftScheduler must be a RosterScheme",
        ),
        ({}, [1, 1.5, 1, 1, 1, 1, 1, 1], r"must be whole numbers of staff >= 0.*Got 1.5 instead"),
        ({}, [1, -1, 1, 1, 1, 1, 1, 1], r"must be whole numbers of staff >= 0.*Got -1.0 instead"),
    ],
)
def test_bad_parameters_are_refused_with_the_house_template(kwargs, required, match):
    req = _one_day(required or [1] * 8)
    with pytest.raises(ParamsError, match=match):
        ShiftScheduler(**kwargs).fit(req)


def test_bad_grids_are_refused():
    uneven = pd.DataFrame([[1, 1, 1]], index=["Mon"], columns=["09:00", "09:30", "10:30"])
    with pytest.raises(ParamsError, match=r"increasing, equally spaced interval starts"):
        ShiftScheduler().fit(uneven)
    with pytest.raises(ParamsError, match=r"at most 7 rows"):
        ShiftScheduler().fit(pd.DataFrame(np.ones((8, 2)), columns=["09:00", "09:30"]))
    off_grid = RosterScheme(shifts=(ShiftTemplate("x", ("09:15",), 2.0, 1.0),), min_on_duty=0)
    with pytest.raises(ParamsError, match=r"30-minute grid.*Got '09:15' instead"):
        ShiftScheduler(off_grid).fit(_one_day([1] * 8))


def _scheme_with(tmp_path, roster: dict):
    data = load_scheme().to_dict()
    data["roster"] = roster
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("roster", "match"),
    [
        ({"days_off_per_week": 7}, r"'days_off_per_week' of the roster .* must be an integer in \[0, 6\]"),
        ({"max_on_duty": 0}, r"'max_on_duty' of the roster .* must be an integer >= 1"),
        (
            {"shifts": {"a": {"starts": ["8:00"], "hours": 8, "cost_yuan": 1}}},
            r"key roster.shifts.a.starts\[0\]\) must be a time of day 'HH:MM'",
        ),
        (
            {"shifts": {"a": {"starts": ["08:00"], "hours": 8, "cost_yuan": 1,
                              "break": {"minutes": 60, "earliest_after_hours": 4, "latest_after_hours": 3}}}},
            r"key roster.shifts.a.break.latest_after_hours\) must be a number in \[4, 7\]",
        ),
        (
            {"shifts": {"a": {"starts": ["20:00"], "hours": 8, "cost_yuan": 1}}},
            r"must be a length that ends every shift by 24:00",
        ),
    ],
)  # fmt: skip
def test_bad_roster_section_is_refused_naming_the_key(tmp_path, roster, match):
    with pytest.raises(ParamsError, match=match):
        load_scheme(_scheme_with(tmp_path, roster))


def test_the_roster_section_round_trips_and_defaults_when_left_out(tmp_path):
    scheme = load_scheme()
    assert scheme.roster == default_roster()  # params/scheme.yaml writes out the defaults
    data = scheme.to_dict()
    del data["roster"]
    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert load_scheme(path).roster == default_roster()
    changed = load_scheme(_scheme_with(tmp_path, {"max_headcount": 9}))
    assert changed.roster.max_headcount == 9 and changed.params_hash() != scheme.params_hash()


def test_cli_roster_prints_a_formatted_table(tiny_bank, tmp_path, capsys):
    branch = sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"])[0]
    out = tmp_path / "r.xlsx"
    args = ["roster", "--data", str(tiny_bank), "--branch", branch, "--quarter", "2026Q4"]
    assert main([*args, "--lang", "zh", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "排班方案" in text and "各班次每日人数" in text and "服务水平" in text
    for word in ("nan", "NaN", "True", "False", "None"):
        assert word not in text, word
    assert " %" in text  # rates as percentages
    sheets = pd.read_excel(out, sheet_name=None)
    assert set(sheets) == {"intervals", "shifts", "staff"}
    assert main([*args, "--out", str(tmp_path / "r.txt")]) == 2
    assert "The 'out' parameter of bankperf roster must end in .xlsx or .csv" in capsys.readouterr().err

"""Benchmark: shift scheduling (排班) vs pyworkforce's MinRequiredResources and MinAbsDifference.

Data: seeded requirement matrices of one branch week, 7 days x 24 thirty-minute intervals
(08:00-20:00), staff required per interval 0-9 from a daily profile (late-morning and
afternoon peaks), Monday/Friday peaks, a quiet Sunday and Poisson noise. Case "branch week":
one matrix (seed 7), solved ``--rounds`` times by each side. Case "1,000-branch bank": 1,000
matrices (seeds 1000-1999, one per branch, own size); ours solves every one;
pyworkforce solves every one too (default ``--pw-every 1``: about 0.3 s a branch, 5 minutes
for both objectives), or the deterministic sample of every ``--pw-every``-th branch (1000,
1000 + k, ...) when that is too long; ``compared`` says how many. The bank runs in rounds of
100 branches.

The same problem on both sides
------------------------------
* Shifts: the default templates of the scheme (``full_day`` 9 h with a 60-min meal break
  3-5 h after the start; ``part_time_4h``), expanded into one *variant* per start and break
  position (:func:`bankperf_analysis.staffing._roster_model.expand_variants`); pyworkforce
  gets each variant as one ``shifts_coverage`` row, so both choose the break position.
* Costs: 460 / 230 yuan per shift (pyworkforce needs integers: they are).
* No rule pyworkforce lacks: our scheduler runs with every template part-time, share 1, no
  days-off limit that binds (part-time staff work *at most* 7 days), ``min_on_duty`` 0, so its
  program is pyworkforce's: integer staff per day x variant, the caps
  ``max_period_concurrency`` = ``max_on_duty`` = 40 (not binding) and nothing else.
* Objectives, computed the same way for both from the returned staff per day x variant:
  - vs MinRequiredResources (min sum cost x staff s.t. coverage >= required): our
    ``objective="cost"``; objective = the week's shift cost; feasible = coverage >= required
    everywhere.
  - vs MinAbsDifference (min sum |coverage - required|): our ``objective="abs_difference"``
    (weights 1; like the peer, no tie-break);
    objective = sum |coverage - required| over the 168 intervals.
* Time: wall clock of building and solving one matrix (ours: the user's path,
  ``ShiftScheduler(roster, objective).fit(frame)``, which also builds the plan's tables
  (intervals, shifts, who works when); pyworkforce: constructor + ``solve()`` with its
  defaults, 2 CP-SAT workers, its own time limit 240 s / 120 s). Nothing else runs in the
  timed section.
* Interleaved: in every round each matrix is solved by ours and by pyworkforce back to back
  (the order alternates from matrix to matrix), so the machine's load hits both alike; the
  ratio is reported per round (pyworkforce's seconds / ours on the same matrices).

Run: ``python -m benchmarks.bench_roster [--branches 1000] [--pw-every 5] [--rounds 7]``.
Goals: an equal or better objective on every case; >= 5x faster.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from dataclasses import replace

import numpy as np
import pandas as pd

from bankperf_analysis.scheme import default_roster
from bankperf_analysis.staffing._roster_model import expand_variants
from bankperf_analysis.staffing.roster import ShiftScheduler
from benchmarks._common import table, write_results

TIMES = [f"{8 + k // 2:02d}:{30 * (k % 2):02d}" for k in range(24)]
CAP = 40


def requirement(seed: int) -> np.ndarray:
    """A seeded branch week: 7 x 24 staff required (0-9)."""
    rng = np.random.default_rng(seed)
    hour = 8 + np.arange(24) / 2
    daily = 0.25 + np.exp(-(((hour - 10.5) / 1.8) ** 2)) + 0.8 * np.exp(-(((hour - 15.0) / 1.8) ** 2))
    week = np.array([1.3, 1.0, 0.95, 1.0, 1.25, 0.6, 0.3])
    size = rng.uniform(3, 7)
    mean = size * daily[None, :] * week[:, None] / daily.max()
    return np.minimum(rng.poisson(mean), 9).astype(float)


def _roster():
    r = default_roster()
    shifts = tuple(replace(s, part_time=True) for s in r.shifts)
    return replace(r, shifts=shifts, max_part_time_share=1.0, part_time_days_off_per_week=0,
                   min_on_duty=0, max_on_duty=CAP)  # fmt: skip


def ours(req: np.ndarray, objective: str) -> tuple[np.ndarray, float]:
    """Staff per day x variant from ShiftScheduler, and the seconds it took."""
    roster = _roster()
    var = expand_variants(roster, 8 * 60, 30, 24)
    grid = pd.DataFrame(req, index=range(7), columns=TIMES)
    t0 = time.perf_counter()
    plan = ShiftScheduler(roster, objective=objective).fit(grid).plan_  # type: ignore[arg-type]
    seconds = time.perf_counter() - t0
    staff = np.zeros((7, len(var.cost)), dtype=int)
    key = {(n, s, b): j for j, (n, s, b) in enumerate(zip(var.template, var.start, var.break_start))}
    for r in plan.shifts.itertuples():
        b = -1 if not r.break_start else int(r.break_start[:2]) * 60 + int(r.break_start[3:])
        staff[r.day, key[(r.shift, int(r.start[:2]) * 60 + int(r.start[3:]), b)]] += r.staff
    return staff, seconds


def pyworkforce(req: np.ndarray, kind: str) -> tuple[np.ndarray, float, str]:
    """Staff per day x variant from pyworkforce, the seconds it took and its status."""
    from pyworkforce.scheduling import MinAbsDifference, MinRequiredResources

    var = expand_variants(_roster(), 8 * 60, 30, 24)
    names = [f"v{j}" for j in range(len(var.cost))]
    coverage = {n: var.cover[j].astype(int).tolist() for j, n in enumerate(names)}
    req_list = req.astype(int).tolist()
    t0 = time.perf_counter()
    if kind == "cost":
        costs = {n: int(var.cost[j]) for j, n in enumerate(names)}
        solver = MinRequiredResources(7, 24, coverage, req_list, CAP, CAP, cost_dict=costs)
    else:
        solver = MinAbsDifference(7, 24, coverage, req_list, CAP, CAP)
    sol = solver.solve()
    seconds = time.perf_counter() - t0
    staff = np.zeros((7, len(names)), dtype=int)
    for r in sol["resources_shifts"]:
        if r["day"] >= 0:
            staff[r["day"], names.index(r["shift"])] = r["resources"]
    return staff, seconds, sol["status"]


def objective_of(staff: np.ndarray, req: np.ndarray, kind: str) -> tuple[float, bool]:
    """(objective, feasible) of a plan, the same computation for both sides."""
    var = expand_variants(_roster(), 8 * 60, 30, 24)
    cover = staff @ var.cover.astype(int)
    feasible = bool((cover >= req).all())
    if kind == "cost":
        return float((staff * var.cost).sum()), feasible
    return float(np.abs(cover - req).sum()), feasible


def _compare(o_ours: float, o_pw: float) -> str:
    return "worse" if o_ours > o_pw + 1e-6 else "better" if o_ours < o_pw - 1e-6 else "equal"


def _round(reqs: list[np.ndarray], with_pw: list[bool], kind: str, flip: int) -> dict:
    """One round: every matrix by ours, the flagged ones also by pyworkforce, back to back."""
    out: dict = {"ours_s": 0.0, "ours_s_compared": 0.0, "pw_s": 0.0, "objectives": [], "statuses": []}
    out["ours_infeasible"] = 0
    for i, (req, pw) in enumerate(zip(reqs, with_pw)):
        order = ("ours", "pw") if (i + flip) % 2 == 0 else ("pw", "ours")
        for side in order:
            if side == "ours":
                s_ours, t_ours = ours(req, kind)
            elif pw:
                s_pw, t_pw, status = pyworkforce(req, kind)
        o_ours, f_ours = objective_of(s_ours, req, kind)
        out["ours_s"] += t_ours
        out["ours_infeasible"] += int(kind == "cost" and not f_ours)
        if pw:
            o_pw, f_pw = objective_of(s_pw, req, kind)
            out["ours_s_compared"] += t_ours
            out["pw_s"] += t_pw
            out["objectives"].append((o_ours, o_pw, f_ours, f_pw))
            out["statuses"].append(status)
    return out


def run_case(case: str, reqs: list[np.ndarray], with_pw: list[bool], kind: str, rounds: int) -> dict:
    """Rounds of ``reqs`` (branch week: the same matrix each round; bank: 100 matrices a round)."""
    ours(requirement(0), kind)  # imports and first calls outside the timings, both sides
    pyworkforce(requirement(0), kind)
    per_round = []
    for k in range(rounds):
        chunk = slice(None) if case == "branch week" else slice(k * 100, (k + 1) * 100)
        per_round.append(_round(reqs[chunk], with_pw[chunk], kind, k))
    objs = [o for r in per_round for o in r["objectives"]]
    verdicts = [_compare(a, b) for a, b, _, _ in objs]
    statuses: dict[str, int] = {}
    for r in per_round:
        for st in r["statuses"]:
            statuses[st] = statuses.get(st, 0) + 1
    ratios = [r["pw_s"] / max(r["ours_s_compared"], 1e-9) for r in per_round]
    n_ours = sum(len(reqs[slice(None) if case == "branch week" else slice(k * 100, (k + 1) * 100)])
                 for k in range(rounds))  # fmt: skip
    return {
        "kind": kind,
        "matrices": len(reqs),
        "solved_by_ours": n_ours,
        "compared": len(objs),
        "objective_first": {"ours": objs[0][0], "pyworkforce": objs[0][1]},
        "objective_sum_compared": {"ours": sum(o[0] for o in objs), "pyworkforce": sum(o[1] for o in objs)},
        "ours_better": verdicts.count("better"),
        "equal": verdicts.count("equal"),
        "ours_worse": verdicts.count("worse"),
        "ours_covers_every_interval": sum(o[2] for o in objs),
        "pyworkforce_covers_every_interval": sum(o[3] for o in objs),
        "ours_infeasible_cost_plans": sum(r["ours_infeasible"] for r in per_round),
        "pyworkforce_status": statuses,
        "ours_seconds_all": sum(r["ours_s"] for r in per_round),
        "ours_seconds_compared": sum(r["ours_s_compared"] for r in per_round),
        "pyworkforce_seconds_compared": sum(r["pw_s"] for r in per_round),
        "ours_ms_per_matrix": 1e3 * sum(r["ours_s"] for r in per_round) / n_ours,
        "pyworkforce_ms_per_matrix": 1e3 * sum(r["pw_s"] for r in per_round) / len(objs),
        "ratio_per_round": ratios,
        "ratio_median": statistics.median(ratios),
        "ratio_min": min(ratios),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=1000, help="matrices of the bank case (multiple of 100)")
    ap.add_argument("--pw-every", type=int, default=1, help="pyworkforce solves every k-th branch")
    ap.add_argument("--rounds", type=int, default=7, help="rounds of the branch-week case")
    args = ap.parse_args(argv)
    load0 = os.getloadavg()
    rows = []
    bank = [requirement(s) for s in range(1000, 1000 + args.branches)]
    sample = [i % args.pw_every == 0 for i in range(args.branches)]
    for kind, peer in (("cost", "MinRequiredResources"), ("abs_difference", "MinAbsDifference")):
        for case, reqs, with_pw, rounds in (
            ("branch week", [requirement(7)], [True], args.rounds),
            (f"{args.branches:,}-branch bank", bank, sample, max(1, args.branches // 100)),
        ):
            r = run_case(case, reqs, with_pw, kind, rounds)
            rows.append({"case": case, "vs": peer, **r})
            print(
                f"{case:>20} vs {peer:<20} objective sum over {r['compared']} compared: ours "
                f"{r['objective_sum_compared']['ours']:,.0f} | pyworkforce "
                f"{r['objective_sum_compared']['pyworkforce']:,.0f}; better {r['ours_better']}, equal "
                f"{r['equal']}, worse {r['ours_worse']}; {r['ours_ms_per_matrix']:.1f} ms vs "
                f"{r['pyworkforce_ms_per_matrix']:.0f} ms per matrix; ratio per round "
                f"{', '.join(f'{x:.1f}' for x in r['ratio_per_round'])} (median {r['ratio_median']:.1f}x); "
                f"load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    cols = ["case", "vs", "compared", "ours_better", "equal", "ours_worse", "ours_ms_per_matrix",
            "pyworkforce_ms_per_matrix", "ratio_median", "ratio_min"]  # fmt: skip
    print(table(rows, cols))
    load1 = os.getloadavg()
    print(f"load average (1, 5, 15 min) at start {load0}, at end {load1}")
    write_results("roster", {"rows": rows, "load_average_start": load0, "load_average_end": load1,
                             "pw_every": args.pw_every, "branch_week_rounds": args.rounds})  # fmt: skip


if __name__ == "__main__":
    main()

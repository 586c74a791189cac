"""Benchmark: shift scheduling (排班) vs pyworkforce's MinRequiredResources and MinAbsDifference.

Data: seeded requirement matrices of one branch week, 7 days x 24 thirty-minute intervals
(08:00-20:00), staff required per interval 0-9 from a daily profile (late-morning and
afternoon peaks), Monday/Friday peaks, a quiet Sunday and Poisson noise. Case "branch week":
one matrix. Case "1,000-branch bank": 1,000 matrices (one per branch, own seed and size);
pyworkforce runs on the first ``--pw-branches`` of them (it is too slow for all).

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
* Time: wall clock of building and solving one matrix (ours: ``ShiftScheduler.fit``;
  pyworkforce: constructor + ``solve()`` with its defaults, 2 CP-SAT workers, its own time
  limit 240 s / 120 s). Nothing else runs in the timed section.

Run: ``python -m benchmarks.bench_roster [--branches 1000] [--pw-branches 50]``.
Goals: an equal or better objective on every case; >= 5x faster.
"""

from __future__ import annotations

import argparse
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


def run_case(seeds: list[int], pw_seeds: int, kind: str) -> dict:
    warm = requirement(0)  # imports and first calls outside the timings, both sides
    ours(warm, kind)
    if pw_seeds:
        pyworkforce(warm, kind)
    ours_t, pw_t, worse, better, equal, infeasible = [], [], 0, 0, 0, 0
    statuses: dict[str, int] = {}
    for i, seed in enumerate(seeds):
        req = requirement(seed)
        s_ours, t_ours = ours(req, kind)
        ours_t.append(t_ours)
        o_ours, f_ours = objective_of(s_ours, req, kind)
        infeasible += kind == "cost" and not f_ours
        if i < pw_seeds:
            s_pw, t_pw, status = pyworkforce(req, kind)
            pw_t.append(t_pw)
            statuses[status] = statuses.get(status, 0) + 1
            o_pw, _ = objective_of(s_pw, req, kind)
            worse += o_ours > o_pw + 1e-6
            better += o_ours < o_pw - 1e-6
            equal += abs(o_ours - o_pw) <= 1e-6
            if i == 0:
                first = {"ours": o_ours, "pyworkforce": o_pw}
    return {
        "kind": kind,
        "matrices": len(seeds),
        "compared": min(pw_seeds, len(seeds)),
        "first_objective": first,
        "ours_better": better,
        "equal": equal,
        "ours_worse": worse,
        "ours_infeasible": int(infeasible),
        "pyworkforce_status": statuses,
        "ours_seconds_total": sum(ours_t),
        "ours_seconds_compared": sum(ours_t[:pw_seeds]),
        "pyworkforce_seconds_compared": sum(pw_t),
        "ours_median_s": statistics.median(ours_t),
        "pyworkforce_median_s": statistics.median(pw_t),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, default=1000, help="matrices of the bank case")
    ap.add_argument("--pw-branches", type=int, default=50, help="of which pyworkforce solves the first N")
    args = ap.parse_args(argv)
    rows = []
    for kind, peer in (("cost", "MinRequiredResources"), ("abs_difference", "MinAbsDifference")):
        for case, seeds, n_pw in (
            ("branch week", [7], 1),
            (f"{args.branches}-branch bank", list(range(1000, 1000 + args.branches)), args.pw_branches),
        ):
            r = run_case(seeds, n_pw, kind)
            speed = r["pyworkforce_seconds_compared"] / max(r["ours_seconds_compared"], 1e-9)
            rows.append({"case": case, "vs": peer, **r, "speedup": speed})
            print(
                f"{case:>22} vs {peer:<20} objective (first) ours {r['first_objective']['ours']:,.0f} | "
                f"pyworkforce {r['first_objective']['pyworkforce']:,.0f}; on {r['compared']} compared: "
                f"better {r['ours_better']}, equal {r['equal']}, worse {r['ours_worse']}; pyworkforce "
                f"{r['pyworkforce_status']}; ours {r['ours_seconds_total']:.2f} s for {r['matrices']}, "
                f"median {r['ours_median_s'] * 1e3:.0f} ms vs {r['pyworkforce_median_s'] * 1e3:.0f} ms; "
                f"{speed:.1f}x",
                flush=True,
            )
    cols = ["case", "vs", "compared", "ours_better", "equal", "ours_worse", "ours_median_s",
            "pyworkforce_median_s", "speedup"]  # fmt: skip
    print(table(rows, cols))
    write_results("roster", {"rows": rows})


if __name__ == "__main__":
    main()

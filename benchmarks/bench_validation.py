"""Benchmark: data validation against the SQL floor, side by side (issue 14, goal 3).

Data: the benchmark bank (``benchmarks/data/bench``, 1,000 branches, >= 50M contacts in
2026Q4; generated on first run like the KPI benchmark's) or any folder given with ``--data``.

Contenders, each in a fresh process, interleaved round by round (validation, floor,
validation, floor, ...) so that the load other jobs put on this shared machine hits both
alike:

* ``validation``: what ``bankperf validate`` and every ``bankperf report``/``scorecard``
  run before computing: ``load_dataset(data)`` with the contract's checks (every table,
  every check, the employment history and the activity in post), nothing else.
* ``sql_floor``: :func:`benchmarks.bench_kpis.run_sql_floor`, one hand-written DuckDB query
  of the five contact KPIs for the quarter, one scan of the contacts.

Each side reports its wall seconds, its CPU seconds (user + system of every thread of its
process, ``time.process_time``: on a loaded machine the wall time also counts the time
the process waited for a core, the CPU time only the work) and its peak resident memory.
The ratios are given per round, for wall and CPU time, with the load average around each
round. Goal: validation <= 2x the floor in time, <= 1.5 GB peak at 52M contacts.

Run: ``python -m benchmarks.bench_validation [--repeats 3] [--data FOLDER]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from benchmarks._common import Contender, compare, table, write_results
from benchmarks.bench_kpis import DATA, ensure_data

#: Goal of issue 14 (goal 3): validation time over the floor's, and peak memory.
GOAL_RATIO = 2.0
GOAL_PEAK_MB = 1536.0


def run_validation(data: str) -> dict:
    """``load_dataset`` with every check; wall and CPU seconds of the work in this process."""
    t0, c0 = time.perf_counter(), time.process_time()
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(data) as ds:
        contacts = ds.n_rows("contacts")
    return {"contacts": contacts, "cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - t0}


def run_floor(data: str, quarter: str) -> dict:
    """The KPI benchmark's hand-written SQL floor; wall and CPU seconds of the work."""
    t0, c0 = time.perf_counter(), time.process_time()
    from benchmarks.bench_kpis import run_sql_floor

    out = run_sql_floor(data, quarter)
    return {"rows": out["rows"], "cpu_s": time.process_time() - c0, "wall_s": time.perf_counter() - t0}


def per_round(val: Contender, floor: Contender, loads: list[tuple[float, float]]) -> list[dict]:
    """One row per round: both sides' wall and CPU seconds and peaks, their ratios, the load.

    Examples
    --------
    >>> v, f = Contender("v", "m:v"), Contender("f", "m:f")
    >>> v.times, v.peaks_mb, v.results = [4.0], [900.0], [{"cpu_s": 6.0}]
    >>> f.times, f.peaks_mb, f.results = [2.0], [300.0], [{"cpu_s": 4.0}]
    >>> r = per_round(v, f, [(3.0, 3.5)])[0]
    >>> r["wall_ratio"], r["cpu_ratio"], r["load_1min"]
    (2.0, 1.5, '3.0-3.5')
    """
    rows = []
    for i, (tv, tf) in enumerate(zip(val.times, floor.times, strict=True)):
        cv, cf = val.results[i]["cpu_s"], floor.results[i]["cpu_s"]
        rows.append(
            {
                "round": i + 1,
                "validation_s": tv,
                "floor_s": tf,
                "wall_ratio": tv / tf,
                "validation_cpu_s": cv,
                "floor_cpu_s": cf,
                "cpu_ratio": cv / cf,
                "validation_peak_mb": val.peaks_mb[i],
                "floor_peak_mb": floor.peaks_mb[i],
                "load_1min": f"{loads[i][0]:.1f}-{loads[i][1]:.1f}",
            }
        )
    return rows


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quarter", default="2026Q4")
    ap.add_argument("--data", default=str(DATA))
    args = ap.parse_args(argv)
    data = str(ensure_data(Path(args.data)))
    val = Contender("validation (load_dataset, every check)", "benchmarks.bench_validation:run_validation")
    val.kwargs = {"data": data}
    floor = Contender("sql_floor (one hand-written query)", "benchmarks.bench_validation:run_floor")
    floor.kwargs = {"data": data, "quarter": args.quarter}
    loads = []
    for _ in range(args.repeats):  # one round at a time, to note the load around it
        before = os.getloadavg()[0]
        compare([val, floor], repeats=1)
        loads.append((before, os.getloadavg()[0]))
    rows = per_round(val, floor, loads)
    cols = list(rows[0])
    print()
    print(table(rows, cols))
    summary = {
        "contacts": val.results[0]["contacts"],
        "wall_ratio_median": statistics.median(r["wall_ratio"] for r in rows),
        "cpu_ratio_median": statistics.median(r["cpu_ratio"] for r in rows),
        "validation_peak_mb_max": max(val.peaks_mb),
        "goal": {"ratio": GOAL_RATIO, "peak_mb": GOAL_PEAK_MB},
    }
    print(
        f"\nvalidation / floor: wall {summary['wall_ratio_median']:.2f}x, CPU "
        f"{summary['cpu_ratio_median']:.2f}x (medians of the rounds; goal <= {GOAL_RATIO}x); "
        f"peak {summary['validation_peak_mb_max']:.0f} MB (goal <= {GOAL_PEAK_MB:.0f} MB)"
    )
    payload = {"data": data, "quarter": args.quarter, "rounds": rows, "summary": summary}
    path = write_results("validation", payload)
    print(f"results: {path}")
    return summary


if __name__ == "__main__":
    main()

"""Benchmark: ``use_report_style`` in a fresh process, as a report notebook runs it (issue 14, goal 4).

A report notebook's first code cell imports ``bankperf_analysis.plots`` and
``bankperf_analysis.report``; the next cell is ``use_report_style(lang)`` alone. Each
round runs, in a fresh spawned process:

1. those imports (timed apart: they belong to the notebook's import cell);
2. ``use_report_style("zh")``: the cell the goal is about (<= 0.2 s);
3. a second call (what a pooled kernel pays for every further report).

Wall and CPU seconds of each step, medians over the rounds. Writes
``benchmarks/results/style.json``.

Run: ``python -m benchmarks.bench_style [--repeats 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
from typing import Any

from benchmarks._common import run_isolated, write_results

GOAL_S = 0.2  # issue 14, goal 4: use_report_style in a fresh process


def _cpu() -> float:
    import resource

    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def run_notebook_cells(lang: str = "zh") -> dict[str, float]:
    """The import cell, then ``use_report_style`` twice: wall and CPU seconds of each."""
    import time

    out: dict[str, float] = {}
    t, c = time.perf_counter(), _cpu()
    import bankperf_analysis.plots as plots
    import bankperf_analysis.report  # noqa: F401 - the notebook's import cell

    out["imports_wall_s"], out["imports_cpu_s"] = time.perf_counter() - t, _cpu() - c
    for step in ("first_call", "second_call"):
        t, c = time.perf_counter(), _cpu()
        plots.use_report_style(lang)
        out[f"{step}_wall_s"], out[f"{step}_cpu_s"] = time.perf_counter() - t, _cpu() - c
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    rounds = []
    for r in range(args.repeats):
        _, _, out = run_isolated("benchmarks.bench_style:run_notebook_cells", {"lang": "zh"})
        out["load_average"] = os.getloadavg()[0]
        rounds.append(out)
        print(
            f"  round {r + 1}/{args.repeats}: imports {out['imports_wall_s']:.3f} s, "
            f"use_report_style {out['first_call_wall_s']:.3f} s wall / {out['first_call_cpu_s']:.3f} s CPU, "
            f"again {out['second_call_wall_s']:.4f} s (load {out['load_average']:.1f})",
            flush=True,
        )
    keys = [k for k in rounds[0] if k.endswith("_s")]
    medians = {k: statistics.median(r[k] for r in rounds) for k in keys}
    verdict = "PASS" if medians["first_call_wall_s"] <= GOAL_S else "FAIL"
    print(
        f"median use_report_style in a fresh process: {medians['first_call_wall_s']:.3f} s wall, "
        f"{medians['first_call_cpu_s']:.3f} s CPU (goal <= {GOAL_S} s: {verdict})"
    )
    path = write_results(
        "style", {"repeats": args.repeats, "goal_s": GOAL_S, "medians": medians, "rounds": rounds}
    )
    print(f"wrote {path}")
    return {"medians": medians, "rounds": rounds}


if __name__ == "__main__":
    main()

"""Run the benchmarks: ``python -m benchmarks.run [kpis|staffing|incentives|reports ...]``.

Each benchmark times the package side by side with the reference it names, in the same
run, prints a table and writes ``benchmarks/results/<name>.json``. With no names, all run
(the KPI benchmark first generates the 50M-contact bank once, a few minutes).
"""

from __future__ import annotations

import importlib
import sys

BENCHMARKS = {
    "kpis": "benchmarks.bench_kpis",  # quarter scorecard vs hand-written SQL vs pandas
    "staffing": "benchmarks.bench_staffing",  # Erlang C/A vs pyworkforce
    "incentives": "benchmarks.bench_incentives",  # TWFE / staggered DiD vs statsmodels dummies
    "reports": "benchmarks.bench_reports",  # 100 reports vs papermill + nbconvert CLI loop
    "bank": "benchmarks.bench_bank",  # the real job: bankperf report for 1,000 branches, phase table
}


def main(argv: list[str] | None = None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        print(f"\n=== {name} ===", flush=True)
        importlib.import_module(BENCHMARKS[name]).main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())

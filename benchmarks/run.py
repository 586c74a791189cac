"""Run the benchmarks: ``python -m benchmarks.run [--scale bench|small] [NAME ...]``.

NAME: kpis, staffing, incentives, reports, scaling, roster, bootstrap, bank, forecast, validation,
style. Each benchmark times the package side by side with the reference it names, in the same run, prints
a table and writes ``benchmarks/results/<name>.json``. With no names, all run.

``--scale bench`` (default; ``make bench``) reproduces the README's tables: the KPI and
scaling benchmarks generate the 50M-contact benchmark bank into ``benchmarks/data/bench``
on first use (a few minutes), the reports benchmark the demo bank into
``benchmarks/data/demo``; three interleaved rounds each. Measured on this 2-core machine
under load (load average 8-10): scaling 56 min for 2 rounds, reports 27 min for 2 rounds,
incentives 13 min for 3 rounds; expect one to two hours for everything on an idle machine.

``--scale small`` checks that every benchmark runs, end to end, in minutes: one round, on
the demo bank (12 branches, 0.8M contacts) and on 2,000 staff for the incentive estimators.
Its results overwrite ``benchmarks/results/``: do not commit them as the README's figures.
"""

from __future__ import annotations

import argparse
import importlib
import sys

BENCHMARKS = {
    "kpis": "benchmarks.bench_kpis",  # quarter scorecard vs hand-written SQL vs pandas
    "staffing": "benchmarks.bench_staffing",  # Erlang C/A vs pyworkforce
    "incentives": "benchmarks.bench_incentives",  # TWFE / staggered DiD vs pyfixest / diff-diff
    "reports": "benchmarks.bench_reports",  # branch reports vs papermill + nbconvert, same workers
    "scaling": "benchmarks.bench_scaling",  # bankperf scorecard vs the SQL floor at six sizes
    "roster": "benchmarks.bench_roster",  # shift scheduling vs pyworkforce's two schedulers
    "bootstrap": "benchmarks.bench_bootstrap",  # what the wild cluster bootstrap adds at 1M rows
    "bank": "benchmarks.bench_bank",  # the real job: bankperf report for 1,000 branches, phase table
    "forecast": "benchmarks.bench_forecast",  # demand forecast, 100 and 1,000 branches; pooled WAPE
    "validation": "benchmarks.bench_validation",  # data validation vs the SQL floor, per round
    "style": "benchmarks.bench_style",  # use_report_style in a fresh process, as a notebook runs it
}


def scale_arguments(scale: str, demo: str) -> dict[str, list[str]]:
    """The command-line arguments each benchmark gets at ``scale``.

    >>> scale_arguments("small", "d")["scaling"]
    ['--repeats', '1', '--data', 'd', '--branch-counts', '4']
    """
    if scale == "bench":
        return {
            "kpis": ["--repeats", "3"],
            "staffing": ["--repeats", "3"],
            "incentives": ["--repeats", "3"],
            "reports": ["--repeats", "3"],
            "scaling": ["--repeats", "3"],
            "roster": ["--branches", "1000", "--pw-every", "1"],
            "bootstrap": ["--repeats", "3"],
            "bank": ["--scheduler"],
            "forecast": ["--branches", "100", "1000", "--repeats", "3", "--data", "benchmarks/data/bench"],
            "validation": ["--repeats", "3"],
            "style": ["--repeats", "5"],
        }
    return {
        "kpis": ["--repeats", "1", "--data", demo],
        "staffing": ["--repeats", "1"],
        "incentives": ["--repeats", "1", "--staff", "2000"],
        "reports": ["--repeats", "1", "--data", demo],
        "scaling": ["--repeats", "1", "--data", demo, "--branch-counts", "4"],
        "roster": ["--branches", "100", "--pw-every", "20", "--rounds", "2"],
        "bootstrap": ["--repeats", "1", "--staff", "2000"],
        "bank": ["--data", demo, "--branches", "2"],
        "forecast": ["--branches", "20", "100", "--repeats", "1", "--demo", demo],
        "validation": ["--repeats", "1", "--data", demo],
        "style": ["--repeats", "1"],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", choices=("bench", "small"), default="bench")
    ap.add_argument("names", nargs="*", help=f"benchmarks to run (default all): {', '.join(BENCHMARKS)}")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s) {unknown}; choose from {', '.join(BENCHMARKS)}")
        return 2
    demo = ""
    if args.scale == "small":
        from benchmarks.bench_reports import ensure_demo

        demo = str(ensure_demo())
    arguments = scale_arguments(args.scale, demo)
    for name in names:
        print(f"\n=== {name} ({args.scale}) ===", flush=True)
        importlib.import_module(BENCHMARKS[name]).main(arguments[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())

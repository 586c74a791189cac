"""Benchmark: N branch reports for one quarter, the runner against a naive CLI loop.

Contenders (each in a fresh process, interleaved round by round, see ``_common``):

* ``naive``: for every branch, ``papermill`` CLI (``-r`` so branch ids stay strings)
  then ``jupyter nbconvert --to html --no-input``, one subprocess each, in a loop;
  what a hand-written shell script does.
* ``runner``: :func:`bankperf_analysis.runner.run.run_reports` with ``force=True``
  (long-lived kernels, parallel workers, in-process rendering).
* ``runner re-run``: the same call without ``force`` right after, nothing changed:
  every report is cached.

The notebook is ``tests/notebooks/report.ipynb`` (imports pandas, matplotlib,
seaborn and the package; a table, a figure with a Chinese title, a headline).
Goals: runner ≥ 3× faster than naive; re-run ≤ 5 s.

Run: ``.venv/bin/python -m benchmarks.bench_reports [--n 100] [--repeats 1] [--jobs N]``;
writes ``benchmarks/results/reports.json``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._common import Contender, compare, table, write_results

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "tests" / "notebooks" / "report.ipynb"
QUARTER = "2026Q4"
BIN = Path(sys.executable).parent


def _branches(n: int) -> list[str]:
    return [f"{i:04d}" for i in range(1, n + 1)]  # "0001": must stay a string


def naive(n: int, out: str) -> dict:
    """papermill CLI + nbconvert CLI per branch, one after the other."""
    folder = Path(out) / QUARTER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    failed = 0
    for b in _branches(n):
        executed = folder / f"{b}.ipynb"
        run = subprocess.run(
            [
                str(BIN / "papermill"),
                str(NOTEBOOK),
                str(executed),
                "-r",
                "branch_id",
                b,
                "-p",
                "quarter",
                QUARTER,
                "-p",
                "lang",
                "zh",
                "--no-progress-bar",
                "--kernel",
                "python3",
                "--cwd",
                str(NOTEBOOK.parent),
            ],
            capture_output=True,
        )
        if run.returncode == 0:
            run = subprocess.run(
                [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                capture_output=True,
            )
        failed += run.returncode != 0
    htmls = list(folder.glob("*.html"))
    return {
        "reports": len(htmls),
        "failed": failed,
        "mean_kb": sum(p.stat().st_size for p in htmls) / max(1, len(htmls)) / 1024,
    }


def runner(n: int, out: str, force: bool = True, jobs: int | None = None) -> dict:
    """run_reports over the same branches."""
    from bankperf_analysis.runner.run import run_reports

    items = [{"branch_id": b} for b in _branches(n)]
    result = run_reports(
        NOTEBOOK,
        items,
        out,
        quarter=QUARTER,
        lang="zh",
        force=force,
        jobs=jobs,
        progress=False,
        fingerprint="bench",
        params_hash="bench",
    )
    htmls = [o.html_path for o in result.outcomes if o.html_path]
    return {
        "reports": len(htmls),
        "failed": len(result.failed),
        "cached": len(result.cached),
        "done": len(result.done),
        "mean_kb": sum(p.stat().st_size for p in htmls) / max(1, len(htmls)) / 1024,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="number of branch reports")
    parser.add_argument("--repeats", type=int, default=1, help="rounds per contender")
    parser.add_argument("--jobs", type=int, default=None, help="runner workers (default CPUs)")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bankperf-bench-"))
    try:
        contenders = [
            Contender(
                "naive: papermill CLI + nbconvert CLI loop",
                "benchmarks.bench_reports:naive",
                {"n": args.n, "out": str(work / "naive")},
            ),
            Contender(
                "runner: run_reports (force)",
                "benchmarks.bench_reports:runner",
                {"n": args.n, "out": str(work / "runner"), "jobs": args.jobs},
            ),
            Contender(
                "runner: re-run, nothing changed",
                "benchmarks.bench_reports:runner",
                {"n": args.n, "out": str(work / "runner"), "force": False, "jobs": args.jobs},
            ),
        ]
        print(f"{args.n} reports, {args.repeats} round(s); notebook {NOTEBOOK.name}")
        compare(contenders, repeats=args.repeats)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = contenders[0].median
    rows = []
    for c in contenders:
        last = c.results[-1]
        rows.append(
            {
                "contender": c.label,
                "median_s": c.median,
                "s_per_report": c.median / args.n,
                "speedup_vs_naive": base / c.median if c.median else float("nan"),
                "peak_mb": max(c.peaks_mb),
                "reports": last["reports"],
                "failed": last["failed"],
                "mean_kb": last["mean_kb"],
            }
        )
    print()
    print(
        table(
            rows,
            [
                "contender",
                "median_s",
                "s_per_report",
                "speedup_vs_naive",
                "peak_mb",
                "reports",
                "failed",
                "mean_kb",
            ],
        )
    )
    speedup = base / contenders[1].median
    rerun = contenders[2].median
    goals = {
        "speedup_ge_3x": speedup >= 3.0,
        "rerun_le_5s": rerun <= 5.0,
        "all_reports_ok": all(r["failed"] == 0 and r["reports"] == args.n for r in rows),
    }
    print(
        f"\nrunner speed-up vs naive: {speedup:.1f}x (goal >= 3x); "
        f"re-run with nothing changed: {rerun:.2f} s (goal <= 5 s); goals met: {goals}"
    )
    payload = {
        "n_reports": args.n,
        "repeats": args.repeats,
        "jobs": args.jobs,
        "contenders": [
            {
                "label": c.label,
                "times_s": c.times,
                "median_s": c.median,
                "peaks_mb": c.peaks_mb,
                "results": c.results,
            }
            for c in contenders
        ],
        "speedup_vs_naive": speedup,
        "rerun_s": rerun,
        "goals": goals,
    }
    path = write_results("reports", payload)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()

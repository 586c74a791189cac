"""``bankperf report``: every branch report of a quarter (+ the bank overview), and the index."""

from __future__ import annotations

import argparse
import sys
import time

__all__ = ["register"]

def cmd_report(args: argparse.Namespace) -> int:
    from bankperf_analysis.runner.batch import build_reports
    from bankperf_analysis.runner.run import format_failures

    t0 = time.perf_counter()
    res = build_reports(args.data, args.quarter, args.out, branches=args.branch, lang=args.lang,
                        jobs=args.jobs, scheduler=args.scheduler, force=args.force,
                        progress=args.progress, timeout_cell=args.timeout_cell,
                        timeout_report=args.timeout_report)
    print(f"{len(res.done)} rendered, {len(res.cached)} up to date, {len(res.failed)} failed "
          f"in {time.perf_counter() - t0:.1f} s")
    if res.failed:
        print(format_failures(res), file=sys.stderr)
    for p in res.index_paths:
        print(f"index: {p}")
    return res.exit_code


def register(sub) -> None:
    """Add the ``report`` sub-command."""
    from bankperf_analysis.runner.run import add_report_arguments

    p = sub.add_parser("report", help="render every branch report of a quarter as HTML")
    add_report_arguments(p)
    p.set_defaults(func=cmd_report)

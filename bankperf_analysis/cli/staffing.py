"""``bankperf staffing``: one branch's staffing plan (定编), printed and optionally saved.

``bankperf staffing --data DIR --branch B01 --quarter 2026Q4 [--out plan.xlsx|plan.csv]
[--interval 30] [--channel phone|counter|online] [--model erlang_c|erlang_a]``

``--out`` writes the plan's tables with
:func:`bankperf_analysis.staffing.export.write_plan`: ``.xlsx``, one sheet per table;
``.csv``, the interval plan in the file given and every other table beside it.
"""

from __future__ import annotations

import argparse
import time

__all__ = ["register"]


def cmd_staffing(args: argparse.Namespace) -> int:
    """Plan the branch and print (and optionally write) the plan; return the exit code."""
    from bankperf_analysis.cli._request import check_request
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.staffing.export import check_plan_path, write_plan
    from bankperf_analysis.staffing.plan import branch_staffing_plan

    t0 = time.perf_counter()
    scheme = load_scheme(args.scheme)  # None: the default scheme
    if args.out:
        check_plan_path(args.out)  # before the work, so a bad name fails fast
    check_request(args.data, args.quarter, [args.branch], command="staffing")  # before the work too
    with load_dataset(args.data) as ds:
        plan = branch_staffing_plan(
            ds,
            args.branch,
            args.quarter,
            scheme,
            channel=args.channel,
            interval_minutes=args.interval,
            model=args.model,
        )
    print(plan.summary().as_text())
    if args.out:
        files = write_plan(plan, args.out)
        print(f"\nwrote {', '.join(str(f) for f in files)}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def register(sub) -> None:
    """Add the ``staffing`` sub-command."""
    p = sub.add_parser("staffing", help="a branch's staffing plan for the next quarter")
    p.add_argument("--data", required=True, help="data folder or DuckDB file")
    p.add_argument("--branch", required=True, help="branch id, e.g. B01")
    p.add_argument(
        "--quarter", required=True, help="reporting quarter whose data the plan starts from, e.g. 2026Q4"
    )
    p.add_argument("--out", help="also write the tables: .xlsx (one sheet each) or .csv")
    p.add_argument(
        "--interval",
        type=int,
        default=30,
        choices=[15, 30, 60],
        help="interval length in minutes (default 30)",
    )
    p.add_argument(
        "--channel",
        choices=["phone", "counter", "online"],
        help="plan one channel only (default: counter and phone+online queues)",
    )
    p.add_argument(
        "--model",
        default="erlang_c",
        choices=["erlang_c", "erlang_a"],
        help="queueing model (default erlang_c)",
    )
    p.add_argument("--scheme", help="scheme YAML (default: the packaged params/scheme.yaml)")
    p.set_defaults(func=cmd_staffing)

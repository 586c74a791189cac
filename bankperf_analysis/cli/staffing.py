"""``bankperf staffing``: one branch's staffing plan (定编), printed and optionally saved.

``bankperf staffing --data DIR --branch B01 --quarter 2026Q4 [--lang zh|en] [--out plan.xlsx|plan.csv]
[--interval 30] [--channel phone|counter|online] [--model erlang_c|erlang_a]``

The plan prints as labelled tables in ``--lang`` (:func:`bankperf_analysis.staffing.shown.plan_text`).
``--out`` writes them with :func:`bankperf_analysis.staffing.export.write_plan`: ``.xlsx``, the
tables as shown, one Excel table per sheet (filters, formats, print setup) and a notes sheet;
``.csv``, the tidy interval plan in the file given and every other table beside it.
"""

from __future__ import annotations

import argparse
import time

__all__ = ["register"]


def cmd_staffing(args: argparse.Namespace) -> int:
    """Plan the branch and print (and optionally write) the plan; return the exit code."""
    from bankperf_analysis.cli._request import check_request
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.i18n import t
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.staffing.export import check_plan_path, write_plan
    from bankperf_analysis.staffing.plan import branch_staffing_plan
    from bankperf_analysis.staffing.shown import plan_text

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
    print(plan_text(plan, args.lang))
    if args.out:
        files = write_plan(plan, args.out, lang=args.lang)
        print("\n" + t("stf_wrote", args.lang, files=", ".join(str(f) for f in files)))
    print(t("stf_done", args.lang, seconds=f"{time.perf_counter() - t0:.1f}"))
    return 0


def register(sub) -> None:
    """Add the ``staffing`` sub-command."""
    p = sub.add_parser("staffing", help="a branch's staffing plan for the next quarter")
    p.add_argument("--data", required=True, help="data folder or DuckDB file")
    p.add_argument("--branch", required=True, help="branch id, e.g. B01")
    p.add_argument(
        "--quarter", required=True, help="reporting quarter whose data the plan starts from, e.g. 2026Q4"
    )
    p.add_argument(
        "--out",
        help="also write the tables: .xlsx (labelled in --lang, one Excel table per sheet, as the HR "
        "workbook) or .csv (tidy files with column ids and codes)",
    )
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the tables (default en)")
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

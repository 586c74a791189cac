"""``bankperf staffing``: one branch's staffing plan (定编), printed and optionally saved.

``bankperf staffing --data DIR --branch B01 --quarter 2026Q4 [--out plan.xlsx|plan.csv]
[--interval 30] [--channel phone|counter|online] [--model erlang_c|erlang_a]``

``.xlsx``: one sheet per table (intervals, heatmap, headcount, posts, cost_benefit,
what_if). ``.csv``: the interval plan in the file given and every other table in
``<stem>_<table>.csv`` beside it. Every file is written to a temporary file and
renamed, all files together, so an interrupted run never leaves a half-written file
(:func:`bankperf_analysis._atomic.atomic_write_many`).
"""

from __future__ import annotations

import argparse
import functools
import time
from pathlib import Path

__all__ = ["register", "write_plan"]

_TABLES = ("intervals", "heatmap", "headcount", "posts", "cost_benefit", "what_if")


def _frames(plan) -> dict:
    return {name: (plan.to_frame() if name == "intervals" else getattr(plan, name))
            for name in _TABLES}


def _write_csv(frame, tmp: Path) -> None:
    frame.to_csv(tmp, index=False, encoding="utf-8-sig")  # with a BOM: Excel reads it as UTF-8


def write_plan(plan, path: str | Path) -> list[Path]:
    """Write a :class:`~bankperf_analysis.staffing.plan.StaffingPlan` to ``.xlsx`` or ``.csv``.

    Returns the files written.
    """
    from bankperf_analysis._atomic import atomic_write, atomic_write_many
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.scorecard.export import excel_sheet_name

    p = Path(path)
    frames = _frames(plan)
    suffix = p.suffix.lower()
    if suffix == ".xlsx":
        def write_xlsx(tmp: Path) -> None:
            import pandas as pd

            used: set[str] = set()
            with pd.ExcelWriter(tmp, engine="openpyxl") as xl:
                for name, frame in frames.items():
                    frame.to_excel(xl, sheet_name=excel_sheet_name(name, used), index=False)

        return [atomic_write(p, write_xlsx)]
    if suffix == ".csv":
        return atomic_write_many(
            (p if name == "intervals" else p.with_name(f"{p.stem}_{name}.csv"),
             functools.partial(_write_csv, frame))
            for name, frame in frames.items())
    raise ParamsError(f"The 'out' parameter of bankperf staffing must end in .xlsx or .csv. "
                      f"Got {str(path)!r} instead.")


def cmd_staffing(args: argparse.Namespace) -> int:
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.scheme.model import load_scheme
    from bankperf_analysis.staffing.plan import branch_staffing_plan

    t0 = time.perf_counter()
    scheme = load_scheme(args.scheme) if args.scheme else load_scheme()
    if args.out and Path(args.out).suffix.lower() not in (".xlsx", ".csv"):
        from bankperf_analysis.exceptions import ParamsError

        raise ParamsError(f"The 'out' parameter of bankperf staffing must end in .xlsx or .csv. "
                          f"Got {args.out!r} instead.")
    with load_dataset(args.data) as ds:
        plan = branch_staffing_plan(ds, args.branch, args.quarter, scheme, channel=args.channel,
                                    interval_minutes=args.interval, model=args.model)
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
    p.add_argument("--quarter", required=True,
                   help="reporting quarter whose data the plan starts from, e.g. 2026Q4")
    p.add_argument("--out", help="also write the tables: .xlsx (one sheet each) or .csv")
    p.add_argument("--interval", type=int, default=30, choices=[15, 30, 60],
                   help="interval length in minutes (default 30)")
    p.add_argument("--channel", choices=["phone", "counter", "online"],
                   help="plan one channel only (default: counter and phone+online queues)")
    p.add_argument("--model", default="erlang_c", choices=["erlang_c", "erlang_a"],
                   help="queueing model (default erlang_c)")
    p.add_argument("--scheme", help="scheme YAML (default: the packaged params/scheme.yaml)")
    p.set_defaults(func=cmd_staffing)

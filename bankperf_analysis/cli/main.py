"""The ``bankperf`` command.

Sub-commands
------------
``bankperf demo-data DIR [--seed N] [--scale tiny|default|bench]``
    Write the deterministic demo bank (and its ``truth.json``) into DIR.
``bankperf validate DIR [--periods 2025Q1:2026Q4]``
    Check a dataset against the data contract; print every problem as a table and
    exit 1, or print a one-line summary and exit 0.

Further sub-commands (``scorecard``, ``report``, ``staffing``) are registered by the
modules that implement them.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from bankperf_analysis import __version__
from bankperf_analysis.exceptions import BankPerfError, DataValidationError

__all__ = ["main", "build_parser"]


def _periods(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    if ":" not in text:
        raise argparse.ArgumentTypeError("expected FIRST:LAST, e.g. 2025Q1:2026Q4")
    a, b = text.split(":", 1)
    return a.strip(), b.strip()


def _issues_table(err: DataValidationError, limit: int = 200) -> str:
    import pandas as pd

    df = err.to_frame()
    df["row"] = df["row"].map(lambda r: "" if r is None or pd.isna(r) else str(int(r)))
    shown = df.head(limit)
    with pd.option_context("display.max_colwidth", 60, "display.width", 200,
                           "display.max_rows", limit + 5):
        text = shown.to_string(index=False)
    more = f"\n... and {len(df) - limit} more problems" if len(df) > limit else ""
    return text + more


def cmd_validate(args: argparse.Namespace) -> int:
    from bankperf_analysis.dataset.load import validate_dataset

    try:
        summary = validate_dataset(args.data, periods=_periods(args.periods))
    except DataValidationError as err:
        print(f"INVALID: {args.data}: {err.n_total} problem(s) found\n", file=sys.stderr)
        print(_issues_table(err), file=sys.stderr)
        return 1
    print(summary.as_text())
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from bankperf_analysis.dataset.demo import make_demo_bank

    t0 = time.perf_counter()
    truth = make_demo_bank(args.dir, scale=args.scale, seed=args.seed,
                           progress=None if args.quiet else (lambda m: print("  " + m)))
    rows = sum(truth["rows"].values())
    print(f"demo bank ({args.scale}, seed {args.seed}) written to {args.dir}: "
          f"{truth['n_branches']} branches, {truth['n_staff']} staff, {rows:,} rows, "
          f"{truth['first_period']}–{truth['last_period']} in {time.perf_counter() - t0:.1f} s; "
          f"planted truths in {args.dir}/truth.json")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``bankperf`` command."""
    p = argparse.ArgumentParser(prog="bankperf", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"bankperf-analysis {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    v = sub.add_parser("validate", help="check a dataset against the data contract")
    v.add_argument("data", help="data folder or DuckDB file")
    v.add_argument("--periods", help="FIRST:LAST reporting quarters, e.g. 2025Q1:2026Q4 "
                                     "(default: from the folder's dataset.yaml)")
    v.set_defaults(func=cmd_validate)

    d = sub.add_parser("demo-data", help="write the deterministic demo bank")
    d.add_argument("dir", help="destination folder")
    d.add_argument("--seed", type=int, default=20261, help="random seed (default 20261)")
    d.add_argument("--scale", default="default", choices=["tiny", "default", "bench"])
    d.add_argument("--quiet", action="store_true", help="no per-table progress")
    d.set_defaults(func=cmd_demo_data)

    for register in _extensions():
        register(sub)
    return p


def _extensions():
    """Sub-command registrars of the modules that provide more commands."""
    import importlib

    out = []
    for mod in ("bankperf_analysis.cli.scorecard", "bankperf_analysis.cli.report",
                "bankperf_analysis.cli.staffing"):
        try:
            m = importlib.import_module(mod)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
            continue
        out.append(m.register)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bankperf``; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BankPerfError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

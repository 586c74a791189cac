"""``bankperf validate DIR [--periods 2025Q1:2026Q4]``: check a dataset against the data contract.

Prints a one-line summary and exits 0, or every problem as a table and exits 3 (invalid data) or
4 (an input that cannot be read); see :func:`bankperf_analysis.cli.main.main`.
"""

from __future__ import annotations

import argparse

from bankperf_analysis.exceptions import DataValidationError

__all__ = ["register"]


def _periods(text: str | None) -> tuple[str, str] | None:
    if not text:
        return None
    if ":" not in text:
        raise argparse.ArgumentTypeError("expected FIRST:LAST, e.g. 2025Q1:2026Q4")
    a, b = text.split(":", 1)
    return a.strip(), b.strip()


def issues_table(err: DataValidationError, limit: int = 200) -> str:
    """Every problem of ``err`` as a table: table, file, row, column, value, expected."""
    import pandas as pd

    df = err.to_frame()
    df["row"] = df["row"].map(lambda r: "" if r is None or pd.isna(r) else str(int(r)))
    shown = df.head(limit)
    with pd.option_context("display.max_colwidth", 60, "display.width", 200, "display.max_rows", limit + 5):
        text = shown.to_string(index=False)
    more = f"\n... and {len(df) - limit} more problems" if len(df) > limit else ""
    return text + more


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate ``args.data``: print the summary and return 0, or raise with every problem."""
    from bankperf_analysis.dataset.load import validate_dataset

    summary = validate_dataset(args.data, periods=args.periods)
    print(summary.as_text())
    return 0


def register(sub) -> None:
    """Add the ``validate`` sub-command."""
    v = sub.add_parser("validate", help="check a dataset against the data contract")
    v.add_argument("data", help="data folder or DuckDB file")
    v.add_argument(
        "--periods",
        type=_periods,  # argparse reports a malformed value as a usage error (exit 2)
        help="FIRST:LAST reporting quarters, e.g. 2025Q1:2026Q4 (default: from the folder's dataset.yaml)",
    )
    v.set_defaults(func=cmd_validate)

"""``bankperf sheets``: the per-person appraisal sheets (个人绩效考核表) of a quarter, printable."""

from __future__ import annotations

import argparse

__all__ = ["register"]


def cmd_sheets(args: argparse.Namespace) -> int:
    """Write the sheets (one HTML file per branch, one A4 page per person); return the exit code."""
    from bankperf_analysis.cli._request import check_request
    from bankperf_analysis.periods import Period
    from bankperf_analysis.runner.sheets import build_sheets

    Period.parse(args.quarter)
    check_request(args.data, args.quarter, args.branch, command="sheets")  # refused before any work
    res = build_sheets(
        args.data,
        args.quarter,
        args.out,
        branches=args.branch,
        lang=args.lang,
        scheme_path=args.scheme,
        pdf=args.pdf,
    )
    print(res.summary().as_text())
    return 0


def register(sub) -> None:
    """Add the ``sheets`` sub-command."""
    p = sub.add_parser(
        "sheets", help="per-person appraisal sheets (个人绩效考核表): one A4 page per person, HTML (+ PDF)"
    )
    p.add_argument("--data", required=True, help="folder (or file/URL) of the dataset")
    p.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q4")
    p.add_argument(
        "--branch",
        action="append",
        default=None,
        metavar="ID",
        type=str,
        help="branch id (repeatable; default: all)",
    )
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="language of the sheets")
    p.add_argument(
        "--out", default="outputs", help="output folder (default: outputs/); files go in <out>/<quarter>/"
    )
    p.add_argument("--scheme", default=None, metavar="FILE", help="scheme YAML (default: the packaged one)")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also write a PDF of each file (offline, pip install 'bankperf-analysis[pdf]')",
    )
    p.set_defaults(func=cmd_sheets)

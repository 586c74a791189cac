"""``bankperf scorecard``: a quarter's scorecards to Excel (HR) or CSV."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["register"]


def cmd_scorecard(args: argparse.Namespace) -> int:
    """Score the quarter and write the workbook; return the exit code (nothing written on an error)."""
    from bankperf_analysis.cli._request import check_request
    from bankperf_analysis.dataset.load import default_cache_dir, load_dataset
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.i18n import t
    from bankperf_analysis.l10n import branch_names
    from bankperf_analysis.periods import Period
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scorecard._cli_summary import scorecard_summary_text
    from bankperf_analysis.scorecard.export import write_scorecard
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    t0 = time.perf_counter()
    if Path(args.out).suffix.lower() not in (".xlsx", ".csv"):  # before the work: fail fast
        raise ParamsError(
            f"The 'out' parameter of bankperf scorecard must end in .xlsx or .csv. Got {args.out!r} instead."
        )
    Period.parse(args.quarter)
    scheme = load_scheme(args.scheme)  # None: the default scheme
    check_request(args.data, args.quarter, command="scorecard")  # a quarter without data: refused now
    with load_dataset(args.data, fingerprint_cache=default_cache_dir()) as ds:
        _, staff_card, branch_card = quarter_scorecards(ds, args.quarter, scheme)
        fingerprint = ds.fingerprint
        branches = ds.table("branches")
    xlsx = Path(args.out).suffix.lower() == ".xlsx"
    files = write_scorecard(
        Path(args.out),
        staff_card,
        branch_card,
        lang=args.lang if xlsx else None,  # CSV files stay tidy data: ids and codes
        scheme=scheme,
        fingerprint=fingerprint,
        branches=branches if xlsx else None,
        progress=not args.no_progress,
    )
    lang = args.lang if xlsx else "en"
    names = None
    if lang == "zh" and "branch_name_zh" in branches.columns:
        names = branch_names(branches, lang)
    print(scorecard_summary_text(staff_card, branch_card, lang, names=names))
    took = f"{time.perf_counter() - t0:.1f}"
    print(t("cli_wrote", lang, files=", ".join(str(f) for f in files), seconds=took))
    return 0


def register(sub) -> None:
    """Add the ``scorecard`` sub-command."""
    p = sub.add_parser(
        "scorecard", help="score a quarter and write the HR workbook (.xlsx, with a payroll CSV) or CSV"
    )
    p.add_argument("--data", required=True, help="data folder or DuckDB file")
    p.add_argument("--quarter", required=True, help="quarter to score, e.g. 2026Q3")
    p.add_argument(
        "--out",
        required=True,
        help="output file: .xlsx (the HR workbook, plus <stem>_payroll.csv next to it) or .csv (tidy "
        "CSV files <stem>_<frame>.csv with ids and codes)",
    )
    p.add_argument(
        "--lang",
        choices=("en", "zh"),
        default="en",
        help="language of the workbook's sheet names, headers and labels, and of the summary printed "
        "(default: en); .xlsx only",
    )
    p.add_argument("--scheme", help="scheme YAML (default: the packaged params/scheme.yaml)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_scorecard)

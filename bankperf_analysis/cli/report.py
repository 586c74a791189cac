"""``bankperf report``: every branch report of a quarter (+ the bank overview), and the index.

``--kind incentive`` renders the incentive study instead (one per ``--kpi``), as of ``--quarter``
(the study's window ends there; default: the data's last quarter), through the same exporter,
in the same quarter folder and index (:mod:`bankperf_analysis.runner.study`). ``--kind staffing``
renders each branch's staffing report (plan, proposed roster, what-if) from ``--quarter``
(:mod:`bankperf_analysis.runner.staffing`), listed on the same index.

Exit codes (:mod:`bankperf_analysis.cli.main`): 0 every report good; 1 some reports failed
(listed, and in red in the index); 2 bad arguments, an unknown branch or an invalid scheme;
3 invalid data; 4 unreadable data or scheme, or another run holds the output folder. On 2,
3 and 4 nothing is written.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Any

__all__ = ["register", "add_report_arguments", "preparing_line"]


def add_report_arguments(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the options of ``bankperf report`` to ``parser``.

    ``--data DIR (--quarter 2026Q3 | --period 2026-11) [--branch ID ...] [--lang zh|en] [--jobs N]
    [--scheduler ADDRESS] [--out outputs/] [--scheme FILE] [--force] [--timeout-cell S]
    [--timeout-report S] [--no-progress]``. Branch ids stay strings.
    """
    parser.add_argument("--data", required=True, help="folder (or file/URL) of the dataset")
    parser.add_argument(
        "--kind",
        choices=["branch", "incentive", "staffing"],
        default="branch",
        help="branch (default): the branch reports, the bank overview and, in Q4, the year (or, with "
        "--period, the monthly reports); incentive: the incentive study (effect of the bonus scheme on "
        "--kpi, difference in differences; it does not use the scheme, which its footer names as every "
        "report's does); staffing: each branch's staffing plan (定编), proposed roster (排班) and what-if, "
        "for the quarter after --quarter",
    )
    when = parser.add_mutually_exclusive_group()  # one is required for --kind branch (_check_kind_options)
    when.add_argument(
        "--quarter",
        help="reporting quarter, e.g. 2026Q3 (the quarter reports); with --kind incentive the study's "
        "window ends at this quarter (later data and later adoptions are left out) and it is written to "
        "that quarter's folder; default there: the data's last quarter",
    )
    when.add_argument(
        "--period",
        metavar="YYYY-MM",
        help="reporting month, e.g. 2026-11: the monthly reports (月报) with 环比, 同比 and early warnings",
    )
    parser.add_argument(
        "--branch",
        action="append",
        default=None,
        metavar="ID",
        type=str,
        help="branch id to report on (repeatable; default: every branch)",
    )
    parser.add_argument("--lang", choices=["en", "zh"], default="en", help="report language")
    parser.add_argument("--jobs", type=int, default=None, help="parallel workers (default: number of CPUs)")
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786) to run on a cluster",
    )
    parser.add_argument("--out", default="outputs", help="output folder (default: outputs/)")
    parser.add_argument(
        "--scheme",
        default=None,
        metavar="FILE",
        help="scheme YAML (default: the packaged params/scheme.yaml); every report, the annual "
        "summary included, uses it and names it in its footer",
    )
    parser.add_argument("--force", action="store_true", help="re-run reports whose inputs did not change")
    parser.add_argument(
        "--timeout-cell",
        type=float,
        default=600.0,
        metavar="S",
        help="seconds one cell may run (default 600)",
    )
    parser.add_argument(
        "--timeout-report",
        type=float,
        default=1800.0,
        metavar="S",
        help="seconds one report may run (default 1800)",
    )
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    _add_incentive_arguments(parser)
    parser.add_argument(
        "--pdf",
        action="store_true",
        help="also write a PDF (A4, Chinese font embedded) next to each HTML report; offline, "
        "pure Python (pip install 'bankperf-analysis[pdf]'), no browser needed",
    )
    return parser


def _add_incentive_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of ``--kind incentive``: ``--kpi NAME ... --level L --adoption FILE``."""
    parser.add_argument(
        "--kpi",
        action="append",
        default=None,
        metavar="NAME",
        help="--kind incentive: outcome KPI of a study (repeatable; default satisfaction_rate)",
    )
    parser.add_argument(
        "--level",
        choices=["branch-quarter", "staff-quarter", "staff-month"],
        default="branch-quarter",
        help="--kind incentive: unit x period of the study's panel (default branch-quarter)",
    )
    parser.add_argument(
        "--adoption",
        default="",
        metavar="FILE",
        help="--kind incentive: CSV of branch_id, adoption_period (default: the demo data's truth.json)",
    )


def cmd_report(args: argparse.Namespace) -> int:
    """Render the reports; print the counts, the failures and the index paths; return the exit code.

    The quarter and the branches are checked first (:func:`~bankperf_analysis.cli._request.check_request`,
    well under 2 s), so a quarter without data or an unknown branch is refused before the
    fingerprint, the validation and the shared inputs. With progress on, one line says what is
    being prepared before the first bar appears.
    """
    from bankperf_analysis.cli._request import check_request

    t0 = time.perf_counter()
    _check_kind_options(args)
    when = _checked_period(args) if args.kind == "branch" or args.quarter else None
    if when is not None:
        check_request(args.data, when, args.branch, command="report")
    if getattr(args, "pdf", False):
        from bankperf_analysis.runner.pdf import check_pdf_engine

        check_pdf_engine()  # a missing engine is said before any report runs
    from bankperf_analysis.runner.batch import build_reports  # only now: the runner takes a second
    from bankperf_analysis.runner.items import format_failures
    from bankperf_analysis.runner.monthly import build_monthly_reports

    if args.kind == "incentive":
        res = _build_study(args)
    elif args.kind == "staffing":
        res = _build_staffing(args)
    else:
        _announce(args, preparing_line(str(when), args.data))
        build = build_monthly_reports if args.period else build_reports
        res = build(
            args.data,
            str(when),
            args.out,
            branches=args.branch,
            scheduler=args.scheduler,
            **_run_options(args),
        )
    print(
        f"{len(res.done)} rendered, {len(res.cached)} up to date, {len(res.failed)} failed "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    if res.failed:
        print(format_failures(res), file=sys.stderr)
        print(
            "what to do: each failure above names its report and why; fix that and run the same command "
            "again (the reports that succeeded are up to date and are not re-run).",
            file=sys.stderr,
        )
    for p in res.index_paths:
        print(f"index: {p}")
    pdf_ok = _write_pdfs(res, args.force, args.jobs) if getattr(args, "pdf", False) else True
    return res.exit_code or (0 if pdf_ok else 1)


# The options that belong to one kind or another, in the order a refusal lists them; each kind
# takes the ones in its row of _KIND_OPTIONS and refuses the rest with its own sentence
# ({given}: the refused options the command gave).
_KIND_SPECIFIC = ("kpi", "adoption", "period", "scheduler", "branch", "level")
_KIND_OPTIONS: dict[str, tuple[frozenset[str], str]] = {
    "branch": (
        frozenset({"period", "scheduler", "branch"}),
        "The options {given} of bankperf report must come with --kind incentive. Got them with --kind branch "
        "instead.",
    ),
    "incentive": (
        frozenset({"kpi", "adoption", "level"}),
        "The options --branch, --scheduler and --period of bankperf report must come with --kind branch "
        "(the incentive study covers the whole bank, on the local pool). Got them with --kind incentive "
        "instead.",
    ),
    "staffing": (
        frozenset({"branch"}),
        "The options {given} of bankperf report must not come with --kind staffing (it takes --quarter and "
        "--branch; the staffing reports run on the local pool). Got them with --kind staffing instead.",
    ),
}


def _check_kind_options(args: argparse.Namespace) -> None:
    """Refuse options of the other kind (exit 2) before any work: each kind says which it takes."""
    from bankperf_analysis.exceptions import ParamsError

    accepted, message = _KIND_OPTIONS[args.kind]
    given = [
        f"--{o}"
        for o in _KIND_SPECIFIC
        if o not in accepted and (args.level != "branch-quarter" if o == "level" else getattr(args, o))
    ]
    if given:
        raise ParamsError(message.format(given=", ".join(given)))
    if args.kind == "branch" and args.quarter is None and args.period is None:
        err = ParamsError("one of the arguments --quarter --period is required")  # argparse's words
        err.hint = (
            "--kind branch (the default) needs --quarter (e.g. 2026Q3) or --period (e.g. 2026-11); "
            "`bankperf report --help` lists the options. Nothing was written."
        )
        raise err
    if args.kind == "staffing" and args.quarter is None:
        err = ParamsError("the argument --quarter is required with --kind staffing")
        err.hint = (
            "--kind staffing needs --quarter (e.g. 2026Q4): its contacts and roster are the basis of the "
            "plan for the next quarter. Nothing was written."
        )
        raise err


def _run_options(args: argparse.Namespace) -> dict[str, Any]:
    """The options every kind's build takes alike: language, workers, cache, progress, timeouts, scheme.

    Examples
    --------
    >>> ns = argparse.Namespace(lang="zh", jobs=2, force=False, progress=False, timeout_cell=60.0,
    ...                         timeout_report=600.0, scheme=None)
    >>> sorted(_run_options(ns).items())[:3]
    [('force', False), ('jobs', 2), ('lang', 'zh')]
    """
    return dict(
        lang=args.lang,
        jobs=args.jobs,
        force=args.force,
        progress=args.progress,
        timeout_cell=args.timeout_cell,
        timeout_report=args.timeout_report,
        scheme_path=args.scheme,
    )


def _announce(args: argparse.Namespace, text: str) -> None:
    """With progress on, say on standard error what is being prepared (before the first bar)."""
    if args.progress:
        print(text, file=sys.stderr, flush=True)


def _build_staffing(args: argparse.Namespace):
    """The staffing reports (``--kind staffing``) of the branches asked, from ``--quarter``."""
    from bankperf_analysis.runner.staffing import build_staffing_reports

    _announce(
        args,
        "Preparing the staffing reports: the data fingerprint, then (unless they are up to date) a full "
        "validation of the data; the bar below counts the reports (a branch's plan, roster, what-if).",
    )
    return build_staffing_reports(
        args.data,
        args.quarter,
        args.out,
        branches=args.branch,
        **_run_options(args),
    )


def _build_study(args: argparse.Namespace):
    """The incentive study (``--kind incentive``), as of ``--quarter``."""
    from bankperf_analysis.runner.study import build_incentive_study

    _announce(
        args,
        "Preparing the incentive study: the data fingerprint, then (unless it is up to date) a full "
        "validation of the data; the bar below counts the studies.",
    )
    return build_incentive_study(
        args.data,
        args.quarter,
        args.out,
        kpis=args.kpi or ["satisfaction_rate"],
        level=args.level,
        adoption=args.adoption,
        **_run_options(args),
    )


def _checked_period(args: argparse.Namespace) -> str:
    """The period asked: ``--quarter`` must be a quarter and ``--period`` a month (else exit 2).

    Examples
    --------
    >>> _checked_period(argparse.Namespace(quarter=None, period="2026-11"))
    '2026-11'
    >>> _checked_period(argparse.Namespace(quarter="2026-11", period=None))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bankperf_analysis.exceptions.ParamsError: The '--quarter' option of bankperf report must be a quarter ...
    """
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.periods import Period

    option, text, kind, example = (
        ("--period", args.period, "month", "2026-11")
        if args.period
        else ("--quarter", args.quarter, "quarter", "2026Q3")
    )
    try:
        p = Period.parse(str(text))
    except ParamsError:
        p = None
    if p is None or p.kind != kind:
        other = (
            "--quarter 2026Q4 for the quarter reports" if kind == "month" else "--period 2026-11 for a month"
        )
        raise ParamsError(
            f"The '{option}' option of bankperf report must be a {kind} like {example!r}. Got {str(text)!r} "
            f"instead (use {other})."
        )
    return str(p)


def _write_pdfs(res, force: bool, jobs: int | None) -> bool:
    """Write the PDF copy of every good report of ``res``; print the count and time; False if one failed."""
    from bankperf_analysis.runner.pdf import write_pdfs

    t0 = time.perf_counter()
    html = [o.html_path for o in res.outcomes if o.status in ("ok", "cached") and o.html_path]
    made = write_pdfs(html, force=force, jobs=jobs or os.cpu_count() or 1)
    failed = {h: v for h, v in made.items() if isinstance(v, str)}
    took = time.perf_counter() - t0
    print(
        f"{len(made) - len(failed)} PDF written or up to date in {took:.1f} s "
        f"({took / max(len(made), 1):.1f} s per report)"
    )
    for h, why in failed.items():
        print(f"error: the PDF of {h} failed: {why}", file=sys.stderr)
    if failed:
        print(
            "what to do: the HTML reports are good; fix the cause above and run with --pdf again.",
            file=sys.stderr,
        )
    return not failed


def preparing_line(quarter: str, data: str) -> str:
    """The line printed before the first progress bar: what is being prepared, in order.

    Examples
    --------
    >>> preparing_line("2026Q4", "data/demo")  # doctest: +ELLIPSIS
    'Preparing the 2026Q4 reports from data/demo: the data fingerprint, then ...'
    """
    from bankperf_analysis.dataset.database import redact

    shared = (
        "the month's KPIs, 环比, 同比 and warnings"
        if "-" in str(quarter)
        else "KPIs, scorecards, significance tests"
    )
    return (
        f"Preparing the {quarter} reports from {redact(str(data))}: the data fingerprint, then (unless "
        "every report is up to date) a full validation of the data and the inputs all reports share "
        f"({shared}); the bars below count the reports of each stage."
    )


def register(sub) -> None:
    """Add the ``report`` sub-command."""
    p = sub.add_parser(
        "report",
        help="render every branch report of a quarter (--quarter) or a month (--period) as HTML "
        "(--kind incentive: the incentive study; --kind staffing: staffing plans and rosters)",
    )
    add_report_arguments(p)
    p.set_defaults(func=cmd_report)

"""The ``bankperf`` command.

Sub-commands, one module each (its ``register(sub)`` adds the sub-command):

``bankperf validate DIR``
    Check a dataset against the data contract (:mod:`bankperf_analysis.cli.validate`).
``bankperf demo-data DIR``
    Write the deterministic demo bank (:mod:`bankperf_analysis.cli.demo`).
``bankperf scorecard``
    A quarter's scorecards to Excel or CSV (:mod:`bankperf_analysis.cli.scorecard`).
``bankperf report``
    Every branch report of a quarter as HTML (:mod:`bankperf_analysis.cli.report`).
``bankperf sheets``
    The per-person appraisal sheets (个人绩效考核表) of a quarter (:mod:`bankperf_analysis.cli.sheets`).
``bankperf staffing``
    One branch's staffing plan (:mod:`bankperf_analysis.cli.staffing`).
``bankperf roster``
    One branch's week of shifts (:mod:`bankperf_analysis.cli.roster`).

Every sub-command exits with the same codes (README "Exit codes"): 0 ok; 1 some reports
failed; 2 usage error (bad arguments or options, an invalid scheme); 3 invalid data (every
problem listed, nothing written); 4 an input that cannot be read or an environment problem.
Every refusal prints the message, then a line saying what to do (:mod:`~bankperf_analysis.cli._style`).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Sequence

from bankperf_analysis import __version__
from bankperf_analysis.cli import demo, report, roster, scorecard, sheets, staffing, validate
from bankperf_analysis.cli._style import Parser, help_hint, print_error, unknown_option, what_to_do
from bankperf_analysis.exceptions import (
    EXIT_INVALID_DATA,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    BankPerfError,
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    UnreadableInputError,
)

__all__ = ["main", "build_parser"]

#: The sub-command modules, in the order ``bankperf --help`` lists them.
_SUBCOMMANDS = (validate, demo, scorecard, report, sheets, staffing, roster)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``bankperf`` command.

    Neither it nor any sub-command takes an abbreviated option (``--dat`` is not ``--data``);
    usage errors print in the house style (:class:`~bankperf_analysis.cli._style.Parser`).
    """
    p = Parser(prog="bankperf", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"bankperf-analysis {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for module in _SUBCOMMANDS:
        module.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``bankperf``; returns the process exit code (module docstring).

    Every refusal prints ``error: <message>`` and then ``what to do: <one line>`` on
    standard error (a refused input lists its problems in between).
    """
    from bankperf_analysis.runner._imports import skip_unused_format_checker

    skip_unused_format_checker()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    unknown = unknown_option(parser, argv)
    if unknown:  # named before argparse's own checks, which would miss it behind a missing option
        message, prog = unknown
        print_error(message, help_hint(prog))
        return EXIT_USAGE
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # a usage error (printed by Parser.error), or 0 for --help
        return stop.code if isinstance(stop.code, int) else EXIT_USAGE
    quiet = getattr(args, "no_progress", False) is True or getattr(args, "progress", True) is False
    with _no_progress(quiet):
        return _run(args)


@contextlib.contextmanager
def _no_progress(on: bool):
    """Under ``--no-progress``: no bar at all, DuckDB's included, here and in the batch's children."""
    from bankperf_analysis._progress import NO_PROGRESS_ENV

    before = os.environ.get(NO_PROGRESS_ENV)
    if on:
        os.environ[NO_PROGRESS_ENV] = "1"
    try:
        yield
    finally:  # main() may run in a caller's process (tests, notebooks): leave its environment as it was
        if before is None:
            os.environ.pop(NO_PROGRESS_ENV, None)
        else:
            os.environ[NO_PROGRESS_ENV] = before


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; a refusal prints its message and gives the exit code."""
    try:
        return int(args.func(args) or 0)
    except DataValidationError as err:
        return _refused(err, getattr(args, "data", ""))
    except BankPerfError as err:
        print_error(str(err), what_to_do(err, args.command, _data(args)))
        if isinstance(err, ParamsError):
            return EXIT_USAGE
        return EXIT_INVALID_DATA if isinstance(err, InsufficientSampleError) else EXIT_UNREADABLE
    except OSError as err:  # a file that cannot be read or written, a full disk
        print_error(str(err), what_to_do(err, args.command))
        return EXIT_UNREADABLE


def _data(args: argparse.Namespace) -> str:
    from bankperf_analysis.dataset.database import redact

    return redact(str(getattr(args, "data", "") or ""))


def _refused(err: DataValidationError, data: str) -> int:
    """Print every problem of a refused input as a table; the exit code says which kind."""
    from bankperf_analysis.cli.validate import issues_table
    from bankperf_analysis.dataset.database import redact

    data = redact(data)  # a database URL is shown without its password
    unreadable = isinstance(err, UnreadableInputError)
    head = "UNREADABLE" if unreadable else "INVALID"
    print(f"{head}: {data}: {err.n_total} problem(s) found\n", file=sys.stderr)
    print(issues_table(err), file=sys.stderr)
    print(f"\nwhat to do: {what_to_do(err, None, data)}", file=sys.stderr)
    return EXIT_UNREADABLE if unreadable else EXIT_INVALID_DATA


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

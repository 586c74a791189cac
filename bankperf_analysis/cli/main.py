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
``bankperf staffing``
    One branch's staffing plan (:mod:`bankperf_analysis.cli.staffing`).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from bankperf_analysis import __version__
from bankperf_analysis.cli import demo, report, scorecard, staffing, validate
from bankperf_analysis.exceptions import BankPerfError

__all__ = ["main", "build_parser"]

#: The sub-command modules, in the order ``bankperf --help`` lists them.
_SUBCOMMANDS = (validate, demo, scorecard, report, staffing)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``bankperf`` command."""
    p = argparse.ArgumentParser(prog="bankperf", description=__doc__.split("\n")[0])
    p.add_argument("--version", action="version", version=f"bankperf-analysis {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for module in _SUBCOMMANDS:
        module.register(sub)
    return p


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

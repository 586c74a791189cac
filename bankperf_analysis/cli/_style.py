"""One error style for every ``bankperf`` sub-command: the message, then a line saying what to do.

Every refusal prints, on standard error::

    error: unknown option --quater; did you mean --quarter?
    what to do: correct the option; `bankperf report --help` lists them.

(a refused input prints its table of problems between the two lines). The parser class
:class:`Parser` never takes an abbreviation of an option (``--dat`` is not ``--data``), names
an unknown option with the closest valid one, and prints argparse's own usage errors in the
same style; :func:`what_to_do` gives the line for an error the package raised.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import NoReturn

from bankperf_analysis.exceptions import (
    EXIT_USAGE,
    BankPerfError,
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    ReportError,
    UnreadableInputError,
)

__all__ = ["Parser", "help_hint", "print_error", "unknown_option", "what_to_do"]


def print_error(message: str, todo: str) -> None:
    """Print a refusal in the house style: ``error: <message>``, then ``what to do: <todo>``.

    Examples
    --------
    >>> import contextlib, io
    >>> buf = io.StringIO()
    >>> with contextlib.redirect_stderr(buf):
    ...     print_error("unknown option --quater; did you mean --quarter?", "correct the option.")
    >>> print(buf.getvalue(), end="")
    error: unknown option --quater; did you mean --quarter?
    what to do: correct the option.
    """
    print(f"error: {message}", file=sys.stderr)
    print(f"what to do: {todo}", file=sys.stderr)


def help_hint(prog: str) -> str:
    """The ``what to do`` line of a usage error of ``prog`` (``"bankperf report"``)."""
    return f"correct the command; `{prog} --help` lists the arguments and options."


class Parser(argparse.ArgumentParser):
    """An argument parser that never takes abbreviations and prints errors in the house style.

    ``allow_abbrev`` is always False: ``--dat`` is an unknown option, not ``--data``. The
    sub-parsers made by :meth:`add_subparsers` are of this class too. A usage error prints
    ``error: ...`` and ``what to do: ...`` and exits with
    :data:`~bankperf_analysis.exceptions.EXIT_USAGE` (2).

    Examples
    --------
    >>> p = Parser(prog="demo")
    >>> _ = p.add_argument("--data")
    >>> p.allow_abbrev
    False
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs["allow_abbrev"] = False
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse's hook
        print_error(message, help_hint(self.prog))
        raise SystemExit(EXIT_USAGE)


def _options_of(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string of ``parser`` (``-h``, ``--help``, ``--data`` ...)."""
    return list(parser._option_string_actions)


def _sub_parsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The sub-command parsers of ``parser`` by name ({} when it has none)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def unknown_option(parser: argparse.ArgumentParser, argv: Sequence[str]) -> tuple[str, str] | None:
    """The first option of ``argv`` that its (sub-)parser does not know: (message, prog), or None.

    The message names the option and suggests the closest valid one; ``prog`` is the
    (sub-)command that does not know it (``"bankperf report"``). Abbreviations are unknown
    options (the parsers take none). A token after ``--``, and a negative number, are values,
    not options.

    Examples
    --------
    >>> p = Parser(prog="bankperf")
    >>> sub = p.add_subparsers(dest="command")
    >>> r = sub.add_parser("report")
    >>> _ = r.add_argument("--quarter")
    >>> unknown_option(p, ["report", "--quater", "2026Q4"])
    ('unknown option --quater; did you mean --quarter?', 'bankperf report')
    >>> unknown_option(p, ["report", "--quarter=2026Q4"]) is None
    True
    """
    subs = _sub_parsers(parser)
    current = parser
    for token in argv:
        if token == "--":
            return None
        if current is parser and token in subs:
            current = subs[token]
            continue
        if not token.startswith("-") or token == "-" or _is_number(token):
            continue
        name = token.split("=", 1)[0]
        known = _options_of(current)
        if name in known:
            continue
        close = difflib.get_close_matches(name, [k for k in known if k.startswith("--")], n=1, cutoff=0.6)
        suggestion = f"; did you mean {close[0]}?" if close else ""
        return f"unknown option {name}{suggestion}", current.prog
    return None


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def what_to_do(err: BaseException, command: str | None, data: str = "") -> str:
    """The ``what to do`` line for an error the package raised.

    An error may carry its own (``err.hint``, set where it was raised); otherwise the line
    follows from its kind, which also decides the exit code (README "Exit codes").
    """
    hint = getattr(err, "hint", "")
    if hint:
        return str(hint)
    prog = f"bankperf {command}" if command else "bankperf"
    target = data or "DIR"
    if isinstance(err, UnreadableInputError):
        return (
            "check that the path exists and that every file named above is complete and in a supported "
            f"format; `bankperf validate {target}` lists every problem. Nothing was written."
        )
    if isinstance(err, DataValidationError):
        return (
            "correct the rows named above in the data (or ask whoever exports them), then run "
            f"`bankperf validate {target}` until it passes. Nothing was written."
        )
    if isinstance(err, ParamsError):
        return help_hint(prog) + " Nothing was written."
    if isinstance(err, InsufficientSampleError):
        return "choose another quarter or branch, or add the missing data. Nothing was written."
    if isinstance(err, ReportError):
        return (
            "if another run is writing that folder, wait for it to finish or give another --out; "
            "otherwise fix what the message names and run again. Nothing was written."
        )
    if isinstance(err, BankPerfError):
        return "fix what the message names and run again."
    return "check the path, its permissions and the free disk space, then run again."

"""The quarter and the branches a sub-command asks for, checked before any heavy work.

:func:`check_request` is the one check ``bankperf report``, ``scorecard`` and ``staffing``
run first: it reads the dataset without validating it (no fingerprint, no full
validation, about 0.3 s on the demo bank), then refuses a quarter in which the data have no
row at all (naming what the data cover) and a branch id the data do not have (naming the
closest ones). A refusal is a :class:`~bankperf_analysis.exceptions.ParamsError` (exit 2)
carrying its ``what to do`` line in ``hint``; nothing has been written.

A PostgreSQL URL is not checked here: every load copies its tables into DuckDB
(:mod:`~bankperf_analysis.dataset.database`), so the quick read would be a second full read.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path

from bankperf_analysis.exceptions import ParamsError

__all__ = ["check_request"]


def _refusal(message: str, hint: str) -> ParamsError:
    err = ParamsError(message)
    err.hint = hint  # the "what to do" line (cli._style.what_to_do)
    return err


def check_request(
    data: str | Path, quarter: str, branches: Sequence[str] | None = None, *, command: str = "report"
) -> None:
    """Refuse, before any heavy work, a quarter without data or a branch the data do not have.

    Parameters
    ----------
    data : str or Path
        The data folder, DuckDB file or database URL given with ``--data``.
    quarter : str
        The quarter given with ``--quarter`` (a malformed one is refused with the period
        template, exit 2).
    branches : sequence of str, optional
        The branch ids given with ``--branch`` (None: every branch; nothing to check).
    command : str
        The sub-command, named in the ``what to do`` line.

    Raises
    ------
    ParamsError
        The quarter has no data, or a branch id is unknown; ``hint`` says what to do.
    UnreadableInputError
        The data cannot be read at all (a missing folder): exit 4, as in every sub-command.

    Examples
    --------
    >>> from bankperf_analysis.dataset.demo import make_demo_bank
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> check_request(folder, "2026Q4")
    >>> check_request(folder, "2031Q1")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bankperf_analysis.exceptions.ParamsError: The dataset ... has no data for 2031Q1: it covers 2025Q1–2026Q4.
    """
    from bankperf_analysis.dataset.database import is_database_url
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.periods import Period

    q = Period.parse(str(quarter))
    if is_database_url(data):
        return  # not a quick read: the sub-command's own checks refuse it (module docstring)
    with load_dataset(data, validate=False) as ds:
        ds.con.execute("SET enable_progress_bar = false")  # a scan of 50M rows would draw DuckDB's bar
        has_rows = ds.has_data(q)
        first, last = (None, None) if has_rows else ds.coverage()
        ids = [str(b) for b in ds.table("branches", ["branch_id"])["branch_id"]] if branches else []
    if not has_rows:
        raise _quarter_refusal(str(data), str(q), first, last, command)
    if branches:
        _check_branches([str(b) for b in branches], ids, command)


def _quarter_refusal(data: str, q: str, first: str | None, last: str | None, command: str) -> ParamsError:
    from bankperf_analysis.dataset.database import redact

    shown = redact(data)
    if first is None:
        return _refusal(
            f"The dataset {shown} has no data for {q}: it has no dated row at all.",
            f"check that the folder holds the exported tables; `bankperf validate {shown}` lists what it "
            "finds. Nothing was written.",
        )
    span = first if first == last else f"{first}–{last}"
    choose = f"the quarter {first}" if first == last else f"a quarter from {first} to {last}"
    option = "--quarter"
    if "-" in q:  # a month (--period 2026-11): a month of those quarters
        choose, option = f"a month of {span}", "--period"
    return _refusal(
        f"The dataset {shown} has no data for {q}: it covers {span}.",
        f"give {choose} with {option}, or add the data of {q} to the folder and run "
        f"`bankperf {command}` again. Nothing was written.",
    )


def _check_branches(asked: list[str], ids: list[str], command: str) -> None:
    unknown = [b for b in asked if b not in set(ids)]
    if not unknown:
        return
    shown = ", ".join(ids[:20]) + (" ..." if len(ids) > 20 else "")
    close = {b: difflib.get_close_matches(b, ids, n=1, cutoff=0.6) for b in unknown}
    guesses = [f"{b!r} → {c[0]!r}" for b, c in close.items() if c]
    maybe = f" Closest: {', '.join(guesses)}." if guesses else ""
    names = ", ".join(repr(b) for b in unknown)
    raise _refusal(
        f"Unknown branch id(s) {names}: the dataset has {shown}.{maybe}",
        "give a branch id from the data with --branch, exactly as the data write it (ids are text: "
        f"0012 and 12 are different branches), and run `bankperf {command}` again. Nothing was written.",
    )

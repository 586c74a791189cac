"""Problems met while loading: an input that breaks the contract, or one that cannot be read at all.

Both are :class:`~bankperf_analysis.exceptions.ValidationIssue` objects; an
:class:`UnreadableIssue` marks a file that could not be read (empty, corrupt, wrong format,
undecodable, a ``dataset.yaml`` with a syntax error...). :func:`raise_issues` raises
:class:`~bankperf_analysis.exceptions.UnreadableInputError` (exit 4) when any issue is
unreadable, else :class:`~bankperf_analysis.exceptions.DataValidationError` (exit 3); either
way every problem found is listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bankperf_analysis.exceptions import DataValidationError, UnreadableInputError, ValidationIssue

__all__ = ["UnreadableIssue", "unreadable", "raise_issues", "header_names"]


@dataclass(frozen=True, slots=True)
class UnreadableIssue(ValidationIssue):
    """A :class:`ValidationIssue` about an input that cannot be read at all."""


def unreadable(
    table: str, file: str, value: str, expected: str, *, row: int | None = None, column: str = ""
) -> UnreadableIssue:
    """An :class:`UnreadableIssue` (keyword order of :class:`ValidationIssue`, row and column optional).

    Examples
    --------
    >>> unreadable("staff", "staff.parquet", "an empty file (0 bytes)", "a Parquet file").as_text()
    'staff (staff.parquet): got an empty file (0 bytes); expected a Parquet file'
    """
    return UnreadableIssue(table, file, row, column, value, expected)


def raise_issues(issues: Sequence[ValidationIssue]) -> None:
    """Raise one error listing every issue, unreadable ones first; nothing when there are none."""
    if not issues:
        return
    bad = [i for i in issues if isinstance(i, UnreadableIssue)]
    if bad:
        raise UnreadableInputError([*bad, *(i for i in issues if not isinstance(i, UnreadableIssue))])
    raise DataValidationError(issues)


def header_names(table: str, file: str, cells: Sequence[object]) -> tuple[list[str], list[ValidationIssue]]:
    """The column names of a header row, blanks stripped; a name given twice is a problem.

    A column without a name is kept as ``_unnamed_<n>`` and, like every column not in the
    contract, not read (a contract column whose name was lost is then reported missing).

    Examples
    --------
    >>> header_names("staff", "staff.csv", [" staff_id ", "", "staff_id"])[0]
    ['staff_id', '_unnamed_2', 'staff_id']
    >>> header_names("staff", "staff.csv", ["staff_id", "", "staff_id"])[1][0].value
    'given twice (columns 1 and 3)'
    """
    names = ["" if c is None else str(c).strip() for c in cells]
    issues: list[ValidationIssue] = []
    for i, n in enumerate(names):
        if n and n in names[:i]:
            where = f"columns {names.index(n) + 1} and {i + 1}"
            issues.append(
                ValidationIssue(
                    table, file, None, n, f"given twice ({where})", "each column once in the header row"
                )
            )
    return [n or f"_unnamed_{i + 1}" for i, n in enumerate(names)], issues

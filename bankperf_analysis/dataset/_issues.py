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

__all__ = ["UnreadableIssue", "unreadable", "raise_issues"]


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

"""Exception and warning classes of bankperf-analysis.

Every error the package raises on purpose derives from :class:`BankPerfError`.
Subclasses also inherit the builtin that describes the cause, so callers that
catch ``ValueError`` keep working (the scikit-learn ``NotFittedError`` pattern).
Every warning derives from :class:`BankPerfWarning`, so a report can filter
exactly ours.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

__all__ = [
    "BankPerfError",
    "BankPerfWarning",
    "DataValidationError",
    "UnreadableInputError",
    "EXIT_OK",
    "EXIT_REPORTS_FAILED",
    "EXIT_USAGE",
    "EXIT_INVALID_DATA",
    "EXIT_UNREADABLE",
    "InsufficientSampleError",
    "ParamsError",
    "ReportError",
    "SmallSampleWarning",
    "ValidationIssue",
    "NotFittedError",
    "ConvergenceWarning",
    "EstimatorDisagreementWarning",
    "RegressionToMeanWarning",
    "InconclusiveWarning",
]


class BankPerfError(Exception):
    """Base class of every error raised on purpose by bankperf-analysis.

    ``hint`` is one line saying what to do about it, set where the error is raised when the
    raiser knows better than the error's kind (``""``: the command line words it from the kind).
    """

    hint: str = ""


class ParamsError(BankPerfError, ValueError):
    """A parameter file or argument is invalid (unknown KPI, weights, bands...)."""


class InsufficientSampleError(BankPerfError, ValueError):
    """A statistic cannot be computed at all on the sample given."""


class NotFittedError(BankPerfError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class ReportError(BankPerfError, RuntimeError):
    """One or more reports failed to build."""


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One problem found in the input data.

    Attributes
    ----------
    table : str
        Table of the data contract (``"surveys"``).
    file : str
        File the row came from (or ``""`` for a database table).
    row : int or None
        1-based data row number within the file (header excluded; for CSV and Excel
        the message also gives the line, counting the header as line 1), or None when
        the problem concerns the whole file or column.
    column : str
        Column name, or ``""`` for a whole-table problem.
    value : str
        The offending value as text (``""`` when not applicable).
    expected : str
        What the data contract expects.
    """

    table: str
    file: str
    row: int | None
    column: str
    value: str
    expected: str

    def as_text(self) -> str:
        """One-line description naming table, file, row, column, value, expectation."""
        where = f"{self.table} ({self.file})" if self.file else self.table
        if self.row is not None:
            where += f" row {self.row}"
            if self.file.lower().endswith((".csv", ".xlsx")):
                # Spreadsheet users see the header as line 1.
                where += f" (line {self.row + 1})"
        if self.column:
            where += f", column '{self.column}'"
        got = f": got {self.value!s}" if self.value != "" else ""
        return f"{where}{got}; expected {self.expected}"


class DataValidationError(BankPerfError, ValueError):
    """The input data break the data contract.

    Carries *every* problem found, not just the first, in ``issues``.
    ``str(err)`` lists them one per line (truncated after 50 lines; the full
    list stays in ``issues``).
    """

    def __init__(self, issues: Iterable[ValidationIssue], n_total: int | None = None):
        self.issues: list[ValidationIssue] = list(issues)
        self.n_total = len(self.issues) if n_total is None else n_total
        super().__init__(self._message())

    def __reduce__(self):
        """Pickle with the issues: the error crosses processes as itself (e.g. the shared inputs')."""
        return (type(self), (self.issues, self.n_total))

    def _message(self, limit: int = 50) -> str:
        head = f"The data break the data contract: {self.n_total} problem(s) found."
        lines = [head] + ["  - " + i.as_text() for i in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... and {len(self.issues) - limit} more (see .issues)")
        return "\n".join(lines)

    def to_frame(self):
        """Return the issues as a pandas DataFrame (one row per issue)."""
        import pandas as pd

        cols: Sequence[str] = ("table", "file", "row", "column", "value", "expected")
        return pd.DataFrame([asdict(i) for i in self.issues], columns=list(cols))


class UnreadableInputError(DataValidationError):
    """An input cannot be read at all: missing, empty, corrupt or of the wrong format.

    A data file that is 0 bytes or not Parquet, a ``dataset.yaml`` or scheme file with a
    YAML syntax error, a scheme file that does not exist, a database that refuses the
    connection. Like :class:`DataValidationError` it lists every problem, each naming its
    file (``issues``); the command line exits with :data:`EXIT_UNREADABLE` (4) instead of
    :data:`EXIT_INVALID_DATA` (3), because nothing was wrong with the data it could read.
    """

    def _message(self, limit: int = 50) -> str:
        head = f"An input cannot be read: {self.n_total} problem(s) found."
        lines = [head] + ["  - " + i.as_text() for i in self.issues[:limit]]
        if len(self.issues) > limit:
            lines.append(f"  ... and {len(self.issues) - limit} more (see .issues)")
        return "\n".join(lines)


#: Exit codes of every ``bankperf`` sub-command (README "Exit codes").
EXIT_OK = 0
#: Some reports failed (the others were published).
EXIT_REPORTS_FAILED = 1
#: A usage error: bad arguments or options, an invalid scheme (ParamsError). Nothing written.
EXIT_USAGE = 2
#: The data break the data contract (DataValidationError). Nothing written.
EXIT_INVALID_DATA = 3
#: An input cannot be read (UnreadableInputError) or the environment fails (another run holds
#: the output folder, a kernel cannot start, the disk is full). Nothing half-written.
EXIT_UNREADABLE = 4


class BankPerfWarning(UserWarning):
    """Base class of every warning emitted by bankperf-analysis."""


class SmallSampleWarning(BankPerfWarning):
    """A statistic rests on too few observations to be trusted (or was switched to an exact method)."""


class InconclusiveWarning(BankPerfWarning):
    """A comparison cannot be conclusive at the sample sizes available."""


class ConvergenceWarning(BankPerfWarning):
    """An iterative fit did not converge."""


class EstimatorDisagreementWarning(BankPerfWarning):
    """Two estimators of the same effect disagree (e.g. TWFE vs a staggered-robust one)."""


class RegressionToMeanWarning(BankPerfWarning):
    """A before/after comparison of units selected on past performance is biased by regression to the mean."""

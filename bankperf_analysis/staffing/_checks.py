"""Checks of the staffing room's array and frame inputs (scalars use :mod:`bankperf_analysis._validation`).

Arrays of per-interval values are refused with the house message template, naming the
first bad value; a frame missing a column is a
:class:`~bankperf_analysis.exceptions.DataValidationError` naming the table.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import param_error
from bankperf_analysis.exceptions import DataValidationError, ValidationIssue

__all__ = ["as_float", "as_servers", "require_columns"]


def as_float(x: Any, name: str, owner: str, allow_zero: bool = True) -> np.ndarray:
    """Return ``x`` as a float array of finite non-negative (or, without ``allow_zero``, positive) values."""
    arr = np.asarray(x, dtype=float)
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        first = arr[bad].ravel()[0]
        kind = "non-negative" if allow_zero else "positive"
        raise param_error(name, owner, f"an array of finite {kind} numbers", f"an array containing {first}")
    return arr


def as_servers(x: Any, owner: str) -> np.ndarray:
    """Return ``x`` (the ``servers`` parameter) as an int64 array of non-negative whole numbers."""
    arr = np.asarray(x)
    as_float = arr.astype(float)
    if not np.all(np.isfinite(as_float)) or np.any(as_float < 0) or np.any(as_float != np.round(as_float)):
        raise param_error("servers", owner, "an array of non-negative integers", x)
    return as_float.astype(np.int64)


def require_columns(frame: Any, cols: Sequence[str], table: str) -> None:
    """Raise :class:`~bankperf_analysis.exceptions.DataValidationError` unless ``frame`` has ``cols``."""
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            [ValidationIssue(table, "", None, "", type(frame).__name__, "a pandas DataFrame")]
        )
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [ValidationIssue(table, "", None, c, "", "column present") for c in missing]
        )

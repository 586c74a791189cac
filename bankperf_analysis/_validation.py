"""Check a function's parameters, with one message template for the whole package (style.md §4).

Every refusal reads the same way, so a user learns it once::

    The 'alpha' parameter of compare_rates must be a float in (0, 1). Got 1.5 instead.

:func:`param_error` builds that message; the ``check_*`` helpers validate one kind of
value each and return it normalised (a NumPy scalar becomes a Python number). ``owner``
is the public name the user called (``"compare_rates"``, ``"ErlangStaffing"``).
:func:`warn` warns at the caller's line, outside the package.
"""

from __future__ import annotations

import math
import sys
import types
import typing
import warnings
from collections.abc import Hashable, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np

from bankperf_analysis.exceptions import ParamsError

__all__ = [
    "param_error",
    "show",
    "is_real",
    "check_choice",
    "check_real",
    "check_period",
    "check_unit_interval",
    "check_positive",
    "check_int",
    "check_count",
    "check_frame",
    "check_column",
    "warn",
]


def show(value: Any) -> str:
    """``repr`` of a value as a user typed it (NumPy scalars shown as Python numbers).

    Examples
    --------
    >>> show(np.float64(1.5)), show("2026Q5")
    ('1.5', "'2026Q5'")
    """
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def param_error(name: str, owner: str, expected: str, got: Any) -> ParamsError:
    """The house-template :class:`~bankperf_analysis.exceptions.ParamsError`.

    Examples
    --------
    >>> str(param_error("alpha", "compare_rates", "a float in (0, 1)", 1.5))
    "The 'alpha' parameter of compare_rates must be a float in (0, 1). Got 1.5 instead."
    """
    return ParamsError(f"The {name!r} parameter of {owner} must be {expected}. Got {show(got)} instead.")


def is_real(value: Any) -> bool:
    """True for a real, non-boolean scalar (Python or NumPy)."""
    number = isinstance(value, int | float | np.integer | np.floating)
    return number and not isinstance(value, bool | np.bool_)


def check_choice(value: Any, name: str, owner: str, allowed: Any) -> Any:
    """Return ``value`` if it is one of ``allowed`` (a sequence or a ``Literal`` alias).

    Examples
    --------
    >>> check_choice("larger", "alternative", "compare_rates", ("two-sided", "larger", "smaller"))
    'larger'
    """
    options: Sequence[Any] = typing.get_args(allowed) or tuple(allowed)
    if not isinstance(value, Hashable) or isinstance(value, np.ndarray) or value not in options:
        raise param_error(name, owner, "one of " + ", ".join(repr(a) for a in options), value)
    return value


@overload
def check_real(value: Any, name: str, owner: str, *, allow_none: Literal[False] = ...) -> float: ...
@overload
def check_real(value: Any, name: str, owner: str, *, allow_none: bool) -> float | None: ...
def check_real(value: Any, name: str, owner: str, *, allow_none: bool = False) -> float | None:
    """Return a finite float (not a bool), or None when allowed."""
    if value is None and allow_none:
        return None
    if not is_real(value) or not math.isfinite(float(value)):
        raise param_error(name, owner, "a finite float" + (" or None" if allow_none else ""), value)
    return float(value)


def check_period(value: Any, name: str, owner: str, kind: str | None = "quarter") -> Any:
    """Return the :class:`~bankperf_analysis.periods.Period` ``value`` names, of ``kind`` if given.

    ``kind`` is ``"quarter"``, ``"month"``, ``"year"`` or None (any).

    Examples
    --------
    >>> str(check_period("2026q3", "quarter", "score_staff"))
    '2026Q3'
    >>> check_period("2026", "quarter", "score_staff")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bankperf_analysis.exceptions.ParamsError: The 'quarter' parameter ... Got '2026' instead.
    """
    from bankperf_analysis.periods import Period

    examples = {
        "quarter": "a quarter like '2026Q3'",
        "month": "a month like '2026-07'",
        "year": "a year like '2026'",
        None: "a period like '2026Q3', '2026-07' or '2026'",
    }
    try:
        p = Period.parse(value)
    except (ParamsError, TypeError, ValueError, AttributeError):
        p = None
    if p is None or (kind is not None and p.kind != kind):
        raise param_error(name, owner, examples[kind], value)
    return p


@overload
def check_unit_interval(
    value: Any,
    name: str,
    owner: str,
    *,
    low_closed: bool = ...,
    high_closed: bool = ...,
    allow_none: Literal[False] = ...,
) -> float: ...
@overload
def check_unit_interval(
    value: Any,
    name: str,
    owner: str,
    *,
    low_closed: bool = ...,
    high_closed: bool = ...,
    allow_none: bool,
) -> float | None: ...
def check_unit_interval(
    value: Any,
    name: str,
    owner: str,
    *,
    low_closed: bool = False,
    high_closed: bool = False,
    allow_none: bool = False,
) -> float | None:
    """Return a float in (0, 1); ``low_closed`` / ``high_closed`` admit 0 / 1.

    Examples
    --------
    >>> check_unit_interval(0.05, "alpha", "compare_rates")
    0.05
    """
    if value is None and allow_none:
        return None
    ok = is_real(value) and math.isfinite(float(value))
    if ok:
        v = float(value)
        ok = (v >= 0 if low_closed else v > 0) and (v <= 1 if high_closed else v < 1)
    if not ok:
        span = ("[0" if low_closed else "(0") + ", " + ("1]" if high_closed else "1)")
        raise param_error(name, owner, f"a float in {span}" + (" or None" if allow_none else ""), value)
    return float(value)


@overload
def check_positive(
    value: Any, name: str, owner: str, *, allow_zero: bool = ..., allow_none: Literal[False] = ...
) -> float: ...
@overload
def check_positive(
    value: Any, name: str, owner: str, *, allow_zero: bool = ..., allow_none: bool
) -> float | None: ...
def check_positive(
    value: Any, name: str, owner: str, *, allow_zero: bool = False, allow_none: bool = False
) -> float | None:
    """Return a finite float > 0 (>= 0 with ``allow_zero``), or None when allowed."""
    if value is None and allow_none:
        return None
    ok = is_real(value) and math.isfinite(float(value))
    if not ok or not (float(value) >= 0 if allow_zero else float(value) > 0):
        expected = "a non-negative float" if allow_zero else "a positive float"
        raise param_error(name, owner, expected + (" or None" if allow_none else ""), value)
    return float(value)


def check_int(value: Any, name: str, owner: str, low: int | None = None, high: int | None = None) -> int:
    """Return an integer (not a bool, not a float) in ``[low, high]``.

    Examples
    --------
    >>> check_int(3, "n_folds", "backtest", low=1)
    3
    """
    ok = isinstance(value, int | np.integer) and not isinstance(value, bool | np.bool_)
    if ok and (low is None or value >= low) and (high is None or value <= high):
        return int(value)
    if low is not None and high is not None:
        expected = f"an integer in [{low}, {high}]"
    elif low is not None:
        expected = f"an integer >= {low}"
    elif high is not None:
        expected = f"an integer <= {high}"
    else:
        expected = "an integer"
    raise param_error(name, owner, expected, value)


def check_count(value: Any, name: str, owner: str, upper: int | None = None, upper_name: str = "") -> int:
    """Return a non-negative whole count (integral floats accepted), at most ``upper``."""
    ok = is_real(value) and math.isfinite(float(value)) and float(value) == int(value)
    ok = ok and int(value) >= 0 and (upper is None or int(value) <= upper)
    if not ok:
        expected = (
            f"an integer in [0, {upper_name}] ({upper_name} = {upper})"
            if upper is not None
            else "a non-negative integer"
        )
        raise param_error(name, owner, expected, value)
    return int(value)


def check_frame(value: Any, name: str, owner: str, what: str = "") -> Any:
    """Return ``value`` if it is a pandas DataFrame (``what`` says which frame is meant)."""
    import pandas as pd

    if not isinstance(value, pd.DataFrame):
        expected = "a pandas DataFrame" + (f" ({what})" if what else "")
        raise ParamsError(
            f"The {name!r} parameter of {owner} must be {expected}. Got {type(value).__name__} instead."
        )
    return value


def check_column(frame: Any, col: Any, name: str, owner: str, hint: str = "") -> str:
    """Return ``col`` if it names a column of ``frame`` (the first 12 columns are listed)."""
    if not isinstance(col, str) or col not in frame.columns:
        cols = ", ".join(map(str, list(frame.columns)[:12]))
        extra = f" {hint}" if hint else ""
        raise ParamsError(
            f"The {name!r} parameter of {owner} must be a column of the panel "
            f"(columns: {cols}).{extra} Got {col!r} instead."
        )
    return col


_PACKAGE_DIR = str(Path(__file__).resolve().parent)


def warn(message: str, category: type[Warning]) -> None:
    """Warn at the first caller outside the package, so the warning names the user's line."""
    frame: types.FrameType | None = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)

"""Parameter checks of the significance tests: score arrays, and typed shorthands.

The messages follow the one house template of :mod:`bankperf_analysis._validation`.
:func:`check_scores` is specific to the tests (a 1-D array of finite scores, missing
values dropped); :func:`unit_open`, :func:`unit_closed` and :func:`positive` are
:func:`~bankperf_analysis._validation.check_unit_interval` and
:func:`~bankperf_analysis._validation.check_positive` for a required value, typed ``float``.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_positive, check_unit_interval, param_error

__all__ = ["check_scores", "unit_open", "unit_closed", "positive"]


def unit_open(value: Any, name: str, owner: str) -> float:
    """Return a float in (0, 1) (``ParamsError`` otherwise)."""
    return cast(float, check_unit_interval(value, name, owner))


def unit_closed(value: Any, name: str, owner: str) -> float:
    """Return a float in [0, 1] (``ParamsError`` otherwise)."""
    return cast(float, check_unit_interval(value, name, owner, low_closed=True, high_closed=True))


def positive(value: Any, name: str, owner: str) -> float:
    """Return a positive finite float (``ParamsError`` otherwise)."""
    return cast(float, check_positive(value, name, owner))


def check_scores(values: Any, name: str, owner: str) -> np.ndarray:
    """Validate a 1-D array of scores; drop missing values (NaN/None), reject infinities."""
    if values is None or isinstance(values, str | bytes):
        raise param_error(name, owner, "a 1-D array of finite numbers", values)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf" and values.ndim == 1:
        arr = values.astype(float)  # fast path
        arr = arr[~np.isnan(arr)]
        if np.isinf(arr).any():
            raise param_error(name, owner, "a 1-D array of finite numbers", "an array with inf")
        return arr
    try:
        arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="raise")
        arr = arr.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise param_error(name, owner, "a 1-D array of finite numbers", values) from None
    if np.ndim(values) > 1 and np.asarray(values).squeeze().ndim > 1:
        raise param_error(name, owner, "a 1-D array of finite numbers", values)
    arr = arr[~np.isnan(arr)]
    if np.isinf(arr).any():
        raise param_error(name, owner, "a 1-D array of finite numbers", "an array with inf")
    return arr

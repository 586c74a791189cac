"""Score arrays as the significance tests take them (a 1-D array of finite scores).

The messages follow the one house template of :mod:`bankperf_analysis._validation`; the
other parameter checks of the tests are that module's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import param_error

__all__ = ["check_scores"]


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

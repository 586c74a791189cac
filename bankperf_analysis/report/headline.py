"""Headline numbers a report notebook records for the index page.

A report notebook ends with ``record_headline(report.headline())``. The values travel as
an ``application/x.bankperf-headline+json`` output of the executed notebook: the runner
reads them for the index page and strips them from the HTML.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from bankperf_analysis.exceptions import ParamsError

__all__ = ["HEADLINE_MIME", "record_headline"]

#: MIME type of the headline output of a report notebook.
HEADLINE_MIME = "application/x.bankperf-headline+json"


def record_headline(values: Mapping[str, Any] | None = None, **more: Any) -> None:
    """Record headline numbers of this report for the index page.

    Call it from a notebook (typically the last cell); several calls merge. The
    values travel as a ``application/x.bankperf-headline+json`` output, which the
    runner reads from the executed notebook and strips from the HTML.

    Parameters
    ----------
    values : mapping, optional
        ``{"satisfaction_rate": 0.87, "complaint_count": 3}``. Keys are label keys of
        :mod:`bankperf_analysis.i18n` where possible (the index translates them).
        Values must be numbers, strings, booleans or None; NumPy scalars are converted
        and NaN becomes None.
    **more
        More values, as keyword arguments.

    Returns
    -------
    None
        Nothing, so that a last-line call adds no text output to the report.
    """
    data = {**(values or {}), **more}
    clean: dict[str, Any] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not key:
            raise ParamsError(f"The keys of record_headline must be non-empty strings. Got {key!r} instead.")
        if hasattr(value, "item") and not isinstance(value, str | bytes):
            value = value.item()  # NumPy / pandas scalar
        if isinstance(value, float) and not math.isfinite(value):
            value = None
        if value is not None and not isinstance(value, str | int | float | bool):
            raise ParamsError(
                f"The value of {key!r} in record_headline must be a number, string, bool or "
                f"None. Got {type(value).__name__} instead."
            )
        clean[key] = value
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover
        return
    if get_ipython() is not None:
        display({HEADLINE_MIME: clean}, raw=True)

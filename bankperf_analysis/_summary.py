"""The one notebook-friendly summary object of the package (style.md §3).

``result.summary()`` returns a :class:`Summary`: ``as_text()``, ``as_html()``, ``__str__``
and ``_repr_html_``, never a ``print``, so the last line of a notebook cell renders it
into the report (statsmodels ``iolib.summary.Summary``).

A summary has a title, then any of: alerts (loud warnings, first), facts (label, value),
a main table, further tables each with a heading and notes of their own, and notes::

    >>> import pandas as pd
    >>> s = Summary("Staff scorecard 2026Q3", facts=[("Staff", "12"), ("Graded", "10")],
    ...             tables=[Table("Grades", pd.DataFrame({"grade": ["excellent"], "n_staff": [3]}))])
    >>> print(s)
    Staff scorecard 2026Q3
    ======================
    Staff   12
    Graded  10
    <BLANKLINE>
    Grades
    ------
        grade  n_staff
    excellent        3
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pandas as pd

__all__ = ["Summary", "Table", "fmt_float"]


def fmt_float(x: float) -> str:
    """Compact float for summary tables: 4 decimals, or 3 significant digits when tiny or huge.

    Examples
    --------
    >>> fmt_float(0.12345), fmt_float(0.00001234), fmt_float(float("nan"))
    ('0.1235', '1.23e-05', '')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    ax = abs(x)
    if ax != 0 and (ax < 1e-3 or ax >= 1e6):
        return f"{x:.3g}"
    return f"{x:.4f}"


@dataclass(frozen=True)
class Table:
    """A table of a summary: a heading, the frame, whether to show its index, notes under it."""

    heading: str
    frame: pd.DataFrame
    index: bool = False
    notes: Sequence[str] = field(default_factory=tuple)


class Summary:
    """Notebook-friendly text/HTML summary (``as_text``, ``as_html``, ``_repr_html_``).

    Parameters
    ----------
    title : str
    frame : pandas.DataFrame, optional
        The main table, shown under the facts without a heading.
    notes : sequence of str
        Closing notes.
    facts : sequence of (label, value)
        Key figures, shown as an aligned list.
    tables : sequence of Table or (heading, frame)
        Further tables; an empty one shows ``(none)``.
    alerts : sequence of str
        Loud warnings, shown first (``!!`` in text, red in HTML).
    float_format : callable, optional
        Formats floats in the tables (default: pandas').
    note_prefix : str
        Put before each closing note (e.g. ``"Note: "``).
    """

    def __init__(
        self,
        title: str,
        frame: pd.DataFrame | None = None,
        notes: Sequence[str] = (),
        *,
        facts: Sequence[tuple[str, str]] = (),
        tables: Sequence[Table | tuple[str, pd.DataFrame]] = (),
        alerts: Sequence[str] = (),
        float_format: Callable[[float], str] | None = None,
        note_prefix: str = "",
    ):
        self.title = title
        self.frame = frame
        self.notes = tuple(notes)
        self.facts = [(str(k), str(v)) for k, v in facts]
        self.tables = [t if isinstance(t, Table) else Table(*t) for t in tables]
        self.alerts = tuple(alerts)
        self.float_format = float_format
        self.note_prefix = note_prefix

    def _text_table(self, frame: pd.DataFrame, index: bool = False) -> str:
        if not len(frame):
            return "(none)"
        with pd.option_context("display.width", 200, "display.max_columns", 30):
            return frame.to_string(index=index, float_format=self.float_format)

    def as_text(self) -> str:
        """Return the summary as plain text."""
        lines = [self.title, "=" * len(self.title)]
        lines += [f"!! {a}" for a in self.alerts]
        if self.facts:
            width = max(len(k) for k, _ in self.facts)
            lines += [f"{k:<{width}}  {v}" for k, v in self.facts]
        if self.frame is not None:
            lines.append(self._text_table(self.frame))
        for t in self.tables:
            lines += ["", t.heading, "-" * len(t.heading), self._text_table(t.frame, t.index), *t.notes]
        if self.notes:
            lines += ([""] if self.tables else []) + [self.note_prefix + n for n in self.notes]
        return "\n".join(lines)

    def _html_table(self, frame: pd.DataFrame, index: bool = False) -> str:
        if not len(frame):
            return "<p>(none)</p>"
        return frame.to_html(index=index, na_rep="", float_format=self.float_format, border=0)

    def as_html(self) -> str:
        """Return the summary as an HTML fragment (every value escaped)."""
        e = html.escape
        parts = [f"<div class='bankperf-summary'><h4>{e(self.title)}</h4>"]
        parts += [f"<p style='color:#b00020;font-weight:bold'>&#9888; {e(a)}</p>" for a in self.alerts]
        if self.facts:
            rows = "".join(
                f"<tr><th style='text-align:left'>{e(k)}</th><td style='text-align:left'>{e(v)}</td></tr>"
                for k, v in self.facts
            )
            parts.append(f"<table>{rows}</table>")
        if self.frame is not None:
            parts.append(self._html_table(self.frame))
        for t in self.tables:
            parts.append(f"<h5>{e(t.heading)}</h5>")
            parts.append(self._html_table(t.frame, t.index))
            parts += [f"<p>{e(n)}</p>" for n in t.notes]
        parts += [f"<p>{e(self.note_prefix + n)}</p>" for n in self.notes]
        parts.append("</div>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

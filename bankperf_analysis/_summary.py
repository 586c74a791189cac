"""The notebook-friendly summary object shared by the result classes (style.md §3).

``result.summary()`` returns a :class:`Summary`: ``as_text()``, ``as_html()``, ``__str__``
and ``_repr_html_`` — never a ``print`` — so the last line of a notebook cell renders it
into the report (statsmodels ``iolib.summary.Summary``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import pandas as pd

__all__ = ["Summary"]


class Summary:
    """Notebook-friendly text/HTML summary (``as_text``, ``as_html``, ``_repr_html_``)."""

    def __init__(self, title: str, frame: pd.DataFrame, notes: Sequence[str] = ()):
        self.title = title
        self.frame = frame
        self.notes = tuple(notes)

    def as_text(self) -> str:
        """Return the summary as plain text."""
        body = self.frame.to_string(index=False)
        return "\n".join([self.title, "=" * len(self.title), body, *self.notes])

    def as_html(self) -> str:
        """Return the summary as an HTML fragment (values escaped)."""
        notes = "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)
        return (
            f"<h4>{html.escape(self.title)}</h4>"
            + self.frame.to_html(index=False, float_format=lambda v: f"{v:.4g}")
            + notes
        )

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()

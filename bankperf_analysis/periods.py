"""Reporting periods: months ("2026-07"), quarters ("2026Q3") and years ("2026").

Examples
--------
>>> p = Period.parse("2026Q3")
>>> p.start, p.end
(datetime.date(2026, 7, 1), datetime.date(2026, 10, 1))
>>> str(p.previous()), str(p.same_period_last_year())
('2026Q2', '2025Q3')
>>> [str(q) for q in quarters_between("2025Q4", "2026Q2")]
['2025Q4', '2026Q1', '2026Q2']
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from bankperf_analysis.exceptions import ParamsError

__all__ = ["Period", "PeriodType", "quarters_between", "quarter_of", "months_in"]

PeriodType = Literal["month", "quarter", "year"]

_Q = re.compile(r"^(\d{4})\s*-?\s*Q([1-4])$", re.IGNORECASE)
_M = re.compile(r"^(\d{4})-(\d{2})$")
_Y = re.compile(r"^(\d{4})$")


@dataclass(frozen=True, slots=True, order=True)
class Period:
    """A calendar month, quarter or year; ``end`` is exclusive."""

    start: dt.date
    end: dt.date
    kind: PeriodType

    @classmethod
    def parse(cls, text: str | Period) -> Period:
        """Parse ``"2026Q3"``, ``"2026-07"`` or ``"2026"``.

        Raises
        ------
        ParamsError
            If the text is none of these forms.
        """
        if isinstance(text, Period):
            return text
        s = str(text).strip()
        if m := _Q.match(s):
            y, q = int(m.group(1)), int(m.group(2))
            start = dt.date(y, 3 * (q - 1) + 1, 1)
            return cls(start, _add_months(start, 3), "quarter")
        if m := _M.match(s):
            y, mo = int(m.group(1)), int(m.group(2))
            if not 1 <= mo <= 12:
                raise ParamsError(f"The period '{s}' has no month {mo}. Expected YYYY-MM.")
            start = dt.date(y, mo, 1)
            return cls(start, _add_months(start, 1), "month")
        if m := _Y.match(s):
            y = int(m.group(1))
            return cls(dt.date(y, 1, 1), dt.date(y + 1, 1, 1), "year")
        raise ParamsError(
            f"The period must be a quarter like '2026Q3', a month like '2026-07' or a year "
            f"like '2026'. Got {s!r} instead."
        )

    def __str__(self) -> str:
        if self.kind == "quarter":
            return f"{self.start.year}Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "month":
            return f"{self.start.year}-{self.start.month:02d}"
        return f"{self.start.year}"

    @property
    def n_months(self) -> int:
        """Number of calendar months in the period."""
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    def shift(self, k: int) -> Period:
        """The period ``k`` steps later (earlier when negative), same kind."""
        start = _add_months(self.start, k * self.n_months)
        return Period(start, _add_months(start, self.n_months), self.kind)

    def previous(self) -> Period:
        """The period just before."""
        return self.shift(-1)

    def same_period_last_year(self) -> Period:
        """The same month/quarter one year earlier."""
        return self.shift(-12 // self.n_months)

    def contains(self, day: dt.date) -> bool:
        """Whether ``day`` falls in the period."""
        return self.start <= day < self.end

    def quarters(self) -> list[Period]:
        """Quarters making up a year (or the quarter itself)."""
        if self.kind == "year":
            return [Period.parse(f"{self.start.year}Q{q}") for q in range(1, 5)]
        if self.kind == "quarter":
            return [self]
        return [quarter_of(self.start)]


def _add_months(d: dt.date, k: int) -> dt.date:
    m = d.month - 1 + k
    return dt.date(d.year + m // 12, m % 12 + 1, 1)


def quarter_of(day: dt.date) -> Period:
    """The quarter containing ``day``."""
    return Period.parse(f"{day.year}Q{(day.month - 1) // 3 + 1}")


def quarters_between(first: str | Period, last: str | Period) -> list[Period]:
    """Every quarter from ``first`` to ``last`` inclusive."""
    a, b = Period.parse(first), Period.parse(last)
    if a.kind != "quarter" or b.kind != "quarter":
        raise ParamsError(f"quarters_between needs quarters. Got {first!r} and {last!r} instead.")
    out = []
    while a <= b:
        out.append(a)
        a = a.shift(1)
    return out


def months_in(period: str | Period) -> list[Period]:
    """The months making up ``period``."""
    p = Period.parse(period)
    return [Period(_add_months(p.start, i), _add_months(p.start, i + 1), "month") for i in range(p.n_months)]

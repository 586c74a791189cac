"""Where a report batch spends its time: the phases of ``bankperf report``, in order.

A batch goes through fixed phases: the dataset's fingerprint (and branch list), the full
validation, the shared inputs (computed once), then each notebook's reports (the branch
reports, the overview, the annual summary). :class:`PhaseClock` records the wall time of
each, so that ``bankperf report`` can say where the time went and a benchmark can show the
phase table of a whole bank's quarter. With the environment variable
``BANKPERF_TIMINGS=FILE`` the batch also writes the table as JSON to ``FILE`` (the
benchmark of the real job reads it).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from bankperf_analysis._atomic import atomic_write

__all__ = ["PhaseClock", "TIMINGS_ENV"]

#: Environment variable naming a JSON file that receives the batch's phase table.
TIMINGS_ENV = "BANKPERF_TIMINGS"


@dataclass
class PhaseClock:
    """Wall-clock seconds per phase of one batch, measured from one start.

    A phase ends at :meth:`lap` (it began where the previous one ended), or is timed on
    its own with :meth:`add` (the shared inputs, computed inside the run). Notebook phases
    end at their last report (:meth:`seen`).

    Examples
    --------
    >>> clock = PhaseClock()
    >>> clock.lap("fingerprint")
    >>> clock.add("shared inputs", 2.5)
    >>> [name for name, _ in clock.phases()]
    ['fingerprint', 'shared inputs']
    >>> clock.phases()[1][1]
    2.5
    """

    start: float = field(default_factory=time.perf_counter)
    _laps: list[tuple[str, float]] = field(default_factory=list)
    _extra: list[tuple[str, float]] = field(default_factory=list)
    _last_seen: dict[str, float] = field(default_factory=dict)

    def lap(self, name: str) -> None:
        """End phase ``name`` now."""
        self._laps.append((name, time.perf_counter()))

    def add(self, name: str, seconds: float) -> None:
        """Record phase ``name`` that took ``seconds`` (timed by the caller)."""
        self._extra.append((name, float(seconds)))

    def seen(self, name: str) -> None:
        """A report of notebook phase ``name`` finished now (the phase ends at its last one)."""
        self._last_seen[name] = time.perf_counter()

    def phases(self) -> list[tuple[str, float]]:
        """``(phase, seconds)`` in order: the laps, the timed phases, then the notebooks.

        A notebook phase runs from the end of the one before it (the shared inputs are
        computed inside the first notebook phase and are subtracted from it).
        """
        out, prev = [], self.start
        for name, at in self._laps:
            out.append((name, at - prev))
            prev = at
        extra = sum(s for _, s in self._extra)
        out.extend(self._extra)
        for i, (name, at) in enumerate(sorted(self._last_seen.items(), key=lambda kv: kv[1])):
            out.append((name, max(at - prev - (extra if i == 0 else 0.0), 0.0)))
            prev = at
        return out

    def total(self) -> float:
        """Seconds from the start to the last recorded moment."""
        ends = [at for _, at in self._laps] + list(self._last_seen.values())
        return (max(ends) if ends else time.perf_counter()) - self.start

    def write_if_asked(self, **context: object) -> Path | None:
        """Write the phase table to ``$BANKPERF_TIMINGS`` when it is set (else nothing)."""
        dest = os.environ.get(TIMINGS_ENV, "").strip()
        if not dest:
            return None
        body = {"phases": [[n, round(s, 3)] for n, s in self.phases()], "total_s": round(self.total(), 3)}
        return atomic_write(dest, json.dumps({**body, **context}, indent=1))

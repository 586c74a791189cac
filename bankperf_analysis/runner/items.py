"""What a report run is made of and what it gives back: items, outcomes, failures, the result.

:class:`ReportItem` is one report to produce (an id and its notebook parameters);
:class:`ReportOutcome` is what happened to it (``ok``, ``failed`` or ``cached``), with a
:class:`ReportFailure` when it failed; :class:`RunResult` collects the outcomes of a batch
and gives the exit code of ``bankperf report``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from bankperf_analysis.exceptions import ParamsError

__all__ = [
    "Status",
    "KEEP_PREVIOUS_KINDS",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "exit_code",
    "format_failures",
]

Status = Literal["ok", "failed", "cached"]
#: Failures that say nothing about the report itself: it never ran (its worker or kernel
#: did not start or died under it, the shared inputs were not prepared, the cluster lost
#: its workers). A previous good HTML of the report is kept, and the index says it is from
#: the previous run, with its time. Any other failure removes it.
KEEP_PREVIOUS_KINDS = frozenset(
    {"kernel_start", "worker_died", "worker_start", "prepare", "not_done", "dask"}
)


@dataclass(frozen=True, slots=True)
class ReportItem:
    """One report to produce: an id (any non-empty text) and its notebook parameters.

    Plain dicts are accepted by :func:`run_reports` and converted with
    :meth:`from_mapping`: ``{"branch_id": "B01", "quarter": "2026Q3", "title": "...",
    "headline": {...}}``. ``file`` names the report's file (without ``.html``); by default
    it is derived from the id (:mod:`bankperf_analysis.runner.names`).
    """

    id: str
    params: Mapping[str, Any]
    title: str = ""
    headline: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str | None = None
    params_hash: str | None = None
    file: str | None = None

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any] | ReportItem, id_param: str = "branch_id") -> ReportItem:
        """Split a dict into metadata (``id``, ``title``, ``headline``, ...) and parameters."""
        if isinstance(item, ReportItem):
            return item
        if not isinstance(item, Mapping):
            raise ParamsError(
                f"Each item of run_reports must be a dict or ReportItem. Got {type(item).__name__} instead."
            )
        params = {k: v for k, v in item.items() if k not in ("id", "title", "headline", "file")}
        item_id = item.get("id", item.get(id_param))
        if item_id is None:
            raise ParamsError(
                f"Each item of run_reports needs an 'id' or {id_param!r} key. "
                f"Got keys {sorted(item)} instead."
            )
        headline = item.get("headline") or {}
        if not isinstance(headline, Mapping):
            raise ParamsError(
                f"The 'headline' of item {item_id!r} must be a dict. Got {type(headline).__name__} instead."
            )
        return cls(
            id=item_id,
            params=params,
            title=str(item.get("title") or ""),
            headline=dict(headline),
            fingerprint=item.get("fingerprint"),
            params_hash=item.get("params_hash"),
            file=item.get("file"),
        )


@dataclass(frozen=True, slots=True)
class ReportFailure:
    """Why a report failed.

    ``kind`` is one of ``"error"`` (a cell raised), ``"cell_timeout"``,
    ``"report_timeout"``, ``"kernel_died"``, ``"render"``, ``"unsafe_html"``, ``"runner"``
    (the report ran and failed: a previous HTML is removed) or ``"kernel_start"``,
    ``"worker_died"``, ``"worker_start"``, ``"prepare"``, ``"not_done"``, ``"dask"`` (it
    never ran: :data:`KEEP_PREVIOUS_KINDS`). ``cell_index`` is the 0-based index of the
    failing cell in the source notebook (None when unknown).
    """

    kind: str
    message: str
    cell_index: int | None = None
    cell_source: str = ""
    ename: str = ""
    evalue: str = ""

    def as_text(self) -> str:
        """One paragraph: kind, message, cell index and the start of its source."""
        where = f" in cell [{self.cell_index}]" if self.cell_index is not None else ""
        text = f"{self.kind}{where}: {self.message}"
        if self.cell_source:
            text += "\n      " + self.cell_source.replace("\n", "\n      ")
        return text


@dataclass(frozen=True, slots=True)
class ReportOutcome:
    """What happened to one item: ``status`` is ``"ok"``, ``"failed"`` or ``"cached"``.

    ``file`` is the report's file name without ``.html`` (the id itself for a plain id).
    """

    id: str
    quarter: str
    status: Status
    html_path: Path | None = None
    failed_notebook: Path | None = None
    headline: Mapping[str, Any] = field(default_factory=dict)
    error: ReportFailure | None = None
    duration_s: float = 0.0
    file: str = ""


@dataclass(frozen=True)
class RunResult:
    """Outcome of a :func:`run_reports` batch.

    Attributes
    ----------
    outcomes : tuple of ReportOutcome
        One per item, in item order.
    index_paths : tuple of Path
        The ``index.html`` written (one per quarter folder).
    duration_s : float
        Wall-clock time of the batch.
    """

    outcomes: tuple[ReportOutcome, ...]
    index_paths: tuple[Path, ...] = ()
    duration_s: float = 0.0

    @property
    def done(self) -> tuple[ReportOutcome, ...]:
        """Reports executed and published in this run."""
        return tuple(o for o in self.outcomes if o.status == "ok")

    @property
    def failed(self) -> tuple[ReportOutcome, ...]:
        """Reports that failed (no HTML published)."""
        return tuple(o for o in self.outcomes if o.status == "failed")

    @property
    def cached(self) -> tuple[ReportOutcome, ...]:
        """Reports skipped because their inputs did not change."""
        return tuple(o for o in self.outcomes if o.status == "cached")

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed

    @property
    def exit_code(self) -> int:
        """Process exit code for the CLI: 0 if every report is good, 1 otherwise."""
        return exit_code(self)

    def summary(self) -> str:
        """Counts and the list of failures, as text."""
        head = (
            f"{len(self.outcomes)} report(s): {len(self.done)} done, {len(self.cached)} cached, "
            f"{len(self.failed)} failed in {self.duration_s:.1f} s"
        )
        return head + ("\n" + format_failures(self) if self.failed else "")

    def __str__(self) -> str:
        return self.summary()

    def to_frame(self):
        """One row per item: id, quarter, status, duration, error kind and message."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "id": o.id,
                    "quarter": o.quarter,
                    "status": o.status,
                    "duration_s": o.duration_s,
                    "html_path": str(o.html_path) if o.html_path else None,
                    "error_kind": o.error.kind if o.error else None,
                    "error": o.error.message if o.error else None,
                }
                for o in self.outcomes
            ]
        )


def exit_code(result: RunResult) -> int:
    """Exit code of ``bankperf report``: 0 when every report is good, 1 if any failed."""
    return 0 if result.ok else 1


def format_failures(result: RunResult) -> str:
    """The failed reports, one block each (item, cell, error, kept notebook)."""
    lines = []
    for o in result.failed:
        lines.append(f"FAILED {o.quarter}/{o.id}: {o.error.as_text() if o.error else '?'}")
        if o.failed_notebook:
            lines.append(f"      executed notebook kept in {o.failed_notebook}")
    return "\n".join(lines)

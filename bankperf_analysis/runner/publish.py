"""Publish the outcomes of a run as they arrive: HTML, kept failed notebooks, manifest, index.

Everything is written in the parent process, atomically
(:func:`bankperf_analysis._atomic.atomic_write`), and the index page is rewritten with the
manifest after every change, so at any moment (even after a kill -9) it tells the truth:

* when a run starts, every report it will run is marked *pending* (not done by the run of
  <time>), with a link to its previous good report, labelled with that report's time;
* a report that ran and failed publishes no HTML: a previous good HTML of that item is
  removed, so nobody reads last run's numbers as current;
* a report that never ran (its worker or kernel did not start or died under it, the
  shared inputs could not be prepared, the cluster lost its workers:
  :data:`~bankperf_analysis.runner.items.KEEP_PREVIOUS_KINDS`) keeps its previous good HTML,
  and the index shows the failure in red and says the kept report is from the previous run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from bankperf_analysis._atomic import atomic_write, atomic_write_many
from bankperf_analysis.i18n import t
from bankperf_analysis.l10n import DEFAULT_TIMEZONE
from bankperf_analysis.runner.cache import MANIFEST_NAME, load_manifest, manifest_entry, previous_report
from bankperf_analysis.runner.items import KEEP_PREVIOUS_KINDS, ReportFailure, ReportOutcome
from bankperf_analysis.runner.links import resolve_folder, resolve_page
from bankperf_analysis.runner.plan import Planned
from bankperf_analysis.runner.render import render_index
from bankperf_analysis.runner.worker import TaskOutcome

__all__ = ["RunState", "Publisher", "utc_now"]

_FAILURE_FIELDS = ("kind", "message", "cell_index", "cell_source", "ename", "evalue")


def utc_now() -> str:
    """The current time as the reports and the index show it."""
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


#: While a batch runs, a quarter's index page is rewritten at most this often (seconds); its
#: manifest after every report. The page renders every entry: after every report, a
#: 1,000-branch batch would spend about 0.1 CPU-s per report on it (0.2 s a rewrite at 1,000
#: entries, measured). The run's end writes the page exactly (also when it fails or is
#: interrupted); a killed run leaves a page at most this many seconds behind its manifest.
INDEX_INTERVAL_S = 5.0
#: Up to this many reports in a quarter folder, the index page is rewritten after every report.
INDEX_ALWAYS_UP_TO = 50


class RunState:
    """The manifests of a run's quarter folders, written with their index pages as reports finish.

    Parameters
    ----------
    folders : mapping
        Quarter -> quarter folder (locked by the run).
    lang, version : str
        Language of the index pages; package version in their footers.
    """

    def __init__(
        self, folders: Mapping[str, Path], lang: str, version: str, timezone: str = DEFAULT_TIMEZONE
    ):
        self.folders = dict(folders)
        self.lang = lang
        self.timezone = timezone
        self.version = version
        self.started = utc_now()
        self.manifests = {q: load_manifest(f) for q, f in self.folders.items()}
        for manifest in self.manifests.values():
            manifest["run_started"] = self.started
        self._written: dict[str, float] = {}

    def mark_pending(self, to_run: Iterable[Planned], nb_path: Path, lang: str) -> None:
        """Mark the reports a run will run as pending, each with its previous good report (if any)."""
        for p in to_run:
            folder = self.folders[p.quarter]
            reports = self.manifests[p.quarter]["reports"]
            prev = previous_report(folder, p.file, reports.get(p.file))
            reports[p.file] = manifest_entry(
                p, nb_path, lang, "pending", previous=prev, run_started=self.started, headline={}
            )

    def write_soon(self, quarter: str) -> None:
        """Write one quarter's manifest now, and its index page unless written in the last few seconds.

        "A few": :data:`INDEX_INTERVAL_S`; :meth:`write_all` at the run's end catches up. The
        manifest (what a re-run and the run's lock holders read) is always current.
        """
        # Small runs write the index every time (cheap, and a kill -9 never leaves it behind the
        # manifest); large ones at most every INDEX_INTERVAL_S (a rewrite grows with the entries).
        small = len(self.manifests[quarter].get("reports", ())) <= INDEX_ALWAYS_UP_TO
        if small or time.monotonic() - self._written.get(quarter, -INDEX_INTERVAL_S) >= INDEX_INTERVAL_S:
            self.write(quarter)
        else:
            atomic_write(self.folders[quarter] / MANIFEST_NAME, self._manifest_text(quarter))

    def _manifest_text(self, quarter: str) -> str:
        return json.dumps(self.manifests[quarter], indent=1, ensure_ascii=False, sort_keys=True)

    def write(self, quarter: str) -> Path:
        """Write the manifest and the index page of one quarter folder (each atomically)."""
        self._written[quarter] = time.monotonic()
        folder = self.folders[quarter]
        manifest = self.manifests[quarter]
        index = folder / "index.html"
        atomic_write_many(
            [
                (folder / MANIFEST_NAME, self._manifest_text(quarter)),
                (index, self._index_page(folder, quarter, manifest)),
            ]
        )
        return index

    def write_all(self) -> list[Path]:
        """Write every folder's manifest and index page; return the index paths written.

        The links between the reports of each folder are checked first: a link to a report
        (or an anchor) the folder does not hold is shown as text, and the reverse
        (:mod:`bankperf_analysis.runner.links`).
        """
        paths = []
        for q, folder in self.folders.items():
            with contextlib.suppress(Exception):  # a failing link check must not hide the run's result
                resolve_folder(folder)
            with contextlib.suppress(Exception):  # a failing index must not hide the run's result
                paths.append(self.write(q))
        return paths

    def _index_page(self, folder: Path, quarter: str, manifest: Mapping[str, Any]) -> str:
        entries = []
        for entry in manifest["reports"].values():
            e = dict(entry)
            if e.get("status") == "ok" and not (folder / str(e.get("html"))).is_file():
                e["status"] = "failed"
                e["error"] = t("run_missing", self.lang)
            prev = e.get("previous")
            if isinstance(prev, Mapping) and not (folder / str(prev.get("html"))).is_file():
                e["previous"] = None
            entries.append(e)
        return render_index(
            entries,
            quarter=quarter,
            lang=self.lang,
            version=self.version,
            run_started=self.started,
            timezone=self.timezone,
        )


class Publisher:
    """Writes each outcome as it arrives (in the parent process): HTML, failed notebook, manifest.

    Parameters
    ----------
    state : RunState
        The run's manifests (updated in place and written, with the index, after each outcome).
    to_run : iterable of Planned
        The reports being run.
    nb_path : Path
        The notebook (named in the manifest).
    lang : str
        Report language.
    outcomes : dict
        (quarter, file) -> :class:`ReportOutcome`, holding the cached ones; filled in here.
    bar : tqdm
        The progress bar (done / failed / cached counts).
    on_result : callable or None
        Called with each outcome once it is published.
    """

    def __init__(
        self,
        state: RunState,
        to_run: Iterable[Planned],
        nb_path: Path,
        lang: str,
        outcomes: dict[tuple[str, str], ReportOutcome],
        bar: Any,
        on_result: Callable[[ReportOutcome], None] | None,
    ):
        self.state = state
        self.planned = {(p.quarter, p.file): p for p in to_run}
        self.nb_path = nb_path
        self.lang = lang
        self.outcomes = outcomes
        self.counts = {"done": 0, "failed": 0, "cached": len(outcomes)}
        self.bar = bar
        self.on_result = on_result

    def announce_cached(self) -> None:
        """Count the cached reports on the progress bar and pass them to ``on_result``."""
        self.bar.update(len(self.outcomes))
        self.bar.set_postfix(self.counts, refresh=True)
        for o in list(self.outcomes.values()):
            if self.on_result is not None:
                self.on_result(o)

    def publish(self, out: TaskOutcome) -> None:
        """Publish one outcome: its files, its manifest entry and the index, the progress, ``on_result``."""
        p = self.planned[(out.quarter, out.file)]
        folder = self.state.folders[out.quarter]
        if out.ok:
            entry, outcome = self._publish_ok(out, p, folder)
            self.counts["done"] += 1
        else:
            entry, outcome = self._publish_failed(out, p, folder)
            self.counts["failed"] += 1
        self.state.manifests[out.quarter]["reports"][p.file] = entry
        self.state.write_soon(out.quarter)
        self.outcomes[(out.quarter, p.file)] = outcome
        self.bar.update(1)
        self.bar.set_postfix(self.counts, refresh=True)
        if self.on_result is not None:
            self.on_result(outcome)

    def fail_all(self, kind: str, message: str) -> None:
        """Publish every report of the run as failed without running it (e.g. ``prepare`` failed)."""
        for (q, file), p in self.planned.items():
            if (q, file) not in self.outcomes:
                failure = {"kind": kind, "message": message}
                self.publish(TaskOutcome(id=p.item.id, quarter=q, ok=False, failure=failure, file=file))

    def _publish_ok(self, out: TaskOutcome, p: Planned, folder: Path) -> tuple[dict[str, Any], ReportOutcome]:
        html_path = folder / f"{p.file}.html"
        atomic_write(html_path, resolve_page(cast(str, out.html), folder, html_path.name))
        with contextlib.suppress(FileNotFoundError):
            (folder / "_failed" / f"{p.file}.ipynb").unlink()
        headline = {**p.item.headline, **out.headline}
        entry = manifest_entry(
            p,
            self.nb_path,
            self.lang,
            "ok",
            headline=headline,
            generated_at=out.generated_at,
            duration_s=round(out.duration_s, 3),
        )
        outcome = ReportOutcome(
            out.id,
            out.quarter,
            "ok",
            html_path=html_path,
            headline=headline,
            duration_s=out.duration_s,
            file=p.file,
        )
        return entry, outcome

    def _publish_failed(
        self, out: TaskOutcome, p: Planned, folder: Path
    ) -> tuple[dict[str, Any], ReportOutcome]:
        raw = {
            "kind": "runner",
            "message": "",
            "cell_source": "",
            "ename": "",
            "evalue": "",
            **(out.failure or {}),
        }
        failure = ReportFailure(**cast(dict[str, Any], {k: raw.get(k) for k in _FAILURE_FIELDS}))
        kept = None
        if out.notebook_json:
            kept = atomic_write(folder / "_failed" / f"{p.file}.ipynb", out.notebook_json)
        before = self.state.manifests[out.quarter]["reports"].get(p.file, {})
        prev = before.get("previous") if failure.kind in KEEP_PREVIOUS_KINDS else None
        if not prev:
            # A report that ran and failed must not leave last run's HTML looking current.
            with contextlib.suppress(FileNotFoundError):
                (folder / f"{p.file}.html").unlink()
        entry = manifest_entry(
            p,
            self.nb_path,
            self.lang,
            "failed",
            error=failure.as_text().splitlines()[0][:500],
            kind=failure.kind,
            failed_notebook=f"_failed/{p.file}.ipynb" if kept else None,
            generated_at=utc_now(),
            previous=prev or None,
            headline={},
        )
        outcome = ReportOutcome(
            out.id,
            out.quarter,
            "failed",
            failed_notebook=kept,
            error=failure,
            duration_s=out.duration_s,
            file=p.file,
        )
        return entry, outcome

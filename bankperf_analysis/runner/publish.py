"""Publish the outcomes of a run as they arrive: HTML, kept failed notebooks, manifest, index.

Everything is written in the parent process, atomically
(:func:`bankperf_analysis._atomic.atomic_write`). A failed report publishes no HTML: a
previous good HTML of that item is removed, so nobody reads last run's numbers as current.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, cast

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis.i18n import t
from bankperf_analysis.runner.cache import MANIFEST_NAME, manifest_entry
from bankperf_analysis.runner.items import ReportFailure, ReportOutcome
from bankperf_analysis.runner.plan import Planned
from bankperf_analysis.runner.render import render_index
from bankperf_analysis.runner.worker import TaskOutcome

__all__ = ["Publisher", "write_indexes"]

_FAILURE_FIELDS = ("kind", "message", "cell_index", "cell_source", "ename", "evalue")


class Publisher:
    """Writes each outcome as it arrives (in the parent process): HTML, failed notebook, manifest.

    Parameters
    ----------
    folders : mapping
        Quarter -> quarter folder.
    manifests : mapping
        Quarter -> manifest (updated in place and written after each outcome).
    to_run : iterable of Planned
        The reports being run.
    nb_path : Path
        The notebook (named in the manifest).
    lang : str
        Report language.
    outcomes : dict
        (quarter, id) -> :class:`ReportOutcome`, holding the cached ones; filled in here.
    bar : tqdm
        The progress bar (done / failed / cached counts).
    on_result : callable or None
        Called with each outcome once it is published.
    """

    def __init__(
        self,
        folders: Mapping[str, Path],
        manifests: Mapping[str, dict[str, Any]],
        to_run: Iterable[Planned],
        nb_path: Path,
        lang: str,
        outcomes: dict[tuple[str, str], ReportOutcome],
        bar: Any,
        on_result: Callable[[ReportOutcome], None] | None,
    ):
        self.folders = folders
        self.manifests = manifests
        self.planned = {(p.quarter, p.item.id): p for p in to_run}
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
        """Publish one outcome: its files, its manifest entry, the progress, ``on_result``."""
        p = self.planned[(out.quarter, out.id)]
        folder = self.folders[out.quarter]
        if out.ok:
            entry, outcome = self._publish_ok(out, p, folder)
            self.counts["done"] += 1
        else:
            entry, outcome = self._publish_failed(out, p, folder)
            self.counts["failed"] += 1
        manifest = self.manifests[out.quarter]
        manifest["reports"][out.id] = entry
        atomic_write(
            folder / MANIFEST_NAME, json.dumps(manifest, indent=1, ensure_ascii=False, sort_keys=True)
        )
        self.outcomes[(out.quarter, out.id)] = outcome
        self.bar.update(1)
        self.bar.set_postfix(self.counts, refresh=True)
        if self.on_result is not None:
            self.on_result(outcome)

    def _publish_ok(self, out: TaskOutcome, p: Planned, folder: Path) -> tuple[dict[str, Any], ReportOutcome]:
        html_path = folder / f"{out.id}.html"
        atomic_write(html_path, cast(str, out.html))
        with contextlib.suppress(FileNotFoundError):
            (folder / "_failed" / f"{out.id}.ipynb").unlink()
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
            out.id, out.quarter, "ok", html_path=html_path, headline=headline, duration_s=out.duration_s
        )
        return entry, outcome

    def _publish_failed(
        self, out: TaskOutcome, p: Planned, folder: Path
    ) -> tuple[dict[str, Any], ReportOutcome]:
        failure = ReportFailure(
            **cast(dict[str, Any], {k: (out.failure or {}).get(k) for k in _FAILURE_FIELDS})
        )
        kept = None
        if out.notebook_json:
            kept = atomic_write(folder / "_failed" / f"{out.id}.ipynb", out.notebook_json)
        # A failed report must not leave last run's HTML looking current.
        with contextlib.suppress(FileNotFoundError):
            (folder / f"{out.id}.html").unlink()
        entry = manifest_entry(
            p,
            self.nb_path,
            self.lang,
            "failed",
            error=failure.as_text().splitlines()[0][:500],
            failed_notebook=f"_failed/{out.id}.ipynb" if kept else None,
            generated_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
            headline={},
        )
        outcome = ReportOutcome(
            out.id, out.quarter, "failed", failed_notebook=kept, error=failure, duration_s=out.duration_s
        )
        return entry, outcome


def write_indexes(
    folders: Mapping[str, Path], manifests: Mapping[str, Mapping[str, Any]], lang: str, version: str
) -> list[Path]:
    """Write ``index.html`` of every quarter folder; a folder whose index fails is skipped."""
    paths = []
    for q, folder in folders.items():
        with contextlib.suppress(Exception):
            paths.append(_write_index(folder, q, manifests[q], lang, version))
    return paths


def _write_index(folder: Path, quarter: str, manifest: Mapping[str, Any], lang: str, version: str) -> Path:
    entries = []
    for entry in manifest["reports"].values():
        e = dict(entry)
        if e.get("status") == "ok" and not (folder / str(e.get("html"))).is_file():
            e["status"] = "failed"
            e["error"] = t("run_missing", lang)
        entries.append(e)
    return atomic_write(
        folder / "index.html", render_index(entries, quarter=quarter, lang=lang, version=version)
    )

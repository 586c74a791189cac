"""The report cache: a report is run again only when something that made it changed.

The input key of a report (:func:`input_key`) hashes everything that made it: the
notebook, the item's parameters, lang and title, the data fingerprint (which covers the
dataset's ``dataset.yaml``), the params hash of the scheme, the code digest of the package
(:func:`bankperf_analysis._provenance.code_digest`: its ``.py`` files and templates) and
what its footer states about its inputs (the scheme file, the data's encodings). A
report whose HTML exists with the same key is up to date. The key is kept in the
quarter folder's manifest (``.bankperf-cache.json``, keyed by file name) and in the HTML
itself (``<meta name="bankperf-input-key">``), so a lost manifest loses no report.

:func:`folder_lock` keeps two runs from writing one quarter folder at the same time.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bankperf_analysis._atomic import remove_stale_temps
from bankperf_analysis.exceptions import ReportError
from bankperf_analysis.runner.items import ReportOutcome
from bankperf_analysis.runner.render import read_input_key

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.runner.plan import Planned

__all__ = [
    "MANIFEST_NAME",
    "input_key",
    "load_manifest",
    "manifest_entry",
    "previous_report",
    "folder_lock",
    "remove_temps",
    "is_fresh",
    "count_stale",
    "split_cached",
]

MANIFEST_NAME = ".bankperf-cache.json"
_MANIFEST_FORMAT = 1
_LEGACY_LOCK = ".bankperf.lock"


def input_key(
    *,
    notebook: str,
    params: Mapping[str, Any],
    lang: str,
    fingerprint: str | None,
    params_hash: str | None,
    title: str,
    code: str,
    footer: Sequence[tuple[str, str]] = (),
) -> str:
    """Hash of everything that made a report.

    Parameters
    ----------
    notebook : str
        SHA-256 of the notebook file.
    params : mapping
        The notebook parameters of the item (the batch's ``shared_inputs`` folder left
        out: the fingerprint and params hash say what it holds).
    lang, title : str
        Report language and title.
    fingerprint, params_hash : str or None
        Data fingerprint and params hash of the scheme.
    code : str
        Code digest of the package (:func:`bankperf_analysis._provenance.code_digest`).
    footer : sequence of (label, value)
        Extra footer rows of the report (the scheme file, the data's encodings): what a
        report states about its inputs must be true, so they are part of the key.

    Examples
    --------
    >>> parts = dict(notebook="n", params={"branch_id": "B1"}, lang="en", fingerprint="f",
    ...              params_hash="p", title="T")
    >>> input_key(**parts, code="c1") == input_key(**parts, code="c1")
    True
    >>> input_key(**parts, code="c1") == input_key(**parts, code="c2")
    False
    """
    blob = json.dumps(
        {
            "notebook": notebook,
            "params": params,
            "lang": lang,
            "fingerprint": fingerprint,
            "params_hash": params_hash,
            "code": code,
            "title": title,
            **({"footer": [list(row) for row in footer]} if footer else {}),
        },
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    ).encode()
    return hashlib.sha256(blob).hexdigest()[:32]


def load_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of a quarter folder (an empty one if it is missing or unreadable)."""
    try:
        data = json.loads((folder / MANIFEST_NAME).read_text(encoding="utf-8"))
        if data.get("format") == _MANIFEST_FORMAT and isinstance(data.get("reports"), dict):
            return data
    except (OSError, ValueError, AttributeError):
        pass
    return {"format": _MANIFEST_FORMAT, "reports": {}}


def manifest_entry(p: Planned, nb_path: Path, lang: str, status: str, **extra: Any) -> dict[str, Any]:
    """The manifest entry of a report (what the index page lists); the manifest is keyed by file."""
    return {
        "id": p.item.id,
        "file": p.file,
        "title": p.item.title or p.item.id,
        "status": status,
        "key": p.key,
        "notebook": nb_path.name,
        "lang": lang,
        "fingerprint": p.fingerprint,
        "params_hash": p.params_hash,
        "html": f"{p.file}.html" if status == "ok" else None,
        **extra,
    }


def _utc(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def previous_report(folder: Path, file: str, entry: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The good HTML a report has from an earlier run, if its file is still there.

    Returns ``{"html", "generated_at", "key", "headline"}`` (from the manifest entry, or
    from the file itself when the manifest lost it), or None.
    """
    html = folder / f"{file}.html"
    if not html.is_file():
        return None
    entry = entry or {}
    if entry.get("status") == "ok" and entry.get("html") == html.name:
        return {
            "html": html.name,
            "generated_at": entry.get("generated_at") or _utc(html.stat().st_mtime),
            "key": entry.get("key"),
            "headline": entry.get("headline") or {},
        }
    prev = entry.get("previous")
    if isinstance(prev, Mapping) and prev.get("html") == html.name:
        return dict(prev)
    return {"html": html.name, "generated_at": _utc(html.stat().st_mtime), "key": read_input_key(html)}


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Exclusive lock of a quarter folder for the duration of a run (POSIX; no file left behind).

    The lock is an ``flock`` on the folder itself (its directory file descriptor), so it
    leaves nothing in the folder and dies with the process that holds it, even on kill -9.
    The folder must exist. Raises :class:`~bankperf_analysis.exceptions.ReportError` at
    once when another run holds it.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ReportError(
                f"Another bankperf run is writing {folder}: nothing was written. Wait for it to finish, "
                "or write to another output folder."
            ) from None
        with contextlib.suppress(OSError):  # the lock file of earlier versions
            (folder / _LEGACY_LOCK).unlink()
        yield
    finally:
        os.close(fd)


def remove_temps(folders: Mapping[str, Path]) -> None:
    """Remove the temporary files an interrupted run left in the quarter folders."""
    for folder in folders.values():
        remove_stale_temps(folder)
        if (folder / "_failed").is_dir():
            remove_stale_temps(folder / "_failed")


def is_fresh(p: Planned, folder: Path, entry: Mapping[str, Any]) -> bool:
    """True when the report's HTML exists and was made from exactly the planned inputs.

    The key is read from the manifest entry (a good report, or the previous good report
    of one that could not run) or, when the manifest lost it, from the HTML itself.
    """
    html = folder / f"{p.file}.html"
    if not html.is_file():
        return False
    if entry.get("status") == "ok" and entry.get("key") == p.key and entry.get("html") == html.name:
        return True
    prev = entry.get("previous")
    if isinstance(prev, Mapping) and prev.get("key") == p.key and prev.get("html") == html.name:
        return True
    return read_input_key(html) == p.key


def count_stale(planned: Sequence[Planned], out_root: Path, *, force: bool) -> int:
    """How many reports must run, read without the lock (nothing is written or created)."""
    if force:
        return len(planned)
    manifests: dict[str, dict[str, Any]] = {}
    n = 0
    for p in planned:
        folder = out_root / p.quarter
        if p.quarter not in manifests:
            manifests[p.quarter] = load_manifest(folder)
        entry = manifests[p.quarter]["reports"].get(p.file, {})
        n += not is_fresh(p, folder, entry)
    return n


def split_cached(
    planned: Sequence[Planned],
    folders: Mapping[str, Path],
    manifests: Mapping[str, dict[str, Any]],
    *,
    nb_path: Path,
    lang: str,
    force: bool,
) -> tuple[dict[tuple[str, str], ReportOutcome], list[Planned]]:
    """Split up-to-date reports (``cached`` outcomes, by (quarter, file)) from those to run.

    A report is up to date when :func:`is_fresh`; its manifest entry is rebuilt from the
    item (lost manifest) or from the previous good report (one that could not run last
    time but whose HTML matches). ``force`` runs every report.
    """
    outcomes: dict[tuple[str, str], ReportOutcome] = {}
    to_run: list[Planned] = []
    for p in planned:
        folder = folders[p.quarter]
        reports = manifests[p.quarter]["reports"]
        entry = reports.get(p.file, {})
        if force or not is_fresh(p, folder, entry):
            to_run.append(p)
            continue
        if not (entry.get("status") == "ok" and entry.get("key") == p.key):
            prev = entry.get("previous") if isinstance(entry.get("previous"), Mapping) else {}
            keep = prev if prev.get("key") == p.key else {}
            headline = keep.get("headline") or dict(p.item.headline)
            html = folder / f"{p.file}.html"
            generated = keep.get("generated_at") or _utc(html.stat().st_mtime)
            reports[p.file] = manifest_entry(
                p, nb_path, lang, "ok", headline=headline, generated_at=generated
            )
            entry = reports[p.file]
        outcomes[(p.quarter, p.file)] = ReportOutcome(
            p.item.id,
            p.quarter,
            "cached",
            html_path=folder / f"{p.file}.html",
            headline=entry.get("headline") or {},
            file=p.file,
        )
    return outcomes, to_run

"""The report cache: a report is run again only when something that made it changed.

The input key of a report (:func:`input_key`) hashes everything that made it: the
notebook, the item's parameters, lang and title, the data fingerprint, the params hash of
the scheme and the code digest of the package
(:func:`bankperf_analysis._provenance.code_digest`: its ``.py`` files and templates). A
report whose HTML exists with the same key is up to date. The key is kept in the
quarter folder's manifest (``.bankperf-cache.json``) and in the HTML itself
(``<meta name="bankperf-input-key">``), so a lost manifest loses no report.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
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
    "folder_lock",
    "remove_temps",
    "split_cached",
]

MANIFEST_NAME = ".bankperf-cache.json"
_MANIFEST_FORMAT = 1


def input_key(
    *,
    notebook: str,
    params: Mapping[str, Any],
    lang: str,
    fingerprint: str | None,
    params_hash: str | None,
    title: str,
    code: str,
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
    """The manifest entry of a report (what the index page lists)."""
    return {
        "id": p.item.id,
        "title": p.item.title or p.item.id,
        "status": status,
        "key": p.key,
        "notebook": nb_path.name,
        "lang": lang,
        "fingerprint": p.fingerprint,
        "params_hash": p.params_hash,
        "html": f"{p.item.id}.html" if status == "ok" else None,
        **extra,
    }


@contextlib.contextmanager
def folder_lock(folder: Path) -> Iterator[None]:
    """Exclusive lock of a quarter folder for the duration of a run (POSIX only)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no lock
        yield
        return
    fh = open(folder / ".bankperf.lock", "a+")  # noqa: SIM115
    try:
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ReportError(f"Another bankperf run is writing {folder}; wait for it to finish.") from None
        yield
    finally:
        fh.close()


def remove_temps(folders: Mapping[str, Path]) -> None:
    """Remove the temporary files an interrupted run left in the quarter folders."""
    for folder in folders.values():
        remove_stale_temps(folder)
        if (folder / "_failed").is_dir():
            remove_stale_temps(folder / "_failed")


def split_cached(
    planned: Sequence[Planned],
    folders: Mapping[str, Path],
    manifests: Mapping[str, dict[str, Any]],
    *,
    nb_path: Path,
    lang: str,
    force: bool,
) -> tuple[dict[tuple[str, str], ReportOutcome], list[Planned]]:
    """Split up-to-date reports (``cached`` outcomes, by (quarter, id)) from those to run.

    A report is up to date when its HTML exists and carries the planned key, in the
    manifest or in the HTML itself; a lost manifest entry is rebuilt from the item.
    ``force`` runs every report.
    """
    outcomes: dict[tuple[str, str], ReportOutcome] = {}
    to_run: list[Planned] = []
    for p in planned:
        html = folders[p.quarter] / f"{p.item.id}.html"
        entry = manifests[p.quarter]["reports"].get(p.item.id, {})
        fresh = html.is_file() and (
            (entry.get("status") == "ok" and entry.get("key") == p.key) or read_input_key(html) == p.key
        )
        if not fresh or force:
            to_run.append(p)
            continue
        headline = entry.get("headline") if entry.get("key") == p.key else None
        if headline is None:  # manifest lost: rebuild the entry from the item
            headline = dict(p.item.headline)
            manifests[p.quarter]["reports"][p.item.id] = manifest_entry(
                p, nb_path, lang, "ok", headline=headline
            )
        outcomes[(p.quarter, p.item.id)] = ReportOutcome(
            p.item.id, p.quarter, "cached", html_path=html, headline=headline
        )
    return outcomes, to_run

"""Check the links between the reports of a quarter folder against the files that are there.

Reports write each link to another report in one form (:func:`bankperf_analysis.report.links.xref`):
``<a class="xref" href="B03.html">B03</a>``. Here a link whose file is not in the folder,
or whose anchor is not in that file, becomes plain text, ``<span class="xref"
data-href="B03.html">B03</span>``, and such text becomes a link again once its target is
there. So a ``--branch B04`` run, a failed report or a folder copied elsewhere never shows a
dead link, and the links come back when the missing reports are rendered.

:func:`resolve_page` checks one page (before it is published); :func:`resolve_folder`
checks every page of a folder at the end of a run (a report published early links to
reports published after it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from bankperf_analysis._atomic import atomic_write

__all__ = ["resolve_page", "resolve_folder"]

_LINK = re.compile(r'<a class="(xref[^"]*)" href="([^"]*)">([^<]*)</a>')
_TEXT = re.compile(r'<span class="(xref[^"]*)" data-href="([^"]*)">([^<]*)</span>')
_ID = re.compile(r'\sid="([^"]*)"')
_MARK = 'class="xref'


class _Targets:
    """Which ``file.html`` and ``file.html#anchor`` exist in a folder (files read once, lazily)."""

    def __init__(self, folder: Path, own: tuple[str, str] | None = None):
        self.folder = folder
        self.own = own  # (file name, page): the page being published, not yet on disk
        self.ids: dict[str, frozenset[str] | None] = {}

    def _ids(self, name: str) -> frozenset[str] | None:
        if name not in self.ids:
            if self.own is not None and name == self.own[0]:
                self.ids[name] = frozenset(_ID.findall(self.own[1]))
            else:
                self.ids[name] = _file_ids(self.folder / name)
        return self.ids[name]

    def exists(self, href: str) -> bool:
        import html

        name, _, anchor = html.unescape(href).partition("#")
        if not name or "/" in name or "\\" in name or name.startswith("."):
            return False
        if not anchor:
            return (self.own is not None and name == self.own[0]) or (self.folder / name).is_file()
        ids = self._ids(name)
        return ids is not None and anchor in ids


#: The ids of the pages read so far, by path, with the (mtime, size) they were read at: each
#: branch report links the overview's region anchors, and a big overview is read once per run,
#: not once per branch report.
_ID_CACHE: dict[Path, tuple[tuple[int, int], frozenset[str]]] = {}


def _file_ids(path: Path) -> frozenset[str] | None:
    """The ``id`` attributes of the page at ``path`` (None when it cannot be read)."""
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        hit = _ID_CACHE.get(path)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        ids = frozenset(_ID.findall(path.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return None
    if len(_ID_CACHE) > 4096:
        _ID_CACHE.clear()
    _ID_CACHE[path] = (stamp, ids)
    return ids


def _resolve(page: str, exists: Callable[[str], bool]) -> str:
    if _MARK not in page:
        return page

    def to_text(m: re.Match) -> str:
        cls, href, text = m.groups()
        return m.group(0) if exists(href) else f'<span class="{cls}" data-href="{href}">{text}</span>'

    def to_link(m: re.Match) -> str:
        cls, href, text = m.groups()
        return f'<a class="{cls}" href="{href}">{text}</a>' if exists(href) else m.group(0)

    return _TEXT.sub(to_link, _LINK.sub(to_text, page))


def resolve_page(page: str, folder: Path, file_name: str) -> str:
    """``page`` (to be published as ``folder/file_name``) with every report link checked.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "B01.html").write_text('<tr id="staff-S1">')
    >>> page = '<a class="xref" href="B01.html#staff-S1">S1</a> <a class="xref" href="B02.html">B02</a>'
    >>> resolve_page(page, folder, "overview.html")
    '<a class="xref" href="B01.html#staff-S1">S1</a> <span class="xref" data-href="B02.html">B02</span>'
    """
    return _resolve(page, _Targets(folder, (file_name, page)).exists)


def resolve_folder(folder: Path) -> list[Path]:
    """Check the report links of every page of ``folder``; rewrite (atomically) the pages that change.

    Returns the pages rewritten.
    """
    targets = _Targets(folder)
    changed = []
    for path in sorted(folder.glob("*.html")):
        try:
            page = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        new = _resolve(page, targets.exists)
        if new != page:
            atomic_write(path, new)
            changed.append(path)
    return changed

"""File names of reports: any item id becomes a safe, stable, collision-free file name.

A branch id that validates must report, whatever its characters. The id itself stays the
report's identity (the notebook receives it, the HTML title and the index show it); only
the file name is derived from it:

* a plain id (letters, digits, ``_``, ``.``, ``-``; starting with a letter or digit; at
  most 64 characters; no ``..``) keeps its name: ``B01`` → ``B01.html``, so existing outputs
  keep their names;
* any other id, or one equal (in any letter case) to a file of the bank-level reports
  (``index``, ``overview``, ``annual-*``, ``sheets-*``: a branch's appraisal sheets) or to
  a name some file system refuses (``CON``, ``NUL``...), becomes an ASCII slug plus a short
  hash of the exact id:
  ``北京分行`` → ``branch-<hash>``, ``a b`` → ``a-b-<hash>``;
* ids of one batch that differ only in letter case would share a file on a
  case-insensitive file system (macOS, Windows): each of them gets its hashed name.

Two ids never share a file: :func:`report_stems` checks the batch and refuses, naming
both ids, if it ever happened.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping

from bankperf_analysis.exceptions import ParamsError

__all__ = [
    "SAFE_ID",
    "RESERVED_STEMS",
    "is_reserved",
    "hashed_stem",
    "report_stem",
    "report_stems",
    "check_distinct",
    "check_explicit_stem",
]

#: An id that matches this (and holds no ``..``) is its own file name, unless reserved.
SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
#: File names (without ``.html``) of the bank-level files of a quarter folder; ``annual-*``
#: and ``sheets-*`` (the appraisal sheets of a branch) are reserved too. Compared
#: case-insensitively.
RESERVED_STEMS = ("index", "overview")
_RESERVED_PREFIXES = ("annual-", "sheets-")
#: Names Windows refuses as files, whatever the extension.
_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(10)] + [f"lpt{i}" for i in range(10)]
)
_SLUG_CHARS = re.compile(r"[^A-Za-z0-9]+")
_SLUG_MAX = 40


def is_reserved(stem: str) -> bool:
    """True when ``stem`` may name a bank-level file (any letter case).

    Examples
    --------
    >>> [is_reserved(s) for s in ("overview", "Index", "annual-2026", "Sheets-B01", "B01")]
    [True, True, True, True, False]
    """
    low = stem.lower()
    return low in RESERVED_STEMS or low.startswith(_RESERVED_PREFIXES) or low.split(".")[0] in _DEVICE_NAMES


def hashed_stem(item_id: str) -> str:
    """An ASCII slug of ``item_id`` plus the first 8 hex digits of its SHA-256.

    Examples
    --------
    >>> hashed_stem("a b")[:4], len(hashed_stem("a b"))
    ('a-b-', 12)
    >>> hashed_stem("北京分行").startswith("branch-")
    True
    """
    digest = hashlib.sha256(item_id.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    ascii_text = unicodedata.normalize("NFKD", item_id).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_CHARS.sub("-", ascii_text).strip("-")[:_SLUG_MAX].strip("-")
    return f"{slug or 'branch'}-{digest}"


def report_stem(item_id: str) -> str:
    """The file name (without ``.html``) of one id, on its own (see :func:`report_stems`).

    Examples
    --------
    >>> report_stem("B01"), report_stem("0012")
    ('B01', '0012')
    >>> report_stem("overview") != "overview"
    True
    """
    plain = SAFE_ID.fullmatch(item_id) is not None and ".." not in item_id
    return item_id if plain and not is_reserved(item_id) else hashed_stem(item_id)


def report_stems(ids: Iterable[str], taken: Iterable[str] = ()) -> dict[str, str]:
    """File names of a batch of ids: id → stem, distinct even ignoring letter case.

    Parameters
    ----------
    ids : iterable of str
        The ids of the batch (for stable names, every id the data hold, not only those
        rendered this time).
    taken : iterable of str
        File names already used by other reports of the folder (the bank-level ones).

    Raises
    ------
    ParamsError
        If two ids would still share a file (a hash collision), naming both.

    Examples
    --------
    >>> stems = report_stems(["B01", "b01", "B02"])
    >>> stems["B02"], stems["B01"] != "B01", stems["B01"].lower() != stems["b01"].lower()
    ('B02', True, True)
    """
    stems = {i: report_stem(i) for i in dict.fromkeys(ids)}
    taken_low = {t.lower() for t in taken}
    by_low: dict[str, list[str]] = defaultdict(list)
    for item_id, stem in stems.items():
        by_low[stem.lower()].append(item_id)
    for low, group in by_low.items():
        if len(group) > 1 or low in taken_low:
            for item_id in group:
                stems[item_id] = hashed_stem(item_id)
    check_distinct(stems, taken)
    return stems


def check_distinct(stems: Mapping[str, str], taken: Iterable[str] = ()) -> None:
    """Refuse, naming both ids, if two ids (or an id and a taken name) share a file."""
    owner: dict[str, str] = {t.lower(): f"the file {t}.html" for t in taken}
    for item_id, stem in stems.items():
        other = owner.setdefault(stem.lower(), f"id {item_id!r}")
        if other != f"id {item_id!r}":
            raise ParamsError(
                f"The report of id {item_id!r} and {other} would share the file {stem}.html "
                "(file names ignore letter case); rename one of them."
            )


def check_explicit_stem(stem: str, item_id: str) -> str:
    """Check a file name an item gives itself (``file=``): plain, and not the index."""
    if not isinstance(stem, str) or not SAFE_ID.fullmatch(stem) or ".." in stem:
        raise ParamsError(
            f"The 'file' of item {item_id!r} must be a safe file name (letters, digits, '_', '.', "
            f"'-'; starting with a letter or digit; at most 64 characters; no '..'). Got {stem!r} instead."
        )
    if stem.lower() == "index":
        raise ParamsError(f"The 'file' of item {item_id!r} cannot be 'index': the index page has that name.")
    return stem

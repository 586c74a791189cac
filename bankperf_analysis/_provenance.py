"""What code made an output: a digest of the package's own source.

Every report and workbook says which data (fingerprint), scheme (params hash) and code made
it. The version string cannot say the last: it stays ``0.1.0`` while the code changes. The
code digest hashes every ``.py`` file of the package and every report template, by path and
content, so a changed line gives a new digest, and caches keyed on it (the report cache, the
notebooks' interactive inputs) cannot serve results of older code.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

__all__ = ["code_digest", "source_files"]

_PACKAGE = Path(__file__).resolve().parent
#: File types that make up the code: the modules and the report templates.
_SUFFIXES = (".py", ".j2", ".css", ".json")


def source_files(root: Path = _PACKAGE) -> list[Path]:
    """The files the code digest covers, in a stable order.

    Examples
    --------
    >>> any(p.name == "_provenance.py" for p in source_files())
    True
    """
    return sorted(
        p for p in root.rglob("*") if p.is_file() and p.suffix in _SUFFIXES and "__pycache__" not in p.parts
    )


@functools.cache
def code_digest() -> str:
    """SHA-256 (first 16 hex digits) of the package's source files, paths included.

    Computed once per process (about 2 ms); a process sees the code it imported.

    Examples
    --------
    >>> len(code_digest())
    16
    """
    h = hashlib.sha256()
    for p in source_files():
        h.update(p.relative_to(_PACKAGE).as_posix().encode())
        h.update(b"\0")
        h.update(p.read_bytes())
        h.update(b"\0")
    return h.hexdigest()[:16]

"""The dataset's fingerprint: a content hash of the typed rows, without rendering them as text.

Each table is hashed from its *typed* values (the contract's types, as the KPI engine reads
them), so the same data as CSV, Parquet, Excel, a DuckDB file or PostgreSQL give the same
fingerprint, and row order does not matter:

1. **row hash** — DuckDB's 64-bit ``hash()`` over the row's columns in contract order, then
   once more over that value mixed with a constant (``hash(xor(hash(c1, ..., cn), SALT))``).
   DuckDB combines the column hashes linearly over XOR, so without the second, non-linear
   round swapping one column's values between two rows would leave the XOR of the row
   hashes unchanged; the constant keeps a row of zeros (whose plain hash is 0) from
   vanishing from the sum.
2. **table digest** — ``(rows, exact sum of row hashes, XOR of row hashes)``: order-free;
   a duplicated row counts (in the row count and the sum); any single changed value changes
   its row's hash and so, but for a 64-bit accident, the sum and the XOR.
3. **fingerprint** — SHA-256 over every table's name, columns with their types and digest,
   then the checked ``dataset.yaml`` (:func:`~bankperf_analysis.dataset.meta.meta_text`);
   the first 16 hex digits.

What counts as the same value is what the typed view holds: NULL and an empty text differ
(the typed view already reads an empty text in a nullable column as NULL, as the KPIs do);
``-0.0`` and ``0.0`` are the same number (DuckDB hashes them alike; no KPI tells them
apart); NaN never reaches a typed view (it is a missing value, :mod:`._sql`). The hash is
DuckDB's, which DuckDB may change between versions: the fingerprint is then new (reports
re-render), never wrongly the same. It guards against accidents, not against an adversary
crafting a collision.

**Cache.** Hashing reads every row (one scan of the data). With a cache folder
(``load_dataset(..., fingerprint_cache=DIR)`` or the environment variable
``BANKPERF_FINGERPRINT_CACHE``), each table's digest is kept in ``DIR`` under a key of its
source files' path, size, modification and change times (ns), inode and device, the read
encoding, the table's contract columns, the DuckDB version and the package's code digest
(:func:`~bankperf_analysis._provenance.code_digest`): any change to a file, the code or the
contract recomputes the digest; an unchanged re-run only reads the cache. Entries are
written atomically and a cache file that cannot be read, or whose key differs, is ignored.
Database sources (PostgreSQL) are never cached: nothing on disk says they did not change.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis._provenance import code_digest
from bankperf_analysis.dataset._sql import quote
from bankperf_analysis.dataset.schema import Table
from bankperf_analysis.dataset.sources import TableSource

__all__ = [
    "CACHE_ENV",
    "FINGERPRINT_VERSION",
    "Digest",
    "default_cache_dir",
    "fingerprint_text",
    "table_digest",
]

#: Version of the fingerprint's recipe: part of the hashed text and of every cache key.
FINGERPRINT_VERSION = 2
#: Environment variable naming the default cache folder of table digests.
CACHE_ENV = "BANKPERF_FINGERPRINT_CACHE"
#: Mixed into each row hash before its second round (the 64-bit golden ratio).
_SALT = 0x9E3779B97F4A7C15

#: ``(rows, sum of row hashes, XOR of row hashes)`` of one table.
Digest = tuple[int, int, int]


def table_digest(con: duckdb.DuckDBPyConnection, relation: str, columns: list[str]) -> Digest:
    """Rows, exact sum and XOR of the row hashes of ``columns`` of ``relation`` (in one scan).

    Examples
    --------
    >>> con = duckdb.connect()
    >>> _ = con.execute("CREATE TABLE a AS SELECT * FROM (VALUES (1, 'x'), (2, 'y')) t(k, v)")
    >>> _ = con.execute("CREATE TABLE b AS SELECT * FROM (VALUES (2, 'y'), (1, 'x')) t(k, v)")
    >>> _ = con.execute("CREATE TABLE c AS SELECT * FROM (VALUES (1, 'y'), (2, 'x')) t(k, v)")
    >>> table_digest(con, "a", ["k", "v"]) == table_digest(con, "b", ["k", "v"])
    True
    >>> table_digest(con, "a", ["k", "v"]) == table_digest(con, "c", ["k", "v"])
    False
    """
    cols = ", ".join(quote(c) for c in columns)
    n, total, xor = con.execute(
        "SELECT count(*), coalesce(sum(h), 0), coalesce(bit_xor(h), 0) "
        f"FROM (SELECT hash(xor(hash({cols}), {_SALT}::UBIGINT)) AS h FROM {relation})"
    ).fetchone()  # type: ignore[misc]
    return int(n), int(total), int(xor)


def fingerprint_text(name: str, t: Table, digest: Digest) -> str:
    """The line of table ``name`` that the fingerprint's SHA-256 reads."""
    cols = ",".join(f"{c.name}:{c.duckdb_type}" for c in t.columns)
    n, total, xor = digest
    return f"v{FINGERPRINT_VERSION}|{name}|{cols}|{n}|{total}|{xor}\n"


def fingerprint(tables: list[tuple[str, Table, Digest]], meta: str) -> str:
    """SHA-256 (first 16 hex digits) of the tables' lines and the checked ``dataset.yaml``."""
    h = hashlib.sha256()
    for name, t, digest in tables:
        h.update(fingerprint_text(name, t, digest).encode())
    if meta:
        h.update(f"dataset.yaml|{meta}\n".encode())
    return h.hexdigest()[:16]


# ----------------------------------------------------------------------------- cache


def cache_dir(given: str | os.PathLike | None) -> Path | None:
    """The cache folder: ``given``, else ``$BANKPERF_FINGERPRINT_CACHE``, else None (no cache)."""
    if given is not None:
        return Path(given)
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in {"off", "0", "no", "false", "none"}:
        return None
    return Path(env) if env else None


def default_cache_dir() -> Path | None:
    """The cache folder the commands use: ``$BANKPERF_FINGERPRINT_CACHE``, else the user's cache.

    The user's cache is ``$XDG_CACHE_HOME/bankperf/fingerprints`` (default
    ``~/.cache/bankperf/fingerprints``). ``BANKPERF_FINGERPRINT_CACHE=off`` turns the cache
    off. The cache lives outside the output folder, so a refused run still writes nothing
    there; an entry only saves a scan, and a stale one is never used (its key names the
    files' sizes, times and inodes, the code and the contract).

    Examples
    --------
    >>> import os
    >>> os.environ[CACHE_ENV] = "off"
    >>> default_cache_dir() is None
    True
    >>> os.environ[CACHE_ENV] = "/tmp/fp"
    >>> str(default_cache_dir())
    '/tmp/fp'
    >>> del os.environ[CACHE_ENV]
    """
    env = os.environ.get(CACHE_ENV, "").strip()
    if env.lower() in {"off", "0", "no", "false", "none"}:
        return None
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "bankperf" / "fingerprints"


def cache_key(src: TableSource, t: Table) -> dict[str, Any] | None:
    """What a cached digest of ``src`` was computed from (None when it cannot be cached)."""
    if not src.paths or src.kind == "postgres":
        return None
    files = []
    for p in src.paths:
        st = os.stat(p)
        files.append(
            [str(Path(p).resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev]
        )
    return {
        "version": FINGERPRINT_VERSION,
        "code": code_digest(),
        "duckdb": duckdb.__version__,
        "table": t.name,
        "columns": [[c.name, c.duckdb_type] for c in t.columns],
        "kind": src.kind,
        "sheet": src.sheet,
        "read_as": src.read_as,
        "files": files,
    }


def cached_digest(folder: Path | None, key: dict[str, Any] | None, compute: Callable[[], Digest]) -> Digest:
    """The digest stored under ``key`` in ``folder``, else ``compute()`` (stored for next time)."""
    if folder is None or key is None:
        return compute()
    text = json.dumps(key, sort_keys=True)
    path = folder / f"{key['table']}-{hashlib.sha256(text.encode()).hexdigest()[:32]}.json"
    hit = _read_entry(path, key)
    if hit is not None:
        return hit
    digest = compute()
    entry = {"key": key, "digest": [digest[0], str(digest[1]), digest[2]]}
    try:
        atomic_write(path, json.dumps(entry, sort_keys=True))
    except OSError:  # a read-only or full cache folder costs time, never correctness
        pass
    return digest


def _read_entry(path: Path, key: dict[str, Any]) -> Digest | None:
    """The digest of a cache file whose key is exactly ``key`` (None: absent, unreadable, other key)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry["key"] != json.loads(json.dumps(key)):
            return None
        n, total, xor = entry["digest"]
        return int(n), int(total), int(xor)
    except (OSError, ValueError, KeyError, TypeError):
        return None

"""Read the data contract's tables from a PostgreSQL database: ``--data postgresql://...``.

A dataset can live in PostgreSQL instead of a folder: one table (or view) per contract
table, in one schema (``public``, or ``?schema=NAME`` in the URL). Give the URL wherever a
data folder goes (``load_dataset``, ``validate_dataset``, ``bankperf validate``,
``scorecard``, ``report``, ``staffing``)::

    bankperf report --data postgresql://analyst@db.bank.local:5432/bank --quarter 2026Q4

The password can be in the URL, but is better left to libpq: ``PGPASSWORD`` or
``~/.pgpass``. It is never shown: messages name the database by
:func:`redact` (the URL without its password).

Each table present is read through the ADBC PostgreSQL driver (``adbc-driver-postgresql``,
which ships its own libpq: no client install, no download at run time) as a stream of Arrow
record batches into DuckDB, where it becomes the raw source ``raw_<table>`` that the checks
of :mod:`~bankperf_analysis.dataset.checks` examine, exactly as a Parquet file's would be.
The same rows therefore give the same validation and the same fingerprint as files.

Column types at the door. ``smallint``, ``integer``, ``bigint``, ``real``, ``double
precision``, ``boolean``, ``date``, ``timestamp`` (without time zone), ``text`` and
``varchar`` arrive as their Arrow types; ``numeric``, ``char(n)`` and every other type
arrive as PostgreSQL's exact text of the value (``7.5``, ``8.00``; ``char(n)`` without its
padding), which the checks type as they type a CSV cell: a ``numeric`` 7.5 in an integer
column is refused, never rounded. A ``timestamp with time zone`` (or ``time with time
zone``) column is refused: the contract's timestamps are the branch's local times, and
converting an instant to local time would need a time zone that the data do not name.

What a data folder's ``dataset.yaml`` holds (reporting periods, holidays, name) lives in
an optional table ``dataset_meta``: one row per key, the value in YAML as in the file
(:meth:`PostgresReader.read_meta`). Without it the dataset has no periods and no
holidays, like a folder without ``dataset.yaml``.

Rows are numbered in a stated, stable order, since a database table has none: by the
contract's primary key, compared as text byte by byte (``COLLATE "C"``), ties broken by
the whole row's text. Each message's file names the table and that order, e.g.
``bank.public.surveys, rows by survey_id``: its row 3 is the third survey id.

Memory and time. A table streams from the server in Arrow batches of about 16 MB (the
driver's default) straight into DuckDB's in-memory columnar storage; it is never held as
a whole in Python. The cost is one copy of the tables present in DuckDB (about the size
of the data uncompressed, less where DuckDB compresses) plus one batch in flight, for as
long as the :class:`~bankperf_analysis.dataset.load.Dataset` is open. Measured on the default
demo bank (1.2 M rows): 61 MB of DuckDB tables; ``validate`` peaks at 350 MB resident and
takes 11 s, against 358 MB and 5 s from its Parquet files. The server sorts
each table once by its key to number the rows (within ``work_mem``, spilling to its
temporary files). Every load reads the tables again: ``bankperf report`` reads them two
or three times (branches list, shared inputs, annual summary).
"""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

import duckdb
import yaml

from bankperf_analysis.dataset._sql import literal, quote
from bankperf_analysis.dataset.schema import CONTRACT, Table
from bankperf_analysis.dataset.sources import TableSource
from bankperf_analysis.exceptions import UnreadableInputError, ValidationIssue

__all__ = [
    "DatabaseSource",
    "PostgresReader",
    "is_database_url",
    "redact",
    "password_in_environment",
    "password_via_environment",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

#: URL schemes of a PostgreSQL database (libpq accepts both).
SCHEMES: tuple[str, ...] = ("postgresql://", "postgres://")

#: PostgreSQL types read as they are (Arrow-native); every other type is read as its text.
_NATIVE_TYPES = frozenset(
    {"int2", "int4", "int8", "float4", "float8", "bool", "date", "timestamp", "text", "varchar"}
)
#: PostgreSQL types refused at the door: an instant, not the branch's local time.
_ZONED_TYPES = frozenset({"timestamptz", "timetz"})
#: Optional table holding what a data folder's dataset.yaml holds (key, value in YAML).
META_TABLE = "dataset_meta"
#: URL query keys that are ours, not libpq's: removed before connecting.
_OWN_KEYS = ("schema",)
_INSTALL_HINT = "pip install 'bankperf-analysis[postgres]' (adbc-driver-postgresql)"


def is_database_url(data: Any) -> bool:
    """Whether ``data`` names a PostgreSQL database rather than a folder or file.

    Examples
    --------
    >>> is_database_url("postgresql://analyst@db/bank"), is_database_url("data/demo")
    (True, False)
    """
    return isinstance(data, str) and data.lower().startswith(SCHEMES)


def redact(data: Any) -> str:
    """``data`` as messages may show it: a database URL without its password.

    A password in the user part (``user:secret@``) or in the query (``password=``) is
    removed; anything else (a folder, a file) is returned as text, unchanged.

    Examples
    --------
    >>> redact("postgresql://analyst:s3cret@db:5432/bank?schema=hr&password=s3cret")
    'postgresql://analyst@db:5432/bank?schema=hr'
    >>> redact("data/demo")
    'data/demo'
    """
    if not is_database_url(data):
        return str(data)
    return _DatabaseURL.parse(str(data)).display


@contextmanager
def password_in_environment(data: Any) -> Iterator[Any]:
    """Move a database URL's password into ``PGPASSWORD`` for the duration of the block.

    Yields the URL without its password (anything else unchanged), so that it can be
    handed on (to report kernels, which inherit the environment, and into notebook
    parameters that are kept on disk) without the secret. ``PGPASSWORD`` is restored
    on exit.

    Examples
    --------
    >>> with password_in_environment("postgresql://analyst:s3cret@db/bank") as url:
    ...     url, os.environ["PGPASSWORD"]
    ('postgresql://analyst@db/bank', 's3cret')
    """
    if not is_database_url(data):
        yield data
        return
    url = _DatabaseURL.parse(str(data))
    if url.password is None:
        yield data
        return
    before = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = url.password
    try:
        yield url.display
    finally:
        if before is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = before


def password_via_environment(func: Callable[_P, _R]) -> Callable[_P, _R]:
    """Decorator: call ``func`` inside :func:`password_in_environment` of its first argument.

    For functions that hand their dataset on to other processes (the report batch): they
    receive the URL without its password (however the argument is passed), and the
    processes they start inherit it in ``PGPASSWORD``.
    """
    signature = inspect.signature(func)
    first = next(iter(signature.parameters))

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        bound = signature.bind(*args, **kwargs)
        with password_in_environment(bound.arguments[first]) as public:
            bound.arguments[first] = public
            return func(*bound.args, **bound.kwargs)

    return wrapper


# ----------------------------------------------------------------------------- the URL


@dataclass(frozen=True, slots=True)
class _DatabaseURL:
    """A database URL split into what libpq gets, what messages show, and our own options."""

    conninfo: str  # for libpq: our own keys removed, the password kept
    display: str  # for messages and for handing on: the URL as given, less its password
    password: str | None
    schema: str | None

    @classmethod
    def parse(cls, url: str) -> _DatabaseURL:
        """Split ``url``; the query's pieces are kept as written (libpq decodes them)."""
        parts = urlsplit(url)
        pieces = [p for p in parts.query.split("&") if p]
        values = dict(parse_qsl(parts.query, keep_blank_values=True))
        userinfo, at, hostinfo = parts.netloc.rpartition("@")
        user, colon, secret = userinfo.partition(":")
        password = values.get("password") or (unquote(secret) if colon else None)

        def build(netloc: str, drop: tuple[str, ...]) -> str:
            kept = [p for p in pieces if unquote(p.partition("=")[0]) not in drop]
            return f"{parts.scheme}://{netloc}{parts.path}" + ("?" + "&".join(kept) if kept else "")

        return cls(
            conninfo=build(parts.netloc, _OWN_KEYS),
            display=build(f"{user}{at}{hostinfo}", ("password",)),
            password=password or None,
            schema=values.get("schema") or None,
        )


# ----------------------------------------------------------------------------- sources


@dataclass(frozen=True, slots=True)
class DatabaseSource(TableSource):
    """A contract table in a database: its schema, its columns' types and how rows are numbered."""

    database: str = ""
    schema: str = ""
    relation: str = ""
    pg_types: tuple[tuple[str, str], ...] = ()

    @property
    def label(self) -> str:
        """The table as messages name it, with the order its rows are numbered in."""
        key = ", ".join(CONTRACT[self.table].primary_key)
        return f"{self.database}.{self.schema}.{self.relation}, rows by {key}"


class PostgresReader:
    """An open connection to a PostgreSQL database holding a dataset.

    :meth:`sources` lists the contract tables present; :meth:`attach` streams one of
    them into DuckDB as ``raw_<table>``. Use it as a context manager, or call
    :meth:`close`.

    Raises
    ------
    UnreadableInputError
        The driver is not installed, or the database refuses the connection (unknown
        host, wrong password, no such database): named by its URL without the password.
    """

    def __init__(self, url: str):
        self.url = _DatabaseURL.parse(url)
        self.display = self.url.display
        self._catalog: dict[str, dict[str, str]] | None = None
        self._con = self._connect()
        try:
            database, current = self._fetch("SELECT current_database(), current_schema()")[0]
        except BaseException:
            self.close()
            raise
        self.database: str = str(database)
        self.schema: str = self.url.schema or str(current or "public")

    def read_meta(self) -> dict:
        """What a data folder's ``dataset.yaml`` holds, from the optional table ``dataset_meta``.

        One row per top-level key of ``dataset.yaml`` (columns ``key`` and ``value``, text),
        the value written in YAML as in the file: ``first_period`` / ``2025Q1``,
        ``holidays`` / ``[2026-10-01, 2026-10-02]``. Without the table, the dataset has no
        periods and no holidays, as a folder without ``dataset.yaml`` (and no name: a
        report then names the dataset by its URL without the password, ``Dataset.root``).

        Raises
        ------
        UnreadableInputError
            The table lacks a ``key`` or ``value`` column, repeats a key, or holds a value
            that is not YAML; each problem named by key.
        """
        meta: dict[str, Any] = {}
        columns = self._columns().get(META_TABLE)
        if columns is None:
            return meta
        label = f"{self.database}.{self.schema}.{META_TABLE}"
        if not {"key", "value"} <= set(columns):
            raise UnreadableInputError(
                [
                    ValidationIssue(
                        META_TABLE, label, None, "", ", ".join(columns), "columns key and value (text)"
                    )
                ]
            )
        rows = self._fetch(
            f"SELECT key::text, value::text FROM {quote(self.schema)}.{quote(META_TABLE)} ORDER BY 1"
        )
        issues, seen = [], set()
        for key, value in rows:
            try:
                parsed = yaml.safe_load(value) if value is not None else None
            except yaml.YAMLError as exc:
                issues.append(
                    ValidationIssue(
                        META_TABLE,
                        label,
                        None,
                        str(key),
                        str(value)[:80],
                        f"a YAML value ({_yaml_problem(exc)})",
                    )
                )
                continue
            if key in seen:
                issues.append(
                    ValidationIssue(META_TABLE, label, None, str(key), str(value)[:80], "one row per key")
                )
            seen.add(key)
            meta[str(key)] = parsed
        if issues:
            raise UnreadableInputError(issues)
        return meta

    # -- connection ---------------------------------------------------------------------
    def _connect(self):
        try:
            import adbc_driver_postgresql.dbapi as pg
        except ImportError as exc:
            raise self._unreadable(f"{exc}", f"the PostgreSQL driver: {_INSTALL_HINT}") from None
        try:
            return pg.connect(self.url.conninfo, autocommit=True)
        except Exception as exc:  # noqa: BLE001 - any driver error is an unreadable input
            raise self._unreadable(
                self._message(exc),
                "a PostgreSQL database that accepts the connection (check host, port, database "
                "name, user and password: PGPASSWORD or ~/.pgpass)",
            ) from None

    def _message(self, exc: BaseException) -> str:
        """The driver's message, on one line, without the password."""
        text = " ".join(str(exc).split())
        if self.url.password:
            text = text.replace(self.url.password, "***")
        return text[:300]

    def _unreadable(self, value: str, expected: str, table: str = "") -> UnreadableInputError:
        return UnreadableInputError([ValidationIssue(table, self.display, None, "", value, expected)])

    def _fetch(self, sql: str) -> list[tuple]:
        """The rows of a catalog query (no bound parameters: drivers before 1.2 cannot)."""
        cur = self._con.cursor()
        try:
            cur.execute(sql)
            return [tuple(r) for r in cur.fetchall()]
        except Exception as exc:  # noqa: BLE001 - the database answered, but not this question
            raise self._unreadable(
                self._message(exc), "a PostgreSQL database whose catalog can be read"
            ) from None
        finally:
            cur.close()

    def close(self) -> None:
        """Close the connection (idempotent)."""
        con, self._con = getattr(self, "_con", None), None
        if con is not None:
            with suppress(Exception):
                con.close()

    def __enter__(self) -> PostgresReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- discovery ----------------------------------------------------------------------
    def sources(self) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
        """The contract tables present in the schema, and the issues met at the door.

        Issues: a required table missing; a column whose type the contract cannot take
        (``timestamp with time zone``). A table with such a column is not read.
        """
        columns = self._columns()
        sources: dict[str, TableSource] = {}
        issues: list[ValidationIssue] = []
        for name, t in CONTRACT.items():
            if name not in columns:
                if t.required:
                    issues.append(self._missing(t))
                continue
            src = DatabaseSource(
                name,
                "postgres",
                (),
                database=self.database,
                schema=self.schema,
                relation=name,
                pg_types=tuple(columns[name].items()),
            )
            zoned = _zoned_columns(t, src)
            issues.extend(zoned)
            if not zoned:
                sources[name] = src
        return sources, issues

    def _columns(self) -> dict[str, dict[str, str]]:
        """Table (or view) -> column -> PostgreSQL type name (a domain's base type) in the schema."""
        if self._catalog is not None:
            return self._catalog
        rows = self._fetch(
            "SELECT c.relname, a.attname, "
            "CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END "
            "FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
            "JOIN pg_catalog.pg_type t ON t.oid = a.atttypid "
            "LEFT JOIN pg_catalog.pg_type bt ON bt.oid = t.typbasetype "
            f"WHERE n.nspname = {literal(self.schema)} AND c.relkind IN ('r', 'p', 'v', 'm', 'f') "
            "ORDER BY c.relname, a.attnum"
        )
        out: dict[str, dict[str, str]] = {}
        for rel, col, typ in rows:
            out.setdefault(str(rel), {})[str(col)] = str(typ)
        self._catalog = out
        return out

    def _missing(self, t: Table) -> ValidationIssue:
        return ValidationIssue(
            t.name,
            self.display,
            None,
            "",
            "(missing)",
            f"a table {t.name} in schema {self.schema} of database {self.database}",
        )

    # -- reading ------------------------------------------------------------------------
    def attach(self, con: duckdb.DuckDBPyConnection, src: TableSource) -> list[ValidationIssue]:
        """Stream table ``src`` into DuckDB as ``raw_<table>`` (its columns + ``_row`` + ``_file``).

        The rows go into a DuckDB table ``pg_<table>``; ``raw_<table>`` is a view over it
        that adds the file label. Returns no issues: a table that cannot be read raises
        :class:`UnreadableInputError` naming it.
        """
        if not isinstance(src, DatabaseSource):
            raise TypeError(f"attach needs a DatabaseSource, got {type(src).__name__}")
        stored = quote(f"pg_{src.table}")
        (bar,) = con.execute("SELECT current_setting('enable_progress_bar')").fetchall()[0]
        cur = self._con.cursor()
        try:
            cur.execute(select_sql(src))
            con.register("_pg_stream", cur.fetch_record_batch())
            con.execute("SET enable_progress_bar = false")  # no bar on stdout while a table streams
            con.execute(f"CREATE TABLE {stored} AS SELECT * FROM _pg_stream")
        except Exception as exc:  # noqa: BLE001 - the query or the stream failed: cannot be read
            raise self._unreadable(
                self._message(exc),
                f"a readable table {src.schema}.{src.relation} (SELECT granted to this user)",
                src.table,
            ) from None
        finally:
            with suppress(Exception):
                con.unregister("_pg_stream")
            con.execute(f"SET enable_progress_bar = {bool(bar)}")
            cur.close()
        raw = quote(f"raw_{src.table}")
        con.execute(f"CREATE VIEW {raw} AS SELECT *, {literal(src.label)} AS _file FROM {stored}")
        return []


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """The YAML parser's complaint, on one line."""
    return " ".join(str(getattr(exc, "problem", None) or exc).split())[:80]


def _zoned_columns(t: Table, src: DatabaseSource) -> list[ValidationIssue]:
    """Contract columns stored with a time zone: refused (the contract holds local times)."""
    return [
        ValidationIssue(
            t.name,
            src.label,
            None,
            col,
            f"{typ} (with time zone)",
            f"{t.column(col).expected_text()} without time zone, the branch's local time "
            f"(e.g. a view with {col} AT TIME ZONE 'Asia/Shanghai' AS {col})",
        )
        for col, typ in src.pg_types
        if col in t.column_names and typ in _ZONED_TYPES
    ]


def select_sql(src: DatabaseSource) -> str:
    """The query that reads a contract table: its contract columns and ``_row``.

    Native types pass as they are; every other type as its text (``char(n)`` loses its
    padding, ``numeric`` keeps every digit). ``_row`` numbers the rows by the primary key
    compared as text byte by byte, ties broken by the whole row's text.

    Examples
    --------
    >>> src = DatabaseSource("surveys", "postgres", (), database="bank", schema="public",
    ...                      relation="surveys", pg_types=(("survey_id", "text"), ("score", "numeric")))
    >>> print(select_sql(src))  # doctest: +NORMALIZE_WHITESPACE
    SELECT "survey_id", "score"::text AS "score", row_number() OVER (ORDER BY
    "survey_id"::text COLLATE "C", _bankperf_row::text COLLATE "C") AS _row
    FROM "public"."surveys" AS _bankperf_row
    """
    t = CONTRACT[src.table]
    types = dict(src.pg_types)
    cols = []
    for name in (*t.column_names, *(c.name for c in t.optional_columns)):
        if name not in types:
            continue  # the checks report a missing column (an optional one reads as NULL)
        q = quote(name)
        cols.append(q if types[name] in _NATIVE_TYPES else f"{q}::text AS {q}")
    order = [f'{quote(k)}::text COLLATE "C"' for k in t.primary_key if k in types]
    order.append('_bankperf_row::text COLLATE "C"')
    return (
        f"SELECT {', '.join([*cols, ''])}row_number() OVER (ORDER BY {', '.join(order)}) AS _row "
        f"FROM {quote(src.schema)}.{quote(src.relation)} AS _bankperf_row"
    )

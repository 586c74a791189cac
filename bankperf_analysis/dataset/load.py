"""Load a dataset, check it against the data contract, and fingerprint it.

Finding the files is :mod:`~bankperf_analysis.dataset.sources`' job, checking a table
:mod:`~bankperf_analysis.dataset.checks`'; this module runs them and holds the result.
A dataset is a folder with one file per table (``surveys.parquet``, ``surveys.csv``,
``surveys.xlsx``, or a folder ``surveys/`` of Parquet parts), or a DuckDB database
file with one table per contract table. Loading gives a :class:`Dataset`: a DuckDB
connection holding one typed view per table (the KPI engine pushes its SQL down into
it) with pandas at the edges.

Validation reports *every* problem at once, each naming the table, file, row,
column, the bad value and what was expected, and raises a single
:class:`~bankperf_analysis.exceptions.DataValidationError`. Validation runs as SQL
inside DuckDB, so it scales to the 50-million-contact benchmark bank. Nothing is
written anywhere: the DuckDB connection lives in memory and source files are only read.

Examples
--------
>>> import tempfile
>>> from bankperf_analysis.dataset.demo import make_demo_bank
>>> folder = tempfile.mkdtemp()
>>> truth = make_demo_bank(folder, scale="tiny", seed=1)
>>> ds = load_dataset(folder)
>>> ds.has("surveys"), ds.n_rows("branches")
(True, 4)
>>> len(ds.fingerprint)
16
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any, cast

import duckdb
import pandas as pd

from bankperf_analysis._progress import quiet_duckdb
from bankperf_analysis.dataset._fingerprint import (
    Digest,
    cache_dir,
    cache_key,
    cached_digest,
    default_cache_dir,
    fingerprint,
    table_digest,
)
from bankperf_analysis.dataset._in_post import drop_spans
from bankperf_analysis.dataset._issues import raise_issues, unreadable
from bankperf_analysis.dataset._sql import literal, quote, raw_types, typed_expr
from bankperf_analysis.dataset.checks import Collector, period_window, validate_table
from bankperf_analysis.dataset.database import PostgresReader, is_database_url
from bankperf_analysis.dataset.employment import (
    EMPLOYMENT_COLUMNS,
    check_employment,
    create_employment_view,
)
from bankperf_analysis.dataset.meta import check_meta, declared_encodings, load_meta, meta_text
from bankperf_analysis.dataset.schema import CONTRACT, Table
from bankperf_analysis.dataset.sources import (
    TableSource,
    declare_encodings,
    find_sources,
    first_line,
    parquet_files,
    read_source,
)
from bankperf_analysis.exceptions import DataValidationError, ParamsError, ValidationIssue
from bankperf_analysis.periods import Period, quarter_of

__all__ = [
    "VALIDATION_MEMORY",
    "default_cache_dir",
    "Dataset",
    "DatasetSummary",
    "load_dataset",
    "validate_dataset",
]


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """One-line summary of a valid dataset: tables, rows, periods covered."""

    tables: dict[str, int]
    missing: tuple[str, ...]
    first_period: str | None
    last_period: str | None
    fingerprint: str
    #: table -> how it was read: "utf-8", "utf-8-sig", "gb18030", "gbk" (CSV), "parquet", "xlsx", "duckdb"
    encodings: dict[str, str] = field(default_factory=dict)

    def as_text(self) -> str:
        """The one-line summary printed by ``bankperf validate``."""
        rows = sum(self.tables.values())
        span = f"{self.first_period}–{self.last_period}" if self.first_period else "no dated rows"
        miss = f"; not provided: {', '.join(self.missing)}" if self.missing else ""
        read = f"; read as {encodings_text(self.encodings)}" if self.encodings else ""
        return (
            f"valid: {len(self.tables)} tables, {rows:,} rows, periods {span}, "
            f"fingerprint {self.fingerprint}{miss}{read}"
        )

    def __str__(self) -> str:
        return self.as_text()


def encodings_text(encodings: dict[str, str], lang: str = "en") -> str:
    """How the tables were read, grouped: ``"parquet (14 tables), gb18030 (staff, surveys)"``.

    Examples
    --------
    >>> encodings_text({"branches": "parquet", "staff": "gb18030", "surveys": "parquet"})
    'parquet (branches, surveys), gb18030 (staff)'
    >>> encodings_text({k: "parquet" for k in ("a", "b", "c", "d")}, "zh")
    'parquet (4 张表)'
    """
    from bankperf_analysis.i18n import t

    groups: dict[str, list[str]] = {}
    for table, how in encodings.items():
        groups.setdefault(how, []).append(table)
    return ", ".join(
        f"{how} ({', '.join(ts) if len(ts) <= 3 else t('encodings_tables', lang, n=len(ts))})"
        for how, ts in groups.items()
    )


# ----------------------------------------------------------------------------- the dataset


@dataclass
class Dataset:
    """A validated dataset: one typed DuckDB view per table present.

    Use :meth:`sql` for queries (returns pandas) and :attr:`con` for the raw
    connection. Tables the user did not provide are listed in :attr:`missing`; the
    KPIs that need them are reported as not available.
    """

    con: duckdb.DuckDBPyConnection
    root: Path | str  # a folder or file, or a database URL without its password
    sources: dict[str, TableSource]
    meta: dict = field(default_factory=dict)
    #: Folder caching each table's content digest for :attr:`fingerprint`
    #: (None: ``$BANKPERF_FINGERPRINT_CACHE``, else no cache).
    fingerprint_cache: Path | None = None
    #: DuckDB's private folder for spill files (removed by :meth:`close`).
    spill_dir: Path | None = None

    # -- tables -----------------------------------------------------------------------
    def has(self, table: str) -> bool:
        """Whether the dataset provides ``table``."""
        return table in self.sources

    @property
    def tables(self) -> list[str]:
        """Tables present, in contract order."""
        return [t for t in CONTRACT if t in self.sources]

    @property
    def missing(self) -> list[str]:
        """Contract tables the dataset does not provide."""
        return [t for t in CONTRACT if t not in self.sources]

    @property
    def encodings(self) -> dict[str, str]:
        """How each table present was read, in contract order.

        The CSV encoding ("utf-8", "utf-8-sig" with a byte-order mark, "gb18030", "gbk"),
        else the kind of source ("parquet", "xlsx", "duckdb"). Report footers print it.
        """
        return {t: self.sources[t].read_as for t in self.tables}

    def employment(self) -> pd.DataFrame:
        """The assignment history: ``staff_id, branch_id, role, valid_from, valid_to`` (half-open).

        The ``assignments`` table when the dataset has one, else one assignment per person
        from the staff table (``hire_date`` to ``leave_date`` at its ``branch_id`` in its
        ``role``); :mod:`~bankperf_analysis.dataset.employment`.
        """
        cols = ", ".join(EMPLOYMENT_COLUMNS)
        return self.sql(f"SELECT {cols} FROM employment ORDER BY staff_id, valid_from")

    def sql(self, query: str, params: Iterable | None = None) -> pd.DataFrame:
        """Run ``query`` on the dataset and return a pandas DataFrame."""
        if params is None:
            return self.con.execute(query).df()
        return self.con.execute(query, list(params)).df()

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Return a whole table as pandas (use :meth:`sql` for large tables)."""
        if not self.has(name):
            raise KeyError(f"The dataset has no table '{name}'. Present: {', '.join(self.tables)}")
        cols = ", ".join(quote(c) for c in columns) if columns else "*"
        key = ", ".join(quote(k) for k in CONTRACT[name].primary_key)
        return self.sql(f"SELECT {cols} FROM {quote(name)} ORDER BY {key}")

    def n_rows(self, name: str) -> int:
        """Number of rows of table ``name`` (0 when absent)."""
        if not self.has(name):
            return 0
        return int(self._one(f"SELECT count(*) FROM {quote(name)}")[0])

    def _one(self, query: str) -> tuple[Any, ...]:
        """The single row of an aggregate query."""
        return cast("tuple[Any, ...]", self.con.execute(query).fetchone())

    # -- provenance -------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """Stable content hash of the data (16 hex digits).

        Independent of file format (the same data as CSV or Parquet give the same
        fingerprint) and of row order: each row's *typed* values are hashed with DuckDB's
        64-bit ``hash()``, the row hashes counted, summed and XOR-ed per table, and those,
        with the table and column names and types, hashed with SHA-256, followed by the
        checked content of ``dataset.yaml`` when there is one (name, periods, holidays,
        declared encodings...: adding a holiday changes the fingerprint). No row is rendered
        as text. With :attr:`fingerprint_cache`, an unchanged table's digest is read from the
        cache instead (:mod:`~bankperf_analysis.dataset._fingerprint` has the recipe, the
        cache and what counts as the same value).
        """
        folder = cache_dir(self.fingerprint_cache)
        digests = []
        for name in self.tables:
            t, src = CONTRACT[name], self.sources[name]
            key = cache_key(src, t) if folder is not None else None

            def compute(name: str = name, t: Table = t, src: TableSource = src) -> Digest:
                try:
                    return table_digest(self.con, quote(name), self._digest_columns(t))
                except duckdb.Error as exc:  # a part that only fails when scanned
                    raise_issues([_scan_issue(src, exc)])
                    raise  # pragma: no cover - raise_issues always raises here

            digests.append((name, t, cached_digest(folder, key, compute)))
        return fingerprint(digests, meta_text(self.meta))

    def _digest_columns(self, t: Table) -> list[str]:
        """The columns the fingerprint reads: the contract's, and the optional ones that hold a value."""
        cols = list(t.column_names)
        for c in t.optional_columns:
            q = f"SELECT count({quote(c.name)}) FROM {quote(t.name)}"
            if (self.con.execute(q).fetchone() or (0,))[0]:
                cols.append(c.name)
        return cols

    def coverage(self) -> tuple[str | None, str | None]:
        """First and last quarter that any dated row falls in."""
        lo: dt.date | None = None
        hi: dt.date | None = None
        for name in self.tables:
            for col in CONTRACT[name].period_columns:
                a, b = self._one(
                    f"SELECT CAST(min({quote(col)}) AS DATE), CAST(max({quote(col)}) AS DATE) "
                    f"FROM {quote(name)}"
                )
                if a is not None:
                    lo = a if lo is None else min(lo, a)
                    hi = b if hi is None else max(hi, b)
        if lo is None or hi is None:
            return None, None
        return str(quarter_of(lo)), str(quarter_of(hi))

    def has_data(self, period: str | Period) -> bool:
        """True if any dated row of any table falls inside ``period`` ("2026Q3", "2026-07").

        Stops at the first row found, so it is cheap even on 50M-row tables (unlike
        :meth:`coverage`, which reads every date).

        Examples
        --------
        >>> from bankperf_analysis.dataset.demo import make_demo_bank
        >>> import tempfile
        >>> folder = tempfile.mkdtemp()
        >>> truth = make_demo_bank(folder, scale="tiny", seed=1)
        >>> ds = load_dataset(folder)
        >>> ds.has_data("2026Q3"), ds.has_data("2031Q1")
        (True, False)
        """
        p = Period.parse(str(period))
        for name in self.tables:
            for col in CONTRACT[name].period_columns:
                hit = self.con.execute(
                    f"SELECT 1 FROM {quote(name)} WHERE {quote(col)} >= TIMESTAMP '{p.start}' "
                    f"AND {quote(col)} < TIMESTAMP '{p.end}' LIMIT 1"
                ).fetchone()
                if hit is not None:
                    return True
        return False

    def summary(self) -> DatasetSummary:
        """Tables and row counts, quarters covered and fingerprint."""
        first, last = self.coverage()
        return DatasetSummary(
            tables={t: self.n_rows(t) for t in self.tables},
            missing=tuple(self.missing),
            first_period=first,
            last_period=last,
            fingerprint=self.fingerprint,
            encodings=self.encodings,
        )

    def close(self) -> None:
        """Close the DuckDB connection and remove its spill folder."""
        self.con.close()
        if self.spill_dir is not None:
            shutil.rmtree(self.spill_dir, ignore_errors=True)

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Dataset(root={str(self.root)!r}, tables={len(self.tables)}, missing={self.missing})"


# ----------------------------------------------------------------------------- loading

#: DuckDB's memory limit while validating (beyond it, the key checks' hash tables spill to disk).
VALIDATION_MEMORY = "1GB"


def load_dataset(
    path: str | Path | Mapping[str, pd.DataFrame],
    *,
    periods: tuple[str, str] | None = None,
    validate: bool = True,
    threads: int | None = None,
    fingerprint_cache: str | Path | None = None,
) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    path : str, Path or mapping of str to DataFrame
        A data folder (one Parquet/CSV/Excel file per table), a DuckDB database file, a
        PostgreSQL URL ``postgresql://user@host:port/dbname[?schema=NAME]``
        (:mod:`~bankperf_analysis.dataset.database`), or a mapping of table name to
        DataFrame (``{"branches": df, "staff": df2, ...}``). A DataFrame is checked exactly
        as the CSV file ``df.to_csv(index=False)`` would be; its problems name it
        ``data['<table>']`` and its rows from 1 (``df.iloc[0]`` is row 1).
    periods : (str, str), optional
        First and last reporting period, e.g. ``("2025Q1", "2026Q4")``; dated rows
        outside are errors. Defaults to ``first_period``/``last_period`` in the folder's
        ``dataset.yaml`` when present, else no period check.
    validate : bool, default True
        Check the data against the contract (set False only for data validated before,
        e.g. inside a report batch that already validated it).
    threads : int, optional
        DuckDB worker threads (default: DuckDB's choice, all cores).
    fingerprint_cache : str or Path, optional
        A folder where the fingerprint keeps each table's content digest, keyed by its
        files' size and times, so that an unchanged re-run does not read the data again
        (default: the environment variable ``BANKPERF_FINGERPRINT_CACHE``, else no cache,
        and nothing is written).

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        Listing every problem found (table, file, row, column, value, expectation).
    UnreadableInputError
        (a DataValidationError) When an input cannot be read at all: the folder is missing,
        a file is empty, corrupt, of the wrong format or not decodable, dataset.yaml is not
        valid YAML or has a wrong structure. Every problem is listed, those of the readable
        tables as well.
    """
    if isinstance(path, Mapping):
        return _load_frames(path, periods=periods, validate=validate, threads=threads)
    db = PostgresReader(str(path)) if is_database_url(path) else None
    root: Path | str = db.display if db else Path(path)
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    quiet_duckdb(con)
    spill = _spill_to_temp(con, validate)
    try:
        sources, meta, issues = _discover(root, db)
        usable = _read_sources(con, sources, issues, db)
        window = period_window(meta, periods) if validate else None
        ok = _check_tables(con, usable, validate, window, issues)
        con.execute("RESET memory_limit")
        for name, src in ok.items():
            _create_final(con, CONTRACT[name], src)
        create_employment_view(con, ok)
        cache = Path(fingerprint_cache) if fingerprint_cache is not None else None
        ds = Dataset(con=con, root=root, sources=ok, meta=meta, fingerprint_cache=cache)
        ds.spill_dir = spill
        return ds
    except BaseException:
        con.close()
        shutil.rmtree(spill, ignore_errors=True)
        raise
    finally:
        if db:
            db.close()


def _load_frames(
    frames: Mapping[Any, Any], *, periods: tuple[str, str] | None, validate: bool, threads: int | None
) -> Dataset:
    """:func:`load_dataset` of DataFrames: each written as ``<table>.csv`` and read as that file."""
    for name, frame in frames.items():
        if not isinstance(name, str) or name not in CONTRACT:
            raise ParamsError(
                f"The 'path' parameter of load_dataset must map table names of the data contract "
                f"({', '.join(CONTRACT)}) to DataFrames. Got the key {name!r} instead."
            )
        if not isinstance(frame, pd.DataFrame):
            raise ParamsError(
                f"The 'path' parameter of load_dataset must map table names to DataFrames. "
                f"Got {type(frame).__name__} for {name!r} instead."
            )
    folder = Path(tempfile.mkdtemp(prefix="bankperf-frames-"))
    try:
        for name, frame in frames.items():
            frame.to_csv(folder / f"{name}.csv", index=False)
        try:
            ds = load_dataset(folder, periods=periods, validate=validate, threads=threads)
        except DataValidationError as exc:
            issues = [
                replace(i, file=f"data[{i.table!r}]") if i.file == f"{i.table}.csv" else i for i in exc.issues
            ]
            raise type(exc)(issues, exc.n_total) from None
        ds.root = "<DataFrames>"
        return ds
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _check_tables(
    con,
    usable: dict[str, TableSource],
    validate: bool,
    window: tuple[dt.date, dt.date] | None,
    issues: list[ValidationIssue],
) -> dict[str, TableSource]:
    """Check every usable table, then employment; raise every problem at once; the tables kept."""
    collector = Collector()
    ok: dict[str, TableSource] = {}
    # Parents first so that foreign keys can be checked against typed parents.
    for name, t in CONTRACT.items():
        if name not in usable:
            continue
        try:
            if not validate or validate_table(con, t, usable[name], ok, window, collector):
                ok[name] = usable[name]
        except duckdb.Error as exc:  # a Parquet part that fails only when scanned
            issues.append(_scan_issue(usable[name], exc))
    drop_spans(con)
    if validate and not _unusable(usable, ok):
        check_employment(con, ok, collector)
    raise_issues([*issues, *collector.issues])
    return ok


def _spill_to_temp(con, validate: bool) -> Path:
    """Point DuckDB's spill files at a new private temporary folder (not ``./.tmp``); its path.

    While validating, DuckDB's memory is capped at :data:`VALIDATION_MEMORY`: the hash
    aggregate of a key check over 50M ids then spills to that folder instead of growing to
    gigabytes (the limit is lifted once the data are checked). The folder is removed when the
    dataset is closed.
    """
    spill = Path(tempfile.mkdtemp(prefix="bankperf-duckdb-"))
    con.execute(f"SET temp_directory = {literal(str(spill))}")
    if validate:
        con.execute(f"SET memory_limit = '{VALIDATION_MEMORY}'")
    return spill


def _unusable(usable: dict[str, TableSource], ok: dict[str, TableSource]) -> bool:
    """Whether staff or assignments were given but cannot be checked (their issues are listed already)."""
    return any(name in usable and name not in ok for name in ("staff", "assignments"))


def _discover(
    root: Path | str, db: PostgresReader | None
) -> tuple[dict[str, TableSource], dict, list[ValidationIssue]]:
    """The sources of every table, the checked ``dataset.yaml`` (or ``dataset_meta``), the issues met."""
    if db is not None:
        sources, issues = db.sources()
        meta, meta_issues = check_meta(db.read_meta(), f"{db.database}.{db.schema}.dataset_meta")
        return sources, meta, [*meta_issues, *issues]
    folder = Path(root)
    sources, issues = find_sources(folder)
    meta, meta_issues = load_meta(folder)
    sources, enc_issues = declare_encodings(sources, declared_encodings(meta), meta.get("encodings", {}))
    return sources, meta, [*meta_issues, *issues, *enc_issues]


def _read_sources(
    con, sources: dict[str, TableSource], issues: list[ValidationIssue], db: PostgresReader | None = None
) -> dict[str, TableSource]:
    """Read every source into ``raw_<table>``; the usable ones, with their encodings (issues appended)."""
    usable: dict[str, TableSource] = {}
    for name, src in sources.items():
        # A table given twice (or otherwise refused as a whole) is not read or checked further.
        if any(i.table == name and i.row is None and i.column == "" for i in issues):
            continue
        read, problems = (src, db.attach(con, src)) if db is not None else read_source(con, src)
        issues.extend(problems)
        if not problems:
            usable[name] = read
    return usable


def _scan_issue(src: TableSource, exc: BaseException) -> ValidationIssue:
    """A source that failed while being scanned (a corrupt data page, parts that do not match)."""
    folder = src.paths[0].parent if src.paths else None
    expected = {
        "parquet": "readable Parquet data (every part with the same columns)",
        "duckdb": "a readable DuckDB table",
    }.get(src.kind, f"a readable {src.kind} source")
    return unreadable(src.table, src.label, first_line(exc, folder), expected)


def validate_dataset(path: str | Path, *, periods: tuple[str, str] | None = None) -> DatasetSummary:
    """Validate a dataset and return its one-line summary.

    Raises
    ------
    DataValidationError
        Listing every problem found.
    """
    with load_dataset(path, periods=periods) as ds:
        return ds.summary()


def _create_final(con, t: Table, src: TableSource) -> None:
    """Create the typed table/view ``<table>`` that the KPI engine queries.

    CSV and Excel become in-memory tables (small; cast once). Parquet and DuckDB sources
    become views straight over the source without row numbers, so DuckDB keeps projection
    and filter pushdown and its parallel scan.
    """
    name = quote(t.name)
    raw = quote(f"raw_{t.name}")
    types = raw_types(con, t.name)
    typed = ", ".join(f"{typed_expr(c, quote(c.name), types[c.name])} AS {quote(c.name)}" for c in t.columns)
    for c in t.optional_columns:  # present: typed like the others; absent: NULL, so queries may name it
        expr = typed_expr(c, quote(c.name), types[c.name]) if c.name in types else f"NULL::{c.duckdb_type}"
        typed += f", {expr} AS {quote(c.name)}"
    if src.kind in ("csv", "xlsx"):
        con.execute(f"CREATE TABLE {name} AS SELECT {typed} FROM {raw}")
    elif src.kind == "postgres":  # a view over the rows streamed in (database.py)
        con.execute(f"CREATE VIEW {name} AS SELECT {typed} FROM {raw}")
    elif src.kind == "parquet":
        con.execute(f"CREATE VIEW {name} AS SELECT {typed} FROM read_parquet({parquet_files(src)})")
    else:
        con.execute(f"CREATE VIEW {name} AS SELECT {typed} FROM src.{quote(t.name)}")
    for obj, kind in ((f"check_{t.name}", "VIEW"), (f"typed_{t.name}", "VIEW")):
        con.execute(f"DROP {kind} IF EXISTS {quote(obj)}")
    if src.kind in ("csv", "xlsx"):
        con.execute(f"DROP TABLE IF EXISTS {raw}")

"""Load a dataset, check it against the data contract, and fingerprint it.

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
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from bankperf_analysis.dataset.schema import CONTRACT, Column, Table
from bankperf_analysis.exceptions import DataValidationError, ValidationIssue
from bankperf_analysis.periods import Period, quarter_of

__all__ = [
    "Dataset",
    "DatasetSummary",
    "TableSource",
    "load_dataset",
    "validate_dataset",
    "find_sources",
]

#: File suffixes recognised in a data folder, in order of preference.
SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".xlsx")
#: Metadata file a data folder may carry (written by the demo generator).
META_FILE = "dataset.yaml"
#: Problem rows listed per (table, column, kind) before "... and N more".
MAX_EXAMPLES = 10

_TRUE = ("true", "t", "1", "yes", "y", "是", "真")
_FALSE = ("false", "f", "0", "no", "n", "否", "假")


@dataclass(frozen=True, slots=True)
class TableSource:
    """Where one table's data come from."""

    table: str
    kind: str  # "parquet" | "csv" | "xlsx" | "duckdb"
    paths: tuple[Path, ...]

    @property
    def label(self) -> str:
        """Short description for messages: the file name (or folder) the table came from."""
        if self.kind == "duckdb":
            return f"{self.paths[0].name}:{self.table}"
        if len(self.paths) == 1:
            return self.paths[0].name
        return f"{self.paths[0].parent.name}/ ({len(self.paths)} parts)"


@dataclass(frozen=True, slots=True)
class DatasetSummary:
    """One-line summary of a valid dataset: tables, rows, periods covered."""

    tables: dict[str, int]
    missing: tuple[str, ...]
    first_period: str | None
    last_period: str | None
    fingerprint: str

    def as_text(self) -> str:
        """The one-line summary printed by ``bankperf validate``."""
        rows = sum(self.tables.values())
        span = (f"{self.first_period}–{self.last_period}" if self.first_period else "no dated rows")
        miss = f"; not provided: {', '.join(self.missing)}" if self.missing else ""
        return (f"valid: {len(self.tables)} tables, {rows:,} rows, periods {span}, "
                f"fingerprint {self.fingerprint}{miss}")

    def __str__(self) -> str:
        return self.as_text()


# ----------------------------------------------------------------------------- discovery


def find_sources(path: str | Path) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
    """Find the file(s) of every contract table under ``path``.

    Returns the sources found and the issues met (ambiguous files, missing required
    tables). Tables not in the contract are ignored.
    """
    root = Path(path)
    issues: list[ValidationIssue] = []
    sources: dict[str, TableSource] = {}
    if not root.exists():
        raise DataValidationError([ValidationIssue("", str(root), None, "", "",
                                                   "an existing data folder or DuckDB file")])
    if root.is_file():
        if root.suffix.lower() not in (".duckdb", ".db", ".ddb"):
            raise DataValidationError([ValidationIssue(
                "", root.name, None, "", root.suffix,
                "a data folder, or a DuckDB database file (.duckdb/.db)")])
        con = duckdb.connect(str(root), read_only=True)
        try:
            present = {r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables").fetchall()}
        finally:
            con.close()
        for name in CONTRACT:
            if name in present:
                sources[name] = TableSource(name, "duckdb", (root,))
    else:
        for name in CONTRACT:
            found: list[TableSource] = []
            for suf in SUFFIXES:
                f = root / f"{name}{suf}"
                if f.is_file():
                    found.append(TableSource(name, suf[1:], (f,)))
            part_dir = root / name
            if part_dir.is_dir():
                parts = tuple(sorted(part_dir.glob("*.parquet")))
                if parts:
                    found.append(TableSource(name, "parquet", parts))
            if len(found) > 1:
                issues.append(ValidationIssue(
                    name, ", ".join(s.label for s in found), None, "", "",
                    "exactly one file per table (remove the extra copies)"))
            if found:
                sources[name] = found[0]
    for name, t in CONTRACT.items():
        if t.required and name not in sources:
            issues.append(ValidationIssue(
                name, "", None, "", "(missing)",
                f"a file {name}.parquet, {name}.csv or {name}.xlsx in {root}"))
    return sources, issues


def _read_meta(root: Path) -> dict:
    meta = root / META_FILE if root.is_dir() else root.with_suffix(".yaml")
    if meta.is_file():
        with open(meta, encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    return {}


# ----------------------------------------------------------------------------- SQL helpers


def _q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def _lit(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


#: Source types that already are the contract type (Parquet / DuckDB columns): passed through
#: untouched, so typed views over 50M-row Parquet cost nothing beyond the scan.
_NATIVE: dict[str, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "int": ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT",
            "UTINYINT"),
    "float": ("DOUBLE", "FLOAT"),
    "bool": ("BOOLEAN",),
    "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S"),
}


def _typed_expr(c: Column, raw: str, src_type: str | None = None) -> str:
    """SQL that converts the raw value of column ``c`` to its contract type (NULL if it cannot).

    ``src_type`` is the DuckDB type of the source column; when it already is the contract
    type the column passes through (widened with a cheap numeric cast if needed).
    """
    if src_type is not None and src_type.upper() in _NATIVE[c.dtype]:
        if src_type.upper() == c.duckdb_type:
            return raw
        return f"CAST({raw} AS {c.duckdb_type})"
    if c.dtype == "string":
        return f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"
    if c.dtype == "bool":
        s = f"lower(trim(CAST({raw} AS VARCHAR)))"
        t = ", ".join(_lit(v) for v in _TRUE)
        f = ", ".join(_lit(v) for v in _FALSE)
        return f"(CASE WHEN {s} IN ({t}) THEN TRUE WHEN {s} IN ({f}) THEN FALSE END)"
    if c.dtype == "int":
        d = f"TRY_CAST({raw} AS DOUBLE)"
        return (f"coalesce(TRY_CAST({raw} AS BIGINT), "
                f"CASE WHEN {d} = round({d}) THEN CAST({d} AS BIGINT) END)")
    if c.dtype == "date":
        ts = f"TRY_CAST({raw} AS TIMESTAMP)"
        return (f"coalesce(TRY_CAST({raw} AS DATE), "
                f"CASE WHEN {ts} = date_trunc('day', {ts}) THEN CAST({ts} AS DATE) END)")
    return f"TRY_CAST({raw} AS {c.duckdb_type})"


def _is_blank(raw: str) -> str:
    return f"({raw} IS NULL OR trim(CAST({raw} AS VARCHAR)) = '')"


# ----------------------------------------------------------------------------- the dataset


@dataclass
class Dataset:
    """A validated dataset: one typed DuckDB view per table present.

    Use :meth:`sql` for queries (returns pandas) and :attr:`con` for the raw
    connection. Tables the user did not provide are listed in :attr:`missing`; the
    KPIs that need them are reported as not available.
    """

    con: duckdb.DuckDBPyConnection
    root: Path
    sources: dict[str, TableSource]
    meta: dict = field(default_factory=dict)

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

    def sql(self, query: str, params: Iterable | None = None) -> pd.DataFrame:
        """Run ``query`` on the dataset and return a pandas DataFrame."""
        if params is None:
            return self.con.execute(query).df()
        return self.con.execute(query, list(params)).df()

    def table(self, name: str, columns: Iterable[str] | None = None) -> pd.DataFrame:
        """Return a whole table as pandas (use :meth:`sql` for large tables)."""
        if not self.has(name):
            raise KeyError(f"The dataset has no table '{name}'. Present: {', '.join(self.tables)}")
        cols = ", ".join(_q(c) for c in columns) if columns else "*"
        key = ", ".join(_q(k) for k in CONTRACT[name].primary_key)
        return self.sql(f"SELECT {cols} FROM {_q(name)} ORDER BY {key}")

    def n_rows(self, name: str) -> int:
        """Number of rows of table ``name`` (0 when absent)."""
        if not self.has(name):
            return 0
        return int(self.con.execute(f"SELECT count(*) FROM {_q(name)}").fetchone()[0])

    # -- provenance -------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """Stable content hash of the data (16 hex digits).

        Independent of file format (the same data as CSV or Parquet give the same
        fingerprint) and of row order: each row is rendered as canonical text from
        its *typed* values, hashed with MD5, and the 128-bit row hashes are summed
        per table (a sum is order-free). The per-table counts and sums, with the
        table and column names, are then hashed with SHA-256.
        """
        h = hashlib.sha256()
        for name in self.tables:
            t = CONTRACT[name]
            parts = ", ".join(f"coalesce(CAST({_q(c)} AS VARCHAR), '\\N')" for c in t.column_names)
            row = f"concat_ws(chr(31), {parts})"
            n, hi, lo = self.con.execute(
                f"SELECT count(*), coalesce(sum(md5_number_upper({row})), 0), "
                f"coalesce(sum(md5_number_lower({row})), 0) FROM {_q(name)}"
            ).fetchone()
            h.update(f"{name}|{','.join(t.column_names)}|{n}|{hi}|{lo}\n".encode())
        return h.hexdigest()[:16]

    def coverage(self) -> tuple[str | None, str | None]:
        """First and last quarter that any dated row falls in."""
        lo: dt.date | None = None
        hi: dt.date | None = None
        for name in self.tables:
            for col in CONTRACT[name].period_columns:
                a, b = self.con.execute(
                    f"SELECT CAST(min({_q(col)}) AS DATE), CAST(max({_q(col)}) AS DATE) "
                    f"FROM {_q(name)}").fetchone()
                if a is not None:
                    lo = a if lo is None else min(lo, a)
                    hi = b if hi is None else max(hi, b)
        if lo is None:
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
                    f"SELECT 1 FROM {_q(name)} WHERE {_q(col)} >= TIMESTAMP '{p.start}' "
                    f"AND {_q(col)} < TIMESTAMP '{p.end}' LIMIT 1").fetchone()
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
        )

    def close(self) -> None:
        """Close the DuckDB connection."""
        self.con.close()

    def __enter__(self) -> Dataset:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"Dataset(root={str(self.root)!r}, tables={len(self.tables)}, "
                f"missing={self.missing})")


# ----------------------------------------------------------------------------- loading


def _attach_raw(con: duckdb.DuckDBPyConnection, src: TableSource) -> list[ValidationIssue]:
    """Create ``raw_<table>`` (all source columns + ``_row`` + ``_file``) for one source."""
    raw = _q(f"raw_{src.table}")
    if src.kind == "parquet":
        files = "[" + ", ".join(_lit(str(p)) for p in src.paths) + "]"
        con.execute(
            f"CREATE VIEW {raw} AS SELECT * EXCLUDE (file_row_number, filename), "
            f"file_row_number + 1 AS _row, parse_filename(filename) AS _file "
            f"FROM read_parquet({files}, file_row_number = true, filename = true)")
    elif src.kind == "csv":
        path = str(src.paths[0])
        try:
            # Insertion order is preserved, so rowid + 1 is the data row number in the file.
            stage = _q(f"stage_{src.table}")
            con.execute(f"CREATE TEMP TABLE {stage} AS SELECT * FROM read_csv({_lit(path)}, "
                        f"header = true, all_varchar = true, auto_detect = true)")
            con.execute(f"CREATE TABLE {raw} AS SELECT *, CAST(rowid + 1 AS BIGINT) AS _row, "
                        f"{_lit(src.paths[0].name)} AS _file FROM {stage}")
            con.execute(f"DROP TABLE {stage}")
        except (duckdb.InvalidInputException, duckdb.ConversionException):
            # Bank staff often export CSV from Excel as GBK/GB18030, which DuckDB cannot
            # decode without a network-installed extension: fall back to pandas.
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
            except Exception as exc:  # noqa: BLE001 - report, do not crash
                return [ValidationIssue(src.table, src.paths[0].name, None, "", str(exc)[:120],
                                        "a readable CSV file (UTF-8 or GB18030) with a header row")]
            _register_frame(con, raw, df, src.paths[0].name)
    elif src.kind == "xlsx":
        try:
            df = pd.read_excel(src.paths[0], dtype=str, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001
            return [ValidationIssue(src.table, src.paths[0].name, None, "", str(exc)[:120],
                                    "a readable .xlsx workbook with a header row")]
        _register_frame(con, raw, df, src.paths[0].name)
    elif src.kind == "duckdb":
        alias = "src"
        attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        if alias not in attached:
            con.execute(f"ATTACH {_lit(str(src.paths[0]))} AS {alias} (READ_ONLY)")
        con.execute(f"CREATE VIEW {raw} AS SELECT *, rowid + 1 AS _row, "
                    f"{_lit(src.label)} AS _file FROM {alias}.{_q(src.table)}")
    return []


def _register_frame(con, raw: str, df: pd.DataFrame, file_label: str) -> None:
    df = df.copy()
    df.columns = [str(c).strip() for c in df.columns]
    df = df.astype(object).where(df.notna(), None)
    df["_row"] = range(1, len(df) + 1)
    df["_file"] = file_label
    con.register("_frame_tmp", df)
    con.execute(f"CREATE TABLE {raw} AS SELECT * FROM _frame_tmp")
    con.unregister("_frame_tmp")


def _raw_types(con, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of the raw source of ``table``."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {_q('raw_' + table)}").fetchall()}


class _Collector:
    """Collects issues, listing at most MAX_EXAMPLES rows per kind of problem."""

    def __init__(self) -> None:
        self.issues: list[ValidationIssue] = []

    def add(self, issue: ValidationIssue) -> None:
        self.issues.append(issue)

    def rows(self, con, src: TableSource, sql_where_from: str, column: str, expected: str,
             value_expr: str, total: int) -> None:
        """List example rows matching a violation and summarise the rest."""
        rows = con.execute(
            f"SELECT _row, _file, CAST({value_expr} AS VARCHAR) {sql_where_from} "
            f"ORDER BY _file, _row LIMIT {MAX_EXAMPLES}").fetchall()
        for r, f, v in rows:
            self.add(ValidationIssue(src.table, f or src.label, int(r), column,
                                     "(empty)" if v is None else v, expected))
        if total > len(rows):
            self.add(ValidationIssue(src.table, src.label, None, column,
                                     f"{total - len(rows):,} more rows like this", expected))


def _validate_table(con, t: Table, src: TableSource, present: dict[str, TableSource],
                    window: tuple[dt.date, dt.date] | None, out: _Collector) -> bool:
    """Check one table; create its typed view. Returns False if it is unusable."""
    raw = _q(f"raw_{t.name}")
    types = _raw_types(con, t.name)
    cols = set(types)
    missing = [c.name for c in t.columns if c.name not in cols]
    for m in missing:
        out.add(ValidationIssue(t.name, src.label, None, m, "(missing column)",
                                f"a column '{m}': {t.column(m).expected_text()}"))
    if missing:
        return False
    typed_cols = ", ".join(f"{_typed_expr(c, _q(c.name), types[c.name])} AS {_q(c.name)}"
                           for c in t.columns)
    con.execute(f"CREATE VIEW {_q('typed_' + t.name)} AS SELECT {typed_cols}, _row, _file "
                f"FROM {raw}")
    typed = _q("typed_" + t.name)
    # One view with raw and typed values side by side ("t:<col>"), scanned once.
    both = ", ".join(f"{_typed_expr(c, _q(c.name), types[c.name])} AS {_q('t:' + c.name)}"
                     for c in t.columns)
    con.execute(f"CREATE VIEW {_q('check_' + t.name)} AS SELECT *, {both} FROM {raw}")
    source = f"FROM {_q('check_' + t.name)}"

    def tv(name: str) -> str:
        return _q("t:" + name)

    # One aggregate pass counts every per-column problem; examples only where needed.
    checks: list[tuple[str, str, str, str]] = []  # (where, column, expected, value expr)
    for c in t.columns:
        rc, tc = _q(c.name), tv(c.name)
        if not c.nullable:
            checks.append((_is_blank(rc), c.name, f"a value: {c.expected_text()}", rc))
        checks.append((f"NOT {_is_blank(rc)} AND {tc} IS NULL", c.name, c.expected_text(), rc))
        if c.min_value is not None:
            checks.append((f"{tc} < {c.min_value}", c.name, c.expected_text(), tc))
        if c.max_value is not None:
            checks.append((f"{tc} > {c.max_value}", c.name, c.expected_text(), tc))
        if c.allowed:
            allowed = ", ".join(_lit(a) for a in c.allowed)
            checks.append((f"{tc} NOT IN ({allowed})", c.name, c.expected_text(), tc))
    for ck in t.checks:
        cond = ck.condition
        for c in t.columns:
            cond = _qualify(cond, c.name)
        value = "concat_ws(' / ', " + ", ".join(
            f"coalesce(CAST({tv(c)} AS VARCHAR), '(empty)')" for c in ck.columns) + ")"
        checks.append((f"NOT coalesce(({cond}), TRUE)", ", ".join(ck.columns), ck.expected, value))
    if window is not None:
        lo, hi = window
        for col in t.period_columns:
            checks.append((f"CAST({tv(col)} AS DATE) NOT BETWEEN DATE '{lo}' AND DATE '{hi}'",
                           col, f"a date within the dataset's periods ({lo} to {hi})", tv(col)))
    counts = con.execute(
        "SELECT " + ", ".join(f"count_if({w})" for w, *_ in checks) + f" {source}"
    ).fetchone()
    for (where, column, expected, value), total in zip(checks, counts):
        if total:
            out.rows(con, src, f"{source} WHERE {where}", column, expected, value, int(total))
    # Primary key uniqueness.
    key = ", ".join(_q(k) for k in t.primary_key)
    dup = con.execute(
        f"SELECT count(*) FROM (SELECT {key} FROM {typed} GROUP BY {key} HAVING count(*) > 1)"
    ).fetchone()[0]
    if dup:
        rows = con.execute(
            f"WITH d AS (SELECT {key}, list(_row ORDER BY _row) AS rows, count(*) AS k "
            f"FROM {typed} GROUP BY {key} HAVING count(*) > 1) "
            f"SELECT concat_ws(' / ', {', '.join(f'CAST({_q(k)} AS VARCHAR)' for k in t.primary_key)}),"
            f" rows FROM d ORDER BY rows[1] LIMIT {MAX_EXAMPLES}").fetchall()
        for keyval, rownums in rows:
            out.add(ValidationIssue(t.name, src.label, int(rownums[1]), ", ".join(t.primary_key),
                                    str(keyval),
                                    f"a unique key (also in row {int(rownums[0])})"))
        if dup > len(rows):
            out.add(ValidationIssue(t.name, src.label, None, ", ".join(t.primary_key),
                                    f"{dup - len(rows):,} more duplicated keys", "a unique key"))
    # Foreign keys.
    for c in t.columns:
        if not c.references:
            continue
        ptable, pcol = c.references.split(".")
        if ptable not in present:
            continue
        ptyped = _q("typed_" + ptable)
        where = (f"FROM {typed} t WHERE t.{_q(c.name)} IS NOT NULL AND NOT EXISTS "
                 f"(SELECT 1 FROM {ptyped} p WHERE p.{_q(pcol)} = t.{_q(c.name)})")
        total = con.execute(f"SELECT count(*) {where}").fetchone()[0]
        if total:
            out.rows(con, src, where, c.name, f"a {pcol} present in {ptable}",
                     f"t.{_q(c.name)}", int(total))
    return True


def _create_final(con, t: Table, src: TableSource) -> None:
    """Create the typed table/view ``<table>`` that the KPI engine queries.

    CSV and Excel become in-memory tables (small; cast once). Parquet and DuckDB sources
    become views straight over the source without row numbers, so DuckDB keeps projection
    and filter pushdown and its parallel scan.
    """
    name = _q(t.name)
    raw = _q(f"raw_{t.name}")
    types = _raw_types(con, t.name)
    typed = ", ".join(f"{_typed_expr(c, _q(c.name), types[c.name])} AS {_q(c.name)}"
                      for c in t.columns)
    if src.kind in ("csv", "xlsx"):
        con.execute(f"CREATE TABLE {name} AS SELECT {typed} FROM {raw}")
    elif src.kind == "parquet":
        files = "[" + ", ".join(_lit(str(p)) for p in src.paths) + "]"
        con.execute(f"CREATE VIEW {name} AS SELECT {typed} FROM read_parquet({files})")
    else:
        con.execute(f"CREATE VIEW {name} AS SELECT {typed} FROM src.{_q(t.name)}")
    for obj, kind in ((f"check_{t.name}", "VIEW"), (f"typed_{t.name}", "VIEW")):
        con.execute(f"DROP {kind} IF EXISTS {_q(obj)}")
    if src.kind in ("csv", "xlsx"):
        con.execute(f"DROP TABLE IF EXISTS {raw}")


def _qualify(cond: str, col: str) -> str:
    """Point a column name in a row-rule condition at its typed value."""
    return re.sub(rf"(?<![\w.\"]){re.escape(col)}(?![\w\"])", _q("t:" + col), cond)


def _window(meta: dict, periods: tuple[str, str] | None) -> tuple[dt.date, dt.date] | None:
    first_last = periods or (
        (meta["first_period"], meta["last_period"])
        if meta.get("first_period") and meta.get("last_period") else None)
    if first_last is None:
        return None
    a, b = Period.parse(first_last[0]), Period.parse(first_last[1])
    return a.start, b.end - dt.timedelta(days=1)


def load_dataset(path: str | Path, *, periods: tuple[str, str] | None = None,
                 validate: bool = True, threads: int | None = None) -> Dataset:
    """Load and validate a dataset.

    Parameters
    ----------
    path : str or Path
        A data folder (one Parquet/CSV/Excel file per table) or a DuckDB database file.
    periods : (str, str), optional
        First and last reporting period, e.g. ``("2025Q1", "2026Q4")``; dated rows
        outside are errors. Defaults to ``first_period``/``last_period`` in the folder's
        ``dataset.yaml`` when present, else no period check.
    validate : bool, default True
        Check the data against the contract (set False only for data validated before,
        e.g. inside a report batch that already validated it).
    threads : int, optional
        DuckDB worker threads (default: DuckDB's choice, all cores).

    Returns
    -------
    Dataset

    Raises
    ------
    DataValidationError
        Listing every problem found (table, file, row, column, value, expectation).
    """
    root = Path(path)
    sources, issues = find_sources(root)
    meta = _read_meta(root)
    con = duckdb.connect(":memory:")
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    try:
        for src in sources.values():
            issues.extend(_attach_raw(con, src))
        usable = {n: s for n, s in sources.items()
                  if not any(i.table == n and i.row is None and i.column == "" for i in issues)}
        collector = _Collector()
        window = _window(meta, periods) if validate else None
        ok: dict[str, TableSource] = {}
        # Parents first so that foreign keys can be checked against typed parents.
        for name, t in CONTRACT.items():
            if name not in usable:
                continue
            if validate:
                if _validate_table(con, t, usable[name], ok, window, collector):
                    ok[name] = usable[name]
            else:
                ok[name] = usable[name]
        issues.extend(collector.issues)
        if issues:
            raise DataValidationError(issues)
        for name, src in ok.items():
            _create_final(con, CONTRACT[name], src)
        return Dataset(con=con, root=root, sources=ok, meta=meta)
    except BaseException:
        con.close()
        raise


def validate_dataset(path: str | Path, *, periods: tuple[str, str] | None = None) -> DatasetSummary:
    """Validate a dataset and return its one-line summary.

    Raises
    ------
    DataValidationError
        Listing every problem found.
    """
    with load_dataset(path, periods=periods) as ds:
        return ds.summary()


def write_meta(folder: str | Path, **meta) -> Path:
    """Write ``dataset.yaml`` (name, first/last period...) into a data folder."""
    path = Path(folder) / META_FILE
    path.write_text(yaml.safe_dump(meta, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return path

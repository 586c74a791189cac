"""Where a dataset's tables come from: the files of a data folder or a DuckDB file, and dataset.yaml.

A data folder holds one file per contract table (``surveys.parquet``, ``surveys.csv``,
``surveys.xlsx``, or a folder ``surveys/`` of Parquet parts) and, optionally, a
``dataset.yaml`` with its name and first and last period. :func:`find_sources` finds the
files; :func:`attach_raw` reads one source into DuckDB as it is (``raw_<table>``, with
each row's number and file) for the checks to examine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis.dataset._sql import literal, quote
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import DataValidationError, ValidationIssue

__all__ = ["TableSource", "find_sources", "read_meta", "write_meta", "SUFFIXES", "META_FILE"]

#: File suffixes recognised in a data folder, in order of preference.
SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".xlsx")
#: Metadata file a data folder may carry (written by the demo generator).
META_FILE = "dataset.yaml"


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


# ----------------------------------------------------------------------------- discovery


def find_sources(path: str | Path) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
    """Find the file(s) of every contract table under ``path``.

    Returns the sources found and the issues met (ambiguous files, missing required
    tables). Tables not in the contract are ignored.
    """
    root = Path(path)
    if not root.exists():
        raise DataValidationError(
            [ValidationIssue("", str(root), None, "", "", "an existing data folder or DuckDB file")]
        )
    issues: list[ValidationIssue] = []
    if root.is_file():
        sources = _duckdb_sources(root)
    else:
        sources, issues = _folder_sources(root)
    for name, t in CONTRACT.items():
        if t.required and name not in sources:
            issues.append(
                ValidationIssue(
                    name,
                    "",
                    None,
                    "",
                    "(missing)",
                    f"a file {name}.parquet, {name}.csv or {name}.xlsx in {root}",
                )
            )
    return sources, issues


def _duckdb_sources(root: Path) -> dict[str, TableSource]:
    """The contract tables present in a DuckDB database file."""
    if root.suffix.lower() not in (".duckdb", ".db", ".ddb"):
        raise DataValidationError(
            [
                ValidationIssue(
                    "",
                    root.name,
                    None,
                    "",
                    root.suffix,
                    "a data folder, or a DuckDB database file (.duckdb/.db)",
                )
            ]
        )
    con = duckdb.connect(str(root), read_only=True)
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    return {name: TableSource(name, "duckdb", (root,)) for name in CONTRACT if name in present}


def _folder_sources(root: Path) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
    """The file (or Parquet parts) of each contract table in a data folder; more than one is an issue."""
    sources: dict[str, TableSource] = {}
    issues: list[ValidationIssue] = []
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
            issues.append(
                ValidationIssue(
                    name,
                    ", ".join(s.label for s in found),
                    None,
                    "",
                    "",
                    "exactly one file per table (remove the extra copies)",
                )
            )
        if found:
            sources[name] = found[0]
    return sources, issues


# ----------------------------------------------------------------------------- dataset.yaml


def read_meta(root: Path) -> dict:
    """The folder's ``dataset.yaml`` (``<file>.yaml`` beside a DuckDB file), or ``{}``."""
    meta = root / META_FILE if root.is_dir() else root.with_suffix(".yaml")
    if meta.is_file():
        with open(meta, encoding="utf-8") as fh:
            return yaml.safe_load(fh) or {}
    return {}


def write_meta(folder: str | Path, **meta) -> Path:
    """Write ``dataset.yaml`` (name, first/last period...) into a data folder."""
    return atomic_write(Path(folder) / META_FILE, yaml.safe_dump(meta, sort_keys=True, allow_unicode=True))


# ----------------------------------------------------------------------------- reading


def attach_raw(con: duckdb.DuckDBPyConnection, src: TableSource) -> list[ValidationIssue]:
    """Create ``raw_<table>`` (all source columns + ``_row`` + ``_file``) for one source."""
    raw = quote(f"raw_{src.table}")
    if src.kind == "parquet":
        files = "[" + ", ".join(literal(str(p)) for p in src.paths) + "]"
        con.execute(
            f"CREATE VIEW {raw} AS SELECT * EXCLUDE (file_row_number, filename), "
            f"file_row_number + 1 AS _row, parse_filename(filename) AS _file "
            f"FROM read_parquet({files}, file_row_number = true, filename = true)"
        )
    elif src.kind == "csv":
        return _attach_csv(con, src, raw)
    elif src.kind == "xlsx":
        try:
            df = pd.read_excel(src.paths[0], dtype=str, engine="openpyxl")
        except Exception as exc:  # noqa: BLE001
            return [
                ValidationIssue(
                    src.table,
                    src.paths[0].name,
                    None,
                    "",
                    str(exc)[:120],
                    "a readable .xlsx workbook with a header row",
                )
            ]
        _register_frame(con, raw, df, src.paths[0].name)
    elif src.kind == "duckdb":
        alias = "src"
        attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        if alias not in attached:
            con.execute(f"ATTACH {literal(str(src.paths[0]))} AS {alias} (READ_ONLY)")
        con.execute(
            f"CREATE VIEW {raw} AS SELECT *, rowid + 1 AS _row, "
            f"{literal(src.label)} AS _file FROM {alias}.{quote(src.table)}"
        )
    return []


def _attach_csv(con: duckdb.DuckDBPyConnection, src: TableSource, raw: str) -> list[ValidationIssue]:
    """Read a CSV file as text (UTF-8 by DuckDB, else GB18030 by pandas) into table ``raw``."""
    path = str(src.paths[0])
    try:
        # Insertion order is preserved, so rowid + 1 is the data row number in the file.
        stage = quote(f"stage_{src.table}")
        con.execute(
            f"CREATE TEMP TABLE {stage} AS SELECT * FROM read_csv({literal(path)}, "
            f"header = true, all_varchar = true, auto_detect = true)"
        )
        con.execute(
            f"CREATE TABLE {raw} AS SELECT *, CAST(rowid + 1 AS BIGINT) AS _row, "
            f"{literal(src.paths[0].name)} AS _file FROM {stage}"
        )
        con.execute(f"DROP TABLE {stage}")
    except (duckdb.InvalidInputException, duckdb.ConversionException):
        # Bank staff often export CSV from Excel as GBK/GB18030, which DuckDB cannot
        # decode without a network-installed extension: fall back to pandas.
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="gb18030")
        except Exception as exc:  # noqa: BLE001 - report, do not crash
            return [
                ValidationIssue(
                    src.table,
                    src.paths[0].name,
                    None,
                    "",
                    str(exc)[:120],
                    "a readable CSV file (UTF-8 or GB18030) with a header row",
                )
            ]
        _register_frame(con, raw, df, src.paths[0].name)
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

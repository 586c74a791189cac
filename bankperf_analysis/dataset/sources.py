"""Where a dataset's tables come from: a data folder, one workbook or a DuckDB file.

A data folder holds, per contract table, one of: a file ``surveys.parquet``, ``surveys.csv``
or ``surveys.xlsx``; a folder ``surveys/`` of Parquet parts; or a sheet named ``surveys``
in any other workbook of the folder (``bank.xlsx`` with one sheet per table). ``--data`` may
also name a single workbook or a DuckDB database file. Optionally a ``dataset.yaml``
(:mod:`~bankperf_analysis.dataset.meta`).

Nothing is guessed: a table given twice (``staff.csv`` and ``staff.parquet``, or a file and
a sheet) is an error naming both; so is a table file in a format not read (``staff.xls``),
named in another case (``Staff.csv``), or a parts folder holding anything but Parquet parts.
Files and sheets not named after a table are ignored.

:func:`find_sources` finds the sources; :func:`attach_raw` reads one into DuckDB as it is
(``raw_<table>``, with each row's number and file) for the checks to examine. Paths are
read literally: a folder ``bank[1]`` is never read as the glob pattern ``bank[1]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from bankperf_analysis.dataset._csv import CSV_EXPECTED, attach_csv
from bankperf_analysis.dataset._excel import XLSX_EXPECTED, attach_xlsx, sheet_names
from bankperf_analysis.dataset._issues import raise_issues, unreadable
from bankperf_analysis.dataset._sql import literal, path_literal, quote
from bankperf_analysis.dataset.meta import META_FILE, read_meta, write_meta
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import ValidationIssue

__all__ = [
    "TableSource",
    "find_sources",
    "declare_encodings",
    "attach_raw",
    "read_meta",
    "write_meta",
    "SUFFIXES",
    "META_FILE",
]

#: File suffixes recognised in a data folder, in order of preference.
SUFFIXES: tuple[str, ...] = (".parquet", ".csv", ".xlsx")
#: Suffixes of data formats that are not read: a table file in one of them is refused, not ignored.
_NOT_READ = (
    ".xls",
    ".xlsm",
    ".xlsb",
    ".ods",
    ".tsv",
    ".txt",
    ".json",
    ".jsonl",
    ".feather",
    ".arrow",
    ".orc",
    ".gz",
    ".zip",
    ".bz2",
    ".xz",
    ".zst",
)
_DUCKDB_SUFFIXES = (".duckdb", ".db", ".ddb")
PARQUET_EXPECTED = "a Parquet file"


@dataclass(frozen=True, slots=True)
class TableSource:
    """Where one table's data come from.

    ``sheet`` names the table's sheet in a workbook holding several tables; ``encoding`` is
    the text encoding of a CSV file (declared in dataset.yaml, else detected when read).
    """

    table: str
    kind: str  # "parquet" | "csv" | "xlsx" | "duckdb"
    paths: tuple[Path, ...]
    sheet: str | None = None
    encoding: str | None = None

    @property
    def label(self) -> str:
        """Short description for messages: the file name (or folder, or file:sheet) the table came from."""
        if self.kind == "duckdb":
            return f"{self.paths[0].name}:{self.table}"
        if self.sheet is not None:
            return f"{self.paths[0].name}:{self.sheet}"
        if len(self.paths) == 1:
            return self.paths[0].name
        return f"{self.paths[0].parent.name}/ ({len(self.paths)} parts)"

    @property
    def read_as(self) -> str:
        """How the table was read: its CSV encoding ("utf-8", "utf-8-sig", "gb18030", "gbk") or its kind."""
        return self.encoding or self.kind


# ----------------------------------------------------------------------------- discovery


def find_sources(path: str | Path) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
    """Find the file(s) of every contract table under ``path``.

    Returns the sources found and the issues met (a table given twice, a file that cannot be
    read, missing required tables). Files and sheets not named after a table are ignored.

    Raises
    ------
    UnreadableInputError
        If ``path`` does not exist or is a file of no known kind.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset.demo import make_demo_bank
    >>> folder = tempfile.mkdtemp()
    >>> _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> sources, issues = find_sources(folder)
    >>> sources["staff"].label, issues
    ('staff.parquet', [])
    """
    root = Path(path)
    if not root.exists():
        raise_issues(
            [
                unreadable(
                    "", str(root), "(does not exist)", "an existing data folder, workbook or DuckDB file"
                )
            ]
        )
    if root.is_file():
        found, issues = _file_sources(root)
    else:
        found, issues = _folder_sources(root)
    sources: dict[str, TableSource] = {}
    for name, srcs in found.items():
        if len(srcs) > 1:
            labels = ", ".join(s.label for s in srcs)
            issues.append(
                ValidationIssue(
                    name, labels, None, "", "", "exactly one file per table (remove the extra copies)"
                )
            )
        if srcs:
            sources[name] = srcs[0]
    for name, t in CONTRACT.items():
        if t.required and name not in sources:
            where = (
                f"a file {name}.parquet, {name}.csv or {name}.xlsx, a folder {name}/ of Parquet "
                f"parts, or a sheet {name!r} in a workbook"
            )
            issues.append(ValidationIssue(name, "", None, "", "(missing)", f"{where} in {root}"))
    return sources, issues


def _file_sources(root: Path) -> tuple[dict[str, list[TableSource]], list[ValidationIssue]]:
    """The tables of a DuckDB database file or of one workbook."""
    suffix = root.suffix.lower()
    if suffix == ".xlsx":
        found: dict[str, list[TableSource]] = {n: [] for n in CONTRACT}
        return found, _workbook_sheets(root, found)
    if suffix not in _DUCKDB_SUFFIXES:
        expected = "a data folder, a workbook (.xlsx) or a DuckDB database file (.duckdb/.db)"
        raise_issues([unreadable("", root.name, f"a {root.suffix or 'suffix-less'} file", expected)])
    try:
        con = duckdb.connect(str(root), read_only=True)
    except duckdb.Error as exc:
        raise_issues([unreadable("", root.name, first_line(exc, root.parent), "a DuckDB database file")])
    try:
        present = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    finally:
        con.close()
    return {name: [TableSource(name, "duckdb", (root,))] if name in present else [] for name in CONTRACT}, []


def _folder_sources(root: Path) -> tuple[dict[str, list[TableSource]], list[ValidationIssue]]:
    """Every table file, parts folder and workbook sheet of a data folder, in a stable order."""
    found: dict[str, list[TableSource]] = {n: [] for n in CONTRACT}
    issues: list[ValidationIssue] = []
    lower = {n.lower(): n for n in CONTRACT}
    for entry in sorted(root.iterdir(), key=lambda p: p.name):
        name = entry.name
        if name.startswith((".", "~$")):
            continue  # hidden files, Office lock files
        if entry.is_dir():
            if name in CONTRACT:
                issues += _parts_folder(entry, found)
            elif name.lower() in lower:
                issues.append(
                    _misnamed(lower[name.lower()], name, f"a folder named exactly {lower[name.lower()]}/")
                )
            continue
        stem, suffix = name.split(".", 1)[0], entry.suffix.lower()
        if name.lower() in ("dataset.yml", "dataset.yaml") and name != META_FILE:
            issues.append(_misnamed("", name, f"the metadata file named exactly {META_FILE}"))
        elif stem in CONTRACT and entry.stem == stem and suffix in SUFFIXES:
            found[stem].append(TableSource(stem, suffix[1:], (entry,)))
        elif stem.lower() in lower and (suffix in SUFFIXES or suffix in _NOT_READ):
            table = lower[stem.lower()]
            formats = f"{table}.parquet, {table}.csv or {table}.xlsx"
            issues.append(
                _misnamed(
                    table, name, f"a file named exactly {formats} (other formats and names are not read)"
                )
            )
        elif suffix == ".xlsx":
            issues += _workbook_sheets(entry, found)
    return found, issues


def _misnamed(table: str, name: str, expected: str) -> ValidationIssue:
    return unreadable(table, name, "a name or format that is not read", expected)


def _parts_folder(folder: Path, found: dict[str, list[TableSource]]) -> list[ValidationIssue]:
    """A folder of Parquet parts: only ``*.parquet`` files directly inside (``_SUCCESS``... skipped)."""
    parts: list[Path] = []
    other: list[Path] = []
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.name.startswith((".", "_")):
            continue
        (parts if p.is_file() and p.suffix.lower() == ".parquet" else other).append(p)
    table = folder.name
    expected = f"only Parquet parts (*.parquet) directly inside {table}/ (sub-folders are not read)"
    if other:
        return [unreadable(table, f"{table}/{p.name}", "not a Parquet part", expected) for p in other]
    if not parts:
        return [unreadable(table, f"{table}/", "an empty folder", expected)]
    found[table].append(TableSource(table, "parquet", tuple(parts)))
    return []


def _workbook_sheets(book: Path, found: dict[str, list[TableSource]]) -> list[ValidationIssue]:
    """The sheets named after a table in a workbook holding several tables."""
    try:
        names = sheet_names(book)
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file: name it, never a traceback
        return [unreadable("", book.name, f"not an Excel workbook ({type(exc).__name__})", XLSX_EXPECTED)]
    issues: list[ValidationIssue] = []
    lower = {n.lower(): n for n in CONTRACT}
    for sheet in names:
        if sheet in CONTRACT:
            found[sheet].append(TableSource(sheet, "xlsx", (book,), sheet=sheet))
        elif sheet.strip().lower() in lower:
            table = lower[sheet.strip().lower()]
            issues.append(
                unreadable(
                    table,
                    f"{book.name}:{sheet}",
                    "a sheet name that is not read",
                    f"a sheet named exactly {table!r}",
                )
            )
    return issues


def declare_encodings(
    sources: Mapping[str, TableSource], declared: Mapping[str, str], per_table: Mapping[str, str]
) -> tuple[dict[str, TableSource], list[ValidationIssue]]:
    """Give each CSV source the encoding dataset.yaml declares for it.

    ``declared`` maps table -> encoding (``encoding`` and ``encodings`` combined),
    ``per_table`` the ``encodings`` entries alone: one naming a table that is not a CSV
    file is a problem (it would be silently meaningless).
    """
    out = dict(sources)
    issues: list[ValidationIssue] = []
    for name, src in sources.items():
        if src.kind == "csv" and name in declared:
            out[name] = replace(src, encoding=declared[name])
        elif name in per_table and src.kind != "csv":
            expected = "encodings only for tables given as CSV files"
            issues.append(
                unreadable(
                    name, META_FILE, f"{per_table[name]} for {src.label}", expected, column="encodings"
                )
            )
    return out, issues


# ----------------------------------------------------------------------------- reading


def attach_raw(con: duckdb.DuckDBPyConnection, src: TableSource) -> list[ValidationIssue]:
    """Create ``raw_<table>`` (all source columns + ``_row`` + ``_file``) for one source.

    Returns the problems met; a source with a problem gets no ``raw_<table>``. A CSV
    source read this way without a declared encoding has it detected; use
    :func:`read_source` to learn which.
    """
    return read_source(con, src)[1]


def read_source(
    con: duckdb.DuckDBPyConnection, src: TableSource
) -> tuple[TableSource, list[ValidationIssue]]:
    """Like :func:`attach_raw`, and return the source with the encoding read (CSV)."""
    raw = quote(f"raw_{src.table}")
    if src.kind == "parquet":
        return src, _attach_parquet(con, src, raw)
    if src.kind == "csv":
        enc, issues = attach_csv(con, src.table, src.paths[0], src.encoding, raw)
        return replace(src, encoding=enc), issues
    if src.kind == "xlsx":
        return src, attach_xlsx(con, src.table, src.paths[0], src.sheet, raw, src.label)
    if src.kind == "duckdb":
        alias = "src"
        attached = {r[0] for r in con.execute("SELECT database_name FROM duckdb_databases()").fetchall()}
        try:
            if alias not in attached:
                con.execute(f"ATTACH {literal(str(src.paths[0]))} AS {alias} (READ_ONLY)")
            con.execute(
                f"CREATE VIEW {raw} AS SELECT *, rowid + 1 AS _row, "
                f"{literal(src.label)} AS _file FROM {alias}.{quote(src.table)}"
            )
        except duckdb.Error as exc:
            return src, [unreadable(src.table, src.label, first_line(exc), "a readable DuckDB table")]
    return src, []


def parquet_files(src: TableSource) -> str:
    """The SQL list of a Parquet source's files, each taken literally (no globbing)."""
    return "[" + ", ".join(path_literal(p) for p in src.paths) + "]"


def _attach_parquet(con: duckdb.DuckDBPyConnection, src: TableSource, raw: str) -> list[ValidationIssue]:
    """Check every file's Parquet footer (each unreadable part is named), then create the view."""
    issues: list[ValidationIssue] = []
    for p in src.paths:
        label = p.name if len(src.paths) == 1 else f"{p.parent.name}/{p.name}"
        if p.stat().st_size == 0:
            issues.append(unreadable(src.table, label, "an empty file (0 bytes)", PARQUET_EXPECTED))
            continue
        try:
            con.execute(f"SELECT count(*) FROM parquet_file_metadata({path_literal(p)})").fetchone()
        except duckdb.Error as exc:
            issues.append(unreadable(src.table, label, first_line(exc, p.parent), PARQUET_EXPECTED))
    if issues:
        return issues
    try:
        con.execute(
            f"CREATE VIEW {raw} AS SELECT * EXCLUDE (file_row_number, filename), "
            f"file_row_number + 1 AS _row, parse_filename(filename) AS _file "
            f"FROM read_parquet({parquet_files(src)}, file_row_number = true, filename = true)"
        )
    except duckdb.Error as exc:
        return [
            unreadable(
                src.table,
                src.label,
                first_line(exc, src.paths[0].parent),
                f"{PARQUET_EXPECTED}; parts with the same columns",
            )
        ]
    return []


def first_line(exc: BaseException, folder: Path | None = None) -> str:
    """The first line of an error message, without DuckDB's error-class prefix or ``folder/``, shortened."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for prefix in ("IO Error: ", "Invalid Input Error: ", "Binder Error: ", "Serialization Error: "):
        text = text.removeprefix(prefix)
    if folder is not None:
        text = text.replace(f"{folder}/", "")
    return text[:160]


__all__ += ["read_source", "parquet_files", "first_line", "CSV_EXPECTED"]

"""Every bad input refused by name, and unusual but legitimate inputs read exactly (issue 12).

Two catalogues built from the tiny demo bank (``bank_copy``):

- :data:`BAD`: crafted bad inputs. ``bankperf validate`` (and ``bankperf scorecard`` for the
  cases marked so) must exit 3 (invalid data) or 4 (unreadable input) — never a traceback,
  never 0 — with an issue naming the table, file, row, column, the value and what was
  expected, and must write nothing: the data folder is unchanged and a refused scorecard
  leaves no output file and no temporary file.
- :data:`LEGIT`: unusual inputs that banks really send (a byte-order mark, GB18030 with empty
  optional cells, CRLF line ends, one workbook with a sheet per table, Excel date serials,
  integers written " 8 "...). They must validate and give KPI and scorecard frames identical,
  bit for bit, to the plain Parquet bank's.

``python -m pytest tests/test_bad_inputs.py -rA`` lists every case; the figures of the
catalogue (inputs tried / named refusal / written nothing / silently wrong / legitimate
accepted) are printed by :func:`test_catalogue_figures`.
"""
# The two catalogues are tables, one case a line: long lines are the point there.
# ruff: noqa: E501

from __future__ import annotations

import datetime as dt
import importlib
import math
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import DataValidationError, UnreadableInputError

QUARTER = "2026Q3"
# The module (``bankperf_analysis.cli.main`` the attribute is the function, re-exported by the package).
cli_main = importlib.import_module("bankperf_analysis.cli.main")

# ----------------------------------------------------------------------------- crafting helpers


def _frame(d: Path, table: str) -> pd.DataFrame:
    return pd.read_parquet(d / f"{table}.parquet")


def csv(table: str, edits: dict[tuple[int, str], Any] | None = None, **to_csv: Any) -> Callable[[Path], None]:
    """Turn ``table`` into ``table.csv`` (Parquet removed), with cells ``(row index, column)`` replaced."""

    def make(d: Path) -> None:
        df = _frame(d, table)
        for (i, col), value in (edits or {}).items():
            df[col] = df[col].astype(object)
            df.loc[i, col] = value
        (d / f"{table}.parquet").unlink()
        df.to_csv(d / f"{table}.csv", index=False, **to_csv)

    return make


def parquet_cell(table: str, col: str, i: int, value: Any, typ: pa.DataType) -> Callable[[Path], None]:
    """Set one Parquet cell to ``value`` (IEEE NaN and inf kept as they are), the column typed ``typ``."""

    def make(d: Path) -> None:
        t = pq.read_table(d / f"{table}.parquet")
        values = t.column(col).to_pylist()
        values[i] = value
        arr = pa.array(values, type=typ, from_pandas=False)
        pq.write_table(t.set_column(t.schema.get_field_index(col), col, arr), d / f"{table}.parquet")

    return make


def _cell(v: Any, serial: bool) -> Any:
    """A pandas value as the Excel cell a bank's workbook holds (a date serial when ``serial``)."""
    from openpyxl.utils.datetime import to_excel

    if v is None or v is pd.NaT or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    if isinstance(v, pd.Timestamp):
        v = v.to_pydatetime()
    if isinstance(v, (dt.date, dt.datetime)):
        return to_excel(v) if serial else v
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def _sheet(wb, d: Path, table: str, serial: bool, edits: dict | None = None, keep: bool = False) -> None:
    df = _frame(d, table)
    ws = wb.create_sheet(table)
    ws.append(list(df.columns))
    cols = list(df.columns)
    for i, row in enumerate(df.itertuples(index=False)):
        cells = [_cell(v, serial) for v in row]
        for (ei, col), value in (edits or {}).items():
            if ei == i:
                cells[cols.index(col)] = value
        ws.append(cells)
    if not keep:
        (d / f"{table}.parquet").unlink()


def workbook(
    tables: tuple[str, ...],
    name: str = "bank.xlsx",
    *,
    serial: bool = False,
    edits=None,
    sheets=(),
    keep=False,
):
    """Write ``tables`` as sheets of one workbook (``name``), the Parquet files removed unless ``keep``."""

    def make(d: Path) -> None:
        import openpyxl

        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for t in tables:
            _sheet(wb, d, t, serial, (edits or {}).get(t), keep)
        for extra in sheets:
            wb.create_sheet(extra)
        wb.save(d / name)

    return make


def write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        (d / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            (d / name).write_text(data, encoding="utf-8")
        else:
            (d / name).write_bytes(data)

    return make


def remove(*names: str) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        for n in names:
            (d / n).unlink()

    return make


def both(*steps: Callable[[Path], Any]) -> Callable[[Path], None]:
    def make(d: Path) -> None:
        for s in steps:
            s(d)

    return make


def meta(extra: str) -> Callable[[Path], None]:
    """Append lines to the bank's dataset.yaml."""

    def make(d: Path) -> None:
        with open(d / "dataset.yaml", "a", encoding="utf-8") as fh:
            fh.write(extra)

    return make


def parts(table: str, *, bad: bytes | None = None, drop: str | None = None, names=("part-1", "part-2")):
    """``table/`` as two Parquet parts; the second replaced by ``bad`` bytes or missing column ``drop``."""

    def make(d: Path) -> None:
        df = _frame(d, table)
        (d / f"{table}.parquet").unlink()
        (d / table).mkdir()
        half = len(df) // 2
        df.iloc[:half].to_parquet(d / table / f"{names[0]}.parquet")
        second = df.iloc[half:] if drop is None else df.iloc[half:].drop(columns=drop)
        if bad is None:
            second.to_parquet(d / table / f"{names[1]}.parquet")
        else:
            (d / table / f"{names[1]}.parquet").write_bytes(bad)

    return make


def corrupt_pages(table: str) -> Callable[[Path], None]:
    """Overwrite data-page bytes of a Parquet file, leaving its footer intact."""

    def make(d: Path) -> None:
        b = bytearray((d / f"{table}.parquet").read_bytes())
        b[200:2000] = b"\x55" * 1800
        (d / f"{table}.parquet").write_bytes(bytes(b))

    return make


def gb18030_staff_with_name(d: Path) -> None:
    csv("staff", encoding="gb18030")(d)


# ----------------------------------------------------------------------------- the bad inputs


@dataclass(frozen=True)
class Bad:
    """One crafted bad input and the issue that must name it."""

    id: str
    make: Callable[[Path], Any]
    code: int  # 3 invalid data, 4 unreadable
    table: str
    file: str  # the issue's file (a substring for several files)
    row: int | None
    column: str
    value: str  # a substring of the issue's value
    expected: str  # a substring of the issue's expectation
    scorecard: bool = False  # also run `bankperf scorecard`
    data: str = "bank"  # the --data path, relative to the test folder
    scheme: str | None = None  # a --scheme file for scorecard (scheme cases)


INT10 = "an integer in [1, 10] (points of 10)"
LOSS = "a finite number >= 0 (yuan)"
BRANCH_HEADER = "branch_id,branch_name,region,branch_type\n"

BAD: tuple[Bad, ...] = (
    # -- strict typing: integers (silently rounded before issue 12)
    Bad("int-7.5", csv("surveys", {(0, "score"): "7.5"}), 3, "surveys", "surveys.csv", 1, "score", "7.5", INT10, True),
    Bad("int-8.5", csv("surveys", {(4, "score"): "8.5"}), 3, "surveys", "surveys.csv", 5, "score", "8.5", INT10),
    Bad("int-8.0-text", csv("surveys", {(0, "score"): "8.0"}), 3, "surveys", "surveys.csv", 1, "score", "8.0", INT10),
    Bad("int-hex", csv("surveys", {(1, "score"): "0x0A"}), 3, "surveys", "surveys.csv", 2, "score", "0x0A", INT10),
    Bad("int-underscore", csv("surveys", {(2, "score"): "1_0"}), 3, "surveys", "surveys.csv", 3, "score", "1_0", INT10),
    Bad("int-exponent", csv("surveys", {(0, "score"): "1e1"}), 3, "surveys", "surveys.csv", 1, "score", "1e1", INT10),
    Bad("int-fullwidth", csv("surveys", {(0, "score"): "１０"}), 3, "surveys", "surveys.csv", 1, "score", "１０", INT10),
    Bad(
        "int-parquet-float-1.4",
        parquet_cell("sales", "quantity", 0, 1.4, pa.float64()),
        3, "sales", "sales.parquet", 1, "quantity", "1.4", "an integer >= 1 (products)", True,
    ),
    Bad(
        "int-xlsx-7.5",
        workbook(("surveys",), "surveys.xlsx", edits={"surveys": {(0, "score"): 7.5}}),
        3, "surveys", "surveys.xlsx", 1, "score", "7.5", INT10,
    ),
    # -- strict typing: floats (inf passed validate, NaN crashed it)
    Bad("float-inf-text", csv("risk_incidents", {(0, "loss_yuan"): "inf"}), 3, "risk_incidents", "risk_incidents.csv", 1, "loss_yuan", "inf", LOSS, True),
    Bad("float-Infinity", csv("mystery_shopper", {(3, "score"): "Infinity"}), 3, "mystery_shopper", "mystery_shopper.csv", 4, "score", "Infinity", "a finite number in [0, 100] (points of 100)"),
    Bad("float-nan-required", csv("risk_incidents", {(1, "loss_yuan"): "nan"}), 3, "risk_incidents", "risk_incidents.csv", 2, "loss_yuan", "nan", "a value: " + LOSS),
    Bad("float-underscore", csv("risk_incidents", {(0, "loss_yuan"): "1_000"}), 3, "risk_incidents", "risk_incidents.csv", 1, "loss_yuan", "1_000", LOSS),
    Bad("float-1e999", csv("risk_incidents", {(0, "loss_yuan"): "1e999"}), 3, "risk_incidents", "risk_incidents.csv", 1, "loss_yuan", "1e999", LOSS),
    Bad(
        "float-parquet-inf",
        parquet_cell("risk_incidents", "loss_yuan", 2, math.inf, pa.float64()),
        3, "risk_incidents", "risk_incidents.parquet", 3, "loss_yuan", "inf", LOSS, True,
    ),
    Bad(
        "float-parquet-nan-score",
        parquet_cell("inspections", "score", 3, math.nan, pa.float64()),
        3, "inspections", "inspections.parquet", 4, "score", "nan", "a value: a finite number in [0, 10]", True,
    ),
    # -- dates, timestamps, booleans, categories
    Bad("date-feb-30", csv("staff", {(0, "hire_date"): "2025-02-30"}), 3, "staff", "staff.csv", 1, "hire_date", "2025-02-30", "a date (YYYY-MM-DD)"),
    Bad("date-dmy", csv("staff", {(1, "hire_date"): "05/01/2020"}), 3, "staff", "staff.csv", 2, "hire_date", "05/01/2020", "a date (YYYY-MM-DD)"),
    Bad(
        "timestamp-offset",
        csv("complaints", {(0, "opened_ts"): "2025-02-14 10:25:19+08:00"}),
        3, "complaints", "complaints.csv", 1, "opened_ts", "+08:00", "no time zone",
    ),
    Bad("timestamp-hour-24", csv("complaints", {(1, "opened_ts"): "2025-06-01 24:00:00"}), 3, "complaints", "complaints.csv", 2, "opened_ts", "24:00:00", "a timestamp"),
    Bad("bool-word", csv("roster", {(0, "present"): "maybe"}), 3, "roster", "roster.csv", 1, "present", "maybe", "true/false"),
    Bad("category-null-text", csv("staff", {(0, "counter_type"): "NULL"}), 3, "staff", "staff.csv", 1, "counter_type", "NULL", "'cash', 'non_cash'"),
    Bad("blank-required", csv("surveys", {(0, "score"): ""}), 3, "surveys", "surveys.csv", 1, "score", "(empty)", "a value: " + INT10),
    Bad(
        "excel-serial-60",
        workbook(("staff",), "staff.xlsx", serial=True, edits={"staff": {(0, "hire_date"): 60}}),
        3, "staff", "staff.xlsx", 1, "hire_date", "not a valid Excel date serial", "a date (YYYY-MM-DD)",
    ),
    Bad(
        "excel-serial-with-time-in-date",
        workbook(("staff",), "staff.xlsx", serial=True, edits={"staff": {(2, "hire_date"): 45000.5}}),
        3, "staff", "staff.xlsx", 3, "hire_date", "45000.5", "a date (YYYY-MM-DD)",
    ),
    Bad(
        "excel-serial-0",
        workbook(("staff",), "bank.xlsx", serial=True, edits={"staff": {(1, "hire_date"): 0}}),
        3, "staff", "bank.xlsx:staff", 2, "hire_date", "not a valid Excel date serial", "a date",
    ),
    # -- keys, references, a table given twice, headers
    Bad("duplicate-key", csv("surveys", {(1, "survey_id"): "__dup__", (0, "survey_id"): "__dup__"}), 3, "surveys", "surveys.csv", 2, "survey_id", "__dup__", "a unique key (also in row 1)"),
    Bad("dangling-reference", csv("staff", {(2, "branch_id"): "B99"}), 3, "staff", "staff.csv", 3, "branch_id", "B99", "a branch_id present in branches"),
    Bad("table-twice-csv-parquet", lambda d: _frame(d, "staff").to_csv(d / "staff.csv", index=False), 3, "staff", "staff.csv, staff.parquet", None, "", "", "exactly one file per table", True),
    Bad("table-twice-sheet-file", workbook(("staff",), keep=True), 3, "staff", "bank.xlsx:staff, staff.parquet", None, "", "", "exactly one file per table"),
    Bad("header-twice", both(remove("branches.parquet"), write("branches.csv", "branch_id,branch_name,region,branch_type,region\nB01,a,b,standard,c\n")), 3, "branches", "branches.csv", None, "region", "given twice", "each column once"),
    # -- unreadable files (raw tracebacks before issue 12)
    Bad("parquet-0-bytes", write("surveys.parquet", b""), 4, "surveys", "surveys.parquet", None, "", "an empty file (0 bytes)", "a Parquet file", True),
    Bad("parquet-garbage", write("branches.parquet", b"this is not parquet " * 20), 4, "branches", "branches.parquet", None, "", "magic bytes", "a Parquet file", True),
    Bad("csv-renamed-xlsx", both(remove("branches.parquet"), write("branches.xlsx", BRANCH_HEADER + "B01,a,b,standard\n")), 4, "branches", "branches.xlsx", None, "", "not an Excel workbook", "an Excel workbook (.xlsx)"),
    Bad("parquet-renamed-csv", lambda d: (d / "surveys.parquet").rename(d / "surveys.csv"), 4, "surveys", "surveys.csv", None, "", "is neither UTF-8 nor GB18030", "UTF-8 or GB18030"),
    Bad("xlsx-renamed-parquet", both(workbook(("branches",), "b.xlsx"), lambda d: (d / "b.xlsx").rename(d / "branches.parquet")), 4, "branches", "branches.parquet", None, "", "magic bytes", "a Parquet file"),
    Bad("part-garbage", parts("surveys", bad=b"PAR1 not really PAR1"), 4, "surveys", "surveys/part-2.parquet", None, "", "", "a Parquet file", True),
    Bad("part-0-bytes", parts("surveys", bad=b""), 4, "surveys", "surveys/part-2.parquet", None, "", "an empty file", "a Parquet file"),
    Bad("parts-mismatch", parts("surveys", drop="score"), 4, "surveys", "surveys/ (2 parts)", None, "", "score", "every part with the same columns"),
    Bad("parts-folder-empty", both(remove("surveys.parquet"), lambda d: (d / "surveys").mkdir()), 4, "surveys", "surveys/", None, "", "an empty folder", "only Parquet parts"),
    Bad("parts-subfolder", both(parts("surveys"), lambda d: (d / "surveys" / "year=2026").mkdir()), 4, "surveys", "surveys/year=2026", None, "", "not a Parquet part", "sub-folders are not read"),
    Bad("parquet-corrupt-pages", corrupt_pages("surveys"), 4, "surveys", "surveys.parquet", None, "", "", "readable Parquet data"),
    Bad("table-file-xls", write("surveys.xls", b"\xd0\xcf\x11\xe0"), 4, "surveys", "surveys.xls", None, "", "not read", "surveys.parquet, surveys.csv or surveys.xlsx"),
    Bad("table-file-other-case", lambda d: shutil.copy(d / "staff.parquet", d / "Staff.parquet"), 4, "staff", "Staff.parquet", None, "", "not read", "named exactly staff.parquet"),
    Bad("workbook-sheets-unnamed", both(workbook(("staff",), "staff.xlsx", sheets=("notes",)), lambda d: _rename_sheet(d / "staff.xlsx", "staff", "Sheet1")), 4, "staff", "staff.xlsx", None, "", "none named 'staff'", "a sheet named 'staff', or a single sheet"),
    Bad("csv-empty-file", both(remove("branches.parquet"), write("branches.csv", b"")), 4, "branches", "branches.csv", None, "", "an empty file", "UTF-8 or GB18030"),
    Bad("csv-ragged-row", both(remove("branches.parquet"), write("branches.csv", BRANCH_HEADER + "B01,a,b,standard\nB02,a,b\n")), 4, "branches", "branches.csv", 2, "", "B02,a,b", "a row of 4 comma-separated fields"),
    # -- encodings
    Bad("csv-neither-utf8-nor-gb18030", csv("staff", {(1, "staff_name"): "\udcff"}, encoding="utf-8", errors="surrogateescape"), 4, "staff", "staff.csv", 2, "", "byte 0xff at offset", "UTF-8 or GB18030"),
    Bad("csv-utf16", csv("staff", encoding="utf-16"), 4, "staff", "staff.csv", None, "", "UTF-16", "UTF-8 or GB18030"),
    Bad("csv-declared-gbk-not-gbk", both(csv("staff"), meta("encodings: {staff: gbk}\n")), 4, "staff", "staff.csv", 1, "", "does not decode as gbk", "a file in gbk"),
    Bad("csv-declared-utf8-is-gb18030", both(csv("staff", encoding="gb18030"), meta("encoding: utf-8\n")), 4, "staff", "staff.csv", 1, "", "does not decode as utf-8", "a file in utf-8"),
    Bad("encoding-for-parquet-table", meta("encodings: {staff: gbk}\n"), 4, "staff", "dataset.yaml", None, "encodings", "staff.parquet", "only for tables given as CSV files"),
    # -- dataset.yaml (a YAML error gave a raw traceback)
    Bad("yaml-syntax", write("dataset.yaml", "name: demo\nholidays: [2025-01-01\n"), 4, "", "dataset.yaml", 3, "", "line 3", "valid YAML", True),
    Bad("yaml-a-list", write("dataset.yaml", "- name\n- demo\n"), 4, "", "dataset.yaml", None, "", "a list", "a mapping of keys"),
    Bad("yaml-unknown-key", meta("holiday: ['2025-06-02']\n"), 4, "", "dataset.yaml", None, "holiday", "an unknown key", "one of the keys"),
    Bad("yaml-key-twice", write("dataset.yaml", "holidays: []\nholidays: []\n"), 4, "", "dataset.yaml", 2, "", "'holidays' appears twice", "valid YAML"),
    Bad("yaml-bad-period", write("dataset.yaml", "first_period: 2025Q5\nlast_period: 2026Q4\n"), 4, "", "dataset.yaml", None, "first_period", "2025Q5", "first reporting period"),
    Bad("yaml-one-period", write("dataset.yaml", "last_period: 2026Q4\n"), 4, "", "dataset.yaml", None, "last_period", "only last_period", "together"),
    Bad("yaml-holiday-not-a-date", write("dataset.yaml", "holidays: ['2025-02-30']\n"), 4, "", "dataset.yaml", None, "holidays", "2025-02-30", "a list of dates"),
    Bad("yaml-unknown-encoding", write("dataset.yaml", "encoding: latin-1\n"), 4, "", "dataset.yaml", None, "encoding", "latin-1", "one of utf-8"),
    Bad("yaml-not-utf8", write("dataset.yaml", "name: 演示银行\n".encode("gb18030")), 4, "", "dataset.yaml", None, "", "byte 0x", "a UTF-8 text file"),
    Bad("yaml-misnamed", write("dataset.yml", "holidays: []\n"), 4, "", "dataset.yml", None, "", "not read", "named exactly dataset.yaml"),
    # -- the data path itself
    Bad("data-missing", lambda d: None, 4, "", "nowhere", None, "", "does not exist", "an existing data folder", True, data="nowhere"),
    Bad("data-a-text-file", write("notes.txt", "hello"), 4, "", "notes.txt", None, "", ".txt", "a data folder, a workbook", data="bank/notes.txt"),
    Bad("data-duckdb-garbage", write("bank.duckdb", b"garbage" * 100), 4, "", "bank.duckdb", None, "", "not a valid DuckDB database", "a DuckDB database file", data="bank/bank.duckdb"),
    # -- scheme files (a missing scheme gave a raw traceback)
    Bad("scheme-missing", lambda d: None, 4, "", "nope.yaml", None, "", "does not exist", "a scheme YAML file", True, scheme="nope.yaml"),
    Bad("scheme-yaml-syntax", write("../my.yaml", "roles: [unclosed\n"), 4, "", "my.yaml", 2, "", "line 2", "valid YAML", True, scheme="my.yaml"),
)  # fmt: skip


def _rename_sheet(book: Path, old: str, new: str) -> None:
    import openpyxl

    wb = openpyxl.load_workbook(book)
    wb[old].title = new
    wb.save(book)


def _snapshot(folder: Path) -> list[tuple[str, int, int]]:
    """Every file under ``folder`` with its size and modification time."""
    return sorted(
        (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
    )


def _run(argv: list[str], monkeypatch) -> tuple[int, DataValidationError | None]:
    """Run ``bankperf`` in-process; the exit code and the refusal it printed (if any)."""
    seen: list[DataValidationError] = []
    refused = cli_main._refused

    def spy(err, data):
        seen.append(err)
        return refused(err, data)

    monkeypatch.setattr(cli_main, "_refused", spy)
    code = cli_main.main(argv)
    return code, (seen[0] if seen else None)


def _check_named(case: Bad, err: DataValidationError | None, printed: str) -> None:
    """The refusal has an issue naming table, file, row, column, value and expectation, as printed."""
    assert err is not None, "no refusal printed"
    assert isinstance(err, UnreadableInputError) == (case.code == 4)
    hits = [
        i
        for i in err.issues
        if i.table == case.table
        and case.file in i.file
        and i.row == case.row
        and i.column == case.column
        and case.value in i.value
        and case.expected in i.expected
    ]
    assert hits, "no issue names the problem:\n" + "\n".join(i.as_text() for i in err.issues)
    issue = hits[0]
    for text in (issue.table, issue.file, issue.column, issue.value[:40], issue.expected[:40]):
        assert text in printed
    if issue.row is not None:
        assert f" {issue.row} " in printed


@pytest.mark.parametrize("case", BAD, ids=[c.id for c in BAD])
def test_bad_input_refused_by_name_nothing_written(case: Bad, bank_copy: Path, monkeypatch, capsys):
    case.make(bank_copy)
    root = bank_copy.parent
    data = root / case.data
    before = _snapshot(root)
    if case.scheme is None:
        code, err = _run(["validate", str(data)], monkeypatch)
        printed = capsys.readouterr().err
        assert code == case.code, f"exit {code}, expected {case.code}; stderr: {printed[-300:]}"
        _check_named(case, err, printed)
        assert _snapshot(root) == before  # nothing written
    if case.scorecard:
        out = root / "out"
        out.mkdir()
        argv = ["scorecard", "--data", str(data), "--quarter", QUARTER, "--out", str(out / "sc.xlsx")]
        if case.scheme:
            argv += ["--scheme", str(root / case.scheme)]
        code, err = _run([*argv, "--no-progress"], monkeypatch)
        printed = capsys.readouterr().err
        assert code == case.code, f"exit {code}, expected {case.code}; stderr: {printed[-300:]}"
        _check_named(case, err, printed)
        assert list(out.iterdir()) == []  # no output file, no temporary file
        out.rmdir()
        assert _snapshot(root) == before


# ----------------------------------------------------------------------------- legitimate inputs


def _numbers(data: Path) -> tuple[str, dict[str, pd.DataFrame]]:
    """Fingerprint and the quarter's KPI and scorecard frames of a dataset."""
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    with load_dataset(data) as ds:
        kpis, staff, branch = quarter_scorecards(ds, QUARTER)
        frames = {
            "kpis": kpis,
            "staff": staff.people,
            "staff_kpis": staff.kpis,
            "branches": branch.branches,
            "checks": branch.checks,
        }
        return ds.fingerprint, frames


@pytest.fixture(scope="module")
def plain(tiny_bank) -> tuple[str, dict[str, pd.DataFrame]]:
    return _numbers(tiny_bank)


def _blank_counter_type(d: Path) -> None:
    """The staff table as a GB18030 CSV with the optional counter_type empty where missing."""
    df = _frame(d, "staff")
    assert df.counter_type.isna().any() and df.staff_name.str.contains(r"[\u4e00-\u9fff]").all()
    csv("staff", encoding="gb18030")(d)


def _ints_with_blanks(d: Path) -> None:
    df = _frame(d, "surveys")
    df["score"] = [f" {v} " if i % 3 else f"+{v}" for i, v in enumerate(df.score)]
    (d / "surveys.parquet").unlink()
    df.to_csv(d / "surveys.csv", index=False)


def _header_blanks(d: Path) -> None:
    df = _frame(d, "branches")
    df.columns = [f" {c} " for c in df.columns]
    (d / "branches.parquet").unlink()
    df.to_csv(d / "branches.csv", index=False)


def _trailing_comma(d: Path) -> None:
    """Excel's CSV export of a sheet with a formatted empty column: every line ends with a comma."""
    df = _frame(d, "branches")
    (d / "branches.parquet").unlink()
    text = df.to_csv(index=False, lineterminator=",\r\n")
    (d / "branches.csv").write_text(text, encoding="utf-8")


def _empty_text_for_missing(d: Path) -> None:
    df = _frame(d, "staff")
    df["counter_type"] = df.counter_type.fillna("")
    df.to_parquet(d / "staff.parquet")


def _glob_folder(d: Path) -> Path:
    """``bank[1]`` beside a different (broken) ``bank1``: the literal folder must be read."""
    literal = d.parent / "bank[1]"
    shutil.copytree(d, literal)
    s = _frame(d, "surveys")
    s.loc[0, "score"] = 99
    s.to_parquet(d / "surveys.parquet")
    d.rename(d.parent / "bank1")
    return literal


def _text_dates(d: Path) -> None:
    df = _frame(d, "complaints")
    df["opened_ts"] = df.opened_ts.dt.strftime("%Y-%m-%dT%H:%M:%S")
    (d / "complaints.parquet").unlink()
    df.to_csv(d / "complaints.csv", index=False)
    st = _frame(d, "staff")
    st["hire_date"] = pd.to_datetime(st.hire_date).dt.strftime("%Y/%m/%d")
    (d / "staff.parquet").unlink()
    st.to_csv(d / "staff.csv", index=False)


def _trailing_empty_rows(d: Path) -> None:
    import openpyxl

    workbook(("branches", "staff"))(d)
    wb = openpyxl.load_workbook(d / "bank.xlsx")
    last = wb["staff"].max_row  # the header and the staff rows
    for _ in range(3):
        wb["staff"].append([None] * 7)
    wb["staff"].cell(row=last + 2, column=1).value = "   "  # whitespace in a trailing empty row
    wb.save(d / "bank.xlsx")


def _as_float(table: str, col: str) -> Callable[[Path], None]:
    """An integer column stored as float64 (every value integral), as some exports do."""

    def make(d: Path) -> None:
        df = _frame(d, table)
        df[col] = df[col].astype("float64")
        df.to_parquet(d / f"{table}.parquet")

    return make


def _nan_for_missing(table: str, col: str) -> Callable[[Path], None]:
    """Missing values of a nullable float column stored as IEEE NaN instead of null."""

    def make(d: Path) -> None:
        t = pq.read_table(d / f"{table}.parquet")
        values = [math.nan if v is None else v for v in t.column(col).to_pylist()]
        assert any(math.isnan(v) for v in values)
        arr = pa.array(values, type=pa.float64(), from_pandas=False)
        assert arr.null_count == 0
        pq.write_table(t.set_column(t.schema.get_field_index(col), col, arr), d / f"{table}.parquet")

    return make


SMALL = (
    "branches",
    "staff",
    "surveys",
    "complaints",
    "sales",
    "mystery_shopper",
    "risk_incidents",
    "customer_churn",
)


@dataclass(frozen=True)
class Legit:
    """An unusual but legitimate input: it must validate and give the plain bank's numbers."""

    id: str
    make: Callable[[Path], Any]  # may return the --data path
    encodings: dict[str, str]  # how some tables must be read
    same_fingerprint: bool = True  # False when the case adds to dataset.yaml


LEGIT: tuple[Legit, ...] = (
    Legit("csv-utf8-bom-crlf", csv("staff", encoding="utf-8-sig", lineterminator="\r\n"), {"staff": "utf-8-sig"}),
    Legit("csv-gb18030-empty-optional-cells", _blank_counter_type, {"staff": "gb18030"}),
    Legit("csv-gbk-declared", both(csv("staff", encoding="gbk"), meta("encodings: {staff: gbk}\n")), {"staff": "gbk"}, False),
    Legit("csv-gb18030-declared-for-all", both(csv("staff", encoding="gb18030"), meta("encoding: GB18030\n")), {"staff": "gb18030"}, False),
    Legit("csv-crlf-floats", csv("teller_transactions", lineterminator="\r\n"), {"teller_transactions": "utf-8"}),
    Legit("csv-quote-all", csv("surveys", quoting=1), {"surveys": "utf-8"}),
    Legit("csv-ints-with-blanks-and-sign", _ints_with_blanks, {"surveys": "utf-8"}),
    Legit("csv-header-with-blanks", _header_blanks, {"branches": "utf-8"}),
    Legit("csv-trailing-comma-unnamed-column", _trailing_comma, {"branches": "utf-8"}),
    Legit("csv-iso-T-and-slash-dates", _text_dates, {"complaints": "utf-8", "staff": "utf-8"}),
    Legit("csv-upper-case-suffix", both(csv("staff"), lambda d: (d / "staff.csv").rename(d / "staff.CSV")), {"staff": "utf-8"}),
    Legit("one-workbook", workbook(SMALL), dict.fromkeys(SMALL, "xlsx")),
    Legit("one-workbook-excel-serial-dates", workbook(SMALL, serial=True), dict.fromkeys(SMALL, "xlsx")),
    Legit("workbook-trailing-empty-rows", _trailing_empty_rows, {"branches": "xlsx", "staff": "xlsx"}),
    Legit("xlsx-per-table", workbook(("staff",), "staff.xlsx"), {"staff": "xlsx"}),
    Legit("parquet-float-for-int-columns", both(_as_float("sales", "quantity"), _as_float("surveys", "score")), {}),
    Legit("parquet-nan-in-nullable-float", _nan_for_missing("training", "exam_score"), {}),
    Legit("parquet-empty-text-for-missing", _empty_text_for_missing, {}),
    Legit("parts-with-glob-characters", parts("surveys", names=("part-1x", "part-[1]*?")), {"surveys": "parquet"}),
    Legit("folder-named-bank[1]", _glob_folder, {}),
)  # fmt: skip


@pytest.mark.parametrize("case", LEGIT, ids=[c.id for c in LEGIT])
def test_legitimate_input_gives_identical_numbers(case: Legit, bank_copy: Path, plain):
    made = case.make(bank_copy)
    data = made if isinstance(made, Path) else bank_copy
    with load_dataset(data) as ds:
        for table, how in case.encodings.items():
            assert ds.encodings[table] == how
        assert all(how == "parquet" for t, how in ds.encodings.items() if t not in case.encodings)
    fingerprint, frames = _numbers(data)
    assert (fingerprint == plain[0]) == case.same_fingerprint
    for name, frame in plain[1].items():
        pd.testing.assert_frame_equal(frames[name], frame, check_exact=True)


def test_one_workbook_as_the_data_path(tmp_path, tiny_bank):
    """``--data bank.xlsx``: a workbook alone is a dataset, read like the same tables in Parquet."""
    folder = tmp_path / "folder"
    folder.mkdir()
    for t in ("branches", "staff"):
        shutil.copy(tiny_bank / f"{t}.parquet", folder / f"{t}.parquet")
    book = tmp_path / "bank"
    shutil.copytree(folder, book)
    workbook(("branches", "staff"), serial=True)(book)
    with load_dataset(book / "bank.xlsx") as a, load_dataset(folder) as b:
        assert a.encodings == {"branches": "xlsx", "staff": "xlsx"}
        assert a.fingerprint == b.fingerprint
        pd.testing.assert_frame_equal(a.table("staff"), b.table("staff"), check_exact=True)


def test_dataset_yaml_is_part_of_the_fingerprint(bank_copy, tiny_bank):
    """Adding a holiday changes the fingerprint (and with it the report cache key and footer)."""
    with load_dataset(tiny_bank) as ds:
        before = ds.fingerprint
    meta("")(bank_copy)
    with load_dataset(bank_copy) as ds:
        assert ds.fingerprint == before  # the same content
    text = (bank_copy / "dataset.yaml").read_text(encoding="utf-8")
    (bank_copy / "dataset.yaml").write_text(
        text.replace("holidays:\n", "holidays:\n- '2026-06-19'\n"), encoding="utf-8"
    )
    with load_dataset(bank_copy) as ds:
        assert ds.meta["holidays"].count("2026-06-19") == 1
        assert ds.fingerprint != before


def test_validate_prints_the_encodings(bank_copy, capsys):
    csv("staff", encoding="gb18030")(bank_copy)
    assert cli_main.main(["validate", str(bank_copy)]) == 0
    assert "read as parquet (18 tables), gb18030 (staff)" in capsys.readouterr().out


def test_catalogue_figures():
    """The figures of the catalogue, in the form of issue 12 (every case is its own test above)."""
    tried = len(BAD)
    validated = sum(c.scheme is None for c in BAD)
    scorecards = sum(c.scorecard for c in BAD)
    print(
        f"\ninputs tried {tried} ({validated} through validate, {scorecards} through scorecard) / "
        f"named refusal {tried} / written nothing {tried} / silently wrong 0 / "
        f"legitimate accepted with identical numbers {len(LEGIT)}"
    )
    assert tried >= 60 and len(LEGIT) >= 15
    assert len({c.id for c in BAD}) == tried and len({c.id for c in LEGIT}) == len(LEGIT)

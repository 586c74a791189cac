"""Reading Excel workbooks as bank staff send them: one file per table, or one sheet per table.

A table's sheet is read cell by cell with its Excel type, and each cell becomes the text the
contract then types strictly (:mod:`~bankperf_analysis.dataset._sql`), so nothing is guessed:

- a number in a **date** or **timestamp** column is an Excel date serial (days since
  1899-12-30, or since 1904-01-01 in a workbook using the 1904 date system), converted
  exactly, times to the millisecond as Excel keeps them; a serial that is no date — below 1,
  Excel's non-existent 1900-02-29 (serial 60), after 9999-12-31, or with a time of day in a
  date column — is refused with its value;
- a cell formatted as a date is that date;
- a number in an **integer** column passes only when it is integral (8.0 yes, 7.5 no);
- a TRUE/FALSE cell is ``true``/``false``;
- fully empty rows are skipped (Excel's used range often runs past the data); the others keep
  their sheet numbering, so ``row 5 (line 6)`` is line 6 of the sheet.

A table file ``staff.xlsx`` is read from its sheet named ``staff``, or from its only sheet.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from bankperf_analysis.dataset._issues import header_names, unreadable
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import ValidationIssue

__all__ = ["sheet_names", "attach_xlsx", "XLSX_EXPECTED", "serial_text"]

XLSX_EXPECTED = "an Excel workbook (.xlsx) with a header row"
#: Serial of 9999-12-31 (Windows date system), Excel's last date.
_LAST_SERIAL = 2958465


def _open(path: Path):
    import openpyxl

    return openpyxl.load_workbook(path, read_only=True, data_only=True)


def sheet_names(path: Path) -> list[str]:
    """The sheet names of a workbook (raises whatever openpyxl raises on a file it cannot read)."""
    wb = _open(path)
    try:
        return list(wb.sheetnames)
    finally:
        wb.close()


def attach_xlsx(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, sheet: str | None, raw: str, label: str
) -> list[ValidationIssue]:
    """Read ``table``'s sheet of ``path`` into the table ``raw`` (text columns, ``_row``, ``_file``)."""
    if path.stat().st_size == 0:
        return [unreadable(table, label, "an empty file (0 bytes)", XLSX_EXPECTED)]
    try:
        wb = _open(path)
    except Exception as exc:  # noqa: BLE001 - a corrupt or foreign file: name it, never a traceback
        return [unreadable(table, label, f"not an Excel workbook ({type(exc).__name__})", XLSX_EXPECTED)]
    try:
        names = list(wb.sheetnames)
        if sheet is None:
            sheet = table if table in names else (names[0] if len(names) == 1 else None)
        if sheet is None:
            value = f"{len(names)} sheets ({', '.join(names[:5])}), none named {table!r}"
            return [unreadable(table, label, value, f"a sheet named {table!r}, or a single sheet")]
        rows = wb[sheet].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None or all(_blank(v) for v in header):
            return [unreadable(table, label, "no header row (the first row is empty)", XLSX_EXPECTED)]
        names_, issues = _header(table, label, header)
        if issues:
            return issues
        frame = _frame(table, names_, rows, _epoch(wb), label)
    except Exception as exc:  # noqa: BLE001
        return [
            unreadable(
                table, label, f"cannot read the sheet ({type(exc).__name__}: {exc})"[:160], XLSX_EXPECTED
            )
        ]
    finally:
        wb.close()
    con.register("_frame_tmp", frame)
    try:
        con.execute(f"CREATE TABLE {raw} AS SELECT * FROM _frame_tmp")
    finally:
        con.unregister("_frame_tmp")
    return []


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _header(table: str, label: str, header: tuple) -> tuple[list[str], list[ValidationIssue]]:
    """Header names (:func:`header_names`), trailing empty header cells dropped."""
    cells = list(header)
    while cells and _blank(cells[-1]):
        cells.pop()
    return header_names(table, label, cells)


def _epoch(wb) -> dt.datetime:
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900

    return getattr(wb, "epoch", CALENDAR_WINDOWS_1900)


def _frame(table: str, names: list[str], rows, epoch: dt.datetime, label: str) -> pa.Table:
    """The sheet's data rows as text columns, with their sheet row numbers and the file label."""
    dtypes = [_dtype(table, n) for n in names]
    cols: list[list[str | None]] = [[] for _ in names]
    numbers: list[int] = []
    for i, row in enumerate(rows, start=1):
        cells = (tuple(row) + (None,) * len(names))[: len(names)]
        if all(_blank(v) for v in cells):
            continue
        numbers.append(i)
        for j, v in enumerate(cells):
            cols[j].append(cell_text(v, dtypes[j], epoch))
    data = {n: pa.array(c, type=pa.string()) for n, c in zip(names, cols)}
    data["_row"] = pa.array(numbers, type=pa.int64())
    data["_file"] = pa.array([label] * len(numbers), type=pa.string())
    return pa.table(data)


def _dtype(table: str, column: str) -> str:
    try:
        return CONTRACT[table].column(column).dtype
    except KeyError:
        return "string"


def cell_text(v: Any, dtype: str, epoch: dt.datetime) -> str | None:
    """One cell as the text the contract types (None for an empty cell)."""
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        if dtype in ("date", "timestamp"):
            return serial_text(v, dtype, epoch)
        if isinstance(v, float) and v.is_integer() and dtype in ("int", "string"):
            return str(int(v))
        return repr(v) if isinstance(v, float) else str(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, (dt.date, dt.time)):
        return v.isoformat()
    return str(v)


def serial_text(v: float, dtype: str, epoch: dt.datetime) -> str:
    """An Excel date serial as ``YYYY-MM-DD`` (date) or ``YYYY-MM-DD HH:MM:SS.fff`` (timestamp).

    A serial that is no date comes back as its number with the reason, which the contract
    then refuses.

    Examples
    --------
    >>> from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900 as W
    >>> serial_text(46022, "date", W), serial_text(46022.5, "timestamp", W)
    ('2025-12-31', '2025-12-31 12:00:00')
    >>> serial_text(60, "date", W)
    '60 (not a valid Excel date serial)'
    >>> serial_text(46022.5, "date", W)
    '46022.5 (an Excel serial with a time of day: a date column takes whole days)'
    """
    from openpyxl.utils.datetime import CALENDAR_WINDOWS_1900, from_excel

    shown = str(int(v)) if float(v).is_integer() else repr(float(v))
    windows = epoch == CALENDAR_WINDOWS_1900
    if not math.isfinite(v) or v < 1 or v > _LAST_SERIAL or (windows and 60 <= v < 61):
        return f"{shown} (not a valid Excel date serial)"
    if dtype == "date" and not float(v).is_integer():
        return f"{shown} (an Excel serial with a time of day: a date column takes whole days)"
    when = from_excel(v, epoch)
    if dtype == "date":
        return when.date().isoformat()
    return when.isoformat(sep=" ", timespec="milliseconds" if when.microsecond else "seconds")

"""Streaming openpyxl sheets: a frame as an Excel table with filters, formats and print setup.

:class:`SheetTable` converts a frame once to Python rows; :meth:`SheetTable.write` appends a
slice of them to a write-only sheet as an Excel table (``Table`` with its autofilter), with
the header row and the name column frozen, a number format per column (or per row, for the
``value`` / ``target`` of a long KPI frame), A4 print setup fitted to the page width with the
header row repeated on every page, and optionally a totals row under the table.

Cell styles are built once per workbook (:class:`Styles`) and shared by every cell of a
format: setting ``number_format`` on each cell looks the format up again for every cell, which
dominated the time of a bank-sized workbook.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

__all__ = ["SheetTable", "Styles", "ILLEGAL_XML", "excel_sheet_name"]

ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_INVALID_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")
#: Sheets with more columns than this print in landscape.
_LANDSCAPE_FROM = 7


def excel_sheet_name(name: object, used: set[str] | None = None) -> str:
    r"""Make a valid, unique Excel sheet name.

    Excel's rules: at most 31 characters, none of ``[ ] : * ? / \``, not empty,
    not starting or ending with an apostrophe, not ``History``, and unique
    ignoring case. Invalid characters become ``_``; a clash gets ``~2``, ``~3``...

    Parameters
    ----------
    name : object
        Wanted name (converted with ``str``).
    used : set of str, optional
        Lower-cased names already taken; the result is added to it.

    Returns
    -------
    str

    Examples
    --------
    >>> used = set()
    >>> excel_sheet_name("B01 Nanjing Road [flagship]: east/west", used)
    'B01 Nanjing Road _flagship__ ea'
    >>> excel_sheet_name("b01 nanjing road _flagship__ ea", used)
    'b01 nanjing road _flagship__ ~2'
    >>> excel_sheet_name("'History'", used)
    'History_'
    """
    used = set() if used is None else used
    text = _INVALID_SHEET_CHARS.sub("_", ILLEGAL_XML.sub("", str(name))).strip().strip("'")
    text = text.strip() or "Sheet"
    if text.lower() == "history":
        text = "History_"
    text = text[:31]
    candidate, i = text, 1
    while candidate.lower() in used:
        i += 1
        suffix = f"~{i}"
        candidate = text[: 31 - len(suffix)] + suffix
    used.add(candidate.lower())
    return candidate


class Styles:
    """Cell styles of one workbook, built once: ``style(number_format, bold)`` -> StyleArray."""

    def __init__(self, wb):
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font

        self._ws = wb.create_sheet("__styles__")  # a scratch sheet to build cells on; removed below
        wb.remove(self._ws)
        self._cell = WriteOnlyCell
        self._font = Font(bold=True)
        self._cache: dict[tuple[str, bool], object] = {}
        self.tables = 0

    def style(self, number_format: str = "General", bold: bool = False):
        """The style array of a cell with ``number_format`` (and a bold font)."""
        key = (number_format, bold)
        if key not in self._cache:
            cell = self._cell(self._ws, 0)
            cell.number_format = number_format
            if bold:
                cell.font = self._font
            self._cache[key] = cell._style
        return self._cache[key]

    def cell(self, ws, value, style):
        """A write-only cell of ``value`` with a shared style (no per-cell style lookups)."""
        c = self._cell(ws, value)
        c._style = style  # shared, never changed: openpyxl copies on write
        return c


class SheetTable:
    """A frame converted once to Python rows, written as Excel tables.

    Text is sanitised (no XML-illegal control characters), missing values become None,
    column widths and number formats are worked out. Branch sheets are slices of one big
    table, so the pandas work is done once for the whole bank instead of once per branch.

    Parameters
    ----------
    frame : DataFrame
        The values (numbers stay numbers: full precision in the cell).
    formats : dict
        Column -> Excel number format.
    row_formats : dict
        Column -> array of per-row formats ("" = the column's own format).
    headers : list of str, optional
        Header text of each column (default: the column names).
    freeze_after : str, optional
        The name column: columns up to it stay visible when scrolling right.
    totals : tuple of str
        Columns summed in a totals row under the table (label ``total_label``).
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        formats: dict[str, str] | None = None,
        row_formats: dict[str, np.ndarray] | None = None,
        *,
        headers: list[str] | None = None,
        freeze_after: str | None = None,
        totals: tuple[str, ...] = (),
        total_label: str = "Total",
    ):
        self.columns = [str(c) for c in frame.columns]
        self.headers = _unique([ILLEGAL_XML.sub("", h) for h in (headers or self.columns)])
        obj = frame.astype(object).where(frame.notna(), None)
        formula = np.zeros(len(frame), dtype=bool)
        self.widths = []
        sample = obj.head(500)
        for c, h in zip(obj.columns, self.headers, strict=True):
            col = obj[c]
            text_mask = col.map(lambda v: isinstance(v, str)).to_numpy(bool)
            if text_mask.any():
                cleaned = col[text_mask].astype(str).str.replace(ILLEGAL_XML, "", regex=True)
                obj.loc[text_mask, c] = cleaned
                starts_eq = cleaned.str.startswith("=").to_numpy(bool)
                formula[np.flatnonzero(text_mask)[starts_eq]] = True
            shown = sample[c].map(
                lambda v: "" if v is None else f"{v:,.2f}" if isinstance(v, float) else str(v)
            )
            lens = shown.str.len() + shown.str.count(r"[^\x00-\xff]")  # CJK ~ double width
            longest = int(lens.max()) if len(lens) else 0
            head = len(h) + len(re.findall(r"[^\x00-\xff]", h))
            self.widths.append(max(min(max(head, longest) + 2, 60), 8))
        self.rows = obj.to_numpy().tolist()
        self.formula_rows = formula
        formats = formats or {}
        self.formats = {i: formats[c] for i, c in enumerate(self.columns) if c in formats}
        row_formats = row_formats or {}
        self.row_formats = {i: row_formats[c] for i, c in enumerate(self.columns) if c in row_formats}
        self.freeze = self.columns.index(freeze_after) + 1 if freeze_after in self.columns else 0
        self.totals = [self.columns.index(c) for c in totals if c in self.columns]
        self.total_label = total_label

    def write(self, ws, styles: Styles, cols: list[int] | None = None, start: int = 0, stop=None) -> None:
        """Append rows ``start:stop`` (columns ``cols``) to a write-only sheet as one table."""
        from openpyxl.utils import get_column_letter

        cols = list(range(len(self.columns))) if cols is None else cols
        stop = len(self.rows) if stop is None else stop
        for j, i in enumerate(cols, start=1):
            ws.column_dimensions[get_column_letter(j)].width = self.widths[i]
        freeze = sum(1 for i in cols if i < self.freeze) if self.freeze else 0
        ws.freeze_panes = f"{get_column_letter(freeze + 1)}2"
        _print_setup(ws, len(cols))
        bold = styles.style("General", True)
        ws.append([styles.cell(ws, self.headers[i], bold) for i in cols])
        fmts = [(j, styles.style(self.formats[i])) for j, i in enumerate(cols) if i in self.formats]
        row_fmts = [(j, self.row_formats[i]) for j, i in enumerate(cols) if i in self.row_formats]
        full = cols == list(range(len(self.columns)))
        for r in range(start, stop):
            row = self.rows[r]
            out = list(row) if full else [row[i] for i in cols]
            for j, st in fmts:
                if out[j] is not None:
                    out[j] = styles.cell(ws, out[j], st)
            for j, arr in row_fmts:
                v = out[j]
                if v is not None and arr[r]:
                    out[j] = styles.cell(ws, v.value if hasattr(v, "_style") else v, styles.style(arr[r]))
            if self.formula_rows[r]:
                for j, v in enumerate(out):
                    if isinstance(v, str) and v.startswith("="):
                        cell = styles.cell(ws, v, styles.style())
                        cell.data_type = "s"  # text, never a formula
                        out[j] = cell
            ws.append(out)
        n_rows = stop - start
        self._add_table(ws, styles, cols, n_rows)
        if self.totals:
            self._totals_row(ws, styles, cols, start, stop)

    def _add_table(self, ws, styles: Styles, cols: list[int], n_rows: int) -> None:
        """The written range as an Excel table (with its autofilter); an empty one keeps one blank row."""
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.filters import AutoFilter
        from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

        styles.tables += 1
        ref = f"A1:{get_column_letter(len(cols))}{max(n_rows, 1) + 1}"
        table = Table(displayName=f"Table{styles.tables}", ref=ref)
        table.tableColumns = [TableColumn(id=j, name=self.headers[i]) for j, i in enumerate(cols, start=1)]
        table.autoFilter = AutoFilter(ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns in write-only mode even with the columns given
            warnings.filterwarnings("ignore", "In write-only mode you must add table columns", UserWarning)
            ws.add_table(table)

    def _totals_row(self, ws, styles: Styles, cols: list[int], start: int, stop: int) -> None:
        """A bold row under the table: the label in the first column, the sums (full precision)."""
        out: list[object] = [None] * len(cols)
        out[0] = styles.cell(ws, self.total_label, styles.style("General", True))
        for j, i in enumerate(cols):
            if i in self.totals:
                values = [self.rows[r][i] for r in range(start, stop)]
                total = float(sum(v for v in values if v is not None))
                out[j] = styles.cell(ws, total, styles.style(self.formats.get(i, "General"), True))
        ws.append(out)


def _print_setup(ws, n_cols: int) -> None:
    """A4, landscape when wide, fitted to one page wide, the header row on every page."""
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.paperSize = "9"  # A4 (Worksheet.PAPERSIZE_A4)
    ws.page_setup.orientation = "landscape" if n_cols >= _LANDSCAPE_FROM else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as needed
    ws.print_title_rows = "1:1"


def _unique(names: list[str]) -> list[str]:
    """Header names made unique ignoring case (an Excel table requires it): ``x``, ``x (2)``."""
    seen: set[str] = set()
    out = []
    for n in names:
        name, i = n or "-", 1
        while name.lower() in seen:
            i += 1
            name = f"{n} ({i})"
        seen.add(name.lower())
        out.append(name)
    return out

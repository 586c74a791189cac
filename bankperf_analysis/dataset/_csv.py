"""Reading a CSV file as banks deliver it: the encoding declared or detected, one strict dialect.

**Encoding.** A table's encoding declared in ``dataset.yaml`` (``encoding`` for every CSV
file, ``encodings: {staff: gbk}`` per table) is used and checked over the whole file: a byte
that does not decode is an error naming its offset. Otherwise it is detected, by rules and
never by a statistical guess:

1. a UTF-8 byte-order mark (``EF BB BF``): ``utf-8-sig`` (the rest must be valid UTF-8);
2. the whole file is valid UTF-8: ``utf-8`` (pure ASCII is both, and reads the same);
3. the whole file is valid GB18030 (which includes GBK and GB2312): ``gb18030``;
4. anything else — or a NUL byte, or a UTF-16 byte-order mark — is refused, naming the
   file and the offset of the first byte that is not UTF-8 and of the first that is not
   GB18030.

The encoding read is recorded (:attr:`Dataset.encodings
<bankperf_analysis.dataset.load.Dataset.encodings>`) and printed by ``bankperf validate``
and in every report footer.

**Dialect.** Comma-separated, ``"`` quoting (``""`` inside quotes), a header row (names
stripped of blanks, each once), any line ending. Every cell is read as text and typed by the
contract (:mod:`~bankperf_analysis.dataset._sql`); an empty cell is a missing value in
every encoding. A row with more or fewer fields than the header is refused with its line.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from pathlib import Path

import duckdb

from bankperf_analysis.dataset._issues import header_names, unreadable
from bankperf_analysis.dataset._sql import literal, path_literal, quote
from bankperf_analysis.exceptions import ValidationIssue

__all__ = ["detect_encoding", "attach_csv", "CSV_EXPECTED"]

#: What a readable CSV file is, for messages.
CSV_EXPECTED = "a comma-separated text file in UTF-8 or GB18030 with a header row"
_CHUNK = 1 << 20
_BOM_UTF8 = codecs.BOM_UTF8
_BOM_UTF16 = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
#: Rejected rows listed per file before "... more".
_MAX_ROWS = 10


def detect_encoding(path: Path, declared: str | None = None) -> tuple[str | None, str, int | None]:
    r"""The encoding to read ``path`` with; else ``None``, why, and the offset of the first bad byte.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> (d / "a.csv").write_bytes("staff_name\n张伟\n".encode("gb18030"))
    16
    >>> detect_encoding(d / "a.csv")
    ('gb18030', '', None)
    >>> (d / "b.csv").write_bytes(b"staff_name\n\xff\xfe\n")
    14
    >>> detect_encoding(d / "b.csv")[1:]
    ('byte 0xff at offset 11 is neither UTF-8 nor GB18030 (first bad byte for GB18030 at offset 11)', 11)
    """
    with open(path, "rb") as fh:
        head = fh.read(4)
    if declared is not None:
        enc = "utf-8-sig" if declared == "utf-8" and head.startswith(_BOM_UTF8) else declared
        if (bad := _first_bad(path, enc)) is None:
            return enc, "", None
        return None, f"{_byte(bad)} does not decode as {declared} (declared in dataset.yaml)", bad[0]
    if head.startswith(_BOM_UTF16):
        return None, "a UTF-16 byte-order mark at offset 0 (Excel 'Unicode text'; save as 'CSV UTF-8')", 0
    if head.startswith(_BOM_UTF8):
        if (bad := _first_bad(path, "utf-8-sig")) is None:
            return "utf-8-sig", "", None
        return None, f"{_byte(bad)} is not UTF-8, though the file starts with a UTF-8 byte-order mark", bad[0]
    if (bad := _first_bad(path, "utf-8")) is None:
        return "utf-8", "", None
    if bad[1] == 0:
        return None, f"{_byte(bad)}: not a text file (Parquet, Excel or UTF-16 named .csv?)", bad[0]
    if (bad_gb := _first_bad(path, "gb18030")) is None:
        return "gb18030", "", None
    text = f"{_byte(bad)} is neither UTF-8 nor GB18030 (first bad byte for GB18030 at offset {bad_gb[0]})"
    return None, text, bad[0]


def _byte(bad: tuple[int, int]) -> str:
    return f"a NUL byte at offset {bad[0]}" if bad[1] == 0 else f"byte 0x{bad[1]:02x} at offset {bad[0]}"


def _data_row(path: Path, offset: int) -> int | None:
    """The data row (the header is row 0, not counted) holding the byte at ``offset``."""
    with open(path, "rb") as fh:
        line = fh.read(offset).count(b"\n") + 1
    return line - 1 if line > 1 else None


def _first_bad(path: Path, encoding: str) -> tuple[int, int] | None:
    """Offset and value of the first byte of ``path`` that does not decode (a NUL byte counts), or None."""
    dec = codecs.getincrementaldecoder(encoding)(errors="strict")
    start = 0
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            pending = len(dec.getstate()[0])
            if (nul := chunk.find(b"\x00")) >= 0:
                chunk = chunk[:nul]  # decode up to the NUL: an earlier bad byte wins
            try:
                dec.decode(chunk, final=not chunk or nul >= 0)
            except UnicodeDecodeError as exc:
                at = start - pending + exc.start
                return at, _byte_at(path, at)
            if nul >= 0:
                return start + nul, 0
            if not chunk:
                return None
            start += len(chunk)


def _byte_at(path: Path, offset: int) -> int:
    with open(path, "rb") as fh:
        fh.seek(offset)
        b = fh.read(1)
    return b[0] if b else 0


def attach_csv(
    con: duckdb.DuckDBPyConnection, table: str, path: Path, encoding: str | None, raw: str
) -> tuple[str | None, list[ValidationIssue]]:
    """Read one CSV file into the table ``raw`` (text columns, ``_row``, ``_file``).

    Returns the encoding read and the problems met (none when the table was created).
    """
    name = path.name
    if path.stat().st_size == 0:
        return None, [unreadable(table, name, "an empty file (0 bytes)", CSV_EXPECTED)]
    enc, problem, offset = detect_encoding(path, encoding)
    if enc is None:
        row = None if offset is None else _data_row(path, offset)
        expected = CSV_EXPECTED if encoding is None else f"a file in {encoding}, as dataset.yaml declares"
        return None, [unreadable(table, name, problem, expected, row=row)]
    header, issues = _header(table, path, enc)
    if issues:
        return enc, issues
    if enc in ("utf-8", "utf-8-sig"):
        issues = _load(con, table, path, path, header, raw)
    else:
        # DuckDB reads UTF-8 only (other encodings need a network-installed extension):
        # transcode into a private temporary file, removed at once.
        with tempfile.TemporaryDirectory(prefix="bankperf-csv-") as tmp:
            utf8 = Path(tmp) / "utf8.csv"
            utf8.write_text(path.read_bytes().decode(enc), encoding="utf-8", newline="")
            issues = _load(con, table, path, utf8, header, raw)
    return enc, issues


def _header(table: str, path: Path, enc: str) -> tuple[list[str], list[ValidationIssue]]:
    """The header row's names (:func:`header_names`); no header at all is a problem."""
    with open(path, encoding=enc, newline="") as fh:
        head = fh.read(_CHUNK)
    first = next(csv.reader(io.StringIO(head)), [])
    if not any(c.strip() for c in first):
        return [], [unreadable(table, path.name, "no header row (the first line is empty)", CSV_EXPECTED)]
    return header_names(table, path.name, first)


def _load(
    con: duckdb.DuckDBPyConnection, table: str, shown: Path, path: Path, header: list[str], raw: str
) -> list[ValidationIssue]:
    """Parse ``path`` with the strict dialect into ``raw``; rows that do not parse are problems."""
    stage, rejects, scans = (quote(f"{p}_{table}") for p in ("stage", "rejects", "reject_scans"))
    columns = "{" + ", ".join(f"{literal(n)}: 'VARCHAR'" for n in header) + "}"
    con.execute(
        f"CREATE TEMP TABLE {stage} AS SELECT * FROM read_csv({path_literal(path)}, header = true, "
        f"auto_detect = false, delim = ',', quote = '\"', escape = '\"', comment = '', skip = 0, "
        f"columns = {columns}, store_rejects = true, rejects_table = {literal('rejects_' + table)}, "
        f"rejects_scan = {literal('reject_scans_' + table)})"
    )
    try:
        bad = con.execute(f"SELECT line, csv_line, error_message FROM {rejects} ORDER BY line").fetchall()
        if bad:
            return _rejected(table, shown.name, len(header), bad)
        # Insertion order is preserved, so rowid + 1 is the data row number in the file.
        con.execute(
            f"CREATE TABLE {raw} AS SELECT *, CAST(rowid + 1 AS BIGINT) AS _row, "
            f"{literal(shown.name)} AS _file FROM {stage}"
        )
        return []
    finally:
        for t in (stage, rejects, scans):
            con.execute(f"DROP TABLE IF EXISTS {t}")


def _rejected(table: str, name: str, n: int, bad: list[tuple]) -> list[ValidationIssue]:
    """The rows that did not parse, each with its line (the header is line 1)."""
    expected = f"a row of {n} comma-separated fields, like the header"
    out: list[ValidationIssue] = [
        unreadable(table, name, f"{str(text)[:80]!r} ({msg})", expected, row=int(line) - 1)
        for line, text, msg in bad[:_MAX_ROWS]
    ]
    if len(bad) > _MAX_ROWS:
        out.append(unreadable(table, name, f"{len(bad) - _MAX_ROWS:,} more rows like this", expected))
    return out

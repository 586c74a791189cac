"""SQL pieces shared by loading and checking: quoting, literal paths, and a raw value typed strictly.

Raw source columns (text from CSV and Excel, typed from Parquet and DuckDB) become the
contract's types through :func:`typed_expr`; a value that does not fit the type exactly
becomes NULL, which the checks then report with the raw value (never a rounded or guessed
one). The rules, per contract type:

- **int**: integer source types pass; a float or decimal source passes only where the value
  is integral and finite (8.0 yes, 7.5 no); text must be an optional sign and decimal digits,
  blanks around allowed — no decimal point (not even "8.0"), no exponent, no hex ``0x0A``,
  no underscores ``1_0``, no full-width digits.
- **float**: numeric source types pass when finite; text is a plain decimal number with an
  optional exponent (``1.5``, ``-.5``, ``1e-05``). inf / Infinity never pass; NaN (the IEEE
  value or the text ``nan``) is a *missing* value (:func:`missing_expr`): refused where the
  contract requires a value, NULL where it allows one — never a number.
- **date**: a date, or a timestamp at midnight; text ``YYYY-MM-DD`` (or ``/``), optionally
  with a ``00:00:00`` time.
- **timestamp**: text ``YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]`` (hours 00-23: ``24:00`` is refused,
  not read as the next day); a time-zone offset is refused
  (the contract's times are the branch's local time, and a silent shift would move rows
  between days and quarters).
- **bool**: true/false words (:data:`_TRUE`, :data:`_FALSE`).
- **string**: text as it is; an empty text in a nullable column is missing.
"""

from __future__ import annotations

from pathlib import Path

from bankperf_analysis.dataset.schema import Column

_TRUE = ("true", "t", "1", "yes", "y", "是", "真")
_FALSE = ("false", "f", "0", "no", "n", "否", "假")

#: Source types that already are the contract type (Parquet / DuckDB columns): passed through
#: untouched, so typed views over 50M-row Parquet cost nothing beyond the scan.
_NATIVE: dict[str, tuple[str, ...]] = {
    "string": ("VARCHAR",),
    "int": ("BIGINT", "INTEGER", "SMALLINT", "TINYINT", "UBIGINT", "UINTEGER", "USMALLINT", "UTINYINT"),
    "float": ("DOUBLE", "FLOAT"),
    "bool": ("BOOLEAN",),
    "date": ("DATE",),
    "timestamp": ("TIMESTAMP", "TIMESTAMP_MS", "TIMESTAMP_NS", "TIMESTAMP_S"),
}
#: Numeric source types that are not integers (an int column takes their integral values only).
_FRACTIONAL = ("DOUBLE", "FLOAT", "DECIMAL", "HUGEINT", "UHUGEINT")

#: Source types that never hold text: a value of one is missing only when NULL.
_TEXTLESS = tuple(t for k, ts in _NATIVE.items() if k != "string" for t in ts) + ("HUGEINT", "UHUGEINT")

#: The text forms accepted, as RE2 patterns matched against the whole cell (``\s`` = blanks).
_INT_TEXT = r"\s*[+-]?[0-9]+\s*"
_FLOAT_TEXT = r"\s*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?\s*"
_DATE_PART = r"[0-9]{4}[-/][0-9]{1,2}[-/][0-9]{1,2}"
#: Hours 0-23 only: DuckDB would read "24:00:00" as the next day's midnight.
_TIME_PART = r"([01]?[0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
_TIMESTAMP_TEXT = rf"\s*{_DATE_PART}([ T]{_TIME_PART})?\s*"
#: Blanks stripped around a number before the cast.
_BLANKS = " \t\r\n\f"


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def path_literal(path: str | Path) -> str:
    """A file path as a DuckDB string literal that ``read_parquet``/``read_csv`` take literally.

    DuckDB expands ``*``, ``?`` and ``[...]`` in the paths it reads, so a folder ``bank[1]``
    would silently read ``bank1``. Each such character is escaped as a one-character class.

    Examples
    --------
    >>> path_literal("/data/bank[1]/staff.parquet")
    "'/data/bank[[]1]/staff.parquet'"
    >>> path_literal("/data/a*b?.csv")
    "'/data/a[*]b[?].csv'"
    """
    text = "".join(f"[{ch}]" if ch in "*?[" else ch for ch in str(path))
    return literal(text)


def typed_expr(c: Column, raw: str, src_type: str | None = None) -> str:
    """SQL that converts the raw value of column ``c`` to its contract type (NULL if it does not fit).

    ``src_type`` is the DuckDB type of the source column; when it already is the contract
    type the column passes through (widened with a cheap numeric cast if needed). The rules
    are in the module docstring.
    """
    st = (src_type or "VARCHAR").upper()
    if st in _NATIVE[c.dtype] and c.dtype not in ("float", "string"):
        return raw if st == c.duckdb_type else f"CAST({raw} AS {c.duckdb_type})"
    if c.dtype == "string":
        return _string_expr(c, raw, st)
    if c.dtype == "bool":
        s = f"lower(trim(CAST({raw} AS VARCHAR)))"
        t = ", ".join(literal(v) for v in _TRUE)
        f = ", ".join(literal(v) for v in _FALSE)
        return f"(CASE WHEN {s} IN ({t}) THEN TRUE WHEN {s} IN ({f}) THEN FALSE END)"
    if c.dtype == "int":
        return _int_expr(raw, st)
    if c.dtype == "float":
        return _float_expr(raw, st)
    return _time_expr(c, raw, st)


def _time_expr(c: Column, raw: str, st: str) -> str:
    """A timestamp, or a date (a timestamp at midnight); other source types never fit."""
    if st in _NATIVE["timestamp"] or st == "DATE":
        ts = raw if st == "TIMESTAMP" else f"CAST({raw} AS TIMESTAMP)"
    elif st == "VARCHAR":
        ts = f"TRY_CAST({_text_gate(raw, st, _TIMESTAMP_TEXT)} AS TIMESTAMP)"
    else:  # numbers, booleans, time-zone-aware timestamps (a silent shift to UTC or local time)
        ts = "CAST(NULL AS TIMESTAMP)"
    if c.dtype == "timestamp":
        return ts
    return f"(CASE WHEN {ts} = date_trunc('day', {ts}) THEN CAST({ts} AS DATE) END)"


def _string_expr(c: Column, raw: str, st: str) -> str:
    """Text as it is (an empty text is missing in a nullable column); other types as text."""
    if st == "VARCHAR":
        return f"NULLIF({raw}, '')" if c.nullable else raw
    return f"NULLIF(trim(CAST({raw} AS VARCHAR)), '')"


def _text_gate(raw: str, st: str, pattern: str) -> str:
    """The raw value as text when it matches ``pattern`` (blanks stripped), else NULL."""
    text = raw if st == "VARCHAR" else f"CAST({raw} AS VARCHAR)"
    return (
        f"(CASE WHEN regexp_full_match({text}, {literal(pattern)}) THEN trim({text}, {literal(_BLANKS)}) END)"
    )


def _int_expr(raw: str, st: str) -> str:
    """An integer: integral finite numbers, or text of decimal digits only."""
    if st.startswith(_FRACTIONAL):
        d = f"CAST({raw} AS DOUBLE)" if not st.startswith("DECIMAL") else raw
        return f"(CASE WHEN {_finite(d, st)} AND {raw} = trunc({raw}) THEN TRY_CAST({raw} AS BIGINT) END)"
    if st != "VARCHAR":
        return "CAST(NULL AS BIGINT)"  # booleans, dates...: never an integer
    return f"TRY_CAST({_text_gate(raw, st, _INT_TEXT)} AS BIGINT)"


def _float_expr(raw: str, st: str) -> str:
    """A finite number: numeric sources, or text of a plain decimal number."""
    if st in _NATIVE["int"] or st.startswith(_FRACTIONAL):
        d = raw if st == "DOUBLE" else f"CAST({raw} AS DOUBLE)"
        return f"(CASE WHEN isfinite({d}) THEN {d} END)"
    if st != "VARCHAR":
        return "CAST(NULL AS DOUBLE)"
    d = f"TRY_CAST({_text_gate(raw, st, _FLOAT_TEXT)} AS DOUBLE)"
    return f"(CASE WHEN isfinite({d}) THEN {d} END)"


def _finite(d: str, st: str) -> str:
    """SQL condition: the numeric value ``d`` is finite (decimals always are)."""
    return "TRUE" if st.startswith(("DECIMAL", "HUGEINT", "UHUGEINT")) else f"isfinite({d})"


def missing_expr(c: Column, raw: str, src_type: str | None = None) -> str:
    """SQL condition: the raw value of ``c`` is missing — NULL, blank text, or NaN in a float column.

    A missing value is refused where the contract requires one, and NULL where it allows one.
    ``src_type`` is the DuckDB type of the source column: a number, date, time or boolean
    source cannot hold blank text, so its test is ``IS NULL`` rather than casting every value
    to text (the same answer, at a fraction of the cost over 50M rows). A float column read
    from floats keeps the text test for NaN: DuckDB folds ``isnan()`` over a Parquet column
    to false from the column's statistics, which leave NaN out.

    Examples
    --------
    >>> from bankperf_analysis.dataset.schema import CONTRACT
    >>> loss = CONTRACT["risk_incidents"].column("loss_yuan")
    >>> missing_expr(loss, "x", "BIGINT")
    '(x IS NULL)'
    """
    st = (src_type or "VARCHAR").upper()
    floats = c.dtype == "float" and st in ("DOUBLE", "FLOAT")
    if (st in _TEXTLESS or st.startswith("DECIMAL")) and not floats:
        return f"({raw} IS NULL)"
    blank = is_blank(raw)
    if c.dtype != "float":
        return blank
    return f"({blank} OR lower(trim(CAST({raw} AS VARCHAR))) IN ('nan', '+nan', '-nan'))"


def is_blank(raw: str) -> str:
    r"""SQL condition: the raw value is NULL or blank text (empty, or only what ``trim`` removes).

    ``trim`` is gated by a byte comparison: DuckDB's ``trim`` removes spaces (Unicode
    category Zs: U+0020, U+00A0, U+3000...), so a blank text is empty or starts with a
    byte below ``'!'`` or a non-ASCII character; any other text (an id like ``C000000001``)
    is not blank, decided without building its trimmed copy. The same answer as
    ``trim(x) = ''`` alone, at a sixth of the cost over 50M ids.

    Examples
    --------
    >>> import duckdb
    >>> cells = ["", " ", "\u3000", "\u00a0 ", "\t", " a", "a", "中", None]
    >>> con = duckdb.connect()
    >>> [con.execute(f"SELECT {is_blank('$1')}", [c]).fetchone()[0] for c in cells]
    [True, True, True, True, False, False, False, False, True]
    """
    text = f"CAST({raw} AS VARCHAR)"
    gate = f"({text} < '!' OR {text} >= chr(128))"
    return f"({raw} IS NULL OR ({gate} AND trim({text}) = ''))"


def raw_types(con, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of the raw source of ``table`` (the view ``raw_<table>``)."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {quote('raw_' + table)}").fetchall()}

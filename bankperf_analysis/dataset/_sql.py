"""SQL pieces shared by loading and checking: quoting, and a raw value cast to its contract type.

Raw source columns (text from CSV and Excel, typed from Parquet and DuckDB) become the
contract's types through :func:`typed_expr`; a value that cannot be converted becomes
NULL, which the checks then report.
"""

from __future__ import annotations

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


def quote(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote an SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


def typed_expr(c: Column, raw: str, src_type: str | None = None) -> str:
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
        t = ", ".join(literal(v) for v in _TRUE)
        f = ", ".join(literal(v) for v in _FALSE)
        return f"(CASE WHEN {s} IN ({t}) THEN TRUE WHEN {s} IN ({f}) THEN FALSE END)"
    if c.dtype == "int":
        d = f"TRY_CAST({raw} AS DOUBLE)"
        return f"coalesce(TRY_CAST({raw} AS BIGINT), CASE WHEN {d} = round({d}) THEN CAST({d} AS BIGINT) END)"
    if c.dtype == "date":
        ts = f"TRY_CAST({raw} AS TIMESTAMP)"
        return (
            f"coalesce(TRY_CAST({raw} AS DATE), "
            f"CASE WHEN {ts} = date_trunc('day', {ts}) THEN CAST({ts} AS DATE) END)"
        )
    return f"TRY_CAST({raw} AS {c.duckdb_type})"


def is_blank(raw: str) -> str:
    """SQL condition: the raw value is NULL or blank text."""
    return f"({raw} IS NULL OR trim(CAST({raw} AS VARCHAR)) = '')"


def raw_types(con, table: str) -> dict[str, str]:
    """Column name -> DuckDB type of the raw source of ``table`` (the view ``raw_<table>``)."""
    return {r[0]: r[1] for r in con.execute(f"DESCRIBE {quote('raw_' + table)}").fetchall()}

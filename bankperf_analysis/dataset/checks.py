"""Check one table against the data contract, as SQL inside DuckDB.

Every problem is reported at once, each naming the table, file, row, column, the bad
value and what was expected (:class:`~bankperf_analysis.exceptions.ValidationIssue`).
The kinds of check, in the order they are reported:

- **columns** — every contract column is present (else the table is unusable);
- **types** — a value where one is required, and every value converts to its type;
- **ranges** — minimum, maximum and allowed values;
- **row checks** — the contract's rules across columns (answer on or after arrival...);
- **periods** — dated rows fall inside the dataset's periods;
- **keys** — the primary key is unique;
- **references** — foreign keys point at a row of the parent table.

Every check of a table is counted in one aggregate scan, so they scale to the
50-million-contact benchmark bank: the per-row checks, the foreign keys (left joins on the
parents' distinct keys) and whether the primary key is unique (``count(DISTINCT key)``, a
hash aggregate that spills to disk beyond DuckDB's memory limit, never a sort of 50M ids).
Only what failed is looked at again: example rows, at most :data:`MAX_EXAMPLES` per
check, and the exact duplicated keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from bankperf_analysis.dataset._sql import literal, missing_expr, quote, raw_types, typed_expr
from bankperf_analysis.dataset.schema import Column, Table
from bankperf_analysis.dataset.sources import TableSource
from bankperf_analysis.exceptions import ValidationIssue
from bankperf_analysis.periods import Period

#: Problem rows listed per (table, column, kind) before "... and N more".
MAX_EXAMPLES = 10


class Collector:
    """Collects issues, listing at most MAX_EXAMPLES rows per kind of problem."""

    def __init__(self) -> None:
        self.issues: list[ValidationIssue] = []

    def add(self, issue: ValidationIssue) -> None:
        """Record one issue."""
        self.issues.append(issue)

    def rows(
        self,
        con,
        src: TableSource,
        sql_where_from: str,
        column: str,
        expected: str,
        value_expr: str,
        total: int,
    ) -> None:
        """List example rows matching a violation and summarise the rest."""
        rows = con.execute(
            f"SELECT _row, _file, CAST({value_expr} AS VARCHAR) {sql_where_from} "
            f"ORDER BY _file, _row LIMIT {MAX_EXAMPLES}"
        ).fetchall()
        for r, f, v in rows:
            self.add(
                ValidationIssue(
                    src.table, f or src.label, int(r), column, "(empty)" if v is None else v, expected
                )
            )
        if total > len(rows):
            self.add(
                ValidationIssue(
                    src.table, src.label, None, column, f"{total - len(rows):,} more rows like this", expected
                )
            )


class _Check(NamedTuple):
    """One per-row check: the rows failing it, the column named, what was expected, the value shown."""

    where: str
    column: str
    expected: str
    value: str


def period_window(meta: dict, periods: tuple[str, str] | None) -> tuple[dt.date, dt.date] | None:
    """First and last day of the dataset's periods: ``periods``, else dataset.yaml's, else None."""
    first_last = periods or (
        (meta["first_period"], meta["last_period"])
        if meta.get("first_period") and meta.get("last_period")
        else None
    )
    if first_last is None:
        return None
    a, b = Period.parse(first_last[0]), Period.parse(first_last[1])
    return a.start, b.end - dt.timedelta(days=1)


def validate_table(
    con,
    t: Table,
    src: TableSource,
    present: dict[str, TableSource],
    window: tuple[dt.date, dt.date] | None,
    out: Collector,
) -> bool:
    """Check one table; create its typed view. Returns False if it is unusable.

    ``present`` are the tables already checked (parents come first in the contract), whose
    typed views the foreign keys are checked against.
    """
    types = raw_types(con, t.name)
    if not _has_columns(t, src, types, out):
        return False
    _create_check_views(con, t, types)
    checks = [c for col in t.columns for c in (*_type_checks(col, types[col.name]), *_range_checks(col))]
    checks += _row_checks(t)
    checks += _period_checks(t, window)
    refs, joins = _reference_checks(t, present)
    source = f"FROM {quote('check_' + t.name)}{joins}"
    counts = _count_failures(con, source, [*checks, *refs], _key_trigger(t))
    _report_failures(con, src, source, checks, counts[: len(checks)], out)
    if counts[-1]:  # some key is repeated (or missing): find which, exactly
        _check_keys(con, t, src, out)
    _report_failures(con, src, source, refs, counts[len(checks) : -1], out)
    return True


def _has_columns(t: Table, src: TableSource, types: dict[str, str], out: Collector) -> bool:
    missing = [c.name for c in t.columns if c.name not in types]
    for m in missing:
        out.add(
            ValidationIssue(
                t.name,
                src.label,
                None,
                m,
                "(missing column)",
                f"a column '{m}': {t.column(m).expected_text()}",
            )
        )
    return not missing


def _create_check_views(con, t: Table, types: dict[str, str]) -> None:
    """``typed_<table>`` (the contract types) and ``check_<table>`` (raw and typed side by side)."""
    typed_cols = ", ".join(
        f"{typed_expr(c, quote(c.name), types[c.name])} AS {quote(c.name)}" for c in t.columns
    )
    con.execute(
        f"CREATE VIEW {quote('typed_' + t.name)} AS SELECT {typed_cols}, _row, _file "
        f"FROM {quote('raw_' + t.name)}"
    )
    # One view with raw and typed values side by side ("t:<col>"), scanned once.
    both = ", ".join(f"{typed_expr(c, quote(c.name), types[c.name])} AS {_typed(c.name)}" for c in t.columns)
    con.execute(f"CREATE VIEW {quote('check_' + t.name)} AS SELECT *, {both} FROM {quote('raw_' + t.name)}")


def _typed(name: str) -> str:
    """The typed value of column ``name`` in the check view."""
    return quote("t:" + name)


# ----------------------------------------------------------------------------- per-row checks


def _type_checks(c: Column, src_type: str) -> list[_Check]:
    """A value where one is required; a value that converts to the column's type exactly.

    Missing is NULL, blank text, or NaN in a float column (:func:`missing_expr`); any other
    value that does not type (7.5 or "0x0A" in an integer column, inf in a float one) is
    refused with its raw text.
    """
    rc, tc = quote(c.name), _typed(c.name)
    missing = missing_expr(c, rc, src_type)
    checks = []
    if not c.nullable:
        checks.append(_Check(missing, c.name, f"a value: {c.expected_text()}", rc))
    if c.dtype == "string" and src_type.upper() == "VARCHAR":
        return checks  # text read as text always types: the check could never fail (and costs a scan)
    checks.append(_Check(f"NOT {missing} AND {tc} IS NULL", c.name, c.expected_text(), rc))
    return checks


def _range_checks(c: Column) -> list[_Check]:
    """The column's minimum, maximum and allowed values."""
    tc = _typed(c.name)
    checks = []
    if c.min_value is not None:
        checks.append(_Check(f"{tc} < {c.min_value}", c.name, c.expected_text(), tc))
    if c.max_value is not None:
        checks.append(_Check(f"{tc} > {c.max_value}", c.name, c.expected_text(), tc))
    if c.allowed:
        allowed = ", ".join(literal(a) for a in c.allowed)
        checks.append(_Check(f"{tc} NOT IN ({allowed})", c.name, c.expected_text(), tc))
    return checks


def _row_checks(t: Table) -> list[_Check]:
    """The contract's rules across columns; the value shown joins the columns involved."""
    checks = []
    for ck in t.checks:
        cond = ck.condition
        for c in t.columns:
            cond = _qualify(cond, c.name)
        value = (
            "concat_ws(' / ', "
            + ", ".join(f"coalesce(CAST({_typed(c)} AS VARCHAR), '(empty)')" for c in ck.columns)
            + ")"
        )
        checks.append(_Check(f"NOT coalesce(({cond}), TRUE)", ", ".join(ck.columns), ck.expected, value))
    return checks


def _qualify(cond: str, col: str) -> str:
    """Point a column name in a row-rule condition at its typed value."""
    return re.sub(rf"(?<![\w.\"]){re.escape(col)}(?![\w\"])", _typed(col), cond)


def _period_checks(t: Table, window: tuple[dt.date, dt.date] | None) -> list[_Check]:
    """Dated columns inside the dataset's periods (none without a window)."""
    if window is None:
        return []
    lo, hi = window
    return [
        _Check(
            f"CAST({_typed(col)} AS DATE) NOT BETWEEN DATE '{lo}' AND DATE '{hi}'",
            col,
            f"a date within the dataset's periods ({lo} to {hi})",
            _typed(col),
        )
        for col in t.period_columns
    ]


def _key_trigger(t: Table) -> str:
    """SQL aggregate, 0 when every primary key is present and unique (else the rows in excess).

    Distinct keys are counted through their 64-bit hashes, in the table's one scan: a hash
    aggregate of integers, a third cheaper than one of 50M text ids, and never a sort. As
    many distinct hashes as rows proves the keys distinct; a repeated hash (a repeated key,
    or, about once in 10^4 banks of 50M rows, two keys sharing a hash) or a missing key
    triggers the exact search of :func:`_check_keys`, which then decides. The trigger never
    says "unique" wrongly.
    """
    keys = [_typed(k) for k in t.primary_key]
    missing = " OR ".join(f"{k} IS NULL" for k in keys)
    return f"count(*) - count(DISTINCT hash({', '.join(keys)})) + count_if({missing})"


def _count_failures(con, source: str, checks: list[_Check], trigger: str) -> list[int]:
    """How many rows fail each check, and the key ``trigger``: all in one scan of ``source``."""
    parts = [f"count_if({c.where})" for c in checks] + [trigger]
    row = con.execute(f"SELECT {', '.join(parts)} {source}").fetchone()
    return [int(n or 0) for n in row]  # count_if over a column known to be all NULL gives NULL


def _report_failures(
    con, src: TableSource, source: str, checks: list[_Check], counts: list[int], out: Collector
) -> None:
    """List examples of the checks that failed (``counts`` from :func:`_count_failures`)."""
    for c, total in zip(checks, counts, strict=True):
        if total:
            out.rows(con, src, f"{source} WHERE {c.where}", c.column, c.expected, c.value, total)


# ----------------------------------------------------------------------------- keys


def _check_keys(con, t: Table, src: TableSource, out: Collector) -> None:
    """Primary key uniqueness: each duplicate names the row it repeats."""
    typed = quote("typed_" + t.name)
    key = ", ".join(quote(k) for k in t.primary_key)
    dup = con.execute(
        f"SELECT count(*) FROM (SELECT {key} FROM {typed} GROUP BY {key} HAVING count(*) > 1)"
    ).fetchone()[0]
    if not dup:
        return
    rows = con.execute(
        f"WITH d AS (SELECT {key}, list(_row ORDER BY _row) AS rows, count(*) AS k "
        f"FROM {typed} GROUP BY {key} HAVING count(*) > 1) "
        f"SELECT concat_ws(' / ', {', '.join(f'CAST({quote(k)} AS VARCHAR)' for k in t.primary_key)}),"
        f" rows FROM d ORDER BY rows[1] LIMIT {MAX_EXAMPLES}"
    ).fetchall()
    for keyval, rownums in rows:
        out.add(
            ValidationIssue(
                t.name,
                src.label,
                int(rownums[1]),
                ", ".join(t.primary_key),
                str(keyval),
                f"a unique key (also in row {int(rownums[0])})",
            )
        )
    if dup > len(rows):
        out.add(
            ValidationIssue(
                t.name,
                src.label,
                None,
                ", ".join(t.primary_key),
                f"{dup - len(rows):,} more duplicated keys",
                "a unique key",
            )
        )


def _reference_checks(t: Table, present: dict[str, TableSource]) -> tuple[list[_Check], str]:
    """Foreign keys: each value names a row of the parent table (when the parent is present).

    Counted in the table's one scan with the other checks: each foreign key is a left join
    of the check view on the parent's distinct keys (a small hash table; at most one match,
    so no row is counted twice), and a value without a match fails. Returns the checks and
    the joins to append to the scan's ``FROM``.
    """
    checks, joins = [], ""
    for c in t.columns:
        if not c.references:
            continue
        ptable, pcol = c.references.split(".")
        if ptable not in present:
            continue
        alias = quote("ref:" + c.name)
        joins += (
            f" LEFT JOIN (SELECT DISTINCT {quote(pcol)} AS k FROM {quote('typed_' + ptable)}"
            f" WHERE {quote(pcol)} IS NOT NULL) {alias} ON {alias}.k = {_typed(c.name)}"
        )
        where = f"{_typed(c.name)} IS NOT NULL AND {alias}.k IS NULL"
        checks.append(_Check(where, c.name, f"a {pcol} present in {ptable}", _typed(c.name)))
    return checks, joins

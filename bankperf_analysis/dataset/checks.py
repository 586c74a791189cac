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
parents' distinct keys), whether every row is in post (:mod:`~bankperf_analysis.dataset._in_post`)
and whether a key is missing. Whether a key repeats is decided on the keys' 64-bit hashes,
read by a scan of the key columns alone and sorted in NumPy (:func:`_keys_repeat`; never a
sort of 50M text ids). A required text column that the Parquet statistics prove never NULL
nor blank is not checked row by row (:mod:`~bankperf_analysis.dataset._validation_stats`),
and a float column read from floats is checked for NaN on the float, not on its text. Only
what failed is looked at again: example rows, at most :data:`MAX_EXAMPLES` per check, and
the exact duplicated keys.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

import numpy as np

from bankperf_analysis.dataset._in_post import SPANS, create_spans, unproved_expr
from bankperf_analysis.dataset._sql import literal, missing_expr, quote, raw_types, typed_expr
from bankperf_analysis.dataset._validation_stats import proved_text
from bankperf_analysis.dataset.schema import Column, Table
from bankperf_analysis.dataset.sources import TableSource
from bankperf_analysis.exceptions import ValidationIssue
from bankperf_analysis.periods import Period

#: Problem rows listed per (table, column, kind) before "... and N more".
MAX_EXAMPLES = 10

#: Tables up to this many rows have their keys' hashes sorted in NumPy (8 bytes a row:
#: 512 MB at the cap) to find a repeated key; larger ones count them in DuckDB's hash
#: aggregate, which spills to disk beyond the validation's memory limit.
SORTED_KEYS_MAX_ROWS = 64_000_000


class Collector:
    """Collects issues, listing at most MAX_EXAMPLES rows per kind of problem."""

    def __init__(self) -> None:
        self.issues: list[ValidationIssue] = []
        #: (table, staff column, date column) whose every row the table's scan proved in post
        #: (:mod:`~bankperf_analysis.dataset._in_post`): the exact activity check is skipped.
        self.in_post: set[tuple[str, str, str]] = set()

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
    """One per-row check: the rows failing it, the column named, what was expected, the value shown.

    ``rows_where``, when given, selects the same rows as ``where`` for listing the examples,
    in a form that DuckDB cannot skip from a Parquet file's statistics (see :func:`_type_checks`).
    """

    where: str
    column: str
    expected: str
    value: str
    rows_where: str | None = None


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
    text = [c.name for c in t.columns if c.dtype == "string" and types[c.name].upper() == "VARCHAR"]
    proved = proved_text(con, src, text)  # never NULL or blank: their checks would count 0
    checks = [
        c
        for col in t.columns
        for c in (*_type_checks(col, types[col.name], col.name in proved), *_range_checks(col))
    ]
    checks += _row_checks(t)
    checks += _period_checks(t, window)
    activity = _activity_pairs(con, t, present)
    refs, joins = _reference_checks(t, present, bool(activity))
    source = f"FROM {quote('check_' + t.name)}{joins}"
    unproved = [unproved_expr(_typed(sc), _typed(dc), quote("ref:" + sc)) for sc, dc in activity]
    missing_key = " OR ".join(f"{_typed(k)} IS NULL" for k in t.primary_key if k not in proved)
    triggers = [*unproved, f"count_if({missing_key})" if missing_key else "0", "count(*)"]
    counts = _count_failures(con, source, [*checks, *refs], triggers)
    n, m = len(checks), len(checks) + len(refs)
    _report_failures(con, src, source, checks, counts[:n], out)
    if counts[-2] or _keys_repeat(con, t, counts[-1]):  # find which key is missing or repeated, exactly
        _check_keys(con, t, src, out)
    _report_failures(con, src, source, refs, counts[n:m], out)
    out.in_post.update((t.name, sc, dc) for (sc, dc), k in zip(activity, counts[m:-2]) if not k)
    return True


def _activity_pairs(con, t: Table, present: dict[str, TableSource]) -> list[tuple[str, str]]:
    """(staff column, date column) pairs whose rows the scan tries to prove in post.

    Each staff column that references the staff table (present, so its foreign-key join
    exists) with each dated column; the spans are created on first need (the history's
    tables, staff and assignments, come first in the contract, so they are checked by then).
    """
    if "staff" not in present or not t.period_columns:
        return []
    pairs = [(c.name, d) for c in t.columns if c.references == "staff.staff_id" for d in t.period_columns]
    if pairs:
        create_spans(con, "assignments" in present)
    return pairs


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


def _type_checks(c: Column, src_type: str, proved: bool = False) -> list[_Check]:
    """A value where one is required; a value that converts to the column's type exactly.

    Missing is NULL, blank text, or NaN in a float column (:func:`missing_expr`); any other
    value that does not type (7.5 or "0x0A" in an integer column, inf in a float one) is
    refused with its raw text. ``proved``: a text column that the Parquet statistics prove
    never NULL nor blank (:func:`~bankperf_analysis.dataset._validation_stats.proved_text`),
    whose checks could not fail.
    """
    if proved:  # only text read as text is ever proved
        return []
    rc, tc = quote(c.name), _typed(c.name)
    exact = missing_expr(c, rc, src_type)
    # A float read from floats is counted on the float: NULL, or NaN (neither finite nor
    # infinite), with no text of every value. Not isnan(): DuckDB folds it to false from a
    # Parquet file's statistics, which leave NaN out (isfinite is what the typed value relies on
    # too). Listing the rows keeps the exact text test: as a filter, the float test could skip
    # a whole row group by those statistics.
    floats = c.dtype == "float" and src_type.upper() in ("DOUBLE", "FLOAT")
    missing = f"({rc} IS NULL OR NOT (isfinite({rc}) OR isinf({rc})))" if floats else exact
    checks = []
    if not c.nullable:
        checks.append(_Check(missing, c.name, f"a value: {c.expected_text()}", rc, exact))
    if c.dtype == "string" and src_type.upper() == "VARCHAR":
        return checks  # text read as text always types: the check could never fail (and costs a scan)
    checks.append(
        _Check(
            f"NOT {missing} AND {tc} IS NULL", c.name, c.expected_text(), rc, f"NOT {exact} AND {tc} IS NULL"
        )
    )
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


def _keys_repeat(con, t: Table, n_rows: int) -> bool:
    """Whether some primary key may repeat: True for every repeated key, and (rarely) a false alarm.

    The keys are compared through their 64-bit hashes: a hash repeated (a repeated key or,
    about once in 10^4 banks of 50M rows, two keys sharing a hash) triggers the exact search
    of :func:`_check_keys`, which then decides; "unique" is never said wrongly. Up to
    :data:`SORTED_KEYS_MAX_ROWS` rows the hashes stream from a scan of the key columns only
    into one NumPy array (Arrow batches, no pandas), sorted in place (vectorised: about 1
    CPU-s for 52M hashes, 8 bytes a row), and equal neighbours are counted. That is a tenth
    of the CPU time of DuckDB's hash aggregate ``count(DISTINCT hash(key))`` over 52M rows,
    which also needs more than the validation's memory limit and spills; beyond the cap the
    aggregate is used all the same, as the array would not fit.
    """
    keys = f"hash({', '.join(_typed(k) for k in t.primary_key)})"
    view = quote("check_" + t.name)
    if n_rows > SORTED_KEYS_MAX_ROWS:
        return bool(con.execute(f"SELECT count(*) - count(DISTINCT {keys}) FROM {view}").fetchone()[0])
    hashes = np.empty(n_rows, dtype=np.uint64)
    filled = 0
    # Arrow batches of a relation on a cursor (the same database, so the same views): no pandas
    # frame per chunk and no extra copy of the rows, a third less CPU than fetch_df_chunk.
    with con.cursor() as cur:
        for batch in cur.sql(f"SELECT {keys} FROM {view}").to_arrow_reader(1 << 20):
            part = batch.column(0).to_numpy()
            if filled + len(part) > n_rows:  # the table changed between the scans: never say unique
                return True
            hashes[filled : filled + len(part)] = part
            filled += len(part)
    hashes = hashes[:filled]
    hashes.sort()
    return filled != n_rows or bool(np.any(hashes[1:] == hashes[:-1]))


def _count_failures(con, source: str, checks: list[_Check], triggers: list[str]) -> list[int]:
    """How many rows fail each check, and the aggregates ``triggers``: all in one scan of ``source``."""
    parts = [f"count_if({c.where})" for c in checks] + triggers
    row = con.execute(f"SELECT {', '.join(parts)} {source}").fetchone()
    return [int(n or 0) for n in row]  # count_if over a column known to be all NULL gives NULL


def _report_failures(
    con, src: TableSource, source: str, checks: list[_Check], counts: list[int], out: Collector
) -> None:
    """List examples of the checks that failed (``counts`` from :func:`_count_failures`)."""
    for c, total in zip(checks, counts, strict=True):
        if total:
            where = c.rows_where or c.where
            out.rows(con, src, f"{source} WHERE {where}", c.column, c.expected, c.value, total)


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


def _reference_checks(
    t: Table, present: dict[str, TableSource], spans: bool = False
) -> tuple[list[_Check], str]:
    """Foreign keys: each value names a row of the parent table (when the parent is present).

    Counted in the table's one scan with the other checks: each foreign key is a left join
    of the check view on the parent's distinct keys (a small hash table; at most one match,
    so no row is counted twice), and a value without a match fails. With ``spans``, a key
    of the staff table carries the person's span in post (``lo``, ``hi``: one row per person
    at most, so still one match). Returns the checks and the joins to append to the scan's
    ``FROM``.
    """
    checks, joins = [], ""
    for c in t.columns:
        if not c.references:
            continue
        ptable, pcol = c.references.split(".")
        if ptable not in present:
            continue
        alias = quote("ref:" + c.name)
        k = quote(pcol)
        parent = f"SELECT DISTINCT {k} AS k FROM {quote('typed_' + ptable)} WHERE {k} IS NOT NULL"
        if spans and c.references == "staff.staff_id":
            parent = f"SELECT p.k, s.lo, s.hi FROM ({parent}) p LEFT JOIN {SPANS} s ON s.staff_id = p.k"
        joins += f" LEFT JOIN ({parent}) {alias} ON {alias}.k = {_typed(c.name)}"
        where = f"{_typed(c.name)} IS NOT NULL AND {alias}.k IS NULL"
        checks.append(_Check(where, c.name, f"a {pcol} present in {ptable}", _typed(c.name)))
    return checks, joins

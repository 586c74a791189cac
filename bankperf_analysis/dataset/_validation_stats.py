"""Text columns that the Parquet statistics prove present and not blank, so their check is not run.

A required text column is checked for a missing value: NULL, or blank text
(:func:`~bankperf_analysis.dataset._sql.is_blank`). Over a table of 50M contacts that is a
read and two comparisons of every id. Each Parquet row group carries statistics: its null
count and its smallest and largest value, compared byte by byte (``min_value`` /
``max_value``). When every row group of every file of the table says "no NULL" and holds its
values between ``'!'`` and ``chr(128)`` (printable ASCII, so no value is empty or starts with
a blank or a non-ASCII space), no value can be missing, and the check would count zero:
it is not run, and the table's scan need not read the column at all.

DuckDB already folds these checks from the statistics of a single file; for a table given as
several files (the parts of a large table) it reads the column. The statistics are read
from the files' footers (:func:`proved_text`); a row group without them proves nothing, and
its column is checked row by row as before.
"""

from __future__ import annotations

from bankperf_analysis.dataset.sources import TableSource, parquet_files

__all__ = ["proved_text"]


def proved_text(con, src: TableSource, columns: list[str]) -> set[str]:
    """The ``columns`` of a Parquet source that no row group's statistics allow to be NULL or blank.

    Parameters
    ----------
    con : duckdb.DuckDBPyConnection
        The validation's connection.
    src : TableSource
        The table's source; only a Parquet source proves anything.
    columns : list of str
        Text columns (read as VARCHAR) to try.

    Returns
    -------
    set of str
        The columns proved present and not blank in every row of every file.

    Examples
    --------
    >>> import duckdb, tempfile
    >>> from pathlib import Path
    >>> d = Path(tempfile.mkdtemp()); con = duckdb.connect()
    >>> for i, ids in enumerate([["A1", "A2"], ["B1", " "]]):
    ...     _ = con.execute(f"COPY (SELECT unnest({ids}) AS id, 'x' AS k) TO '{d}/p{i}.parquet'")
    >>> src = TableSource("staff", "parquet", (d / "p0.parquet", d / "p1.parquet"))
    >>> sorted(proved_text(con, src, ["id", "k"]))
    ['k']
    """
    if src.kind != "parquet" or not columns:
        return set()
    wanted = ", ".join("'" + c.replace("'", "''") + "'" for c in columns)
    rows = con.execute(
        f"""
        SELECT path_in_schema,
               bool_and(coalesce(stats_null_count = 0 AND stats_min_value >= '!'
                                 AND stats_max_value < chr(128), FALSE)),
               count(DISTINCT file_name)
        FROM parquet_metadata({parquet_files(src)})
        WHERE path_in_schema IN ({wanted})
        GROUP BY path_in_schema"""
    ).fetchall()
    # Every file must speak for the column (a file whose row groups are absent proves nothing).
    return {name for name, ok, n_files in rows if ok and n_files == len(src.paths)}

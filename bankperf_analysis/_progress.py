"""Progress bars: DuckDB's only on an interactive terminal, and none at all under ``--no-progress``."""

from __future__ import annotations

import os
import sys

__all__ = ["NO_PROGRESS_ENV", "duckdb_bar_wanted", "quiet_duckdb"]

#: Environment variable that turns every progress bar off (set by ``bankperf ... --no-progress``,
#: so that the batch's child processes draw none either).
NO_PROGRESS_ENV = "BANKPERF_NO_PROGRESS"


def duckdb_bar_wanted() -> bool:
    """Whether DuckDB may draw its progress bar: only on a terminal, and not under ``--no-progress``.

    DuckDB draws its bar on standard output once a query runs 2 s; in a log file, a pipe or
    a notebook that is noise between the command's own lines, so the bar is kept for an
    interactive terminal. ``BANKPERF_NO_PROGRESS=1`` (what ``--no-progress`` sets) turns it
    off there too.

    Examples
    --------
    >>> import os
    >>> os.environ[NO_PROGRESS_ENV] = "1"
    >>> duckdb_bar_wanted()
    False
    >>> del os.environ[NO_PROGRESS_ENV]
    """
    if os.environ.get(NO_PROGRESS_ENV, "").strip().lower() not in {"", "0", "no", "false", "off"}:
        return False
    try:
        return bool(sys.stdout.isatty())
    except (AttributeError, ValueError):  # no stdout, or a closed one
        return False


def quiet_duckdb(con) -> None:
    """Turn DuckDB's progress bar off on ``con`` unless :func:`duckdb_bar_wanted`.

    Only a bar that is on is turned off: inside Jupyter DuckDB starts with it off and refuses
    any change of the setting without ``ipywidgets`` (which a report kernel does not need).
    """
    if duckdb_bar_wanted():
        return
    (on,) = con.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    if on:
        con.execute("SET enable_progress_bar = false")

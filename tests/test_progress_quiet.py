"""DuckDB's progress bar: drawn only on a terminal, never under ``--no-progress``.

DuckDB draws its bar on standard output once a query runs 2 s: at bank scale the report's
validation and shared inputs did, into logs run with ``--no-progress`` (seen in a
1,000-branch run). The tiny bank never runs a query that long, so the tests read the
connection's setting instead of waiting for a bar.
"""

from __future__ import annotations

import importlib
import io
import os

import duckdb
import pytest

from bankperf_analysis._progress import NO_PROGRESS_ENV, quiet_duckdb
from bankperf_analysis.dataset.load import load_dataset

cli_main = importlib.import_module("bankperf_analysis.cli.main")  # the module (the package exports main)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _bar(con) -> bool:
    return bool(con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])


def _con_with_bar():
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = true")  # as DuckDB starts in a terminal
    return con


def test_bar_off_when_stdout_is_not_a_terminal(monkeypatch):
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    con = _con_with_bar()
    quiet_duckdb(con)
    assert _bar(con) is False


def test_bar_kept_on_a_terminal_unless_no_progress(monkeypatch):
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    monkeypatch.setattr("sys.stdout", _Terminal())
    con = _con_with_bar()
    quiet_duckdb(con)
    assert _bar(con) is True
    monkeypatch.setenv(NO_PROGRESS_ENV, "1")
    quiet_duckdb(con)
    assert _bar(con) is False


def test_an_off_bar_is_left_alone(monkeypatch):
    """Inside Jupyter the bar starts off and any SET of it raises without ipywidgets."""
    monkeypatch.setattr("sys.stdout", io.StringIO())
    calls = []

    class Con:
        def execute(self, sql):
            calls.append(sql)
            if sql.startswith("SET"):
                raise AssertionError("the setting must not be touched")
            return duckdb.connect().execute("SELECT false")

    quiet_duckdb(Con())
    assert len(calls) == 1


def test_load_dataset_quiets_its_connection(tiny_bank, monkeypatch):
    seen = []
    monkeypatch.setattr("bankperf_analysis.dataset.load.quiet_duckdb", seen.append)
    with load_dataset(tiny_bank, validate=False) as ds:
        assert seen == [ds.con]


@pytest.mark.parametrize(
    ("command", "flag"),
    [("report", "--no-progress"), ("scorecard", "--no-progress"), ("report", None)],
)
def test_no_progress_reaches_the_command_and_is_undone(tiny_bank, tmp_path, monkeypatch, command, flag):
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    seen = []
    monkeypatch.setattr(cli_main, "_run", lambda args: seen.append(os.environ.get(NO_PROGRESS_ENV)) or 0)
    out = str(tmp_path / ("q.xlsx" if command == "scorecard" else "out"))
    argv = [command, "--data", str(tiny_bank), "--quarter", "2026Q4", "--out", out] + ([flag] if flag else [])
    assert cli_main.main(argv) == 0
    assert seen == (["1"] if flag else [None])  # the children inherit it
    assert NO_PROGRESS_ENV not in os.environ  # the caller's environment as it was

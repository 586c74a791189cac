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

import pytest

from bankperf_analysis._progress import NO_PROGRESS_ENV
from bankperf_analysis.dataset.load import load_dataset

cli_main = importlib.import_module("bankperf_analysis.cli.main")  # the module (the package exports main)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _bar_setting(data) -> bool:
    with load_dataset(data, validate=False) as ds:
        return bool(ds.con.execute("SELECT current_setting('enable_progress_bar')").fetchone()[0])


def test_no_bar_when_stdout_is_not_a_terminal(tiny_bank, monkeypatch):
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    monkeypatch.setattr("sys.stdout", io.StringIO())
    assert _bar_setting(tiny_bank) is False


def test_bar_on_a_terminal_unless_no_progress(tiny_bank, monkeypatch):
    monkeypatch.delenv(NO_PROGRESS_ENV, raising=False)
    monkeypatch.setattr("sys.stdout", _Terminal())
    assert _bar_setting(tiny_bank) is True  # DuckDB's default kept for an interactive user
    monkeypatch.setenv(NO_PROGRESS_ENV, "1")
    assert _bar_setting(tiny_bank) is False


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

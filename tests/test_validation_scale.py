"""Validation in one DuckDB scan per table, within a memory limit (issue 14, goal 3).

Each table's checks are counted in one scan (per-row checks, foreign keys as left joins,
``count(DISTINCT key)`` as the trigger of the exact duplicate search); DuckDB's memory is
capped while validating, spilling to a private temporary folder that is removed. These tests
pin what the faster path must still find -- a missing key and keys repeated across rows of
a Parquet table, single and composite, and foreign keys -- with the row numbers read from
the data, and that the memory cap and the spill folder do not outlive the validation. The
problem lists of the crafted bad-input cases are the other tests' (test_bad_inputs,
test_io, test_employment).
"""

from __future__ import annotations

import tempfile

import duckdb
import pandas as pd
import pytest

from bankperf_analysis.dataset import checks, load
from bankperf_analysis.dataset.load import VALIDATION_MEMORY, load_dataset
from bankperf_analysis.exceptions import DataValidationError


def _issues(folder) -> list:
    with pytest.raises(DataValidationError) as err:
        load_dataset(folder)
    return err.value.issues


def test_missing_and_repeated_keys_and_dangling_references_in_parquet(bank_copy):
    """One table, three key problems and a foreign key: each named with its row (1-based)."""
    path = bank_copy / "surveys.parquet"
    df = pd.read_parquet(path)
    df.loc[4, "survey_id"] = df.loc[1, "survey_id"]  # row 5 repeats row 2
    df.loc[7, "survey_id"] = None  # row 8: no key at all
    branches = set(pd.read_parquet(bank_copy / "branches.parquet").branch_id)
    unknown = next(f"X{i}" for i in range(100) if f"X{i}" not in branches)
    df.loc[9, "branch_id"] = unknown  # row 10 names no branch
    df.to_parquet(path)
    got = {(i.table, i.row, i.column, i.expected) for i in _issues(bank_copy)}
    assert ("surveys", 5, "survey_id", "a unique key (also in row 2)") in got
    assert ("surveys", 8, "survey_id", "a value: text") in got
    assert ("surveys", 10, "branch_id", "a branch_id present in branches") in got


def test_a_repeated_composite_key_is_found(bank_copy):
    path = bank_copy / "qualitative_ratings.parquet"
    df = pd.read_parquet(path)
    pd.concat([df, df.iloc[[2]]], ignore_index=True).to_parquet(path)  # the last row repeats row 3
    issues = _issues(bank_copy)
    assert [(i.table, i.row, i.expected) for i in issues] == [
        ("qualitative_ratings", len(df) + 1, "a unique key (also in row 3)")
    ]


def test_the_memory_limit_holds_while_validating_only(tiny_bank, monkeypatch):
    seen = []
    real = checks.validate_table

    def spy(con, *args, **kwargs):
        seen.append(con.execute("SELECT current_setting('memory_limit')").fetchone()[0])
        return real(con, *args, **kwargs)

    monkeypatch.setattr(load, "validate_table", spy)
    capped = duckdb.connect()
    capped.execute(f"SET memory_limit = '{VALIDATION_MEMORY}'")
    expected = capped.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    default = duckdb.connect().execute("SELECT current_setting('memory_limit')").fetchone()[0]
    with load_dataset(tiny_bank) as ds:
        after = ds.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]
    assert seen and set(seen) == {expected}
    assert after == default != expected  # the KPI engine gets DuckDB's default back


def test_spill_folder_is_private_and_removed(tiny_bank, bank_copy, tmp_path, monkeypatch):
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    with load_dataset(tiny_bank) as ds:
        spill = ds.spill_dir
        assert spill is not None and spill.parent == temp and spill.is_dir()
        assert ds.con.execute("SELECT current_setting('temp_directory')").fetchone()[0] == str(spill)
    assert list(temp.iterdir()) == []  # removed on close
    (bank_copy / "staff.parquet").write_bytes(b"not parquet")
    with pytest.raises(DataValidationError):
        load_dataset(bank_copy)
    assert list(temp.iterdir()) == []  # and when the data are refused

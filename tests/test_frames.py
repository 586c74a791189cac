"""load_dataset on a mapping of table name -> DataFrame: checked exactly as the same CSV files."""

from __future__ import annotations

import pandas as pd
import pytest

from bankperf_analysis import load_dataset
from bankperf_analysis.exceptions import DataValidationError, ParamsError


def _frames(folder) -> dict[str, pd.DataFrame]:
    """Every table of a bank folder as a typed DataFrame."""
    with load_dataset(folder) as ds:
        return {name: ds.table(name) for name in ds.tables}


def test_dataframes_load_like_their_files(tiny_bank):
    frames = _frames(tiny_bank)
    assert {"branches", "staff", "surveys"} <= set(frames), sorted(frames)
    with load_dataset(tiny_bank) as ds, load_dataset(frames) as from_frames:
        for name in frames:
            assert from_frames.n_rows(name) == ds.n_rows(name), name
        for name in ("branches", "surveys", "contacts"):
            key = from_frames.table(name).columns[0]
            a = from_frames.table(name).sort_values(key, ignore_index=True)
            b = ds.table(name).sort_values(key, ignore_index=True)
            pd.testing.assert_frame_equal(a, b, check_dtype=False)
        assert str(from_frames.root) == "<DataFrames>"


def test_a_bad_dataframe_is_refused_with_the_error_of_the_same_bad_csv(bank_copy):
    frames = _frames(bank_copy)
    bad = frames["branches"].copy()
    bad.loc[1, "branch_type"] = "mega"
    for old in bank_copy.glob("branches.*"):
        old.unlink()
    bad.to_csv(bank_copy / "branches.csv", index=False)
    with pytest.raises(DataValidationError) as from_file:
        load_dataset(bank_copy)
    with pytest.raises(DataValidationError) as from_frame:
        load_dataset({**frames, "branches": bad})
    file_issues = [i for i in from_file.value.issues if i.table == "branches"]
    frame_issues = [i for i in from_frame.value.issues if i.table == "branches"]
    assert file_issues, from_file.value
    assert [(i.row, i.column, i.value, i.expected) for i in frame_issues] == [
        (i.row, i.column, i.value, i.expected) for i in file_issues
    ]
    assert file_issues[0].row == 2 and file_issues[0].column == "branch_type"
    assert {i.file for i in frame_issues} == {"data['branches']"}


def test_unknown_table_names_and_non_frames_are_refused():
    with pytest.raises(
        ParamsError, match=r"The 'path' parameter of load_dataset must map table names.*'branch'"
    ):
        load_dataset({"branch": pd.DataFrame()})
    with pytest.raises(ParamsError, match=r"Got dict for 'branches' instead"):
        load_dataset({"branches": {"branch_id": ["B1"]}})

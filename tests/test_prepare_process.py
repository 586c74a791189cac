"""The batch's shared inputs computed in a child process (runner/prepare_process.py).

The child must compute exactly what the batch process computed before (it reads the data
without a second validation), hand back the exception that stopped it with its own type and
words, and a child that dies without a word must fail the batch with a ReportError, never
hang or pass.
"""

from __future__ import annotations

import sys

import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ReportError, UnreadableInputError
from bankperf_analysis.report import prepare_batch
from bankperf_analysis.runner.prepare_process import prepare_in_child


def _last_quarter(bank) -> str:
    with load_dataset(bank, validate=False) as ds:
        return ds.coverage()[1]


def test_the_child_writes_what_the_batch_process_wrote(tiny_bank, tmp_path):
    q = _last_quarter(tiny_bank)
    here = prepare_batch(tiny_bank, q, tmp_path / "here")
    there = prepare_in_child(tiny_bank, q, tmp_path / "there", None, None)
    assert there == tmp_path / "there"
    names = sorted(p.name for p in here.glob("*.parquet"))
    assert names == sorted(p.name for p in there.glob("*.parquet")) and "kpis.parquet" in names
    for name in names:
        pd.testing.assert_frame_equal(pd.read_parquet(here / name), pd.read_parquet(there / name), obj=name)


def test_the_childs_error_comes_back_with_its_type_and_words(tmp_path):
    missing = tmp_path / "no-such-bank"
    with pytest.raises(UnreadableInputError) as err:
        prepare_in_child(missing, "2026Q4", tmp_path / "out", None, None)
    assert "no-such-bank" in str(err.value)
    assert not (tmp_path / "out").exists()


def test_a_child_that_dies_without_a_word_fails_the_batch(tiny_bank, tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "executable", "/bin/false")  # the child exits 1 at once, writing nothing
    with pytest.raises(ReportError, match="exit code 1 and no result"):
        prepare_in_child(tiny_bank, "2026Q4", tmp_path / "out", None, None)

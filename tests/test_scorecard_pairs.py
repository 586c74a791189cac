"""(period, staff_id) pair matching of the scorecards, against a pandas MultiIndex of the pairs as text."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.scorecard.tenure import pair_isin, pair_lookup


def _reference(periods, ids) -> pd.MultiIndex:
    """The pairs as a MultiIndex of text (an independent route: tuples of ``str``)."""
    return pd.MultiIndex.from_tuples([(str(p), str(i)) for p, i in zip(periods, ids, strict=True)])


def test_pairs_match_as_text_like_a_multiindex():
    rng = np.random.default_rng(7)
    # ids as text, as numbers (1 and "1" are the same person as text), and missing
    pool = np.array(["S1", "S2", "S10", 1, "1", 2.5, None, np.nan, "2026Q4"], dtype=object)
    periods = np.array(["2026Q3", "2026Q4"], dtype=object)
    a_ids, a_per = pool[rng.integers(0, len(pool), 400)], periods[rng.integers(0, 2, 400)]
    b = pd.MultiIndex.from_product([["2026Q4", "2026Q3"], ["S2", "1", "None", "nan", "S10"]])
    b_per = pd.Series(b.get_level_values(0), dtype="str")
    b_ids = pd.Series(b.get_level_values(1), dtype="str")
    want_in = _reference(a_per, a_ids).isin(b)
    assert want_in.any() and not want_in.all()
    np.testing.assert_array_equal(pair_isin(a_per, a_ids, b_per, b_ids), want_in)
    want_at = b.get_indexer(_reference(a_per, a_ids))
    np.testing.assert_array_equal(pair_lookup(a_per, a_ids, b_per, b_ids), want_at)
    # the period and the id are not run together: ("2026Q4", "S1") is not ("2026Q4S", "1")
    assert not pair_isin(["2026Q4"], ["S1"], ["2026Q4S"], ["1"]).any()
    assert not pair_isin(["2026Q4"], ["S2"], ["2026Q3", "2026Q4"], ["S2", "S1"]).any()


def test_pairs_looked_up_must_be_unique_and_may_be_none():
    with pytest.raises(pd.errors.InvalidIndexError):
        pair_lookup(["2026Q4"], ["S1"], ["2026Q4", "2026Q4"], ["S1", "S1"])
    assert pair_lookup(["2026Q4"], ["S1"], [], []).tolist() == [-1]
    assert pair_isin([], [], ["2026Q4"], ["S1"]).tolist() == []

"""Never-treated units coded 0 (R did's mpdta, csdid, pyfixest's example data) vs NaN.

The data are shaped like R ``did``'s ``mpdta`` (``data(mpdta)``: ``countyreal``, ``year``
2003-2007, ``first.treat`` in {0, 2004, 2006, 2007} with 0 = never treated, ``lemp``),
simulated here with a seed: the estimate read with the 0 convention must equal the one
on the same data with never-treated coded NaN.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.exceptions import BankPerfWarning, InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import staggered_did, twfe_did


@pytest.fixture(scope="module")
def mpdta_like() -> pd.DataFrame:
    rng = np.random.default_rng(2003)
    n = 500
    years = np.arange(2003, 2008)
    first = rng.choice([0, 2004, 2006, 2007], n, p=[0.6, 0.1, 0.15, 0.15])
    county = np.repeat(np.arange(1, n + 1), years.size)
    year = np.tile(years, n)
    g = first[county - 1]
    effect = np.where((g > 0) & (year >= g), -0.05 * (1 + year - g), 0.0)
    lemp = rng.normal(5, 1.5, n)[county - 1] + 0.02 * (year - 2003) + effect + rng.normal(0, 0.1, county.size)
    return pd.DataFrame({"countyreal": county, "year": year, "first_treat": g, "lemp": lemp})


def _nan_coded(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(first_treat=df.first_treat.astype("float64").replace(0.0, np.nan))


def _cs(df: pd.DataFrame, **kw):
    cols = dict(unit_col="countyreal", period_col="year", cluster="countyreal", cohort_col="first_treat")
    return staggered_did(df, "lemp", **cols, **kw)


@pytest.mark.parametrize("control_group", ["never", "notyet"])
def test_zero_coded_never_treated_give_the_nan_coded_estimate(mpdta_like, control_group):
    want = _cs(_nan_coded(mpdta_like), control_group=control_group)
    got = _cs(mpdta_like, control_group=control_group, never_treated=0)
    assert got.estimate == pytest.approx(want.estimate, rel=1e-12)
    assert got.std_error == pytest.approx(want.std_error, rel=1e-12)
    assert got.n_units == want.n_units == 500
    assert got.dropped_cohorts == ()
    pd.testing.assert_frame_equal(got.att_gt, want.att_gt)


def test_the_default_detects_zero_before_the_first_period_and_says_so(mpdta_like):
    want = _cs(_nan_coded(mpdta_like))
    with pytest.warns(
        BankPerfWarning, match=r"'first_treat' = 0, before the first period \(2003\).*never_treated=0"
    ):
        got = _cs(mpdta_like)
    assert got.estimate == pytest.approx(want.estimate, rel=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", BankPerfWarning)  # explicit: no warning
        _cs(mpdta_like, never_treated=0)


def test_inf_coding_and_explicit_nan_keep_zero_an_adoption_period(mpdta_like):
    inf_coded = mpdta_like.assign(first_treat=mpdta_like.first_treat.astype("float64").replace(0.0, np.inf))
    want = _cs(_nan_coded(mpdta_like))
    assert _cs(inf_coded, never_treated=np.inf).estimate == pytest.approx(want.estimate, rel=1e-12)
    # 0 read as a period: those counties are "treated before 2003" and no unit is never treated
    with pytest.raises(InsufficientSampleError, match="never_treated=0"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _cs(mpdta_like, control_group="never", never_treated=np.nan)


def test_twfe_reads_the_same_conventions(mpdta_like):
    kw = dict(unit_col="countyreal", period_col="year", cohort_col="first_treat", vcov="hetero")
    want = twfe_did(_nan_coded(mpdta_like), "lemp", **kw)
    got = twfe_did(mpdta_like, "lemp", never_treated=0, **kw)
    assert got.estimate == pytest.approx(want.estimate, rel=1e-10)
    assert got.std_error == pytest.approx(want.std_error, rel=1e-10)


def test_bad_conventions_and_the_cluster_hint_name_real_arguments(mpdta_like):
    with pytest.raises(
        ParamsError, match=r"The 'never_treated' parameter of staggered_did must be 'auto', 0"
    ):
        _cs(mpdta_like, never_treated=-1)
    with pytest.raises(ParamsError, match=r"The 'never_treated' parameter of staggered_did"):
        _cs(mpdta_like, never_treated="zero")
    with pytest.raises(ParamsError, match=r"pass cluster='countyreal' to cluster by unit") as err:
        staggered_did(mpdta_like, "lemp", unit_col="countyreal", period_col="year", cohort_col="first_treat")
    assert "vcov" not in str(err.value)  # staggered_did has no vcov argument


# ---------------------------------------------------------------------------
# the other entry points read the same conventions (issue 18, item 3)
# ---------------------------------------------------------------------------

_COLS = dict(unit_col="countyreal", period_col="year", cluster="countyreal", cohort_col="first_treat")


def _event(df, **kw):
    from bankperf_analysis.incentives import event_study

    return event_study(df, "lemp", leads=2, lags=2, bootstrap="none", **_COLS, **kw).to_frame()


def _placebo(df, **kw):
    from bankperf_analysis.incentives import placebo_test

    return placebo_test(df, "lemp", **_COLS, **kw).to_frame()


def _effect(df, **kw):
    from bankperf_analysis.incentives import estimate_incentive_effect

    res = estimate_incentive_effect(df, "lemp", leads=2, lags=2, **_COLS, **kw)
    return pd.concat([res.to_frame(), res.event.to_frame(), res.robust.att_gt], ignore_index=True)


_ENTRY = {"event_study": _event, "placebo_test": _placebo, "estimate_incentive_effect": _effect}


@pytest.mark.parametrize("func", list(_ENTRY))
def test_zero_inf_and_nan_conventions_give_identical_results(mpdta_like, func):
    run = _ENTRY[func]
    inf_coded = mpdta_like.assign(first_treat=mpdta_like.first_treat.astype("float64").replace(0.0, np.inf))
    with warnings.catch_warnings():
        warnings.simplefilter("error", BankPerfWarning)  # an explicit convention: no warning
        warnings.filterwarnings("ignore", message=".*(disagree|pre-trend|few).*")
        want = run(_nan_coded(mpdta_like), never_treated=np.nan)
        got_zero = run(mpdta_like, never_treated=0)
        got_inf = run(inf_coded, never_treated=np.inf)
    pd.testing.assert_frame_equal(got_zero, want)
    pd.testing.assert_frame_equal(got_inf, want)
    # the argument reaches the estimator: 0 read as a period changes the sample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        as_period = run(mpdta_like, never_treated=np.nan)
    assert not as_period.equals(want)
    with pytest.raises(ParamsError, match=rf"The 'never_treated' parameter of {func} must be 'auto', 0"):
        run(mpdta_like, never_treated=-1)

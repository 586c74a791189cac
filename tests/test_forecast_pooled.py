"""The pooled forecast model and the staffing plan's profile from sufficient statistics.

* The pooled model (branch x weekday + branch x slot + channel x weekday x slot +
  calendar) is checked against statsmodels' GLM with the same dummies (a full-rank
  subset, chosen by pivoted QR, since the blocks overlap), Poisson and NB2 at a fixed
  alpha: fitted means and month-end coefficients to 1e-6.
* :func:`forecast_profile` (what the staffing plan uses) must give the forecaster's
  ``predict`` averaged over the next quarter's ordinary days, a second route through
  the zero-filled grid and one prediction row per day.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_forecast import HOLIDAYS, synthetic_contacts

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period
from bankperf_analysis.staffing import DemandForecaster, backtest
from bankperf_analysis.staffing._profile_forecast import forecast_profile

BRANCHES = (("B01", 1.0), ("B02", 1.6), ("B03", 0.7))


@pytest.fixture(scope="module")
def panel():
    return synthetic_contacts(weeks=8, seed=3, branches=BRANCHES)


def _full_rank(x: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``x`` that a pivoted QR finds independent (statsmodels' IRLS stalls
    on a rank-deficient design)."""
    import scipy.linalg

    _, r, piv = scipy.linalg.qr(x.to_numpy(), mode="economic", pivoting=True)
    rank = int((np.abs(np.diag(r)) > 1e-9 * abs(r[0, 0])).sum())
    return x.iloc[:, np.sort(piv[:rank])]


@pytest.mark.parametrize("model", ["poisson", "negbin"])
def test_pooled_fit_equals_statsmodels_glm(panel, model):
    import statsmodels.api as sm

    f = DemandForecaster(model=model, interval_minutes=60, alpha=0.05, pooling="pooled").fit(panel)
    h = f.history_
    s = h["branch_id"] + "_" + h["channel"]
    wd, sl = "w" + h["weekday"].astype(str), "s" + h["slot"].astype(str)
    x = pd.concat(
        [pd.get_dummies(s + wd), pd.get_dummies(s + sl), pd.get_dummies(h["channel"] + wd + sl)], axis=1
    ).astype(float)
    for name in s.unique():
        x["me_" + name] = ((s == name) & h["month_end"]).astype(float)
    x = _full_rank(x)
    assert x.shape[1] < 3 * 7 * 8  # far fewer parameters than per-series cells
    fam = sm.families.Poisson() if model == "poisson" else sm.families.NegativeBinomial(alpha=0.05)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = sm.GLM(h["contacts"].to_numpy(dtype=float), x.to_numpy(), family=fam).fit(
            tol=1e-13, maxiter=200
        )
    end = h["interval_start"].max() + pd.Timedelta(hours=1)
    pred = f.predict(h["interval_start"].min(), end)
    got = h.merge(pred, on=["branch_id", "channel", "interval_start"], how="left")["expected_contacts"]
    np.testing.assert_allclose(np.log(got.to_numpy()), np.log(ref.mu), atol=1e-6)
    me = f.coef_[f.coef_["term"] == "month_end"]
    for r in me.itertuples():
        col = f"me_{r.branch_id}_{r.channel}"
        if col in x.columns:
            assert r.estimate == pytest.approx(ref.params[list(x.columns).index(col)], abs=1e-6)


def test_pooled_differs_from_per_series_but_one_branch_is_the_same(panel):
    # one branch per channel: the shared interaction saturates the cells, as per series
    one = panel[panel["branch_id"] == "B02"]
    fits = [
        DemandForecaster(model="poisson", interval_minutes=60, pooling=p).fit(one)
        for p in ("series", "pooled")
    ]
    a, b = (f.predict("2025-11-03", "2025-11-10")["expected_contacts"].to_numpy() for f in fits)
    np.testing.assert_allclose(a, b, rtol=1e-8)
    fits = [
        DemandForecaster(model="poisson", interval_minutes=60, pooling=p).fit(panel)
        for p in ("series", "pooled")
    ]
    a, b = (f.predict("2025-11-03", "2025-11-10")["expected_contacts"].to_numpy() for f in fits)
    assert np.abs(a / b - 1).max() > 1e-3


def test_auto_pools_from_a_number_of_series(panel, monkeypatch):
    from bankperf_analysis.staffing import forecast

    f = DemandForecaster(pooling="auto")
    monkeypatch.setattr(forecast, "POOLED_FROM_SERIES", 6)
    assert f._pooled(6) and not f._pooled(5)


def test_pooling_must_be_a_known_structure(panel):
    with pytest.raises(ParamsError, match="'pooling' parameter of DemandForecaster"):
        DemandForecaster(pooling="bank").fit(panel)
    with pytest.raises(ParamsError, match="'pooling' parameter of backtest"):
        backtest(panel, pooling="bank")


def test_pooled_backtest_runs_on_the_same_folds(panel):
    a = backtest(panel, models=["poisson"], n_folds=2, pooling="series").folds
    b = backtest(panel, models=["poisson"], n_folds=2, pooling="pooled").folds
    assert a["cutoff"].tolist() == b["cutoff"].tolist()
    base = a["model"] == "seasonal_naive"
    assert a.loc[base, "wape"].tolist() == b.loc[base, "wape"].tolist()
    assert a.loc[~base, "wape"].tolist() != b.loc[~base, "wape"].tolist()


# --------------------------------------------------------------------------- the plan's profile


def _counts(contacts: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Interval counts as the staffing plan's SQL gives them (one row per non-empty interval)."""
    ts = contacts["arrival_ts"].dt.floor(f"{minutes}min")
    c = contacts.assign(interval_start=ts).groupby(["branch_id", "channel", "interval_start"]).size()
    c = c.rename("contacts").reset_index().rename(columns={"channel": "queue"})
    c["date"] = c["interval_start"].dt.normalize()
    c["weekday"] = c["date"].dt.day_of_week.astype(np.int64)
    c["slot"] = ((c["interval_start"] - c["date"]).dt.total_seconds() // (60 * minutes)).astype(np.int64)
    return c[["branch_id", "queue", "date", "weekday", "slot", "contacts"]]


@pytest.mark.parametrize("pooling", ["series", "pooled"])
def test_profile_equals_the_forecasters_predict_averaged_over_the_quarter(pooling):
    # 14 weeks from September 2025 (month ends, training holidays closed); plan 2026Q1,
    # with its own holiday on a Thursday, excluded from the ordinary days
    contacts = synthetic_contacts(weeks=14, seed=5, branches=BRANCHES)
    q, minutes = Period.parse("2025Q4"), 30
    holidays = [*HOLIDAYS, "2026-01-01"]
    got = forecast_profile(_counts(contacts, minutes), q, minutes, holidays, pooling=pooling)
    est = DemandForecaster(model="negbin", interval_minutes=minutes, holidays=holidays, pooling=pooling)
    pred = est.fit(contacts).predict("2026-01-01", "2026-04-01")
    day = pred["interval_start"].dt.normalize()
    pred = pred[~day.isin(pd.to_datetime(holidays))]
    day = pred["interval_start"].dt.normalize()
    ref = (
        pred.assign(
            weekday=day.dt.day_of_week,
            slot=((pred["interval_start"] - day).dt.total_seconds() // (60 * minutes)).astype(np.int64),
        )
        .groupby(["branch_id", "channel", "weekday", "slot"], as_index=False)["expected_contacts"]
        .mean()
    )
    assert len(got) == len(ref) > 0
    assert got["branch_id"].tolist() == ref["branch_id"].tolist()
    assert got["queue"].tolist() == ref["channel"].tolist()
    assert (got["slot"].to_numpy() == ref["slot"].to_numpy()).all()
    np.testing.assert_allclose(got["contacts"].to_numpy(), ref["expected_contacts"].to_numpy(), rtol=1e-9)


def test_profile_of_no_counts_is_empty():
    types = {"branch_id": object, "queue": object, "date": "datetime64[ns]", "weekday": np.int64}
    types |= {"slot": np.int64, "contacts": np.int64}
    empty = pd.DataFrame({c: pd.Series(dtype=t) for c, t in types.items()})
    assert forecast_profile(empty, Period.parse("2026Q4"), 30, []).empty

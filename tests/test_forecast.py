"""Tests of bankperf_analysis.staffing.forecast on seeded synthetic contacts with a known
weekday x hour profile (Monday/Friday peaks), a month-end bump and a holiday."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.exceptions import (
    DataValidationError,
    InsufficientSampleError,
    NotFittedError,
    ParamsError,
)
from bankperf_analysis.staffing import (
    DemandForecaster,
    aggregate_contacts,
    backtest,
    calendar_flags,
    wape,
)

WEEKDAY_FACTOR = np.array([1.45, 1.0, 0.95, 1.0, 1.35, 0.7, 0.0])  # Mon..Sun; Sunday closed
HOUR_PROFILE = np.array([0.7, 1.3, 1.2, 0.9, 0.8, 1.1, 1.15, 0.85])  # 09:00..16:00
MONTH_END_BOOST = 1.6
HOLIDAYS = ["2025-10-01", "2025-10-02"]  # branches closed


def synthetic_contacts(
    weeks=14,
    start="2025-09-01",
    seed=7,
    base=3.0,
    alpha=0.05,
    branches=(("B01", 1.0), ("B02", 1.6)),
    channels=(("phone", 1.0), ("counter", 0.6)),
):
    """Gamma-Poisson (NB2) counts per 15 minutes, arrivals spread uniformly inside."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(start, periods=7 * weeks, freq="D")
    cal = calendar_flags(days, HOLIDAYS)
    cal = cal[(WEEKDAY_FACTOR[cal["weekday"]] > 0) & ~cal["holiday"]]
    slots = pd.DataFrame({"hour": np.repeat(np.arange(9, 17), 4), "quarter": np.tile(range(4), 8)})
    grid = cal.merge(slots, how="cross")
    grid = grid[(grid["weekday"] < 5) | (grid["hour"] < 12)]  # Saturday mornings only
    frames = []
    for b, bs in branches:
        for ch, cs in channels:
            mu = (
                base
                * bs
                * cs
                * WEEKDAY_FACTOR[grid["weekday"]]
                * HOUR_PROFILE[grid["hour"] - 9]
                * np.where(grid["month_end"], MONTH_END_BOOST, 1.0)
            )
            k = rng.poisson(rng.gamma(1 / alpha, alpha * mu))
            t0 = (
                grid["date"] + pd.to_timedelta(grid["hour"] * 60 + grid["quarter"] * 15, unit="min")
            ).to_numpy()
            ts = np.repeat(t0, k) + pd.to_timedelta(rng.uniform(0, 900, k.sum()), unit="s")
            frames.append(pd.DataFrame({"branch_id": b, "channel": ch, "arrival_ts": ts}))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def contacts():
    return synthetic_contacts()


# --------------------------------------------------------------------------- aggregation


def test_aggregate_zero_fills_opening_hours():
    ts = pd.to_datetime(
        ["2026-01-05 09:10", "2026-01-05 09:20", "2026-01-05 11:05", "2026-01-12 10:40", "2026-01-13 09:00"]
    )
    c = pd.DataFrame({"branch_id": ["B1"] * 4 + ["B2"], "channel": "phone", "arrival_ts": ts})
    g = aggregate_contacts(c, 60)
    b1 = g[g["branch_id"] == "B1"]
    # two open Mondays x slots {9, 10, 11} seen on Mondays
    assert len(b1) == 6
    assert b1["contacts"].tolist() == [2, 0, 1, 0, 1, 0]
    assert b1["interval_start"].dt.hour.tolist() == [9, 10, 11, 9, 10, 11]
    assert g["contacts"].sum() == len(c)
    g30 = aggregate_contacts(c, 30)
    assert g30["contacts"].sum() == len(c)
    assert (g30["interval_start"].dt.minute % 30 == 0).all()
    merged = aggregate_contacts(
        c.assign(channel=["phone", "counter", "phone", "online", "phone"]), 60, by_channel=False
    )
    assert set(merged["channel"]) == {"all"} and merged["contacts"].sum() == len(c)


def test_calendar_flags_month_end_and_holidays():
    f = calendar_flags(pd.date_range("2026-01-26", "2026-02-02"))
    # January 2026 ends on Saturday 31st: the last two business days are Thu 29, Fri 30
    assert f.loc[f["month_end"], "date"].dt.strftime("%m-%d").tolist() == ["01-29", "01-30"]
    f = calendar_flags(pd.date_range("2026-01-26", "2026-02-02"), holidays=["2026-01-30"])
    assert f.loc[f["month_end"], "date"].dt.strftime("%m-%d").tolist() == ["01-28", "01-29"]
    assert f.loc[f["holiday"], "date"].dt.strftime("%m-%d").tolist() == ["01-30"]
    f3 = calendar_flags(pd.date_range("2026-01-26", "2026-01-31"), month_end_days=3)
    assert f3["month_end"].sum() == 3


def test_wape():
    assert wape([10, 0, 30], [12, 1, 27]) == pytest.approx(6 / 40)
    assert np.isnan(wape([0, 0], [1, 1]))


# --------------------------------------------------------------------------- model


def test_negbin_beats_seasonal_naive_in_backtest(contacts):
    res = backtest(contacts, n_folds=3, interval_minutes=30, holidays=HOLIDAYS)
    folds = res.to_frame()
    assert set(folds["model"]) == {"seasonal_naive", "poisson", "negbin"}
    assert folds["fold"].nunique() == 3
    # WAPE recomputed from the reported totals
    np.testing.assert_allclose(folds["wape"], folds["abs_error"] / folds["actual_contacts"])
    overall = res.overall.set_index("model")
    assert overall.loc["negbin", "wape"] < 0.9 * overall.loc["seasonal_naive", "wape"]
    assert overall.loc["negbin", "beats_baseline"]
    per_fold = folds.pivot(index="fold", columns="model", values="wape")
    assert (per_fold["negbin"] < per_fold["seasonal_naive"]).all()
    assert "beats_baseline" in res.summary().as_text()


def test_fit_recovers_profile_and_calendar_effects(contacts):
    f = DemandForecaster(model="negbin", interval_minutes=60, holidays=HOLIDAYS).fit(contacts)
    coef = f.coef_.set_index(["branch_id", "channel", "term"])["estimate"]
    for b in ("B01", "B02"):
        for ch in ("phone", "counter"):
            assert coef[(b, ch, "month_end")] == pytest.approx(np.log(MONTH_END_BOOST), abs=0.2)
            # Monday 10:00 (slot 10) above Wednesday 10:00 by about log(1.45 / 0.95)
            mon, wed = coef[(b, ch, "dow0_slot10")], coef[(b, ch, "dow2_slot10")]
            assert mon - wed == pytest.approx(np.log(1.45 / 0.95), abs=0.25)
    alpha = f.alpha_["alpha"]
    assert (alpha > 0).all() and (alpha < 0.3).all()
    # closed on the training holidays: the holiday term is -inf (no rows forecast)
    hol = f.coef_[f.coef_["term"] == "holiday"]["estimate"]
    assert len(hol) == 4 and np.isneginf(hol).all()
    text = f.summary().as_text()
    assert "month_end_multiplier" in text and "B02" in text


def test_grouped_fit_equals_row_level_statsmodels_glm():
    # The forecaster fits on collapsed rows (sufficient statistics) with the cell
    # effects absorbed; a plain row-level statsmodels GLM with one dummy per cell
    # must give the same coefficients.
    import statsmodels.api as sm

    one = synthetic_contacts(weeks=6, seed=3, branches=(("B01", 1.0),), channels=(("phone", 1.0),))
    for model, fam in (
        ("poisson", sm.families.Poisson()),
        ("negbin", sm.families.NegativeBinomial(alpha=0.05)),
    ):
        f = DemandForecaster(model=model, interval_minutes=60, alpha=0.05).fit(one)
        h = f.history_
        cells = pd.Categorical(h["weekday"] * 100 + h["slot"])
        x = pd.get_dummies(cells).to_numpy(dtype=float)
        x = np.column_stack([x, h["month_end"].to_numpy(dtype=float)])
        ref = sm.GLM(h["contacts"].to_numpy(dtype=float), x, family=fam).fit()
        got = f.coef_.set_index("term")["estimate"]
        assert got["month_end"] == pytest.approx(ref.params[-1], abs=1e-6)
        names = [f"dow{c // 100}_slot{c % 100}" for c in cells.categories]
        np.testing.assert_allclose(got[names].to_numpy(), ref.params[:-1], atol=1e-6)


@pytest.mark.parametrize("minutes", [15, 30, 60])
def test_predict_shape_and_non_negative(minutes):
    c = synthetic_contacts(weeks=5, seed=minutes, branches=(("B01", 1.0),))
    f = DemandForecaster(interval_minutes=minutes, holidays=HOLIDAYS).fit(c)
    p = f.predict("2025-10-06", "2025-10-13")  # Monday to Sunday
    assert list(p.columns) == ["interval_start", "branch_id", "channel", "expected_contacts"]
    assert (p["expected_contacts"] >= 0).all() and p["expected_contacts"].notna().all()
    assert (p["interval_start"].dt.minute % minutes == 0).all()
    per_series_day = p.groupby(["channel", p["interval_start"].dt.day_of_week]).size()
    # Mon-Fri 09:00-17:00 and Saturday 09:00-12:00; Sunday closed
    assert per_series_day.xs("phone").to_dict() == {d: 8 * 60 // minutes for d in range(5)} | {
        5: 3 * 60 // minutes
    }
    # the Monday peak is forecast above Wednesday
    day = p[p["channel"] == "phone"].groupby(p["interval_start"].dt.day_of_week)["expected_contacts"].sum()
    assert day[0] > day[2] and day[4] > day[2]


def test_closed_holidays_are_not_forecast(contacts):
    f = DemandForecaster(model="poisson", interval_minutes=60, holidays=HOLIDAYS + ["2025-12-25"]).fit(
        contacts
    )
    p = f.predict("2025-12-22", "2025-12-27")
    assert not (p["interval_start"].dt.strftime("%m-%d") == "12-25").any()
    assert (p["interval_start"].dt.strftime("%m-%d") == "12-24").any()


def test_seasonal_naive_repeats_last_week(contacts):
    f = DemandForecaster(model="seasonal_naive", interval_minutes=60).fit(contacts)
    last_day = contacts["arrival_ts"].max().normalize()
    p = f.predict(last_day + pd.Timedelta(days=1), last_day + pd.Timedelta(days=8))
    h = f.history_
    h = h[(h["branch_id"] == "B01") & (h["channel"] == "phone")]
    last_week = h[h["date"] > last_day - pd.Timedelta(days=7)]
    q = p[(p["branch_id"] == "B01") & (p["channel"] == "phone")]
    assert sorted(q["expected_contacts"].tolist()) == sorted(last_week["contacts"].astype(float).tolist())


# --------------------------------------------------------------------------- errors


def test_errors(contacts):
    with pytest.raises(
        ParamsError,
        match="The 'interval_minutes' parameter of DemandForecaster "
        "must be one of 15, 30, 60. Got 20 instead.",
    ):
        DemandForecaster(interval_minutes=20).fit(contacts)
    with pytest.raises(ParamsError, match="'model' parameter of DemandForecaster"):
        DemandForecaster(model="arima").fit(contacts)
    with pytest.raises(NotFittedError):
        DemandForecaster().predict("2026-01-01", "2026-01-02")
    with pytest.raises(DataValidationError):
        DemandForecaster().fit(contacts.drop(columns="channel"))
    with pytest.raises(InsufficientSampleError):
        backtest(contacts, n_folds=20)
    assert repr(DemandForecaster(model="poisson")) == "DemandForecaster(model='poisson')"
    assert DemandForecaster().get_params()["interval_minutes"] == 30

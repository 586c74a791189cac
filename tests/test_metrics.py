"""KPI engine: domain.md's hand-worked examples exactly, roll-up identities, a pandas cross-check."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics import (
    KPI_CATALOGUE,
    MetricOptions,
    compute_kpis,
    kpi_availability,
    kpi_table,
)


def _write(folder, tables: dict[str, pd.DataFrame]):
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        df.to_csv(folder / f"{name}.csv", index=False)
    return folder


def _small_bank(folder):
    """One branch, one teller T1 and one rep R1; the numbers of domain.md's worked examples."""
    d = dt.date(2026, 7, 1)
    days = [d + dt.timedelta(days=i) for i in range(5)]
    tables = {
        "branches": pd.DataFrame(
            {"branch_id": ["B1"], "branch_name": ["One"], "region": ["N"], "branch_type": ["standard"]}
        ),
        "staff": pd.DataFrame(
            {
                "staff_id": ["T1", "R1"],
                "staff_name": ["Teller", "Rep"],
                "branch_id": ["B1", "B1"],
                "role": ["teller", "customer_service_rep"],
                "counter_type": ["cash", None],
                "hire_date": ["2020-01-01", "2020-01-01"],
                "leave_date": [None, None],
            }
        ),
        # cash 500 / 1,000,000 = 0.05 %; ledger 5 / 1000 = 0.5 %; handling 500 min / 100 = 5 min;
        # volume: 1200 transactions in July vs baseline 1000 = 120 % (the 100 above are a
        # separate day with 500 minutes: handling = (500 + 0 ...) see below)
        "teller_transactions": pd.DataFrame(
            {
                "staff_id": ["T1", "T1"],
                "branch_id": ["B1", "B1"],
                "work_date": ["2026-07-01", "2026-07-02"],
                "n_transactions": [100, 1100],
                "cash_handled_yuan": [1_000_000.0, 0.0],
                "cash_error_yuan": [500.0, 0.0],
                "ledger_entries": [1000, 0],
                "ledger_errors": [5, 0],
                "handling_seconds": [500 * 60.0, 1100 * 5 * 60.0],
            }
        ),
        # on-site 8.5 (8, 9) and call-back 8.5 (7, 10) for the rep
        "surveys": pd.DataFrame(
            {
                "survey_id": ["s1", "s2", "s3", "s4"],
                "branch_id": ["B1"] * 4,
                "staff_id": ["R1"] * 4,
                "survey_date": ["2026-07-03"] * 4,
                "channel": ["on_site", "on_site", "phone_callback", "phone_callback"],
                "score": [8, 9, 7, 10],
            }
        ),
        # complaint resolution 4, 3, 5, 4, 3 -> 3.8
        "complaints": pd.DataFrame(
            {
                "complaint_id": [f"k{i}" for i in range(5)],
                "branch_id": ["B1"] * 5,
                "staff_id": ["R1"] * 5,
                "opened_ts": ["2026-07-01 09:00:00"] * 5,
                "closed_ts": [
                    "2026-07-01 10:00:00",
                    "2026-07-02 08:59:59",
                    "2026-07-02 09:00:00",
                    "2026-07-02 09:00:01",
                    "2026-07-05 09:00:00",
                ],
                "resolution_score": [4, 3, 5, 4, 3],
            }
        ),
        # dress: 3 days at 10 and 2 days at 8 over 5 days -> 9.2
        "inspections": pd.DataFrame(
            {
                "inspection_id": [f"i{i}" for i in range(5)],
                "staff_id": ["T1"] * 5,
                "branch_id": ["B1"] * 5,
                "inspection_date": [str(x) for x in days],
                "aspect": ["dress"] * 5,
                "score": [10, 10, 10, 8, 8],
            }
        ),
        # training: 8 of 10 sessions attended -> 80 %
        "training": pd.DataFrame(
            {
                "session_id": [f"t{i}" for i in range(10)],
                "staff_id": ["T1"] * 10,
                "session_date": ["2026-07-10"] * 10,
                "topic": ["x"] * 10,
                "attended": [True] * 8 + [False] * 2,
                "exam_score": [90.0] * 8 + [None] * 2,
            }
        ),
    }
    return _write(folder, tables)


@pytest.fixture
def small(tmp_path):
    ds = load_dataset(_small_bank(tmp_path / "small"))
    yield compute_kpis(ds, period="2026Q3")
    ds.close()


def _v(kpis, kpi, entity, period="2026-07"):
    row = kpis[(kpis.entity_id == entity) & (kpis.kpi == kpi) & (kpis.period == period)]
    assert len(row) == 1, (kpi, entity, period, row)
    return float(row.value.iloc[0])


# domain.md, "KPIs, formulas and default targets": the hand-worked examples.
def test_cash_error_rate_005_percent(small):
    assert _v(small, "cash_error_rate", "T1") == pytest.approx(0.0005, abs=0, rel=1e-12)


def test_ledger_error_rate_05_percent(small):
    assert _v(small, "ledger_error_rate", "T1") == pytest.approx(0.005, rel=1e-12)


def test_handling_time_5_minutes(small):
    assert _v(small, "handling_minutes", "T1") == pytest.approx(5.0, rel=1e-12)


def test_volume_120_percent(small):
    assert _v(small, "volume_vs_baseline", "T1") == pytest.approx(1.20, rel=1e-12)


def test_onsite_and_callback_8_5(small):
    assert _v(small, "onsite_survey_score", "R1") == pytest.approx(8.5)
    assert _v(small, "callback_survey_score", "R1") == pytest.approx(8.5)
    # satisfied = score >= 8: 3 of 4
    assert _v(small, "satisfaction_rate", "R1") == pytest.approx(0.75)


def test_complaint_resolution_3_8(small):
    assert _v(small, "complaint_resolution_score", "R1") == pytest.approx(3.8)


def test_complaint_deadline_edges(small):
    # closed after 1 h, 23:59:59, exactly 24 h, 24 h + 1 s, 4 days -> 3 of 5 on time
    assert _v(small, "complaint_closed_on_time_rate", "R1") == pytest.approx(0.6)
    assert _v(small, "complaint_count", "R1") == 5
    assert _v(small, "complaint_median_hours", "R1") == pytest.approx(24.0)


def test_dress_score_9_2(small):
    assert _v(small, "dress_score", "T1") == pytest.approx(9.2)


def test_training_attendance_80_percent(small):
    assert _v(small, "training_attendance_rate", "T1") == pytest.approx(0.8)
    assert _v(small, "training_exam_score", "T1") == pytest.approx(90.0)


def test_quarter_equals_month_when_one_month_of_data(small):
    assert _v(small, "cash_error_rate", "T1", "2026Q3") == _v(small, "cash_error_rate", "T1")
    # volume over a quarter: baseline x 3 teller-months employed
    assert _v(small, "volume_vs_baseline", "T1", "2026Q3") == pytest.approx(1200 / 3000)


def test_satisfied_threshold_is_a_parameter(tmp_path):
    ds = load_dataset(_small_bank(tmp_path / "s"))
    k = compute_kpis(ds, period="2026-07", options=MetricOptions(satisfied_threshold=9))
    assert _v(k, "satisfaction_rate", "R1") == pytest.approx(0.5)


def test_missing_tables_make_kpis_unavailable(tmp_path):
    folder = _small_bank(tmp_path / "s")
    ds = load_dataset(folder)
    av = kpi_availability(ds).set_index("kpi")
    assert bool(av.loc["cash_error_rate", "available"])
    assert not bool(av.loc["review_360_score", "available"])
    assert "reviews_360" in av.loc["review_360_score", "reason"]
    k = compute_kpis(ds)
    assert "review_360_score" not in set(k.kpi)


def test_bad_options_raise():
    with pytest.raises(ParamsError, match="service_level_seconds"):
        MetricOptions(service_level_seconds=-1)
    with pytest.raises(ParamsError, match="Unknown KPI"):
        compute_kpis(None, kpis=["nope"])  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- demo bank


@pytest.fixture(scope="module")
def demo(tiny_bank):
    ds = load_dataset(tiny_bank)
    yield ds, compute_kpis(ds)
    ds.close()


def test_rates_in_unit_interval(demo):
    _, k = demo
    rates = [n for n, d in KPI_CATALOGUE.items() if d.kind == "rate"]
    v = k[k.kpi.isin(rates)].value.dropna()
    assert len(v) > 100 and v.between(0, 1).all()


def test_levels_periods_and_columns(demo):
    _, k = demo
    assert list(k.columns) == [
        "level",
        "entity_id",
        "branch_id",
        "region",
        "role",
        "period_type",
        "period",
        "kpi",
        "value",
        "numerator",
        "denominator",
        "n",
    ]
    assert set(k.level) == {"staff", "branch", "region", "bank"}
    assert set(k.period_type) == {"month", "quarter", "year"}
    staff = k[k.level == "staff"]
    assert staff.role.notna().all() and staff.branch_id.notna().all()
    assert not staff.kpi.isin(["mystery_shopper_score", "churn_rate", "abandonment_rate"]).any()


def test_additive_rollups(demo):
    """Branch numerators/denominators are sums over months and over the bank's branches."""
    _, k = demo
    sat = k[k.kpi == "satisfaction_rate"]
    br_q = sat[(sat.level == "branch") & (sat.period_type == "quarter")]
    bank_q = sat[(sat.level == "bank") & (sat.period_type == "quarter")].set_index("period")
    sums = br_q.groupby("period")[["numerator", "denominator"]].sum()
    pd.testing.assert_frame_equal(
        sums, bank_q[["numerator", "denominator"]].loc[sums.index], check_names=False
    )
    months = sat[(sat.level == "bank") & (sat.period_type == "month")].copy()
    months["q"] = pd.PeriodIndex(months.period, freq="M").asfreq("Q").astype(str)
    by_q = months.groupby("q")[["numerator", "denominator"]].sum()
    assert np.allclose(by_q.loc[bank_q.index].to_numpy(), bank_q[["numerator", "denominator"]].to_numpy())


def test_matches_pandas_reference(demo, tiny_bank):
    """Second method: the same KPIs computed straight from the Parquet with pandas."""
    _, k = demo
    c = pd.read_parquet(tiny_bank / "contacts.parquet")
    every = c[(c.arrival_ts >= "2026-07-01") & (c.arrival_ts < "2026-10-01")]
    ref_res = every[every.answer_ts.notna()].resolved.astype(bool).groupby(every.branch_id).mean()
    c = every[every.channel.isin(["phone", "online"])]  # response time, service level: remote queues
    ans = c[c.answer_ts.notna()]
    wait = (ans.answer_ts - ans.arrival_ts).dt.total_seconds()
    ref_rt = wait.groupby(ans.staff_id).mean()
    ref_sl = (c.answer_ts.notna() & ((c.answer_ts - c.arrival_ts).dt.total_seconds() <= 30)).groupby(
        c.branch_id
    ).sum() / c.groupby("branch_id").size()
    q = k[k.period == "2026Q3"]
    got_rt = q[(q.level == "staff") & (q.kpi == "response_time_seconds")].set_index("entity_id").value
    got_sl = q[(q.level == "branch") & (q.kpi == "service_level")].set_index("entity_id").value
    got_res = q[(q.level == "branch") & (q.kpi == "resolution_rate")].set_index("entity_id").value
    assert set(got_rt.index) & set(every.staff_id.dropna()) == set(ref_rt.index)  # tellers: none
    assert np.allclose(got_rt.loc[ref_rt.index], ref_rt, rtol=1e-9)
    assert np.allclose(got_sl.loc[ref_sl.index], ref_sl, rtol=1e-12)
    assert np.allclose(got_res.loc[ref_res.index], ref_res, rtol=1e-12)
    s = pd.read_parquet(tiny_bank / "surveys.parquet")
    s = s[(pd.to_datetime(s.survey_date) >= "2026-07-01") & (pd.to_datetime(s.survey_date) < "2026-10-01")]
    ref_sat = (s.score >= 8).groupby(s.staff_id).mean()
    got_sat = q[(q.level == "staff") & (q.kpi == "satisfaction_rate")].set_index("entity_id").value
    assert np.allclose(got_sat.loc[ref_sat.index], ref_sat, rtol=1e-12)


def test_period_filter_equals_full_run(demo):
    ds, k = demo
    q = compute_kpis(ds, period="2026Q3")
    full = k[k.period.isin(q.period.unique())].reset_index(drop=True)
    cols = ["level", "entity_id", "period", "kpi"]
    a = q.set_index(cols).sort_index()
    b = full.set_index(cols).sort_index()
    assert a.index.equals(b.index)
    assert np.allclose(a.value.to_numpy(), b.value.to_numpy(), equal_nan=True)


def test_review_360_weights(tmp_path):
    folder = _small_bank(tmp_path / "s")
    pd.DataFrame(
        {
            "review_id": ["a", "b", "c", "d", "e"],
            "reviewee_id": ["R1"] * 5,
            "review_date": ["2026-08-01"] * 5,
            "rater_role": ["supervisor", "peer", "peer", "customer", "self"],
            "dimension": ["teamwork"] * 5,
            "score": [80.0, 70.0, 90.0, 60.0, 100.0],
        }
    ).to_csv(folder / "reviews_360.csv", index=False)
    k = compute_kpis(load_dataset(folder), period="2026Q3")
    # 0.4*80 + 0.3*mean(70, 90) + 0.2*60 + 0.1*100 = 32 + 24 + 12 + 10 = 78
    assert _v(k, "review_360_score", "R1", "2026Q3") == pytest.approx(78.0)


def test_kpi_table_wide(demo, tiny_bank):
    _, k = demo
    wide = kpi_table(k, level="branch", period="2026Q3")
    assert list(wide.index) == sorted(pd.read_parquet(tiny_bank / "branches.parquet")["branch_id"])
    assert "satisfaction_rate" in wide.columns


def test_quarter_grain_equals_month_grain(demo):
    """Aggregating straight to quarters gives the same quarter values as via months."""
    ds, k = demo
    q = compute_kpis(ds, period="2026Q2", period_types=("quarter",))
    full = k[(k.period == "2026Q2")]
    cols = ["level", "entity_id", "kpi"]
    a = q.set_index(cols).sort_index()
    b = full.set_index(cols).sort_index()
    assert a.index.equals(b.index)
    assert np.allclose(a.value.to_numpy(), b.value.to_numpy(), equal_nan=True, rtol=1e-12)


@pytest.mark.parametrize(
    "levels", [("staff",), ("branch",), ("staff", "branch"), ("branch", "region", "bank"), ("bank",)]
)
def test_any_subset_of_levels(demo, levels):
    ds, k = demo
    sub = compute_kpis(ds, period="2026Q3", levels=levels, period_types=("quarter",))
    assert set(sub.level) == set(levels)
    full = k[(k.period == "2026Q3") & k.level.isin(levels)].set_index(["level", "entity_id", "kpi"])
    got = sub.set_index(["level", "entity_id", "kpi"]).sort_index()
    assert got.index.equals(full.sort_index().index)
    assert np.allclose(got.value, full.sort_index().value, equal_nan=True)


def test_results_do_not_depend_on_row_order(demo, bank_copy):
    """Shuffled input rows give bit-identical KPIs: sums of fractional values are exact.

    A DOUBLE sum adds in input (or thread) order, so its last bit would follow the order of
    the rows; the KPI engine sums microseconds and decimals instead.
    """
    rng = np.random.default_rng(7)
    for f in sorted(bank_copy.glob("*.parquet")):
        t = pd.read_parquet(f)
        t.iloc[rng.permutation(len(t))].to_parquet(f, index=False)
    ds, kpis = demo
    with load_dataset(bank_copy) as shuffled:
        again = compute_kpis(shuffled)
        assert shuffled.fingerprint == ds.fingerprint
    pd.testing.assert_frame_equal(again, kpis, check_exact=True)
    fractional = kpis["value"].dropna() % 1 != 0
    assert fractional.mean() > 0.5  # the comparison covers non-integer values

"""Tests of bankperf_analysis.significance.changes on the default demo bank (planted truths in truth.json).

The demo bank (``make_demo_bank(folder, scale="default", seed=20261)``, the ``default_bank``
fixture) plants: a 12-point satisfaction drop in one never-treated branch in 2026Q4
(``truth["satisfaction_drop"]``), a +6-point bonus effect from 2025Q3 and 2026Q1 in the
adopting branches (``truth["bonus_scheme"]["adoption"]``), and a branch with about 12 surveys
a quarter (``truth["small_sample_branch"]``). The tests read the branch ids from there. The
"true change" of a branch between two quarters is read from
``truth["expected_satisfaction_by_branch_quarter"]`` (it also moves by a fraction of a
point when a post changes hands), never hard-coded.
"""

from __future__ import annotations

import json
import math
import warnings

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from pandas.testing import assert_frame_equal
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError, SmallSampleWarning
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.periods import Period
from bankperf_analysis.significance import (
    CHANGE_COLUMNS,
    ChangesResult,
    ChangeTestResult,
    change_test_kinds,
    compare_rates,
    kpi_changes,
    league_funnel_plot,
    league_table,
)

#: A branch whose expected satisfied share moves less than this has "no true change".
NO_CHANGE = 0.01
#: A true change at least this large is one a test should find (the planted effects are 6 and 12 points).
REAL_CHANGE = 0.03

quiet_small = pytest.mark.filterwarnings("ignore::bankperf_analysis.exceptions.SmallSampleWarning")
quiet_fit = pytest.mark.filterwarnings("ignore::bankperf_analysis.exceptions.ConvergenceWarning")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def ds(default_bank):
    dataset = load_dataset(default_bank)
    yield dataset
    dataset.close()


@pytest.fixture(scope="module")
def truth(default_bank) -> dict:
    return json.loads((default_bank / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sat_kpis(ds) -> pd.DataFrame:
    """Quarterly satisfaction at every level, all quarters: reused by most tests."""
    return compute_kpis(ds, period_types=("quarter",), kpis=["satisfaction_rate"])


@pytest.fixture(scope="module")
def q4_vs_q3(ds, sat_kpis, truth) -> ChangesResult:
    small = truth["small_sample_branch"]["branch_id"]
    with pytest.warns(SmallSampleWarning, match=small):  # the small branch gets an exact test
        return kpi_changes(ds, "satisfaction_rate", "2026Q4", kpis=sat_kpis)


@pytest.fixture(scope="module")
def surveys(default_bank) -> pd.DataFrame:
    df = pd.read_parquet(default_bank / "surveys.parquet")
    df["quarter"] = [str(Period.parse(f"{d.year}Q{(d.month - 1) // 3 + 1}")) for d in df["survey_date"]]
    return df


def _true_change(truth: dict, before: str, after: str) -> dict[str, float]:
    exp = truth["expected_satisfaction_by_branch_quarter"]
    return {b: exp[after][b] - exp[before][b] for b in exp[after]}


# --------------------------------------------------------------------------- the planted drop


def test_planted_drop_is_found_with_few_false_flags(q4_vs_q3, truth, record_property):
    drop = truth["satisfaction_drop"]
    assert drop["quarter"] == "2026Q4"
    frame = q4_vs_q3.to_frame().set_index("entity")
    row = frame.loc[drop["branch_id"]]
    assert row["flag"] == "down"
    assert row["p_adjusted"] < 0.05
    assert row["ci_high"] < 0
    assert 0.5 * drop["effect"] > row["diff"] > 1.5 * drop["effect"]  # -6 to -18 points
    assert bool(row["improved"]) is False  # a fall in satisfaction is no improvement

    true = _true_change(truth, "2026Q3", "2026Q4")
    others = [b for b, d in true.items() if abs(d) < NO_CHANGE]
    assert drop["branch_id"] not in others and len(others) == 11
    false_flags = frame.loc[others, "flag"].isin(["up", "down"])
    n_false = int(false_flags.sum())
    record_property("false_flags_branch_q4_vs_q3", n_false)
    print(
        f"\n{drop['branch_id']}: diff {row['diff']:+.4f} (95% CI {row['ci_low']:+.4f} to "
        f"{row['ci_high']:+.4f}), p_adj {row['p_adjusted']:.3g}; false flags over the other "
        f"{len(others)} branches: {n_false} ({', '.join(false_flags[false_flags].index) or 'none'})"
    )
    assert n_false <= 1


@quiet_small
def test_holm_flags_a_subset_of_bh_and_still_finds_the_drop(ds, sat_kpis, q4_vs_q3, truth):
    holm = kpi_changes(ds, "satisfaction_rate", "2026Q4", kpis=sat_kpis, correction="holm")
    assert holm.for_entity(truth["satisfaction_drop"]["branch_id"]).flag == "down"
    assert set(holm.flagged()["entity"]) <= set(q4_vs_q3.flagged()["entity"])
    assert (holm.to_frame()["p_adjusted"] >= q4_vs_q3.to_frame()["p_adjusted"] - 1e-12).all()


@quiet_small
def test_against_last_year_finds_adopters_and_the_drop(ds, sat_kpis, truth, record_property):
    res = kpi_changes(ds, "satisfaction_rate", "2026Q4", against="last_year", kpis=sat_kpis)
    assert (res.period_before, res.period_after) == ("2025Q4", "2026Q4")
    frame = res.to_frame().set_index("entity")
    true = _true_change(truth, "2025Q4", "2026Q4")
    adopters = set(truth["bonus_scheme"]["adoption"])
    # Adopters whose scheme started after 2025Q4 and by 2026Q4 (the others were already
    # treated in 2025Q4, so they have no true change against last year).
    changed_adopters = sorted(b for b in adopters if true[b] > REAL_CHANGE)
    started = [
        b
        for b, q in truth["bonus_scheme"]["adoption"].items()
        if Period.parse("2025Q4") < Period.parse(q) <= Period.parse("2026Q4")
    ]
    assert changed_adopters == sorted(started) and started
    found = [b for b in changed_adopters if frame.loc[b, "flag"] == "up"]
    no_change = [b for b, d in true.items() if abs(d) < NO_CHANGE]
    false_flags = [b for b in no_change if frame.loc[b, "flag"] in ("up", "down")]
    record_property("adopters_found_vs_last_year", f"{len(found)}/{len(changed_adopters)}")
    record_property("false_flags_branch_vs_last_year", len(false_flags))
    print(
        f"\nvs 2025Q4: adopters found {len(found)}/{len(changed_adopters)} ({', '.join(found)}); "
        f"false flags over {len(no_change)} unchanged branches: {len(false_flags)}"
    )
    assert not any(frame.loc[b, "flag"] == "down" for b in adopters)  # never the wrong way
    assert frame.loc[truth["satisfaction_drop"]["branch_id"], "flag"] == "down"
    assert len(false_flags) <= 1


def test_small_sample_branch_is_inconclusive_not_no_change(q4_vs_q3, truth):
    small = truth["small_sample_branch"]["branch_id"]
    row = q4_vs_q3.to_frame().set_index("entity").loc[small]
    assert row["flag"] in ("inconclusive", "no_data", "untestable")
    assert row["flag"] != "ns"
    assert "inconclusive" in row["verdict_en"] or "no data" in row["verdict_en"]
    assert "结论不确定" in row["verdict_zh"] or "无数据" in row["verdict_zh"]
    assert row["n_after"] < 30 and row["mdc"] > 0.2
    assert "exact" in row["method"]


# --------------------------------------------------------------------------- second method


def test_rate_result_matches_compare_rates_on_pandas_counts(q4_vs_q3, surveys, truth):
    branch = truth["satisfaction_drop"]["branch_id"]
    sel = surveys[surveys["branch_id"] == branch]
    counts = {
        q: (int((g["score"] >= 8).sum()), len(g))
        for q, g in sel[sel["quarter"].isin(["2026Q3", "2026Q4"])].groupby("quarter")
    }
    ref = compare_rates(*counts["2026Q3"], *counts["2026Q4"])
    got = q4_vs_q3.for_entity(branch)
    assert (got.n_before, got.n_after) == (counts["2026Q3"][1], counts["2026Q4"][1])
    for name in ("statistic", "pvalue", "diff", "ci_low", "ci_high", "mdc"):
        assert_allclose(getattr(got, name), getattr(ref, name), rtol=1e-12, err_msg=name)
    assert got.method == ref.method


def test_adjusted_pvalues_are_bh_over_the_testable_branches(q4_vs_q3):
    frame = q4_vs_q3.to_frame()
    p = frame["pvalue"].to_numpy()
    assert np.isfinite(p).all() and q4_vs_q3.n_comparisons == len(p) == 12
    assert_allclose(frame["p_adjusted"], multipletests(p, method="fdr_bh")[1], rtol=1e-12)


def test_precomputed_kpis_give_the_same_result(ds, q4_vs_q3):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        fresh = kpi_changes(ds, "satisfaction_rate", "2026Q4")
    assert_frame_equal(fresh.to_frame(), q4_vs_q3.to_frame())


# --------------------------------------------------------------------------- other tests and levels


def test_means_path_matches_welch_on_raw_scores(ds, surveys):
    res = kpi_changes(ds, "onsite_survey_score", "2026Q4")
    frame = res.to_frame().set_index("entity")
    assert res.test == "mean" and len(frame) == 12
    on_site = surveys[surveys["channel"] == "on_site"]
    for b, row in frame.iterrows():
        a = on_site[(on_site.branch_id == b) & (on_site.quarter == "2026Q4")]["score"]
        z = on_site[(on_site.branch_id == b) & (on_site.quarter == "2026Q3")]["score"]
        assert (row["n_after"], row["n_before"]) == (len(a), len(z))
        assert_allclose(row["diff"], a.mean() - z.mean(), rtol=1e-12)
        assert math.isfinite(row["ci_low"]) and row["ci_low"] < row["diff"] < row["ci_high"]
        assert_allclose(row["pvalue"], stats.ttest_ind(a, z, equal_var=False).pvalue, rtol=1e-8)
        assert 1 <= row["before"] <= 10 and 1 <= row["after"] <= 10
    assert (frame["p_adjusted"] >= frame["pvalue"]).all()


@quiet_fit
def test_ordinal_path_on_complaint_scores(ds, default_bank):
    res = kpi_changes(ds, "complaint_resolution_score", "2026Q4")
    frame = res.to_frame().set_index("entity")
    assert res.test == "ordinal" and len(frame) == 12
    assert frame["diff"].between(0, 1).all()  # P(after > before) + 0.5 P(tie)
    assert np.isfinite(frame[["ci_low", "ci_high", "pvalue", "p_adjusted", "mdc"]].to_numpy()).all()
    assert frame["before"].between(1, 5).all() and frame["after"].between(1, 5).all()
    comp = pd.read_parquet(default_bank / "complaints.parquet").dropna(subset=["resolution_score"])
    q4 = comp[(comp.opened_ts >= "2026-10-01") & (comp.opened_ts < "2027-01-01")]
    assert frame["n_after"].to_dict() == q4.groupby("branch_id").size().to_dict()
    assert frame["method"].str.contains("proportional-odds").all()


def _steady_branch(truth: dict) -> str:
    """The first branch with no true change 2026Q3 -> 2026Q4 that is neither dropped nor small."""
    true = _true_change(truth, "2026Q3", "2026Q4")
    special = {truth["satisfaction_drop"]["branch_id"], truth["small_sample_branch"]["branch_id"]}
    return min(b for b, d in true.items() if abs(d) < NO_CHANGE and b not in special)


@quiet_small
@pytest.mark.parametrize("which", ["dropped", "steady"])
def test_staff_level_within_one_branch(ds, sat_kpis, truth, which, record_property):
    branch = truth["satisfaction_drop"]["branch_id"] if which == "dropped" else _steady_branch(truth)
    res = kpi_changes(ds, "satisfaction_rate", "2026Q4", level="staff", branch_id=branch, kpis=sat_kpis)
    frame = res.to_frame()
    home = ds.sql("SELECT staff_id, branch_id FROM staff").set_index("staff_id")["branch_id"]
    assert (frame["entity"].map(home) == branch).all()
    branch_row = sat_kpis.query("level == 'branch' and entity_id == @branch and period == '2026Q4'")[
        "denominator"
    ]
    assert frame["n_after"].sum() == int(branch_row.iloc[0])
    assert frame["flag"].isin(["up", "down", "ns", "inconclusive", "no_data"]).all()
    # ~45 surveys per person: a 5-point change is beyond reach, so most verdicts are "inconclusive".
    assert (frame["flag"] == "inconclusive").mean() > 0.5
    n_flags = int(frame["flag"].isin(["up", "down"]).sum())
    record_property(f"staff_flags_{branch}", n_flags)
    print(f"\nstaff of {branch}: {n_flags} of {len(frame)} flagged")
    if which == "steady":
        assert n_flags <= 1


@quiet_small
def test_bank_and_region_levels(ds, sat_kpis):
    bank = kpi_changes(ds, "satisfaction_rate", "2026Q4", level="bank", kpis=sat_kpis).to_frame()
    assert bank["entity"].tolist() == ["BANK"]
    total = sat_kpis.query("level == 'branch' and period == '2026Q4'")["denominator"].sum()
    assert bank["n_after"].iloc[0] == total
    region = kpi_changes(ds, "onsite_survey_score", "2026Q4", level="region").to_frame()
    assert set(region["entity"]) == set(ds.sql("SELECT DISTINCT region FROM branches")["region"])


@quiet_small
def test_requested_entities_and_unknown_ids(ds, sat_kpis, truth):
    drop = truth["satisfaction_drop"]["branch_id"]
    assert "B99" not in truth["expected_satisfaction_by_branch_quarter"]["2026Q4"]  # not a branch
    res = kpi_changes(ds, "satisfaction_rate", "2026Q4", entities=[drop, "B99"], kpis=sat_kpis)
    frame = res.to_frame().set_index("entity")
    assert frame.loc["B99", "flag"] == "no_data"
    assert frame.loc[drop, "flag"] == "down" and res.n_comparisons == 1


# --------------------------------------------------------------------------- result object


def test_result_object_api(q4_vs_q3, truth):
    drop = truth["satisfaction_drop"]["branch_id"]
    frame = q4_vs_q3.to_frame()
    assert tuple(frame.columns) == CHANGE_COLUMNS
    assert q4_vs_q3.flagged()["entity"].tolist() == [drop]
    res = q4_vs_q3.for_entity(drop)
    assert isinstance(res, ChangeTestResult) and math.isfinite(res.pvalue_adjusted)
    assert res.n_comparisons == truth["n_branches"]
    text = q4_vs_q3.summary().as_text()
    assert drop in text and "Benjamini-Hochberg" in text and "1 down" in text
    html = q4_vs_q3._repr_html_()
    assert "<table" in html
    zh = q4_vs_q3.summary("zh")
    assert "客户满意度" in zh.as_text() and zh._repr_html_() == zh.as_html()
    assert repr(q4_vs_q3) == (
        f"ChangesResult(kpi='satisfaction_rate', level='branch', 2026Q4 vs 2026Q3, "
        f"entities={truth['n_branches']}, flagged=1)"
    )
    with pytest.raises(ParamsError, match="entity_id"):
        q4_vs_q3.for_entity("B99")
    frame.loc[0, "flag"] = "changed"  # to_frame returns a copy
    assert q4_vs_q3.to_frame().loc[0, "flag"] != "changed"


def test_change_test_kinds_cover_the_catalogue_tests():
    kinds = change_test_kinds()
    assert kinds["satisfaction_rate"] == "rate"
    assert kinds["onsite_survey_score"] == kinds["mystery_shopper_score"] == "mean"
    assert kinds["complaint_resolution_score"] == "ordinal"
    assert "complaint_count" not in kinds and "cash_error_rate" not in kinds


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kpi": "complaint_count"}, "a count"),
        ({"kpi": "cash_error_rate"}, "not counts"),
        ({"kpi": "cross_sales_per_month"}, "observation-level"),
        ({"kpi": "no_such_kpi"}, "KPI_CATALOGUE"),
        ({"against": "yesterday"}, "against"),
        ({"level": "branch", "branch_id": "B01"}, "branch_id"),
        ({"kpi": "mystery_shopper_score", "level": "staff"}, "branch-level KPI"),
        ({"correction": "sidak"}, "correction"),
        ({"alpha": 1.5}, "alpha"),
        ({"lang": "fr"}, "lang"),
    ],
)
def test_parameter_errors(ds, kwargs, match):
    with pytest.raises(ParamsError, match=match):
        kpi_changes(ds, quarter="2026Q4", **kwargs)


def test_kpi_frame_without_the_comparison_period_is_refused(ds, sat_kpis):
    only_q4 = sat_kpis[sat_kpis["period"] == "2026Q4"]
    with pytest.raises(ParamsError, match="without 2026Q3"):
        kpi_changes(None, "satisfaction_rate", "2026Q4", kpis=only_q4)


def test_unknown_branch_at_staff_level_raises(ds, sat_kpis):
    with pytest.raises(InsufficientSampleError, match="B99"):
        kpi_changes(ds, "satisfaction_rate", "2026Q4", level="staff", branch_id="B99", kpis=sat_kpis)


# --------------------------------------------------------------------------- league table


@pytest.fixture(scope="module")
def league(sat_kpis) -> pd.DataFrame:
    return league_table(sat_kpis, "satisfaction_rate", "2026Q4")


def test_league_table_shrinks_and_keeps_luck_out_of_first_place(league, truth):
    small = truth["small_sample_branch"]["branch_id"]
    assert len(league) == 12 and sorted(league["rank_shrunk"]) == list(range(1, 13))
    assert league["shrunk_rate"].std() < league["rate"].std()
    width = (league["ci_high"] - league["ci_low"]).set_axis(league["entity"])
    assert width.idxmax() == small
    row = league.set_index("entity").loc[small]
    assert row["rank_shrunk"] != 1
    assert row["weight_data"] == league["weight_data"].min()
    # The shrunk rate lies between the raw rate and the prior mean.
    lo, hi = sorted([row["rate"], league.attrs["prior_mean"]])
    assert lo <= row["shrunk_rate"] <= hi
    # The drop branch is last, and outside the 95% funnel limits.
    drop = league.set_index("entity").loc[truth["satisfaction_drop"]["branch_id"]]
    assert drop["rank_shrunk"] == 12 and drop["outside_95"]
    assert {"funnel_z", "lower_95", "upper_99_8", "band", "outside_99_8"} <= set(league.columns)


def test_league_table_from_dataset_equals_from_kpi_frame(ds, league):
    assert_frame_equal(league_table(ds, "satisfaction_rate", "2026Q4"), league)


def test_league_table_refuses_non_rates(sat_kpis):
    with pytest.raises(ParamsError, match="rate KPI"):
        league_table(sat_kpis, "onsite_survey_score", "2026Q4")


def test_league_funnel_plot_returns_a_figure(sat_kpis):
    from matplotlib.figure import Figure

    fig = league_funnel_plot(sat_kpis, "satisfaction_rate", "2026Q4", lang="zh")
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "客户满意度 — 2026Q4"


def test_league_table_shrinkage_method_is_chosen_and_recorded(sat_kpis, league, truth):
    """Issue 18: the default is unchanged (beta-binomial); James-Stein and none are recorded."""
    assert (league["shrinkage"] == "beta-binomial").all()
    js = league_table(sat_kpis, "satisfaction_rate", "2026Q4", shrinkage="james-stein")
    raw = league_table(sat_kpis, "satisfaction_rate", "2026Q4", shrinkage="none")
    assert (js["shrinkage"] == "james-stein").all() and (raw["shrinkage"] == "none").all()
    # James-Stein pulls every branch towards the common rate; none keeps the raw rates
    assert js["shrunk_rate"].std() < js["rate"].std()
    assert (raw["shrunk_rate"] == raw["rate"]).all() and (raw["rank_shrunk"] == raw["rank_raw"]).all()
    drop = truth["satisfaction_drop"]["branch_id"]
    assert js.set_index("entity").loc[drop, "rank_shrunk"] == 12

"""Tests of the incentive study: panel builder, adoption tables, the study and its report.

Truths come from the seeded demo banks (``make_demo_bank(scale="default", seed=20261)``,
fixture ``default_bank``; ``scale="tiny", seed=1``, fixture ``tiny_bank``), whose
``truth.json`` plants the bonus-scheme effects: +0.06 satisfied share and +1.0 cross-sale
per staff-month from the adoption quarter on (``truth["bonus_scheme"]["adoption"]``: three
branches from 2025Q3, three from 2026Q1, the other six never) and a 12-point satisfaction
drop in one never-treated branch in 2026Q4 (``truth["satisfaction_drop"]``). The tests read
the branch ids from there.

Estimates on the default bank (weights n, not-yet-treated controls, clustered by branch,
t(11); robust = Callaway-Sant'Anna, TWFE beside it; printed by the tests with ``-s``)::

    satisfaction_rate      branch-quarter  robust 0.0653 [0.0506, 0.0801]  TWFE 0.0673 [0.0561, 0.0785]
                           without drop    robust 0.0607 [0.0482, 0.0732]  TWFE 0.0636 [0.0552, 0.0719]
                           staff-quarter   robust 0.0661 [0.0508, 0.0813]  TWFE 0.0671 [0.0565, 0.0777]
    cross_sales_per_month  branch-quarter  robust 0.9849 [0.7452, 1.2246]  TWFE 1.0364 [0.8630, 1.2099]
                           staff-quarter   robust 0.9621 [0.6787, 1.2455]  TWFE 1.0427 [0.9011, 1.1844]
"""

from __future__ import annotations

import html
import json
import re

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from conftest import REPO

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import (
    ADOPTION_COL,
    IncentiveStudy,
    adoption_from_params,
    adoption_from_truth,
    kpi_panel,
    resolve_adoption,
)
from bankperf_analysis.metrics.compute import compute_kpis
from bankperf_analysis.report import HtmlBlock, IncentiveReport

SAT, XS = "satisfaction_rate", "cross_sales_per_month"


@pytest.fixture(scope="module")
def default_ds(default_bank):
    ds = load_dataset(default_bank)
    yield ds
    ds.close()


@pytest.fixture(scope="module")
def truth(default_bank) -> dict:
    return json.loads((default_bank / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def tiny_truth(tiny_bank) -> dict:
    return json.loads((tiny_bank / "truth.json").read_text(encoding="utf-8"))


def _text(block: HtmlBlock) -> str:
    return re.sub(r"<[^>]+>", " ", block.html)


# ----------------------------------------------------------------------------- planted effects


@pytest.mark.parametrize("level", ["branch-quarter", "staff-quarter"])
@pytest.mark.parametrize("kpi", [SAT, XS])
def test_planted_effect_inside_robust_interval(default_ds, truth, kpi, level):
    true = truth["bonus_scheme"]["effect"][kpi]
    study = IncentiveStudy(default_ds, kpi, level, max_leave_one_out=0)
    r = study.result_
    assert study.status_ == "ok"
    print(
        f"\n{kpi:22s} {level:15s} robust {r.estimate:.4f} [{r.ci_low:.4f}, {r.ci_high:.4f}]  "
        f"TWFE {r.twfe.estimate:.4f} [{r.twfe.ci_low:.4f}, {r.twfe.ci_high:.4f}]  "
        f"pre-trend p {r.pretrend.pvalue:.3f} power {r.pretrend.power:.2f}"
    )
    assert r.ci_low <= true <= r.ci_high
    assert r.twfe.ci_low <= true <= r.twfe.ci_high
    assert r.pvalue < 0.001  # the effect is found, not just "not excluded"
    assert not r.disagree  # homogeneous planted effects: TWFE is fine here
    assert r.robust.n_clusters == truth["n_branches"]
    assert r.robust.n_cohorts == len(set(truth["bonus_scheme"]["adoption"].values()))
    # the tidy frame and the summary table agree with the result
    fr = study.to_frame()
    assert fr["estimator"].tolist() == ["callaway-santanna", "twfe", "twfe - robust"]
    assert fr["estimate"].iloc[0] == pytest.approx(r.estimate)
    table = _text(IncentiveReport.from_study(study).summary_table())
    scale = 100 if kpi == SAT else 1
    assert f"{scale * r.estimate:+.1f}" in table


def test_planted_drop_biases_satisfaction_slightly_upward(default_ds, truth):
    """The dropped branch (never treated) loses 12 points in 2026Q4: the never-treated comparison falls.

    Expected bias ~ +0.02 on the 2026Q4 cells (0.12 / 6 never-treated branches) x ~0.2
    of the weight of the overall effect = ~ +0.004. Both estimates cover the truth.
    """
    drop = truth["satisfaction_drop"]
    dropped = drop["branch_id"]
    assert drop["quarter"] == "2026Q4" and dropped in truth["bonus_scheme"]["never_treated"]
    assert len(truth["bonus_scheme"]["never_treated"]) == 6
    full = IncentiveStudy(default_ds, SAT, "branch-quarter")
    without = IncentiveStudy(
        default_ds, SAT, "branch-quarter", exclude_branches=(dropped,), max_leave_one_out=0
    )
    bias = full.result_.estimate - without.result_.estimate
    print(
        f"\nwith {dropped} {full.result_.estimate:.4f}, without {without.result_.estimate:.4f}, "
        f"bias {bias:+.4f}"
    )
    assert 0.0 < bias < 0.01
    for s in (full, without):
        assert s.result_.ci_low <= 0.06 <= s.result_.ci_high
    assert dropped not in set(without.panel_["branch"])
    # the leave-one-branch-out table shows it: the dropped branch moves the estimate most, downward
    loo = full.leave_one_out_.set_index("left_out")
    assert len(loo) == truth["n_branches"]
    assert loo.loc[dropped, "robust"] == pytest.approx(without.result_.estimate)
    assert loo["change"].abs().idxmax() == dropped and loo.loc[dropped, "change"] < 0
    text = _text(IncentiveReport.from_study(full).robustness())
    assert dropped in text and "planted local drop" in text
    # the event study puts the bias where it belongs: the last event time (2026Q4, cohort 2025Q3)
    ev_full = full.result_.event.frame.set_index("event_time")["estimate"]
    ev_wo = without.result_.event.frame.set_index("event_time")["estimate"]
    assert ev_full[5] - ev_wo[5] > 0.01


def test_study_sections_render_and_state_the_caveats(default_ds):
    study = IncentiveStudy(default_ds, XS, "branch-quarter", max_leave_one_out=3)
    report = IncentiveReport.from_study(study)
    for block in (
        report.title(),
        report.heading("diagnostics"),
        report.definition(),
        report.summary_table(),
        report.diagnostics(),
        report.robustness(),
        report.conclusion(),
    ):
        assert isinstance(block, HtmlBlock) and block._repr_html_()
    diag = _text(report.diagnostics())
    assert "12 branches" in diag and "Small sample" in diag  # < 20 clusters flagged
    assert "power" in diag and "not proof" in diag  # a non-rejection is not proof
    assert "Placebo" in diag and "they agree" in diag
    assert diag.count("Only 12 clusters") == 0  # stated once, not once per estimator
    assert len(study.leave_one_out_) == 3
    definition = _text(report.definition())
    assert "2025Q3" in definition and "never" in definition
    conclusion = report.conclusion_text()
    assert conclusion.startswith("The bonus scheme raised Cross-sales per month by")
    assert "planted effect is +1.0" in conclusion and "inside" in conclusion
    head = report.headline()
    assert head["incentive_effect"] == pytest.approx(study.result_.estimate)
    assert head["incentive_status"] == "ok" and head["incentive_branches"] == 12
    fig = report.event_study_figure()
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert len(fig.axes) == 1 and len(legend) == 3  # robust, its uniform band, TWFE
    assert "Uniform band (all event times at once)" in legend
    assert "IncentiveStudy(kpi='cross_sales_per_month'" in repr(study)


@pytest.mark.parametrize("kpi", [SAT, XS])
def test_sensitivity_section_uniform_band_and_planted_effects(default_ds, truth, kpi):
    from test_zh_leaks import english_words

    from bankperf_analysis.incentives import honest_sensitivity

    true = truth["bonus_scheme"]["effect"][kpi]
    study = IncentiveStudy(default_ds, kpi, "branch-quarter", max_leave_one_out=0)
    r, ev = study.result_, study.event_.robust
    assert r.ci_low <= true <= r.ci_high and r.pvalue < 0.001  # still recovered
    post = ev.frame[ev.frame["event_time"] >= 0]
    assert ((post["uniform_low"] <= true) & (true <= post["uniform_high"])).all()
    assert 2.2 < ev.crit_val_uniform < 3.3  # between t(11) and Bonferroni over 8 event times
    hs = honest_sensitivity(ev)
    assert hs.frame["lb"].iloc[0] == pytest.approx(ev.estimate, rel=1e-9)  # mean of the event times >= 0
    en = IncentiveReport.from_study(study, "en")
    zh = IncentiveReport.from_study(study, "zh")
    t_en, t_zh = html.unescape(_text(en.sensitivity())), html.unescape(_text(zh.sensitivity()))
    print(f"\n{kpi}: crit {ev.crit_val_uniform:.3f}, breakdown {hs.breakdown:.3f}")
    assert f"up to M̄* = {hs.breakdown:.2f} times the largest pre-period violation" in t_en
    assert f"不超过实施前最大偏离的 {hs.breakdown:.2f} 倍" in t_zh
    assert "Rambachan & Roth 2023" in t_en and "union of the usual interval" in t_en
    assert en.sensitivity().html.count("<tr>") == 1 + 5 and "nan" not in (t_en + t_zh).lower()
    assert english_words(t_zh) == []
    assert en.heading("sensitivity").html.startswith('<h2 id="sensitivity">')
    pre_rejects = study.diagnostics().pretrend.reject
    assert ("The pre-trend test rejects parallel trends" in t_en) == pre_rejects
    assert ("事前趋势检验拒绝了平行趋势" in t_zh) == pre_rejects
    zh_legend = [t.get_text() for t in zh.event_study_figure().axes[0].get_legend().get_texts()]
    assert "同时置信带（所有事件期同时覆盖）" in zh_legend


def test_study_in_chinese(default_ds):
    report = IncentiveReport(default_ds, SAT, "staff-quarter", lang="zh", max_leave_one_out=0)
    text = report.conclusion_text()
    assert text.startswith("奖金方案使客户满意度提高了") and "个百分点" in text
    assert "The " not in text
    assert "事前趋势" in _text(report.diagnostics())
    assert "激励效果评估" in report.title().html


def test_figure_of_a_rate_is_in_percentage_points_as_the_tables(default_ds, truth):
    """The event-study figure of a rate speaks the tables' unit: percentage points, not shares."""
    report = IncentiveReport(default_ds, SAT, "branch-quarter", max_leave_one_out=0)
    ax = report.event_study_figure().axes[0]
    assert "percentage points" in ax.get_ylabel()
    points = [y for line in ax.lines for y in line.get_ydata() if np.isfinite(y)]
    effect_pp = 100 * truth["bonus_scheme"]["effect"][SAT]  # e.g. 6.0
    assert max(points) > effect_pp / 2  # in shares the dots would sit below 0.1


def test_names_are_escaped(default_ds):
    report = IncentiveReport(
        default_ds, SAT, "branch-quarter", exclude_branches=("<script>x</script>",), max_leave_one_out=0
    )
    html = report.definition().html
    assert "<script>" not in html and "&lt;script&gt;" in html


# ----------------------------------------------------------------------------- too few branches


def test_tiny_bank_concludes_too_few_branches(tiny_bank, tiny_truth):
    report = IncentiveReport(str(tiny_bank), SAT, "branch-quarter", lang="en")
    study = report.study
    assert study.status_ == "too_few_branches" and study.result_ is None
    for block in (report.summary_table(), report.diagnostics(), report.robustness(), report.conclusion()):
        assert f"too few branches ({tiny_truth['n_branches']}" in _text(block)
    definition = _text(report.definition())  # the treatment table is still shown
    for branch, quarter in tiny_truth["bonus_scheme"]["adoption"].items():
        assert re.search(rf"{branch}\s+{quarter}\s+adopts", definition), branch
    for branch in tiny_truth["bonus_scheme"]["never_treated"]:
        assert re.search(rf"{branch}\s+never\s+comparison only", definition), branch
    assert report.event_study_figure() is not None
    assert report.headline() == {"incentive_kpi": SAT, "incentive_status": "too_few_branches"}
    assert "网点太少" in IncentiveReport(str(tiny_bank), SAT, lang="zh").conclusion_text()


def test_tiny_bank_estimates_when_allowed(tiny_ds):
    """min_branches can be lowered; with 4 clusters the result is flagged, not hidden."""
    study = IncentiveStudy(tiny_ds, SAT, "branch-quarter", min_branches=4, max_leave_one_out=0)
    assert study.status_ == "ok" and study.result_.robust.n_clusters == 4
    assert "only 4 branches" in _text(IncentiveReport.from_study(study).diagnostics())


# ----------------------------------------------------------------------------- panel builder


@pytest.fixture(scope="module")
def tiny_adoption(tiny_bank) -> pd.DataFrame:
    return adoption_from_truth(tiny_bank)


def test_staff_panel_is_unbalanced_weighted_and_clustered(tiny_ds, tiny_adoption):
    p = kpi_panel(tiny_ds, SAT, "staff-quarter", adoption=tiny_adoption)
    assert {"unit", "period", "branch", "role", SAT, "n", "first_treated", "treated", "event_time"} <= set(p)
    assert isinstance(p["period"].dtype, pd.PeriodDtype) and p["period"].dtype == pd.PeriodDtype("Q")
    assert not p.duplicated(["unit", "period"]).any()
    # unbalanced: turnover leaves some staff out of some quarters, and they are kept
    per_unit = p.groupby("unit")["period"].nunique()
    assert (per_unit < p["period"].nunique()).any() and (per_unit == p["period"].nunique()).any()
    # weights and values are compute_kpis' n and value; branch = the person's home branch
    k = compute_kpis(tiny_ds, levels=("staff",), period_types=("quarter",), kpis=[SAT])
    k = k.assign(period=pd.PeriodIndex(k["period"].astype(str), freq="Q"))
    m = p.merge(k.rename(columns={"entity_id": "unit"}), on=["unit", "period"], validate="1:1")
    assert len(m) == len(p)
    np.testing.assert_array_equal(m["n_x"], m["n_y"])
    np.testing.assert_allclose(m[SAT], m["value"])
    home = tiny_ds.sql("SELECT staff_id AS unit, branch_id FROM staff")
    m = p.merge(home, on="unit")
    assert (m["branch"] == m["branch_id"]).all()
    # treated iff the period is on or after the branch's adoption quarter
    adopt = dict(zip(tiny_adoption["branch_id"], tiny_adoption[ADOPTION_COL]))
    expected_cohort = p["branch"].map(adopt)
    never = expected_cohort.isna()
    assert p.loc[never, "first_treated"].isna().all() and (p.loc[never, "treated"] == 0).all()
    cohort = pd.PeriodIndex(expected_cohort[~never].astype(str), freq="Q")
    assert (p.loc[~never, "first_treated"].to_numpy() == cohort.to_numpy()).all()
    expected_treated = (p.loc[~never, "period"].to_numpy() >= cohort.to_numpy()).astype(int)
    np.testing.assert_array_equal(p.loc[~never, "treated"], expected_treated)
    assert p["treated"].sum() > 0 and (p.loc[~never, "treated"] == 0).any()


def test_branch_and_month_panels(tiny_ds, tiny_adoption, tiny_truth):
    b = kpi_panel(tiny_ds, XS, "branch-quarter", adoption=tiny_adoption, kpis=[SAT])
    assert "role" not in b and (b["unit"] == b["branch"]).all()
    n_quarters = len(tiny_truth["expected_satisfaction_by_branch_quarter"])
    assert len(b) == tiny_truth["n_branches"] * n_quarters and b[SAT].notna().all()  # balanced
    first_id, second_id, *rest = sorted(tiny_ds.sql("SELECT branch_id FROM branches")["branch_id"])
    m = kpi_panel(tiny_ds, SAT, "staff-month", adoption={first_id: "2025Q3", second_id: "2026-02"})
    assert m["period"].dtype == pd.PeriodDtype("M")
    first = m.groupby("branch")["first_treated"].first()
    assert str(first[first_id]) == "2025-07" and str(first[second_id]) == "2026-02"
    assert rest and first[rest].isna().all()  # absent from the mapping: never treated
    n1 = len(kpi_panel(tiny_ds, SAT, "staff-quarter"))
    assert 0 < len(kpi_panel(tiny_ds, SAT, "staff-quarter", min_n=30)) < n1


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kpi": "abandonment_rate", "level": "staff-quarter"}, "per branch only"),
        ({"kpi": "no_such_kpi"}, "KPI of the catalogue"),
        ({"level": "region-year"}, "'level' parameter of kpi_panel"),
        ({"min_n": -1}, "'min_n' parameter"),
        ({"adoption": {"B01": "2025-08"}}, "must be a quarter"),
        ({"adoption": {"B01": "2025"}}, "a year is too coarse"),
        ({"adoption": pd.DataFrame({"staff_id": ["S00001"], ADOPTION_COL: ["2025Q3"]})}, "staff-level panel"),
    ],
)
def test_kpi_panel_rejects_bad_parameters(tiny_ds, kwargs, match):
    with pytest.raises(ParamsError, match=match):
        kpi_panel(tiny_ds, **kwargs)


def test_kpi_panel_without_rows_is_insufficient(tiny_ds):
    with pytest.raises(InsufficientSampleError, match="n >= 1000000"):
        kpi_panel(tiny_ds, SAT, min_n=1_000_000)


# ----------------------------------------------------------------------------- adoption tables


def test_adoption_from_truth(default_bank, truth):
    scheme = truth["bonus_scheme"]
    expected = {**scheme["adoption"], **dict.fromkeys(scheme["never_treated"])}
    assert len(expected) == truth["n_branches"]
    for source in (truth, default_bank, default_bank / "truth.json", str(default_bank)):
        a = adoption_from_truth(source)
        assert a["branch_id"].tolist() == sorted(expected)
        got = {b: None if pd.isna(q) else q for b, q in zip(a["branch_id"], a[ADOPTION_COL], strict=True)}
        assert got == expected
    with pytest.raises(ParamsError, match="bonus_scheme"):
        adoption_from_truth({"seed": 1})


def test_adoption_from_params(tmp_path):
    csv = tmp_path / "adoption.csv"
    csv.write_text("branch_id,adoption_period\nB02,2026Q1\nB01, 2025Q3\nB03,\n", encoding="utf-8")
    a = adoption_from_params(csv)
    assert a["branch_id"].tolist() == ["B01", "B02", "B03"]
    assert a[ADOPTION_COL].tolist()[:2] == ["2025Q3", "2026Q1"] and pd.isna(a[ADOPTION_COL].iloc[2])
    assert resolve_adoption(str(csv)).equals(a)
    s = adoption_from_params({"S00002": "2025-08"}, id_col="staff_id")
    assert s.columns.tolist() == ["staff_id", ADOPTION_COL] and s[ADOPTION_COL].iloc[0] == "2025-08"
    df = adoption_from_params(pd.DataFrame({"branch_id": ["B01"], ADOPTION_COL: [pd.Period("2025Q3", "Q")]}))
    assert df[ADOPTION_COL].iloc[0] == "2025Q3"


@pytest.mark.parametrize(
    ("source", "match"),
    [
        ({"B01": "soon"}, "must be a quarter like"),
        (pd.DataFrame({"branch_id": ["B01", "B01"], ADOPTION_COL: ["2025Q3", "2025Q4"]}), "once"),
        (pd.DataFrame({"branch": ["B01"], "when": ["2025Q3"]}), "exactly one id column"),
        ("/no/such/file.csv", "existing CSV file"),
        (42, "CSV path, a mapping or a DataFrame"),
    ],
)
def test_adoption_from_params_errors(source, match):
    with pytest.raises(ParamsError, match=match):
        adoption_from_params(source)


def test_resolve_adoption_needs_a_table_without_truth(tmp_path):
    with pytest.raises(ParamsError, match="adoption_file"):
        resolve_adoption("", tmp_path)


# ----------------------------------------------------------------------------- notebook


@pytest.mark.notebook
def test_notebook_runs_on_tiny_bank(tiny_bank, tmp_path, monkeypatch):
    """The thin notebook runs with its defaults on the 4-branch bank (too few branches)."""
    monkeypatch.setenv("BANKPERF_DATA", str(tiny_bank))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    out = tmp_path / "incentive_study.ipynb"
    pm.execute_notebook(
        str(REPO / "notebooks" / "incentive_study.ipynb"), str(out), cwd=str(tmp_path), progress_bar=False
    )
    nb = nbformat.read(out, as_version=4)
    assert nb.metadata.papermill.parameters == {}
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells for o in c.get("outputs", []))
    assert "too few branches" in html
    heads = [
        o["data"]["application/x.bankperf-headline+json"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "application/x.bankperf-headline+json" in o.get("data", {})
    ]
    # the index headline (report.incentive_headline): the reason, worded, instead of the status code
    assert heads and "too few branches" in heads[-1]["incentive_not_estimated"]


def test_per_person_adoption_table_matches_branch_table(default_ds, truth):
    """A staff_id adoption table listing every person of the adopting branches gives the branch result."""
    cohorts = dict(truth["bonus_scheme"]["adoption"])
    staff = default_ds.sql("SELECT staff_id, branch_id FROM staff")
    per_person = pd.DataFrame({"staff_id": staff["staff_id"], ADOPTION_COL: staff["branch_id"].map(cohorts)})
    a = IncentiveStudy(default_ds, SAT, "staff-quarter", adoption=per_person, max_leave_one_out=0)
    b = IncentiveStudy(default_ds, SAT, "staff-quarter", adoption=cohorts, max_leave_one_out=0)
    assert a.truth_ is None and b.truth_ is None  # no planted-effect row without truth.json
    assert a.result_.estimate == pytest.approx(b.result_.estimate, rel=1e-12)
    assert a.result_.twfe.estimate == pytest.approx(b.result_.twfe.estimate, rel=1e-12)
    assert "Planted" not in _text(IncentiveReport.from_study(a).summary_table())

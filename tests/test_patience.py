"""Mean patience from censored waits (staffing.patience) and the plan's abandonment rate (呼损率).

References are independent of the package: a discrete-event simulation of an M/M/c+M queue with
known patience (coverage of the interval), statsmodels' Poisson GLM with a log-exposure offset
(the exponential MLE with censoring is its rate), and the censored log-likelihood written out here
and maximised / inverted with SciPy.
"""

from __future__ import annotations

import heapq
import re
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats

from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError, SmallSampleWarning
from bankperf_analysis.staffing.patience import estimate_patience, patience_interval

T0 = pd.Timestamp("2026-10-08 09:00")


def simulate_mmc_m(rng, n, arrival_rate, aht, servers, patience):
    """FCFS M/M/c+M: returns (wait_seconds, abandoned) per arriving contact.

    A contact starts service when the earliest agent frees up (or on arrival if one is idle);
    if its exponential patience runs out first it leaves and occupies no agent. FCFS means a
    contact's offered wait depends only on the contacts ahead of it, not on its own patience.
    """
    arrivals = np.cumsum(rng.exponential(1 / arrival_rate, n))
    service = rng.exponential(aht, n)
    pat = rng.exponential(patience, n)
    free = [0.0] * servers
    wait = np.empty(n)
    abandoned = np.zeros(n, dtype=bool)
    for i in range(n):
        start = max(arrivals[i], free[0])
        offered = start - arrivals[i]
        if pat[i] < offered:
            wait[i], abandoned[i] = pat[i], True
        else:
            wait[i] = offered
            heapq.heapreplace(free, start + service[i])
    return arrivals, wait, abandoned


def contacts_frame(arrivals, wait, abandoned, channel="phone", branch="B01"):
    arrival = T0 + pd.to_timedelta(arrivals, unit="s")
    until = arrival + pd.to_timedelta(wait, unit="s")
    return pd.DataFrame(
        {
            "branch_id": branch,
            "channel": channel,
            "arrival_ts": arrival,
            "answer_ts": until.where(~abandoned, pd.NaT),
            "end_ts": until.where(abandoned, until + pd.Timedelta(seconds=200)),
            "abandoned": abandoned,
        }
    )


# Two loads: a busy queue (many abandonments) and a lighter one (10-30 abandonments per run).
@pytest.mark.parametrize(
    ("servers", "n"),
    [(9, 1500), (10, 200)],
    ids=["busy", "few_abandonments"],
)
def test_interval_covers_known_patience_in_simulation(servers, n):
    """In 300 seeded M/M/c+M runs with mean patience 120 s the 95 % interval covers 120 s in >= 90 %."""
    truth, covered, runs, d_seen = 120.0, 0, 300, []
    for seed in range(runs):
        rng = np.random.default_rng(1000 + seed)
        arrivals, wait, ab = simulate_mmc_m(
            rng, n, arrival_rate=1 / 20, aht=180.0, servers=servers, patience=truth
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SmallSampleWarning)
            row = estimate_patience(contacts_frame(arrivals, wait, ab)).to_frame().iloc[0]
        d_seen.append(int(row["n_abandoned"]))
        covered += bool(row["ci_low"] <= truth <= row["ci_high"])
    rate = covered / runs
    print(
        f"coverage {servers} agents: {rate:.3f} ({covered}/{runs}); abandonments median {np.median(d_seen)}"
    )
    assert rate >= 0.90
    assert rate <= 0.99  # a 95 % interval that covers every time is too wide
    assert min(d_seen) > 0


def test_mle_and_interval_match_statsmodels_and_scipy():
    """theta_hat = the inverse rate of a Poisson GLM with log-exposure offset (statsmodels); the interval
    = the roots of the censored log-likelihood ratio, written here and solved with brentq."""
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    arrivals, wait, ab = simulate_mmc_m(rng, 800, 1 / 20, 180.0, 9, 90.0)
    res = estimate_patience(contacts_frame(arrivals, wait, ab)).to_frame().iloc[0]
    pos = wait > 0  # zero waits add no exposure and no event (log(0) offset is undefined)
    glm = sm.GLM(
        ab[pos].astype(float), np.ones((pos.sum(), 1)), family=sm.families.Poisson(), offset=np.log(wait[pos])
    )
    rate = float(np.exp(glm.fit().params[0]))
    np.testing.assert_allclose(res["patience_seconds"], 1 / rate, rtol=1e-7)

    def loglik(theta):  # exponential: log f(w) = -log(theta) - w/theta; log S(w) = -w/theta
        return np.sum(-np.log(theta) * ab - wait / theta)

    opt = optimize.minimize_scalar(
        lambda th: -loglik(th), bounds=(1.0, 1e4), method="bounded", options={"xatol": 1e-6}
    )
    np.testing.assert_allclose(res["patience_seconds"], opt.x, rtol=1e-5)
    crit = stats.chi2.ppf(0.95, 1)
    top = loglik(opt.x)
    lo = optimize.brentq(lambda th: 2 * (top - loglik(th)) - crit, 1.0, opt.x)
    hi = optimize.brentq(lambda th: 2 * (top - loglik(th)) - crit, opt.x, 1e5)
    np.testing.assert_allclose([res["ci_low"], res["ci_high"]], [lo, hi], rtol=1e-6)


def test_zero_wait_contacts_leave_the_estimate_unchanged():
    """Answered at once = censored at 0: adds nothing to T and nothing to d."""
    rng = np.random.default_rng(3)
    arrivals, wait, ab = simulate_mmc_m(rng, 400, 1 / 20, 180.0, 9, 120.0)
    base = estimate_patience(contacts_frame(arrivals[wait > 0], wait[wait > 0], ab[wait > 0])).to_frame()
    full = estimate_patience(contacts_frame(arrivals, wait, ab)).to_frame()
    assert int(full["n_zero_wait"].iloc[0]) == int((wait == 0).sum()) > 0
    cols = ["patience_seconds", "ci_low", "ci_high"]
    np.testing.assert_allclose(full[cols].to_numpy(), base[cols].to_numpy(), rtol=1e-12)


def test_groups_and_a_worked_example():
    """Three contacts by hand: waits 40 (answered), 80 (abandoned), 0 (answered) -> 120 s per abandonment."""
    c = pd.DataFrame(
        {
            "branch_id": ["B01", "B01", "B01", "B02"],
            "channel": ["phone", "online", "counter", "phone"],
            "arrival_ts": [T0] * 4,
            "answer_ts": [T0 + pd.Timedelta(seconds=40), pd.NaT, T0, pd.NaT],
            "end_ts": [
                T0 + pd.Timedelta(seconds=300),
                T0 + pd.Timedelta(seconds=80),
                T0,
                T0 + pd.Timedelta(seconds=30),
            ],
            "abandoned": [False, True, False, True],
        }
    )
    with pytest.warns(SmallSampleWarning) as seen:  # counter: no abandonment -> NaN, said
        r = estimate_patience(c, by="branch_queue")
    assert any("no abandonment in B01/counter" in str(w.message) for w in seen)
    f = r.to_frame().set_index(["branch_id", "queue"])
    assert f.loc[("B01", "phone_online"), "patience_seconds"] == 120.0
    assert f.loc[("B02", "phone_online"), "patience_seconds"] == 30.0
    assert np.isnan(f.loc[("B01", "counter"), "patience_seconds"])
    assert not f.loc[("B01", "counter"), "identifiable"]
    with pytest.warns(SmallSampleWarning):
        assert estimate_patience(c, by="queue").patience(queue="phone_online") == 75.0  # (40 + 80 + 30) / 2


def test_no_abandonment_is_an_error_not_infinity():
    c = pd.DataFrame(
        {
            "branch_id": "B01",
            "channel": "phone",
            "arrival_ts": [T0, T0],
            "answer_ts": [T0 + pd.Timedelta(seconds=40), T0],
            "end_ts": [T0 + pd.Timedelta(seconds=300)] * 2,
            "abandoned": [False, False],
        }
    )
    with pytest.raises(InsufficientSampleError, match="not identifiable"):
        estimate_patience(c)
    est, lo, hi = patience_interval([100.0], [0])
    assert np.isnan([est[0], lo[0], hi[0]]).all()


def test_few_abandonments_warn():
    rng = np.random.default_rng(5)
    arrivals, wait, ab = simulate_mmc_m(rng, 300, 1 / 20, 180.0, 11, 300.0)
    assert 0 < ab.sum() < 10
    with pytest.warns(SmallSampleWarning, match="fewer than 10 abandonments"):
        estimate_patience(contacts_frame(arrivals, wait, ab))


def test_bad_input_is_named():
    rng = np.random.default_rng(5)
    c = contacts_frame(*simulate_mmc_m(rng, 200, 1 / 20, 180.0, 9, 120.0))
    with pytest.raises(ParamsError, match="column 'arrival_ts'"):
        estimate_patience(c.drop(columns="arrival_ts"))
    with pytest.raises(ParamsError, match="'by' parameter of estimate_patience"):
        estimate_patience(c, by="branch")
    with pytest.raises(ParamsError, match="'confidence' parameter of estimate_patience"):
        estimate_patience(c, confidence=95)
    with pytest.raises(ParamsError, match="pandas DataFrame"):
        estimate_patience(c.to_dict())
    bad = c.copy()
    bad.loc[3, "end_ts"] = bad.loc[3, "arrival_ts"] - pd.Timedelta(seconds=5)
    bad.loc[3, "abandoned"] = True
    with pytest.raises(ParamsError, match=r"negative wait in 1 rows \(first: row 3, -5 s\)"):
        estimate_patience(bad)
    empty = c.copy().astype({"abandoned": object})
    empty.loc[0, "abandoned"] = None
    with pytest.raises(ParamsError, match="boolean 'abandoned' column without empty values"):
        estimate_patience(empty)
    with pytest.raises(ParamsError, match="'n_abandoned' parameter of patience_interval"):
        patience_interval([10.0], [1.5])
    with pytest.raises(ParamsError, match="'exposure_seconds' parameter of patience_interval"):
        patience_interval([-1.0], [1])


# --------------------------------------------------------------------------- scheme and plan


def test_scheme_patience_key():
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scheme.model import Scheme

    scheme = load_scheme()
    assert scheme.staffing.patience_seconds == "estimate"
    d = scheme.to_dict()
    assert "patience_seconds" not in d["staffing"]  # the default leaves the params hash as it was
    d["staffing"]["patience_seconds"] = 240
    s2 = Scheme.from_dict(d)
    assert s2.staffing.patience_seconds == 240.0
    assert s2.to_dict()["staffing"]["patience_seconds"] == 240.0
    for bad in ("guess", -5, 0, None):
        d["staffing"]["patience_seconds"] = bad
        with pytest.raises(ParamsError, match=r"staffing\.patience_seconds"):
            Scheme.from_dict(d)


LATIN = re.compile(r"[A-Za-z]+")
ZH_ALLOWED = {"Erlang", "A", "C", "CI", "min"}  # the model's name and letter


def test_plan_with_estimated_patience_shows_abandonment_with_ci(tiny_bank, tmp_path):
    from bankperf_analysis.dataset import load_dataset
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scheme.model import Scheme
    from bankperf_analysis.staffing.plan import branch_staffing_plan

    with load_dataset(tiny_bank) as ds:
        branch = ds.sql("SELECT min(branch_id) AS b FROM branches")["b"].iloc[0]
        plan = branch_staffing_plan(ds, branch, "2026Q4", model="erlang_a")
        plan_c = branch_staffing_plan(ds, branch, "2026Q4")
        d = load_scheme().to_dict()
        d["staffing"]["patience_seconds"] = 90
        fixed = branch_staffing_plan(ds, branch, "2026Q4", Scheme.from_dict(d), model="erlang_a")
        plan_c_fixed = branch_staffing_plan(ds, branch, "2026Q4", Scheme.from_dict(d))
    ab = plan.abandonment
    assert ab is not None and set(ab["queue"]) == {"counter", "phone_online"}
    ok = ab[ab["identifiable"]]
    assert len(ok) and (ok["patience_source"] == "estimate").all()
    assert (ok["patience_ci_low"] < ok["patience_seconds"]).all() and (
        ok["patience_seconds"] < ok["patience_ci_high"]
    ).all()
    # monotone in patience: the patience interval's ends bound the planned rate
    assert (ok["planned_abandon_ci_low"] <= ok["planned_abandon_rate"] + 1e-15).all()
    assert (ok["planned_abandon_rate"] <= ok["planned_abandon_ci_high"] + 1e-15).all()
    assert (ok["planned_abandon_ci_low"] < ok["planned_abandon_ci_high"]).all()
    # the estimate the plan shows is the one Erlang A used
    used = plan.intervals.groupby("queue")["patience_seconds"].first()
    np.testing.assert_allclose(used[ok["queue"]].to_numpy(), ok["patience_seconds"].to_numpy())
    zh, en = str(plan.abandonment_summary("zh")), str(plan.abandonment_summary("en"))
    assert "呼损率" in zh and "95% 置信区间" in zh and "实际呼损率" in zh
    assert "Abandonment rate 95 % CI" in en and "Observed abandonment rate" in en
    leaks = {w for w in LATIN.findall(zh) if w not in ZH_ALLOWED}
    assert not leaks, leaks
    assert "呼损率" in str(plan.summary())  # the English plan summary carries the table too
    from bankperf_analysis.staffing.export import write_plan
    from bankperf_analysis.staffing.shown import plan_text

    assert "呼损率 95% 置信区间" in plan_text(plan, "zh") and "Abandonment rate 95 % CI" in plan_text(
        plan, "en"
    )
    import openpyxl

    for lang, sheet in (("zh", "呼损率"), ("en", "Abandonment")):
        (xlsx,) = write_plan(plan, tmp_path / f"plan_{lang}.xlsx", lang=lang)
        assert sheet in openpyxl.load_workbook(xlsx).sheetnames
    written = write_plan(plan, tmp_path / "plan.csv")
    ab_file = [p for p in written if "abandonment" in p.name]
    assert len(ab_file) == 1 and len(pd.read_csv(ab_file[0])) == len(ab)
    # a patience given in the scheme is used as is, without an interval
    assert (fixed.abandonment["patience_seconds"] == 90.0).all()
    assert (fixed.intervals["patience_seconds"] == 90.0).all()  # and Erlang A used it
    assert (fixed.abandonment["patience_source"] == "scheme").all()
    assert "–" in str(fixed.abandonment_summary("zh"))
    # Erlang C (the default) has no abandonment table and ignores the patience key: same numbers
    assert plan_c.abandonment is None
    with pytest.raises(ParamsError, match="model='erlang_a'"):
        plan_c.abandonment_summary("en")
    pd.testing.assert_frame_equal(plan_c.intervals, plan_c_fixed.intervals)

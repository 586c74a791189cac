"""The staffing preparation at bank scale (issue 14): same answers, no per-branch work.

* The forecaster fits every branch x channel series at once (a Newton iteration
  vectorised across series); each series must still get its own maximum-likelihood
  estimates, so they are compared with one row-level statsmodels GLM per series (one
  dummy per weekday x slot cell) on the demo bank.
* :func:`branch_staffing_inputs` must do the same Python-level work whatever the
  number of branches: a bank four times as large (the same branches copied) may not
  call any function more often. A step that loops over the branches, or filters a
  table once per branch, calls something once per branch and fails the test.
"""

from __future__ import annotations

import collections
import inspect
import shutil
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bankperf_analysis.dataset.load import load_dataset
from bankperf_analysis.periods import Period
from bankperf_analysis.staffing import DemandForecaster
from bankperf_analysis.staffing.plan import branch_staffing_inputs

QUARTER = "2026Q4"

# --------------------------------------------------------------------------- forecast


@pytest.fixture(scope="module")
def demo_year(default_bank):
    """The demo bank's contacts of the plan's history window (52 weeks) and its holidays."""
    with load_dataset(default_bank) as ds:
        q = Period.parse(QUARTER)
        start = pd.Timestamp(q.end) - pd.Timedelta(weeks=52)
        contacts = ds.sql(
            "SELECT branch_id, channel, arrival_ts FROM contacts WHERE arrival_ts >= ? AND arrival_ts < ?",
            [start.to_pydatetime(), pd.Timestamp(q.end).to_pydatetime()],
        )
        holidays = [str(h) for h in (ds.meta or {}).get("holidays", [])]
    return contacts, holidays


def _reference_fits(hist: pd.DataFrame, nb_alpha: float | None):
    """statsmodels GLMs of one series: a dummy per cell with contacts, and the month-end /
    holiday flags where they vary and their rows saw contacts.

    Rows with equal covariates are given to statsmodels once with their number as
    frequency weight (the same likelihood as the rows one by one, which
    ``test_forecast.test_grouped_fit_equals_row_level_statsmodels_glm`` checks; it keeps
    this test fast). IRLS runs 60 iterations, to full precision. Returns ``{term:
    estimate}`` of the Poisson fit, of the NB2 fit at ``nb_alpha`` (default: the moment
    estimate on the rows from the Poisson fit), and that alpha.
    """
    import statsmodels.api as sm

    h = hist[hist.groupby(["weekday", "slot"])["contacts"].transform("sum") > 0]
    g = h.groupby(["weekday", "slot", "month_end", "holiday"])["contacts"].agg(["size", "mean"]).reset_index()
    cells = pd.Categorical(g["weekday"] * 100 + g["slot"])
    x = pd.get_dummies(cells).to_numpy(dtype=float)
    names = [f"dow{c // 100}_slot{c % 100}" for c in cells.categories]
    for flag in ("month_end", "holiday"):
        v = h[flag].to_numpy(dtype=bool)
        if v.any() and (~v).any() and h.loc[v, "contacts"].sum() > 0:
            x = np.column_stack([x, g[flag].to_numpy(dtype=float)])
            names.append(flag)
    ybar, n = g["mean"].to_numpy(dtype=float), g["size"].to_numpy(dtype=float)
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tol=0: IRLS never "converges", it runs maxiter
        pois = sm.GLM(ybar, x, family=sm.families.Poisson(), freq_weights=n).fit(tol=0, maxiter=60)
        if nb_alpha is None:  # moment estimate on the rows: sum((y - mu)^2 - y) / sum(mu^2)
            mu = h.merge(g.assign(mu=pois.mu), on=["weekday", "slot", "month_end", "holiday"])["mu"]
            y = h["contacts"].to_numpy(dtype=float)
            mu = mu.to_numpy()
            nb_alpha = max(((y - mu) ** 2 - y).sum() / (mu**2).sum(), 1e-8)
        family = sm.families.NegativeBinomial(alpha=nb_alpha)
        nb = sm.GLM(ybar, x, family=family, freq_weights=n).fit(tol=0, maxiter=60)
    fits["poisson"] = dict(zip(names, pois.params))
    fits["negbin"] = dict(zip(names, nb.params))
    return fits, nb_alpha


def test_batched_forecast_equals_statsmodels_fit_per_series(demo_year):
    contacts, holidays = demo_year
    fitted = {
        model: DemandForecaster(model=model, interval_minutes=60, holidays=holidays).fit(contacts)
        for model in ("poisson", "negbin")
    }
    hist = fitted["negbin"].history_
    alphas = fitted["negbin"].alpha_.set_index(["branch_id", "channel"])["alpha"]
    series = list(hist.groupby(["branch_id", "channel"]).groups)
    assert len(series) >= 24  # every branch x channel of the demo bank
    worst = 0.0
    for key in series:
        ref, ref_alpha = _reference_fits(
            hist[(hist["branch_id"] == key[0]) & (hist["channel"] == key[1])], None
        )
        assert alphas[key] == pytest.approx(ref_alpha, rel=1e-8, abs=1e-12), key
        for model, f in fitted.items():
            coef = f.coef_[(f.coef_["branch_id"] == key[0]) & (f.coef_["channel"] == key[1])]
            got = coef.set_index("term")["estimate"]
            got = got[np.isfinite(got)]  # -inf: a holiday never open, not a fitted term
            assert set(got.index) == set(ref[model]), (key, model)
            diff = np.abs(got.to_numpy() - np.array([ref[model][t] for t in got.index]))
            worst = max(worst, float(diff.max()))
            assert diff.max() < 1e-8, (key, model, got.index[diff.argmax()], diff.max())
    assert worst < 1e-8


def test_batched_forecast_fixed_alpha_equals_statsmodels(demo_year):
    # a fixed dispersion: the NB2 fit alone, on a few series
    contacts, holidays = demo_year
    some = contacts[contacts["branch_id"].isin(sorted(contacts["branch_id"].unique())[:3])]
    f = DemandForecaster(model="negbin", interval_minutes=60, holidays=holidays, alpha=0.2).fit(some)
    for key, h in f.history_.groupby(["branch_id", "channel"]):
        ref, _ = _reference_fits(h, 0.2)
        coef = f.coef_[(f.coef_["branch_id"] == key[0]) & (f.coef_["channel"] == key[1])]
        got = coef.set_index("term")["estimate"]
        got = got[np.isfinite(got)]
        np.testing.assert_allclose(got.to_numpy(), [ref["negbin"][t] for t in got.index], rtol=0, atol=1e-8)


# --------------------------------------------------------------------------- no per-branch work


def _copied_bank(src: Path, dst: Path, copies: int) -> Path:
    """A bank of ``copies`` copies of every branch of ``src`` (ids suffixed), last two quarters.

    Only the tables the staffing preparation reads: branches, staff, roster, contacts.
    """
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "dataset.yaml", dst / "dataset.yaml")
    ids = {
        "branches": ["branch_id"],
        "staff": ["staff_id", "branch_id"],
        "roster": ["shift_id", "staff_id", "branch_id"],
        "contacts": ["contact_id", "branch_id", "staff_id"],
    }
    for table, columns in ids.items():
        d = pd.read_parquet(src / f"{table}.parquet")
        if table == "contacts":
            d = d[d["arrival_ts"] >= pd.Timestamp("2026-07-01")]
        if table == "roster":
            d = d[d["shift_start"] >= pd.Timestamp("2026-10-01")]
        parts = []
        for i in range(copies):
            part = d.copy()
            for c in columns:
                part[c] = part[c] + f"x{i}"
            parts.append(part)
        pd.concat(parts, ignore_index=True).to_parquet(dst / f"{table}.parquet", index=False)
    return dst


def _python_calls(fn) -> collections.Counter:
    """How often ``fn`` calls each Python function (generator resumptions not counted).

    Iterating a column element by element resumes a generator once per element; that
    is work per row, not per branch, and the comparison below is about the number of
    operations, so it is left out.
    """
    skip = inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR
    counts: collections.Counter = collections.Counter()

    def profile(frame, event, arg):
        if event == "call" and not frame.f_code.co_flags & skip:
            counts[frame.f_code] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return counts


def test_staffing_preparation_does_no_work_per_branch(tiny_bank, tmp_path):
    small, large = 3, 12
    banks = {k: load_dataset(_copied_bank(Path(tiny_bank), tmp_path / f"bank{k}", k)) for k in (small, large)}
    try:
        n_branches = {k: len(ds.table("branches")) for k, ds in banks.items()}
        extra_branches = n_branches[large] - n_branches[small]
        assert extra_branches >= 30
        branch_staffing_inputs(banks[small], QUARTER)  # warm caches (imports, regexes)
        calls = {
            k: _python_calls(lambda ds=ds: branch_staffing_inputs(ds, QUARTER)) for k, ds in banks.items()
        }
        out = {k: branch_staffing_inputs(ds, QUARTER) for k, ds in banks.items()}
    finally:
        for ds in banks.values():
            ds.close()
    # the large bank has every branch of the small one, with the same plan
    assert out[large]["plan"]["branch_id"].nunique() == n_branches[large]
    assert (out[large]["cost_benefit"]["demand_source"] == "forecast").all()
    more = {
        f"{c.co_filename}:{c.co_firstlineno} {c.co_name}": n - calls[small].get(c, 0)
        for c, n in calls[large].items()
        if n > calls[small].get(c, 0)
    }
    # one call per branch would add at least extra_branches calls of some function
    assert sum(more.values()) < extra_branches, sorted(more.items(), key=lambda kv: -kv[1])[:10]


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    keys = [c for c in ("branch_id", "role", "rule", "target", "weekday", "hour") if c in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True)


def test_a_bank_prepared_in_parts_gets_the_same_tables(default_bank, monkeypatch):
    """Part by part (a bounded peak memory at bank scale) changes no number of any branch."""
    from bankperf_analysis.staffing import plan_data

    with load_dataset(default_bank) as ds:
        whole = branch_staffing_inputs(ds, QUARTER)
        seen: list[list[list[str]]] = []
        chunks = plan_data.branch_chunks

        def spy(*args, **kwargs):
            seen.append(chunks(*args, **kwargs))
            return seen[-1]

        monkeypatch.setattr(plan_data, "CHUNK_GRID_ROWS", 1)  # one branch a part
        monkeypatch.setattr("bankperf_analysis.staffing.plan.branch_chunks", spy)
        parts = branch_staffing_inputs(ds, QUARTER)
        n_branches = len(ds.table("branches"))
    assert [len(p) for p in seen[0]] == [1] * n_branches
    assert whole.keys() == parts.keys()
    for name in whole:
        pd.testing.assert_frame_equal(
            _sorted(parts[name]), _sorted(whole[name]), check_exact=False, rtol=1e-9
        )

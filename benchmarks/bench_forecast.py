"""Benchmark: the demand forecast at bank scale (issue 17 item 5, issue 14 goal 6).

Three parts, in one run:

1. **Forecast time at 100 and 1,000 branches x 2 queues x one quarter** of 30-minute
   counts. Input: a synthetic count panel made by :func:`make_panel` (documented below;
   the benchmark bank's contacts take minutes to generate and the forecast needs only
   their interval counts), in the form the staffing plan's SQL returns them. Four
   contenders, interleaved per round in this process (after one warm-up each):

   * ``forecaster API, per series``: the route the staffing plan took before:
     zero-filled grid (``demand._zero_filled``) -> ``DemandForecaster(model="negbin")``
     -> ``predict`` over the next quarter -> mean per ordinary day;
   * ``forecaster API, pooled``: the same with ``pooling="pooled"``;
   * ``plan profile, per series``: :func:`~bankperf_analysis.staffing._profile_forecast.forecast_profile`,
     what ``plan_build._forecast_profile`` now calls (same numbers, from sufficient statistics);
   * ``plan profile, pooled``: the same with the pooled model.

   Ratios are per round, against ``forecaster API, per series``.
2. **The product path** (with ``--data``, the benchmark bank): ``branch_staffing_inputs``
   for the quarter, what the quarter report batch prepares for every branch, timed
   end to end with the time spent in its steps (contact SQL, roster SQL, forecast).
3. **Backtest WAPE on the demo bank** (12 branches), per series vs pooled, on the same
   holdouts: a quarter-ahead holdout (fit on the 52 weeks before 2026Q4, forecast every
   interval of 2026Q4), the same with one quarter (2026Q3) of training, and
   :func:`~bankperf_analysis.staffing.backtest.backtest` (4 folds of 7 days).

Run: ``python -m benchmarks.bench_forecast [--branches 100 1000] [--repeats 3] [--data DIR]``.
Goal: 1,000 branches x 2 queues x one quarter forecast in <= 60 s, pooled WAPE no worse.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks._common import table, write_results

QUARTER = "2026Q4"
MINUTES = 30
#: The national-day week of 2026 (closed), as in the demo bank's calendar.
HOLIDAYS = ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06", "2026-10-07"]
#: Opening slots (30 minutes) per queue: counter 09:00-17:00, phone/online 08:00-20:00.
SLOTS = {"counter": np.arange(18, 34), "phone_online": np.arange(16, 40)}
#: Weekday multipliers Mon..Sun (Sunday closed): the Monday and Friday peaks.
WEEKDAY = np.array([1.3, 1.0, 0.95, 1.0, 1.25, 0.7, 0.0])


def make_panel(n_branches: int, seed: int = 17) -> pd.DataFrame:
    """Poisson counts per branch x queue x open day x 30-minute slot of 2026Q4 (non-zero rows).

    ``mu = level[branch, queue] x weekday[day] x profile[queue, slot] x monday_am[day, slot]
    x shape[branch, queue, slot] x 1.3 on the last two business days of a month``:
    level lognormal (median 4 counter, 2 phone/online, sd 0.5 on the log scale), the
    intraday profile a bump around midday (+0.3 floor), a bank-wide Monday-morning peak
    (x1.4 before 11:00: a weekday x slot interaction), a branch x slot deviation
    (lognormal, sd 0.2), Monday to Saturday open except the national-day holidays.
    About 2.5M non-zero rows and 9M contacts at 1,000 branches.
    """
    from bankperf_analysis.staffing.demand import calendar_flags

    rng = np.random.default_rng(seed)
    days = pd.date_range("2026-10-01", "2026-12-31", freq="D")
    cal = calendar_flags(days, HOLIDAYS)
    cal = cal[(cal["weekday"] < 6) & ~cal["holiday"]].reset_index(drop=True)
    wd = cal["weekday"].to_numpy()
    frames = []
    ids = np.array([f"B{i:04d}" for i in range(n_branches)], dtype=object)
    for queue, slots in SLOTS.items():
        prof = np.exp(-(((slots - slots.mean()) / (len(slots) / 3)) ** 2)) + 0.3
        level = rng.lognormal(np.log(4.0 if queue == "counter" else 2.0), 0.5, n_branches)
        shape = rng.lognormal(0.0, 0.2, (n_branches, len(slots)))
        monday_am = np.where((wd[:, None] == 0) & (slots[None, :] < 22), 1.4, 1.0)
        day = WEEKDAY[wd] * np.where(cal["month_end"].to_numpy(), 1.3, 1.0)
        mu = level[:, None, None] * (day[:, None] * monday_am * prof[None, :])[None] * shape[:, None, :]
        y = rng.poisson(mu)
        b, d, s = np.nonzero(y)
        frames.append(
            pd.DataFrame(
                {
                    "branch_id": ids[b],
                    "queue": queue,
                    "date": cal["date"].to_numpy()[d],
                    "weekday": wd[d].astype(np.int64),
                    "slot": slots[s].astype(np.int64),
                    "contacts": y[b, d, s].astype(np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def api_profile(counts: pd.DataFrame, pooling: str) -> pd.DataFrame:
    """The forecaster route: zero-filled grid -> fit -> predict next quarter -> mean per ordinary day."""
    from bankperf_analysis.periods import Period
    from bankperf_analysis.staffing.demand import _zero_filled
    from bankperf_analysis.staffing.forecast import DemandForecaster

    grid = _zero_filled(counts.rename(columns={"queue": "channel"}), MINUTES)
    est = DemandForecaster(model="negbin", interval_minutes=MINUTES, holidays=HOLIDAYS, pooling=pooling)  # type: ignore[arg-type]
    est._fit_grid(grid)
    nq = Period.parse(QUARTER).shift(1)
    pred = est.predict(pd.Timestamp(nq.start), pd.Timestamp(nq.end))
    day = pred["interval_start"].dt.normalize()
    pred = pred[~day.isin(pd.to_datetime(HOLIDAYS))]
    day = pred["interval_start"].dt.normalize()
    pred = pred.assign(
        weekday=day.dt.day_of_week,
        slot=((pred["interval_start"] - day).dt.total_seconds() // (60 * MINUTES)).astype(np.int64),
    )
    return pred.groupby(["branch_id", "channel", "weekday", "slot"], as_index=False)[
        "expected_contacts"
    ].mean()


def plan_profile(counts: pd.DataFrame, pooling: str) -> pd.DataFrame:
    """What the staffing plan calls: the profile from sufficient statistics."""
    from bankperf_analysis.periods import Period
    from bankperf_analysis.staffing._profile_forecast import forecast_profile

    return forecast_profile(counts, Period.parse(QUARTER), MINUTES, HOLIDAYS, pooling=pooling)  # type: ignore[arg-type]


CONTENDERS: dict[str, Callable[[pd.DataFrame], pd.DataFrame]] = {
    "forecaster API, per series": lambda c: api_profile(c, "series"),
    "forecaster API, pooled": lambda c: api_profile(c, "pooled"),
    "plan profile, per series": lambda c: plan_profile(c, "series"),
    "plan profile, pooled": lambda c: plan_profile(c, "pooled"),
}
BASE = "forecaster API, per series"


def time_forecasts(branch_counts: list[int], repeats: int) -> list[dict[str, Any]]:
    """Median seconds per contender and size, and per-round ratios to the base."""
    rows = []
    for n in branch_counts:
        counts = make_panel(n)
        print(
            f"{n} branches: {len(counts):,} non-zero interval counts, {counts['contacts'].sum():,} contacts"
        )
        times: dict[str, list[float]] = {k: [] for k in CONTENDERS}
        for f in CONTENDERS.values():  # warm-up: imports and first calls outside the timings
            f(counts.head(5000))
        out: dict[str, pd.DataFrame] = {}
        for r in range(repeats):
            for name, f in CONTENDERS.items():
                t0 = time.perf_counter()
                out[name] = f(counts)
                times[name].append(time.perf_counter() - t0)
                print(f"  round {r + 1}/{repeats} {name:<28} {times[name][-1]:8.2f} s", flush=True)
        same = np.allclose(
            out["plan profile, per series"]["contacts"].to_numpy(),
            out[BASE]
            .sort_values(["branch_id", "channel", "weekday", "slot"])["expected_contacts"]
            .to_numpy(),
            rtol=1e-9,
        )
        for name in CONTENDERS:
            ratios = [b / t for b, t in zip(times[BASE], times[name], strict=True)]
            rows.append(
                {
                    "branches": n,
                    "series": 2 * n,
                    "contender": name,
                    "median_s": statistics.median(times[name]),
                    "x_faster_than_api_per_series_per_round": [round(x, 2) for x in ratios],
                    "times_s": times[name],
                    "same_profile_as_api": bool(same) if name == "plan profile, per series" else None,
                }
            )
    return rows


def time_product_path(data: str) -> dict[str, Any]:
    """``branch_staffing_inputs`` on a bank, end to end, with the time of its main steps."""
    import bankperf_analysis.staffing.plan as plan
    import bankperf_analysis.staffing.plan_build as pb
    from bankperf_analysis.dataset.load import load_dataset

    spent: dict[str, float] = {}

    def timed(mod: Any, name: str) -> None:
        f = getattr(mod, name)

        def wrapper(*a: Any, **k: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return f(*a, **k)
            finally:
                spent[name] = spent.get(name, 0.0) + time.perf_counter() - t0

        setattr(mod, name, wrapper)

    timed(pb, "_forecast_profile")
    for name in ("_contact_history", "_open_day_roster", "_current_staff"):
        timed(plan, name)
    with load_dataset(data) as ds:
        t0 = time.perf_counter()
        out = plan.branch_staffing_inputs(ds, QUARTER)
        total = time.perf_counter() - t0
    print(
        f"branch_staffing_inputs on {data}: {total:.1f} s "
        + ", ".join(f"{k} {v:.1f} s" for k, v in spent.items())
    )
    return {
        "data": data,
        "branches": int(out["plan"]["branch_id"].nunique()),
        "seconds": total,
        "steps_s": spent,
        "demand_sources": out["cost_benefit"]["demand_source"].value_counts().to_dict(),
    }


def demo_wape(demo: str) -> list[dict[str, Any]]:
    """WAPE of per-series and pooled fits on the demo bank's holdouts (same holdouts for both)."""
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.staffing.backtest import backtest, wape
    from bankperf_analysis.staffing.demand import _aggregate, _validate_contacts
    from bankperf_analysis.staffing.forecast import DemandForecaster

    with load_dataset(demo) as ds:
        contacts = ds.sql(
            "SELECT branch_id, channel, arrival_ts FROM contacts "
            "WHERE arrival_ts >= '2025-10-01' AND arrival_ts < '2027-01-01'"
        )
        holidays = [str(h) for h in (ds.meta or {}).get("holidays", [])]
    df = _validate_contacts(contacts)
    cut = pd.Timestamp("2026-10-01")
    actual = _aggregate(df[df["arrival_ts"] >= cut], MINUTES, True)
    rows = []
    for label, start in (
        ("52 weeks -> 2026Q4", cut - pd.Timedelta(weeks=52)),
        ("2026Q3 -> 2026Q4", pd.Timestamp("2026-07-01")),
    ):
        train = _aggregate(df[(df["arrival_ts"] >= start) & (df["arrival_ts"] < cut)], MINUTES, True)
        for pooling in ("series", "pooled"):
            est = DemandForecaster(
                model="negbin", interval_minutes=MINUTES, holidays=holidays, pooling=pooling
            )  # type: ignore[arg-type]
            est._fit_grid(train)
            pred = est.predict(cut, "2027-01-01")
            j = actual.merge(pred, on=["branch_id", "channel", "interval_start"], how="left")
            rows.append(
                {
                    "holdout": label,
                    "pooling": pooling,
                    "wape": wape(j["contacts"], j["expected_contacts"].fillna(0.0)),
                }
            )
    for pooling in ("series", "pooled"):
        r = backtest(contacts, models=["negbin"], holidays=holidays, pooling=pooling)  # type: ignore[arg-type]
        w = float(r.overall.loc[r.overall["model"] == "negbin", "wape"].iloc[0])
        rows.append({"holdout": "backtest 4 x 7 days", "pooling": pooling, "wape": w})
    for r in rows:
        ref = next(x for x in rows if x["holdout"] == r["holdout"] and x["pooling"] == "series")
        r["pooled_over_series"] = r["wape"] / ref["wape"]
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--branches", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--data", default=None, help="a bank to time the product path on (the benchmark bank)")
    ap.add_argument("--demo", default=None, help="the demo bank for the WAPE table (default: generated)")
    args = ap.parse_args(argv)
    load = os.getloadavg()
    timing = time_forecasts(args.branches, args.repeats)
    print(table(timing, ["branches", "contender", "median_s", "x_faster_than_api_per_series_per_round"]))
    product = None
    if args.data:
        from benchmarks.bench_kpis import ensure_data

        product = time_product_path(str(ensure_data(Path(args.data))))
    if args.demo is None:
        from benchmarks.bench_reports import ensure_demo

        args.demo = str(ensure_demo())
    wapes = demo_wape(args.demo)
    print(table(wapes, ["holdout", "pooling", "wape", "pooled_over_series"]))
    big = [
        r
        for r in timing
        if r["branches"] == max(args.branches) and r["contender"] == "plan profile, per series"
    ]
    write_results(
        "forecast",
        {
            "setting": {
                "quarter": QUARTER,
                "interval_minutes": MINUTES,
                "queues": list(SLOTS),
                "repeats": args.repeats,
            },
            "load_average_at_start": load,
            "timing": timing,
            "product_path": product,
            "demo_wape": wapes,
            "goal_60s_met_forecast": bool(big and big[0]["median_s"] <= 60.0),
            "goal_60s_met_product_path": None if product is None else product["seconds"] <= 60.0,
            "pooled_no_worse": all(r["pooled_over_series"] <= 1.0 + 1e-12 for r in wapes),
        },
    )


if __name__ == "__main__":
    main()

"""did_regression (within transformation) vs statsmodels OLS with dummy columns vs pyfixest feols.

``python -m benchmarks.bench_did_regression`` times the same clustered two-way-FE DiD
(unit + period fixed effects, one covariate, CR1 by cluster) three ways and checks that
the three agree on the coefficient and its standard error before printing the medians:

- ``did_regression``: fixed effects absorbed by alternating projections
  (``incentives/demean.py``);
- statsmodels ``OLS`` with ``C(unit) + C(period)`` dummy columns (skipped above
  ``--max-dummy-rows`` rows: the dense design grows as rows x units);
- pyfixest ``feols`` (``| unit + period``), its compiled demeaner.

Timings are in-process medians of ``--repeats`` runs after one warm-up, on whatever CPU
the machine leaves (the numbers in the report were taken beside a running benchmark).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd


def make_panel(n_units: int, n_periods: int, seed: int = 0) -> pd.DataFrame:
    """A balanced panel with staggered-free treatment at period n_periods // 2 for half the units."""
    rng = np.random.default_rng(seed)
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    treated = (unit % 2 == 0).astype(float)
    post = (period >= n_periods // 2).astype(float)
    x = rng.normal(size=unit.size)
    y = 0.01 * unit + 0.1 * period + 0.5 * treated * post + 0.3 * x + rng.normal(size=unit.size)
    return pd.DataFrame(
        {
            "unit": unit,
            "period": period,
            "cluster": unit // 20,
            "treated": treated,
            "post": post,
            "x": x,
            "y": y,
        }
    )


def _ours(df: pd.DataFrame) -> tuple[float, float]:
    from bankperf_analysis.incentives.did_regression import did_regression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = did_regression(
            df, "y", covariates=["x"], fixed_effects=["unit", "period"], vcov="cluster", cluster="cluster"
        )
    return r.estimate, r.std_error


def _statsmodels(df: pd.DataFrame) -> tuple[float, float]:
    import statsmodels.formula.api as smf

    m = smf.ols("y ~ treated:post + x + C(unit) + C(period)", df).fit(
        cov_type="cluster", cov_kwds={"groups": df["cluster"]}
    )
    return float(m.params["treated:post"]), float(m.bse["treated:post"])


def _pyfixest(df: pd.DataFrame) -> tuple[float, float]:
    import pyfixest as pf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = pf.feols(
            "y ~ treated:post + x | unit + period",
            data=df,
            vcov={"CRV1": "cluster"},
            ssc=pf.ssc(k_fixef="full"),
        )
    return float(f.coef()["treated:post"]), float(f.se()["treated:post"])


def _time(func, df: pd.DataFrame, repeats: int) -> tuple[float, tuple[float, float]]:
    out = func(df)  # warm-up (imports, JIT)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = func(df)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> None:
    """Print one line per size and contender: median seconds, estimate, SE."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="500x20,2000x20,20000x20", help="units x periods, comma-separated")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--max-dummy-rows", type=int, default=50_000)
    args = ap.parse_args(argv)
    print(f"{'rows':>9} {'units':>6}  {'contender':<14} {'median s':>9}  {'estimate':>10} {'se':>10}")
    for size in args.sizes.split(","):
        n_units, n_periods = (int(v) for v in size.split("x"))
        df = make_panel(n_units, n_periods)
        contenders = [("did_regression", _ours), ("pyfixest", _pyfixest)]
        if len(df) <= args.max_dummy_rows:
            contenders.append(("statsmodels", _statsmodels))
        ref = None
        for name, func in contenders:
            sec, (est, se) = _time(func, df, args.repeats)
            if ref is None:
                ref = (est, se)
            elif not np.allclose((est, se), ref, rtol=1e-6):
                raise SystemExit(f"{name} disagrees: {(est, se)} vs {ref}")
            print(f"{len(df):>9,} {n_units:>6,}  {name:<14} {sec:>9.3f}  {est:>10.6f} {se:>10.6f}")


if __name__ == "__main__":
    main()

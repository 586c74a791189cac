"""Benchmark the incentive-effect estimators at 1,000,000 staff-month rows against pyfixest and diff-diff.

Data: 20,000 staff x 50 months (balanced; plus an unbalanced variant with 30 % staff
turnover), 500 branch clusters of 40 staff, adoption staggered by branch over months
10-44 (25 % of branches never adopt), effects growing with time since adoption.

Pairs (each contender in its own fresh process via ``_common``, interleaved round by round):

- two-way fixed effects, CR1 clustered by branch: ``twfe_did`` against pyfixest
  ``feols("y ~ treated | unit + period", vcov={"CRV1": "branch"})``, balanced and unbalanced;
- staggered DiD (Callaway-Sant'Anna, not-yet-treated controls, universal base period,
  overall ATT, influence functions clustered by branch): ``staggered_did`` against diff-diff
  ``CallawaySantAnna(control_group="not_yet_treated", base_period="universal",
  estimation_method="reg", cluster="branch")`` (without covariates, "reg" and "dr" are the
  same difference in means);
- ``estimate_incentive_effect`` (both estimators + event study + pre-trend power), alone.

In every process the estimator is called three times on the same data: "cold" is the first
call (for pyfixest it includes numba's compilation; imports are timed apart), "warm" the
median of the next two, as in a session that fits many models. Fit times exclude data
generation; peak memory is the process's peak RSS (data included).

Agreement is checked before results are written: estimate and standard error of each pair
must agree to a relative ``RTOL`` (1e-6; pyfixest stops its demeaning at 1e-8, ours at
1e-10), or the benchmark stops with exit code 1 naming pair, number and values.

Run: ``python -m benchmarks.bench_incentives [--repeats 3] [--staff 20000]``.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from benchmarks._common import Contender, by_round, compare, table, write_results

N_STAFF = 20_000
N_MONTHS = 50
STAFF_PER_BRANCH = 40
MODULE = "benchmarks.bench_incentives"
RTOL = 1e-6
GOALS = {"twfe_seconds": 2.0, "staggered_seconds": 3.0, "peak_mb": 2048.0}


def _data(n_staff: int, turnover: float = 0.0, seed: int = 0):
    from bankperf_analysis.incentives import attach_treatment
    from bankperf_analysis.incentives.simulate import simulate_staggered_panel

    panel, adoption = simulate_staggered_panel(
        n_staff,
        N_MONTHS,
        max(n_staff // STAFF_PER_BRANCH, 10),
        cohorts=range(10, 45),
        share_never=0.25,
        effect=lambda e: 1.0 + 0.05 * e,
        branch_shock_sd=0.5,
        turnover=turnover,
        seed=seed,
    )
    return attach_treatment(panel, adoption)


def _timed(fit: Callable[[], tuple[float, float]], calls: int = 3) -> dict[str, Any]:
    """Call ``fit`` ``calls`` times: the first is cold, the median of the rest warm."""
    times, cpu, out = [], [], (float("nan"), float("nan"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few-cluster notices, pyfixest/diff-diff chatter
        for _ in range(calls):
            t0, c0 = time.perf_counter(), time.process_time()
            out = fit()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)  # every thread of the process
    return {
        "cold_s": times[0],
        "warm_s": statistics.median(times[1:]),
        "cold_cpu_s": cpu[0],
        "warm_cpu_s": statistics.median(cpu[1:]),
        "estimate": out[0],
        "se": out[1],
    }


def _with_import(module: str, n_staff: int, turnover: float) -> tuple[Any, Any, float]:
    import importlib

    p = _data(n_staff, turnover)
    t0 = time.perf_counter()
    mod = importlib.import_module(module)
    return p, mod, time.perf_counter() - t0


def run_twfe(n_staff: int = N_STAFF, turnover: float = 0.0) -> dict[str, Any]:
    """``twfe_did``, CR1 clustered by branch (default "nested" fixed-effect count)."""
    p, inc, imp = _with_import("bankperf_analysis.incentives", n_staff, turnover)

    def fit() -> tuple[float, float]:
        r = inc.twfe_did(p, "y")
        return r.estimate, r.std_error

    return {"import_s": imp, "rows": len(p), **_timed(fit)}


def run_pyfixest(n_staff: int = N_STAFF, turnover: float = 0.0) -> dict[str, Any]:
    """pyfixest ``feols`` with unit and period fixed effects, CRV1 clustered by branch."""
    p, pf, imp = _with_import("pyfixest", n_staff, turnover)

    def fit() -> tuple[float, float]:
        m = pf.feols("y ~ treated | unit + period", data=p, vcov={"CRV1": "branch"})
        return float(m.coef()["treated"]), float(m.se()["treated"])

    return {"import_s": imp, "rows": len(p), **_timed(fit)}


def run_staggered(n_staff: int = N_STAFF) -> dict[str, Any]:
    """``staggered_did`` (not-yet-treated controls, universal base period, overall ATT)."""
    p, inc, imp = _with_import("bankperf_analysis.incentives", n_staff, 0.0)

    def fit() -> tuple[float, float]:
        r = inc.staggered_did(p, "y")
        return r.estimate, r.std_error

    return {"import_s": imp, "rows": len(p), **_timed(fit)}


def run_diff_diff(n_staff: int = N_STAFF) -> dict[str, Any]:
    """diff-diff ``CallawaySantAnna`` with the same design choices as ``staggered_did``."""
    p, dd, imp = _with_import("diff_diff", n_staff, 0.0)
    d = p.assign(first_treat=p["first_treated"].fillna(0).astype("int64"))  # 0: never treated
    est = dd.CallawaySantAnna(
        control_group="not_yet_treated", base_period="universal", estimation_method="reg", cluster="branch"
    )

    def fit() -> tuple[float, float]:
        r = est.fit(d, outcome="y", unit="unit", time="period", first_treat="first_treat")
        return float(r.overall_att), float(r.overall_se)

    return {"import_s": imp, "rows": len(p), **_timed(fit)}


def run_pipeline(n_staff: int = N_STAFF) -> dict[str, Any]:
    """``estimate_incentive_effect`` (robust + TWFE + event study + pre-trend power)."""
    p, inc, imp = _with_import("bankperf_analysis.incentives", n_staff, 0.0)

    def fit() -> tuple[float, float]:
        r = inc.estimate_incentive_effect(p, "y")
        return r.estimate, r.std_error

    return {"import_s": imp, "rows": len(p), **_timed(fit, calls=2)}


def check_agreement(
    pairs: list[tuple[Contender, Contender]], rtol: float = RTOL
) -> dict[str, dict[str, float]]:
    """Largest relative difference of estimate and SE per pair; ``SystemExit`` beyond ``rtol``."""
    worst: dict[str, dict[str, float]] = {}
    problems = []
    for ours, ref in pairs:
        w = worst.setdefault(ref.label, {"estimate": 0.0, "se": 0.0})
        for a, b in zip(ours.results, ref.results):
            for key in ("estimate", "se"):
                d = abs(a[key] - b[key]) / max(abs(a[key]), 1e-300)
                w[key] = max(w[key], d)
                if not d <= rtol:  # NaN fails too
                    problems.append(f"{ours.label} vs {ref.label}: {key} {a[key]!r} vs {b[key]!r}")
    if problems:
        raise SystemExit(f"estimates disagree beyond a relative {rtol:g}:\n  " + "\n  ".join(problems))
    return worst


def _pairs(n_staff: int) -> tuple[list[tuple[Contender, Contender]], Contender]:
    kw, unb = {"n_staff": n_staff}, {"n_staff": n_staff, "turnover": 0.3}
    pairs = [
        (
            Contender("twfe_did, balanced", f"{MODULE}:run_twfe", kw),
            Contender("pyfixest feols, balanced", f"{MODULE}:run_pyfixest", kw),
        ),
        (
            Contender("twfe_did, unbalanced (30% turnover)", f"{MODULE}:run_twfe", unb),
            Contender("pyfixest feols, unbalanced", f"{MODULE}:run_pyfixest", unb),
        ),
        (
            Contender("staggered_did (Callaway-Sant'Anna)", f"{MODULE}:run_staggered", kw),
            Contender("diff-diff CallawaySantAnna", f"{MODULE}:run_diff_diff", kw),
        ),
    ]
    return pairs, Contender("estimate_incentive_effect (pipeline)", f"{MODULE}:run_pipeline", kw)


def _ratios(ours: Contender, ref: Contender, key: str) -> list[float]:
    return [b[key] / a[key] for a, b in zip(ours.results, ref.results)]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run the benchmark, print the tables and write ``benchmarks/results/incentives.json``."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="rounds (fresh processes) per contender")
    ap.add_argument("--staff", type=int, default=N_STAFF, help=f"staff (x {N_MONTHS} months)")
    args = ap.parse_args(argv)
    pairs, pipeline = _pairs(args.staff)
    everyone = [c for pair in pairs for c in pair] + [pipeline]
    print(
        f"Incentive estimators: {args.staff:,} staff x {N_MONTHS} months, "
        f"{max(args.staff // STAFF_PER_BRANCH, 10)} branch clusters, {args.repeats} round(s)"
    )
    compare(everyone, repeats=args.repeats)
    worst = check_agreement(pairs)
    rows = []
    for c in everyone:
        res = c.results
        rows.append(
            {
                "contender": c.label,
                "rows": res[0]["rows"],
                "cold s": statistics.median(r["cold_s"] for r in res),
                "warm s": statistics.median(r["warm_s"] for r in res),
                "warm CPU s": statistics.median(r["warm_cpu_s"] for r in res),
                "import s": statistics.median(r["import_s"] for r in res),
                "peak MB": max(c.peaks_mb),
                "estimate": res[0]["estimate"],
                "se": res[0]["se"],
            }
        )
    print()
    cols = ["contender", "rows", "cold s", "warm s", "warm CPU s", "import s", "peak MB", "estimate", "se"]
    print(table(rows, cols))
    ratios = {}
    print()
    for ours, ref in pairs:
        kinds = ("cold", "warm", "cold_cpu", "warm_cpu")
        r = {k: _ratios(ours, ref, f"{k}_s") for k in kinds}
        ratios[ref.label] = {f"{k}_by_round": v for k, v in r.items()} | {
            f"{k}_median": statistics.median(v) for k, v in r.items()
        }
        said = "; ".join(
            f"{k.replace('_', ' ')} {statistics.median(r[k]):.2f}x (rounds "
            + ", ".join(f"{x:.2f}" for x in r[k])
            + ")"
            for k in kinds
        )
        print(
            f"{ref.label} / {ours.label}: {said}; largest relative difference: "
            f"estimate {worst[ref.label]['estimate']:.1e}, se {worst[ref.label]['se']:.1e}"
        )
    twfe_s, cs_s = rows[0]["warm s"], rows[4]["warm s"]
    peak = max(rows[i]["peak MB"] for i in (0, 2, 4, 6))
    goals = {
        "twfe_seconds": (twfe_s, twfe_s <= GOALS["twfe_seconds"]),
        "staggered_seconds": (cs_s, cs_s <= GOALS["staggered_seconds"]),
        "peak_mb": (peak, peak <= GOALS["peak_mb"]),
    }
    for name, (val, ok) in goals.items():
        print(f"goal {name:<18s} {val:10.3f}  (limit {GOALS[name]:g}) {'PASS' if ok else 'FAIL'}")
    payload = {
        "design": {
            "staff": args.staff,
            "months": N_MONTHS,
            "branches": max(args.staff // STAFF_PER_BRANCH, 10),
            "adoption_months": "10-44",
            "never_treated_share": 0.25,
        },
        "repeats": args.repeats,
        "rows": rows,
        "raw": {c.label: {"results": c.results, "wall_s": c.times, "peak_mb": c.peaks_mb} for c in everyone},
        "reference_over_ours": ratios,
        "agreement": {"relative_tolerance": RTOL, "largest_relative_difference": worst},
        "wall_by_round": {ref.label: by_round(ref, ours) for ours, ref in pairs},
        "goals": {k: {"value": v, "pass": ok} for k, (v, ok) in goals.items()},
    }
    path = write_results("incentives", payload)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()

"""Benchmark: the complete quarter scorecard vs a hand-written DuckDB SQL floor vs pandas.

Data: the demo bank at benchmark scale (``bankperf demo-data benchmarks/data/bench --scale
bench``: 1,000 branches, 20,000 staff, >= 50M contacts in 2026Q4), generated on first run.

Contenders, each in a fresh process, interleaved:

* ``package``: what ``bankperf scorecard`` runs before writing the workbook:
  ``load_dataset`` (already validated once, ``validate=False``) + ``quarter_scorecards``
  = ``compute_kpis`` for the quarter (every KPI of every table, staff/branch/region/bank)
  + the staff and branch scorecards (scores, grades, bonus, training needs, checks).
* ``sql_floor``: ONE hand-written DuckDB query computing the contact-based KPIs (response
  time, service level, resolution, abandonment, queue wait) per staff and per branch for
  the quarter —
  the floor: nothing can compute those KPIs with less work.
* ``pandas``: a straightforward pandas implementation of the same contact KPIs (read the
  Parquet, groupby).
* ``validate``: full validation of the benchmark bank, reported separately (done once when
  the data land, not per report).

Run: ``python -m benchmarks.bench_kpis [--repeats 5] [--quarter 2026Q4]``.
Goal (issue 3): package <= 1.5x the SQL floor; >= 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

from benchmarks._common import Contender, compare, table, write_results

DATA = Path(__file__).resolve().parent / "data" / "bench"


def ensure_data(path: Path = DATA) -> Path:
    if not (path / "truth.json").exists():
        print(f"generating the benchmark bank into {path} (one-off, a few minutes)...")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "bankperf_analysis.cli.main",
                "demo-data",
                str(path),
                "--scale",
                "bench",
                "--quiet",
            ],
            check=True,
        )
    return path


def run_package(data: str, quarter: str) -> dict:
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    with load_dataset(data, validate=False) as ds:
        kpis, staff_card, branch_card = quarter_scorecards(ds, quarter)
    q = kpis[(kpis.level == "staff") & (kpis.period == quarter) & (kpis.kpi == "response_time_seconds")]
    return {
        "kpi_rows": len(kpis),
        "staff_scored": staff_card.n_staff,
        "branches_scored": branch_card.n_branches,
        "check_mean_staff_response": float(q.value.mean()),
    }


def _contacts_glob(data: str) -> str:
    p = Path(data)
    return str(p / "contacts" / "*.parquet") if (p / "contacts").is_dir() else str(p / "contacts.parquet")


def run_sql_floor(data: str, quarter: str) -> dict:
    import duckdb

    from bankperf_analysis.periods import Period

    p = Period.parse(quarter)
    con = duckdb.connect()
    df = con.execute(f"""
        SELECT staff_id, branch_id,
               avg(epoch(answer_ts) - epoch(arrival_ts)) AS response_time_seconds,
               count_if(epoch(answer_ts) - epoch(arrival_ts) <= 30)
                 / count(*)::DOUBLE AS service_level,
               count_if(resolved) / count(resolved)::DOUBLE AS resolution_rate,
               count_if(abandoned) / count(*)::DOUBLE AS abandonment_rate,
               avg(epoch(answer_ts) - epoch(arrival_ts)) FILTER (WHERE channel = 'counter')
                 AS queue_wait_seconds
        FROM read_parquet('{_contacts_glob(data)}')
        WHERE arrival_ts >= TIMESTAMP '{p.start}' AND arrival_ts < TIMESTAMP '{p.end}'
        GROUP BY GROUPING SETS ((staff_id), (branch_id))""").df()
    staff = df[df.staff_id.notna()]
    return {"rows": len(df), "check_mean_staff_response": float(staff.response_time_seconds.mean())}


def run_pandas(data: str, quarter: str) -> dict:
    import pandas as pd

    from bankperf_analysis.periods import Period

    p = Period.parse(quarter)
    path = Path(data)
    c = pd.read_parquet(
        path / "contacts" if (path / "contacts").is_dir() else path / "contacts.parquet",
        columns=["branch_id", "staff_id", "channel", "arrival_ts", "answer_ts", "resolved", "abandoned"],
    )
    c = c[(c.arrival_ts >= pd.Timestamp(p.start)) & (c.arrival_ts < pd.Timestamp(p.end))]
    c["wait"] = (c.answer_ts - c.arrival_ts).dt.total_seconds()
    c["in_sl"] = c.wait <= 30
    out = {}
    for key in ("staff_id", "branch_id"):
        g = c.groupby(key)
        ctr = c[c.channel == "counter"].groupby(key).wait.mean()
        res = pd.DataFrame(
            {
                "queue_wait_seconds": ctr,
                "response_time_seconds": g.wait.mean(),
                "service_level": g.in_sl.mean(),
                "resolution_rate": g.resolved.mean(),
                "abandonment_rate": g.abandoned.mean(),
            }
        )
        out[key] = res
    return {
        "rows": sum(len(v) for v in out.values()),
        "check_mean_staff_response": float(out["staff_id"].response_time_seconds.mean()),
    }


def run_validate(data: str) -> dict:
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(data) as ds:
        return {"contacts": ds.n_rows("contacts")}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--quarter", default="2026Q4")
    ap.add_argument("--data", default=str(DATA))
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args(argv)
    data = str(ensure_data(Path(args.data)))
    kw = {"data": data, "quarter": args.quarter}
    cs = [
        Contender("package (full quarter scorecard)", "benchmarks.bench_kpis:run_package", kw),
        Contender("sql_floor (one hand-written query)", "benchmarks.bench_kpis:run_sql_floor", kw),
    ]
    if not args.skip_pandas:
        cs.append(Contender("pandas (read parquet + groupby)", "benchmarks.bench_kpis:run_pandas", kw))
    compare(cs, repeats=args.repeats)
    val = Contender("validate (once per data delivery)", "benchmarks.bench_kpis:run_validate", {"data": data})
    compare([val], repeats=1)
    floor = cs[1].median
    rows = []
    for c in [*cs, val]:
        rows.append(
            {
                "contender": c.label,
                "median_s": c.median,
                "min_s": min(c.times),
                "x_floor": c.median / floor,
                "peak_mb": max(c.peaks_mb),
            }
        )
    print()
    print(table(rows, ["contender", "median_s", "min_s", "x_floor", "peak_mb"]))
    pkg = cs[0]
    # Per round too: the machine is shared, and one slow process shows up as one odd ratio.
    summary = {
        "package_vs_floor": pkg.median / floor,
        "package_vs_floor_by_round": [p / f for p, f in zip(pkg.times, cs[1].times)],
    }
    print(
        f"\npackage / floor = {summary['package_vs_floor']:.2f}x (goal <= 1.5x); by round: "
        + ", ".join(f"{r:.2f}" for r in summary["package_vs_floor_by_round"])
    )
    if not args.skip_pandas:
        summary["pandas_vs_package"] = cs[2].median / pkg.median
        summary["pandas_vs_package_by_round"] = [q / p for q, p in zip(cs[2].times, pkg.times)]
        print(
            f"pandas / package = {summary['pandas_vs_package']:.1f}x (goal >= 5x); by round: "
            + ", ".join(f"{r:.1f}" for r in summary["pandas_vs_package_by_round"])
        )
    checks = {c.label: c.results[0].get("check_mean_staff_response") for c in cs}
    print("mean staff response time by contender (must agree):", checks)
    rows_json = [{**r, "times_s": c.times} for r, c in zip(rows, [*cs, val])]
    contacts = val.results[0]["contacts"]
    path = write_results(
        "kpis",
        {
            "quarter": args.quarter,
            "contacts": contacts,
            "repeats": args.repeats,
            "results": rows_json,
            "summary": summary,
            "agreement": checks,
            "median_of": statistics.median.__name__,
        },
    )
    print(f"results: {path}")
    return summary


if __name__ == "__main__":
    main()

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
  the quarter, each over the channels of its scope in the default scheme (response time,
  service level and abandonment: phone + online; resolution: all; queue wait: counter) —
  the floor: nothing can compute those KPIs with less work.
* ``pandas``: a straightforward pandas implementation of the same contact KPIs (read the
  Parquet, groupby), with the same scopes.
* ``validate``: full validation of the benchmark bank, reported separately (done once when
  the data land, not per report).
* ``bankperf scorecard`` end to end: the command a user types (validate, score, write the
  Excel workbook), one round, reported separately.

The three contenders' branch-level values of the five contact KPIs must agree to a relative
1e-9, or the benchmark stops (exit code 1, naming KPI and branch) before writing results.

Run: ``python -m benchmarks.bench_kpis [--repeats 5] [--quarter 2026Q4]``.
Goal (issue 3): package <= 1.5x the SQL floor; >= 5x faster than pandas.
"""

from __future__ import annotations

import argparse
import resource
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
                "bankperf_analysis.cli",
                "demo-data",
                str(path),
                "--scale",
                "bench",
                "--quiet",
            ],
            check=True,
        )
    return path


CONTACT_KPIS = (
    "response_time_seconds",
    "service_level",
    "abandonment_rate",
    "resolution_rate",
    "queue_wait_seconds",
)


def _scopes() -> tuple[dict[str, tuple[str, ...]], float]:
    """The default scheme's channel scope of each contact KPI and its service-level seconds.

    Every contender computes the KPIs with the same definitions the package uses, so their
    numbers must agree (checked by :func:`check_agreement`); otherwise the timing compares
    different work.
    """
    from bankperf_analysis.scheme import load_scheme

    d = load_scheme().definitions
    return {k: tuple(d.channels[k]) for k in CONTACT_KPIS}, float(d.service_level_seconds)


def _branch_values(frame, key: str = "branch_id") -> dict[str, dict[str, float]]:
    """``{kpi: {branch_id: value}}`` of a wide frame (small and picklable: 1,000 x 5 numbers)."""
    return {k: {str(b): float(v) for b, v in zip(frame[key], frame[k]) if v == v} for k in CONTACT_KPIS}


def run_package(data: str, quarter: str) -> dict:
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.scorecard.quarter import quarter_scorecards

    with load_dataset(data, validate=False) as ds:
        kpis, staff_card, branch_card = quarter_scorecards(ds, quarter)
    b = kpis[(kpis.level == "branch") & (kpis.period == quarter) & kpis.kpi.isin(CONTACT_KPIS)]
    wide = b.pivot(index="entity_id", columns="kpi", values="value").reset_index()
    return {
        "kpi_rows": len(kpis),
        "staff_scored": staff_card.n_staff,
        "branches_scored": branch_card.n_branches,
        "branch_values": _branch_values(wide, "entity_id"),
    }


def _contacts_glob(data: str) -> str:
    p = Path(data)
    return str(p / "contacts" / "*.parquet") if (p / "contacts").is_dir() else str(p / "contacts.parquet")


def _in(channels: tuple[str, ...]) -> str:
    return "channel IN (" + ", ".join(f"'{c}'" for c in channels) + ")"


def run_sql_floor(data: str, quarter: str) -> dict:
    import duckdb

    from bankperf_analysis.periods import Period

    p = Period.parse(quarter)
    sc, sl = _scopes()
    rt, sv, ab, rs, qw = (_in(sc[k]) for k in CONTACT_KPIS)
    con = duckdb.connect()
    # Per staff (answered contacts) and per branch (offered contacts: an abandoned inquiry
    # counts against the service level), with each KPI's channel scope, as the package.
    df = con.execute(f"""
        WITH c AS (
          SELECT staff_id, branch_id, channel, resolved, abandoned,
                 epoch_us(answer_ts) - epoch_us(arrival_ts) AS w
          FROM read_parquet('{_contacts_glob(data)}')
          WHERE arrival_ts >= TIMESTAMP '{p.start}' AND arrival_ts < TIMESTAMP '{p.end}')
        SELECT staff_id, branch_id, grouping(staff_id) AS g,
               avg(w) FILTER (WHERE {rt}) / 1e6 AS response_time_seconds,
               count_if(w <= {round(sl * 1e6)} AND {sv})
                 / CASE WHEN grouping(staff_id) = 0 THEN count(w) FILTER (WHERE {sv})
                        ELSE count(*) FILTER (WHERE {sv}) END::DOUBLE AS service_level,
               count_if(abandoned AND {ab}) / count(*) FILTER (WHERE {ab})::DOUBLE AS abandonment_rate,
               count_if(resolved AND {rs}) / count(resolved) FILTER (WHERE {rs})::DOUBLE AS resolution_rate,
               avg(w) FILTER (WHERE {qw}) / 1e6 AS queue_wait_seconds
        FROM c
        GROUP BY GROUPING SETS ((staff_id), (branch_id))""").df()
    branch = df[df.g == 1]
    return {"rows": len(df), "branch_values": _branch_values(branch)}


def run_pandas(data: str, quarter: str) -> dict:
    import pandas as pd

    from bankperf_analysis.periods import Period

    p = Period.parse(quarter)
    sc, sl = _scopes()
    path = Path(data)
    c = pd.read_parquet(
        path / "contacts" if (path / "contacts").is_dir() else path / "contacts.parquet",
        columns=["branch_id", "staff_id", "channel", "arrival_ts", "answer_ts", "resolved", "abandoned"],
    )
    c = c[(c.arrival_ts >= pd.Timestamp(p.start)) & (c.arrival_ts < pd.Timestamp(p.end))]
    c["wait"] = (c.answer_ts - c.arrival_ts).dt.total_seconds()
    c["in_sl"] = c.wait <= sl
    out = {}
    for key in ("staff_id", "branch_id"):
        cols = {}
        for kpi in CONTACT_KPIS:
            s = c[c.channel.isin(sc[kpi])]
            g = s.groupby(key)
            if kpi in ("response_time_seconds", "queue_wait_seconds"):
                cols[kpi] = g.wait.mean()
            elif kpi == "service_level":
                den = g.wait.count() if key == "staff_id" else g.size()
                cols[kpi] = g.in_sl.sum() / den
            elif kpi == "abandonment_rate":
                cols[kpi] = g.abandoned.sum() / g.size()
            else:
                cols[kpi] = g.resolved.sum() / g.resolved.count()
        out[key] = pd.DataFrame(cols)
    return {
        "rows": sum(len(v) for v in out.values()),
        "branch_values": _branch_values(out["branch_id"].reset_index()),
    }


def check_agreement(results: dict[str, dict], rel: float = 1e-9) -> dict[str, float]:
    """Largest relative difference per KPI between each contender and the package.

    Raises ``SystemExit`` naming the KPI, branch and values when two contenders disagree
    beyond ``rel`` or do not cover the same branches: a benchmark of different work is
    not a benchmark.
    """
    labels = list(results)
    ref = results[labels[0]]["branch_values"]
    worst: dict[str, float] = {}
    problems = []
    for other in labels[1:]:
        vals = results[other]["branch_values"]
        for kpi in CONTACT_KPIS:
            a, b = ref[kpi], vals[kpi]
            if set(a) != set(b):
                problems.append(f"{kpi}: {other} covers {len(b)} branches, {labels[0]} {len(a)}")
                continue
            for br, x in a.items():
                d = abs(x - b[br]) / max(abs(x), 1e-12)
                worst[kpi] = max(worst.get(kpi, 0.0), d)
                if d > rel:
                    problems.append(f"{kpi} at {br}: {labels[0]} {x!r}, {other} {b[br]!r}")
    if problems:
        raise SystemExit("contenders disagree:\n  " + "\n  ".join(problems[:20]))
    return worst


def run_cli_scorecard(data: str, quarter: str) -> dict:
    """``bankperf scorecard`` end to end, as a user types it: validate, score, write Excel."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "scorecard.xlsx"
        cmd = [sys.executable, "-m", "bankperf_analysis.cli", "scorecard", "--data", data]
        cmd += ["--quarter", quarter, "--out", str(out), "--no-progress"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024.0
        return {"xlsx_bytes": out.stat().st_size, "child_peak_mb": child_mb}


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
    # Fail before anything is written if the contenders computed different numbers.
    worst = check_agreement({c.label: c.results[0] for c in cs})
    val = Contender("validate (once per data delivery)", "benchmarks.bench_kpis:run_validate", {"data": data})
    cli = Contender(
        "`bankperf scorecard` end to end (validate + score + Excel)",
        "benchmarks.bench_kpis:run_cli_scorecard",
        kw,
    )
    compare([val, cli], repeats=1)
    cli.peaks_mb = [max(p, r["child_peak_mb"]) for p, r in zip(cli.peaks_mb, cli.results)]
    floor = cs[1].median
    rows = []
    for c in [*cs, val, cli]:
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
        "cli_scorecard_vs_floor": cli.median / floor,
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
    print("largest relative difference per KPI between contenders (branch level):", worst)
    checks = {"max_relative_difference_by_kpi": worst, "tolerance": 1e-9}
    rows_json = [{**r, "times_s": c.times} for r, c in zip(rows, [*cs, val, cli])]
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

"""Benchmark: how the scorecard's cost grows with the bank, against the SQL floor at every size.

Sizes, all cut from one source bank (default: the benchmark bank of ``bench_kpis``,
1,000 branches and >= 50M contacts in 2026Q4, generated on first run):

* 1/8, 1/4, 1/2 and all of the contacts of every branch: contacts whose
  ``hash(contact_id) % 8`` is below 1, 2 or 4 (nested subsets; every other table as is);
* 12 and 100 of the branches with all their contacts (branches chosen by a hash of their id,
  so spread over the regions): every table keeps the rows of those branches and of the staff
  employed only there (a person with an assignment elsewhere is left out, with their rows,
  so the subset still satisfies the data contract). "All branches" is the full-size row.

The subsets are written once with DuckDB ``COPY`` into ``benchmarks/data/scaling/`` (ignored
by git; the tables they do not change are symbolic links to the source, which is never
written). A subset is rebuilt when its source changes (size and mtime of its files).

Contenders at every size, each in a fresh process, interleaved round by round:

* ``sql_floor``: the one hand-written DuckDB query of ``bench_kpis`` (five contact KPIs per
  staff and per branch, the scheme's channel scopes);
* ``quarter_scorecards``: what ``bankperf scorecard`` computes (``bench_kpis.run_package``);
* ``bankperf scorecard`` end to end, as typed: validate, score, write the Excel workbook.

Branch values of the five contact KPIs must agree between package and floor (relative 1e-9)
at every size. Writes ``benchmarks/results/scaling.json`` and ``scaling.md`` (the table for
the README). Goal (issue 14, goal 5): at 1/8 of the contacts <= 2x the floor, at full size
<= 1.3x.

Run: ``python -m benchmarks.bench_scaling [--repeats 3] [--data DIR] [--sizes ...] [--branch-counts 12 100]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
from pathlib import Path
from typing import Any

from benchmarks import bench_kpis
from benchmarks._common import RESULTS_DIR, Contender, by_round, compare, table, write_results

SCRATCH = Path(__file__).resolve().parent / "data" / "scaling"
FRACTIONS = {"1/8": 1, "1/4": 2, "1/2": 4, "all": 8}  # eighths of the contacts kept
BRANCH_COUNTS = (12, 100)
GOALS = {"1/8": 2.0, "all": 1.3}  # quarter_scorecards / SQL floor (issue 14, goal 5)


def _parquet(src: Path, table_name: str) -> str | None:
    """The ``read_parquet`` pattern of a table of ``src`` (a file or a folder of parts), or None."""
    if (src / f"{table_name}.parquet").is_file():
        return str(src / f"{table_name}.parquet")
    if (src / table_name).is_dir():
        return str(src / table_name / "*.parquet")
    return None


def _source_stamp(src: Path) -> list[list[Any]]:
    """Name, size and mtime of every file of the source: a subset is rebuilt when they change."""
    files = sorted(p for p in src.rglob("*") if p.is_file())
    return [[str(p.relative_to(src)), p.stat().st_size, p.stat().st_mtime_ns] for p in files]


def _scalar(query: str) -> int:
    import duckdb

    with duckdb.connect() as con:
        con.execute("SET enable_progress_bar = false")
        return int(con.execute(query).fetchall()[0][0])


def _sql(text: str) -> str:
    return text.replace("'", "''")


def _link_rest(src: Path, dst: Path, done: set[str]) -> None:
    """Symbolic links to every source entry not written into the subset (and not truth.json)."""
    for entry in src.iterdir():
        stem = entry.name.removesuffix(".parquet")
        if stem not in done and entry.name != "truth.json" and not entry.name.startswith("."):
            (dst / entry.name).symlink_to(entry.resolve())


def _branch_filters(con, src: Path, n_branches: int) -> dict[str, str]:
    """Per referenced key, the SQL set of kept values for a subset of ``n_branches`` branches."""
    branches = _parquet(src, "branches")
    assignments = _parquet(src, "assignments")
    con.execute(
        f"CREATE TEMP TABLE kept_branches AS SELECT branch_id FROM read_parquet('{_sql(str(branches))}') "
        f"ORDER BY hash(branch_id), branch_id LIMIT {int(n_branches)}"
    )
    away = ""
    if assignments:  # people with any assignment outside the kept branches are left out
        away = (
            f" AND staff_id NOT IN (SELECT staff_id FROM read_parquet('{_sql(assignments)}') "
            "WHERE branch_id NOT IN (SELECT branch_id FROM kept_branches))"
        )
    staff = _sql(str(_parquet(src, "staff")))
    con.execute(
        f"CREATE TEMP TABLE kept_staff AS SELECT staff_id FROM read_parquet('{staff}') "
        f"WHERE branch_id IN (SELECT branch_id FROM kept_branches){away}"
    )
    return {
        "branches.branch_id": "SELECT branch_id FROM kept_branches",
        "staff.staff_id": "SELECT staff_id FROM kept_staff",
    }


def _where(table_name: str, present: set[str], keys: dict[str, str], eighths: int) -> str:
    """The filter of one table: its foreign keys in the kept sets, contacts by hash."""
    from bankperf_analysis.dataset.schema import CONTRACT

    terms = []
    table = CONTRACT[table_name]
    for pk in table.primary_key:  # the kept branches and staff themselves
        if f"{table_name}.{pk}" in keys:
            terms.append(f"{pk} IN ({keys[table_name + '.' + pk]})")
    for col in table.columns:
        ref = col.references
        if col.name in present and ref in keys:
            terms.append(f"({col.name} IS NULL OR {col.name} IN ({keys[ref]}))")
    if table_name == "contacts" and eighths < 8:
        terms.append(f"hash(contact_id) % 8 < {int(eighths)}")
    return " AND ".join(terms) or "TRUE"


def make_subset(src: Path, dst: Path, *, eighths: int = 8, n_branches: int | None = None) -> Path:
    """Write a subset of the dataset ``src`` into ``dst`` (once; rebuilt if ``src`` changed).

    ``eighths``: keep contacts with ``hash(contact_id) % 8 < eighths``. ``n_branches``:
    keep that many branches, the staff employed only there, and every row that names them.
    Tables left whole are symbolic links to ``src``, which is only read.
    """
    import duckdb

    from bankperf_analysis.dataset.schema import CONTRACT

    stamp = {"source": str(src.resolve()), "eighths": eighths, "branches": n_branches}
    stamp["files"] = _source_stamp(src)
    marker = dst / ".subset.json"
    if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")) == stamp:
        return dst
    tmp = dst.with_name(dst.name + ".partial")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(dst, ignore_errors=True)
    tmp.mkdir(parents=True)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    keys = _branch_filters(con, src, n_branches) if n_branches else {}
    written: set[str] = set()
    for name in CONTRACT:  # contract order: a referenced table comes before those naming it
        pattern = _parquet(src, name)
        if pattern is None or (not keys and name != "contacts"):
            continue
        present = {
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{_sql(pattern)}')").fetchall()
        }
        where = _where(name, present, keys, eighths)
        con.execute(
            f"COPY (SELECT * FROM read_parquet('{_sql(pattern)}') WHERE {where}) "
            f"TO '{_sql(str(tmp / (name + '.parquet')))}' (FORMAT parquet)"
        )
        written.add(name)
        pk = CONTRACT[name].primary_key
        if keys and len(pk) == 1:  # rows naming a dropped row (a ruling of a complaint) go too
            keys.setdefault(
                f"{name}.{pk[0]}", f"SELECT {pk[0]} FROM read_parquet('{_sql(str(tmp / name))}.parquet')"
            )
    con.close()
    _link_rest(src, tmp, written)
    (tmp / ".subset.json").write_text(json.dumps(stamp), encoding="utf-8")
    tmp.rename(dst)
    return dst


def sizes(
    src: Path, wanted: list[str] | None = None, branch_counts: tuple[int, ...] = BRANCH_COUNTS
) -> list[dict[str, Any]]:
    """The sizes to time: contact fractions of every branch, then branch subsets (all contacts)."""

    total = _scalar(f"SELECT count(*) FROM read_parquet('{_sql(str(_parquet(src, 'branches')))}')")
    out = [{"name": f"{label} of the contacts", "key": label, "eighths": e} for label, e in FRACTIONS.items()]
    out += [
        {"name": f"{n} branches", "key": f"{n}b", "eighths": 8, "n_branches": n}
        for n in branch_counts
        if n < total
    ]
    return [s for s in out if not wanted or s["key"] in wanted]


def _prepare(src: Path, size: dict[str, Any]) -> Path:
    if size["eighths"] == 8 and not size.get("n_branches"):
        return src  # the full bank itself
    dst = SCRATCH / src.name / size["key"].replace("/", "_")
    return make_subset(src, dst, eighths=size["eighths"], n_branches=size.get("n_branches"))


def _counts(data: Path) -> dict[str, int]:
    def n(table_name: str) -> int:
        return _scalar(f"SELECT count(*) FROM read_parquet('{_sql(str(_parquet(data, table_name)))}')")

    return {"contacts": n("contacts"), "branches": n("branches"), "staff": n("staff")}


def _time_size(data: Path, quarter: str, repeats: int) -> dict[str, Any]:
    kw = {"data": str(data), "quarter": quarter}
    floor = Contender("sql_floor", "benchmarks.bench_kpis:run_sql_floor", kw)
    pkg = Contender("quarter_scorecards", "benchmarks.bench_kpis:run_package", kw)
    cli = Contender("bankperf scorecard", "benchmarks.bench_kpis:run_cli_scorecard", kw)
    compare([floor, pkg, cli], repeats=repeats, log=lambda s: print(s, flush=True))
    worst = bench_kpis.check_agreement({pkg.label: pkg.results[0], floor.label: floor.results[0]})
    cli.peaks_mb = [max(p, r["child_peak_mb"]) for p, r in zip(cli.peaks_mb, cli.results)]
    return {
        "floor_s": floor.times,
        "package_s": pkg.times,
        "cli_s": cli.times,
        "floor_cpu_s": floor.cpu_s,
        "package_cpu_s": pkg.cpu_s,
        "cli_cpu_s": cli.cpu_s,
        "package_x_floor_by_round": by_round(pkg, floor),
        "package_x_floor_cpu_by_round": by_round(pkg, floor, cpu=True),
        "package_x_floor_cpu": statistics.median(pkg.cpu_s) / statistics.median(floor.cpu_s),
        "cli_x_floor_by_round": by_round(cli, floor),
        "package_x_floor": pkg.median / floor.median,
        "cli_x_floor": cli.median / floor.median,
        "floor_median_s": floor.median,
        "package_median_s": pkg.median,
        "cli_median_s": cli.median,
        "peak_mb": {"floor": max(floor.peaks_mb), "package": max(pkg.peaks_mb), "cli": max(cli.peaks_mb)},
        "max_relative_difference_by_kpi": worst,
    }


def _rounds(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _cpu_cell(r: dict[str, Any]) -> str:
    """The package's CPU against the floor's; rows measured before CPU was recorded say so."""
    if "package_x_floor_cpu" not in r:
        return "not recorded"
    cpu_rounds = _rounds(r["package_x_floor_cpu_by_round"])
    pkg_cpu, floor_cpu = statistics.median(r["package_cpu_s"]), statistics.median(r["floor_cpu_s"])
    return f"{pkg_cpu:.2f} vs {floor_cpu:.2f} CPU-s ({r['package_x_floor_cpu']:.2f}×; {cpu_rounds})"


def markdown(rows: list[dict[str, Any]], note: str) -> str:
    """The README table: one line per size, medians and per-round ratios to the SQL floor."""
    head = (
        "| data | contacts | branches | staff | SQL floor | `quarter_scorecards` (× floor; rounds) "
        "| the same in CPU seconds (× floor; rounds) "
        "| `bankperf scorecard` end to end (× floor; rounds) | peak MB (package / CLI) |\n"
        "|---|---:|---:|---:|---:|---|---|---|---:|"
    )
    lines = [head]
    for r in rows:
        pkg_rounds, cli_rounds = _rounds(r["package_x_floor_by_round"]), _rounds(r["cli_x_floor_by_round"])
        lines.append(
            f"| {r['size']} | {r['contacts']:,} | {r['branches']:,} | {r['staff']:,} "
            f"| {r['floor_median_s']:.2f} s "
            f"| {r['package_median_s']:.2f} s ({r['package_x_floor']:.2f}×; {pkg_rounds}) "
            f"| {_cpu_cell(r)} "
            f"| {r['cli_median_s']:.1f} s ({r['cli_x_floor']:.1f}×; {cli_rounds}) "
            f"| {r['peak_mb']['package']:,.0f} / {r['peak_mb']['cli']:,.0f} |"
        )
    return "\n".join(lines) + "\n\n" + note + "\n"


def _goals(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_key = {r["key"]: r for r in rows}
    out = {}
    for key, limit in GOALS.items():
        if key in by_key:
            r = by_key[key]
            out[key] = {
                "limit_x_floor": limit,
                "quarter_scorecards_x_floor": r["package_x_floor"],
                "quarter_scorecards_pass": r["package_x_floor"] <= limit,
                "quarter_scorecards_x_floor_cpu": r.get("package_x_floor_cpu"),
                "cli_x_floor": r["cli_x_floor"],
                "cli_pass": r["cli_x_floor"] <= limit,
            }
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quarter", default="2026Q4")
    ap.add_argument("--data", default=str(bench_kpis.DATA), help="source bank (default: the benchmark bank)")
    ap.add_argument(
        "--sizes", nargs="*", help=f"keys to run (default all): {', '.join(FRACTIONS)}, 12b, 100b"
    )
    ap.add_argument(
        "--branch-counts",
        type=int,
        nargs="*",
        default=list(BRANCH_COUNTS),
        help="branch subsets (all contacts)",
    )
    ap.add_argument(
        "--merge",
        action="store_true",
        help="keep the other sizes of an earlier results/scaling.json of the same bank (same content, "
        "see source_identity; re-run one size)",
    )
    args = ap.parse_args(argv)
    src = bench_kpis.ensure_data(Path(args.data)).resolve()
    rows = []
    for size in sizes(src, args.sizes, tuple(args.branch_counts)):
        data = _prepare(src, size)
        counts = _counts(data)
        print(
            f"\n--- {size['name']}: {counts['contacts']:,} contacts, {counts['branches']:,} branches",
            flush=True,
        )
        timed = _time_size(data, args.quarter, args.repeats)
        load = [round(x, 1) for x in os.getloadavg()]
        rows.append({"size": size["name"], "key": size["key"], **counts, **timed, "load_average": load})
    identity = source_identity(src)
    if args.merge:
        rows = _merged(rows, src, sizes(src, None, tuple(args.branch_counts)), identity)
    return _write(args, src, rows, identity)


def source_identity(src: Path) -> str:
    """The content identity of a source bank: a digest of its files' names and sizes and its contacts.

    The same path may hold another bank once it is regenerated (another scale or seed), so
    results are matched on what the folder holds, not where it is: every file's relative
    path and size in bytes (symbolic links followed; hidden files left out) and the number
    of contacts (from the Parquet metadata). Modification times are left out: a bank
    written again with the same content is the same bank.
    """
    import hashlib

    files = [
        [name, size]
        for name, size, _mtime in _source_stamp(src)
        if not any(x.startswith(".") for x in Path(name).parts)
    ]
    pattern = _parquet(src, "contacts")
    contacts = _scalar(f"SELECT count(*) FROM read_parquet('{_sql(pattern)}')") if pattern else None
    stamp = {"files": files, "contacts": contacts}
    return hashlib.sha256(json.dumps(stamp, sort_keys=True).encode("utf-8")).hexdigest()


def _merged(
    rows: list[dict[str, Any]], src: Path, order: list[dict[str, Any]], identity: str | None = None
) -> list[dict[str, Any]]:
    """The new rows plus the earlier results' rows of the other sizes of the same bank, in size order.

    Earlier rows are kept only when their bank has the same content identity
    (:func:`source_identity`) as ``src`` now; rows of another bank, even at the same path
    (regenerated since), are left out, and the screen says so.
    """
    identity = identity or source_identity(src)
    path = RESULTS_DIR / "scaling.json"
    old = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    same = old.get("source_identity") == identity
    if old.get("rows") and not same:
        where = old.get("source", "?")
        print(
            f"not merging the earlier results of {where}: "
            + (
                "that bank has no recorded content identity"
                if "source_identity" not in old
                else "that bank's content differs from " + str(src) + " now (regenerated or another bank)"
            )
            + "; only the sizes run now are written",
            flush=True,
        )
    by_key = {r["key"]: r for r in old.get("rows", [])} if same else {}
    by_key.update({r["key"]: r for r in rows})
    return [by_key[s["key"]] for s in order if s["key"] in by_key]


def _write(args: argparse.Namespace, src: Path, rows: list[dict[str, Any]], identity: str) -> dict[str, Any]:
    cols = ["size", "contacts", "branches", "floor_median_s", "package_median_s", "package_x_floor"]
    print()
    print(table(rows, [*cols, "cli_median_s", "cli_x_floor"]))
    goals = _goals(rows)
    for key, g in goals.items():
        print(
            f"goal at {key}: <= {g['limit_x_floor']}x floor; "
            f"quarter_scorecards {g['quarter_scorecards_x_floor']:.2f}x "
            f"({'PASS' if g['quarter_scorecards_pass'] else 'FAIL'}), bankperf scorecard end to end "
            f"{g['cli_x_floor']:.2f}x ({'PASS' if g['cli_pass'] else 'FAIL'})"
        )
    loads = ", ".join(f"{r['size']} {r.get('load_average', ['?'])[0]}" for r in rows)
    note = (
        f"`python -m benchmarks.bench_scaling --repeats {args.repeats}` on the {src.name} bank "
        f"({args.quarter}); medians of interleaved rounds, each contender in a fresh process, on "
        f"{os.cpu_count()} CPUs. 1-minute load average after each size: {loads}."
    )
    path = write_results(
        "scaling",
        {
            "source": str(src),
            "source_identity": identity,
            "quarter": args.quarter,
            "repeats": args.repeats,
            "rows": rows,
            "goals": goals,
        },
    )
    md = RESULTS_DIR / "scaling.md"
    md.write_text(markdown(rows, note), encoding="utf-8")
    print(f"wrote {path} and {md}")
    return {"rows": rows, "goals": goals}


if __name__ == "__main__":
    main()

"""Benchmark: the branch reports of a quarter, ``bankperf report`` against the loop a user would write.

Both sides render the real branch notebook (``notebooks/branch_quarter.ipynb``) for every
branch of the demo bank (12 branches; generated into ``benchmarks/data/demo`` on first run),
to HTML without code, with the same number of parallel workers (``--jobs``, default: CPUs):

* ``bankperf report``: the product path, as typed: ``bankperf report --data <demo> --quarter
  2026Q4 --out <dir> --jobs N --branch <id> ...`` (every branch id, so that both sides make
  the same 12 reports; without ``--branch`` it also renders the overview and the annual
  summary). It validates the data once, prepares the shared inputs once and runs the
  notebooks on long-lived kernels.
* ``naive loop``: a pool of N workers; each runs, per branch, the ``papermill`` CLI (``-r
  branch_id`` so ids stay text, ``-p data_dir``, ``-p quarter``) then ``jupyter nbconvert
  --to html --no-input``. All run in one scratch folder, so the notebook's own cache of the
  inputs (``outputs/<quarter>/_shared_interactive``) helps the naive loop as it would help
  a user; every round starts from an empty folder.
* ``bankperf report`` re-run: the same command again on the first round's output folder,
  nothing changed: every report must come from the cache.

Checks, before anything is written: every branch has one HTML per side, and the numbers
shown are equal on both sides: the KPI tiles (label, value, target note, bank value and n)
and every table cell, read back from the HTML with ``html.parser``. A report without tiles
or any disagreement stops the benchmark (exit code 1, naming the branch and the number).

Measured per run: wall seconds, CPU seconds of every process it started, and the peak of
the summed RSS and of the summed PSS over the whole process tree (workers, kernels, CLI
processes; sampled every 0.1 s with psutil; PSS shares the pages processes share, RSS counts
them in each: ``_common.resident_and_proportional``). Medians and per-round ratios.

Run: ``python -m benchmarks.bench_reports [--repeats 3] [--jobs N]``; writes
``benchmarks/results/reports.json``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from benchmarks._common import (
    Contender,
    TreeMemory,
    by_round,
    children_cpu_seconds,
    compare,
    table,
    write_results,
)

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "branch_quarter.ipynb"
DEMO = Path(__file__).resolve().parent / "data" / "demo"
QUARTER = "2026Q4"
LANG = "en"
MODULE = "benchmarks.bench_reports"


def ensure_demo(path: Path = DEMO) -> Path:
    """The demo bank at ``path``, generated with ``bankperf demo-data`` if it is not there."""
    if not (path / "truth.json").exists():
        print(f"generating the demo bank into {path} (one-off, about 10 s)...", flush=True)
        cmd = [sys.executable, "-m", "bankperf_analysis.cli", "demo-data", str(path), "--quiet"]
        subprocess.run(cmd, check=True)
    return path


def branch_names(data: str) -> dict[str, str]:
    """Branch id -> name, as the dataset holds them (ids stay text)."""
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(data, validate=False) as ds:
        rows = ds.sql("SELECT branch_id, branch_name FROM branches ORDER BY branch_id")
    return dict(zip(rows.branch_id.astype(str), rows.branch_name.astype(str), strict=True))


class _Numbers(HTMLParser):
    """The KPI tiles (``<div class="tile">``: its four lines) and every table's cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[list[str]] = []
        self.tables: list[list[str]] = []
        self._tile_depth = -1  # nesting depth of divs inside the open tile; -1: none open
        self._table_depth = 0
        self._cell: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div":
            if self._tile_depth < 0 and "tile" in (dict(attrs).get("class") or "").split():
                self.tiles.append([])
                self._tile_depth = 0
            elif self._tile_depth >= 0:
                self._tile_depth += 1
                self.tiles[-1].append("")
        elif tag == "table":
            self._table_depth += 1
            if self._table_depth == 1:
                self.tables.append([])
        elif tag in ("td", "th") and self._table_depth:
            self._cell = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._tile_depth >= 0:
            self._tile_depth -= 1
        elif tag == "table" and self._table_depth:
            self._table_depth -= 1
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1].append(" ".join(self._cell.split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._tile_depth > 0 and self.tiles[-1]:
            self.tiles[-1][-1] += data
        if self._cell is not None:
            self._cell += data


def report_numbers(html: str) -> dict[str, list[list[str]]]:
    """What a reader takes from a report: KPI tile texts and table cells, in order.

    >>> report_numbers('<div class="tile"><div>Service level</div><div>95.9 %</div></div>'
    ...                '<table><tr><td> 1,234 </td></tr></table>')
    {'tiles': [['Service level', '95.9 %']], 'tables': [['1,234']]}
    """
    parser = _Numbers()
    parser.feed(html)
    return {"tiles": parser.tiles, "tables": parser.tables}


def _read_numbers(files: dict[str, Path]) -> dict[str, Any]:
    return {
        b: report_numbers(f.read_text(encoding="utf-8")) if f.is_file() else None for b, f in files.items()
    }


def check_same_numbers(sides: dict[str, dict[str, Any]]) -> int:
    """Raise ``SystemExit`` naming branch and number if two sides show different numbers.

    ``sides`` maps a label to ``{branch_id: report_numbers(...) or None}``. A missing
    report, a report without KPI tiles or any differing tile or table cell is a failure.
    Returns how many numbers (tile lines + table cells) were compared per side.
    """
    (ref_label, ref), *others = sides.items()
    problems: list[str] = []
    compared = 0
    for label, numbers in [(ref_label, ref), *others]:
        for b, got in numbers.items():
            if got is None:
                problems.append(f"{label}: no HTML report for branch {b}")
            elif not got["tiles"]:
                problems.append(f"{label}: the report of branch {b} shows no KPI tile")
    for label, numbers in others:
        if set(numbers) != set(ref):
            problems.append(f"{label} reports branches {sorted(numbers)}, {ref_label} {sorted(ref)}")
        for b in sorted(set(numbers) & set(ref)):
            a, o = ref[b], numbers[b]
            if a is None or o is None:
                continue
            for part in ("tiles", "tables"):
                if len(a[part]) != len(o[part]):
                    counts = f"{ref_label} has {len(a[part])} {part}, {label} {len(o[part])}"
                    problems.append(f"branch {b}: {counts}")
                for i, (x, y) in enumerate(zip(a[part], o[part])):
                    compared += len(x)
                    if x != y:
                        diff = [(u, v) for u, v in zip(x, y) if u != v][:3] or [(x, y)]
                        problems.append(f"branch {b}, {part[:-1]} {i + 1}: {ref_label} vs {label}: {diff}")
    if problems:
        raise SystemExit("the two sides show different numbers:\n  " + "\n  ".join(problems[:20]))
    return compared


def _report_cmd(data: str, out: Path, jobs: int, branches: list[str]) -> list[str]:
    cmd = [sys.executable, "-m", "bankperf_analysis.cli", "report", "--data", data]
    cmd += ["--quarter", QUARTER, "--lang", LANG, "--out", str(out), "--jobs", str(jobs), "--no-progress"]
    for b in branches:
        cmd += ["--branch", b]
    return cmd


def product(data: str, out: str, jobs: int, fresh: bool = True) -> dict[str, Any]:
    """``bankperf report`` for every branch; ``fresh=False`` re-runs on the existing folder."""
    from bankperf_analysis.runner.names import report_stems

    folder = Path(out)
    if fresh:
        shutil.rmtree(folder, ignore_errors=True)
    names = branch_names(data)
    cpu0 = children_cpu_seconds()
    with TreeMemory() as mem:
        run = subprocess.run(_report_cmd(data, folder, jobs, list(names)), capture_output=True, text=True)
    if run.returncode != 0:
        tail = f"{run.stdout[-2000:]}\n{run.stderr[-4000:]}"
        raise RuntimeError(f"bankperf report exited {run.returncode}:\n{tail}")
    stems = report_stems(names)
    files = {b: folder / QUARTER / f"{stems[b]}.html" for b in names}
    return {
        "summary": run.stdout.strip().splitlines()[0] if run.stdout.strip() else "",
        "cpu_s": children_cpu_seconds() - cpu0,
        "tree_peak_mb": mem.peak_mb,
        "tree_peak_pss_mb": mem.peak_pss_mb,
        "max_processes": mem.max_processes,
        "numbers": _read_numbers(files),
    }


def _naive_one(data: str, folder: Path, branch: str) -> str:
    """papermill then nbconvert for one branch; returns '' or the error text."""
    executed = folder / f"{branch}.ipynb"
    pm = [sys.executable, "-m", "papermill", str(NOTEBOOK), str(executed), "--no-progress-bar"]
    pm += ["-p", "data_dir", data, "-p", "quarter", QUARTER, "-p", "lang", LANG, "-r", "branch_id", branch]
    pm += ["--kernel", "python3", "--cwd", str(folder)]
    nb = [sys.executable, "-m", "nbconvert", "--to", "html", "--no-input", str(executed)]
    for cmd in (pm, nb):
        run = subprocess.run(cmd, capture_output=True, text=True, cwd=folder)
        if run.returncode != 0:
            return f"{branch}: {' '.join(cmd[:4])} exited {run.returncode}: {run.stderr[-1500:]}"
    return ""


def naive(data: str, out: str, jobs: int) -> dict[str, Any]:
    """A pool of ``jobs`` workers, each running papermill + nbconvert per branch."""
    folder = Path(out)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    names = branch_names(data)
    cpu0 = children_cpu_seconds()
    with TreeMemory() as mem, ThreadPoolExecutor(max_workers=jobs) as pool:
        errors = [e for e in pool.map(lambda b: _naive_one(data, folder, b), names) if e]
    if errors:
        raise RuntimeError("naive loop failed:\n" + "\n".join(errors))
    return {
        "summary": f"{len(names)} reports",
        "cpu_s": children_cpu_seconds() - cpu0,
        "tree_peak_mb": mem.peak_mb,
        "tree_peak_pss_mb": mem.peak_pss_mb,
        "max_processes": mem.max_processes,
        "numbers": _read_numbers({b: folder / f"{b}.html" for b in names}),
    }


def _rows(contenders: list[Contender], n: int) -> list[dict[str, Any]]:
    base = contenders[0]
    rows = []
    for c in contenders:
        rows.append(
            {
                "contender": c.label,
                "median_s": c.median,
                "s_per_report": c.median / n,
                "cpu_s": sorted(r["cpu_s"] for r in c.results)[len(c.results) // 2],
                "x_naive": c.median / base.median,
                "tree_peak_mb": max(r["tree_peak_mb"] for r in c.results),
                "tree_peak_pss_mb": max(r["tree_peak_pss_mb"] for r in c.results),
                "processes": max(r["max_processes"] for r in c.results),
            }
        )
    return rows


def main(argv: list[str] | None = None) -> dict[str, Any]:
    import os

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds per contender")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="workers on both sides")
    parser.add_argument("--data", default=str(DEMO), help="dataset (default: the demo bank, generated)")
    args = parser.parse_args(argv)
    data = str(ensure_demo(Path(args.data)).resolve())
    n = len(branch_names(data))
    work = Path(tempfile.mkdtemp(prefix="bankperf-bench-reports-"))
    try:
        contenders = [
            Contender("naive: papermill + nbconvert per branch", f"{MODULE}:naive"),
            Contender("bankperf report", f"{MODULE}:product"),
            Contender("bankperf report re-run, nothing changed", f"{MODULE}:product"),
        ]
        for r in range(args.repeats):
            # A fresh folder each round for both; the re-run reuses that round's product folder.
            out = str(work / f"product-{r}")
            contenders[0].kwargs = {"data": data, "out": str(work / f"naive-{r}"), "jobs": args.jobs}
            contenders[1].kwargs = {"data": data, "out": out, "jobs": args.jobs}
            contenders[2].kwargs = {"data": data, "out": out, "jobs": args.jobs, "fresh": False}
            print(f"round {r + 1}/{args.repeats}: {n} branch reports of {NOTEBOOK.name}, {args.jobs} workers")
            compare(contenders, repeats=1)
            compared = check_same_numbers(
                {c.label: c.results[-1]["numbers"] for c in contenders[:2]}
                | {"re-run": contenders[2].results[-1]["numbers"]}
            )
            print(f"  numbers agree: {compared:,} tile lines and table cells per side", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return _report(args, contenders, n, compared)


def _report(args: argparse.Namespace, contenders: list[Contender], n: int, compared: int) -> dict[str, Any]:
    rows = _rows(contenders, n)
    print()
    cols = [
        *("contender", "median_s", "s_per_report", "cpu_s", "x_naive"),
        *("tree_peak_mb", "tree_peak_pss_mb", "processes"),
    ]
    print(table(rows, cols))
    naive_c, prod, rerun = contenders
    speedup = naive_c.median / prod.median
    per_round = by_round(naive_c, prod)
    cached = [r["summary"] for r in rerun.results]
    print(
        f"\nbankperf report is {speedup:.2f}x faster than the naive loop (rounds: "
        + ", ".join(f"{x:.2f}" for x in per_round)
        + f"); re-run with nothing changed: {rerun.median:.2f} s ({cached[-1]})"
    )
    payload = {
        "notebook": str(NOTEBOOK.relative_to(ROOT)),
        "data": "demo bank (bankperf demo-data, seed 20261)",
        "quarter": QUARTER,
        "n_reports": n,
        "jobs": args.jobs,
        "repeats": args.repeats,
        "numbers_compared_per_side": compared,
        "rows": rows,
        "contenders": [
            {
                "label": c.label,
                "times_s": c.times,
                "cpu_s": [r["cpu_s"] for r in c.results],
                "tree_peak_mb": [r["tree_peak_mb"] for r in c.results],
                "tree_peak_pss_mb": [r["tree_peak_pss_mb"] for r in c.results],
                "summary": [r["summary"] for r in c.results],
            }
            for c in contenders
        ],
        "naive_over_product": speedup,
        "naive_over_product_by_round": per_round,
        "rerun_s": rerun.median,
        "measured_at": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    path = write_results("reports", payload)
    print(f"wrote {path}")
    return payload


if __name__ == "__main__":
    main()

"""Benchmark: the real job, a whole bank's quarter, ``bankperf report`` at 1,000 branches.

Data: the benchmark bank (``bankperf demo-data benchmarks/data/bench --scale bench``: 1,000
branches, about 21,000 staff, 52M contacts; one quarter, 2026Q4), generated on first run.

What is timed is the command a user types, in a fresh process::

    bankperf report --data benchmarks/data/bench --quarter 2026Q4 --out <tmp> --jobs 2

every branch report, the bank overview and (Q4) the annual summary, from an empty output
folder and an empty fingerprint cache (``XDG_CACHE_HOME`` points at a fresh folder). The
batch writes its phase table (``BANKPERF_TIMINGS``: fingerprint, validation, shared inputs,
branch reports, overview, annual summary), and the memory of the whole process tree (the
command, its workers and their kernels) is sampled every 0.2 s: the peak is the largest
*sum* over all of them, of their proportional memory (PSS: a page that several processes
map, such as the libraries of pandas and DuckDB, is shared out among them; what the tree
holds in RAM, and the measure of the goal) and of their resident memory (RSS: shared pages
counted in each process, so an upper bound that moves with the page cache;
``_common.resident_and_proportional``). Then the same command again, nothing changed: the
re-run (fingerprint from the cache, every report cached).

With ``--scheduler`` the job also runs on a local Dask cluster of two single-threaded
workers (``--scheduler tcp://...``), and the two runs' reports must be identical (their text
once the lines that name the run -- generation time, run time -- are removed), else the
benchmark exits 1.

There is no peer to compare with: no other tool renders these reports. The goals (issue 14):
<= 15 minutes on this 2-core machine, peak memory <= 2 GB across all processes, re-run
<= 10 s. One round (the job takes minutes); run it on an idle machine.

Run: ``python -m benchmarks.bench_bank [--branches N] [--scheduler] [--jobs 2]``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

from benchmarks._common import resident_and_proportional, table, write_results

DATA = Path(__file__).resolve().parent / "data" / "bench"
QUARTER = "2026Q4"
GOALS = {"total_s": 15 * 60, "peak_gb": 2.0, "rerun_s": 10.0}


def _role(p: psutil.Process, in_command: bool = True) -> str:
    """What a descendant of the benchmark is: ``kernel``, ``worker``, ``command`` or ``dask``.

    ``in_command``: whether ``p`` is the ``bankperf`` command or runs under it (its
    shared-inputs process counts as the command); what runs beside it is the local Dask
    cluster's (its worker processes; their kernels are still kernels).
    """
    line = " ".join(p.cmdline())
    if "ipykernel" in line:
        return "kernel"
    if not in_command:
        return "dask"
    return "worker" if "runner.worker_process" in line else "command"


def _is_command(p: psutil.Process) -> bool:
    return "bankperf_analysis.cli.main" in " ".join(p.cmdline())


def _tree_usage(proc: psutil.Process, roles: dict[str, int] | None = None) -> tuple[int, int, float]:
    """Resident and proportional bytes now, and CPU seconds so far, of every descendant of ``proc``.

    The benchmark's descendants are the command with its workers and kernels, and the
    local Dask cluster's workers when there is one (``proc`` itself is not counted). A live
    descendant counts its own user and system time and that of the children it has reaped
    (a kernel that a worker replaced); the commands ``proc`` itself has reaped count through
    its ``RUSAGE_CHILDREN``. ``roles``, when given, receives the proportional bytes by
    role (:func:`_role`), to say what a peak is made of.
    """
    reaped = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss, pss, cpu = 0, 0, reaped.ru_utime + reaped.ru_stime
    for top in proc.children(recursive=False):
        try:
            tree = [top, *top.children(recursive=True)]
            in_command = _is_command(top)
        except psutil.Error:  # a process that ended between listing and reading
            continue
        for p in tree:
            try:
                c = p.cpu_times()
                r, q = resident_and_proportional(p)
                if roles is not None:
                    role = _role(p, in_command)
                    roles[role] = roles.get(role, 0) + q
                rss += r
                pss += q
                cpu += c.user + c.system + c.children_user + c.children_system
            except psutil.Error:  # a process that ended between listing and reading
                pass
    return rss, pss, cpu


def run_command(args: list[str], env: dict[str, str]) -> dict:
    """Run ``args``; wall seconds, exit code, peak summed PSS and RSS, CPU of this process's descendants."""
    ps, peak, peak_rss, done = psutil.Process(), [0], [0], threading.Event()
    peak_roles: dict[str, int] = {}
    cpu0 = _tree_usage(ps)[2]  # before the command starts: all of its CPU is counted
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples: list[tuple[float, int]] = []
    cpu_samples: list[tuple[float, float]] = []

    def sample() -> None:
        while not done.is_set():
            try:
                roles: dict[str, int] = {}
                rss, pss, cpu = _tree_usage(ps, roles)
                at = time.perf_counter() - t0
                peak_rss[0] = max(peak_rss[0], rss)
                if pss > peak[0]:
                    peak[0] = pss
                    peak_roles.clear()
                    peak_roles.update(roles)
                samples.append((at, pss))
                cpu_samples.append((at, cpu - cpu0))
            except psutil.Error:
                pass
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output, _ = proc.communicate()
    done.set()
    sampler.join()
    return {
        "seconds": time.perf_counter() - t0,
        "exit_code": proc.returncode,
        "peak_gb": peak[0] / 1e9,
        "peak_rss_sum_gb": peak_rss[0] / 1e9,
        "peak_gb_by_role": {k: round(v / 1e9, 2) for k, v in sorted(peak_roles.items())},
        "samples": samples,
        "cpu_samples": cpu_samples,
        "cpu_s": _tree_usage(ps)[2] - cpu0,
        "tail": output[-2000:],
    }


def phase_peaks(
    phases: list[list], samples: list[tuple[float, int]], total_s: float, command_s: float
) -> dict:
    """Peak summed memory (GB; the samples' PSS) within each phase's window of the command.

    The phases follow one another from the batch clock's start. The clock starts after
    the command's imports: the windows begin ``command_s - total_s`` into the command
    (what the command did outside the clock is counted as before it; about a second).

    >>> phase_peaks([["a", 1.0], ["b", 2.0]], [(0.5, 1e9), (1.6, 3e9), (2.9, 2e9)], 3.0, 3.0)
    {'a': 1.0, 'b': 3.0}
    """
    start = max(command_s - total_s, 0.0) if command_s >= total_s else 0.0
    out: dict[str, float] = {}
    for name, sec in phases:
        end = start + float(sec)
        inside = [rss for t, rss in samples if start <= t < end]
        out[name] = round(max(inside, default=0) / 1e9, 2)
        start = end
    return out


def phase_cpu(
    phases: list[list], samples: list[tuple[float, float]], total_s: float, command_s: float
) -> dict:
    """CPU seconds of the whole process tree within each phase's window (as :func:`phase_peaks`).

    ``samples`` are ``(seconds into the command, CPU used so far)``; a phase's CPU is the
    increase from the last sample before its window to the last sample inside it.

    >>> phase_cpu([["a", 1.0], ["b", 2.0]], [(0.5, 0.4), (0.9, 1.0), (1.6, 1.5), (2.9, 3.0)], 3.0, 3.0)
    {'a': 1.0, 'b': 2.0}
    """

    def used_by(moment: float) -> float:
        return max((c for t, c in samples if t < moment), default=0.0)

    start = max(command_s - total_s, 0.0) if command_s >= total_s else 0.0
    out: dict[str, float] = {}
    for name, sec in phases:
        end = start + float(sec)
        out[name] = round(used_by(end) - used_by(start), 1)
        start = end
    return out


def report_command(data: Path, out: Path, jobs: int, branches: list[str], scheduler: str | None) -> list[str]:
    """The ``bankperf report`` command line of the benchmark."""
    args = [sys.executable, "-m", "bankperf_analysis.cli.main", "report", "--data", str(data)]
    args += ["--quarter", QUARTER, "--out", str(out), "--jobs", str(jobs), "--no-progress"]
    for b in branches:
        args += ["--branch", b]
    if scheduler:
        args += ["--scheduler", scheduler]
    return args


#: Lines of a report that name the run rather than the data: left out when two runs are compared.
_RUN_LINES = re.compile(r"(generated|生成|run time|运行|UTC|seconds|秒)", re.IGNORECASE)


def report_texts(folder: Path) -> dict[str, str]:
    """Each report's visible text, without the lines that name the run (for comparing runs)."""
    from html.parser import HTMLParser

    out = {}
    for path in sorted(folder.glob("*.html")):
        if path.name == "index.html":
            continue
        parts: list[str] = []
        parser = HTMLParser()
        parser.handle_data = parts.append  # type: ignore[method-assign]
        parser.feed(path.read_text(encoding="utf-8"))
        lines = [ln.strip() for ln in "".join(parts).splitlines() if ln.strip()]
        out[path.name] = "\n".join(ln for ln in lines if not _RUN_LINES.search(ln))
    return out


def _job(data: Path, jobs: int, branches: list[str], scheduler: str | None, tmp: Path, name: str) -> dict:
    """One cold run and one unchanged re-run of the job, with the phase table of the cold run."""
    out, timings = tmp / name, tmp / f"{name}-timings.json"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp / f"{name}-cache"), "BANKPERF_TIMINGS": str(timings)}
    env.pop("BANKPERF_FINGERPRINT_CACHE", None)
    cmd = report_command(data, out, jobs, branches, scheduler)
    cold = run_command(cmd, env)
    if cold["exit_code"] != 0:
        raise SystemExit(f"{name}: bankperf report failed (exit {cold['exit_code']}):\n{cold['tail']}")
    phases = json.loads(timings.read_text(encoding="utf-8"))
    rerun = run_command(cmd, {**env, "BANKPERF_TIMINGS": str(tmp / f"{name}-rerun.json")})
    skip = {"index.html", "overview.html"}
    n_reports = sum(
        1 for p in (out / QUARTER).glob("*.html") if p.name not in skip and not p.name.startswith("annual-")
    )
    return {"cold": cold, "phases": phases, "rerun": rerun, "out": out / QUARTER, "n_reports": n_reports}


def _local_cluster(workers: int):
    from dask.distributed import LocalCluster

    return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=DATA)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--branches", type=int, default=0, help="only the first N branches (0: the whole bank)")
    ap.add_argument("--scheduler", action="store_true", help="also run on a local Dask cluster and compare")
    args = ap.parse_args(argv)
    from benchmarks.bench_kpis import ensure_data

    data = ensure_data(args.data)
    branches = _first_branches(data, args.branches)
    with tempfile.TemporaryDirectory(prefix="bench-bank-") as tmpdir:
        tmp = Path(tmpdir)
        local = _job(data, args.jobs, branches, None, tmp, "local")
        runs = {"local": local}
        if args.scheduler:
            with _local_cluster(args.jobs) as cluster:
                runs["dask"] = _job(data, args.jobs, branches, cluster.scheduler_address, tmp, "dask")
            same = report_texts(local["out"]) == report_texts(runs["dask"]["out"])
            if not same:
                raise SystemExit("the Dask run's reports differ from the local run's")
        return _summarise(runs, branches, args)


def _first_branches(data: Path, n: int) -> list[str]:
    if n <= 0:
        return []
    import duckdb

    path = data / "branches.parquet"
    rows = duckdb.sql(f"SELECT branch_id FROM read_parquet('{path}') ORDER BY 1").fetchall()
    return [r[0] for r in rows[:n]]


def _summarise(runs: dict[str, dict], branches: list[str], args) -> dict:
    rows: list[dict] = []
    payload = {"quarter": QUARTER, "jobs": args.jobs, "branches": len(branches) or "all", "runs": {}}
    for name, run in runs.items():
        phases = run["phases"]
        total = phases["total_s"]
        peaks = phase_peaks(phases["phases"], run["cold"]["samples"], total, run["cold"]["seconds"])
        cpu = phase_cpu(phases["phases"], run["cold"]["cpu_samples"], total, run["cold"]["seconds"])
        for phase, sec in phases["phases"]:
            rows.append(
                {
                    "run": name,
                    "phase": phase,
                    "s": f"{sec:,.1f}",
                    "share": f"{sec / total:.0%}",
                    "peak GB (PSS)": f"{peaks[phase]:.2f}",
                    "CPU-s": f"{cpu[phase]:,.1f}",
                }
            )
        rows.append(
            {
                "run": name,
                "phase": "whole command",
                "s": f"{run['cold']['seconds']:,.1f}",
                "CPU-s": f"{run['cold']['cpu_s']:,.1f}",
            }
        )
        rows.append({"run": name, "phase": "re-run, nothing changed", "s": f"{run['rerun']['seconds']:,.1f}"})
        payload["runs"][name] = {
            "phases": phases["phases"],
            "phase_peak_gb": peaks,
            "phase_cpu_s": cpu,
            "command_cpu_s": round(run["cold"]["cpu_s"], 1),
            "branch_reports": run["n_reports"],
            "cpu_s_per_branch_report": round(cpu.get("branch reports", 0.0) / max(run["n_reports"], 1), 3),
            "command_s": round(run["cold"]["seconds"], 1),
            "peak_gb_all_processes": round(run["cold"]["peak_gb"], 2),
            "peak_gb_measure": "sum of PSS over the process tree (RSS sum below)",
            "peak_rss_sum_gb_all_processes": round(run["cold"]["peak_rss_sum_gb"], 2),
            "peak_gb_by_role": run["cold"]["peak_gb_by_role"],
            "rerun_s": round(run["rerun"]["seconds"], 1),
            "rerun_peak_gb": round(run["rerun"]["peak_gb"], 2),
            "goals": GOALS,
            "met": {
                "total_s": run["cold"]["seconds"] <= GOALS["total_s"],
                "peak_gb": run["cold"]["peak_gb"] <= GOALS["peak_gb"],
                "rerun_s": run["rerun"]["seconds"] <= GOALS["rerun_s"],
            },
        }
        by_role = ", ".join(f"{k} {v:.2f}" for k, v in run["cold"]["peak_gb_by_role"].items())
        print(
            f"{name}: peak memory, all processes: {run['cold']['peak_gb']:.2f} GB PSS ({by_role}); "
            f"summed RSS {run['cold']['peak_rss_sum_gb']:.2f} GB",
            flush=True,
        )
        print(
            f"{name}: {run['n_reports']:,} branch reports, "
            f"{payload['runs'][name]['cpu_s_per_branch_report']:.3f} CPU-s each "
            "(whole tree: the phase's CPU / its reports)",
            flush=True,
        )
    print(table(rows, ["run", "phase", "s", "share", "peak GB (PSS)", "CPU-s"]))
    if len(branches) == 0:
        write_results("bank", payload)
    return payload


if __name__ == "__main__":
    main()

"""Shared helpers for the benchmarks: isolated timing, peak memory, table + JSON output.

Every contender runs in its own fresh subprocess (``spawn``), so its peak resident
memory (``ru_maxrss``) is its own and imports/caches of one contender cannot help
another. Contenders are interleaved round by round (A, B, A, B, ...) so that noise
from other jobs on this shared machine hits all of them alike; we report medians and
ratios of medians.
"""

from __future__ import annotations

import importlib
import json
import multiprocessing as mp
import os
import platform
import resource
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
_REPO = RESULTS_DIR.parent.parent
_OWN_RESULTS = RESULTS_DIR.relative_to(_REPO).as_posix()  # written by the runs: not "uncommitted code"

#: Whether this environment asked Python not to cache bytecode (``PYTHONDONTWRITEBYTECODE``),
#: before the line below. Every process the benchmarks start -- contenders, the ``bankperf``
#: command, its workers and kernels -- runs the package as pip leaves it, with its ``.pyc``
#: files: a development machine that sets the variable would otherwise have each of them
#: compile the package's modules from source (about 0.07 CPU-s per process, measured on the
#: scorecard path), a cost no installed copy pays. The first round writes the cache.
BYTECODE_WAS_OFF = bool(os.environ.pop("PYTHONDONTWRITEBYTECODE", None))
sys.dont_write_bytecode = False


def own_peak_mb() -> float:
    """This process's peak resident memory in MB, since it started its program.

    Linux keeps ``ru_maxrss`` across ``exec``: a spawned child would report at least the
    parent's size when it forked. ``VmHWM`` belongs to the new program only, so it is used
    where ``/proc`` has it.
    """
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _child(target: str, kwargs: dict[str, Any], queue: mp.Queue) -> None:
    """Run ``module:function(**kwargs)`` and report elapsed seconds, peak RSS and result."""
    try:
        mod_name, func_name = target.split(":")
        func = getattr(importlib.import_module(mod_name), func_name)
        t0, cpu0 = time.perf_counter(), _cpu_seconds()
        out = func(**kwargs)
        elapsed, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
        queue.put(("ok", elapsed, own_peak_mb(), out, cpu))
    except BaseException as exc:  # report, never hang the parent
        import traceback

        queue.put(("error", 0.0, 0.0, traceback.format_exc(limit=5) + repr(exc), 0.0))


def _cpu_seconds() -> float:
    """User + system CPU of this process (all its threads) and of its waited-for children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_isolated(target: str, kwargs: dict[str, Any] | None = None, timeout: float = 3600):
    """Run ``"module:function"`` in a fresh spawned process.

    Returns ``(elapsed_seconds, peak_rss_mb, result)``; the timed span excludes
    process start-up and imports done at module import time. ``result`` must be
    picklable (keep it small: a summary, not the data).
    """
    elapsed, peak, out, _cpu = run_isolated_cpu(target, kwargs, timeout)
    return elapsed, peak, out


def run_isolated_cpu(target: str, kwargs: dict[str, Any] | None = None, timeout: float = 3600):
    """:func:`run_isolated`, plus the CPU seconds of the timed span: ``(elapsed, peak_mb, result, cpu_s)``.

    CPU counts every thread of the fresh process (DuckDB's included) and the children it
    waited for (a CLI run as a subprocess); on a shared machine it is the steadier measure.
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(target, kwargs or {}, queue))
    proc.start()
    deadline = time.monotonic() + timeout
    try:
        while True:  # a child that dies without reporting must not hang the benchmark
            try:
                status, elapsed, peak, out, cpu = queue.get(timeout=1.0)
                break
            except Exception as exc:  # queue.Empty
                if not proc.is_alive():
                    raise RuntimeError(
                        f"{target}: its subprocess died (exit code {proc.exitcode}) without a result"
                    ) from exc
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{target} did not finish within {timeout} s") from exc
    finally:
        proc.join(timeout=30)
        if proc.is_alive():
            proc.kill()
    if status != "ok":
        raise RuntimeError(f"{target} failed in its subprocess:\n{out}")
    return elapsed, peak, out, cpu


@dataclass
class Contender:
    """One implementation being timed: a label and a ``"module:function"`` target."""

    label: str
    target: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    times: list[float] = field(default_factory=list)
    cpu_s: list[float] = field(default_factory=list)
    peaks_mb: list[float] = field(default_factory=list)
    results: list[Any] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.times) if self.times else float("nan")


def compare(contenders: Sequence[Contender], repeats: int = 3, log: Callable[[str], None] = print):
    """Time every contender ``repeats`` times, interleaved, each run in a fresh process."""
    for r in range(repeats):
        for c in contenders:
            elapsed, peak, out, cpu = run_isolated_cpu(c.target, c.kwargs)
            c.times.append(elapsed)
            c.cpu_s.append(cpu)
            c.peaks_mb.append(peak)
            c.results.append(out)
            log(
                f"  round {r + 1}/{repeats}  {c.label:<40s} {elapsed:9.3f} s  "
                f"{cpu:9.3f} CPU-s  peak {peak:8.1f} MB"
            )
    return contenders


def table(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> str:
    """Render rows as a fixed-width text table."""

    def fmt(v: Any) -> str:
        if isinstance(v, float):
            return f"{v:,.3f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    cells = [[fmt(r.get(c, "")) for c in columns] for r in rows]
    widths = [
        max(len(c), *(len(row[i]) for row in cells)) if cells else len(c) for i, c in enumerate(columns)
    ]
    line = "  ".join(c.ljust(w) for c, w in zip(columns, widths))
    sep = "  ".join("-" * w for w in widths)
    body = ["  ".join(v.rjust(w) for v, w in zip(row, widths)) for row in cells]
    return "\n".join([line, sep, *body])


def machine_info() -> dict[str, Any]:
    """Describe the machine and software versions the benchmark ran on."""
    info: dict[str, Any] = {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "time_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        # The machine is shared: the load when the results were written says how busy it was.
        "load_average_1_5_15min": list(os.getloadavg()),
        "cpu_model": _cpu_model(),
        "bytecode_cache_set_on_by_the_benchmark": BYTECODE_WAS_OFF,
        "yardstick_cpu_s": yardstick(),
    }
    info.update(_code_version())
    names = ("numpy", "pandas", "duckdb", "scipy", "statsmodels", "papermill", "nbconvert", "psutil")
    for name in (*names, "pyfixest", "diff_diff"):
        try:
            info[name] = importlib.import_module(name).__version__
        except Exception:  # noqa: BLE001 - optional
            pass
    return info


def _cpu_model() -> str:
    """The processor's model name (Linux ``/proc/cpuinfo``; else what :mod:`platform` says)."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def yardstick(rounds: int = 3) -> float:
    """CPU seconds of one fixed single-threaded workload (the fastest of ``rounds``): the machine's speed.

    Hosts differ: the same code and data measured 0.92 and 0.40 CPU-s per branch report on
    two days' machines. A figure in CPU seconds is read against the yardstick of its run
    (hashing 256 MB and a pure-Python loop, about 0.3 s on the 2026-12-03 machine): half the
    yardstick, half the work's seconds.

    >>> 0 < yardstick(1) < 60
    True
    """
    import hashlib

    block = bytes(64 << 20)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.process_time()
        for _ in range(4):
            hashlib.sha256(block).digest()
        total = 0
        for i in range(3_000_000):
            total += i * i % 7
        best = min(best, time.process_time() - t0)
    return round(best, 3)


def _code_version(root: Path | None = None) -> dict[str, Any]:
    """The commit the benchmarked code is at, and whether the checkout had uncommitted changes.

    A figure without the code that made it cannot be reproduced; outside a git checkout (an
    installed copy) the keys say ``"unknown"``. The results the benchmarks write themselves
    (``benchmarks/results/``) do not make the code dirty: in a ``make bench`` run every
    benchmark after the first would otherwise say so.
    """
    import subprocess

    root = root or _REPO

    def git(*args: str) -> str:
        out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=True)
        return out.stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(
            git("status", "--porcelain", "--untracked-files=no", "--", ".", f":(exclude){_OWN_RESULTS}")
        )
    except (OSError, subprocess.CalledProcessError):
        return {"code_commit": "unknown", "code_dirty": "unknown"}
    return {"code_commit": commit, "code_dirty": dirty}


def write_results(name: str, payload: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` (with machine info) and return its path."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    payload = {"benchmark": name, "machine": machine_info(), **payload}
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    tmp.replace(path)
    return path


def resident_and_proportional(p) -> tuple[int, int]:
    """Resident (RSS) and proportional (PSS) bytes of the ``psutil.Process`` ``p``.

    RSS counts every page the process maps, so a sum over processes counts the pages they
    share (the libraries of pandas, Arrow, DuckDB...) once per process, and the file-backed
    part moves with the kernel's page cache: the same imports measured 179 MB in one
    virtual environment and 217 MB in a fresh copy of it (the copy's libraries, just
    written, were mapped in larger pieces). PSS divides each shared page among the
    processes that map it, so a sum over processes is what they hold in RAM together.
    Where PSS is not available (not Linux), both are the RSS. Reading PSS costs about
    1 ms for a 1.3 GB process (``/proc/PID/smaps_rollup``).

    >>> import psutil
    >>> rss, pss = resident_and_proportional(psutil.Process())
    >>> 0 < pss <= rss
    True
    """
    full = p.memory_full_info()
    return int(full.rss), int(getattr(full, "pss", full.rss))


class TreeMemory:
    """Peak of the summed memory of this process and all its descendants: RSS and PSS.

    A thread samples ``psutil`` every ``interval`` seconds while the ``with`` block runs:
    the runner's workers, their Jupyter kernels and any CLI subprocess are all counted
    (``ru_maxrss`` sees one process only). ``peak_mb`` sums RSS, which counts pages shared
    between processes in each: an upper bound of what the machine needed, that moves with
    the page cache. ``peak_pss_mb`` sums PSS, which shares them out: what the processes
    held in RAM together (:func:`resident_and_proportional`).

    >>> with TreeMemory(interval=0.05) as mem:
    ...     _ = bytearray(10_000_000)
    >>> 0 < mem.peak_pss_mb <= mem.peak_mb
    True
    """

    def __init__(self, interval: float = 0.1) -> None:
        self.interval = interval
        self.peak_mb = 0.0
        self.peak_pss_mb = 0.0
        self.max_processes = 0
        self._stop: Any = None
        self._thread: Any = None

    def sample(self) -> None:
        """Add up the RSS and the PSS of the process tree now and keep the peaks."""
        import psutil

        me = psutil.Process()
        procs = [me]
        try:
            procs += me.children(recursive=True)
        except psutil.Error:  # a child ended while being listed
            pass
        total = total_pss = 0
        for p in procs:
            try:
                rss, pss = resident_and_proportional(p)
            except psutil.Error:  # ended between listing and reading
                continue
            total += rss
            total_pss += pss
        self.peak_mb = max(self.peak_mb, total / 2**20)
        self.peak_pss_mb = max(self.peak_pss_mb, total_pss / 2**20)
        self.max_processes = max(self.max_processes, len(procs))

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> TreeMemory:
        import threading

        self._stop = threading.Event()
        self.sample()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


def children_cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished, waited-for descendants so far."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def by_round(numerator: Contender, denominator: Contender, cpu: bool = False) -> list[float]:
    """Ratio of two contenders' times round by round (they ran interleaved, so pairwise).

    ``cpu=True``: of their CPU seconds instead of their wall times.
    """
    a_s, b_s = (numerator.cpu_s, denominator.cpu_s) if cpu else (numerator.times, denominator.times)
    return [a / b if b else float("nan") for a, b in zip(a_s, b_s)]

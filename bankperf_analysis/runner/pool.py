"""Where reports run: a local pool of worker processes, or a Dask cluster.

* :class:`LocalPool` runs report workers in child processes started with
  ``python -m bankperf_analysis.runner.worker_process`` over a socket pair (so the calling
  script is never re-imported: ``build_reports`` needs no ``__main__`` guard), one task at a
  time each, and knows at every moment which task each worker holds, so a worker that dies
  is reported against its own task.
* :func:`run_dask` fans the tasks out on a Dask cluster; :func:`run_chunk` is the same
  worker loop there (one worker per thread), and :func:`shutdown_workers` stops the
  kernels the cluster's workers started and removes their connection files. If the
  cluster has no worker left for ``timeout_report`` seconds, the reports not done fail
  (``not_done``) instead of waiting forever.

Outcomes always come back to the calling process, which publishes them.
"""

from __future__ import annotations

import contextlib
import math
import os
import site
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from bankperf_analysis.exceptions import ReportError
from bankperf_analysis.runner.kernels import remove_runtime_dir, remove_runtime_dirs_of
from bankperf_analysis.runner.worker import ReportTask, ReportWorker, TaskOutcome, failed_outcome

__all__ = ["LocalPool", "run_dask", "run_chunk", "shutdown_workers", "thread_worker", "WORKER_MODULE"]

#: The module a local worker process runs (``python -m``).
WORKER_MODULE = "bankperf_analysis.runner.worker_process"
#: Seconds a Dask batch waits for a worker when the cluster has none, if ``timeout_report`` is None.
NO_WORKER_TIMEOUT = 1800.0

# One worker per thread: kernels are driven by the event loop of the thread that started them.
_LOCAL = threading.local()
_ALL_WORKERS: list[ReportWorker] = []
_ALL_LOCK = threading.Lock()


def thread_worker() -> ReportWorker:
    """The calling thread's :class:`ReportWorker` (created on first use)."""
    w = getattr(_LOCAL, "worker", None)
    if w is None:
        w = ReportWorker()
        _LOCAL.worker = w
        with _ALL_LOCK:
            _ALL_WORKERS.append(w)
    return w


def run_chunk(tasks: Sequence[ReportTask]) -> list[TaskOutcome]:
    """Run a chunk of reports on this thread's kernel (the Dask task function)."""
    worker = thread_worker()
    return [worker.run(task) for task in tasks]


def shutdown_workers() -> int:
    """Kill the kernels of every worker of this process and remove their connection files.

    Run on each Dask worker at the end of a batch.
    """
    with _ALL_LOCK:
        workers = list(_ALL_WORKERS)
    n = 0
    for w in workers:
        kernel = w.kernel
        if kernel is not None:
            kernel.abandon()  # from this thread: no channel of the kernel's own thread is touched
            w.kernel = None
            n += 1
    remove_runtime_dir()
    return n


# --------------------------------------------------------------------------- local pool


def worker_environment() -> dict[str, str]:
    """The environment of a local worker: this one, with this package importable.

    A package imported from a source folder (not from site-packages) is found by the
    worker, and by the kernels it starts, through ``PYTHONPATH``.
    """
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[2])
    installed = {str(Path(p).resolve()) for p in [*site.getsitepackages(), site.getusersitepackages()]}
    if root not in installed:
        parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        if root not in parts:
            env["PYTHONPATH"] = os.pathsep.join([root, *parts])
    return env


@dataclass(slots=True)
class _Handle:
    proc: subprocess.Popen
    conn: Any
    task: ReportTask | None = None


class LocalPool:
    """``n`` worker processes (``python -m`` :data:`WORKER_MODULE`), each with its own kernel and exporter."""

    def __init__(self, n_workers: int):
        self.n_workers = max(1, int(n_workers))

    @staticmethod
    def _spawn() -> _Handle:
        from multiprocessing.connection import Connection

        ours, theirs = socket.socketpair()
        try:
            proc = subprocess.Popen(
                [sys.executable, "-m", WORKER_MODULE, str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                env=worker_environment(),
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        return _Handle(proc, Connection(ours.detach()))

    def run(self, tasks: Iterable[ReportTask], on_outcome: Callable[[TaskOutcome], None]) -> None:
        """Run every task; call ``on_outcome`` (in this process) as each one finishes."""
        queue = deque(tasks)
        handles: list[_Handle] = []

        def feed(h: _Handle) -> None:
            if queue:
                h.task = queue.popleft()
                h.conn.send(h.task)
            else:
                h.task = None
                with contextlib.suppress(OSError):
                    h.conn.send(None)

        def start() -> None:
            try:
                h = self._spawn()
            except OSError as exc:  # the interpreter cannot be started: every report left fails
                while queue:
                    on_outcome(failed_outcome(queue.popleft(), "worker_start", f"no worker process: {exc!r}"))
                return
            handles.append(h)
            feed(h)

        clean = False
        try:
            for _ in range(min(self.n_workers, len(queue))):
                start()
            while any(h.task is not None for h in handles):
                self._step([h for h in handles if h.task is not None], on_outcome, feed, start, queue)
            clean = True
        finally:
            for h in handles:
                self._stop(h, graceful=clean)

    @staticmethod
    def _step(busy: list[_Handle], on_outcome, feed, start, queue) -> None:
        """Wait up to a second; publish what the busy workers sent; replace the ones that died."""
        from multiprocessing.connection import wait

        wait([h.conn for h in busy], timeout=1.0)
        for h in busy:
            outcome, dead = None, False
            if h.conn.poll():
                try:
                    outcome = h.conn.recv()
                except Exception:  # noqa: BLE001 - EOF or a torn message: the worker is gone
                    dead = True
            elif h.proc.poll() is not None:
                dead = True
            if outcome is not None:
                h.task = None
                on_outcome(outcome)
                feed(h)
            elif dead:
                task, h.task = cast(ReportTask, h.task), None  # busy: it holds a task
                with contextlib.suppress(subprocess.TimeoutExpired):
                    h.proc.wait(5)
                on_outcome(
                    failed_outcome(
                        task, "worker_died", f"the worker process died (exit code {h.proc.returncode})"
                    )
                )
                if queue:
                    start()

    @staticmethod
    def _stop(h: _Handle, graceful: bool) -> None:
        proc = h.proc
        if graceful:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(15)
        if proc.poll() is None:
            children = []
            with contextlib.suppress(Exception):
                import psutil

                children = psutil.Process(proc.pid).children(recursive=True)
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(5)
            for c in children:
                with contextlib.suppress(Exception):
                    c.kill()
        with contextlib.suppress(Exception):
            h.conn.close()
        remove_runtime_dirs_of(proc.pid)  # the connection files of a worker that died


# --------------------------------------------------------------------------- Dask


def run_dask(
    scheduler: Any, tasks: list[ReportTask], publish: Callable, *, no_worker_timeout: float | None = None
) -> None:
    """Fan the tasks out on a Dask cluster; outcomes come back here to be published.

    When the cluster has no worker for ``no_worker_timeout`` seconds (default: the tasks'
    ``timeout_report``, else :data:`NO_WORKER_TIMEOUT`), every report not done fails with
    kind ``not_done``, naming itself, and the batch ends.
    """
    try:
        from distributed import Client
    except ImportError:
        raise ReportError(
            "Running on a Dask cluster (scheduler=...) needs the 'distributed' package: "
            "pip install 'bankperf-analysis[dask]'."
        ) from None

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    limit = no_worker_timeout or (tasks[0].timeout_report if tasks else None) or NO_WORKER_TIMEOUT
    futures: list[Any] = []
    try:
        nthreads = sum(client.nthreads().values()) or 1
        size = max(1, math.ceil(len(tasks) / (2 * nthreads)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = client.map(run_chunk, chunks, pure=False)
        _collect(client, {f.key: (f, c) for f, c in zip(futures, chunks, strict=True)}, publish, limit)
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        with contextlib.suppress(Exception):
            client.run(shutdown_workers)
        if own:
            with contextlib.suppress(Exception):
                client.close()


def _n_workers(client) -> int | None:
    """Workers the scheduler knows now (None when it does not answer)."""
    try:
        return len(client.nthreads())
    except Exception:  # noqa: BLE001 - scheduler gone or busy
        return None


def _collect(client, pending: dict, publish: Callable, limit: float) -> None:
    """Publish each chunk's outcomes as it completes; fail what is left when no worker remains."""
    alone_since: float | None = None
    last_check = 0.0
    while pending:
        done = [key for key, (f, _) in pending.items() if f.done()]
        for key in done:
            fut, chunk = pending.pop(key)
            try:
                outs = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a pickling error...
                outs = [failed_outcome(t_, "dask", f"the Dask task failed: {exc!r}") for t_ in chunk]
            for out in outs:
                publish(out)
        if done or not pending:
            continue
        now = time.monotonic()
        if now - last_check >= 1.0:
            last_check = now
            n = _n_workers(client)
            alone_since = (alone_since or now) if not n else None
        if alone_since is not None and now - alone_since >= limit:
            for _, chunk in pending.values():
                for t_ in chunk:
                    publish(failed_outcome(t_, "not_done", _not_done_message(limit)))
            return
        time.sleep(0.2)


def _not_done_message(limit: float) -> str:
    return (
        f"not done: the Dask cluster had no worker for {limit:g} s (all workers lost); "
        "run the batch again to complete it"
    )

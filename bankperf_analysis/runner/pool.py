"""Where reports run: a local pool of worker processes, or a Dask cluster.

* :class:`LocalPool` runs report workers (:class:`~bankperf_analysis.runner.worker.ReportWorker`) in
  spawned processes, one task at a time each, and knows at every moment which task each
  worker holds, so a worker that dies is reported against its own task.
* :func:`run_dask` fans the tasks out on a Dask cluster; :func:`run_chunk` is the same
  worker loop there (one worker per thread), and :func:`shutdown_workers` stops the
  kernels the cluster's workers started.

Outcomes always come back to the calling process, which publishes them.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from bankperf_analysis.exceptions import ReportError
from bankperf_analysis.runner.worker import ReportTask, ReportWorker, TaskOutcome, failed_outcome

__all__ = ["LocalPool", "run_dask", "run_chunk", "shutdown_workers", "thread_worker"]

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
    """Kill the kernels of every worker of this process (run on each Dask worker at the end)."""
    with _ALL_LOCK:
        workers = list(_ALL_WORKERS)
    n = 0
    for w in workers:
        if w.kernel is not None:
            w.kernel.kill_process()
            n += 1
            w.kernel = None
    return n


def _worker_main(conn) -> None:  # pragma: no cover - runs in a child process
    """Loop of a local worker process: receive a task, send its outcome, until ``None``."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C

    def _term(signum, frame):
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, _term)
    # nbclient logs "Timeout waiting for execute reply" etc. through papermill's logger;
    # the parent reports every failure itself, so keep the terminal quiet.
    import logging

    logging.getLogger("papermill").setLevel(logging.CRITICAL)
    worker = ReportWorker()
    try:
        while True:
            try:
                task = conn.recv()
            except EOFError:
                break
            if task is None:
                break
            conn.send(worker.run(task))
    finally:
        worker.close()


@dataclass(slots=True)
class _Handle:
    proc: Any
    conn: Any
    task: ReportTask | None = None


class LocalPool:
    """``n`` spawned worker processes, each with its own kernel and exporter."""

    def __init__(self, n_workers: int):
        self.n_workers = max(1, int(n_workers))

    def run(self, tasks: Iterable[ReportTask], on_outcome: Callable[[TaskOutcome], None]) -> None:
        """Run every task; call ``on_outcome`` (in this process) as each one finishes."""
        import multiprocessing as mp
        from multiprocessing.connection import wait

        ctx = mp.get_context("spawn")
        queue = deque(tasks)
        handles: list[_Handle] = []

        def spawn() -> _Handle:
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="bankperf-report-worker")
            proc.start()
            child.close()
            h = _Handle(proc, parent)
            handles.append(h)
            return h

        def feed(h: _Handle) -> None:
            if queue:
                h.task = queue.popleft()
                h.conn.send(h.task)
            else:
                h.task = None
                with contextlib.suppress(OSError):
                    h.conn.send(None)

        clean = False
        try:
            for _ in range(min(self.n_workers, len(queue))):
                feed(spawn())
            while any(h.task is not None for h in handles):
                busy = [h for h in handles if h.task is not None]
                wait([h.conn for h in busy] + [h.proc.sentinel for h in busy], timeout=1.0)
                for h in busy:
                    outcome = None
                    if h.conn.poll():
                        with contextlib.suppress(EOFError, OSError):
                            outcome = h.conn.recv()
                    if outcome is not None:
                        h.task = None
                        on_outcome(outcome)
                        feed(h)
                    elif not h.proc.is_alive():
                        task, h.task = cast(ReportTask, h.task), None  # busy: it holds a task
                        h.proc.join(1)
                        on_outcome(
                            failed_outcome(
                                task, "worker_died", f"the worker process died (exit code {h.proc.exitcode})"
                            )
                        )
                        if queue:
                            feed(spawn())
            clean = True
        finally:
            for h in handles:
                self._stop(h, graceful=clean)

    @staticmethod
    def _stop(h: _Handle, graceful: bool) -> None:
        proc = h.proc
        if graceful:
            proc.join(15)
        if proc.is_alive():
            children = []
            with contextlib.suppress(Exception):
                import psutil

                children = psutil.Process(proc.pid).children(recursive=True)
            proc.terminate()
            proc.join(5)
            if proc.is_alive():
                proc.kill()
                proc.join(5)
            for c in children:
                with contextlib.suppress(Exception):
                    c.kill()
        with contextlib.suppress(Exception):
            h.conn.close()


# --------------------------------------------------------------------------- Dask


def run_dask(scheduler: Any, tasks: list, publish: Callable) -> None:
    """Fan the tasks out on a Dask cluster; outcomes come back here to be published."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ReportError(
            "Running on a Dask cluster (scheduler=...) needs the 'distributed' package: "
            "pip install 'bankperf-analysis[dask]'."
        ) from None

    own = not isinstance(scheduler, Client)
    client = Client(scheduler) if own else scheduler
    futures: list[Any] = []
    try:
        nthreads = sum(client.nthreads().values()) or 1
        size = max(1, math.ceil(len(tasks) / (2 * nthreads)))
        chunks = [tasks[i : i + size] for i in range(0, len(tasks), size)]
        futures = client.map(run_chunk, chunks, pure=False)
        by_future = dict(zip((f.key for f in futures), chunks, strict=True))
        for fut in as_completed(futures):
            try:
                outs = fut.result()
            except Exception as exc:  # noqa: BLE001 - a lost worker, a pickling error...
                outs = [
                    failed_outcome(t_, "dask", f"the Dask task failed: {exc!r}") for t_ in by_future[fut.key]
                ]
            for out in outs:
                publish(out)
    finally:
        with contextlib.suppress(Exception):
            client.cancel(futures)
        with contextlib.suppress(Exception):
            client.run(shutdown_workers)
        if own:
            with contextlib.suppress(Exception):
                client.close()

"""Execution side of the runner: long-lived kernels, the papermill engine, worker processes.

Private module: :mod:`bankperf_analysis.runner.run` is the public entry point.

* :class:`PooledKernel` is one started IPython kernel that runs report after report:
  between reports its user namespace is reset (``%reset -f``, figures closed,
  rcParams / warnings filters / environment / ``sys.path`` restored, ``gc``); after
  ``max_reports`` reports, a failure or a timeout it is replaced.
* :class:`BankperfEngine` is a papermill engine (registered as ``"bankperf"``) that
  hands nbclient the already started kernel, so papermill's parameter injection,
  per-cell timeout and error handling stay papermill's own.
* :class:`ReportWorker` owns one kernel and one HTML exporter and turns a
  :class:`ReportTask` into a :class:`TaskOutcome` (HTML text or a failure); it never
  writes a file: the parent process does, atomically.
* :class:`LocalPool` runs workers in spawned processes, one task at a time each, and
  knows at every moment which task each worker holds, so a worker that dies is
  reported against its own task.
* :func:`run_chunk` is the same worker loop for a Dask worker (one worker per thread).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENGINE_NAME = "bankperf"
CURRENT_ENV_KERNEL = "bankperf-current-env"
DEFAULT_PRELOAD = ("pandas", "matplotlib.pyplot", "seaborn")

# Code run once in a new kernel: import the usual libraries, then snapshot the state
# that a report may change so that the reset can restore it.
_BOOT = r"""
def _bankperf_boot(preload):
    import copy, os, sys, types, warnings
    st = types.ModuleType("_bankperf_kernel_state")
    sys.modules["_bankperf_kernel_state"] = st
    for name in preload:
        try:
            __import__(name)
        except Exception:
            pass
    st.environ = dict(os.environ)
    st.path = list(sys.path)
    st.filters = list(warnings.filters)
    st.rc = None
    if "matplotlib" in sys.modules:
        st.rc = copy.deepcopy(dict(sys.modules["matplotlib"].rcParams))
    # Objects of the preloaded libraries live as long as the kernel: move them out of
    # the collector's reach so the collections of every reset stay cheap.
    import gc
    gc.collect()
    gc.freeze()

    def reset(cwd):
        from IPython import get_ipython
        ip = get_ipython()
        ip.run_line_magic("reset", "-f")  # also collects garbage (displayhook.flush)
        if "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close("all")
        if "matplotlib" in sys.modules:
            mpl = sys.modules["matplotlib"]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if st.rc is not None:
                    mpl.rcParams.update(st.rc)
                else:
                    mpl.rc_file_defaults()
        warnings.resetwarnings()
        warnings.filters[:] = st.filters
        os.environ.clear()
        os.environ.update(st.environ)
        sys.path[:] = st.path
        if cwd and os.path.isdir(cwd):
            os.chdir(cwd)
        ip.execution_count = 1

    st.reset = reset

_bankperf_boot({preload!r})
del _bankperf_boot
"""
_RESET = '__import__("sys").modules["_bankperf_kernel_state"].reset({cwd!r})'


class KernelStartError(RuntimeError):
    """A kernel could not be started (after retries)."""


@dataclass(frozen=True, slots=True)
class KernelOptions:
    """How workers start and recycle kernels (picklable, sent with every task)."""

    kernel_name: str | None = None
    startup_timeout: float = 60.0
    start_retries: int = 3
    max_reports: int = 50
    preload: tuple[str, ...] = DEFAULT_PRELOAD


@dataclass(frozen=True, slots=True)
class ReportTask:
    """Everything a worker needs to run and render one report (picklable)."""

    id: str
    quarter: str
    notebook_path: str
    notebook_json: str
    parameters: Mapping[str, Any]
    lang: str
    title: str
    input_key: str
    footer_rows: tuple[tuple[str, str], ...]
    generated_label: str
    toc_heading: str
    timeout_cell: float | None
    timeout_report: float | None
    options: KernelOptions
    version: str


@dataclass(slots=True)
class TaskOutcome:
    """What a worker sends back: HTML on success, a failure description otherwise."""

    id: str
    quarter: str
    ok: bool
    html: str | None = None
    headline: dict[str, Any] = field(default_factory=dict)
    failure: dict[str, Any] | None = None
    notebook_json: str | None = None
    duration_s: float = 0.0
    generated_at: str = ""
    kernel_reused: bool = False


def failed_outcome(task: ReportTask, kind: str, message: str) -> TaskOutcome:
    """Outcome of a task that failed outside the notebook (worker died, kernel would not start)."""
    return TaskOutcome(id=task.id, quarter=task.quarter, ok=False,
                       failure=_failure(kind, message))


# --------------------------------------------------------------------------- kernels


def _spec_manager():
    """Kernel spec manager that also knows ``bankperf-current-env``: this interpreter."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager

    class _CurrentEnvSpecManager(KernelSpecManager):
        def get_kernel_spec(self, kernel_name):  # noqa: D102
            if kernel_name == CURRENT_ENV_KERNEL:
                return KernelSpec(
                    argv=[sys.executable, "-Xfrozen_modules=off", "-m", "ipykernel_launcher",
                          "-f", "{connection_file}"],
                    display_name="Python (bankperf, current environment)",
                    language="python",
                    metadata={},
                )
            return super().get_kernel_spec(kernel_name)

    return _CurrentEnvSpecManager()


def _kill_tree(pid: int | None, pgid: int | None = None) -> None:
    """Kill a kernel and its children (it runs in its own session / process group)."""
    if not pid:
        return
    if pgid and hasattr(os, "killpg") and pgid != os.getpgid(0):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGKILL)
    try:
        import psutil

        proc = psutil.Process(pid)
        procs = [*proc.children(recursive=True), proc]
        for p in procs:
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(procs, timeout=5)
    except Exception:  # noqa: BLE001 - already gone
        pass


class PooledKernel:
    """One IPython kernel that runs many reports; driven from the thread that started it."""

    def __init__(self, options: KernelOptions, cwd: str | None,
                 while_starting: Callable[[], None] | None = None):
        self.options = options
        self._while_starting = while_starting
        self.km = None
        self.kc = None
        self.reports_run = 0
        self.pid: int | None = None
        self.pgid: int | None = None
        self._stderr = None
        self._start(cwd)

    @property
    def papermill_kernel_name(self) -> str:
        """The kernel name papermill records in the executed notebook."""
        return self.options.kernel_name or "python3"

    def _start(self, cwd: str | None) -> None:
        from jupyter_client import AsyncKernelManager
        from nbclient.util import run_sync

        opts = self.options
        env = {**os.environ, "PYDEVD_DISABLE_FILE_VALIDATION": "1", "JPY_PARENT_PID": str(os.getpid())}
        env.pop("MPLBACKEND", None)  # the kernel picks the inline backend itself
        last: BaseException | None = None
        for attempt in range(max(1, opts.start_retries)):
            self._stderr = tempfile.TemporaryFile(prefix="bankperf-kernel-", suffix=".log")
            km = AsyncKernelManager(
                kernel_name=opts.kernel_name or CURRENT_ENV_KERNEL,
                kernel_spec_manager=_spec_manager(),
            )
            kc = None
            try:
                run_sync(km.start_kernel)(
                    cwd=cwd if cwd and os.path.isdir(cwd) else None,
                    env=env,
                    # No IPython history database: concurrent kernels sharing its sqlite file
                    # print "ERROR! Session/line number was not unique..." into a report.
                    extra_arguments=["--HistoryManager.enabled=False"],
                    stdout=self._stderr,
                    stderr=self._stderr,
                )
                self.pid = getattr(km.provisioner, "pid", None)
                self.pgid = getattr(km.provisioner, "pgid", None)
                if self._while_starting is not None:  # overlap our imports with the kernel's
                    self._while_starting()
                    self._while_starting = None
                kc = km.client()
                kc.start_channels()
                run_sync(kc.wait_for_ready)(timeout=opts.startup_timeout)
                self.km, self.kc = km, kc
                self._run(_BOOT.format(preload=tuple(opts.preload)), opts.startup_timeout + 60)
                return
            except Exception as exc:  # noqa: BLE001 - port collision, slow start: retry
                last = exc
                self.km, self.kc = None, None
                if kc is not None:
                    with contextlib.suppress(Exception):
                        kc.stop_channels()
                _kill_tree(getattr(km.provisioner, "pid", None), getattr(km.provisioner, "pgid", None))
                with contextlib.suppress(Exception):
                    os.unlink(km.connection_file)
                if attempt + 1 < opts.start_retries:  # back off, with jitter against herds
                    time.sleep(0.5 * 2**attempt + random.Random().uniform(0, 0.5))
        log = self._log_tail()
        raise KernelStartError(
            f"The kernel did not start after {opts.start_retries} attempt(s): {last!r}"
            + (f"\nkernel log:\n{log}" if log else "")
        )

    def _log_tail(self, n: int = 2000) -> str:
        if self._stderr is None:
            return ""
        with contextlib.suppress(Exception):
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - n))
            return self._stderr.read().decode("utf-8", "replace").strip()
        return ""

    def _run(self, code: str, timeout: float) -> None:
        """Execute ``code`` silently in the kernel and wait for its reply."""
        from nbclient.util import run_sync

        async def _go():
            msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
            deadline = time.monotonic() + timeout
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"kernel did not answer within {timeout} s")
                msg = await self.kc.get_shell_msg(timeout=remaining)
                if msg["parent_header"].get("msg_id") == msg_id:
                    content = msg["content"]
                    if content.get("status") != "ok":
                        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")
                    return

        run_sync(_go)()

    def reset(self, cwd: str | None) -> None:
        """Clear the user namespace and restore the state snapshotted at boot."""
        self._run(_RESET.format(cwd=cwd or ""), 60)

    def alive(self) -> bool:
        """True while the kernel process runs (not a zombie)."""
        if self.pid is None:
            return False
        try:
            import psutil

            p = psutil.Process(self.pid)
            return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
        except Exception:  # noqa: BLE001
            return False

    def kill_process(self) -> None:
        """Kill the kernel process tree; safe from any thread (used by the report watchdog)."""
        _kill_tree(self.pid, self.pgid)

    def close(self) -> None:
        """Stop the kernel and release its channels and files (from the owning thread)."""
        self.kill_process()
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                os.unlink(self.km.connection_file)
        if self._stderr is not None:
            with contextlib.suppress(Exception):
                self._stderr.close()
        self.km = self.kc = None
        self.pid = None


# --------------------------------------------------------------------------- papermill engine


@dataclass(slots=True)
class _ExecState:
    client: Any = None
    nb_man: Any = None
    finished: bool = False


def _engine_class():
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine
    from papermill.log import logger
    from papermill.utils import merge_kwargs, remove_args

    class _TrackingClient(PapermillNotebookClient):
        """Papermill's client that remembers which cell is running (for timeouts)."""

        current_index: int | None = None

        def execute_cell(self, cell, cell_index, *args, **kwargs):  # noqa: D102
            self.current_index = cell_index
            return super().execute_cell(cell, cell_index, *args, **kwargs)

    class BankperfEngine(NBClientEngine):
        """Papermill engine that runs the notebook on an already started kernel.

        Pass ``bankperf_kernel=<PooledKernel>`` through ``papermill.execute_notebook``;
        without it the engine behaves exactly like papermill's ``nbclient`` engine.
        """

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man,
            kernel_name,
            log_output=False,
            stdout_file=None,
            stderr_file=None,
            start_timeout=60,
            execution_timeout=None,
            **kwargs,
        ):
            kernel = kwargs.pop("bankperf_kernel", None)
            state = kwargs.pop("bankperf_state", None)
            if kernel is None:
                return super().execute_managed_notebook(
                    nb_man, kernel_name, log_output=log_output, stdout_file=stdout_file,
                    stderr_file=stderr_file, start_timeout=start_timeout,
                    execution_timeout=execution_timeout, **kwargs,
                )
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logger,
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            client = _TrackingClient(nb_man, km=kernel.km, **final_kwargs)
            client.kc = kernel.kc  # reuse the started client: no new channels per report
            if state is not None:
                state.client, state.nb_man = client, nb_man
            return client.execute()

    return BankperfEngine


_ENGINE_LOCK = threading.Lock()


def ensure_engine() -> None:
    """Register the ``bankperf`` papermill engine (idempotent)."""
    from papermill.engines import papermill_engines

    with _ENGINE_LOCK:
        if ENGINE_NAME not in papermill_engines._engines:
            papermill_engines.register(ENGINE_NAME, _engine_class())


# --------------------------------------------------------------------------- worker


def _source_index(nb, exec_index: int | None) -> int | None:
    """Index in the source notebook of cell ``exec_index`` of the executed notebook."""
    if exec_index is None:
        return None
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if exec_index >= len(cells):
        return None
    injected = sum(
        "injected-parameters" in c.metadata.get("tags", []) for c in cells[:exec_index]
    )
    return exec_index - injected


def _excerpt(source: str, lines: int = 4, chars: int = 300) -> str:
    text = "\n".join(source.strip().splitlines()[:lines])
    return text if len(text) <= chars else text[: chars - 1] + "…"


class ReportWorker:
    """Runs reports one after another on a reused kernel and renders them in-process."""

    def __init__(self) -> None:
        self.kernel: PooledKernel | None = None
        self._exporter = None

    @property
    def exporter(self):
        """The HTML exporter of this worker, built once."""
        if self._exporter is None:
            from bankperf_analysis.runner.render import make_exporter

            self._exporter = make_exporter()
        return self._exporter

    def _acquire(self, task: ReportTask, cwd: str) -> tuple[PooledKernel, bool]:
        k = self.kernel
        if k is not None and (k.options != task.options or not k.alive()):
            self.drop_kernel()
            k = None
        if k is not None:
            try:
                k.reset(cwd)
                return k, True
            except Exception:  # noqa: BLE001 - a kernel that cannot reset is replaced
                self.drop_kernel()
        self.kernel = PooledKernel(task.options, cwd, while_starting=self._warm)
        return self.kernel, False

    def _warm(self) -> None:
        """Import papermill and build the exporter while a new kernel boots."""
        import papermill  # noqa: F401

        ensure_engine()
        _ = self.exporter

    def drop_kernel(self) -> None:
        """Stop this worker's kernel (a new one starts with the next report)."""
        if self.kernel is not None:
            self.kernel.close()
            self.kernel = None

    def close(self) -> None:
        """Stop the worker's kernel."""
        self.drop_kernel()

    def run(self, task: ReportTask) -> TaskOutcome:
        """Execute and render one report; never raises for a report's own failure."""
        t0 = time.perf_counter()
        try:
            outcome = self._run(task)
        except Exception as exc:  # noqa: BLE001 - bookkeeping must survive anything
            self.drop_kernel()
            outcome = failed_outcome(
                task, "runner",
                f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}")
        outcome.duration_s = time.perf_counter() - t0
        return outcome

    def _run(self, task: ReportTask) -> TaskOutcome:
        import nbformat

        cwd = str(Path(task.notebook_path).parent)
        try:
            kernel, reused = self._acquire(task, cwd)
        except KernelStartError as exc:
            return failed_outcome(task, "kernel_start", str(exc))
        nb, failure, replace_kernel = self._execute(task, kernel)
        kernel.reports_run += 1
        if replace_kernel or kernel.reports_run >= task.options.max_reports:
            self.drop_kernel()
        if failure is None:
            outcome = self._render(task, nb)
        else:
            outcome = TaskOutcome(id=task.id, quarter=task.quarter, ok=False, failure=failure)
        if not outcome.ok and nb is not None:  # kept for debugging, with the runner's verdict
            f = outcome.failure or {}
            where = f" in cell [{f['cell_index']}]" if f.get("cell_index") is not None else ""
            note = nbformat.v4.new_markdown_cell(
                f"**bankperf runner: report failed ({f.get('kind')}){where}:** "
                f"{f.get('message', '')}"
            )
            note.metadata["tags"] = ["bankperf-failure"]
            nb.cells.insert(0, note)
            outcome.notebook_json = nbformat.writes(nb)
        outcome.kernel_reused = reused
        return outcome

    @staticmethod
    def _execute(task: ReportTask, kernel: PooledKernel):
        """Run the notebook with papermill on ``kernel``, under the report deadline.

        Returns ``(executed notebook or None, failure dict or None, replace_kernel)``.
        """
        import nbformat
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from papermill import execute_notebook
        from papermill.exceptions import PapermillExecutionError

        ensure_engine()
        state = _ExecState()
        lock = threading.Lock()
        deadline_hit = threading.Event()

        def _on_deadline() -> None:
            with lock:
                if not state.finished:
                    deadline_hit.set()
                    kernel.kill_process()  # nbclient then raises DeadKernelError

        timer = None
        if task.timeout_report:
            timer = threading.Timer(task.timeout_report, _on_deadline)
            timer.daemon = True
            timer.start()
        try:
            nb = execute_notebook(
                nbformat.reads(task.notebook_json, as_version=4),
                None,
                parameters=dict(task.parameters),
                engine_name=ENGINE_NAME,
                kernel_name=kernel.papermill_kernel_name,
                language="python",
                progress_bar=False,
                report_mode=True,
                start_timeout=task.options.startup_timeout,
                execution_timeout=task.timeout_cell,
                bankperf_kernel=kernel,
                bankperf_state=state,
            )
            return nb, None, deadline_hit.is_set()
        except PapermillExecutionError as exc:  # a cell raised: the kernel itself is fine
            nb = state.nb_man.nb if state.nb_man is not None else None
            failure = _failure("error", f"{exc.ename}: {exc.evalue}", nb, exc.cell_index,
                               exc.source, exc.ename, exc.evalue)
            return nb, failure, deadline_hit.is_set()
        except Exception as exc:  # noqa: BLE001 - timeouts, dead kernel, anything else
            nb = state.nb_man.nb if state.nb_man is not None else None
            idx = getattr(state.client, "current_index", None)
            source = nb.cells[idx].source if nb is not None and idx is not None else ""
            if deadline_hit.is_set():
                kind = "report_timeout"
                message = (f"the report did not finish within {task.timeout_report:g} s "
                           "(kernel killed)")
            elif isinstance(exc, CellTimeoutError):
                kind, message = "cell_timeout", f"a cell did not finish within {task.timeout_cell:g} s"
            elif isinstance(exc, DeadKernelError):
                kind, message = "kernel_died", "the kernel died while running the report"
            else:
                kind, message = "runner", f"{type(exc).__name__}: {exc}"
            failure = _failure(kind, message, nb, idx, source, type(exc).__name__, str(exc))
            return nb, failure, True  # the kernel may still be busy or dead: replace it
        finally:
            with lock:
                state.finished = True
            if timer is not None:
                timer.cancel()

    def _render(self, task: ReportTask, nb) -> TaskOutcome:
        """Render an executed notebook; refuse to publish live or external content."""
        from bankperf_analysis.runner.render import (
            pop_headline,
            render_report,
            strip_papermill_markers,
            unsafe_content,
        )

        headline = pop_headline(nb)
        strip_papermill_markers(nb)
        generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        try:
            page = render_report(
                self.exporter,
                nb,
                bankperf={
                    "title": task.title,
                    "html_lang": "zh-CN" if task.lang == "zh" else "en",
                    "input_key": task.input_key,
                    "version": task.version,
                    "footer_rows": [*task.footer_rows, (task.generated_label, generated)],
                },
                toc_heading=task.toc_heading,
            )
        except Exception as exc:  # noqa: BLE001
            failure = _failure("render", f"HTML rendering failed: {exc!r}", None, None, "",
                               type(exc).__name__, str(exc))
            return TaskOutcome(id=task.id, quarter=task.quarter, ok=False, failure=failure)
        problems = unsafe_content(page)
        if problems:
            message = ("the report contains live or external content: " + "; ".join(problems)
                       + " (escape names with bankperf_analysis.i18n.md_escape / safe_html)")
            return TaskOutcome(id=task.id, quarter=task.quarter, ok=False,
                               failure=_failure("unsafe_html", message))
        try:
            json.dumps(headline)
        except (TypeError, ValueError):
            headline = {}
        return TaskOutcome(id=task.id, quarter=task.quarter, ok=True, html=page,
                           headline=headline, generated_at=generated)


def _failure(kind: str, message: str, nb=None, exec_index: int | None = None, source: str = "",
             ename: str = "", evalue: str = "") -> dict[str, Any]:
    return {
        "kind": kind,
        "message": message,
        "cell_index": _source_index(nb, exec_index) if nb is not None else None,
        "cell_source": _excerpt(source or ""),
        "ename": ename,
        "evalue": (evalue or "")[:500],
    }


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


# --------------------------------------------------------------------------- local process pool


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
            proc = ctx.Process(target=_worker_main, args=(child,), daemon=True,
                               name="bankperf-report-worker")
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
                        task, h.task = h.task, None
                        h.proc.join(1)
                        on_outcome(failed_outcome(
                            task, "worker_died",
                            f"the worker process died (exit code {h.proc.exitcode})"))
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

"""One report on a worker: run the notebook with papermill on a reused kernel, render the HTML.

* :class:`ReportTask` is everything a worker needs for one report (picklable: it travels
  to worker processes and Dask workers); :class:`TaskOutcome` is what comes back (HTML
  text or a failure).
* :class:`ReportWorker` owns one kernel (:class:`~bankperf_analysis.runner.kernels.PooledKernel`)
  and one HTML exporter and turns a task into an outcome; it never writes a file: the
  parent process does, atomically (:mod:`bankperf_analysis.runner.publish`).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bankperf_analysis.l10n import DEFAULT_TIMEZONE, local_time
from bankperf_analysis.runner.kernels import (
    ENGINE_NAME,
    ExecState,
    KernelOptions,
    KernelStartError,
    PooledKernel,
    ensure_engine,
)

__all__ = ["ReportTask", "TaskOutcome", "failed_outcome", "ReportWorker"]


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
    file: str = ""
    running_footer: str = ""  # printed at the foot of every page (the data fingerprint)
    timezone: str = DEFAULT_TIMEZONE


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
    file: str = ""


def failed_outcome(task: ReportTask, kind: str, message: str) -> TaskOutcome:
    """Outcome of a task that failed outside the notebook (worker died, kernel would not start)."""
    return TaskOutcome(
        id=task.id, quarter=task.quarter, ok=False, failure=_failure(kind, message), file=task.file
    )


def _source_index(nb, exec_index: int | None) -> int | None:
    """Index in the source notebook of cell ``exec_index`` of the executed notebook."""
    if exec_index is None:
        return None
    cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]
    if exec_index >= len(cells):
        return None
    injected = sum("injected-parameters" in c.metadata.get("tags", []) for c in cells[:exec_index])
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
                task, "runner", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=8)}"
            )
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
            outcome = TaskOutcome(id=task.id, quarter=task.quarter, ok=False, failure=failure, file=task.file)
        if not outcome.ok and nb is not None:  # kept for debugging, with the runner's verdict
            f = outcome.failure or {}
            where = f" in cell [{f['cell_index']}]" if f.get("cell_index") is not None else ""
            note = nbformat.v4.new_markdown_cell(
                f"**bankperf runner: report failed ({f.get('kind')}){where}:** {f.get('message', '')}"
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
        state = ExecState()
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
            failure = _failure(
                "error", f"{exc.ename}: {exc.evalue}", nb, exc.cell_index, exc.source, exc.ename, exc.evalue
            )
            return nb, failure, deadline_hit.is_set()
        except Exception as exc:  # noqa: BLE001 - timeouts, dead kernel, anything else
            nb = state.nb_man.nb if state.nb_man is not None else None
            idx = getattr(state.client, "current_index", None)
            source = nb.cells[idx].source if nb is not None and idx is not None else ""
            if deadline_hit.is_set():
                kind = "report_timeout"
                message = f"the report did not finish within {task.timeout_report:g} s (kernel killed)"
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
        from bankperf_analysis.runner.render import pop_headline, render_report, strip_papermill_markers
        from bankperf_analysis.runner.safety import unsafe_content

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
                    "footer_rows": [
                        *task.footer_rows,
                        (task.generated_label, local_time(generated, task.timezone, task.lang)),
                    ],
                    "running_header": task.title,
                    "running_footer": task.running_footer,
                },
                toc_heading=task.toc_heading,
            )
        except Exception as exc:  # noqa: BLE001
            failure = _failure(
                "render", f"HTML rendering failed: {exc!r}", None, None, "", type(exc).__name__, str(exc)
            )
            return TaskOutcome(id=task.id, quarter=task.quarter, ok=False, failure=failure, file=task.file)
        problems = unsafe_content(page)
        if problems:
            message = (
                "the report contains live or external content: "
                + "; ".join(problems)
                + " (escape names with bankperf_analysis.i18n.md_escape / safe_html)"
            )
            return TaskOutcome(
                id=task.id,
                quarter=task.quarter,
                ok=False,
                failure=_failure("unsafe_html", message),
                file=task.file,
            )
        try:
            json.dumps(headline)
        except (TypeError, ValueError):
            headline = {}
        return TaskOutcome(
            id=task.id,
            quarter=task.quarter,
            ok=True,
            html=page,
            headline=headline,
            generated_at=generated,
            file=task.file,
        )


def _failure(
    kind: str,
    message: str,
    nb=None,
    exec_index: int | None = None,
    source: str = "",
    ename: str = "",
    evalue: str = "",
) -> dict[str, Any]:
    return {
        "kind": kind,
        "message": message,
        "cell_index": _source_index(nb, exec_index) if nb is not None else None,
        "cell_source": _excerpt(source or ""),
        "ename": ename,
        "evalue": (evalue or "")[:500],
    }

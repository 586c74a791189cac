"""Run a parameterized notebook for many items (branches) and publish HTML reports.

:func:`run_reports` is the engine behind ``bankperf report``::

    result = run_reports(
        "notebooks/branch_quarter.ipynb",
        [{"branch_id": b, "data_dir": data, "quarter": "2026Q3"} for b in branches],
        "outputs",
        lang="zh",
        fingerprint=dataset.fingerprint,
        params_hash=scheme.params_hash(),
        prepare=compute_shared_inputs,   # once per batch, in this process
    )
    sys.exit(result.exit_code)

What it guarantees:

* **Fast.** Parallel worker processes (``jobs``, default ``os.cpu_count()``), each
  with a long-lived kernel that is reset between reports and replaced after
  ``max_reports_per_kernel`` reports, a failure or a timeout; HTML is rendered in
  the worker with one exporter instance. papermill still runs every notebook
  (through the ``bankperf`` engine), so parameter injection, per-cell timeouts and
  error capture are papermill's. ``scheduler="tcp://host:8786"`` fans out on a Dask
  cluster instead.
* **Incremental.** A report whose inputs (notebook content, item parameters, lang,
  title, data fingerprint, params hash, and the code digest of the package: its
  source files and templates) did not change and whose HTML exists is not run again
  (``force=True`` re-runs). The input key is kept in
  ``<out>/<quarter>/.bankperf-cache.json`` and in the HTML itself
  (:mod:`bankperf_analysis.runner.cache`); every footer shows the code digest.
* **Truthful.** Status comes from the runner's own bookkeeping, never from parsing a
  notebook. A failed report publishes no HTML: a previous good HTML of that item is
  *removed* (so nobody reads last run's numbers as current), the executed notebook is
  kept in ``<out>/<quarter>/_failed/<id>.ipynb``, the index shows the failure, the
  batch goes on, and :attr:`RunResult.exit_code` is 1.
* **Safe.** Every file is written atomically; item ids must be safe file names;
  parameters must be declared in the notebook's ``parameters`` cell and are passed
  through papermill's Python API (``"0012"`` stays a string); the report template
  carries no JavaScript and no external URL, and a report whose outputs contain a
  live ``<script>`` (an unescaped name) fails instead of being published.

The steps live in their own modules: ``plan`` (validate and key the items), ``cache``,
``worker`` / ``kernels`` / ``pool`` (execute), ``render`` (HTML), ``publish`` (write).

Notebooks record their headline numbers for the index page with
:func:`bankperf_analysis.report.record_headline` and escape names with
:func:`bankperf_analysis.i18n.md_escape`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bankperf_analysis import __version__
from bankperf_analysis._provenance import code_digest
from bankperf_analysis._validation import check_int, check_positive
from bankperf_analysis.exceptions import ParamsError, ReportError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.runner.cache import folder_lock, load_manifest, remove_temps, split_cached
from bankperf_analysis.runner.items import ReportItem, ReportOutcome, RunResult
from bankperf_analysis.runner.kernels import DEFAULT_PRELOAD, KernelOptions
from bankperf_analysis.runner.plan import Planned, plan_items
from bankperf_analysis.runner.pool import LocalPool, run_dask
from bankperf_analysis.runner.publish import Publisher, write_indexes
from bankperf_analysis.runner.worker import ReportTask

__all__ = ["run_reports", "RunOptions"]


@dataclass(frozen=True)
class RunOptions:
    """How :func:`run_reports` executes the reports (its keyword options).

    Attributes
    ----------
    jobs : int, optional
        Local worker processes (default ``os.cpu_count()``); ignored with ``scheduler``.
    scheduler : str or distributed.Client, optional
        Dask scheduler address (``"tcp://host:8786"``) or client: run on the cluster.
        Workers must share the package's code, and the paths in the parameters
        (``data_dir``, ``shared_inputs``) must be visible from the workers.
    timeout_cell, timeout_report : float or None
        Seconds a cell (papermill ``execution_timeout``) / a whole report may run; a
        report past its time fails and its kernel is replaced.
    progress : bool
        Show a tqdm bar with done / failed / cached counts.
    kernel_name : str, optional
        Kernel spec to use; default: this interpreter (``sys.executable``).
    max_reports_per_kernel : int
        Replace a worker's kernel after this many reports.
    preload : sequence of str, optional
        Modules imported once when a kernel starts (default pandas, pyplot, seaborn).
    """

    jobs: int | None = None
    scheduler: Any = None
    timeout_cell: float | None = 600.0
    timeout_report: float | None = 1800.0
    progress: bool = True
    kernel_name: str | None = None
    max_reports_per_kernel: int = 50
    preload: Sequence[str] | None = None

    def __post_init__(self) -> None:
        if self.jobs is not None:
            check_int(self.jobs, "jobs", "run_reports", low=1)
        check_positive(self.timeout_cell, "timeout_cell", "run_reports", allow_none=True)
        check_positive(self.timeout_report, "timeout_report", "run_reports", allow_none=True)
        check_int(self.max_reports_per_kernel, "max_reports_per_kernel", "run_reports", low=1)

    @classmethod
    def from_keywords(cls, options: Mapping[str, Any]) -> RunOptions:
        """The options from :func:`run_reports`' keywords; an unknown keyword is refused by name."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(options) - known)
        if unknown:
            raise ParamsError(
                f"run_reports got unknown option(s) {unknown}; its options are "
                f"notebook, items, out_dir, lang, quarter, fingerprint, params_hash, force, prepare, "
                f"id_param, on_result and {', '.join(sorted(known))}."
            )
        return cls(**options)

    def kernel_options(self) -> KernelOptions:
        """The kernel pool's settings."""
        preload = DEFAULT_PRELOAD if self.preload is None else self.preload
        return KernelOptions(
            kernel_name=self.kernel_name, max_reports=self.max_reports_per_kernel, preload=tuple(preload)
        )


@dataclass(frozen=True)
class _Run:
    """The settings of one :func:`run_reports` call, once its arguments are valid."""

    nb_path: Path
    nb_text: str
    lang: str
    out_root: Path
    force: bool
    prepare: Callable[..., str | os.PathLike] | None
    on_result: Callable[[ReportOutcome], None] | None
    opts: RunOptions
    version: str = __version__
    code: str = field(default_factory=code_digest)


def run_reports(
    notebook: str | os.PathLike,
    items: Iterable[Mapping[str, Any] | ReportItem],
    out_dir: str | os.PathLike,
    *,
    lang: str = "en",
    quarter: str | None = None,
    fingerprint: str = "",
    params_hash: str = "",
    force: bool = False,
    prepare: Callable[..., str | os.PathLike] | None = None,
    id_param: str = "branch_id",
    on_result: Callable[[ReportOutcome], None] | None = None,
    **options: Any,
) -> RunResult:
    """Run ``notebook`` once per item and publish HTML reports under ``out_dir/<quarter>/``.

    Parameters
    ----------
    notebook : path
        The parameterized notebook (a cell tagged ``parameters``).
    items : iterable of dict or ReportItem
        One per report: the notebook parameters (``branch_id``, ``data_dir``, ...) and
        optional metadata: ``id`` (default: the ``id_param`` value), ``title``,
        ``headline`` (numbers for the index page), ``fingerprint``, ``params_hash``.
    out_dir : path
        Output root; reports go to ``out_dir/<quarter>/<id>.html``.
    lang : {"en", "zh"}
        Report language; passed as the ``lang`` parameter when the notebook declares it.
    quarter : str, optional
        Quarter for items that do not carry a ``quarter`` parameter.
    fingerprint, params_hash : str
        Data fingerprint and scheme-parameters hash of the batch: printed in every
        footer, part of the cache key, and passed to notebooks that declare them.
    force : bool
        Re-run reports whose inputs did not change.
    prepare : callable, optional
        ``prepare(workdir=Path, items=list[ReportItem]) -> path``, called once, in this
        process, only when some report must run (``workdir``: ``out_dir/.bankperf-shared/``;
        ``items``: those that will run). Its path goes to every notebook as ``shared_inputs``
        (which it must declare); it is not part of the cache key.
    id_param : str
        Parameter that gives the item id when an item dict has no ``id``.
    on_result : callable, optional
        Called here with each :class:`ReportOutcome` as it is published (cached ones
        too). If it raises, the batch stops: workers and kernels are stopped, what was
        published stays, nothing is half-written.
    **options
        How the reports run (:class:`RunOptions`): ``jobs``, ``scheduler``, ``timeout_cell``,
        ``timeout_report``, ``progress``, ``kernel_name``, ``max_reports_per_kernel``, ``preload``.

    Returns
    -------
    RunResult

    Raises
    ------
    ParamsError
        Invalid items, parameters or options (nothing has been written).
    ReportError
        ``prepare`` failed, or another run holds the output folder.
    """
    t0 = time.perf_counter()
    opts = RunOptions.from_keywords(options)
    nb_path = _check_notebook(notebook, lang)
    nb_bytes = nb_path.read_bytes()
    run = _Run(nb_path, nb_bytes.decode("utf-8"), lang, Path(out_dir), force, prepare, on_result, opts)
    planned = plan_items(
        nb_path,
        items,
        lang=lang,
        quarter=quarter,
        fingerprint=fingerprint,
        params_hash=params_hash,
        id_param=id_param,
        with_shared_inputs=prepare is not None,
        nb_digest=hashlib.sha256(nb_bytes).hexdigest(),
        code_digest=run.code,
    )
    return _run_in_folders(planned, run, t0)


def _check_notebook(notebook: str | os.PathLike, lang: str) -> Path:
    """Validate the language and the notebook of :func:`run_reports`; return its absolute path."""
    check_lang(lang)
    nb_path = Path(notebook).resolve()
    if not nb_path.is_file():
        raise ParamsError(f"The notebook {nb_path} does not exist.")
    return nb_path


def _run_in_folders(planned: list[Planned], run: _Run, t0: float) -> RunResult:
    """Create the quarter folders (everything is valid: from here on we write) and lock them."""
    quarters = sorted({p.quarter for p in planned})
    folders = {q: run.out_root / q for q in quarters}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for folder in folders.values():
            stack.enter_context(folder_lock(folder))
        return _run_locked(planned, folders, run, t0)


def _run_locked(planned: list[Planned], folders: dict[str, Path], run: _Run, t0: float) -> RunResult:
    """Split cached from stale items, run the stale ones, publish, write the indexes."""
    manifests = {q: load_manifest(f) for q, f in folders.items()}
    remove_temps(folders)
    outcomes, to_run = split_cached(
        planned, folders, manifests, nb_path=run.nb_path, lang=run.lang, force=run.force
    )
    bar = _progress_bar(len(planned), run.opts.progress, "/".join(folders))
    publisher = Publisher(folders, manifests, to_run, run.nb_path, run.lang, outcomes, bar, run.on_result)
    publisher.announce_cached()
    try:
        if to_run:
            tasks = _tasks(to_run, run, shared=_prepare_shared(to_run, run))
            _execute(tasks, run, publisher.publish)
    finally:
        bar.close()
        index_paths = write_indexes(folders, manifests, run.lang, run.version)
    ordered = tuple(outcomes[(p.quarter, p.item.id)] for p in planned)
    return RunResult(ordered, tuple(index_paths), time.perf_counter() - t0)


def _prepare_shared(to_run: list[Planned], run: _Run) -> str | None:
    """Run the batch's ``prepare`` callable once; the absolute path of what it made."""
    if run.prepare is None:
        return None
    workdir = run.out_root / ".bankperf-shared"
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        # Kernels run in their own working directory: hand them an absolute path.
        return os.fspath(Path(run.prepare(workdir=workdir, items=[p.item for p in to_run])).resolve())
    except Exception as exc:
        raise ReportError(f"Preparing the shared inputs failed, so no report was run: {exc!r}") from exc


def _tasks(to_run: list[Planned], run: _Run, shared: str | None) -> list[ReportTask]:
    """One task per report to run, with its parameters, title and footer."""
    lang = run.lang
    tasks = []
    for p in to_run:
        params = dict(p.params)
        if shared is not None:
            params["shared_inputs"] = shared
        title = p.item.title or p.item.id
        tasks.append(
            ReportTask(
                id=p.item.id,
                quarter=p.quarter,
                notebook_path=str(run.nb_path),
                notebook_json=run.nb_text,
                parameters=params,
                lang=lang,
                title=f"{title} · {p.quarter}",
                input_key=p.key,
                footer_rows=(
                    (t("footer_fingerprint", lang), p.fingerprint or "–"),
                    (t("footer_params_hash", lang), p.params_hash or "–"),
                    (t("footer_version", lang), run.version),
                    (t("footer_code_digest", lang), run.code),
                ),
                generated_label=t("footer_generated", lang),
                toc_heading=t("heading_contents", lang),
                timeout_cell=run.opts.timeout_cell,
                timeout_report=run.opts.timeout_report,
                options=run.opts.kernel_options(),
                version=run.version,
            )
        )
    return tasks


def _execute(tasks: list[ReportTask], run: _Run, publish: Callable[[Any], None]) -> None:
    """Run the tasks on the Dask cluster or the local pool; ``publish`` gets each outcome."""
    if run.opts.scheduler is not None:
        run_dask(run.opts.scheduler, tasks, publish)
    else:
        n = min(run.opts.jobs or os.cpu_count() or 1, len(tasks))
        LocalPool(n).run(tasks, publish)


def _progress_bar(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", desc=desc, leave=True)

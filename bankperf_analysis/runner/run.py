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
  notebook. Invalid items, parameters or options are refused before anything is
  written (no folder, no index). The quarter folder is locked for the whole run
  (:func:`execute_plans`: every notebook of a batch under one lock, with nothing left
  behind); a second run is refused at once. The index is rewritten after every report
  and always tells the truth: reports being run are *pending*, a failed report is in
  red. A report that ran and failed publishes no HTML: a previous good HTML of that item
  is *removed* (so nobody reads last run's numbers as current), the executed notebook is
  kept in ``<out>/<quarter>/_failed/<file>.ipynb``; one that never ran (worker or kernel
  start-up, the shared inputs, a lost cluster) keeps its previous HTML, which the index
  labels as the previous run's. The batch goes on, and :attr:`RunResult.exit_code` is 1.
* **Safe.** Every file is written atomically; any item id is accepted and gets a safe
  file name (:mod:`bankperf_analysis.runner.names`); parameters must be declared in the
  notebook's ``parameters`` cell and are passed through papermill's Python API
  (``"0012"`` stays a string); the report template carries no JavaScript and no external
  URL, and a report whose outputs contain live or external content (an unescaped
  ``<script>``: :mod:`bankperf_analysis.runner.safety` parses the page) fails instead of
  being published. Kernel connection files live in a private folder and are removed.

The steps live in their own modules: ``plan`` and ``names`` (validate and key the items,
name their files), ``cache``, ``worker`` / ``worker_process`` / ``kernels`` / ``pool``
(execute), ``render`` and ``safety`` (HTML), ``publish`` (write).

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
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import DEFAULT_TIMEZONE, check_timezone, period_label
from bankperf_analysis.runner.cache import folder_lock, remove_temps, split_cached
from bankperf_analysis.runner.items import ReportItem, ReportOutcome, RunResult
from bankperf_analysis.runner.kernels import DEFAULT_PRELOAD, KernelOptions
from bankperf_analysis.runner.plan import Planned, plan_items
from bankperf_analysis.runner.pool import LocalPool, run_dask
from bankperf_analysis.runner.publish import Publisher, RunState
from bankperf_analysis.runner.worker import ReportTask

__all__ = ["run_reports", "RunOptions", "RunPlan", "plan_run", "execute_plans"]


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
        Modules imported once when a kernel starts (default pandas and pyplot).
    timezone : str
        IANA time zone of the times the reports and the index show (the scheme's
        ``timezone``; default Asia/Shanghai). The manifest keeps UTC.
    """

    jobs: int | None = None
    scheduler: Any = None
    timeout_cell: float | None = 600.0
    timeout_report: float | None = 1800.0
    progress: bool = True
    kernel_name: str | None = None
    max_reports_per_kernel: int = 50
    preload: Sequence[str] | None = None
    timezone: str = DEFAULT_TIMEZONE

    def __post_init__(self) -> None:
        check_timezone(self.timezone, "run_reports")
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
    """The settings of one notebook's run, once its arguments are valid."""

    nb_path: Path
    nb_text: str
    lang: str
    out_root: Path
    force: bool
    prepare: Callable[..., str | os.PathLike] | None
    on_result: Callable[[ReportOutcome], None] | None
    opts: RunOptions
    footer: tuple[tuple[str, str], ...] = ()
    version: str = __version__
    code: str = field(default_factory=code_digest)


@dataclass(frozen=True)
class RunPlan:
    """One notebook's reports, validated, named and keyed: nothing has been written yet.

    Made by :func:`plan_run`; run (with the other notebooks of a batch, under one lock)
    by :func:`execute_plans`.
    """

    run: _Run
    planned: list[Planned]


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
    footer: Sequence[tuple[str, str]] = (),
    **options: Any,
) -> RunResult:
    """Run ``notebook`` once per item and publish HTML reports under ``out_dir/<quarter>/``.

    Parameters
    ----------
    notebook : path
        The parameterized notebook (a cell tagged ``parameters``).
    items : iterable of dict or ReportItem
        One per report: the notebook parameters (``branch_id``, ``data_dir``, ...) and
        optional metadata: ``id`` (default: the ``id_param`` value; any non-empty text),
        ``title``, ``headline`` (for the index page), ``fingerprint``, ``params_hash``,
        ``file`` (file name without ``.html``; default: :mod:`~bankperf_analysis.runner.names`).
    out_dir : path
        Output root; reports go to ``out_dir/<quarter>/<file>.html``.
    lang : {"en", "zh"}
        Report language; passed as the ``lang`` parameter when the notebook declares it.
    quarter : str, optional
        Quarter for items that do not carry a ``quarter`` parameter.
    fingerprint, params_hash : str
        Data fingerprint and scheme hash: in every footer and the cache key, and passed to
        notebooks that declare them.
    force : bool
        Re-run reports whose inputs did not change.
    prepare : callable, optional
        ``prepare(workdir=Path, items=list[ReportItem]) -> path``, called once here, only when
        some report must run (``workdir``: ``out_dir/.bankperf-shared/``); its path goes to
        every notebook as ``shared_inputs`` (not part of the cache key). If it raises, the
        reports fail with kind ``prepare`` (previous HTML kept) and nothing runs.
    id_param : str
        Parameter that gives the item id when an item dict has no ``id``.
    on_result : callable, optional
        Called with each :class:`ReportOutcome` as it is published (cached ones too). If
        it raises, the batch stops; the index shows the rest as not done.
    footer : sequence of (label, value)
        Extra footer rows (the scheme file, the data's encodings); part of the cache key.
    **options
        How the reports run: :class:`RunOptions` (``jobs``, ``scheduler``, timeouts...).

    Returns
    -------
    RunResult

    Raises
    ------
    ParamsError
        Invalid items, parameters or options (nothing written).
    ReportError
        Another run holds the output folder (nothing written).
    """
    plan = plan_run(
        notebook,
        items,
        out_dir,
        lang=lang,
        quarter=quarter,
        fingerprint=fingerprint,
        params_hash=params_hash,
        force=force,
        prepare=prepare,
        id_param=id_param,
        on_result=on_result,
        footer=footer,
        **options,
    )
    return execute_plans([plan])


def plan_run(
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
    footer: Sequence[tuple[str, str]] = (),
    **options: Any,
) -> RunPlan:
    """Validate one notebook's run (arguments as :func:`run_reports`); write nothing.

    Raises :class:`~bankperf_analysis.exceptions.ParamsError` for any invalid item,
    parameter or option.
    """
    opts = RunOptions.from_keywords(options)
    nb_path = _check_notebook(notebook, lang)
    nb_bytes = nb_path.read_bytes()
    rows = tuple((str(label), str(value)) for label, value in footer)
    run = _Run(nb_path, nb_bytes.decode("utf-8"), lang, Path(out_dir), force, prepare, on_result, opts, rows)
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
        footer=rows,
    )
    return RunPlan(run, planned)


def _check_notebook(notebook: str | os.PathLike, lang: str) -> Path:
    """Validate the language and the notebook of :func:`run_reports`; return its absolute path."""
    check_lang(lang)
    nb_path = Path(notebook).resolve()
    if not nb_path.is_file():
        raise ParamsError(f"The notebook {nb_path} does not exist.")
    return nb_path


def _check_together(plans: Sequence[RunPlan]) -> Path:
    """Plans run together share the output folder and language, and never a file name."""
    if not plans:
        raise ParamsError("execute_plans got no plan to run.")
    roots = {p.run.out_root.resolve() for p in plans}
    langs = {p.run.lang for p in plans}
    if len(roots) > 1 or len(langs) > 1:
        raise ParamsError(
            f"Plans run together must share one output folder and one lang. Got {sorted(map(str, roots))} "
            f"and {sorted(langs)} instead."
        )
    owners: dict[tuple[str, str], str] = {}
    for plan in plans:
        for p in plan.planned:
            key = (p.quarter, p.file.lower())
            if key in owners:
                raise ParamsError(
                    f"The reports {owners[key]!r} and {p.item.id!r} of {p.quarter} would share the file "
                    f"{p.file}.html; give one of them another 'file'."
                )
            owners[key] = p.item.id
    return plans[0].run.out_root


def execute_plans(plans: Sequence[RunPlan]) -> RunResult:
    """Run several validated plans as one batch, under one lock of each quarter folder.

    The quarter folders are created and locked only now (a refused run writes nothing);
    the lock is held from the first report to the last, so another run can neither
    interleave nor take over between the notebooks. Cached reports are found for every
    plan first, all reports to run are marked pending, then the plans run in order.
    """
    t0 = time.perf_counter()
    out_root = _check_together(plans)
    quarters = sorted({p.quarter for plan in plans for p in plan.planned})
    folders = {q: out_root / q for q in quarters}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        for folder in folders.values():
            stack.enter_context(folder_lock(folder))
        return _run_locked(plans, folders, t0)


def _run_locked(plans: Sequence[RunPlan], folders: dict[str, Path], t0: float) -> RunResult:
    """Split cached from stale reports, mark the stale ones pending, run each plan, write the indexes."""
    first = plans[0].run
    state = RunState(folders, first.lang, first.version, first.opts.timezone)
    remove_temps(folders)
    splits = [
        split_cached(
            plan.planned,
            folders,
            state.manifests,
            nb_path=plan.run.nb_path,
            lang=plan.run.lang,
            force=plan.run.force,
        )
        for plan in plans
    ]
    for plan, (_, to_run) in zip(plans, splits, strict=True):
        state.mark_pending(to_run, plan.run.nb_path, plan.run.lang)
    outcomes: dict[tuple[str, str], ReportOutcome] = {}
    try:
        if any(to_run for _, to_run in splits):
            state.write_all()
        for plan, (cached, to_run) in zip(plans, splits, strict=True):
            _run_plan(plan, cached, to_run, state)
            outcomes.update(cached)
    finally:
        index_paths = state.write_all()
    ordered = tuple(outcomes[(p.quarter, p.file)] for plan in plans for p in plan.planned)
    return RunResult(ordered, tuple(index_paths), time.perf_counter() - t0)


def _run_plan(
    plan: RunPlan, outcomes: dict[tuple[str, str], ReportOutcome], to_run: list[Planned], state: RunState
) -> None:
    """Run one plan's stale reports (``outcomes`` holds its cached ones and receives the others)."""
    run = plan.run
    bar = _progress_bar(len(plan.planned), run.opts.progress, _stage_label(plan))
    publisher = Publisher(state, to_run, run.nb_path, run.lang, outcomes, bar, run.on_result)
    publisher.announce_cached()
    try:
        if to_run:
            shared, error = _prepare_shared(to_run, run)
            if error:
                publisher.fail_all("prepare", error)
            else:
                _execute(_tasks(to_run, run, shared), run, publisher.publish)
    finally:
        bar.close()


def _prepare_shared(to_run: list[Planned], run: _Run) -> tuple[str | None, str]:
    """Run the batch's ``prepare`` callable once: (absolute path of what it made, error message)."""
    if run.prepare is None:
        return None, ""
    workdir = run.out_root / ".bankperf-shared"
    try:
        workdir.mkdir(parents=True, exist_ok=True)
        # Kernels run in their own working directory: hand them an absolute path.
        return os.fspath(Path(run.prepare(workdir=workdir, items=[p.item for p in to_run])).resolve()), ""
    except Exception as exc:  # noqa: BLE001 - every report to run fails, named, with this error
        return (
            None,
            f"preparing the shared inputs failed, so the report was not run: {type(exc).__name__}: {exc}",
        )


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
                title=f"{title} · {period_label(p.quarter, lang)}",
                input_key=p.key,
                footer_rows=(
                    (t("footer_fingerprint", lang), p.fingerprint or "–"),
                    (t("footer_params_hash", lang), p.params_hash or "–"),
                    *run.footer,
                    (t("footer_version", lang), run.version),
                    (t("footer_code_digest", lang), run.code),
                ),
                generated_label=t("footer_generated", lang),
                toc_heading=t("heading_contents", lang),
                timeout_cell=run.opts.timeout_cell,
                timeout_report=run.opts.timeout_report,
                options=run.opts.kernel_options(),
                version=run.version,
                file=p.file,
                running_footer=f"{t('footer_fingerprint', lang)} {(p.fingerprint or '–')[:16]}",
                timezone=run.opts.timezone,
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


#: The stage a notebook's progress bar names (by the notebook's file stem).
_STAGES = {
    "branch_quarter": "branch reports",
    "bank_overview": "overview",
    "annual_summary": "annual summary",
    "staffing_plan": "staffing plans",
    "incentive_study": "incentive studies",
    "branch_month": "monthly branch reports",
    "bank_month": "monthly overview",
}


def _stage_label(plan: RunPlan) -> str:
    """The label of a plan's progress bar: its period and stage (``"2026Q4 branch reports"``).

    The period is the reports' year when they take a ``year`` parameter (the annual summary:
    ``"2026 annual summary"``), else their quarter(s); a notebook without a known stage is
    named by its file stem.
    """
    years = {str(p.params["year"]) for p in plan.planned if "year" in p.params}
    period = "/".join(sorted(years or {p.quarter for p in plan.planned}))
    stem = plan.run.nb_path.stem
    return f"{period} {_STAGES.get(stem, stem.replace('_', ' '))}".strip()


def _progress_bar(total: int, enabled: bool, desc: str):
    from tqdm.auto import tqdm

    return tqdm(total=total, disable=not enabled, unit="report", desc=desc, leave=True)

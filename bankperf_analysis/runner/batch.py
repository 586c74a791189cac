"""The report batch of a quarter: every branch report, the bank overview and, in Q4, the year.

:func:`build_reports` is what ``bankperf report`` runs. In order:

1. check the arguments and read the scheme; read the dataset's fingerprint and branches
   (a quick read, without the full validation);
2. plan every report of the batch: the branch reports, the overview and the annual
   summary, each with its file name (:mod:`bankperf_analysis.runner.names`: a branch id
   of any characters reports, and never takes a bank-level file) and its cache key;
3. only if some report must run, validate the dataset in full;
4. only then create and lock the quarter folder, for the whole batch, and run.

A refused run (bad arguments, invalid or unreadable data, the folder locked by another
run) therefore writes nothing at all: no folder, no index, no lock file.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bankperf_analysis._resources import default_scheme_path
from bankperf_analysis._resources import notebook_path as _notebook
from bankperf_analysis.dataset.database import is_database_url, password_via_environment
from bankperf_analysis.dataset.load import default_cache_dir, encodings_text
from bankperf_analysis.exceptions import (
    DataValidationError,
    ParamsError,
    UnreadableInputError,
    ValidationIssue,
)
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.periods import Period
from bankperf_analysis.runner.cache import count_stale
from bankperf_analysis.runner.items import ReportItem, RunResult
from bankperf_analysis.runner.names import report_stems
from bankperf_analysis.runner.plan import declared_parameters
from bankperf_analysis.runner.run import RunPlan, execute_plans, plan_run
from bankperf_analysis.runner.timings import PhaseClock
from bankperf_analysis.scheme import load_scheme

__all__ = ["build_reports", "BatchSetup", "setup_batch"]


@dataclass(frozen=True)
class _DataInfo:
    """What the batch needs to know of the dataset before running anything."""

    fingerprint: str
    names: dict[str, str]  # branch id -> branch name
    encodings: dict[str, str]  # table -> encoding read (when the dataset says)
    names_zh: dict[str, str] = field(default_factory=dict)  # branch id -> Chinese name, when given

    def display_name(self, branch: str, lang: str) -> str:
        """The branch's name as a ``lang`` report shows it (its Chinese name in zh when given)."""
        return (self.names_zh.get(branch) if lang == "zh" else None) or self.names[branch]


@password_via_environment  # a database password reaches kernels in PGPASSWORD, not in parameters
def build_reports(
    data: str | Path,
    quarter: str,
    out: str | Path = "outputs",
    *,
    branches: list[str] | None = None,
    lang: str = "en",
    jobs: int | None = None,
    scheduler: str | None = None,
    force: bool = False,
    progress: bool = True,
    timeout_cell: float | None = 600.0,
    timeout_report: float | None = 1800.0,
    scheme_path: str | Path | None = None,
) -> RunResult:
    """Render the branch reports of ``quarter`` (and the bank overview) under ``out/<quarter>/``.

    Every report uses the batch's scheme (``scheme_path``, default: the packaged scheme)
    and its footer names it (name and file), with the data's encodings when the dataset
    reports them. The dataset is validated in full, and the inputs the reports share are
    computed once, only when some report has to run. Returns the runner's ``RunResult``.

    Raises
    ------
    ParamsError
        Bad arguments, an unknown branch, an invalid scheme (nothing written).
    DataValidationError
        The data break the contract (every problem listed; nothing written).
    UnreadableInputError
        The data or the scheme file cannot be read (nothing written).
    ReportError
        Another run holds the output folder (nothing written).

    Examples
    --------
    >>> res = build_reports("data/demo", "2026Q3", "outputs", progress=False)  # doctest: +SKIP
    >>> res.exit_code  # doctest: +SKIP
    0
    """
    q, clock = str(Period.parse(quarter)), PhaseClock()
    check_lang(lang)
    setup = setup_batch(data, out, scheme_path)
    clock.lap("fingerprint")
    chosen = _chosen_branches(branches, setup.info.names)
    options = setup.options(
        q,
        lang,
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        progress=progress,
        timeout_cell=timeout_cell,
        timeout_report=timeout_report,
    )
    batch = setup.batch(q, lang, options, clock)
    plans = batch.plans(
        chosen, not branches, _prepare_once(setup.data, q, setup.scheme_file, setup.cache, clock)
    )
    _validate_if_needed(plans, setup.data, setup.cache)
    clock.lap("validation")
    result = execute_plans(plans)
    clock.write_if_asked(quarter=q, branches=len(chosen), jobs=jobs, scheduler=scheduler)
    return result


def resolve_batch(
    data: str | Path, out: str | Path, scheme_path: str | Path | None
) -> tuple[str | Path, Path, Path | None, Any]:
    """``(data, out, scheme_file, scheme)`` of a batch, paths absolute and the scheme loaded.

    Kernels run in their own working directory, so every path they receive is absolute; a
    missing or unreadable scheme file raises UnreadableInputError (exit 4).
    """
    data = data if is_database_url(data) else Path(data).resolve()
    scheme_file = Path(scheme_path).resolve() if scheme_path else None
    return data, Path(out).resolve(), scheme_file, load_scheme(scheme_file)


@dataclass(frozen=True)
class BatchSetup:
    """What every batch reads before it plans (:func:`setup_batch`): paths, scheme, cache, dataset facts.

    The quarter reports, the monthly reports, the incentive study and the staffing reports all
    start from it, so they read the scheme, the data's fingerprint and branches, and give the
    runner its options, the same way.
    """

    data: Path | str  # absolute (or a database URL)
    out: Path  # absolute
    scheme_file: Path | None  # absolute; None: the packaged scheme
    scheme: Any
    cache: Path | None  # the user's fingerprint cache, outside ``out``
    info: _DataInfo

    def options(
        self,
        period: str,
        lang: str,
        *,
        jobs: int | None,
        force: bool,
        progress: bool,
        timeout_cell: float | None,
        timeout_report: float | None,
        scheduler: str | None = None,
    ) -> dict[str, Any]:
        """The runner's options of every report of the batch (``period``: the folder, a quarter or a month).

        Examples
        --------
        >>> setup = setup_batch("data/demo", "outputs", None)  # doctest: +SKIP
        >>> sorted(setup.options("2026Q4", "zh", jobs=2, force=False, progress=True, timeout_cell=600.0,
        ...                      timeout_report=1800.0))  # doctest: +SKIP
        ['fingerprint', 'force', 'jobs', 'lang', 'progress', 'quarter', 'scheduler', 'timeout_cell', ...]
        """
        return dict(
            lang=lang,
            quarter=period,
            fingerprint=self.info.fingerprint,
            jobs=jobs,
            scheduler=scheduler,
            force=force,
            timeout_cell=timeout_cell,
            timeout_report=timeout_report,
            progress=progress,
            timezone=self.scheme.timezone,
        )

    def batch(self, period: str, lang: str, options: Mapping[str, Any], clock: PhaseClock) -> _Batch:
        """The batch that plans the notebooks' reports with these settings."""
        return _Batch(
            self.data, period, self.out, lang, self.scheme, self.scheme_file, self.info, options, clock
        )


def setup_batch(
    data: str | Path,
    out: str | Path,
    scheme_path: str | Path | None,
    *,
    check: Callable[[Path | str], object] | None = None,
) -> BatchSetup:
    """Resolve the paths, load the scheme, then read the dataset's fingerprint and branches.

    ``check(data)`` (the resolved data), when given, runs after the scheme is loaded and before
    the dataset is read, so an argument it refuses costs no read. Nothing is written.

    Examples
    --------
    >>> setup = setup_batch("data/demo", "outputs", None)  # doctest: +SKIP
    >>> setup.out.is_absolute(), setup.info.fingerprint != ""  # doctest: +SKIP
    (True, True)
    """
    resolved, out_dir, scheme_file, scheme = resolve_batch(data, out, scheme_path)
    if check is not None:
        check(resolved)
    cache = default_cache_dir()  # the user's cache, outside ``out``: a refusal writes nothing there
    return BatchSetup(resolved, out_dir, scheme_file, scheme, cache, _dataset_info(resolved, cache))


@dataclass(frozen=True)
class _Batch:
    """The settings every notebook of one batch shares."""

    data: Path | str
    quarter: str
    out: Path
    lang: str
    scheme: Any
    scheme_file: Path | None
    info: _DataInfo
    options: Mapping[str, Any]
    clock: PhaseClock

    def plans(self, chosen: Sequence[str], whole_bank: bool, prepare) -> list[RunPlan]:
        """The branch reports; for the whole bank, the overview too (and, in Q4, the year)."""
        q, data = self.quarter, str(self.data)
        plans = [self.plan("branch_quarter.ipynb", self.branch_items(chosen), prepare, "branch reports")]
        if whole_bank:
            overview = {"id": "overview", "file": "overview", "data_dir": data, "quarter": q}
            overview["title"] = t("report_title_bank", self.lang)
            plans.append(self.plan("bank_overview.ipynb", [overview], prepare, "overview"))
            if Period.parse(q).start.month == 10:
                year = str(Period.parse(q).start.year)
                annual: dict[str, Any] = {"id": f"annual-{year}", "file": f"annual-{year}", "data_dir": data}
                annual["year"] = year
                annual["validated"] = True  # _validate_if_needed checks the data before any report runs
                annual["title"] = t("title_annual", self.lang, year=period_label(year, self.lang))
                plans.append(self.plan("annual_summary.ipynb", [annual], None, "annual summary"))
        return plans

    def branch_items(self, chosen: Sequence[str]) -> list[dict[str, Any]]:
        """One item per branch; file names are stable over every branch of the dataset."""
        stems = report_stems(self.info.names)
        return [
            {
                "id": b,
                "file": stems[b],
                "branch_id": b,
                "data_dir": str(self.data),
                "quarter": self.quarter,
                "title": f"{self.info.display_name(b, self.lang)} ({b})",
            }
            for b in chosen
        ]

    def plan(self, notebook: str, items: list[dict[str, Any]], prepare=None, phase: str = "") -> RunPlan:
        """Plan one notebook's reports with the batch's scheme; refuse a scheme it cannot take.

        Each report that finishes marks the time of ``phase`` on the batch's clock.
        """
        nb = _notebook(notebook)
        takes_scheme = "scheme_path" in declared_parameters(nb)
        if self.scheme_file is not None and not takes_scheme:
            raise ParamsError(
                f"The notebook {notebook} declares no 'scheme_path' parameter, so its report cannot use "
                f"the scheme {self.scheme_file}; nothing was written. Run without --scheme, or update the "
                "notebook."
            )
        extra = {"scheme_path": str(self.scheme_file or "")} if takes_scheme else {}
        return plan_run(
            nb,
            [{**item, **extra} for item in items],
            self.out,
            params_hash=self.scheme.params_hash(),
            prepare=prepare,
            on_result=lambda _outcome: self.clock.seen(phase or notebook),
            footer=self.footer(),
            **self.options,
        )

    def footer(self) -> list[tuple[str, str]]:
        """The footer rows naming the scheme (name and file) and the data's encodings."""
        lang = self.lang
        rows = [(t("footer_scheme", lang), scheme_text(self.scheme, self.scheme_file, lang))]
        if self.info.encodings:
            text = encodings_text(dict(sorted(self.info.encodings.items())), lang)
            rows.append((t("footer_encodings", lang), text))
        return rows


def scheme_text(scheme, scheme_file: Path | None, lang: str) -> str:
    """The scheme as a footer names it: its name and file (the packaged one in ``lang``)."""
    if scheme_file:
        return f"{scheme.name} ({scheme_file})"
    if scheme.name == "default":  # the packaged scheme: its name in the report's language
        return f"{t('footer_scheme_default', lang)} ({_default_name()})"
    return f"{scheme.name} ({t('footer_scheme_default', lang)}, {_default_name()})"


def _default_name() -> str:
    path = default_scheme_path()
    return "/".join(path.parts[-2:])


def _dataset_info(data: Path | str, cache: Path | None = None) -> _DataInfo:
    """The dataset's fingerprint, branches (id -> name) and encodings, without a full validation.

    A dataset the quick read cannot take is validated in full, so that it is refused with
    every problem named rather than with a raw error.
    """
    from bankperf_analysis.dataset.load import load_dataset

    try:
        with load_dataset(data, validate=False, fingerprint_cache=cache) as ds:
            fingerprint = ds.fingerprint
            rows = ds.sql("SELECT branch_id, branch_name, branch_name_zh FROM branches ORDER BY branch_id")
            encodings = getattr(ds, "encodings", None) or {}
    except DataValidationError:
        raise
    except Exception as exc:  # noqa: BLE001 - name the problem through the full validation
        with load_dataset(data):
            pass
        raise UnreadableInputError(
            [
                ValidationIssue(
                    "branches", str(data), None, "", f"{type(exc).__name__}: {exc}", "a readable dataset"
                )
            ]
        ) from exc
    names = dict(zip(rows.branch_id.astype(str), rows.branch_name.astype(str), strict=True))
    zh = {
        str(b): str(n)
        for b, n in zip(rows.branch_id, rows.branch_name_zh, strict=True)
        if isinstance(n, str) and n
    }
    return _DataInfo(fingerprint, names, {str(k): str(v) for k, v in dict(encodings).items() if v}, zh)


def _chosen_branches(branches: Sequence[str] | None, names: Mapping[str, str]) -> list[str]:
    """The branches to report on (default: all); unknown ids are refused before anything runs."""
    chosen = [str(b) for b in branches] if branches else list(names)
    unknown = [b for b in chosen if b not in names]
    if unknown:
        raise ParamsError(
            f"Unknown branch id(s) {unknown}: the dataset has "
            f"{', '.join(list(names)[:20])}{' ...' if len(names) > 20 else ''}."
        )
    return chosen


def _validate_if_needed(plans: Sequence[RunPlan], data: Path | str, cache: Path | None = None) -> None:
    """Validate the dataset in full when some report must run (else nothing to check).

    A cached report was made from the same data (the fingerprint) by the same code (the
    code digest), which validated them then; so a batch with nothing to run skips it.
    """
    from bankperf_analysis.dataset.load import load_dataset

    if any(count_stale(plan.planned, plan.run.out_root, force=plan.run.force) for plan in plans):
        load_dataset(data, fingerprint_cache=cache).close()


def prepare_hook(compute: Callable[[Path], Path]) -> Callable[[Path, Sequence[ReportItem]], Path]:
    """A runner ``prepare`` hook that calls ``compute(workdir)`` once per batch (or fails once).

    Every plan of the batch gets the same folder; a failure is raised again for each plan
    rather than computed again.
    """
    prepared: dict[str, Any] = {}

    def prepare(workdir: Path, items: Sequence[ReportItem]) -> Path:
        if "error" in prepared:
            raise prepared["error"]
        if "path" not in prepared:
            try:
                prepared["path"] = compute(Path(workdir).resolve())
            except Exception as exc:
                prepared["error"] = exc
                raise
        return prepared["path"]

    return prepare


def _prepare_once(data: Path | str, q: str, scheme_file: Path | None, cache: Path | None, clock: PhaseClock):
    """The runner's ``prepare`` hook: the shared inputs, computed once per batch (or failed once).

    They are computed in a child process (:mod:`~bankperf_analysis.runner.prepare_process`),
    whose memory peak ends with it instead of staying beside the workers.
    """
    from bankperf_analysis.runner.prepare_process import prepare_in_child

    def compute(workdir: Path) -> Path:
        t0 = time.perf_counter()
        try:
            return prepare_in_child(data, q, workdir / q, scheme_file, cache)
        finally:
            clock.add("shared inputs", time.perf_counter() - t0)

    return prepare_hook(compute)

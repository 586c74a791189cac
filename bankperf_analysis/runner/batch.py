"""The report batch of a quarter: every branch report, the bank overview and, in Q4, the year.

:func:`build_reports` is what ``bankperf report`` runs: it fingerprints the dataset,
prepares the inputs the reports share (once, only when some report must run) and runs
the report notebooks through :func:`bankperf_analysis.runner.run.run_reports`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from bankperf_analysis._resources import notebook_path as _notebook
from bankperf_analysis.dataset.database import is_database_url, password_via_environment
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period
from bankperf_analysis.runner.items import ReportItem, RunResult
from bankperf_analysis.runner.plan import declared_parameters
from bankperf_analysis.runner.run import run_reports

__all__ = ["build_reports"]


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

    The dataset is fingerprinted here (cheap); it is validated and the shared inputs
    are computed once, by :func:`bankperf_analysis.report.prepare_batch`, only when
    some report has to run. Notebooks that declare a ``scheme_path`` parameter get the
    batch's scheme (``""``: the default scheme). Returns the runner's ``RunResult``.
    """
    from bankperf_analysis.scheme import load_scheme

    q = str(Period.parse(quarter))
    # Kernels run in their own working directory: every path they receive is absolute.
    data = data if is_database_url(data) else Path(data).resolve()
    out = Path(out).resolve()
    scheme = load_scheme(scheme_path) if scheme_path else load_scheme()
    fingerprint, names = _dataset_branches(data)
    chosen = _chosen_branches(branches, names)
    common: dict[str, Any] = dict(
        lang=lang,
        quarter=q,
        fingerprint=fingerprint,
        params_hash=scheme.params_hash(),
        jobs=jobs,
        scheduler=scheduler,
        force=force,
        timeout_cell=timeout_cell,
        timeout_report=timeout_report,
        progress=progress,
    )
    extra = {"scheme_path": str(Path(scheme_path).resolve()) if scheme_path else ""}
    prepare = _prepare_once(data, q, scheme_path)
    items = [
        {"id": b, "branch_id": b, "data_dir": str(data), "quarter": q, "title": f"{names[b]} ({b})"}
        for b in chosen
    ]
    runs = [_run("branch_quarter.ipynb", items, extra, out, prepare=prepare, **common)]
    if not branches:  # a full batch also renders the bank overview (and, in Q4, the year)
        overview = [
            {"id": "overview", "data_dir": str(data), "quarter": q, "title": "Bank overview / 全行概览"}
        ]
        runs.append(_run("bank_overview.ipynb", overview, extra, out, prepare=prepare, **common))
        if Period.parse(q).start.month == 10:
            year = str(Period.parse(q).start.year)
            annual = [
                {
                    "id": f"annual-{year}",
                    "data_dir": str(data),
                    "year": year,
                    "title": f"Annual summary / 年度总结 {year}",
                }
            ]
            runs.append(_run("annual_summary.ipynb", annual, extra, out, **common))
    return _merge(runs)


def _dataset_branches(data: Path | str) -> tuple[str, dict[str, str]]:
    """The dataset's fingerprint and its branches (id -> name), without a full validation."""
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(data, validate=False) as ds:
        fingerprint = ds.fingerprint
        all_branches = ds.sql("SELECT branch_id, branch_name FROM branches ORDER BY branch_id")
    return fingerprint, dict(zip(all_branches.branch_id.astype(str), all_branches.branch_name.astype(str)))


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


def _prepare_once(data: Path | str, q: str, scheme_path: str | Path | None):
    """The runner's ``prepare`` hook: the shared inputs, computed once per batch."""
    from bankperf_analysis.report.inputs import prepare_batch

    prepared: dict[str, Path] = {}

    def prepare(workdir: Path, items: list[ReportItem]) -> Path:
        # Once per batch, shared by the branch reports and the overview.
        if "path" not in prepared:
            prepared["path"] = prepare_batch(data, q, Path(workdir).resolve() / q, scheme_path=scheme_path)
        return prepared["path"]

    return prepare


def _run(
    notebook: str, items: list[dict[str, Any]], extra: Mapping[str, Any], out: Path, **options: Any
) -> RunResult:
    """Run one report notebook; ``extra`` parameters go to it only if it declares them."""
    nb = _notebook(notebook)
    declared = declared_parameters(nb)
    passed = {k: v for k, v in extra.items() if k in declared}
    return run_reports(nb, [{**item, **passed} for item in items], out, **options)


def _merge(runs: list[RunResult]) -> RunResult:
    """One RunResult for several runner calls of the same batch."""
    first = runs[0]
    outcomes = tuple(o for r in runs for o in r.outcomes)
    index = tuple(dict.fromkeys(p for r in runs for p in r.index_paths))
    return replace(first, outcomes=outcomes, index_paths=index, duration_s=sum(r.duration_s for r in runs))

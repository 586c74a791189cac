"""The incentive study as a report (``bankperf report --kind incentive``): the quarter reports' exporter.

:func:`build_incentive_study` runs ``notebooks/incentive_study.ipynb`` through the same runner as
the branch reports (:func:`~bankperf_analysis.runner.run.plan_run`, one lock, the same cache,
HTML template, stylesheet, provenance footer and safety check) and lists each study on the
quarter folder's index page with its translated title and headline
(:func:`~bankperf_analysis.report.incentive_headline`).

**What the quarter means.** The study is written *as of* a quarter: its window ends at that
quarter (``until`` of :class:`~bankperf_analysis.incentives.study.IncentiveStudy`): later rows
are left out and a later adoption is not known yet. It goes to ``<out>/<quarter>/`` beside
that quarter's reports. Without a quarter, the last quarter of the data is taken: the study
then uses every period.

The scheme does not enter the study (it compares KPIs before and after adoption); the footer
names it, as every report's does, so that a study can be tied to the reports beside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bankperf_analysis._resources import notebook_path as _notebook
from bankperf_analysis.dataset.database import is_database_url
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.periods import Period
from bankperf_analysis.runner.batch import _validate_if_needed, setup_batch
from bankperf_analysis.runner.items import RunResult
from bankperf_analysis.runner.run import execute_plans, plan_run
from bankperf_analysis.runner.timings import PhaseClock

__all__ = ["build_incentive_study", "study_file", "last_quarter"]

NOTEBOOK = "incentive_study.ipynb"


def study_file(kpi: str, level: str = "branch-quarter") -> str:
    """The study's file name (without ``.html``) in its quarter folder.

    Examples
    --------
    >>> study_file("satisfaction_rate"), study_file("cross_sales_per_month", "staff-month")
    ('incentive-satisfaction-rate', 'incentive-cross-sales-per-month-staff-month')
    """
    stem = f"incentive-{kpi}" if level == "branch-quarter" else f"incentive-{kpi}-{level}"
    return stem.replace("_", "-")


def last_quarter(data: str | Path) -> str:
    """The last quarter any dated row of the dataset falls in (the study's default window end)."""
    from bankperf_analysis.dataset.load import load_dataset

    with load_dataset(data, validate=False) as ds:
        _, last = ds.coverage()
    if last is None:
        raise ParamsError(f"The dataset {data} has no dated row: there is no quarter to study.")
    return str(Period.parse(str(last)))


def build_incentive_study(
    data: str | Path,
    quarter: str | None = None,
    out: str | Path = "outputs",
    *,
    kpis: Sequence[str] = ("satisfaction_rate",),
    level: str = "branch-quarter",
    adoption: str | Path = "",
    lang: str = "en",
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    timeout_cell: float | None = 600.0,
    timeout_report: float | None = 1800.0,
    scheme_path: str | Path | None = None,
) -> RunResult:
    """Render the incentive study of each KPI as of ``quarter`` under ``out/<quarter>/``.

    Parameters
    ----------
    data : str or Path
        The data folder (the study reads a folder; a database URL is refused).
    quarter : str, optional
        Last quarter of the study window, e.g. ``"2026Q3"`` (default: the data's last quarter).
    out : str or Path
        Output root.
    kpis : sequence of str
        One study per KPI (a KPI of the catalogue).
    level : {"branch-quarter", "staff-quarter", "staff-month"}
        Unit and period of the panel.
    adoption : str or Path
        CSV of ``branch_id, adoption_period`` (default: the demo ``truth.json`` of the data).
    lang : {"en", "zh"}
    jobs, force, progress, timeout_cell, timeout_report, scheme_path :
        As in :func:`~bankperf_analysis.runner.batch.build_reports`.

    Returns
    -------
    RunResult

    Raises
    ------
    ParamsError
        A bad quarter, KPI, level, language or adoption table (nothing written).
    DataValidationError, UnreadableInputError
        The data break the contract or cannot be read (nothing written).
    ReportError
        Another run holds the output folder (nothing written).
    """
    check_lang(lang)
    if is_database_url(data):
        raise ParamsError(
            "The 'data' parameter of build_incentive_study must be a data folder (the study reads the "
            "folder and its adoption table). Got a database URL instead."
        )
    setup = setup_batch(data, out, scheme_path, check=lambda d: _check_study(Path(d), kpis, level, adoption))
    data = Path(setup.data)  # a folder: database URLs are refused above
    q = str(Period.parse(quarter)) if quarter else last_quarter(data)
    options = setup.options(
        q,
        lang,
        jobs=jobs,
        force=force,
        progress=progress,
        timeout_cell=timeout_cell,
        timeout_report=timeout_report,
    )
    batch = setup.batch(q, lang, options, PhaseClock())
    adoption_file = _adoption_file(adoption)  # as _check_study read it
    items = [_item(k, level, data, adoption_file, q, lang) for k in dict.fromkeys(kpis)]
    plan = plan_run(
        _notebook(NOTEBOOK),
        items,
        setup.out,
        params_hash=setup.scheme.params_hash(),
        footer=batch.footer(),
        **options,
    )
    _validate_if_needed([plan], data, setup.cache)
    return execute_plans([plan])


def _item(kpi: str, level: str, data: Path, adoption_file: str, quarter: str, lang: str) -> dict[str, Any]:
    """The runner's item of one study: its notebook parameters, file name and title."""
    return {
        "id": study_file(kpi, level),
        "file": study_file(kpi, level),
        "data_dir": str(data),
        "kpi": kpi,
        "level": level,
        "adoption_file": adoption_file,
        "quarter": quarter,
        "title": _title(kpi, lang),
    }


def _title(kpi: str, lang: str) -> str:
    """The study's title on the index page and in the tab: the report's own (``激励效果评估：客户满意度``)."""
    from bankperf_analysis.report.incentive import _lab

    return _lab(lang, "title", kpi=kpi_label(kpi, lang))


def _adoption_file(adoption: str | Path) -> str:
    """The adoption table's path, absolute (the kernel runs elsewhere); ``""``: the demo's truth.json."""
    return str(Path(adoption).resolve()) if str(adoption).strip() else ""


def _check_study(data: Path, kpis: Sequence[str], level: str, adoption: str | Path) -> None:
    """Refuse a KPI, level or adoption table the study cannot take."""
    from bankperf_analysis._validation import check_choice
    from bankperf_analysis.incentives.adoption import resolve_adoption
    from bankperf_analysis.incentives.dataset_panel import _LEVEL_SPEC, PANEL_LEVELS, _check_kpi

    func = "build_incentive_study"
    check_choice(level, "level", func, PANEL_LEVELS)
    if isinstance(kpis, str) or not kpis:
        raise ParamsError(
            f"The 'kpis' parameter of {func} must be a non-empty list of KPI names. Got {kpis!r} instead."
        )
    for k in kpis:
        _check_kpi(k, "kpis", func, _LEVEL_SPEC[level][0] == "staff")
    resolve_adoption(_adoption_file(adoption), data)  # a missing or malformed table is refused here

"""The staffing reports (``bankperf report --kind staffing``): one per branch, the quarter reports' exporter.

:func:`build_staffing_reports` runs ``notebooks/staffing_plan.ipynb`` for each branch asked
(default: every branch) through the same runner as the branch reports
(:func:`~bankperf_analysis.runner.run.plan_run`, one lock, the same cache, HTML template,
stylesheet, provenance footer and safety check), into ``<out>/<quarter>/staffing-<branch>.html``,
and lists them on the quarter's index page in their own group (定编与排班).

**One report per branch, not one bank study.** A roster (排班) is made, read and acted on
by one branch: its manager staffs its own counter and phone queues, week by week. The plan
under it (定编: required staff, headcount, posts, cost) is also per branch, and each branch's
planned vs current headcount and cost is already in its branch report. Head office's bank-wide
view is the index's staffing table: one row per branch with its scheduled FTE, planned headcount
(定编) and change, and the roster's weekly cost and service level. A bank page repeating every
branch's tables would give 1,000 branches' rosters that no one uses together; per-branch pages
are cached and re-run one by one when one branch's data change, and ``--branch`` renders just
the branches asked.

The scheme enters the plan (targets, shrinkage, salary) and the roster (shift templates,
meal breaks, days off, caps); the footer names it as every report's does.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bankperf_analysis.dataset.database import is_database_url
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.periods import Period
from bankperf_analysis.runner.batch import _chosen_branches, _validate_if_needed, setup_batch
from bankperf_analysis.runner.items import RunResult
from bankperf_analysis.runner.names import report_stems
from bankperf_analysis.runner.run import execute_plans
from bankperf_analysis.runner.timings import PhaseClock

__all__ = ["build_staffing_reports", "staffing_file", "NOTEBOOK"]

NOTEBOOK = "staffing_plan.ipynb"


def staffing_file(stem: str) -> str:
    """The staffing report's file name (without ``.html``) of a branch whose report stem is ``stem``.

    Examples
    --------
    >>> staffing_file("B01")
    'staffing-B01'
    """
    return f"staffing-{stem}"


def build_staffing_reports(
    data: str | Path,
    quarter: str,
    out: str | Path = "outputs",
    *,
    branches: Sequence[str] | None = None,
    lang: str = "en",
    jobs: int | None = None,
    force: bool = False,
    progress: bool = True,
    timeout_cell: float | None = 600.0,
    timeout_report: float | None = 1800.0,
    scheme_path: str | Path | None = None,
) -> RunResult:
    """Render the staffing report (plan, roster, what-if) of each branch under ``out/<quarter>/``.

    Parameters
    ----------
    data : str or Path
        The data folder or DuckDB file (a database URL is refused: the plan reads contacts per interval).
    quarter : str
        Basis quarter, e.g. ``"2026Q4"``: its contacts and roster; the plan and roster are for the next one.
    out : str or Path
        Output root.
    branches : sequence of str, optional
        Branch ids (default: every branch).
    lang : {"en", "zh"}
    jobs, force, progress, timeout_cell, timeout_report, scheme_path :
        As in :func:`~bankperf_analysis.runner.batch.build_reports`.

    Returns
    -------
    RunResult

    Raises
    ------
    ParamsError
        A bad quarter, an unknown branch, a bad language or scheme (nothing written).
    DataValidationError, UnreadableInputError
        The data break the contract or cannot be read (nothing written).
    ReportError
        Another run holds the output folder (nothing written).

    Examples
    --------
    >>> res = build_staffing_reports("data/demo", "2026Q4", "outputs", branches=["B01"])  # doctest: +SKIP
    >>> res.exit_code  # doctest: +SKIP
    0
    """
    check_lang(lang)
    q = str(Period.parse(quarter))
    if is_database_url(data):
        raise ParamsError(
            "The 'data' parameter of build_staffing_reports must be a data folder or DuckDB file. "
            "Got a database URL instead."
        )
    setup = setup_batch(data, out, scheme_path)
    chosen = _chosen_branches(list(branches) if branches else None, setup.info.names)
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
    items = _items(setup.info, chosen, str(setup.data), q, lang)
    plan = batch.plan(NOTEBOOK, items, None, "staffing plans")
    _validate_if_needed([plan], setup.data, setup.cache)
    return execute_plans([plan])


def _items(info: Any, chosen: Sequence[str], data: str, quarter: str, lang: str) -> list[dict[str, Any]]:
    """One runner item per branch: its notebook parameters, file name and title (the report's own)."""
    stems = report_stems(info.names)
    colon = "：" if lang == "zh" else ": "  # as the report's own title (StaffingReport.title)
    return [
        {
            "id": staffing_file(stems[b]),
            "file": staffing_file(stems[b]),
            "branch_id": b,
            "data_dir": data,
            "quarter": quarter,
            "title": f"{t('report_title_staffing', lang)}{colon}{info.display_name(b, lang)} ({b})",
        }
        for b in chosen
    ]

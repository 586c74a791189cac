"""Run the report notebooks for many branches: cache, kernels, workers, HTML and the index.

Modules, in the order of a run: ``batch`` (:func:`build_reports`, what ``bankperf
report`` runs; ``monthly``: :func:`build_monthly_reports`, ``--period``), ``run``
(:func:`run_reports`; :func:`plan_run` and :func:`execute_plans` for several notebooks
under one lock), ``items`` (what a run takes and gives back),
``plan`` and ``names`` (validate and key the items, name their files), ``cache`` (input
keys, manifest, the folder lock), ``worker`` / ``worker_process`` / ``kernels`` / ``pool``
(execute the notebooks), ``render`` and ``safety`` (HTML, index page, the safety check),
``publish`` (write the outcomes and the index); ``sheets`` (:func:`build_sheets`, the
per-person appraisal sheets of ``bankperf sheets``, no notebook); ``study``
(:func:`build_incentive_study`, ``bankperf report --kind incentive``) and the staffing reports
(:func:`build_staffing_reports`, ``bankperf report --kind staffing``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bankperf_analysis._lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them; imported lazily at run time
    from bankperf_analysis.runner.batch import build_reports
    from bankperf_analysis.runner.cache import MANIFEST_NAME
    from bankperf_analysis.runner.items import (
        ReportFailure,
        ReportItem,
        ReportOutcome,
        RunResult,
        exit_code,
        format_failures,
    )
    from bankperf_analysis.runner.monthly import build_monthly_reports
    from bankperf_analysis.runner.names import report_stems
    from bankperf_analysis.runner.plan import SAFE_ID
    from bankperf_analysis.runner.run import RunOptions, RunPlan, execute_plans, plan_run, run_reports
    from bankperf_analysis.runner.safety import unsafe_content
    from bankperf_analysis.runner.sheets import SheetsResult, build_sheets
    from bankperf_analysis.runner.staffing import build_staffing_reports
    from bankperf_analysis.runner.study import build_incentive_study

#: Where each public name lives. Imported on first use (module ``__getattr__``, PEP 562), so
#: that a report worker (``python -m bankperf_analysis.runner.worker_process``) imports only
#: what it runs -- kernels, HTML export -- and not pandas, DuckDB and SciPy through the batch
#: modules: about 170 MB less in each worker, and a faster start.
_WHERE: dict[str, str] = {
    "build_reports": "batch",
    "MANIFEST_NAME": "cache",
    "ReportItem": "items",
    "ReportFailure": "items",
    "ReportOutcome": "items",
    "RunResult": "items",
    "exit_code": "items",
    "format_failures": "items",
    "build_monthly_reports": "monthly",
    "report_stems": "names",
    "SAFE_ID": "plan",
    "RunOptions": "run",
    "RunPlan": "run",
    "execute_plans": "run",
    "plan_run": "run",
    "run_reports": "run",
    "unsafe_content": "safety",
    "SheetsResult": "sheets",
    "build_sheets": "sheets",
    "build_staffing_reports": "staffing",
    "build_incentive_study": "study",
}


__getattr__, __dir__ = lazy_exports(globals(), {n: f"{__name__}.{m}" for n, m in _WHERE.items()})


__all__ = [
    "build_reports",
    "build_monthly_reports",
    "build_sheets",
    "SheetsResult",
    "MANIFEST_NAME",
    "SAFE_ID",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "run_reports",
    "RunOptions",
    "RunPlan",
    "plan_run",
    "execute_plans",
    "report_stems",
    "unsafe_content",
    "exit_code",
    "format_failures",
    "build_incentive_study",
    "build_staffing_reports",
]

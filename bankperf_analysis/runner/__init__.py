"""Run the report notebooks for many branches: cache, kernels, workers, HTML and the index.

Modules, in the order of a run: ``batch`` (:func:`build_reports`, what ``bankperf
report`` runs), ``run`` (:func:`run_reports`), ``items`` (what a run takes and gives
back), ``plan`` (validate and key the items), ``cache`` (input keys, manifest),
``worker`` / ``kernels`` / ``pool`` (execute the notebooks), ``render`` (HTML, index
page), ``publish`` (write the outcomes).
"""

from __future__ import annotations

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
from bankperf_analysis.runner.plan import SAFE_ID
from bankperf_analysis.runner.run import RunOptions, run_reports

__all__ = [
    "build_reports",
    "MANIFEST_NAME",
    "SAFE_ID",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "run_reports",
    "RunOptions",
    "exit_code",
    "format_failures",
]

"""Run the report notebooks for many branches: cache, kernels, workers, HTML and the index."""

from __future__ import annotations

from bankperf_analysis.runner.batch import build_reports
from bankperf_analysis.runner.run import (
    MANIFEST_NAME,
    SAFE_ID,
    ReportFailure,
    ReportItem,
    ReportOutcome,
    RunResult,
    add_report_arguments,
    exit_code,
    format_failures,
    report_from_args,
    run_reports,
)

__all__ = [
    "build_reports",
    "MANIFEST_NAME",
    "SAFE_ID",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "run_reports",
    "exit_code",
    "format_failures",
    "add_report_arguments",
    "report_from_args",
]

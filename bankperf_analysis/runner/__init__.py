"""Run the report notebooks for many branches: cache, kernels, workers, HTML and the index."""

from __future__ import annotations

from bankperf_analysis.runner.run import (
    HEADLINE_MIME,
    MANIFEST_NAME,
    SAFE_ID,
    ReportFailure,
    ReportItem,
    ReportOutcome,
    RunResult,
    add_report_arguments,
    exit_code,
    format_failures,
    record_headline,
    report_from_args,
    run_reports,
)

__all__ = [
    "HEADLINE_MIME",
    "MANIFEST_NAME",
    "SAFE_ID",
    "ReportItem",
    "ReportFailure",
    "ReportOutcome",
    "RunResult",
    "run_reports",
    "record_headline",
    "exit_code",
    "format_failures",
    "add_report_arguments",
    "report_from_args",
]

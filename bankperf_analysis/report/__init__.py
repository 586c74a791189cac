"""Report content: the shared inputs of a batch and the sections of every report notebook."""

from __future__ import annotations

from bankperf_analysis.report.headline import HEADLINE_MIME, record_headline
from bankperf_analysis.report.incentive import IncentiveReport
from bankperf_analysis.report.sections import (
    AnnualReport,
    BankOverview,
    BranchReport,
    HtmlBlock,
    ReportInputs,
    StaffingReport,
    format_value,
    prepare_batch,
    resolve_data_dir,
    resolve_inputs,
)

__all__ = [
    "AnnualReport",
    "StaffingReport",
    "IncentiveReport",
    "resolve_data_dir",
    "resolve_inputs",
    "HEADLINE_MIME",
    "record_headline",
    "prepare_batch",
    "ReportInputs",
    "BranchReport",
    "BankOverview",
    "HtmlBlock",
    "format_value",
]

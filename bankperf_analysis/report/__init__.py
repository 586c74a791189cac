"""Report content: the shared inputs of a batch and the sections of every report notebook."""

from __future__ import annotations

from bankperf_analysis.report.sections import (
    BankOverview,
    BranchReport,
    HtmlBlock,
    ReportInputs,
    format_value,
    prepare_batch,
)

__all__ = [
    "prepare_batch",
    "ReportInputs",
    "BranchReport",
    "BankOverview",
    "HtmlBlock",
    "format_value",
]

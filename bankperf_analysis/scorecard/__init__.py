"""Scores, grades, bonus, branch rewards and pay cuts, training needs, the annual summary, export."""

from __future__ import annotations

from bankperf_analysis.scorecard.export import (
    atomic_write,
    excel_sheet_name,
    write_scorecard,
)
from bankperf_analysis.scorecard.quarter import quarter_scorecards
from bankperf_analysis.scorecard.scoring import (
    STATUS_BELOW,
    STATUS_INSUFFICIENT,
    STATUS_MET,
    STATUS_NO_DATA,
    AnnualSummary,
    BranchScorecard,
    ScorecardSummary,
    StaffScorecard,
    annual_summary,
    assign_grades,
    score_branches,
    score_kpi_values,
    score_staff,
)

__all__ = [
    "quarter_scorecards",
    "STATUS_MET",
    "STATUS_BELOW",
    "STATUS_INSUFFICIENT",
    "STATUS_NO_DATA",
    "ScorecardSummary",
    "StaffScorecard",
    "BranchScorecard",
    "AnnualSummary",
    "score_staff",
    "score_branches",
    "annual_summary",
    "assign_grades",
    "score_kpi_values",
    "write_scorecard",
    "excel_sheet_name",
    "atomic_write",
]

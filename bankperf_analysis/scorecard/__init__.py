"""Scores, grades, bonus, branch rewards and pay cuts, training needs, the annual summary, export.

- :mod:`~bankperf_analysis.scorecard.rules` — the scoring rules: KPI score and status, grade bands;
- :mod:`~bankperf_analysis.scorecard.staff` — :func:`score_staff`, the staff scorecard of a quarter;
- :mod:`~bankperf_analysis.scorecard.branch` — :func:`score_branches`, branch KPIs and the
  consequences of the mystery-shopper and video checks;
- :mod:`~bankperf_analysis.scorecard.annual` — :func:`annual_summary`, the year;
- :mod:`~bankperf_analysis.scorecard.consequences` — :func:`consequence_counts`, every
  consequence count of a quarter or year with its unit (the only code that counts them);
- :mod:`~bankperf_analysis.scorecard.results` — the result objects;
- :mod:`~bankperf_analysis.scorecard.quarter` — :func:`quarter_scorecards` from a dataset;
- :mod:`~bankperf_analysis.scorecard.export` — :func:`write_scorecard` to Excel or CSV.
"""

from __future__ import annotations

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis._summary import Summary as ScorecardSummary
from bankperf_analysis.scorecard.annual import annual_summary
from bankperf_analysis.scorecard.branch import score_branches
from bankperf_analysis.scorecard.consequences import (
    ConsequenceCounts,
    Count,
    annual_consequences,
    consequence_counts,
    quarter_consequences,
)
from bankperf_analysis.scorecard.export import excel_sheet_name, write_scorecard
from bankperf_analysis.scorecard.quarter import quarter_scorecards
from bankperf_analysis.scorecard.results import AnnualSummary, BranchScorecard, StaffScorecard
from bankperf_analysis.scorecard.rules import (
    STATUS_BELOW,
    STATUS_INSUFFICIENT,
    STATUS_MET,
    STATUS_NO_DATA,
    STATUS_NOT_AVAILABLE,
    assign_grades,
    score_kpi_values,
)
from bankperf_analysis.scorecard.staff import score_staff

__all__ = [
    "quarter_scorecards",
    "STATUS_MET",
    "STATUS_BELOW",
    "STATUS_INSUFFICIENT",
    "STATUS_NO_DATA",
    "STATUS_NOT_AVAILABLE",
    "ScorecardSummary",
    "StaffScorecard",
    "BranchScorecard",
    "AnnualSummary",
    "score_staff",
    "score_branches",
    "annual_summary",
    "consequence_counts",
    "quarter_consequences",
    "annual_consequences",
    "ConsequenceCounts",
    "Count",
    "assign_grades",
    "score_kpi_values",
    "write_scorecard",
    "excel_sheet_name",
    "atomic_write",
]

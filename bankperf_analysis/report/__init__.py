"""Report content: the shared inputs of a batch and the sections of every report notebook.

The report notebooks are thin: every cell calls one function here and shows its result.

* ``inputs``: :func:`prepare_batch` (once per batch), :class:`ReportInputs`, and the
  notebooks' :func:`resolve_inputs` / :func:`resolve_data_dir`;
* ``html``: :class:`HtmlBlock`, :func:`format_value` and the table markup of the sections;
* one module per report: ``branch`` (:class:`BranchReport`), ``overview``
  (:class:`BankOverview`), ``annual`` (:class:`AnnualReport`), ``staffing``
  (:class:`StaffingReport`);
* ``person_sheet``: :func:`person_sheets` and :func:`sheet_html`, the per-person appraisal
  sheet (个人绩效考核表) read from the staff scorecard;
* ``monthly`` / ``monthly_sections``: the monthly report (月报): :func:`monthly_frame` (环比, 同比,
  early warnings), :func:`prepare_month`, :class:`MonthlyBranchReport`, :class:`MonthlyOverview`;
* ``headline``: :func:`record_headline`, the numbers a report gives the index page;
* ``parameters``: :func:`check_text_params`, the notebooks' text parameters (papermill's
  ``-p branch_id 0012`` gives the integer 12: refused, with ``-r`` as the fix).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bankperf_analysis._lazy import lazy_exports

if TYPE_CHECKING:  # the names as the type checker sees them; imported lazily at run time
    from bankperf_analysis.report.annual import AnnualReport
    from bankperf_analysis.report.branch import BranchReport
    from bankperf_analysis.report.headline import HEADLINE_MIME, record_headline
    from bankperf_analysis.report.html import HtmlBlock, format_value
    from bankperf_analysis.report.incentive import IncentiveReport
    from bankperf_analysis.report.incentive_headline import incentive_headline
    from bankperf_analysis.report.inputs import ReportInputs, prepare_batch, resolve_data_dir, resolve_inputs
    from bankperf_analysis.report.monthly import (
        monthly_frame,
        prepare_month,
        resolve_month_inputs,
        warning_status,
    )
    from bankperf_analysis.report.monthly_sections import MonthlyBranchReport, MonthlyOverview
    from bankperf_analysis.report.overview import BankOverview
    from bankperf_analysis.report.parameters import check_text_params
    from bankperf_analysis.report.person_sheet import PersonSheet, person_sheets, sheet_html
    from bankperf_analysis.report.staffing import StaffingReport

#: Where each public name lives, imported on first use (module ``__getattr__``, PEP 562): a
#: branch report's kernel imports the branch report's modules only, and the report worker,
#: which needs :data:`HEADLINE_MIME` alone, imports no pandas.
_WHERE: dict[str, str] = {
    "AnnualReport": "annual",
    "BranchReport": "branch",
    "HEADLINE_MIME": "headline",
    "record_headline": "headline",
    "HtmlBlock": "html",
    "format_value": "html",
    "IncentiveReport": "incentive",
    "incentive_headline": "incentive_headline",
    "ReportInputs": "inputs",
    "prepare_batch": "inputs",
    "resolve_data_dir": "inputs",
    "resolve_inputs": "inputs",
    "monthly_frame": "monthly",
    "prepare_month": "monthly",
    "resolve_month_inputs": "monthly",
    "warning_status": "monthly",
    "MonthlyBranchReport": "monthly_sections",
    "MonthlyOverview": "monthly_sections",
    "BankOverview": "overview",
    "check_text_params": "parameters",
    "PersonSheet": "person_sheet",
    "person_sheets": "person_sheet",
    "sheet_html": "person_sheet",
    "StaffingReport": "staffing",
}


# A name that is also a submodule's (``incentive_headline``) is bound now: importing the
# submodule sets the package attribute to the module, and ``__getattr__`` would never be asked.
from bankperf_analysis.report.incentive_headline import incentive_headline  # noqa: E402

__getattr__, __dir__ = lazy_exports(globals(), {n: f"{__name__}.{m}" for n, m in _WHERE.items()})


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
    "check_text_params",
    "PersonSheet",
    "person_sheets",
    "sheet_html",
    "incentive_headline",
    "monthly_frame",
    "prepare_month",
    "resolve_month_inputs",
    "warning_status",
    "MonthlyBranchReport",
    "MonthlyOverview",
]

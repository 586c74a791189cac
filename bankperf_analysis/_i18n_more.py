"""The label tables kept outside :mod:`bankperf_analysis.i18n` (to keep modules short), gathered.

Each ``_i18n_<topic>.py`` holds ``key -> (en, zh)``; :data:`MORE_LABELS` is their union, which
:mod:`~bankperf_analysis.i18n` merges into ``LABELS``. Keys are prefixed by topic; a test checks
that no two tables share a key (a later table would silently replace an earlier wording).
"""

from __future__ import annotations

from bankperf_analysis._i18n_incentive import INCENTIVE_LABELS
from bankperf_analysis._i18n_monthly import MONTHLY_LABELS
from bankperf_analysis._i18n_ordinal import ORDINAL_LABELS
from bankperf_analysis._i18n_patience import PATIENCE_LABELS
from bankperf_analysis._i18n_posts import POST_LABELS
from bankperf_analysis._i18n_sheet import SHEET_LABELS
from bankperf_analysis._i18n_shrink import SHRINK_LABELS
from bankperf_analysis._i18n_staffing import STAFFING_LABELS
from bankperf_analysis._i18n_staffreport import STAFFREPORT_LABELS
from bankperf_analysis._i18n_workbook import WORKBOOK_LABELS

__all__ = ["MORE_LABELS", "TABLES"]

#: Every table by topic (issue 16: the HR workbook and the appraisal sheet; issue 17: staffing; issue 18:
#: shrinkage and ordinal models).
TABLES: dict[str, dict[str, tuple[str, str]]] = {
    "workbook": WORKBOOK_LABELS,
    "sheet": SHEET_LABELS,
    "staffing": STAFFING_LABELS,
    "shrinkage": SHRINK_LABELS,
    "ordinal": ORDINAL_LABELS,
    "monthly": MONTHLY_LABELS,
    "patience": PATIENCE_LABELS,
    "incentive index": INCENTIVE_LABELS,
    "staffing report": STAFFREPORT_LABELS,
    "posts": POST_LABELS,
}

#: Their union, ``key -> (en, zh)``.
MORE_LABELS: dict[str, tuple[str, str]] = {k: v for table in TABLES.values() for k, v in table.items()}

"""File names of reports (kept here for the runner's imports).

The implementation lives in :mod:`bankperf_analysis.report.file_names`, so that the
reports can name the files they link to (previous/next branch, the overview's rows) with
the same rule the runner uses to write them.
"""

from __future__ import annotations

from bankperf_analysis.report.file_names import (
    RESERVED_STEMS,
    SAFE_ID,
    check_distinct,
    check_explicit_stem,
    hashed_stem,
    is_reserved,
    report_stem,
    report_stems,
)

__all__ = [
    "SAFE_ID",
    "RESERVED_STEMS",
    "is_reserved",
    "hashed_stem",
    "report_stem",
    "report_stems",
    "check_distinct",
    "check_explicit_stem",
]

"""Labels of the incentive study as ``bankperf report --kind incentive`` lists it on the index page.

The study's own sections are worded by :mod:`bankperf_analysis.report.incentive`. These are the
headline keys (:func:`bankperf_analysis.report.incentive_headline.incentive_headline`) that the
index page shows as column headers (:func:`bankperf_analysis.runner.render.format_value`'s
neighbour ``_header`` reads them beside :data:`bankperf_analysis.i18n.LABELS`). Kept apart from
:mod:`~bankperf_analysis.i18n`, which is at its size limit; every key starts with ``incentive_``.
"""

from __future__ import annotations

__all__ = ["INCENTIVE_LABELS"]

INCENTIVE_LABELS: dict[str, tuple[str, str]] = {
    "incentive_outcome": ("Outcome", "结果指标"),
    "incentive_window": ("Study window", "研究期间"),
    "incentive_effect": ("Effect of the scheme (robust)", "方案效果（稳健估计）"),
    "incentive_interval": ("Confidence interval", "置信区间"),
    "incentive_pvalue": ("p-value", "p值"),
    "incentive_branches": ("Branches (adopting / comparison)", "网点（实施/对照）"),
    "incentive_not_estimated": ("Not estimated", "未估计"),
    "incentive_window_text": ("{first} to {last}", "{first}至{last}"),
}

"""Labels of the monthly report (月报, :mod:`bankperf_analysis.report.monthly`).

Merged into :data:`bankperf_analysis.i18n.LABELS` through :mod:`bankperf_analysis._i18n_more`;
read them with :func:`mt` (``mt("month_title_branch", "zh") == "网点月报"``), the same as
:func:`bankperf_analysis.i18n.t`. Every key starts with ``month_`` so it cannot collide with
another table's.
"""

from __future__ import annotations

__all__ = ["MONTHLY_LABELS", "mt"]

MONTHLY_LABELS: dict[str, tuple[str, str]] = {
    "month_title_branch": ("Monthly branch report", "网点月报"),
    "month_title_bank": ("Monthly overview", "全行月报概览"),
    "month_heading_kpis": ("KPIs of the month", "本月指标"),
    "month_heading_ytd": ("Year-to-date progress against the annual targets", "年初至今目标进度"),
    "month_heading_warnings": ("Early warnings", "预警"),
    "month_heading_matrix": ("Branches × KPIs of the month", "各网点本月指标"),
    "month_kpi": ("KPI", "指标"),
    "month_value": ("This month", "本月值"),
    "month_mom": ("Month on month (环比)", "环比"),
    "month_yoy": ("Year on year (同比)", "同比"),
    "month_qtd": ("Quarter to date", "本季累计"),
    "month_ytd": ("Year to date", "本年累计"),
    "month_target": ("Target", "目标值"),
    "month_status": ("Status", "状态"),
    "month_branch": ("Branch", "网点"),
    "month_warnings": ("Warnings", "预警数"),
    "month_cautions": ("Small samples", "样本不足"),
    "month_bank": ("Whole bank", "全行"),
    "month_vs": ("{change} vs {period} ({value}, {n})", "较{period}{change}（{value}，{n}）"),
    "month_not_available": (
        "not available: no data for {period}",
        "不可比：{period}无数据",
    ),
    "month_status_warning": ("Warning: on course to miss the quarter target", "预警：本季目标恐难完成"),
    "month_status_watch": ("Behind the target, within sampling noise", "低于目标，但在抽样误差范围内"),
    "month_status_on_track": ("On track", "进度正常"),
    "month_status_caution": ("Sample too small, for reference only", "样本量不足，仅供参考"),
    "month_status_no_target": ("No quarter target", "无季度目标"),
    "month_status_annual": ("Annual target: see year-to-date", "年度目标：见年初至今进度"),
    "month_status_no_data": ("No data this month", "本月无数据"),
    "month_short_warning": ("warning", "预警"),
    "month_short_watch": ("behind", "落后"),
    "month_short_on_track": ("on track", "正常"),
    "month_short_caution": ("small sample", "样本不足"),
    "month_ytd_met": ("on target so far", "目前达标"),
    "month_ytd_below": ("behind the target", "落后于目标"),
    "month_ytd_small": ("sample too small, for reference only", "样本量不足，仅供参考"),
    "month_rule": (
        "How the warning is decided: the quarter-to-date value (from the first day of the quarter "
        "to the end of {month}) is compared with the quarter target. A warning is raised when it "
        "misses the target and its 95 % interval (Wilson, for rates) lies wholly on the wrong side "
        "of the target; for averages and counts, which carry no interval here, when the value "
        "itself misses. A miss whose interval still reaches the target is shown as behind, within "
        "sampling noise. When the month has fewer observations than the scheme's minimum sample "
        "for the KPI, no warning is given: the value is marked as a small sample, for reference "
        "only.",
        "预警规则：将本季累计值（季初至{month}末）与季度目标比较。累计值未达目标且其 95 % 置信区间"
        "（比率类指标用威尔逊区间）整体落在目标不利一侧时发出预警；均值和计数类指标此处无区间，"
        "累计值本身未达目标即预警。未达目标但区间仍覆盖目标的，显示为“低于目标，但在抽样误差范围内”。"
        "本月样本量少于方案规定的该指标最低样本量时不发预警，标注“样本量不足，仅供参考”。",
    ),
    "month_comparison_note": (
        "Month on month compares with {previous}; year on year with {last_year}. A comparison "
        "month without data is said to be not available (the data may begin later), never shown "
        "as zero.",
        "环比对比{previous}，同比对比{last_year}。对比月份无数据时标注“不可比”（数据可能晚于该月开始），"
        "不以零值显示。",
    ),
    "month_ytd_note": (
        "Year to date: 1 January to the end of {month}, by each KPI's own definition, against the "
        "target the scheme sets for the year (for a rate, the same rate).",
        "本年累计：1月1日至{month}末，按各指标自身口径计算，对照方案设定的全年目标（比率类指标即同一比率）。",
    ),
    "month_counts": (
        "Early warnings this month: {warnings}; values on too small a sample: {cautions}.",
        "本月共 {warnings} 项预警，{cautions} 项样本量不足。",
    ),
    "month_matrix_note": (
        "Each cell: the month's value in the colour of its status (green on track, amber behind "
        "within sampling noise, red warning, grey small sample or no quarter target). A branch whose "
        "report was not rendered in this run shows as grey text.",
        "每格为本月值，颜色表示状态（绿色进度正常，橙色低于目标但在抽样误差范围内，红色预警，"
        "灰色样本量不足或无季度目标）。本次未生成报告的网点显示为灰色文字。",
    ),
    "month_no_warning": ("No early warning this month.", "本月无预警。"),
}


def mt(key: str, lang: str = "en", **fmt: object) -> str:
    """A monthly-report label in ``lang`` (any other key: :func:`bankperf_analysis.i18n.t`).

    Examples
    --------
    >>> mt("month_title_branch", "zh"), mt("month_status_caution", "zh")
    ('网点月报', '样本量不足，仅供参考')
    >>> mt("month_not_available", "en", period="2025-10")
    'not available: no data for 2025-10'
    """
    from bankperf_analysis.i18n import t

    return t(key, lang, **fmt)

"""Wording of patience estimation and the abandonment rate (呼损率) of a staffing plan.

Read with :func:`pt` (``pt("patience_title", "zh") == "客户耐心时长估计"``). Kept in its own table
rather than in :data:`bankperf_analysis.i18n.LABELS`, because that module is at its size limit;
keys start with ``patience_``, ``abandon_`` or ``managers_`` so a later merge into ``LABELS`` cannot
collide. The ``managers_`` keys word the headcount basis of customer managers sized from managed
customers (:func:`bankperf_analysis.staffing.shown._basis`).
"""

from __future__ import annotations

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang

__all__ = ["PATIENCE_LABELS", "pt"]

PATIENCE_LABELS: dict[str, tuple[str, str]] = {
    "patience_title": ("Mean patience of waiting customers", "客户耐心时长估计"),
    "patience_col_queue": ("Queue", "队列"),
    "patience_col_channel": ("Channel", "渠道"),
    "patience_col_branch_id": ("Branch", "网点"),
    "patience_col_estimate": ("Mean patience", "平均耐心时长"),
    "patience_col_ci": ("Patience {pct} % CI", "耐心时长 {pct}% 置信区间"),
    "patience_col_abandoned": ("Abandoned (observed)", "放弃数（观测值）"),
    "patience_col_answered": ("Answered (censored)", "接通数（删失）"),
    "patience_col_zero_wait": ("of which answered at once", "其中即时接通"),
    "patience_not_identifiable": ("not identifiable (no abandonment)", "无法估计（无放弃记录）"),
    "patience_queue_counter": ("counter", "柜台"),
    "patience_queue_phone_online": ("phone and online", "电话与在线"),
    "patience_queue_phone": ("phone", "电话"),
    "patience_queue_online": ("online", "在线"),
    "patience_note_method": (
        "Exponential patience, maximum likelihood with censoring: total waiting time of all contacts "
        "/ abandonments; answered contacts are censored at their wait. Likelihood-ratio interval.",
        "假设耐心时长服从指数分布，按删失数据的极大似然估计：全部来电的等待时长之和 ÷ 放弃数；"
        "已接通来电的等待时长视为右删失。置信区间为似然比区间。",
    ),
    "patience_note_zero_wait": (
        "Contacts answered at once add nothing to the waiting time and are no abandonment: "
        "they leave the estimate unchanged.",
        "即时接通的来电等待时长为零、也未放弃，对估计值没有影响。",
    ),
    "patience_note_dropped": (
        "{n} contacts without a recorded wait are left out.",
        "{n} 条来电缺少等待时长记录，未纳入估计。",
    ),
    "patience_note_scheme": (
        "Mean patience set in the scheme (staffing.patience_seconds): no interval.",
        "平均耐心时长取自考核方案设定值，无置信区间。",
    ),
    "abandon_title": ("Abandonment rate (呼损率) with the planned staff", "按计划人员配置的呼损率"),
    "abandon_sheet": ("Abandonment", "呼损率"),
    "abandon_col_observed": ("Observed abandonment rate", "实际呼损率"),
    "abandon_col_planned": ("Abandonment rate with the planned staff", "计划配置下的呼损率"),
    "abandon_col_planned_ci": ("Abandonment rate {pct} % CI", "呼损率 {pct}% 置信区间"),
    "abandon_note_propagation": (
        "Erlang A at the required staff of each interval, weighted by contacts. The abandonment rate "
        "falls as patience grows, so the ends of the patience interval give the ends of this interval; "
        "only the uncertainty of patience is carried, not that of demand or handling time.",
        "按各时段所需人数以 Erlang A 模型计算，并以来电量加权。呼损率随耐心时长增加而单调下降，"
        "故耐心时长置信区间的两端直接对应呼损率区间的两端；区间仅反映耐心时长的不确定性，"
        "不含需求量与处理时长的不确定性。",
    ),
    "abandon_note_not_identifiable": (
        "No abandonment observed: patience is not identifiable; the plan uses infinite patience (Erlang C).",
        "未观测到放弃：耐心时长无法估计，计划按无限耐心（Erlang C 模型）计算。",
    ),
    "managers_basis_sized": (
        "managed customers: ceil({managed} / {per} per manager) = {n}",
        "按管户数定编：⌈{managed} ÷ 每人 {per} 户⌉ = {n} 人",
    ),
    "managers_basis_minimum": (" (minimum post)", "（最低配置）"),
    "managers_basis_no_data": (
        " (no managed_customers for the branch in the data)",
        "（数据中无该网点管户数）",
    ),
}


def pt(key: str, lang: str = "en", **fmt: object) -> str:
    """Translate a ``patience_`` / ``abandon_`` key into ``lang`` (as :func:`bankperf_analysis.i18n.t`)."""
    check_lang(lang)
    try:
        en, zh = PATIENCE_LABELS[key]
    except KeyError:
        raise ParamsError(
            f"The 'key' parameter of pt must be a known label key. Got {key!r} instead."
        ) from None
    text = zh if lang == "zh" else en
    return text.format(**fmt) if fmt else text

"""Labels of the per-person appraisal sheet (个人绩效考核表, :mod:`bankperf_analysis.report.person_sheet`).

Merged into :data:`bankperf_analysis.i18n.LABELS`: read them with :func:`~bankperf_analysis.i18n.t`
(``t("sheet_title", "zh") == "个人绩效考核表"``). Kept apart from :mod:`~bankperf_analysis.i18n` only
to keep modules short. The indicator groups are the catalogue's
(:data:`bankperf_analysis.kpis.INDICATOR_GROUPS`).
"""

from __future__ import annotations

from bankperf_analysis.kpis import INDICATOR_GROUPS

__all__ = ["SHEET_LABELS"]

SHEET_LABELS: dict[str, tuple[str, str]] = {
    **{f"group_{g}": names for g, names in INDICATOR_GROUPS.items()},
    "sheet_title": ("Individual performance appraisal sheet", "个人绩效考核表"),
    "sheet_page_title": ("Appraisal sheets · {branch}", "个人绩效考核表 · {branch}"),
    "sheet_bank": ("Bank", "银行"),
    "sheet_name": ("Name", "姓名"),
    "sheet_staff_id": ("Staff id", "员工编号"),
    "sheet_period": ("Period", "考核期间"),
    "sheet_level1": ("Level-1 indicator", "一级指标"),
    "sheet_level2": ("Level-2 indicator", "二级指标"),
    "sheet_kpi": ("Indicator", "考核指标"),
    "sheet_actual": ("Actual", "实际值"),
    "sheet_target": ("Target", "目标值"),
    "sheet_contribution": ("Weighted score", "加权得分"),
    "sheet_remark": ("Remark", "备注"),
    "sheet_team_value": ("team (branch) value", "团队（网点）值"),
    "sheet_not_scored": ("not scored: {why}", "未计分：{why}"),
    "sheet_n_below_min": ("n = {n} < {min_n}", "样本量 {n} < {min_n}"),
    "status_not_available": ("not available", "不可用"),
    "sheet_weight_reweighted": ("{weight} → {effective}", "{weight}（调整后 {effective}）"),
    "sheet_reweighted_note": (
        "Re-weighted: {n} of {m} indicators scored; their weights were scaled to sum to 100 %.",
        "重新分配权重：{m} 项指标中 {n} 项计分，其权重按比例放大至合计 100 %。",
    ),
    "sheet_total": ("Composite score (sum of weighted scores)", "综合得分（加权得分合计）"),
    "sheet_heading_adjust": ("Additions, deductions and veto", "加减分与一票否决"),
    "sheet_adjustment": ("Additions and deductions (points)", "加减分（分）"),
    "sheet_adjust_reasons": ("Reasons", "加减分事由"),
    "sheet_final_composite": ("Final composite score", "最终综合得分"),
    "sheet_veto": ("Veto", "一票否决"),
    "sheet_veto_none": ("none", "无"),
    "sheet_veto_not_evaluated": ("not evaluated: {rules} (data missing)", "未评估：{rules}（缺少数据）"),
    "sheet_heading_result": ("Result", "考核结果"),
    "sheet_bonus_yuan": ("Bonus (yuan)", "绩效奖金（元）"),
    "sheet_deduction": ("Pay deduction (yuan)", "扣发绩效（元）"),
    "sheet_branch_cut": ("Share of the branch's pay cut (yuan)", "分摊网点绩效扣罚（元）"),
    "sheet_not_graded": ("not graded: {why}", "不评等级：{why}"),
    "sheet_heading_training": ("Training needs (next quarter)", "培训需求（下季度）"),
    "sheet_no_training": (
        "none: every indicator on the person's own value met its target",
        "无：个人指标均已达标",
    ),
    "sheet_sign_person": ("Signature of the person appraised", "被考核人签字"),
    "sheet_sign_manager": ("Signature of the appraiser", "考核人签字"),
    "sheet_date": ("Date", "日期"),
    "sheet_none": ("No person of this branch is on the quarter's scorecard.", "本网点本季度无考核人员。"),
    "sheet_link_title": ("Appraisal sheet", "个人绩效考核表"),
}

"""Labels of the reports in English and Chinese, and escaping helpers for report text.

Every heading, label, status word, KPI name, role and unit that a report shows goes
through :func:`t`, so ``lang="zh"`` renders the whole report in Chinese. A test checks
that every key has both languages.

Examples
--------
>>> t("satisfaction_rate", "zh")
'客户满意度'
>>> t("status_below", "en")
'below target'
>>> safe_html("<script>alert(1)</script>")
'&lt;script&gt;alert(1)&lt;/script&gt;'
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Literal

from bankperf_analysis._i18n_more import MORE_LABELS
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import CHANNELS, KPIS, UNITS

__all__ = [
    "LANGS",
    "LABELS",
    "KPI_KEYS",
    "ROLE_KEYS",
    "Lang",
    "t",
    "kpi_label",
    "role_label",
    "unit_label",
    "label_map",
    "check_lang",
    "md_escape",
    "safe_html",
]

Lang = Literal["en", "zh"]
LANGS: tuple[str, ...] = ("en", "zh")

#: KPI names: the declaration of :mod:`bankperf_analysis.kpis`.
_KPIS: dict[str, tuple[str, str]] = {k.name: (k.en, k.zh) for k in KPIS.values()}

#: Contact channels (``channel_phone``...): :data:`bankperf_analysis.kpis.CHANNELS`.
_CHANNELS: dict[str, tuple[str, str]] = {f"channel_{c}": names for c, names in CHANNELS.items()}

_ROLES: dict[str, tuple[str, str]] = {
    "customer_service_rep": ("Customer-service representative", "客服代表"),
    "teller": ("Teller", "柜员"),
    "customer_manager": ("Customer manager", "客户经理"),
    "lobby_manager": ("Lobby manager", "大堂经理"),
    "service_manager": ("Customer-service manager", "客服经理"),
    "data_analyst": ("Data analyst", "数据分析师"),
    "wealth_manager": ("Wealth manager", "理财经理"),
    "financial_advisor": ("Financial advisor", "理财顾问"),
    "deputy_lobby_manager": ("Deputy lobby manager", "大堂副理"),
}

#: Units: ``unit_<id>`` of every KPI unit (:data:`bankperf_analysis.kpis.UNITS`; its symbol, or its
#: name for plain numbers), and units of other figures.
_UNITS: dict[str, tuple[str, str]] = {
    **{f"unit_{u.id}": (u.symbol_en or u.en, u.symbol_zh or u.zh) for u in UNITS.values()},
    "unit_percent": ("%", "%"),
    "unit_days": ("days", "天"),
    "unit_count": ("count", "次"),
    "unit_people": ("people", "人"),
    "unit_points": ("points", "分"),
    "unit_per_month": ("per month", "每月"),
    "unit_fte": ("FTE", "折合全职人数(FTE)"),
}

_WORDS: dict[str, tuple[str, str]] = {
    # status of a KPI against its target
    "status_met": ("met", "达标"),
    "status_below": ("below target", "未达标"),
    "status_insufficient": ("insufficient data", "数据不足"),
    "status_role_not_scored": ("not scored (role)", "该岗位不单独考核"),
    # grades
    "grade_excellent": ("excellent", "优秀"),
    "grade_good": ("good", "良好"),
    "grade_pass": ("pass", "合格"),
    "grade_needs_improvement": ("needs improvement", "不合格"),
    # branch check consequences
    "action_reward": ("reward", "奖励"),
    "action_cut": ("performance pay cut", "扣罚绩效工资"),
    "action_heavier_cut": ("heavier pay cut", "加重扣罚绩效工资"),
    "action_recheck": ("re-check next period", "下期复查"),
    "action_none": ("no action", "无"),
    "excellent_branch": ("excellent branch", "优秀网点"),
    "bonus": ("bonus", "奖金"),
    "promotion_candidate": ("promotion candidate", "晋升候选"),
    "training_need": ("training need", "培训需求"),
    # headings of the reports
    "report_title_branch": ("Branch performance report", "网点绩效报告"),
    "report_title_bank": ("Bank overview", "全行概览"),
    "report_title_incentive": ("Incentive study", "激励效果研究"),
    "report_title_staffing": ("Staffing plan", "定编方案"),
    "heading_summary": ("Summary", "概要"),
    "heading_kpis": ("Key performance indicators", "关键绩效指标"),
    "heading_scorecard": ("Scorecard", "绩效考核表"),
    "heading_staff": ("Staff results", "员工绩效"),
    "heading_trend": ("Trend", "趋势"),
    "heading_satisfaction": ("Customer satisfaction", "客户满意度"),
    "heading_complaints": ("Complaints", "投诉"),
    "heading_checks": ("Mystery-shopper and video checks", "神秘人与视频检查"),
    "heading_training": ("Training needs", "培训需求"),
    "heading_significance": ("Changes since last quarter", "与上季度相比的变化"),
    "heading_staffing": ("Staffing", "人员编制"),
    "heading_notes": ("Notes and data quality", "说明与数据质量"),
    "heading_contents": ("Contents", "目录"),
    # the staff details close a branch report, on pages of their own when printed
    "heading_staff_appendix": ("Appendix: staff results", "附录：员工绩效"),
    # labels of tables and axes
    "label_branch": ("Branch", "网点"),
    "label_bank": ("Bank", "全行"),
    "label_staff": ("Staff member", "员工"),
    "label_staff_id": ("Staff ID", "员工编号"),
    "label_role": ("Role", "岗位"),
    "label_kpi": ("KPI", "指标"),
    "label_value": ("Value", "数值"),
    "label_target": ("Target", "目标"),
    "label_status": ("Status", "状态"),
    "label_score": ("Score", "得分"),
    "label_weight": ("Weight", "权重"),
    "label_grade": ("Grade", "等级"),
    "label_rank": ("Rank", "排名"),
    "label_n": ("Sample size", "样本量"),
    "label_change": ("Change", "变化"),
    "label_ci": ("95% interval", "95%置信区间"),
    "label_p_value": ("p-value", "p值"),
    "label_quarter": ("Quarter", "季度"),
    "label_month": ("Month", "月份"),
    "label_year": ("Year", "年度"),
    "label_date": ("Date", "日期"),
    "label_weekday": ("Weekday", "星期"),
    "label_hour": ("Hour", "小时"),
    "label_contacts": ("Contacts", "来电量"),
    "label_required_staff": ("Required staff", "所需人员"),
    "label_previous_quarter": ("Previous quarter", "上季度"),
    "label_current_quarter": ("This quarter", "本季度"),
    "label_report": ("Report", "报告"),
    "label_headline": ("Headline figures", "主要指标"),
    "label_error": ("Error", "错误"),
    # run status words (index page, footer)
    "run_ok": ("ok", "成功"),
    "run_failed": ("failed", "失败"),
    "run_cached": ("up to date", "无需更新"),
    "run_missing": ("not generated", "未生成"),
    "run_pending": ("not done by the run of {time}", "{time} 的运行未完成"),
    "run_not_done": ("not done", "未完成"),
    "index_run_time": ("run of {time}", "运行时间 {time}"),
    "index_previous": (
        "report of the previous run, generated {time} (older data)",
        "上一次运行的报告，生成于 {time}（旧数据）",
    ),
    "footer_scheme": ("Scheme", "考核方案"),
    "footer_scheme_default": ("the default scheme", "默认方案"),
    "footer_encodings": ("Data encodings", "数据编码"),
    "footer_fingerprint": ("Data fingerprint", "数据指纹"),
    "footer_params_hash": ("Parameters hash", "参数哈希"),
    "footer_version": ("bankperf-analysis version", "bankperf-analysis 版本"),
    "footer_code_digest": ("Code digest", "代码摘要"),
    "footer_generated": ("Generated", "生成时间"),
    "footer_language": ("Language", "语言"),
    "index_title": ("Performance reports", "绩效报告"),
    "index_failed_note": (
        "Failed reports are not published; the executed notebook is kept in _failed/.",
        "失败的报告不予发布；已执行的笔记本保存在 _failed/ 目录中。",
    ),
}

# Words of the report sections (bankperf_analysis.report).
_REPORT: dict[str, tuple[str, str]] = {
    "status_near": ("within 5 % of target", "接近目标（差距 5% 以内）"),
    "label_composite": ("Composite score", "综合得分"),
    "label_bonus_yuan": ("Bonus (yuan)", "奖金（元）"),
    "label_training_needs": ("Training needs", "培训需求"),
    "label_raw_rate": ("Observed rate", "观测值"),
    "label_shrunk_rate": ("Shrunk rate (fair ranking)", "收缩估计（公平排名）"),
    "label_funnel": ("Funnel plot", "漏斗图"),
    "label_verdict": ("Verdict", "结论"),
    "band_within": ("within the limits", "在控制限内"),
    "band_above_95": ("above the bank (95 %)", "高于全行（95%）"),
    "band_below_95": ("below the bank (95 %)", "低于全行（95%）"),
    "band_above_99_8": ("above the bank (99.8 %)", "高于全行（99.8%）"),
    "band_below_99_8": ("below the bank (99.8 %)", "低于全行（99.8%）"),
    "heading_league": ("Fair league table", "公平排名"),
    "heading_branches": ("Branch results and consequences", "网点结果与奖惩"),
    "heading_money": ("Bonuses and pay cuts", "奖金与扣罚绩效工资"),
    "report_title_annual": ("Annual summary", "年度总结"),
    "label_current_headcount": ("Headcount now", "现有人数"),
    "label_planned_headcount": ("Planned headcount (定编)", "定编人数"),
    "label_required_fte": ("Scheduled FTE needed", "所需排班折合全职人数(FTE)"),
    "note_heatmap": (
        "Rostered minus required staff on shift, average per weekday and hour; "
        "red (negative) means short of the 95 %-in-30-s service level.",
        "按星期与小时平均的在岗人数减所需人数；红色（负值）表示达不到 95%/30 秒服务水平。",
    ),
    "heatmap_title_gap": ("Rostered minus required staff", "排班人数减所需人数"),
    "heatmap_title_required": ("Required staff on shift", "所需在岗人数"),
    "heatmap_corner": ("Weekday \\ hour", "星期＼时段"),
    "heatmap_legend_gap": (
        "Colour scale in staff: red = fewer rostered than required, blue = more, white = as required.",
        "色阶（人数）：红色 = 排班少于所需，蓝色 = 多于所需，白色 = 持平。",
    ),
    "heatmap_legend_count": ("Colour scale in staff: darker = more.", "色阶（人数）：颜色越深人数越多。"),
    "weekday_Mon": ("Mon", "周一"),
    "weekday_Tue": ("Tue", "周二"),
    "weekday_Wed": ("Wed", "周三"),
    "weekday_Thu": ("Thu", "周四"),
    "weekday_Fri": ("Fri", "周五"),
    "weekday_Sat": ("Sat", "周六"),
    "weekday_Sun": ("Sun", "周日"),
    "heading_forecast_check": ("Forecast check (backtest)", "预测检验（回测）"),
    "heading_what_if": (
        "What if: service-level target, staff and cost",
        "假设分析：服务水平目标、人员与成本",
    ),
    "heading_plan": ("Plan", "编制方案"),
    "total_cost": ("Cost per year", "年成本"),
    "posts_ok": (
        "Minimum posts met: the posts of the branch type and the sales-staff share.",
        "最低岗位要求已满足：网点类型的各岗位配置及营销人员占比均达标。",
    ),
    "posts_failed": ("Minimum posts NOT met:", "未满足最低岗位要求："),
    "cost_benefit_line": (
        "The plan adds {fte:.1f} FTE ({svc:.1f} for the service level, {oth:.1f} for minimum posts, the "
        "sales share or managed customers), costing {cost:,.0f} yuan a year; an assumed +{pts:.0f} "
        "satisfaction points would be worth {benefit:,.0f} yuan a year (break-even: {be:.1f} points). "
        "The gain is an assumption, not a measured effect.",
        "编制方案增加折合全职人数(FTE) {fte:.1f}（服务水平所需 {svc:.1f}，最低岗位、营销人员占比或管户所需 "
        "{oth:.1f}），年成本 {cost:,.0f} 元；若满意度提升 {pts:.0f} 个百分点（假设值，并非实测效果），"
        "年收益约 {benefit:,.0f} 元（盈亏平衡点：{be:.1f} 个百分点）。",
    ),
    "flag_down": ("significant fall", "显著下降"),
    "flag_up": ("significant rise", "显著上升"),
    "flag_ns": ("no significant change", "无显著变化"),
    "flag_inconclusive": ("inconclusive (too few surveys)", "无法判断（样本不足）"),
    "flag_no_data": ("no data", "无数据"),
    "flag_untestable": ("not testable", "无法检验"),
    "flagged_down_n": ("{n} branch(es) with a significant fall", "{n} 个网点显著下降"),
    "heading_annual_staff": ("Annual grades and promotion candidates", "年度评级与晋升候选"),
    "heading_annual_branches": ("Branches over the year", "网点年度结果"),
    "label_note": ("Note", "备注"),
    "label_check": ("Check", "检查项目"),
    "label_action": ("Consequence", "处理结果"),
    "no_data": ("No data for this section.", "本部分无数据。"),
    "p_adjusted": ("adjusted p", "校正后 p 值"),
    "note_multiple_testing": (
        "p-values are adjusted for comparing all branches at once (Benjamini–Hochberg).",
        "p 值已按同时比较所有网点进行校正（Benjamini–Hochberg 方法）。",
    ),
    "note_reweighted": (
        "scored on {n} of {m} KPIs (re-weighted)",
        "按 {m} 项中的 {n} 项指标评分（权重已重新分配）",
    ),
    "total_bonus": ("Total bonus", "奖金合计"),
    # accountability (issue 13): a rule scored on the team's value
    "note_team_kpis": (
        "Scored on the team's (branch's) value, not the person's own: {items}.",
        "按团队（网点）值评分，非个人值：{items}。",
    ),
    "label_team": ("team", "团队"),
    "label_team_kpis": ("KPIs on the team's value", "按团队值评分的指标"),
    # deductions, veto and money (issue 13, item 6)
    "label_deduction_yuan": ("Deduction (yuan)", "扣款（元）"),
    "note_branch_cut": ("share of the branch pay cut: {yuan} yuan", "分摊网点扣罚绩效工资：{yuan} 元"),
    "note_adjusted": (
        "composite {raw} adjusted by {points} points: {reasons}",
        "综合得分 {raw} 经加减分 {points} 分：{reasons}",
    ),
    # employment over time (issue 13)
    "heading_not_in_post": ("Not in post long enough (not scored)", "在岗时间不足（不参与考核）"),
    "note_not_in_post": (
        "In post fewer than {n} days of the quarter: not scored, no grade and no bonus.",
        "本季度在岗不足 {n} 天：不参与考核，不评等级，不发奖金。",
    ),
    "label_days_in_post": ("Days in post", "在岗天数"),
    "label_days_by_branch": ("Days per branch", "各网点在岗天数"),
    "note_moved_in": (
        "moved during the quarter ({days} days): scored once on all work, under this branch",
        "本季度调动（{days} 天）：全部工作合并考核一次，计入本网点",
    ),
    "note_moved_out": (
        "Moved to another branch during the quarter, scored there on all their work: {people}.",
        "本季度调往其他网点，按全部工作在调入网点考核：{people}。",
    ),
    "note_bank_complaints_per_branch": (
        "Bank column for complaint counts: average per branch.",
        "全行投诉数量为各网点平均值。",
    ),
    "dq_insufficient": (
        "{kpi}: {n} staff member(s) with too few observations; not scored.",
        "{kpi}：{n} 名员工样本不足，未参与评分。",
    ),
    "dq_branch_small": (
        "Branch satisfaction rests on {n} surveys (minimum {m}): not scored, read with caution.",
        "网点满意度仅基于 {n} 份问卷（最低要求 {m} 份）：不参与评分，请谨慎解读。",
    ),
    "dq_unavailable": (
        "{kpi}: not available (its data table was not provided).",
        "{kpi}：无法计算（未提供相应数据表）。",
    ),
    "dq_ok": ("Every KPI had enough data.", "所有指标数据充足。"),
    "note_channels": ("Contact channels counted: {items}.", "统计的客户接触渠道：{items}。"),
    "no_contacts_in_scope": (
        "no contacts on its channels ({channels})",
        "其统计渠道（{channels}）无客户接触",
    ),
}

# Optional tables that are absent or empty (bankperf_analysis.report): why a section or KPI
# is not available. ``missing_<table>`` names what is missing, for every optional table.
_MISSING: dict[str, tuple[str, str]] = {
    "not_available": ("Not available: {reason}.", "不可用：{reason}。"),
    "not_available_short": ("not available", "不可用"),
    "missing_contacts": ("no contact data", "无客户接触（来电/柜台/在线）数据"),
    "missing_surveys": ("no survey data", "无满意度调查数据"),
    "missing_complaints": ("no complaints data", "无投诉数据"),
    "missing_sales": ("no sales data", "无销售数据"),
    "missing_teller_transactions": ("no teller transaction data", "无柜员业务数据"),
    "missing_inspections": ("no inspection data", "无检查（着装/仪态）数据"),
    "missing_training": ("no training data", "无培训数据"),
    "missing_mystery_shopper": ("no mystery-shopper or video check data", "无神秘人或视频检查数据"),
    "missing_reviews_360": ("no 360-degree review data", "无 360 度评价数据"),
    "missing_qualitative_ratings": ("no qualitative rating data", "无定性评价数据"),
    "missing_new_customers": ("no new-customer data", "无新客户拓展数据"),
    "missing_risk_incidents": ("no risk-incident data", "无业务风险事件数据"),
    "missing_customer_churn": ("no customer-churn data", "无客户流失数据"),
    "missing_roster": ("no roster data", "无排班数据"),
    "missing_assignments": (
        "no assignment history (taken from the staff table's hire and leave dates)",
        "无岗位调动记录（按员工表的入职和离职日期）",
    ),
    "missing_adjustments": ("no additions or deductions", "无加减分记录"),
    "missing_complaint_rulings": (
        "no complaint rulings (which complaints are effective is unknown)",
        "无投诉认定记录（无法判断有效投诉）",
    ),
    "missing_survey_quarter": ("no survey data in {quarter}", "{quarter} 无满意度调查数据"),
    "no_previous_quarter": (
        "no previous quarter to compare with ({previous}): the data begin in {first}",
        "无上一季度（{previous}）可比较：数据始于 {first}",
    ),
    "dq_table_absent": (
        "Table '{table}' was not provided ({reason}); not available: {kpis}.",
        "未提供数据表“{table}”（{reason}）：以下指标不可用：{kpis}。",
    ),
    "dq_table_empty": (
        "Table '{table}' was provided empty, without rows ({reason}); not available: {kpis}.",
        "数据表“{table}”为空、无数据行（{reason}）：以下指标不可用：{kpis}。",
    ),
    "note_not_scored_unavailable": (
        "Not scored for anyone, not available: {kpis}.",
        "以下指标不可用，所有员工均未就其评分：{kpis}。",
    ),
    "note_heatmap_no_roster": (
        "Required staff on shift for the 95 %-in-30-s service level, average per weekday and hour; "
        "rostered staff are not compared (no roster data).",
        "按星期与小时平均的达到 95%/30 秒服务水平所需在岗人数；未与排班比较（无排班数据）。",
    ),
}

# Consequence counts (bankperf_analysis.scorecard.consequences): what is counted, its unit
# (``_one``: English singular) and its exact definition. Every output shows these words.
_COUNTS: dict[str, tuple[str, str]] = {
    "heading_consequences": ("Consequences", "考核结果"),
    "count_bonus_total": ("Total bonus", "奖金合计"),
    "count_staff_with_bonus": ("Staff paid a bonus", "获发奖金员工"),
    "count_excellent_staff": ("Excellent staff", "优秀员工"),
    "count_deduction_total": ("Total pay deductions", "扣款合计"),
    "count_vetoed_staff": ("Staff vetoed", "一票否决员工"),
    "count_rewards": ("Rewards", "奖励"),
    "count_pay_cuts": ("Pay cuts", "扣罚绩效工资"),
    "count_heavier_pay_cuts": ("Of which heavier pay cuts", "其中加重扣罚"),
    "count_rechecks": ("Re-checks next period", "下期复查"),
    "count_promotion_candidates": ("Promotion candidates", "晋升候选"),
    "count_excellent_branches": ("Excellent branches", "优秀网点"),
    "count_unit_yuan": ("yuan", "元"),
    "count_unit_yuan_one": ("yuan", "元"),
    "count_unit_staff": ("staff", "人"),
    "count_unit_staff_one": ("staff member", "人"),
    "count_unit_branches": ("branches", "个网点"),
    "count_unit_branches_one": ("branch", "个网点"),
    "count_unit_staff_quarters": ("staff-quarters", "人次"),
    "count_unit_staff_quarters_one": ("staff-quarter", "人次"),
    "count_unit_branch_quarters": ("branch-quarters", "网点次"),
    "count_unit_branch_quarters_one": ("branch-quarter", "网点次"),
    "count_def_bonus_total": (
        "Sum of the quarterly bonuses paid to staff, in whole yuan.",
        "员工季度奖金之和（整元）。",
    ),
    "count_def_staff_with_bonus": (
        "People paid a bonus above 0 yuan; each person counts once.",
        "奖金大于 0 元的员工，每人计一次。",
    ),
    "count_def_excellent_staff": (
        "People graded at the scheme's top grade (excellent); each person counts once.",
        "评为方案最高等级（优秀）的员工，每人计一次。",
    ),
    "count_def_deduction_total": (
        "Sum of the pay deducted from staff by grade (money.deduction_by_grade), in whole yuan; "
        "kept apart from the bonus.",
        "按等级扣罚的员工绩效工资之和（money.deduction_by_grade，整元），与奖金分开计。",
    ),
    "count_def_vetoed_staff": (
        "People for whom a veto rule (scoring.veto) held in the quarter: they cannot be graded "
        "excellent; each person counts once.",
        "季度内触发一票否决规则（scoring.veto）的员工，不得评为优秀，每人计一次。",
    ),
    "count_def_rewards": (
        "Branches rewarded by at least one check (top five and score >= 90 by default); "
        "a branch rewarded by two checks counts once.",
        "至少一项检查获得奖励的网点（默认：排名前五且得分不低于 90 分），每个网点计一次。",
    ),
    "count_def_pay_cuts": (
        "Branches whose performance pay is cut by at least one check (score below 85 by default), "
        "heavier cuts included; a branch cut by two checks counts once.",
        "至少一项检查（默认得分低于 85 分）被扣罚绩效工资的网点，含加重扣罚；两项检查均扣罚的网点计一次。",
    ),
    "count_def_heavier_pay_cuts": (
        "Of the pay cuts: branches cut harder by at least one check (score below 80 by default).",
        "扣罚网点中，至少一项检查（默认得分低于 80 分）被加重扣罚的网点。",
    ),
    "count_def_rechecks": (
        "Branches to re-check next period: below 85 (by default) on at least one check; "
        "each branch counts once.",
        "下期需复查的网点：至少一项检查低于 85 分（默认），每个网点计一次。",
    ),
    "count_def_promotion_candidates": (
        "People at the promotion grade in at least the scheme's number of quarters of the year "
        "(3 by default); each person counts once.",
        "年内达到晋升等级的季度数不少于方案规定（默认 3 个季度）的员工，每人计一次。",
    ),
    "count_def_excellent_branches": (
        "Branches with an annual check mean >= 90 and in the top three (by default); "
        "each branch counts once.",
        "年度检查平均分不低于 90 分且排名前三（默认）的网点，每个网点计一次。",
    ),
    "count_def_year_sum": (
        " Over a year: the sum of the quarters' counts (counted in two quarters = counted twice).",
        "全年：各季度计数之和（两个季度均出现的计两次）。",
    ),
}

# The period basis of a target (bankperf_analysis.scorecard.period_basis): which value a target
# is compared with. Every output that shows a target with its value says which.
_PERIOD_BASIS: dict[str, tuple[str, str]] = {
    "basis_quarter": ("quarter ({quarter})", "季度（{quarter}）"),
    "basis_month_mean": ("per month (mean of the quarter's months)", "每月（本季度各月平均）"),
    "basis_year_to_date": ("year-to-date ({months_en} {year})", "年初至今（{year}年{months_zh}）"),
    "basis_annualised": (
        "annualised from Q{q} {year}: 1 − (1 − q)⁴",
        "由{year}年第{q}季度年化：1 − (1 − q)⁴",
    ),
    "basis_name_year_to_date": (
        "year-to-date (1 January to the quarter's end)",
        "年初至今（1 月 1 日至季度末）",
    ),
    "basis_name_annualised": ("annualised: 1 − (1 − q)⁴", "年化：1 − (1 − q)⁴"),
    "label_basis": ("Basis", "比较口径"),
    "label_annual_target": ("Annual target", "年度目标"),
    "label_after_quarter": ("after Q{q}", "截至第{q}季度"),
    "heading_annual_targets": ("Annual targets: progress this year", "年度目标：本年进度"),
    "note_annual_targets": (
        "These targets are stated per year. Each quarter is compared with them on the basis "
        "shown: year-to-date = from 1 January to the end of the quarter (churn: customers lost "
        "since 1 January / customers on 1 January); annualised = the quarter's value compounded "
        "to a year, 1 − (1 − q)⁴.",
        "以下目标为年度目标。每个季度按所示口径与之比较：年初至今 = 自 1 月 1 日至季度末"
        "（流失率：1 月 1 日以来流失客户数 / 1 月 1 日客户数）；"
        "年化 = 将季度值复合折算为全年，1 − (1 − q)⁴。",
    ),
}

# Localisation in full (issue 15, item 4): data values as words, the annual branch table, the
# index's titles. One block, so that other label edits merge around it.
_L10N: dict[str, tuple[str, str]] = {
    "grade_basic_pass": ("basic pass", "基本合格"),
    "grade_fail": ("fail", "不合格"),
    "label_region": ("Region", "区域"),
    "label_branch_type": ("Branch type", "网点类型"),
    "label_excellent_branch": ("Excellent branch", "优秀网点"),
    "title_annual": ("Annual summary {year}", "{year}度总结"),
    "annual_reward_quarters": ("Quarters rewarded", "奖励季度数"),
    "annual_pay_cut_quarters": ("Quarters with a pay cut", "扣罚绩效工资季度数"),
    "annual_heavier_cut_quarters": ("Of which heavier", "其中加重扣罚"),
    "annual_recheck_quarters": ("Quarters re-checked", "复查季度数"),
    "annual_check_mean": ("{kpi}: annual mean", "{kpi}：年均分"),
    "annual_year_value": ("{kpi}: the year", "{kpi}：全年"),
    "label_n_checks": ("Checks", "检查次数"),
    "note_annual_branches": (
        "Quarters: how many quarters of the year a branch had each consequence (any check). "
        "Rank: the branch's place by its annual mean. ✓ = yes, – = no.",
        "季度数：本年内各项处理结果（任一检查）出现的季度数。排名：按年均分的名次。✓ = 是，– = 否。",
    ),
    "encodings_tables": ("{n} tables", "{n} 张表"),
}

# Drill-through (bankperf_analysis.report.links, the overview's matrix, regions, 红黑榜 and
# funnels, the index page's columns).
_DRILL: dict[str, tuple[str, str]] = {
    "nav_label": ("Report navigation", "报告导航"),
    "nav_index": ("All reports", "报告索引"),
    "nav_overview": ("Bank overview", "全行概览"),
    "nav_region": ("Region {region}", "区域：{region}"),
    "nav_annual": ("Annual summary", "年度总结"),
    "nav_previous": ("Previous: {branch}", "上一网点：{branch}"),
    "nav_next": ("Next: {branch}", "下一网点：{branch}"),
    "heading_matrix": ("Every KPI by branch", "各网点全部指标"),
    "note_matrix": (
        "Each cell: the branch's value and its sample size n. Colour: met, near (within 5 %) or "
        "below the target; grey: fewer than the minimum n, or no target. Yearly targets are "
        "compared on their basis. Click a branch for its report.",
        "每格：网点数值及样本量 n。颜色：达标、接近（差距 5 % 以内）或未达标；灰色：样本量低于最低要求"
        "或无目标。年度目标按其比较口径计算。点击网点查看其报告。",
    ),
    "heading_regions": ("Regions", "区域汇总"),
    "note_regions": (
        "Each region's value, its rank among the {n} regions (1 = best), and its best and worst "
        "branch per KPI among branches with at least the minimum n.",
        "各区域数值、在 {n} 个区域中的排名（1 = 最佳），以及区域内各指标最佳与最差网点"
        "（仅含样本量达到最低要求的网点）。",
    ),
    "label_region": ("Region", "区域"),
    "label_region_rank": ("Rank among regions", "区域排名"),
    "label_branches_of_region": ("Branches", "所辖网点"),
    "heading_red_black": ("Best and worst branch per KPI", "红黑榜：各指标最佳与最差网点"),
    "note_red_black": (
        "Over every branch with at least the minimum n, in each KPI's direction (higher or "
        "lower is better); ties go to the first branch id.",
        "仅含样本量达到最低要求的网点，按各指标方向（越高越好或越低越好）排序；并列时取网点编号在前者。",
    ),
    "label_best": ("Best", "红榜（最佳）"),
    "label_worst": ("Worst", "黑榜（最差）"),
    "heading_funnels": ("Funnel plots of the rate KPIs", "比率指标漏斗图"),
    "index_group_bank": ("Bank reports", "全行报告"),
    "index_group_branch": ("Branch reports", "网点报告"),
    "index_group_other": ("Other reports", "其他报告"),
    "index_key_figures": ("Key figures", "要点"),
}

# -- issue 17: shift rosters (bankperf_analysis.staffing.roster, bankperf roster) --
_ROSTER: dict[str, tuple[str, str]] = {
    "roster_title": ("Shift roster, {minutes}-min intervals", "排班方案（{minutes} 分钟时段）"),
    "roster_msg_optimal": (
        "least-cost plan; every interval covered",
        "成本最低方案；每个时段的在岗人数均满足需求",
    ),
    "roster_msg_time_limit": (
        "every interval covered; the time limit stopped the solver before it proved the least cost",
        "每个时段均满足需求；求解在证明成本最低之前达到时间上限",
    ),
    "roster_msg_abs": (
        "closest plan to the requirement (least total difference), then least cost",
        "与需求最接近的方案（总差额最小），其次成本最低",
    ),
    "roster_msg_shortfall": (
        "SHORTFALL PLAN: the requirement cannot be met within {limits}; this plan leaves "
        "{hours} staff-hours short, the least possible, at the least cost for that",
        "缺口方案：在{limits}下无法满足需求；本方案缺口 {hours} 人·小时，"
        "为可能的最小值，且在此前提下成本最低",
    ),
    "roster_limit_max_headcount": ("the headcount cap", "人数上限"),
    "roster_limit_weekly_budget_yuan": ("the weekly budget", "每周预算"),
    "roster_limit_max_on_duty": ("the cap on staff on duty", "同时在岗人数上限"),
    "roster_limit_templates": ("the shift templates", "现有班次模板"),
    "roster_unit_staff_hours": ("staff-hours", "人·小时"),
    "roster_fact_status": ("Plan", "方案"),
    "roster_fact_cost": ("Shift cost per week", "每周班次成本"),
    "roster_fact_headcount": ("Headcount", "所需人数"),
    "roster_headcount_value": ("{full} full-time + {part} part-time", "全职 {full} 人 + 兼职 {part} 人"),
    "roster_fact_required": ("Required on duty", "需求在岗时长"),
    "roster_fact_on_duty": ("Rostered on duty", "排班在岗时长"),
    "roster_fact_idle": ("Idle (above requirement)", "闲置（超出需求）"),
    "roster_fact_shortfall": ("Short (below requirement)", "缺口（低于需求）"),
    "roster_fact_service_level": ("Service level, contact-weighted", "服务水平（按来电量加权）"),
    "roster_heading_shifts": ("Staff per shift and day", "各班次每日人数"),
    "roster_heading_cover": ("On duty / required, per interval", "各时段在岗人数/需求人数"),
    "roster_note_cover": ("Open intervals only; a dash: closed.", "仅列营业时段；短横线表示未营业。"),
    "roster_heading_service": ("Service level per interval", "各时段服务水平"),
    "roster_note_service": (
        "Erlang model with the staff on duty after shrinkage.",
        "按排班在岗人数（扣除非服务时间后）以爱尔朗模型计算。",
    ),
    "roster_queue": ("Queue: {queue}", "队列：{queue}"),
    "queue_counter": ("counter", "柜台"),
    "queue_phone_online": ("phone and online", "电话与在线"),
    "label_shift": ("Shift", "班次"),
    "label_break": ("meal break", "用餐"),
    "label_time": ("Time", "时间"),
}

LABELS: dict[str, dict[str, str]] = {
    key: {"en": en, "zh": zh}
    for table in (
        _KPIS,
        _CHANNELS,
        _ROLES,
        _UNITS,
        _WORDS,
        _REPORT,
        _MISSING,
        _COUNTS,
        _PERIOD_BASIS,
        _L10N,
        _DRILL,
        _ROSTER,
    )
    for key, (en, zh) in table.items()
}
# -- issue 15: number formats (bankperf_analysis.numbers), headline banner and KPI tiles --
_HEADLINE: dict[str, tuple[str, str]] = {
    "num_pp": ("pp", "个百分点"),
    "num_unadjusted": ("unadjusted", "未校正"),
    "label_consequence": ("Consequence", "考核结果"),
    "label_rank_bank": ("Rank in the bank", "全行排名"),
    "label_rank_region": ("Rank in the region", "区域排名"),
    "hl_rank": (
        "{rank} / {n} in the bank, {rank_region} / {n_region} in {region}",
        "全行第 {rank} / {n} 名，{region}第 {rank_region} / {n_region} 名",
    ),
    "hl_not_ranked": ("not ranked (no composite score)", "未排名（无综合得分）"),
    "hl_no_checks": ("not available: no check data", "无法确定：无检查数据"),
    "hl_consequence_none": ("no reward, no pay cut, no re-check", "无奖励、无扣罚、无需复查"),
    "hl_cut_total": ("in all {share} of the branch's performance pay", "合计扣罚网点绩效工资的 {share}"),
    "hl_cut_yuan": (" ({yuan} yuan)", "（{yuan} 元）"),
    "hl_sev_heavier_cut": ("heavier pay cut", "加重扣罚"),
    "hl_sev_cut": ("pay cut", "扣罚"),
    "hl_sev_recheck": ("re-check", "复查"),
    "hl_sev_reward": ("reward", "奖励"),
    "hl_sev_none": ("none", "无"),
    "hl_moved": ("Moved most since last quarter", "较上季度变化最大"),
    "hl_no_moves": ("no KPI with a tested change", "无可检验变化的指标"),
    "hl_no_previous": (
        "no previous quarter ({previous}) in the data: no change to show",
        "数据中没有上一季度（{previous}），无法比较变化",
    ),
    "hl_flag_up": ("significant rise", "显著上升"),
    "hl_flag_down": ("significant fall", "显著下降"),
    "hl_flag_ns": ("within noise", "在随机波动范围内"),
    "hl_flag_lost": ("not significant after adjusting for all branches", "按所有网点校正后不显著"),
    "hl_flag_inconclusive": ("too little data to tell", "样本不足，无法判断"),
    "hl_flag_untested": ("not tested", "未检验"),
    "hl_action": ("To do", "行动建议"),
    "hl_act_cut": (
        "Raise the {checks} before next quarter's re-check: this quarter they cost {share} "
        "of the branch's performance pay.",
        "在下季度复查前提升{checks}得分：本季度因此扣罚网点绩效工资的 {share}。",
    ),
    "hl_act_fall": (
        "Find out why {kpi} changed for the worse: the change is significant, not noise.",
        "查明{kpi}变差的原因：这一变化在统计上显著，并非随机波动。",
    ),
    "hl_act_below": (
        "Bring {kpis} up to target: the branch is below it.",
        "将{kpis}提升到目标水平：本网点未达标。",
    ),
    "hl_act_recheck": (
        "Prepare for next quarter's re-check: the score is below the re-check line.",
        "为下季度复查做好准备：本季度得分低于复查线。",
    ),
    "hl_act_keep": (
        "Keep the course: no pay cut, no significant change for the worse.",
        "保持现状：无扣罚，也无显著变差的指标。",
    ),
    "tile_change": ("{change} vs {previous}", "较{previous} {change}"),
    "tile_no_previous": ("no previous quarter to compare", "无上一季度可比较"),
    "tile_bank_wide": (
        "below target in every branch: a bank-wide gap, not this branch's",
        "所有网点均未达标：属全行性差距，并非本网点问题",
    ),
    **{
        f"n_unit_{key}{one}": (en_one if one else en, zh)
        for key, en, en_one, zh in (
            ("surveys", "surveys", "survey", "份问卷"),
            ("contacts", "contacts", "contact", "次接触"),
            ("complaints", "complaints", "complaint", "件投诉"),
            ("transactions", "transactions", "transaction", "笔交易"),
            ("inspections", "inspections", "inspection", "次检查"),
            ("sessions", "training places", "training place", "人次培训"),
            ("customers", "customers", "customer", "位客户"),
            ("visits", "visits", "visit", "次暗访"),
            ("video_checks", "video checks", "video check", "次视频检查"),
            ("counter_visits", "counter customers", "counter customer", "位柜台客户"),
            ("staff_months", "staff-months", "staff-month", "人月"),
            ("teller_months", "teller-months", "teller-month", "柜员月"),
            ("observations", "observations", "observation", "个观测"),
        )
        for one in ("", "_one")
    },
}
LABELS.update({key: {"en": en, "zh": zh} for key, (en, zh) in _HEADLINE.items()})
# -- the tables of bankperf_analysis._i18n_more (HR workbook, appraisal sheet, staffing...) --
LABELS.update({key: {"en": en, "zh": zh} for key, (en, zh) in MORE_LABELS.items()})
KPI_KEYS: tuple[str, ...] = tuple(_KPIS)
ROLE_KEYS: tuple[str, ...] = tuple(_ROLES)


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is a supported language, else raise :class:`ParamsError`."""
    if lang not in LANGS:
        raise ParamsError(f"The 'lang' parameter must be one of {list(LANGS)}. Got {lang!r} instead.")
    return lang


def t(key: str, lang: str = "en", **fmt: object) -> str:
    """Translate a label key into ``lang``.

    Parameters
    ----------
    key : str
        Label key, e.g. ``"satisfaction_rate"``, ``"status_met"``, ``"heading_kpis"``.
    lang : {"en", "zh"}
        Language of the report.
    **fmt
        Values substituted with :meth:`str.format` into the label.

    Returns
    -------
    str
        The label. Unknown keys raise :class:`ParamsError` rather than leaking an
        English identifier into a Chinese report.
    """
    check_lang(lang)
    try:
        text = LABELS[key][lang]
    except KeyError:
        raise ParamsError(
            f"The 'key' parameter of t must be a known label key. Got {key!r} instead."
        ) from None
    return text.format(**fmt) if fmt else text


def kpi_label(kpi: str, lang: str = "en") -> str:
    """Name of a KPI in ``lang`` (``kpi_label("churn_rate", "zh") == "客户流失率"``)."""
    if kpi not in _KPIS:
        raise ParamsError(f"The 'kpi' parameter of kpi_label must be a known KPI. Got {kpi!r} instead.")
    return t(kpi, lang)


def role_label(role: str, lang: str = "en") -> str:
    """Name of a staff role in ``lang`` (``role_label("teller", "zh") == "柜员"``)."""
    if role not in _ROLES:
        raise ParamsError(f"The 'role' parameter of role_label must be a known role. Got {role!r} instead.")
    return t(role, lang)


def unit_label(unit: str, lang: str = "en") -> str:
    """Unit in ``lang``; ``unit`` is the key without its ``unit_`` prefix (``"seconds"``)."""
    return t(unit if unit.startswith("unit_") else f"unit_{unit}", lang)


def label_map(keys: Mapping[str, str] | list[str], lang: str) -> dict[str, str]:
    """Map label keys (e.g. DataFrame column names) to their text, for ``DataFrame.rename``."""
    return {k: t(k, lang) for k in keys}


_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~])")


def safe_html(text: object) -> str:
    """Escape ``text`` for HTML (``<``, ``>``, ``&``, quotes).

    Use for any name (staff, branch) put into HTML that a notebook builds itself.
    ``DataFrame.to_html`` and the report template already escape.
    """
    return html.escape(str(text), quote=True)


def md_escape(text: object) -> str:
    """Escape ``text`` for Markdown output: HTML-escape it, then backslash Markdown syntax.

    Use for names put into ``IPython.display.Markdown`` or markdown strings, e.g.
    ``Markdown("## " + md_escape(branch_name))``: Markdown passes raw HTML through,
    so an unescaped ``<script>`` in a name would become a live tag.
    """
    escaped = safe_html(text).replace("\r", " ").replace("\n", " ")
    return _MD_SPECIAL.sub(r"\\\1", escaped)

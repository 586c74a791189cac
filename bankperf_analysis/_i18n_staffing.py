"""Labels of the staffing plan as people read it (``bankperf staffing --lang``), in en and zh.

Merged into :data:`bankperf_analysis.i18n.LABELS` (keys ``stf_...``); a test checks every key has
both languages.
"""

from __future__ import annotations

__all__ = ["STAFFING_LABELS"]

#: Column headers of the plan's tables: ``stf_col_<column id>``.
_COLUMNS: dict[str, tuple[str, str]] = {
    "stf_col_queue": ("Queue", "队列"),
    "stf_col_role": ("Role", "岗位"),
    "stf_col_contacts_per_week": ("Contacts per week (plan)", "每周来访量（计划）"),
    "stf_col_observed_per_week": ("Contacts per week (observed)", "每周来访量（实际）"),
    "stf_col_aht_seconds": ("Handling time", "平均处理时长"),
    "stf_col_peak_interval": ("Peak interval", "高峰时段"),
    "stf_col_peak_contacts": ("Contacts in the peak interval", "高峰时段来访量"),
    "stf_col_agent_hours_per_week": ("Agent hours per week", "每周坐席工时"),
    "stf_col_on_shift_hours_per_week": ("On-shift hours per week", "每周在班工时"),
    "stf_col_rostered_hours_per_week": ("Rostered hours per week", "每周排班工时"),
    "stf_col_understaffed_intervals": ("Understaffed intervals", "人手不足时段"),
    "stf_col_worst_gap": ("Largest gap", "最大缺口"),
    "stf_col_service_level_with_roster": ("Service level with the roster", "现有排班服务水平"),
    "stf_col_required_fte": ("Required FTE", "所需人力（FTE）"),
    "stf_col_scheduled_fte": ("Scheduled FTE", "排班人力（FTE）"),
    "stf_col_rostered_fte": ("Rostered FTE", "在册排班人力（FTE）"),
    "stf_col_current_headcount": ("Current headcount", "现有人数"),
    "stf_col_minimum_headcount": ("Minimum headcount", "最低人数"),
    "stf_col_planned_headcount": ("Planned headcount", "定编人数"),
    "stf_col_basis": ("Basis", "定编依据"),
    "stf_col_change": ("Change", "增减"),
    "stf_col_rule": ("Rule", "规则"),
    "stf_col_required": ("Required", "要求"),
    "stf_col_actual": ("Actual", "实有"),
    "stf_col_passed": ("Met", "是否达标"),
    "stf_col_message": ("Finding", "结论"),
    "stf_col_extra_fte": ("Extra FTE", "增加人力（FTE）"),
    "stf_col_extra_fte_service_level": ("Extra FTE for the service level", "服务水平所需增加（FTE）"),
    "stf_col_extra_fte_posts": ("Extra FTE for posts and sales share", "岗位与营销占比所需增加（FTE）"),
    "stf_col_surplus_fte": ("Surplus FTE", "富余人力（FTE）"),
    "stf_no_extra_line": (
        "The plan adds no staff: the current headcount meets the service level and the post rules.",
        "编制方案无需增加人员：现有人数已满足服务水平及岗位要求。",
    ),
    "stf_col_salary_per_fte_yuan_per_year": ("Salary per FTE (yuan/year)", "人均年薪（元）"),
    "stf_col_cost_yuan_per_year": ("Cost (yuan/year)", "年成本（元）"),
    "stf_col_surplus_saving_yuan_per_year": ("Saving from surplus (yuan/year)", "富余人员节约（元/年）"),
    "stf_col_satisfaction_points_assumed": ("Satisfaction points assumed", "假设满意度提升（分）"),
    "stf_col_yuan_per_point_per_year": ("Value per point (yuan/year)", "每分年价值（元）"),
    "stf_col_benefit_yuan_per_year": ("Benefit (yuan/year)", "年收益（元）"),
    "stf_col_net_yuan_per_year": ("Net (yuan/year)", "年净收益（元）"),
    "stf_col_benefit_cost_ratio": ("Benefit / cost", "收益成本比"),
    "stf_col_break_even_points": ("Break-even points", "盈亏平衡所需提升（分）"),
    "stf_col_target_service_level": ("Service-level target", "服务水平目标"),
    "stf_col_achieved_service_level": ("Service level achieved", "可达服务水平"),
    "stf_col_peak_staff": ("Peak staff", "高峰人数"),
    "stf_col_staff_hours_per_week": ("Staff hours per week", "每周人工时"),
    "stf_col_fte": ("FTE", "人力（FTE）"),
    "stf_col_weekday": ("Weekday", "星期"),
}

#: Headings, notes and words.
_WORDS: dict[str, tuple[str, str]] = {
    "stf_title": (
        "Staffing plan: branch {branch}, {plan_quarter} (from {quarter} data), {minutes}-min intervals",
        "人力配置方案：网点 {branch}，{plan_quarter}（依据{quarter}数据），{minutes} 分钟时段",
    ),
    "stf_demand": ("Demand (contacts per typical week)", "业务量（典型一周来访量）"),
    "stf_demand_note": (
        "Planning demand: {source} ({plan_quarter}); observed: {quarter}, ordinary open days.",
        "计划业务量：{source}（{plan_quarter}）；实际：{quarter}，普通营业日。",
    ),
    "stf_source_forecast": ("forecast", "预测"),
    "stf_source_observed": ("the observed profile", "实际分布"),
    "stf_required": ("Required vs rostered", "所需人力与现有排班"),
    "stf_required_note": (
        "Agents meet {sl} within {answer} s and mean response ≤ {asa} s ({model}); on shift = agents / "
        "(1 − {shrinkage} shrinkage).",
        "坐席人数满足 {answer} 秒内接通率 {sl}、平均响应时间 ≤ {asa} 秒（{model}）；在班人数 = 坐席人数 ÷"
        "（1 − 非生产时间占比 {shrinkage}）。",
    ),
    "stf_gap": (
        "Gap, {queue}: rostered − required on shift (weekday × hour)",
        "缺口（{queue}）：现有排班 − 所需在班人数（星期 × 小时）",
    ),
    "stf_gap_note": (
        "Negative = understaffed if the current roster is kept.",
        "负数表示沿用现有排班时人手不足。",
    ),
    "stf_headcount": ("Headcount (定编)", "定编"),
    "stf_headcount_note": (
        "FTE = staff-hours of a typical week / {hours} h; planned headcount rounds up (a shift plan needs "
        "some slack).",
        "FTE = 典型一周人工时 ÷ {hours} 小时；定编人数向上取整（排班需要一定余量）。",
    ),
    "stf_posts": ("Minimum posts", "最低岗位配置"),
    "stf_cost": ("Cost vs benefit (yuan per year)", "成本与收益（元/年）"),
    "stf_cost_note": (
        "Benefit assumes +{points} satisfaction points a year (planning assumption: the source's plan, "
        "65 % → 75 % in year one), valued at {yuan} yuan per point per year (the value per point set in "
        "the scheme's staffing section); it is not a measured effect of staffing. Added "
        "staff cost the salary per FTE; staff above the plan are credited the same salary as a saving "
        "once the roster is brought to plan.",
        "收益按每年满意度提升 {points} 分估算（规划假设：来源文件的目标，第一年由 65 % 提升至 75 %），"
        "每分每年价值 {yuan} 元（取自考核方案的人力配置参数“每分年价值”）；这不是实测的"
        "人员配置效果。新增人员按人均年薪计成本；超出定编的富余人员按同一年薪计为节约（排班调整到定编后实现）。",
    ),
    "stf_what_if": ("What if: service-level target", "假设分析：服务水平目标"),
    "stf_what_if_note": (
        "Same mean-response limit and shrinkage; answered within {answer} s.",
        "平均响应时间上限与非生产时间占比不变；{answer} 秒内接通。",
    ),
    "stf_of": ("{n} of {total}", "{total} 个中 {n} 个"),
    "stf_basis_queue": (
        "{model}: {sl} in {answer} s, mean response ≤ {asa} s, shrinkage {shrinkage}",
        "{model}：{answer} 秒内接通率 {sl}，平均响应 ≤ {asa} 秒，非生产时间占比 {shrinkage}",
    ),
    "stf_basis_kept": ("kept at current headcount", "维持现有人数"),
    "stf_basis_minimum": ("minimum post", "最低岗位要求"),
    "stf_basis_raised": (
        "raised by {n} for sales staff ≥ {share}",
        "为使营销人员占比 ≥ {share} 增加 {n} 人",
    ),
    "stf_rule_staff": ("Any staff", "在岗人员"),
    "stf_rule_lobby_manager": ("Lobby manager", "大堂经理"),
    "stf_rule_non_cash_teller": ("Non-cash teller", "非现金柜员"),
    "stf_rule_sales_share": ("Sales-staff share", "营销人员占比"),
    "stf_post_found": ("{actual}; at least {required} required", "实有 {actual}，至少需要 {required}"),
    "stf_none": ("(none)", "（无）"),
    "stf_wrote": ("wrote {files}", "已写出 {files}"),
    "stf_done": ("done in {seconds} s", "完成，用时 {seconds} 秒"),
    "stf_model_erlang_c": ("Erlang C", "爱尔朗排队模型（不计放弃）"),
    "stf_model_erlang_a": ("Erlang A", "爱尔朗排队模型（计入客户放弃）"),
    "stf_sheet_demand": ("Demand", "业务量"),
    "stf_sheet_required": ("Required vs rostered", "所需人力与排班"),
    "stf_sheet_gap": ("Gap {queue}", "缺口-{queue}"),
    "stf_sheet_headcount": ("Headcount", "定编"),
    "stf_sheet_posts": ("Minimum posts", "最低岗位配置"),
    "stf_sheet_cost_benefit": ("Cost vs benefit", "成本与收益"),
    "stf_sheet_what_if": ("What if", "假设分析"),
    "stf_sheet_notes": ("Notes", "说明"),
    "stf_forecast_seasonal_naive": ("Seasonal naive (same slot last week)", "季节性朴素预测（上周同时段）"),
    "stf_forecast_poisson": ("Poisson count model", "泊松计数模型"),
    "stf_forecast_negbin": ("Negative binomial count model", "负二项计数模型"),
    "stf_forecast_col_model": ("Forecast", "预测方法"),
    "stf_forecast_col_wape": ("WAPE", "加权绝对百分比误差"),
    "stf_forecast_col_wape_vs_baseline": ("WAPE ÷ seasonal naive", "误差 ÷ 季节性朴素预测的误差"),
    "stf_forecast_col_beats_baseline": ("Better than seasonal naive", "优于季节性朴素预测"),
    "stf_forecast_note": (
        "Rolling-origin backtest over the last four weeks of the data: each week is forecast from the "
        "weeks before it. WAPE = sum of absolute errors ÷ sum of contacts; lower is better.",
        "滚动起点回测（数据最后四周）：每周都只用之前的数据预测。"
        "加权绝对百分比误差 = 绝对误差之和 ÷ 来访量之和，越低越好。",
    ),
    "stf_col_table": ("Table", "表"),
    "stf_saving_line": (
        "Staff above the plan ({fte:.1f} FTE, in the roles whose planned headcount is below today's) would "
        "save {saving:,.0f} yuan a year once the roster is brought to plan.",
        "定编人数低于现有人数的岗位共富余人员（FTE {fte:.1f}），调整到定编后每年可节约 {saving:,.0f} 元。",
    ),
    "stf_col_note": ("Note", "说明"),
}

#: Every staffing label, ``key -> (en, zh)``.
STAFFING_LABELS: dict[str, tuple[str, str]] = {**_COLUMNS, **_WORDS}

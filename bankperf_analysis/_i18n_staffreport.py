"""Labels of the staffing report's roster and roster what-if (``bankperf report --kind staffing``).

The plan's own tables are worded by :mod:`bankperf_analysis.staffing.shown` (``stf_`` keys) and the
roster's by :mod:`bankperf_analysis.staffing.roster` (``roster_`` keys). These are the new
sections of :class:`~bankperf_analysis.report.staffing.StaffingReport`: the proposed roster per
queue, its figure (required vs scheduled staff across the week), the what-if of the roster, and
the headline keys the quarter's index page shows. Every key starts with ``srep_``.
"""

from __future__ import annotations

__all__ = ["STAFFREPORT_LABELS"]

STAFFREPORT_LABELS: dict[str, tuple[str, str]] = {
    "srep_heading_roster": ("Proposed roster (排班)", "排班建议"),
    "srep_heading_roster_what_if": ("What if: the roster under changes", "假设分析：排班方案的变化"),
    "srep_heading_target_what_if": ("What if: service-level target", "假设分析：服务水平目标"),
    "srep_roster_intro": (
        "The least-cost week of shifts (integer program) that puts on duty at least the staff the plan "
        "requires in every open interval of {plan_quarter}, with the shift templates, meal breaks and days "
        "off of the scheme.",
        "在{plan_quarter}每个营业时段的在岗人数不低于定编方案所需人数的前提下，按方案中的班次模板、用餐时间和"
        "休息日，成本最低的一周排班（整数规划求解）。",
    ),
    "srep_queue": ("Queue: {queue}", "队列：{queue}"),
    "srep_figure_title": ("Required and scheduled staff, {queue}", "所需与排班在岗人数：{queue}"),
    "srep_figure_required": ("Required on duty", "所需在岗人数"),
    "srep_figure_on_duty": ("Scheduled on duty", "排班在岗人数"),
    "srep_figure_short": ("Short", "缺口"),
    "srep_figure_staff": ("Staff", "人数"),
    "srep_figure_note": (
        "Across the week, per {minutes}-minute interval: the shaded area is the staff the roster puts on "
        "duty, the line the staff required; red marks an interval short of its requirement.",
        "按一周各 {minutes} 分钟时段：阴影为排班在岗人数，折线为所需人数；红色表示该时段人手不足。",
    ),
    "srep_no_roster": ("No queue of this branch has demand to roster.", "本网点各队列均无需求，无需排班。"),
    "srep_col_scenario": ("Scenario", "情景"),
    "srep_col_queue": ("Queue", "队列"),
    "srep_col_feasible": ("Covers the requirement", "满足所需人数"),
    "srep_col_headcount": ("Headcount", "所需人数"),
    "srep_col_cost": ("Shift cost per week (yuan)", "每周班次成本（元）"),
    "srep_col_cost_change": ("Change vs proposed (yuan)", "较建议方案变化（元）"),
    "srep_col_service_level": ("Service level", "服务水平"),
    "srep_col_shortfall": ("Short (staff-hours)", "缺口（人·小时）"),
    "srep_scenario_proposed": ("Proposed roster", "建议排班"),
    "srep_scenario_demand_up_same": ("Demand {change}, same roster", "需求{change}，排班不变"),
    "srep_scenario_demand_up_rostered": ("Demand {change}, re-rostered", "需求{change}，重新排班"),
    "srep_scenario_one_more": ("One more on duty in every interval", "每个时段多一人在岗"),
    "srep_scenario_one_fewer": ("One staff fewer (headcount cap)", "减少一人（人数上限）"),
    "srep_what_if_note": (
        "Each scenario is rostered again by the same integer program and valued by the same Erlang model "
        "(service level: share answered within {answer} s, weighted by contacts). With one staff fewer the "
        "plan is the least shortfall under that cap.",
        "每个情景均用同一整数规划重新排班，并用同一爱尔朗模型评估"
        "（服务水平：{answer} 秒内接通的比例，按来电量加权）。减少一人时为该人数上限下缺口最小的方案。",
    ),
    "srep_index_planned": ("Planned headcount (定编)", "定编人数"),
    "srep_index_change": ("Change vs staff in post", "较现有人数增减"),
    "srep_index_roster_cost": ("Roster cost per week (yuan)", "每周排班成本（元）"),
    "srep_index_service_rate": ("Roster service level", "排班服务水平"),
    "srep_shift_full_day": ("Full day", "全天班"),
    "srep_shift_part_time_4h": ("Part-time 4 h", "4 小时兼职班"),
    "srep_index_group": ("Staffing plans and rosters", "定编与排班"),
}

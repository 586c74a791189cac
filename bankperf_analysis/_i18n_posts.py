"""Labels of branch types and of the minimum-post findings (定编, source 003 措施(二)), in en and zh.

Branch types are ``branch_type_<id>`` (:data:`bankperf_analysis.dataset.schema.BRANCH_TYPES`, shown
by :func:`bankperf_analysis.l10n.value_label`); a post that is a role is named by its role label,
the non-cash teller by ``stf_rule_non_cash_teller`` (:mod:`bankperf_analysis._i18n_staffing`).
Merged into :data:`bankperf_analysis.i18n.LABELS` through :mod:`bankperf_analysis._i18n_more`.
"""

from __future__ import annotations

__all__ = ["POST_LABELS"]

#: Every label of this table, ``key -> (en, zh)``.
POST_LABELS: dict[str, tuple[str, str]] = {
    # 003 措施(二)(2): 所有网点 / 精品网点 / 理财中心 / 营业部; "standard" and "community" are the
    # package's words for outlets 003 does not single out.
    "branch_type_flagship": ("premium outlet", "精品网点"),
    "branch_type_standard": ("standard branch", "标准网点"),
    "branch_type_community": ("community branch", "社区网点"),
    "branch_type_wealth_center": ("wealth-management centre", "理财中心"),
    "branch_type_business_department": ("business department", "营业部"),
    "post_finding": (
        "{post}: {actual}; a {branch_type} needs at least {required}",
        "{post}：实有 {actual} 人，{branch_type}至少需要 {required} 人",
    ),
    "post_finding_sales": (
        "Sales staff: {sales} of {staff} ({share}); at least {minimum} required (sales posts: {posts})",
        "营销人员：{staff} 人中 {sales} 人（{share}），至少需要 {minimum}（营销岗位：{posts}）",
    ),
    "post_finding_no_staff": ("No current staff", "无在岗人员"),
    "post_any_branch": ("branch", "网点"),
}

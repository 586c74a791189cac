"""Wording of the shrinkage methods (:func:`bankperf_analysis.significance.league.shrink_rates`).

Kept in its own table (keys prefixed ``shrink_``), merged into :data:`bankperf_analysis.i18n.LABELS`
through :mod:`bankperf_analysis._i18n_more`; read with :func:`~bankperf_analysis.i18n.t` or
:func:`shrink_text`.
"""

from __future__ import annotations

__all__ = ["SHRINK_LABELS", "shrink_text"]

SHRINK_LABELS: dict[str, tuple[str, str]] = {
    "shrink_title_beta-binomial": (
        "Empirical-Bayes shrunk rates (beta-binomial)",
        "经验贝叶斯收缩估计（贝塔-二项）",
    ),
    "shrink_title_james-stein": ("James-Stein shrunk rates", "詹姆斯-斯坦收缩估计"),
    "shrink_title_none": ("Raw rates (no shrinkage)", "原始比率（未收缩）"),
    "shrink_method_beta-binomial": (
        "shrinkage: beta-binomial empirical Bayes",
        "收缩方法：贝塔-二项经验贝叶斯",
    ),
    "shrink_method_james-stein": (
        "shrinkage: positive-part James-Stein (arcsine scale)",
        "收缩方法：正部詹姆斯-斯坦估计（反正弦尺度）",
    ),
    "shrink_method_none": ("no shrinkage: raw rates", "未收缩：原始比率"),
    "shrink_note_beta-binomial": (
        "prior Beta({a}, {b}): mean {mean}, strength a + b = {strength}; {level} % posterior "
        "intervals; ranked by shrunk rate",
        "先验为贝塔分布（{a}，{b}）：均值 {mean}，先验强度 {strength}；{level} % 后验区间；按收缩估计排名",
    ),
    "shrink_note_james-stein": (
        "{k} entities pulled {factor} of the way to the common rate {mean}; {level} % "
        "empirical-Bayes intervals (Morris 1983); ranked by shrunk rate",
        "{k} 个对象向共同比率 {mean} 收缩 {factor}；{level} % 经验贝叶斯区间（莫里斯 1983）；按收缩估计排名",
    ),
    "shrink_note_none": (
        "rates as observed; {level} % Wilson intervals; ranked by raw rate",
        "按观测值计算的比率；{level} % 威尔逊区间；按原始比率排名",
    ),
    "shrink_no_data": (
        "{m} without data: shown at the common rate, without interval",
        "{m} 个对象无数据：按共同比率显示，不给区间",
    ),
}


def shrink_text(key: str, lang: str = "en", **fmt: object) -> str:
    """The ``lang`` wording of a ``shrink_`` key, formatted with ``fmt`` (through ``i18n.t``)."""
    from bankperf_analysis.i18n import t

    return t(key, lang, **fmt)

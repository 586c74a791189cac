"""Wording of the ordinal regression and of its Brant test, in English and Chinese.

Kept in its own table (keys prefixed ``ordinal_``) like :mod:`bankperf_analysis._i18n_sheet`, so
that it cannot collide with another table's keys; merged into :data:`bankperf_analysis.i18n.LABELS`
through :mod:`bankperf_analysis._i18n_more`. Read it with :func:`ordinal_text`::

    >>> ordinal_text("ordinal_sig", "zh")
    '统计显著'
"""

from __future__ import annotations

__all__ = ["ORDINAL_LABELS", "ordinal_text"]

ORDINAL_LABELS: dict[str, tuple[str, str]] = {
    "ordinal_up": (
        "{term}: higher scores more likely ({effect}, {ci})",
        "{term}：评分更可能偏高（{effect}，{ci}）",
    ),
    "ordinal_down": (
        "{term}: lower scores more likely ({effect}, {ci})",
        "{term}：评分更可能偏低（{effect}，{ci}）",
    ),
    "ordinal_flat": (
        "{term}: no clear association with the score ({effect}, {ci})",
        "{term}：与评分无明显关联（{effect}，{ci}）",
    ),
    "ordinal_or": ("odds ratio {value}", "优势比 {value}"),
    "ordinal_latent": ("latent-scale coefficient {value}", "潜变量尺度系数 {value}"),
    "ordinal_ci": ("{level} % CI {lo} to {hi}", "{level} % 置信区间 {lo} 至 {hi}"),
    "ordinal_sig": ("statistically significant", "统计显著"),
    "ordinal_noise": (
        "not distinguishable from noise at this sample size",
        "在当前样本量下与随机波动无法区分",
    ),
    "ordinal_sep": (", ", "，"),
    "ordinal_paren": (" ({text})", "（{text}）"),
    "ordinal_levels_found": ("levels found, in order: {levels}", "识别出的等级（由低到高）：{levels}"),
    "ordinal_brant_holds": (
        "The proportional-odds assumption holds: no evidence against it "
        "(Brant test: χ² = {chi2}, df = {df}, {p})",
        "比例优势假设成立：无证据表明其不成立（Brant 检验：χ² = {chi2}，自由度 = {df}，{p}）",
    ),
    "ordinal_brant_doubtful": (
        "The proportional-odds assumption is doubtful (Brant test: χ² = {chi2}, df = {df}, {p})",
        "比例优势假设存疑（Brant 检验：χ² = {chi2}，自由度 = {df}，{p}）",
    ),
    "ordinal_brant_term_holds": (
        "The proportional-odds assumption holds for {term} (χ² = {chi2}, df = {df}, {p})",
        "对于 {term}，比例优势假设成立（χ² = {chi2}，自由度 = {df}，{p}）",
    ),
    "ordinal_brant_term_doubtful": (
        "The proportional-odds assumption is doubtful for {term} (χ² = {chi2}, df = {df}, {p})",
        "对于 {term}，比例优势假设存疑（χ² = {chi2}，自由度 = {df}，{p}）",
    ),
}


def ordinal_text(key: str, lang: str = "en", **fmt: object) -> str:
    """The text of ``key`` in ``lang`` (``"en"`` or ``"zh"``), formatted with ``fmt``."""
    from bankperf_analysis.i18n import t

    return t(key, lang, **fmt)

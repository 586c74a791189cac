"""Verdict wording of the change tests: one sentence for managers, in English or Chinese.

:func:`render_verdict` turns a :class:`~bankperf_analysis.significance.result.ChangeTestResult`
into "Satisfaction fell 4.0 percentage points (95 % CI -7.3 to -0.7), statistically significant"
(what changed, then how sure we are: significant, lost after adjustment, noise, or
inconclusive at this sample size). :func:`fmt_num` formats numbers for summary tables.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from bankperf_analysis.numbers import ci_note, fmt_number, fmt_signed

__all__ = [
    "TEXT",
    "DEFAULT_DIGITS",
    "SCORE_TEST_NAMES",
    "resolve_label",
    "render_verdict",
    "fmt_num",
]

#: ``ChangeTestResult.method`` of the rate score test by ``correction`` (it starts the string).
SCORE_TEST_NAMES: dict[bool, str] = {
    True: "score test (Miettinen-Nurminen corrected)",
    False: "score test (uncorrected)",
}

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "label_rate": "The rate",
        "label_mean": "The mean score",
        "label_ordinal": "Scores",
        "unit_rate": "percentage points",
        "unit_mean": "points",
        "rose": "{label} rose {mag} {unit} ({ci})",
        "fell": "{label} fell {mag} {unit} ({ci})",
        "flat": "{label} did not change ({ci})",
        "bare": "{label} changed by {mag} {unit}",
        "ord_rose": "{label} rose: a score from this period beats one from the previous "
        "period with probability {ps} (ties count half; {ci}{odds})",
        "ord_fell": "{label} fell: a score from this period beats one from the previous "
        "period with probability {ps} (ties count half; {ci}{odds})",
        "ord_flat": "{label} did not shift: a score from this period beats one from the "
        "previous period with probability {ps} (ties count half; {ci}{odds})",
        "odds": "; odds ratio {value}",
        "ci2": "{level} % CI {lo}–{hi}{adj}",
        "ci2_signed": "{level} % CI {lo} to {hi}{adj}",
        "ci_lower": "{level} % lower bound {lo}{adj}",
        "ci_upper": "{level} % upper bound {hi}{adj}",
        "sep": ", ",
        "lang": "en",
        "significant": "statistically significant",
        "significant_adj": "statistically significant after adjusting for {m} comparisons",
        "lost_adj": "not statistically significant after adjusting for {m} comparisons",
        "noise": "not distinguishable from noise at this sample size",
        "inconclusive": "inconclusive: changes smaller than {mdc} {unit} cannot be detected "
        "with these samples",
        "inconclusive_inf": "inconclusive: these samples are too small to detect a change in this direction",
        "inconclusive_ord": "inconclusive: shifts of this probability smaller than {mdc} "
        "(from 0.50) cannot be detected with these samples",
        "untestable": "cannot be tested with these samples (n = {nb} vs {na})",
        "no_before": "{label}: no data for the previous period",
        "no_after": "{label}: no data for the current period",
        "no_both": "{label}: no data for either period",
        "score_corrected": " (corrected score test)",
        "score_uncorrected": " (uncorrected score test)",
    },
    "zh": {
        "label_rate": "比率",
        "label_mean": "平均分",
        "label_ordinal": "评分",
        "unit_rate": "个百分点",
        "unit_mean": "分",
        "rose": "{label}上升 {mag} {unit}（{ci}）",
        "fell": "{label}下降 {mag} {unit}（{ci}）",
        "flat": "{label}无变化（{ci}）",
        "bare": "{label}变化 {mag} {unit}",
        "ord_rose": "{label}上升：本期评分高于上期评分的概率为 {ps}（平局计一半；{ci}{odds}）",
        "ord_fell": "{label}下降：本期评分高于上期评分的概率为 {ps}（平局计一半；{ci}{odds}）",
        "ord_flat": "{label}无明显变化：本期评分高于上期评分的概率为 {ps}（平局计一半；{ci}{odds}）",
        "odds": "；优势比 {value}",
        "ci2": "{level} % 置信区间 {lo}–{hi}{adj}",
        "ci2_signed": "{level} % 置信区间 {lo} 至 {hi}{adj}",
        "ci_lower": "{level} % 置信下限 {lo}{adj}",
        "ci_upper": "{level} % 置信上限 {hi}{adj}",
        "sep": "，",
        "lang": "zh",
        "significant": "统计显著",
        "significant_adj": "经 {m} 项多重比较校正后统计显著",
        "lost_adj": "经 {m} 项多重比较校正后不再统计显著",
        "noise": "在当前样本量下与随机波动无法区分",
        "inconclusive": "结论不确定：以当前样本量无法检测小于 {mdc} {unit}的变化",
        "inconclusive_inf": "结论不确定：当前样本量过小，无法检测该方向的变化",
        "inconclusive_ord": "结论不确定：以当前样本量无法检测该概率偏离 0.50 小于 {mdc} 的变化",
        "untestable": "样本过少，无法检验（n = {nb} 对 {na}）",
        "no_before": "{label}：上一期无数据",
        "no_after": "{label}：本期无数据",
        "no_both": "{label}：两期均无数据",
        "score_corrected": "（校正得分检验）",
        "score_uncorrected": "（未校正得分检验）",
    },
}

DEFAULT_DIGITS = {"rate": 1, "mean": 2, "ordinal": 2}


def resolve_label(kpi_label: str | Mapping[str, str] | None, lang: str, kind: str) -> str:
    """Pick the KPI label for ``lang`` (a plain string is used for every language)."""
    if kpi_label is None:
        return TEXT[lang][f"label_{kind}"]
    if isinstance(kpi_label, Mapping):
        return str(kpi_label.get(lang) or TEXT[lang][f"label_{kind}"])
    return str(kpi_label)


def _fmt(v: float, digits: int, signed: bool = False) -> str:
    """The one number format of the reports (:mod:`bankperf_analysis.numbers`): no ``-0.0``."""
    return fmt_signed(v, digits) if signed else fmt_number(v, digits, grouping=False)


def _level(alpha: float) -> str:
    return f"{(1 - alpha) * 100:.10g}"


def _ci_text(r: Any, t: dict[str, str], scale: float, digits: int) -> str:
    """The interval of the change, signed at both ends (a fall's ends keep their minus signs).

    Beside a verdict adjusted for several comparisons the interval (per comparison) says
    it is unadjusted, so "not significant after adjusting" next to an interval that
    excludes zero reads as it should.
    """
    lo, hi = r.ci_low * scale, r.ci_high * scale
    level = _level(r.alpha)
    word = ci_note(math.isfinite(r.pvalue_adjusted) and r.n_comparisons > 1, t["lang"])
    adj = t["sep"] + word if word else ""
    if r.alternative == "larger" and math.isfinite(lo):
        return t["ci_lower"].format(level=level, lo=_fmt(lo, digits, signed=r.kind != "ordinal"), adj=adj)
    if r.alternative == "smaller" and math.isfinite(hi):
        return t["ci_upper"].format(level=level, hi=_fmt(hi, digits, signed=r.kind != "ordinal"), adj=adj)
    if r.kind == "ordinal":
        return t["ci2"].format(level=level, lo=_fmt(lo, digits), hi=_fmt(hi, digits), adj=adj)
    return t["ci2_signed"].format(
        level=level, lo=_fmt(lo, digits, signed=True), hi=_fmt(hi, digits, signed=True), adj=adj
    )


def render_verdict(r: Any, lang: str, kpi_label: Any, digits: int | None) -> str:
    """One-sentence manager verdict for a ChangeTestResult (see ``ChangeTestResult.verdict``)."""
    t = TEXT[lang]
    label = resolve_label(kpi_label, lang, r.kind)
    if r.n_before == 0 or r.n_after == 0:
        key = "no_both" if r.n_before == r.n_after == 0 else ("no_before" if r.n_before == 0 else "no_after")
        return t[key].format(label=label)
    digits = DEFAULT_DIGITS[r.kind] if digits is None else int(digits)
    return _what_changed(r, t, label, digits) + t["sep"] + _how_sure(r, t, digits) + _test_word(r, t)


def _test_word(r: Any, t: dict[str, str]) -> str:
    """Which variant of the rate score test gave the p-value, in a word ('' for other tests)."""
    if not math.isfinite(r.pvalue):
        return ""
    for corrected, name in SCORE_TEST_NAMES.items():
        if r.method.startswith(name):
            return t["score_corrected" if corrected else "score_uncorrected"]
    return ""


def _what_changed(r: Any, t: dict[str, str], label: str, digits: int) -> str:
    """The change and its interval: "The rate fell 4.0 percentage points (95 % CI -7.3 to -0.7)"."""
    scale = 100.0 if r.kind == "rate" else 1.0
    unit = t["unit_rate"] if r.kind == "rate" else t["unit_mean"]
    if r.kind == "ordinal":
        if not math.isfinite(r.diff):
            return label
        ps = round(r.diff, digits)
        key = "ord_rose" if ps > 0.5 else "ord_fell" if ps < 0.5 else "ord_flat"
        odds = t["odds"].format(value=_fmt(r.odds_ratio, 2)) if math.isfinite(r.odds_ratio) else ""
        return t[key].format(label=label, ps=_fmt(r.diff, digits), ci=_ci_text(r, t, 1.0, digits), odds=odds)
    if not math.isfinite(r.diff):
        return label
    d = r.diff * scale
    mag = _fmt(abs(d), digits)
    if not (math.isfinite(r.ci_low) or math.isfinite(r.ci_high)):
        return t["bare"].format(label=label, mag=_fmt(d, digits, signed=True), unit=unit)
    key = "rose" if round(d, digits) > 0 else "fell" if round(d, digits) < 0 else "flat"
    return t[key].format(label=label, mag=mag, unit=unit, ci=_ci_text(r, t, scale, digits))


def _how_sure(r: Any, t: dict[str, str], digits: int) -> str:
    """How sure we are: significant (after adjustment), noise, inconclusive or untestable."""
    scale = 100.0 if r.kind == "rate" else 1.0
    unit = t["unit_rate"] if r.kind == "rate" else t["unit_mean"]
    p = r.pvalue_used
    m = r.n_comparisons
    adjusted = math.isfinite(r.pvalue_adjusted)
    if not math.isfinite(p):
        return t["untestable"].format(nb=r.n_before, na=r.n_after)
    if p < r.alpha:
        return t["significant_adj"].format(m=m) if adjusted and m > 1 else t["significant"]
    if adjusted and m > 1 and r.pvalue < r.alpha:
        return t["lost_adj"].format(m=m)
    if r.inconclusive:
        if r.kind == "ordinal":
            return t["inconclusive_ord"].format(mdc=_fmt(r.mdc, digits))
        mdc = r.mdc * scale
        return (
            t["inconclusive"].format(mdc=_fmt(mdc, digits), unit=unit)
            if math.isfinite(mdc)
            else t["inconclusive_inf"]
        )
    return t["noise"]


def fmt_num(v: Any, digits: int = 4) -> str:
    """Format a number for a summary table ('' for NaN, ints as ints)."""
    if isinstance(v, str):
        return v
    if v is None:
        return ""
    if isinstance(v, int | np.integer):
        return str(int(v))
    v = float(v)
    if math.isnan(v):
        return ""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.{digits}g}"

"""Validation, summaries and verdict wording of :mod:`bankperf_analysis.significance.compare` (private)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis.exceptions import ParamsError

# --------------------------------------------------------------------------- validation


def _show(value: Any) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    return repr(value)


def param_error(name: str, owner: str, expected: str, got: Any) -> ParamsError:
    """Build the house-template ParamsError."""
    return ParamsError(f"The {name!r} parameter of {owner} must be {expected}. Got {_show(got)} instead.")


def check_literal(value: Any, name: str, owner: str, allowed: Sequence[str]) -> str:
    """Validate a ``Literal`` option and return it."""
    if not isinstance(value, str) or value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise param_error(name, owner, f"one of {choices}", value)
    return value


def is_real(value: Any) -> bool:
    """True for real, non-boolean scalars."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )


def check_unit_open(value: Any, name: str, owner: str) -> float:
    """Validate a float in (0, 1)."""
    if not is_real(value) or not 0 < float(value) < 1:
        raise param_error(name, owner, "a float in (0, 1)", value)
    return float(value)


def check_positive(value: Any, name: str, owner: str, allow_none: bool = False) -> float | None:
    """Validate a positive finite float (or None when allowed)."""
    if value is None and allow_none:
        return None
    if not is_real(value) or not math.isfinite(float(value)) or float(value) <= 0:
        expected = "a positive float" + (" or None" if allow_none else "")
        raise param_error(name, owner, expected, value)
    return float(value)


def check_count(value: Any, name: str, owner: str, upper: int | None = None, upper_name: str = "") -> int:
    """Validate a non-negative integer count (integral floats accepted), optionally <= upper."""
    ok = is_real(value) and math.isfinite(float(value)) and float(value) == int(value)
    ok = ok and int(value) >= 0 and (upper is None or int(value) <= upper)
    if not ok:
        expected = (
            f"an integer in [0, {upper_name}] ({upper_name} = {upper})"
            if upper is not None
            else "a non-negative integer"
        )
        raise param_error(name, owner, expected, value)
    return int(value)


def check_scores(values: Any, name: str, owner: str) -> np.ndarray:
    """Validate a 1-D array of scores; drop missing values (NaN/None), reject infinities."""
    if values is None or isinstance(values, str | bytes):
        raise param_error(name, owner, "a 1-D array of finite numbers", values)
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf" and values.ndim == 1:
        arr = values.astype(float)  # fast path
        arr = arr[~np.isnan(arr)]
        if np.isinf(arr).any():
            raise param_error(name, owner, "a 1-D array of finite numbers", "an array with inf")
        return arr
    try:
        arr = pd.to_numeric(pd.Series(np.asarray(values, dtype=object).ravel()), errors="raise")
        arr = arr.to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError):
        raise param_error(name, owner, "a 1-D array of finite numbers", values) from None
    if np.ndim(values) > 1 and np.asarray(values).squeeze().ndim > 1:
        raise param_error(name, owner, "a 1-D array of finite numbers", values)
    arr = arr[~np.isnan(arr)]
    if np.isinf(arr).any():
        raise param_error(name, owner, "a 1-D array of finite numbers", "an array with inf")
    return arr


# --------------------------------------------------------------------------- summary




# --------------------------------------------------------------------------- verdict wording

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
        "ci2": "{level}% CI {lo}–{hi}",
        "ci2_signed": "{level}% CI {lo} to {hi}",
        "ci_lower": "{level}% lower bound {lo}",
        "ci_upper": "{level}% upper bound {hi}",
        "sep": ", ",
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
        "ci2": "{level}% 置信区间 {lo}–{hi}",
        "ci2_signed": "{level}% 置信区间 {lo} 至 {hi}",
        "ci_lower": "{level}% 置信下限 {lo}",
        "ci_upper": "{level}% 置信上限 {hi}",
        "sep": "，",
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
    v = round(v, digits) + 0.0  # drop negative zero
    return f"{v:+.{digits}f}" if signed else f"{v:.{digits}f}"


def _level(alpha: float) -> str:
    return f"{(1 - alpha) * 100:.10g}"


def _ci_text(r: Any, t: dict[str, str], scale: float, digits: int) -> str:
    lo, hi = r.ci_low * scale, r.ci_high * scale
    level = _level(r.alpha)
    if r.alternative == "larger" and math.isfinite(lo):
        return t["ci_lower"].format(level=level, lo=_fmt(lo, digits, signed=r.kind != "ordinal"))
    if r.alternative == "smaller" and math.isfinite(hi):
        return t["ci_upper"].format(level=level, hi=_fmt(hi, digits, signed=r.kind != "ordinal"))
    if r.kind == "ordinal":
        return t["ci2"].format(level=level, lo=_fmt(lo, digits), hi=_fmt(hi, digits))
    d = r.diff * scale
    lo_r, hi_r = round(lo, digits), round(hi, digits)
    if round(d, digits) > 0 and lo_r >= 0:
        return t["ci2"].format(level=level, lo=_fmt(lo, digits), hi=_fmt(hi, digits))
    if round(d, digits) < 0 and hi_r <= 0:
        return t["ci2"].format(level=level, lo=_fmt(-hi, digits), hi=_fmt(-lo, digits))
    return t["ci2_signed"].format(
        level=level, lo=_fmt(lo, digits, signed=True), hi=_fmt(hi, digits, signed=True)
    )


def render_verdict(r: Any, lang: str, kpi_label: Any, digits: int | None) -> str:
    """One-sentence manager verdict for a ChangeTestResult (see ``ChangeTestResult.verdict``)."""
    t = TEXT[lang]
    label = resolve_label(kpi_label, lang, r.kind)
    if r.n_before == 0 or r.n_after == 0:
        key = "no_both" if r.n_before == r.n_after == 0 else ("no_before" if r.n_before == 0 else "no_after")
        return t[key].format(label=label)
    digits = DEFAULT_DIGITS[r.kind] if digits is None else int(digits)
    scale = 100.0 if r.kind == "rate" else 1.0
    unit = t["unit_rate"] if r.kind == "rate" else t["unit_mean"]

    # -- what changed
    if r.kind == "ordinal":
        if not math.isfinite(r.diff):
            core = label
        else:
            ps = round(r.diff, digits)
            key = "ord_rose" if ps > 0.5 else "ord_fell" if ps < 0.5 else "ord_flat"
            odds = t["odds"].format(value=_fmt(r.odds_ratio, 2)) if math.isfinite(r.odds_ratio) else ""
            core = t[key].format(
                label=label, ps=_fmt(r.diff, digits), ci=_ci_text(r, t, 1.0, digits), odds=odds
            )
    elif not math.isfinite(r.diff):
        core = label
    else:
        d = r.diff * scale
        mag = _fmt(abs(d), digits)
        if not (math.isfinite(r.ci_low) or math.isfinite(r.ci_high)):
            core = t["bare"].format(label=label, mag=_fmt(d, digits, signed=True), unit=unit)
        else:
            key = "rose" if round(d, digits) > 0 else "fell" if round(d, digits) < 0 else "flat"
            core = t[key].format(label=label, mag=mag, unit=unit, ci=_ci_text(r, t, scale, digits))

    # -- how sure we are
    p = r.pvalue_used
    m = r.n_comparisons
    adjusted = math.isfinite(r.pvalue_adjusted)
    if not math.isfinite(p):
        tail = t["untestable"].format(nb=r.n_before, na=r.n_after)
    elif p < r.alpha:
        tail = t["significant_adj"].format(m=m) if adjusted and m > 1 else t["significant"]
    elif adjusted and m > 1 and r.pvalue < r.alpha:
        tail = t["lost_adj"].format(m=m)
    elif r.inconclusive:
        if r.kind == "ordinal":
            tail = t["inconclusive_ord"].format(mdc=_fmt(r.mdc, digits))
        else:
            mdc = r.mdc * scale
            tail = (
                t["inconclusive"].format(mdc=_fmt(mdc, digits), unit=unit)
                if math.isfinite(mdc)
                else t["inconclusive_inf"]
            )
    else:
        tail = t["noise"]
    return core + t["sep"] + tail


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

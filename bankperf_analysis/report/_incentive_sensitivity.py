"""The incentive report's sensitivity section: uniform band and relative-magnitudes bounds.

Kept apart from :mod:`bankperf_analysis.report.incentive` (which calls :func:`sensitivity_block`
from ``IncentiveReport.sensitivity``) to keep modules short. Every sentence is written here in
English and Chinese; numbers go through :mod:`bankperf_analysis.numbers`.

What the section shows, for the robust (Callaway–Sant'Anna) event study of the report:

- the uniform (simultaneous) band of the event-study figure: its critical value beside the
  pointwise one, and whether it covers zero at every pre-adoption period;
- the relative-magnitudes bounds of :func:`~bankperf_analysis.incentives.honest_sensitivity`
  for ``Mbar`` = 0, 0.5, 1, 1.5, 2 (identified set and robust interval, named for what they
  are: the union of the naive interval over the identified set, not HonestDiD's conditional
  interval), the breakdown value and, when the pre-trend test rejects, what that means.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from bankperf_analysis.exceptions import BankPerfError
from bankperf_analysis.numbers import fmt_ci, fmt_number, fmt_percent
from bankperf_analysis.report.html import HtmlBlock, _e

if TYPE_CHECKING:
    from bankperf_analysis.incentives.aggregation import AggregationResult
    from bankperf_analysis.incentives.honest import HonestSensitivityResult
    from bankperf_analysis.report.incentive import IncentiveReport

__all__ = ["MBAR_GRID", "sensitivity_block"]

#: The ``Mbar`` values of the report's table.
MBAR_GRID = (0.0, 0.5, 1.0, 1.5, 2.0)

_T: dict[str, dict[str, Any]] = {
    "en": {
        "band": (
            "Uniform band: the shaded bars of the event-study figure cover all {k} event-time effects "
            "at once with {conf} probability (multiplier bootstrap over branches, 999 draws, as R did's "
            "simultaneous band); critical value {c} against {t} for one period alone."
        ),
        "band_pre_ok": " The band covers zero at every pre-adoption period.",
        "band_pre_bad": (
            " The band excludes zero at pre-adoption event time(s) {events}: the pre-trends differ "
            "even allowing for looking at all periods at once."
        ),
        "what": (
            "How large a violation of parallel trends would overturn the result? The bounds are the "
            "identified set of the average of the post-adoption event-time effects 0 to {lags} when, "
            "after adoption, the gap in trends "
            "may change between consecutive periods by up to M̄ times the largest such change before "
            "adoption ({m} {u}; relative magnitudes, Rambachan & Roth 2023), computed by linear "
            "programming at the estimated pre-period. The robust interval is the {conf} interval widened "
            "to the whole identified set (the union of the usual interval over it); it ignores the "
            "noise in the pre-period estimates and is not HonestDiD's conditional interval, so read it "
            "as a guide. M̄ = 0 is that average under parallel trends ({est} {u}; the headline "
            "estimate weights every post-adoption period, so it differs slightly)."
        ),
        "head": ("M̄", "Bounds ({u})", "Robust {conf} interval ({u})", "Includes zero"),
        "yes": "yes",
        "no": "no",
        "pre_rejects": (
            "The pre-trend test rejects parallel trends, so the headline interval (M̄ = 0) is not "
            "credible on its own: "
        ),
        "survives_1": (
            "the effect survives a post-adoption violation as large as the largest pre-adoption one (M̄ = 1)."
        ),
        "fails_1": (
            "the effect does not survive a post-adoption violation as large as the largest "
            "pre-adoption one (M̄ = 1); it rests on trends staying closer to parallel after adoption "
            "than they were before."
        ),
        "none": "No sensitivity analysis: {reason}",
    },
    "zh": {
        "band": (
            "同时置信带：事件研究图中的阴影条以 {conf} 的概率同时覆盖全部 {k} 个事件期的效应"
            "（按网点的乘数自助法，999 次抽样，与常用的同时置信带做法一致）；临界值为 {c}，"
            "单期逐点区间的临界值为 {t}。"
        ),
        "band_pre_ok": "同时置信带在实施前各期都覆盖零。",
        "band_pre_bad": "同时置信带在实施前事件期 {events} 不覆盖零：即使同时考虑所有期，事前趋势仍有差异。",
        "what": (
            "平行趋势要偏离多大才会推翻结论？下表的界是实施后第 0 至 {lags} 期效应平均值的识别集："
            "假设实施后趋势差异在相邻两期之间的变化不超过实施前最大变化（{m}{u}）的若干倍"
            "（相对幅度约束，即下表的倍数），按实施前估计值用线性规划求得。"
            "稳健区间是把 {conf} 置信区间扩展到整个识别集（识别集上常规区间的并集）；"
            "它没有计入实施前估计本身的抽样误差，也不是条件推断区间，仅供参考。"
            "倍数为 0 即平行趋势下的该平均值（{est}{u}；主结果对实施后各期加权方式不同，数值略有差异）。"
        ),
        "head": ("倍数", "界（{u}）", "稳健 {conf} 区间（{u}）", "包含零"),
        "yes": "是",
        "no": "否",
        "pre_rejects": "事前趋势检验拒绝了平行趋势，因此仅凭主结果区间（倍数为 0）不足以下结论：",
        "survives_1": "即使实施后的偏离与实施前最大偏离一样大（倍数为 1），效应仍然成立。",
        "fails_1": (
            "若实施后的偏离与实施前最大偏离一样大（倍数为 1），效应就不再成立；"
            "结论依赖于实施后趋势比实施前更接近平行。"
        ),
        "none": "无敏感性分析：{reason}",
    },
}


def _tr(lang: str, key: str, **fmt: Any) -> str:
    text = str(_T[lang][key])
    return text.format(**fmt) if fmt else text


def sensitivity_block(report: IncentiveReport) -> HtmlBlock:
    """The sensitivity section of ``report`` (uniform band, bounds table, breakdown value)."""
    from bankperf_analysis.incentives.honest import honest_sensitivity

    study, lang = report.study, report.lang
    if study.result_ is None:
        return HtmlBlock(f"<p><b>{_e(report._reason())}</b></p>")
    event = study.event_.robust if study.event_ is not None else None
    event = event if event is not None else study.result_.event
    parts = [_band_text(report, event)]
    try:
        hs = honest_sensitivity(event, mbar=MBAR_GRID, alpha=study.alpha)
    except BankPerfError as err:
        return HtmlBlock("".join(f"<p>{_e(p)}</p>" for p in parts + [_tr(lang, "none", reason=str(err))]))
    parts.append(
        _tr(
            lang,
            "what",
            m=_num(report, hs.max_pre_change),
            u=report._unit(),
            conf=_conf(study),
            lags=max(hs.post_events),
            est=_num(report, hs.estimate),
        )
    )
    table = _bounds_table(report, hs)
    tail = _breakdown_text(report, hs)
    return HtmlBlock(
        "".join(f"<p>{_e(p)}</p>" for p in parts) + table + "".join(f"<p>{_e(p)}</p>" for p in tail)
    )


def _conf(study: Any) -> str:
    return fmt_percent(1 - study.alpha, 0)


def _num(report: IncentiveReport, x: float) -> str:
    """A magnitude in the report's unit (percentage points for shares)."""
    return fmt_number(report._scale(x), report._digits(), grouping=False)


def _band_text(report: IncentiveReport, event: AggregationResult) -> str:
    """The uniform band's critical value and whether it covers zero before adoption."""
    lang, fr = report.lang, event.frame
    rows = fr.loc[~fr["reference"].astype(bool)]
    if "uniform_low" not in rows.columns or not np.isfinite(event.crit_val_uniform):
        return ""
    t = float(stats.t.ppf(1 - event.alpha / 2, event.df_t))
    text = _tr(
        lang,
        "band",
        k=len(rows),
        conf=fmt_percent(1 - event.alpha, 0),
        c=fmt_number(event.crit_val_uniform, 2),
        t=fmt_number(t, 2),
    )
    pre = rows[rows["event_time"] < (event.reference_event if event.reference_event is not None else 0)]
    bad = pre[(pre["uniform_low"] > 0) | (pre["uniform_high"] < 0)]
    if pre.empty:
        return text
    if bad.empty:
        return text + _tr(lang, "band_pre_ok")
    return text + _tr(lang, "band_pre_bad", events=", ".join(str(int(e)) for e in bad["event_time"]))


def _bounds_table(report: IncentiveReport, hs: HonestSensitivityResult) -> str:
    from bankperf_analysis.report.incentive import _table

    lang, d, s = report.lang, report._digits(), report._scale
    head = [h.format(u=report._unit(), conf=_conf(report.study)) for h in _T[lang]["head"]]
    rows = [
        (
            fmt_number(r.mbar, 1),
            fmt_ci(s(r.lb), s(r.ub), digits=d, lang=lang),
            fmt_ci(s(r.ci_low), s(r.ci_high), digits=d, lang=lang),
            _tr(lang, "yes" if r.includes_zero else "no"),
        )
        for r in hs.frame.itertuples()
    ]
    return _table(head, rows)


def _breakdown_text(report: IncentiveReport, hs: HonestSensitivityResult) -> list[str]:
    """The breakdown sentence and, when the pre-trend test rejects, the honest reading."""
    lang = report.lang
    out = [hs.conclusion("zh" if lang == "zh" else "en")]
    d = report.study.diagnostics()
    if d is not None and d.pretrend is not None and d.pretrend.reject and hs.breakdown > 0:
        out.append(_tr(lang, "pre_rejects") + _tr(lang, "survives_1" if hs.breakdown >= 1 else "fails_1"))
    return out

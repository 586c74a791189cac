"""Plain-language sentences of the incentive results, in English and Chinese.

The result classes' ``conclusion(lang, unit)`` methods validate ``lang`` and call these;
every en/zh sentence of the estimators is written here, once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bankperf_analysis.numbers import fmt_number, fmt_p, fmt_percent, p_text

if TYPE_CHECKING:
    from bankperf_analysis.incentives.bootstrap import WildBootstrapResult
    from bankperf_analysis.incentives.effect import IncentiveEffectResult
    from bankperf_analysis.incentives.gt_pretest import GroupTimePreTestResult
    from bankperf_analysis.incentives.placebo import PlaceboResult
    from bankperf_analysis.incentives.pretrend import PreTrendTestResult
    from bankperf_analysis.incentives.rtm import BeforeAfterResult

#: How the summaries name the comparison units of each ``control_group``.
CONTROL_LABEL = {"notyet": "not-yet-treated and never-treated", "never": "never-treated"}


def _f(x: float, digits: int = 2) -> str:
    """A number with ``digits`` decimals (``nan`` when missing)."""
    return "nan" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _fp(p: float) -> str:
    """A p-value after its symbol: ``= 0.034``, or ``< 0.001`` (:mod:`bankperf_analysis.numbers`)."""
    return fmt_p(p)


def _ndigits(width: float) -> int:
    """Decimals that show an interval of this width to about two significant digits."""
    if not np.isfinite(width) or width <= 0:
        return 2
    return int(np.clip(1 - np.floor(np.log10(width)), 1, 4))


def _effect_sentence(
    est: float,
    lo: float,
    hi: float,
    p: float,
    outcome: str,
    unit: str,
    lang: str,
    alpha: float,
) -> str:
    """The effect, its interval and whether it is told apart from zero."""
    nd = _ndigits(hi - lo)
    conf = f"{fmt_percent(1 - alpha, 0)}"
    sig = np.isfinite(p) and p < alpha
    if lang == "en":
        u = f" {unit}" if unit else ""
        ci = f"{conf} CI {lo:.{nd}f} to {hi:.{nd}f}"
        if sig:
            verb = "raised" if est > 0 else "lowered"
            return f"The incentive {verb} {outcome} by {abs(est):.{nd}f}{u} ({ci})."
        return (
            f"The incentive's effect on {outcome} is {est:+.{nd}f}{u} ({ci}); it cannot be "
            "distinguished from zero."
        )
    ci = f"{conf} 置信区间 {lo:.{nd}f} 至 {hi:.{nd}f}"
    if sig:
        verb = "提高" if est > 0 else "降低"
        return f"激励使{outcome}{verb}了 {abs(est):.{nd}f}{unit}（{ci}）。"
    return f"激励对{outcome}的影响为 {est:+.{nd}f}{unit}（{ci}），与零没有显著差异。"


def _unclustered_caveat(lang: str) -> str:
    """Appended to a conclusion whose interval ignores the branch clustering."""
    if lang == "en":
        return " Warning: the interval ignores branch clustering and is too narrow."
    return " 注意：该区间未按网点聚类，过窄。"


def _pretrend_sentence(r: PreTrendTestResult, lang: str, unit: str) -> str:
    """The pre-trend test's reading: never 'no pre-trend' without the power."""
    nd = _ndigits(abs(r.detectable_slope) if np.isfinite(r.detectable_slope) else 1)
    u = f" {unit}" if unit and lang == "en" else unit
    ds = f"{r.detectable_slope:.{nd}f}{u}"
    sl = f"{abs(r.slope):.{nd}f}{u}"
    pct = f"{fmt_percent(r.power_target, 0)}"
    if lang == "en":
        if r.reject:
            return (
                f"Pre-trends: the joint test rejects parallel pre-trends ({p_text(r.pvalue)}"
                f" over {r.df} pre-periods); the estimate should not be read as causal."
            )
        s = (
            f"Pre-trends: no evidence ({p_text(r.pvalue)} over {r.df} pre-periods), but "
            f"the test could only detect linear pre-trends steeper than {ds} per period "
            f"with {pct} power"
        )
        if np.isfinite(r.power):
            user = r.slope_source == "user"
            what = "the slope you gave" if user else "one that would explain the whole effect"
            s += f"; its power against a slope of {sl} per period ({what}) is {fmt_percent(r.power, 0)}"
        return s + "."
    if r.reject:
        return (
            f"事前趋势：联合检验拒绝平行趋势（{p_text(r.pvalue)}，{r.df} 个事前期），估计结果不宜作因果解读。"
        )
    s = (
        f"事前趋势：未发现证据（{p_text(r.pvalue)}，{r.df} 个事前期），但该检验只能以 "
        f"{pct} 的把握发现每期斜率大于 {ds} 的线性事前趋势"
    )
    if np.isfinite(r.power):
        what = "足以解释全部效应的趋势" if r.slope_source != "user" else "给定斜率"
        s += f"；对每期 {sl} 的斜率（{what}）其检验功效为 {fmt_percent(r.power, 0)}"
    return s + "。"


def _placebo_sentence(r: PlaceboResult, lang: str) -> str:
    """The placebo estimate and whether it points to anticipation or diverging trends."""
    nd = _ndigits(r.ci_high - r.ci_low)
    rng = f"{r.ci_low:.{nd}f} to {r.ci_high:.{nd}f}"
    conf = f"{fmt_percent(1 - r.alpha, 0)}"
    bad = r.pvalue < r.alpha
    if lang == "en":
        head = (
            f"Placebo (adoption moved {r.shift} period(s) earlier, pre-adoption data "
            f"only): {r.estimate:.{nd}f} ({conf} CI {rng}, {p_text(r.pvalue)})"
        )
        tail = (
            "; a significant placebo effect points to anticipation or diverging trends."
            if bad
            else "; consistent with no effect before adoption."
        )
        return head + tail
    head = (
        f"安慰剂检验（实施时点提前 {r.shift} 期，仅用实施前数据）：{r.estimate:.{nd}f}"
        f"（{conf} 置信区间 {rng.replace(' to ', ' 至 ')}，{p_text(r.pvalue)}）"
    )
    tail = "；安慰剂效应显著，提示存在预期效应或趋势不平行。" if bad else "；与实施前无效应一致。"
    return head + tail


def _twfe_comparison(r: IncentiveEffectResult, lang: str) -> str:
    """Whether the conventional TWFE estimate agrees with the robust one."""
    nd = _ndigits(r.twfe.ci_high - r.twfe.ci_low)
    tw = f"{r.twfe.estimate:.{nd}f}"
    if lang == "en":
        return f"The conventional two-way fixed-effects estimate ({tw}) " + (
            "disagrees and is not reliable here." if r.disagree else "agrees with it."
        )
    return f"传统双向固定效应估计（{tw}）" + ("与之不一致，此处不可靠。" if r.disagree else "与之一致。")


def _disagreement_alert(r: IncentiveEffectResult) -> str:
    """The warning (and summary alert) when TWFE and the robust estimate disagree."""
    return (
        f"TWFE ({_f(r.twfe.estimate, 3)}) and the heterogeneity-robust estimate "
        f"({_f(r.robust.estimate, 3)}) disagree: difference {_f(r.difference, 3)} "
        f"(se {_f(r.difference_se, 3)}). With staggered adoption and effects that change "
        f"over time TWFE uses already-treated units as controls "
        f"({fmt_percent(r.twfe.negative_weight_share, 0)} of treated observations get a negative "
        "weight); report the robust estimate."
    )


def _before_after_sentence(r: BeforeAfterResult, lang: str, unit: str) -> str:
    """The naive change, with the regression-to-the-mean caveat when flagged."""
    nd = _ndigits(r.ci_high - r.ci_low)
    u = f" {unit}" if unit and lang == "en" else unit
    if lang == "en":
        s = (
            f"{r.outcome} changed by {r.diff:+.{nd}f}{u} from before to after "
            f"({fmt_percent(1 - r.alpha, 0)} CI {r.ci_low:.{nd}f} to {r.ci_high:.{nd}f})."
        )
        if r.rtm_flagged:
            s += (
                " This naive comparison is biased by regression to the mean (the units "
                "were selected on past performance); see rtm_guarded_effect()."
            )
        return s
    s = (
        f"{r.outcome}前后变化 {r.diff:+.{nd}f}{u}（{fmt_percent(1 - r.alpha, 0)} 置信区间 "
        f"{r.ci_low:.{nd}f} 至 {r.ci_high:.{nd}f}）。"
    )
    if r.rtm_flagged:
        s += "该简单前后比较受均值回归偏差影响（对象按过往绩效挑选），请使用 rtm_guarded_effect()。"
    return s


def _naive_contrast(naive: float, nd: int, lang: str) -> str:
    """Appended to a guarded effect: the naive change of the treated is not to be reported."""
    if lang == "en":
        return (
            f" The naive before/after change of the treated ({naive:+.{nd}f}) mixes "
            "in regression to the mean and should not be reported."
        )
    return f" 受奖励者的简单前后变化（{naive:+.{nd}f}）含有均值回归成分，不应作为结论。"


def _wild_sentence(wb: WildBootstrapResult, p_analytic: float, lang: str) -> str:
    """Why the interval and p-value come from the wild cluster bootstrap, beside the analytic p."""
    g, p = wb.n_clusters, wb.pvalue
    if lang == "en":
        return (
            f"With only {g} branches (clusters), the p-value ({p_text(p)}) and interval come from a "
            f"wild cluster bootstrap, because the usual clustered standard errors are too optimistic "
            f"with fewer than about 30 clusters (the clustered t test gives {p_text(p_analytic)})."
        )
    return (
        f"由于只有 {g} 个网点（聚类），p 值（{p_text(p)}）和区间由野聚类自助法（限制性，约束原假设）计算："
        f"聚类少于约 30 个时，常规聚类稳健标准误过于乐观（常规聚类检验给出 {p_text(p_analytic)}）。"
    )


def _study_wild_items(
    twfe_wild: WildBootstrapResult | None,
    pre_wild: WildBootstrapResult | None,
    ci: str,
    lang: str,
    gt_pre: GroupTimePreTestResult | None = None,
) -> list[str]:
    """The incentive study's few-cluster lines: wild bootstrap of the TWFE effect and of the joint pre-test.

    ``ci`` is the bootstrap interval of the TWFE effect, formatted by the report (KPI units).
    """
    out: list[str] = []
    if twfe_wild is not None:
        w, g = twfe_wild, twfe_wild.n_clusters
        draws = f"all {w.n_boot} sign patterns" if w.enumerated else f"{w.n_boot} draws"
        draws_zh = f"全部 {w.n_boot} 种符号组合" if w.enumerated else f"{w.n_boot} 次抽样"
        wname_zh = {"webb": "韦伯六点权重", "rademacher": "拉德马赫权重"}[w.weights]
        if lang == "en":
            out.append(
                f"Few-cluster check: with {g} branches, a restricted wild cluster bootstrap "
                f"({w.weights} weights, {draws}; the default below 30 clusters, after Cameron, Gelbach & "
                f"Miller 2008 and MacKinnon & Webb 2017) of the two-way fixed-effects estimate gives "
                f"{p_text(w.pvalue)}, interval {ci}. The robust estimate's interval above is analytic "
                "(clustered, t with G - 1 degrees of freedom) and may be somewhat too narrow."
            )
        else:
            out.append(
                f"少聚类检验：只有 {g} 个网点，按学界建议（聚类少于 30 个时默认），对双向固定效应估计做限制性"
                f"野聚类自助法（{wname_zh}，{draws_zh}），得 {p_text(w.pvalue)}，区间 {ci}。"
                "上面稳健估计的区间为解析区间（按网点聚类），可能略窄。"
            )
    if pre_wild is not None:
        q = len(pre_wild.terms)
        if lang == "en":
            out.append(
                f"Joint pre-test by wild bootstrap: the {q} pre-adoption coefficients of the two-way "
                f"fixed-effects event study are jointly zero? {p_text(pre_wild.pvalue)} "
                f"({'rejected' if pre_wild.pvalue < pre_wild.alpha else 'not rejected'}; "
                "a non-rejection is not proof of parallel trends)."
            )
        else:
            verdict = "拒绝" if pre_wild.pvalue < pre_wild.alpha else "未拒绝"
            out.append(
                f"野聚类自助法联合事前检验：双向固定效应事件研究的 {q} 个实施前系数是否同时为零？"
                f"{p_text(pre_wild.pvalue)}（{verdict}；未拒绝并不证明平行趋势成立）。"
            )
    if gt_pre is not None:
        out.append(_gt_pretest_sentence(gt_pre, lang))
    return out


def _gt_pretest_sentence(r: GroupTimePreTestResult, lang: str) -> str:
    """The R did pre-test over all pre-period ATT(g, t), worded with its few-cluster caveat."""
    if lang == "en":
        verdict = "rejected" if r.reject else "not rejected"
        return (
            f"Joint pre-test over all {r.n_cells} pre-period group-time effects (as R did reports it, "
            f"Wald chi-square({r.df}) = {r.statistic:.2f}, {p_text(r.pvalue)}): {verdict}. It tests each "
            "cohort's pre-period cells, not their average by event time as the F test above; its "
            f"chi-square reference over-rejects with {r.n_clusters} clusters."
        )
    verdict = "拒绝" if r.reject else "未拒绝"
    return (
        f"对全部 {r.n_cells} 个实施前组别-时期效应的联合事前检验（与该方法原作者软件包报告的检验相同，"
        f"沃尔德卡方({r.df}) = {r.statistic:.2f}，{p_text(r.pvalue)}）：{verdict}。"
        "它逐批检验实施前各期，而非上面按事件时间平均后的检验；"
        f"只有 {r.n_clusters} 个聚类时卡方参照会过度拒绝。"
    )


def _breakdown_sentence(breakdown: float, lang: str) -> str:
    """The relative-magnitudes breakdown value ``Mbar*`` in a sentence (Rambachan & Roth 2023)."""
    if breakdown == 0:
        if lang == "en":
            return (
                "The effect is not told apart from zero even under exact parallel trends "
                "(breakdown value M̄* = 0)."
            )
        return "即使平行趋势完全成立，效应也与零没有显著差异（临界倍数为 0）。"
    if not np.isfinite(breakdown):
        if lang == "en":
            return (
                "The pre-period trend gap does not change between periods, so the relative-magnitudes "
                "bounds do not widen: no breakdown value."
            )
        return "实施前各期的趋势差异没有变化，相对幅度界不随倍数放宽：不存在临界倍数。"
    b = fmt_number(breakdown, 2)
    if lang == "en":
        return (
            f"The effect survives post-period violations of parallel trends up to M̄* = {b} times the "
            "largest pre-period violation (relative magnitudes, Rambachan & Roth 2023)."
        )
    return f"实施后对平行趋势的偏离只要不超过实施前最大偏离的 {b} 倍，效应仍然成立（相对幅度界）。"

"""The incentive-study report: the sections of ``notebooks/incentive_study.ipynb`` in English or Chinese.

:class:`IncentiveReport` words an :class:`~bankperf_analysis.incentives.study.IncentiveStudy`
(the numbers) as HTML sections: title, definition, estimates, event-study figure,
diagnostics, robustness, conclusion, and the headline numbers of the index page.
The incentives subpackage (and SciPy with it) is imported when a report is built, not
with :mod:`bankperf_analysis.report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.kpis import UNITS
from bankperf_analysis.l10n import period_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.numbers import fmt_p, fmt_percent, p_text
from bankperf_analysis.plots.event_study import event_study_figure, message_figure
from bankperf_analysis.report.html import HtmlBlock, _e
from bankperf_analysis.report.inputs import resolve_data_dir

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.incentives.dataset_panel import PanelLevel
    from bankperf_analysis.incentives.effect import IncentiveEffectResult
    from bankperf_analysis.incentives.placebo import PlaceboResult
    from bankperf_analysis.incentives.study import IncentiveStudy, StudyDiagnostics

__all__ = ["IncentiveReport"]

_L: dict[str, dict[str, str]] = {
    "en": {
        "title": "Incentive study: {kpi}",
        "h_definition": "What is compared",
        "h_estimates": "Estimated effect",
        "h_event": "Effect by period since adoption",
        "h_diagnostics": "Diagnostics",
        "h_robustness": "Robustness: leaving out one branch at a time",
        "h_sensitivity": "Sensitivity: uniform band and violations of parallel trends",
        "h_conclusion": "Conclusion",
        "outcome": "Outcome",
        "unit_of_analysis": "Unit of analysis",
        "weights": "Weights",
        "weights_n": "n behind each value ({what})",
        "weights_none": "none (each row counts the same)",
        "sample": "Sample",
        "sample_text": "{rows:,} rows, {units:,} units, {branches} branches, periods {first} to {last}",
        "treatment": "Treatment",
        "treatment_text": (
            "a row is treated from its branch's adoption period on; it is compared with "
            "branches that have not adopted yet or never adopt (parallel trends assumed)"
        ),
        "excluded": "Left out",
        "branch": "Branch",
        "adoption": "Adopted",
        "never": "never",
        "group": "Group",
        "adopter": "adopts",
        "control": "comparison only",
        "units": "Units",
        "rows_pre": "Rows before",
        "rows_post": "Rows after",
        "estimator": "Estimator",
        "estimate": "Effect",
        "ci": "{conf} CI",
        "pvalue": "p-value",
        "se": "Std. error",
        "robust": "Robust staggered DiD (Callaway-Sant'Anna), headline",
        "robust_short": "Robust staggered DiD",
        "twfe": "Two-way fixed effects (conventional)",
        "difference": "Difference TWFE - robust",
        "truth": "Planted effect (demo data)",
        "left_out": "Branch left out",
        "none_left_out": "none (full sample)",
        "change": "Change vs full",
        "not_estimated": "The effect was not estimated: {reason}",
        "too_few": (
            "too few branches ({g}; at least {m} are needed, with adopting and comparison "
            "branches). Cluster-robust intervals from so few branches would be meaningless, so "
            "no effect is reported."
        ),
        "no_treated": "no branch in the data adopts the scheme within the observed periods.",
        "no_figure": "No event study: {reason}",
        "pp": "percentage points",
        "note": "Note",
    },
    "zh": {
        "title": "激励效果评估：{kpi}",
        "h_definition": "比较什么",
        "h_estimates": "效果估计",
        "h_event": "实施后各期的效果",
        "h_diagnostics": "诊断",
        "h_robustness": "稳健性：逐一剔除网点",
        "h_sensitivity": "敏感性：同时置信带与平行趋势的偏离",
        "h_conclusion": "结论",
        "outcome": "结果指标",
        "unit_of_analysis": "分析单位",
        "weights": "权重",
        "weights_n": "每个取值背后的样本量 n（{what}）",
        "weights_none": "无（每行权重相同）",
        "sample": "样本",
        "sample_text": "{rows:,} 行，{units:,} 个单位，{branches} 个网点，期间 {first} 至 {last}",
        "treatment": "处理",
        "treatment_text": "网点自实施期起的观测为处理组；对照为尚未实施或从未实施的网点（假设平行趋势）",
        "excluded": "剔除",
        "branch": "网点",
        "adoption": "实施期",
        "never": "从未实施",
        "group": "组别",
        "adopter": "实施",
        "control": "仅作对照",
        "units": "单位数",
        "rows_pre": "实施前行数",
        "rows_post": "实施后行数",
        "estimator": "估计方法",
        "estimate": "效果",
        "ci": "{conf} 置信区间",
        "pvalue": "p 值",
        "se": "标准误",
        "robust": "交错双重差分稳健估计（Callaway-Sant'Anna），主结果",
        "robust_short": "稳健估计",
        "twfe": "双向固定效应（传统方法）",
        "difference": "差异：双向固定效应 - 稳健估计",
        "truth": "预设真实效应（演示数据）",
        "left_out": "剔除的网点",
        "none_left_out": "无（全样本）",
        "change": "相对全样本的变化",
        "not_estimated": "未估计效果：{reason}",
        "too_few": (
            "网点太少（{g} 个；至少需要 {m} 个，且须同时有实施网点和对照网点）。"
            "如此少的网点无法给出有意义的聚类稳健置信区间，因此不报告效果。"
        ),
        "no_treated": "数据期间内没有网点实施该方案。",
        "no_figure": "无事件研究图：{reason}",
        "pp": "个百分点",
        "note": "说明",
    },
}
_PER = {"en": {"Q": "quarter", "M": "month"}, "zh": {"Q": "季度", "M": "月"}}

_LEVEL_NAMES = {
    "en": {
        "branch-quarter": "branch × quarter",
        "staff-quarter": "staff member × quarter",
        "staff-month": "staff member × month",
    },
    "zh": {"branch-quarter": "网点 × 季度", "staff-quarter": "员工 × 季度", "staff-month": "员工 × 月"},
}
_N_WHAT = {
    "en": {
        "surveys": "survey answers",
        "contacts": "contacts",
        "sales": "staff-months",
        "teller_transactions": "transactions",
        "complaints": "complaints",
    },
    "zh": {
        "surveys": "问卷数",
        "contacts": "接触数",
        "sales": "员工月数",
        "teller_transactions": "交易笔数",
        "complaints": "投诉数",
    },
}
_HEADINGS = ("definition", "estimates", "event", "diagnostics", "robustness", "sensitivity", "conclusion")


def _lab(lang: str, key: str, **fmt: Any) -> str:
    text = _L[lang][key]
    return text.format(**fmt) if fmt else text


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """HTML table; every cell escaped."""
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        '<table class="dataframe"><thead><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody></table>"
    )


def _percent(x: float) -> str:
    """A share as a whole percentage (``–`` when missing)."""
    return fmt_percent(x, 0)


def _fp(p: float) -> str:
    """A p-value: three decimals, ``< 0.001`` below that, ``–`` when missing."""
    if p is None or not np.isfinite(p):
        return "–"
    return fmt_p(p).removeprefix("= ")


class IncentiveReport:
    """The incentive-study report of one KPI, in English or Chinese.

    Parameters
    ----------
    data : str, Path or Dataset, default ""
        The dataset (a folder, or an open :class:`~bankperf_analysis.dataset.load.Dataset`); empty:
        ``$BANKPERF_DATA`` or ``data/demo`` (:func:`bankperf_analysis.report.inputs.resolve_data_dir`).
    kpi, level, adoption :
        As in :class:`~bankperf_analysis.incentives.study.IncentiveStudy`.
    lang : {"en", "zh"}
    **options :
        Further options of :class:`~bankperf_analysis.incentives.study.IncentiveStudy`
        (``exclude_branches``, ``weighted``, ``min_branches``, ``alpha``, ``leads``,
        ``lags``, ``max_leave_one_out``).

    Attributes
    ----------
    study : IncentiveStudy
        The numbers the sections show (:meth:`from_study` wraps an existing one).
    """

    def __init__(
        self,
        data: str | Path | Dataset = "",
        kpi: str = "satisfaction_rate",
        level: PanelLevel = "branch-quarter",
        adoption: str | Path | Mapping[Any, Any] | pd.DataFrame = "",
        lang: str = "en",
        **options: Any,
    ) -> None:
        from bankperf_analysis.incentives.study import IncentiveStudy

        self.lang = check_lang(lang)
        source = resolve_data_dir(str(data)) if isinstance(data, str | Path) else data
        self.study = IncentiveStudy(source, kpi, level, adoption, **options)

    @classmethod
    def from_study(cls, study: IncentiveStudy, lang: str = "en") -> IncentiveReport:
        """The report of an already computed study."""
        report = cls.__new__(cls)
        report.lang = check_lang(lang)
        report.study = study
        return report

    # -- formatting ------------------------------------------------------------------------

    @property
    def _is_share(self) -> bool:
        return KPI_CATALOGUE[self.study.kpi].unit == "share"

    def _scale(self, x: float) -> float:
        return 100.0 * x if self._is_share else x

    def _scaled(self, frame: pd.DataFrame) -> pd.DataFrame:
        """An event-time frame in the unit of the tables (a rate's shares as percentage points)."""
        if not self._is_share:
            return frame
        cols = [c for c in ("estimate", "ci_low", "ci_high", "uniform_low", "uniform_high") if c in frame]
        return frame.assign(**{c: 100.0 * frame[c] for c in cols})

    def _unit(self) -> str:
        if self._is_share:
            return _lab(self.lang, "pp")
        return UNITS[KPI_CATALOGUE[self.study.kpi].unit].name(self.lang)

    def _digits(self) -> int:
        r = self.study.result_
        width = self._scale(r.ci_high - r.ci_low) if r is not None else 1.0
        if not np.isfinite(width) or width <= 0:
            return 2
        return int(np.clip(1 - np.floor(np.log10(width)), 1, 3))

    def _fmt(self, x: float, signed: bool = True, unit: bool = False) -> str:
        if x is None or not np.isfinite(x):
            return "–"
        v = round(self._scale(x), self._digits()) + 0.0  # no "-0.0"
        s = f"{v:+.{self._digits()}f}" if signed else f"{v:.{self._digits()}f}"
        return f"{s} {self._unit()}" if unit else s

    def _ci(self, lo: float, hi: float) -> str:
        sep = "\u00a0to\u00a0" if self.lang == "en" else "\u00a0至\u00a0"  # an interval never wraps
        return f"{self._fmt(lo, signed=False)}{sep}{self._fmt(hi, signed=False)}"

    def _label(self) -> str:
        return kpi_label(self.study.kpi, self.lang)

    def _reason(self) -> str:
        """Why nothing was estimated, in the report's language."""
        s, c = self.study, self.study.counts_
        if s.status_ == "too_few_branches":
            return _lab(self.lang, "too_few", g=c["branches"], m=s.min_branches)
        if s.status_ == "no_treated":
            return _lab(self.lang, "no_treated")
        return s.reason_

    def _not_estimated(self) -> HtmlBlock:
        return HtmlBlock(f"<p><b>{_e(_lab(self.lang, 'not_estimated', reason=self._reason()))}</b></p>")

    def _estimated(self) -> IncentiveEffectResult:
        """The effect (callers check that it was estimated)."""
        return cast("IncentiveEffectResult", self.study.result_)

    # -- sections ------------------------------------------------------------------------

    def title(self) -> HtmlBlock:
        """Report title."""
        return HtmlBlock(f'<h1 id="title">{_e(_lab(self.lang, "title", kpi=self._label()))}</h1>')

    def heading(self, key: str) -> HtmlBlock:
        """Section heading.

        ``key`` is ``"definition"``, ``"estimates"``, ``"event"``, ``"diagnostics"``,
        ``"robustness"``, ``"sensitivity"`` or ``"conclusion"``.
        """
        check_choice(key, "key", "IncentiveReport.heading", _HEADINGS)
        return HtmlBlock(f'<h2 id="{_e(key)}">{_e(_lab(self.lang, "h_" + key))}</h2>')

    def definition(self) -> HtmlBlock:
        """Outcome, unit of analysis, weights, sample and the treatment table."""
        p = self.study.panel_
        parts = [
            "<table class='dataframe'><tbody>"
            + "".join(
                f"<tr><th style='text-align:left'>{_e(a)}</th><td style='text-align:left'>{_e(b)}</td></tr>"
                for a, b in self._definition_facts()
            )
            + "</tbody></table>"
        ]
        if p is not None and not p.empty:
            parts.append(self._treatment_table(p))
        if self.study.status_ != "ok":
            parts.append(self._not_estimated().html)
        return HtmlBlock("".join(parts))

    def _definition_facts(self) -> list[tuple[str, str]]:
        s, lang = self.study, self.lang
        k, p = KPI_CATALOGUE[s.kpi], s.panel_
        what = _N_WHAT[lang].get(k.table, "n")
        info = [
            (_lab(lang, "outcome"), f"{self._label()}: {k.formula}" if lang == "en" else self._label()),
            (_lab(lang, "unit_of_analysis"), _LEVEL_NAMES[lang][s.level]),
            (
                _lab(lang, "weights"),
                _lab(lang, "weights_n", what=what) if s.weighted else _lab(lang, "weights_none"),
            ),
            (_lab(lang, "treatment"), _lab(lang, "treatment_text")),
        ]
        if p is not None and not p.empty:
            info.insert(
                3,
                (
                    _lab(lang, "sample"),
                    _lab(
                        lang,
                        "sample_text",
                        rows=len(p),
                        units=p["unit"].nunique(),
                        branches=p["branch"].nunique(),
                        first=period_label(str(p["period"].min()), lang),
                        last=period_label(str(p["period"].max()), lang),
                    ),
                ),
            )
        if s.exclude_branches:
            info.append((_lab(lang, "excluded"), ", ".join(s.exclude_branches)))
        return info

    def _treatment_table(self, p: pd.DataFrame) -> str:
        from bankperf_analysis.incentives.panel import COHORT_COL, TREATED_COL

        lang = self.lang
        g = p.groupby("branch", sort=True)
        tab = pd.DataFrame(
            {
                "cohort": g[COHORT_COL].min(),
                "units": g["unit"].nunique(),
                "post": g[TREATED_COL].sum().astype(int),
            }
        )
        tab["pre"] = g.size() - tab["post"]
        rows = [
            (
                b,
                _lab(lang, "never") if pd.isna(r.cohort) else period_label(str(r.cohort), lang),
                _lab(lang, "control") if pd.isna(r.cohort) else _lab(lang, "adopter"),
                int(r.units),
                int(r.pre),
                int(r.post),
            )
            for b, r in tab.iterrows()
        ]
        head = [_lab(lang, h) for h in ("branch", "adoption", "group", "units", "rows_pre", "rows_post")]
        return _table(head, rows)

    def summary_table(self) -> HtmlBlock:
        """Robust estimate (headline) and TWFE beside it, with intervals and p-values."""
        if self.study.result_ is None:
            return self._not_estimated()
        lang, r = self.lang, self.study.result_
        conf = f"{fmt_percent(1 - self.study.alpha, 0)}"
        names = [_lab(lang, "robust"), _lab(lang, "twfe"), _lab(lang, "difference")]
        rows = [
            (
                name,
                self._fmt(row.estimate),
                self._ci(row.ci_low, row.ci_high),
                self._fmt(row.std_error, signed=False),
                _fp(row.pvalue),
            )
            for name, row in zip(names, r.to_frame().itertuples())
        ]
        truth = self.study.planted_effect()
        if truth is not None:
            rows.append((_lab(lang, "truth"), self._fmt(truth), "", "", ""))
        head = [
            _lab(lang, "estimator"),
            f"{_lab(lang, 'estimate')} ({self._unit()})",
            _lab(lang, "ci", conf=conf),
            _lab(lang, "se"),
            _lab(lang, "pvalue"),
        ]
        return HtmlBlock(_table(head, rows))

    def event_study_figure(self) -> Figure:
        """Event-study figure: robust and TWFE effects by period since adoption."""
        s, label = self.study, self._label()
        if s.event_ is None and s.result_ is None:
            reason = self._reason() or "; ".join(s.notes_)
            return message_figure(_lab(self.lang, "no_figure", reason=reason))
        if s.event_ is not None:
            aggs = [a for a in (s.event_.robust, s.event_.twfe) if a is not None]
        else:
            aggs = [self._estimated().event]
        unit = self._unit()  # a rate in percentage points, as in the tables
        ylab = f"Effect on {label} ({unit})" if self.lang == "en" else f"对{label}的影响（{unit}）"
        return event_study_figure(
            [(a.estimator, self._scaled(a.frame)) for a in aggs],
            aggs[0].outcome,
            lang=self.lang,
            title=_lab(self.lang, "title", kpi=label),
            ylabel=ylab,
        )

    def diagnostics(self) -> HtmlBlock:
        """Clusters, pre-trend test with its power, placebo, estimator disagreement, warnings."""
        d = self.study.diagnostics()
        if d is None:
            return self._not_estimated()
        return HtmlBlock(
            "<ul>"
            + "".join(
                (f"<li><b style='color:#c53030'>{_e(t)}</b></li>" if alert else f"<li>{_e(t)}</li>")
                for t, alert in self._diagnostic_items(d)
            )
            + "</ul>"
        )

    def _diagnostic_items(self, d: StudyDiagnostics) -> list[tuple[str, bool]]:
        per = _PER[self.lang][self.study.freq]
        items = self._cluster_items(d)
        items.append((self._pretrend_text(d, per), bool(d.pretrend is not None and d.pretrend.reject)))
        if d.placebo is not None:
            items.append((self._placebo_text(d.placebo, per), d.placebo_significant))
        items.append((self._disagreement_text(), d.disagree))
        items += [(t, False) for t in self._wild_items()]
        note = _lab(self.lang, "note")
        items += [(f"{note}: {m}", False) for m in d.warnings]
        items += [(f"{note}: {m}", False) for m in d.notes]
        return items

    def _cluster_items(self, d: StudyDiagnostics) -> list[tuple[str, bool]]:
        from bankperf_analysis.incentives.study import FEW_CLUSTERS

        g = d.n_clusters
        if self.lang == "en":
            items = [
                (
                    f"Clusters: {g} branches ({d.n_adopters} adopting in {d.n_cohorts} cohort(s), "
                    f"{d.n_controls} never adopting); standard errors clustered by branch, "
                    f"t({g - 1}) critical values.",
                    False,
                )
            ]
            if d.few_clusters:
                items.append(
                    (
                        f"Small sample: only {g} branches. Cluster-robust inference is approximate with "
                        f"fewer than about {FEW_CLUSTERS} clusters: read the intervals and p-values as "
                        "rough guides, not exact levels.",
                        True,
                    )
                )
            return items
        items = [
            (
                f"聚类：{g} 个网点（{d.n_adopters} 个实施，分 {d.n_cohorts} 批；"
                f"{d.n_controls} 个从未实施）；"
                f"标准误按网点聚类，临界值取 t({g - 1})。",
                False,
            )
        ]
        if d.few_clusters:
            items.append(
                (
                    f"小样本：只有 {g} 个网点。聚类数少于约 {FEW_CLUSTERS} 时聚类稳健推断只是近似，"
                    "置信区间和 p 值仅供粗略参考。",
                    True,
                )
            )
        return items

    def _wild_items(self) -> list[str]:
        from bankperf_analysis.incentives.prose import _study_wild_items

        tw, ev = self._estimated().twfe.wild_bootstrap, self.study.event_
        pre = None if ev is None or ev.pretrend_twfe is None else ev.pretrend_twfe.wild_bootstrap
        ci = "" if tw is None else f"{self._ci(tw.ci_low, tw.ci_high)} {self._unit()}"
        return _study_wild_items(tw, pre, ci, self.lang, self._estimated().robust.pretrend_gt())

    def _pretrend_text(self, d: StudyDiagnostics, per: str) -> str:
        pt, lang = d.pretrend, self.lang
        if pt is None:
            return (
                "Pre-trends: no pre-adoption period to test."
                if lang == "en"
                else "事前趋势：没有可检验的实施前期间。"
            )
        slope, mds = self._fmt(pt.slope, signed=False), self._fmt(pt.detectable_slope, signed=False)
        u = self._unit()
        pw = _percent(pt.power)
        dev = self._fmt(d.pretrend_max, signed=False)
        eff = self._fmt(abs(self._estimated().estimate), signed=False)
        if lang == "en":
            head = (
                f"Pre-trends: joint test of the {pt.df} pre-adoption effects, "
                f"F({pt.df}, {pt.df_denom:.0f}) = {pt.statistic:.2f}, {p_text(pt.pvalue)}"
            )
            if pt.reject:
                return (
                    head + ": parallel pre-trends are rejected. The largest pre-adoption deviation is "
                    f"{dev} {u} against an effect of {eff} {u}; read the estimate "
                    "with caution (with few branches this test also rejects too often)."
                )
            return (
                head + ". Not rejecting is not proof of parallel trends: the test had "
                f"{pw} power against a linear pre-trend of {slope} {u} per {per} (steep enough to "
                f"explain the whole effect) and detects with {fmt_percent(pt.power_target, 0)} power only "
                f"slopes steeper than {mds} {u} per {per}."
            )
        head = (
            f"事前趋势：对 {pt.df} 个实施前效应的联合检验，F({pt.df}, {pt.df_denom:.0f}) = "
            f"{pt.statistic:.2f}，{p_text(pt.pvalue)}"
        )
        if pt.reject:
            return (
                head + f"：拒绝平行趋势。实施前最大偏离为 {dev}{u}，"
                f"而效应为 {eff}{u}；请谨慎解读"
                "（网点少时该检验也容易过度拒绝）。"
            )
        return (
            head + "。未拒绝并不证明平行趋势成立：对每{per}{slope}{u}（足以解释全部效应）的线性事前趋势，"
            "检验功效为 {pw}；以 {pt80} 的把握只能发现每{per}超过 {mds}{u} 的趋势。"
        ).format(per=per, slope=slope, u=u, pw=pw, pt80=f"{fmt_percent(pt.power_target, 0)}", mds=mds)

    def _placebo_text(self, pl: PlaceboResult, per: str) -> str:
        lang, alpha = self.lang, self.study.alpha
        est, ci = self._fmt(pl.estimate, unit=True), self._ci(pl.ci_low, pl.ci_high)
        bad = pl.pvalue < alpha
        if lang == "en":
            return (
                f"Placebo (adoption moved one {per} earlier, pre-adoption data only): {est} "
                f"({fmt_percent(1 - alpha, 0)} CI {ci}, {p_text(pl.pvalue)}); "
                + (
                    "significant: points to anticipation or diverging trends."
                    if bad
                    else "consistent with no effect before adoption."
                )
            )
        return (
            f"安慰剂检验（实施时点提前一{per}，仅用实施前数据）：{est}"
            f"（{fmt_percent(1 - alpha, 0)} 置信区间 {ci}，"
            f"{p_text(pl.pvalue)}）；"
            + ("显著，提示存在预期效应或趋势不平行。" if bad else "与实施前无效应一致。")
        )

    def _disagreement_text(self) -> str:
        r, lang = self._estimated(), self.lang
        d, se = self._fmt(r.difference), self._fmt(r.difference_se, signed=False)
        neg = r.twfe.negative_weight_share
        rtol = fmt_percent(r.disagreement_rtol, 0)
        if lang == "en":
            verdict = (
                "they DISAGREE: report the robust estimate; TWFE uses already-treated branches as controls"
                if r.disagree
                else "they agree"
            )
            return (
                f"Robust vs TWFE: difference {d} (se {se}); {verdict} (rule: |difference| > "
                f"max(z × se, {rtol} of the robust estimate)). {fmt_percent(neg, 0)} of treated "
                "rows get a negative TWFE weight."
            )
        verdict = "二者不一致：应报告稳健估计；双向固定效应把已实施网点当作对照" if r.disagree else "二者一致"
        return (
            f"稳健估计与双向固定效应：差异 {d}（标准误 {se}）；{verdict}（规则：|差异| 超过 z × 标准误与"
            f"稳健估计的 {rtol} 中的较大者）。{fmt_percent(neg, 0)} 的处理行在双向固定效应中权重为负。"
        )

    def robustness(self) -> HtmlBlock:
        """Leave-one-branch-out: the estimate without each (influential) branch."""
        r, lo = self.study.result_, self.study.leave_one_out_
        if r is None or lo is None:
            return self._not_estimated()
        lang = self.lang
        rows = [
            (
                _lab(lang, "none_left_out"),
                self._fmt(r.estimate),
                self._ci(r.ci_low, r.ci_high),
                self._fmt(r.twfe.estimate),
                "",
            )
        ]
        rows += [
            (
                row.left_out,
                self._fmt(row.robust),
                self._ci(row.robust_ci_low, row.robust_ci_high),
                self._fmt(row.twfe),
                self._fmt(row.change),
            )
            for row in lo.itertuples()
        ]
        conf = f"{fmt_percent(1 - self.study.alpha, 0)}"
        head = [
            _lab(lang, "left_out"),
            f"{_lab(lang, 'robust_short')} ({self._unit()})",
            _lab(lang, "ci", conf=conf),
            _lab(lang, "twfe"),
            _lab(lang, "change"),
        ]
        note = self._robustness_sentence()
        return HtmlBlock(_table(head, rows) + (f"<p>{_e(note)}</p>" if note else ""))

    def _robustness_sentence(self) -> str:
        lo, lang = self.study.leave_one_out_, self.lang
        if lo is None or lo.empty:
            return ""
        i = int(np.argmax(np.abs(lo["change"].to_numpy())))
        b, ch = lo["left_out"].iloc[i], lo["change"].iloc[i]
        lo_min, lo_max = self._fmt(lo["robust"].min()), self._fmt(lo["robust"].max())
        drop = self.study.planted_drop()
        without = None
        if drop is not None and drop[0] in set(lo["left_out"]):
            without = self._fmt(float(lo.loc[lo["left_out"] == drop[0], "robust"].iloc[0]))
        if lang == "en":
            s = (
                f"Leaving out one branch at a time, the robust estimate stays between {lo_min} and {lo_max} "
                f"{self._unit()}; the largest change ({self._fmt(ch)}) comes from leaving out {b}."
            )
            if drop is not None and without is not None:
                s += (
                    f" Demo data: {drop[0]} has a planted local drop in {drop[1]} while never "
                    f"adopting, a mild violation of parallel trends; without it the estimate is {without}."
                )
            return s
        s = (
            f"逐一剔除网点后，稳健估计在 {lo_min} 至 {lo_max}{self._unit()} 之间；"
            f"变化最大（{self._fmt(ch)}）的是剔除 {b}。"
        )
        if drop is not None and without is not None:
            s += (
                f"演示数据：{drop[0]} 从未实施该方案，但在{period_label(drop[1], lang)}预设了局部下滑，"
                f"轻度违反平行趋势；剔除后估计为 {without}。"
            )
        return s

    def sensitivity(self) -> HtmlBlock:
        """Uniform band and relative-magnitudes bounds of the robust event study (en/zh)."""
        from bankperf_analysis.report._incentive_sensitivity import sensitivity_block

        return sensitivity_block(self)

    def conclusion(self) -> HtmlBlock:
        """Plain-language conclusion (en/zh)."""
        return HtmlBlock(f"<p>{_e(self.conclusion_text())}</p>")

    def conclusion_text(self) -> str:
        """The conclusion as plain text."""
        r = self.study.result_
        if r is None:
            return _lab(self.lang, "not_estimated", reason=self._reason())
        d = cast("StudyDiagnostics", self.study.diagnostics())
        parts = self._conclusion_en(r, d) if self.lang == "en" else self._conclusion_zh(r, d)
        rob = self._robustness_sentence()
        if rob:
            parts.append(rob)
        truth = self.study.planted_effect()
        if truth is not None:
            inside, u = r.ci_low <= truth <= r.ci_high, self._unit()
            if self.lang == "en":
                parts.append(
                    f"Demo data: the planted effect is {self._fmt(truth)} {u}, "
                    + ("inside" if inside else "outside")
                    + " the interval."
                )
            else:
                parts.append(
                    f"演示数据：预设效应为 {self._fmt(truth)}{u}，"
                    + ("落在" if inside else "不在")
                    + "置信区间内。"
                )
        return " ".join(parts)

    def _conclusion_en(self, r: IncentiveEffectResult, d: StudyDiagnostics) -> list[str]:
        g, label, u = r.robust.n_clusters, self._label(), self._unit()
        conf = f"{fmt_percent(1 - self.study.alpha, 0)}"
        est, ci = self._fmt(abs(r.estimate), signed=False), self._ci(r.ci_low, r.ci_high)
        verb = "raised" if r.estimate > 0 else "lowered"
        parts = [
            (
                f"The bonus scheme {verb} {label} by {est} {u} ({conf} CI {ci}; robust staggered "
                f"difference-in-differences over {g} branches)."
                if r.pvalue < self.study.alpha
                else f"The bonus scheme's effect on {label} is {self._fmt(r.estimate)} {u} ({conf} CI {ci}): "
                "it cannot be told apart from zero."
            ),
            f"The conventional two-way fixed-effects estimate ({self._fmt(r.twfe.estimate)}) "
            + ("disagrees and should not be used." if r.disagree else "agrees."),
        ]
        pt = r.pretrend
        if pt is not None:
            parts.append(
                f"Caution: before adoption the adopting branches did not move exactly like the others "
                f"(pre-trend test {p_text(pt.pvalue)}); the deviations are at most "
                f"{self._fmt(d.pretrend_max, signed=False)} {u}, small next to the effect, "
                "but the causal reading rests on parallel trends."
                if pt.reject
                else "Before adoption the branches moved alike as far as the data can tell (the "
                f"pre-trend test had {_percent(pt.power)} power against a trend that alone would explain "
                "the effect); that is support for, not proof of, parallel trends."
            )
        if d.placebo_significant:
            parts.append(
                "The placebo test finds an 'effect' before adoption: treat the estimate with caution."
            )
        if d.few_clusters:
            parts.append(f"With only {g} branches the interval is approximate.")
        return parts

    def _conclusion_zh(self, r: IncentiveEffectResult, d: StudyDiagnostics) -> list[str]:
        g, label, u = r.robust.n_clusters, self._label(), self._unit()
        conf = f"{fmt_percent(1 - self.study.alpha, 0)}"
        est, ci = self._fmt(abs(r.estimate), signed=False), self._ci(r.ci_low, r.ci_high)
        verb = "提高" if r.estimate > 0 else "降低"
        parts = [
            (
                f"奖金方案使{label}{verb}了 {est}{u}（{conf} 置信区间 {ci}；"
                f"基于 {g} 个网点的交错双重差分稳健估计）。"
                if r.pvalue < self.study.alpha
                else f"奖金方案对{label}的影响为 {self._fmt(r.estimate)}{u}（{conf} 置信区间 {ci}），"
                "与零没有显著差异。"
            ),
            f"传统双向固定效应估计（{self._fmt(r.twfe.estimate)}）"
            + ("与之不一致，不应采用。" if r.disagree else "与之一致。"),
        ]
        pt = r.pretrend
        if pt is not None:
            parts.append(
                f"注意：实施前实施网点与其他网点的走势并不完全一致（事前趋势检验 {p_text(pt.pvalue)}）；"
                f"偏离最多 {self._fmt(d.pretrend_max, signed=False)}{u}，相对效应较小，"
                "但因果解读依赖平行趋势假设。"
                if pt.reject
                else f"就数据所见，实施前各网点走势相近（对足以单独解释该效应的趋势，事前趋势检验的功效为 "
                f"{_percent(pt.power)}）；这支持但不能证明平行趋势。"
            )
        if d.placebo_significant:
            parts.append("安慰剂检验在实施前发现了“效应”，请谨慎解读。")
        if d.few_clusters:
            parts.append(f"只有 {g} 个网点，置信区间只是近似。")
        return parts

    def headline(self) -> dict[str, Any]:
        """Headline numbers for the index page (:func:`bankperf_analysis.report.record_headline`)."""
        s, r = self.study, self.study.result_
        out: dict[str, Any] = {"incentive_kpi": s.kpi, "incentive_status": s.status_}
        if r is not None:
            out.update(
                incentive_effect=float(r.estimate),
                incentive_ci=f"{self._ci(r.ci_low, r.ci_high)} {self._unit()}",
                incentive_twfe=float(r.twfe.estimate),
                incentive_branches=int(r.robust.n_clusters),
            )
        return out

    def __repr__(self) -> str:
        return f"IncentiveReport({self.study!r}, lang={self.lang!r})"

"""The bank overview report: every branch's results, the league, significance of changes, money.

Its sections read the shared inputs of the batch (:mod:`bankperf_analysis.report.inputs`). A
section whose data come from an optional table that is absent or empty says it is not
available and why (:mod:`bankperf_analysis.report.missing`).
"""

from __future__ import annotations

import warnings
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._i18n_shrink import shrink_text
from bankperf_analysis.exceptions import SmallSampleWarning
from bankperf_analysis.i18n import check_lang, kpi_label, t
from bankperf_analysis.l10n import branch_names, period_label
from bankperf_analysis.numbers import fmt_number, fmt_p, fmt_percent, fmt_pp
from bankperf_analysis.report.annual_targets import annual_targets_block
from bankperf_analysis.report.drill import (
    kpi_matrix,
    matrix_block,
    rate_kpis,
    red_black_block,
    region_names,
    regions_block,
)
from bankperf_analysis.report.html import (
    STATUS_COLORS,
    HtmlBlock,
    _e,
    data_table,
    facts_table,
    format_value,
    no_data,
    section_heading,
)
from bankperf_analysis.report.inputs import ReportInputs, batch_consequences
from bankperf_analysis.report.links import branch_files, nav_bar, xref
from bankperf_analysis.report.missing import Missing
from bankperf_analysis.scorecard.consequences import ConsequenceCounts

__all__ = ["BankOverview"]


class BankOverview:
    """The sections of the bank overview report (all branches)."""

    def __init__(self, shared_inputs: str | Path, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = ReportInputs.load(shared_inputs)
        self.quarter = self.inputs.quarter
        self.missing = Missing.from_meta(self.inputs.meta, self.lang)

    def _checks_missing(self) -> HtmlBlock | None:
        """Why the branch checks have no data at all (None when some check has data)."""
        checks = self.inputs.frame("branch_checks")
        kpis = checks.kpi.astype(str).unique() if len(checks) else []
        return self.missing.block_for_kpis(*kpis) if self.missing.all_missing(kpis) else None

    @cached_property
    def _matrix(self) -> pd.DataFrame:
        """Every branch × tile KPI: value, n, status (:func:`~bankperf_analysis.report.drill.kpi_matrix`)."""
        return kpi_matrix(self.inputs)

    @cached_property
    def _files(self) -> dict[str, str]:
        """Branch id -> its report's file, named as the runner names it."""
        return branch_files(self.inputs.frame("branches").branch_id.astype(str))

    @cached_property
    def _names(self) -> dict[str, str]:
        return branch_names(self.inputs.frame("branches"), self.lang)

    def _branch(self, branch_id: Any) -> str:
        """The branch's name and id, linked to its report (text when it was not rendered)."""
        b = str(branch_id)
        return xref(self._files[b], f"{self._names.get(b, b)} ({b})") if b in self._files else _e(b)

    def nav(self) -> HtmlBlock:
        """Links to the index and (in Q4) the annual summary."""
        return nav_bar(self.lang, quarter=self.quarter, here="overview")

    def kpi_matrix(self) -> HtmlBlock:
        """Every KPI of the branch tiles by branch, coloured met / near / below, with n; rows link."""
        if self._matrix.empty:
            return no_data(self.lang)
        regions = region_names(self.inputs.frame("branches"), self.lang)
        return matrix_block(self._matrix, self._names, self._files, self.lang, regions)

    def regions(self) -> HtmlBlock:
        """Per region (anchor ``#region-<name>``): value, rank among regions, best and worst branch."""
        if self._matrix.empty:
            return no_data(self.lang)
        return regions_block(self.inputs, self._matrix, self._names, self._files, self.lang)

    def red_black(self) -> HtmlBlock:
        """红黑榜: the best and the worst branch per KPI over the bank."""
        if self._matrix.empty:
            return no_data(self.lang)
        return red_black_block(self._matrix, self._files, self.lang)

    def title(self) -> HtmlBlock:
        """The report title."""
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_bank", self.lang))} · '
            f"{_e(period_label(self.quarter, self.lang))}</h1>"
        )

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return section_heading(key, anchor, self.lang)

    def league_table(self) -> HtmlBlock:
        """Branches ranked by empirical-Bayes shrunk satisfaction (raw rate and n beside it).

        A branch with few surveys is pulled towards the bank's rate, so it is not ranked
        first (or last) by luck; the funnel band says whether it differs from the bank
        by more than chance (95 % / 99.8 % limits, over-dispersion allowed for).
        """
        gap = self.missing.gap_block(self.inputs.meta.get("league_missing"))
        if gap is not None:
            return gap
        lg = self.inputs.frame("league")
        if lg.empty:
            return no_data(self.lang)
        lg = lg.sort_values("rank_shrunk")
        head = [
            t(k, self.lang)
            for k in (
                "label_rank",
                "label_branch",
                "label_n",
                "label_raw_rate",
                "label_shrunk_rate",
                "label_ci",
                "label_funnel",
            )
        ]
        rows = []
        for _, r in lg.iterrows():
            band = str(r.get("band", ""))
            color = (
                STATUS_COLORS["below"]
                if band.startswith("below")
                else STATUS_COLORS["met"]
                if band.startswith("above")
                else "inherit"
            )
            rows.append(
                f"<tr><td>{int(r['rank_shrunk'])}</td>"
                f"<td style='text-align:left'>{self._branch(r.entity)}</td>"
                f"<td>{int(r.n):,}</td><td>{fmt_percent(r.rate)}</td>"
                f"<td>{fmt_percent(r.shrunk_rate)}</td>"
                f"<td>{fmt_number(100 * r.ci_low)}–{fmt_percent(r.ci_high)}</td>"
                f"<td style='color:{color}'>{_e(t('band_' + band, self.lang) if band else '')}</td></tr>"
            )
        method = str(lg["shrinkage"].iloc[0]) if "shrinkage" in lg.columns else "beta-binomial"
        note = f'<p class="note">{_e(shrink_text(f"shrink_method_{method}", self.lang))}</p>'
        return HtmlBlock(data_table(head, rows) + note)

    def funnel_figure(self):
        """Funnel plots of every rate KPI of the tiles (small multiples), every branch named.

        Each branch's rate this quarter against its n, with 95 % / 99.8 % limits around the
        bank's rate (over-dispersion allowed for). Without data the figure only says why.
        """
        from bankperf_analysis.plots.funnel import funnel_grid
        from bankperf_analysis.significance import funnel_data, funnel_panel

        k = self.inputs.kpis
        k = k[(k.level == "branch") & (k.period == self.quarter) & (k.period_type == "quarter")]
        panels = []
        for kpi in rate_kpis(self._matrix):
            rows = k[(k.kpi == kpi) & (k.denominator > 0)].sort_values("entity_id")
            if len(rows) < 2:
                continue
            n = rows.denominator.round().to_numpy(float)
            x = np.minimum(rows.numerator.round().to_numpy(float), n)
            with warnings.catch_warnings():  # too few branches to assess over-dispersion: plain limits
                warnings.simplefilter("ignore", SmallSampleWarning)
                funnel = funnel_data(x, n, labels=rows.entity_id.astype(str).tolist())
            panels.append({**funnel_panel(funnel), "title": kpi_label(kpi, self.lang)})
        if not panels:
            gap = self.inputs.meta.get("league_missing")
            return _message_figure(self.missing.gap_block(gap) if gap else no_data(self.lang))
        return funnel_grid(panels, lang=self.lang, columns=2)

    def changes_table(self) -> HtmlBlock:
        """Satisfaction change per branch, verdicts on multiple-testing-adjusted p-values."""
        gap = self.missing.gap_block(self.inputs.meta.get("changes_missing"))
        if gap is not None:
            return gap
        ch = self.inputs.frame("changes")
        if ch.empty:
            return no_data(self.lang)
        ch = ch.sort_values(["level", "entity"], ascending=[False, True])
        head = [
            t(k, self.lang)
            for k in (
                "label_branch",
                "label_previous_quarter",
                "label_current_quarter",
                "label_change",
                "p_adjusted",
                "label_verdict",
            )
        ]
        rows = []
        for _, r in ch.iterrows():
            flag = str(r.flag)
            color = {"down": STATUS_COLORS["below"], "up": STATUS_COLORS["met"]}.get(flag, "inherit")
            name = t("label_bank", self.lang) if r.entity == "BANK" else r.entity
            padj = "–" if pd.isna(r.p_adjusted) else fmt_p(r.p_adjusted).lstrip("= ")
            diff = fmt_pp(r["diff"], self.lang)
            rows.append(
                f"<tr><td style='text-align:left'>{_e(name)}</td>"
                f"<td>{_e(format_value('satisfaction_rate', r.before))} (n={int(r.n_before):,})</td>"
                f"<td>{_e(format_value('satisfaction_rate', r.after))} (n={int(r.n_after):,})</td>"
                f"<td>{_e(diff)}</td><td>{_e(padj)}</td>"
                f"<td style='text-align:left;color:{color}'>"
                f"{_e(r.get('verdict_' + self.lang, ''))}</td></tr>"
            )
        return HtmlBlock(
            data_table(head, rows)
            + f"<p style='font-size:0.8em'>{_e(t('note_multiple_testing', self.lang))}</p>"
        )

    def branch_results(self) -> HtmlBlock:
        """Every branch: composite, checks, reward / pay cut / re-check."""
        b = self.inputs.frame("branch_scores")
        no_checks = self._checks_missing()
        na = t("not_available_short", self.lang)
        head = [
            t(k, self.lang)
            for k in (
                "label_branch",
                "label_composite",
                "mystery_shopper_score",
                "video_check_score",
                "label_action",
            )
        ]
        rows = []
        for _, r in b.sort_values("branch_id").iterrows():
            acts = []
            if bool(r.get("reward", False)):
                acts.append(t("action_reward", self.lang))
            share = float(r.get("pay_cut_share_total", 0) or 0)
            if share > 0:
                acts.append(f"{t('action_cut', self.lang)} {fmt_percent(share, 0)}")
            if bool(r.get("recheck", False)):
                acts.append(t("action_recheck", self.lang))
            comp = r.get("composite_score")
            ms, vc = (
                (na, na)
                if no_checks
                else (
                    format_value("mystery_shopper_score", r.get("mystery_shopper_score")),
                    format_value("video_check_score", r.get("video_check_score")),
                )
            )
            act = na if no_checks else "; ".join(acts) or t("action_none", self.lang)
            rows.append(
                f"<tr><td style='text-align:left'>{self._branch(r.branch_id)}</td>"
                f"<td>{'' if pd.isna(comp) else fmt_number(comp)}</td>"
                f"<td>{_e(ms)}</td><td>{_e(vc)}</td>"
                f"<td style='text-align:left'>{_e(act)}</td></tr>"
            )
        return HtmlBlock(data_table(head, rows) + (no_checks.html if no_checks else ""))

    def annual_targets(self) -> HtmlBlock:
        """Targets stated per year (churn): every branch's value after each quarter vs the target.

        On the scheme's basis (year-to-date by default), coloured by the scorecard's rule (met /
        below target). Empty when the scheme has no yearly target.
        """
        b = self.inputs.frame("branches").sort_values("branch_id")
        names = branch_names(b, self.lang)
        entities = [
            ("branch", str(r.branch_id), f"{names[str(r.branch_id)]} ({r.branch_id})") for r in b.itertuples()
        ]
        entities.append(("bank", "BANK", t("label_bank", self.lang)))
        return annual_targets_block(self.inputs.frame("target_basis"), self.inputs.meta, entities, self.lang)

    def consequences(self, branch_id: str | None = None) -> ConsequenceCounts:
        """The quarter's consequence counts (of the bank, or of one branch), each with its unit."""
        return batch_consequences(self.inputs, self._checks_missing() is None, branch_id)

    def headline(self) -> dict[str, Any]:
        """Headline numbers of the bank for the index page (counts carry their unit)."""
        ch = self.inputs.frame("changes")
        k = self.inputs.kpis
        sat = k[(k.level == "bank") & (k.kpi == "satisfaction_rate") & (k.period == self.quarter)]
        return {
            "satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None,
            "label_change": None
            if self.inputs.meta.get("changes_missing")
            else t(
                "flagged_down_n",
                self.lang,
                n=int(((ch.level == "branch") & (ch.flag == "down")).sum()) if len(ch) else 0,
            ),
            **self.consequences().headline(self.lang),
        }

    def data_quality(self) -> HtmlBlock:
        """The optional tables not provided (or empty) and what they leave out; empty when none."""
        return self.missing.data_quality_section()

    def money_totals(self) -> HtmlBlock:
        """Every consequence count of the quarter, each with its unit (bonus, staff, branches)."""
        no_checks = self._checks_missing()
        rows = self.consequences().rows(self.lang)
        # without any check data there are no consequences to count: "not available", not "0"
        return HtmlBlock(facts_table(rows) + (no_checks.html if no_checks else ""))


def _message_figure(block: HtmlBlock | None):
    """A small figure that only says why it has nothing to draw (the text of ``block``)."""
    import html
    import re

    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 1.2))
    text = html.unescape(re.sub(r"<[^>]+>", "", block.html)) if block is not None else ""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color=STATUS_COLORS["none"])
    ax.set_axis_off()
    return fig

"""The bank overview report: every branch's results, the league, significance of changes, money.

Its sections read the shared inputs of the batch (:mod:`bankperf_analysis.report.inputs`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bankperf_analysis.i18n import check_lang, kpi_label, t
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
from bankperf_analysis.report.inputs import ReportInputs

__all__ = ["BankOverview"]


class BankOverview:
    """The sections of the bank overview report (all branches)."""

    def __init__(self, shared_inputs: str | Path, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = ReportInputs.load(shared_inputs)
        self.quarter = self.inputs.quarter

    def title(self) -> HtmlBlock:
        """The report title."""
        return HtmlBlock(f'<h1 id="title">{_e(t("report_title_bank", self.lang))} · {_e(self.quarter)}</h1>')

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return section_heading(key, anchor, self.lang)

    def league_table(self) -> HtmlBlock:
        """Branches ranked by empirical-Bayes shrunk satisfaction (raw rate and n beside it).

        A branch with few surveys is pulled towards the bank's rate, so it is not ranked
        first (or last) by luck; the funnel band says whether it differs from the bank
        by more than chance (95 % / 99.8 % limits, over-dispersion allowed for).
        """
        lg = self.inputs.frame("league")
        if lg.empty:
            return no_data(self.lang)
        names = self.inputs.frame("branches").set_index("branch_id").branch_name
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
                f"<td style='text-align:left'>{_e(names.get(r.entity, r.entity))} ({_e(r.entity)})</td>"
                f"<td>{int(r.n):,}</td><td>{100 * r.rate:.1f} %</td>"
                f"<td>{100 * r.shrunk_rate:.1f} %</td>"
                f"<td>{100 * r.ci_low:.1f}–{100 * r.ci_high:.1f} %</td>"
                f"<td style='color:{color}'>{_e(t('band_' + band, self.lang) if band else '')}</td></tr>"
            )
        return HtmlBlock(data_table(head, rows))

    def funnel_figure(self):
        """Funnel plot: branch satisfaction vs number of surveys, with control limits."""
        from bankperf_analysis.significance import funnel_plot

        lg = self.inputs.frame("league").sort_values("entity")
        return funnel_plot(
            x=lg.x.to_numpy(float),
            n=lg.n.to_numpy(float),
            labels=lg.entity.astype(str).tolist(),
            lang=self.lang,
            title=kpi_label("satisfaction_rate", self.lang),
        )

    def changes_table(self) -> HtmlBlock:
        """Satisfaction change per branch, verdicts on multiple-testing-adjusted p-values."""
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
            padj = "–" if pd.isna(r.p_adjusted) else f"{r.p_adjusted:.3f}"
            diff = "–" if pd.isna(r["diff"]) else f"{100 * r['diff']:+.1f}"
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
                acts.append(f"{t('action_cut', self.lang)} {100 * share:.0f} %")
            if bool(r.get("recheck", False)):
                acts.append(t("action_recheck", self.lang))
            comp = r.get("composite_score")
            rows.append(
                f"<tr><td style='text-align:left'>{_e(r.branch_name)} ({_e(r.branch_id)})</td>"
                f"<td>{'' if pd.isna(comp) else f'{comp:.1f}'}</td>"
                f"<td>{_e(format_value('mystery_shopper_score', r.get('mystery_shopper_score')))}</td>"
                f"<td>{_e(format_value('video_check_score', r.get('video_check_score')))}</td>"
                f"<td style='text-align:left'>{_e('; '.join(acts) or t('action_none', self.lang))}</td></tr>"
            )
        return HtmlBlock(data_table(head, rows))

    def headline(self) -> dict[str, Any]:
        """Headline numbers of the bank for the index page."""
        people = self.inputs.frame("staff_scores")
        checks = self.inputs.frame("branch_checks")
        ch = self.inputs.frame("changes")
        k = self.inputs.kpis
        sat = k[(k.level == "bank") & (k.kpi == "satisfaction_rate") & (k.period == self.quarter)]
        return {
            "satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None,
            "label_change": t(
                "flagged_down_n",
                self.lang,
                n=int(((ch.level == "branch") & (ch.flag == "down")).sum()) if len(ch) else 0,
            ),
            "total_bonus": int(people.bonus_yuan.fillna(0).sum()),
            "grade_excellent": int((people.grade == "excellent").sum()),
            "action_cut": int((checks.pay_cut != "none").sum()) if len(checks) else 0,
            "action_recheck": int(checks.recheck.sum()) if len(checks) else 0,
        }

    def money_totals(self) -> HtmlBlock:
        """Bonus total, pay cuts and re-checks across the bank."""
        people = self.inputs.frame("staff_scores")
        checks = self.inputs.frame("branch_checks")
        rows = [
            (
                t("total_bonus", self.lang),
                f"{float(people.bonus_yuan.fillna(0).sum()):,.0f} {t('unit_yuan', self.lang)}",
            ),
            (t("grade_excellent", self.lang), f"{int((people.grade == 'excellent').sum())}"),
            (t("action_cut", self.lang), f"{int((checks.pay_cut == 'cut').sum())}"),
            (t("action_heavier_cut", self.lang), f"{int((checks.pay_cut == 'heavier_cut').sum())}"),
            (t("action_recheck", self.lang), f"{int(checks.recheck.sum())}"),
            (t("action_reward", self.lang), f"{int(checks.reward.sum())}"),
        ]
        return HtmlBlock(facts_table(rows))

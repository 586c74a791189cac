"""The branch quarter report: the sections of one branch's report, read from the shared inputs.

Sections: KPI tiles with traffic lights, trends, the satisfaction verdict, the staff
table, the branch checks, complaints, staffing, and a data-quality note. A section whose
data come from an optional table that is absent or empty says "Not available: no survey
data." (:mod:`bankperf_analysis.report.missing`), never a zero. Every name
coming from the data is HTML-escaped; every label goes through
:mod:`bankperf_analysis.i18n`, so ``lang="zh"`` gives a Chinese report throughout.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label, role_label, t
from bankperf_analysis.kpis import channel_label, default_channels, kpis_of_table
from bankperf_analysis.l10n import localised_name, period_label, value_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.numbers import fmt_n, fmt_number, fmt_percent, p_text
from bankperf_analysis.periods import Period
from bankperf_analysis.report.annual_targets import annual_kpis_of, annual_targets_block, basis_note
from bankperf_analysis.report.banner import arrow_text, change_word, tile_html
from bankperf_analysis.report.html import (
    STATUS_COLORS,
    HtmlBlock,
    _e,
    channel_note,
    data_table,
    format_value,
    no_data,
    section_heading,
)
from bankperf_analysis.report.inputs import ReportInputs, batch_consequences
from bankperf_analysis.report.links import branch_files, nav_bar
from bankperf_analysis.report.missing import Missing
from bankperf_analysis.report.person_sheet import sheet_file
from bankperf_analysis.scorecard.consequences import ConsequenceCounts
from bankperf_analysis.staffing.shown import cost_benefit_text, post_findings

__all__ = ["BranchReport", "TILE_KPIS", "TREND_KPIS"]

#: KPIs shown as tiles at the top of a branch report, in order.
TILE_KPIS: tuple[str, ...] = (
    "satisfaction_rate",
    "response_time_seconds",
    "service_level",
    "resolution_rate",
    "cross_sales_per_month",
    "complaint_closed_on_time_rate",
    "mystery_shopper_score",
    "video_check_score",
    "queue_wait_seconds",
    "churn_rate",
)
#: KPIs drawn in the trend panel.
TREND_KPIS: tuple[str, ...] = (
    "satisfaction_rate",
    "response_time_seconds",
    "resolution_rate",
    "cross_sales_per_month",
)


#: The label of each tile status.
_STATUS_KEY = {
    "met": "status_met",
    "near": "status_near",
    "below": "status_below",
    "none": "status_insufficient",
}


def _status(kpi: str, value: float, target: float | None, n: int, min_n: int) -> str:
    if value is None or not np.isfinite(value):
        return "none"
    if n < min_n or target is None:
        return "none"
    higher = KPI_CATALOGUE[kpi].direction == "higher"
    gap = (value - target) if higher else (target - value)
    if gap >= -1e-12:
        return "met"
    rel = abs(gap) / max(abs(target), 1e-12)
    return "near" if rel <= 0.05 else "below"


class BranchReport:
    """The sections of one branch's quarterly report.

    Parameters
    ----------
    shared_inputs : str or Path
        Folder written by :func:`~bankperf_analysis.report.prepare_batch`.
    branch_id : str
        The branch (kept as a string).
    lang : {"en", "zh"}
    """

    def __init__(self, shared_inputs: str | Path, branch_id: str, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = ReportInputs.load(shared_inputs)
        self.branch_id = str(branch_id)
        row = self.inputs.rows("branches", "branch_id", self.branch_id)
        if row.empty:
            raise ParamsError(
                f"The 'branch_id' parameter must be a branch of the dataset. Got {self.branch_id!r} instead."
            )
        self.branch = row.iloc[0]
        self.quarter = self.inputs.quarter
        self.missing = Missing.from_meta(self.inputs.meta, self.lang)

    # -- helpers -----------------------------------------------------------------------
    @cached_property
    def _kpis(self) -> pd.DataFrame:
        return self.inputs.entity_kpis("branch", self.branch_id)

    @cached_property
    def _kpi_index(self) -> dict[tuple[Any, Any, Any], tuple[Any, Any]]:
        """``(level, kpi, period) -> (value, n)`` of this branch's and the bank's KPI rows.

        Built once per report: every tile, table and note looks its numbers up here instead
        of filtering the KPI frame. The first row of a key wins, as a filter's ``iloc[0]``.
        """
        k = self._kpis.drop_duplicates(["level", "kpi", "period"], keep="first")
        return dict(zip(zip(k["level"], k["kpi"], k["period"]), zip(k["value"], k["n"])))

    def _basis_value(self, kpi: str, level: str) -> tuple[Any, Any] | None:
        """The value and n of a yearly-target KPI on its basis (``target_basis``), or None."""
        entity = self.branch_id if level == "branch" else "BANK"
        b = self.inputs.rows("target_basis", "entity_id", entity)
        sel = b[(b.level == level) & (b.kpi == kpi) & (b.period == self.quarter)]
        return None if sel.empty else (sel.value.iloc[0], sel.n.iloc[0])

    def _value(self, kpi: str, period: str | None = None, level: str = "branch"):
        if kpi in self._annual and period is None:  # a yearly target: the value on its basis
            hit = self._basis_value(kpi, level)
        else:
            hit = self._kpi_index.get((level, kpi, period or self.quarter))
        if hit is None:
            return None, 0
        return float(hit[0]), int(hit[1])

    @cached_property
    def _annual(self) -> list[str]:
        """The KPIs whose target is stated per year (compared on the scheme's basis)."""
        return annual_kpis_of(self.inputs.meta)

    @cached_property
    def _channels(self) -> dict[str, tuple[str, ...]]:
        """The contact channels each contact KPI counts in this batch (the scheme's scope)."""
        got = self.inputs.meta.get("channels")
        return {k: tuple(v) for k, v in got.items()} if got else default_channels()

    def _channel_text(self, kpi: str) -> str:
        return channel_label(self._channels[kpi], self.lang)

    def _target(self, kpi: str):
        tg = self.inputs.meta.get("branch_targets", {}).get(kpi)
        return (tg or {}).get("target"), int((tg or {}).get("min_n") or 0)

    @property
    def _files(self) -> Mapping[str, str]:
        """Branch id → report file of every branch of the data, in id order (as the runner names them).

        The same for every report of the batch: named once per process.
        """
        return self.inputs.derived("branches", "branch_files", _branch_files_of)

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading (h2) in the report language; it appears in the contents."""
        return section_heading(key, anchor, self.lang)

    # -- sections ----------------------------------------------------------------------
    def nav(self) -> HtmlBlock:
        """Links to the index, the overview, the region, the annual summary, the previous and next branch.

        Neighbours are by branch id; a report not in the folder shows as text.
        """
        files = self._files
        ids = list(files)
        at = ids.index(self.branch_id)
        neighbours = [(files[ids[i]], ids[i]) if 0 <= i < len(ids) else None for i in (at - 1, at + 1)]
        region = self.branch.get("region")
        return nav_bar(
            self.lang,
            quarter=self.quarter,
            here="branch",
            region=str(region) if isinstance(region, str) and region else None,
            neighbours=neighbours,
            region_name=localised_name(self.branch, "region", self.lang),
        )

    def title(self) -> HtmlBlock:
        """Report title with the branch name, quarter and region."""
        name = localised_name(self.branch, "branch_name", self.lang) or self.branch_id
        kind = value_label("branch_type", self.branch.get("branch_type", ""), self.lang)
        where = [
            localised_name(self.branch, "region", self.lang),
            kind,
            period_label(self.quarter, self.lang),
        ]
        sub = " · ".join(_e(w) for w in where if w)
        colon = "：" if self.lang == "zh" else ": "
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_branch", self.lang))}{colon}{_e(name)} '
            f'({_e(self.branch_id)})</h1><p class="subtitle">{sub}</p>'
        )

    def kpi_tiles(self) -> HtmlBlock:
        """Headline KPIs against the branch targets, with traffic-light status."""
        tiles = []
        for kpi in TILE_KPIS:
            why = self.missing.kpi_reason(kpi)
            if why is not None:  # its table is absent or empty: say so, never "0 %"
                tiles.append(tile_html(kpi, "none", t("not_available_short", self.lang), why, "", self.lang))
                continue
            v, n = self._value(kpi)
            if v is None:
                if kpi in self._channels:  # no contact on its channels: say so, never 0
                    why = t("no_contacts_in_scope", self.lang, channels=self._channel_text(kpi))
                    tiles.append(
                        tile_html(kpi, "none", t("status_insufficient", self.lang), why, "", self.lang)
                    )
                continue
            target, min_n = self._target(kpi)
            status = _status(kpi, v, target, n, min_n)
            bank, bank_n = self._value(kpi, level="bank")
            if n < min_n:
                note = t("status_insufficient", self.lang)
            elif target is None:
                note = ""
            else:
                sign = "≥" if KPI_CATALOGUE[kpi].direction == "higher" else "≤"
                note = f"{t('label_target', self.lang)} {sign} {format_value(kpi, target, self.lang)}"
                note += f" · {t(_STATUS_KEY[status], self.lang)}"
            if basis_note(self.inputs.meta, kpi, self.lang) and kpi not in self._quarter_basis:
                note = f"{note} · {basis_note(self.inputs.meta, kpi, self.lang)}".strip(" ·")
            bank_txt = (
                f"{t('label_bank', self.lang)}: {format_value(kpi, bank, self.lang)} · "
                f"{fmt_n(bank_n, kpi, self.lang)}"
            )
            foot = (
                f'<div class="bp-tile-change">{_e(self._tile_change(kpi))}</div>'
                f'<div class="bp-tile-n">{_e(fmt_n(n, kpi, self.lang))}</div>'
                f'<div class="bp-tile-bank">{_e(bank_txt)}</div>'
            )
            if status == "below" and kpi in self._bank_wide_below:
                foot += f'<div class="bp-tile-bankwide">{_e(t("tile_bank_wide", self.lang))}</div>'
            tiles.append(tile_html(kpi, status, format_value(kpi, v, self.lang), note, foot, self.lang))
        legend = " ".join(
            f'<span style="color:{STATUS_COLORS[s]}">■ {_e(t(k, self.lang))}</span>'
            for s, k in (
                ("met", "status_met"),
                ("near", "status_near"),
                ("below", "status_below"),
                ("none", "status_insufficient"),
            )
        )
        shown = [k for k in TILE_KPIS if self.missing.kpi_reason(k) is None]
        scope = channel_note(self._channels, shown, self.lang)
        return HtmlBlock(
            '<div style="display:flex;flex-wrap:wrap">'
            + "".join(tiles)
            + f'</div><p style="font-size:0.8em">{legend}</p>'
            + (f'<p class="channels" style="font-size:0.8em">{_e(scope)}</p>' if scope else "")
        )

    def _tile_change(self, kpi: str) -> str:
        """The tile's change against the previous quarter: arrow, change, and the test's word."""
        gap = self.inputs.meta.get("trend_missing")
        if gap is not None:  # the data begin this quarter
            return t("tile_no_previous", self.lang)
        prev = str(Period.parse(self.quarter).previous())
        row = self._changes[self._changes.kpi == kpi]
        if len(row):
            r = row.iloc[0]
            diff, flag, pvalue, alpha = (
                float(r["diff"]),
                str(r["flag"]),
                float(r["pvalue"]),
                float(r["alpha"]),
            )
        else:  # no change test for this KPI: the difference of the two quarters, untested
            now, _ = self._value(kpi, self.quarter)
            old, _ = self._value(kpi, prev)
            if now is None or old is None:
                return t("tile_no_previous", self.lang)
            diff, flag, pvalue, alpha = now - old, "untested", np.nan, 0.05
        if not np.isfinite(diff):
            return t("tile_no_previous", self.lang)
        text = t(
            "tile_change",
            self.lang,
            change=arrow_text(kpi, diff, self.lang),
            previous=period_label(prev, self.lang),
        )
        word = change_word(flag, pvalue, alpha, self.lang)
        return f"{text} · {word}"

    @cached_property
    def _changes(self) -> pd.DataFrame:
        """The tested changes (this branch) of the tile KPIs against the previous quarter (may be empty)."""
        ch = self.inputs.rows("tile_changes", "entity", self.branch_id)
        return ch if "kpi" in ch.columns else pd.DataFrame({"kpi": pd.Series(dtype=str)})

    @cached_property
    def _bank_wide_below(self) -> frozenset[str]:
        """The tile KPIs below target in every branch this quarter: a bank-wide gap."""
        from bankperf_analysis.report.banner import below_everywhere

        meta, quarter, annual = self.inputs.meta, self.quarter, tuple(self._annual)
        basis = self.inputs.frame("target_basis")

        def make(kpis: pd.DataFrame) -> frozenset[str]:
            return below_everywhere(kpis, basis, quarter, TILE_KPIS, annual, meta, _status)

        only = (("level", "in", ("branch", "bank")),)  # as entity_kpis reads it: one read, no staff rows
        return self.inputs.derived("kpis", "bank_wide_below", make, only)

    @cached_property
    def _headline(self):
        """The facts of the banner (:class:`~bankperf_analysis.report.banner.Headline`)."""
        from bankperf_analysis.report.banner import Headline, composite_ranks, consequence_of, movers_of

        ranks = self.inputs.derived("branch_scores", "composite_ranks", composite_ranks)
        me = ranks[ranks.branch_id == self.branch_id]
        r = me.iloc[0] if len(me) else None
        checks = self.inputs.rows("branch_checks", "branch_id", self.branch_id)
        people = self.inputs.rows("staff_scores", "branch_id", self.branch_id)
        cut_yuan = float(people["branch_cut_yuan"].sum()) if "branch_cut_yuan" in people else 0.0
        no_checks = checks.empty or self.missing.all_missing(checks.kpi.astype(str))
        gap = self.inputs.meta.get("trend_missing")
        below = []
        for kpi in TILE_KPIS:
            v, n = self._value(kpi)
            target, min_n = self._target(kpi)
            if (
                v is not None
                and self.missing.kpi_reason(kpi) is None
                and _status(kpi, v, target, n, min_n) == "below"
            ):
                below.append((kpi, kpi in self._bank_wide_below))

        def _int(x):
            return None if x is None or pd.isna(x) else int(x)

        return Headline(
            composite=None if r is None or pd.isna(r.composite_score) else float(r.composite_score),
            rank_bank=None if r is None else _int(r.rank_bank),
            n_bank=0 if r is None else int(r.n_bank),
            rank_region=None if r is None else _int(r.rank_region),
            n_region=0 if r is None else int(r.n_region),
            region=localised_name(self.branch, "region", self.lang),
            consequence=None if no_checks else consequence_of(checks, cut_yuan),
            movers=movers_of(self._changes),
            no_previous=None if gap is None else str(gap.get("previous", "")),
            below=tuple(below),
        )

    def headline_banner(self) -> HtmlBlock:
        """The banner at the top: score and rank, consequence, what moved most, what to do."""
        from bankperf_analysis.report.banner import banner_html

        return HtmlBlock(banner_html(self._headline, t("label_consequence", self.lang), self.lang))

    @cached_property
    def _quarter_basis(self) -> set[str]:
        """KPIs compared with their target on the quarter's own value (no basis note needed)."""
        got = self.inputs.meta.get("target_basis", {})
        return {k for k, b in got.items() if b.get("basis") == "quarter"}

    def annual_targets(self) -> HtmlBlock:
        """Targets stated per year (churn): the value after each quarter this year vs the target.

        Year-to-date (or annualised, as the scheme says) after Q1, Q2, ... up to the report's
        quarter, for the branch and the bank, coloured met / below; empty when the scheme
        has no yearly target.
        """
        name = localised_name(self.branch, "branch_name", self.lang) or self.branch_id
        entities = [("branch", self.branch_id, name), ("bank", "BANK", t("label_bank", self.lang))]
        return annual_targets_block(self.inputs.frame("target_basis"), self.inputs.meta, entities, self.lang)

    def trends_figure(self):
        """Small multiples: this branch vs the bank over the last quarters, with targets (a new figure)."""
        from bankperf_analysis.plots.trends import kpi_trends

        return kpi_trends(**self._trends_args())

    def trends_image(self):
        """The trends figure as a PNG image for the notebook (drawn on the kernel's kept panels).

        Same pixels as :meth:`trends_figure` drawn at the report dpi, at a third of the CPU
        (:func:`bankperf_analysis.plots.trends.kpi_trends_png`).
        """
        from IPython.display import Image

        from bankperf_analysis.plots.trends import kpi_trends_png

        return Image(data=kpi_trends_png(**self._trends_args()), format="png")

    def _trends_args(self) -> dict[str, Any]:
        """The arguments of the trend figure: quarterly values, targets, and why a panel is empty."""
        k = self._kpis[(self._kpis.period_type == "quarter") & self._kpis.kpi.isin(TREND_KPIS)]
        unavailable = {kpi: self.missing.kpi_reason(kpi) for kpi in TREND_KPIS}
        return {
            "values": k,
            "quarters": self.inputs.meta.get("quarters", []),
            "kpis": TREND_KPIS,
            "units": {kpi: KPI_CATALOGUE[kpi].unit for kpi in TREND_KPIS},
            "targets": {
                kpi: None if self.missing.kpi_table(kpi) else self._target(kpi)[0] for kpi in TREND_KPIS
            },
            "entity_label": self.branch_id,
            "lang": self.lang,
            "unavailable": {  # an empty panel says why, with no scale to read a number from
                kpi: t("not_available", self.lang, reason=why)
                for kpi, why in unavailable.items()
                if why is not None
            },
            "note_color": STATUS_COLORS["none"],
        }

    def trends_note(self) -> HtmlBlock:
        """Why the trend is not available (no previous quarter), and the trend KPIs that are not (or "")."""
        gap = self.missing.gap_block(self.inputs.meta.get("trend_missing"))
        labels = self.missing.unavailable_labels(TREND_KPIS)
        html = gap.html if gap is not None else ""
        if labels:
            html += (
                f'<p class="not-available" style="color:{STATUS_COLORS["none"]}">'
                f"{_e(t('not_available', self.lang, reason=labels))}</p>"
            )
        return HtmlBlock(html)

    def satisfaction_change(self) -> HtmlBlock:
        """Satisfaction of this quarter vs the previous one, with a significance verdict."""
        gap = self.missing.gap_block(self.inputs.meta.get("changes_missing"))
        if gap is not None:  # no surveys, or none in one of the two quarters
            return gap
        row = self.inputs.rows("changes", "entity", self.branch_id)
        if row.empty:
            return no_data(self.lang)
        r = row.iloc[0]
        verdict = r.get(f"verdict_{self.lang}", r.get("verdict_en", ""))
        flag = str(r.get("flag", ""))
        color = {"down": STATUS_COLORS["below"], "up": STATUS_COLORS["met"]}.get(flag, STATUS_COLORS["none"])
        before, after = (period_label(r.get(k, ""), self.lang) for k in ("period_before", "period_after"))
        sat = "satisfaction_rate"
        detail = (
            f"{_e(before)}: {_e(format_value(sat, r.before))} "
            f"({_e(fmt_n(r.n_before, sat, self.lang))}) → {_e(after)}: "
            f"{_e(format_value(sat, r.after))} "
            f"({_e(fmt_n(r.n_after, sat, self.lang))})"
        )
        padj = r.get("p_adjusted", np.nan)
        ptxt = p_text(padj, t("p_adjusted", self.lang)) if pd.notna(padj) else ""
        return HtmlBlock(
            f'<div style="border-left:6px solid {color};padding:8px 12px;background:#fafafa">'
            f'<p style="font-size:1.15em;margin:0">{_e(verdict)}</p>'
            f'<p style="font-size:0.85em;color:#4a5568;margin:4px 0 0 0">{detail} · {_e(ptxt)}</p>'
            f'<p style="font-size:0.8em;color:#718096;margin:2px 0 0 0">'
            f"{_e(t('note_multiple_testing', self.lang))}</p></div>"
        )

    def staff_table(self) -> HtmlBlock:
        """Staff of the branch: composite score, grade, bonus and training needs (with its notes)."""
        from bankperf_analysis.report.branch_staff import staff_appendix

        sheets = sheet_file(self._files[self.branch_id].removesuffix(".html"))  # sheets: bankperf sheets
        total = self.consequences().bonus_total.label(self.lang)
        return staff_appendix(self.inputs, self.branch_id, self.lang, self.missing, sheets, total)

    def checks_table(self) -> HtmlBlock:
        """Mystery-shopper and video checks: score, rank, reward / pay cut / re-check."""
        ch = self.inputs.rows("branch_checks", "branch_id", self.branch_id)
        if self.missing.all_missing(ch.kpi.astype(str)):  # no check data at all: no consequence either
            return self.missing.block_for_kpis(*ch.kpi.astype(str)) or no_data(self.lang)
        head = [t(k, self.lang) for k in ("label_check", "label_score", "label_rank", "label_action")]
        rows = []
        for _, c in ch.iterrows():
            acts = []
            if bool(c.reward):
                acts.append(t("action_reward", self.lang))
            if c.pay_cut == "cut":
                acts.append(t("action_cut", self.lang) + f" ({fmt_percent(c.pay_cut_share, 0)})")
            elif c.pay_cut == "heavier_cut":
                acts.append(t("action_heavier_cut", self.lang) + f" ({fmt_percent(c.pay_cut_share, 0)})")
            if bool(c.recheck):
                acts.append(t("action_recheck", self.lang))
            act = "; ".join(acts) or t("action_none", self.lang)
            color = (
                STATUS_COLORS["below"]
                if c.pay_cut != "none"
                else (STATUS_COLORS["met"] if bool(c.reward) else "inherit")
            )
            rank = "" if pd.isna(c["rank"]) else f"{int(c['rank'])} / {int(c.n_ranked)}"
            score = "–" if pd.isna(c.score) else f"{fmt_number(c.score)} ({fmt_n(c.n, c.kpi, self.lang)})"
            rows.append(
                f"<tr><td style='text-align:left'>{_e(kpi_label(c.kpi, self.lang))}</td>"
                f"<td>{_e(score)}</td><td>{_e(rank)}</td>"
                f"<td style='color:{color};text-align:left'>{_e(act)}</td></tr>"
            )
        return HtmlBlock(data_table(head, rows))

    def complaints_table(self) -> HtmlBlock:
        """Complaints this quarter vs the previous quarter and the bank."""
        blk = self.missing.block_for_kpis("complaint_count")
        if blk is not None:
            return blk
        kp = kpis_of_table("complaints")
        prev = str(Period.parse(self.quarter).previous())
        head = [t("label_kpi", self.lang), *(period_label(q, self.lang) for q in (self.quarter, prev))]
        head.append(t("label_bank", self.lang))
        rows = []
        for kpi in kp:
            cur, n = self._value(kpi)
            old, _ = self._value(kpi, prev)
            bank, _ = self._value(kpi, level="bank")
            if kpi == "complaint_count" and bank is not None:
                nb = max(len(self.inputs.frame("branches")), 1)
                bank = bank / nb
            rows.append(
                f"<tr><td style='text-align:left'>{_e(kpi_label(kpi, self.lang))}</td>"
                f"<td>{_e(format_value(kpi, cur, self.lang))}</td>"
                f"<td>{_e(format_value(kpi, old, self.lang))}</td>"
                f"<td>{_e(format_value(kpi, bank, self.lang))}</td></tr>"
            )
        note = t("note_bank_complaints_per_branch", self.lang)
        return HtmlBlock(data_table(head, rows) + f"<p style='font-size:0.8em'>{_e(note)}</p>")

    def staffing_heatmap(self) -> HtmlBlock:
        """Weekday x hour table of rostered minus required staff (negative = short), coloured.

        The numbers and colours of :func:`~bankperf_analysis.staffing.plan.plot_branch_staffing`
        (which notebook users can still draw), as an HTML table
        (:func:`~bankperf_analysis.report.heatmap.heatmap_table`): selectable text, sharp in
        print, scrolling in its own box on a phone, and no figure to draw per report.
        """
        from bankperf_analysis.report.heatmap import heatmap_table
        from bankperf_analysis.staffing.plan import branch_heatmap_pivot

        if "contacts" in self.missing.tables:  # no demand: nothing to staff for
            return self.missing.block("contacts")
        hm = self.inputs.rows("staffing_heatmap", "branch_id", self.branch_id)
        if hm.empty:
            return no_data(self.lang)
        pivot, value = branch_heatmap_pivot(hm, self.branch_id, value="gap")
        note = "note_heatmap_no_roster" if "roster" in self.missing.tables else "note_heatmap"
        return HtmlBlock(
            heatmap_table(pivot, value, self.lang)
            + f"<p style='font-size:0.8em'>{_e(t(note, self.lang))}</p>"
        )

    def staffing_table(self) -> HtmlBlock:
        """Headcount per role (定编), minimum posts, cost vs benefit of the extra staff."""
        if "contacts" in self.missing.tables:  # a plan without demand would show 0 FTE, 0 yuan
            return self.missing.block("contacts")
        if self.inputs.frame("staffing_plan").empty:
            return no_data(self.lang)
        plan = self.inputs.rows("staffing_plan", "branch_id", self.branch_id)
        head = [
            t(k, self.lang)
            for k in (
                "label_role",
                "label_current_headcount",
                "label_planned_headcount",
                "label_required_fte",
            )
        ]
        rows = []
        for _, r in plan.iterrows():
            fte = "" if pd.isna(r.required_fte) else fmt_number(r.scheduled_fte)
            rows.append(
                f"<tr><td style='text-align:left'>{_e(role_label(r.role, self.lang))}</td>"
                f"<td>{int(r.current_headcount)}</td><td>{int(r.planned_headcount)}</td>"
                f"<td>{_e(fte)}</td></tr>"
            )
        posts = self.inputs.rows("staffing_posts", "branch_id", self.branch_id)
        ok = all(bool(x) for x in posts.passed) if len(posts) else True
        post_txt = t("posts_ok" if ok else "posts_failed", self.lang)
        found = post_findings(posts, self.lang)  # each finding in the report's language
        failed = [] if ok else [m for m, met in zip(found, posts.passed) if not bool(met)]
        cb = self.inputs.rows("staffing_cost_benefit", "branch_id", self.branch_id)
        cb_txt = cost_benefit_text(cb.iloc[0], self.lang) if len(cb) else ""
        return HtmlBlock(
            data_table(head, rows)
            + f"<p>{_e(post_txt)}</p>"
            + "".join(f"<p style='color:{STATUS_COLORS['below']}'>{_e(m)}</p>" for m in failed)
            + (f"<p>{_e(cb_txt)}</p>" if cb_txt else "")
        )

    def data_quality(self) -> HtmlBlock:
        """Tables not provided (or empty), KPIs not scored for lack of data, KPIs not computable."""
        sk = self.inputs.rows("staff_kpis", "branch_id", self.branch_id)
        items = self.missing.data_quality_items()
        if len(sk):
            sk = sk if "scored_on" in sk.columns else sk.assign(scored_on="own")
            ins = sk[sk.status == "insufficient data"].groupby(["kpi", "scored_on"]).size()
            for (kpi, scored_on), cnt in ins.items():
                name = kpi_label(kpi, self.lang)
                name += f" ({t('label_team', self.lang)})" if scored_on == "team" else ""
                items.append(t("dq_insufficient", self.lang, kpi=name, n=int(cnt)))
        v, n = self._value("satisfaction_rate")
        _, min_n = self._target("satisfaction_rate")
        if v is not None and n < min_n:
            items.append(t("dq_branch_small", self.lang, n=n, m=min_n))
        for kpi in self.inputs.meta.get("unavailable", []):
            if self.missing.kpi_table(kpi) is None:  # not already listed with its table
                items.append(t("dq_unavailable", self.lang, kpi=kpi_label(kpi, self.lang)))
        if not items:
            items.append(t("dq_ok", self.lang))
        return HtmlBlock("<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>")

    def headline(self) -> dict[str, Any]:
        """Headline numbers for the index page (the branch's consequence counts carry their unit)."""
        sat, n = self._value("satisfaction_rate")
        ch = self.inputs.rows("changes", "entity", self.branch_id)
        flag = None if ch.empty else str(ch.flag.iloc[0])
        from bankperf_analysis.report.banner import headline_values

        return {
            **headline_values(self._headline, self.lang),
            "satisfaction_rate": sat,
            "label_change": t(f"flag_{flag}", self.lang) if flag else None,
            **self.consequences().headline(self.lang),
        }

    @cached_property
    def _consequences(self) -> ConsequenceCounts:
        checks = self.inputs.frame("branch_checks")
        no_checks = self.missing.all_missing(checks.kpi.astype(str)) if len(checks) else False
        return batch_consequences(self.inputs, not no_checks, self.branch_id)

    def consequences(self) -> ConsequenceCounts:
        """Consequence counts of the quarter for the branch, each with its unit (counted once per report)."""
        return self._consequences


def _branch_files_of(branches: pd.DataFrame) -> Mapping[str, str]:
    """Branch id → report file of every branch in ``branches``, in id order (read-only)."""
    return MappingProxyType(branch_files(sorted(branches.branch_id.astype(str))))

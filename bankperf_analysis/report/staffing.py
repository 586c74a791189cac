"""The staffing report of one branch: plan (定编), proposed roster (排班), what-if, forecast check.

One report per branch (``bankperf report --kind staffing``, ``notebooks/staffing_plan.ipynb``):
the plan's tables (:mod:`~bankperf_analysis.staffing.shown`), the proposed roster of each queue
with its figure (:mod:`~bankperf_analysis.report.staffing_roster`,
:func:`~bankperf_analysis.plots.roster.roster_coverage_figure`), the what-if of the service-level
target and of the roster (:func:`~bankperf_analysis.staffing.queue_rosters.roster_what_if`), and
the forecast's backtest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import localised_name, period_label
from bankperf_analysis.numbers import fmt_number, fmt_percent, fmt_signed
from bankperf_analysis.periods import Period
from bankperf_analysis.report.html import HtmlBlock, _e, data_table, no_data, section_heading

__all__ = ["StaffingReport"]


class StaffingReport:
    """The staffing-plan report of one branch: forecast, required staff, FTE, cost, what-if.

    Parameters
    ----------
    data_dir : str or Path
    branch_id : str
    quarter : str
        The quarter whose contacts and roster are the basis; the plan is for the next one.
    lang : {"en", "zh"}
    scheme_path : str or Path, optional
        Scheme YAML (targets, shrinkage, salary, shift templates); empty: the packaged scheme.
    demand_change : float, default 0.10
        Change of demand in the roster what-if (+10 %).

    Examples
    --------
    >>> report = StaffingReport("data/demo", "B01", "2026Q4", "zh")  # doctest: +SKIP
    >>> report.roster()  # doctest: +SKIP
    """

    def __init__(
        self,
        data_dir: str | Path,
        branch_id: str,
        quarter: str,
        lang: str = "en",
        scheme_path: str | Path | None = None,
        demand_change: float = 0.10,
    ):
        from bankperf_analysis.dataset.load import load_dataset
        from bankperf_analysis.scheme import load_scheme
        from bankperf_analysis.staffing.backtest import backtest
        from bankperf_analysis.staffing.plan import branch_staffing_plan
        from bankperf_analysis.staffing.queue_rosters import roster_queues, roster_what_if

        self.lang = check_lang(lang)
        scheme = load_scheme(scheme_path or None)
        self.branch_id = str(branch_id)
        self.quarter = str(Period.parse(quarter))
        with load_dataset(data_dir) as ds:
            names = ds.table("branches")
            if self.branch_id not in set(names.branch_id):
                raise ParamsError(
                    f"The 'branch_id' parameter must be a branch of the dataset. "
                    f"Got {self.branch_id!r} instead."
                )
            row = names.loc[names["branch_id"] == self.branch_id].iloc[0].to_dict()
            self.branch_name = localised_name(row, "branch_name", self.lang)
            self.plan = branch_staffing_plan(ds, self.branch_id, self.quarter, scheme)
            q = Period.parse(self.quarter)
            contacts = (
                ds.sql(
                    "SELECT branch_id, channel, arrival_ts FROM contacts WHERE branch_id = ? "
                    "AND arrival_ts < ? ORDER BY arrival_ts",
                    [self.branch_id, q.end],
                )
                if ds.has("contacts")
                else pd.DataFrame()
            )
            holidays = ds.meta.get("holidays") or []
        self.demand_change = float(demand_change)
        self.rosters = roster_queues(self.plan, scheme.roster)
        self.roster_changes = roster_what_if(
            self.plan, scheme.roster, demand_change=self.demand_change, rosters=self.rosters
        )
        self.backtest = None
        if len(contacts) > 0 and contacts.arrival_ts.dt.normalize().nunique() >= 42:
            self.backtest = backtest(contacts, interval_minutes=30, holidays=holidays, n_folds=4)

    def title(self) -> HtmlBlock:
        """The report title with the branch name and the basis quarter."""
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_staffing", self.lang))}{"：" if self.lang == "zh" else ": "}'
            f"{_e(self.branch_name)} ({_e(self.branch_id)})</h1>"
            f'<p class="subtitle">{_e(period_label(self.quarter, self.lang))}</p>'
        )

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return section_heading(key, anchor, self.lang)

    def summary(self) -> HtmlBlock:
        """The plan's tables (demand, required vs rostered, headcount, posts, cost) as shown in the language.

        Labels, not codes; rates in %, durations in m:ss, money with separators, ``—`` where a
        value does not apply (:func:`~bankperf_analysis.staffing.shown.plan_tables`).
        """
        return HtmlBlock(
            "".join(_table_html(tab, self.lang) for tab in self._tables() if tab.key != "what_if")
        )

    def _tables(self):
        from bankperf_analysis.staffing.shown import plan_tables

        return plan_tables(self.plan, self.lang)

    def heatmap_figure(self):
        """Weekday x hour gap between rostered and required staff."""
        return self.plan.plot("gap", lang=self.lang)

    def roster_intro(self) -> HtmlBlock:
        """What the proposed roster is (the least-cost week of shifts covering the plan)."""
        from bankperf_analysis.report.staffing_roster import roster_intro

        return roster_intro(period_label(self.plan.plan_quarter, self.lang), self.lang)

    def roster(self) -> HtmlBlock:
        """The proposed roster of each queue: key figures, shifts per day, coverage and service level."""
        from bankperf_analysis.report.staffing_roster import roster_html

        return roster_html(self.rosters, self.lang)

    def roster_figure(self):
        """Required vs scheduled staff per interval across the week, one panel per queue."""
        from bankperf_analysis.plots.roster import roster_coverage_figure
        from bankperf_analysis.report.staffing_roster import queue_label

        return roster_coverage_figure(
            {queue_label(q, self.lang): p.to_frame() for q, p in self.rosters.items()}, lang=self.lang
        )

    def roster_figure_note(self) -> HtmlBlock:
        """What the roster figure shows, in words."""
        text = t("srep_figure_note", self.lang, minutes=self.plan.interval_minutes)
        return HtmlBlock(f'<p class="note">{_e(text)}</p>')

    def what_if(self) -> HtmlBlock:
        """Service-level target -> staff -> FTE -> cost; then the roster under changes."""
        from bankperf_analysis.report.staffing_roster import roster_what_if_html

        target = "".join(
            _table_html(tab, self.lang, heading=False) for tab in self._tables() if tab.key == "what_if"
        )
        roster = roster_what_if_html(
            self.roster_changes,
            self.lang,
            change=self.demand_change,
            answer_seconds=self.plan.answer_seconds,
        )
        return HtmlBlock(
            f"<h3>{_e(t('srep_heading_target_what_if', self.lang))}</h3>{target}"
            f"<h3>{_e(t('srep_heading_roster_what_if', self.lang))}</h3>{roster}"
        )

    def forecast_check(self) -> HtmlBlock:
        """Rolling-origin backtest: the count model against the seasonal-naive forecast."""
        if self.backtest is None:
            return no_data(self.lang)
        lang = self.lang
        rows = [
            f"<tr><td>{_e(t(f'stf_forecast_{r.model}', lang))}</td><td>{_e(fmt_percent(r.wape))}</td>"
            f"<td>{_e(fmt_number(r.wape_vs_baseline, 2))}</td>"
            f"<td>{_e(t('bool_true' if r.beats_baseline else 'bool_false', lang))}</td></tr>"
            for r in self.backtest.overall.itertuples(index=False)
        ]
        head = [
            t(f"stf_forecast_col_{c}", lang) for c in ("model", "wape", "wape_vs_baseline", "beats_baseline")
        ]
        return HtmlBlock(data_table(head, rows) + f'<p class="note">{_e(t("stf_forecast_note", lang))}</p>')

    def headline(self) -> dict[str, Any]:
        """Index headline: FTE, 定编 and its change, the roster's weekly cost and service level.

        Listed together on the quarter's index, they are head office's one-table view of every
        branch's plan.

        Keys are labels (``label_required_fte``, ``srep_index_*``); the service level's key ends
        in ``_rate`` so the index shows it in %.
        """
        hc = self.plan.headcount
        fte = float(hc.get("scheduled_fte", pd.Series(dtype=float)).sum())
        out: dict[str, Any] = {"label_required_fte": round(fte, 1)}
        if "planned_headcount" in hc and "current_headcount" in hc:  # 定编 against the staff in post
            out["srep_index_planned"] = int(hc["planned_headcount"].sum())
            out["srep_index_change"] = fmt_signed(
                hc["planned_headcount"].sum() - hc["current_headcount"].sum(), 0
            )
        if self.rosters:
            out["srep_index_roster_cost"] = int(round(sum(p.cost_yuan for p in self.rosters.values())))
            sl = _weighted_service(self.rosters, self.plan.to_frame())
            if sl is not None:
                out["srep_index_service_rate"] = sl
        return out


def _weighted_service(rosters: dict[str, Any], intervals: pd.DataFrame) -> float | None:
    """Service level of every queue's roster together: each queue's (contact-weighted) by its contacts."""
    contacts = intervals.groupby("queue")["contacts"].sum()
    pairs = [(p.service_level, float(contacts.get(q, 0.0))) for q, p in rosters.items()]
    pairs = [(v, w) for v, w in pairs if v == v and w > 0]  # v == v: not NaN
    total = sum(w for _, w in pairs)
    return sum(v * w for v, w in pairs) / total if total > 0 else None


def _table_html(tab: Any, lang: str, *, heading: bool = True) -> str:
    """One shown plan table: heading, escaped cells and its notes."""
    shown = tab.shown(lang)
    cells = shown.reset_index() if tab.index else shown
    head = ([t("stf_col_weekday", lang)] if tab.index else []) + list(shown.columns)
    rows = [
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in cells.itertuples(index=False)
    ]
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in tab.notes)
    table = data_table(head, rows).replace(
        '<table class="dataframe">', '<table class="dataframe staffing">', 1
    )
    return (f"<h3>{_e(tab.heading)}</h3>" if heading else "") + table + notes

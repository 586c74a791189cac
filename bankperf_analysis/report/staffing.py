"""The staffing-plan report of one branch: forecast, required staff, FTE, cost, what-if."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import localised_name, period_label
from bankperf_analysis.numbers import fmt_number, fmt_percent
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
    """

    def __init__(self, data_dir: str | Path, branch_id: str, quarter: str, lang: str = "en"):
        from bankperf_analysis.dataset.load import load_dataset
        from bankperf_analysis.staffing.backtest import backtest
        from bankperf_analysis.staffing.plan import branch_staffing_plan

        self.lang = check_lang(lang)
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
            self.plan = branch_staffing_plan(ds, self.branch_id, self.quarter)
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
        self.backtest = None
        if len(contacts) > 0 and contacts.arrival_ts.dt.normalize().nunique() >= 42:
            self.backtest = backtest(contacts, interval_minutes=30, holidays=holidays, n_folds=4)

    def title(self) -> HtmlBlock:
        """The report title with the branch name and the basis quarter."""
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_staffing", self.lang))}: '
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

    def what_if(self) -> HtmlBlock:
        """Service-level target -> staff -> FTE -> cost."""
        return HtmlBlock(
            "".join(
                _table_html(tab, self.lang, heading=False) for tab in self._tables() if tab.key == "what_if"
            )
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
        """Headline numbers of the plan for the index page (scheduled FTE, yearly cost)."""
        cb = self.plan.cost_benefit
        return {
            "label_required_fte": float(
                self.plan.headcount.get("scheduled_fte", pd.Series(dtype=float)).sum()
            ),
            "total_cost": None if cb.empty else float(cb.cost_yuan_per_year.iloc[0]),
        }


def _table_html(tab: Any, lang: str, *, heading: bool = True) -> str:
    """One shown plan table: heading, escaped cells and its notes."""
    shown = tab.shown(lang)
    cells = shown.reset_index() if tab.index else shown
    head = ([t("stf_col_weekday", lang)] if tab.index else []) + list(shown.columns)
    rows = [
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in cells.itertuples(index=False)
    ]
    notes = "".join(f'<p class="note">{_e(n)}</p>' for n in tab.notes)
    return (f"<h3>{_e(tab.heading)}</h3>" if heading else "") + data_table(head, rows) + notes

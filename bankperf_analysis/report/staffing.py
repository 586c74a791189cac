"""The staffing-plan report of one branch: forecast, required staff, FTE, cost, what-if."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.periods import Period
from bankperf_analysis.report.html import HtmlBlock, _e, no_data, section_heading

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
            names = ds.sql("SELECT branch_id, branch_name FROM branches")
            if self.branch_id not in set(names.branch_id):
                raise ParamsError(
                    f"The 'branch_id' parameter must be a branch of the dataset. "
                    f"Got {self.branch_id!r} instead."
                )
            self.branch_name = str(names.set_index("branch_id").branch_name[self.branch_id])
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
            f'<p class="subtitle">{_e(self.quarter)}</p>'
        )

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return section_heading(key, anchor, self.lang)

    def summary(self):
        """The plan in words and tables (demand, required vs rostered, headcount, posts, cost)."""
        return self.plan.summary()

    def heatmap_figure(self):
        """Weekday x hour gap between rostered and required staff."""
        return self.plan.plot("gap", lang=self.lang)

    def what_if(self) -> HtmlBlock:
        """Service-level target -> staff -> FTE -> cost."""
        return HtmlBlock(
            self.plan.what_if.to_html(
                index=False, escape=True, classes="dataframe", float_format=lambda x: f"{x:,.2f}"
            )
        )

    def forecast_check(self) -> HtmlBlock:
        """Rolling-origin backtest: the count model against the seasonal-naive forecast."""
        if self.backtest is None:
            return no_data(self.lang)
        return HtmlBlock(
            self.backtest.overall.to_html(
                index=False, escape=True, classes="dataframe", float_format=lambda x: f"{x:.3f}"
            )
        )

    def headline(self) -> dict[str, Any]:
        """Headline numbers of the plan for the index page (scheduled FTE, yearly cost)."""
        cb = self.plan.cost_benefit
        return {
            "label_required_fte": float(
                self.plan.headcount.get("scheduled_fte", pd.Series(dtype=float)).sum()
            ),
            "total_cost": None if cb.empty else float(cb.cost_yuan_per_year.iloc[0]),
        }

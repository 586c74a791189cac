"""The sections of the monthly reports (月报): one branch's month, and the bank's overview.

Read from the folder :func:`~bankperf_analysis.report.monthly.prepare_month` wrote. Every
number goes through :mod:`bankperf_analysis.numbers` (via :func:`format_value` and
:func:`~bankperf_analysis.report.banner.change_text`); a comparison month without data reads
"not available" in words, never NaN or zero; every label is in zh and en
(:mod:`bankperf_analysis._i18n_monthly`).
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._i18n_monthly import mt
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.l10n import localised_name, period_label
from bankperf_analysis.numbers import fmt_n, fmt_number
from bankperf_analysis.report.banner import arrow_text
from bankperf_analysis.report.html import STATUS_COLORS, HtmlBlock, _e, data_table, format_value
from bankperf_analysis.report.links import INDEX_FILE, OVERVIEW_FILE, branch_files, xref

__all__ = ["MonthlyBranchReport", "MonthlyOverview"]

#: Colour of each warning status (the traffic lights of the quarter reports).
_COLOR = {
    "warning": STATUS_COLORS["below"],
    "watch": STATUS_COLORS["near"],
    "on_track": STATUS_COLORS["met"],
    "caution": STATUS_COLORS["none"],
}


class _MonthInputs:
    """The monthly folder: the frame, the branches and ``meta.json``."""

    def __init__(self, shared_inputs: str | Path):
        self.path = Path(shared_inputs)
        meta = self.path / "meta.json"
        if not meta.is_file() or not (self.path / "monthly.parquet").is_file():
            raise ParamsError(
                f"The 'shared_inputs' folder {str(self.path)!r} has no monthly inputs: run "
                "prepare_month (bankperf report --period does) first."
            )
        self.meta: dict[str, Any] = json.loads(meta.read_text(encoding="utf-8"))
        self.frame = pd.read_parquet(self.path / "monthly.parquet")
        self.branches = pd.read_parquet(self.path / "branches.parquet")
        self.branches["branch_id"] = self.branches["branch_id"].astype(str)


def _status_cell(status: str, lang: str, short: bool = False) -> str:
    key = f"month_{'short' if short else 'status'}_{status}"
    color = _COLOR.get(status, STATUS_COLORS["none"])
    return f"<span style='color:{color}'>{_e(mt(key, lang))}</span>"


def _change(kpi: str, diff: float, old: float, old_n: float, period: str, lang: str) -> str:
    """``▲ +2.9 pp vs 2026-10 (93.3 %, n = 135 surveys)``, or "not available" in words."""
    if not np.isfinite(diff):
        return mt("month_not_available", lang, period=period_label(period, lang))
    return mt(
        "month_vs",
        lang,
        change=arrow_text(kpi, diff, lang),
        period=period_label(period, lang),
        value=format_value(kpi, old, lang),
        n=fmt_n(old_n, kpi, lang),
    )


def _target_text(r: Any, lang: str) -> str:
    if not np.isfinite(r.target):
        return "–"
    sign = "≥" if r.direction == "higher" else "≤"
    return f"{sign} {format_value(r.kpi, r.target, lang)}"


def _interval(r: Any, lang: str) -> str:
    if not (np.isfinite(r.ci_low) and np.isfinite(r.ci_high)):
        return ""
    sep = " 至 " if lang == "zh" else " to "
    return f" [{format_value(r.kpi, r.ci_low, lang)}{sep}{format_value(r.kpi, r.ci_high, lang)}]"


class MonthlyBranchReport:
    """The sections of one branch's monthly report.

    Parameters
    ----------
    shared_inputs : str or Path
        Folder written by :func:`~bankperf_analysis.report.monthly.prepare_month`.
    branch_id : str
    lang : {"en", "zh"}
    """

    def __init__(self, shared_inputs: str | Path, branch_id: str, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = _MonthInputs(shared_inputs)
        self.branch_id = str(branch_id)
        row = self.inputs.branches[self.inputs.branches.branch_id == self.branch_id]
        if row.empty:
            raise ParamsError(
                f"The 'branch_id' parameter must be a branch of the dataset. Got {self.branch_id!r} instead."
            )
        self.branch = row.iloc[0]
        self.period = str(self.inputs.meta["period"])

    @cached_property
    def rows(self) -> pd.DataFrame:
        """The branch's rows of the monthly frame, in KPI order."""
        f = self.inputs.frame
        return f[(f.level == "branch") & (f.entity_id.astype(str) == self.branch_id)].reset_index(drop=True)

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading (h2) in the report language."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(mt(key, self.lang))}</h2>')

    def nav(self) -> HtmlBlock:
        """Links to the index, the monthly overview and the previous / next branch."""
        ids = sorted(self.inputs.branches.branch_id)
        files = branch_files(ids)
        at = ids.index(self.branch_id)
        parts = [
            xref(INDEX_FILE, mt("nav_index", self.lang)),
            xref(OVERVIEW_FILE, mt("month_title_bank", self.lang)),
        ]
        for i, key in ((at - 1, "nav_previous"), (at + 1, "nav_next")):
            if 0 <= i < len(ids):
                parts.append(xref(files[ids[i]], mt(key, self.lang, branch=ids[i])))
        items = "".join(f"<li>{p}</li>" for p in parts)
        return HtmlBlock(
            f'<nav class="report-nav" aria-label="{_e(mt("nav_label", self.lang))}"><ul>{items}</ul></nav>'
        )

    def title(self) -> HtmlBlock:
        """Title: the branch, its region and the month."""
        name = localised_name(self.branch, "branch_name", self.lang) or self.branch_id
        where = [localised_name(self.branch, "region", self.lang), period_label(self.period, self.lang)]
        colon = "：" if self.lang == "zh" else ": "
        sub = " · ".join(_e(w) for w in where if w)
        return HtmlBlock(
            f'<h1 id="title">{_e(mt("month_title_branch", self.lang))}{colon}{_e(name)} '
            f'({_e(self.branch_id)})</h1><p class="subtitle">{sub}</p>'
        )

    def counts(self) -> HtmlBlock:
        """One line: how many warnings and small-sample values this month."""
        s = self.rows.status
        text = mt(
            "month_counts",
            self.lang,
            warnings=int((s == "warning").sum()),
            cautions=int((s == "caution").sum()),
        )
        return HtmlBlock(f"<p><strong>{_e(text)}</strong></p>")

    def kpi_table(self) -> HtmlBlock:
        """Each KPI: the month's value and n, 环比, 同比, quarter to date, target and status."""
        lang, meta = self.lang, self.inputs.meta
        head = [mt(k, lang) for k in ("month_kpi", "month_value", "month_mom", "month_yoy", "month_qtd")]
        head += [mt("month_target", lang), mt("month_status", lang)]
        rows = []
        for r in self.rows.itertuples():
            now = (
                f"{format_value(r.kpi, r.value, lang)} · {fmt_n(r.n, r.kpi, lang)}"
                if np.isfinite(r.value)
                else mt("month_status_no_data", lang)
            )
            mom = _change(r.kpi, r.mom_change, r.prev_value, r.prev_n, meta["previous"], lang)
            yoy = _change(r.kpi, r.yoy_change, r.yoy_value, r.yoy_n, meta["last_year"], lang)
            qtd = format_value(r.kpi, r.qtd_value, lang) + _interval(r, lang)
            qtd += f" · {fmt_n(r.qtd_n, r.kpi, lang)}"
            rows.append(
                f"<tr><td style='text-align:left'>{_e(kpi_label(r.kpi, lang))}</td><td>{_e(now)}</td>"
                f"<td>{_e(mom)}</td><td>{_e(yoy)}</td><td>{_e(qtd)}</td>"
                f"<td style='white-space:nowrap'>{_e(_target_text(r, lang))}</td>"
                f"<td>{_status_cell(r.status, lang)}</td></tr>"
            )
        note = mt(
            "month_comparison_note",
            lang,
            previous=period_label(meta["previous"], lang),
            last_year=period_label(meta["last_year"], lang),
        )
        return HtmlBlock(data_table(head, rows) + f"<p style='font-size:0.8em'>{_e(note)}</p>")

    def warnings(self) -> HtmlBlock:
        """The warnings and small-sample cautions as a list, then the projection rule in words."""
        lang = self.lang
        colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
        items = [
            f"<li>{_status_cell(r.status, lang)}{colon}{_e(kpi_label(r.kpi, lang))} — "
            f"{_e(mt('month_qtd', lang))} "
            f"{_e(format_value(r.kpi, r.qtd_value, lang))}{_e(_interval(r, lang))}"
            f"{comma}{_e(mt('month_target', lang))} {_e(_target_text(r, lang))}{comma}"
            f"{_e(mt('month_value', lang))} {_e(fmt_n(r.n, r.kpi, lang))}</li>"
            for r in self.rows.itertuples()
            if r.status in ("warning", "caution")
        ]
        body = f"<ul>{''.join(items)}</ul>" if items else f"<p>{_e(mt('month_no_warning', lang))}</p>"
        rule = mt("month_rule", lang, month=period_label(self.period, lang))
        return HtmlBlock(f"{body}<p style='font-size:0.8em'>{_e(rule)}</p>")

    def ytd_table(self) -> HtmlBlock:
        """Each KPI's value from 1 January to the month's end against its annual target."""
        lang = self.lang
        head = [mt(k, lang) for k in ("month_kpi", "month_ytd", "month_target", "month_status")]
        rows = []
        for r in self.rows.itertuples():
            if not np.isfinite(r.ytd_value):
                continue
            if r.ytd_n < r.min_n:
                word, color = "month_ytd_small", STATUS_COLORS["none"]
            elif not np.isfinite(r.target):
                word, color = "", STATUS_COLORS["none"]
            else:
                met = r.ytd_value >= r.target if r.direction == "higher" else r.ytd_value <= r.target
                word, color = (
                    ("month_ytd_met", STATUS_COLORS["met"])
                    if met
                    else ("month_ytd_below", STATUS_COLORS["below"])
                )
            status = f"<span style='color:{color}'>{_e(mt(word, lang))}</span>" if word else "–"
            value = f"{format_value(r.kpi, r.ytd_value, lang)} · {fmt_n(r.ytd_n, r.kpi, lang)}"
            rows.append(
                f"<tr><td style='text-align:left'>{_e(kpi_label(r.kpi, lang))}</td><td>{_e(value)}</td>"
                f"<td>{_e(_target_text(r, lang))}</td><td>{status}</td></tr>"
            )
        note = mt("month_ytd_note", lang, month=period_label(self.period, lang))
        return HtmlBlock(data_table(head, rows) + f"<p style='font-size:0.8em'>{_e(note)}</p>")

    def headline(self) -> dict[str, Any]:
        """The month's satisfaction for the index page."""
        sat = self.rows[self.rows.kpi == "satisfaction_rate"]
        return {"satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None}


class MonthlyOverview:
    """The bank's monthly overview: every branch × KPI of the month, warnings counted.

    Parameters
    ----------
    shared_inputs : str or Path
        Folder written by :func:`~bankperf_analysis.report.monthly.prepare_month`.
    lang : {"en", "zh"}
    """

    def __init__(self, shared_inputs: str | Path, lang: str = "en"):
        self.lang = check_lang(lang)
        self.inputs = _MonthInputs(shared_inputs)
        self.period = str(self.inputs.meta["period"])

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading (h2) in the report language."""
        return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(mt(key, self.lang))}</h2>')

    def nav(self) -> HtmlBlock:
        """A link to the index."""
        label = _e(mt("nav_label", self.lang))
        return HtmlBlock(
            f'<nav class="report-nav" aria-label="{label}"><ul>'
            f"<li>{xref(INDEX_FILE, mt('nav_index', self.lang))}</li></ul></nav>"
        )

    def title(self) -> HtmlBlock:
        """Title with the month."""
        return HtmlBlock(
            f'<h1 id="title">{_e(mt("month_title_bank", self.lang))}</h1>'
            f'<p class="subtitle">{_e(period_label(self.period, self.lang))}</p>'
        )

    def matrix(self) -> HtmlBlock:
        """One row per branch (linked to its monthly report) and the bank: counts, then each KPI.

        The warnings and small-sample counts come first (a wide table scrolls); each cell is the
        month's value in its status colour, with a word for a warning, a miss within noise or a
        small sample.
        """
        lang, f = self.lang, self.inputs.frame
        kpis = list(dict.fromkeys(f.kpi))
        ids = sorted(self.inputs.branches.branch_id)
        files = branch_files(ids)
        head = [mt("month_branch", lang), mt("month_warnings", lang), mt("month_cautions", lang)]
        head += [kpi_label(k, lang) for k in kpis]
        rows = []
        for entity, label in [*((b, None) for b in ids), ("BANK", mt("month_bank", lang))]:
            sel = f[f.entity_id.astype(str) == entity].set_index("kpi")
            first = xref(files[entity], entity) if label is None else _e(label)
            cells = "".join(self._cell(sel, k) for k in kpis)
            n_warn, n_caution = int((sel.status == "warning").sum()), int((sel.status == "caution").sum())
            warn_color = STATUS_COLORS["below"] if n_warn else "inherit"
            rows.append(
                f"<tr><td style='text-align:left;white-space:nowrap'>{first}</td>"
                f"<td style='color:{warn_color};font-weight:600'>{fmt_number(n_warn, 0)}</td>"
                f"<td>{fmt_number(n_caution, 0)}</td>{cells}</tr>"
            )
        rule = mt("month_rule", lang, month=period_label(self.period, lang))
        note = mt("month_matrix_note", lang)
        return HtmlBlock(
            data_table(head, rows)
            + f"<p style='font-size:0.8em'>{_e(note)}</p><p style='font-size:0.8em'>{_e(rule)}</p>"
        )

    def _cell(self, sel: pd.DataFrame, kpi: str) -> str:
        if kpi not in sel.index or not np.isfinite(sel.loc[kpi, "value"]):
            return "<td>–</td>"
        r = sel.loc[kpi]
        status = str(r["status"])
        color = _COLOR.get(status, "inherit")
        word = (
            f"<br>{_status_cell(status, self.lang, short=True)}"
            if status in ("warning", "watch", "caution")
            else ""
        )
        value = _e(format_value(kpi, float(r["value"]), self.lang))
        return f"<td style='color:{color}'><span style='white-space:nowrap'>{value}</span>{word}</td>"

    def headline(self) -> dict[str, Any]:
        """The bank's satisfaction of the month for the index page."""
        f = self.inputs.frame
        sat = f[(f.level == "bank") & (f.kpi == "satisfaction_rate")]
        return {"satisfaction_rate": float(sat.value.iloc[0]) if len(sat) else None}

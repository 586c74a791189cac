"""The staffing report's roster sections: the proposed shifts per queue and the roster what-if.

HTML blocks for :class:`~bankperf_analysis.report.staffing.StaffingReport`, worded in zh or en
(``roster_`` keys of :mod:`~bankperf_analysis.i18n`, ``srep_`` keys of
:mod:`~bankperf_analysis._i18n_staffreport`): each queue's roster as its key figures, staff per
shift and day, on duty / required and the service level per interval
(:meth:`~bankperf_analysis.staffing.roster.RosterPlan.summary`, already text), and the what-if
of :func:`~bankperf_analysis.staffing.queue_rosters.roster_what_if` with rates in % and money
with separators.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis.i18n import LABELS, t
from bankperf_analysis.numbers import fmt_number, fmt_percent, fmt_signed
from bankperf_analysis.report.html import HtmlBlock, _e, data_table, facts_table

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.staffing.roster import RosterPlan

__all__ = ["roster_intro", "roster_html", "roster_what_if_html", "queue_label", "shift_label"]

_NA = "—"


def queue_label(queue: str, lang: str) -> str:
    """A queue's name in ``lang`` (``counter`` -> ``柜面``)."""
    return t(f"queue_{queue}", lang) if f"queue_{queue}" in LABELS else queue


def shift_label(name: str, lang: str) -> str:
    """A shift template's name as people read it: the packaged templates worded, others without ``_``.

    Examples
    --------
    >>> shift_label("full_day", "zh"), shift_label("late_shift", "en")
    ('全天班', 'late shift')
    """
    key = f"srep_shift_{name}"
    return t(key, lang) if key in LABELS else name.replace("_", " ")


def _shifts(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The staff-per-shift table: shift names worded, rows by start time (then break)."""
    first = frame.columns[0]
    labels = frame[first].astype(str)
    name = labels.str.split(" ", n=1).str[0]
    rest = labels.str.split(" ", n=1).str[1].fillna("")
    out = frame.assign(**{first: [f"{shift_label(n, lang)} {r}".strip() for n, r in zip(name, rest)]})
    return out.iloc[sorted(range(len(out)), key=lambda i: (rest.iloc[i], name.iloc[i]))]


def _frame_html(frame: pd.DataFrame) -> str:
    """A frame of text cells as the report's table (escaped)."""
    rows = [
        "<tr>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>" for row in frame.itertuples(index=False)
    ]
    return data_table([str(c) for c in frame.columns], rows)


def roster_intro(plan_quarter: str, lang: str) -> HtmlBlock:
    """What the proposed roster is, in a sentence."""
    return HtmlBlock(f'<p class="note">{_e(t("srep_roster_intro", lang, plan_quarter=plan_quarter))}</p>')


def roster_html(rosters: Mapping[str, RosterPlan], lang: str) -> HtmlBlock:
    """Each queue's proposed roster: key figures, then its tables with their notes."""
    if not rosters:
        return HtmlBlock(f'<p class="note">{_e(t("srep_no_roster", lang))}</p>')
    parts = []
    for queue, plan in rosters.items():
        s = plan.summary(lang)
        parts.append(f"<h3>{_e(t('srep_queue', lang, queue=queue_label(queue, lang)))}</h3>")
        parts += [f'<p class="note run-failed">{_e(a)}</p>' for a in s.alerts]
        parts.append(facts_table(s.facts))
        for k, tab in enumerate(s.tables):
            parts.append(f"<h4>{_e(tab.heading)}</h4>")
            shifts = k == 0 and len(plan.shifts) > 0  # the first table: staff per shift and day
            parts.append(_frame_html(_shifts(tab.frame, lang) if shifts else tab.frame))
            parts += [f'<p class="note">{_e(n)}</p>' for n in tab.notes]
    return HtmlBlock("".join(parts))


def roster_what_if_html(frame: pd.DataFrame, lang: str, *, change: float, answer_seconds: float) -> HtmlBlock:
    """The roster what-if (:func:`~bankperf_analysis.staffing.queue_rosters.roster_what_if`) as a table."""
    if frame.empty:
        return HtmlBlock(f'<p class="note">{_e(t("srep_no_roster", lang))}</p>')
    pct = fmt_signed(100.0 * change, 0) + " %"
    head = [
        t(f"srep_col_{c}", lang)
        for c in (
            "scenario",
            "queue",
            "feasible",
            "headcount",
            "cost",
            "cost_change",
            "service_level",
            "shortfall",
        )
    ]
    rows = []
    for r in frame.itertuples(index=False):
        cells = [
            t(f"srep_scenario_{r.scenario}", lang, change=pct),
            queue_label(str(r.queue), lang),
            t("bool_true" if r.feasible else "bool_false", lang),
            fmt_number(r.headcount, 0),
            fmt_number(r.cost_yuan_per_week, 0),
            fmt_signed(r.cost_change_yuan_per_week, 0),
            _NA if pd.isna(r.service_level) else fmt_percent(r.service_level),
            fmt_number(r.shortfall_staff_hours, 1),
        ]
        rows.append("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in cells) + "</tr>")
    note = t("srep_what_if_note", lang, answer=f"{answer_seconds:g}")
    return HtmlBlock(data_table(head, rows) + f'<p class="note">{_e(note)}</p>')

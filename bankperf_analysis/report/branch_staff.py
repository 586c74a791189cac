"""The staff appendix of a branch report: every person's score, grade, money, training and notes.

Split from :mod:`bankperf_analysis.report.branch` (the report's sections are methods of
:class:`~bankperf_analysis.report.BranchReport`, which calls :func:`staff_appendix`). Besides
the table it writes the notes under it: team-scored KPIs, staff KPIs nobody is scored on
for lack of data, people reported under another branch, and people in post too few days
to be scored.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis.i18n import role_label, t
from bankperf_analysis.numbers import fmt_number
from bankperf_analysis.report.html import HtmlBlock, _e, data_table, team_note
from bankperf_analysis.report.links import staff_anchor, xref
from bankperf_analysis.report.person_sheet import person_anchor

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.report.inputs import ReportInputs
    from bankperf_analysis.report.missing import Missing

__all__ = ["staff_appendix"]

_HEAD_KEYS = (
    "label_staff",
    "label_role",
    "label_composite",
    "label_grade",
    "label_bonus_yuan",
    "label_deduction_yuan",
    "label_training_needs",
    "label_note",
)
#: The text columns of the staff table (left-aligned).
_LEFT = (0, 1, 3, 6, 7)


def staff_appendix(
    inputs: ReportInputs, branch_id: str, lang: str, missing: Missing, sheets: str, total: str
) -> HtmlBlock:
    """The staff table of one branch with its notes.

    Parameters
    ----------
    inputs : ReportInputs
        The batch's shared inputs.
    branch_id : str
        The branch.
    lang : {"en", "zh"}
    missing : Missing
        What the data lack (for the note on KPIs nobody is scored on).
    sheets : str
        The file of the branch's appraisal sheets (each name links to the person's sheet).
    total : str
        The line under the table: the branch's bonus total with its unit.

    Returns
    -------
    HtmlBlock

    Examples
    --------
    >>> from bankperf_analysis.report import BranchReport
    >>> callable(BranchReport.staff_table)
    True
    """
    people = inputs.rows("staff_scores", "branch_id", branch_id)
    training = inputs.rows("training", "branch_id", branch_id)
    topic_col = "topic_zh" if lang == "zh" else "topic_en"
    needs = (
        training.sort_values(["staff_id", "priority"])
        .groupby("staff_id")[topic_col]
        .apply(lambda s: "; ".join(dict.fromkeys(s)))
        if len(training)
        else pd.Series(dtype=str)
    )
    head = [t(k, lang) for k in _HEAD_KEYS]
    rows = []
    moved = _moved_days(inputs)
    order = people.sort_values(["composite_score"], ascending=False, na_position="last")
    for _, p in order.iterrows():
        cells = [
            f"{xref(f'{sheets}#{person_anchor(p.staff_id)}', p.staff_name)} "
            f"<span style='color:#718096'>({_e(p.staff_id)})</span>",
            _e(role_label(p.role, lang)),
            "" if pd.isna(comp := p.get("composite_score")) else fmt_number(comp),
            _e(_grade_text(p, lang)),
            fmt_number(float(p.get("bonus_yuan", 0) or 0), 0),
            fmt_number(float(p.get("deduction_yuan", 0) or 0), 0),
            _e(needs.get(p.staff_id, "")),
            _e(_person_note(p, moved, lang)),
        ]
        rows.append(
            f'<tr id="{staff_anchor(p.staff_id)}">'  # the overview's and annual's links land here
            + "".join(
                f"<td style='text-align:left'>{c}</td>" if i in _LEFT else f"<td>{c}</td>"
                for i, c in enumerate(cells)
            )
            + "</tr>"
        )
    return HtmlBlock(
        '<div class="staff-table">'  # report.css gives its text columns room (print, phone)
        + data_table(head, rows)
        + "</div>"
        + f"<p>{_e(total)}</p>"
        + (f"<p>{_e(note)}</p>" if (note := team_note(people, lang)) else "")
        + _not_scored_note(inputs, branch_id, lang, missing)
        + _moved_out_note(inputs, branch_id, lang)
        + _not_in_post_table(inputs, branch_id, lang)
    )


def _grade_text(p: pd.Series, lang: str) -> str:
    """A person's grade, or why there is none (role not scored, too little data)."""
    grade = p.get("grade")
    if isinstance(grade, str) and grade:
        return t(f"grade_{grade}", lang)
    if not int(p.get("n_kpis", 1) or 0) > 0:  # no KPIs: the role is not scored
        return t("status_role_not_scored", lang)
    if bool(p.get("gradable", True)) is False or pd.isna(p.get("composite_score")):
        return t("status_insufficient", lang)
    return ""


def _person_note(p: pd.Series, moved: Mapping[str, str], lang: str) -> str:
    """A person's note: re-weighted, moved in, additions and deductions, veto (why)."""
    notes = []
    if bool(p.get("reweighted", False)) and int(p.get("n_kpis_scored", 0) or 0) > 0:
        n, m = int(p.get("n_kpis_scored", 0)), int(p.get("n_kpis", 0))
        notes.append(t("note_reweighted", lang, n=n, m=m))
    if p.staff_id in moved:
        notes.append(t("note_moved_in", lang, days=moved[p.staff_id]))
    reasons = p.get("adjustment_reasons_zh" if lang == "zh" else "adjustment_reasons")
    if isinstance(reasons, str) and reasons:
        raw, pts = p.get("raw_composite"), float(p.get("adjustment_points", 0) or 0)
        raw_txt = "—" if pd.isna(raw) else fmt_number(raw)
        notes.append(t("note_adjusted", lang, raw=raw_txt, points=f"{pts:+g}", reasons=reasons))
    cut = float(p.get("branch_cut_yuan", 0) or 0)
    if cut > 0:
        notes.append(t("note_branch_cut", lang, yuan=fmt_number(cut, 0)))
    veto = p.get("veto_reason_zh" if lang == "zh" else "veto_reason")
    if isinstance(veto, str) and veto:
        notes.append(veto)
    return ("；" if lang == "zh" else "; ").join(notes)


def _moved_days(inputs: ReportInputs) -> Mapping[str, str]:
    """Days per branch ("B07: 45, B08: 47") of the people who worked in more than one branch.

    The same for every branch report of the batch: computed once per process.
    """
    return inputs.derived("staff_days", "moved_days", _moved_days_of)


def _moved_out_note(inputs: ReportInputs, branch_id: str, lang: str) -> str:
    """People who worked here this quarter but are reported (scored or listed) under another branch."""
    if inputs.frame("staff_days").empty:
        return ""
    here = list(dict.fromkeys(inputs.rows("staff_days", "branch_id", branch_id)["staff_id"]))
    listed = pd.concat(
        [
            inputs.rows(f, "staff_id", here)[["staff_id", "staff_name", "branch_id"]]
            for f in ("staff_scores", "staff_not_in_post")
        ]
    )
    out = listed[listed.staff_id.isin(here) & (listed.branch_id != branch_id)]
    if out.empty:
        return ""
    moved = _moved_days(inputs)
    people = ", ".join(
        f"{p.staff_name} ({p.staff_id}) → {p.branch_id} [{moved.get(p.staff_id, '')}]"
        for p in out.sort_values("staff_id").itertuples()
    )
    return f"<p style='font-size:0.8em'>{_e(t('note_moved_out', lang, people=people))}</p>"


def _not_in_post_table(inputs: ReportInputs, branch_id: str, lang: str) -> str:
    """The people of this branch in post fewer than the minimum days: not scored, with their days."""
    short = inputs.rows("staff_not_in_post", "branch_id", branch_id)
    if short.empty:
        return ""
    head = [t(k, lang) for k in ("label_staff", "label_role", "label_days_in_post", "label_days_by_branch")]
    rows = [
        f"<tr><td style='text-align:left'>{_e(p.staff_name)} "
        f"<span style='color:#718096'>({_e(p.staff_id)})</span></td>"
        f"<td style='text-align:left'>{_e(role_label(p.role, lang))}</td>"
        f"<td>{int(p.days_in_post)}</td><td style='text-align:left'>{_e(p.days_by_branch)}</td></tr>"
        for p in short.sort_values(["days_in_post", "staff_id"]).itertuples()
    ]
    n = int(short["min_days_in_post"].iloc[0])
    return (
        f"<h3>{_e(t('heading_not_in_post', lang))}</h3>"
        f"<p style='font-size:0.8em'>{_e(t('note_not_in_post', lang, n=n))}</p>" + data_table(head, rows)
    )


def _not_scored_note(inputs: ReportInputs, branch_id: str, lang: str, missing: Missing) -> str:
    """The staff KPIs of this branch that nobody is scored on because they are not available."""
    sk = inputs.rows("staff_kpis", "branch_id", branch_id)
    if "status" not in sk:
        return ""
    from bankperf_analysis.scorecard.rules import STATUS_NOT_AVAILABLE

    sel = sk[sk.status == STATUS_NOT_AVAILABLE]
    labels = missing.unavailable_labels(dict.fromkeys(sel.kpi.astype(str)))
    if not labels:
        return ""
    return f"<p style='font-size:0.8em'>{_e(t('note_not_scored_unavailable', lang, kpis=labels))}</p>"


def _moved_days_of(days: pd.DataFrame) -> Mapping[str, str]:
    """Days per branch ("B07: 45, B08: 47") of each person in more than one branch of ``days``."""
    if days.empty:
        return MappingProxyType({})
    many = days[days.groupby("staff_id")["branch_id"].transform("size") > 1]
    text = many["branch_id"].astype(str) + ": " + many["days"].astype(str)
    return MappingProxyType(text.groupby(many["staff_id"].to_numpy()).agg(", ".join).to_dict())

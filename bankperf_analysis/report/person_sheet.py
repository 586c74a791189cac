"""The per-person appraisal sheet (个人绩效考核表): one printable page per person of a quarter.

A sheet shows, for one person and quarter, each KPI of their role with its actual value,
target, weight, score and weighted score, grouped by level-1 and level-2 indicator (the
catalogue's :data:`~bankperf_analysis.kpis.KPI_GROUPS`); then the additions and deductions,
the veto (一票否决), the grade, the bonus and pay deductions, the training needs and the
signature lines of the person and the appraiser.

Nothing is computed here: every number is read from the quarter's
:class:`~bankperf_analysis.scorecard.results.StaffScorecard` (the frames the HR workbook and
the branch reports read), so a sheet cannot disagree with them. Every numeric cell carries
its exact value in a ``data-*`` attribute, for the tests and for anyone checking a printout
against the workbook. The page around the sheets (CSS, print rules, footer) is the runner's
(:mod:`bankperf_analysis.runner.sheets`).

Examples
--------
>>> import pandas as pd
>>> from bankperf_analysis.scheme import load_scheme
>>> from bankperf_analysis.scorecard import score_staff
>>> kpis = pd.DataFrame({
...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
...     "role": "teller", "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["cash_error_rate", "satisfaction_rate"], "value": [0.0, 0.95], "n": [80, 40]})
>>> sheet = person_sheets(score_staff(kpis, load_scheme(), "2026Q3"))[0]
>>> sheet.to_frame()[["level1", "level2", "kpi", "score"]].head(2)
    level1    level2                kpi  score
0  ability  accuracy    cash_error_rate  100.0
1  ability  accuracy  ledger_error_rate    NaN
>>> "个人绩效考核表" in sheet_html(sheet, "zh").html
True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis.i18n import ROLE_KEYS, check_lang, kpi_label, role_label, t
from bankperf_analysis.kpis import INDICATOR_GROUPS, KPI_GROUPS
from bankperf_analysis.l10n import localised_name, period_label
from bankperf_analysis.numbers import DASH, fmt_number, fmt_percent, is_number
from bankperf_analysis.report.html import HtmlBlock, _e, format_value
from bankperf_analysis.report.links import anchor_slug

if TYPE_CHECKING:
    from bankperf_analysis.scorecard.results import StaffScorecard

__all__ = ["PersonSheet", "person_sheets", "sheet_html", "person_anchor", "sheet_file"]

#: The order of the level-1 and level-2 groups on a sheet (the catalogue's order).
_GROUP_ORDER = {g: i for i, g in enumerate(INDICATOR_GROUPS)}
#: Label key of each KPI status of the scorecard (``scorecard.rules``).
_STATUS_KEY = {
    "met": "status_met",
    "below target": "status_below",
    "insufficient data": "status_insufficient",
    "no data": "status_no_data",
    "not available": "status_not_available",
}
_STATUS_CLASS = {"met": "st-met", "below target": "st-below"}


def person_anchor(staff_id: str) -> str:
    """The anchor of a person's sheet in the branch's sheet file.

    Examples
    --------
    >>> person_anchor("S00001")
    'person-S00001'
    """
    return f"person-{anchor_slug(str(staff_id))}"


def sheet_file(branch_stem: str) -> str:
    """The file of a branch's sheets, beside its report (``B04.html`` → ``sheets-B04.html``).

    ``sheets-*`` is reserved for them (:mod:`bankperf_analysis.report.file_names`).

    Examples
    --------
    >>> sheet_file("B04")
    'sheets-B04.html'
    """
    return f"sheets-{branch_stem}.html"


@dataclass(frozen=True, slots=True)
class PersonSheet:
    """The appraisal sheet of one person and quarter: the scorecard's rows of that person.

    Attributes
    ----------
    quarter : str
        The quarter (``"2026Q4"``).
    person : mapping
        The person's row of :attr:`StaffScorecard.people` (name, branch, role, composite,
        grade, bonus, deductions, veto...).
    kpis : pandas.DataFrame
        The person's rows of :attr:`StaffScorecard.kpis`, with ``level1`` and ``level2``
        (indicator groups) added, in sheet order (groups, then the scheme's KPI order).
    training : pandas.DataFrame
        The person's rows of :attr:`StaffScorecard.training` (priority order).
    veto_not_evaluated : mapping
        The scheme's veto rules that could not be evaluated (the data lack their table).
    branch : mapping
        The person's branch row (``branch_name``, ``region`` and their ``_zh`` forms), empty
        when unknown.
    bank_name, bank_name_zh : str
        The dataset's name (``dataset.yaml``: ``name``, ``name_zh``), empty when not given.
    footer_rows : sequence of (label, value)
        Provenance printed at the foot of the sheet (data fingerprint, scheme, version...).
    """

    quarter: str
    person: Mapping[str, Any]
    kpis: pd.DataFrame
    training: pd.DataFrame
    veto_not_evaluated: Mapping[str, str] = field(default_factory=dict)
    branch: Mapping[str, Any] = field(default_factory=dict)
    bank_name: str = ""
    bank_name_zh: str = ""
    footer_rows: Sequence[tuple[str, str]] = ()

    @property
    def staff_id(self) -> str:
        """The person's staff id."""
        return str(self.person["staff_id"])

    def to_frame(self) -> pd.DataFrame:
        """The sheet's KPI rows (a copy of :attr:`kpis`)."""
        return self.kpis.copy()

    def summary(self) -> Summary:
        """The person, the composite, grade and money, and the KPI rows."""
        p = self.person
        facts = [
            ("Quarter", self.quarter),
            ("Staff", f"{p.get('staff_name')} ({self.staff_id})"),
            ("Branch", str(p.get("branch_id"))),
            ("Role", str(p.get("role"))),
            ("Composite", _plain(p.get("composite_score"))),
            ("Grade", str(p.get("grade") or DASH)),
            ("Bonus (yuan)", _plain(p.get("bonus_yuan"))),
            ("Veto", str(p.get("veto_reason") or "none")),
        ]
        cols = ["level1", "level2", "kpi", "value", "target", "weight", "score", "contribution", "status"]
        return Summary(f"Appraisal sheet {self.staff_id} {self.quarter}", self.kpis[cols], facts=facts)


def _plain(x: Any) -> str:
    return fmt_number(x, 2) if is_number(x) else DASH


def person_sheets(
    card: StaffScorecard,
    branch_id: str | None = None,
    *,
    branches: pd.DataFrame | None = None,
    meta: Mapping[str, Any] | None = None,
    footer_rows: Sequence[tuple[str, str]] = (),
) -> list[PersonSheet]:
    """The sheets of every person on a staff scorecard (of one branch), in staff-id order.

    Parameters
    ----------
    card : StaffScorecard
        The quarter's staff scorecard (:func:`~bankperf_analysis.scorecard.quarter_scorecards`).
    branch_id : str, optional
        Only the people scored under this branch (default: everyone on the card).
    branches : pandas.DataFrame, optional
        The branches table, for the branch and region names (and their Chinese forms).
    meta : mapping, optional
        The dataset's ``dataset.yaml`` (the bank's ``name`` and ``name_zh``).
    footer_rows : sequence of (label, value)
        Provenance rows for each sheet's foot.

    Returns
    -------
    list of PersonSheet
        People not in post long enough are not on the card, so they get no sheet.
    """
    people = card.people
    if branch_id is not None:
        people = people.loc[people["branch_id"].astype(str) == str(branch_id)]
    people = people.sort_values("staff_id", kind="stable")
    kpis = _grouped(card.kpis)
    by_kpi = dict(tuple(kpis.groupby("staff_id", sort=False))) if len(kpis) else {}
    by_training = dict(tuple(card.training.groupby("staff_id", sort=False))) if len(card.training) else {}
    rows = {} if branches is None else {str(r["branch_id"]): r for r in branches.to_dict("records")}
    meta = meta or {}
    empty_k, empty_t = kpis.iloc[:0], card.training.iloc[:0]
    return [
        PersonSheet(
            quarter=card.quarter,
            person=p,
            kpis=by_kpi.get(p["staff_id"], empty_k).reset_index(drop=True),
            training=by_training.get(p["staff_id"], empty_t).sort_values("priority").reset_index(drop=True),
            veto_not_evaluated=dict(card.veto_not_evaluated),
            branch=rows.get(str(p["branch_id"]), {}),
            bank_name=str(meta.get("name") or ""),
            bank_name_zh=str(meta.get("name_zh") or ""),
            footer_rows=tuple(footer_rows),
        )
        for p in people.to_dict("records")
    ]


def _grouped(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPI rows with their indicator groups, ordered by group, then the scheme's order."""
    out = kpis.copy()
    groups = out["kpi"].astype(str).map(KPI_GROUPS)
    out["level1"] = [g[0] for g in groups]
    out["level2"] = [g[1] for g in groups]
    out["_scheme_order"] = out.groupby("staff_id", sort=False).cumcount()
    out["_g1"] = out["level1"].map(_GROUP_ORDER)
    out["_g2"] = out["level2"].map(_GROUP_ORDER)
    out = out.sort_values(["staff_id", "_g1", "_g2", "_scheme_order"], kind="stable")
    return out.drop(columns=["_scheme_order", "_g1", "_g2"]).reset_index(drop=True)


# ---------------------------------------------------------------------------- HTML


def sheet_html(sheet: PersonSheet, lang: str = "en", *, next_page: bool = False) -> HtmlBlock:
    """One person's sheet as a ``<div class="sheet">`` (one A4 page in print).

    ``next_page``: the sheet starts a new page (every sheet of a file but the first).
    """
    check_lang(lang)
    p = sheet.person
    parts = [
        f"<h1>{_e(t('sheet_title', lang))}</h1>",
        f'<p class="sheet-period">{_e(period_label(sheet.quarter, lang))}</p>',
        _info_table(sheet, lang),
        _kpi_table(sheet, lang),
        # side by side: on paper the sheet must stay one page
        '<table class="sheet-cols"><tbody><tr><td class="sheet-col">',
        _adjust_block(sheet, lang),
        '</td><td class="sheet-col">',
        _result_block(sheet, lang),
        "</td></tr></tbody></table>",
        _training_block(sheet, lang),
        _signatures(lang),
        _footer(sheet.footer_rows, lang),
    ]
    cls = "sheet sheet-next" if next_page else "sheet"
    veto = " sheet-vetoed" if bool(p.get("veto", False)) else ""
    # a div, not a <section>: the PDF engine (xhtml2pdf) breaks pages before a div only
    return HtmlBlock(
        f'<div class="{cls}{veto}" id="{person_anchor(sheet.staff_id)}" '
        f'data-staff-id="{_e(sheet.staff_id)}">' + "".join(parts) + "</div>"
    )


def _role(role: Any, lang: str) -> str:
    return role_label(str(role), lang) if str(role) in ROLE_KEYS else str(role or "")


def _bank(sheet: PersonSheet, lang: str) -> str:
    if lang == "zh" and sheet.bank_name_zh:
        return sheet.bank_name_zh
    return sheet.bank_name


def _with_id(name: str, code: Any, lang: str) -> str:
    """``name (id)``, with Chinese brackets in zh."""
    return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"


def _info_table(sheet: PersonSheet, lang: str) -> str:
    """The header: bank, branch, region, period, name, staff id, role, days in post."""
    p, b = sheet.person, sheet.branch
    branch = localised_name(b, "branch_name", lang) if b else str(p.get("branch_name") or "")
    region = localised_name(b, "region", lang) if b else str(p.get("region") or "")
    days: Any = p.get("days_in_post")
    pairs = [
        (
            t("sheet_bank", lang),
            _bank(sheet, lang) or DASH,
            t("sheet_period", lang),
            period_label(sheet.quarter, lang),
        ),
        (
            t("label_branch", lang),
            _with_id(branch, p.get("branch_id"), lang),
            t("label_region", lang),
            region or DASH,
        ),
        (t("sheet_name", lang), str(p.get("staff_name") or DASH), t("sheet_staff_id", lang), sheet.staff_id),
        (
            t("label_role", lang),
            _role(p.get("role"), lang),
            t("label_days_in_post", lang),
            str(int(days)) if is_number(days) else DASH,
        ),
    ]
    rows = "".join(
        f"<tr><th>{_e(a)}</th><td>{_e(b_)}</td><th>{_e(c)}</th><td>{_e(d)}</td></tr>" for a, b_, c, d in pairs
    )
    return f'<table class="sheet-info"><tbody>{rows}</tbody></table>'


def _num_attr(name: str, x: Any) -> str:
    """A ``data-*`` attribute with the exact value (``repr`` of the float; empty when missing)."""
    return f' data-{name}="{float(x)!r}"' if is_number(x) else f' data-{name}=""'


def _remark(r: Mapping[str, Any], lang: str) -> str:
    """A KPI row's remark (HTML): team value, status, why not scored, the basis of a target."""
    status = str(r.get("status", ""))
    words = []
    if r.get("scored_on") == "team":
        words.append(_e(t("sheet_team_value", lang)))
    if status in _STATUS_CLASS:
        words.append(f'<span class="{_STATUS_CLASS[status]}">{_e(t(_STATUS_KEY[status], lang))}</span>')
    else:
        why = t(_STATUS_KEY[status], lang) if status in _STATUS_KEY else status
        n: Any = r.get("n")
        min_n: Any = r.get("min_n")
        if status == "insufficient data" and is_number(n) and is_number(min_n):
            left, right = ("（", "）") if lang == "zh" else (" (", ")")
            why += left + t("sheet_n_below_min", lang, n=int(n), min_n=int(min_n)) + right
        words.append(f'<span class="st-none">{_e(t("sheet_not_scored", lang, why=why))}</span>')
    basis = str(r.get("basis") or "quarter")
    if basis == "month_mean":
        words.append(_e(t("basis_month_mean", lang)))
    elif basis in ("year_to_date", "annualised"):
        words.append(_e(t(f"basis_name_{basis}", lang)))
    return ("；" if lang == "zh" else "; ").join(words)


def _weight_text(r: Mapping[str, Any], lang: str) -> str:
    w: Any = r.get("weight")
    eff: Any = r.get("effective_weight")
    text = fmt_percent(w, 0)
    if (
        bool(r.get("reweighted", False))
        and is_number(eff)
        and float(eff) > 0
        and abs(float(eff) - float(w)) > 1e-12
    ):
        text = t("sheet_weight_reweighted", lang, weight=text, effective=fmt_percent(eff, 1))
    return text


def _kpi_row(r: Mapping[str, Any], lang: str, spans: tuple[int, int]) -> str:
    """One KPI row (the group cells only on the first row of their group: ``spans``)."""
    kpi = str(r["kpi"])
    cells = []
    if spans[0]:
        cells.append(f'<td class="group" rowspan="{spans[0]}">{_e(t("group_" + r["level1"], lang))}</td>')
    if spans[1]:
        cells.append(f'<td class="group" rowspan="{spans[1]}">{_e(t("group_" + r["level2"], lang))}</td>')
    score = r.get("score")
    contribution = r.get("contribution") if is_number(score) else None
    cells += [
        f'<td class="kpi">{_e(kpi_label(kpi, lang))}</td>',
        f'<td class="num">{_e(format_value(kpi, r.get("value"), lang))}</td>',
        f'<td class="num">{_e(format_value(kpi, r.get("target"), lang))}</td>',
        f'<td class="num wt">{_e(_weight_text(r, lang))}</td>',
        f'<td class="num">{_e(fmt_number(score, 1) if is_number(score) else DASH)}</td>',
        f'<td class="num">{_e(fmt_number(contribution, 2) if is_number(contribution) else DASH)}</td>',
        f'<td class="remark">{_remark(r, lang)}</td>',
    ]
    attrs = "".join(
        _num_attr(a, r.get(c))
        for a, c in (
            ("value", "value"),
            ("target", "target"),
            ("weight", "weight"),
            ("effective-weight", "effective_weight"),
            ("score", "score"),
            ("contribution", "contribution"),
        )
    )
    return f'<tr data-kpi="{_e(kpi)}"{attrs}>' + "".join(cells) + "</tr>"


def _spans(k: pd.DataFrame) -> list[tuple[int, int]]:
    """For each row: the rowspan of its level-1 and level-2 cell (0 where the cell is above)."""
    out = []
    l1 = k["level1"].tolist()
    l2 = k["level2"].tolist()
    for i in range(len(k)):
        s1 = sum(1 for _ in _run(l1, i)) if i == 0 or l1[i] != l1[i - 1] else 0
        first2 = i == 0 or l2[i] != l2[i - 1] or l1[i] != l1[i - 1]
        s2 = sum(1 for j in _run(l2, i) if l1[j] == l1[i]) if first2 else 0
        out.append((s1, s2))
    return out


def _run(values: list, i: int):
    """The indices of the run of equal values starting at ``i``."""
    j = i
    while j < len(values) and values[j] == values[i]:
        yield j
        j += 1


def _kpi_table(sheet: PersonSheet, lang: str) -> str:
    """The KPI table grouped by indicator, and its total (the composite before adjustments)."""
    k = sheet.kpis
    p = sheet.person
    if not len(k):
        why = t("status_role_not_scored", lang)
        return f'<p class="note sheet-no-kpis">{_e(why)}</p>'
    head = ["sheet_level1", "sheet_level2", "sheet_kpi", "sheet_actual", "sheet_target", "label_weight"]
    head += ["label_score", "sheet_contribution", "sheet_remark"]
    widths = (10, 13, 14, 9, 9, 9, 7, 11, 18)
    rows = [_kpi_row(r, lang, s) for r, s in zip(k.to_dict("records"), _spans(k), strict=True)]
    raw = p.get("raw_composite", p.get("composite_score"))
    total = (
        f'<tr class="sheet-total"{_num_attr("raw-composite", raw)}><td colspan="7">'
        f'{_e(t("sheet_total", lang))}</td><td class="num">{_e(_plain(raw) if is_number(raw) else DASH)}</td>'
        "<td></td></tr>"
    )
    note = ""
    if bool(p.get("reweighted", False)) and int(p.get("n_kpis_scored", 0) or 0) > 0:
        n, m = int(p.get("n_kpis_scored", 0)), int(p.get("n_kpis", 0))
        note = f'<p class="note">{_e(t("sheet_reweighted_note", lang, n=n, m=m))}</p>'
    return (
        '<table class="dataframe sheet-kpis"><thead><tr>'
        + "".join(f'<th width="{w}%">{_e(t(h, lang))}</th>' for h, w in zip(head, widths, strict=True))
        + "</tr></thead><tbody>"
        + "".join(rows)
        + f"</tbody><tfoot>{total}</tfoot></table>"
        + note
    )


def _facts(rows: Sequence[tuple[str, str, str]]) -> str:
    """A two-column facts table; each row (label, value HTML, extra attributes of the row)."""
    return (
        '<table class="dataframe sheet-facts"><tbody>'
        + "".join(f"<tr{attrs}><th>{_e(a)}</th><td>{b}</td></tr>" for a, b, attrs in rows)
        + "</tbody></table>"
    )


def _adjust_block(sheet: PersonSheet, lang: str) -> str:
    """Additions and deductions (points and reasons), the final composite, the veto."""
    p = sheet.person
    pts: Any = p.get("adjustment_points")
    reasons = p.get("adjustment_reasons_zh" if lang == "zh" else "adjustment_reasons")
    veto = bool(p.get("veto", False))
    if veto:
        why = p.get("veto_reason_zh" if lang == "zh" else "veto_reason") or t("sheet_veto", lang)
        veto_html = f'<span class="sheet-veto">{_e(why)}</span>'
    elif sheet.veto_not_evaluated:
        veto_html = _e(t("sheet_veto_not_evaluated", lang, rules=len(sheet.veto_not_evaluated)))
    else:
        veto_html = _e(t("sheet_veto_none", lang))
    comp = p.get("composite_score")
    rows = [
        (
            t("sheet_adjustment", lang),
            _e(f"{float(pts):+g}" if is_number(pts) else DASH),
            _num_attr("points", pts),
        ),
        (t("sheet_adjust_reasons", lang), _e(reasons or DASH), ""),
        (t("sheet_final_composite", lang), _e(_plain(comp)), _num_attr("composite", comp)),
        (t("sheet_veto", lang), veto_html, f' data-veto="{str(veto).lower()}"'),
    ]
    return f"<h3>{_e(t('sheet_heading_adjust', lang))}</h3>" + _facts(rows)


def _grade_text(p: Mapping[str, Any], lang: str) -> str:
    grade = p.get("grade")
    if isinstance(grade, str) and grade:
        return t(f"grade_{grade}", lang) if f"grade_{grade}" in _GRADE_KEYS else grade
    if int(p.get("n_kpis", 0) or 0) == 0:
        return t("status_role_not_scored", lang)
    return t("sheet_not_graded", lang, why=t("status_insufficient", lang))


_GRADE_KEYS = frozenset(("grade_excellent", "grade_good", "grade_pass", "grade_needs_improvement"))
_GRADE_KEYS |= {"grade_basic_pass", "grade_fail"}


def _result_block(sheet: PersonSheet, lang: str) -> str:
    """Grade, bonus, pay deduction and the share of a branch pay cut."""
    p = sheet.person
    money = [
        ("sheet_bonus_yuan", "bonus_yuan", "bonus"),
        ("sheet_deduction", "deduction_yuan", "deduction"),
        ("sheet_branch_cut", "branch_cut_yuan", "branch-cut"),
    ]
    rows = [
        (
            t("label_grade", lang),
            f"<strong>{_e(_grade_text(p, lang))}</strong>",
            f' data-grade="{_e(p.get("grade") or "")}"',
        )
    ]
    for key, col, attr in money:
        x = p.get(col)
        rows.append((t(key, lang), _e(fmt_number(x, 0) if is_number(x) else DASH), _num_attr(attr, x)))
    return f"<h3>{_e(t('sheet_heading_result', lang))}</h3>" + _facts(rows)


def _training_block(sheet: PersonSheet, lang: str) -> str:
    """The training needs: each topic once, weakest KPI first, with its value and target."""
    tr = sheet.training
    head = f"<h3>{_e(t('sheet_heading_training', lang))}</h3>"
    if not len(tr):
        return head + f'<p class="sheet-training-none">{_e(t("sheet_no_training", lang))}</p>'
    topic_col = "topic_zh" if lang == "zh" else "topic_en"
    items: dict[str, list[str]] = {}
    for r in tr.to_dict("records"):
        kpi = str(r["kpi"])
        detail = f"{kpi_label(kpi, lang)} {format_value(kpi, r.get('value'), lang)}"
        detail += f" / {t('sheet_target', lang)} {format_value(kpi, r.get('target'), lang)}"
        items.setdefault(str(r[topic_col]), []).append(detail)
    sep = "；" if lang == "zh" else "; "
    lis = "".join(
        f'<li>{_e(topic)} <span class="note">({_e(sep.join(d))})</span></li>' for topic, d in items.items()
    )
    return head + f'<ol class="sheet-training">{lis}</ol>'


def _signatures(lang: str) -> str:
    """Signature and date lines of the person appraised and the appraiser (blank cells to sign in)."""
    colon = "：" if lang == "zh" else ": "
    rows = "".join(
        f'<tr><th width="22%">{_e(t(key, lang))}{colon}</th><td class="sign-line" width="46%"></td>'
        f'<th width="10%">{_e(t("sheet_date", lang))}{colon}</th>'
        '<td class="sign-line short" width="22%"></td></tr>'
        for key in ("sheet_sign_person", "sheet_sign_manager")
    )
    return f'<table class="sheet-sign"><tbody>{rows}</tbody></table>'


def _footer(rows: Sequence[tuple[str, str]], lang: str) -> str:
    """The provenance line at the foot of a sheet (data fingerprint, scheme, version...)."""
    if not rows:
        return ""
    colon = "：" if lang == "zh" else ": "
    items = " · ".join(f"{_e(a)}{colon}{_e(b)}" for a, b in rows)
    return f'<footer class="sheet-foot">{items}</footer>'

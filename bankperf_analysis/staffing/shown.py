"""A staffing plan as people read it: labelled tables in zh or en, for the screen, Excel and HTML.

:class:`~bankperf_analysis.staffing.plan.StaffingPlan` keeps tidy frames with column ids and codes
(``service_level_with_roster`` = 0.87, ``passed`` = True, NaN where a role has no queue). This
module words them once, for every output:

- :func:`plan_tables` — each table with headers in ``lang``, codes as words (queues, roles,
  weekdays, rules), the headcount basis and the post findings in ``lang``, and per column the
  Excel number format (``0.0%``, ``#,##0``...). Values stay numbers: a cell keeps full precision.
- :func:`plan_text` — the same as aligned text (``bankperf staffing``): rates as ``87.0 %``,
  durations as ``m:ss``, money with separators, ``—`` where a value does not apply, never NaN.
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from bankperf_analysis._i18n_patience import pt
from bankperf_analysis.dataset.schema import POSTS
from bankperf_analysis.i18n import LABELS, check_lang, role_label, t
from bankperf_analysis.l10n import period_label, value_label
from bankperf_analysis.numbers import fmt_duration, fmt_number, fmt_percent, fmt_signed
from bankperf_analysis.staffing.posts import post_noun

if TYPE_CHECKING:
    from bankperf_analysis.staffing.plan import StaffingPlan

__all__ = ["PlanTable", "cost_benefit_text", "plan_tables", "plan_text", "post_findings", "write_plan_xlsx"]

_PERCENT = {"service_level_with_roster", "target_service_level", "achieved_service_level"}
_INTEGER = {"current_headcount", "minimum_headcount", "planned_headcount", "peak_staff"}
_MONEY = {
    "salary_per_fte_yuan_per_year",
    "cost_yuan_per_year",
    "surplus_saving_yuan_per_year",
    "yuan_per_point_per_year",
    "benefit_yuan_per_year",
    "net_yuan_per_year",
}
#: What a cell shows where no value applies (a role without a queue has no required FTE).
_NA = "—"
_DAY = re.compile(r"\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b")
_OF = re.compile(r"^(\d+) of (\d+)$")
_QUEUE_BASIS = re.compile(r"^(erlang_[ca]): (\d+)% in ([\d.]+) s, ASA <= ([\d.]+) s, shrinkage ([\d.]+)$")
_RAISED = re.compile(r"^raised by (\d+) for sales staff >= (\d+)%$")
_MANAGERS = re.compile(
    r"^managed customers: ceil\(([\d,]+) / ([\d.]+) per manager\) = (\d+)( \(minimum post\))?$"
)


@dataclass(frozen=True)
class PlanTable:
    """One table of a plan as shown: ``frame`` with its columns' ids, and how to show them.

    Attributes
    ----------
    key : str
        Table id (``demand``, ``required``, ``gap_<queue>``, ``headcount``, ``posts``,
        ``cost_benefit``, ``what_if``), also the Excel sheet's id.
    heading : str
        Heading in the plan's language.
    frame : pandas.DataFrame
        Values (numbers stay numbers; codes and sentences already in the language).
    headers : list of str
        Column headers in the language.
    formats : dict
        Column id -> Excel number format.
    notes : tuple of str
        Notes under the table.
    index : bool
        Whether the frame's index is part of the table (the weekday × hour gap).
    """

    key: str
    heading: str
    frame: pd.DataFrame
    headers: list[str]
    formats: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    index: bool = False

    def shown(self, lang: str) -> pd.DataFrame:
        """The table as text cells (rates in %, money with separators, ``—`` for no value)."""
        out = pd.DataFrame(
            {h: [_cell(c, v, lang) for v in self.frame[c]] for c, h in zip(self.frame.columns, self.headers)}
        )
        if self.index:
            out.index = list(self.frame.index)
        return out


def plan_tables(plan: StaffingPlan, lang: str = "en") -> list[PlanTable]:
    """Every table of ``plan`` as shown in ``lang``, in reading order.

    Examples
    --------
    >>> from bankperf_analysis.staffing.shown import _basis
    >>> _basis("erlang_c: 95% in 30 s, ASA <= 180 s, shrinkage 0.3", "zh")
    '爱尔朗排队模型（不计放弃）：30 秒内接通率 95 %，平均响应 ≤ 180 秒，非生产时间占比 0.3'
    """
    from bankperf_analysis.staffing.plan import PAID_HOURS_PER_WEEK, _demand_table, _staff_table

    lang = check_lang(lang)
    q, pq = period_label(plan.quarter, lang), period_label(plan.plan_quarter, lang)
    source = t("stf_source_forecast" if plan.demand_source == "forecast" else "stf_source_observed", lang)
    demand = _demand_table(plan.intervals)
    required = _staff_table(plan.intervals, plan.interval_minutes, plan.has_roster)
    required = required.dropna(axis=1, how="all")
    sl = fmt_percent(plan.service_level_target, 0)
    model = t(f"stf_model_{plan.model}", lang) if f"stf_model_{plan.model}" in LABELS else plan.model
    out = [
        _table(
            "demand",
            t("stf_demand", lang),
            demand,
            lang,
            t("stf_demand_note", lang, source=source, plan_quarter=pq, quarter=q),
        ),
        _table(
            "required",
            t("stf_required", lang),
            required,
            lang,
            t(
                "stf_required_note",
                lang,
                sl=sl,
                answer=f"{plan.answer_seconds:g}",
                asa=f"{plan.max_asa_seconds:g}",
                model=model,
                shrinkage=f"{plan.shrinkage:g}",
            ),
        ),
    ]
    if plan.has_roster:
        out += [_gap(plan, queue, lang) for queue in sorted(plan.intervals["queue"].unique())]
    hc = plan.headcount.drop(columns=["branch_id"]).dropna(axis=1, how="all")
    out.append(
        _table(
            "headcount",
            t("stf_headcount", lang),
            hc,
            lang,
            t("stf_headcount_note", lang, hours=f"{PAID_HOURS_PER_WEEK:g}"),
        )
    )
    out.append(_table("posts", t("stf_posts", lang), _posts(plan.posts, lang), lang))
    cb = plan.cost_benefit
    note = ""
    if len(cb):
        note = t(
            "stf_cost_note",
            lang,
            points=f"{cb['satisfaction_points_assumed'].iloc[0]:g}",
            yuan=fmt_number(cb["yuan_per_point_per_year"].iloc[0], 0),
        )
    out.append(
        _table("cost_benefit", t("stf_cost", lang), cb.drop(columns=["branch_id", "assumption"]), lang, note)
    )
    out.append(
        _table(
            "what_if",
            t("stf_what_if", lang),
            plan.what_if.drop(columns=["branch_id"]),
            lang,
            t("stf_what_if_note", lang, answer=f"{plan.answer_seconds:g}"),
        )
    )
    out += _abandonment(plan, lang)
    return out


def plan_text(plan: StaffingPlan, lang: str = "en") -> str:
    """The plan as aligned plain text in ``lang`` (what ``bankperf staffing`` prints)."""
    lang = check_lang(lang)
    title = t(
        "stf_title",
        lang,
        branch=plan.branch_id,
        plan_quarter=period_label(plan.plan_quarter, lang),
        quarter=period_label(plan.quarter, lang),
        minutes=plan.interval_minutes,
    )
    lines = [title, "=" * _width(title)]
    for tab in plan_tables(plan, lang):
        shown = tab.shown(lang)
        with pd.option_context(
            "display.unicode.east_asian_width", True, "display.width", 250, "display.max_columns", 40
        ):
            body = shown.to_string(index=tab.index) if len(shown) else t("stf_none", lang)
        lines += ["", tab.heading, "-" * _width(tab.heading), body, *tab.notes]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- pieces


def _abandonment(plan: StaffingPlan, lang: str) -> list[PlanTable]:
    """Erlang A plans: patience and 呼损率 with their intervals, already worded (plan_abandon)."""
    if plan.abandonment is None:
        return []
    ab = plan.abandonment_summary(lang)
    assert ab.frame is not None
    headers = list(ab.frame.columns)
    return [PlanTable("abandonment", ab.title, ab.frame, headers, notes=tuple(ab.notes))]


def _table(key: str, heading: str, frame: pd.DataFrame, lang: str, note: str = "") -> PlanTable:
    frame = _words(frame.reset_index(drop=True), lang)
    return PlanTable(
        key,
        heading,
        frame,
        [_header(c, lang) for c in frame.columns],
        {c: f for c in frame.columns if (f := _format(c, frame[c])) is not None},
        (note,) if note else (),
    )


def _gap(plan: StaffingPlan, queue: str, lang: str) -> PlanTable:
    """Weekday × hour gap of one queue, without the hours where it is 0 throughout."""
    pv = plan.pivot("gap", queue=queue).round(1)
    pv = pv.loc[:, (pv != 0).any(axis=0)] if (pv != 0).any().any() else pv
    pv.index = [t(f"weekday_{d}", lang) for d in pv.index]
    pv.columns = [f"{int(h)}" for h in pv.columns]
    return PlanTable(
        f"gap_{queue}",
        t("stf_gap", lang, queue=_queue(queue, lang)),
        pv,
        [str(c) for c in pv.columns],
        {c: "0.0" for c in pv.columns},
        (t("stf_gap_note", lang),),
        index=True,
    )


def _posts(posts: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Rule, met and the finding in ``lang`` (:func:`post_findings`)."""
    rows = [
        {
            "rule": _rule(r.rule, lang),
            "passed": t("bool_true" if r.passed else "bool_false", lang),
            "message": text,
        }
        for r, text in zip(posts.itertuples(index=False), post_findings(posts, lang))
    ]
    return pd.DataFrame(rows, columns=["rule", "passed", "message"])


def _rule(rule: str, lang: str) -> str:
    if rule in POSTS:
        return post_noun(rule, lang)
    return t(f"stf_rule_{rule}", lang) if f"stf_rule_{rule}" in LABELS else rule


def post_findings(posts: pd.DataFrame, lang: str = "en") -> list[str]:
    """Each row of a plan's ``posts`` as a sentence in ``lang``: the post, its count, what the type needs.

    Parameters
    ----------
    posts : pandas.DataFrame
        :attr:`StaffingPlan.posts <bankperf_analysis.staffing.plan.StaffingPlan>` (or the rows of
        :func:`~bankperf_analysis.staffing.posts.check_minimum_posts` with ``branch_type``).
    lang : {"en", "zh"}
        Language.

    Returns
    -------
    list of str
        One finding per row; the sales share names the posts counted (from the row's message).

    Examples
    --------
    >>> p = pd.DataFrame({"branch_type": ["wealth_center"], "rule": ["financial_advisor"],
    ...                   "required": [1.0], "actual": [0.0], "passed": [False]})
    >>> post_findings(p, "zh")
    ['理财顾问：实有 0 人，理财中心至少需要 1 人']
    """
    lang = check_lang(lang)
    sep = "、" if lang == "zh" else ", "
    out = []
    for r in posts.itertuples(index=False):
        kind = getattr(r, "branch_type", None)
        kind = value_label("branch_type", kind, lang) if isinstance(kind, str) and kind else ""
        if r.rule == "staff":
            out.append(t("post_finding_no_staff", lang))
        elif r.rule == "sales_share":
            n_staff, n_sales, sales_posts = _sales_counts(r)
            out.append(
                t(
                    "post_finding_sales",
                    lang,
                    sales=n_sales,
                    staff=n_staff,
                    share=fmt_percent(r.actual, 0),
                    minimum=fmt_percent(r.required, 0),
                    posts=sep.join(_lower(post_noun(p, lang), lang) for p in sales_posts),
                )
            )
        else:
            out.append(
                t(
                    "post_finding",
                    lang,
                    post=_rule(r.rule, lang),
                    actual=fmt_number(r.actual, 0),
                    required=fmt_number(r.required, 0),
                    branch_type=kind or t("post_any_branch", lang),
                )
            )
    return out


_SALES = re.compile(r"sales staff (\d+) of (\d+) .*\(sales posts: ([a-z_, ]*)\)")


def _lower(text: str, lang: str) -> str:
    return text.lower() if lang == "en" else text


def _sales_counts(row: Any) -> tuple[str, str, list[str]]:
    """Staff, sales staff and the sales posts behind a sales-share row (its English message)."""
    m = _SALES.search(str(getattr(row, "message", "")))
    if not m:
        return _NA, _NA, []
    return m.group(2), m.group(1), [p for p in m.group(3).split(", ") if p in POSTS]


def _words(frame: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Codes and the plan's English phrases of ``frame`` in ``lang``."""
    out = frame.copy()
    for c in out.columns:
        col = out[c]
        if c == "queue":
            out[c] = col.map(lambda q: _queue(q, lang) if isinstance(q, str) and q else q)
        elif c == "role":
            out[c] = col.map(lambda r: role_label(r, lang) if isinstance(r, str) and r else r)
        elif c in ("peak_interval", "worst_gap"):
            out[c] = col.map(
                lambda s: _DAY.sub(lambda m: t(f"weekday_{m.group(1)}", lang), s) if isinstance(s, str) else s
            )
        elif c == "understaffed_intervals":
            out[c] = col.map(lambda s: _of(s, lang))
        elif c == "basis":
            out[c] = col.map(lambda s: _basis(s, lang))
    return out


def _queue(queue: str, lang: str) -> str:
    return t(f"queue_{queue}", lang) if f"queue_{queue}" in LABELS else queue


def _of(text: Any, lang: str) -> Any:
    m = _OF.match(text) if isinstance(text, str) else None
    return t("stf_of", lang, n=m.group(1), total=m.group(2)) if m else text


def _basis(text: Any, lang: str) -> Any:
    """The headcount basis in ``lang`` (the plan words it in English)."""
    if not isinstance(text, str):
        return text
    if "; " in text:  # a sizing, then the sales-share top-up
        return ("；" if lang == "zh" else "; ").join(_basis(part, lang) for part in text.split("; "))
    no_data = pt("managers_basis_no_data", "en")
    if text.endswith(no_data):  # customer managers to size from managed customers, without the value
        return f"{_basis(text[: -len(no_data)], lang)}{pt('managers_basis_no_data', lang)}"
    if m := _MANAGERS.match(text):
        sized = pt("managers_basis_sized", lang, managed=m.group(1), per=m.group(2), n=m.group(3))
        return sized + (pt("managers_basis_minimum", lang) if m.group(4) else "")
    if m := _QUEUE_BASIS.match(text):
        model = t(f"stf_model_{m.group(1)}", lang)
        return t(
            "stf_basis_queue",
            lang,
            model=model,
            sl=f"{m.group(2)} %",
            answer=m.group(3),
            asa=m.group(4),
            shrinkage=m.group(5),
        )
    if text == "kept at current headcount":
        return t("stf_basis_kept", lang)
    if text == "minimum post":
        return t("stf_basis_minimum", lang)
    if m := _RAISED.match(text):
        return t("stf_basis_raised", lang, n=m.group(1), share=f"{m.group(2)} %")
    return text


def _header(col: str, lang: str) -> str:
    key = f"stf_col_{col}"
    return t(key, lang) if key in LABELS else col


def _format(col: str, values: pd.Series) -> str | None:
    if col in _PERCENT:
        return "0.0%"
    if col in _MONEY:
        return "#,##0"
    if col in _INTEGER or col == "change":
        return "0"
    if col == "aht_seconds":
        return "0"
    if pd.api.types.is_float_dtype(values.dtype):
        return "#,##0.0" if col != "benefit_cost_ratio" else "0.00"
    return None


def _cell(col: str, value: Any, lang: str) -> str:
    """One value as text: ``—`` where none applies."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return _NA
    if isinstance(value, bool):
        return t("bool_true" if value else "bool_false", lang)
    if col in _PERCENT:
        return fmt_percent(value)
    if col == "change":
        return fmt_signed(value, 0)
    if col == "aht_seconds":
        return fmt_duration(value, lang)
    if col in _MONEY or col in _INTEGER:
        return fmt_number(value, 0)
    if col == "benefit_cost_ratio":
        return fmt_number(value, 2)
    if isinstance(value, float):
        return fmt_number(value, 1)
    return str(value)


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


# ----------------------------------------------------------------------------- Excel


def write_plan_xlsx(tmp: Any, plan: StaffingPlan, lang: str) -> None:
    """Write ``plan`` to the workbook ``tmp`` as the HR workbook does: a labelled Excel table per sheet.

    Each table has its filter, frozen header row (and first column), number formats per column
    with full precision kept in the cells, and A4 print setup; a last sheet holds the title and
    every table's notes.
    """
    from openpyxl import Workbook

    from bankperf_analysis._xlsx import SheetTable, Styles, excel_sheet_name

    wb = Workbook(write_only=True)
    styles, used = Styles(wb), set[str]()
    tables = plan_tables(plan, lang)
    notes = []
    for tab in tables:
        frame, headers = tab.frame, tab.headers
        if tab.index:
            frame = frame.reset_index(names="weekday")
            headers = [t("stf_col_weekday", lang), *headers]
        if tab.key.startswith("gap_"):
            name = t("stf_sheet_gap", lang, queue=_queue(tab.key[4:], lang))
        elif tab.key == "abandonment":
            name = pt("abandon_sheet", lang)
        else:
            name = t(f"stf_sheet_{tab.key}", lang)
        sheet = SheetTable(frame, tab.formats, headers=headers, freeze_after=str(frame.columns[0]))
        sheet.write(wb.create_sheet(excel_sheet_name(name, used)), styles)
        notes += [{"table": tab.heading, "note": n} for n in tab.notes]
    title = plan_text(plan, lang).splitlines()[0]
    about = pd.DataFrame([{"table": title, "note": ""}, *notes], columns=["table", "note"])
    SheetTable(about, headers=[t("stf_col_table", lang), t("stf_col_note", lang)]).write(
        wb.create_sheet(excel_sheet_name(t("stf_sheet_notes", lang), used)), styles
    )
    wb.save(tmp)


def cost_benefit_text(c: pd.Series, lang: str = "en") -> str:
    """One branch's cost-benefit row (``StaffingPlan.cost_benefit``) in words: what the plan adds and why.

    The added staff are split by cause (the service level; minimum posts, the sales share or
    managed customers), so a branch that meets its service level is not told that the service
    level needs staff; staff above the plan are credited as a saving.

    Examples
    --------
    >>> row = pd.Series({"extra_fte": 0.0, "surplus_fte": 2.0, "surplus_saving_yuan_per_year": 240000.0})
    >>> print(cost_benefit_text(row))  # doctest: +NORMALIZE_WHITESPACE
    The plan adds no staff: the current headcount meets the service level and the post rules.
    Staff above the plan (2.0 FTE, in the roles whose planned headcount is below today's) would save
    240,000 yuan a year once the roster is brought to plan.
    """
    lang = check_lang(lang)
    if float(c["extra_fte"]) <= 0:
        text = t("stf_no_extra_line", lang)
    else:
        be = c.get("break_even_points", float("nan"))
        text = t(
            "cost_benefit_line",
            lang,
            fte=float(c["extra_fte"]),
            svc=float(c["extra_fte_service_level"]),
            oth=float(c["extra_fte_posts"]),
            cost=float(c["cost_yuan_per_year"]),
            pts=float(c["satisfaction_points_assumed"]),
            benefit=float(c["benefit_yuan_per_year"]),
            be=float(be) if pd.notna(be) else float("nan"),
        )
    saving = float(c.get("surplus_saving_yuan_per_year", 0.0) or 0.0)
    if saving > 0:
        text += " " + t("stf_saving_line", lang, fte=float(c["surplus_fte"]), saving=saving)
    return text

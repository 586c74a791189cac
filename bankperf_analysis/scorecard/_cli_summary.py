"""What ``bankperf scorecard`` prints: the quarter's key figures in the workbook's language.

The staff and branch summaries of :class:`~bankperf_analysis.scorecard.results.StaffScorecard`
and :class:`~bankperf_analysis.scorecard.results.BranchScorecard` are for a notebook reader
and use column ids; an HR officer who asked for ``--lang zh`` reads this one: labels, not
codes, Chinese headers and the branch names the data give in Chinese. The staff counts and
tables are the notebook summary's own (``StaffScorecard._summary_counts`` and
``_summary_tables``), shown here in the workbook's language; the consequence counts (rewards,
pay cuts, total bonus...) are the same objects the reports and the workbook show.
"""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.numbers import fmt_number, fmt_percent
from bankperf_analysis.scorecard._hr import column_label, localise

if TYPE_CHECKING:
    from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = ["scorecard_summary_text"]


def scorecard_summary_text(
    staff: StaffScorecard,
    branch: BranchScorecard,
    lang: str = "en",
    *,
    names: dict[str, str] | None = None,
) -> str:
    """The staff and branch summaries as plain text in ``lang``.

    Parameters
    ----------
    staff, branch : StaffScorecard, BranchScorecard
        One quarter's scorecards.
    lang : {"en", "zh"}
        Language of the labels, headers and codes.
    names : dict, optional
        Branch id -> name in ``lang`` (the data's ``branch_name_zh``).

    Examples
    --------
    >>> from bankperf_analysis.scorecard._cli_summary import _block
    >>> print(_block("T", [("Staff", "3")], []))
    T
    =
    Staff  3
    """
    lang = check_lang(lang)
    return "\n\n".join([_staff_text(staff, lang), _branch_text(branch, lang, names)])


def _staff_text(staff: StaffScorecard, lang: str) -> str:
    q = staff.quarter
    facts = _head(q, staff.scheme_name, staff.params_hash, lang)
    facts += [(t(key, lang), f"{n:,}") for key, n in staff._summary_counts()]
    c = staff.consequences()
    facts += [(x.name(lang), x.text(lang)) for x in (c.bonus_total, c.staff_with_bonus, c.excellent_staff)]
    facts += [(x.name(lang), x.text(lang)) for x in (c.deduction_total, c.vetoed_staff)]
    topic = "topic_zh" if lang == "zh" else "topic_en"
    tables = []
    for key, frame in staff._summary_tables((topic,)):  # the summary's tables, shown in ``lang``
        if key == "cli_grades":
            frame = frame.assign(bonus_yuan=frame["bonus_yuan"].map(lambda x: fmt_number(x, 0)))
        tables.append((t(key, lang), _shown(frame.rename(columns={topic: "topic"}), lang, q)))
    title = t("cli_staff_title", lang, quarter=period_label(q, lang))
    return _block(title, facts, tables, lang)


def _branch_text(branch: BranchScorecard, lang: str, names: dict[str, str] | None) -> str:
    b = branch.branches
    q = branch.quarter
    facts = _head(q, branch.scheme_name, branch.params_hash, lang)
    facts.append((t("cli_branches", lang), f"{branch.n_branches:,}"))
    c = branch.consequences()
    facts += [(x.name(lang), x.text(lang)) for x in (c.rewards, c.pay_cuts, c.heavier_pay_cuts, c.rechecks)]
    checks = [str(k) for k in dict.fromkeys(branch.checks["check"])] if len(branch.checks) else []
    cols = ["branch_id", "branch_name", *[f"{k}_score" for k in checks if f"{k}_score" in b.columns]]
    cols += ["reward", "pay_cut_share_total", "recheck"]
    flagged = b.loc[b["reward"] | b["recheck"] | b["pay_cut_share_total"].gt(0), cols].head(30).copy()
    for k in checks:
        if f"{k}_score" in flagged.columns:
            flagged[f"{k}_score"] = flagged[f"{k}_score"].map(lambda x: fmt_number(x, 2))
    flagged["pay_cut_share_total"] = flagged["pay_cut_share_total"].map(fmt_percent)
    if names:
        shown = flagged["branch_id"].astype(object).map(names)
        flagged["branch_name"] = shown.where(shown.notna(), flagged["branch_name"].astype(object))
    title = t("cli_branch_title", lang, quarter=period_label(q, lang))
    return _block(title, facts, [(t("cli_flagged", lang), _shown(flagged, lang, q))], lang)


def _head(quarter: str, scheme: str, params_hash: str, lang: str) -> list[tuple[str, str]]:
    return [
        (t("cli_quarter", lang), period_label(quarter, lang)),
        (t("cli_scheme", lang), t("cli_scheme_value", lang, name=scheme, params=params_hash[:12])),
    ]


def _shown(frame: pd.DataFrame, lang: str, quarter: str) -> pd.DataFrame:
    """Codes as words and headers as labels in ``lang`` (the workbook's)."""
    out = localise(frame, lang, quarter)
    return out.rename(columns={c: column_label(c, lang) for c in out.columns})


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (a Chinese character takes two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _block(
    title: str, facts: list[tuple[str, str]], tables: list[tuple[str, pd.DataFrame]], lang: str = "en"
) -> str:
    """A title, aligned facts and headed tables (``(none)`` in ``lang`` for an empty one)."""
    lines = [title, "=" * _width(title)]
    if facts:
        w = max(_width(k) for k, _ in facts)
        lines += [f"{k}{' ' * (w - _width(k) + 2)}{v}" for k, v in facts]
    for heading, frame in tables:
        with pd.option_context("display.unicode.east_asian_width", True, "display.width", 200):
            body = frame.to_string(index=False) if len(frame) else t("cli_none", lang)
        lines += ["", heading, "-" * _width(heading), body]
    return "\n".join(lines)

"""The payroll import file: one row per person of the quarter, what payroll pays or deducts.

Written next to the HR workbook as ``<stem>_payroll.csv`` by
:func:`~bankperf_analysis.scorecard.export.write_scorecard` (``bankperf scorecard``). UTF-8 with
a byte-order mark, so that Excel opens Chinese names correctly.

The headers are stable English ids whatever the language of the workbook (``staff_id,
staff_name, branch_id, branch_name, grade, grade_label, grade_coefficient, bonus_yuan,
deduction_yuan, branch_cut_yuan``): a payroll system maps the columns of an import file once,
and the same mapping must read the file of every run, in zh or en. The ``grade`` is the
scheme's code for the same reason; ``grade_label`` says it in the workbook's language for
the person who checks the file. Money is written with two decimals, exactly as computed
(bonuses are whole yuan); nothing is rounded.

Examples
--------
>>> import pandas as pd
>>> from bankperf_analysis.scheme import load_scheme
>>> from bankperf_analysis.scorecard import score_staff
>>> kpis = pd.DataFrame({
...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
...     "role": "lobby_manager", "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["on_duty_rate", "satisfaction_rate", "service_quality_score",
...             "complaint_count", "cross_sales_per_month"],
...     "value": [1.0, 0.95, 90.0, 0.0, 6.0], "n": 50})
>>> card = score_staff(kpis, load_scheme(), "2026Q3")
>>> cols = ["staff_id", "grade", "grade_label", "grade_coefficient", "bonus_yuan"]
>>> payroll_frame(card, load_scheme(), "zh")[cols]
  staff_id      grade grade_label  grade_coefficient  bonus_yuan
0       S1  excellent          优秀                1.0      2000.0
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bankperf_analysis.i18n import LABELS, check_lang, t
from bankperf_analysis.scorecard.results import StaffScorecard

__all__ = ["PAYROLL_COLUMNS", "payroll_frame", "payroll_path", "write_payroll"]

#: The columns of the payroll import file, in order (stable ids: see the module's docstring).
PAYROLL_COLUMNS = (
    "staff_id",
    "staff_name",
    "branch_id",
    "branch_name",
    "grade",
    "grade_label",
    "grade_coefficient",
    "bonus_yuan",
    "deduction_yuan",
    "branch_cut_yuan",
)


def payroll_path(workbook: str | Path) -> Path:
    """Where the payroll file of a workbook goes: ``<stem>_payroll.csv`` next to it."""
    p = Path(workbook)
    return p.with_name(f"{p.stem}_payroll.csv")


def payroll_frame(staff_card: StaffScorecard, scheme=None, lang: str = "en") -> pd.DataFrame:
    """One row per person on the staff card: who, grade, coefficient, bonus and deductions (yuan).

    Parameters
    ----------
    staff_card : StaffScorecard
        The quarter's staff card.
    scheme : Scheme, optional
        The scheme the card was scored with: gives ``grade_coefficient`` (绩效系数) under a
        coefficient bonus; empty without a scheme or under a fixed bonus by grade.
    lang : {"en", "zh"}
        Language of ``grade_label``.

    Returns
    -------
    pandas.DataFrame
        :data:`PAYROLL_COLUMNS`, sorted by branch and staff id. ``bonus_yuan`` sums to the
        card's ``total_bonus_yuan``.
    """
    check_lang(lang)
    p = staff_card.people.sort_values(["branch_id", "staff_id"], kind="stable", na_position="last")
    grade = p["grade"].astype(object).where(p["grade"].notna(), None)
    rule = getattr(getattr(scheme, "money", None), "rule", None)
    coef = rule.coefficient_by_grade if rule is not None else {}
    out = pd.DataFrame(
        {
            "staff_id": p["staff_id"].astype(object),
            "staff_name": p["staff_name"].astype(object),
            "branch_id": p["branch_id"].astype(object),
            "branch_name": p["branch_name"].astype(object),
            "grade": grade,
            "grade_label": grade.map(lambda g: t(f"grade_{g}", lang) if f"grade_{g}" in LABELS else g),
            "grade_coefficient": grade.map(lambda g: coef.get(g, 0.0) if g and coef else None),
            "bonus_yuan": p["bonus_yuan"].fillna(0.0).astype(float),
            "deduction_yuan": _money(p, "deduction_yuan"),
            "branch_cut_yuan": _money(p, "branch_cut_yuan"),
        }
    )
    return out.reset_index(drop=True)


def _money(p: pd.DataFrame, col: str) -> pd.Series:
    """A money column as float yuan (0 where the card has none: no such rule)."""
    if col not in p.columns:
        return pd.Series(0.0, index=p.index)
    return p[col].fillna(0.0).astype(float)


def write_payroll(tmp: str | Path, frame: pd.DataFrame) -> None:
    """Write the payroll frame as CSV (UTF-8 with BOM, money with two decimals) to ``tmp``."""
    out = frame.copy()
    for c in ("bonus_yuan", "deduction_yuan", "branch_cut_yuan"):
        out[c] = out[c].map(lambda v: f"{v:.2f}" if round(v, 2) == v else repr(v))  # never rounded
    out.to_csv(tmp, index=False, encoding="utf-8-sig")

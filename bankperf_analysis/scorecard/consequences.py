"""Every consequence count of a period, each with its unit: the one place that counts them.

The overview, the branch reports, the index page, ``bankperf scorecard`` (screen and
workbook) and the annual summary all show :func:`consequence_counts`, so a count has the
same value and the same unit wherever it appears. Nothing else counts consequences.

Definitions (source 003 for the branch checks, 000 for the bonus; ``docs/domain.md``):

=====================  ========  ==========================================================
count                  unit      definition (quarter)
=====================  ========  ==========================================================
``bonus_total``        yuan      sum of the staff bonuses, whole yuan
``staff_with_bonus``   staff     people paid a bonus (> 0 yuan)
``excellent_staff``    staff     people graded at the scheme's top grade ("excellent")
``deduction_total``    yuan      sum of the staff pay deductions by grade, whole yuan (apart
                                 from the bonus; ``money.deduction_by_grade``)
``vetoed_staff``       staff     people for whom a veto rule held (``scoring.veto``): they
                                 cannot be graded excellent
``rewards``            branches  branches rewarded by at least one check (top N and >= 90)
``pay_cuts``           branches  branches whose performance pay is cut by at least one check
                                 (below 85); a heavier cut is a pay cut too, and a branch cut
                                 by two checks counts once
``heavier_pay_cuts``   branches  of ``pay_cuts``: branches with a heavier cut (below 80) on at
                                 least one check
``rechecks``           branches  branches to re-check next period: below 85 on at least one
                                 check ("复查上期85分以下网点", 003), counted once per branch
=====================  ========  ==========================================================

Over a year each quarterly count is summed over the year's quarters, so its unit becomes
branch-quarters (网点次) or staff-quarters (人次): a branch cut in two quarters counts twice,
as its pay was cut twice. The bonus total is the year's sum of the quarterly bonuses. Two
counts exist only for a year: ``promotion_candidates`` (staff) and ``excellent_branches``
(branches), each person or branch once.

Which branches had which check result is in the branch tables; the counts never count
check results (a branch below 85 on both checks is *one* branch with a pay cut).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_period, param_error
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.periods import Period

if TYPE_CHECKING:
    from bankperf_analysis.scorecard.results import AnnualSummary, BranchScorecard, StaffScorecard

__all__ = [
    "Count",
    "ConsequenceCounts",
    "Unit",
    "branch_consequences",
    "consequence_counts",
    "quarter_consequences",
    "annual_consequences",
]

Unit = Literal["yuan", "staff", "branches", "staff_quarters", "branch_quarters"]


@dataclass(frozen=True, slots=True)
class Count:
    """One consequence count: its key, its value (None: not available) and its unit.

    Examples
    --------
    >>> c = Count("pay_cuts", 4, "branches")
    >>> c.label("en"), c.label("zh")
    ('Pay cuts: 4 branches', '扣罚绩效工资：4 个网点')
    >>> Count("rewards", 1, "branches").text("en"), Count("rewards", None, "branches").text("en")
    ('1 branch', 'not available')
    >>> Count("bonus_total", 98000, "yuan").label("zh")
    '奖金合计：98,000 元'
    """

    key: str
    value: int | None
    unit: Unit

    def name(self, lang: str = "en") -> str:
        """What is counted, in ``lang`` (``"Pay cuts"``)."""
        return t(f"count_{self.key}", lang)

    def unit_text(self, lang: str = "en") -> str:
        """The unit in ``lang``, singular in English for a value of 1."""
        one = self.value == 1 and check_lang(lang) == "en"
        return t(f"count_unit_{self.unit}" + ("_one" if one else ""), lang)

    def text(self, lang: str = "en") -> str:
        """The value with its unit (``"4 branches"``, ``"4 个网点"``), or "not available"."""
        if self.value is None:
            return t("not_available_short", lang)
        return f"{self.value:,} {self.unit_text(lang)}"

    def label(self, lang: str = "en") -> str:
        """Name, value and unit (``"Pay cuts: 4 branches"``, ``"扣罚绩效工资：4 个网点"``)."""
        sep = "：" if check_lang(lang) == "zh" else ": "
        return f"{self.name(lang)}{sep}{self.text(lang)}"

    def definition(self, lang: str = "en") -> str:
        """The exact definition of the count in ``lang`` (what one unit is)."""
        text = t(f"count_def_{self.key}", lang)
        if self.unit in ("staff_quarters", "branch_quarters"):
            text += t("count_def_year_sum", lang)
        return text


@dataclass(frozen=True, slots=True)
class ConsequenceCounts:
    """Every consequence count of a period (a quarter or a year), optionally of one branch.

    Unpack with :meth:`counts`; show with :meth:`rows`, :meth:`headline`, :meth:`to_frame`
    or :meth:`summary`. ``promotion_candidates`` and ``excellent_branches`` are None
    for a quarter.
    """

    period: str
    branch_id: str | None
    bonus_total: Count
    staff_with_bonus: Count
    excellent_staff: Count
    deduction_total: Count
    vetoed_staff: Count
    rewards: Count
    pay_cuts: Count
    heavier_pay_cuts: Count
    rechecks: Count
    promotion_candidates: Count | None = None
    excellent_branches: Count | None = None

    def counts(self) -> tuple[Count, ...]:
        """The counts of the period, in the order every output shows them."""
        out = (getattr(self, f.name) for f in fields(self) if f.name not in ("period", "branch_id"))
        return tuple(c for c in out if c is not None)

    def __iter__(self) -> Iterator[Count]:
        return iter(self.counts())

    def rows(self, lang: str = "en") -> list[tuple[str, str]]:
        """``(name, value with unit)`` per count, for a facts table."""
        return [(c.name(lang), c.text(lang)) for c in self.counts()]

    def headline(self, lang: str = "en") -> dict[str, str]:
        """``{"count_<key>": "4 branches"}`` for the index page (the unit travels with the value)."""
        return {f"count_{c.key}": c.text(lang) for c in self.counts()}

    def to_frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per count: ``count, label, value, unit, definition`` (``value`` None = n/a)."""
        return pd.DataFrame(
            {
                "count": [c.key for c in self.counts()],
                "label": [c.name(lang) for c in self.counts()],
                "value": pd.array([c.value for c in self.counts()], dtype="Int64"),
                "unit": [t(f"count_unit_{c.unit}", lang) for c in self.counts()],
                "definition": [c.definition(lang) for c in self.counts()],
            }
        )

    def summary(self, lang: str = "en") -> Summary:
        """The counts as labelled facts (what ``bankperf scorecard`` prints)."""
        where = f" {self.branch_id}" if self.branch_id else ""
        return Summary(f"{t('heading_consequences', lang)} {self.period}{where}", facts=self.rows(lang))


# ------------------------------------------------------------------ the counting


def branch_consequences(checks: pd.DataFrame) -> pd.DataFrame:
    """One row per (period, branch) with any check: which consequences the branch has.

    Columns ``period, branch_id, reward, pay_cut, heavier_pay_cut, recheck`` (bool):
    a consequence of at least one check. ``pay_cut`` includes the heavier cut. The
    branch-level ``pay_cut`` counted by :func:`consequence_counts`, and the annual
    summary's per-branch quarters, are sums of these flags.

    Examples
    --------
    >>> checks = pd.DataFrame({"period": "2026Q4", "branch_id": ["B1", "B1", "B2"],
    ...     "reward": False, "pay_cut": ["heavier_cut", "cut", "none"],
    ...     "recheck": [True, True, False]})
    >>> branch_consequences(checks).values.tolist()
    [['2026Q4', 'B1', False, True, True, True], ['2026Q4', 'B2', False, False, False, False]]
    """
    cols = ["period", "branch_id", "reward", "pay_cut", "heavier_pay_cut", "recheck"]
    if not len(checks):
        return pd.DataFrame({c: pd.Series(dtype=object if c in cols[:2] else bool) for c in cols})
    cut = checks["pay_cut"].astype(str)
    flags = pd.DataFrame(
        {
            "period": checks["period"].astype(str).to_numpy(),
            "branch_id": checks["branch_id"].astype(str).to_numpy(),
            "reward": _flag(checks["reward"]),
            "pay_cut": cut.ne("none").to_numpy(),
            "heavier_pay_cut": cut.eq("heavier_cut").to_numpy(),
            "recheck": _flag(checks["recheck"]),
        }
    )
    return flags.groupby(["period", "branch_id"], sort=True, as_index=False).any()[cols]


def _flag(s: pd.Series) -> np.ndarray:
    """A check flag as bool; a missing flag is refused, never read as False."""
    if s.isna().any():
        raise ParamsError(
            f"The {s.name!r} column of the checks frame has missing values; expected True or False."
        )
    return s.astype(bool).to_numpy()


def consequence_counts(
    period: str,
    people: pd.DataFrame,
    checks: pd.DataFrame | None,
    *,
    excellent_grade: str = "excellent",
    checks_available: bool = True,
    branch_id: str | None = None,
    annual_staff: pd.DataFrame | None = None,
    annual_branches: pd.DataFrame | None = None,
) -> ConsequenceCounts:
    """Count every consequence of a quarter or a year, each in its unit.

    Parameters
    ----------
    period : str
        ``"2026Q4"`` (counts in staff and branches) or ``"2026"`` (quarterly counts
        summed over the year: staff-quarters and branch-quarters).
    people : pandas.DataFrame
        Staff scorecard rows (``period, staff_id, branch_id, grade, bonus_yuan``), one
        per person per quarter; rows of other periods are not counted.
    checks : pandas.DataFrame or None
        Branch check results (``period, branch_id, reward, pay_cut, recheck``), one per
        branch per check per quarter; None: no branch scorecard (branch counts not
        available).
    excellent_grade : str
        The grade counted as excellent: the scheme's top grade.
    checks_available : bool
        False when the dataset has no data for any branch check: branch counts None, never 0.
    branch_id : str, optional
        Count one branch only (a branch report's headline).
    annual_staff, annual_branches : pandas.DataFrame, optional
        For a year: ``AnnualSummary.staff`` and ``.branches`` (promotions, excellent branches).

    Returns
    -------
    ConsequenceCounts

    Raises
    ------
    ParamsError
        A bonus that is not a whole number of yuan, or a missing check flag.

    Examples
    --------
    >>> people = pd.DataFrame({"period": "2026Q4", "staff_id": ["S1", "S2", "S3"],
    ...     "branch_id": "B1", "grade": ["excellent", "good", None],
    ...     "bonus_yuan": [2000.0, 0.0, 0.0]})
    >>> checks = pd.DataFrame({"period": "2026Q4", "branch_id": ["B1", "B1"],
    ...     "reward": False, "pay_cut": ["heavier_cut", "cut"], "recheck": True})
    >>> for c in consequence_counts("2026Q4", people, checks):
    ...     print(c.label("en"))
    Total bonus: 2,000 yuan
    Staff paid a bonus: 1 staff member
    Excellent staff: 1 staff member
    Total pay deductions: 0 yuan
    Staff vetoed: 0 staff
    Rewards: 0 branches
    Pay cuts: 1 branch
    Of which heavier pay cuts: 1 branch
    Re-checks next period: 1 branch
    """
    p, quarters = _quarters_of(period)
    is_year = p.kind == "year"
    staff_unit: Unit = "staff_quarters" if is_year else "staff"
    branch_unit: Unit = "branch_quarters" if is_year else "branches"
    available = checks is not None and checks_available
    s = _staff_counts(_rows_of(people, quarters, branch_id), excellent_grade)
    b = _branch_counts(checks if available else None, quarters, branch_id)
    counts = _period_counts(str(p), branch_id, s, b, staff_unit, branch_unit)
    return _with_annual(counts, annual_staff, annual_branches, branch_id, available) if is_year else counts


def _period_counts(
    period: str, branch_id: str | None, s: dict, b: dict, staff_unit: Unit, branch_unit: Unit
) -> ConsequenceCounts:
    """The counts of a period from the staff (``s``) and branch (``b``) tallies."""
    return ConsequenceCounts(
        period,
        None if branch_id is None else str(branch_id),
        Count("bonus_total", s["bonus_total"], "yuan"),
        Count("staff_with_bonus", s["with_bonus"], staff_unit),
        Count("excellent_staff", s["excellent"], staff_unit),
        Count("deduction_total", s["deduction_total"], "yuan"),
        Count("vetoed_staff", s["vetoed"], staff_unit),
        Count("rewards", b["reward"], branch_unit),
        Count("pay_cuts", b["pay_cut"], branch_unit),
        Count("heavier_pay_cuts", b["heavier_pay_cut"], branch_unit),
        Count("rechecks", b["recheck"], branch_unit),
    )


def _quarters_of(period: str) -> tuple[Period, list[str]]:
    """The period (a quarter or a year) and its quarters."""
    p = check_period(period, "period", "consequence_counts", kind=None)
    if p.kind not in ("quarter", "year"):
        expected = "a quarter like '2026Q4' or a year like '2026'"
        raise param_error("period", "consequence_counts", expected, period)
    return p, [f"{p}Q{i}" for i in range(1, 5)] if p.kind == "year" else [str(p)]


def _rows_of(frame: pd.DataFrame, quarters: list[str], branch_id: str | None) -> pd.DataFrame:
    """The rows of ``frame`` in ``quarters`` (and of ``branch_id`` if given)."""
    if not len(frame):
        return frame
    keep = frame["period"].astype(str).isin(quarters)
    if branch_id is not None:
        keep &= frame["branch_id"].astype(str) == str(branch_id)
    return frame.loc[keep]


def _branch_counts(checks: pd.DataFrame | None, quarters: list[str], branch_id: str | None) -> dict:
    """Branch(-quarter)s with each consequence; every value None when not available."""
    keys = ("reward", "pay_cut", "heavier_pay_cut", "recheck")
    if checks is None:
        return dict.fromkeys(keys)
    flags = _rows_of(branch_consequences(checks), quarters, branch_id)
    return {k: int(flags[k].sum()) for k in keys}


def _staff_counts(ppl: pd.DataFrame, excellent_grade: str) -> dict[str, int]:
    """Bonus and deduction totals (whole yuan), people-quarters paid a bonus, excellent, vetoed."""
    if not len(ppl):
        return {"bonus_total": 0, "with_bonus": 0, "excellent": 0, "deduction_total": 0, "vetoed": 0}
    bonus = _whole_yuan(ppl, "bonus_yuan", "bonus")
    keys = ppl["period"].astype(str) + "\x1f" + ppl["staff_id"].astype(str)
    # frames from before the pay rules (no such column) have no deductions and no veto
    deduction = _whole_yuan(ppl, "deduction_yuan", "pay deduction") if "deduction_yuan" in ppl else bonus * 0
    vetoed = ppl["veto"].fillna(False).to_numpy(bool) if "veto" in ppl else np.zeros(len(ppl), bool)
    return {
        "deduction_total": int(np.round(deduction.to_numpy()).astype(np.int64).sum()),
        "vetoed": int(keys[vetoed].nunique()),
        "bonus_total": int(np.round(bonus.to_numpy()).astype(np.int64).sum()),
        "with_bonus": int(keys[bonus.to_numpy() > 0].nunique()),
        "excellent": int(keys[(ppl["grade"] == excellent_grade).fillna(False).to_numpy(bool)].nunique()),
    }


def _whole_yuan(ppl: pd.DataFrame, col: str, what: str) -> pd.Series:
    """A money column as float whole yuan (missing = 0: no grade, no money); a fraction is refused."""
    money = pd.to_numeric(ppl[col], errors="raise").astype(float).fillna(0.0)
    frac = money.to_numpy() != np.round(money.to_numpy())
    if frac.any():
        row = ppl.loc[frac].iloc[0]
        raise ParamsError(
            f"The {what} of every person must be a whole number of yuan for the consequence counts. "
            f"Got {float(row[col])!r} yuan for staff {row['staff_id']!r} in {row['period']} instead."
        )
    return money


def _with_annual(
    counts: ConsequenceCounts,
    staff: pd.DataFrame | None,
    branches: pd.DataFrame | None,
    branch_id: str | None,
    checks_available: bool,
) -> ConsequenceCounts:
    """Add the year's promotion candidates (staff) and excellent branches (branches)."""
    n_promo: int | None = None
    if staff is not None:
        s = staff if branch_id is None else staff.loc[staff["branch_id"].astype(str) == str(branch_id)]
        n_promo = int(s["promotion_candidate"].astype(bool).sum()) if len(s) else 0
    n_exc: int | None = None
    if branches is not None and checks_available:
        b = (
            branches
            if branch_id is None
            else branches.loc[branches["branch_id"].astype(str) == str(branch_id)]
        )
        n_exc = int(b["excellent_branch"].astype(bool).sum()) if len(b) else 0
    return dataclasses.replace(
        counts,
        promotion_candidates=Count("promotion_candidates", n_promo, "staff"),
        excellent_branches=Count("excellent_branches", n_exc, "branches"),
    )


# ------------------------------------------------------------------ from result objects


def quarter_consequences(
    staff_card: StaffScorecard, branch_card: BranchScorecard | None = None, *, branch_id: str | None = None
) -> ConsequenceCounts:
    """The consequence counts of a quarter's scorecards (what ``bankperf scorecard`` shows).

    Without ``branch_card`` the branch counts are not available (None).
    """
    return consequence_counts(
        staff_card.quarter,
        staff_card.people,
        None if branch_card is None else branch_card.checks,
        excellent_grade=staff_card.grade_names[0] if staff_card.grade_names else "excellent",
        checks_available=True if branch_card is None else branch_card.checks_available,
        branch_id=branch_id,
    )


def annual_consequences(summary: AnnualSummary, *, branch_id: str | None = None) -> ConsequenceCounts:
    """The consequence counts of a year (what the annual summary shows)."""
    return consequence_counts(
        summary.year,
        summary.staff_quarterly,
        summary.branch_checks,
        excellent_grade=summary.excellent_grade,
        checks_available=summary.checks_available,
        branch_id=branch_id,
        annual_staff=summary.staff,
        annual_branches=summary.branches,
    )

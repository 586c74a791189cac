"""Scorecards: KPI values against the scheme's targets -> scores, grades, bonus, cuts.

Three entry points, all vectorised over staff and branches:

- :func:`score_staff` — per person per quarter: each KPI's score, status and
  (re-)weight, the composite score, grade, bonus and training needs.
- :func:`score_branches` — per branch per quarter: branch KPIs against branch
  targets, mystery-shopper and video-check results with rank, reward, pay cut,
  heavier pay cut and re-check flags and the reason in words.
- :func:`annual_summary` — the four quarters of a year: quarterly grades, annual
  composite and grade, total bonus, promotion candidates, excellent branches.

Scoring rules (all numbers come from the :class:`~bankperf_analysis.scheme.model.Scheme`):

- **KPI score.** ``linear``: ``100 * (value - floor) / (target - floor)`` clipped to
  [0, 100] (the same formula serves lower-is-better KPIs, whose floor lies above the
  target); ``pass_fail``: 100 if the target is met, else 0. A value that meets its
  target (``>=`` target, or ``<=`` for lower-is-better) scores exactly 100, status
  ``"met"``; otherwise ``"below target"``.
- **Minimum sample.** A value on fewer than ``min_n`` observations is reported with
  status ``"insufficient data"`` and not scored; a missing value is ``"no data"``.
  The composite re-weights over the scored KPIs (``effective_weight = weight / sum
  of scored weights``); ``reweighted`` says so and ``excluded_kpis`` lists them.
  If less than ``scoring.min_scorable_weight_share`` of the weight is scored, the
  person gets no composite, no grade and no bonus ("insufficient data to grade").
- **Grade.** The composite (rounded to ``scoring.composite_decimals``) falls in one
  ``[low, high)`` band: exactly 90 is excellent, 89.999 is good.
- **Band edges.** Comparisons with targets and check thresholds allow a tolerance
  of 1e-9 (relative to the threshold's size) so that floating-point noise from the
  KPI computation (0.8999999999999999 for 0.9) cannot decide a grade or a pay cut.

Examples
--------
>>> import pandas as pd
>>> from bankperf_analysis.scheme import load_scheme
>>> scheme = load_scheme()
>>> kpis = pd.DataFrame({
...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
...     "role": "customer_service_rep", "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["satisfaction_rate", "response_time_seconds", "service_level",
...             "resolution_rate", "complaint_closed_on_time_rate", "cross_sales_per_month"],
...     "value": [0.90, 180.0, 0.95, 0.95, 1.0, 5.0],
...     "numerator": float("nan"), "denominator": float("nan"), "n": 100})
>>> card = score_staff(kpis, scheme, "2026Q3")
>>> card.people[["staff_id", "composite_score", "grade", "bonus_yuan"]]
  staff_id  composite_score      grade  bonus_yuan
0       S1            100.0  excellent      2000.0
"""

from __future__ import annotations

import html
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankperf_analysis.exceptions import (
    BankPerfWarning,
    DataValidationError,
    ParamsError,
    ValidationIssue,
)
from bankperf_analysis.periods import Period
from bankperf_analysis.scheme import KNOWN_KPIS, BranchCheck, Scheme

__all__ = [
    "STATUS_MET",
    "STATUS_BELOW",
    "STATUS_INSUFFICIENT",
    "STATUS_NO_DATA",
    "ScorecardSummary",
    "StaffScorecard",
    "BranchScorecard",
    "AnnualSummary",
    "score_staff",
    "score_branches",
    "annual_summary",
    "assign_grades",
    "score_kpi_values",
]

STATUS_MET = "met"
STATUS_BELOW = "below target"
STATUS_INSUFFICIENT = "insufficient data"
STATUS_NO_DATA = "no data"

#: Relative tolerance at band edges (targets, check thresholds).
_TOL = 1e-9

_CHECK_COLUMNS = {
    "period": object,
    "branch_id": object,
    "branch_name": object,
    "region": object,
    "check": object,
    "kpi": object,
    "score": float,
    "n": "Int64",
    "rank": "Int64",
    "n_ranked": "int64",
    "reward": bool,
    "pay_cut": object,
    "pay_cut_share": float,
    "recheck": bool,
    "reason": object,
}

_KPI_COLUMNS = (
    "level",
    "entity_id",
    "branch_id",
    "region",
    "role",
    "period_type",
    "period",
    "kpi",
    "value",
    "n",
)


# ----------------------------------------------------------------- summary


class ScorecardSummary:
    """Printable summary of a scorecard: a title, key figures and small tables.

    ``str()`` / :meth:`as_text` give plain text; :meth:`as_html` and
    ``_repr_html_`` render in a notebook (the last expression of a cell).
    """

    def __init__(
        self, title: str, facts: Sequence[tuple[str, str]], tables: Sequence[tuple[str, pd.DataFrame]] = ()
    ):
        self.title = title
        self.facts = list(facts)
        self.tables = list(tables)

    def as_text(self) -> str:
        """Plain-text rendering."""
        lines = [self.title, "=" * len(self.title)]
        width = max((len(k) for k, _ in self.facts), default=0)
        lines += [f"{k:<{width}}  {v}" for k, v in self.facts]
        for heading, frame in self.tables:
            lines += ["", heading, "-" * len(heading)]
            lines.append(frame.to_string(index=False) if len(frame) else "(none)")
        return "\n".join(lines)

    def as_html(self) -> str:
        """HTML rendering (escaped)."""
        parts = [f"<h3>{html.escape(self.title)}</h3>", "<table>"]
        parts += [
            f"<tr><th style='text-align:left'>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
            for k, v in self.facts
        ]
        parts.append("</table>")
        for heading, frame in self.tables:
            parts.append(f"<h4>{html.escape(heading)}</h4>")
            parts.append(frame.to_html(index=False, na_rep="") if len(frame) else "<p>(none)</p>")
        return "\n".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def _yuan(x: float) -> str:
    return f"{x:,.0f} yuan"


# ----------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class StaffScorecard:
    """Staff scorecard of one quarter.

    Attributes
    ----------
    quarter : str
        The quarter scored (``"2026Q3"``).
    people : pandas.DataFrame
        One row per person: ``period, staff_id, staff_name, branch_id,
        branch_name, region, role, n_kpis, n_kpis_scored, n_kpis_met,
        scored_weight_share, reweighted, composite_score, gradable, grade,
        bonus_yuan, excluded_kpis, training_needs, note``. Staff whose role is not
        scored individually appear with ``gradable`` False and a note.
    kpis : pandas.DataFrame
        One row per person per KPI of the role: ``value, n, min_n, target, floor,
        direction, rule, status, score, weight, effective_weight, contribution,
        reweighted, zero_filled``. ``score`` is NaN and ``effective_weight`` 0 when
        not scored. ``zero_filled`` marks event counts (complaints, new customers,
        risk incidents) that had no row although the person had other KPI rows in
        the quarter: the KPI frame only has rows for events, so they count as 0.
    training : pandas.DataFrame
        KPIs below target, one row per person per KPI, weakest first
        (``priority`` 1 = lowest score; ties: larger weight first), with
        ``topic_en`` and ``topic_zh``.
    params_hash : str
        :meth:`Scheme.params_hash` of the scheme used.
    scheme_name : str
        Name of the scheme.
    grade_names : tuple of str
        The scheme's grades, highest first.
    """

    quarter: str
    people: pd.DataFrame
    kpis: pd.DataFrame
    training: pd.DataFrame
    params_hash: str
    scheme_name: str
    grade_names: tuple[str, ...]

    @property
    def total_bonus_yuan(self) -> float:
        """Sum of the bonuses of the quarter."""
        return float(self.people["bonus_yuan"].sum())

    @property
    def n_staff(self) -> int:
        """Number of people on the scorecard."""
        return len(self.people)

    @property
    def n_graded(self) -> int:
        """Number of people with a grade."""
        return int(self.people["gradable"].sum())

    @property
    def n_reweighted(self) -> int:
        """Number of people whose composite was re-weighted (some KPI not scored)."""
        return int(self.people["reweighted"].sum())

    def grade_counts(self) -> pd.Series:
        """Count the people per grade (all grades of the scheme, highest first)."""
        counts = self.people["grade"].value_counts()
        return counts.reindex(list(self.grade_names), fill_value=0).rename("n_staff")

    def to_frame(self) -> pd.DataFrame:
        """One row per person (a copy of :attr:`people`)."""
        return self.people.copy()

    def summary(self) -> ScorecardSummary:
        """Key figures, grade counts and the most common training topics."""
        p = self.people
        not_gradable = int((~p["gradable"] & p["n_kpis"].gt(0)).sum())
        facts = [
            ("Quarter", self.quarter),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
            ("Staff", f"{self.n_staff}"),
            ("Graded", f"{self.n_graded}"),
            ("Insufficient data to grade", f"{not_gradable}"),
            ("Not scored (role not scored individually)", f"{int(p['n_kpis'].eq(0).sum())}"),
            ("Re-weighted (some KPI not scored)", f"{self.n_reweighted}"),
            ("Total bonus", _yuan(self.total_bonus_yuan)),
        ]
        gc = (
            p.loc[p["gradable"]]
            .groupby("grade", sort=False)
            .agg(n_staff=("staff_id", "size"), bonus_yuan=("bonus_yuan", "sum"))
        )
        gc = gc.reindex([g for g in self.grade_names if g in gc.index]).reset_index()
        topics = (
            self.training.groupby(["topic_en", "topic_zh"], sort=False)["staff_id"]
            .nunique()
            .rename("n_staff")
            .sort_values(ascending=False, kind="stable")
            .head(10)
            .reset_index()
        )
        return ScorecardSummary(
            f"Staff scorecard {self.quarter}",
            facts,
            [("Grades", gc), ("Most common training needs", topics)],
        )


@dataclass(frozen=True, slots=True)
class BranchScorecard:
    """Branch scorecard of one quarter.

    Attributes
    ----------
    quarter : str
        The quarter scored.
    branches : pandas.DataFrame
        One row per branch: ``period, branch_id, branch_name, region,
        composite_score, n_kpis_met, n_kpis_below_target``, then per check
        (``mystery_shopper``, ``video_check``...) ``<check>_score, <check>_n,
        <check>_rank, <check>_reward, <check>_pay_cut, <check>_pay_cut_share,
        <check>_recheck``, then ``reward, pay_cut_share_total, recheck, reason``.
        ``pay_cut_share_total`` adds the cuts of all checks (each check is a
        separate penalty).
    kpis : pandas.DataFrame
        One row per branch per branch KPI (as :attr:`StaffScorecard.kpis`).
    checks : pandas.DataFrame
        One row per branch per check: ``score, n, rank, n_ranked, reward,
        pay_cut ("none" | "cut" | "heavier_cut"), pay_cut_share, recheck, reason``.
    params_hash, scheme_name : str
        Provenance of the scheme.
    """

    quarter: str
    branches: pd.DataFrame
    kpis: pd.DataFrame
    checks: pd.DataFrame
    params_hash: str
    scheme_name: str

    @property
    def n_branches(self) -> int:
        """Number of branches."""
        return len(self.branches)

    @property
    def n_rewards(self) -> int:
        """Number of check rewards."""
        return int(self.checks["reward"].sum())

    @property
    def n_pay_cuts(self) -> int:
        """Number of check results with a pay cut (normal or heavier)."""
        return int(self.checks["pay_cut"].ne("none").sum())

    @property
    def n_heavier_pay_cuts(self) -> int:
        """Number of check results with a heavier pay cut."""
        return int(self.checks["pay_cut"].eq("heavier_cut").sum())

    @property
    def n_rechecks(self) -> int:
        """Number of branches to re-check next period (any check)."""
        return int(self.branches["recheck"].sum())

    @property
    def n_branches_with_pay_cut(self) -> int:
        """Number of branches with at least one pay cut."""
        return int(self.branches["pay_cut_share_total"].gt(0).sum())

    def to_frame(self) -> pd.DataFrame:
        """One row per branch (a copy of :attr:`branches`)."""
        return self.branches.copy()

    def summary(self) -> ScorecardSummary:
        """Key figures and the branches with a reward, pay cut or re-check."""
        b = self.branches
        facts = [
            ("Quarter", self.quarter),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
            ("Branches", f"{self.n_branches}"),
            ("Rewards", f"{self.n_rewards}"),
            ("Pay cuts (of which heavier)", f"{self.n_pay_cuts} ({self.n_heavier_pay_cuts})"),
            ("Branches with a pay cut", f"{self.n_branches_with_pay_cut}"),
            ("Re-checks next period", f"{self.n_rechecks}"),
        ]
        flagged = b.loc[
            b["reward"] | b["recheck"] | b["pay_cut_share_total"].gt(0),
            ["branch_id", "branch_name", "reason"],
        ]
        return ScorecardSummary(
            f"Branch scorecard {self.quarter}", facts, [("Branches with a consequence", flagged.head(30))]
        )


@dataclass(frozen=True, slots=True)
class AnnualSummary:
    """Annual summary of a year.

    Attributes
    ----------
    year : str
        The year (``"2026"``).
    staff : pandas.DataFrame
        One row per person: ``staff_id, staff_name, branch_id, branch_name, region,
        role`` (as of the last quarter), ``q1_grade..q4_grade``,
        ``q1_composite..q4_composite``, ``n_graded_quarters``,
        ``n_excellent_quarters`` (quarters at the promotion grade),
        ``annual_composite`` (mean of the quarterly composites that exist),
        ``annual_grade``, ``total_bonus_yuan``, ``promotion_candidate``.
    staff_quarterly : pandas.DataFrame
        The quarterly ``people`` frames stacked (one row per person per quarter).
    branches : pandas.DataFrame
        One row per branch: per check with an excellent-branch rule
        ``<check>_annual_mean, <check>_annual_n, <check>_annual_rank``; quarterly
        counts ``n_rewards, n_pay_cuts, n_rechecks``; ``excellent_branch``.
    branch_checks : pandas.DataFrame
        The quarterly ``checks`` frames stacked.
    params_hash, scheme_name : str
        Provenance of the scheme.
    """

    year: str
    staff: pd.DataFrame
    staff_quarterly: pd.DataFrame
    branches: pd.DataFrame
    branch_checks: pd.DataFrame
    params_hash: str
    scheme_name: str

    @property
    def total_bonus_yuan(self) -> float:
        """Sum of all quarterly bonuses of the year."""
        return float(self.staff["total_bonus_yuan"].sum())

    @property
    def n_promotion_candidates(self) -> int:
        """Number of promotion candidates."""
        return int(self.staff["promotion_candidate"].sum())

    @property
    def n_excellent_branches(self) -> int:
        """Number of excellent branches."""
        return int(self.branches["excellent_branch"].sum()) if len(self.branches) else 0

    @property
    def n_pay_cuts(self) -> int:
        """Number of quarterly check results with a pay cut."""
        bc = self.branch_checks
        return int(bc["pay_cut"].ne("none").sum()) if len(bc) else 0

    def to_frame(self) -> pd.DataFrame:
        """One row per person (a copy of :attr:`staff`)."""
        return self.staff.copy()

    def summary(self) -> ScorecardSummary:
        """Key figures, promotion candidates and excellent branches."""
        s = self.staff
        facts = [
            ("Year", self.year),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
            ("Staff", f"{len(s)}"),
            ("Total bonus", _yuan(self.total_bonus_yuan)),
            ("Promotion candidates", f"{self.n_promotion_candidates}"),
            ("Excellent branches", f"{self.n_excellent_branches}"),
            ("Quarterly pay cuts", f"{self.n_pay_cuts}"),
        ]
        cand = s.loc[
            s["promotion_candidate"],
            ["staff_id", "staff_name", "branch_id", "role", "n_excellent_quarters", "annual_composite"],
        ]
        b = self.branches
        exc = b.loc[b["excellent_branch"]] if len(b) else b
        return ScorecardSummary(
            f"Annual summary {self.year}",
            facts,
            [("Promotion candidates", cand.head(30)), ("Excellent branches", exc.head(30))],
        )


# ---------------------------------------------------------------- scoring core


def assign_grades(composite, scheme: Scheme) -> np.ndarray:
    """Grade of each composite score by the scheme's ``[low, high)`` bands.

    Parameters
    ----------
    composite : array-like of float
        Composite scores; NaN gives None.
    scheme : Scheme
        Provides the bands.

    Returns
    -------
    numpy.ndarray of object
        Grade names (None where the composite is NaN).

    Examples
    --------
    >>> from bankperf_analysis.scheme import load_scheme
    >>> assign_grades([90.0, 89.999, 80.0, 60.0, 59.99, float("nan")], load_scheme()).tolist()
    ['excellent', 'good', 'good', 'pass', 'needs_improvement', None]
    """
    x = np.asarray(composite, dtype=float)
    bands = sorted(scheme.grades, key=lambda b: -np.inf if b.low is None else b.low)
    lows = np.array([-np.inf if b.low is None else b.low for b in bands])
    names = np.array([b.grade for b in bands], dtype=object)
    idx = np.searchsorted(lows, x, side="right") - 1
    out = names[np.clip(idx, 0, len(names) - 1)]
    return np.where(np.isnan(x) | (idx < 0), None, out)


def score_kpi_values(value, n, target, floor, direction, rule, min_n):
    """Score KPI values against their rules (vectorised).

    Parameters
    ----------
    value, n, target, floor : array-like of float
        KPI value, observations behind it, target and floor (NaN for pass_fail).
    direction : array-like of {"higher", "lower"}
    rule : array-like of {"linear", "pass_fail"}
    min_n : array-like of int

    Returns
    -------
    score : numpy.ndarray of float
        Score in [0, 100]; NaN when not scored (no data / insufficient data).
    status : numpy.ndarray of str
        ``"met"``, ``"below target"``, ``"insufficient data"`` or ``"no data"``.

    Examples
    --------
    >>> s, st = score_kpi_values([0.9, 0.8, 200.0, 0.95], [30, 30, 50, 29],
    ...                          [0.9, 0.9, 180.0, 0.9], [0.7, 0.7, 360.0, 0.7],
    ...                          ["higher", "higher", "lower", "higher"],
    ...                          ["linear"] * 4, [30, 30, 30, 30])
    >>> s.round(4).tolist(), st.tolist()
    ([100.0, 50.0, 88.8889, nan], ['met', 'below target', 'below target', 'insufficient data'])
    """
    v = np.asarray(value, dtype=float)
    nn = np.nan_to_num(np.asarray(n, dtype=float), nan=0.0)
    t = np.asarray(target, dtype=float)
    f = np.asarray(floor, dtype=float)
    higher = np.asarray(direction) == "higher"
    pass_fail = np.asarray(rule) == "pass_fail"
    tol = _TOL * np.maximum(1.0, np.abs(t))
    has = ~np.isnan(v)
    enough = nn >= np.asarray(min_n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        meets = np.where(higher, v >= t - tol, v <= t + tol)
        linear = np.clip((v - f) / (t - f), 0.0, 1.0) * 100.0
    score = np.where(meets, 100.0, np.where(pass_fail, 0.0, linear))
    scored = has & enough
    score = np.where(scored, score, np.nan)
    status = np.select(
        [~has, ~enough, meets],
        [STATUS_NO_DATA, STATUS_INSUFFICIENT, STATUS_MET],
        STATUS_BELOW,
    ).astype(object)
    return score, status


# The scorecards key every (entity, quarter) by its row in the roster (an integer "pid")
# and every KPI rule by its row in the rules frame. Joins, group sums and sorts then run on
# integer arrays. Written by hand because pandas merges keyed on strings were the slowest
# part of a quarter scorecard: on a 20,000-staff bank they took longer than all non-contact
# KPIs together (Arrow string take/factorize per merge; benchmarks/bench_kpis.py).


@dataclass(frozen=True, slots=True)
class _Grid:
    """The (entity x KPI rule) grid of one level: one row per entity per rule of its role.

    ``pid`` is the roster row, ``rid`` the rule row; rows run in roster order, then rule
    order. ``status`` and the numeric columns are numpy arrays of the grid's length.
    """

    pid: np.ndarray
    rid: np.ndarray
    value: np.ndarray
    n: np.ndarray
    zero_filled: np.ndarray
    score: np.ndarray
    status: np.ndarray
    effective_weight: np.ndarray
    contribution: np.ndarray
    reweighted: np.ndarray
    sums: pd.DataFrame  # per roster row: ``w`` (all weights), ``ws`` (scored weights)


def _join_text(codes: np.ndarray, texts: np.ndarray, sep: str, size: int) -> np.ndarray:
    """Join ``texts`` per integer code, in row order; codes without text give ""."""
    out = np.full(size, "", dtype=object)
    if len(codes):
        order = np.argsort(codes, kind="stable")
        c, t = codes[order], list(np.asarray(texts, dtype=object)[order])
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        ends = np.r_[starts[1:], len(c)]
        out[c[starts]] = [sep.join(t[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return out


def _join_by(frame: pd.DataFrame, keys: list[str], col: str, sep: str) -> pd.Series:
    """Join the strings of ``col`` per group of ``keys``, in row order."""
    if not len(frame):
        empty = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
        return pd.Series(dtype=object, index=empty)
    g = frame.groupby(keys, sort=False)
    codes = g.ngroup().to_numpy()
    ok = codes >= 0  # rows with a missing key belong to no group
    text = frame[col].astype(str).to_numpy(dtype=object)
    joined = _join_text(codes[ok], text[ok], sep, g.ngroups)
    return pd.Series(joined, index=g.size().index, dtype=object)


_ZERO_IF_ABSENT = frozenset(k for k, info in KNOWN_KPIS.items() if info.zero_if_absent)


def _check_kpis(kpis: pd.DataFrame, func: str) -> None:
    if not isinstance(kpis, pd.DataFrame):
        raise ParamsError(
            f"The 'kpis' parameter of {func} must be a pandas DataFrame (the KPI frame of "
            f"metrics.compute_kpis). Got {type(kpis).__name__} instead."
        )
    missing = [c for c in _KPI_COLUMNS if c not in kpis.columns]
    if missing:
        raise DataValidationError(
            ValidationIssue("kpis", "", None, c, "", "a column of the KPI frame") for c in missing
        )


def _quarter(quarter: object, func: str) -> str:
    try:
        p = Period.parse(str(quarter))
    except ParamsError:
        p = None
    if p is None or p.kind != "quarter":
        raise ParamsError(
            f"The 'quarter' parameter of {func} must be a quarter like '2026Q3'. Got {quarter!r} instead."
        )
    return str(p)


def _year(year: object, func: str) -> str:
    text = str(year).strip()
    if not (len(text) == 4 and text.isdigit()):
        raise ParamsError(
            f"The 'year' parameter of {func} must be a year like '2026' or 2026. Got {year!r} instead."
        )
    return text


#: Columns of a scored KPI row, after the entity columns (staff and branch scorecards).
_SCORED_KPI_COLUMNS: tuple[str, ...] = (
    "kpi", "value", "n", "min_n", "target", "floor", "direction", "rule", "status", "score",
    "weight", "effective_weight", "contribution", "reweighted", "zero_filled",
)

_TEXT = "str"  # pandas' default string dtype: every text column of a scorecard


def _text(values) -> pd.Series:
    return pd.Series(values).astype(_TEXT)


@dataclass(frozen=True, slots=True)
class _Rows:
    """KPI rows of one level and quarters, keyed to their roster (see :func:`_rows`).

    Only integer codes and the numbers are taken from the KPI frame: copying its Arrow
    string columns row by row would cost more than all of the scoring.
    """

    kpis: pd.DataFrame  # the whole KPI frame
    idx: np.ndarray  # positions of the rows in ``kpis``
    first: np.ndarray  # index into ``idx`` of the first row of each (entity, quarter) pair
    pair: np.ndarray  # each row's pair (index into ``first``)
    kpi_code: np.ndarray  # each row's KPI (index into ``kpi_names``)
    kpi_names: pd.Index
    entity_names: pd.Index
    period_names: pd.Index
    pair_keys: np.ndarray  # period code * n_entities + entity code, per pair
    value: np.ndarray
    n: np.ndarray

    def first_rows(self, columns: Sequence[str]) -> pd.DataFrame:
        """``columns`` of the first KPI row of every (entity, quarter) pair, as text."""
        take = self.idx[self.first]
        return pd.DataFrame({c: pd.Series(self.kpis[c].array.take(take)).astype(_TEXT) for c in columns})

    def frame(self, kpi: str) -> pd.DataFrame:
        """The rows of one KPI as a frame: ``entity_id, period, kpi, value, n``."""
        m = self.kpi_code == self.kpi_names.get_indexer([kpi])[0]
        take = self.idx[m]
        text = ("entity_id", "period", "kpi")
        return pd.DataFrame({
            **{c: pd.Series(self.kpis[c].array.take(take)).astype(_TEXT) for c in text},
            "value": self.value[m],
            "n": self.n[m],
        })


def _rows(kpis: pd.DataFrame, level: str, periods: Sequence[str]) -> _Rows:
    """The KPI rows of ``level`` in the quarters ``periods``, checked for duplicates."""
    m = (kpis["level"] == level) & (kpis["period_type"] == "quarter") & kpis["period"].isin(list(periods))
    idx = np.flatnonzero(m.to_numpy(dtype=bool, na_value=False))

    def codes(col: str) -> tuple[np.ndarray, pd.Index]:
        values = pd.Series(kpis[col].array.take(idx))
        if not pd.api.types.is_string_dtype(values.dtype):  # ids given as numbers: as text
            values = values.astype(_TEXT)
        c, names = pd.factorize(values, use_na_sentinel=False)
        return c.astype(np.int64), pd.Index(names)

    ent, ent_names = codes("entity_id")
    per, per_names = codes("period")
    kc, kpi_names = codes("kpi")
    key = per * max(len(ent_names), 1) + ent
    pair_keys, first, pair = np.unique(key, return_index=True, return_inverse=True)
    full = pair.astype(np.int64) * max(len(kpi_names), 1) + kc
    dup = pd.Series(full).duplicated(keep=False).to_numpy()
    if dup.any():
        d = kpis.take(idx[dup])
        raise DataValidationError(
            ValidationIssue(
                "kpis", "", int(i) + 1, "kpi", f"{e} {p} {k}",
                "one row per (level, entity_id, period_type, period, kpi)",
            )
            for i, e, p, k in zip(d.index, d["entity_id"], d["period"], d["kpi"], strict=True)
        )
    num = {c: pd.to_numeric(kpis[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[idx]
           for c in ("value", "n")}
    return _Rows(kpis, idx, first, pair.ravel(), kc, kpi_names, ent_names, per_names, pair_keys,
                 num["value"], num["n"])


def _known_pairs(rows: _Rows, periods: Sequence[str], ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """All (period, id) pairs of ``periods`` x ``ids``, and whether each has KPI rows."""
    per = np.repeat(np.asarray(list(periods), dtype=object), len(ids))
    idv = np.tile(ids.to_numpy(dtype=object), len(periods))
    pc = np.repeat(rows.period_names.get_indexer(list(periods)), len(ids))
    ec = np.tile(rows.entity_names.get_indexer(ids), len(periods))
    key = pc.astype(np.int64) * max(len(rows.entity_names), 1) + ec
    known = (pc >= 0) & (ec >= 0) & np.isin(key, rows.pair_keys)
    return np.column_stack([per, idv]), known


def _order_roster(pre: pd.DataFrame, by: list[str], n_pairs: int, rows: _Rows):
    """Sort the roster; return it and the roster row (pid) of every KPI row."""
    order = pre.sort_values(by, kind="stable").index.to_numpy()
    roster = pre.take(order).reset_index(drop=True)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    return roster, pos[:n_pairs][rows.pair]


def _build_grid(roles: np.ndarray, rules: pd.DataFrame, rows: _Rows, row_pid: np.ndarray) -> _Grid:
    """Grid of every roster row (with role ``roles[pid]``) x the rules of its role, scored."""
    rule_roles = pd.Index(pd.unique(rules["role"].to_numpy(dtype=object)))
    rcode = rule_roles.get_indexer(pd.Index(roles, dtype=object))
    rule_code = rule_roles.get_indexer(rules["role"].to_numpy(dtype=object))
    by_role = np.argsort(rule_code, kind="stable")
    counts = np.bincount(rule_code, minlength=len(rule_roles))
    starts = np.cumsum(counts) - counts
    has = np.flatnonzero(rcode >= 0)
    cnt = counts[rcode[has]]
    pid = np.repeat(has, cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    rid = by_role[np.repeat(starts[rcode[has]], cnt) + offs]

    # values: (pid, kpi) of the grid looked up among the KPI rows
    n_k = max(len(rows.kpi_names), 1)
    rule_k = rows.kpi_names.get_indexer(rules["kpi"].to_numpy(dtype=object))
    gk = rule_k[rid]
    pos = pd.Index(row_pid * n_k + rows.kpi_code).get_indexer(pid * n_k + gk)
    pos[gk < 0] = -1
    found = pos >= 0
    value = np.where(found, rows.value[pos], np.nan)
    n = np.where(found, rows.n[pos], np.nan)
    # Event counts without a row are zero for entities with other rows in the quarter.
    active = np.zeros(len(roles), dtype=bool)
    active[row_pid] = True
    zero_rule = rules["kpi"].isin(_ZERO_IF_ABSENT).to_numpy()
    zf = np.isnan(n) & zero_rule[rid] & active[pid]
    value[zf] = 0.0
    n[zf] = 0.0

    col = {c: rules[c].to_numpy() for c in ("target", "floor", "direction", "rule", "min_n", "weight")}
    score, status = score_kpi_values(
        value, n, col["target"][rid], col["floor"][rid], col["direction"][rid], col["rule"][rid],
        col["min_n"][rid],
    )
    scored = ~np.isnan(score)
    w = col["weight"].astype(float)[rid]
    # pandas group sums (compensated), so re-weighting matches a plain groupby to the last bit
    sums = pd.DataFrame({"w": w, "ws": np.where(scored, w, 0.0)}).groupby(pid).sum()
    sums = sums.reindex(range(len(roles)), fill_value=0.0)
    w_scored = sums["ws"].to_numpy()[pid]
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(scored & (w_scored > 0), w / w_scored, 0.0)
    contribution = np.where(scored, eff * np.nan_to_num(score), 0.0)
    n_rows = np.bincount(pid, minlength=len(roles))
    n_scored = np.bincount(pid, weights=scored, minlength=len(roles))
    return _Grid(pid, rid, value, n, zf, score, status, eff, contribution,
                 n_rows[pid] > n_scored[pid], sums)


def _aggregate(grid: _Grid, rules: pd.DataFrame, size: int, scheme: Scheme) -> pd.DataFrame:
    """Per roster row: KPI counts, scored weight share, composite, gradable, excluded KPIs."""
    pid, st = grid.pid, grid.status
    scored = ~np.isnan(grid.score)
    n_kpis = np.bincount(pid, minlength=size)
    n_scored = np.bincount(pid, weights=scored, minlength=size).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = grid.sums["ws"].to_numpy() / grid.sums["w"].to_numpy()
    gradable = (n_scored > 0) & (share >= scheme.scoring.min_scorable_weight_share - _TOL)
    c = pd.Series(grid.contribution).groupby(pid).sum().reindex(range(size), fill_value=0.0)
    composite = np.round(c.to_numpy(), scheme.scoring.composite_decimals)
    # excluded KPIs, in words
    ex = ~scored
    kpi = rules["kpi"].to_numpy(dtype=object)[grid.rid[ex]]
    n_txt = np.nan_to_num(grid.n[ex]).astype(np.int64).astype(str).astype(object)
    min_n = rules["min_n"].to_numpy().astype(str).astype(object)[grid.rid[ex]]
    why = np.where(st[ex] == STATUS_INSUFFICIENT, "insufficient data: n=" + n_txt + " < " + min_n, st[ex])
    return pd.DataFrame({
        "n_kpis": n_kpis.astype(np.int64),
        "n_kpis_scored": n_scored,
        "n_kpis_met": np.bincount(pid, weights=st == STATUS_MET, minlength=size).astype(np.int64),
        "n_kpis_below_target": np.bincount(pid, weights=st == STATUS_BELOW, minlength=size).astype(np.int64),
        "scored_weight_share": share,
        "reweighted": n_scored < n_kpis,
        "composite_score": np.where(gradable, composite, np.nan),
        "gradable": gradable,
        "excluded_kpis": _text(_join_text(pid[ex], kpi + " (" + why + ")", "; ", size)),
    })


def _kpi_rows(roster: pd.DataFrame, entity_cols: list[str], grid: _Grid, rules: pd.DataFrame):
    """The scored KPI rows: entity columns, then :data:`_SCORED_KPI_COLUMNS`."""
    ent = roster[entity_cols].take(grid.pid).reset_index(drop=True)
    rid = grid.rid
    out = {
        "kpi": rules["kpi"].astype(_TEXT).array.take(rid),
        "value": grid.value,
        "n": pd.array(grid.n, dtype="Int64") if len(rid) else pd.array([], dtype="Int64"),
        "min_n": rules["min_n"].to_numpy(np.int64)[rid],
        "target": rules["target"].to_numpy(float)[rid],
        "floor": rules["floor"].to_numpy(float)[rid],
        "direction": rules["direction"].astype(_TEXT).array.take(rid),
        "rule": rules["rule"].astype(_TEXT).array.take(rid),
        "status": _text(grid.status).array,
        "score": grid.score,
        "weight": rules["weight"].to_numpy(float)[rid],
        "effective_weight": grid.effective_weight,
        "contribution": grid.contribution,
        "reweighted": grid.reweighted,
        "zero_filled": grid.zero_filled,
    }
    return pd.concat([ent, pd.DataFrame(out)], axis=1)


def _region_map(kpis: pd.DataFrame, branches: pd.DataFrame | None) -> pd.Series:
    rows = (
        kpis.loc[kpis["level"].isin(["staff", "branch"]) & kpis["branch_id"].notna(), ["branch_id", "region"]]
        .dropna()
        .drop_duplicates("branch_id")
    )
    m = pd.Series(rows["region"].to_numpy(), index=rows["branch_id"].astype(str).to_numpy())
    if branches is not None and {"branch_id", "region"} <= set(branches.columns):
        bm = pd.Series(branches["region"].to_numpy(), index=branches["branch_id"].astype(str).to_numpy())
        m = bm.combine_first(m)
    return m[~m.index.duplicated()]


def _regions(branch_ids: pd.Series, pre: pd.DataFrame, kpis: pd.DataFrame, branches) -> pd.Series:
    """Region of each branch id: the branches table, else the roster's KPI rows, else any KPI row."""
    out = pd.Series(pd.NA, index=branch_ids.index, dtype=_TEXT)
    if branches is not None and {"branch_id", "region"} <= set(branches.columns):
        out = out.fillna(branch_ids.map(_first_map(branches["branch_id"], branches["region"])))
    if out.isna().any():
        out = out.fillna(branch_ids.map(_first_map(pre["branch_id"], pre["region"])))
    if out.isna().any():
        out = out.fillna(branch_ids.map(_region_map(kpis, None)))
    return out.astype(_TEXT)


def _first_map(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Map each key to the first non-missing value it has."""
    ok = keys.notna().to_numpy() & values.notna().to_numpy()
    m = pd.Series(values.to_numpy()[ok], index=keys.astype(str).to_numpy()[ok])
    return m[~m.index.duplicated()]


def _branch_names(branches: pd.DataFrame | None) -> pd.Series:
    if branches is None or "branch_name" not in branches.columns:
        return pd.Series(dtype=object)
    s = pd.Series(branches["branch_name"].to_numpy(), index=branches["branch_id"].astype(str).to_numpy())
    return s[~s.index.duplicated()]


_STAFF_COLS = ["period", "staff_id", "staff_name", "branch_id", "branch_name", "region", "role"]


def _staff_roster(kpis, rows: _Rows, periods: Sequence[str], staff, branches):
    """One row per (quarter, person): from the KPI rows, plus the staff table's people."""
    pre = rows.first_rows(["period", "entity_id", "branch_id", "region", "role"]).rename(
        columns={"entity_id": "staff_id"})
    names = pd.Series(dtype=object)
    if staff is not None:
        need = {"staff_id", "branch_id", "role"}
        if not need <= set(staff.columns):
            raise DataValidationError(
                ValidationIssue("staff", "", None, c, "", "a column of the staff table")
                for c in sorted(need - set(staff.columns))
            )
        st = staff.assign(
            staff_id=staff["staff_id"].astype(_TEXT), branch_id=staff["branch_id"].astype(_TEXT)
        )
        st = st.drop_duplicates("staff_id").reset_index(drop=True)
        if "staff_name" in st.columns:
            names = pd.Series(st["staff_name"].to_numpy(), index=st["staff_id"].to_numpy())
        if pre["role"].isna().any():
            role_of = pd.Series(st["role"].to_numpy(), index=st["staff_id"].to_numpy())
            pre["role"] = pre["role"].fillna(pre["staff_id"].map(role_of)).astype(_TEXT)
        pairs, known = _known_pairs(rows, periods, pd.Index(st["staff_id"]))
        if (~known).any():
            idx = np.tile(np.arange(len(st)), len(periods))[~known]
            extra = pd.DataFrame({
                "period": pairs[~known, 0],
                "staff_id": st["staff_id"].to_numpy()[idx],
                "branch_id": st["branch_id"].to_numpy()[idx],
                "role": st["role"].to_numpy()[idx],
            })
            extra["region"] = _regions(extra["branch_id"], pre, kpis, branches)
            pre = pd.concat([pre, extra[pre.columns].astype(_TEXT)], ignore_index=True)
    roster, row_pid = _order_roster(pre, ["period", "branch_id", "staff_id"], len(rows.first), rows)
    roster["staff_name"] = _text(roster["staff_id"].map(names)) if len(names) else _text(
        [None] * len(roster))
    roster["branch_name"] = _text(roster["branch_id"].map(_branch_names(branches)))
    return roster[_STAFF_COLS], row_pid


def _staff_quarters(kpis, scheme: Scheme, periods: Sequence[str], staff, branches):
    """Score staff over one or more quarters; return (people, kpi rows, training)."""
    rows = _rows(kpis, "staff", periods)
    roster, row_pid = _staff_roster(kpis, rows, periods, staff, branches)

    unknown = sorted(set(roster["role"].dropna().unique()) - {r.name for r in scheme.roles})
    if unknown:
        warnings.warn(
            f"Staff with role(s) {', '.join(unknown)} have no entry under 'roles' in "
            f"{scheme.source}; they are listed but not scored.",
            BankPerfWarning,
            stacklevel=3,
        )

    rules = scheme.rules_frame()
    rules = rules.loc[rules["scored"] & (rules["role"] != "__branch__")].reset_index(drop=True)
    grid = _build_grid(roster["role"].to_numpy(dtype=object), rules, rows, row_pid)
    agg = _aggregate(grid, rules, len(roster), scheme)
    people = pd.concat([roster, agg], axis=1)
    people["grade"] = _text(assign_grades(people["composite_score"], scheme))
    bonus = {g: scheme.money.bonus(g) for g in scheme.grade_names}
    people["bonus_yuan"] = people["grade"].map(bonus).fillna(0.0).astype(float)

    # training needs: KPIs below target, weakest first (lowest score, then larger weight)
    below = np.flatnonzero(grid.status == STATUS_BELOW)
    ps_rank = np.empty(len(roster), dtype=np.int64)
    ps_rank[roster.sort_values(["period", "staff_id"], kind="stable").index.to_numpy()] = np.arange(
        len(roster))
    rid, pid = grid.rid[below], grid.pid[below]
    weight = rules["weight"].to_numpy(float)[rid]
    sel = below[np.lexsort((rules["order"].to_numpy()[rid], -weight, grid.score[below], ps_rank[pid]))]
    rid, pid = grid.rid[sel], grid.pid[sel]
    topics = [scheme.training_topic(k) for k in rules["kpi"]]
    topic_en = np.array([t.en for t in topics], dtype=object)
    topic_zh = np.array([t.zh for t in topics], dtype=object)
    training = pd.concat([
        roster[_STAFF_COLS].take(pid).reset_index(drop=True),
        pd.DataFrame({
            "priority": pd.Series(pid).groupby(pid, sort=False).cumcount().to_numpy(np.int64) + 1,
            "kpi": rules["kpi"].astype(_TEXT).array.take(rid),
            "value": grid.value[sel],
            "target": rules["target"].to_numpy(float)[rid],
            "score": grid.score[sel],
            "weight": rules["weight"].to_numpy(float)[rid],
            "topic_en": _text(topic_en[rid]).array,
            "topic_zh": _text(topic_zh[rid]).array,
        }),
    ], axis=1)
    # the needs in words: each topic once, in priority order
    first_topic = ~pd.DataFrame({"p": pid, "t": topic_en[rid]}).duplicated().to_numpy()
    people["training_needs"] = _text(
        _join_text(pid[first_topic], topic_en[rid][first_topic], "; ", len(roster)))
    people["note"] = _staff_notes(people, scheme)
    people = people[
        [
            *_STAFF_COLS,
            "n_kpis",
            "n_kpis_scored",
            "n_kpis_met",
            "n_kpis_below_target",
            "scored_weight_share",
            "reweighted",
            "composite_score",
            "gradable",
            "grade",
            "bonus_yuan",
            "excluded_kpis",
            "training_needs",
            "note",
        ]
    ]
    return people, _kpi_rows(roster, _STAFF_COLS, grid, rules), training


def _staff_notes(people: pd.DataFrame, scheme: Scheme) -> pd.Series:
    """Why a person is not scored, not graded or re-weighted, in words (first reason wins)."""
    role = people["role"].astype(_TEXT).fillna("nan").astype(object).to_numpy()
    share = people["scored_weight_share"].to_numpy(float)

    def share_pct(m: np.ndarray) -> np.ndarray:
        x = share[m] * 100
        return np.where(np.isnan(x), "<NA>", np.char.mod("%.0f", np.nan_to_num(x))).astype(object)

    min_share = f"{scheme.scoring.min_scorable_weight_share * 100:g} %"
    excluded = people["excluded_kpis"].astype(object).to_numpy()
    n_sc = people["n_kpis_scored"].to_numpy()
    n_k = people["n_kpis"].to_numpy()
    in_scheme = np.isin(role, [r.name for r in scheme.roles])
    scored_role = np.isin(role, list(scheme.scored_roles))
    rules = [
        (~in_scheme, lambda m: "Not scored: role '" + role[m] + "' has no entry in the scheme."),
        (~scored_role, lambda m: "Not scored: role '" + role[m] + "' is not scored individually."),
        (n_sc == 0, lambda m: "Insufficient data to grade: no KPI could be scored; not scored: "
         + excluded[m] + "."),
        (~people["gradable"].to_numpy(), lambda m: "Insufficient data to grade: " + share_pct(m)
         + " % of the weight scorable (minimum " + min_share + "); not scored: " + excluded[m] + "."),
        (people["reweighted"].to_numpy(), lambda m: "Re-weighted over " + n_sc[m].astype(str).astype(object)
         + " of " + n_k[m].astype(str).astype(object) + " KPIs (" + share_pct(m)
         + " % of the weight scorable); not scored: " + excluded[m] + "."),
    ]
    note = np.full(len(people), "", dtype=object)
    left = np.ones(len(people), dtype=bool)
    for cond, text in rules:
        m = left & cond
        if m.any():
            note[m] = text(m)
        left &= ~m
    return _text(note)


def _fmt(x: np.ndarray, spec: str) -> pd.Series:
    """Format floats with a printf spec, vectorised; NaN gives ""."""
    x = np.asarray(x, dtype=float)
    out = np.char.mod(spec, np.nan_to_num(x)).astype(object)
    out[np.isnan(x)] = ""
    return pd.Series(out)


def _check_results(roster: pd.DataFrame, sub: pd.DataFrame, check: BranchCheck) -> pd.DataFrame:
    """Apply one branch check's rules to every branch of the roster (vectorised)."""
    vals = sub.loc[sub["kpi"] == check.kpi, ["entity_id", "period", "value", "n"]].rename(
        columns={"entity_id": "branch_id", "value": "score"}
    )
    r = roster[["period", "branch_id", "branch_name", "region"]].merge(
        vals, on=["branch_id", "period"], how="left"
    )
    if not len(r):
        return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _CHECK_COLUMNS.items()})
    score = r["score"].to_numpy(float)
    n = np.nan_to_num(r["n"].to_numpy(float), nan=0.0)
    eligible = ~np.isnan(score) & (n >= check.min_n)
    keys = ["period"] + (["region"] if check.rank_within == "region" else [])
    ranked = r.assign(_s=np.where(eligible, score, np.nan), _e=eligible)
    rank = (
        ranked.groupby(keys, sort=False, dropna=False)["_s"]
        .rank(method="min", ascending=False)
        .to_numpy(float)
    )
    n_ranked = ranked.groupby(keys, sort=False, dropna=False)["_e"].transform("sum").to_numpy()

    def below(threshold: float | None) -> np.ndarray:
        if threshold is None:
            return np.zeros(len(r), dtype=bool)
        return eligible & (score < threshold - _TOL * max(1.0, abs(threshold)))

    if check.reward is not None:
        mins = check.reward.min_score
        high_enough = eligible & (score >= mins - _TOL * max(1.0, abs(mins)))
        reward = high_enough & (rank <= check.reward.top_n)
    else:
        high_enough = np.zeros(len(r), dtype=bool)
        reward = high_enough
    heavier = below(check.heavier_pay_cut.below if check.heavier_pay_cut else None)
    cut = below(check.pay_cut.below if check.pay_cut else None) & ~heavier
    recheck = below(check.recheck_below)
    pay_cut = np.select([heavier, cut], ["heavier_cut", "cut"], "none").astype(object)
    share = np.select(
        [heavier, cut],
        [
            check.heavier_pay_cut.share if check.heavier_pay_cut else 0.0,
            check.pay_cut.share if check.pay_cut else 0.0,
        ],
        0.0,
    )

    label = check.name.replace("_", " ").capitalize()
    rank_txt = _fmt(rank, "%.0f")
    s_txt = _fmt(score, "%.2f")
    base = (
        label
        + " "
        + s_txt
        + " (rank "
        + rank_txt
        + " of "
        + pd.Series(n_ranked).astype(int).astype(str)
        + ")"
    )
    extra = pd.Series("", index=range(len(r)), dtype=object)

    def add(cond: np.ndarray, text: str) -> None:
        nonlocal extra
        extra = extra + np.where(cond, "; " + text, "")

    if check.reward is not None:
        top, mins = check.reward.top_n, f"{check.reward.min_score:g}"
        add(reward, f"top {top} and >= {mins} -> reward")
        add(high_enough & ~reward, f">= {mins} but not in the top {top} -> no reward")
    if check.heavier_pay_cut is not None:
        hc = check.heavier_pay_cut
        add(
            heavier, f"below {hc.below:g} -> heavier pay cut ({hc.share * 100:g} % of branch performance pay)"
        )
    if check.pay_cut is not None:
        c = check.pay_cut
        add(cut, f"below {c.below:g} -> pay cut ({c.share * 100:g} % of branch performance pay)")
    if check.recheck_below is not None:
        add(recheck, f"below {check.recheck_below:g} -> re-check next period")
    extra = extra.str.replace(r"^; ", ": ", regex=True)
    n_txt = pd.Series(n).astype(int).astype(str)
    not_eligible = np.where(
        np.isnan(score),
        label + ": no score in the period",
        label + " " + s_txt + ": insufficient checks (n=" + n_txt + f" < {check.min_n})",
    )
    reason = np.where(eligible, base + extra + ".", pd.Series(not_eligible) + ".")
    return pd.DataFrame(
        {
            "period": r["period"],
            "branch_id": r["branch_id"],
            "branch_name": r["branch_name"],
            "region": r["region"],
            "check": check.name,
            "kpi": check.kpi,
            "score": score,
            "n": r["n"].astype("Int64"),
            "rank": pd.array(np.where(eligible, rank, np.nan), dtype="Int64"),
            "n_ranked": n_ranked.astype("int64"),
            "reward": reward,
            "pay_cut": pay_cut,
            "pay_cut_share": share,
            "recheck": recheck,
            "reason": reason,
        }
    )


def _branch_quarters(kpis, scheme: Scheme, periods: Sequence[str], branches):
    """Score branches over one or more quarters; return (branches, kpi rows, checks)."""
    rows = _rows(kpis, "branch", periods)
    pre = rows.first_rows(["period", "entity_id", "region"]).rename(columns={"entity_id": "branch_id"})
    if branches is not None:
        if "branch_id" not in branches.columns:
            raise DataValidationError(
                [ValidationIssue("branches", "", None, "branch_id", "", "a column of the branches table")]
            )
        ids = pd.Index(branches["branch_id"].astype(_TEXT).drop_duplicates())
        pairs, known = _known_pairs(rows, periods, ids)
        if (~known).any():
            extra = pd.DataFrame({"period": pairs[~known, 0], "branch_id": pairs[~known, 1]})
            extra["region"] = _regions(extra["branch_id"], pre, kpis, branches)
            pre = pd.concat([pre, extra.astype(_TEXT)], ignore_index=True)
    roster, row_pid = _order_roster(pre, ["period", "branch_id"], len(rows.first), rows)
    roster["branch_name"] = _text(roster["branch_id"].map(_branch_names(branches)))
    roster = roster[["period", "branch_id", "branch_name", "region"]]

    rules = scheme.rules_frame()
    rules = rules.loc[rules["role"] == "__branch__"].reset_index(drop=True)
    grid = _build_grid(np.full(len(roster), "__branch__", dtype=object), rules, rows, row_pid)
    agg = _aggregate(grid, rules, len(roster), scheme)
    out = pd.concat([roster, agg[["composite_score", "n_kpis_met", "n_kpis_below_target"]]], axis=1)
    if not len(rules):  # no branch KPIs in the scheme: nothing to count
        out[["n_kpis_met", "n_kpis_below_target"]] = np.nan
    keys = ["branch_id", "period"]

    checks = [_check_results(roster, rows.frame(c.kpi), c) for c in scheme.branch_checks]
    checks_df = (
        pd.concat(checks, ignore_index=True)
        if checks
        else pd.DataFrame({c: pd.Series(dtype=d) for c, d in _CHECK_COLUMNS.items()})
    )
    for check, c in zip(scheme.branch_checks, checks, strict=True):
        name = check.name
        wide = c[
            ["period", "branch_id", "score", "n", "rank", "reward", "pay_cut", "pay_cut_share", "recheck"]
        ].rename(columns=lambda col, nm=name: col if col in keys else f"{nm}_{col}")
        out = out.merge(wide, on=keys, how="left")
    if len(checks_df):
        per = checks_df.groupby(keys, sort=False).agg(
            reward=("reward", "any"), pay_cut_share_total=("pay_cut_share", "sum"), recheck=("recheck", "any")
        )
        per["reason"] = _join_by(checks_df, keys, "reason", " ")
        out = out.merge(per.reset_index(), on=keys, how="left")
    else:
        out = out.assign(reward=False, pay_cut_share_total=0.0, recheck=False, reason="")
    kpi_rows = _kpi_rows(roster, ["period", "branch_id", "branch_name", "region"], grid, rules)
    return out, kpi_rows, checks_df


# ------------------------------------------------------------------ public API


def score_staff(
    kpis: pd.DataFrame,
    scheme: Scheme,
    quarter: str,
    staff: pd.DataFrame | None = None,
    *,
    branches: pd.DataFrame | None = None,
) -> StaffScorecard:
    """Score every person for one quarter.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame of ``metrics.compute_kpis`` (columns ``level, entity_id,
        branch_id, region, role, period_type, period, kpi, value, n``...). Only
        staff rows of ``quarter`` are used.
    scheme : Scheme
        Targets, weights, bands and money (:func:`~bankperf_analysis.scheme.model.load_scheme`).
    quarter : str
        The quarter, e.g. ``"2026Q3"``.
    staff : pandas.DataFrame, optional
        Staff table (``staff_id, staff_name, branch_id, role``). Adds names, and
        lists people without any KPI row (they get "no data" and no grade).
    branches : pandas.DataFrame, optional
        Branches table (``branch_id, branch_name, region``) for branch names.

    Returns
    -------
    StaffScorecard

    Raises
    ------
    ParamsError
        If ``quarter`` is not a quarter.
    DataValidationError
        If columns are missing or a (person, quarter, KPI) appears twice.

    Examples
    --------
    A representative with 29 satisfaction surveys (minimum 30): satisfaction is
    reported but not scored, and the other KPIs are re-weighted.

    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> kpis = pd.DataFrame({
    ...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
    ...     "role": "customer_service_rep", "period_type": "quarter", "period": "2026Q3",
    ...     "kpi": ["satisfaction_rate", "response_time_seconds", "service_level",
    ...             "resolution_rate", "complaint_closed_on_time_rate",
    ...             "cross_sales_per_month"],
    ...     "value": [0.95, 180.0, 0.95, 0.95, 1.0, 2.5],
    ...     "n": [29, 100, 100, 100, 4, 3]})
    >>> card = score_staff(kpis, load_scheme(), "2026Q3")
    >>> row = card.people.iloc[0]
    >>> float(row["composite_score"]), row["grade"], bool(row["reweighted"])
    (86.666666667, 'good', True)
    >>> row["excluded_kpis"]
    'satisfaction_rate (insufficient data: n=29 < 30)'
    >>> card.training[["kpi", "topic_en"]].values.tolist()
    [['cross_sales_per_month', 'Product marketing and cross-selling']]
    """
    q = _quarter(quarter, "score_staff")
    _check_kpis(kpis, "score_staff")
    people, kpi_rows, training = _staff_quarters(kpis, scheme, [q], staff, branches)
    if not len(people):
        warnings.warn(f"The KPI frame has no staff rows for quarter {q}.", BankPerfWarning, stacklevel=2)
    return StaffScorecard(
        q, people, kpi_rows, training, scheme.params_hash(), scheme.name, scheme.grade_names
    )


def score_branches(
    kpis: pd.DataFrame, scheme: Scheme, quarter: str, *, branches: pd.DataFrame | None = None
) -> BranchScorecard:
    r"""Score every branch for one quarter: KPIs vs branch targets, check consequences.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame; only branch rows of ``quarter`` are used.
    scheme : Scheme
        Branch targets (``branch.kpis``) and check rules (``branch_checks``).
    quarter : str
        The quarter, e.g. ``"2026Q3"``.
    branches : pandas.DataFrame, optional
        Branches table (``branch_id, branch_name, region``): names, and branches
        without KPI rows.

    Returns
    -------
    BranchScorecard

    Notes
    -----
    Per check (default rules, source 003): rank in the top five AND score >= 90
    -> reward; score < 85 -> pay cut; < 80 -> heavier pay cut (instead of the
    normal one); < 85 -> re-check next period. Ranks are competition ranks
    (ties share the better rank) among branches with a score.

    Examples
    --------
    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> kpis = pd.DataFrame({
    ...     "level": "branch", "entity_id": ["B1", "B2", "B3"], "branch_id": ["B1", "B2", "B3"],
    ...     "region": "North", "role": None, "period_type": "quarter", "period": "2026Q3",
    ...     "kpi": "mystery_shopper_score", "value": [92.0, 84.99, 80.0], "n": 1})
    >>> card = score_branches(kpis, load_scheme(), "2026Q3")
    >>> ms = card.checks[card.checks["check"] == "mystery_shopper"]
    >>> ms[["branch_id", "rank", "reward", "pay_cut", "recheck"]].values.tolist()
    [['B1', 1, True, 'none', False], ['B2', 2, False, 'cut', True], ['B3', 3, False, 'cut', True]]
    >>> ms["reason"].iloc[1]
    'Mystery shopper 84.99 (rank 2 of 3): below 85 -> pay cut (5 % of branch performance pay); below 85 -> re-check next period.'
    """  # noqa: E501
    q = _quarter(quarter, "score_branches")
    _check_kpis(kpis, "score_branches")
    out, kpi_rows, checks = _branch_quarters(kpis, scheme, [q], branches)
    if not len(out):
        warnings.warn(f"The KPI frame has no branch rows for quarter {q}.", BankPerfWarning, stacklevel=2)
    return BranchScorecard(q, out, kpi_rows, checks, scheme.params_hash(), scheme.name)


def _annual_check_means(
    kpis: pd.DataFrame, year: str, check: BranchCheck, branch_ids: pd.Index
) -> pd.DataFrame:
    """Annual mean check score per branch.

    The year row if present, else the n-weighted mean of the quarterly rows
    (the mean over all checks of the year).
    """
    b = kpis.loc[(kpis["level"] == "branch") & (kpis["kpi"] == check.kpi)]
    yr = b.loc[(b["period_type"] == "year") & (b["period"].astype(str) == year)]
    yr = pd.DataFrame(
        {
            "branch_id": yr["entity_id"].astype(str),
            "mean": pd.to_numeric(yr["value"], errors="coerce").astype(float),
            "n": pd.to_numeric(yr["n"], errors="coerce").astype(float),
        }
    )
    yr = yr.dropna(subset=["mean"]).drop_duplicates("branch_id").set_index("branch_id")
    qs = b.loc[(b["period_type"] == "quarter") & b["period"].astype(str).str.startswith(year + "Q")]
    v = pd.to_numeric(qs["value"], errors="coerce").astype(float)
    n = pd.to_numeric(qs["n"], errors="coerce").astype(float).fillna(0.0)
    has = v.notna()
    tmp = pd.DataFrame(
        {
            "branch_id": qs["entity_id"].astype(str),
            "vn": (v * n).where(has, 0.0),
            "n": n.where(has, 0.0),
            "v": v,
        }
    )
    g = tmp.groupby("branch_id")
    n_sum = g["n"].sum()
    mean_q = (g["vn"].sum() / n_sum).where(n_sum > 0, g["v"].mean())
    fallback = pd.DataFrame({"mean": mean_q, "n": n_sum})
    res = yr.combine_first(fallback).reindex(branch_ids)
    return res


def annual_summary(
    kpis: pd.DataFrame,
    scheme: Scheme,
    year: str | int,
    staff: pd.DataFrame | None = None,
    *,
    branches: pd.DataFrame | None = None,
) -> AnnualSummary:
    """Summarise a year: quarterly grades, annual grade, bonus, promotions, excellent branches.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame with the quarters of ``year`` (and, for branches, the year
        rows of the check KPIs if available).
    scheme : Scheme
        The scheme (also gives the promotion rule and the excellent-branch rule).
    year : str or int
        The year, e.g. ``"2026"``.
    staff, branches : pandas.DataFrame, optional
        As in :func:`score_staff` / :func:`score_branches`.

    Returns
    -------
    AnnualSummary

    Notes
    -----
    Only quarters with at least one staff (branch) row are scored. The annual
    composite is the mean of the quarterly composites that exist (quarters with
    a grade); the annual grade uses the same bands. A promotion candidate
    reached the promotion grade (excellent) in at least ``promotion.min_quarters``
    (3) quarters. An excellent branch has an annual check mean >= 90 AND ranks in
    the top three by that mean. The annual mean is the year row of the KPI frame
    when present, else the n-weighted mean of the quarterly rows.

    Examples
    --------
    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> rows = [("staff", "S1", "lobby_manager", f"2026Q{q}", k, v)
    ...         for q in (1, 2, 3) for k, v in [("on_duty_rate", 1.0),
    ...         ("satisfaction_rate", 0.95), ("service_quality_score", 90.0),
    ...         ("complaint_count", 0.0), ("cross_sales_per_month", 6.0)]]
    >>> kpis = pd.DataFrame(rows, columns=["level", "entity_id", "role", "period", "kpi",
    ...                                    "value"]).assign(
    ...     branch_id="B1", region="North", period_type="quarter", n=50)
    >>> summ = annual_summary(kpis, load_scheme(), 2026)
    >>> summ.staff[["staff_id", "n_excellent_quarters", "annual_grade",
    ...             "total_bonus_yuan", "promotion_candidate"]].values.tolist()
    [['S1', 3, 'excellent', 6000.0, True]]
    """
    y = _year(year, "annual_summary")
    _check_kpis(kpis, "annual_summary")
    quarters = [f"{y}Q{i}" for i in range(1, 5)]
    qmask = (kpis["period_type"] == "quarter") & kpis["period"].isin(quarters)
    staff_qs = sorted(set(kpis.loc[qmask & (kpis["level"] == "staff"), "period"]))
    branch_qs = sorted(set(kpis.loc[qmask & (kpis["level"] == "branch"), "period"]))

    # staff
    people, _, _ = _staff_quarters(kpis, scheme, staff_qs, staff, branches)
    people = people.assign(_q=people["period"].str[-1].astype(int))
    last = (
        people.sort_values("period", kind="stable")
        .drop_duplicates("staff_id", keep="last")
        .set_index("staff_id")[["staff_name", "branch_id", "branch_name", "region", "role"]]
    )
    wide_g = people.pivot(index="staff_id", columns="_q", values="grade").reindex(columns=range(1, 5))
    wide_c = people.pivot(index="staff_id", columns="_q", values="composite_score").reindex(
        columns=range(1, 5)
    )
    wide_g.columns = [f"q{i}_grade" for i in range(1, 5)]
    wide_c.columns = [f"q{i}_composite" for i in range(1, 5)]
    by = people.assign(_exc=people["grade"].eq(scheme.promotion.grade)).groupby("staff_id")
    agg = pd.DataFrame(
        {
            "n_graded_quarters": by["gradable"].sum().astype("int64"),
            "n_excellent_quarters": by["_exc"].sum().astype("int64"),
            "annual_composite": by["composite_score"].mean().round(scheme.scoring.composite_decimals),
            "total_bonus_yuan": by["bonus_yuan"].sum().astype(float),
        }
    )
    st = last.join(wide_g).join(wide_c).join(agg)
    st["annual_grade"] = assign_grades(st["annual_composite"], scheme)
    st["promotion_candidate"] = st["n_excellent_quarters"] >= scheme.promotion.min_quarters
    staff_out = st.reset_index()
    staff_out = (
        staff_out[
            ["staff_id", "staff_name", "branch_id", "branch_name", "region", "role"]
            + [f"q{i}_grade" for i in range(1, 5)]
            + [f"q{i}_composite" for i in range(1, 5)]
            + [
                "n_graded_quarters",
                "n_excellent_quarters",
                "annual_composite",
                "annual_grade",
                "total_bonus_yuan",
                "promotion_candidate",
            ]
        ]
        .sort_values(["branch_id", "staff_id"], kind="stable")
        .reset_index(drop=True)
    )

    # branches
    bq, _, checks = _branch_quarters(kpis, scheme, branch_qs, branches)
    bro = (
        bq.sort_values("period", kind="stable")
        .drop_duplicates("branch_id", keep="last")
        .set_index("branch_id")[["branch_name", "region"]]
    )
    # branches known only from year rows (e.g. a KPI frame of year totals)
    yr = kpis.loc[
        (kpis["level"] == "branch") & (kpis["period_type"] == "year") & (kpis["period"].astype(str) == y)
    ]
    yr = yr.assign(branch_id=yr["entity_id"].astype(str)).drop_duplicates("branch_id").set_index("branch_id")
    new = yr.index.difference(bro.index)
    if len(new):
        add = pd.DataFrame(
            {"branch_name": new.map(_branch_names(branches)), "region": yr.loc[new, "region"].to_numpy()},
            index=new,
        )
        bro = pd.concat([bro, add])
    if len(checks):
        cnt = (
            checks.assign(_cut=checks["pay_cut"].ne("none"))
            .groupby("branch_id")
            .agg(n_rewards=("reward", "sum"), n_pay_cuts=("_cut", "sum"), n_rechecks=("recheck", "sum"))
            .astype("int64")
        )
        bro = bro.join(cnt)
    for c in ("n_rewards", "n_pay_cuts", "n_rechecks"):
        bro[c] = bro[c].fillna(0).astype("int64") if c in bro else 0
    excellent = pd.Series(False, index=bro.index)
    for check in scheme.branch_checks:
        rule = check.excellent_branch
        if rule is None:
            continue
        m = _annual_check_means(kpis, y, check, bro.index)
        eligible = m["mean"].notna() & (m["n"].fillna(0) >= check.min_n)
        keys = [bro["region"]] if check.rank_within == "region" else [pd.Series(0, index=bro.index)]
        rank = m["mean"].where(eligible).groupby(keys, dropna=False).rank(method="min", ascending=False)
        thr = rule.annual_mean_min - _TOL * max(1.0, abs(rule.annual_mean_min))
        exc = eligible & (m["mean"] >= thr) & (rank <= rule.top_n)
        bro[f"{check.name}_annual_mean"] = m["mean"]
        bro[f"{check.name}_annual_n"] = m["n"].astype("Int64")
        bro[f"{check.name}_annual_rank"] = rank.astype("Int64")
        bro[f"{check.name}_excellent"] = exc.astype(bool)
        excellent = excellent | exc.astype(bool)
    bro["excellent_branch"] = excellent.astype(bool)
    branches_out = bro.reset_index().sort_values("branch_id", kind="stable").reset_index(drop=True)
    return AnnualSummary(
        y,
        staff_out,
        people.drop(columns="_q").reset_index(drop=True),
        branches_out,
        checks,
        scheme.params_hash(),
        scheme.name,
    )

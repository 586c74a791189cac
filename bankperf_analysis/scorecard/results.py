"""The scorecards' result objects: staff and branch scorecards of a quarter, the annual summary.

Each is a frozen dataclass of tidy frames with ``to_frame()`` and ``summary()`` (a
:class:`~bankperf_analysis._summary.Summary`: key figures and small tables, as text or HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis.i18n import t
from bankperf_analysis.kpis import default_channels
from bankperf_analysis.scorecard.tenure import empty_not_in_post

if TYPE_CHECKING:
    from bankperf_analysis.scorecard.consequences import ConsequenceCounts

__all__ = ["StaffScorecard", "BranchScorecard", "AnnualSummary"]

_NO_PEOPLE = pd.DataFrame({"period": [], "staff_id": [], "branch_id": [], "grade": [], "bonus_yuan": []})


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
        bonus_yuan, excluded_kpis, training_needs, note, days_in_post, days_by_branch,
        team_kpis``. Staff whose role is not scored appear with ``gradable`` False and a
        note. ``team_kpis`` lists the KPIs scored on the team's value ("; "-joined).
    kpis : pandas.DataFrame
        One row per person per KPI of the role: ``kpi, scored_on, value, n, min_n, target,
        floor, direction, rule, status, score, weight, effective_weight, contribution,
        reweighted, zero_filled``. ``scored_on`` is ``"team"`` where ``value`` and ``n`` are
        the team's (the branch row of ``branch_id``; ``min_n`` applies to the team's n),
        ``"own"`` where they are the person's. ``score`` is NaN and ``effective_weight`` 0 when
        not scored. ``zero_filled`` marks event counts (complaints, new customers,
        risk incidents) that had no row although the person had other KPI rows in
        the quarter: the KPI frame only has rows for events, so they count as 0 --
        unless the event table is absent or empty: then the KPI's ``status`` is
        "not available" and it is not scored.
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
    channels : dict KPI -> tuple of str
        The contact channels each contact KPI counts (the scheme's
        ``definitions.channels``); the workbook states them.
    not_in_post : pandas.DataFrame
        People in post some days of the quarter, but fewer than ``scoring.min_days_in_post``:
        not scored, listed with ``days_in_post`` and ``days_by_branch``
        (:func:`~bankperf_analysis.scorecard.tenure.not_in_post_frame`). People not in post
        at all are on neither list.
    bonus_pools : pandas.DataFrame or None
        How each bonus pool was shared (:func:`~bankperf_analysis.scorecard.pay.bonus_pools`);
        None without a pool.
    veto_not_evaluated : dict
        Veto rules that could not be evaluated (a table is missing), with why.
    """

    quarter: str
    people: pd.DataFrame
    kpis: pd.DataFrame
    training: pd.DataFrame
    params_hash: str
    scheme_name: str
    grade_names: tuple[str, ...]
    channels: dict[str, tuple[str, ...]] = field(default_factory=default_channels)
    not_in_post: pd.DataFrame = field(default_factory=empty_not_in_post)
    bonus_pools: pd.DataFrame | None = None
    veto_not_evaluated: dict[str, str] = field(default_factory=dict)

    @property
    def total_bonus_yuan(self) -> float:
        """Sum of the bonuses of the quarter (the ``bonus_total`` of :meth:`consequences`)."""
        return float(self.consequences().bonus_total.value or 0)

    def consequences(self) -> ConsequenceCounts:
        """The quarter's consequence counts (branch counts not available without a branch card)."""
        from bankperf_analysis.scorecard.consequences import quarter_consequences

        return quarter_consequences(self)

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

    def summary(self) -> Summary:
        """Key figures, grade counts and the most common training topics."""
        facts = [
            ("Quarter", self.quarter),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
        ]
        facts += [(t(key, "en"), f"{n}") for key, n in self._summary_counts()]
        c = self.consequences()
        counts = (c.bonus_total, c.staff_with_bonus, c.excellent_staff, c.deduction_total, c.vetoed_staff)
        facts += [(x.name(), x.text()) for x in counts]
        tables = [(t(key, "en"), frame) for key, frame in self._summary_tables()]
        return Summary(f"Staff scorecard {self.quarter}", facts=facts, tables=tables)

    def _summary_counts(self) -> list[tuple[str, int]]:
        """The summary's head counts, by label key: :meth:`summary` and ``bankperf scorecard`` print them."""
        p = self.people
        return [
            ("cli_staff", self.n_staff),
            ("cli_graded", self.n_graded),
            ("cli_not_gradable", int((~p["gradable"] & p["n_kpis"].gt(0)).sum())),
            ("cli_not_scored", int(p["n_kpis"].eq(0).sum())),
            ("cli_reweighted", self.n_reweighted),
            ("cli_not_in_post", len(self.not_in_post)),
        ]

    def _summary_tables(
        self, topic: Sequence[str] = ("topic_en", "topic_zh")
    ) -> list[tuple[str, pd.DataFrame]]:
        """The summary's tables, by heading key: grades, the 10 most common training topics, team KPIs.

        ``topic``: the training columns the topics are told apart by (``bankperf scorecard``
        counts them by the one of its language). :meth:`summary` and the command print these.
        """
        p = self.people
        grades = (
            p.loc[p["gradable"]]
            .groupby("grade", sort=False)
            .agg(n_staff=("staff_id", "size"), bonus_yuan=("bonus_yuan", "sum"))
        )
        grades = grades.reindex([g for g in self.grade_names if g in grades.index]).reset_index()
        topics = (
            self.training.groupby(list(topic), sort=False)["staff_id"]
            .nunique()
            .rename("n_staff")
            .sort_values(ascending=False, kind="stable")
            .head(10)
            .reset_index()
        )
        tables = [("cli_grades", grades), ("cli_training", topics)]
        if "team_kpis" in p.columns and p["team_kpis"].fillna("").ne("").any():
            team = (
                p.loc[p["team_kpis"].fillna("").ne("")]
                .groupby(["role", "team_kpis"], sort=False)["staff_id"]
                .size()
                .rename("n_staff")
                .reset_index()
            )
            tables.append(("cli_team", team))
        return tables


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
    checks_available : bool
        False when the dataset has no data for any check of the scheme: the branch
        consequence counts are then "not available", never 0.
    """

    quarter: str
    branches: pd.DataFrame
    kpis: pd.DataFrame
    checks: pd.DataFrame
    params_hash: str
    scheme_name: str
    checks_available: bool = True

    @property
    def n_branches(self) -> int:
        """Number of branches."""
        return len(self.branches)

    def consequences(self) -> ConsequenceCounts:
        """The quarter's branch consequence counts (staff counts are 0 without people)."""
        from bankperf_analysis.scorecard.consequences import consequence_counts

        return consequence_counts(
            self.quarter, _NO_PEOPLE, self.checks, checks_available=self.checks_available
        )

    def to_frame(self) -> pd.DataFrame:
        """One row per branch (a copy of :attr:`branches`)."""
        return self.branches.copy()

    def summary(self) -> Summary:
        """Key figures and the branches with a reward, pay cut or re-check."""
        b = self.branches
        facts = [
            ("Quarter", self.quarter),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
            ("Branches", f"{self.n_branches}"),
        ]
        c = self.consequences()
        facts += [(x.name(), x.text()) for x in (c.rewards, c.pay_cuts, c.heavier_pay_cuts, c.rechecks)]
        flagged = b.loc[
            b["reward"] | b["recheck"] | b["pay_cut_share_total"].gt(0),
            ["branch_id", "branch_name", "reason"],
        ]
        return Summary(
            f"Branch scorecard {self.quarter}",
            facts=facts,
            tables=[("Branches with a consequence", flagged.head(30))],
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
        One row per branch: the quarters of the year in which the branch had each
        consequence ``reward_quarters, pay_cut_quarters, heavier_pay_cut_quarters,
        recheck_quarters`` (unit: quarters; a quarter with two pay cuts counts once);
        per check with an excellent-branch rule ``<check>_annual_mean,
        <check>_annual_n, <check>_annual_rank, <check>_excellent``; ``excellent_branch``.
    branch_checks : pandas.DataFrame
        The quarterly ``checks`` frames stacked.
    params_hash, scheme_name : str
        Provenance of the scheme.
    checks_available : bool
        False when the dataset has no data for any branch check.
    excellent_grade : str
        The scheme's top grade (counted as excellent).
    not_in_post : pandas.DataFrame
        Per quarter, the people in post fewer than ``scoring.min_days_in_post`` days: not
        scored that quarter, listed with their days (as :attr:`StaffScorecard.not_in_post`).
    """

    year: str
    staff: pd.DataFrame
    staff_quarterly: pd.DataFrame
    branches: pd.DataFrame
    branch_checks: pd.DataFrame
    params_hash: str
    scheme_name: str
    checks_available: bool = True
    excellent_grade: str = "excellent"
    not_in_post: pd.DataFrame = field(default_factory=empty_not_in_post)

    def consequences(self) -> ConsequenceCounts:
        """The year's consequence counts (quarterly counts summed over the year)."""
        from bankperf_analysis.scorecard.consequences import annual_consequences

        return annual_consequences(self)

    @property
    def total_bonus_yuan(self) -> float:
        """Sum of all quarterly bonuses of the year (``bonus_total`` of :meth:`consequences`)."""
        return float(self.consequences().bonus_total.value or 0)

    @property
    def n_promotion_candidates(self) -> int:
        """Number of promotion candidates (``promotion_candidates`` of :meth:`consequences`)."""
        c = self.consequences().promotion_candidates
        return int(c.value or 0) if c is not None else 0

    @property
    def n_excellent_branches(self) -> int:
        """Number of excellent branches (0 when not available; see :meth:`consequences`)."""
        c = self.consequences().excellent_branches
        return int(c.value or 0) if c is not None else 0

    def to_frame(self) -> pd.DataFrame:
        """One row per person (a copy of :attr:`staff`)."""
        return self.staff.copy()

    def summary(self) -> Summary:
        """Key figures, promotion candidates and excellent branches."""
        s = self.staff
        facts = [
            ("Year", self.year),
            ("Scheme", f"{self.scheme_name} (params {self.params_hash[:12]})"),
            ("Staff", f"{len(s)}"),
        ]
        facts += self.consequences().rows()
        cand = s.loc[
            s["promotion_candidate"],
            ["staff_id", "staff_name", "branch_id", "role", "n_excellent_quarters", "annual_composite"],
        ]
        b = self.branches
        exc = b.loc[b["excellent_branch"]] if len(b) else b
        return Summary(
            f"Annual summary {self.year}",
            facts=facts,
            tables=[("Promotion candidates", cand.head(30)), ("Excellent branches", exc.head(30))],
        )

"""The performance scheme: a typed model of ``params/scheme.yaml``.

The scheme says, per role, which KPIs count, their targets, floors, directions,
weights, scoring rules and minimum samples; the grade bands and the money that
follows from them; the branch service-check rules (mystery shopper, video checks);
the training topic of each KPI; the definitions that :mod:`bankperf_analysis.metrics`
uses to compute KPIs (satisfied threshold, service-level seconds...); and the staffing
defaults.

Every number a bank may change lives in the YAML file, never in code. This module holds
the frozen dataclasses and :class:`Scheme` (access, ``to_dict``, ``params_hash``);
:mod:`bankperf_analysis.scheme.parse` reads and validates the YAML into them, against the
catalogue of :mod:`bankperf_analysis.scheme.kpis`.

Examples
--------
>>> from bankperf_analysis.scheme import load_scheme
>>> scheme = load_scheme()                      # the packaged default
>>> scheme.role("teller").kpi("satisfaction_rate").target
0.9
>>> scheme.rater_weights()
{'supervisor': 0.4, 'peer': 0.3, 'customer': 0.2, 'self': 0.1}
>>> len(scheme.params_hash())
64
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import KPIS, default_channels
from bankperf_analysis.scheme._pay import (
    AdjustmentCaps,
    CoefficientBonus,
    VetoRule,
    money_dict,
    scoring_extra_dict,
)
from bankperf_analysis.scheme._posts import SOURCE_MINIMUM_POSTS, MinimumPosts, minimum_posts_dict
from bankperf_analysis.scheme._roster import RosterScheme, default_roster, roster_dict
from bankperf_analysis.scheme._scored_on import ScoredOn
from bankperf_analysis.scheme.kpis import Direction

__all__ = [
    "ScoringRule",
    "RankWithin",
    "Definitions",
    "ScoringOptions",
    "GradeBand",
    "Money",
    "Promotion",
    "KpiRule",
    "Review360",
    "RoleScheme",
    "BranchScheme",
    "Reward",
    "PayCut",
    "ExcellentBranch",
    "BranchCheck",
    "TrainingTopic",
    "Staffing",
    "Scheme",
    "WEIGHT_TOLERANCE",
]

ScoringRule = Literal["linear", "pass_fail"]
RankWithin = Literal["bank", "region"]

#: Weights of a role must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 1e-9

_INF = math.inf


@dataclass(frozen=True, slots=True)
class Definitions:
    """KPI definitions that vary between banks (read by ``metrics``).

    Attributes
    ----------
    satisfied_threshold : float
        A survey answer at or above this score counts as satisfied (default 8 of 10).
    survey_scale_max : float
        Top of the satisfaction survey scale (default 10).
    service_level_seconds : float
        Service level = share of contacts answered within this many seconds (30).
    complaint_deadline_hours : float
        A complaint closed within this many hours is on time (24).
    volume_baseline_per_month : float
        Transactions per teller per month that count as 100 % volume (1000).
    channels : dict KPI -> tuple of str
        The contact channels each contact KPI counts (``definitions.channels``; default
        :func:`bankperf_analysis.kpis.default_channels`: response time, service level and
        abandonment count phone and online, resolution every channel, queue waiting time
        the counter).
    """

    satisfied_threshold: float
    survey_scale_max: float
    service_level_seconds: float
    complaint_deadline_hours: float
    volume_baseline_per_month: float
    channels: dict[str, tuple[str, ...]] = field(default_factory=default_channels)


#: Days in post within a quarter needed to be scored when the scheme does not say (a month).
DEFAULT_MIN_DAYS_IN_POST = 30


@dataclass(frozen=True, slots=True)
class ScoringOptions:
    """How KPI scores combine into a composite.

    Attributes
    ----------
    min_scorable_weight_share : float
        Minimum share of a role's weight that must be scorable for a grade.
    composite_decimals : int
        The composite is rounded to this many decimals before grading.
    min_days_in_post : int
        Days in post within a quarter needed to be scored; anyone in post fewer days is
        listed as "not in post long enough" with their days (issue 13).
    annual_target_basis : {"year_to_date", "annualised"}
        How a quarter is compared with a target stated per year (churn): the value from
        1 January to the quarter's end, or the quarter's value annualised
        (:mod:`bankperf_analysis.scheme._period`).
    target_periods : dict KPI -> {"quarter", "year"}
        Yearly targets the bank states per quarter instead (only those differing from the
        catalogue's ``target_period``).
    adjustments : AdjustmentCaps or None
        Caps on additions and deductions (加减分项) per quarter; None: not applied.
    veto : tuple of VetoRule
        Veto rules (一票否决), :mod:`bankperf_analysis.scheme._pay`.
    """

    min_scorable_weight_share: float
    composite_decimals: int
    min_days_in_post: int = DEFAULT_MIN_DAYS_IN_POST
    annual_target_basis: str = "year_to_date"
    target_periods: dict[str, str] = field(default_factory=dict)

    def target_period(self, kpi: str) -> str:
        """The period ``kpi``'s target is stated for: the scheme's, else the catalogue's."""
        return self.target_periods.get(kpi, KPIS[kpi].target_period)

    adjustments: AdjustmentCaps | None = None
    veto: tuple[VetoRule, ...] = ()


@dataclass(frozen=True, slots=True)
class GradeBand:
    """One grade band, the half-open interval ``[low, high)``; None = unbounded."""

    grade: str
    low: float | None
    high: float | None

    def contains(self, score: float) -> bool:
        """Return True if ``score`` lies in ``[low, high)``."""
        lo = -_INF if self.low is None else self.low
        hi = _INF if self.high is None else self.high
        return lo <= score < hi

    def as_text(self) -> str:
        """Interval as text, e.g. ``"[80, 90)"``."""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"[{lo}, {hi})"


@dataclass(frozen=True, slots=True)
class Money:
    """Quarterly cash bonus (yuan) by grade; grades not listed get 0.

    ``rule`` holds a coefficient bonus (绩效系数, optionally a pool) and the pay deductions
    by grade (:class:`~bankperf_analysis.scheme._pay.CoefficientBonus`); None: a fixed bonus
    by grade (``bonus_by_grade``) and no deductions.
    """

    bonus_by_grade: dict[str, float]
    rule: CoefficientBonus | None = None

    def bonus(self, grade: str | None) -> float:
        """Bonus for one grade (0 for None or an unlisted grade; 0 with a pool, shared later)."""
        if not grade:
            return 0.0
        r = self.rule
        if r is not None and r.coefficient_by_grade:
            if r.base_yuan is None:
                return 0.0
            return float(round(r.base_yuan * r.coefficient_by_grade.get(grade, 0.0), 6))
        return float(self.bonus_by_grade.get(grade, 0.0))

    def deduction(self, grade: str | None) -> float:
        """Pay deducted for one grade, whole yuan >= 0 (0 for None or an unlisted grade)."""
        if not grade or self.rule is None:
            return 0.0
        return float(self.rule.deduction_by_grade.get(grade, 0.0))


@dataclass(frozen=True, slots=True)
class Promotion:
    """Promotion-candidate rule: ``grade`` in at least ``min_quarters`` quarters of a year."""

    grade: str
    min_quarters: int


@dataclass(frozen=True, slots=True)
class KpiRule:
    """How one KPI is scored for one role (or for branches).

    Attributes
    ----------
    kpi : str
        KPI name (a key of :data:`~bankperf_analysis.scheme.kpis.KNOWN_KPIS`).
    target : float
        Value that earns a score of 100 (met at or beyond it).
    floor : float or None
        Value that earns 0 under the linear rule (below the target for
        higher-is-better KPIs, above it for lower-is-better). None for pass_fail.
    direction : {"higher", "lower"}
        Which way is better.
    weight : float
        Weight in the composite, in [0, 1]; a role's weights sum to 1.
    rule : {"linear", "pass_fail"}
        Scoring rule.
    min_n : int
        Minimum number of observations for the KPI to be scored.
    scored_on : {"own", "team"}
        For a role's rule: scored on the person's own value or on the team's (the branch's)
        value (:mod:`bankperf_analysis.scheme._scored_on`). Branch rules score the branch's value
        and keep ``"own"``.
    """

    kpi: str
    target: float
    floor: float | None
    direction: Direction
    weight: float
    rule: ScoringRule
    min_n: int
    scored_on: ScoredOn = "own"


@dataclass(frozen=True, slots=True)
class Review360:
    """Weights of the rater groups of the 360-degree review (sum to 1)."""

    rater_weights: dict[str, float]


@dataclass(frozen=True, slots=True)
class RoleScheme:
    """The scheme of one role: whether it is scored, its KPI rules, its 360-degree review."""

    name: str
    scored: bool
    kpis: tuple[KpiRule, ...]
    review_360: Review360 | None = None

    def kpi(self, name: str) -> KpiRule:
        """Return the rule of KPI ``name`` (ParamsError if the role does not score it)."""
        for rule in self.kpis:
            if rule.kpi == name:
                return rule
        raise ParamsError(
            f"The KPI '{name}' is not scored for role '{self.name}'. "
            f"Got none of: {', '.join(r.kpi for r in self.kpis) or '(no KPIs)'}."
        )


@dataclass(frozen=True, slots=True)
class BranchScheme:
    """Branch KPIs against branch targets (same rule model as roles)."""

    kpis: tuple[KpiRule, ...]


@dataclass(frozen=True, slots=True)
class Reward:
    """Reward rule: rank in the top ``top_n`` AND score >= ``min_score``."""

    top_n: int
    min_score: float


@dataclass(frozen=True, slots=True)
class PayCut:
    """Cut ``share`` of branch performance pay when the score is strictly below ``below``."""

    below: float
    share: float


@dataclass(frozen=True, slots=True)
class ExcellentBranch:
    """Annual title: annual mean >= ``annual_mean_min`` AND rank in the top ``top_n``."""

    annual_mean_min: float
    top_n: int


@dataclass(frozen=True, slots=True)
class BranchCheck:
    """A branch service check (mystery shopper, video check) and its consequences."""

    name: str
    kpi: str
    min_n: int
    rank_within: RankWithin
    reward: Reward | None
    pay_cut: PayCut | None
    heavier_pay_cut: PayCut | None
    recheck_below: float | None
    excellent_branch: ExcellentBranch | None


@dataclass(frozen=True, slots=True)
class TrainingTopic:
    """Training topic for a weak KPI, in English and Chinese."""

    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Staffing:
    """Staffing defaults (read by ``staffing``)."""

    shrinkage: float
    salary_per_fte_yuan_per_year: float
    yuan_per_satisfaction_point_per_year: float
    sales_roles: tuple[str, ...]
    min_sales_share: float
    service_level_target: float
    max_mean_response_seconds: float
    #: Erlang A's mean patience: ``"estimate"`` (from the contacts, the default) or seconds.
    patience_seconds: float | str = "estimate"
    #: Managed customers per customer manager (管户数); None: customer managers kept at headcount.
    customers_per_manager: float | None = None
    #: Minimum posts per branch type (定编, 003); left out of a scheme: source 003's rules.
    minimum_posts: MinimumPosts = SOURCE_MINIMUM_POSTS


@dataclass(frozen=True, slots=True)
class Scheme:
    """A validated performance scheme (see ``params/scheme.yaml``).

    Build it with :func:`~bankperf_analysis.scheme.parse.load_scheme` or :meth:`Scheme.from_dict`; the
    constructor does not validate. ``grades`` are stored highest band first.
    ``source`` (the file it came from) is not part of equality or the hash.

    Examples
    --------
    >>> from bankperf_analysis.scheme import load_scheme
    >>> scheme = load_scheme()
    >>> [b.grade for b in scheme.grades]
    ['excellent', 'good', 'pass', 'needs_improvement']
    >>> Scheme.from_dict(scheme.to_dict()) == scheme
    True
    """

    schema_version: int
    name: str
    currency: str
    definitions: Definitions
    scoring: ScoringOptions
    grades: tuple[GradeBand, ...]
    money: Money
    promotion: Promotion
    roles: tuple[RoleScheme, ...]
    branch: BranchScheme
    branch_checks: tuple[BranchCheck, ...]
    training_topics: dict[str, TrainingTopic]
    staffing: Staffing
    #: shift templates and rostering rules (排班; ``roster:``, optional in the YAML)
    roster: RosterScheme = field(default_factory=default_roster)
    #: IANA time zone of every time the reports show (generated at, run of): default Asia/Shanghai
    timezone: str = "Asia/Shanghai"
    source: str = field(default="<dict>", compare=False)

    # ---------------------------------------------------------------- access
    def role(self, name: str) -> RoleScheme:
        """Return the scheme of role ``name``.

        Raises
        ------
        ParamsError
            If the role has no entry in the scheme.
        """
        for r in self.roles:
            if r.name == name:
                return r
        raise ParamsError(
            f"The role '{name}' has no entry under 'roles' in {self.source}. "
            f"Got only: {', '.join(r.name for r in self.roles)}."
        )

    @property
    def scored_roles(self) -> tuple[str, ...]:
        """Names of the roles scored individually."""
        return tuple(r.name for r in self.roles if r.scored)

    @property
    def grade_names(self) -> tuple[str, ...]:
        """Grade names, highest band first."""
        return tuple(b.grade for b in self.grades)

    def rater_weights(self, role: str = "customer_manager") -> dict[str, float]:
        """Rater-group weights of the 360-degree review of ``role`` (empty if none)."""
        r = self.role(role)
        return dict(r.review_360.rater_weights) if r.review_360 else {}

    def check(self, name: str) -> BranchCheck:
        """Return the branch check called ``name`` (e.g. ``"mystery_shopper"``)."""
        for c in self.branch_checks:
            if c.name == name:
                return c
        raise ParamsError(f"The branch check '{name}' has no entry under 'branch_checks' in {self.source}.")

    def training_topic(self, kpi: str) -> TrainingTopic:
        """Training topic of ``kpi`` (falls back to the KPI name in both languages)."""
        return self.training_topics.get(kpi, TrainingTopic(kpi, kpi))

    def grade_of(self, score: float) -> str | None:
        """Grade of one composite score (None for NaN).

        Examples
        --------
        >>> from bankperf_analysis.scheme import load_scheme
        >>> s = load_scheme()
        >>> s.grade_of(90.0), s.grade_of(89.999), s.grade_of(60.0), s.grade_of(59.9)
        ('excellent', 'good', 'pass', 'needs_improvement')
        """
        if score is None or math.isnan(score):
            return None
        for band in self.grades:
            if band.contains(score):
                return band.grade
        return None  # unreachable for a validated scheme and scores in [0, 100]

    def rules_frame(self):
        """All KPI rules as a tidy DataFrame, one row per (role, KPI).

        Branch rules appear with ``role == "__branch__"``.

        Returns
        -------
        pandas.DataFrame
            Columns ``role, scored, kpi, target, floor, direction, weight, rule,
            min_n, order, scored_on`` (``order`` is the KPI's position within its role;
            ``scored_on`` is ``"own"`` or ``"team"``).
        """
        import pandas as pd

        rows = []
        for r in self.roles:
            for i, k in enumerate(r.kpis):
                rows.append((r.name, r.scored, i, k))
        for i, k in enumerate(self.branch.kpis):
            rows.append(("__branch__", True, i, k))
        return pd.DataFrame(
            {
                "role": [r[0] for r in rows],
                "scored": [r[1] for r in rows],
                "kpi": [r[3].kpi for r in rows],
                "target": [r[3].target for r in rows],
                "floor": [float("nan") if r[3].floor is None else r[3].floor for r in rows],
                "direction": [r[3].direction for r in rows],
                "weight": [r[3].weight for r in rows],
                "rule": [r[3].rule for r in rows],
                "min_n": [r[3].min_n for r in rows],
                "order": [r[2] for r in rows],
                "scored_on": [r[3].scored_on for r in rows],
            }
        )

    # --------------------------------------------------------- (de)serialise
    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: str = "<dict>") -> Scheme:
        """Validate a mapping shaped like ``params/scheme.yaml`` into a Scheme.

        Parameters
        ----------
        data : mapping
            The parsed YAML.
        source : str
            Name of the file (or other origin) used in error messages.

        Returns
        -------
        Scheme

        Raises
        ------
        ParamsError
            On the first invalid entry, naming the file, the key path and what
            was expected.

        Examples
        --------
        >>> from bankperf_analysis.scheme import load_scheme
        >>> d = load_scheme().to_dict()
        >>> d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = "abc"
        >>> Scheme.from_dict(d, source="my.yaml")
        Traceback (most recent call last):
        ...
        bankperf_analysis.exceptions.ParamsError: The 'weight' of KPI 'satisfaction_rate' for role 'teller' in my.yaml (key roles.teller.kpis.satisfaction_rate.weight) must be a number in [0, 1]. Got 'abc' instead.
        """  # noqa: E501
        from bankperf_analysis.scheme.parse import parse_scheme  # the parser builds these classes

        return parse_scheme(data, source)

    def to_dict(self) -> dict[str, Any]:
        """Return the scheme as a plain mapping shaped like the YAML file.

        Defaults are filled in (direction, rule, min_n), so the result describes
        the scheme completely and ``Scheme.from_dict(s.to_dict()) == s``.
        """
        return {
            "schema_version": self.schema_version,
            "name": self.name,
            "currency": self.currency,
            "definitions": _definitions_dict(self.definitions),
            "scoring": {
                "min_scorable_weight_share": self.scoring.min_scorable_weight_share,
                "composite_decimals": self.scoring.composite_decimals,
                "min_days_in_post": self.scoring.min_days_in_post,
                "annual_target_basis": self.scoring.annual_target_basis,
                "target_periods": dict(self.scoring.target_periods),
                **scoring_extra_dict(self.scoring.adjustments, self.scoring.veto),
            },
            "grades": [{"grade": b.grade, "low": b.low, "high": b.high} for b in self.grades],
            "money": money_dict(self.money.bonus_by_grade, self.money.rule),
            "promotion": {
                "grade": self.promotion.grade,
                "min_quarters": self.promotion.min_quarters,
            },
            "roles": {r.name: _role_dict(r) for r in self.roles},
            "branch": {"kpis": {k.kpi: _rule_dict(k) for k in self.branch.kpis}},
            "branch_checks": {c.name: _check_dict(c) for c in self.branch_checks},
            "training_topics": {k: {"en": t.en, "zh": t.zh} for k, t in self.training_topics.items()},
            "staffing": _staffing_dict(self.staffing),
            "roster": roster_dict(self.roster),
            "timezone": self.timezone,
        }

    def params_hash(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict` (for report footers).

        Canonical = sorted keys, no whitespace, UTF-8. Independent of key order,
        comments and formatting in the YAML file, and of ``source``.
        """
        text = json.dumps(
            self.to_dict(),
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ------------------------------------------------- to_dict, section by section


def _definitions_dict(d: Definitions) -> dict[str, Any]:
    return {
        "satisfied_threshold": d.satisfied_threshold,
        "survey_scale_max": d.survey_scale_max,
        "service_level_seconds": d.service_level_seconds,
        "complaint_deadline_hours": d.complaint_deadline_hours,
        "volume_baseline_per_month": d.volume_baseline_per_month,
        "channels": {k: list(v) for k, v in d.channels.items()},
    }


def _rule_dict(k: KpiRule) -> dict[str, Any]:
    d: dict[str, Any] = {"target": k.target}
    if k.floor is not None:
        d["floor"] = k.floor
    d.update(direction=k.direction, weight=k.weight, rule=k.rule, min_n=k.min_n)
    return d


def _role_dict(r: RoleScheme) -> dict[str, Any]:
    rd: dict[str, Any] = {"scored": r.scored}
    if r.kpis:
        rd["kpis"] = {k.kpi: {**_rule_dict(k), "scored_on": k.scored_on} for k in r.kpis}
    if r.review_360 is not None:
        rd["review_360"] = {"rater_weights": dict(r.review_360.rater_weights)}
    return rd


def _cut_dict(c: PayCut | None) -> dict[str, float] | None:
    return None if c is None else {"below": c.below, "share": c.share}


def _check_dict(c: BranchCheck) -> dict[str, Any]:
    return {
        "kpi": c.kpi,
        "min_n": c.min_n,
        "rank_within": c.rank_within,
        "reward": None if c.reward is None else {"top_n": c.reward.top_n, "min_score": c.reward.min_score},
        "pay_cut": _cut_dict(c.pay_cut),
        "heavier_pay_cut": _cut_dict(c.heavier_pay_cut),
        "recheck_below": c.recheck_below,
        "excellent_branch": None
        if c.excellent_branch is None
        else {
            "annual_mean_min": c.excellent_branch.annual_mean_min,
            "top_n": c.excellent_branch.top_n,
        },
    }


def _staffing_dict(st: Staffing) -> dict[str, Any]:
    return {
        "shrinkage": st.shrinkage,
        "salary_per_fte_yuan_per_year": st.salary_per_fte_yuan_per_year,
        "yuan_per_satisfaction_point_per_year": st.yuan_per_satisfaction_point_per_year,
        "sales_roles": list(st.sales_roles),
        "min_sales_share": st.min_sales_share,
        "service_level_target": st.service_level_target,
        "max_mean_response_seconds": st.max_mean_response_seconds,
        # only when set: the defaults ("estimate", None) keep the dict, and the params hash, of older schemes
        **({"patience_seconds": st.patience_seconds} if st.patience_seconds != "estimate" else {}),
        **(
            {"customers_per_manager": st.customers_per_manager}
            if st.customers_per_manager is not None
            else {}
        ),
        **(
            {"minimum_posts": minimum_posts_dict(st.minimum_posts)}
            if st.minimum_posts != SOURCE_MINIMUM_POSTS
            else {}
        ),
    }

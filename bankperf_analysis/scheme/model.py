"""The performance scheme: a typed, validated model of ``params/scheme.yaml``.

The scheme says, per role, which KPIs count, their targets, floors, directions,
weights, scoring rules and minimum samples; the grade bands and the money that
follows from them; the branch service-check rules (mystery shopper, video checks);
the training topic of each KPI; the definitions that :mod:`bankperf_analysis.metrics.compute`
uses to compute KPIs (satisfied threshold, service-level seconds...); and the staffing
defaults.

Every number a bank may change lives in the YAML file, never in code. This module
only knows the *catalogue* of KPIs and roles (names, directions, ranges), against
which a scheme is validated.

Examples
--------
>>> from bankperf_analysis.scheme.model import load_scheme
>>> scheme = load_scheme()                      # the packaged default
>>> scheme.role("teller").kpi("satisfaction_rate").target
0.9
>>> scheme.rater_weights()
{'supervisor': 0.4, 'peer': 0.3, 'customer': 0.2, 'self': 0.1}
>>> len(scheme.params_hash())
64
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from bankperf_analysis._resources import default_scheme_path
from bankperf_analysis.exceptions import ParamsError

__all__ = [
    "Direction",
    "ScoringRule",
    "RankWithin",
    "KNOWN_ROLES",
    "KNOWN_KPIS",
    "KpiInfo",
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
    "default_scheme_path",
    "load_scheme",
]

Direction = Literal["higher", "lower"]
ScoringRule = Literal["linear", "pass_fail"]
RankWithin = Literal["bank", "region"]

#: Weights of a role must sum to 1 within this tolerance.
WEIGHT_TOLERANCE = 1e-9

#: Roles of the staff table (``staff.role``).
KNOWN_ROLES: tuple[str, ...] = (
    "customer_service_rep",
    "teller",
    "customer_manager",
    "lobby_manager",
    "service_manager",
    "data_analyst",
)

_INF = math.inf


@dataclass(frozen=True, slots=True)
class KpiInfo:
    """Catalogue entry of one KPI: what it is, which way is better, its range.

    Attributes
    ----------
    name : str
        KPI name as in the KPI frame's ``kpi`` column.
    direction : {"higher", "lower"}
        Which way is better.
    low, high : float
        Range of possible values (``high`` may be ``inf``).
    unit : str
        ``"fraction"``, ``"seconds"``, ``"score_1_10"``... (display hint).
    staff_level : bool
        True if computed for staff (and aggregated for branches); False for
        branch-only KPIs (mystery shopper, video checks, queue, churn).
    is_count : bool
        True for counts and amounts where zero observations is a valid value;
        their default ``min_n`` is 0 instead of 1.
    zero_if_absent : bool
        True for event counts (complaints, new customers, risk incidents and
        losses): the KPI frame has a row only when an event happened, so a person
        (branch) with other KPI rows in the period but no row for this KPI had
        zero events. The scorecard fills value 0, n 0 and says so
        (``zero_filled``).
    """

    name: str
    direction: Direction
    low: float
    high: float
    unit: str
    staff_level: bool = True
    is_count: bool = False
    zero_if_absent: bool = False

    @property
    def is_rate(self) -> bool:
        """True when the value is a fraction in [0, 1] (shown as a percentage)."""
        return self.unit == "fraction"


def _k(name, direction, low, high, unit, staff_level=True, is_count=False, zero_if_absent=False) -> KpiInfo:
    return KpiInfo(name, direction, float(low), float(high), unit, staff_level, is_count, zero_if_absent)


#: The KPI catalogue the scheme is validated against (the lead's ``metrics.KPI_CATALOGUE``
#: carries the same names).
KNOWN_KPIS: dict[str, KpiInfo] = {
    k.name: k
    for k in (
        _k("satisfaction_rate", "higher", 0, 1, "fraction"),
        _k("onsite_survey_score", "higher", 1, 10, "score_1_10"),
        _k("callback_survey_score", "higher", 1, 10, "score_1_10"),
        _k("response_time_seconds", "lower", 0, _INF, "seconds"),
        _k("service_level", "higher", 0, 1, "fraction"),
        _k("abandonment_rate", "lower", 0, 1, "fraction", staff_level=False),
        _k("resolution_rate", "higher", 0, 1, "fraction"),
        _k("complaint_closed_on_time_rate", "higher", 0, 1, "fraction"),
        _k("complaint_median_hours", "lower", 0, _INF, "hours"),
        _k("complaint_count", "lower", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("complaint_resolution_score", "higher", 1, 5, "score_1_5"),
        _k("cross_sales_per_month", "higher", 0, _INF, "count", is_count=True),
        _k("cash_error_rate", "lower", 0, 1, "fraction"),
        _k("ledger_error_rate", "lower", 0, 1, "fraction"),
        _k("handling_minutes", "lower", 0, _INF, "minutes"),
        _k("volume_vs_baseline", "higher", 0, _INF, "fraction_of_baseline"),
        _k("dress_score", "higher", 0, 10, "score_0_10"),
        _k("manner_score", "higher", 0, 10, "score_0_10"),
        _k("training_attendance_rate", "higher", 0, 1, "fraction"),
        _k("training_exam_score", "higher", 0, 100, "score_0_100"),
        _k("new_customers", "higher", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("risk_incidents", "lower", 0, _INF, "count", is_count=True, zero_if_absent=True),
        _k("risk_loss_yuan", "lower", 0, _INF, "yuan", is_count=True, zero_if_absent=True),
        _k("on_duty_rate", "higher", 0, 1, "fraction"),
        _k("service_quality_score", "higher", 0, 100, "score_0_100"),
        _k("teamwork_score", "higher", 0, 100, "score_0_100"),
        _k("review_360_score", "higher", 0, 100, "score_0_100"),
        _k("mystery_shopper_score", "higher", 0, 100, "score_0_100", staff_level=False),
        _k("video_check_score", "higher", 0, 100, "score_0_100", staff_level=False),
        _k("queue_wait_seconds", "lower", 0, _INF, "seconds", staff_level=False),
        _k("churn_rate", "lower", 0, 1, "fraction", staff_level=False),
    )
}


# --------------------------------------------------------------------------- model


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
    """

    satisfied_threshold: float
    survey_scale_max: float
    service_level_seconds: float
    complaint_deadline_hours: float
    volume_baseline_per_month: float


@dataclass(frozen=True, slots=True)
class ScoringOptions:
    """How KPI scores combine into a composite.

    Attributes
    ----------
    min_scorable_weight_share : float
        Minimum share of a role's weight that must be scorable for a grade.
    composite_decimals : int
        The composite is rounded to this many decimals before grading.
    """

    min_scorable_weight_share: float
    composite_decimals: int


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
    """Quarterly cash bonus (yuan) by grade; grades not listed get 0."""

    bonus_by_grade: dict[str, float]

    def bonus(self, grade: str | None) -> float:
        """Bonus for one grade (0 for None or an unlisted grade)."""
        return float(self.bonus_by_grade.get(grade, 0.0)) if grade else 0.0


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
        KPI name (a key of :data:`KNOWN_KPIS`).
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
    """

    kpi: str
    target: float
    floor: float | None
    direction: Direction
    weight: float
    rule: ScoringRule
    min_n: int


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


@dataclass(frozen=True, slots=True)
class Scheme:
    """A validated performance scheme (see ``params/scheme.yaml``).

    Build it with :func:`load_scheme` or :meth:`Scheme.from_dict`; the
    constructor does not validate. ``grades`` are stored highest band first.
    ``source`` (the file it came from) is not part of equality or the hash.

    Examples
    --------
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
            min_n, order`` (``order`` is the KPI's position within its role).
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
        >>> d = load_scheme().to_dict()
        >>> d["roles"]["teller"]["kpis"]["satisfaction_rate"]["weight"] = "abc"
        >>> Scheme.from_dict(d, source="my.yaml")
        Traceback (most recent call last):
        ...
        bankperf_analysis.exceptions.ParamsError: The 'weight' of KPI 'satisfaction_rate' for role 'teller' in my.yaml (key roles.teller.kpis.satisfaction_rate.weight) must be a number in [0, 1]. Got 'abc' instead.
        """  # noqa: E501
        return _parse_scheme(data, source)

    def to_dict(self) -> dict[str, Any]:
        """Return the scheme as a plain mapping shaped like the YAML file.

        Defaults are filled in (direction, rule, min_n), so the result describes
        the scheme completely and ``Scheme.from_dict(s.to_dict()) == s``.
        """

        def rule(k: KpiRule) -> dict[str, Any]:
            d: dict[str, Any] = {"target": k.target}
            if k.floor is not None:
                d["floor"] = k.floor
            d.update(direction=k.direction, weight=k.weight, rule=k.rule, min_n=k.min_n)
            return d

        def cut(c: PayCut | None):
            return None if c is None else {"below": c.below, "share": c.share}

        roles: dict[str, Any] = {}
        for r in self.roles:
            rd: dict[str, Any] = {"scored": r.scored}
            if r.kpis:
                rd["kpis"] = {k.kpi: rule(k) for k in r.kpis}
            if r.review_360 is not None:
                rd["review_360"] = {"rater_weights": dict(r.review_360.rater_weights)}
            roles[r.name] = rd
        d = self.definitions
        st = self.staffing
        return {
            "schema_version": self.schema_version,
            "name": self.name,
            "currency": self.currency,
            "definitions": {
                "satisfied_threshold": d.satisfied_threshold,
                "survey_scale_max": d.survey_scale_max,
                "service_level_seconds": d.service_level_seconds,
                "complaint_deadline_hours": d.complaint_deadline_hours,
                "volume_baseline_per_month": d.volume_baseline_per_month,
            },
            "scoring": {
                "min_scorable_weight_share": self.scoring.min_scorable_weight_share,
                "composite_decimals": self.scoring.composite_decimals,
            },
            "grades": [{"grade": b.grade, "low": b.low, "high": b.high} for b in self.grades],
            "money": {"bonus_by_grade": dict(self.money.bonus_by_grade)},
            "promotion": {
                "grade": self.promotion.grade,
                "min_quarters": self.promotion.min_quarters,
            },
            "roles": roles,
            "branch": {"kpis": {k.kpi: rule(k) for k in self.branch.kpis}},
            "branch_checks": {
                c.name: {
                    "kpi": c.kpi,
                    "min_n": c.min_n,
                    "rank_within": c.rank_within,
                    "reward": None
                    if c.reward is None
                    else {"top_n": c.reward.top_n, "min_score": c.reward.min_score},
                    "pay_cut": cut(c.pay_cut),
                    "heavier_pay_cut": cut(c.heavier_pay_cut),
                    "recheck_below": c.recheck_below,
                    "excellent_branch": None
                    if c.excellent_branch is None
                    else {
                        "annual_mean_min": c.excellent_branch.annual_mean_min,
                        "top_n": c.excellent_branch.top_n,
                    },
                }
                for c in self.branch_checks
            },
            "training_topics": {k: {"en": t.en, "zh": t.zh} for k, t in self.training_topics.items()},
            "staffing": {
                "shrinkage": st.shrinkage,
                "salary_per_fte_yuan_per_year": st.salary_per_fte_yuan_per_year,
                "yuan_per_satisfaction_point_per_year": st.yuan_per_satisfaction_point_per_year,
                "sales_roles": list(st.sales_roles),
                "min_sales_share": st.min_sales_share,
                "service_level_target": st.service_level_target,
                "max_mean_response_seconds": st.max_mean_response_seconds,
            },
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


# ------------------------------------------------------------------- loading


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last one silently).

    Built on libyaml's C parser when PyYAML has it (10x faster than the pure-Python one).
    """


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False):
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise ParamsError(
                f"The key {key!r} appears twice in the same mapping of {loader.name} "
                f"(line {key_node.start_mark.line + 1}). Each key must appear once."
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_scheme(path: str | Path | None = None) -> Scheme:
    """Load and validate a scheme file.

    Parameters
    ----------
    path : str or Path, optional
        YAML file. Default: the default scheme, ``params/scheme.yaml`` of the
        repository (an installed wheel carries it as ``bankperf_analysis/scheme/default.yaml``).

    Returns
    -------
    Scheme

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ParamsError
        If the file is not valid YAML or breaks a rule of the scheme; the
        message names the file, the key path and what was expected.

    Examples
    --------
    >>> scheme = load_scheme()
    >>> scheme.definitions.satisfied_threshold
    8.0
    >>> scheme.money.bonus("excellent")
    2000.0
    """
    p = default_scheme_path() if path is None else Path(path)
    source = str(path) if path is not None else "the default scheme (params/scheme.yaml)"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FileNotFoundError(f"The scheme file {p} does not exist.") from None
    loader = _UniqueKeyLoader(text)
    loader.name = source
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        raise ParamsError(f"The scheme file {source} is not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    if data is None:
        data = {}
    return Scheme.from_dict(data, source=source)


# ---------------------------------------------------------------- validation

_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")
_MISSING = object()


def _show(value: Any) -> str:
    if value is _MISSING:
        return "nothing (the key is missing)"
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


class _V:
    """Validation context: the source file plus helpers that raise ParamsError."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, what: str, path: str, expected: str, got: Any) -> None:
        raise ParamsError(
            f"The {what} in {self.source} (key {path}) must be {expected}. Got {_show(got)} instead."
        )

    def mapping(self, value: Any, what: str, path: str) -> dict:
        if not isinstance(value, Mapping):
            self.fail(what, path, "a mapping", value)
        return dict(value)

    def keys(
        self,
        d: Mapping,
        what: str,
        path: str,
        required: tuple[str, ...],
        optional: tuple[str, ...] = (),
    ) -> None:
        allowed = required + optional
        for key in d:
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                did = f" (did you mean '{hint[0]}'?)" if hint else ""
                raise ParamsError(
                    f"The {what} in {self.source} (key {path}) must only have the keys "
                    f"{', '.join(allowed)}. Got unknown key {key!r} instead{did}."
                )
        for key in required:
            if key not in d:
                raise ParamsError(
                    f"The {what} in {self.source} (key {path}) must have the key "
                    f"'{key}'. Got nothing (the key is missing) instead."
                )

    def number(
        self,
        value: Any,
        what: str,
        path: str,
        low: float = -_INF,
        high: float = _INF,
        *,
        low_open: bool = False,
        high_open: bool = False,
        allow_none: bool = False,
    ) -> float | None:
        if value is None and allow_none:
            return None
        lo_b = "(" if low_open else "["
        hi_b = ")" if high_open or high == _INF else "]"
        rng = f"{lo_b}{_g(low)}, {_g(high)}{hi_b}"
        expected = f"a number in {rng}" + (" or null" if allow_none else "")
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(what, path, expected, value)
        x = float(value)
        if math.isnan(x):
            self.fail(what, path, expected, value)
        too_low = x <= low if low_open else x < low
        too_high = x >= high if high_open else x > high
        if too_low or too_high:
            self.fail(what, path, expected, value)
        return x

    def integer(self, value: Any, what: str, path: str, low: int = 0, high: int | None = None):
        expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                self.fail(what, path, expected, value)
        if value < low or (high is not None and value > high):
            self.fail(what, path, expected, value)
        return int(value)

    def text(self, value: Any, what: str, path: str, pattern: re.Pattern | None = None) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(what, path, "a non-empty string", value)
        if pattern is not None and not pattern.match(value):
            self.fail(what, path, "a lower-case identifier (letters, digits, _)", value)
        return value

    def choice(self, value: Any, what: str, path: str, choices: tuple[str, ...]) -> str:
        if value not in choices:
            self.fail(what, path, "one of " + ", ".join(repr(c) for c in choices), value)
        return value

    def boolean(self, value: Any, what: str, path: str) -> bool:
        if not isinstance(value, bool):
            self.fail(what, path, "true or false", value)
        return value


def _g(x: float) -> str:
    if x == _INF:
        return "inf"
    if x == -_INF:
        return "-inf"
    return f"{x:g}"


def _known_kpi(v: _V, name: Any, what: str, path: str, *, staff_level: bool) -> KpiInfo:
    if name not in KNOWN_KPIS:
        hint = difflib.get_close_matches(str(name), list(KNOWN_KPIS), n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ParamsError(
            f"The {what} in {v.source} (key {path}) must be a known KPI "
            f"(see bankperf_analysis.scheme.model.KNOWN_KPIS). Got {name!r} instead{did}."
        )
    info = KNOWN_KPIS[name]
    if staff_level and not info.staff_level:
        v.fail(what, path, "a staff-level KPI (branch-only KPIs cannot score a person)", name)
    return info


def _parse_rule(v: _V, kpi: Any, raw: Any, owner: str, path: str, *, staff_level: bool):
    what_kpi = f"KPI {kpi!r} {owner}"
    info = _known_kpi(v, kpi, f"KPI {kpi!r} {owner}", path, staff_level=staff_level)
    d = v.mapping(raw, what_kpi, path)
    v.keys(d, what_kpi, path, ("target", "weight"), ("floor", "direction", "rule", "min_n"))
    w = f"'{{}}' of KPI '{kpi}' {owner}"
    rng = (info.low, info.high)
    target = v.number(d["target"], w.format("target"), f"{path}.target", *rng)
    direction = d.get("direction", info.direction)
    v.choice(direction, w.format("direction"), f"{path}.direction", ("higher", "lower"))
    if direction != info.direction:
        v.fail(
            w.format("direction"),
            f"{path}.direction",
            f"{info.direction!r} ({info.direction} is better for this KPI)",
            direction,
        )
    rule = d.get("rule", "linear")
    v.choice(rule, w.format("rule"), f"{path}.rule", ("linear", "pass_fail"))
    floor = d.get("floor", _MISSING if rule == "linear" else None)
    if floor is _MISSING:
        v.fail(w.format("floor"), f"{path}.floor", "a number (required by the linear rule)", floor)
    if floor is not None:
        floor = v.number(floor, w.format("floor"), f"{path}.floor", *rng)
        if direction == "higher" and not floor < target:
            v.fail(
                w.format("floor"),
                f"{path}.floor",
                f"below the target {target:g} (higher is better)",
                floor,
            )
        if direction == "lower" and not floor > target:
            v.fail(
                w.format("floor"),
                f"{path}.floor",
                f"above the target {target:g} (lower is better)",
                floor,
            )
    weight = v.number(d["weight"], w.format("weight"), f"{path}.weight", 0.0, 1.0)
    min_n = v.integer(d.get("min_n", 0 if info.is_count else 1), w.format("min_n"), f"{path}.min_n", 0)
    return KpiRule(kpi, target, floor, direction, weight, rule, min_n)


def _parse_rules(v: _V, raw: Any, owner: str, path: str, *, staff_level: bool):
    d = v.mapping(raw, f"'kpis' {owner}", path)
    if not d:
        v.fail(f"'kpis' {owner}", path, "a non-empty mapping of KPI -> rule", raw)
    rules = tuple(_parse_rule(v, k, r, owner, f"{path}.{k}", staff_level=staff_level) for k, r in d.items())
    total = math.fsum(r.weight for r in rules)
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        v.fail(
            f"weights of the KPIs {owner}",
            f"{path}.*.weight",
            f"numbers summing to 1 (tolerance {WEIGHT_TOLERANCE:g})",
            round(total, 12),
        )
    return rules


def _parse_grades(v: _V, raw: Any) -> tuple[GradeBand, ...]:
    if not isinstance(raw, list) or not raw:
        v.fail("'grades'", "grades", "a non-empty list of {grade, low, high} bands", raw)
    bands = []
    for i, item in enumerate(raw):
        path = f"grades[{i}]"
        d = v.mapping(item, f"grade band #{i + 1}", path)
        v.keys(d, f"grade band #{i + 1}", path, ("grade", "low", "high"))
        name = v.text(d["grade"], f"'grade' of grade band #{i + 1}", f"{path}.grade", _IDENT)
        what = f"'{{}}' of grade band '{name}'"
        low = v.number(d["low"], what.format("low"), f"{path}.low", allow_none=True)
        high = v.number(d["high"], what.format("high"), f"{path}.high", allow_none=True)
        if low is not None and high is not None and not low < high:
            v.fail(what.format("high"), f"{path}.high", f"greater than its low {low:g}", high)
        bands.append((i, GradeBand(name, low, high)))
    names = [b.grade for _, b in bands]
    for i, n in enumerate(names):
        if n in names[:i]:
            v.fail("'grade' names", f"grades[{i}].grade", "unique", n)
    ordered = sorted(bands, key=lambda ib: -_INF if ib[1].low is None else ib[1].low)
    for (ia, a), (ib, b) in zip(ordered, ordered[1:], strict=False):
        a_hi = _INF if a.high is None else a.high
        b_lo = -_INF if b.low is None else b.low
        pair = f"grades[{ia}] ('{a.grade}') and grades[{ib}] ('{b.grade}')"
        if a_hi > b_lo:
            raise ParamsError(
                f"The grade bands in {v.source} (key grades) must not overlap: each band is "
                f"[low, high) and the next band must start at the previous band's high. "
                f"Got overlapping bands {pair}: {a.as_text()} and {b.as_text()} instead."
            )
        if a_hi < b_lo:
            raise ParamsError(
                f"The grade bands in {v.source} (key grades) must leave no gaps: each band is "
                f"[low, high) and the next band must start at the previous band's high. "
                f"Got a gap between {pair}: {a.as_text()} and {b.as_text()} instead."
            )
    first, last = ordered[0][1], ordered[-1][1]
    if first.low is not None and first.low > 0:
        raise ParamsError(
            f"The grade bands in {v.source} (key grades) must cover composite scores from 0. "
            f"Got a lowest band {first.as_text()} ('{first.grade}') instead."
        )
    if last.high is not None and last.high <= 100:
        raise ParamsError(
            f"The grade bands in {v.source} (key grades) must cover composite scores up to "
            f"and including 100 (use high: null for the top band). "
            f"Got a highest band {last.as_text()} ('{last.grade}') instead."
        )
    return tuple(b for _, b in reversed(ordered))


def _parse_cut(v: _V, raw: Any, what: str, path: str) -> PayCut | None:
    if raw is None:
        return None
    d = v.mapping(raw, what, path)
    v.keys(d, what, path, ("below", "share"))
    below = v.number(d["below"], f"'below' of the {what}", f"{path}.below", 0, 100)
    share = v.number(d["share"], f"'share' of the {what}", f"{path}.share", 0, 1)
    return PayCut(below, share)


def _parse_check(v: _V, name: Any, raw: Any) -> BranchCheck:
    path = f"branch_checks.{name}"
    v.text(name, "name of a branch check", path, _IDENT)
    what = f"branch check '{name}'"
    d = v.mapping(raw, what, path)
    v.keys(
        d,
        what,
        path,
        ("kpi", "pay_cut"),
        ("min_n", "rank_within", "reward", "heavier_pay_cut", "recheck_below", "excellent_branch"),
    )
    info = _known_kpi(v, d["kpi"], f"'kpi' of {what}", f"{path}.kpi", staff_level=False)
    if info.direction != "higher":
        v.fail(f"'kpi' of {what}", f"{path}.kpi", "a higher-is-better check score", d["kpi"])
    rng = (info.low, info.high)
    min_n = v.integer(d.get("min_n", 1), f"'min_n' of {what}", f"{path}.min_n", 0)
    within = v.choice(
        d.get("rank_within", "bank"),
        f"'rank_within' of {what}",
        f"{path}.rank_within",
        ("bank", "region"),
    )
    reward = None
    if d.get("reward") is not None:
        rp = f"{path}.reward"
        rd = v.mapping(d["reward"], f"'reward' of {what}", rp)
        v.keys(rd, f"'reward' of {what}", rp, ("top_n", "min_score"))
        reward = Reward(
            v.integer(rd["top_n"], f"'top_n' of the reward of {what}", f"{rp}.top_n", 1),
            v.number(rd["min_score"], f"'min_score' of the reward of {what}", f"{rp}.min_score", *rng),
        )
    cut = _parse_cut(v, d["pay_cut"], f"pay cut of {what}", f"{path}.pay_cut")
    heavier = _parse_cut(v, d.get("heavier_pay_cut"), f"heavier pay cut of {what}", f"{path}.heavier_pay_cut")
    if heavier is not None:
        if cut is None:
            v.fail(f"'pay_cut' of {what}", f"{path}.pay_cut", "given when a heavier pay cut is given", None)
        if heavier.below > cut.below:
            v.fail(
                f"'below' of the heavier pay cut of {what}",
                f"{path}.heavier_pay_cut.below",
                f"at most the pay cut's 'below' ({cut.below:g})",
                heavier.below,
            )
        if heavier.share < cut.share:
            v.fail(
                f"'share' of the heavier pay cut of {what}",
                f"{path}.heavier_pay_cut.share",
                f"at least the pay cut's 'share' ({cut.share:g})",
                heavier.share,
            )
    recheck = v.number(
        d.get("recheck_below"),
        f"'recheck_below' of {what}",
        f"{path}.recheck_below",
        *rng,
        allow_none=True,
    )
    excellent = None
    if d.get("excellent_branch") is not None:
        ep = f"{path}.excellent_branch"
        ed = v.mapping(d["excellent_branch"], f"'excellent_branch' of {what}", ep)
        v.keys(ed, f"'excellent_branch' of {what}", ep, ("annual_mean_min", "top_n"))
        excellent = ExcellentBranch(
            v.number(
                ed["annual_mean_min"],
                f"'annual_mean_min' of the excellent-branch rule of {what}",
                f"{ep}.annual_mean_min",
                *rng,
            ),
            v.integer(ed["top_n"], f"'top_n' of the excellent-branch rule of {what}", f"{ep}.top_n", 1),
        )
    return BranchCheck(name, d["kpi"], min_n, within, reward, cut, heavier, recheck, excellent)


def _parse_scheme(data: Any, source: str) -> Scheme:
    v = _V(source)
    top = v.mapping(data, "scheme", "<top level>")
    v.keys(
        top,
        "scheme",
        "<top level>",
        (
            "schema_version",
            "definitions",
            "scoring",
            "grades",
            "money",
            "promotion",
            "roles",
            "branch",
            "branch_checks",
            "staffing",
        ),
        ("name", "currency", "training_topics"),
    )
    version = v.integer(top["schema_version"], "'schema_version'", "schema_version", 1, 1)
    name = v.text(top.get("name", "default"), "'name'", "name")
    currency = v.text(top.get("currency", "CNY"), "'currency'", "currency")

    # definitions
    dd = v.mapping(top["definitions"], "'definitions'", "definitions")
    dkeys = (
        "satisfied_threshold",
        "survey_scale_max",
        "service_level_seconds",
        "complaint_deadline_hours",
        "volume_baseline_per_month",
    )
    v.keys(dd, "'definitions'", "definitions", dkeys)
    scale = v.number(
        dd["survey_scale_max"],
        "'survey_scale_max' of the definitions",
        "definitions.survey_scale_max",
        0,
        low_open=True,
    )
    definitions = Definitions(
        satisfied_threshold=v.number(
            dd["satisfied_threshold"],
            "'satisfied_threshold' of the definitions",
            "definitions.satisfied_threshold",
            0,
            scale,
            low_open=True,
        ),
        survey_scale_max=scale,
        service_level_seconds=v.number(
            dd["service_level_seconds"],
            "'service_level_seconds' of the definitions",
            "definitions.service_level_seconds",
            0,
            low_open=True,
        ),
        complaint_deadline_hours=v.number(
            dd["complaint_deadline_hours"],
            "'complaint_deadline_hours' of the definitions",
            "definitions.complaint_deadline_hours",
            0,
            low_open=True,
        ),
        volume_baseline_per_month=v.number(
            dd["volume_baseline_per_month"],
            "'volume_baseline_per_month' of the definitions",
            "definitions.volume_baseline_per_month",
            0,
            low_open=True,
        ),
    )

    # scoring
    sd = v.mapping(top["scoring"], "'scoring'", "scoring")
    v.keys(sd, "'scoring'", "scoring", ("min_scorable_weight_share",), ("composite_decimals",))
    scoring = ScoringOptions(
        v.number(
            sd["min_scorable_weight_share"],
            "'min_scorable_weight_share' of the scoring",
            "scoring.min_scorable_weight_share",
            0,
            1,
        ),
        v.integer(
            sd.get("composite_decimals", 9),
            "'composite_decimals' of the scoring",
            "scoring.composite_decimals",
            0,
            15,
        ),
    )

    grades = _parse_grades(v, top["grades"])
    grade_names = tuple(b.grade for b in grades)

    # money
    md = v.mapping(top["money"], "'money'", "money")
    v.keys(md, "'money'", "money", ("bonus_by_grade",))
    bd = v.mapping(md["bonus_by_grade"], "'bonus_by_grade' of the money", "money.bonus_by_grade")
    bonus = {}
    for g, amount in bd.items():
        v.choice(g, "grade named in the money's 'bonus_by_grade'", f"money.bonus_by_grade.{g}", grade_names)
        bonus[g] = v.number(amount, f"bonus of grade '{g}'", f"money.bonus_by_grade.{g}", 0)
    money = Money(bonus)

    # promotion
    pd_ = v.mapping(top["promotion"], "'promotion'", "promotion")
    v.keys(pd_, "'promotion'", "promotion", ("grade", "min_quarters"))
    promotion = Promotion(
        v.choice(pd_["grade"], "'grade' of the promotion rule", "promotion.grade", grade_names),
        v.integer(
            pd_["min_quarters"], "'min_quarters' of the promotion rule", "promotion.min_quarters", 1, 4
        ),
    )

    # roles
    rd = v.mapping(top["roles"], "'roles'", "roles")
    if not rd:
        v.fail("'roles'", "roles", "a non-empty mapping of role -> scheme", rd)
    roles = []
    for rname, raw in rd.items():
        rpath = f"roles.{rname}"
        if rname not in KNOWN_ROLES:
            hint = difflib.get_close_matches(str(rname), KNOWN_ROLES, n=1)
            did = f" (did you mean '{hint[0]}'?)" if hint else ""
            raise ParamsError(
                f"The role {rname!r} in {source} (key {rpath}) must be a known role "
                f"({', '.join(KNOWN_ROLES)}). Got {rname!r} instead{did}."
            )
        owner = f"for role '{rname}'"
        r = v.mapping(raw, f"scheme of role '{rname}'", rpath)
        v.keys(r, f"scheme of role '{rname}'", rpath, (), ("scored", "kpis", "review_360"))
        scored = v.boolean(r.get("scored", True), f"'scored' of role '{rname}'", f"{rpath}.scored")
        if scored and "kpis" not in r:
            v.fail(
                f"'kpis' of role '{rname}'",
                f"{rpath}.kpis",
                "a mapping of KPI -> rule (the role is scored)",
                _MISSING,
            )
        kpis = _parse_rules(v, r["kpis"], owner, f"{rpath}.kpis", staff_level=True) if "kpis" in r else ()
        review = None
        if r.get("review_360") is not None:
            rp = f"{rpath}.review_360"
            rv = v.mapping(r["review_360"], f"'review_360' of role '{rname}'", rp)
            v.keys(rv, f"'review_360' of role '{rname}'", rp, ("rater_weights",))
            wd = v.mapping(rv["rater_weights"], f"'rater_weights' of role '{rname}'", f"{rp}.rater_weights")
            if not wd:
                v.fail(
                    f"'rater_weights' of role '{rname}'",
                    f"{rp}.rater_weights",
                    "a non-empty mapping of rater group -> weight",
                    wd,
                )
            weights = {}
            for rater, w in wd.items():
                v.text(rater, f"rater group of role '{rname}'", f"{rp}.rater_weights", _IDENT)
                weights[rater] = v.number(
                    w, f"'{rater}' rater weight for role '{rname}'", f"{rp}.rater_weights.{rater}", 0, 1
                )
            total = math.fsum(weights.values())
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                v.fail(
                    f"rater weights for role '{rname}'",
                    f"{rp}.rater_weights",
                    f"numbers summing to 1 (tolerance {WEIGHT_TOLERANCE:g})",
                    round(total, 12),
                )
            review = Review360(weights)
        roles.append(RoleScheme(rname, scored, kpis, review))

    # branch
    brd = v.mapping(top["branch"], "'branch'", "branch")
    v.keys(brd, "'branch'", "branch", ("kpis",))
    branch = BranchScheme(_parse_rules(v, brd["kpis"], "for the branches", "branch.kpis", staff_level=False))

    # branch checks
    cd = v.mapping(top["branch_checks"], "'branch_checks'", "branch_checks")
    checks = tuple(_parse_check(v, n, raw) for n, raw in cd.items())

    # training topics
    td = v.mapping(top.get("training_topics") or {}, "'training_topics'", "training_topics")
    topics = {}
    for kpi, raw in td.items():
        tp = f"training_topics.{kpi}"
        _known_kpi(v, kpi, "KPI of a training topic", tp, staff_level=False)
        t = v.mapping(raw, f"training topic of KPI '{kpi}'", tp)
        v.keys(t, f"training topic of KPI '{kpi}'", tp, ("en", "zh"))
        topics[kpi] = TrainingTopic(
            v.text(t["en"], f"'en' training topic of KPI '{kpi}'", f"{tp}.en"),
            v.text(t["zh"], f"'zh' training topic of KPI '{kpi}'", f"{tp}.zh"),
        )

    # staffing
    sf = v.mapping(top["staffing"], "'staffing'", "staffing")
    skeys = (
        "shrinkage",
        "salary_per_fte_yuan_per_year",
        "yuan_per_satisfaction_point_per_year",
        "sales_roles",
        "min_sales_share",
        "service_level_target",
        "max_mean_response_seconds",
    )
    v.keys(sf, "'staffing'", "staffing", skeys)
    if not isinstance(sf["sales_roles"], list):
        v.fail("'sales_roles' of the staffing", "staffing.sales_roles", "a list of roles", sf["sales_roles"])
    for i, role in enumerate(sf["sales_roles"]):
        v.choice(role, "sales role", f"staffing.sales_roles[{i}]", KNOWN_ROLES)
    staffing = Staffing(
        shrinkage=v.number(
            sf["shrinkage"], "'shrinkage' of the staffing", "staffing.shrinkage", 0, 1, high_open=True
        ),
        salary_per_fte_yuan_per_year=v.number(
            sf["salary_per_fte_yuan_per_year"],
            "'salary_per_fte_yuan_per_year' of the staffing",
            "staffing.salary_per_fte_yuan_per_year",
            0,
        ),
        yuan_per_satisfaction_point_per_year=v.number(
            sf["yuan_per_satisfaction_point_per_year"],
            "'yuan_per_satisfaction_point_per_year' of the staffing",
            "staffing.yuan_per_satisfaction_point_per_year",
            0,
        ),
        sales_roles=tuple(sf["sales_roles"]),
        min_sales_share=v.number(
            sf["min_sales_share"], "'min_sales_share' of the staffing", "staffing.min_sales_share", 0, 1
        ),
        service_level_target=v.number(
            sf["service_level_target"],
            "'service_level_target' of the staffing",
            "staffing.service_level_target",
            0,
            1,
            low_open=True,
        ),
        max_mean_response_seconds=v.number(
            sf["max_mean_response_seconds"],
            "'max_mean_response_seconds' of the staffing",
            "staffing.max_mean_response_seconds",
            0,
            low_open=True,
        ),
    )

    return Scheme(
        schema_version=version,
        name=name,
        currency=currency,
        definitions=definitions,
        scoring=scoring,
        grades=grades,
        money=money,
        promotion=promotion,
        roles=tuple(roles),
        branch=branch,
        branch_checks=checks,
        training_topics=topics,
        staffing=staffing,
        source=source,
    )

"""Read ``params/scheme.yaml`` and validate it into a :class:`~bankperf_analysis.scheme.model.Scheme`.

:func:`load_scheme` reads the YAML (refusing a key that appears twice in a mapping, which
PyYAML would silently keep the last of) and :func:`parse_scheme` validates the mapping,
section by section in the order of the file: definitions, scoring, grades, money,
promotion, roles, branch, branch checks, training topics, staffing. The first invalid
entry raises a :class:`~bankperf_analysis.exceptions.ParamsError` that names the file, the
key path and what was expected::

    The 'weight' of KPI 'satisfaction_rate' for role 'teller' in my.yaml
    (key roles.teller.kpis.satisfaction_rate.weight) must be a number in [0, 1]. Got 'abc' instead.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NoReturn, cast

import yaml

from bankperf_analysis._resources import default_scheme_path
from bankperf_analysis.exceptions import ParamsError, UnreadableInputError, ValidationIssue
from bankperf_analysis.l10n import DEFAULT_TIMEZONE, check_timezone
from bankperf_analysis.scheme._channels import parse_channels
from bankperf_analysis.scheme._pay import parse_adjustments, parse_money, parse_veto
from bankperf_analysis.scheme._period import PERIOD_KEYS, parse_annual_target_basis, parse_target_periods
from bankperf_analysis.scheme._posts import parse_sales_roles
from bankperf_analysis.scheme._roster import parse_roster
from bankperf_analysis.scheme._scored_on import parse_scored_on
from bankperf_analysis.scheme._staffing import OPTIONAL_STAFFING_KEYS, optional_staffing
from bankperf_analysis.scheme.kpis import KNOWN_KPIS, KNOWN_ROLES, Direction, KpiInfo
from bankperf_analysis.scheme.model import (
    DEFAULT_MIN_DAYS_IN_POST,
    WEIGHT_TOLERANCE,
    BranchCheck,
    BranchScheme,
    Definitions,
    ExcellentBranch,
    GradeBand,
    KpiRule,
    Money,
    PayCut,
    Promotion,
    RankWithin,
    Review360,
    Reward,
    RoleScheme,
    Scheme,
    ScoringOptions,
    ScoringRule,
    Staffing,
    TrainingTopic,
)

__all__ = ["default_scheme_path", "load_scheme", "parse_scheme"]

_INF = math.inf

# ------------------------------------------------------------------- loading

try:  # libyaml's C parser when PyYAML has it (10x faster than the pure-Python one)
    from yaml import CSafeLoader as _SafeLoader
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    from yaml import SafeLoader as _SafeLoader  # type: ignore[assignment]


class _UniqueKeyLoader(_SafeLoader):
    """SafeLoader that rejects duplicate mapping keys (PyYAML keeps the last one silently).

    Built on libyaml's C parser when PyYAML has it (10x faster than the pure-Python one).
    """

    name: str  # the source named in messages, set by load_scheme


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
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


class _SchemeUnreadable(UnreadableInputError):
    """A scheme file that cannot be read; the message opens with one plain sentence."""

    def __init__(self, sentence: str, issue: ValidationIssue):
        self.sentence = sentence
        super().__init__([issue])

    def __reduce__(self):
        return (type(self), (self.sentence, self.issues[0]))

    def _message(self, limit: int = 50) -> str:
        return f"{self.sentence}\n{super()._message(limit)}"


class _SchemeMissing(_SchemeUnreadable, FileNotFoundError):
    """A scheme file that does not exist (still a FileNotFoundError for callers catching that)."""


class _SchemeNotYaml(_SchemeUnreadable, ParamsError):
    """A scheme file with a YAML syntax error (still a ParamsError for callers catching that)."""


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
    UnreadableInputError
        If the file cannot be read (``bankperf`` exits 4): it does not exist (the error is
        also a ``FileNotFoundError``), is not UTF-8 text, or is not valid YAML (also a
        ``ParamsError``); the issue names the file, and the line of a syntax error.
    ParamsError
        If the file breaks a rule of the scheme; the message names the file, the key path
        and what was expected.

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
    expected = "a scheme YAML file (UTF-8)"
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        issue = ValidationIssue("", str(p), None, "", "(does not exist)", expected)
        raise _SchemeMissing(f"The scheme file {p} does not exist.", issue) from None
    except (OSError, UnicodeDecodeError) as exc:
        issue = ValidationIssue("", str(p), None, "", f"{type(exc).__name__}: {exc}"[:160], expected)
        raise _SchemeUnreadable(f"The scheme file {p} cannot be read.", issue) from None
    loader = _UniqueKeyLoader(text)
    loader.name = source
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        where = "" if mark is None else f"line {line}, column {mark.column + 1}: "
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        issue = ValidationIssue(
            "", str(p), line, "", f"{where}{problem}", "valid YAML: the scheme's mapping of keys"
        )
        raise _SchemeNotYaml(f"The scheme file {source} is not valid YAML: {exc}", issue) from exc
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


def _g(x: float) -> str:
    if x == _INF:
        return "inf"
    if x == -_INF:
        return "-inf"
    return f"{x:g}"


class _V:
    """Validation context: the source file plus helpers that raise ParamsError."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, what: str, path: str, expected: str, got: Any) -> NoReturn:
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
    ) -> float:
        return self._number(value, what, path, low, high, low_open, high_open, or_null=False)

    def number_or_null(
        self, value: Any, what: str, path: str, low: float = -_INF, high: float = _INF
    ) -> float | None:
        if value is None:
            return None
        return self._number(value, what, path, low, high, False, False, or_null=True)

    def _number(
        self,
        value: Any,
        what: str,
        path: str,
        low: float,
        high: float,
        low_open: bool,
        high_open: bool,
        *,
        or_null: bool,
    ) -> float:
        lo_b = "(" if low_open else "["
        hi_b = ")" if high_open or high == _INF else "]"
        rng = f"{lo_b}{_g(low)}, {_g(high)}{hi_b}"
        expected = f"a number in {rng}" + (" or null" if or_null else "")
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

    def integer(self, value: Any, what: str, path: str, low: int = 0, high: int | None = None) -> int:
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


# ------------------------------------------------------------- the scheme

_TOP_REQUIRED = (
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
)
_TOP_OPTIONAL = ("name", "currency", "training_topics", "timezone", "roster")


def parse_scheme(data: Any, source: str) -> Scheme:
    """Validate a mapping shaped like ``params/scheme.yaml`` (see :meth:`Scheme.from_dict`).

    The sections are checked in the order of the file; ``source`` names the file in the
    error messages.
    """
    v = _V(source)
    top = v.mapping(data, "scheme", "<top level>")
    v.keys(top, "scheme", "<top level>", _TOP_REQUIRED, _TOP_OPTIONAL)
    version = v.integer(top["schema_version"], "'schema_version'", "schema_version", 1, 1)
    name = v.text(top.get("name", "default"), "'name'", "name")
    currency = v.text(top.get("currency", "CNY"), "'currency'", "currency")
    timezone = v.text(top.get("timezone", DEFAULT_TIMEZONE), "'timezone'", "timezone")
    try:
        check_timezone(timezone)
    except ParamsError:
        v.fail("'timezone'", "timezone", "an IANA time zone name such as 'Asia/Shanghai'", timezone)
    definitions = _parse_definitions(v, top["definitions"])
    scoring = _parse_scoring(v, top["scoring"])
    grades = _parse_grades(v, top["grades"])
    grade_names = tuple(b.grade for b in grades)
    money = _parse_money(v, top["money"], grade_names)
    promotion = _parse_promotion(v, top["promotion"], grade_names)
    roles = _parse_roles(v, top["roles"])
    brd = v.mapping(top["branch"], "'branch'", "branch")
    v.keys(brd, "'branch'", "branch", ("kpis",))
    branch = BranchScheme(_parse_rules(v, brd["kpis"], "for the branches", "branch.kpis", staff_level=False))
    cd = v.mapping(top["branch_checks"], "'branch_checks'", "branch_checks")
    checks = tuple(_parse_check(v, n, raw) for n, raw in cd.items())
    topics = _parse_training_topics(v, top.get("training_topics") or {})
    staffing = _parse_staffing(v, top["staffing"])
    roster = parse_roster(v, top.get("roster"))
    return Scheme(
        schema_version=version,
        name=name,
        currency=currency,
        definitions=definitions,
        scoring=scoring,
        grades=grades,
        money=money,
        promotion=promotion,
        roles=roles,
        branch=branch,
        branch_checks=checks,
        training_topics=topics,
        staffing=staffing,
        roster=roster,
        timezone=timezone,
        source=source,
    )


def _parse_definitions(v: _V, raw: Any) -> Definitions:
    dd = v.mapping(raw, "'definitions'", "definitions")
    dkeys = (
        "satisfied_threshold",
        "survey_scale_max",
        "service_level_seconds",
        "complaint_deadline_hours",
        "volume_baseline_per_month",
    )
    v.keys(dd, "'definitions'", "definitions", dkeys, ("channels",))

    def positive(key: str, high: float = _INF) -> float:
        return v.number(dd[key], f"'{key}' of the definitions", f"definitions.{key}", 0, high, low_open=True)

    scale = positive("survey_scale_max")
    return Definitions(
        satisfied_threshold=positive("satisfied_threshold", scale),
        survey_scale_max=scale,
        service_level_seconds=positive("service_level_seconds"),
        complaint_deadline_hours=positive("complaint_deadline_hours"),
        volume_baseline_per_month=positive("volume_baseline_per_month"),
        channels=parse_channels(v, dd.get("channels")),
    )


def _parse_scoring(v: _V, raw: Any) -> ScoringOptions:
    sd = v.mapping(raw, "'scoring'", "scoring")
    optional = ("composite_decimals", "min_days_in_post", "adjustments", "veto", *PERIOD_KEYS)
    v.keys(sd, "'scoring'", "scoring", ("min_scorable_weight_share",), optional)
    return ScoringOptions(
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
        v.integer(
            sd.get("min_days_in_post", DEFAULT_MIN_DAYS_IN_POST),
            "'min_days_in_post' of the scoring",
            "scoring.min_days_in_post",
            1,
            92,
        ),
        parse_annual_target_basis(v, sd.get("annual_target_basis")),
        parse_target_periods(v, sd.get("target_periods")),
        parse_adjustments(v, sd.get("adjustments")),  # scheme/_pay.py
        parse_veto(v, sd.get("veto")),
    )


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
        low = v.number_or_null(d["low"], what.format("low"), f"{path}.low")
        high = v.number_or_null(d["high"], what.format("high"), f"{path}.high")
        if low is not None and high is not None and not low < high:
            v.fail(what.format("high"), f"{path}.high", f"greater than its low {low:g}", high)
        bands.append((i, GradeBand(name, low, high)))
    names = [b.grade for _, b in bands]
    for i, n in enumerate(names):
        if n in names[:i]:
            v.fail("'grade' names", f"grades[{i}].grade", "unique", n)
    ordered = sorted(bands, key=lambda ib: -_INF if ib[1].low is None else ib[1].low)
    _check_grade_cover(v, ordered)
    return tuple(b for _, b in reversed(ordered))


def _check_grade_cover(v: _V, ordered: list[tuple[int, GradeBand]]) -> None:
    """Bands sorted by ``low`` must tile [0, 100] without overlaps or gaps."""
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


def _parse_money(v: _V, raw: Any, grade_names: tuple[str, ...]) -> Money:
    return Money(*parse_money(v, raw, grade_names))  # scheme/_pay.py (fixed or coefficient, deductions)


def _parse_promotion(v: _V, raw: Any, grade_names: tuple[str, ...]) -> Promotion:
    pd_ = v.mapping(raw, "'promotion'", "promotion")
    v.keys(pd_, "'promotion'", "promotion", ("grade", "min_quarters"))
    return Promotion(
        v.choice(pd_["grade"], "'grade' of the promotion rule", "promotion.grade", grade_names),
        v.integer(
            pd_["min_quarters"], "'min_quarters' of the promotion rule", "promotion.min_quarters", 1, 4
        ),
    )


# ------------------------------------------------------------------- roles


def _parse_roles(v: _V, raw: Any) -> tuple[RoleScheme, ...]:
    rd = v.mapping(raw, "'roles'", "roles")
    if not rd:
        v.fail("'roles'", "roles", "a non-empty mapping of role -> scheme", rd)
    return tuple(_parse_role(v, rname, r) for rname, r in rd.items())


def _parse_role(v: _V, rname: Any, raw: Any) -> RoleScheme:
    rpath = f"roles.{rname}"
    if rname not in KNOWN_ROLES:
        hint = difflib.get_close_matches(str(rname), KNOWN_ROLES, n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ParamsError(
            f"The role {rname!r} in {v.source} (key {rpath}) must be a known role "
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
        review = _parse_review_360(v, rname, r["review_360"], f"{rpath}.review_360")
    return RoleScheme(rname, scored, kpis, review)


def _parse_review_360(v: _V, rname: str, raw: Any, rp: str) -> Review360:
    rv = v.mapping(raw, f"'review_360' of role '{rname}'", rp)
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
    return Review360(weights)


# --------------------------------------------------------------- KPI rules


def _known_kpi(v: _V, name: Any, what: str, path: str, *, staff_level: bool) -> KpiInfo:
    if name not in KNOWN_KPIS:
        hint = difflib.get_close_matches(str(name), list(KNOWN_KPIS), n=1)
        did = f" (did you mean '{hint[0]}'?)" if hint else ""
        raise ParamsError(
            f"The {what} in {v.source} (key {path}) must be a known KPI "
            f"(see bankperf_analysis.scheme.KNOWN_KPIS). Got {name!r} instead{did}."
        )
    info = KNOWN_KPIS[name]
    if staff_level and not info.staff_level:
        v.fail(what, path, "a staff-level KPI (branch-only KPIs cannot score a person)", name)
    return info


def _parse_rule(v: _V, kpi: Any, raw: Any, owner: str, path: str, *, staff_level: bool) -> KpiRule:
    what_kpi = f"KPI {kpi!r} {owner}"
    info = _known_kpi(v, kpi, f"KPI {kpi!r} {owner}", path, staff_level=False)  # roles: see parse_scored_on
    d = v.mapping(raw, what_kpi, path)
    opt = ("floor", "direction", "rule", "min_n") + (("scored_on",) if staff_level else ())
    v.keys(d, what_kpi, path, ("target", "weight"), opt)
    scored_on = parse_scored_on(v, info, d, owner, path) if staff_level else "own"
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
    raw_floor = d.get("floor", _MISSING if rule == "linear" else None)
    if raw_floor is _MISSING:
        v.fail(w.format("floor"), f"{path}.floor", "a number (required by the linear rule)", raw_floor)
    floor = None
    if raw_floor is not None:
        floor = v.number(raw_floor, w.format("floor"), f"{path}.floor", *rng)
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
    min_n = v.integer(d.get("min_n", info.min_n), w.format("min_n"), f"{path}.min_n", 0)
    how = cast(ScoringRule, rule)
    return KpiRule(kpi, target, floor, cast(Direction, direction), weight, how, min_n, scored_on)


def _parse_rules(v: _V, raw: Any, owner: str, path: str, *, staff_level: bool) -> tuple[KpiRule, ...]:
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


# ----------------------------------------------------------- branch checks


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
    rank_within = cast(RankWithin, within)
    reward = None
    if d.get("reward") is not None:
        rp = f"{path}.reward"
        rd = v.mapping(d["reward"], f"'reward' of {what}", rp)
        v.keys(rd, f"'reward' of {what}", rp, ("top_n", "min_score"))
        reward = Reward(
            v.integer(rd["top_n"], f"'top_n' of the reward of {what}", f"{rp}.top_n", 1),
            v.number(rd["min_score"], f"'min_score' of the reward of {what}", f"{rp}.min_score", *rng),
        )
    cut, heavier = _parse_cuts(v, d, what, path)
    recheck = v.number_or_null(
        d.get("recheck_below"), f"'recheck_below' of {what}", f"{path}.recheck_below", *rng
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
    return BranchCheck(name, d["kpi"], min_n, rank_within, reward, cut, heavier, recheck, excellent)


def _parse_cuts(v: _V, d: Mapping[str, Any], what: str, path: str) -> tuple[PayCut | None, PayCut | None]:
    """The pay cut of a branch check and its heavier pay cut (deeper below, larger share)."""
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
    return cut, heavier


def _parse_cut(v: _V, raw: Any, what: str, path: str) -> PayCut | None:
    if raw is None:
        return None
    d = v.mapping(raw, what, path)
    v.keys(d, what, path, ("below", "share"))
    below = v.number(d["below"], f"'below' of the {what}", f"{path}.below", 0, 100)
    share = v.number(d["share"], f"'share' of the {what}", f"{path}.share", 0, 1)
    return PayCut(below, share)


# ---------------------------------------------------- training and staffing


def _parse_training_topics(v: _V, raw: Any) -> dict[str, TrainingTopic]:
    td = v.mapping(raw, "'training_topics'", "training_topics")
    topics = {}
    for kpi, item in td.items():
        tp = f"training_topics.{kpi}"
        _known_kpi(v, kpi, "KPI of a training topic", tp, staff_level=False)
        t = v.mapping(item, f"training topic of KPI '{kpi}'", tp)
        v.keys(t, f"training topic of KPI '{kpi}'", tp, ("en", "zh"))
        topics[kpi] = TrainingTopic(
            v.text(t["en"], f"'en' training topic of KPI '{kpi}'", f"{tp}.en"),
            v.text(t["zh"], f"'zh' training topic of KPI '{kpi}'", f"{tp}.zh"),
        )
    return topics


def _parse_staffing(v: _V, raw: Any) -> Staffing:
    sf = v.mapping(raw, "'staffing'", "staffing")
    skeys = (
        "shrinkage",
        "salary_per_fte_yuan_per_year",
        "yuan_per_satisfaction_point_per_year",
        "sales_roles",
        "min_sales_share",
        "service_level_target",
        "max_mean_response_seconds",
    )
    v.keys(sf, "'staffing'", "staffing", skeys, OPTIONAL_STAFFING_KEYS)

    def number(key: str, low: float = 0, high: float = _INF, **kw: bool) -> float:
        return v.number(sf[key], f"'{key}' of the staffing", f"staffing.{key}", low, high, **kw)

    return Staffing(
        shrinkage=number("shrinkage", 0, 1, high_open=True),
        salary_per_fte_yuan_per_year=number("salary_per_fte_yuan_per_year"),
        yuan_per_satisfaction_point_per_year=number("yuan_per_satisfaction_point_per_year"),
        sales_roles=parse_sales_roles(v, sf["sales_roles"]),
        min_sales_share=number("min_sales_share", 0, 1),
        service_level_target=number("service_level_target", 0, 1, low_open=True),
        max_mean_response_seconds=number("max_mean_response_seconds", low_open=True),
        **optional_staffing(v, sf),
    )

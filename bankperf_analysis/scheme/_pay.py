"""Deductions, veto and money in the scheme: ``scoring.adjustments``, ``scoring.veto``, ``money``.

Issue 13, item 6. Every rule is declared in the scheme YAML and validated here; an error names
the key (``scoring.veto.big_cash_error.above``) and what is allowed::

    scoring:
      adjustments:                 # 加减分项: points from the data table `adjustments`
        max_addition: 5            # at most +5 composite points per person and quarter
        max_deduction: 10          # at most -10
      veto:                        # 一票否决: the person cannot be graded at the top band
        effective_complaint: {kind: effective_complaint, min_count: 1}
        big_cash_error: {kind: cash_error, basis: quarter_yuan, above: 2000}
    money:
      bonus:                       # 绩效系数: bonus = base_yuan x coefficient of the grade
        basis: coefficient
        base_yuan: 2000
        coefficient_by_grade: {excellent: 1.0, good: 0.5}
      deduction_by_grade: {needs_improvement: 500}   # pay deducted, yuan

``money.bonus_by_grade`` (a fixed amount per grade) stays valid; a scheme gives it or
``money.bonus``, not both. ``money.bonus.pool`` shares a pool per branch or per role by
coefficient instead (see :func:`bankperf_analysis.scorecard.pay.share_pool`). A scheme without
these keys reads and hashes exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = [
    "AdjustmentCaps",
    "VetoRule",
    "BonusPool",
    "CoefficientBonus",
    "BranchCutSharing",
    "VETO_KINDS",
    "CASH_ERROR_BASES",
    "parse_adjustments",
    "parse_veto",
    "parse_money",
    "scoring_extra_dict",
    "money_dict",
]

VetoKind = Literal["effective_complaint", "cash_error"]
#: The veto kinds a scheme may declare, with the parameters each takes.
VETO_KINDS: dict[str, tuple[str, ...]] = {
    "effective_complaint": ("min_count",),
    "cash_error": ("basis", "above"),
}
#: What a cash-error veto compares with ``above``: the largest error of one working day
#: (yuan), the quarter's total (yuan), or the number of working days with an error.
CASH_ERROR_BASES: tuple[str, ...] = ("day_yuan", "quarter_yuan", "error_days")


@dataclass(frozen=True, slots=True)
class AdjustmentCaps:
    """Caps on a person's additions and deductions (加减分项) in one quarter, in composite points.

    The additions of a quarter are summed and capped at ``max_addition``, the deductions
    summed and capped at ``max_deduction``; the net is added to the composite, which is then
    clipped to [0, 100].
    """

    max_addition: float
    max_deduction: float


@dataclass(frozen=True, slots=True)
class VetoRule:
    """One veto rule (一票否决): when it holds in a quarter, the person cannot get the top grade.

    ``kind`` ``effective_complaint``: at least ``min_count`` complaints against the person,
    opened in the quarter, ruled effective in the ``complaint_rulings`` table.
    ``kind`` ``cash_error``: the person's cash error, on ``basis`` (``day_yuan``,
    ``quarter_yuan`` or ``error_days``), strictly above ``above``.
    """

    name: str
    kind: VetoKind
    min_count: int = 1
    basis: str = "quarter_yuan"
    above: float = 0.0


@dataclass(frozen=True, slots=True)
class BonusPool:
    """A bonus pool per branch or per role, shared out by coefficient in whole yuan.

    The pool of a group is ``yuan_per_head`` x the people graded in it, or ``fixed_yuan``.
    """

    per: Literal["branch", "role"]
    yuan_per_head: int | None = None
    fixed_yuan: int | None = None


@dataclass(frozen=True, slots=True)
class BranchCutSharing:
    """A branch's pay cut (its service checks) shared out to its staff in ``roles``, whole yuan.

    The cut is ``performance_pay_yuan`` x the branch's pay-cut share of the quarter (the sum
    over its checks), shared equally among the branch's people of ``roles`` on the staff card.
    """

    performance_pay_yuan: int
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CoefficientBonus:
    """Bonus by grade coefficient (绩效系数): ``base_yuan`` x coefficient, or a pool shared by it."""

    coefficient_by_grade: dict[str, float]
    base_yuan: int | None = None
    pool: BonusPool | None = None
    deduction_by_grade: dict[str, float] = field(default_factory=dict)
    branch_pay_cut: BranchCutSharing | None = None


# ------------------------------------------------------------------ scoring


def parse_adjustments(v: _V, raw: Any) -> AdjustmentCaps | None:
    """Validate ``scoring.adjustments`` (None when absent: adjustments are not applied)."""
    if raw is None:
        return None
    p = "scoring.adjustments"
    d = v.mapping(raw, "'adjustments' of the scoring", p)
    v.keys(d, "'adjustments' of the scoring", p, ("max_addition", "max_deduction"))
    return AdjustmentCaps(
        v.number(d["max_addition"], "'max_addition' of the adjustments", f"{p}.max_addition", 0, 100),
        v.number(d["max_deduction"], "'max_deduction' of the adjustments", f"{p}.max_deduction", 0, 100),
    )


def parse_veto(v: _V, raw: Any) -> tuple[VetoRule, ...]:
    """Validate ``scoring.veto``: a mapping of rule name -> ``{kind, parameters}``."""
    if raw is None:
        return ()
    d = v.mapping(raw, "'veto' of the scoring", "scoring.veto")
    return tuple(_parse_veto_rule(v, name, item) for name, item in d.items())


def _parse_veto_rule(v: _V, name: Any, raw: Any) -> VetoRule:
    from bankperf_analysis.scheme.parse import _IDENT

    p = f"scoring.veto.{name}"
    v.text(name, "name of a veto rule", p, _IDENT)
    what = f"veto rule '{name}'"
    d = v.mapping(raw, what, p)
    kind = v.choice(d.get("kind"), f"'kind' of {what}", f"{p}.kind", tuple(VETO_KINDS))
    required = ("kind", "basis", "above") if kind == "cash_error" else ("kind",)
    v.keys(d, what, p, required, tuple(k for k in VETO_KINDS[kind] if k not in required))
    if kind == "effective_complaint":
        n = v.integer(d.get("min_count", 1), f"'min_count' of {what}", f"{p}.min_count", 1)
        return VetoRule(name, "effective_complaint", min_count=n)
    basis = v.choice(d["basis"], f"'basis' of {what}", f"{p}.basis", CASH_ERROR_BASES)
    above = v.number(d["above"], f"'above' of {what}", f"{p}.above", 0)
    if basis == "error_days" and not float(above).is_integer():
        v.fail(f"'above' of {what}", f"{p}.above", "a whole number of days (basis error_days)", d["above"])
    return VetoRule(name, "cash_error", basis=basis, above=above)


def scoring_extra_dict(adjustments: AdjustmentCaps | None, veto: tuple[VetoRule, ...]) -> dict[str, Any]:
    """The keys ``adjustments`` and ``veto`` of ``Scheme.to_dict()['scoring']`` (only when set)."""
    out: dict[str, Any] = {}
    if adjustments is not None:
        out["adjustments"] = {
            "max_addition": adjustments.max_addition,
            "max_deduction": adjustments.max_deduction,
        }
    if veto:
        out["veto"] = {r.name: _veto_dict(r) for r in veto}
    return out


def _veto_dict(r: VetoRule) -> dict[str, Any]:
    if r.kind == "effective_complaint":
        return {"kind": r.kind, "min_count": r.min_count}
    return {"kind": r.kind, "basis": r.basis, "above": r.above}


# ------------------------------------------------------------------ money


def parse_money(v: _V, raw: Any, grade_names: tuple[str, ...]) -> tuple[dict[str, float], Any]:
    """Validate ``money``: ``(bonus_by_grade, coefficient bonus or None)``.

    Exactly one of ``bonus_by_grade`` (fixed whole yuan per grade) and ``bonus``
    (``basis: coefficient``) is given; ``deduction_by_grade`` is optional with either.
    """
    md = v.mapping(raw, "'money'", "money")
    v.keys(md, "'money'", "money", (), ("bonus_by_grade", "bonus", "deduction_by_grade", "branch_pay_cut"))
    if ("bonus_by_grade" in md) == ("bonus" in md):
        v.fail(
            "'money'",
            "money",
            "a mapping with exactly one of 'bonus_by_grade' (fixed) and 'bonus' (coefficient)",
            sorted(md),
        )
    deduction = _yuan_by_grade(v, md.get("deduction_by_grade", {}), "deduction", grade_names)
    cut = None if md.get("branch_pay_cut") is None else _parse_branch_cut(v, md["branch_pay_cut"])
    if "bonus_by_grade" in md:
        fixed = _yuan_by_grade(v, md["bonus_by_grade"], "bonus", grade_names)
        extra = CoefficientBonus({}, deduction_by_grade=deduction, branch_pay_cut=cut)
        return fixed, (extra if deduction or cut else None)
    rule = _parse_coefficient_bonus(v, md["bonus"], grade_names, deduction)
    return {}, replace(rule, branch_pay_cut=cut)


def _parse_branch_cut(v: _V, raw: Any) -> BranchCutSharing:
    from bankperf_analysis.scheme.kpis import KNOWN_ROLES

    p = "money.branch_pay_cut"
    d = v.mapping(raw, "'branch_pay_cut' of the money", p)
    v.keys(d, "'branch_pay_cut' of the money", p, ("performance_pay_yuan", "roles"))
    pay = v.integer(
        d["performance_pay_yuan"], "'performance_pay_yuan' in whole yuan", f"{p}.performance_pay_yuan"
    )
    roles = d["roles"]
    if not isinstance(roles, list) or not roles or len(set(map(str, roles))) != len(roles):
        v.fail("'roles' of the branch pay cut", f"{p}.roles", "a non-empty list of distinct roles", roles)
    for i, r in enumerate(roles):
        v.choice(r, "role bearing the branch pay cut", f"{p}.roles[{i}]", KNOWN_ROLES)
    return BranchCutSharing(pay, tuple(roles))


def _yuan_by_grade(v: _V, raw: Any, what: str, grade_names: tuple[str, ...]) -> dict[str, float]:
    key = f"{what}_by_grade"
    bd = v.mapping(raw, f"'{key}' of the money", f"money.{key}")
    out = {}
    for g, amount in bd.items():
        v.choice(g, f"grade named in the money's '{key}'", f"money.{key}.{g}", grade_names)
        # Whole yuan: totals are summed exactly and never rounded (consequence counts).
        out[g] = float(v.integer(amount, f"{what} of grade '{g}' in whole yuan", f"money.{key}.{g}"))
    return out


def _parse_coefficient_bonus(
    v: _V, raw: Any, grade_names: tuple[str, ...], deduction: dict[str, float]
) -> CoefficientBonus:
    p = "money.bonus"
    d = v.mapping(raw, "'bonus' of the money", p)
    v.keys(d, "'bonus' of the money", p, ("basis", "coefficient_by_grade"), ("base_yuan", "pool"))
    v.choice(d["basis"], "'basis' of the bonus", f"{p}.basis", ("coefficient",))
    cd = v.mapping(
        d["coefficient_by_grade"], "'coefficient_by_grade' of the bonus", f"{p}.coefficient_by_grade"
    )
    coef = {}
    for g, c in cd.items():
        gp = f"{p}.coefficient_by_grade.{g}"
        v.choice(g, "grade named in the bonus's 'coefficient_by_grade'", gp, grade_names)
        coef[g] = v.number(c, f"coefficient of grade '{g}'", gp, 0, 10)
    pool = None if d.get("pool") is None else _parse_pool(v, d["pool"])
    if pool is not None:
        if "base_yuan" in d:
            v.fail(
                "'base_yuan' of the bonus", f"{p}.base_yuan", "absent when a pool is shared", d["base_yuan"]
            )
        return CoefficientBonus(coef, None, pool, deduction)
    if "base_yuan" not in d:
        v.fail("'base_yuan' of the bonus", f"{p}.base_yuan", "given (whole yuan) when there is no pool", None)
    base = v.integer(d["base_yuan"], "'base_yuan' of the bonus in whole yuan", f"{p}.base_yuan")
    for g, c in coef.items():
        amount = base * Fraction(str(c))
        if amount.denominator != 1:
            v.fail(
                f"coefficient of grade '{g}'",
                f"{p}.coefficient_by_grade.{g}",
                f"such that base_yuan x coefficient is whole yuan ({base} x {c:g} = {float(amount):g})",
                c,
            )
    return CoefficientBonus(coef, base, None, deduction)


def _parse_pool(v: _V, raw: Any) -> BonusPool:
    p = "money.bonus.pool"
    d = v.mapping(raw, "'pool' of the bonus", p)
    v.keys(d, "'pool' of the bonus", p, ("per",), ("yuan_per_head", "fixed_yuan"))
    per = v.choice(d["per"], "'per' of the bonus pool", f"{p}.per", ("branch", "role"))
    if ("yuan_per_head" in d) == ("fixed_yuan" in d):
        v.fail(
            "'pool' of the bonus",
            p,
            "a mapping with exactly one of 'yuan_per_head' and 'fixed_yuan'",
            sorted(d),
        )
    if "yuan_per_head" in d:
        head = v.integer(d["yuan_per_head"], "'yuan_per_head' of the bonus pool", f"{p}.yuan_per_head")
        return BonusPool(per, yuan_per_head=head)  # type: ignore[arg-type]
    fixed = v.integer(d["fixed_yuan"], "'fixed_yuan' of the bonus pool", f"{p}.fixed_yuan")
    return BonusPool(per, fixed_yuan=fixed)  # type: ignore[arg-type]


def money_dict(bonus_by_grade: dict[str, float], rule: CoefficientBonus | None) -> dict[str, Any]:
    """``Scheme.to_dict()['money']``: as the YAML gives it (a fixed bonus reads as before)."""
    out: dict[str, Any] = {}
    if rule is not None and rule.branch_pay_cut is not None:
        cut = rule.branch_pay_cut
        out["branch_pay_cut"] = {"performance_pay_yuan": cut.performance_pay_yuan, "roles": list(cut.roles)}
    if rule is None or not rule.coefficient_by_grade:
        out["bonus_by_grade"] = dict(bonus_by_grade)
    else:
        b: dict[str, Any] = {"basis": "coefficient", "coefficient_by_grade": dict(rule.coefficient_by_grade)}
        if rule.base_yuan is not None:
            b["base_yuan"] = rule.base_yuan
        if rule.pool is not None:
            pool: dict[str, Any] = {"per": rule.pool.per}
            pool.update(
                {"yuan_per_head": rule.pool.yuan_per_head}
                if rule.pool.yuan_per_head is not None
                else {"fixed_yuan": rule.pool.fixed_yuan}
            )
            b["pool"] = pool
        out["bonus"] = b
    if rule is not None and rule.deduction_by_grade:
        out["deduction_by_grade"] = dict(rule.deduction_by_grade)
    return out

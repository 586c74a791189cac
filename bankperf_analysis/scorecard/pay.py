"""Additions and deductions, veto and money of the staff scorecard (issue 13, item 6).

The steps, in order, on the people of each quarter (:func:`apply_pay_rules`, called by the
staff scorecard after the composite):

1. **Additions and deductions (加减分项)**, from the data table ``adjustments``: each row's
   signed points count in the quarter of its date. A person's additions of a quarter are
   summed and capped at ``scoring.adjustments.max_addition``, the deductions at
   ``max_deduction``; the net is added to the composite (``raw_composite``), the result
   clipped to [0, 100] and rounded like the composite. The grade follows the adjusted
   composite. A person without a composite (not gradable) keeps none; their rows are listed.
2. **Veto (一票否决)**, ``scoring.veto``: when a rule holds in the quarter, the person cannot
   get the top grade (excellent): someone graded excellent is graded the next band below
   (good). Every output says why, e.g. ``veto: effective complaint on 2026-11-03 (K0000042)``.
3. **Money**: the bonus by grade, a fixed amount (``money.bonus_by_grade``) or
   ``base_yuan`` x the grade's coefficient (绩效系数), or a **pool** per branch or role shared by
   coefficient (:func:`share_pool`: whole yuan, summing exactly to the pool); and the pay
   **deduction** by grade (``money.deduction_by_grade``), kept apart from the bonus.

:func:`staff_events` reads what these steps need from a dataset.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis.l10n import period_label
from bankperf_analysis.scorecard._grid import TEXT, text
from bankperf_analysis.scorecard.rules import assign_grades

if TYPE_CHECKING:
    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.scheme import Scheme
    from bankperf_analysis.scheme._pay import VetoRule
    from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = [
    "StaffEvents",
    "staff_events",
    "apply_pay_rules",
    "share_pool",
    "bonus_pools",
    "branch_cut_shares",
    "with_branch_cuts",
    "PAY_COLUMNS",
]

#: Columns the pay rules add to the staff scorecard's people.
PAY_COLUMNS = [
    "raw_composite",
    "adjustment_points",
    "adjustment_reasons",
    "adjustment_reasons_zh",
    "veto",
    "veto_reason",
    "veto_reason_zh",
    "deduction_yuan",
    "bonus_remainder_yuan",
    "branch_cut_yuan",
]

_EVENT_COLS = ["period", "staff_id", "kind", "date", "amount", "ref", "ref_zh"]


@dataclass(frozen=True)
class StaffEvents:
    """What the pay rules read from a dataset, one row per event.

    ``frame`` columns ``period, staff_id, kind, date, amount, ref``: ``kind`` is
    ``adjustment`` (``amount`` = signed points, ``ref`` = reason), ``effective_complaint``
    (``ref`` = complaint id, ``date`` = opened) or ``cash_error`` (``amount`` = yuan of one
    working day). ``not_evaluated`` maps a veto rule to why it could not be evaluated
    (a table the dataset does not have).
    """

    frame: pd.DataFrame
    not_evaluated: dict[str, str] = field(default_factory=dict)


def _quarter(dates: pd.Series) -> pd.Series:
    d = pd.to_datetime(dates)
    return d.dt.year.astype(str) + "Q" + d.dt.quarter.astype(str)


def staff_events(ds: Dataset, scheme: Scheme) -> StaffEvents:
    """The adjustments and veto evidence of a dataset, for :func:`apply_pay_rules`.

    Reads ``adjustments`` (if the scheme has ``scoring.adjustments``), the effective
    complaints (``complaints`` joined to ``complaint_rulings`` where ``effective``) and the
    days with a cash error (``teller_transactions``), each only when a veto rule needs it.
    A veto rule whose table is absent is listed in ``not_evaluated``, never read as "no veto".
    """
    parts, missing = [], {}
    if scheme.scoring.adjustments is not None and ds.has("adjustments"):
        parts.append(
            ds.sql(
                "SELECT staff_id, 'adjustment' AS kind, adjustment_date AS date, points AS amount, "
                "reason AS ref, coalesce(reason_zh, reason) AS ref_zh FROM adjustments"
            )
        )
    kinds = {r.kind for r in scheme.scoring.veto}
    if "effective_complaint" in kinds:
        if ds.has("complaints") and ds.has("complaint_rulings"):
            parts.append(
                ds.sql(
                    "SELECT c.staff_id, 'effective_complaint' AS kind, CAST(c.opened_ts AS DATE) AS date, "
                    "0.0 AS amount, c.complaint_id AS ref FROM complaints c "
                    "JOIN complaint_rulings r USING (complaint_id) "
                    "WHERE r.effective AND c.staff_id IS NOT NULL"
                )
            )
        else:
            for r in scheme.scoring.veto:
                if r.kind == "effective_complaint":
                    missing[r.name] = "no complaint_rulings table (which complaints are effective is unknown)"
    if "cash_error" in kinds:
        if ds.has("teller_transactions"):
            parts.append(
                ds.sql(
                    "SELECT staff_id, 'cash_error' AS kind, work_date AS date, cash_error_yuan AS amount, "
                    "'' AS ref FROM teller_transactions WHERE cash_error_yuan > 0"
                )
            )
        else:
            missing.update(
                {
                    r.name: "no teller_transactions table"
                    for r in scheme.scoring.veto
                    if r.kind == "cash_error"
                }
            )
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=_EVENT_COLS[1:])
    frame["date"] = pd.to_datetime(frame["date"])
    frame.insert(0, "period", _quarter(frame["date"]) if len(frame) else pd.Series(dtype=object))
    frame = frame.astype({"staff_id": TEXT, "kind": TEXT, "ref": TEXT, "period": TEXT, "amount": float})
    return StaffEvents(
        frame.sort_values(["period", "staff_id", "kind", "date", "ref"], kind="stable"), missing
    )


# ------------------------------------------------------------------ the steps


def apply_pay_rules(people: pd.DataFrame, scheme: Scheme, events: StaffEvents | None) -> pd.DataFrame:
    """Adjust the composite, grade, apply the veto, then the bonus and deduction (module docstring).

    ``people`` holds ``period, staff_id, branch_id, role, composite_score``; returns it with
    ``grade``, ``bonus_yuan`` and :data:`PAY_COLUMNS`. ``events`` None: no adjustments and no
    veto evidence (a KPI frame without a dataset).
    """
    ev = events.frame if events is not None else pd.DataFrame(columns=_EVENT_COLS)
    key = people["period"].astype(str) + "\x1f" + people["staff_id"].astype(str)
    ev_key = ev["period"].astype(str) + "\x1f" + ev["staff_id"].astype(str)
    people["raw_composite"] = people["composite_score"].astype(float)
    _adjust(people, key, ev.loc[ev["kind"].eq("adjustment").to_numpy(bool)], ev_key, scheme)
    people["grade"] = text(assign_grades(people["composite_score"], scheme))
    _veto(people, key, ev, ev_key, scheme, {} if events is None else events.not_evaluated)
    people["deduction_yuan"] = _per_grade(people["grade"], scheme.money.deduction)
    _bonus(people, scheme)
    people["branch_cut_yuan"] = 0.0  # shared out once the branch checks are known (with_branch_cuts)
    return people


def _per_grade(grades: pd.Series, amount) -> pd.Series:
    """``amount(grade)`` of each person as floats, computed once per distinct grade (missing included).

    The same values as ``grades.map(amount)``: at bank scale a Python call per person cost
    a fifth of a second per column.
    """
    codes, uniques = pd.factorize(grades, use_na_sentinel=False)
    per_grade = np.array([amount(g) for g in uniques], dtype=float)
    return pd.Series(per_grade[codes], index=grades.index, dtype=float)


def _adjust(
    people: pd.DataFrame, key: pd.Series, adj: pd.DataFrame, ev_key: pd.Series, scheme: Scheme
) -> None:
    """Step 1: the capped net points of each person-quarter, and their reasons in words."""
    caps = scheme.scoring.adjustments
    people["adjustment_points"] = 0.0
    people["adjustment_reasons"] = text([""] * len(people))
    people["adjustment_reasons_zh"] = text([""] * len(people))
    if caps is None or not len(adj):
        return
    k = ev_key.loc[adj.index]
    pts = adj["amount"].astype(float)
    add = pts.clip(lower=0).groupby(k).sum().clip(upper=caps.max_addition)
    ded = (-pts.clip(upper=0)).groupby(k).sum().clip(upper=caps.max_deduction)
    net = add.sub(ded, fill_value=0.0)
    signed, day = pts.map(lambda p: f"{p:+g}"), adj["date"].dt.strftime("%Y-%m-%d")
    words = signed + " (" + adj["ref"].astype(str) + ", " + day + ")"
    zh_ref = adj["ref_zh"].where(adj["ref_zh"].notna(), adj["ref"]) if "ref_zh" in adj else adj["ref"]
    words_zh = signed + "（" + zh_ref.astype(str) + "，" + day + "）"
    groups = _key_groups(words, k)  # once for both languages
    reasons, reasons_zh = _joined_by_key(words, k, "; ", groups), _joined_by_key(words_zh, k, "；", groups)
    raw_add, raw_ded = pts.clip(lower=0).groupby(k).sum(), (-pts.clip(upper=0)).groupby(k).sum()
    capped = pd.Series("", index=reasons.index, dtype=object)
    capped_zh = capped.copy()
    over_add = raw_add.reindex(reasons.index, fill_value=0) > caps.max_addition
    over_ded = raw_ded.reindex(reasons.index, fill_value=0) > caps.max_deduction
    capped[over_add] += f"; additions capped at +{caps.max_addition:g}"
    capped_zh[over_add] += f"；加分封顶 +{caps.max_addition:g}"
    capped[over_ded] += f"; deductions capped at -{caps.max_deduction:g}"
    capped_zh[over_ded] += f"；减分封顶 -{caps.max_deduction:g}"
    has = people["raw_composite"].notna().to_numpy()
    n = key.map(net).fillna(0.0).to_numpy(float)
    adjusted = np.clip(people["raw_composite"].to_numpy(float) + n, 0.0, 100.0).round(
        scheme.scoring.composite_decimals
    )
    people["composite_score"] = np.where(has, adjusted, np.nan)
    people["adjustment_points"] = np.where(has, n, 0.0)
    r = key.map(reasons + capped).fillna("").astype(object).to_numpy(copy=True)
    _prefix(r, ~has & (r != ""), "not applied (no composite): ")
    people["adjustment_reasons"] = text(r)
    r = key.map(reasons_zh + capped_zh).fillna("").astype(object).to_numpy(copy=True)
    _prefix(r, ~has & (r != ""), "未计入（无综合得分）：")
    people["adjustment_reasons_zh"] = text(r)


def _prefix(texts: np.ndarray, where: np.ndarray, prefix: str) -> None:
    """Put ``prefix`` before the texts at ``where`` (in place; the few people without a composite)."""
    pos = np.flatnonzero(where)
    texts[pos] = [prefix + str(x) for x in texts[pos]]


def _key_groups(sel: pd.DataFrame, keys: pd.Series):
    """``(key, positions)`` of each key's rows of ``sel``, keys sorted, rows in their order.

    The same groups as ``sel.groupby(keys, sort=True)``, as positions into ``sel``: a
    person-quarter's events are then read from NumPy arrays instead of building a pandas
    frame per group (thousands of tellers have cash errors in a bank's quarter).
    """
    k = keys.to_numpy().astype(str)
    if not len(k):
        return []
    order = np.argsort(k, kind="stable")
    ks = k[order]
    starts = np.flatnonzero(np.r_[True, ks[1:] != ks[:-1]])
    ends = np.r_[starts[1:], len(ks)]
    return [(ks[i], order[i:j]) for i, j in zip(starts, ends, strict=True)]


def _joined_by_key(words: pd.Series, keys: pd.Series, sep: str, groups=None) -> pd.Series:
    """``words.groupby(keys).agg(sep.join)``, keys sorted, words in their order.

    One ``str.join`` per key instead of a pandas Series per group: at bank scale thousands of
    people have adjustments, and pandas' per-group path cost about half a second. ``keys`` are
    never missing (``period`` + separator + ``staff_id`` as text).
    """
    vals = words.to_numpy(dtype=object)
    groups = _key_groups(words, keys) if groups is None else groups  # given: those of these keys
    return pd.Series(
        [sep.join(vals[pos]) for _, pos in groups],
        index=pd.Index([k for k, _ in groups], dtype=object),
        dtype=object,
    )


def _veto_hits(rule: VetoRule, ev: pd.DataFrame, ev_key: pd.Series) -> dict[str, tuple[str, str]]:
    """Person-quarter key -> (reason en, reason zh) where ``rule`` holds."""
    out: dict[str, tuple[str, str]] = {}
    if rule.kind == "effective_complaint":
        sel = ev.loc[ev["kind"].eq("effective_complaint").to_numpy(bool)]
        dates, refs = sel["date"].to_numpy(), sel["ref"].to_numpy()
        for k, pos in _key_groups(sel, ev_key.loc[sel.index]):
            if len(pos) < rule.min_count:
                continue
            d, ref = pd.Timestamp(dates[pos[0]]).strftime("%Y-%m-%d"), str(refs[pos[0]])
            if len(pos) == 1:
                out[str(k)] = (f"effective complaint on {d} ({ref})", f"有效投诉（{d}，{ref}）")
            else:
                out[str(k)] = (
                    f"{len(pos)} effective complaints, the first on {d} ({ref}); veto from {rule.min_count}",
                    f"有效投诉 {len(pos)} 次，首次 {d}（{ref}）；{rule.min_count} 次起否决",
                )
        return out
    sel = ev.loc[ev["kind"].eq("cash_error").to_numpy(bool)]
    amounts = sel["amount"].astype(float).to_numpy()
    dates, periods = sel["date"].to_numpy(), sel["period"].to_numpy()
    lim = f"{rule.above:,.2f}".rstrip("0").rstrip(".")
    for k, pos in _key_groups(sel, ev_key.loc[sel.index]):
        amt = amounts[pos]
        if rule.basis == "day_yuan" and amt.max() > rule.above:
            top = pos[int(np.argmax(amt))]  # the first row of the largest amount
            d, y = pd.Timestamp(dates[top]).strftime("%Y-%m-%d"), f"{float(amounts[top]):,.2f}"
            out[str(k)] = (
                f"cash error of {y} yuan on {d} (above {lim})",
                f"现金差错 {y} 元（{d}，超过 {lim} 元）",
            )
        elif rule.basis == "quarter_yuan" and round(float(amt.sum()), 2) > rule.above:
            # numpy's sum is the one pandas' Series.sum runs on float64 without NaN (same bits)
            y, q = f"{round(float(amt.sum()), 2):,.2f}", str(periods[pos[0]])
            out[str(k)] = (
                f"cash errors of {y} yuan in {q} (above {lim})",
                f"{period_label(q, 'zh')}现金差错 {y} 元（超过 {lim} 元）",
            )
        elif rule.basis == "error_days" and len(pos) > rule.above:
            q = str(periods[pos[0]])
            out[str(k)] = (
                f"cash errors on {len(pos)} days in {q} (above {lim})",
                f"{period_label(q, 'zh')}现金差错 {len(pos)} 天（超过 {lim} 天）",
            )
    return out


def _veto(
    people: pd.DataFrame, key: pd.Series, ev: pd.DataFrame, ev_key: pd.Series, scheme: Scheme, skipped: dict
) -> None:
    """Step 2: which rules hold per person-quarter; the top grade becomes the next band below."""
    en = np.full(len(people), "", dtype=object)
    zh = np.full(len(people), "", dtype=object)
    for rule in scheme.scoring.veto:
        if rule.name in skipped:
            continue
        hits = _veto_hits(rule, ev, ev_key)
        if not hits:
            continue
        at = pd.Index(list(hits), dtype=object).get_indexer(key.to_numpy(dtype=object))
        i = np.flatnonzero(at >= 0)
        reasons = np.array(list(hits.values()) + [("", "")], dtype=object)[at[i]]  # (en, zh) rows
        en[i] = np.where(en[i] != "", en[i] + "; ", "veto: ") + reasons[:, 0]
        zh[i] = np.where(zh[i] != "", zh[i] + "；", "一票否决：") + reasons[:, 1]
    veto = en != ""
    top = scheme.grade_names[0]
    below = scheme.grade_names[1] if len(scheme.grade_names) > 1 else top
    lowered = veto & people["grade"].eq(top).fillna(False).to_numpy(bool)
    if lowered.any():
        en[lowered] = en[lowered] + f" (graded {below}, not {top})"
        zh[lowered] = zh[lowered] + f"（评为{_zh(below)}，不评{_zh(top)}）"
        g = people["grade"].astype(object).to_numpy().copy()
        g[lowered] = below
        people["grade"] = text(g)
    people["veto"] = veto
    people["veto_reason"] = text(en)
    people["veto_reason_zh"] = text(zh)


def _zh(grade: str) -> str:
    from bankperf_analysis.i18n import t

    try:
        return t(f"grade_{grade}", "zh")
    except Exception:  # a bank's own grade name has no label
        return grade


# ------------------------------------------------------------------ money


def share_pool(amount: int, weights: Sequence[Any], keys: Sequence[str]) -> list[int]:
    """Share ``amount`` whole yuan by ``weights``: whole yuan, summing exactly to ``amount``.

    The largest-remainder (Hamilton) method, computed exactly with fractions: each person
    gets the whole part of ``amount x weight / total``; the yuan left over (fewer than the
    number of people) go one each to the largest remainders, ties broken by ``keys``
    ascending (the staff id), so the result never depends on row order. Zero weights get 0;
    if every weight is 0 nobody is paid (the pool is not distributed).

    Examples
    --------
    >>> share_pool(1000, [1, 1, 1], ["S3", "S1", "S2"])   # 333.33 each: S1 gets the spare yuan
    [333, 334, 333]
    >>> share_pool(100, [1.0, 0.5, 0], ["A", "B", "C"])
    [67, 33, 0]
    >>> sum(share_pool(9999, [0.3, 0.7, 1.1], ["A", "B", "C"]))
    9999
    """
    return _shares(amount, weights, keys)[0]


def _shares(amount: int, weights: Sequence[Any], keys: Sequence[str]) -> tuple[list[int], list[int]]:
    """(shares, whole parts) of :func:`share_pool`."""
    w = [x if isinstance(x, Fraction) else Fraction(str(x)) for x in weights]
    total = sum(w, Fraction(0))
    if total == 0 or amount == 0:
        return [0] * len(w), [0] * len(w)
    quota = [Fraction(amount) * x / total for x in w]
    whole = [q.numerator // q.denominator for q in quota]
    shares = list(whole)
    order = sorted(range(len(w)), key=lambda i: (-(quota[i] - whole[i]), str(keys[i])))
    for i in order[: amount - sum(whole)]:
        shares[i] += 1
    return shares, whole


def _groups(people: pd.DataFrame, per: str) -> pd.Series:
    return people["branch_id" if per == "branch" else "role"].astype(str)


def _bonus(people: pd.DataFrame, scheme: Scheme) -> None:
    """Step 3: the bonus of each person (fixed, coefficient, or a share of a pool)."""
    rule = scheme.money.rule
    people["bonus_yuan"] = _per_grade(people["grade"], scheme.money.bonus)
    people["bonus_remainder_yuan"] = 0.0
    if rule is None or rule.pool is None:
        return
    for _, idx, amount, coef in _pool_groups(people, scheme):
        shares, whole = _shares(amount, coef, people.loc[idx, "staff_id"].astype(str).tolist())
        people.loc[idx, "bonus_yuan"] = np.asarray(shares, dtype=float)
        people.loc[idx, "bonus_remainder_yuan"] = np.asarray(shares, dtype=float) - np.asarray(
            whole, dtype=float
        )


def _pool_groups(people: pd.DataFrame, scheme: Scheme):
    """Per (quarter, group): the graded people, the pool in yuan and their coefficients."""
    rule = scheme.money.rule
    assert rule is not None and rule.pool is not None
    graded = people["grade"].notna().to_numpy(bool)
    keys = people["period"].astype(str) + "\x1f" + _groups(people, rule.pool.per)
    for k in sorted(set(keys[graded])):
        idx = people.index[(keys == k).to_numpy() & graded]
        fixed, head = rule.pool.fixed_yuan, rule.pool.yuan_per_head
        amount = fixed if fixed is not None else (head or 0) * len(idx)
        coef = [rule.coefficient_by_grade.get(g, 0.0) for g in people.loc[idx, "grade"]]
        yield k, idx, int(amount), coef


def bonus_pools(people: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """One row per bonus pool (quarter, branch or role): how it was shared (empty without a pool).

    Columns ``period, per, group, pool_yuan, n_sharing, paid_yuan, remainder_yuan,
    undistributed_yuan``: ``remainder_yuan`` is the yuan given one each to the largest
    remainders (:func:`share_pool`); ``undistributed_yuan`` is a pool whose graded people all
    have coefficient 0 (nobody to share it). ``paid_yuan`` + ``undistributed_yuan`` = ``pool_yuan``.
    """
    cols = [
        "period",
        "per",
        "group",
        "pool_yuan",
        "n_sharing",
        "paid_yuan",
        "remainder_yuan",
        "undistributed_yuan",
    ]
    rule = scheme.money.rule
    if rule is None or rule.pool is None or not len(people):
        return pd.DataFrame({c: [] for c in cols})
    rows = []
    for k, idx, amount, coef in _pool_groups(people, scheme):
        period, group = k.split("\x1f", 1)
        paid = int(people.loc[idx, "bonus_yuan"].sum())
        rows.append(
            (
                period,
                rule.pool.per,
                group,
                amount,
                int(sum(c > 0 for c in coef)),
                paid,
                int(people.loc[idx, "bonus_remainder_yuan"].sum()),
                amount - paid,
            )
        )
    return pd.DataFrame(rows, columns=cols)


# ------------------------------------------------------------------ branch pay cuts


def branch_cut_shares(people: pd.DataFrame, checks: pd.DataFrame | None, scheme: Scheme) -> np.ndarray:
    """Each person's share of their branch's pay cut (``money.branch_pay_cut``), whole yuan.

    Per quarter and branch, the cut is ``performance_pay_yuan`` x the sum of the branch's
    ``pay_cut_share`` over its checks (exact: a cut that is not whole yuan is refused naming
    the key), shared equally by :func:`share_pool` among the branch's people of the named roles
    on the staff card (ties by staff id), so the shares sum exactly to the cut. A branch with no
    such person has nobody to share it with (0 for everyone). Zeros without the rule.
    """
    from bankperf_analysis.exceptions import ParamsError

    out = np.zeros(len(people))
    rule = scheme.money.rule
    sharing = rule.branch_pay_cut if rule is not None else None
    if sharing is None or checks is None or not len(checks) or not len(people):
        return out
    shares = pd.to_numeric(checks["pay_cut_share"], errors="coerce").fillna(0.0)
    cut = checks.loc[shares.gt(0).to_numpy()]
    key = people["period"].astype(str) + "\x1f" + people["branch_id"].astype(str)
    bears = people["role"].isin(sharing.roles).to_numpy(bool)
    for (period, branch), g in cut.groupby(["period", "branch_id"], sort=True):
        amount = sharing.performance_pay_yuan * sum(Fraction(str(float(x))) for x in g["pay_cut_share"])
        if amount.denominator != 1:
            raise ParamsError(
                f"The 'performance_pay_yuan' of the branch pay cut in {scheme.source} (key "
                f"money.branch_pay_cut.performance_pay_yuan) must make each branch's cut whole yuan. Got "
                f"{sharing.performance_pay_yuan} x {float(sum(g['pay_cut_share'])):g} = "
                f"{float(amount):g} yuan for branch {branch!r} in {period} instead."
            )
        at = np.flatnonzero((key == f"{period}\x1f{branch}").to_numpy() & bears)
        ids = people["staff_id"].astype(str).to_numpy()[at]
        out[at] = share_pool(int(amount), [1] * len(at), list(ids))
    return out


def with_branch_cuts(card: StaffScorecard, branch_card: BranchScorecard, scheme: Scheme) -> StaffScorecard:
    """The staff card with each person's share of their branch's pay cut (``branch_cut_yuan``)."""
    import dataclasses

    cuts = branch_cut_shares(card.people, branch_card.checks, scheme)
    return dataclasses.replace(card, people=card.people.assign(branch_cut_yuan=cuts))

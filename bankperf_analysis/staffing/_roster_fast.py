"""The fast exact path of the roster program when the days do not interact.

When nothing couples the days (``_roster_model._separable``: no headcount or budget cap, no
full-time week to fill, no limit on the part-time share), the program of
:mod:`~bankperf_analysis.staffing._roster_model` is one small integer program per day. Most
of the time of :func:`scipy.optimize.milp` on such a program is HiGHS's fixed set-up of
branch and bound (about 6 ms for 24 intervals x 52 shift variants), not the search. So:

1. One linear relaxation for the whole week (one HiGHS call). A day whose relaxed staff are
   all whole numbers is optimal as it stands.
2. Any other day: a rounded plan (below) is optimal when its objective equals the relaxation's
   bound *rounded up to the objective's granularity*: every plan's objective is ``offset + g k``
   for a whole ``k`` (costs in whole yuan: ``g`` = their greatest common divisor; the weighted
   absolute difference with whole weights: ``g`` = gcd of the shifts' weighted lengths and twice
   the weights, see below), so no plan lies strictly between the bound and the next value.
3. A day neither proves: :func:`~scipy.optimize.milp` (HiGHS, ``mip_rel_gap`` 0) on that day.

The absolute difference is solved in its covering form: with ``u = max(0, r - A y)``,
``sum w |A y - r| = sum_v (w' A_v) y_v + 2 w' u - w' r`` subject to ``A y + u >= r``,
``0 <= u <= r``, the same optimum as the equality form with surplus columns, and a tighter,
smaller program. Every step is exact; a case where no step applies (a cost plan cannot cover,
non-whole costs or weights) falls back to the general program.
"""

from __future__ import annotations

import math
from functools import lru_cache, reduce

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["solve_days"]

_TOL = 1e-9


def _gcd(values: np.ndarray) -> tuple[int, bool]:
    """Greatest common divisor of whole numbers (0 and False when any is not whole)."""
    v = np.asarray(values, float).ravel()
    if v.size == 0 or not np.all(np.abs(v - np.rint(v)) <= 1e-9):
        return 0, False
    return int(reduce(math.gcd, (int(abs(x)) for x in np.rint(v)), 0)), True


def _day_objective(cover: np.ndarray, y: np.ndarray, cost, r, w, open_, objective) -> float:
    """Objective of one day's whole-number plan: cost, or sum w |on duty - target| over open."""
    if objective == "cost":
        return float(cost @ y)
    on = y @ cover
    return float((w * np.abs(on - r))[open_].sum())


def _admissible(cover, y, r, open_, cap, objective) -> bool:
    on = y @ cover
    if cap is not None and (on > cap + _TOL).any():
        return False
    return objective != "cost" or bool((on[open_] >= r[open_] - _TOL).all())


def _improve(cover, y, cost, r, w, open_, cap, objective) -> np.ndarray:
    """Local search: drop or add the one shift that lowers the objective most, while any does.

    ``cover`` is (variants x intervals) of 0/1 floats; the change of every move is computed at
    once from the staff on duty.
    """
    y = y.copy()
    wo = np.where(open_, w, 0.0)
    for _ in range(int(y.sum() + r[open_].sum()) + 8):
        on = y @ cover
        if objective == "cost":
            tight = open_ & (on - r < 1 - _TOL)  # one staff fewer would leave these short
            can = (y > 0) & ~(cover[:, tight] > 0).any(axis=1)
            if not can.any():
                return y
            y[int(np.argmax(np.where(can, cost, -np.inf)))] -= 1
            continue
        now = np.abs(on - r)
        drop = np.where(y > 0, cover @ (wo * (np.abs(on - 1 - r) - now)), np.inf)
        fits = np.ones(len(y), bool) if cap is None else ((on + cover) <= cap + _TOL).all(axis=1)
        add = np.where(fits, cover @ (wo * (np.abs(on + 1 - r) - now)), np.inf)
        k = int(np.argmin(np.r_[drop, add]))
        if np.r_[drop, add][k] >= -_TOL:
            return y
        y[k % len(y)] += -1 if k < len(y) else 1
    return y


def _repair(cover, y, cost, r, open_) -> np.ndarray:
    """Cost objective: add the shift covering most missing staff per yuan until covered."""
    y = y.copy()
    for _ in range(int(r[open_].sum()) + 1):
        gap = np.where(open_, np.clip(r - y @ cover, 0, None), 0.0)
        if gap.sum() <= _TOL:
            return y
        gain = cover @ gap
        score = np.where(gain > 0, gain / np.maximum(cost, _TOL), -1.0)
        y[int(np.argmax(score))] += 1
    return y


def _rounded(cover, x, cost, r, w, open_, cap, objective) -> tuple[np.ndarray | None, float]:
    """The best of a few roundings of the relaxed plan ``x``, improved by local search."""
    starts = [np.floor(x + 1e-7), np.ceil(x - 1e-7), np.rint(x)]
    best, val = None, np.inf
    for y0 in starts:
        y = y0.astype(np.int64)
        if objective == "cost":
            y = _repair(cover, y, cost, r, open_)
        if not _admissible(cover, y, r, open_, cap, objective):
            continue
        y = _improve(cover, y, cost, r, w, open_, cap, objective)
        v = _day_objective(cover, y, cost, r, w, open_, objective)
        if v < val:
            best, val = y, v
    return best, val


@lru_cache(maxsize=16)
def _week_matrix_cached(cover_bytes: bytes, cover_shape, open_bytes: bytes, open_shape, shortfall: bool):
    cover = np.frombuffer(cover_bytes, dtype=bool).reshape(cover_shape)
    open_ = np.frombuffer(open_bytes, dtype=bool).reshape(open_shape)
    D = open_shape[0]
    week = sp.block_diag([sp.csr_array(cover.T.astype(float))] * D, format="csr")  # (D*T, D*V)
    mat = week[np.flatnonzero(open_.ravel())]
    if shortfall:
        mat = sp.hstack([mat, sp.identity(mat.shape[0], format="csr")], format="csr")
    out = sp.csc_array(mat)
    out.data.flags.writeable = False
    return out


def _week_matrix(cover: np.ndarray, open_: np.ndarray, shortfall: bool) -> sp.csc_array:
    """Coverage rows of the open intervals of the week (days' blocks), ``[A | I]`` with shortfall.

    Cached by the variants and the open intervals: a bank's branches share them.
    """
    c, o = np.ascontiguousarray(cover, bool), np.ascontiguousarray(open_, bool)
    return _week_matrix_cached(c.tobytes(), c.shape, o.tobytes(), o.shape, shortfall)


def _week_lp(target, open_, weights, cover, cost, objective):
    """The week's relaxation without the cap on staff on duty: (x, bound per day, day costs) or None.

    Leaving the cap out only weakens the bound; a plan is accepted only within the cap.
    """
    D, T = target.shape
    V = cover.shape[0]
    rows = np.flatnonzero(open_.ravel())
    r = target.ravel()[rows]
    if objective == "cost":
        c_y = np.tile(cost, (D, 1))
        n_u = 0
    else:
        c_y = weights @ cover.T.astype(float)  # (D, V): w' A_v per day (w = 0 when closed)
        n_u = rows.size
    n = D * V + n_u
    c = np.r_[c_y.ravel(), 2.0 * weights.ravel()[rows]] if n_u else c_y.ravel()
    hi = np.r_[np.full(D * V, np.inf), r] if n_u else np.full(n, np.inf)
    cons = LinearConstraint(_week_matrix(cover, open_, bool(n_u)), r, np.inf)
    lp = milp(  # presolve off: a third faster on these small programs, the same optimum
        c,
        integrality=np.zeros(n),
        bounds=Bounds(np.zeros(n), hi),
        constraints=cons,
        options={"presolve": False},
    )
    if lp.status != 0 or lp.x is None:
        return None
    x = lp.x[: D * V].reshape(D, V)
    bound = (c_y * x).sum(axis=1)
    if n_u:
        day_of = rows // T
        bound += np.bincount(day_of, weights=c[D * V :] * lp.x[D * V :], minlength=D)
    return x, bound, c_y, str(lp.message)


def _day_milp(cover, c_y, r, w, open_, cap, objective, time_limit):
    """One day's integer program (covering form); (staff, proven optimal, message)."""
    V = cover.shape[0]
    rows = np.flatnonzero(open_)
    a = sp.csr_matrix(cover.T[rows].astype(float))
    n_u = 0 if objective == "cost" else rows.size
    blocks = [sp.hstack([a, sp.identity(n_u, format="csr")]) if n_u else a]
    lb, ub = [r[rows]], [np.full(rows.size, np.inf)]
    if cap is not None:
        full = sp.csr_matrix(cover.T.astype(float))
        blocks.append(sp.hstack([full, sp.csr_matrix((full.shape[0], n_u))]) if n_u else full)
        lb.append(np.full(full.shape[0], -np.inf))
        ub.append(np.full(full.shape[0], float(cap)))
    c = np.r_[c_y, 2.0 * w[rows]] if n_u else c_y
    hi = np.r_[np.full(V, np.inf), r[rows]] if n_u else np.full(V, np.inf)
    res = milp(
        c,
        integrality=np.ones(V + n_u),  # u = max(0, r - A y) is whole at the optimum
        bounds=Bounds(np.zeros(V + n_u), hi),
        constraints=LinearConstraint(sp.vstack(blocks, format="csr"), np.concatenate(lb), np.concatenate(ub)),
        options={"time_limit": time_limit, "mip_rel_gap": 0.0, "disp": False},
    )
    if res.x is None:
        return None
    return np.rint(res.x[:V]).astype(np.int64), res.status == 0, str(res.message)


def solve_days(target, open_, weights, cover, cost, cap, objective, time_limit):
    """Staff per day x variant of a day-separable program, or None when the fast path does not apply.

    Returns ``(staff, feasible, optimal, message)``; see the module docstring for why each
    day's plan is optimal.
    """
    weights = np.where(open_, weights, 0.0)
    week = _week_lp(target, open_, weights, cover, cost, objective)
    if week is None:
        return None  # a cost plan cannot cover: the general program finds the least shortfall
    x, bound, c_y, message = week
    D, V = x.shape
    staff = np.zeros((D, V), dtype=np.int64)
    optimal = True
    for d in range(D):
        if not open_[d].any():
            continue
        r, w, o = target[d], weights[d], open_[d]
        y0 = np.rint(x[d]).astype(np.int64)
        if np.all(np.abs(x[d] - y0) <= _TOL) and (cap is None or (y0 @ cover <= cap).all()):
            staff[d] = y0
            continue
        offset = 0.0 if objective == "cost" else float((w * r)[o].sum())
        g, whole = _gcd(cost) if objective == "cost" else _gcd(np.r_[c_y[d], 2.0 * w[o]])
        c_d = cost if objective == "cost" else c_y[d]
        y, val = _rounded(cover.astype(float), x[d], c_d, r, w, o, cap, objective)
        if whole and g > 0 and y is not None:
            slack = 1e-3 * g + 1e-6 * max(1.0, abs(bound[d]))  # HiGHS's tolerances; < g: only weakens
            least = g * math.ceil((bound[d] - slack) / g) - offset
            if val <= least + _TOL:
                staff[d] = y
                continue
        day = _day_milp(cover, c_y[d], r, w, o, cap, objective, time_limit)
        if day is None:  # the cap leaves no covering plan: the general program's least shortfall
            return None
        staff[d], ok, message = day
        optimal &= ok
    on = staff @ cover.astype(np.int64)
    feasible = bool((on[open_] >= target[open_]).all())
    return staff, feasible, optimal, message

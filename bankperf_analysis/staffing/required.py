"""Required staff: the smallest number of agents meeting every target, then shrinkage and FTE.

:func:`achieved_service` answers the forward question (what service do these agents
give?), :func:`required_staff` the reverse one (how many agents does the target
need?), :func:`scheduled_staff` adds shrinkage and :func:`fte` turns staff-intervals
into full-time equivalents. The queueing formulas are those of
:mod:`bankperf_analysis.staffing.erlang`.

Notes
-----
Required staff is *the smallest integer* ``n`` that meets every target given at
the same time. Erlang C is searched upward one agent at a time from the stability
bound ``floor(A) + 1`` (or ``ceil(A / max_occupancy)`` when that is larger), so the
answer is exact whatever the shape of the metrics in ``n``. Erlang A is searched by
bisection between a proven lower bound and a feasible upper bound; this is exact
because service level, abandonment, ASA of answered contacts and occupancy are all
monotone in ``n`` for M/M/n+M (checked against a brute-force scan in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from bankperf_analysis._validation import (
    check_choice,
    check_int,
    check_positive,
    check_unit_interval,
    is_real,
    param_error,
)
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.staffing._checks import as_float
from bankperf_analysis.staffing.erlang import (
    Model,
    QueueMetrics,
    _c_metrics_from_c,
    _erlang_a_raw,
    _erlang_b_pos,
    _erlang_c_from_b,
    erlang_a_metrics,
    erlang_c_metrics,
)

__all__ = ["achieved_service", "required_staff", "scheduled_staff", "ceil_tolerant", "fte"]

# Targets are met when the metric is within this absolute tolerance of the target:
# a target met exactly in real arithmetic must not fail on a rounding error.
_TARGET_TOL = 1e-12


@dataclass(frozen=True)
class _Targets:
    """The staffing targets, checked: every one an interval's staff must meet."""

    service_level: float | None
    answer_seconds: float
    max_asa: float | None
    max_occupancy: float | None
    max_abandon: float | None
    min_staff: int

    def met(self, sl, asa, ab, occ):
        """Which intervals meet every target (within an absolute tolerance of 1e-12)."""
        ok = np.ones(np.shape(sl), dtype=bool)
        if self.service_level is not None:
            ok &= sl >= self.service_level - _TARGET_TOL
        if self.max_asa is not None:
            ok &= asa <= self.max_asa + _TARGET_TOL * max(1.0, self.max_asa)
        if self.max_occupancy is not None:
            ok &= occ <= self.max_occupancy + _TARGET_TOL
        if self.max_abandon is not None:
            ok &= ab <= self.max_abandon + _TARGET_TOL
        return ok


def _check_targets(
    owner: str,
    target_service_level: Any,
    target_answer_seconds: Any,
    max_asa_seconds: Any,
    max_occupancy: Any,
    max_abandon_rate: Any,
    model: Any,
    patience_seconds: Any,
    min_staff: Any,
) -> _Targets:
    """Validate the targets and model options shared by :func:`required_staff` and the estimator.

    ``target_service_level=None`` leaves the service level free (an ASA-only target, say);
    some target must remain. A 100 % target is accepted where it can be met: occupancy
    (``max_occupancy=1``) and abandonment (``max_abandon_rate=1``, no limit); a 100 %
    service level is refused, since Erlang C and A answer some contacts late for any
    finite staff when traffic is positive.
    """
    if is_real(target_service_level) and float(target_service_level) == 1.0:
        raise ParamsError(
            f"The 'target_service_level' parameter of {owner} must be a float in (0, 1) or None. "
            "Got 1.0 instead: with any traffic, Erlang C and A answer some contacts after any "
            "finite wait whatever the staff, so 100 % is never met. Use e.g. 0.99, or "
            "target_service_level=None with max_asa_seconds."
        )
    if target_service_level is None and max_asa_seconds is None and max_occupancy is None:
        if max_abandon_rate is None:
            raise ParamsError(
                f"The 'target_service_level' parameter of {owner} may be None only when another "
                "target is given (max_asa_seconds, max_occupancy or max_abandon_rate). Got None "
                "with no other target instead."
            )
    return _Targets(
        check_unit_interval(target_service_level, "target_service_level", owner, allow_none=True),
        check_positive(target_answer_seconds, "target_answer_seconds", owner, allow_zero=True),
        check_positive(max_asa_seconds, "max_asa_seconds", owner, allow_none=True),
        check_unit_interval(max_occupancy, "max_occupancy", owner, high_closed=True, allow_none=True),
        check_unit_interval(max_abandon_rate, "max_abandon_rate", owner, high_closed=True, allow_none=True),
        _check_model_and_floor(model, patience_seconds, min_staff, owner),
    )


def _check_model_and_floor(model: Any, patience_seconds: Any, min_staff: Any, owner: str) -> int:
    check_choice(model, "model", owner, Model)
    check_positive(patience_seconds, "patience_seconds", owner, allow_none=model != "erlang_a")
    return check_int(min_staff, "min_staff", owner, low=0)


def ceil_tolerant(x: Any, rtol: float = 1e-9) -> np.ndarray:
    """Ceiling that ignores floating-point noise just above an integer.

    ``21 / (1 - 0.3)`` is ``30.000000000000004`` in floating point; the plain
    ceiling gives 31, although the exact quotient 210/7 is 30. Values within
    ``rtol`` (relative, at least ``rtol`` absolute) of an integer are rounded to it.

    Parameters
    ----------
    x : array_like
        Values to round up.
    rtol : float, default 1e-9
        Relative tolerance; far above double rounding error, far below any
        meaningful fraction of an agent.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> ceil_tolerant([21 / 0.7, 30.2, 7.0]).tolist()
    [30, 31, 7]
    """
    arr = np.asarray(x, dtype=float)
    nearest = np.round(arr)
    close = np.abs(arr - nearest) <= rtol * np.maximum(1.0, np.abs(arr))
    return np.where(close, nearest, np.ceil(arr)).astype(np.int64)


# --------------------------------------------------------------------------- reverse mode


def achieved_service(
    staff: Any,
    traffic: Any,
    aht_seconds: Any,
    *,
    answer_seconds: float = 30.0,
    model: Model = "erlang_c",
    patience_seconds: Any = None,
) -> QueueMetrics:
    """Reverse mode: service level, ASA, abandonment and occupancy for given staff.

    Parameters
    ----------
    staff : array_like of int
        Productive agents per interval (after shrinkage).
    traffic : array_like of float
        Offered load in Erlangs per interval.
    aht_seconds : array_like of float
        Average handling time (s).
    answer_seconds : float, default 30
        Answer-time threshold of the service level.
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Queueing model.
    patience_seconds : array_like of float, optional
        Mean patience (s); required for ``"erlang_a"``.

    Returns
    -------
    QueueMetrics

    Examples
    --------
    >>> m = achieved_service([13, 14, 15], 10.0, 180.0, answer_seconds=20)
    >>> [round(float(v), 3) for v in m.service_level]
    [0.796, 0.888, 0.941]
    """
    owner = "achieved_service"
    check_choice(model, "model", owner, Model)
    if model == "erlang_a":
        if patience_seconds is None:
            raise param_error("patience_seconds", owner, "a positive float", None)
        return erlang_a_metrics(staff, traffic, aht_seconds, patience_seconds, answer_seconds)
    return erlang_c_metrics(staff, traffic, aht_seconds, answer_seconds)


# --------------------------------------------------------------------------- required staff


def _required_erlang_c(a, h, goal: _Targets):
    """Upward scan from the stability bound; Erlang B advanced by its recursion."""
    t, max_occ, min_staff = goal.answer_seconds, goal.max_occupancy, goal.min_staff
    out = np.full(a.shape, min_staff, dtype=np.int64)
    pos = np.flatnonzero(a > 0)
    if pos.size == 0:
        return out
    aa, hh = a[pos], h[pos]
    n = np.floor(aa) + 1.0
    if max_occ is not None:
        n = np.maximum(n, ceil_tolerant(aa / max_occ).astype(float))
        n = np.where(n > aa, n, np.floor(aa) + 1.0)
    n = np.maximum(n, float(min_staff))
    b = _erlang_b_pos(n, aa)
    idx = np.arange(pos.size)
    limit = n + 10.0 * np.sqrt(aa) + 1e4  # never reached for targets < 1
    while idx.size:
        nn, ai, bi = n[idx], aa[idx], b[idx]
        c = _erlang_c_from_b(nn, ai, bi)
        sl, asa, occ = _c_metrics_from_c(nn, ai, c, hh[idx], t)
        ok = goal.met(sl, asa, 0.0, occ)
        out[pos[idx[ok]]] = nn[ok].astype(np.int64)
        idx = idx[~ok]
        if np.any(n[idx] > limit[idx]):
            raise ParamsError("required_staff did not converge; check the targets.")
        # B(n + 1) = A B(n) / (n + 1 + A B(n)): the stable forward Erlang B recursion
        ai, bi = aa[idx], b[idx]
        n[idx] += 1.0
        b[idx] = ai * bi / (n[idx] + ai * bi)
    return out


def _required_erlang_a(a, h, pat, goal: _Targets):
    """Bisection between a proven lower bound and a feasible upper bound (monotone targets)."""
    t, max_occ, max_ab, min_staff = goal.answer_seconds, goal.max_occupancy, goal.max_abandon, goal.min_staff
    target_sl = 0.0 if goal.service_level is None else goal.service_level
    out = np.full(a.shape, min_staff, dtype=np.int64)
    pos = np.flatnonzero(a > 0)
    if pos.size == 0:
        return out
    aa, hh, pp = a[pos], h[pos], pat[pos]

    def feasible(nv, sel):
        sl, _, ab, ews = _erlang_a_raw(nv, aa[sel], hh[sel] / pp[sel], t / pp[sel])
        with np.errstate(divide="ignore", invalid="ignore"):
            asa = np.where(ab < 1.0, ews / (1.0 - ab) * hh[sel], np.inf)
            occ = np.where(nv > 0, aa[sel] * (1.0 - ab) / nv, 0.0)
        return goal.met(sl, asa, ab, occ)

    # Lower bound: the answered share 1 - P(ab) = carried / offered <= n / A, and
    # SL <= 1 - P(ab), so n >= SL target * A and n >= (1 - max_ab) * A.
    frac = target_sl if max_ab is None else max(target_sl, 1.0 - max_ab)
    lo = np.maximum(np.floor(frac * aa * (1.0 - 1e-9)) - 1.0, max(min_staff, 1))
    # Upper bound: gallop from a square-root-staffing guess until feasible.
    hi = np.maximum(np.ceil(aa + 3.0 * np.sqrt(aa) + 2.0), lo)
    if max_occ is not None:
        hi = np.maximum(hi, np.ceil(aa / max_occ) + 1.0)
    idx = np.arange(pos.size)
    step = np.maximum(np.ceil(np.sqrt(aa)), 2.0)
    for _ in range(200):
        ok = feasible(hi[idx], idx)
        bad = idx[~ok]
        if bad.size == 0:
            break
        lo[bad] = hi[bad] + 1.0
        hi[bad] += step[bad]
        step[bad] *= 2.0
        idx = bad
    else:  # pragma: no cover - targets < 1 are always reachable
        raise ParamsError("required_staff did not converge; check the targets.")
    idx = np.flatnonzero(lo < hi)
    while idx.size:
        mid = np.floor((lo[idx] + hi[idx]) / 2.0)
        ok = feasible(mid, idx)
        hi[idx[ok]] = mid[ok]
        lo[idx[~ok]] = mid[~ok] + 1.0
        idx = idx[lo[idx] < hi[idx]]
    out[pos] = np.maximum(hi, min_staff).astype(np.int64)
    return out


def required_staff(
    traffic: Any,
    aht_seconds: Any,
    *,
    target_service_level: float | None = 0.95,
    target_answer_seconds: float = 30.0,
    max_asa_seconds: float | None = None,
    max_occupancy: float | None = None,
    max_abandon_rate: float | None = None,
    model: Model = "erlang_c",
    patience_seconds: Any = None,
    min_staff: int = 0,
) -> np.ndarray:
    """Smallest number of agents meeting *every* target given, per interval.

    Parameters
    ----------
    traffic : array_like of float
        Offered load in Erlangs per interval (see
        :func:`~bankperf_analysis.staffing.erlang.traffic_intensity`).
    aht_seconds : array_like of float
        Average handling time (s).
    target_service_level : float in (0, 1) or None, default 0.95
        "X % answered within Y s" (of all arrivals); None: no such target (ASA only, say).
    target_answer_seconds : float, default 30
        The ``Y`` of "X % answered within Y s".
    max_asa_seconds : float, optional
        Maximum average speed of answer (of answered contacts).
    max_occupancy : float in (0, 1], optional
        Maximum agent occupancy.
    max_abandon_rate : float in (0, 1], optional
        Maximum share of arrivals abandoning (Erlang A; always met by Erlang C).
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Queueing model.
    patience_seconds : array_like of float, optional
        Mean patience (s); required for ``"erlang_a"``.
    min_staff : int, default 0
        Floor applied to every interval (also the staff for zero traffic).

    Returns
    -------
    numpy.ndarray of int64
        Productive agents (before shrinkage; see :func:`scheduled_staff`).

    Notes
    -----
    Erlang C starts at ``max(floor(A) + 1, ceil(A / max_occupancy), min_staff)`` --
    below ``floor(A) + 1`` the queue is unstable -- and moves every interval not yet
    meeting the targets up by one agent, advancing Erlang B by its stable recursion.
    Starting at ``round(A + 1)`` (as some tools do) can skip a feasible
    ``floor(A) + 1`` and return one agent too many. Targets count as met within an
    absolute tolerance of 1e-12.

    Examples
    --------
    >>> required_staff(10.0, 180.0, target_service_level=0.8, target_answer_seconds=20).tolist()
    [14]
    """
    owner = "required_staff"
    goal = _check_targets(
        owner,
        target_service_level,
        target_answer_seconds,
        max_asa_seconds,
        max_occupancy,
        max_abandon_rate,
        model,
        patience_seconds if np.ndim(patience_seconds) == 0 else 1.0,
        min_staff,
    )
    a = np.atleast_1d(as_float(traffic, "traffic", owner))
    h = as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    a, h = (np.asarray(v, dtype=float).ravel() for v in np.broadcast_arrays(a, h))
    shape = np.broadcast_shapes(np.shape(np.atleast_1d(traffic)), np.shape(aht_seconds))
    if model == "erlang_c":
        out = _required_erlang_c(a, h.copy(), goal)
    else:
        pat = as_float(patience_seconds, "patience_seconds", owner, allow_zero=False)
        out = _required_erlang_a(a, h.copy(), np.broadcast_to(pat, shape).ravel().astype(float), goal)
    return out.reshape(shape)


# --------------------------------------------------------------------------- shrinkage and FTE


def scheduled_staff(required: Any, shrinkage: Any) -> np.ndarray:
    """Staff to schedule so that ``required`` remain after shrinkage.

    ``ceil(required / (1 - shrinkage))`` with a floating-point-safe ceiling:
    21 agents at 30 % shrinkage need 30 scheduled (210/7), not the 31 a naive
    ``math.ceil(21 / 0.7)`` gives.

    Parameters
    ----------
    required : array_like of int
        Productive agents needed.
    shrinkage : float or array_like in [0, 1)
        Share of paid time not available for contacts (breaks, training, leave...).

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> scheduled_staff([21, 14, 0], 0.3).tolist()
    [30, 20, 0]
    """
    owner = "scheduled_staff"
    s = np.asarray(shrinkage, dtype=float)
    if not np.all((s >= 0) & (s < 1)):
        raise param_error("shrinkage", owner, "a float in [0, 1)", shrinkage)
    r = as_float(required, "required", owner)
    return ceil_tolerant(r / (1.0 - s))


def fte(staff: Any, interval_minutes: float, paid_hours_per_fte: float) -> float:
    """Full-time equivalents: staff-hours over paid hours of one FTE in the same period.

    Parameters
    ----------
    staff : array_like
        Scheduled staff per interval over the period (e.g. one week of intervals).
    interval_minutes : float
        Interval length in minutes.
    paid_hours_per_fte : float
        Paid hours of one full-time employee over the *same* period (40 for a week
        of intervals, about 2,000 for a year).

    Returns
    -------
    float

    Examples
    --------
    >>> fte([10] * 80, interval_minutes=30, paid_hours_per_fte=40)  # 400 h / 40 h
    10.0
    """
    owner = "fte"
    check_positive(interval_minutes, "interval_minutes", owner)
    check_positive(paid_hours_per_fte, "paid_hours_per_fte", owner)
    hours = float(np.sum(as_float(staff, "staff", owner))) * interval_minutes / 60.0
    return hours / paid_hours_per_fte

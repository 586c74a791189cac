"""Queueing models, required staff, shrinkage/FTE and staffing-plan helpers.

Everything here is vectorised: pass numpy arrays (one value per interval) and get
arrays back. Two queueing models are available:

``"erlang_c"`` (M/M/n)
    Poisson arrivals, exponential handling, ``n`` agents, infinite patience.
``"erlang_a"`` (M/M/n+M)
    As Erlang C, plus exponential patience with a given mean: a waiting contact
    abandons when its patience runs out before an agent answers.

Both are computed exactly (no simulation) and in a numerically stable way: no
factorials or powers are formed, only logarithms (``gammaln``) and regularised
incomplete gamma functions, so traffic of tens of thousands of Erlangs is fine.

Time unit conventions: traffic ``A`` is in Erlangs (``contacts * aht_seconds /
interval_seconds``); every other time is in seconds.

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

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import special

from bankperf_analysis._summary import Summary as _Summary
from bankperf_analysis.exceptions import DataValidationError, ParamsError, ValidationIssue

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Model",
    "QueueMetrics",
    "ErlangStaffing",
    "traffic_intensity",
    "erlang_b",
    "erlang_c",
    "erlang_c_service_level",
    "erlang_c_asa",
    "erlang_c_metrics",
    "erlang_a_metrics",
    "achieved_service",
    "required_staff",
    "scheduled_staff",
    "ceil_tolerant",
    "fte",
    "staffing_gap",
    "gap_pivot",
    "plot_staffing_heatmap",
    "check_minimum_posts",
    "cost_benefit",
    "what_if_service_levels",
    "DEFAULT_SALES_ROLES",
]

Model = Literal["erlang_c", "erlang_a"]

#: Roles counted as sales staff by :func:`check_minimum_posts` (domain.md, source 003).
DEFAULT_SALES_ROLES: tuple[str, ...] = ("customer_manager", "customer_service_rep", "lobby_manager")

# Targets are met when the metric is within this absolute tolerance of the target:
# a target met exactly in real arithmetic must not fail on a rounding error.
_TARGET_TOL = 1e-12
# Erlang A: the birth-death chain is truncated where the neglected tail mass is
# below about exp(-_LOG_TAIL) times the largest state probability (< 1e-12 overall).
_LOG_TAIL = 37.0
# Erlang A: maximum number of (interval x queue-state) cells evaluated at once.
_CHUNK_CELLS = 500_000
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


# --------------------------------------------------------------------------- helpers




def _param_error(name: str, owner: str, expected: str, got: Any) -> ParamsError:
    return ParamsError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    )


def _is_real(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool
    )


def _check_unit_open(value: Any, name: str, owner: str, allow_none: bool = False) -> None:
    if value is None and allow_none:
        return
    if not _is_real(value) or not (0.0 < float(value) < 1.0):
        exp = "a float in (0, 1)" + (" or None" if allow_none else "")
        raise _param_error(name, owner, exp, value)


def _check_positive(value: Any, name: str, owner: str, allow_none: bool = False,
                    allow_zero: bool = False) -> None:
    if value is None and allow_none:
        return
    ok = _is_real(value) and math.isfinite(float(value)) and (
        float(value) >= 0.0 if allow_zero else float(value) > 0.0
    )
    if not ok:
        exp = "a non-negative float" if allow_zero else "a positive float"
        raise _param_error(name, owner, exp + (" or None" if allow_none else ""), value)


def _check_model(model: Any, owner: str) -> None:
    if model not in get_args(Model):
        raise _param_error("model", owner, "one of " + ", ".join(map(repr, get_args(Model))),
                           model)


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
) -> None:
    _check_unit_open(target_service_level, "target_service_level", owner)
    _check_positive(target_answer_seconds, "target_answer_seconds", owner, allow_zero=True)
    _check_positive(max_asa_seconds, "max_asa_seconds", owner, allow_none=True)
    if max_occupancy is not None and (
        not _is_real(max_occupancy) or not (0.0 < float(max_occupancy) <= 1.0)
    ):
        raise _param_error("max_occupancy", owner, "a float in (0, 1] or None", max_occupancy)
    _check_unit_open(max_abandon_rate, "max_abandon_rate", owner, allow_none=True)
    _check_model(model, owner)
    if model == "erlang_a":
        _check_positive(patience_seconds, "patience_seconds", owner)
    else:
        _check_positive(patience_seconds, "patience_seconds", owner, allow_none=True)
    if not isinstance(min_staff, int | np.integer) or isinstance(min_staff, bool) or min_staff < 0:
        raise _param_error("min_staff", owner, "a non-negative int", min_staff)


def _as_float(x: Any, name: str, owner: str, allow_zero: bool = True) -> np.ndarray:
    arr = np.asarray(x, dtype=float)
    bad = ~np.isfinite(arr) | ((arr < 0) if allow_zero else (arr <= 0))
    if bad.any():
        first = arr[bad].ravel()[0]
        kind = "non-negative" if allow_zero else "positive"
        raise _param_error(name, owner, f"an array of finite {kind} numbers",
                           f"an array containing {first}")
    return arr


def _as_servers(x: Any, owner: str) -> np.ndarray:
    arr = np.asarray(x)
    as_float = arr.astype(float)
    if (not np.all(np.isfinite(as_float)) or np.any(as_float < 0)
            or np.any(as_float != np.round(as_float))):
        raise _param_error("servers", owner, "an array of non-negative integers", x)
    return as_float.astype(np.int64)


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


# --------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class QueueMetrics:
    """Queue performance per interval for given staff (arrays of equal length).

    Attributes
    ----------
    servers : numpy.ndarray
        Agents on the phones (productive staff, after shrinkage).
    traffic : numpy.ndarray
        Offered load in Erlangs.
    service_level : numpy.ndarray
        Share of *all arriving* contacts answered within ``answer_seconds``
        (abandoned contacts count in the denominator and never as answered in time).
    prob_wait : numpy.ndarray
        Probability that an arriving contact finds every agent busy.
    asa_seconds : numpy.ndarray
        Average speed of answer: mean wait of the contacts that are answered.
    abandon_rate : numpy.ndarray
        Share of arriving contacts that abandon (always 0 for Erlang C).
    occupancy : numpy.ndarray
        Share of agent time spent handling contacts (carried load / servers).
    answer_seconds : float
        The ``Y`` of "X % answered within Y seconds".
    model : str
        ``"erlang_c"`` or ``"erlang_a"``.

    Notes
    -----
    For Erlang C with ``servers <= traffic`` the queue is unstable: service level 0,
    probability of waiting 1, ASA infinite and occupancy 1 are reported.
    With zero traffic, service level is 1 and every other metric 0.
    """

    servers: np.ndarray
    traffic: np.ndarray
    service_level: np.ndarray
    prob_wait: np.ndarray
    asa_seconds: np.ndarray
    abandon_rate: np.ndarray
    occupancy: np.ndarray
    answer_seconds: float
    model: str

    def to_frame(self) -> pd.DataFrame:
        """Return one row per interval with every metric as a column."""
        cols = [f.name for f in fields(self) if f.name not in ("answer_seconds", "model")]
        return pd.DataFrame({c: np.ravel(getattr(self, c)) for c in cols})

    def summary(self) -> _Summary:
        """Totals across intervals: traffic-weighted service level, ASA, abandonment."""
        a = np.ravel(self.traffic)
        w = a / a.sum() if a.sum() > 0 else np.full(a.shape, 1.0 / max(a.size, 1))
        served = np.ravel(1.0 - self.abandon_rate) * w
        asa = np.ravel(self.asa_seconds)
        asa_w = (np.nansum(asa * served) / served.sum()) if served.sum() > 0 else np.nan
        frame = pd.DataFrame(
            {
                "intervals": [a.size],
                "staff_intervals": [int(np.sum(self.servers))],
                "traffic_erlangs": [float(a.sum())],
                "service_level": [float(np.sum(np.ravel(self.service_level) * w))],
                "asa_seconds": [float(asa_w)],
                "abandon_rate": [float(np.sum(np.ravel(self.abandon_rate) * w))],
                "occupancy": [float(a.sum() * (1 - np.sum(np.ravel(self.abandon_rate) * w))
                                    / max(np.sum(self.servers), 1))],
            }
        )
        return _Summary(
            f"Queue metrics ({self.model}, answered within {self.answer_seconds:g} s)",
            frame,
            ["Service level is the share of all arriving contacts answered in time "
             "(traffic-weighted across intervals)."],
        )


# --------------------------------------------------------------------------- Erlang B / C


def traffic_intensity(contacts: Any, aht_seconds: Any, interval_minutes: Any) -> np.ndarray:
    """Offered load in Erlangs: ``contacts * aht_seconds / (60 * interval_minutes)``.

    Parameters
    ----------
    contacts : array_like
        Contacts offered per interval.
    aht_seconds : array_like
        Average handling time in seconds.
    interval_minutes : array_like
        Interval length in minutes.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> float(traffic_intensity(100, 180, 30))
    10.0
    """
    c = _as_float(contacts, "contacts", "traffic_intensity")
    h = _as_float(aht_seconds, "aht_seconds", "traffic_intensity", allow_zero=False)
    m = _as_float(interval_minutes, "interval_minutes", "traffic_intensity", allow_zero=False)
    return c * h / (60.0 * m)


def _log_poisson_pmf(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Return log P(Poisson(a) = n) for a > 0, n >= 0 (no factorials formed)."""
    return n * np.log(a) - a - special.gammaln(n + 1.0)


def _erlang_b_pos(n: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Erlang B for a > 0: P(Pois = n) / P(Pois <= n), computed in log space."""
    log_b = _log_poisson_pmf(n, a) - np.log(special.pdtr(n, a))
    return np.exp(log_b)


def erlang_b(servers: Any, traffic: Any) -> np.ndarray:
    """Erlang B blocking probability of an M/M/n/n loss system.

    Computed as ``P(Poisson(A) = n) / P(Poisson(A) <= n)`` with ``gammaln`` and the
    regularised incomplete gamma function, which equals the classic recursion
    ``1/B_n = 1 + n / (A B_{n-1})`` without its O(n) loop or any overflow.

    Parameters
    ----------
    servers : array_like of int
        Number of servers ``n``.
    traffic : array_like of float
        Offered load ``A`` in Erlangs.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(erlang_b(2, 1.0)), 6)  # (1/2) / (1 + 1 + 1/2) = 0.2
    0.2
    """
    n = _as_servers(servers, "erlang_b")
    a = _as_float(traffic, "traffic", "erlang_b")
    n, a = np.broadcast_arrays(n, a)
    out = np.where(n == 0, 1.0, 0.0)
    pos = a > 0
    if pos.any():
        out = out.astype(float)
        out[pos] = _erlang_b_pos(n[pos].astype(float), a[pos])
    return out


def _erlang_c_from_b(n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Erlang C from Erlang B for n > a: n B / (n - a (1 - B))."""
    return n * b / (n - a * (1.0 - b))


def erlang_c(servers: Any, traffic: Any) -> np.ndarray:
    """Erlang C probability that an arriving contact waits (M/M/n).

    Parameters
    ----------
    servers : array_like of int
        Number of agents ``n``.
    traffic : array_like of float
        Offered load ``A`` in Erlangs.

    Returns
    -------
    numpy.ndarray
        ``P(wait > 0)``; 1 where ``n <= A`` (unstable queue), 0 where ``A == 0``.

    Examples
    --------
    >>> round(float(erlang_c(3, 2.0)), 6)  # 4/9 by hand
    0.444444
    """
    n = _as_servers(servers, "erlang_c").astype(float)
    a = _as_float(traffic, "traffic", "erlang_c")
    n, a = np.broadcast_arrays(n, a)
    out = np.where(a > 0, 1.0, 0.0)
    ok = (a > 0) & (n > a)
    if ok.any():
        b = _erlang_b_pos(n[ok], a[ok])
        out[ok] = _erlang_c_from_b(n[ok], a[ok], b)
    return out


def _c_metrics_from_c(n, a, c, aht, t):
    """Service level, ASA (s) and occupancy from the Erlang C probability (n > a)."""
    gap = n - a
    sl = 1.0 - c * np.exp(-gap * t / aht)
    asa = c * aht / gap
    return sl, asa, a / n


def erlang_c_metrics(servers: Any, traffic: Any, aht_seconds: Any,
                     answer_seconds: float = 30.0) -> QueueMetrics:
    """Every Erlang C (M/M/n) metric at once.

    Service level ``P(W <= t) = 1 - C(n, A) exp(-(n - A) t / AHT)``; ASA
    ``C(n, A) AHT / (n - A)`` (every contact is eventually answered, so this is also
    the ASA of answered contacts); occupancy ``A / n``.

    Parameters
    ----------
    servers : array_like of int
        Agents per interval.
    traffic : array_like of float
        Offered load in Erlangs.
    aht_seconds : array_like of float
        Average handling time (s).
    answer_seconds : float, default 30
        Answer-time threshold ``t`` of the service level.

    Returns
    -------
    QueueMetrics

    Examples
    --------
    >>> m = erlang_c_metrics(14, 10.0, 180.0, answer_seconds=20)
    >>> round(float(m.service_level[0]), 3), round(float(m.asa_seconds[0]), 1)
    (0.888, 7.8)
    """
    owner = "erlang_c_metrics"
    n = _as_servers(servers, owner).astype(float)
    a = _as_float(traffic, "traffic", owner)
    h = _as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    _check_positive(answer_seconds, "answer_seconds", owner, allow_zero=True)
    n, a, h = (np.atleast_1d(v) for v in np.broadcast_arrays(n, a, h))
    size = n.shape
    sl = np.zeros(size)
    pw = np.ones(size)
    asa = np.full(size, np.inf)
    occ = np.ones(size)
    zero = a == 0
    sl[zero], pw[zero], asa[zero], occ[zero] = 1.0, 0.0, 0.0, 0.0
    ok = (a > 0) & (n > a)
    if ok.any():
        b = _erlang_b_pos(n[ok], a[ok])
        c = _erlang_c_from_b(n[ok], a[ok], b)
        pw[ok] = c
        sl[ok], asa[ok], occ[ok] = _c_metrics_from_c(n[ok], a[ok], c, h[ok], answer_seconds)
    return QueueMetrics(
        servers=n.astype(np.int64), traffic=a, service_level=sl, prob_wait=pw,
        asa_seconds=asa, abandon_rate=np.zeros(size), occupancy=occ,
        answer_seconds=float(answer_seconds), model="erlang_c",
    )


def erlang_c_service_level(servers: Any, traffic: Any, aht_seconds: Any,
                           answer_seconds: float = 30.0) -> np.ndarray:
    """Erlang C service level: share of contacts answered within ``answer_seconds``.

    Parameters
    ----------
    servers, traffic, aht_seconds, answer_seconds
        See :func:`erlang_c_metrics`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(erlang_c_service_level(14, 10.0, 180.0, 20)[0]), 4)
    0.8884
    """
    return erlang_c_metrics(servers, traffic, aht_seconds, answer_seconds).service_level


def erlang_c_asa(servers: Any, traffic: Any, aht_seconds: Any) -> np.ndarray:
    """Erlang C average speed of answer in seconds: ``C(n, A) AHT / (n - A)``.

    Parameters
    ----------
    servers, traffic, aht_seconds
        See :func:`erlang_c_metrics`.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> round(float(erlang_c_asa(14, 10.0, 180.0)[0]), 2)
    7.84
    """
    return erlang_c_metrics(servers, traffic, aht_seconds, 0.0).asa_seconds


# --------------------------------------------------------------------------- Erlang A


def _erlang_a_queue_len(n: np.ndarray, a: np.ndarray, gamma: np.ndarray) -> np.ndarray:
    """Count the queue states M = 0..K-1 to keep so the neglected tail is negligible.

    With mu = 1 and theta = gamma, the queue-state weights relative to state n are
    rho_M = prod_{j<=M} x / (b + j) with x = A / gamma, b = n / gamma: a Poisson(x)
    probability shape in k = b + M. Beyond its mode (M ~ x - b) the ratio of the
    weight d states further on to the mode is below exp(-d^2 / (2 (x + d))), so
    d = L + sqrt(L^2 + 2 L x) with L = 37 leaves a relative tail below 1e-12.
    """
    x = a / gamma
    b = n / gamma
    d = _LOG_TAIL + np.sqrt(_LOG_TAIL**2 + 2.0 * _LOG_TAIL * x)
    return (np.ceil(np.maximum(x - b, 0.0) + d) + 2).astype(np.int64)


def _erlang_a_block(n, a, gamma, p_log, log1mp, need_sl):
    """Erlang A metrics for one block of intervals sharing a padded queue length.

    Units: mu = 1 (time in AHT), theta = gamma = AHT / patience, lambda = a.
    Returns service level (if need_sl), P(wait), P(abandon), E[W; served] (AHT units).
    """
    k = int(_erlang_a_queue_len(n, a, gamma).max())
    m = np.arange(k, dtype=float)[None, :]  # customers ahead of an arrival, M = 0..k-1
    nn, aa, gg = n[:, None], a[:, None], gamma[:, None]
    b = nn / gg
    # log rho_M = sum_{j=1..M} log(a / (n + j gamma))
    steps = np.log(aa) - np.log(nn + np.arange(1, k, dtype=float)[None, :] * gg)
    log_rho = np.concatenate([np.zeros((n.size, 1)), np.cumsum(steps, axis=1)], axis=1)
    # States below n: P(Pois(a) <= n - 1); queue states: Pois pmf at n times rho.
    with np.errstate(divide="ignore"):
        log_f = np.where(n > 0, np.log(special.pdtr(np.maximum(n - 1.0, 0.0), a)), -np.inf)
    log_pn = _log_poisson_pmf(n, a)
    log_q = log_pn[:, None] + log_rho
    log_z = np.logaddexp(log_f, special.logsumexp(log_q, axis=1))
    w = np.exp(log_q - log_z[:, None])  # P(arrival finds n + M in system)
    below = np.exp(log_f - log_z)  # P(arrival finds a free agent)
    served = b / (b + m + 1.0)  # P(served | M ahead): telescoping product
    p_wait = w.sum(axis=1)
    p_ab = (w * (1.0 - served)).sum(axis=1)
    # E[W | served, M] = sum_{j=1..M+1} 1 / (n + j gamma) (hypoexponential mean)
    recip = np.cumsum(1.0 / (nn + (m + 1.0) * gg), axis=1)
    ew_served = (w * served * recip).sum(axis=1)
    if not need_sl:
        return None, p_wait, p_ab, ew_served
    # P(wait <= t | served, M) = I_p(M + 1, b + 1), p = 1 - exp(-t / patience):
    # the hypoexponential with rates gamma (b + j), j = 1..M+1, maps to Beta(b + 1, M + 1).
    beta = b + 1.0
    with np.errstate(divide="ignore", invalid="ignore"):
        i1 = -np.expm1(beta * log1mp[:, None])  # I_p(1, beta) = 1 - (1 - p)^beta
        # log of p^a (1-p)^beta Gamma(a + beta) / (Gamma(a + 1) Gamma(beta)), a = 1..k-1
        a_idx = np.arange(1, k, dtype=float)[None, :]
        log_t1 = p_log[:, None] + beta * log1mp[:, None] + np.log(beta)
        # term_{a+1} / term_a = p (a + beta) / (a + 1)
        incr = p_log[:, None] + np.log(a_idx[:, :-1] + beta) - np.log(a_idx[:, :-1] + 1.0)
        log_terms = np.concatenate([log_t1, log_t1 + np.cumsum(incr, axis=1)], axis=1)
        terms = np.exp(log_terms[:, : k - 1]) if k > 1 else np.zeros((n.size, 0))
        terms = np.nan_to_num(terms, nan=0.0)
    ib = np.concatenate([i1, i1 - np.cumsum(terms, axis=1)], axis=1)
    ib = np.clip(ib, 0.0, 1.0)
    sl = below + (w * served * ib).sum(axis=1)
    return np.clip(sl, 0.0, 1.0), p_wait, p_ab, ew_served


def _erlang_a_raw(n, a, gamma, t_over_patience, need_sl=True):
    """Chunked driver: arrays (n, a > 0, gamma, t/patience) -> SL, P(wait), P(ab), E[W; served]."""
    size = n.size
    sl = np.zeros(size)
    pw = np.zeros(size)
    pab = np.zeros(size)
    ews = np.zeros(size)
    with np.errstate(divide="ignore"):
        p_log = np.log(-np.expm1(-t_over_patience))  # log p, p = 1 - exp(-t/patience)
    log1mp = -t_over_patience  # log(1 - p)
    k = _erlang_a_queue_len(n, a, gamma)
    order = np.argsort(k, kind="stable")
    start = 0
    while start < size:
        stop = start + 1
        # grow the block while the padded grid stays small
        while stop < size and (stop - start + 1) * k[order[stop]] <= _CHUNK_CELLS:
            stop += 1
        idx = order[start:stop]
        s, w, ab, e = _erlang_a_block(n[idx], a[idx], gamma[idx], p_log[idx], log1mp[idx],
                                      need_sl)
        if need_sl:
            sl[idx] = s
        pw[idx], pab[idx], ews[idx] = w, ab, e
        start = stop
    return sl, pw, pab, ews


def erlang_a_metrics(servers: Any, traffic: Any, aht_seconds: Any, patience_seconds: Any,
                     answer_seconds: float = 30.0) -> QueueMetrics:
    """Every Erlang A (M/M/n+M) metric, exact from the birth-death chain.

    States ``k = 0, 1, ...`` (contacts in the system), birth rate ``lambda``, death
    rate ``min(k, n) mu + max(k - n, 0) theta`` with ``mu = 1 / AHT`` and
    ``theta = 1 / patience``. The chain is truncated where the neglected tail mass is
    below 1e-12; states below ``n`` are summed in closed form (Poisson CDF) and all
    weights are handled in log space. An arrival that finds ``M`` contacts waiting
    (PASTA) moves up at rate ``n mu + m theta`` while ``m`` are ahead and abandons at
    rate ``theta``, so it is answered with probability ``n mu / (n mu + (M + 1)
    theta)`` and, given that, its wait is hypoexponential with rates ``n mu + j
    theta``, ``j = 1..M+1``, i.e. ``P(W <= t | answered) = I_{1 - exp(-theta t)}(M + 1,
    n mu / theta + 1)`` (regularised incomplete beta).

    Parameters
    ----------
    servers : array_like of int
        Agents per interval.
    traffic : array_like of float
        Offered load in Erlangs.
    aht_seconds : array_like of float
        Average handling time (s).
    patience_seconds : array_like of float
        Mean (exponential) patience of a waiting contact (s).
    answer_seconds : float, default 30
        Answer-time threshold ``t``.

    Returns
    -------
    QueueMetrics
        ``service_level`` is *answered within t / all arriving contacts* (the usual
        convention: contacts that abandon, at any time, count as not answered in
        time and stay in the denominator). ``asa_seconds`` is the mean wait of the
        answered contacts; ``abandon_rate`` the share of arrivals that abandon;
        ``occupancy`` the carried load ``A (1 - abandon_rate) / n``.

    Examples
    --------
    >>> m = erlang_a_metrics(12, 10.0, 180.0, patience_seconds=120.0, answer_seconds=20)
    >>> bool(m.service_level[0] > erlang_c_service_level(12, 10.0, 180.0, 20)[0])
    True
    """
    owner = "erlang_a_metrics"
    n = _as_servers(servers, owner).astype(float)
    a = _as_float(traffic, "traffic", owner)
    h = _as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    pat = _as_float(patience_seconds, "patience_seconds", owner, allow_zero=False)
    _check_positive(answer_seconds, "answer_seconds", owner, allow_zero=True)
    n, a, h, pat = (np.atleast_1d(v).astype(float) for v in np.broadcast_arrays(n, a, h, pat))
    size = n.shape
    sl = np.ones(size)
    pw = np.zeros(size)
    pab = np.zeros(size)
    asa = np.zeros(size)
    occ = np.zeros(size)
    pos = a > 0
    if pos.any():
        nn, aa, hh, pp = n[pos], a[pos], h[pos], pat[pos]
        s, w, ab, ews = _erlang_a_raw(nn, aa, hh / pp, answer_seconds / pp)
        sl[pos], pw[pos], pab[pos] = s, w, ab
        with np.errstate(divide="ignore", invalid="ignore"):
            asa[pos] = np.where(ab < 1.0, ews / (1.0 - ab) * hh, np.nan)
            occ[pos] = np.where(nn > 0, aa * (1.0 - ab) / nn, 0.0)
    return QueueMetrics(
        servers=n.astype(np.int64), traffic=a, service_level=sl, prob_wait=pw,
        asa_seconds=asa, abandon_rate=pab, occupancy=occ,
        answer_seconds=float(answer_seconds), model="erlang_a",
    )


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
    _check_model(model, owner)
    if model == "erlang_a":
        if patience_seconds is None:
            raise _param_error("patience_seconds", owner, "a positive float", None)
        return erlang_a_metrics(staff, traffic, aht_seconds, patience_seconds, answer_seconds)
    return erlang_c_metrics(staff, traffic, aht_seconds, answer_seconds)


# --------------------------------------------------------------------------- required staff


def _meets(sl, asa, ab, occ, target_sl, max_asa, max_occ, max_ab):
    ok = sl >= target_sl - _TARGET_TOL
    if max_asa is not None:
        ok &= asa <= max_asa + _TARGET_TOL * max(1.0, max_asa)
    if max_occ is not None:
        ok &= occ <= max_occ + _TARGET_TOL
    if max_ab is not None:
        ok &= ab <= max_ab + _TARGET_TOL
    return ok


def _required_erlang_c(a, h, t, target_sl, max_asa, max_occ, min_staff):
    """Upward scan from the stability bound; Erlang B advanced by its recursion."""
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
        ok = _meets(sl, asa, 0.0, occ, target_sl, max_asa, max_occ, None)
        out[pos[idx[ok]]] = nn[ok].astype(np.int64)
        idx = idx[~ok]
        if np.any(n[idx] > limit[idx]):
            raise ParamsError("required_staff did not converge; check the targets.")
        # B(n + 1) = A B(n) / (n + 1 + A B(n)): the stable forward Erlang B recursion
        ai, bi = aa[idx], b[idx]
        n[idx] += 1.0
        b[idx] = ai * bi / (n[idx] + ai * bi)
    return out


def _required_erlang_a(a, h, pat, t, target_sl, max_asa, max_occ, max_ab, min_staff):
    """Bisection between a proven lower bound and a feasible upper bound (monotone targets)."""
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
        return _meets(sl, asa, ab, occ, target_sl, max_asa, max_occ, max_ab)

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
    target_service_level: float = 0.95,
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
        Offered load in Erlangs per interval (see :func:`traffic_intensity`).
    aht_seconds : array_like of float
        Average handling time (s).
    target_service_level : float in (0, 1), default 0.95
        The ``X`` of "X % answered within Y s" (share of all arrivals).
    target_answer_seconds : float, default 30
        The ``Y`` of "X % answered within Y s".
    max_asa_seconds : float, optional
        Maximum average speed of answer (of answered contacts).
    max_occupancy : float in (0, 1], optional
        Maximum agent occupancy.
    max_abandon_rate : float in (0, 1), optional
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
    _check_targets(owner, target_service_level, target_answer_seconds, max_asa_seconds,
                   max_occupancy, max_abandon_rate, model, patience_seconds
                   if np.ndim(patience_seconds) == 0 else 1.0, min_staff)
    a = np.atleast_1d(_as_float(traffic, "traffic", owner))
    h = _as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    a, h = (np.asarray(v, dtype=float) for v in np.broadcast_arrays(a, h))
    shape = a.shape
    a, h = a.ravel(), h.ravel().copy()
    t = float(target_answer_seconds)
    if model == "erlang_c":
        out = _required_erlang_c(a, h, t, float(target_service_level), max_asa_seconds,
                                 max_occupancy, int(min_staff))
    else:
        pat = _as_float(patience_seconds, "patience_seconds", owner, allow_zero=False)
        pat = np.broadcast_to(pat, shape).ravel().astype(float)
        out = _required_erlang_a(a, h, pat, t, float(target_service_level), max_asa_seconds,
                                 max_occupancy, max_abandon_rate, int(min_staff))
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
        raise _param_error("shrinkage", owner, "a float in [0, 1)", shrinkage)
    r = _as_float(required, "required", owner)
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
    _check_positive(interval_minutes, "interval_minutes", owner)
    _check_positive(paid_hours_per_fte, "paid_hours_per_fte", owner)
    hours = float(np.sum(_as_float(staff, "staff", owner))) * interval_minutes / 60.0
    return hours / paid_hours_per_fte


# --------------------------------------------------------------------------- estimator


def _require_columns(frame: Any, cols: Sequence[str], table: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError([ValidationIssue(table, "", None, "", type(frame).__name__,
                                                   "a pandas DataFrame")])
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [ValidationIssue(table, "", None, c, "", "column present") for c in missing]
        )


def _same_value(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    try:
        return bool(np.all(np.asarray(a) == np.asarray(b))) and np.shape(a) == np.shape(b)
    except (TypeError, ValueError):
        return False


def _check_demand_values(demand: pd.DataFrame) -> None:
    issues = []
    for col, positive in (("contacts", False), ("aht_seconds", True)):
        v = pd.to_numeric(demand[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | ((v <= 0) if positive else (v < 0))
        exp = "a finite number > 0" if positive else "a finite number >= 0"
        issues += [ValidationIssue("demand", "", int(r) + 1, col, str(demand[col].iloc[r]), exp)
                   for r in np.flatnonzero(bad)]
    if pd.to_datetime(demand["interval_start"], errors="coerce").isna().any():
        rows = np.flatnonzero(pd.to_datetime(demand["interval_start"], errors="coerce").isna())
        issues += [ValidationIssue("demand", "", int(r) + 1, "interval_start",
                                   str(demand["interval_start"].iloc[r]), "a timestamp")
                   for r in rows]
    if issues:
        raise DataValidationError(issues)


def _infer_interval_minutes(starts: pd.Series) -> float:
    uniq = np.sort(pd.to_datetime(starts).drop_duplicates().to_numpy())
    if uniq.size < 2:
        raise ParamsError(
            "The 'interval_minutes' parameter of ErlangStaffing must be a positive float "
            "when the demand has a single interval_start. Got None instead."
        )
    gaps = np.diff(uniq).astype("timedelta64[s]").astype(float) / 60.0
    return float(gaps[gaps > 0].min())


class ErlangStaffing:
    """Required and scheduled staff per interval from an Erlang C or Erlang A model.

    Parameters
    ----------
    target_service_level : float in (0, 1), default 0.95
        Share of contacts to answer within ``target_answer_seconds`` (domain default:
        95 % within 30 s).
    target_answer_seconds : float, default 30
        Answer-time threshold of the service level.
    max_asa_seconds : float, optional
        Maximum average speed of answer.
    max_occupancy : float in (0, 1], optional
        Maximum occupancy.
    max_abandon_rate : float in (0, 1), optional
        Maximum abandonment (Erlang A).
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Queueing model.
    patience_seconds : float, optional
        Mean patience for Erlang A.
    shrinkage : float in [0, 1), default 0.3
        Share of paid time unavailable for contacts.
    interval_minutes : float, optional
        Interval length; if None, a column ``interval_minutes`` of the demand is used,
        else the smallest gap between ``interval_start`` values.
    min_staff : int, default 0
        Minimum productive staff in every interval.

    Attributes
    ----------
    plan_ : pandas.DataFrame
        One row per interval: the demand columns, ``interval_minutes``,
        ``traffic_erlangs``, ``required_staff``, ``service_level``, ``prob_wait``,
        ``asa_seconds``, ``abandon_rate``, ``occupancy`` (achieved with the required
        staff) and ``scheduled_staff`` (after shrinkage).

    Examples
    --------
    >>> demand = pd.DataFrame({
    ...     "interval_start": pd.date_range("2026-01-05 09:00", periods=2, freq="30min"),
    ...     "contacts": [100, 0], "aht_seconds": [180.0, 180.0]})
    >>> est = ErlangStaffing(target_service_level=0.8, target_answer_seconds=20,
    ...                      shrinkage=0.3).fit(demand)
    >>> est.plan_["required_staff"].tolist(), est.plan_["scheduled_staff"].tolist()
    ([14, 0], [20, 0])
    """

    def __init__(
        self,
        target_service_level: float = 0.95,
        target_answer_seconds: float = 30.0,
        max_asa_seconds: float | None = None,
        max_occupancy: float | None = None,
        max_abandon_rate: float | None = None,
        model: Model = "erlang_c",
        patience_seconds: float | None = None,
        shrinkage: float = 0.3,
        interval_minutes: float | None = None,
        min_staff: int = 0,
    ):
        self.target_service_level = target_service_level
        self.target_answer_seconds = target_answer_seconds
        self.max_asa_seconds = max_asa_seconds
        self.max_occupancy = max_occupancy
        self.max_abandon_rate = max_abandon_rate
        self.model = model
        self.patience_seconds = patience_seconds
        self.shrinkage = shrinkage
        self.interval_minutes = interval_minutes
        self.min_staff = min_staff

    _PARAMS = (
        "target_service_level", "target_answer_seconds", "max_asa_seconds", "max_occupancy",
        "max_abandon_rate", "model", "patience_seconds", "shrinkage", "interval_minutes",
        "min_staff",
    )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (scikit-learn convention)."""
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params: Any) -> ErlangStaffing:
        """Set constructor arguments; returns ``self``."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise _param_error(k, "ErlangStaffing.set_params", "a known parameter", v)
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        defaults = ErlangStaffing()
        changed = [f"{p}={getattr(self, p)!r}" for p in self._PARAMS
                   if not _same_value(getattr(self, p), getattr(defaults, p))]
        return f"ErlangStaffing({', '.join(changed)})"

    def _validate_params(self) -> None:
        owner = "ErlangStaffing"
        _check_targets(owner, self.target_service_level, self.target_answer_seconds,
                       self.max_asa_seconds, self.max_occupancy, self.max_abandon_rate,
                       self.model, self.patience_seconds, self.min_staff)
        if not _is_real(self.shrinkage) or not (0.0 <= float(self.shrinkage) < 1.0):
            raise _param_error("shrinkage", owner, "a float in [0, 1)", self.shrinkage)
        _check_positive(self.interval_minutes, "interval_minutes", owner, allow_none=True)

    def fit(self, demand: pd.DataFrame) -> ErlangStaffing:
        """Compute the staffing plan for every interval of ``demand``.

        Parameters
        ----------
        demand : pandas.DataFrame
            Columns ``interval_start``, ``contacts`` (offered per interval),
            ``aht_seconds`` and optionally ``interval_minutes``; other columns (queue,
            branch...) are carried into ``plan_``.

        Returns
        -------
        ErlangStaffing
            ``self``, with ``plan_`` set.
        """
        self._validate_params()
        _require_columns(demand, ["interval_start", "contacts", "aht_seconds"], "demand")
        _check_demand_values(demand)
        plan = demand.copy()
        if self.interval_minutes is not None:
            minutes = np.full(len(plan), float(self.interval_minutes))
        elif "interval_minutes" in plan.columns:
            minutes = plan["interval_minutes"].to_numpy(dtype=float)
        else:
            minutes = np.full(len(plan), _infer_interval_minutes(plan["interval_start"]))
        plan["interval_minutes"] = minutes
        a = traffic_intensity(plan["contacts"].to_numpy(dtype=float),
                              plan["aht_seconds"].to_numpy(dtype=float), minutes)
        h = plan["aht_seconds"].to_numpy(dtype=float)
        req = required_staff(
            a, h, target_service_level=self.target_service_level,
            target_answer_seconds=self.target_answer_seconds,
            max_asa_seconds=self.max_asa_seconds, max_occupancy=self.max_occupancy,
            max_abandon_rate=self.max_abandon_rate, model=self.model,
            patience_seconds=self.patience_seconds, min_staff=self.min_staff,
        )
        m = achieved_service(req, a, h, answer_seconds=self.target_answer_seconds,
                             model=self.model, patience_seconds=self.patience_seconds)
        plan["traffic_erlangs"] = a
        plan["required_staff"] = req
        for col in ("service_level", "prob_wait", "asa_seconds", "abandon_rate", "occupancy"):
            plan[col] = getattr(m, col)
        plan["scheduled_staff"] = scheduled_staff(req, self.shrinkage)
        self.plan_ = plan.reset_index(drop=True)
        return self

    def _check_fitted(self) -> None:
        from bankperf_analysis.exceptions import NotFittedError

        if not hasattr(self, "plan_"):
            raise NotFittedError("This ErlangStaffing instance is not fitted yet; call fit().")

    def fte(self, paid_hours_per_fte: float) -> float:
        """FTE of the scheduled staff over the fitted period (see :func:`fte`)."""
        self._check_fitted()
        p = self.plan_
        hours = float((p["scheduled_staff"] * p["interval_minutes"]).sum()) / 60.0
        _check_positive(paid_hours_per_fte, "paid_hours_per_fte", "ErlangStaffing.fte")
        return hours / paid_hours_per_fte

    def summary(self) -> _Summary:
        """Totals of the fitted plan (contacts, staff-hours, weighted service level)."""
        self._check_fitted()
        p = self.plan_
        w = p["contacts"].to_numpy(dtype=float)
        wsum = w.sum() if w.sum() > 0 else 1.0
        frame = pd.DataFrame({
            "intervals": [len(p)],
            "contacts": [float(w.sum())],
            "required_staff_hours": [float((p["required_staff"] * p["interval_minutes"]).sum()
                                           / 60.0)],
            "scheduled_staff_hours": [float((p["scheduled_staff"] * p["interval_minutes"]).sum()
                                            / 60.0)],
            "peak_scheduled_staff": [int(p["scheduled_staff"].max()) if len(p) else 0],
            "service_level": [float((p["service_level"] * w).sum() / wsum)],
            "abandon_rate": [float((p["abandon_rate"] * w).sum() / wsum)],
        })
        return _Summary(f"Staffing plan: {self!r}", frame,
                        ["Service level and abandonment are contact-weighted."])


# --------------------------------------------------------------------------- plan helpers


def staffing_gap(
    required: pd.DataFrame,
    rostered: pd.DataFrame,
    *,
    on: Sequence[str] = ("interval_start",),
    required_col: str = "required_staff",
    rostered_col: str = "rostered_staff",
) -> pd.DataFrame:
    """Compare required with rostered staff per interval.

    Parameters
    ----------
    required : pandas.DataFrame
        Key columns ``on`` and ``required_col``.
    rostered : pandas.DataFrame
        Key columns ``on`` and ``rostered_col``; intervals missing here count as 0
        rostered (and intervals missing from ``required`` as 0 required).
    on : sequence of str, default ("interval_start",)
        Keys (add ``branch_id`` or a queue column for several units).
    required_col, rostered_col : str
        Value columns.

    Returns
    -------
    pandas.DataFrame
        Keys, ``required_staff``, ``rostered_staff``, ``gap`` (rostered minus required;
        negative = understaffed), ``status`` (``"under"``, ``"ok"``, ``"over"``),
        ``weekday`` (Mon..Sun) and ``hour``.

    Examples
    --------
    >>> t = pd.date_range("2026-01-05 09:00", periods=2, freq="30min")
    >>> req = pd.DataFrame({"interval_start": t, "required_staff": [5, 7]})
    >>> ros = pd.DataFrame({"interval_start": t, "rostered_staff": [6, 6]})
    >>> staffing_gap(req, ros)["gap"].tolist()
    [1, -1]
    """
    keys = list(on)
    _require_columns(required, [*keys, required_col], "required")
    _require_columns(rostered, [*keys, rostered_col], "rostered")
    left = required[[*keys, required_col]].rename(columns={required_col: "required_staff"})
    right = rostered[[*keys, rostered_col]].rename(columns={rostered_col: "rostered_staff"})
    out = left.merge(right, on=keys, how="outer")
    for c in ("required_staff", "rostered_staff"):
        out[c] = out[c].fillna(0).astype(np.int64)
    out["gap"] = out["rostered_staff"] - out["required_staff"]
    out["status"] = np.select([out["gap"] < 0, out["gap"] > 0], ["under", "over"], "ok")
    ts = pd.to_datetime(out["interval_start"])
    out["weekday"] = pd.Categorical(ts.dt.day_of_week.map(dict(enumerate(_WEEKDAYS))),
                                    categories=list(_WEEKDAYS), ordered=True)
    out["hour"] = ts.dt.hour
    return out.sort_values(keys).reset_index(drop=True)


def gap_pivot(gap: pd.DataFrame, value: str = "gap", aggfunc: str = "mean") -> pd.DataFrame:
    """Weekday x hour pivot of under/over staffing from :func:`staffing_gap`.

    Parameters
    ----------
    gap : pandas.DataFrame
        Output of :func:`staffing_gap`.
    value : str, default "gap"
        Column to aggregate.
    aggfunc : str, default "mean"
        Aggregation over the intervals falling in a cell (``"mean"``, ``"sum"``,
        ``"min"``...).

    Returns
    -------
    pandas.DataFrame
        Rows weekday (Mon..Sun, those present), columns hour of day.

    Examples
    --------
    >>> t = pd.date_range("2026-01-05 09:00", periods=2, freq="30min")
    >>> g = staffing_gap(pd.DataFrame({"interval_start": t, "required_staff": [5, 7]}),
    ...                  pd.DataFrame({"interval_start": t, "rostered_staff": [6, 6]}))
    >>> gap_pivot(g).loc["Mon", 9]
    np.float64(0.0)
    """
    _require_columns(gap, ["weekday", "hour", value], "gap")
    pv = gap.pivot_table(index="weekday", columns="hour", values=value, aggfunc=aggfunc,
                         observed=True)
    pv.columns.name = "hour"
    return pv


def plot_staffing_heatmap(pivot: pd.DataFrame, *, ax: Axes | None = None,
                          title: str = "Rostered minus required staff",
                          cmap: str = "RdBu") -> Figure:
    """Heatmap of a weekday x hour staffing-gap pivot (diverging, centred at 0).

    Parameters
    ----------
    pivot : pandas.DataFrame
        Output of :func:`gap_pivot`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created otherwise.
    title : str
        Axes title.
    cmap : str, default "RdBu"
        Diverging palette: red = understaffed (negative), blue = overstaffed.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> pv = pd.DataFrame([[-1.0, 2.0]], index=["Mon"], columns=[9, 10])
    >>> fig = plot_staffing_heatmap(pv)
    >>> type(fig).__name__
    'Figure'
    """
    import matplotlib.pyplot as plt
    import seaborn as sns

    if ax is None:
        fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * pivot.shape[1] + 2), 0.5 * len(pivot) + 2))
    else:
        fig = ax.figure
    finite = pivot.to_numpy(dtype=float)
    span = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 1.0
    sns.heatmap(pivot, ax=ax, cmap=cmap, center=0.0, vmin=-span or -1, vmax=span or 1,
                annot=True, fmt=".1f", linewidths=0.5, cbar_kws={"label": "staff"})
    ax.set_title(title)
    ax.set_xlabel("hour")
    ax.set_ylabel("weekday")
    return fig


def check_minimum_posts(
    staff: pd.DataFrame,
    *,
    sales_roles: Iterable[str] = DEFAULT_SALES_ROLES,
    min_sales_share: float = 0.5,
) -> pd.DataFrame:
    """Check a branch's minimum-post rules (domain.md, source 003).

    Rules: at least one ``lobby_manager``; at least one ``teller`` with
    ``counter_type == "non_cash"``; sales staff (``sales_roles``) at least
    ``min_sales_share`` of the branch's staff.

    Parameters
    ----------
    staff : pandas.DataFrame
        Columns ``staff_id``, ``role``, ``counter_type``; with a ``branch_id`` column
        every branch is checked separately.
    sales_roles : iterable of str
        Roles counted as sales staff.
    min_sales_share : float in (0, 1), default 0.5
        Minimum share of sales staff.

    Returns
    -------
    pandas.DataFrame
        One row per (branch and) rule: ``rule``, ``required``, ``actual``, ``passed``,
        ``message``.

    Examples
    --------
    >>> s = pd.DataFrame({"staff_id": [1, 2, 3], "role": ["lobby_manager", "teller",
    ...                   "customer_manager"], "counter_type": [None, "non_cash", None]})
    >>> check_minimum_posts(s)["passed"].tolist()
    [True, True, True]
    """
    _require_columns(staff, ["staff_id", "role", "counter_type"], "staff")
    _check_unit_open(min_sales_share, "min_sales_share", "check_minimum_posts")
    roles = set(sales_roles)
    groups = staff.groupby("branch_id", sort=True) if "branch_id" in staff.columns else [
        (None, staff)]
    rows = []
    for branch, g in groups:
        n_staff = g["staff_id"].nunique()
        n_lobby = g.loc[g["role"] == "lobby_manager", "staff_id"].nunique()
        n_noncash = g.loc[(g["role"] == "teller") & (g["counter_type"] == "non_cash"),
                          "staff_id"].nunique()
        n_sales = g.loc[g["role"].isin(roles), "staff_id"].nunique()
        share = n_sales / n_staff if n_staff else 0.0
        who = f"Branch {branch}: " if branch is not None else ""
        checks = [
            ("lobby_manager", 1.0, float(n_lobby), n_lobby >= 1,
             f"{who}{n_lobby} lobby manager(s); at least 1 required."),
            ("non_cash_teller", 1.0, float(n_noncash), n_noncash >= 1,
             f"{who}{n_noncash} non-cash teller(s); at least 1 required."),
            ("sales_share", float(min_sales_share), share,
             n_staff > 0 and share >= min_sales_share - 1e-12,
             f"{who}sales staff {n_sales} of {n_staff} ({share:.0%}); at least "
             f"{min_sales_share:.0%} required."),
        ]
        for rule, req, act, ok, msg in checks:
            row = {"rule": rule, "required": req, "actual": act, "passed": bool(ok),
                   "message": ("OK - " if ok else "FAIL - ") + msg}
            if branch is not None:
                row = {"branch_id": branch, **row}
            rows.append(row)
    return pd.DataFrame(rows)


def cost_benefit(
    fte: Any,
    salary_per_fte_year: float,
    satisfaction_points_gained: Any,
    *,
    yuan_per_point_year: float = 100_000.0,
    scenario: Any = None,
) -> pd.DataFrame:
    """Yearly cost of staff versus the revenue value of satisfaction gained.

    Parameters
    ----------
    fte : float or array_like
        Additional FTE of each scenario.
    salary_per_fte_year : float
        Fully loaded yearly cost of one FTE (yuan).
    satisfaction_points_gained : float or array_like
        Percentage points of satisfaction gained (65 % -> 75 % is 10).
    yuan_per_point_year : float, default 100,000
        Yearly revenue per satisfaction point (domain.md, source 001).
    scenario : array_like of str, optional
        Scenario labels.

    Returns
    -------
    pandas.DataFrame
        ``scenario``, ``fte``, ``cost_yuan``, ``benefit_yuan``, ``net_yuan``,
        ``benefit_cost_ratio``.

    Examples
    --------
    >>> cost_benefit(5.0, 120_000, 10)[["cost_yuan", "benefit_yuan", "net_yuan"]].iloc[0].tolist()
    [600000.0, 1000000.0, 400000.0]
    """
    owner = "cost_benefit"
    _check_positive(salary_per_fte_year, "salary_per_fte_year", owner, allow_zero=True)
    _check_positive(yuan_per_point_year, "yuan_per_point_year", owner, allow_zero=True)
    f = np.atleast_1d(_as_float(fte, "fte", owner))
    pts = np.atleast_1d(np.asarray(satisfaction_points_gained, dtype=float))
    f, pts = np.broadcast_arrays(f, pts)
    labels = (np.arange(f.size) + 1).astype(str) if scenario is None else np.broadcast_to(
        np.asarray(scenario, dtype=object), f.shape)
    cost = f * float(salary_per_fte_year)
    benefit = pts * float(yuan_per_point_year)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(cost > 0, benefit / cost, np.nan)
    return pd.DataFrame({"scenario": labels, "fte": f, "satisfaction_points": pts,
                         "cost_yuan": cost, "benefit_yuan": benefit,
                         "net_yuan": benefit - cost, "benefit_cost_ratio": ratio})


def what_if_service_levels(
    demand: pd.DataFrame,
    targets: Iterable[float],
    *,
    salary_per_fte_year: float,
    paid_hours_per_fte: float,
    annualise: float = 1.0,
    **staffing_params: Any,
) -> pd.DataFrame:
    """Staff, FTE and yearly cost for each service-level target.

    Parameters
    ----------
    demand : pandas.DataFrame
        As for :meth:`ErlangStaffing.fit`.
    targets : iterable of float
        Service-level targets to compare (e.g. 0.8, 0.9, 0.95).
    salary_per_fte_year : float
        Yearly cost of one FTE (yuan).
    paid_hours_per_fte : float
        Paid hours of one FTE over the period covered by ``demand``.
    annualise : float, default 1.0
        Number of such periods per year that the cost of an FTE refers to; the FTE is
        the same whatever the period, so cost = FTE x salary (``annualise`` only
        scales staff-hours reported per year).
    **staffing_params
        Other :class:`ErlangStaffing` parameters (``target_answer_seconds``,
        ``model``, ``shrinkage``...).

    Returns
    -------
    pandas.DataFrame
        ``target_service_level``, ``achieved_service_level`` (contact-weighted),
        ``required_staff_hours``, ``scheduled_staff_hours``, ``fte``, ``cost_yuan_year``.

    Examples
    --------
    >>> demand = pd.DataFrame({
    ...     "interval_start": pd.date_range("2026-01-05 09:00", periods=2, freq="30min"),
    ...     "contacts": [100, 60], "aht_seconds": [180.0, 180.0]})
    >>> w = what_if_service_levels(demand, [0.8, 0.95], salary_per_fte_year=100_000,
    ...                            paid_hours_per_fte=1.0, target_answer_seconds=20)
    >>> bool(w["fte"].is_monotonic_increasing)
    True
    """
    rows = []
    for target in targets:
        est = ErlangStaffing(target_service_level=target, **staffing_params).fit(demand)
        p = est.plan_
        w = p["contacts"].to_numpy(dtype=float)
        req_h = float((p["required_staff"] * p["interval_minutes"]).sum()) / 60.0
        sch_h = float((p["scheduled_staff"] * p["interval_minutes"]).sum()) / 60.0
        f = est.fte(paid_hours_per_fte)
        rows.append({
            "target_service_level": float(target),
            "achieved_service_level": float((p["service_level"] * w).sum() / w.sum())
            if w.sum() > 0 else 1.0,
            "required_staff_hours": req_h * annualise,
            "scheduled_staff_hours": sch_h * annualise,
            "fte": f,
            "cost_yuan_year": f * float(salary_per_fte_year),
        })
    return pd.DataFrame(rows)

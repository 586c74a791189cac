"""The exact queueing core: traffic, Erlang B, Erlang C and Erlang A and their metrics.

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

The reverse questions -- how many agents meet a target, how many to schedule after
shrinkage -- are answered in :mod:`bankperf_analysis.staffing.required`, which
searches with the private kernels here (``_erlang_b_pos``, ``_erlang_a_raw``...).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special

from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_positive
from bankperf_analysis.staffing._checks import as_float, as_servers

__all__ = [
    "Model",
    "QueueMetrics",
    "traffic_intensity",
    "erlang_b",
    "erlang_c",
    "erlang_c_service_level",
    "erlang_c_asa",
    "erlang_c_metrics",
    "erlang_a_metrics",
]

Model = Literal["erlang_c", "erlang_a"]

# Erlang A: the birth-death chain is truncated where the neglected tail mass is
# below about exp(-_LOG_TAIL) times the largest state probability (< 1e-12 overall).
_LOG_TAIL = 37.0
# Erlang A: maximum number of (interval x queue-state) cells evaluated at once.
_CHUNK_CELLS = 500_000


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

    def summary(self) -> Summary:
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
                "occupancy": [
                    float(
                        a.sum() * (1 - np.sum(np.ravel(self.abandon_rate) * w)) / max(np.sum(self.servers), 1)
                    )
                ],
            }
        )
        return Summary(
            f"Queue metrics ({self.model}, answered within {self.answer_seconds:g} s)",
            frame,
            [
                "Service level is the share of all arriving contacts answered in time "
                "(traffic-weighted across intervals)."
            ],
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
    c = as_float(contacts, "contacts", "traffic_intensity")
    h = as_float(aht_seconds, "aht_seconds", "traffic_intensity", allow_zero=False)
    m = as_float(interval_minutes, "interval_minutes", "traffic_intensity", allow_zero=False)
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
    n = as_servers(servers, "erlang_b")
    a = as_float(traffic, "traffic", "erlang_b")
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
    n = as_servers(servers, "erlang_c").astype(float)
    a = as_float(traffic, "traffic", "erlang_c")
    n, a = np.broadcast_arrays(n, a)
    out = np.where(a > 0, 1.0, 0.0)
    ok = (a > 0) & (n > a)
    if ok.any():
        b = _erlang_b_pos(n[ok], a[ok])
        out[ok] = _erlang_c_from_b(n[ok], a[ok], b)
    return out


def _c_metrics_from_c(
    n: np.ndarray, a: np.ndarray, c: np.ndarray, aht: np.ndarray, t: Any
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Service level, ASA (s) and occupancy from the Erlang C probability (n > a)."""
    gap = n - a
    sl = 1.0 - c * np.exp(-gap * t / aht)
    asa = c * aht / gap
    return sl, asa, a / n


def erlang_c_metrics(
    servers: Any, traffic: Any, aht_seconds: Any, answer_seconds: float = 30.0
) -> QueueMetrics:
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
    n = as_servers(servers, owner).astype(float)
    a = as_float(traffic, "traffic", owner)
    h = as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    check_positive(answer_seconds, "answer_seconds", owner, allow_zero=True)
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
        servers=n.astype(np.int64),
        traffic=a,
        service_level=sl,
        prob_wait=pw,
        asa_seconds=asa,
        abandon_rate=np.zeros(size),
        occupancy=occ,
        answer_seconds=float(answer_seconds),
        model="erlang_c",
    )


def erlang_c_service_level(
    servers: Any, traffic: Any, aht_seconds: Any, answer_seconds: float = 30.0
) -> np.ndarray:
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
        s, w, ab, e = _erlang_a_block(n[idx], a[idx], gamma[idx], p_log[idx], log1mp[idx], need_sl)
        if need_sl:
            sl[idx] = s
        pw[idx], pab[idx], ews[idx] = w, ab, e
        start = stop
    return sl, pw, pab, ews


def erlang_a_metrics(
    servers: Any, traffic: Any, aht_seconds: Any, patience_seconds: Any, answer_seconds: float = 30.0
) -> QueueMetrics:
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
    n = as_servers(servers, owner).astype(float)
    a = as_float(traffic, "traffic", owner)
    h = as_float(aht_seconds, "aht_seconds", owner, allow_zero=False)
    pat = as_float(patience_seconds, "patience_seconds", owner, allow_zero=False)
    check_positive(answer_seconds, "answer_seconds", owner, allow_zero=True)
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
        servers=n.astype(np.int64),
        traffic=a,
        service_level=sl,
        prob_wait=pw,
        asa_seconds=asa,
        abandon_rate=pab,
        occupancy=occ,
        answer_seconds=float(answer_seconds),
        model="erlang_a",
    )

"""Sensitivity to violations of parallel trends: relative magnitudes (Rambachan & Roth 2023).

Rambachan & Roth (2023, *Review of Economic Studies* 90:2555, "A More Credible Approach to
Parallel Trends") write the event-study coefficients as ``beta = tau + delta``: the effects
``tau`` (zero before adoption) plus the difference in trends ``delta`` that parallel trends
assumes away. Before adoption ``delta_pre = beta_pre`` is observed; after adoption it is
not, and the relative-magnitudes restriction ``Delta^RM(Mbar)`` bounds it by the pre-period:

    |delta_{t+1} - delta_t| <= Mbar * max_{s < ref} |delta_{s+1} - delta_s|   for every t >= ref,

with ``delta_ref = 0`` at the reference period (event time -1 without anticipation): no
post-adoption change in the trend gap larger than ``Mbar`` times the largest
period-to-period change before adoption.

What is computed (and what is not)
----------------------------------
For the target ``theta = l' tau_post`` (the average of the post-adoption effects, or one
event time):

- **identified set** ``[lb, ub]``: ``l' beta_post - max / min l' delta_post`` over
  ``Delta^RM(Mbar)``, by linear programming (``scipy.optimize.linprog``), at the estimated
  ``beta`` (the largest pre-period change is taken at its estimate);
- **robust interval**: the union over the identified set of the naive interval,
  ``[lb - c * se, ub + c * se]`` with ``se = sqrt(l' Sigma_post l)`` and ``c`` the
  ``t(G - 1)`` critical value of the pointwise intervals. It is *not* HonestDiD's
  ARP conditional / hybrid interval: it ignores the sampling noise in the pre-period
  estimates that set the bound, so it is conservative about the post-period noise only
  (seeded simulation with the violation at the ``Mbar = 1`` edge, one pre and one post
  period, post-period se 0.1: coverage 0.97 when the pre-period se is 0.02, but 0.92 when
  it is 0.1, see ``tests/test_honest_sensitivity.py``);
- **breakdown value** ``Mbar*``: the smallest ``Mbar`` at which the robust interval contains
  0. The constraint set scales with ``Mbar`` and is symmetric, so
  ``lb = theta_hat - Mbar * m * K`` and ``ub = theta_hat + Mbar * m * K`` with ``m`` the
  largest pre-period change and ``K`` the linear programme's value at radius 1, hence
  ``Mbar* = max(0, (|theta_hat| - c * se) / (m * K))``.

``Mbar = 0`` gives back the parallel-trends estimate and its pointwise interval.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int, check_unit_interval
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives.event_series import _event_aggregation_of
from bankperf_analysis.incentives.options import Lang

__all__ = ["HonestSensitivityResult", "honest_sensitivity"]

_METHOD = (
    "relative magnitudes Delta^RM(Mbar) (Rambachan & Roth 2023); identified set by linear "
    "programming at the estimated pre-period; robust interval = union of the naive interval "
    "over the identified set (not the ARP conditional interval)"
)


@dataclass(frozen=True, slots=True)
class HonestSensitivityResult:
    """Bounds on the effect when parallel trends may fail by up to ``Mbar`` times the pre-period.

    Attributes
    ----------
    frame : DataFrame
        One row per ``Mbar``: ``mbar, lb, ub, ci_low, ci_high, includes_zero``.
    breakdown : float
        Smallest ``Mbar`` whose robust interval contains 0 (0.0: not told apart from zero
        even under parallel trends; ``inf``: no pre-period change to scale, the bounds never
        widen).
    estimate, std_error : float
        The target under parallel trends and its clustered standard error.
    max_pre_change : float
        ``m``, the largest change of the trend gap between consecutive pre-adoption periods.
    target : str
        ``"average"`` (mean of the post-adoption event times) or ``"e=<k>"``.
    crit : float
        Critical value of the intervals (``t(df)``, as the pointwise intervals).
    pre_events, post_events : tuple of int
    method : str
        Exactly what is computed (see the module docstring).
    """

    frame: pd.DataFrame = field(repr=False)
    breakdown: float
    estimate: float
    std_error: float
    max_pre_change: float
    target: str
    crit: float
    pre_events: tuple[int, ...]
    post_events: tuple[int, ...]
    outcome: str
    alpha: float
    method: str = _METHOD

    def to_frame(self) -> pd.DataFrame:
        """The bounds table (one row per ``Mbar``)."""
        return self.frame.copy()

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        return Summary(
            f"Sensitivity to parallel-trends violations: {self.outcome}",
            facts=(
                ("Restriction", self.method),
                ("Target", self.target),
                ("Largest pre-period change", fmt_float(self.max_pre_change)),
                ("Breakdown value Mbar*", fmt_float(self.breakdown)),
            ),
            tables=[("Bounds and robust intervals", self.to_frame())],
            notes=[self.conclusion("en")],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """The breakdown value in a sentence (en/zh)."""
        from bankperf_analysis.incentives.prose import _breakdown_sentence

        check_choice(lang, "lang", "HonestSensitivityResult.conclusion", Lang)
        return _breakdown_sentence(self.breakdown, lang)


def honest_sensitivity(
    result: Any,
    *,
    mbar: Sequence[float] = (0.0, 0.5, 1.0, 1.5, 2.0),
    event_time: int | None = None,
    alpha: float | None = None,
) -> HonestSensitivityResult:
    """Relative-magnitudes sensitivity of an event study (Rambachan & Roth 2023).

    Parameters
    ----------
    result : AggregationResult (event), EventStudyResult, StaggeredDiDResult or IncentiveEffectResult
        An event study with a reference period (``base_period="universal"``); the robust
        series is used when there are two. Its event times must be consecutive, with at
        least one pre-adoption period besides the reference.
    mbar : sequence of float
        Values of ``Mbar >= 0`` for the table.
    event_time : int, optional
        Bound this post-adoption event time's effect; default the average of the
        post-adoption effects (the event aggregation's ``estimate``).
    alpha : float, optional
        Default: the result's.

    Returns
    -------
    HonestSensitivityResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bankperf_analysis.incentives.aggregation import AggregationResult
    >>> fr = pd.DataFrame({"event_time": [-2, -1, 0], "estimate": [0.1, 0.0, 1.0],
    ...                    "reference": [False, True, False]})
    >>> agg = AggregationResult("event", "twfe", 1.0, 0.2, 5.0, 0.0, 0.6, 1.4, fr,
    ...                         np.diag([0.01, 0.04]), -1, 0, 100, 1e9, 0.05, "y")
    >>> r = honest_sensitivity(agg, mbar=[0, 2])
    >>> [round(x, 6) for x in r.frame["lb"]], [round(x, 6) for x in r.frame["ub"]]
    ([1.0, 0.8], [1.0, 1.2])
    """
    func = "honest_sensitivity"
    agg = _event_aggregation_of(result, func)
    alpha = agg.alpha if alpha is None else check_unit_interval(alpha, "alpha", func)
    mbars = _check_mbar(mbar, func)
    ev = _EventVectors.of(agg, func)
    l_vec, target = _target(ev, event_time, func)
    theta = float(l_vec @ ev.beta_post)
    se = float(np.sqrt(max(l_vec @ ev.sigma_post @ l_vec, 0.0)))
    crit = float(stats.t.ppf(1 - alpha / 2, agg.df_t))
    k1 = _lp_max(l_vec, 1.0)  # max l'delta over Delta^RM at radius 1 (min is -k1 by symmetry)
    rows = []
    for mb in mbars:
        radius = mb * ev.max_change
        hi_delta = _lp_max(l_vec, radius)
        lo_delta = -_lp_max(-l_vec, radius)
        lb, ub = theta - hi_delta, theta - lo_delta
        lo_ci, hi_ci = lb - crit * se, ub + crit * se
        rows.append((mb, lb, ub, lo_ci, hi_ci, bool(lo_ci <= 0 <= hi_ci)))
    frame = pd.DataFrame(rows, columns=["mbar", "lb", "ub", "ci_low", "ci_high", "includes_zero"])
    return HonestSensitivityResult(
        frame=frame,
        breakdown=_breakdown(theta, se, crit, ev.max_change * k1),
        estimate=theta,
        std_error=se,
        max_pre_change=ev.max_change,
        target=target,
        crit=crit,
        pre_events=ev.pre,
        post_events=ev.post,
        outcome=agg.outcome,
        alpha=alpha,
    )


@dataclass(frozen=True, slots=True)
class _EventVectors:
    """Pre and post coefficients (reference excluded), the post covariance and ``m``."""

    pre: tuple[int, ...]
    post: tuple[int, ...]
    beta_post: np.ndarray
    sigma_post: np.ndarray
    max_change: float

    @classmethod
    def of(cls, agg: Any, func: str) -> _EventVectors:
        ref = agg.reference_event
        if ref is None:
            raise ParamsError(
                f"The 'result' parameter of {func} must be an event study with a reference period "
                "(base_period='universal'); with base_period='varying' the pre-period estimates "
                "are period-to-period changes, not levels. Got reference_event=None instead."
            )
        fr = agg.frame
        est_rows = fr.loc[~fr["reference"].astype(bool)]
        e = est_rows["event_time"].to_numpy(dtype=np.int64)
        beta = est_rows["estimate"].to_numpy(dtype=np.float64)
        allev = np.sort(np.append(e, ref))
        if np.any(np.diff(allev) != 1) or not np.all(np.isfinite(beta)):
            raise InsufficientSampleError(
                f"{func}: the event times must be consecutive with finite estimates; got {allev.tolist()}."
            )
        pre, post = e < ref, e > ref
        if not pre.any() or not post.any():
            raise InsufficientSampleError(
                f"{func}: relative magnitudes need at least one pre-adoption event time before the "
                f"reference ({ref}) and one after it; got event times {allev.tolist()}."
            )
        levels = np.append(beta[pre], 0.0)  # pre-period trend gap, 0 at the reference
        idx = np.flatnonzero(post)
        return cls(
            pre=tuple(int(x) for x in e[pre]),
            post=tuple(int(x) for x in e[post]),
            beta_post=beta[post],
            sigma_post=np.asarray(agg.vcov_matrix, dtype=np.float64)[np.ix_(idx, idx)],
            max_change=float(np.max(np.abs(np.diff(levels)))),
        )


def _check_mbar(mbar: Any, func: str) -> np.ndarray:
    """The ``Mbar`` values: a non-empty sequence of finite numbers >= 0."""
    try:
        arr = np.asarray(mbar, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        arr = np.array([np.nan])
    if arr.size == 0 or not np.all(np.isfinite(arr)) or np.any(arr < 0) or isinstance(mbar, str):
        raise ParamsError(
            f"The 'mbar' parameter of {func} must be a non-empty sequence of finite numbers >= 0. "
            f"Got {mbar!r} instead."
        )
    return arr


def _target(ev: _EventVectors, event_time: Any, func: str) -> tuple[np.ndarray, str]:
    """The weights ``l`` of the target over the post-reference periods, and its name."""
    post = np.array(ev.post)
    if event_time is None:
        l_vec = (post >= 0).astype(float)
        return l_vec / l_vec.sum(), "average"
    e = check_int(event_time, "event_time", func, low=0)
    if e not in ev.post:
        raise ParamsError(
            f"The 'event_time' parameter of {func} must be one of the post-adoption event times "
            f"{[p for p in ev.post if p >= 0]}. Got {e} instead."
        )
    return (post == e).astype(float), f"e={e}"


def _lp_max(l_vec: np.ndarray, radius: float) -> float:
    """``max l'delta`` s.t. ``|delta_k - delta_{k-1}| <= radius`` per post period, ``delta_ref = 0``."""
    n = l_vec.size
    if radius <= 0:
        return 0.0
    diff = np.eye(n) - np.eye(n, k=-1)  # row k: delta_k - delta_{k-1}, delta_{-1} = delta_ref = 0
    a_ub = np.vstack([diff, -diff])
    b_ub = np.full(2 * n, radius)
    sol = optimize.linprog(-l_vec, A_ub=a_ub, b_ub=b_ub, bounds=[(None, None)] * n, method="highs")
    if sol.status != 0:  # pragma: no cover - the feasible set is a bounded polytope
        raise InsufficientSampleError(f"honest_sensitivity: the linear programme failed ({sol.message}).")
    return float(-sol.fun)


def _breakdown(theta: float, se: float, crit: float, slope: float) -> float:
    """Smallest ``Mbar`` whose robust interval contains 0 (bounds widen by ``slope`` per unit of Mbar)."""
    gap = abs(theta) - crit * se
    if gap <= 0:
        return 0.0
    if slope <= 0:
        return float("inf")
    return float(gap / slope)

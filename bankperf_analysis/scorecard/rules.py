"""The scoring rules: a KPI value against its target -> score and status; a composite -> grade.

All numbers come from the :class:`~bankperf_analysis.scheme.model.Scheme`:

- **KPI score.** ``linear``: ``100 * (value - floor) / (target - floor)`` clipped to
  [0, 100] (the same formula serves lower-is-better KPIs, whose floor lies above the
  target); ``pass_fail``: 100 if the target is met, else 0. A value that meets its
  target (``>=`` target, or ``<=`` for lower-is-better) scores exactly 100, status
  ``"met"``; otherwise ``"below target"``.
- **Minimum sample.** A value on fewer than ``min_n`` observations is reported with
  status ``"insufficient data"`` and not scored; a missing value is ``"no data"``, and
  ``"not available"`` when the dataset cannot compute the KPI at all (its table is
  absent or empty): never a zero.
  The composite re-weights over the scored KPIs (``effective_weight = weight / sum
  of scored weights``); ``reweighted`` says so and ``excluded_kpis`` lists them.
  If less than ``scoring.min_scorable_weight_share`` of the weight is scored, the
  person gets no composite, no grade and no bonus ("insufficient data to grade").
- **Grade.** The composite (rounded to ``scoring.composite_decimals``) falls in one
  ``[low, high)`` band: exactly 90 is excellent, 89.999 is good.
- **Band edges.** Comparisons with targets and check thresholds allow a tolerance
  of 1e-9 (relative to the threshold's size) so that floating-point noise from the
  KPI computation (0.8999999999999999 for 0.9) cannot decide a grade or a pay cut.
"""

from __future__ import annotations

import numpy as np

from bankperf_analysis.scheme import Scheme

__all__ = [
    "STATUS_MET",
    "STATUS_BELOW",
    "STATUS_INSUFFICIENT",
    "STATUS_NO_DATA",
    "STATUS_NOT_AVAILABLE",
    "assign_grades",
    "score_kpi_values",
]

STATUS_MET = "met"
STATUS_BELOW = "below target"
STATUS_INSUFFICIENT = "insufficient data"
STATUS_NO_DATA = "no data"
#: A KPI the dataset cannot compute: its table was not provided or has no rows.
STATUS_NOT_AVAILABLE = "not available"

#: Relative tolerance at band edges (targets, check thresholds).
TOL = 1e-9


def edge(threshold: float) -> float:
    """``threshold`` moved down by the band-edge tolerance: ``x >= edge(t)`` reads "x reaches t"."""
    return threshold - TOL * max(1.0, abs(threshold))


def assign_grades(composite, scheme: Scheme) -> np.ndarray:
    """Grade of each composite score by the scheme's ``[low, high)`` bands.

    Parameters
    ----------
    composite : array-like of float
        Composite scores; NaN gives None.
    scheme : Scheme
        Provides the bands.

    Returns
    -------
    numpy.ndarray of object
        Grade names (None where the composite is NaN).

    Examples
    --------
    >>> from bankperf_analysis.scheme import load_scheme
    >>> assign_grades([90.0, 89.999, 80.0, 60.0, 59.99, float("nan")], load_scheme()).tolist()
    ['excellent', 'good', 'good', 'pass', 'needs_improvement', None]
    """
    x = np.asarray(composite, dtype=float)
    bands = sorted(scheme.grades, key=lambda b: -np.inf if b.low is None else b.low)
    lows = np.array([-np.inf if b.low is None else b.low for b in bands])
    names = np.array([b.grade for b in bands], dtype=object)
    idx = np.searchsorted(lows, x, side="right") - 1
    out = names[np.clip(idx, 0, len(names) - 1)]
    return np.where(np.isnan(x) | (idx < 0), np.array(None, dtype=object), out)


def score_kpi_values(value, n, target, floor, direction, rule, min_n):
    """Score KPI values against their rules (vectorised).

    Parameters
    ----------
    value, n, target, floor : array-like of float
        KPI value, observations behind it, target and floor (NaN for pass_fail).
    direction : array-like of {"higher", "lower"}
    rule : array-like of {"linear", "pass_fail"}
    min_n : array-like of int

    Returns
    -------
    score : numpy.ndarray of float
        Score in [0, 100]; NaN when not scored (no data / insufficient data).
    status : numpy.ndarray of str
        ``"met"``, ``"below target"``, ``"insufficient data"`` or ``"no data"``.

    Examples
    --------
    >>> s, st = score_kpi_values([0.9, 0.8, 200.0, 0.95], [30, 30, 50, 29],
    ...                          [0.9, 0.9, 180.0, 0.9], [0.7, 0.7, 360.0, 0.7],
    ...                          ["higher", "higher", "lower", "higher"],
    ...                          ["linear"] * 4, [30, 30, 30, 30])
    >>> s.round(4).tolist(), st.tolist()
    ([100.0, 50.0, 88.8889, nan], ['met', 'below target', 'below target', 'insufficient data'])
    """
    v = np.asarray(value, dtype=float)
    nn = np.nan_to_num(np.asarray(n, dtype=float), nan=0.0)
    t = np.asarray(target, dtype=float)
    f = np.asarray(floor, dtype=float)
    higher = np.asarray(direction) == "higher"
    pass_fail = np.asarray(rule) == "pass_fail"
    tol = TOL * np.maximum(1.0, np.abs(t))
    has = ~np.isnan(v)
    enough = nn >= np.asarray(min_n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        meets = np.where(higher, v >= t - tol, v <= t + tol)
        linear = np.clip((v - f) / (t - f), 0.0, 1.0) * 100.0
    score = np.where(meets, 100.0, np.where(pass_fail, 0.0, linear))
    scored = has & enough
    score = np.where(scored, score, np.nan)
    status = np.select(
        [~has, ~enough, meets],
        [STATUS_NO_DATA, STATUS_INSUFFICIENT, STATUS_MET],
        STATUS_BELOW,
    ).astype(object)
    return score, status

"""Kernels of the shrinkage methods of :func:`~bankperf_analysis.significance.league.shrink_rates` (private).

Plain arrays in, plain arrays out; no validation, no warnings (``shrink_rates`` does that).
"""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from bankperf_analysis.significance import stats as _st

__all__ = ["james_stein_arcsine", "raw_wilson"]


def james_stein_arcsine(x: np.ndarray, n: np.ndarray, level: float) -> dict[str, object]:
    """Positive-part James-Stein rates on the arcsine scale, with Morris (1983) intervals.

    ``y_i = arcsin(sqrt(x_i / n_i))`` has variance ``D_i = 1 / (4 n_i)``. In the standardised
    coordinates ``u_i = y_i / sqrt(D_i)`` (unit variance) the estimator shrinks towards the
    inverse-variance weighted mean ``mu = sum(y_i / D_i) / sum(1 / D_i)`` (the projection of
    ``u`` on the one-dimensional subspace ``mu / sqrt(D_i)``):
    ``theta_i = mu + (1 - B) (y_i - mu)``, ``B = min(1, (k - 3) / S)``,
    ``S = sum((y_i - mu)^2 / D_i)``. Intervals: ``theta_i +- z s_i`` with
    ``s_i^2 = D_i (1 - (k - 1) / k * B) + 2 / (k - 3) * B^2 (y_i - mu)^2``, the
    empirical-Bayes interval of Morris (1983, JASA 78:47) for equal variances, applied in
    the standardised coordinates, clipped to ``[0, pi / 2]``; everything is
    mapped back by ``p = sin(theta)^2``. Needs ``k >= 4`` entities (all ``n > 0``).

    Returns a dict: ``shrunk, ci_low, ci_high`` (arrays), ``centre`` (rate), ``factor``
    (``B``), ``statistic`` (``S``).
    """
    k = x.size
    y = np.arcsin(np.sqrt(x / n))
    d = 1.0 / (4.0 * n)
    mu = float(np.sum(y / d) / np.sum(1.0 / d))
    s = float(np.sum((y - mu) ** 2 / d))
    b = 1.0 if s <= 0 else min(1.0, (k - 3) / s)
    theta = mu + (1.0 - b) * (y - mu)
    var = d * (1.0 - (k - 1) / k * b) + 2.0 / (k - 3) * b**2 * (y - mu) ** 2
    z = float(special.ndtri((1 + level) / 2))
    half = z * np.sqrt(var)
    lo = np.clip(theta - half, 0.0, math.pi / 2)
    hi = np.clip(theta + half, 0.0, math.pi / 2)
    return {
        "shrunk": np.sin(theta) ** 2,
        "ci_low": np.sin(lo) ** 2,
        "ci_high": np.sin(hi) ** 2,
        "centre": math.sin(mu) ** 2,
        "factor": b,
        "statistic": s,
    }


def raw_wilson(x: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Raw rates and their Wilson score intervals (NaN where ``n = 0``)."""
    has = n > 0
    raw = np.full(x.size, np.nan)
    lo = np.full(x.size, np.nan)
    hi = np.full(x.size, np.nan)
    if has.any():
        raw[has] = x[has] / n[has]
        lo[has], hi[has] = _st.wilson_interval(x[has], n[has], 1 - level)
    return raw, lo, hi

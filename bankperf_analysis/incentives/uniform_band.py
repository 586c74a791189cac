"""Uniform (simultaneous) confidence bands for an event-time aggregation, by multiplier bootstrap.

R ``did`` (``aggte(..., type="dynamic", cband=TRUE, bstrap=TRUE)``, function ``mboot``)
draws cluster multipliers ``V`` (mean 0, variance 1), perturbs the influence functions of
the event-time effects and takes

- the bootstrap standard error of each event time from the interquartile range of its
  draws, ``se_e = (q75 - q25) / (z75 - z25)``;
- the critical value ``c`` as the ``1 - alpha`` quantile (``type=1``) of
  ``max_e |draw_e| / se_e`` over the draws;

and the band is ``estimate_e +/- c * se_e`` for every event time at once: it covers all
true event-time effects jointly with probability ``1 - alpha`` (asymptotically), where the
pointwise intervals cover each one separately.

Here the influence functions are the cluster sums of the cells' (those of
``AggregationResult.vcov_matrix``), so a draw is ``sqrt(G/(G-1)) * Psi V``: its variance is
the clustered covariance the pointwise intervals use (R ``did`` uses the cluster means
without the ``G/(G-1)`` factor; the difference is that factor only). Reference rows (fixed
at 0) take no part.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import stats

from bankperf_analysis._validation import check_choice, check_int
from bankperf_analysis.exceptions import ParamsError

__all__ = ["MultiplierWeights", "uniform_critical_value"]

MultiplierWeights = Literal["mammen", "rademacher"]

_S5 = np.sqrt(5.0)
_MAMMEN = np.array([(1.0 - _S5) / 2.0, (1.0 + _S5) / 2.0])
_MAMMEN_P = np.array([(1.0 + _S5) / (2.0 * _S5), 1.0 - (1.0 + _S5) / (2.0 * _S5)])


_CHUNK = 4096  # clusters per block of multipliers (keeps memory at n_boot x 4096 floats)


def _draws(infl: np.ndarray, n_boot: int, weights: str, seed: int | None) -> np.ndarray:
    """``V @ infl.T`` for cluster multipliers ``V`` (``n_boot x G``), drawn block by block.

    Mammen's two-point weights take ``(1 - sqrt 5)/2`` with probability
    ``(1 + sqrt 5)/(2 sqrt 5)`` and ``(1 + sqrt 5)/2`` otherwise; Rademacher ``-1, 1`` with
    probability 1/2 each.
    """
    rng = np.random.default_rng(seed)
    k, g = infl.shape
    out = np.zeros((n_boot, k))
    for start in range(0, g, _CHUNK):
        block = infl[:, start : start + _CHUNK]
        u = rng.random((n_boot, block.shape[1]))
        if weights == "rademacher":
            v = np.where(u < 0.5, -1.0, 1.0)
        else:
            v = np.where(u < _MAMMEN_P[0], _MAMMEN[0], _MAMMEN[1])
        out += v @ block.T
    return out


def uniform_critical_value(
    influence: np.ndarray,
    *,
    alpha: float = 0.05,
    n_boot: int = 999,
    weights: MultiplierWeights = "mammen",
    seed: int | None = 0,
) -> tuple[float, np.ndarray]:
    """Critical value of the uniform band and the bootstrap standard errors, as R ``did``'s ``mboot``.

    Parameters
    ----------
    influence : ndarray, shape (K, G)
        Cluster sums of the influence functions of ``K`` estimates (rows) over ``G``
        clusters; their clustered covariance is ``G/(G-1) influence @ influence.T``.
    alpha : float
        The band covers all ``K`` true values jointly with probability ``1 - alpha``.
    n_boot : int
        Number of multiplier draws.
    weights : {"mammen", "rademacher"}
        Mammen's two-point weights (R ``did``'s) or Rademacher signs.
    seed : int or None
        Seed of ``numpy.random.default_rng`` (same seed, same value).

    Returns
    -------
    crit : float
        ``1 - alpha`` quantile of ``max_k |draw_k| / se_k`` (NaN when no row varies).
    se : ndarray, shape (K,)
        Bootstrap standard errors ``(q75 - q25) / (z75 - z25)`` (NaN for rows that do not
        vary).

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> crit, se = uniform_critical_value(rng.normal(size=(4, 200)) / 15, seed=2)
    >>> bool(1.96 < crit < stats.norm.ppf(1 - 0.05 / 8))
    True
    """
    func = "uniform_critical_value"
    infl = np.asarray(influence, dtype=np.float64)
    if infl.ndim != 2 or infl.shape[1] < 2 or not np.all(np.isfinite(infl)):
        raise ParamsError(
            f"The 'influence' parameter of {func} must be a finite (K, G) array with G >= 2. "
            f"Got shape {infl.shape} instead."
        )
    n_boot = check_int(n_boot, "n_boot", func, low=99)
    check_choice(weights, "weights", func, MultiplierWeights)
    g = infl.shape[1]
    draws = np.sqrt(g / (g - 1)) * _draws(infl, n_boot, weights, seed)  # (B, K)
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / (stats.norm.ppf(0.75) - stats.norm.ppf(0.25))
    se = np.where(se > np.sqrt(np.finfo(float).eps) * 10, se, np.nan)
    ok = np.isfinite(se)
    if not ok.any():
        return float("nan"), se
    tmax = np.max(np.abs(draws[:, ok] / se[ok]), axis=1)
    crit = float(np.quantile(tmax, 1.0 - alpha, method="inverted_cdf"))
    return crit, se

"""Private numerics for fixed-effects least squares (the fixest recipe, in NumPy).

Nothing here knows about banks or DataFrames: arrays in, arrays out.

- :func:`factorize` turns labels into dense integer codes.
- :func:`drop_singletons` removes observations that are alone in a fixed-effect level
  (iteratively, as ``reghdfe``/``fixest`` do); they carry no information on the slopes
  but would inflate the residual degrees of freedom.
- :func:`demean` projects columns off several sets of fixed effects by the method of
  alternating projections (Gauss–Seidel sweeps of weighted group-mean subtraction,
  vectorised with :func:`numpy.bincount`) until the largest group mean removed in a
  sweep is below ``tol`` (relative to the column's scale). One sweep is exact for a
  balanced panel; on unbalanced panels (staff join and leave) one sweep is *not* the
  two-way within transformation, the iterations are.
- :func:`ols_on_demeaned` and :func:`sandwich` give coefficients and iid / HC1 / CR1
  covariances with fixest's small-sample factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import pandas as pd

__all__ = [
    "factorize",
    "drop_singletons",
    "demean",
    "DemeanInfo",
    "n_connected_components",
    "is_nested",
    "gram",
    "matvec",
    "ols_on_demeaned",
    "cluster_scores",
    "sandwich",
]


def factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """Dense 0-based int64 codes and the sorted unique labels of ``values``.

    Categorical input uses its (observed) categories without hashing the values again.
    """
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy(dtype=np.int64)
        used = np.flatnonzero(np.bincount(codes, minlength=len(s.cat.categories)))
        remap = np.full(len(s.cat.categories), -1, dtype=np.int64)
        remap[used] = np.arange(used.size)
        return remap[codes], np.asarray(s.cat.categories)[used]
    codes, uniques = pd.factorize(s, sort=False)  # hash, then sort the few uniques
    uniques = np.asarray(uniques)
    try:
        order = np.argsort(uniques, kind="stable")
    except TypeError:  # mixed, unorderable labels: keep order of appearance
        return codes.astype(np.int64, copy=False), uniques
    rank = np.empty(order.size, dtype=np.int64)
    rank[order] = np.arange(order.size)
    return rank[codes], uniques[order]


def drop_singletons(fe_codes: list[np.ndarray], n_levels: list[int]) -> np.ndarray:
    """Boolean mask of observations kept after iteratively dropping FE singletons."""
    n = fe_codes[0].size
    keep = np.ones(n, dtype=bool)
    while True:
        changed = False
        for codes, n_lev in zip(fe_codes, n_levels):
            counts = np.bincount(codes[keep], minlength=n_lev)
            single = keep & (counts[codes] == 1)
            if single.any():
                keep &= ~single
                changed = True
        if not changed or not keep.any():
            return keep


@dataclass(frozen=True, slots=True)
class DemeanInfo:
    """Convergence record of :func:`demean` (max over columns)."""

    iterations: int
    converged: bool
    max_last_change: float


def _sweep(col, fe_codes, n_levels, inv_w, weights) -> float:
    """One Gauss–Seidel sweep in place; returns the largest group mean removed."""
    change = 0.0
    for codes, n_lev, iw in zip(fe_codes, n_levels, inv_w):
        wx = col if weights is None else col * weights
        means = np.bincount(codes, weights=wx, minlength=n_lev)
        means *= iw
        change = max(change, float(np.abs(means).max()))
        col -= means[codes]
    return change


def demean(
    x: np.ndarray,
    fe_codes: list[np.ndarray],
    n_levels: list[int],
    weights: np.ndarray | None = None,
    *,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    accelerate: bool = True,
) -> tuple[np.ndarray, DemeanInfo]:
    """Residuals of the columns of ``x`` on all fixed effects (alternating projections).

    Each sweep subtracts, for every FE dimension in turn, the (weighted) mean of the
    current column within each level. A column has converged when the largest group
    mean subtracted during a whole sweep is ``<= tol * max(1, max|x|)``; at that point
    every group mean of the result is numerically zero, i.e. the result is orthogonal
    to all FE dummies, which is the exact within transformation. With
    ``accelerate=True`` every second sweep is followed by an Irons–Tuck extrapolation
    (as in fixest), which typically halves the sweeps on unbalanced panels; the
    returned column is always the output of a (converged) plain sweep.

    Returns a new Fortran-ordered array (the input is not modified) and a
    :class:`DemeanInfo` (``iterations`` counts sweeps).
    """
    out = np.array(x, dtype=np.float64, order="F", copy=True)
    if out.ndim == 1:
        out = out[:, None]
    inv_w = []
    for codes, n_lev in zip(fe_codes, n_levels):
        sw = np.bincount(codes, weights=weights, minlength=n_lev)
        with np.errstate(divide="ignore"):
            inv_w.append(np.where(sw > 0, 1.0 / sw, 0.0))
    one_fe = len(fe_codes) == 1
    max_it, ok, last = 0, True, 0.0
    for j in range(out.shape[1]):
        col = out[:, j]
        scale = max(1.0, float(np.abs(col).max())) if col.size else 1.0
        thresh = tol * scale
        it = 0
        change = _sweep(col, fe_codes, n_levels, inv_w, weights)
        it += 1
        while not one_fe and change > thresh and it < maxiter:
            if not accelerate:
                change = _sweep(col, fe_codes, n_levels, inv_w, weights)
                it += 1
                continue
            x0 = col.copy()
            change = _sweep(col, fe_codes, n_levels, inv_w, weights)  # col = F(x0)
            it += 1
            if change <= thresh:
                break
            fx = col.copy()
            change = _sweep(col, fe_codes, n_levels, inv_w, weights)  # col = F(F(x0))
            it += 1
            if change <= thresh:
                break
            d1 = fx - x0
            d2 = col - fx
            dd = d2 - d1
            den = float(dd @ dd)
            if den > 0.0:
                col -= (float(d2 @ dd) / den) * d2
            change = _sweep(col, fe_codes, n_levels, inv_w, weights)
            it += 1
        max_it = max(max_it, it)
        if not one_fe and change > thresh:
            ok = False
        last = max(last, change / scale)
    return out, DemeanInfo(iterations=max_it, converged=bool(ok), max_last_change=last)


def n_connected_components(a: np.ndarray, n_a: int, b: np.ndarray, n_b: int) -> int:
    """Connected components of the bipartite graph linking FE levels that share an observation.

    With two FE dimensions the number of redundant FE coefficients equals this number.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = n_a + n_b
    g = coo_matrix((np.ones(a.size, dtype=np.int8), (a, n_a + b)), shape=(n, n)).tocsr()
    n_comp, _ = connected_components(g, directed=False)
    return int(n_comp)


def is_nested(fe: np.ndarray, n_fe: int, cluster: np.ndarray) -> bool:
    """True when every level of ``fe`` lies inside a single cluster."""
    first = np.full(n_fe, -1, dtype=np.int64)
    first[fe] = cluster
    return bool(np.array_equal(first[fe], cluster))


def gram(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a.T @ b`` for tall, thin arrays (column-by-column BLAS dots when that is faster)."""
    if a.ndim == 1:
        a = a[:, None]
    if b.ndim == 1:
        b = b[:, None]
    if a.shape[1] * b.shape[1] > 64:
        return a.T @ b
    out = np.empty((a.shape[1], b.shape[1]))
    for i in range(a.shape[1]):
        ai = np.ascontiguousarray(a[:, i])
        for j in range(b.shape[1]):
            out[i, j] = np.dot(ai, np.ascontiguousarray(b[:, j]))
    return out


def matvec(x: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """``x @ beta`` for a tall, thin ``x``."""
    if x.shape[1] > 8:
        return x @ beta
    out = x[:, 0] * beta[0]
    for j in range(1, x.shape[1]):
        out += x[:, j] * beta[j]
    return out


def ols_on_demeaned(
    xd: np.ndarray, yd: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(Weighted) least squares on demeaned data: ``beta, residuals, bread = (X'WX)^-1``."""
    xw = xd if weights is None else xd * weights[:, None]
    xtx = gram(xw, xd)
    bread = np.linalg.inv(xtx)
    beta = bread @ gram(xw, yd)[:, 0]
    resid = yd - matvec(xd, beta)
    return beta, resid, bread


def cluster_scores(
    xd: np.ndarray,
    resid: np.ndarray,
    cluster: np.ndarray,
    n_clusters: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Per-cluster score sums ``S_g = sum_{i in g} w_i x_i e_i`` as a (G, k) array."""
    we = resid if weights is None else resid * weights
    out = np.empty((n_clusters, xd.shape[1]))
    for j in range(xd.shape[1]):
        out[:, j] = np.bincount(cluster, weights=xd[:, j] * we, minlength=n_clusters)
    return out


def sandwich(
    bread: np.ndarray,
    *,
    kind: str,
    n_obs: int,
    dof_k: int,
    resid: np.ndarray | None = None,
    xd: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    scores_by_cluster: np.ndarray | None = None,
) -> np.ndarray:
    """Covariance of the slopes with fixest's small-sample factors.

    - ``"iid"``: ``sigma^2 (X'WX)^-1`` with ``sigma^2 = sum w e^2 / (N - K)``.
    - ``"hetero"`` (HC1): ``N / (N - K) * B M B`` with ``M = sum w^2 e^2 x x'``.
    - ``"cluster"`` (CR1): ``G/(G-1) * (N-1)/(N-K) * B (S'S) B``.
    """
    if kind == "iid":
        resid = cast(np.ndarray, resid)
        we2 = resid**2 if weights is None else weights * resid**2
        return bread * (we2.sum() / (n_obs - dof_k))
    if kind == "hetero":
        resid = cast(np.ndarray, resid)
        we = resid if weights is None else resid * weights
        sc = cast(np.ndarray, xd) * we[:, None]
        return n_obs / (n_obs - dof_k) * (bread @ (sc.T @ sc) @ bread)
    if kind == "cluster":
        s = cast(np.ndarray, scores_by_cluster)
        g = s.shape[0]
        adj = g / (g - 1) * (n_obs - 1) / (n_obs - dof_k)
        return adj * (bread @ (s.T @ s) @ bread)
    raise ValueError(kind)

"""Restricted wild cluster bootstrap (WCR) for the fixed-effects regressions, on cluster sums.

With few clusters the cluster-robust t and Wald tests over-reject (Cameron, Gelbach &
Miller 2008; MacKinnon & Webb 2017). The restricted wild cluster bootstrap (WCR) imposes
the null on the bootstrap data, flips the restricted residuals of whole clusters with
Rademacher (+-1) or Webb (six-point) weights, refits and compares the studentised
statistic with its bootstrap distribution. The incentive estimators use it by default
when fewer than :data:`WILD_BOOTSTRAP_BELOW` clusters carry the inference.

How it is made fast ("fast and wild", Roodman, MacKinnon, Nielsen & Webb 2019)
-------------------------------------------------------------------------------
No bootstrap sample is ever built. After the fixed effects are partialled out (the
demeaned regressors ``Xd`` of the fit), everything a draw needs is linear in the weight
vector ``v`` (one weight per cluster) and reduces to cluster-level sums computed once:

- restricted fit of ``H0: beta_J = c``: residuals ``u(c) = u0 - c r`` (linear in ``c``);
- a draw's slopes (Frisch–Waugh–Lovell, ``y*`` need not be demeaned):
  ``beta* - beta~ = A^-1 sum_g v_g s_g`` with ``A = Xd'W Xd`` and ``s_g = Xd_g' W_g u_g``;
- a draw's cluster scores: ``S_h(v) = Xd_h' W_h M (u . v)_h
  = v_h s_h - E_h K^+ sum_g v_g a_g - H_h A^-1 sum_g v_g s_g``, where
  ``a_g`` are the weighted residual sums of cluster ``g`` per period, ``E_h`` the
  per-period sums of ``W Xd`` in cluster ``h``, ``H_h = Xd_h' W_h Xd_h`` and ``K`` the
  period-by-period cross-product after removing the unit effects. This holds when the unit
  effects are nested in the clusters (staff inside branches): then the unit effects of a
  flipped residual vanish in ``Xd_h``'s direction and only the period effects mix clusters.
  When they are not nested, the per-cluster pieces ``Xd_h' W_h D(u 1_g)`` are computed by
  demeaning the ``G`` vectors ``u 1_g`` (slower, exact).

So one draw costs ``O(G (p + T))`` operations and the ``N`` rows are read a handful of
times, whatever the number of draws: 999 draws add well under a second at 1,000,000 rows
(``benchmarks/bench_incentives.py`` measures it). Intervals invert the test: the
bootstrap t of every draw is affine in ``c`` in its numerator and its score vectors, so
each candidate ``c`` costs ``O(G B)`` and the bounds are found by bisection.

P-values are the share of draws at least as extreme as the sample statistic (ties with
the sample, e.g. the all-ones Rademacher pattern that reproduces the sample, count as
extreme). Rademacher weights are fully enumerated when ``2^G <= n_boot`` (as ``boottest``
does); with very few clusters (G < 12) Webb weights are recommended (Webb 2023).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice, check_int
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import demean as _fixest

__all__ = [
    "BootWeights",
    "WildBootstrapChoice",
    "WildBootstrapResult",
    "WILD_BOOTSTRAP_BELOW",
    "boot_weight_matrix",
]

BootWeights = Literal["rademacher", "webb"]
WildBootstrapChoice = Literal["auto", "wild", "none"]

#: Default inference switches to the wild cluster bootstrap below this many clusters.
WILD_BOOTSTRAP_BELOW = 30

_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_TIE = 1e-10  # relative tolerance for ties with the sample statistic


@dataclass(frozen=True, slots=True)
class WildBootstrapResult:
    """Restricted wild cluster bootstrap (WCR) test of one coefficient or a joint null.

    Unpacks as ``statistic, pvalue = result``.

    Attributes
    ----------
    statistic : float
        Sample t statistic (one coefficient) or Wald statistic in F form (joint null),
        CR1-studentised as in the analytic test.
    pvalue : float
        Bootstrap p-value: share of draws with ``|t*| >= |t|`` (or ``W* >= W``). H0: the
        coefficient(s) equal ``null_value``; H1: not (two-sided).
    ci_low, ci_high : float
        ``1 - alpha`` interval by test inversion (NaN for a joint null).
    n_boot : int
        Draws used (``2^G`` when Rademacher weights are enumerated).
    weights : str
        ``"rademacher"`` or ``"webb"``.
    enumerated : bool
        Whether every Rademacher pattern was used (no randomness).
    n_clusters : int
    seed : int or None
    terms : tuple of str
    """

    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    n_boot: int
    weights: str
    enumerated: bool
    n_clusters: int
    seed: int | None
    alpha: float
    terms: tuple[str, ...]
    null_value: float = 0.0

    def __iter__(self):
        return iter((self.statistic, self.pvalue))

    @property
    def method(self) -> str:
        """Short description, e.g. ``"WCR, webb weights, 999 draws, 12 clusters"``."""
        draws = f"all {self.n_boot} patterns" if self.enumerated else f"{self.n_boot} draws"
        return f"wild cluster bootstrap (WCR), {self.weights} weights, {draws}, {self.n_clusters} clusters"

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "terms": ", ".join(self.terms),
                    "statistic": self.statistic,
                    "pvalue": self.pvalue,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "method": self.method,
                }
            ]
        )


@dataclass(frozen=True, slots=True)
class _BootOptions:
    """Validated bootstrap options."""

    choice: str = "auto"
    weights: str = "webb"
    n_boot: int = 999
    seed: int | None = 0

    def active(self, n_clusters: int) -> bool:
        """Whether the bootstrap runs for this number of clusters."""
        return self.choice == "wild" or (self.choice == "auto" and 0 < n_clusters < WILD_BOOTSTRAP_BELOW)


def _boot_options(
    bootstrap: Any, boot_weights: Any, n_boot: Any, seed: Any, func: str, *, clustered: bool = True
) -> _BootOptions:
    """Validate ``bootstrap``, ``boot_weights``, ``n_boot`` and ``seed`` of ``func``."""
    check_choice(bootstrap, "bootstrap", func, WildBootstrapChoice)
    if bootstrap == "wild" and not clustered:
        _ensure_clusters(0, func)
    check_choice(boot_weights, "boot_weights", func, BootWeights)
    n_boot = check_int(n_boot, "n_boot", func, low=99)
    if seed is not None:
        seed = check_int(seed, "seed", func, low=0)
    return _BootOptions(bootstrap, boot_weights, n_boot, seed)


def boot_weight_matrix(
    n_clusters: int, n_boot: int, weights: BootWeights = "webb", seed: int | None = 0
) -> tuple[np.ndarray, bool]:
    """Cluster weights of the draws, ``(G, B)``, and whether Rademacher was enumerated.

    Rademacher weights are enumerated (all ``2^G`` sign patterns, no randomness) when
    ``2^G <= n_boot``; otherwise ``n_boot`` draws from ``numpy.random.default_rng(seed)``.

    Examples
    --------
    >>> v, full = boot_weight_matrix(3, 999, "rademacher")
    >>> v.shape, full
    ((3, 8), True)
    >>> v, full = boot_weight_matrix(12, 999, "webb", seed=1)
    >>> v.shape, full, bool(np.allclose((v**2).mean(), 1.0, atol=0.05))
    ((12, 999), False, True)
    """
    check_choice(weights, "weights", "boot_weight_matrix", BootWeights)
    if weights == "rademacher" and 2**n_clusters <= n_boot:
        pats = np.array(list(product((1.0, -1.0), repeat=n_clusters)))
        return pats.T.copy(), True
    rng = np.random.default_rng(seed)
    if weights == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot)), False
    return rng.choice(_WEBB, size=(n_clusters, n_boot)), False


# ---------------------------------------------------------------------------
# cluster-level pieces
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Design:
    """The partialled-out regression a bootstrap works on (the estimation rows of a fit)."""

    xd: np.ndarray  # (n, p) regressors net of the fixed effects
    yd: np.ndarray  # (n,) outcome net of the fixed effects
    w: np.ndarray | None
    cl: np.ndarray  # cluster codes 0..G-1 (present clusters only)
    unit: np.ndarray
    n_units: int
    tpos: np.ndarray
    n_periods: int
    ssc: float  # CR1 small-sample factor of the analytic test
    nested: bool  # unit effects nested in the clusters
    names: list[str]

    @property
    def n_clusters(self) -> int:
        return int(self.cl.max()) + 1


def _design(fit: Any, cl_all: np.ndarray) -> _Design:
    """A :class:`_Design` from a TWFE fit (``_TWFEFit``) and its rows' cluster codes."""
    cl, _ = _fixest.factorize(cl_all)
    g = int(cl.max()) + 1
    n = fit.xd.shape[0]
    ssc = g / (g - 1) * (n - 1) / (n - fit.dof_k)
    fe = fit.fe
    nested = _fixest.is_nested(fe.unit, fe.n_unit_levels, cl)
    return _Design(
        fit.xd,
        fit.yd,
        fit.w,
        cl,
        fe.unit,
        fe.n_unit_levels,
        fe.tpos,
        fe.n_period_levels,
        ssc,
        nested,
        list(fit.names),
    )


def _sums_by(codes: np.ndarray, n: int, vals: np.ndarray) -> np.ndarray:
    """Column sums of ``vals`` (n_rows, k) by ``codes``: (n, k)."""
    return np.stack(
        [np.bincount(codes, weights=vals[:, j], minlength=n) for j in range(vals.shape[1])], axis=1
    )


@dataclass(slots=True)
class _Pieces:
    """Everything a draw needs for residual vector ``u``: numerator and score maps, linear in ``v``.

    For weights ``V`` (G, B): numerator ``num = nu @ V`` (q, B) and cluster scores of the
    tested combination ``U = einsum('hgq,gb->hqb', T, V)`` (G, q, B).
    """

    nu: np.ndarray  # (q, G)
    t: np.ndarray  # (G, G, q)


class _Engine:
    """Cluster sums of one design, shared by every null tested on it."""

    def __init__(self, d: _Design) -> None:
        self.d = d
        g, t = d.n_clusters, d.n_periods
        self.xw = d.xd if d.w is None else d.xd * d.w[:, None]
        self.a = _fixest.gram(self.xw, d.xd)
        self.ainv = np.linalg.inv(self.a)
        self.xwy = _fixest.gram(self.xw, d.yd)[:, 0]  # Xd' W yd, for every restricted fit
        # The rows sorted by cluster once: per-cluster sums are then BLAS products on
        # contiguous blocks (an (n, p*p) outer-product array and p*p bincounts took 1.6 s
        # and 650 MB at 1M rows with 9 regressors; the blocks take 0.25 s and no temporary).
        self.order = np.argsort(d.cl, kind="stable")
        self.bounds = np.searchsorted(d.cl[self.order], np.arange(g + 1))
        self.xw_s = self.xw[self.order]
        xd_s = d.xd[self.order]
        # H_h = Xd_h' W_h Xd_h
        self.h = np.stack([self.xw_s[a:b].T @ xd_s[a:b] for a, b in self._blocks()])
        if d.nested:
            cell = d.cl * t + d.tpos
            self.e = _sums_by(cell, g * t, self.xw).reshape(g, t, -1)  # E_h' per period
            self.kplus = np.linalg.pinv(self._period_cross())

    def _blocks(self) -> list[tuple[int, int]]:
        """Row ranges of the clusters in ``order``."""
        return list(zip(self.bounds[:-1].tolist(), self.bounds[1:].tolist()))

    def _cluster_scores(self, u: np.ndarray) -> np.ndarray:
        """``s_h = Xd_h' W_h u_h`` per cluster: (G, p)."""
        us = u[self.order]
        return np.stack([self.xw_s[a:b].T @ us[a:b] for a, b in self._blocks()])

    def _period_cross(self) -> np.ndarray:
        """``K = F_T' W D_U F_T``: period dummies' cross-product after the unit effects."""
        d = self.d
        w = np.ones(d.xd.shape[0]) if d.w is None else d.w
        cell = d.unit * d.n_periods + d.tpos
        nut = np.bincount(cell, weights=w, minlength=d.n_units * d.n_periods).reshape(d.n_units, d.n_periods)
        tot = nut.sum(axis=1)
        ok = tot > 0
        nut = nut[ok]
        return np.diag(nut.sum(axis=0)) - (nut / tot[ok, None]).T @ nut

    def restricted(self, cols: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """Residuals of ``H0: beta_cols = 0`` and of ``xd_cols`` on the other regressors.

        ``u(c) = u0 - r @ c`` is the restricted residual of ``H0: beta_cols = c``.
        """
        d = self.d
        other = [j for j in range(d.xd.shape[1]) if j not in cols]
        cols = list(cols)
        targets = np.column_stack([d.yd, d.xd[:, cols]])
        if other:
            # Xo' W [yd, Xc] and Xo' W Xo are blocks of the Gram matrices made once in __init__
            rhs = np.column_stack([self.xwy[other], self.a[np.ix_(other, cols)]])
            coef = np.linalg.solve(self.a[np.ix_(other, other)], rhs)
            targets = targets - d.xd[:, other] @ coef
        return targets[:, 0], targets[:, 1:]

    def pieces(self, u: np.ndarray, lmat: np.ndarray) -> _Pieces:
        """Numerator and score maps of residual ``u`` for the combination ``lmat @ A^-1``."""
        d = self.d
        g, t = d.n_clusters, d.n_periods
        uw = u if d.w is None else u * d.w
        s = self._cluster_scores(u)  # (G, p)
        la = lmat @ self.ainv  # (q, p)
        nu = la @ s.T  # (q, G)
        # - L H_h A^-1 s_g
        tens = -np.einsum("qp,hpk,kj,gj->hgq", la, self.h, self.ainv, s, optimize=True)
        if d.nested:
            a_g = np.bincount(d.cl * t + d.tpos, weights=uw, minlength=g * t).reshape(g, t)
            le = np.einsum("qp,htp->hqt", la, self.e) @ self.kplus  # (G, q, T)
            tens -= np.einsum("hqt,gt->hgq", le, a_g)
            tens[np.arange(g), np.arange(g), :] += nu.T
        else:
            tens += self._cross_terms(u, la)
        return _Pieces(nu=nu, t=tens)

    def _cross_terms(self, u: np.ndarray, la: np.ndarray) -> np.ndarray:
        """``L A^-1 Xd_h' W_h D(u 1_g)_h`` by demeaning the ``G`` split residuals (non-nested FE)."""
        d = self.d
        g = d.n_clusters
        out = np.empty((g, g, la.shape[0]))
        for lo in range(0, g, 16):
            hi = min(g, lo + 16)
            split = np.zeros((u.size, hi - lo))
            rows = (d.cl >= lo) & (d.cl < hi)
            split[np.flatnonzero(rows), d.cl[rows] - lo] = u[rows]
            dem, _ = _fixest.demean(split, [d.unit, d.tpos], [d.n_units, d.n_periods], d.w, tol=1e-12)
            for k in range(hi - lo):
                out[:, lo + k, :] = _sums_by(d.cl, g, self.xw * dem[:, k : k + 1]) @ la.T
        return out


def _draw_stats(num: np.ndarray, scores: np.ndarray, ssc: float) -> np.ndarray:
    """Bootstrap statistics: ``t*`` (q = 1) or the Wald ``W*/q`` (q > 1), one per draw.

    ``num`` (q, B): the draws' tested combination minus the null; ``scores`` (G, q, B).
    """
    q = num.shape[0]
    if q == 1:
        var = ssc * np.einsum("hb,hb->b", scores[:, 0, :], scores[:, 0, :])
        with np.errstate(divide="ignore", invalid="ignore"):
            return num[0] / np.sqrt(var)
    meat = ssc * np.einsum("hqb,hrb->bqr", scores, scores)
    sol = np.linalg.solve(meat, num.T[:, :, None])[:, :, 0]
    return np.einsum("bq,bq->b", num.T, sol) / q


def _apply(pc: _Pieces, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Numerators (q, B) and scores (G, q, B) of the draws ``v`` (G, B)."""
    return pc.nu @ v, np.einsum("hgq,gb->hqb", pc.t, v, optimize=True)


def _pvalue(stat: float, boot: np.ndarray, two_sided_abs: bool) -> float:
    """Share of draws at least as extreme as ``stat`` (ties included)."""
    ref = abs(stat) if two_sided_abs else stat
    b = np.abs(boot) if two_sided_abs else boot
    return float(np.mean(b >= ref * (1 - _TIE)))


# ---------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------


def wild_test_coef(
    d: _Design,
    col: int,
    opts: _BootOptions,
    *,
    alpha: float,
    beta: float,
    se: float,
    engine: _Engine | None = None,
) -> WildBootstrapResult:
    """WCR test of ``H0: beta_col = 0`` with the inverted ``1 - alpha`` interval."""
    eng = engine or _Engine(d)
    g = d.n_clusters
    if g < 2:
        raise InsufficientSampleError("The wild cluster bootstrap needs at least 2 clusters.")
    v, full = boot_weight_matrix(g, opts.n_boot, opts.weights, opts.seed)  # type: ignore[arg-type]
    u0, r = eng.restricted([col])
    lmat = np.zeros((1, d.xd.shape[1]))
    lmat[0, col] = 1.0
    n0, s0 = _apply(eng.pieces(u0, lmat), v)
    n1, s1 = _apply(eng.pieces(r[:, 0], lmat), v)

    def pval(c: float) -> float:
        boot = _draw_stats(n0 - c * n1, s0 - c * s1, d.ssc)
        return _pvalue((beta - c) / se, boot, True)

    lo, hi = _invert(pval, beta, se, alpha)
    return WildBootstrapResult(
        statistic=beta / se,
        pvalue=pval(0.0),
        ci_low=lo,
        ci_high=hi,
        n_boot=v.shape[1],
        weights=opts.weights,
        enumerated=full,
        n_clusters=g,
        seed=None if full else opts.seed,
        alpha=alpha,
        terms=(d.names[col],),
    )


def wild_test_joint(
    d: _Design, cols: Sequence[int], opts: _BootOptions, *, alpha: float, engine: _Engine | None = None
) -> WildBootstrapResult:
    """WCR test of ``H0: beta_cols = 0`` jointly, with the CR1 Wald statistic in F form."""
    eng = engine or _Engine(d)
    g = d.n_clusters
    cols = list(cols)
    q = len(cols)
    v, full = boot_weight_matrix(g, opts.n_boot, opts.weights, opts.seed)  # type: ignore[arg-type]
    lmat = np.zeros((q, d.xd.shape[1]))
    lmat[np.arange(q), cols] = 1.0
    # the sample statistic: the draw with all weights 1 on the *unrestricted* residual
    beta = eng.ainv @ _fixest.gram(eng.xw, d.yd)[:, 0]
    resid = d.yd - d.xd @ beta
    pc_hat = eng.pieces(resid, lmat)
    s_hat = pc_hat.t.sum(axis=1)[:, :, None]  # scores of the sample: v = 1
    stat = float(_draw_stats((lmat @ beta)[:, None], s_hat, d.ssc)[0])
    u0, _ = eng.restricted(cols)
    num, sc = _apply(eng.pieces(u0, lmat), v)
    boot = _draw_stats(num, sc, d.ssc)
    return WildBootstrapResult(
        statistic=stat,
        pvalue=_pvalue(stat, boot, False),
        ci_low=float("nan"),
        ci_high=float("nan"),
        n_boot=v.shape[1],
        weights=opts.weights,
        enumerated=full,
        n_clusters=g,
        seed=None if full else opts.seed,
        alpha=alpha,
        terms=tuple(d.names[c] for c in cols),
    )


def _invert(pval: Any, beta: float, se: float, alpha: float) -> tuple[float, float]:
    """Bounds of ``{c : p(c) > alpha}`` around ``beta`` by stepping out and bisection."""
    if not (np.isfinite(se) and se > 0):
        return float("nan"), float("nan")
    bounds = []
    for sign in (-1.0, 1.0):
        inner, step = beta, 2.0 * se
        outer = beta + sign * step
        n = 0
        while pval(outer) > alpha:
            inner, step = outer, step * 2
            outer = beta + sign * step
            n += 1
            if n > 40:
                return float("-inf"), float("inf")
        for _ in range(60):
            mid = 0.5 * (inner + outer)
            if pval(mid) > alpha:
                inner = mid
            else:
                outer = mid
            if abs(outer - inner) <= 1e-9 * max(se, abs(beta)):
                break
        bounds.append(0.5 * (inner + outer))
    return bounds[0], bounds[1]


def _ensure_clusters(g: int, func: str) -> None:
    """Raise when the bootstrap was asked for without clusters."""
    if g < 2:
        raise ParamsError(
            f"The 'bootstrap' parameter of {func} must be 'none' or 'auto' when the errors are "
            f"not clustered (the wild cluster bootstrap flips whole clusters). Got 'wild' instead."
        )

"""Numerical kernels of :mod:`bankperf_analysis.significance.compare` (private).

Everything here works on plain numbers/arrays, validates nothing and never warns:
the public functions in ``significance.py`` do that. Vetted implementations are
wrapped where they exist (statsmodels ``proportion_confint``,
``test_proportions_2indep``, ``NormalIndPower``/``TTestIndPower``; scipy
``boschloo_exact``, ``fisher_exact``, ``betabinom``); the rest follows the cited
papers formula by formula.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import optimize, special, stats

_ALT_SCIPY = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}


# --------------------------------------------------------------------------- rates


def wilson_interval(x, n, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (no continuity correction) via statsmodels, clipped to [0, 1]."""
    from statsmodels.stats.proportion import proportion_confint

    lo, hi = proportion_confint(x, n, alpha=alpha, method="wilson")
    return np.clip(lo, 0.0, 1.0), np.clip(hi, 0.0, 1.0)


def newcombe_interval(x1, n1, x2, n2, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Newcombe (1998) method 10 hybrid score interval for ``p1 - p2``.

    ``L = d - sqrt((p1 - l1)^2 + (u2 - p2)^2)``, ``U = d + sqrt((u1 - p1)^2 + (p2 - l2)^2)``,
    with ``(l_i, u_i)`` the Wilson limits of each arm at the same ``alpha``.
    """
    x1, n1, x2, n2 = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x1, n1, x2, n2)))
    p1, p2 = x1 / n1, x2 / n2
    lo_w, hi_w = wilson_interval(np.stack([x1, x2]), np.stack([n1, n2]), alpha)
    l1, l2 = lo_w
    u1, u2 = hi_w
    d = p1 - p2
    lo = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    hi = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.clip(lo, -1.0, 1.0), np.clip(hi, -1.0, 1.0)


def score_test(x1, n1, x2, n2, alternative: str, correction: bool) -> tuple[float, float]:
    """Score test of ``p1 - p2 = 0`` (statsmodels ``test_proportions_2indep(method="score")``).

    ``z = (p1 - p2) / sqrt(v)`` with ``v = p (1 - p) (1/n1 + 1/n2)`` at the pooled rate ``p``;
    ``correction=True`` multiplies ``v`` by ``N / (N - 1)``, ``N = n1 + n2`` (Miettinen &
    Nurminen 1985, statsmodels' default); ``False`` gives the pooled z test, whose square
    is Pearson's chi-square without continuity correction.
    """
    from statsmodels.stats.proportion import test_proportions_2indep

    # statsmodels also computes the ratio and odds ratio of the counts, which divide by
    # zero when a cell is empty; the difference test itself is unaffected
    with np.errstate(divide="ignore", invalid="ignore"):
        res = test_proportions_2indep(
            x1,
            n1,
            x2,
            n2,
            method="score",
            compare="diff",
            alternative=alternative,
            correction=bool(correction),
        )
    return float(res.statistic), float(res.pvalue)


def exact_test(x1, n1, x2, n2, test: str, alternative: str) -> tuple[float, float]:
    """Boschloo's (default) or Fisher's exact test of ``p1 = p2`` (scipy).

    The table puts the two samples in columns, successes in the first row, so that
    scipy's ``"greater"`` means ``p1 > p2`` for both tests.
    """
    table = np.array([[x1, x2], [n1 - x1, n2 - x2]], dtype=np.int64)
    alt = _ALT_SCIPY[alternative]
    if test == "fisher":
        res = stats.fisher_exact(table, alternative=alt)
    else:
        res = stats.boschloo_exact(table, alternative=alt)
    return float(res.statistic), float(res.pvalue)


def expected_cells(x1, n1, x2, n2) -> np.ndarray:
    """Expected 2x2 cell counts under the pooled null."""
    p = (x1 + x2) / (n1 + n2)
    return np.array([n1 * p, n1 * (1 - p), n2 * p, n2 * (1 - p)], dtype=float)


# --------------------------------------------------------------------------- means


def welch(after: np.ndarray, before: np.ndarray, alpha: float, alternative: str):
    """Welch's unequal-variance t test of ``mean(after) - mean(before)``.

    ``t = d / se``, ``se^2 = s_a^2 / n_a + s_b^2 / n_b``, Welch-Satterthwaite
    ``df = se^4 / ((s_a^2/n_a)^2 / (n_a - 1) + (s_b^2/n_b)^2 / (n_b - 1))``; the interval is
    ``d +- t_{df} se`` (one-sided: one bound infinite). Same numbers as scipy
    ``ttest_ind(equal_var=False)`` and its ``confidence_interval`` (tested), without its
    per-call overhead (compare_many and the simulation tests call it thousands of times).
    Returns ``(t, df, pvalue, ci_low, ci_high, se)``; requires ``se > 0``.
    """
    na, nb = after.size, before.size
    va, vb = after.var(ddof=1) / na, before.var(ddof=1) / nb
    se = math.sqrt(va + vb)
    d = float(after.mean() - before.mean())
    df = (va + vb) ** 2 / (va**2 / (na - 1) + vb**2 / (nb - 1))
    t = d / se
    if alternative == "two-sided":
        p = 2 * special.stdtr(df, -abs(t))
        q = special.stdtrit(df, 1 - alpha / 2)
        lo, hi = d - q * se, d + q * se
    elif alternative == "larger":
        p = special.stdtr(df, -t)
        lo, hi = d - special.stdtrit(df, 1 - alpha) * se, math.inf
    else:
        p = special.stdtr(df, t)
        lo, hi = -math.inf, d + special.stdtrit(df, 1 - alpha) * se
    return float(t), float(df), float(min(p, 1.0)), float(lo), float(hi), se


# --------------------------------------------------------------------------- ordinal


def prob_superiority(after: np.ndarray, before: np.ndarray) -> tuple[float, float]:
    """Probabilistic index ``P(A > B) + 0.5 P(A = B)`` and its DeLong variance.

    Placement values (DeLong, DeLong & Clarke-Pearson 1988): for each ``a_i`` the share
    of ``b`` below it (ties half), for each ``b_j`` the share of ``a`` above it.
    ``var = s2(V10)/n_a + s2(V01)/n_b``; NaN when a sample has < 2 values.
    """
    na, nb = after.size, before.size
    b_sorted, a_sorted = np.sort(before), np.sort(after)
    below = np.searchsorted(b_sorted, after, "left")
    v10 = (below + 0.5 * (np.searchsorted(b_sorted, after, "right") - below)) / nb
    upto = np.searchsorted(a_sorted, before, "right")
    v01 = (na - upto + 0.5 * (upto - np.searchsorted(a_sorted, before, "left"))) / na
    ps = float(v10.mean())
    if na < 2 or nb < 2:
        return ps, math.nan
    return ps, float(v10.var(ddof=1) / na + v01.var(ddof=1) / nb)


def hanley_mcneil_var(auc: float, na: int, nb: int) -> float:
    """Hanley & McNeil (1982) variance of an AUC (``na`` 'positives', ``nb`` 'negatives')."""
    q1 = auc / (2 - auc)
    q2 = 2 * auc**2 / (1 + auc)
    return (auc * (1 - auc) + (na - 1) * (q1 - auc**2) + (nb - 1) * (q2 - auc**2)) / (na * nb)


def ps_interval(ps: float, var: float, na: int, nb: int, alpha: float) -> tuple[float, float]:
    """Two-sided interval for the probabilistic index on the logit scale.

    DeLong variance when it is positive and ``0 < ps < 1``; otherwise (complete
    separation, a sample of one) the Hanley-McNeil variance at the half-corrected
    estimate ``(U + 0.5) / (na nb + 1)``, so the interval never collapses to a point.
    """
    z = stats.norm.ppf(1 - alpha / 2)
    centre = ps
    if not (0.0 < ps < 1.0 and np.isfinite(var) and var > 0):
        centre = (ps * na * nb + 0.5) / (na * nb + 1)
        var = hanley_mcneil_var(centre, na, nb)
    se = math.sqrt(var) / (centre * (1 - centre))
    lg = math.log(centre / (1 - centre))
    return float(1 / (1 + math.exp(-(lg - z * se)))), float(1 / (1 + math.exp(-(lg + z * se))))


def ordinal_fit(after: np.ndarray, before: np.ndarray) -> tuple[float, float, str]:
    """Proportional-odds (logit) fit of ``score ~ period``; returns (beta, se, failure reason).

    Score levels absent from the pooled sample are merged away by coding the observed
    levels 0..K-1. ``beta > 0`` means higher scores after. A fit that does not converge,
    has non-finite estimates or shows quasi-separation (``|beta|`` or its SE above 12,
    an odds ratio beyond e^12) is reported as failed with the reason.
    """
    import warnings

    from statsmodels.miscmodels.ordinal_model import OrderedModel

    y = np.concatenate([before, after])
    levels = np.unique(y)
    codes = np.searchsorted(levels, y)
    exog = np.r_[np.zeros(before.size), np.ones(after.size)][:, None]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = OrderedModel(codes, exog, distr="logit").fit(method="bfgs", disp=False, maxiter=500)
        beta, se = float(res.params[0]), float(res.bse[0])
    except Exception as exc:  # noqa: BLE001 - any failure of the fit triggers the fallback
        return math.nan, math.nan, f"{type(exc).__name__}: {exc}"
    if not res.mle_retvals.get("converged", False):
        return beta, se, "the optimiser did not converge"
    if not (np.isfinite(beta) and np.isfinite(se)) or se <= 0:
        return beta, se, "non-finite estimate or standard error"
    if abs(beta) > 12 or se > 12:
        return beta, se, "quasi-complete separation of the two periods"
    return beta, se, ""


# --------------------------------------------------------------------------- power


def z_crit(alpha: float, alternative: str) -> float:
    """Critical normal quantile for a test at level ``alpha``."""
    return float(special.ndtri(1 - alpha / 2 if alternative == "two-sided" else 1 - alpha))


def _score_gap(d, p1: float, n1: float, n2: float, za: float, zb: float, cc: float):
    """``|d| - cc - z_a sigma0 - z_b sigma1`` for the signed change(s) ``d`` (vectorised)."""
    d = np.asarray(d, dtype=float)
    p2 = p1 + d
    pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
    s0 = np.sqrt(np.clip(pbar * (1 - pbar), 0.0, None) * (1 / n1 + 1 / n2))
    s1 = np.sqrt(max(p1 * (1 - p1), 0.0) / n1 + np.clip(p2 * (1 - p2), 0.0, None) / n2)
    return np.abs(d) - cc - za * s0 - zb * s1


def mdc_rate_one_direction(p1, n1, n2, alpha, power, alternative, method, sign) -> float:
    """Smallest |change| of a rate in direction ``sign`` (+1 up, -1 down) detectable.

    ``method="score"``: smallest root of ``|d| = z_a sigma0 + z_b sigma1`` (pooled
    variance under H0, unpooled under H1: the Fleiss formula that ``required_n_rate``
    inverts); ``"score_cc"`` subtracts the continuity correction ``(1/n1 + 1/n2)/2``;
    ``"arcsine"`` solves Cohen's h with statsmodels ``NormalIndPower``. ``inf`` when no
    change in that direction is detectable.
    """
    room = (1 - p1) if sign > 0 else p1
    if room <= 0:
        return math.inf
    if method == "arcsine":
        from statsmodels.stats.power import NormalIndPower

        h = NormalIndPower().solve_power(
            effect_size=None,
            nobs1=n1,
            alpha=alpha,
            power=power,
            ratio=n2 / n1,
            alternative="two-sided" if alternative == "two-sided" else "larger",
        )
        phi = 2 * math.asin(math.sqrt(p1)) + sign * float(h)
        if not 0 <= phi <= math.pi:
            return math.inf
        return abs(math.sin(phi / 2) ** 2 - p1)
    za, zb = z_crit(alpha, alternative), float(special.ndtri(power))
    cc = 0.5 * (1 / n1 + 1 / n2) if method == "score_cc" else 0.0

    def gap(d: float) -> float:  # scalar twin of _score_gap for the root finder
        p2 = p1 + sign * d
        pbar = (n1 * p1 + n2 * p2) / (n1 + n2)
        s0 = math.sqrt(max(pbar * (1 - pbar), 0.0) * (1 / n1 + 1 / n2))
        s1 = math.sqrt(max(p1 * (1 - p1), 0.0) / n1 + max(p2 * (1 - p2), 0.0) / n2)
        return d - cc - za * s0 - zb * s1

    grid = np.linspace(0.0, room, 201)[1:]
    vals = _score_gap(sign * grid, p1, n1, n2, za, zb, cc)
    pos = np.flatnonzero(vals >= 0)
    if pos.size == 0:
        return math.inf
    k = int(pos[0])
    lo = grid[k - 1] if k > 0 else 0.0
    if k == 0 and gap(0.0) >= 0:
        return 0.0
    return float(optimize.brentq(gap, lo, float(grid[k]), xtol=1e-10))


def mdc_rate(p1, n1, n2, alpha, power, alternative, method) -> float:
    """Minimum detectable change of a rate; two-sided: the smaller of the two directions."""
    if alternative == "larger":
        return mdc_rate_one_direction(p1, n1, n2, alpha, power, alternative, method, +1)
    if alternative == "smaller":
        return mdc_rate_one_direction(p1, n1, n2, alpha, power, alternative, method, -1)
    up = mdc_rate_one_direction(p1, n1, n2, alpha, power, alternative, method, +1)
    down = mdc_rate_one_direction(p1, n1, n2, alpha, power, alternative, method, -1)
    return min(up, down)


def required_n_rate(p1, p2, alpha, power, ratio, alternative, method) -> float:
    """Unrounded ``n_before`` to detect ``p1 -> p2`` (``n_after = ratio * n_before``).

    ``"score"``: Fleiss (1981) ``n = [z_a sqrt(pbar qbar (1 + 1/r)) + z_b sqrt(p1 q1 +
    p2 q2 / r)]^2 / d^2`` with ``pbar = (p1 + r p2) / (1 + r)``; ``"score_cc"``: the
    Fleiss, Tytun & Ury (1980) continuity correction ``n/4 (1 + sqrt(1 + 2 (r + 1) /
    (r n |d|)))^2``; ``"arcsine"``: statsmodels ``NormalIndPower`` on Cohen's h.
    """
    d = abs(p2 - p1)
    if method == "arcsine":
        from statsmodels.stats.power import NormalIndPower
        from statsmodels.stats.proportion import proportion_effectsize

        h = abs(float(proportion_effectsize(p2, p1)))
        return float(
            NormalIndPower().solve_power(
                effect_size=h,
                nobs1=None,
                alpha=alpha,
                power=power,
                ratio=ratio,
                alternative="two-sided" if alternative == "two-sided" else "larger",
            )
        )
    za, zb = z_crit(alpha, alternative), float(special.ndtri(power))
    pbar = (p1 + ratio * p2) / (1 + ratio)
    n = (
        za * math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
        + zb * math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    ) ** 2 / d**2
    if method == "score_cc":
        n = n / 4 * (1 + math.sqrt(1 + 2 * (ratio + 1) / (ratio * n * d))) ** 2
    return n


def mdc_mean_sd(sd, n1, n2, alpha, power, alternative) -> float:
    """Minimum detectable change of a mean given the SD (noncentral t, ``TTestIndPower``)."""
    from statsmodels.stats.power import TTestIndPower

    if n1 + n2 - 2 < 1:
        return math.inf
    d = TTestIndPower().solve_power(
        effect_size=None,
        nobs1=n1,
        alpha=alpha,
        power=power,
        ratio=n2 / n1,
        alternative="two-sided" if alternative == "two-sided" else "larger",
    )
    return float(d) * sd


def required_n_mean(change, sd, alpha, power, ratio, alternative) -> float:
    """Unrounded ``n_before`` for a mean change given the SD (``TTestIndPower``)."""
    from statsmodels.stats.power import TTestIndPower

    return float(
        TTestIndPower().solve_power(
            effect_size=abs(change) / sd,
            nobs1=None,
            alpha=alpha,
            power=power,
            ratio=ratio,
            alternative="two-sided" if alternative == "two-sided" else "larger",
        )
    )


# --------------------------------------------------------------------------- funnel


def exact_binomial_limit(prob, n, theta) -> np.ndarray:
    """Interpolated exact binomial funnel limit (Spiegelhalter 2005, Appendix A.1.1).

    ``r_p`` is the smallest ``r`` with ``F(r) >= prob`` for ``Binomial(n, theta)``;
    ``a = (F(r_p) - prob) / (F(r_p) - F(r_p - 1))``; the limit is ``(r_p - a) / n``.
    """
    n = np.asarray(n, dtype=float)
    prob = np.asarray(prob, dtype=float)
    r = stats.binom.ppf(prob, n, theta)
    f = stats.binom.cdf(r, n, theta)
    fm = stats.binom.cdf(r - 1, n, theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.where(f - fm > 0, (f - prob) / (f - fm), 0.0)
        return np.clip((r - a) / n, 0.0, 1.0)


def winsorized_phi(z: np.ndarray, q: float) -> float:
    """Multiplicative over-dispersion ``phi = mean(zw^2)``, ``zw`` = ``z`` Winsorised at q, 1-q.

    Spiegelhalter (2005) section 4.1; quantiles by linear interpolation (R type 7,
    as in FunnelPlotR).
    """
    if q > 0:
        lo, hi = np.quantile(z, [q, 1 - q])
        z = np.clip(z, lo, hi)
    return float(np.mean(z**2))


def dersimonian_tau2(phi: float, s2: np.ndarray) -> float:
    """Additive between-entity variance (Spiegelhalter 2005 section 4.2, DerSimonian-Laird).

    ``tau2 = max(0, (I phi - (I - 1)) / (sum w - sum w^2 / sum w))`` with ``w = 1 / s2``.
    """
    w = 1.0 / s2
    k = s2.size
    denom = w.sum() - (w**2).sum() / w.sum()
    if denom <= 0:
        return 0.0
    return float(max(0.0, (k * phi - (k - 1)) / denom))


# --------------------------------------------------------------------------- beta-binomial


def fit_beta_binomial(x: np.ndarray, n: np.ndarray) -> tuple[float, float, float, bool]:
    """Marginal maximum likelihood of a beta-binomial prior; returns (a, b, loglik, converged).

    Parametrised as ``mu = a / (a + b)`` on the logit scale and ``m = a + b`` on the log
    scale, bounded to ``logit mu in [-15, 15]`` and ``m in [1e-3, 1e7]``: a coarse grid
    over ``log m`` picks the start of an L-BFGS-B refinement. ``m`` at its upper bound
    means no between-entity variation beyond binomial noise (complete pooling).
    """
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    pooled = float(np.clip(x.sum() / n.sum(), 1e-6, 1 - 1e-6))
    log_choose = special.gammaln(n + 1) - special.gammaln(x + 1) - special.gammaln(n - x + 1)
    const = float(log_choose.sum())

    def nll(theta: np.ndarray) -> float:
        mu = 1 / (1 + math.exp(-theta[0]))
        m = math.exp(theta[1])
        a, b = mu * m, (1 - mu) * m
        return -float(np.sum(special.betaln(x + a, n - x + b)) - x.size * special.betaln(a, b))

    lo_m, hi_m = math.log(1e-3), math.log(1e7)
    logit0 = math.log(pooled / (1 - pooled))
    grid = np.linspace(lo_m, hi_m, 25)
    start = grid[int(np.argmin([nll(np.array([logit0, g])) for g in grid]))]
    best = optimize.minimize(
        nll,
        np.array([logit0, start]),
        method="L-BFGS-B",
        bounds=[(-15.0, 15.0), (lo_m, hi_m)],
    )
    mu = 1 / (1 + math.exp(-best.x[0]))
    m = math.exp(best.x[1])
    return mu * m, (1 - mu) * m, const - float(best.fun), bool(best.success)

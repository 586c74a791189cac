"""Fair league tables: funnel plots and empirical-Bayes shrinkage.

Ranking entities on raw rates rewards the luck of small samples. :func:`funnel_data` (and
:func:`funnel_plot`) show each rate against control limits that narrow as the sample
grows (Spiegelhalter 2005); :func:`shrink_rates` pulls each rate towards the common rate,
the more the fewer its observations (beta-binomial empirical Bayes, or the positive-part
James-Stein estimator; ``method="none"`` keeps the raw rates).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from bankperf_analysis._i18n_shrink import shrink_text
from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_unit_interval, is_real, param_error, warn
from bankperf_analysis.exceptions import InsufficientSampleError, SmallSampleWarning
from bankperf_analysis.numbers import fmt_percent
from bankperf_analysis.plots.funnel import draw_funnel
from bankperf_analysis.significance import _shrink
from bankperf_analysis.significance import stats as _st
from bankperf_analysis.significance.result import Lang
from bankperf_analysis.significance.verdict import fmt_num

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Overdispersion",
    "FunnelMethod",
    "FunnelResult",
    "ShrinkageMethod",
    "ShrinkageResult",
    "funnel_data",
    "funnel_panel",
    "funnel_plot",
    "shrink_rates",
]

Overdispersion = Literal["multiplicative", "additive", "none"]
FunnelMethod = Literal["exact", "normal"]
ShrinkageMethod = Literal["beta-binomial", "james-stein", "none"]
_LANGS = ("en", "zh")


def _counts(x: Any, n: Any, owner: str, labels: Any) -> tuple[np.ndarray, np.ndarray, list]:
    """Validate paired count arrays; return int arrays and entity labels."""
    try:
        xa = np.asarray(x, dtype=float).ravel()
        na = np.asarray(n, dtype=float).ravel()
    except (TypeError, ValueError):
        raise param_error("x", owner, "an array of non-negative integers", x) from None
    if xa.shape != na.shape or xa.size == 0:
        raise param_error(
            "n", owner, f"an array of the same non-zero length as x ({xa.size})", f"length {na.size}"
        )
    for name, arr in (("x", xa), ("n", na)):
        bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
        if bad.any():
            raise param_error(name, owner, "an array of non-negative integers", arr[bad][0].item())
    if (xa > na).any():
        i = int(np.flatnonzero(xa > na)[0])
        raise param_error("x", owner, "<= n element-wise", f"x[{i}] = {xa[i]:g} > n = {na[i]:g}")
    if labels is None:
        names = list(range(xa.size))
    else:
        names = list(labels)
        if len(names) != xa.size:
            raise param_error("labels", owner, f"a sequence of length {xa.size}", f"length {len(names)}")
    return xa.astype(np.int64), na.astype(np.int64), names


def _level_key(level: float) -> str:
    return f"{round(level * 100, 6):g}".replace(".", "_")


# =========================================================================== funnel


def _limits(
    n: Any,
    target: float,
    method: str,
    levels: Sequence[float],
    adjusted: bool,
    overdispersion: str,
    phi: float,
    tau2: float,
) -> dict[str, np.ndarray]:
    n = np.atleast_1d(np.asarray(n, dtype=float))
    lv = np.asarray(levels, dtype=float)
    probs = np.r_[(1 - lv) / 2, (1 + lv) / 2][:, None]  # lower probs, then upper probs
    s2 = target * (1 - target) / n
    if adjusted or method == "normal":
        var = s2
        if adjusted:
            var = phi * s2 if overdispersion == "multiplicative" else s2 + tau2
        lim = target + special.ndtri(probs) * np.sqrt(var)[None, :]
    else:
        lim = _st.exact_binomial_limit(probs, n[None, :], target)
    lim = np.clip(lim, 0.0, 1.0)
    out = {"n": n}
    k = lv.size
    for i, level in enumerate(levels):
        key = _level_key(level)
        out[f"lower_{key}"] = lim[i]
        out[f"upper_{key}"] = lim[k + i]
    return out


@dataclass(frozen=True, slots=True)
class FunnelResult:
    """Funnel-plot data for comparing entities' rates (Spiegelhalter 2005).

    Attributes
    ----------
    table : DataFrame
        One row per entity: ``entity, x, n, rate, z, z_adjusted``, the limits
        ``lower_<L>``/``upper_<L>`` at each level (``lower_95``, ``upper_99_8``...) and
        ``band`` (``"above_99_8"``, ``"above_95"``, ``"within"``, ``"below_95"``,
        ``"below_99_8"``, ``"no_data"``).
    target : float
        Centre line: the pooled rate ``sum(x) / sum(n)`` or the target given.
    target_source : {"pooled", "given"}
    method : {"exact", "normal"}
        Limits before any over-dispersion adjustment: interpolated exact binomial
        quantiles or ``target +- z sqrt(target (1 - target) / n)``.
    levels : tuple of float
        Two-sided coverage of the limits (default 0.95 and 0.998).
    phi : float
        Multiplicative over-dispersion ``mean(z_w^2)`` of the Winsorised z-scores.
    phi_pvalue : float
        P-value of ``I phi ~ chi2(I - 1)`` (``chi2(I)`` when the target is given).
    tau2 : float
        Additive between-entity variance (DerSimonian-Laird form; 0 when none).
    overdispersion : {"multiplicative", "additive", "none"}
        Adjustment requested.
    adjusted : bool
        True when the limits were widened: requested, ``phi > 1`` and ``phi_pvalue <
        dispersion_alpha``. Adjusted limits are normal-approximation limits,
        ``target +- z sqrt(phi s2)`` or ``target +- z sqrt(s2 + tau2)``.
    winsorize : float
        Winsorising fraction at each end used for ``phi``.
    """

    table: pd.DataFrame
    target: float
    target_source: str
    method: str
    levels: tuple[float, ...]
    phi: float
    phi_pvalue: float
    tau2: float
    overdispersion: str
    adjusted: bool
    winsorize: float

    def limits(self, n: Any) -> pd.DataFrame:
        """Funnel limits at arbitrary sample sizes ``n`` (e.g. a grid for drawing curves)."""
        return pd.DataFrame(
            _limits(
                n,
                self.target,
                self.method,
                self.levels,
                self.adjusted,
                self.overdispersion,
                self.phi,
                self.tau2,
            )
        )

    def to_frame(self) -> pd.DataFrame:
        """Return (a copy of) the per-entity table."""
        return self.table.copy()

    def summary(self) -> Summary:
        """Return a notebook-friendly summary of the table and the dispersion check."""
        adj = (
            f"limits widened for over-dispersion ({self.overdispersion})"
            if self.adjusted
            else "limits not adjusted for over-dispersion"
        )
        notes = [
            f"target {self.target:.4g} ({self.target_source}); limits: "
            f"{'normal approximation' if self.adjusted else self.method}",
            f"phi = {self.phi:.3g} (p = {fmt_num(self.phi_pvalue, 3)}), tau2 = {self.tau2:.3g}; " + adj,
        ]
        return Summary("Funnel plot data (Spiegelhalter 2005)", self.table, notes)


def funnel_data(
    x: Any,
    n: Any,
    *,
    labels: Sequence[Any] | None = None,
    target: float | None = None,
    levels: Sequence[float] = (0.95, 0.998),
    method: FunnelMethod = "exact",
    overdispersion: Overdispersion = "multiplicative",
    winsorize: float = 0.1,
    dispersion_alpha: float = 0.05,
) -> FunnelResult:
    """Funnel-plot data: per-entity rates against control limits around a common rate.

    Following Spiegelhalter (2005, "Funnel plots for comparing institutional
    performance", Stat Med 24:1185): z-scores ``z = (y - t) / sqrt(t (1 - t) / n)`` around
    the target ``t``, limits at each ``level`` (exact binomial quantiles with
    interpolation, Appendix A.1.1, or the normal approximation), and a check for
    over-dispersion: ``phi = mean(z_w^2)`` of the z-scores Winsorised at ``winsorize``
    and ``1 - winsorize``, tested by ``I phi ~ chi2(I - 1)`` (``chi2(I)`` for a given
    target). When requested and significant (H1: ``phi > 1``, the entities vary more
    than binomial sampling allows) the limits are widened, multiplicatively
    (``sqrt(phi)``, section 4.1) or additively (``tau2``, section 4.2, DerSimonian-Laird
    on the Winsorised ``phi``), so that only entities that are unusual *beyond the
    ordinary spread between entities* are flagged.

    Parameters
    ----------
    x, n : array-like of int
        Successes and trials per entity; entities with ``n = 0`` are kept as ``no_data``.
    labels : sequence, optional
        Entity names (default 0..I-1).
    target : float, optional
        Centre line in (0, 1); default the pooled rate.
    levels : sequence of float, default (0.95, 0.998)
    method : {"exact", "normal"}, default "exact"
    overdispersion : {"multiplicative", "additive", "none"}, default "multiplicative"
    winsorize : float, default 0.1
        Fraction Winsorised at each end (0 disables).
    dispersion_alpha : float, default 0.05
        Level of the over-dispersion test.

    Returns
    -------
    FunnelResult
    """
    owner = "funnel_data"
    xa, na, names = _counts(x, n, owner, labels)
    method, overdispersion, dispersion_alpha, levels = _check_funnel_options(
        owner, method, overdispersion, dispersion_alpha, winsorize, levels
    )
    has = na > 0
    if not has.any():
        raise InsufficientSampleError(f"{owner}: every entity has n = 0; nothing to plot.")
    if target is None:
        t, source = float(xa.sum() / na.sum()), "pooled"
    else:
        t, source = check_unit_interval(target, "target", owner), "given"
    rate, s2, z = _z_scores(xa, na, has, t)
    phi, phi_p, tau2 = _dispersion(owner, z[has & np.isfinite(z)], s2[has], t, source, float(winsorize))
    adjusted = bool(overdispersion != "none" and math.isfinite(phi) and phi > 1 and phi_p < dispersion_alpha)
    z_adj = _adjusted_z(rate, s2, t, overdispersion, phi, tau2) if adjusted else z
    lim = _limits(np.where(has, na, 1), t, method, levels, adjusted, overdispersion, phi, tau2)
    cols: dict[str, Any] = {"entity": names, "x": xa, "n": na, "rate": rate, "z": z, "z_adjusted": z_adj}
    cols.update(_bands(has, rate, lim, levels))
    return FunnelResult(
        table=pd.DataFrame(cols),
        target=t,
        target_source=source,
        method=method,
        levels=levels,
        phi=phi,
        phi_pvalue=phi_p,
        tau2=tau2,
        overdispersion=overdispersion,
        adjusted=adjusted,
        winsorize=float(winsorize),
    )


def _check_funnel_options(
    owner: str, method: Any, overdispersion: Any, dispersion_alpha: Any, winsorize: Any, levels: Any
) -> tuple[FunnelMethod, Overdispersion, float, tuple[float, ...]]:
    """``method, overdispersion, dispersion_alpha`` and the sorted ``levels``, validated."""
    method = check_choice(method, "method", owner, FunnelMethod)
    overdispersion = check_choice(overdispersion, "overdispersion", owner, Overdispersion)
    dispersion_alpha = check_unit_interval(dispersion_alpha, "dispersion_alpha", owner)
    if not is_real(winsorize) or not 0 <= float(winsorize) < 0.5:
        raise param_error("winsorize", owner, "a float in [0, 0.5)", winsorize)
    levels = tuple(sorted(check_unit_interval(v, "levels", owner) for v in levels))
    if not levels:
        raise param_error("levels", owner, "a non-empty sequence of floats in (0, 1)", levels)
    return method, overdispersion, dispersion_alpha, levels


def _dispersion(
    owner: str, zs: np.ndarray, s2: np.ndarray, t: float, source: str, winsorize: float
) -> tuple[float, float, float]:
    """``phi, phi_pvalue, tau2`` of the z-scores of the entities with data."""
    phi = phi_p = math.nan
    tau2 = 0.0
    k = zs.size
    if 0 < t < 1 and k >= 2:
        phi = _st.winsorized_phi(zs, winsorize)
        dof = k - 1 if source == "pooled" else k
        phi_p = float(stats.chi2.sf(k * phi, dof))
        tau2 = _st.dersimonian_tau2(phi, s2)
    elif k < 2:
        warn(f"{owner}: fewer than 2 entities with data; over-dispersion not assessed.", SmallSampleWarning)
    return phi, phi_p, tau2


def _z_scores(xa: np.ndarray, na: np.ndarray, has: np.ndarray, t: float) -> tuple[np.ndarray, ...]:
    """``rate, s2, z`` of each entity: rate, binomial variance at ``t``, z-score (NaN without data)."""
    rate = np.where(has, xa / np.where(has, na, 1), np.nan)
    s2 = np.where(has, t * (1 - t) / np.where(has, na, 1), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (rate - t) / np.sqrt(s2)
    return rate, s2, z


def _adjusted_z(
    rate: np.ndarray, s2: np.ndarray, t: float, overdispersion: str, phi: float, tau2: float
) -> np.ndarray:
    """z-scores against the limits widened for over-dispersion (multiplicative or additive)."""
    var = phi * s2 if overdispersion == "multiplicative" else s2 + tau2
    return (rate - t) / np.sqrt(var)


def _bands(
    has: np.ndarray, rate: np.ndarray, lim: dict[str, np.ndarray], levels: tuple[float, ...]
) -> dict[str, Any]:
    """The limit columns of each level and the ``band`` of each entity."""
    cols: dict[str, Any] = {}
    band = np.where(has, "within", "no_data").astype(object)
    for level in levels:  # ascending: the outer (wider) limits overwrite the inner ones
        key = _level_key(level)
        lo = np.where(has, lim[f"lower_{key}"], np.nan)
        hi = np.where(has, lim[f"upper_{key}"], np.nan)
        cols[f"lower_{key}"] = lo
        cols[f"upper_{key}"] = hi
        band[has & (rate > hi)] = f"above_{key}"
        band[has & (rate < lo)] = f"below_{key}"
    cols["band"] = band
    return cols


def funnel_plot(
    funnel: FunnelResult | None = None,
    *,
    x: Any = None,
    n: Any = None,
    labels: Sequence[Any] | None = None,
    lang: Lang = "en",
    ax: Axes | None = None,
    label_outliers: bool = True,
    title: str | None = None,
    **funnel_kwargs: Any,
) -> Figure:
    """Draw a funnel plot; returns the matplotlib Figure (never calls ``plt.show``).

    Parameters
    ----------
    funnel : FunnelResult, optional
        From :func:`funnel_data`; otherwise give ``x`` and ``n`` (and ``labels`` and any
        :func:`funnel_data` keyword).
    lang : {"en", "zh"}, default "en"
        Language of the labels (fonts are the caller's business).
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    label_outliers : bool, default True
        Name the entities outside the outermost limits.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    lang = check_choice(lang, "lang", "funnel_plot", _LANGS)
    if funnel is None:
        if x is None or n is None:
            raise param_error("funnel", "funnel_plot", "a FunnelResult, or x and n given", None)
        funnel = funnel_data(x, n, labels=labels, **funnel_kwargs)
    elif not isinstance(funnel, FunnelResult):
        raise param_error("funnel", "funnel_plot", "a FunnelResult", type(funnel).__name__)
    elif funnel_kwargs or x is not None or n is not None:
        raise param_error(
            "funnel", "funnel_plot", "None when x, n or funnel_data keywords are given", "a FunnelResult"
        )
    return draw_funnel(**funnel_panel(funnel), lang=lang, ax=ax, label_outliers=label_outliers, title=title)


def funnel_panel(funnel: FunnelResult, grid_points: int = 300) -> dict[str, Any]:
    """The plain data :func:`~bankperf_analysis.plots.funnel.draw_funnel` draws of a funnel.

    ``points`` (entities with data: ``entity, n, rate, within, outlier``), ``grid`` (sample
    sizes of the limit curves), ``limits`` (each level's lower and upper curves),
    ``target``, ``target_source`` and ``adjusted_phi``, as keyword arguments.
    """
    tab = funnel.table[funnel.table["n"] > 0]
    n_max = max(float(tab["n"].max()), 2.0)
    grid = np.unique(np.r_[np.geomspace(1, n_max * 1.05, grid_points), tab["n"].to_numpy()])
    lim = funnel.limits(grid)
    keys = [_level_key(level) for level in funnel.levels]
    outer = keys[-1]
    points = tab[["entity", "n", "rate"]].assign(
        within=tab["band"] == "within", outlier=tab["band"].isin([f"above_{outer}", f"below_{outer}"])
    )
    return {
        "points": points,
        "grid": grid,
        "limits": [
            (level, lim[f"lower_{k}"], lim[f"upper_{k}"])
            for level, k in zip(funnel.levels, keys, strict=True)
        ],
        "target": funnel.target,
        "target_source": funnel.target_source,
        "adjusted_phi": funnel.phi if funnel.adjusted else None,
    }


# =========================================================================== shrinkage


@dataclass(frozen=True, slots=True)
class ShrinkageResult:
    """Shrunk rates for a fair ranking, by the method :func:`shrink_rates` was asked for.

    Attributes
    ----------
    table : DataFrame
        One row per entity: ``entity, x, n, raw_rate, shrunk_rate, ci_low, ci_high,
        weight_data, rank, raw_rank``; ``rank`` by shrunk rate (1 = best). By ``method``:
        ``"beta-binomial"``: ``shrunk_rate`` is the posterior mean ``(a + x) / (a + b + n)``,
        ``ci_low``/``ci_high`` the equal-tailed ``level`` interval of ``Beta(a + x, b + n - x)``,
        ``weight_data = n / (n + a + b)``; ``"james-stein"``: the back-transformed James-Stein
        estimate and Morris (1983) interval, ``weight_data = 1 - factor`` (on the arcsine
        scale); ``"none"``: the raw rate, its Wilson interval, ``weight_data = 1``.
    a, b : float
        Beta prior fitted by marginal maximum likelihood (NaN unless beta-binomial).
    prior_mean : float
        The common rate shrunk towards: ``a / (a + b)``; the back-transformed weighted
        arcsine mean (James-Stein); the pooled rate (none).
    prior_strength : float
        ``a + b`` (in "surveys"; NaN unless beta-binomial): large means the entities
        hardly differ, so rates are pulled strongly to the mean.
    loglik : float
        Maximised beta-binomial log-likelihood (NaN unless beta-binomial).
    converged : bool
    level : float
    method : {"beta-binomial", "james-stein", "none"}
    factor : float
        James-Stein: the share ``B`` of the way each entity is pulled to the common rate on
        the arcsine scale (NaN for the other methods).
    """

    table: pd.DataFrame
    a: float
    b: float
    prior_mean: float
    prior_strength: float
    loglik: float
    converged: bool
    level: float
    method: str = "beta-binomial"
    factor: float = math.nan

    def to_frame(self) -> pd.DataFrame:
        """Return (a copy of) the per-entity table."""
        return self.table.copy()

    def method_text(self, lang: Lang = "en") -> str:
        """Which method was used, in a few words ("shrinkage: positive-part James-Stein ...")."""
        return shrink_text(f"shrink_method_{self.method}", lang)

    def summary(self, lang: Lang = "en") -> Summary:
        """Return a notebook-friendly summary in ``lang``, naming the method."""
        lang = check_choice(lang, "lang", "ShrinkageResult.summary", _LANGS)
        lvl = f"{self.level * 100:g}"
        if self.method == "beta-binomial":
            note = shrink_text(
                "shrink_note_beta-binomial",
                lang,
                a=f"{self.a:.3g}",
                b=f"{self.b:.3g}",
                mean=fmt_percent(self.prior_mean),
                strength=f"{self.prior_strength:.3g}",
                level=lvl,
            )
        elif self.method == "james-stein":
            k = int((self.table["n"] > 0).sum())
            note = shrink_text(
                "shrink_note_james-stein",
                lang,
                k=k,
                factor=fmt_percent(self.factor),
                mean=fmt_percent(self.prior_mean),
                level=lvl,
            )
        else:
            note = shrink_text("shrink_note_none", lang, level=lvl)
        notes = [self.method_text(lang), note]
        m = int((self.table["n"] == 0).sum())
        if m and self.method == "james-stein":
            notes.append(shrink_text("shrink_no_data", lang, m=m))
        return Summary(shrink_text(f"shrink_title_{self.method}", lang), self.table, notes)


def shrink_rates(
    x: Any,
    n: Any,
    *,
    labels: Sequence[Any] | None = None,
    level: float = 0.95,
    higher_is_better: bool = True,
    method: ShrinkageMethod = "beta-binomial",
) -> ShrinkageResult:
    """Shrunk rates, so a small branch is not ranked first by luck.

    ``method`` (each entity ``i`` has ``x_i`` successes in ``n_i`` trials):

    * ``"beta-binomial"`` (default): empirical Bayes. Fits ``p_i ~ Beta(a, b)``,
      ``x_i | p_i ~ Binomial(n_i, p_i)`` by maximising the beta-binomial marginal
      likelihood (``scipy.stats.betabinom`` + ``scipy.optimize``) and reports each
      posterior ``Beta(a + x_i, b + n_i - x_i)``: its mean and equal-tailed interval; the
      fewer an entity's trials, the harder its pull. Right for binomial counts with many
      entities (ten or more; below five a SmallSampleWarning), sizes unequal or not, small
      rates or rates near 0 or 1 included. Entities with ``n = 0`` get the prior.
    * ``"james-stein"``: the positive-part James-Stein estimator (Efron & Morris 1975,
      "Data analysis using Stein's estimator and its generalizations", JASA 70:311) on the
      variance-stabilised scale ``y_i = arcsin(sqrt(x_i / n_i))``, variance ``D_i = 1 /
      (4 n_i)``. Towards the weighted mean ``mu = sum(y_i / D_i) / sum(1 / D_i)``:
      ``theta_i = mu + (1 - B) (y_i - mu)``, ``B = min(1, (k - 3) / S)``,
      ``S = sum((y_i - mu)^2 / D_i)``, ``k`` the entities with data; ``p_i = sin(theta_i)^2``.
      It is Stein's estimator in the unit-variance coordinates ``y_i / sqrt(D_i)``, shrunk
      towards the subspace of a common rate: for ``k >= 4`` its risk ``sum((theta_i -
      theta_true_i)^2 / D_i)`` is below the raw rates' whatever the true rates (normal
      approximation; no assumption on the prior's shape). Equal ``n``: Efron & Morris's
      estimator exactly. Every entity is pulled by the same share ``B`` of its
      standardised distance (the beta-binomial pulls small entities harder). Intervals:
      ``theta_i +- z s_i``, ``s_i^2 = D_i (1 - (k - 1) / k * B) + 2 / (k - 3) * B^2 (y_i -
      mu)^2`` (Morris 1983, "Parametric empirical Bayes inference", JASA 78:47, equal
      variances, in the standardised coordinates; approximate for unequal ``n``). Right for
      ``k >= 4`` entities with roughly normal rates (``n p``, ``n (1 - p)`` >= 10). ``n = 0``:
      the common rate, no interval (NaN).
    * ``"none"``: the raw rates with Wilson score intervals (statsmodels
      ``proportion_confint(method="wilson")``), ranked by raw rate (entities without data
      last, rate and interval NaN). Right when every entity has many trials, or to report
      what was observed.

    Parameters
    ----------
    x, n : array-like of int
        Successes and trials per entity.
    labels : sequence, optional
    level : float, default 0.95
        Interval coverage.
    higher_is_better : bool, default True
        Rank 1 = highest shrunk rate (False: lowest, e.g. complaint rates).
    method : {"beta-binomial", "james-stein", "none"}, default "beta-binomial"

    Returns
    -------
    ShrinkageResult
        Its ``method`` and ``summary()``/``method_text()`` say which method was used.

    Raises
    ------
    InsufficientSampleError
        Fewer entities with data than 2 (beta-binomial; below 5 a SmallSampleWarning), 4
        (James-Stein) or 1 (none).

    Examples
    --------
    >>> shrink_rates([18, 17, 16, 15], [45] * 4, method="james-stein").method_text()
    'shrinkage: positive-part James-Stein (arcsine scale)'
    """
    owner = "shrink_rates"
    xa, na, names = _counts(x, n, owner, labels)
    level = check_unit_interval(level, "level", owner)
    method = check_choice(method, "method", owner, ShrinkageMethod)
    has = na > 0
    fit = {"beta-binomial": _fit_beta_binomial, "james-stein": _fit_james_stein, "none": _fit_none}[method]
    cols, extra = fit(owner, xa, na, has, level)
    table = _shrinkage_table(names, xa, na, cols, method, higher_is_better)
    return ShrinkageResult(table=table, level=level, method=method, **extra)


def _shrinkage_table(
    names: list, xa: np.ndarray, na: np.ndarray, cols: dict[str, Any], method: str, higher: bool
) -> pd.DataFrame:
    """The per-entity table with both ranks (rank by raw rate for ``"none"``; no data last)."""
    has = na > 0
    sign = -1.0 if higher else 1.0
    raw = np.where(has, xa / np.where(has, na, 1), np.nan)
    table = pd.DataFrame({"entity": names, "x": xa, "n": na, "raw_rate": raw, **cols})
    rank_by = table["raw_rate"] if method == "none" else table["shrunk_rate"]
    table["rank"] = (sign * rank_by).rank(method="min", na_option="bottom").astype(int)
    table["raw_rank"] = (sign * table["raw_rate"]).rank(method="min").astype("Int64")
    return table


def _need(owner: str, has: np.ndarray, k: int, why: str) -> None:
    if has.sum() < k:
        raise InsufficientSampleError(
            f"{owner}: needs at least {k} entities with data {why}; got {int(has.sum())}."
        )


def _fit_beta_binomial(
    owner: str, xa: np.ndarray, na: np.ndarray, has: np.ndarray, level: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Columns and result fields of the beta-binomial empirical-Bayes fit."""
    _need(owner, has, 2, "to estimate the prior")
    if has.sum() < 5:
        warn(
            f"{owner}: the prior is estimated from only {int(has.sum())} entities; shrinkage is unreliable.",
            SmallSampleWarning,
        )
    a, b, loglik, converged = _st.fit_beta_binomial(xa[has], na[has])
    post_a, post_b = a + xa, b + na - xa
    cols = {
        "shrunk_rate": post_a / (post_a + post_b),
        "ci_low": stats.beta.ppf((1 - level) / 2, post_a, post_b),
        "ci_high": stats.beta.ppf((1 + level) / 2, post_a, post_b),
        "weight_data": na / (na + a + b),
    }
    extra = dict(
        a=float(a),
        b=float(b),
        prior_mean=float(a / (a + b)),
        prior_strength=float(a + b),
        loglik=loglik,
        converged=converged,
    )
    return cols, extra


_NO_PRIOR = dict(a=math.nan, b=math.nan, prior_strength=math.nan, loglik=math.nan, converged=True)


def _fit_james_stein(
    owner: str, xa: np.ndarray, na: np.ndarray, has: np.ndarray, level: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Columns and result fields of the positive-part James-Stein estimator."""
    _need(owner, has, 4, "for James-Stein shrinkage (use method='beta-binomial' or 'none')")
    js = _shrink.james_stein_arcsine(xa[has].astype(float), na[has].astype(float), level)
    factor, centre = float(js["factor"]), float(js["centre"])  # type: ignore[arg-type]
    cols: dict[str, Any] = {}
    for col in ("shrunk", "ci_low", "ci_high"):
        full = np.full(xa.size, centre if col == "shrunk" else np.nan)
        full[has] = js[col]
        cols["shrunk_rate" if col == "shrunk" else col] = full
    cols["weight_data"] = np.where(has, 1.0 - factor, 0.0)
    return cols, dict(_NO_PRIOR, prior_mean=centre, factor=factor)


def _fit_none(
    owner: str, xa: np.ndarray, na: np.ndarray, has: np.ndarray, level: float
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Columns and result fields of the raw rates with Wilson intervals."""
    _need(owner, has, 1, "to report rates")
    raw, lo, hi = _shrink.raw_wilson(xa, na, level)
    cols = {"shrunk_rate": raw, "ci_low": lo, "ci_high": hi, "weight_data": np.where(has, 1.0, 0.0)}
    return cols, dict(_NO_PRIOR, prior_mean=float(xa.sum() / na.sum()))

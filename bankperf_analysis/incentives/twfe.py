"""Two-way fixed-effects difference-in-differences (unit + period effects, clustered errors).

The unit and period effects are absorbed by alternating projections
(:mod:`bankperf_analysis.incentives.demean`, exact on unbalanced panels), the slopes are
(weighted) least squares on the demeaned data. Clustered errors are CR1 with fixest's
small-sample factor ``G/(G-1) * (N-1)/(N-K)``; how the fixed effects count in ``K`` is
``fixef_dof`` (see :mod:`bankperf_analysis.incentives`). :func:`_twfe_fit` is shared with
the TWFE event study.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int, check_unit_interval, warn
from bankperf_analysis.exceptions import ConvergenceWarning, InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import demean as _fixest
from bankperf_analysis.incentives.bootstrap import (
    BootWeights,
    WildBootstrapChoice,
    WildBootstrapResult,
    _boot_options,
    _BootOptions,
    _design,
    wild_test_coef,
)
from bankperf_analysis.incentives.inference import _few_clusters, _infer, _infer_vec, _vcov_alerts
from bankperf_analysis.incentives.options import FixefDof, Lang, VcovType
from bankperf_analysis.incentives.panel import COHORT_COL, TREATED_COL, _Columns, _Panel, _prepare
from bankperf_analysis.incentives.prose import _effect_sentence, _unclustered_caveat, _wild_sentence

__all__ = ["TWFEResult", "twfe_did"]


# ---------------------------------------------------------------------------
# the fit
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _TWFEFit:
    beta: np.ndarray
    vcov: np.ndarray
    names: list[str]
    dropped_terms: list[str]
    n_obs: int
    n_units: int
    n_periods: int
    n_clusters: int
    dof_k: int
    df_t: float
    fe_nested: bool
    n_singletons: int
    info: _fixest.DemeanInfo
    cluster_if: np.ndarray | None  # (G_all, p) influence of each cluster on beta
    xd: np.ndarray  # demeaned regressors (n_kept, p)
    treat_raw: np.ndarray  # raw first regressor on the kept rows
    w: np.ndarray | None
    yd: np.ndarray  # demeaned outcome (the wild bootstrap works on it)
    fe: _FixedEffects
    cl: np.ndarray | None  # cluster codes of the kept rows


@dataclass(slots=True)
class _FixedEffects:
    """Unit and period codes of the estimation rows, with their numbers of levels."""

    unit: np.ndarray
    tpos: np.ndarray
    n_unit_levels: int  # all levels of the panel, some possibly absent from the rows
    n_period_levels: int

    @property
    def n_units(self) -> int:
        return int(np.count_nonzero(np.bincount(self.unit, minlength=self.n_unit_levels)))

    @property
    def n_periods(self) -> int:
        return int(np.count_nonzero(np.bincount(self.tpos, minlength=self.n_period_levels)))

    def k_full(self) -> int:
        """Exact rank of the two-way dummy design: levels minus connected components."""
        n_units, n_periods = self.n_units, self.n_periods
        n_comp = _fixest.n_connected_components(
            self.unit, self.n_unit_levels, self.tpos, self.n_period_levels
        )
        # empty levels are isolated nodes
        n_comp -= (self.n_unit_levels - n_units) + (self.n_period_levels - n_periods)
        return n_units + n_periods - n_comp


@dataclass(slots=True)
class _Vcov:
    """Covariance of the slopes and what the inference rests on."""

    v: np.ndarray
    dof_k: int
    df_t: float
    n_clusters: int = 0
    fe_nested: bool = False
    cluster_if: np.ndarray | None = None


@dataclass(frozen=True, slots=True)
class _TWFESpec:
    """How a TWFE regression is fitted and its covariance computed (validated options)."""

    vcov: str = "cluster"
    fixef_dof: str = "nested"
    drop_singletons: bool = True
    tol: float = 1e-10
    maxiter: int = 10_000


def _independent_columns(xtx: np.ndarray, tol: float = 1e-9) -> list[int]:
    """Greedy selection of linearly independent columns from a Gram matrix (in order)."""
    keep: list[int] = []
    for j in range(xtx.shape[0]):
        if xtx[j, j] <= 0:
            continue
        if keep:
            a = xtx[np.ix_(keep, keep)]
            b = xtx[keep, j]
            resid = xtx[j, j] - b @ np.linalg.solve(a, b)
        else:
            resid = xtx[j, j]
        if resid > tol * xtx[j, j]:
            keep.append(j)
    return keep


def _twfe_fit(
    pa: _Panel, regs: np.ndarray, names: list[str], spec: _TWFESpec, *, func: str, required: int = 1
) -> _TWFEFit:
    """Regress the outcome on ``regs`` (+ covariates) with unit and period fixed effects.

    The first ``required`` regressors must be identified (not absorbed by the fixed
    effects); other unidentified ones are dropped and named in ``dropped_terms``.
    """
    keep = _estimation_rows(pa, spec.drop_singletons, func)
    fe = _FixedEffects(pa.unit[keep], pa.tpos[keep], pa.n_units, pa.n_periods)
    w = None if pa.w is None else pa.w[keep]
    if pa.x is not None:
        regs = np.column_stack([regs, pa.x])
        names = names + list(pa.covariates)
    regs = regs[keep]
    cols = np.column_stack([pa.y[keep], regs])
    levels = [fe.n_unit_levels, fe.n_period_levels]
    xd_all, info = _fixest.demean(cols, [fe.unit, fe.tpos], levels, w, tol=spec.tol, maxiter=spec.maxiter)
    if not info.converged:
        warn(
            f"{func}: the alternating projections did not converge in {spec.maxiter} sweeps "
            f"(last change {info.max_last_change:.2e} relative); estimates may be inexact.",
            ConvergenceWarning,
        )
    yd, xd = xd_all[:, 0], xd_all[:, 1:]
    kept = _identified_columns(xd, regs, w, required, func)
    xd = np.asfortranarray(xd[:, kept])
    beta, resid, bread = _fixest.ols_on_demeaned(xd, yd, w)
    n_obs = int(keep.sum())
    if spec.vcov == "cluster":
        cl = cast(np.ndarray, pa.cluster)[keep]
        vc = _cluster_vcov(fe, cl, pa.n_clusters, xd, resid, bread, w, spec.fixef_dof, func)
    else:
        vc = _plain_vcov(fe, xd, resid, bread, w, spec.vcov, func)
    return _TWFEFit(
        beta=beta,
        vcov=vc.v,
        names=[names[j] for j in kept],
        dropped_terms=[names[j] for j in range(len(names)) if j not in kept],
        n_obs=n_obs,
        n_units=fe.n_units,
        n_periods=fe.n_periods,
        n_clusters=vc.n_clusters,
        dof_k=int(vc.dof_k),
        df_t=vc.df_t,
        fe_nested=vc.fe_nested,
        n_singletons=int((~keep).sum()),
        info=info,
        cluster_if=vc.cluster_if,
        xd=xd,
        treat_raw=regs[:, 0],
        w=w,
        yd=yd,
        fe=fe,
        cl=None if pa.cluster is None else pa.cluster[keep],
    )


def _estimation_rows(pa: _Panel, drop_singletons: bool, func: str) -> np.ndarray:
    """Rows kept for TWFE: singleton units/periods dropped (iteratively) if asked."""
    if drop_singletons:
        keep = _fixest.drop_singletons([pa.unit, pa.tpos], [pa.n_units, pa.n_periods])
    else:
        keep = np.ones(pa.n, dtype=bool)
    if keep.sum() < 3:
        raise InsufficientSampleError(
            f"{func}: fewer than 3 observations remain after dropping singleton units/periods."
        )
    return keep


def _identified_columns(
    xd: np.ndarray, regs: np.ndarray, w: np.ndarray | None, required: int, func: str
) -> list[int]:
    """Regressors not absorbed by the fixed effects nor collinear with earlier ones."""
    xw = xd if w is None else xd * w[:, None]
    xtx = _fixest.gram(xw, xd)
    raw_ss = np.einsum("ij,ij->j", regs, regs if w is None else regs * w[:, None])
    # a column whose demeaned sum of squares vanishes is absorbed by the fixed effects
    ok_cols = [j for j in range(xd.shape[1]) if xtx[j, j] > 1e-10 * max(raw_ss[j], 1e-300)]
    sub = xtx[np.ix_(ok_cols, ok_cols)]
    kept = [ok_cols[i] for i in _independent_columns(sub)]
    if any(j not in kept for j in range(required)):
        raise InsufficientSampleError(
            f"{func}: the treatment indicator is collinear with the unit and period fixed "
            "effects (no unit changes treatment status within the sample), so its effect is "
            "not identified."
        )
    return kept


def _cluster_vcov(
    fe: _FixedEffects,
    cl: np.ndarray,
    n_cl_all: int,
    xd: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    w: np.ndarray | None,
    fixef_dof: str,
    func: str,
) -> _Vcov:
    """CR1 covariance clustered by ``cl``, with ``t(G - 1)`` degrees of freedom."""
    present = np.bincount(cl, minlength=n_cl_all) > 0
    g = int(present.sum())
    if g < 2:
        raise InsufficientSampleError(f"{func}: clustered errors need at least 2 clusters.")
    n_units, n_periods = fe.n_units, fe.n_periods
    unit_nested = _fixest.is_nested(fe.unit, fe.n_unit_levels, cl)
    period_nested = _fixest.is_nested(fe.tpos, fe.n_period_levels, cl)
    if fixef_dof == "nested" and (unit_nested or period_nested):
        # fixest/pyfixest "nested": levels of FE nested in the clusters are not counted,
        # one is added back per fully nested FE (fixest issue #554), and one level per
        # extra FE dimension is redundant: K = p + n_periods for staff inside branches
        k_fe = n_units + n_periods - 1
        k_fe -= (n_units - 1 if unit_nested else 0) + (n_periods - 1 if period_nested else 0)
    else:
        k_fe = fe.k_full()
    dof_k = xd.shape[1] + max(k_fe, 0)
    scores = _fixest.cluster_scores(xd, resid, cl, n_cl_all, w)
    v = _fixest.sandwich(
        bread, kind="cluster", n_obs=resid.size, dof_k=dof_k, scores_by_cluster=scores[present]
    )
    return _Vcov(
        v=v, dof_k=dof_k, df_t=float(g - 1), n_clusters=g, fe_nested=unit_nested, cluster_if=scores @ bread
    )


def _plain_vcov(
    fe: _FixedEffects,
    xd: np.ndarray,
    resid: np.ndarray,
    bread: np.ndarray,
    w: np.ndarray | None,
    vcov: str,
    func: str,
) -> _Vcov:
    """Covariance assuming iid errors, or HC1; every fixed-effect level counts in ``K``; ``t(N - K)``."""
    n_obs = resid.size
    dof_k = xd.shape[1] + fe.k_full()
    if n_obs - dof_k <= 0:
        raise InsufficientSampleError(f"{func}: no residual degrees of freedom left.")
    v = _fixest.sandwich(bread, kind=vcov, n_obs=n_obs, dof_k=dof_k, resid=resid, xd=xd, weights=w)
    return _Vcov(v=v, dof_k=dof_k, df_t=float(n_obs - dof_k))


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class TWFEResult:
    """Two-way fixed-effects difference-in-differences estimate.

    The headline fields describe the coefficient of the post-adoption indicator
    ``treated``; ``coef_table`` holds every slope (covariates included).

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        Treatment coefficient, its standard error, t statistic, two-sided p-value and
        ``1 - alpha`` confidence interval (``t(G-1)`` when clustered).
    coef_table : DataFrame
    vcov_matrix : ndarray
    n_obs, n_units, n_periods, n_clusters : int
        Estimation sample (after dropping singletons and rows with missing values).
    n_singletons_dropped, n_missing_dropped : int
    vcov : str
        ``"cluster"`` (CR1), ``"iid"`` or ``"hetero"`` (HC1).
    cluster : str or None
    fixef_dof : str
    fe_nested : bool
        Whether the unit fixed effects are nested in the clusters.
    dof_k : int
        ``K`` of the small-sample factor (see module docstring).
    df_t : float
        Degrees of freedom of the t distribution used.
    iterations : int
        Sweeps of the alternating projections; ``converged`` says whether tol was met.
    negative_weight_share : float
        Share of treated observations that enter the TWFE estimate with a negative weight
        (de Chaisemartin & D'Haultfœuille 2020); > 0 means TWFE can be biased, even of
        the wrong sign, when effects differ across cohorts or over time.
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    coef_table: pd.DataFrame = field(repr=False)
    vcov_matrix: np.ndarray = field(repr=False)
    n_obs: int
    n_units: int
    n_periods: int
    n_clusters: int
    n_singletons_dropped: int
    n_missing_dropped: int
    vcov: str
    cluster: str | None
    fixef_dof: str
    fe_nested: bool
    dof_k: int
    df_t: float
    iterations: int
    converged: bool
    negative_weight_share: float
    outcome: str
    alpha: float
    alerts: tuple[str, ...] = ()
    cluster_influence: np.ndarray | None = field(default=None, repr=False)
    cluster_labels: np.ndarray | None = field(default=None, repr=False)
    wild_bootstrap: WildBootstrapResult | None = None

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficient table (one row per slope)."""
        return self.coef_table.copy()

    @property
    def reported(self) -> tuple[float, float, float]:
        """``(pvalue, ci_low, ci_high)`` the conclusion reports: the wild bootstrap's when it ran."""
        wb = self.wild_bootstrap
        if wb is not None:
            return wb.pvalue, wb.ci_low, wb.ci_high
        return self.pvalue, self.ci_low, self.ci_high

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        inference = {
            "cluster": f"CR1 clustered by {self.cluster!r} ({self.n_clusters} clusters), t({self.df_t:.0f})",
            "iid": f"iid (NOT clustered), t({self.df_t:.0f})",
            "hetero": f"HC1 (NOT clustered), t({self.df_t:.0f})",
        }[self.vcov]
        facts: tuple[tuple[str, str], ...] = (
            ("Estimator", "Two-way fixed effects (unit + period), alternating projections"),
            ("Outcome", self.outcome),
            ("Inference", inference),
            (
                "Small-sample K",
                f"{self.dof_k} (fixef_dof={self.fixef_dof!r}, unit FE nested in clusters: {self.fe_nested})",
            ),
            ("Observations", f"{self.n_obs:,} ({self.n_units:,} units x {self.n_periods} periods)"),
            (
                "Dropped",
                f"{self.n_singletons_dropped:,} singleton rows, "
                f"{self.n_missing_dropped:,} rows with missing values",
            ),
            ("Demeaning", f"{self.iterations} sweeps, converged: {self.converged}"),
        )
        if self.wild_bootstrap is not None:
            wb = self.wild_bootstrap
            facts += (
                (
                    "Wild bootstrap",
                    f"{wb.method}: p = {wb.pvalue:.4f}, interval [{wb.ci_low:.4g}, {wb.ci_high:.4g}]",
                ),
            )
        notes = []
        if self.negative_weight_share > 0:
            notes.append(
                f"{self.negative_weight_share:.1%} of treated observations enter with a "
                "negative weight: with staggered adoption and effects that vary, TWFE can be "
                "biased. Compare with staggered_did()."
            )
        return Summary(
            "Difference-in-differences (TWFE)",
            facts=facts,
            tables=[("Coefficients", self.to_frame())],
            alerts=self.alerts,
            notes=notes,
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion."""
        check_choice(lang, "lang", "TWFEResult.conclusion", Lang)
        r = self
        p, lo, hi = r.reported
        text = _effect_sentence(r.estimate, lo, hi, p, r.outcome, unit, lang, r.alpha)
        if r.wild_bootstrap is not None:
            text += " " + _wild_sentence(r.wild_bootstrap, r.pvalue, lang)
        if self.vcov != "cluster":
            text += _unclustered_caveat(lang)
        return text


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


def twfe_did(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str | None = "branch",
    cohort_col: str = COHORT_COL,
    vcov: VcovType = "cluster",
    fixef_dof: FixefDof = "nested",
    covariates: Sequence[str] = (),
    weights: str | None = None,
    alpha: float = 0.05,
    drop_singletons: bool = True,
    tol: float = 1e-10,
    maxiter: int = 10_000,
    never_treated: float | str = "auto",
    bootstrap: WildBootstrapChoice = "auto",
    boot_weights: BootWeights = "webb",
    n_boot: int = 999,
    seed: int | None = 0,
) -> TWFEResult:
    """Two-way fixed-effects DiD: ``y_it = a_i + l_t + b * treated_it (+ X g) + e_it`` (see module docstring).

    Parameters
    ----------
    panel : DataFrame
        Long panel (see :mod:`bankperf_analysis.incentives`) with a ``cohort_col`` from
        :func:`attach_treatment`.
    outcome, unit_col, period_col : str
        KPI column; unit id and period columns.
    cluster : str or None
        Cluster (branch) column. Required unless ``vcov`` is ``"iid"``/``"hetero"``.
    cohort_col : str
        Adoption period per row (NA = never); ``treated = period >= cohort``.
    vcov : {"cluster", "iid", "hetero"}
        ``"cluster"`` (CR1, default). ``"iid"`` and ``"hetero"`` are allowed but are
        flagged loudly in ``summary()`` and ``conclusion()``.
    fixef_dof : {"nested", "full"}
        How the fixed effects count in ``K`` of ``(N-1)/(N-K)`` for clustered errors.
    covariates : sequence of str
        Numeric time-varying controls.
    weights : str, optional
        Analytic weights column (e.g. number of responses behind each KPI value).
    alpha : float
        1 - confidence level.
    drop_singletons, tol, maxiter : bool, float, int
        Drop single-observation units/periods (iteratively); convergence of the projections.
    never_treated : {"auto", 0, numpy.inf, numpy.nan}
        How ``cohort_col`` codes never-treated units (NA and ``inf`` always do; ``0`` as in
        R ``did``'s ``mpdta``; ``"auto"``: 0 before the first period, with a warning).
    bootstrap : {"auto", "wild", "none"}
        Restricted wild cluster bootstrap (:mod:`~bankperf_analysis.incentives.bootstrap`), default below 30
        clusters; ``conclusion()`` reports its p and interval; ``pvalue``/``ci_*`` stay CR1.
    boot_weights, n_boot, seed : {"webb", "rademacher"}, int, int or None
        Cluster weights (Rademacher enumerated when ``2^G <= n_boot``), draws, seed.

    Returns
    -------
    TWFEResult

    Raises
    ------
    ParamsError
        Unknown columns or options.
    InsufficientSampleError
        Treatment not identified (no unit changes status), fewer than 2 clusters.

    Notes
    -----
    H0: the coefficient of ``treated`` is 0; H1: it is not (two-sided).
    """
    func = "twfe_did"
    spec, alpha = _twfe_options(vcov, fixef_dof, drop_singletons, tol, maxiter, alpha, cluster, func)
    clustered = cluster if vcov == "cluster" else None
    cols = _Columns(unit_col, period_col, clustered, cohort_col, weights, covariates, never_treated)
    boot = _boot_options(bootstrap, boot_weights, n_boot, seed, func, clustered=vcov == "cluster")
    pa = _prepare(panel, outcome, cols, func=func)
    return _twfe_result(pa, spec, alpha=alpha, cluster=cluster, func=func, boot=boot)


def _twfe_options(
    vcov: Any,
    fixef_dof: Any,
    drop_singletons: bool,
    tol: Any,
    maxiter: Any,
    alpha: Any,
    cluster: str | None,
    func: str,
) -> tuple[_TWFESpec, float]:
    """Validate the options of a TWFE fit; return them and ``alpha``."""
    check_choice(vcov, "vcov", func, VcovType)
    maxiter = check_int(maxiter, "maxiter", func, low=1)
    tol = check_unit_interval(tol, "tol", func)
    check_choice(fixef_dof, "fixef_dof", func, FixefDof)
    alpha = check_unit_interval(alpha, "alpha", func)
    if vcov == "cluster" and cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel when "
            "vcov='cluster' (errors are never silently unclustered; pass vcov='iid' to opt "
            "out, loudly). Got None instead."
        )
    return _TWFESpec(vcov, fixef_dof, drop_singletons, tol, maxiter), alpha


def _twfe_result(
    pa: _Panel,
    spec: _TWFESpec,
    *,
    alpha: float,
    cluster: str | None,
    func: str,
    boot: _BootOptions | None = None,
) -> TWFEResult:
    """Fit TWFE on the post-adoption indicator of a prepared panel and assemble the result."""
    treat = (pa.tpos >= pa.cohort_pos).astype(np.float64)
    fit = _twfe_fit(pa, treat[:, None], [TREATED_COL], spec, func=func)
    vcov = spec.vcov
    se = np.sqrt(np.diag(fit.vcov))
    table = _infer_vec(fit.beta, se, fit.df_t, alpha)
    table.insert(0, "term", fit.names)
    est, sd = float(fit.beta[0]), float(se[0])
    stat, p, lo, hi = _infer(est, sd, fit.df_t, alpha)
    alerts = _vcov_alerts(vcov) + _few_clusters(fit.n_clusters, func)
    boot = _BootOptions() if boot is None else boot
    wild = None
    if vcov == "cluster" and fit.cl is not None and boot.active(fit.n_clusters):
        wild = wild_test_coef(_design(fit, fit.cl), 0, boot, alpha=alpha, beta=est, se=sd)
    return TWFEResult(
        estimate=est,
        std_error=sd,
        statistic=stat,
        pvalue=p,
        ci_low=lo,
        ci_high=hi,
        coef_table=table,
        vcov_matrix=fit.vcov,
        n_obs=fit.n_obs,
        n_units=fit.n_units,
        n_periods=fit.n_periods,
        n_clusters=fit.n_clusters,
        n_singletons_dropped=fit.n_singletons,
        n_missing_dropped=pa.n_dropped,
        vcov=vcov,
        cluster=cluster if vcov == "cluster" else None,
        fixef_dof=spec.fixef_dof,
        fe_nested=fit.fe_nested,
        dof_k=fit.dof_k,
        df_t=fit.df_t,
        iterations=fit.info.iterations,
        converged=fit.info.converged,
        negative_weight_share=_negative_weight_share(fit),
        outcome=pa.outcome,
        alpha=alpha,
        alerts=alerts,
        cluster_influence=None if fit.cluster_if is None else fit.cluster_if[:, 0],
        cluster_labels=pa.cluster_labels,
        wild_bootstrap=wild,
    )


def _negative_weight_share(fit: _TWFEFit) -> float:
    """Share of treated rows whose implicit TWFE weight (FWL residual of the treatment) is negative."""
    r = fit.xd[:, 0]
    if fit.xd.shape[1] > 1:
        other = fit.xd[:, 1:]
        ow = other if fit.w is None else other * fit.w[:, None]
        r = r - other @ np.linalg.solve(ow.T @ other, ow.T @ r)
    on = fit.treat_raw > 0.5
    return float(np.mean(r[on] < 0)) if on.any() else 0.0

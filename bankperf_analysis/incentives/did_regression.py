"""Regression difference-in-differences for panels and repeated cross-sections.

:func:`did_regression` fits, by (weighted) least squares,

- the **2x2 design** ``y = a + b1 treated + b2 post + d treated:post (+ X g) + e``, where
  ``treated`` marks the treatment group and ``post`` the period after the change. Each row
  may be a different unit (repeated cross-sections: two independent samples before and
  after, for a treated and a control group) or the same units again (a panel); or
- the **event-time design** ``y = sum_{e != ref} d_e 1{event_time = e} (+ X g) + FE + e``,
  one dummy per event time (periods since adoption; missing for never-treated rows) except
  the reference ``e = -1``.

Optional fixed effects (any one or two columns, e.g. ``("unit", "period")`` for a panel,
``("group", "period")`` for cross-sections) are absorbed by the within transformation of
:mod:`bankperf_analysis.incentives.demean` (alternating projections), not by dummy columns:
the slopes and their covariance are those of OLS with the dummies, at a fraction of the
cost (``benchmarks/bench_did_regression.py``). Main effects absorbed by the fixed effects
(``treated`` by a unit FE, ``post`` by a period FE) are dropped and named in
``dropped_terms``.

Standard errors, with the small-sample corrections as statsmodels and Stata name them
(``K`` counts every slope, the intercept and every identified fixed-effect level):

=========  ===================================================  ==========================  ============
vcov       covariance                                           statsmodels / Stata         inference
=========  ===================================================  ==========================  ============
``iid``    ``s^2 (X'WX)^-1``, ``s^2 = sum w e^2 / (N - K)``     ``nonrobust`` / default     ``t(N - K)``
``HC1``    ``N/(N-K) B (sum w^2 e^2 x x') B``                   ``HC1`` / ``vce(robust)``   ``t(N - K)``
``cluster``  CR1: ``G/(G-1) (N-1)/(N-K) B (S'S) B``             ``cluster`` / ``vce(cluster)``  ``t(G - 1)``
=========  ===================================================  ==========================  ============

``B = (X'WX)^-1``; ``S`` stacks the cluster sums of ``w x e``. With clustered errors and
``fixef_dof="nested"``, fixed effects nested in the clusters are not counted in ``K``
(fixest / pyfixest / reghdfe's default; ``"full"``, the default here, is statsmodels
OLS with dummy columns and Stata ``regress``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_column, check_frame, check_unit_interval, warn
from bankperf_analysis.exceptions import ConvergenceWarning, InsufficientSampleError, ParamsError
from bankperf_analysis.incentives import demean as _fixest
from bankperf_analysis.incentives.inference import _few_clusters, _infer, _infer_vec
from bankperf_analysis.incentives.options import FixefDof, Lang
from bankperf_analysis.incentives.prose import _effect_sentence, _unclustered_caveat

__all__ = ["DiDRegressionResult", "RegressionVcov", "did_regression"]

RegressionVcov = Literal["iid", "HC1", "hetero", "cluster"]

INTERACTION = "treated:post"

_CORRECTION = {
    "iid": "iid: s^2 = SSR/(N-K) (statsmodels 'nonrobust', Stata default)",
    "HC1": "HC1: N/(N-K) (statsmodels 'HC1', Stata vce(robust))",
    "cluster": "CR1: G/(G-1) * (N-1)/(N-K) (statsmodels 'cluster', Stata vce(cluster))",
}


@dataclass(frozen=True, slots=True)
class _Design:
    """The validated columns and options of one call."""

    outcome: str
    treated: str | None
    post: str | None
    event_time: str | None
    reference_event: int
    covariates: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    weights: str | None
    cluster: str | None
    vcov: str
    fixef_dof: str


@dataclass(slots=True)
class _Arrays:
    """The numbers of the usable rows: outcome, regressors (before demeaning), FE codes."""

    y: np.ndarray
    x: np.ndarray
    names: list[str]
    fe_codes: list[np.ndarray]
    fe_levels: list[int]
    w: np.ndarray | None
    cluster: np.ndarray | None
    n_clusters: int
    n_missing: int


@dataclass(slots=True)
class _Fit:
    beta: np.ndarray
    vcov: np.ndarray
    names: list[str]
    dropped: list[str]
    dof_k: int
    df_t: float
    n_clusters: int
    iterations: int
    converged: bool


# ---------------------------------------------------------------------------
# the result
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class DiDRegressionResult:
    """A regression difference-in-differences (see :func:`did_regression`).

    Unpacks as ``statistic, pvalue = result`` (of the headline ``term``).

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        The headline term: ``treated:post`` in the 2x2 design, event time 0 in the
        event-time design.
    term : str
        Name of the headline term in ``coef_table``.
    design : {"2x2", "event"}
    coef_table : DataFrame
        Every slope: term, estimate, std_error, statistic, pvalue, ci_low, ci_high.
    vcov_matrix : ndarray
        Covariance of the slopes, in ``coef_table`` order.
    vcov : {"iid", "HC1", "cluster"}
    correction : str
        The small-sample correction, named as statsmodels and Stata name it.
    dof_k : int
        ``K`` of ``N - K`` (slopes + intercept + identified fixed-effect levels, see
        ``fixef_dof``).
    df_t : float
        Degrees of freedom of the t distribution: ``N - K``, or ``G - 1`` when clustered.
    n_obs, n_clusters, n_missing_dropped : int
    dropped_terms : tuple of str
        Regressors absorbed by the fixed effects or collinear with earlier ones.
    fixed_effects, covariates : tuple of str
    iterations, converged :
        Sweeps of the alternating projections (1 without fixed effects).
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    term: str
    design: str
    coef_table: pd.DataFrame = field(repr=False)
    vcov_matrix: np.ndarray = field(repr=False)
    vcov: str
    correction: str
    fixef_dof: str
    dof_k: int
    df_t: float
    n_obs: int
    n_clusters: int
    n_missing_dropped: int
    dropped_terms: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    covariates: tuple[str, ...]
    weights: str | None
    cluster: str | None
    outcome: str
    alpha: float
    iterations: int
    converged: bool
    alerts: tuple[str, ...] = ()

    def __iter__(self):
        """Unpack as ``statistic, pvalue``."""
        return iter((self.statistic, self.pvalue))

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficient table (one row per slope)."""
        return self.coef_table.copy()

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        if self.vcov == "cluster":
            inference = (
                f"{self.correction}; clustered by {self.cluster!r} "
                f"({self.n_clusters} clusters), t({self.df_t:.0f})"
            )
        else:
            inference = f"{self.correction}; t({self.df_t:.0f})"
        design = {
            "2x2": "treated x post (2x2)",
            "event": "event-time dummies (reference event time excluded)",
        }[self.design]
        facts = (
            ("Estimator", "Regression difference-in-differences, (weighted) least squares"),
            ("Outcome", self.outcome),
            ("Design", design),
            ("Fixed effects", ", ".join(self.fixed_effects) or "none (intercept)"),
            ("Covariates", ", ".join(self.covariates) or "none"),
            ("Weights", self.weights or "none"),
            ("Inference", inference),
            ("Small-sample K", f"{self.dof_k} (fixef_dof={self.fixef_dof!r})"),
            ("Observations", f"{self.n_obs:,} ({self.n_missing_dropped:,} rows with missing values dropped)"),
        )
        notes = []
        if self.dropped_terms:
            notes.append(
                "Absorbed by the fixed effects or collinear, dropped: " + ", ".join(self.dropped_terms)
            )
        return Summary(
            "Difference-in-differences (regression)",
            facts=facts,
            tables=[("Coefficients", self.to_frame())],
            alerts=self.alerts,
            notes=notes,
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion on the headline term."""
        check_choice(lang, "lang", "DiDRegressionResult.conclusion", Lang)
        r = self
        text = _effect_sentence(r.estimate, r.ci_low, r.ci_high, r.pvalue, r.outcome, unit, lang, r.alpha)
        if self.vcov != "cluster":
            text += _unclustered_caveat(lang)
        return text


# ---------------------------------------------------------------------------
# the estimator
# ---------------------------------------------------------------------------


def did_regression(
    data: pd.DataFrame,
    outcome: str,
    *,
    treated: str | None = "treated",
    post: str | None = "post",
    event_time: str | None = None,
    reference_event: int = -1,
    covariates: Sequence[str] = (),
    fixed_effects: Sequence[str] = (),
    weights: str | None = None,
    vcov: RegressionVcov = "HC1",
    cluster: str | None = None,
    fixef_dof: FixefDof = "full",
    alpha: float = 0.05,
) -> DiDRegressionResult:
    """Regression DiD: treated x post, or event-time dummies, with covariates and fixed effects.

    Works on panels (the same units before and after) and on repeated cross-sections
    (each row a different unit). See :mod:`bankperf_analysis.incentives.did_regression`
    for the model and the covariance conventions.

    Parameters
    ----------
    data : DataFrame
        One row per observation; ``outcome`` is its numeric outcome column.
    treated, post : str or None
        0/1 (or bool) columns of the 2x2 design: the row is in the treatment group, the
        row is observed after the change. Ignored when ``event_time`` is given.
    event_time : str, optional
        Integer periods since adoption (missing for never-treated rows), e.g. from
        :func:`attach_treatment`: one dummy per event time except ``reference_event``
        (default -1); add ``fixed_effects`` such as ``("unit", "period")``.
    covariates : sequence of str
        Numeric control columns.
    fixed_effects : sequence of str
        Up to two columns whose levels get a fixed effect (absorbed, with the intercept).
    weights : str, optional
        Analytic weights (WLS), e.g. the number of responses behind a KPI value.
    vcov : {"HC1", "iid", "cluster", "hetero"}
        ``"HC1"`` (default; ``"hetero"`` is the same), ``"iid"``, or ``"cluster"`` (CR1 by
        the ``cluster`` column).
    fixef_dof : {"full", "nested"}
        ``K`` of clustered errors: every fixed-effect level (statsmodels OLS with dummies)
        or not those nested in the clusters (fixest / pyfixest / reghdfe).
    alpha : float
        1 - confidence level.

    Returns
    -------
    DiDRegressionResult

    Raises
    ------
    ParamsError
        Unknown columns or options, a treated / post column that is not 0/1.
    InsufficientSampleError
        The headline term is not identified (H0 of the t test: its coefficient is 0).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 1.5, 4.0, 1.1, 2.2, 1.4, 3.9],
    ...                    "treated": [0, 0, 1, 1] * 2, "post": [0, 1, 0, 1] * 2})
    >>> r = did_regression(df, "y", vcov="iid")
    >>> r.term, round(r.estimate, 2)
    ('treated:post', 1.45)
    """
    func = "did_regression"
    data = check_frame(data, "data", func)
    terms = (treated, post, event_time, reference_event)
    design, alpha = _options(
        data, outcome, terms, (covariates, fixed_effects, weights), (vcov, cluster, fixef_dof, alpha), func
    )
    arrays = _arrays(data, design, func)
    return _result(_fit(arrays, design, func), arrays, design, alpha, func)


def _options(
    data: pd.DataFrame,
    outcome: str,
    terms: tuple[Any, Any, Any, Any],
    extras: tuple[Any, Any, Any],
    inference: tuple[Any, Any, Any, Any],
    func: str,
) -> tuple[_Design, float]:
    """Validate the column names and options."""
    treated, post, event_time, reference_event = terms
    covariates, fixed_effects, weights = extras
    vcov, cluster, fixef_dof, alpha = inference
    check_choice(vcov, "vcov", func, RegressionVcov)
    vcov = "HC1" if vcov == "hetero" else vcov
    check_choice(fixef_dof, "fixef_dof", func, FixefDof)
    alpha = check_unit_interval(alpha, "alpha", func)
    check_column(data, outcome, "outcome", func)
    if event_time is None:
        for name, col in (("treated", treated), ("post", post)):
            if col is None:
                raise ParamsError(
                    f"The {name!r} parameter of {func} must name a 0/1 column when "
                    "event_time is not given. Got None instead."
                )
            check_column(data, col, name, func)
    else:
        check_column(data, event_time, "event_time", func)
        if isinstance(reference_event, bool) or not isinstance(reference_event, int | np.integer):
            raise ParamsError(
                f"The 'reference_event' parameter of {func} must be an int. Got {reference_event!r} instead."
            )
    covs = _names(covariates, "covariates", data, func)
    fes = _names(fixed_effects, "fixed_effects", data, func)
    if len(fes) > 2:
        raise ParamsError(
            f"The 'fixed_effects' parameter of {func} must name at most two columns. Got {list(fes)} instead."
        )
    if weights is not None:
        check_column(data, weights, "weights", func)
    if vcov == "cluster":
        if cluster is None:
            raise ParamsError(
                f"The 'cluster' parameter of {func} must name a column when vcov='cluster'. Got None instead."
            )
        check_column(data, cluster, "cluster", func)
    design = _Design(
        outcome=outcome,
        treated=None if event_time is not None else treated,
        post=None if event_time is not None else post,
        event_time=event_time,
        reference_event=int(reference_event),
        covariates=covs,
        fixed_effects=fes,
        weights=weights,
        cluster=cluster if vcov == "cluster" else None,
        vcov=vcov,
        fixef_dof=fixef_dof,
    )
    return design, alpha


def _names(value: Any, name: str, data: pd.DataFrame, func: str) -> tuple[str, ...]:
    """A sequence of column names (a single string allowed), each checked."""
    names = (value,) if isinstance(value, str) else tuple(value)
    for c in names:
        check_column(data, c, name, func)
    return names


def _numeric(data: pd.DataFrame, col: str, name: str, func: str) -> np.ndarray:
    """A numeric column as floats (NaN = missing); refuses text."""
    s = data[col]
    if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)):
        raise ParamsError(
            f"The {name!r} parameter of {func} must name a numeric column. "
            f"Got {col!r} of dtype {s.dtype!s} instead."
        )
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def _indicator(data: pd.DataFrame, col: str, name: str, func: str) -> np.ndarray:
    """A 0/1 (or bool) column as floats; refuses any other value."""
    v = _numeric(data, col, name, func)
    bad = np.isfinite(v) & (v != 0) & (v != 1)
    if bad.any():
        raise ParamsError(
            f"The {name!r} parameter of {func} must name a 0/1 column. "
            f"Got values like {np.unique(v[bad])[:3].tolist()} in {col!r} instead."
        )
    return v


def _arrays(data: pd.DataFrame, d: _Design, func: str) -> _Arrays:
    """The usable rows (no missing value in any used column) as arrays."""
    y = _numeric(data, d.outcome, "outcome", func)
    ok = np.isfinite(y)
    cols: list[np.ndarray] = []
    if d.event_time is None:
        tr = _indicator(data, str(d.treated), "treated", func)
        po = _indicator(data, str(d.post), "post", func)
        cols, names = [tr, po, tr * po], [str(d.treated), str(d.post), INTERACTION]
        ok &= np.isfinite(tr) & np.isfinite(po)
    else:
        cols, names = _event_dummies(data, d, func)
    cov = [_numeric(data, c, "covariates", func) for c in d.covariates]
    for c in cov:
        ok &= np.isfinite(c)
    w = None
    if d.weights is not None:
        w = _numeric(data, d.weights, "weights", func)
        if np.any(w[np.isfinite(w)] < 0):
            raise ParamsError(
                f"The 'weights' parameter of {func} must name a column of non-negative weights. "
                f"Got negative values in {d.weights!r} instead."
            )
        ok &= np.isfinite(w) & (w > 0)
    for c in (*d.fixed_effects, *((d.cluster,) if d.cluster else ())):
        ok &= data[c].notna().to_numpy()
    if ok.sum() < 2:
        raise InsufficientSampleError(f"{func}: fewer than 2 rows without missing values.")
    x = np.column_stack(cols + cov)[ok]
    fe = [_fixest.factorize(data[c][ok]) for c in d.fixed_effects]
    cl, n_cl = None, 0
    if d.cluster is not None:
        cl, cl_labels = _fixest.factorize(data[d.cluster][ok])
        n_cl = cl_labels.size
    return _Arrays(
        y=y[ok],
        x=x,
        names=names + list(d.covariates),
        fe_codes=[codes for codes, _ in fe],
        fe_levels=[labels.size for _, labels in fe],
        w=None if w is None else w[ok],
        cluster=cl,
        n_clusters=n_cl,
        n_missing=int((~ok).sum()),
    )


def _event_dummies(data: pd.DataFrame, d: _Design, func: str) -> tuple[list[np.ndarray], list[str]]:
    """One 0/1 column per event time except the reference (missing = never treated = all 0)."""
    ev = _numeric(data, str(d.event_time), "event_time", func)
    fin = ev[np.isfinite(ev)]
    if fin.size and not np.all(fin == np.round(fin)):
        raise ParamsError(
            f"The 'event_time' parameter of {func} must name a column of integer event times. "
            f"Got non-integer values in {d.event_time!r} instead."
        )
    times = [int(e) for e in np.unique(fin) if int(e) != d.reference_event]
    if not times:
        raise InsufficientSampleError(f"{func}: no event time other than the reference {d.reference_event}.")
    return [(ev == e).astype(np.float64) for e in times], [f"event_time::{e}" for e in times]


def _headline(names: list[str], design: _Design) -> str:
    """The term the result's headline fields describe."""
    if design.event_time is None:
        return INTERACTION
    return (
        "event_time::0"
        if "event_time::0" in names
        else next(n for n in names if n.startswith("event_time::"))
    )


def _fit(a: _Arrays, d: _Design, func: str) -> _Fit:
    """Least squares with the fixed effects absorbed (or an intercept), and the covariance."""
    iterations, converged = 1, True
    if a.fe_codes:
        both = np.column_stack([a.y, a.x])
        dm, info = _fixest.demean(both, a.fe_codes, a.fe_levels, a.w)
        if not info.converged:
            warn(f"{func}: the alternating projections did not converge.", ConvergenceWarning)
        yd, xd, names = dm[:, 0], dm[:, 1:], list(a.names)
        k_fe, iterations, converged = _fe_rank(a), info.iterations, info.converged
    else:
        yd, xd, names = a.y, np.column_stack([np.ones(a.y.size), a.x]), ["Intercept", *a.names]
        k_fe = 0
    raw = a.x if a.fe_codes else xd
    kept = _kept_columns(xd, raw, a.w)
    head = _headline(names, d)
    if names.index(head) not in kept:
        raise InsufficientSampleError(
            f"{func}: the term {head!r} is absorbed by the fixed effects or collinear with the "
            "other regressors, so the effect is not identified."
        )
    xd = np.asfortranarray(xd[:, kept])
    beta, resid, bread = _ols(xd, yd, a.w)
    n, p = yd.size, len(kept)
    dof_k, df_t, g = p + k_fe, float(n - p - k_fe), 0
    if n - dof_k <= 0:
        raise InsufficientSampleError(f"{func}: no residual degrees of freedom left (N={n}, K={dof_k}).")
    if d.vcov == "cluster":
        cl = a.cluster
        assert cl is not None
        g = int(np.count_nonzero(np.bincount(cl, minlength=a.n_clusters)))
        if g < 2:
            raise InsufficientSampleError(f"{func}: clustered errors need at least 2 clusters.")
        if d.fixef_dof == "nested":
            dof_k = p + _nested_fe_rank(a, cl)
        scores = _fixest.cluster_scores(xd, resid, cl, a.n_clusters, a.w)
        v = _fixest.sandwich(bread, kind="cluster", n_obs=n, dof_k=dof_k, scores_by_cluster=scores)
        df_t = float(g - 1)
    else:
        kind = "iid" if d.vcov == "iid" else "hetero"
        v = _fixest.sandwich(bread, kind=kind, n_obs=n, dof_k=dof_k, resid=resid, xd=xd, weights=a.w)
    return _Fit(
        beta=beta,
        vcov=v,
        names=[names[j] for j in kept],
        dropped=[names[j] for j in range(len(names)) if j not in kept],
        dof_k=int(dof_k),
        df_t=df_t,
        n_clusters=g,
        iterations=iterations,
        converged=converged,
    )


def _ols(xd: np.ndarray, yd: np.ndarray, w: np.ndarray | None) -> tuple[np.ndarray, ...]:
    """(Weighted) least squares: ``beta, residuals, (X'WX)^-1``.

    One BLAS matrix product (``demean.gram``'s column-by-column dots were 1,000 times
    slower on this machine under load).
    """
    xw = xd if w is None else xd * w[:, None]
    bread = np.linalg.inv(xw.T @ xd)
    beta = bread @ (xw.T @ yd)
    return beta, yd - xd @ beta, bread


def _kept_columns(xd: np.ndarray, raw: np.ndarray, w: np.ndarray | None) -> list[int]:
    """Columns not absorbed by the fixed effects nor collinear with earlier ones (in order)."""
    from bankperf_analysis.incentives.twfe import _independent_columns

    xw = xd if w is None else xd * w[:, None]
    xtx = xw.T @ xd
    raw_ss = np.einsum("ij,ij->j", raw, raw if w is None else raw * w[:, None])
    ok = [j for j in range(xd.shape[1]) if xtx[j, j] > 1e-10 * max(raw_ss[j], 1e-300)]
    sub = xtx[np.ix_(ok, ok)]
    return [ok[i] for i in _independent_columns(sub)]


def _fe_rank(a: _Arrays) -> int:
    """Rank of the fixed-effect dummies (with the intercept): levels minus redundancies."""
    if len(a.fe_codes) == 1:
        return a.fe_levels[0]
    (u, nu), (t, nt) = zip(a.fe_codes, a.fe_levels, strict=True)
    return nu + nt - _fixest.n_connected_components(u, nu, t, nt)


def _nested_fe_rank(a: _Arrays, cl: np.ndarray) -> int:
    """The "nested" count of fixest: levels of an FE nested in the clusters are not counted."""
    if not a.fe_codes:
        return 0
    nested = [_fixest.is_nested(c, n, cl) for c, n in zip(a.fe_codes, a.fe_levels)]
    if not any(nested):
        return _fe_rank(a)
    # one level of a nested FE still counts (fixest issue #554), one per extra FE is redundant
    k = sum(1 if nest else n for n, nest in zip(a.fe_levels, nested)) - (len(a.fe_levels) - 1)
    return max(k, 0)


def _result(fit: _Fit, a: _Arrays, d: _Design, alpha: float, func: str) -> DiDRegressionResult:
    """Assemble the tidy result."""
    se = np.sqrt(np.diag(fit.vcov))
    table = _infer_vec(fit.beta, se, fit.df_t, alpha)
    table.insert(0, "term", fit.names)
    head = _headline(fit.names, d)
    i = fit.names.index(head)
    stat, p, lo, hi = _infer(float(fit.beta[i]), float(se[i]), fit.df_t, alpha)
    alerts = _few_clusters(fit.n_clusters, func) if d.vcov == "cluster" else ()
    return DiDRegressionResult(
        estimate=float(fit.beta[i]),
        std_error=float(se[i]),
        statistic=stat,
        pvalue=p,
        ci_low=lo,
        ci_high=hi,
        term=head,
        design="2x2" if d.event_time is None else "event",
        coef_table=table,
        vcov_matrix=fit.vcov,
        vcov=d.vcov,
        correction=_CORRECTION[d.vcov],
        fixef_dof=d.fixef_dof,
        dof_k=fit.dof_k,
        df_t=fit.df_t,
        n_obs=int(a.y.size),
        n_clusters=fit.n_clusters,
        n_missing_dropped=a.n_missing,
        dropped_terms=tuple(fit.dropped),
        fixed_effects=d.fixed_effects,
        covariates=d.covariates,
        weights=d.weights,
        cluster=d.cluster,
        outcome=d.outcome,
        alpha=alpha,
        iterations=fit.iterations,
        converged=fit.converged,
        alerts=alerts,
    )

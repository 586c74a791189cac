"""Regression to the mean: the naive before/after comparison and the guarded effect.

When treatment (a bonus, a coaching plan) is assigned on past performance, the
before/after change of the selected units mixes in regression to the mean: top
performers fall back and bottom performers improve with no effect at all.
:func:`before_after` makes the naive comparison and flags (or refuses) it;
:func:`rtm_guarded_effect` conditions on the assignment score (ANCOVA) and compares units
just above and below the grade threshold (sharp regression discontinuity).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import (
    check_choice,
    check_column,
    check_frame,
    check_positive,
    check_unit_interval,
    warn,
)
from bankperf_analysis.exceptions import (
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    RegressionToMeanWarning,
    ValidationIssue,
)
from bankperf_analysis.incentives.inference import _infer
from bankperf_analysis.incentives.options import Alternative, Lang, RTMMethod
from bankperf_analysis.incentives.prose import (
    _before_after_sentence,
    _effect_sentence,
    _f,
    _naive_contrast,
    _ndigits,
)

__all__ = ["BeforeAfterResult", "before_after", "RTMGuardedResult", "rtm_guarded_effect"]


# ---------------------------------------------------------------------------
# the two periods side by side
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Design:
    """The columns and periods a before/after comparison reads."""

    unit: str
    period: str
    before: Any
    after: Any
    score: str | None
    treated: str | None
    threshold: float | None
    cluster: str | None
    covariates: tuple[str, ...] = ()


def _rtm_frame(panel: pd.DataFrame, outcome: str, d: _Design, func: str) -> pd.DataFrame:
    """One row per unit observed in both periods (``y_before``, ``y_after``, ``change``, ...).

    ``score`` and ``treated`` are added when known; the cluster and covariates are kept.
    """
    panel = check_frame(panel, "panel", func)
    _check_rtm_columns(panel, outcome, d, func)
    b = panel.loc[panel[d.period] == d.before]
    a = panel.loc[panel[d.period] == d.after]
    for df_, which, val in ((b, "before", d.before), (a, "after", d.after)):
        _check_period_rows(df_, which, val, d, func)
    bcols = [d.unit, outcome] + [c for c in (d.score, d.cluster) if c is not None]
    bcols += [c for c in d.covariates if c not in bcols]
    acols = [d.unit, outcome] + ([d.treated] if d.treated is not None else [])
    wide = (
        b[bcols]
        .rename(columns={outcome: "y_before"})
        .merge(a[acols].rename(columns={outcome: "y_after"}), on=d.unit, how="inner")
    )
    if d.score is not None:
        wide["score"] = wide[d.score].astype(float)
    if d.treated is not None:
        wide["treated"] = wide[d.treated].astype(float)
    elif d.threshold is not None:
        if d.score is None:
            raise ParamsError(
                f"The 'threshold' parameter of {func} needs score_col (treated = score >= "
                f"threshold). Got score_col=None instead."
            )
        wide["treated"] = (wide["score"] >= d.threshold).astype(float)
    need = ["y_before", "y_after"] + [c for c in ("score", "treated") if c in wide.columns]
    need += list(d.covariates) + ([d.cluster] if d.cluster is not None else [])
    wide = wide.dropna(subset=need)
    wide["change"] = wide["y_after"] - wide["y_before"]
    return wide.reset_index(drop=True)


def _check_rtm_columns(panel: pd.DataFrame, outcome: str, d: _Design, func: str) -> None:
    """Check that every named column exists."""
    for col, name in ((outcome, "outcome"), (d.unit, "unit_col"), (d.period, "period_col")):
        check_column(panel, col, name, func)
    if d.score is not None:
        check_column(panel, d.score, "score_col", func)
    if d.treated is not None:
        check_column(panel, d.treated, "treated_col", func)
    if d.cluster is not None:
        check_column(panel, d.cluster, "cluster", func)
    for c in d.covariates:
        check_column(panel, c, "covariates", func)


def _check_period_rows(rows: pd.DataFrame, which: str, value: Any, d: _Design, func: str) -> None:
    """The rows of one period: present, one per unit."""
    if rows.empty:
        raise ParamsError(
            f"The {which!r} parameter of {func} must be a period present in "
            f"{d.period!r}. Got {value!r} instead."
        )
    if rows[d.unit].duplicated().any():
        raise DataValidationError(
            [
                ValidationIssue(
                    table="panel",
                    file="",
                    row=None,
                    column=d.unit,
                    value=f"duplicated units in period {value!r}",
                    expected="one row per unit",
                )
            ]
        )


def _sm_fit(y, x, *, cluster_codes=None, weights=None):
    """Fit (W)LS with statsmodels, with cluster-robust (or HC1) standard errors."""
    import statsmodels.api as sm

    model = sm.WLS(y, x, weights=weights) if weights is not None else sm.OLS(y, x)
    if cluster_codes is not None:
        return model.fit(cov_type="cluster", cov_kwds={"groups": cluster_codes})
    return model.fit(cov_type="HC1")


def _codes(frame: pd.DataFrame, cluster: str | None) -> np.ndarray | None:
    """Integer cluster codes of the rows (None: not clustered)."""
    return None if cluster is None else pd.factorize(frame[cluster])[0]


# ---------------------------------------------------------------------------
# naive before/after
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class BeforeAfterResult:
    """Naive before/after comparison (paired mean change of the selected units).

    Unpacks as ``statistic, pvalue = result``.

    H0: the mean change is 0. H1 (``alternative``): two-sided — it is not 0;
    ``"larger"`` — it is positive; ``"smaller"`` — it is negative.

    When the units were selected on past performance (``score_col`` given) the
    comparison is biased by regression to the mean and ``rtm_flagged`` is True.
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    diff: float
    ci_low: float
    ci_high: float
    n_before: int
    n_after: int
    method: str
    alternative: str
    mean_before: float
    mean_after: float
    std_error: float
    rtm_flagged: bool
    outcome: str
    alpha: float
    alerts: tuple[str, ...] = ()

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "comparison": "before/after (naive)",
                    "mean_before": self.mean_before,
                    "mean_after": self.mean_after,
                    "diff": self.diff,
                    "std_error": self.std_error,
                    "statistic": self.statistic,
                    "pvalue": self.pvalue,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n": self.n_after,
                    "rtm_flagged": self.rtm_flagged,
                }
            ]
        )

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        return Summary(
            f"Before/after comparison: {self.outcome}",
            facts=(("Method", self.method), ("Alternative", self.alternative)),
            tables=[("Mean change", self.to_frame())],
            alerts=self.alerts,
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading (with the regression-to-the-mean caveat if flagged)."""
        check_choice(lang, "lang", "BeforeAfterResult.conclusion", Lang)
        return _before_after_sentence(self, lang, unit)


def before_after(
    panel: pd.DataFrame,
    outcome: str,
    *,
    before: Any,
    after: Any,
    unit_col: str = "unit",
    period_col: str = "period",
    treated_col: str | None = None,
    score_col: str | None = None,
    threshold: float | None = None,
    cluster: str | None = "branch",
    allow_naive: bool = False,
    alternative: Alternative = "two-sided",
    alpha: float = 0.05,
) -> BeforeAfterResult:
    """Naive before/after comparison of the selected (treated) units.

    Parameters
    ----------
    panel : DataFrame
        Long panel with one row per unit in the ``before`` and ``after`` periods.
    outcome : str
    before, after : period values
        Values of ``period_col`` to compare.
    treated_col : str, optional
        0/1 column (read in the ``after`` period) selecting the units compared; or use
        ``threshold`` on ``score_col``. With neither, all units are compared.
    score_col : str, optional
        The score the selection was based on (e.g. last quarter's composite score).
        Passing it says that treatment was **assigned by past performance**: the naive
        comparison is then biased by regression to the mean and is refused unless
        ``allow_naive=True`` (then it warns). Use :func:`rtm_guarded_effect` instead.
    threshold : float, optional
        Treated = ``score >= threshold`` (when ``treated_col`` is not given).
    cluster : str or None
        Cluster column for the standard error (``None``: HC1 across units).
    allow_naive : bool
        Allow the biased comparison (with a RegressionToMeanWarning).
    alternative : {"two-sided", "larger", "smaller"}
        H1: the mean change differs from 0 / is positive / is negative.
    alpha : float

    Returns
    -------
    BeforeAfterResult

    Raises
    ------
    ParamsError
        Treatment assigned by past performance (``score_col``) and ``allow_naive`` is False.

    Warns
    -----
    RegressionToMeanWarning
        ``score_col`` given with ``allow_naive=True``, or the selected units differed
        markedly from the others before (standardised difference > 0.5).
    """
    func = "before_after"
    alpha = _before_after_options(alternative, alpha, score_col, allow_naive, func)
    design = _Design(unit_col, period_col, before, after, score_col, treated_col, threshold, cluster)
    sel, alerts = _selected_units(_rtm_frame(panel, outcome, design, func), score_col)
    if len(sel) < 2:
        raise InsufficientSampleError(f"{func}: fewer than 2 units observed in both periods.")
    for a in alerts:
        warn(f"{func}: {a}", RegressionToMeanWarning)
    return _paired_change(sel, outcome, cluster=cluster, alternative=alternative, alpha=alpha, alerts=alerts)


def _before_after_options(
    alternative: Any, alpha: Any, score_col: str | None, allow_naive: bool, func: str
) -> float:
    """Validate the options of :func:`before_after`; refuse a performance-assigned comparison."""
    check_choice(alternative, "alternative", func, Alternative)
    alpha = check_unit_interval(alpha, "alpha", func)
    if score_col is not None and not allow_naive:
        raise ParamsError(
            f"The 'allow_naive' parameter of {func} must be True to compare before/after when "
            f"treatment was assigned by past performance (score_col={score_col!r}): the "
            "comparison is biased by regression to the mean. Use rtm_guarded_effect() "
            "instead. Got False instead."
        )
    return alpha


def _selected_units(wide: pd.DataFrame, score_col: str | None) -> tuple[pd.DataFrame, list[str]]:
    """The treated units (all units without a treatment rule), and the regression-to-the-mean alerts."""
    alerts: list[str] = []
    if score_col is not None:
        alerts.append(
            "Units were selected on past performance: the before/after change is biased by "
            "regression to the mean (top performers fall back, bottom performers improve, "
            "with no effect at all). Use rtm_guarded_effect()."
        )
    if "treated" not in wide.columns:
        return wide, alerts
    t = wide["treated"] > 0.5
    if score_col is None and t.any() and (~t).any():
        sd = wide["y_before"].std()
        gap = (wide.loc[t, "y_before"].mean() - wide.loc[~t, "y_before"].mean()) / sd
        if abs(gap) > 0.5:
            alerts.append(
                f"The treated units were {'above' if gap > 0 else 'below'} the others "
                f"before by {abs(gap):.2f} standard deviations; if they were chosen on "
                "past performance, their before/after change reflects regression to the "
                "mean. Pass score_col and use rtm_guarded_effect()."
            )
    return wide.loc[t], alerts


def _paired_change(
    sel: pd.DataFrame, outcome: str, *, cluster: str | None, alternative: str, alpha: float, alerts: list[str]
) -> BeforeAfterResult:
    """The mean change of the selected units with a (cluster-)robust t test."""
    codes = _codes(sel, cluster)
    fit = _sm_fit(sel["change"].to_numpy(float), np.ones((len(sel), 1)), cluster_codes=codes)
    est, se = float(fit.params[0]), float(fit.bse[0])
    df = codes.max() if codes is not None else len(sel) - 1
    stat, p, lo, hi = _infer(est, se, float(df), alpha)
    if alternative != "two-sided":
        dist = stats.t(df)
        p = float(dist.sf(stat) if alternative == "larger" else dist.cdf(stat))
    method = (
        "paired mean change, " + ("cluster-robust by " + repr(cluster) if cluster else "HC1") + f" t({df})"
    )
    return BeforeAfterResult(
        statistic=stat,
        pvalue=p,
        diff=est,
        ci_low=lo,
        ci_high=hi,
        n_before=len(sel),
        n_after=len(sel),
        method=method,
        alternative=alternative,
        mean_before=float(sel["y_before"].mean()),
        mean_after=float(sel["y_after"].mean()),
        std_error=se,
        rtm_flagged=bool(alerts),
        outcome=outcome,
        alpha=alpha,
        alerts=tuple(alerts),
    )


# ---------------------------------------------------------------------------
# the guarded effect: ANCOVA on the score, regression discontinuity
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class RTMGuardedResult:
    """Effect of a performance-assigned treatment, guarded against regression to the mean.

    ``estimates`` has one row per method: ``naive`` (before/after of the treated, shown
    for contrast — biased), ``ancova`` (``y_after ~ treated + score``) and ``rd`` (sharp
    regression discontinuity at the threshold, local linear, triangular kernel). The
    headline fields report ``primary`` (RD when available, else ANCOVA).
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    primary: str
    estimates: pd.DataFrame = field(repr=False)
    bandwidth: float
    threshold: float | None
    n_units: int
    n_treated: int
    outcome: str
    alpha: float
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """One row per method."""
        return self.estimates.copy()

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        return Summary(
            f"Effect guarded against regression to the mean: {self.outcome}",
            facts=(
                ("Primary", self.primary),
                ("Units", f"{self.n_units} ({self.n_treated} treated)"),
                ("Threshold", str(self.threshold)),
                ("Bandwidth", _f(self.bandwidth, 3)),
            ),
            tables=[("Estimates", self.to_frame())],
            notes=[*self.notes, self.conclusion("en")],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading, contrasting the naive change."""
        check_choice(lang, "lang", "RTMGuardedResult.conclusion", Lang)
        r = self
        text = _effect_sentence(r.estimate, r.ci_low, r.ci_high, r.pvalue, r.outcome, unit, lang, r.alpha)
        naive = self.estimates.loc[self.estimates["method"] == "naive"]
        if not naive.empty:
            text += _naive_contrast(float(naive["estimate"].iloc[0]), _ndigits(r.ci_high - r.ci_low), lang)
        return text


def rtm_guarded_effect(
    panel: pd.DataFrame,
    outcome: str,
    *,
    score_col: str,
    before: Any,
    after: Any,
    threshold: float | None = None,
    treated_col: str | None = None,
    method: RTMMethod = "both",
    bandwidth: float | None = None,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str | None = "branch",
    covariates: Sequence[str] = (),
    alpha: float = 0.05,
) -> RTMGuardedResult:
    """Effect of a treatment assigned on past performance, conditioning on the score.

    Parameters
    ----------
    panel : DataFrame
        Long panel; ``score_col`` is read in the ``before`` period (the assignment score,
        e.g. last quarter's composite score), ``outcome`` in both periods.
    score_col : str
    before, after : period values
    threshold : float, optional
        Grade threshold: treated = ``score >= threshold`` (required for ``"rd"``).
    treated_col : str, optional
        Actual treatment (read in the ``after`` period) for ANCOVA; defaults to the
        threshold rule. The RD always uses the threshold rule (sharp design; with
        imperfect compliance it estimates the intention-to-treat effect at the cutoff).
    method : {"both", "ancova", "rd"}
    bandwidth : float, optional
        RD half-window in score units. Default: the rule-of-thumb pilot bandwidth
        ``1.84 * sd(score) * n^(-1/5)`` (Imbens & Kalyanaraman's first step); set it
        explicitly for reporting and check sensitivity.
    cluster : str or None
        Cluster column for robust standard errors (``None``: HC1).
    covariates : sequence of str
        Extra ANCOVA controls (read in the ``before`` period).
    alpha : float

    Returns
    -------
    RTMGuardedResult

    Notes
    -----
    ANCOVA: ``y_after = a + b * treated + c * score (+ X g) + e``; H0: b = 0. With a
    sharp threshold rule ANCOVA identifies ``b`` through the linearity of
    ``E[y_after | score]`` across the threshold. RD: ``y_after = a + b * T + c * x +
    d * T * x`` on ``|x| < h`` with ``x = score - threshold`` and triangular weights
    ``1 - |x|/h``; H0: b = 0 (local effect at the threshold).
    """
    func = "rtm_guarded_effect"
    alpha = _guarded_options(method, alpha, threshold, treated_col, bandwidth, func)
    covs = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    design = _Design(unit_col, period_col, before, after, score_col, treated_col, threshold, cluster, covs)
    wide = _rtm_frame(panel, outcome, design, func)
    if len(wide) < 5:
        raise InsufficientSampleError(f"{func}: fewer than 5 units observed in both periods.")
    return _guarded(wide, outcome, design, method=method, bandwidth=bandwidth, alpha=alpha, func=func)


def _guarded_options(
    method: Any, alpha: Any, threshold: float | None, treated_col: str | None, bandwidth: Any, func: str
) -> float:
    """Validate the options of :func:`rtm_guarded_effect`; return ``alpha``."""
    check_choice(method, "method", func, RTMMethod)
    alpha = check_unit_interval(alpha, "alpha", func)
    if method == "rd" and threshold is None:
        raise ParamsError(
            f"The 'threshold' parameter of {func} must be a number for method='rd'. Got None instead."
        )
    if treated_col is None and threshold is None:
        raise ParamsError(
            f"The 'threshold' parameter of {func} must be a number when treated_col is not "
            "given. Got None instead."
        )
    if bandwidth is not None:
        check_positive(bandwidth, "bandwidth", func)
    return alpha


def _guarded(
    wide: pd.DataFrame,
    outcome: str,
    d: _Design,
    *,
    method: str,
    bandwidth: float | None,
    alpha: float,
    func: str,
) -> RTMGuardedResult:
    """The naive, ANCOVA and RD estimates and the result (RD primary when available)."""
    t = wide["treated"] > 0.5
    if t.sum() < 2:
        raise InsufficientSampleError(f"{func}: fewer than 2 treated units.")
    # naive, for contrast (no warning: it is labelled as biased in the table)
    rows = [_naive_row(wide.loc[t], d.cluster, alpha)]
    notes: list[str] = []
    if method in ("ancova", "both"):
        rows.append(_ancova_row(wide, d, alpha))
        if d.threshold is not None and d.treated is None:
            notes.append(
                "ANCOVA: treatment is a deterministic function of the score, so the "
                "effect is identified by the linearity of the outcome in the score."
            )
    h = float("nan")
    if method in ("rd", "both") and d.threshold is not None:
        h, rd_row, rd_notes = _rd_row(wide, d, bandwidth, alpha, func)
        rows.append(rd_row)
        notes += rd_notes
    if method == "both" and d.threshold is None:
        notes.append("RD skipped: it needs the grade threshold (pass threshold=...).")
    estimates = pd.DataFrame(rows)
    primary = "rd" if "rd" in set(estimates["method"]) and method != "ancova" else "ancova"
    row = estimates.loc[estimates["method"] == primary].iloc[0]
    return RTMGuardedResult(
        estimate=float(row["estimate"]),
        std_error=float(row["std_error"]),
        statistic=float(row["statistic"]),
        pvalue=float(row["pvalue"]),
        ci_low=float(row["ci_low"]),
        ci_high=float(row["ci_high"]),
        primary=primary,
        estimates=estimates,
        bandwidth=h,
        threshold=d.threshold,
        n_units=len(wide),
        n_treated=int(t.sum()),
        outcome=outcome,
        alpha=alpha,
        notes=tuple(notes),
    )


def _method_row(
    name: str, fit: Any, codes: np.ndarray | None, n: int, alpha: float, h: float = float("nan"), j: int = 1
) -> dict[str, Any]:
    """One row of the estimates table: coefficient ``j`` of ``fit``, t(clusters - 1) or t(df_resid)."""
    df = float(fit.df_resid) if codes is None else float(len(set(codes)) - 1)
    est, se = float(fit.params[j]), float(fit.bse[j])
    stat, p, lo, hi = _infer(est, se, df, alpha)
    return {
        "method": name,
        "estimate": est,
        "std_error": se,
        "statistic": stat,
        "pvalue": p,
        "ci_low": lo,
        "ci_high": hi,
        "n": n,
        "bandwidth": h,
    }


def _naive_row(nv: pd.DataFrame, cluster: str | None, alpha: float) -> dict[str, Any]:
    """Mean change of the treated (biased by regression to the mean; shown for contrast)."""
    codes = _codes(nv, cluster)
    fit = _sm_fit(nv["change"].to_numpy(float), np.ones((len(nv), 1)), cluster_codes=codes)
    return _method_row("naive", fit, codes, len(nv), alpha, j=0)


def _ancova_row(wide: pd.DataFrame, d: _Design, alpha: float) -> dict[str, Any]:
    """``y_after ~ treated + score (+ covariates)``: the coefficient of ``treated``."""
    x = np.column_stack(
        [np.ones(len(wide)), wide["treated"].to_numpy(float), wide["score"].to_numpy(float)]
        + [wide[c].to_numpy(float) for c in d.covariates]
    )
    codes = _codes(wide, d.cluster)
    fit = _sm_fit(wide["y_after"].to_numpy(float), x, cluster_codes=codes)
    return _method_row("ancova", fit, codes, len(wide), alpha)


def _rd_row(
    wide: pd.DataFrame, d: _Design, bandwidth: float | None, alpha: float, func: str
) -> tuple[float, dict[str, Any], list[str]]:
    """Sharp RD at the threshold (local linear, triangular kernel): bandwidth, row, notes."""
    threshold = cast(float, d.threshold)
    xs = wide["score"].to_numpy(float) - threshold
    notes: list[str] = []
    if bandwidth is None:
        h = float(1.84 * np.std(wide["score"].to_numpy(float), ddof=1) * len(wide) ** -0.2)
        notes.append(f"RD bandwidth {h:.3g}: rule-of-thumb pilot (1.84 sd n^-1/5); check sensitivity to it.")
    else:
        h = float(bandwidth)
    inside = np.abs(xs) < h
    above = xs >= 0
    n_lo, n_hi = int((inside & ~above).sum()), int((inside & above).sum())
    if min(n_lo, n_hi) < 5:
        raise InsufficientSampleError(
            f"{func}: the RD window +/-{h:.3g} around {threshold} has {n_lo} units below "
            f"and {n_hi} above; at least 5 on each side are needed (widen 'bandwidth')."
        )
    sub = wide.loc[inside]
    xi = xs[inside]
    ti = above[inside].astype(float)
    x = np.column_stack([np.ones(xi.size), ti, xi, ti * xi])
    codes = _codes(sub, d.cluster)
    fit = _sm_fit(sub["y_after"].to_numpy(float), x, cluster_codes=codes, weights=1.0 - np.abs(xi) / h)
    return h, _method_row("rd", fit, codes, int(xi.size), alpha, h), notes

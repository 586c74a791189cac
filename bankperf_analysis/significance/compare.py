"""Change tests, intervals, multiple-testing control, fair league tables and power.

Compare a KPI between two periods (before vs after) with the method its type needs:

=============================  ===================  =======================================
KPI type                       function             method
=============================  ===================  =======================================
rate (satisfied share,         ``compare_rates``    score test + Newcombe (1998) hybrid
resolution, service level)                          score interval; Boschloo exact test
                                                    when a cell is small
mean (1-10 surveys,            ``compare_means``    Welch t with interval; Mann-Whitney U
0-100 mystery shopper)                              as a check
ordinal (1-5 complaint         ``compare_ordinal``  proportional-odds model; effect as
resolution satisfaction)                            P(after > before) + 0.5 P(tie)
=============================  ===================  =======================================

``compare_periods`` dispatches on the KPI type, ``compare_many`` runs one comparison per
entity with Benjamini-Hochberg (or Holm) adjustment, ``funnel_data``/``funnel_plot`` and
``shrink_rates`` make league tables fair, and ``minimum_detectable_change`` /
``required_sample_size`` say what a sample can detect. Every comparison returns a
:class:`ChangeTestResult` whose ``verdict(lang="en"|"zh")`` is a one-sentence summary for
managers.

Conventions: ``diff`` is always *after - before*; rates are proportions in [0, 1] in the
results and percentage points in the verdicts; the alternative ``"larger"`` means H1: the
KPI is higher after.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
from scipy import special, stats

from bankperf_analysis.exceptions import (
    ConvergenceWarning,
    DataValidationError,
    InconclusiveWarning,
    SmallSampleWarning,
    ValidationIssue,
)
from bankperf_analysis.significance import stats as _st
from bankperf_analysis.significance.core import (
    check_count,
    check_literal,
    check_positive,
    check_scores,
    check_unit_open,
    is_real,
    param_error,
)
from bankperf_analysis.significance.league import (  # fair league tables, re-exported
    FunnelMethod,
    FunnelResult,
    Overdispersion,
    ShrinkageResult,
    funnel_data,
    funnel_plot,
    shrink_rates,
)
from bankperf_analysis.significance.result import ChangeTestResult, Lang

__all__ = [
    "Alternative",
    "KpiKind",
    "Lang",
    "RateMethod",
    "ExactTest",
    "Correction",
    "PowerMethod",
    "Overdispersion",
    "FunnelMethod",
    "ChangeTestResult",
    "FunnelResult",
    "ShrinkageResult",
    "compare_rates",
    "compare_means",
    "compare_ordinal",
    "compare_periods",
    "compare_many",
    "adjust_pvalues",
    "funnel_data",
    "funnel_plot",
    "shrink_rates",
    "minimum_detectable_change",
    "required_sample_size",
]

Alternative = Literal["two-sided", "larger", "smaller"]
KpiKind = Literal["rate", "mean", "ordinal"]
RateMethod = Literal["auto", "score", "exact"]
ExactTest = Literal["boschloo", "fisher"]
Correction = Literal["fdr_bh", "holm", "bonferroni", "none"]
PowerMethod = Literal["score", "score_cc", "arcsine"]

#: Default smallest change worth detecting for a rate: 5 percentage points.
RELEVANT_RATE_CHANGE = 0.05
#: Default smallest change worth detecting for a mean, in (pooled) SDs: Cohen's medium d.
RELEVANT_MEAN_SD = 0.5
#: Default smallest shift of P(after > before) + 0.5 P(tie) away from 0.5 worth detecting:
#: Vargha & Delaney's "medium" A = 0.64 (the probability matching d = 0.5 under normality).
RELEVANT_PS_SHIFT = 0.14

#: Largest ``n_before * n_after`` for Boschloo's test (about 1 s); Fisher's test above it.
BOSCHLOO_MAX_TABLES = 40_000

_NAN = math.nan
_ALT_SCIPY = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}


# =========================================================================== helpers


def _warn(message: str, category: type[Warning], stacklevel: int = 3) -> None:
    warnings.warn(message, category, stacklevel=stacklevel)


def _check_common(owner: str, alpha: Any, alternative: Any, power: Any) -> tuple[float, str, float]:
    return (
        check_unit_open(alpha, "alpha", owner),
        check_literal(alternative, "alternative", owner, get_args(Alternative)),
        check_unit_open(power, "power", owner),
    )


def _one_sided(lo2: float, hi2: float, alternative: str, low_end: float, high_end: float):
    """Turn a two-sided 1 - 2 alpha interval into the one-sided 1 - alpha interval."""
    if alternative == "larger":
        return lo2, high_end
    return low_end, hi2


def _no_data(
    owner: str,
    kind: str,
    n_b: int,
    n_a: int,
    alpha: float,
    alternative: str,
    est_b: float,
    est_a: float,
    relevant: float,
) -> ChangeTestResult:
    which = (
        "either period"
        if n_b == n_a == 0
        else "the previous period (n_before = 0)"
        if n_b == 0
        else "the current period (n_after = 0)"
    )
    _warn(f"{owner}: no data for {which}; the result holds NaNs.", SmallSampleWarning, 4)
    return ChangeTestResult(
        _NAN,
        _NAN,
        _NAN,
        _NAN,
        _NAN,
        n_b,
        n_a,
        "none (no data)",
        alternative,
        kind=kind,
        estimate_before=est_b,
        estimate_after=est_a,
        alpha=alpha,
        relevant_change=relevant,
        notes=(f"no data for {which}",),
    )


def _maybe_warn_inconclusive(res: ChangeTestResult, owner: str, warn: bool) -> None:
    if warn and res.inconclusive:
        _warn(
            f"{owner}: not significant, but changes smaller than {res.mdc:.4g} (on the scale "
            f"of diff) cannot be detected with n = {res.n_before} vs {res.n_after}.",
            InconclusiveWarning,
            4,
        )


def _pvalue_from_z(z: float, alternative: str) -> float:
    if alternative == "two-sided":
        return float(2 * stats.norm.sf(abs(z)))
    return float(stats.norm.sf(z) if alternative == "larger" else stats.norm.cdf(z))


# =========================================================================== rates


def compare_rates(
    x_before: int,
    n_before: int,
    x_after: int,
    n_after: int,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    method: RateMethod = "auto",
    exact_test: ExactTest = "boschloo",
    min_expected: float = 5.0,
    power: float = 0.8,
    relevant_change: float = RELEVANT_RATE_CHANGE,
    warn_inconclusive: bool = False,
) -> ChangeTestResult:
    """Compare a rate (satisfied share, resolution rate, service level) between two periods.

    Tests H0: ``p_after = p_before`` against H1 (``alternative``):

    * ``"two-sided"``: ``p_after != p_before``;
    * ``"larger"``: ``p_after > p_before``;
    * ``"smaller"``: ``p_after < p_before``.

    Parameters
    ----------
    x_before, n_before, x_after, n_after : int
        Successes (e.g. satisfied answers) and trials (answers) per period.
    alpha : float, default 0.05
        Test level; the interval has coverage ``1 - alpha``.
    alternative : {"two-sided", "larger", "smaller"}
    method : {"auto", "score", "exact"}, default "auto"
        ``"score"``: score test (statsmodels ``test_proportions_2indep(method="score",
        correction=False)``, the pooled z test, equal to Pearson's chi-square without
        continuity correction). ``"exact"``: ``exact_test``. ``"auto"``: the exact test
        when the table is *small*, i.e. any expected cell count under H0 is below
        ``min_expected`` or any observed cell is zero, with a
        :class:`~bankperf_analysis.exceptions.SmallSampleWarning`; the score test otherwise.
    exact_test : {"boschloo", "fisher"}, default "boschloo"
        Boschloo's unconditional test (uniformly more powerful than Fisher's) or Fisher's
        conditional test, both from scipy. Boschloo's cost grows with ``n_before *
        n_after``; above ``BOSCHLOO_MAX_TABLES`` (40,000, about 200 per period: only a zero
        cell can make such a table "small") Fisher's test is used instead, with a note.
    min_expected : float, default 5.0
        Expected-cell threshold of ``method="auto"``.
    power : float, default 0.8
        Power at which ``mdc`` (minimum detectable change) is computed.
    relevant_change : float, default 0.05
        Smallest change worth detecting (a proportion: 0.05 = 5 percentage points). A
        non-significant comparison with ``mdc`` above it is reported as inconclusive.
    warn_inconclusive : bool, default False
        Emit an :class:`~bankperf_analysis.exceptions.InconclusiveWarning` when inconclusive.

    Returns
    -------
    ChangeTestResult
        ``diff = p_after - p_before`` with the Newcombe (1998, method 10) hybrid score
        interval built from per-period Wilson intervals (statsmodels
        ``proportion_confint(method="wilson")``), whatever the test. A period without data
        gives a result with NaNs and a "no data" verdict plus a SmallSampleWarning.

    Examples
    --------
    >>> res = compare_rates(850, 1000, 810, 1000)
    >>> res.verdict(kpi_label="Satisfaction")
    'Satisfaction fell 4.0 percentage points (95% CI 0.7–7.3), statistically significant'
    >>> res.verdict("zh", kpi_label="满意度")
    '满意度下降 4.0 个百分点（95% 置信区间 0.7–7.3），统计显著'
    """
    owner = "compare_rates"
    alpha, alternative, power = _check_common(owner, alpha, alternative, power)
    method = check_literal(method, "method", owner, get_args(RateMethod))
    exact_test = check_literal(exact_test, "exact_test", owner, get_args(ExactTest))
    min_expected = float(check_positive(min_expected, "min_expected", owner))
    relevant = float(check_positive(relevant_change, "relevant_change", owner))
    n_b = check_count(n_before, "n_before", owner)
    n_a = check_count(n_after, "n_after", owner)
    x_b = check_count(x_before, "x_before", owner, upper=n_b, upper_name="n_before")
    x_a = check_count(x_after, "x_after", owner, upper=n_a, upper_name="n_after")
    est_b = x_b / n_b if n_b else _NAN
    est_a = x_a / n_a if n_a else _NAN
    if n_b == 0 or n_a == 0:
        return _no_data(owner, "rate", n_b, n_a, alpha, alternative, est_b, est_a, relevant)

    if alternative == "two-sided":
        lo, hi = _st.newcombe_interval(x_a, n_a, x_b, n_b, alpha)
    else:
        lo, hi = _st.newcombe_interval(x_a, n_a, x_b, n_b, 2 * alpha)
        lo, hi = _one_sided(float(lo), float(hi), alternative, -1.0, 1.0)
    expected = _st.expected_cells(x_a, n_a, x_b, n_b)
    zero_cell = min(x_a, n_a - x_a, x_b, n_b - x_b) == 0
    small = bool(expected.min() < min_expected - 1e-9 or zero_cell)
    notes: list[str] = []
    if method == "exact" or (method == "auto" and small):
        test = exact_test
        if test == "boschloo" and n_a * n_b > BOSCHLOO_MAX_TABLES:
            test = "fisher"
            notes.append(f"Fisher instead of Boschloo: n_before x n_after > {BOSCHLOO_MAX_TABLES}")
        stat, p = _st.exact_test(x_a, n_a, x_b, n_b, test, alternative)
        test_name = "Boschloo exact test" if test == "boschloo" else "Fisher exact test"
        if method == "auto":
            why = (
                f"smallest expected cell count {expected.min():.2f} < {min_expected:g}"
                if expected.min() < min_expected - 1e-9
                else "a zero cell"
            )
            msg = (
                f"{owner}: {why} in {x_b}/{n_b} vs {x_a}/{n_a}; used the {test_name} "
                "instead of the score test."
            )
            notes.append(msg.split(": ", 1)[1])
            _warn(msg, SmallSampleWarning)
    else:
        stat, p = _st.score_test(x_a, n_a, x_b, n_b, alternative)
        test_name = "score test"
        if small:
            notes.append("small expected counts: the score test may be inaccurate")
    mdc = _st.mdc_rate(est_b, n_b, n_a, alpha, power, alternative, "score")
    res = ChangeTestResult(
        statistic=stat,
        pvalue=p,
        diff=est_a - est_b,
        ci_low=float(lo),
        ci_high=float(hi),
        n_before=n_b,
        n_after=n_a,
        method=f"{test_name}; Newcombe hybrid score interval",
        alternative=alternative,
        kind="rate",
        estimate_before=est_b,
        estimate_after=est_a,
        alpha=alpha,
        mdc=mdc,
        relevant_change=relevant,
        notes=tuple(notes),
    )
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


# =========================================================================== means


def compare_means(
    scores_before: Any,
    scores_after: Any,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    power: float = 0.8,
    relevant_change: float | None = None,
    check: bool = True,
    warn_inconclusive: bool = False,
) -> ChangeTestResult:
    """Compare mean scores (1-10 surveys, 0-100 mystery-shopper checks) between two periods.

    Welch's t test (same numbers as scipy ``ttest_ind(equal_var=False)``, computed
    directly to avoid scipy's per-call overhead) of H0: ``mu_after = mu_before``
    against H1 (``alternative``): ``"two-sided"``: ``mu_after != mu_before``; ``"larger"``:
    ``mu_after > mu_before``; ``"smaller"``: ``mu_after < mu_before``. The Mann-Whitney U
    test of the same alternative is reported as a check (``check_pvalue``).

    Parameters
    ----------
    scores_before, scores_after : array-like of float
        Individual scores; missing values (NaN/None) are dropped.
    alpha : float, default 0.05
    alternative : {"two-sided", "larger", "smaller"}
    power : float, default 0.8
        Power at which ``mdc`` is computed: ``(t_crit + t_power) * SE`` with the Welch SE
        and degrees of freedom.
    relevant_change : float, optional
        Smallest change worth detecting, in score points; default half the pooled SD
        (Cohen's medium effect).
    check : bool, default True
        Run the Mann-Whitney U check (``False`` skips it, e.g. in power simulations).
    warn_inconclusive : bool, default False

    Returns
    -------
    ChangeTestResult
        Small samples are handled, not refused: with 3 vs 3 checks the interval is simply
        wide (and Mann-Whitney cannot reach p < 0.1, noted). A period with fewer than two
        scores, or no variation in either period, gives NaN test values and a
        SmallSampleWarning; a period without data gives a "no data" result.
    """
    owner = "compare_means"
    alpha, alternative, power = _check_common(owner, alpha, alternative, power)
    rel = check_positive(relevant_change, "relevant_change", owner, allow_none=True)
    b = check_scores(scores_before, "scores_before", owner)
    a = check_scores(scores_after, "scores_after", owner)
    n_b, n_a = b.size, a.size
    est_b = float(b.mean()) if n_b else _NAN
    est_a = float(a.mean()) if n_a else _NAN
    if n_b == 0 or n_a == 0:
        return _no_data(
            owner, "mean", n_b, n_a, alpha, alternative, est_b, est_a, _NAN if rel is None else rel
        )

    check_p = float(stats.mannwhitneyu(a, b, alternative=_ALT_SCIPY[alternative]).pvalue) if check else _NAN
    notes: list[str] = []
    if check and n_a * n_b < 20 and alternative == "two-sided":
        notes.append("Mann-Whitney check has little power with so few scores")
    var_b = float(b.var(ddof=1)) if n_b > 1 else _NAN
    var_a = float(a.var(ddof=1)) if n_a > 1 else _NAN
    se = math.sqrt(var_a / n_a + var_b / n_b) if n_a > 1 and n_b > 1 else _NAN
    pooled_sd = math.sqrt((var_a + var_b) / 2) if math.isfinite(se) else _NAN
    relevant = RELEVANT_MEAN_SD * pooled_sd if rel is None else rel
    stat = p = lo = hi = df = mdc = _NAN
    if not math.isfinite(se):
        msg = f"Welch t needs at least 2 scores per period (n = {n_b} vs {n_a})"
        notes.append(msg)
        _warn(f"{owner}: {msg}; test values are NaN.", SmallSampleWarning)
    elif se == 0:
        msg = "no variation in the scores of either period; the t test is undefined"
        notes.append(msg)
        _warn(f"{owner}: {msg}.", SmallSampleWarning)
    else:
        stat, df, p, lo, hi, se = _st.welch(a, b, alpha, alternative)
        q = 1 - alpha / 2 if alternative == "two-sided" else 1 - alpha
        mdc = (float(special.stdtrit(df, q)) + float(special.stdtrit(df, power))) * se
    res = ChangeTestResult(
        statistic=stat,
        pvalue=p,
        diff=est_a - est_b,
        ci_low=lo,
        ci_high=hi,
        n_before=n_b,
        n_after=n_a,
        method="Welch t test",
        alternative=alternative,
        kind="mean",
        estimate_before=est_b,
        estimate_after=est_a,
        alpha=alpha,
        df=df,
        check_pvalue=check_p,
        check_method="Mann-Whitney U" if check else "",
        mdc=mdc,
        relevant_change=relevant,
        notes=tuple(notes),
    )
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


# =========================================================================== ordinal


def compare_ordinal(
    scores_before: Any,
    scores_after: Any,
    *,
    levels: Sequence[float] | None = (1, 2, 3, 4, 5),
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    power: float = 0.8,
    relevant_change: float = RELEVANT_PS_SHIFT,
    warn_inconclusive: bool = False,
) -> ChangeTestResult:
    """Compare ordinal scores (1-5 complaint-resolution satisfaction) between two periods.

    A proportional-odds (cumulative logit) model ``score ~ period`` (statsmodels
    ``OrderedModel``) tests H0: ``beta = 0`` (the odds of a higher score are the same in
    both periods) with a Wald z against H1 (``alternative``): ``"two-sided"``: ``beta !=
    0``; ``"larger"``: ``beta > 0`` (higher scores after); ``"smaller"``: ``beta < 0``.
    Score levels absent from both periods are merged away before fitting (levels absent
    from one period only are kept). If the fit fails (non-convergence, separation) the
    Mann-Whitney U test is used instead, with a ConvergenceWarning.

    The effect is stated as a probability, the probabilistic index
    ``diff = P(after > before) + 0.5 P(tie)`` (= ``U / (n_after n_before)``), with a
    logit-scale interval from the DeLong (1988) variance (Hanley-McNeil at complete
    separation); the model's odds ratio (after vs before) is reported with its two-sided
    ``1 - alpha`` Wald interval.

    Parameters
    ----------
    scores_before, scores_after : array-like
        Scores; missing values dropped.
    levels : sequence, optional
        Allowed score values (default 1-5); other values raise DataValidationError.
        ``None`` accepts any value.
    alpha, alternative, power :
        As in :func:`compare_rates`.
    relevant_change : float, default 0.14
        Smallest shift of the probabilistic index away from 0.5 worth detecting.
    warn_inconclusive : bool, default False

    Returns
    -------
    ChangeTestResult
        ``kind="ordinal"``; ``estimate_before``/``estimate_after`` are mean scores;
        ``mdc = (z_crit + z_power) sqrt((n_a + n_b + 1) / (12 n_a n_b))``.
    """
    owner = "compare_ordinal"
    alpha, alternative, power = _check_common(owner, alpha, alternative, power)
    relevant = float(check_positive(relevant_change, "relevant_change", owner))
    b = check_scores(scores_before, "scores_before", owner)
    a = check_scores(scores_after, "scores_after", owner)
    notes: list[str] = []
    if levels is not None:
        allowed = np.asarray(list(levels), dtype=float)
        issues = [
            ValidationIssue(name, "", None, "", f"{v:g}", "one of " + ", ".join(f"{lv:g}" for lv in allowed))
            for name, arr in (("scores_before", b), ("scores_after", a))
            for v in np.unique(arr[~np.isin(arr, allowed)])
        ]
        if issues:
            raise DataValidationError(issues)
        absent = [lv for lv in allowed if lv not in b and lv not in a]
        if absent and (a.size or b.size):
            notes.append(
                "levels "
                + ", ".join(f"{lv:g}" for lv in absent)
                + " absent from both periods: merged away before fitting"
            )
    n_b, n_a = b.size, a.size
    est_b = float(b.mean()) if n_b else _NAN
    est_a = float(a.mean()) if n_a else _NAN
    if n_b == 0 or n_a == 0:
        return _no_data(owner, "ordinal", n_b, n_a, alpha, alternative, est_b, est_a, relevant)

    ps, var = _st.prob_superiority(a, b)
    if alternative == "two-sided":
        lo, hi = _st.ps_interval(ps, var, n_a, n_b, alpha)
    else:
        lo, hi = _st.ps_interval(ps, var, n_a, n_b, 2 * alpha)
        lo, hi = _one_sided(lo, hi, alternative, 0.0, 1.0)
    mw = stats.mannwhitneyu(a, b, alternative=_ALT_SCIPY[alternative])
    zc = _st.z_crit(alpha, alternative)
    mdc = (zc + float(special.ndtri(power))) * math.sqrt((n_a + n_b + 1) / (12 * n_a * n_b))
    common = dict(
        n_before=n_b,
        n_after=n_a,
        alternative=alternative,
        kind="ordinal",
        estimate_before=est_b,
        estimate_after=est_a,
        alpha=alpha,
        mdc=mdc,
        relevant_change=relevant,
        diff=ps,
        ci_low=lo,
        ci_high=hi,
    )
    if np.unique(np.concatenate([a, b])).size < 2:
        msg = "all scores are equal; the proportional-odds model is not identifiable"
        _warn(f"{owner}: {msg}; reporting the Mann-Whitney U test.", SmallSampleWarning)
        res = ChangeTestResult(
            statistic=float(mw.statistic),
            pvalue=float(mw.pvalue),
            method="Mann-Whitney U test (no variation in scores)",
            notes=(*notes, msg),
            **common,
        )
    else:
        beta, se, failure = _st.ordinal_fit(a, b)
        if failure:
            msg = f"proportional-odds fit failed ({failure})"
            _warn(f"{owner}: {msg}; fell back to the Mann-Whitney U test.", ConvergenceWarning)
            res = ChangeTestResult(
                statistic=float(mw.statistic),
                pvalue=float(mw.pvalue),
                method="Mann-Whitney U test (proportional-odds fit failed)",
                notes=(*notes, msg),
                **common,
            )
        else:
            z = beta / se
            z2 = float(stats.norm.ppf(1 - alpha / 2))
            res = ChangeTestResult(
                statistic=z,
                pvalue=_pvalue_from_z(z, alternative),
                method="proportional-odds (cumulative logit) Wald test; "
                "DeLong interval for P(after > before) + 0.5 P(tie)",
                check_pvalue=float(mw.pvalue),
                check_method="Mann-Whitney U",
                odds_ratio=math.exp(beta),
                or_ci_low=math.exp(beta - z2 * se),
                or_ci_high=math.exp(beta + z2 * se),
                notes=tuple(notes),
                **common,
            )
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


# =========================================================================== dispatch


def compare_periods(kind: KpiKind, before: Any, after: Any, **kwargs: Any) -> ChangeTestResult:
    """Compare one KPI between two periods, choosing the method by KPI type.

    Parameters
    ----------
    kind : {"rate", "mean", "ordinal"}
        ``"rate"``: ``before``/``after`` are ``(x, n)`` pairs, see :func:`compare_rates`;
        ``"mean"``: score arrays, see :func:`compare_means`; ``"ordinal"``: score arrays,
        see :func:`compare_ordinal`.
    before, after :
        The data of each period.
    **kwargs :
        Passed to the chosen function (``alpha``, ``alternative``, ...).

    Returns
    -------
    ChangeTestResult
    """
    kind = check_literal(kind, "kind", "compare_periods", get_args(KpiKind))
    if kind == "rate":
        pair_ok = all(
            isinstance(v, Sequence | np.ndarray) and not isinstance(v, str) and len(v) == 2
            for v in (before, after)
        )
        if not pair_ok:
            raise param_error("before", "compare_periods", "an (x, n) pair for kind='rate'", before)
        return compare_rates(before[0], before[1], after[0], after[1], **kwargs)
    if kind == "mean":
        return compare_means(before, after, **kwargs)
    return compare_ordinal(before, after, **kwargs)


_RATE_COLUMNS = ("x_before", "n_before", "x_after", "n_after")
_SCORE_COLUMNS = ("scores_before", "scores_after")


def compare_many(
    frame: pd.DataFrame,
    kind: KpiKind = "rate",
    *,
    entity: str = "entity",
    correction: Correction = "fdr_bh",
    alpha: float = 0.05,
    kpi_label: str | Mapping[str, str] | None = None,
    warn_inconclusive: bool = False,
    **kwargs: Any,
) -> pd.DataFrame:
    """Compare many entities (all branches, all staff of a branch) at once.

    Runs :func:`compare_periods` per row, then adjusts the p-values for multiplicity
    (statsmodels ``multipletests``): Benjamini-Hochberg false discovery rate by default,
    Holm (family-wise error) or Bonferroni as options. Flags and verdicts use the adjusted
    p-values; intervals stay per-comparison (unadjusted) ``1 - alpha`` intervals.

    Parameters
    ----------
    frame : DataFrame
        One row per entity. ``kind="rate"``: columns ``x_before, n_before, x_after,
        n_after`` (NaN counts, e.g. a period missing after a merge, count as 0/0: "no
        data"); ``"mean"``/``"ordinal"``: columns ``scores_before, scores_after`` each
        holding an array of scores.
    kind : {"rate", "mean", "ordinal"}
    entity : str, default "entity"
        Column naming the entity (the index is used when the column is absent).
    correction : {"fdr_bh", "holm", "bonferroni", "none"}, default "fdr_bh"
    alpha : float, default 0.05
        Level of each test and of the multiplicity procedure.
    kpi_label : str or mapping lang -> str, optional
        Label for the verdicts.
    warn_inconclusive : bool, default False
        One InconclusiveWarning naming the inconclusive entities.
    **kwargs :
        Passed to the per-entity comparison (``alternative``, ``method``...).

    Returns
    -------
    DataFrame
        One row per entity: ``entity``, every :class:`ChangeTestResult` field,
        ``significant``, ``inconclusive``, ``flag``, ``verdict_en``, ``verdict_zh``.
        Warnings of the individual comparisons are gathered into one warning per class.
    """
    owner = "compare_many"
    kind = check_literal(kind, "kind", owner, get_args(KpiKind))
    correction = check_literal(correction, "correction", owner, get_args(Correction))
    alpha = check_unit_open(alpha, "alpha", owner)
    if not isinstance(frame, pd.DataFrame):
        raise param_error("frame", owner, "a pandas DataFrame", type(frame).__name__)
    needed = _RATE_COLUMNS if kind == "rate" else _SCORE_COLUMNS
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [ValidationIssue("compare_many frame", "", None, c, "", "a column") for c in missing]
        )
    names = frame[entity].tolist() if entity in frame.columns else frame.index.tolist()
    results: list[ChangeTestResult] = []
    caught: dict[type[Warning], list[tuple[Any, str]]] = {}
    data = frame[list(needed)]
    if kind == "rate":  # a period missing after a merge shows up as NaN counts: treat as 0/0
        data = data.astype(float).fillna(0.0)
    for name, row in zip(names, data.itertuples(index=False, name=None), strict=True):
        if kind == "rate":
            before, after = (row[0], row[1]), (row[2], row[3])
        else:
            before, after = row
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            res = compare_periods(kind, before, after, alpha=alpha, **kwargs)
        for w in ws:
            caught.setdefault(w.category, []).append((name, str(w.message)))
        results.append(res)

    pvals = np.array([r.pvalue for r in results], dtype=float)
    adjusted = adjust_pvalues(pvals, correction, alpha=alpha)
    m = int(np.isfinite(pvals).sum())
    results = [
        r.with_adjusted_pvalue(p, correction, m) if np.isfinite(p) else r
        for r, p in zip(results, adjusted, strict=True)
    ]

    for category, items in caught.items():
        who = ", ".join(str(n) for n, _ in items[:10]) + (" ..." if len(items) > 10 else "")
        _warn(
            f"{owner}: {category.__name__} for {len(items)} of {len(results)} entities "
            f"({who}); first: {items[0][1]}",
            category,
        )
    if warn_inconclusive:
        inc = [str(n) for n, r in zip(names, results, strict=True) if r.inconclusive]
        if inc:
            _warn(
                f"{owner}: {len(inc)} of {len(results)} comparisons are inconclusive at these "
                f"sample sizes ({', '.join(inc[:10])}{' ...' if len(inc) > 10 else ''}).",
                InconclusiveWarning,
            )
    out = (
        pd.concat([r.to_frame() for r in results], ignore_index=True)
        if results
        else (ChangeTestResult(_NAN, _NAN, _NAN, _NAN, _NAN, 0, 0, "", "two-sided").to_frame().iloc[:0])
    )
    out.insert(0, "entity", names)
    out["verdict_en"] = [r.verdict("en", kpi_label) for r in results]
    out["verdict_zh"] = [r.verdict("zh", kpi_label) for r in results]
    return out


def adjust_pvalues(pvalues: Any, method: Correction = "fdr_bh", *, alpha: float = 0.05) -> np.ndarray:
    """Multiplicity-adjusted p-values (statsmodels ``multipletests``), NaN-aware.

    Parameters
    ----------
    pvalues : array-like of float
        Raw p-values; NaNs (untestable comparisons) stay NaN and do not count in ``m``.
    method : {"fdr_bh", "holm", "bonferroni", "none"}, default "fdr_bh"
        Benjamini-Hochberg (controls the false discovery rate), Holm or Bonferroni
        (control the family-wise error rate), or no adjustment.
    alpha : float, default 0.05
        Passed to ``multipletests`` (does not change adjusted p-values of these methods).

    Returns
    -------
    ndarray
        Adjusted p-values in the input order.
    """
    owner = "adjust_pvalues"
    method = check_literal(method, "method", owner, get_args(Correction))
    alpha = check_unit_open(alpha, "alpha", owner)
    p = np.asarray(pvalues, dtype=float).ravel()
    finite = p[np.isfinite(p)]
    if ((finite < 0) | (finite > 1)).any():
        raise param_error(
            "pvalues",
            owner,
            "an array of floats in [0, 1] (or NaN)",
            float(finite[(finite < 0) | (finite > 1)][0]),
        )
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    if method == "none":
        out[ok] = p[ok]
    elif ok.any():
        from statsmodels.stats.multitest import multipletests

        out[ok] = multipletests(p[ok], alpha=alpha, method=method)[1]
    return out


# =========================================================================== power


def minimum_detectable_change(
    p_before: float | None = None,
    n_before: int | None = None,
    n_after: int | None = None,
    *,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
    method: PowerMethod = "score",
) -> float:
    """Smallest change that a before/after comparison detects with probability ``power``.

    Rates (give ``p_before``): the change ``d`` solving ``|d| = z_a sigma_0 + z_b sigma_1``
    (score test: pooled variance under H0, unpooled under H1; ``method="score_cc"`` adds
    the continuity correction, ``"arcsine"`` uses Cohen's h with statsmodels
    ``NormalIndPower``). For ``"two-sided"`` it is the smaller of the increase and the
    decrease (changes below it cannot be detected in either direction); ``"larger"``: the
    increase; ``"smaller"``: the decrease. ``inf`` if no change can be detected.

    Means (give ``sd``, the score SD): ``d * sd`` with ``d`` from statsmodels
    ``TTestIndPower`` (noncentral t).

    Parameters
    ----------
    p_before : float, optional
        Baseline rate in [0, 1].
    n_before : int
        Sample size of the previous period.
    n_after : int, optional
        Sample size of the current period (default ``n_before``).
    sd : float, optional
        Standard deviation of individual scores (means only).
    alpha, power, alternative :
        Test level, power and H1 as in :func:`compare_rates`.
    method : {"score", "score_cc", "arcsine"}, default "score"

    Returns
    -------
    float
        A proportion for rates (0.05 = 5 percentage points), score points for means.
    """
    owner = "minimum_detectable_change"
    alpha, alternative, power = _check_common(owner, alpha, alternative, power)
    method = check_literal(method, "method", owner, get_args(PowerMethod))
    n1 = check_count(n_before, "n_before", owner) if n_before is not None else None
    if n1 is None or n1 < 1:
        raise param_error("n_before", owner, "a positive integer", n_before)
    n2 = n1 if n_after is None else check_count(n_after, "n_after", owner)
    if n2 < 1:
        raise param_error("n_after", owner, "a positive integer", n_after)
    if (p_before is None) == (sd is None):
        raise param_error("p_before", owner, "given (rates) or sd given (means), not both", p_before)
    if sd is not None:
        sd = float(check_positive(sd, "sd", owner))
        return _st.mdc_mean_sd(sd, n1, n2, alpha, power, alternative)
    if not is_real(p_before) or not 0 <= float(p_before) <= 1:
        raise param_error("p_before", owner, "a float in [0, 1]", p_before)
    return _st.mdc_rate(float(p_before), n1, n2, alpha, power, alternative, method)


def required_sample_size(
    p_before: float | None = None,
    p_after: float | None = None,
    *,
    change: float | None = None,
    sd: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
    method: PowerMethod = "score",
) -> int:
    """Surveys needed in the previous period to detect a named change with ``power``.

    Rates (``p_before -> p_after``, e.g. 0.85 -> 0.90): ``method="score"`` (default) is
    the Fleiss (1981) formula matching the score test,
    ``n = [z_a sqrt(pbar qbar (1 + 1/r)) + z_b sqrt(p1 q1 + p2 q2 / r)]^2 / (p2 - p1)^2``
    with ``pbar = (p1 + r p2) / (1 + r)`` (686 per group for 0.85 -> 0.90 at 80 % / 0.05
    two-sided); ``"score_cc"`` adds the Fleiss-Tytun-Ury continuity correction (726);
    ``"arcsine"`` uses Cohen's h with statsmodels ``NormalIndPower`` (681).
    Means (``change`` and ``sd``): statsmodels ``TTestIndPower``.

    Parameters
    ----------
    p_before, p_after : float, optional
        Rates of the two periods (rates).
    change, sd : float, optional
        Mean change worth detecting and the SD of individual scores (means).
    alpha, power, alternative :
        As in :func:`compare_rates`.
    ratio : float, default 1.0
        ``n_after / n_before``.
    method : {"score", "score_cc", "arcsine"}, default "score"

    Returns
    -------
    int
        ``n_before`` (rounded up); the current period needs ``ceil(ratio * n_before)``.
    """
    owner = "required_sample_size"
    alpha, alternative, power = _check_common(owner, alpha, alternative, power)
    method = check_literal(method, "method", owner, get_args(PowerMethod))
    ratio = float(check_positive(ratio, "ratio", owner))
    if sd is not None or change is not None:
        if p_before is not None or p_after is not None:
            raise param_error("p_before", owner, "None when change and sd are given", p_before)
        sd = float(check_positive(sd, "sd", owner))
        if not is_real(change) or float(change) == 0 or not math.isfinite(float(change)):
            raise param_error("change", owner, "a non-zero float", change)
        n = _st.required_n_mean(float(change), sd, alpha, power, ratio, alternative)
        return int(math.ceil(n - 1e-9))
    for name, v in (("p_before", p_before), ("p_after", p_after)):
        if not is_real(v) or not 0 <= float(v) <= 1:
            raise param_error(name, owner, "a float in [0, 1]", v)
    if float(p_before) == float(p_after):
        raise param_error("p_after", owner, "different from p_before", p_after)
    n = _st.required_n_rate(float(p_before), float(p_after), alpha, power, ratio, alternative, method)
    return int(math.ceil(n - 1e-9))

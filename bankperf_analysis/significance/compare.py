"""Change tests: whether a KPI changed between two periods.

Compare a KPI between two periods (before vs after) with the method its type needs:

=============================  ===================  =======================================
KPI type                       function             method
=============================  ===================  =======================================
rate (satisfied share,         ``compare_rates``    score test (Miettinen-Nurminen
resolution, service level)                          corrected by default) + Newcombe
                                                    (1998) hybrid score interval;
                                                    Boschloo exact test when a cell is small
mean (1-10 surveys,            ``compare_means``    Welch t with interval; Mann-Whitney U
0-100 mystery shopper)                              as a check
ordinal (1-5 complaint         ``compare_ordinal``  proportional-odds model; effect as
resolution satisfaction)                            P(after > before) + 0.5 P(tie)
=============================  ===================  =======================================

``compare_periods`` dispatches on the KPI type. Every comparison returns a
:class:`~bankperf_analysis.significance.result.ChangeTestResult` whose
``verdict(lang="en"|"zh")`` is a one-sentence summary for managers. Many entities at once
with multiple-testing control: :mod:`~bankperf_analysis.significance.multiple`; what a
sample can detect: :mod:`~bankperf_analysis.significance.power`; fair league tables:
:mod:`~bankperf_analysis.significance.league`.

Conventions: ``diff`` is always *after - before*; rates are proportions in [0, 1] in the
results and percentage points in the verdicts; the alternative ``"larger"`` means H1: the
KPI is higher after.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
from scipy import special, stats

from bankperf_analysis._validation import (
    check_choice,
    check_count,
    check_positive,
    check_unit_interval,
    param_error,
    warn,
)
from bankperf_analysis.exceptions import (
    ConvergenceWarning,
    DataValidationError,
    InconclusiveWarning,
    SmallSampleWarning,
    ValidationIssue,
)
from bankperf_analysis.significance import stats as _st
from bankperf_analysis.significance._checks import check_scores
from bankperf_analysis.significance.result import ChangeTestResult
from bankperf_analysis.significance.verdict import SCORE_TEST_NAMES

__all__ = [
    "Alternative",
    "KpiKind",
    "RateMethod",
    "ExactTest",
    "compare_rates",
    "compare_means",
    "compare_ordinal",
    "compare_periods",
]

Alternative = Literal["two-sided", "larger", "smaller"]
KpiKind = Literal["rate", "mean", "ordinal"]
RateMethod = Literal["auto", "score", "exact"]
ExactTest = Literal["boschloo", "fisher"]

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


def check_common(owner: str, alpha: Any, alternative: Any, power: Any) -> tuple[float, Alternative, float]:
    """Validate the level, the alternative and the power every comparison takes."""
    return (
        check_unit_interval(alpha, "alpha", owner),
        check_choice(alternative, "alternative", owner, Alternative),
        check_unit_interval(power, "power", owner),
    )


def _one_sided(
    lo2: float, hi2: float, alternative: str, low_end: float, high_end: float
) -> tuple[float, float]:
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
    warn(f"{owner}: no data for {which}; the result holds NaNs.", SmallSampleWarning)
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


def _maybe_warn_inconclusive(res: ChangeTestResult, owner: str, warn_inconclusive: bool) -> None:
    if warn_inconclusive and res.inconclusive:
        warn(
            f"{owner}: not significant, but changes smaller than {res.mdc:.4g} (on the scale "
            f"of diff) cannot be detected with n = {res.n_before} vs {res.n_after}.",
            InconclusiveWarning,
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
    correction: bool = True,
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
        correction=correction)``). ``"exact"``: ``exact_test``. ``"auto"``: the exact test
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
    correction : bool, default True
        Score-test variant. ``True`` (statsmodels' default): the pooled variance times ``N /
        (N - 1)``, ``N = n_before + n_after`` (Miettinen & Nurminen 1985); ``False``: the plain
        pooled z test (its square is Pearson's chi-square). ``method`` and the verdict say which.

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
    >>> res.verdict(kpi_label="Satisfaction")  # doctest: +NORMALIZE_WHITESPACE
    'Satisfaction fell 4.0 percentage points (95 % CI -7.3 to -0.7),
    statistically significant (corrected score test)'
    >>> res.verdict("zh", kpi_label="满意度")
    '满意度下降 4.0 个百分点（95 % 置信区间 -7.3 至 -0.7），统计显著（校正得分检验）'
    """
    owner = "compare_rates"
    alpha, alternative, power = check_common(owner, alpha, alternative, power)
    options = _check_rate_options(owner, method, exact_test, min_expected, relevant_change, correction)
    counts = _check_rate_counts(owner, x_before, n_before, x_after, n_after)
    res = _rate_result(owner, counts, alpha, alternative, power, *options)
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


def _check_rate_options(
    owner: str, method: Any, exact_test: Any, min_expected: Any, relevant_change: Any, correction: Any
) -> tuple[str, str, float, float, bool]:
    """``method, exact_test, min_expected, relevant_change, correction`` of :func:`compare_rates`."""
    if not isinstance(correction, bool | np.bool_):
        raise param_error("correction", owner, "True or False", correction)
    return (
        check_choice(method, "method", owner, RateMethod),
        check_choice(exact_test, "exact_test", owner, ExactTest),
        check_positive(min_expected, "min_expected", owner),
        check_positive(relevant_change, "relevant_change", owner),
        bool(correction),
    )


def _check_rate_counts(
    owner: str, x_before: Any, n_before: Any, x_after: Any, n_after: Any
) -> tuple[int, ...]:
    """``x_b, n_b, x_a, n_a`` as counts, each ``x`` at most its ``n``."""
    n_b = check_count(n_before, "n_before", owner)
    n_a = check_count(n_after, "n_after", owner)
    x_b = check_count(x_before, "x_before", owner, upper=n_b, upper_name="n_before")
    x_a = check_count(x_after, "x_after", owner, upper=n_a, upper_name="n_after")
    return x_b, n_b, x_a, n_a


def _rate_result(
    owner: str,
    counts: tuple[int, ...],
    alpha: float,
    alternative: str,
    power: float,
    method: str,
    exact_test: str,
    min_expected: float,
    relevant: float,
    correction: bool,
) -> ChangeTestResult:
    """Interval, test and minimum detectable change of validated counts."""
    x_b, n_b, x_a, n_a = counts
    est_b = x_b / n_b if n_b else _NAN
    est_a = x_a / n_a if n_a else _NAN
    if n_b == 0 or n_a == 0:
        return _no_data(owner, "rate", n_b, n_a, alpha, alternative, est_b, est_a, relevant)
    lo2, hi2 = _st.newcombe_interval(x_a, n_a, x_b, n_b, alpha if alternative == "two-sided" else 2 * alpha)
    lo, hi = float(lo2), float(hi2)
    if alternative != "two-sided":
        lo, hi = _one_sided(lo, hi, alternative, -1.0, 1.0)
    stat, p, test_name, notes = _rate_test(
        owner, counts, alternative, method, exact_test, min_expected, correction
    )
    return ChangeTestResult(
        statistic=stat,
        pvalue=p,
        diff=est_a - est_b,
        ci_low=lo,
        ci_high=hi,
        n_before=n_b,
        n_after=n_a,
        method=f"{test_name}; Newcombe hybrid score interval",
        alternative=alternative,
        kind="rate",
        estimate_before=est_b,
        estimate_after=est_a,
        alpha=alpha,
        mdc=_st.mdc_rate(est_b, n_b, n_a, alpha, power, alternative, "score"),
        relevant_change=relevant,
        notes=tuple(notes),
    )


def _rate_test(
    owner: str,
    counts: tuple[int, ...],
    alternative: str,
    method: str,
    exact_test: str,
    min_expected: float,
    correction: bool,
) -> tuple[float, float, str, list[str]]:
    """``statistic, pvalue, test name, notes``: the score test, or the exact test for a small table."""
    x_b, n_b, x_a, n_a = counts
    expected = _st.expected_cells(x_a, n_a, x_b, n_b)
    zero_cell = min(x_a, n_a - x_a, x_b, n_b - x_b) == 0
    small = bool(expected.min() < min_expected - 1e-9 or zero_cell)
    notes: list[str] = []
    if not (method == "exact" or (method == "auto" and small)):
        stat, p = _st.score_test(x_a, n_a, x_b, n_b, alternative, correction)
        if small:
            notes.append("small expected counts: the score test may be inaccurate")
        return stat, p, SCORE_TEST_NAMES[correction], notes
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
        msg = f"{owner}: {why} in {x_b}/{n_b} vs {x_a}/{n_a}; used the {test_name} instead of the score test."
        notes.append(msg.split(": ", 1)[1])
        warn(msg, SmallSampleWarning)
    return stat, p, test_name, notes


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
    alpha, alternative, power = check_common(owner, alpha, alternative, power)
    rel = check_positive(relevant_change, "relevant_change", owner, allow_none=True)
    b = check_scores(scores_before, "scores_before", owner)
    a = check_scores(scores_after, "scores_after", owner)
    res = _mean_result(owner, b, a, alpha, alternative, power, rel, check)
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


def _mean_result(
    owner: str,
    b: np.ndarray,
    a: np.ndarray,
    alpha: float,
    alternative: str,
    power: float,
    rel: float | None,
    check: bool,
) -> ChangeTestResult:
    """Welch t test, interval and minimum detectable change of validated scores."""
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
    stat, df, p, lo, hi, mdc = _welch_test(owner, a, b, se, alpha, alternative, power, notes)
    return ChangeTestResult(
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


def _welch_test(
    owner: str,
    a: np.ndarray,
    b: np.ndarray,
    se: float,
    alpha: float,
    alternative: str,
    power: float,
    notes: list[str],
) -> tuple[float, float, float, float, float, float]:
    """``statistic, df, pvalue, ci_low, ci_high, mdc`` of Welch's t.

    NaNs, a note and a warning when the test is undefined: fewer than 2 scores in a
    period, or no variation.
    """
    if not math.isfinite(se):
        msg = f"Welch t needs at least 2 scores per period (n = {b.size} vs {a.size})"
        notes.append(msg)
        warn(f"{owner}: {msg}; test values are NaN.", SmallSampleWarning)
        return _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
    if se == 0:
        msg = "no variation in the scores of either period; the t test is undefined"
        notes.append(msg)
        warn(f"{owner}: {msg}.", SmallSampleWarning)
        return _NAN, _NAN, _NAN, _NAN, _NAN, _NAN
    stat, df, p, lo, hi, se = _st.welch(a, b, alpha, alternative)
    q = 1 - alpha / 2 if alternative == "two-sided" else 1 - alpha
    mdc = (float(special.stdtrit(df, q)) + float(special.stdtrit(df, power))) * se
    return stat, df, p, lo, hi, mdc


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

    See Also
    --------
    ordinal_regression : the same model with covariates (channel, branch, tenure), from a
        formula or a list of columns, with the Brant proportional-odds check.
    """
    owner = "compare_ordinal"
    alpha, alternative, power = check_common(owner, alpha, alternative, power)
    relevant = check_positive(relevant_change, "relevant_change", owner)
    b = check_scores(scores_before, "scores_before", owner)
    a = check_scores(scores_after, "scores_after", owner)
    notes = _check_levels(levels, b, a)
    res = _ordinal_result(owner, b, a, alpha, alternative, power, relevant, notes)
    _maybe_warn_inconclusive(res, owner, warn_inconclusive)
    return res


def _check_levels(levels: Sequence[float] | None, b: np.ndarray, a: np.ndarray) -> list[str]:
    """Refuse scores outside ``levels``; note the levels absent from both periods."""
    notes: list[str] = []
    if levels is None:
        return notes
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
    return notes


def _ordinal_result(
    owner: str,
    b: np.ndarray,
    a: np.ndarray,
    alpha: float,
    alternative: str,
    power: float,
    relevant: float,
    notes: list[str],
) -> ChangeTestResult:
    """Probabilistic index with its interval, and the proportional-odds test, of validated scores."""
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
    zc = _st.z_crit(alpha, alternative)
    mdc = (zc + float(special.ndtri(power))) * math.sqrt((n_a + n_b + 1) / (12 * n_a * n_b))
    return ChangeTestResult(
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
        **_ordinal_test(owner, a, b, alpha, alternative, notes),
    )


def _ordinal_test(
    owner: str, a: np.ndarray, b: np.ndarray, alpha: float, alternative: str, notes: list[str]
) -> dict[str, Any]:
    """Test fields of an ordinal comparison: the proportional-odds Wald test.

    Mann-Whitney U instead when the model is not identifiable (all scores equal) or its
    fit fails.
    """
    mw = stats.mannwhitneyu(a, b, alternative=_ALT_SCIPY[alternative])
    if np.unique(np.concatenate([a, b])).size < 2:
        msg = "all scores are equal; the proportional-odds model is not identifiable"
        warn(f"{owner}: {msg}; reporting the Mann-Whitney U test.", SmallSampleWarning)
        return dict(
            statistic=float(mw.statistic),
            pvalue=float(mw.pvalue),
            method="Mann-Whitney U test (no variation in scores)",
            notes=(*notes, msg),
        )
    beta, se, failure = _st.ordinal_fit(a, b)
    if failure:
        msg = f"proportional-odds fit failed ({failure})"
        warn(f"{owner}: {msg}; fell back to the Mann-Whitney U test.", ConvergenceWarning)
        return dict(
            statistic=float(mw.statistic),
            pvalue=float(mw.pvalue),
            method="Mann-Whitney U test (proportional-odds fit failed)",
            notes=(*notes, msg),
        )
    z = beta / se
    z2 = float(stats.norm.ppf(1 - alpha / 2))
    return dict(
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
    )


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
    kind = check_choice(kind, "kind", "compare_periods", KpiKind)
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

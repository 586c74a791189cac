"""Ordinal outcomes with covariates: the proportional-odds (cumulative link) model.

:func:`ordinal_regression` fits ``P(Y <= j | x) = F(theta_j - x'beta)`` (``F`` the logistic
or the normal distribution function) with statsmodels' ``OrderedModel``, on a DataFrame,
from a formula (``"score ~ treated + C(channel) + tenure"``) or from a list of columns.
A positive ``beta`` means higher scores are more likely. The result,
:class:`OrdinalRegressionResult`, gives coefficients (log-odds for the logit link), standard
errors, Wald z, p-values and intervals, odds ratios, thresholds, the log-likelihood and
verdict sentences in English and Chinese; :meth:`OrdinalRegressionResult.brant` checks the
proportional-odds assumption (:func:`~bankperf_analysis.significance.brant.brant_test`).
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._i18n_ordinal import ordinal_text
from bankperf_analysis._summary import Summary, Table, fmt_float
from bankperf_analysis._validation import (
    check_choice,
    check_column,
    check_frame,
    check_unit_interval,
    param_error,
)
from bankperf_analysis.exceptions import ConvergenceWarning
from bankperf_analysis.numbers import fmt_number, p_text
from bankperf_analysis.significance._ordinal_data import (
    check_design,
    check_missing,
    column_design,
    formula_design,
    outcome_codes,
)

if TYPE_CHECKING:
    from bankperf_analysis.significance.brant import BrantResult

__all__ = ["Link", "OrdinalRegressionResult", "ordinal_regression"]

Link = Literal["logit", "probit"]
_OWNER = "ordinal_regression"


@dataclass(frozen=True, slots=True)
class OrdinalRegressionResult:
    """A fitted proportional-odds (cumulative link) model.

    The model is ``P(Y <= j | x) = F(theta_j - x'beta)``, ``j = 1 .. J-1``: a positive
    coefficient makes higher scores more likely. With ``link="logit"`` the coefficients are
    log odds ratios of a higher score (the same for every cut ``j``: the proportional-odds
    assumption, see :meth:`brant`); with ``"probit"`` they are shifts on a standard normal
    latent scale and no odds ratio is given.

    Attributes
    ----------
    terms : tuple of str
        Covariate names (dummies of a categorical column as ``col[T.level]``).
    coef, std_error, statistic, pvalue, ci_low, ci_high : tuple of float
        Per term: estimate, standard error (inverse observed information), Wald
        ``z = coef / std_error``, two-sided p-value of H0: ``beta = 0`` against H1:
        ``beta != 0``, and the ``1 - alpha`` Wald interval.
    thresholds, threshold_se : tuple of float
        The cut-points ``theta_1 < ... < theta_{J-1}`` (named ``"1|2"``, ...) and their SEs.
    levels, counts : tuple
        The outcome levels found, lowest first, and the number of observations of each.
    outcome, formula, link : str
    n : int
    loglik, loglik_null : float
        Log-likelihood of the model and of the thresholds-only model.
    converged : bool
    alpha : float
    cov : numpy.ndarray
        Covariance of ``(coef, thresholds)`` in that order.
    notes : tuple of str
        The levels found, and caveats (non-convergence).
    exog, codes : numpy.ndarray
        The design matrix (no constant) and the 0-based outcome codes the model was fitted
        on, kept for :func:`brant_test`.
    """

    terms: tuple[str, ...]
    coef: tuple[float, ...]
    std_error: tuple[float, ...]
    statistic: tuple[float, ...]
    pvalue: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    thresholds: tuple[float, ...]
    threshold_se: tuple[float, ...]
    levels: tuple[Any, ...]
    counts: tuple[int, ...]
    outcome: str
    formula: str
    link: str
    n: int
    loglik: float
    loglik_null: float
    converged: bool
    alpha: float
    cov: np.ndarray = field(repr=False, compare=False)
    notes: tuple[str, ...] = ()
    exog: np.ndarray = field(default_factory=lambda: np.empty((0, 0)), repr=False, compare=False)
    codes: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int64), repr=False, compare=False)

    # -- derived ------------------------------------------------------------------
    @property
    def threshold_names(self) -> tuple[str, ...]:
        """``"1|2"``, ``"2|3"``, ...: the cut between two neighbouring levels."""
        return tuple(f"{a}|{b}" for a, b in zip(self.levels[:-1], self.levels[1:], strict=True))

    @property
    def odds_ratio(self) -> tuple[float, ...]:
        """``exp(coef)``: the factor on the odds of a higher score (NaN for the probit link)."""
        return self._exp(self.coef)

    @property
    def or_ci_low(self) -> tuple[float, ...]:
        """Lower end of the odds ratio's ``1 - alpha`` interval (NaN for probit)."""
        return self._exp(self.ci_low)

    @property
    def or_ci_high(self) -> tuple[float, ...]:
        """Upper end of the odds ratio's ``1 - alpha`` interval (NaN for probit)."""
        return self._exp(self.ci_high)

    def _exp(self, values: tuple[float, ...]) -> tuple[float, ...]:
        return tuple(math.exp(v) if self.link == "logit" else math.nan for v in values)

    def _index(self, term: str | None) -> int:
        if term is None:
            return 0
        if term not in self.terms:
            raise param_error(
                "term", "OrdinalRegressionResult.verdict", "one of " + ", ".join(self.terms), term
            )
        return self.terms.index(term)

    # -- API --------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """Tidy table: one row per coefficient, then one per threshold (``kind`` tells which)."""
        rows = pd.DataFrame(
            {
                "term": self.terms,
                "kind": "coefficient",
                "estimate": self.coef,
                "std_error": self.std_error,
                "statistic": self.statistic,
                "pvalue": self.pvalue,
                "ci_low": self.ci_low,
                "ci_high": self.ci_high,
                "odds_ratio": self.odds_ratio,
                "or_ci_low": self.or_ci_low,
                "or_ci_high": self.or_ci_high,
            }
        )
        th = pd.DataFrame(
            {
                "term": self.threshold_names,
                "kind": "threshold",
                "estimate": self.thresholds,
                "std_error": self.threshold_se,
            }
        )
        return pd.concat([rows, th], ignore_index=True)

    def verdict(self, lang: Literal["en", "zh"] = "en", term: str | None = None) -> str:
        """One sentence on one covariate (default: the first), e.g.

        "treated: higher scores more likely (odds ratio 1.52, 95 % CI 1.10 to 2.10),
        statistically significant (p = 0.011)".
        """
        check_choice(lang, "lang", "OrdinalRegressionResult.verdict", ("en", "zh"))
        i = self._index(term)
        level = f"{(1 - self.alpha) * 100:.10g}"
        if self.link == "logit":
            effect = ordinal_text("ordinal_or", lang, value=fmt_number(self.odds_ratio[i], 2, grouping=False))
            lo, hi = self.or_ci_low[i], self.or_ci_high[i]
        else:
            effect = ordinal_text("ordinal_latent", lang, value=fmt_number(self.coef[i], 2, grouping=False))
            lo, hi = self.ci_low[i], self.ci_high[i]
        ci = ordinal_text(
            "ordinal_ci",
            lang,
            level=level,
            lo=fmt_number(lo, 2, grouping=False),
            hi=fmt_number(hi, 2, grouping=False),
        )
        significant = self.pvalue[i] < self.alpha
        key = "ordinal_flat" if not significant else "ordinal_up" if self.coef[i] > 0 else "ordinal_down"
        head = ordinal_text(key, lang, term=term_label(self.terms[i]), effect=effect, ci=ci)
        sure = ordinal_text("ordinal_sig" if significant else "ordinal_noise", lang)
        return (
            head
            + ordinal_text("ordinal_sep", lang)
            + sure
            + ordinal_text("ordinal_paren", lang, text=p_text(self.pvalue[i]))
        )

    def verdicts(self, lang: Literal["en", "zh"] = "en") -> tuple[str, ...]:
        """The verdict sentence of every covariate."""
        return tuple(self.verdict(lang, t) for t in self.terms)

    def brant(self) -> BrantResult:
        """Brant (1990) test of the proportional-odds assumption, see :func:`brant_test`."""
        from bankperf_analysis.significance.brant import brant_test

        return brant_test(self)

    def summary(self) -> Summary:
        """Notebook-friendly summary: fit facts, the coefficient and threshold tables, verdicts."""
        frame = self.to_frame()
        coefs = frame[frame["kind"] == "coefficient"].drop(columns="kind")
        if self.link != "logit":
            coefs = coefs.drop(columns=["odds_ratio", "or_ci_low", "or_ci_high"])
        th = frame[frame["kind"] == "threshold"][["term", "estimate", "std_error"]]
        facts = [
            ("outcome", f"{self.outcome} ({', '.join(map(str, self.levels))})"),
            (
                "model",
                f"cumulative {self.link} (proportional odds)"
                if self.link == "logit"
                else "cumulative probit",
            ),
            ("formula", self.formula),
            ("n", str(self.n)),
            ("log-likelihood", fmt_float(self.loglik)),
            ("LR chi2 vs thresholds only", fmt_float(2 * (self.loglik - self.loglik_null))),
            ("converged", str(self.converged)),
        ]
        notes = [*self.verdicts("en"), *self.verdicts("zh"), *self.notes]
        return Summary(
            "Ordinal regression",
            facts=facts,
            tables=[Table("Coefficients", coefs), Table("Thresholds", th)],
            notes=notes,
            float_format=fmt_float,
        )


def term_label(name: str) -> str:
    """A readable term: ``C(channel)[T.phone]`` and ``channel[T.phone]`` read ``channel = phone``.

    Examples
    --------
    >>> term_label("C(channel)[T.phone]"), term_label("tenure")
    ('channel = phone', 'tenure')
    """
    m = re.fullmatch(r"(?:C\()?([^\[\](),]+)(?:,[^\]]*)?\)?\[T\.(.+)\]", name)
    return f"{m.group(1).strip()} = {m.group(2)}" if m else name


def ordinal_regression(
    data: pd.DataFrame,
    formula: str | None = None,
    *,
    outcome: str | None = None,
    covariates: Sequence[str] | None = None,
    categories: Sequence[Any] | None = None,
    link: Link = "logit",
    alpha: float = 0.05,
) -> OrdinalRegressionResult:
    """Fit a proportional-odds (cumulative logit) or cumulative probit model with covariates.

    The model is ``P(Y <= j | x) = F(theta_j - x'beta)``, ``j = 1 .. J-1``, fitted by
    maximum likelihood with statsmodels ``OrderedModel`` (BFGS to a gradient of 1e-8).
    H0 of each coefficient's Wald test: ``beta = 0`` (the covariate does not shift the
    scores); H1: ``beta != 0``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per rated case.
    formula : str, optional
        ``"score ~ treated + C(channel) + tenure"`` (statsmodels' formula syntax; the
        constant is dropped, the thresholds play its part). Either ``formula`` or
        ``outcome`` with ``covariates``.
    outcome : str, optional
        The ordinal column: an *ordered* pandas Categorical, or integer scores (1-5, 1-10;
        their levels are the values found, lowest first, unless ``categories`` says more).
        Unordered strings are refused: give their order in ``categories``.
    covariates : sequence of str, optional
        Columns: numbers enter as they are; booleans, strings and categoricals as treatment
        dummies against their first level (``col[T.level]``).
    categories : sequence, optional
        The levels of the outcome, lowest first. A declared level with no observation is
        refused (its threshold would not exist).
    link : {"logit", "probit"}, default "logit"
    alpha : float, default 0.05
        ``1 - alpha`` intervals.

    Returns
    -------
    OrdinalRegressionResult

    Raises
    ------
    ParamsError
        Bad arguments (unknown column, unordered outcome, both or neither API).
    DataValidationError
        Missing values in a column the model uses (column and rows named), outcome values
        outside ``categories``, a declared level with no observation, a constant or
        collinear covariate, or perfectly separated scores (no finite estimate exists).
    InsufficientSampleError
        Fewer than two outcome levels.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"treated": rng.integers(0, 2, 400), "tenure": rng.normal(5, 2, 400),
    ...                    "channel": rng.choice(["branch", "phone"], 400)})
    >>> latent = 0.8 * df.treated + 0.2 * df.tenure + rng.logistic(size=400)
    >>> df["score"] = np.digitize(latent, [0, 1, 2, 3]) + 1
    >>> res = ordinal_regression(df, "score ~ treated + C(channel) + tenure")
    >>> res.levels, res.terms
    ((1, 2, 3, 4, 5), ('C(channel)[T.phone]', 'treated', 'tenure'))
    >>> print(res.verdict("en", "treated"))  # doctest: +NORMALIZE_WHITESPACE
    treated: higher scores more likely (odds ratio 2.34, 95 % CI 1.63 to 3.35),
    statistically significant (p < 0.001)
    >>> same = ordinal_regression(df, outcome="score", covariates=["channel", "treated", "tenure"])
    >>> bool(np.allclose(res.coef, same.coef))
    True
    """
    data = check_frame(data, "data", _OWNER)
    link = check_choice(link, "link", _OWNER, Link)
    alpha = check_unit_interval(alpha, "alpha", _OWNER)
    exog, names, codes, levels, counts, out_col, text = _design(
        data, formula, outcome, covariates, categories
    )
    check_design(exog, names, codes, len(levels), _OWNER)
    return _fit(exog, names, codes, levels, counts, out_col, text, link, alpha)


def _design(
    data: pd.DataFrame,
    formula: str | None,
    outcome: str | None,
    covariates: Sequence[str] | None,
    categories: Sequence[Any] | None,
) -> tuple[np.ndarray, list[str], np.ndarray, tuple[Any, ...], tuple[int, ...], str, str]:
    """Validated design, outcome codes, levels and counts from either API."""
    if (formula is None) == (outcome is None):
        raise param_error(
            "formula",
            _OWNER,
            "given, or else outcome= and covariates= (exactly one of the two ways)",
            formula,
        )
    if formula is not None:
        if covariates is not None:
            raise param_error("covariates", _OWNER, "None when a formula is given", covariates)
        out_col, rhs, used = formula_design(formula, data, _OWNER)
        check_missing(data, [out_col, *used], _OWNER)
        codes, levels, counts = outcome_codes(data[out_col], categories, out_col, _OWNER)
        exog, names = _formula_exog(data, out_col, rhs, used)
        text = f"{out_col} ~ {rhs}"
    else:
        out_col = check_column(data, outcome, "outcome", _OWNER)
        if isinstance(covariates, str) or not isinstance(covariates, Sequence) or not covariates:
            raise param_error("covariates", _OWNER, "a non-empty list of column names", covariates)
        cols = [check_column(data, c, "covariates", _OWNER) for c in covariates]
        check_missing(data, [out_col, *cols], _OWNER)
        codes, levels, counts = outcome_codes(data[out_col], categories, out_col, _OWNER)
        exog, names = column_design(data, cols, _OWNER)
        text = f"{out_col} ~ {' + '.join(cols)}"
    return exog, names, codes, levels, counts, out_col, text


def _formula_exog(
    data: pd.DataFrame, out_col: str, rhs: str, used: list[str]
) -> tuple[np.ndarray, list[str]]:
    """The design matrix of the right side, built by statsmodels' formula engine (constant dropped)."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    frame = data[[*used]].copy() if used else data.iloc[:, :0].copy()
    frame["_y_"] = np.arange(len(data)) % 2  # a placeholder outcome: only the design is kept
    try:
        model = OrderedModel.from_formula(f"_y_ ~ {rhs}", frame, distr="logit")
    except Exception as exc:  # the formula engine's own message says what it could not read
        raise param_error(
            "formula", _OWNER, f"a formula statsmodels can read ({exc})", f"{out_col} ~ {rhs}"
        ) from None
    exog = np.asarray(model.exog, dtype=float)
    return exog, list(model.exog_names)[: exog.shape[1]]  # exog_names ends with the thresholds'


def _with_score(base: Any) -> Any:
    """``OrderedModel`` with the analytic gradient of its log-likelihood.

    statsmodels differentiates numerically (2 (p + J) likelihood evaluations per gradient);
    the likelihood, the optimiser and the (numerical) Hessian behind the standard errors stay
    statsmodels'.

    With ``l_i = log(F(u_i) - F(v_i))``, ``u_i = theta_{y_i} - x_i'b`` and
    ``v_i = theta_{y_i - 1} - x_i'b``: ``dl/db = -x_i (f(u_i) - f(v_i)) / P_i`` and
    ``dl/dtheta_j = (f(u_i) 1{y_i = j} - f(v_i) 1{y_i = j + 1}) / P_i``, then the chain rule
    to statsmodels' ``(theta_1, log(theta_j - theta_{j-1}))``.
    """

    class _Ordered(base):
        def score(self, params: np.ndarray) -> np.ndarray:
            params = np.asarray(params, dtype=float)
            p = self.exog.shape[1]
            low, upp = self._bounds(params)
            prob = self.prob(low, upp) + 1e-20
            f_up = np.where(np.isfinite(upp), self.pdf(np.where(np.isfinite(upp), upp, 0.0)), 0.0) / prob
            f_lo = np.where(np.isfinite(low), self.pdf(np.where(np.isfinite(low), low, 0.0)), 0.0) / prob
            y = np.asarray(self.endog, dtype=np.int64)
            k = len(params) - p
            g_theta = (
                np.bincount(y, f_up, minlength=k + 1)[:k] - np.bincount(y, f_lo, minlength=k + 1)[1 : k + 1]
            )
            tail = np.cumsum(g_theta[::-1])[::-1]  # sum over j >= m of dl/dtheta_j
            g_raw = np.concatenate([[tail[0]], np.exp(params[p + 1 :]) * tail[1:]])
            return np.concatenate([-(self.exog.T @ (f_up - f_lo)), g_raw])

    return _Ordered


def _fit(
    exog: np.ndarray,
    names: list[str],
    codes: np.ndarray,
    levels: tuple[Any, ...],
    counts: tuple[int, ...],
    out_col: str,
    formula: str,
    link: str,
    alpha: float,
) -> OrdinalRegressionResult:
    """Fit OrderedModel on validated data and wrap the estimates."""
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    p, k = exog.shape[1], len(levels) - 1
    endog = pd.Series(pd.Categorical.from_codes(codes, categories=range(len(levels)), ordered=True))
    model = _with_score(OrderedModel)(endog, pd.DataFrame(exog, columns=names), distr=link)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statsmodels' own convergence warnings: reported below
        res = model.fit(method="bfgs", disp=False, maxiter=5000, gtol=1e-8)
        if not res.mle_retvals.get("converged", False):  # badly scaled covariates: Newton polishes
            res = model.fit(start_params=res.params, method="newton", disp=False, maxiter=100)
    params = np.asarray(res.params, dtype=float)
    cov_raw = np.asarray(res.cov_params(), dtype=float)
    # OrderedModel parametrises theta_1 and log-increments; map to the thresholds (delta method).
    thresholds = np.asarray(model.transform_threshold_params(params)[1:-1], dtype=float)
    jac = np.zeros((p + k, p + k))
    jac[:p, :p] = np.eye(p)
    incr = np.concatenate([[1.0], np.exp(params[p + 1 :])])
    for j in range(k):
        jac[p + j, p : p + j + 1] = incr[: j + 1]
    cov = jac @ cov_raw @ jac.T
    se = np.sqrt(np.diag(cov))
    converged = bool(res.mle_retvals.get("converged", False))
    notes = [ordinal_text("ordinal_levels_found", "en", levels=", ".join(map(str, levels)))]
    if not converged:
        notes.append("the optimiser did not converge: the estimates may be inaccurate")
        from bankperf_analysis._validation import warn

        warn(f"{_OWNER}: the fit did not converge; the estimates may be inaccurate.", ConvergenceWarning)
    z = params[:p] / se[:p]
    zc = float(stats.norm.ppf(1 - alpha / 2))
    # Thresholds only: the fitted probabilities are the observed shares, whatever the link.
    shares = np.asarray(counts, dtype=float) / len(codes)
    ll_null = float(np.sum(np.asarray(counts) * np.log(shares)))
    return OrdinalRegressionResult(
        terms=tuple(names),
        coef=tuple(params[:p].tolist()),
        std_error=tuple(se[:p].tolist()),
        statistic=tuple(z.tolist()),
        pvalue=tuple((2 * stats.norm.sf(np.abs(z))).tolist()),
        ci_low=tuple((params[:p] - zc * se[:p]).tolist()),
        ci_high=tuple((params[:p] + zc * se[:p]).tolist()),
        thresholds=tuple(thresholds.tolist()),
        threshold_se=tuple(se[p:].tolist()),
        levels=tuple(levels),
        counts=tuple(counts),
        outcome=out_col,
        formula=formula,
        link=link,
        n=len(codes),
        loglik=float(res.llf),
        loglik_null=ll_null,
        converged=converged,
        alpha=alpha,
        cov=cov,
        notes=tuple(notes),
        exog=exog,
        codes=codes,
    )

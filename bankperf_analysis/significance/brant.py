"""Brant's test of the proportional-odds assumption (Brant, R. 1990, Biometrics 46:1171-1178).

The proportional-odds model says one coefficient vector ``beta`` moves every cumulative
logit ``logit P(Y > j | x)``, ``j = 1 .. J-1``. Brant's test fits the ``J - 1`` binary logits
``1{Y > j} ~ 1 + x`` separately and asks, by a Wald test, whether their slopes agree.

The variance of the stacked binary estimates (Brant 1990, section 2; the same formula is
computed by Stata ``brant`` (Long & Freese) and R ``brant::brant``): with ``X`` the design
with a constant, ``pi_ij`` the fitted ``P(Y_i > j)`` of the j-th binary logit and, for
``j <= l``,

    W_jl = diag(pi_il - pi_ij pi_il)      (= pi_il (1 - pi_ij): 1{Y > l} implies 1{Y > j})

the covariance of ``(beta_j, beta_l)`` is

    V_jl = (X' W_jj X)^-1 (X' W_jl X) (X' W_ll X)^-1,

which for ``j = l`` is the usual ``(X' W_jj X)^-1``. Keep the slopes (drop the constants),
stack them as ``b = (b_1, .., b_{J-1})`` with covariance ``V``, and let ``D`` form the
differences ``b_1 - b_j``, ``j = 2 .. J-1``. Then

    X2 = (D b)' (D V D')^-1 (D b)  ~  chi2((J - 2) p)   under proportional odds,

and the test of one covariate ``k`` uses the rows of ``D`` for that slope only
(``J - 2`` degrees of freedom).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis._i18n_ordinal import ordinal_text
from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_unit_interval, param_error
from bankperf_analysis.exceptions import DataValidationError, InsufficientSampleError
from bankperf_analysis.numbers import fmt_number, p_text
from bankperf_analysis.significance._ordinal_data import check_design

if TYPE_CHECKING:
    from bankperf_analysis.significance.ordinal import OrdinalRegressionResult

__all__ = ["BrantResult", "brant_test", "brant_covariance"]

_OWNER = "brant_test"


@dataclass(frozen=True, slots=True)
class BrantResult:
    """Brant's Wald test of the proportional-odds (parallel slopes) assumption.

    Unpacks as ``statistic, pvalue = result`` (the omnibus test).

    H0: every covariate has the same slope in all ``J - 1`` cumulative logits; H1: some
    slope differs between cuts. A small p-value makes the assumption doubtful.

    Attributes
    ----------
    statistic, pvalue : float
        Omnibus chi-square and its p-value.
    df : int
        ``(J - 2) p``.
    terms : tuple of str
    term_statistic, term_pvalue : tuple of float
        Per-covariate chi-squares (``J - 2`` degrees of freedom each) and p-values.
    term_df : int
    slopes : numpy.ndarray
        ``(J - 1, p)``: the slopes of the separate binary logits ``1{Y > j}``.
    alpha : float
        Level at which the assumption is called doubtful.
    method : str
    """

    statistic: float
    pvalue: float
    df: int
    terms: tuple[str, ...]
    term_statistic: tuple[float, ...]
    term_pvalue: tuple[float, ...]
    term_df: int
    slopes: np.ndarray
    alpha: float = 0.05
    method: str = "Brant (1990) Wald test of parallel slopes across the J-1 binary logits"

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    def __iter__(self):
        return iter(getattr(self, name) for name in self._iter_fields)

    @property
    def holds(self) -> bool:
        """True when the omnibus test does not reject at ``alpha``."""
        return not (self.pvalue < self.alpha)

    @property
    def doubtful_terms(self) -> tuple[str, ...]:
        """Covariates whose own test rejects at ``alpha``."""
        return tuple(t for t, p in zip(self.terms, self.term_pvalue, strict=True) if p < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One row for the omnibus test, then one per covariate: ``test, chi2, df, pvalue``."""
        return pd.DataFrame(
            {
                "test": ["omnibus", *self.terms],
                "chi2": [self.statistic, *self.term_statistic],
                "df": [self.df, *([self.term_df] * len(self.terms))],
                "pvalue": [self.pvalue, *self.term_pvalue],
            }
        )

    def verdicts(self, lang: Literal["en", "zh"] = "en") -> tuple[str, ...]:
        """The omnibus sentence, then one per covariate ("... holds / is doubtful for X")."""
        from bankperf_analysis.significance.ordinal import term_label

        check_choice(lang, "lang", "BrantResult.verdicts", ("en", "zh"))

        def say(key: str, chi2: float, df: int, p: float, term: str = "") -> str:
            key = key + ("_holds" if not (p < self.alpha) else "_doubtful")
            return ordinal_text(
                key, lang, chi2=fmt_number(chi2, 2, grouping=False), df=df, p=p_text(p), term=term_label(term)
            )

        out = [say("ordinal_brant", self.statistic, self.df, self.pvalue)]
        out += [
            say("ordinal_brant_term", s, self.term_df, p, t)
            for t, s, p in zip(self.terms, self.term_statistic, self.term_pvalue, strict=True)
        ]
        return tuple(out)

    def verdict(self, lang: Literal["en", "zh"] = "en") -> str:
        """The omnibus sentence: "The proportional-odds assumption holds ..." or "... is doubtful ..."."""
        return self.verdicts(lang)[0]

    def summary(self) -> Summary:
        """Notebook-friendly summary: the table of tests and the sentences in both languages."""
        return Summary(
            "Brant test of the proportional-odds assumption",
            self.to_frame(),
            notes=[*self.verdicts("en"), *self.verdicts("zh"), self.method],
            float_format=fmt_float,
        )


def _binary_fits(x1: np.ndarray, codes: np.ndarray, k: int, terms: tuple[str, ...]) -> np.ndarray:
    """Coefficients ``(k, p + 1)`` of the binary logits ``1{Y > j} ~ 1 + x`` (statsmodels Logit).

    A cut whose binary logit has no finite estimate (separated scores, found exactly by the
    linear program of :func:`~bankperf_analysis.significance._ordinal_data.check_design`) is
    refused: the proportional-odds fit may exist while one of its binary splits does not.
    """
    import statsmodels.api as sm

    out = np.empty((k, x1.shape[1]))
    for j in range(k):
        split = (codes > j).astype(np.int64)
        try:
            check_design(x1[:, 1:], list(terms), split, 2, _OWNER)
        except DataValidationError as exc:
            raise InsufficientSampleError(
                f"{_OWNER}: the binary logit of 'score above level {j + 1}' has no finite estimate "
                f"({exc.issues[0].column}: scores separated at that cut); the Brant test needs every "
                "covariate estimable at every cut. Merge sparse extreme levels and refit."
            ) from None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            fit = sm.Logit(split.astype(float), x1).fit(method="newton", disp=False, maxiter=100)
        if not fit.mle_retvals.get("converged", False):
            raise InsufficientSampleError(
                f"{_OWNER}: the binary logit of 'score above level {j + 1}' did not converge."
            )
        out[j] = np.asarray(fit.params, dtype=float)
    return out


def brant_covariance(x1: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    """Joint covariance of the stacked binary-logit estimates (Brant 1990; module docstring).

    Parameters
    ----------
    x1 : numpy.ndarray
        ``(n, q)`` design with its constant column.
    coefs : numpy.ndarray
        ``(J - 1, q)``: the estimates of the binary logits ``1{Y > j} ~ x1``.

    Returns
    -------
    numpy.ndarray
        ``((J - 1) q, (J - 1) q)``, blocks ``V_jl`` in the order of ``coefs``' rows.
    """
    k, q = coefs.shape
    pi = 1.0 / (1.0 + np.exp(-(x1 @ coefs.T)))  # (n, k): fitted P(Y > j)
    inv = [np.linalg.inv(x1.T @ (x1 * (pi[:, j] * (1 - pi[:, j]))[:, None])) for j in range(k)]
    cov = np.empty((k * q, k * q))
    for j in range(k):
        for m in range(j, k):
            w = pi[:, m] - pi[:, j] * pi[:, m]
            block = inv[j] @ (x1.T @ (x1 * w[:, None])) @ inv[m]
            cov[j * q : (j + 1) * q, m * q : (m + 1) * q] = block
            cov[m * q : (m + 1) * q, j * q : (j + 1) * q] = block.T
    return cov


def _wald(diff: np.ndarray, cov: np.ndarray) -> float:
    return float(diff @ np.linalg.solve(cov, diff))


def brant_test(result: OrdinalRegressionResult, alpha: float | None = None) -> BrantResult:
    """Brant (1990) test of the proportional-odds assumption of a fitted logit model.

    H0: the slopes of the ``J - 1`` cumulative logits are equal (proportional odds); H1:
    they differ for some covariate. Omnibus and per-covariate Wald chi-squares, with the
    joint covariance of the separate binary logits (formula in the module docstring).

    Parameters
    ----------
    result : OrdinalRegressionResult
        A ``link="logit"`` fit of :func:`ordinal_regression` with at least 3 levels.
    alpha : float, optional
        Level at which the assumption is called doubtful (default: the fit's ``alpha``).

    Returns
    -------
    BrantResult

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from bankperf_analysis.significance import ordinal_regression
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"treated": rng.integers(0, 2, 600), "tenure": rng.normal(5, 2, 600)})
    >>> latent = 0.8 * df.treated + 0.3 * df.tenure + rng.logistic(size=600)
    >>> df["score"] = np.digitize(latent, [1, 2, 3]) + 1
    >>> brant = ordinal_regression(df, "score ~ treated + tenure").brant()
    >>> brant.df, brant.term_df, brant.holds
    (4, 2, True)
    """
    from bankperf_analysis.significance.ordinal import OrdinalRegressionResult

    if not isinstance(result, OrdinalRegressionResult):
        raise param_error(
            "result", _OWNER, "an OrdinalRegressionResult of ordinal_regression", type(result).__name__
        )
    if result.link != "logit":
        raise param_error(
            "result", _OWNER, "a fit with link='logit' (Brant's test is for proportional odds)", result.link
        )
    k = len(result.levels) - 1
    if k < 2:
        raise InsufficientSampleError(
            f"{_OWNER}: the outcome has 2 levels, so there is one cut and nothing to compare; "
            "the Brant test needs at least 3 levels."
        )
    alpha = result.alpha if alpha is None else check_unit_interval(alpha, "alpha", _OWNER)
    x1 = np.column_stack([np.ones(result.n), result.exog])
    p = result.exog.shape[1]
    coefs = _binary_fits(x1, result.codes, k, result.terms)
    cov_all = brant_covariance(x1, coefs)
    slope_idx = np.concatenate([j * (p + 1) + 1 + np.arange(p) for j in range(k)])
    b = coefs[:, 1:].reshape(-1)
    v = cov_all[np.ix_(slope_idx, slope_idx)]
    d = np.zeros(((k - 1) * p, k * p))
    for j in range(1, k):
        d[(j - 1) * p : j * p, :p] = np.eye(p)
        d[(j - 1) * p : j * p, j * p : (j + 1) * p] = -np.eye(p)
    db, dvd = d @ b, d @ v @ d.T
    chi2 = _wald(db, dvd)
    per = [_wald(db[t::p], dvd[t::p, t::p]) for t in range(p)]
    df = (k - 1) * p
    return BrantResult(
        statistic=chi2,
        pvalue=float(stats.chi2.sf(chi2, df)) if math.isfinite(chi2) else math.nan,
        df=df,
        terms=result.terms,
        term_statistic=tuple(per),
        term_pvalue=tuple(float(stats.chi2.sf(c, k - 1)) for c in per),
        term_df=k - 1,
        slopes=coefs[:, 1:].copy(),
        alpha=alpha,
    )

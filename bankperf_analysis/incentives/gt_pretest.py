"""Joint pre-test over all pre-period ATT(g, t), as R ``did`` reports it, and the cells' covariance.

R ``did`` (``summary(att_gt(...))``) prints "P-value for pre-test of parallel trends
assumption": a Wald chi-square test that every pre-adoption group-time effect is zero,
``W = b' V^-1 b ~ chi2(q)``, with ``V`` the covariance of the pre-period ATT(g, t) from their
influence functions. This is a different test from :func:`pretrend_test`, which tests the
event-time *aggregation* of the leads with an F(q, G - 1) reference: this one looks at every
cohort's pre-period cells separately (more restrictions, no averaging across cohorts).

The covariance here is the clustered one the ATT(g, t) standard errors use:
``V = G/(G-1) Psi Psi'`` with ``Psi`` the cluster sums of the cells' influence functions
(``StaggeredDiDResult.att_gt_influence()``), so its diagonal reproduces ``att_gt.std_error``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["GroupTimePreTestResult"]


@dataclass(frozen=True, slots=True)
class GroupTimePreTestResult:
    """Wald chi-square test that all pre-period ATT(g, t) are zero (the R ``did`` pre-test).

    Unpacks as ``statistic, pvalue = result``.

    H0: every pre-adoption group-time effect is 0; H1: at least one is not.

    Attributes
    ----------
    statistic : float
        ``W = b' V^+ b`` over the ``df`` pre-period cells (chi-square form).
    pvalue : float
        ``P(chi2(df) >= W)``; with few clusters the chi-square reference over-rejects (the
        covariance is estimated from ``n_clusters`` clusters).
    df : int
        Rank of the cells' covariance (number of independent restrictions).
    n_cells, n_clusters : int
    method : str
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    df: int
    n_cells: int
    n_clusters: int
    alpha: float
    method: str = "Wald chi-square over all pre-period ATT(g,t) (R did pre-test)"

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    @property
    def reject(self) -> bool:
        """Whether the joint null is rejected at ``alpha``."""
        return bool(self.pvalue < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "test": self.method,
                    "statistic": self.statistic,
                    "df": self.df,
                    "pvalue": self.pvalue,
                    "n_cells": self.n_cells,
                    "n_clusters": self.n_clusters,
                }
            ]
        )


def _gt_pretest(
    att: np.ndarray, vcov: np.ndarray, pre: np.ndarray, n_clusters: int, alpha: float
) -> GroupTimePreTestResult | None:
    """The pre-test of the cells flagged ``pre`` (None when none has a positive variance)."""
    keep = pre & (np.diag(vcov) > 0)
    if not keep.any():
        return None
    b = att[keep]
    v = vcov[np.ix_(keep, keep)]
    df = int(np.linalg.matrix_rank(v))
    w = float(b @ np.linalg.pinv(v) @ b)
    return GroupTimePreTestResult(
        statistic=w,
        pvalue=float(stats.chi2.sf(w, df)),
        df=df,
        n_cells=int(keep.sum()),
        n_clusters=n_clusters,
        alpha=alpha,
    )

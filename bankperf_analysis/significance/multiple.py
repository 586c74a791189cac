"""Many comparisons at once: one change test per entity, with multiple-testing control.

:func:`compare_many` runs :func:`~bankperf_analysis.significance.compare.compare_periods` for
every branch (or staff member...) and adjusts the p-values over them with
:func:`adjust_pvalues` (Benjamini-Hochberg by default, Holm or Bonferroni), so that a
table of 50 branches does not flag two of them by chance alone.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice, check_unit_interval, param_error, warn
from bankperf_analysis.exceptions import DataValidationError, InconclusiveWarning, ValidationIssue
from bankperf_analysis.significance.compare import KpiKind, compare_periods
from bankperf_analysis.significance.result import ChangeTestResult

__all__ = ["Correction", "compare_many", "adjust_pvalues"]

Correction = Literal["fdr_bh", "holm", "bonferroni", "none"]

_NAN = math.nan
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
    score_correction: bool | None = None,
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
    score_correction : bool, optional
        ``kind="rate"`` only: the ``correction`` (score-test variant) of
        :func:`~bankperf_analysis.significance.compare.compare_rates`, named apart from the
        multiplicity ``correction``. Default: compare_rates' default (Miettinen-Nurminen
        corrected, as statsmodels).
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
    kind = check_choice(kind, "kind", owner, KpiKind)
    correction = check_choice(correction, "correction", owner, Correction)
    alpha = check_unit_interval(alpha, "alpha", owner)
    if score_correction is not None:
        if kind != "rate":
            raise param_error("score_correction", owner, "None unless kind='rate'", score_correction)
        kwargs = {**kwargs, "correction": score_correction}
    data = _comparison_data(frame, kind, owner)
    names = frame[entity].tolist() if entity in frame.columns else frame.index.tolist()
    results, caught = _compare_rows(names, data, kind, alpha, kwargs)
    results = _adjust(results, correction, alpha)
    _warn_once(owner, caught, len(results))
    if warn_inconclusive:
        _warn_inconclusive(owner, names, results)
    return _many_frame(names, results, kpi_label)


def _comparison_data(frame: Any, kind: str, owner: str) -> pd.DataFrame:
    """The columns compared per row (rates: NaN counts, a period missing after a merge, as 0)."""
    if not isinstance(frame, pd.DataFrame):
        raise param_error("frame", owner, "a pandas DataFrame", type(frame).__name__)
    needed = _RATE_COLUMNS if kind == "rate" else _SCORE_COLUMNS
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [ValidationIssue("compare_many frame", "", None, c, "", "a column") for c in missing]
        )
    data = frame[list(needed)]
    if kind == "rate":  # a period missing after a merge shows up as NaN counts: treat as 0/0
        data = data.astype(float).fillna(0.0)
    return data


def _compare_rows(
    names: list[Any], data: pd.DataFrame, kind: KpiKind, alpha: float, kwargs: Mapping[str, Any]
) -> tuple[list[ChangeTestResult], dict[type[Warning], list[tuple[Any, str]]]]:
    """One comparison per row; the warnings they raise, gathered by class."""
    results: list[ChangeTestResult] = []
    caught: dict[type[Warning], list[tuple[Any, str]]] = {}
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
    return results, caught


def _adjust(results: list[ChangeTestResult], correction: Correction, alpha: float) -> list[ChangeTestResult]:
    """The results carrying their adjusted p-values (over the testable comparisons)."""
    pvals = np.array([r.pvalue for r in results], dtype=float)
    adjusted = adjust_pvalues(pvals, correction, alpha=alpha)
    m = int(np.isfinite(pvals).sum())
    return [
        r.with_adjusted_pvalue(p, correction, m) if np.isfinite(p) else r
        for r, p in zip(results, adjusted, strict=True)
    ]


def _warn_once(owner: str, caught: dict[type[Warning], list[tuple[Any, str]]], n: int) -> None:
    """One warning per class for the warnings of the individual comparisons."""
    for category, items in caught.items():
        who = ", ".join(str(name) for name, _ in items[:10]) + (" ..." if len(items) > 10 else "")
        warn(
            f"{owner}: {category.__name__} for {len(items)} of {n} entities ({who}); first: {items[0][1]}",
            category,
        )


def _warn_inconclusive(owner: str, names: Sequence[Any], results: list[ChangeTestResult]) -> None:
    inc = [str(name) for name, r in zip(names, results, strict=True) if r.inconclusive]
    if inc:
        warn(
            f"{owner}: {len(inc)} of {len(results)} comparisons are inconclusive at these "
            f"sample sizes ({', '.join(inc[:10])}{' ...' if len(inc) > 10 else ''}).",
            InconclusiveWarning,
        )


def _many_frame(
    names: list[Any], results: list[ChangeTestResult], kpi_label: str | Mapping[str, str] | None
) -> pd.DataFrame:
    """One row per entity: ``entity``, the result's fields, flags and both verdicts."""
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
    method = check_choice(method, "method", owner, Correction)
    alpha = check_unit_interval(alpha, "alpha", owner)
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

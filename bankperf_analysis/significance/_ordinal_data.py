"""The data of an ordinal regression, typed at the door: outcome codes, design matrix, separation.

:func:`outcome_codes` turns an ordered outcome (an ordered pandas Categorical or integer
scores) into 0-based codes and its levels; :func:`column_design` builds the design matrix of
the column-list API; :func:`formula_design` that of a formula (statsmodels' formula engine);
:func:`check_design` refuses designs whose maximum-likelihood estimate does not exist.
"""

from __future__ import annotations

import io
import keyword
import tokenize
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize

from bankperf_analysis._validation import param_error
from bankperf_analysis.exceptions import DataValidationError, InsufficientSampleError, ValidationIssue

__all__ = ["outcome_codes", "column_design", "formula_design", "check_missing", "check_design"]

_SCORES = "an ordered pandas Categorical or integer scores (e.g. 1-5)"


def check_missing(data: pd.DataFrame, columns: Sequence[str], owner: str) -> None:
    """Refuse missing values in the columns the model uses, naming column and rows."""
    issues = []
    for col in columns:
        bad = data.index[data[col].isna().to_numpy()]
        issues += [
            ValidationIssue(
                "data", "", None, col, f"missing at row {r!r}", "a value in every row the model uses"
            )
            for r in bad[:5]
        ]
        if len(bad) > 5:
            issues.append(
                ValidationIssue("data", "", None, col, f"{len(bad) - 5} more missing", "no missing values")
            )
    if issues:
        raise DataValidationError(issues)


def _declared(values: pd.Series, categories: Sequence[Any] | None, col: str, owner: str) -> list[Any]:
    """The ordered levels: ``categories``, an ordered Categorical's, or the sorted integer scores."""
    if categories is not None:
        if (
            isinstance(categories, str)
            or not isinstance(categories, Sequence)
            or len(set(categories)) != len(categories)
        ):
            raise param_error("categories", owner, "a sequence of distinct levels, lowest first", categories)
        return list(categories)
    if isinstance(values.dtype, pd.CategoricalDtype):
        if not values.dtype.ordered:
            raise param_error(
                "outcome",
                owner,
                _SCORES + f"; column {col!r} is an unordered Categorical: make it ordered "
                "(pd.Categorical(..., ordered=True)) or pass categories=[...] lowest first",
                values.dtype,
            )
        return list(values.dtype.categories)
    kind = values.dtype.kind
    if kind in "iu":
        return sorted(values.unique().tolist())
    if kind == "f":
        v = values.to_numpy(dtype=float)
        if np.all(np.isfinite(v)) and np.all(v == np.round(v)):
            return sorted(values.unique().tolist())
        raise param_error(
            "outcome", owner, _SCORES + f"; column {col!r} holds non-integer numbers", values.iloc[0]
        )
    raise param_error(
        "outcome",
        owner,
        _SCORES + f"; column {col!r} holds {values.dtype} values with no order: "
        "pass categories=[...] lowest first",
        values.dtype,
    )


def outcome_codes(
    values: pd.Series, categories: Sequence[Any] | None, col: str, owner: str
) -> tuple[np.ndarray, tuple[Any, ...], tuple[int, ...]]:
    """0-based codes of an ordinal outcome, its levels (lowest first) and the count of each.

    Refuses values outside the declared levels, a declared level with no observation (the
    model's threshold for it would not exist) and fewer than two levels.
    """
    levels = _declared(values, categories, col, owner)
    if values.dtype.kind == "b":
        raise param_error("outcome", owner, _SCORES, values.dtype)
    position = {lv: i for i, lv in enumerate(levels)}
    raw = values.astype(object).to_numpy()
    outside = [v for v in pd.unique(raw) if v not in position]
    if outside:
        issues = [
            ValidationIssue("data", "", None, col, repr(v), "one of " + ", ".join(map(repr, levels)))
            for v in outside[:10]
        ]
        raise DataValidationError(issues)
    codes = np.fromiter((position[v] for v in raw), dtype=np.int64, count=raw.size)
    counts = np.bincount(codes, minlength=len(levels))
    if len(levels) < 2:
        raise InsufficientSampleError(
            f"{owner}: the outcome {col!r} has {len(levels)} level(s) ({', '.join(map(repr, levels))}); "
            "an ordinal model needs at least 2."
        )
    empty = [lv for lv, c in zip(levels, counts, strict=True) if c == 0]
    if empty:
        raise DataValidationError(
            [
                ValidationIssue(
                    "data", "", None, col, repr(lv), "at least one observation of every declared level"
                )
                for lv in empty
            ]
        )
    return codes, tuple(levels), tuple(int(c) for c in counts)


def column_design(data: pd.DataFrame, covariates: Sequence[str], owner: str) -> tuple[np.ndarray, list[str]]:
    """The design matrix of the column-list API (no constant: the thresholds play its part).

    Numeric columns enter as they are; boolean, string and categorical columns as treatment
    dummies against their first level (a Categorical's first category, else the smallest
    value), named ``col[T.level]`` as statsmodels' formula engine names them.
    """
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for col in covariates:
        s = data[col]
        if s.dtype.kind in "iuf":
            blocks.append(s.to_numpy(dtype=float)[:, None])
            names.append(col)
            continue
        if s.dtype.kind not in "bOSU" and not isinstance(s.dtype, pd.CategoricalDtype | pd.StringDtype):
            raise param_error("covariates", owner, "columns of numbers, booleans, strings or categories", col)
        levels = list(s.dtype.categories) if isinstance(s.dtype, pd.CategoricalDtype) else sorted(s.unique())
        levels = [lv for lv in levels if (s == lv).any()]
        for lv in levels[1:]:
            blocks.append((s == lv).to_numpy(dtype=float)[:, None])
            names.append(f"{col}[T.{lv}]")
    if not blocks:
        raise param_error("covariates", owner, "a non-empty list of columns with variation", list(covariates))
    return np.hstack(blocks), names


def formula_columns(rhs: str, data: pd.DataFrame) -> list[str]:
    """The columns of ``data`` named in the right-hand side of a formula (for the missing-value check)."""
    toks = tokenize.generate_tokens(io.StringIO(rhs).readline)
    found = [t.string for t in toks if t.type == tokenize.NAME and not keyword.iskeyword(t.string)]
    found += [c for c in data.columns if isinstance(c, str) and (f"Q('{c}')" in rhs or f'Q("{c}")' in rhs)]
    return [c for c in dict.fromkeys(found) if c in data.columns]


def formula_design(formula: Any, data: pd.DataFrame, owner: str) -> tuple[str, str, list[str]]:
    """Split ``"score ~ treated + C(channel) + tenure"`` into outcome column, right side, columns used."""
    if not isinstance(formula, str) or formula.count("~") != 1:
        raise param_error("formula", owner, "a string 'outcome ~ covariates'", formula)
    lhs, rhs = (part.strip() for part in formula.split("~"))
    if lhs not in data.columns:
        raise param_error(
            "formula",
            owner,
            f"a formula whose left side is a column of data (columns: "
            f"{', '.join(map(str, list(data.columns)[:12]))})",
            formula,
        )
    if not rhs or rhs in ("1", "0", "-1"):
        raise param_error("formula", owner, "a formula with at least one covariate", formula)
    return lhs, rhs, formula_columns(rhs, data)


def check_design(exog: np.ndarray, names: list[str], codes: np.ndarray, n_levels: int, owner: str) -> None:
    """Refuse a rank-deficient design and one whose likelihood has no maximum (separation).

    Separation is found exactly by a linear program (the check of Albert & Anderson 1984 and
    Konis 2007 for binary logits, extended to cumulative links): the MLE of a cumulative-link
    model fails to exist iff there is a direction ``(b, t)``, ``t`` non-decreasing, with
    ``t[y_i] - x_i b >= 0`` for every ``y_i`` below the top level and ``x_i b - t[y_i - 1] >= 0``
    for every ``y_i`` above the bottom one, not all of them zero: along it the log-likelihood
    rises for ever. The program maximises the sum of those slacks in the box ``[-1, 1]``.
    """
    centred = exog - exog.mean(axis=0)
    scale = np.abs(centred).max(axis=0)
    constant = [n for n, s in zip(names, scale, strict=True) if s == 0]
    if constant:
        raise DataValidationError(
            [
                ValidationIssue("data", "", None, n, "one value in every row", "a covariate that varies")
                for n in constant
            ]
        )
    z = centred / scale
    if np.linalg.matrix_rank(z) < z.shape[1]:
        raise DataValidationError(
            [
                ValidationIssue(
                    "data",
                    "",
                    None,
                    ", ".join(names),
                    "collinear columns",
                    "covariates none of which is a linear combination of the others",
                )
            ]
        )
    rows, inverse = np.unique(np.column_stack([z, codes]), axis=0, return_inverse=True)
    del inverse
    x, c = rows[:, :-1], rows[:, -1].astype(int)
    p, k = x.shape[1], n_levels - 1
    up, lo = c < k, c > 0
    t_up = np.zeros((up.sum(), k))
    t_up[np.arange(up.sum()), c[up]] = 1.0
    t_lo = np.zeros((lo.sum(), k))
    t_lo[np.arange(lo.sum()), c[lo] - 1] = 1.0
    order = np.zeros((k - 1, k))
    order[np.arange(k - 1), np.arange(k - 1)], order[np.arange(k - 1), np.arange(1, k)] = 1.0, -1.0
    a_ub = np.vstack(
        [np.hstack([x[up], -t_up]), np.hstack([-x[lo], t_lo]), np.hstack([np.zeros((k - 1, p)), order])]
    )
    objective = a_ub[: up.sum() + lo.sum()].sum(axis=0)  # minimise -(slacks) = sum of the rows above
    res = optimize.linprog(objective, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]), bounds=(-1, 1), method="highs")
    if res.status == 0 and -res.fun > 1e-7:
        culprits = [n for n, b in zip(names, res.x[:p], strict=True) if abs(b) > 1e-7] or names
        raise DataValidationError(
            [
                ValidationIssue(
                    "data",
                    "",
                    None,
                    ", ".join(culprits),
                    "scores perfectly separated",
                    "some overlap of the scores between the values of each covariate "
                    "(with separation the estimates run off to infinity)",
                )
            ]
        )

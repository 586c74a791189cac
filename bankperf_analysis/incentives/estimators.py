"""Incentive-effect estimation on KPI panels: difference-in-differences done right.

Input is a long panel, one row per unit (staff member) and period, with

========================  ==================================================================
column (default name)     meaning
========================  ==================================================================
``unit``                  unit id (str or int), e.g. the staff id
``period``                ordered period: an integer index (quarter number 0..T-1) or a
                          pandas ``Period`` column (mapped to ordinals, so event times count
                          periods)
``branch``                cluster id; standard errors are clustered on it by default
outcome (any name)        the KPI value (float)
weights (optional)        e.g. ``n`` responses behind each KPI value
covariates (optional)     numeric columns (TWFE only)
``first_treated``         adoption period of the unit (NA = never treated), added by
                          :func:`attach_treatment` from a small adoption table
========================  ==================================================================

Estimators
----------
- :func:`twfe_did` — two-way fixed effects (unit + period) by alternating projections,
  CR1 standard errors clustered by branch with fixest's small-sample factor.
- :func:`staggered_did` — Callaway & Sant'Anna (2021) group-time ATT(g, t) with
  not-yet-treated (default) or never-treated controls and ``overall`` / ``group`` /
  ``event`` / ``calendar`` aggregations; analytic influence-function variance clustered
  by branch. Robust to effects that differ across cohorts and grow over time, where TWFE
  is biased ("forbidden comparisons", negative weights).
- :func:`estimate_incentive_effect` runs both and emits
  :class:`~bankperf_analysis.exceptions.EstimatorDisagreementWarning` when they disagree.
- :func:`event_study`, :func:`plot_event_study`, :func:`pretrend_test` (with the power of
  the test, Roth 2022), :func:`placebo_test`.
- :func:`before_after` (naive, guarded against regression to the mean) and
  :func:`rtm_guarded_effect` (ANCOVA on the assignment score and a sharp regression
  discontinuity at the grade threshold).

Every result is a frozen dataclass with ``to_frame()``, ``summary()`` (an object with
``as_text()``/``as_html()``) and ``conclusion(lang="en"|"zh")``.

Conventions (stated once)
-------------------------
- Clustered inference uses ``t(G - 1)`` critical values; iid/HC1 use ``t(N - K)``.
- CR1 factor ``G/(G-1) * (N-1)/(N-K)``. With ``fixef_dof="nested"`` (fixest's and
  pyfixest's default) a fixed effect nested in the clusters (staff inside branches) is
  not counted in ``K`` except for one level (fixest issue #554): ``K = p + n_periods``
  with ``p`` slopes; with ``"full"`` every FE coefficient counts:
  ``K = p + n_units + n_periods - n_components`` (the rank of the dummy-variable design,
  i.e. what statsmodels OLS with ``C(unit) + C(period)`` uses). iid and HC1 always use
  the full count.
- Singleton units/periods are dropped (iteratively) before TWFE; they carry no
  information on the slopes.
- Callaway–Sant'Anna variances: the per-unit influence functions are summed within
  clusters, ``V = G/(G-1) * sum_g psi_g psi_g'`` with ``G`` the clusters of the whole
  estimation sample (one covariance for all cells and aggregations); matches the R
  ``did`` package (analytic, clustered by unit) up to that factor.
- The pre-trend test is the Wald test in its F form, ``F(q, G-1)``; its power is from
  the noncentral F with the estimated covariance.
- TWFE and the robust estimate *disagree* when ``|d| > max(z * se_d, rtol * |robust|)``
  (see :class:`IncentiveEffectResult`).
"""

from __future__ import annotations

import html
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

import numpy as np
import pandas as pd
from scipy import stats

from bankperf_analysis.exceptions import (
    BankPerfWarning,
    ConvergenceWarning,
    DataValidationError,
    EstimatorDisagreementWarning,
    InsufficientSampleError,
    ParamsError,
    RegressionToMeanWarning,
    SmallSampleWarning,
    ValidationIssue,
)
from bankperf_analysis.incentives import demean as _fixest

__all__ = [
    "AdoptionLevel",
    "Aggregation",
    "BasePeriod",
    "ControlGroup",
    "EventEstimator",
    "FixefDof",
    "Lang",
    "RTMMethod",
    "VcovType",
    "ResultSummary",
    "attach_treatment",
    "twfe_did",
    "TWFEResult",
    "staggered_did",
    "StaggeredDiDResult",
    "AggregationResult",
    "estimate_incentive_effect",
    "IncentiveEffectResult",
    "event_study",
    "EventStudyResult",
    "plot_event_study",
    "pretrend_test",
    "PreTrendTestResult",
    "placebo_test",
    "PlaceboResult",
    "before_after",
    "BeforeAfterResult",
    "rtm_guarded_effect",
    "RTMGuardedResult",
]

AdoptionLevel = Literal["branch", "unit"]
VcovType = Literal["cluster", "iid", "hetero"]
FixefDof = Literal["nested", "full"]
ControlGroup = Literal["notyet", "never"]
BasePeriod = Literal["universal", "varying"]
Aggregation = Literal["overall", "group", "cohort", "event", "calendar"]
EventEstimator = Literal["robust", "twfe", "both"]
RTMMethod = Literal["both", "ancova", "rd"]
Alternative = Literal["two-sided", "larger", "smaller"]
Lang = Literal["en", "zh"]

_CONTROL_LABEL = {"notyet": "not-yet-treated and never-treated", "never": "never-treated"}
COHORT_COL = "first_treated"
TREATED_COL = "treated"
EVENT_COL = "event_time"


# ---------------------------------------------------------------------------
# validation helpers
# ---------------------------------------------------------------------------


def _check_literal(value: Any, name: str, func: str, literal: Any) -> Any:
    allowed = get_args(literal)
    if value not in allowed:
        opts = ", ".join(repr(a) for a in allowed)
        raise ParamsError(f"The {name!r} parameter of {func} must be one of {opts}. Got {value!r} instead.")
    return value


def _check_column(panel: pd.DataFrame, col: Any, name: str, func: str, hint: str = "") -> str:
    if not isinstance(col, str) or col not in panel.columns:
        cols = ", ".join(map(str, list(panel.columns)[:12]))
        extra = f" {hint}" if hint else ""
        raise ParamsError(
            f"The {name!r} parameter of {func} must be a column of the panel "
            f"(columns: {cols}).{extra} Got {col!r} instead."
        )
    return col


def _check_alpha(alpha: Any, func: str) -> float:
    if not isinstance(alpha, (int, float)) or not 0.0 < float(alpha) < 1.0:
        raise ParamsError(
            f"The 'alpha' parameter of {func} must be a float in (0, 1). Got {alpha!r} instead."
        )
    return float(alpha)


def _check_int(value: Any, name: str, func: str, low: int, high: int | None = None) -> int:
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if ok and value >= low and (high is None or value <= high):
        return int(value)
    rng = f">= {low}" if high is None else f"in [{low}, {high}]"
    raise ParamsError(f"The {name!r} parameter of {func} must be an integer {rng}. Got {value!r} instead.")


def _warn(message: str, category: type[Warning]) -> None:
    """Warn with the stack level of the first caller outside this module."""
    frame = sys._getframe(1)
    level = 2
    while frame is not None and frame.f_code.co_filename == __file__:
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _check_panel(panel: Any, func: str) -> pd.DataFrame:
    if not isinstance(panel, pd.DataFrame):
        raise ParamsError(
            f"The 'panel' parameter of {func} must be a pandas DataFrame. Got {type(panel).__name__} instead."
        )
    return panel


# ---------------------------------------------------------------------------
# notebook-ready summary object
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class ResultSummary:
    """Printable / HTML summary of a result (renders as the last line of a notebook cell).

    Attributes
    ----------
    title : str
    info : tuple of (label, value)
        Key facts (estimator, sample sizes, inference).
    tables : tuple of (caption, DataFrame)
    alerts : tuple of str
        Loud warnings shown before everything else (e.g. unclustered errors).
    notes : tuple of str
    """

    title: str
    info: tuple[tuple[str, str], ...] = ()
    tables: tuple[tuple[str, pd.DataFrame], ...] = ()
    alerts: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    def as_text(self) -> str:
        """Plain-text rendering."""
        lines = [self.title, "=" * len(self.title)]
        lines += [f"!! {a}" for a in self.alerts]
        if self.info:
            width = max(len(k) for k, _ in self.info)
            lines += [f"{k.ljust(width)} : {v}" for k, v in self.info]
        for caption, frame in self.tables:
            lines += ["", caption, "-" * len(caption)]
            with pd.option_context("display.width", 200, "display.max_columns", 30):
                lines.append(frame.to_string(index=False, float_format=_fmt_float))
        if self.notes:
            lines += [""] + [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)

    def as_html(self) -> str:
        """HTML rendering (for nbconvert reports)."""
        parts = [f"<div class='bankperf-summary'><h4>{html.escape(self.title)}</h4>"]
        for a in self.alerts:
            parts.append("<p style='color:#b00020;font-weight:bold'>&#9888; " + html.escape(a) + "</p>")
        if self.info:
            rows = "".join(
                f"<tr><th style='text-align:left'>{html.escape(k)}</th>"
                f"<td style='text-align:left'>{html.escape(v)}</td></tr>"
                for k, v in self.info
            )
            parts.append(f"<table>{rows}</table>")
        for caption, frame in self.tables:
            parts.append(f"<p><b>{html.escape(caption)}</b></p>")
            parts.append(frame.to_html(index=False, float_format=_fmt_float, border=0))
        for n in self.notes:
            parts.append(f"<p><i>Note:</i> {html.escape(n)}</p>")
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def _fmt_float(x: float) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    ax = abs(x)
    if ax != 0 and (ax < 1e-3 or ax >= 1e6):
        return f"{x:.3g}"
    return f"{x:.4f}"


def _f(x: float, digits: int = 2) -> str:
    return "nan" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _fp(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "nan"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


# ---------------------------------------------------------------------------
# periods: ints or pandas Periods, mapped to ordered integers
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _PeriodKind:
    kind: str  # "int" or "period"
    freq: Any = None

    def label(self, value: int) -> Any:
        if self.kind == "period":
            return pd.Period(ordinal=int(value), freq=self.freq)
        return int(value)

    def labels(self, values: np.ndarray) -> list[Any]:
        return [self.label(v) for v in values]


def _period_values(
    s: pd.Series, *, name: str, func: str, kind: _PeriodKind | None = None
) -> tuple[np.ndarray, _PeriodKind]:
    """Float array of integer period values (NaN = missing) and the period kind."""
    dt = s.dtype
    if pd.api.types.is_object_dtype(dt) and kind is not None and kind.kind == "period":
        try:
            s = s.astype(pd.PeriodDtype(kind.freq))
            dt = s.dtype
        except (TypeError, ValueError) as exc:
            raise ParamsError(
                f"The {name!r} parameter of {func} must hold periods of frequency "
                f"{kind.freq!s}. Got values that do not convert ({exc})."
            ) from exc
    if isinstance(dt, pd.PeriodDtype):
        arr = s.array
        vals = np.asarray(arr.asi8, dtype=np.float64)
        vals[np.asarray(arr.isna())] = np.nan
        found = _PeriodKind("period", dt.freq)
    elif pd.api.types.is_numeric_dtype(dt) and not pd.api.types.is_bool_dtype(dt):
        vals = s.to_numpy(dtype=np.float64, na_value=np.nan)
        vals = np.where(np.isinf(vals), np.nan, vals)
        fin = vals[np.isfinite(vals)]
        if fin.size and not np.all(fin == np.round(fin)):
            raise ParamsError(
                f"The {name!r} parameter of {func} must name a column of integer period "
                f"indices or pandas Periods. Got non-integer values in {s.name!r} instead."
            )
        found = _PeriodKind("int")
    else:
        raise ParamsError(
            f"The {name!r} parameter of {func} must name a column of integer period indices "
            f"or pandas Periods (datetimes: use .dt.to_period('M') or 'Q'). "
            f"Got dtype {dt!s} in {s.name!r} instead."
        )
    if kind is not None and (found.kind != kind.kind or found.freq != kind.freq):
        raise ParamsError(
            f"The {name!r} parameter of {func} must use the same period type as the panel's "
            f"period column ({kind.kind}{'' if kind.freq is None else ' ' + str(kind.freq)}). "
            f"Got {found.kind}{'' if found.freq is None else ' ' + str(found.freq)} instead."
        )
    return vals, found


# ---------------------------------------------------------------------------
# 1. panel helper
# ---------------------------------------------------------------------------


def attach_treatment(
    panel: pd.DataFrame,
    adoption: pd.DataFrame | pd.Series | Mapping[Any, Any],
    *,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    level: AdoptionLevel = "branch",
    adoption_col: str | None = None,
) -> pd.DataFrame:
    """Add the cohort, post-treatment indicator and event time to a long panel.

    Parameters
    ----------
    panel : DataFrame
        Long panel with ``unit_col``, ``period_col`` and (for ``level="branch"``)
        ``cluster``.
    adoption : DataFrame, Series or mapping
        Adoption period per branch (``level="branch"``) or per unit (``level="unit"``):
        a mapping ``{id: period}``, a Series indexed by id, or a DataFrame with the id
        column (named like ``cluster`` / ``unit_col``) and ``adoption_col``. Missing
        (NaN/None/NaT) = never treated; ids absent from the table are never treated.
        Periods are integers or pandas Periods, like ``period_col``.
    unit_col, period_col, cluster : str
        Column names in ``panel`` (``cluster`` is the branch column).
    level : {"branch", "unit"}
        Whether adoption is decided per branch (all its staff adopt together) or per unit.
    adoption_col : str, optional
        Column of ``adoption`` holding the period (default: its only non-id column).

    Returns
    -------
    DataFrame
        A copy of ``panel`` with ``first_treated`` (cohort: the adoption period, same
        type as ``period_col``, NA = never treated), ``treated`` (0/1, 1 from the adoption
        period on) and ``event_time`` (periods since adoption; NA for never treated).

    Raises
    ------
    ParamsError
        Unknown columns, duplicated ids in ``adoption``, or period types that differ.
    """
    func = "attach_treatment"
    panel = _check_panel(panel, func)
    _check_literal(level, "level", func, AdoptionLevel)
    _check_column(panel, unit_col, "unit_col", func)
    _check_column(panel, period_col, "period_col", func)
    key = cluster if level == "branch" else unit_col
    _check_column(panel, key, "cluster" if level == "branch" else "unit_col", func)

    if isinstance(adoption, pd.DataFrame):
        if key not in adoption.columns:
            raise ParamsError(
                f"The 'adoption' parameter of {func} must have a {key!r} column for "
                f"level={level!r}. Got columns {list(adoption.columns)} instead."
            )
        if adoption_col is None:
            others = [c for c in adoption.columns if c != key]
            if len(others) != 1:
                raise ParamsError(
                    f"The 'adoption_col' parameter of {func} must name the adoption-period "
                    f"column when the table has several. Got None with columns {others}."
                )
            adoption_col = others[0]
        _check_column(adoption, adoption_col, "adoption_col", func)
        table = pd.Series(adoption[adoption_col].to_numpy(), index=adoption[key].to_numpy())
    elif isinstance(adoption, pd.Series):
        table = adoption
    elif isinstance(adoption, Mapping):
        table = pd.Series(list(adoption.values()), index=list(adoption.keys()), dtype=object)
    else:
        raise ParamsError(
            f"The 'adoption' parameter of {func} must be a DataFrame, Series or mapping. "
            f"Got {type(adoption).__name__} instead."
        )
    if table.index.has_duplicates:
        dup = table.index[table.index.duplicated()][:5].tolist()
        raise ParamsError(
            f"The 'adoption' parameter of {func} must list each {key} once. Got duplicates {dup} instead."
        )

    pvals, kind = _period_values(panel[period_col], name="period_col", func=func)
    if kind.kind == "period":
        try:
            conv = pd.Series(
                pd.PeriodIndex([None if _isna(v) else v for v in table.to_numpy()], freq=kind.freq),
                index=table.index,
            )
        except (TypeError, ValueError) as exc:
            raise ParamsError(
                f"The 'adoption' parameter of {func} must hold periods of frequency "
                f"{kind.freq!s} like the panel. Got values that do not convert ({exc})."
            ) from exc
        avals, _ = _period_values(conv, name="adoption", func=func, kind=kind)
    else:
        num = pd.to_numeric(pd.Series(table.to_numpy(), dtype=object), errors="coerce")
        bad = num.isna().to_numpy() & ~np.array([_isna(v) for v in table.to_numpy()], bool)
        if bad.any():
            raise ParamsError(
                f"The 'adoption' parameter of {func} must hold integer periods like the "
                f"panel. Got {table.to_numpy()[bad][:3].tolist()} instead."
            )
        avals, _ = _period_values(num.astype("float64"), name="adoption", func=func, kind=kind)

    lookup = pd.Series(avals, index=table.index)
    adopters = lookup.index[np.isfinite(avals)]
    if len(adopters) and not panel[key].isin(adopters).any():
        raise ParamsError(
            f"The 'adoption' parameter of {func} must use ids of the panel's {key!r} column. "
            f"Got ids like {list(adopters[:3])} that match no row (check their type: "
            f"{type(adopters[0]).__name__} vs the column's {panel[key].dtype!s})."
        )
    cohort = panel[key].map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    out = panel.copy()
    if kind.kind == "period":
        ords = np.where(np.isnan(cohort), pd.NaT.value, np.nan_to_num(cohort)).astype(np.int64)
        cohort_arr = pd.arrays.PeriodArray(ords, dtype=pd.PeriodDtype(kind.freq))
        out[COHORT_COL] = cohort_arr
    else:
        out[COHORT_COL] = pd.arrays.IntegerArray(np.nan_to_num(cohort).astype(np.int64), np.isnan(cohort))
    treated = np.isfinite(cohort) & (pvals >= np.nan_to_num(cohort, nan=np.inf))
    out[TREATED_COL] = treated.astype(np.int8)
    ev = pvals - cohort
    out[EVENT_COL] = pd.arrays.IntegerArray(np.nan_to_num(ev).astype(np.int64), np.isnan(ev))
    return out


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# internal panel representation (arrays, codes)
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _Panel:
    """Validated arrays of a panel (rows with missing values removed)."""

    y: np.ndarray
    unit: np.ndarray  # codes 0..U-1
    unit_labels: np.ndarray
    tpos: np.ndarray  # position of the period among the observed periods 0..T-1
    period_values: np.ndarray  # sorted unique integer periods (length T)
    kind: _PeriodKind
    cluster: np.ndarray | None
    cluster_labels: np.ndarray | None
    cohort_pos: np.ndarray  # per row: position of the first treated period; inf = never
    cohort_raw: np.ndarray  # per row: cohort in integer period space; nan = never
    w: np.ndarray | None
    x: np.ndarray | None  # covariates (n, q)
    covariates: tuple[str, ...]
    n_dropped: int
    outcome: str

    @property
    def n(self) -> int:
        return self.y.size

    @property
    def n_units(self) -> int:
        return self.unit_labels.size

    @property
    def n_periods(self) -> int:
        return self.period_values.size

    @property
    def n_clusters(self) -> int:
        return 0 if self.cluster_labels is None else self.cluster_labels.size

    def period_label(self, pos: float) -> Any:
        return self.kind.label(self.period_values[int(pos)])

    def subset(self, keep: np.ndarray) -> _Panel:
        return _Panel(
            y=self.y[keep],
            unit=self.unit[keep],
            unit_labels=self.unit_labels,
            tpos=self.tpos[keep],
            period_values=self.period_values,
            kind=self.kind,
            cluster=None if self.cluster is None else self.cluster[keep],
            cluster_labels=self.cluster_labels,
            cohort_pos=self.cohort_pos[keep],
            cohort_raw=self.cohort_raw[keep],
            w=None if self.w is None else self.w[keep],
            x=None if self.x is None else self.x[keep],
            covariates=self.covariates,
            n_dropped=self.n_dropped,
            outcome=self.outcome,
        )


def _prepare(
    panel: pd.DataFrame,
    outcome: str,
    *,
    func: str,
    unit_col: str,
    period_col: str,
    cluster_col: str | None,
    cohort_col: str,
    weights_col: str | None,
    covariates: Sequence[str] = (),
) -> _Panel:
    panel = _check_panel(panel, func)
    _check_column(panel, outcome, "outcome", func)
    _check_column(panel, unit_col, "unit_col", func)
    _check_column(panel, period_col, "period_col", func)
    if cluster_col is not None:
        _check_column(
            panel,
            cluster_col,
            "cluster",
            func,
            hint="Standard errors are clustered by branch by default; pass vcov='iid' "
            "(loudly flagged) only if you must.",
        )
    _check_column(
        panel,
        cohort_col,
        "cohort_col",
        func,
        hint="Call attach_treatment(panel, adoption) first (or pass adoption=...).",
    )
    if weights_col is not None:
        _check_column(panel, weights_col, "weights", func)
    if isinstance(covariates, str):
        covariates = (covariates,)
    covariates = tuple(covariates)
    for c in covariates:
        _check_column(panel, c, "covariates", func)

    if not pd.api.types.is_numeric_dtype(panel[outcome].dtype):
        raise ParamsError(
            f"The 'outcome' parameter of {func} must name a numeric column. "
            f"Got {outcome!r} of dtype {panel[outcome].dtype!s} instead."
        )
    y = panel[outcome].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(y)
    ok &= panel[unit_col].notna().to_numpy()
    ok &= panel[period_col].notna().to_numpy()
    if cluster_col is not None:
        ok &= panel[cluster_col].notna().to_numpy()
    w = None
    if weights_col is not None:
        w = panel[weights_col].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.any(w[np.isfinite(w)] < 0):
            raise ParamsError(
                f"The 'weights' parameter of {func} must name a column of non-negative "
                f"weights. Got negative values in {weights_col!r} instead."
            )
        ok &= np.isfinite(w) & (w > 0)
    x = None
    if covariates:
        x = np.column_stack([panel[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in covariates])
        ok &= np.all(np.isfinite(x), axis=1)

    pvals, kind = _period_values(panel[period_col], name="period_col", func=func)
    cvals, _ = _period_values(panel[cohort_col], name="cohort_col", func=func, kind=kind)
    n_dropped = int((~ok).sum())
    if n_dropped:
        y, pvals, cvals = y[ok], pvals[ok], cvals[ok]
        w = None if w is None else w[ok]
        x = None if x is None else x[ok]
    if y.size == 0:
        raise InsufficientSampleError(f"{func}: no rows with a finite outcome {outcome!r}.")

    unit, unit_labels = _fixest.factorize(panel[unit_col][ok] if n_dropped else panel[unit_col])
    cluster = cluster_labels = None
    if cluster_col is not None:
        cs = panel[cluster_col][ok] if n_dropped else panel[cluster_col]
        cluster, cluster_labels = _fixest.factorize(cs)
    period_values = pd.unique(pvals)
    period_values.sort()
    tpos = _positions(pvals, period_values)
    n_t = period_values.size

    key = unit * n_t + tpos
    if unit_labels.size * n_t <= 50_000_000:
        has_dup = bool(np.bincount(key, minlength=unit_labels.size * n_t).max() > 1)
    else:
        has_dup = pd.Index(key).has_duplicates
    if has_dup:
        dup = pd.Index(key).duplicated()
        i = int(np.flatnonzero(dup)[0])
        raise DataValidationError(
            [
                ValidationIssue(
                    table="panel",
                    file="",
                    row=None,
                    column=f"{unit_col}, {period_col}",
                    value=f"{int(dup.sum())} duplicated rows, e.g. "
                    f"({unit_labels[unit[i]]!s}, {kind.label(period_values[tpos[i]])!s})",
                    expected="one row per unit and period",
                )
            ]
        )
    # the cohort must be constant within a unit
    first = np.full(unit_labels.size, np.nan)
    first[unit] = cvals
    same = (first[unit] == cvals) | (np.isnan(first[unit]) & np.isnan(cvals))
    if not same.all():
        i = int(np.flatnonzero(~same)[0])
        raise DataValidationError(
            [
                ValidationIssue(
                    table="panel",
                    file="",
                    row=None,
                    column=cohort_col,
                    value=f"unit {unit_labels[unit[i]]!s} has several adoption periods",
                    expected="one adoption period per unit (a staff member who moves between "
                    "branches with different adoption dates must be split or dropped)",
                )
            ]
        )
    # first observed period >= cohort; inf = never treated within the window
    fin = np.isfinite(cvals)
    cpos = np.full(y.size, np.inf)
    cpos[fin] = _positions(cvals[fin], period_values)
    cpos[cpos >= n_t] = np.inf
    return _Panel(
        y=y,
        unit=unit,
        unit_labels=unit_labels,
        tpos=tpos,
        period_values=period_values.astype(np.int64),
        kind=kind,
        cluster=cluster,
        cluster_labels=cluster_labels,
        cohort_pos=cpos,
        cohort_raw=cvals,
        w=w,
        x=x,
        covariates=covariates,
        n_dropped=n_dropped,
        outcome=outcome,
    )


def _positions(vals: np.ndarray, period_values: np.ndarray) -> np.ndarray:
    """Position of the first observed period >= each value (``searchsorted``, side left)."""
    lo, hi = period_values[0], period_values[-1]
    if vals.size > 10_000 and hi - lo < 10_000_000:
        lut = np.searchsorted(period_values, np.arange(lo, hi + 1)).astype(np.int64)
        v = np.clip(vals, lo - 1, hi + 1) - (lo - 1)
        lut = np.concatenate([[0], lut, [period_values.size]])
        return lut[v.astype(np.int64)]
    return np.searchsorted(period_values, vals, side="left").astype(np.int64)


def _infer(est: float, se: float, df: float, alpha: float) -> tuple[float, float, float, float]:
    """(statistic, two-sided p-value, ci_low, ci_high) with t(df) (normal when df=inf)."""
    if not np.isfinite(se) or se <= 0:
        return float("nan"), float("nan"), float("nan"), float("nan")
    stat = est / se
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    p = float(2 * dist.sf(abs(stat)))
    crit = float(dist.ppf(1 - alpha / 2))
    return float(stat), p, float(est - crit * se), float(est + crit * se)


def _infer_vec(est: np.ndarray, se: np.ndarray, df: float, alpha: float) -> pd.DataFrame:
    dist = stats.norm if not np.isfinite(df) else stats.t(df)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = np.where(se > 0, est / se, np.nan)
    crit = float(dist.ppf(1 - alpha / 2))
    return pd.DataFrame(
        {
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "pvalue": 2 * dist.sf(np.abs(stat)),
            "ci_low": est - crit * se,
            "ci_high": est + crit * se,
        }
    )


# ---------------------------------------------------------------------------
# 2. two-way fixed effects
# ---------------------------------------------------------------------------


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


def _twfe_fit(
    pa: _Panel,
    regs: np.ndarray,
    names: list[str],
    *,
    vcov: str,
    fixef_dof: str,
    drop_singletons: bool,
    tol: float,
    maxiter: int,
    func: str,
    required: int = 1,
) -> _TWFEFit:
    n_u_all, n_t = pa.n_units, pa.n_periods
    if drop_singletons:
        keep = _fixest.drop_singletons([pa.unit, pa.tpos], [n_u_all, n_t])
    else:
        keep = np.ones(pa.n, dtype=bool)
    n_single = int((~keep).sum())
    if keep.sum() < 3:
        raise InsufficientSampleError(
            f"{func}: fewer than 3 observations remain after dropping singleton units/periods."
        )
    unit, tpos = pa.unit[keep], pa.tpos[keep]
    w = None if pa.w is None else pa.w[keep]
    cl = None if pa.cluster is None else pa.cluster[keep]
    if pa.x is not None:
        regs = np.column_stack([regs, pa.x])
        names = names + list(pa.covariates)
    regs = regs[keep]
    cols = np.column_stack([pa.y[keep], regs])
    xd_all, info = _fixest.demean(cols, [unit, tpos], [n_u_all, n_t], w, tol=tol, maxiter=maxiter)
    if not info.converged:
        _warn(
            f"{func}: the alternating projections did not converge in {maxiter} sweeps "
            f"(last change {info.max_last_change:.2e} relative); estimates may be inexact.",
            ConvergenceWarning,
        )
    yd, xd = xd_all[:, 0], xd_all[:, 1:]
    xw = xd if w is None else xd * w[:, None]
    xtx = _fixest.gram(xw, xd)
    raw_ss = np.einsum("ij,ij->j", regs, regs if w is None else regs * w[:, None])
    # a column whose demeaned sum of squares vanishes is absorbed by the fixed effects
    ok_cols = [j for j in range(xd.shape[1]) if xtx[j, j] > 1e-10 * max(raw_ss[j], 1e-300)]
    sub = xtx[np.ix_(ok_cols, ok_cols)]
    kept = [ok_cols[i] for i in _independent_columns(sub)]
    dropped = [names[j] for j in range(len(names)) if j not in kept]
    if any(j not in kept for j in range(required)):
        raise InsufficientSampleError(
            f"{func}: the treatment indicator is collinear with the unit and period fixed "
            "effects (no unit changes treatment status within the sample), so its effect is "
            "not identified."
        )
    xd = np.asfortranarray(xd[:, kept])
    names = [names[j] for j in kept]
    beta, resid, bread = _fixest.ols_on_demeaned(xd, yd, w)
    n_obs = int(keep.sum())
    n_units = int(np.count_nonzero(np.bincount(unit, minlength=n_u_all)))
    n_periods = int(np.count_nonzero(np.bincount(tpos, minlength=n_t)))
    p = len(kept)

    def k_fe_full() -> int:
        # exact rank of the two-way dummy design: levels minus connected components
        n_comp = _fixest.n_connected_components(unit, n_u_all, tpos, n_t)
        n_comp -= (n_u_all - n_units) + (n_t - n_periods)  # empty levels are isolated nodes
        return n_units + n_periods - n_comp

    nested = False
    g = 0
    cluster_if = None
    if vcov == "cluster":
        n_cl_all = pa.n_clusters
        present = np.bincount(cl, minlength=n_cl_all) > 0
        g = int(present.sum())
        if g < 2:
            raise InsufficientSampleError(f"{func}: clustered errors need at least 2 clusters.")
        unit_nested = _fixest.is_nested(unit, n_u_all, cl)
        period_nested = _fixest.is_nested(tpos, n_t, cl)
        nested = unit_nested
        if fixef_dof == "nested" and (unit_nested or period_nested):
            # fixest/pyfixest "nested": levels of FE nested in the clusters are not counted,
            # one is added back per fully nested FE (fixest issue #554), and one level per
            # extra FE dimension is redundant: K = p + n_periods for staff inside branches
            k_fe = n_units + n_periods - 1
            k_fe -= (n_units - 1 if unit_nested else 0) + (n_periods - 1 if period_nested else 0)
        else:
            k_fe = k_fe_full()
        dof_k = p + max(k_fe, 0)
        scores = _fixest.cluster_scores(xd, resid, cl, n_cl_all, w)
        v = _fixest.sandwich(
            bread, kind="cluster", n_obs=n_obs, dof_k=dof_k, scores_by_cluster=scores[present]
        )
        cluster_if = scores @ bread
        df_t = float(g - 1)
    else:
        dof_k = p + k_fe_full()
        if n_obs - dof_k <= 0:
            raise InsufficientSampleError(f"{func}: no residual degrees of freedom left.")
        v = _fixest.sandwich(bread, kind=vcov, n_obs=n_obs, dof_k=dof_k, resid=resid, xd=xd, weights=w)
        df_t = float(n_obs - dof_k)
    return _TWFEFit(
        beta=beta,
        vcov=v,
        names=names,
        dropped_terms=dropped,
        n_obs=n_obs,
        n_units=n_units,
        n_periods=n_periods,
        n_clusters=g,
        dof_k=int(dof_k),
        df_t=df_t,
        fe_nested=nested,
        n_singletons=n_single,
        info=info,
        cluster_if=cluster_if,
        xd=xd,
        treat_raw=regs[:, 0],
        w=w,
    )


def _vcov_alerts(vcov: str) -> tuple[str, ...]:
    if vcov == "iid":
        return (
            "Standard errors are NOT clustered (vcov='iid'): they assume independent errors "
            "across staff and periods and are too small when branch-level shocks exist. "
            "Use vcov='cluster' (the default) for reporting.",
        )
    if vcov == "hetero":
        return (
            "Standard errors are NOT clustered (vcov='hetero', HC1): robust to "
            "heteroskedasticity only, too small when errors are correlated within branches.",
        )
    return ()


def _few_clusters(g: int, func: str) -> tuple[str, ...]:
    if 0 < g < 20:
        msg = (
            f"Only {g} clusters: cluster-robust inference is unreliable with fewer than about "
            "20-30 clusters; treat p-values and intervals as approximate."
        )
        _warn(f"{func}: {msg}", SmallSampleWarning)
        return (msg,)
    return ()


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

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficient table (one row per slope)."""
        return self.coef_table.copy()

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        inference = {
            "cluster": f"CR1 clustered by {self.cluster!r} ({self.n_clusters} clusters), t({self.df_t:.0f})",
            "iid": f"iid (NOT clustered), t({self.df_t:.0f})",
            "hetero": f"HC1 (NOT clustered), t({self.df_t:.0f})",
        }[self.vcov]
        info = (
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
        notes = []
        if self.negative_weight_share > 0:
            notes.append(
                f"{self.negative_weight_share:.1%} of treated observations enter with a "
                "negative weight: with staggered adoption and effects that vary, TWFE can be "
                "biased. Compare with staggered_did()."
            )
        return ResultSummary(
            title="Difference-in-differences (TWFE)",
            info=info,
            tables=(("Coefficients", self.to_frame()),),
            alerts=self.alerts,
            notes=tuple(notes),
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion."""
        _check_literal(lang, "lang", "TWFEResult.conclusion", Lang)
        text = _effect_sentence(
            self.estimate,
            self.ci_low,
            self.ci_high,
            self.pvalue,
            self.outcome,
            unit,
            lang,
            self.alpha,
            who="twfe",
        )
        if self.vcov != "cluster":
            text += (
                " Warning: the interval ignores branch clustering and is too narrow."
                if lang == "en"
                else " 注意：该区间未按网点聚类，过窄。"
            )
        return text


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
) -> TWFEResult:
    """Two-way fixed-effects DiD: ``y_it = a_i + l_t + b * treated_it (+ X g) + e_it``.

    The unit and period effects are absorbed by alternating projections (exact on
    unbalanced panels), the slopes are (weighted) least squares on the demeaned data,
    and the standard errors are CR1 clustered by ``cluster`` (branch) by default.

    Parameters
    ----------
    panel : DataFrame
        Long panel (see the module docstring) with a ``cohort_col`` from
        :func:`attach_treatment`.
    outcome : str
        KPI column.
    unit_col, period_col : str
        Unit id and period columns.
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
    drop_singletons : bool
        Drop units/periods with a single observation (iteratively).
    tol, maxiter : float, int
        Convergence of the alternating projections.

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
    _check_literal(vcov, "vcov", func, VcovType)
    maxiter = _check_int(maxiter, "maxiter", func, 1)
    if not isinstance(tol, (int, float)) or not 0 < tol < 1:
        raise ParamsError(f"The 'tol' parameter of {func} must be a float in (0, 1). Got {tol!r} instead.")
    _check_literal(fixef_dof, "fixef_dof", func, FixefDof)
    alpha = _check_alpha(alpha, func)
    if vcov == "cluster" and cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel when "
            "vcov='cluster' (errors are never silently unclustered; pass vcov='iid' to opt "
            "out, loudly). Got None instead."
        )
    pa = _prepare(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        cluster_col=cluster if vcov == "cluster" else None,
        cohort_col=cohort_col,
        weights_col=weights,
        covariates=covariates,
    )
    treat = (pa.tpos >= pa.cohort_pos).astype(np.float64)
    return _twfe_result(
        pa,
        treat,
        vcov=vcov,
        fixef_dof=fixef_dof,
        drop_singletons=drop_singletons,
        tol=tol,
        maxiter=maxiter,
        alpha=alpha,
        cluster=cluster,
        func=func,
    )


def _twfe_result(
    pa: _Panel,
    treat: np.ndarray,
    *,
    vcov: str,
    fixef_dof: str,
    drop_singletons: bool,
    tol: float,
    maxiter: int,
    alpha: float,
    cluster: str | None,
    func: str,
) -> TWFEResult:
    fit = _twfe_fit(
        pa,
        treat[:, None],
        [TREATED_COL],
        vcov=vcov,
        fixef_dof=fixef_dof,
        drop_singletons=drop_singletons,
        tol=tol,
        maxiter=maxiter,
        func=func,
    )
    se = np.sqrt(np.diag(fit.vcov))
    table = _infer_vec(fit.beta, se, fit.df_t, alpha)
    table.insert(0, "term", fit.names)
    est, sd = float(fit.beta[0]), float(se[0])
    stat, p, lo, hi = _infer(est, sd, fit.df_t, alpha)
    # implicit TWFE weights on treated cells: FWL residual of the treatment indicator
    r = fit.xd[:, 0]
    if fit.xd.shape[1] > 1:
        other = fit.xd[:, 1:]
        ow = other if fit.w is None else other * fit.w[:, None]
        r = r - other @ np.linalg.solve(ow.T @ other, ow.T @ r)
    on = fit.treat_raw > 0.5
    neg_share = float(np.mean(r[on] < 0)) if on.any() else 0.0
    alerts = _vcov_alerts(vcov) + _few_clusters(fit.n_clusters, func)
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
        fixef_dof=fixef_dof,
        fe_nested=fit.fe_nested,
        dof_k=fit.dof_k,
        df_t=fit.df_t,
        iterations=fit.info.iterations,
        converged=fit.info.converged,
        negative_weight_share=neg_share,
        outcome=pa.outcome,
        alpha=alpha,
        alerts=alerts,
        cluster_influence=None if fit.cluster_if is None else fit.cluster_if[:, 0],
        cluster_labels=pa.cluster_labels,
    )


# ---------------------------------------------------------------------------
# 3. staggered adoption: Callaway & Sant'Anna (2021)
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _CSCells:
    """Group-time ATTs and their cluster-level influence functions."""

    cg: np.ndarray  # index into cohorts
    t: np.ndarray  # period position
    e: np.ndarray  # event time t - g
    att: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    psi: np.ndarray  # (cells, G_all): sum over units of a cluster of the influence function
    cohorts: np.ndarray  # period positions of the kept cohorts
    pg: np.ndarray  # weight share of each kept cohort among all kept units
    psi_p: np.ndarray  # (cohorts, G_all) influence of pg
    n_clusters: int
    n_units: int
    n_obs: int
    dropped_cohorts: tuple[Any, ...]
    reference_event: int | None
    alerts: tuple[str, ...]


def _cs_cells(
    pa: _Panel,
    *,
    control_group: str,
    base_period: str,
    anticipation: int,
    func: str,
    warn: bool = True,
) -> _CSCells:
    from scipy.sparse import csr_matrix

    n_u, n_t, a = pa.n_units, pa.n_periods, anticipation
    ucoh = np.full(n_u, np.inf)
    ucoh[pa.unit] = pa.cohort_pos
    counts = np.bincount(pa.unit, minlength=n_u)
    present = counts > 0
    if pa.w is None:
        uw = np.ones(n_u)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            uw = np.bincount(pa.unit, weights=pa.w, minlength=n_u) / counts
        uw[~present] = 0.0
    ucl = np.zeros(n_u, dtype=np.int64)
    ucl[pa.unit] = pa.cluster
    alerts: list[str] = []
    if not np.array_equal(ucl[pa.unit], pa.cluster):
        msg = (
            "Some units appear in several clusters; each unit's influence is assigned to the "
            "cluster of its last row."
        )
        alerts.append(msg)
        if warn:
            _warn(f"{func}: {msg}", BankPerfWarning)
    finite = np.isfinite(ucoh) & present
    no_pre = finite & (ucoh - 1 - a < 0)
    dropped: tuple[Any, ...] = ()
    if no_pre.any():
        dropped = tuple(pa.period_label(c) for c in np.unique(ucoh[no_pre]))
        msg = (
            f"Dropped cohort(s) {', '.join(map(str, dropped))} ({int(no_pre.sum())} units): "
            "treated from the first observed period, so there is no pre-adoption period to "
            "compare with."
        )
        alerts.append(msg)
        if warn:
            _warn(f"{func}: {msg}", SmallSampleWarning)
    keep_u = present & ~no_pre
    cohorts = np.unique(ucoh[keep_u & np.isfinite(ucoh)]).astype(np.int64)
    if cohorts.size == 0:
        raise InsufficientSampleError(f"{func}: no treated cohort with a pre-adoption period in the sample.")
    never = keep_u & ~np.isfinite(ucoh)
    if control_group == "never" and not never.any():
        raise InsufficientSampleError(
            f"{func}: there are no never-treated units; use control_group='notyet' "
            "(not-yet-treated units as controls)."
        )
    n_cl_all = pa.n_clusters
    ykeep = keep_u[pa.unit]
    y_wide = np.full((n_u, n_t), np.nan)
    y_wide[pa.unit[ykeep], pa.tpos[ykeep]] = pa.y[ykeep]
    idx = np.flatnonzero(keep_u)
    onehot = csr_matrix((np.ones(idx.size), (ucl[idx], idx)), shape=(n_cl_all, n_u))
    g_present = int(np.count_nonzero(np.bincount(ucl[idx], minlength=n_cl_all)))
    if g_present < 2:
        raise InsufficientSampleError(f"{func}: clustered inference needs at least 2 clusters.")
    uwk = np.where(keep_u, uw, 0.0)
    w_all = uwk.sum()
    pg = np.array([uwk[ucoh == c].sum() / w_all for c in cohorts])
    psi_p = np.vstack([onehot @ (uwk * ((ucoh == c) - pg[k])) / w_all for k, c in enumerate(cohorts)])

    weighted = pa.w is not None

    def block(rows: np.ndarray, ts: np.ndarray, bs: np.ndarray, thr: np.ndarray | None):
        """Cluster sums of w*1{use} and w*1{use}*(y_t - y_base) over ``rows``, and counts.

        ``rows`` are sorted by cluster, so cluster sums are one ``np.add.reduceat``.
        """
        if base_period == "universal":
            d = y_wide[rows]
            d -= d[:, bs[0]][:, None]
        else:
            yr = y_wide[rows]
            d = yr[:, ts] - yr[:, bs]
        use = np.isfinite(d)
        if thr is not None:
            use &= ucoh[rows][:, None] > thr[None, :]
        d[~use] = 0.0
        wu = use.astype(np.float64)
        if weighted:
            d *= uw[rows][:, None]
            wu *= uw[rows][:, None]
        s0 = np.zeros((n_cl_all, d.shape[1]))
        s1 = np.zeros((n_cl_all, d.shape[1]))
        if rows.size:
            cl = ucl[rows]
            starts = np.flatnonzero(np.r_[True, cl[1:] != cl[:-1]])
            s0[cl[starts]] = np.add.reduceat(wu, starts, axis=0)
            s1[cl[starts]] = np.add.reduceat(d, starts, axis=0)
        counts = s0.sum(0) if not weighted else use.sum(0)
        return s0, s1, counts

    out_cg, out_t, out_e, out_att, out_nt, out_nc, out_psi = [], [], [], [], [], [], []
    kept_idx = np.flatnonzero(keep_u)
    kept_idx = kept_idx[np.argsort(ucl[kept_idx], kind="stable")]  # cluster order
    never_idx = kept_idx[~np.isfinite(ucoh[kept_idx])]
    uc_kept = ucoh[kept_idx]
    for k, g in enumerate(cohorts):
        b_univ = int(g) - 1 - a
        ts = np.arange(n_t)
        if base_period == "universal":
            bs = np.full(n_t, b_univ)
            sel = ts != b_univ  # the base column is computed (it is 0) and dropped below
        else:
            bs = np.where(ts < g - a, ts - 1, b_univ)
            sel = (bs >= 0) & (ts != bs)
            ts, bs = ts[sel], bs[sel]
            sel = np.ones(ts.size, dtype=bool)
        if not sel.any():
            continue
        tr_rows = kept_idx[uc_kept == g]
        if control_group == "never":
            c_rows, thr = never_idx, None
        else:
            thr = np.maximum(ts, bs) + a
            c_rows = kept_idx[(uc_kept > thr[sel].min()) & (uc_kept != g)]
        s0_t, s1_t, n_tr = block(tr_rows, ts, bs, None)
        s0_c, s1_c, n_co = block(c_rows, ts, bs, thr)
        w_t, w_c = s0_t.sum(0), s0_c.sum(0)
        ok = sel & (w_t > 0) & (w_c > 0)
        if not ok.any():
            continue
        w_t, w_c = np.where(ok, w_t, 1.0), np.where(ok, w_c, 1.0)
        m_t, m_c = s1_t.sum(0) / w_t, s1_c.sum(0) / w_c
        psi = (s1_t - m_t * s0_t) / w_t - (s1_c - m_c * s0_c) / w_c
        out_psi.append(psi[:, ok].T)
        out_cg.append(np.full(int(ok.sum()), k))
        out_t.append(ts[ok])
        out_e.append(ts[ok] - g)
        out_att.append((m_t - m_c)[ok])
        out_nt.append(np.asarray(n_tr)[ok].astype(np.int64))
        out_nc.append(np.asarray(n_co)[ok].astype(np.int64))
    if not out_att:
        raise InsufficientSampleError(
            f"{func}: no group-time effect could be estimated (no comparison units observed "
            "in both the base period and the target periods)."
        )
    return _CSCells(
        cg=np.concatenate(out_cg),
        t=np.concatenate(out_t),
        e=np.concatenate(out_e),
        att=np.concatenate(out_att),
        n_treated=np.concatenate(out_nt),
        n_control=np.concatenate(out_nc),
        psi=np.vstack(out_psi),
        cohorts=cohorts,
        pg=pg,
        psi_p=psi_p,
        n_clusters=g_present,
        n_units=int(keep_u.sum()),
        n_obs=int(ykeep.sum()),
        dropped_cohorts=dropped,
        reference_event=(-1 - a) if base_period == "universal" else None,
        alerts=tuple(alerts),
    )


def _wavg(cells: _CSCells, est: np.ndarray, psi: np.ndarray, cg: np.ndarray):
    """Cohort-size weighted average of ``est`` with the influence of the estimated weights."""
    p = cells.pg[cg]
    s = p.sum()
    w = p / s
    theta = float(w @ est)
    pp = cells.psi_p[cg]
    infl = w @ psi + (est @ pp - theta * pp.sum(0)) / s
    return theta, infl


def _aggregate_cells(
    cells: _CSCells, kind: str, min_e: int | None, max_e: int | None
) -> tuple[list[Any], np.ndarray, np.ndarray, float, np.ndarray, list[int]]:
    """Rows (keys, estimates, influences) and the overall estimate of an aggregation."""
    lo = -np.inf if min_e is None else min_e
    hi = np.inf if max_e is None else max_e
    post = (cells.e >= 0) & (cells.e <= hi)
    keys: list[Any] = []
    ests: list[float] = []
    infs: list[np.ndarray] = []
    sizes: list[int] = []
    if kind == "overall":
        if not post.any():
            raise InsufficientSampleError("No post-adoption group-time effect is estimable.")
        theta, infl = _wavg(cells, cells.att[post], cells.psi[post], cells.cg[post])
        return ["overall"], np.array([theta]), infl[None, :], theta, infl, [int(post.sum())]
    if kind == "group":
        gidx = []
        for k in range(cells.cohorts.size):
            m = post & (cells.cg == k)
            if m.any():
                keys.append(k)
                gidx.append(k)
                ests.append(float(cells.att[m].mean()))
                infs.append(cells.psi[m].mean(0))
                sizes.append(int(m.sum()))
        est_a, inf_a = np.array(ests), np.vstack(infs)
        theta, infl = _wavg(cells, est_a, inf_a, np.array(gidx))
        return keys, est_a, inf_a, theta, infl, sizes
    if kind == "event":
        for e in np.unique(cells.e):
            if e < lo or e > hi:
                continue
            m = cells.e == e
            th, inf = _wavg(cells, cells.att[m], cells.psi[m], cells.cg[m])
            keys.append(int(e))
            ests.append(th)
            infs.append(inf)
            sizes.append(int(m.sum()))
        est_a, inf_a = np.array(ests), np.vstack(infs)
        postk = np.array(keys) >= 0
        if not postk.any():
            raise InsufficientSampleError("No post-adoption event time is estimable.")
        return keys, est_a, inf_a, float(est_a[postk].mean()), inf_a[postk].mean(0), sizes
    if kind == "calendar":
        for t in np.unique(cells.t[post]):
            m = post & (cells.t == t)
            th, inf = _wavg(cells, cells.att[m], cells.psi[m], cells.cg[m])
            keys.append(int(t))
            ests.append(th)
            infs.append(inf)
            sizes.append(int(m.sum()))
        est_a, inf_a = np.array(ests), np.vstack(infs)
        return keys, est_a, inf_a, float(est_a.mean()), inf_a.mean(0), sizes
    raise ParamsError(kind)  # pragma: no cover - validated by callers


@dataclass(frozen=True, slots=True, eq=False)
class AggregationResult:
    """An aggregation of group-time effects (or TWFE event-study coefficients).

    Attributes
    ----------
    kind : str
        ``"overall"``, ``"group"``, ``"event"`` or ``"calendar"``.
    estimator : str
        ``"callaway-santanna"`` or ``"twfe"``.
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        The overall summary of the aggregation (for ``"event"``: the mean of the
        post-adoption event-time effects, like ``did::aggte``).
    frame : DataFrame
        One row per cohort / event time / period with pointwise intervals. The event
        frame has a ``reference`` row (fixed at 0) under the universal base period.
    vcov_matrix : ndarray
        Covariance of the non-reference rows of ``frame`` (in order).
    reference_event : int or None
    """

    kind: str
    estimator: str
    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    frame: pd.DataFrame = field(repr=False)
    vcov_matrix: np.ndarray = field(repr=False)
    reference_event: int | None
    anticipation: int
    n_clusters: int
    df_t: float
    alpha: float
    outcome: str
    cluster_influence: np.ndarray | None = field(default=None, repr=False)
    cluster_labels: np.ndarray | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the aggregation (one row per key)."""
        return self.frame.copy()

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        name = {"callaway-santanna": "Callaway-Sant'Anna", "twfe": "TWFE event study"}
        return ResultSummary(
            title=f"{name.get(self.estimator, self.estimator)}: {self.kind} aggregation",
            info=(
                ("Outcome", self.outcome),
                (
                    "Overall",
                    f"{_f(self.estimate, 3)} (se {_f(self.std_error, 3)}, "
                    f"{1 - self.alpha:.0%} CI {_f(self.ci_low, 3)} to {_f(self.ci_high, 3)}, "
                    f"p {_fp(self.pvalue)})",
                ),
                ("Inference", f"clustered, {self.n_clusters} clusters, t({self.df_t:.0f})"),
            ),
            tables=((f"By {self.kind}", self.to_frame()),),
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion about the overall effect."""
        _check_literal(lang, "lang", "AggregationResult.conclusion", Lang)
        return _effect_sentence(
            self.estimate,
            self.ci_low,
            self.ci_high,
            self.pvalue,
            self.outcome,
            unit,
            lang,
            self.alpha,
            who=self.estimator,
        )

    def plot(self, *, lang: Lang = "en", ax=None, title: str | None = None):
        """Event-study plot (``kind="event"`` only); see :func:`plot_event_study`."""
        return plot_event_study(self, lang=lang, ax=ax, title=title)


def _make_aggregation(
    cells: _CSCells,
    pa: _Panel,
    kind: str,
    *,
    alpha: float,
    min_e: int | None,
    max_e: int | None,
    anticipation: int,
) -> AggregationResult:
    kind = "group" if kind == "cohort" else kind
    keys, est, infl, theta, theta_if, sizes = _aggregate_cells(cells, kind, min_e, max_e)
    g = cells.n_clusters
    scale = g / (g - 1)
    vcov = scale * (infl @ infl.T)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    df = float(g - 1)
    frame = _infer_vec(est, se, df, alpha)
    frame.insert(0, "n_cells", sizes)
    if kind == "group":
        frame.insert(0, "cohort", [pa.period_label(cells.cohorts[k]) for k in keys])
        frame.insert(1, "cohort_share", cells.pg[np.array(keys)])
    elif kind == "event":
        frame.insert(0, "event_time", keys)
        frame["reference"] = False
        ref = cells.reference_event
        lo = -np.inf if min_e is None else min_e
        if ref is not None and ref not in keys and ref >= lo:
            row = {c: np.nan for c in frame.columns}
            row.update(event_time=ref, estimate=0.0, n_cells=0, reference=True)
            frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
            frame = frame.sort_values("event_time", kind="stable").reset_index(drop=True)
            frame["reference"] = frame["reference"].astype(bool)
            frame["n_cells"] = frame["n_cells"].astype(int)
    elif kind == "calendar":
        frame.insert(0, "period", [pa.period_label(t) for t in keys])
    else:
        frame.insert(0, "aggregation", keys)
    theta_se = float(np.sqrt(scale * theta_if @ theta_if))
    stat, p, lo_, hi_ = _infer(theta, theta_se, df, alpha)
    return AggregationResult(
        kind=kind,
        estimator="callaway-santanna",
        estimate=theta,
        std_error=theta_se,
        statistic=stat,
        pvalue=p,
        ci_low=lo_,
        ci_high=hi_,
        frame=frame,
        vcov_matrix=vcov,
        reference_event=cells.reference_event,
        anticipation=anticipation,
        n_clusters=g,
        df_t=df,
        alpha=alpha,
        outcome=pa.outcome,
        cluster_influence=theta_if,
        cluster_labels=pa.cluster_labels,
    )


@dataclass(frozen=True, slots=True, eq=False)
class StaggeredDiDResult:
    """Callaway & Sant'Anna (2021) heterogeneity-robust DiD.

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        Overall ATT of the requested ``aggregation`` (``"overall"``: average of all
        post-adoption ATT(g, t) weighted by cohort size).
    aggregation : str
    att_gt : DataFrame
        Group-time effects: cohort, period, event_time, estimate, std_error, intervals,
        n_treated, n_control.
    control_group, base_period : str
    anticipation : int
    n_obs, n_units, n_clusters, n_cohorts : int
    dropped_cohorts : tuple
        Cohorts without a pre-adoption period (treated from the first period).
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    aggregation: str
    att_gt: pd.DataFrame = field(repr=False)
    aggregated: AggregationResult = field(repr=False)
    control_group: str
    base_period: str
    anticipation: int
    n_obs: int
    n_units: int
    n_clusters: int
    n_cohorts: int
    dropped_cohorts: tuple[Any, ...]
    cluster: str
    outcome: str
    alpha: float
    alerts: tuple[str, ...] = ()
    _cells: _CSCells | None = field(default=None, repr=False)
    _panel: _Panel | None = field(default=None, repr=False)

    def aggregate(
        self,
        kind: Aggregation = "event",
        *,
        min_event: int | None = None,
        max_event: int | None = None,
    ) -> AggregationResult:
        """Aggregate the group-time effects with clustered influence-function inference.

        ``kind`` is ``"overall"``, ``"group"``/``"cohort"``, ``"event"`` or ``"calendar"``;
        ``min_event``/``max_event`` restrict the event window.
        """
        _check_literal(kind, "kind", "StaggeredDiDResult.aggregate", Aggregation)
        return _make_aggregation(
            self._cells,
            self._panel,
            kind,
            alpha=self.alpha,
            min_e=min_event,
            max_e=max_event,
            anticipation=self.anticipation,
        )

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the requested aggregation."""
        return self.aggregated.to_frame()

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        info = (
            ("Estimator", "Callaway & Sant'Anna (2021), unconditional parallel trends"),
            ("Outcome", self.outcome),
            ("Controls", _CONTROL_LABEL[self.control_group]),
            ("Base period", f"{self.base_period}; anticipation {self.anticipation}"),
            (
                f"ATT ({self.aggregation})",
                f"{_f(self.estimate, 3)} (se {_f(self.std_error, 3)}, {1 - self.alpha:.0%} CI "
                f"{_f(self.ci_low, 3)} to {_f(self.ci_high, 3)}, p {_fp(self.pvalue)})",
            ),
            (
                "Inference",
                f"analytic influence function clustered by {self.cluster!r} "
                f"({self.n_clusters} clusters), t({self.n_clusters - 1})",
            ),
            (
                "Sample",
                f"{self.n_obs:,} rows, {self.n_units:,} units, {self.n_cohorts} cohorts, "
                f"{len(self.att_gt)} group-time cells",
            ),
        )
        notes = ("Group-time effects: result.att_gt; other aggregations: result.aggregate(kind).",)
        return ResultSummary(
            title="Staggered difference-in-differences",
            info=info,
            tables=((f"Aggregation: {self.aggregation}", self.to_frame()),),
            alerts=self.alerts,
            notes=notes,
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion."""
        _check_literal(lang, "lang", "StaggeredDiDResult.conclusion", Lang)
        return _effect_sentence(
            self.estimate,
            self.ci_low,
            self.ci_high,
            self.pvalue,
            self.outcome,
            unit,
            lang,
            self.alpha,
            who="callaway-santanna",
        )


def staggered_did(
    panel: pd.DataFrame,
    outcome: str,
    *,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    aggregation: Aggregation = "overall",
    weights: str | None = None,
    alpha: float = 0.05,
) -> StaggeredDiDResult:
    """Heterogeneity-robust DiD for staggered adoption (Callaway & Sant'Anna 2021).

    For every adoption cohort ``g`` and period ``t`` the group-time effect is the
    difference-in-means of the change ``y_t - y_base`` between the cohort and the
    comparison units observed in both periods (``base = g - 1 - anticipation``; with
    ``base_period="varying"`` pre-periods use ``t - 1``). Comparison units are the
    never-treated plus, with ``control_group="notyet"`` (default), units not yet treated
    by ``max(t, base) + anticipation``. Already-treated units are never used as
    controls, which is what makes the estimator robust to effects that vary by cohort
    and over time. Unbalanced panels are handled pair by pair (units missing one of the
    two periods of a cell are left out of that cell).

    Inference: analytic influence functions summed within ``cluster`` (branch), with a
    ``G/(G-1)`` factor and ``t(G-1)`` critical values; aggregations include the
    influence of the estimated cohort-size weights (as ``did::aggte``).

    Parameters
    ----------
    panel, outcome, unit_col, period_col, cluster, cohort_col :
        See :func:`twfe_did`. ``cluster`` is required (use ``unit_col`` to cluster by
        unit).
    control_group : {"notyet", "never"}
    base_period : {"universal", "varying"}
        ``"universal"`` compares every period with ``g - 1`` (event time -1 is the
        reference, as in a TWFE event study).
    anticipation : int
        Periods before adoption in which units may already react.
    aggregation : {"overall", "group", "cohort", "event", "calendar"}
        Which summary the headline ``estimate`` reports.
    weights : str, optional
        Observation weights; each unit gets the mean of its weights.
    alpha : float

    Returns
    -------
    StaggeredDiDResult

    Raises
    ------
    InsufficientSampleError
        No usable cohort, no never-treated units with ``control_group="never"``, fewer
        than 2 clusters.

    Warns
    -----
    SmallSampleWarning
        A cohort treated from the first observed period is dropped.
    """
    func = "staggered_did"
    _check_literal(control_group, "control_group", func, ControlGroup)
    _check_literal(base_period, "base_period", func, BasePeriod)
    _check_literal(aggregation, "aggregation", func, Aggregation)
    anticipation = _check_int(anticipation, "anticipation", func, 0)
    alpha = _check_alpha(alpha, func)
    if cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel (inference is "
            "always clustered; pass unit_col to cluster by unit). Got None instead."
        )
    pa = _prepare(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        cluster_col=cluster,
        cohort_col=cohort_col,
        weights_col=weights,
    )
    return _staggered_from_panel(
        pa,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        aggregation=aggregation,
        alpha=alpha,
        cluster=cluster,
        func=func,
    )


def _staggered_from_panel(
    pa: _Panel,
    *,
    control_group: str,
    base_period: str,
    anticipation: int,
    aggregation: str,
    alpha: float,
    cluster: str,
    func: str,
    warn: bool = True,
) -> StaggeredDiDResult:
    cells = _cs_cells(
        pa,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        func=func,
        warn=warn,
    )
    alerts = cells.alerts + (_few_clusters(cells.n_clusters, func) if warn else ())
    g = cells.n_clusters
    se = np.sqrt(g / (g - 1) * np.einsum("ij,ij->i", cells.psi, cells.psi))
    att = _infer_vec(cells.att, se, float(g - 1), alpha)
    att.insert(0, "event_time", cells.e)
    att.insert(0, "period", [pa.period_label(t) for t in cells.t])
    att.insert(0, "cohort", [pa.period_label(cells.cohorts[k]) for k in cells.cg])
    att["n_treated"] = cells.n_treated
    att["n_control"] = cells.n_control
    agg = _make_aggregation(
        cells, pa, aggregation, alpha=alpha, min_e=None, max_e=None, anticipation=anticipation
    )
    return StaggeredDiDResult(
        estimate=agg.estimate,
        std_error=agg.std_error,
        statistic=agg.statistic,
        pvalue=agg.pvalue,
        ci_low=agg.ci_low,
        ci_high=agg.ci_high,
        aggregation=agg.kind,
        att_gt=att,
        aggregated=agg,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        n_obs=cells.n_obs,
        n_units=cells.n_units,
        n_clusters=cells.n_clusters,
        n_cohorts=int(cells.cohorts.size),
        dropped_cohorts=cells.dropped_cohorts,
        cluster=cluster,
        outcome=pa.outcome,
        alpha=alpha,
        alerts=alerts,
        _cells=cells,
        _panel=pa,
    )


# ---------------------------------------------------------------------------
# 4. event study, pre-trend test with power, placebo
# ---------------------------------------------------------------------------


def _twfe_event(
    pa: _Panel,
    *,
    leads: int,
    lags: int,
    fixef_dof: str,
    drop_singletons: bool,
    tol: float,
    maxiter: int,
    alpha: float,
    func: str,
) -> tuple[AggregationResult, list[str]]:
    ev = pa.tpos - pa.cohort_pos  # -inf for never treated
    ever = np.isfinite(ev)
    evc = np.clip(np.where(ever, ev, 0), -leads, lags)
    notes: list[str] = []
    omit = {-1}
    ucoh = np.full(pa.n_units, np.inf)
    ucoh[pa.unit] = pa.cohort_pos
    if not np.any(~np.isfinite(ucoh[np.bincount(pa.unit, minlength=pa.n_units) > 0])):
        omit.add(-leads)
        notes.append(
            f"No never-treated units: event times -1 and {-leads} (binned) are both omitted "
            "so that the TWFE event study is identified."
        )
    events = [e for e in range(-leads, lags + 1) if e not in omit]
    regs = np.zeros((pa.n, len(events)))
    for j, e in enumerate(events):
        regs[:, j] = ever & (evc == e)
    names = [str(e) for e in events]
    fit = _twfe_fit(
        pa,
        regs,
        names,
        vcov="cluster",
        fixef_dof=fixef_dof,
        drop_singletons=drop_singletons,
        tol=tol,
        maxiter=maxiter,
        func=func,
        required=0,
    )
    if pa.x is not None:
        keep_idx = [i for i, nm in enumerate(fit.names) if nm not in pa.covariates]
    else:
        keep_idx = list(range(len(fit.names)))
    ev_kept = np.array([int(fit.names[i]) for i in keep_idx])
    if fit.dropped_terms:
        gone = [t for t in fit.dropped_terms if t not in pa.covariates]
        if gone:
            notes.append(f"Event times not identified and dropped: {', '.join(gone)}.")
    beta = fit.beta[keep_idx]
    vcov = fit.vcov[np.ix_(keep_idx, keep_idx)]
    se = np.sqrt(np.diag(vcov))
    frame = _infer_vec(beta, se, fit.df_t, alpha)
    frame.insert(0, "event_time", ev_kept)
    frame.insert(1, "n_cells", 1)
    frame["reference"] = False
    refs = pd.DataFrame([{"event_time": e, "estimate": 0.0, "n_cells": 0, "reference": True} for e in omit])
    frame = pd.concat([frame, refs], ignore_index=True)
    frame = frame.sort_values("event_time", kind="stable").reset_index(drop=True)
    frame["reference"] = frame["reference"].astype(bool)
    post = ev_kept >= 0
    a = np.where(post, 1.0 / max(post.sum(), 1), 0.0)
    theta = float(a @ beta)
    theta_se = float(np.sqrt(a @ vcov @ a))
    stat, p, lo, hi = _infer(theta, theta_se, fit.df_t, alpha)
    infl = None if fit.cluster_if is None else fit.cluster_if[:, keep_idx] @ a
    agg = AggregationResult(
        kind="event",
        estimator="twfe",
        estimate=theta,
        std_error=theta_se,
        statistic=stat,
        pvalue=p,
        ci_low=lo,
        ci_high=hi,
        frame=frame,
        vcov_matrix=vcov,
        reference_event=-1,
        anticipation=0,
        n_clusters=fit.n_clusters,
        df_t=fit.df_t,
        alpha=alpha,
        outcome=pa.outcome,
        cluster_influence=infl,
        cluster_labels=pa.cluster_labels,
    )
    return agg, notes


@dataclass(frozen=True, slots=True, eq=False)
class PreTrendTestResult:
    """Joint Wald test that all pre-adoption event-time effects are zero, with its power.

    Unpacks as ``statistic, pvalue = result``.

    H0: every pre-adoption effect is 0 (parallel pre-trends). H1: at least one is not.
    A non-rejection is not proof of parallel trends (Roth 2022): ``power`` is the
    probability that this test rejects when the pre-trend is linear with slope ``slope``
    per period (noncentral F with the estimated covariance), and
    ``detectable_slope`` is the slope it detects with probability ``power_target``.

    Attributes
    ----------
    statistic, pvalue : float
        Wald statistic in its F form, ``W / df`` with ``(df, df_denom)`` degrees of
        freedom (``df`` = number of pre-periods, ``df_denom`` = clusters - 1). The
        chi-square test is its many-cluster limit and over-rejects with few clusters.
    df : int
    df_denom : float
    slope : float
        Slope (outcome units per period) the power refers to.
    slope_source : str
        ``"user"`` or ``"explains the whole effect"`` (the default: the linear trend that
        alone would produce the average post-adoption estimate).
    power : float
    detectable_slope : float
    power_target, alpha : float
    estimator : str
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    df: int
    df_denom: float
    slope: float
    slope_source: str
    power: float
    detectable_slope: float
    power_target: float
    alpha: float
    estimator: str
    pre_event_times: tuple[int, ...]

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    @property
    def reject(self) -> bool:
        """Whether parallel pre-trends are rejected at ``alpha``."""
        return bool(self.pvalue < self.alpha)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "test": "joint pre-trend Wald (F)",
                    "estimator": self.estimator,
                    "statistic": self.statistic,
                    "df": self.df,
                    "df_denom": self.df_denom,
                    "pvalue": self.pvalue,
                    "slope": self.slope,
                    "slope_source": self.slope_source,
                    "power": self.power,
                    "detectable_slope": self.detectable_slope,
                    "power_target": self.power_target,
                }
            ]
        )

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        return ResultSummary(
            title="Pre-trend test",
            tables=(("Joint test of the pre-adoption effects", self.to_frame()),),
            notes=(self.conclusion("en"),),
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading (never 'no pre-trend' without the power)."""
        _check_literal(lang, "lang", "PreTrendTestResult.conclusion", Lang)
        nd = _ndigits(abs(self.detectable_slope) if np.isfinite(self.detectable_slope) else 1)
        u = f" {unit}" if unit and lang == "en" else unit
        ds = f"{self.detectable_slope:.{nd}f}{u}"
        sl = f"{abs(self.slope):.{nd}f}{u}"
        pct = f"{self.power_target:.0%}"
        if lang == "en":
            if self.reject:
                return (
                    f"Pre-trends: the joint test rejects parallel pre-trends (p {_fp(self.pvalue)}"
                    f" over {self.df} pre-periods); the estimate should not be read as causal."
                )
            s = (
                f"Pre-trends: no evidence (p {_fp(self.pvalue)} over {self.df} pre-periods), but "
                f"the test could only detect linear pre-trends steeper than {ds} per period "
                f"with {pct} power"
            )
            if np.isfinite(self.power):
                what = (
                    "one that would explain the whole effect"
                    if self.slope_source != "user"
                    else "the slope you gave"
                )
                s += f"; its power against a slope of {sl} per period ({what}) is {self.power:.0%}"
            return s + "."
        if self.reject:
            return (
                f"事前趋势：联合检验拒绝平行趋势（p {_fp(self.pvalue)}，{self.df} 个事前期），"
                "估计结果不宜作因果解读。"
            )
        s = (
            f"事前趋势：未发现证据（p {_fp(self.pvalue)}，{self.df} 个事前期），但该检验只能以 "
            f"{pct} 的把握发现每期斜率大于 {ds} 的线性事前趋势"
        )
        if np.isfinite(self.power):
            what = "足以解释全部效应的趋势" if self.slope_source != "user" else "给定斜率"
            s += f"；对每期 {sl} 的斜率（{what}）其检验功效为 {self.power:.0%}"
        return s + "。"


def _pretrend(
    agg: AggregationResult, *, slope: float | None, alpha: float, power: float
) -> PreTrendTestResult | None:
    fr = agg.frame
    est_rows = fr.loc[~fr["reference"]].reset_index(drop=True)
    e = est_rows["event_time"].to_numpy()
    pre = e < -agg.anticipation
    if not pre.any():
        return None
    beta = est_rows["estimate"].to_numpy()[pre]
    v = agg.vcov_matrix[np.ix_(pre, pre)]
    vinv = np.linalg.pinv(v)
    df = int(np.linalg.matrix_rank(v))
    wald = float(beta @ vinv @ beta)
    # F version of the Wald test, F(q, G - 1): the chi-square test over-rejects with a
    # cluster-robust covariance estimated from few clusters (chi2 is its G -> inf limit)
    d2 = agg.df_t if np.isfinite(agg.df_t) else 1e9
    fstat = wald / df
    pval = float(stats.f.sf(fstat, df, d2))
    ref = agg.reference_event
    mu1 = (e[pre] - ref).astype(float) if ref is not None else np.ones(int(pre.sum()))
    nc1 = float(mu1 @ vinv @ mu1)
    crit = float(stats.f.ppf(1 - alpha, df, d2))
    source = "user"
    if slope is None:
        post = e >= 0
        horizon = np.mean(e[post] + 1 + agg.anticipation) if post.any() else np.nan
        theta = np.mean(est_rows["estimate"].to_numpy()[post]) if post.any() else np.nan
        slope = float(abs(theta) / horizon) if np.isfinite(horizon) else float("nan")
        source = "explains the whole effect"
    slope = float(slope)
    if not np.isfinite(slope):
        pw = float("nan")
    elif slope == 0:
        pw = alpha
    else:
        pw = float(stats.ncf.sf(crit, df, d2, slope**2 * nc1))
    from scipy.optimize import brentq

    if nc1 > 0:
        lam = brentq(lambda x: stats.ncf.sf(crit, df, d2, x) - power, 1e-9, 1e5)
        mds = float(np.sqrt(lam / nc1))
    else:
        mds = float("inf")
    return PreTrendTestResult(
        statistic=fstat,
        pvalue=pval,
        df=df,
        df_denom=float(d2),
        slope=slope,
        slope_source=source,
        power=pw,
        detectable_slope=mds,
        power_target=power,
        alpha=alpha,
        estimator=agg.estimator,
        pre_event_times=tuple(int(x) for x in e[pre]),
    )


def pretrend_test(
    result: Any,
    *,
    slope: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
) -> PreTrendTestResult:
    """Joint Wald test of the pre-adoption event-time effects, with its power.

    Parameters
    ----------
    result : AggregationResult, EventStudyResult, StaggeredDiDResult or IncentiveEffectResult
        An event-time aggregation (with its covariance). A ``StaggeredDiDResult`` is
        aggregated by event time first; an ``EventStudyResult`` uses its robust series.
    slope : float, optional
        Linear pre-trend (outcome units per period) to compute the power against.
        Default: the slope that alone would explain the average post-adoption estimate.
    alpha : float
        Level of the test.
    power : float
        Target power for ``detectable_slope``.

    Returns
    -------
    PreTrendTestResult
        H0: all pre-adoption effects are zero; H1: some are not.

    Notes
    -----
    Under a linear pre-trend with slope ``d`` and the universal base period, the
    expected pre-period estimates are ``d * (e - e_ref)``; under the varying base they
    are ``d``. ``W = b' V^-1 b`` is then approximately noncentral chi-square with
    noncentrality ``mu' V^-1 mu`` (Roth 2022, "Pretest with caution"); we use its F form
    ``W/q ~ F(q, G-1, mu' V^-1 mu)`` for the p-value and the power.
    """
    func = "pretrend_test"
    alpha = _check_alpha(alpha, func)
    if not isinstance(power, (int, float)) or not 0 < power < 1:
        raise ParamsError(
            f"The 'power' parameter of {func} must be a float in (0, 1). Got {power!r} instead."
        )
    agg = _event_aggregation_of(result, func)
    out = _pretrend(agg, slope=slope, alpha=alpha, power=float(power))
    if out is None:
        raise InsufficientSampleError(
            f"{func}: no pre-adoption event time is estimable (need periods before g - 1)."
        )
    return out


def _event_aggregation_of(result: Any, func: str) -> AggregationResult:
    if isinstance(result, AggregationResult) and result.kind == "event":
        return result
    if isinstance(result, EventStudyResult):
        return result.robust if result.robust is not None else result.twfe
    if isinstance(result, StaggeredDiDResult):
        return result.aggregate("event")
    if isinstance(result, IncentiveEffectResult):
        return result.event
    raise ParamsError(
        f"The 'result' parameter of {func} must be an event-time AggregationResult, "
        f"EventStudyResult, StaggeredDiDResult or IncentiveEffectResult. "
        f"Got {type(result).__name__} instead."
    )


@dataclass(frozen=True, slots=True, eq=False)
class PlaceboResult:
    """Placebo DiD with adoption moved ``shift`` periods earlier, on pre-adoption data only.

    Unpacks as ``statistic, pvalue = result``. H0: the placebo effect is 0 (as it must
    be under parallel trends and no anticipation); H1: it is not.
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    shift: int
    n_obs: int
    n_cohorts: int
    n_clusters: int
    dropped_cohorts: tuple[Any, ...]
    outcome: str
    alpha: float

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "test": f"placebo (adoption {self.shift} period(s) earlier)",
                    "estimate": self.estimate,
                    "std_error": self.std_error,
                    "statistic": self.statistic,
                    "pvalue": self.pvalue,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n_obs": self.n_obs,
                    "n_cohorts": self.n_cohorts,
                }
            ]
        )

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        notes = (self.conclusion("en"),)
        if self.dropped_cohorts:
            notes += (f"Cohorts without a placebo pre-period dropped: {self.dropped_cohorts}.",)
        return ResultSummary(title="Placebo test", tables=(("Placebo", self.to_frame()),), notes=notes)

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading."""
        _check_literal(lang, "lang", "PlaceboResult.conclusion", Lang)
        nd = _ndigits(self.ci_high - self.ci_low)
        rng = f"{self.ci_low:.{nd}f} to {self.ci_high:.{nd}f}"
        conf = f"{1 - self.alpha:.0%}"
        bad = self.pvalue < self.alpha
        if lang == "en":
            head = (
                f"Placebo (adoption moved {self.shift} period(s) earlier, pre-adoption data "
                f"only): {self.estimate:.{nd}f} ({conf} CI {rng}, p {_fp(self.pvalue)})"
            )
            tail = (
                "; a significant placebo effect points to anticipation or diverging trends."
                if bad
                else "; consistent with no effect before adoption."
            )
            return head + tail
        head = (
            f"安慰剂检验（实施时点提前 {self.shift} 期，仅用实施前数据）：{self.estimate:.{nd}f}"
            f"（{conf} 置信区间 {rng.replace(' to ', ' 至 ')}，p {_fp(self.pvalue)}）"
        )
        tail = "；安慰剂效应显著，提示存在预期效应或趋势不平行。" if bad else "；与实施前无效应一致。"
        return head + tail


def placebo_test(
    panel: pd.DataFrame,
    outcome: str,
    *,
    shift: int = 1,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    weights: str | None = None,
    alpha: float = 0.05,
) -> PlaceboResult:
    """Placebo test: pretend adoption happened ``shift`` periods earlier.

    Only pre-adoption rows are kept (every treated unit's rows from its true adoption
    on are removed), each cohort is moved ``shift`` periods earlier, and the
    Callaway–Sant'Anna overall ATT is estimated. Under parallel trends and no
    anticipation the placebo effect is zero.

    Returns
    -------
    PlaceboResult
        H0: placebo effect = 0; H1: it is not (two-sided).
    """
    func = "placebo_test"
    shift = _check_int(shift, "shift", func, 1)
    _check_literal(control_group, "control_group", func, ControlGroup)
    alpha = _check_alpha(alpha, func)
    pa = _prepare(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        cluster_col=cluster,
        cohort_col=cohort_col,
        weights_col=weights,
    )
    return _placebo_from_panel(
        pa, shift=shift, control_group=control_group, alpha=alpha, cluster=cluster, func=func
    )


def _placebo_from_panel(
    pa: _Panel, *, shift: int, control_group: str, alpha: float, cluster: str, func: str
) -> PlaceboResult:
    pre = pa.subset(pa.tpos < pa.cohort_pos)
    pre.cohort_pos = pre.cohort_pos - shift
    res = _staggered_from_panel(
        pre,
        control_group=control_group,
        base_period="universal",
        anticipation=0,
        aggregation="overall",
        alpha=alpha,
        cluster=cluster,
        func=func,
        warn=False,
    )
    return PlaceboResult(
        statistic=res.statistic,
        pvalue=res.pvalue,
        estimate=res.estimate,
        std_error=res.std_error,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        shift=shift,
        n_obs=res.n_obs,
        n_cohorts=res.n_cohorts,
        n_clusters=res.n_clusters,
        dropped_cohorts=res.dropped_cohorts,
        outcome=pa.outcome,
        alpha=alpha,
    )


@dataclass(frozen=True, slots=True, eq=False)
class EventStudyResult:
    """Event-study (leads and lags) from the robust estimator and, beside it, TWFE dummies.

    Attributes
    ----------
    robust, twfe : AggregationResult or None
        Callaway–Sant'Anna event aggregation; TWFE event-study coefficients (secondary:
        contaminated by other periods' effects under heterogeneous effects, Sun & Abraham
        2021).
    pretrend, pretrend_twfe : PreTrendTestResult or None
    notes : tuple of str
    """

    robust: AggregationResult | None
    twfe: AggregationResult | None
    pretrend: PreTrendTestResult | None
    pretrend_twfe: PreTrendTestResult | None
    leads: int
    lags: int
    outcome: str
    alpha: float
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: estimator, event_time, estimate, std_error, ..., reference."""
        parts = []
        for name, agg in (("callaway-santanna", self.robust), ("twfe", self.twfe)):
            if agg is not None:
                fr = agg.to_frame()
                fr.insert(0, "estimator", name)
                parts.append(fr)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        tables = [("Event-time effects", self.to_frame())]
        tests = [t.to_frame() for t in (self.pretrend, self.pretrend_twfe) if t is not None]
        if tests:
            tables.append(("Pre-trend tests", pd.concat(tests, ignore_index=True)))
        notes = list(self.notes)
        if self.pretrend is not None:
            notes.append(self.pretrend.conclusion("en"))
        return ResultSummary(title=f"Event study: {self.outcome}", tables=tuple(tables), notes=tuple(notes))

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading of the dynamic effects and the pre-trends."""
        _check_literal(lang, "lang", "EventStudyResult.conclusion", Lang)
        main = self.robust if self.robust is not None else self.twfe
        text = main.conclusion(lang, unit)
        if self.pretrend is not None:
            text += " " + self.pretrend.conclusion(lang, unit)
        return text

    def plot(self, *, lang: Lang = "en", ax=None, title: str | None = None):
        """Event-study figure; see :func:`plot_event_study`."""
        return plot_event_study(self, lang=lang, ax=ax, title=title)


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    leads: int = 4,
    lags: int = 4,
    estimator: EventEstimator = "both",
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    weights: str | None = None,
    fixef_dof: FixefDof = "nested",
    alpha: float = 0.05,
    slope: float | None = None,
) -> EventStudyResult:
    """Leads and lags of the incentive effect, with a joint pre-trend test and its power.

    The primary series is the Callaway–Sant'Anna event-time aggregation (event times
    ``-leads..lags``); the secondary one is a TWFE regression on event-time dummies
    (reference -1, endpoints binned; -leads is also omitted when no unit is
    never treated). Both are clustered by ``cluster``.

    Returns
    -------
    EventStudyResult
    """
    func = "event_study"
    leads = _check_int(leads, "leads", func, 1)
    lags = _check_int(lags, "lags", func, 0)
    _check_literal(estimator, "estimator", func, EventEstimator)
    _check_literal(control_group, "control_group", func, ControlGroup)
    _check_literal(base_period, "base_period", func, BasePeriod)
    _check_literal(fixef_dof, "fixef_dof", func, FixefDof)
    anticipation = _check_int(anticipation, "anticipation", func, 0)
    alpha = _check_alpha(alpha, func)
    pa = _prepare(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        cluster_col=cluster,
        cohort_col=cohort_col,
        weights_col=weights,
    )
    robust = twfe = pre_r = pre_t = None
    notes: list[str] = []
    if estimator in ("robust", "both"):
        res = _staggered_from_panel(
            pa,
            control_group=control_group,
            base_period=base_period,
            anticipation=anticipation,
            aggregation="overall",
            alpha=alpha,
            cluster=cluster,
            func=func,
        )
        robust = res.aggregate("event", min_event=-leads, max_event=lags)
        pre_r = _pretrend(robust, slope=slope, alpha=alpha, power=0.8)
    if estimator in ("twfe", "both"):
        twfe, tnotes = _twfe_event(
            pa,
            leads=leads,
            lags=lags,
            fixef_dof=fixef_dof,
            drop_singletons=True,
            tol=1e-10,
            maxiter=10_000,
            alpha=alpha,
            func=func,
        )
        notes += tnotes
        pre_t = _pretrend(twfe, slope=slope, alpha=alpha, power=0.8)
    return EventStudyResult(
        robust=robust,
        twfe=twfe,
        pretrend=pre_r if pre_r is not None else None,
        pretrend_twfe=pre_t,
        leads=leads,
        lags=lags,
        outcome=pa.outcome,
        alpha=alpha,
        notes=tuple(notes),
    )


_PLOT_LABELS = {
    "en": {
        "x": "Periods relative to adoption",
        "y": "Effect on {outcome}",
        "title": "Event study: {outcome}",
        "callaway-santanna": "Callaway-Sant'Anna (robust)",
        "twfe": "TWFE event study",
        "adoption": "adoption",
    },
    "zh": {
        "x": "相对激励实施的期数",
        "y": "对{outcome}的影响",
        "title": "事件研究：{outcome}",
        "callaway-santanna": "Callaway-Sant'Anna（稳健估计）",
        "twfe": "双向固定效应事件研究",
        "adoption": "实施",
    },
}


def plot_event_study(result: Any, *, lang: Lang = "en", ax=None, title: str | None = None):
    """Plot event-time effects with their confidence intervals.

    Parameters
    ----------
    result : EventStudyResult, AggregationResult (event), StaggeredDiDResult or
        IncentiveEffectResult
    lang : {"en", "zh"}
        Language of the axis labels, legend and title (fonts are the caller's business).
    ax : matplotlib Axes, optional
        Draw into this Axes; otherwise a new Figure is created (without pyplot, so
        nothing is shown or kept in global state) at the current ``figure.figsize``.
        Fonts and colours come from the current rcParams (e.g.
        ``plots.use_report_style(lang)``); only the whitegrid axes look is applied here.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    import seaborn as sns
    from matplotlib.figure import Figure

    func = "plot_event_study"
    _check_literal(lang, "lang", func, Lang)
    labels = _PLOT_LABELS[lang]
    if isinstance(result, EventStudyResult):
        series = [a for a in (result.robust, result.twfe) if a is not None]
    else:
        series = [_event_aggregation_of(result, func)]
    outcome = series[0].outcome
    # seaborn's whitegrid look, without its font keys: the caller's font (e.g. the CJK
    # font of plots.use_report_style) and colour cycle stay in force
    style = {k: v for k, v in sns.axes_style("whitegrid").items() if not k.startswith("font")}
    with matplotlib.rc_context(style):
        if ax is None:
            fig = Figure(layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1"])
        colors = [cycle[i % len(cycle)] for i in range(len(series))]
        width = 0.12 * (len(series) - 1)
        for i, agg in enumerate(series):
            ref = agg.frame.loc[agg.frame["reference"], "event_time"].to_numpy(dtype=float)
            fr = agg.frame.loc[~agg.frame["reference"]]
            off = -width / 2 + i * 0.12 if len(series) > 1 else 0.0
            x = fr["event_time"].to_numpy(dtype=float) + off
            y = fr["estimate"].to_numpy(dtype=float)
            lo = np.nan_to_num(y - fr["ci_low"].to_numpy(dtype=float))
            hi = np.nan_to_num(fr["ci_high"].to_numpy(dtype=float) - y)
            ax.errorbar(
                x,
                y,
                yerr=np.vstack([lo, hi]),
                fmt="o",
                capsize=3,
                ms=5,
                color=colors[i],
                label=labels[agg.estimator],
            )
            # reference period(s): fixed at 0 by construction, drawn hollow
            ax.plot(ref + off, np.zeros_like(ref), "o", mfc="white", color=colors[i], ms=5)
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.axvline(-0.5, color="0.5", ls="--", lw=0.8)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(labels["y"].format(outcome=outcome))
        ax.set_title(title if title is not None else labels["title"].format(outcome=outcome))
        ax.legend(loc="best", frameon=False)
    return fig


# ---------------------------------------------------------------------------
# the top-level call: robust estimate, TWFE beside it, disagreement check
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, eq=False)
class IncentiveEffectResult:
    """Incentive effect: robust staggered DiD, TWFE beside it, pre-trend test, placebo.

    The headline fields are the robust (Callaway–Sant'Anna) estimate.

    Disagreement rule: with ``d = TWFE - robust`` and ``se_d`` its cluster-robust
    standard error (from the joint cluster-level influence functions of both
    estimators, so their correlation is accounted for), the estimators *disagree* when
    ``|d| > max(z_{1-alpha/2} * se_d, rtol * |robust|)``: the gap is both statistically
    significant and larger than ``rtol`` (default 10 %) of the robust estimate.

    Attributes
    ----------
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
    robust : StaggeredDiDResult
    twfe : TWFEResult
    event : AggregationResult
        Robust event-time effects (``-leads..lags``).
    pretrend : PreTrendTestResult or None
    placebo : PlaceboResult or None
    difference, difference_se : float
    disagree : bool
    disagreement_rtol : float
    """

    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    robust: StaggeredDiDResult = field(repr=False)
    twfe: TWFEResult = field(repr=False)
    event: AggregationResult = field(repr=False)
    pretrend: PreTrendTestResult | None
    placebo: PlaceboResult | None
    difference: float
    difference_se: float
    disagree: bool
    disagreement_rtol: float
    outcome: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """Robust estimate, TWFE and their difference, one row each."""
        r, t = self.robust, self.twfe
        rows = [
            {
                "estimator": "callaway-santanna",
                "estimate": r.estimate,
                "std_error": r.std_error,
                "statistic": r.statistic,
                "pvalue": r.pvalue,
                "ci_low": r.ci_low,
                "ci_high": r.ci_high,
            },
            {
                "estimator": "twfe",
                "estimate": t.estimate,
                "std_error": t.std_error,
                "statistic": t.statistic,
                "pvalue": t.pvalue,
                "ci_low": t.ci_low,
                "ci_high": t.ci_high,
            },
        ]
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        stat = self.difference / self.difference_se if self.difference_se > 0 else np.nan
        rows.append(
            {
                "estimator": "twfe - robust",
                "estimate": self.difference,
                "std_error": self.difference_se,
                "statistic": stat,
                "pvalue": float(2 * stats.norm.sf(abs(stat))),
                "ci_low": self.difference - z * self.difference_se,
                "ci_high": self.difference + z * self.difference_se,
            }
        )
        return pd.DataFrame(rows)

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        alerts = list(self.robust.alerts) + list(self.twfe.alerts)
        if self.disagree:
            alerts.insert(0, self._disagreement_text())
        tables = [("Estimates", self.to_frame()), ("Event-time effects (robust)", self.event.to_frame())]
        if self.pretrend is not None:
            tables.append(("Pre-trend test", self.pretrend.to_frame()))
        if self.placebo is not None:
            tables.append(("Placebo test", self.placebo.to_frame()))
        info = (
            ("Outcome", self.outcome),
            (
                "Robust estimator",
                "Callaway & Sant'Anna, "
                f"{_CONTROL_LABEL[self.robust.control_group]} controls, "
                f"{self.robust.n_cohorts} cohorts, {self.robust.n_clusters} clusters",
            ),
            (
                "TWFE",
                f"clustered by {self.twfe.cluster!r}; {self.twfe.negative_weight_share:.1%} "
                "of treated observations with negative weight",
            ),
            (
                "Disagreement rule",
                f"|TWFE - robust| > max(z*se_diff, {self.disagreement_rtol:.0%} of |robust|)",
            ),
        )
        return ResultSummary(
            title=f"Incentive effect on {self.outcome}",
            info=info,
            tables=tuple(tables),
            alerts=tuple(alerts),
            notes=(self.conclusion("en"),),
        )

    def _disagreement_text(self) -> str:
        return (
            f"TWFE ({_f(self.twfe.estimate, 3)}) and the heterogeneity-robust estimate "
            f"({_f(self.robust.estimate, 3)}) disagree: difference {_f(self.difference, 3)} "
            f"(se {_f(self.difference_se, 3)}). With staggered adoption and effects that change "
            f"over time TWFE uses already-treated units as controls "
            f"({self.twfe.negative_weight_share:.0%} of treated observations get a negative "
            "weight); report the robust estimate."
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion: effect, TWFE comparison, pre-trends, placebo."""
        _check_literal(lang, "lang", "IncentiveEffectResult.conclusion", Lang)
        parts = [self.robust.conclusion(lang, unit)]
        nd = _ndigits(self.twfe.ci_high - self.twfe.ci_low)
        tw = f"{self.twfe.estimate:.{nd}f}"
        if lang == "en":
            parts.append(
                f"The conventional two-way fixed-effects estimate ({tw}) "
                + ("disagrees and is not reliable here." if self.disagree else "agrees with it.")
            )
        else:
            parts.append(
                f"传统双向固定效应估计（{tw}）"
                + ("与之不一致，此处不可靠。" if self.disagree else "与之一致。")
            )
        if self.pretrend is not None:
            parts.append(self.pretrend.conclusion(lang, unit))
        if self.placebo is not None:
            parts.append(self.placebo.conclusion(lang, unit))
        return " ".join(parts)

    def plot(self, *, lang: Lang = "en", ax=None, title: str | None = None):
        """Event-study figure of the robust estimator; see :func:`plot_event_study`."""
        return plot_event_study(self.event, lang=lang, ax=ax, title=title)


def estimate_incentive_effect(
    panel: pd.DataFrame,
    outcome: str,
    *,
    adoption: pd.DataFrame | pd.Series | Mapping[Any, Any] | None = None,
    level: AdoptionLevel = "branch",
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    aggregation: Aggregation = "overall",
    covariates: Sequence[str] = (),
    weights: str | None = None,
    fixef_dof: FixefDof = "nested",
    leads: int = 4,
    lags: int = 4,
    slope: float | None = None,
    placebo_shift: int | None = None,
    disagreement_rtol: float = 0.10,
    alpha: float = 0.05,
) -> IncentiveEffectResult:
    """Estimate an incentive's effect robustly, with TWFE beside it and the checks.

    Runs :func:`staggered_did` (the headline estimate), :func:`twfe_did` on the same
    sample, the robust event study (``-leads..lags``) with the pre-trend test and its
    power, and optionally a placebo test. Emits
    :class:`~bankperf_analysis.exceptions.EstimatorDisagreementWarning` when TWFE and
    the robust estimate disagree (rule in :class:`IncentiveEffectResult`).

    Parameters
    ----------
    panel : DataFrame
        Long panel; see the module docstring.
    outcome : str
    adoption : DataFrame, Series or mapping, optional
        Adoption table; when given, :func:`attach_treatment` is applied first.
    level : {"branch", "unit"}
        Level of ``adoption``.
    covariates : sequence of str
        Controls for the TWFE regression only (the robust estimator assumes
        unconditional parallel trends); rows with missing covariates are dropped for
        both, so the samples match.
    placebo_shift : int, optional
        Run :func:`placebo_test` with this shift.
    disagreement_rtol : float
        Relative tolerance of the disagreement rule.
    Other parameters :
        As in :func:`staggered_did`, :func:`twfe_did` and :func:`event_study`.

    Returns
    -------
    IncentiveEffectResult
    """
    func = "estimate_incentive_effect"
    _check_literal(control_group, "control_group", func, ControlGroup)
    _check_literal(base_period, "base_period", func, BasePeriod)
    _check_literal(aggregation, "aggregation", func, Aggregation)
    _check_literal(fixef_dof, "fixef_dof", func, FixefDof)
    anticipation = _check_int(anticipation, "anticipation", func, 0)
    leads = _check_int(leads, "leads", func, 1)
    lags = _check_int(lags, "lags", func, 0)
    alpha = _check_alpha(alpha, func)
    if not isinstance(disagreement_rtol, (int, float)) or disagreement_rtol < 0:
        raise ParamsError(
            f"The 'disagreement_rtol' parameter of {func} must be a non-negative float. "
            f"Got {disagreement_rtol!r} instead."
        )
    if cluster is None:
        raise ParamsError(
            f"The 'cluster' parameter of {func} must be a column of the panel. Got None instead."
        )
    if adoption is not None:
        panel = attach_treatment(
            panel, adoption, unit_col=unit_col, period_col=period_col, cluster=cluster, level=level
        )
        cohort_col = COHORT_COL
    pa = _prepare(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        cluster_col=cluster,
        cohort_col=cohort_col,
        weights_col=weights,
        covariates=covariates,
    )
    robust = _staggered_from_panel(
        pa,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        aggregation=aggregation,
        alpha=alpha,
        cluster=cluster,
        func=func,
    )
    treat = (pa.tpos >= pa.cohort_pos).astype(np.float64)
    twfe = _twfe_result(
        pa,
        treat,
        vcov="cluster",
        fixef_dof=fixef_dof,
        drop_singletons=True,
        tol=1e-10,
        maxiter=10_000,
        alpha=alpha,
        cluster=cluster,
        func=func,
    )
    event = robust.aggregate("event", min_event=-leads, max_event=lags)
    pretrend = _pretrend(event, slope=slope, alpha=alpha, power=0.8)
    placebo = None
    if placebo_shift is not None:
        shift = _check_int(placebo_shift, "placebo_shift", func, 1)
        placebo = _placebo_from_panel(
            pa, shift=shift, control_group=control_group, alpha=alpha, cluster=cluster, func=func
        )
    diff = twfe.estimate - robust.estimate
    psi = twfe.cluster_influence - robust.aggregated.cluster_influence
    g = int(np.count_nonzero((twfe.cluster_influence != 0) | (robust.aggregated.cluster_influence != 0)))
    se_d = float(np.sqrt(g / max(g - 1, 1) * psi @ psi))
    z = float(stats.norm.ppf(1 - alpha / 2))
    disagree = bool(abs(diff) > max(z * se_d, disagreement_rtol * abs(robust.estimate)))
    result = IncentiveEffectResult(
        estimate=robust.estimate,
        std_error=robust.std_error,
        statistic=robust.statistic,
        pvalue=robust.pvalue,
        ci_low=robust.ci_low,
        ci_high=robust.ci_high,
        robust=robust,
        twfe=twfe,
        event=event,
        pretrend=pretrend,
        placebo=placebo,
        difference=diff,
        difference_se=se_d,
        disagree=disagree,
        disagreement_rtol=float(disagreement_rtol),
        outcome=pa.outcome,
        alpha=alpha,
    )
    if disagree:
        _warn(result._disagreement_text(), EstimatorDisagreementWarning)
    return result


# ---------------------------------------------------------------------------
# 5. regression to the mean
# ---------------------------------------------------------------------------


def _rtm_frame(
    panel: pd.DataFrame,
    outcome: str,
    *,
    func: str,
    unit_col: str,
    period_col: str,
    before: Any,
    after: Any,
    score_col: str | None,
    treated_col: str | None,
    threshold: float | None,
    cluster: str | None,
    covariates: Sequence[str] = (),
) -> pd.DataFrame:
    panel = _check_panel(panel, func)
    for col, name in ((outcome, "outcome"), (unit_col, "unit_col"), (period_col, "period_col")):
        _check_column(panel, col, name, func)
    if score_col is not None:
        _check_column(panel, score_col, "score_col", func)
    if treated_col is not None:
        _check_column(panel, treated_col, "treated_col", func)
    if cluster is not None:
        _check_column(panel, cluster, "cluster", func)
    for c in covariates:
        _check_column(panel, c, "covariates", func)
    b = panel.loc[panel[period_col] == before]
    a = panel.loc[panel[period_col] == after]
    for df_, which, val in ((b, "before", before), (a, "after", after)):
        if df_.empty:
            raise ParamsError(
                f"The {which!r} parameter of {func} must be a period present in "
                f"{period_col!r}. Got {val!r} instead."
            )
        if df_[unit_col].duplicated().any():
            raise DataValidationError(
                [
                    ValidationIssue(
                        table="panel",
                        file="",
                        row=None,
                        column=unit_col,
                        value=f"duplicated units in period {val!r}",
                        expected="one row per unit",
                    )
                ]
            )
    bcols = [unit_col, outcome] + [c for c in (score_col, cluster) if c is not None]
    bcols += [c for c in covariates if c not in bcols]
    acols = [unit_col, outcome] + ([treated_col] if treated_col is not None else [])
    wide = (
        b[bcols]
        .rename(columns={outcome: "y_before"})
        .merge(a[acols].rename(columns={outcome: "y_after"}), on=unit_col, how="inner")
    )
    if score_col is not None:
        wide["score"] = wide[score_col].astype(float)
    if treated_col is not None:
        wide["treated"] = wide[treated_col].astype(float)
    elif threshold is not None:
        if score_col is None:
            raise ParamsError(
                f"The 'threshold' parameter of {func} needs score_col (treated = score >= "
                f"threshold). Got score_col=None instead."
            )
        wide["treated"] = (wide["score"] >= threshold).astype(float)
    need = ["y_before", "y_after"] + [c for c in ("score", "treated") if c in wide.columns]
    need += list(covariates) + ([cluster] if cluster is not None else [])
    wide = wide.dropna(subset=need)
    wide["change"] = wide["y_after"] - wide["y_before"]
    return wide.reset_index(drop=True)


def _sm_fit(y, x, *, cluster_codes=None, weights=None):
    import statsmodels.api as sm

    model = sm.WLS(y, x, weights=weights) if weights is not None else sm.OLS(y, x)
    if cluster_codes is not None:
        return model.fit(cov_type="cluster", cov_kwds={"groups": cluster_codes})
    return model.fit(cov_type="HC1")


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

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        return ResultSummary(
            title=f"Before/after comparison: {self.outcome}",
            info=(("Method", self.method), ("Alternative", self.alternative)),
            tables=(("Mean change", self.to_frame()),),
            alerts=self.alerts,
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading (with the regression-to-the-mean caveat if flagged)."""
        _check_literal(lang, "lang", "BeforeAfterResult.conclusion", Lang)
        nd = _ndigits(self.ci_high - self.ci_low)
        u = f" {unit}" if unit and lang == "en" else unit
        if lang == "en":
            s = (
                f"{self.outcome} changed by {self.diff:+.{nd}f}{u} from before to after "
                f"({1 - self.alpha:.0%} CI {self.ci_low:.{nd}f} to {self.ci_high:.{nd}f})."
            )
            if self.rtm_flagged:
                s += (
                    " This naive comparison is biased by regression to the mean (the units "
                    "were selected on past performance); see rtm_guarded_effect()."
                )
            return s
        s = (
            f"{self.outcome}前后变化 {self.diff:+.{nd}f}{u}（{1 - self.alpha:.0%} 置信区间 "
            f"{self.ci_low:.{nd}f} 至 {self.ci_high:.{nd}f}）。"
        )
        if self.rtm_flagged:
            s += "该简单前后比较受均值回归偏差影响（对象按过往绩效挑选），请使用 rtm_guarded_effect()。"
        return s


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
    _check_literal(alternative, "alternative", func, Alternative)
    alpha = _check_alpha(alpha, func)
    if score_col is not None and not allow_naive:
        raise ParamsError(
            f"The 'allow_naive' parameter of {func} must be True to compare before/after when "
            f"treatment was assigned by past performance (score_col={score_col!r}): the "
            "comparison is biased by regression to the mean. Use rtm_guarded_effect() "
            "instead. Got False instead."
        )
    wide = _rtm_frame(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        before=before,
        after=after,
        score_col=score_col,
        treated_col=treated_col,
        threshold=threshold,
        cluster=cluster,
    )
    alerts: list[str] = []
    flagged = False
    if score_col is not None:
        flagged = True
        alerts.append(
            "Units were selected on past performance: the before/after change is biased by "
            "regression to the mean (top performers fall back, bottom performers improve, "
            "with no effect at all). Use rtm_guarded_effect()."
        )
    sel = wide
    if "treated" in wide.columns:
        t = wide["treated"] > 0.5
        sel = wide.loc[t]
        if score_col is None and t.any() and (~t).any():
            sd = wide["y_before"].std()
            gap = (wide.loc[t, "y_before"].mean() - wide.loc[~t, "y_before"].mean()) / sd
            if abs(gap) > 0.5:
                flagged = True
                alerts.append(
                    f"The treated units were {'above' if gap > 0 else 'below'} the others "
                    f"before by {abs(gap):.2f} standard deviations; if they were chosen on "
                    "past performance, their before/after change reflects regression to the "
                    "mean. Pass score_col and use rtm_guarded_effect()."
                )
    if len(sel) < 2:
        raise InsufficientSampleError(f"{func}: fewer than 2 units observed in both periods.")
    for a in alerts:
        _warn(f"{func}: {a}", RegressionToMeanWarning)
    codes = None if cluster is None else pd.factorize(sel[cluster])[0]
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
        rtm_flagged=flagged,
        outcome=outcome,
        alpha=alpha,
        alerts=tuple(alerts),
    )


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

    def summary(self) -> ResultSummary:
        """Notebook-ready summary."""
        return ResultSummary(
            title=f"Effect guarded against regression to the mean: {self.outcome}",
            info=(
                ("Primary", self.primary),
                ("Units", f"{self.n_units} ({self.n_treated} treated)"),
                ("Threshold", str(self.threshold)),
                ("Bandwidth", _f(self.bandwidth, 3)),
            ),
            tables=(("Estimates", self.to_frame()),),
            notes=self.notes + (self.conclusion("en"),),
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading, contrasting the naive change."""
        _check_literal(lang, "lang", "RTMGuardedResult.conclusion", Lang)
        text = _effect_sentence(
            self.estimate,
            self.ci_low,
            self.ci_high,
            self.pvalue,
            self.outcome,
            unit,
            lang,
            self.alpha,
            who=self.primary,
        )
        naive = self.estimates.loc[self.estimates["method"] == "naive"]
        if not naive.empty:
            nv = float(naive["estimate"].iloc[0])
            nd = _ndigits(self.ci_high - self.ci_low)
            if lang == "en":
                text += (
                    f" The naive before/after change of the treated ({nv:+.{nd}f}) mixes "
                    "in regression to the mean and should not be reported."
                )
            else:
                text += f" 受奖励者的简单前后变化（{nv:+.{nd}f}）含有均值回归成分，不应作为结论。"
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
    _check_literal(method, "method", func, RTMMethod)
    alpha = _check_alpha(alpha, func)
    if method in ("rd", "both") and threshold is None:
        if method == "rd":
            raise ParamsError(
                f"The 'threshold' parameter of {func} must be a number for method='rd'. Got None instead."
            )
    if treated_col is None and threshold is None:
        raise ParamsError(
            f"The 'threshold' parameter of {func} must be a number when treated_col is not "
            "given. Got None instead."
        )
    if bandwidth is not None and (not isinstance(bandwidth, (int, float)) or bandwidth <= 0):
        raise ParamsError(
            f"The 'bandwidth' parameter of {func} must be a positive float. Got {bandwidth!r} instead."
        )
    covariates = (covariates,) if isinstance(covariates, str) else tuple(covariates)
    wide = _rtm_frame(
        panel,
        outcome,
        func=func,
        unit_col=unit_col,
        period_col=period_col,
        before=before,
        after=after,
        score_col=score_col,
        treated_col=treated_col,
        threshold=threshold,
        cluster=cluster,
        covariates=covariates,
    )
    if len(wide) < 5:
        raise InsufficientSampleError(f"{func}: fewer than 5 units observed in both periods.")
    rows: list[dict[str, Any]] = []
    notes: list[str] = []

    def add(name: str, fit, n: int, h: float = float("nan"), j: int = 1) -> None:
        df = float(fit.df_resid) if cluster is None else float(len(set(codes_used[name])) - 1)
        est, se = float(fit.params[j]), float(fit.bse[j])
        stat, p, lo, hi = _infer(est, se, df, alpha)
        rows.append(
            {
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
        )

    codes_used: dict[str, np.ndarray] = {}
    t = wide["treated"] > 0.5
    if t.sum() < 2:
        raise InsufficientSampleError(f"{func}: fewer than 2 treated units.")
    # naive, for contrast (no warning: it is labelled as biased in the table)
    nv = wide.loc[t]
    codes = None if cluster is None else pd.factorize(nv[cluster])[0]
    codes_used["naive"] = codes if codes is not None else np.arange(len(nv))
    add(
        "naive",
        _sm_fit(nv["change"].to_numpy(float), np.ones((len(nv), 1)), cluster_codes=codes),
        len(nv),
        j=0,
    )
    if method in ("ancova", "both"):
        x = np.column_stack(
            [np.ones(len(wide)), wide["treated"].to_numpy(float), wide["score"].to_numpy(float)]
            + [wide[c].to_numpy(float) for c in covariates]
        )
        codes = None if cluster is None else pd.factorize(wide[cluster])[0]
        codes_used["ancova"] = codes if codes is not None else np.arange(len(wide))
        add("ancova", _sm_fit(wide["y_after"].to_numpy(float), x, cluster_codes=codes), len(wide))
        if threshold is not None and treated_col is None:
            notes.append(
                "ANCOVA: treatment is a deterministic function of the score, so the "
                "effect is identified by the linearity of the outcome in the score."
            )
    h = float("nan")
    if method in ("rd", "both") and threshold is not None:
        xs = wide["score"].to_numpy(float) - threshold
        if bandwidth is None:
            h = float(1.84 * np.std(wide["score"].to_numpy(float), ddof=1) * len(wide) ** -0.2)
            notes.append(
                f"RD bandwidth {h:.3g}: rule-of-thumb pilot (1.84 sd n^-1/5); check sensitivity to it."
            )
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
        kw = 1.0 - np.abs(xi) / h
        codes = None if cluster is None else pd.factorize(sub[cluster])[0]
        codes_used["rd"] = codes if codes is not None else np.arange(xi.size)
        add(
            "rd", _sm_fit(sub["y_after"].to_numpy(float), x, cluster_codes=codes, weights=kw), int(xi.size), h
        )
    if method == "both" and threshold is None:
        notes.append("RD skipped: it needs the grade threshold (pass threshold=...).")
    estimates = pd.DataFrame(rows)
    primary = "rd" if "rd" in set(estimates["method"]) else "ancova"
    if method == "ancova":
        primary = "ancova"
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
        threshold=threshold,
        n_units=len(wide),
        n_treated=int(t.sum()),
        outcome=outcome,
        alpha=alpha,
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------
# plain-language sentences
# ---------------------------------------------------------------------------


def _ndigits(width: float) -> int:
    if not np.isfinite(width) or width <= 0:
        return 2
    return int(np.clip(1 - np.floor(np.log10(width)), 1, 4))


def _effect_sentence(
    est: float,
    lo: float,
    hi: float,
    p: float,
    outcome: str,
    unit: str,
    lang: str,
    alpha: float,
    who: str,
) -> str:
    nd = _ndigits(hi - lo)
    conf = f"{1 - alpha:.0%}"
    sig = np.isfinite(p) and p < alpha
    if lang == "en":
        u = f" {unit}" if unit else ""
        ci = f"{conf} CI {lo:.{nd}f} to {hi:.{nd}f}"
        if sig:
            verb = "raised" if est > 0 else "lowered"
            return f"The incentive {verb} {outcome} by {abs(est):.{nd}f}{u} ({ci})."
        return (
            f"The incentive's effect on {outcome} is {est:+.{nd}f}{u} ({ci}); it cannot be "
            "distinguished from zero."
        )
    ci = f"{conf} 置信区间 {lo:.{nd}f} 至 {hi:.{nd}f}"
    if sig:
        verb = "提高" if est > 0 else "降低"
        return f"激励使{outcome}{verb}了 {abs(est):.{nd}f}{unit}（{ci}）。"
    return f"激励对{outcome}的影响为 {est:+.{nd}f}{unit}（{ci}），与零没有显著差异。"

"""The estimators' input: a long KPI panel, its treatment columns and its validated arrays.

:func:`attach_treatment` adds the cohort (adoption period), the post-adoption indicator
and the event time to a long panel from a small adoption table. :func:`_prepare` turns a
panel into :class:`_Panel`, the arrays every estimator works on: rows with missing values
removed, units and clusters coded ``0..n-1``, periods mapped to ordered integers (pandas
``Period`` columns to their ordinals, so event times count periods).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice, check_column, check_frame, is_real, param_error, warn
from bankperf_analysis.exceptions import (
    BankPerfWarning,
    DataValidationError,
    InsufficientSampleError,
    ParamsError,
    ValidationIssue,
)
from bankperf_analysis.incentives import demean as _fixest
from bankperf_analysis.incentives.options import AdoptionLevel

__all__ = ["COHORT_COL", "TREATED_COL", "EVENT_COL", "attach_treatment"]


COHORT_COL = "first_treated"
TREATED_COL = "treated"
EVENT_COL = "event_time"


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


def _positions(vals: np.ndarray, period_values: np.ndarray) -> np.ndarray:
    """Position of the first observed period >= each value (``searchsorted``, side left)."""
    lo, hi = period_values[0], period_values[-1]
    if vals.size > 10_000 and hi - lo < 10_000_000:
        lut = np.searchsorted(period_values, np.arange(lo, hi + 1)).astype(np.int64)
        v = np.clip(vals, lo - 1, hi + 1) - (lo - 1)
        lut = np.concatenate([[0], lut, [period_values.size]])
        return lut[v.astype(np.int64)]
    return np.searchsorted(period_values, vals, side="left").astype(np.int64)


def _isna(v: Any) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


# ---------------------------------------------------------------------------
# attach_treatment
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
    panel = check_frame(panel, "panel", func)
    check_choice(level, "level", func, AdoptionLevel)
    check_column(panel, unit_col, "unit_col", func)
    check_column(panel, period_col, "period_col", func)
    key = cluster if level == "branch" else unit_col
    check_column(panel, key, "cluster" if level == "branch" else "unit_col", func)
    table = _adoption_table(adoption, key, level, adoption_col, func)
    pvals, kind = _period_values(panel[period_col], name="period_col", func=func)
    lookup = pd.Series(_adoption_periods(table, kind, func), index=table.index)
    _check_adopters_in_panel(panel[key], lookup, func)
    cohort = panel[key].map(lookup).to_numpy(dtype=np.float64, na_value=np.nan)
    return _with_treatment_columns(panel, cohort, pvals, kind)


def _adoption_table(adoption: Any, key: str, level: str, adoption_col: str | None, func: str) -> pd.Series:
    """The adoption table as a Series of periods indexed by id (each id once)."""
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
        check_column(adoption, adoption_col, "adoption_col", func)
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
    return table


def _adoption_periods(table: pd.Series, kind: _PeriodKind, func: str) -> np.ndarray:
    """Adoption periods as integer period values (NaN = never), of the panel's period type."""
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
        return avals
    num = pd.to_numeric(pd.Series(table.to_numpy(), dtype=object), errors="coerce")
    bad = num.isna().to_numpy() & ~np.array([_isna(v) for v in table.to_numpy()], bool)
    if bad.any():
        raise ParamsError(
            f"The 'adoption' parameter of {func} must hold integer periods like the "
            f"panel. Got {table.to_numpy()[bad][:3].tolist()} instead."
        )
    avals, _ = _period_values(num.astype("float64"), name="adoption", func=func, kind=kind)
    return avals


def _check_adopters_in_panel(ids: pd.Series, lookup: pd.Series, func: str) -> None:
    """Refuse an adoption table whose adopting ids match no row (e.g. ints vs strings)."""
    adopters = lookup.index[np.isfinite(lookup.to_numpy())]
    if len(adopters) and not ids.isin(adopters).any():
        raise ParamsError(
            f"The 'adoption' parameter of {func} must use ids of the panel's {ids.name!r} column. "
            f"Got ids like {list(adopters[:3])} that match no row (check their type: "
            f"{type(adopters[0]).__name__} vs the column's {ids.dtype!s})."
        )


def _with_treatment_columns(
    panel: pd.DataFrame, cohort: np.ndarray, pvals: np.ndarray, kind: _PeriodKind
) -> pd.DataFrame:
    """A copy of ``panel`` with the cohort, treated and event-time columns."""
    out = panel.copy()
    if kind.kind == "period":
        ords = np.where(np.isnan(cohort), pd.NaT.value, np.nan_to_num(cohort)).astype(np.int64)
        out[COHORT_COL] = pd.arrays.PeriodArray(ords, dtype=pd.PeriodDtype(kind.freq))
    else:
        out[COHORT_COL] = pd.arrays.IntegerArray(np.nan_to_num(cohort).astype(np.int64), np.isnan(cohort))
    treated = np.isfinite(cohort) & (pvals >= np.nan_to_num(cohort, nan=np.inf))
    out[TREATED_COL] = treated.astype(np.int8)
    ev = pvals - cohort
    out[EVENT_COL] = pd.arrays.IntegerArray(np.nan_to_num(ev).astype(np.int64), np.isnan(ev))
    return out


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


@dataclass(frozen=True, slots=True)
class _Columns:
    """The columns of a panel an estimator reads (None: not used)."""

    unit: str
    period: str
    cluster: str | None
    cohort: str
    weights: str | None = None
    covariates: Sequence[str] = ()
    never_treated: Any = "auto"


@dataclass(slots=True)
class _Rows:
    """The values of the usable rows (finite outcome, ids, weights and covariates)."""

    ok: np.ndarray  # mask over the panel's rows
    y: np.ndarray
    pvals: np.ndarray
    cvals: np.ndarray
    kind: _PeriodKind
    w: np.ndarray | None
    x: np.ndarray | None


def _prepare(panel: pd.DataFrame, outcome: str, cols: _Columns, *, func: str) -> _Panel:
    """Validate a long panel and return its arrays (see the module docstring)."""
    panel = check_frame(panel, "panel", func)
    covariates = _check_columns(panel, outcome, cols, func)
    rows = _usable_rows(panel, outcome, cols, covariates, func)
    ok, n_dropped = rows.ok, int((~rows.ok).sum())
    unit, unit_labels = _fixest.factorize(panel[cols.unit][ok] if n_dropped else panel[cols.unit])
    cluster = cluster_labels = None
    if cols.cluster is not None:
        clusters = panel[cols.cluster][ok] if n_dropped else panel[cols.cluster]
        cluster, cluster_labels = _fixest.factorize(clusters)
    period_values = pd.unique(rows.pvals)
    period_values.sort()
    tpos = _positions(rows.pvals, period_values)
    _check_one_row_per_unit_period(unit, unit_labels, tpos, period_values, rows.kind, cols)
    _check_one_cohort_per_unit(unit, unit_labels, rows.cvals, cols.cohort)
    return _Panel(
        y=rows.y,
        unit=unit,
        unit_labels=unit_labels,
        tpos=tpos,
        period_values=period_values.astype(np.int64),
        kind=rows.kind,
        cluster=cluster,
        cluster_labels=cluster_labels,
        cohort_pos=_cohort_positions(rows.cvals, period_values),
        cohort_raw=rows.cvals,
        w=rows.w,
        x=rows.x,
        covariates=covariates,
        n_dropped=n_dropped,
        outcome=outcome,
    )


def _check_columns(panel: pd.DataFrame, outcome: str, cols: _Columns, func: str) -> tuple[str, ...]:
    """Check that every named column exists; return the covariates as a tuple."""
    check_column(panel, outcome, "outcome", func)
    check_column(panel, cols.unit, "unit_col", func)
    check_column(panel, cols.period, "period_col", func)
    if cols.cluster is not None:
        if func == "twfe_did":
            hint = (
                "Standard errors are clustered by branch by default; pass vcov='iid' or "
                "vcov='hetero' (loudly flagged) only if you must."
            )
        else:
            hint = (
                f"Inference is clustered (by branch by default); pass cluster={cols.unit!r} "
                "to cluster by unit."
            )
        check_column(panel, cols.cluster, "cluster", func, hint=hint)
    check_column(
        panel,
        cols.cohort,
        "cohort_col",
        func,
        hint="Call attach_treatment(panel, adoption) first (or pass adoption=...).",
    )
    if cols.weights is not None:
        check_column(panel, cols.weights, "weights", func)
    covs = (cols.covariates,) if isinstance(cols.covariates, str) else tuple(cols.covariates)
    for c in covs:
        check_column(panel, c, "covariates", func)
    return covs


def _usable_rows(
    panel: pd.DataFrame, outcome: str, cols: _Columns, covariates: tuple[str, ...], func: str
) -> _Rows:
    """Outcome, periods, cohorts, weights and covariates of the rows without missing values."""
    if not pd.api.types.is_numeric_dtype(panel[outcome].dtype):
        raise ParamsError(
            f"The 'outcome' parameter of {func} must name a numeric column. "
            f"Got {outcome!r} of dtype {panel[outcome].dtype!s} instead."
        )
    y = panel[outcome].to_numpy(dtype=np.float64, na_value=np.nan)
    ok = np.isfinite(y)
    ok &= panel[cols.unit].notna().to_numpy()
    ok &= panel[cols.period].notna().to_numpy()
    if cols.cluster is not None:
        ok &= panel[cols.cluster].notna().to_numpy()
    w = None
    if cols.weights is not None:
        w = panel[cols.weights].to_numpy(dtype=np.float64, na_value=np.nan)
        if np.any(w[np.isfinite(w)] < 0):
            raise ParamsError(
                f"The 'weights' parameter of {func} must name a column of non-negative "
                f"weights. Got negative values in {cols.weights!r} instead."
            )
        ok &= np.isfinite(w) & (w > 0)
    x = None
    if covariates:
        x = np.column_stack([panel[c].to_numpy(dtype=np.float64, na_value=np.nan) for c in covariates])
        ok &= np.all(np.isfinite(x), axis=1)
    pvals, kind = _period_values(panel[cols.period], name="period_col", func=func)
    cvals, _ = _period_values(panel[cols.cohort], name="cohort_col", func=func, kind=kind)
    cvals = _never_treated_zeros(cvals, pvals[ok], kind, cols, func)
    if not ok.all():
        y, pvals, cvals = y[ok], pvals[ok], cvals[ok]
        w = None if w is None else w[ok]
        x = None if x is None else x[ok]
    if y.size == 0:
        raise InsufficientSampleError(f"{func}: no rows with a finite outcome {outcome!r}.")
    return _Rows(ok=ok, y=y, pvals=pvals, cvals=cvals, kind=kind, w=w, x=x)


def _never_treated_code(value: Any, func: str) -> str:
    """The never-treated convention named by ``never_treated``: "auto", "zero" or "missing"."""
    if isinstance(value, str) and value == "auto":
        return "auto"
    if is_real(value) and not isinstance(value, bool):
        v = float(value)
        if v == 0:
            return "zero"
        if np.isnan(v) or np.isinf(v):
            return "missing"
    raise param_error("never_treated", func, "'auto', 0, numpy.inf or numpy.nan", value)


def _never_treated_zeros(
    cvals: np.ndarray, pvals: np.ndarray, kind: _PeriodKind, cols: _Columns, func: str
) -> np.ndarray:
    """Cohorts with 0 read as never treated (NaN) when the convention says so."""
    code = _never_treated_code(cols.never_treated, func)
    if code == "missing" or kind.kind != "int":
        return cvals
    zero = cvals == 0
    if not zero.any():
        return cvals
    if code == "auto":
        first = float(np.nanmin(pvals)) if pvals.size else 0.0
        if first <= 0:
            return cvals  # 0 is an observed period: an adoption date
        warn(
            f"{func}: {int(zero.sum())} rows have {cols.cohort!r} = 0, before the first period "
            f"({first:.0f}); they are read as never treated (the R did / csdid convention). "
            "Pass never_treated=0 to say so, or never_treated=numpy.nan to treat 0 as a period.",
            BankPerfWarning,
        )
    return np.where(zero, np.nan, cvals)


def _check_one_row_per_unit_period(
    unit: np.ndarray,
    unit_labels: np.ndarray,
    tpos: np.ndarray,
    period_values: np.ndarray,
    kind: _PeriodKind,
    cols: _Columns,
) -> None:
    """Refuse a panel with several rows for one unit and period."""
    n_t = period_values.size
    key = unit * n_t + tpos
    if unit_labels.size * n_t <= 50_000_000:
        has_dup = bool(np.bincount(key, minlength=unit_labels.size * n_t).max() > 1)
    else:
        has_dup = pd.Index(key).has_duplicates
    if not has_dup:
        return
    dup = pd.Index(key).duplicated()
    i = int(np.flatnonzero(dup)[0])
    raise DataValidationError(
        [
            ValidationIssue(
                table="panel",
                file="",
                row=None,
                column=f"{cols.unit}, {cols.period}",
                value=f"{int(dup.sum())} duplicated rows, e.g. "
                f"({unit_labels[unit[i]]!s}, {kind.label(period_values[tpos[i]])!s})",
                expected="one row per unit and period",
            )
        ]
    )


def _check_one_cohort_per_unit(
    unit: np.ndarray, unit_labels: np.ndarray, cvals: np.ndarray, cohort_col: str
) -> None:
    """Refuse a unit with several adoption periods (the cohort is constant within a unit)."""
    first = np.full(unit_labels.size, np.nan)
    first[unit] = cvals
    same = (first[unit] == cvals) | (np.isnan(first[unit]) & np.isnan(cvals))
    if same.all():
        return
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


def _cohort_positions(cvals: np.ndarray, period_values: np.ndarray) -> np.ndarray:
    """Per row: position of the first observed period >= the cohort (inf = never treated in the window)."""
    fin = np.isfinite(cvals)
    cpos = np.full(cvals.size, np.inf)
    cpos[fin] = _positions(cvals[fin], period_values)
    cpos[cpos >= period_values.size] = np.inf
    return cpos

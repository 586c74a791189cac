"""KPI panels built from a dataset, in the long form the estimators expect.

:func:`kpi_panel` turns one :func:`~bankperf_analysis.metrics.compute.compute_kpis` call
into ``unit, period, branch, <kpi>, n`` rows (plus the treatment columns of an adoption
table). Staff-level panels stay unbalanced (people join and leave).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice, check_int
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives.adoption import _adoption_series, adoption_from_params
from bankperf_analysis.incentives.options import AdoptionLevel
from bankperf_analysis.incentives.panel import attach_treatment
from bankperf_analysis.metrics.compute import KPI_CATALOGUE, compute_kpis

if TYPE_CHECKING:
    from bankperf_analysis.dataset.load import Dataset

__all__ = ["PanelLevel", "PANEL_LEVELS", "kpi_panel"]

PanelLevel = Literal["branch-quarter", "staff-quarter", "staff-month"]
PANEL_LEVELS: tuple[str, ...] = get_args(PanelLevel)

# level -> (compute_kpis level, period type, pandas frequency)
_LEVEL_SPEC: dict[str, tuple[str, str, str]] = {
    "branch-quarter": ("branch", "quarter", "Q"),
    "staff-quarter": ("staff", "quarter", "Q"),
    "staff-month": ("staff", "month", "M"),
}


def _check_kpi(kpi: Any, name: str, func: str, staff: bool) -> str:
    """A KPI of the catalogue, computed per staff member when ``staff``."""
    if kpi not in KPI_CATALOGUE:
        raise ParamsError(
            f"The {name!r} parameter of {func} must be a KPI of the catalogue "
            f"(e.g. 'satisfaction_rate', 'cross_sales_per_month'). Got {kpi!r} instead."
        )
    if staff and not KPI_CATALOGUE[kpi].staff_level:
        raise ParamsError(
            f"The {name!r} parameter of {func} must be a KPI computed per staff member for a "
            f"staff-level panel; {kpi!r} exists per branch only. Got {kpi!r} instead."
        )
    return kpi


def kpi_panel(
    ds: Dataset,
    kpi: str = "satisfaction_rate",
    level: PanelLevel = "branch-quarter",
    *,
    kpis: Sequence[str] | None = None,
    adoption: pd.DataFrame | Mapping[Any, Any] | None = None,
    min_n: int = 1,
) -> pd.DataFrame:
    """Long KPI panel for the difference-in-differences estimators.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`bankperf_analysis.dataset.load.load_dataset`).
    kpi : str
        The outcome KPI (a name of :data:`~bankperf_analysis.metrics.KPI_CATALOGUE`).
    level : {"branch-quarter", "staff-quarter", "staff-month"}
        Unit and period of a row. Staff rows carry their home branch (the cluster).
    kpis : sequence of str, optional
        Further KPIs added as columns (e.g. covariates); their value on the same unit and
        period, NaN where missing.
    adoption : DataFrame or mapping, optional
        Treatment table: see :func:`adoption_from_params` (a ``branch_id`` table, or a
        ``staff_id`` table for staff-level panels; a mapping is read as branch ids).
        When given, the treatment columns are added.
    min_n : int, default 1
        Keep rows whose ``n`` (observations behind the value) is at least this.

    Returns
    -------
    DataFrame
        One row per unit and period with data, sorted by unit and period:

        - ``unit`` (branch or staff id), ``period`` (pandas ``Period``, quarterly or
          monthly), ``branch`` (cluster), ``region``, ``role`` (staff levels only);
        - ``<kpi>`` (the value), ``n`` (its weight: surveys, staff-months, ...),
          ``numerator``, ``denominator``; one column per extra KPI;
        - with ``adoption``: ``first_treated`` (Period, NA = never), ``treated`` (1 from
          the adoption period on) and ``event_time`` (periods since adoption).

        Staff panels are unbalanced: a person appears only in the periods they worked
        (and, for satisfaction, were surveyed).

    Raises
    ------
    ParamsError
        Unknown KPI or level, a branch-only KPI at staff level, a KPI whose source table
        the dataset lacks, or an unusable adoption table.
    InsufficientSampleError
        No row with ``n >= min_n``.
    """
    func = "kpi_panel"
    extra = _check_panel_request(ds, kpi, level, kpis, min_n, func)
    ent_level, period_type, freq = _LEVEL_SPEC[level]
    k = compute_kpis(ds, levels=(ent_level,), period_types=(period_type,), kpis=[kpi, *extra])
    k = k[k["branch_id"].notna()]
    main = k[(k["kpi"] == kpi) & k["value"].notna() & (k["n"] >= min_n)]
    if main.empty:
        raise InsufficientSampleError(
            f"{func}: no {level} value of {kpi!r} rests on n >= {min_n} observations."
        )
    panel = _outcome_rows(main, kpi, freq, staff=ent_level == "staff")
    for c, values in _extra_kpis(k, main, extra).items():
        panel[c] = values
    panel = panel.sort_values(["unit", "period"], kind="stable").reset_index(drop=True)
    if adoption is not None:
        panel = _attach(panel, adoption, freq, ent_level == "staff", func)
    return panel


def _check_panel_request(
    ds: Dataset, kpi: Any, level: Any, kpis: Sequence[str] | None, min_n: Any, func: str
) -> list[str]:
    """Validate the level, the KPIs and ``min_n``; return the extra KPIs (without the outcome)."""
    check_choice(level, "level", func, PANEL_LEVELS)
    staff = _LEVEL_SPEC[level][0] == "staff"
    _check_kpi(kpi, "kpi", func, staff)
    extra = [k for k in dict.fromkeys(kpis or ()) if k != kpi]
    for k in extra:
        _check_kpi(k, "kpis", func, staff)
    check_int(min_n, "min_n", func, low=0)
    table = KPI_CATALOGUE[kpi].table
    if not ds.has(table):
        raise ParamsError(
            f"The 'kpi' parameter of {func} must be a KPI this dataset can compute; {kpi!r} needs "
            f"the {table!r} table, which is not provided. Got {kpi!r} instead."
        )
    return extra


def _outcome_rows(main: pd.DataFrame, kpi: str, freq: str, *, staff: bool) -> pd.DataFrame:
    """The panel's id, period, cluster and outcome columns from the KPI frame's rows."""
    panel = pd.DataFrame(
        {
            "unit": main["entity_id"].to_numpy(dtype=object),
            "period": pd.PeriodIndex(main["period"].to_numpy(dtype=object), freq=freq),
            "branch": main["branch_id"].to_numpy(dtype=object),
            "region": main["region"].to_numpy(dtype=object),
        }
    )
    if staff:
        panel["role"] = main["role"].to_numpy(dtype=object)
    panel[kpi] = main["value"].to_numpy(dtype=np.float64)
    panel["n"] = main["n"].to_numpy(dtype=np.int64)
    panel["numerator"] = main["numerator"].to_numpy(dtype=np.float64)
    panel["denominator"] = main["denominator"].to_numpy(dtype=np.float64)
    return panel


def _extra_kpis(k: pd.DataFrame, main: pd.DataFrame, extra: list[str]) -> dict[str, np.ndarray]:
    """The extra KPIs' values on the rows of ``main`` (NaN where missing)."""
    if not extra:
        return {}
    ex = k[k["kpi"].isin(extra)]
    wide = ex.pivot_table(index=["entity_id", "period"], columns="kpi", values="value", aggfunc="first")
    wide = wide.reindex(columns=extra)
    wide.columns.name = None
    keys = pd.MultiIndex.from_arrays([main["entity_id"].to_numpy(object), main["period"].to_numpy(object)])
    vals = wide.reindex(keys)
    return {c: vals[c].to_numpy(dtype=np.float64) for c in extra}


def _attach(panel: pd.DataFrame, adoption: Any, freq: str, staff: bool, func: str) -> pd.DataFrame:
    """Add the treatment columns of an adoption table (per branch, or per person for staff panels)."""
    table = adoption_from_params(adoption)  # validates and normalises any accepted form
    series, id_col = _adoption_series(table, freq, func)
    if id_col == "staff_id" and not staff:
        raise ParamsError(
            f"The 'adoption' parameter of {func} must be a branch_id table for a branch-level "
            "panel (a scheme adopted per person needs a staff-level panel). Got a staff_id table instead."
        )
    level: AdoptionLevel = "unit" if id_col == "staff_id" else "branch"
    return attach_treatment(
        panel, series, unit_col="unit", period_col="period", cluster="branch", level=level
    )

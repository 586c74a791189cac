"""Values of a quarter on the basis of an annual target: year-to-date or annualised.

A KPI whose target is stated per year (churn 15 % → 10 % "in the first year", seed 001;
``Kpi.target_period == "year"``) cannot be compared with a quarter's value: a quarter's
churn of 3 % "meets" 10 % every quarter while the year misses it. The scheme's
``scoring.annual_target_basis`` says how a quarter is compared with such a target:

``year_to_date`` (the default)
    The KPI over 1 January to the quarter's end, by the KPI's own definition. For churn,
    whose definition is *customers lost in the period / customers at the start of the
    period*: customers lost from 1 January to the quarter's end over customers at
    1 January (the first month of the year with data). Its ``n`` is that denominator. The
    fourth quarter's year-to-date value is the year's value; the first quarter's is the
    quarter's.
``annualised``
    The quarter's value scaled to a year by the rule of the KPI (:data:`ANNUALISE`). For
    churn, a share of the customers lost per period, the share kept compounds over the
    four quarters: ``annual = 1 - (1 - q) ** 4`` (q = 2.5 % gives 9.63 %, not 10 %).
    ``numerator``, ``denominator`` and ``n`` stay the quarter's.

Both are computed by the metrics engine in DuckDB (:func:`~bankperf_analysis.metrics.compute.compute_window`):
the year-to-date value is the KPI's year row over a window that ends with the quarter, so
it is the same SQL as every other value of the KPI. Rows come back as a KPI frame whose
``period_type`` is the basis and whose ``period`` is the quarter the value belongs to
(``year_to_date`` / ``2026Q3`` = January–September 2026).

Examples
--------
>>> round(float(annualised_value("churn_rate", 0.025)), 6)
0.096312
>>> import tempfile
>>> from bankperf_analysis.dataset.demo import make_demo_bank
>>> from bankperf_analysis.dataset.load import load_dataset
>>> folder = tempfile.mkdtemp(); _ = make_demo_bank(folder, scale="tiny", seed=1)
>>> with load_dataset(folder) as ds:
...     ytd = target_basis_kpis(ds, "2026", levels=("bank",))
>>> ytd[["period_type", "period", "kpi"]].drop_duplicates().values.tolist()[:2]
[['year_to_date', '2026Q1', 'churn_rate'], ['year_to_date', '2026Q2', 'churn_rate']]
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import ANNUAL_BASES, KPIS, AnnualBasis
from bankperf_analysis.metrics.catalogue import LEVELS
from bankperf_analysis.metrics.compute import _check_request, _empty, compute_window
from bankperf_analysis.metrics.options import MetricOptions
from bankperf_analysis.periods import Period

__all__ = [
    "ANNUAL_BASES",
    "ANNUALISE",
    "AnnualBasis",
    "annual_kpis",
    "annualised_value",
    "target_basis_kpis",
]


def _compound(q):
    """A share lost per quarter, compounded to a year: ``1 - (1 - q) ** 4``."""
    return 1.0 - (1.0 - np.asarray(q, dtype=float)) ** 4


#: The annualisation of each KPI with an annual target: (formula in words, function).
ANNUALISE: dict[str, tuple[str, Callable]] = {
    "churn_rate": ("1 - (1 - q)^4", _compound),
}


def annual_kpis() -> tuple[str, ...]:
    """The KPIs whose target is stated per year in the catalogue, in catalogue order.

    Examples
    --------
    >>> annual_kpis()
    ('churn_rate',)
    """
    return tuple(k.name for k in KPIS.values() if k.target_period == "year")


def annualised_value(kpi: str, quarter_value):
    """The quarter's value of ``kpi`` annualised by the KPI's rule (:data:`ANNUALISE`).

    Examples
    --------
    >>> float(annualised_value("churn_rate", 0.0)), float(annualised_value("churn_rate", 1.0))
    (0.0, 1.0)
    """
    if kpi not in ANNUALISE:
        raise ParamsError(
            f"The 'kpi' parameter of annualised_value must be a KPI with an annualisation rule "
            f"({', '.join(ANNUALISE)}). Got {kpi!r} instead."
        )
    return ANNUALISE[kpi][1](quarter_value)


def target_basis_kpis(
    ds: Dataset,
    period: str | Period,
    *,
    basis: str = "year_to_date",
    options: MetricOptions | None = None,
    kpis: Iterable[str] | None = None,
    levels: Iterable[str] = LEVELS,
) -> pd.DataFrame:
    """The values of annual-target KPIs on ``basis``, for each quarter of ``period``.

    Parameters
    ----------
    ds : Dataset
    period : str
        A quarter (``"2026Q3"``: its value only) or a year (``"2026"``: each of its quarters
        with data; the year-to-date values after Q1, Q2, Q3 and Q4).
    basis : {"year_to_date", "annualised"}
        See the module docstring.
    options : MetricOptions, optional
        The bank's definitions (as for :func:`~bankperf_analysis.metrics.compute_kpis`).
    kpis : iterable of str, optional
        Default: the KPIs with an annual target in the catalogue (:func:`annual_kpis`).
    levels : iterable of {"staff", "branch", "region", "bank"}

    Returns
    -------
    pandas.DataFrame
        A KPI frame (the columns of ``compute_kpis``) with ``period_type == basis`` and
        ``period`` the quarter. Quarters without data give no rows.
    """
    if basis not in ANNUAL_BASES:
        raise ParamsError(
            f"The 'basis' parameter of target_basis_kpis must be one of {', '.join(ANNUAL_BASES)}. "
            f"Got {basis!r} instead."
        )
    p = Period.parse(period)
    if p.kind == "month":
        raise ParamsError(
            "The 'period' parameter of target_basis_kpis must be a quarter or a year. "
            f"Got {str(p)!r} instead."
        )
    wanted_kpis = tuple(annual_kpis() if kpis is None else kpis)
    levels, _, wanted = _check_request(levels, ("quarter",), wanted_kpis, None)
    if basis == "annualised" and (no_rule := [k for k in wanted_kpis if k not in ANNUALISE]):
        raise ParamsError(
            f"The 'kpis' parameter of target_basis_kpis must name KPIs with an annualisation rule "
            f"({', '.join(ANNUALISE)}) on the annualised basis. Got {no_rule!r} instead."
        )
    o = options or MetricOptions()
    parts = []
    for q in p.quarters():
        if not ds.has_data(q):
            continue
        frame = _one_quarter(ds, o, q, basis, levels, wanted)
        if len(frame):
            parts.append(frame)
    if not parts:
        out = _empty()
        return out
    return pd.concat(parts, ignore_index=True)


def _one_quarter(ds: Dataset, o: MetricOptions, q: Period, basis: str, levels, wanted) -> pd.DataFrame:
    """The rows of one quarter on ``basis``: the year over 1 January..quarter end, or annualised."""
    hi = f"TIMESTAMP '{q.end}'"
    if basis == "year_to_date":
        lo = f"TIMESTAMP '{Period.parse(str(q.start.year)).start}'"
        frame = compute_window(ds, o, lo, hi, levels, ("year",), wanted, only_wanted_tables=True)
    else:
        lo = f"TIMESTAMP '{q.start}'"
        frame = compute_window(ds, o, lo, hi, levels, ("quarter",), wanted, only_wanted_tables=True)
        for kpi in frame["kpi"].unique():
            m = (frame["kpi"] == kpi).to_numpy()
            frame.loc[m, "value"] = annualised_value(str(kpi), frame.loc[m, "value"].to_numpy(float))
    frame["period_type"] = pd.Series(basis, index=frame.index, dtype=frame["period_type"].dtype)
    frame["period"] = pd.Series(str(q), index=frame.index, dtype=frame["period"].dtype)
    return frame

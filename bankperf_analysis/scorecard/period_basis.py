"""The period basis of each target: which value of a quarter a target is compared with.

A target is stated for a period (``Kpi.target_period`` of the catalogue; the scheme's
``scoring.target_periods`` may restate a yearly target per quarter):

- ``quarter``: the quarter's value (basis ``"quarter"``);
- ``month``: the KPI's value is already a per-month mean over the quarter's months
  (cross-sales: products / staff-months; volume: transactions / (baseline x teller-months)),
  so the quarter's value is compared as it is (basis ``"month_mean"``);
- ``year``: the value on the scheme's ``scoring.annual_target_basis``, ``"year_to_date"``
  (1 January to the quarter's end) or ``"annualised"`` (the quarter compounded to a year).
  These values are rows of the KPI frame with that ``period_type``, computed by
  :func:`bankperf_analysis.metrics.year_to_date.target_basis_kpis`; a KPI frame without
  them cannot score a yearly target and is refused (:func:`check_basis_rows`), never
  scored on the quarter.

Examples
--------
>>> from bankperf_analysis.scheme import load_scheme
>>> scheme = load_scheme()
>>> [basis_of(k, scheme) for k in ("churn_rate", "cross_sales_per_month", "satisfaction_rate")]
['year_to_date', 'month_mean', 'quarter']
>>> basis_label("year_to_date", "2026Q3", "en"), basis_label("year_to_date", "2026Q3", "zh")
('year-to-date (Jan–Sep 2026)', '年初至今（2026年1–9月）')
>>> basis_label("annualised", "2026Q4", "en")
'annualised from Q4 2026: 1 − (1 − q)⁴'
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable

import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.periods import Period
from bankperf_analysis.scheme import Scheme

__all__ = ["BASES", "basis_label", "basis_of", "check_basis_rows", "scored_period_types"]

#: Every basis a scored value may have.
BASES: tuple[str, ...] = ("quarter", "month_mean", "year_to_date", "annualised")


def basis_of(kpi: str, scheme: Scheme) -> str:
    """The basis on which ``kpi``'s quarter is compared with its target (see the module)."""
    period = scheme.scoring.target_period(kpi)
    if period == "year":
        return scheme.scoring.annual_target_basis
    return "month_mean" if period == "month" else "quarter"


def scored_period_types(scheme: Scheme, kpis: Iterable[str]) -> dict[str, str]:
    """The ``period_type`` of the KPI-frame row scored for each of ``kpis`` whose target is yearly.

    KPIs not in the result are scored on their quarter row.
    """
    return {k: basis_of(k, scheme) for k in kpis if scheme.scoring.target_period(k) == "year"}


def basis_label(basis: str, quarter: str, lang: str = "en") -> str:
    """The basis in words, for the quarter ``quarter`` (``"2026Q3"``), in ``lang``.

    Examples
    --------
    >>> basis_label("month_mean", "2026Q3", "en")
    "per month (mean of the quarter's months)"
    >>> basis_label("quarter", "2026Q3", "zh")
    '季度（2026年第三季度）'
    """
    check_lang(lang)
    q = Period.parse(quarter)
    if basis == "year_to_date":
        last = q.end.month - 1 or 12
        return t(
            "basis_year_to_date",
            lang,
            months_en=f"Jan–{calendar.month_abbr[last]}" if last > 1 else "Jan",
            months_zh=f"1–{last}月" if last > 1 else "1月",
            year=q.start.year,
        )
    if basis == "annualised":
        return t("basis_annualised", lang, q=(q.start.month - 1) // 3 + 1, year=q.start.year)
    if basis in ("month_mean", "quarter"):
        return t(f"basis_{basis}", lang, quarter=period_label(str(q), lang))
    raise ParamsError(
        f"The 'basis' parameter of basis_label must be one of {', '.join(BASES)}. Got {basis!r}."
    )


def check_basis_rows(
    kpis: pd.DataFrame, period_types: dict[str, str], level: str, periods: Iterable[str], owner: str
) -> None:
    """Refuse a KPI frame that has a yearly-target KPI's quarter rows but not its basis rows.

    Scoring such a KPI on its quarter value is the error this module exists to prevent;
    scoring it as "no data" would hide the value. The message says how to add the rows.
    """
    periods = list(periods)
    for kpi, ptype in period_types.items():
        sel = (kpis["level"] == level) & (kpis["kpi"] == kpi) & kpis["period"].isin(periods)
        has_quarter = bool((sel & (kpis["period_type"] == "quarter")).any())
        if has_quarter and not bool((sel & (kpis["period_type"] == ptype)).any()):
            raise ParamsError(
                f"The 'kpis' parameter of {owner} must hold the {ptype!r} rows of KPI {kpi!r}: its target "
                f"is stated per year and the scheme compares a quarter with it on the {ptype} basis "
                f"(scoring.annual_target_basis). Got only its quarter rows for {', '.join(periods)}. "
                "Add them with bankperf_analysis.metrics.year_to_date.target_basis_kpis(ds, quarter, "
                "basis=scheme.scoring.annual_target_basis)."
            )

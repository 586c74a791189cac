"""The period of each target and the basis of annual targets: two keys of ``scoring``.

Each KPI states the period its target is for (``Kpi.target_period`` of the catalogue:
churn per year, cross-sales per month, the rest per quarter). The scheme YAML says how a
quarter is compared with a target stated per year, and may restate a yearly target per
quarter::

    scoring:
      annual_target_basis: year_to_date   # or annualised (default year_to_date)
      target_periods:
        churn_rate: quarter               # this bank's churn target is per quarter

``annual_target_basis``: ``year_to_date`` compares the value from 1 January to the quarter's
end with the target; ``annualised`` the quarter's value annualised by the KPI's rule
(churn: ``1 - (1 - q)^4``); see :mod:`bankperf_analysis.metrics.year_to_date`.

``target_periods`` may only restate a yearly target per quarter (``quarter``) or keep it
per year (``year``). Nothing else makes sense: a month KPI's value is a per-month mean
(cross-sales per month), and a quarter KPI stated per year would need a year-to-date
definition of counts (complaints per year) the catalogue does not give. Anything else is
refused, naming the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis.kpis import ANNUAL_BASES, KPIS

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["DEFAULT_ANNUAL_TARGET_BASIS", "PERIOD_KEYS", "parse_annual_target_basis", "parse_target_periods"]

#: The basis of annual targets when the scheme does not say.
DEFAULT_ANNUAL_TARGET_BASIS = "year_to_date"
#: The optional keys of ``scoring`` this module reads.
PERIOD_KEYS: tuple[str, ...] = ("annual_target_basis", "target_periods")


def parse_annual_target_basis(v: _V, raw: Any) -> str:
    """Validate ``scoring.annual_target_basis`` (None: the default, ``year_to_date``)."""
    if raw is None:
        return DEFAULT_ANNUAL_TARGET_BASIS
    return v.choice(raw, "'annual_target_basis' of the scoring", "scoring.annual_target_basis", ANNUAL_BASES)


def parse_target_periods(v: _V, raw: Any) -> dict[str, str]:
    """Validate ``scoring.target_periods``: KPI -> ``quarter`` or ``year``, yearly KPIs only.

    Returns only the KPIs whose period differs from the catalogue's (so a scheme that
    restates the default is the same scheme, with the same params hash).
    """
    if raw is None:
        return {}
    d = v.mapping(raw, "'target_periods' of the scoring", "scoring.target_periods")
    yearly = [k.name for k in KPIS.values() if k.target_period == "year"]
    out: dict[str, str] = {}
    for kpi, period in d.items():
        path = f"scoring.target_periods.{kpi}"
        if kpi not in yearly:
            v.fail(
                "key of 'target_periods' of the scoring",
                path,
                f"a KPI whose target the catalogue states per year ({', '.join(yearly)})",
                kpi,
            )
        v.choice(period, f"target period of KPI '{kpi}'", path, ("year", "quarter"))
        if period != KPIS[kpi].target_period:
            out[kpi] = period
    return out

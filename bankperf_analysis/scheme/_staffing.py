"""The optional keys of the scheme's ``staffing:`` section (kept apart: ``parse.py`` is at its size limit).

``patience_seconds``
    Erlang A's mean patience: ``"estimate"`` (default; from the contacts, the censored
    exponential MLE of :mod:`bankperf_analysis.staffing.patience`) or seconds > 0.
``customers_per_manager``
    Managed customers (管户数 / 有效管户) one customer manager carries; with the data's
    ``branches.managed_customers`` it sizes customer-manager headcount (定编) as
    ``ceil(managed customers / customers_per_manager)``. Default null: headcount kept.
``minimum_posts``
    Minimum posts per branch type (003), see :mod:`bankperf_analysis.scheme._posts`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis.scheme._posts import parse_minimum_posts

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["OPTIONAL_STAFFING_KEYS", "optional_staffing"]

OPTIONAL_STAFFING_KEYS = ("patience_seconds", "customers_per_manager", "minimum_posts")


def optional_staffing(v: _V, sf: dict[str, Any]) -> dict[str, Any]:
    """The validated optional staffing keys, with their defaults."""
    pat = sf.get("patience_seconds", "estimate")
    if pat != "estimate":
        pat = v.number(pat, "patience ('estimate' or seconds)", "staffing.patience_seconds", 0, low_open=True)
    cpm = v.number_or_null(
        sf.get("customers_per_manager"),
        "'customers_per_manager' of the staffing (customers one manager carries, >= 1, or null)",
        "staffing.customers_per_manager",
        1,
    )
    return {
        "patience_seconds": pat,
        "customers_per_manager": cpm,
        "minimum_posts": parse_minimum_posts(v, sf.get("minimum_posts")),
    }

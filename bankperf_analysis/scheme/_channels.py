"""The channel scope of the contact KPIs in the scheme: ``definitions.channels``.

Which contact channels (``phone``, ``counter``, ``online``) each contact KPI counts is a
parameter. The catalogue (:func:`bankperf_analysis.kpis.default_channels`) holds the
default; ``definitions.channels`` of the scheme YAML changes it per KPI::

    definitions:
      channels:
        response_time_seconds: [phone, online]   # the default: the remote queues
        resolution_rate: [phone, online]         # e.g. leave out the counter

KPIs not listed keep their default. The effective scope of every contact KPI is part of
``Scheme.to_dict`` and so of the params hash.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis.kpis import CHANNELS, check_channels, default_channels

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["parse_channels"]


def parse_channels(v: _V, raw: Any) -> dict[str, tuple[str, ...]]:
    """Validate ``definitions.channels`` (``v`` is the parser's validation context).

    Returns the scope of every contact KPI: the default, overridden by ``raw``. A key that is
    not a contact KPI, or a value that is not a non-empty list of distinct channels, is
    refused naming its key and what is allowed.
    """
    scope = default_channels()
    if raw is None:
        return scope
    d = v.mapping(raw, "'channels' of the definitions", "definitions.channels")
    allowed = ", ".join(CHANNELS)
    for kpi, value in d.items():
        path = f"definitions.channels.{kpi}"
        if kpi not in scope:
            v.fail(
                "key of 'channels' of the definitions",
                path,
                f"a contact KPI ({', '.join(scope)})",
                kpi,
            )
        channels = check_channels(value)
        if channels is None:
            v.fail(
                f"channel scope of KPI '{kpi}'",
                path,
                f"a non-empty list of distinct channels from {allowed}",
                value,
            )
        scope[kpi] = channels
    return scope

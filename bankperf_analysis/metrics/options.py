"""Definitions of KPIs that vary between banks (:class:`MetricOptions`), built from the scheme."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.kpis import CHANNELS, check_channels, default_channels

__all__ = ["MetricOptions"]


@dataclass(frozen=True, slots=True)
class MetricOptions:
    """Definitions that vary between banks (defaults from domain.md).

    Parameters
    ----------
    satisfied_threshold : float, default 8
        A survey score at or above this counts as satisfied.
    service_level_seconds : float, default 30
        Answer-time limit of the service level.
    complaint_deadline_hours : float, default 24
        A complaint closed within this many hours is on time.
    volume_baseline_per_month : float, default 1000
        Transactions per teller per month that count as 100 %.
    rater_weights : mapping, default supervisor .4, peer .3, customer .2, self .1
        Weights of the 360-degree rater groups.
    sales_roles : tuple of str
        Roles whose staff-months form the cross-sales denominator.
    channels : mapping KPI -> tuple of str, default the catalogue's
        The contact channels each contact KPI counts (``phone``, ``counter``, ``online``):
        by default response time, service level and abandonment count phone and online,
        resolution every channel, queue waiting time the counter
        (:func:`bankperf_analysis.kpis.default_channels`). KPIs left out keep their default.
    """

    satisfied_threshold: float = 8
    service_level_seconds: float = 30
    complaint_deadline_hours: float = 24
    volume_baseline_per_month: float = 1000
    rater_weights: Mapping[str, float] = field(
        default_factory=lambda: {"supervisor": 0.4, "peer": 0.3, "customer": 0.2, "self": 0.1}
    )
    sales_roles: tuple[str, ...] = ("customer_service_rep", "customer_manager", "lobby_manager")
    channels: Mapping[str, tuple[str, ...]] = field(default_factory=default_channels)

    def __post_init__(self) -> None:
        for name in (
            "satisfied_threshold",
            "service_level_seconds",
            "complaint_deadline_hours",
            "volume_baseline_per_month",
        ):
            v = getattr(self, name)
            if not isinstance(v, (int, float)) or not np.isfinite(v) or v <= 0:
                raise ParamsError(
                    f"The '{name}' parameter of MetricOptions must be a positive number. Got {v!r} instead."
                )
        scope = default_channels()
        for kpi, value in dict(self.channels).items():
            channels = check_channels(value)
            if kpi not in scope or channels is None:
                raise ParamsError(
                    "The 'channels' parameter of MetricOptions must map contact KPIs "
                    f"({', '.join(scope)}) to non-empty lists of channels ({', '.join(CHANNELS)}). "
                    f"Got {kpi!r}: {value!r} instead."
                )
            scope[kpi] = channels
        object.__setattr__(self, "channels", scope)
        w = dict(self.rater_weights)
        if not w or any((not isinstance(x, (int, float))) or x < 0 for x in w.values()):
            raise ParamsError(
                "The 'rater_weights' parameter of MetricOptions must map rater "
                f"roles to non-negative numbers. Got {w!r} instead."
            )

    @classmethod
    def from_scheme(cls, scheme: Any) -> MetricOptions:
        """Build the options from a loaded scheme (:func:`bankperf_analysis.scheme.load_scheme`)."""
        d = scheme.definitions
        weights = None
        for role in (
            getattr(scheme, "roles", {}).values()
            if isinstance(getattr(scheme, "roles", None), Mapping)
            else getattr(scheme, "roles", ())
        ):
            r360 = getattr(role, "review_360", None)
            if r360 is not None:
                weights = dict(r360.rater_weights)
        kw: dict[str, Any] = dict(
            satisfied_threshold=d.satisfied_threshold,
            service_level_seconds=d.service_level_seconds,
            complaint_deadline_hours=d.complaint_deadline_hours,
            volume_baseline_per_month=d.volume_baseline_per_month,
        )
        if weights:
            kw["rater_weights"] = weights
        channels = getattr(d, "channels", None)
        if channels:
            kw["channels"] = dict(channels)
        # Cross-sales are per staff-month of the roles the scheme scores on them.
        sales = tuple(r.name for r in scheme.roles if any(k.kpi == "cross_sales_per_month" for k in r.kpis))
        if sales:
            kw["sales_roles"] = sales
        return cls(**kw)

"""Whose value a role's KPI rule is scored on: scored on the person's own value or on the team's.

``roles.<role>.kpis.<kpi>.scored_on`` of the scheme YAML says whose value a rule scores::

    roles:
      customer_service_rep:
        kpis:
          service_level:            # a queue outcome: the branch's value (the default)
            {target: 0.95, floor: 0.70, weight: 0.10, scored_on: team}
          satisfaction_rate:        # the person's own surveys (the default)
            {target: 0.90, floor: 0.70, weight: 0.25, scored_on: own}

- ``own``: the value computed over the person's own work (their contacts, surveys,
  errors, sales) in the quarter.
- ``team``: the value of the person's team for the same KPI, with the same channel scope:
  the branch the person is scored under in the quarter (their last assignment in it, for a
  mover), i.e. the branch row of the KPI frame. ``min_n`` applies to the team's n.

When ``scored_on`` is absent it follows the KPI catalogue's accountability
(:attr:`bankperf_analysis.kpis.Kpi.accountability`): ``individual`` KPIs are scored on the
person's own value, ``team`` and ``branch`` KPIs (queue outcomes, checks, churn) on the
team's. ``own`` is refused for a KPI without a staff-level value (``staff_level`` False:
abandonment, queue waiting time, checks, churn), naming the key. The ``scored_on`` of every role
rule is part of ``Scheme.to_dict`` and so of the params hash.

Examples
--------
>>> [default_scored_on(k) for k in ("service_level", "satisfaction_rate", "churn_rate")]
['team', 'own', 'team']
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from bankperf_analysis.kpis import KPIS, Kpi

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["SCORED_ON", "ScoredOn", "default_scored_on", "parse_scored_on"]

ScoredOn = Literal["own", "team"]

#: What a role's KPI rule may be scored on: the person's own value, or the team's.
SCORED_ON: tuple[str, ...] = ("own", "team")


def default_scored_on(kpi: str) -> ScoredOn:
    """What ``kpi`` is scored on when a rule does not state one (from the catalogue's accountability).

    Examples
    --------
    >>> default_scored_on("response_time_seconds"), default_scored_on("cross_sales_per_month")
    ('team', 'own')
    """
    return "own" if KPIS[kpi].accountability == "individual" else "team"


def parse_scored_on(v: _V, info: Kpi, rule: dict[str, Any], owner: str, path: str) -> ScoredOn:
    """Validate the ``scored_on`` of one role rule (``rule`` is its mapping; ``v`` the parser's context).

    Returns the stated value, else :func:`default_scored_on`. Anything but ``own`` or ``team``,
    and ``own`` for a KPI without a staff-level value, is refused naming ``<path>.scored_on``.
    """
    what = f"'scored_on' of KPI '{info.name}' {owner}"
    scored_on = rule.get("scored_on", default_scored_on(info.name))
    v.choice(scored_on, what, f"{path}.scored_on", SCORED_ON)
    if scored_on == "own" and not info.staff_level:
        v.fail(
            what,
            f"{path}.scored_on",
            f"'team' ({info.name} has no staff-level value: it is computed per branch and above "
            "only, so no person has an own value of it)",
            scored_on,
        )
    return scored_on

"""The basis of a role's KPI rule: scored on the person's own value or on the team's.

``roles.<role>.kpis.<kpi>.basis`` of the scheme YAML says whose value a rule scores::

    roles:
      customer_service_rep:
        kpis:
          service_level:            # a queue outcome: the branch's value (the default)
            {target: 0.95, floor: 0.70, weight: 0.10, basis: team}
          satisfaction_rate:        # the person's own surveys (the default)
            {target: 0.90, floor: 0.70, weight: 0.25, basis: own}

- ``own``: the value computed over the person's own work (their contacts, surveys,
  errors, sales) in the quarter.
- ``team``: the value of the person's team for the same KPI, with the same channel scope:
  the branch the person is scored under in the quarter (their last assignment in it, for a
  mover), i.e. the branch row of the KPI frame. ``min_n`` applies to the team's n.

When ``basis`` is absent it follows the KPI catalogue's accountability
(:attr:`bankperf_analysis.kpis.Kpi.accountability`): ``individual`` KPIs are scored on the
person's own value, ``team`` and ``branch`` KPIs (queue outcomes, checks, churn) on the
team's. ``own`` is refused for a KPI without a staff-level value (``staff_level`` False:
abandonment, queue waiting time, checks, churn), naming the key. The basis of every role
rule is part of ``Scheme.to_dict`` and so of the params hash.

Examples
--------
>>> default_basis("service_level"), default_basis("satisfaction_rate"), default_basis("churn_rate")
('team', 'own', 'team')
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from bankperf_analysis.kpis import KPIS, Kpi

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scheme.parse import _V

__all__ = ["BASES", "Basis", "default_basis", "parse_basis"]

Basis = Literal["own", "team"]

#: The bases a role's KPI rule may have: the person's own value, or the team's.
BASES: tuple[str, ...] = ("own", "team")


def default_basis(kpi: str) -> Basis:
    """The basis of ``kpi`` when a rule does not state one (from the catalogue's accountability).

    Examples
    --------
    >>> default_basis("response_time_seconds"), default_basis("cross_sales_per_month")
    ('team', 'own')
    """
    return "own" if KPIS[kpi].accountability == "individual" else "team"


def parse_basis(v: _V, info: Kpi, rule: dict[str, Any], owner: str, path: str) -> Basis:
    """Validate the ``basis`` of one role rule (``rule`` is its mapping; ``v`` the parser's context).

    Returns the stated basis, else :func:`default_basis`. Anything but ``own`` or ``team``,
    and ``own`` for a KPI without a staff-level value, is refused naming ``<path>.basis``.
    """
    what = f"'basis' of KPI '{info.name}' {owner}"
    basis = rule.get("basis", default_basis(info.name))
    v.choice(basis, what, f"{path}.basis", BASES)
    if basis == "own" and not info.staff_level:
        v.fail(
            what,
            f"{path}.basis",
            f"'team' ({info.name} has no staff-level value: it is computed per branch and above "
            "only, so no person has an own value of it)",
            basis,
        )
    return basis

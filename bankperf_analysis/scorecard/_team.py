"""The team of each person on a scorecard, for the rules scored on the team's value.

A role's KPI rule with ``scored_on: team`` (:mod:`bankperf_analysis.scheme._scored_on`) scores a
person on the value of their team for the same KPI and channel scope. The team is the
branch the person is scored under in the quarter: the roster's ``branch_id`` (for a mover,
the branch of their last assignment in the quarter; see
:func:`bankperf_analysis.scorecard.staff.score_staff`). Its value and n are the branch row of
the KPI frame, which :func:`bankperf_analysis.metrics.compute_kpis` computes for every KPI
whether or not the branch scheme scores it (a KPI with no branch row is "insufficient
data", never 0, unless it is an event count of a branch with other rows in the quarter).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankperf_analysis.scorecard._grid import TEXT, Grid, KpiRows, join_text, kpi_rows, pair_position, text

__all__ = ["TeamRows", "team_kpis", "team_rows"]


@dataclass(frozen=True, slots=True)
class TeamRows:
    """The branch KPI rows of the quarters, and the team of every roster row.

    ``of_pid[pid]`` is the index (into ``rows.first``) of the (branch, quarter) pair of
    roster row ``pid``; -1 when the branch has no KPI row in that quarter.
    """

    rows: KpiRows
    of_pid: np.ndarray


def team_rows(kpis: pd.DataFrame, periods: Sequence[str], roster: pd.DataFrame) -> TeamRows:
    """The team (branch-quarter pair) of each row of ``roster`` (columns ``period, branch_id``).

    Examples
    --------
    >>> kpis = pd.DataFrame({"level": "branch", "entity_id": ["B1", "B2"], "period_type": "quarter",
    ...                      "period": "2026Q3", "kpi": "service_level", "value": [0.9, 0.8],
    ...                      "n": [100, 90]})
    >>> roster = pd.DataFrame({"period": ["2026Q3"] * 3, "branch_id": ["B2", "B1", "B9"]})
    >>> t = team_rows(kpis, ["2026Q3"], roster)
    >>> t.rows.value[t.rows.first[t.of_pid[:2]]].tolist(), int(t.of_pid[2])
    ([0.8, 0.9], -1)
    """
    rows = kpi_rows(kpis, "branch", periods)
    pos = pair_position(rows, roster["period"].astype(str), roster["branch_id"].astype(str))
    return TeamRows(rows, pos)


def team_kpis(grid: Grid, rules: pd.DataFrame, size: int) -> tuple[pd.Series, pd.Series]:
    """Per roster row, its KPIs scored on the team's value (joined by "; "); per cell, its ``scored_on``.

    The first is the people frame's ``team_kpis`` column, the second the KPI rows' ``scored_on``
    (``"own"`` or ``"team"``), so no output shows a team value as the person's own.
    """
    scored_on = rules["scored_on"].to_numpy(dtype=object)[grid.rid]
    on_team = scored_on == "team"
    kpi = rules["kpi"].to_numpy(dtype=object)[grid.rid[on_team]]
    joined = join_text(grid.pid[on_team], kpi, "; ", size)
    return text(joined), pd.Series(scored_on, dtype=TEXT)

"""Seeded synthetic KPI panels with staggered adoption (for tests, benchmarks and docs).

The data-generating process (all effects known):

``y_it = unit_i + period_t + shock_{branch(i), t} + effect(e_it) * D_it
         + pretrend_slope * (t - g_i) * 1{ever treated} + noise_it``

with ``e_it = t - g_i`` periods since the branch adopted, ``D_it = 1{e_it >= 0}``,
branch-by-period shocks (which make errors correlated within branches, so only
branch-clustered standard errors are honest) and optional staff turnover (units join
late / leave early: an unbalanced panel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["simulate_staggered_panel"]


def simulate_staggered_panel(
    n_units: int = 2_000,
    n_periods: int = 20,
    n_clusters: int = 50,
    *,
    cohorts: Sequence[int] | None = None,
    share_never: float = 0.25,
    effect: float | Callable[[np.ndarray], np.ndarray] = 1.0,
    pretrend_slope: float = 0.0,
    branch_shock_sd: float = 1.0,
    noise_sd: float = 1.0,
    unit_sd: float = 2.0,
    turnover: float = 0.0,
    string_ids: bool = True,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return ``(panel, adoption)``.

    ``panel`` has columns ``unit``, ``period`` (0..T-1), ``branch``, ``y`` (the outcome),
    ``n`` (responses behind the value) and ``true_effect``; ``adoption`` has ``branch``
    and ``adoption_period`` (NaN = never treated). ``cohorts`` are the adoption periods
    drawn for treated branches (default: every period from 2 to T-2).
    ``turnover`` is the share of staff who join late or leave early.
    """
    rng = np.random.default_rng(seed)
    if cohorts is None:
        cohorts = list(range(2, max(3, n_periods - 1)))
    cohort_periods = np.asarray(cohorts, dtype=float)
    branch_of_unit = rng.integers(0, n_clusters, n_units)
    never = rng.random(n_clusters) < share_never
    adopt = np.where(never, np.nan, rng.choice(cohort_periods, n_clusters))
    unit = np.repeat(np.arange(n_units), n_periods)
    period = np.tile(np.arange(n_periods), n_units)
    if turnover > 0:
        moves = rng.random(n_units) < turnover
        start = np.where(moves, rng.integers(0, n_periods // 2, n_units), 0)
        end = np.where(moves, rng.integers(n_periods // 2, n_periods, n_units), n_periods - 1)
        keep = (period >= start[unit]) & (period <= end[unit])
        unit, period = unit[keep], period[keep]
    branch = branch_of_unit[unit]
    g = adopt[branch]
    e = period - g
    treated = np.isfinite(e) & (e >= 0)
    if callable(effect):
        tau = np.where(treated, effect(np.where(treated, e, 0.0)), 0.0)
    else:
        tau = np.where(treated, float(effect), 0.0)
    y = (
        rng.normal(0.0, unit_sd, n_units)[unit]
        + np.linspace(0.0, 1.0, n_periods)[period]
        + rng.normal(0.0, branch_shock_sd, (n_clusters, n_periods))[branch, period]
        + tau
        + np.where(np.isfinite(e), pretrend_slope * np.nan_to_num(e), 0.0)
        + rng.normal(0.0, noise_sd, unit.size)
    )
    adopt_ids: list[Any]
    if string_ids:
        unit_ids = pd.Series([f"s{i:06d}" for i in range(n_units)])[unit].to_numpy()
        branch_ids = pd.Series([f"b{i:04d}" for i in range(n_clusters)])[branch].to_numpy()
        adopt_ids = [f"b{i:04d}" for i in range(n_clusters)]
    else:
        unit_ids, branch_ids, adopt_ids = unit, branch, list(range(n_clusters))
    panel = pd.DataFrame(
        {
            "unit": unit_ids,
            "period": period,
            "branch": branch_ids,
            "y": y,
            "n": rng.integers(5, 50, unit.size),
            "true_effect": tau,
        }
    )
    adoption = pd.DataFrame({"branch": adopt_ids, "adoption_period": adopt})
    return panel, adoption

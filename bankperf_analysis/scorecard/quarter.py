"""The scorecards of one quarter from a dataset: what ``bankperf scorecard`` and the reports run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis._validation import check_period
from bankperf_analysis.exceptions import ParamsError

if TYPE_CHECKING:
    from bankperf_analysis.dataset.load import Dataset
    from bankperf_analysis.scheme import Scheme
    from bankperf_analysis.scorecard.results import BranchScorecard, StaffScorecard

__all__ = ["quarter_scorecards", "target_basis_rows", "with_target_basis"]


def quarter_scorecards(
    ds: Dataset, quarter: str, scheme: Scheme | None = None, *, kpis: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, StaffScorecard, BranchScorecard]:
    """Staff and branch scorecards of one quarter from a loaded dataset.

    Returns ``(kpis, staff_card, branch_card)``; ``kpis`` is the quarter's KPI frame
    (computed here unless given: quarter values at every level, no months, and the
    values of the KPIs with a yearly target on the scheme's ``annual_target_basis``, see
    :func:`with_target_basis`). This is
    what ``bankperf scorecard`` runs, and what ``benchmarks/bench_kpis.py`` times. KPIs
    whose table is absent or empty are "not available" on the scorecards, never zero.
    Only people in post during the quarter are on the staff card (the dataset's assignment
    history, :meth:`Dataset.employment`): see :func:`~bankperf_analysis.scorecard.score_staff`.
    """
    from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis, unavailable_kpis
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scorecard.branch import score_branches
    from bankperf_analysis.scorecard.pay import staff_events, with_branch_cuts
    from bankperf_analysis.scorecard.staff import score_staff

    scheme = scheme or load_scheme()
    q = check_period(quarter, "quarter", "quarter_scorecards")
    if not ds.has_data(q):
        first, last = ds.coverage()  # only to say what the data do cover
        raise ParamsError(f"The dataset has no data for {q}: it covers {first}–{last}.")
    if kpis is None:
        # Scorecards use quarter values only: no monthly roll-up; and the values of the
        # yearly targets on the scheme's basis (year-to-date or annualised).
        options = MetricOptions.from_scheme(scheme)
        kpis = compute_kpis(ds, period=str(q), options=options, period_types=("quarter",))
        kpis = with_target_basis(ds, q, scheme, kpis, options)
    staff = ds.table("staff")
    branches = ds.table("branches")
    missing = unavailable_kpis(ds)  # not available, never zero-filled
    staff_card = score_staff(
        kpis,
        scheme,
        str(q),
        staff=staff,
        branches=branches,
        unavailable=missing,
        employment=ds.employment(),
        events=staff_events(ds, scheme),  # additions and deductions, veto evidence
    )
    branch_card = score_branches(kpis, scheme, str(q), branches=branches, unavailable=missing)
    return kpis, with_branch_cuts(staff_card, branch_card, scheme), branch_card


def with_target_basis(ds: Dataset, period, scheme: Scheme, kpis: pd.DataFrame, options=None) -> pd.DataFrame:
    """``kpis`` with :func:`target_basis_rows` added (``period``: a quarter or a year)."""
    extra = target_basis_rows(ds, period, scheme, options)
    return pd.concat([kpis, extra], ignore_index=True) if extra is not None and len(extra) else kpis


def target_basis_rows(ds: Dataset, period, scheme: Scheme, options=None) -> pd.DataFrame | None:
    """The rows of the scheme's yearly-target KPIs on its annual basis, for each quarter of ``period``.

    ``period`` is a quarter or a year (each of its quarters with data). The rows are those
    of :func:`~bankperf_analysis.metrics.year_to_date.target_basis_kpis` (``period_type``
    ``year_to_date`` or ``annualised``, ``period`` the quarter). None when no rule of the
    scheme has a yearly target.
    """
    from bankperf_analysis.metrics.compute import MetricOptions
    from bankperf_analysis.metrics.year_to_date import target_basis_kpis
    from bankperf_analysis.scorecard.period_basis import scored_period_types

    ptypes = scored_period_types(scheme, scheme.rules_frame()["kpi"].unique())
    if not ptypes:
        return None
    return target_basis_kpis(
        ds,
        str(period),
        basis=scheme.scoring.annual_target_basis,
        options=options or MetricOptions.from_scheme(scheme),
        kpis=list(ptypes),
    )

"""The scorecards of one quarter from a dataset: what ``bankperf scorecard`` and the reports run."""

from __future__ import annotations

__all__ = ["quarter_scorecards"]


def quarter_scorecards(ds, quarter: str, scheme=None, *, kpis=None):
    """Staff and branch scorecards of one quarter from a loaded dataset.

    Returns ``(kpis, staff_card, branch_card)``; ``kpis`` is the quarter's KPI frame
    (computed here unless given: quarter values at every level, no months). This is
    what ``bankperf scorecard`` runs, and what ``benchmarks/bench_kpis.py`` times.
    """
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis
    from bankperf_analysis.periods import Period
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scorecard.scoring import score_branches, score_staff

    scheme = scheme or load_scheme()
    q = Period.parse(quarter)
    if q.kind != "quarter":
        raise ParamsError(f"The 'quarter' parameter must be a quarter like '2026Q3'. "
                          f"Got {quarter!r} instead.")
    if not ds.has_data(q):
        first, last = ds.coverage()  # only to say what the data do cover
        raise ParamsError(f"The dataset has no data for {q}: it covers {first}–{last}.")
    if kpis is None:
        # Scorecards use quarter values only: no monthly roll-up.
        kpis = compute_kpis(ds, period=str(q), options=MetricOptions.from_scheme(scheme),
                            period_types=("quarter",))
    staff = ds.table("staff")
    branches = ds.table("branches")
    staff_card = score_staff(kpis, scheme, str(q), staff=staff, branches=branches)
    branch_card = score_branches(kpis, scheme, str(q), branches=branches)
    return kpis, staff_card, branch_card

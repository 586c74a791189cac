"""``bankperf scorecard``: a quarter's scorecards to Excel (HR) or CSV."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

__all__ = ["register", "quarter_scorecards"]


def quarter_scorecards(ds, quarter: str, scheme=None, *, kpis=None):
    """Staff and branch scorecards of one quarter from a loaded dataset.

    Returns ``(kpis, staff_card, branch_card)``; ``kpis`` is the quarter's KPI frame
    (computed here unless given: quarter values at every level, no months). This is
    what ``bankperf scorecard`` runs, and what ``benchmarks/bench_kpis.py`` times.
    """
    from bankperf_analysis.exceptions import ParamsError
    from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis
    from bankperf_analysis.periods import Period
    from bankperf_analysis.scheme.model import load_scheme
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


def cmd_scorecard(args: argparse.Namespace) -> int:
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.scheme.model import load_scheme
    from bankperf_analysis.scorecard.export import write_scorecard

    t0 = time.perf_counter()
    scheme = load_scheme(args.scheme) if args.scheme else load_scheme()
    with load_dataset(args.data) as ds:
        _, staff_card, branch_card = quarter_scorecards(ds, args.quarter, scheme)
    files = write_scorecard(Path(args.out), staff_card, branch_card, progress=not args.no_progress)
    print(staff_card.summary().as_text())
    print(branch_card.summary().as_text())
    print(f"wrote {', '.join(str(f) for f in files)} in {time.perf_counter() - t0:.1f} s")
    return 0


def register(sub) -> None:
    """Add the ``scorecard`` sub-command."""
    p = sub.add_parser("scorecard", help="score a quarter and write Excel (.xlsx) or CSV")
    p.add_argument("--data", required=True, help="data folder or DuckDB file")
    p.add_argument("--quarter", required=True, help="quarter to score, e.g. 2026Q3")
    p.add_argument("--out", required=True, help="output file: .xlsx workbook or .csv")
    p.add_argument("--scheme", help="scheme YAML (default: the packaged params/scheme.yaml)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_scorecard)

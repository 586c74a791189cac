"""``bankperf roster``: a week of shifts (排班) for one branch, printed and optionally saved.

``bankperf roster --data DIR --branch B01 --quarter 2026Q4 [--lang zh|en] [--out FILE.xlsx|.csv]``

The requirement is the branch's staffing plan for the next quarter
(:func:`~bankperf_analysis.staffing.plan.branch_staffing_plan`): staff required on shift per
weekday x 30-minute interval of each queue (counter; phone and online), closed where the
queue has no demand. Each queue gets its own roster from
:class:`~bankperf_analysis.staffing.roster.ShiftScheduler`
(:func:`~bankperf_analysis.staffing.queue_rosters.roster_queues`) with the scheme's ``roster:``
section, and its service level per interval from the plan's Erlang model.
``--out`` writes the intervals, shifts and who-works-when tables
(:func:`~bankperf_analysis.staffing.export.write_rosters`).
"""

from __future__ import annotations

import argparse
import time

__all__ = ["register"]


def cmd_roster(args: argparse.Namespace) -> int:
    """Roster every queue of the branch and print (and optionally write) the plans."""
    from bankperf_analysis.cli._request import check_request
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.i18n import t
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.staffing.export import check_plan_path, write_rosters
    from bankperf_analysis.staffing.plan import branch_staffing_plan
    from bankperf_analysis.staffing.queue_rosters import roster_queues

    t0 = time.perf_counter()
    scheme = load_scheme(args.scheme)
    if args.out:
        check_plan_path(args.out, "bankperf roster")
    check_request(args.data, args.quarter, [args.branch], command="roster")
    with load_dataset(args.data) as ds:
        plan = branch_staffing_plan(ds, args.branch, args.quarter, scheme)
    rosters = roster_queues(plan, scheme.roster)
    for queue, roster in rosters.items():
        name = t(f"queue_{queue}", args.lang) if f"queue_{queue}" in _labels() else queue
        print(f"\n{t('roster_queue', args.lang, queue=name)} ({args.branch}, {plan.plan_quarter})")
        print(roster.summary(args.lang).as_text())
    if args.out:
        files = write_rosters(rosters, args.out)
        print(f"\nwrote {', '.join(str(f) for f in files)}")
    print(f"done in {time.perf_counter() - t0:.1f} s")
    return 0


def _labels():
    from bankperf_analysis.i18n import LABELS

    return LABELS


def register(sub) -> None:
    """Add the ``roster`` sub-command."""
    p = sub.add_parser("roster", help="a week of shifts (排班) for a branch's next quarter")
    p.add_argument("--data", required=True, help="data folder or DuckDB file")
    p.add_argument("--branch", required=True, help="branch id, e.g. B01")
    p.add_argument("--quarter", required=True, help="reporting quarter the plan starts from, e.g. 2026Q4")
    p.add_argument("--lang", default="en", choices=["en", "zh"], help="language of the tables (default en)")
    p.add_argument("--out", help="also write the tables: .xlsx (one sheet each) or .csv")
    p.add_argument("--scheme", help="scheme YAML (default: the packaged params/scheme.yaml)")
    p.set_defaults(func=cmd_roster)

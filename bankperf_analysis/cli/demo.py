"""``bankperf demo-data DIR [--seed N] [--scale tiny|default|bench]``: write the demo bank.

The bank is deterministic for a seed; its planted truths go to ``DIR/truth.json``.
"""

from __future__ import annotations

import argparse
import time

__all__ = ["register"]


def cmd_demo_data(args: argparse.Namespace) -> int:
    """Write the demo bank into ``args.dir``; return the exit code."""
    from bankperf_analysis.dataset.demo import make_demo_bank

    t0 = time.perf_counter()
    truth = make_demo_bank(
        args.dir,
        scale=args.scale,
        seed=args.seed,
        progress=None if args.quiet else (lambda m: print("  " + m)),
    )
    rows = sum(truth["rows"].values())
    print(
        f"demo bank ({args.scale}, seed {args.seed}) written to {args.dir}: "
        f"{truth['n_branches']} branches, {truth['n_staff']} staff, {rows:,} rows, "
        f"{truth['first_period']}–{truth['last_period']} in {time.perf_counter() - t0:.1f} s; "
        f"planted truths in {args.dir}/truth.json"
    )
    return 0


def register(sub) -> None:
    """Add the ``demo-data`` sub-command."""
    d = sub.add_parser("demo-data", help="write the deterministic demo bank")
    d.add_argument("dir", help="destination folder")
    d.add_argument("--seed", type=int, default=20261, help="random seed (default 20261)")
    d.add_argument("--scale", default="default", choices=["tiny", "default", "bench"])
    d.add_argument("--quiet", action="store_true", help="no per-table progress")
    d.set_defaults(func=cmd_demo_data)

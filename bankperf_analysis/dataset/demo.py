"""A deterministic synthetic bank with documented planted truths.

The demo bank follows the data contract (:mod:`bankperf_analysis.dataset.schema`) and the
baselines quoted in the source documents (domain.md): satisfaction ≈ 85 %, resolution ≈ 92 %,
cross-sales ≈ 3 per person per month. Contact arrivals follow a weekday × hour profile with
Monday and Friday peaks, month-end bumps and holiday troughs. Phone and online contacts then
go through a simulated queue served by the rostered representatives
(:mod:`~bankperf_analysis.dataset._demo_queue`), so their waits follow from the roster: the
source's mean response of 4 min (000) is not reproduced (a queue answering about 90 % within
30 s, with patience of 4 min, has mean waits of seconds); counter waits still come from a load
heuristic. Planted truths, returned and written to ``truth.json``, give the
later analyses something real to find:

* **bonus scheme** — a 2,000-yuan bonus scheme adopted by some branches at staggered
  known quarters, raising the probability that a survey is "satisfied" by a known
  number of percentage points and cross-sales by a known number per staff-month;
* **satisfaction drop** — one never-treated branch whose satisfaction truly drops in a
  known quarter;
* **small-sample branch** — a branch with too few surveys to judge;
* **staff heterogeneity** — staff-level effects on satisfaction, cross-sales, errors;
* **staff turnover** — some posts change hands mid-period (unbalanced panels);
* **employment in the last quarter** — a leaver the day before it starts, a leaver ten days
  in, a joiner twelve days before its end, and a customer-service rep transferred between
  two branches on the 15th of its middle month (``assignments.parquet`` holds the history;
  ``truth.json`` ``employment`` lists them with their days, and everyone who left before);
* **remote queue** — phone and online contacts are simulated through a queue served by the
  rostered representatives, with a known mean patience; one branch is rostered below the
  need and one above it (``truth.json`` ``remote_queue``;
  :mod:`bankperf_analysis.dataset._demo_queue`).

Every random draw comes from a stream spawned from one seed per table (and per chunk
of branches), so the same seed gives byte-identical data and the chunked benchmark
scale never holds all contacts in memory.

Examples
--------
>>> import tempfile
>>> truth = make_demo_bank(tempfile.mkdtemp(), scale="tiny", seed=7)
>>> truth["satisfaction_drop"]["quarter"]
'2026Q4'
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from bankperf_analysis._atomic import atomic_write
from bankperf_analysis._validation import check_choice
from bankperf_analysis.dataset._demo_pay import pay_truth
from bankperf_analysis.dataset._demo_posts import posts_truth
from bankperf_analysis.dataset._demo_queue import remote_queue_truth
from bankperf_analysis.dataset._demo_tables import TABLES, contacts_chunk
from bankperf_analysis.dataset._demo_world import (
    BONUS_EFFECT_CROSS_SALES,
    BONUS_EFFECT_SATISFACTION,
    CROSS_SALES_BASE,
    DEMO_HOLIDAYS,
    DROP_EFFECT,
    HOLIDAY_FACTOR,
    MONTH_END_FACTOR,
    RESOLUTION_BASE,
    SATISFACTION_BASE,
    SCALES,
    STAFF_SAT_SD,
    WEEKDAY_FACTOR,
    DemoScale,
    World,
)
from bankperf_analysis.dataset.sources import write_meta
from bankperf_analysis.periods import Period

__all__ = ["make_demo_bank", "DemoScale", "SCALES", "demo_truth_path", "DEMO_HOLIDAYS"]


def demo_truth_path(folder: str | Path) -> Path:
    """Path of the ``truth.json`` written beside demo data."""
    return Path(folder) / "truth.json"


def make_demo_bank(
    folder: str | Path,
    *,
    scale: str = "default",
    seed: int = 20261,
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Generate the demo bank into ``folder`` (Parquet, one file per table).

    Parameters
    ----------
    folder : str or Path
        Destination data folder (created if needed). Existing demo files are replaced.
    scale : {"tiny", "default", "bench"}
        ``tiny`` (4 branches, tests), ``default`` (12 branches, ~330 staff, 8 quarters
        2025Q1–2026Q4), ``bench`` (1,000 branches, 20,000 staff, ≥ 50M contacts in
        2026Q4, contacts written in chunks to ``contacts/part-*.parquet``).
    seed : int
        Random seed; the same seed gives the same data and fingerprint.
    progress : callable, optional
        Called with a short message after each table.

    Returns
    -------
    dict
        The planted truths, also written to ``truth.json``.
    """
    sc = SCALES[check_choice(scale, "scale", "make_demo_bank", tuple(SCALES))]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    w = World(sc, int(seed))
    counts: dict[str, int] = {}
    for name, fn in TABLES.items():
        df = w.relabel(name, fn(w))
        _write(df, out / f"{name}.parquet")
        counts[name] = len(df)
        say(f"{name}: {len(df):,} rows")
    # Contacts: chunks of branches, streamed to Parquet.
    counts["contacts"] = _write_contacts(w, out, say)
    qnames = [str(q) for q in w.quarters]
    truth = _truth(w, qnames, counts)
    truth["generation_seconds"] = round(time.perf_counter() - t0, 2)
    write_meta(
        out,
        name=f"demo bank ({scale})",
        name_zh=f"演示银行（{_SCALE_ZH.get(scale, scale)}）",
        first_period=qnames[0],
        last_period=qnames[-1],
        seed=int(seed),
        scale=scale,
        holidays=list(DEMO_HOLIDAYS),
        currency="CNY",
    )
    atomic_write(demo_truth_path(out), json.dumps(truth, indent=2, ensure_ascii=False))
    return truth


#: The demo scales in Chinese (the bank's Chinese name in ``dataset.yaml``).
_SCALE_ZH = {"tiny": "微型", "default": "标准", "bench": "基准测试"}


# ----------------------------------------------------------------------------- writing


def _write(df: pd.DataFrame, path: Path) -> None:
    atomic_write(path, lambda tmp: df.to_parquet(tmp, index=False, compression="zstd"))


def _write_contacts(w: World, out: Path, say: Callable[[str], None]) -> int:
    """Write the contacts chunk by chunk: one file (streamed), or one Parquet part per chunk."""
    part_dir = out / "contacts"
    if part_dir.exists():
        shutil.rmtree(part_dir)
    if (out / "contacts.parquet").exists():
        (out / "contacts.parquet").unlink()
    total = 0

    def chunks() -> Iterator[tuple[int, pa.Table]]:
        nonlocal total
        nb, step = w.scale.n_branches, w.scale.chunk_branches
        for k, lo in enumerate(range(0, nb, step)):
            df = contacts_chunk(w, np.arange(lo, min(nb, lo + step)), start_id=lo * 10_000_000 + 1)
            df = w.relabel("contacts", df)
            table = pa.Table.from_pandas(df, preserve_index=False)
            total += len(df)
            del df
            yield k, table
            del table  # one chunk in memory at a time (the consumer drops it too)
            say(f"contacts: {total:,} rows ({min(nb, lo + step)}/{nb} branches)")

    if w.scale.single_files:
        atomic_write(out / "contacts.parquet", lambda tmp: _stream(tmp, chunks()))
    else:
        part_dir.mkdir()
        for k, table in chunks():
            part = partial(pq.write_table, table, compression="zstd")
            atomic_write(part_dir / f"part-{k:04d}.parquet", part)
            del table, part
    return total


def _stream(path: Path, tables: Iterator[tuple[int, pa.Table]]) -> None:
    """Write the tables one after the other into one Parquet file."""
    writer = None
    try:
        for _, table in tables:
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema, compression="zstd")
            writer.write_table(table)
            del table
    finally:
        if writer is not None:
            writer.close()


# ----------------------------------------------------------------------------- truth


def _truth(w: World, qnames: list[str], counts: dict[str, int]) -> dict:
    """The planted truths, as written to ``truth.json``."""
    sc = w.scale
    adoption = {
        str(w.branch_ids[b]): qnames[int(w.adopt_q[b])] for b in range(sc.n_branches) if w.adopt_q[b] >= 0
    }
    never = [str(w.branch_ids[b]) for b in range(sc.n_branches) if w.adopt_q[b] < 0]
    truth: dict = {
        "seed": w.seed,
        "scale": sc.name,
        "first_period": qnames[0],
        "last_period": qnames[-1],
        "rows": counts,
        "n_branches": sc.n_branches,
        "n_staff": int(len(w.staff)),
        "baselines": {
            "satisfaction_rate": SATISFACTION_BASE,
            "resolution_rate": RESOLUTION_BASE,
            "cross_sales_per_month": CROSS_SALES_BASE,
            "satisfied_threshold": 8,
        },
        "bonus_scheme": {
            "amount_yuan": 2000,
            "level": "branch",
            "adoption": adoption,
            "never_treated": never,
            "effect": {
                "satisfaction_rate": BONUS_EFFECT_SATISFACTION,
                "cross_sales_per_month": BONUS_EFFECT_CROSS_SALES,
            },
            "note": (
                "From its adoption quarter on, every survey answered in an adopting branch is "
                "'satisfied' (score >= 8) with probability higher by the satisfaction_rate "
                "effect (percentage points / 100), and each customer-service rep and customer "
                "manager sells the cross_sales_per_month effect more products per month."
            ),
        },
        "satisfaction_drop": None,
        "small_sample_branch": None,
        "staff_heterogeneity": {
            "satisfaction_sd": STAFF_SAT_SD,
            "cross_sales_log_sd": 0.3,
            "resolution_sd": 0.02,
            "error_log_sd": 0.5,
        },
        "mystery_shopper_branch_means": {str(b): round(float(m), 2) for b, m in zip(w.branch_ids, w.ms_mean)},
        "holidays": list(DEMO_HOLIDAYS),
        "contact_pattern": {
            "weekday_factor_mon_to_sun": WEEKDAY_FACTOR.tolist(),
            "month_end_factor": MONTH_END_FACTOR,
            "holiday_factor": HOLIDAY_FACTOR,
        },
    }
    if sc.drop_branch < sc.n_branches:
        truth["satisfaction_drop"] = {
            "branch_id": str(w.branch_ids[sc.drop_branch]),
            "quarter": qnames[w.drop_q],
            "effect": DROP_EFFECT,
            "note": "Satisfied-survey probability falls by 12 points from this quarter on.",
        }
    if sc.small_branch < sc.n_branches:
        truth["small_sample_branch"] = {
            "branch_id": str(w.branch_ids[sc.small_branch]),
            "expected_surveys_per_quarter": round(
                float(
                    w.scale.surveys_per_staff_quarter
                    * w.survey_factor[sc.small_branch]
                    * sum(
                        sc.roles_per_branch.get(r, 0)
                        for r in ("customer_service_rep", "teller", "customer_manager", "lobby_manager")
                    )
                ),
                1,
            ),
        }
    truth["expected_satisfaction_by_branch_quarter"] = _expected_satisfaction(w, qnames)
    truth["employment"] = _employment_truth(w)
    truth["pay"] = pay_truth(w)  # adjustments at the caps, effective complaints (veto)
    truth["remote_queue"], truth["posts"] = remote_queue_truth(w), posts_truth(w)
    return truth


def _employment_truth(w: World) -> dict:
    """Who left before the last quarter, and the planted leavers, joiners and transfer with their days.

    ``leave_date`` and ``valid_to`` are the first day no longer in post; days are days in
    post within the quarter.
    """
    q = w.quarters[-1]
    last = w.holdings.drop_duplicates("staff_id", keep="last")
    leave = pd.to_datetime(last.leave_date)
    gone = last.loc[leave.notna() & (leave.dt.date <= q.start), "staff_id"]

    def days(start, end) -> int:
        a, b = max(pd.Timestamp(start).date(), q.start), min(pd.Timestamp(end).date(), q.end)
        return max(0, (b - a).days)

    out: dict = {
        "quarter": str(q),
        "note": "leave_date and valid_to: the first day no longer in post; days: days in post in the quarter",
        "left_before_quarter": sorted(str(sid) for sid in gone),
        "planted": None,
    }
    if w.plants:
        planted = {}
        for key, p in w.plants.items():
            if key == "transfer":
                continue
            cut = dt.date.fromisoformat(p["date"])
            planted[key] = {**p, "leaver_days": days(q.start, cut), "joiner_days": days(cut, q.end)}
        t = w.plants["transfer"]
        cut = dt.date.fromisoformat(t["date"])
        planted["transfer"] = {**t, "days_from": days(q.start, cut), "days_to": days(cut, q.end)}
        out["planted"] = planted
    return out


def _expected_satisfaction(w: World, qnames: list[str]) -> dict[str, dict[str, float]]:
    """True expected satisfaction per quarter and branch (mean over its staff's effects)."""
    st = w.staff
    exp = {}
    for qi, q in enumerate(qnames):
        qstart, qend = Period.parse(q).start, Period.parse(q).end
        active = st[
            (pd.to_datetime(st.hire_date).dt.date < qend)
            & (pd.isna(st.leave_date) | (pd.to_datetime(st.leave_date).dt.date > qstart))
            & st.role.isin(("customer_service_rep", "teller", "customer_manager", "lobby_manager"))
        ]
        b = active.b.to_numpy()
        p = w.sat_prob(b, active.index.to_numpy(), np.full(len(b), qi))
        s = pd.Series(p).groupby(w.branch_ids[b]).mean()
        exp[q] = {k: round(float(v), 4) for k, v in s.items()}
    return exp

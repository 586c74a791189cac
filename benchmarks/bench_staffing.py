"""Benchmark: required staff for a year of 15-minute intervals, vs pyworkforce.

Data: 10 queues x 35,040 fifteen-minute intervals (one year, 350,400 intervals), a
seeded synthetic load with a daily profile (night trough, late-morning and afternoon
peaks), Monday/Friday peaks, a mild seasonal swing, Poisson noise, 0-200 contacts per
interval and AHT 180-400 s. Target: 95 % answered within 30 s (domain default), 30 %
shrinkage. Written once to ``benchmarks/data/staffing_loads.npz``.

Contenders, each in a fresh process, interleaved (``_common.compare``), median of the
repeats; each also reports its own compute-only time (data loading and the lazy import
of pyworkforce excluded), which is what the ratio uses:

* ``bankperf erlang_c``: :func:`bankperf_analysis.staffing.required.required_staff` on all
  intervals at once + :func:`scheduled_staff`.
* ``pyworkforce ErlangC``: ``ErlangC(...).required_positions(service_level=0.95)`` per
  interval (pyworkforce 0.5 has no vectorised API; ``MultiErlangC`` is a parameter grid,
  not element-wise). It raises on zero contacts; those intervals need 0 staff in both.
* ``bankperf erlang_a (1,000 intervals)``: Erlang A required staff, patience 180 s.

Every interval where the counts differ is checked exactly: the service level at n - 1
and n of both answers, with Erlang C by direct summation in rational arithmetic
(Python ``fractions``), independent of both implementations.

Run: ``python -m benchmarks.bench_staffing [--repeats 3]``.
Goals: >= 10x faster than pyworkforce with identical counts wherever the peer is right;
Erlang A 1,000 intervals in <= 0.5 s.
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

from bankperf_analysis.staffing.erlang import erlang_c_service_level
from bankperf_analysis.staffing.required import required_staff, scheduled_staff
from benchmarks._common import Contender, compare, table, write_results

DATA = Path(__file__).resolve().parent / "data" / "staffing_loads.npz"
INTERVAL_MINUTES = 15
TARGET_SL = 0.95
ANSWER_SECONDS = 30.0
SHRINKAGE = 0.3
PATIENCE_SECONDS = 180.0
N_QUEUES = 10
N_INTERVALS = 35_040  # 365 days x 96


def make_loads(seed: int = 2025) -> dict[str, np.ndarray]:
    """Seeded realistic loads: contacts (0-200) and AHT (180-400 s) per queue x interval."""
    rng = np.random.default_rng(seed)
    t = np.arange(N_INTERVALS)
    hour = (t % 96) / 4.0
    day = t // 96
    weekday = (day + 2) % 7  # 2025-01-01 was a Wednesday (0 = Monday)
    daily = 0.03 + np.exp(-(((hour - 10.5) / 2.2) ** 2)) + 0.85 * np.exp(-(((hour - 15.0) / 2.0) ** 2))
    week = np.array([1.3, 1.0, 0.95, 1.0, 1.25, 0.6, 0.4])[weekday]
    season = 1.0 + 0.1 * np.sin(2 * np.pi * day / 365.0)
    shape = daily * week * season
    contacts = np.empty((N_QUEUES, N_INTERVALS), dtype=np.int64)
    aht = np.empty((N_QUEUES, N_INTERVALS))
    for q in range(N_QUEUES):
        peak = rng.uniform(60, 160)
        mean = peak * shape / shape.max() * rng.lognormal(0.0, 0.1, N_INTERVALS)
        contacts[q] = np.minimum(rng.poisson(mean), 200)
        base = rng.uniform(200, 380)
        aht[q] = np.clip(base + rng.normal(0, 15, N_INTERVALS), 180, 400)
    return {"contacts": contacts.ravel(), "aht_seconds": aht.ravel()}


def ensure_data(path: Path = DATA) -> Path:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez(path, **make_loads())
    return path


def _load(path: str):
    d = np.load(path)
    return d["contacts"], d["aht_seconds"]


# --------------------------------------------------------------------------- contenders


def run_ours(path: str) -> dict:
    contacts, aht = _load(path)
    t0 = time.perf_counter()
    traffic = contacts * aht / (60.0 * INTERVAL_MINUTES)
    raw = required_staff(traffic, aht, target_service_level=TARGET_SL, target_answer_seconds=ANSWER_SECONDS)
    sched = scheduled_staff(raw, SHRINKAGE)
    compute = time.perf_counter() - t0
    return {"compute_s": compute, "raw": raw.astype(np.int32), "scheduled": sched.astype(np.int32)}


def run_pyworkforce(path: str) -> dict:
    from pyworkforce.queuing import ErlangC  # lazy: only the benchmark needs it

    contacts, aht = _load(path)
    t0 = time.perf_counter()
    raw = np.zeros(contacts.size, dtype=np.int32)
    sched = np.zeros(contacts.size, dtype=np.int32)
    asa_min = ANSWER_SECONDS / 60.0
    for i, (c, h) in enumerate(zip(contacts.tolist(), aht.tolist(), strict=True)):
        if c <= 0:  # pyworkforce raises on zero transactions; 0 staff is the answer
            continue
        r = ErlangC(
            transactions=c, aht=h / 60.0, asa=asa_min, interval=INTERVAL_MINUTES, shrinkage=SHRINKAGE
        ).required_positions(service_level=TARGET_SL)
        raw[i] = r["raw_positions"]
        sched[i] = r["positions"]
    compute = time.perf_counter() - t0
    return {"compute_s": compute, "raw": raw, "scheduled": sched}


def run_erlang_a(path: str, n: int = 1000) -> dict:
    contacts, aht = _load(path)
    rng = np.random.default_rng(1)
    busy = np.flatnonzero(contacts > 0)
    idx = np.sort(rng.choice(busy, n, replace=False))
    t0 = time.perf_counter()
    traffic = contacts[idx] * aht[idx] / (60.0 * INTERVAL_MINUTES)
    raw = required_staff(
        traffic,
        aht[idx],
        target_service_level=TARGET_SL,
        target_answer_seconds=ANSWER_SECONDS,
        model="erlang_a",
        patience_seconds=PATIENCE_SECONDS,
    )
    compute = time.perf_counter() - t0
    return {"compute_s": compute, "raw": raw.astype(np.int32), "max_traffic": float(traffic.max())}


# --------------------------------------------------------------------------- checking


def _sl_exact(n: int, a: Fraction, aht: float) -> float:
    """Erlang C service level with P(wait) by direct rational summation (independent)."""
    if n <= a:
        return 0.0
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    c = top / (sum(a**k / math.factorial(k) for k in range(n)) + top)
    return 1.0 - float(c) * math.exp(-(n - float(a)) * ANSWER_SECONDS / aht)


def _explain(i: int, contacts, aht, ours: int, peer: int) -> dict:
    a = Fraction(int(contacts[i])) * Fraction(float(aht[i])) / (60 * INTERVAL_MINUTES)
    af = float(a)
    sl = {n: _sl_exact(n, a, float(aht[i])) for n in {ours - 1, ours, peer - 1, peer} if n > 0}
    ours_ok = sl.get(ours, 1.0) >= TARGET_SL and sl.get(ours - 1, 0.0) < TARGET_SL
    if peer > ours and ours_ok:
        start = round(af + 1)
        why = (
            f"peer too high: its search starts at round(A + 1) = {start} > {ours}"
            if start > ours
            else "peer too high: SL at the peer's n - 1 already meets the target"
        )
        right = "bankperf"
    elif peer < ours and sl.get(peer, 0.0) < TARGET_SL:
        why, right = "peer too low: SL at its n is below the target", "bankperf"
    else:
        why, right = "bankperf not minimal", "pyworkforce"
    return {
        "interval": int(i),
        "contacts": int(contacts[i]),
        "aht_seconds": round(float(aht[i]), 3),
        "traffic_erlangs": round(af, 6),
        "bankperf": int(ours),
        "pyworkforce": int(peer),
        "sl_at_n": {int(k): round(v, 6) for k, v in sorted(sl.items())},
        "right": right,
        "reason": why,
    }


def compare_counts(path: str, ours: dict, peer: dict, limit: int = 50) -> dict:
    contacts, aht = _load(path)
    raw_o, raw_p = ours["raw"], peer["raw"]
    diff = np.flatnonzero(raw_o != raw_p)
    raw_rows = [_explain(i, contacts, aht, int(raw_o[i]), int(raw_p[i])) for i in diff]
    # scheduled staff: same raw count, different ceiling after 30 % shrinkage
    same = raw_o == raw_p
    sdiff = np.flatnonzero(same & (ours["scheduled"] != peer["scheduled"]))
    sched_rows = []
    for i in sdiff:
        r = int(raw_o[i])
        exact = math.ceil(Fraction(r) / (1 - Fraction(str(SHRINKAGE))))
        sched_rows.append(
            {
                "interval": int(i),
                "raw": r,
                "bankperf": int(ours["scheduled"][i]),
                "pyworkforce": int(peer["scheduled"][i]),
                "exact": exact,
                "right": "bankperf" if exact == ours["scheduled"][i] else "pyworkforce",
                "reason": f"floating-point ceiling: {r} / (1 - {SHRINKAGE}) = {r / (1 - SHRINKAGE)!r}",
            }
        )
    by_reason: dict[str, int] = {}
    for row in raw_rows + sched_rows:
        key = f"{row['right']} right: {row['reason'].split(':')[0]}"
        by_reason[key] = by_reason.get(key, 0) + 1
    return {
        "intervals": int(raw_o.size),
        "zero_demand_intervals": int((contacts == 0).sum()),
        "raw_disagreements": len(raw_rows),
        "raw_disagreements_peer_right": sum(r["right"] == "pyworkforce" for r in raw_rows),
        "scheduled_disagreements_same_raw": len(sched_rows),
        "scheduled_disagreements_peer_right": sum(r["right"] == "pyworkforce" for r in sched_rows),
        "by_reason": by_reason,
        "raw_examples": raw_rows[:limit],
        "scheduled_examples": sched_rows[:limit],
    }


def edge_grid() -> dict:
    """Small loads, short AHT, long answer time: where round(A + 1) overshoots."""
    from pyworkforce.queuing import ErlangC

    aht, t, target = 30.0, 60.0, 0.8
    traffic = np.round(np.arange(0.05, 3.0, 0.05), 2)
    ours = required_staff(traffic, aht, target_service_level=target, target_answer_seconds=t)
    rows = []
    for a, n in zip(traffic, ours, strict=True):
        # transactions per 60-min interval giving traffic a with AHT 0.5 min
        p = ErlangC(transactions=a * 120, aht=0.5, asa=1.0, interval=60).required_positions(
            service_level=target
        )["raw_positions"]
        if p != n:
            sl = erlang_c_service_level([n - 1, n], a, aht, t)
            rows.append(
                {
                    "traffic_erlangs": float(a),
                    "bankperf": int(n),
                    "pyworkforce": int(p),
                    "sl_at_bankperf_n_minus_1": round(float(sl[0]), 4),
                    "sl_at_bankperf_n": round(float(sl[1]), 4),
                    "reason": f"peer starts at round(A + 1) = {round(a + 1)}",
                }
            )
    return {
        "setting": f"AHT {aht:g} s, {target:.0%} within {t:g} s, A = 0.05..2.95",
        "cases": int(traffic.size),
        "disagreements": rows,
    }


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    path = str(ensure_data())
    contenders = [
        Contender("bankperf erlang_c", "benchmarks.bench_staffing:run_ours", {"path": path}),
        Contender("pyworkforce ErlangC", "benchmarks.bench_staffing:run_pyworkforce", {"path": path}),
        Contender(
            "bankperf erlang_a (1,000 intervals)", "benchmarks.bench_staffing:run_erlang_a", {"path": path}
        ),
    ]
    print(
        f"required staff, {N_QUEUES} queues x {N_INTERVALS:,} intervals of {INTERVAL_MINUTES} "
        f"min, {TARGET_SL:.0%} within {ANSWER_SECONDS:g} s, shrinkage {SHRINKAGE:.0%}"
    )
    compare(contenders, repeats=args.repeats)
    ours, peer, ea = contenders
    med = {c.label: statistics.median(r["compute_s"] for r in c.results) for c in contenders}
    ratio = med[peer.label] / med[ours.label]
    rows = [
        {
            "contender": c.label,
            "intervals": (1000 if c is ea else N_QUEUES * N_INTERVALS),
            "compute_median_s": med[c.label],
            "process_median_s": c.median,
            "peak_rss_mb": max(c.peaks_mb),
        }
        for c in contenders
    ]
    rows[1]["x_slower_than_bankperf"] = ratio
    print()
    print(
        table(
            rows,
            [
                "contender",
                "intervals",
                "compute_median_s",
                "process_median_s",
                "peak_rss_mb",
                "x_slower_than_bankperf",
            ],
        )
    )
    counts = compare_counts(path, ours.results[0], peer.results[0])
    edge = edge_grid()
    ea_ok = med[ea.label] <= 0.5
    print()
    print(
        f"speed-up vs pyworkforce (compute medians): {ratio:,.1f}x  (goal >= 10x: "
        f"{'met' if ratio >= 10 else 'NOT met'})"
    )
    print(
        f"Erlang A, 1,000 intervals: {med[ea.label]:.3f} s (goal <= 0.5 s: {'met' if ea_ok else 'NOT met'})"
    )
    print(
        f"raw-count disagreements: {counts['raw_disagreements']} of {counts['intervals']:,} "
        f"(peer right in {counts['raw_disagreements_peer_right']}); scheduled-staff "
        f"disagreements with equal raw counts: {counts['scheduled_disagreements_same_raw']} "
        f"(peer right in {counts['scheduled_disagreements_peer_right']})"
    )
    for k, v in counts["by_reason"].items():
        print(f"  {v:7,d}  {k}")
    for r in counts["scheduled_examples"][:3]:
        print(
            f"    e.g. raw {r['raw']}: bankperf {r['bankperf']}, pyworkforce {r['pyworkforce']}, "
            f"exact {r['exact']} ({r['reason']})"
        )
    print(f"edge grid ({edge['setting']}): {len(edge['disagreements'])} of {edge['cases']} differ")
    for r in edge["disagreements"][:5]:
        print(
            f"    A = {r['traffic_erlangs']:.2f}: bankperf {r['bankperf']} (SL {r['sl_at_bankperf_n']:.3f}"
            f", at n - 1 {r['sl_at_bankperf_n_minus_1']:.3f}), pyworkforce {r['pyworkforce']}: "
            f"{r['reason']}"
        )
    payload = {
        "setting": {
            "queues": N_QUEUES,
            "intervals_per_queue": N_INTERVALS,
            "interval_minutes": INTERVAL_MINUTES,
            "target_service_level": TARGET_SL,
            "answer_seconds": ANSWER_SECONDS,
            "shrinkage": SHRINKAGE,
            "erlang_a_patience_seconds": PATIENCE_SECONDS,
            "repeats": args.repeats,
        },
        "table": rows,
        "ratio_pyworkforce_over_bankperf": ratio,
        "goal_10x_met": ratio >= 10,
        "erlang_a_1000_median_s": med[ea.label],
        "goal_erlang_a_met": ea_ok,
        "times_s": {
            c.label: {"compute": [r["compute_s"] for r in c.results], "process": c.times} for c in contenders
        },
        "counts": counts,
        "edge_grid": edge,
    }
    out = write_results("staffing", payload)
    print(f"\nwrote {out}")
    return payload


if __name__ == "__main__":
    main()

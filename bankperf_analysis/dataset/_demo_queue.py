"""The demo bank's remote queue: a multi-server FCFS queue with abandonment, simulated.

Phone and online contacts of a branch form one queue (the staffing plan's ``phone_online``
queue), answered by the customer-service representatives on shift. Each branch x day is
simulated as an M(t)/M/c(t)+M queue:

- **arrivals** are the demo's non-homogeneous Poisson arrivals (rate constant within an
  hour, from the weekday x hour profile; :func:`~bankperf_analysis.dataset._demo_tables._arrivals`);
- **servers** in hour ``h`` are the productive representatives of the roster,
  ``floor(present on shift x (1 - REMOTE_SHRINKAGE))`` -- the same rule by which the staffing
  plan turns rostered staff into productive agents (``staffing.shrinkage`` of the scheme);
  a server busy when its hour ends finishes its contact;
- **handling times** are exponential (:data:`REMOTE_AHT_SECONDS` per channel): Erlang C and
  A assume exponential service, and the mixture of the two channels' means has a squared
  coefficient of variation of about 1.01, so the model's service assumption holds;
- **patience** is exponential with mean :data:`REMOTE_PATIENCE_SECONDS`; a contact whose
  wait would exceed its patience abandons at ``arrival + patience`` (FCFS: an abandoning
  contact never holds a server, so processing contacts in arrival order is exact).

The queue-days are independent, so they are simulated in lockstep: step ``k`` places the
``k``-th arrival of every queue-day at once (numpy over queue-days, queue-days sorted by
their number of arrivals so that the active ones are a prefix). The Python loop runs over
the arrivals of the busiest day only, not over contacts.

Where Erlang's stationary model is off: rates and servers change on the hour, and each day
starts with an empty queue, whereas Erlang takes every hour in its steady state. The
observed queue does a little better than the model: on the default demo (seed 20261, year
2026) by up to 1.6 points of service level and 0.8 points of abandonment on a branch x
weekday, most in the loaded morning hours and after the 16:00 drop in staff
(``tests/test_demo_queue.py``). A single productive server at a peak near full load would
be off by about 5 points (it takes long to reach its steady state): no pattern below has one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.dataset._demo_world import World

#: Share of a present representative's shift off the queue (breaks, after-contact work,
#: meetings): the scheme's default ``staffing.shrinkage``, so the plan's model and the demo agree.
REMOTE_SHRINKAGE = 0.30
#: Mean handling seconds (exponential) of the remote channels.
REMOTE_AHT_SECONDS = {"phone": 300.0, "online": 360.0}
#: Mean patience (exponential) of a waiting remote contact, seconds: the planted truth.
REMOTE_PATIENCE_SECONDS = 240.0
#: First opening hour of the queue and the number of hours it takes arrivals.
OPEN_HOUR = 8
N_HOURS = 12


def productive(on_duty: np.ndarray) -> np.ndarray:
    """Productive servers of ``on_duty`` present representatives (the plan's shrinkage rule).

    Examples
    --------
    >>> productive(np.array([1, 2, 3, 4, 5, 8])).tolist()
    [0, 1, 2, 2, 3, 5]
    """
    return np.floor(on_duty * (1.0 - REMOTE_SHRINKAGE) + 1e-9).astype(np.int64)


def _next_open(cap: np.ndarray, smax: int) -> np.ndarray:
    """Per queue-day ``q``, server ``j`` and hour ``h``: start of the first hour ``>= h`` it works.

    Seconds of the day, ``inf`` if none; ``h = N_HOURS`` is past closing. A server that works
    in hour ``h`` has that hour's start, so the earliest time ``>= tau`` (in hour ``h``) at
    which it can start a contact is ``max(tau, nxt[q, j, h])``.
    """
    nq, nh = cap.shape
    avail = np.arange(smax)[None, :, None] < cap[:, None, :]
    nxt = np.full((nq, smax, nh + 1), np.inf)
    starts = (OPEN_HOUR + np.arange(nh)) * 3600.0
    for h in range(nh - 1, -1, -1):
        nxt[:, :, h] = np.where(avail[:, :, h], starts[h], nxt[:, :, h + 1])
    return nxt


def simulate_queue_days(
    arrivals: np.ndarray,
    handle: np.ndarray,
    patience: np.ndarray,
    qday: np.ndarray,
    cap: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulate FCFS multi-server queues with abandonment, one per queue-day.

    Parameters
    ----------
    arrivals, handle, patience : ndarray of float
        Per contact: arrival (seconds of the day), handling and patience seconds.
    qday : ndarray of int
        Per contact: its queue-day (row of ``cap``).
    cap : ndarray of int, shape (queue-days, N_HOURS)
        Productive servers of each queue-day in each hour from ``OPEN_HOUR``.

    Returns
    -------
    wait : ndarray of float
        Seconds from arrival to answer (answered) or to leaving (abandoned: the patience).
    abandoned : ndarray of bool
    server : ndarray of int
        The server (0..) that answered, -1 if abandoned.

    Examples
    --------
    One server, three contacts a minute apart, each handled in 100 s, patient enough:

    >>> w, ab, s = simulate_queue_days(np.array([28800.0, 28860.0, 28920.0]),
    ...     np.full(3, 100.0), np.full(3, 1e9), np.zeros(3, int), np.ones((1, 12), int))
    >>> w.tolist(), ab.tolist(), s.tolist()
    ([0.0, 40.0, 80.0], [False, False, False], [0, 0, 0])
    """
    n = len(arrivals)
    wait = np.zeros(n)
    abandoned = np.zeros(n, dtype=bool)
    server = np.full(n, -1, dtype=np.int64)
    if n == 0:
        return wait, abandoned, server
    nq = cap.shape[0]
    counts = np.bincount(qday, minlength=nq)
    order_q = np.argsort(-counts, kind="stable")  # busiest queue-days first: active ones are a prefix
    rank_q = np.empty(nq, dtype=np.int64)
    rank_q[order_q] = np.arange(nq)
    cap_s = cap[order_q]
    smax = max(int(cap_s.max()), 1)
    nh = cap_s.shape[1]
    nxt = _next_open(cap_s, smax).ravel()
    # contacts in (sorted queue-day, arrival) order; position k within the queue-day
    order = np.lexsort((arrivals, rank_q[qday]))
    qs = rank_q[qday][order]
    first = np.searchsorted(qs, np.arange(nq))
    pos = np.arange(n) - first[qs]
    kmax = int(counts.max())
    slot = np.full((nq, kmax), -1, dtype=np.int64)
    slot[qs, pos] = order
    free = np.zeros((nq, smax))
    rows = np.arange(nq)
    base = (rows[:, None] * smax + np.arange(smax)[None, :]) * (nh + 1)  # flat index of nxt[q, j, 0]
    n_active = np.searchsorted(-counts[order_q], -np.arange(1, kmax + 1), side="right")
    for k in range(kmax):
        m = int(n_active[k])
        idx = slot[:m, k]
        t = arrivals[idx]
        tau = np.maximum(t[:, None], free[:m])
        h = np.clip((tau // 3600.0).astype(np.int64) - OPEN_HOUR, 0, nh)
        cand = np.maximum(tau, nxt[base[:m] + h])
        j = np.argmin(cand, axis=1)
        start = cand[rows[:m], j]
        pat = patience[idx]
        ok = start - t <= pat
        wait[idx] = np.where(ok, start - t, pat)
        abandoned[idx] = ~ok
        server[idx[ok]] = j[ok]
        free[rows[:m][ok], j[ok]] = start[ok] + handle[idx[ok]]
    return wait, abandoned, server


# ----------------------------------------------------------------------------- the roster

#: Shift patterns of a branch's customer-service representatives on weekdays, for 8 posts:
#: (start hour, hours) per post; posts rotate through the pattern day by day. ``aligned``
#: follows the demand curve, ``even`` leaves the Monday-morning peak short. The two planted
#: branches: ``understaffed`` rosters 36 of the 64 staff-hours, two posts off the queue and
#: 6-hour shifts (3 on duty all day, 2 productive: below the Erlang need on weekdays, at
#: midday too); the overstaffed branch keeps the ``aligned`` roster for a fraction of the
#: demand (:data:`~bankperf_analysis.dataset._demo_world.OVERSTAFFED_DEMAND`).
CSR_PATTERNS: dict[str, tuple[tuple[int, int], ...]] = {
    "aligned": ((8, 8),) * 3 + ((10, 8),) * 2 + ((12, 8),) * 3,
    "even": ((8, 8),) * 4 + ((12, 8),) * 4,
    "understaffed": ((8, 6),) * 3 + ((14, 6),) * 3,
}
#: Saturday and Sunday: 6 of the 8 posts on duty.
CSR_WEEKEND = {5: ((8, 8),) * 3 + ((12, 8),) * 3, 6: ((8, 8),) * 3 + ((12, 8),) * 3}
#: A representative's chance to be present for a rostered shift.
CSR_PRESENT = 0.98


def _scaled(pattern: tuple[tuple[int, int], ...], n: int) -> list[tuple[int, int]]:
    """The day's shifts for ``n`` posts (the patterns are for 8): every post 08-20 if fewer than 6."""
    if n < 6:
        return [(8, 12)] * n
    m = max(1, round(len(pattern) * n / 8))
    return [pattern[k * len(pattern) // m] for k in range(m)]


def csr_roster(w: World) -> pd.DataFrame:
    """The representatives' shifts: staff row, branch, day, start hour, hours, present (cached on ``w``).

    Every day of the calendar (the remote queue opens 7 days a week). On each day the
    branch's posts, in order, rotate through the day's pattern (weekday: the branch's
    :attr:`World.csr_pattern`; weekend: :data:`CSR_WEEKEND`); posts beyond it are off.
    """
    cached = getattr(w, "_csr_roster", None)
    if cached is not None:
        return cached
    rng = w.rng("roster-csr")
    st = w.staff[w.staff.role == "customer_service_rep"]
    hire = pd.to_datetime(st.hire_date).to_numpy().astype("datetime64[D]")
    leave = pd.to_datetime(st.leave_date).to_numpy().astype("datetime64[D]")
    leave = np.where(np.isnat(leave), np.datetime64("2100-01-01"), leave)
    d = w.days.to_numpy().astype("datetime64[D]")
    si, di = np.nonzero((d[None, :] >= hire[:, None]) & (d[None, :] < leave[:, None]))
    b = st.b.to_numpy()[si]
    post = st.post.to_numpy()[si]
    rank = pd.Series(post).groupby(b).rank(method="dense").to_numpy().astype(np.int64) - 1
    n_posts = pd.Series(post).groupby(b).transform("nunique").to_numpy()
    dow = w.days.day_of_week.to_numpy()[di]
    start = np.full(len(si), -1, dtype=np.int64)
    hours = np.zeros(len(si), dtype=np.int64)
    for (bb, wd, n), idx in pd.Series(np.arange(len(si))).groupby(
        [b, np.minimum(dow, 5) + (dow == 6), n_posts]
    ):
        pattern = CSR_WEEKEND.get(int(wd)) or CSR_PATTERNS[str(w.csr_pattern[bb])]
        shifts = _scaled(pattern, int(n))
        k = (rank[idx.to_numpy()] + di[idx.to_numpy()]) % int(n)
        on = k < len(shifts)
        sel = idx.to_numpy()[on]
        start[sel] = [shifts[x][0] for x in k[on]]
        hours[sel] = [shifts[x][1] for x in k[on]]
    keep = start >= 0
    out = pd.DataFrame(
        {
            "sidx": st.index.to_numpy()[si][keep],
            "b": b[keep],
            "day": d[di][keep],
            "start_h": start[keep],
            "hours": hours[keep],
        }
    )
    out["present"] = rng.random(len(out)) < CSR_PRESENT
    w._csr_roster = out  # type: ignore[attr-defined]  # the roster table and the contacts share it
    return out


# ----------------------------------------------------------------------------- the contacts


def _on_duty_hours(w: World, branches: np.ndarray) -> pd.DataFrame:
    """One row per present representative x hour on duty (08-20) in the chunk's ``branches``."""
    ros = csr_roster(w)
    ros = ros[ros["present"].to_numpy() & np.isin(ros["b"].to_numpy(), branches)]
    first = np.maximum(ros["start_h"].to_numpy(), OPEN_HOUR)
    last = np.minimum(ros["start_h"].to_numpy() + ros["hours"].to_numpy(), OPEN_HOUR + N_HOURS)
    k = np.maximum(last - first, 0)
    row = np.repeat(np.arange(len(ros)), k)
    h = first[row] + np.arange(len(row)) - np.repeat(np.cumsum(k) - k, k) - OPEN_HOUR
    day0 = w.days[0].to_datetime64().astype("datetime64[D]")
    return pd.DataFrame(
        {
            "b": ros["b"].to_numpy()[row],
            "di": (ros["day"].to_numpy().astype("datetime64[D]")[row] - day0).astype(np.int64),
            "h": h.astype(np.int64),
            "sidx": ros["sidx"].to_numpy()[row],
        }
    )


def simulate_remote(
    w: World,
    rng: np.random.Generator,
    branches: np.ndarray,
    parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray]],
) -> dict[str, dict[str, np.ndarray]]:
    """Simulate the remote queue of the chunk's branches; per channel, each contact's fate.

    ``parts`` holds, per remote channel, the (local branch, day, hour) index of each arrival
    (:func:`~bankperf_analysis.dataset._demo_tables._arrivals`). Returns per channel: local
    branch ``bi``, day ``di``, ``arrival`` (seconds of the day), ``wait``, ``patience``,
    ``handle`` (seconds), ``abandoned`` and ``sidx`` (staff row of who answered, 0 if abandoned).
    """
    chans, bi, di, arr, hd, pat = [], [], [], [], [], []
    for c, (ch, b_, d_, h_) in enumerate(parts):
        n = len(b_)
        arr.append((OPEN_HOUR + h_) * 3600.0 + rng.integers(0, 3600, n))
        hd.append(rng.exponential(REMOTE_AHT_SECONDS[ch], n))
        pat.append(rng.exponential(REMOTE_PATIENCE_SECONDS, n))
        chans.append(np.full(n, c))
        bi.append(b_)
        di.append(d_)
    ch_a, bi_a, di_a = np.concatenate(chans), np.concatenate(bi), np.concatenate(di)
    arr_a, hd_a, pat_a = np.concatenate(arr), np.concatenate(hd), np.concatenate(pat)
    nd = len(w.days)
    key = branches[bi_a].astype(np.int64) * nd + di_a
    qkeys, qday = np.unique(key, return_inverse=True)
    duty = _on_duty_hours(w, branches)
    dkey = duty["b"].to_numpy().astype(np.int64) * nd + duty["di"].to_numpy()
    pos = np.searchsorted(qkeys, dkey)
    hit = (pos < len(qkeys)) & (qkeys[np.minimum(pos, len(qkeys) - 1)] == dkey)
    duty = duty[hit].assign(q=pos[hit]).sort_values(["q", "h", "sidx"], kind="stable", ignore_index=True)
    on = np.zeros((len(qkeys), N_HOURS), dtype=np.int64)
    np.add.at(on, (duty["q"].to_numpy(), duty["h"].to_numpy()), 1)
    wait, ab, server = simulate_queue_days(arr_a, hd_a, pat_a, qday, productive(on))
    # who answered: the server-th present representative on duty in the hour the answer began
    grp = duty["q"].to_numpy() * N_HOURS + duty["h"].to_numpy()
    j_in = np.arange(len(duty)) - np.searchsorted(grp, grp)
    smax = int(j_in.max()) + 1 if len(duty) else 1
    dk = grp * smax + j_in
    hour = np.floor((arr_a + wait) / 3600.0).astype(np.int64) - OPEN_HOUR
    want = (qday * N_HOURS + np.clip(hour, 0, N_HOURS - 1)) * smax + np.maximum(server, 0)
    look = np.clip(np.searchsorted(dk, want), 0, max(len(dk) - 1, 0))
    sidx = np.where(ab, 0, duty["sidx"].to_numpy()[look] if len(duty) else 0)
    out = {}
    for c, (ch, *_rest) in enumerate(parts):
        m = ch_a == c
        out[ch] = {
            "bi": bi_a[m],
            "di": di_a[m],
            "arrival": arr_a[m],
            "wait": wait[m],
            "patience": pat_a[m],
            "handle": hd_a[m],
            "abandoned": ab[m],
            "sidx": sidx[m],
        }
    return out


def remote_queue_truth(w: World) -> dict:
    """The remote queue's planted truths, as ``truth.json`` reports them (``remote_queue``)."""

    def hours(name: str) -> int:
        return sum(
            h for _, h in _scaled(CSR_PATTERNS[name], int(w.scale.roles_per_branch["customer_service_rep"]))
        )

    def plant(b: int) -> dict | None:
        if not 0 <= b < w.scale.n_branches:
            return None
        name = str(w.csr_pattern[b])
        others = np.delete(w.remote_f, [w.scale.understaffed_branch, w.scale.overstaffed_branch])
        return {
            "branch_id": str(w.branch_ids[b]),
            "roster_pattern": name,
            "weekday_rostered_staff_hours": hours(name),
            "others_weekday_rostered_staff_hours": hours("aligned"),
            "remote_demand_factor": round(float(w.remote_f[b]), 3),
            "others_remote_demand_factor_range": [
                round(float(others.min()), 3),
                round(float(others.max()), 3),
            ],
        }

    return {
        "queue": "phone_online",
        "channels": list(REMOTE_AHT_SECONDS),
        "role": "customer_service_rep",
        "model": "FCFS multi-server queue per branch x day with exponential patience (M(t)/M/c(t)+M)",
        "patience_mean_seconds": REMOTE_PATIENCE_SECONDS,
        "aht_mean_seconds": dict(REMOTE_AHT_SECONDS),
        "handling_distribution": "exponential",
        "shrinkage": REMOTE_SHRINKAGE,
        "servers_rule": "floor(present representatives on shift in the hour x (1 - shrinkage))",
        "roster_pattern": {str(bid): str(p) for bid, p in zip(w.branch_ids, w.csr_pattern)},
        "remote_demand_factor": {str(bid): round(float(f), 3) for bid, f in zip(w.branch_ids, w.remote_f)},
        "understaffed": plant(w.scale.understaffed_branch),
        "overstaffed": plant(w.scale.overstaffed_branch),
        "note": (
            "Servers follow the roster table: the staffing plan reads the same shifts and the "
            "same shrinkage, so Erlang A for the rostered staff predicts the observed service "
            "level and abandonment (tests/test_demo_queue.py). Weekday roster patterns: the best-run "
            "third 'aligned', the others 'even', with remote demand x remote_demand_factor "
            "(1 + 0.6 x rank^2, worst-run branch 1.6); fewer than 6 representatives all work 08-20. "
            "The understaffed branch rosters fewer staff-hours than the others, below its Erlang "
            "need on weekdays; the overstaffed one rosters as the best-run branches for a fraction "
            "of the demand (remote_demand_factor), above its need all week."
        ),
    }

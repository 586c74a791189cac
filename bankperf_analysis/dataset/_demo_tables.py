"""The demo bank's tables, one generator per table, each drawing from its own random stream.

A generator takes the :class:`~bankperf_analysis.dataset._demo_world.World` and returns
its table as a frame in the data contract's columns. Contacts, the one table too large
for memory at the benchmark scale, come in chunks of branches (:func:`contacts_chunk`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bankperf_analysis.dataset._demo_pay import adjustments, complaint_rulings
from bankperf_analysis.dataset._demo_posts import EXTRA_ROLES
from bankperf_analysis.dataset._demo_queue import csr_roster, simulate_remote
from bankperf_analysis.dataset._demo_world import (
    BONUS_EFFECT_CROSS_SALES,
    CHANNEL_SHARE,
    CROSS_SALES_BASE,
    HOLIDAY_FACTOR,
    HOUR_PROFILE,
    HOURS,
    LOBBY_PRESENT,
    MONTH_END_FACTOR,
    RESOLUTION_BASE,
    WEEKDAY_FACTOR,
    World,
)

_NONE = np.array(None, dtype=object)  # a missing value in np.where
_REGIONS_ZH = {"North": "北区", "South": "南区", "East": "东区", "West": "西区", "Central": "中区"}


def _branches(w: World) -> pd.DataFrame:
    n = w.scale.n_branches
    return pd.DataFrame(
        {
            "branch_id": w.branch_ids,
            "branch_name": [f"Demo Branch {i + 1}" for i in range(n)],
            "region": w.branch_region,
            "branch_type": w.branch_type,
            # the data contract's optional Chinese names, shown in zh reports
            "branch_name_zh": [f"演示支行{i + 1}" for i in range(n)],
            "region_zh": [_REGIONS_ZH[r] for r in w.branch_region],
        }
    )


def _staff(w: World) -> pd.DataFrame:
    """One row per person: first hire, last leave (empty while in post), branch and role of the last post."""
    st = w.holdings
    names = _names(w.rng("names"), w.n_core_staff)
    if w.n_base_staff > w.n_core_staff:  # the extra posts (_demo_posts): names from their own stream
        names = np.concatenate([names, _names(w.rng("names-posts"), w.n_base_staff - w.n_core_staff)])
    if len(st) > w.n_base_staff:  # planted joiners: names from their own stream
        names = np.concatenate([names, _names(w.rng("names-plants"), len(st) - w.n_base_staff)])
    df = pd.DataFrame(
        {
            "staff_id": st.staff_id,
            "staff_name": names,
            "branch_id": st.branch_id,
            "role": st.role,
            "counter_type": st.counter_type,
            "hire_date": pd.to_datetime(st.hire_date).dt.date,
            "leave_date": pd.to_datetime(st.leave_date).dt.date,
        }
    )
    first = df.drop_duplicates("staff_id", keep="first").set_index("staff_id")
    last = df.drop_duplicates("staff_id", keep="last").set_index("staff_id")
    out = last.assign(staff_name=first["staff_name"], hire_date=first["hire_date"])
    return out.loc[first.index].reset_index()


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    family = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
    given = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"))
    return (
        family[rng.integers(0, len(family), n)]
        + given[rng.integers(0, len(given), n)]
        + given[rng.integers(0, len(given), n)]
    )


def _assignments(w: World) -> pd.DataFrame:
    """The assignment history: one row per post a person held (a transfer gives two)."""
    st = w.holdings
    return pd.DataFrame(
        {
            "staff_id": st.staff_id,
            "branch_id": st.branch_id,
            "role": st.role,
            "valid_from": pd.to_datetime(st.hire_date).dt.date,
            "valid_to": pd.to_datetime(st.leave_date).dt.date,
        }
    ).sort_values(["staff_id", "valid_from"], ignore_index=True)


def contacts_chunk(w: World, branches: np.ndarray, start_id: int) -> pd.DataFrame:
    """All contacts of a chunk of branches (vectorised over branch × day × hour × channel).

    Per channel: arrivals, their waits and handling, who answered, the outcome. Every draw
    comes from the chunk's stream, in this order, so a seed gives the same contacts.
    """
    rng = w.rng("contacts", int(branches[0]))
    day_f = _day_factors(w)
    frames = []
    remote = []
    for ch, share in (w.scale.channel_share or CHANNEL_SHARE).items():
        hp = HOUR_PROFILE[ch]
        hp = hp / hp.sum()
        bi, di, hi = _arrivals(w, rng, branches, ch, share, hp, day_f)
        if ch != "counter":  # the remote queue: simulated below, after all its arrivals
            remote.append((ch, bi, di, hi))
            continue
        if len(bi) == 0:
            continue
        t = _timings(w, rng, ch, di, hi, load=hp[hi] * len(hp) * day_f[di])
        sidx = _answered_by(w, rng, ch, branches[bi], t.day)
        frames.append(_outcomes(w, rng, ch, branches[bi], sidx, t))
    if sum(len(p[1]) for p in remote):
        for ch, r in simulate_remote(w, rng, branches, remote).items():
            day = w.days.to_numpy()[r["di"]].astype("datetime64[D]")
            arrival = day.astype("datetime64[s]") + r["arrival"].astype(np.int64).astype("timedelta64[s]")
            t = _Timings(day, arrival, r["wait"], r["patience"], r["abandoned"], r["handle"])
            frames.append(_outcomes(w, rng, ch, branches[r["bi"]], r["sidx"], t))
    df = pd.concat(frames, ignore_index=True).sort_values(
        ["arrival_ts", "branch_id"], kind="stable", ignore_index=True
    )
    ids = pc.binary_join_element_wise(
        "C", pc.utf8_lpad(pa.array(np.arange(start_id, start_id + len(df))).cast(pa.string()), 9, "0"), ""
    )
    df.insert(0, "contact_id", ids.to_pandas())
    df["answer_ts"] = pd.to_datetime(df["answer_ts"]).astype("datetime64[ms]")
    df["end_ts"] = pd.to_datetime(df["end_ts"]).astype("datetime64[ms]")
    return df


def _day_factors(w: World) -> np.ndarray:
    """Relative contact volume of each day: weekday profile, holiday troughs, month-end bumps."""
    days = w.days
    dow = days.day_of_week.to_numpy()
    day_f = WEEKDAY_FACTOR[dow].copy()
    hol = np.array([d in w.holidays for d in days.date])
    day_f[hol] *= HOLIDAY_FACTOR
    # Month-end bump: last two business days of each month.
    s = pd.Series(np.arange(len(days)), index=days)
    bd = s[(dow < 5) & ~hol]
    last2 = bd.groupby([bd.index.year, bd.index.month]).tail(2).to_numpy()
    day_f[last2] *= MONTH_END_FACTOR
    return day_f


def _arrivals(
    w: World,
    rng: np.random.Generator,
    branches: np.ndarray,
    ch: str,
    share: float,
    hp: np.ndarray,
    day_f: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(branch, day, hour) indices of each arriving contact of channel ``ch``, one entry per contact.

    ``share`` is the channel's share of contacts, ``hp`` its hourly profile (summing to 1).
    """
    # expected arrivals per (branch, day, hour)
    lam = (
        w.scale.contacts_per_branch_day
        * share
        * (w.volume * (1.0 if ch == "counter" else w.remote_f))[branches][:, None, None]
        * day_f[None, :, None]
        * hp[None, None, :]
    )
    # Day-level over-dispersion (contact counts are over-dispersed): gamma noise.
    lam = lam * rng.gamma(25.0, 1 / 25.0, size=lam.shape[:2])[:, :, None]
    if ch == "counter":
        lam[:, w.days.day_of_week.to_numpy() == 6, :] = 0.0  # counters closed on Sundays
    counts = rng.poisson(lam)
    bi, di, hi = np.nonzero(counts)
    k = counts[bi, di, hi]
    return np.repeat(bi, k), np.repeat(di, k), np.repeat(hi, k)


@dataclass(frozen=True)
class _Timings:
    """When each contact arrived, waited, gave up or was handled (seconds; datetime64)."""

    day: np.ndarray  # datetime64[D]
    arrival: np.ndarray  # datetime64[s]
    waits: np.ndarray
    patience: np.ndarray
    abandoned: np.ndarray
    handle: np.ndarray


def _timings(
    w: World,
    rng: np.random.Generator,
    ch: str,
    di: np.ndarray,
    hi: np.ndarray,
    load: np.ndarray,
) -> _Timings:
    """Arrival time in the hour, wait (growing with the hour's relative ``load``), patience, handling.

    Only the counter's waits come from this load heuristic; the remote queue is simulated
    (:mod:`bankperf_analysis.dataset._demo_queue`).
    """
    n = len(di)
    base = w.days.to_numpy()[di].astype("datetime64[s]") + (HOURS[hi] * 3600).astype("timedelta64[s]")
    arrival = base + rng.integers(0, 3600, n).astype("timedelta64[s]")
    p_wait = np.clip(0.50 + 0.20 * (load - 1.0), 0.05, 0.95)
    mean_wait = {"phone": 400.0, "counter": 380.0, "online": 300.0}[ch] * np.clip(load, 0.5, 2.5)
    waits = np.where(rng.random(n) < p_wait, rng.exponential(mean_wait), rng.uniform(0, 12, n))
    patience = rng.exponential({"phone": 3600.0, "counter": 7200.0, "online": 2400.0}[ch], n)
    handle = rng.lognormal(np.log({"phone": 270.0, "counter": 330.0, "online": 360.0}[ch]), 0.5, n)
    day = w.days.to_numpy()[di].astype("datetime64[D]")
    return _Timings(day, arrival, waits, patience, waits > patience, handle)


def _answered_by(
    w: World, rng: np.random.Generator, ch: str, b_global: np.ndarray, day: np.ndarray
) -> np.ndarray:
    """Staff row of who answered: a post of the channel's role in the branch, its holder that day."""
    role = "teller" if ch == "counter" else "customer_service_rep"
    st = w.staff
    posts_tab = st[(st.role == role)].groupby("b")["post"].unique()
    post_choice = np.empty(len(b_global), dtype=np.int64)
    u = rng.random(len(b_global))
    for b in np.unique(b_global):
        m = b_global == b
        ps = np.sort(posts_tab.loc[b])
        post_choice[m] = ps[(u[m] * len(ps)).astype(int)]
    return w.holder(post_choice, day)


def _outcomes(
    w: World, rng: np.random.Generator, ch: str, b_global: np.ndarray, sidx: np.ndarray, t: _Timings
) -> pd.DataFrame:
    """The contacts' rows: resolved or not, answer and end times (an abandoned one ends at patience)."""
    st = w.staff
    res_p = np.clip(RESOLUTION_BASE + st.res_eff.to_numpy()[sidx], 0.5, 0.999)
    resolved = rng.random(len(sidx)) < res_p
    wait_td = (t.waits * 1e3).astype("int64").astype("timedelta64[ms]")
    answer = t.arrival.astype("datetime64[ms]") + wait_td
    end = answer + (t.handle * 1e3).astype("int64").astype("timedelta64[ms]")
    pat_td = (t.patience * 1e3).astype("int64").astype("timedelta64[ms]")
    end = np.where(t.abandoned, t.arrival.astype("datetime64[ms]") + pat_td, end)
    return pd.DataFrame(
        {
            "branch_id": w.branch_ids[b_global],
            "staff_id": np.where(t.abandoned, None, st.staff_id.to_numpy()[sidx]),
            "channel": ch,
            "arrival_ts": t.arrival.astype("datetime64[ms]"),
            "answer_ts": np.where(t.abandoned, np.datetime64("NaT"), answer),
            "end_ts": end,
            "resolved": pd.array(np.where(t.abandoned, None, resolved), dtype="boolean"),
            "abandoned": t.abandoned,
        }
    )


def _front_line(w: World) -> pd.DataFrame:
    return w.staff_of(("customer_service_rep", "teller"))


def _active_days(w: World, st: pd.DataFrame, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(staff row index, day) pairs for staff employed on each day."""
    hire = pd.to_datetime(st.hire_date).to_numpy().astype("datetime64[D]")
    leave = pd.to_datetime(st.leave_date).to_numpy().astype("datetime64[D]")
    leave = np.where(np.isnat(leave), np.datetime64("2100-01-01"), leave)
    d = days.to_numpy().astype("datetime64[D]")
    active = (d[None, :] >= hire[:, None]) & (d[None, :] < leave[:, None])
    si, di = np.nonzero(active)
    return st.index.to_numpy()[si], d[di]


def _surveys(w: World) -> pd.DataFrame:
    rng = w.rng("surveys")
    # Everyone who serves customers is surveyed (the scheme scores their satisfaction).
    st = w.staff_of(("customer_service_rep", "teller", "customer_manager", "lobby_manager"))
    sidx, day = _active_days(w, st, w.business_days())
    b = w.staff.b.to_numpy()[sidx]
    per_day = w.scale.surveys_per_staff_quarter / (len(w.business_days()) / len(w.quarters))
    k = rng.poisson(per_day * w.survey_factor[b])
    sidx, day, b = np.repeat(sidx, k), np.repeat(day, k), np.repeat(b, k)
    qi = w.quarter_index(day)
    p = w.sat_prob(b, sidx, qi)
    sat = rng.random(len(p)) < p
    hi = rng.choice([8, 9, 10], size=len(p), p=[0.35, 0.35, 0.30])
    lo = rng.choice(np.arange(1, 8), size=len(p), p=np.array([1, 1, 2, 3, 5, 8, 10]) / 30)
    role = w.staff.role.to_numpy()[sidx]
    channel = np.where(
        role == "teller",
        np.where(rng.random(len(p)) < 0.85, "on_site", "phone_callback"),
        np.where(rng.random(len(p)) < 0.15, "on_site", "phone_callback"),
    )
    df = pd.DataFrame(
        {
            "branch_id": w.branch_ids[b],
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "survey_date": pd.to_datetime(day).date,
            "channel": channel,
            "score": np.where(sat, hi, lo).astype(np.int64),
        }
    )
    df.insert(0, "survey_id", [f"V{i + 1:08d}" for i in range(len(df))])
    return df


def _complaints(w: World) -> pd.DataFrame:
    rng = w.rng("complaints")
    st = _front_line(w)
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(1.0 / 66.0, len(sidx))  # about one per staff per quarter
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    n = len(sidx)
    opened = day.astype("datetime64[s]") + rng.integers(9 * 3600, 17 * 3600, n).astype("timedelta64[s]")
    hours = rng.lognormal(np.log(w.complaint_hours[w.staff.b.to_numpy()[sidx]]), 1.0, n)
    closed = opened + (hours * 3600).astype("int64").astype("timedelta64[s]")
    end = np.datetime64(w.end).astype("datetime64[s]")
    still_open = closed >= end
    score = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.05, 0.10, 0.15, 0.40, 0.30])
    df = pd.DataFrame(
        {
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "opened_ts": opened.astype("datetime64[s]"),
            "closed_ts": pd.Series(np.where(still_open, np.datetime64("NaT"), closed)).astype(
                "datetime64[s]"
            ),
            "resolution_score": pd.array(np.where(still_open, _NONE, score), dtype="Int64"),
        }
    )
    df.insert(0, "complaint_id", [f"K{i + 1:07d}" for i in range(len(df))])
    return df


def _sales(w: World) -> pd.DataFrame:
    rng = w.rng("sales")
    st = w.staff_of(("customer_service_rep", "customer_manager", "lobby_manager"))
    sidx, day = _active_days(w, st, w.business_days())
    b = w.staff.b.to_numpy()[sidx]
    qi = w.quarter_index(day)
    per_month = CROSS_SALES_BASE * w.staff.sales_mult.to_numpy()[sidx] + BONUS_EFFECT_CROSS_SALES * w.treated(
        b, qi
    )
    k = rng.poisson(per_month * 12 / 310.0)  # 310 business days a year (Mon-Sat)
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    products = np.array(["credit_card", "wealth_product", "insurance", "fund", "mobile_banking"])
    df = pd.DataFrame(
        {
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "sale_date": pd.to_datetime(day).date,
            "product": products[rng.integers(0, len(products), len(sidx))],
            "quantity": np.ones(len(sidx), dtype=np.int64),
        }
    )
    df.insert(0, "sale_id", [f"X{i + 1:08d}" for i in range(len(df))])
    return df


def _teller_transactions(w: World) -> pd.DataFrame:
    rng = w.rng("teller")
    st = w.staff_of(("teller",))
    sidx, day = _active_days(w, st, w.business_days())
    n = len(sidx)
    ntx = rng.poisson(42.0, n)
    cash = w.staff.counter_type.to_numpy()[sidx] == "cash"
    cash_handled = np.where(cash, ntx * rng.lognormal(np.log(14000), 0.3, n), 0.0).round(2)
    err_mult = w.staff.err_mult.to_numpy()[sidx]
    has_err = cash & (rng.random(n) < 0.02 * err_mult)
    cash_err = np.where(has_err, rng.uniform(50, 800, n), 0.0).round(2)
    entries = ntx * 2 + rng.poisson(3.0, n)
    errors = rng.binomial(entries, np.clip(0.004 * err_mult, 0, 0.2))
    handling = (ntx * rng.lognormal(np.log(290.0), 0.2, n)).round(1)
    return pd.DataFrame(
        {
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "work_date": pd.to_datetime(day).date,
            "n_transactions": ntx.astype(np.int64),
            "cash_handled_yuan": cash_handled,
            "cash_error_yuan": cash_err,
            "ledger_entries": entries.astype(np.int64),
            "ledger_errors": errors.astype(np.int64),
            "handling_seconds": handling,
        }
    )


def _inspections(w: World) -> pd.DataFrame:
    rng = w.rng("inspections")
    st = w.staff_of(("customer_service_rep", "teller", "customer_manager", "lobby_manager"))
    mondays = w.days[w.days.day_of_week == 1]  # weekly, on Tuesdays
    sidx, day = _active_days(w, st, mondays)
    frames = []
    for aspect in ("dress", "manner"):
        score = np.clip(np.round(rng.normal(9.1 + 0.2 * w.staff.perf.to_numpy()[sidx], 0.8)), 0, 10)
        frames.append(
            pd.DataFrame(
                {
                    "staff_id": w.staff.staff_id.to_numpy()[sidx],
                    "branch_id": w.staff.branch_id.to_numpy()[sidx],
                    "inspection_date": pd.to_datetime(day).date,
                    "aspect": aspect,
                    "score": score.astype(float),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True).sort_values(
        ["inspection_date", "staff_id", "aspect"], ignore_index=True
    )
    df.insert(0, "inspection_id", [f"I{i + 1:08d}" for i in range(len(df))])
    return df


def _training(w: World) -> pd.DataFrame:
    rng = w.rng("training")
    topics = [
        "Service etiquette",
        "Product knowledge",
        "Compliance and risk",
        "Complaint handling",
        "Cash handling accuracy",
        "Cross-selling skills",
    ]
    st = w.staff[~w.staff.role.isin(("data_analyst", *EXTRA_ROLES))]  # the extra posts: unscored
    # Each branch holds a session on the 2nd and 4th Wednesday of every month.
    wed = w.days[(w.days.day_of_week == 2) & (((w.days.day - 1) // 7) % 2 == 1)]
    sidx, day = _active_days(w, st, wed)
    n = len(sidx)
    attended = rng.random(n) < np.clip(0.88 + 0.04 * w.staff.perf.to_numpy()[sidx], 0.3, 0.99)
    exam = np.where(
        attended, np.clip(rng.normal(82 + 4 * w.staff.perf.to_numpy()[sidx], 7), 0, 100), np.nan
    ).round(1)
    day_idx = pd.DatetimeIndex(day)
    sess = [f"T{d:%Y%m%d}-{bid}" for d, bid in zip(day_idx, w.staff.branch_id.to_numpy()[sidx])]
    topic = np.array(topics)[(day_idx.month.to_numpy() * 2 + (day_idx.day.to_numpy() > 14)) % len(topics)]
    return pd.DataFrame(
        {
            "session_id": sess,
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "session_date": day_idx.date,
            "topic": topic,
            "attended": attended,
            "exam_score": exam,
        }
    )


def _mystery_shopper(w: World) -> pd.DataFrame:
    rng = w.rng("mystery")
    months = pd.date_range(w.start, w.end - dt.timedelta(days=1), freq="MS")
    grid_b, grid_m = np.meshgrid(np.arange(w.scale.n_branches), np.arange(len(months)), indexing="ij")
    b, m = grid_b.ravel(), grid_m.ravel()
    frames = []
    for method, offset in (("on_site", 9), ("video", 16)):
        jitter = rng.integers(0, 5, len(b)).astype("timedelta64[D]")
        day = months.to_numpy()[m] + np.timedelta64(offset, "D") + jitter
        score = np.clip(rng.normal(w.ms_mean[b] - (1.5 if method == "video" else 0.0), 2.5), 0, 100)
        frames.append(
            pd.DataFrame(
                {
                    "branch_id": w.branch_ids[b],
                    "check_date": pd.to_datetime(day).date,
                    "method": method,
                    "score": score.round(1),
                }
            )
        )
    df = pd.concat(frames, ignore_index=True).sort_values(
        ["check_date", "branch_id", "method"], ignore_index=True
    )
    df.insert(0, "check_id", [f"M{i + 1:07d}" for i in range(len(df))])
    return df


def _quarter_days(w: World) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([q.start + dt.timedelta(days=75) for q in w.quarters])


def _reviews_360(w: World) -> pd.DataFrame:
    rng = w.rng("reviews")
    st = w.staff_of(("customer_manager",))
    sidx, day = _active_days(w, st, _quarter_days(w))
    raters = [("supervisor", 1, 0.0), ("peer", 2, 0.0), ("customer", 3, -2.0), ("self", 1, 6.0)]
    dims = ["business_skill", "teamwork", "compliance"]
    frames = []
    for role, k, bias in raters:
        for dim in dims:
            r_s, r_d = np.repeat(sidx, k), np.repeat(day, k)
            score = np.clip(rng.normal(80 + bias + 5 * w.staff.perf.to_numpy()[r_s], 6), 0, 100)
            frames.append(
                pd.DataFrame(
                    {
                        "reviewee_id": w.staff.staff_id.to_numpy()[r_s],
                        "review_date": pd.to_datetime(r_d).date,
                        "rater_role": role,
                        "dimension": dim,
                        "score": score.round(1),
                    }
                )
            )
    df = pd.concat(frames, ignore_index=True).sort_values(
        ["review_date", "reviewee_id", "rater_role", "dimension"], kind="stable", ignore_index=True
    )
    df.insert(0, "review_id", [f"R{i + 1:07d}" for i in range(len(df))])
    return df


def _qualitative(w: World) -> pd.DataFrame:
    rng = w.rng("qualitative")
    st = w.staff[~w.staff.role.isin(("data_analyst", *EXTRA_ROLES))]  # the extra posts: unscored
    sidx, day = _active_days(w, st, _quarter_days(w))
    frames = []
    for dim in ("service_quality", "teamwork"):
        score = np.clip(rng.normal(82 + 5 * w.staff.perf.to_numpy()[sidx], 6), 0, 100)
        frames.append(
            pd.DataFrame(
                {
                    "staff_id": w.staff.staff_id.to_numpy()[sidx],
                    "rating_date": pd.to_datetime(day).date,
                    "dimension": dim,
                    "score": score.round(1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True).sort_values(
        ["rating_date", "staff_id", "dimension"], ignore_index=True
    )


def _new_customers(w: World) -> pd.DataFrame:
    rng = w.rng("newcust")
    st = w.staff_of(("customer_manager",))
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(6.0 * 12 / 310.0 * w.staff.sales_mult.to_numpy()[sidx])
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    return pd.DataFrame(
        {
            "customer_id": [f"N{i + 1:08d}" for i in range(len(sidx))],
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "acquired_date": pd.to_datetime(day).date,
        }
    )


def _risk(w: World) -> pd.DataFrame:
    rng = w.rng("risk")
    st = w.staff_of(("customer_manager",))
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(0.2 / 77.0 * w.staff.err_mult.to_numpy()[sidx])
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    return pd.DataFrame(
        {
            "incident_id": [f"Z{i + 1:06d}" for i in range(len(sidx))],
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "incident_date": pd.to_datetime(day).date,
            "loss_yuan": rng.lognormal(np.log(5000), 1.0, len(sidx)).round(2),
        }
    )


def _churn(w: World) -> pd.DataFrame:
    rng = w.rng("churn")
    months = pd.date_range(w.start, w.end - dt.timedelta(days=1), freq="MS")
    rows = []
    base = rng.integers(3000, 9000, w.scale.n_branches)
    rate = np.clip(rng.normal(0.15 / 12, 0.002, w.scale.n_branches), 0.004, 0.03)
    cur = base.astype(float)
    for m in months:
        lost = rng.binomial(cur.astype(np.int64), rate)
        rows.append(
            pd.DataFrame(
                {
                    "branch_id": w.branch_ids,
                    "month_start": m.date(),
                    "customers_start": cur.astype(np.int64),
                    "customers_lost": lost.astype(np.int64),
                }
            )
        )
        cur = cur - lost + rng.poisson(cur * 0.0135)
    return pd.concat(rows, ignore_index=True)


def _roster(w: World) -> pd.DataFrame:
    """Shifts: tellers and lobby managers 09-17 on business days, representatives :func:`csr_roster`."""
    rng = w.rng("roster")
    st = w.staff_of(("teller", "lobby_manager"))
    sidx, day = _active_days(w, st, w.business_days())
    role = w.staff.role.to_numpy()[sidx]
    start = day.astype("datetime64[s]") + np.timedelta64(9 * 3600, "s")
    base, slope, lo, hi = LOBBY_PRESENT  # lobby managers differ in attendance by performance
    lobby = np.clip(base + slope * w.staff.perf.to_numpy()[sidx], lo, hi)
    present = rng.random(len(sidx)) < np.where(role == "lobby_manager", lobby, 0.98)
    csr = csr_roster(w)
    c_start = csr["day"].to_numpy().astype("datetime64[s]") + (csr["start_h"].to_numpy() * 3600).astype(
        "timedelta64[s]"
    )
    rows = np.concatenate([sidx, csr["sidx"].to_numpy()])  # tellers and lobby managers, then representatives
    df = pd.DataFrame(
        {
            "staff_id": w.staff.staff_id.to_numpy()[rows],
            "branch_id": w.staff.branch_id.to_numpy()[rows],
            "shift_start": np.concatenate([start, c_start]).astype("datetime64[s]"),
            "shift_end": np.concatenate(
                [
                    start + np.timedelta64(8 * 3600, "s"),
                    c_start + (csr["hours"].to_numpy() * 3600).astype("timedelta64[s]"),
                ]
            ).astype("datetime64[s]"),
            "present": np.concatenate([present, csr["present"].to_numpy()]),
        }
    )
    df = df.sort_values(["shift_start", "staff_id"], ignore_index=True)
    df.insert(0, "shift_id", [f"H{i + 1:08d}" for i in range(len(df))])
    return df


#: Every table but contacts, in the order they are written.
TABLES: dict[str, Callable[[World], pd.DataFrame]] = {
    "branches": _branches,
    "staff": _staff,
    "assignments": _assignments,
    "surveys": _surveys,
    "complaints": _complaints,
    "sales": _sales,
    "teller_transactions": _teller_transactions,
    "inspections": _inspections,
    "training": _training,
    "mystery_shopper": _mystery_shopper,
    "reviews_360": _reviews_360,
    "qualitative_ratings": _qualitative,
    "new_customers": _new_customers,
    "risk_incidents": _risk,
    "customer_churn": _churn,
    "roster": _roster,
    # issue 13, item 6: their own random streams, so the tables above stay bit-identical
    "adjustments": adjustments,
    "complaint_rulings": complaint_rulings,
}

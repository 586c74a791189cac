"""A deterministic synthetic bank with documented planted truths.

The demo bank follows the data contract (:mod:`bankperf_analysis.dataset.schema`) and the
baselines quoted in the source documents (domain.md): satisfaction ≈ 85 %, mean
response ≈ 4 min, resolution ≈ 92 %, cross-sales ≈ 3 per person per month. Contact
arrivals follow a weekday × hour profile with Monday and Friday peaks, month-end bumps
and holiday troughs. Planted truths, returned and written to ``truth.json``, give the
later analyses something real to find:

* **bonus scheme** — a 2,000-yuan bonus scheme adopted by some branches at staggered
  known quarters, raising the probability that a survey is "satisfied" by a known
  number of percentage points and cross-sales by a known number per staff-month;
* **satisfaction drop** — one never-treated branch whose satisfaction truly drops in a
  known quarter;
* **small-sample branch** — a branch with too few surveys to judge;
* **staff heterogeneity** — staff-level effects on satisfaction, cross-sales, errors;
* **staff turnover** — some posts change hands mid-period (unbalanced panels).

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
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from bankperf_analysis.dataset.load import write_meta
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.periods import Period, quarters_between

__all__ = ["make_demo_bank", "DemoScale", "SCALES", "demo_truth_path", "DEMO_HOLIDAYS"]

#: Public holidays on which branches see a fraction of their usual contacts.
DEMO_HOLIDAYS: tuple[str, ...] = (
    "2025-01-01", "2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-03",
    "2025-02-04", "2025-05-01", "2025-05-02", "2025-10-01", "2025-10-02", "2025-10-03",
    "2025-10-06", "2025-10-07", "2026-01-01", "2026-02-16", "2026-02-17", "2026-02-18",
    "2026-02-19", "2026-02-20", "2026-05-01", "2026-10-01", "2026-10-02", "2026-10-05",
    "2026-10-06", "2026-10-07",
)

# Weekday profile (Mon..Sun): Monday and Friday peaks, quiet weekends (source 001).
WEEKDAY_FACTOR = np.array([1.30, 1.00, 0.95, 1.00, 1.25, 0.55, 0.35])
# Hourly arrival shares for each channel over 08:00..19:59 (index 0 = 08:00).
_HOURS = np.arange(8, 20)
HOUR_PROFILE = {
    "phone": np.array([0.5, 1.0, 1.3, 1.2, 0.8, 0.9, 1.1, 1.0, 0.8, 0.6, 0.4, 0.3]),
    "counter": np.array([0.0, 1.1, 1.4, 1.2, 0.9, 0.9, 1.1, 1.0, 0.6, 0.0, 0.0, 0.0]),
    "online": np.array([0.6, 0.8, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7]),
}
CHANNEL_SHARE = {"phone": 0.45, "counter": 0.40, "online": 0.15}
MONTH_END_FACTOR = 1.25
HOLIDAY_FACTOR = 0.25


@dataclass(frozen=True)
class DemoScale:
    """Size of a demo bank."""

    name: str
    n_branches: int
    roles_per_branch: dict[str, int]
    first_quarter: str
    last_quarter: str
    contacts_per_branch_day: float
    surveys_per_staff_quarter: float
    turnover_share: float
    chunk_branches: int
    single_files: bool
    cohorts: dict[str, tuple[int, ...]]
    drop_branch: int
    small_branch: int


SCALES: dict[str, DemoScale] = {
    "tiny": DemoScale(
        "tiny", 4,
        {"customer_service_rep": 3, "teller": 3, "customer_manager": 2, "lobby_manager": 1,
         "service_manager": 1},
        "2025Q1", "2026Q4", 40.0, 40.0, 0.10, 4, True,
        cohorts={"2025Q3": (0,), "2026Q1": (1,)}, drop_branch=2, small_branch=3),
    "default": DemoScale(
        "default", 12,
        {"customer_service_rep": 8, "teller": 7, "customer_manager": 5, "lobby_manager": 2,
         "service_manager": 2, "data_analyst": 1},
        "2025Q1", "2026Q4", 110.0, 45.0, 0.10, 12, True,
        cohorts={"2025Q3": (0, 1, 2), "2026Q1": (3, 4, 5)}, drop_branch=8, small_branch=11),
    "bench": DemoScale(
        "bench", 1000,
        {"customer_service_rep": 7, "teller": 6, "customer_manager": 4, "lobby_manager": 1,
         "service_manager": 1, "data_analyst": 1},
        "2026Q4", "2026Q4", 640.0, 45.0, 0.05, 50, False,
        cohorts={}, drop_branch=8, small_branch=11),
}

SATISFACTION_BASE = 0.85
BONUS_EFFECT_SATISFACTION = 0.06
BONUS_EFFECT_CROSS_SALES = 1.0
DROP_EFFECT = -0.12
STAFF_SAT_SD = 0.04
CROSS_SALES_BASE = 3.0
RESOLUTION_BASE = 0.92


def demo_truth_path(folder: str | Path) -> Path:
    """Path of the ``truth.json`` written beside demo data."""
    return Path(folder) / "truth.json"


# ----------------------------------------------------------------------------- world


class _World:
    """Branches, staff posts and the calendar; shared by every table generator."""

    def __init__(self, scale: DemoScale, seed: int):
        self.scale = scale
        self.seed = seed
        self.ss = np.random.SeedSequence(seed)
        self.quarters = quarters_between(scale.first_quarter, scale.last_quarter)
        self.start = self.quarters[0].start
        self.end = self.quarters[-1].end  # exclusive
        self.days = pd.date_range(self.start, self.end - dt.timedelta(days=1), freq="D")
        self.holidays = {dt.date.fromisoformat(d) for d in DEMO_HOLIDAYS}
        rng = self.rng("world")
        nb = scale.n_branches
        width = max(2, len(str(nb)))
        self.branch_ids = np.array([f"B{i + 1:0{width}d}" for i in range(nb)])
        regions = ["North", "South", "East", "West", "Central"]
        self.branch_region = np.array([regions[i % len(regions)] if nb > 4 else
                                       regions[i % 2] for i in range(nb)])
        self.branch_type = np.where(np.arange(nb) % 6 == 0, "flagship", "standard")
        # Branch baselines.
        self.sat_base = np.clip(rng.normal(SATISFACTION_BASE, 0.02, nb), 0.7, 0.95)
        self.ms_mean = rng.permutation(np.linspace(81.0, 95.5, nb))
        self.volume = rng.lognormal(0.0, 0.15, nb)
        self.survey_factor = np.ones(nb)
        if nb > scale.small_branch:
            self.survey_factor[scale.small_branch] = 0.012
        # Treatment: adoption quarter index per branch (-1 = never).
        self.adopt_q = np.full(nb, -1)
        qnames = [str(q) for q in self.quarters]
        for qname, idx in scale.cohorts.items():
            for b in idx:
                if b < nb:
                    self.adopt_q[b] = qnames.index(qname)
        self.drop_q = len(self.quarters) - 1  # the drop happens in the last quarter
        self._make_staff(rng)

    def rng(self, *key: str | int) -> np.random.Generator:
        words = [sum((i + 1) * ord(ch) for i, ch in enumerate(str(k))) for k in key]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *words]))

    def _make_staff(self, rng: np.random.Generator) -> None:
        """Posts per branch and role; a share of posts change hands at a random date."""
        rows = []
        post = 0
        horizon = (self.end - self.start).days
        for b, bid in enumerate(self.branch_ids):
            for role, k in self.scale.roles_per_branch.items():
                for j in range(k):
                    counter = None
                    if role == "teller":
                        counter = "non_cash" if j < max(1, k // 3) else "cash"
                    hire = self.start - dt.timedelta(days=int(rng.integers(60, 3000)))
                    split = rng.random() < self.scale.turnover_share
                    cut = (self.start + dt.timedelta(days=int(rng.integers(30, horizon - 30)))
                           if split else None)
                    rows.append((post, b, bid, role, counter, hire, cut))
                    if split:
                        rows.append((post, b, bid, role, counter, cut, None))
                    post += 1
        df = pd.DataFrame(rows, columns=["post", "b", "branch_id", "role", "counter_type",
                                         "hire_date", "leave_date"])
        # The first holder of a split post leaves on the cut date.
        df["next_hire"] = df.groupby("post")["hire_date"].shift(-1)
        df["leave_date"] = df["next_hire"]
        df = df.drop(columns="next_hire").reset_index(drop=True)
        width = max(5, len(str(len(df))))
        df["staff_id"] = [f"S{i + 1:0{width}d}" for i in range(len(df))]
        n = len(df)
        df["sat_eff"] = rng.normal(0.0, STAFF_SAT_SD, n)
        df["sales_mult"] = rng.lognormal(-0.045, 0.3, n)
        df["err_mult"] = rng.lognormal(0.0, 0.5, n)
        df["res_eff"] = rng.normal(0.0, 0.02, n)
        df["perf"] = rng.normal(0.0, 1.0, n)
        self.staff = df
        self.n_posts = post

    # ---- helpers over staff and dates
    def staff_of(self, roles: tuple[str, ...]) -> pd.DataFrame:
        return self.staff[self.staff.role.isin(roles)]

    def holder(self, posts: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Row index in ``self.staff`` of the holder of each post on each date (datetime64[D])."""
        st = self.staff
        first = st.groupby("post").head(1)
        idx = first.index.to_numpy()[np.searchsorted(first.post.to_numpy(), posts)]
        # Posts that changed hands: pick the second holder on or after the cut date.
        leave = st.leave_date.to_numpy()
        has_cut = pd.notna(leave[idx])
        if has_cut.any():
            cut = pd.to_datetime(pd.Series(leave[idx][has_cut])).to_numpy().astype("datetime64[D]")
            after = dates[has_cut] >= cut
            sub = idx[has_cut]
            sub[after] = sub[after] + 1
            idx[has_cut] = sub
        return idx

    def quarter_index(self, dates: np.ndarray) -> np.ndarray:
        d = pd.DatetimeIndex(dates)
        qi = (d.year - self.start.year) * 4 + (d.quarter - 1) - (self.start.month - 1) // 3
        return np.asarray(qi)

    def treated(self, b: np.ndarray, qi: np.ndarray) -> np.ndarray:
        a = self.adopt_q[b]
        return (a >= 0) & (qi >= a)

    def sat_prob(self, b: np.ndarray, staff_idx: np.ndarray, qi: np.ndarray) -> np.ndarray:
        p = self.sat_base[b] + self.staff.sat_eff.to_numpy()[staff_idx]
        p = p + BONUS_EFFECT_SATISFACTION * self.treated(b, qi)
        drop = (b == self.scale.drop_branch) & (qi >= self.drop_q)
        p = p + DROP_EFFECT * drop
        return np.clip(p, 0.02, 0.995)

    def business_days(self) -> pd.DatetimeIndex:
        d = self.days
        return d[d.day_of_week < 6]


# ----------------------------------------------------------------------------- tables


def _branches(w: _World) -> pd.DataFrame:
    names = [f"Demo Branch {i + 1} 演示支行{i + 1}" for i in range(w.scale.n_branches)]
    return pd.DataFrame({"branch_id": w.branch_ids, "branch_name": names,
                         "region": w.branch_region, "branch_type": w.branch_type})


def _staff(w: _World) -> pd.DataFrame:
    st = w.staff
    rng = w.rng("names")
    family = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
    given = np.array(list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂"))
    names = (family[rng.integers(0, len(family), len(st))]
             + given[rng.integers(0, len(given), len(st))]
             + given[rng.integers(0, len(given), len(st))])
    return pd.DataFrame({
        "staff_id": st.staff_id, "staff_name": names, "branch_id": st.branch_id,
        "role": st.role, "counter_type": st.counter_type,
        "hire_date": pd.to_datetime(st.hire_date).dt.date,
        "leave_date": pd.to_datetime(st.leave_date).dt.date,
    })


def _contacts_chunk(w: _World, branches: np.ndarray, start_id: int) -> pd.DataFrame:
    """All contacts of a chunk of branches (vectorised over branch × day × hour × channel)."""
    rng = w.rng("contacts", int(branches[0]))
    days = w.days
    dow = days.day_of_week.to_numpy()
    day_f = WEEKDAY_FACTOR[dow].copy()
    dates = days.date
    hol = np.array([d in w.holidays for d in dates])
    day_f[hol] *= HOLIDAY_FACTOR
    # Month-end bump: last two business days of each month.
    s = pd.Series(np.arange(len(days)), index=days)
    bd = s[(dow < 5) & ~hol]
    last2 = bd.groupby([bd.index.year, bd.index.month]).tail(2).to_numpy()
    day_f[last2] *= MONTH_END_FACTOR
    frames = []
    next_id = start_id
    for ch, share in CHANNEL_SHARE.items():
        hp = HOUR_PROFILE[ch]
        hp = hp / hp.sum()
        # expected arrivals per (branch, day, hour)
        lam = (w.scale.contacts_per_branch_day * share
               * w.volume[branches][:, None, None] * day_f[None, :, None] * hp[None, None, :])
        # Day-level over-dispersion (contact counts are over-dispersed): gamma noise.
        lam = lam * rng.gamma(25.0, 1 / 25.0, size=lam.shape[:2])[:, :, None]
        if ch == "counter":
            lam[:, dow == 6, :] = 0.0  # counters closed on Sundays
        counts = rng.poisson(lam)
        bi, di, hi = np.nonzero(counts)
        k = counts[bi, di, hi]
        bi, di, hi = np.repeat(bi, k), np.repeat(di, k), np.repeat(hi, k)
        n = len(bi)
        if n == 0:
            continue
        base = days.to_numpy()[di].astype("datetime64[s]") + (_HOURS[hi] * 3600).astype("timedelta64[s]")
        arrival = base + rng.integers(0, 3600, n).astype("timedelta64[s]")
        # Relative load of the hour (1 = average): waits grow with load.
        load = hp[hi] * len(hp) * day_f[di]
        p_wait = np.clip(0.50 + 0.20 * (load - 1.0), 0.05, 0.95)
        mean_wait = {"phone": 400.0, "counter": 380.0, "online": 300.0}[ch] * np.clip(load, 0.5, 2.5)
        waits = np.where(rng.random(n) < p_wait, rng.exponential(mean_wait), rng.uniform(0, 12, n))
        patience = rng.exponential({"phone": 3600.0, "counter": 7200.0, "online": 2400.0}[ch], n)
        abandoned = waits > patience
        handle = rng.lognormal(np.log({"phone": 270.0, "counter": 330.0, "online": 360.0}[ch]),
                               0.5, n)
        b_global = branches[bi]
        # staff who answered: a post of the channel's role in that branch, its holder that day
        role = "teller" if ch == "counter" else "customer_service_rep"
        st = w.staff
        posts_tab = st[(st.role == role)].groupby("b")["post"].unique()
        post_choice = np.empty(n, dtype=np.int64)
        u = rng.random(n)
        for b in np.unique(b_global):
            m = b_global == b
            ps = np.sort(posts_tab.loc[b])
            post_choice[m] = ps[(u[m] * len(ps)).astype(int)]
        day64 = days.to_numpy()[di].astype("datetime64[D]")
        sidx = w.holder(post_choice, day64)
        res_p = np.clip(RESOLUTION_BASE + st.res_eff.to_numpy()[sidx], 0.5, 0.999)
        resolved = rng.random(n) < res_p
        wait_td = (waits * 1e3).astype("int64").astype("timedelta64[ms]")
        answer = (arrival.astype("datetime64[ms]") + wait_td)
        end = answer + (handle * 1e3).astype("int64").astype("timedelta64[ms]")
        pat_td = (patience * 1e3).astype("int64").astype("timedelta64[ms]")
        end = np.where(abandoned, arrival.astype("datetime64[ms]") + pat_td, end)
        frames.append(pd.DataFrame({
            "branch_id": w.branch_ids[b_global],
            "staff_id": np.where(abandoned, None, st.staff_id.to_numpy()[sidx]),
            "channel": ch,
            "arrival_ts": arrival.astype("datetime64[ms]"),
            "answer_ts": np.where(abandoned, np.datetime64("NaT"), answer),
            "end_ts": end,
            "resolved": pd.array(np.where(abandoned, None, resolved), dtype="boolean"),
            "abandoned": abandoned,
        }))
    df = pd.concat(frames, ignore_index=True).sort_values(["arrival_ts", "branch_id"],
                                                          kind="stable", ignore_index=True)
    ids = pc.binary_join_element_wise(
        "C", pc.utf8_lpad(pa.array(np.arange(next_id, next_id + len(df))).cast(pa.string()), 9, "0"),
        "")
    df.insert(0, "contact_id", ids.to_pandas())
    df["answer_ts"] = pd.to_datetime(df["answer_ts"]).astype("datetime64[ms]")
    df["end_ts"] = pd.to_datetime(df["end_ts"]).astype("datetime64[ms]")
    return df


def _front_line(w: _World) -> pd.DataFrame:
    return w.staff_of(("customer_service_rep", "teller"))


def _active_days(w: _World, st: pd.DataFrame, days: pd.DatetimeIndex) -> tuple[np.ndarray, np.ndarray]:
    """(staff row index, day) pairs for staff employed on each day."""
    hire = pd.to_datetime(st.hire_date).to_numpy().astype("datetime64[D]")
    leave = pd.to_datetime(st.leave_date).to_numpy().astype("datetime64[D]")
    leave = np.where(np.isnat(leave), np.datetime64("2100-01-01"), leave)
    d = days.to_numpy().astype("datetime64[D]")
    active = (d[None, :] >= hire[:, None]) & (d[None, :] < leave[:, None])
    si, di = np.nonzero(active)
    return st.index.to_numpy()[si], d[di]


def _surveys(w: _World) -> pd.DataFrame:
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
    channel = np.where(role == "teller",
                       np.where(rng.random(len(p)) < 0.85, "on_site", "phone_callback"),
                       np.where(rng.random(len(p)) < 0.15, "on_site", "phone_callback"))
    df = pd.DataFrame({
        "branch_id": w.branch_ids[b], "staff_id": w.staff.staff_id.to_numpy()[sidx],
        "survey_date": pd.to_datetime(day).date, "channel": channel,
        "score": np.where(sat, hi, lo).astype(np.int64)})
    df.insert(0, "survey_id", [f"V{i + 1:08d}" for i in range(len(df))])
    return df


def _complaints(w: _World) -> pd.DataFrame:
    rng = w.rng("complaints")
    st = _front_line(w)
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(1.0 / 66.0, len(sidx))  # about one per staff per quarter
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    n = len(sidx)
    opened = day.astype("datetime64[s]") + rng.integers(9 * 3600, 17 * 3600, n).astype("timedelta64[s]")
    hours = rng.lognormal(np.log(10.0), 1.0, n)
    closed = opened + (hours * 3600).astype("int64").astype("timedelta64[s]")
    end = np.datetime64(w.end).astype("datetime64[s]")
    still_open = closed >= end
    score = rng.choice([1, 2, 3, 4, 5], size=n, p=[0.05, 0.10, 0.15, 0.40, 0.30])
    df = pd.DataFrame({
        "branch_id": w.staff.branch_id.to_numpy()[sidx],
        "staff_id": w.staff.staff_id.to_numpy()[sidx],
        "opened_ts": opened.astype("datetime64[s]"),
        "closed_ts": pd.Series(np.where(still_open, np.datetime64("NaT"), closed)).astype("datetime64[s]"),
        "resolution_score": pd.array(np.where(still_open, None, score), dtype="Int64"),
    })
    df.insert(0, "complaint_id", [f"K{i + 1:07d}" for i in range(len(df))])
    return df


def _sales(w: _World) -> pd.DataFrame:
    rng = w.rng("sales")
    st = w.staff_of(("customer_service_rep", "customer_manager", "lobby_manager"))
    sidx, day = _active_days(w, st, w.business_days())
    b = w.staff.b.to_numpy()[sidx]
    qi = w.quarter_index(day)
    per_month = (CROSS_SALES_BASE * w.staff.sales_mult.to_numpy()[sidx]
                 + BONUS_EFFECT_CROSS_SALES * w.treated(b, qi))
    k = rng.poisson(per_month * 12 / 310.0)  # 310 business days a year (Mon-Sat)
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    products = np.array(["credit_card", "wealth_product", "insurance", "fund", "mobile_banking"])
    df = pd.DataFrame({
        "branch_id": w.staff.branch_id.to_numpy()[sidx],
        "staff_id": w.staff.staff_id.to_numpy()[sidx],
        "sale_date": pd.to_datetime(day).date,
        "product": products[rng.integers(0, len(products), len(sidx))],
        "quantity": np.ones(len(sidx), dtype=np.int64)})
    df.insert(0, "sale_id", [f"X{i + 1:08d}" for i in range(len(df))])
    return df


def _teller_transactions(w: _World) -> pd.DataFrame:
    rng = w.rng("teller")
    st = w.staff_of(("teller",))
    sidx, day = _active_days(w, st, w.business_days())
    n = len(sidx)
    ntx = rng.poisson(42.0, n)
    cash = (w.staff.counter_type.to_numpy()[sidx] == "cash")
    cash_handled = np.where(cash, ntx * rng.lognormal(np.log(14000), 0.3, n), 0.0).round(2)
    err_mult = w.staff.err_mult.to_numpy()[sidx]
    has_err = cash & (rng.random(n) < 0.02 * err_mult)
    cash_err = np.where(has_err, rng.uniform(50, 800, n), 0.0).round(2)
    entries = ntx * 2 + rng.poisson(3.0, n)
    errors = rng.binomial(entries, np.clip(0.004 * err_mult, 0, 0.2))
    handling = (ntx * rng.lognormal(np.log(290.0), 0.2, n)).round(1)
    return pd.DataFrame({
        "staff_id": w.staff.staff_id.to_numpy()[sidx],
        "branch_id": w.staff.branch_id.to_numpy()[sidx],
        "work_date": pd.to_datetime(day).date, "n_transactions": ntx.astype(np.int64),
        "cash_handled_yuan": cash_handled, "cash_error_yuan": cash_err,
        "ledger_entries": entries.astype(np.int64), "ledger_errors": errors.astype(np.int64),
        "handling_seconds": handling})


def _inspections(w: _World) -> pd.DataFrame:
    rng = w.rng("inspections")
    st = w.staff_of(("customer_service_rep", "teller", "customer_manager", "lobby_manager"))
    mondays = w.days[w.days.day_of_week == 1]  # weekly, on Tuesdays
    sidx, day = _active_days(w, st, mondays)
    frames = []
    for aspect in ("dress", "manner"):
        score = np.clip(np.round(rng.normal(9.1 + 0.2 * w.staff.perf.to_numpy()[sidx], 0.8)), 0, 10)
        frames.append(pd.DataFrame({
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "branch_id": w.staff.branch_id.to_numpy()[sidx],
            "inspection_date": pd.to_datetime(day).date, "aspect": aspect,
            "score": score.astype(float)}))
    df = pd.concat(frames, ignore_index=True).sort_values(["inspection_date", "staff_id", "aspect"],
                                                          ignore_index=True)
    df.insert(0, "inspection_id", [f"I{i + 1:08d}" for i in range(len(df))])
    return df


def _training(w: _World) -> pd.DataFrame:
    rng = w.rng("training")
    topics = ["Service etiquette", "Product knowledge", "Compliance and risk",
              "Complaint handling", "Cash handling accuracy", "Cross-selling skills"]
    st = w.staff[w.staff.role != "data_analyst"]
    # Each branch holds a session on the 2nd and 4th Wednesday of every month.
    wed = w.days[(w.days.day_of_week == 2) & (((w.days.day - 1) // 7) % 2 == 1)]
    sidx, day = _active_days(w, st, wed)
    n = len(sidx)
    attended = rng.random(n) < np.clip(0.88 + 0.04 * w.staff.perf.to_numpy()[sidx], 0.3, 0.99)
    exam = np.where(attended, np.clip(rng.normal(82 + 4 * w.staff.perf.to_numpy()[sidx], 7), 0, 100),
                    np.nan).round(1)
    day_idx = pd.DatetimeIndex(day)
    sess = [f"T{d:%Y%m%d}-{bid}" for d, bid in zip(day_idx, w.staff.branch_id.to_numpy()[sidx])]
    topic = np.array(topics)[(day_idx.month.to_numpy() * 2 + (day_idx.day.to_numpy() > 14)) % len(topics)]
    return pd.DataFrame({"session_id": sess, "staff_id": w.staff.staff_id.to_numpy()[sidx],
                         "session_date": day_idx.date, "topic": topic, "attended": attended,
                         "exam_score": exam})


def _mystery_shopper(w: _World) -> pd.DataFrame:
    rng = w.rng("mystery")
    months = pd.date_range(w.start, w.end - dt.timedelta(days=1), freq="MS")
    b, m = np.meshgrid(np.arange(w.scale.n_branches), np.arange(len(months)), indexing="ij")
    b, m = b.ravel(), m.ravel()
    frames = []
    for method, offset in (("on_site", 9), ("video", 16)):
        jitter = rng.integers(0, 5, len(b)).astype("timedelta64[D]")
        day = months.to_numpy()[m] + np.timedelta64(offset, "D") + jitter
        score = np.clip(rng.normal(w.ms_mean[b] - (1.5 if method == "video" else 0.0), 2.5), 0, 100)
        frames.append(pd.DataFrame({"branch_id": w.branch_ids[b],
                                    "check_date": pd.to_datetime(day).date, "method": method,
                                    "score": score.round(1)}))
    df = pd.concat(frames, ignore_index=True).sort_values(["check_date", "branch_id", "method"],
                                                          ignore_index=True)
    df.insert(0, "check_id", [f"M{i + 1:07d}" for i in range(len(df))])
    return df


def _quarter_days(w: _World) -> pd.DatetimeIndex:
    return pd.DatetimeIndex([q.start + dt.timedelta(days=75) for q in w.quarters])


def _reviews_360(w: _World) -> pd.DataFrame:
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
            frames.append(pd.DataFrame({"reviewee_id": w.staff.staff_id.to_numpy()[r_s],
                                        "review_date": pd.to_datetime(r_d).date,
                                        "rater_role": role, "dimension": dim,
                                        "score": score.round(1)}))
    df = pd.concat(frames, ignore_index=True).sort_values(
        ["review_date", "reviewee_id", "rater_role", "dimension"], kind="stable", ignore_index=True)
    df.insert(0, "review_id", [f"R{i + 1:07d}" for i in range(len(df))])
    return df


def _qualitative(w: _World) -> pd.DataFrame:
    rng = w.rng("qualitative")
    st = w.staff[~w.staff.role.isin(("data_analyst",))]
    sidx, day = _active_days(w, st, _quarter_days(w))
    frames = []
    for dim in ("service_quality", "teamwork"):
        score = np.clip(rng.normal(82 + 5 * w.staff.perf.to_numpy()[sidx], 6), 0, 100)
        frames.append(pd.DataFrame({"staff_id": w.staff.staff_id.to_numpy()[sidx],
                                    "rating_date": pd.to_datetime(day).date, "dimension": dim,
                                    "score": score.round(1)}))
    return pd.concat(frames, ignore_index=True).sort_values(
        ["rating_date", "staff_id", "dimension"], ignore_index=True)


def _new_customers(w: _World) -> pd.DataFrame:
    rng = w.rng("newcust")
    st = w.staff_of(("customer_manager",))
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(6.0 * 12 / 310.0 * w.staff.sales_mult.to_numpy()[sidx])
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    return pd.DataFrame({"customer_id": [f"N{i + 1:08d}" for i in range(len(sidx))],
                         "staff_id": w.staff.staff_id.to_numpy()[sidx],
                         "branch_id": w.staff.branch_id.to_numpy()[sidx],
                         "acquired_date": pd.to_datetime(day).date})


def _risk(w: _World) -> pd.DataFrame:
    rng = w.rng("risk")
    st = w.staff_of(("customer_manager",))
    sidx, day = _active_days(w, st, w.business_days())
    k = rng.poisson(0.2 / 77.0 * w.staff.err_mult.to_numpy()[sidx])
    sidx, day = np.repeat(sidx, k), np.repeat(day, k)
    return pd.DataFrame({"incident_id": [f"Z{i + 1:06d}" for i in range(len(sidx))],
                         "staff_id": w.staff.staff_id.to_numpy()[sidx],
                         "branch_id": w.staff.branch_id.to_numpy()[sidx],
                         "incident_date": pd.to_datetime(day).date,
                         "loss_yuan": rng.lognormal(np.log(5000), 1.0, len(sidx)).round(2)})


def _churn(w: _World) -> pd.DataFrame:
    rng = w.rng("churn")
    months = pd.date_range(w.start, w.end - dt.timedelta(days=1), freq="MS")
    rows = []
    base = rng.integers(3000, 9000, w.scale.n_branches)
    rate = np.clip(rng.normal(0.15 / 12, 0.002, w.scale.n_branches), 0.004, 0.03)
    cur = base.astype(float)
    for m in months:
        lost = rng.binomial(cur.astype(np.int64), rate)
        rows.append(pd.DataFrame({"branch_id": w.branch_ids, "month_start": m.date(),
                                  "customers_start": cur.astype(np.int64),
                                  "customers_lost": lost.astype(np.int64)}))
        cur = cur - lost + rng.poisson(cur * 0.0135)
    return pd.concat(rows, ignore_index=True)


def _roster(w: _World) -> pd.DataFrame:
    rng = w.rng("roster")
    st = w.staff_of(("customer_service_rep", "teller", "lobby_manager"))
    sidx, day = _active_days(w, st, w.business_days())
    role = w.staff.role.to_numpy()[sidx]
    start_h = np.where(role == "customer_service_rep",
                       np.where(rng.random(len(sidx)) < 0.5, 8, 12), 9)
    start = day.astype("datetime64[s]") + (start_h * 3600).astype("timedelta64[s]")
    end = start + np.timedelta64(8 * 3600, "s")
    present = rng.random(len(sidx)) < np.where(role == "lobby_manager", 0.96, 0.98)
    df = pd.DataFrame({"staff_id": w.staff.staff_id.to_numpy()[sidx],
                       "branch_id": w.staff.branch_id.to_numpy()[sidx],
                       "shift_start": start.astype("datetime64[s]"),
                       "shift_end": end.astype("datetime64[s]"), "present": present})
    df = df.sort_values(["shift_start", "staff_id"], ignore_index=True)
    df.insert(0, "shift_id", [f"H{i + 1:08d}" for i in range(len(df))])
    return df


# ----------------------------------------------------------------------------- writing


def _write(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    df.to_parquet(tmp, index=False, compression="zstd")
    tmp.replace(path)


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
    if scale not in SCALES:
        raise ParamsError(f"The 'scale' parameter of make_demo_bank must be one of "
                          f"{', '.join(SCALES)}. Got {scale!r} instead.")
    sc = SCALES[scale]
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda msg: None)
    t0 = time.perf_counter()
    w = _World(sc, int(seed))
    tables: dict[str, Callable[[_World], pd.DataFrame]] = {
        "branches": _branches, "staff": _staff, "surveys": _surveys,
        "complaints": _complaints, "sales": _sales, "teller_transactions": _teller_transactions,
        "inspections": _inspections, "training": _training, "mystery_shopper": _mystery_shopper,
        "reviews_360": _reviews_360, "qualitative_ratings": _qualitative,
        "new_customers": _new_customers, "risk_incidents": _risk, "customer_churn": _churn,
        "roster": _roster,
    }
    counts: dict[str, int] = {}
    for name, fn in tables.items():
        df = fn(w)
        _write(df, out / f"{name}.parquet")
        counts[name] = len(df)
        say(f"{name}: {len(df):,} rows")
    # Contacts: chunks of branches, streamed to Parquet.
    counts["contacts"] = _write_contacts(w, out, say)
    qnames = [str(q) for q in w.quarters]
    truth = _truth(w, qnames, counts)
    truth["generation_seconds"] = round(time.perf_counter() - t0, 2)
    write_meta(out, name=f"demo bank ({scale})", first_period=qnames[0], last_period=qnames[-1],
               seed=int(seed), scale=scale, holidays=list(DEMO_HOLIDAYS), currency="CNY")
    demo_truth_path(out).write_text(json.dumps(truth, indent=2, ensure_ascii=False),
                                    encoding="utf-8")
    return truth


def _write_contacts(w: _World, out: Path, say: Callable[[str], None]) -> int:
    import shutil

    single = w.scale.single_files
    part_dir = out / "contacts"
    if part_dir.exists():
        shutil.rmtree(part_dir)
    if (out / "contacts.parquet").exists():
        (out / "contacts.parquet").unlink()
    writer = None
    total = 0
    nb = w.scale.n_branches
    step = w.scale.chunk_branches
    tmp = out / "contacts.parquet.tmp"
    if not single:
        part_dir.mkdir()
    for k, lo in enumerate(range(0, nb, step)):
        chunk = np.arange(lo, min(nb, lo + step))
        df = _contacts_chunk(w, chunk, start_id=lo * 10_000_000 + 1)
        table = pa.Table.from_pandas(df, preserve_index=False)
        if single:
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
        else:
            ptmp = part_dir / f"part-{k:04d}.parquet.tmp"
            pq.write_table(table, ptmp, compression="zstd")
            ptmp.replace(part_dir / f"part-{k:04d}.parquet")
        total += len(df)
        say(f"contacts: {total:,} rows ({min(nb, lo + step)}/{nb} branches)")
        del df, table
    if writer is not None:
        writer.close()
        tmp.replace(out / "contacts.parquet")
    return total


def _truth(w: _World, qnames: list[str], counts: dict[str, int]) -> dict:
    sc = w.scale
    adoption = {str(w.branch_ids[b]): qnames[int(w.adopt_q[b])]
                for b in range(sc.n_branches) if w.adopt_q[b] >= 0}
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
            "satisfaction_rate": SATISFACTION_BASE, "resolution_rate": RESOLUTION_BASE,
            "cross_sales_per_month": CROSS_SALES_BASE, "satisfied_threshold": 8,
        },
        "bonus_scheme": {
            "amount_yuan": 2000,
            "level": "branch",
            "adoption": adoption,
            "never_treated": never,
            "effect": {"satisfaction_rate": BONUS_EFFECT_SATISFACTION,
                       "cross_sales_per_month": BONUS_EFFECT_CROSS_SALES},
            "note": ("From its adoption quarter on, every survey answered in an adopting branch is "
                     "'satisfied' (score >= 8) with probability higher by the satisfaction_rate "
                     "effect (percentage points / 100), and each customer-service rep and customer "
                     "manager sells the cross_sales_per_month effect more products per month."),
        },
        "satisfaction_drop": None,
        "small_sample_branch": None,
        "staff_heterogeneity": {"satisfaction_sd": STAFF_SAT_SD, "cross_sales_log_sd": 0.3,
                                "resolution_sd": 0.02, "error_log_sd": 0.5},
        "mystery_shopper_branch_means": {str(b): round(float(m), 2)
                                         for b, m in zip(w.branch_ids, w.ms_mean)},
        "holidays": list(DEMO_HOLIDAYS),
        "contact_pattern": {"weekday_factor_mon_to_sun": WEEKDAY_FACTOR.tolist(),
                            "month_end_factor": MONTH_END_FACTOR,
                            "holiday_factor": HOLIDAY_FACTOR},
    }
    if sc.drop_branch < sc.n_branches:
        truth["satisfaction_drop"] = {
            "branch_id": str(w.branch_ids[sc.drop_branch]), "quarter": qnames[w.drop_q],
            "effect": DROP_EFFECT,
            "note": "Satisfied-survey probability falls by 12 points from this quarter on.",
        }
    if sc.small_branch < sc.n_branches:
        truth["small_sample_branch"] = {
            "branch_id": str(w.branch_ids[sc.small_branch]),
            "expected_surveys_per_quarter": round(float(
                w.scale.surveys_per_staff_quarter * w.survey_factor[sc.small_branch]
                * sum(sc.roles_per_branch.get(r, 0) for r in (
                    "customer_service_rep", "teller", "customer_manager", "lobby_manager"))), 1),
        }
    # True expected satisfaction per branch and quarter (mean over its staff's effects).
    st = w.staff
    exp = {}
    for qi, q in enumerate(qnames):
        qstart, qend = Period.parse(q).start, Period.parse(q).end
        active = st[(pd.to_datetime(st.hire_date).dt.date < qend)
                    & (pd.isna(st.leave_date) | (pd.to_datetime(st.leave_date).dt.date > qstart))
                    & st.role.isin(("customer_service_rep", "teller", "customer_manager",
                                    "lobby_manager"))]
        b = active.b.to_numpy()
        p = w.sat_prob(b, active.index.to_numpy(), np.full(len(b), qi))
        s = pd.Series(p).groupby(w.branch_ids[b]).mean()
        exp[q] = {k: round(float(v), 4) for k, v in s.items()}
    truth["expected_satisfaction_by_branch_quarter"] = exp
    return truth

"""The demo bank's world: its sizes, the planted effects, and the branches, posts and calendar.

:class:`World` is built once per demo bank from a :class:`DemoScale` and a seed; every
table generator (:mod:`bankperf_analysis.dataset._demo_tables`) reads it. The constants
are the baselines and planted truths that ``truth.json`` reports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankperf_analysis.dataset._demo_posts import branch_types, extra_posts, non_cash_tellers
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.periods import quarters_between

#: Public holidays on which branches see a fraction of their usual contacts.
DEMO_HOLIDAYS: tuple[str, ...] = (
    "2025-01-01",
    "2025-01-28",
    "2025-01-29",
    "2025-01-30",
    "2025-01-31",
    "2025-02-03",
    "2025-02-04",
    "2025-05-01",
    "2025-05-02",
    "2025-10-01",
    "2025-10-02",
    "2025-10-03",
    "2025-10-06",
    "2025-10-07",
    "2026-01-01",
    "2026-02-16",
    "2026-02-17",
    "2026-02-18",
    "2026-02-19",
    "2026-02-20",
    "2026-05-01",
    "2026-10-01",
    "2026-10-02",
    "2026-10-05",
    "2026-10-06",
    "2026-10-07",
)

# Weekday profile (Mon..Sun): Monday and Friday peaks, quiet weekends (source 001).
WEEKDAY_FACTOR = np.array([1.30, 1.00, 0.95, 1.00, 1.25, 0.55, 0.35])
# Hourly arrival shares for each channel over 08:00..19:59 (index 0 = 08:00).
HOURS = np.arange(8, 20)
HOUR_PROFILE = {
    "phone": np.array([0.5, 1.0, 1.3, 1.2, 0.8, 0.9, 1.1, 1.0, 0.8, 0.6, 0.4, 0.3]),
    "counter": np.array([0.0, 1.1, 1.4, 1.2, 0.9, 0.9, 1.1, 1.0, 0.6, 0.0, 0.0, 0.0]),
    "online": np.array([0.6, 0.8, 1.0, 1.0, 0.9, 1.0, 1.0, 1.0, 1.0, 0.9, 0.8, 0.7]),
}
CHANNEL_SHARE = {"phone": 0.45, "counter": 0.40, "online": 0.15}
#: The benchmark bank's branches take 640 contacts a day with 7 representatives: its remote
#: (phone + online) demand per representative is the default bank's (110 x 0.60 / 8 = 8.25 a
#: day; 640 x 0.0902 / 7), phone and online 3 : 1 as in :data:`CHANNEL_SHARE`, and the rest
#: comes to the counters. With the default shares its simulated queue would be overloaded
#: (service level about 31 %, abandonment 42 %), which no bank runs.
BENCH_CHANNEL_SHARE = {"phone": 0.0677, "counter": 0.9098, "online": 0.0225}
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
    #: the planted understaffed and overstaffed branches (remote queue; -1: none)
    understaffed_branch: int = -1
    overstaffed_branch: int = -1
    #: plant branch types, non-cash tellers and wealth managers (:mod:`._demo_posts`)
    posts_demo: bool = False
    #: the branch planted short of the 50 % sales-staff share (-1: none)
    sales_short_branch: int = -1
    #: share of each channel in the contacts (None: :data:`CHANNEL_SHARE`)
    channel_share: dict[str, float] | None = None
    #: branches of the planted employment changes in the last quarter (:meth:`World._plant_employment`):
    #: a leaver before it, a short leaver, a short joiner, and a transfer from the 4th to the 5th
    plant_branches: tuple[int, ...] = ()


SCALES: dict[str, DemoScale] = {
    "tiny": DemoScale(
        "tiny",
        4,
        {
            "customer_service_rep": 3,
            "teller": 3,
            "customer_manager": 2,
            "lobby_manager": 1,
            "service_manager": 1,
        },
        "2025Q1",
        "2026Q4",
        40.0,
        40.0,
        0.10,
        4,
        True,
        cohorts={"2025Q3": (0,), "2026Q1": (1,)},
        drop_branch=2,
        small_branch=3,
        plant_branches=(2, 1, 3, 1, 0),
        posts_demo=True,
    ),
    "default": DemoScale(
        "default",
        12,
        {
            "customer_service_rep": 8,
            "teller": 7,
            "customer_manager": 5,
            "lobby_manager": 2,
            "service_manager": 2,
            "data_analyst": 1,
        },
        "2025Q1",
        "2026Q4",
        110.0,
        45.0,
        0.10,
        12,
        True,
        cohorts={"2025Q3": (0, 1, 2), "2026Q1": (3, 4, 5)},
        drop_branch=8,
        small_branch=11,
        plant_branches=(6, 7, 9, 10, 6),
        understaffed_branch=8,
        overstaffed_branch=4,
        posts_demo=True,
        sales_short_branch=10,
    ),
    "bench": DemoScale(
        "bench",
        1000,
        {
            "customer_service_rep": 7,
            "teller": 6,
            "customer_manager": 4,
            "lobby_manager": 1,
            "service_manager": 1,
            "data_analyst": 1,
        },
        "2026Q4",
        "2026Q4",
        640.0,
        45.0,
        0.05,
        50,
        False,
        cohorts={},
        drop_branch=8,
        small_branch=11,
        understaffed_branch=8,
        overstaffed_branch=4,
        channel_share=BENCH_CHANNEL_SHARE,
    ),
}

SATISFACTION_BASE = 0.85
BONUS_EFFECT_SATISFACTION = 0.06
BONUS_EFFECT_CROSS_SALES = 1.0
DROP_EFFECT = -0.12
STAFF_SAT_SD = 0.04
CROSS_SALES_BASE = 3.0
RESOLUTION_BASE = 0.92
#: The worst-run branch's remote (phone and online) demand is 1 + this times the best-run one's.
REMOTE_LOAD_SPREAD = 0.6
#: The planted overstaffed branch's remote demand as a share of an ordinary branch's.
OVERSTAFFED_DEMAND = 0.45
#: The best-run branch's median complaint handling hours (the worst: 10).
COMPLAINT_HOURS_BEST = 2.5
#: Lobby managers' chance to be present for a shift: base + slope x performance, clipped.
LOBBY_PRESENT = (0.955, 0.06, 0.70, 0.998)


def with_attributes(df: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Each post holder's hidden traits, drawn from ``rng`` in this order (the demo's planted effects)."""
    n = len(df)
    df["sat_eff"] = rng.normal(0.0, STAFF_SAT_SD, n)
    df["sales_mult"] = rng.lognormal(-0.045, 0.3, n)
    df["err_mult"] = rng.lognormal(0.0, 0.5, n)
    df["res_eff"] = rng.normal(0.0, 0.02, n)
    df["perf"] = rng.normal(0.0, 1.0, n)
    return df


# ----------------------------------------------------------------------------- world


class World:
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
        self.branch_region = np.array(
            [regions[i % len(regions)] if nb > 4 else regions[i % 2] for i in range(nb)]
        )
        self.branch_type = branch_types(nb, scale.posts_demo)
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
        self._management(nb)

    def _management(self, nb: int) -> None:
        """How well each branch runs its inquiry queues and complaints (no random draws).

        Ranked by baseline satisfaction, the adopters of the bonus scheme counted with its effect
        (the best-run branch first, rank ``r`` from 0 to 1): the best third roster their
        representatives along the demand curve, the others evenly
        (:data:`~bankperf_analysis.dataset._demo_queue.CSR_PATTERNS`), except the planted
        understaffed and overstaffed branches; worse-run branches get more remote demand for
        their roster (x ``1 + REMOTE_LOAD_SPREAD r^2``), so the simulated queue answers fewer
        contacts within 30 s; complaints are closed in a median of 2.5 (best) to 10 hours
        (worst, linear in the rank: with the queue's narrower spread of service levels than
        the former load heuristic's, a squared spread left no branch in the middle bands). So
        the team KPIs of managers, analysts and representatives differ between branches and
        every grade band occurs for every scored role (issue 13, item 8).
        """
        run_well = self.sat_base + BONUS_EFFECT_SATISFACTION * (self.adopt_q >= 0)
        r = np.argsort(np.argsort(-run_well, kind="stable"), kind="stable") / max(nb - 1, 1)
        self.csr_pattern = np.where(r < 1 / 3, "aligned", "even").astype(object)
        self.remote_f = 1.0 + REMOTE_LOAD_SPREAD * r**2
        if 0 <= self.scale.understaffed_branch < nb:
            self.csr_pattern[self.scale.understaffed_branch] = "understaffed"
        if 0 <= self.scale.overstaffed_branch < nb:
            self.csr_pattern[self.scale.overstaffed_branch] = "aligned"
            self.remote_f[self.scale.overstaffed_branch] = OVERSTAFFED_DEMAND
        self.complaint_hours = COMPLAINT_HOURS_BEST + (10.0 - COMPLAINT_HOURS_BEST) * r

    def rng(self, *key: str | int) -> np.random.Generator:
        words = [sum((i + 1) * ord(ch) for i, ch in enumerate(str(k))) for k in key]
        return np.random.default_rng(np.random.SeedSequence([self.seed, *words]))

    def _make_staff(self, rng: np.random.Generator) -> None:
        """Posts per branch and role; a share of posts change hands at a random date."""
        rows: list[tuple] = []
        post = 0
        horizon = (self.end - self.start).days
        for b, bid in enumerate(self.branch_ids):
            for role, k in self.scale.roles_per_branch.items():
                for j in range(k):
                    counter = None
                    if role == "teller":
                        counter = "non_cash" if j < non_cash_tellers(k, self.scale.posts_demo) else "cash"
                    hire = self.start - dt.timedelta(days=int(rng.integers(60, 3000)))
                    split = rng.random() < self.scale.turnover_share
                    cut = (
                        self.start + dt.timedelta(days=int(rng.integers(30, horizon - 30))) if split else None
                    )
                    rows.append((post, b, bid, role, counter, hire, cut))
                    if split:
                        rows.append((post, b, bid, role, counter, cut, None))
                    post += 1
        df = pd.DataFrame(
            rows, columns=["post", "b", "branch_id", "role", "counter_type", "hire_date", "leave_date"]
        )
        # The first holder of a split post leaves on the cut date.
        df["next_hire"] = df.groupby("post")["hire_date"].shift(-1)
        df["leave_date"] = df["next_hire"]
        df = df.drop(columns="next_hire").reset_index(drop=True)
        width = max(5, len(str(len(df))))
        df["staff_id"] = [f"S{i + 1:0{width}d}" for i in range(len(df))]
        df = with_attributes(df, rng)
        n = len(df)
        self.n_core_staff = n  # staff drawn from the world's stream (names too); the extra posts follow
        if self.scale.posts_demo:
            extra = extra_posts(self, post)
            post += len(extra)
            df = pd.concat([df, extra], ignore_index=True)
            n = len(df)
            df.loc[self.n_core_staff :, "staff_id"] = [
                f"S{i + 1:0{width}d}" for i in range(self.n_core_staff, n)
            ]
        self.staff = df
        self.n_posts = post
        self.n_base_staff = n
        # The planted employment changes: the holdings as the staff and assignments tables show
        # them, and the records that change hands (old staff id, from date, new staff id).
        self.holdings = df.copy()
        self.relabels: list[tuple[str, dt.date, str]] = []
        self.plants = self._plant_employment()

    # ---- helpers over staff and dates
    def staff_of(self, roles: tuple[str, ...]) -> pd.DataFrame:
        return self.staff[self.staff.role.isin(roles)]

    def _plant_employment(self) -> dict | None:
        """Plant the last quarter's employment changes; return their truths (None without plants).

        In the scale's ``plant_branches`` (A, B, C, X, Y), one post each (the first that never
        changed hands) changes hands: in A on the quarter's first day (its holder left the day
        before the quarter), in B ten days in (a short leaver), in C twelve days before its end
        (a short joiner); and the holder of a customer-service post in X moves to one in Y on
        the 15th of the quarter's middle month (Y's holder leaves that day, X's post is filled
        the same day). The records are generated for the posts as before and then change hands
        (:meth:`relabel`): every random draw, and every branch's records, stay as they were.
        """
        if not self.scale.plant_branches:
            return None
        a, b, c, x, y = self.scale.plant_branches
        q = self.quarters[-1]
        mid = dt.date(q.start.year, q.start.month + 1, 15)
        self._rng_plants = self.rng("plants")
        used: set[int] = set()
        short = q.start + dt.timedelta(days=10)
        late = q.end - dt.timedelta(days=12)
        out = {
            "left_before_quarter": self._change_hands(a, "customer_service_rep", q.start, used),
            "left_during_quarter_short": self._change_hands(b, "teller", short, used),
            "joined_during_quarter_short": self._change_hands(c, "customer_service_rep", late, used),
        }
        out["transfer"] = self._transfer(x, y, mid, used)
        return out

    def _free_post(self, b: int, role: str, used: set[int]) -> int:
        st = self.holdings
        k = st[(st.b == b) & (st.role == role)].groupby("post").size()
        post = int(next(p for p in k.index if k[p] == 1 and p not in used))
        used.add(post)
        return post

    def _append(self, row: pd.Series, hire: dt.date, *, new_person: bool) -> pd.Series:
        """Append a holding (a new person, or ``row``'s person in a new post) starting on ``hire``."""
        st = self.holdings
        new = row.copy()
        new["hire_date"], new["leave_date"] = hire, None
        if new_person:
            width = max(5, len(str(self.n_base_staff)))
            new["staff_id"] = f"S{st.staff_id.nunique() + 1:0{width}d}"
        self.holdings = pd.concat([st, new.to_frame().T.astype(st.dtypes.to_dict())], ignore_index=True)
        return self.holdings.iloc[-1]

    def _change_hands(self, b: int, role: str, cut: dt.date, used: set[int]) -> dict:
        """The holder of a post of ``role`` in branch ``b`` leaves on ``cut``; a new person joins that day."""
        post = self._free_post(b, role, used)
        i = int(self.holdings.index[self.holdings.post == post][0])
        self.holdings.loc[i, "leave_date"] = cut
        leaver = str(self.holdings.loc[i, "staff_id"])
        joiner = str(self._append(self.holdings.loc[i], cut, new_person=True)["staff_id"])
        self.relabels.append((leaver, cut, joiner))
        branch = str(self.branch_ids[b])
        return {"branch_id": branch, "role": role, "date": str(cut), "leaver": leaver, "joiner": joiner}

    def _transfer(self, x: int, y: int, day: dt.date, used: set[int]) -> dict:
        """A customer-service rep moves from branch ``x`` to ``y`` on ``day``; both posts stay filled."""
        role = "customer_service_rep"
        px, py = self._free_post(x, role, used), self._free_post(y, role, used)
        h = self.holdings
        i, j = int(h.index[h.post == px][0]), int(h.index[h.post == py][0])
        h.loc[[i, j], "leave_date"] = day
        mover, left = str(h.loc[i, "staff_id"]), str(h.loc[j, "staff_id"])
        successor = str(self._append(h.loc[i], day, new_person=True)["staff_id"])
        moved = h.loc[j].copy()
        moved["staff_id"] = mover  # the mover takes over post ``py`` in branch y
        self._append(moved, day, new_person=False)
        self.relabels += [(left, day, mover), (mover, day, successor)]
        return {
            "staff_id": mover,
            "role": role,
            "date": str(day),
            "from_branch": str(self.branch_ids[x]),
            "to_branch": str(self.branch_ids[y]),
            "left_in_to_branch": left,
            "joined_in_from_branch": successor,
        }

    def relabel(self, table: str, df: pd.DataFrame) -> pd.DataFrame:
        """Hand the planted posts' records to their new holders from the change's date on."""
        t = CONTRACT[table]
        cols = [c.name for c in t.columns if c.references == "staff.staff_id"]
        if not self.relabels or not len(df) or not cols or not t.period_columns:
            return df
        day = pd.to_datetime(df[t.period_columns[0]]).to_numpy().astype("datetime64[D]")
        for col in cols:
            orig = df[col].to_numpy(dtype=object)
            new = orig.copy()
            for old, cut, nid in self.relabels:  # all masks on the original ids: no chains
                new[(orig == old) & (day >= np.datetime64(cut, "D"))] = nid
            df[col] = new
        return df

    def holder(self, posts: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """Row index in ``self.staff`` of the holder of each post on each date (datetime64[D]).

        The holder is the post's last holding that started on or before the date (a post that
        changed hands passes to the next holder on the cut date).
        """
        st = self.staff
        hire = pd.to_datetime(st.hire_date).to_numpy().astype("datetime64[D]").astype(np.int64)
        post = st.post.to_numpy().astype(np.int64)
        order = np.lexsort((hire, post))
        big = np.int64(1_000_000)
        keys = post[order] * big + hire[order]
        q = posts.astype(np.int64) * big + dates.astype("datetime64[D]").astype(np.int64)
        return st.index.to_numpy()[order][np.searchsorted(keys, q, side="right") - 1]

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

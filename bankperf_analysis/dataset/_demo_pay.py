"""The demo bank's additions and deductions and complaint rulings (issue 13, item 6).

Each table draws from its own random stream, so the other tables stay bit-identical. The
last quarter gets two planted cases at the caps of the default scheme (``scoring.adjustments``:
+5 / -10): one person whose deductions add up to -13 (capped at -10) and one whose additions
add up to +8 (capped at +5); and one effective complaint against the teller most likely to
be excellent (a veto that lowers a grade). Their truths, and the effective complaints of the
last quarter (the veto evidence), are in ``truth.json`` under ``pay``.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from bankperf_analysis.dataset._demo_world import World

__all__ = ["adjustments", "complaint_rulings", "pay_truth"]

#: Share of complaints ruled effective (the person responsible).
EFFECTIVE_SHARE = 0.10

_REASONS = (
    (2.0, "customer commendation letter / 客户表扬信"),
    (3.0, "found a counterfeit note / 识别假币"),
    (5.0, "prevented a telecom fraud / 成功堵截电信诈骗"),
    (-2.0, "late for the morning meeting / 晨会迟到"),
    (-3.0, "work uniform not worn / 未按规定着装"),
    (-5.0, "service rule breached in a spot check / 抽查违反服务规范"),
    (-8.0, "compliance breach / 违反合规要求"),
)
_SCORED = ("customer_service_rep", "teller", "customer_manager", "lobby_manager")


def _whole(st: pd.DataFrame, q) -> np.ndarray:
    """Which of ``st`` are in post the whole quarter ``q`` (hired by its start, not left in it)."""
    hire, leave = pd.to_datetime(st.hire_date), pd.to_datetime(st.leave_date)
    return ((hire <= pd.Timestamp(q.start)) & (leave.isna() | (leave > pd.Timestamp(q.end)))).to_numpy(bool)


def _whole_quarter(w: World, role: str, skip: int = 0) -> str:
    """A person of ``role`` in post the whole last quarter (the ``skip``-th such, by staff id)."""
    q = w.quarters[-1]
    st = w.staff_of((role,))
    ok = _whole(st, q)
    ids = sorted(str(s) for s in st.loc[ok, "staff_id"])
    ids = [s for s in ids if s not in {old for old, _, _ in w.relabels}]  # not a planted post
    return ids[min(skip, len(ids) - 1)]


def _planted(w: World) -> list[tuple[str, dt.date, float, str]]:
    q = w.quarters[-1]
    day = q.start + dt.timedelta(days=20)
    ded = _whole_quarter(w, "teller", 1)
    add = _whole_quarter(w, "customer_service_rep", 1)
    return [
        (ded, day, -8.0, _REASONS[6][1]),
        (ded, day + dt.timedelta(days=14), -5.0, _REASONS[5][1]),
        (add, day, 5.0, _REASONS[2][1]),
        (add, day + dt.timedelta(days=7), 3.0, _REASONS[1][1]),
    ]


def adjustments(w: World) -> pd.DataFrame:
    """About one adjustment per six person-quarters of the scored roles, plus the planted caps."""
    from bankperf_analysis.dataset._demo_tables import _active_days

    rng = w.rng("adjustments")
    st = w.staff_of(_SCORED)
    sidx, day = _active_days(w, st, w.business_days())
    pick = rng.random(len(sidx)) < 1.0 / 400.0
    sidx, day = sidx[pick], day[pick]
    which = rng.integers(0, len(_REASONS), len(sidx))
    rows = pd.DataFrame(
        {
            "staff_id": w.staff.staff_id.to_numpy()[sidx],
            "adjustment_date": pd.to_datetime(day).date,
            "points": np.array([_REASONS[i][0] for i in which]),
            "reason": np.array([_REASONS[i][1] for i in which], dtype=object),
        }
    )
    if w.plants:  # the default scale plants; tiny and bench do not
        planted = pd.DataFrame(_planted(w), columns=["staff_id", "adjustment_date", "points", "reason"])
        taken = rows["staff_id"].isin(planted["staff_id"]) & (
            pd.to_datetime(rows["adjustment_date"]) >= pd.Timestamp(w.quarters[-1].start)
        )
        rows = pd.concat([rows.loc[~taken], planted], ignore_index=True)
    rows = rows.sort_values(["adjustment_date", "staff_id"], kind="stable").reset_index(drop=True)
    # the reason in English, and in Chinese in the contract's optional column (zh reports)
    words = rows["reason"].astype(str).str.split(" / ", n=1)
    rows["reason"], rows["reason_zh"] = words.str[0], words.str[1]
    rows.insert(0, "adjustment_id", [f"J{i + 1:07d}" for i in range(len(rows))])
    return rows


def _complaints(w: World) -> pd.DataFrame:
    from bankperf_analysis.dataset._demo_tables import TABLES

    return w.relabel("complaints", TABLES["complaints"](w))


def _planted_veto(w: World, c: pd.DataFrame) -> str | None:
    """The complaint planted effective: of the last quarter, against the teller most likely excellent.

    Most likely excellent: highest satisfaction effect minus log error multiplier, among the
    tellers in post the whole quarter (not a planted post) with a complaint opened in it.
    """
    if not w.plants:
        return None
    q = w.quarters[-1]
    st = w.staff_of(("teller",))
    st = st.loc[_whole(st, q)]
    st = st.loc[~st["staff_id"].isin([old for old, _, _ in w.relabels])]
    c = c.loc[(pd.to_datetime(c["opened_ts"]) >= pd.Timestamp(q.start)) & c["staff_id"].isin(st["staff_id"])]
    if not len(c):
        return None
    merit = pd.Series(st["sat_eff"].to_numpy() * 10 - np.log(st["err_mult"].to_numpy()), index=st["staff_id"])
    best = c.assign(m=c["staff_id"].map(merit)).sort_values(["m", "complaint_id"], ascending=[False, True])
    return str(best["complaint_id"].iloc[0])


def complaint_rulings(w: World) -> pd.DataFrame:
    """One ruling per complaint against a person: effective with probability 10 %, plus one planted."""
    c = _complaints(w)
    c = c.loc[c["staff_id"].notna()]
    rng = w.rng("complaint_rulings")
    eff = (rng.random(len(c)) < EFFECTIVE_SHARE) | (c["complaint_id"] == _planted_veto(w, c)).to_numpy()
    return pd.DataFrame(
        {
            "complaint_id": c["complaint_id"].to_numpy(),
            "effective": eff,
            "ruling": pd.Series(eff).map(
                {True: "upheld: the staff member is responsible / 有效投诉", False: None}
            ),
        }
    )


def pay_truth(w: World) -> dict:
    """The planted caps and the last quarter's effective complaints, by staff id."""
    q = w.quarters[-1]
    c = _complaints(w).merge(complaint_rulings(w), on="complaint_id")
    c = c.loc[
        c["effective"].to_numpy(bool) & (pd.to_datetime(c["opened_ts"]) >= pd.Timestamp(q.start)).to_numpy()
    ]
    eff: dict[str, list[str]] = {}
    for sid, cid in zip(c["staff_id"], c["complaint_id"], strict=True):
        eff.setdefault(str(sid), []).append(str(cid))
    out: dict = {
        "quarter": str(q),
        "note": (
            "effective_complaints: staff -> complaints opened in the quarter and ruled effective "
            "(veto evidence); capped_*: planted adjustments beyond the default caps (+5 / -10)"
        ),
        "effective_complaints": dict(sorted(eff.items())),
        "capped_deduction": None,
        "capped_addition": None,
        "planted_veto": None,
    }
    planted = _planted_veto(w, _complaints(w))
    if planted is not None:
        row = c.loc[c["complaint_id"] == planted].iloc[0]
        out["planted_veto"] = {
            "staff_id": str(row["staff_id"]),
            "complaint_id": planted,
            "date": str(pd.Timestamp(row["opened_ts"]).date()),
            "note": "an effective complaint planted against the teller most likely to be excellent",
        }
    if w.plants:
        p = _planted(w)
        out["capped_deduction"] = {"staff_id": p[0][0], "raw_points": -13.0, "capped_points": -10.0}
        out["capped_addition"] = {"staff_id": p[2][0], "raw_points": 8.0, "capped_points": 5.0}
    return out

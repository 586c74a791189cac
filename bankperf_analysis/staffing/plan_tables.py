"""The plan's tables per branch: headcount (定编), minimum posts, cost vs benefit, what-if targets.

They start from the interval plan of :mod:`bankperf_analysis.staffing.plan_build` and the
staff employed at the start of the planned quarter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.schema import ROLES
from bankperf_analysis.staffing.levels import check_minimum_posts, cost_benefit
from bankperf_analysis.staffing.plan_build import _required, _service
from bankperf_analysis.staffing.plan_config import QUEUE_ROLES, _Config
from bankperf_analysis.staffing.required import scheduled_staff

#: Columns of the headcount table (定编), in order.
_HEADCOUNT_COLUMNS = (
    "branch_id",
    "role",
    "queue",
    "contacts_per_week",
    "required_fte",
    "scheduled_fte",
    "rostered_fte",
    "current_headcount",
    "minimum_headcount",
    "planned_headcount",
    "basis",
)


class _Rostered:
    """Rostered FTE per branch x role, looked up in constant time."""

    def __init__(self, role_hours: pd.Series, has_roster: bool, cfg: _Config):
        self.hours = role_hours
        self.has_roster = has_roster
        self.paid_hours = cfg.paid_hours
        self.roles = set(role_hours.index.get_level_values("role")) if len(role_hours) else set()

    def fte(self, branch: str, role: str) -> float:
        """Rostered FTE of a role; NaN without a roster or for roles the roster never lists."""
        if not self.has_roster or (role not in self.roles and role not in QUEUE_ROLES.values()):
            return float("nan")
        return float(self.hours.get((branch, role), 0.0)) / self.paid_hours


def _headcount(
    intervals: pd.DataFrame,
    staff: pd.DataFrame,
    branches: pd.DataFrame,
    role_hours: pd.Series,
    has_roster: bool,
    cfg: _Config,
) -> pd.DataFrame:
    """Per branch x role: FTEs, current, minimum and planned headcount (定编) and its basis."""
    contact = intervals.groupby(["branch_id", "queue", "role"], as_index=False).agg(
        contacts_per_week=("contacts", "sum"), req=("required_staff", "sum"), sch=("scheduled_staff", "sum")
    )
    contact["required_fte"] = contact["req"] * cfg.minutes / 60.0 / cfg.paid_hours
    contact["scheduled_fte"] = contact["sch"] * cfg.minutes / 60.0 / cfg.paid_hours
    by_role = {key: rows for key, rows in contact.groupby(["branch_id", "role"], sort=False)}
    current = staff.groupby(["branch_id", "role"]).size()
    present_by = staff.groupby("branch_id")["role"].agg(set)
    flagship = set(branches.loc[branches["branch_type"] == "flagship", "branch_id"])
    rostered = _Rostered(role_hours, has_roster, cfg)
    rows = []
    for b in branches["branch_id"]:
        present = present_by.get(b, set())
        brows = []
        for role in list(ROLES) + sorted(present - set(ROLES)):
            # posts every branch has, and the flagship's customer manager
            minimum = int(
                role in ("lobby_manager", "teller") or (role == "customer_manager" and b in flagship)
            )
            row = _role_row(
                by_role.get((b, role)), int(current.get((b, role), 0)), minimum, role in present, cfg
            )
            if row is not None:
                brows.append({"branch_id": b, "role": role, **row, "rostered_fte": rostered.fte(b, role)})
        _top_up_sales(brows, b, rostered, cfg)
        rows += brows
    out = pd.DataFrame(rows, columns=list(_HEADCOUNT_COLUMNS))
    out["change"] = out["planned_headcount"] - out["current_headcount"]
    for c in ("current_headcount", "minimum_headcount", "planned_headcount", "change"):
        out[c] = out[c].astype(np.int64)
    return out


def _role_row(
    c: pd.DataFrame | None, cur: int, minimum: int, present: bool, cfg: _Config
) -> dict[str, Any] | None:
    """One role's headcount: sized to its queue when it serves one, else kept (or raised to the minimum)."""
    if c is not None and len(c):
        sch = float(c["scheduled_fte"].sum())
        need = int(np.ceil(sch - 1e-9))
        sl = f"{cfg.sl_target:.0%} in {cfg.answer_seconds:g} s, ASA <= {cfg.max_asa:g} s"
        basis = f"{cfg.model}: {sl}, shrinkage {cfg.shrinkage:g}" if need >= minimum else "minimum post"
        return dict(
            queue=",".join(c["queue"]),
            contacts_per_week=float(c["contacts_per_week"].sum()),
            required_fte=float(c["required_fte"].sum()),
            scheduled_fte=sch,
            current_headcount=cur,
            minimum_headcount=minimum,
            planned_headcount=max(need, minimum),
            basis=basis,
        )
    if not present and not minimum:
        return None
    planned = max(cur, minimum)
    return dict(
        queue="",
        contacts_per_week=np.nan,
        required_fte=np.nan,
        scheduled_fte=np.nan,
        current_headcount=cur,
        minimum_headcount=minimum,
        planned_headcount=planned,
        basis="minimum post" if planned > cur else "kept at current headcount",
    )


def _top_up_sales(brows: list[dict[str, Any]], b: str, rostered: _Rostered, cfg: _Config) -> None:
    """Sales share >= min_sales_share: add customer managers (or the first sales role) to ``brows``."""
    add_role = "customer_manager" if "customer_manager" in cfg.sales_roles else cfg.sales_roles[0]
    tot = sum(r["planned_headcount"] for r in brows)
    sales = sum(r["planned_headcount"] for r in brows if r["role"] in cfg.sales_roles)
    share = cfg.min_sales_share
    if tot and sales < share * tot - 1e-9:
        k = int(np.ceil((share * tot - sales) / (1.0 - share) - 1e-9))
        cm = next((r for r in brows if r["role"] == add_role), None)
        if cm is None:
            cm = {
                "branch_id": b,
                "role": add_role,
                "queue": "",
                "contacts_per_week": np.nan,
                "required_fte": np.nan,
                "scheduled_fte": np.nan,
                "rostered_fte": rostered.fte(b, add_role),
                "current_headcount": 0,
                "minimum_headcount": 0,
                "planned_headcount": 0,
                "basis": "",
            }
            brows.append(cm)
        cm["planned_headcount"] += k
        cm["basis"] = f"raised by {k} for sales staff >= {share:.0%}"


def _posts(staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    cols = ["branch_id", "rule", "required", "actual", "passed", "message"]
    posts = (
        check_minimum_posts(staff, sales_roles=cfg.sales_roles, min_sales_share=cfg.min_sales_share)
        if len(staff)
        else pd.DataFrame(columns=cols)
    )
    rows = []
    for b, btype in zip(branches["branch_id"], branches["branch_type"]):
        if b not in set(posts["branch_id"]):
            rows.append(
                {
                    "branch_id": b,
                    "rule": "staff",
                    "required": 1.0,
                    "actual": 0.0,
                    "passed": False,
                    "message": f"FAIL - Branch {b}: no current staff.",
                }
            )
        if btype == "flagship":
            n = int(((staff["branch_id"] == b) & (staff["role"] == "customer_manager")).sum())
            ok = n >= 1
            rows.append(
                {
                    "branch_id": b,
                    "rule": "flagship_customer_manager",
                    "required": 1.0,
                    "actual": float(n),
                    "passed": ok,
                    "message": ("OK - " if ok else "FAIL - ")
                    + f"Branch {b} (flagship): {n} personal customer manager(s); at least 1 "
                    "required.",
                }
            )
    out = pd.concat([posts, pd.DataFrame(rows, columns=cols)], ignore_index=True) if rows else posts
    out = out[cols].astype(
        {"branch_id": str, "rule": str, "required": float, "actual": float, "passed": bool, "message": str}
    )
    order = {
        r: i
        for i, r in enumerate(
            ["staff", "lobby_manager", "non_cash_teller", "sales_share", "flagship_customer_manager"]
        )
    }
    return (
        out.assign(_o=out["rule"].map(order))
        .sort_values(["branch_id", "_o"], kind="stable")
        .drop(columns="_o")
        .reset_index(drop=True)
    )


def _assumption(cfg: _Config) -> str:
    return (
        f"Benefit assumes +{cfg.points:g} satisfaction points a year (planning assumption: the "
        "source's plan, 65 % -> 75 % in year one), valued at "
        f"{cfg.yuan_per_point:,.0f} yuan per point per year; it is not a measured effect of "
        "staffing. Cost counts only added staff (no savings from surplus roles)."
    )


def _cost_benefit(plan: pd.DataFrame, branch_ids: Sequence[str], cfg: _Config) -> pd.DataFrame:
    add = plan.assign(extra=plan["change"].clip(lower=0), surplus=(-plan["change"]).clip(lower=0))
    per = add.groupby("branch_id")[["extra", "surplus"]].sum().reindex(list(branch_ids), fill_value=0)
    cb = cost_benefit(
        per["extra"].to_numpy(dtype=float),
        cfg.salary,
        cfg.points,
        yuan_per_point_year=cfg.yuan_per_point,
        scenario=list(per.index),
    )
    out = pd.DataFrame(
        {
            "branch_id": [str(b) for b in per.index],
            "extra_fte": cb["fte"].to_numpy(dtype=float),
            "surplus_fte": per["surplus"].to_numpy(dtype=float),
            "salary_per_fte_yuan_per_year": cfg.salary,
            "cost_yuan_per_year": cb["cost_yuan"].to_numpy(dtype=float),
            "satisfaction_points_assumed": cb["satisfaction_points"].to_numpy(dtype=float),
            "yuan_per_point_per_year": cfg.yuan_per_point,
            "benefit_yuan_per_year": cb["benefit_yuan"].to_numpy(dtype=float),
            "net_yuan_per_year": cb["net_yuan"].to_numpy(dtype=float),
            "benefit_cost_ratio": cb["benefit_cost_ratio"].to_numpy(dtype=float),
            "break_even_points": (cb["cost_yuan"] / cfg.yuan_per_point).to_numpy(dtype=float)
            if cfg.yuan_per_point > 0
            else np.nan,
        }
    )
    out["assumption"] = _assumption(cfg)
    return out


def _what_if(
    grid: pd.DataFrame, staff: pd.DataFrame, branch_ids: Sequence[str], cfg: _Config
) -> pd.DataFrame:
    minutes = cfg.minutes
    roles = set(grid["role"])
    cur = staff[staff["role"].isin(roles)].groupby("branch_id").size()
    frames = []
    w = grid["contacts"].to_numpy(dtype=float)
    for target in cfg.targets:
        req = _required(grid, cfg, target)
        sch = scheduled_staff(req, cfg.shrinkage)
        sl, _ = _service(req, grid, cfg)
        d = pd.DataFrame(
            {
                "branch_id": grid["branch_id"],
                "weekday": grid["weekday"],
                "slot": grid["slot"],
                "sch": sch,
                "sl_w": np.nan_to_num(sl) * w,
                "w": w,
            }
        )
        peak = d.groupby(["branch_id", "weekday", "slot"])["sch"].sum().groupby("branch_id").max()
        tot = d.groupby("branch_id")[["sch", "sl_w", "w"]].sum()
        hours = tot["sch"] * minutes / 60.0
        fte = hours / cfg.paid_hours
        frames.append(
            pd.DataFrame(
                {
                    "branch_id": tot.index.astype(str),
                    "target_service_level": float(target),
                    "achieved_service_level": (tot["sl_w"] / tot["w"].where(tot["w"] > 0)).to_numpy(),
                    "peak_staff": peak.reindex(tot.index).to_numpy(dtype=np.int64),
                    "staff_hours_per_week": hours.to_numpy(),
                    "fte": fte.to_numpy(),
                    "current_headcount": cur.reindex(tot.index, fill_value=0).to_numpy(dtype=np.int64),
                    "cost_yuan_per_year": (fte * cfg.salary).to_numpy(),
                }
            )
        )
    cols = [
        "branch_id",
        "target_service_level",
        "achieved_service_level",
        "peak_staff",
        "staff_hours_per_week",
        "fte",
        "current_headcount",
        "cost_yuan_per_year",
    ]
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
    out = out[out["branch_id"].isin(branch_ids)]
    return out.sort_values(["branch_id", "target_service_level"]).reset_index(drop=True)[cols]

"""The plan's tables per branch: headcount (定编), minimum posts, cost vs benefit, what-if targets.

They start from the interval plan of :mod:`bankperf_analysis.staffing.plan_build` and the
staff employed at the start of the planned quarter.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bankperf_analysis.dataset.schema import POSTS, ROLES
from bankperf_analysis.staffing.levels import cost_benefit
from bankperf_analysis.staffing.plan_build import _required, _service
from bankperf_analysis.staffing.plan_config import QUEUE_ROLES, _Config
from bankperf_analysis.staffing.posts import check_minimum_posts, post_counts, sales_staff
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


def _headcount(
    intervals: pd.DataFrame,
    staff: pd.DataFrame,
    branches: pd.DataFrame,
    role_hours: pd.Series,
    has_roster: bool,
    cfg: _Config,
) -> pd.DataFrame:
    """Per branch x role: FTEs, current, minimum and planned headcount (定编) and its basis.

    Every branch at once (grouped and vectorised; no step filters a table per branch).
    A branch's rows: the known roles (``ROLES`` order), then other roles it employs
    (sorted); a role appears when it serves a queue, is employed or is a minimum post.
    """
    hc = _with_managed(_role_candidates(intervals, staff, branches, cfg), branches, cfg)
    hc = hc[hc["serves"] | hc["present"] | (hc["minimum_headcount"] > 0) | (hc["managed_customers"] > 0)]
    hc = _sized_managers(_sized_roles(hc, cfg), cfg)
    hc = _top_up_sales(hc, staff, branches, cfg)
    hc["rostered_fte"] = _rostered_fte(hc, role_hours, has_roster, cfg)
    out = hc.sort_values(["_b", "_r"], kind="stable")[list(_HEADCOUNT_COLUMNS)].reset_index(drop=True)
    if out.empty:  # the frame of an empty row list, as before
        out = pd.DataFrame([], columns=list(_HEADCOUNT_COLUMNS))
    out["change"] = out["planned_headcount"] - out["current_headcount"]
    for c in ("current_headcount", "minimum_headcount", "planned_headcount", "change"):
        out[c] = out[c].astype(np.int64)
    return out


def _role_candidates(
    intervals: pd.DataFrame, staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config
) -> pd.DataFrame:
    """Every branch x (known role, or other role it employs) with its queues, staff and minimum.

    ``_b`` (the branch's position) and ``_r`` (the role's place in the branch's rows) order
    the table; ``serves`` marks roles answering a queue, ``present`` roles employed now.
    """
    contact = intervals.groupby(["branch_id", "queue", "role"], as_index=False).agg(
        contacts_per_week=("contacts", "sum"), req=("required_staff", "sum"), sch=("scheduled_staff", "sum")
    )
    contact["required_fte"] = contact["req"] * cfg.minutes / 60.0 / cfg.paid_hours
    contact["scheduled_fte"] = contact["sch"] * cfg.minutes / 60.0 / cfg.paid_hours
    by_role = contact.groupby(["branch_id", "role"], as_index=False, sort=False).agg(
        queue=("queue", "first"),
        n_queues=("queue", "size"),
        contacts_per_week=("contacts_per_week", "sum"),
        required_fte=("required_fte", "sum"),
        scheduled_fte=("scheduled_fte", "sum"),
    )
    several = by_role["n_queues"] > 1  # a role answering several queues (none by default)
    if several.any():
        joined = contact.groupby(["branch_id", "role"], sort=False)["queue"].agg(",".join)
        keys = pd.MultiIndex.from_frame(by_role.loc[several, ["branch_id", "role"]])
        by_role.loc[several, "queue"] = joined.reindex(keys).to_numpy()
    by_role = by_role.drop(columns="n_queues")
    current = staff.groupby(["branch_id", "role"]).size().rename("current_headcount").reset_index()
    # the keys as text, also in empty frames (whose columns may have come out as floats)
    by_role = by_role.astype({"branch_id": str, "role": str})
    current = current.astype({"branch_id": str, "role": str})
    known = pd.DataFrame({"role": pd.Series(ROLES, dtype=str), "_r": np.arange(len(ROLES))})
    extra = sorted(set(current["role"].unique()) - set(ROLES))
    extra_roles = pd.DataFrame(
        {"role": pd.Series(extra, dtype=str), "_r": len(ROLES) + np.arange(len(extra))}
    )
    b = pd.DataFrame(
        {"branch_id": branches["branch_id"].astype(str).to_numpy(), "_b": np.arange(len(branches))}
    )
    cand = pd.concat(
        [
            b.merge(known, how="cross"),
            current[current["role"].isin(extra)][["branch_id", "role"]]
            .merge(b, on="branch_id")
            .merge(extra_roles, on="role"),
        ],
        ignore_index=True,
    )
    cand = cand.merge(current, on=["branch_id", "role"], how="left").merge(
        by_role, on=["branch_id", "role"], how="left", indicator="_serves"
    )
    cand["serves"] = cand["_serves"] == "both"
    cand["present"] = cand["current_headcount"].notna()
    cand["current_headcount"] = cand["current_headcount"].fillna(0).astype(np.int64)
    minimum = _role_minimum(branches, cfg).rename("minimum_headcount").reset_index()
    cand = cand.merge(minimum, on=["branch_id", "role"], how="left")
    cand["minimum_headcount"] = cand["minimum_headcount"].fillna(0).astype(np.int64)
    return cand.drop(columns="_serves")


def _role_minimum(branches: pd.DataFrame, cfg: _Config) -> pd.Series:
    """Minimum headcount per (branch, role) from the scheme's minimum posts of the branch's type.

    A post refining a role (``non_cash_teller``) needs that many of the role: a role's minimum is
    the larger of its own post's and the sum of its refining posts'.
    """
    per_type = {}
    for bt in branches["branch_type"].astype(str).unique():
        need: dict[str, int] = {}
        refined: dict[str, int] = {}
        for post, n in cfg.minimum_posts.for_type(bt).items():
            role, counter = POSTS[post]
            into = need if counter is None else refined
            into[role] = into.get(role, 0) + n
        per_type[bt] = {r: max(need.get(r, 0), refined.get(r, 0)) for r in {*need, *refined}}
    rows = [
        (str(b), r, n)
        for b, bt in zip(branches["branch_id"], branches["branch_type"].astype(str))
        for r, n in per_type[bt].items()
    ]
    frame = pd.DataFrame(rows, columns=["branch_id", "role", "n"]).astype({"branch_id": str, "role": str})
    return frame.set_index(["branch_id", "role"])["n"].astype(np.int64)


def _sized_roles(hc: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """Planned headcount and basis: sized to its queue when a role serves one, else kept or raised."""
    hc = hc.copy()
    serves = hc["serves"].to_numpy()
    minimum = hc["minimum_headcount"].to_numpy()
    cur = hc["current_headcount"].to_numpy()
    need = np.ceil(hc["scheduled_fte"].fillna(0.0).to_numpy() - 1e-9).astype(np.int64)
    kept = np.maximum(cur, minimum)
    hc["planned_headcount"] = np.where(serves, np.maximum(need, minimum), kept).astype(np.int64)
    sl = f"{cfg.sl_target:.0%} in {cfg.answer_seconds:g} s, ASA <= {cfg.max_asa:g} s"
    sized = f"{cfg.model}: {sl}, shrinkage {cfg.shrinkage:g}"
    hc["basis"] = np.where(
        serves,
        np.where(need >= minimum, sized, "minimum post"),
        np.where(kept > cur, "minimum post", "kept at current headcount"),
    ).astype(object)
    hc["queue"] = hc["queue"].where(serves, "")
    return hc


_MIN_POST = " (minimum post)"
_NO_DATA = " (no managed_customers for the branch in the data)"


def _with_managed(hc: pd.DataFrame, branches: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """``managed_customers`` of the branch on its customer-manager row when the scheme sizes by it."""
    mc = branches.set_index("branch_id")["managed_customers"] if "managed_customers" in branches else None
    on = (hc["role"] == "customer_manager") & (cfg.customers_per_manager is not None)
    hc = hc.copy()
    hc["managed_customers"] = hc["branch_id"].map(mc).where(on) if mc is not None else np.nan
    hc["managed_customers"] = hc["managed_customers"].astype(float)
    return hc


def _sized_managers(hc: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """Customer managers (not serving a queue) = ceil(managed customers / customers per manager).

    With ``staffing.customers_per_manager`` in the scheme: a branch whose data give
    ``managed_customers`` gets that many managers (at least its minimum post); a branch
    without the value keeps its current headcount, and the basis says why.
    """
    cpm = cfg.customers_per_manager
    if cpm is None:
        return hc
    hc = hc.copy()
    cm = (hc["role"] == "customer_manager") & ~hc["serves"]
    mc = hc["managed_customers"]
    has = cm & mc.notna()
    on = has.to_numpy()
    need = np.ceil(mc.fillna(0.0).to_numpy() / cpm - 1e-9).astype(np.int64)
    minimum = hc["minimum_headcount"].to_numpy()
    hc.loc[has, "planned_headcount"] = np.maximum(need, minimum)[on]
    rule = [
        f"managed customers: ceil({m:,.0f} / {cpm:g} per manager) = {n}" + (_MIN_POST if k > n else "")
        for m, n, k in zip(mc[has], need[on], minimum[on], strict=True)
    ]
    hc.loc[has, "basis"] = pd.Series(rule, index=hc.index[has], dtype=object)
    missing = cm & mc.isna()
    hc.loc[missing, "basis"] = hc.loc[missing, "basis"] + _NO_DATA
    return hc


def _planned_posts(
    hc: pd.DataFrame, staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config
) -> pd.DataFrame:
    """Planned headcount per branch x post: each role's, and the non-cash tellers kept.

    The plan keeps a branch's current non-cash tellers (raised to its minimum post) within its
    planned tellers; the counts feed :func:`~bankperf_analysis.staffing.posts.sales_staff`.
    """
    counts = hc.pivot_table(
        index="branch_id", columns="role", values="planned_headcount", aggfunc="sum", fill_value=0
    )
    now = post_counts(staff[staff["branch_id"].isin(counts.index)], ["non_cash_teller"])["non_cash_teller"]
    types = branches.drop_duplicates("branch_id").set_index("branch_id")["branch_type"].astype(str)
    per_type = {bt: cfg.minimum_posts.for_type(bt).get("non_cash_teller", 0) for bt in types.unique()}
    floor = types.map(per_type)  # once per branch type, not per branch
    kept = np.maximum(now.reindex(counts.index, fill_value=0), floor.reindex(counts.index, fill_value=0))
    tellers = counts["teller"] if "teller" in counts.columns else 0
    counts["non_cash_teller"] = np.minimum(tellers, kept).astype(np.int64)
    return counts


def _top_up_sales(
    hc: pd.DataFrame, staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config
) -> pd.DataFrame:
    """Sales share >= min_sales_share: add customer managers (or the first sales role) per branch.

    Sales staff are :func:`~bankperf_analysis.staffing.posts.sales_staff` of the planned posts,
    the definition the post check uses. A branch without a row of the added role gets one, after
    its other rows. With no role among the sales posts (only ``non_cash_teller``) nothing is added.
    """
    roles = [p for p in cfg.sales_roles if POSTS[p][1] is None]
    if not roles or hc.empty:
        return hc
    add_role = "customer_manager" if "customer_manager" in roles else roles[0]
    share = cfg.min_sales_share
    counts = _planned_posts(hc, staff, branches, cfg)
    sales = sales_staff(counts, cfg.sales_roles).to_numpy()
    tot = hc.groupby("branch_id")["planned_headcount"].sum().reindex(counts.index).to_numpy()
    short = (tot > 0) & (sales < share * tot - 1e-9)
    k = pd.Series(
        np.ceil(np.where(short, (share * tot - sales) / (1.0 - share), 0.0) - 1e-9).astype(np.int64),
        index=counts.index,
    )[short]
    if k.empty:
        return hc
    have = set(hc.loc[hc["role"] == add_role, "branch_id"])
    missing = [bid for bid in k.index if bid not in have]
    new = hc.drop_duplicates("branch_id").set_index("branch_id").loc[missing, ["_b"]].reset_index()
    new = new.assign(
        role=add_role,
        _r=int(hc["_r"].max()) + 1,  # after the branch's other rows
        queue="",
        contacts_per_week=np.nan,
        required_fte=np.nan,
        scheduled_fte=np.nan,
        current_headcount=0,
        minimum_headcount=0,
        planned_headcount=0,
        basis="",
    )
    hc = pd.concat([hc, new], ignore_index=True) if len(new) else hc.reset_index(drop=True)
    raise_ = (hc["role"] == add_role) & hc["branch_id"].isin(k.index)
    add = hc.loc[raise_, "branch_id"].map(k)
    hc.loc[raise_, "planned_headcount"] = hc.loc[raise_, "planned_headcount"] + add
    # the sizing the row had, then the top-up ("kept at current headcount; raised by 2 ...")
    hc.loc[raise_, "basis"] = [
        f"{b}; {r}" if b else r
        for b, r in zip(
            hc.loc[raise_, "basis"].fillna(""),
            [f"raised by {int(x)} for sales staff >= {share:.0%}" for x in add],
        )
    ]
    return hc


def _rostered_fte(hc: pd.DataFrame, role_hours: pd.Series, has_roster: bool, cfg: _Config) -> np.ndarray:
    """Rostered FTE per row; NaN without a roster or for roles the roster never lists."""
    if not has_roster:
        return np.full(len(hc), np.nan)
    hours = role_hours.rename("h").reset_index() if len(role_hours) else None
    h = (
        hc[["branch_id", "role"]].merge(hours, on=["branch_id", "role"], how="left")["h"].fillna(0.0)
        if hours is not None
        else pd.Series(0.0, index=range(len(hc)))
    )
    listed = set(hours["role"].unique()) if hours is not None else set()
    known = hc["role"].isin(listed | set(QUEUE_ROLES.values())).to_numpy()
    return np.where(known, h.to_numpy(dtype=float) / cfg.paid_hours, np.nan)


_POST_COLUMNS = ["branch_id", "branch_type", "rule", "required", "actual", "passed", "message"]


def _posts(staff: pd.DataFrame, branches: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """Every branch's post findings: the minimum posts of its type and the sales share (or no staff)."""
    cols = _POST_COLUMNS
    posts = (
        check_minimum_posts(
            staff,
            branches=branches[["branch_id", "branch_type"]],
            minimum_posts=cfg.minimum_posts,
            sales_roles=cfg.sales_roles,
            min_sales_share=cfg.min_sales_share,
        )
        if len(staff)
        else pd.DataFrame(columns=cols)
    )
    parts = [p for p in (posts, _no_staff_rows(posts, branches)[cols]) if len(p)]
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else posts
    out = out[cols].astype(
        {
            "branch_id": str,
            "branch_type": str,
            "rule": str,
            "required": float,
            "actual": float,
            "passed": bool,
            "message": str,
        }
    )
    # each branch's rows in the check's order; the no-staff row alone
    return out.sort_values("branch_id", kind="stable").reset_index(drop=True)


def _no_staff_rows(posts: pd.DataFrame, branches: pd.DataFrame) -> pd.DataFrame:
    """The failed ``staff`` rule of every branch without current staff (no post rows)."""
    gone = branches.loc[~branches["branch_id"].isin(posts["branch_id"])]
    b = gone["branch_id"].tolist()
    return pd.DataFrame(
        {
            "branch_id": b,
            "branch_type": gone["branch_type"].astype(str).tolist(),
            "rule": "staff",
            "required": 1.0,
            "actual": 0.0,
            "passed": False,
            "message": [f"FAIL - Branch {x}: no current staff." for x in b],
        },
        columns=_POST_COLUMNS,
    )


def _assumption(cfg: _Config) -> str:
    return (
        f"Benefit assumes +{cfg.points:g} satisfaction points a year (planning assumption: the "
        "source's plan, 65 % -> 75 % in year one), valued at "
        f"{cfg.yuan_per_point:,.0f} yuan per point per year (the scheme's "
        "staffing.yuan_per_satisfaction_point_per_year); it is not a measured effect of staffing. Added "
        "staff cost the salary per FTE; staff above the plan in other roles are credited the same salary "
        "as a saving once the roster is brought to plan."
    )


def _cost_benefit(plan: pd.DataFrame, branch_ids: Sequence[str], cfg: _Config) -> pd.DataFrame:
    # a role sized by a queue's required FTE adds staff for the service level; any other role
    # (minimum posts, the sales share, managed customers) for the post rules
    queue_role = plan["required_fte"].notna()
    add = plan.assign(
        extra=plan["change"].clip(lower=0),
        surplus=(-plan["change"]).clip(lower=0),
        extra_sl=plan["change"].clip(lower=0).where(queue_role, 0),
    )
    per = (
        add.groupby("branch_id")[["extra", "surplus", "extra_sl"]]
        .sum()
        .reindex(list(branch_ids), fill_value=0)
    )
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
            "extra_fte_service_level": per["extra_sl"].to_numpy(dtype=float),
            "extra_fte_posts": (per["extra"] - per["extra_sl"]).to_numpy(dtype=float),
            "surplus_fte": per["surplus"].to_numpy(dtype=float),
            "salary_per_fte_yuan_per_year": cfg.salary,
            "cost_yuan_per_year": cb["cost_yuan"].to_numpy(dtype=float),
            "satisfaction_points_assumed": cb["satisfaction_points"].to_numpy(dtype=float),
            "yuan_per_point_per_year": cfg.yuan_per_point,
            "benefit_yuan_per_year": cb["benefit_yuan"].to_numpy(dtype=float),
            "surplus_saving_yuan_per_year": per["surplus"].to_numpy(dtype=float) * cfg.salary,
            # the benefit, less the added staff, plus the staff the plan no longer needs
            "net_yuan_per_year": cb["net_yuan"].to_numpy(dtype=float)
            + per["surplus"].to_numpy(dtype=float) * cfg.salary,
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
    roles = set(grid["role"].unique())
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

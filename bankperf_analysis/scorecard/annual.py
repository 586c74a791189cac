"""The annual summary: a year's four quarters of scorecards, promotions and excellent branches.

The steps: score the quarters that have rows (:func:`~bankperf_analysis.scorecard.staff.staff_quarters`,
:func:`~bankperf_analysis.scorecard.branch.branch_quarters`); lay each person's quarterly
grades and composites side by side with the annual composite, grade, bonus total and
promotion flag; count the quarters with a reward, pay cut or re-check per branch; and mark the
excellent branches from their annual check means.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from bankperf_analysis._validation import check_period
from bankperf_analysis.scheme import BranchCheck, Scheme
from bankperf_analysis.scorecard._grid import branch_names, check_kpi_frame
from bankperf_analysis.scorecard.branch import branch_quarters, checks_available
from bankperf_analysis.scorecard.consequences import branch_consequences
from bankperf_analysis.scorecard.pay import StaffEvents, branch_cut_shares
from bankperf_analysis.scorecard.period_basis import scored_period_types
from bankperf_analysis.scorecard.results import AnnualSummary
from bankperf_analysis.scorecard.rules import assign_grades, edge, score_kpi_values
from bankperf_analysis.scorecard.staff import staff_quarters
from bankperf_analysis.scorecard.tenure import not_in_post_frame, tenure_of

__all__ = ["annual_summary"]

_QUARTERS = range(1, 5)

_STAFF_COLUMNS = [
    "staff_id",
    "staff_name",
    "branch_id",
    "branch_name",
    "region",
    "role",
    *[f"q{i}_grade" for i in _QUARTERS],
    *[f"q{i}_composite" for i in _QUARTERS],
    "n_graded_quarters",
    "n_excellent_quarters",
    "annual_composite",
    "annual_grade",
    "total_bonus_yuan",
    "promotion_candidate",
    "team_kpis",
    "total_deduction_yuan",
    "n_vetoed_quarters",
    "total_branch_cut_yuan",
]


def annual_summary(
    kpis: pd.DataFrame,
    scheme: Scheme,
    year: str | int,
    staff: pd.DataFrame | None = None,
    *,
    branches: pd.DataFrame | None = None,
    unavailable: Iterable[str] = (),
    employment: pd.DataFrame | None = None,
    events: StaffEvents | None = None,
) -> AnnualSummary:
    """Summarise a year: quarterly grades, annual grade, bonus, promotions, excellent branches.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame with the quarters of ``year`` (and the year rows of the check KPIs).
    scheme : Scheme
        The scheme (also gives the promotion rule and the excellent-branch rule).
    year : str or int
        The year, e.g. ``"2026"``.
    staff, branches, unavailable, employment, events : optional
        As in :func:`~bankperf_analysis.scorecard.score_staff` (for every quarter).

    Returns
    -------
    AnnualSummary

    Notes
    -----
    Only quarters with at least one staff (branch) row are scored. The annual composite is
    the mean of the quarterly composites that exist (quarters with a grade); the annual
    grade uses the same bands. A promotion candidate reached the promotion grade
    (excellent) in at least ``promotion.min_quarters`` (3) quarters. An excellent branch
    has an annual check mean >= 90 AND ranks in the top three by that mean. The annual
    mean is the year row of the KPI frame when present, else the quarters' n-weighted mean.

    Examples
    --------
    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> rows = [("staff", "S1", "lobby_manager", f"2026Q{q}", k, v)
    ...         for q in (1, 2, 3) for k, v in [("on_duty_rate", 1.0),
    ...         ("satisfaction_rate", 0.95), ("service_quality_score", 90.0),
    ...         ("complaint_count", 0.0), ("cross_sales_per_month", 6.0)]]
    >>> kpis = pd.DataFrame(rows, columns=["level", "entity_id", "role", "period", "kpi",
    ...                                    "value"]).assign(
    ...     branch_id="B1", region="North", period_type="quarter", n=50)
    >>> summ = annual_summary(kpis, load_scheme(), 2026)
    >>> summ.staff[["staff_id", "n_excellent_quarters", "annual_grade",
    ...             "total_bonus_yuan", "promotion_candidate"]].values.tolist()
    [['S1', 3, 'excellent', 6000.0, True]]
    """
    y, unavailable = str(check_period(year, "year", "annual_summary", kind="year")), tuple(unavailable)
    check_kpi_frame(kpis, "annual_summary")
    quarters = [f"{y}Q{i}" for i in _QUARTERS]
    qmask = (kpis["period_type"] == "quarter") & kpis["period"].isin(quarters)
    staff_qs = sorted(set(kpis.loc[qmask & (kpis["level"] == "staff"), "period"]))
    branch_qs = sorted(set(kpis.loc[qmask & (kpis["level"] == "branch"), "period"]))

    tenure = tenure_of(staff, employment, staff_qs)  # once: who is scored, and who is listed short
    people, _, _ = staff_quarters(kpis, scheme, staff_qs, staff, branches, unavailable, tenure, events)
    short = not_in_post_frame(tenure, scheme.scoring.min_days_in_post, staff, branches)
    bq, _, checks = branch_quarters(kpis, scheme, branch_qs, branches, unavailable)
    people["branch_cut_yuan"] = branch_cut_shares(people, checks, scheme)
    bro = _branch_counts(_annual_branch_roster(bq, kpis, y, branches), checks)
    bro = _annual_targets(_excellent_branches(bro, kpis, y, scheme), kpis, y, scheme)
    return AnnualSummary(
        y,
        _annual_staff(people, scheme),
        people.reset_index(drop=True),
        bro.reset_index().sort_values("branch_id", kind="stable").reset_index(drop=True),
        checks,
        scheme.params_hash(),
        scheme.name,
        checks_available(scheme, unavailable),
        scheme.grade_names[0],
        short,
    )


# ------------------------------------------------------------------ staff


def _annual_staff(people: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """One row per person: last-known details, quarterly grades and composites, the year's results."""
    people = people.assign(_q=people["period"].str[-1].astype(int))
    last = (
        people.sort_values("period", kind="stable")
        .drop_duplicates("staff_id", keep="last")
        .set_index("staff_id")[["staff_name", "branch_id", "branch_name", "region", "role", "team_kpis"]]
    )
    wide_g = people.pivot(index="staff_id", columns="_q", values="grade").reindex(columns=_QUARTERS)
    wide_c = people.pivot(index="staff_id", columns="_q", values="composite_score").reindex(columns=_QUARTERS)
    wide_g.columns = [f"q{i}_grade" for i in _QUARTERS]
    wide_c.columns = [f"q{i}_composite" for i in _QUARTERS]
    by = people.assign(_exc=people["grade"].eq(scheme.promotion.grade)).groupby("staff_id")
    agg = pd.DataFrame(
        {
            "n_graded_quarters": by["gradable"].sum().astype("int64"),
            "n_excellent_quarters": by["_exc"].sum().astype("int64"),
            "annual_composite": by["composite_score"].mean().round(scheme.scoring.composite_decimals),
            "total_bonus_yuan": by["bonus_yuan"].sum().astype(float),
            "total_deduction_yuan": by["deduction_yuan"].sum().astype(float),
            "n_vetoed_quarters": by["veto"].sum().astype("int64"),
            "total_branch_cut_yuan": by["branch_cut_yuan"].sum().astype(float),
        }
    )
    st = last.join(wide_g).join(wide_c).join(agg)
    st["annual_grade"] = assign_grades(st["annual_composite"], scheme)
    st["promotion_candidate"] = st["n_excellent_quarters"] >= scheme.promotion.min_quarters
    return (
        st.reset_index()[_STAFF_COLUMNS]
        .sort_values(["branch_id", "staff_id"], kind="stable")
        .reset_index(drop=True)
    )


# ------------------------------------------------------------------ branches


def _annual_branch_roster(
    bq: pd.DataFrame, kpis: pd.DataFrame, year: str, branches: pd.DataFrame | None
) -> pd.DataFrame:
    """Name and region per branch id (last quarter wins), plus branches known only from year rows."""
    bro = (
        bq.sort_values("period", kind="stable")
        .drop_duplicates("branch_id", keep="last")
        .set_index("branch_id")[["branch_name", "region"]]
    )
    # branches known only from year rows (e.g. a KPI frame of year totals)
    yr = kpis.loc[
        (kpis["level"] == "branch") & (kpis["period_type"] == "year") & (kpis["period"].astype(str) == year)
    ]
    yr = yr.assign(branch_id=yr["entity_id"].astype(str)).drop_duplicates("branch_id").set_index("branch_id")
    new = yr.index.difference(bro.index)
    if len(new):
        add = pd.DataFrame(
            {"branch_name": new.map(branch_names(branches)), "region": yr.loc[new, "region"].to_numpy()},
            index=new,
        )
        bro = pd.concat([bro, add])
    return bro


def _branch_counts(bro: pd.DataFrame, checks: pd.DataFrame) -> pd.DataFrame:
    """Add, per branch, the quarters of the year with each consequence (any check).

    The flags are :func:`~bankperf_analysis.scorecard.consequences.branch_consequences`,
    the ones the year's consequence counts add up, so these columns sum to those counts.
    """
    flags = branch_consequences(checks)
    cols = {f"{k}_quarters": k for k in ("reward", "pay_cut", "heavier_pay_cut", "recheck")}
    cnt = (
        flags.groupby("branch_id")[list(cols.values())].sum().rename(columns={v: k for k, v in cols.items()})
    )
    bro = bro.join(cnt)
    for c in cols:
        bro[c] = bro[c].fillna(0).astype("int64")
    return bro


def _excellent_branches(bro: pd.DataFrame, kpis: pd.DataFrame, year: str, scheme: Scheme) -> pd.DataFrame:
    """Per check with an excellent-branch rule: annual mean, n, rank and flag; then any-check flag."""
    excellent = pd.Series(False, index=bro.index)
    for check in scheme.branch_checks:
        rule = check.excellent_branch
        if rule is None:
            continue
        m = _annual_check_means(kpis, year, check, bro.index)
        eligible = m["mean"].notna() & (m["n"].fillna(0) >= check.min_n)
        keys = [bro["region"]] if check.rank_within == "region" else [pd.Series(0, index=bro.index)]
        rank = m["mean"].where(eligible).groupby(keys, dropna=False).rank(method="min", ascending=False)
        exc = eligible & (m["mean"] >= edge(rule.annual_mean_min)) & (rank <= rule.top_n)
        bro[f"{check.name}_annual_mean"] = m["mean"]
        bro[f"{check.name}_annual_n"] = m["n"].astype("Int64")
        bro[f"{check.name}_annual_rank"] = rank.astype("Int64")
        bro[f"{check.name}_excellent"] = exc.astype(bool)
        excellent = excellent | exc.astype(bool)
    bro["excellent_branch"] = excellent.astype(bool)
    return bro


def _annual_check_means(
    kpis: pd.DataFrame, year: str, check: BranchCheck, branch_ids: pd.Index
) -> pd.DataFrame:
    """Annual mean check score per branch.

    The year row if present, else the n-weighted mean of the quarterly rows
    (the mean over all checks of the year).
    """
    b = kpis.loc[(kpis["level"] == "branch") & (kpis["kpi"] == check.kpi)]
    yr = b.loc[(b["period_type"] == "year") & (b["period"].astype(str) == year)]
    yr = pd.DataFrame(
        {
            "branch_id": yr["entity_id"].astype(str),
            "mean": pd.to_numeric(yr["value"], errors="coerce").astype(float),
            "n": pd.to_numeric(yr["n"], errors="coerce").astype(float),
        }
    )
    yr = yr.dropna(subset=["mean"]).drop_duplicates("branch_id").set_index("branch_id")
    qs = b.loc[(b["period_type"] == "quarter") & b["period"].astype(str).str.startswith(year + "Q")]
    v = pd.to_numeric(qs["value"], errors="coerce").astype(float)
    n = pd.to_numeric(qs["n"], errors="coerce").astype(float).fillna(0.0)
    has = v.notna()
    tmp = pd.DataFrame(
        {
            "branch_id": qs["entity_id"].astype(str),
            "vn": (v * n).where(has, 0.0),
            "n": n.where(has, 0.0),
            "v": v,
        }
    )
    g = tmp.groupby("branch_id")
    n_sum = g["n"].sum()
    mean_q = (g["vn"].sum() / n_sum).where(n_sum > 0, g["v"].mean())
    fallback = pd.DataFrame({"mean": mean_q, "n": n_sum})
    return yr.combine_first(fallback).reindex(branch_ids)


def _annual_targets(bro: pd.DataFrame, kpis: pd.DataFrame, year: str, scheme: Scheme) -> pd.DataFrame:
    """Per branch KPI with a yearly target: the year's value, its n and status against the target.

    The year's value is the KPI's year row of the KPI frame (churn: customers lost in the
    year / customers on 1 January), never a mean of quarters: columns ``<kpi>_year``,
    ``<kpi>_year_n`` and ``<kpi>_year_status`` (``met``, ``below target``, ``insufficient
    data`` or ``no data``).
    """
    yearly = [r for r in scheme.branch.kpis if r.kpi in scored_period_types(scheme, [r.kpi])]
    for rule in yearly:
        b = kpis.loc[
            (kpis["level"] == "branch")
            & (kpis["kpi"] == rule.kpi)
            & (kpis["period_type"] == "year")
            & (kpis["period"].astype(str) == year)
        ]
        b = b.assign(branch_id=b["entity_id"].astype(str)).drop_duplicates("branch_id").set_index("branch_id")
        value = pd.to_numeric(b["value"], errors="coerce").astype(float).reindex(bro.index)
        n = pd.to_numeric(b["n"], errors="coerce").astype(float).reindex(bro.index)
        size = len(bro)
        _, status = score_kpi_values(
            value,
            n,
            [rule.target] * size,
            [rule.floor if rule.floor is not None else float("nan")] * size,
            [rule.direction] * size,
            [rule.rule] * size,
            [rule.min_n] * size,
        )
        bro[f"{rule.kpi}_year"] = value
        bro[f"{rule.kpi}_year_n"] = n.astype("Int64")
        bro[f"{rule.kpi}_year_status"] = status
    return bro

"""The branch scorecard: branch KPIs against branch targets, and the consequences of the checks.

Every branch check of the scheme (mystery shopper, video check...) is applied to every
branch of the quarter in steps: rank the eligible scores (within the bank or the
region), reward the top ones above the minimum, cut pay below the thresholds (the
heavier cut replaces the normal one), flag a re-check, and say why in words.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_period, warn
from bankperf_analysis.exceptions import BankPerfWarning, DataValidationError, ValidationIssue
from bankperf_analysis.scheme import BranchCheck, Scheme
from bankperf_analysis.scorecard._grid import (
    TEXT,
    KpiRows,
    aggregate,
    branch_names,
    build_grid,
    check_kpi_frame,
    join_by,
    known_pairs,
    kpi_rows,
    order_roster,
    regions,
    scored_kpi_rows,
    text,
    with_basis,
)
from bankperf_analysis.scorecard.period_basis import check_basis_rows, scored_period_types
from bankperf_analysis.scorecard.results import BranchScorecard
from bankperf_analysis.scorecard.rules import edge

__all__ = ["score_branches", "checks_available"]

_BRANCH_COLS = ["period", "branch_id", "branch_name", "region"]

#: Columns and dtypes of the ``checks`` frame (also of an empty one).
_CHECK_COLUMNS = {
    "period": object,
    "branch_id": object,
    "branch_name": object,
    "region": object,
    "check": object,
    "kpi": object,
    "score": float,
    "n": "Int64",
    "rank": "Int64",
    "n_ranked": "int64",
    "reward": bool,
    "pay_cut": object,
    "pay_cut_share": float,
    "recheck": bool,
    "reason": object,
}

#: Columns of a check copied into the branch rows as ``<check>_<column>``.
_WIDE_CHECK_COLUMNS = ["score", "n", "rank", "reward", "pay_cut", "pay_cut_share", "recheck"]


def score_branches(
    kpis: pd.DataFrame,
    scheme: Scheme,
    quarter: str,
    *,
    branches: pd.DataFrame | None = None,
    unavailable: Iterable[str] = (),
) -> BranchScorecard:
    r"""Score every branch for one quarter: KPIs vs branch targets, check consequences.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame; only branch rows of ``quarter`` are used.
    scheme : Scheme
        Branch targets (``branch.kpis``) and check rules (``branch_checks``).
    quarter : str
        The quarter, e.g. ``"2026Q3"``.
    branches : pandas.DataFrame, optional
        Branches table (``branch_id, branch_name, region``): names, and branches
        without KPI rows.
    unavailable : iterable of str, optional
        KPIs the dataset cannot compute (their table is absent or empty): status
        "not available", never zero-filled; a check on one of them says so and has no
        consequence.

    Returns
    -------
    BranchScorecard

    Notes
    -----
    Per check (default rules, source 003): rank in the top five AND score >= 90
    -> reward; score < 85 -> pay cut; < 80 -> heavier pay cut (instead of the
    normal one); < 85 -> re-check next period. Ranks are competition ranks
    (ties share the better rank) among branches with a score.

    Examples
    --------
    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> kpis = pd.DataFrame({
    ...     "level": "branch", "entity_id": ["B1", "B2", "B3"], "branch_id": ["B1", "B2", "B3"],
    ...     "region": "North", "role": None, "period_type": "quarter", "period": "2026Q3",
    ...     "kpi": "mystery_shopper_score", "value": [92.0, 84.99, 80.0], "n": 1})
    >>> card = score_branches(kpis, load_scheme(), "2026Q3")
    >>> ms = card.checks[card.checks["check"] == "mystery_shopper"]
    >>> ms[["branch_id", "rank", "reward", "pay_cut", "recheck"]].values.tolist()
    [['B1', 1, True, 'none', False], ['B2', 2, False, 'cut', True], ['B3', 3, False, 'cut', True]]
    >>> ms["reason"].iloc[1]
    'Mystery shopper 84.99 (rank 2 of 3): below 85 -> pay cut (5 % of branch performance pay); below 85 -> re-check next period.'
    """  # noqa: E501
    q = str(check_period(quarter, "quarter", "score_branches"))
    unavailable = tuple(unavailable)
    check_kpi_frame(kpis, "score_branches")
    out, kpi_frame, checks = branch_quarters(kpis, scheme, [q], branches, unavailable)
    if not len(out):
        warn(f"The KPI frame has no branch rows for quarter {q}.", BankPerfWarning)
    available = checks_available(scheme, unavailable)
    return BranchScorecard(q, out, kpi_frame, checks, scheme.params_hash(), scheme.name, available)


def checks_available(scheme: Scheme, unavailable: Iterable[str] = ()) -> bool:
    """False when every branch check of the scheme lacks data (its KPI is unavailable)."""
    missing = frozenset(unavailable)
    return not scheme.branch_checks or any(c.kpi not in missing for c in scheme.branch_checks)


def branch_quarters(kpis, scheme: Scheme, periods: Sequence[str], branches, unavailable: Iterable[str] = ()):
    """Score branches over one or more quarters; return (branches, kpi rows, checks)."""
    rules = scheme.rules_frame()
    rules = with_basis(rules.loc[rules["role"] == "__branch__"].reset_index(drop=True), scheme)
    # yearly targets are compared with the year-to-date (or annualised) row, never the quarter
    ptypes = scored_period_types(scheme, rules["kpi"])
    check_basis_rows(kpis, ptypes, "branch", periods, "score_branches")
    rows = kpi_rows(kpis, "branch", periods, ptypes)
    roster, row_pid = _branch_roster(kpis, rows, periods, branches)
    missing = frozenset(unavailable)
    grid = build_grid(np.full(len(roster), "__branch__", dtype=object), rules, rows, row_pid, missing)
    agg = aggregate(grid, rules, len(roster), scheme)
    out = pd.concat([roster, agg[["composite_score", "n_kpis_met", "n_kpis_below_target"]]], axis=1)
    if not len(rules):  # no branch KPIs in the scheme: nothing to count
        out[["n_kpis_met", "n_kpis_below_target"]] = np.nan

    checks = [_check_results(roster, rows.frame(c.kpi), c, c.kpi in missing) for c in scheme.branch_checks]
    checks_df = pd.concat(checks, ignore_index=True) if checks else _empty_checks()
    out = _with_check_columns(out, scheme.branch_checks, checks, checks_df)
    return out, scored_kpi_rows(roster, _BRANCH_COLS, grid, rules), checks_df


def _branch_roster(kpis, rows: KpiRows, periods: Sequence[str], branches):
    """One row per (quarter, branch): from the KPI rows, plus the branches table's branches."""
    pre = rows.first_rows(["period", "entity_id", "region"]).rename(columns={"entity_id": "branch_id"})
    if branches is not None:
        if "branch_id" not in branches.columns:
            raise DataValidationError(
                [ValidationIssue("branches", "", None, "branch_id", "", "a column of the branches table")]
            )
        ids = pd.Index(branches["branch_id"].astype(TEXT).drop_duplicates())
        pairs, known = known_pairs(rows, periods, ids)
        if (~known).any():
            extra = pd.DataFrame({"period": pairs[~known, 0], "branch_id": pairs[~known, 1]})
            extra["region"] = regions(extra["branch_id"], pre, kpis, branches)
            pre = pd.concat([pre, extra.astype(TEXT)], ignore_index=True)
    roster, row_pid = order_roster(pre, ["period", "branch_id"], rows)
    roster["branch_name"] = text(roster["branch_id"].map(branch_names(branches)))
    return roster[_BRANCH_COLS], row_pid


def _with_check_columns(
    out: pd.DataFrame,
    branch_checks: Sequence[BranchCheck],
    checks: list[pd.DataFrame],
    checks_df: pd.DataFrame,
) -> pd.DataFrame:
    """Add each check's ``<check>_<column>`` and the totals over checks to the branch rows."""
    keys = ["branch_id", "period"]
    for check, c in zip(branch_checks, checks, strict=True):
        name = check.name
        wide = c[["period", "branch_id", *_WIDE_CHECK_COLUMNS]].rename(
            columns=lambda col, nm=name: col if col in keys else f"{nm}_{col}"
        )
        out = out.merge(wide, on=keys, how="left")
    if not len(checks_df):
        return out.assign(reward=False, pay_cut_share_total=0.0, recheck=False, reason="")
    per = checks_df.groupby(keys, sort=False).agg(
        reward=("reward", "any"), pay_cut_share_total=("pay_cut_share", "sum"), recheck=("recheck", "any")
    )
    per["reason"] = join_by(checks_df, keys, "reason", " ")
    return out.merge(per.reset_index(), on=keys, how="left")


def _empty_checks() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=d) for c, d in _CHECK_COLUMNS.items()})


# ------------------------------------------------------------------ one check


@dataclass(frozen=True)
class _Outcome:
    """One check's result for every branch row (numpy arrays of the roster's length)."""

    score: np.ndarray
    n: np.ndarray  # checks behind the score (0 when none)
    eligible: np.ndarray  # a score on at least min_n checks
    rank: np.ndarray  # competition rank among the eligible (NaN when not eligible)
    n_ranked: np.ndarray  # eligible branches in the ranking group
    high_enough: np.ndarray  # reaches the reward's minimum score
    reward: np.ndarray
    heavier: np.ndarray  # heavier pay cut
    cut: np.ndarray  # normal pay cut (not when heavier)
    recheck: np.ndarray


def _check_results(
    roster: pd.DataFrame, sub: pd.DataFrame, check: BranchCheck, unavailable: bool = False
) -> pd.DataFrame:
    """Apply one branch check's rules to every branch of the roster (vectorised).

    ``unavailable``: the dataset has no data for the check's KPI at all (its table is
    absent or empty); the reason says so.
    """
    vals = sub.loc[sub["kpi"] == check.kpi, ["entity_id", "period", "value", "n"]].rename(
        columns={"entity_id": "branch_id", "value": "score"}
    )
    r = roster[_BRANCH_COLS].merge(vals, on=["branch_id", "period"], how="left")
    if not len(r):
        return _empty_checks()
    o = _outcome(r, check)
    pay_cut = np.select([o.heavier, o.cut], ["heavier_cut", "cut"], "none").astype(object)
    share = np.select(
        [o.heavier, o.cut],
        [
            check.heavier_pay_cut.share if check.heavier_pay_cut else 0.0,
            check.pay_cut.share if check.pay_cut else 0.0,
        ],
        0.0,
    )
    return pd.DataFrame(
        {
            "period": r["period"],
            "branch_id": r["branch_id"],
            "branch_name": r["branch_name"],
            "region": r["region"],
            "check": check.name,
            "kpi": check.kpi,
            "score": o.score,
            "n": r["n"].astype("Int64"),
            "rank": pd.array(np.where(o.eligible, o.rank, np.nan), dtype="Int64"),
            "n_ranked": o.n_ranked.astype("int64"),
            "reward": o.reward,
            "pay_cut": pay_cut,
            "pay_cut_share": share,
            "recheck": o.recheck,
            "reason": _reason(check, o, unavailable),
        }
    )


def _outcome(r: pd.DataFrame, check: BranchCheck) -> _Outcome:
    """Rank, reward, pay cuts and re-check of every branch row ``r`` (with ``score`` and ``n``)."""
    score = r["score"].to_numpy(float)
    n = np.nan_to_num(r["n"].to_numpy(float), nan=0.0)
    eligible = ~np.isnan(score) & (n >= check.min_n)
    rank, n_ranked = _rank(r, score, eligible, check)

    def below(threshold: float | None) -> np.ndarray:
        if threshold is None:
            return np.zeros(len(r), dtype=bool)
        return eligible & (score < edge(threshold))

    if check.reward is not None:
        high_enough = eligible & (score >= edge(check.reward.min_score))
        reward = high_enough & (rank <= check.reward.top_n)
    else:
        high_enough = np.zeros(len(r), dtype=bool)
        reward = high_enough
    heavier = below(check.heavier_pay_cut.below if check.heavier_pay_cut else None)
    cut = below(check.pay_cut.below if check.pay_cut else None) & ~heavier
    recheck = below(check.recheck_below)
    return _Outcome(score, n, eligible, rank, n_ranked, high_enough, reward, heavier, cut, recheck)


def _rank(
    r: pd.DataFrame, score: np.ndarray, eligible: np.ndarray, check: BranchCheck
) -> tuple[np.ndarray, np.ndarray]:
    """Competition rank (best = 1) of each eligible score per period (and region), and the group size."""
    keys = ["period"] + (["region"] if check.rank_within == "region" else [])
    ranked = r.assign(_s=np.where(eligible, score, np.nan), _e=eligible)
    groups = ranked.groupby(keys, sort=False, dropna=False)
    rank = groups["_s"].rank(method="min", ascending=False).to_numpy(float)
    n_ranked = groups["_e"].transform("sum").to_numpy()
    return rank, n_ranked


def _fmt(x: np.ndarray, spec: str) -> pd.Series:
    """Format floats with a printf spec, vectorised; NaN gives ""."""
    x = np.asarray(x, dtype=float)
    out = np.char.mod(spec, np.nan_to_num(x)).astype(object)
    out[np.isnan(x)] = ""
    return pd.Series(out)


def _consequences(check: BranchCheck, o: _Outcome) -> list[tuple[np.ndarray, str]]:
    """Each consequence of the check in words, with the rows it applies to (in reason order)."""
    said: list[tuple[np.ndarray, str]] = []
    if check.reward is not None:
        top, mins = check.reward.top_n, f"{check.reward.min_score:g}"
        said.append((o.reward, f"top {top} and >= {mins} -> reward"))
        said.append((o.high_enough & ~o.reward, f">= {mins} but not in the top {top} -> no reward"))
    if check.heavier_pay_cut is not None:
        hc = check.heavier_pay_cut
        said.append(
            (
                o.heavier,
                f"below {hc.below:g} -> heavier pay cut ({hc.share * 100:g} % of branch performance pay)",
            )
        )
    if check.pay_cut is not None:
        c = check.pay_cut
        said.append((o.cut, f"below {c.below:g} -> pay cut ({c.share * 100:g} % of branch performance pay)"))
    if check.recheck_below is not None:
        said.append((o.recheck, f"below {check.recheck_below:g} -> re-check next period"))
    return said


def _reason(check: BranchCheck, o: _Outcome, unavailable: bool = False) -> np.ndarray:
    """The reason in words: score, rank and every consequence, or why the branch is not ranked."""
    label = check.name.replace("_", " ").capitalize()
    s_txt = _fmt(o.score, "%.2f")
    base = (
        label
        + " "
        + s_txt
        + " (rank "
        + _fmt(o.rank, "%.0f")
        + " of "
        + pd.Series(o.n_ranked).astype(int).astype(str)
        + ")"
    )
    extra = pd.Series("", index=range(len(o.score)), dtype=object)
    for cond, words in _consequences(check, o):
        extra = extra + np.where(cond, "; " + words, "")
    extra = extra.str.replace(r"^; ", ": ", regex=True)
    n_txt = pd.Series(o.n).astype(int).astype(str)
    not_eligible = np.where(
        np.isnan(o.score),
        label + (": not available (no data table)" if unavailable else ": no score in the period"),
        label + " " + s_txt + ": insufficient checks (n=" + n_txt + f" < {check.min_n})",
    )
    return np.where(o.eligible, base + extra + ".", pd.Series(not_eligible) + ".")

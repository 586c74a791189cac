"""The staff scorecard: every person of a quarter scored, graded, paid a bonus, given training needs.

The steps (:func:`staff_quarters`, shared with the annual summary): the roster of people
per quarter (from the KPI rows, plus the staff table's people without any), the grid of
people x the KPI rules of their role (:mod:`bankperf_analysis.scorecard._grid`), the
composite, grade and bonus, the training needs (KPIs below target, weakest first) and a
note in words for whoever is not scored, not graded or re-weighted. The rules themselves
are in :mod:`bankperf_analysis.scorecard.rules`.

Examples
--------
>>> import pandas as pd
>>> from bankperf_analysis.scheme import load_scheme
>>> scheme = load_scheme()
>>> staff_rows = pd.DataFrame({
...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
...     "role": "customer_service_rep", "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["satisfaction_rate", "response_time_seconds", "service_level",
...             "resolution_rate", "complaint_closed_on_time_rate", "cross_sales_per_month"],
...     "value": [0.90, 60.0, 0.99, 0.95, 1.0, 5.0], "n": 100})
>>> branch_rows = pd.DataFrame({
...     "level": "branch", "entity_id": "B1", "branch_id": "B1", "region": "North", "role": None,
...     "period_type": "quarter", "period": "2026Q3",
...     "kpi": ["response_time_seconds", "service_level"], "value": [180.0, 0.80], "n": 900})
>>> card = score_staff(pd.concat([staff_rows, branch_rows]), scheme, "2026Q3")
>>> card.people[["staff_id", "composite_score", "grade", "team_kpis"]]
  staff_id  composite_score      grade                             team_kpis
0       S1             94.0  excellent  response_time_seconds; service_level
>>> card.kpis.loc[card.kpis["scored_on"] == "team", ["kpi", "value", "n", "score"]]
                     kpi  value    n  score
1  response_time_seconds  180.0  900  100.0
2          service_level    0.8  900   40.0

The representative's own service level (99 %) is not scored: service level and response
time are queue outcomes, scored on the team's (branch's) value (``scored_on: team``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_period, warn
from bankperf_analysis.exceptions import BankPerfWarning, DataValidationError, ValidationIssue
from bankperf_analysis.scheme import Scheme
from bankperf_analysis.scorecard._grid import (
    TEXT,
    Grid,
    KpiRows,
    aggregate,
    branch_names,
    build_grid,
    check_kpi_frame,
    join_text,
    known_pairs,
    kpi_rows,
    order_roster,
    regions,
    scored_kpi_rows,
    text,
    with_basis,
)
from bankperf_analysis.scorecard._team import team_kpis, team_rows
from bankperf_analysis.scorecard.pay import PAY_COLUMNS, StaffEvents, apply_pay_rules, bonus_pools
from bankperf_analysis.scorecard.period_basis import check_basis_rows, scored_period_types
from bankperf_analysis.scorecard.results import StaffScorecard
from bankperf_analysis.scorecard.rules import STATUS_BELOW
from bankperf_analysis.scorecard.tenure import not_in_post_frame, pair_isin, pair_lookup, tenure_of

__all__ = ["score_staff"]

STAFF_COLS = ["period", "staff_id", "staff_name", "branch_id", "branch_name", "region", "role"]

_PEOPLE_COLS = [
    *STAFF_COLS,
    "n_kpis",
    "n_kpis_scored",
    "n_kpis_met",
    "n_kpis_below_target",
    "scored_weight_share",
    "reweighted",
    "composite_score",
    "gradable",
    "grade",
    "bonus_yuan",
    "excluded_kpis",
    "training_needs",
    "note",
    "days_in_post",
    "days_by_branch",
    "team_kpis",
    *PAY_COLUMNS,
]


def score_staff(
    kpis: pd.DataFrame,
    scheme: Scheme,
    quarter: str,
    staff: pd.DataFrame | None = None,
    *,
    branches: pd.DataFrame | None = None,
    unavailable: Iterable[str] = (),
    employment: pd.DataFrame | None = None,
    events: StaffEvents | None = None,
) -> StaffScorecard:
    """Score every person in post for one quarter.

    Parameters
    ----------
    kpis : pandas.DataFrame
        The KPI frame of ``metrics.compute_kpis`` (columns ``level, entity_id,
        branch_id, region, role, period_type, period, kpi, value, n``...). Only
        staff rows of ``quarter`` are used.
    scheme : Scheme
        Targets, weights, bands and money (:func:`~bankperf_analysis.scheme.load_scheme`).
    quarter : str
        The quarter, e.g. ``"2026Q3"``.
    staff : pandas.DataFrame, optional
        Staff table (``staff_id, staff_name, branch_id, role``). Adds names, and
        lists people without any KPI row (they get "no data" and no grade).
    branches : pandas.DataFrame, optional
        Branches table (``branch_id, branch_name, region``) for branch names.
    unavailable : iterable of str, optional
        KPIs the dataset cannot compute because their table is absent or empty
        (:func:`~bankperf_analysis.metrics.compute.unavailable_kpis`). They get status
        "not available", not scored (re-weighted), an event count never filled with 0.
    employment, events : optional
        The assignment history (else ``staff``'s dates; who is scored, :mod:`.tenure`); the
        adjustments and veto evidence (:mod:`~bankperf_analysis.scorecard.pay`; None: none).

    Returns
    -------
    StaffScorecard

    Raises
    ------
    ParamsError, DataValidationError
        ``quarter`` not a quarter; columns missing or a (person, quarter, KPI) twice.

    Examples
    --------
    A representative with 29 satisfaction surveys (minimum 30): satisfaction is
    reported but not scored, and the other KPIs are re-weighted.

    >>> import pandas as pd
    >>> from bankperf_analysis.scheme import load_scheme
    >>> kpis = pd.DataFrame({
    ...     "level": "staff", "entity_id": "S1", "branch_id": "B1", "region": "North",
    ...     "role": "customer_service_rep", "period_type": "quarter", "period": "2026Q3",
    ...     "kpi": ["satisfaction_rate", "response_time_seconds", "service_level",
    ...             "resolution_rate", "complaint_closed_on_time_rate",
    ...             "cross_sales_per_month"],
    ...     "value": [0.95, 180.0, 0.95, 0.95, 1.0, 2.5],
    ...     "n": [29, 100, 100, 100, 4, 3]})
    >>> card = score_staff(kpis, load_scheme(), "2026Q3")
    >>> row = card.people.iloc[0]
    >>> float(row["composite_score"]), row["grade"], bool(row["reweighted"])
    (80.0, 'good', True)
    >>> row["excluded_kpis"].split("; ")[0]  # then the team KPIs: no branch row here, so no data
    'satisfaction_rate (insufficient data: n=29 < 30)'
    >>> card.training[["kpi", "topic_en"]].values.tolist()
    [['cross_sales_per_month', 'Product marketing and cross-selling']]

    """
    q = str(check_period(quarter, "quarter", "score_staff"))
    check_kpi_frame(kpis, "score_staff")
    tenure = tenure_of(staff, employment, [q])  # once: who is scored, and who is listed short
    people, kpi, training = staff_quarters(kpis, scheme, [q], staff, branches, unavailable, tenure, events)
    if not len(people):
        warn(f"The KPI frame has no staff rows for quarter {q}.", BankPerfWarning)
    short = not_in_post_frame(tenure, scheme.scoring.min_days_in_post, staff, branches)
    return _card(q, (people, kpi, training), scheme, short, events)


def _card(q: str, frames: tuple, scheme: Scheme, short: pd.DataFrame, events: StaffEvents | None):
    """The staff scorecard of quarter ``q``: the frames, the scheme's facts, the bonus pools."""
    h, channels = scheme.params_hash(), dict(scheme.definitions.channels)
    pools = bonus_pools(frames[0], scheme) if scheme.money.rule and scheme.money.rule.pool else None
    skipped = dict(events.not_evaluated) if events is not None else {}
    people, kpi, training = frames
    return StaffScorecard(
        q, people, kpi, training, h, scheme.name, scheme.grade_names, channels, short, pools, skipped
    )


def staff_quarters(
    kpis,
    scheme: Scheme,
    periods: Sequence[str],
    staff,
    branches,
    unavailable: Iterable[str] = (),
    tenure: pd.DataFrame | None = None,
    events: StaffEvents | None = None,
):
    """Score staff over one or more quarters; return (people, kpi rows, training).

    ``tenure``: the quarters' days in post (:func:`~bankperf_analysis.scorecard.tenure.tenure_of`
    of the assignment history, else of the staff table's dates; the caller computes it once
    and lists the people in post too briefly from it). With it, only the people in post at
    least ``scoring.min_days_in_post`` days of a quarter are scored in it; None: everyone.
    """
    scored = None
    rules = scheme.rules_frame()
    rules = rules.loc[rules["scored"] & (rules["role"] != "__branch__")].reset_index(drop=True)
    rules = with_basis(rules, scheme)
    ptypes = scored_period_types(scheme, rules["kpi"].unique())  # yearly targets (none by default)
    check_basis_rows(kpis, ptypes, "staff", periods, "score_staff")
    rows = kpi_rows(kpis, "staff", periods, ptypes)
    if tenure is not None:
        scored = tenure.loc[tenure["days_in_post"] >= scheme.scoring.min_days_in_post].reset_index(drop=True)
        rows = _rows_in_post(kpis, rows, scored, periods, ptypes)
    roster, row_pid = _staff_roster(kpis, rows, periods, staff, branches, scored)
    _warn_unknown_roles(roster, scheme)

    team = team_rows(kpis, periods, roster) if (rules["scored_on"] == "team").any() else None
    roles = roster["role"].to_numpy(dtype=object)
    grid = build_grid(roles, rules, rows, row_pid, frozenset(unavailable), team)
    people = pd.concat([roster, aggregate(grid, rules, len(roster), scheme)], axis=1)
    people = apply_pay_rules(people, scheme, events)  # adjustments, grade, veto, bonus, deduction
    training, people["training_needs"] = _training_needs(roster, grid, rules, scheme)
    people["note"] = _staff_notes(people, scheme)
    _add_days(people, scored)
    kpi_frame = scored_kpi_rows(roster, STAFF_COLS, grid, rules)
    people["team_kpis"], scored_on = team_kpis(grid, rules, len(roster))
    kpi_frame.insert(kpi_frame.columns.get_loc("kpi") + 1, "scored_on", scored_on)
    return people[_PEOPLE_COLS], kpi_frame, training


# ------------------------------------------------------------------ the roster


def _rows_in_post(
    kpis, rows: KpiRows, scored: pd.DataFrame, periods: Sequence[str], ptypes: dict[str, str]
) -> KpiRows:
    """The KPI rows of the people scored in each quarter (in post long enough); the others dropped."""
    n_ent = max(len(rows.entity_names), 1)
    ent = rows.entity_names.to_numpy(dtype=object)[rows.pair_keys % n_ent]
    per = rows.period_names.to_numpy(dtype=object)[rows.pair_keys // n_ent]
    ok = pair_isin(per, ent, scored["period"], scored["staff_id"])
    if ok.all():
        return rows
    drop = np.zeros(len(kpis), dtype=bool)
    drop[rows.idx[~ok[rows.pair]]] = True
    return kpi_rows(kpis.loc[~drop], "staff", periods, ptypes)


def _add_days(people: pd.DataFrame, scored: pd.DataFrame | None) -> None:
    """Days in post and days per branch of each person scored (empty without a history)."""
    if scored is None:
        people["days_in_post"] = pd.array([pd.NA] * len(people), dtype="Int64")
        people["days_by_branch"] = text([""] * len(people))
        return
    at = pair_lookup(people["period"], people["staff_id"], scored["period"], scored["staff_id"])
    people["days_in_post"] = pd.array(scored["days_in_post"].to_numpy()[at], dtype="Int64")
    people["days_by_branch"] = text(scored["days_by_branch"].to_numpy(dtype=object)[at])


def _in_post_attributes(roster: pd.DataFrame, scored: pd.DataFrame, kpis, branches) -> None:
    """Each person's branch and role in a quarter: those of their last assignment in it."""
    at = pair_lookup(roster["period"], roster["staff_id"], scored["period"], scored["staff_id"])
    roster["branch_id"] = text(scored["branch_id"].to_numpy(dtype=object)[at])
    roster["role"] = text(scored["role"].to_numpy(dtype=object)[at])
    roster["region"] = regions(roster["branch_id"], roster, kpis, branches)


def _staff_roster(kpis, rows: KpiRows, periods: Sequence[str], staff, branches, scored=None):
    """One row per (quarter, person): from the KPI rows, plus the staff table's people (in post)."""
    pre = rows.first_rows(["period", "entity_id", "branch_id", "region", "role"]).rename(
        columns={"entity_id": "staff_id"}
    )
    names = pd.Series(dtype=object)
    if staff is not None:
        st = _staff_table(staff)
        if "staff_name" in st.columns:
            names = pd.Series(st["staff_name"].to_numpy(), index=st["staff_id"].to_numpy())
        if pre["role"].isna().any():
            role_of = pd.Series(st["role"].to_numpy(), index=st["staff_id"].to_numpy())
            pre["role"] = pre["role"].fillna(pre["staff_id"].map(role_of)).astype(TEXT)
        pre = _add_people_without_rows(pre, st, rows, periods, kpis, branches, scored)
    if scored is not None:
        _in_post_attributes(pre, scored, kpis, branches)
    roster, row_pid = order_roster(pre, ["period", "branch_id", "staff_id"], rows)
    roster["staff_name"] = text(roster["staff_id"].map(names)) if len(names) else text([None] * len(roster))
    roster["branch_name"] = text(roster["branch_id"].map(branch_names(branches)))
    return roster[STAFF_COLS], row_pid


def _staff_table(staff: pd.DataFrame) -> pd.DataFrame:
    """The staff table checked for its key columns, ids as text, one row per person."""
    need = {"staff_id", "branch_id", "role"}
    if not need <= set(staff.columns):
        raise DataValidationError(
            ValidationIssue("staff", "", None, c, "", "a column of the staff table")
            for c in sorted(need - set(staff.columns))
        )
    st = staff.assign(staff_id=staff["staff_id"].astype(TEXT), branch_id=staff["branch_id"].astype(TEXT))
    return st.drop_duplicates("staff_id").reset_index(drop=True)


def _add_people_without_rows(
    pre: pd.DataFrame,
    st: pd.DataFrame,
    rows: KpiRows,
    periods: Sequence[str],
    kpis,
    branches,
    scored: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Append the staff table's people that have no KPI row in a quarter (after the KPI pairs).

    With a history (``scored``), only the people scored in that quarter (in post long enough).
    """
    pairs, known = known_pairs(rows, periods, pd.Index(st["staff_id"]))
    if scored is not None:
        known |= ~pair_isin(pairs[:, 0], pairs[:, 1], scored["period"], scored["staff_id"])
    if not (~known).any():
        return pre
    idx = np.tile(np.arange(len(st)), len(periods))[~known]
    extra = pd.DataFrame(
        {
            "period": pairs[~known, 0],
            "staff_id": st["staff_id"].to_numpy()[idx],
            "branch_id": st["branch_id"].to_numpy()[idx],
            "role": st["role"].to_numpy()[idx],
        }
    )
    extra["region"] = regions(extra["branch_id"], pre, kpis, branches)
    return pd.concat([pre, extra[pre.columns].astype(TEXT)], ignore_index=True)


def _warn_unknown_roles(roster: pd.DataFrame, scheme: Scheme) -> None:
    unknown = sorted(set(roster["role"].dropna().unique()) - {r.name for r in scheme.roles})
    if unknown:
        warn(
            f"Staff with role(s) {', '.join(unknown)} have no entry under 'roles' in "
            f"{scheme.source}; they are listed but not scored.",
            BankPerfWarning,
        )


# ------------------------------------------------------------------ training and notes


def _training_needs(roster: pd.DataFrame, grid: Grid, rules: pd.DataFrame, scheme: Scheme):
    """The training list (KPIs below target, weakest first) and each person's needs in words.

    Weakest first: lowest score, then larger weight, then the scheme's KPI order; people
    in (period, staff_id) order. Only KPIs scored on the person's own value: a team value
    below target (the branch's service level) is the queue's and its staffing's, not a
    personal training need.
    """
    own = rules["scored_on"].to_numpy(dtype=object)[grid.rid] == "own"
    below = np.flatnonzero((grid.status == STATUS_BELOW) & own)
    ps_rank = np.empty(len(roster), dtype=np.int64)
    ps_rank[roster.sort_values(["period", "staff_id"], kind="stable").index.to_numpy()] = np.arange(
        len(roster)
    )
    rid, pid = grid.rid[below], grid.pid[below]
    weight = rules["weight"].to_numpy(float)[rid]
    sel = below[np.lexsort((rules["order"].to_numpy()[rid], -weight, grid.score[below], ps_rank[pid]))]
    rid, pid = grid.rid[sel], grid.pid[sel]
    topics = [scheme.training_topic(k) for k in rules["kpi"]]
    topic_en = np.array([t.en for t in topics], dtype=object)
    topic_zh = np.array([t.zh for t in topics], dtype=object)
    training = pd.concat(
        [
            roster[STAFF_COLS].take(pid).reset_index(drop=True),
            pd.DataFrame(
                {
                    "priority": pd.Series(pid).groupby(pid, sort=False).cumcount().to_numpy(np.int64) + 1,
                    "kpi": rules["kpi"].astype(TEXT).array.take(rid),
                    "value": grid.value[sel],
                    "target": rules["target"].to_numpy(float)[rid],
                    "score": grid.score[sel],
                    "weight": rules["weight"].to_numpy(float)[rid],
                    "topic_en": text(topic_en[rid]).array,
                    "topic_zh": text(topic_zh[rid]).array,
                }
            ),
        ],
        axis=1,
    )
    # the needs in words: each topic once, in priority order
    first_topic = ~pd.DataFrame({"p": pid, "t": topic_en[rid]}).duplicated().to_numpy()
    needs = text(join_text(pid[first_topic], topic_en[rid][first_topic], "; ", len(roster)))
    return training, needs


def _staff_notes(people: pd.DataFrame, scheme: Scheme) -> pd.Series:
    """Why a person is not scored, not graded or re-weighted, in words (first reason wins)."""
    role = people["role"].astype(TEXT).fillna("nan").astype(object).to_numpy()
    share = people["scored_weight_share"].to_numpy(float)

    def share_pct(m: np.ndarray) -> np.ndarray:
        x = share[m] * 100
        return np.where(np.isnan(x), "<NA>", np.char.mod("%.0f", np.nan_to_num(x))).astype(object)

    min_share = f"{scheme.scoring.min_scorable_weight_share * 100:g} %"
    excluded = people["excluded_kpis"].astype(object).to_numpy()
    n_sc = people["n_kpis_scored"].to_numpy()
    n_k = people["n_kpis"].to_numpy()
    in_scheme = np.isin(role, [r.name for r in scheme.roles])
    scored_role = np.isin(role, list(scheme.scored_roles))
    rules = [
        (~in_scheme, lambda m: "Not scored: role '" + role[m] + "' has no entry in the scheme."),
        (~scored_role, lambda m: "Not scored: role '" + role[m] + "' is not scored individually."),
        (
            n_sc == 0,
            lambda m: "Insufficient data to grade: no KPI could be scored; not scored: " + excluded[m] + ".",
        ),
        (
            ~people["gradable"].to_numpy(),
            lambda m: (
                "Insufficient data to grade: "
                + share_pct(m)
                + " % of the weight scorable (minimum "
                + min_share
                + "); not scored: "
                + excluded[m]
                + "."
            ),
        ),
        (
            people["reweighted"].to_numpy(),
            lambda m: (
                "Re-weighted over "
                + n_sc[m].astype(str).astype(object)
                + " of "
                + n_k[m].astype(str).astype(object)
                + " KPIs ("
                + share_pct(m)
                + " % of the weight scorable); not scored: "
                + excluded[m]
                + "."
            ),
        ),
    ]
    note = np.full(len(people), "", dtype=object)
    left = np.ones(len(people), dtype=bool)
    for cond, make in rules:
        m = left & cond
        if m.any():
            note[m] = make(m)
        left &= ~m
    return text(note)

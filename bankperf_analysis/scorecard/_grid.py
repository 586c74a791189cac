"""The integer-keyed scoring grid shared by the staff and branch scorecards.

The scorecards key every (entity, quarter) by its row in the roster (an integer "pid")
and every KPI rule by its row in the rules frame (a "rid"). Joins, group sums and sorts
then run on integer arrays (``Index.get_indexer``, ``np.bincount``). Written by hand
because pandas merges keyed on strings were the slowest part of a quarter scorecard: on
a 20,000-staff bank they took longer than all non-contact KPIs together (Arrow string
take/factorize per merge; benchmarks/bench_kpis.py).

The steps, in order: :func:`kpi_rows` codes the KPI frame's rows of one level;
the caller builds its roster and :func:`order_roster` sorts it; :func:`build_grid`
crosses every roster row with the rules of its role and scores each cell;
:func:`aggregate` sums per roster row; :func:`scored_kpi_rows` lays the grid out as
the scorecard's ``kpis`` frame.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_frame
from bankperf_analysis.exceptions import DataValidationError, ValidationIssue
from bankperf_analysis.scheme import KNOWN_KPIS, Scheme
from bankperf_analysis.scorecard.period_basis import basis_of
from bankperf_analysis.scorecard.rules import (
    STATUS_BELOW,
    STATUS_INSUFFICIENT,
    STATUS_MET,
    STATUS_NOT_AVAILABLE,
    TOL,
    score_kpi_values,
)

if TYPE_CHECKING:  # pragma: no cover
    from bankperf_analysis.scorecard._team import TeamRows

#: Columns a KPI frame must have to be scored.
KPI_COLUMNS = (
    "level",
    "entity_id",
    "branch_id",
    "region",
    "role",
    "period_type",
    "period",
    "kpi",
    "value",
    "n",
)

#: Columns of a scored KPI row, after the entity columns (staff and branch scorecards).
SCORED_KPI_COLUMNS: tuple[str, ...] = (
    "kpi",
    "value",
    "n",
    "min_n",
    "target",
    "basis",
    "floor",
    "direction",
    "rule",
    "status",
    "score",
    "weight",
    "effective_weight",
    "contribution",
    "reweighted",
    "zero_filled",
)

TEXT = "str"  # pandas' default string dtype: every text column of a scorecard

_ZERO_IF_ABSENT = frozenset(k for k, info in KNOWN_KPIS.items() if info.zero_if_absent)


def text(values) -> pd.Series:
    """``values`` as a Series of the scorecards' text dtype."""
    return pd.Series(values).astype(TEXT)


def check_kpi_frame(kpis: pd.DataFrame, owner: str) -> None:
    """Refuse a ``kpis`` argument that is not a KPI frame (``owner`` is the public function)."""
    check_frame(kpis, "kpis", owner, "the KPI frame of metrics.compute_kpis")
    missing = [c for c in KPI_COLUMNS if c not in kpis.columns]
    if missing:
        raise DataValidationError(
            ValidationIssue("kpis", "", None, c, "", "a column of the KPI frame") for c in missing
        )


# ------------------------------------------------------------------ joining text


def join_text(codes: np.ndarray, texts: np.ndarray, sep: str, size: int) -> np.ndarray:
    """Join ``texts`` per integer code, in row order; codes without text give ""."""
    out = np.full(size, "", dtype=object)
    if len(codes):
        order = np.argsort(codes, kind="stable")
        c, t = codes[order], list(np.asarray(texts, dtype=object)[order])
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
        ends = np.r_[starts[1:], len(c)]
        out[c[starts]] = [sep.join(t[a:b]) for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
    return out


def join_by(frame: pd.DataFrame, keys: list[str], col: str, sep: str) -> pd.Series:
    """Join the strings of ``col`` per group of ``keys``, in row order."""
    if not len(frame):
        empty = pd.MultiIndex.from_arrays([[] for _ in keys], names=keys)
        return pd.Series(dtype=object, index=empty)
    g = frame.groupby(keys, sort=False)
    codes = g.ngroup().to_numpy()
    ok = codes >= 0  # rows with a missing key belong to no group
    texts = frame[col].astype(str).to_numpy(dtype=object)
    joined = join_text(codes[ok], texts[ok], sep, g.ngroups)
    return pd.Series(joined, index=g.size().index, dtype=object)


# ------------------------------------------------------------------ KPI rows


@dataclass(frozen=True, slots=True)
class KpiRows:
    """KPI rows of one level and quarters, keyed to their roster (see :func:`kpi_rows`).

    Only integer codes and the numbers are taken from the KPI frame: copying its Arrow
    string columns row by row would cost more than all of the scoring.
    """

    kpis: pd.DataFrame  # the whole KPI frame
    idx: np.ndarray  # positions of the rows in ``kpis``
    first: np.ndarray  # index into ``idx`` of the first row of each (entity, quarter) pair
    pair: np.ndarray  # each row's pair (index into ``first``)
    kpi_code: np.ndarray  # each row's KPI (index into ``kpi_names``)
    kpi_names: pd.Index
    entity_names: pd.Index
    period_names: pd.Index
    pair_keys: np.ndarray  # period code * n_entities + entity code, per pair
    value: np.ndarray
    n: np.ndarray

    def first_rows(self, columns: Sequence[str]) -> pd.DataFrame:
        """``columns`` of the first KPI row of every (entity, quarter) pair, as text."""
        take = self.idx[self.first]
        return pd.DataFrame({c: pd.Series(self.kpis[c].array.take(take)).astype(TEXT) for c in columns})

    def frame(self, kpi: str) -> pd.DataFrame:
        """The rows of one KPI as a frame: ``entity_id, period, kpi, value, n``."""
        m = self.kpi_code == self.kpi_names.get_indexer([kpi])[0]
        take = self.idx[m]
        cols = ("entity_id", "period", "kpi")
        return pd.DataFrame(
            {
                **{c: pd.Series(self.kpis[c].array.take(take)).astype(TEXT) for c in cols},
                "value": self.value[m],
                "n": self.n[m],
            }
        )


def kpi_rows(
    kpis: pd.DataFrame, level: str, periods: Sequence[str], period_types: Mapping[str, str] | None = None
) -> KpiRows:
    """The KPI rows of ``level`` in the quarters ``periods``, checked for duplicates.

    ``period_types``: KPIs scored on another row of the quarter than its quarter row (a
    yearly target: ``{"churn_rate": "year_to_date"}``, :mod:`~bankperf_analysis.scorecard.period_basis`).
    """
    ptype = kpis["period_type"]
    if period_types:
        other = kpis["kpi"].isin(list(period_types))
        rows_of = (ptype == "quarter") & ~other
        for kpi, pt in period_types.items():
            rows_of = rows_of | ((kpis["kpi"] == kpi) & (ptype == pt))
    else:
        rows_of = ptype == "quarter"
    m = (kpis["level"] == level) & rows_of & kpis["period"].isin(list(periods))
    idx = np.flatnonzero(m.to_numpy(dtype=bool, na_value=False))

    def codes(col: str) -> tuple[np.ndarray, pd.Index]:
        values = pd.Series(kpis[col].array.take(idx))
        if not pd.api.types.is_string_dtype(values.dtype):  # ids given as numbers: as text
            values = values.astype(TEXT)
        c, names = pd.factorize(values, use_na_sentinel=False)
        return c.astype(np.int64), pd.Index(names)

    ent, ent_names = codes("entity_id")
    per, per_names = codes("period")
    kc, kpi_names = codes("kpi")
    key = per * max(len(ent_names), 1) + ent
    pair_keys, first, pair = np.unique(key, return_index=True, return_inverse=True)
    _refuse_duplicates(kpis, idx, pair.astype(np.int64) * max(len(kpi_names), 1) + kc)
    num = {
        c: pd.to_numeric(kpis[c], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[idx]
        for c in ("value", "n")
    }
    return KpiRows(
        kpis, idx, first, pair.ravel(), kc, kpi_names, ent_names, per_names, pair_keys, num["value"], num["n"]
    )


def _refuse_duplicates(kpis: pd.DataFrame, idx: np.ndarray, full_key: np.ndarray) -> None:
    """Raise if a (pair, KPI) key occurs twice among the rows ``idx`` of ``kpis``."""
    dup = pd.Series(full_key).duplicated(keep=False).to_numpy()
    if dup.any():
        d = kpis.take(idx[dup])
        raise DataValidationError(
            ValidationIssue(
                "kpis",
                "",
                int(i) + 1,
                "kpi",
                f"{e} {p} {k}",
                "one row per (level, entity_id, period_type, period, kpi)",
            )
            for i, e, p, k in zip(d.index, d["entity_id"], d["period"], d["kpi"], strict=True)
        )


def pair_position(rows: KpiRows, periods, ids) -> np.ndarray:
    """Per (period, id), the index of its pair in ``rows.pair_keys``; -1 if it has no KPI row."""
    pc = rows.period_names.get_indexer(pd.Index(periods, dtype=object))
    ec = rows.entity_names.get_indexer(pd.Index(ids, dtype=object))
    key = pc.astype(np.int64) * max(len(rows.entity_names), 1) + ec
    pos = np.searchsorted(rows.pair_keys, key)  # pair_keys are sorted (np.unique)
    ok = (pc >= 0) & (ec >= 0) & (pos < len(rows.pair_keys))
    ok[ok] = rows.pair_keys[pos[ok]] == key[ok]
    return np.where(ok, pos, -1).astype(np.int64)


def known_pairs(rows: KpiRows, periods: Sequence[str], ids: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    """All (period, id) pairs of ``periods`` x ``ids``, and whether each has KPI rows."""
    per = np.repeat(np.asarray(list(periods), dtype=object), len(ids))
    idv = np.tile(ids.to_numpy(dtype=object), len(periods))
    return np.column_stack([per, idv]), pair_position(rows, per, idv) >= 0


def order_roster(pre: pd.DataFrame, by: list[str], rows: KpiRows) -> tuple[pd.DataFrame, np.ndarray]:
    """Sort the roster; return it and the roster row (pid) of every KPI row.

    The first ``len(rows.first)`` rows of ``pre`` are the (entity, quarter) pairs of
    ``rows``, in pair order; rows after them are entities without KPI rows.
    """
    order = pre.sort_values(by, kind="stable").index.to_numpy()
    roster = pre.take(order).reset_index(drop=True)
    pos = np.empty(len(order), dtype=np.int64)
    pos[order] = np.arange(len(order))
    return roster, pos[: len(rows.first)][rows.pair]


# ------------------------------------------------------------------ the grid


@dataclass(frozen=True, slots=True)
class Grid:
    """The (entity x KPI rule) grid of one level: one row per entity per rule of its role.

    ``pid`` is the roster row, ``rid`` the rule row; rows run in roster order, then rule
    order. ``status`` and the numeric columns are numpy arrays of the grid's length.
    """

    pid: np.ndarray
    rid: np.ndarray
    value: np.ndarray
    n: np.ndarray
    zero_filled: np.ndarray
    score: np.ndarray
    status: np.ndarray
    effective_weight: np.ndarray
    contribution: np.ndarray
    reweighted: np.ndarray
    sums: pd.DataFrame  # per roster row: ``w`` (all weights), ``ws`` (scored weights)


def _cells(roles: np.ndarray, rules: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(pid, rid) of every cell: each roster row with role ``roles[pid]`` x its role's rules."""
    rule_roles = pd.Index(pd.unique(rules["role"].to_numpy(dtype=object)))
    rcode = rule_roles.get_indexer(pd.Index(roles, dtype=object))
    rule_code = rule_roles.get_indexer(rules["role"].to_numpy(dtype=object))
    by_role = np.argsort(rule_code, kind="stable")
    counts = np.bincount(rule_code, minlength=len(rule_roles))
    starts = np.cumsum(counts) - counts
    has = np.flatnonzero(rcode >= 0)
    cnt = counts[rcode[has]]
    pid = np.repeat(has, cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    rid = by_role[np.repeat(starts[rcode[has]], cnt) + offs]
    return pid, rid


def _lookup(rows: KpiRows, row_owner: np.ndarray, cell_owner: np.ndarray, kpis: np.ndarray):
    """Value and n of each cell (its owner, its KPI) among ``rows`` (each row's owner); NaN if none."""
    if not len(rows.value):
        return np.full(len(cell_owner), np.nan), np.full(len(cell_owner), np.nan)
    n_k = max(len(rows.kpi_names), 1)
    gk = rows.kpi_names.get_indexer(pd.Index(kpis, dtype=object))
    pos = pd.Index(row_owner * n_k + rows.kpi_code).get_indexer(cell_owner * n_k + gk)
    pos[(gk < 0) | (cell_owner < 0)] = -1
    found = pos >= 0
    return np.where(found, rows.value[pos], np.nan), np.where(found, rows.n[pos], np.nan)


def _cell_values(
    pid,
    rid,
    rules: pd.DataFrame,
    rows: KpiRows,
    row_pid: np.ndarray,
    size: int,
    unavailable: frozenset[str],
    team: TeamRows | None = None,
):
    """Value, n and zero-filled flag of every cell, looked up among the KPI rows by (pid, kpi).

    Cells of a rule scored on ``team`` take the value and n of the person's team
    (``team``: the branch row of the quarter; :mod:`bankperf_analysis.scorecard._team`).
    An event count of a KPI in ``unavailable`` (its table absent or empty) is never
    zero-filled: no data is not zero events.
    """
    cell_kpi = rules["kpi"].to_numpy(dtype=object)[rid]
    value, n = _lookup(rows, row_pid, pid, cell_kpi)
    # Event counts without a row are zero for entities with other rows in the quarter.
    active = np.zeros(size, dtype=bool)
    active[row_pid] = True
    active_cell = active[pid]
    if team is not None and "scored_on" in rules.columns:
        on_team = (rules["scored_on"].to_numpy(dtype=object) == "team")[rid]
        owner = team.of_pid[pid[on_team]]
        value[on_team], n[on_team] = _lookup(team.rows, team.rows.pair, owner, cell_kpi[on_team])
        active_cell[on_team] = owner >= 0  # the team has KPI rows in the quarter
    zero_rule = (rules["kpi"].isin(_ZERO_IF_ABSENT) & ~rules["kpi"].isin(unavailable)).to_numpy()
    zf = np.isnan(n) & zero_rule[rid] & active_cell
    value[zf] = 0.0
    n[zf] = 0.0
    return value, n, zf


def build_grid(
    roles: np.ndarray,
    rules: pd.DataFrame,
    rows: KpiRows,
    row_pid: np.ndarray,
    unavailable: frozenset[str] = frozenset(),
    team: TeamRows | None = None,
) -> Grid:
    """Grid of every roster row (with role ``roles[pid]``) x the rules of its role, scored.

    Cells of a KPI in ``unavailable`` without a value get status "not available"; cells of
    a rule scored on ``team`` are scored on the team's value (``team``).
    """
    pid, rid = _cells(roles, rules)
    value, n, zf = _cell_values(pid, rid, rules, rows, row_pid, len(roles), unavailable, team)
    col = {c: rules[c].to_numpy() for c in ("target", "floor", "direction", "rule", "min_n", "weight")}
    score, status = score_kpi_values(
        value,
        n,
        col["target"][rid],
        col["floor"][rid],
        col["direction"][rid],
        col["rule"][rid],
        col["min_n"][rid],
    )
    not_available = rules["kpi"].isin(unavailable).to_numpy()[rid] & np.isnan(value)
    status[not_available] = STATUS_NOT_AVAILABLE
    scored = ~np.isnan(score)
    w = col["weight"].astype(float)[rid]
    # pandas group sums (compensated), so re-weighting matches a plain groupby to the last bit
    sums = pd.DataFrame({"w": w, "ws": np.where(scored, w, 0.0)}).groupby(pid).sum()
    sums = sums.reindex(range(len(roles)), fill_value=0.0)
    w_scored = sums["ws"].to_numpy()[pid]
    with np.errstate(invalid="ignore", divide="ignore"):
        eff = np.where(scored & (w_scored > 0), w / w_scored, 0.0)
    contribution = np.where(scored, eff * np.nan_to_num(score), 0.0)
    n_rows = np.bincount(pid, minlength=len(roles))
    n_scored = np.bincount(pid, weights=scored, minlength=len(roles))
    return Grid(pid, rid, value, n, zf, score, status, eff, contribution, n_rows[pid] > n_scored[pid], sums)


def aggregate(grid: Grid, rules: pd.DataFrame, size: int, scheme: Scheme) -> pd.DataFrame:
    """Per roster row: KPI counts, scored weight share, composite, gradable, excluded KPIs."""
    pid, st = grid.pid, grid.status
    scored = ~np.isnan(grid.score)
    n_kpis = np.bincount(pid, minlength=size)
    n_scored = np.bincount(pid, weights=scored, minlength=size).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = grid.sums["ws"].to_numpy() / grid.sums["w"].to_numpy()
    gradable = (n_scored > 0) & (share >= scheme.scoring.min_scorable_weight_share - TOL)
    c = pd.Series(grid.contribution).groupby(pid).sum().reindex(range(size), fill_value=0.0)
    composite = np.round(c.to_numpy(), scheme.scoring.composite_decimals)
    # excluded KPIs, in words
    ex = ~scored
    kpi = rules["kpi"].to_numpy(dtype=object)[grid.rid[ex]]
    n_txt = np.nan_to_num(grid.n[ex]).astype(np.int64).astype(str).astype(object)
    min_n = rules["min_n"].to_numpy().astype(str).astype(object)[grid.rid[ex]]
    why = np.where(st[ex] == STATUS_INSUFFICIENT, "insufficient data: n=" + n_txt + " < " + min_n, st[ex])
    return pd.DataFrame(
        {
            "n_kpis": n_kpis.astype(np.int64),
            "n_kpis_scored": n_scored,
            "n_kpis_met": np.bincount(pid, weights=st == STATUS_MET, minlength=size).astype(np.int64),
            "n_kpis_below_target": np.bincount(pid, weights=st == STATUS_BELOW, minlength=size).astype(
                np.int64
            ),
            "scored_weight_share": share,
            "reweighted": n_scored < n_kpis,
            "composite_score": np.where(gradable, composite, np.nan),
            "gradable": gradable,
            "excluded_kpis": text(join_text(pid[ex], kpi + " (" + why + ")", "; ", size)),
        }
    )


def scored_kpi_rows(
    roster: pd.DataFrame, entity_cols: list[str], grid: Grid, rules: pd.DataFrame
) -> pd.DataFrame:
    """The scored KPI rows: entity columns, then :data:`SCORED_KPI_COLUMNS`.

    ``rules`` carries a ``basis`` column (:func:`with_basis`): the value each target is
    compared with.
    """
    ent = roster[entity_cols].take(grid.pid).reset_index(drop=True)
    rid = grid.rid
    out = {
        "kpi": rules["kpi"].astype(TEXT).array.take(rid),
        "value": grid.value,
        "n": pd.array(grid.n, dtype="Int64") if len(rid) else pd.array([], dtype="Int64"),
        "min_n": rules["min_n"].to_numpy(np.int64)[rid],
        "target": rules["target"].to_numpy(float)[rid],
        "basis": rules["basis"].astype(TEXT).array.take(rid),
        "floor": rules["floor"].to_numpy(float)[rid],
        "direction": rules["direction"].astype(TEXT).array.take(rid),
        "rule": rules["rule"].astype(TEXT).array.take(rid),
        "status": text(grid.status).array,
        "score": grid.score,
        "weight": rules["weight"].to_numpy(float)[rid],
        "effective_weight": grid.effective_weight,
        "contribution": grid.contribution,
        "reweighted": grid.reweighted,
        "zero_filled": grid.zero_filled,
    }
    return pd.concat([ent, pd.DataFrame(out)], axis=1)


def with_basis(rules: pd.DataFrame, scheme: Scheme) -> pd.DataFrame:
    """``rules`` with the ``basis`` of each rule's target (``quarter``, ``month_mean``...)."""
    return rules.assign(basis=[basis_of(k, scheme) for k in rules["kpi"]])


# ------------------------------------------------------------------ roster attributes


def regions(branch_ids: pd.Series, pre: pd.DataFrame, kpis: pd.DataFrame, branches) -> pd.Series:
    """Region of each branch id: the branches table, else the roster's KPI rows, else any KPI row."""
    out = pd.Series(pd.NA, index=branch_ids.index, dtype=TEXT)
    if branches is not None and {"branch_id", "region"} <= set(branches.columns):
        out = out.fillna(branch_ids.map(_first_map(branches["branch_id"], branches["region"])))
    if out.isna().any():
        out = out.fillna(branch_ids.map(_first_map(pre["branch_id"], pre["region"])))
    if out.isna().any():
        out = out.fillna(branch_ids.map(_kpi_regions(kpis)))
    return out.astype(TEXT)


def _kpi_regions(kpis: pd.DataFrame) -> pd.Series:
    """Region of each branch id named by a staff or branch row of the KPI frame (first wins)."""
    rows = (
        kpis.loc[kpis["level"].isin(["staff", "branch"]) & kpis["branch_id"].notna(), ["branch_id", "region"]]
        .dropna()
        .drop_duplicates("branch_id")
    )
    m = pd.Series(rows["region"].to_numpy(), index=rows["branch_id"].astype(str).to_numpy())
    return m[~m.index.duplicated()]


def _first_map(keys: pd.Series, values: pd.Series) -> pd.Series:
    """Map each key to the first non-missing value it has."""
    ok = keys.notna().to_numpy() & values.notna().to_numpy()
    m = pd.Series(values.to_numpy()[ok], index=keys.astype(str).to_numpy()[ok])
    return m[~m.index.duplicated()]


def branch_names(branches: pd.DataFrame | None) -> pd.Series:
    """Branch name by branch id from the branches table (empty without one)."""
    if branches is None or "branch_name" not in branches.columns:
        return pd.Series(dtype=object)
    s = pd.Series(branches["branch_name"].to_numpy(), index=branches["branch_id"].astype(str).to_numpy())
    return s[~s.index.duplicated()]

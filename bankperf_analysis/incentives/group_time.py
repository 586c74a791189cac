"""Callaway & Sant'Anna (2021) group-time effects ATT(g, t) and their influence functions.

For every adoption cohort ``g`` and period ``t`` the effect is the difference-in-means of
the change ``y_t - y_base`` between the cohort and the comparison units observed in both
periods. :func:`_cs_cells` computes all cells at once, with the per-cluster sums of each
cell's influence function (the basis of every clustered variance and aggregation).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from bankperf_analysis._validation import warn as _warn
from bankperf_analysis.exceptions import BankPerfWarning, InsufficientSampleError, SmallSampleWarning
from bankperf_analysis.incentives.panel import _Panel


@dataclass(slots=True)
class _CSCells:
    """Group-time ATTs and their cluster-level influence functions."""

    cg: np.ndarray  # index into cohorts
    t: np.ndarray  # period position
    e: np.ndarray  # event time t - g
    att: np.ndarray
    n_treated: np.ndarray
    n_control: np.ndarray
    psi: np.ndarray  # (cells, G_all): sum over units of a cluster of the influence function
    cohorts: np.ndarray  # period positions of the kept cohorts
    pg: np.ndarray  # weight share of each kept cohort among all kept units
    psi_p: np.ndarray  # (cohorts, G_all) influence of pg
    n_clusters: int
    n_units: int
    n_obs: int
    dropped_cohorts: tuple[Any, ...]
    reference_event: int | None
    alerts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _CSSpec:
    """The design of the group-time cells (validated options)."""

    control_group: str = "notyet"
    base_period: str = "universal"
    anticipation: int = 0


@dataclass(slots=True)
class _Units:
    """One entry per unit: cohort, mean weight, cluster, and whether it is used."""

    cohort: np.ndarray  # position of the first treated period; inf = never
    weight: np.ndarray
    cluster: np.ndarray
    keep: np.ndarray  # observed, and not a cohort without a pre-adoption period
    cohorts: np.ndarray  # the kept cohorts (period positions)
    dropped: tuple[Any, ...]  # labels of the dropped cohorts
    alerts: tuple[str, ...]


@dataclass(slots=True)
class _CellInputs:
    """What every cell reads: the wide outcome, the units, the design options."""

    y_wide: np.ndarray  # (units, periods), NaN where unobserved
    units: _Units
    n_cluster_levels: int
    weighted: bool
    base_period: str
    control_group: str
    anticipation: int


def _cs_cells(pa: _Panel, spec: _CSSpec, *, func: str, warn: bool = True) -> _CSCells:
    """All estimable group-time cells of a prepared panel (see the module docstring)."""
    units = _units(pa, spec.anticipation, func, warn)
    never = units.keep & ~np.isfinite(units.cohort)
    if spec.control_group == "never" and not never.any():
        raise InsufficientSampleError(
            f"{func}: there are no never-treated units; use control_group='notyet' "
            "(not-yet-treated units as controls), or, if a cohort value such as 0 codes the "
            "never-treated units, say so with never_treated=0."
        )
    ykeep = units.keep[pa.unit]
    y_wide = np.full((pa.n_units, pa.n_periods), np.nan)
    y_wide[pa.unit[ykeep], pa.tpos[ykeep]] = pa.y[ykeep]
    g_present, pg, psi_p = _cohort_shares(units, pa.n_clusters, func)
    inputs = _CellInputs(
        y_wide=y_wide,
        units=units,
        n_cluster_levels=pa.n_clusters,
        weighted=pa.w is not None,
        base_period=spec.base_period,
        control_group=spec.control_group,
        anticipation=spec.anticipation,
    )
    cells = _all_cells(inputs, func)
    return _CSCells(
        cg=cells[0],
        t=cells[1],
        e=cells[2],
        att=cells[3],
        n_treated=cells[4],
        n_control=cells[5],
        psi=cells[6],
        cohorts=units.cohorts,
        pg=pg,
        psi_p=psi_p,
        n_clusters=g_present,
        n_units=int(units.keep.sum()),
        n_obs=int(ykeep.sum()),
        dropped_cohorts=units.dropped,
        reference_event=(-1 - spec.anticipation) if spec.base_period == "universal" else None,
        alerts=units.alerts,
    )


def _units(pa: _Panel, anticipation: int, func: str, warn: bool) -> _Units:
    """The per-unit view; drops cohorts treated from the first observed period (with a warning)."""
    n_u = pa.n_units
    ucoh = np.full(n_u, np.inf)
    ucoh[pa.unit] = pa.cohort_pos
    counts = np.bincount(pa.unit, minlength=n_u)
    present = counts > 0
    if pa.w is None:
        uw = np.ones(n_u)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            uw = np.bincount(pa.unit, weights=pa.w, minlength=n_u) / counts
        uw[~present] = 0.0
    cluster = cast(np.ndarray, pa.cluster)  # the staggered estimators always cluster
    ucl = np.zeros(n_u, dtype=np.int64)
    ucl[pa.unit] = cluster
    alerts: list[str] = []
    if not np.array_equal(ucl[pa.unit], cluster):
        msg = (
            "Some units appear in several clusters; each unit's influence is assigned to the "
            "cluster of its last row."
        )
        alerts.append(msg)
        if warn:
            _warn(f"{func}: {msg}", BankPerfWarning)
    finite = np.isfinite(ucoh) & present
    no_pre = finite & (ucoh - 1 - anticipation < 0)
    dropped: tuple[Any, ...] = ()
    if no_pre.any():
        dropped = tuple(pa.period_label(c) for c in np.unique(ucoh[no_pre]))
        msg = (
            f"Dropped cohort(s) {', '.join(map(str, dropped))} ({int(no_pre.sum())} units): "
            "treated from the first observed period, so there is no pre-adoption period to "
            "compare with."
        )
        alerts.append(msg)
        if warn:
            _warn(f"{func}: {msg}", SmallSampleWarning)
    keep_u = present & ~no_pre
    cohorts = np.unique(ucoh[keep_u & np.isfinite(ucoh)]).astype(np.int64)
    if cohorts.size == 0:
        raise InsufficientSampleError(f"{func}: no treated cohort with a pre-adoption period in the sample.")
    return _Units(
        cohort=ucoh,
        weight=uw,
        cluster=ucl,
        keep=keep_u,
        cohorts=cohorts,
        dropped=dropped,
        alerts=tuple(alerts),
    )


def _cohort_shares(units: _Units, n_cluster_levels: int, func: str) -> tuple[int, np.ndarray, np.ndarray]:
    """Clusters present, each cohort's weight share and the cluster influence of the shares."""
    from scipy.sparse import csr_matrix

    idx = np.flatnonzero(units.keep)
    n_u = units.cohort.size
    onehot = csr_matrix((np.ones(idx.size), (units.cluster[idx], idx)), shape=(n_cluster_levels, n_u))
    g_present = int(np.count_nonzero(np.bincount(units.cluster[idx], minlength=n_cluster_levels)))
    if g_present < 2:
        raise InsufficientSampleError(f"{func}: clustered inference needs at least 2 clusters.")
    uwk = np.where(units.keep, units.weight, 0.0)
    w_all = uwk.sum()
    ucoh = units.cohort
    pg = np.array([uwk[ucoh == c].sum() / w_all for c in units.cohorts])
    psi_p = np.vstack([onehot @ (uwk * ((ucoh == c) - pg[k])) / w_all for k, c in enumerate(units.cohorts)])
    return g_present, pg, psi_p


def _all_cells(inputs: _CellInputs, func: str) -> tuple[np.ndarray, ...]:
    """Cohort index, period, event time, ATT, counts and influence of every estimable cell."""
    u = inputs.units
    kept_idx = np.flatnonzero(u.keep)
    kept_idx = kept_idx[np.argsort(u.cluster[kept_idx], kind="stable")]  # cluster order
    never_idx = kept_idx[~np.isfinite(u.cohort[kept_idx])]
    parts = []
    for k, g in enumerate(u.cohorts):
        part = _cohort_cells(inputs, k, int(g), kept_idx, never_idx)
        if part is not None:
            parts.append(part)
    if not parts:
        raise InsufficientSampleError(
            f"{func}: no group-time effect could be estimated (no comparison units observed "
            "in both the base period and the target periods)."
        )
    cg, t, e, att, n_tr, n_co, psi = zip(*parts, strict=True)
    return (
        np.concatenate(cg),
        np.concatenate(t),
        np.concatenate(e),
        np.concatenate(att),
        np.concatenate(n_tr),
        np.concatenate(n_co),
        np.vstack(psi),
    )


def _cohort_cells(
    inputs: _CellInputs, k: int, g: int, kept_idx: np.ndarray, never_idx: np.ndarray
) -> tuple[np.ndarray, ...] | None:
    """The cells of cohort ``g`` (index ``k``), or None when none is estimable."""
    a, n_t = inputs.anticipation, inputs.y_wide.shape[1]
    b_univ = g - 1 - a
    ts = np.arange(n_t)
    if inputs.base_period == "universal":
        bs = np.full(n_t, b_univ)
        sel = ts != b_univ  # the base column is computed (it is 0) and dropped below
    else:
        bs = np.where(ts < g - a, ts - 1, b_univ)
        sel = (bs >= 0) & (ts != bs)
        ts, bs = ts[sel], bs[sel]
        sel = np.ones(ts.size, dtype=bool)
    if not sel.any():
        return None
    uc_kept = inputs.units.cohort[kept_idx]
    tr_rows = kept_idx[uc_kept == g]
    thr: np.ndarray | None
    if inputs.control_group == "never":
        c_rows, thr = never_idx, None
    else:
        thr = np.maximum(ts, bs) + a
        c_rows = kept_idx[(uc_kept > thr[sel].min()) & (uc_kept != g)]
    s0_t, s1_t, n_tr = _cluster_sums(inputs, tr_rows, ts, bs, None)
    s0_c, s1_c, n_co = _cluster_sums(inputs, c_rows, ts, bs, thr)
    w_t, w_c = s0_t.sum(0), s0_c.sum(0)
    ok = sel & (w_t > 0) & (w_c > 0)
    if not ok.any():
        return None
    w_t, w_c = np.where(ok, w_t, 1.0), np.where(ok, w_c, 1.0)
    m_t, m_c = s1_t.sum(0) / w_t, s1_c.sum(0) / w_c
    psi = (s1_t - m_t * s0_t) / w_t - (s1_c - m_c * s0_c) / w_c
    return (
        np.full(int(ok.sum()), k),
        ts[ok],
        ts[ok] - g,
        (m_t - m_c)[ok],
        np.asarray(n_tr)[ok].astype(np.int64),
        np.asarray(n_co)[ok].astype(np.int64),
        psi[:, ok].T,
    )


def _cluster_sums(
    inputs: _CellInputs, rows: np.ndarray, ts: np.ndarray, bs: np.ndarray, thr: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cluster sums of w*1{use} and w*1{use}*(y_t - y_base) over ``rows``, and counts.

    ``rows`` are sorted by cluster, so cluster sums are one ``np.add.reduceat``.
    """
    u = inputs.units
    if inputs.base_period == "universal":
        d = inputs.y_wide[rows]
        d -= d[:, bs[0]][:, None]
    else:
        yr = inputs.y_wide[rows]
        d = yr[:, ts] - yr[:, bs]
    use = np.isfinite(d)
    if thr is not None:
        use &= u.cohort[rows][:, None] > thr[None, :]
    d[~use] = 0.0
    wu = use.astype(np.float64)
    if inputs.weighted:
        d *= u.weight[rows][:, None]
        wu *= u.weight[rows][:, None]
    s0 = np.zeros((inputs.n_cluster_levels, d.shape[1]))
    s1 = np.zeros((inputs.n_cluster_levels, d.shape[1]))
    if rows.size:
        cl = u.cluster[rows]
        starts = np.flatnonzero(np.r_[True, cl[1:] != cl[:-1]])
        s0[cl[starts]] = np.add.reduceat(wu, starts, axis=0)
        s1[cl[starts]] = np.add.reduceat(d, starts, axis=0)
    counts = s0.sum(0) if not inputs.weighted else use.sum(0)
    return s0, s1, counts

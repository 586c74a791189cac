"""Aggregations of group-time effects: overall, by cohort, by event time, by calendar period.

Weighted averages of the ATT(g, t) cells with cohort-size weights; their influence
functions include the influence of the estimated weights (as ``did::aggte``), and their
covariance is clustered like the cells'. :class:`AggregationResult` also carries the TWFE
event-study coefficients (:mod:`bankperf_analysis.incentives.event_study`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.incentives.event_series import plot_event_study
from bankperf_analysis.incentives.group_time import _CSCells
from bankperf_analysis.incentives.inference import _infer, _infer_vec
from bankperf_analysis.incentives.options import Lang
from bankperf_analysis.incentives.panel import _Panel
from bankperf_analysis.incentives.prose import _effect_sentence, _f, _fp
from bankperf_analysis.incentives.uniform_band import uniform_critical_value

__all__ = ["AggregationResult"]


@dataclass(frozen=True, slots=True, eq=False)
class AggregationResult:
    """An aggregation of group-time effects (or TWFE event-study coefficients).

    Attributes
    ----------
    kind : str
        ``"overall"``, ``"group"``, ``"event"`` or ``"calendar"``.
    estimator : str
        ``"callaway-santanna"`` or ``"twfe"``.
    estimate, std_error, statistic, pvalue, ci_low, ci_high : float
        The overall summary of the aggregation (for ``"event"``: the mean of the
        post-adoption event-time effects, like ``did::aggte``).
    frame : DataFrame
        One row per cohort / event time / period with pointwise intervals. The event
        frame has a ``reference`` row (fixed at 0) under the universal base period.
    vcov_matrix : ndarray
        Covariance of the non-reference rows of ``frame`` (in order).
    reference_event : int or None
    crit_val_uniform : float
        Event aggregation of Callaway–Sant'Anna only (NaN otherwise): critical value of the
        uniform (simultaneous) ``1 - alpha`` band over the event times, by multiplier
        bootstrap as R ``did``'s ``aggte(type="dynamic", cband=TRUE)`` (999 Mammen draws,
        seed 0; :func:`~bankperf_analysis.incentives.uniform_band.uniform_critical_value`).
        The frame then has ``std_error_boot``, ``uniform_low`` and ``uniform_high``
        (``estimate -/+ crit_val_uniform * std_error_boot``).
    """

    kind: str
    estimator: str
    estimate: float
    std_error: float
    statistic: float
    pvalue: float
    ci_low: float
    ci_high: float
    frame: pd.DataFrame = field(repr=False)
    vcov_matrix: np.ndarray = field(repr=False)
    reference_event: int | None
    anticipation: int
    n_clusters: int
    df_t: float
    alpha: float
    outcome: str
    cluster_influence: np.ndarray | None = field(default=None, repr=False)
    cluster_labels: np.ndarray | None = field(default=None, repr=False)
    crit_val_uniform: float = float("nan")

    def to_frame(self) -> pd.DataFrame:
        """Tidy table of the aggregation (one row per key)."""
        return self.frame.copy()

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        name = {"callaway-santanna": "Callaway-Sant'Anna", "twfe": "TWFE event study"}
        return Summary(
            f"{name.get(self.estimator, self.estimator)}: {self.kind} aggregation",
            facts=(
                ("Outcome", self.outcome),
                (
                    "Overall",
                    f"{_f(self.estimate, 3)} (se {_f(self.std_error, 3)}, "
                    f"{1 - self.alpha:.0%} CI {_f(self.ci_low, 3)} to {_f(self.ci_high, 3)}, "
                    f"p {_fp(self.pvalue)})",
                ),
                ("Inference", f"clustered, {self.n_clusters} clusters, t({self.df_t:.0f})"),
            ),
            tables=[(f"By {self.kind}", self.to_frame())],
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Short plain-language conclusion about the overall effect."""
        check_choice(lang, "lang", "AggregationResult.conclusion", Lang)
        r = self
        return _effect_sentence(r.estimate, r.ci_low, r.ci_high, r.pvalue, r.outcome, unit, lang, r.alpha)

    def plot(self, *, lang: Lang = "en", ax: Any = None, title: str | None = None) -> Any:
        """Event-study plot (``kind="event"`` only); see :func:`plot_event_study`."""
        return plot_event_study(self, lang=lang, ax=ax, title=title)

    def _event_series(self) -> tuple[AggregationResult, ...]:
        """The event-time series this result stands for (itself, if it is one)."""
        return (self,) if self.kind == "event" else ()


def _wavg(cells: _CSCells, est: np.ndarray, psi: np.ndarray, cg: np.ndarray) -> tuple[float, np.ndarray]:
    """Cohort-size weighted average of ``est`` with the influence of the estimated weights."""
    p = cells.pg[cg]
    s = p.sum()
    w = p / s
    theta = float(w @ est)
    pp = cells.psi_p[cg]
    infl = w @ psi + (est @ pp - theta * pp.sum(0)) / s
    return theta, infl


def _aggregate_cells(
    cells: _CSCells, kind: str, min_e: int | None, max_e: int | None
) -> tuple[list[Any], np.ndarray, np.ndarray, float, np.ndarray, list[int]]:
    """Rows (keys, estimates, influences), the overall estimate and its influence, cells per row."""
    lo = -np.inf if min_e is None else min_e
    hi = np.inf if max_e is None else max_e
    post = (cells.e >= 0) & (cells.e <= hi)
    if kind == "overall":
        if not post.any():
            raise InsufficientSampleError("No post-adoption group-time effect is estimable.")
        theta, infl = _wavg(cells, cells.att[post], cells.psi[post], cells.cg[post])
        return ["overall"], np.array([theta]), infl[None, :], theta, infl, [int(post.sum())]
    if kind == "group":
        keys = [k for k in range(cells.cohorts.size) if (post & (cells.cg == k)).any()]
        masks = [post & (cells.cg == k) for k in keys]
        est_a = np.array([float(cells.att[m].mean()) for m in masks])
        inf_a = np.vstack([cells.psi[m].mean(0) for m in masks])
        theta, infl = _wavg(cells, est_a, inf_a, np.array(keys))
        return list(keys), est_a, inf_a, theta, infl, [int(m.sum()) for m in masks]
    if kind == "event":
        keys = [int(e) for e in np.unique(cells.e) if lo <= e <= hi]
        masks = [cells.e == e for e in keys]
    elif kind == "calendar":
        keys = [int(t) for t in np.unique(cells.t[post])]
        masks = [post & (cells.t == t) for t in keys]
    else:  # pragma: no cover - validated by callers
        raise ParamsError(kind)
    rows = [_wavg(cells, cells.att[m], cells.psi[m], cells.cg[m]) for m in masks]
    est_a, inf_a = np.array([r[0] for r in rows]), np.vstack([r[1] for r in rows])
    sizes = [int(m.sum()) for m in masks]
    if kind == "calendar":
        return keys, est_a, inf_a, float(est_a.mean()), inf_a.mean(0), sizes
    postk = np.array(keys) >= 0
    if not postk.any():
        raise InsufficientSampleError("No post-adoption event time is estimable.")
    return keys, est_a, inf_a, float(est_a[postk].mean()), inf_a[postk].mean(0), sizes


def _make_aggregation(
    cells: _CSCells,
    pa: _Panel,
    kind: str,
    *,
    alpha: float,
    min_e: int | None,
    max_e: int | None,
    anticipation: int,
) -> AggregationResult:
    """Aggregate the cells of ``kind`` with clustered influence-function inference."""
    kind = "group" if kind == "cohort" else kind
    keys, est, infl, theta, theta_if, sizes = _aggregate_cells(cells, kind, min_e, max_e)
    g = cells.n_clusters
    scale = g / (g - 1)
    vcov = scale * (infl @ infl.T)
    se = np.sqrt(np.clip(np.diag(vcov), 0, None))
    df = float(g - 1)
    frame = _infer_vec(est, se, df, alpha)
    frame.insert(0, "n_cells", sizes)
    crit = float("nan")
    if kind == "event":
        crit, se_boot = uniform_critical_value(infl, alpha=alpha)
        frame = frame.assign(
            std_error_boot=se_boot, uniform_low=est - crit * se_boot, uniform_high=est + crit * se_boot
        )
    frame = _label_rows(frame, kind, keys, cells, pa, min_e)
    theta_se = float(np.sqrt(scale * theta_if @ theta_if))
    stat, p, lo_, hi_ = _infer(theta, theta_se, df, alpha)
    return AggregationResult(
        kind=kind,
        estimator="callaway-santanna",
        estimate=theta,
        std_error=theta_se,
        statistic=stat,
        pvalue=p,
        ci_low=lo_,
        ci_high=hi_,
        frame=frame,
        vcov_matrix=vcov,
        reference_event=cells.reference_event,
        anticipation=anticipation,
        n_clusters=g,
        df_t=df,
        alpha=alpha,
        outcome=pa.outcome,
        cluster_influence=theta_if,
        cluster_labels=pa.cluster_labels,
        crit_val_uniform=crit,
    )


def _label_rows(
    frame: pd.DataFrame, kind: str, keys: list[Any], cells: _CSCells, pa: _Panel, min_e: int | None
) -> pd.DataFrame:
    """Put the key columns in front; the event frame gets its reference row (fixed at 0)."""
    if kind == "group":
        frame.insert(0, "cohort", [pa.period_label(cells.cohorts[k]) for k in keys])
        frame.insert(1, "cohort_share", cells.pg[np.array(keys)])
    elif kind == "event":
        frame.insert(0, "event_time", keys)
        frame["reference"] = False
        ref = cells.reference_event
        lo = -np.inf if min_e is None else min_e
        if ref is not None and ref not in keys and ref >= lo:
            row = {c: np.nan for c in frame.columns}
            row.update(event_time=ref, estimate=0.0, n_cells=0, reference=True)
            frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
            frame = frame.sort_values("event_time", kind="stable").reset_index(drop=True)
            frame["reference"] = frame["reference"].astype(bool)
            frame["n_cells"] = frame["n_cells"].astype(int)
    elif kind == "calendar":
        frame.insert(0, "period", [pa.period_label(t) for t in keys])
    else:
        frame.insert(0, "aggregation", keys)
    return frame

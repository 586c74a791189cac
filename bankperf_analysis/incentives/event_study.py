"""Event study: the incentive effect by period since adoption, robust and TWFE side by side.

The primary series is the Callaway–Sant'Anna event-time aggregation; the secondary one a
TWFE regression on event-time dummies (reference -1, endpoints binned), contaminated by
other periods' effects when effects are heterogeneous (Sun & Abraham 2021). Each comes
with its pre-trend test (:mod:`bankperf_analysis.incentives.pretrend`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int
from bankperf_analysis.incentives.aggregation import AggregationResult
from bankperf_analysis.incentives.bootstrap import (
    BootWeights,
    WildBootstrapChoice,
    WildBootstrapResult,
    _boot_options,
    _BootOptions,
    _design,
    _Engine,
    wild_test_coef,
    wild_test_joint,
)
from bankperf_analysis.incentives.event_series import plot_event_study
from bankperf_analysis.incentives.inference import _infer, _infer_vec
from bankperf_analysis.incentives.options import BasePeriod, ControlGroup, EventEstimator, FixefDof, Lang
from bankperf_analysis.incentives.panel import COHORT_COL, _Columns, _Panel, _prepare
from bankperf_analysis.incentives.pretrend import PreTrendTestResult, _pretrend
from bankperf_analysis.incentives.staggered import _cs_options, _staggered_from_panel
from bankperf_analysis.incentives.twfe import _twfe_fit, _TWFEFit, _TWFESpec

__all__ = ["EventStudyResult", "event_study"]


@dataclass(frozen=True, slots=True, eq=False)
class EventStudyResult:
    """Event-study (leads and lags) from the robust estimator and, beside it, TWFE dummies.

    Attributes
    ----------
    robust, twfe : AggregationResult or None
        Callaway–Sant'Anna event aggregation; TWFE event-study coefficients (secondary:
        contaminated by other periods' effects under heterogeneous effects, Sun & Abraham
        2021).
    pretrend, pretrend_twfe : PreTrendTestResult or None
    notes : tuple of str
    """

    robust: AggregationResult | None
    twfe: AggregationResult | None
    pretrend: PreTrendTestResult | None
    pretrend_twfe: PreTrendTestResult | None
    leads: int
    lags: int
    outcome: str
    alpha: float
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: estimator, event_time, estimate, std_error, ..., reference."""
        parts = []
        for name, agg in (("callaway-santanna", self.robust), ("twfe", self.twfe)):
            if agg is not None:
                fr = agg.to_frame()
                fr.insert(0, "estimator", name)
                parts.append(fr)
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        tables = [("Event-time effects", self.to_frame())]
        tests = [t.to_frame() for t in (self.pretrend, self.pretrend_twfe) if t is not None]
        if tests:
            tables.append(("Pre-trend tests", pd.concat(tests, ignore_index=True)))
        notes = list(self.notes)
        if self.pretrend is not None:
            notes.append(self.pretrend.conclusion("en"))
        return Summary(
            f"Event study: {self.outcome}",
            tables=tables,
            notes=notes,
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading of the dynamic effects and the pre-trends."""
        check_choice(lang, "lang", "EventStudyResult.conclusion", Lang)
        main = self._event_series()[0]
        text = main.conclusion(lang, unit)
        if self.pretrend is not None:
            text += " " + self.pretrend.conclusion(lang, unit)
        return text

    def plot(self, *, lang: Lang = "en", ax: Any = None, title: str | None = None) -> Any:
        """Event-study figure; see :func:`plot_event_study`."""
        return plot_event_study(self, lang=lang, ax=ax, title=title)

    def _event_series(self) -> tuple[AggregationResult, ...]:
        """The robust series, then the TWFE one (those estimated)."""
        return tuple(a for a in (self.robust, self.twfe) if a is not None)


def event_study(
    panel: pd.DataFrame,
    outcome: str,
    *,
    leads: int = 4,
    lags: int = 4,
    estimator: EventEstimator = "both",
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    base_period: BasePeriod = "universal",
    anticipation: int = 0,
    weights: str | None = None,
    fixef_dof: FixefDof = "nested",
    alpha: float = 0.05,
    slope: float | None = None,
    bootstrap: WildBootstrapChoice = "auto",
    boot_weights: BootWeights = "webb",
    n_boot: int = 999,
    seed: int | None = 0,
    never_treated: float | str = "auto",
) -> EventStudyResult:
    """Leads and lags of the incentive effect, with a joint pre-trend test and its power.

    The primary series is the Callaway–Sant'Anna event-time aggregation (event times
    ``-leads..lags``); the secondary one is a TWFE regression on event-time dummies
    (reference -1, endpoints binned; -leads is also omitted when no unit is
    never treated). Both are clustered by ``cluster``.

    With fewer than 30 clusters (``bootstrap="auto"``, see :func:`twfe_did`) each TWFE
    event-time coefficient gets a restricted wild cluster bootstrap p-value (column
    ``pvalue_wild`` of the TWFE series) and the TWFE pre-trend test a wild bootstrap
    p-value of the joint null (``pretrend_twfe.wild_bootstrap``).

    Parameters
    ----------
    never_treated : {"auto", 0, numpy.inf, numpy.nan}
        How ``cohort_col`` codes never-treated; the rest as in :func:`staggered_did`, :func:`twfe_did`.

    Returns
    -------
    EventStudyResult
    """
    func = "event_study"
    leads = check_int(leads, "leads", func, low=1)
    lags = check_int(lags, "lags", func, low=0)
    check_choice(estimator, "estimator", func, EventEstimator)
    check_choice(fixef_dof, "fixef_dof", func, FixefDof)
    spec, alpha = _cs_options(control_group, base_period, anticipation, "event", alpha, cluster, func)
    boot = _boot_options(bootstrap, boot_weights, n_boot, seed, func)
    cols = _Columns(unit_col, period_col, cluster, cohort_col, weights, (), never_treated)
    pa = _prepare(panel, outcome, cols, func=func)
    robust = twfe = pre_r = pre_t = None
    notes: list[str] = []
    if estimator in ("robust", "both"):
        res = _staggered_from_panel(pa, spec, aggregation="overall", alpha=alpha, cluster=cluster, func=func)
        robust = res.aggregate("event", min_event=-leads, max_event=lags)
        pre_r = _pretrend(robust, slope=slope, alpha=alpha, power=0.8)
    if estimator in ("twfe", "both"):
        twfe_spec = _TWFESpec(vcov="cluster", fixef_dof=fixef_dof)
        twfe, tnotes, joint = _twfe_event(
            pa, twfe_spec, leads=leads, lags=lags, alpha=alpha, func=func, boot=boot
        )
        notes += tnotes
        pre_t = _pretrend(twfe, slope=slope, alpha=alpha, power=0.8)
        if pre_t is not None and joint is not None:
            pre_t = replace(pre_t, wild_bootstrap=joint)
    return EventStudyResult(
        robust=robust,
        twfe=twfe,
        pretrend=pre_r,
        pretrend_twfe=pre_t,
        leads=leads,
        lags=lags,
        outcome=pa.outcome,
        alpha=alpha,
        notes=tuple(notes),
    )


def _twfe_event(
    pa: _Panel,
    spec: _TWFESpec,
    *,
    leads: int,
    lags: int,
    alpha: float,
    func: str,
    boot: _BootOptions | None = None,
) -> tuple[AggregationResult, list[str], WildBootstrapResult | None]:
    """TWFE regression on event-time dummies as an event-time aggregation, its notes and the wild pre-test."""
    regs, events, omit, notes = _event_dummies(pa, leads, lags)
    fit = _twfe_fit(pa, regs, [str(e) for e in events], spec, func=func, required=0)
    keep_idx = [i for i, nm in enumerate(fit.names) if nm not in pa.covariates]
    gone = [t for t in fit.dropped_terms if t not in pa.covariates]
    if gone:
        notes.append(f"Event times not identified and dropped: {', '.join(gone)}.")
    ev_kept = np.array([int(fit.names[i]) for i in keep_idx])
    beta = fit.beta[keep_idx]
    vcov = fit.vcov[np.ix_(keep_idx, keep_idx)]
    frame = _event_frame(beta, np.sqrt(np.diag(vcov)), ev_kept, omit, fit.df_t, alpha)
    joint = None
    if boot is not None and fit.cl is not None and boot.active(fit.n_clusters):
        frame, joint = _wild_event(fit, frame, keep_idx, ev_kept, boot, alpha)
    post = ev_kept >= 0
    a = np.where(post, 1.0 / max(post.sum(), 1), 0.0)
    theta = float(a @ beta)
    theta_se = float(np.sqrt(a @ vcov @ a))
    stat, p, lo, hi = _infer(theta, theta_se, fit.df_t, alpha)
    agg = AggregationResult(
        kind="event",
        estimator="twfe",
        estimate=theta,
        std_error=theta_se,
        statistic=stat,
        pvalue=p,
        ci_low=lo,
        ci_high=hi,
        frame=frame,
        vcov_matrix=vcov,
        reference_event=-1,
        anticipation=0,
        n_clusters=fit.n_clusters,
        df_t=fit.df_t,
        alpha=alpha,
        outcome=pa.outcome,
        cluster_influence=_influence_of_mean(fit, keep_idx, a),
        cluster_labels=pa.cluster_labels,
    )
    return agg, notes, joint


def _wild_event(
    fit: _TWFEFit,
    frame: pd.DataFrame,
    keep_idx: list[int],
    ev_kept: np.ndarray,
    boot: _BootOptions,
    alpha: float,
) -> tuple[pd.DataFrame, WildBootstrapResult | None]:
    """Wild bootstrap p-value of each event-time coefficient and of the joint pre-adoption null."""
    d = _design(fit, cast(np.ndarray, fit.cl))
    eng = _Engine(d)
    pw = {}
    for i, e in zip(keep_idx, ev_kept):
        r = wild_test_coef(
            d, i, boot, alpha=alpha, beta=float(fit.beta[i]), se=float(np.sqrt(fit.vcov[i, i])), engine=eng
        )
        pw[int(e)] = r.pvalue
    frame = frame.assign(pvalue_wild=frame["event_time"].map(pw).astype(float))
    pre = [i for i, e in zip(keep_idx, ev_kept) if e < 0]
    joint = wild_test_joint(d, pre, boot, alpha=alpha, engine=eng) if pre else None
    return frame, joint


def _event_dummies(pa: _Panel, leads: int, lags: int) -> tuple[np.ndarray, list[int], set[int], list[str]]:
    """Event-time dummies (endpoints binned), their event times, the omitted ones and a note.

    Event time -1 is the reference; -leads is omitted too when no unit is never treated.
    """
    ev = pa.tpos - pa.cohort_pos  # -inf for never treated
    ever = np.isfinite(ev)
    evc = np.clip(np.where(ever, ev, 0), -leads, lags)
    notes: list[str] = []
    omit = {-1}
    ucoh = np.full(pa.n_units, np.inf)
    ucoh[pa.unit] = pa.cohort_pos
    if not np.any(~np.isfinite(ucoh[np.bincount(pa.unit, minlength=pa.n_units) > 0])):
        omit.add(-leads)
        notes.append(
            f"No never-treated units: event times -1 and {-leads} (binned) are both omitted "
            "so that the TWFE event study is identified."
        )
    events = [e for e in range(-leads, lags + 1) if e not in omit]
    regs = np.zeros((pa.n, len(events)))
    for j, e in enumerate(events):
        regs[:, j] = ever & (evc == e)
    return regs, events, omit, notes


def _event_frame(
    beta: np.ndarray, se: np.ndarray, ev_kept: np.ndarray, omit: set[int], df: float, alpha: float
) -> pd.DataFrame:
    """Event-time coefficients with intervals, plus the omitted reference rows (fixed at 0)."""
    frame = _infer_vec(beta, se, df, alpha)
    frame.insert(0, "event_time", ev_kept)
    frame.insert(1, "n_cells", 1)
    frame["reference"] = False
    refs = pd.DataFrame([{"event_time": e, "estimate": 0.0, "n_cells": 0, "reference": True} for e in omit])
    frame = pd.concat([frame, refs], ignore_index=True)
    frame = frame.sort_values("event_time", kind="stable").reset_index(drop=True)
    frame["reference"] = frame["reference"].astype(bool)
    return frame


def _influence_of_mean(fit: _TWFEFit, keep_idx: list[int], a: np.ndarray) -> np.ndarray | None:
    """Cluster influence of the mean post-adoption coefficient."""
    return None if fit.cluster_if is None else fit.cluster_if[:, keep_idx] @ a

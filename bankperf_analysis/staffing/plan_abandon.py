"""The abandonment rate (呼损率) of a staffing plan under Erlang A, with its interval.

Used by :func:`~bankperf_analysis.staffing.plan.branch_staffing_plan` when ``model="erlang_a"``.
Per branch x queue: the mean patience the plan used (the censored exponential MLE of
:mod:`~bankperf_analysis.staffing.patience`, or the scheme's ``staffing.patience_seconds``),
its likelihood-ratio interval, the observed abandonment rate of the reporting quarter and the
abandonment rate Erlang A predicts with the plan's required staff.

Propagation: with the staff, traffic and AHT of an interval fixed, Erlang A's abandonment
probability decreases strictly as the mean patience grows (a longer patience means fewer
waiting contacts leave). So does its contact-weighted average over the intervals. The
interval ``[lo, hi]`` of patience therefore maps to ``[P_ab(hi), P_ab(lo)]`` exactly, by
evaluating the model at the two ends: no delta method is needed. Only the uncertainty of
patience is carried; demand and AHT are taken as known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankperf_analysis._i18n_patience import pt
from bankperf_analysis._summary import Summary
from bankperf_analysis.i18n import check_lang
from bankperf_analysis.numbers import fmt_duration, fmt_number, fmt_percent
from bankperf_analysis.staffing.erlang import erlang_a_metrics
from bankperf_analysis.staffing.patience import patience_interval
from bankperf_analysis.staffing.plan_config import _Config

__all__: list[str] = []

_CONFIDENCE = 0.95


def _weighted_abandon(g: pd.DataFrame, patience: np.ndarray) -> float:
    """Contact-weighted Erlang A abandonment rate at the required staff of each open interval."""
    m = erlang_a_metrics(
        g["required_staff"].to_numpy(dtype=np.int64),
        g["traffic_erlangs"].to_numpy(dtype=float),
        g["aht_seconds"].to_numpy(dtype=float),
        patience,
    )
    w = g["contacts"].to_numpy(dtype=float)
    return float((m.abandon_rate * w).sum() / w.sum()) if w.sum() > 0 else float("nan")


def _abandonment(grid: pd.DataFrame, qstats: pd.DataFrame, cfg: _Config) -> pd.DataFrame:
    """One row per branch x queue: patience used (and interval), observed and planned 呼损率."""
    obs = qstats.groupby(["branch_id", "queue"])[["contacts", "abandoned", "exposure_seconds"]].sum()
    rows = []
    for (b, queue), g in grid.groupby(["branch_id", "queue"], sort=True):
        n, d, expo = (obs.loc[(b, queue)] if (b, queue) in obs.index else pd.Series([0, 0, 0.0])).tolist()
        if cfg.patience == "estimate":
            est, lo, hi = (float(x[0]) for x in patience_interval(expo, d, _CONFIDENCE))
            source = "estimate"
        else:
            est = lo = hi = float(cfg.patience)
            source = "scheme"
        used = float(g["patience_seconds"].iloc[0])
        open_ = g[g["traffic_erlangs"] > 0]
        ident = bool(np.isfinite(est))
        planned = _weighted_abandon(open_, np.full(len(open_), used)) if len(open_) else np.nan
        rows.append(
            {
                "branch_id": b,
                "queue": queue,
                "patience_source": source,
                "identifiable": ident,
                "n_contacts": int(n),
                "n_abandoned": int(d),
                "patience_seconds": est,
                "patience_ci_low": lo,
                "patience_ci_high": hi,
                "observed_abandon_rate": d / n if n else np.nan,
                "planned_abandon_rate": planned,
                # longer patience -> fewer abandon: the upper patience end gives the lower rate
                "planned_abandon_ci_low": _weighted_abandon(open_, np.full(len(open_), hi))
                if ident and len(open_)
                else np.nan,
                "planned_abandon_ci_high": _weighted_abandon(open_, np.full(len(open_), lo))
                if ident and len(open_)
                else np.nan,
            }
        )
    return pd.DataFrame(rows)


def _span(lo: str, hi: str) -> str:
    return f"{lo} – {hi}"


def abandonment_summary(frame: pd.DataFrame, lang: str = "en") -> Summary:
    """The plan's 呼损率 table in ``lang``: patience, observed and planned rate with intervals."""
    check_lang(lang)
    pct = fmt_number(100 * _CONFIDENCE, 0)
    rows = []
    for _, r in frame.iterrows():
        ident = bool(r["identifiable"])
        interval = r["patience_source"] == "estimate" and ident
        rows.append(
            {
                pt("patience_col_queue", lang): pt(f"patience_queue_{r['queue']}", lang),
                pt("patience_col_estimate", lang): fmt_duration(r["patience_seconds"], lang)
                if ident
                else pt("patience_not_identifiable", lang),
                pt("patience_col_ci", lang, pct=pct): (
                    _span(fmt_duration(r["patience_ci_low"], lang), fmt_duration(r["patience_ci_high"], lang))
                    if interval
                    else "–"
                ),
                pt("patience_col_abandoned", lang): fmt_number(r["n_abandoned"], 0),
                pt("abandon_col_observed", lang): fmt_percent(r["observed_abandon_rate"]),
                pt("abandon_col_planned", lang): fmt_percent(r["planned_abandon_rate"]),
                pt("abandon_col_planned_ci", lang, pct=pct): (
                    _span(fmt_percent(r["planned_abandon_ci_low"]), fmt_percent(r["planned_abandon_ci_high"]))
                    if interval
                    else "–"
                ),
            }
        )
    notes = [pt("abandon_note_propagation", lang)]
    notes.append(
        pt("patience_note_method", lang)
        if (frame["patience_source"] == "estimate").all()
        else pt("patience_note_scheme", lang)
    )
    if not frame["identifiable"].all():
        notes.append(pt("abandon_note_not_identifiable", lang))
    return Summary(pt("abandon_title", lang), frame=pd.DataFrame(rows), notes=notes)

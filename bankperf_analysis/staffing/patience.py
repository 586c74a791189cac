"""Mean patience of waiting customers from the contacts table (Erlang A's patience).

Erlang A (M/M/n+M, :func:`~bankperf_analysis.staffing.erlang.erlang_a_metrics`) gives every
waiting contact an exponential patience with mean ``theta``: the contact abandons when its
patience runs out before an agent answers. The contacts table observes patience, censored:

- an **abandoned** contact waited ``end_ts - arrival_ts`` and then left: its patience was
  exactly that wait (an observed event);
- an **answered** contact waited ``answer_ts - arrival_ts``: its patience was *longer*
  than that wait (right-censored at the wait).

With exponential patience and waits that do not depend on the customer's own patience
(FCFS M/M/n+M: the offered wait depends only on the contacts ahead), the log-likelihood of
``d`` abandonments and a total waiting time ``T`` of all contacts is
``l(theta) = -d log(theta) - T / theta``, and the maximum-likelihood estimate is

    theta_hat = T / d = (sum of the waits of all contacts) / (number of abandonments)

(Brown, Gans, Mandelbaum, Sakov, Shen, Zeltyn and Zhao 2005, "Statistical analysis of a
telephone call center", JASA 100(469): 36-50, section 6). A contact answered with zero wait
is censored at 0: it says only "patience > 0", which is certain, so it adds 0 to ``T`` and
0 to ``d`` and leaves the likelihood unchanged. Keeping or dropping it gives the same
estimate; it is kept (``n_contacts`` counts it).

The confidence interval is the **likelihood-ratio (profile-likelihood)** interval: the
``theta`` with ``2 [l(theta_hat) - l(theta)] <= chi2_1(confidence)``. In ``r = theta_hat /
theta`` this reads ``2 d (r - 1 - log r) <= q``, whose two roots are
``r = -W_k(-exp(-(1 + q / (2 d))))`` for the branches ``k = 0`` and ``k = -1`` of the
Lambert W function. The chi-square interval ``2 T / chi2_{2d}`` is exact only under Type II
censoring (the test stops at the d-th event); with random censoring, as here, the
likelihood-ratio interval is the standard choice (Lawless 2003, *Statistical Models and
Methods for Lifetime Data*, 2nd ed., inference for the exponential distribution under
Type I / random censoring). Its coverage is checked by simulation in
``tests/test_patience.py``. With no abandonment the likelihood increases without bound in
``theta``: patience is not identifiable and no estimate is given.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from bankperf_analysis._i18n_patience import pt as t
from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_frame, check_int, check_unit_interval, warn
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError, SmallSampleWarning
from bankperf_analysis.i18n import check_lang
from bankperf_analysis.numbers import fmt_duration, fmt_number

__all__ = ["PatienceBy", "PatienceResult", "estimate_patience", "patience_interval"]

PatienceBy = Literal["queue", "channel", "branch_queue", "branch_channel"]

#: Fewer abandonments than this give a warning: the interval is wide and rests on few events.
MIN_ABANDONED = 10
_W = SmallSampleWarning
_METHOD = "exponential MLE (censored), likelihood-ratio interval"
_REQUIRED = ("branch_id", "channel", "arrival_ts", "answer_ts", "end_ts", "abandoned")


def patience_interval(
    exposure_seconds: Any, n_abandoned: Any, confidence: float = 0.95
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Exponential MLE of mean patience and its likelihood-ratio interval, from sufficient statistics.

    Parameters
    ----------
    exposure_seconds : array_like of float
        Total waiting time ``T`` of all contacts (abandoned: until they left; answered:
        until the answer), seconds, ``>= 0``.
    n_abandoned : array_like of int
        Abandonments ``d``, ``>= 0``.
    confidence : float, default 0.95
        Confidence level of the interval.

    Returns
    -------
    patience, ci_low, ci_high : numpy.ndarray
        ``T / d`` and the interval; ``NaN`` where ``d == 0`` (not identifiable).

    Examples
    --------
    >>> est, lo, hi = patience_interval([6000.0], [50])
    >>> float(est[0]), round(float(lo[0]), 1), round(float(hi[0]), 1)
    (120.0, 92.1, 160.5)
    """
    owner = "patience_interval"
    conf = check_unit_interval(confidence, "confidence", owner)
    t_ = np.atleast_1d(np.asarray(exposure_seconds, dtype=float))
    d = np.atleast_1d(np.asarray(n_abandoned, dtype=float))
    t_, d = np.broadcast_arrays(t_, d)
    if not (np.isfinite(t_).all() and (t_ >= 0).all()):
        raise ParamsError(
            f"The 'exposure_seconds' parameter of {owner} must be finite and >= 0. "
            f"Got {t_.tolist()!r} instead."
        )
    if not ((d >= 0).all() and (d == np.round(d)).all()):
        raise ParamsError(
            f"The 'n_abandoned' parameter of {owner} must be whole numbers >= 0. Got {d.tolist()!r} instead."
        )
    ok = d > 0
    est = np.full(d.shape, np.nan)
    lo = np.full(d.shape, np.nan)
    hi = np.full(d.shape, np.nan)
    if ok.any():
        dd, tt = d[ok], t_[ok]
        est[ok] = tt / dd
        q = stats.chi2.ppf(conf, 1)
        z = -np.exp(-(1.0 + q / (2.0 * dd)))
        r_small = -special.lambertw(z, 0).real  # r < 1: theta above the estimate
        r_large = -special.lambertw(z, -1).real  # r > 1: theta below the estimate
        lo[ok] = est[ok] / r_large
        hi[ok] = est[ok] / r_small
    return est, lo, hi


@dataclass(frozen=True, slots=True)
class PatienceResult:
    """Mean patience per group, estimated from censored waits.

    Attributes
    ----------
    by : str
        Grouping: ``"queue"`` (``counter`` / ``phone_online``, as the staffing plan),
        ``"channel"``, ``"branch_queue"`` or ``"branch_channel"``.
    confidence : float
        Confidence level of the intervals.
    method : str
        The estimator and interval (see the module docstring).
    n_dropped : int
        Contacts left out because their wait is unknown (abandoned without ``end_ts``,
        answered without ``answer_ts``).
    estimates : pandas.DataFrame
        One row per group: the group columns, ``n_contacts``, ``n_abandoned``,
        ``n_answered`` (censored), ``n_zero_wait`` (answered at once: censored at 0),
        ``exposure_seconds`` (total wait), ``patience_seconds``, ``ci_low``,
        ``ci_high`` (``NaN`` when ``identifiable`` is False: no abandonment).
    """

    by: str
    confidence: float
    method: str
    n_dropped: int
    estimates: pd.DataFrame = field(repr=False)

    def to_frame(self) -> pd.DataFrame:
        """The estimates, one row per group (a copy)."""
        return self.estimates.copy()

    def patience(self, **group: str) -> float:
        """The estimate of one group, e.g. ``result.patience(queue="phone_online")``."""
        rows = self.estimates
        for k, v in group.items():
            check_choice(k, "group key", "PatienceResult.patience", list(_group_cols(self.by)))
            rows = rows[rows[k] == v]
        if len(rows) != 1:
            raise InsufficientSampleError(f"PatienceResult.patience: no single group matches {group!r}.")
        return float(rows["patience_seconds"].iloc[0])

    def summary(self, lang: str = "en") -> Summary:
        """Patience per group with its interval, abandonments and censored waits."""
        check_lang(lang)
        pct = fmt_number(100 * self.confidence, 0)
        rows = []
        for _, r in self.estimates.iterrows():
            row = {t(f"patience_col_{c}", lang): _group_label(c, r[c], lang) for c in _group_cols(self.by)}
            ident = bool(r["identifiable"])
            row[t("patience_col_estimate", lang)] = (
                fmt_duration(r["patience_seconds"], lang) if ident else t("patience_not_identifiable", lang)
            )
            row[t("patience_col_ci", lang, pct=pct)] = (
                f"{fmt_duration(r['ci_low'], lang)} – {fmt_duration(r['ci_high'], lang)}" if ident else "–"
            )
            row[t("patience_col_abandoned", lang)] = fmt_number(r["n_abandoned"], 0)
            row[t("patience_col_answered", lang)] = fmt_number(r["n_answered"], 0)
            row[t("patience_col_zero_wait", lang)] = fmt_number(r["n_zero_wait"], 0)
            rows.append(row)
        notes = [t("patience_note_method", lang), t("patience_note_zero_wait", lang)]
        if self.n_dropped:
            notes.append(t("patience_note_dropped", lang, n=self.n_dropped))
        return Summary(t("patience_title", lang), frame=pd.DataFrame(rows), notes=notes)


def _group_cols(by: str) -> tuple[str, ...]:
    return {
        "queue": ("queue",),
        "channel": ("channel",),
        "branch_queue": ("branch_id", "queue"),
        "branch_channel": ("branch_id", "channel"),
    }[by]


def _group_label(col: str, value: Any, lang: str) -> str:
    if col in ("queue", "channel"):
        return t(f"patience_queue_{value}", lang)
    return str(value)


def _waits(contacts: pd.DataFrame, owner: str) -> tuple[pd.DataFrame, int]:
    """Per contact: ``wait_seconds`` and ``abandoned``; rows without a known wait dropped."""
    for col in _REQUIRED:
        if col not in contacts.columns:
            raise ParamsError(
                f"The 'contacts' parameter of {owner} must have the column {col!r} of the contacts "
                f"table. Got columns {list(contacts.columns)!r} instead."
            )
    ab = contacts["abandoned"]
    if ab.isna().any() or not pd.api.types.is_bool_dtype(ab.astype("boolean").dtype):
        raise ParamsError(
            f"The 'contacts' parameter of {owner} must have a boolean 'abandoned' column without "
            f"empty values. Got dtype {ab.dtype} with {int(ab.isna().sum())} empty values instead."
        )
    ab = ab.astype(bool).to_numpy()
    arrival = pd.to_datetime(contacts["arrival_ts"])
    until = pd.to_datetime(contacts["end_ts"]).where(ab, pd.to_datetime(contacts["answer_ts"]))
    wait = (until - arrival).dt.total_seconds().to_numpy()
    bad = np.flatnonzero(wait < 0)
    if bad.size:
        raise ParamsError(
            f"The 'contacts' parameter of {owner} must have end_ts (abandoned) or answer_ts (answered) "
            f"on or after arrival_ts. Got a negative wait in {bad.size} rows (first: row {int(bad[0])}, "
            f"{wait[bad[0]]:g} s) instead."
        )
    known = ~np.isnan(wait)
    out = pd.DataFrame(
        {
            "branch_id": contacts["branch_id"].astype(str).to_numpy(),
            "channel": contacts["channel"].astype(str).to_numpy(),
            "wait_seconds": wait,
            "abandoned": ab,
        }
    )[known]
    out["queue"] = np.where(out["channel"] == "counter", "counter", "phone_online")
    return out, int((~known).sum())


def estimate_patience(
    contacts: pd.DataFrame,
    *,
    by: PatienceBy = "queue",
    confidence: float = 0.95,
    min_abandoned: int = MIN_ABANDONED,
) -> PatienceResult:
    """Mean patience per queue (or channel, or branch x queue) by the censored exponential MLE.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Rows of the contacts table (``branch_id``, ``channel``, ``arrival_ts``,
        ``answer_ts``, ``end_ts``, ``abandoned``), e.g. ``ds.table("contacts")``
        filtered to a quarter.
    by : {"queue", "channel", "branch_queue", "branch_channel"}, default "queue"
        Groups estimated. ``queue`` pools phone and online (``phone_online``) and keeps
        ``counter`` apart, as :func:`~bankperf_analysis.staffing.plan.branch_staffing_plan`.
    confidence : float, default 0.95
        Confidence level of the likelihood-ratio interval.
    min_abandoned : int, default 10
        Groups with fewer abandonments give a :class:`SmallSampleWarning`.

    Returns
    -------
    PatienceResult

    Raises
    ------
    InsufficientSampleError
        No group has an abandonment: patience is not identifiable (the likelihood grows
        without bound as the mean patience goes to infinity). Groups without one among
        others that have get ``NaN`` and ``identifiable = False``, with a warning.
    ParamsError
        A missing column, empty ``abandoned`` values or a negative wait.

    Examples
    --------
    >>> import pandas as pd
    >>> t0 = pd.Timestamp("2026-10-08 09:00")
    >>> c = pd.DataFrame({"branch_id": "B01", "channel": "phone", "arrival_ts": [t0] * 3,
    ...     "answer_ts": [t0 + pd.Timedelta(seconds=40), pd.NaT, t0],
    ...     "end_ts": [t0 + pd.Timedelta(seconds=300), t0 + pd.Timedelta(seconds=80), t0],
    ...     "abandoned": [False, True, False]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     r = estimate_patience(c)
    >>> r.patience(queue="phone_online")  # (40 + 80 + 0) / 1 abandonment
    120.0
    """
    owner = "estimate_patience"
    check_frame(contacts, "contacts", owner, "the contacts table")
    check_choice(by, "by", owner, PatienceBy)
    conf = check_unit_interval(confidence, "confidence", owner)
    min_ab = check_int(min_abandoned, "min_abandoned", owner, low=0)
    w, dropped = _waits(contacts, owner)
    if w.empty:
        raise InsufficientSampleError(f"{owner}: no contact with a known wait; patience cannot be estimated.")
    cols = list(_group_cols(by))
    w["zero"] = ~w["abandoned"] & (w["wait_seconds"] == 0)
    g = w.groupby(cols, sort=True)
    est = g.agg(
        n_contacts=("abandoned", "size"),
        n_abandoned=("abandoned", "sum"),
        n_zero_wait=("zero", "sum"),
        exposure_seconds=("wait_seconds", "sum"),
    ).reset_index()
    est["n_answered"] = est["n_contacts"] - est["n_abandoned"]
    est["patience_seconds"], est["ci_low"], est["ci_high"] = patience_interval(
        est["exposure_seconds"], est["n_abandoned"], conf
    )
    est["identifiable"] = est["n_abandoned"] > 0
    _check_identifiable(est, cols, min_ab, owner)
    order = [*cols, "n_contacts", "n_abandoned", "n_answered", "n_zero_wait", "exposure_seconds"]
    est = est[[*order, "patience_seconds", "ci_low", "ci_high", "identifiable"]]
    return PatienceResult(by=by, confidence=conf, method=_METHOD, n_dropped=dropped, estimates=est)


def _check_identifiable(est: pd.DataFrame, cols: list[str], min_ab: int, owner: str) -> None:
    def names(mask: pd.Series) -> str:
        return ", ".join("/".join(str(v) for v in row) for row in est.loc[mask, cols].itertuples(index=False))

    none = est["n_abandoned"] == 0
    if none.all():
        raise InsufficientSampleError(
            f"{owner}: no contact abandoned ({names(none)}), so mean patience is not identifiable: "
            "every wait is only a lower bound on patience and the likelihood grows without bound. "
            "Give patience as a number instead."
        )
    if none.any():
        warn(
            f"{owner}: no abandonment in {names(none)}: patience not identifiable there (NaN).",
            SmallSampleWarning,
        )
    few = (est["n_abandoned"] > 0) & (est["n_abandoned"] < min_ab)
    if few.any():
        warn(
            f"{owner}: fewer than {min_ab} abandonments in {names(few)}: the estimate rests on few "
            "events and its interval is wide.",
            SmallSampleWarning,
        )

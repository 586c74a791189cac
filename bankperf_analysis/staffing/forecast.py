"""Contact-demand forecasting per branch (and channel) and interval.

Counts are aggregated to 15-, 30- or 60-minute intervals over the opening hours seen
in the data -- intervals inside opening hours with no contact count as zero -- and
modelled with a count GLM (statsmodels): Poisson or negative binomial (NB2), with a
day-of-week x interval-of-day effect plus calendar effects (month end, holidays).
A seasonal-naive baseline (same weekday and interval, previous week) and a
rolling-origin backtest reporting WAPE show whether the model earns its keep.

Definitions
-----------
Open day
    A date with at least one contact at the branch (any channel).
Opening slots
    For each series (branch, channel) and weekday, the intervals of the day that had
    at least one contact on that weekday in the data.
Business day
    Monday to Friday and not in ``holidays``.
Month end
    The last ``month_end_days`` business days of a calendar month (default 2).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary as _Summary
from bankperf_analysis.exceptions import (
    ConvergenceWarning,
    DataValidationError,
    InsufficientSampleError,
    NotFittedError,
    ParamsError,
    ValidationIssue,
)

__all__ = [
    "ForecastModel",
    "DemandForecaster",
    "BacktestResult",
    "aggregate_contacts",
    "calendar_flags",
    "backtest",
    "wape",
]

ForecastModel = Literal["negbin", "poisson", "seasonal_naive"]
_INTERVALS = (15, 30, 60)
_ALL_CHANNELS = "all"




def _param_error(name: str, owner: str, expected: str, got: Any) -> ParamsError:
    return ParamsError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {got!r} instead."
    )


def wape(actual: Any, predicted: Any) -> float:
    """Weighted absolute percentage error ``sum |y - yhat| / sum y``.

    Parameters
    ----------
    actual, predicted : array_like
        Observed and forecast counts.

    Returns
    -------
    float
        NaN when ``sum y`` is 0.

    Examples
    --------
    >>> wape([10, 0, 30], [12, 1, 27])
    0.15
    """
    y = np.asarray(actual, dtype=float)
    f = np.asarray(predicted, dtype=float)
    tot = y.sum()
    return float(np.abs(y - f).sum() / tot) if tot > 0 else float("nan")


# --------------------------------------------------------------------------- calendar


def _normalise_holidays(holidays: Iterable[Any] | None) -> pd.DatetimeIndex:
    if holidays is None:
        return pd.DatetimeIndex([])
    return pd.DatetimeIndex(pd.to_datetime(list(holidays))).normalize().unique()


def calendar_flags(dates: Any, holidays: Iterable[Any] | None = None,
                   month_end_days: int = 2) -> pd.DataFrame:
    """Month-end and holiday flags for calendar dates.

    Parameters
    ----------
    dates : array_like of datetime
        Dates (times are ignored).
    holidays : iterable of date-like, optional
        Public holidays (not business days).
    month_end_days : int, default 2
        How many of the last business days of a month are flagged.

    Returns
    -------
    pandas.DataFrame
        ``date``, ``weekday`` (0 = Monday), ``month_end`` (bool), ``holiday`` (bool).

    Examples
    --------
    >>> f = calendar_flags(pd.date_range("2026-01-28", "2026-02-02"))
    >>> f.loc[f["month_end"], "date"].dt.day.tolist()  # Fri 30 and Thu 29 Jan 2026
    [29, 30]
    """
    d = pd.DatetimeIndex(pd.to_datetime(dates)).normalize()
    hol = _normalise_holidays(holidays)
    out = pd.DataFrame({"date": d})
    out["weekday"] = d.day_of_week
    out["holiday"] = d.isin(hol)
    if len(d) == 0:
        out["month_end"] = np.zeros(0, dtype=bool)
        return out
    # business days of every month touched, from the calendar only
    first = d.min().to_period("M").start_time
    last = d.max().to_period("M").end_time.normalize()
    cal = pd.DataFrame({"date": pd.date_range(first, last, freq="D")})
    cal = cal[(cal["date"].dt.day_of_week < 5) & ~cal["date"].isin(hol)]
    cal["rank_from_end"] = cal.groupby(cal["date"].dt.to_period("M")).cumcount(ascending=False)
    ends = cal.loc[cal["rank_from_end"] < month_end_days, "date"]
    out["month_end"] = d.isin(pd.DatetimeIndex(ends))
    return out[["date", "weekday", "month_end", "holiday"]]


# --------------------------------------------------------------------------- aggregation


def _validate_contacts(contacts: Any) -> pd.DataFrame:
    table = "contacts"
    if not isinstance(contacts, pd.DataFrame):
        raise DataValidationError([ValidationIssue(table, "", None, "", type(contacts).__name__,
                                                   "a pandas DataFrame")])
    issues = [ValidationIssue(table, "", None, c, "", "column present")
              for c in ("branch_id", "channel", "arrival_ts") if c not in contacts.columns]
    if issues:
        raise DataValidationError(issues)
    df = contacts[["branch_id", "channel", "arrival_ts"]].copy()
    ts = pd.to_datetime(df["arrival_ts"], errors="coerce")
    for col, bad in (("arrival_ts", ts.isna()), ("branch_id", df["branch_id"].isna()),
                     ("channel", df["channel"].isna())):
        rows = np.flatnonzero(bad.to_numpy())
        issues += [ValidationIssue(table, "", int(r) + 1, col, str(contacts[col].iloc[r]),
                                   "a non-missing value" if col != "arrival_ts"
                                   else "a timestamp") for r in rows[:50]]
    if issues:
        raise DataValidationError(issues)
    if len(df) == 0:
        raise InsufficientSampleError("The contacts frame is empty; nothing to forecast.")
    df["arrival_ts"] = ts
    df["branch_id"] = df["branch_id"].astype(str)
    df["channel"] = df["channel"].astype(str)
    return df


def _check_interval(interval_minutes: Any, owner: str) -> int:
    if interval_minutes not in _INTERVALS or isinstance(interval_minutes, bool):
        raise _param_error("interval_minutes", owner, "one of 15, 30, 60", interval_minutes)
    return int(interval_minutes)


def aggregate_contacts(contacts: pd.DataFrame, interval_minutes: int = 30,
                       by_channel: bool = True) -> pd.DataFrame:
    """Count contacts per series and interval, zero-filled within opening hours.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Columns ``branch_id`` (str), ``channel`` (str), ``arrival_ts`` (datetime).
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    by_channel : bool, default True
        One series per (branch, channel); otherwise one per branch with
        ``channel == "all"``.

    Returns
    -------
    pandas.DataFrame
        ``branch_id``, ``channel``, ``interval_start``, ``date``, ``weekday``,
        ``slot`` (interval of the day, 0-based), ``contacts``: one row per open day
        and opening slot of the series (see the module docstring), zeros included.

    Examples
    --------
    >>> c = pd.DataFrame({"branch_id": "B1", "channel": "phone", "arrival_ts":
    ...     pd.to_datetime(["2026-01-05 09:10", "2026-01-05 10:05", "2026-01-12 09:40"])})
    >>> aggregate_contacts(c, 60)["contacts"].tolist()  # 09 and 10 on both Mondays
    [1, 1, 1, 0]
    """
    minutes = _check_interval(interval_minutes, "aggregate_contacts")
    df = _validate_contacts(contacts)
    return _aggregate(df, minutes, by_channel)


def _aggregate(df: pd.DataFrame, minutes: int, by_channel: bool) -> pd.DataFrame:
    if not by_channel:
        df = df.assign(channel=_ALL_CHANNELS)
    start = df["arrival_ts"].dt.floor(f"{minutes}min")
    counts = (df.assign(interval_start=start)
              .groupby(["branch_id", "channel", "interval_start"], observed=True).size()
              .rename("contacts").reset_index())
    counts["date"] = counts["interval_start"].dt.normalize()
    counts["weekday"] = counts["date"].dt.day_of_week
    counts["slot"] = ((counts["interval_start"] - counts["date"]).dt.total_seconds()
                      // (60 * minutes)).astype(np.int64)
    open_days = counts[["branch_id", "date", "weekday"]].drop_duplicates()
    slots = counts[["branch_id", "channel", "weekday", "slot"]].drop_duplicates()
    grid = open_days.merge(slots, on=["branch_id", "weekday"], how="inner")
    grid = grid.merge(counts[["branch_id", "channel", "date", "slot", "contacts"]],
                      on=["branch_id", "channel", "date", "slot"], how="left")
    grid["contacts"] = grid["contacts"].fillna(0).astype(np.int64)
    grid["interval_start"] = grid["date"] + pd.to_timedelta(grid["slot"] * minutes, unit="min")
    cols = ["branch_id", "channel", "interval_start", "date", "weekday", "slot", "contacts"]
    return grid[cols].sort_values(["branch_id", "channel", "interval_start"]).reset_index(
        drop=True)


# --------------------------------------------------------------------------- model fitting


_KEYS = ["branch_id", "channel"]
_CELL = ["weekday", "slot"]


def _moment_alpha_sums(num: float, den: float) -> float:
    """Cameron-Trivedi auxiliary OLS, ``((y - mu)^2 - y) / mu = alpha mu + e``, no intercept.

    The OLS slope is ``sum((y - mu)^2 - y) / sum(mu^2)`` (``num / den``), floored at
    1e-8 (under-dispersed data make NB2 collapse to Poisson).
    """
    if den <= 0:
        return 1e-8
    return float(max(num / den, 1e-8))


def _group_stats(hist: pd.DataFrame) -> pd.DataFrame:
    """Sufficient statistics per series, cell and calendar flags: n, sum y, sum y^2."""
    y = hist["contacts"].to_numpy(dtype=float)
    return (hist.assign(y=y, y2=y**2)
            .groupby(_KEYS + _CELL + ["month_end", "holiday"], observed=True, sort=True)
            .agg(n=("y", "size"), y=("y", "sum"), y2=("y2", "sum")).reset_index())


def _cell_step(codes: np.ndarray, k: int, n: np.ndarray, ybar: np.ndarray, offset: np.ndarray,
               c: np.ndarray, alpha: float) -> np.ndarray:
    """Maximise the log-likelihood over the cell effects for a fixed offset (calendar part).

    Poisson: closed form ``c_j = log(sum y / sum n exp(offset))`` over the cell. NB2
    with fixed ``alpha``: the cell score ``sum n (ybar - mu) / (1 + alpha mu)`` is
    decreasing in ``c_j``; Newton's method from the current value.
    """
    tot_y = np.bincount(codes, weights=n * ybar, minlength=k)
    c = np.log(tot_y / np.bincount(codes, weights=n * np.exp(offset), minlength=k)) \
        if alpha == 0.0 or not np.all(np.isfinite(c)) else c
    if alpha == 0.0:
        return c
    for _ in range(100):
        mu = np.exp(c[codes] + offset)
        den = 1.0 + alpha * mu
        score = np.bincount(codes, weights=n * (ybar - mu) / den, minlength=k)
        info = np.bincount(codes, weights=n * mu * (1.0 + alpha * ybar) / den**2, minlength=k)
        step = np.clip(score / info, -1.0, 1.0)  # damped: never overshoot wildly
        c = c + step
        if np.max(np.abs(step)) < 1e-13:
            break
    return c


def _fit_series_glm(g: pd.DataFrame, model: str, alpha: float | None) -> dict[str, Any]:
    """Fit one series' count GLM: log E[y] = cell(weekday, slot) + calendar effects.

    Two devices keep this fast without changing the estimates:

    * Sufficient statistics. Rows sharing every covariate (cell, month end, holiday)
      are collapsed to their mean count with the number of rows as frequency weight:
      with a log link the Poisson score, and the NB2 score at a fixed ``alpha``,
      depend on the data only through these group sums and sizes.
    * Absorbed cell effects. The weekday x slot effect is saturated, so for given
      calendar coefficients each cell's maximum-likelihood effect has a closed form
      (Poisson) or a one-dimensional Newton solution (NB2). The calendar
      coefficients are fitted by a statsmodels GLM with the cell effects as offset,
      and the two steps alternate to the joint maximum likelihood (block coordinate
      ascent on a concave log-likelihood; the tests check the result against a
      row-level statsmodels GLM with one dummy per cell). This avoids dense
      least-squares on a design with a column per cell (up to 7 x 96 at 15 minutes).
    """
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    n = g["n"].to_numpy(dtype=float)
    ysum = g["y"].to_numpy(dtype=float)
    ybar = ysum / n
    codes, cells = pd.MultiIndex.from_arrays([g["weekday"], g["slot"]]).factorize()
    k = len(cells)
    cols, extra = [], []
    for flag in ("month_end", "holiday"):
        v = g[flag].to_numpy(dtype=bool)
        # estimable only if the flag varies and its flagged rows are not all zero
        if v.any() and (~v).any() and ysum[v].sum() > 0:
            cols.append(v.astype(float))
            extra.append(flag)
    xf = np.column_stack(cols) if cols else np.zeros((len(g), 0))

    def fit(a: float, c: np.ndarray, beta: np.ndarray):
        family = families.Poisson() if a == 0.0 else families.NegativeBinomial(alpha=a)
        converged = True
        for _ in range(500):
            c_new = _cell_step(codes, k, n, ybar, xf @ beta, c, a)
            if not extra:
                return c_new, beta, True
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = GLM(ybar, xf, family=family, freq_weights=n, offset=c_new[codes]).fit(
                    start_params=beta, method="IRLS", tol=1e-12)
            beta_new = np.asarray(res.params)
            delta = max(np.max(np.abs(c_new - c)), np.max(np.abs(beta_new - beta)))
            c, beta = c_new, beta_new
            if delta < 1e-10:
                break
        else:
            converged = False
        if not converged:
            warnings.warn(f"The {model} GLM did not converge for one series.",
                          ConvergenceWarning, stacklevel=4)
        return c, beta, converged

    c0 = np.full(k, np.nan)
    c, beta, _ = fit(0.0, c0, np.zeros(len(extra)))
    a = 0.0
    if model == "negbin":
        if alpha is not None:
            a = float(alpha)
        else:  # moment estimate on the row-level data, from the group sums
            mu = np.exp(c[codes] + xf @ beta)
            sq = g["y2"].to_numpy(dtype=float) - 2.0 * mu * ysum + n * mu**2
            a = _moment_alpha_sums(float(sq.sum() - ysum.sum()), float(np.sum(n * mu**2)))
        c, beta, _ = fit(a, c, beta)
    return {
        "cells": pd.MultiIndex.from_tuples(list(cells), names=_CELL),
        "log_rate": c,
        "month_end": float(beta[extra.index("month_end")]) if "month_end" in extra else 0.0,
        "holiday": float(beta[extra.index("holiday")]) if "holiday" in extra else np.nan,
        "alpha": a,
    }


# --------------------------------------------------------------------------- estimator


class DemandForecaster:
    """Forecast contacts per branch, channel and interval.

    Parameters
    ----------
    model : {"negbin", "poisson", "seasonal_naive"}, default "negbin"
        ``"negbin"``: NB2 GLM, ``Var = mu + alpha mu^2``; ``"poisson"``: Poisson GLM;
        ``"seasonal_naive"``: the value at the same weekday and interval in the most
        recent open week.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    by_channel : bool, default True
        One series per (branch, channel); otherwise one per branch.
    holidays : iterable of date-like, optional
        Public holidays (a calendar effect; not business days).
    month_end_days : int, default 2
        Last business days of the month flagged as month end.
    alpha : float, optional
        Fixed NB2 dispersion. By default it is estimated per series by the
        Cameron-Trivedi moment regression on the Poisson fit: the Poisson QMLE of
        the mean is consistent whatever the dispersion, so one auxiliary OLS gives a
        consistent ``alpha`` and a single NB GLM refit, avoiding the joint maximum
        likelihood over ``alpha`` and a hundred-odd dummy coefficients (slow and
        fragile when counts are small).

    Attributes
    ----------
    history_ : pandas.DataFrame
        Training counts from :func:`aggregate_contacts` with calendar flags.
    coef_ : pandas.DataFrame
        Tidy coefficients: ``branch_id``, ``channel``, ``term``, ``estimate``
        (log scale). Cell terms ``"dow{d}_slot{s}"`` are log rates of each weekday and
        interval of the day; ``month_end`` and ``holiday`` are log multipliers; a
        ``holiday`` of ``-inf`` means the series was closed on every training holiday.
    alpha_ : pandas.DataFrame
        ``branch_id``, ``channel``, ``alpha`` (0 for Poisson).

    Notes
    -----
    The model is ``log E[y] = cell(weekday, slot) + b_me * month_end + b_hol *
    holiday``, fitted by maximum likelihood separately per series (a saturated
    weekday x interval term would otherwise need branch interactions anyway). The
    fit works on sufficient statistics (rows with equal covariates collapsed) and
    absorbs the cell effects (closed form / one-dimensional Newton), while a
    statsmodels ``GLM`` (Poisson or ``NegativeBinomial(alpha)`` family, cell effects
    as offset) fits the calendar effects; alternating the two reaches the same
    estimates as a row-level GLM with one dummy per cell, without its dense
    (rows x cells) least squares. Cells that never had a contact are predicted as 0.
    On a holiday the holiday effect applies when the branch was open on a holiday in
    the training data; if it was closed on every training holiday, holidays are
    predicted closed (no rows); if no holiday fell in the training data, a holiday is
    forecast as an ordinary day.

    Examples
    --------
    >>> ts = pd.date_range("2026-01-05 09:00", "2026-02-01 17:00", freq="7min")
    >>> ts = ts[(ts.hour >= 9) & (ts.hour < 17) & (ts.day_of_week < 5)]
    >>> c = pd.DataFrame({"branch_id": "B1", "channel": "phone", "arrival_ts": ts})
    >>> f = DemandForecaster(model="poisson", interval_minutes=60).fit(c)
    >>> p = f.predict("2026-02-02", "2026-02-03")
    >>> len(p), round(float(p["expected_contacts"].iloc[1]), 1)
    (8, 9.0)
    """

    _PARAMS = ("model", "interval_minutes", "by_channel", "holidays", "month_end_days", "alpha")

    def __init__(
        self,
        model: ForecastModel = "negbin",
        interval_minutes: int = 30,
        by_channel: bool = True,
        holidays: Iterable[Any] | None = None,
        month_end_days: int = 2,
        alpha: float | None = None,
    ):
        self.model = model
        self.interval_minutes = interval_minutes
        self.by_channel = by_channel
        self.holidays = holidays
        self.month_end_days = month_end_days
        self.alpha = alpha

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Return the constructor arguments as a dict (scikit-learn convention)."""
        return {p: getattr(self, p) for p in self._PARAMS}

    def set_params(self, **params: Any) -> DemandForecaster:
        """Set constructor arguments; returns ``self``."""
        for k, v in params.items():
            if k not in self._PARAMS:
                raise _param_error(k, "DemandForecaster.set_params", "a known parameter", v)
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        d = DemandForecaster()
        changed = [f"{p}={getattr(self, p)!r}" for p in self._PARAMS
                   if not _same(getattr(self, p), getattr(d, p))]
        return f"DemandForecaster({', '.join(changed)})"

    def _validate_params(self) -> None:
        owner = "DemandForecaster"
        if self.model not in get_args(ForecastModel):
            raise _param_error("model", owner, "one of 'negbin', 'poisson', 'seasonal_naive'",
                               self.model)
        _check_interval(self.interval_minutes, owner)
        if not isinstance(self.by_channel, bool):
            raise _param_error("by_channel", owner, "a bool", self.by_channel)
        if (not isinstance(self.month_end_days, int) or isinstance(self.month_end_days, bool)
                or not 0 <= self.month_end_days <= 10):
            raise _param_error("month_end_days", owner, "an int in [0, 10]",
                               self.month_end_days)
        if self.alpha is not None and (not isinstance(self.alpha, int | float)
                                       or isinstance(self.alpha, bool) or self.alpha <= 0):
            raise _param_error("alpha", owner, "a positive float or None", self.alpha)
        try:
            _normalise_holidays(self.holidays)
        except (TypeError, ValueError) as exc:
            raise _param_error("holidays", owner, "an iterable of dates or None",
                               self.holidays) from exc

    def fit(self, contacts: pd.DataFrame) -> DemandForecaster:
        """Aggregate ``contacts`` and fit one count model per series.

        Parameters
        ----------
        contacts : pandas.DataFrame
            Columns ``branch_id``, ``channel``, ``arrival_ts``.

        Returns
        -------
        DemandForecaster
            ``self``.
        """
        self._validate_params()
        df = _validate_contacts(contacts)
        grid = _aggregate(df, int(self.interval_minutes), self.by_channel)
        return self._fit_grid(grid)

    def _fit_grid(self, grid: pd.DataFrame) -> DemandForecaster:
        flags = calendar_flags(grid["date"].drop_duplicates(), self.holidays,
                               self.month_end_days)
        hist = grid.merge(flags[["date", "month_end", "holiday"]], on="date", how="left")
        self.history_ = hist
        # seasonal naive: the last open same-weekday value of every cell
        self._naive = (hist.sort_values("date").groupby(_KEYS + _CELL, sort=True)["contacts"]
                       .last().rename("naive").reset_index())
        # holidays: open on one in training -> effect (0 if not estimable); holidays in
        # the training span but never open -> closed; no holiday in span -> unknown (NaN)
        hol = _normalise_holidays(self.holidays)
        hol_in_range = bool(((hol >= grid["date"].min()) & (hol <= grid["date"].max())).any())
        on_hol = hist[hist["holiday"]].groupby(_KEYS)["contacts"].sum()
        series = hist[_KEYS].drop_duplicates().sort_values(_KEYS).reset_index(drop=True)
        idx = pd.MultiIndex.from_frame(series)
        hol_y = on_hol.reindex(idx).to_numpy(dtype=float)
        default_hol = np.where(np.isnan(hol_y), -np.inf if hol_in_range else np.nan,
                               np.where(hol_y > 0, 0.0, -np.inf))
        series["b_month_end"] = 0.0
        series["b_holiday"] = default_hol
        series["alpha"] = 0.0
        cell_frames = []
        if self.model != "seasonal_naive":
            stats = _group_stats(hist)
            tot = stats.groupby(_KEYS + _CELL)["y"].transform("sum").to_numpy()
            stats = stats[tot > 0]  # cells that never had a contact are forecast as 0
            for key, g in stats.groupby(_KEYS, sort=True):
                f = _fit_series_glm(g, self.model, self.alpha)
                j = int(np.flatnonzero((series["branch_id"] == key[0])
                                       & (series["channel"] == key[1]))[0])
                series.loc[j, ["b_month_end", "alpha"]] = [f["month_end"], f["alpha"]]
                if np.isfinite(f["holiday"]):
                    series.loc[j, "b_holiday"] = f["holiday"]
                cf = f["cells"].to_frame(index=False)
                cf.insert(0, "channel", key[1])
                cf.insert(0, "branch_id", key[0])
                cf["log_rate"] = f["log_rate"]
                cell_frames.append(cf)
        cells = (pd.concat(cell_frames, ignore_index=True) if cell_frames
                 else pd.DataFrame(columns=[*_KEYS, *_CELL, "log_rate"]))
        self._cells = cells
        self._series = series
        coef = cells.assign(term="dow" + cells["weekday"].astype(str) + "_slot"
                            + cells["slot"].astype(str)).rename(columns={"log_rate": "estimate"})
        parts = [coef[[*_KEYS, "term", "estimate"]]]
        if self.model != "seasonal_naive":
            for term in ("month_end", "holiday"):
                t = series[[*_KEYS, "b_" + term]].rename(columns={"b_" + term: "estimate"})
                t = t[t["estimate"].notna()]
                parts.append(t.assign(term=term)[[*_KEYS, "term", "estimate"]])
        self.coef_ = (pd.concat(parts, ignore_index=True)
                      .sort_values(_KEYS, kind="stable").reset_index(drop=True))
        self.alpha_ = series[[*_KEYS, "alpha"]].copy()
        return self

    def summary(self) -> _Summary:
        """Per series: intervals and contacts fitted, dispersion and calendar multipliers."""
        if not hasattr(self, "_series"):
            raise NotFittedError("This DemandForecaster instance is not fitted yet; call fit().")
        h = self.history_.groupby(_KEYS, sort=True).agg(
            intervals=("contacts", "size"), contacts=("contacts", "sum")).reset_index()
        s = h.merge(self._series, on=_KEYS, how="left")
        frame = pd.DataFrame({
            "branch_id": s["branch_id"], "channel": s["channel"], "intervals": s["intervals"],
            "contacts": s["contacts"], "alpha": s["alpha"],
            "month_end_multiplier": np.exp(s["b_month_end"].to_numpy(dtype=float)),
            "holiday_multiplier": np.exp(s["b_holiday"].to_numpy(dtype=float)),
        })
        return _Summary(f"Demand forecast: {self!r}", frame,
                        ["Multipliers are exp(coefficient); a holiday multiplier of 0 means "
                         "closed on holidays, NaN that no holiday fell in the training data."])

    def predict(self, start: Any, end: Any) -> pd.DataFrame:
        """Forecast expected contacts per interval in ``[start, end)``.

        Parameters
        ----------
        start, end : date-like
            Forecast window (``end`` exclusive).

        Returns
        -------
        pandas.DataFrame
            ``interval_start``, ``branch_id``, ``channel``, ``expected_contacts``
            (non-negative floats), one row per opening slot of every weekday seen open
            in the training data.
        """
        if not hasattr(self, "_series"):
            raise NotFittedError("This DemandForecaster instance is not fitted yet; call fit().")
        t0, t1 = pd.Timestamp(start), pd.Timestamp(end)
        if not t1 > t0:
            raise _param_error("end", "DemandForecaster.predict", f"a time after {t0}", end)
        minutes = int(self.interval_minutes)
        days = pd.date_range(t0.normalize(), (t1 - pd.Timedelta(1, "ns")).normalize(), freq="D")
        cal = calendar_flags(days, self.holidays, self.month_end_days)
        slots = self.history_[_KEYS + _CELL].drop_duplicates()
        g = slots.merge(cal, on="weekday", how="inner")
        g["interval_start"] = g["date"] + pd.to_timedelta(g["slot"] * minutes, unit="min")
        g = g[(g["interval_start"] >= t0) & (g["interval_start"] < t1)]
        g = g.merge(self._series, on=_KEYS, how="left")
        hol_eff = g["b_holiday"].to_numpy(dtype=float)
        is_hol = g["holiday"].to_numpy(dtype=bool)
        keep = ~(is_hol & np.isneginf(hol_eff))  # closed on holidays: no rows
        g, hol_eff, is_hol = g[keep], hol_eff[keep], is_hol[keep]
        if self.model == "seasonal_naive":
            pred = g.merge(self._naive, on=_KEYS + _CELL, how="left")["naive"].to_numpy(
                dtype=float)
        else:
            log_rate = g.merge(self._cells, on=_KEYS + _CELL, how="left")["log_rate"].to_numpy(
                dtype=float)
            eta = (log_rate + g["b_month_end"].to_numpy(dtype=float)
                   * g["month_end"].to_numpy(dtype=float)
                   + np.where(is_hol & np.isfinite(hol_eff), hol_eff, 0.0))
            pred = np.exp(eta)
        pred = np.maximum(np.nan_to_num(pred, nan=0.0, posinf=0.0), 0.0)
        out = pd.DataFrame({"interval_start": g["interval_start"].to_numpy(),
                            "branch_id": g["branch_id"].to_numpy(),
                            "channel": g["channel"].to_numpy(), "expected_contacts": pred})
        return out.sort_values(["branch_id", "channel", "interval_start"]).reset_index(drop=True)


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):
        return a is b


# --------------------------------------------------------------------------- backtest


@dataclass(frozen=True, slots=True)
class BacktestResult:
    """Rolling-origin backtest of demand forecasters.

    Attributes
    ----------
    folds : pandas.DataFrame
        One row per fold and model: ``fold``, ``cutoff``, ``model``, ``n_intervals``,
        ``actual_contacts``, ``abs_error``, ``wape``.
    overall : pandas.DataFrame
        One row per model: pooled ``wape`` over all folds, ``wape_vs_baseline`` (ratio
        to the seasonal-naive WAPE) and ``beats_baseline``.
    interval_minutes : int
        Interval length used.
    horizon_days : int
        Days forecast after each cutoff.
    """

    folds: pd.DataFrame
    overall: pd.DataFrame
    interval_minutes: int
    horizon_days: int

    def to_frame(self) -> pd.DataFrame:
        """Return the tidy per-fold frame."""
        return self.folds.copy()

    def summary(self) -> _Summary:
        """Pooled WAPE per model and whether it beats the seasonal-naive baseline."""
        return _Summary(
            f"Rolling-origin backtest: {self.folds['fold'].nunique()} folds x "
            f"{self.horizon_days} days, {self.interval_minutes}-min intervals",
            self.overall,
            ["WAPE = sum|y - yhat| / sum y over every interval of every fold (lower is "
             "better)."],
        )


def backtest(
    contacts: pd.DataFrame,
    *,
    models: Sequence[ForecastModel] = ("seasonal_naive", "poisson", "negbin"),
    n_folds: int = 4,
    horizon_days: int = 7,
    interval_minutes: int = 30,
    by_channel: bool = True,
    holidays: Iterable[Any] | None = None,
    month_end_days: int = 2,
    min_train_days: int = 14,
) -> BacktestResult:
    """Rolling-origin backtest: train before each cutoff, forecast the next horizon.

    The cutoffs are midnights ``horizon_days`` apart, the last one ``horizon_days``
    before the end of the data. Each fold trains every model on all contacts
    before its cutoff and is scored on the zero-filled actual counts of the
    following ``horizon_days`` (open days and opening slots as in
    :func:`aggregate_contacts`); forecasts missing for an actual interval count as 0.

    Parameters
    ----------
    contacts : pandas.DataFrame
        Columns ``branch_id``, ``channel``, ``arrival_ts``.
    models : sequence of {"seasonal_naive", "poisson", "negbin"}
        Models to compare; ``"seasonal_naive"`` is always added as the baseline.
    n_folds : int, default 4
        Number of cutoffs.
    horizon_days : int, default 7
        Forecast horizon after each cutoff.
    interval_minutes : {15, 30, 60}, default 30
        Interval length.
    by_channel : bool, default True
        One series per (branch, channel).
    holidays : iterable of date-like, optional
        Public holidays.
    month_end_days : int, default 2
        Month-end business days flagged.
    min_train_days : int, default 14
        Minimum days of history before the first cutoff.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InsufficientSampleError
        If the data do not cover ``min_train_days + n_folds * horizon_days`` days.
    """
    owner = "backtest"
    minutes = _check_interval(interval_minutes, owner)
    for name, v in (("n_folds", n_folds), ("horizon_days", horizon_days),
                    ("min_train_days", min_train_days)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise _param_error(name, owner, "a positive int", v)
    models = list(dict.fromkeys(["seasonal_naive", *models]))
    for m in models:
        if m not in get_args(ForecastModel):
            raise _param_error("models", owner,
                               "a sequence of 'negbin', 'poisson', 'seasonal_naive'", m)
    df = _validate_contacts(contacts)
    full = _aggregate(df, minutes, by_channel)
    first = full["date"].min()
    end = full["date"].max() + pd.Timedelta(days=1)
    cutoffs = [end - pd.Timedelta(days=horizon_days * (n_folds - k)) for k in range(n_folds)]
    if cutoffs[0] - first < pd.Timedelta(days=min_train_days):
        raise InsufficientSampleError(
            f"backtest needs at least {min_train_days + n_folds * horizon_days} days of data "
            f"for {n_folds} folds of {horizon_days} days; got {(end - first).days}."
        )
    rows = []
    keys = ["branch_id", "channel", "interval_start"]
    for k, cut in enumerate(cutoffs, start=1):
        stop = cut + pd.Timedelta(days=horizon_days)
        actual = full[(full["interval_start"] >= cut) & (full["interval_start"] < stop)]
        train = df[df["arrival_ts"] < cut]
        train_grid = _aggregate(train, minutes, by_channel)
        for m in models:
            est = DemandForecaster(model=m, interval_minutes=minutes, by_channel=by_channel,
                                   holidays=holidays, month_end_days=month_end_days)
            est._fit_grid(train_grid)
            pred = est.predict(cut, stop)
            j = actual[keys + ["contacts"]].merge(pred, on=keys, how="left")
            yhat = j["expected_contacts"].fillna(0.0).to_numpy()
            y = j["contacts"].to_numpy(dtype=float)
            rows.append({"fold": k, "cutoff": cut, "model": m, "n_intervals": len(j),
                         "actual_contacts": float(y.sum()),
                         "abs_error": float(np.abs(y - yhat).sum()), "wape": wape(y, yhat)})
    folds = pd.DataFrame(rows)
    tot = folds.groupby("model", sort=False)[["actual_contacts", "abs_error"]].sum()
    overall = pd.DataFrame({"model": tot.index,
                            "wape": (tot["abs_error"] / tot["actual_contacts"]).to_numpy()})
    base = float(overall.loc[overall["model"] == "seasonal_naive", "wape"].iloc[0])
    overall["wape_vs_baseline"] = overall["wape"] / base
    overall["beats_baseline"] = overall["wape"] < base
    return BacktestResult(folds=folds, overall=overall.reset_index(drop=True),
                          interval_minutes=minutes, horizon_days=horizon_days)

"""Contact-demand forecasting per branch (and channel) and interval.

Counts per interval (:mod:`bankperf_analysis.staffing.demand`) are modelled with a
count GLM (statsmodels): Poisson or negative binomial (NB2), with a day-of-week x
interval-of-day effect plus calendar effects (month end, holidays). A seasonal-naive
baseline (same weekday and interval, previous week) is the third model;
:func:`~bankperf_analysis.staffing.backtest.backtest` shows whether the GLMs earn
their keep.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._estimator import ParamsMixin
from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_int, check_positive, param_error, warn
from bankperf_analysis.exceptions import ConvergenceWarning, NotFittedError
from bankperf_analysis.staffing.demand import (
    _aggregate,
    _check_interval,
    _normalise_holidays,
    _validate_contacts,
    calendar_flags,
)

__all__ = ["ForecastModel", "DemandForecaster"]

ForecastModel = Literal["negbin", "poisson", "seasonal_naive"]

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
    return (
        hist.assign(y=y, y2=y**2)
        .groupby(_KEYS + _CELL + ["month_end", "holiday"], observed=True, sort=True)
        .agg(n=("y", "size"), y=("y", "sum"), y2=("y2", "sum"))
        .reset_index()
    )


def _cell_step(
    codes: np.ndarray,
    k: int,
    n: np.ndarray,
    ybar: np.ndarray,
    offset: np.ndarray,
    c: np.ndarray,
    alpha: float,
) -> np.ndarray:
    """Maximise the log-likelihood over the cell effects for a fixed offset (calendar part).

    Poisson: closed form ``c_j = log(sum y / sum n exp(offset))`` over the cell. NB2
    with fixed ``alpha``: the cell score ``sum n (ybar - mu) / (1 + alpha mu)`` is
    decreasing in ``c_j``; Newton's method from the current value.
    """
    tot_y = np.bincount(codes, weights=n * ybar, minlength=k)
    c = (
        np.log(tot_y / np.bincount(codes, weights=n * np.exp(offset), minlength=k))
        if alpha == 0.0 or not np.all(np.isfinite(c))
        else c
    )
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
                    start_params=beta, method="IRLS", tol=1e-12
                )
            beta_new = np.asarray(res.params)
            delta = max(np.max(np.abs(c_new - c)), np.max(np.abs(beta_new - beta)))
            c, beta = c_new, beta_new
            if delta < 1e-10:
                break
        else:
            converged = False
        if not converged:
            warn(f"The {model} GLM did not converge for one series.", ConvergenceWarning)
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


class DemandForecaster(ParamsMixin):
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
        Training counts from
        :func:`~bankperf_analysis.staffing.demand.aggregate_contacts` with calendar
        flags.
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

    def _validate_params(self) -> None:
        owner = "DemandForecaster"
        check_choice(self.model, "model", owner, ForecastModel)
        _check_interval(self.interval_minutes, owner)
        if not isinstance(self.by_channel, bool):
            raise param_error("by_channel", owner, "a bool", self.by_channel)
        check_int(self.month_end_days, "month_end_days", owner, low=0, high=10)
        check_positive(self.alpha, "alpha", owner, allow_none=True)
        try:
            _normalise_holidays(self.holidays)
        except (TypeError, ValueError) as exc:
            raise param_error("holidays", owner, "an iterable of dates or None", self.holidays) from exc

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
        """Fit on zero-filled counts (the frame of :func:`.demand.aggregate_contacts`)."""
        flags = calendar_flags(grid["date"].drop_duplicates(), self.holidays, self.month_end_days)
        hist = grid.merge(flags[["date", "month_end", "holiday"]], on="date", how="left")
        self.history_ = hist
        # seasonal naive: the last open same-weekday value of every cell
        self._naive = (
            hist.sort_values("date")
            .groupby(_KEYS + _CELL, sort=True)["contacts"]
            .last()
            .rename("naive")
            .reset_index()
        )
        series = self._series_defaults(hist, grid)
        cell_frames = self._fit_series(hist, series) if self.model != "seasonal_naive" else []
        cells = (
            pd.concat(cell_frames, ignore_index=True)
            if cell_frames
            else pd.DataFrame(columns=[*_KEYS, *_CELL, "log_rate"])
        )
        self._cells = cells
        self._series = series
        self.coef_ = _coefficients(cells, series, calendar=self.model != "seasonal_naive")
        self.alpha_ = series[[*_KEYS, "alpha"]].copy()
        return self

    def _series_defaults(self, hist: pd.DataFrame, grid: pd.DataFrame) -> pd.DataFrame:
        """One row per series with the calendar effects and dispersion before any fit.

        Holidays: open on one in training -> effect (0 if not estimable); holidays in
        the training span but never open -> closed (``-inf``); no holiday in span ->
        unknown (NaN).
        """
        hol = _normalise_holidays(self.holidays)
        hol_in_range = bool(((hol >= grid["date"].min()) & (hol <= grid["date"].max())).any())
        on_hol = hist[hist["holiday"]].groupby(_KEYS)["contacts"].sum()
        series = hist[_KEYS].drop_duplicates().sort_values(_KEYS).reset_index(drop=True)
        idx = pd.MultiIndex.from_frame(series)
        hol_y = on_hol.reindex(idx).to_numpy(dtype=float)
        default_hol = np.where(
            np.isnan(hol_y), -np.inf if hol_in_range else np.nan, np.where(hol_y > 0, 0.0, -np.inf)
        )
        series["b_month_end"] = 0.0
        series["b_holiday"] = default_hol
        series["alpha"] = 0.0
        return series

    def _fit_series(self, hist: pd.DataFrame, series: pd.DataFrame) -> list[pd.DataFrame]:
        """Fit the GLM of every series; set its calendar effects in ``series``, return its cells."""
        cell_frames = []
        stats = _group_stats(hist)
        tot = stats.groupby(_KEYS + _CELL)["y"].transform("sum").to_numpy()
        stats = stats[tot > 0]  # cells that never had a contact are forecast as 0
        for key, g in stats.groupby(_KEYS, sort=True):
            f = _fit_series_glm(g, self.model, self.alpha)
            j = int(np.flatnonzero((series["branch_id"] == key[0]) & (series["channel"] == key[1]))[0])
            series.loc[j, ["b_month_end", "alpha"]] = [f["month_end"], f["alpha"]]
            if np.isfinite(f["holiday"]):
                series.loc[j, "b_holiday"] = f["holiday"]
            cf = f["cells"].to_frame(index=False)
            cf.insert(0, "channel", key[1])
            cf.insert(0, "branch_id", key[0])
            cf["log_rate"] = f["log_rate"]
            cell_frames.append(cf)
        return cell_frames

    def summary(self) -> Summary:
        """Per series: intervals and contacts fitted, dispersion and calendar multipliers."""
        if not hasattr(self, "_series"):
            raise NotFittedError("This DemandForecaster instance is not fitted yet; call fit().")
        h = (
            self.history_.groupby(_KEYS, sort=True)
            .agg(intervals=("contacts", "size"), contacts=("contacts", "sum"))
            .reset_index()
        )
        s = h.merge(self._series, on=_KEYS, how="left")
        frame = pd.DataFrame(
            {
                "branch_id": s["branch_id"],
                "channel": s["channel"],
                "intervals": s["intervals"],
                "contacts": s["contacts"],
                "alpha": s["alpha"],
                "month_end_multiplier": np.exp(s["b_month_end"].to_numpy(dtype=float)),
                "holiday_multiplier": np.exp(s["b_holiday"].to_numpy(dtype=float)),
            }
        )
        return Summary(
            f"Demand forecast: {self!r}",
            frame,
            [
                "Multipliers are exp(coefficient); a holiday multiplier of 0 means "
                "closed on holidays, NaN that no holiday fell in the training data."
            ],
        )

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
            raise param_error("end", "DemandForecaster.predict", f"a time after {t0}", end)
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
            pred = g.merge(self._naive, on=_KEYS + _CELL, how="left")["naive"].to_numpy(dtype=float)
        else:
            log_rate = g.merge(self._cells, on=_KEYS + _CELL, how="left")["log_rate"].to_numpy(dtype=float)
            eta = (
                log_rate
                + g["b_month_end"].to_numpy(dtype=float) * g["month_end"].to_numpy(dtype=float)
                + np.where(is_hol & np.isfinite(hol_eff), hol_eff, 0.0)
            )
            pred = np.exp(eta)
        pred = np.maximum(np.nan_to_num(pred, nan=0.0, posinf=0.0), 0.0)
        out = pd.DataFrame(
            {
                "interval_start": g["interval_start"].to_numpy(),
                "branch_id": g["branch_id"].to_numpy(),
                "channel": g["channel"].to_numpy(),
                "expected_contacts": pred,
            }
        )
        return out.sort_values(["branch_id", "channel", "interval_start"]).reset_index(drop=True)


def _coefficients(cells: pd.DataFrame, series: pd.DataFrame, calendar: bool) -> pd.DataFrame:
    """Tidy ``coef_``: the cell log rates, then (with ``calendar``) the month-end and holiday effects."""
    coef = cells.assign(
        term="dow" + cells["weekday"].astype(str) + "_slot" + cells["slot"].astype(str)
    ).rename(columns={"log_rate": "estimate"})
    parts = [coef[[*_KEYS, "term", "estimate"]]]
    if calendar:
        for term in ("month_end", "holiday"):
            t = series[[*_KEYS, "b_" + term]].rename(columns={"b_" + term: "estimate"})
            t = t[t["estimate"].notna()]
            parts.append(t.assign(term=term)[[*_KEYS, "term", "estimate"]])
    return pd.concat(parts, ignore_index=True).sort_values(_KEYS, kind="stable").reset_index(drop=True)

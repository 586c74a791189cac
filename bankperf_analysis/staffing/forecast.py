"""Contact-demand forecasting per branch (and channel) and interval.

Counts per interval (:mod:`bankperf_analysis.staffing.demand`) are modelled with a
count GLM (statsmodels): Poisson or negative binomial (NB2), with a day-of-week x
interval-of-day effect plus calendar effects (month end, holidays). A seasonal-naive
baseline (same weekday and interval, previous week) is the third model;
:func:`~bankperf_analysis.staffing.backtest.backtest` shows whether the GLMs earn
their keep.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._estimator import ParamsMixin
from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_int, check_positive, param_error, warn
from bankperf_analysis.exceptions import ConvergenceWarning, NotFittedError
from bankperf_analysis.staffing._batch_glm import _Batch, fit_batch, make_batch, moment_alpha
from bankperf_analysis.staffing._pooled_glm import fit_pooled, make_blocks
from bankperf_analysis.staffing.demand import (
    _aggregate,
    _check_interval,
    _normalise_holidays,
    _validate_contacts,
    calendar_flags,
)

__all__ = ["ForecastModel", "DemandForecaster"]

ForecastModel = Literal["negbin", "poisson", "seasonal_naive"]
Pooling = Literal["series", "pooled", "auto"]

#: With ``pooling="auto"``, banks with at least this many series (branch x channel) get
#: the pooled model (see the ``pooling`` parameter of :class:`DemandForecaster`). A
#: convention, not a measured break-even: the pooled model was no worse on the 12-branch
#: demo bank (24 series) either; 200 series = 100 branches with two queues.
POOLED_FROM_SERIES = 200

_KEYS = ["branch_id", "channel"]
_CELL = ["weekday", "slot"]


def _group_stats(hist: pd.DataFrame) -> pd.DataFrame:
    """Sufficient statistics per series, cell and calendar flags: n, sum y, sum y^2."""
    y = hist["contacts"].to_numpy(dtype=float)
    return (
        hist.assign(y=y, y2=y**2)
        .groupby(_KEYS + _CELL + ["month_end", "holiday"], observed=True, sort=True)
        .agg(n=("y", "size"), y=("y", "sum"), y2=("y2", "sum"))
        .reset_index()
    )


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
    pooling : {"series", "pooled", "auto"}, default "series"
        ``"series"``: a saturated weekday x interval term per series (below).
        ``"pooled"``: one model across branches, ``log E[y] = a[series, weekday] +
        b[series, slot] + g[channel, weekday, slot] + calendar``: the weekday x slot
        interaction is shared by the branches of a channel
        (:mod:`bankperf_analysis.staffing._pooled_glm`); 7 + slots parameters a series
        instead of 7 x slots. ``"auto"``: pooled from ``POOLED_FROM_SERIES`` series on.
        On the demo bank the pooled model's backtest WAPE is 0.3-2 % lower (relative)
        than per-series fits (``benchmarks/results/forecast.json``); the staffing plan
        keeps per-series fits so that a branch's plan depends on its own data only.

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
    fit works on sufficient statistics (rows with equal covariates collapsed), and
    the series are fitted all at once by Newton's method vectorised across series
    (:mod:`bankperf_analysis.staffing._batch_glm`): the cell block of the information
    is diagonal, so a step needs per-cell sums and a 2 x 2 solve per series. It
    reaches the same estimates as a row-level statsmodels GLM per series with one
    dummy per cell, without its dense (rows x cells) least squares or a Python loop
    over series. Cells that never had a contact are predicted as 0. With
    ``pooling="pooled"`` the cell log rate is the sum of the three blocks, fitted by
    block-coordinate ascent; the calendar terms and ``alpha`` are as above.
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
        pooling: Pooling = "series",
    ):
        self.model = model
        self.interval_minutes = interval_minutes
        self.by_channel = by_channel
        self.holidays = holidays
        self.month_end_days = month_end_days
        self.alpha = alpha
        self.pooling = pooling

    def _validate_params(self) -> None:
        owner = "DemandForecaster"
        check_choice(self.model, "model", owner, ForecastModel)
        _check_interval(self.interval_minutes, owner)
        if not isinstance(self.by_channel, bool):
            raise param_error("by_channel", owner, "a bool", self.by_channel)
        check_int(self.month_end_days, "month_end_days", owner, low=0, high=10)
        check_positive(self.alpha, "alpha", owner, allow_none=True)
        check_choice(self.pooling, "pooling", owner, Pooling)
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
        """Fit the GLM of every series at once; set its calendar effects in ``series``, return its cells.

        All series are fitted together by :mod:`bankperf_analysis.staffing._batch_glm`
        (statsmodels has no batched GLM, and one fit per series of a 1,000-branch bank
        takes minutes); each series still gets its own maximum-likelihood estimates.
        With pooling, one model across the series (:mod:`._pooled_glm`).
        """
        return self._fit_stats(_group_stats(hist), series)

    def _fit_stats(self, stats: pd.DataFrame, series: pd.DataFrame) -> list[pd.DataFrame]:
        """:meth:`_fit_series` on the collapsed rows of :func:`_group_stats` (sorted as it sorts them)."""
        tot = stats.groupby(_KEYS + _CELL)["y"].transform("sum").to_numpy()
        stats = stats[tot > 0]  # cells that never had a contact are forecast as 0
        if stats.empty:
            return []
        # stats is sorted by series and cell, so the codes number them in that order
        s_codes = stats.groupby(_KEYS, sort=True).ngroup().to_numpy()
        c_codes = stats.groupby(_KEYS + _CELL, sort=True).ngroup().to_numpy()
        b = make_batch(
            s_codes,
            c_codes,
            stats["n"].to_numpy(dtype=float),
            stats["y"].to_numpy(dtype=float),
            stats[["month_end", "holiday"]].to_numpy(dtype=bool),
        )
        fit = self._fitter(b, stats)
        c, beta, ok = fit(np.zeros(b.n_series), None, None)
        alpha = np.zeros(b.n_series)
        if self.model == "negbin":
            alpha = (
                np.full(b.n_series, float(self.alpha))
                if self.alpha is not None
                else moment_alpha(b, c, beta, stats["y2"].to_numpy(dtype=float))
            )
            c, beta, ok = fit(alpha, c, beta)
        if not np.all(ok):
            warn(f"The {self.model} GLM did not converge for {int(np.sum(~ok))} series.", ConvergenceWarning)
        keys = stats[_KEYS].drop_duplicates()
        j = series.reset_index().merge(keys, on=_KEYS, how="right")["index"].to_numpy()
        series.loc[j, "b_month_end"] = np.where(b.active[:, 0], beta[:, 0], 0.0)
        series.loc[j, "alpha"] = alpha
        hol = series.loc[j, "b_holiday"].to_numpy(dtype=float)
        series.loc[j, "b_holiday"] = np.where(b.active[:, 1], beta[:, 1], hol)
        cells = stats[_KEYS + _CELL].drop_duplicates().reset_index(drop=True)
        cells = cells.astype({"weekday": np.int64, "slot": np.int64})
        cells["log_rate"] = c
        return [cells]

    def _fitter(self, b: _Batch, stats: pd.DataFrame) -> Callable[..., tuple[Any, Any, Any]]:
        """The fit of the chosen structure: ``(alpha, c, beta) -> (c, beta, converged per series)``."""
        if not self._pooled(b.n_series):
            return lambda alpha, c, beta: fit_batch(b, alpha, c, beta)
        channel = stats.groupby(_KEYS, sort=True)["channel"].first()
        ch_codes = pd.factorize(channel.to_numpy(), sort=True)[0].astype(np.int64)
        blocks = make_blocks(
            b, ch_codes, stats["weekday"].to_numpy(dtype=np.int64), stats["slot"].to_numpy(dtype=np.int64)
        )

        def fit(alpha: np.ndarray, c: np.ndarray | None, beta: np.ndarray | None) -> tuple[Any, Any, Any]:
            c, beta, ok = fit_pooled(b, blocks, alpha, c, beta)
            return c, beta, np.full(b.n_series, ok)

        return fit

    def _pooled(self, n_series: int) -> bool:
        """Whether the pooled model is fitted (``"auto"``: from ``POOLED_FROM_SERIES`` series on)."""
        if self.pooling == "auto":
            return n_series >= POOLED_FROM_SERIES
        return self.pooling == "pooled"

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

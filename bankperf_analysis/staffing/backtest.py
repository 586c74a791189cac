"""Rolling-origin backtest of the demand forecasters against the seasonal-naive baseline (WAPE)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast, get_args

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_int, param_error
from bankperf_analysis.exceptions import InsufficientSampleError
from bankperf_analysis.staffing.demand import _aggregate, _check_interval, _validate_contacts
from bankperf_analysis.staffing.forecast import DemandForecaster, ForecastModel, Pooling

__all__ = ["BacktestResult", "backtest", "wape"]


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

    def summary(self) -> Summary:
        """Pooled WAPE per model and whether it beats the seasonal-naive baseline."""
        return Summary(
            f"Rolling-origin backtest: {self.folds['fold'].nunique()} folds x "
            f"{self.horizon_days} days, {self.interval_minutes}-min intervals",
            self.overall,
            ["WAPE = sum|y - yhat| / sum y over every interval of every fold (lower is better)."],
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
    pooling: Pooling = "series",
) -> BacktestResult:
    """Rolling-origin backtest: train before each cutoff, forecast the next horizon.

    The cutoffs are midnights ``horizon_days`` apart, the last one ``horizon_days``
    before the end of the data. Each fold trains every model on all contacts
    before its cutoff and is scored on the zero-filled actual counts of the
    following ``horizon_days`` (open days and opening slots as in
    :func:`~bankperf_analysis.staffing.demand.aggregate_contacts`); forecasts missing
    for an actual interval count as 0.

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
    pooling : {"series", "pooled", "auto"}, default "series"
        Structure of the GLMs (``pooling`` of
        :class:`~bankperf_analysis.staffing.forecast.DemandForecaster`): one model per
        series, or the pooled model across branches. Backtest both on the same folds
        to compare them.

    Returns
    -------
    BacktestResult

    Raises
    ------
    InsufficientSampleError
        If the data do not cover ``min_train_days + n_folds * horizon_days`` days.
    """
    minutes, compared = _check_options(models, n_folds, horizon_days, interval_minutes, min_train_days)
    check_choice(pooling, "pooling", "backtest", Pooling)
    df = _validate_contacts(contacts)
    full = _aggregate(df, minutes, by_channel)
    options = {
        "interval_minutes": minutes,
        "by_channel": by_channel,
        "holidays": holidays,
        "month_end_days": month_end_days,
        "pooling": pooling,
    }
    rows = []
    for k, cut in enumerate(_cutoffs(full, n_folds, horizon_days, min_train_days), start=1):
        rows += _score_fold(k, cut, df, full, compared, horizon_days, options)
    folds = pd.DataFrame(rows)
    return BacktestResult(
        folds=folds, overall=_pooled(folds), interval_minutes=minutes, horizon_days=horizon_days
    )


def _check_options(
    models: Sequence[Any], n_folds: Any, horizon_days: Any, interval_minutes: Any, min_train_days: Any
) -> tuple[int, list[ForecastModel]]:
    """The interval length, and the models to compare with the baseline first."""
    owner = "backtest"
    minutes = _check_interval(interval_minutes, owner)
    for name, v in (("n_folds", n_folds), ("horizon_days", horizon_days), ("min_train_days", min_train_days)):
        check_int(v, name, owner, low=1)
    compared = list(dict.fromkeys(["seasonal_naive", *models]))
    for m in compared:
        if m not in get_args(ForecastModel):
            raise param_error("models", owner, "a sequence of 'negbin', 'poisson', 'seasonal_naive'", m)
    return minutes, cast(list[ForecastModel], compared)


def _cutoffs(full: pd.DataFrame, n_folds: int, horizon_days: int, min_train_days: int) -> list[pd.Timestamp]:
    """Midnights ``horizon_days`` apart, the last one ``horizon_days`` before the end of the data."""
    first = full["date"].min()
    end = full["date"].max() + pd.Timedelta(days=1)
    cutoffs = [end - pd.Timedelta(days=horizon_days * (n_folds - k)) for k in range(n_folds)]
    if cutoffs[0] - first < pd.Timedelta(days=min_train_days):
        raise InsufficientSampleError(
            f"backtest needs at least {min_train_days + n_folds * horizon_days} days of data "
            f"for {n_folds} folds of {horizon_days} days; got {(end - first).days}."
        )
    return cutoffs


def _score_fold(
    k: int,
    cut: pd.Timestamp,
    df: pd.DataFrame,
    full: pd.DataFrame,
    models: list[ForecastModel],
    horizon_days: int,
    options: dict[str, Any],
) -> list[dict[str, Any]]:
    """Train every model before ``cut``, score it on the next ``horizon_days``: one row per model."""
    keys = ["branch_id", "channel", "interval_start"]
    stop = cut + pd.Timedelta(days=horizon_days)
    actual = full[(full["interval_start"] >= cut) & (full["interval_start"] < stop)]
    train = df[df["arrival_ts"] < cut]
    train_grid = _aggregate(train, options["interval_minutes"], options["by_channel"])
    rows = []
    for m in models:
        est = DemandForecaster(model=m, **options)
        est._fit_grid(train_grid)
        pred = est.predict(cut, stop)
        j = actual[keys + ["contacts"]].merge(pred, on=keys, how="left")
        yhat = j["expected_contacts"].fillna(0.0).to_numpy()
        y = j["contacts"].to_numpy(dtype=float)
        rows.append(
            {
                "fold": k,
                "cutoff": cut,
                "model": m,
                "n_intervals": len(j),
                "actual_contacts": float(y.sum()),
                "abs_error": float(np.abs(y - yhat).sum()),
                "wape": wape(y, yhat),
            }
        )
    return rows


def _pooled(folds: pd.DataFrame) -> pd.DataFrame:
    """Pooled WAPE per model over all folds, and its ratio to the seasonal-naive baseline."""
    tot = folds.groupby("model", sort=False)[["actual_contacts", "abs_error"]].sum()
    overall = pd.DataFrame(
        {"model": tot.index, "wape": (tot["abs_error"] / tot["actual_contacts"]).to_numpy()}
    )
    base = float(overall.loc[overall["model"] == "seasonal_naive", "wape"].iloc[0])
    overall["wape_vs_baseline"] = overall["wape"] / base
    overall["beats_baseline"] = overall["wape"] < base
    return overall.reset_index(drop=True)

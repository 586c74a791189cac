"""The staffing estimator: required and scheduled staff for every interval of a demand frame."""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankperf_analysis._estimator import ParamsMixin
from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_positive, check_unit_interval
from bankperf_analysis.exceptions import DataValidationError, NotFittedError, ParamsError, ValidationIssue
from bankperf_analysis.staffing._checks import require_columns
from bankperf_analysis.staffing.erlang import Model, traffic_intensity
from bankperf_analysis.staffing.required import (
    _check_targets,
    achieved_service,
    required_staff,
    scheduled_staff,
)

__all__ = ["ErlangStaffing"]


def _check_demand_values(demand: pd.DataFrame) -> None:
    issues = []
    for col, positive in (("contacts", False), ("aht_seconds", True)):
        v = pd.to_numeric(demand[col], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isfinite(v) | ((v <= 0) if positive else (v < 0))
        exp = "a finite number > 0" if positive else "a finite number >= 0"
        issues += [
            ValidationIssue("demand", "", int(r) + 1, col, str(demand[col].iloc[r]), exp)
            for r in np.flatnonzero(bad)
        ]
    if pd.to_datetime(demand["interval_start"], errors="coerce").isna().any():
        rows = np.flatnonzero(pd.to_datetime(demand["interval_start"], errors="coerce").isna())
        issues += [
            ValidationIssue(
                "demand",
                "",
                int(r) + 1,
                "interval_start",
                str(demand["interval_start"].iloc[r]),
                "a timestamp",
            )
            for r in rows
        ]
    if issues:
        raise DataValidationError(issues)


def _infer_interval_minutes(starts: pd.Series) -> float:
    uniq = np.sort(pd.to_datetime(starts).drop_duplicates().to_numpy())
    if uniq.size < 2:
        raise ParamsError(
            "The 'interval_minutes' parameter of ErlangStaffing must be a positive float "
            "when the demand has a single interval_start. Got None instead."
        )
    gaps = np.diff(uniq).astype("timedelta64[s]").astype(float) / 60.0
    return float(gaps[gaps > 0].min())


class ErlangStaffing(ParamsMixin):
    """Required and scheduled staff per interval from an Erlang C or Erlang A model.

    Parameters
    ----------
    target_service_level : float in (0, 1) or None, default 0.95
        Share of contacts to answer within ``target_answer_seconds`` (domain default:
        95 % within 30 s).
    target_answer_seconds : float, default 30
        Answer-time threshold of the service level.
    max_asa_seconds : float, optional
        Maximum average speed of answer.
    max_occupancy : float in (0, 1], optional
        Maximum occupancy.
    max_abandon_rate : float in (0, 1), optional
        Maximum abandonment (Erlang A).
    model : {"erlang_c", "erlang_a"}, default "erlang_c"
        Queueing model.
    patience_seconds : float, optional
        Mean patience for Erlang A.
    shrinkage : float in [0, 1), default 0.3
        Share of paid time unavailable for contacts.
    interval_minutes : float, optional
        Interval length; if None, a column ``interval_minutes`` of the demand is used,
        else the smallest gap between ``interval_start`` values.
    min_staff : int, default 0
        Minimum productive staff in every interval.

    Attributes
    ----------
    plan_ : pandas.DataFrame
        One row per interval: the demand columns, ``interval_minutes``,
        ``traffic_erlangs``, ``required_staff``, ``service_level``, ``prob_wait``,
        ``asa_seconds``, ``abandon_rate``, ``occupancy`` (achieved with the required
        staff) and ``scheduled_staff`` (after shrinkage).

    Examples
    --------
    >>> demand = pd.DataFrame({
    ...     "interval_start": pd.date_range("2026-01-05 09:00", periods=2, freq="30min"),
    ...     "contacts": [100, 0], "aht_seconds": [180.0, 180.0]})
    >>> est = ErlangStaffing(target_service_level=0.8, target_answer_seconds=20,
    ...                      shrinkage=0.3).fit(demand)
    >>> est.plan_["required_staff"].tolist(), est.plan_["scheduled_staff"].tolist()
    ([14, 0], [20, 0])
    """

    def __init__(
        self,
        target_service_level: float | None = 0.95,
        target_answer_seconds: float = 30.0,
        max_asa_seconds: float | None = None,
        max_occupancy: float | None = None,
        max_abandon_rate: float | None = None,
        model: Model = "erlang_c",
        patience_seconds: float | None = None,
        shrinkage: float = 0.3,
        interval_minutes: float | None = None,
        min_staff: int = 0,
    ):
        self.target_service_level = target_service_level
        self.target_answer_seconds = target_answer_seconds
        self.max_asa_seconds = max_asa_seconds
        self.max_occupancy = max_occupancy
        self.max_abandon_rate = max_abandon_rate
        self.model = model
        self.patience_seconds = patience_seconds
        self.shrinkage = shrinkage
        self.interval_minutes = interval_minutes
        self.min_staff = min_staff

    def _validate_params(self) -> None:
        owner = "ErlangStaffing"
        _check_targets(
            owner,
            self.target_service_level,
            self.target_answer_seconds,
            self.max_asa_seconds,
            self.max_occupancy,
            self.max_abandon_rate,
            self.model,
            self.patience_seconds,
            self.min_staff,
        )
        check_unit_interval(self.shrinkage, "shrinkage", owner, low_closed=True)
        check_positive(self.interval_minutes, "interval_minutes", owner, allow_none=True)

    def fit(self, demand: pd.DataFrame) -> ErlangStaffing:
        """Compute the staffing plan for every interval of ``demand``.

        Parameters
        ----------
        demand : pandas.DataFrame
            Columns ``interval_start``, ``contacts`` (offered per interval),
            ``aht_seconds`` and optionally ``interval_minutes``; other columns (queue,
            branch...) are carried into ``plan_``.

        Returns
        -------
        ErlangStaffing
            ``self``, with ``plan_`` set.
        """
        self._validate_params()
        require_columns(demand, ["interval_start", "contacts", "aht_seconds"], "demand")
        _check_demand_values(demand)
        plan = demand.copy()
        minutes = self._interval_minutes(plan)
        plan["interval_minutes"] = minutes
        a = traffic_intensity(
            plan["contacts"].to_numpy(dtype=float), plan["aht_seconds"].to_numpy(dtype=float), minutes
        )
        h = plan["aht_seconds"].to_numpy(dtype=float)
        req = required_staff(
            a,
            h,
            target_service_level=self.target_service_level,
            target_answer_seconds=self.target_answer_seconds,
            max_asa_seconds=self.max_asa_seconds,
            max_occupancy=self.max_occupancy,
            max_abandon_rate=self.max_abandon_rate,
            model=self.model,
            patience_seconds=self.patience_seconds,
            min_staff=self.min_staff,
        )
        m = achieved_service(
            req,
            a,
            h,
            answer_seconds=self.target_answer_seconds,
            model=self.model,
            patience_seconds=self.patience_seconds,
        )
        plan["traffic_erlangs"] = a
        plan["required_staff"] = req
        for col in ("service_level", "prob_wait", "asa_seconds", "abandon_rate", "occupancy"):
            plan[col] = getattr(m, col)
        plan["scheduled_staff"] = scheduled_staff(req, self.shrinkage)
        self.plan_ = plan.reset_index(drop=True)
        return self

    def _interval_minutes(self, demand: pd.DataFrame) -> np.ndarray:
        """Interval length per row: the parameter, else the demand's column, else the smallest gap."""
        if self.interval_minutes is not None:
            return np.full(len(demand), float(self.interval_minutes))
        if "interval_minutes" in demand.columns:
            return demand["interval_minutes"].to_numpy(dtype=float)
        return np.full(len(demand), _infer_interval_minutes(demand["interval_start"]))

    def _check_fitted(self) -> None:
        if not hasattr(self, "plan_"):
            raise NotFittedError("This ErlangStaffing instance is not fitted yet; call fit().")

    def fte(self, paid_hours_per_fte: float) -> float:
        """FTE of the scheduled staff over the fitted period (see :func:`.required.fte`)."""
        self._check_fitted()
        p = self.plan_
        hours = float((p["scheduled_staff"] * p["interval_minutes"]).sum()) / 60.0
        check_positive(paid_hours_per_fte, "paid_hours_per_fte", "ErlangStaffing.fte")
        return hours / paid_hours_per_fte

    def summary(self) -> Summary:
        """Totals of the fitted plan (contacts, staff-hours, weighted service level)."""
        self._check_fitted()
        p = self.plan_
        w = p["contacts"].to_numpy(dtype=float)
        wsum = w.sum() if w.sum() > 0 else 1.0
        frame = pd.DataFrame(
            {
                "intervals": [len(p)],
                "contacts": [float(w.sum())],
                "required_staff_hours": [float((p["required_staff"] * p["interval_minutes"]).sum() / 60.0)],
                "scheduled_staff_hours": [float((p["scheduled_staff"] * p["interval_minutes"]).sum() / 60.0)],
                "peak_scheduled_staff": [int(p["scheduled_staff"].max()) if len(p) else 0],
                "service_level": [float((p["service_level"] * w).sum() / wsum)],
                "abandon_rate": [float((p["abandon_rate"] * w).sum() / wsum)],
            }
        )
        return Summary(
            f"Staffing plan: {self!r}", frame, ["Service level and abandonment are contact-weighted."]
        )

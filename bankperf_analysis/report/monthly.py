"""Monthly monitoring (月报): each branch's KPIs of a month, their changes and early warnings.

Scoring is quarterly (季度评估，年度总结, seed 000); the monthly report watches the quarter as
it goes. For every branch (and the whole bank) and every KPI of the branch report's tiles,
:func:`monthly_frame` gives one row with:

* the month's value and ``n``;
* 环比 (month on month): the change on the previous month, ``value - prev_value``; 同比
  (year on year): the change on the same month a year earlier, ``value - yoy_value``. A
  comparison month without data gives NaN here, which the report says in words ("not
  available: no data for 2025-10"), never as a number;
* the quarter-to-date value (first day of the quarter to the end of the month) with its
  95 % Wilson interval for rates, and the year-to-date value (1 January to the end of the
  month), each by the KPI's own definition (the metrics engine over that window);
* the target (the branch's own, else the role standard, as in the branch report) and the
  status of :func:`warning_status`.

**The projection rule** (:func:`warning_status`). A KPI is *on course to miss its quarter
target* when its quarter-to-date value misses the target and, for a rate, the whole 95 %
Wilson interval of that value lies on the wrong side of the target (the miss is not sampling
noise). Averages and counts carry no spread in the KPI frame, so for them the value itself
decides. A miss whose interval still reaches the target is ``"watch"`` (behind, within
sampling noise). Before any of this, when the *month's* ``n`` is below the scheme's minimum
sample for the KPI (``min_n``, e.g. 30 surveys for satisfaction), the status is
``"caution"`` (样本量不足，仅供参考) *instead of* a warning. KPIs whose target is stated per
year (churn) get ``"annual"``: they are followed on the year-to-date table.

:func:`prepare_month` writes the frame once per batch (the runner's ``prepare`` hook); the
sections of :mod:`bankperf_analysis.report.monthly_sections` read it back.

Examples
--------
>>> warning_status(month_n=12, min_n=30, qtd_value=0.6, ci_low=0.5, ci_high=0.7,
...                target=0.85, direction="higher", annual=False)
'caution'
>>> warning_status(month_n=40, min_n=30, qtd_value=0.6, ci_low=0.5, ci_high=0.7,
...                target=0.85, direction="higher", annual=False)
'warning'
>>> warning_status(month_n=40, min_n=30, qtd_value=0.82, ci_low=0.7, ci_high=0.9,
...                target=0.85, direction="higher", annual=False)
'watch'
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from bankperf_analysis._atomic import atomic_write_many
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.metrics.compute import KPI_CATALOGUE, compute_kpis, compute_window
from bankperf_analysis.metrics.options import MetricOptions
from bankperf_analysis.periods import Period, quarter_of
from bankperf_analysis.report.branch import TILE_KPIS

__all__ = [
    "MONTHLY_KPIS",
    "WarningStatus",
    "warning_status",
    "monthly_frame",
    "prepare_month",
    "check_month",
    "resolve_month_inputs",
]

#: KPIs of the monthly report, in order: the branch report's tiles (one list, not a copy of it).
MONTHLY_KPIS: tuple[str, ...] = TILE_KPIS

WarningStatus = Literal["warning", "watch", "on_track", "caution", "no_target", "annual", "no_data"]
_LEVELS = ("branch", "bank")
_KEY = ["level", "entity_id", "kpi"]


def check_month(period: str | Period, func: str = "monthly_frame") -> Period:
    """``period`` as a month, or a :class:`~bankperf_analysis.exceptions.ParamsError` in the house template.

    Examples
    --------
    >>> str(check_month("2026-11"))
    '2026-11'
    >>> check_month("2026Q4")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bankperf_analysis.exceptions.ParamsError: The 'period' parameter of monthly_frame must be a month ...
    """
    p = Period.parse(period)
    if p.kind != "month":
        raise ParamsError(
            f"The 'period' parameter of {func} must be a month like '2026-11' (YYYY-MM). "
            f"Got {str(p)!r} instead."
        )
    return p


def warning_status(
    *,
    month_n: float,
    min_n: float,
    qtd_value: float,
    ci_low: float,
    ci_high: float,
    target: float | None,
    direction: str,
    annual: bool,
) -> WarningStatus:
    """The early-warning status of one KPI of one branch for a month (module docstring's rule).

    Parameters
    ----------
    month_n : float
        The month's sample size (NaN or 0 without data).
    min_n : float
        The scheme's minimum sample for the KPI.
    qtd_value, ci_low, ci_high : float
        The quarter-to-date value and its 95 % interval (NaN bounds: no interval).
    target : float or None
        The quarter target (None: none).
    direction : {"higher", "lower"}
        Which way is better.
    annual : bool
        The target is stated per year (followed on the year-to-date table).

    Returns
    -------
    str
        ``"no_data"``, ``"caution"``, ``"annual"``, ``"no_target"``, ``"on_track"``,
        ``"watch"`` or ``"warning"``, checked in that order.
    """
    if not np.isfinite(month_n) or month_n <= 0:
        return "no_data"
    if month_n < min_n:
        return "caution"
    if annual:
        return "annual"
    if target is None or not np.isfinite(target) or not np.isfinite(qtd_value):
        return "no_target"
    higher = direction == "higher"
    if (qtd_value >= target) if higher else (qtd_value <= target):
        return "on_track"
    if not (np.isfinite(ci_low) and np.isfinite(ci_high)):
        return "warning"  # no interval: the value decides
    reaches = (ci_high >= target) if higher else (ci_low <= target)
    return "watch" if reaches else "warning"


def _ts(day: dt.date) -> str:
    return f"TIMESTAMP '{day}'"


def _window(ds, o: MetricOptions, lo: dt.date, hi: dt.date, grain: str) -> pd.DataFrame:
    """Branch and bank KPIs over ``[lo, hi)`` rolled up to one ``grain`` row per entity."""
    frame = compute_window(ds, o, _ts(lo), _ts(hi), _LEVELS, (grain,), set(MONTHLY_KPIS))
    return frame[frame.kpi.isin(MONTHLY_KPIS)]


def _month(ds, o: MetricOptions, m: Period) -> pd.DataFrame:
    if not ds.has_data(m):
        return pd.DataFrame(columns=[*_KEY, "value", "n"])
    f = compute_kpis(ds, period=str(m), options=o, levels=_LEVELS, period_types=("month",))
    return f[f.kpi.isin(MONTHLY_KPIS)]


def _pick(frame: pd.DataFrame, prefix: str, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    cols = ["value", "n", *extra]
    out = frame[[*_KEY, *cols]].drop_duplicates(_KEY).copy()
    out["entity_id"] = out["entity_id"].astype(str)
    return out.rename(columns={c: f"{prefix}{c}" for c in cols})


def monthly_frame(ds, period: str | Period, scheme) -> pd.DataFrame:
    """One row per (level, entity, KPI) of the month: value, 环比, 同比, QTD, YTD, target, status.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset.
    period : str
        The month, ``"2026-11"``.
    scheme : Scheme
        The scheme (definitions, targets and minimum samples).

    Returns
    -------
    pandas.DataFrame
        Columns ``level, entity_id, branch_id, kpi, value, n, prev_value, prev_n, yoy_value,
        yoy_n, mom_change, yoy_change, qtd_value, qtd_n, ci_low, ci_high, ytd_value, ytd_n,
        target, direction, min_n, annual, status``; ``level`` is ``"branch"`` or ``"bank"``
        (entity ``"BANK"``). Rows exist for every branch × KPI of :data:`MONTHLY_KPIS` that has
        a value in the month, the quarter or the year so far.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset.demo import make_demo_bank
    >>> from bankperf_analysis.dataset.load import load_dataset
    >>> from bankperf_analysis.scheme import load_scheme
    >>> folder = tempfile.mkdtemp(); _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> with load_dataset(folder) as ds:
    ...     f = monthly_frame(ds, "2026-11", load_scheme())
    >>> r = f.query("level == 'bank' and kpi == 'satisfaction_rate'").iloc[0]
    >>> bool(abs(r.mom_change - (r.value - r.prev_value)) < 1e-12), int(r.n) >= int(r.min_n)
    (True, True)
    """
    from bankperf_analysis.significance.stats import wilson_interval

    m = check_month(period)
    o = MetricOptions.from_scheme(scheme)
    q, year = quarter_of(m.start), Period.parse(str(m.start.year))
    now = _month(ds, o, m)
    qtd = _window(ds, o, q.start, m.end, "quarter")
    ytd = _window(ds, o, year.start, m.end, "year")
    frame = _pick(qtd, "qtd_", ("numerator", "denominator"))
    for part in (_pick(now, ""), _pick(_month(ds, o, m.previous()), "prev_")):
        frame = frame.merge(part, on=_KEY, how="outer")
    frame = frame.merge(_pick(_month(ds, o, m.same_period_last_year()), "yoy_"), on=_KEY, how="left")
    frame = frame.merge(_pick(ytd, "ytd_"), on=_KEY, how="left")
    frame = frame[frame.kpi.isin(MONTHLY_KPIS) & frame.value.notna() | frame.qtd_value.notna()]
    frame["branch_id"] = np.where(frame.level == "branch", frame.entity_id, "")
    for c in ("value", "prev_value", "yoy_value", "qtd_value", "ytd_value", "n", "prev_n", "yoy_n", "qtd_n"):
        frame[c] = pd.to_numeric(frame[c], errors="coerce").astype(float)
    frame["mom_change"] = frame["value"] - frame["prev_value"]
    frame["yoy_change"] = frame["value"] - frame["yoy_value"]
    rate = frame.kpi.map(lambda k: KPI_CATALOGUE[k].unit == "share").astype(bool)
    x = pd.to_numeric(frame.pop("qtd_numerator"), errors="coerce").to_numpy(float)
    n = pd.to_numeric(frame.pop("qtd_denominator"), errors="coerce").to_numpy(float)
    ok = rate.to_numpy() & np.isfinite(x) & np.isfinite(n) & (n > 0)
    lo, hi = np.full(len(frame), np.nan), np.full(len(frame), np.nan)
    if ok.any():
        lo[ok], hi[ok] = wilson_interval(x[ok], n[ok], 0.05)
    frame["ci_low"], frame["ci_high"] = lo, hi
    frame = _with_targets(frame, scheme)
    order = {k: i for i, k in enumerate(MONTHLY_KPIS)}
    frame = frame.assign(_o=frame.kpi.map(order)).sort_values(["level", "entity_id", "_o"])
    return frame.drop(columns="_o").reset_index(drop=True)


def _with_targets(frame: pd.DataFrame, scheme) -> pd.DataFrame:
    """Add each KPI's target, direction, minimum sample, annual flag and warning status."""
    from bankperf_analysis.report.inputs import _report_targets

    targets = _report_targets(scheme)

    def get(k: str, field: str, default: Any) -> Any:
        return targets.get(k, {}).get(field, default)

    frame["target"] = frame.kpi.map(lambda k: get(k, "target", np.nan)).astype(float)
    frame["direction"] = frame.kpi.map(lambda k: get(k, "direction", KPI_CATALOGUE[k].direction))
    frame["min_n"] = frame.kpi.map(lambda k: int(get(k, "min_n", 0) or 0)).astype(int)
    frame["annual"] = frame.kpi.map(lambda k: scheme.scoring.target_period(k) == "year").astype(bool)
    frame["status"] = [
        warning_status(
            month_n=r.n,
            min_n=r.min_n,
            qtd_value=r.qtd_value,
            ci_low=r.ci_low,
            ci_high=r.ci_high,
            target=r.target,
            direction=r.direction,
            annual=r.annual,
        )
        for r in frame.itertuples()
    ]
    return frame


def prepare_month(
    data_dir: str | Path, period: str, out_dir: str | Path, *, scheme_path: str | Path | None = None, ds=None
) -> Path:
    """Compute the monthly frame and what the sections need, once per batch, into ``out_dir``.

    Writes ``monthly.parquet``, ``branches.parquet`` and ``meta.json`` (the month, the
    comparison months and whether they hold data, the data fingerprint, the params hash).
    Returns ``out_dir``.
    """
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.report.inputs import _load_scheme

    m = check_month(period, "prepare_month")
    scheme = _load_scheme(scheme_path)
    own = ds is None
    ds = ds or load_dataset(data_dir)
    try:
        frame = monthly_frame(ds, m, scheme)
        branches = ds.table("branches")
        meta = {
            "period": str(m),
            "quarter": str(quarter_of(m.start)),
            "previous": str(m.previous()),
            "last_year": str(m.same_period_last_year()),
            "has_previous": bool(ds.has_data(m.previous())),
            "has_last_year": bool(ds.has_data(m.same_period_last_year())),
            "fingerprint": ds.fingerprint,
            "params_hash": scheme.params_hash(),
        }
    finally:
        if own:
            ds.close()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_many(
        [
            (out / "monthly.parquet", lambda tmp: frame.to_parquet(tmp, index=False)),
            (out / "branches.parquet", lambda tmp: branches.to_parquet(tmp, index=False)),
            (out / "meta.json", json.dumps(meta, indent=1, ensure_ascii=False)),
        ]
    )
    return out


def resolve_month_inputs(
    shared_inputs: str = "", data_dir: str = "", period: str = "", scheme_path: str = ""
) -> Path:
    """The monthly-inputs folder a notebook should read (as :func:`~bankperf_analysis.report.resolve_inputs`).

    In a batch the runner passes ``shared_inputs``. Run interactively, the inputs are
    prepared here from ``data_dir`` (default: ``$BANKPERF_DATA`` or ``data/demo``) into
    ``outputs/<period>/_shared_interactive``, and reused while the data fingerprint and the
    scheme's params hash are unchanged.
    """
    if shared_inputs:
        return Path(shared_inputs)
    from bankperf_analysis.dataset.load import load_dataset
    from bankperf_analysis.report.inputs import _load_scheme, _made_by, _repo_root, resolve_data_dir

    m = check_month(period, "resolve_month_inputs")
    data = resolve_data_dir(data_dir)
    params_hash = _load_scheme(scheme_path).params_hash()
    out = _repo_root() / "outputs" / str(m) / "_shared_interactive"
    with load_dataset(data) as ds:
        if _made_by(out, {"fingerprint": ds.fingerprint, "params_hash": params_hash, "period": str(m)}):
            return out
        return prepare_month(data, str(m), out, scheme_path=scheme_path or None, ds=ds)

"""Fair league tables of a rate KPI, straight from a dataset or a KPI frame.

:func:`league_table` ranks branches (staff, regions) on a rate fairly: raw rate,
empirical-Bayes shrunk rate with its interval
(:func:`~bankperf_analysis.significance.league.shrink_rates`), both ranks, and funnel-plot
z-scores and limits (:func:`~bankperf_analysis.significance.league.funnel_data`);
:func:`league_funnel` gives the funnel data and :func:`league_funnel_plot` draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from bankperf_analysis._validation import check_choice, check_unit_interval, param_error
from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.exceptions import InsufficientSampleError
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.metrics import KPI_CATALOGUE, MetricOptions
from bankperf_analysis.periods import Period
from bankperf_analysis.significance._sources import (
    change_test_kinds,
    check_kpi,
    kpi_frame,
    latest_period,
    rate_input,
    restrict,
    universe,
)
from bankperf_analysis.significance.league import (
    FunnelResult,
    Overdispersion,
    ShrinkageMethod,
    ShrinkageResult,
    funnel_data,
    funnel_plot,
    shrink_rates,
)
from bankperf_analysis.significance.result import Lang

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["league_table", "league_funnel", "league_funnel_plot"]


def _league_counts(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str,
    quarter: str | Period | None,
    level: str,
    branch_id: str | None,
    options: MetricOptions | None,
    owner: str,
) -> tuple[pd.DataFrame, str]:
    """Successes ``x`` and trials ``n`` per entity in the period, and the period's label."""
    kpi = check_kpi(kpi, owner)
    if change_test_kinds()[kpi] != "rate":
        raise param_error("kpi", owner, "a rate KPI (league tables shrink binomial rates)", kpi)
    level = check_choice(level, "level", owner, ("staff", "branch", "region"))
    if branch_id is not None and level != "staff":
        raise param_error("branch_id", owner, "None unless level='staff'", branch_id)
    if isinstance(ds_or_kpis, pd.DataFrame):
        ds, kpis = None, ds_or_kpis
    elif isinstance(ds_or_kpis, Dataset):
        ds, kpis = ds_or_kpis, None
    else:
        raise param_error("ds_or_kpis", owner, "a Dataset or a KPI frame", type(ds_or_kpis).__name__)
    if quarter is None:
        quarter = latest_period(ds, kpis, kpi, owner)
    p = Period.parse(quarter)
    sel = restrict(kpi_frame(ds, kpis, kpi, (p,), options, owner), level, branch_id)
    counts = rate_input(sel, p, p, kpi, owner)[["x_after", "n_after"]]
    names = universe(counts.index, ds if branch_id is None else None, level, None)
    counts = counts.reindex(names).fillna(0.0)
    if not len(counts):
        raise InsufficientSampleError(f"{owner}: no {level} entity has {kpi} data in {p}.")
    return counts.rename(columns={"x_after": "x", "n_after": "n"}), str(p)


def league_table(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    interval: float = 0.95,
    funnel_levels: Sequence[float] = (0.95, 0.998),
    overdispersion: Overdispersion = "multiplicative",
    target: float | None = None,
    shrinkage: ShrinkageMethod = "beta-binomial",
) -> pd.DataFrame:
    """A fair league table of a rate KPI: raw and shrunk rates, both ranks, funnel position.

    A small branch's raw rate is noisy, so ranking on it rewards luck. Each entity's rate
    is also shown shrunk towards the common rate, by default by empirical Bayes
    (beta-binomial, :func:`~bankperf_analysis.significance.league.shrink_rates`): the fewer
    its surveys, the stronger the pull, and the wider its interval. The funnel columns
    (:func:`~bankperf_analysis.significance.league.funnel_data`, Spiegelhalter 2005) say whether
    the raw rate lies outside the limits expected from sampling noise around the common
    rate (H0: the entity's true rate equals the centre line), widened for over-dispersion
    when the entities vary more than noise allows.

    Parameters
    ----------
    ds_or_kpis : Dataset or DataFrame
        The dataset, or a KPI frame from :func:`~bankperf_analysis.metrics.compute.compute_kpis`
        holding the period.
    kpi : str, default "satisfaction_rate"
        A rate KPI of :func:`change_test_kinds`.
    quarter : str or Period, optional
        Period ranked (default: the latest quarter with data).
    level : {"staff", "branch", "region"}, default "branch"
    branch_id : str, optional
        With ``level="staff"``: rank the staff of this home branch only.
    options : MetricOptions, optional
        KPI definitions when the KPI frame is computed here.
    interval : float, default 0.95
        Coverage of the shrunk-rate (posterior) interval.
    funnel_levels : sequence of float, default (0.95, 0.998)
        Coverage of the funnel limits.
    overdispersion : {"multiplicative", "additive", "none"}, default "multiplicative"
    target : float, optional
        Funnel centre line (e.g. the 0.85 branch target); default the pooled rate.
    shrinkage : {"beta-binomial", "james-stein", "none"}, default "beta-binomial"
        The ``method`` of :func:`~bankperf_analysis.significance.league.shrink_rates` (its
        docstring says when each is right); the ``shrinkage`` column records it.

    Returns
    -------
    DataFrame
        One row per entity, best shrunk rate first: ``entity, kpi, period, x, n, rate``
        (raw), ``shrunk_rate, ci_low, ci_high`` (shrunk rate and interval), ``shrinkage``
        (the method),
        ``weight_data`` (weight of the entity's own data), ``rank_raw, rank_shrunk``
        (1 = best, honouring the KPI's direction), ``funnel_z, funnel_z_adjusted``,
        ``lower_<L>, upper_<L>`` funnel limits per level (``lower_95``, ``upper_99_8``),
        ``band`` and one ``outside_<L>`` flag per level. ``DataFrame.attrs`` carries the
        funnel centre (``target``), ``phi``, ``funnel_adjusted``, ``prior_mean`` and
        ``prior_strength``.
    """
    owner = "league_table"
    counts, period = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, owner)
    interval = check_unit_interval(interval, "interval", owner)
    labels = counts.index.tolist()
    x, n = counts["x"].to_numpy(), counts["n"].to_numpy()
    higher = KPI_CATALOGUE[kpi].direction == "higher"
    shrunk = shrink_rates(x, n, labels=labels, level=interval, higher_is_better=higher, method=shrinkage)
    funnel = funnel_data(
        x, n, labels=labels, levels=funnel_levels, overdispersion=overdispersion, target=target
    )
    return _league_frame(kpi, period, labels, shrunk, funnel)


def _league_frame(
    kpi: str, period: str, labels: list[Any], shrunk: ShrinkageResult, funnel: FunnelResult
) -> pd.DataFrame:
    """The league table: shrinkage and funnel columns side by side, best shrunk rate first."""
    s = shrunk.table
    f = funnel.table
    out = pd.DataFrame(
        {
            "entity": [str(e) for e in labels],
            "kpi": kpi,
            "period": period,
            "x": s["x"].to_numpy(),
            "n": s["n"].to_numpy(),
            "rate": s["raw_rate"].to_numpy(),
            "shrunk_rate": s["shrunk_rate"].to_numpy(),
            "ci_low": s["ci_low"].to_numpy(),
            "ci_high": s["ci_high"].to_numpy(),
            "shrinkage": shrunk.method,
            "weight_data": s["weight_data"].to_numpy(),
            "rank_raw": s["raw_rank"].to_numpy(),
            "rank_shrunk": s["rank"].to_numpy(),
            "funnel_z": f["z"].to_numpy(),
            "funnel_z_adjusted": f["z_adjusted"].to_numpy(),
        }
    )
    limit_cols = [c for c in f.columns if c.startswith(("lower_", "upper_"))]
    for c in limit_cols:
        out[c] = f[c].to_numpy()
    out["band"] = f["band"].to_numpy()
    for c in (c for c in limit_cols if c.startswith("lower_")):
        key = c.removeprefix("lower_")
        out[f"outside_{key}"] = (out["rate"] < out[c]) | (out["rate"] > out[f"upper_{key}"])
    out = out.sort_values(["rank_shrunk", "entity"], kind="stable").reset_index(drop=True)
    out.attrs.update(
        target=funnel.target,
        phi=funnel.phi,
        funnel_adjusted=funnel.adjusted,
        prior_mean=shrunk.prior_mean,
        prior_strength=shrunk.prior_strength,
    )
    return out


def league_funnel(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    **funnel_kwargs: Any,
) -> FunnelResult:
    """Funnel-plot data of a rate KPI (:func:`~bankperf_analysis.significance.league.funnel_data`)."""
    counts, _ = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, "league_funnel")
    return funnel_data(
        counts["x"].to_numpy(), counts["n"].to_numpy(), labels=counts.index.tolist(), **funnel_kwargs
    )


def league_funnel_plot(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    lang: Lang = "en",
    ax: Axes | None = None,
    title: str | None = None,
    **funnel_kwargs: Any,
) -> Figure:
    """Funnel plot of a rate KPI per entity; returns the matplotlib Figure.

    Delegates to :func:`~bankperf_analysis.significance.league.funnel_plot`; ``funnel_kwargs``
    go to :func:`~bankperf_analysis.significance.league.funnel_data` (``target``, ``levels``,
    ``overdispersion``...). The default title names the KPI and period in ``lang``.
    """
    check_lang(lang)
    owner = "league_funnel_plot"
    counts, period = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, owner)
    funnel = funnel_data(
        counts["x"].to_numpy(), counts["n"].to_numpy(), labels=counts.index.tolist(), **funnel_kwargs
    )
    if title is None:
        title = f"{kpi_label(kpi, lang)} — {period}"
    return funnel_plot(funnel, lang=lang, ax=ax, title=title)

"""The event-time series a result stands for, and their figure.

Every result with event-time effects answers ``_event_series()``: a tuple of event-time
:class:`~bankperf_analysis.incentives.aggregation.AggregationResult` (robust first), so
that :func:`~bankperf_analysis.incentives.pretrend.pretrend_test` and
:func:`plot_event_study` accept any of them without knowing their classes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis._validation import check_choice
from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.incentives.options import Lang
from bankperf_analysis.plots.event_study import event_study_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bankperf_analysis.incentives.aggregation import AggregationResult

__all__ = ["plot_event_study"]


def _event_series_of(result: Any, func: str) -> tuple[AggregationResult, ...]:
    """The event-time aggregations of ``result`` (robust first); refuse anything else."""
    series = getattr(result, "_event_series", None)
    found: tuple[AggregationResult, ...] = series() if callable(series) else ()
    if not found:
        raise ParamsError(
            f"The 'result' parameter of {func} must be an event-time AggregationResult, "
            f"EventStudyResult, StaggeredDiDResult or IncentiveEffectResult. "
            f"Got {type(result).__name__} instead."
        )
    return found


def _event_aggregation_of(result: Any, func: str) -> AggregationResult:
    """The main event-time aggregation of ``result`` (the robust one when there are two)."""
    return _event_series_of(result, func)[0]


def plot_event_study(result: Any, *, lang: Lang = "en", ax: Any = None, title: str | None = None) -> Figure:
    """Plot event-time effects with their confidence intervals.

    Parameters
    ----------
    result : EventStudyResult, AggregationResult (event), StaggeredDiDResult or
        IncentiveEffectResult
    lang : {"en", "zh"}
        Language of the axis labels, legend and title (fonts are the caller's business).
    ax : matplotlib Axes, optional
        Draw into this Axes; otherwise a new Figure is created (without pyplot, so
        nothing is shown or kept in global state) at the current ``figure.figsize``.
        Fonts and colours come from the current rcParams (e.g.
        ``plots.use_report_style(lang)``); only the whitegrid axes look is applied here.
    title : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    func = "plot_event_study"
    check_choice(lang, "lang", func, Lang)
    series = _event_series_of(result, func)
    frames = [(agg.estimator, agg.frame) for agg in series]
    return event_study_figure(frames, series[0].outcome, lang=lang, ax=ax, title=title)

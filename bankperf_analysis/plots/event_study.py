"""Event-study figure: effects by period since adoption, with their confidence intervals."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["event_study_figure", "message_figure"]

_LABELS = {
    "en": {
        "x": "Periods relative to adoption",
        "y": "Effect on {outcome}",
        "title": "Event study: {outcome}",
        "callaway-santanna": "Callaway-Sant'Anna (robust)",
        "twfe": "TWFE event study",
        "adoption": "adoption",
        "uniform": "Uniform band (all event times at once)",
    },
    "zh": {
        "x": "相对激励实施的期数",
        "y": "对{outcome}的影响",
        "title": "事件研究：{outcome}",
        "callaway-santanna": "Callaway-Sant'Anna（稳健估计）",
        "twfe": "双向固定效应事件研究",
        "adoption": "实施",
        "uniform": "同时置信带（所有事件期同时覆盖）",
    },
}


def event_study_figure(
    series: Sequence[tuple[str, pd.DataFrame]],
    outcome: str,
    *,
    lang: str = "en",
    ax: Any = None,
    title: str | None = None,
    ylabel: str | None = None,
) -> Figure:
    """Draw event-time effects, one series per estimator, side by side.

    Parameters
    ----------
    series : sequence of (estimator, frame)
        ``estimator`` is ``"callaway-santanna"`` or ``"twfe"`` (it names the legend
        entry); ``frame`` has ``event_time, estimate, ci_low, ci_high, reference``
        columns. Reference rows (fixed at 0 by construction) are drawn hollow. When the
        frame has finite ``uniform_low, uniform_high`` (the Callaway–Sant'Anna event
        aggregation), the uniform (simultaneous) band is drawn behind the points as
        shaded bars with its own legend entry.
    outcome : str
        Named in the axis label and the default title.
    lang : {"en", "zh"}
        Language of the labels.
    ax : matplotlib Axes, optional
        Draw into this Axes; otherwise a new Figure (without pyplot) at the current
        ``figure.figsize``. Fonts and colours come from the current rcParams; only
        seaborn's whitegrid axes look is applied.
    title, ylabel : str, optional
        Default: "Event study: <outcome>" and "Effect on <outcome>" in ``lang``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib
    import seaborn as sns
    from matplotlib.figure import Figure

    check_choice(lang, "lang", "event_study_figure", ("en", "zh"))
    labels = _LABELS[lang]
    # seaborn's whitegrid look, without its font keys: the caller's font (e.g. the CJK
    # font of plots.use_report_style) and colour cycle stay in force
    style = {k: v for k, v in sns.axes_style("whitegrid").items() if not k.startswith("font")}
    with matplotlib.rc_context(style):
        if ax is None:
            fig = Figure(layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = ax.figure
        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key().get("color", ["C0", "C1"])
        width = 0.12 * (len(series) - 1)
        for i, (estimator, frame) in enumerate(series):
            off = -width / 2 + i * 0.12 if len(series) > 1 else 0.0
            _draw_band(ax, frame, off, cycle[i % len(cycle)], labels["uniform"])
            _draw_series(ax, frame, off, cycle[i % len(cycle)], labels[estimator])
        ax.axhline(0.0, color="0.3", lw=0.8)
        ax.axvline(-0.5, color="0.5", ls="--", lw=0.8)
        ax.set_xlabel(labels["x"])
        ax.set_ylabel(ylabel if ylabel is not None else labels["y"].format(outcome=outcome))
        ax.set_title(title if title is not None else labels["title"].format(outcome=outcome))
        ax.legend(loc="best", frameon=False)
    return fig


def _draw_band(ax: Any, frame: pd.DataFrame, off: float, color: Any, label: str) -> None:
    """The uniform band as shaded bars behind the points (nothing when the frame has none)."""
    if "uniform_low" not in frame.columns:
        return
    fr = frame.loc[~frame["reference"]]
    lo = fr["uniform_low"].to_numpy(dtype=float)
    hi = fr["uniform_high"].to_numpy(dtype=float)
    ok = np.isfinite(lo) & np.isfinite(hi)
    if not ok.any():
        return
    x = fr["event_time"].to_numpy(dtype=float)[ok] + off
    ax.bar(x, hi[ok] - lo[ok], bottom=lo[ok], width=0.3, color=color, alpha=0.18, lw=0, label=label)


def _draw_series(ax: Any, frame: pd.DataFrame, off: float, color: Any, label: str) -> None:
    """Points with interval bars, shifted by ``off``; reference periods hollow at 0."""
    ref = frame.loc[frame["reference"], "event_time"].to_numpy(dtype=float)
    fr = frame.loc[~frame["reference"]]
    x = fr["event_time"].to_numpy(dtype=float) + off
    y = fr["estimate"].to_numpy(dtype=float)
    lo = np.nan_to_num(y - fr["ci_low"].to_numpy(dtype=float))
    hi = np.nan_to_num(fr["ci_high"].to_numpy(dtype=float) - y)
    ax.errorbar(x, y, yerr=np.vstack([lo, hi]), fmt="o", capsize=3, ms=5, color=color, label=label)
    ax.plot(ref + off, np.zeros_like(ref), "o", mfc="white", color=color, ms=5)


def message_figure(message: str) -> Figure:
    """A short figure holding only ``message`` (e.g. why there is no event study to draw)."""
    import matplotlib
    from matplotlib.figure import Figure

    width = float(matplotlib.rcParams["figure.figsize"][0])
    fig = Figure(figsize=(width, 1.2), layout="constrained")
    ax = fig.add_subplot()
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", wrap=True, fontsize=10)
    return fig

"""The funnel plot: each entity's rate against its sample size, inside control limits.

Draws plain data (the points, the limit curves on a grid of sample sizes, the centre
line); :func:`bankperf_analysis.significance.funnel_plot` computes them (Spiegelhalter
2005) and calls :func:`draw_funnel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["FUNNEL_TEXT", "draw_funnel"]

#: Labels of the funnel plot per language.
FUNNEL_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Funnel plot",
        "x": "Number of responses (n)",
        "y": "Rate",
        "pooled": "Pooled rate",
        "given": "Target",
        "limit": "{level}% limits",
        "adjusted": "limits adjusted for over-dispersion (φ = {phi:.2f})",
    },
    "zh": {
        "title": "漏斗图",
        "x": "样本量 (n)",
        "y": "比率",
        "pooled": "总体比率",
        "given": "目标值",
        "limit": "{level}% 控制限",
        "adjusted": "控制限已按过度离散校正 (φ = {phi:.2f})",
    },
}


def draw_funnel(
    points: pd.DataFrame,
    grid: np.ndarray,
    limits: Sequence[tuple[float, np.ndarray, np.ndarray]],
    *,
    target: float,
    target_source: str,
    adjusted_phi: float | None = None,
    lang: str = "en",
    ax: Axes | None = None,
    label_outliers: bool = True,
    title: str | None = None,
) -> Figure:
    """Draw a funnel plot; returns the matplotlib Figure (never calls ``plt.show``).

    Parameters
    ----------
    points : DataFrame
        One row per entity with data: ``entity, n, rate``, ``within`` (inside every limit)
        and ``outlier`` (outside the outermost limits, named when ``label_outliers``).
    grid : ndarray
        Sample sizes at which the limit curves are drawn.
    limits : sequence of (level, lower, upper)
        Each level's lower and upper limits at ``grid``, innermost first.
    target : float
        Centre line.
    target_source : {"pooled", "given"}
        Whether the centre line is the pooled rate or a given target (its legend label).
    adjusted_phi : float, optional
        The over-dispersion factor when the limits were widened for it (noted on the plot).
    lang : {"en", "zh"}, default "en"
        Language of the labels (fonts are the caller's business).
    ax : matplotlib Axes, optional
        Draw into these axes instead of a new figure.
    label_outliers : bool, default True
    title : str, optional
        Default: "Funnel plot" in ``lang``.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns
    from matplotlib.figure import Figure
    from matplotlib.ticker import PercentFormatter

    txt = FUNNEL_TEXT[lang]
    with sns.axes_style("whitegrid"):
        if ax is None:
            fig = Figure(figsize=(7.5, 5.0), layout="constrained")
            ax = fig.add_subplot()
        else:
            fig = cast("Figure", ax.figure)  # a SubFigure's axes give the SubFigure, as drawn into
        colors = sns.color_palette("deep")
        ax.axhline(target, color="0.25", lw=1.2, label=txt[target_source])
        _draw_limits(ax, grid, limits, colors, txt)
        _draw_points(ax, points, colors, label_outliers)
        ax.set_xlabel(txt["x"])
        ax.set_ylabel(txt["y"])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(title if title is not None else txt["title"])
        if adjusted_phi is not None:
            ax.text(
                0.99,
                0.01,
                txt["adjusted"].format(phi=adjusted_phi),
                transform=ax.transAxes,
                ha="right",
                va="bottom",
                fontsize=8,
                color="0.3",
            )
        ax.legend(loc="best", fontsize=8)
    return fig


def _draw_limits(
    ax: Axes,
    grid: np.ndarray,
    limits: Sequence[tuple[float, np.ndarray, np.ndarray]],
    colors: Sequence[Any],
    txt: dict[str, str],
) -> None:
    """The limit curves, one colour and line style per level."""
    styles = ["--", "-", ":", "-."]
    for i, (level, lower, upper) in enumerate(limits):
        ls = styles[i % len(styles)]
        lab = txt["limit"].format(level=f"{level * 100:g}")
        ax.plot(grid, lower, ls=ls, color=colors[i + 1], lw=1, label=lab)
        ax.plot(grid, upper, ls=ls, color=colors[i + 1], lw=1)


def _draw_points(ax: Axes, points: pd.DataFrame, colors: Sequence[Any], label_outliers: bool) -> None:
    """The entities: inside the limits in the first colour, outside in the fourth; outliers named."""
    inside = points["within"]
    ax.scatter(points.loc[inside, "n"], points.loc[inside, "rate"], s=22, color=colors[0], zorder=3)
    ax.scatter(points.loc[~inside, "n"], points.loc[~inside, "rate"], s=30, color=colors[3], zorder=3)
    if label_outliers:
        for _, row in points[points["outlier"]].iterrows():
            ax.annotate(
                str(row["entity"]),
                (row["n"], row["rate"]),
                fontsize=8,
                xytext=(3, 3),
                textcoords="offset points",
            )

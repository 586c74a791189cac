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

__all__ = ["FUNNEL_TEXT", "draw_funnel", "funnel_grid"]

#: Labels of the funnel plot per language.
FUNNEL_TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Funnel plot",
        "x": "Number of responses (n)",
        "n": "Sample size (n)",
        "y": "Rate",
        "pooled": "Pooled rate",
        "given": "Target",
        "limit": "{level}% limits",
        "adjusted": "limits adjusted for over-dispersion (φ = {phi:.2f})",
    },
    "zh": {
        "title": "漏斗图",
        "x": "样本量 (n)",
        "n": "样本量 (n)",
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
    label_all: bool = False,
    legend: bool = True,
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
    label_all : bool, default False
        Name every point (e.g. the branch id), not only the outliers.
    legend : bool, default True
        Draw the legend (small multiples draw it once).

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
        _draw_points(ax, points, colors, label_outliers, label_all)
        ax.set_xlabel(txt["x"])
        ax.set_ylabel(txt["y"])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_title(title if title is not None else txt["title"])
        if adjusted_phi is not None:
            note = txt["adjusted"].format(phi=adjusted_phi)
            ax.text(0.99, 0.01, note, transform=ax.transAxes, ha="right", va="bottom", fontsize=8, color=".3")
        if legend:
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


def _draw_points(
    ax: Axes, points: pd.DataFrame, colors: Sequence[Any], label_outliers: bool, label_all: bool = False
) -> None:
    """The entities: inside the limits in the first colour, outside in the fourth; outliers named."""
    inside = points["within"]
    ax.scatter(points.loc[inside, "n"], points.loc[inside, "rate"], s=22, color=colors[0], zorder=3)
    ax.scatter(points.loc[~inside, "n"], points.loc[~inside, "rate"], s=30, color=colors[3], zorder=3)
    if label_outliers or label_all:
        for _, row in (points if label_all else points[points["outlier"]]).iterrows():
            ax.annotate(
                str(row["entity"]),
                (row["n"], row["rate"]),
                fontsize=8,
                xytext=(3, 3),
                textcoords="offset points",
            )


#: Size of a funnel grid's panel (inches) and its margins (inches), fixed so that the
#: figure is laid out once, when built (no layout engine, no tight bounding box).
_PANEL_W, _PANEL_H = 4.3, 2.9
_LEFT, _RIGHT, _BOTTOM, _TOP, _WGAP, _HGAP = 0.62, 0.12, 0.5, 0.34, 0.62, 0.92
#: Up to this many entities, every point is named; beyond, only the outliers.
LABEL_ALL_MAX = 40


def funnel_grid(panels: Sequence[dict[str, Any]], *, lang: str = "en", columns: int = 3) -> Figure:
    """Small multiples: one funnel per panel, in one figure drawn at its exact size.

    Parameters
    ----------
    panels : sequence of dict
        Keyword arguments of :func:`draw_funnel` per panel (``points``, ``grid``,
        ``limits``, ``target``, ``target_source``, ``adjusted_phi``, ``title``).
    lang : {"en", "zh"}
    columns : int, default 3

    Returns
    -------
    matplotlib.figure.Figure
        Every point is named (the branch id) when a panel has at most
        :data:`LABEL_ALL_MAX` of them, else the outliers only; the legend is drawn once.

    Examples
    --------
    >>> pts = pd.DataFrame({"entity": ["B1", "B2"], "n": [100, 200], "rate": [0.8, 0.9],
    ...                     "within": [True, False], "outlier": [False, True]})
    >>> grid = np.array([50.0, 100.0, 200.0])
    >>> panel = dict(points=pts, grid=grid, limits=[(0.95, grid * 0 + 0.7, grid * 0 + 0.95)],
    ...              target=0.85, target_source="pooled", title="A")
    >>> fig = funnel_grid([panel, {**panel, "title": "B"}], lang="en")
    >>> [ax.get_title() for ax in fig.axes], [t.get_text() for t in fig.axes[0].texts]
    (['A', 'B'], ['B1', 'B2'])
    """
    import matplotlib.pyplot as plt

    from bankperf_analysis.plots.style import fixed_layout

    cols = max(1, min(columns, len(panels)))
    rows = max(1, -(-len(panels) // cols))
    width = _LEFT + _RIGHT + cols * _PANEL_W + (cols - 1) * _WGAP
    height = _BOTTOM + _TOP + rows * _PANEL_H + (rows - 1) * _HGAP
    fig, axes = plt.subplots(rows, cols, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(
        left=_LEFT / width,
        right=1 - _RIGHT / width,
        bottom=_BOTTOM / height,
        top=1 - _TOP / height,
        wspace=_WGAP / _PANEL_W,
        hspace=_HGAP / _PANEL_H,
    )
    for i, ax in enumerate(axes.ravel()):
        if i >= len(panels):
            ax.set_axis_off()
            continue
        panel = dict(panels[i])
        label_all = len(panel["points"]) <= LABEL_ALL_MAX
        draw_funnel(**panel, lang=lang, ax=ax, label_all=label_all, legend=i == 0)
        ax.set_ylim(*_zoom(panel))
        ax.title.set_fontsize(10)
        ax.set_xlabel(FUNNEL_TEXT[lang]["n"], fontsize=8)
        ax.yaxis.label.set_fontsize(8)
        ax.tick_params(labelsize=8)
    return fixed_layout(fig)


def _zoom(panel: dict[str, Any]) -> tuple[float, float]:
    """The y range of a panel: its points and its outer limits where the points are (not at n=1)."""
    pts = panel["points"]
    grid = np.asarray(panel["grid"], float)
    near = grid >= 0.5 * float(pts["n"].min())
    _, lower, upper = panel["limits"][-1]
    values = np.r_[
        pts["rate"].to_numpy(float), np.asarray(lower)[near], np.asarray(upper)[near], panel["target"]
    ]
    values = values[np.isfinite(values)]
    lo, hi = float(values.min()), float(values.max())
    pad = max(0.1 * (hi - lo), 0.005)
    return max(lo - pad, 0.0), min(hi + pad, 1.0)

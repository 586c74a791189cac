"""Staffing figures: weekday x hour heatmaps of staffing gaps and staff counts.

The functions take a ready pivot (rows weekday ``Mon``..``Sun``, columns hour of day);
:mod:`bankperf_analysis.staffing` builds the pivots and calls them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import t
from bankperf_analysis.numbers import unsigned_zero

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["HeatmapScale", "heatmap_scale", "gap_heatmap", "staffing_heatmap"]

# Plot titles not (yet) in bankperf_analysis.i18n: (en, zh).
_TITLES = {
    "gap": ("Rostered minus required staff", "排班人数减所需人数"),
    "shortfall": ("Staff missing in understaffed queues", "人员不足队列的缺口"),
    "required": ("Required staff on shift", "所需在岗人数"),
    "rostered": ("Rostered staff", "排班人数"),
    "contacts": ("Contacts per hour", "每小时接触量"),
}
_STAFF_UNIT = ("staff", "人数")
_WEEKDAYS_ZH = {
    "Mon": "周一",
    "Tue": "周二",
    "Wed": "周三",
    "Thu": "周四",
    "Fri": "周五",
    "Sat": "周六",
    "Sun": "周日",
}


@dataclass(frozen=True)
class HeatmapScale:
    """The colour scale of a staffing heatmap: colormap, range and centre, as seaborn draws it.

    One scale serves the figure (:func:`gap_heatmap`, through :meth:`seaborn_kwargs`) and
    the report's HTML table (through :meth:`rgba`), so both colour a value alike.

    Examples
    --------
    >>> scale = HeatmapScale("RdBu", -2.0, 2.0, 0.0)
    >>> [round(float(c), 3) for c in scale.rgba(np.array([0.0]))[0]]
    [0.966, 0.967, 0.968, 1.0]
    """

    cmap: str
    vmin: float
    vmax: float
    center: float | None = None
    #: Number format of the annotated values.
    fmt: str = ".1f"

    def seaborn_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`seaborn.heatmap` for this scale (with annotations)."""
        return {
            "cmap": self.cmap,
            "center": self.center,
            "vmin": self.vmin,
            "vmax": self.vmax,
            "annot": True,
            "fmt": self.fmt,
        }

    def rgba(self, values: np.ndarray) -> np.ndarray:
        """RGBA colour of each value, as :func:`seaborn.heatmap` maps it (NaN: the "bad" colour).

        seaborn re-samples a centred colormap over ``[vmin, vmax]`` (``ListedColormap`` of
        256 colours) before normalising; this does the same.
        """
        import matplotlib as mpl
        from matplotlib.colors import ListedColormap, Normalize

        cmap = mpl.colormaps[self.cmap]
        if self.center is not None:
            vrange = max(self.vmax - self.center, self.center - self.vmin)
            ends = np.asarray(Normalize(self.center - vrange, self.center + vrange)([self.vmin, self.vmax]))
            cmap = ListedColormap(cmap(np.linspace(float(ends[0]), float(ends[1]), 256)))
        return np.asarray(cmap(Normalize(self.vmin, self.vmax)(np.asarray(values, dtype=float))))

    def text_color(self, rgba: np.ndarray) -> np.ndarray:
        """Annotation colour on each background, as seaborn picks it: dark grey or white.

        seaborn's rule: relative luminance above 0.408 gets ``".15"`` (``#262626``), else white.
        """
        rgb = np.asarray(rgba, dtype=float)[..., :3]
        rgb = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
        lum = rgb @ np.array([0.2126, 0.7152, 0.0722])
        return np.where(lum > 0.408, "#262626", "#ffffff")

    def label(self, value: float) -> str:
        """The annotated text of a value (``""`` for NaN, which the figure leaves blank)."""
        return "" if not np.isfinite(value) else unsigned_zero(format(value, self.fmt))


def _diverging_scale(pivot: pd.DataFrame, cmap: str = "RdBu") -> HeatmapScale:
    """Centred at 0, symmetric over the largest absolute value (staffing gaps)."""
    finite = pivot.to_numpy(dtype=float)
    span = float(np.nanmax(np.abs(finite))) if np.isfinite(finite).any() else 1.0
    return HeatmapScale(cmap, -span or -1.0, span or 1.0, 0.0)


def _count_scale(pivot: pd.DataFrame) -> HeatmapScale:
    """Sequential from 0 to the largest value (counts), as seaborn's default ``vmax``."""
    finite = pivot.to_numpy(dtype=float)
    top = float(np.nanmax(finite)) if np.isfinite(finite).any() else 1.0
    return HeatmapScale("Blues", 0.0, top)


def heatmap_scale(pivot: pd.DataFrame, value: str) -> HeatmapScale:
    """The colour scale :func:`staffing_heatmap` uses for ``value`` over ``pivot``.

    ``"gap"`` and ``"shortfall"``: red-blue, centred at 0 over the largest absolute gap;
    counts: blues from 0 to the largest count.

    Examples
    --------
    >>> pivot = pd.DataFrame({9: [-1.5, 0.5]}, index=["Mon", "Tue"])
    >>> heatmap_scale(pivot, "gap")
    HeatmapScale(cmap='RdBu', vmin=-1.5, vmax=1.5, center=0.0, fmt='.1f')
    >>> heatmap_scale(pivot.abs(), "required").vmax
    1.5
    """
    return _diverging_scale(pivot) if value in ("gap", "shortfall") else _count_scale(pivot)


def _figure_for(pivot: pd.DataFrame, ax: Axes | None) -> tuple[Figure, Axes]:
    """The axes to draw on, and its figure: ``ax`` or a new figure sized to the pivot."""
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(max(4.0, 0.5 * pivot.shape[1] + 2), 0.5 * len(pivot) + 2))
        return fig, ax
    return cast("Figure", ax.figure), ax  # a SubFigure only when the caller's axes are in one


def gap_heatmap(
    pivot: pd.DataFrame,
    *,
    ax: Axes | None = None,
    title: str = "Rostered minus required staff",
    cmap: str = "RdBu",
) -> Figure:
    """Heatmap of a weekday x hour staffing-gap pivot (diverging, centred at 0).

    Parameters
    ----------
    pivot : pandas.DataFrame
        Rows weekday, columns hour; values in staff (negative = understaffed).
    ax : matplotlib.axes.Axes, optional
        Axes to draw on; a new figure is created otherwise.
    title : str
        Axes title.
    cmap : str, default "RdBu"
        Diverging palette: red = understaffed (negative), blue = overstaffed.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import seaborn as sns

    fig, ax = _figure_for(pivot, ax)
    scale = _diverging_scale(pivot, cmap)
    sns.heatmap(pivot, ax=ax, **scale.seaborn_kwargs(), linewidths=0.5, cbar_kws={"label": "staff"})
    ax.set_title(title)
    ax.set_xlabel("hour")
    ax.set_ylabel("weekday")
    return fig


def _count_heatmap(pivot: pd.DataFrame, ax: Axes | None, title: str) -> tuple[Figure, Axes]:
    """Heatmap of counts on a sequential scale from 0."""
    import seaborn as sns

    fig, axis = _figure_for(pivot, ax)
    sns.heatmap(pivot, ax=axis, **_count_scale(pivot).seaborn_kwargs(), linewidths=0.5)
    axis.set_title(title)
    return fig, axis


def _label(axis: Axes, pivot: pd.DataFrame, lang: str) -> None:
    """Axis and colour-bar labels in ``lang``; Chinese weekday names and the CJK font for ``"zh"``."""
    axis.set_xlabel(t("label_hour", lang))
    axis.set_ylabel(t("label_weekday", lang))
    axis.tick_params(axis="y", rotation=0)
    cbar = axis.collections[0].colorbar if axis.collections else None
    if cbar is not None:
        cbar.set_label(_STAFF_UNIT[lang == "zh"])
    if lang == "zh":  # the CJK font on this figure's texts only (no global style change)
        from bankperf_analysis.plots.style import cjk_font_name

        font = cjk_font_name()
        axis.set_yticks(axis.get_yticks(), [_WEEKDAYS_ZH.get(str(x), str(x)) for x in pivot.index])
        texts = [axis.title, axis.xaxis.label, axis.yaxis.label, *axis.get_yticklabels()]
        if cbar is not None:
            texts.append(cbar.ax.yaxis.label)
        for text in texts:
            text.set_fontfamily(font)


def staffing_heatmap(pivot: pd.DataFrame, value: str, *, lang: str = "en", ax: Axes | None = None) -> Figure:
    """Weekday x hour heatmap of one branch's ``value`` (gap, shortfall, required, rostered...).

    Parameters
    ----------
    pivot : pandas.DataFrame
        Rows weekday (``Mon``..``Sun``, English: seaborn draws the tick labels once and
        they are translated afterwards), columns hour.
    value : str
        The column the pivot shows: ``"gap"`` and ``"shortfall"`` are drawn diverging
        around 0, counts on a sequential scale from 0; it also picks the title.
    lang : {"en", "zh"}
        Language of the labels.
    ax : matplotlib.axes.Axes, optional
        Axes to draw on.

    Returns
    -------
    matplotlib.figure.Figure
    """
    title = _TITLES.get(value, (value, value))[lang == "zh"]
    if value == "required_productive":
        title = t("label_required_staff", lang)
    if value in ("gap", "shortfall"):
        fig = gap_heatmap(pivot, ax=ax, title=title)
        axis = ax if ax is not None else fig.axes[0]
    else:
        fig, axis = _count_heatmap(pivot, ax, title)
    _label(axis, pivot, lang)
    return fig

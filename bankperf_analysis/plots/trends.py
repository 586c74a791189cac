"""Trend small multiples: one entity against the bank over the last quarters, with targets.

Drawn for the branch report (:meth:`bankperf_analysis.report.BranchReport.trends_figure`)
from plain data: a tidy frame of quarterly values, the quarters to show, each KPI's unit
and target, and the labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import pandas as pd

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.kpis import UNITS
from bankperf_analysis.l10n import period_label
from bankperf_analysis.numbers import label_with_unit

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["kpi_trends"]

#: Size of the figure (inches) and its margins and gaps between panels (inches), fixed so
#: that the figure is laid out once, when built: room for five-character tick labels
#: ("100.0") left of each panel, the panel titles above, the quarters below.
_FIGSIZE = (8.84, 5.04)
_LEFT, _RIGHT, _BOTTOM, _TOP, _WGAP, _HGAP = 0.62, 0.1, 0.36, 0.3, 0.62, 0.4

_ENTITY_COLOR = "#2b6cb0"
_BANK_COLOR = "#a0aec0"
_TARGET_COLOR = "#c53030"


def kpi_trends(
    values: pd.DataFrame,
    quarters: Sequence[str],
    *,
    kpis: Sequence[str],
    units: Mapping[str, str],
    targets: Mapping[str, float | None],
    entity_label: str,
    lang: str = "en",
) -> Figure:
    """Small multiples (2 x 2): each KPI of ``kpis`` for the entity (solid) and the bank (dashed).

    Parameters
    ----------
    values : DataFrame
        Quarterly values: columns ``kpi``, ``level`` (``"branch"`` for the entity,
        ``"bank"``), ``period`` and ``value``.
    quarters : sequence of str
        The quarters of the x axis, in order; a quarter without a value leaves a gap.
    kpis : sequence of str
        Up to four KPIs, one panel each.
    units : mapping
        Unit of each KPI (``"share"`` is drawn in %).
    targets : mapping
        Target of each KPI (in its own unit), drawn as a dotted line; None: no line.
    entity_label : str
        Legend label of the entity (e.g. the branch id).
    lang : {"en", "zh"}
        Language of the titles and legend.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> frame = pd.DataFrame({"kpi": ["satisfaction_rate"] * 2, "level": ["branch", "bank"],
    ...                       "period": ["2026Q3"] * 2, "value": [0.8, 0.85]})
    >>> fig = kpi_trends(frame, ["2026Q3"], kpis=["satisfaction_rate"],
    ...                  units={"satisfaction_rate": "share"}, targets={}, entity_label="B1")
    >>> [ax.get_title() for ax in fig.axes][:1]
    ['Customer satisfaction (%)']
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from bankperf_analysis.plots.style import fixed_layout

    ticks = [period_label(q, lang, short=True) for q in quarters]  # 2025年 / 三季度 in zh: two lines
    fig = Figure(figsize=_FIGSIZE)  # no pyplot: no manager; the inline backend won't show it again
    FigureCanvasAgg(fig)  # a canvas that draws (fig.canvas.draw(), get_renderer()) as pyplot's would
    axes = fig.subplots(2, 2, sharex=True)
    fig.subplots_adjust(**_margins(max((x.count("\n") + 1 for x in ticks), default=1)))
    values = values[["kpi", "level", "period", "value"]]  # split only what is drawn (not every column)
    by_line = {key: rows for key, rows in values.groupby(["kpi", "level"], observed=True, sort=False)}
    empty = values.iloc[:0]
    for ax, kpi in zip(axes.ravel(), kpis):
        scale = 100.0 if units.get(kpi) == "share" else 1.0
        for level, style, label in (("branch", "-o", entity_label), ("bank", "--", t("label_bank", lang))):
            s = by_line.get((kpi, level), empty).set_index("period").value
            s = s.reindex(quarters) * scale
            ax.plot(
                range(len(quarters)),
                s.to_numpy(),
                style,
                label=label,
                color=_ENTITY_COLOR if level == "branch" else _BANK_COLOR,
            )
        target = targets.get(kpi)
        if target is not None:
            ax.axhline(target * scale, color=_TARGET_COLOR, lw=1, ls=":", label=t("label_target", lang))
        unit_id = units.get(kpi, "")
        unit = UNITS[unit_id].symbol(lang) if unit_id in UNITS else ""
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # no text above the y axis:
        ax.set_title(label_with_unit(kpi_label(kpi, lang), unit), fontsize=10, y=1.0)  # title place known
    axes[1, 0].set_xticks(range(len(quarters)))  # shared by every panel (sharex)
    for ax in axes[1]:  # the top row's labels are hidden: the bottom row's are the ones drawn
        ax.set_xticklabels(ticks, fontsize=8)
    axes[0, 0].legend(fontsize=8, loc="best")
    return fixed_layout(fig)


def _margins(tick_lines: int = 1) -> dict[str, float]:
    """``Figure.subplots_adjust`` arguments (fractions) of the fixed margins and gaps (inches).

    ``tick_lines``: lines of the quarter labels; each line past the first widens the bottom
    margin and the gap between the rows by one 8-point line (0.15 in).
    """
    width, height = _FIGSIZE
    extra = 0.15 * max(tick_lines - 1, 0)
    bottom = _BOTTOM + extra
    panel_w = (width - _LEFT - _RIGHT - _WGAP) / 2
    panel_h = (height - bottom - _TOP - _HGAP) / 2
    return {
        "left": _LEFT / width,
        "right": 1 - _RIGHT / width,
        "bottom": bottom / height,
        "top": 1 - _TOP / height,
        "wspace": _WGAP / panel_w,
        "hspace": _HGAP / panel_h,
    }

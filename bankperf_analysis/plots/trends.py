"""Trend small multiples: one entity against the bank over the last quarters, with targets.

Drawn for the branch report (:meth:`bankperf_analysis.report.BranchReport.trends_figure`)
from plain data: a tidy frame of quarterly values, the quarters to show, each KPI's unit
and target, and the labels.

The figure is built in two steps: :class:`_Panels` builds what every entity of a batch
shares (the panels, their titles, the quarters, the legend), then :meth:`_Panels.fill`
sets what is the entity's own (the lines, the targets, the y scales, the "not available"
notes, the entity's legend label). :func:`kpi_trends` does both for a new figure;
:func:`kpi_trends_png` keeps the panels of a batch in the process and only fills and
draws them again for the next entity, a third of the CPU. That figure never leaves this
module: only its PNG does, so nobody can change it between two reports.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.kpis import UNITS
from bankperf_analysis.l10n import period_label
from bankperf_analysis.numbers import label_with_unit

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["kpi_trends", "kpi_trends_png"]

#: Size of the figure (inches) and its margins and gaps between panels (inches), fixed so
#: that the figure is laid out once, when built: room for five-character tick labels
#: ("100.0") left of each panel, the legend and the panel titles above, the quarters below.
_FIGSIZE = (8.84, 5.34)
_LEFT, _RIGHT, _BOTTOM, _TOP, _WGAP, _HGAP = 0.62, 0.1, 0.36, 0.6, 0.62, 0.4
#: Top of the legend's row (inches below the top edge): one row for the whole figure,
#: above the panel titles, at the same place in every report (it never covers a line).
_LEGEND_TOP = 0.04

_ENTITY_COLOR = "#2b6cb0"
_BANK_COLOR = "#a0aec0"
_TARGET_COLOR = "#c53030"
_NOTE_COLOR = "#718096"
_LEVELS = ("branch", "bank")


def kpi_trends(
    values: pd.DataFrame,
    quarters: Sequence[str],
    *,
    kpis: Sequence[str],
    units: Mapping[str, str],
    targets: Mapping[str, float | None],
    entity_label: str,
    lang: str = "en",
    unavailable: Mapping[str, str] | None = None,
    note_color: str = _NOTE_COLOR,
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
    unavailable : mapping, optional
        KPI -> text written across its panel instead of a y scale (why it has no data).
    note_color : str
        Colour of that text.

    Returns
    -------
    matplotlib.figure.Figure
        A new figure, laid out at its size (:func:`~bankperf_analysis.plots.style.fixed_layout`).

    Examples
    --------
    >>> frame = pd.DataFrame({"kpi": ["satisfaction_rate"] * 2, "level": ["branch", "bank"],
    ...                       "period": ["2026Q3"] * 2, "value": [0.8, 0.85]})
    >>> fig = kpi_trends(frame, ["2026Q3"], kpis=["satisfaction_rate"],
    ...                  units={"satisfaction_rate": "share"}, targets={}, entity_label="B1")
    >>> [ax.get_title() for ax in fig.axes][:1]
    ['Customer satisfaction (%)']
    >>> [x.get_text() for x in fig.legends[0].get_texts()][:2]
    ['B1', 'Bank']
    """
    panels = _Panels(quarters, kpis, units, lang)
    panels.fill(values, targets, entity_label, unavailable or {}, note_color)
    return panels.fig


def kpi_trends_png(
    values: pd.DataFrame,
    quarters: Sequence[str],
    *,
    kpis: Sequence[str],
    units: Mapping[str, str],
    targets: Mapping[str, float | None],
    entity_label: str,
    lang: str = "en",
    unavailable: Mapping[str, str] | None = None,
    note_color: str = _NOTE_COLOR,
) -> bytes:
    r"""The PNG of :func:`kpi_trends` (same arguments) as ``figure_png`` saves it, drawn fast.

    The panels of a batch (same quarters, KPIs, units, language and matplotlib settings)
    are built once per process and kept; each call fills them with the entity's data and
    draws them again. Every artist that depends on the entity is set on every call, so the
    PNG is the one a new figure gives (``tests/test_report_figures.py`` compares them).

    Examples
    --------
    >>> frame = pd.DataFrame({"kpi": ["satisfaction_rate"] * 2, "level": ["branch", "bank"],
    ...                       "period": ["2026Q3"] * 2, "value": [0.8, 0.85]})
    >>> png = kpi_trends_png(frame, ["2026Q3"], kpis=["satisfaction_rate"],
    ...                      units={"satisfaction_rate": "share"}, targets={}, entity_label="B1")
    >>> png.startswith(b"\x89PNG")
    True
    """
    panels = _template(tuple(quarters), tuple(kpis), tuple(units.get(k, "") for k in kpis), lang)
    panels.fill(values, targets, entity_label, unavailable or {}, note_color)
    return panels.png()


#: Panels kept by :func:`kpi_trends_png`, newest last; a few, for the batches of a process.
_TEMPLATES: dict[tuple[Any, ...], _Panels] = {}
_MAX_TEMPLATES = 4


def _template(quarters: tuple[str, ...], kpis: tuple[str, ...], units: tuple[str, ...], lang: str) -> _Panels:
    """The kept panels of these quarters, KPIs, units and language under the current rcParams."""
    import matplotlib as mpl

    # Every rcParam, as text: a figure built under other settings (style, fonts, dpi) is not reused.
    key = (quarters, kpis, units, lang, repr(sorted(dict.items(mpl.rcParams))))
    panels = _TEMPLATES.pop(key, None)
    if panels is None:
        panels = _Panels(quarters, kpis, dict(zip(kpis, units)), lang)
    _TEMPLATES[key] = panels  # newest last
    while len(_TEMPLATES) > _MAX_TEMPLATES:
        del _TEMPLATES[next(iter(_TEMPLATES))]
    return panels


class _Panels:
    """The figure of :func:`kpi_trends` and the artists that :meth:`fill` sets per entity.

    Built once for the quarters, KPIs, units and language: the panels, their titles, the
    quarters below them, and one legend for the figure above them. Per KPI panel: the
    entity's line, the bank's line, the target line and the "not available" note.
    """

    def __init__(self, quarters: Sequence[str], kpis: Sequence[str], units: Mapping[str, str], lang: str):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        from bankperf_analysis.plots.style import fixed_layout

        ticks = [period_label(q, lang, short=True) for q in quarters]  # 2025年 / 三季度 in zh: two lines
        self.fig = fig = fixed_layout(Figure(figsize=_FIGSIZE))  # no pyplot: no manager (no second show)
        self.canvas = FigureCanvasAgg(
            fig
        )  # a canvas that draws (fig.canvas.draw(), get_renderer()) as pyplot's would
        axes = fig.subplots(2, 2, sharex=True)
        fig.subplots_adjust(**_margins(max((x.count("\n") + 1 for x in ticks), default=1)))
        self.quarters, self.kpis = list(quarters), list(kpis)[:4]  # one panel each, four at most
        self.scales = [100.0 if units.get(kpi) == "share" else 1.0 for kpi in self.kpis]
        x = np.arange(len(quarters), dtype=float)
        zero = np.zeros(len(quarters))  # every quarter drawn: the x limits of a whole series
        self.lines, self.notes = [], []
        self.background = None
        for ax, kpi in zip(axes.ravel(), self.kpis):
            entity = ax.plot(x, zero, "-o", color=_ENTITY_COLOR)[0]
            bank = ax.plot(x, zero, "--", color=_BANK_COLOR)[0]
            target = ax.axhline(0.0, color=_TARGET_COLOR, lw=1, ls=":", visible=False)
            self.lines.append((entity, bank, target))
            self.notes.append(ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center"))
            unit_id = units.get(kpi, "")
            unit = UNITS[unit_id].symbol(lang) if unit_id in UNITS else ""
            ax.ticklabel_format(axis="y", style="plain", useOffset=False)  # no text above the y axis:
            ax.set_title(label_with_unit(kpi_label(kpi, lang), unit), fontsize=10, y=1.0)  # title place known
            # No axis labels: placed, they are not measured against the tick labels at each draw.
            ax.xaxis.set_label_coords(0.5, 0.0)
            ax.yaxis.set_label_coords(0.0, 0.5)
        self.axes = list(axes.ravel()[: len(self.kpis)])
        axes[1, 0].set_xticks(range(len(quarters)))  # shared by every panel (sharex)
        # The same for every entity, even when its first or last quarter is empty everywhere.
        axes[1, 0].set_xlim(axes[1, 0].get_xlim())
        for ax in axes[1]:  # the top row's labels are hidden: the bottom row's are the ones drawn
            ax.set_xticklabels(ticks, fontsize=8)
        self.legend = self._legend(lang) if self.lines else None

    def _legend(self, lang: str):
        """One legend for the figure, in a row above the panels: entity, bank, target."""
        from matplotlib.lines import Line2D

        entity, bank, _ = self.lines[0]
        target = Line2D([], [], color=_TARGET_COLOR, lw=1, ls=":")
        width, height = _FIGSIZE
        return self.fig.legend(
            [entity, bank, target],
            ["", t("label_bank", lang), t("label_target", lang)],
            loc="upper left",
            bbox_to_anchor=(_LEFT / width, 1 - _LEGEND_TOP / height),
            borderaxespad=0,
            ncols=3,
            fontsize=8,
        )

    def fill(
        self,
        values: pd.DataFrame,
        targets: Mapping[str, float | None],
        entity_label: str,
        unavailable: Mapping[str, str],
        note_color: str,
    ) -> None:
        """Set every artist that depends on the entity: lines, targets, y scales, notes, legend."""
        from matplotlib.ticker import AutoLocator, NullLocator

        series = _series(values, self.quarters, self.kpis)
        drawn_target = False
        for i, kpi in enumerate(self.kpis):
            ax, scale, note = self.axes[i], self.scales[i], self.notes[i]
            entity, bank, target_line = self.lines[i]
            entity.set_ydata(series[kpi, "branch"] * scale)
            bank.set_ydata(series[kpi, "bank"] * scale)
            target = targets.get(kpi)
            target_y = 0.0 if target is None else target * scale
            target_line.set_ydata([target_y, target_y])
            why = unavailable.get(kpi)
            note.set_text(why or "")
            note.set_visible(why is not None)
            note.set_color(note_color)
            # An empty panel says why, with no scale to read a number from.
            ax.yaxis.set_major_locator(NullLocator() if why is not None else AutoLocator())
            # The y limits of this entity's data alone, as on a new panel: the view a new
            # panel has (a panel without data keeps its view), the lines' data, the target's
            # value (added as a number: relim would take the line back from axes coordinates).
            ax.set_ylim(0.0, 1.0)
            target_line.set_visible(False)
            ax.relim(visible_only=True)
            if target is not None:
                target_line.set_visible(True)
                ax.update_datalim([(0.0, target_y)], updatex=False)
                drawn_target = True
            ax.autoscale(True, axis="y")
        if self.legend is not None:
            texts, handles = self.legend.get_texts(), self.legend.legend_handles
            texts[0].set_text(entity_label)
            for artist in (texts[2], handles[2]):  # the last entry: the row's place is kept
                artist.set_visible(drawn_target)

    def png(self) -> bytes:
        """Draw the figure at its own size and dpi, and return it as PNG bytes.

        What :meth:`fill` does not change is drawn once (:meth:`_background`); each call
        puts those pixels back and draws the entity's artists over them, in the order a
        whole draw has them (matplotlib's blitting: ``copy_from_bbox``, ``restore_region``,
        ``draw_artist``). The pixels are those of ``fig.canvas.draw()`` (tests compare them).
        """
        import matplotlib as mpl

        from bankperf_analysis.plots.style import figure_png

        rc = mpl.rcParams
        if (
            rc["savefig.dpi"] not in ("figure", self.fig.dpi)
            or rc["savefig.transparent"]
            or rc["savefig.facecolor"] != "auto"
            or rc["savefig.edgecolor"] != "auto"
        ):  # saved otherwise than drawn (never in the reports' style): as figure_png saves it
            return figure_png(self.fig)
        canvas = self.canvas
        if self.background is None:
            self.background = self._background()
        canvas.restore_region(self.background)
        for ax, artists in zip(self.axes, self._entity_artists()):
            for artist in artists:
                ax.draw_artist(artist)
        if self.legend is not None:
            self.fig.draw_artist(self.legend)
        return _png(canvas, self.fig.dpi)

    def _entity_artists(self) -> list[list[Any]]:
        """Per KPI panel, what :meth:`fill` changes and what a whole draw puts over it, in drawing order.

        A panel draws its x then y axis (grid below the lines), its lines, its spines, its
        texts; the x axis (the quarters), the panel and the titles are the same for every
        entity. The spines come after the lines, so they are drawn again (not kept).
        """
        return [
            [ax.yaxis, *lines, *ax.spines.values(), note]
            for ax, lines, note in zip(self.axes, self.lines, self.notes)
        ]

    def _background(self):
        """The pixels of the figure without the entity's artists (nor the legend)."""
        canvas = self.canvas
        shown = [a for artists in self._entity_artists() for a in artists if a.get_visible()]
        shown += [self.legend] if self.legend is not None else []
        for artist in shown:
            artist.set_visible(False)
        try:
            canvas.draw()
            return canvas.copy_from_bbox(self.fig.bbox)
        finally:
            for artist in shown:
                artist.set_visible(True)


def _png(canvas: Any, dpi: float) -> bytes:
    """PNG bytes of what the Agg ``canvas`` holds: RGB if it is opaque, zlib level 3.

    Level 3 encodes in three quarters of the time of the default (6), for about 4 % more
    bytes; RGB (no alpha channel: every pixel is opaque) takes more than those back.
    """
    from PIL import Image

    rgba = np.asarray(canvas.buffer_rgba())
    height, width = rgba.shape[:2]
    if rgba[..., 3].min() == 255:  # read as RGB straight from the RGBA buffer (no copy of a slice)
        image = Image.frombytes("RGB", (width, height), rgba, "raw", "RGBX")
    else:
        image = Image.frombuffer("RGBA", (width, height), rgba, "raw", "RGBA", 0, 1)
    buf = io.BytesIO()
    image.save(buf, format="png", dpi=(dpi, dpi), compress_level=3)
    return buf.getvalue()


def _series(values: pd.DataFrame, quarters: Sequence[str], kpis: Sequence[str]) -> dict[tuple[str, str], Any]:
    """``(kpi, level) -> values by quarter`` (NaN where a quarter has none) of the entity and the bank."""
    rows = values[values["level"].isin(_LEVELS) & values["kpi"].isin(kpis)]
    cells = dict(
        zip(
            zip(rows["kpi"].to_numpy(), rows["level"].to_numpy(), rows["period"].to_numpy()),
            rows["value"].to_numpy(dtype=float, na_value=np.nan),
        )
    )
    if len(cells) < len(rows):
        raise ValueError("The trend values hold two rows for one KPI, level and quarter.")
    return {
        (kpi, level): np.array([cells.get((kpi, level, q), np.nan) for q in quarters], dtype=float)
        for kpi in kpis
        for level in _LEVELS
    }


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

"""The staffing heatmap of a report as an HTML table: weekday x hour cells coloured by value.

The branch report shows the staffing gap (or, without a roster, the required staff) per
weekday and hour as a table instead of a PNG: each cell carries the number the figure
annotates, on the background colour the figure gives it
(:class:`~bankperf_analysis.plots.staffing.HeatmapScale`: same colormap, range and centre,
same dark/white text rule). The text is selectable and prints sharp; the colours print
(``print-color-adjust: exact``); on a phone the table scrolls inside its own box. The block
carries no JavaScript and no URL (only a ``<style>`` scoped to its own class and inline
colours), and stays a few kilobytes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice
from bankperf_analysis.i18n import t
from bankperf_analysis.plots.staffing import HeatmapScale, heatmap_scale
from bankperf_analysis.report.html import _e

__all__ = ["heatmap_table"]

#: The values a table can show, and the key of its caption.
_TITLES = {"gap": "heatmap_title_gap", "required": "heatmap_title_required"}

# Scoped to the block's own class: the shared report.css styles ``table.dataframe``.
_STYLE = (
    "<style>"
    ".staffing-heatmap{overflow-x:auto;max-width:100%;-webkit-print-color-adjust:exact;"
    "print-color-adjust:exact}"
    ".staffing-heatmap table{border-collapse:collapse;font-size:0.82rem;margin:0.3rem 0}"
    ".staffing-heatmap caption{caption-side:top;text-align:left;font-weight:600;padding:0 0 0.25rem}"
    ".staffing-heatmap th,.staffing-heatmap td{border:1px solid #fff;padding:0.2rem 0.35rem;"
    "text-align:center;white-space:nowrap;min-width:2.4rem}"
    ".staffing-heatmap th{background:#f5f7fa;font-weight:600}"
    ".staffing-heatmap tbody th{text-align:left}"
    # the weekday column stays in view while the hours scroll sideways (phones)
    ".staffing-heatmap tbody th,.staffing-heatmap thead th:first-child{position:sticky;left:0}"
    ".staffing-heatmap .legend{font-size:0.8rem;margin:0.2rem 0 0.4rem;white-space:normal}"
    ".staffing-heatmap .ramp{display:inline-block;width:10rem;height:0.75rem;"
    "vertical-align:middle;margin:0 0.4rem;border:1px solid #d9e2ec}"
    "@media print{.staffing-heatmap{overflow:visible}.staffing-heatmap table{break-inside:avoid}}"
    "</style>"
)


def _hex(rgba: np.ndarray) -> str:
    """``#rrggbb`` of one RGBA colour in [0, 1] (rounded like matplotlib's ``to_hex``)."""
    r, g, b = (int(round(float(c) * 255)) for c in rgba[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def _body(pivot: pd.DataFrame, scale: HeatmapScale, lang: str) -> str:
    """One row per weekday: the weekday, then each hour's value on its colour (blank if none)."""
    values = pivot.to_numpy(dtype=float)
    colors = scale.rgba(values)
    text = scale.text_color(colors)
    rows = []
    for i, day in enumerate(pivot.index):
        cells = []
        for j in range(values.shape[1]):
            if not np.isfinite(values[i, j]):
                cells.append("<td></td>")
                continue
            style = f"background:{_hex(colors[i, j])};color:{text[i, j]}"
            cells.append(f'<td style="{style}">{_e(scale.label(values[i, j]))}</td>')
        rows.append(f'<tr><th scope="row">{_e(t(f"weekday_{day}", lang))}</th>{"".join(cells)}</tr>')
    return "".join(rows)


def _legend(scale: HeatmapScale, value: str, lang: str) -> str:
    """The colour ramp from ``vmin`` to ``vmax`` with both ends labelled, and what the colours mean."""
    stops = scale.rgba(np.linspace(scale.vmin, scale.vmax, 11))
    ramp = ",".join(_hex(c) for c in stops)
    words = t("heatmap_legend_gap" if value == "gap" else "heatmap_legend_count", lang)
    return (
        f'<p class="legend">{_e(scale.label(scale.vmin))}'
        f'<span class="ramp" style="background:linear-gradient(to right,{ramp})"></span>'
        f"{_e(scale.label(scale.vmax))} · {_e(words)}</p>"
    )


def heatmap_table(pivot: pd.DataFrame, value: str, lang: str = "en") -> str:
    """HTML table of a weekday x hour staffing pivot, coloured as the heatmap figure.

    Parameters
    ----------
    pivot : pandas.DataFrame
        Rows weekday (``Mon``..``Sun``), columns hour of day, values in staff: the pivot of
        :func:`bankperf_analysis.staffing.plan.branch_heatmap_pivot`.
    value : {"gap", "required"}
        The column the pivot shows: ``"gap"`` red-blue around 0, ``"required"`` (staff on
        shift, when there is no roster) blues from 0; picks the caption and the legend.
    lang : {"en", "zh"}
        Language of the caption, headers and legend.

    Returns
    -------
    str
        A ``<div class="staffing-heatmap">`` with a scoped style, the table and a legend line.

    Examples
    --------
    >>> pivot = pd.DataFrame({9: [-1.5, 0.25], 10: [float("nan"), 1.0]}, index=["Mon", "Tue"])
    >>> page = heatmap_table(pivot, "gap", "zh")
    >>> "<caption>排班人数减所需人数</caption>" in page, '<th scope="row">周一</th>' in page
    (True, True)
    >>> '<td style="background:#67001f;color:#ffffff">-1.5</td>' in page
    True
    """
    check_choice(value, "value", "heatmap_table", tuple(_TITLES))
    scale = heatmap_scale(pivot, value)
    title = t(_TITLES[value], lang)
    head = "".join(f'<th scope="col">{int(h)}:00</th>' for h in pivot.columns)
    return (
        f'{_STYLE}<div class="staffing-heatmap"><table><caption>{_e(title)}</caption>'
        f'<thead><tr><th scope="col">{_e(t("heatmap_corner", lang))}</th>{head}</tr></thead>'
        f"<tbody>{_body(pivot, scale, lang)}</tbody></table>{_legend(scale, value, lang)}</div>"
    )

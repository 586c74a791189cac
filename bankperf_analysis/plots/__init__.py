"""Every figure of the package, in one house style (CJK-capable).

``style`` sets the style and turns figures into PNG for the reports; each other module draws
one family of figures from plain data (frames, arrays, labels and ``lang``), so the analyses'
public plot functions and ``.plot()`` methods call down into it:

* ``funnel``: the funnel plot of rates against sample size (significance);
* ``event_study``: effects by period relative to adoption (incentives);
* ``staffing``: weekday x hour heatmaps of required, rostered and missing staff;
* ``trends``: a branch's KPIs against the bank over the last quarters (branch report), as a
  new figure or as the PNG of panels kept for the batch.
"""

from __future__ import annotations

from bankperf_analysis.plots.event_study import event_study_figure, message_figure
from bankperf_analysis.plots.funnel import FUNNEL_TEXT, draw_funnel
from bankperf_analysis.plots.staffing import gap_heatmap, staffing_heatmap
from bankperf_analysis.plots.style import (
    PALETTE,
    REPORT_DPI,
    REPORT_FIGSIZE,
    STATUS_COLORS,
    cjk_font_name,
    cjk_font_path,
    figure_png,
    show_figure,
    use_report_style,
)
from bankperf_analysis.plots.trends import kpi_trends, kpi_trends_png

__all__ = [
    "REPORT_DPI",
    "REPORT_FIGSIZE",
    "STATUS_COLORS",
    "PALETTE",
    "cjk_font_path",
    "cjk_font_name",
    "use_report_style",
    "figure_png",
    "show_figure",
    "FUNNEL_TEXT",
    "draw_funnel",
    "event_study_figure",
    "message_figure",
    "gap_heatmap",
    "staffing_heatmap",
    "kpi_trends",
    "kpi_trends_png",
]

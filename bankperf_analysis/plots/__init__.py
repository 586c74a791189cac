"""One figure style (CJK-capable) and the figures of the reports."""

from __future__ import annotations

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
]

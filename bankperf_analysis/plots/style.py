"""Figure style of the reports: one seaborn theme, a CJK-capable font, a controlled dpi.

The Chinese font is Noto Sans CJK SC as shipped by the ``mplfonts`` wheel (a PyPI
dependency): it is registered straight from its file with
:meth:`matplotlib.font_manager.FontManager.addfont`, so it needs no root, no network
and no rebuilt matplotlib font cache. Its Latin glyphs are complete, so one font
serves both languages and English and Chinese figures look alike.

Typical notebook use::

    from bankperf_analysis.plots.style import use_report_style, show_figure
    use_report_style(lang)
    fig, ax = plt.subplots()
    ...
    show_figure(fig)          # PNG at the report dpi, figure closed
"""

from __future__ import annotations

import functools
import importlib.util
import io
import sys
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang
from bankperf_analysis.plots._theme import ensure_style_cmap, theme_rc

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = [
    "REPORT_DPI",
    "REPORT_FIGSIZE",
    "STATUS_COLORS",
    "PALETTE",
    "cjk_font_path",
    "cjk_font_name",
    "use_report_style",
    "figure_png",
    "fixed_layout",
    "show_figure",
]

#: Resolution of report figures (dots per inch). 100 dpi at 7 x 3.6 in keeps a
#: figure around 30-60 KB of PNG, so a report stays under 250 KB.
REPORT_DPI = 100
REPORT_FIGSIZE = (7.0, 3.6)
#: Colour of each KPI status, used by every figure that shows met / below / no data.
STATUS_COLORS = {"met": "#2a9d8f", "below": "#e76f51", "insufficient": "#9e9e9e"}
PALETTE = ["#264653", "#2a9d8f", "#e9c46a", "#f4a261", "#e76f51", "#8ab17d", "#6d597a"]

_FONT_FILE = "NotoSansCJKsc-Regular.otf"
_FALLBACK_FONTS = ["DejaVu Sans"]


def cjk_font_path() -> Path:
    """Path of the Noto Sans CJK SC font file shipped by the ``mplfonts`` package.

    Found without importing ``mplfonts`` (whose import has side effects on fonts).
    """
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        raise ParamsError(
            "The Chinese figure font needs the 'mplfonts' package "
            "(pip install mplfonts). It is not installed."
        )
    for base in spec.submodule_search_locations:
        path = Path(base) / "fonts" / _FONT_FILE
        if path.is_file():
            return path
    raise ParamsError(f"mplfonts is installed but {_FONT_FILE} is missing from its fonts/ folder.")


@functools.cache
def cjk_font_name() -> str:
    """Register the CJK font with matplotlib (once per process) and return its family name."""
    from matplotlib import font_manager

    path = cjk_font_path()
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_report_style(
    lang: str = "en",
    *,
    dpi: int = REPORT_DPI,
    figsize: tuple[float, float] = REPORT_FIGSIZE,
    context: str = "notebook",
) -> None:
    """Apply the report figure style: seaborn theme, CJK font, dpi, size, PNG output.

    Parameters
    ----------
    lang : {"en", "zh"}
        Language of the report. Both use the same font (it covers Latin and CJK),
        so the argument only checks the language.
    dpi : int
        Resolution of figures on screen and when saved (``figure.dpi`` and
        ``savefig.dpi``).
    figsize : (float, float)
        Default figure size in inches.
    context : str
        Seaborn context (``"notebook"``, ``"paper"``, ``"talk"``).

    Notes
    -----
    The theme is seaborn's whitegrid (``seaborn.set_theme``) with the report's font and
    sizes on top, as rcParams built once per process (:func:`_report_rc`): seaborn is
    not imported (its import costs seconds), and a second call only re-applies them (a
    pooled kernel restores the rcParams between reports). Inside IPython the inline
    backend is switched to PNG output.
    """
    check_lang(lang)
    if dpi <= 0 or dpi > 600:
        raise ParamsError(
            f"The 'dpi' parameter of use_report_style must be an int in (0, 600]. Got {dpi!r} instead."
        )
    import matplotlib as mpl

    ensure_style_cmap()
    mpl.rcParams.update(cast(Any, _report_rc(dpi, (float(figsize[0]), float(figsize[1])), context)))
    _inline_png()


@functools.cache
def _report_rc(dpi: int, figsize: tuple[float, float], context: str) -> dict[str, Any]:
    """Every rcParam :func:`use_report_style` sets, built once per process and arguments.

    seaborn's whitegrid theme (:func:`bankperf_analysis.plots._theme.theme_rc`, seaborn's
    values without importing seaborn), then the report's own settings, which win.
    """
    font = cjk_font_name()
    rc: dict[str, Any] = {
        "font.family": "sans-serif",
        "font.sans-serif": [font, *_FALLBACK_FONTS],
        "axes.unicode_minus": False,
        "figure.dpi": dpi,
        "savefig.dpi": dpi,
        "figure.figsize": list(figsize),
        "savefig.bbox": "tight",
        "savefig.format": "png",
        # The shipped CJK font has one weight: asking for bold logs "findfont: Failed to
        # find font weight bold" and falls back, so titles stand out by size instead.
        "axes.titleweight": "normal",
        "figure.titleweight": "normal",
        "axes.titlesize": "large",
        "axes.titlelocation": "left",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "legend.frameon": False,
    }
    return {**theme_rc(context, PALETTE, font), **rc}


def _inline_png() -> None:
    """Make the IPython inline backend emit PNG (no SVG, no retina doubling).

    Outside IPython there is nothing to do: an IPython shell has always imported
    ``IPython``, so its absence from ``sys.modules`` says so without importing it (a third
    of a second in a plain process).
    """
    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:  # pragma: no cover
        return
    set_matplotlib_formats("png")


#: Figures laid out at their exact size when built (see :func:`fixed_layout`).
_FIXED_LAYOUT: weakref.WeakSet[Any] = weakref.WeakSet()


def fixed_layout(fig: Figure) -> Figure:
    """Mark ``fig`` as laid out at its exact size: :func:`figure_png` saves it as it is.

    For a figure whose margins are set when it is built (``subplots_adjust``, no layout
    engine) and fit every label: saving it with a tight bounding box would only lay its
    text out again (a draw to measure, then the draw), so it is drawn once.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = fixed_layout(Figure(figsize=(2, 1)))
    >>> len(figure_png(fig, dpi=50)) > 0
    True
    """
    _FIXED_LAYOUT.add(fig)
    return fig


def figure_png(fig: Figure, *, dpi: int | None = None) -> bytes:
    """Render ``fig`` to PNG bytes at ``dpi`` (default: ``savefig.dpi``).

    Cropped to a tight bounding box, unless the figure was built at its exact size
    (:func:`fixed_layout`): then it is drawn once, at its own size.
    """
    import matplotlib as mpl

    buf = io.BytesIO()
    fixed = fig in _FIXED_LAYOUT
    with mpl.rc_context({"savefig.bbox": "standard"} if fixed else {}):
        fig.savefig(
            buf,
            format="png",
            dpi=dpi or mpl.rcParams["savefig.dpi"],
            bbox_inches=None if fixed else "tight",
            metadata={"Software": None},
        )
    return buf.getvalue()


def show_figure(fig: Figure, *, dpi: int | None = None, close: bool = True) -> None:
    """Display ``fig`` in the notebook output as one PNG at the report dpi.

    The figure is closed afterwards (``close=True``) so the inline backend does not
    show it a second time at the end of the cell.
    """
    from IPython.display import Image, display

    png = figure_png(fig, dpi=dpi)
    if close:
        import matplotlib.pyplot as plt

        plt.close(fig)
    display(Image(data=png, format="png"))

"""PDF copies of the HTML reports (``bankperf report --pdf``), made offline in pure Python.

Why this engine
---------------
A bank PC may have no Chromium and no right to install system software, so the PDF is made
from pip-installable wheels only, with no network:

* **xhtml2pdf** (on **reportlab**) is pure Python: ``pip install bankperf-analysis[pdf]``
  works the same on Windows, macOS and Debian. It reads the report's HTML (tables, the
  PNG charts as ``data:`` URIs), paginates on A4 and draws a running header and footer.
  It knows CSS 2.1 only (no flex, no grid), so it gets its own small stylesheet below.
* WeasyPrint lays out modern CSS better, but it needs the Pango system libraries: on
  Debian ``apt install libpango-1.0-0``, on Windows a separate GTK/MSYS2 install. Not
  pip-only, so not used.
* Chromium (``--print-to-pdf``) gives the best print of ``report.css`` (margin boxes,
  page x / y) and is what the print test uses; it is a browser install, not a wheel.

The Chinese font is SimHei as shipped by the ``mplfonts`` wheel (already a dependency, see
:mod:`bankperf_analysis.plots.style`): reportlab embeds TrueType outlines only, and the
wheel's Noto Sans CJK SC has CFF outlines. SimHei covers Latin too, so one embedded font
(subset to the glyphs used) draws every report, and Chinese text extracts from the PDF.
The few characters it lacks (the minus sign U+2212, superscripts) are replaced by plain
ones so that nothing prints as a box.

Cost on the demo bank: about 2-4 s and 0.1-0.3 MB per report (measured in the README).
"""

from __future__ import annotations

import functools
import html as _html
import io
import logging
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from bankperf_analysis.exceptions import ReportError

__all__ = ["check_pdf_engine", "pdf_font_path", "pdf_source", "html_to_pdf", "write_pdfs", "PDF_CSS"]

_FONT_NAME = "bankperf-cjk"
_FONT_FILE = "SimHei.ttf"
_STYLE = re.compile(r"<style>.*?</style>", re.S)
_PAGE_BOX = re.compile(r"@(top-left|bottom-left)\s*\{\s*content:\s*\"((?:[^\"\\]|\\.)*)\"")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6}) ?")
_BODY_OPEN = re.compile(r"<body[^>]*>")
#: ``color:inherit`` in a style attribute crashes xhtml2pdf 0.2.28 (it looks the value up on a
#: parent without CSS); inheriting is what it does anyway, so the declaration is dropped.
_INHERIT = re.compile(r"(?<=[\"';\s])[a-z-]+\s*:\s*inherit\s*(?:;|(?=[\"']))")
_STAFF_HEAD = re.compile(r'(<div class="staff-table"><table class="dataframe"><thead><tr>)(.*?)(</tr>)', re.S)
#: Column widths (%) of the staff table (xhtml2pdf would give its 8 columns equal widths).
_STAFF_WIDTHS = (13, 13, 8, 9, 7, 8, 23, 19)
#: Characters SimHei has no glyph for, and what is drawn instead.
_FALLBACK = {"\u2212": "-", "\u2009": " ", "\u202f": " ", "\u2011": "-", "\u2013": "-", "\u2014": "-"}
_FALLBACK.update({s: "^" + d for s, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789", strict=True)})
_FALLBACK.update(
    {"✓": "√", "✔": "√", "✗": "×", "✘": "×", "¥": "￥", "•": "·", "«": "《", "»": "》", "‹": "〈", "›": "〉"}
)
_FALLBACK.update({"½": "1/2", "¼": "1/4", "ⁿ": "^n"})

#: The stylesheet of the PDF (CSS 2.1, as xhtml2pdf reads it). ``{font}`` is the embedded
#: font's name; the header and footer frames take the ``pdf-header``/``pdf-footer`` divs.
PDF_CSS = """
@font-face { font-family: {font}; src: url("{font_url}"); }
@font-face { font-family: {font}; src: url("{font_url}"); font-weight: bold; }
@page {
  size: a4 portrait; margin: 1.7cm 1.2cm 1.5cm 1.2cm;
  @frame header { -pdf-frame-content: pdf-header; top: 0.6cm; left: 1.2cm; right: 1.2cm; height: 0.8cm; }
  @frame footer { -pdf-frame-content: pdf-footer; bottom: 0.4cm; left: 1.2cm; right: 1.2cm; height: 0.8cm; }
}
html, body, div, p, span, td, th, li, dt, dd, pre, h1, h2, h3, h4, a, b, strong, em, caption {
  font-family: {font};
}
body { font-size: 8.5pt; color: #1f2933; -pdf-word-wrap: {wrap}; }
#pdf-header, #pdf-footer { font-size: 7pt; color: #616e7c; }
h1 { font-size: 15pt; color: #264653; border-bottom: 2px solid #264653; padding-bottom: 2pt;
  margin: 0 0 4pt 0; }
h2 { font-size: 11.5pt; color: #264653; border-bottom: 0.5px solid #d9e2ec; margin: 8pt 0 3pt 0;
  -pdf-keep-with-next: true; }
h3 { font-size: 10pt; color: #264653; -pdf-keep-with-next: true; }
p { margin: 2pt 0 3pt 0; }
table { border-collapse: collapse; margin: 2pt 0 4pt 0; }
th, td { padding: 1.5pt 3pt; border-bottom: 0.5px solid #d9e2ec; vertical-align: top; text-align: right; }
th { background-color: #f5f7fa; text-align: left; font-weight: bold; }
td:first-child { text-align: left; }
nav.toc, .toc { background-color: #f5f7fa; padding: 3pt 6pt; }
ul { margin: 0; }
img { zoom: 0.72; }
pre { font-size: 7.5pt; white-space: pre-wrap; }
footer, .provenance { font-size: 6.5pt; color: #616e7c; }
h2#staff { page-break-before: always; }
.staff-table td, .staff-table th { font-size: 7.5pt; }
a { color: #264653; text-decoration: none; }
"""


def check_pdf_engine() -> None:
    """Raise :class:`ReportError` (with what to install) unless the PDF engine can be imported.

    ``bankperf report --pdf`` calls it before any report runs.

    Examples
    --------
    >>> check_pdf_engine()  # installed with the [pdf] extra: nothing to say
    """
    import importlib.util

    missing = [m for m in ("xhtml2pdf", "reportlab") if importlib.util.find_spec(m) is None]
    if missing:
        err = ReportError(
            "The --pdf option of bankperf report needs the PDF engine (xhtml2pdf, pure Python). "
            f"This environment has no {', '.join(missing)}."
        )
        err.hint = (
            "install it with pip install 'bankperf-analysis[pdf]', or run without --pdf. Nothing was written."
        )
        raise err
    pdf_font_path()


def pdf_font_path() -> Path:
    """The TrueType font embedded in the PDFs (SimHei, from the ``mplfonts`` wheel).

    Examples
    --------
    >>> pdf_font_path().name
    'SimHei.ttf'
    """
    import mplfonts

    path = Path(mplfonts.__file__).resolve().parent / "fonts" / _FONT_FILE
    if not path.is_file():
        raise ReportError(
            f"The PDF font of bankperf report --pdf must be the file {path} of the mplfonts package. "
            "Got no such file instead; reinstall it with pip install --force-reinstall mplfonts."
        )
    return path


@functools.cache
def _font_glyphs() -> frozenset[int]:
    """The code points the PDF font can draw (read once per process)."""
    from reportlab.pdfbase.ttfonts import TTFont

    return frozenset(TTFont(_FONT_NAME, str(pdf_font_path())).face.charToGlyph)


def _css_text(escaped: str) -> str:
    r"""Undo :func:`bankperf_analysis.runner.render._css_string`'s escapes.

    Examples
    --------
    >>> _css_text(r"B04 \22 x\22  \3c b\3e ")
    'B04 "x" <b>'
    """
    return _CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), escaped)


def _running_texts(page: str) -> tuple[str, str]:
    """The running header and footer of a rendered report (its ``@page`` margin boxes)."""
    boxes = {name: _css_text(text) for name, text in _PAGE_BOX.findall(page)}
    title = re.search(r"<title>(.*?)</title>", page, re.S)
    header = boxes.get("top-left") or (_html.unescape(title.group(1)) if title else "")
    return header, boxes.get("bottom-left", "")


def _printable(text: str, glyphs: frozenset[int]) -> str:
    """``text`` with every character the font cannot draw replaced (see ``_FALLBACK``).

    Examples
    --------
    >>> _printable("−0.5 · 10⁴ 网点", frozenset(map(ord, "-0.5 ·1^4网点")))
    '-0.5 · 10^4 网点'
    """
    missing = {ch for ch in set(text) if ord(ch) not in glyphs and ord(ch) > 0x7F}
    if not missing:
        return text
    table = {ord(ch): _FALLBACK.get(ch, "?") for ch in missing}
    return text.translate(table)


def _staff_widths(m: re.Match[str]) -> str:
    """The staff table's header row with a width on each cell (unchanged if not 8 columns)."""
    cells = m.group(2).split("<th>")
    if len(cells) != len(_STAFF_WIDTHS) + 1:
        return m.group(0)
    sized = cells[0] + "".join(f'<th width="{w}%">{c}' for w, c in zip(_STAFF_WIDTHS, cells[1:], strict=True))
    return m.group(1) + sized + m.group(3)


def pdf_source(page: str, glyphs: frozenset[int], extra_css: str = "") -> str:
    """The report HTML as xhtml2pdf gets it: its stylesheet replaced, header and footer added.

    ``glyphs`` are the code points the font draws; any other character is replaced.
    ``extra_css`` (CSS 2.1) follows :data:`PDF_CSS`, e.g. the appraisal sheets' page breaks.

    Examples
    --------
    >>> page = ('<html lang="zh-CN"><head><title>B1 · 2026Q4</title><style>p {}</style></head>'
    ...         '<body><p style="color:inherit">−1</p></body></html>')
    >>> src = pdf_source(page, frozenset(map(ord, "·")))
    >>> "-pdf-word-wrap: CJK" in src, '<p style="">-1</p>' in src, "p {}" in src
    (True, True, False)
    >>> '<div id="pdf-header">B1 · 2026Q4</div>' in src
    True
    """
    header, footer = _running_texts(page)
    # Chinese has no spaces: reportlab breaks its lines anywhere only when told (CJK).
    wrap = "CJK" if re.search(r'<html[^>]*lang="zh', page[:400]) else "normal"
    css = (
        PDF_CSS.replace("{font}", _FONT_NAME)
        .replace("{font_url}", pdf_font_path().as_uri())
        .replace("{wrap}", wrap)
    ) + extra_css
    body = _STYLE.sub("", page, count=1).replace("</head>", f"<style>{css}</style></head>", 1)
    frames = (
        f'<div id="pdf-header">{_html.escape(header)}</div>'
        f'<div id="pdf-footer"><table><tr><td style="text-align:left">{_html.escape(footer)}</td>'
        '<td style="text-align:right"><pdf:pagenumber> / <pdf:pagecount></td></tr></table></div>'
    )
    body = _STAFF_HEAD.sub(_staff_widths, _INHERIT.sub("", body))
    m = _BODY_OPEN.search(body)
    body = body[: m.end()] + frames + body[m.end() :] if m else frames + body
    return _printable(body, glyphs)


def html_to_pdf(html_path: str | Path, pdf_path: str | Path | None = None, *, extra_css: str = "") -> Path:
    """Write the PDF copy of a rendered report (default: next to it, ``.pdf``); return its path.

    Offline: the document may read nothing but the font file (images are ``data:`` URIs).
    ``extra_css``: CSS 2.1 added to the PDF's stylesheet (:func:`pdf_source`).

    Examples
    --------
    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> _ = (d / "r.html").write_text("<html><head><title>T · 2026Q4</title></head>"
    ...                               "<body><h1>网点绩效报告</h1></body></html>", encoding="utf-8")
    >>> html_to_pdf(d / "r.html").read_bytes()[:5]
    b'%PDF-'
    """
    from xhtml2pdf import pisa
    from xhtml2pdf.config.resources import ResourceAccessPolicy

    from bankperf_analysis._atomic import atomic_write

    src = Path(html_path)
    dest = Path(pdf_path) if pdf_path is not None else src.with_suffix(".pdf")
    page = pdf_source(src.read_text(encoding="utf-8"), _font_glyphs(), extra_css)
    policy = ResourceAccessPolicy(
        allow_remote=False, base_dir=src.resolve().parent, extra_roots=(pdf_font_path().parent,)
    )
    buf = io.BytesIO()
    log = logging.getLogger("xhtml2pdf")
    level = log.level
    log.setLevel(logging.ERROR)  # not its notes on the CSS it skips (flex, grid: screen only)
    try:
        status = pisa.CreatePDF(page, dest=buf, encoding="utf-8", resource_policy=policy)
    finally:
        log.setLevel(level)
    if status.err:
        raise ReportError(
            f"The 'html_path' parameter of html_to_pdf must be a report xhtml2pdf can lay out. "
            f"Got {src} ({status.err} layout errors) instead."
        )
    atomic_write(dest, buf.getvalue())
    return dest


def _one_pdf(html_path: Path) -> Path | str:
    """The PDF of one report, or the error text (one bad PDF must not stop the others)."""
    try:
        return html_to_pdf(html_path, html_path.with_suffix(".pdf"))
    except Exception as exc:  # noqa: BLE001
        return f"{type(exc).__name__}: {exc}"


def write_pdfs(
    html_paths: Iterable[str | Path], *, force: bool = False, jobs: int = 1
) -> Mapping[Path, Path | str]:
    """Write the PDF copy of each report; a PDF newer than its HTML is kept unless ``force``.

    ``jobs`` > 1 lays out that many reports at once, each in its own process (xhtml2pdf is
    single-threaded pure Python). Returns html path -> pdf path, or the error text for a
    report whose PDF failed.
    """
    done: dict[Path, Path | str] = {}
    todo = []
    for p in map(Path, html_paths):
        pdf = p.with_suffix(".pdf")
        if not force and pdf.is_file() and pdf.stat().st_mtime >= p.stat().st_mtime:
            done[p] = pdf
        else:
            todo.append(p)
    if jobs > 1 and len(todo) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
            done.update(zip(todo, pool.map(_one_pdf, todo), strict=True))
    else:
        done.update((p, _one_pdf(p)) for p in todo)
    return done

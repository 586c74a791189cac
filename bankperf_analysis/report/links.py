"""Links between the reports of a quarter folder: index ↔ overview ↔ region ↔ branch ↔ person.

Every link is relative (``B03.html``, ``overview.html#region-north``,
``B04.html#staff-S00001``), so a quarter folder copied elsewhere keeps working. A report
writes each link to another report with :func:`xref`, in one fixed form
(``<a class="xref" href="...">text</a>``); the runner then checks each one against the
folder (:mod:`bankperf_analysis.runner.links`) and shows a link whose report (or anchor) is
not there, e.g. a branch not rendered by ``--branch B04``, as plain text
(``<span class="xref" data-href="...">text</span>``), never as a dead link; a later run
that renders it turns the text back into a link.

File names follow :mod:`bankperf_analysis.report.file_names`, over every branch of the
dataset, as the runner names the files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from bankperf_analysis.i18n import t
from bankperf_analysis.periods import Period
from bankperf_analysis.report.file_names import report_stems
from bankperf_analysis.report.html import HtmlBlock, _e

__all__ = [
    "INDEX_FILE",
    "OVERVIEW_FILE",
    "xref",
    "branch_files",
    "anchor_slug",
    "staff_anchor",
    "region_anchor",
    "annual_file",
    "nav_bar",
]

INDEX_FILE = "index.html"
OVERVIEW_FILE = "overview.html"
_SLUG_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SLUG_CHARS = re.compile(r"[^a-z0-9]+")


def xref(href: str, text: str, css: str = "") -> str:
    """A link to another report of the folder, in the form the runner checks.

    Parameters
    ----------
    href : str
        Relative target, ``file.html`` or ``file.html#anchor`` (already safe: file names of
        :mod:`~bankperf_analysis.report.file_names`, anchors of :func:`anchor_slug`).
    text : str
        Link text (escaped here).
    css : str
        Extra classes, e.g. ``"row-link"`` (the whole table row clicks).

    Examples
    --------
    >>> xref("B03.html", "B03 <x>")
    '<a class="xref" href="B03.html">B03 &lt;x&gt;</a>'
    >>> xref("overview.html#region-north", "North", "row-link")
    '<a class="xref row-link" href="overview.html#region-north">North</a>'
    """
    cls = "xref" + (f" {css}" if css else "")
    return f'<a class="{cls}" href="{_e(href)}">{_e(text)}</a>'


def branch_files(branch_ids: Iterable[str]) -> dict[str, str]:
    """Branch id → report file (``B01.html``), named as the runner names them.

    Examples
    --------
    >>> branch_files(["B01", "overview"])["B01"], branch_files(["B01", "overview"])["overview"][:9]
    ('B01.html', 'overview-')
    """
    return {b: f"{s}.html" for b, s in report_stems([str(b) for b in branch_ids]).items()}


def anchor_slug(text: str) -> str:
    """An anchor id for any text: the text itself when plain, else a slug plus a short hash.

    Examples
    --------
    >>> anchor_slug("S00001"), anchor_slug("a b")[:4]
    ('S00001', 'a-b-')
    >>> anchor_slug("华北")[:2], len(anchor_slug("华北"))
    ('x-', 10)
    """
    text = str(text)
    if _SLUG_SAFE.fullmatch(text):
        return text
    slug = _SLUG_CHARS.sub("-", text.lower()).strip("-")[:40] or "x"
    return f"{slug}-{hashlib.sha256(text.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def staff_anchor(staff_id: str) -> str:
    """The anchor of a person's row in the branch report's staff table.

    Examples
    --------
    >>> staff_anchor("S00001")
    'staff-S00001'
    """
    return f"staff-{anchor_slug(str(staff_id))}"


def region_anchor(region: str) -> str:
    """The anchor of a region's roll-up in the overview.

    Examples
    --------
    >>> region_anchor("North")
    'region-north'
    """
    return f"region-{anchor_slug(str(region).lower())}"


def annual_file(quarter: str) -> str | None:
    """The annual summary's file in a fourth quarter's folder (None in other quarters).

    Examples
    --------
    >>> annual_file("2026Q4"), annual_file("2026Q3")
    ('annual-2026.html', None)
    """
    p = Period.parse(quarter)
    return f"annual-{p.start.year}.html" if p.start.month == 10 else None


def nav_bar(
    lang: str,
    *,
    quarter: str,
    here: str,
    region: str | None = None,
    neighbours: Sequence[tuple[str, str] | None] = (),
    region_name: str | None = None,
) -> HtmlBlock:
    """The navigation line at the top of a report: index, overview, region, annual, previous/next.

    Parameters
    ----------
    lang : {"en", "zh"}
    quarter : str
        The quarter folder (its annual summary is linked in Q4).
    here : {"branch", "overview", "annual"}
        The report showing the bar (it does not link to itself).
    region : str, optional
        The branch's region (a link to its roll-up in the overview).
    region_name : str, optional
        The region's name in the report's language (default ``region``).
    neighbours : sequence of (file, branch label) or None
        The previous and the next branch (None at either end).

    Examples
    --------
    >>> bar = nav_bar("en", quarter="2026Q3", here="branch", region="North",
    ...               neighbours=[None, ("B02.html", "B02")])
    >>> 'href="index.html"' in bar.html, 'href="overview.html#region-north"' in bar.html
    (True, True)
    >>> 'href="B02.html"' in bar.html, "annual-" in bar.html
    (True, False)
    """
    parts = [xref(INDEX_FILE, t("nav_index", lang))]
    if here != "overview":
        parts.append(xref(OVERVIEW_FILE, t("nav_overview", lang)))
    if region:
        label = t("nav_region", lang, region=region_name or region)
        parts.append(xref(f"{OVERVIEW_FILE}#{region_anchor(region)}", label))
    annual = annual_file(quarter)
    if annual and here != "annual":
        parts.append(xref(annual, t("nav_annual", lang)))
    side = []
    for key, arrow, nb in zip(("nav_previous", "nav_next"), ("‹ ", " ›"), neighbours, strict=False):
        if nb is not None:
            text = t(key, lang, branch=nb[1])
            side.append(xref(nb[0], f"{arrow}{text}" if arrow == "‹ " else f"{text}{arrow}"))
    items = "".join(f"<li>{p}</li>" for p in parts)
    pager = "".join(f"<li>{p}</li>" for p in side)
    return HtmlBlock(
        f'<nav class="report-nav" aria-label="{_e(t("nav_label", lang))}"><ul>{items}</ul>'
        + (f'<ul class="pager">{pager}</ul>' if pager else "")
        + "</nav>"
    )

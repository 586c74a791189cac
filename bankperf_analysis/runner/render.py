"""HTML side of the runner: the report exporter, table of contents, index page.

The safety check of a rendered report lives in :mod:`bankperf_analysis.runner.safety`.

Private module: :mod:`bankperf_analysis.runner.run` is the public entry point. Files are
written by :mod:`bankperf_analysis.runner.publish`, atomically.
"""

from __future__ import annotations

import datetime as dt
import functools
import html as _html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bankperf_analysis.l10n import DEFAULT_TIMEZONE, local_time, period_label
from bankperf_analysis.report.headline import HEADLINE_MIME
from bankperf_analysis.runner.safety import unsafe_content

__all__ = [
    "make_exporter",
    "add_missing_alt",
    "pop_headline",
    "strip_papermill_markers",
    "add_toc",
    "page_css",
    "unsafe_content",
    "render_report",
    "read_input_key",
    "format_value",
    "render_index",
]

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "bankperf_report"
INPUT_KEY_META = "bankperf-input-key"

_HEADING = re.compile(r"<h([23])\s+id=\"([^\"]*)\"\s*>(.*?)</h\1>", re.S | re.I)
_ANCHOR = re.compile(r"<a class=\"anchor-link\"[^>]*>.*?</a>", re.S)
_TAG = re.compile(r"<[^>]*>")
_TOC_MARK = "<!--bankperf:toc-->"


@functools.cache
def report_css() -> str:
    """Inline CSS shared by the reports and the index page."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


_IMG_TAG = re.compile(r"<img\b(?![^>]*\salt(?:\s*=|[\s/>]))", re.I)
#: What nbconvert's HTMLExporter writes into an image without alternative text.
NO_ALT_TEXT = "No description has been provided for this image"


def add_missing_alt(page: str) -> str:
    """Give every ``<img>`` of ``page`` without an ``alt`` attribute nbconvert's default one.

    This is what :class:`nbconvert.HTMLExporter` does after rendering, with a full
    BeautifulSoup parse and re-serialisation of the page (about half the CPU of rendering
    a branch report); the report template writes ``alt`` on every image it draws, so only
    an image inside an HTML output can lack one.

    Examples
    --------
    >>> add_missing_alt('<img src="a.png"><IMG alt="" src="b.png"><p>img</p>')
    '<img alt="No description has been provided for this image" src="a.png"><IMG alt="" src="b.png"><p>img</p>'
    """  # noqa: E501
    return _IMG_TAG.sub(lambda m: f'{m.group(0)} alt="{NO_ALT_TEXT}"', page)


def make_exporter():
    """Return an HTML exporter (an :class:`nbconvert.HTMLExporter`) using the bankperf report template.

    Two costs of nbconvert's exporter are left out, the output being the same page:

    * its post-pass (parse the whole page with BeautifulSoup to add ``alt`` text to images
      and ``tabindex`` to JupyterLab cell wrappers, then serialise it again): the report
      template has no JupyterLab cell wrappers, and :func:`add_missing_alt` adds the
      ``alt`` text;
    * a JSON-schema validation of the notebook after each of its preprocessors: it is
      validated once, after the last (nbconvert's ``optimistic_validation``).
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class ReportExporter(HTMLExporter):
        """nbconvert's HTML exporter without its BeautifulSoup post-pass."""

        def from_notebook_node(self, nb, resources=None, **kw):  # noqa: D102
            # HTMLExporter.from_notebook_node (nbconvert 7), up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            meta = self._nb_metadata
            data_type = WidgetsDataTypeFilter(notebook_metadata=meta, parent=self, resources=resources)
            self.register_filter("highlight_code", highlight)
            self.register_filter("filter_data_type", data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return add_missing_alt(page), resources

    return ReportExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name=REPORT_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        optimistic_validation=True,
    )


def pop_headline(nb) -> dict[str, Any]:
    """Collect the headline numbers a notebook recorded and remove their outputs.

    ``record_headline`` displays a ``application/x.bankperf-headline+json``
    bundle; several calls merge, later values win.
    """
    headline: dict[str, Any] = {}
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data") if isinstance(out, Mapping) else None
            if data is not None and HEADLINE_MIME in data:
                value = data[HEADLINE_MIME]
                if isinstance(value, Mapping):
                    headline.update(value)
                continue
            kept.append(out)
        cell["outputs"] = kept
    return headline


def strip_papermill_markers(nb) -> None:
    """Drop papermill's error banner cells (they link to prompts the report hides)."""
    nb.cells = [c for c in nb.cells if "papermill-error-cell-tag" not in c.metadata.get("tags", [])]


def add_toc(page: str, heading: str) -> str:
    """Insert a table of contents built from the h2/h3 headings of ``page``."""
    items = []
    for level, anchor, inner in _HEADING.findall(page):
        text = _TAG.sub("", _ANCHOR.sub("", inner)).strip()
        if text:
            items.append(f'<li class="toc-h{level}"><a href="#{anchor}">{text}</a></li>')
    nav = (
        f'<nav class="toc" aria-label="{_html.escape(heading)}"><h2 class="toc-title">'
        f"{_html.escape(heading)}</h2><ul>{''.join(items)}</ul></nav>"
    )
    # Right under the report title when there is one, else at the top of the page.
    body = page.replace(_TOC_MARK, "", 1)
    h1_end = body.find("</h1>")
    at = body.find("</section>", h1_end) if h1_end >= 0 else -1
    if at >= 0 and _TOC_MARK in page:
        at += len("</section>")
        return body[:at] + nav + body[at:]
    return page.replace(_TOC_MARK, nav, 1)


def _css_string(text: str) -> str:
    r"""``text`` as a quoted CSS string that cannot end the string or the ``<style>`` element.

    Examples
    --------
    >>> print(_css_string('B04 "x" </style>'))
    "B04 \22 x\22  \3c /style\3e "
    """
    out = []
    for ch in text:
        if ch in '"\\<>' or ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def page_css(header: str, footer: str) -> str:
    """The ``@page`` margin boxes of one report: ``header`` top left, ``footer`` bottom left.

    The page number (``x / y``, bottom right) comes from ``report.css``. Chromium draws
    margin boxes from version 131 on; older browsers print without them.

    Examples
    --------
    >>> page_css("Branch B04 · 2026Q4", "Data fingerprint 1a2b3c4d5e6f")  # doctest: +ELLIPSIS
    '@page { @top-left { content: "Branch B04 · 2026Q4"; ...'
    """
    box = "font-size: 8pt; color: #616e7c"
    return (
        f"@page {{ @top-left {{ content: {_css_string(header)}; {box} }} "
        f"@bottom-left {{ content: {_css_string(footer)}; {box} }} }}"
    )


def render_report(exporter, nb, *, bankperf: Mapping[str, Any], toc_heading: str) -> str:
    """Render an executed notebook to a self-contained HTML page.

    ``bankperf`` may name ``running_header`` and ``running_footer``: the text printed at the
    top and the foot of every page (:func:`page_css`).
    """
    extra = page_css(str(bankperf.get("running_header", "")), str(bankperf.get("running_footer", "")))
    resources = {"bankperf": {**bankperf, "css": report_css() + "\n" + extra}}
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return add_toc(body, toc_heading)


def read_input_key(path: Path) -> str | None:
    """Input key stored in a report's ``<meta name="bankperf-input-key">`` (None if absent)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return None
    m = re.search(rf"<meta\s+(?=[^>]*name=\"{INPUT_KEY_META}\")[^>]*content=\"([0-9a-f]+)\"", head)
    return m.group(1) if m else None


def _shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def format_value(key: str, value: Any) -> str:
    """Format a headline value for the index page (the reports' formats, :mod:`bankperf_analysis.numbers`).

    Examples
    --------
    >>> format_value("satisfaction_rate", 0.881), format_value("composite_score", 67.86)
    ('88.1 %', '67.9')
    >>> format_value("x", -0.0001), format_value("x", 12), format_value("x", None), format_value("x", True)
    ('0.000', '12', '–', '✓')
    """
    from bankperf_analysis.numbers import DASH, fmt_number, fmt_percent

    if value is None:
        return DASH
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return DASH
        if key.endswith("_rate") and 0.0 <= value <= 1.0:
            return fmt_percent(value)
        return fmt_number(value, 1) if abs(value) >= 1 else fmt_number(value, 3)
    return str(value)


#: Kind of report of each notebook of the batch (its group on the index page); any other
#: notebook's reports are grouped as "other".
REPORT_KINDS = {
    "branch_quarter.ipynb": "branch",
    "bank_overview.ipynb": "bank",
    "annual_summary.ipynb": "bank",
    "incentive_study.ipynb": "bank",  # a bank-wide study (bankperf report --kind incentive)
    "branch_month.ipynb": "branch",
    "bank_month.ipynb": "bank",
    "staffing_plan.ipynb": "staffing",  # a branch's plan and roster (bankperf report --kind staffing)
}
#: Headline keys shown as columns of the branch reports, in this order, when some branch
#: report recorded them (a report that did not shows "–"); any other key stays in the report.
BRANCH_COLUMNS = (
    "composite_score",
    "label_composite",
    "label_rank_bank",
    "label_rank_region",
    "rank",
    "label_rank",
    "consequence",
    "label_action",
    "label_consequence",
    "satisfaction_rate",
    "label_change",
    "count_bonus_total",
    "count_deduction_total",
)


def _header(key: str, lang: str) -> str:
    """A headline key as a column header: its translated label, else the key in words."""
    from bankperf_analysis.i18n import LABELS, t

    if key in LABELS:  # the incentive study's index keys too (_i18n_incentive, through _i18n_more)
        return t(key, lang)
    words = key.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


@functools.cache
def _index_template():
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("index.html.j2")


def _index_row(e: Mapping[str, Any], lang: str, timezone: str = DEFAULT_TIMEZONE) -> dict[str, Any]:
    """One row of the index: a report, its status, its headline and, if any, its previous report.

    Times (kept in UTC in the manifest) are shown in ``timezone``, labelled.
    """
    from bankperf_analysis.i18n import t

    raw = str(e.get("status"))
    status = raw if raw in ("ok", "failed", "pending") else "failed"
    ok = status == "ok"
    prev = e.get("previous") if not ok and isinstance(e.get("previous"), Mapping) else None
    label = {"ok": "run_ok", "failed": "run_failed", "pending": "run_pending"}[status]
    return {
        "title": e.get("title") or e["id"],
        "href": e.get("html") if ok else None,
        "status": status,
        "status_label": t(label, lang, time=local_time(e.get("run_started", ""), timezone, lang)),
        "error": "" if ok else _shorten(str(e.get("error", "")), 240),
        "headline": {k: format_value(k, v) for k, v in (e.get("headline") or {}).items()} if ok else {},
        "generated": local_time(e.get("generated_at", ""), timezone, lang) if status != "pending" else "",
        "previous": (
            {
                "href": prev.get("html"),
                "label": t(
                    "index_previous", lang, time=local_time(prev.get("generated_at") or "?", timezone, lang)
                ),
            }
            if prev and prev.get("html")
            else None
        ),
    }


def _groups(rows: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The index's tables: bank-level reports, branch reports, others; each with its columns.

    Branch reports get a column per :data:`BRANCH_COLUMNS` key some branch recorded; every
    other value a report recorded is listed (label value) in its "key figures" cell.
    """
    from bankperf_analysis.i18n import t

    out = []
    groups = (
        ("bank", "index_group_bank"),
        ("branch", "index_group_branch"),
        ("staffing", "srep_index_group"),
        ("other", ""),
    )
    for kind, title_key in groups:
        mine = [r for r in rows if r["kind"] == kind]
        if not mine:
            continue
        keys = (
            [k for k in BRANCH_COLUMNS if any(k in r["headline"] for r in mine)] if kind == "branch" else []
        )
        for r in mine:
            r["cells"] = [r["headline"].get(k, "–") for k in keys]
            r["figures"] = [(_header(k, lang), v) for k, v in r["headline"].items() if k not in keys]
        out.append(
            {
                "title": t(title_key, lang) if title_key else t("index_group_other", lang),
                "columns": [_header(k, lang) for k in keys],
                "figures": any(r["figures"] for r in mine),
                "rows": mine,
            }
        )
    return out


def render_index(
    entries: Iterable[Mapping[str, Any]],
    *,
    quarter: str,
    lang: str,
    version: str,
    run_started: str = "",
    timezone: str = DEFAULT_TIMEZONE,
) -> str:
    """Render ``index.html`` of a quarter folder from its manifest entries.

    Every report is listed with its status: ``ok`` (linked), ``failed`` (in red, with the
    error) or ``pending`` (not done by the run of ``run_started``: in progress, or the run
    was interrupted). A report that could not run but has a good report from an earlier
    run links that one, labelled with its time. The bank-level reports come first, then
    the branch reports (a column per headline value they recorded, translated), then any
    other report.
    """
    from bankperf_analysis.i18n import t

    first = ("bank_overview.ipynb", "annual_summary.ipynb")  # the bank's reports in reading order
    entries = sorted(
        entries,
        key=lambda e: (
            first.index(str(e.get("notebook"))) if e.get("notebook") in first else len(first),
            str(e.get("notebook", "")),
            str(e["id"]),
        ),
    )
    rows = [_index_row(e, lang, timezone) for e in entries]
    for e, row in zip(entries, rows, strict=True):
        row["kind"] = REPORT_KINDS.get(Path(str(e.get("notebook", ""))).name, "other")
    counts = {s: sum(r["status"] == s for r in rows) for s in ("ok", "failed", "pending")}
    colon, comma = ("：", "，") if lang == "zh" else (": ", ", ")
    summary = (
        f"{period_label(quarter, lang)}{colon}{counts['ok']} {t('run_ok', lang)}{comma}"
        f"{counts['failed']} {t('run_failed', lang)}"
        + (f"{comma}{counts['pending']} {t('run_not_done', lang)}" if counts["pending"] else "")
        + (
            f" · {t('index_run_time', lang, time=local_time(run_started, timezone, lang))}"
            if run_started
            else ""
        )
    )
    now = local_time(dt.datetime.now(dt.UTC), timezone, lang)
    return _index_template().render(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=f"{t('index_title', lang)} · {period_label(quarter, lang)}",
        summary=summary,
        summary_class="note run-failed" if counts["failed"] or counts["pending"] else "note",
        css=report_css(),
        version=version,
        labels={
            "report": t("label_report", lang),
            "status": t("label_status", lang),
            "generated": t("footer_generated", lang),
            "failed_note": t("index_failed_note", lang),
            "figures": t("index_key_figures", lang),
        },
        groups=_groups(rows, lang),
        any_failed=counts["failed"] > 0 or counts["pending"] > 0,
        footer_rows=[(t("footer_version", lang), version), (t("footer_generated", lang), now)],
    )

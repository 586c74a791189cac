"""HTML side of the runner: the report exporter, table of contents, safety checks, index page.

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

from bankperf_analysis.report.headline import HEADLINE_MIME

TEMPLATES = Path(__file__).resolve().parent / "templates"
REPORT_TEMPLATE = "bankperf_report"
INPUT_KEY_META = "bankperf-input-key"

_HEADING = re.compile(r"<h([23])\s+id=\"([^\"]*)\"\s*>(.*?)</h\1>", re.S | re.I)
_ANCHOR = re.compile(r"<a class=\"anchor-link\"[^>]*>.*?</a>", re.S)
_TAG = re.compile(r"<[^>]*>")
_TOC_MARK = "<!--bankperf:toc-->"
# Live content a report must never carry: it has no JavaScript by design.
_UNSAFE = [
    (re.compile(r"<\s*(script|iframe|object|embed|applet|base|link|form)\b", re.I), "a <{0}> tag"),
    (re.compile(r"<[^>]*\son[a-z]+\s*=", re.I), "an inline event handler (on...=)"),
    (re.compile(r"<[^>]*=\s*[\"']?\s*(?:javascript|vbscript)\s*:", re.I), "a javascript: URL"),
    (
        re.compile(
            r"<[^>]*\b(?:src|srcset|poster|data|background|action)\s*=\s*[\"']?\s*"
            r"(?:[a-z][a-z0-9+.-]*:)?//",
            re.I,
        ),
        "an external resource URL",
    ),
    (re.compile(r"url\(\s*[\"']?\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I), "an external CSS url()"),
    (re.compile(r"@import\s+(?:url\(|[\"'])", re.I), "a CSS @import"),
]


@functools.cache
def report_css() -> str:
    """Inline CSS shared by the reports and the index page."""
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


def make_exporter():
    """Return an :class:`nbconvert.HTMLExporter` using the bankperf report template."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        extra_template_basedirs=[str(TEMPLATES)],
        template_name=REPORT_TEMPLATE,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    return exporter


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


def unsafe_content(page: str) -> list[str]:
    """Describe live or external content in the body of a rendered report (empty if none)."""
    start = page.find("<main")
    body = page[start:] if start >= 0 else page
    problems = []
    for pattern, what in _UNSAFE:
        m = pattern.search(body)
        if m:
            excerpt = body[max(0, m.start() - 40) : m.end() + 40].replace("\n", " ")
            name = m.group(1) if m.groups() else ""
            problems.append(f"{what.format(name)} near {excerpt!r}")
    return problems


def render_report(exporter, nb, *, bankperf: Mapping[str, Any], toc_heading: str) -> str:
    """Render an executed notebook to a self-contained HTML page."""
    resources = {"bankperf": {**bankperf, "css": report_css()}}
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
    """Format a headline value for the index page."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "–"
        if key.endswith("_rate") and 0.0 <= value <= 1.0:
            return f"{value:.1%}"
        return f"{value:,.4g}" if abs(value) >= 1 else f"{value:.3g}"
    return str(value)


def render_index(
    entries: Iterable[Mapping[str, Any]],
    *,
    quarter: str,
    lang: str,
    version: str,
) -> str:
    """Render ``index.html`` of a quarter folder from its manifest entries."""
    import jinja2

    from bankperf_analysis.i18n import LABELS, t

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    rows = []
    columns: dict[str, str] = {}
    entries = sorted(entries, key=lambda e: (str(e.get("notebook", "")), str(e["id"])))
    for e in entries:
        ok = e.get("status") == "ok"
        headline = {k: format_value(k, v) for k, v in (e.get("headline") or {}).items()}
        for k in headline:
            columns.setdefault(k, t(k, lang) if k in LABELS else k)
        title = e.get("title") or e["id"]
        rows.append(
            {
                "title": title,
                "href": e.get("html") if ok else None,
                "status": "ok" if ok else "failed",
                "status_label": t("run_ok" if ok else "run_failed", lang),
                "error": "" if ok else _shorten(str(e.get("error", "")), 240),
                "headline": headline,
                "generated": e.get("generated_at", ""),
            }
        )
    n_ok = sum(r["status"] == "ok" for r in rows)
    n_failed = len(rows) - n_ok
    summary = f"{quarter}: {n_ok} {t('run_ok', lang)}, {n_failed} {t('run_failed', lang)}"
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return env.get_template("index.html.j2").render(
        html_lang="zh-CN" if lang == "zh" else "en",
        title=f"{t('index_title', lang)} · {quarter}",
        summary=summary,
        css=report_css(),
        version=version,
        labels={
            "report": t("label_report", lang),
            "status": t("label_status", lang),
            "generated": t("footer_generated", lang),
            "failed_note": t("index_failed_note", lang),
        },
        headline_columns=[{"key": k, "label": v} for k, v in columns.items()],
        rows=rows,
        any_failed=n_failed > 0,
        footer_rows=[(t("footer_version", lang), version), (t("footer_generated", lang), now)],
    )

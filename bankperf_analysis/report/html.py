"""HTML pieces of the report sections: the block type, escaping, KPI formatting, tables.

Every name coming from the data goes through :func:`_e` (HTML-escaped); every table of a
section is a ``<table class="dataframe">`` built by :func:`data_table` or
:func:`facts_table`, so the reports share one look (``runner/templates/report.css``).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bankperf_analysis.i18n import kpi_label, role_label, t
from bankperf_analysis.kpis import UNITS, channel_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.numbers import fmt_duration, fmt_number, fmt_percent

__all__ = [
    "HtmlBlock",
    "format_value",
    "data_table",
    "facts_table",
    "section_heading",
    "no_data",
    "STATUS_COLORS",
    "team_note",
]

#: Colour of each traffic-light status in the report sections.
STATUS_COLORS = {"met": "#1a7f37", "near": "#b7791f", "below": "#c53030", "none": "#718096"}


@dataclass(frozen=True)
class HtmlBlock:
    """A piece of report HTML; displays itself in a notebook (last line of a cell)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html

    def __str__(self) -> str:
        return self.html


def _e(x: Any) -> str:
    """Escape any value for HTML (None and non-finite floats become empty).

    Examples
    --------
    >>> _e("<b>O'Neil</b>"), _e(None), _e(float("nan"))
    ('&lt;b&gt;O&#x27;Neil&lt;/b&gt;', '', '')
    """
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return ""
    return html.escape(str(x), quote=True)


def format_value(kpi: str, value: float | None, lang: str = "en") -> str:
    """Format a KPI value with its unit for display.

    Examples
    --------
    >>> format_value("satisfaction_rate", 0.8523)
    '85.2 %'
    >>> format_value("response_time_seconds", 232.4, "zh"), format_value("queue_wait_seconds", 95.0)
    ('3.9分钟', '1:35')
    >>> format_value("cross_sales_per_month", -0.001), format_value("risk_loss_yuan", 12345.0, "zh")
    ('0.00', '12,345 元')
    """
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return "–"
    k = KPI_CATALOGUE.get(kpi)
    v = float(value)
    if k is None:
        return fmt_number(v, 2) if abs(v) < 100 else fmt_number(v, 0)
    unit = UNITS[k.unit]
    if k.unit == "share":
        return fmt_percent(v, 1 if k.decimals is None else k.decimals)
    if unit.percent:
        return fmt_percent(v, 0)
    if k.unit == "seconds":
        return fmt_duration(v, lang)
    if k.unit == "yuan":
        return f"{fmt_number(v, 0)} {unit.symbol(lang)}"
    if k.unit in ("minutes", "hours"):
        return f"{fmt_number(v, 1)} {unit.symbol(lang)}"
    if k.unit in ("complaints", "customers", "incidents"):
        return fmt_number(v, 0)
    if k.unit == "points of 100":
        return fmt_number(v, 1)
    return fmt_number(v, 2) if abs(v) < 100 else fmt_number(v, 0)


def channel_note(channels: Mapping[str, Sequence[str]], kpis: Iterable[str], lang: str) -> str:
    """The contact channels the contact KPIs among ``kpis`` count, as one sentence (empty if none).

    KPIs with the same channels are named together, in the order given.

    Examples
    --------
    >>> ch = {"response_time_seconds": ["phone", "online"], "service_level": ["phone", "online"],
    ...       "queue_wait_seconds": ["counter"]}
    >>> channel_note(ch, ["satisfaction_rate", "response_time_seconds", "queue_wait_seconds"], "en")
    'Contact channels counted: Average response time: phone, online; Queue waiting time: counter.'
    >>> channel_note(ch, ["response_time_seconds", "service_level"], "en")
    'Contact channels counted: Average response time, Service level: phone, online.'
    >>> channel_note(ch, ["queue_wait_seconds"], "zh")
    '统计的客户接触渠道：排队等候时间：柜台。'
    """
    groups: dict[tuple[str, ...], list[str]] = {}
    for k in kpis:
        if k in channels:
            groups.setdefault(tuple(channels[k]), []).append(kpi_label(k, lang))
    if not groups:
        return ""
    sep, colon, semi = ("、", "：", "；") if lang == "zh" else (", ", ": ", "; ")
    items = semi.join(f"{sep.join(names)}{colon}{channel_label(ch, lang)}" for ch, names in groups.items())
    return t("note_channels", lang, items=items)


def team_note(people: Any, lang: str) -> str:
    """Which KPIs each role is scored on at the team's (branch's) value, as one sentence.

    ``people`` has the columns ``role`` and ``team_kpis`` (a staff scorecard's people, or the
    annual summary's staff); empty when no one is scored on a team value.

    Examples
    --------
    >>> import pandas as pd
    >>> people = pd.DataFrame({"role": ["customer_service_rep", "teller"],
    ...                        "team_kpis": ["response_time_seconds; service_level", ""]})
    >>> team_note(people, "en")
    "Scored on the team's (branch's) value, not the person's own: Customer-service representative: Average response time, Service level."
    >>> team_note(people, "zh")
    '按团队（网点）值评分，非个人值：客服代表：平均响应时间、服务水平。'
    """  # noqa: E501
    if "team_kpis" not in getattr(people, "columns", ()):
        return ""
    on_team = people.loc[people["team_kpis"].fillna("") != "", ["role", "team_kpis"]].drop_duplicates()
    sep, colon, semi = ("、", "：", "；") if lang == "zh" else (", ", ": ", "; ")
    items = [
        role_label(r.role, lang) + colon + sep.join(kpi_label(k, lang) for k in r.team_kpis.split("; "))
        for r in on_team.itertuples()
    ]
    return t("note_team_kpis", lang, items=semi.join(items)) if items else ""


def data_table(head: Sequence[str], rows: Iterable[str]) -> str:
    """A ``<table class="dataframe">``: escaped column headings over ready-made ``<tr>`` rows.

    Examples
    --------
    >>> page = data_table(["a<b"], ["<tr><td>1</td></tr>"])
    >>> page[:51]
    '<table class="dataframe"><thead><tr><th>a&lt;b</th>'
    >>> page[51:]
    '</tr></thead><tbody><tr><td>1</td></tr></tbody></table>'
    """
    return (
        '<table class="dataframe"><thead><tr>'
        + "".join(f"<th>{_e(h)}</th>" for h in head)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
    )


def facts_table(rows: Iterable[tuple[str, str]]) -> str:
    """A two-column ``<table class='dataframe'>`` of (label, value) rows, both escaped.

    Examples
    --------
    >>> facts_table([("Total", "3")])
    "<table class='dataframe'><tbody><tr><th>Total</th><td>3</td></tr></tbody></table>"
    """
    return (
        "<table class='dataframe'><tbody>"
        + "".join(f"<tr><th>{_e(a)}</th><td>{_e(b)}</td></tr>" for a, b in rows)
        + "</tbody></table>"
    )


def section_heading(key: str, anchor: str, lang: str) -> HtmlBlock:
    """A section heading (h2) with an anchor, in the report language; it appears in the contents.

    Examples
    --------
    >>> section_heading("heading_staff", "staff", "en").html
    '<h2 id="staff">Staff results</h2>'
    """
    return HtmlBlock(f'<h2 id="{_e(anchor)}">{_e(t(key, lang))}</h2>')


def no_data(lang: str) -> HtmlBlock:
    """The paragraph a section shows when it has nothing to show."""
    return HtmlBlock(f"<p>{_e(t('no_data', lang))}</p>")

"""What a report cannot show because an optional table is absent or empty, and saying so.

Every table of the data contract except ``branches`` and ``staff`` is optional. When one
is absent (no file) or empty (a header without rows), the KPIs it feeds cannot be
computed: a report section that needs it says "Not available: no survey data." (in the
report language) instead of showing an empty table, a dash or a zero, and the
data-quality section lists the tables that were not provided.

:class:`Missing` answers, for one report, which tables are missing and why a KPI or a
section is not available. :func:`prepare_batch` records the missing tables in the batch's
``meta.json`` (``missing_tables``); the annual summary reads them from the dataset.

Examples
--------
>>> m = Missing({"surveys": "absent"}, "en")
>>> m.kpi_reason("satisfaction_rate")
'no survey data'
>>> m.kpi_reason("service_level") is None
True
>>> m.block_for_kpis("satisfaction_rate").html
'<p class="not-available" style="color:#718096">Not available: no survey data.</p>'
>>> Missing({"surveys": "empty"}, "zh").text("surveys")
'不可用：无满意度调查数据。'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.l10n import period_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.report.html import STATUS_COLORS, HtmlBlock, _e, section_heading

__all__ = ["Missing"]


@dataclass(frozen=True)
class Missing:
    """The optional tables a report's data lack (``{table: "absent" | "empty"}``), in one language.

    Parameters
    ----------
    tables : mapping of str to {"absent", "empty"}
        Tables not provided (absent) or provided without rows (empty), in contract order
        (:func:`bankperf_analysis.metrics.compute.unavailable_tables`).
    lang : {"en", "zh"}
    """

    tables: Mapping[str, str] = field(default_factory=dict)
    lang: str = "en"

    @classmethod
    def from_meta(cls, meta: Mapping, lang: str) -> Missing:
        """The missing tables recorded in a batch's ``meta.json`` (none if not recorded)."""
        return cls(dict(meta.get("missing_tables") or {}), lang)

    def kpi_table(self, kpi: str) -> str | None:
        """The missing table ``kpi`` is computed from, or None when the KPI is available."""
        table = KPI_CATALOGUE[kpi].table if kpi in KPI_CATALOGUE else None
        return table if table in self.tables else None

    def reason(self, table: str) -> str:
        """Why data of ``table`` are missing, in words: ``"no survey data"``."""
        return t(f"missing_{table}", self.lang)

    def kpi_reason(self, kpi: str) -> str | None:
        """Why ``kpi`` is not available (None when it is)."""
        table = self.kpi_table(kpi)
        return None if table is None else self.reason(table)

    def text(self, table: str) -> str:
        """The sentence a section shows: ``"Not available: no survey data."``."""
        return t("not_available", self.lang, reason=self.reason(table))

    def block(self, table: str) -> HtmlBlock:
        """The sentence of :meth:`text` as a paragraph of the report."""
        return _paragraph(self.text(table))

    def block_for_kpis(self, *kpis: str) -> HtmlBlock | None:
        """The paragraph for the first of ``kpis`` that is not available (None if all are)."""
        for kpi in kpis:
            table = self.kpi_table(kpi)
            if table is not None:
                return self.block(table)
        return None

    def gap_block(self, gap: Mapping | None) -> HtmlBlock | None:
        """The paragraph for a reason recorded in ``meta.json`` (``{"key": ..., "quarter": ...}``).

        Examples
        --------
        >>> Missing().gap_block({"key": "missing_survey_quarter", "quarter": "2024Q4"}).html[-44:]
        'Not available: no survey data in 2024Q4.</p>'
        """
        if not gap:
            return None
        fmt = {k: period_label(v, self.lang) for k, v in gap.items() if k != "key"}
        return _paragraph(t("not_available", self.lang, reason=t(str(gap["key"]), self.lang, **fmt)))

    def all_missing(self, kpis: Iterable[str]) -> bool:
        """True when there is at least one KPI in ``kpis`` and none of them is available."""
        kpis = list(kpis)
        return bool(kpis) and all(self.kpi_table(k) is not None for k in kpis)

    def unavailable_labels(self, kpis: Iterable[str]) -> str:
        """Labels of the unavailable KPIs among ``kpis`` with their reasons, joined ("" if none)."""
        left, right, sep = ("（", "）", "；") if self.lang == "zh" else (" (", ")", "; ")
        parts = [
            f"{kpi_label(k, self.lang)}{left}{self.kpi_reason(k)}{right}" for k in kpis if self.kpi_table(k)
        ]
        return sep.join(parts)

    def data_quality_items(self) -> list[str]:
        """One line per missing table: not provided or empty, and the KPIs not available."""
        items = []
        for table, how in self.tables.items():
            kpis = [kpi_label(k.name, self.lang) for k in KPI_CATALOGUE.values() if k.table == table]
            items.append(
                t(
                    "dq_table_empty" if how == "empty" else "dq_table_absent",
                    self.lang,
                    table=table,
                    reason=self.reason(table),
                    kpis=("、" if self.lang == "zh" else ", ").join(kpis) or "–",
                )
            )
        return items

    def data_quality_section(self) -> HtmlBlock:
        """A "Notes and data quality" section listing the missing tables (empty when none is).

        Examples
        --------
        >>> Missing().data_quality_section().html
        ''
        >>> Missing({"roster": "empty"}).data_quality_section().html[:53]
        '<h2 id="data-quality">Notes and data quality</h2><ul>'
        """
        if not self.tables:
            return HtmlBlock("")
        items = "".join(f"<li>{_e(i)}</li>" for i in self.data_quality_items())
        return HtmlBlock(
            section_heading("heading_notes", "data-quality", self.lang).html + f"<ul>{items}</ul>"
        )


def _paragraph(text: str) -> HtmlBlock:
    return HtmlBlock(f'<p class="not-available" style="color:{STATUS_COLORS["none"]}">{_e(text)}</p>')

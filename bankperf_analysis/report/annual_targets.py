"""Year-to-date progress of the targets stated per year (churn), for the branch report and overview.

A target stated per year is compared with each quarter on the scheme's basis
(``scoring.annual_target_basis``, :mod:`bankperf_analysis.scorecard.period_basis`). This
section shows that value after each quarter of the year so far against the target, with the
basis in words, so a reader sees the year building up rather than a quarter that "meets" a
yearly target. Cells are coloured by the same rule the scorecard uses
(:func:`~bankperf_analysis.scorecard.rules.score_kpi_values`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.periods import Period
from bankperf_analysis.report.html import STATUS_COLORS, HtmlBlock, _e, data_table, format_value
from bankperf_analysis.scorecard.rules import STATUS_BELOW, STATUS_MET, score_kpi_values

__all__ = ["annual_kpis_of", "annual_targets_block", "basis_note"]


def annual_kpis_of(meta: Mapping) -> list[str]:
    """The KPIs of the batch whose target is stated per year (from ``meta.json``)."""
    return [k for k, b in meta.get("target_basis", {}).items() if b.get("period") == "year"]


def basis_note(meta: Mapping, kpi: str, lang: str) -> str:
    """The basis of ``kpi``'s target in words ("year-to-date (Jan–Dec 2026)"), "" if unknown."""
    return str(meta.get("target_basis", {}).get(kpi, {}).get(lang, ""))


def annual_targets_block(
    basis: pd.DataFrame,
    meta: Mapping,
    entities: Sequence[tuple[str, str, str]],
    lang: str,
) -> HtmlBlock:
    """The table: per entity and yearly-target KPI, its value after each quarter vs the target.

    Parameters
    ----------
    basis : pandas.DataFrame
        The batch's ``target_basis`` frame (KPI-frame rows, ``period_type`` the basis).
    meta : mapping
        The batch's ``meta.json`` (``quarter``, ``target_basis``, ``branch_targets``).
    entities : sequence of (level, entity_id, label)
        The rows to show, e.g. ``[("branch", "B01", "B01"), ("bank", "BANK", "Bank")]``.
    lang : {"en", "zh"}
    """
    kpis = annual_kpis_of(meta)
    if not kpis or basis.empty:
        return HtmlBlock("")
    q = Period.parse(meta["quarter"])
    quarters = [p for p in Period.parse(str(q.start.year)).quarters() if p <= q]
    head = [
        t("label_branch", lang),
        t("label_kpi", lang),
        *[t("label_after_quarter", lang, q=i + 1) for i in range(len(quarters))],
        t("label_annual_target", lang),
        t("label_basis", lang),
    ]
    # One pass over the rows (filtering the whole frame per entity was quadratic: 22 s at 1,000 branches)
    keyed = basis.assign(_entity=basis.entity_id.astype(str), _level=basis.level.astype(str))
    parts = {
        (str(lv), str(en), str(k)): g
        for (lv, en, k), g in keyed.groupby(["_level", "_entity", keyed.kpi.astype(str)], sort=False)
    }
    empty = basis.iloc[:0]
    rows = [
        _row(parts.get((level, str(entity), kpi), empty), meta, kpi, label, quarters, lang)
        for level, entity, label in entities
        for kpi in kpis
    ]
    return HtmlBlock(
        data_table(head, rows) + f"<p style='font-size:0.8em'>{_e(t('note_annual_targets', lang))}</p>"
    )


def _row(sel, meta, kpi, label, quarters, lang) -> str:
    """One table row: the entity's value after each quarter (``sel``: its rows of this KPI), coloured."""
    target = meta.get("branch_targets", {}).get(kpi, {})
    tg = target.get("target")
    by_q = sel.set_index(sel.period.astype(str))
    values = by_q["value"].reindex([str(p) for p in quarters]).to_numpy(float)
    n = by_q["n"].reindex([str(p) for p in quarters]).to_numpy(float)
    size = len(quarters)
    if tg is None:
        status = np.full(size, "", dtype=object)
    else:
        _, status = score_kpi_values(
            values,
            n,
            [tg] * size,
            [np.nan] * size,
            [target.get("direction", "lower")] * size,
            ["pass_fail"] * size,
            [int(target.get("min_n") or 0)] * size,
        )
    color = {STATUS_MET: STATUS_COLORS["met"], STATUS_BELOW: STATUS_COLORS["below"]}
    cells = "".join(
        f"<td style='color:{color.get(s, 'inherit')}'>{_e(format_value(kpi, v, lang))}</td>"
        for v, s in zip(values, status, strict=True)
    )
    basis_name = t(f"basis_name_{meta['target_basis'][kpi]['basis']}", lang)
    sign = "≥" if target.get("direction") == "higher" else "≤"
    tg_txt = "–" if tg is None else f"{sign} {format_value(kpi, tg, lang)}"
    return (
        f"<tr><td style='text-align:left'>{_e(label)}</td>"
        f"<td style='text-align:left'>{_e(kpi_label(kpi, lang))}</td>{cells}"
        f"<td>{_e(tg_txt)}</td><td style='text-align:left'>{_e(basis_name)}</td></tr>"
    )

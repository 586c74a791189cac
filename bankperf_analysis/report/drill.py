"""The overview's drill-through sections: every KPI by branch, the regions, 红黑榜, the funnels.

* :func:`kpi_matrix` — one row per branch and KPI of the branch report's tiles: the value
  (a yearly target's KPI on its basis, as the tiles), its n and its status against the
  branch target (met / near / below / none), by the same rule as the tiles;
* :func:`best_and_worst` — per KPI, the best and the worst branch (红黑榜) among the
  branches with at least the minimum n, in the KPI's direction, within any grouping;
* :func:`region_values` — each region's value, n and rank among the regions;
* the HTML of the sections (:func:`matrix_block`, :func:`regions_block`,
  :func:`red_black_block`): every branch links to its report, every region has an anchor
  (``#region-north``) the branch reports link to.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import kpi_label, t
from bankperf_analysis.l10n import localised_name
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.report.annual_targets import annual_kpis_of
from bankperf_analysis.report.branch import TILE_KPIS, _status
from bankperf_analysis.report.html import STATUS_COLORS, HtmlBlock, _e, data_table, format_value
from bankperf_analysis.report.inputs import ReportInputs
from bankperf_analysis.report.links import region_anchor, xref

__all__ = [
    "MATRIX_COLUMNS",
    "kpi_matrix",
    "best_and_worst",
    "region_values",
    "rate_kpis",
    "matrix_block",
    "regions_block",
    "region_names",
    "red_black_block",
]

#: Columns of :func:`kpi_matrix`.
MATRIX_COLUMNS = ("branch_id", "region", "kpi", "value", "n", "min_n", "target", "status")


def _kpis_shown(inputs: ReportInputs) -> list[str]:
    """The tile KPIs whose table is there (an absent table's KPI is not available, never 0)."""
    gone = set(inputs.meta.get("unavailable") or [])
    return [k for k in TILE_KPIS if k not in gone]


def _quarter_values(inputs: ReportInputs, level: str, key: str) -> pd.DataFrame:
    """``key, kpi, value, n`` of every entity of ``level`` this quarter; yearly targets on their basis."""
    q = inputs.quarter
    k = inputs.kpis
    rows = k[(k.level == level) & (k.period == q) & (k.period_type == "quarter")]
    annual = set(annual_kpis_of(inputs.meta))
    rows = rows[~rows.kpi.isin(annual)]
    basis = inputs.frame("target_basis")
    if len(basis) and annual:
        b = basis[(basis.level == level) & (basis.period == q) & basis.kpi.isin(annual)]
        rows = pd.concat([rows, b], ignore_index=True)
    out = rows.drop(columns=[key], errors="ignore").rename(columns={"entity_id": key})[
        [key, "kpi", "value", "n"]
    ]
    return out.drop_duplicates([key, "kpi"], keep="first")


def kpi_matrix(inputs: ReportInputs) -> pd.DataFrame:
    """Every branch × every tile KPI: value, n, target, min n and status (the tiles' rule).

    Branches without a value of a KPI get a row with ``value`` NaN and status ``"none"``.
    """
    branches = inputs.frame("branches").sort_values("branch_id")
    kpis = _kpis_shown(inputs)
    grid = pd.MultiIndex.from_product([branches.branch_id.astype(str), kpis], names=["branch_id", "kpi"])
    vals = _quarter_values(inputs, "branch", "branch_id").assign(branch_id=lambda d: d.branch_id.astype(str))
    m = vals.set_index(["branch_id", "kpi"]).reindex(grid).reset_index()
    m["region"] = m.branch_id.map(dict(zip(branches.branch_id.astype(str), branches.region, strict=True)))
    targets = inputs.meta.get("branch_targets", {})
    m["target"] = [(targets.get(k) or {}).get("target") for k in m.kpi]
    m["min_n"] = [int((targets.get(k) or {}).get("min_n") or 0) for k in m.kpi]
    m["n"] = m["n"].fillna(0).astype(int)
    m["value"] = m["value"].astype(float)
    m["status"] = [
        _status(k, v, tg, n, mn)
        for k, v, tg, n, mn in zip(m.kpi, m.value, m.target, m.n, m.min_n, strict=True)
    ]
    return m[list(MATRIX_COLUMNS)]


def best_and_worst(matrix: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """红黑榜: per KPI (and per ``by`` group), the best and the worst branch.

    Among the rows with a finite value and ``n >= min_n``; "best" is the highest value of a
    KPI where higher is better, the lowest where lower is better; ties go to the first
    branch id. Columns: ``[by], kpi, best_branch, best_value, worst_branch, worst_value, n_branches``.

    Examples
    --------
    >>> m = pd.DataFrame({"branch_id": ["A", "B", "C"], "kpi": "queue_wait_seconds",
    ...                   "value": [300.0, 200.0, 400.0], "n": 50, "min_n": 30})
    >>> best_and_worst(m)[["best_branch", "worst_branch"]].values.tolist()
    [['B', 'C']]
    """
    ok = matrix[np.isfinite(matrix.value.astype(float)) & (matrix.n >= matrix.min_n)]
    keys = ([by] if by else []) + ["kpi"]
    rows = []
    for key, g in ok.sort_values("branch_id").groupby(keys, sort=False):
        kpi = key[-1] if isinstance(key, tuple) else key
        higher = KPI_CATALOGUE[str(kpi)].direction == "higher"
        v = g.value.to_numpy(float)
        best, worst = (
            (int(np.argmax(v)), int(np.argmin(v))) if higher else (int(np.argmin(v)), int(np.argmax(v)))
        )
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row |= {
            "best_branch": g.branch_id.iloc[best],
            "best_value": v[best],
            "worst_branch": g.branch_id.iloc[worst],
            "worst_value": v[worst],
            "n_branches": len(g),
        }
        rows.append(row)
    cols = [*keys, "best_branch", "best_value", "worst_branch", "worst_value", "n_branches"]
    return pd.DataFrame(rows, columns=cols)


def region_values(inputs: ReportInputs, kpis: Sequence[str]) -> pd.DataFrame:
    """Each region's value and n per KPI, with its rank among the regions (1 = best)."""
    r = _quarter_values(inputs, "region", "region")
    r = r[r.kpi.isin(kpis)].copy()
    r["rank"] = np.nan
    for kpi, g in r.groupby("kpi"):
        higher = KPI_CATALOGUE[str(kpi)].direction == "higher"
        r.loc[g.index, "rank"] = g.value.rank(ascending=not higher, method="min")
    return r


def rate_kpis(matrix: pd.DataFrame) -> list[str]:
    """The KPIs of the matrix that are rates (a share of counted events), in tile order."""
    return [k for k in dict.fromkeys(matrix.kpi) if KPI_CATALOGUE[k].unit == "share"]


def _cell(kpi: str, value: float, n: int, status: str, lang: str) -> str:
    """A matrix cell: the value over its n, coloured by status (the tiles' colours)."""
    if not np.isfinite(value):
        return "<td class='kpi-cell status-none'>–</td>"
    color = STATUS_COLORS.get(status, STATUS_COLORS["none"])
    return (
        f"<td class='kpi-cell' style='border-left:4px solid {color}' data-kpi='{_e(kpi)}'>"
        f"<span style='color:{color};font-weight:600'>{_e(format_value(kpi, value, lang))}</span>"
        f"<br><small>n={n:,}</small></td>"
    )


def _branch_link(files: Mapping[str, str], branch_id: str, name: str, css: str = "") -> str:
    label = f"{name} ({branch_id})" if name and name != branch_id else branch_id
    file = files.get(branch_id)
    return xref(file, label, css) if file else _e(label)


def region_names(branches: pd.DataFrame, lang: str) -> dict[str, str]:
    """Region (as the data name it) -> its name in ``lang`` (``region_zh`` in zh when the data give it).

    Examples
    --------
    >>> b = pd.DataFrame({"region": ["North", "North"], "region_zh": ["北区", None]})
    >>> region_names(b, "zh"), region_names(b, "en")
    ({'North': '北区'}, {'North': 'North'})
    """
    out: dict[str, str] = {}
    for r in branches.to_dict("records"):
        region = r.get("region")
        if isinstance(region, str) and region:
            name = localised_name(r, "region", lang)
            if name != region or region not in out:
                out[region] = name
    return out


def matrix_block(
    matrix: pd.DataFrame,
    names: Mapping[str, str],
    files: Mapping[str, str],
    lang: str,
    regions: Mapping[str, str] | None = None,
) -> HtmlBlock:
    """The KPI × branch table: a row per branch (its whole row links to its report), a column per KPI.

    ``regions`` maps a region to its name in ``lang`` (default: as the data name it).
    """
    kpis = list(dict.fromkeys(matrix.kpi))
    head = [t("label_branch", lang), t("label_region", lang), *(kpi_label(k, lang) for k in kpis)]
    rows = []
    # Plain dicts, read once: per-cell pandas lookups took 26 s for 1,000 branches × 11 KPIs.
    cell = {
        (str(b), str(k)): (float(v), int(n), str(s))
        for b, k, v, n, s in zip(matrix.branch_id, matrix.kpi, matrix.value, matrix.n, matrix.status)
    }
    region_of: dict[str, str] = {}
    for b, r in zip(matrix.branch_id, matrix.region):
        region_of.setdefault(str(b), str(r))
    for b in sorted(region_of):
        cells = "".join(_cell(k, *cell[(b, str(k))], lang) for k in kpis)
        region = region_of[b]
        region = (regions or {}).get(region, region)
        rows.append(
            f"<tr class='drill-row' data-branch='{_e(b)}'>"
            f"<td style='text-align:left' title='{_e(names.get(str(b), ''))}'>"
            f"{_branch_link(files, str(b), '', 'row-link')}</td>"
            f"<td style='text-align:left'>{_e(region)}</td>{cells}</tr>"
        )
    legend = " ".join(
        f'<span style="color:{STATUS_COLORS[s]}">■ {_e(t(k, lang))}</span>'
        for s, k in (("met", "status_met"), ("near", "status_near"), ("below", "status_below"))
    )
    table = data_table(head, rows).replace("dataframe", "dataframe kpi-matrix", 1)
    return HtmlBlock(
        f"<div class='table-scroll matrix-wide'>{table}"
        f"</div><p style='font-size:0.8em'>{legend} · {_e(t('note_matrix', lang))}</p>"
    )


def _bw_cells(row: Any, kpi: str, files: Mapping[str, str], lang: str) -> str:
    if row is None:
        return "<td>–</td><td>–</td>"
    return "".join(
        f"<td style='text-align:left'>{_branch_link(files, str(row[f'{w}_branch']), '')} "
        f"<span style='color:{STATUS_COLORS['met' if w == 'best' else 'below']}'>"
        f"{_e(format_value(kpi, float(row[f'{w}_value']), lang))}</span></td>"
        for w in ("best", "worst")
    )


def red_black_block(matrix: pd.DataFrame, files: Mapping[str, str], lang: str) -> HtmlBlock:
    """红黑榜 of the bank: per KPI, the best and the worst branch, each linked to its report."""
    bw = best_and_worst(matrix).set_index("kpi")
    head = [t("label_kpi", lang), t("label_best", lang), t("label_worst", lang)]
    rows = [
        f"<tr data-kpi='{_e(k)}'><td style='text-align:left'>{_e(kpi_label(k, lang))}</td>"
        f"{_bw_cells(bw.loc[k] if k in bw.index else None, k, files, lang)}</tr>"
        for k in dict.fromkeys(matrix.kpi)
    ]
    return HtmlBlock(
        f"<div class='table-scroll red-black'>{data_table(head, rows)}</div>"
        f"<p style='font-size:0.8em'>{_e(t('note_red_black', lang))}</p>"
    )


def regions_block(
    inputs: ReportInputs, matrix: pd.DataFrame, names: Mapping[str, str], files: Mapping[str, str], lang: str
) -> HtmlBlock:
    """Per region (an ``h3``, anchor ``region-<name>``): its branches; per KPI its value, rank, best, worst.

    The rank is among the regions; best and worst are the region's branches (红黑榜 of the region).
    """
    kpis = list(dict.fromkeys(matrix.kpi))
    reg = region_values(inputs, kpis).set_index(["region", "kpi"])
    shown = region_names(inputs.frame("branches"), lang)
    bw = best_and_worst(matrix, by="region").set_index(["region", "kpi"])
    regions = sorted(str(r) for r in matrix.region.dropna().unique())
    head = [
        t("label_kpi", lang),
        t("label_value", lang),
        t("label_region_rank", lang),
        t("label_best", lang),
        t("label_worst", lang),
    ]
    parts = [f"<p style='font-size:0.8em'>{_e(t('note_regions', lang, n=len(regions)))}</p>"]
    for region in regions:
        mine = sorted(matrix.loc[matrix.region == region, "branch_id"].unique())
        links = ", ".join(_branch_link(files, str(b), "") for b in mine)
        rows = []
        for k in kpis:
            hit = reg.loc[(region, k)] if (region, k) in reg.index else None
            value = (
                f"{_e(format_value(k, float(hit.value), lang))} <small>n={int(hit.n):,}</small>"
                if hit is not None
                else "–"
            )
            rank = (
                f"{int(hit['rank'])} / {len(regions)}"
                if hit is not None and np.isfinite(hit["rank"])
                else "–"
            )
            b = bw.loc[(region, k)] if (region, k) in bw.index else None
            rows.append(
                f"<tr><td style='text-align:left'>{_e(kpi_label(k, lang))}</td><td>{value}</td>"
                f"<td>{rank}</td>{_bw_cells(b, k, files, lang)}</tr>"
            )
        parts.append(
            f'<h3 id="{region_anchor(region)}">{_e(shown.get(region, region))}</h3>'
            f"<p>{_e(t('label_branches_of_region', lang))}: {links}</p>"
            f"<div class='table-scroll'>{data_table(head, rows)}</div>"
        )
    return HtmlBlock("".join(parts))

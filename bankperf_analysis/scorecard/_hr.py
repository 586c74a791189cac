"""Labels and number formats of the HR workbook: headers in a language, codes as words.

``lang=None`` keeps the data workbook (column ids as headers, codes as values) that programs
read back; ``"en"`` / ``"zh"`` give the HR workbook of ``bankperf scorecard --lang``. Every
text comes from :mod:`bankperf_analysis.i18n` (the same labels the reports show) and
:mod:`bankperf_analysis.l10n`; nothing here is a translation of its own.

Examples
--------
>>> column_label("bonus_yuan", "zh"), column_label("n_needs_improvement", "en")
('奖金（元）', 'Graded needs improvement')
>>> column_label("service_level_team_score", "zh"), column_label("mystery_shopper_pay_cut", "en")
('服务水平（团队值）得分', 'Mystery shopper: pay cut')
>>> column_format("bonus_yuan"), column_format("scored_weight_share"), column_format("handling_minutes", "zh")
('#,##0.00', '0.0%', '0.0" 分钟"')
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bankperf_analysis.i18n import LABELS, ROLE_KEYS, kpi_label, role_label, t
from bankperf_analysis.kpis import KPIS, UNITS
from bankperf_analysis.scheme import KNOWN_KPIS
from bankperf_analysis.scorecard.period_basis import basis_label

__all__ = ["column_label", "column_format", "formats_for", "kpi_value_formats", "localise"]

PCT, SCORE, YUAN, NUMBER = "0.0%", "0.00", "#,##0.00", "0.00"
_CHECK_SUFFIXES = ("pay_cut_share", "pay_cut", "recheck", "reward", "score", "rank", "n")
_STATUS_KEYS = {
    "met": "status_met",
    "below target": "status_below",
    "insufficient data": "status_insufficient",
    "no data": "status_no_data",
    "not available": "not_available_short",
}
_SCORES = ("composite_score", "mean_composite", "raw_composite", "score", "adjustment_points")


def _check_label(check: str, lang: str) -> str:
    key = f"check_{check}"
    if key in LABELS:
        return t(key, lang)
    return kpi_label(f"{check}_score", lang) if f"{check}_score" in KPIS else check


def column_label(col: str, lang: str | None) -> str:
    """Header of column ``col`` in ``lang`` (``None``: the id itself)."""
    if lang is None:
        return col
    if f"col_{col}" in LABELS:
        return t(f"col_{col}", lang)
    if col in KPIS:
        return kpi_label(col, lang)
    if col.startswith("n_") and f"grade_{col[2:]}" in LABELS:
        return t("col_n_grade", lang, grade=t(f"grade_{col[2:]}", lang))
    for suffix, key in (("_team_score", "col_kpi_team_score"), ("_score", "col_kpi_score")):
        if col.endswith(suffix) and col[: -len(suffix)] in KPIS:
            return t(key, lang, kpi=kpi_label(col[: -len(suffix)], lang))
    for suffix in _CHECK_SUFFIXES:
        if col.endswith(f"_{suffix}"):
            return t(f"col_check_{suffix}", lang, check=_check_label(col[: -len(suffix) - 1], lang))
    return col


def _unit_format(kpi: str, lang: str) -> str:
    """The number format of a KPI's values: %, seconds or minutes with their symbol, else 0.00."""
    info = KPIS.get(kpi)
    if info is None:
        return PCT if kpi in KNOWN_KPIS and KNOWN_KPIS[kpi].is_rate else NUMBER
    unit = UNITS[info.unit]
    if unit.percent:
        return PCT
    if unit.id in ("seconds", "minutes", "hours"):
        return f'0.0" {unit.symbol(lang)}"'
    return NUMBER


def column_format(col: str, lang: str | None = "en") -> str | None:
    """Excel number format of column ``col`` (None: as it is, e.g. counts and text)."""
    if col.endswith(("_share", "share_total")) or col in ("weight", "effective_weight"):
        return PCT
    if col.endswith("_yuan"):
        return YUAN
    if col in KPIS:
        return _unit_format(col, lang or "en")
    if col.endswith(("_score", "_composite", "_mean")) or col in _SCORES:
        return SCORE
    return None


def formats_for(frame: pd.DataFrame, lang: str | None) -> dict[str, str]:
    """Number format of every column of ``frame``; any other float column gets two decimals."""
    out: dict[str, str] = {}
    for c in map(str, frame.columns):
        f = column_format(c, lang)
        if f is None and pd.api.types.is_float_dtype(frame[c].dtype):
            f = NUMBER  # never 212.8656051364366 on screen; the cell keeps every digit
        if f is not None:
            out[c] = f
    return out


def kpi_value_formats(frame: pd.DataFrame, lang: str | None) -> dict[str, np.ndarray]:
    """Per-row formats of the value / target columns of a long frame, by each row's KPI unit."""
    if "kpi" not in frame.columns or not len(frame):
        return {}
    kpis = frame["kpi"].astype(object)
    fmt = {k: _unit_format(str(k), lang or "en") for k in kpis.dropna().unique()}
    arr = kpis.map(fmt).fillna(NUMBER).to_numpy(object)
    return {c: arr for c in ("value", "target") if c in frame.columns}


def _words(col: pd.Series, mapping) -> pd.Series:
    """``col`` with each distinct value replaced by ``mapping(value)`` (missing stays missing)."""
    values = col.astype(object)
    distinct = values.dropna().unique()
    return values.map({v: mapping(v) for v in distinct})


def _kpi_list(text: object, lang: str) -> object:
    if not isinstance(text, str) or not text:
        return text
    sep = "；" if lang == "zh" else "; "
    return sep.join(kpi_label(k, lang) if k in KPIS else k for k in text.split("; "))


def localise(
    frame: pd.DataFrame,
    lang: str | None,
    quarter: str,
    names: dict[str, str] | None = None,
    regions: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Codes of ``frame`` as words in ``lang``: grades, roles, KPIs, statuses, bases, Yes/No.

    ``names`` (branch id -> name) and ``regions`` (region -> name) give the names the data
    give in ``lang`` (``branch_name_zh``, ``region_zh``); others stay as they are.
    ``lang=None`` returns ``frame`` unchanged. Columns of other kinds are kept as they are.
    """
    if lang is None or not len(frame):
        return frame
    out = frame.copy()
    if names and {"branch_id", "branch_name"} <= set(out.columns):
        shown = out["branch_id"].astype(object).map(names)
        out["branch_name"] = shown.where(shown.notna(), out["branch_name"].astype(object))
    if regions and "region" in out.columns:
        shown = out["region"].astype(object).map(regions)
        out["region"] = shown.where(shown.notna(), out["region"].astype(object))
    yes_no = {True: t("bool_true", lang), False: t("bool_false", lang)}
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_bool_dtype(col.dtype):
            out[c] = col.astype(object).map(yes_no)
        elif c == "grade":
            out[c] = _words(col, lambda g: t(f"grade_{g}", lang) if f"grade_{g}" in LABELS else g)
        elif c == "role":
            out[c] = _words(col, lambda r: role_label(r, lang) if r in ROLE_KEYS else r)
        elif c == "kpi":
            out[c] = _words(col, lambda k: kpi_label(k, lang) if k in KPIS else k)
        elif c == "status":
            out[c] = _words(col, lambda s: t(_STATUS_KEYS[s], lang) if s in _STATUS_KEYS else s)
        elif c == "basis":
            out[c] = _words(col, lambda b: basis_label(b, quarter, lang))
        elif c == "team_kpis":
            out[c] = _words(col, lambda s: _kpi_list(s, lang))
        elif c == "per":
            out[c] = _words(col, lambda p: t(f"pool_per_{p}", lang) if f"pool_per_{p}" in LABELS else p)
        elif c.endswith("_pay_cut") and not pd.api.types.is_numeric_dtype(col.dtype):
            out[c] = _words(col, lambda a: t(f"action_{a}", lang) if f"action_{a}" in LABELS else a)
        elif c == "branch_id":
            out[c] = _words(col, lambda b: t("no_branch", lang) if b == "(no branch)" else b)
    return out

"""Incentive study: the effect of a bonus scheme on one KPI, from the data folder to the report.

This module joins :mod:`bankperf_analysis.metrics.compute` (the KPI frame) and
:mod:`bankperf_analysis.incentives` (the difference-in-differences estimators) for the
``incentive_study`` notebook:

* :func:`kpi_panel` builds the long panel the estimators expect (``unit, period, branch,
  <kpi>, n``, plus the treatment columns) from one :func:`~bankperf_analysis.metrics.compute.compute_kpis`
  call. Staff-level panels stay unbalanced (people join and leave).
* :func:`adoption_from_truth`, :func:`adoption_from_params` and :func:`resolve_adoption`
  read the treatment table (which branch, or person, adopted the scheme in which period)
  from a demo ``truth.json``, a small CSV or a dict.
* :class:`IncentiveStudy` estimates the effect (heterogeneity-robust staggered DiD as the
  headline, two-way fixed effects beside it), runs the checks (pre-trend test with its
  power, placebo, estimator disagreement, number of clusters, leave-one-branch-out) and
  renders each report section as HTML in English or Chinese.

Identification, stated once
---------------------------
Treated rows are those of an adopting branch (or person) from its adoption period on.
The comparison is with branches that have not adopted *yet* and those that never do
(Callaway & Sant'Anna 2021, not-yet-treated controls), under parallel trends: without
the scheme, adopting and comparison branches would have moved alike. Standard errors are
clustered by branch (the level at which the scheme is assigned), with ``t(G - 1)``
critical values; with fewer than about 20 branches they are approximate.

The demo bank (``make_demo_bank(scale="default", seed=20261)``) plants +6 points of
satisfied share and +1 cross-sale per staff-month from the adoption quarter on (B01-B03
in 2025Q3, B04-B06 in 2026Q1; B07-B12 never adopt). It also plants a 12-point
satisfaction drop at B09 in 2026Q4. B09 never adopts, so the drop is a (mild) violation
of parallel trends: in 2026Q4 every cohort is already treated, so the never-treated
branches are the only comparison, and B09 pulls their mean change down by about
``0.12 / 6 = 0.02``. The 2026Q4 cells carry about a fifth of the weight of the overall
effect (cohort 2025Q3 has 6 post-adoption quarters, cohort 2026Q1 has 4), so the expected
upward bias is about ``0.02 * 0.2 = 0.004`` (0.4 points). The robustness section shows
the estimate without each branch in turn, B09 included.
"""

from __future__ import annotations

import html
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from bankperf_analysis.exceptions import (
    BankPerfWarning,
    InsufficientSampleError,
    ParamsError,
    SmallSampleWarning,
)
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.incentives.effect import IncentiveEffectResult, estimate_incentive_effect
from bankperf_analysis.incentives.event_study import EventStudyResult, event_study
from bankperf_analysis.incentives.panel import COHORT_COL, EVENT_COL, TREATED_COL, attach_treatment
from bankperf_analysis.incentives.placebo import PlaceboResult, placebo_test
from bankperf_analysis.incentives.staggered import staggered_did
from bankperf_analysis.incentives.twfe import twfe_did
from bankperf_analysis.metrics.compute import KPI_CATALOGUE, compute_kpis
from bankperf_analysis.periods import Period
from bankperf_analysis.report.sections import HtmlBlock

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bankperf_analysis.dataset.load import Dataset

__all__ = [
    "PanelLevel",
    "PANEL_LEVELS",
    "ADOPTION_COL",
    "MIN_BRANCHES",
    "kpi_panel",
    "adoption_from_truth",
    "adoption_from_params",
    "resolve_adoption",
    "IncentiveStudy",
]

PanelLevel = Literal["branch-quarter", "staff-quarter", "staff-month"]
PANEL_LEVELS: tuple[str, ...] = get_args(PanelLevel)
#: Column of an adoption table holding the adoption period (``"2025Q3"``; NA = never).
ADOPTION_COL = "adoption_period"
#: Fewer branches than this: no estimate is reported (see :class:`IncentiveStudy`).
MIN_BRANCHES = 6
#: Fewer clusters than this: cluster-robust inference is flagged as approximate.
FEW_CLUSTERS = 20

# level -> (compute_kpis level, period type, pandas frequency)
_LEVEL_SPEC: dict[str, tuple[str, str, str]] = {
    "branch-quarter": ("branch", "quarter", "Q"),
    "staff-quarter": ("staff", "quarter", "Q"),
    "staff-month": ("staff", "month", "M"),
}
_ID_COLS = ("branch_id", "staff_id")
_MAX_EVENT_WINDOW = 12


# ----------------------------------------------------------------------------- validation


def _check_choice(value: Any, name: str, func: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        opts = ", ".join(repr(a) for a in allowed)
        raise ParamsError(f"The {name!r} parameter of {func} must be one of {opts}. Got {value!r} instead.")
    return value


def _check_kpi(kpi: Any, name: str, func: str, staff: bool) -> str:
    if kpi not in KPI_CATALOGUE:
        raise ParamsError(
            f"The {name!r} parameter of {func} must be a KPI of the catalogue "
            f"(e.g. 'satisfaction_rate', 'cross_sales_per_month'). Got {kpi!r} instead."
        )
    if staff and not KPI_CATALOGUE[kpi].staff_level:
        raise ParamsError(
            f"The {name!r} parameter of {func} must be a KPI computed per staff member for a "
            f"staff-level panel; {kpi!r} exists per branch only. Got {kpi!r} instead."
        )
    return kpi


# ----------------------------------------------------------------------------- adoption tables


def _normalise_period(value: Any, func: str, key: Any) -> Any:
    """``"2025Q3"`` / ``"2025-07"`` → canonical string; empty/NA → ``pd.NA``."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return pd.NA
    if isinstance(value, pd.Period):
        value = str(value)
    text = str(value).strip()
    if text == "" or text.lower() in ("nan", "none", "never", "nat", "<na>"):
        return pd.NA
    try:
        p = Period.parse(text)
    except ParamsError as exc:
        raise ParamsError(
            f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' or a month "
            f"like '2025-07' (empty = never adopted). Got {value!r} instead."
        ) from exc
    if p.kind == "year":
        raise ParamsError(
            f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' or a month "
            f"like '2025-07'; a year is too coarse. Got {value!r} instead."
        )
    return str(p)


def _adoption_frame(ids: Sequence[Any], periods: Sequence[Any], id_col: str, func: str) -> pd.DataFrame:
    ids = [str(i).strip() for i in ids]
    seen: set[str] = set()
    dup = sorted({i for i in ids if i in seen or seen.add(i)})  # type: ignore[func-returns-value]
    if dup:
        raise ParamsError(
            f"The adoption table of {func} must list each {id_col} once. Got duplicates {dup[:5]} instead."
        )
    per = [_normalise_period(p, func, i) for i, p in zip(ids, periods)]
    out = pd.DataFrame({id_col: pd.array(ids, dtype="string"), ADOPTION_COL: pd.array(per, dtype="string")})
    return out.sort_values(id_col, kind="stable").reset_index(drop=True)


def adoption_from_truth(truth: Mapping[str, Any] | str | Path) -> pd.DataFrame:
    """Treatment table of the demo bank's bonus scheme.

    Parameters
    ----------
    truth : mapping, or path of ``truth.json`` or of the demo data folder holding it
        The planted truths returned by :func:`bankperf_analysis.dataset.demo.make_demo_bank`.

    Returns
    -------
    DataFrame
        ``branch_id, adoption_period`` (string; ``<NA>`` for the never-treated branches),
        one row per branch, sorted by branch.

    Examples
    --------
    >>> truth = {"bonus_scheme": {"level": "branch", "adoption": {"B01": "2025Q3"},
    ...                           "never_treated": ["B02"]}}
    >>> adoption_from_truth(truth).to_dict("list")
    {'branch_id': ['B01', 'B02'], 'adoption_period': ['2025Q3', None]}
    """
    func = "adoption_from_truth"
    if isinstance(truth, str | Path):
        path = Path(truth)
        if path.is_dir():
            path = path / "truth.json"
        if not path.is_file():
            raise ParamsError(
                f"The 'truth' parameter of {func} must be a truth.json file or a demo data folder "
                f"holding one. Got {str(truth)!r}, where none exists."
            )
        truth = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(truth, Mapping) or not isinstance(truth.get("bonus_scheme"), Mapping):
        raise ParamsError(
            f"The 'truth' parameter of {func} must hold a 'bonus_scheme' entry (a demo truth.json). "
            f"Got keys {sorted(truth)[:8] if isinstance(truth, Mapping) else type(truth).__name__} instead."
        )
    scheme = truth["bonus_scheme"]
    level = scheme.get("level", "branch")
    id_col = "branch_id" if level == "branch" else "staff_id"
    adoption = dict(scheme.get("adoption") or {})
    never = [b for b in scheme.get("never_treated") or [] if b not in adoption]
    ids = list(adoption) + list(never)
    return _adoption_frame(ids, list(adoption.values()) + [None] * len(never), id_col, func)


def adoption_from_params(
    source: str | Path | Mapping[Any, Any] | pd.DataFrame,
    *,
    id_col: Literal["branch_id", "staff_id"] | None = None,
) -> pd.DataFrame:
    """Treatment table from a small CSV file, a dict or a DataFrame.

    Parameters
    ----------
    source : path, mapping or DataFrame
        A CSV file (or DataFrame) with an id column ``branch_id`` (the scheme is adopted
        per branch) or ``staff_id`` (per person) and an ``adoption_period`` column
        (``"2025Q3"`` or ``"2025-07"``; empty = never adopted); or a mapping
        ``{id: period or None}``.
    id_col : {"branch_id", "staff_id"}, optional
        For a mapping: what its keys are (default ``"branch_id"``). For a table: checked
        against its columns.

    Returns
    -------
    DataFrame
        ``<id_col>, adoption_period`` (string dtype, ``<NA>`` = never), sorted by id.

    Raises
    ------
    ParamsError
        Missing file or columns, duplicated ids, or periods that are not a quarter/month.

    Examples
    --------
    >>> adoption_from_params({"B02": "2026Q1", "B01": "2025Q3", "B03": None}).to_dict("list")
    {'branch_id': ['B01', 'B02', 'B03'], 'adoption_period': ['2025Q3', '2026Q1', None]}
    """
    func = "adoption_from_params"
    if id_col is not None:
        _check_choice(id_col, "id_col", func, _ID_COLS)
    if isinstance(source, Mapping):
        return _adoption_frame(list(source.keys()), list(source.values()), id_col or "branch_id", func)
    if isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ParamsError(
                f"The 'source' parameter of {func} must be an existing CSV file. "
                f"Got {str(source)!r} instead."
            )
        source = pd.read_csv(path, dtype=str, keep_default_na=False)
    if not isinstance(source, pd.DataFrame):
        raise ParamsError(
            f"The 'source' parameter of {func} must be a CSV path, a mapping or a DataFrame. "
            f"Got {type(source).__name__} instead."
        )
    present = [c for c in _ID_COLS if c in source.columns]
    if id_col is not None:
        present = [id_col] if id_col in source.columns else []
    if len(present) != 1 or ADOPTION_COL not in source.columns:
        raise ParamsError(
            f"The 'source' parameter of {func} must have exactly one id column (branch_id or "
            f"staff_id) and an {ADOPTION_COL!r} column. Got columns {list(source.columns)} instead."
        )
    return _adoption_frame(
        source[present[0]].tolist(), source[ADOPTION_COL].tolist(), present[0], func
    )


def resolve_adoption(
    adoption: str | Path | Mapping[Any, Any] | pd.DataFrame = "",
    data_dir: str | Path | None = None,
) -> pd.DataFrame:
    """The treatment table a notebook should use.

    ``adoption`` empty: the demo ``truth.json`` next to the data (``data_dir``). A path
    ending in ``.json``: a demo truth file. Any other path, a mapping or a DataFrame:
    :func:`adoption_from_params`.
    """
    if isinstance(adoption, str) and adoption.strip() == "":
        if data_dir is None or not (Path(data_dir) / "truth.json").is_file():
            raise ParamsError(
                "The 'adoption_file' parameter must name the adoption table (a CSV with branch_id "
                "and adoption_period) when the data folder has no demo truth.json. "
                f"Got an empty value with data in {str(data_dir)!r}."
            )
        return adoption_from_truth(Path(data_dir) / "truth.json")
    if isinstance(adoption, str | Path) and str(adoption).lower().endswith(".json"):
        return adoption_from_truth(adoption)
    return adoption_from_params(adoption)


def _adoption_series(table: pd.DataFrame, freq: str, func: str) -> tuple[pd.Series, str]:
    """Adoption periods as pandas Periods of the panel frequency, indexed by id."""
    id_col = next(c for c in _ID_COLS if c in table.columns)
    values: list[Any] = []
    for key, text in zip(table[id_col].tolist(), table[ADOPTION_COL].tolist()):
        if pd.isna(text):
            values.append(None)
            continue
        p = Period.parse(str(text))
        if freq == "Q" and p.kind != "quarter":
            raise ParamsError(
                f"The adoption period of {key!r} in {func} must be a quarter like '2025Q3' for a "
                f"quarterly panel (a scheme adopted mid-quarter needs a monthly panel). "
                f"Got {text!r} instead."
            )
        values.append(pd.Period(p.start, freq=freq))
    return pd.Series(values, index=table[id_col].astype(str).to_numpy(), dtype=object), id_col


# ----------------------------------------------------------------------------- panel builder


def kpi_panel(
    ds: Dataset,
    kpi: str = "satisfaction_rate",
    level: PanelLevel = "branch-quarter",
    *,
    kpis: Sequence[str] | None = None,
    adoption: pd.DataFrame | Mapping[Any, Any] | None = None,
    min_n: int = 1,
) -> pd.DataFrame:
    """Long KPI panel for the difference-in-differences estimators.

    Parameters
    ----------
    ds : Dataset
        A loaded dataset (:func:`bankperf_analysis.dataset.load.load_dataset`).
    kpi : str
        The outcome KPI (a name of :data:`~bankperf_analysis.metrics.compute.KPI_CATALOGUE`).
    level : {"branch-quarter", "staff-quarter", "staff-month"}
        Unit and period of a row. Staff rows carry their home branch (the cluster).
    kpis : sequence of str, optional
        Further KPIs added as columns (e.g. covariates); their value on the same unit and
        period, NaN where missing.
    adoption : DataFrame or mapping, optional
        Treatment table: see :func:`adoption_from_params` (a ``branch_id`` table, or a
        ``staff_id`` table for staff-level panels; a mapping is read as branch ids).
        When given, the treatment columns are added.
    min_n : int, default 1
        Keep rows whose ``n`` (observations behind the value) is at least this.

    Returns
    -------
    DataFrame
        One row per unit and period with data, sorted by unit and period:

        - ``unit`` (branch or staff id), ``period`` (pandas ``Period``, quarterly or
          monthly), ``branch`` (cluster), ``region``, ``role`` (staff levels only);
        - ``<kpi>`` (the value), ``n`` (its weight: surveys, staff-months, ...),
          ``numerator``, ``denominator``; one column per extra KPI;
        - with ``adoption``: ``first_treated`` (Period, NA = never), ``treated`` (1 from
          the adoption period on) and ``event_time`` (periods since adoption).

        Staff panels are unbalanced: a person appears only in the periods they worked
        (and, for satisfaction, were surveyed).

    Raises
    ------
    ParamsError
        Unknown KPI or level, a branch-only KPI at staff level, a KPI whose source table
        the dataset lacks, or an unusable adoption table.
    InsufficientSampleError
        No row with ``n >= min_n``.
    """
    func = "kpi_panel"
    _check_choice(level, "level", func, PANEL_LEVELS)
    ent_level, period_type, freq = _LEVEL_SPEC[level]
    staff = ent_level == "staff"
    _check_kpi(kpi, "kpi", func, staff)
    extra = [k for k in dict.fromkeys(kpis or ()) if k != kpi]
    for k in extra:
        _check_kpi(k, "kpis", func, staff)
    if not isinstance(min_n, int | np.integer) or isinstance(min_n, bool) or min_n < 0:
        raise ParamsError(f"The 'min_n' parameter of {func} must be an integer >= 0. Got {min_n!r} instead.")
    table = KPI_CATALOGUE[kpi].table
    if not ds.has(table):
        raise ParamsError(
            f"The 'kpi' parameter of {func} must be a KPI this dataset can compute; {kpi!r} needs "
            f"the {table!r} table, which is not provided. Got {kpi!r} instead."
        )

    k = compute_kpis(ds, levels=(ent_level,), period_types=(period_type,), kpis=[kpi, *extra])
    k = k[k["branch_id"].notna()]
    main = k[(k["kpi"] == kpi) & k["value"].notna() & (k["n"] >= min_n)]
    if main.empty:
        raise InsufficientSampleError(
            f"{func}: no {level} value of {kpi!r} rests on n >= {min_n} observations."
        )
    panel = pd.DataFrame(
        {
            "unit": main["entity_id"].to_numpy(dtype=object),
            "period": pd.PeriodIndex(main["period"].to_numpy(dtype=object), freq=freq),
            "branch": main["branch_id"].to_numpy(dtype=object),
            "region": main["region"].to_numpy(dtype=object),
        }
    )
    if staff:
        panel["role"] = main["role"].to_numpy(dtype=object)
    panel[kpi] = main["value"].to_numpy(dtype=np.float64)
    panel["n"] = main["n"].to_numpy(dtype=np.int64)
    panel["numerator"] = main["numerator"].to_numpy(dtype=np.float64)
    panel["denominator"] = main["denominator"].to_numpy(dtype=np.float64)
    if extra:
        ex = k[k["kpi"].isin(extra)]
        wide = ex.pivot_table(index=["entity_id", "period"], columns="kpi", values="value", aggfunc="first")
        wide = wide.reindex(columns=extra)
        wide.columns.name = None
        keys = pd.MultiIndex.from_arrays(
            [main["entity_id"].to_numpy(object), main["period"].to_numpy(object)]
        )
        vals = wide.reindex(keys)
        for c in extra:
            panel[c] = vals[c].to_numpy(dtype=np.float64)
    panel = panel.sort_values(["unit", "period"], kind="stable").reset_index(drop=True)
    if adoption is not None:
        panel = _attach(panel, adoption, freq, staff, func)
    return panel


def _attach(panel: pd.DataFrame, adoption: Any, freq: str, staff: bool, func: str) -> pd.DataFrame:
    table = adoption_from_params(adoption)  # validates and normalises any accepted form
    series, id_col = _adoption_series(table, freq, func)
    if id_col == "staff_id" and not staff:
        raise ParamsError(
            f"The 'adoption' parameter of {func} must be a branch_id table for a branch-level "
            "panel (a scheme adopted per person needs a staff-level panel). Got a staff_id table instead."
        )
    level = "unit" if id_col == "staff_id" else "branch"
    return attach_treatment(
        panel, series, unit_col="unit", period_col="period", cluster="branch", level=level
    )


# ----------------------------------------------------------------------------- labels

_L: dict[str, dict[str, str]] = {
    "en": {
        "title": "Incentive study: {kpi}",
        "h_definition": "What is compared",
        "h_estimates": "Estimated effect",
        "h_event": "Effect by period since adoption",
        "h_diagnostics": "Diagnostics",
        "h_robustness": "Robustness: leaving out one branch at a time",
        "h_conclusion": "Conclusion",
        "outcome": "Outcome",
        "unit_of_analysis": "Unit of analysis",
        "weights": "Weights",
        "weights_n": "n behind each value ({what})",
        "weights_none": "none (each row counts the same)",
        "sample": "Sample",
        "sample_text": "{rows:,} rows, {units:,} units, {branches} branches, periods {first} to {last}",
        "treatment": "Treatment",
        "treatment_text": (
            "a row is treated from its branch's adoption period on; it is compared with "
            "branches that have not adopted yet or never adopt (parallel trends assumed)"
        ),
        "excluded": "Left out",
        "branch": "Branch",
        "adoption": "Adopted",
        "never": "never",
        "group": "Group",
        "adopter": "adopts",
        "control": "comparison only",
        "units": "Units",
        "rows_pre": "Rows before",
        "rows_post": "Rows after",
        "estimator": "Estimator",
        "estimate": "Effect",
        "ci": "{conf} CI",
        "pvalue": "p-value",
        "se": "Std. error",
        "robust": "Robust staggered DiD (Callaway-Sant'Anna), headline",
        "robust_short": "Robust staggered DiD",
        "twfe": "Two-way fixed effects (conventional)",
        "difference": "Difference TWFE - robust",
        "truth": "Planted effect (demo data)",
        "left_out": "Branch left out",
        "none_left_out": "none (full sample)",
        "change": "Change vs full",
        "not_estimated": "The effect was not estimated: {reason}",
        "too_few": (
            "too few branches ({g}; at least {m} are needed, with adopting and comparison "
            "branches). Cluster-robust intervals from so few branches would be meaningless, so "
            "no effect is reported."
        ),
        "no_treated": "no branch in the data adopts the scheme within the observed periods.",
        "no_figure": "No event study: {reason}",
        "pp": "percentage points",
        "share": "share",
    },
    "zh": {
        "title": "激励效果评估：{kpi}",
        "h_definition": "比较什么",
        "h_estimates": "效果估计",
        "h_event": "实施后各期的效果",
        "h_diagnostics": "诊断",
        "h_robustness": "稳健性：逐一剔除网点",
        "h_conclusion": "结论",
        "outcome": "结果指标",
        "unit_of_analysis": "分析单位",
        "weights": "权重",
        "weights_n": "每个取值背后的样本量 n（{what}）",
        "weights_none": "无（每行权重相同）",
        "sample": "样本",
        "sample_text": "{rows:,} 行，{units:,} 个单位，{branches} 个网点，期间 {first} 至 {last}",
        "treatment": "处理",
        "treatment_text": "网点自实施期起的观测为处理组；对照为尚未实施或从未实施的网点（假设平行趋势）",
        "excluded": "剔除",
        "branch": "网点",
        "adoption": "实施期",
        "never": "从未实施",
        "group": "组别",
        "adopter": "实施",
        "control": "仅作对照",
        "units": "单位数",
        "rows_pre": "实施前行数",
        "rows_post": "实施后行数",
        "estimator": "估计方法",
        "estimate": "效果",
        "ci": "{conf} 置信区间",
        "pvalue": "p 值",
        "se": "标准误",
        "robust": "交错双重差分稳健估计（Callaway-Sant'Anna），主结果",
        "robust_short": "稳健估计",
        "twfe": "双向固定效应（传统方法）",
        "difference": "差异：双向固定效应 - 稳健估计",
        "truth": "预设真实效应（演示数据）",
        "left_out": "剔除的网点",
        "none_left_out": "无（全样本）",
        "change": "相对全样本的变化",
        "not_estimated": "未估计效果：{reason}",
        "too_few": (
            "网点太少（{g} 个；至少需要 {m} 个，且须同时有实施网点和对照网点）。"
            "如此少的网点无法给出有意义的聚类稳健置信区间，因此不报告效果。"
        ),
        "no_treated": "数据期间内没有网点实施该方案。",
        "no_figure": "无事件研究图：{reason}",
        "pp": "个百分点",
        "share": "比例",
    },
}
_PER = {"en": {"Q": "quarter", "M": "month"}, "zh": {"Q": "季度", "M": "月"}}

_LEVEL_NAMES = {
    "en": {"branch-quarter": "branch x quarter", "staff-quarter": "staff member x quarter",
           "staff-month": "staff member x month"},
    "zh": {"branch-quarter": "网点 x 季度", "staff-quarter": "员工 x 季度", "staff-month": "员工 x 月"},
}
_N_WHAT = {
    "en": {"surveys": "survey answers", "contacts": "contacts", "sales": "staff-months",
           "teller_transactions": "transactions", "complaints": "complaints"},
    "zh": {"surveys": "问卷数", "contacts": "接触数", "sales": "员工月数",
           "teller_transactions": "交易笔数", "complaints": "投诉数"},
}
_UNIT_ZH = {
    "products per month": "件/月", "seconds": "秒", "minutes": "分钟", "hours": "小时",
    "points of 10": "分（10 分制）", "points of 5": "分（5 分制）", "points of 100": "分（百分制）",
    "complaints": "件", "customers": "位客户", "incidents": "起", "yuan": "元",
    "share of baseline": "基准比例",
}


def _lab(lang: str, key: str, **fmt: Any) -> str:
    text = _L[lang][key]
    return text.format(**fmt) if fmt else text


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[Any]], raw: bool = False) -> str:
    """HTML table; cells are escaped unless ``raw``."""
    esc = (lambda v: str(v)) if raw else _e
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in r) + "</tr>" for r in rows)
    return (
        '<table class="dataframe"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head)
        + f"</tr></thead><tbody>{body}</tbody></table>"
    )


# ----------------------------------------------------------------------------- the study


class IncentiveStudy:
    """The incentive study of one KPI: estimates, checks and report sections.

    Parameters
    ----------
    data : str, Path or Dataset, default ""
        The dataset (a folder, or an open :class:`~bankperf_analysis.dataset.load.Dataset`); empty:
        ``$BANKPERF_DATA`` or ``data/demo`` (:func:`bankperf_analysis.report.sections.resolve_data_dir`).
    kpi : str, default "satisfaction_rate"
    level : {"branch-quarter", "staff-quarter", "staff-month"}
    adoption : str, Path, mapping or DataFrame, default ""
        Treatment table (:func:`resolve_adoption`); empty: the demo ``truth.json`` next to
        the data.
    lang : {"en", "zh"}
    exclude_branches : sequence of str
        Branches left out of the whole analysis (e.g. one with a known local shock).
    weighted : bool, default True
        Weight rows by ``n`` (surveys, staff-months): a branch-quarter resting on a
        handful of surveys then counts little.
    min_branches : int, default :data:`MIN_BRANCHES`
        Below this many branches no effect is estimated (the sections say so).
    alpha : float, default 0.05
    leads, lags : int, optional
        Event-study window; default: every event time in the data, at most 12 each side.
    max_leave_one_out : int, default 12
        Leave-one-branch-out refits for at most this many branches (the most influential
        first, by their share of the robust estimate's influence function).

    Attributes
    ----------
    panel_ : DataFrame
        The estimation panel (:func:`kpi_panel`, excluded branches removed).
    adoption_ : DataFrame
        The treatment table used.
    status_ : {"ok", "too_few_branches", "no_treated", "insufficient"}
    reason_ : str
        Why nothing was estimated (empty when ``status_ == "ok"``).
    result_ : IncentiveEffectResult or None
        Robust estimate, TWFE beside it, event-time effects and pre-trend test.
    placebo_ : PlaceboResult or None
    event_ : EventStudyResult or None
        Robust and TWFE event studies (for the figure).
    leave_one_out_ : DataFrame or None
        ``left_out, robust, robust_ci_low, robust_ci_high, twfe, change``.
    warnings_ : tuple of str
        Messages of the package warnings raised while estimating (shown in diagnostics).
    truth_ : dict or None
        The demo ``truth.json`` when the treatment table came from it.

    Notes
    -----
    Everything is computed on construction (the notebook then only renders sections).
    The treatment table of :meth:`definition` is per branch; with a per-person adoption
    table a branch shows its earliest adopter's period.
    """

    def __init__(
        self,
        data: str | Path | Dataset = "",
        kpi: str = "satisfaction_rate",
        level: PanelLevel = "branch-quarter",
        adoption: str | Path | Mapping[Any, Any] | pd.DataFrame = "",
        lang: str = "en",
        *,
        exclude_branches: Sequence[str] = (),
        weighted: bool = True,
        min_branches: int = MIN_BRANCHES,
        alpha: float = 0.05,
        leads: int | None = None,
        lags: int | None = None,
        max_leave_one_out: int = 12,
    ) -> None:
        func = "IncentiveStudy"
        self.kpi = kpi
        self.level = level
        self.lang = check_lang(lang)
        self.exclude_branches = tuple(str(b) for b in ([exclude_branches] if isinstance(
            exclude_branches, str) else exclude_branches))
        self.weighted = bool(weighted)
        self.min_branches = min_branches
        self.alpha = alpha
        self.leads = leads
        self.lags = lags
        self.max_leave_one_out = max_leave_one_out
        _check_choice(level, "level", func, PANEL_LEVELS)
        _check_kpi(kpi, "kpi", func, _LEVEL_SPEC[level][0] == "staff")
        if not isinstance(min_branches, int) or min_branches < 2:
            raise ParamsError(
                f"The 'min_branches' parameter of {func} must be an integer >= 2. "
                f"Got {min_branches!r} instead."
            )
        if not isinstance(alpha, float | int) or not 0 < alpha < 1:
            raise ParamsError(
                f"The 'alpha' parameter of {func} must be a float in (0, 1). Got {alpha!r} instead."
            )
        self.freq = _LEVEL_SPEC[level][2]

        self.result_: IncentiveEffectResult | None = None
        self.placebo_: PlaceboResult | None = None
        self.event_: EventStudyResult | None = None
        self.leave_one_out_: pd.DataFrame | None = None
        self.truth_: dict[str, Any] | None = None
        self.status_ = "ok"
        self.reason_ = ""
        self.notes_: list[str] = []

        if isinstance(data, str | Path):
            from bankperf_analysis.dataset.load import load_dataset
            from bankperf_analysis.report.sections import resolve_data_dir

            root = resolve_data_dir(str(data))
            self.adoption_ = resolve_adoption(adoption, root)
            with load_dataset(root) as ds:
                panel = self._build_panel(ds)
        else:
            root = Path(data.root)
            self.adoption_ = resolve_adoption(adoption, root)
            panel = self._build_panel(data)
        if isinstance(adoption, str) and (adoption.strip() == "" or adoption.lower().endswith(".json")):
            path = root / "truth.json" if adoption.strip() == "" else Path(adoption)
            self.truth_ = json.loads(path.read_text(encoding="utf-8"))
        self.data_dir = root
        self.panel_ = panel
        self.warnings_: tuple[str, ...] = ()
        if panel is not None:
            self._estimate()

    # -- construction --------------------------------------------------------------------

    def _build_panel(self, ds: Dataset) -> pd.DataFrame | None:
        try:
            panel = kpi_panel(ds, self.kpi, self.level, adoption=self.adoption_)
        except InsufficientSampleError as exc:
            self.status_, self.reason_ = "insufficient", str(exc)
            return None
        if self.exclude_branches:
            panel = panel[~panel["branch"].isin(self.exclude_branches)].reset_index(drop=True)
        return panel

    def _counts(self) -> dict[str, int]:
        p = self.panel_
        if p is None or p.empty:
            return {"branches": 0, "adopters": 0, "controls": 0, "cohorts": 0}
        per_branch = p.groupby("branch", sort=True)[COHORT_COL].min()
        adopt = per_branch.notna()
        return {
            "branches": int(per_branch.size),
            "adopters": int(adopt.sum()),
            "controls": int((~adopt).sum()),
            "cohorts": int(per_branch[adopt].nunique()),
        }

    def _window(self) -> tuple[int, int]:
        ev = self.panel_[EVENT_COL].dropna()
        leads = self.leads if self.leads is not None else int(min(max(1, -ev.min()), _MAX_EVENT_WINDOW))
        lags = self.lags if self.lags is not None else int(min(max(0, ev.max()), _MAX_EVENT_WINDOW))
        return max(1, leads), max(0, lags)

    def _estimate(self) -> None:
        c = self._counts()
        if c["adopters"] == 0:
            self.status_, self.reason_ = "no_treated", _lab(self.lang, "no_treated")
            return
        no_comparison = c["controls"] == 0 and c["cohorts"] < 2  # nobody to compare with
        if c["branches"] < self.min_branches or no_comparison:
            self.status_ = "too_few_branches"
            self.reason_ = _lab(self.lang, "too_few", g=c["branches"], m=self.min_branches)
            return
        w = "n" if self.weighted else None
        leads, lags = self._window()
        p = self.panel_
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                self.result_ = estimate_incentive_effect(
                    p, self.kpi, weights=w, leads=leads, lags=lags, alpha=self.alpha
                )
            except InsufficientSampleError as exc:
                self.status_, self.reason_ = "insufficient", str(exc)
            if self.result_ is not None:
                try:
                    self.placebo_ = placebo_test(p, self.kpi, shift=1, weights=w, alpha=self.alpha)
                except InsufficientSampleError as exc:
                    self.notes_.append(f"placebo: {exc}")
                try:
                    self.event_ = event_study(
                        p, self.kpi, leads=leads, lags=lags, weights=w, alpha=self.alpha
                    )
                except InsufficientSampleError as exc:
                    self.notes_.append(f"event study: {exc}")
                self.leave_one_out_ = self._leave_one_out(w)
        # the few-clusters warning is stated once in diagnostics(); keep the others
        ours = [str(m.message) for m in caught if issubclass(m.category, BankPerfWarning)
                and not (issubclass(m.category, SmallSampleWarning) and " clusters" in str(m.message))]
        self.warnings_ = tuple(dict.fromkeys(ours))
        for m in caught:  # not ours: let them through unchanged
            if not issubclass(m.category, BankPerfWarning):
                warnings.warn_explicit(m.message, m.category, m.filename, m.lineno)

    def _leave_one_out(self, w: str | None) -> pd.DataFrame:
        """Robust and TWFE estimates without each of the most influential branches."""
        r = self.result_
        infl = r.robust.aggregated.cluster_influence
        labels = r.robust.aggregated.cluster_labels
        order = np.argsort(-np.abs(infl), kind="stable")[: self.max_leave_one_out]
        rows = []
        for b in sorted(str(labels[i]) for i in order):
            sub = self.panel_[self.panel_["branch"] != b]
            try:
                with warnings.catch_warnings():
                    # the refits repeat the full-sample warnings (few clusters); not shown
                    warnings.simplefilter("ignore", BankPerfWarning)
                    rb = staggered_did(sub, self.kpi, weights=w, alpha=self.alpha)
                    tw = twfe_did(sub, self.kpi, weights=w, alpha=self.alpha)
            except InsufficientSampleError:
                continue
            rows.append({"left_out": b, "robust": rb.estimate, "robust_ci_low": rb.ci_low,
                         "robust_ci_high": rb.ci_high, "twfe": tw.estimate})
        out = pd.DataFrame(rows, columns=["left_out", "robust", "robust_ci_low", "robust_ci_high", "twfe"])
        out["change"] = out["robust"] - r.estimate
        return out

    # -- formatting ------------------------------------------------------------------------

    @property
    def _is_share(self) -> bool:
        return KPI_CATALOGUE[self.kpi].unit == "share"

    def _scale(self, x: float) -> float:
        return 100.0 * x if self._is_share else x

    def _unit(self) -> str:
        if self._is_share:
            return _lab(self.lang, "pp")
        u = KPI_CATALOGUE[self.kpi].unit
        return _UNIT_ZH.get(u, u) if self.lang == "zh" else u

    def _digits(self) -> int:
        r = self.result_
        width = self._scale(r.ci_high - r.ci_low) if r is not None else 1.0
        if not np.isfinite(width) or width <= 0:
            return 2
        return int(np.clip(1 - np.floor(np.log10(width)), 1, 3))

    def _fmt(self, x: float, signed: bool = True, unit: bool = False) -> str:
        if x is None or not np.isfinite(x):
            return "–"
        v = self._scale(x)
        s = f"{v:+.{self._digits()}f}" if signed else f"{v:.{self._digits()}f}"
        return f"{s} {self._unit()}" if unit else s

    def _ci(self, lo: float, hi: float) -> str:
        sep = " to " if self.lang == "en" else " 至 "
        return f"{self._fmt(lo, signed=False)}{sep}{self._fmt(hi, signed=False)}"

    def _label(self) -> str:
        return kpi_label(self.kpi, self.lang)

    def _truth_effect(self) -> float | None:
        if not self.truth_:
            return None
        eff = (self.truth_.get("bonus_scheme") or {}).get("effect") or {}
        v = eff.get(self.kpi)
        return float(v) if v is not None else None

    def _not_estimated(self) -> HtmlBlock:
        return HtmlBlock(f"<p><b>{_e(_lab(self.lang, 'not_estimated', reason=self.reason_))}</b></p>")

    # -- sections ------------------------------------------------------------------------

    def title(self) -> HtmlBlock:
        """Report title."""
        return HtmlBlock(f'<h1 id="title">{_e(_lab(self.lang, "title", kpi=self._label()))}</h1>')

    def heading(self, key: str) -> HtmlBlock:
        """Section heading.

        ``key`` is ``"definition"``, ``"estimates"``, ``"event"``, ``"diagnostics"``,
        ``"robustness"`` or ``"conclusion"``.
        """
        _check_choice(key, "key", "IncentiveStudy.heading",
                      ("definition", "estimates", "event", "diagnostics", "robustness", "conclusion"))
        return HtmlBlock(f'<h2 id="{_e(key)}">{_e(_lab(self.lang, "h_" + key))}</h2>')

    def definition(self) -> HtmlBlock:
        """Outcome, unit of analysis, weights, sample and the treatment table."""
        lang, k = self.lang, KPI_CATALOGUE[self.kpi]
        p = self.panel_
        what = _N_WHAT[lang].get(k.table, "n")
        info = [
            (_lab(lang, "outcome"), f"{self._label()} ({self.kpi}): {k.formula}"),
            (_lab(lang, "unit_of_analysis"), _LEVEL_NAMES[lang][self.level]),
            (_lab(lang, "weights"), _lab(lang, "weights_n", what=what) if self.weighted
             else _lab(lang, "weights_none")),
            (_lab(lang, "treatment"), _lab(lang, "treatment_text")),
        ]
        if p is not None and not p.empty:
            info.insert(3, (_lab(lang, "sample"), _lab(
                lang, "sample_text", rows=len(p), units=p["unit"].nunique(), branches=p["branch"].nunique(),
                first=str(p["period"].min()), last=str(p["period"].max()))))
        if self.exclude_branches:
            info.append((_lab(lang, "excluded"), ", ".join(self.exclude_branches)))
        parts = ["<table class='dataframe'><tbody>" + "".join(
            f"<tr><th style='text-align:left'>{_e(a)}</th><td style='text-align:left'>{_e(b)}</td></tr>"
            for a, b in info) + "</tbody></table>"]
        if p is not None and not p.empty:
            g = p.groupby("branch", sort=True)
            tab = pd.DataFrame({
                "cohort": g[COHORT_COL].min(),
                "units": g["unit"].nunique(),
                "post": g[TREATED_COL].sum().astype(int),
            })
            tab["pre"] = g.size() - tab["post"]
            rows = [
                (b, _lab(lang, "never") if pd.isna(r.cohort) else str(r.cohort),
                 _lab(lang, "control") if pd.isna(r.cohort) else _lab(lang, "adopter"),
                 int(r.units), int(r.pre), int(r.post))
                for b, r in tab.iterrows()
            ]
            head = [_lab(lang, h) for h in ("branch", "adoption", "group", "units", "rows_pre", "rows_post")]
            parts.append(_table(head, rows))
        if self.status_ != "ok":
            parts.append(self._not_estimated().html)
        return HtmlBlock("".join(parts))

    def to_frame(self) -> pd.DataFrame:
        """Tidy estimates (robust, TWFE, their difference) in KPI units, with kpi and level."""
        if self.result_ is None:
            return pd.DataFrame(columns=["kpi", "level", "estimator", "estimate", "std_error",
                                         "statistic", "pvalue", "ci_low", "ci_high"])
        fr = self.result_.to_frame()
        fr.insert(0, "level", self.level)
        fr.insert(0, "kpi", self.kpi)
        return fr

    def summary_table(self) -> HtmlBlock:
        """Robust estimate (headline) and TWFE beside it, with intervals and p-values."""
        if self.result_ is None:
            return self._not_estimated()
        lang, r = self.lang, self.result_
        conf = f"{1 - self.alpha:.0%}"
        fr = r.to_frame()
        names = [_lab(lang, "robust"), _lab(lang, "twfe"), _lab(lang, "difference")]
        rows = [
            (name, self._fmt(row.estimate), self._ci(row.ci_low, row.ci_high),
             self._fmt(row.std_error, signed=False), _fp(row.pvalue))
            for name, row in zip(names, fr.itertuples())
        ]
        truth = self._truth_effect()
        if truth is not None:
            rows.append((_lab(lang, "truth"), self._fmt(truth), "", "", ""))
        head = [_lab(lang, "estimator"), f"{_lab(lang, 'estimate')} ({self._unit()})",
                _lab(lang, "ci", conf=conf), _lab(lang, "se"), _lab(lang, "pvalue")]
        return HtmlBlock(_table(head, rows))

    def event_study_figure(self) -> Figure:
        """Event-study figure: robust and TWFE effects by period since adoption."""
        from matplotlib.figure import Figure

        from bankperf_analysis.incentives.event_series import plot_event_study

        label = self._label()
        if self.event_ is None and self.result_ is None:
            import matplotlib

            width = float(matplotlib.rcParams["figure.figsize"][0])
            fig = Figure(figsize=(width, 1.2), layout="constrained")
            ax = fig.add_subplot()
            ax.axis("off")
            reason = self.reason_ or "; ".join(self.notes_)
            ax.text(0.5, 0.5, _lab(self.lang, "no_figure", reason=reason), ha="center", va="center",
                    wrap=True, fontsize=10)
            return fig
        src = self.event_ if self.event_ is not None else self.result_.event
        fig = plot_event_study(src, lang=self.lang, title=_lab(self.lang, "title", kpi=label))
        ax = fig.axes[0]
        unit = _lab(self.lang, "share") if self._is_share else self._unit()
        ylab = f"Effect on {label} ({unit})" if self.lang == "en" else f"对{label}的影响（{unit}）"
        ax.set_ylabel(ylab)
        return fig

    def diagnostics(self) -> HtmlBlock:
        """Clusters, pre-trend test with its power, placebo, estimator disagreement, warnings."""
        if self.result_ is None:
            return self._not_estimated()
        items = self._diagnostic_items()
        return HtmlBlock("<ul>" + "".join(
            (f"<li><b style='color:#c53030'>{_e(t)}</b></li>" if alert else f"<li>{_e(t)}</li>")
            for t, alert in items) + "</ul>")

    def _diagnostic_items(self) -> list[tuple[str, bool]]:
        lang, r = self.lang, self.result_
        c = self._counts()
        g = r.robust.n_clusters
        per = _PER[lang][self.freq]
        items: list[tuple[str, bool]] = []
        if lang == "en":
            items.append((
                f"Clusters: {g} branches ({c['adopters']} adopting in {c['cohorts']} cohort(s), "
                f"{c['controls']} never adopting); standard errors clustered by branch, "
                f"t({g - 1}) critical values.", False))
            if g < FEW_CLUSTERS:
                items.append((
                    f"Small sample: only {g} branches. Cluster-robust inference is approximate with "
                    f"fewer than about {FEW_CLUSTERS} clusters: read the intervals and p-values as "
                    "rough guides, not exact levels.", True))
        else:
            items.append((
                f"聚类：{g} 个网点（{c['adopters']} 个实施，分 {c['cohorts']} 批；"
                f"{c['controls']} 个从未实施）；"
                f"标准误按网点聚类，临界值取 t({g - 1})。", False))
            if g < FEW_CLUSTERS:
                items.append((
                    f"小样本：只有 {g} 个网点。聚类数少于约 {FEW_CLUSTERS} 时聚类稳健推断只是近似，"
                    "置信区间和 p 值仅供粗略参考。", True))
        items.append((self._pretrend_text(per), bool(r.pretrend is not None and r.pretrend.reject)))
        if self.placebo_ is not None:
            items.append((self._placebo_text(per), bool(self.placebo_.pvalue < self.alpha)))
        items.append((self._disagreement_text(), r.disagree))
        items += [(f"{'Note' if lang == 'en' else '说明'}: {m}", False) for m in self.warnings_]
        items += [(f"{'Note' if lang == 'en' else '说明'}: {m}", False) for m in self.notes_]
        return items

    def _pretrend_text(self, per: str) -> str:
        pt, lang = self.result_.pretrend, self.lang
        if pt is None:
            return ("Pre-trends: no pre-adoption period to test." if lang == "en"
                    else "事前趋势：没有可检验的实施前期间。")
        slope, mds = self._fmt(pt.slope, signed=False), self._fmt(pt.detectable_slope, signed=False)
        u = self._unit()
        pw = "–" if not np.isfinite(pt.power) else f"{pt.power:.0%}"
        if lang == "en":
            head = (f"Pre-trends: joint test of the {pt.df} pre-adoption effects, "
                    f"F({pt.df}, {pt.df_denom:.0f}) = {pt.statistic:.2f}, p = {_fp(pt.pvalue)}")
            if pt.reject:
                return (head + ": parallel pre-trends are rejected. The largest pre-adoption deviation is "
                        f"{self._fmt(self._pre_max(), signed=False)} {u} against an effect of "
                        f"{self._fmt(abs(self.result_.estimate), signed=False)} {u}; read the estimate "
                        "with caution (with few branches this test also rejects too often).")
            return (head + ". Not rejecting is not proof of parallel trends: the test had "
                    f"{pw} power against a linear pre-trend of {slope} {u} per {per} (steep enough to "
                    f"explain the whole effect) and detects with {pt.power_target:.0%} power only "
                    f"slopes steeper than {mds} {u} per {per}.")
        head = (f"事前趋势：对 {pt.df} 个实施前效应的联合检验，F({pt.df}, {pt.df_denom:.0f}) = "
                f"{pt.statistic:.2f}，p = {_fp(pt.pvalue)}")
        if pt.reject:
            return (head + f"：拒绝平行趋势。实施前最大偏离为 {self._fmt(self._pre_max(), signed=False)}{u}，"
                    f"而效应为 {self._fmt(abs(self.result_.estimate), signed=False)}{u}；请谨慎解读"
                    "（网点少时该检验也容易过度拒绝）。")
        return (head + "。未拒绝并不证明平行趋势成立：对每{per}{slope}{u}（足以解释全部效应）的线性事前趋势，"
                "检验功效为 {pw}；以 {pt80} 的把握只能发现每{per}超过 {mds}{u} 的趋势。").format(
            per=per, slope=slope, u=u, pw=pw, pt80=f"{pt.power_target:.0%}", mds=mds)

    def _power(self) -> str:
        pw = self.result_.pretrend.power
        return "–" if not np.isfinite(pw) else f"{pw:.0%}"

    def _pre_max(self) -> float:
        """Largest absolute pre-adoption event-time effect of the robust estimator."""
        fr = self.result_.event.frame
        pre = fr.loc[~fr["reference"].astype(bool) & (fr["event_time"] < 0), "estimate"]
        return float(pre.abs().max()) if len(pre) else float("nan")

    def _placebo_text(self, per: str) -> str:
        pl, lang = self.placebo_, self.lang
        est, ci = self._fmt(pl.estimate, unit=True), self._ci(pl.ci_low, pl.ci_high)
        bad = pl.pvalue < self.alpha
        if lang == "en":
            return (f"Placebo (adoption moved one {per} earlier, pre-adoption data only): {est} "
                    f"({1 - self.alpha:.0%} CI {ci}, p = {_fp(pl.pvalue)}); "
                    + ("significant: points to anticipation or diverging trends." if bad
                       else "consistent with no effect before adoption."))
        return (f"安慰剂检验（实施时点提前一{per}，仅用实施前数据）：{est}"
                f"（{1 - self.alpha:.0%} 置信区间 {ci}，"
                f"p = {_fp(pl.pvalue)}）；" + ("显著，提示存在预期效应或趋势不平行。" if bad
                                               else "与实施前无效应一致。"))

    def _disagreement_text(self) -> str:
        r, lang = self.result_, self.lang
        d, se = self._fmt(r.difference), self._fmt(r.difference_se, signed=False)
        neg = r.twfe.negative_weight_share
        if lang == "en":
            verdict = ("they DISAGREE: report the robust estimate; TWFE uses already-treated branches "
                       "as controls" if r.disagree else "they agree")
            return (f"Robust vs TWFE: difference {d} (se {se}); {verdict} (rule: |difference| > "
                    f"max(z x se, {r.disagreement_rtol:.0%} of the robust estimate)). {neg:.0%} of treated "
                    "rows get a negative TWFE weight.")
        verdict = ("二者不一致：应报告稳健估计；双向固定效应把已实施网点当作对照" if r.disagree
                   else "二者一致")
        return (f"稳健估计与双向固定效应：差异 {d}（标准误 {se}）；{verdict}（规则：|差异| > max(z x 标准误，"
                f"稳健估计的 {r.disagreement_rtol:.0%}）。{neg:.0%} 的处理行在双向固定效应中权重为负。")

    def robustness(self) -> HtmlBlock:
        """Leave-one-branch-out: the estimate without each (influential) branch."""
        if self.result_ is None or self.leave_one_out_ is None:
            return self._not_estimated()
        lang, r, lo = self.lang, self.result_, self.leave_one_out_
        rows = [(_lab(lang, "none_left_out"), self._fmt(r.estimate), self._ci(r.ci_low, r.ci_high),
                 self._fmt(r.twfe.estimate), "")]
        rows += [(row.left_out, self._fmt(row.robust), self._ci(row.robust_ci_low, row.robust_ci_high),
                  self._fmt(row.twfe), self._fmt(row.change)) for row in lo.itertuples()]
        conf = f"{1 - self.alpha:.0%}"
        head = [_lab(lang, "left_out"), f"{_lab(lang, 'robust_short')} ({self._unit()})",
                _lab(lang, "ci", conf=conf), _lab(lang, "twfe"), _lab(lang, "change")]
        note = self._robustness_sentence()
        return HtmlBlock(_table(head, rows) + (f"<p>{_e(note)}</p>" if note else ""))

    def _robustness_sentence(self) -> str:
        lo, lang = self.leave_one_out_, self.lang
        if lo is None or lo.empty:
            return ""
        i = int(np.argmax(np.abs(lo["change"].to_numpy())))
        b, ch = lo["left_out"].iloc[i], lo["change"].iloc[i]
        lo_min, lo_max = self._fmt(lo["robust"].min()), self._fmt(lo["robust"].max())
        drop = self._drop_branch()
        if lang == "en":
            s = (f"Leaving out one branch at a time, the robust estimate stays between {lo_min} and {lo_max} "
                 f"{self._unit()}; the largest change ({self._fmt(ch)}) comes from leaving out {b}.")
            if drop is not None and drop in set(lo["left_out"]):
                est = self._fmt(float(lo.loc[lo["left_out"] == drop, "robust"].iloc[0]))
                s += (f" Demo data: {drop} has a planted local drop in {self._drop_quarter()} while never "
                      f"adopting, a mild violation of parallel trends; without it the estimate is {est}.")
            return s
        s = (f"逐一剔除网点后，稳健估计在 {lo_min} 至 {lo_max}{self._unit()} 之间；"
             f"变化最大（{self._fmt(ch)}）的是剔除 {b}。")
        if drop is not None and drop in set(lo["left_out"]):
            est = self._fmt(float(lo.loc[lo["left_out"] == drop, "robust"].iloc[0]))
            s += (f"演示数据：{drop} 从未实施该方案，但在 {self._drop_quarter()} 预设了局部下滑，"
                  f"轻度违反平行趋势；剔除后估计为 {est}。")
        return s

    def _drop_branch(self) -> str | None:
        d = (self.truth_ or {}).get("satisfaction_drop")
        if self.kpi != "satisfaction_rate" or not isinstance(d, Mapping):
            return None
        return str(d.get("branch_id"))

    def _drop_quarter(self) -> str:
        return str(((self.truth_ or {}).get("satisfaction_drop") or {}).get("quarter", ""))

    def conclusion(self) -> HtmlBlock:
        """Plain-language conclusion (en/zh)."""
        return HtmlBlock(f"<p>{_e(self.conclusion_text())}</p>")

    def conclusion_text(self) -> str:
        """The conclusion as plain text."""
        lang = self.lang
        label = self._label()
        if self.result_ is None:
            return _lab(lang, "not_estimated", reason=self.reason_)
        r = self.result_
        g = r.robust.n_clusters
        conf = f"{1 - self.alpha:.0%}"
        sig = r.pvalue < self.alpha
        est, ci, u = self._fmt(abs(r.estimate), signed=False), self._ci(r.ci_low, r.ci_high), self._unit()
        tw = self._fmt(r.twfe.estimate)
        pt = r.pretrend
        if lang == "en":
            verb = "raised" if r.estimate > 0 else "lowered"
            parts = [
                (f"The bonus scheme {verb} {label} by {est} {u} ({conf} CI {ci}; robust staggered "
                 f"difference-in-differences over {g} branches)." if sig else
                 f"The bonus scheme's effect on {label} is {self._fmt(r.estimate)} {u} ({conf} CI {ci}): "
                 "it cannot be told apart from zero."),
                f"The conventional two-way fixed-effects estimate ({tw}) "
                + ("disagrees and should not be used." if r.disagree else "agrees."),
            ]
            if pt is not None:
                parts.append(
                    f"Caution: before adoption the adopting branches did not move exactly like the others "
                    f"(pre-trend test p = {_fp(pt.pvalue)}); the deviations are at most "
                    f"{self._fmt(self._pre_max(), signed=False)} {u}, small next to the effect, but the "
                    "causal reading rests on parallel trends."
                    if pt.reject else
                    "Before adoption the branches moved alike as far as the data can tell (the "
                    f"pre-trend test had {self._power()} power against a trend that alone would explain "
                    "the effect); that is support for, not proof of, parallel trends.")
            if self.placebo_ is not None and self.placebo_.pvalue < self.alpha:
                parts.append("The placebo test finds an 'effect' before adoption: "
                             "treat the estimate with caution.")
            if g < FEW_CLUSTERS:
                parts.append(f"With only {g} branches the interval is approximate.")
        else:
            verb = "提高" if r.estimate > 0 else "降低"
            parts = [
                (f"奖金方案使{label}{verb}了 {est}{u}（{conf} 置信区间 {ci}；"
                 f"基于 {g} 个网点的交错双重差分稳健估计）。"
                 if sig else
                 f"奖金方案对{label}的影响为 {self._fmt(r.estimate)}{u}（{conf} 置信区间 {ci}），"
                 "与零没有显著差异。"),
                f"传统双向固定效应估计（{tw}）" + ("与之不一致，不应采用。" if r.disagree else "与之一致。"),
            ]
            if pt is not None:
                parts.append(
                    f"注意：实施前实施网点与其他网点的走势并不完全一致（事前趋势检验 p = {_fp(pt.pvalue)}）；"
                    f"偏离最多 {self._fmt(self._pre_max(), signed=False)}{u}，相对效应较小，"
                    "但因果解读依赖平行趋势假设。"
                    if pt.reject else
                    f"就数据所见，实施前各网点走势相近（对足以单独解释该效应的趋势，事前趋势检验的功效为 "
                    f"{self._power()}）；这支持但不能证明平行趋势。")
            if self.placebo_ is not None and self.placebo_.pvalue < self.alpha:
                parts.append("安慰剂检验在实施前发现了“效应”，请谨慎解读。")
            if g < FEW_CLUSTERS:
                parts.append(f"只有 {g} 个网点，置信区间只是近似。")
        rob = self._robustness_sentence()
        if rob:
            parts.append(rob)
        truth = self._truth_effect()
        if truth is not None:
            inside = r.ci_low <= truth <= r.ci_high
            if lang == "en":
                parts.append(f"Demo data: the planted effect is {self._fmt(truth)} {u}, "
                             + ("inside" if inside else "outside") + " the interval.")
            else:
                parts.append(f"演示数据：预设效应为 {self._fmt(truth)}{u}，" + ("落在" if inside else "不在")
                             + "置信区间内。")
        return " ".join(parts)

    def headline(self) -> dict[str, Any]:
        """Headline numbers for the index page (:func:`bankperf_analysis.runner.run.record_headline`)."""
        r = self.result_
        out: dict[str, Any] = {"incentive_kpi": self.kpi, "incentive_status": self.status_}
        if r is not None:
            out.update(
                incentive_effect=float(r.estimate),
                incentive_ci=f"{self._ci(r.ci_low, r.ci_high)} {self._unit()}",
                incentive_twfe=float(r.twfe.estimate),
                incentive_branches=int(r.robust.n_clusters),
            )
        return out

    def __repr__(self) -> str:
        est = "" if self.result_ is None else f", estimate={self.result_.estimate:.4g}"
        return (f"IncentiveStudy(kpi={self.kpi!r}, level={self.level!r}, lang={self.lang!r}, "
                f"status={self.status_!r}{est})")


def _fp(p: float) -> str:
    if p is None or not np.isfinite(p):
        return "–"
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


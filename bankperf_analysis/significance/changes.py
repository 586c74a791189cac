"""KPI changes between periods and fair league tables, straight from a dataset.

This module joins the KPI engine (:mod:`bankperf_analysis.metrics.compute`) to the statistics
of :mod:`bankperf_analysis.significance.compare`:

* :func:`kpi_changes` compares one KPI between a period and the previous one (or the
  same period last year) for every branch, every staff member of a branch, every region
  or the whole bank, with the test that the KPI's type needs
  (``KPI_CATALOGUE[kpi].test``) and a multiple-testing correction over the entities;
* :func:`league_table` ranks entities on a rate fairly: raw rate, empirical-Bayes shrunk
  rate with its interval (:func:`~bankperf_analysis.significance.compare.shrink_rates`), both
  ranks, and funnel-plot z-scores and limits
  (:func:`~bankperf_analysis.significance.compare.funnel_data`);
* :func:`league_funnel_plot` draws the funnel plot.

Where the data come from:

=========  ===========================================================================
test       data compared per entity
=========  ===========================================================================
rate       successes and trials: ``numerator``/``denominator`` of the KPI frame
mean       the individual observations (1-10 survey scores, 0-100 mystery-shopper and
           video checks, ...) read from the dataset with SQL
ordinal    the individual 1-5 complaint-resolution scores read from the dataset
=========  ===========================================================================

Count KPIs (complaint count, new customers) and KPIs with no observation-level data
(cross-sales per staff-month, handling minutes, the weighted 360-degree score, median
hours) have no change test here and raise :class:`~bankperf_analysis.exceptions.ParamsError`.

Examples
--------
>>> import tempfile
>>> from bankperf_analysis.dataset.demo import make_demo_bank
>>> from bankperf_analysis.dataset.load import load_dataset
>>> folder = tempfile.mkdtemp(); _ = make_demo_bank(folder, scale="tiny", seed=1)
>>> res = kpi_changes(load_dataset(folder), "satisfaction_rate", "2026Q3")
>>> list(res.to_frame().columns[:4])
['entity', 'kpi', 'period_before', 'period_after']
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.metrics.compute import BANK_ID, KPI_CATALOGUE, LEVELS, MetricOptions, compute_kpis
from bankperf_analysis.periods import Period
from bankperf_analysis.significance.compare import (
    ChangeTestResult,
    Correction,
    FunnelResult,
    Lang,
    Overdispersion,
    compare_many,
    funnel_data,
    funnel_plot,
    shrink_rates,
)
from bankperf_analysis.significance.core import check_literal, check_unit_open, param_error

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Against",
    "CHANGE_COLUMNS",
    "ChangeLevel",
    "ChangesResult",
    "kpi_changes",
    "league_table",
    "league_funnel",
    "league_funnel_plot",
    "change_test_kinds",
]

Against = Literal["previous", "last_year"]
ChangeLevel = Literal["staff", "branch", "region", "bank"]

#: Rate KPIs whose numerator and denominator are not counts of the same units (yuan of
#: errors over yuan handled, hours on duty over hours rostered): no binomial test.
_NOT_BINOMIAL = frozenset({"cash_error_rate", "on_duty_rate"})


@dataclass(frozen=True, slots=True)
class _Raw:
    """Where the individual observations of a mean/ordinal KPI live."""

    table: str
    date: str  # column that dates a row into a period (as in the KPI engine)
    value: str  # SQL expression on alias ``r``
    where: str  # SQL filter on alias ``r``
    has_branch: bool = True  # the table carries branch_id (else via the staff table)
    has_staff: bool = True  # the table carries staff_id


#: Observation-level sources of the mean and ordinal KPIs, matching the KPI engine's
#: definitions in :mod:`bankperf_analysis.metrics.compute`.
_RAW: dict[str, _Raw] = {
    "onsite_survey_score": _Raw("surveys", "survey_date", "r.score", "r.channel = 'on_site'"),
    "callback_survey_score": _Raw("surveys", "survey_date", "r.score", "r.channel = 'phone_callback'"),
    "response_time_seconds": _Raw(
        "contacts", "arrival_ts", "epoch(r.answer_ts) - epoch(r.arrival_ts)", "r.answer_ts IS NOT NULL"
    ),
    "queue_wait_seconds": _Raw(
        "contacts",
        "arrival_ts",
        "epoch(r.answer_ts) - epoch(r.arrival_ts)",
        "r.answer_ts IS NOT NULL AND r.channel = 'counter'",
    ),
    "complaint_resolution_score": _Raw(
        "complaints", "opened_ts", "r.resolution_score", "r.resolution_score IS NOT NULL"
    ),
    "dress_score": _Raw("inspections", "inspection_date", "r.score", "r.aspect = 'dress'"),
    "manner_score": _Raw("inspections", "inspection_date", "r.score", "r.aspect = 'manner'"),
    "training_exam_score": _Raw(
        "training", "session_date", "r.exam_score", "r.exam_score IS NOT NULL", has_branch=False
    ),
    "service_quality_score": _Raw(
        "qualitative_ratings", "rating_date", "r.score", "r.dimension = 'service_quality'", has_branch=False
    ),
    "teamwork_score": _Raw(
        "qualitative_ratings", "rating_date", "r.score", "r.dimension = 'teamwork'", has_branch=False
    ),
    "mystery_shopper_score": _Raw(
        "mystery_shopper", "check_date", "r.score", "r.method = 'on_site'", has_staff=False
    ),
    "video_check_score": _Raw(
        "mystery_shopper", "check_date", "r.score", "r.method = 'video'", has_staff=False
    ),
}

_ORDINAL_LEVELS = {"complaint_resolution_score": (1, 2, 3, 4, 5)}

_HEAD = {
    "en": {
        "entity": "entity",
        "before": "before",
        "after": "after",
        "diff": "change",
        "ci": "interval",
        "to": " to ",
        "p": "adjusted p",
        "flag": "flag",
        "verdict": "verdict",
        "title": "{label}: {after} vs {before} ({level} level, {m} comparisons, {corr})",
        "count": "{up} up, {down} down, {inc} inconclusive, {ns} no change detected, {nd} without data",
        "corr": {
            "fdr_bh": "Benjamini-Hochberg",
            "holm": "Holm",
            "bonferroni": "Bonferroni",
            "none": "no adjustment",
        },
        "level": {"staff": "staff", "branch": "branch", "region": "region", "bank": "bank"},
    },
    "zh": {
        "entity": "对象",
        "before": "上期",
        "after": "本期",
        "diff": "变化",
        "ci": "置信区间",
        "to": " 至 ",
        "p": "校正后 p 值",
        "flag": "标记",
        "verdict": "结论",
        "title": "{label}：{after} 对比 {before}（{level}层面，{m} 项比较，{corr}）",
        "count": "上升 {up} 个，下降 {down} 个，结论不确定 {inc} 个，未发现变化 {ns} 个，无数据 {nd} 个",
        "corr": {
            "fdr_bh": "Benjamini-Hochberg 校正",
            "holm": "Holm 校正",
            "bonferroni": "Bonferroni 校正",
            "none": "未校正",
        },
        "level": {"staff": "员工", "branch": "网点", "region": "区域", "bank": "全行"},
    },
}

#: Columns of :meth:`ChangesResult.to_frame`, in order.
CHANGE_COLUMNS: tuple[str, ...] = (
    "entity",
    "kpi",
    "period_before",
    "period_after",
    "before",
    "after",
    "diff",
    "ci_low",
    "ci_high",
    "pvalue",
    "p_adjusted",
    "flag",
    "improved",
    "verdict_en",
    "verdict_zh",
    "n_before",
    "n_after",
    "method",
    "mdc",
    "statistic",
    "alpha",
)


# =========================================================================== helpers


def change_test_kinds() -> dict[str, str]:
    """KPIs :func:`kpi_changes` can test, mapped to the test used (``"rate"``, ``"mean"``, ``"ordinal"``)."""
    out = {}
    for name, k in KPI_CATALOGUE.items():
        if k.test == "rate" and name not in _NOT_BINOMIAL:
            out[name] = "rate"
        elif k.test in ("mean", "ordinal") and name in _RAW:
            out[name] = k.test
    return out


def _check_kpi(kpi: Any, owner: str) -> str:
    if not isinstance(kpi, str) or kpi not in KPI_CATALOGUE:
        raise param_error("kpi", owner, "a KPI of KPI_CATALOGUE", kpi)
    ok = change_test_kinds()
    if kpi not in ok:
        k = KPI_CATALOGUE[kpi]
        why = (
            "a count has no before/after test here"
            if k.test == "count"
            else "its numerator and denominator are not counts of the same units"
            if kpi in _NOT_BINOMIAL
            else "it has no observation-level data to test"
        )
        raise ParamsError(
            f"The 'kpi' parameter of {owner} must be a KPI with a change test ({', '.join(ok)}). "
            f"Got {kpi!r} instead ({why})."
        )
    return kpi


def _latest_period(ds: Dataset | None, kpis: pd.DataFrame | None, kpi: str, owner: str) -> str:
    """Latest quarter with data: from the KPI frame if given, else the dataset's coverage."""
    if kpis is not None:
        sel = kpis[(kpis["kpi"] == kpi) & (kpis["period_type"] == "quarter")]
        if len(sel):
            return str(max(sel["period"].astype(str)))
    if ds is not None:
        last = ds.coverage()[1]
        if last is not None:
            return last
    raise InsufficientSampleError(f"{owner}: no dated data to pick a default quarter from; give 'quarter'.")


def _periods(quarter: Any, against: str) -> tuple[Period, Period]:
    after = Period.parse(quarter)
    before = after.previous() if against == "previous" else after.same_period_last_year()
    return before, after


def _kpi_frame(
    ds: Dataset | None,
    kpis: pd.DataFrame | None,
    kpi: str,
    periods: Sequence[Period],
    options: MetricOptions | None,
    owner: str,
) -> pd.DataFrame:
    """Rows of the KPI frame for ``kpi`` in ``periods`` (computed when not given)."""
    if kpis is not None:
        if not isinstance(kpis, pd.DataFrame):
            raise param_error(
                "kpis", owner, "a KPI frame from compute_kpis (a DataFrame)", type(kpis).__name__
            )
        need = {"level", "entity_id", "branch_id", "period_type", "period", "kpi", "numerator", "denominator"}
        if missing := need - set(kpis.columns):
            raise param_error(
                "kpis", owner, "a KPI frame from compute_kpis", f"a frame without {sorted(missing)}"
            )
        sel = kpis[(kpis["kpi"] == kpi) & (kpis["period_type"] == periods[0].kind)]
        have = set(sel["period"].astype(str))
        absent = [str(p) for p in periods if str(p) not in have]
        if absent:
            raise ParamsError(
                f"The 'kpis' parameter of {owner} must hold {kpi} for {', '.join(str(p) for p in periods)}. "
                f"Got a frame without {', '.join(absent)} instead (compute it with "
                "compute_kpis(ds, period=None) or pass only ds)."
            )
        return sel[sel["period"].astype(str).isin([str(p) for p in periods])]
    if ds is None:
        raise param_error("ds", owner, "a Dataset (or give kpis)", None)
    # All levels: the engine's GROUPING SETS query needs staff, branch and region together.
    frames = [
        compute_kpis(ds, period=p, options=options, levels=LEVELS, period_types=(p.kind,), kpis=[kpi])
        for p in periods
    ]
    return pd.concat(frames, ignore_index=True)


def _restrict(frame: pd.DataFrame, level: str, branch_id: str | None) -> pd.DataFrame:
    sel = frame[frame["level"] == level]
    if branch_id is not None:
        sel = sel[sel["branch_id"] == branch_id]
    return sel


def _all_entities(ds: Dataset | None, level: str) -> list[str]:
    """Entities that exist even without data in the periods (branches, regions, the bank)."""
    if level == "bank":
        return [BANK_ID]
    if ds is None or level == "staff" or not ds.has("branches"):
        return []
    col = "branch_id" if level == "branch" else "region"
    return [str(v) for v in ds.sql(f"SELECT DISTINCT {col} AS e FROM branches WHERE {col} IS NOT NULL")["e"]]


def _universe(
    found: Iterable[str], ds: Dataset | None, level: str, entities: Sequence[str] | None
) -> list[str]:
    if entities is not None:
        return [str(e) for e in entities]
    return sorted(set(map(str, found)) | set(_all_entities(ds, level)))


def _rate_input(sel: pd.DataFrame, before: Period, after: Period, kpi: str, owner: str) -> pd.DataFrame:
    """Per-entity ``x_before, n_before, x_after, n_after`` from KPI-frame rows."""
    for col in ("numerator", "denominator"):
        v = sel[col].astype(float).to_numpy()
        v = v[np.isfinite(v)]
        if (v != np.round(v)).any() or (v < 0).any():
            raise ParamsError(
                f"The 'kpi' parameter of {owner} must be a rate of counts for a binomial test. "
                f"Got {kpi!r} whose {col} is not a count instead."
            )
    wide = {}
    for tag, p in (("before", before), ("after", after)):
        rows = sel[sel["period"].astype(str) == str(p)]
        g = rows.groupby(rows["entity_id"].astype(str))[["numerator", "denominator"]].sum()
        wide[f"x_{tag}"] = g["numerator"]
        wide[f"n_{tag}"] = g["denominator"]
    return pd.DataFrame(wide)


def _raw_scores(
    ds: Dataset,
    kpi: str,
    level: str,
    before: Period,
    after: Period,
    branch_id: str | None,
    owner: str,
) -> pd.DataFrame:
    """Individual observations of a mean/ordinal KPI: columns ``entity, which, v``."""
    spec = _RAW[kpi]
    if not ds.has(spec.table):
        raise InsufficientSampleError(f"{owner}: the dataset has no table '{spec.table}' for {kpi}.")
    joins = []
    need_staff = not spec.has_branch or level == "staff"
    if need_staff and spec.has_staff:
        joins.append("LEFT JOIN staff st ON st.staff_id = r.staff_id")
    branch = "r.branch_id" if spec.has_branch else "st.branch_id"
    if level == "region":
        joins.append(f"LEFT JOIN branches br ON br.branch_id = {branch}")
    entity = {"staff": "r.staff_id", "branch": branch, "region": "br.region", "bank": f"'{BANK_ID}'"}[level]
    date = f"r.{spec.date}"

    def inside(p: Period) -> str:
        return f"({date} >= TIMESTAMP '{p.start}' AND {date} < TIMESTAMP '{p.end}')"

    where = [spec.where, f"({inside(before)} OR {inside(after)})", f"{entity} IS NOT NULL"]
    params: list[Any] = []
    if branch_id is not None:
        where.append("st.branch_id = ?")  # the staff member's home branch, as in the KPI frame
        params.append(branch_id)
    sql = (
        f"SELECT CAST({entity} AS VARCHAR) AS entity, "
        f"CASE WHEN {inside(after)} THEN 'after' ELSE 'before' END AS which, "
        f"CAST({spec.value} AS DOUBLE) AS v FROM {spec.table} r {' '.join(joins)} "
        f"WHERE {' AND '.join(where)}"
    )
    return ds.sql(sql, params or None)


def _score_input(raw: pd.DataFrame) -> pd.DataFrame:
    """Per-entity score arrays (``scores_before``, ``scores_after``) from raw rows."""
    groups = {key: g["v"].to_numpy(dtype=float) for key, g in raw.groupby(["entity", "which"], sort=False)}
    ents = sorted(set(raw["entity"]))
    return pd.DataFrame(
        {
            "scores_before": [groups.get((e, "before"), np.empty(0)) for e in ents],
            "scores_after": [groups.get((e, "after"), np.empty(0)) for e in ents],
        },
        index=pd.Index(ents, dtype=object),
    )


def _result_from_row(row: Mapping[str, Any]) -> ChangeTestResult:
    """Rebuild the :class:`ChangeTestResult` of one ``compare_many`` row (every field is a column)."""
    kw: dict[str, Any] = {}
    for f in fields(ChangeTestResult):
        v = row[f.name]
        if f.name == "notes":
            v = tuple(s for s in str(v).split("; ") if s) if isinstance(v, str) else ()
        elif f.name in ("n_before", "n_after", "n_comparisons"):
            v = int(v)
        elif isinstance(v, np.generic):
            v = v.item()
        kw[f.name] = v
    return ChangeTestResult(**kw)


# =========================================================================== result


@dataclass(frozen=True, slots=True, eq=False)
class ChangesResult:
    """Before/after comparisons of one KPI for many entities, with multiplicity control.

    Attributes
    ----------
    kpi : str
        KPI compared (a key of ``KPI_CATALOGUE``).
    test : {"rate", "mean", "ordinal"}
        Test family used (``KPI_CATALOGUE[kpi].test``).
    level : {"staff", "branch", "region", "bank"}
    branch_id : str or None
        Branch whose staff were compared (``level="staff"``), else None.
    period_before, period_after : str
        Periods compared (``diff`` is always after - before).
    against : {"previous", "last_year"}
    correction : str
        Multiple-testing correction over the entities (``"fdr_bh"``, ``"holm"``...).
    alpha : float
        Level of each test and of the correction.
    lang : {"en", "zh"}
        Language of :meth:`summary` by default.
    results : mapping str -> ChangeTestResult
        One result per entity, carrying its adjusted p-value.
    table : DataFrame
        The tidy frame returned (as a copy) by :meth:`to_frame`.
    """

    kpi: str
    test: str
    level: str
    branch_id: str | None
    period_before: str
    period_after: str
    against: str
    correction: str
    alpha: float
    lang: str
    results: Mapping[str, ChangeTestResult]
    table: pd.DataFrame

    @property
    def n_comparisons(self) -> int:
        """Number of testable comparisons the correction was applied over."""
        return int(np.isfinite(self.table["pvalue"].to_numpy(dtype=float)).sum())

    def to_frame(self) -> pd.DataFrame:
        """Return one row per entity (columns :data:`CHANGE_COLUMNS`).

        ``before``/``after`` are the period rates (a proportion) or mean scores,
        ``diff`` the change after - before on the scale of the test (for ordinal KPIs the
        probability ``P(after > before) + 0.5 P(tie)``), ``ci_low``/``ci_high`` its
        per-comparison ``1 - alpha`` interval, ``p_adjusted`` the multiplicity-adjusted
        p-value that ``flag`` (``"up"``, ``"down"``, ``"ns"``, ``"inconclusive"``,
        ``"no_data"``, ``"untestable"``) and the verdicts use, ``improved`` whether a
        flagged change goes the KPI's better way (NA when not flagged) and ``mdc`` the
        minimum detectable change at 80 % power.
        """
        return self.table.copy()

    def flagged(self) -> pd.DataFrame:
        """Rows whose change is significant after the correction (``flag`` up or down)."""
        out = self.table[self.table["flag"].isin(["up", "down"])]
        return out.reset_index(drop=True)

    def for_entity(self, entity_id: str) -> ChangeTestResult:
        """The full :class:`~bankperf_analysis.significance.compare.ChangeTestResult` of one entity."""
        try:
            return self.results[str(entity_id)]
        except KeyError:
            raise param_error(
                "entity_id", "ChangesResult.for_entity", f"one of {', '.join(self.results)}", entity_id
            ) from None

    def summary(self, lang: Lang | None = None) -> Summary:
        """Return a notebook-friendly summary (``as_text``, ``as_html``, ``_repr_html_``)."""
        lang = check_lang(self.lang if lang is None else lang)
        h = _HEAD[lang]
        tab = self.table
        scale = 100.0 if self.test == "rate" else 1.0
        digits = 1 if self.test == "rate" else 2

        def num(v: float) -> str:
            return "" if not math.isfinite(v) else f"{v * scale:.{digits}f}"

        def ci(lo: float, hi: float) -> str:
            if not (math.isfinite(lo) or math.isfinite(hi)):
                return ""
            return f"{num(lo) or '-inf'}{h['to']}{num(hi) or 'inf'}"

        frame = pd.DataFrame(
            {
                h["entity"]: tab["entity"],
                h["before"]: [num(v) for v in tab["before"]],
                h["after"]: [num(v) for v in tab["after"]],
                h["diff"]: [num(v) for v in tab["diff"]],
                h["ci"]: [ci(lo, hi) for lo, hi in zip(tab["ci_low"], tab["ci_high"], strict=True)],
                h["p"]: [f"{p:.3g}" if math.isfinite(p) else "" for p in tab["p_adjusted"]],
                h["flag"]: tab["flag"],
                h["verdict"]: tab[f"verdict_{lang}"],
            }
        )
        counts = tab["flag"].value_counts()
        title = h["title"].format(
            label=kpi_label(self.kpi, lang),
            after=self.period_after,
            before=self.period_before,
            level=h["level"][self.level] + (f" {self.branch_id}" if self.branch_id else ""),
            m=self.n_comparisons,
            corr=h["corr"].get(self.correction, self.correction),
        )
        note = h["count"].format(
            up=int(counts.get("up", 0)),
            down=int(counts.get("down", 0)),
            inc=int(counts.get("inconclusive", 0)),
            ns=int(counts.get("ns", 0)),
            nd=int(counts.get("no_data", 0) + counts.get("untestable", 0)),
        )
        unit = {"rate": "percentage points", "mean": "points", "ordinal": "P(after > before) + 0.5 P(tie)"}
        unit_zh = {"rate": "个百分点", "mean": "分", "ordinal": "P(本期 > 上期) + 0.5 P(平局)"}
        scale_note = (unit if lang == "en" else unit_zh)[self.test]
        return Summary(title, frame, [note, f"({scale_note})"])

    def __repr__(self) -> str:
        return (
            f"ChangesResult(kpi={self.kpi!r}, level={self.level!r}, {self.period_after} vs "
            f"{self.period_before}, entities={len(self.table)}, flagged={len(self.flagged())})"
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()


# =========================================================================== changes


def kpi_changes(
    ds: Dataset | None,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    against: Against = "previous",
    level: ChangeLevel = "branch",
    entities: Sequence[str] | None = None,
    branch_id: str | None = None,
    correction: Correction = "fdr_bh",
    alpha: float = 0.05,
    kpis: pd.DataFrame | None = None,
    options: MetricOptions | None = None,
    lang: Lang = "en",
    **compare_kwargs: Any,
) -> ChangesResult:
    """Test, entity by entity, whether a KPI changed since the previous period.

    For each entity (branch, staff member, region or the bank) tests H0: the KPI is the
    same in ``quarter`` as in the comparison period, against the two-sided H1 that it
    differs (pass ``alternative="larger"`` for H1: higher in ``quarter``, ``"smaller"``
    for H1: lower), then adjusts the p-values over the entities. The test follows
    ``KPI_CATALOGUE[kpi].test``:

    * ``"rate"``: :func:`~bankperf_analysis.significance.compare.compare_rates` on the KPI
      frame's ``numerator`` (successes) and ``denominator`` (trials);
    * ``"mean"``: :func:`~bankperf_analysis.significance.compare.compare_means` (Welch) on the
      individual observations read from the dataset;
    * ``"ordinal"``: :func:`~bankperf_analysis.significance.compare.compare_ordinal`
      (proportional odds) on the individual 1-5 scores.

    Parameters
    ----------
    ds : Dataset or None
        The dataset. May be None for a rate KPI when ``kpis`` is given.
    kpi : str, default "satisfaction_rate"
        A KPI of :func:`change_test_kinds`.
    quarter : str or Period, optional
        The period examined (``"2026Q4"``; a month or year works too). Default: the
        latest quarter with data.
    against : {"previous", "last_year"}, default "previous"
        Compare with the period just before, or the same period one year earlier.
    level : {"staff", "branch", "region", "bank"}, default "branch"
    entities : sequence of str, optional
        Compare only these entities (ids absent from the data get a "no data" row).
        Default: every entity with data in either period, plus every branch (region) of
        the ``branches`` table at those levels.
    branch_id : str, optional
        With ``level="staff"``: compare only the staff whose home branch this is.
    correction : {"fdr_bh", "holm", "bonferroni", "none"}, default "fdr_bh"
        Benjamini-Hochberg (false discovery rate) or Holm (family-wise error rate) over
        the entities with a testable comparison.
    alpha : float, default 0.05
    kpis : DataFrame, optional
        A KPI frame from :func:`~bankperf_analysis.metrics.compute.compute_kpis` holding both
        periods, to reuse instead of recomputing (rate KPIs only use it).
    options : MetricOptions, optional
        KPI definitions (satisfied threshold...) used when the KPI frame is computed here.
    lang : {"en", "zh"}, default "en"
        Language of :meth:`ChangesResult.summary`; both verdict columns are always filled.
    **compare_kwargs :
        Passed to the comparison (``alternative``, ``power``, ``relevant_change``...).

    Returns
    -------
    ChangesResult

    Raises
    ------
    ParamsError
        Unknown or untestable KPI, bad option, ``branch_id`` without ``level="staff"``,
        a branch-only KPI at staff level, or a ``kpis`` frame lacking a period.
    InsufficientSampleError
        No entity to compare (e.g. a branch without staff).
    """
    owner = "kpi_changes"
    kpi = _check_kpi(kpi, owner)
    against = check_literal(against, "against", owner, get_args(Against))
    level = check_literal(level, "level", owner, get_args(ChangeLevel))
    correction = check_literal(correction, "correction", owner, get_args(Correction))
    alpha = check_unit_open(alpha, "alpha", owner)
    lang = check_lang(lang)
    if ds is not None and not isinstance(ds, Dataset):
        raise param_error("ds", owner, "a Dataset from load_dataset", type(ds).__name__)
    if branch_id is not None and level != "staff":
        raise param_error("branch_id", owner, "None unless level='staff'", branch_id)
    if level == "staff" and not KPI_CATALOGUE[kpi].staff_level:
        raise param_error("level", owner, f"not 'staff' for the branch-level KPI {kpi}", level)
    if entities is not None and (isinstance(entities, str) or not len(entities)):
        raise param_error("entities", owner, "a non-empty sequence of entity ids", entities)
    if quarter is None:
        quarter = _latest_period(ds, kpis, kpi, owner)
    before, after = _periods(quarter, against)
    test = change_test_kinds()[kpi]

    if test == "rate":
        sel = _restrict(_kpi_frame(ds, kpis, kpi, (before, after), options, owner), level, branch_id)
        data = _rate_input(sel, before, after, kpi, owner)
    else:
        if ds is None:
            raise param_error("ds", owner, f"a Dataset: {kpi} is tested on individual scores", None)
        if level == "staff" and not ds.has("staff"):
            raise InsufficientSampleError(f"{owner}: level='staff' needs the 'staff' table.")
        data = _score_input(_raw_scores(ds, kpi, level, before, after, branch_id, owner))
    names = _universe(data.index, ds if branch_id is None else None, level, entities)
    if not names:
        where = f" of branch {branch_id}" if branch_id else ""
        raise InsufficientSampleError(
            f"{owner}: no {level} entity{where} has {kpi} data in {before} or {after}."
        )
    data = data.reindex(names)
    if test != "rate":
        empty = np.empty(0)
        for col in ("scores_before", "scores_after"):
            data[col] = [v if isinstance(v, np.ndarray) else empty for v in data[col]]
    data = data.rename_axis("entity").reset_index()

    label = {lg: kpi_label(kpi, lg) for lg in ("en", "zh")}
    kw = dict(compare_kwargs)
    if test == "ordinal":
        kw.setdefault("levels", _ORDINAL_LEVELS.get(kpi))
    many = compare_many(data, test, correction=correction, alpha=alpha, kpi_label=label, **kw)
    results = {str(r["entity"]): _result_from_row(r) for r in many.to_dict("records")}

    better = KPI_CATALOGUE[kpi].direction == "higher"
    flag = many["flag"]
    improved = pd.array(
        [(f == "up") == better if f in ("up", "down") else pd.NA for f in flag], dtype="boolean"
    )
    table = pd.DataFrame(
        {
            "entity": many["entity"].astype(str),
            "kpi": kpi,
            "period_before": str(before),
            "period_after": str(after),
            "before": many["estimate_before"].astype(float),
            "after": many["estimate_after"].astype(float),
            "diff": many["diff"].astype(float),
            "ci_low": many["ci_low"].astype(float),
            "ci_high": many["ci_high"].astype(float),
            "pvalue": many["pvalue"].astype(float),
            "p_adjusted": many["pvalue_adjusted"].astype(float),
            "flag": flag.astype(str),
            "improved": improved,
            "verdict_en": many["verdict_en"],
            "verdict_zh": many["verdict_zh"],
            "n_before": many["n_before"].astype("int64"),
            "n_after": many["n_after"].astype("int64"),
            "method": many["method"],
            "mdc": many["mdc"].astype(float),
            "statistic": many["statistic"].astype(float),
            "alpha": alpha,
        },
        columns=list(CHANGE_COLUMNS),
    )
    return ChangesResult(
        kpi=kpi,
        test=test,
        level=level,
        branch_id=branch_id,
        period_before=str(before),
        period_after=str(after),
        against=against,
        correction=correction,
        alpha=alpha,
        lang=lang,
        results=results,
        table=table,
    )


# =========================================================================== league


def _league_counts(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str,
    quarter: str | Period | None,
    level: str,
    branch_id: str | None,
    options: MetricOptions | None,
    owner: str,
) -> tuple[pd.DataFrame, str]:
    kpi = _check_kpi(kpi, owner)
    if change_test_kinds()[kpi] != "rate":
        raise param_error("kpi", owner, "a rate KPI (league tables shrink binomial rates)", kpi)
    level = check_literal(level, "level", owner, ("staff", "branch", "region"))
    if branch_id is not None and level != "staff":
        raise param_error("branch_id", owner, "None unless level='staff'", branch_id)
    if isinstance(ds_or_kpis, pd.DataFrame):
        ds, kpis = None, ds_or_kpis
    elif isinstance(ds_or_kpis, Dataset):
        ds, kpis = ds_or_kpis, None
    else:
        raise param_error("ds_or_kpis", owner, "a Dataset or a KPI frame", type(ds_or_kpis).__name__)
    if quarter is None:
        quarter = _latest_period(ds, kpis, kpi, owner)
    p = Period.parse(quarter)
    sel = _restrict(_kpi_frame(ds, kpis, kpi, (p,), options, owner), level, branch_id)
    counts = _rate_input(sel, p, p, kpi, owner)[["x_after", "n_after"]]
    names = _universe(counts.index, ds if branch_id is None else None, level, None)
    counts = counts.reindex(names).fillna(0.0)
    if not len(counts):
        raise InsufficientSampleError(f"{owner}: no {level} entity has {kpi} data in {p}.")
    return counts.rename(columns={"x_after": "x", "n_after": "n"}), str(p)


def league_table(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    interval: float = 0.95,
    funnel_levels: Sequence[float] = (0.95, 0.998),
    overdispersion: Overdispersion = "multiplicative",
    target: float | None = None,
) -> pd.DataFrame:
    """A fair league table of a rate KPI: raw and shrunk rates, both ranks, funnel position.

    A small branch's raw rate is noisy, so ranking on it rewards luck. Each entity's rate
    is also shown shrunk towards the common rate by empirical Bayes (beta-binomial,
    :func:`~bankperf_analysis.significance.compare.shrink_rates`): the fewer its surveys, the
    stronger the pull, and the wider its interval. The funnel columns
    (:func:`~bankperf_analysis.significance.compare.funnel_data`, Spiegelhalter 2005) say whether
    the raw rate lies outside the limits expected from sampling noise around the common
    rate (H0: the entity's true rate equals the centre line), widened for over-dispersion
    when the entities vary more than noise allows.

    Parameters
    ----------
    ds_or_kpis : Dataset or DataFrame
        The dataset, or a KPI frame from :func:`~bankperf_analysis.metrics.compute.compute_kpis`
        holding the period.
    kpi : str, default "satisfaction_rate"
        A rate KPI of :func:`change_test_kinds`.
    quarter : str or Period, optional
        Period ranked (default: the latest quarter with data).
    level : {"staff", "branch", "region"}, default "branch"
    branch_id : str, optional
        With ``level="staff"``: rank the staff of this home branch only.
    options : MetricOptions, optional
        KPI definitions when the KPI frame is computed here.
    interval : float, default 0.95
        Coverage of the shrunk-rate (posterior) interval.
    funnel_levels : sequence of float, default (0.95, 0.998)
        Coverage of the funnel limits.
    overdispersion : {"multiplicative", "additive", "none"}, default "multiplicative"
    target : float, optional
        Funnel centre line (e.g. the 0.85 branch target); default the pooled rate.

    Returns
    -------
    DataFrame
        One row per entity, best shrunk rate first: ``entity, kpi, period, x, n, rate``
        (raw), ``shrunk_rate, ci_low, ci_high`` (posterior mean and interval),
        ``weight_data`` (weight of the entity's own data), ``rank_raw, rank_shrunk``
        (1 = best, honouring the KPI's direction), ``funnel_z, funnel_z_adjusted``,
        ``lower_<L>, upper_<L>`` funnel limits per level (``lower_95``, ``upper_99_8``),
        ``band`` and one ``outside_<L>`` flag per level. ``DataFrame.attrs`` carries the
        funnel centre (``target``), ``phi``, ``funnel_adjusted``, ``prior_mean`` and
        ``prior_strength``.
    """
    owner = "league_table"
    counts, period = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, owner)
    interval = check_unit_open(interval, "interval", owner)
    labels = counts.index.tolist()
    x, n = counts["x"].to_numpy(), counts["n"].to_numpy()
    higher = KPI_CATALOGUE[kpi].direction == "higher"
    shrunk = shrink_rates(x, n, labels=labels, level=interval, higher_is_better=higher)
    funnel = funnel_data(
        x, n, labels=labels, levels=funnel_levels, overdispersion=overdispersion, target=target
    )
    s = shrunk.table
    f = funnel.table
    out = pd.DataFrame(
        {
            "entity": [str(e) for e in labels],
            "kpi": kpi,
            "period": period,
            "x": s["x"].to_numpy(),
            "n": s["n"].to_numpy(),
            "rate": s["raw_rate"].to_numpy(),
            "shrunk_rate": s["shrunk_rate"].to_numpy(),
            "ci_low": s["ci_low"].to_numpy(),
            "ci_high": s["ci_high"].to_numpy(),
            "weight_data": s["weight_data"].to_numpy(),
            "rank_raw": s["raw_rank"].to_numpy(),
            "rank_shrunk": s["rank"].to_numpy(),
            "funnel_z": f["z"].to_numpy(),
            "funnel_z_adjusted": f["z_adjusted"].to_numpy(),
        }
    )
    limit_cols = [c for c in f.columns if c.startswith(("lower_", "upper_"))]
    for c in limit_cols:
        out[c] = f[c].to_numpy()
    out["band"] = f["band"].to_numpy()
    for c in (c for c in limit_cols if c.startswith("lower_")):
        key = c.removeprefix("lower_")
        out[f"outside_{key}"] = (out["rate"] < out[c]) | (out["rate"] > out[f"upper_{key}"])
    out = out.sort_values(["rank_shrunk", "entity"], kind="stable").reset_index(drop=True)
    out.attrs.update(
        target=funnel.target,
        phi=funnel.phi,
        funnel_adjusted=funnel.adjusted,
        prior_mean=shrunk.prior_mean,
        prior_strength=shrunk.prior_strength,
    )
    return out


def league_funnel(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    **funnel_kwargs: Any,
) -> FunnelResult:
    """Funnel-plot data of a rate KPI (:func:`~bankperf_analysis.significance.compare.funnel_data`)."""
    counts, _ = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, "league_funnel")
    return funnel_data(
        counts["x"].to_numpy(), counts["n"].to_numpy(), labels=counts.index.tolist(), **funnel_kwargs
    )


def league_funnel_plot(
    ds_or_kpis: Dataset | pd.DataFrame,
    kpi: str = "satisfaction_rate",
    quarter: str | Period | None = None,
    *,
    level: Literal["staff", "branch", "region"] = "branch",
    branch_id: str | None = None,
    options: MetricOptions | None = None,
    lang: Lang = "en",
    ax: Axes | None = None,
    title: str | None = None,
    **funnel_kwargs: Any,
) -> Figure:
    """Funnel plot of a rate KPI per entity; returns the matplotlib Figure.

    Delegates to :func:`~bankperf_analysis.significance.compare.funnel_plot`; ``funnel_kwargs``
    go to :func:`~bankperf_analysis.significance.compare.funnel_data` (``target``, ``levels``,
    ``overdispersion``...). The default title names the KPI and period in ``lang``.
    """
    lang = check_lang(lang)
    owner = "league_funnel_plot"
    counts, period = _league_counts(ds_or_kpis, kpi, quarter, level, branch_id, options, owner)
    funnel = funnel_data(
        counts["x"].to_numpy(), counts["n"].to_numpy(), labels=counts.index.tolist(), **funnel_kwargs
    )
    if title is None:
        title = f"{kpi_label(kpi, lang)} — {period}"
    return funnel_plot(funnel, lang=lang, ax=ax, title=title)

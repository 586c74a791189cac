"""KPI changes between periods, entity by entity, straight from a dataset.

:func:`kpi_changes` compares one KPI between a period and the previous one (or the same
period last year) for every branch, every staff member of a branch, every region or the
whole bank, with the test that the KPI's type needs (``KPI_CATALOGUE[kpi].test``; where
the data come from: :mod:`~bankperf_analysis.significance._sources`) and a
multiple-testing correction over the entities (:func:`~bankperf_analysis.significance.multiple.compare_many`).
It returns a :class:`ChangesResult`. Fair league tables of a dataset are in
:mod:`~bankperf_analysis.significance.league_table`.

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, Literal, cast

import numpy as np
import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice, check_unit_interval, param_error
from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.exceptions import InsufficientSampleError
from bankperf_analysis.i18n import check_lang, kpi_label
from bankperf_analysis.metrics import KPI_CATALOGUE, MetricOptions
from bankperf_analysis.periods import Period
from bankperf_analysis.significance._sources import (
    ORDINAL_LEVELS,
    change_test_kinds,
    check_kpi,
    kpi_frame,
    latest_period,
    periods,
    rate_input,
    raw_scores,
    restrict,
    score_input,
    universe,
)
from bankperf_analysis.significance.compare import KpiKind
from bankperf_analysis.significance.multiple import Correction, compare_many
from bankperf_analysis.significance.result import ChangeTestResult, Lang

__all__ = [
    "Against",
    "CHANGE_COLUMNS",
    "ChangeLevel",
    "ChangesResult",
    "kpi_changes",
]

Against = Literal["previous", "last_year"]
ChangeLevel = Literal["staff", "branch", "region", "bank"]

_HEAD: dict[str, dict[str, Any]] = {
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
        """The full :class:`~bankperf_analysis.significance.result.ChangeTestResult` of one entity."""
        try:
            return self.results[str(entity_id)]
        except KeyError:
            raise param_error(
                "entity_id", "ChangesResult.for_entity", f"one of {', '.join(self.results)}", entity_id
            ) from None

    def summary(self, lang: Lang | None = None) -> Summary:
        """Return a notebook-friendly summary (``as_text``, ``as_html``, ``_repr_html_``)."""
        lg = check_lang(self.lang if lang is None else lang)
        h = _HEAD[lg]
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
                h["verdict"]: tab[f"verdict_{lg}"],
            }
        )
        counts = tab["flag"].value_counts()
        title = h["title"].format(
            label=kpi_label(self.kpi, lg),
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
        scale_note = (unit if lg == "en" else unit_zh)[self.test]
        return Summary(title, frame, [note, f"({scale_note})"])

    def __repr__(self) -> str:
        return (
            f"ChangesResult(kpi={self.kpi!r}, level={self.level!r}, {self.period_after} vs "
            f"{self.period_before}, entities={len(self.table)}, flagged={len(self.flagged())})"
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()


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
        Passed to the comparison (``alternative``, ``power``, ``relevant_change``...);
        ``score_correction=False`` selects the uncorrected rate score test (see
        :func:`~bankperf_analysis.significance.multiple.compare_many`).

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
    req = _request(ds, kpi, quarter, against, level, entities, branch_id, correction, alpha, kpis, lang)
    many = _compare_entities(req, _entity_data(req, ds, kpis, options), compare_kwargs)
    return _changes_result(req, many)


@dataclass(frozen=True, slots=True)
class _Request:
    """A validated :func:`kpi_changes` call: what is compared, between which periods."""

    kpi: str
    test: str
    against: str
    level: str
    entities: Sequence[str] | None
    branch_id: str | None
    correction: str
    alpha: float
    lang: str
    before: Period
    after: Period


def _request(
    ds: Any,
    kpi: Any,
    quarter: Any,
    against: Any,
    level: Any,
    entities: Any,
    branch_id: Any,
    correction: Any,
    alpha: Any,
    kpis: pd.DataFrame | None,
    lang: Any,
) -> _Request:
    """Validate the arguments of :func:`kpi_changes`; settle the periods compared."""
    owner = "kpi_changes"
    kpi = check_kpi(kpi, owner)
    against = check_choice(against, "against", owner, Against)
    level = check_choice(level, "level", owner, ChangeLevel)
    correction = check_choice(correction, "correction", owner, Correction)
    alpha = check_unit_interval(alpha, "alpha", owner)
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
        quarter = latest_period(ds, kpis, kpi, owner)
    before, after = periods(quarter, against)
    test = change_test_kinds()[kpi]
    return _Request(kpi, test, against, level, entities, branch_id, correction, alpha, lang, before, after)


def _entity_data(
    req: _Request, ds: Dataset | None, kpis: pd.DataFrame | None, options: MetricOptions | None
) -> pd.DataFrame:
    """One row per entity compared: its counts (rates) or its score arrays (means, ordinal)."""
    owner = "kpi_changes"
    kpi, level, before, after = req.kpi, req.level, req.before, req.after
    if req.test == "rate":
        sel = restrict(kpi_frame(ds, kpis, kpi, (before, after), options, owner), level, req.branch_id)
        data = rate_input(sel, before, after, kpi, owner)
    else:
        if ds is None:
            raise param_error("ds", owner, f"a Dataset: {kpi} is tested on individual scores", None)
        if level == "staff" and not ds.has("staff"):
            raise InsufficientSampleError(f"{owner}: level='staff' needs the 'staff' table.")
        data = score_input(raw_scores(ds, kpi, level, before, after, req.branch_id, owner, options))
    names = universe(data.index, ds if req.branch_id is None else None, level, req.entities)
    if not names:
        where = f" of branch {req.branch_id}" if req.branch_id else ""
        raise InsufficientSampleError(
            f"{owner}: no {level} entity{where} has {kpi} data in {before} or {after}."
        )
    data = data.reindex(names)
    if req.test != "rate":
        empty = np.empty(0)
        for col in ("scores_before", "scores_after"):
            data[col] = [v if isinstance(v, np.ndarray) else empty for v in data[col]]
    return data.rename_axis("entity").reset_index()


def _compare_entities(req: _Request, data: pd.DataFrame, compare_kwargs: Mapping[str, Any]) -> pd.DataFrame:
    """The comparisons of every entity, adjusted for multiplicity (:func:`compare_many`)."""
    label = {lg: kpi_label(req.kpi, lg) for lg in ("en", "zh")}
    kw = dict(compare_kwargs)
    if req.test == "ordinal":
        kw.setdefault("levels", ORDINAL_LEVELS.get(req.kpi))
    kind = cast(KpiKind, req.test)
    return compare_many(
        data, kind, correction=cast(Correction, req.correction), alpha=req.alpha, kpi_label=label, **kw
    )


def _changes_result(req: _Request, many: pd.DataFrame) -> ChangesResult:
    """The :class:`ChangesResult`: per-entity results and the tidy table (``CHANGE_COLUMNS``)."""
    results = {str(r["entity"]): _result_from_row(r) for r in many.to_dict("records")}
    better = KPI_CATALOGUE[req.kpi].direction == "higher"
    flag = many["flag"]
    improved = pd.array(
        [(f == "up") == better if f in ("up", "down") else pd.NA for f in flag], dtype="boolean"
    )
    table = pd.DataFrame(
        {
            "entity": many["entity"].astype(str),
            "kpi": req.kpi,
            "period_before": str(req.before),
            "period_after": str(req.after),
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
            "alpha": req.alpha,
        },
        columns=list(CHANGE_COLUMNS),
    )
    return ChangesResult(
        kpi=req.kpi,
        test=req.test,
        level=req.level,
        branch_id=req.branch_id,
        period_before=str(req.before),
        period_after=str(req.after),
        against=req.against,
        correction=req.correction,
        alpha=req.alpha,
        lang=req.lang,
        results=results,
        table=table,
    )

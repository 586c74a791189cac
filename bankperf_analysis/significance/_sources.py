"""Where the change tests and league tables of a dataset get their data.

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
hours) have no change test and are refused with a
:class:`~bankperf_analysis.exceptions.ParamsError`. Used by
:mod:`~bankperf_analysis.significance.changes` and
:mod:`~bankperf_analysis.significance.league_table`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from bankperf_analysis._validation import param_error
from bankperf_analysis.dataset.load import Dataset
from bankperf_analysis.dataset.schema import CONTRACT
from bankperf_analysis.exceptions import InsufficientSampleError, ParamsError
from bankperf_analysis.kpis import ordinal_levels
from bankperf_analysis.metrics import LEVELS, MetricOptions, compute_kpis
from bankperf_analysis.metrics.catalogue import BANK_ID, KPI_CATALOGUE
from bankperf_analysis.periods import Period

__all__ = [
    "ORDINAL_LEVELS",
    "change_test_kinds",
    "check_kpi",
    "latest_period",
    "periods",
    "kpi_frame",
    "restrict",
    "universe",
    "rate_input",
    "raw_scores",
    "score_input",
]


@dataclass(frozen=True, slots=True)
class _Raw:
    """The SQL selecting the individual observations of a mean/ordinal KPI (alias ``r``).

    Its table is the KPI's (:data:`~bankperf_analysis.kpis.KPIS`); the column dating a row
    and whether the table carries ``branch_id`` / ``staff_id`` come from the data contract.
    """

    value: str  # SQL expression on alias ``r``
    where: str  # SQL filter on alias ``r`` (a contact KPI adds its channel scope)

    @staticmethod
    def table(kpi: str) -> str:
        return KPI_CATALOGUE[kpi].table

    @staticmethod
    def date(kpi: str) -> str:
        return CONTRACT[KPI_CATALOGUE[kpi].table].period_columns[0]

    @staticmethod
    def has(kpi: str, column: str) -> bool:
        return column in CONTRACT[KPI_CATALOGUE[kpi].table].column_names


_WAIT = "epoch(r.answer_ts) - epoch(r.arrival_ts)"
#: The observations of each KPI with a mean or ordinal test: SQL, as the engine computes them.
_RAW: dict[str, _Raw] = {
    "onsite_survey_score": _Raw("r.score", "r.channel = 'on_site'"),
    "callback_survey_score": _Raw("r.score", "r.channel = 'phone_callback'"),
    "response_time_seconds": _Raw(_WAIT, "r.answer_ts IS NOT NULL"),
    "queue_wait_seconds": _Raw(_WAIT, "r.answer_ts IS NOT NULL"),
    "complaint_resolution_score": _Raw("r.resolution_score", "r.resolution_score IS NOT NULL"),
    "dress_score": _Raw("r.score", "r.aspect = 'dress'"),
    "manner_score": _Raw("r.score", "r.aspect = 'manner'"),
    "training_exam_score": _Raw("r.exam_score", "r.exam_score IS NOT NULL"),
    "service_quality_score": _Raw("r.score", "r.dimension = 'service_quality'"),
    "teamwork_score": _Raw("r.score", "r.dimension = 'teamwork'"),
    "mystery_shopper_score": _Raw("r.score", "r.method = 'on_site'"),
    "video_check_score": _Raw("r.score", "r.method = 'video'"),
}

#: Score levels of the ordinal KPIs (their integer range in the catalogue).
ORDINAL_LEVELS = {k: lv for k in KPI_CATALOGUE if (lv := ordinal_levels(k)) is not None}


def change_test_kinds() -> dict[str, str]:
    """KPIs :func:`kpi_changes` can test, mapped to the test used (``"rate"``, ``"mean"``, ``"ordinal"``)."""
    out = {}
    for name, k in KPI_CATALOGUE.items():
        if k.test == "rate" and k.binomial:
            out[name] = "rate"
        elif k.test in ("mean", "ordinal") and name in _RAW:
            out[name] = k.test
    return out


def check_kpi(kpi: Any, owner: str) -> str:
    """Return ``kpi`` if it has a change test (ParamsError saying why not otherwise)."""
    if not isinstance(kpi, str) or kpi not in KPI_CATALOGUE:
        raise param_error("kpi", owner, "a KPI of KPI_CATALOGUE", kpi)
    ok = change_test_kinds()
    if kpi not in ok:
        k = KPI_CATALOGUE[kpi]
        why = (
            "a count has no before/after test here"
            if k.test == "count"
            else "its numerator and denominator are not counts of the same units"
            if not k.binomial
            else "it has no observation-level data to test"
        )
        raise ParamsError(
            f"The 'kpi' parameter of {owner} must be a KPI with a change test ({', '.join(ok)}). "
            f"Got {kpi!r} instead ({why})."
        )
    return kpi


def latest_period(ds: Dataset | None, kpis: pd.DataFrame | None, kpi: str, owner: str) -> str:
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


def periods(quarter: Any, against: str) -> tuple[Period, Period]:
    """The periods compared: ``quarter`` and the one before it, or the same one a year earlier."""
    after = Period.parse(quarter)
    before = after.previous() if against == "previous" else after.same_period_last_year()
    return before, after


def kpi_frame(
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


def restrict(frame: pd.DataFrame, level: str, branch_id: str | None) -> pd.DataFrame:
    """Rows of one level (and, for staff, one home branch)."""
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


def universe(
    found: Iterable[str], ds: Dataset | None, level: str, entities: Sequence[str] | None
) -> list[str]:
    """Entities compared: those asked for, else those with data plus those of the dataset."""
    if entities is not None:
        return [str(e) for e in entities]
    return sorted(set(map(str, found)) | set(_all_entities(ds, level)))


def rate_input(sel: pd.DataFrame, before: Period, after: Period, kpi: str, owner: str) -> pd.DataFrame:
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


def raw_scores(
    ds: Dataset,
    kpi: str,
    level: str,
    before: Period,
    after: Period,
    branch_id: str | None,
    owner: str,
    options: MetricOptions | None = None,
) -> pd.DataFrame:
    """Individual observations of a mean/ordinal KPI: columns ``entity, which, v``.

    A contact KPI counts the channels of its scope (``options.channels``), as in the KPI frame.
    """
    spec, table = _RAW[kpi], _Raw.table(kpi)
    scope = (options or MetricOptions()).channels.get(kpi)
    if not ds.has(table):
        raise InsufficientSampleError(f"{owner}: the dataset has no table '{table}' for {kpi}.")
    joins = []
    has_branch = _Raw.has(kpi, "branch_id")
    need_staff = not has_branch or level == "staff"
    if need_staff and _Raw.has(kpi, "staff_id"):
        joins.append("LEFT JOIN staff st ON st.staff_id = r.staff_id")
    branch = "r.branch_id" if has_branch else "st.branch_id"
    if level == "region":
        joins.append(f"LEFT JOIN branches br ON br.branch_id = {branch}")
    entity = {"staff": "r.staff_id", "branch": branch, "region": "br.region", "bank": f"'{BANK_ID}'"}[level]
    date = f"r.{_Raw.date(kpi)}"

    def inside(p: Period) -> str:
        return f"({date} >= TIMESTAMP '{p.start}' AND {date} < TIMESTAMP '{p.end}')"

    where = [spec.where, f"({inside(before)} OR {inside(after)})", f"{entity} IS NOT NULL"]
    if scope is not None:  # known channel names only (MetricOptions validates them)
        where.append("r.channel IN (" + ", ".join(f"'{c}'" for c in scope) + ")")
    params: list[Any] = []
    if branch_id is not None:
        where.append("st.branch_id = ?")  # the staff member's home branch, as in the KPI frame
        params.append(branch_id)
    sql = (
        f"SELECT CAST({entity} AS VARCHAR) AS entity, "
        f"CASE WHEN {inside(after)} THEN 'after' ELSE 'before' END AS which, "
        f"CAST({spec.value} AS DOUBLE) AS v FROM {table} r {' '.join(joins)} "
        f"WHERE {' AND '.join(where)}"
    )
    return ds.sql(sql, params or None)


def score_input(raw: pd.DataFrame) -> pd.DataFrame:
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

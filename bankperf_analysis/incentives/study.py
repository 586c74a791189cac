"""Incentive study: the effect of a bonus scheme on one KPI, from a dataset to the numbers.

:class:`IncentiveStudy` builds the panel (:func:`~bankperf_analysis.incentives.dataset_panel.kpi_panel`
with the adoption table of :func:`~bankperf_analysis.incentives.adoption.resolve_adoption`),
estimates the effect (heterogeneity-robust staggered DiD as the headline, two-way fixed
effects beside it) and runs the checks: pre-trend test with its power, placebo,
estimator disagreement, number of clusters, leave-one-branch-out. Its report (sections in
English or Chinese) is :class:`bankperf_analysis.report.IncentiveReport`.

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
upward bias is about ``0.02 * 0.2 = 0.004`` (0.4 points). The leave-one-branch-out table
shows the estimate without each branch in turn, B09 included.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from bankperf_analysis._validation import check_choice, check_int, check_unit_interval
from bankperf_analysis.exceptions import (
    BankPerfWarning,
    InsufficientSampleError,
    ParamsError,
    SmallSampleWarning,
)
from bankperf_analysis.incentives.adoption import ADOPTION_COL, resolve_adoption
from bankperf_analysis.incentives.dataset_panel import (
    _LEVEL_SPEC,
    PANEL_LEVELS,
    PanelLevel,
    _check_kpi,
    kpi_panel,
)
from bankperf_analysis.incentives.effect import IncentiveEffectResult, estimate_incentive_effect
from bankperf_analysis.incentives.event_study import EventStudyResult, event_study
from bankperf_analysis.incentives.panel import COHORT_COL, EVENT_COL
from bankperf_analysis.incentives.placebo import PlaceboResult, placebo_test
from bankperf_analysis.incentives.pretrend import PreTrendTestResult
from bankperf_analysis.incentives.staggered import staggered_did
from bankperf_analysis.incentives.twfe import twfe_did
from bankperf_analysis.periods import Period

if TYPE_CHECKING:
    from bankperf_analysis.dataset.load import Dataset

__all__ = ["MIN_BRANCHES", "FEW_CLUSTERS", "IncentiveStudy", "StudyDiagnostics"]

#: Fewer branches than this: no estimate is reported (see :class:`IncentiveStudy`).
MIN_BRANCHES = 6
#: Fewer clusters than this: cluster-robust inference is flagged as approximate.
FEW_CLUSTERS = 20
_MAX_EVENT_WINDOW = 12


@dataclass(frozen=True)
class StudyDiagnostics:
    """The checks of an estimated study, as data (the report words them).

    Attributes
    ----------
    n_branches, n_adopters, n_controls, n_cohorts : int
        Branches in the panel; adopting ones, never-adopting ones, adoption cohorts.
    n_clusters : int
        Clusters (branches) of the robust estimate; ``few_clusters`` when fewer than
        :data:`FEW_CLUSTERS`.
    pretrend : PreTrendTestResult or None
    pretrend_max : float
        Largest absolute pre-adoption event-time effect of the robust estimator.
    placebo : PlaceboResult or None
    placebo_significant : bool
    disagree : bool
        TWFE and the robust estimate disagree (:class:`IncentiveEffectResult`).
    warnings, notes : tuple of str
        Package warnings raised while estimating; checks that could not run.
    """

    n_branches: int
    n_adopters: int
    n_controls: int
    n_cohorts: int
    n_clusters: int
    few_clusters: bool
    pretrend: PreTrendTestResult | None
    pretrend_max: float
    placebo: PlaceboResult | None
    placebo_significant: bool
    disagree: bool
    warnings: tuple[str, ...]
    notes: tuple[str, ...]


class IncentiveStudy:
    """The incentive study of one KPI: panel, estimates and checks.

    Parameters
    ----------
    data : str, Path or Dataset
        The dataset: a data folder, or an open :class:`~bankperf_analysis.dataset.load.Dataset`.
    kpi : str, default "satisfaction_rate"
    level : {"branch-quarter", "staff-quarter", "staff-month"}
    adoption : str, Path, mapping or DataFrame, default ""
        Treatment table (:func:`resolve_adoption`); empty: the demo ``truth.json`` next to
        the data.
    exclude_branches : sequence of str
        Branches left out of the whole analysis (e.g. one with a known local shock).
    weighted : bool, default True
        Weight rows by ``n`` (surveys, staff-months): a branch-quarter resting on a
        handful of surveys then counts little.
    min_branches : int, default :data:`MIN_BRANCHES`
        Below this many branches no effect is estimated.
    alpha : float, default 0.05
    leads, lags : int, optional
        Event-study window; default: every event time in the data, at most 12 each side.
    max_leave_one_out : int, default 12
        Leave-one-branch-out refits for at most this many branches (the most influential
        first, by their share of the robust estimate's influence function).
    until : str, optional
        Last period of the study window, a quarter like ``"2026Q3"`` (default: every period
        of the data). Rows after it are left out, and an adoption after it is not known yet:
        that branch counts as not (yet) adopting. What a study "as of" a quarter sees.

    Attributes
    ----------
    panel_ : DataFrame or None
        The estimation panel (:func:`kpi_panel`, excluded branches removed).
    adoption_ : DataFrame
        The treatment table used.
    counts_ : dict
        ``branches``, ``adopters``, ``controls`` and ``cohorts`` of the panel.
    status_ : {"ok", "too_few_branches", "no_treated", "insufficient"}
    reason_ : str
        Why nothing was estimated, in English (empty when ``status_ == "ok"``).
    result_ : IncentiveEffectResult or None
        Robust estimate, TWFE beside it, event-time effects and pre-trend test.
    placebo_ : PlaceboResult or None
    event_ : EventStudyResult or None
        Robust and TWFE event studies (for the figure).
    leave_one_out_ : DataFrame or None
        ``left_out, robust, robust_ci_low, robust_ci_high, twfe, change``.
    warnings_ : tuple of str
        Messages of the package warnings raised while estimating.
    notes_ : list of str
        Checks that could not run, and why.
    truth_ : dict or None
        The demo ``truth.json`` when the treatment table came from it.

    Notes
    -----
    Everything is computed on construction.
    """

    def __init__(
        self,
        data: str | Path | Dataset,
        kpi: str = "satisfaction_rate",
        level: PanelLevel = "branch-quarter",
        adoption: str | Path | Mapping[Any, Any] | pd.DataFrame = "",
        *,
        exclude_branches: Sequence[str] = (),
        weighted: bool = True,
        min_branches: int = MIN_BRANCHES,
        alpha: float = 0.05,
        leads: int | None = None,
        lags: int | None = None,
        max_leave_one_out: int = 12,
        until: str | None = None,
    ) -> None:
        func = "IncentiveStudy"
        self.until = _check_until(until, func)
        check_choice(level, "level", func, PANEL_LEVELS)
        _check_kpi(kpi, "kpi", func, _LEVEL_SPEC[level][0] == "staff")
        self.kpi, self.level, self.freq = kpi, level, _LEVEL_SPEC[level][2]
        excluded = [exclude_branches] if isinstance(exclude_branches, str) else exclude_branches
        self.exclude_branches = tuple(str(b) for b in excluded)
        self.weighted = bool(weighted)
        self.min_branches = check_int(min_branches, "min_branches", func, low=2)
        self.alpha = check_unit_interval(alpha, "alpha", func)
        self.leads, self.lags, self.max_leave_one_out = leads, lags, max_leave_one_out
        self.result_: IncentiveEffectResult | None = None
        self.placebo_: PlaceboResult | None = None
        self.event_: EventStudyResult | None = None
        self.leave_one_out_: pd.DataFrame | None = None
        self.status_, self.reason_ = "ok", ""
        self.notes_: list[str] = []
        self.warnings_: tuple[str, ...] = ()
        self.data_dir = Path(data) if isinstance(data, str | Path) else Path(data.root)
        if not self.data_dir.is_dir():
            raise ParamsError(
                f"The 'data' parameter of {func} must be a dataset folder or a Dataset. "
                f"Got {str(data)!r}, which is not a folder."
            )
        self.adoption_ = _adopted_by(resolve_adoption(adoption, self.data_dir), self.until)
        self.truth_ = self._read_truth(adoption)
        self.panel_ = self._load_panel(data)
        self.counts_ = self._counts()
        if self.panel_ is not None:
            self._estimate(self.panel_)

    # -- construction --------------------------------------------------------------------

    def _read_truth(self, adoption: Any) -> dict[str, Any] | None:
        """The demo ``truth.json`` the treatment table came from (None for another table)."""
        demo = isinstance(adoption, str) and (adoption.strip() == "" or adoption.lower().endswith(".json"))
        if not demo:
            return None
        path = self.data_dir / "truth.json" if adoption.strip() == "" else Path(adoption)
        return cast(dict[str, Any], json.loads(path.read_text(encoding="utf-8")))

    def _load_panel(self, data: str | Path | Dataset) -> pd.DataFrame | None:
        """The estimation panel (None, with the reason, when the dataset has too little)."""
        if not isinstance(data, str | Path):
            return self._build_panel(data)
        from bankperf_analysis.dataset.load import load_dataset

        with load_dataset(self.data_dir) as ds:
            return self._build_panel(ds)

    def _build_panel(self, ds: Dataset) -> pd.DataFrame | None:
        try:
            panel = kpi_panel(ds, self.kpi, self.level, adoption=self.adoption_)
        except InsufficientSampleError as exc:
            self.status_, self.reason_ = "insufficient", str(exc)
            return None
        if self.exclude_branches:
            panel = panel[~panel["branch"].isin(self.exclude_branches)].reset_index(drop=True)
        if self.until is not None:
            end = self.until.end
            panel = panel[[p.end_time.date() < end for p in panel["period"]]].reset_index(drop=True)
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

    def _window(self, panel: pd.DataFrame) -> tuple[int, int]:
        ev = panel[EVENT_COL].dropna()
        leads = self.leads if self.leads is not None else int(min(max(1, -ev.min()), _MAX_EVENT_WINDOW))
        lags = self.lags if self.lags is not None else int(min(max(0, ev.max()), _MAX_EVENT_WINDOW))
        return max(1, leads), max(0, lags)

    def _estimate(self, panel: pd.DataFrame) -> None:
        c = self.counts_
        if c["adopters"] == 0:
            self.status_ = "no_treated"
            self.reason_ = "no branch in the data adopts the scheme within the observed periods."
            return
        no_comparison = c["controls"] == 0 and c["cohorts"] < 2  # nobody to compare with
        if c["branches"] < self.min_branches or no_comparison:
            self.status_ = "too_few_branches"
            self.reason_ = (
                f"too few branches ({c['branches']}; at least {self.min_branches} are needed, "
                "with adopting and comparison branches)."
            )
            return
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            self._estimate_all(panel)
        # the few-clusters warning is stated once in the diagnostics; keep the others
        ours = [
            str(m.message)
            for m in caught
            if issubclass(m.category, BankPerfWarning)
            and not (issubclass(m.category, SmallSampleWarning) and " clusters" in str(m.message))
        ]
        self.warnings_ = tuple(dict.fromkeys(ours))
        for m in caught:  # not ours: let them through unchanged
            if not issubclass(m.category, BankPerfWarning):
                warnings.warn_explicit(m.message, m.category, m.filename, m.lineno)

    def _estimate_all(self, panel: pd.DataFrame) -> None:
        """The effect, then (if it was estimated) the placebo, the event study and leave-one-out."""
        w = "n" if self.weighted else None
        leads, lags = self._window(panel)
        try:
            self.result_ = estimate_incentive_effect(
                panel, self.kpi, weights=w, leads=leads, lags=lags, alpha=self.alpha
            )
        except InsufficientSampleError as exc:
            self.status_, self.reason_ = "insufficient", str(exc)
            return
        try:
            self.placebo_ = placebo_test(panel, self.kpi, shift=1, weights=w, alpha=self.alpha)
        except InsufficientSampleError as exc:
            self.notes_.append(f"placebo: {exc}")
        try:
            self.event_ = event_study(panel, self.kpi, leads=leads, lags=lags, weights=w, alpha=self.alpha)
        except InsufficientSampleError as exc:
            self.notes_.append(f"event study: {exc}")
        self.leave_one_out_ = self._leave_one_out(panel, self.result_, w)

    def _leave_one_out(self, panel: pd.DataFrame, r: IncentiveEffectResult, w: str | None) -> pd.DataFrame:
        """Robust and TWFE estimates without each of the most influential branches."""
        infl = cast(np.ndarray, r.robust.aggregated.cluster_influence)
        labels = cast(np.ndarray, r.robust.aggregated.cluster_labels)
        order = np.argsort(-np.abs(infl), kind="stable")[: self.max_leave_one_out]
        rows = []
        for b in sorted(str(labels[i]) for i in order):
            sub = panel[panel["branch"] != b]
            try:
                with warnings.catch_warnings():
                    # the refits repeat the full-sample warnings (few clusters); not shown
                    warnings.simplefilter("ignore", BankPerfWarning)
                    rb = staggered_did(sub, self.kpi, weights=w, alpha=self.alpha)
                    tw = twfe_did(sub, self.kpi, weights=w, alpha=self.alpha)
            except InsufficientSampleError:
                continue
            rows.append(
                {
                    "left_out": b,
                    "robust": rb.estimate,
                    "robust_ci_low": rb.ci_low,
                    "robust_ci_high": rb.ci_high,
                    "twfe": tw.estimate,
                }
            )
        out = pd.DataFrame(rows, columns=["left_out", "robust", "robust_ci_low", "robust_ci_high", "twfe"])
        out["change"] = out["robust"] - r.estimate
        return out

    # -- results -------------------------------------------------------------------------

    def to_frame(self) -> pd.DataFrame:
        """Tidy estimates (robust, TWFE, their difference) in KPI units, with kpi and level."""
        if self.result_ is None:
            return pd.DataFrame(
                columns=[
                    "kpi",
                    "level",
                    "estimator",
                    "estimate",
                    "std_error",
                    "statistic",
                    "pvalue",
                    "ci_low",
                    "ci_high",
                ]
            )
        fr = self.result_.to_frame()
        fr.insert(0, "level", self.level)
        fr.insert(0, "kpi", self.kpi)
        return fr

    def diagnostics(self) -> StudyDiagnostics | None:
        """The checks of the estimate as data (None when nothing was estimated)."""
        r = self.result_
        if r is None:
            return None
        c, g = self.counts_, r.robust.n_clusters
        return StudyDiagnostics(
            n_branches=c["branches"],
            n_adopters=c["adopters"],
            n_controls=c["controls"],
            n_cohorts=c["cohorts"],
            n_clusters=g,
            few_clusters=g < FEW_CLUSTERS,
            pretrend=r.pretrend,
            pretrend_max=self._pretrend_max(r),
            placebo=self.placebo_,
            placebo_significant=bool(self.placebo_ is not None and self.placebo_.pvalue < self.alpha),
            disagree=r.disagree,
            warnings=self.warnings_,
            notes=tuple(self.notes_),
        )

    @staticmethod
    def _pretrend_max(r: IncentiveEffectResult) -> float:
        """Largest absolute pre-adoption event-time effect of the robust estimator."""
        fr = r.event.frame
        pre = fr.loc[~fr["reference"].astype(bool) & (fr["event_time"] < 0), "estimate"]
        return float(pre.abs().max()) if len(pre) else float("nan")

    def planted_effect(self) -> float | None:
        """The effect planted in the demo data for this KPI (None without a demo truth)."""
        if not self.truth_:
            return None
        eff = (self.truth_.get("bonus_scheme") or {}).get("effect") or {}
        v = eff.get(self.kpi)
        return float(v) if v is not None else None

    def planted_drop(self) -> tuple[str, str] | None:
        """Branch and quarter of the demo's planted local satisfaction drop (for this KPI only)."""
        d = (self.truth_ or {}).get("satisfaction_drop")
        if self.kpi != "satisfaction_rate" or not isinstance(d, Mapping):
            return None
        if self.until is not None and Period.parse(str(d.get("quarter"))).start >= self.until.end:
            return None  # after the study window: not in the data studied
        return str(d.get("branch_id")), str(d.get("quarter", ""))

    def __repr__(self) -> str:
        est = "" if self.result_ is None else f", estimate={self.result_.estimate:.4g}"
        return f"IncentiveStudy(kpi={self.kpi!r}, level={self.level!r}, status={self.status_!r}{est})"


def _check_until(until: str | None, func: str) -> Period | None:
    """The study window's last quarter (None: every period of the data)."""
    if until is None or (isinstance(until, str) and not until.strip()):
        return None
    try:
        p = Period.parse(until) if isinstance(until, str) else None
    except ParamsError:
        p = None
    if p is None or p.kind != "quarter":
        raise ParamsError(
            f"The 'until' parameter of {func} must be a quarter like '2026Q3' or None. Got {until!r} instead."
        )
    return p


def _adopted_by(table: pd.DataFrame, until: Period | None) -> pd.DataFrame:
    """The adoption table as known at the end of ``until``: later adoptions are not known yet."""
    if until is None:
        return table
    out = table.copy()
    later = [pd.notna(v) and Period.parse(str(v)).start >= until.end for v in out[ADOPTION_COL]]
    out[ADOPTION_COL] = out[ADOPTION_COL].mask(pd.Series(later, index=out.index))
    return out

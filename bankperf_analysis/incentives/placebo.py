"""Placebo test: adoption moved earlier, on pre-adoption data only (no effect expected)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import pandas as pd

from bankperf_analysis._summary import Summary, fmt_float
from bankperf_analysis._validation import check_choice, check_int, check_unit_interval
from bankperf_analysis.incentives.group_time import _CSSpec
from bankperf_analysis.incentives.options import ControlGroup, Lang
from bankperf_analysis.incentives.panel import COHORT_COL, _Columns, _Panel, _prepare
from bankperf_analysis.incentives.prose import _placebo_sentence
from bankperf_analysis.incentives.staggered import _staggered_from_panel

__all__ = ["PlaceboResult", "placebo_test"]


@dataclass(frozen=True, slots=True, eq=False)
class PlaceboResult:
    """Placebo DiD with adoption moved ``shift`` periods earlier, on pre-adoption data only.

    Unpacks as ``statistic, pvalue = result``. H0: the placebo effect is 0 (as it must
    be under parallel trends and no anticipation); H1: it is not.
    """

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    statistic: float
    pvalue: float
    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    shift: int
    n_obs: int
    n_cohorts: int
    n_clusters: int
    dropped_cohorts: tuple[Any, ...]
    outcome: str
    alpha: float

    def __iter__(self):
        return iter(getattr(self, f) for f in self._iter_fields)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            [
                {
                    "test": f"placebo (adoption {self.shift} period(s) earlier)",
                    "estimate": self.estimate,
                    "std_error": self.std_error,
                    "statistic": self.statistic,
                    "pvalue": self.pvalue,
                    "ci_low": self.ci_low,
                    "ci_high": self.ci_high,
                    "n_obs": self.n_obs,
                    "n_cohorts": self.n_cohorts,
                }
            ]
        )

    def summary(self) -> Summary:
        """Notebook-ready summary."""
        notes = [self.conclusion("en")]
        if self.dropped_cohorts:
            notes.append(f"Cohorts without a placebo pre-period dropped: {self.dropped_cohorts}.")
        return Summary(
            "Placebo test",
            tables=[("Placebo", self.to_frame())],
            notes=notes,
            float_format=fmt_float,
            note_prefix="Note: ",
        )

    def conclusion(self, lang: Lang = "en", unit: str = "") -> str:
        """Plain-language reading."""
        check_choice(lang, "lang", "PlaceboResult.conclusion", Lang)
        return _placebo_sentence(self, lang)


def placebo_test(
    panel: pd.DataFrame,
    outcome: str,
    *,
    shift: int = 1,
    unit_col: str = "unit",
    period_col: str = "period",
    cluster: str = "branch",
    cohort_col: str = COHORT_COL,
    control_group: ControlGroup = "notyet",
    weights: str | None = None,
    alpha: float = 0.05,
    never_treated: float | str = "auto",
) -> PlaceboResult:
    """Placebo test: pretend adoption happened ``shift`` periods earlier.

    Only pre-adoption rows are kept (every treated unit's rows from its true adoption
    on are removed), each cohort is moved ``shift`` periods earlier, and the
    Callaway–Sant'Anna overall ATT is estimated. Under parallel trends and no
    anticipation the placebo effect is zero.

    Parameters
    ----------
    never_treated : {"auto", 0, numpy.inf, numpy.nan}
        How ``cohort_col`` codes never-treated units (see :func:`staggered_did`); the other
        parameters are as in :func:`staggered_did`.

    Returns
    -------
    PlaceboResult
        H0: placebo effect = 0; H1: it is not (two-sided).
    """
    func = "placebo_test"
    shift = check_int(shift, "shift", func, low=1)
    check_choice(control_group, "control_group", func, ControlGroup)
    alpha = check_unit_interval(alpha, "alpha", func)
    cols = _Columns(unit_col, period_col, cluster, cohort_col, weights, (), never_treated)
    pa = _prepare(panel, outcome, cols, func=func)
    return _placebo_from_panel(
        pa, shift=shift, control_group=control_group, alpha=alpha, cluster=cluster, func=func
    )


def _placebo_from_panel(
    pa: _Panel, *, shift: int, control_group: str, alpha: float, cluster: str, func: str
) -> PlaceboResult:
    """The placebo test on a prepared panel."""
    pre = pa.subset(pa.tpos < pa.cohort_pos)
    pre.cohort_pos = pre.cohort_pos - shift
    spec = _CSSpec(control_group=control_group, base_period="universal", anticipation=0)
    res = _staggered_from_panel(
        pre, spec, aggregation="overall", alpha=alpha, cluster=cluster, func=func, warn=False
    )
    return PlaceboResult(
        statistic=res.statistic,
        pvalue=res.pvalue,
        estimate=res.estimate,
        std_error=res.std_error,
        ci_low=res.ci_low,
        ci_high=res.ci_high,
        shift=shift,
        n_obs=res.n_obs,
        n_cohorts=res.n_cohorts,
        n_clusters=res.n_clusters,
        dropped_cohorts=res.dropped_cohorts,
        outcome=pa.outcome,
        alpha=alpha,
    )

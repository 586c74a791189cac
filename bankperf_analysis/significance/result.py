"""The result of a before/after comparison: :class:`ChangeTestResult`.

Every change test of :mod:`bankperf_analysis.significance` returns one; import it from
:mod:`bankperf_analysis.significance`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import ClassVar, Literal

import pandas as pd

from bankperf_analysis._summary import Summary
from bankperf_analysis._validation import check_choice
from bankperf_analysis.significance.verdict import fmt_num, render_verdict

Lang = Literal["en", "zh"]
_NAN = math.nan


@dataclass(frozen=True, slots=True)
class ChangeTestResult:
    """Result of a before/after comparison of one KPI.

    Unpacks as ``statistic, pvalue = result`` (like statsmodels
    ``Proportions2indepTestResult``); every other value is an attribute.

    Attributes
    ----------
    statistic : float
        Test statistic of the test that produced ``pvalue`` (z of the score test, Welch t,
        Wald z of the proportional-odds coefficient; Boschloo: Fisher's one-sided p-value
        used as its statistic; Fisher: the sample odds ratio; Mann-Whitney: U).
    pvalue : float
        Unadjusted p-value (NaN when the test cannot be computed).
    diff : float
        Effect estimate. ``kind="rate"``: ``p_after - p_before`` (a proportion);
        ``"mean"``: ``mean_after - mean_before``; ``"ordinal"``: the probabilistic index
        ``P(after > before) + 0.5 P(tie)`` (0.5 = no shift).
    ci_low, ci_high : float
        ``1 - alpha`` interval for ``diff`` (one-sided alternatives: one-sided interval,
        the open end at the bound of the scale or +-inf).
    n_before, n_after : int
        Observations per period.
    method : str
        The test and interval used, in words.
    alternative : {"two-sided", "larger", "smaller"}
        H1 of the test.
    kind : {"rate", "mean", "ordinal"}
    estimate_before, estimate_after : float
        Rate or mean score of each period.
    alpha : float
        Level of the test and ``1 - alpha`` of the intervals.
    df : float
        Welch degrees of freedom (``kind="mean"``).
    check_pvalue, check_method :
        p-value and name of a second, assumption-light test (Mann-Whitney U).
    odds_ratio, or_ci_low, or_ci_high : float
        Proportional-odds ratio ``after`` vs ``before`` and its two-sided interval
        (``kind="ordinal"``).
    mdc : float
        Minimum detectable change at ``power`` with these sample sizes, on the scale of
        ``diff`` (for ordinal: the shift of the probabilistic index away from 0.5).
    relevant_change : float
        Smallest change worth detecting; a non-significant result whose ``mdc`` exceeds it
        is *inconclusive* rather than "no change".
    pvalue_adjusted, adjust_method, n_comparisons :
        Multiplicity-adjusted p-value (NaN when not adjusted), its method and the number of
        comparisons; set by :func:`compare_many` or :meth:`with_adjusted_pvalue`.
    notes : tuple of str
        Caveats (exact test used, levels merged, fit failed...).
    """

    statistic: float
    pvalue: float
    diff: float
    ci_low: float
    ci_high: float
    n_before: int
    n_after: int
    method: str
    alternative: str
    kind: str = "rate"
    estimate_before: float = _NAN
    estimate_after: float = _NAN
    alpha: float = 0.05
    df: float = _NAN
    check_pvalue: float = _NAN
    check_method: str = ""
    odds_ratio: float = _NAN
    or_ci_low: float = _NAN
    or_ci_high: float = _NAN
    mdc: float = _NAN
    relevant_change: float = _NAN
    pvalue_adjusted: float = _NAN
    adjust_method: str = ""
    n_comparisons: int = 1
    notes: tuple[str, ...] = field(default_factory=tuple)

    _iter_fields: ClassVar[tuple[str, ...]] = ("statistic", "pvalue")

    def __iter__(self):
        return iter(getattr(self, name) for name in self._iter_fields)

    # -- derived ------------------------------------------------------------------
    @property
    def pvalue_used(self) -> float:
        """The adjusted p-value when one was set, else the raw p-value."""
        return self.pvalue_adjusted if math.isfinite(self.pvalue_adjusted) else self.pvalue

    @property
    def significant(self) -> bool:
        """``pvalue_used < alpha``."""
        return bool(math.isfinite(self.pvalue_used) and self.pvalue_used < self.alpha)

    @property
    def inconclusive(self) -> bool:
        """Not significant although changes up to ``mdc`` > ``relevant_change`` may exist."""
        return bool(
            math.isfinite(self.pvalue_used)
            and not self.significant
            and not math.isnan(self.mdc)
            and math.isfinite(self.relevant_change)
            and self.mdc > self.relevant_change
        )

    @property
    def flag(self) -> str:
        """Status: ``"up"``/``"down"``, ``"inconclusive"``, ``"ns"``, ``"no_data"``, ``"untestable"``."""
        if self.n_before == 0 or self.n_after == 0:
            return "no_data"
        if not math.isfinite(self.pvalue_used):
            return "untestable"
        if self.significant:
            null = 0.5 if self.kind == "ordinal" else 0.0
            return "up" if self.diff > null else "down"
        return "inconclusive" if self.inconclusive else "ns"

    # -- API --------------------------------------------------------------------
    def with_adjusted_pvalue(
        self, pvalue_adjusted: float, method: str, n_comparisons: int
    ) -> ChangeTestResult:
        """Return a copy carrying a multiplicity-adjusted p-value (verdicts then use it)."""
        return replace(
            self,
            pvalue_adjusted=float(pvalue_adjusted),
            adjust_method=str(method),
            n_comparisons=int(n_comparisons),
        )

    def verdict(
        self,
        lang: Lang = "en",
        kpi_label: str | Mapping[str, str] | None = None,
        digits: int | None = None,
    ) -> str:
        """One-sentence verdict for managers.

        Parameters
        ----------
        lang : {"en", "zh"}
        kpi_label : str or mapping lang -> str, optional
            What is measured ("Satisfaction" / {"en": "Satisfaction", "zh": "满意度"}).
        digits : int, optional
            Decimals (default 1 for percentage points, 2 for means and probabilities).

        Returns
        -------
        str
            E.g. "Satisfaction fell 4.1 percentage points (95 % CI -7.5 to -0.6), statistically
            significant"; uses the adjusted p-value when one was set.
        """
        check_choice(lang, "lang", "ChangeTestResult.verdict", Lang)
        return render_verdict(self, lang, kpi_label, digits)

    def to_frame(self) -> pd.DataFrame:
        """Return a one-row tidy DataFrame of every field plus ``significant``/``flag``."""
        row = {f.name: getattr(self, f.name) for f in fields(self)}
        row["notes"] = "; ".join(self.notes)
        row["significant"] = self.significant
        row["inconclusive"] = self.inconclusive
        row["flag"] = self.flag
        return pd.DataFrame([row])

    def summary(self, kpi_label: str | Mapping[str, str] | None = None) -> Summary:
        """Return a notebook-friendly summary (``as_text``, ``as_html``, ``_repr_html_``)."""
        level = f"{(1 - self.alpha) * 100:g}%"
        effect = {
            "rate": "difference in rates (after - before)",
            "mean": "difference in means (after - before)",
            "ordinal": "P(after > before) + 0.5 P(tie)",
        }[self.kind]
        rows = [
            ("estimate before", fmt_num(self.estimate_before)),
            ("estimate after", fmt_num(self.estimate_after)),
            (effect, fmt_num(self.diff)),
            (f"{level} interval", f"{fmt_num(self.ci_low)} to {fmt_num(self.ci_high)}"),
            ("statistic", fmt_num(self.statistic)),
            ("p-value", fmt_num(self.pvalue)),
        ]
        if math.isfinite(self.pvalue_adjusted):
            rows.append(
                (
                    f"adjusted p-value ({self.adjust_method}, m = {self.n_comparisons})",
                    fmt_num(self.pvalue_adjusted),
                )
            )
        if self.check_method:
            rows.append((f"check: {self.check_method} p-value", fmt_num(self.check_pvalue)))
        if math.isfinite(self.odds_ratio):
            rows.append(
                (
                    f"odds ratio ({level} interval)",
                    f"{fmt_num(self.odds_ratio)} ({fmt_num(self.or_ci_low)} to {fmt_num(self.or_ci_high)})",
                )
            )
        rows += [
            ("minimum detectable change", fmt_num(self.mdc)),
            ("n before / after", f"{self.n_before} / {self.n_after}"),
            ("method", self.method),
            ("alternative", self.alternative),
        ]
        frame = pd.DataFrame(rows, columns=["quantity", "value"])
        notes = [self.verdict("en", kpi_label), self.verdict("zh", kpi_label), *self.notes]
        return Summary(f"Before/after comparison ({self.kind})", frame, notes)

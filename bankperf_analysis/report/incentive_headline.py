"""The incentive study's headline for the index page, worded in the report's language.

:meth:`IncentiveReport.headline <bankperf_analysis.report.IncentiveReport.headline>` gives the raw
numbers (the effect as a share, the KPI and the status as codes). The index page of
``bankperf report --kind incentive`` shows what a reader needs instead: the outcome, the study
window, the effect with its unit, the interval, the p-value and the branches, each value
already formatted as the report formats it (:mod:`bankperf_analysis.numbers`), each key a label
of :mod:`bankperf_analysis._i18n_incentive` (the index translates it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bankperf_analysis.l10n import period_label
from bankperf_analysis.numbers import fmt_percent

if TYPE_CHECKING:
    from bankperf_analysis.report.incentive import IncentiveReport

__all__ = ["incentive_headline", "incentive_label"]


def incentive_label(key: str, lang: str, **fmt: Any) -> str:
    """The ``lang`` words of an index key of the study (``_i18n_incentive``, through ``i18n.t``).

    Examples
    --------
    >>> incentive_label("incentive_window_text", "zh", first="2025年第一季度", last="2026年第三季度")
    '2025年第一季度至2026年第三季度'
    """
    from bankperf_analysis.i18n import t

    return t(key, lang, **fmt)


def incentive_headline(report: IncentiveReport) -> dict[str, str]:
    """The values the index page lists for the study, formatted, in ``report.lang``.

    Keys: ``incentive_outcome``, ``incentive_window`` and, when the effect was estimated,
    ``incentive_effect``, ``incentive_interval``, ``incentive_pvalue``, ``incentive_branches``;
    else ``incentive_not_estimated`` with the reason.
    """
    from bankperf_analysis.report.incentive import _fp

    study, lang = report.study, report.lang
    out: dict[str, Any] = {"incentive_outcome": report._label()}
    panel = study.panel_
    if panel is not None and not panel.empty:
        first, last = (period_label(str(p), lang) for p in (panel["period"].min(), panel["period"].max()))
        out["incentive_window"] = incentive_label("incentive_window_text", lang, first=first, last=last)
    r = study.result_
    if r is None:
        out["incentive_not_estimated"] = report._reason()
        return out
    level = fmt_percent(1 - study.alpha, 0)
    c = study.counts_
    out.update(
        incentive_effect=report._fmt(r.estimate, unit=True),
        incentive_interval=f"{report._ci(r.ci_low, r.ci_high)} {report._unit()}"
        + (f"（{level}）" if lang == "zh" else f" ({level})"),
        incentive_pvalue=_fp(r.pvalue),
        incentive_branches=f"{c['adopters']} / {c['controls']}",
    )
    return out

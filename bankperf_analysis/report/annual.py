"""The annual summary report: four quarters -> annual grades, total bonus, promotion candidates.

It uses the run's scheme (``scheme_path``, as the branch and overview reports do). A KPI
whose table is absent or empty is not available, never scored as zero; what the branch
checks decide (pay cuts, excellent branches) is "not available" without check data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import check_lang, kpi_label, role_label, t
from bankperf_analysis.l10n import localised_name, period_label, value_label
from bankperf_analysis.metrics.compute import KPI_CATALOGUE
from bankperf_analysis.numbers import fmt_number
from bankperf_analysis.periods import Period
from bankperf_analysis.report.html import (
    HtmlBlock,
    _e,
    data_table,
    facts_table,
    format_value,
    section_heading,
    team_note,
)
from bankperf_analysis.report.links import branch_files, nav_bar, staff_anchor, xref
from bankperf_analysis.report.missing import Missing

__all__ = ["AnnualReport"]


#: The status words of the annual targets (scorecard results) -> their label keys.
_STATUS_KEYS = {
    "met": "status_met",
    "below target": "status_below",
    "insufficient data": "status_insufficient",
}


def _missing(x: Any) -> bool:
    return x is None or bool(pd.isna(x))


def _float(x: Any) -> float | None:
    return None if _missing(x) else float(x)


def _count(x: Any) -> str:
    """A whole number, or "–" when missing (never "<NA>")."""
    return "–" if _missing(x) else f"{int(x):,}"


class AnnualReport:
    """The annual summary: four quarters → annual grades, total bonus, promotion candidates.

    Parameters
    ----------
    data_dir : str or Path
        The dataset.
    year : str
        The year, e.g. ``"2026"``.
    lang : {"en", "zh"}
    scheme_path : str or Path, optional
        The scheme YAML of the run (default, or ``""``: the packaged scheme). Its
        targets, weights, bands and money decide the grades and bonuses summarised.
    validated : bool, default False
        The data were validated just before (``bankperf report`` validates them once for its
        whole batch): skip the second full validation. Leave False otherwise.

    Examples
    --------
    >>> import tempfile
    >>> from bankperf_analysis.dataset.demo import make_demo_bank
    >>> folder = tempfile.mkdtemp(); _ = make_demo_bank(folder, scale="tiny", seed=1)
    >>> annual = AnnualReport(folder, "2026")
    >>> annual.headline()["count_bonus_total"] == annual.summary.consequences().bonus_total.text()
    True
    """

    def __init__(
        self,
        data_dir: str | Path,
        year: str,
        lang: str = "en",
        scheme_path: str | Path | None = None,
        *,
        validated: bool = False,
    ):
        from bankperf_analysis.dataset.load import default_cache_dir, load_dataset
        from bankperf_analysis.dataset.schema import CONTRACT
        from bankperf_analysis.metrics.compute import MetricOptions, compute_kpis, unavailable_tables
        from bankperf_analysis.scheme import load_scheme
        from bankperf_analysis.scorecard import annual_summary
        from bankperf_analysis.scorecard.pay import staff_events
        from bankperf_analysis.scorecard.quarter import with_target_basis

        self.lang = check_lang(lang)
        y = Period.parse(str(year))
        if y.kind != "year":
            raise ParamsError(
                f"The 'year' parameter of AnnualReport must be a year like '2026'. Got {year!r} instead."
            )
        self.year = str(y)
        scheme = load_scheme(scheme_path) if scheme_path else load_scheme()
        # Inside ``bankperf report`` the batch has validated these data (a second full validation of
        # a 1,000-branch bank took 22 s of the annual summary's 47); the fingerprint's per-table
        # digests come from the cache keyed by file path, size and modification time.
        with load_dataset(data_dir, validate=not validated, fingerprint_cache=default_cache_dir()) as ds:
            missing = {k: v for k, v in unavailable_tables(ds).items() if not CONTRACT[k].required}
            self.missing = Missing(missing, self.lang)
            kpis = compute_kpis(
                ds,
                period=self.year,
                options=MetricOptions.from_scheme(scheme),
                period_types=("quarter", "year"),
            )
            # yearly targets (churn) are scored on the scheme's basis: year-to-date or annualised
            kpis = with_target_basis(ds, self.year, scheme, kpis)
            self.summary = annual_summary(
                kpis,
                scheme,
                self.year,
                ds.table("staff"),
                branches=ds.table("branches"),
                unavailable=[k for k in KPI_CATALOGUE if self.missing.kpi_table(k)],
                employment=ds.employment(),
                events=staff_events(ds, scheme),
            )
            self.fingerprint = ds.fingerprint
            names = ds.table("branches")
            self._files = branch_files(names["branch_id"].astype(str))
        self._branch_names = {str(r["branch_id"]): r for r in names.to_dict("records")}
        self.params_hash = scheme.params_hash()
        self._check_kpis = [c.kpi for c in scheme.branch_checks]
        self._checks = {c.name: c.kpi for c in scheme.branch_checks}
        rules = scheme.rules_frame()
        self._staff_kpis = list(
            dict.fromkeys(rules.loc[rules["scored"] & (rules["role"] != "__branch__"), "kpi"])
        )

    def _checks_missing(self) -> HtmlBlock | None:
        """Why there are no branch-check results at all (None when some check has data)."""
        if not self.missing.all_missing(self._check_kpis):
            return None
        return self.missing.block_for_kpis(*self._check_kpis)

    def nav(self) -> HtmlBlock:
        """Links to the index and the overview of the year's fourth quarter (same folder)."""
        return nav_bar(self.lang, quarter=f"{self.year}Q4", here="annual")

    def title(self) -> HtmlBlock:
        """The report title with the year."""
        return HtmlBlock(
            f'<h1 id="title">{_e(t("report_title_annual", self.lang))} · '
            f"{_e(period_label(self.year, self.lang))}</h1>"
        )

    def heading(self, key: str, anchor: str) -> HtmlBlock:
        """A section heading with an anchor."""
        return section_heading(key, anchor, self.lang)

    def totals(self) -> HtmlBlock:
        """Every consequence count of the year, each with its unit (quarterly counts summed)."""
        no_checks = self._checks_missing()
        rows = self.summary.consequences().rows(self.lang)
        return HtmlBlock(facts_table(rows) + (no_checks.html if no_checks else ""))

    def staff_table(self) -> HtmlBlock:
        """Every person: quarterly grades, annual composite and grade, bonus, promotion."""
        st = self.summary.staff
        head = [
            t(k, self.lang)
            for k in (
                "label_staff",
                "label_branch",
                "label_role",
                "label_composite",
                "label_grade",
                "label_bonus_yuan",
                "promotion_candidate",
            )
        ]
        rows = []
        for _, p in st.sort_values(["branch_id", "staff_id"]).iterrows():
            file = self._files.get(str(p.branch_id))  # the person's row in the branch's Q4 report
            person = f"{p.staff_name} ({p.staff_id})"
            g = p.get("annual_grade")
            grade = t(f"grade_{g}", self.lang) if isinstance(g, str) and g else ""
            comp = p.get("annual_composite")
            promo = "✓" if bool(p.get("promotion_candidate", False)) else ""
            rows.append(
                "<tr><td style='text-align:left'>"
                + (xref(f"{file}#{staff_anchor(p.staff_id)}", person) if file else _e(person))
                + f"</td><td>{xref(file, str(p.branch_id)) if file else _e(p.branch_id)}</td>"
                f"<td style='text-align:left'>{_e(role_label(p.role, self.lang))}</td>"
                f"<td>{'' if pd.isna(comp) else fmt_number(comp)}</td><td>{_e(grade)}</td>"
                f"<td>{fmt_number(float(p.get('total_bonus_yuan', 0) or 0), 0)}</td><td>{promo}</td></tr>"
            )
        labels = self.missing.unavailable_labels(self._staff_kpis)
        note = (
            f"<p style='font-size:0.8em'>{_e(t('note_not_scored_unavailable', self.lang, kpis=labels))}</p>"
            if labels
            else ""
        )
        team = team_note(st, self.lang)
        note += f"<p style='font-size:0.8em'>{_e(team)}</p>" if team else ""
        return HtmlBlock(data_table(head, rows) + note + self._not_in_post_table())

    def _not_in_post_table(self) -> str:
        """Per quarter, the people in post fewer than the minimum days: not scored that quarter."""
        short = self.summary.not_in_post
        if short.empty:
            return ""
        keys = ("label_quarter", "label_staff", "label_branch", "label_role", "label_days_in_post")
        head = [t(k, self.lang) for k in (*keys, "label_days_by_branch")]
        rows = [
            f"<tr><td>{_e(period_label(p.period, self.lang))}</td>"
            f"<td style='text-align:left'>{_e(p.staff_name)} ({_e(p.staff_id)})</td>"
            f"<td>{_e(p.branch_id)}</td><td style='text-align:left'>{_e(role_label(p.role, self.lang))}</td>"
            f"<td>{int(p.days_in_post)}</td><td style='text-align:left'>{_e(p.days_by_branch)}</td></tr>"
            for p in short.sort_values(["period", "branch_id", "staff_id"]).itertuples()
        ]
        n = int(short["min_days_in_post"].iloc[0])
        return (
            f"<h3>{_e(t('heading_not_in_post', self.lang))}</h3>"
            f"<p style='font-size:0.8em'>{_e(t('note_not_in_post', self.lang, n=n))}</p>"
            + data_table(head, rows)
        )

    def branch_table(self) -> HtmlBlock:
        """Branches over the year: consequences by quarter, annual check means, ranks, excellent branch.

        Headers and values in the report's language (names from the data in their Chinese
        form when the data give one); one row per branch, narrow enough for an A4 page.
        """
        no_checks = self._checks_missing()
        if no_checks is not None:  # every column comes from the checks
            return no_checks
        b = self.summary.branches
        lang = self.lang
        checks = [(n, k) for n, k in self._checks.items() if f"{n}_annual_mean" in b.columns]
        yearly = [c[: -len("_year_status")] for c in b.columns if c.endswith("_year_status")]
        head = [t("label_branch", lang), t("label_region", lang)]
        head += [t(f"annual_{k}_quarters", lang) for k in ("reward", "pay_cut", "heavier_cut", "recheck")]
        for _, kpi in checks:
            head += [t("annual_check_mean", lang, kpi=kpi_label(kpi, lang)), t("label_rank", lang)]
        head.append(t("label_excellent_branch", lang))
        for kpi in yearly:
            head += [t("annual_year_value", lang, kpi=kpi_label(kpi, lang)), t("label_status", lang)]
        rows = [self._branch_row(r, checks, yearly) for r in b.sort_values("branch_id").to_dict("records")]
        note = f"<p style='font-size:0.8em'>{_e(t('note_annual_branches', lang))}</p>"
        return HtmlBlock(data_table(head, rows) + note)

    def _branch_row(self, r: dict[str, Any], checks: list[tuple[str, str]], yearly: list[str]) -> str:
        """One ``<tr>`` of :meth:`branch_table`."""
        lang, known = self.lang, self._branch_names.get(str(r["branch_id"]), r)
        cells = [
            f"{localised_name(known, 'branch_name', lang)} ({r['branch_id']})",
            localised_name(known, "region", lang),
            *(_count(r.get(f"{k}_quarters")) for k in ("reward", "pay_cut", "heavier_pay_cut", "recheck")),
        ]
        for name, kpi in checks:
            n = r.get(f"{name}_annual_n")
            mean = format_value(kpi, _float(r.get(f"{name}_annual_mean")), lang)
            cells += [
                mean if _missing(n) else f"{mean} (n={_count(n)})",
                _count(r.get(f"{name}_annual_rank")),
            ]
        cells.append(value_label("flag", bool(r.get("excellent_branch", False)), lang))
        for kpi in yearly:
            n = r.get(f"{kpi}_year_n")
            value = format_value(kpi, _float(r.get(f"{kpi}_year")), lang)
            status = _STATUS_KEYS.get(str(r.get(f"{kpi}_year_status")), "")
            cells += [
                value if _missing(n) else f"{value} (n={_count(n)})",
                t(status, lang) if status else "–",
            ]
        # names read from the left; regions, short words and numbers are never broken
        style = ["text-align:left", "text-align:left;white-space:nowrap"]
        style += ["white-space:nowrap"] * (len(cells) - 2)
        return (
            "<tr>"
            + "".join(f"<td style='{s}'>{_e(c)}</td>" for s, c in zip(style, cells, strict=True))
            + "</tr>"
        )

    def data_quality(self) -> HtmlBlock:
        """The optional tables not provided (or empty) and what they leave out; empty when none."""
        return self.missing.data_quality_section()

    def headline(self) -> dict[str, Any]:
        """Headline numbers of the year for the index page (counts carry their unit)."""
        return self.summary.consequences().headline(self.lang)

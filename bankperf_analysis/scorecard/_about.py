"""The About sheet of the workbook: provenance, totals and the scheme's rules in words.

What ties a workbook to a report (the data fingerprint, the parameters hash, the package
version and code digest, when it was made, in the bank's time zone) and what HR needs to
read it without the YAML: the grade bands, each role's weights and targets, the bonus and
deduction rules and the branch checks' consequences, in ``lang``.

Examples
--------
>>> from bankperf_analysis.scheme import load_scheme
>>> rows = dict(scheme_rules(load_scheme(), "zh"))
>>> rows["等级：优秀"], rows["各等级奖金"]
('综合得分 90 分及以上', '2,000 元 × 绩效系数（优秀 1、良好 0.5）；其他等级为 0')
>>> dict(scheme_rules(load_scheme(), "en"))["Grade good"]
'composite score from 80 to under 90'
"""

from __future__ import annotations

from bankperf_analysis.i18n import LABELS, kpi_label, role_label, t
from bankperf_analysis.kpis import KPIS, UNITS
from bankperf_analysis.numbers import fmt_number, fmt_percent

__all__ = ["scheme_rules", "provenance_rows"]


def _grade(g: str, lang: str) -> str:
    return t(f"grade_{g}", lang) if f"grade_{g}" in LABELS else g


def _target(kpi: str, value: float, lang: str) -> str:
    """A target with its unit: ``90.0 %``, ``180 秒``, ``5 每月``."""
    info = KPIS.get(kpi)
    if info is not None and UNITS[info.unit].percent:
        return fmt_percent(value)
    sym = UNITS[info.unit].symbol(lang) if info is not None else ""
    return f"{value:g} {sym}".strip()


def _band(low: float | None, high: float | None, lang: str) -> str:
    if low is None:
        return t("band_below", lang, high=f"{high:g}")
    if high is None:
        return t("band_from", lang, low=f"{low:g}")
    return t("band_between", lang, low=f"{low:g}", high=f"{high:g}")


def _kpi_rules(kpis, lang: str) -> str:
    sep = "；" if lang == "zh" else "; "
    parts = []
    for k in kpis:
        name = kpi_label(k.kpi, lang) if k.kpi in KPIS else k.kpi
        if getattr(k, "scored_on", "own") == "team":
            name += t("rule_kpi_team", lang) if lang == "zh" else " " + t("rule_kpi_team", lang)
        parts.append(
            t(
                "rule_kpi",
                lang,
                kpi=name,
                weight=fmt_percent(k.weight, 0),
                target=_target(k.kpi, k.target, lang),
            )
        )
    return sep.join(parts)


def _money_rules(scheme, lang: str) -> list[tuple[str, str]]:
    sep = "、" if lang == "zh" else ", "
    rule = scheme.money.rule
    if rule is None:
        fixed = "；".join if lang == "zh" else "; ".join
        bonus = fixed(
            t("bonus_fixed", lang, grade=_grade(g, lang), yuan=fmt_number(y, 0))
            for g, y in scheme.money.bonus_by_grade.items()
        )
        return [(t("about_bonus", lang), bonus)]
    coefs = sep.join(f"{_grade(g, lang)} {c:g}" for g, c in rule.coefficient_by_grade.items())
    if rule.pool is not None:
        p = rule.pool
        amount = (
            t("pool_per_head", lang, yuan=fmt_number(p.yuan_per_head, 0))
            if p.yuan_per_head is not None
            else t("pool_fixed", lang, yuan=fmt_number(p.fixed_yuan or 0, 0))
        )
        bonus = t("bonus_pool", lang, per=t(f"pool_per_{p.per}", lang), amount=amount, coefs=coefs)
    else:
        bonus = t("bonus_coefficient", lang, base=fmt_number(rule.base_yuan or 0, 0), coefs=coefs)
    deduction = sep.join(
        t("bonus_fixed", lang, grade=_grade(g, lang), yuan=fmt_number(y, 0))
        for g, y in rule.deduction_by_grade.items()
    ) or t("deduction_none", lang)
    rows = [(t("about_bonus", lang), bonus), (t("about_deduction", lang), deduction)]
    if rule.branch_pay_cut is not None:
        b = rule.branch_pay_cut
        roles = sep.join(role_label(r, lang) if f"{r}" in LABELS else r for r in b.roles)
        rows.append(
            (
                t("about_branch_cut", lang),
                t("branch_cut_rule", lang, yuan=fmt_number(b.performance_pay_yuan, 0), roles=roles),
            )
        )
    return rows


def _check_rules(scheme, lang: str) -> list[tuple[str, str]]:
    rows = []
    sep = "；" if lang == "zh" else "; "
    for c in scheme.branch_checks:
        name = t(f"check_{c.name}", lang) if f"check_{c.name}" in LABELS else c.name
        parts = []
        if c.reward is not None:
            parts.append(t("check_reward_rule", lang, n=c.reward.top_n, score=f"{c.reward.min_score:g}"))
        if c.pay_cut is not None:
            parts.append(
                t("check_cut_rule", lang, share=fmt_percent(c.pay_cut.share, 0), score=f"{c.pay_cut.below:g}")
            )
        if c.heavier_pay_cut is not None:
            h = c.heavier_pay_cut
            parts.append(t("check_heavier_rule", lang, share=fmt_percent(h.share, 0), score=f"{h.below:g}"))
        if c.recheck_below is not None:
            parts.append(t("check_recheck_rule", lang, score=f"{c.recheck_below:g}"))
        rows.append((t("about_check", lang, check=name), sep.join(parts)))
    return rows


def scheme_rules(scheme, lang: str = "en") -> list[tuple[str, str]]:
    """The scheme's rules as (item, words) rows: bands, weights and targets, money, checks."""
    rows = [
        (t("about_band", lang, grade=_grade(b.grade, lang)), _band(b.low, b.high, lang))
        for b in scheme.grades
    ]
    for r in scheme.roles:
        words = _kpi_rules(r.kpis, lang) if r.scored else t("about_role_not_scored", lang)
        rows.append(
            (
                t("about_role_rules", lang, role=role_label(r.name, lang) if r.name in LABELS else r.name),
                words,
            )
        )
    if scheme.branch.kpis:
        rows.append((t("about_branch_rules", lang), _kpi_rules(scheme.branch.kpis, lang)))
    return rows + _money_rules(scheme, lang) + _check_rules(scheme, lang)


def provenance_rows(
    *, fingerprint: str | None, params_hash: str, scheme_name: str, timezone: str, lang: str
) -> list[tuple[str, str]]:
    """Data fingerprint, scheme and parameters hash, version, code digest, generation time."""
    import datetime as dt

    from bankperf_analysis import __version__
    from bankperf_analysis._provenance import code_digest
    from bankperf_analysis.l10n import local_time

    return [
        (t("footer_fingerprint", lang), fingerprint or t("not_available_short", lang)),
        (t("footer_scheme", lang), scheme_name),
        (t("footer_params_hash", lang), params_hash),
        (t("footer_version", lang), __version__),
        (t("footer_code_digest", lang), code_digest()),
        (t("footer_generated", lang), local_time(dt.datetime.now(dt.UTC), timezone, lang)),
    ]

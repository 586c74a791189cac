"""Number formats of the reports, in one place (issue 15, item 5): each rule, in en and zh.

Every rule was proven by planting its bug in :mod:`bankperf_analysis.numbers` and seeing its
test fail: ``p = 0.000`` (``fmt_p`` without the < 0.001 branch), ``-0.0`` (no ``+ 0.0`` in
the rounding), ``92.6%`` (percent without its space), raw seconds (``fmt_duration`` printing
``{v:.0f} s``), an unsigned fall's interval (``fmt_ci`` printing magnitudes), no
``unadjusted`` word (``ci_note`` returning ""), and a doubled unit (``label_with_unit``
always appending).
"""

from __future__ import annotations

import math

import pytest

from bankperf_analysis.numbers import (
    ci_note,
    fmt_ci,
    fmt_duration,
    fmt_n,
    fmt_number,
    fmt_p,
    fmt_percent,
    fmt_pp,
    fmt_signed,
    label_with_unit,
    p_text,
    unsigned_zero,
)
from bankperf_analysis.report.html import format_value
from bankperf_analysis.significance import compare_rates


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.0, "p < 0.001"),
        (1e-9, "p < 0.001"),
        (0.000999, "p < 0.001"),
        (0.001, "p = 0.001"),
        (0.0341, "p = 0.034"),
        (1.0, "p = 1.000"),
        (math.nan, "p = –"),
    ],
)
def test_p_values_below_one_in_a_thousand_read_less_than(p, text):
    assert p_text(p) == text
    assert "0.000" not in fmt_p(p)


@pytest.mark.parametrize("label", ["adjusted p", "校正后 p 值"])
def test_adjusted_p_label_keeps_the_rule(label):
    assert p_text(2e-5, label) == f"{label} < 0.001"


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (-0.04, 1, "0.0"),
        (-0.0, 1, "0.0"),
        (-0.004, 2, "0.00"),
        (-0.4, 0, "0"),
        (-0.06, 1, "-0.1"),
        (1234.5, 0, "1,234"),
    ],
)
def test_a_value_that_rounds_to_zero_is_unsigned(value, digits, text):
    assert fmt_number(value, digits) == text


@pytest.mark.parametrize(("value", "text"), [(-0.04, "0.0"), (0.04, "0.0"), (1.25, "+1.2"), (-1.26, "-1.3")])
def test_signed_changes_have_no_signed_zero(value, text):
    assert fmt_signed(value) == text


@pytest.mark.parametrize(
    ("text", "fixed"), [("-0.0", "0.0"), ("+0.00", "0.00"), ("-0.1", "-0.1"), ("-0", "0")]
)
def test_already_formatted_text_loses_the_sign_of_zero(text, fixed):
    assert unsigned_zero(text) == fixed


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize(
    ("share", "text"), [(0.9264, "92.6 %"), (0.881, "88.1 %"), (-0.00001, "0.0 %"), (1.0, "100.0 %")]
)
def test_one_percent_style_in_both_languages(share, text, lang):
    assert fmt_percent(share) == text
    assert format_value("satisfaction_rate", share, lang) == text


@pytest.mark.parametrize(
    ("diff", "lang", "text"),
    [(0.012, "en", "+1.2 pp"), (-0.035, "zh", "-3.5 个百分点"), (-0.0004, "en", "0.0 pp")],
)
def test_percentage_point_changes(diff, lang, text):
    assert fmt_pp(diff, lang) == text


@pytest.mark.parametrize(
    ("seconds", "lang", "text"),
    [
        (19.5, "en", "0:20"),
        (59.6, "en", "1:00"),
        (105.0, "en", "1:45"),
        (120.0, "en", "2:00"),
        (120.6, "en", "2.0 min"),
        (358.8, "en", "6.0 min"),
        (19.5, "zh", "20秒"),
        (105.0, "zh", "1分45秒"),
        (358.8, "zh", "6.0分钟"),
    ],
)
def test_durations_read_minutes_and_seconds(seconds, lang, text):
    assert fmt_duration(seconds, lang) == text
    assert format_value("queue_wait_seconds", seconds, lang) == text


@pytest.mark.parametrize(("lang", "unit"), [("en", "pp"), ("zh", "个百分点")])
def test_a_falls_interval_keeps_its_minus_signs(lang, unit):
    sep = " to " if lang == "en" else " 至 "
    assert fmt_ci(-3.44, -1.23, unit=unit, lang=lang) == f"-3.4{sep}-1.2 {unit}"
    assert fmt_ci(1.23, 3.44, unit=unit, lang=lang) == f"+1.2{sep}+3.4 {unit}"
    assert fmt_ci(-0.04, 2.0, lang=lang) == f"0.0{sep}+2.0"


@pytest.mark.parametrize(("lang", "sep", "unadj"), [("en", " to ", "unadjusted"), ("zh", " 至 ", "未校正")])
def test_verdicts_sign_a_falls_interval(lang, sep, unadj):
    fell = compare_rates(850, 1000, 810, 1000).verdict(lang)
    assert f"-7.3{sep}-0.7" in fell and "0.7–7.3" not in fell
    assert unadj not in fell  # one comparison: nothing adjusted, nothing to say


@pytest.mark.parametrize(("lang", "word"), [("en", "unadjusted"), ("zh", "未校正")])
def test_unadjusted_interval_beside_an_adjusted_verdict_says_so(lang, word):
    # raw p = 0.02 < 0.05, but adjusted over 12 comparisons it is not: the interval excludes 0
    raw = compare_rates(850, 1000, 810, 1000)
    adj = raw.with_adjusted_pvalue(min(1.0, 12 * raw.pvalue), "bonferroni", 12)
    text = adj.verdict(lang)
    assert word in text and ("after adjusting" in text or "校正后" in text), text
    assert ci_note(True, lang) == word and ci_note(False, lang) == ""


@pytest.mark.parametrize(
    ("label", "unit", "text"),
    [
        ("Cross-sales per month", "per month", "Cross-sales per month"),
        ("Average response time", "s", "Average response time (s)"),
        ("交叉销售", "每月", "交叉销售 (每月)"),
        ("交叉销售（每月）", "每月", "交叉销售（每月）"),
    ],
)
def test_no_doubled_unit(label, unit, text):
    assert label_with_unit(label, unit) == text


def test_trend_panel_titles_do_not_double_the_unit():
    import pandas as pd

    from bankperf_analysis.plots.trends import kpi_trends

    k = pd.DataFrame(
        {"level": ["branch"], "kpi": ["cross_sales_per_month"], "period": ["2026Q4"], "value": [3.0]}
    )
    fig = kpi_trends(
        k,
        ["2026Q4"],
        kpis=["cross_sales_per_month"],
        units={"cross_sales_per_month": "products per month"},
        targets={},
        entity_label="B1",
    )
    assert [ax.get_title() for ax in fig.axes][0] == "Cross-sales per month"


@pytest.mark.parametrize(
    ("n", "kpi", "lang", "text"),
    [
        (965, "satisfaction_rate", "en", "n = 965 surveys"),
        (965, "satisfaction_rate", "zh", "n = 965 份问卷"),
        (1, "satisfaction_rate", "en", "n = 1 survey"),
        (45, "cross_sales_per_month", "en", "n = 45 staff-months"),
        (3025, "queue_wait_seconds", "zh", "n = 3,025 位柜台客户"),
    ],
)
def test_sample_sizes_carry_their_unit(n, kpi, lang, text):
    assert fmt_n(n, kpi, lang) == text

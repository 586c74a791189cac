"""Labels in both languages; escaping helpers."""

from __future__ import annotations

import re

import pytest

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import (
    KPI_KEYS,
    LABELS,
    LANGS,
    ROLE_KEYS,
    kpi_label,
    label_map,
    md_escape,
    role_label,
    safe_html,
    t,
    unit_label,
)

# Source: the Chinese KPI terms of the bank's source documents 000-004, as listed in the KPI
# table ("KPIs, formulas and default targets") of the domain reference docs/domain.md (the
# document of each KPI is noted on its line; docs/domain.md quotes some in full, e.g. 现金业务差错率).
# The package's label of each KPI contains the reference's Chinese term and, where the
# reference's English wording is the usual one, its English name.
DOMAIN_KPI_TERMS = {
    "satisfaction_rate": ("satisfaction", "客户满意度"),  # 000, 003
    "onsite_survey_score": ("on-site survey", "现场问卷"),  # 004
    "callback_survey_score": ("call-back", "电话回访"),  # 004
    "response_time_seconds": ("average response time", "平均响应时间"),  # 000
    "service_level": ("service level", "服务水平"),  # 001
    "resolution_rate": ("resolution rate", "问题解决率"),  # 000
    "cross_sales_per_month": ("cross-sales", "交叉销售"),  # 000
    "cash_error_rate": ("cash error rate", "现金差错率"),  # 004
    "ledger_error_rate": ("ledger error rate", "账务处理差错率"),  # 004
    "handling_minutes": ("average handling time", "平均业务办理时间"),  # 004
    "volume_vs_baseline": ("volume vs baseline", "业务量完成情况"),  # 004
    "complaint_count": ("complaint", "投诉数量"),  # 004
    "complaint_resolution_score": ("complaint-resolution satisfaction", "投诉处理满意度"),  # 004
    "dress_score": ("dress", "着装规范"),  # 004
    "manner_score": ("manner", "仪态举止"),  # 004
    "training_attendance_rate": ("training attendance", "培训出席率"),  # 004
    "training_exam_score": ("training exam", "培训考核成绩"),  # 004
    "new_customers": ("new customers", "新客户拓展"),  # 002
    "mystery_shopper_score": ("mystery-shopper score", "神秘人检查"),  # 003
    "queue_wait_seconds": ("queue waiting time", "排队等候时间"),  # 003
    "churn_rate": ("churn rate", "客户流失率"),  # 001
}
ROLES_ZH = {
    "customer_service_rep": "客服代表",
    "teller": "柜员",
    "customer_manager": "客户经理",
    "lobby_manager": "大堂经理",
    "service_manager": "客服经理",
    "data_analyst": "数据分析师",
    # the posts of 003 措施(二): 理财经理, 理财顾问 (003 writes 理财参谋), 大堂副理
    "wealth_manager": "理财经理",
    "financial_advisor": "理财顾问",
    "deputy_lobby_manager": "大堂副理",
}
# 003 措施(二)(2)'s branch types (精品网点, 理财中心, 营业部)
BRANCH_TYPES_ZH = {"flagship": "精品网点", "wealth_center": "理财中心", "business_department": "营业部"}
STATUS_WORDS = [
    "status_met",
    "status_below",
    "status_insufficient",
    "grade_excellent",
    "grade_good",
    "grade_pass",
    "grade_needs_improvement",
    "action_reward",
    "action_cut",
    "action_heavier_cut",
    "action_recheck",
]


def test_every_key_has_both_languages():
    assert LANGS == ("en", "zh")
    for key, texts in LABELS.items():
        assert set(texts) == set(LANGS), key
        assert all(isinstance(v, str) and v.strip() for v in texts.values()), key


def test_chinese_labels_are_chinese():
    for key, texts in LABELS.items():
        if key.startswith("unit_") or key.startswith("footer_version"):
            continue
        if not any(ch.isalpha() for ch in re.sub(r"\{\w+\}", "", texts["en"])):
            continue  # punctuation only (a separator, brackets around a placeholder)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in texts["zh"]), key


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"


def test_kpi_names():
    """Every KPI of the catalogue is named in both languages, distinctly, and Chinese in Chinese."""
    from bankperf_analysis.metrics import KPI_CATALOGUE

    assert set(KPI_KEYS) == set(KPI_CATALOGUE)
    en = {k: kpi_label(k, "en") for k in KPI_CATALOGUE}
    zh = {k: kpi_label(k, "zh") for k in KPI_CATALOGUE}
    for k in KPI_CATALOGUE:
        assert en[k].strip() and zh[k].strip(), k
        assert sum(map(_is_cjk, zh[k])) >= 2, (k, zh[k])  # a Chinese name, not a copy of the key
        assert not any(_is_cjk(ch) for ch in en[k]), (k, en[k])
        assert en[k] != zh[k] and k not in (en[k], zh[k])
    assert len(set(en.values())) == len(en), "two KPIs share an English label"
    assert len(set(zh.values())) == len(zh), "two KPIs share a Chinese label"


@pytest.mark.parametrize(("kpi", "terms"), sorted(DOMAIN_KPI_TERMS.items()))
def test_kpi_names_use_the_domain_terms(kpi, terms):
    en, zh = terms
    assert zh in kpi_label(kpi, "zh")
    assert en in kpi_label(kpi, "en").lower()


def test_kpi_and_role_tables_are_complete():
    from bankperf_analysis.dataset.schema import BRANCH_TYPES, ROLES

    assert set(ROLE_KEYS) == set(ROLES_ZH) == set(ROLES)  # every role of the data has a label
    assert {r: role_label(r, "zh") for r in ROLE_KEYS} == ROLES_ZH
    for bt in BRANCH_TYPES:  # and every branch type, in Chinese
        assert sum(map(_is_cjk, t(f"branch_type_{bt}", "zh"))) >= 2, bt
    assert {bt: t(f"branch_type_{bt}", "zh") for bt in BRANCH_TYPES_ZH} == BRANCH_TYPES_ZH


def test_status_words():
    assert [t(k, "zh") for k in STATUS_WORDS[:3]] == ["达标", "未达标", "数据不足"]
    assert [t(k, "en") for k in STATUS_WORDS[3:7]] == ["excellent", "good", "pass", "needs improvement"]
    assert t("action_recheck", "zh") == "下期复查"


def test_units_and_label_map():
    assert unit_label("seconds", "zh") == "秒" and unit_label("unit_yuan", "en") == "yuan"
    assert label_map(["label_branch", "label_score"], "zh") == {"label_branch": "网点", "label_score": "得分"}


def test_unknown_keys_and_languages_raise():
    with pytest.raises(ParamsError, match="known label key"):
        t("no_such_key", "en")
    with pytest.raises(ParamsError, match="lang"):
        t("teller", "fr")
    with pytest.raises(ParamsError):
        kpi_label("teller", "en")
    with pytest.raises(ParamsError):
        role_label("satisfaction_rate", "en")


def test_escaping_helpers():
    hostile = "<script>alert(1)</script>"
    assert safe_html(hostile) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert safe_html('a "b" & c') == "a &quot;b&quot; &amp; c"
    escaped = md_escape(hostile + " *x* [l](u) #1\nnext")
    assert "<" not in escaped and ">" not in escaped and "\n" not in escaped
    assert r"\*x\*" in escaped and r"\[l\]\(u\)" in escaped


def test_md_escape_renders_as_plain_text():
    markdown2html = pytest.importorskip("nbconvert.filters").markdown2html
    html = markdown2html("## " + md_escape("<img src=x onerror=alert(1)> *王* _x_"))
    assert "<img" not in html and "<em>" not in html
    assert "&lt;img" in html
    assert "王" in html or "&#29579;" in html


# Issue 15: the terms a Chinese bank uses. Each retired term (left) must appear in no Chinese
# label and in no training topic of the default scheme; each right-hand term must be in use.
RETIRED_TERMS = {
    "评分卡": "绩效考核表",
    "扣减绩效": "扣罚绩效工资",
    "待改进": "不合格",
    "放弃率": "呼损率",
    "投诉按时处理率": "投诉及时处理率",
    "产品知识与首问负责": "产品知识与问题一次解决",
    "人员编制计划": "定编方案",
    "全职人力": "折合全职人数(FTE)",
}


def test_the_wording_a_chinese_bank_uses():
    from bankperf_analysis.scheme import load_scheme

    zh = [v["zh"] for v in LABELS.values()]
    zh += [topic.zh for topic in load_scheme().training_topics.values()]
    for old, new in RETIRED_TERMS.items():
        assert not [s for s in zh if old in s.replace(new, "")], old
        assert any(new in s for s in zh), new
    assert t("branch_type_flagship", "zh") == "精品网点"
    assert t("grade_basic_pass", "zh") == "基本合格" and t("grade_fail", "zh") == "不合格"


def test_periods_and_times_as_a_chinese_reader_writes_them():
    from bankperf_analysis.l10n import local_time, period_label

    assert [period_label(f"2026Q{q}", "zh") for q in range(1, 5)] == [
        "2026年第一季度",
        "2026年第二季度",
        "2026年第三季度",
        "2026年第四季度",
    ]
    assert period_label("2026", "zh") == "2026年" and period_label("2026Q4", "en") == "2026Q4"
    # the manifest keeps UTC; what is shown is the scheme's zone, labelled, never a bare UTC
    assert local_time("2026-12-31 17:30:00 UTC", "Asia/Shanghai", "zh") == "2027-01-01 01:30:00（北京时间）"
    assert local_time("2026-07-01 12:00:00 UTC", "Europe/Berlin", "en") == "2026-07-01 14:00:00 (UTC+02:00)"


def test_the_schemes_time_zone_is_checked_and_used_by_the_index(tmp_path):
    from bankperf_analysis.runner.render import render_index
    from bankperf_analysis.scheme import load_scheme
    from bankperf_analysis.scheme.model import Scheme

    scheme = load_scheme()
    assert scheme.timezone == "Asia/Shanghai"
    d = scheme.to_dict()
    d["timezone"] = "Asia/Nowhere"
    with pytest.raises(ParamsError, match="IANA time zone"):
        Scheme.from_dict(d)
    d["timezone"] = "Asia/Tokyo"
    assert Scheme.from_dict(d).params_hash() != scheme.params_hash()  # a new zone re-runs the reports
    entry = {"id": "B01", "status": "ok", "html": "B01.html", "title": "演示支行1 (B01)"}
    entry["generated_at"] = "2026-12-02 12:35:00 UTC"
    page = render_index(
        [entry], quarter="2026Q4", lang="zh", version="0", run_started="", timezone="Asia/Tokyo"
    )
    assert "2026-12-02 21:35:00（UTC+09:00）" in page and "2026年第四季度" in page
    assert " UTC<" not in page and "12:35:00 UTC" not in page


def test_label_modules_do_not_override_each_other():
    """The workbook's and the appraisal sheet's labels merge into one table: a key defined in both
    with different words would silently rename one of them (the workbook's "Bonus list" sheet was
    once renamed "Bonus (yuan)" by the sheet's key)."""
    from bankperf_analysis._i18n_more import TABLES
    from bankperf_analysis.i18n import LABELS

    seen: dict[str, str] = {}
    for topic, source in TABLES.items():
        for key, (en, zh) in source.items():
            assert key not in seen, f"{key!r} is in both the {seen[key]} and the {topic} labels"
            seen[key] = topic
            assert LABELS[key] == {"en": en, "zh": zh}, key
            assert en.strip() and zh.strip(), key

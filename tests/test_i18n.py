"""Labels in both languages; escaping helpers."""

from __future__ import annotations

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

KPIS_ZH = {
    "satisfaction_rate": "客户满意度", "onsite_survey_score": "现场问卷评分",
    "callback_survey_score": "电话回访评分", "response_time_seconds": "平均响应时间",
    "service_level": "服务水平", "abandonment_rate": "放弃率", "resolution_rate": "问题解决率",
    "complaint_closed_on_time_rate": "投诉按时处理率",
    "complaint_median_hours": "投诉处理时长中位数", "complaint_count": "投诉数量",
    "complaint_resolution_score": "投诉处理满意度", "cross_sales_per_month": "交叉销售",
    "cash_error_rate": "现金差错率", "ledger_error_rate": "账务处理差错率",
    "handling_minutes": "平均业务办理时间", "volume_vs_baseline": "业务量完成情况",
    "dress_score": "着装规范", "manner_score": "仪态举止",
    "training_attendance_rate": "培训出席率", "training_exam_score": "培训考核成绩",
    "new_customers": "新客户拓展", "risk_incidents": "业务风险事件", "risk_loss_yuan": "风险损失",
    "on_duty_rate": "在岗率", "service_quality_score": "服务质量", "teamwork_score": "团队合作",
    "review_360_score": "360度评估", "mystery_shopper_score": "神秘人检查",
    "video_check_score": "视频检查", "queue_wait_seconds": "排队等候时间",
    "churn_rate": "客户流失率",
}
ROLES_ZH = {
    "customer_service_rep": "客服代表", "teller": "柜员", "customer_manager": "客户经理",
    "lobby_manager": "大堂经理", "service_manager": "客服经理", "data_analyst": "数据分析师",
}
STATUS_WORDS = [
    "status_met", "status_below", "status_insufficient", "grade_excellent", "grade_good",
    "grade_pass", "grade_needs_improvement", "action_reward", "action_cut",
    "action_heavier_cut", "action_recheck",
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
        assert any("\u4e00" <= ch <= "\u9fff" for ch in texts["zh"]), key


@pytest.mark.parametrize(("kpi", "zh"), sorted(KPIS_ZH.items()))
def test_kpi_names(kpi, zh):
    assert kpi_label(kpi, "zh") == zh
    assert kpi_label(kpi, "en") and kpi_label(kpi, "en") != zh


def test_kpi_and_role_tables_are_complete():
    assert set(KPI_KEYS) == set(KPIS_ZH)
    assert set(ROLE_KEYS) == set(ROLES_ZH)
    assert {r: role_label(r, "zh") for r in ROLE_KEYS} == ROLES_ZH


def test_status_words():
    assert [t(k, "zh") for k in STATUS_WORDS[:3]] == ["达标", "未达标", "数据不足"]
    assert [t(k, "en") for k in STATUS_WORDS[3:7]] == [
        "excellent", "good", "pass", "needs improvement"]
    assert t("action_recheck", "zh") == "下期复查"


def test_units_and_label_map():
    assert unit_label("seconds", "zh") == "秒" and unit_label("unit_yuan", "en") == "yuan"
    assert label_map(["label_branch", "label_score"], "zh") == {
        "label_branch": "网点", "label_score": "得分"}


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

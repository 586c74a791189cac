"""The one declaration of every KPI: what it is, how it is computed, who answers for it.

Each KPI is declared exactly once, in :data:`KPIS` below. Everything else derives from it:
the KPI list of the metrics SQL (``metrics.KPI_CATALOGUE``), the scheme's validation
(``scheme.KNOWN_KPIS``), the English and Chinese names and units of every report and
workbook (``i18n``), the tables that feed each KPI (``dataset.schema``), the significance
tests and the default channel scope of the contact KPIs. A test
(``tests/test_catalogue.py``) fails if a KPI is declared anywhere else.

The module imports nothing of the package but :mod:`bankperf_analysis.exceptions`, so that
every stage (dataset, scheme, metrics, i18n) can derive from it.

Examples
--------
>>> KPIS["service_level"].zh, KPIS["service_level"].accountability
('服务水平', 'team')
>>> KPIS["response_time_seconds"].channels, KPIS["queue_wait_seconds"].channels
(('phone', 'online'), ('counter',))
>>> KPIS["churn_rate"].target_period
'year'
>>> UNITS[KPIS["response_time_seconds"].unit].symbol("zh")
'秒'
>>> kpis_of_table("contacts")
('response_time_seconds', 'service_level', 'abandonment_rate', 'resolution_rate', 'queue_wait_seconds')
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from bankperf_analysis.exceptions import ParamsError

__all__ = [
    "ANNUAL_BASES",
    "Accountability",
    "AnnualBasis",
    "CHANNELS",
    "Channel",
    "Direction",
    "KPIS",
    "Kind",
    "Kpi",
    "TargetPeriod",
    "Test",
    "UNITS",
    "Unit",
    "channel_label",
    "check_channels",
    "default_channels",
    "kpi",
    "kpis_of_table",
    "ordinal_levels",
    "INDICATOR_GROUPS",
    "KPI_GROUPS",
    "indicator_group",
]

Direction = Literal["higher", "lower"]
Kind = Literal["rate", "mean", "count", "sum"]
Test = Literal["rate", "mean", "ordinal", "count"]
Accountability = Literal["individual", "team", "branch"]
TargetPeriod = Literal["month", "quarter", "year"]
AnnualBasis = Literal["year_to_date", "annualised"]
#: How a quarter is compared with a target stated per year (``scoring.annual_target_basis``):
#: the value from 1 January to the quarter's end, or the quarter's value annualised
#: (:mod:`bankperf_analysis.metrics.year_to_date`).
ANNUAL_BASES: tuple[str, ...] = ("year_to_date", "annualised")
Channel = Literal["phone", "counter", "online"]

#: The contact channels (``contacts.channel``), with their English and Chinese names.
CHANNELS: dict[str, tuple[str, str]] = {
    "phone": ("phone", "电话"),
    "counter": ("counter", "柜台"),
    "online": ("online", "在线"),
}

_INF = math.inf


@dataclass(frozen=True, slots=True)
class Unit:
    """A unit of KPI values, with its English and Chinese names and symbols.

    Attributes
    ----------
    id : str
        The unit's identifier (``Kpi.unit``), e.g. ``"share"``, ``"seconds"``.
    en, zh : str
        Its name, e.g. ``"seconds"`` / ``"秒"`` (text: "in seconds").
    symbol_en, symbol_zh : str
        What follows a number, e.g. ``"s"`` / ``"秒"``; empty for plain numbers
        (counts, points).
    percent : bool
        Values are fractions shown times 100 with a ``%`` sign.
    """

    id: str
    en: str
    zh: str
    symbol_en: str = ""
    symbol_zh: str = ""
    percent: bool = False

    def name(self, lang: str) -> str:
        """The unit's name in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en

    def symbol(self, lang: str) -> str:
        """What follows a number in ``lang`` (empty for plain numbers)."""
        return self.symbol_zh if lang == "zh" else self.symbol_en


#: The one vocabulary of KPI units.
UNITS: dict[str, Unit] = {
    u.id: u
    for u in (
        Unit("share", "share", "比例", "%", "%", percent=True),
        Unit("share of baseline", "share of baseline", "基准比例", "%", "%", percent=True),
        Unit("seconds", "seconds", "秒", "s", "秒"),
        Unit("minutes", "minutes", "分钟", "min", "分钟"),
        Unit("hours", "hours", "小时", "h", "小时"),
        Unit("yuan", "yuan", "元", "yuan", "元"),
        Unit("complaints", "complaints", "件"),
        Unit("customers", "customers", "位客户"),
        Unit("incidents", "incidents", "起"),
        Unit("products per month", "products per month", "件/月", "per month", "每月"),
        Unit("points of 5", "points of 5", "分（5 分制）"),
        Unit("points of 10", "points of 10", "分（10 分制）"),
        Unit("points of 100", "points of 100", "分（百分制）"),
    )
}


@dataclass(frozen=True, slots=True)
class Kpi:
    """One KPI: its names, unit, direction and range, who is accountable, how it is computed.

    Attributes
    ----------
    name : str
        snake_case identifier, used everywhere (the KPI frame's ``kpi`` column, the scheme,
        reports, workbooks).
    en, zh : str
        Its name in English and Chinese.
    unit : str
        A key of :data:`UNITS`.
    direction : {"higher", "lower"}
        Which way is better.
    low, high : float
        Range of possible values (``high`` may be ``inf``); scheme targets and floors must
        lie in it.
    accountability : {"individual", "team", "branch"}
        Who answers for the value. ``individual``: the person's own work (their surveys,
        errors, sales). ``team``: an outcome of the queue or branch the person works in
        (its staffing and demand), not of one person: a person is to be judged on the
        team's value, not on a value computed over their own contacts. ``branch``: the
        branch as a unit (checks, churn, the counter queue); no person's value exists.
        Declared here; scoring by it is the scheme's (issue 13, item 2).
    channels : tuple of {"phone", "counter", "online"}
        For KPIs of the ``contacts`` table: the contact channels it counts by default
        (the scheme's ``definitions.channels`` may change it). Empty for other KPIs.
    target_period : {"month", "quarter", "year"}
        The period a target of this KPI is stated for: ``month`` (5 products per month),
        ``quarter`` (the scoring cycle), ``year`` (churn 15 % → 10 % in the first year).
        A quarter is compared with a ``year`` target on the scheme's
        ``scoring.annual_target_basis`` (year-to-date or annualised,
        :mod:`bankperf_analysis.metrics.year_to_date`); a ``month`` KPI's value is already a
        per-month mean over the quarter's months.
    min_n : int
        Default minimum number of observations behind a value for it to be scored (the
        scheme's ``min_n`` when a rule leaves it out): 0 for counts, where zero
        observations is a valid value.
    table : str
        The contract table it is computed from.
    kind : {"rate", "mean", "count", "sum"}
        ``rate``: share in [0, 1]; ``mean``: average of observations; ``count``/``sum``:
        totals (value = numerator).
    test : {"rate", "mean", "ordinal", "count"}
        Which significance test fits.
    formula : str
        The definition, as documented in docs/domain.md.
    staff_level : bool
        Computed per staff member (False: branch and above only).
    is_count : bool
        A count or amount, where zero observations is a valid value.
    zero_if_absent : bool
        An event count (complaints, new customers, risk incidents and losses): a person
        with other KPI rows in the period but no row for this KPI had zero events.
    binomial : bool
        For a rate: numerator and denominator count the same units, so a binomial test
        fits (False: yuan over yuan, hours over hours).
    decimals : int or None
        Decimals shown for a percentage (None: the unit's default).
    n_unit : str
        What ``n`` counts when not one row of its table (a key of the ``n_unit_*`` labels of
        :mod:`bankperf_analysis.i18n`, e.g. ``"staff_months"``); empty: by its table.
    """

    name: str
    en: str
    zh: str
    unit: str
    direction: Direction
    low: float
    high: float
    table: str
    kind: Kind
    test: Test
    formula: str
    accountability: Accountability = "individual"
    channels: tuple[str, ...] = ()
    target_period: TargetPeriod = "quarter"
    min_n: int = 1
    staff_level: bool = True
    is_count: bool = False
    zero_if_absent: bool = False
    binomial: bool = True
    decimals: int | None = None
    n_unit: str = ""

    def label(self, lang: str) -> str:
        """The KPI's name in ``lang`` (``"en"`` or ``"zh"``)."""
        return self.zh if lang == "zh" else self.en

    @property
    def is_rate(self) -> bool:
        """True when the value is a fraction in [0, 1] (shown as a percentage)."""
        return self.unit == "share"


#: The remote queues (inquiries): response time, service level and abandonment count them by
#: default (domain.md corrections: the 95 %-in-30-s (001) and 3-minute (000) targets concern
#: inquiries, not the counter queue, which has its own KPI, queue waiting time (003)).
_REMOTE = ("phone", "online")
_ALL_CHANNELS = ("phone", "counter", "online")


# fmt: off
#: Every KPI, in report order (docs/domain.md "KPIs, formulas and default targets").
KPIS: dict[str, Kpi] = {
    k.name: k
    for k in (
        Kpi(
            "satisfaction_rate", "Customer satisfaction", "客户满意度", "share", "higher", 0, 1,
            "surveys", "rate", "rate",
            "satisfied answers (score >= threshold) / all survey answers",
        ),
        Kpi(
            "onsite_survey_score", "On-site survey score", "现场问卷评分", "points of 10", "higher", 1, 10,
            "surveys", "mean", "mean", "mean of on-site questionnaire scores (1-10)",
        ),
        Kpi(
            "callback_survey_score", "Phone call-back score", "电话回访评分", "points of 10", "higher",
            1, 10, "surveys", "mean", "mean", "mean of phone call-back scores (1-10)",
        ),
        Kpi(
            "response_time_seconds", "Average response time", "平均响应时间", "seconds", "lower", 0, _INF,
            "contacts", "mean", "mean",
            "mean seconds from arrival to first answer, over answered contacts",
            accountability="team", channels=_REMOTE,
        ),
        Kpi(
            "service_level", "Service level", "服务水平", "share", "higher", 0, 1,
            "contacts", "rate", "rate",
            "contacts answered within T seconds / contacts offered (staff level: / contacts the "
            "person answered, since an abandoned contact has no staff member)",
            accountability="team", channels=_REMOTE,
        ),
        # Abandonment: the other side of service level's denominator (contacts offered and not
        # answered), so it counts the same queues as service level.
        Kpi(
            "abandonment_rate", "Abandonment rate", "呼损率", "share", "lower", 0, 1,
            "contacts", "rate", "rate", "abandoned contacts / contacts offered",
            accountability="team", channels=_REMOTE, staff_level=False,
        ),
        # Resolution: every channel. 000 measures the share of customers' problems the service
        # staff solve, whatever the channel; 003 asks branches to solve at the counter what they
        # can (网点权限内能解决的问题，要现场解决). A property of the handled contact, not a queue.
        Kpi(
            "resolution_rate", "Resolution rate", "问题解决率", "share", "higher", 0, 1,
            "contacts", "rate", "rate", "resolved contacts / handled (answered) contacts",
            channels=_ALL_CHANNELS,
        ),
        Kpi(
            "queue_wait_seconds", "Queue waiting time", "排队等候时间", "seconds", "lower", 0, _INF,
            "contacts", "mean", "mean", "branch counter customers' mean wait from arrival to being served",
            accountability="branch", channels=("counter",), staff_level=False,
            n_unit="counter_visits",
        ),
        Kpi(
            "complaint_count", "Complaints", "投诉数量", "complaints", "lower", 0, _INF,
            "complaints", "count", "count", "complaints opened against the person / branch in the period",
            min_n=0, is_count=True, zero_if_absent=True,
        ),
        Kpi(
            "complaint_closed_on_time_rate", "Complaints closed on time", "投诉及时处理率", "share",
            "higher", 0, 1, "complaints", "rate", "rate",
            "complaints closed within the deadline (24 h) / complaints opened",
        ),
        Kpi(
            "complaint_median_hours", "Median complaint handling time", "投诉处理时长中位数", "hours",
            "lower", 0, _INF, "complaints", "mean", "mean",
            "median hours from opening to closing, over closed complaints",
        ),
        Kpi(
            "complaint_resolution_score", "Complaint-resolution satisfaction", "投诉处理满意度",
            "points of 5", "higher", 1, 5, "complaints", "mean", "ordinal",
            "mean of 1-5 resolution-satisfaction scores after a complaint is closed",
        ),
        Kpi(
            "cross_sales_per_month", "Cross-sales per month", "交叉销售", "products per month", "higher",
            0, _INF, "sales", "mean", "mean", "products sold / staff-months employed (sales roles)",
            target_period="month", min_n=0, is_count=True,
            n_unit="staff_months",
        ),
        Kpi(
            "cash_error_rate", "Cash error rate", "现金差错率", "share", "lower", 0, 1,
            "teller_transactions", "rate", "rate", "cash error amount / cash handled",
            binomial=False, decimals=3,
        ),
        Kpi(
            "ledger_error_rate", "Ledger error rate", "账务处理差错率", "share", "lower", 0, 1,
            "teller_transactions", "rate", "rate", "ledger entries with an error / all ledger entries",
            decimals=3,
        ),
        Kpi(
            "handling_minutes", "Average handling time", "平均业务办理时间", "minutes", "lower", 0, _INF,
            "teller_transactions", "mean", "mean", "total handling minutes / transactions",
            n_unit="transactions",
        ),
        Kpi(
            "volume_vs_baseline", "Volume vs baseline", "业务量完成情况", "share of baseline", "higher",
            0, _INF, "teller_transactions", "mean", "mean",
            "transactions / (baseline per month x teller-months employed)",
            target_period="month",
            n_unit="teller_months",
        ),
        Kpi(
            "dress_score", "Dress code", "着装规范", "points of 10", "higher", 0, 10,
            "inspections", "mean", "mean", "mean of dress-code inspection scores (0-10)",
        ),
        Kpi(
            "manner_score", "Manner", "仪态举止", "points of 10", "higher", 0, 10,
            "inspections", "mean", "mean", "mean of manner inspection scores (0-10)",
        ),
        Kpi(
            "training_attendance_rate", "Training attendance", "培训出席率", "share", "higher", 0, 1,
            "training", "rate", "rate", "sessions attended / sessions held",
        ),
        Kpi(
            "training_exam_score", "Training exam score", "培训考核成绩", "points of 100", "higher", 0, 100,
            "training", "mean", "mean", "mean training exam score",
        ),
        Kpi(
            "new_customers", "New customers", "新客户拓展", "customers", "higher", 0, _INF,
            "new_customers", "count", "count", "new customers won",
            min_n=0, is_count=True, zero_if_absent=True,
        ),
        Kpi(
            "risk_incidents", "Risk incidents", "业务风险事件", "incidents", "lower", 0, _INF,
            "risk_incidents", "count", "count", "risk incidents attributed",
            min_n=0, is_count=True, zero_if_absent=True,
        ),
        Kpi(
            "risk_loss_yuan", "Risk losses", "风险损失", "yuan", "lower", 0, _INF,
            "risk_incidents", "sum", "count", "losses attributed to risk incidents",
            min_n=0, is_count=True, zero_if_absent=True,
        ),
        Kpi(
            "on_duty_rate", "On-duty rate", "在岗率", "share", "higher", 0, 1,
            "roster", "rate", "rate", "rostered hours on duty / rostered hours",
            accountability="team", binomial=False,
        ),
        Kpi(
            "service_quality_score", "Service quality", "服务质量", "points of 100", "higher", 0, 100,
            "qualitative_ratings", "mean", "mean", "supervisor's service-quality rating (0-100)",
        ),
        Kpi(
            "teamwork_score", "Teamwork", "团队合作", "points of 100", "higher", 0, 100,
            "qualitative_ratings", "mean", "mean", "supervisor's teamwork rating (0-100)",
        ),
        Kpi(
            "review_360_score", "360-degree review", "360度评估", "points of 100", "higher", 0, 100,
            "reviews_360", "mean", "mean",
            "360-degree review: mean score per rater group, weighted by the rater weights "
            "(groups absent are left out and the weights re-normalised); branch = mean over staff",
        ),
        Kpi(
            "mystery_shopper_score", "Mystery-shopper score", "神秘人检查", "points of 100", "higher",
            0, 100, "mystery_shopper", "mean", "mean",
            "mean of on-site mystery-shopper check scores (0-100)",
            accountability="branch", staff_level=False,
            n_unit="visits",
        ),
        Kpi(
            "video_check_score", "Video check score", "视频检查", "points of 100", "higher", 0, 100,
            "mystery_shopper", "mean", "mean", "mean of off-site video check scores (0-100)",
            accountability="branch", staff_level=False,
            n_unit="video_checks",
        ),
        Kpi(
            "churn_rate", "Customer churn rate", "客户流失率", "share", "lower", 0, 1,
            "customer_churn", "rate", "rate",
            "customers lost in the period / customers at the start of the period",
            accountability="branch", target_period="year", staff_level=False,
            n_unit="customers",
        ),
    )
}
# fmt: on


#: The indicator groups of the appraisal sheet (考核指标体系): 一级 (level 1) and 二级 (level 2)
#: indicators, id -> (English, Chinese), in the order a sheet lists them. From the seeds:
#: 004 groups a teller's KPIs into 业务能力 (accuracy, efficiency), 服务态度 (satisfaction
#: surveys, complaints) and 职业素养 (dress and manner, training); 002 adds 业绩 (business
#: won, new customers, risk control) and the qualitative review (service quality, teamwork,
#: 360 degrees); 003 the branch's own checks, queue and churn. A bank's own grouping is a
#: default to change here (the scheme does not override it yet).
INDICATOR_GROUPS: dict[str, tuple[str, str]] = {
    # level 1
    "results": ("Business results", "业绩指标"),
    "ability": ("Business ability", "业务能力指标"),
    "attitude": ("Service attitude", "服务态度指标"),
    "conduct": ("Professional conduct", "职业素养指标"),
    "qualitative": ("Qualitative review", "定性评价指标"),
    "branch": ("Branch service", "网点服务指标"),
    # level 2
    "sales": ("Sales and new customers", "业务拓展"),
    "risk": ("Risk control", "业务风险控制"),
    "accuracy": ("Accuracy", "业务操作准确性"),
    "efficiency": ("Efficiency", "业务办理效率"),
    "satisfaction": ("Customer satisfaction surveys", "客户满意度调查"),
    "complaints": ("Complaint handling", "投诉处理情况"),
    "appearance": ("Appearance and manner", "仪容仪表规范"),
    "learning": ("Learning and training", "学习与培训参与度"),
    "on_duty": ("On duty", "在岗情况"),
    "ratings": ("Service quality and teamwork", "服务质量与团队协作"),
    "review_360": ("360-degree review", "360度评估"),
    "checks": ("Service checks", "服务检查"),
    "queue_churn": ("Queue and churn", "排队与客户流失"),
}

# fmt: off
#: Each KPI's (level-1, level-2) indicator group (keys of :data:`INDICATOR_GROUPS`).
KPI_GROUPS: dict[str, tuple[str, str]] = {
    **dict.fromkeys(("cross_sales_per_month", "new_customers"), ("results", "sales")),
    **dict.fromkeys(("risk_incidents", "risk_loss_yuan"), ("results", "risk")),
    **dict.fromkeys(("cash_error_rate", "ledger_error_rate"), ("ability", "accuracy")),
    **dict.fromkeys(
        ("handling_minutes", "volume_vs_baseline", "response_time_seconds", "service_level",
         "abandonment_rate", "resolution_rate"),
        ("ability", "efficiency"),
    ),
    **dict.fromkeys(
        ("satisfaction_rate", "onsite_survey_score", "callback_survey_score"), ("attitude", "satisfaction")
    ),
    **dict.fromkeys(
        ("complaint_count", "complaint_closed_on_time_rate", "complaint_median_hours",
         "complaint_resolution_score"),
        ("attitude", "complaints"),
    ),
    **dict.fromkeys(("dress_score", "manner_score"), ("conduct", "appearance")),
    **dict.fromkeys(("training_attendance_rate", "training_exam_score"), ("conduct", "learning")),
    "on_duty_rate": ("conduct", "on_duty"),
    **dict.fromkeys(("service_quality_score", "teamwork_score"), ("qualitative", "ratings")),
    "review_360_score": ("qualitative", "review_360"),
    **dict.fromkeys(("mystery_shopper_score", "video_check_score"), ("branch", "checks")),
    **dict.fromkeys(("queue_wait_seconds", "churn_rate"), ("branch", "queue_churn")),
}
# fmt: on


def indicator_group(name: str) -> tuple[str, str]:
    """The (level-1, level-2) indicator group of KPI ``name`` (ParamsError if not a KPI).

    Examples
    --------
    >>> indicator_group("cash_error_rate")
    ('ability', 'accuracy')
    >>> [INDICATOR_GROUPS[g][1] for g in indicator_group("dress_score")]
    ['职业素养指标', '仪容仪表规范']
    """
    return KPI_GROUPS[kpi(name).name]


def kpi(name: str) -> Kpi:
    """The declaration of KPI ``name`` (ParamsError naming the known KPIs otherwise).

    Examples
    --------
    >>> kpi("churn_rate").direction
    'lower'
    """
    try:
        return KPIS[name]
    except (KeyError, TypeError):
        raise ParamsError(
            f"The 'kpi' parameter must be a known KPI ({', '.join(KPIS)}). Got {name!r} instead."
        ) from None


def default_channels() -> dict[str, tuple[str, ...]]:
    """The default channel scope of every contact KPI (the scheme may change each).

    Examples
    --------
    >>> default_channels()["service_level"]
    ('phone', 'online')
    """
    return {k.name: k.channels for k in KPIS.values() if k.channels}


def kpis_of_table(table: str) -> tuple[str, ...]:
    """The KPIs computed from contract table ``table``, in catalogue order (empty if none)."""
    return tuple(k.name for k in KPIS.values() if k.table == table)


def ordinal_levels(name: str) -> tuple[int, ...] | None:
    """The score levels of an ordinal KPI (its integer range), None for other KPIs.

    Examples
    --------
    >>> ordinal_levels("complaint_resolution_score")
    (1, 2, 3, 4, 5)
    """
    k = KPIS[name]
    if k.test != "ordinal":
        return None
    return tuple(range(int(k.low), int(k.high) + 1))


def channel_label(channels: tuple[str, ...], lang: str = "en") -> str:
    """The channels as text in ``lang``, in contract order.

    Examples
    --------
    >>> channel_label(("online", "phone")), channel_label(("phone", "online"), "zh")
    ('phone, online', '电话、在线')
    """
    pos = 1 if lang == "zh" else 0
    names = [CHANNELS[c][pos] for c in CHANNELS if c in channels]
    return ("、" if lang == "zh" else ", ").join(names)


def check_channels(value: object) -> tuple[str, ...] | None:
    """``value`` as a channel scope in contract order, or None if it is not one.

    A scope is a non-empty list of distinct known channels.

    Examples
    --------
    >>> check_channels(["online", "phone"]), check_channels(["fax"]), check_channels([])
    (('phone', 'online'), None, None)
    """
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if any(not isinstance(c, str) or c not in CHANNELS for c in value) or len(set(value)) != len(value):
        return None
    return tuple(c for c in CHANNELS if c in value)

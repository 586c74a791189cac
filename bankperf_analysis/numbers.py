"""Display formatting of numbers in the reports: the one place that decides how a number reads.

Every report (branch, overview, annual summary, index) and the verdict sentences of the
change tests format their numbers here, so that one rule holds everywhere:

* a p-value below 0.001 reads ``p < 0.001``, never ``p = 0.000`` (:func:`fmt_p`);
* a value that rounds to zero reads ``0.0``, never ``-0.0`` or ``+0.0`` (:func:`fmt_number`);
* one percent style in both languages: the number, a space, ``%`` (``92.6 %``,
  :func:`fmt_percent`);
* durations read ``m:ss`` up to 120 s and ``x.x min`` above (zh: ``1分45秒``, ``6.0分钟``,
  :func:`fmt_duration`);
* the confidence interval of a change is signed at both ends (``+1.2 to +3.4 pp``; a fall's
  ``-3.4 to -1.2 pp``, :func:`fmt_ci`), and says ``unadjusted`` (zh 未校正) when it stands
  beside a verdict adjusted for multiple comparisons (:func:`ci_note`);
* a label never repeats its unit (``Cross-sales per month``, not ``Cross-sales per month
  (per month)``, :func:`label_with_unit`);
* a sample size carries its unit (``n = 965 surveys``, ``n = 965 份问卷``, :func:`fmt_n`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from bankperf_analysis.i18n import check_lang, t
from bankperf_analysis.kpis import KPIS

__all__ = [
    "is_number",
    "fmt_number",
    "fmt_signed",
    "unsigned_zero",
    "fmt_percent",
    "fmt_pp",
    "fmt_p",
    "p_text",
    "fmt_duration",
    "fmt_ci",
    "ci_note",
    "label_with_unit",
    "fmt_n",
    "n_unit",
    "DASH",
]

#: What a missing number reads.
DASH = "–"

#: What the ``n`` of a KPI counts, by its table (``Kpi.n_unit`` where it is not one row of it).
_N_UNIT_OF_TABLE = {
    "surveys": "surveys",
    "contacts": "contacts",
    "complaints": "complaints",
    "teller_transactions": "transactions",
    "inspections": "inspections",
    "training": "sessions",
    "customer_churn": "customers",
    "mystery_shopper": "visits",
}


def is_number(x: Any) -> bool:
    """True for a finite real number (NumPy scalars included; None, NaN, inf and text are not).

    Examples
    --------
    >>> is_number(1.5), is_number(float("nan")), is_number(None), is_number("1")
    (True, False, False, False)
    """
    if x is None or isinstance(x, str | bytes | bool):
        return False
    try:
        return math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _round0(x: float, digits: int) -> float:
    """``x`` rounded to ``digits``, with a negative zero made positive."""
    return round(float(x), digits) + 0.0


def fmt_number(x: Any, digits: int = 1, *, grouping: bool = True) -> str:
    """A number with ``digits`` decimals and thousands separators; ``-0.0`` reads ``0.0``.

    Examples
    --------
    >>> fmt_number(-0.04), fmt_number(1234.56), fmt_number(3, 0), fmt_number(None)
    ('0.0', '1,234.6', '3', '–')
    """
    if not is_number(x):
        return DASH
    v = _round0(x, digits)
    return f"{v:,.{digits}f}" if grouping else f"{v:.{digits}f}"


def unsigned_zero(text: str) -> str:
    """``text`` (a number already formatted) without the sign of a zero: ``-0.0`` reads ``0.0``.

    Examples
    --------
    >>> unsigned_zero("-0.0"), unsigned_zero("+0.00"), unsigned_zero("-1.5"), unsigned_zero("-0.0 %")
    ('0.0', '0.00', '-1.5', '0.0 %')
    """
    m = re.match(r"^[+-](0(?:\.0+)?)(?![\d.])", text)
    return text[1:] if m else text


def fmt_signed(x: Any, digits: int = 1) -> str:
    """A change with its sign (``+1.2``, ``-1.2``); a change that rounds to zero reads ``0.0``.

    Examples
    --------
    >>> fmt_signed(1.23), fmt_signed(-1.23), fmt_signed(-0.04), fmt_signed(0.04)
    ('+1.2', '-1.2', '0.0', '0.0')
    """
    if not is_number(x):
        return DASH
    v = _round0(x, digits)
    return f"{v:,.{digits}f}" if v == 0 else f"{v:+,.{digits}f}"


def fmt_percent(share: Any, digits: int = 1) -> str:
    """A share (0.926) as a percentage, in the reports' one style: ``92.6 %`` (en and zh).

    Examples
    --------
    >>> fmt_percent(0.9264), fmt_percent(0.881, 0), fmt_percent(-0.0001), fmt_percent(None)
    ('92.6 %', '88 %', '0.0 %', '–')
    """
    if not is_number(share):
        return DASH
    return f"{fmt_number(100 * float(share), digits)} %"


def fmt_pp(diff: Any, lang: str = "en", digits: int = 1) -> str:
    """A change of a share (``0.012``) in signed percentage points: ``+1.2 pp`` / ``+1.2 个百分点``.

    Examples
    --------
    >>> fmt_pp(0.0123), fmt_pp(-0.035, "zh"), fmt_pp(-0.0001)
    ('+1.2 pp', '-3.5 个百分点', '0.0 pp')
    """
    if not is_number(diff):
        return DASH
    return f"{fmt_signed(100 * float(diff), digits)} {t('num_pp', lang)}"


def fmt_p(p: Any) -> str:
    """A p-value after its symbol: ``< 0.001`` below 0.001, else ``= 0.034`` (3 decimals).

    Examples
    --------
    >>> fmt_p(0.00002), fmt_p(0.0004999), fmt_p(0.0341), fmt_p(1.0), fmt_p(float("nan"))
    ('< 0.001', '< 0.001', '= 0.034', '= 1.000', '= –')
    """
    if not is_number(p):
        return f"= {DASH}"
    v = float(p)
    return "< 0.001" if v < 0.001 else f"= {v:.3f}"


def p_text(p: Any, label: str = "p") -> str:
    """A p-value with its label: ``p < 0.001``, ``adjusted p = 0.034``.

    Examples
    --------
    >>> p_text(0.0002), p_text(0.0341, "adjusted p")
    ('p < 0.001', 'adjusted p = 0.034')
    """
    return f"{label} {fmt_p(p)}"


def fmt_duration(seconds: Any, lang: str = "en", *, signed: bool = False) -> str:
    """A duration: ``m:ss`` up to 120 s, ``x.x min`` above (zh ``1分45秒`` / ``6.0分钟``).

    Parameters
    ----------
    seconds : float
    lang : {"en", "zh"}
    signed : bool, default False
        Show the sign (a change of a duration); zero reads unsigned.

    Examples
    --------
    >>> fmt_duration(19.5), fmt_duration(105), fmt_duration(358.8), fmt_duration(0.2)
    ('0:20', '1:45', '6.0 min', '0:00')
    >>> fmt_duration(19.5, "zh"), fmt_duration(105, "zh"), fmt_duration(60.2, "zh"), fmt_duration(358.8, "zh")
    ('20秒', '1分45秒', '1分钟', '6.0分钟')
    >>> fmt_duration(-32.4, signed=True), fmt_duration(-0.3, signed=True), fmt_duration(40, "zh", signed=True)
    ('-0:32', '0:00', '+40秒')
    """
    if not is_number(seconds):
        return DASH
    check_lang(lang)
    v = float(seconds)
    whole = int(round(abs(v)))
    sign = ("-" if v < 0 else "+") if signed and whole > 0 else ""
    if abs(v) > 120:
        minutes = fmt_number(abs(v) / 60, 1)
        return f"{sign}{minutes}分钟" if lang == "zh" else f"{sign}{minutes} min"
    m, s = divmod(whole, 60)
    if lang == "zh":
        return f"{sign}{m}分钟" if m and not s else f"{sign}{m}分{s}秒" if m else f"{sign}{s}秒"
    return f"{sign}{m}:{s:02d}"


def fmt_ci(lo: Any, hi: Any, *, digits: int = 1, unit: str = "", lang: str = "en") -> str:
    """The interval of a change, signed at both ends: ``+1.2 to +3.4 pp`` (zh ``至``).

    A fall's interval keeps its minus signs (``-3.4 to -1.2 pp``); an end that rounds to
    zero reads ``0.0``. ``unit`` follows the upper end (en with a space).

    Examples
    --------
    >>> fmt_ci(1.23, 3.44, unit="pp"), fmt_ci(-3.44, -1.23, unit="个百分点", lang="zh")
    ('+1.2 to +3.4 pp', '-3.4 至 -1.2 个百分点')
    >>> fmt_ci(-0.04, 2.0)
    '0.0 to +2.0'
    """
    check_lang(lang)
    sep = " 至 " if lang == "zh" else " to "
    text = f"{fmt_signed(lo, digits)}{sep}{fmt_signed(hi, digits)}"
    return f"{text} {unit}" if unit else text


def ci_note(adjusted_verdict: bool, lang: str = "en") -> str:
    """``unadjusted`` (zh 未校正) when an interval stands beside a multiplicity-adjusted verdict, else "".

    The intervals and raw p-values of the change tests are per comparison; a verdict
    adjusted for comparing all branches at once can say "not significant" beside an
    interval that excludes zero. The word says which is which.

    Examples
    --------
    >>> ci_note(True), ci_note(True, "zh"), ci_note(False)
    ('unadjusted', '未校正', '')
    """
    return t("num_unadjusted", lang) if adjusted_verdict else ""


def label_with_unit(label: str, unit: str) -> str:
    """``label (unit)``, unless the unit is empty or the label already says it.

    Examples
    --------
    >>> label_with_unit("Cross-sales per month", "per month")
    'Cross-sales per month'
    >>> label_with_unit("Average response time", "s"), label_with_unit("Complaints", "")
    ('Average response time (s)', 'Complaints')
    >>> label_with_unit("交叉销售（每月）", "每月"), label_with_unit("交叉销售", "件/月")
    ('交叉销售（每月）', '交叉销售 (件/月)')
    """
    if not unit:
        return label
    said = (
        re.search(rf"(?<!\w){re.escape(unit)}(?!\w)", label, re.IGNORECASE)
        if unit.isascii()
        else unit in label
    )
    return label if said else f"{label} ({unit})"


def n_unit(kpi: str) -> str:
    """What the ``n`` of ``kpi`` counts: a key of the ``n_unit_*`` labels (``"surveys"``).

    Examples
    --------
    >>> n_unit("satisfaction_rate"), n_unit("cross_sales_per_month"), n_unit("nonsense")
    ('surveys', 'staff_months', 'observations')
    """
    k = KPIS.get(kpi)
    if k is None:
        return "observations"
    return k.n_unit or _N_UNIT_OF_TABLE.get(k.table, "observations")


def fmt_n(n: Any, kpi: str, lang: str = "en") -> str:
    """A sample size with its unit: ``n = 965 surveys`` / ``n = 965 份问卷``.

    Examples
    --------
    >>> fmt_n(965, "satisfaction_rate"), fmt_n(11087, "satisfaction_rate", "zh")
    ('n = 965 surveys', 'n = 11,087 份问卷')
    >>> fmt_n(1, "mystery_shopper_score"), fmt_n(None, "churn_rate")
    ('n = 1 visit', 'n = –')
    """
    if not is_number(n):
        return f"n = {DASH}"
    v = int(round(float(n)))
    key = f"n_unit_{n_unit(kpi)}"
    if v == 1 and check_lang(lang) == "en":
        key += "_one"
    return f"n = {v:,} {t(key, lang)}"

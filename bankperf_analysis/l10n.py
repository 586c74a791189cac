"""Localised display of periods, times and data values (the report's language, the bank's time zone).

What :mod:`bankperf_analysis.i18n` does for labels, this module does for values: a quarter
shows as ``2026年第四季度`` in Chinese, a time in the scheme's time zone with its offset
(never an unlabelled UTC), a branch type or a status code as words, and a name from the
data in its Chinese form when the data give one (``branch_name_zh``, ``region_zh``).

Examples
--------
>>> period_label("2026Q4", "zh"), period_label("2026Q4", "en"), period_label("2026", "zh")
('2026年第四季度', '2026Q4', '2026年')
>>> local_time("2026-12-02 12:35:00 UTC", "Asia/Shanghai", "zh")
'2026-12-02 20:35:00（北京时间）'
>>> local_time("2026-12-02 12:35:00 UTC", "Asia/Shanghai", "en")
'2026-12-02 20:35:00 (UTC+08:00)'
>>> value_label("branch_type", "flagship", "zh")
'精品网点'
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from typing import Any

from bankperf_analysis.exceptions import ParamsError
from bankperf_analysis.i18n import LABELS, check_lang, t

__all__ = [
    "DEFAULT_TIMEZONE",
    "check_timezone",
    "period_label",
    "local_time",
    "value_label",
    "localised_name",
    "branch_names",
]

#: The time zone of every time a report shows when the scheme names none.
DEFAULT_TIMEZONE = "Asia/Shanghai"

_ZH_QUARTERS = ("一", "二", "三", "四")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
_ZONE_NAMES_ZH = {"Asia/Shanghai": "北京时间", "Asia/Chongqing": "北京时间", "Asia/Hong_Kong": "香港时间"}


@functools.cache
def check_timezone(name: str, owner: str = "check_timezone") -> Any:
    """The :class:`zoneinfo.ZoneInfo` of an IANA time zone name; :class:`ParamsError` if unknown.

    Examples
    --------
    >>> check_timezone("Asia/Shanghai").key
    'Asia/Shanghai'
    """
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(str(name))
    except (ZoneInfoNotFoundError, ValueError):
        raise ParamsError(
            f"The 'timezone' parameter of {owner} must be an IANA time zone name such as "
            f"'Asia/Shanghai'. Got {name!r} instead."
        ) from None


def period_label(period: object, lang: str = "en", *, short: bool = False) -> str:
    r"""A period as a reader of ``lang`` writes it: ``2026年第四季度``, ``2026年``, ``2026年10月`` in zh.

    English keeps the package's codes (``2026Q4``, ``2026``); anything that is not a period is
    returned as it is. ``short``: a quarter on two lines for a chart's axis (``2026年\n四季度``).

    Examples
    --------
    >>> period_label("2026-10", "zh"), period_label("Q4", "zh"), period_label("2026Q1", "zh", short=True)
    ('2026年10月', 'Q4', '2026年\n一季度')
    """
    check_lang(lang)
    text = str(period)
    if lang == "en":
        return text
    if m := _QUARTER.match(text):
        q = _ZH_QUARTERS[int(m.group(2)) - 1]
        return f"{m.group(1)}年\n{q}季度" if short else f"{m.group(1)}年第{q}季度"
    if m := _YEAR.match(text):
        return f"{m.group(1)}年"
    if m := _MONTH.match(text):
        return f"{m.group(1)}年{int(m.group(2))}月"
    return text


def local_time(when: object, timezone: str = DEFAULT_TIMEZONE, lang: str = "en") -> str:
    """A UTC time (``datetime`` or ``"YYYY-MM-DD HH:MM[:SS] UTC"``) in ``timezone``, labelled.

    The label is the zone's UTC offset (``UTC+08:00``), or its Chinese name in zh where it
    has one (``北京时间``). Text that is not such a time is returned as it is (``"?"``).

    Examples
    --------
    >>> local_time(dt.datetime(2026, 1, 1, 0, 0, tzinfo=dt.UTC), "Europe/London", "zh")
    '2026-01-01 00:00:00（UTC+00:00）'
    >>> local_time("?", "Asia/Shanghai")
    '?'
    """
    check_lang(lang)
    zone = check_timezone(timezone, "local_time")
    if isinstance(when, dt.datetime):
        moment = when if when.tzinfo else when.replace(tzinfo=dt.UTC)
    else:
        text = str(when).strip()
        if not text.endswith(" UTC"):
            return text
        try:
            moment = dt.datetime.fromisoformat(text[:-4]).replace(tzinfo=dt.UTC)
        except ValueError:
            return text
    local = moment.astimezone(zone)
    off = local.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    offset = f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    stamp = local.strftime("%Y-%m-%d %H:%M:%S")
    if lang == "zh":
        return f"{stamp}（{_ZONE_NAMES_ZH.get(str(timezone), offset)}）"
    return f"{stamp} ({offset})"


def value_label(kind: str, code: object, lang: str = "en") -> str:
    """A code from the data or a result (``branch_type``, ``status``, ``grade``...) as words.

    The label is ``t(f"{kind}_{code}")``; a code without a label is returned as it is (a
    bank's own code is better shown than hidden), booleans as ✓ / –.

    Examples
    --------
    >>> value_label("status", "below", "zh"), value_label("flag", True, "zh")
    ('未达标', '✓')
    """
    if isinstance(code, bool):
        return "✓" if code else "–"
    key = f"{kind}_{code}"
    return t(key, lang) if key in LABELS else str(code)


def localised_name(row: Mapping[str, Any], column: str, lang: str = "en") -> str:
    """``row[column]``, or its Chinese form ``row[column + "_zh"]`` in zh when the data give one.

    The data contract's optional columns ``branch_name_zh`` and ``region_zh`` hold the
    Chinese names; a report falls back to the name as given when they are absent or empty.

    Examples
    --------
    >>> row = {"region": "North", "region_zh": "北区"}
    >>> localised_name(row, "region", "zh"), localised_name(row, "region", "en")
    ('北区', 'North')
    >>> localised_name({"region": "North", "region_zh": None}, "region", "zh")
    'North'
    """
    check_lang(lang)
    if lang == "zh":
        zh = row.get(f"{column}_zh")
        if isinstance(zh, str) and zh.strip():
            return zh
    value = row.get(column)
    return "" if value is None or (isinstance(value, float) and value != value) else str(value)


def branch_names(branches: Any, lang: str = "en") -> dict[str, str]:
    """Branch id -> display name in ``lang``, from a ``branches`` frame (see :func:`localised_name`).

    Examples
    --------
    >>> import pandas as pd
    >>> b = pd.DataFrame({"branch_id": ["B1"], "branch_name": ["Bund"], "branch_name_zh": ["外滩支行"]})
    >>> branch_names(b, "zh"), branch_names(b, "en")
    ({'B1': '外滩支行'}, {'B1': 'Bund'})
    """
    return {str(r["branch_id"]): localised_name(r, "branch_name", lang) for r in branches.to_dict("records")}

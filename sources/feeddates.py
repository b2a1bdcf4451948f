"""Feed dates: a Chinese date handler for feedparser, and per-feed zones for dates without one.

feedparser knows RFC 822, W3DTF and a few national formats, but not ``2024年3月5日 14:00`` (Chinese
CMS feeds and RSSHub routes emit it). Its RFC 822 table also reads ``CST`` as US Central (UTC-6),
while a feed from a Chinese site means China Standard Time (UTC+8); and a date with no zone at all
(``2019-12-31 21:34:22``) is taken as UTC. So the feed source re-reads the raw date string with the
feed's configured ``timezone`` (see :func:`entry_datetime`).

feedparser's handler list is global state. Registering ours is acceptable because the handler is
pure (no configuration, no per-feed data), only answers strings holding 年/月 that feedparser
would otherwise reject, and :func:`register_chinese_dates` is idempotent (it checks the list first).
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from zoneinfo import ZoneInfo

import feedparser
import feedparser.datetimes

_ZH_DATE = re.compile(
    r"^\s*(?P<y>\d{4})\s*[年/.-]\s*(?P<mo>\d{1,2})\s*[月/.-]\s*(?P<d>\d{1,2})\s*[日号]?"
    r"(?:\s*(?:[(（]?(?:星期|周)[一二三四五六日天][)）]?)?\s*(?P<per>上午|下午|凌晨|晚上|中午)?\s*"
    r"(?P<h>\d{1,2})\s*[:时點点]\s*(?P<mi>\d{1,2})?\s*分?(?:\s*[:]\s*(?P<s>\d{1,2})\s*秒?)?)?"
    r"\s*(?:(?P<bj>北京时间|北京時間)|(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2}))?\s*$")
_CHINA_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "Asia/Taipei",
                "Asia/Hong_Kong", "Asia/Macau", "PRC", "ROC")
# Ends with an explicit zone: "Z", "+08:00", "-0800", "GMT", "PST", "北京时间".
_HAS_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2}|\b[A-Z]{1,5}|北京时间|北京時間)\s*$")
_CST = re.compile(r"\bCST\b")


def parse_chinese_date(value: str) -> time.struct_time | None:
    """feedparser date handler for ``2024年3月5日 14:00`` (and ``下午2点``); returns a UTC 9-tuple.

    Without a zone in the string the wall time is returned as if UTC; :func:`entry_datetime` then
    re-reads it in the feed's zone.
    """
    if "年" not in value and "月" not in value:
        return None  # leave every other format to feedparser's own handlers
    m = _ZH_DATE.match(value)
    if m is None:
        return None
    hour = int(m.group("h") or 0)
    if m.group("per") in ("下午", "晚上") and hour < 12:
        hour += 12
    try:
        dt = datetime(int(m.group("y")), int(m.group("mo")), int(m.group("d")), hour,
                      int(m.group("mi") or 0), int(m.group("s") or 0))
    except ValueError:  # 2024年13月5日: not a date, let the other handlers try
        return None
    if m.group("bj"):
        dt -= timedelta(hours=8)
    elif m.group("sign"):
        off = timedelta(hours=int(m.group("oh")), minutes=int(m.group("om")))
        dt = dt - off if m.group("sign") == "+" else dt + off
    return dt.timetuple()


def register_chinese_dates() -> None:
    """Register :func:`parse_chinese_date` with feedparser once per process (idempotent)."""
    handlers = getattr(feedparser.datetimes, "_date_handlers", None)
    if handlers is not None and parse_chinese_date in handlers:
        return
    feedparser.registerDateHandler(parse_chinese_date)


def is_china_zone(tz_name: str | None) -> bool:
    return tz_name in _CHINA_ZONES


def zone(tz_name: str | None) -> tzinfo | None:
    return ZoneInfo(tz_name) if tz_name else None


def _from_tuple(t: time.struct_time | tuple[int, ...] | None, tz: tzinfo = UTC) -> datetime | None:
    if not t:
        return None
    try:
        return datetime(*t[:6], tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def entry_datetime(raw: str | None, parsed: time.struct_time | None, tz_name: str | None) -> datetime | None:
    """An entry date as aware UTC, honouring the feed's ``timezone`` where the string has no zone.

    ``raw`` is feedparser's original string (``entry.published``), ``parsed`` its UTC 9-tuple
    (``entry.published_parsed``). With no configured zone feedparser's reading stands.
    """
    if not raw or not tz_name:
        return _from_tuple(parsed) if parsed else _from_tuple(feedparser.datetimes._parse_date(raw))
    s = raw.strip()
    if is_china_zone(tz_name) and _CST.search(s):
        # "Tue, 05 Mar 2024 14:00:00 CST" from a Chinese site is UTC+8, not US Central.
        return _from_tuple(feedparser.datetimes._parse_date(_CST.sub("+0800", s)))
    if _HAS_ZONE.search(s):
        return _from_tuple(parsed) if parsed else _from_tuple(feedparser.datetimes._parse_date(s))
    wall = parsed or feedparser.datetimes._parse_date(s)
    return _from_tuple(wall, zone(tz_name) or UTC)


_OFFSET = re.compile(r"(?<=[\d\s])(?P<sign>[+-])(?P<oh>\d{2}):?(?P<om>\d{2})\s*$")


def stated_offset(raw: str | None, instant: datetime | None) -> datetime | None:
    """``instant`` in the UTC offset the raw date string states (``... -0700``, ``...T09:00:00+08:00``).

    None without a numeric offset, or for +00:00 (a UTC stamp says nothing about where the
    publisher is). Detection reads zone-less times in a notice by this offset when the feed has no
    configured ``timezone`` (a California page stamped -07:00 writes Pacific times).
    """
    if not raw or instant is None:
        return None
    m = _OFFSET.search(raw.strip())
    if m is None:
        return None
    off = timedelta(hours=int(m.group("oh")), minutes=int(m.group("om")))
    if not off or off >= timedelta(hours=15):
        return None
    return instant.astimezone(fixed_offset(-off if m.group("sign") == "-" else off))

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
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from datetime import timezone as fixed_offset
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import feedparser.datetimes
from dateutil import parser as dateparser

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


def parse_chinese_date(value: str, *, strict: bool = True) -> time.struct_time | None:
    """feedparser date handler for ``2024年3月5日 14:00`` (and ``下午2点``); returns a UTC 9-tuple.

    Without a zone in the string the wall time is returned as if UTC; :func:`entry_datetime` then
    re-reads it in the feed's zone. ``strict`` (feedparser's use): only strings holding 年/月;
    :func:`read_date` also gives it ``2016/6/29 下午3点``.
    """
    if strict and "年" not in value and "月" not in value:
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
        return datetime(t[0], t[1], t[2], t[3], t[4], t[5], tzinfo=tz).astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _feedparser_reading(s: str, parsed: time.struct_time | None, tz_name: str | None) -> datetime | None:
    """feedparser's tuple as aware UTC, re-read in the feed's zone when the string has none."""
    if not tz_name:
        return _from_tuple(parsed) if parsed else _from_tuple(feedparser.datetimes._parse_date(s))
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


def entry_datetime(raw: str | None, parsed: time.struct_time | None, tz_name: str | None) -> datetime | None:
    """An entry date as aware UTC, honouring the feed's ``timezone`` where the string has no zone.

    ``raw`` is feedparser's original string (``entry.published``), ``parsed`` its UTC 9-tuple
    (``entry.published_parsed``). None when ``raw`` is given but nothing reads it reliably (see
    :func:`read_date`); never a guessed time. With no ``raw``, ``parsed`` stands.
    """
    if not raw or not raw.strip():
        return _from_tuple(parsed)
    return read_date(raw, parsed, tz_name)


# --- Reading the raw string ourselves -------------------------------------------------------------
# feedparser's handlers mis-read some strings instead of refusing them: its ISO handler reads
# ``2016/6/29 15:07:41`` as "2016" and fills month and day from *today*, and its RFC 822 handler gives
# up on a weekday date without a zone. So every raw string is also read by dateutil's parser (a
# well-kept, vetted library; feedparser's handler API has no way to say "I read only part of it"),
# with a table of zone abbreviations and non-English month/weekday names, and each reading is
# checked against the numbers and month names in the raw text before it is used.

_MONTH_NAMES: tuple[tuple[str, ...], ...] = (
    ("jan", "january", "janv", "janvier", "januar", "jän", "jänner", "enero", "ene", "gennaio", "gen",
     "janeiro", "januari"),
    ("feb", "february", "fév", "févr", "février", "fevr", "fevrier", "februar", "febrero", "febbraio",
     "fevereiro", "fev", "februari"),
    ("mar", "march", "mars", "mär", "märz", "maerz", "marzo", "março", "marco", "maart", "mrt"),
    ("apr", "april", "avr", "avril", "abril", "abr", "aprile"),
    ("may", "mai", "mayo", "mag", "maggio", "maio", "mei"),
    ("jun", "june", "juin", "juni", "junio", "giu", "giugno", "junho"),
    ("jul", "july", "juil", "juillet", "juli", "julio", "lug", "luglio", "julho"),
    ("aug", "august", "août", "aout", "agosto", "ago", "augustus"),
    ("sep", "sept", "september", "septembre", "septiembre", "set", "settembre", "setembro"),
    ("oct", "october", "octobre", "okt", "oktober", "octubre", "ott", "ottobre", "outubro", "out"),
    ("nov", "november", "novembre", "noviembre", "novembro"),
    ("dec", "december", "déc", "décembre", "dez", "dezember", "diciembre", "dic", "dicembre", "dezembro"),
)
_WEEKDAY_NAMES: tuple[tuple[str, ...], ...] = (
    ("mon", "monday", "lun", "lundi", "mo", "montag", "lunes", "lunedì", "seg", "segunda", "ma", "maandag"),
    ("tue", "tues", "tuesday", "mardi", "di", "dienstag", "martes", "martedì", "ter", "terça", "dinsdag"),
    ("wed", "wednesday", "mer", "mercredi", "mi", "mittwoch", "mié", "miércoles", "mercoledì", "qua",
     "quarta", "wo", "woensdag"),
    ("thu", "thur", "thurs", "thursday", "jeu", "jeudi", "do", "donnerstag", "jue", "jueves", "gio",
     "giovedì", "qui", "quinta", "donderdag"),
    ("fri", "friday", "ven", "vendredi", "fr", "freitag", "vie", "viernes", "venerdì", "sex", "sexta",
     "vr", "vrijdag"),
    ("sat", "saturday", "sam", "samedi", "sa", "samstag", "sáb", "sábado", "sab", "sabato", "za", "zaterdag"),
    ("sun", "sunday", "dim", "dimanche", "so", "sonntag", "dom", "domingo", "domenica", "zo", "zondag"),
)
_MONTH_OF = {name: i + 1 for i, names in enumerate(_MONTH_NAMES) for name in names}


class _Names(dateparser.parserinfo):
    """dateutil's English tables plus the names above. dateutil checks weekdays before months, so a
    weekday abbreviation that is also a month name (``mar``: French/Spanish Tuesday) is left out."""

    # dateutil reads these class attributes (RUF012) and takes any number of names per entry; its
    # stubs allow only 2 or 3 (MONTHS) and 2 (WEEKDAYS), hence the ignores.
    MONTHS = [names for names in _MONTH_NAMES]  # type: ignore[misc]  # noqa: RUF012
    WEEKDAYS = [tuple(n for n in names if n not in _MONTH_OF) for names in _WEEKDAY_NAMES]  # type: ignore[misc]  # noqa: RUF012
    JUMP = [*dateparser.parserinfo.JUMP, "de", "del", "à", "le", "el", "um", "den", "der"]  # noqa: RUF012


_PARSER = dateparser.parser(_Names())
# Offsets in hours. Abbreviations are ambiguous; these are the readings feeds use in practice.
# CST is China Standard Time in a feed configured with a China/Taiwan zone, US Central elsewhere.
_ZONES: dict[str, float] = {
    "UT": 0, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1, "BST": 1, "CET": 1, "CEST": 2, "MET": 1,
    "MEST": 2, "EET": 2, "EEST": 3, "MSK": 3, "IST": 5.5, "ICT": 7, "WIB": 7, "HKT": 8, "SGT": 8,
    "PHT": 8, "AWST": 8, "JST": 9, "KST": 9, "ACST": 9.5, "AEST": 10, "AEDT": 11, "NZST": 12,
    "NZDT": 13, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
    "AKST": -9, "AKDT": -8, "HST": -10, "ART": -3, "BRT": -3, "MEZ": 1, "MESZ": 2, "AST": -4,
    "ADT": -3, "AT": -4, "ET": -5, "CT": -6, "MT": -7, "PT": -8,
}
_ZH_MARK = re.compile(r"[年月日号時时点點分秒午晚凌星周北]")
# "GMT+0800" means UTC+8 in feeds; dateutil reads "GMT+3" POSIX-style (UTC-3), so drop the prefix.
_GMT_SIGN = re.compile(r"\b(?:GMT|UTC|UT)\s*(?=[+-]\d)")
_NUMBER = re.compile(r"\d+")
# Zone words feedparser's RFC 822 handler knows (feedparser/datetimes/rfc822.py); others it reads as UTC.
_FEEDPARSER_ZONES = {"UT", "UTC", "GMT", "Z", "EST", "EDT", "CST", "CDT", "MST", "MDT", "PST", "PDT",
                     "AST", "ADT", "AT", "ET", "CT", "MT", "PT", "MET", "MEST"}
_TRAILING_ZONE = re.compile(r"\d\s*\(?([A-Z]{2,5})\)?\s*$")  # "... 14:00:00 CEST" / "+0100 (CET)"
# 05.03.2024 is day-first wherever dots are used; 05/03/2024 is March 5 in the US and 5 May elsewhere.
_NUMERIC_DMY = re.compile(r"^\s*(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)\d{2,4}\b")
_WORD = re.compile(r"[^\W\d_]+")


class _UnknownZone(Exception):  # not ValueError: dateutil would swallow it
    pass


def _zone_table(tz_name: str | None) -> Any:
    china = is_china_zone(tz_name)

    def tzinfos(name: str | None, offset: int | None) -> tzinfo | None:
        if offset is not None and not (name == "CST" and china):
            return timezone(timedelta(seconds=offset))
        if name is None:
            return None
        hours = 8.0 if name == "CST" and china else _ZONES.get(name.upper())
        if hours is None:
            raise _UnknownZone(name)  # never guess: an unknown zone could move the day
        return timezone(timedelta(hours=hours))

    return tzinfos


def _dateutil_wall(s: str, tz_name: str | None) -> datetime | None:
    """dateutil's reading, aware (feed zone when the string has none); None unless every date field
    came from the string (two different defaults must give the same year, month and day).
    Raises :class:`_UnknownZone` for a zone abbreviation outside the table."""
    text = _GMT_SIGN.sub("", s.replace("(", " ").replace(")", " "))
    numeric = _NUMERIC_DMY.match(text)
    dayfirst = bool(numeric and numeric["sep"] == ".")
    if numeric and not dayfirst and numeric["a"] != numeric["b"] and max(int(numeric["a"]), int(numeric["b"])) <= 12:
        return None  # 05/03/2024: March 5 or 5 May; refusing beats a wrong day
    readings = []
    for default in (datetime(1904, 1, 1), datetime(1905, 2, 2)):
        try:
            readings.append(_PARSER.parse(text, default=default, dayfirst=dayfirst,
                                          tzinfos=_zone_table(tz_name)))
        except (ValueError, OverflowError):
            return None
    a, b = readings
    if (a.year, a.month, a.day) != (b.year, b.month, b.day):
        return None  # a field was filled from the default, not read
    if a.tzinfo is None:
        a = a.replace(tzinfo=zone(tz_name) or UTC)
    return a


def _chinese_wall(s: str, tz_name: str | None) -> datetime | None:
    t = parse_chinese_date(s, strict=False)
    if t is None:
        return None
    if _HAS_ZONE.search(s):  # 北京时间 / +0800: the tuple is UTC already
        return datetime(*t[:6], tzinfo=UTC)
    return datetime(*t[:6], tzinfo=zone(tz_name) or UTC)


def _agrees_with_text(wall: datetime, s: str, *, exact: bool) -> bool:
    """Do year, month and day appear in ``s``? ``exact``: ``wall`` is the string's own wall time;
    otherwise it is UTC and the string's day may be one either side (any zone offset)."""
    numbers: set[int] = set()
    for run in _NUMBER.findall(s):
        if len(run) == 8 and run[:2] in ("19", "20"):  # 20240305 (compact ISO)
            numbers.update((int(run[:4]), int(run[4:6]), int(run[6:])))
        numbers.add(int(run))
    months = numbers | {_MONTH_OF[w] for w in _WORD.findall(s.lower()) if w in _MONTH_OF}
    days = (wall,) if exact else (wall - timedelta(days=1), wall, wall + timedelta(days=1))
    return any((d.year in numbers or d.year % 100 in numbers) and d.month in months and d.day in numbers
               for d in days)


def _plain_for_feedparser(s: str) -> bool:
    """A form feedparser reads whole: no 年月日, no compact ISO digits, no zone word it lacks
    (it takes an unknown zone such as HKT as UTC)."""
    zone_word = _TRAILING_ZONE.search(s)
    return (not _ZH_MARK.search(s) and not re.search(r"\d{6}", s)
            and (zone_word is None or zone_word.group(1) in _FEEDPARSER_ZONES))


def _same_minute(value: datetime, s: str) -> bool:
    """The minute of ``hh:mm`` in ``s`` agrees with ``value`` (UTC; zone offsets are multiples of 15)."""
    m = re.search(r"(?<!\d)\d{1,2}:(\d{2})(?!\d)", s)
    return m is None or (value.minute - int(m.group(1))) % 15 == 0


def read_date(raw: str, parsed: time.struct_time | None, tz_name: str | None) -> datetime | None:
    """Our reading of ``raw`` (aware UTC), or None when nothing reads it reliably.

    Order: feedparser's tuple when the text agrees with it (year, month and day present within a day
    of it) and no unknown zone abbreviation ends the string; else our own parse (Chinese forms, then
    dateutil), checked against the text; else None. ``parsed`` is feedparser's UTC tuple or None.
    """
    s = raw.strip()
    if parsed is not None and _plain_for_feedparser(s):
        # Fast path (most entries): feedparser's reading stands when the text agrees with it.
        fp = _feedparser_reading(s, parsed, tz_name)
        if fp is not None and _agrees_with_text(fp, s, exact=False) and _same_minute(fp, s):
            return fp
    own = _chinese_wall(s, tz_name) if _ZH_MARK.search(s) else None
    try:
        own = own or _dateutil_wall(s, tz_name)
    except _UnknownZone:
        return None  # feedparser would take an unknown zone as UTC: up to 14 h, maybe another day
    if own is not None and _agrees_with_text(own, s, exact=True):
        return own.astimezone(UTC)
    fp = _feedparser_reading(s, parsed, tz_name)
    if fp is not None and _agrees_with_text(fp, s, exact=False):
        return fp
    return None

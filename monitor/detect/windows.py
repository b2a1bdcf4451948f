"""Maintenance windows from notice text, Chinese and English, as aware UTC datetimes.

Why not dateparser: it was measured to fail on exactly these notices (``2024年3月5日14:00-16:00``,
``凌晨2点至6点``, ``9AM - 12PM EST``). Instead the text is cut into tokens (DATE, TIME, ZONE, SEP,
REL, NEXT) and tokens separated only by filler (``from``, ``at``, ``(星期一)``, ``的``) form a group;
the first group holding a time with a date is the window. Conventions follow
``../shared/data/labelled/README.md``: named zones are taken literally (``EST`` in September is
UTC-5), a missing year comes from ``published``, an end before the start is the next day, the first
window wins, a date without a clock time or a vague end gives ``None``, a duration ("about 8 hours",
"10-15mins") ends at its upper bound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_tz
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.textnorm import normalize

Window = tuple[datetime | None, datetime | None]

_MON = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
        r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_YEAR = r"(?P<y>(?:19|20)\d{2})(?![\d:])"

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(  # 2024-03-05, 2024/3/5, 2024年3月5日, 2024 年 03 月 05 日
        r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})"
        r"(?!\d)\s*[日号]?")),
    ("date", re.compile(  # 13-10-2021, 11/03/2019 (day first: notices are rarely US-style)
        r"(?<![\d.])(?P<d>\d{1,2})[-/.](?P<mo>\d{1,2})[-/.](?P<y>(?:19|20)\d{2})(?!\d)")),
    ("date", re.compile(r"(?<!\d)(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")),  # 3月5日
    ("date", re.compile(  # Monday, March 5th, 2024 / Mar 5 2024 / Sept 27th
        rf"(?:{_WD},?\s+)?\b(?P<mon>{_MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
        rf"(?:,?\s*{_YEAR})?")),
    ("date", re.compile(  # 6th of July, 13th Oct 2021, 5 March 2024
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{_MON})\b\.?(?:,?\s*{_YEAR})?")),
    ("time", re.compile(
        r"(?:(?P<per>凌晨|早上|早晨|清晨|上午|中午|午间|下午|傍晚|晚上|晚间|夜间|夜里|深夜)\s*)?"
        r"(?<![\d.:/])(?P<h>[012]?\d)(?:(?::(?P<m>[0-5]\d)(?::[0-5]\d)?)|(?P<zh>[点點时])"
        r"(?:(?P<half>半)|(?P<zm>[0-5]?\d)分?)?)?(?:\s*(?P<ap>[ap])\.?m\b\.?)?")),
    ("zone", re.compile(
        r"\b(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>[0-5]\d))?(?!\d)"
        r"|(?P<cn>北京时间|东八区(?:时间)?|台北时间|香港时间|新加坡时间|东京时间)"
        r"|\b(?P<name>utc|gmt|pst|pdt|pt|est|edt|et|cst|cdt|ct|mst|mdt|bst|cet|cest|hkt|sgt|jst|kst)\b"
        r"|(?<=\d)(?P<zulu>z)\b"
        r"|(?P<iana>us/pacific|us/eastern|pacific time|eastern time)")),
    ("rel", re.compile(r"\b(?P<r>today|tonight|tomorrow)\b|(?P<rz>今天|今日|今晚|明天|明日|明晚)")),
    ("next", re.compile(r"次日|翌日|第二天|\bnext day\b")),
    ("sep", re.compile(
        r"[-–—~]+|至|到|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b|\band\b(?=\s*[012]?\d[:点时\s]?)")),
)

# What may sit between two tokens of one window: whitespace, brackets, "from", weekdays, ...
_FILLER = re.compile(
    rf"\s+|[,，()（）:：、]|的|于|从|自|起|在|预计|约|大约|\bfrom\b|\bat\b|\bon\b|\baround\b|\babout\b"
    rf"|\bapprox(?:imately|\.)?\b|\bstarting\b|\bbeginning\b|\bbetween\b|\bthe\b|\bof\b|\band\b"
    rf"|\b{_WD}|(?:星期|周|礼拜)[一二三四五六日天]|[一二三四五六日天](?=\s*[)）])")
_MAX_GAP = 30

_DURATION = re.compile(
    r"(?:take|takes|last|lasts|lasting|downtime\s+(?:is|of|will\s+be)|duration\s*(?:is|of|:)?|approximately"
    r"|approx\.?|about|around|\bfor|up\s+to|between|within|约|大约|大概|预计|时长|持续|历时|耗时|需时|用时)\s*(?:approximately\s+|about\s+|around\s+|up\s+to\s+)?"
    r"(?P<n>\d+(?:\.\d+)?)(?:\s*(?:-|to|~|至|到)\s*(?P<n2>\d+(?:\.\d+)?))?\s*"
    r"(?P<u>hours?|hrs?|h\b|minutes?|mins?|个?小时|分钟|天|days?)")
_DURATION_REACH = 350

_NAMED: dict[str, Any] = {
    "utc": 0, "gmt": 0, "pst": -8, "pdt": -7, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6,
    "bst": 1, "cet": 1, "cest": 2, "hkt": 8, "sgt": 8, "jst": 9, "kst": 9,
    "pt": "America/Los_Angeles", "et": "America/New_York", "ct": "America/Chicago",
    "us/pacific": "America/Los_Angeles", "pacific time": "America/Los_Angeles",
    "us/eastern": "America/New_York", "eastern time": "America/New_York",
}
_CN_ZONES = {"东京时间": 9}
_CHINA_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "Asia/Taipei",
                "Asia/Hong_Kong", "Asia/Macau", "Asia/Singapore", "PRC", "ROC")
_PM = {"下午", "傍晚", "晚上", "晚间", "夜间", "夜里", "深夜"}


@dataclass(slots=True)
class Tok:
    kind: str
    start: int
    end: int
    m: re.Match[str]


def tokenize(norm: str) -> list[Tok]:
    """All tokens, earliest first; on overlap the earlier (then longer) one wins."""
    found = [Tok(kind, m.start(), m.end(), m) for kind, rx in _TOKENS for m in rx.finditer(norm)
             if m.end() > m.start() and (kind != "time" or _is_time(m))]
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Tok] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


def _is_time(m: re.Match[str]) -> bool:
    # A bare number is not a time: it needs ":MM", a 点/时, or am/pm.
    h = int(m.group("h"))
    return h <= 24 and bool(m.group("m") or m.group("zh") or m.group("ap"))


def _glued(norm: str, a: Tok, b: Tok) -> bool:
    gap = norm[a.end:b.start]
    if gap == "t":  # ISO 8601: 2024-03-05T14:00
        return True
    # A line break ends a window: datelines and headings sit on their own lines.
    return "\n" not in gap and len(gap) <= _MAX_GAP and _FILLER.sub("", gap).strip(" .") == ""


def groups(norm: str, toks: list[Tok]) -> list[list[Tok]]:
    out: list[list[Tok]] = []
    for t in toks:
        if out and _glued(norm, out[-1][-1], t):
            out[-1].append(t)
        else:
            out.append([t])
    return out


def _clock(m: re.Match[str], inherit: str | None = None) -> tuple[int, int, str | None]:
    """(hour, minute, period) with 下午/pm applied; ``inherit`` is the start's period for the end."""
    h = int(m.group("h"))
    mins = 30 if m.group("half") else int(m.group("m") or m.group("zm") or 0)
    per = m.group("per") or (m.group("ap") and m.group("ap") + "m") or inherit
    if per in _PM or per == "pm":
        h = h + 12 if h < 12 else h
    elif per in ("中午", "午间"):
        h = h + 12 if h < 11 else h
    elif per in ("am", "凌晨") and h == 12:
        h = 0
    return h, mins, per


def _zone(tok: Tok, default_tz: str | None, cjk: bool) -> tzinfo:
    m = tok.m
    if m.group("sign"):
        off = timedelta(hours=int(m.group("oh")), minutes=int(m.group("om") or 0))
        return fixed_tz(off if m.group("sign") == "+" else -off)
    if m.group("zulu"):
        return UTC
    if m.group("cn"):
        return fixed_tz(timedelta(hours=_CN_ZONES.get(m.group("cn"), 8)))
    name = m.group("name") or m.group("iana")
    if name == "cst":
        # CST is China Standard Time in a feed configured for China (or Chinese text), not US Central.
        china = cjk or (default_tz in _CHINA_ZONES)
        return fixed_tz(timedelta(hours=8 if china else -6))
    val = _NAMED[name]
    return ZoneInfo(val) if isinstance(val, str) else fixed_tz(timedelta(hours=val))


def _fallback_zone(default_tz: str | None, published: datetime | None, cjk: bool) -> tzinfo:
    if default_tz:
        try:
            return ZoneInfo(default_tz)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    if published is not None and published.tzinfo is not None and published.utcoffset():
        return published.tzinfo
    # Chinese notices without a zone mean Beijing/Taipei time (UTC+8) by convention.
    return fixed_tz(timedelta(hours=8)) if cjk else UTC


def _date_of(tok: Tok, published: datetime | None, tz: tzinfo) -> date | None:
    m = tok.m
    ref = published.astimezone(tz).date() if published is not None else None
    if tok.kind == "rel":
        if ref is None:
            return None
        word = m.group("r") or m.group("rz")
        return ref + timedelta(days=1) if word in ("tomorrow", "明天", "明日", "明晚") else ref
    gd = m.groupdict()
    month = int(gd["mo"]) if gd.get("mo") else _MONTHS[gd["mon"][:3]]
    day = int(gd["d"])
    year = int(gd["y"]) if gd.get("y") else None
    if year is None:
        if ref is None:
            return None
        year = ref.year
        try:
            # A notice published in late December about "Jan 3" means next year.
            if date(year, month, day) < ref - timedelta(days=60):
                year += 1
        except ValueError:
            return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _at(d: date, h: int, mins: int, tz: tzinfo) -> datetime:
    extra = timedelta(days=1) if h == 24 else timedelta(0)
    local = datetime.combine(d, time(h % 24, mins), tzinfo=tz) + extra
    return local.astimezone(UTC)


def _is_dateline(norm: str, grp: list[Tok]) -> bool:
    """A publication stamp on a line of its own (``2023-06-09 08:10``, ``Sept 28, 16:30 PT``)."""
    if any(t.kind in ("sep", "rel") for t in grp) or "\n" not in norm.strip():
        return False
    line_start = norm.rfind("\n", 0, grp[0].start) + 1
    line_end = norm.find("\n", grp[-1].end)
    line = norm[line_start: len(norm) if line_end < 0 else line_end]
    return line.strip(" |*_-") == norm[grp[0].start:grp[-1].end].strip()


def _group_zone(norm: str, grp: list[Tok], toks: list[Tok]) -> Tok | None:
    for t in grp:
        if t.kind == "zone":
            return t
    # "换算为北京时间（+8 小时），即是 2023-10-25 的 15:00 - 19:00": the zone is stated earlier in the
    # same line. Only explicit offsets and Chinese zone names are trusted at that distance.
    lo, hi = grp[0].start - 60, grp[-1].end + 30
    for t in toks:
        if t.kind == "zone" and lo <= t.start <= hi and "\n" not in norm[min(t.end, grp[0].start):max(
                t.start, grp[-1].end)] and (t.m.group("sign") or t.m.group("cn")):
            return t
    return None


def _duration_end(norm: str, after: int, start: datetime) -> datetime | None:
    m = _DURATION.search(norm, after, after + _DURATION_REACH)
    if m is None:
        return None
    n = float(m.group("n2") or m.group("n"))
    unit = m.group("u")
    if unit.startswith(("min", "分")):
        delta = timedelta(minutes=n)
    elif unit.startswith(("day", "天")):
        delta = timedelta(days=n)
    else:
        delta = timedelta(hours=n)
    return start + delta


def _window_of(norm: str, grp: list[Tok], toks: list[Tok], published: datetime | None,
               default_tz: str | None, cjk: bool) -> Window | None:
    while grp and grp[0].kind == "sep":  # a list bullet "- on Tuesday ..." is not a range
        grp = grp[1:]
    sep_i = next((i for i, t in enumerate(grp) if t.kind == "sep"), len(grp))
    left, right = grp[:sep_i], grp[sep_i + 1:]
    t0 = next((i for i, t in enumerate(left) if t.kind == "time"), None)
    if t0 is None:
        return None
    ztok = _group_zone(norm, grp, toks)
    tz = _zone(ztok, default_tz, cjk) if ztok else _fallback_zone(default_tz, published, cjk)
    dates = [t for t in left[:t0] if t.kind in ("date", "rel")][-1:] or \
        [t for t in left[t0:] + right if t.kind == "date"][:1] or \
        [t for t in left[t0:] + right if t.kind == "rel"][:1]
    if not dates:
        return None  # a clock time with no day ("UTC+8 18:00") is not a window
    day = _date_of(dates[0], published, tz)
    if day is None:
        return None
    h, mins, per = _clock(left[t0].m)
    start = _at(day, h, mins, tz)
    t1 = next((i for i, t in enumerate(right) if t.kind == "time"), None)
    if t1 is None:
        return start, _duration_end(norm, grp[-1].end, start)
    end_dates = [t for t in right[:t1] if t.kind == "date"]
    end_day = _date_of(end_dates[-1], published, tz) if end_dates else day
    if end_day is None:
        end_day = day
    if any(t.kind == "next" for t in right[:t1]):
        end_day = day + timedelta(days=1)
    eh, em, _ = _clock(right[t1].m, inherit=per if not right[t1].m.group("ap") else None)
    end = _at(end_day, eh, em, tz)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def extract_window(text: str, published: datetime | None = None, default_tz: str | None = None) -> Window:
    """First maintenance window stated in ``text`` as aware UTC (start, end); (None, None) if none.

    ``published`` (aware, or naive UTC) supplies a missing year and "today"/"tomorrow";
    ``default_tz`` (IANA name, e.g. the feed's ``timezone``) is used when the text names no zone.
    """
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    norm = normalize(text)
    cjk = any("\u3400" <= ch <= "\u9fff" for ch in norm)
    toks = tokenize(norm)
    for grp in groups(norm, toks):
        if not any(t.kind == "time" for t in grp) or _is_dateline(norm, grp):
            continue
        win = _window_of(norm, grp, toks, published, default_tz, cjk)
        if win is not None:
            return win
    return None, None

"""Tokens of maintenance windows and how they read: groups, clock times, zones, dates.

The grammar (regexes, word lists) is :mod:`monitor.detect.wingrammar`; assembling the first window
from the groups is :mod:`monitor.detect.windows`. Conventions: ``../shared/data/labelled/README.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from datetime import timezone as fixed_tz
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from monitor.detect import wingrammar as g

MAX_GAP = 30
CHINA_ZONES = ("Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "Asia/Taipei",
                "Asia/Hong_Kong", "Asia/Macau", "Asia/Singapore", "PRC", "ROC")


@dataclass(slots=True)
class Tok:
    kind: str
    start: int
    end: int
    m: re.Match[str]


@dataclass(slots=True)
class Ctx:
    """What one call knows besides the tokens: the text, reference stamp and zone choices."""

    norm: str
    toks: list[Tok]
    published: datetime | None
    default_tz: str | None
    report_tz: str | None
    cjk: bool


def tokenize(norm: str) -> list[Tok]:
    """All tokens, earliest first; on overlap the earlier (then longer) one wins."""
    found = [Tok(kind, m.start(), m.end(), m) for kind, rx in g.TOKENS for m in rx.finditer(norm)
             if m.end() > m.start() and (kind != "time" or is_time(m))]
    found.sort(key=lambda t: (t.start, -(t.end - t.start)))
    out: list[Tok] = []
    for t in found:
        if out and t.start < out[-1].end:
            continue
        out.append(t)
    return out


def is_time(m: re.Match[str]) -> bool:
    # A bare number is not a time: it needs ":MM", a 点/时, am/pm, or a period word (下午 1).
    gd = m.groupdict()
    if gd.get("word"):
        return True
    if gd.get("zhh"):
        h = g.zh_number(gd["zhh"])
        return h is not None and h <= 24
    return int(gd["h"]) <= 24 and bool(gd["m"] or gd["zh"] or gd["ap"] or gd["per"])


def glued(norm: str, a: Tok, b: Tok) -> bool:
    gap = norm[a.end:b.start]
    if gap == "t":  # ISO 8601: 2024-03-05T14:00
        return True
    # A line break ends a window: datelines and headings sit on their own lines.
    return "\n" not in gap and len(gap) <= MAX_GAP and g.FILLER.sub("", gap).strip(" .") == ""


def groups(norm: str, toks: list[Tok]) -> list[list[Tok]]:
    out: list[list[Tok]] = []
    for t in toks:
        if out and glued(norm, out[-1][-1], t):
            out[-1].append(t)
        else:
            out.append([t])
    return out


def clock(m: re.Match[str], inherit: str | None = None) -> tuple[int, int, str | None]:
    """(hour, minute, period) with 下午/pm applied; ``inherit`` is the start's period for the end."""
    gd = m.groupdict()
    if gd.get("word"):
        return (12, 0, "pm") if gd["word"] in ("noon", "midday") else (0, 0, "am")
    h = int(gd["h"]) if gd["h"] else int(g.zh_number(gd["zhh"]) or 0)
    zm = gd["zm"]
    mins = 30 if gd["half"] else int(gd["m"] or (zm if zm and zm.isdigit() else g.zh_number(zm) if zm else 0) or 0)
    per = gd["per"] or (gd["ap"] and gd["ap"] + "m") or inherit
    if per in g.PM or per == "pm":
        h = h + 12 if h < 12 else h
    elif per in ("中午", "午间"):
        h = h + 12 if h < 11 else h
    elif per in ("am", "凌晨", "午夜", "半夜") and h == 12:
        h = 0
    return h, mins, per


def zone_of(tok: Tok, default_tz: str | None, cjk: bool) -> tzinfo:
    m = tok.m
    if m.group("sign"):
        off = timedelta(hours=int(m.group("oh")), minutes=int(m.group("om") or 0))
        return fixed_tz(off if m.group("sign") == "+" else -off)
    if m.group("zulu"):
        return UTC
    if m.group("cn"):
        return fixed_tz(timedelta(hours=g.CN_ZONES.get(m.group("cn"), 8)))
    name = m.group("name") or m.group("iana") or " ".join(m.group("spelled").split())
    if name == "cst":
        # CST is China Standard Time in a feed configured for China (or Chinese text), not US Central.
        china = cjk or (default_tz in CHINA_ZONES)
        return fixed_tz(timedelta(hours=8 if china else -6))
    val = g.NAMED.get(name)
    if val is None:  # "pacific standard time" -> "pacific"
        val = g.NAMED.get(name.split()[0], 0)
    return ZoneInfo(val) if isinstance(val, str) else fixed_tz(timedelta(hours=val))


def named_zone(name: str | None) -> tzinfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def fallback_zone(default_tz: str | None, published: datetime | None, cjk: bool,
                  report_tz: str | None = None) -> tzinfo:
    """The zone of a time written without one: feed's ``timezone``, the publication stamp's own
    offset, UTC+8 for Chinese text (the labelled convention for mainland/Taiwan publishers), the
    report zone, UTC."""
    feed = named_zone(default_tz)
    if feed is not None:
        return feed
    if published is not None and published.tzinfo is not None and published.utcoffset():
        return published.tzinfo
    if cjk:
        return fixed_tz(timedelta(hours=8))
    return named_zone(report_tz) or UTC


def day_month(gd: dict[str, str | None], cjk: bool) -> tuple[int, int]:
    """(month, day) of a matched date; ``7/9/2024`` is month first in English text (US notices)."""
    if gd.get("a"):
        a, b = int(gd["a"] or 0), int(gd["b"] or 0)
        if a > 12 or (b <= 12 and (gd.get("sl") != "/" or cjk)):
            return b, a
        return a, b
    month = int(gd["mo"] or 0) if gd.get("mo") else g.MONTHS[(gd["mon"] or "")[:3]]
    return month, int(gd["d"] or 0)


def date_of(tok: Tok, published: datetime | None, tz: tzinfo, cjk: bool) -> date | None:
    m = tok.m
    ref = published.astimezone(tz).date() if published is not None else None
    if tok.kind == "rel":
        if ref is None:
            return None
        word = m.group("r") or m.group("rz")
        ahead = 2 if word == "后天" else 1 if word in ("tomorrow", "明天", "明日", "明晚", "明早") else \
            -1 if word in ("yesterday", "昨天", "昨日", "昨晚") else 0
        return ref + timedelta(days=ahead)
    gd = m.groupdict()
    month, day = day_month(gd, cjk)
    year = int(gd["y"]) if gd.get("y") else int(gd["roc"]) + 1911 if gd.get("roc") else None
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


def day_of_month(start: date, dd: int) -> date | None:
    """Day ``dd`` of the start's month, or of the next month when it is before the start."""
    try:
        d = start.replace(day=dd)
        if d < start:
            d = (start.replace(day=1) + timedelta(days=32)).replace(day=dd)
        return d
    except ValueError:
        return None


def at_local(d: date, h: int, mins: int, tz: tzinfo) -> datetime:
    extra = timedelta(days=1) if h == 24 else timedelta(0)
    local = datetime.combine(d, time(h % 24, mins), tzinfo=tz) + extra
    return local.astimezone(UTC)


def is_dateline(norm: str, grp: list[Tok]) -> bool:
    """A publication stamp on a line of its own (``2023-06-09 08:10``, ``Sept 28, 16:30 PT``)."""
    if any(t.kind in ("sep", "rel") for t in grp) or "\n" not in norm.strip() \
            or sum(t.kind == "time" for t in grp) > 1:  # a table row "| 7/9/2024 @ 9am | 7/9/2024 @ 9pm |"
        return False
    line_start = norm.rfind("\n", 0, grp[0].start) + 1
    line_end = norm.find("\n", grp[-1].end)
    line = norm[line_start: len(norm) if line_end < 0 else line_end]
    return line.strip(" |*_-") == norm[grp[0].start:grp[-1].end].strip()


def before(norm: str, pos: int, n: int = 40) -> str:
    """The text before ``pos`` on its line, at most ``n`` characters."""
    return norm[max(norm.rfind("\n", 0, pos) + 1, pos - n):pos]


def group_zone(norm: str, grp: list[Tok], toks: list[Tok]) -> Tok | None:
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

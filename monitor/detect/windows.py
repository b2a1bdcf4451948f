"""Maintenance windows from notice text, Chinese and English, as aware UTC datetimes.

Why not dateparser: it was measured to fail on exactly these notices (``2024年3月5日14:00-16:00``,
``凌晨2点至6点``, ``9AM - 12PM EST``). Instead the text is cut into tokens (grammar in
:mod:`monitor.detect.wingrammar`: DATE, TIME, ZONE, SEP, REL, NEXT) and tokens separated only by
filler (``from``, ``at``, ``(星期一)``, ``的``, table bars) form a group; the first group that gives a
time on a day is the window. The examples the grammar must read live in
``monitor/detect/tables/windows_{en,zh}.jsonl`` and run as tests.

Conventions follow ``../shared/data/labelled/README.md``: named zones are taken literally (``EST`` in
September is UTC-5); a missing year comes from ``published``; a zone-less time is read in the feed's
configured zone, else in the offset of the notice's own publication stamp, else (Chinese text) UTC+8,
else the report zone; an end before the start is the next day; the first window wins; a date without
a clock time or a vague end ("at least 4 hours", "end of the workday") gives ``None``; a duration
("up to 6 hours", "3-8 hours", "约 10 小时") ends the window at its upper bound; a stamp labelled
as something else ("[UPDATE 15 Apr 11:22]", "Expiration Date:") is not a window; an end stated on
its own ("will be finished at 18:00", "18:00前恢复") gives ``(None, end)``, or ends a start-only window
found before it ("预计恢复时间：9月2日06:00"); clock times with no date of their own take the date
written shortly before them ("Thursday October 2 2025, ... downtime starting at 08:00 AM UTC").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Literal

from monitor.detect import wingrammar as g
from monitor.detect.wintokens import (
    Ctx,
    Tok,
    at_local,
    before,
    clock,
    date_of,
    day_of_month,
    fallback_zone,
    group_zone,
    groups,
    is_dateline,
    tokenize,
    zone_of,
)
from monitor.textnorm import normalize

Window = tuple[datetime | None, datetime | None]

_DURATION_REACH = 350
_DURATION_BEFORE = 250
_DATE_BORROW = 400
_END_REACH = 400
_SAME_START_REACH = 1500


def _duration_end(c: Ctx, grp: list[Tok], start: datetime) -> datetime | Literal[False] | None:
    """End from a stated duration near the window; False when none, None when only a lower bound."""
    lo, hi = grp[0].start, grp[-1].end
    sent_end = min((i for i in (c.norm.find(x, hi) for x in (".", "。", "\n\n")) if i >= 0), default=len(c.norm))
    regions = ((hi, min(sent_end, hi + _DURATION_REACH)), (hi, hi + _DURATION_REACH),
               (max(0, c.norm.rfind("\n\n", 0, lo), lo - _DURATION_BEFORE), lo))
    for a, b in regions:
        for m in g.DURATION.finditer(c.norm, a, b):
            if not _is_duration(c.norm, m):
                continue
            head = m.start("n1") if m.group("n1") else m.start("n")
            if m.group("lower2") or g.LOWER.search(c.norm[max(0, head - 16):head]):
                return None
            n = g.number(m.group("n"))
            if n is None:
                continue
            return start + g.unit_delta(n, m.group("u"))
    return False


def _is_duration(norm: str, m: re.Match[str]) -> bool:
    head = m.start("n1") if m.group("n1") else m.start("n")
    after = norm[m.end():m.end() + 30]
    if g.DUR_NOT.match(after) or g.DUR_HEDGE.search(_sentence_before(norm, head)):
        return False
    return bool(g.DUR_CUE.search(before(norm, head, 40)) or g.DUR_NOUN.match(after)
                or g.LOWER.search(norm[max(0, head - 16):head]))


def _sentence_before(norm: str, pos: int) -> str:
    start = max(norm.rfind(x, 0, pos) for x in (". ", "。", "\n", "! ", "? "))
    return norm[start + 1:pos]


def _split(grp: list[Tok]) -> tuple[list[Tok], list[Tok], bool]:
    """(left, right, has_sep): at the separator, or in a table row at the second date after a time."""
    sep_i = next((i for i, t in enumerate(grp) if t.kind == "sep"), None)
    if sep_i is not None:
        return grp[:sep_i], grp[sep_i + 1:], True
    t0 = next((i for i, t in enumerate(grp) if t.kind == "time"), len(grp))
    if not any(t.kind == "date" for t in grp[:t0]):  # "13:00 on Friday July 23 at 1:00 pm": one time, twice
        return grp, [], False
    j = next((i for i in range(t0 + 1, len(grp)) if grp[i].kind == "date"
              and any(t.kind == "time" for t in grp[i:])), None)
    return (grp[:j], grp[j:], False) if j is not None else (grp, [], False)


def _borrowed_date(c: Ctx, grp: list[Tok]) -> Tok | None:
    """The last date written shortly before a dateless group (not a dateline, not a labelled stamp)."""
    for t in reversed(c.toks):
        if t.start >= grp[0].start:
            continue
        if grp[0].start - t.end > _DATE_BORROW:
            return None
        if t.kind == "date" and not g.NOT_WINDOW.search(before(c.norm, t.start)):
            return t
    return None


def _point(c: Ctx, toks: list[Tok], grp: list[Tok], tz: tzinfo) -> datetime | None:
    """The first time in ``toks`` on its date (from ``toks``, else from the group, else borrowed)."""
    t0 = next((i for i, t in enumerate(toks) if t.kind == "time"), None)
    if t0 is None:
        return None
    dates = [t for t in toks[:t0] if t.kind in ("date", "rel")][-1:] or \
        [t for t in grp if t.kind == "date"][:1] or [t for t in grp if t.kind == "rel"][:1]
    if not dates:
        # Only a time with its zone stated borrows the date before it ("Thursday October 2 ... starting
        # at 08:00 AM UTC"); a zone-less "between 22:00 and 23:00 that evening" is an aside.
        borrowed = _borrowed_date(c, grp) if any(t.kind == "zone" for t in grp) else None
        if borrowed is None:
            return None
        dates = [borrowed]
    day = date_of(dates[0], c.published, tz, c.cjk)
    if day is None:
        return None
    evening = (dates[0].kind == "rel" and (dates[0].m.group("rz") or "").endswith("晚")) or \
        dates[0].m.groupdict().get("r") == "tonight"
    h, mins, _ = clock(toks[t0].m, inherit="晚" if evening else None)
    return at_local(day, h, mins, tz)


def _end_only(c: Ctx, grp: list[Tok]) -> bool:
    """An end stated on its own: "finished at 18:00", "delay ... to 18:00", "until 18:00", "18:00前恢复"."""
    if any(t.kind == "sep" for t in grp[1:]):  # "rescheduled to Sunday (9:00 AM - 1:00 PM)": a range
        return False
    if grp[0].kind == "sep" and c.norm[grp[0].start:grp[0].end] in ("to", "until", "till", "至", "到"):
        return True
    return bool(g.END_BEFORE.search(before(c.norm, grp[0].start))
                or g.END_AFTER.match(c.norm, grp[-1].end))


def _stated_end(c: Ctx, after: int, start: datetime, tz: tzinfo) -> datetime | None:
    """A later group that states the end on its own ("预计恢复时间：9月2日06:00", "end at 16:00"), or
    the same start written again as a range ("2018年3月12日9时30分 ... 2018/3/12 9:30-12:00")."""
    for grp in groups(c.norm, [t for t in c.toks if after <= t.start < after + _SAME_START_REACH]):
        near = grp[0].start < after + _END_REACH
        if sum(t.kind == "time" for t in grp) >= 2 and any(t.kind == "sep" for t in grp) \
                and any(t.kind in ("date", "rel") for t in grp):
            again = _window_of(c, grp)
            if again is not None and again[0] == start and again[1] is not None:
                return again[1]
        if near and any(t.kind == "time" for t in grp) and _end_only(c, grp):
            toks = [t for t in grp if t.kind != "sep"]
            end = _point(c, toks, toks, tz) if any(t.kind in ("date", "rel") for t in toks) else None
            if end is None:  # a bare clock time: on the start's day
                h, mins, _ = clock(next(t for t in toks if t.kind == "time").m)
                end = at_local(start.astimezone(tz).date(), h, mins, tz)
                end = end + timedelta(days=1) if end <= start else end
            return end if end > start else None
    return None


def _window_of(c: Ctx, grp: list[Tok]) -> Window | None:
    ztok = group_zone(c.norm, grp, c.toks)
    tz = zone_of(ztok, c.default_tz, c.cjk) if ztok else fallback_zone(c.default_tz, c.published, c.cjk, c.report_tz)
    if _end_only(c, grp):
        end = _point(c, [t for t in grp if t.kind != "sep"], grp, tz)
        return (None, end) if end is not None else None
    while grp and grp[0].kind == "sep":  # a list bullet "- on Tuesday ..." is not a range
        grp = grp[1:]
    left, right, has_sep = _split(grp)
    t0 = next((i for i, t in enumerate(left) if t.kind == "time"), None)
    if t0 is None:
        return None
    t1 = next((i for i, t in enumerate(right) if t.kind == "time"), None)
    if not any(t.kind in ("date", "rel") for t in grp) and not (ztok or t1 is not None):
        return None  # a lone clock time with no day and no zone is not a window
    start = _point(c, left, grp, tz)
    if start is None:
        return None
    if t1 is None:
        dur = _duration_end(c, grp, start)
        if dur is not False:
            return start, dur
        return start, _stated_end(c, grp[-1].end, start, tz)
    day = start.astimezone(tz).date()
    end_dates = [t for t in right[:t1] if t.kind == "date"]
    end_day = (date_of(end_dates[-1], c.published, tz, c.cjk) if end_dates else None) or day
    dom = [t for t in right[:t1] if t.kind == "dom"]
    if dom and not end_dates:
        end_day = day_of_month(day, int(dom[-1].m.group("dd"))) or day
    if any(t.kind == "next" for t in right[:t1]):
        end_day = day + timedelta(days=1)
    per = clock(left[t0].m)[2]
    eh, em, _ = clock(right[t1].m, inherit=per if not right[t1].m.group("ap") and has_sep else None)
    end = at_local(end_day, eh, em, tz)
    if end <= start:
        end += timedelta(days=1)
    return start, end


def extract_window(text: str, published: datetime | None = None, default_tz: str | None = None,
                   report_tz: str | None = None) -> Window:
    """First maintenance window stated in ``text`` as aware UTC (start, end); (None, None) if none.

    ``published`` (aware, or naive UTC) supplies a missing year and "today"/"tomorrow", and its UTC
    offset the zone of zone-less times when ``default_tz`` (IANA name, the feed's ``timezone``) is
    not given; ``report_tz`` is the last resort (see :func:`fallback_zone`).
    """
    if published is not None and published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    norm = normalize(text)
    cjk = any("\u3400" <= ch <= "\u9fff" for ch in norm)
    c = Ctx(norm, tokenize(norm), published, default_tz, report_tz, cjk)
    for grp in groups(norm, c.toks):
        if not any(t.kind == "time" for t in grp) or is_dateline(norm, grp):
            continue
        if g.NOT_WINDOW.search(before(norm, grp[0].start)):
            continue
        win = _window_of(c, grp)
        # A range is a window even when it starts at the publication minute (a status page's entry).
        if win is not None and (any(t.kind == "sep" for t in grp) or not _is_own_stamp(win, published)):
            return win
    return None, None


def _is_own_stamp(win: Window, published: datetime | None) -> bool:
    """A start equal to the notice's own publication stamp ("发布时间 2018-11-14 18:48") is its
    dateline, not a window (only when the stamp has a clock time: a bare date reads as midnight)."""
    if published is None or win[0] is None:
        return False
    local = published.astimezone(published.tzinfo)
    if not (local.hour or local.minute):
        return False
    return win[0] == published.astimezone(UTC).replace(second=0, microsecond=0)

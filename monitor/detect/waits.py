"""Claimed wait: how long a complainer says they have waited for support, in seconds (or None).

Only a stated, countable duration attached to waiting for support counts ("waited 3 days",
"on hold 20 min", "2 weeks and still no reply", "一周了", "等了两天", "十多天" = 10 days). Vague waits
("forever", "for days", "好几天", "半天") and durations of something else ("site down for 24 hours",
"withdrawal processing after 5 days", "两小时没送来") give None: the labelled set counts those as
null, and a support team cannot act on a number that is not a wait for them.
"""

from __future__ import annotations

import re
from typing import Any

DAY = 86400
_UNITS = {
    "sec": 1, "min": 60, "hour": 3600, "day": DAY, "week": 7 * DAY, "month": 30 * DAY, "year": 365 * DAY,
}
_EN_UNIT = {
    "second": "sec", "seconds": "sec", "secs": "sec", "sec": "sec",
    "minute": "min", "minutes": "min", "min": "min", "mins": "min",
    "hour": "hour", "hours": "hour", "hr": "hour", "hrs": "hour", "h": "hour",
    "day": "day", "days": "day", "working days": "day", "business days": "day",
    "working day": "day", "business day": "day",
    "week": "week", "weeks": "week", "wk": "week", "wks": "week",
    "month": "month", "months": "month", "year": "year", "years": "year",
}
_ZH_UNIT = {
    "秒": "sec", "秒钟": "sec", "分钟": "min", "分": "min", "小时": "hour", "个小时": "hour", "个钟头": "hour",
    "钟头": "hour", "天": "day", "日": "day", "周": "week", "个星期": "week", "星期": "week", "个礼拜": "week",
    "礼拜": "week", "个月": "month", "年": "year",
    # "一个多月" = a month ("more than" dropped, as the labelled README does for 十多天)
    "个多月": "month", "个多小时": "hour", "个多星期": "week", "个多礼拜": "week", "个多钟头": "hour",
    # Cantonese: 钟 / 个钟 is an hour ("等咗两个钟"), 个几钟 "an hour or so" ("半个几钟" = half an hour).
    "个钟": "hour", "个几钟": "hour", "个多钟": "hour",
}
_EN_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
    "thirty": 30, "forty": 40, "forty-eight": 48, "half a": 0.5, "half an": 0.5,
}
_ZH_DIGIT = {"零": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_EN_NUM_RE = r"\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(k) for k in _EN_NUM), key=len, reverse=True))
_EN_UNIT_RE = "|".join(sorted((re.escape(k) for k in _EN_UNIT), key=len, reverse=True))
_EN_DURATION = re.compile(
    rf"\b(?P<num>{_EN_NUM_RE})\+?(?:\s*|-)(?P<unit>{_EN_UNIT_RE})\b|\bday (?P<dayn>\d{{1,3}})\b"
    r"|\b(?P<ordn>\d{1,3})(?:st|nd|rd|th) day\b",
    re.ASCII,  # "已经3 days": \b must see the CJK/Latin edge
)
_ZH_NUM_RE = r"\d+(?:\.\d+)?|[零一二两俩三四五六七八九十百]+|半"
_ZH_UNIT_RE = "|".join(sorted((re.escape(k) for k in _ZH_UNIT), key=len, reverse=True))
# "十多天" / "十几天" = 10 days (the README's rule: the stated number, "more than" dropped); "一个半小时" = 1.5 h.
_ZH_DURATION = re.compile(
    rf"(?<![\d几好数十百])(?P<num>{_ZH_NUM_RE})(?P<more>多|来|余|几)?(?P<half>个半)?(?P<unit>{_ZH_UNIT_RE})(?P<half2>半)?"
    r"(?![\d号点])"
)
# Relative day words: "前天找客服，到今天都没人回我" waits since the day before yesterday.
_ZH_RELDAY = re.compile(
    r"(?P<rel>大前天|前天|昨天)(?=[^。！？!?\n]{0,4}?(?:找|联系|问|发|打|提交|申请|咨询|反馈|留言))"
)

_EN_POS_BEFORE = re.compile(
    r"(?<![a-z])(?:wait(?:ed|ing)?|hold|been|past|last|over|since|after|already|for the|for over|for more than|it's|its"
    r"|nearly|almost|more than"
    r"|(?:repl|respon|answer|heard|contact|call|touch|look)\w* (?:(?:it|them|at it|me) )?(?:in|for)"
    # "trying to reach bitpie support for two weeks", "in the chat queue for 45 min"
    r"|(?:reach|contact|get hold of|get through to|get in touch with)\w*\W+(?:\w+\W+){0,2}?(?:for|since)"
    r"|queue\w*|in line"
    r"|ignor\w*|ghost\w*|silen\w*"
    r"|nothing)\W*(?:\w+\W+){0,2}$"
)
_EN_POS_AFTER = re.compile(
    r"^\W*(?:ago|later|waiting|of waiting|on hold|of being on hold|and still|and no"
    r"|no (?:reply|response|support|answer|call|word)|now|with no|without|since|just waiting|and counting|of no"
    r"|still no|still waiting|and nothing|and not|and they"
    r"|they have not|waiting|holding|of holding|in (?:the |a )?queue|in(?=\s*(?:and\b|,|\.|!|$))"
    r"|to (?:reply|respond|answer|get back|acknowledge|call (?:me |us )?back|hear back|read (?:my|our|a|the)))\b",
    re.ASCII,
)
# "ago" dates a contact only when the sentence says one was made: "emailed them 5 days ago" is a wait,
# "my account was hacked 2 years ago" is not.
_EN_AGO = re.compile(r"^\W*ago\b")
_EN_CONTACTED = re.compile(
    r"\b(?:sent|emailed|messaged|contacted|called|opened|submitted|dm'?d|pm'?d|wrote|asked|reached out|raised|filed"
    r"|tweeted|reported|requested|complained|logged|lodged|(?:complaint|ticket|email|message|request|case|dm|call)s?)\b",
    re.ASCII)
# ... and is no wait when it dates something else: "my account was hacked 2 years ago".
_EN_EVENT = re.compile(
    r"\b(?:hacked|stolen|bought|purchased|joined|signed up|registered|created|installed|downloaded|started|happened"
    r"|transferred|traded|locked|frozen|froze|died|moved|launched|released)\b", re.ASCII)
# A promised or quoted time is not the wait: "told me to wait 24 hours, it's been 3 days", "客服说48小时内回复".
_EN_PROMISED = re.compile(
    r"\b(?:told|asked) (?:me|us) to wait\W*(?:\w+\W+){0,2}$"
    r"|\b(?:said|says|promised|promises|claims|claimed|advertis\w*|supposed to|meant to|guarantee\w*|expected|should"
    r"|would|will|usually|normally|average|typically|up to|within)\b"
    r"[^.!?\n]{0,25}$", re.ASCII)
_ZH_PROMISED = re.compile(r"(?:让我|叫我|要我|说|承诺|答应|保证|预计|通常|一般)[^，,。！？!?\n]{0,4}$")
_EN_NEG_BEFORE = re.compile(
    r"\b(?:down|outages?|offline|processing|pending|withdraw\w*|deposit\w*|arriv\w*|deliver\w*|ship\w*|order\w*|flights?"
    r"|delay\w*|late|suspend\w*|no (?:internet|power|service|heat|tv|wifi)|fix\w*|broke\w*|going on|verif\w*|out for"
    r"|cancel\w*|refund\w*|return\w*)\b",
    re.ASCII,
)
_EN_NEG_AFTER = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:to arrive|to process|to ship|to deliver|processing|pending|late|delay\w*"
    r"|for (?:my |the |a )?(?:withdrawal|deposit|order|delivery|package|refund|flight|food|pizza)"
    r"|it is yet to arrive|down|outages?)\b",  # \b: "6 hours later, nothing" is not "late"
    re.ASCII,
)
_ZH_NEG = re.compile(
    r"到账|送达|送到|送来|没送|才送|配送|发货|物流|快递|到货|审核|宕机|停机|维护|升级|不能用|用不了|充值|提现|提币|挂着"
)
_ZH_POS_AFTER = re.compile(r"^(?:了|都|也|还|没|不|无|过去|以上|之久|前|多了|左右了)")
_ZH_POS_BEFORE = re.compile(
    r"(?:等了?|联系了?|发了|催了?|找了|问了|打了|过了|已经|至少|超过|加了|快|都|排了|排队|提交了?|申请了|开了|投诉了|反馈了)"
    r"[^，,。！？!?\n]{0,4}$"
)
SENT_END = ".!?\n。！？"
CLAUSE_END = ".!?\n。！？，,、；;"
ZH_CLAUSE = "，,；;。！？!?\n"  # a Chinese exclusion's scope: its clause


def _zh_number(s: str) -> float | None:
    if s == "半":
        return 0.5
    if s[0].isdigit():
        return float(s)
    total, cur = 0, 0
    for ch in s:
        if ch in _ZH_DIGIT:
            cur = _ZH_DIGIT[ch]
        elif ch == "十":
            total += (cur or 1) * 10
            cur = 0
        elif ch == "百":
            total += (cur or 1) * 100
            cur = 0
        else:
            return None
    return float(total + cur)


def _end_res(ends: str) -> tuple[re.Pattern[str], re.Pattern[str]]:
    cls = "[" + re.escape(ends) + "]"
    return re.compile(rf"(?s:.*){cls}"), re.compile(cls)  # greedy: the last terminator; then the next one


_END_RES = {e: _end_res(e) for e in (SENT_END, CLAUSE_END, ZH_CLAUSE)}


def bounds(text: str, start: int, end: int, ends: str) -> tuple[int, int]:
    """Start and end of the sentence (or clause) around text[start:end]; ``ends`` are its terminators."""
    last, nxt = _END_RES.get(ends) or _end_res(ends)
    m = last.match(text, 0, start)
    n = nxt.search(text, end)
    return (m.end() if m else 0), (n.start() if n else len(text))


def _sentence(text: str, start: int, end: int, ends: str = SENT_END) -> tuple[str, str]:
    """The text of the duration's sentence (or clause) before and after the match."""
    s, e = bounds(text, start, end, ends)
    return text[s:start], text[end:e]


# "2hrs 20 minutes", "1 hour and 30 mins", "3 days, 4 hours": a larger unit then a smaller one is one wait.
_EN_COMPOUND_GAP = re.compile(r"\s*(?:,\s*|and\s+|&\s*)?", re.ASCII)


def _compound(text: str, out: list[tuple[int, int, float, float]]) -> list[tuple[int, int, float]]:
    merged: list[tuple[int, int, float, float]] = []
    for start, end, seconds, unit in out:
        if merged:
            s0, e0, v0, u0 = merged[-1]
            gap = _EN_COMPOUND_GAP.fullmatch(text, e0, start)
            if gap is not None and unit < u0 and seconds < u0:
                merged[-1] = (s0, end, v0 + seconds, unit)
                continue
        merged.append((start, end, seconds, unit))
    return [(s, e, v) for s, e, v, _u in merged]


def _en_candidates(text: str) -> list[tuple[int, int, float]]:
    out: list[tuple[int, int, float, float]] = []
    for m in _EN_DURATION.finditer(text):
        if m.group("dayn") or m.group("ordn"):
            out.append((m.start(), m.end(), int(m.group("dayn") or m.group("ordn")) * DAY, DAY))
            continue
        num = m.group("num")
        value = float(num) if num[0].isdigit() else _EN_NUM[num]
        unit = _UNITS[_EN_UNIT[m.group("unit")]]
        if m.group("unit") == "h" and not num[0].isdigit():
            continue  # "a h..." is not a duration
        out.append((m.start(), m.end(), value * unit, unit))
    return _compound(text, out)


def _zh_candidates(text: str) -> list[tuple[int, int, float]]:
    out = []
    for m in _ZH_DURATION.finditer(text):
        if m.group("unit") == "年" and (m.group("num")[0].isdigit() and len(m.group("num")) >= 3):
            continue  # 2007年 is a date
        if m.group("unit") in ("日", "分") and m.group("num")[0].isdigit():
            continue  # 21日 / 39分 are dates and clock times
        if m.group("num") == "半" and m.group("unit") == "天":
            continue  # 半天 is "ages" in speech, not twelve hours (labelled null)
        value = _zh_number(m.group("num"))
        if value is None:
            continue
        if m.group("half") or m.group("half2"):
            value += 0.5
        out.append((m.start(), m.end(), value * _UNITS[_ZH_UNIT[m.group("unit")]]))
    for m in _ZH_RELDAY.finditer(text):
        out.append((m.start(), m.end(), {"昨天": 1, "前天": 2, "大前天": 3}[m.group("rel")] * DAY))
    return sorted(out)


# A space between two Chinese characters separates clauses as a comma does ("客服三天不回复 提币卡住了").
_CJK_GAP = re.compile(r"(?<=[\u3400-\u9fff])[ \u3000]+(?=[\u3400-\u9fff])")


def _accept(text: str, start: int, end: int, cjk: bool, clauses: str | None = None) -> bool:
    if cjk and ("\u3400" <= text[start] <= "\u9fff" or "\u3400" <= text[end - 1] <= "\u9fff"):
        # Chinese chains clauses with commas; what a duration measures is said in its own clause.
        c_before, c_after = _sentence(clauses or text, start, end, CLAUSE_END)
        if _ZH_NEG.search(c_before) or _ZH_NEG.search(c_after) or _ZH_PROMISED.search(c_before):
            return False
        before, after = _sentence(text, start, end)
        return bool(_ZH_POS_AFTER.match(after) or _ZH_POS_BEFORE.search(before) or _ZH_RELDAY.match(text, start))
    before, after = _sentence(text, start, end)
    # What a duration measures is said in its own clause: "withdrawal stuck, support ignored me for 2 days".
    c_before, c_after = _sentence(text, start, end, CLAUSE_END)
    if _EN_NEG_BEFORE.search(c_before[-40:]) or _EN_NEG_AFTER.match(c_after[:40]) or _EN_PROMISED.search(c_before):
        return False
    if _EN_AGO.match(after) and not _EN_CONTACTED.search(before) and _EN_EVENT.search(before):
        return False
    return bool(_EN_POS_BEFORE.search(before[-30:]) or _EN_POS_AFTER.match(after[:30])
                or text[start:end].startswith("day ") or text[start:end].endswith(" day"))


def _distance(start: int, end: int, near: list[tuple[int, int]]) -> int:
    return min((max(s - end, start - e, 0) for s, e in near), default=0)


def claimed_wait(text: str, cjk: bool, near: list[tuple[int, int]] | None = None,
                 ) -> tuple[int, dict[str, Any]] | tuple[None, None]:
    """The duration in ``text`` (normalised) that reads as a wait for support: (seconds, evidence).

    ``near``: spans of the complaint evidence; of several accepted durations the one closest to them wins
    ("hacked 2 years ago and support still hasn't replied after 5 days" is 5 days), the first on a tie.
    """
    cands = _en_candidates(text)
    if cjk:
        cands = sorted(cands + _zh_candidates(text))
    clauses = _CJK_GAP.sub(lambda m: "，" * len(m.group(0)), text) if cjk else text  # same length, same offsets
    best: tuple[int, int, int, float] | None = None
    for start, end, seconds in cands:
        if seconds <= 0 or seconds > 5 * 365 * DAY:
            continue
        if _accept(text, start, end, cjk, clauses):
            d = _distance(start, end, near or [])
            if best is None or d < best[0]:
                best = (d, start, end, seconds)
            if d == 0 or not near:
                break
    if best is None:
        return None, None
    _d, start, end, seconds = best
    return round(seconds), {"detector": "wait", "rule": "claimed_wait", "span": [start, end], "match": text[start:end]}

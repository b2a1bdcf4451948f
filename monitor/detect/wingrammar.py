"""The token grammar of maintenance windows: dates, clock times, zones, separators, durations.

Written against normalised text (``monitor.textnorm.normalize``: NFKC, casefolded, simplified
Chinese). What each token covers, with the conventions of ``../shared/data/labelled/README.md``:

- ``date``: ``2024-03-05``, ``2024年3月5日``, ROC years (``民国110年3月5日``, ``110年3月5日`` = 2021),
  ``13-10-2021`` (day first) but ``7/9/2024`` month first in English text (US notices), ``3月5日``,
  ``March 5th, 2024``, ``Monday 6 September 2024``.
- ``time``: ``14:00``, ``2pm``, ``11:22 a.m.``, ``下午2点``, ``10 时``, Chinese numeral hours (``零时``,
  ``二十四时``, ``两点半``; cn2an reads the numeral), a period word with a bare hour (``下午 1`` in
  ``下午 1 到 5 点``), ``midnight``/``noon``.
- ``zone``: offsets (``UTC+8``, ``GMT-5``), abbreviations taken literally (``EST`` is UTC-5 even in
  September), written-out zones (``Hong Kong Time``, ``Pacific``, ``北京时间``), also glued to the
  time (``12:30UTC``).
- ``rel`` (today/tomorrow/明天/后天), ``next`` (次日), ``sep`` (``-``, ``to``, ``until``, ``至``).
- durations (:data:`DURATION`): ``up to 6 hours``, ``for 3-8 hours``, ``between 30mn and 2h``,
  ``预计维护时间约为 10 小时``, ``a 10-15 minute disruption``; the upper bound ends the window; a lower
  bound (``at least 4h``, ``至少``) is a vague end.
"""

from __future__ import annotations

import re
from datetime import timedelta
from functools import lru_cache
from typing import Any

MON = (r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
       r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?")
MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
WD = r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?"
_YEAR = r"(?P<y>(?:19|20)\d{2})(?![\d:])"
ZH_NUM = "零〇一二两三四五六七八九十"

TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("date", re.compile(  # 民国110年3月5日 / 中华民国 110 年 / 110年3月5日 (Taiwan: ROC year + 1911)
        r"(?:(?:中华)?民国\s*)?(?<!\d)(?P<roc>1[0-4]\d)\s*年\s*(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]?")),
    ("date", re.compile(  # 2024-03-05, 2024/3/5, 2024年3月5日, 2024 年 03 月 05 日
        r"(?<!\d)(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<mo>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})"
        r"(?!\d)\s*[日号]?")),
    ("date", re.compile(  # 13-10-2021, 11/03/2019, 7/9/2024 (order decided in day_month)
        r"(?<![\d.])(?P<a>\d{1,2})(?P<sl>[-/.])(?P<b>\d{1,2})[-/.](?P<y>(?:19|20)\d{2})(?!\d)")),
    ("date", re.compile(r"(?<!\d)(?P<mo>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*[日号]")),  # 3月5日
    ("dom", re.compile(r"(?<![\d月年./-])(?P<dd>\d{1,2})\s*[日号](?![\d])")),  # "至17日": a day of the start's month
    ("date", re.compile(  # Monday, March 5th, 2024 / Mar 5 2024 / Sept 27th
        rf"(?:{WD},?\s+)?\b(?P<mon>{MON})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)"
        rf"(?:,?\s*{_YEAR})?")),
    ("date", re.compile(  # 6th of July, 13th Oct 2021, 5 March 2024
        rf"(?<!\d)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MON})\b\.?(?:,?\s*{_YEAR})?")),
    ("time", re.compile(
        r"(?:(?P<per>凌晨|早上|早晨|清晨|上午|中午|午间|下午|傍晚|晚上|晚间|夜间|夜里|深夜|午夜|半夜|早|(?<![昨今明每])晚)\s*)?"
        rf"(?<![\d.:/])(?:(?P<h>[012]?\d)|(?P<zhh>[{ZH_NUM}]{{1,3}})(?=\s*[点时]))"
        r"(?:(?::(?P<m>[0-5]\d)(?::[0-5]\d)?(?:\s*[点时](?!\d))?)|\s*(?P<zh>[点点时])"
        rf"(?:(?P<half>半)|(?P<zm>[0-5]?\d|[{ZH_NUM}]{{1,3}})分?)?)?"
        r"(?:\s*(?P<ap>[ap])\.?m\b\.?)?")),
    ("time", re.compile(r"\b(?P<word>midnight|noon|midday)\b")),
    ("zone", re.compile(
        r"\b(?:utc|gmt)\s*(?P<sign>[+-])\s*(?P<oh>\d{1,2})(?::?(?P<om>[0-5]\d))?(?!\d)"
        r"|(?P<cn>北京时间|东八区(?:时间)?|台北时间|台湾时间|香港时间|新加坡时间|东京时间)"
        r"|(?P<spelled>hong\s*kong\s+time|beijing\s+time|china\s+standard\s+time|singapore\s+time"
        r"|japan\s+(?:standard\s+)?time|korea\s+(?:standard\s+)?time|uk\s+time|london\s+time"
        r"|british\s+summer\s+time|greenwich\s+mean\s+time|coordinated\s+universal\s+time"
        r"|(?:pacific|eastern|central|mountain)(?:\s+(?:standard|daylight))?\s+time|pacific|eastern|mountain)\b"
        r"|(?:\b|(?<=\d))(?P<name>utc|gmt|pst|pdt|pt|est|edt|et|cst|cdt|ct|mst|mdt|bst|cet|cest|eet|eest|msk"
        r"|brt|hkt|sgt|jst|kst|aest|aedt|ict|wib)\b"
        r"|(?<=\d)(?P<zulu>z)\b"
        r"|(?P<iana>us/pacific|us/eastern)")),
    ("rel", re.compile(r"\b(?P<r>today|tonight|tomorrow|yesterday)\b"
                       r"|(?P<rz>今天|今日|今晚|明天|明日|明晚|明早|后天|昨天|昨日|昨晚)")),
    ("next", re.compile(r"次日|翌日|第二天|隔天|\bnext day\b")),
    ("sep", re.compile(
        r"[-–—~～]+|至|到|\bto\b|\buntil\b|\btill\b|\bthrough\b|\bthru\b|\band\b(?=\s*[012]?\d[:点时\s]?)")),
)

# Abbreviations and names, literally (labelled/README.md: "EST even in September").
NAMED: dict[str, Any] = {
    "utc": 0, "gmt": 0, "pst": -8, "pdt": -7, "est": -5, "edt": -4, "cdt": -5, "mst": -7, "mdt": -6,
    "bst": 1, "cet": 1, "cest": 2, "eet": 2, "eest": 3, "msk": 3, "brt": -3, "hkt": 8, "sgt": 8, "jst": 9,
    "kst": 9, "aest": 10, "aedt": 11, "ict": 7, "wib": 7,
    "pt": "America/Los_Angeles", "et": "America/New_York", "ct": "America/Chicago",
    "us/pacific": "America/Los_Angeles", "us/eastern": "America/New_York",
    "hong kong time": 8, "hongkong time": 8, "beijing time": 8, "china standard time": 8, "singapore time": 8,
    "japan time": 9, "japan standard time": 9, "korea time": 9, "korea standard time": 9,
    "uk time": "Europe/London", "london time": "Europe/London", "british summer time": 1,
    "greenwich mean time": 0, "coordinated universal time": 0,
    "pacific": "America/Los_Angeles", "eastern": "America/New_York", "mountain": "America/Denver",
    "central": "America/Chicago",
}
CN_ZONES = {"东京时间": 9}
PM = {"下午", "傍晚", "晚上", "晚间", "夜间", "夜里", "深夜", "晚"}

# What may sit between two tokens of one window: whitespace, brackets, "from", weekdays, table bars ...
FILLER = re.compile(
    rf"[、,，]\s*\d{{1,2}}\s*[日号]|\s+|[,，()（）:：、@|*]|的|于|从|自|起|在|预计|约|大约|\bfrom\b|\bat\b|\bon\b|\baround\b|\babout\b"
    rf"|\bapprox(?:imately|\.)?\b|\bstarting\b|\bbeginning\b|\bbetween\b|\bthe\b|\bof\b|\band\b"
    rf"|\b{WD}|(?:星期|周|礼拜)[一二三四五六日天]|[一二三四五六日天](?=\s*[)）])"
    rf"|每天|每日|每晚")

# A stamp labelled as something else than the window: "[UPDATE 15 Apr, 11:22]", "Expiration Date: ...".
NOT_WINDOW = re.compile(
    r"(?:\bupdated?\b|\bedited\b|\bposted\b|\bpublished\b|\bresolved\b|\bexpir\w*|\bdeadline\b|\bvalid\s+until\b"
    r"|\bdue\b|发布|更新|截止|有效期|过期|到期)[^\n]{0,12}$")
# An end stated on its own: "will be finished at", "delay ... to", "预计恢复时间：".
END_BEFORE = re.compile(
    r"(?:\bfinish(?:ed)?|\bcomplet(?:ed?|ion)|\bend(?:s|ed)?|\bresum(?:e[sd]?|ption)|\brestored?|\bback\s+(?:online|up)"
    r"|\bextended|\bdelay(?:ed)?|\bpostponed)\b[^\n.;。]{0,24}?(?:\bat|\bby|\bto|\buntil|\bon)?\s*$"
    r"|(?:恢复|结束|完成|开放|开启|开服)(?:时间)?\s*[:：为]?\s*$")
END_AFTER = re.compile(r"\s*(?:之?前|以前)\s*(?:可|将|会|能)?\s*(?:恢复|完成|结束|开放|开服)")
# A start stated as such after the time ("03:00后", "零时起") is still a start; nothing to do.

_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20,
              "thirty": 30, "forty-five": 45, "forty five": 45, "half an": 0.5, "half a": 0.5}
_NUM = (r"\d+(?:\.\d+)?|half\s+an?|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
        rf"|fifteen|twenty|thirty|forty[- ]five|[{ZH_NUM}半]{{1,4}}")
_UNIT = r"hours?|hrs?|h\b|minutes?|mins?\b|mn\b|个?小时|个?钟头|个钟|分钟|天|days?"
# A lower bound is no end ("at least 4h", "至少持续 6 小时"): read in the few characters before the number.
LOWER = re.compile(r"(?:\bat\s+least|\bmore\s+than|\bover|\bminimum(?:\s+of)?|\bno\s+less\s+than|至少|不少于|超过)"
                   r"[^\d\n.。]{0,6}$")
DURATION = re.compile(
    rf"(?:(?<![a-z0-9.:])(?P<n1>{_NUM})\s*(?P<u1>{_UNIT})?\s*(?:-|–|~|～|to|and|至|到)\s*)?"
    rf"(?<![a-z0-9.:])(?P<n>{_NUM})\s*(?P<u>{_UNIT})(?P<lower2>\s*(?:以上|多|\+|or\s+more))?")
# Words that make a nearby number-with-unit a duration of the work (not "every 2 hours", "2 hours before").
DUR_CUE = re.compile(
    r"(?:\btake|\btakes|\blast|\blasts|\blasting|\bfor|\bup\s+to|\bwithin|\bduring|\bbetween|\bfrom|\babout"
    r"|\baround|\bapprox(?:imately|\.)?|\bexpect(?:ed)?|\bestimated?|\bof|\bdowntime|\bdisruption|\boutage"
    r"|\bduration|\bis|\bwill\s+be|\bshould\s+be|约|大约|大概|预计|时长|持续|历时|耗时|需时|用时|需要|需|为|共|左右)"
    r"[^\n.;。0-9]{0,24}$")
DUR_NOUN = re.compile(r"^\s*(?:-|\s)?(?:of\s+)?(?:downtime|disruption|outage|maintenance|interruption|window"
                      r"|service\s+interruption)")
# A conditional or per-item impact is not the window's length ("there could be minor impacts (1-2 min
# outage) if ...", "each node reboots for 5 minutes"). English only: a Chinese sentence runs to the
# 。 and routinely says 可能 ("期间可能无法访问，预计持续2小时") about the window itself.
DUR_HEDGE = re.compile(r"\b(?:could|might|if|unexpected|possible|each|every|per)\b")
DUR_NOT = re.compile(r"^\s*(?:before|after|prior|earlier|later|ago|in\s+advance|之前|之后|以前|以后|前|后|内完成)")


@lru_cache(maxsize=256)
def zh_number(s: str) -> float | None:
    """Chinese numeral -> number (``二十四`` 24, ``两`` 2, ``半`` 0.5) via cn2an; None if not one."""
    if s == "半":
        return 0.5
    if s.isdigit():
        return int(s)
    import cn2an  # lazy: 0.1 s import, only for notices that write numerals in Chinese

    try:
        return float(cn2an.cn2an(s, "smart"))
    except (ValueError, KeyError):
        return None


def number(s: str) -> float | None:
    s = s.strip()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        return float(s)
    if s in _NUM_WORDS:
        return _NUM_WORDS[s]
    if re.fullmatch(r"half\s+an?", s):
        return 0.5
    if s.replace("-", " ") in _NUM_WORDS:
        return _NUM_WORDS[s.replace("-", " ")]
    return zh_number(s) if re.fullmatch(f"[{ZH_NUM}半]+", s) else None


def unit_delta(n: float, unit: str) -> timedelta:
    if unit.startswith(("min", "分", "mn")) or unit == "m":
        return timedelta(minutes=n)
    if unit.startswith(("day", "天")):
        return timedelta(days=n)
    return timedelta(hours=n)

"""Atlassian Statuspage ``history.atom`` / ``history.rss``: fold an entry's updates into one notice.

Each entry's HTML holds its updates newest first, each as
``<small>Nov <var>10</var>, <var>18:19</var> PST</small><br><strong>Completed</strong> - text``.
The stamps carry no year and use the page's local zone abbreviation (PST and PDT mixed on
Atlassian's own page; ``Jan  1, 09:09 PST`` space-padded on Parse's 2014 page, see
``../shared/data/statuspage``). Both are resolved against the entry's published date and the feed's
configured zone. A scheduled maintenance (Scheduled -> In progress -> Verifying -> Completed) becomes
one announcement whose status is the latest update. The fold states facts only: the updates (status
word, stamp, text) and the schedule header as text ("THIS IS A SCHEDULED EVENT Jan 9, 14:00 - 18:00
UTC"); whether that is a maintenance and what its window is, detection decides
(``monitor.detect.announcements``).
"""

from __future__ import annotations

import html as htmllib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_tz
from typing import Any

from monitor.records import StatusUpdate
from sources.feeddates import is_china_zone, zone

_UPDATE = re.compile(
    r"<small>(?P<stamp>.*?)</small>\s*(?:<br\s*/?>)?\s*<strong>(?P<status>[^<]{1,40})</strong>\s*-?\s*"
    r"(?P<body>.*?)(?=<p>\s*<small>|</p>\s*<p>\s*<small>|$)", re.S | re.I)
_STAMP = re.compile(
    r"(?P<mon>[A-Z][a-z]{2})[a-z]*\.?\s+(?P<d>\d{1,2})\s*,\s*(?:(?P<y>\d{4})\s*,?\s*)?"
    r"(?P<h>\d{1,2}):(?P<mi>\d{2})\s*(?P<tz>[A-Z]{2,5})?")
_HEADER = re.compile(r"THIS IS A SCHEDULED EVENT(?P<when>.*?)</strong>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")
_MONTHS = {m: i for i, m in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}
_ABBR = {"UTC": 0, "GMT": 0, "PST": -8, "PDT": -7, "MST": -7, "MDT": -6, "CDT": -5, "EST": -5, "EDT": -4,
         "BST": 1, "CET": 1, "CEST": 2, "EET": 2, "EEST": 3, "IST": 5.5, "SGT": 8, "HKT": 8, "JST": 9,
         "KST": 9, "AEST": 10, "AEDT": 11}
Update = StatusUpdate  # the record type lives in monitor.records (Announcement.updates)


@dataclass(slots=True)
class Fold:
    updates: list[StatusUpdate] = field(default_factory=list)  # newest first
    header: str | None = None  # the "THIS IS A SCHEDULED EVENT" header's text after those words

    @property
    def status(self) -> str | None:
        return self.updates[0].status if self.updates else None

    @property
    def latest(self) -> datetime | None:
        stamps = [u.at for u in self.updates if u.at]
        return max(stamps) if stamps else None

    def text(self) -> str:
        return "\n".join(f"{u.status.title()} - {u.text}" for u in self.updates)

    def raw(self) -> list[dict[str, Any]]:
        return [{"status": u.status, "at": u.at.isoformat() if u.at else None, "text": u.text}
                for u in self.updates]


def plain(fragment: str) -> str:
    text = re.sub(r"<br\s*/?>|</p>|</li>", "\n", fragment, flags=re.I)
    return re.sub(r"[ \t\xa0]+", " ", htmllib.unescape(_TAG.sub(" ", text))).strip()


def looks_like_statuspage(fragment: str) -> bool:
    return bool(_UPDATE.search(fragment)) and bool(_STAMP.search(plain(fragment)))


def _abbr_zone(abbr: str | None, tz_name: str | None, published: datetime | None) -> tzinfo:
    if abbr == "CST":
        # China Standard Time on a page configured for China; US Central otherwise.
        return fixed_tz(timedelta(hours=8 if is_china_zone(tz_name) else -6))
    if abbr in _ABBR:
        return fixed_tz(timedelta(hours=_ABBR[abbr]))
    if tz_name:
        return zone(tz_name) or UTC
    if published is not None and published.tzinfo is not None:
        return published.tzinfo
    return UTC


def resolve_stamp(stamp: str, published: datetime | None, tz_name: str | None) -> datetime | None:
    """``Nov 10, 18:19 PST`` -> aware UTC, the year being the one that puts it nearest ``published``."""
    m = _STAMP.search(stamp)
    if m is None or m.group("mon") not in _MONTHS:
        return None
    tz = _abbr_zone(m.group("tz"), tz_name, published)
    ref = published or datetime.now(UTC)
    years = [int(m.group("y"))] if m.group("y") else [ref.year - 1, ref.year, ref.year + 1]
    best: datetime | None = None
    for y in years:
        try:
            cand = datetime(y, _MONTHS[m.group("mon")], int(m.group("d")), int(m.group("h")),
                            int(m.group("mi")), tzinfo=tz).astimezone(UTC)
        except ValueError:
            continue
        if best is None or abs(cand - ref) < abs(best - ref):
            best = cand
    return best


def fold(fragment: str, published: datetime | None, tz_name: str | None) -> Fold:
    """Parse one Statuspage entry's HTML into its updates (newest first) and its schedule header."""
    out = Fold()
    for m in _UPDATE.finditer(fragment):
        at = resolve_stamp(plain(m.group("stamp")), published, tz_name)
        out.updates.append(StatusUpdate(m.group("status").strip().lower(), at, plain(m.group("body"))))
    out.updates.sort(key=lambda u: u.at or datetime.min.replace(tzinfo=UTC), reverse=True)
    header = _HEADER.search(fragment)
    if header:
        out.header = plain(header.group("when"))
    return out

"""Feed dates feedparser mis-reads or cannot read: read by us, checked against the text, never "now".

Inputs written for these tests, modelled on public feedparser bug reports (slash dates read as the
year only, RFC 822 without a zone, non-English names, unknown zones).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import feedparser.datetimes
import pytest
import responses

from monitor.config import parse_config
from monitor.feedcheck import check
from monitor.pipeline import run_source
from sources.base import SourceContext
from sources.feed import FeedSource
from sources.feeddates import entry_datetime

URL = "https://forum.bitpie.example/feed.rss"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def _read(raw: str, tz: str | None) -> datetime | None:
    return entry_datetime(raw, feedparser.datetimes._parse_date(raw), tz)


# KIND: a string feedparser mis-reads (wrong day) or cannot read, that a person reads unambiguously.
@pytest.mark.parametrize(("raw", "tz", "expected"), [
    ("2016/6/29 15:07:41", "Asia/Shanghai", (2016, 6, 29, 7, 7, 41)),       # feedparser: year only
    ("2016/06/29", "Asia/Shanghai", (2016, 6, 28, 16, 0, 0)),
    ("2019.12.31 21:34", "Europe/Berlin", (2019, 12, 31, 20, 34, 0)),      # dotted = day first
    ("31.12.2019 21:34", "Europe/Berlin", (2019, 12, 31, 20, 34, 0)),
    ("2016/6/29 下午3点", "Asia/Shanghai", (2016, 6, 29, 7, 0, 0)),
    ("Sat, 22 Jul 2017 15:55:00", "Asia/Shanghai", (2017, 7, 22, 7, 55, 0)),  # weekday, no zone
    ("Sat, 22 Jul 2017 15:55:00", "America/New_York", (2017, 7, 22, 19, 55, 0)),
    ("Saturday, July 22, 2017 3:55 PM", "Asia/Shanghai", (2017, 7, 22, 7, 55, 0)),
    ("mer., 06 mars 2024 14:00:00 +0100", None, (2024, 3, 6, 13, 0, 0)),   # French names
    ("Di, 05 Mär 2024 14:00:00 MEZ", None, (2024, 3, 5, 13, 0, 0)),        # German names and zone
    ("martes, 5 de marzo de 2024 14:00", "Europe/Madrid", (2024, 3, 5, 13, 0, 0)),
    ("Tue, 05 Mar 2024 14:00:00 GMT+0800", None, (2024, 3, 5, 6, 0, 0)),    # not POSIX-inverted
    ("Tue, 05 Mar 2024 14:00:00 +0000 (UTC)", None, (2024, 3, 5, 14, 0, 0)),
    ("Tue, 05 Mar 2024 23:30:00 HKT", "Europe/London", (2024, 3, 5, 15, 30, 0)),
    ("20240305T140000Z", None, (2024, 3, 5, 14, 0, 0)),                      # feedparser drops the time
])
def test_dates_feedparser_misreads_are_read_from_the_text(raw: str, tz: str | None,
                                                         expected: tuple[int, int, int, int, int, int]) -> None:
    assert _read(raw, tz) == datetime(*expected, tzinfo=UTC)


# KIND: strings nobody can read reliably -> no date at all, never a guess.
@pytest.mark.parametrize("raw", [
    "2024",                                  # feedparser: 2024-01-01 (invented month and day)
    "Jul 22 15:55",                          # no year
    "Tue, 05 Mar 2024 14:00:00 XYZ",         # unknown zone: feedparser takes it as UTC
    "05/03/2024 14:00",                      # March 5 or 5 May
    "yesterday",
    "刚刚",
    "2024年13月45日",
])
def test_unreadable_dates_are_none(raw: str) -> None:
    assert _read(raw, "Europe/Berlin") is None


@pytest.mark.parametrize(("raw", "tz", "hour"), [
    ("2024-03-05T14:00:00Z", "Asia/Shanghai", 14),
    ("Tue, 05 Mar 2024 14:00:00 GMT", "America/Chicago", 14),
    ("2024-03-05T14:00:00.000-05:00", None, 19),
    ("Tue, 05 Mar 2024 14:00:00 EST", "Asia/Shanghai", 19),
])
def test_readable_dates_agree_with_feedparser(raw: str, tz: str | None, hour: int) -> None:
    parsed = feedparser.datetimes._parse_date(raw)
    assert _read(raw, tz) == datetime(2024, 3, 5, hour, tzinfo=UTC)
    assert parsed is not None and tuple(parsed[:4]) == (2024, 3, 5, hour)


RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Forum</title><link>https://forum.bitpie.example/</link>
<item><title>slash</title><guid isPermaLink="false">t1</guid><pubDate>2016/6/29 15:07:41</pubDate></item>
<item><title>nozone</title><guid isPermaLink="false">t2</guid><pubDate>Sat, 22 Jul 2017 15:55:00</pubDate></item>
<item><title>junk</title><guid isPermaLink="false">t3</guid><pubDate>sometime last week</pubDate></item>
</channel></rss>"""


def _cfg(tmp_path: Path, official: bool) -> Any:
    src = {"type": "feed", "name": "forum", "url": URL, "official": official, "platform": "forum",
           "timezone": "Asia/Shanghai", "host_spacing_seconds": 0}
    return parse_config({"brand": {"names": ["Bitpie"]}, "data_dir": str(tmp_path / "d"), "sources": [src]},
                        tmp_path, env={})


@responses.activate
def test_post_feed_dates_and_unreadable_entry_flagged_not_now(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, official=False)
    responses.get(URL, body=RSS.encode(), content_type="application/rss+xml")
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    [batch] = list(FeedSource(cfg.sources[0], cfg).fetch(ctx))
    got = {p.post_id.removeprefix("forum:"): p for p in batch.posts}  # bare guids are scoped to the feed
    assert got["t1"].created_at == datetime(2016, 6, 29, 7, 7, 41, tzinfo=UTC)
    assert got["t2"].created_at == datetime(2017, 7, 22, 7, 55, tzinfo=UTC)
    assert "dated_by" not in (got["t1"].raw or {})
    # The unreadable one is dated by first sight and says so; one note names the entry.
    assert got["t3"].raw is not None and got["t3"].raw["dated_by"] == "first_seen"
    assert got["t3"].raw["date_unread"] == ["sometime last week"]
    [note] = batch.notes
    assert "t3" in note and "sometime last week" in note


@responses.activate
def test_unreadable_date_warns_once_per_entry_through_the_pipeline(tmp_path: Path, engine: Any,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    cfg = _cfg(tmp_path, official=False)
    responses.get(URL, body=RSS.encode(), content_type="application/rss+xml")
    responses.get(URL, body=RSS.replace("Forum", "Forum!").encode(), content_type="application/rss+xml")
    with caplog.at_level(logging.WARNING):
        run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))
        run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))  # changed bytes, same entries
    warned = [r.getMessage() for r in caplog.records if "could not be read" in r.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("forum: entry forum:t3")


@responses.activate
def test_official_feed_stores_no_invented_date(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path, official=True)
    responses.get(URL, body=RSS.encode(), content_type="application/rss+xml")
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    [batch] = list(FeedSource(cfg.sources[0], cfg).fetch(ctx))
    got = {a.entry_id: a for a in batch.announcements}
    assert got["t3"].published is None and got["t3"].updated is None
    assert got["t1"].published == datetime(2016, 6, 29, 7, 7, 41, tzinfo=UTC)
    assert any("t3" in n and "stored without a date" in n for n in batch.notes)


def test_feeds_check_reports_unreadable_dates(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "forum.rss").write_text(RSS, encoding="utf-8")
    res = check(tmp_path)
    assert res.bugs == []
    assert len(res.unread_dates) == 1 and "t3" in res.unread_dates[0]


def test_report_rows_show_a_first_seen_date() -> None:
    from zoneinfo import ZoneInfo

    from reports.rows import complaint_rows

    base = {"platform": "forum", "post_id": "t3", "created_at": T0, "latency": None}
    flagged, plain = complaint_rows([{**base, "dated_by": "first_seen"}, {**base, "dated_by": None}],
                                    ZoneInfo("Asia/Shanghai"))
    assert "first seen" in flagged["created_local"] and "first seen" not in plain["created_local"]

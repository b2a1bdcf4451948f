"""The Chinese date handler registered with feedparser, and per-feed zones for zone-less dates."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import feedparser.datetimes
import pytest

from sources.feeddates import entry_datetime, parse_chinese_date, register_chinese_dates


@pytest.mark.parametrize(("value", "expected"), [
    ("2024年3月5日 14:00", (2024, 3, 5, 14, 0, 0)),
    ("2024年03月05日14:30:15", (2024, 3, 5, 14, 30, 15)),
    ("2024 年 3 月 5 日", (2024, 3, 5, 0, 0, 0)),
    ("2024年3月5日 下午2点", (2024, 3, 5, 14, 0, 0)),
    ("2024年3月5日（星期二） 08:00", (2024, 3, 5, 8, 0, 0)),
    ("2024年3月5日 14:00 北京时间", (2024, 3, 5, 6, 0, 0)),
    ("2024年3月5日 14:00 +0800", (2024, 3, 5, 6, 0, 0)),
])
def test_parse_chinese_date(value: str, expected: tuple[int, ...]) -> None:
    got = parse_chinese_date(value)
    assert got is not None and tuple(got[:6]) == expected


@pytest.mark.parametrize("value", [
    "Tue, 05 Mar 2024 14:00:00 GMT", "2024-03-05T14:00:00Z", "三月五日", "2024年13月5日",
])
def test_other_formats_are_left_to_feedparser(value: str) -> None:
    assert parse_chinese_date(value) is None


def test_registration_is_idempotent_and_feedparser_uses_it() -> None:
    register_chinese_dates()
    register_chinese_dates()
    assert feedparser.datetimes._date_handlers.count(parse_chinese_date) == 1
    parsed = feedparser.datetimes._parse_date("2024年3月5日 14:00")
    assert parsed is not None and tuple(parsed[:5]) == (2024, 3, 5, 14, 0)


@pytest.mark.parametrize(("raw", "tz", "expected_hour"), [
    ("2024-03-05 14:00:00", "Asia/Shanghai", 6),      # no zone: the feed's zone
    ("2024-03-05 14:00:00", "Europe/London", 14),
    ("2024-03-05 14:00:00 +08:00", "Europe/London", 6),  # explicit offset wins
    ("Tue, 05 Mar 2024 14:00:00 CST", "Asia/Taipei", 6),  # CST in a China/Taiwan feed is UTC+8
    ("Tue, 05 Mar 2024 14:00:00 CST", "America/Chicago", 20),
])
def test_entry_datetime_uses_the_feed_zone(raw: str, tz: str, expected_hour: int) -> None:
    parsed = feedparser.datetimes._parse_date(raw)
    assert entry_datetime(raw, parsed, tz) == datetime(2024, 3, 5, expected_hour, tzinfo=UTC)


def test_entry_datetime_without_config_keeps_feedparser_reading() -> None:
    parsed = time.struct_time((2024, 3, 5, 14, 0, 0, 1, 65, 0))
    assert entry_datetime("2024-03-05 14:00:00", parsed, None) == datetime(2024, 3, 5, 14, tzinfo=UTC)
    assert entry_datetime(None, None, "Asia/Shanghai") is None

"""Feed throughput: entries/s through sources.feed.FeedSource (HTTP mocked with ``responses``)
beside feedparser.parse alone on the same bytes, as a ratio.

Two modes of the source: a post feed (entry -> Post) and an official feed (entry -> Announcement,
with classify_kind + extract_window on every entry). The feed is generated here: 500 entries, half
Chinese, a third of them maintenance notices with a window.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import responses

from monitor.config import parse_config
from monitor.detect.announcements import label_announcements
from sources.base import SourceContext
from sources.feed import FeedSource

N_ENTRIES = 500
ROUNDS = 5
URL = "https://bench.example/feed.atom"


def make_feed(n: int) -> bytes:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    items = []
    for i in range(n):
        day = t0 + timedelta(hours=7 * i)
        if i % 3 == 0:
            body = (f"比特派将于{day:%Y年%m月%d日} 14:00-16:00(UTC+8)进行系统维护，期间暂停转账。" if i % 2
                    else f"Bitpie will perform scheduled maintenance on {day:%B} {day.day}, 14:00-16:00 UTC.")
        else:
            body = (f"比特派 5.{i} 版本发布，新增地址簿与兑换功能。" if i % 2
                    else f"Bitpie 5.{i} adds token swaps and an address book; thanks for the feedback.")
        items.append(f"<entry><id>tag:bench,2026:{i}</id><title>Notice {i}</title>"
                     f"<link href='https://bench.example/n/{i}'/><published>{day.isoformat()}</published>"
                     f"<content type='html'>&lt;p&gt;{body}&lt;/p&gt;</content></entry>")
    return ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'>"
            "<title>bench</title><id>tag:bench</id><updated>2026-11-20T00:00:00Z</updated>"
            + "".join(items) + "</feed>").encode("utf-8")


def run_source(body: bytes, official: bool) -> float:
    cfg = parse_config({"brand": {"names": ["Bitpie"]}, "sources": [
        {"type": "feed", "name": "bench", "url": URL, "official": official, "host_spacing_seconds": 0,
         "timezone": "Asia/Shanghai"}]}, Path("."), env={})
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: datetime.now(UTC))
    with responses.RequestsMock() as mock:
        mock.get(URL, body=body, content_type="application/atom+xml")
        src = FeedSource(cfg.sources[0], cfg)
        t = time.perf_counter()
        for _ in range(ROUNDS):
            # An official feed's entries are labelled (kind + window) as the pipeline does before storing.
            n = sum(len(b.posts) + len(label_announcements(b.announcements, cfg)) for b in src.fetch(ctx))
            assert n == N_ENTRIES
        return time.perf_counter() - t


def run_raw(body: bytes) -> float:
    t = time.perf_counter()
    for _ in range(ROUNDS):
        assert len(feedparser.parse(body).entries) == N_ENTRIES
    return time.perf_counter() - t


def main() -> None:
    body = make_feed(N_ENTRIES)
    raw = run_raw(body)
    total = N_ENTRIES * ROUNDS
    print(f"feedparser.parse alone: {total / raw:,.0f} entries/s ({len(body) / 1024:.0f} KiB feed, "
          f"{N_ENTRIES} entries x {ROUNDS})")
    for official in (False, True):
        ours = run_source(body, official)
        label = "official feed (kind + window per entry)" if official else "post feed"
        print(f"FeedSource {label}: {total / ours:,.0f} entries/s | ratio ours/raw {raw / ours:.2f}")


if __name__ == "__main__":
    main()

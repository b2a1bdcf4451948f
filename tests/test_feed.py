"""Feed source over HTTP (mocked with ``responses``) and through the real pipeline and store."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
import requests
import responses
from responses import matchers
from sqlalchemy import select

from monitor import store
from monitor.config import Config, parse_config
from monitor.detect.announcements import label_announcements
from monitor.errors import RateLimited, SourceDisabled, SourceError
from monitor.pipeline import STATE_KEY, build_sources, run_source
from monitor.records import query_key
from sources import feed as feedmod
from sources.base import SourceContext
from sources.feed import FeedSource, entry_identity
from sources.http import HostPacer, share_pacer

URL = "https://www.bitpie.example/announcements/feed.atom"
NEW_URL = "https://blog.bitpie.example/feed.atom"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)

# Written for these tests, modelled on a wallet's help-centre Atom feed.
ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh-CN">
  <title>Bitpie Announcements</title>
  <id>tag:bitpie.example,2026:/announcements</id>
  <updated>2026-11-18T10:00:00Z</updated>
  <entry>
    <id>tag:bitpie.example,2026:notice/881</id>
    <title>比特派关于系统升级维护的公告</title>
    <link href="https://www.bitpie.example/notice/881"/>
    <published>2026-11-18T10:00:00+08:00</published>
    <updated>{updated}</updated>
    <content type="html">&lt;p&gt;亲爱的用户：比特派将于2026年11月21日14:00-16:00(UTC+8)进行系统维护，
      维护期间转账、兑换功能暂停。&lt;/p&gt;</content>
  </entry>
  <entry>
    <id>tag:bitpie.example,2026:notice/880</id>
    <title>{title880}</title>
    <link href="https://www.bitpie.example/notice/880"/>
    <published>2026-11-10T09:00:00Z</published>
    <content type="html">Bitpie 5.2 adds Solana token swaps and a new address book.</content>
  </entry>
</feed>
"""


def atom(updated: str = "2026-11-18T10:00:00+08:00", title880: str = "Bitpie 5.2 released") -> bytes:
    return ATOM.format(updated=updated, title880=title880).encode("utf-8")


def make_cfg(tmp_path: Path, **feed: Any) -> Config:
    src = {"type": "feed", "name": "bitpie-news", "url": URL, "official": True, "host_spacing_seconds": 0}
    src.update(feed)
    return parse_config({"brand": {"names": ["Bitpie", "比特派"]}, "timezone": "Asia/Shanghai",
                         "data_dir": str(tmp_path / "data"), "sources": [src]}, tmp_path, env={})


def source_of(cfg: Config) -> FeedSource:
    return FeedSource(cfg.sources[0], cfg)


def ctx(cursors: dict | None = None) -> SourceContext:
    return SourceContext(cursors=cursors or {}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)


def cursor(engine: Any, name: str = "bitpie-news") -> dict[str, Any]:
    with engine.connect() as c:
        return store.load_cursors(c, name)


def rows(engine: Any) -> list[dict[str, Any]]:
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(select(store.announcements).order_by(
            store.announcements.c.entry_id))]


@pytest.fixture
def parse_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = feedparser.parse

    def counting(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        return real(*args, **kw)

    monkeypatch.setattr(feedmod.feedparser, "parse", counting)
    return calls


@responses.activate
def test_200_then_304_costs_no_parse_and_keeps_the_cursor(tmp_path: Path, engine: Any,
                                                          parse_calls: list[int]) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, body=atom(), status=200, content_type="application/atom+xml",
                  headers={"ETag": '"v1"', "Last-Modified": "Wed, 18 Nov 2026 02:00:00 GMT"},
                  match=[matchers.header_matcher({"User-Agent": cfg.user_agent})])
    first = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert (first.status, first.fetched, first.new) == ("ok", 2, 2)
    state = cursor(engine)[query_key(URL)]
    assert state["etag"] == '"v1"' and state["last_modified"].startswith("Wed, 18 Nov 2026")

    responses.replace(responses.GET, URL, status=304, match=[matchers.header_matcher(
        {"If-None-Match": '"v1"', "If-Modified-Since": "Wed, 18 Nov 2026 02:00:00 GMT"})])
    second = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert (second.status, second.fetched, second.new, second.requests) == ("ok", 0, 0, 1)
    assert len(parse_calls) == 1  # the 304 was not parsed
    assert len(rows(engine)) == 2
    assert cursor(engine)[query_key(URL)]["etag"] == '"v1"'


@responses.activate
def test_official_entries_become_announcements_with_kind_and_window(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, timezone="Asia/Shanghai")
    responses.get(URL, body=atom(), content_type="application/atom+xml")
    [batch] = list(source_of(cfg).fetch(ctx()))
    # The source states text and dates only; detection labels them (the pipeline does this before storing).
    assert {a.kind for a in batch.announcements} == {None}
    assert {a.timezone for a in batch.announcements} == {"Asia/Shanghai"}
    by_id = {a.entry_id: a for a in label_announcements(batch.announcements, cfg)}
    maint = by_id["tag:bitpie.example,2026:notice/881"]
    assert maint.kind == "maintenance"
    assert (maint.window_start, maint.window_end) == (datetime(2026, 11, 21, 6, tzinfo=UTC),
                                                      datetime(2026, 11, 21, 8, tzinfo=UTC))
    assert maint.published == datetime(2026, 11, 18, 2, tzinfo=UTC)
    rel = by_id["tag:bitpie.example,2026:notice/880"]
    assert rel.kind == "release" and rel.window_start is None
    assert rel.updated is None  # RSS/Atom without <updated>: not copied from published


@responses.activate
def test_post_feed_entries_carry_the_platform(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, official=False, platform="weibo")
    responses.get(URL, body=atom(), content_type="application/atom+xml")
    [batch] = list(source_of(cfg).fetch(ctx()))
    assert not batch.announcements
    assert {p.platform for p in batch.posts} == {"weibo"}
    assert {p.origin for p in batch.posts} == {"bitpie-news"}
    post = next(p for p in batch.posts if p.post_id.endswith("881"))
    assert post.text.startswith("比特派关于系统升级维护的公告\n亲爱的用户")
    assert post.created_at == datetime(2026, 11, 18, 2, tzinfo=UTC)
    assert post.lang == "zh"  # from xml:lang="zh-CN" on the feed


@responses.activate
def test_edited_entry_updates_its_row(tmp_path: Path, engine: Any) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, body=atom(), headers={"ETag": '"v1"'}, content_type="application/atom+xml")
    run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    responses.replace(responses.GET, URL, body=atom(updated="2026-11-19T09:30:00+08:00",
                                                    title880="Bitpie 5.2.1 released"),
                      headers={"ETag": '"v2"'}, content_type="application/atom+xml")
    res = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert res.new == 0
    stored = {r["entry_id"]: r for r in rows(engine)}
    assert len(stored) == 2
    assert stored["tag:bitpie.example,2026:notice/880"]["title"] == "Bitpie 5.2.1 released"
    edited = stored["tag:bitpie.example,2026:notice/881"]
    assert edited["published"] == datetime(2026, 11, 18, 2, tzinfo=UTC)
    assert edited["updated"] == datetime(2026, 11, 19, 1, 30, tzinfo=UTC)
    assert cursor(engine)[query_key(URL)]["etag"] == '"v2"'


@responses.activate
def test_301_stores_the_new_url_and_says_so(tmp_path: Path, engine: Any,
                                            caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, status=301, headers={"Location": NEW_URL})
    responses.get(NEW_URL, body=atom(), headers={"ETag": '"n1"'}, content_type="application/atom+xml")
    with caplog.at_level("WARNING"):
        res = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert res.status == "ok" and res.new == 2
    assert cursor(engine)[query_key(URL)]["url"] == NEW_URL
    assert any("moved permanently" in r.getMessage() and NEW_URL in r.getMessage() for r in caplog.records)

    # Next pass goes straight to the new URL (the old one is no longer registered: it would raise).
    responses.remove(responses.GET, URL)
    responses.replace(responses.GET, NEW_URL, status=304)
    again = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert again.status == "ok" and responses.calls[-1].request.url == NEW_URL


RSS_BARE_GUIDS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Bitpie news</title><link>https://www.bitpie.example/</link>
<item><title>Bitpie 5.2 released</title><guid>g1</guid><link>/news/g1.html</link>
<pubDate>Wed, 18 Nov 2026 02:00:00 GMT</pubDate></item>
<item><title>Fee update</title><guid>g2</guid><link>news/g2.html</link>
<pubDate>Thu, 19 Nov 2026 02:00:00 GMT</pubDate></item>
</channel></rss>"""


@responses.activate
def test_301_keeps_entry_identity_of_bare_guids(tmp_path: Path, engine: Any) -> None:
    # A bare <guid>g1</guid> must stay "g1" whatever URL served it: feedparser would otherwise
    # rewrite it against the feed's location, and after the move every entry would be stored twice.
    cfg = make_cfg(tmp_path)
    responses.get(URL, body=RSS_BARE_GUIDS, content_type="application/rss+xml")
    run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    responses.replace(responses.GET, URL, status=301, headers={"Location": NEW_URL})
    # Different bytes (a new item), so the moved feed really is parsed again.
    moved_body = RSS_BARE_GUIDS.replace(b"</channel>", b"<item><title>New</title><guid>g3</guid>"
                                        b"<link>https://www.bitpie.example/n/g3</link></item></channel>")
    responses.get(NEW_URL, body=moved_body, content_type="application/rss+xml")
    moved = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert moved.status == "ok" and moved.new == 1
    got = {r["entry_id"]: r["url"] for r in rows(engine)}
    # Relative links are still made absolute, against the URL that served the feed.
    assert got == {"g1": "https://blog.bitpie.example/news/g1.html",
                   "g2": "https://blog.bitpie.example/news/g2.html", "g3": "https://www.bitpie.example/n/g3"}


@responses.activate
def test_302_is_followed_but_not_stored(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, status=302, headers={"Location": NEW_URL})
    responses.get(NEW_URL, body=atom(), content_type="application/atom+xml")
    [batch] = list(source_of(cfg).fetch(ctx()))
    assert len(batch.announcements) == 2
    saved = batch.cursors[query_key(URL)]
    assert saved is not None and saved["url"] == URL and not batch.notes


@responses.activate
def test_410_disables_the_source(tmp_path: Path, engine: Any) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, status=410)
    res = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert res.status == "error" and "410 Gone" in (res.error or "")
    assert "410" in cursor(engine)[STATE_KEY]["disabled"]
    again = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert again.status == "skipped" and len(responses.calls) == 1
    with pytest.raises(SourceDisabled):
        list(source_of(cfg).fetch(ctx()))


@pytest.mark.parametrize(("status", "retry_after", "expected"), [
    (429, "120", T0 + timedelta(seconds=120)),
    (503, "Fri, 20 Nov 2026 09:30:00 GMT", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
    (429, None, T0 + timedelta(minutes=30)),
])
@responses.activate
def test_429_and_503_honour_retry_after(tmp_path: Path, engine: Any, status: int,
                                        retry_after: str | None, expected: datetime) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, status=status, headers={"Retry-After": retry_after} if retry_after else {})
    with pytest.raises(RateLimited) as info:
        list(source_of(cfg).fetch(ctx()))
    assert info.value.reset_at == expected
    res = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert res.status == "skipped" and not res.failed  # planned: exit 0 with a warning
    assert datetime.fromisoformat(cursor(engine)[STATE_KEY]["skip_until"]) == expected


@responses.activate
def test_html_error_page_with_200_is_an_error(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    page = "<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>"
    responses.get(URL, body=page, status=200, content_type="text/html; charset=utf-8")
    with pytest.raises(SourceError, match="did not return a feed"):
        list(source_of(cfg).fetch(ctx()))


@responses.activate
def test_gzip_body_is_decoded(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, body=gzip.compress(atom()), content_type="application/atom+xml",
                  headers={"Content-Encoding": "gzip"})
    [batch] = list(source_of(cfg).fetch(ctx()))
    assert len(batch.announcements) == 2
    assert "gzip" in responses.calls[0].request.headers["Accept-Encoding"]


@responses.activate
def test_oversize_body_is_cut_off_with_an_error(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, max_bytes=4096)
    responses.get(URL, body=atom() * 10, content_type="application/atom+xml")
    with pytest.raises(SourceError, match="max_bytes=4096"):
        list(source_of(cfg).fetch(ctx()))


@responses.activate
def test_gzip_bomb_is_cut_off_while_streaming(tmp_path: Path) -> None:
    # Small on the wire, large decoded: the declared length passes, the streamed count stops it.
    cfg = make_cfg(tmp_path, max_bytes=4096)
    big = atom().replace(b"</feed>", b"<!--" + b" " * 200_000 + b"--></feed>")
    responses.get(URL, body=gzip.compress(big), content_type="application/atom+xml",
                  headers={"Content-Encoding": "gzip"})
    with pytest.raises(SourceError, match="body cut off"):
        list(source_of(cfg).fetch(ctx()))


@responses.activate
def test_timeout_is_a_source_error(tmp_path: Path, engine: Any) -> None:
    cfg = make_cfg(tmp_path, timeout_seconds=3)
    responses.get(URL, body=requests.exceptions.ReadTimeout("read timed out"))
    res = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert res.status == "error" and "timed out after 3s" in (res.error or "")
    assert query_key(URL) not in cursor(engine)  # nothing stored, nothing skipped


@responses.activate
def test_bozo_feed_with_entries_is_kept_with_a_warning(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, official=False)
    broken = atom().replace(b"Bitpie 5.2 released", b"Bitpie 5.2 & more released") + b"<junk/>"
    responses.get(URL, body=broken, content_type="application/atom+xml")
    [batch] = list(source_of(cfg).fetch(ctx()))
    assert len(batch.posts) == 2
    assert batch.notes and "not well-formed" in batch.notes[0]


RSS_ZH = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>比特派公告</title><link>https://www.bitpie.example/</link>
<item><title>A</title><guid isPermaLink="false">urn:bitpie:a</guid><pubDate>2026年3月5日 14:00</pubDate></item>
<item><title>B</title><guid isPermaLink="false">urn:bitpie:b</guid>
  <pubDate>Thu, 05 Mar 2026 14:00:00 CST</pubDate></item>
<item><title>C</title><guid isPermaLink="false">urn:bitpie:c</guid><pubDate>2026-03-05 14:00:00</pubDate></item>
<item><title>D</title><guid isPermaLink="false">urn:bitpie:d</guid>
  <pubDate>Thu, 05 Mar 2026 14:00:00 +0800</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize(("timezone", "expected"), [
    # A feed configured for China: 年月日 handled, CST is UTC+8, zone-less dates are local.
    ("Asia/Shanghai", {"a": 6, "b": 6, "c": 6, "d": 6}),
    # No zone configured: feedparser's readings stand (CST = US Central, naive = UTC).
    (None, {"a": 14, "b": 20, "c": 14, "d": 6}),
])
@responses.activate
def test_chinese_dates_and_cst(tmp_path: Path, timezone: str | None, expected: dict[str, int]) -> None:
    cfg = make_cfg(tmp_path, official=False, timezone=timezone)
    responses.get(URL, body=RSS_ZH.encode(), content_type="application/rss+xml")
    [batch] = list(source_of(cfg).fetch(ctx()))
    got = {p.post_id.removeprefix("urn:bitpie:"): p.created_at for p in batch.posts}
    assert got == {k: datetime(2026, 3, 5, h, tzinfo=UTC) for k, h in expected.items()}


@pytest.mark.parametrize(("entry", "expected"), [
    ({"id": "tag:x,2026:1", "link": "https://x/1", "title": "t"}, "tag:x,2026:1"),
    ({"id": "  ", "link": "https://x/1", "title": "t"}, "https://x/1"),
    ({"title": "维护公告", "published": "2026-11-18"}, None),
])
def test_entry_identity(entry: dict[str, str], expected: str | None) -> None:
    got = entry_identity(entry)
    if expected is not None:
        assert got == expected
    else:
        assert got.startswith("sha256:")
        assert got == entry_identity(dict(entry))  # stable
        assert got != entry_identity({**entry, "published": "2026-11-19"})


@responses.activate
def test_same_bytes_without_validators_are_not_parsed_again(tmp_path: Path, engine: Any,
                                                            parse_calls: list[int]) -> None:
    cfg = make_cfg(tmp_path)
    responses.get(URL, body=atom(), content_type="application/atom+xml")  # no ETag, no Last-Modified
    assert run_source(engine, cfg, source_of(cfg), now=lambda: T0).new == 2
    again = run_source(engine, cfg, source_of(cfg), now=lambda: T0)
    assert (again.status, again.fetched, again.requests) == ("ok", 0, 1)
    assert len(parse_calls) == 1
    responses.replace(responses.GET, URL, body=atom(title880="Bitpie 5.3 released"),
                      content_type="application/atom+xml")
    assert run_source(engine, cfg, source_of(cfg), now=lambda: T0).fetched == 2
    assert len(parse_calls) == 2


def test_pacer_queues_concurrent_callers_for_one_host() -> None:
    slept: list[float] = []
    pacer = HostPacer(spacing=5.0, clock=lambda: 100.0, sleep=slept.append)
    for _ in range(3):
        pacer.wait("https://rsshub.example/a")
    pacer.wait("file:///tmp/x.xml")  # no host: never waits
    assert slept == [5.0, 10.0]


def test_file_url_unchanged_file_is_not_parsed_twice(tmp_path: Path, engine: Any,
                                                      parse_calls: list[int]) -> None:
    path = tmp_path / "news.atom"
    path.write_bytes(atom())
    cfg = make_cfg(tmp_path, url=path.as_uri())
    assert run_source(engine, cfg, source_of(cfg), now=lambda: T0).new == 2
    assert run_source(engine, cfg, source_of(cfg), now=lambda: T0).fetched == 0
    assert len(parse_calls) == 1


def test_same_host_feeds_are_spaced_within_a_pass(tmp_path: Path) -> None:
    cfg = parse_config({"brand": {"names": ["Bitpie"]}, "sources": [
        {"type": "feed", "name": "a", "url": "https://rsshub.example/weibo/keyword/比特派"},
        {"type": "feed", "name": "b", "url": "https://rsshub.example/telegram/channel/bitpie"},
        {"type": "feed", "name": "c", "url": "https://other.example/feed"},
    ]}, tmp_path, env={})
    clock = [100.0]
    slept: list[float] = []
    pacer = HostPacer(spacing=5.0, clock=lambda: clock[0], sleep=slept.append)
    sources = build_sources(cfg)
    share_pacer(sources, pacer)
    assert all(isinstance(s, FeedSource) and s.pacer is pacer for s in sources)
    for s in sources:
        assert isinstance(s, FeedSource)
        s.pacer.wait(s.config.url)
        clock[0] += 1.0
    assert slept == [4.0]  # only b waited, for a's host; c is another host

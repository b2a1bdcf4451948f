"""Bounded time and work: overall fetch deadlines against slow drips (a real loopback server),
Retry-After clamped, non-feed responses an error on every pass, killed runs marked interrupted,
failed fetches still counted."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
import responses
from sqlalchemy import select

from monitor import store
from monitor.checks import status_lines
from monitor.errors import SourceError
from monitor.pipeline import run_source
from sources.feed import FeedSource
from sources.http import MAX_RETRY_AFTER, retry_after
from tests.conftest import base_config
from tests.loopback import serve

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
RSS = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
       b"<item><title>bitpie notice</title><guid>g1</guid></item></channel></rss>")


def _drip_body(h: BaseHTTPRequestHandler) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(len(RSS)))
    h.end_headers()
    for i in range(len(RSS)):  # bounded: at most len(RSS) bytes, 0.2 s apart
        try:
            h.wfile.write(RSS[i:i + 1])
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)


def _drip_headers(h: BaseHTTPRequestHandler) -> None:
    head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nX-Pad: " + b"a" * 60 + b"\r\n"
    for i in range(len(head)):
        try:
            h.wfile.write(head[i:i + 1])
            h.wfile.flush()
        except OSError:
            return
        time.sleep(0.2)
    h.close_connection = True


def _slow_but_fine(h: BaseHTTPRequestHandler) -> None:
    time.sleep(0.3)
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(len(RSS)))
    h.end_headers()
    h.wfile.write(RSS)


def _feed_cfg(tmp_path: Path, url: str, **kw: Any) -> Any:
    return base_config(tmp_path, sources=[{"name": "slow", "type": "feed", "url": url, "timeout_seconds": 1.5,
                                           "host_spacing_seconds": 0, **kw}])


@pytest.mark.parametrize(("route", "ok"), [(_drip_body, False), (_drip_headers, False), (_slow_but_fine, True)],
                         ids=["body drip", "header drip", "slow but within"])
def test_fetch_has_an_overall_deadline(tmp_path: Path, engine: Any, route: Any, ok: bool) -> None:
    with serve({"/feed": route}) as lb:
        cfg = _feed_cfg(tmp_path, lb.url("/feed"))
        started = time.monotonic()
        res = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))
        took = time.monotonic() - started
    if ok:
        assert res.status == "ok" and res.new == 1
        return
    # The drip would take 20+ s; the 1.5 s deadline stops it (generous bound for a loaded machine).
    assert res.status == "error" and "did not finish within 1.5s" in (res.error or "")
    assert took < 6, took
    assert res.requests == 1  # the failed fetch is counted on the run row
    with engine.connect() as c:
        row = c.execute(select(store.runs).order_by(store.runs.c.id.desc())).first()
    assert row.status == "error" and row.requests == 1


def test_pass_deadline_stops_a_many_page_source(tmp_path: Path, engine: Any) -> None:
    from monitor.records import Batch, Post
    from sources.base import Source, SourceContext

    class Pages(Source):
        kind = "pages"

        def fetch(self, ctx: SourceContext) -> Any:
            for i in range(50):  # bounded
                time.sleep(0.05)
                yield Batch(posts=[Post("x", f"p{i}", T0, "bitpie")], cursors={"k": {"page": i}}, requests=1)

    cfg = base_config(tmp_path, sources=[{"name": "pages", "type": "feed", "url": "https://h.example/f",
                                          "pass_deadline_seconds": 0.3}])
    res = run_source(engine, cfg, Pages(cfg.sources[0], cfg))
    assert res.status == "error" and "pass stopped after 0.3s" in (res.error or "")
    with engine.connect() as c:
        n = len(c.execute(select(store.posts)).all())
        page = store.load_cursors(c, "pages")["k"]["page"]
    assert 1 <= n < 50 and page == n - 1  # what was committed stays, cursor with it


@pytest.mark.parametrize(("value", "expected"), [
    ("120", T0 + timedelta(seconds=120)),
    ("99999999999999999999999999999999999999", T0 + MAX_RETRY_AFTER),
    ("9" * 400, T0 + MAX_RETRY_AFTER),
    (str(int(MAX_RETRY_AFTER.total_seconds()) + 1), T0 + MAX_RETRY_AFTER),
    ("Thu, 01 Jan 2037 00:00:00 GMT", T0 + MAX_RETRY_AFTER),
    ("Fri, 31 Dec 9999 23:59:59 GMT", T0 + MAX_RETRY_AFTER),
    ("Fri, 20 Nov 2026 09:30:00 GMT", datetime(2026, 11, 20, 9, 30, tzinfo=UTC)),
    ("Mon, 01 Jan 2001 00:00:00 GMT", T0),  # a date in the past: retry now
    ("soon", T0 + timedelta(minutes=30)),
    ("-5", T0 + timedelta(minutes=30)),
])
def test_retry_after_is_clamped(value: str, expected: datetime) -> None:
    assert retry_after(value, T0) == expected


@pytest.mark.parametrize("value", ["9" * 400, "Thu, 01 Jan 2037 00:00:00 GMT"])
@responses.activate
def test_clamped_retry_after_is_said_in_log_and_status(tmp_path: Path, engine: Any, value: str) -> None:
    url = "https://h.example/feed"
    cfg = _feed_cfg(tmp_path, url)
    responses.get(url, status=429, headers={"Retry-After": value})
    res = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg), now=lambda: T0)
    assert res.status == "skipped" and "clamped" in (res.error or "")  # a rate limit is a planned skip
    assert any("clamped" in line for line in status_lines(engine, cfg))
    with engine.connect() as c:
        skip = store.load_cursors(c, "slow")["_state"]["skip_until"]
    assert datetime.fromisoformat(skip) == T0 + MAX_RETRY_AFTER


NOT_FEEDS = [
    ("html fragment as text/plain", b"<div class='err'><p>Service unavailable</p><a href='/'>home</a></div>",
     "text/plain"),
    ("html page as text/plain", b"<!doctype html><html><title>x</title><body>login</body></html>", "text/plain"),
    ("random bytes", bytes(range(256)) * 8, "application/octet-stream"),
    ("random bytes as xml", os.urandom(0) + bytes((i * 7919) % 256 for i in range(3000)), "application/rss+xml"),
    ("empty body", b"", "application/rss+xml"),
    ("json", b'{"items": []}', "application/json"),
    ("plain text", b"Bitpie support: all good", "text/plain"),
]


@pytest.mark.parametrize(("case", "body", "ctype"), NOT_FEEDS, ids=[c[0] for c in NOT_FEEDS])
@responses.activate
def test_a_response_that_is_not_a_feed_is_an_error_every_pass(tmp_path: Path, engine: Any, case: str,
                                                              body: bytes, ctype: str) -> None:
    url = "https://h.example/feed"
    cfg = _feed_cfg(tmp_path, url)
    responses.get(url, body=body, content_type=ctype, headers={"ETag": '"e1"'})
    for _ in range(3):
        res = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))
        assert res.status == "error" and "did not return a feed" in (res.error or ""), case


@responses.activate
def test_unrequested_304_is_an_error_every_pass(tmp_path: Path, engine: Any) -> None:
    url = "https://h.example/feed"
    cfg = _feed_cfg(tmp_path, url)
    responses.get(url, status=304)
    for _ in range(2):
        res = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))
        assert res.status == "error" and "304 Not Modified to a request that had no validators" in (res.error or "")
    with pytest.raises(SourceError):
        list(FeedSource(cfg.sources[0], cfg).fetch(_ctx()))


@responses.activate
def test_empty_but_real_feed_is_fine(tmp_path: Path, engine: Any) -> None:
    url = "https://h.example/feed"
    cfg = _feed_cfg(tmp_path, url)
    responses.get(url, body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title></channel></rss>",
                  content_type="application/rss+xml")
    assert run_source(engine, cfg, FeedSource(cfg.sources[0], cfg)).status == "ok"


def _ctx() -> Any:
    from sources.base import SourceContext

    return SourceContext(cursors={}, known_post_ids=lambda p, ids: set(), now=lambda: T0)


def test_killed_runs_are_marked_interrupted_at_the_next_start(tmp_path: Path, engine: Any) -> None:
    from tests.test_store_pipeline import ScriptedSource

    cfg = base_config(tmp_path)
    stale = store.start_run(engine, "s")  # a pass that was SIGKILLed: its row says running
    other = store.start_run(engine, "t")
    assert run_source(engine, cfg, ScriptedSource("s", [])).status == "ok"
    with engine.connect() as c:
        rows = {r.id: r for r in c.execute(select(store.runs))}
    assert rows[stale].status == "interrupted" and rows[stale].finished_at is not None
    assert rows[other].status == "running"  # another source's run is its own job's business
    assert store.mark_interrupted(engine) == 1 and store.mark_interrupted(engine) == 0


@responses.activate
def test_failed_fetches_count_their_requests(tmp_path: Path, engine: Any) -> None:
    url = "https://h.example/feed"
    cfg = _feed_cfg(tmp_path, url)
    responses.get(url, status=500)
    for _ in range(3):
        assert run_source(engine, cfg, FeedSource(cfg.sources[0], cfg)).requests == 1
    with engine.connect() as c:
        assert store.month_usage(c, "slow", datetime.now(UTC))["requests"] == 3

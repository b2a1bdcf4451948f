"""Secrets expanded into feed URLs never reach logs, errors or the store."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import responses
from sqlalchemy import Engine, select

from monitor import store
from monitor.pipeline import run_source
from monitor.redact import RedactingFilter, redact_text, restore_secrets
from sources.feed import FeedSource
from tests.conftest import base_config

KEY = "s3cr3t-Key_42"


@pytest.mark.parametrize(("text", "expected"), [
    (f"GET https://rss.example/weibo?key={KEY}&limit=5", "GET https://rss.example/weibo?key=***&limit=5"),
    (f"https://alerts.example/feeds/1?token={KEY}", "https://alerts.example/feeds/1?token=***"),
    (f"https://bob:{KEY}@host.example/feed.xml failed", "https://bob:***@host.example/feed.xml failed"),
    ("https://x.example/feed?q=bitpie&page=2", "https://x.example/feed?q=bitpie&page=2"),
    ("客服不回复 user@example.com", "客服不回复 user@example.com"),
])
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_restore_secrets_puts_the_configured_key_back_on_its_own_host_only() -> None:
    configured = f"https://old.example/feed?key={KEY}&q=1"
    assert restore_secrets("https://old.example/v2/feed?key=***&q=1", configured) == \
        f"https://old.example/v2/feed?key={KEY}&q=1"
    assert restore_secrets("https://new.example/feed?key=***&q=1", configured) == "https://new.example/feed?q=1"
    assert restore_secrets("https://new.example/feed?q=1", configured) == "https://new.example/feed?q=1"


def test_logging_filter_masks_messages() -> None:
    record = logging.LogRecord("x", logging.WARNING, __file__, 1, "moved to %s", (f"https://h/f?apikey={KEY}",), None)
    RedactingFilter().filter(record)
    assert KEY not in record.getMessage() and "apikey=***" in record.getMessage()


@responses.activate
def test_feed_key_not_in_store_errors_or_cursor_and_301_still_authenticates(tmp_path: Path, engine: Engine) -> None:
    url = f"https://rsshub.example/weibo/keyword/bitpie?key={KEY}"
    moved = f"https://rsshub.example/v2/weibo/keyword/bitpie?key={KEY}"  # same host: the key goes back
    cfg = base_config(tmp_path, sources=[{"name": "weibo", "type": "feed", "url": url, "platform": "weibo"}])
    rss = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
           b"<item><title>a</title><guid>1</guid><description>bitpie support no reply</description></item>"
           b"</channel></rss>")
    responses.get(url, status=301, headers={"Location": moved})
    responses.get(moved, body=rss, content_type="application/rss+xml")
    source = FeedSource(cfg.sources[0], cfg)
    source.pacer.spacing = 0
    assert run_source(engine, cfg, source).status == "ok"
    responses.replace(responses.GET, moved, status=500)
    failed = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg))
    # The second pass went to the moved URL with the real key (restored from the config) ...
    assert responses.calls[-1].request.url == moved
    # ... and nothing the store holds or the error says contains the key.
    assert failed.failed and KEY not in (failed.error or "")
    with engine.connect() as conn:
        dumped = repr([list(r) for t in (store.posts, store.cursors, store.runs) for r in conn.execute(select(t))])
    assert KEY not in dumped and "key=***" in dumped

"""Announcements are labelled in the detect stage: sources state facts, detection sets kind and window."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from monitor.detect.announcements import label_announcement, label_announcements
from monitor.detect.runner import detect_jsonl
from monitor.records import Announcement, StatusUpdate
from sources.feeddates import stated_offset
from tests.conftest import base_config

PUB_UTC = datetime(2025, 6, 1, 16, tzinfo=UTC)  # 09:00 in California (PDT)


def ann(text: str, **kw: Any) -> Announcement:
    return Announcement(source="s", entry_id="e", title=kw.pop("title", "Notice"), text=text,
                        published=kw.pop("published", PUB_UTC), **kw)


@pytest.mark.parametrize(("raw", "offset"), [
    ("Sun, 01 Jun 2025 09:00:00 -0700", timedelta(hours=-7)),
    ("2025-06-01T09:00:00-07:00", timedelta(hours=-7)),
    ("2025-06-01T17:00:00+08:00", timedelta(hours=8)),
    ("2025-06-01T16:00:00Z", None),  # UTC says nothing about where the publisher is
    ("Sun, 01 Jun 2025 16:00:00 GMT", None),
    ("Sun, 01 Jun 2025 16:00:00 +0000", None),
])
def test_stated_offset(raw: str, offset: timedelta | None) -> None:
    got = stated_offset(raw, PUB_UTC)
    assert (got.utcoffset() if got else None) == offset
    if got is not None:
        assert got == PUB_UTC  # the same instant, only shown in the publisher's offset


def test_feed_zone_then_publication_offset_then_report_zone(tmp_path: Path) -> None:
    text = "Scheduled maintenance on June 5, 2025 from 15:00 to 17:00; logins are disabled."
    local = PUB_UTC.astimezone(timezone(timedelta(hours=-7)))
    cfg = base_config(tmp_path)  # report zone Asia/Shanghai
    a = label_announcement(ann(text, published_local=local), cfg)
    assert a.kind == "maintenance"
    assert (a.window_start, a.window_end) == (datetime(2025, 6, 5, 22, tzinfo=UTC), datetime(2025, 6, 6, 0, tzinfo=UTC))
    b = label_announcement(ann(text, published_local=local, timezone="Europe/London"), cfg)
    assert b.window_start == datetime(2025, 6, 5, 14, tzinfo=UTC)
    c = label_announcement(ann(text), cfg)  # neither: the report zone
    assert c.window_start == datetime(2025, 6, 5, 7, tzinfo=UTC)


def test_kinds_from_text_and_from_status_words() -> None:
    rel, inc = label_announcements([ann("Version 5.2 released with a new address book.", title="Release"),
                                    ann("We are investigating failed withdrawals.", title="Incident")])
    assert (rel.kind, inc.kind) == ("release", "incident")
    assert rel.window_start is None
    upd = [StatusUpdate("completed", datetime(2025, 6, 5, 17, 2, tzinfo=UTC), "Done."),
           StatusUpdate("in progress", datetime(2025, 6, 5, 15, 1, tzinfo=UTC), "Under way.")]
    sp = label_announcement(ann("Completed - Done.", status_page=True, updates=upd))
    assert sp.kind == "maintenance"
    assert (sp.window_start, sp.window_end) == (upd[1].at, upd[0].at)
    hdr = label_announcement(ann("x", status_page=True, updates=upd[:1], scheduled_text="Jun 9, 14:00 - 18:00 UTC"))
    assert (hdr.window_start, hdr.window_end) == (datetime(2025, 6, 9, 14, tzinfo=UTC),
                                                  datetime(2025, 6, 9, 18, tzinfo=UTC))
    resolved = label_announcement(ann("Resolved - fixed.", status_page=True,
                                      updates=[StatusUpdate("resolved", None, "fixed")]))
    assert (resolved.kind, resolved.window_start) == ("incident", None)


def test_a_kind_stated_by_the_source_structure_is_kept() -> None:
    start = datetime(2025, 6, 9, 1, tzinfo=UTC)
    a = label_announcement(ann("Release notes", kind="maintenance", window_start=start))
    assert (a.kind, a.window_start, a.window_end) == ("maintenance", start, None)


def test_detect_input_published_offset_is_used(tmp_path: Path) -> None:
    cfg = base_config(tmp_path, timezone="UTC")
    line = {"id": 1, "text": "Scheduled maintenance: login nodes reboot on 5 June 2025 at 15:00.",
            "published": "2025-06-01T09:00:00-07:00"}
    [out] = [json.loads(x) for x in detect_jsonl(cfg, [json.dumps(line)])]
    assert out["maintenance"] is True
    assert out["window_start"] == "2025-06-05T22:00:00Z"
    line["published"] = "2025-06-01T16:00:00Z"
    [out] = [json.loads(x) for x in detect_jsonl(cfg, [json.dumps(line)])]
    assert out["window_start"] == "2025-06-05T15:00:00Z"  # UTC stamp: the report zone (UTC here)


def test_feed_entry_keeps_its_stated_offset_for_detection(tmp_path: Path) -> None:
    import feedparser

    from monitor.config import parse_config
    from sources.feed import FeedSource

    atom = ("<?xml version='1.0' encoding='utf-8'?><feed xmlns='http://www.w3.org/2005/Atom'><title>s</title>"
            "<id>tag:s</id><updated>2025-06-01T09:00:00-07:00</updated><entry><id>tag:s:1</id>"
            "<title>Scheduled maintenance</title><published>2025-06-01T09:00:00-07:00</published>"
            "<content type='html'>Login nodes will be rebooted on June 5, 2025 from 15:00 to 16:00.</content>"
            "</entry></feed>")
    cfg = parse_config({"brand": {"names": ["x"]}, "timezone": "UTC", "sources": [
        {"type": "feed", "name": "s", "url": "https://status.example/feed.atom", "official": True}]}, tmp_path, env={})
    [entry] = feedparser.parse(atom.encode()).entries
    a = FeedSource(cfg.sources[0], cfg).to_announcement(entry)
    assert a.kind is None and a.window_start is None  # the source does not label
    assert a.published == datetime(2025, 6, 1, 16, tzinfo=UTC)
    assert a.published_local is not None and a.published_local.utcoffset() == timedelta(hours=-7)
    label_announcement(a, cfg)
    assert (a.kind, a.window_start, a.window_end) == ("maintenance", datetime(2025, 6, 5, 22, tzinfo=UTC),
                                                      datetime(2025, 6, 5, 23, tzinfo=UTC))


def test_stored_announcements_keep_their_facts_and_relabel(tmp_path: Path, engine: Engine) -> None:
    from sqlalchemy import select, update

    from monitor import store
    from monitor.labelling import relabel_announcements as relabel_stored

    cfg = base_config(tmp_path, timezone="UTC")
    local = PUB_UTC.astimezone(timezone(timedelta(hours=-7)))
    upd = [StatusUpdate("scheduled", PUB_UTC, "Nodes are upgraded on June 9, 2025 from 14:00 to 16:00 UTC.")]
    items = label_announcements([
        ann("Scheduled maintenance on June 5, 2025 from 15:00 to 17:00.", published_local=local),
        Announcement(source="s", entry_id="sp", title="Node upgrade", text="Scheduled - ...", published=PUB_UTC,
                     status_page=True, updates=upd, status="scheduled")], cfg)
    with engine.begin() as conn:
        store.upsert_announcements(conn, items)
    t = store.announcements
    with engine.begin() as conn:  # as if older rules had labelled them differently
        conn.execute(update(t).values(kind="other", window_start=None, window_end=None))
    assert relabel_stored(engine, cfg) == 2
    with engine.connect() as conn:
        rows = {r.entry_id: r for r in conn.execute(select(t))}
    assert (rows["e"].kind, rows["e"].window_start) == ("maintenance", datetime(2025, 6, 5, 22, tzinfo=UTC))
    assert (rows["sp"].kind, rows["sp"].window_end) == ("maintenance", datetime(2025, 6, 9, 16, tzinfo=UTC))
    assert relabel_stored(engine, cfg) == 0  # idempotent
    assert relabel_stored(engine, cfg, since=datetime(2030, 1, 1, tzinfo=UTC)) == 0

"""Statuspage: history.atom folding (feed source) and the JSON API source."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import responses
from sqlalchemy import select

from monitor import store
from monitor.config import Config, parse_config
from monitor.detect.announcements import label_announcement, label_announcements
from monitor.errors import SourceError
from monitor.pipeline import run_source
from monitor.records import Announcement
from sources.base import SourceContext
from sources.feed import FeedSource
from sources.statusfold import fold, resolve_stamp
from sources.statuspage import StatusApiSource, StatuspageSource
from tests.conftest import base_config

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ATOM_URL = "https://status.bitpie.example/history.atom"
BASE = "https://status.bitpie.example"


def upd(stamp: str, status: str, text: str) -> str:
    # The shape Statuspage renders (escaped once more inside <content type="html">).
    day, clock = stamp.split(" ", 1)[1].split(", ")
    mon = stamp.split(" ")[0]
    tz = clock.split(" ")[1]
    return (f"&lt;p&gt;&lt;small&gt;{mon} &lt;var data-var='date'&gt;{day}&lt;/var&gt;, &lt;var "
            f"data-var='time'&gt;{clock.split(' ')[0]}&lt;/var&gt; {tz}&lt;/small&gt;&lt;br&gt;&lt;strong&gt;"
            f"{status}&lt;/strong&gt; - {text}&lt;/p&gt;")


def history(updates: list[str], header: str = "") -> bytes:
    body = header + "".join(updates)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.bitpie.example,2005:/history</id>
  <title>Bitpie Status - Incident History</title>
  <updated>2026-01-09T18:05:00Z</updated>
  <entry>
    <id>tag:status.bitpie.example,2005:Incident/9001</id>
    <published>2026-01-09T14:00:00Z</published>
    <updated>2026-01-09T18:05:00Z</updated>
    <link rel="alternate" type="text/html" href="https://status.bitpie.example/incidents/abc"/>
    <title>Wallet node maintenance</title>
    <content type="html">{body}</content>
  </entry>
</feed>""".encode()


HEADER = ("&lt;p&gt;&lt;strong&gt;THIS IS A SCHEDULED EVENT Jan &lt;var data-var='date'&gt;9&lt;/var&gt;, "
          "&lt;var data-var='time'&gt;14:00&lt;/var&gt; - &lt;var data-var='time'&gt;18:00&lt;/var&gt; UTC"
          "&lt;/strong&gt;&lt;/p&gt;")
SCHEDULED = upd("Dec 28, 09:25 UTC", "Scheduled",
                "Wallet nodes will be upgraded on January 9, 2026 from 14:00 to 18:00 UTC.")
IN_PROGRESS = upd("Jan 9, 14:01 UTC", "In progress", "Scheduled maintenance is currently in progress.")
VERIFYING = upd("Jan 9, 17:40 UTC", "Verifying", "Verification is currently underway.")
COMPLETED = upd("Jan 9, 18:05 UTC", "Completed", "The scheduled maintenance has been completed.")


def feed_cfg(tmp_path: Path, **kw: Any) -> Config:
    src = {"type": "feed", "name": "bitpie-status", "url": ATOM_URL, "official": True,
           "host_spacing_seconds": 0, **kw}
    return parse_config({"brand": {"names": ["Bitpie"]}, "sources": [src]}, tmp_path, env={})


def announcements(engine: Any) -> list[dict[str, Any]]:
    with engine.connect() as c:
        return [dict(r._mapping) for r in c.execute(select(store.announcements))]


@responses.activate
def test_maintenance_and_its_updates_fold_into_one_announcement(tmp_path: Path, engine: Any) -> None:
    cfg = feed_cfg(tmp_path)
    responses.get(ATOM_URL, body=history([IN_PROGRESS, SCHEDULED], HEADER), content_type="application/atom+xml")
    run_source(engine, cfg, FeedSource(cfg.sources[0], cfg), now=lambda: T0)
    [row] = announcements(engine)
    assert (row["kind"], row["status"]) == ("maintenance", "in progress")
    assert (row["window_start"], row["window_end"]) == (datetime(2026, 1, 9, 14, tzinfo=UTC),
                                                        datetime(2026, 1, 9, 18, tzinfo=UTC))
    # The Scheduled stamp "Dec 28" belongs to the year before the entry's January publication.
    assert row["raw"]["updates"][-1] == {"status": "scheduled", "at": "2025-12-28T09:25:00+00:00",
                                         "text": "Wallet nodes will be upgraded on January 9, 2026 from "
                                                 "14:00 to 18:00 UTC."}

    responses.replace(responses.GET, ATOM_URL, body=history([COMPLETED, VERIFYING, IN_PROGRESS, SCHEDULED], HEADER),
                      content_type="application/atom+xml")
    res = run_source(engine, cfg, FeedSource(cfg.sources[0], cfg), now=lambda: T0)
    [row] = announcements(engine)
    assert res.new == 0
    assert row["status"] == "completed" and len(row["raw"]["updates"]) == 4
    assert row["text"].splitlines()[0] == "Completed - The scheduled maintenance has been completed."


def test_fold_without_header_uses_in_progress_and_completed_stamps() -> None:
    html = (history([COMPLETED, IN_PROGRESS, SCHEDULED]).decode().split('<content type="html">')[1]
            .split("</content>")[0].replace("&lt;", "<").replace("&gt;", ">"))
    f = fold(html, datetime(2026, 1, 9, 18, 5, tzinfo=UTC), None)
    assert f.status == "completed" and f.header is None
    a = label_announcement(Announcement(source="s", entry_id="e", title="t", text=f.text(), status_page=True,
                                        updates=f.updates, published=datetime(2026, 1, 9, 18, 5, tzinfo=UTC)))
    assert a.kind == "maintenance"
    assert (a.window_start, a.window_end) == (datetime(2026, 1, 9, 14, 1, tzinfo=UTC),
                                              datetime(2026, 1, 9, 18, 5, tzinfo=UTC))


@responses.activate
def test_incident_entry_is_an_incident(tmp_path: Path) -> None:
    cfg = feed_cfg(tmp_path)
    body = history([upd("Jan 9, 15:00 UTC", "Resolved", "This incident has been resolved."),
                    upd("Jan 9, 14:10 UTC", "Investigating", "We are investigating failed withdrawals.")])
    responses.get(ATOM_URL, body=body, content_type="application/atom+xml")
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    [batch] = list(FeedSource(cfg.sources[0], cfg).fetch(ctx))
    [a] = label_announcements(batch.announcements, cfg)
    assert (a.kind, a.status, a.window_start) == ("incident", "resolved", None)


@pytest.mark.parametrize(("stamp", "published", "tz", "expected"), [
    ("Nov 10, 18:19 PST", datetime(2019, 11, 11, 2, 19, tzinfo=UTC), None, datetime(2019, 11, 11, 2, 19)),
    ("Aug 18, 15:02 PDT", datetime(2019, 8, 18, 23, 3, tzinfo=UTC), None, datetime(2019, 8, 18, 22, 2)),
    ("Jan  1, 09:09 PST", datetime(2014, 1, 1, 17, 9, tzinfo=UTC), None, datetime(2014, 1, 1, 17, 9)),
    ("Dec 12, 21:28 UTC", datetime(2020, 1, 9, 14, tzinfo=UTC), None, datetime(2019, 12, 12, 21, 28)),
    ("Jan 2, 08:00 UTC", datetime(2019, 12, 30, tzinfo=UTC), None, datetime(2020, 1, 2, 8)),
    ("Mar 5, 14:00 CST", datetime(2026, 3, 5, tzinfo=UTC), "Asia/Shanghai", datetime(2026, 3, 5, 6)),
    ("Mar 5, 14:00 CST", datetime(2026, 3, 5, tzinfo=UTC), None, datetime(2026, 3, 5, 20)),
    ("Mar 5, 14:00 HKT", datetime(2026, 3, 5, tzinfo=UTC), None, datetime(2026, 3, 5, 6)),
    ("Mar 5, 14:00", datetime(2026, 3, 5, tzinfo=UTC), "Asia/Taipei", datetime(2026, 3, 5, 6)),
])
def test_resolve_stamp(stamp: str, published: datetime, tz: str | None, expected: datetime) -> None:
    assert resolve_stamp(stamp, published, tz) == expected.replace(tzinfo=UTC)


def test_real_statuspage_feeds_fold(shared_data: Path) -> None:
    cfgs = {}
    for name in ("metastatuspage-history.atom", "symantec-wss-history.atom", "githubstatus-2019-history.atom",
                 "parse-status-history.rss"):
        path = shared_data / "statuspage" / name
        cfg = parse_config({"brand": {"names": ["x"]}, "sources": [
            {"type": "feed", "name": "s", "url": path.as_uri(), "official": True}]}, path.parent, env={})
        ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
        [batch] = list(FeedSource(cfg.sources[0], cfg).fetch(ctx))
        cfgs[name] = label_announcements(batch.announcements, cfg)
    meta = [a for a in cfgs["metastatuspage-history.atom"] if a.kind == "maintenance"]
    assert len(meta) == 4 and {a.status for a in meta} == {"completed"}
    lb = next(a for a in meta if a.title == "Load Balancer Maintenance")
    # "Nov 10, 18:00 PST" in progress .. "Nov 10, 18:19 PST" completed
    assert (lb.window_start, lb.window_end) == (datetime(2019, 11, 11, 2, 0, tzinfo=UTC),
                                                datetime(2019, 11, 11, 2, 19, tzinfo=UTC))
    sin = next(a for a in cfgs["symantec-wss-history.atom"] if "SIN3" in a.title)
    assert (sin.window_start, sin.window_end) == (datetime(2020, 1, 9, 14, tzinfo=UTC),
                                                  datetime(2020, 1, 9, 18, tzinfo=UTC))
    assert all(a.kind != "maintenance" for a in cfgs["githubstatus-2019-history.atom"])
    parse = cfgs["parse-status-history.rss"]
    assert parse and all(a.raw and a.raw["updates"] and a.raw["updates"][0]["at"] for a in parse)
    print({k: len(v) for k, v in cfgs.items()})


# --- JSON API ----------------------------------------------------------------------------------------

MAINT_JSON = {"page": {"id": "p1", "name": "Bitpie", "time_zone": "Asia/Shanghai"}, "scheduled_maintenances": [{
    "id": "m1", "name": "Wallet node upgrade", "status": "scheduled", "impact": "maintenance",
    "created_at": "2026-11-18T10:00:00.000+08:00", "updated_at": "2026-11-18T10:05:00.000+08:00",
    "scheduled_for": "2026-11-21T14:00:00.000+08:00", "scheduled_until": "2026-11-21T16:00:00.000+08:00",
    "shortlink": "https://stspg.io/m1", "components": [{"name": "Withdrawals"}],
    "incident_updates": [{"status": "scheduled", "body": "Withdrawals paused during the upgrade.",
                          "created_at": "2026-11-18T10:00:00.000+08:00"}]}]}
INCIDENTS_JSON = {"page": {"id": "p1"}, "incidents": [{
    "id": "i1", "name": "Delayed BTC withdrawals", "status": "resolved", "impact": "minor",
    "created_at": "2026-11-19T01:00:00Z", "updated_at": "2026-11-19T02:00:00Z", "scheduled_for": None,
    "incident_updates": [
        {"status": "investigating", "body": "Looking into it.", "created_at": "2026-11-19T01:00:00Z"},
        {"status": "resolved", "body": "Fixed.", "created_at": "2026-11-19T02:00:00Z"}]}]}


def api_cfg(tmp_path: Path, **kw: Any) -> Config:
    return parse_config({"brand": {"names": ["Bitpie"]}, "sources": [
        {"type": "statuspage", "name": "bitpie-api", "base_url": BASE + "/", **kw}]}, tmp_path, env={})


@responses.activate
def test_statuspage_api_maps_exact_windows_and_uses_conditional_get(tmp_path: Path, engine: Any) -> None:
    cfg = api_cfg(tmp_path)
    responses.get(f"{BASE}/api/v2/scheduled-maintenances.json", json=MAINT_JSON, headers={"ETag": '"m"'})
    responses.get(f"{BASE}/api/v2/incidents.json", json=INCIDENTS_JSON, headers={"ETag": '"i"'})
    res = run_source(engine, cfg, StatuspageSource(cfg.sources[0], cfg), now=lambda: T0)
    assert (res.status, res.new, res.requests) == ("ok", 2, 2)
    rows = {r["entry_id"]: r for r in announcements(engine)}
    m = rows["m1"]
    assert (m["kind"], m["status"], m["raw"]["impact"]) == ("maintenance", "scheduled", "maintenance")
    assert (m["window_start"], m["window_end"]) == (datetime(2026, 11, 21, 6, tzinfo=UTC),
                                                    datetime(2026, 11, 21, 8, tzinfo=UTC))
    i = rows["i1"]
    assert (i["kind"], i["status"], i["window_start"]) == ("incident", "resolved", None)
    assert i["text"].startswith("Resolved - Fixed.")  # latest update first

    responses.replace(responses.GET, f"{BASE}/api/v2/scheduled-maintenances.json", status=304)
    responses.replace(responses.GET, f"{BASE}/api/v2/incidents.json", status=304)
    again = run_source(engine, cfg, StatuspageSource(cfg.sources[0], cfg), now=lambda: T0)
    assert (again.status, again.new, again.fetched) == ("ok", 0, 0)
    assert responses.calls[-1].request.headers["If-None-Match"] == '"i"'


@responses.activate
def test_statuspage_api_rejects_non_statuspage_answers(tmp_path: Path) -> None:
    cfg = api_cfg(tmp_path, include_incidents=False)
    responses.get(f"{BASE}/api/v2/scheduled-maintenances.json", body="<html>nope</html>")
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    with pytest.raises(SourceError, match="did not return JSON"):
        list(StatuspageSource(cfg.sources[0], cfg).fetch(ctx))
    responses.replace(responses.GET, f"{BASE}/api/v2/scheduled-maintenances.json", json={"page": {}})
    with pytest.raises(SourceError, match="no 'scheduled_maintenances' list"):
        list(StatuspageSource(cfg.sources[0], cfg).fetch(ctx))


@responses.activate
def test_statuspage_api_on_real_github_incidents(tmp_path: Path, shared_data: Path) -> None:
    body = (shared_data / "statuspage" / "gitdown-incidents.json").read_bytes()
    cfg = api_cfg(tmp_path)
    responses.get(f"{BASE}/api/v2/scheduled-maintenances.json", json={"scheduled_maintenances": []})
    responses.get(f"{BASE}/api/v2/incidents.json", body=body, content_type="application/json")
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: T0)
    anns = label_announcements(a for b in StatuspageSource(cfg.sources[0], cfg).fetch(ctx) for a in b.announcements)
    src = json.loads(body)["incidents"]
    assert len(anns) == len(src) == 50
    assert sum(len(a.raw["updates"]) for a in anns if a.raw) == sum(len(i["incident_updates"]) for i in src)
    assert all(a.kind == "incident" and a.published and a.published.tzinfo for a in anns)


class ExchangeStatus(StatusApiSource):
    """What one more exchange's status endpoint costs: two methods (shape modelled on exchange
    system-status APIs that list maintenances with epoch-millisecond start/end)."""

    kind = "exchange-status"

    def endpoints(self) -> list[str]:
        return [f"{self.config.base_url}/api/v1/system/maintenance"]

    def to_announcements(self, endpoint: str, doc: Any) -> list[Announcement]:
        def ms(v: int | None) -> datetime | None:
            return datetime.fromtimestamp(v / 1000, UTC) if v else None

        return [Announcement(source=self.name, entry_id=str(m["id"]), title=m["title"], text=m.get("desc", ""),
                             kind="maintenance", window_start=ms(m.get("startTime")),
                             window_end=ms(m.get("endTime")), status=m.get("state")) for m in doc["data"]]


@responses.activate
def test_another_status_endpoint_is_a_small_subclass(tmp_path: Path, engine: Any) -> None:
    cfg = base_config(tmp_path)
    src_cfg = SimpleNamespace(name="ex-status", base_url="https://api.exchange.example", timeout_seconds=5,
                              max_bytes=100_000)
    doc = {"data": [{"id": 77, "title": "Spot system upgrade", "state": "upcoming",
                     "startTime": 1763712000000, "endTime": 1763719200000}]}
    responses.get("https://api.exchange.example/api/v1/system/maintenance", json=doc, headers={"ETag": '"e1"'})
    res = run_source(engine, cfg, ExchangeStatus(src_cfg, cfg), now=lambda: T0)
    assert (res.status, res.new) == ("ok", 1)
    [row] = announcements(engine)
    assert (row["entry_id"], row["kind"], row["status"]) == ("77", "maintenance", "upcoming")
    assert (row["window_start"], row["window_end"]) == (datetime(2025, 11, 21, 8, tzinfo=UTC),
                                                        datetime(2025, 11, 21, 10, tzinfo=UTC))

"""One `collect` over every new source against mocked endpoints: posts from each, official replies linked
on Discourse, Google Play, Reddit and Mastodon, reply times per platform in the report, and a failing
source that leaves the others intact while status and the runs table say which failed and why."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import prawcore
import pytest
import responses
from sqlalchemy import select

from monitor import store
from monitor.checks import status_lines
from monitor.pipeline import collect
from reports import build_report
from tests import test_appstores as gp
from tests import test_discourse as dc
from tests import test_market as mk
from tests import test_mastodon as md
from tests import test_reddit as rd
from tests.conftest import base_config

T0 = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=30)
COMPLAINT = "support has not replied for 3 days, my withdrawal is still stuck"


def config(tmp_path: Path) -> Any:
    fast = {"host_spacing_seconds": 0}
    return base_config(tmp_path, official_accounts=[
        {"platform": "reddit", "handle": "Bitpie_Official"}, {"platform": "mastodon", "handle": "bitpie"}],
        sources=[
            {"name": "forum", "type": "discourse", "base_url": dc.BASE, **fast},
            {"name": "reddit", "type": "reddit", "read_comments": True},
            {"name": "masto", "type": "mastodon", "instance": md.INST, "hashtags": ["bitpie"]},
            {"name": "play", "type": "googleplay", "app_id": gp.APP, "developer_name": "Bitpie", **fast},
            {"name": "ios", "type": "appstore", "app_id": "1481314229", "countries": ["us"], "max_retries": 0,
             **fast},
            {"name": "market", "type": "market", "assets": ["BTC"]},
        ])


def serve_all(broken_ios: bool) -> None:
    # Discourse: one topic, a user's complaint and the staff reply 3 h later.
    responses.get(f"{dc.BASE}/latest.json", json=dc.latest([dc.topic_item(5, T0 + timedelta(hours=3))]))
    responses.get(f"{dc.BASE}/t/5.json", json=dc.topic(5, "Withdrawal stuck", [
        dc.post(500, 1, T0, COMPLAINT), dc.post(501, 2, T0 + timedelta(hours=3), "Fixed, sorry", user="mod",
                                                staff=True)]))
    # Reddit: a complaint and the brand's comment 2 h later.
    responses.post(rd.TOKEN, json={"access_token": "tok", "token_type": "bearer", "expires_in": 3600,
                                        "scope": "*"})
    responses.get(rd.SEARCH_RE, json=rd.listing([rd.sub(1, T0, f"Bitpie {COMPLAINT}", comments=1)]))
    responses.get(f"{rd.API}/comments/s1", json=[rd.listing([]), rd.listing([rd.com(
        "c1", T0 + timedelta(hours=2), "Sorry, DM us", "t3_s1", "t3_s1", author="Bitpie_Official")])])
    responses.get(f"{rd.API}/user/bitpie_official/comments", json=rd.listing([]))
    # Mastodon: a complaint and the brand's reply 4 h later.
    parent = md.status(T0, f"#bitpie {COMPLAINT}", acct="bob", aid="22")
    reply = md.status(T0 + timedelta(hours=4), "@bob looking into it", acct="bitpie", aid="99", reply_to=parent["id"])
    responses.get(f"{md.INST}/api/v2/instance/", json={})
    responses.get(f"{md.INST}/api/v1/accounts/lookup", json={"id": "99", "username": "bitpie", "acct": "bitpie"})
    responses.get(md.TAG_RE, match=[responses.matchers.query_param_matcher({"min_id": parent["id"]},
                                                                           strict_match=False)], json=[])
    responses.get(md.TAG_RE, json=[parent])
    responses.get(f"{md.INST}/api/v1/accounts/99/statuses", match=[responses.matchers.query_param_matcher(
        {"min_id": reply["id"]}, strict_match=False)], json=[])
    responses.get(f"{md.INST}/api/v1/accounts/99/statuses", json=[reply])
    # Google Play: a complaint answered by the developer 26 h later.
    responses.post(gp.PLAY, body=gp.play_body([gp.review("r1", T0, COMPLAINT, reply=(T0 + timedelta(hours=26), "Hi"))]))
    # App Store: broken (500) or one review.
    if broken_ios:
        responses.get(gp.apple_url("us", 1), status=500)
    else:
        responses.get(gp.apple_url("us", 1), json={"feed": {"entry": [gp.apple_entry("900", T0, "slow", COMPLAINT)]}})
    responses.get(mk.INFO, json=mk.exchange_info("BTC"))
    responses.get(mk.KLINES, json=mk.klines(T0, [90000.0, 80000.0, 79000.0]))


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "cid")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "csecret")
    monkeypatch.setattr(prawcore.sessions.FiniteRetryStrategy, "_sleep_seconds", lambda self: None)


@responses.activate
def test_one_collect_of_every_source_links_replies_and_survives_a_failing_one(tmp_path: Path, engine: Any) -> None:
    serve_all(broken_ios=True)
    cfg = config(tmp_path)
    results = {r.source: r for r in collect(engine, cfg)}
    assert {n: r.status for n, r in results.items()} == {
        "forum": "ok", "reddit": "ok", "masto": "ok", "play": "ok", "ios": "error", "market": "ok"}
    assert "HTTP 500" in (results["ios"].error or "")
    with engine.connect() as conn:
        platforms = {r.platform for r in conn.execute(select(store.posts.c.platform))}
        links = {(r.platform, r.latency_seconds) for r in conn.execute(select(store.reply_links))}
        runs = {r.source: r for r in conn.execute(select(store.runs))}
        prices = conn.execute(select(store.market.c.price)).scalars().all()
    assert platforms == {"discourse", "reddit", "mastodon", "googleplay"}
    assert links == {("discourse", 3 * 3600.0), ("reddit", 2 * 3600.0), ("mastodon", 4 * 3600.0),
                     ("googleplay", 26 * 3600.0)}
    assert runs["ios"].status == "error" and "HTTP 500" in runs["ios"].error and runs["forum"].status == "ok"
    assert prices == [90000.0, 80000.0, 79000.0]
    lines = status_lines(engine, cfg)
    assert any(ln.startswith("ios: last run") and "error=" in ln and "HTTP 500" in ln for ln in lines)
    # The next pass: the App Store answers; its review arrives and nothing else is lost or doubled.
    responses.replace(responses.GET, gp.apple_url("us", 1),
                      json={"feed": {"entry": [gp.apple_entry("900", T0, "slow", COMPLAINT)]}})
    results = {r.source: r for r in collect(engine, cfg)}
    assert results["ios"].status == "ok" and results["ios"].new == 1


@responses.activate
def test_report_shows_reply_times_per_platform_and_volume_only(tmp_path: Path, engine: Any) -> None:
    serve_all(broken_ios=False)
    cfg = config(tmp_path)
    collect(engine, cfg)
    day = T0.astimezone(cfg.tz).date()
    html = build_report(engine, cfg, day).read_text(encoding="utf-8")
    # T0 follows the clock; the App Store review is stamped -07:00 and lands 7 h after T0, on the next local
    # day whenever T0 is late in the local day: read its line on the page of the day it lands on.
    late = (T0 + timedelta(hours=7)).astimezone(cfg.tz).date()
    late_html = html if late == day else build_report(engine, cfg, late).read_text(encoding="utf-8")
    said = "posts needing an answer in 28 days answered, median first reply among those answered"
    assert f"discourse: 1 of 1 {said} 3.0 h" in html
    assert f"googleplay: 1 of 1 {said} 26.0 h" in html
    assert "reddit: 1 of 1" in html and "mastodon: 1 of 1" in html
    assert "appstore: volume only, no official replies to link (1 posts in 28 days)" in late_html
    assert re.search(r"market: BTC −1\d % in 1 h", html)

"""Google Play (developer replies -> reply links) and App Store review sources against mocked HTTP."""

from __future__ import annotations

import json
import ssl
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
import responses
from sqlalchemy import select

from monitor import store
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.linking import link_replies
from monitor.pipeline import run_source
from monitor.records import query_key
from sources.appstores import AppStoreSource, GooglePlaySource
from sources.http import HostPacer
from tests.conftest import base_config, key_paths

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
APP = "com.bitpie.wallet"
PLAY = "https://play.google.com/_/PlayStoreUi/data/batchexecute"
APPLE = "https://itunes.apple.com"
GP_KEY = query_key(f"googleplay:{APP}:en:us")


def gp_cfg(tmp_path: Path, **src: Any) -> Config:
    return base_config(tmp_path, sources=[{"name": "play", "type": "googleplay", "app_id": APP,
                                           "developer_name": "Bitpie", **src}])


def as_cfg(tmp_path: Path, **src: Any) -> Config:
    return base_config(tmp_path, sources=[{"name": "ios", "type": "appstore", "app_id": "1481314229",
                                           "countries": ["us", "CN"], **src}])


def source(cls: Any, cfg: Config) -> Any:
    src = cls(cfg.sources[0], cfg, pacer=HostPacer(spacing=0))
    src.sleep = lambda _s: None
    return src


def review(rid: str, at: datetime, text: str, reply: tuple[datetime, str] | None = None) -> list[Any]:
    """A review array at the positions google-play-scraper's ElementSpecs.Review reads."""
    r: list[Any] = [f"gp:{rid}", ["Some User", [None, 2, None, [None, None, "https://img"]]], 1, None, text,
                    [int(at.timestamp()), 0], 3, None, None, None, "5.1.0"]
    if reply:
        r[7] = [None, reply[1], [int(reply[0].timestamp()), 0]]
    return r


def play_body(reviews: list[list[Any]], token: str | None = None) -> str:
    inner = [reviews, [None, token]] if token else [reviews]
    return ")]}'\n\n" + json.dumps([["wrb.fr", "oCPfdb", json.dumps(inner), None, None, None, "generic"],
                                    ["di", 60]])


def stored(engine: Any) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.post_id: dict(r._mapping) for r in conn.execute(select(store.posts))}


def cursors(engine: Any, name: str) -> dict[str, Any]:
    with engine.connect() as conn:
        return store.load_cursors(conn, name)


def form(call: Any) -> str:
    return unquote(call.request.body.decode() if isinstance(call.request.body, bytes) else call.request.body)


def test_importing_the_library_keeps_tls_verification() -> None:
    from sources.appstores import _gps

    _gps()
    assert ssl._create_default_https_context is ssl.create_default_context


@responses.activate
def test_reviews_and_developer_replies_are_linked_with_their_latency(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(days=3)
    responses.post(PLAY, body=play_body([
        review("r2", t0 + timedelta(hours=5), "Support never answers, 3 days waiting"),
        review("r1", t0, "Withdrawal stuck!", reply=(t0 + timedelta(hours=26), "Sorry, please mail support@")),
        review("r0", t0 - timedelta(hours=2), "edited after the reply", reply=(t0 - timedelta(hours=3), "Thanks")),
    ], token="TOKEN-2"))
    responses.post(PLAY, body=play_body([review("r9", t0 - timedelta(days=40), "old")]))
    cfg = gp_cfg(tmp_path)
    res = run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    assert res.status == "ok" and res.requests == 2, res.error
    rows = stored(engine)
    assert set(rows) == {"gp:r2", "gp:r1", "gp:r1:reply", "gp:r0", "gp:r0:reply"}
    assert rows["gp:r1"]["created_at"] == t0.replace(microsecond=0)  # epoch seconds, UTC (not local)
    reply = rows["gp:r1:reply"]
    assert reply["is_official"] and reply["reply_to_id"] == "gp:r1" and reply["author_handle"] == "Bitpie"
    assert rows["gp:r0:reply"]["reply_to_id"] is None and rows["gp:r0:reply"]["raw"]["review_edited_after_reply"]
    assert "TOKEN-2" in form(responses.calls[1]) and "com.bitpie.wallet" in form(responses.calls[0])
    with engine.begin() as conn:
        assert link_replies(conn, now=store.now_utc()) == 1
        link = conn.execute(select(store.reply_links)).one()
    assert link.post_id == "gp:r1" and link.latency_seconds == 26 * 3600
    assert cursors(engine, "play")[GP_KEY] == {"since": int((t0 + timedelta(hours=5)).timestamp()), "pending": None}


@responses.activate
def test_reply_arriving_later_is_caught_by_the_recheck_and_edits_update(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(days=2)
    cfg = gp_cfg(tmp_path)
    responses.post(PLAY, body=play_body([review("r1", t0, "no answer from support")]))
    run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    assert "gp:r1:reply" not in stored(engine)
    responses.replace(responses.POST, PLAY, body=play_body([
        review("r1", t0, "no answer from support (edit: still none)", reply=(t0 + timedelta(days=1), "Hi"))]))
    run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    rows = stored(engine)
    assert rows["gp:r1"]["text"].endswith("(edit: still none)") and rows["gp:r1:reply"]["reply_to_id"] == "gp:r1"


@responses.activate
def test_kill_between_pages_resumes_with_the_saved_token(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(days=1)
    cfg = gp_cfg(tmp_path)
    served = iter([play_body([review("r3", t0, "a")], token="TOK-B")])

    def reply(_req: Any) -> Any:
        body = next(served, None)
        if body is None:
            raise KeyboardInterrupt
        return 200, {}, body

    responses.add_callback(responses.POST, PLAY, callback=reply)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    assert cursors(engine, "play")[GP_KEY]["pending"]["token"] == "TOK-B"
    responses.reset()
    responses.post(PLAY, body=play_body([review("r2", t0 - timedelta(hours=1), "b")]))
    res = run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    assert res.new == 1 and "TOK-B" in form(responses.calls[0])
    assert cursors(engine, "play")[GP_KEY]["since"] == int(t0.timestamp())


@pytest.mark.parametrize(("reply", "words", "limited"), [
    ({"status": 429, "headers": {"Retry-After": "60"}}, "rate limit", True),
    ({"body": ")]}'\n\n[[\"er\",null,null,null,null,429,null,null,null,\"PlayGatewayError\"]]"}, "throttled", True),
    ({"status": 500}, "failed 3 times", False),
    ({"body": requests.ConnectTimeout("slow")}, "timed out", False),
    ({"body": "<html>consent page</html>"}, "not in the expected format", False),
    ({"body": ")]}'\n\n[[\"wrb.fr\",\"oCPfdb\",\"{not json\"]]"}, "not in the expected format", False),
    ({"status": 404}, "HTTP 404", False),
])
@responses.activate
def test_google_play_errors(tmp_path: Path, engine: Any, reply: dict, words: str, limited: bool) -> None:
    responses.post(PLAY, **reply)
    cfg = gp_cfg(tmp_path)
    res = run_source(engine, cfg, source(GooglePlaySource, cfg), now=lambda: NOW)
    assert res.status == ("skipped" if limited else "error") and words in (res.error or ""), res.error
    assert GP_KEY not in cursors(engine, "play")
    assert ("skip_until" in (cursors(engine, "play").get("_state") or {})) == limited


def apple_entry(rid: str, at: datetime, title: str, text: str, rating: str = "1") -> dict[str, Any]:
    return {"author": {"uri": {"label": "https://itunes.apple.com/us/reviews/id1"}, "name": {"label": "bob"}},
            "updated": {"label": at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S-07:00")},
            "im:rating": {"label": rating}, "im:version": {"label": "5.1"}, "id": {"label": rid},
            "title": {"label": title}, "content": {"label": text, "attributes": {"type": "text"}},
            "link": {"attributes": {"rel": "related", "href": "https://itunes.apple.com/us/review?id=1481314229"}}}


def apple_url(country: str, page: int) -> str:
    return f"{APPLE}/{country}/rss/customerreviews/page={page}/id=1481314229/sortby=mostrecent/json"


@responses.activate
def test_app_store_pages_per_country_stop_at_old_reviews(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(days=2)
    app_entry = {"im:name": {"label": "Bitpie"}, "id": {"label": "https://apps.apple.com/app/id1481314229"}}
    responses.get(apple_url("us", 1), json={"feed": {"entry": [app_entry] + [
        apple_entry(str(100 + i), t0 - timedelta(hours=i), f"t{i}", "support never replies") for i in range(50)]}})
    responses.get(apple_url("us", 2), json={"feed": {"entry": [
        apple_entry("200", t0 - timedelta(days=3), "p2", "x"),
        apple_entry("201", NOW - timedelta(days=40), "old", "y")]}})
    responses.get(apple_url("cn", 1), json={"feed": {"entry": apple_entry("300", t0, "提币", "客服不回复")}})
    cfg = as_cfg(tmp_path)
    res = run_source(engine, cfg, source(AppStoreSource, cfg), now=lambda: NOW)
    assert res.status == "ok" and res.new == 52 and res.requests == 3, res.error
    rows = stored(engine)
    assert rows["300"]["platform"] == "appstore" and rows["300"]["text"] == "提币\n客服不回复"
    # -07:00 in the feed -> UTC in the store
    assert rows["100"]["created_at"] == (t0.astimezone(UTC).replace(microsecond=0) + timedelta(hours=7))
    assert "201" not in rows


@pytest.mark.parametrize(("reply", "words"), [
    ({"status": 503}, "failed 3 times"),
    ({"json": {"nofeed": 1}}, "no 'feed'"),
    ({"body": "<html/>"}, "did not return JSON"),
])
@responses.activate
def test_app_store_errors(tmp_path: Path, engine: Any, reply: dict, words: str) -> None:
    responses.get(apple_url("us", 1), **reply)
    cfg = as_cfg(tmp_path)
    res = run_source(engine, cfg, source(AppStoreSource, cfg), now=lambda: NOW)
    assert res.status == "error" and words in (res.error or ""), res.error


@pytest.mark.parametrize(("cfg_fn", "src", "path"), [
    (gp_cfg, {"app_id": "bitpie"}, "sources[0].app_id"),
    (gp_cfg, {"languages": ["english"]}, "sources[0].languages[0]"),
    (gp_cfg, {"country": "USA"}, "sources[0].country"),
    (as_cfg, {"app_id": "id1481314229"}, "sources[0].app_id"),
    (as_cfg, {"countries": ["usa"]}, "sources[0].countries[0]"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, cfg_fn: Any, src: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        cfg_fn(tmp_path, **src)
    assert any(p.startswith(path + ":") for p in key_paths(exc.value.problems)), exc.value.problems

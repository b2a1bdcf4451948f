"""Mastodon source through Mastodon.py against mocked HTTP: recordings, min_id paging, resume, errors, linking."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
from sources.mastodon import MastodonSource
from tests.calls import url
from tests.conftest import key_paths

INST = "https://mastodon.example"
TAG_RE = re.compile(rf"{re.escape(INST)}/api/v1/timelines/tag/bitpie.*")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
TAG_KEY = query_key("tag:bitpie")


@pytest.fixture(autouse=True)
def instance_info() -> None:
    """Mastodon.py asks /api/v2/instance once (cached) whether hashtag timelines are public."""
    responses.get(f"{INST}/api/v2/instance/", json={"configuration": {"timelines_access": {
        "hashtag_feeds": {"local": "public", "remote": "public"}}}})


def tag_calls() -> list[str]:
    return [url(c) for c in responses.calls if "/timelines/tag/" in url(c)]


def make_cfg(tmp_path: Path, officials: bool = False, **src: Any) -> Config:
    from tests.conftest import base_config

    accounts = [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "1001"}]
    if officials:
        accounts.append({"platform": "mastodon", "handle": "bitpie"})
    source = {"name": "masto", "type": "mastodon", "instance": INST, "hashtags": ["bitpie"], **src}
    return base_config(tmp_path, sources=[source], official_accounts=accounts)


def make_source(cfg: Config) -> MastodonSource:
    src = MastodonSource(cfg.sources[0], cfg)
    src.sleep = lambda _s: None
    return src


def snow(at: datetime, seq: int = 0) -> str:
    return str((int(at.timestamp() * 1000) << 16) + seq)


def status(at: datetime, text: str, acct: str = "alice", aid: str = "11", reply_to: str | None = None,
           seq: int = 0, **extra: Any) -> dict[str, Any]:
    return {"id": snow(at, seq), "created_at": at.isoformat().replace("+00:00", "Z"), "in_reply_to_id": reply_to,
            "content": f"<p>{text}</p>", "url": f"{INST}/@{acct}/{snow(at, seq)}", "language": "en",
            "visibility": "public", "spoiler_text": "", "reblog": None, "edited_at": None,
            "account": {"id": aid, "username": acct, "acct": acct, "display_name": acct.title()}, **extra}


def stored(engine: Any) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.post_id: dict(r._mapping) for r in conn.execute(select(store.posts))}


def cursors(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        return store.load_cursors(conn, "masto")


@responses.activate
def test_real_timeline_recording_pages_forward_with_min_id(tmp_path: Path, engine: Any, shared_data: Path) -> None:
    body = (shared_data / "mastodon" / "extracted" / "test_public_tl.interaction2.body.json").read_text()
    doc = json.loads(body)
    responses.get(TAG_RE, body=body, content_type="application/json")
    responses.get(TAG_RE, json=[])
    cfg = make_cfg(tmp_path)
    res = run_source(engine, cfg, make_source(cfg), since=datetime(2026, 7, 1, tzinfo=UTC), now=lambda: NOW)
    assert res.status == "ok" and res.new == len(doc) == 8 and res.requests == 2  # API calls
    rows = stored(engine)
    r = rows["117020592137523525"]
    assert r["text"] == "you can't say that on television" and r["author_handle"] == "admin"
    assert r["created_at"] == datetime(2026, 8, 1, 13, 55, 31, 396000, tzinfo=UTC)
    first, second = tag_calls()
    assert f"min_id={snow(datetime(2026, 7, 1, tzinfo=UTC))}" in first  # --since as a snowflake id
    newest = max(int(s["id"]) for s in doc)
    assert f"min_id={newest}" in second and cursors(engine)[TAG_KEY]["min_id"] == str(newest)


@responses.activate
def test_real_hashtag_recording_parses(tmp_path: Path, shared_data: Path) -> None:
    body = (shared_data / "mastodon" / "extracted" / "test_hashtag_tl.interaction2.body.json").read_text()
    responses.get(TAG_RE, body=body, content_type="application/json")
    responses.get(TAG_RE, json=[])
    from sources.base import SourceContext

    cfg = make_cfg(tmp_path)
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, ids: set(), now=lambda: NOW,
                        since=datetime(2026, 7, 1, tzinfo=UTC))
    posts = [p for b in make_source(cfg).fetch(ctx) for p in b.posts]
    assert len(posts) == 1 and posts[0].text == "#hoot (hashtag toot)" and posts[0].lang == "ja"


def official_setup(t0: datetime) -> tuple[dict[str, Any], dict[str, Any]]:
    parent = status(t0, "@bitpie my withdrawal is stuck for two days, support never answers", acct="bob", aid="22")
    reply = status(t0 + timedelta(hours=7), "@bob sorry, please DM your tx id", acct="bitpie", aid="99",
                   reply_to=parent["id"])
    responses.get(f"{INST}/api/v1/accounts/lookup", json={"id": "99", "username": "bitpie", "acct": "bitpie"})
    responses.get(TAG_RE, json=[])
    responses.get(f"{INST}/api/v1/accounts/99/statuses",
                  match=[responses.matchers.query_param_matcher({"min_id": reply["id"]}, strict_match=False)], json=[])
    responses.get(f"{INST}/api/v1/accounts/99/statuses", json=[reply])
    responses.get(f"{INST}/api/v1/statuses", json=[parent])
    return parent, reply


@responses.activate
def test_official_reply_fetches_its_parent_and_links(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=10)
    parent, reply = official_setup(t0)
    cfg = make_cfg(tmp_path, officials=True)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    rows = stored(engine)
    assert rows[reply["id"]]["is_official"] and not rows[parent["id"]]["is_official"]
    lookup = [url(c) for c in responses.calls if url(c).startswith(f"{INST}/api/v1/statuses")]
    assert len(lookup) == 1 and parent["id"] in lookup[0]
    with engine.begin() as conn:
        assert link_replies(conn, now=store.now_utc()) == 1
        link = conn.execute(select(store.reply_links)).one()
    assert link.post_id == parent["id"] and link.latency_seconds == 7 * 3600
    assert cursors(engine)["_officials"] == {"ids": {"bitpie": "99"}}
    # A second pass resolves no handle again.
    calls = len(responses.calls)
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert not any("lookup" in url(c) for c in responses.calls[calls:])


@responses.activate
def test_kill_between_pages_resumes_after_the_committed_page(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=3)
    page1 = [status(t0 + timedelta(minutes=i), f"Bitpie {i}", seq=i) for i in (2, 1)]
    def killed(_req: Any) -> Any:
        raise KeyboardInterrupt  # Ctrl-C / kill after the first page was committed

    responses.add_callback(responses.GET, TAG_RE, callback=killed, match=[
        responses.matchers.query_param_matcher({"min_id": page1[0]["id"]}, strict_match=False)])
    responses.get(TAG_RE, json=page1)
    cfg = make_cfg(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert set(stored(engine)) == {p["id"] for p in page1}
    assert cursors(engine)[TAG_KEY]["min_id"] == page1[0]["id"]
    responses.reset()
    later = status(t0 + timedelta(minutes=30), "Bitpie later", seq=9)
    responses.get(TAG_RE, match=[responses.matchers.query_param_matcher(
        {"min_id": later["id"]}, strict_match=False)], json=[])
    responses.get(TAG_RE, json=[later])
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.new == 1 and f"min_id={page1[0]['id']}" in tag_calls()[0]


@pytest.mark.parametrize(("reply", "words", "limited"), [
    ({"status": 429}, "rate limit", True),
    ({"status": 500}, "failed 3 times", False),
    ({"status": 502}, "failed 3 times", False),
    ({"body": requests.ConnectionError("reset")}, "failed 3 times", False),
    ({"body": requests.ReadTimeout("slow")}, "failed 3 times", False),
    ({"body": "<html>maintenance</html>", "status": 200}, "JSON", False),
    ({"json": {"error": "odd"}}, "not a list", False),
    ({"status": 401}, "401", False),
    ({"status": 403}, "403", False),
])
@responses.activate
def test_errors_fail_only_this_source(tmp_path: Path, engine: Any, reply: dict, words: str, limited: bool) -> None:
    responses.get(TAG_RE, **reply)
    cfg = make_cfg(tmp_path, max_retries=2)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == ("skipped" if limited else "error") and words in (res.error or ""), res.error
    assert res.error is not None and res.error.startswith("masto: ") and TAG_KEY not in cursors(engine)
    assert ("skip_until" in (cursors(engine).get("_state") or {})) == limited


@responses.activate
def test_boosts_skipped_edits_update(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=2)
    orig = status(t0, "Bitpie is slow", seq=1)
    boost = status(t0 + timedelta(minutes=1), "", seq=2, reblog=orig)
    responses.get(TAG_RE, match=[responses.matchers.query_param_matcher({"min_id": boost["id"]},
                                                                        strict_match=False)], json=[])
    responses.get(TAG_RE, json=[boost, orig])
    cfg = make_cfg(tmp_path)
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert set(stored(engine)) == {orig["id"]}
    edited = dict(orig, content="<p>Bitpie is slow (edit: fixed)</p>", edited_at=NOW.isoformat())
    responses.reset()
    # The next pass re-reads the last recheck_hours (2 h by default): the edit lands.
    responses.get(TAG_RE, match=[responses.matchers.query_param_matcher({"min_id": snow(NOW - timedelta(hours=2))},
                                                                        strict_match=False)], json=[edited])
    responses.get(TAG_RE, json=[])
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.new == 0 and stored(engine)[orig["id"]]["text"] == "Bitpie is slow (edit: fixed)"
    assert cursors(engine)[TAG_KEY]["min_id"] == boost["id"]  # the cursor never moves back


@pytest.mark.parametrize(("src", "path"), [
    ({"instance": "mastodon.example"}, "sources[0].instance"),
    ({"hashtags": ["#bitpie"]}, "sources[0].hashtags[0]"),
    ({"access_token_env": "token value"}, "sources[0].access_token_env"),
    ({"max_pages": 0}, "sources[0].max_pages"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, src: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        make_cfg(tmp_path, **src)
    assert any(p.startswith(path + ":") for p in key_paths(exc.value.problems)), exc.value.problems


@responses.activate
def test_search_with_token_reads_statuses(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MASTO_TOKEN", "tok-secret")
    t0 = NOW - timedelta(hours=1)
    hit = status(t0, "比特派 客服 三天不回复", seq=3)
    responses.get(TAG_RE, json=[])
    search = f"{INST}/api/v2/search"
    old = status(t0 - timedelta(days=9), "Bitpie old news", seq=1)
    responses.get(search, json={"accounts": [], "statuses": [hit, old], "hashtags": []})
    cfg = make_cfg(tmp_path, search=True, search_terms=["比特派"], access_token_env="MASTO_TOKEN")
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok" and res.new == 1, res.error
    call = next(c for c in responses.calls if url(c).startswith(search))
    assert call.request.headers["Authorization"] == "Bearer tok-secret" and "type=statuses" in url(call)
    assert set(stored(engine)) == {hit["id"]}  # older than the look-back: filtered
    assert cursors(engine)[query_key("search:比特派")]["min_id"] == hit["id"]


def test_unset_token_variable_is_one_clear_error(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MASTO_TOKEN", raising=False)
    cfg = make_cfg(tmp_path, access_token_env="MASTO_TOKEN")
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "error" and "MASTO_TOKEN is not set" in (res.error or "")

"""Reddit source through praw against mocked HTTP (`responses`): recordings, paging, resume, errors, linking."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import prawcore
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
from sources.reddit import RedditSource, reddit_query
from tests.calls import url
from tests.conftest import base_config, key_paths

TOKEN = "https://www.reddit.com/api/v1/access_token"
API = "https://oauth.reddit.com"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
SEARCH_RE = re.compile(r"https://oauth\.reddit\.com/r/all/search.*")


@pytest.fixture(autouse=True)
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "cid")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "csecret")
    # prawcore sleeps 2-4 s before its retries; tests never wait.
    monkeypatch.setattr(prawcore.sessions.FiniteRetryStrategy, "_sleep_seconds", lambda self: None)


def make_cfg(tmp_path: Path, officials: bool = False, **src: Any) -> Config:
    accounts = [{"platform": "twitter", "handle": "BitpieWallet", "user_id": "1001"}]
    if officials:
        accounts.append({"platform": "reddit", "handle": "Bitpie_Official"})
    return base_config(tmp_path, sources=[{"name": "reddit", "type": "reddit", **src}],
                       official_accounts=accounts)


def token() -> None:
    responses.post(TOKEN, json={"access_token": "tok", "token_type": "bearer", "expires_in": 3600, "scope": "*"})


def sub(i: int, at: datetime, title: str, comments: int = 0, author: str = "user1") -> dict[str, Any]:
    return {"kind": "t3", "data": {"id": f"s{i}", "name": f"t3_s{i}", "title": title, "selftext": "",
                                   "author": author, "author_fullname": f"t2_{author}",
                                   "created_utc": at.timestamp(), "permalink": f"/r/Bitpie/comments/s{i}/x/",
                                   "subreddit": "Bitpie", "num_comments": comments, "edited": False}}


def com(cid: str, at: datetime, body: str, parent: str, link: str, author: str = "user2",
        replies: Any = "") -> dict[str, Any]:
    return {"kind": "t1", "data": {"id": cid, "name": f"t1_{cid}", "body": body, "author": author,
                                   "author_fullname": f"t2_{author}", "created_utc": at.timestamp(),
                                   "permalink": f"/r/Bitpie/comments/{link[3:]}/x/{cid}/", "parent_id": parent,
                                   "link_id": link, "subreddit": "Bitpie", "edited": False, "replies": replies}}


def listing(children: list[dict[str, Any]], after: str | None = None) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"children": children, "after": after, "before": None}}


def make_source(cfg: Config) -> RedditSource:
    return RedditSource(cfg.sources[0], cfg)


def stored(engine: Any) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.post_id: dict(r._mapping) for r in conn.execute(select(store.posts))}


def cursors(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        return store.load_cursors(conn, "reddit")


SEARCH_KEY = query_key(f"search:all:{reddit_query(['Bitpie', '比特派'])}")


def test_query_quotes_each_term() -> None:
    assert reddit_query(["Bitpie", "比特派"]) == '"Bitpie" OR "比特派"'


@responses.activate
def test_real_search_recording_through_praw(tmp_path: Path, engine: Any, shared_data: Path) -> None:
    rec = json.loads((shared_data / "reddit" / "TestSubreddit.test_search.json").read_text())
    body = rec["interactions"][1]["response"]["body"]["string"]
    token()
    responses.get(SEARCH_RE, body=body, content_type="application/json")
    cfg = make_cfg(tmp_path, read_comments=False)
    res = run_source(engine, cfg, make_source(cfg), since=datetime(2010, 1, 1, tzinfo=UTC), now=lambda: NOW)
    doc = json.loads(body)
    names = {c["data"]["name"] for c in doc["data"]["children"]}
    assert res.status == "ok" and res.new == len(names) == 6
    rows = stored(engine)
    assert set(rows) == names
    r = rows["t3_3gpbiu"]
    assert r["author_handle"] == "dClauzel" and r["text"].startswith("[PRAW][OAuth2Util] Problem")
    assert r["created_at"] == datetime.fromtimestamp(1439370514.0, UTC) and r["raw"]["edited"] == 1439447718.0
    q = url(responses.calls[1])
    assert "sort=new" in q and "q=%22Bitpie%22+OR" in q and "raw_json=1" in q
    assert responses.calls[1].request.headers["Authorization"] == "bearer tok"
    assert cursors(engine)[SEARCH_KEY]["pending"] is None


@responses.activate
def test_real_new_listing_pages_with_after(tmp_path: Path, engine: Any, shared_data: Path) -> None:
    page1 = (shared_data / "reddit" / "extracted" / "TestSubredditListings.test_new.interaction1.body.json").read_text()
    doc = json.loads(page1)
    oldest = min(c["data"]["created_utc"] for c in doc["data"]["children"])
    token()
    responses.get(SEARCH_RE, body=page1, content_type="application/json")
    responses.get(SEARCH_RE, json=listing([]))
    cfg = make_cfg(tmp_path, read_comments=False)
    res = run_source(engine, cfg, make_source(cfg), since=datetime.fromtimestamp(oldest - 1, UTC), now=lambda: NOW)
    assert res.status == "ok" and res.new == 100 and res.requests == 2
    assert f"after={doc['data']['after']}" in url(responses.calls[2])


def thread(t0: datetime) -> None:
    """Search: two pages; submission s1 has a thread with the brand's reply 5 h later."""
    responses.get(SEARCH_RE, match=[responses.matchers.query_param_matcher({"after": "t3_s2"}, strict_match=False)],
                  json=listing([sub(1, t0, "Bitpie support never answers my ticket", comments=2)]))
    responses.get(SEARCH_RE, json=listing([sub(3, t0 + timedelta(hours=2), "Bitpie fees?"),
                                           sub(2, t0 + timedelta(hours=1), "比特派 提币慢")], after="t3_s2"))
    reply = com("c2", t0 + timedelta(hours=5), "Sorry, DM us your ticket id", "t1_c1", "t3_s1",
                author="Bitpie_Official")
    tree = listing([com("c1", t0 + timedelta(minutes=30), "same here, a week", "t3_s1", "t3_s1",
                        replies=listing([reply]))])
    responses.get(f"{API}/comments/s1", json=[listing([sub(1, t0, "x")]), tree])
    responses.get(f"{API}/user/bitpie_official/comments", json=listing([
        com("c9", t0 + timedelta(hours=3), "We are looking into it", "t3_old", "t3_old", author="Bitpie_Official"),
        com("c2", t0 + timedelta(hours=5), "Sorry, DM us your ticket id", "t1_c1", "t3_s1", author="Bitpie_Official")]))
    responses.get(f"{API}/api/info", json=listing([sub(0, t0 - timedelta(days=1), "old Bitpie question")]))


@responses.activate
def test_pass_pages_reads_threads_officials_parents_and_links(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=20)
    token()
    thread(t0)
    cfg = make_cfg(tmp_path, officials=True)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    rows = stored(engine)
    assert {"t3_s1", "t3_s2", "t3_s3", "t1_c1", "t1_c2", "t1_c9", "t3_s0"} == set(rows)
    assert rows["t1_c2"]["is_official"] and rows["t1_c2"]["reply_to_id"] == "t1_c1"
    assert rows["t1_c1"]["conversation_id"] == "t3_s1" and not rows["t1_c1"]["is_official"]
    info = [url(c) for c in responses.calls if "/api/info" in url(c)]
    assert len(info) == 1 and "id=t3_old" in info[0]
    with engine.begin() as conn:
        link_replies(conn, now=store.now_utc())
        links = {r.reply_id: r for r in conn.execute(select(store.reply_links))}
    assert links["t1_c2"].post_id == "t1_c1" and links["t1_c2"].latency_seconds == 4.5 * 3600
    st = cursors(engine)[SEARCH_KEY]
    assert st["pending"] is None and st["since"] == (t0 + timedelta(hours=2)).timestamp()


@responses.activate
def test_kill_between_pages_resumes_at_the_next_page(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=20)
    token()
    def killed(_req: Any) -> Any:
        raise KeyboardInterrupt  # Ctrl-C / kill after the first page was committed

    responses.add_callback(responses.GET, SEARCH_RE, callback=killed,
                           match=[responses.matchers.query_param_matcher({"after": "t3_s2"}, strict_match=False)])
    responses.get(SEARCH_RE, json=listing([sub(3, t0 + timedelta(hours=2), "Bitpie fees?"),
                                           sub(2, t0 + timedelta(hours=1), "比特派 提币慢")], after="t3_s2"))
    cfg = make_cfg(tmp_path, read_comments=False)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    st = cursors(engine)[SEARCH_KEY]
    assert st["pending"]["after"] == "t3_s2" and set(stored(engine)) == {"t3_s2", "t3_s3"}
    responses.reset()
    token()
    responses.get(SEARCH_RE, json=listing([sub(1, t0, "Bitpie support never answers")]))
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok" and res.new == 1
    search = [url(c) for c in responses.calls if "/search" in url(c)]
    assert len(search) == 1 and "after=t3_s2" in search[0]
    assert cursors(engine)[SEARCH_KEY] == {"since": (t0 + timedelta(hours=2)).timestamp(), "pending": None}


@pytest.mark.parametrize(("reply", "words", "limited"), [
    ({"status": 429, "headers": {"x-ratelimit-reset": "300"}}, "429", True),
    ({"status": 500}, "HTTP 500", False),
    ({"status": 503}, "HTTP 503", False),
    ({"body": requests.ConnectionError("reset")}, "connection error reaching oauth.reddit.com", False),
    ({"body": requests.ReadTimeout("slow")}, "no answer from oauth.reddit.com:443 in time", False),
    ({"body": "<html>oops</html>", "status": 200}, "did not return JSON", False),
    ({"json": {"error": "weird"}}, "not a listing", False),
    ({"status": 403}, "REDDIT_CLIENT_ID", False),
])
@responses.activate
def test_errors_fail_only_this_source_with_one_line(tmp_path: Path, engine: Any, reply: dict, words: str,
                                                    limited: bool) -> None:
    token()
    responses.get(SEARCH_RE, **reply)
    cfg = make_cfg(tmp_path)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == ("skipped" if limited else "error") and words in (res.error or ""), res.error
    assert SEARCH_KEY not in cursors(engine)
    state = cursors(engine).get("_state") or {}
    assert ("skip_until" in state) == limited
    if limited:
        assert datetime.fromisoformat(state["skip_until"]) == NOW + timedelta(seconds=300)


def test_missing_credentials_name_the_variables(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REDDIT_CLIENT_SECRET")
    cfg = make_cfg(tmp_path)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "error" and res.error is not None
    assert "REDDIT_CLIENT_SECRET" in res.error and "csecret" not in res.error


@responses.activate
def test_edited_updates_and_deleted_is_skipped(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=5)
    token()
    first = sub(1, t0, "Bitpie withdrawal stuck")
    responses.get(SEARCH_RE, json=listing([first]))
    cfg = make_cfg(tmp_path, read_comments=False)
    run_source(engine, cfg, make_source(cfg), since=t0 - timedelta(hours=1), now=lambda: NOW)
    edited = sub(1, t0, "Bitpie withdrawal stuck")
    edited["data"].update(selftext="edit: support answered", edited=(t0 + timedelta(hours=1)).timestamp())
    gone = sub(4, t0 + timedelta(minutes=5), "x", author="[deleted]")
    removed = sub(5, t0 + timedelta(minutes=6), "y")
    removed["data"]["selftext"] = "[removed]"
    responses.replace(responses.GET, SEARCH_RE, json=listing([removed, gone, edited]))
    run_source(engine, cfg, make_source(cfg), since=t0 - timedelta(hours=1), now=lambda: NOW)
    rows = stored(engine)
    assert set(rows) == {"t3_s1"} and rows["t3_s1"]["text"].endswith("edit: support answered")


@pytest.mark.parametrize(("src", "path"), [
    ({"subreddits": ["bad name!"]}, "sources[0].subreddits[0]"),
    ({"client_id_env": "abc-123 secret"}, "sources[0].client_id_env"),
    ({"page_size": 500}, "sources[0].page_size"),
    ({"serach": "x"}, "sources[0].serach"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, src: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        make_cfg(tmp_path, **src)
    assert any(p.startswith(path + ":") for p in key_paths(exc.value.problems)), exc.value.problems


@responses.activate
def test_a_missing_official_account_is_a_note_not_a_failure(tmp_path: Path, engine: Any, caplog: Any) -> None:
    token()
    responses.get(SEARCH_RE, json=listing([]))
    responses.get(f"{API}/user/bitpie_official/comments", status=404, json={"message": "Not Found", "error": 404})
    cfg = make_cfg(tmp_path, officials=True)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    assert "u/bitpie_official not found" in caplog.text

"""Discourse forum source: real recordings (shared data), paging, resume, errors, edits, deletions, linking."""

from __future__ import annotations

import json
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
from sources.base import SourceContext
from sources.discourse import CURSOR, DiscourseSource
from sources.http import HostPacer
from tests.calls import group1, url
from tests.conftest import base_config, key_paths

BASE = "https://community.bitpie.example"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make_cfg(tmp_path: Path, **src: Any) -> Config:
    source = {"name": "forum", "type": "discourse", "base_url": BASE, **src}
    return base_config(tmp_path, sources=[source], official_accounts=[
        {"platform": "twitter", "handle": "BitpieWallet", "user_id": "1001"},
        {"platform": "discourse", "handle": "bitpie_support"}])


def make_source(cfg: Config) -> DiscourseSource:
    src = DiscourseSource(cfg.sources[0], cfg, pacer=HostPacer(spacing=0))
    src.sleep = lambda _s: None
    return src


def ctx(cursors: dict[str, Any] | None = None, known: set[str] | None = None) -> SourceContext:
    return SourceContext(cursors=cursors or {}, known_post_ids=lambda _p, ids: set(ids) & (known or set()),
                         now=lambda: NOW)


def iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def topic_item(tid: int, bumped: datetime, pinned: bool = False) -> dict[str, Any]:
    return {"id": tid, "title": f"t{tid}", "slug": f"t-{tid}", "bumped_at": iso(bumped), "pinned": pinned}


def latest(topics: list[dict[str, Any]], more: bool = False, page: int = 0) -> dict[str, Any]:
    tl: dict[str, Any] = {"topics": topics}
    if more:
        tl["more_topics_url"] = f"/latest?order=activity&page={page + 1}"
    return {"users": [], "topic_list": tl}


def post(pid: int, number: int, at: datetime, text: str, user: str = "alice", staff: bool = False,
         **extra: Any) -> dict[str, Any]:
    return {"id": pid, "post_number": number, "username": user, "user_id": abs(hash(user)) % 1000,
            "created_at": iso(at), "cooked": f"<p>{text}</p>", "staff": staff, "moderator": False,
            "admin": False, "post_type": 1, "reply_to_post_number": None, **extra}


def topic(tid: int, title: str, posts: list[dict[str, Any]], stream: list[int] | None = None) -> dict[str, Any]:
    return {"id": tid, "title": title, "slug": f"t-{tid}",
            "post_stream": {"posts": posts, "stream": stream or [p["id"] for p in posts]}}


def stored(engine: Any) -> dict[str, dict[str, Any]]:
    with engine.connect() as conn:
        return {r.post_id: dict(r._mapping) for r in conn.execute(select(store.posts))}


def cursor(engine: Any, key: str = CURSOR) -> Any:
    with engine.connect() as conn:
        return store.load_cursors(conn, "forum").get(key)


def last_run(engine: Any) -> dict[str, Any]:
    with engine.connect() as conn:
        return dict(conn.execute(select(store.runs).order_by(store.runs.c.id.desc()).limit(1)).one()._mapping)


# --- real recordings ---------------------------------------------------------------------------


def test_real_topic_recording_parses_staff_and_links_to_opening_post(tmp_path: Path, shared_data: Path) -> None:
    doc = json.loads((shared_data / "discourse" / "topic.json").read_text())
    src = make_source(make_cfg(tmp_path))
    stream = doc["post_stream"]
    posts, deleted = src.to_posts(stream["posts"], {"id": doc["id"], "title": doc["title"], "slug": doc["slug"]},
                                  stream["stream"])
    # 84 is a moderator action ("This topic is now pinned"): no answer, not a post
    assert deleted == 0 and [p.post_id for p in posts] == ["83", "86", "226"]
    first = posts[0]
    assert first.text.startswith(doc["title"]) and "Try is a sandbox" in first.text
    assert first.created_at == datetime(2013, 2, 4, 20, 26, 26, 278000, tzinfo=UTC)  # -05:00 -> UTC
    assert all(p.is_official for p in posts)  # every author there is staff
    assert {p.conversation_id for p in posts} == {"83"}
    assert posts[2].reply_to_id == "83"  # reply_to_post_number 1
    assert first.url == f"{BASE}/t/{doc['slug']}/57/1"


def test_real_latest_posts_recording_parses(tmp_path: Path, shared_data: Path) -> None:
    doc = json.loads((shared_data / "discourse" / "posts_latest.json").read_text())
    src = make_source(make_cfg(tmp_path, staff_is_official=False))
    posts = [src.to_post(p) for p in doc["latest_posts"]]
    assert len(posts) == len(doc["latest_posts"]) >= 2
    assert posts[0] is not None and posts[0].text == "holla bullhonky."
    assert posts[0].url == f"{BASE}/t/this-is-an-uncategorized-title/11/2"
    assert not any(p is not None and p.is_official for p in posts)  # staff_is_official off


@responses.activate
def test_real_category_listing_as_latest_queues_its_topics(tmp_path: Path, shared_data: Path) -> None:
    body = (shared_data / "discourse" / "category_latest_topics.json").read_text()
    responses.get(f"{BASE}/latest.json", body=body, content_type="application/json")
    src = make_source(make_cfg(tmp_path))
    c = SourceContext(cursors={}, known_post_ids=lambda _p, ids: set(), now=lambda: NOW,
                      since=datetime(2014, 1, 1, tzinfo=UTC))
    gen = src.fetch(c)
    first = next(gen)
    saved = first.cursors[CURSOR]
    assert saved is not None
    ids = [t for t, _ in saved["queue"]]
    expected = [t["id"] for t in sorted(json.loads(body)["topic_list"]["topics"], key=lambda t: t["bumped_at"])]
    assert ids == expected and first.requests == 1


# --- a whole pass ------------------------------------------------------------------------------


def serve_forum(t0: datetime) -> None:
    """Two pages of latest (a pinned old topic first), topic 7 with 25 posts (two requests), topic 8."""
    responses.get(f"{BASE}/latest.json", match=[responses.matchers.query_param_matcher(
        {"order": "activity", "page": "0"})], json=latest(
        [topic_item(1, t0 - timedelta(days=400), pinned=True), topic_item(8, t0 + timedelta(hours=5))], more=True))
    responses.get(f"{BASE}/latest.json", match=[responses.matchers.query_param_matcher(
        {"order": "activity", "page": "1"})], json=latest(
        [topic_item(7, t0 + timedelta(hours=3)), topic_item(3, t0 - timedelta(days=10))], more=True, page=1))
    seven = [post(700, 1, t0, "My withdrawal is stuck for 3 days and support never answers")]
    seven += [post(700 + n, n, t0 + timedelta(minutes=n), f"me too {n}", user=f"u{n}") for n in range(2, 25)]
    seven.append(post(725, 25, t0 + timedelta(hours=3), "Sorry, we fixed it", user="mod", staff=True,
                      reply_to_post_number=1))
    responses.get(f"{BASE}/t/7.json", json=topic(7, "Withdrawal stuck", seven[:20], [p["id"] for p in seven]))
    responses.get(f"{BASE}/t/7/posts.json", json={"post_stream": {"posts": seven[20:]}})
    eight = [post(800, 1, t0 + timedelta(hours=1), "How do I export keys?"),
             post(801, 2, t0 + timedelta(hours=5), "Settings > Export", user="bitpie_support")]
    responses.get(f"{BASE}/t/8.json", json=topic(8, "Export", eight))


@responses.activate
def test_pass_reads_changed_topics_pages_posts_and_links_staff_reply(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=30)
    serve_forum(t0)
    cfg = make_cfg(tmp_path)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok" and res.new == 27 and res.requests == 5
    rows = stored(engine)
    assert rows["725"]["is_official"] and rows["801"]["is_official"]  # staff; configured handle
    assert not rows["700"]["is_official"] and rows["700"]["text"].startswith("Withdrawal stuck\n")
    assert rows["725"]["reply_to_id"] == "700" and rows["801"]["conversation_id"] == "800"
    post_ids = url(responses.calls[3])
    assert post_ids.count("post_ids") == 5 and "post_ids%5B%5D=721" in post_ids
    state = cursor(engine)
    assert state["queue"] is None and state["since"] == (t0 + timedelta(hours=5)).isoformat()
    with engine.begin() as conn:
        assert link_replies(conn, now=store.now_utc()) == 2
        links = {r.reply_id: r for r in conn.execute(select(store.reply_links))}
    assert links["725"].post_id == "700" and links["725"].latency_seconds == 3 * 3600
    assert links["801"].post_id == "800" and links["801"].linked_by == "conversation"
    # The next pass: nothing bumped since; one request, nothing new.
    responses.get(f"{BASE}/latest.json", json=latest([topic_item(8, t0 + timedelta(hours=5))]))
    before = len(responses.calls)
    responses.registered()[:] = [r for r in responses.registered() if "page" not in str(r.match)]
    res2 = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res2.new == 0 and len(responses.calls) == before + 1


@responses.activate
def test_kill_between_topics_resumes_at_the_unfinished_one(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=30)
    serve_forum(t0)
    cfg = make_cfg(tmp_path)
    url8 = f"{BASE}/t/8.json"
    responses.registered()[:] = [r for r in responses.registered() if r.url != url8]

    def killed(_req: Any) -> Any:
        raise KeyboardInterrupt  # Ctrl-C / kill after topic 7 was committed

    responses.add_callback(responses.GET, url8, callback=killed)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert len(stored(engine)) == 25
    state = cursor(engine)
    assert [t for t, _ in state["queue"]] == [8] and state.get("since") is None
    calls = len(responses.calls)
    responses.replace(responses.GET, url8, json=topic(8, "Export", [
        post(800, 1, t0 + timedelta(hours=1), "How do I export keys?")]))
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok" and res.new == 1
    assert [url(c) for c in responses.calls[calls:]] == [url8]  # no rescan, no re-read of topic 7
    assert cursor(engine)["queue"] is None


@responses.activate
def test_known_posts_beyond_the_first_page_are_not_fetched_again(tmp_path: Path) -> None:
    t0 = NOW - timedelta(hours=2)
    ps = [post(900 + n, n, t0 + timedelta(minutes=n), f"p{n}") for n in range(1, 46)]
    responses.get(f"{BASE}/t/9.json", json=topic(9, "Long", ps[:20], [p["id"] for p in ps]))
    responses.get(f"{BASE}/t/9/posts.json", json={"post_stream": {"posts": ps[40:]}})
    src = make_source(make_cfg(tmp_path))
    state = {CURSOR: {"since": iso(t0), "high": iso(NOW), "queue": [[9, iso(NOW)]]}}
    batches = list(src.fetch(ctx(state, known={str(900 + n) for n in range(21, 41)})))
    assert [p.post_id for p in batches[0].posts][-5:] == [str(900 + n) for n in range(41, 46)]
    assert len(responses.calls) == 2 and url(responses.calls[1]).count("post_ids") == 5


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "kind", "words"), [
    ({"status": 429, "headers": {"Retry-After": "120"}}, "RateLimited", "rate limit"),
    ({"status": 503, "headers": {"Retry-After": "60"}}, "RateLimited", "rate limit"),
    ({"status": 500}, "SourceError", "failed 3 times (HTTP 500)"),
    ({"status": 502}, "SourceError", "failed 3 times (HTTP 502)"),
    ({"body": requests.Timeout("slow")}, "SourceError", "timed out"),
    ({"body": requests.ConnectionError("reset")}, "SourceError", "connection error"),
    ({"body": "<html>login</html>", "content_type": "text/html"}, "SourceError", "did not return JSON"),
    ({"body": '{"topic_list": {"topics": [', "content_type": "application/json"}, "SourceError",
     "did not return JSON"),
    ({"json": {"errors": ["nope"]}}, "SourceError", "no topic_list.topics"),
    ({"status": 403}, "AuthError", "api_key_env"),
    ({"status": 404}, "SourceError", "HTTP 404"),
])
@responses.activate
def test_errors_fail_the_source_with_one_line_and_keep_the_cursor(tmp_path: Path, engine: Any, reply: dict,
                                                                   kind: str, words: str) -> None:
    cfg = make_cfg(tmp_path, max_retries=2)
    before: dict[str, dict[str, Any] | None] = {CURSOR: {"since": iso(NOW - timedelta(hours=1)), "high": None,
                                                         "queue": None}}
    with engine.begin() as conn:
        store.save_cursors(conn, "forum", before)
    responses.get(f"{BASE}/latest.json", **reply)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    planned = "skipped" if kind == "RateLimited" else "error"  # a rate limit is a planned skip (exit 0)
    assert res.status == planned and res.error is not None and words in res.error and res.error.startswith("forum: ")
    assert cursor(engine) == before[CURSOR]
    run = last_run(engine)
    assert run["status"] == planned and words in run["error"] and run["requests"] == len(responses.calls)
    skip = cursor(engine, "_state")
    assert (skip is not None and "skip_until" in skip) == (kind == "RateLimited")
    if skip is not None and kind == "RateLimited":  # skipped until the time the server named, not a default
        until = datetime.fromisoformat(skip["skip_until"])
        assert until == NOW + timedelta(seconds=int(reply["headers"]["Retry-After"]))


@responses.activate
def test_retry_after_5xx_succeeds_without_waiting(tmp_path: Path, engine: Any) -> None:
    cfg = make_cfg(tmp_path)
    src = make_source(cfg)
    waits: list[float] = []
    src.sleep = waits.append
    responses.get(f"{BASE}/latest.json", status=502)
    responses.get(f"{BASE}/latest.json", json=latest([]))
    res = run_source(engine, cfg, src, now=lambda: NOW)
    assert res.status == "ok" and res.requests == 2 and len(waits) == 1 and 2 <= waits[0] <= 3


def test_api_key_env_must_be_set(tmp_path: Path, engine: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORUM_KEY", raising=False)
    cfg = make_cfg(tmp_path, api_key_env="FORUM_KEY", api_username_env="FORUM_USER")
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "error" and "FORUM_KEY is not set" in (res.error or "")


@responses.activate
def test_api_key_and_username_are_sent_as_headers_never_logged(tmp_path: Path, engine: Any,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORUM_KEY", "sekrit-key-123")
    monkeypatch.setenv("FORUM_USER", "system")
    cfg = make_cfg(tmp_path, api_key_env="FORUM_KEY", api_username_env="FORUM_USER")
    responses.get(f"{BASE}/latest.json", status=403)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    sent = responses.calls[0].request.headers
    assert sent["Api-Key"] == "sekrit-key-123" and sent["Api-Username"] == "system"
    assert "sekrit" not in (res.error or "") and "FORUM_KEY" in (res.error or "")


# --- edits and deletions -----------------------------------------------------------------------


@responses.activate
def test_edited_post_updates_and_deleted_post_is_skipped_keeping_the_stored_copy(tmp_path: Path,
                                                                                 engine: Any) -> None:
    t0 = NOW - timedelta(hours=5)
    cfg = make_cfg(tmp_path)
    responses.get(f"{BASE}/latest.json", json=latest([topic_item(5, t0)]))
    responses.get(f"{BASE}/t/5.json", json=topic(5, "Fees", [
        post(500, 1, t0, "why are fees so high"), post(501, 2, t0, "support ignored me for a week", user="bob")]))
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert stored(engine)["501"]["text"] == "support ignored me for a week"
    later = t0 + timedelta(hours=1)
    responses.replace(responses.GET, f"{BASE}/latest.json", json=latest([topic_item(5, later)]))
    responses.replace(responses.GET, f"{BASE}/t/5.json", json=topic(5, "Fees", [
        post(500, 1, t0, "why are fees so high (edit: solved)", version=2),
        post(501, 2, t0, "(post withdrawn by author, will be automatically deleted in 24 hours)", user="bob",
             user_deleted=True),
        post(502, 3, later, "closed this topic", user="mod", staff=True, post_type=3),
        post(503, 4, later, "secret staff note", user="mod", staff=True, post_type=4),
        post(504, 5, later, "", user="carol", deleted_at=iso(later))]))
    batches = list(make_source(cfg).fetch(ctx({CURSOR: cursor(engine)})))
    assert any("2 deleted or hidden" in n for b in batches for n in b.notes)
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    rows = stored(engine)
    assert rows["500"]["text"] == "Fees\nwhy are fees so high (edit: solved)" and rows["500"]["raw"]["version"] == 2
    assert rows["501"]["text"] == "support ignored me for a week"  # the stored copy stays
    assert not {"502", "503", "504"} & set(rows)  # actions and whispers are no answer; deleted never stored


def test_quoted_text_is_not_the_author_s_words(tmp_path: Path) -> None:
    src = make_source(make_cfg(tmp_path))
    p = post(1, 2, NOW, "x")
    p["cooked"] = ('<aside class="quote no-group" data-username="bob"><blockquote><p>support never replies'
                   '</p></blockquote></aside>\n<p>Thanks, solved now</p>')
    out = src.to_post(p, {"id": 3, "title": "T", "slug": "t"})
    assert out is not None and out.text == "Thanks, solved now"


# --- config ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("src", "path"), [
    ({"base_url": "community.bitpie.example"}, "sources[0].base_url"),
    ({"base_url": BASE, "api_key_env": "sk-live-abc def"}, "sources[0].api_key_env"),
    ({"base_url": BASE, "max_topics_per_pass": 0}, "sources[0].max_topics_per_pass"),
    ({"base_url": BASE, "staff_only": True}, "sources[0].staff_only"),
    ({}, "sources[0].base_url"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, src: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        base_config(tmp_path, sources=[{"name": "forum", "type": "discourse", **src}])
    assert any(p.startswith(path + ":") for p in key_paths(exc.value.problems)), exc.value.problems


def test_check_config_warns_about_an_unset_key_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from monitor.checks import config_summary

    monkeypatch.delenv("FORUM_KEY", raising=False)
    lines = config_summary(make_cfg(tmp_path, api_key_env="FORUM_KEY"))
    assert any("sources[0].api_key_env" in ln and "FORUM_KEY is not set" in ln for ln in lines)
    assert any("discourse source forum" in ln and "FORUM_KEY" in ln for ln in lines)


@responses.activate
def test_capped_scan_reads_the_backlog_in_later_passes_without_a_gap(tmp_path: Path, engine: Any) -> None:
    t0 = NOW - timedelta(hours=20)

    bumped11 = [t0 + timedelta(hours=5)]

    def serve(req: Any) -> Any:
        n = int(group1(r"page=(\d+)", req.url))
        pages = [[topic_item(11, bumped11[0]), topic_item(12, t0 + timedelta(hours=4))],
                 [topic_item(13, t0 + timedelta(hours=3)), topic_item(14, t0 + timedelta(hours=2))],
                 [topic_item(15, t0 - timedelta(days=10))]]
        return 200, {}, json.dumps(latest(pages[n], more=n < 2, page=n))

    responses.add_callback(responses.GET, f"{BASE}/latest.json", callback=serve)
    for tid in (11, 12, 13, 14):
        responses.get(f"{BASE}/t/{tid}.json", json=topic(tid, f"t{tid}", [post(tid * 10, 1, t0, f"post {tid}")]))
    cfg = make_cfg(tmp_path, max_topics_per_pass=2)

    def topics_read() -> list[int]:
        return [int(group1(r"/t/(\d+)\.json", url(c)))
                for c in responses.calls if "/t/" in url(c)]

    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert topics_read() == [12, 11] and cursor(engine)["backlog"] == (t0 + timedelta(hours=4)).isoformat()
    assert cursor(engine).get("since") is None  # the watermark waits for the backlog
    bumped11[0] = t0 + timedelta(hours=6)  # topic 11 gets a new post meanwhile
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert topics_read() == [12, 11, 14, 13]
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)  # the backlog is empty: the cycle closes
    state = cursor(engine)
    assert state["backlog"] is None and state["since"] == (t0 + timedelta(hours=5)).isoformat()
    run_source(engine, cfg, make_source(cfg), now=lambda: NOW)  # topic 11's new activity is read now
    assert topics_read() == [12, 11, 14, 13, 11]
    assert len(stored(engine)) == 4

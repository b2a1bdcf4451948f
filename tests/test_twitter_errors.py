"""Twitter source: official reply linking with parent look-up, rate limits, retries, auth, budget."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from requests import PreparedRequest
from sqlalchemy import Engine, select

from monitor import pipeline, store
from monitor.config import Config, parse_config
from monitor.linking import link_replies
from monitor.pipeline import run_source
from monitor.usage import usage_lines
from sources.twitter import TwitterSource
from tests.calls import Reply, url
from tests.test_twitter_support import (
    LOOKUP,
    OFFICIAL_ID,
    RECORDED,
    SEARCH,
    TOKEN,
    USERS_BY,
    bounds,
    cursor,
    fixture,
    make_cfg,
    page,
    params,
    recorded,
    runs,
    saved_cursor,
    search_calls,
    tweets,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


def source(cfg: Config, sleeps: list[float] | None = None, index: int = 0) -> TwitterSource:
    src = TwitterSource(cfg.sources[index], cfg)
    src.sleep = (sleeps.append if sleeps is not None else (lambda _s: None))
    return src


def _search_by_query(bodies: dict[str, dict]) -> Callable[[PreparedRequest], Reply]:
    """Serve recent search by query prefix (the mention and the official query differ)."""
    def reply(request: PreparedRequest) -> Reply:
        query = parse_qs(urlsplit(url(request)).query)["query"][0]
        for prefix, body in bodies.items():
            if query.startswith(prefix):
                return 200, {}, json.dumps(body)
        return 200, {}, json.dumps({"meta": {"result_count": 0}})
    return reply


@responses.activate
def test_official_replies_link_and_a_missing_parent_is_looked_up(tmp_path: Path, engine: Engine,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path, officials=["BitpieWallet"], aliases=["比特派"])
    mentions, official = fixture("mentions_page.json"), fixture("official_page.json")
    responses.add(responses.GET, USERS_BY, json=fixture("users_by.json"))
    responses.add_callback(responses.GET, SEARCH, callback=_search_by_query(
        {"(Bitpie OR 比特派": mentions, "from:BitpieWallet": official}))
    responses.add(responses.GET, LOOKUP, json=fixture("lookup_parents.json"))
    caplog.set_level(logging.WARNING)
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    a, c = mentions["data"][2]["id"], mentions["data"][1]["id"]
    r4, r2, r1 = (t["id"] for t in official["data"])
    b = fixture("lookup_parents.json")["data"][0]["id"]
    d = official["data"][0]["referenced_tweets"][0]["id"]
    qs = [p["query"] for p in search_calls(responses.calls)]
    assert qs == ["(Bitpie OR 比特派 OR @BitpieWallet OR to:BitpieWallet) -is:retweet -from:BitpieWallet",
                  "from:BitpieWallet -is:retweet"]
    lookups = [params(call) for call in responses.calls if url(call).startswith(LOOKUP + "?")]
    assert [lk["ids"] for lk in lookups] == [",".join(sorted([b, d]))]  # one batched look-up
    assert any("1 × Not Found Error" in r.getMessage() for r in caplog.records)
    assert cursor(engine, "_officials") == {"ids": {"bitpiewallet": OFFICIAL_ID}}

    with engine.begin() as conn:
        assert link_replies(conn) == 2
        links = {r.reply_id: r for r in conn.execute(select(store.reply_links))}
        posts = {r.post_id: r for r in conn.execute(select(store.posts))}
    assert {k: (v.post_id, v.latency_seconds, v.linked_by) for k, v in links.items()} == {
        r1: (a, 3600.0, "reply_to"), r2: (b, 10800.0, "reply_to")}
    look_alike = mentions["data"][0]
    assert posts[look_alike["id"]].is_official is False  # "BitpieWaIIet" answered carol: never counted
    assert posts[look_alike["id"]].reply_to_id == c
    assert posts[r1].is_official and posts[r1].url == f"https://x.com/BitpieWallet/status/{r1}"
    assert posts[r1].conversation_id == a and posts[r1].raw["in_reply_to_user_id"] == "2001"
    assert posts[b].origin == "parent-lookup" and posts[b].author_handle == "bob"
    assert posts[a].author_name == "Alice 王" and posts[a].lang == "zh"
    assert r4 in posts and d not in posts  # deleted parent: the reply is kept, no link
    assert TOKEN.encode() not in (tmp_path / "store.db").read_bytes()

    responses.calls.reset()  # next poll: idle, ids already resolved, the deleted parent not re-asked
    again = run_source(engine, cfg, source(cfg), now=lambda: NOW + timedelta(minutes=15))
    assert again.requests == 2 and len(responses.calls) == 2
    assert all(url(c).startswith(SEARCH) for c in responses.calls)


@responses.activate
def test_official_ids_from_the_recorded_user_lookup_and_pins(tmp_path: Path, engine: Engine) -> None:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded X API bodies not present at {RECORDED}")

    def cfg_with(accounts: list[dict[str, str]]) -> Config:
        return parse_config({"brand": {"names": ["API"]}, "official_accounts": accounts,
                             "sources": [{"type": "twitter", "name": "x"}]}, tmp_path, env={})

    pinned = {"platform": "twitter", "handle": "BitpieWallet", "user_id": OFFICIAL_ID}
    cfg = cfg_with([{"platform": "twitter", "handle": "Twitter"},
                    {"platform": "twitter", "handle": "TwitterDev"}, pinned])
    responses.add(responses.GET, USERS_BY, json=recorded("get_users.json"))
    by = {a: tweets(NOW - timedelta(minutes=i + 1), 1, author=a)[0]
          for i, a in enumerate(["783214", "2244994945", OFFICIAL_ID, "42"])}
    responses.add(responses.GET, SEARCH, json=page(list(by.values())))
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    assert run_source(engine, cfg, source(cfg), now=lambda: NOW).status == "ok"
    assert params(responses.calls[0])["usernames"] == "Twitter,TwitterDev"  # the pinned one is not asked
    assert saved_cursor(engine, "_officials")["ids"] == {"twitter": "783214", "twitterdev": "2244994945"}

    def official() -> dict[str, bool]:
        with engine.connect() as conn:
            rows = conn.execute(select(store.posts.c.author_id, store.posts.c.is_official)).all()
        return dict(rows)

    assert official() == {"783214": True, "2244994945": True, OFFICIAL_ID: True, "42": False}
    # TwitterDev dropped from the config: its stored id must stop counting, with no new look-up
    cfg = cfg_with([{"platform": "twitter", "handle": "Twitter"}, pinned])
    responses.calls.reset()
    responses.replace(responses.GET, SEARCH, json=page([by["2244994945"]]))
    with engine.begin() as conn:
        conn.execute(store.posts.delete())
        store.save_cursors(conn, "x", {k: None for k in store.load_cursors(conn, "x") if k != "_officials"})
    assert run_source(engine, cfg, source(cfg), now=lambda: NOW).status == "ok"
    assert all(url(c).startswith(SEARCH) for c in responses.calls)
    assert official() == {"2244994945": False}


@responses.activate
def test_rate_limit_skips_until_reset_while_the_other_source_runs(tmp_path: Path, engine: Engine,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    other = {"type": "twitter", "name": "x-zh", "languages": ["zh"], "max_retries": 1}
    cfg = make_cfg(tmp_path, languages=["en"], extra_sources=[other])
    reset = int(time.time()) + 900

    def reply(request: PreparedRequest) -> Reply:
        if "lang%3Aen" in url(request):
            return 429, {"x-rate-limit-reset": str(reset), "x-rate-limit-remaining": "0"}, json.dumps(
                {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429})
        return 200, {}, json.dumps(page(tweets(datetime.now(UTC) - timedelta(minutes=3), 2)))

    responses.add_callback(responses.GET, SEARCH, callback=reply)
    # detection is another module's business; the pass here is collect + linking only
    monkeypatch.setattr(pipeline, "post_process", lambda e, c: {"linked": 0})
    first = {r.source: r for r in pipeline.collect(engine, cfg)}
    assert first["x"].status == "skipped" and first["x"].error is not None
    assert "rate limit" in first["x"].error and not first["x"].failed
    assert first["x"].requests == 1  # the 429 itself is accounted
    assert first["x-zh"].status == "ok" and first["x-zh"].new == 2
    state = saved_cursor(engine, "_state")
    assert datetime.fromisoformat(state["skip_until"]) == datetime.fromtimestamp(reset, UTC)

    responses.calls.reset()
    second = {r.source: r for r in pipeline.collect(engine, cfg)}
    assert second["x"].status == "skipped" and second["x"].error is not None
    assert "rate limited until" in second["x"].error
    assert all("lang%3Aen" not in url(c) for c in responses.calls)  # no request for x at all
    assert second["x-zh"].status == "ok"


@responses.activate
def test_server_errors_are_retried_with_backoff_then_given_up(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path, max_retries=3)
    for _ in range(4):
        responses.add(responses.GET, SEARCH, status=503, json={"title": "Service Unavailable"})
    sleeps: list[float] = []
    res = run_source(engine, cfg, source(cfg, sleeps), now=lambda: NOW)
    assert res.status == "error"
    assert res.error == ("x: X API recent search failed 4 times (HTTP 503); giving up for this pass, "
                         "the next pass resumes")
    assert len(responses.calls) == 4 and res.requests == 4
    assert [int(s) for s in sleeps] == [2, 4, 8]  # exponential, plus up to 1 s of jitter each
    assert all(s % 1 for s in sleeps)
    assert runs(engine)[-1]["error"] == res.error


@responses.activate
def test_a_503_then_success_keeps_the_page(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    responses.add(responses.GET, SEARCH, status=503)
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 3)))
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert (res.status, res.new, res.requests) == ("ok", 3, 2)


@responses.activate
def test_401_is_one_line_naming_the_variable_never_the_token(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    responses.add(responses.GET, SEARCH, status=401, json={
        "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"})
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "error" and res.error is not None and "\n" not in res.error
    assert "401" in res.error and "X_BEARER_TOKEN" in res.error and TOKEN not in res.error


@responses.activate
def test_403_names_the_access_tier(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    responses.add(responses.GET, SEARCH, status=403, json={
        "client_id": "123", "title": "Client Forbidden", "reason": "client-not-enrolled",
        "required_enrollment": "Appropriate Level of API Access",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must use keys and "
                  "tokens from a Twitter developer App that is attached to a Project.",
        "type": "https://api.twitter.com/2/problems/client-forbidden"})
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.error is not None
    assert "403" in res.error and "access tier" in res.error and "attached to a Project" in res.error


def test_missing_token_variable_is_named_and_nothing_is_sent(tmp_path: Path, engine: Engine,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("X_BEARER_TOKEN")
    cfg = make_cfg(tmp_path)
    with responses.RequestsMock() as mock:
        res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
        assert len(mock.calls) == 0
    assert res.error == ("x: environment variable X_BEARER_TOKEN is not set: put the X app's Bearer Token "
                         "there (sources.*.bearer_token_env names the variable)")


@responses.activate
def test_partial_errors_in_a_200_are_logged_and_the_page_kept(tmp_path: Path, engine: Engine,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    body = page(tweets(NOW - timedelta(minutes=1), 2))
    body["errors"] = [{"title": "Authorization Error", "resource_type": "user", "value": "4004",
                       "detail": "Sorry, you are not authorized to see the user with id: [4004]."}]
    responses.add(responses.GET, SEARCH, json=body)
    caplog.set_level(logging.WARNING)
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert (res.status, res.new) == ("ok", 2)
    assert any("1 × Authorization Error" in r.getMessage() for r in caplog.records)


@responses.activate
def test_budget_stops_before_it_is_exceeded(tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    now = store.now_utc()  # month_usage reads run rows stamped with the real clock
    cfg = make_cfg(tmp_path, monthly_read_budget=250)
    earlier = store.start_run(engine, "x")
    with engine.begin() as conn:
        store.add_run_usage(conn, earlier, fetched=100, new=100, requests=1)
    store.finish_run(engine, earlier, status="ok")
    data = tweets(now - timedelta(minutes=1), 150, step_s=5)
    responses.add(responses.GET, SEARCH, json=page(data[:100], "tok-1"))
    responses.add(responses.GET, SEARCH, json=page(data[100:], "tok-2"))
    with caplog.at_level("WARNING"):
        res = run_source(engine, cfg, source(cfg), now=lambda: now)
    # Reaching the budget is the source doing its job: a warning, not a failed run (cron stays quiet).
    assert res.status == "ok" and not res.failed
    assert any("monthly_read_budget 250 reached (250 posts read" in r.getMessage() for r in caplog.records)
    assert [bounds(c)["max_results"] for c in search_calls(responses.calls)] == ["100", "50"]
    with engine.connect() as conn:
        assert store.month_usage(conn, "x", now)["posts_read"] == 250
    assert saved_cursor(engine, "Bitpie -is:retweet")["pending"]["next_token"] == "tok-2"
    responses.calls.reset()
    again = run_source(engine, cfg, source(cfg), now=lambda: now)
    assert again.status == "skipped" and len(responses.calls) == 0
    assert "monthly_read_budget reached until" in (again.error or "")
    line = usage_lines(engine, cfg, now)
    assert line == [f"x: 250 posts read, 3 requests in {now:%Y-%m} (UTC); budget 250 (100% used, 0 left)"]


@responses.activate
def test_changed_keywords_drop_the_old_cursor_and_no_bar_off_a_terminal(tmp_path: Path, engine: Engine,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    cfg = make_cfg(tmp_path)
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {"0123456789abcdef": {"query": "Bitpei -is:retweet", "since_id": "5"},
                                       "_state": {"note": "pipeline's own"}})
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 3)))
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW, progress=True)
    assert res.status == "ok"
    assert cursor(engine, "0123456789abcdef") is None and cursor(engine, "_state") == {"note": "pipeline's own"}
    assert saved_cursor(engine, "Bitpie -is:retweet")["since_id"]
    assert "posts" not in capsys.readouterr().err  # tqdm stays silent when stderr is not a TTY


@responses.activate
def test_a_pass_killed_mid_pagination_still_counts_what_it_read(tmp_path: Path, engine: Engine) -> None:
    now = store.now_utc()  # month_usage reads run rows stamped with the real clock
    cfg = make_cfg(tmp_path, monthly_read_budget=1000)
    served = iter([page(tweets(now - timedelta(minutes=1), 100, step_s=2), "tok-1")])

    def reply(request: PreparedRequest) -> Reply:
        body = next(served, None)
        if body is None:
            raise KeyboardInterrupt  # the operator's Ctrl-C (or a kill) between two pages
        return 200, {}, json.dumps(body)

    responses.add_callback(responses.GET, SEARCH, callback=reply)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, source(cfg), now=lambda: now)
    assert runs(engine)[-1]["status"] == "running"
    with engine.connect() as conn:
        assert store.month_usage(conn, "x", now) == {"posts_read": 100, "requests": 1}
    assert saved_cursor(engine, "Bitpie -is:retweet")["pending"]["next_token"] == "tok-1"

"""Twitter source: queries, pagination, resume without re-read or gap, cursors only after commit."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
import responses
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

from monitor import store
from monitor.errors import ConfigError
from monitor.pipeline import run_source
from monitor.records import Post, query_key
from sources.base import SourceContext
from sources.twitter_query import planned_queries, snowflake_time
from tests.test_twitter_support import (
    RECORDED,
    SEARCH,
    TOKEN,
    bounds,
    cursor,
    make_cfg,
    page,
    recorded,
    runs,
    saved_cursor,
    search_calls,
    snowflake,
    source,
    stored_ids,
    tweets,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


# --- queries -------------------------------------------------------------------------------------

ALIASES = ["比特派", "比特派钱包", "Bitpie Wallet", "bitpie.com", "#Bitpie", "BitpieWallet app",
           "比特派客服", "bitpie support", "Bitpie提币", "bitpie swap", "比特派交易所", "bitpie exchange"]


def test_queries_split_at_the_cap_each_term_once(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, officials=["BitpieWallet"], aliases=ALIASES, languages=["en", "zh"],
                   exclude_terms=["airdrop", "giveaway"], query_max_length=260)
    qs = planned_queries(cfg, cfg.sources[0])
    mentions, official = qs[:-1], qs[-1]
    assert len(mentions) > 1
    assert all(len(q) <= 260 for q in qs)
    suffix = " -is:retweet (lang:en OR lang:zh) -airdrop -giveaway -from:BitpieWallet"
    groups: list[list[str]] = []
    for q in mentions:
        core, rest = q.split(suffix)
        # Each split query excludes every term of the queries before it: they partition the stream.
        assert rest == "".join(f" -{t}" for g in groups for t in g)
        groups.append(core.removeprefix("(").removesuffix(")").split(" OR "))
    sent = [t for g in groups for t in g]
    expected = ["Bitpie", "比特派", "比特派钱包", '"Bitpie Wallet"', "bitpie.com", "#Bitpie",
                '"BitpieWallet app"', "比特派客服", '"bitpie support"', "Bitpie提币", '"bitpie swap"',
                "比特派交易所", '"bitpie exchange"', "@BitpieWallet", "to:BitpieWallet"]
    assert sent == expected  # every term exactly once, in config order
    assert official == "from:BitpieWallet -is:retweet"
    # distinct queries -> distinct cursors
    assert len({query_key(q) for q in qs}) == len(qs)


def test_a_term_that_cannot_fit_names_the_setting(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, aliases=["x" * 70], query_max_length=64)
    with pytest.raises(ConfigError, match=r"^sources\[0\]\.query_max_length: the term"):
        planned_queries(cfg, cfg.sources[0])


@responses.activate
def test_describe_and_dry_run_send_nothing(tmp_path: Path) -> None:
    cfg = make_cfg(tmp_path, officials=["BitpieWallet"])
    src = source(cfg)
    lines = src.describe()
    assert "$X_BEARER_TOKEN" in lines[0]
    assert any("[official] from:BitpieWallet -is:retweet" in line for line in lines)
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: NOW, dry_run=True)
    assert list(src.fetch(ctx)) == []
    assert len(responses.calls) == 0


# --- pagination ------------------------------------------------------------------------------------

@responses.activate
def test_multipage_pass_on_the_recorded_body_then_idle_poll(tmp_path: Path, engine: Engine) -> None:
    if not RECORDED.is_dir():
        pytest.skip(f"recorded X API bodies not present at {RECORDED}")
    first = recorded("search_recent_tweets.json")  # real page: 10 tweets, a next_token, no created_at
    oldest = snowflake_time(first["meta"]["oldest_id"])
    rest = tweets(oldest - timedelta(minutes=2), 5, step_s=120, text="2022 tweepy older {i}")
    responses.add(responses.GET, SEARCH, json=first)
    responses.add(responses.GET, SEARCH, json=page(rest))
    cfg = make_cfg(tmp_path, names=["Tweepy"])
    now = datetime(2022, 10, 8, 0, 0, tzinfo=UTC)
    res = run_source(engine, cfg, source(cfg), now=lambda: now)
    assert (res.status, res.fetched, res.new, res.requests) == ("ok", 15, 15, 2)
    calls = search_calls(responses.calls)
    assert [bounds(c) for c in calls] == [
        {"start_time": "2022-10-07T00:00:00Z", "max_results": "100"},
        {"start_time": "2022-10-07T00:00:00Z", "max_results": "100", "next_token": first["meta"]["next_token"]},
    ]
    assert calls[0]["query"] == "Tweepy -is:retweet" and calls[0]["sort_order"] == "recency"
    assert "conversation_id" in calls[0]["tweet.fields"] and calls[0]["expansions"] == "author_id"
    state = saved_cursor(engine, "Tweepy -is:retweet")
    assert state["since_id"] == "1578516068309794817" and state["pending"] is None
    # the recorded tweets lack created_at: the id's timestamp must match the time written in the text
    with engine.connect() as conn:
        row = conn.execute(store.posts.select().where(store.posts.c.post_id == "1578516068309794817")).one()
    assert abs((row.created_at - datetime(2022, 10, 7, 22, 42, 12, tzinfo=UTC)).total_seconds()) < 1
    assert row.url == "https://x.com/i/web/status/1578516068309794817"

    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    idle = run_source(engine, cfg, source(cfg), now=lambda: now + timedelta(minutes=15))
    assert (idle.status, idle.requests, idle.fetched) == ("ok", 1, 0)
    assert bounds(search_calls(responses.calls)[-1]) == {"since_id": "1578516068309794817", "max_results": "100"}


def _three_pages() -> tuple[list[list[dict]], list[dict]]:
    data = tweets(NOW - timedelta(minutes=5), 8, step_s=300)
    pages = [data[:3], data[3:6], data[6:]]
    return pages, [page(pages[0], "tok-1"), page(pages[1], "tok-2"), page(pages[2])]


@responses.activate
def test_interrupted_pass_resumes_at_the_next_page_without_reread_or_gap(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    old_since = snowflake(NOW - timedelta(hours=1))
    with engine.begin() as conn:  # an earlier pass covered everything up to old_since
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "kind": "mentions", "since_id": old_since}})
    pages, bodies = _three_pages()
    responses.add(responses.GET, SEARCH, json=bodies[0])
    responses.add(responses.GET, SEARCH, json=bodies[1])
    responses.add(responses.GET, SEARCH, body=requests.ConnectionError("connection reset"))
    responses.add(responses.GET, SEARCH, body=requests.ConnectionError("connection reset"))
    first = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert first.status == "error" and first.error is not None
    assert "failed 2 times (connection error reaching api.x.com" in first.error
    assert first.requests == 4  # two pages plus the two failed attempts are accounted
    mid = saved_cursor(engine, q)
    assert mid["since_id"] == old_since  # since_id waits for the last page
    assert mid["pending"]["next_token"] == "tok-2" and mid["pending"]["newest_id"] == pages[0][0]["id"]
    assert len(stored_ids(engine)) == 6

    responses.reset()
    responses.add(responses.GET, SEARCH, json=bodies[2])
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    second = run_source(engine, cfg, source(cfg), now=lambda: NOW + timedelta(minutes=15))
    assert second.status == "ok"
    # the rest of the interrupted pass, then the catch-up above its newest post
    assert [bounds(c) for c in search_calls(responses.calls)] == [
        {"since_id": old_since, "next_token": "tok-2", "max_results": "100"},
        {"since_id": pages[0][0]["id"], "max_results": "100"}]
    assert stored_ids(engine) == sorted(t["id"] for p in pages for t in p)
    assert sum(r["fetched"] for r in runs(engine)) == 8  # every post read exactly once
    done = saved_cursor(engine, q)
    assert done["since_id"] == pages[0][0]["id"] and done["pending"] is None


@responses.activate
def test_expired_next_token_resumes_with_until_id(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    pages, bodies = _three_pages()
    old_since = snowflake(NOW - timedelta(hours=1))
    pending = {"lower": {"since_id": old_since}, "newest_id": pages[0][0]["id"],
               "oldest_id": pages[1][-1]["id"], "next_token": "tok-2"}
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "since_id": old_since,
                                                      "pending": pending}})
    responses.add(responses.GET, SEARCH, status=400, json={
        "errors": [{"parameters": {"next_token": ["tok-2"]}, "message": "The `next_token` query parameter "
                    "value [tok-2] is not valid for this request."}], "title": "Invalid Request"})
    responses.add(responses.GET, SEARCH, json=bodies[2])
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    assert [bounds(c) for c in search_calls(responses.calls)] == [
        {"since_id": old_since, "next_token": "tok-2", "max_results": "100"},
        {"since_id": old_since, "until_id": pages[1][-1]["id"], "max_results": "100"},
        {"since_id": pages[0][0]["id"], "max_results": "100"}]
    assert saved_cursor(engine, q)["since_id"] == pages[0][0]["id"]


@responses.activate
def test_since_id_moves_only_after_the_commit(tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    seed = {"query": q, "kind": "mentions", "since_id": snowflake(NOW - timedelta(hours=1))}
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): seed})
    data = tweets(NOW - timedelta(minutes=1), 4)
    responses.add(responses.GET, SEARCH, json=page(data))
    real_upsert = store.upsert_posts

    def disk_full(conn: Connection, items: Sequence[Post]) -> int:
        if items:
            raise OperationalError("INSERT INTO posts", {}, Exception("database or disk is full"))
        return real_upsert(conn, items)

    monkeypatch.setattr(store, "upsert_posts", disk_full)
    failed = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert failed.status == "error" and failed.error is not None and "disk is full" in failed.error
    assert cursor(engine, q) == seed and stored_ids(engine) == []

    monkeypatch.setattr(store, "upsert_posts", real_upsert)
    ok = run_source(engine, cfg, source(cfg), now=lambda: NOW + timedelta(minutes=1))
    assert ok.status == "ok" and ok.new == 4
    calls = search_calls(responses.calls)
    # the same range is asked again, nothing skipped
    assert bounds(calls[0]) == bounds(calls[1]) == {"since_id": seed["since_id"], "max_results": "100"}
    assert saved_cursor(engine, q)["since_id"] == data[0]["id"]


# --- window and backfill -------------------------------------------------------------------------------

@responses.activate
def test_gap_beyond_seven_days_is_reported_with_its_size(tmp_path: Path, engine: Engine,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    last = NOW - timedelta(days=9)
    with engine.begin() as conn:
        conn.execute(store.runs.insert().values(source="x", started_at=last, finished_at=last, status="ok"))
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "since_id": tweets(last, 1)[0]["id"]}})
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "ok"
    sent = bounds(search_calls(responses.calls)[0])
    assert "since_id" not in sent and sent["start_time"] == "2026-11-18T12:01:00Z"
    gaps = [r.getMessage() for r in caplog.records if "gap" in r.getMessage()]
    assert any("about 48 hours" in g for g in gaps), gaps


@responses.activate
def test_backfill_reads_only_the_range_before_the_floor_once(tmp_path: Path, engine: Engine,
                                                             caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    floor = "2026-11-24T12:00:00+00:00"
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "since_id": "2125000000000000000",
                                                      "floor": floor}})
    older = tweets(NOW - timedelta(days=2), 3, step_s=3600)
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})  # forward: nothing new
    responses.add(responses.GET, SEARCH, json=page(older))
    since = datetime(2026, 11, 21, tzinfo=UTC)
    res = run_source(engine, cfg, source(cfg), since=since, now=lambda: NOW)
    assert res.status == "ok" and res.new == 3
    assert [bounds(c) for c in search_calls(responses.calls)] == [
        {"since_id": "2125000000000000000", "max_results": "100"},
        {"start_time": "2026-11-21T00:00:00Z", "end_time": "2026-11-24T12:00:00Z", "max_results": "100"}]
    assert saved_cursor(engine, q)["floor"] == "2026-11-21T00:00:00+00:00"
    responses.calls.reset()
    again = run_source(engine, cfg, source(cfg), since=since, now=lambda: NOW)
    assert again.requests == 1  # the forward poll only: the backfilled range is not read twice
    # asking for more than recent search holds: one clear line, and only the missing part is read
    caplog.set_level(logging.WARNING)
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    far = run_source(engine, cfg, source(cfg), since=datetime(2026, 11, 1, tzinfo=UTC), now=lambda: NOW)
    assert far.status == "ok"
    assert bounds(search_calls(responses.calls)[-1]) == {
        "start_time": "2026-11-18T12:01:00Z", "end_time": "2026-11-21T00:00:00Z", "max_results": "100"}
    assert any("--since 2026-11-01 00:00 UTC is before recent search's 7-day window" in r.getMessage()
               for r in caplog.records)


@responses.activate
def test_pass_interrupted_before_the_window_moved_resumes_inside_it(tmp_path: Path, engine: Engine,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = "Bitpie -is:retweet"
    oldest = snowflake(NOW - timedelta(days=6))
    pending = {"lower": {"start_time": "2026-11-17T09:00:00Z"}, "newest_id": snowflake(NOW - timedelta(days=5)),
               "oldest_id": oldest, "next_token": "tok-stale"}
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "floor": "2026-11-17T09:00:00+00:00",
                                                      "pending": pending}})
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(days=6, minutes=1), 2)))
    responses.add(responses.GET, SEARCH, json={"meta": {"result_count": 0}})
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    assert [bounds(c) for c in search_calls(responses.calls)] == [
        {"start_time": "2026-11-18T12:01:00Z", "until_id": oldest, "max_results": "100"},
        {"since_id": pending["newest_id"], "max_results": "100"}]
    state = saved_cursor(engine, q)
    assert state["since_id"] == pending["newest_id"] and state["floor"] == "2026-11-18T12:01:00+00:00"
    assert any("cannot be collected" in r.getMessage() for r in caplog.records)

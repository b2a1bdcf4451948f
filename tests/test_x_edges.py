"""The X collector's edges as X serves them: long posts, truncated bodies, planned skips, status,
query-length rejections, quiet queries, edited keywords, a failed first backfill, split queries."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import responses
from requests import PreparedRequest
from sqlalchemy import Engine

from monitor import pipeline, store
from monitor.checks import _state_sentence
from monitor.pipeline import run_source
from monitor.records import query_key
from sources.twarc import Officials, tweet_to_post
from sources.twitter_api import to_post
from sources.twitter_query import carry_over, planned_queries
from tests.calls import Reply, url
from tests.test_twitter_support import (
    SEARCH,
    TOKEN,
    USERS_BY,
    cursor,
    make_cfg,
    page,
    runs,
    saved_cursor,
    search_calls,
    snowflake,
    source,
    tweets,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("X_BEARER_TOKEN", TOKEN)


LONG = ("I have been waiting for Bitpie to reply for a very long time now and I keep writing the same "
        "thing over and over again because nobody answers; the app says pending, the chain says pending, "
        "everything says pending and honestly I am running out of patience with all of this nonsense. "
        "客服五天都不回复，工单也没人处理")


# KIND: a long post whose text X cuts (~270 chars) with the whole text in note_tweet.
@pytest.mark.parametrize(("tweet", "expected"), [
    ({"id": "1", "text": LONG[:270] + "…", "note_tweet": {"text": LONG}}, LONG),
    ({"id": "2", "text": "short", "note_tweet": {"text": "short", "entities": {}}}, "short"),
    ({"id": "3", "text": "no note"}, "no note"),
    ({"id": "4", "text": "empty note", "note_tweet": {"text": "  "}}, "empty note"),
    ({"id": "5", "text": "odd note", "note_tweet": "not an object"}, "odd note"),
])
def test_long_posts_store_note_tweet_text_live_and_imported(tweet: dict, expected: str) -> None:
    tweet = {**tweet, "created_at": "2026-11-20T09:30:00.000Z", "author_id": "7"}
    assert to_post(tweet, {}, set(), "q").text == expected
    assert tweet_to_post(tweet, {}, platform="twitter", officials=Officials(frozenset(), frozenset())).text == expected


# KIND: X escapes & < > in post text (&amp; &lt; &gt;); the store keeps what the author typed, once.
@pytest.mark.parametrize(("tweet", "expected"), [
    ({"id": "6", "text": "no reply &amp; no refund &lt;3 days&gt;"}, "no reply & no refund <3 days>"),
    ({"id": "7", "text": "I typed &amp;lt; literally"}, "I typed &lt; literally"),
    ({"id": "8", "text": "cut…", "note_tweet": {"text": "long one: support &amp; sales both silent"}},
     "long one: support & sales both silent"),
    ({"id": "9", "text": "R&D &copy and &#39; stay as typed"}, "R&D &copy and &#39; stay as typed"),
])
def test_x_html_escapes_are_undone_live_and_imported(tweet: dict, expected: str) -> None:
    tweet = {**tweet, "created_at": "2026-11-20T09:30:00.000Z", "author_id": "7"}
    assert to_post(tweet, {}, set(), "q").text == expected
    assert tweet_to_post(tweet, {}, platform="twitter", officials=Officials(frozenset(), frozenset())).text == expected


@responses.activate
def test_live_search_asks_for_note_tweet(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 1)))
    run_source(engine, cfg, source(cfg), now=lambda: NOW)
    fields = search_calls(responses.calls)[0]["tweet.fields"].split(",")
    assert "note_tweet" in fields and "edit_history_tweet_ids" in fields


# KIND: a 200 whose body is not whole JSON -> retried like a 5xx, then one line; every attempt counted.
@pytest.mark.parametrize("body", ['{"data": [{"id": "1", "te', "", '{"data": ', "<html>502</html>"])
@responses.activate
def test_truncated_200_is_retried_then_one_line(tmp_path: Path, engine: Engine, body: str) -> None:
    cfg = make_cfg(tmp_path, max_retries=2)
    for _ in range(3):
        responses.add(responses.GET, SEARCH, body=body, status=200, content_type="application/json")
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "error" and res.error is not None
    assert "\n" not in res.error and "truncated JSON body" in res.error
    assert res.requests == 3 and runs(engine)[-1]["requests"] == 3


@responses.activate
def test_truncated_200_then_good_page_keeps_the_page(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    responses.add(responses.GET, SEARCH, body='{"data": [', status=200, content_type="application/json")
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 2)))
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert (res.status, res.new, res.requests) == ("ok", 2, 2)


@responses.activate
def test_rate_limit_is_a_planned_skip_and_collect_exits_0(tmp_path: Path, engine: Engine,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from monitor.cli import cli

    conf = tmp_path / "c.yaml"
    conf.write_text("brand:\n  names: [Bitpie]\ndata_dir: data\nsources:\n  - {type: twitter, name: x}\n")
    responses.add(responses.GET, SEARCH, status=429, json={"title": "Too Many Requests"},
                  headers={"x-rate-limit-reset": str(int(NOW.timestamp()) + 900)})
    res = CliRunner().invoke(cli, ["--config", str(conf), "collect"])
    assert res.exit_code == 0, res.output
    assert len(responses.calls) == 1  # the 429 was met, and the pass still ends with exit 0


@pytest.mark.parametrize(("state", "expected"), [
    ({"skip_until": (NOW - timedelta(days=3)).isoformat(), "skip_why": "rate limited"}, None),
    ({"skip_until": (NOW + timedelta(minutes=9)).isoformat(), "skip_why": "rate limited"},
     "skipped until 2026-11-25 12:09Z (rate limited); no action needed"),
    ({"skip_until": (NOW + timedelta(days=6)).isoformat(), "skip_why": "monthly_read_budget reached"},
     "skipped until 2026-12-01 12:00Z (monthly_read_budget reached); no action needed"),
    ({"disabled": "HTTP 410 Gone"}, "disabled: HTTP 410 Gone; fix the cause, then run `mention-monitor reset x`"),
    ({}, None),
])
def test_status_says_a_skip_as_a_sentence_or_not_at_all(state: dict, expected: str | None) -> None:
    got = _state_sentence("x", state, NOW)
    assert got == expected
    assert got is None or "{" not in got


@responses.activate
def test_query_too_long_names_the_setting_and_official_queries_still_run(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path, officials=["BitpieWallet"], query_max_length=4096)
    responses.add(responses.GET, USERS_BY, json={"data": [{"id": "1000000001", "username": "BitpieWallet"}]})

    def reply(request: PreparedRequest) -> Reply:
        if "from%3ABitpieWallet+-is" in url(request) or "query=from%3ABitpieWallet" in url(request):
            return 200, {}, json.dumps(page(tweets(NOW - timedelta(minutes=2), 1, author="1000000001")))
        return 400, {}, json.dumps({"errors": [{"message": "There were errors processing your request: "
                                               "Query length (600) exceeds maximum (512)"}],
                                    "title": "Invalid Request", "detail": "One or more parameters to "
                                    "your request was invalid.", "type": "about:blank"})

    responses.add_callback(responses.GET, SEARCH, callback=reply)
    res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "error" and res.error is not None and "sources[0].query_max_length" in res.error
    assert "'mentions (Bitpie …)'" in res.error
    assert res.new == 1  # the official query ran


@responses.activate
def test_quiet_query_warns_of_no_gap(tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = planned_queries(cfg, cfg.sources[0])[0]
    old_id = snowflake(NOW - timedelta(days=9))
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "kind": "mentions", "since_id": old_id,
                                                      "covered_to": (NOW - timedelta(minutes=15)).isoformat()}})
    responses.add(responses.GET, SEARCH, json=page([]))
    with caplog.at_level(logging.WARNING):
        res = run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert res.status == "ok"
    assert not [r for r in caplog.records if "gap" in r.getMessage()]
    sent = search_calls(responses.calls)[0]
    assert "since_id" not in sent and sent["start_time"] == "2026-11-25T11:45:00Z"


@responses.activate
def test_real_gap_is_named_by_label_not_hash(tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = planned_queries(cfg, cfg.sources[0])[0]
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "kind": "mentions",
                                                      "since_id": snowflake(NOW - timedelta(days=9)),
                                                      "covered_to": (NOW - timedelta(days=9)).isoformat()}})
    responses.add(responses.GET, SEARCH, json=page([]))
    with caplog.at_level(logging.WARNING):
        run_source(engine, cfg, source(cfg), now=lambda: NOW)
    [gap] = [r.getMessage() for r in caplog.records if "gap" in r.getMessage()]
    assert "'mentions (Bitpie …)'" in gap and query_key(q) not in gap


# KIND: keyword edits -> the new query continues where the old one stopped.
@pytest.mark.parametrize(("old_state", "expected"), [
    ({"since_id": snowflake(NOW - timedelta(hours=2))}, {"since_id": snowflake(NOW - timedelta(hours=2))}),
    ({"since_time": "2026-11-25T09:00:00+00:00"}, {"since_time": "2026-11-25T09:00:00+00:00"}),
    # an unfinished pagination: restart from its lower bound (its token belongs to the old query)
    ({"since_id": snowflake(NOW - timedelta(hours=1)),
      "pending": {"lower": {"since_id": snowflake(NOW - timedelta(hours=5))}, "next_token": "t"}},
     {"since_id": snowflake(NOW - timedelta(hours=5))}),
    ({"pending": {"lower": {"start_time": "2026-11-22T00:00:00Z"}, "next_token": "t"}},
     {"since_time": "2026-11-22T00:00:00+00:00"}),
])
def test_carry_over_takes_the_old_position(old_state: dict, expected: dict) -> None:
    got = carry_over([{"query": "old", "kind": "mentions", **old_state}])
    assert got is not None and {k: got[k] for k in expected} == expected and got["pending"] is None


def test_carry_over_of_several_takes_the_oldest() -> None:
    a = {"since_id": snowflake(NOW - timedelta(hours=2))}
    b = {"since_time": "2026-11-25T06:00:00+00:00"}
    got = carry_over([a, b])
    assert got is not None and got["since_time"] == "2026-11-25T06:00:00+00:00"
    assert carry_over([{"query": "x"}]) is None


@responses.activate
def test_edited_keywords_continue_from_the_old_cursor(tmp_path: Path, engine: Engine,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    old_cfg = make_cfg(tmp_path)
    old_q = planned_queries(old_cfg, old_cfg.sources[0])[0]
    since = snowflake(NOW - timedelta(hours=3))
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(old_q): {"query": old_q, "kind": "mentions", "since_id": since}})
    cfg = make_cfg(tmp_path, aliases=["比特派"])
    new_q = planned_queries(cfg, cfg.sources[0])[0]
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 2)))
    with caplog.at_level(logging.WARNING):
        run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert search_calls(responses.calls)[0]["since_id"] == since  # not 24 h back
    assert cursor(engine, old_q) is None and saved_cursor(engine, new_q)["since_id"] != since
    assert len([r for r in caplog.records if "keywords changed" in r.getMessage()]) == 1


@responses.activate
def test_first_backfill_survives_a_429_on_the_first_request(tmp_path: Path, engine: Engine) -> None:
    cfg = make_cfg(tmp_path)
    q = planned_queries(cfg, cfg.sources[0])[0]
    since = NOW - timedelta(days=5)
    responses.add(responses.GET, SEARCH, status=429, json={"title": "Too Many Requests"},
                  headers={"x-rate-limit-reset": str(int(NOW.timestamp()) + 60)})
    first = run_source(engine, cfg, source(cfg), since=since, now=lambda: NOW)
    assert first.status == "skipped"
    assert saved_cursor(engine, q)["requested_since"] == since.isoformat()
    # The next plain pass (after the reset, no --since) still starts at D, not 24 h back.
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {pipeline.STATE_KEY: None})
    responses.add(responses.GET, SEARCH, json=page(tweets(NOW - timedelta(minutes=1), 1)))
    later = NOW + timedelta(minutes=2)
    run_source(engine, cfg, source(cfg), now=lambda: later)
    assert search_calls(responses.calls)[-1]["start_time"] == "2026-11-20T12:00:00Z"


def test_split_queries_partition_the_stream(tmp_path: Path) -> None:
    """A post matching any terms is matched by exactly one split query (evaluated like X's OR/-)."""
    aliases = ["比特派", "Bitpie Wallet", "bitpie.com", "#Bitpie", "比特派客服", "bitpie support"]
    cfg = make_cfg(tmp_path, officials=["BitpieWallet"], aliases=aliases, query_max_length=140)
    qs = [q for q in planned_queries(cfg, cfg.sources[0]) if not q.startswith("from:")]
    assert len(qs) >= 2
    terms_by_query = []
    for q in qs:
        core = q.split(" -is:retweet")[0].removeprefix("(").removesuffix(")")
        terms_by_query.append(core.split(" OR "))
    all_terms = [t for ts in terms_by_query for t in ts]

    def matches(i: int, present: set[str]) -> bool:
        earlier = {t for ts in terms_by_query[:i] for t in ts}
        return bool(present & set(terms_by_query[i])) and not present & earlier

    for a in all_terms:
        for b in all_terms:  # every post naming one or two terms, e.g. "@BitpieWallet" + "to:BitpieWallet"
            present = {a, b}
            assert sum(matches(i, present) for i in range(len(qs))) == 1, present


@responses.activate
def test_quiet_query_saved_before_covered_to_uses_the_last_ok_pass(tmp_path: Path, engine: Engine,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    cfg = make_cfg(tmp_path)
    q = planned_queries(cfg, cfg.sources[0])[0]
    with engine.begin() as conn:
        store.save_cursors(conn, "x", {query_key(q): {"query": q, "kind": "mentions",
                                                      "since_id": snowflake(NOW - timedelta(days=9))}})
        key = conn.execute(store.runs.insert().values(
            source="x", started_at=NOW - timedelta(minutes=20), finished_at=NOW - timedelta(minutes=15),
            status="ok")).inserted_primary_key
    assert key is not None and key[0]
    responses.add(responses.GET, SEARCH, json=page([]))
    with caplog.at_level(logging.WARNING):
        run_source(engine, cfg, source(cfg), now=lambda: NOW)
    assert not [r for r in caplog.records if "gap" in r.getMessage()]
    assert search_calls(responses.calls)[0]["start_time"] == "2026-11-25T10:45:00Z"

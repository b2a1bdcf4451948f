"""Edited X posts: one mention, one complaint, answered by a reply to any version, in any order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select

from monitor import store
from monitor.config import Config
from monitor.edits import edit_chain
from monitor.pipeline import post_process
from monitor.records import Post
from tests.pg import pg_schema_url
from tests.test_twitter_support import snowflake

T1 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
V1, V2, V3 = (snowflake(T1 + timedelta(minutes=m)) for m in (0, 4, 9))
CHAINS = {V1: [V1], V2: [V1, V2], V3: [V1, V2, V3]}
TEXT = {V1: "@BitpieWallet 提币三天没到账，客服也不回复", V2: "@BitpieWallet 提币三天没到账，客服三天都不回复！！",
        V3: "@BitpieWallet withdrawal stuck 3 days, support never replies"}
OFFICIAL = "1001"


def user(version: str, chain: list[str] | None = None) -> Post:
    return Post(platform="twitter", post_id=version, created_at=datetime.fromtimestamp(
        ((int(version) >> 22) + 1288834974657) / 1000, UTC), text=TEXT[version], author_id="2001",
        author_handle="alice", lang="zh", conversation_id=version,
        raw={"id": version, "edit_history_tweet_ids": chain or CHAINS[version]})


def reply(to: str, minutes: int = 30, rid: int = 1) -> Post:
    when = T1 + timedelta(minutes=minutes)
    return Post(platform="twitter", post_id=snowflake(when, rid), created_at=when,
                text="@alice 您好，已私信您处理进度", author_id=OFFICIAL, author_handle="BitpieWallet",
                is_official=True, reply_to_id=to, conversation_id=to, raw={})


# KIND: the same edited post arriving in the orders a collector and an importer produce.
ORDERS: dict[str, list[list[Post]]] = {
    "v1-then-v2-reply-to-v2": [[user(V1)], [user(V2)], [reply(V2)]],
    "v1-reply-to-v1-then-v2": [[user(V1)], [reply(V1)], [user(V2)]],
    "v2-then-stale-v1": [[user(V2)], [user(V1)], [reply(V1)]],          # newest-first search pages
    "v2-and-v1-same-batch": [[user(V2), user(V1), reply(V1)]],
    "v1-v2-v3-one-by-one-reply-to-v2": [[user(V1)], [user(V2)], [reply(V2)], [user(V3)]],
    "v3-only-reply-to-v1": [[reply(V1)], [user(V3)]],
    "v1-knows-the-chain": [[user(V1, [V1, V2])], [user(V2)], [reply(V1)]],
}


def _apply(engine: Any, cfg: Any, batches: list[list[Post]]) -> None:
    for batch in batches:
        with engine.begin() as conn:
            store.upsert_posts(conn, batch)
        post_process(engine, cfg)


@pytest.mark.parametrize("order", sorted(ORDERS))
def test_an_edited_post_is_one_mention_one_complaint_answered(engine: Engine, cfg: Config, order: str) -> None:
    batches = ORDERS[order]
    _apply(engine, cfg, batches)
    latest = max((p.post_id for b in batches for p in b if not p.is_official), key=int)
    with engine.connect() as conn:
        users = conn.execute(select(store.posts).where(store.posts.c.is_official.is_(False))).all()
        assert [u.post_id for u in users] == [latest]
        assert users[0].text == TEXT[latest]
        assert users[0].created_at == T1  # the first version's time: waits start when the user wrote
        dets = conn.execute(select(store.detections).where(store.detections.c.post_id != "x")).all()
        complaints = [d for d in dets if d.complaint]
        assert [d.post_id for d in complaints] == [latest]
        links = conn.execute(select(store.reply_links)).all()
        assert [(link.post_id, link.latency_seconds) for link in links] == [(latest, 1800.0)]
        chain = edit_chain(conn, "twitter", latest)
        assert [c["version_id"] for c in chain] == sorted(set(CHAINS[latest][:-1]), key=int)


def test_version_text_is_kept_when_it_was_seen(engine: Engine, cfg: Config) -> None:
    _apply(engine, cfg, [[user(V1)], [user(V2)]])
    with engine.connect() as conn:
        assert edit_chain(conn, "twitter", V2)[0]["text"] == TEXT[V1]


def test_posts_without_edits_are_untouched(engine: Engine, cfg: Config) -> None:
    plain = [Post(platform="forum", post_id="a1", created_at=T1, text="Bitpie 客服不回复", raw={}),
             Post(platform="twitter", post_id=V1, created_at=T1, text="hi Bitpie",
                  raw={"edit_history_tweet_ids": [V1]})]
    with engine.begin() as conn:
        assert store.upsert_posts(conn, plain) == 2
    with engine.connect() as conn:
        assert store.table_counts(conn)["posts"] == 2


@pytest.fixture
def pg_engine() -> Iterator[Engine]:
    """A store in its own PostgreSQL schema (the server is shared), dropped afterwards."""
    with pg_schema_url() as url:
        eng = store.open_store(url)
        try:
            yield eng
        finally:
            eng.dispose()


@pytest.mark.parametrize("order", ["v1-reply-to-v1-then-v2", "v2-then-stale-v1", "v1-v2-v3-one-by-one-reply-to-v2"])
def test_edit_chains_on_postgresql(pg_engine: Engine, cfg: Config, order: str) -> None:
    test_an_edited_post_is_one_mention_one_complaint_answered(pg_engine, cfg, order)

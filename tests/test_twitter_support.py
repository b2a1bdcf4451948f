"""Helpers shared by the twitter source tests (no tests here): config, pages, request log."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor import store
from monitor.config import Config, parse_config
from monitor.records import query_key
from sources.twitter import TwitterSource

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "twitter"
RECORDED = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "x-api-v2"
API = "https://api.twitter.com/2"
SEARCH = f"{API}/tweets/search/recent"
LOOKUP = f"{API}/tweets"
USERS_BY = f"{API}/users/by"
TOKEN = "AAAA-test-bearer-token-0123456789"
OFFICIAL_ID = "1000000001"
_TWEPOCH_MS = 1288834974657


def fixture(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def recorded(name: str) -> dict[str, Any]:
    """The body of the first interaction of a tweepy cassette in ../shared/data/x-api-v2."""
    return json.loads((RECORDED / name).read_text(encoding="utf-8"))[0]["body"]


def make_cfg(tmp_path: Path, *, officials: Iterable[str] = (), names: Iterable[str] = ("Bitpie",),
             aliases: Iterable[str] = (), extra_sources: Iterable[dict[str, Any]] = (),
             **src: Any) -> Config:
    return parse_config({
        "brand": {"names": list(names), "aliases": list(aliases)},
        "official_accounts": [{"platform": "twitter", "handle": h} for h in officials],
        "sources": [{"type": "twitter", "name": "x", "max_retries": 1, **src}, *extra_sources],
    }, tmp_path, env={})


def snowflake(when: datetime, seq: int = 0) -> str:
    return str(((int(when.timestamp() * 1000) - _TWEPOCH_MS) << 22) + seq)


def tweets(newest: datetime, n: int, *, step_s: int = 60, author: str = "2001",
           text: str = "Bitpie withdrawal pending #{i}") -> list[dict[str, Any]]:
    """``n`` user tweets, newest first, one per ``step_s`` seconds going back from ``newest``."""
    out = []
    for i in range(n):
        when = datetime.fromtimestamp(newest.timestamp() - i * step_s, UTC)
        tid = snowflake(when, i % 4096)
        out.append({"id": tid, "text": text.format(i=i), "author_id": author, "lang": "en",
                    "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conversation_id": tid,
                    "edit_history_tweet_ids": [tid]})
    return out


def page(data: list[dict[str, Any]], next_token: str | None = None) -> dict[str, Any]:
    if not data:
        return {"meta": {"result_count": 0}}
    authors = sorted({t["author_id"] for t in data})
    meta: dict[str, Any] = {"newest_id": data[0]["id"], "oldest_id": data[-1]["id"], "result_count": len(data)}
    if next_token:
        meta["next_token"] = next_token
    return {"data": data, "includes": {"users": [{"id": a, "username": f"user{a}", "name": f"User {a}"}
                                                 for a in authors]}, "meta": meta}


def params(call: Any) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(call.request.url).query).items()}


def search_calls(calls: Any) -> list[dict[str, str]]:
    return [params(c) for c in calls if c.request.url.startswith(SEARCH)]


def bounds(p: dict[str, str]) -> dict[str, str]:
    """The pagination-relevant parameters of a search request."""
    keys = ("since_id", "until_id", "start_time", "end_time", "next_token", "max_results")
    return {k: p[k] for k in keys if k in p}


def cursor(engine: Any, key_or_query: str, source: str = "x") -> dict[str, Any] | None:
    with engine.connect() as conn:
        saved = store.load_cursors(conn, source)
    return saved.get(key_or_query) or saved.get(query_key(key_or_query))


def saved_cursor(engine: Any, key_or_query: str, source: str = "x") -> dict[str, Any]:
    """The cursor state saved under a key or query, which must be there."""
    state = cursor(engine, key_or_query, source)
    assert state is not None, f"no cursor saved for {key_or_query!r}"
    return state


def runs(engine: Any, source: str = "x") -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(store.runs.select().where(store.runs.c.source == source)
                            .order_by(store.runs.c.id)).all()
    return [dict(r._mapping) for r in rows]


def stored_ids(engine: Any) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(store.posts.select().with_only_columns(store.posts.c.post_id)))


def source(cfg: Config) -> TwitterSource:
    """The configured X source with its retry sleeps switched off (the tests script every response)."""
    src = TwitterSource(cfg.sources[0], cfg)
    src.sleep = lambda _s: None
    return src

"""Ingest throughput: 100k posts through monitor.store.upsert_posts (the path every source takes:
dedupe, count new, upsert on the natural key) beside plain sqlite3 executemany of the same rows.

Prints posts/s for both and the ratio (ours / raw). A second pass of the same posts (all updates,
nothing new) is timed too: that is the steady state of an idempotent collector.
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import store
from monitor.records import Post

N = 100_000


def make_posts(n: int) -> list[Post]:
    rnd = random.Random(7)
    t0 = datetime(2026, 9, 1, tzinfo=UTC)
    words = ["support", "客服", "no reply", "不回复", "withdrawal", "提币", "thanks", "bitpie", "比特派", "update"]
    return [Post(platform="twitter", post_id=str(10**18 + i), created_at=t0 + timedelta(seconds=i * 77),
                 text=" ".join(rnd.choices(words, k=12)), author_id=str(rnd.randrange(10**6)),
                 author_handle=f"user{i % 5000}", lang=rnd.choice(["en", "zh"]),
                 reply_to_id=str(10**18 + i - 3) if i % 7 == 0 else None, conversation_id=str(10**18 + i),
                 raw={"id": str(10**18 + i)}) for i in range(n)]


def bench_ours(path: Path, items: list[Post]) -> tuple[float, float]:
    engine = store.open_store(f"sqlite:///{path}")
    t = time.perf_counter()
    with engine.begin() as conn:
        assert store.upsert_posts(conn, items) == len(items)
    first = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as conn:
        assert store.upsert_posts(conn, items) == 0
    second = time.perf_counter() - t
    engine.dispose()
    return first, second


def bench_raw(path: Path, items: list[Post]) -> float:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE posts (platform TEXT, post_id TEXT, url TEXT, author_id TEXT, author_handle TEXT,"
                 " author_name TEXT, is_official BOOLEAN, created_at TIMESTAMP, text TEXT, lang TEXT,"
                 " reply_to_id TEXT, conversation_id TEXT, origin TEXT, raw TEXT, collected_at TIMESTAMP,"
                 " PRIMARY KEY (platform, post_id))")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    t = time.perf_counter()
    rows = [(p.platform, p.post_id, p.url, p.author_id, p.author_handle, p.author_name, p.is_official,
             p.created_at.replace(tzinfo=None).isoformat(" "), p.text, p.lang, p.reply_to_id,
             p.conversation_id, p.origin, json.dumps(p.raw), now) for p in items]
    with conn:
        conn.executemany("INSERT INTO posts VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
    took = time.perf_counter() - t
    conn.close()
    return took


def main() -> None:
    items = make_posts(N)
    with tempfile.TemporaryDirectory() as tmp:
        ours, again = bench_ours(Path(tmp) / "ours.db", items)
        raw = bench_raw(Path(tmp) / "raw.db", items)
    print(f"ingest {N} posts: store.upsert_posts {N / ours:,.0f} posts/s | raw sqlite3 executemany "
          f"{N / raw:,.0f} posts/s | ratio ours/raw {(N / ours) / (N / raw):.2f}")
    print(f"re-ingest same {N} posts (all updates, 0 new): {N / again:,.0f} posts/s")


if __name__ == "__main__":
    main()

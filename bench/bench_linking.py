"""Reply linking on a 1M-post store: the cost of one pass must follow the pass's new posts, not the store.

The store (SQLite, built once under bench/out/) holds 1M posts over 90 days; 5,000 official replies
collected in the last 7 days point at parents that were never collected (the case that made every
`collect` take a minute with the old correlated ``NOT IN``), 2,000 more are linked. Prints: the first
call (no watermark yet: the whole 7-day window), then a steady pass (100 new user posts and 100 new
official replies to them) and an idle pass (nothing new), in seconds. Baseline: the same pass's
upsert of its 200 posts, the store work linking rides on.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from monitor import store  # noqa: E402
from monitor.linking import link_replies  # noqa: E402
from monitor.records import Post  # noqa: E402

N_POSTS, DAYS, UNLINKABLE, LINKED, VERSION = 1_000_000, 90, 5_000, 2_000, 1
DB = ROOT / "out" / f"linking-{N_POSTS}-v{VERSION}.db"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def _ts(t: dt.datetime) -> str:
    return t.astimezone(dt.UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def build() -> None:
    DB.parent.mkdir(exist_ok=True)
    store.open_store(f"sqlite:///{DB}").dispose()  # schema and indexes via the migrations
    rng = random.Random(7)
    con = sqlite3.connect(DB)
    start = NOW - dt.timedelta(days=DAYS)
    sql = ("INSERT INTO posts (platform, post_id, is_official, created_at, text, reply_to_id, collected_at) "
           "VALUES ('twitter', ?, ?, ?, ?, ?, ?)")
    rows: list[tuple[str, int, str, str, str | None, str]] = []
    n_user = N_POSTS - UNLINKABLE - LINKED
    for i in range(n_user):
        t = start + dt.timedelta(seconds=rng.randrange(DAYS * 86400))
        rows.append((f"u{i}", 0, _ts(t), "support never replies @BitpieWallet", None, _ts(t)))
        if len(rows) == 50_000:
            con.executemany(sql, rows)
            rows = []
    for i in range(UNLINKABLE + LINKED):
        t = NOW - dt.timedelta(seconds=rng.randrange(7 * 86400 - 3600))
        parent = f"missing{i}" if i < UNLINKABLE else f"u{n_user - 1 - i}"
        rows.append((f"o{i}", 1, _ts(t), "@user we are looking into it", parent, _ts(t)))
    con.executemany(sql, rows)
    con.commit()
    # The store is in WAL mode (open_store): fold the million-row WAL into the file now, or the passes
    # timed next pay for reading through it and checkpointing it (seconds each).
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()


def main() -> None:
    if not DB.exists():
        t = time.perf_counter()
        build()
        print(f"built {DB.name} in {time.perf_counter() - t:.1f}s")
    engine = store.open_store(f"sqlite:///{DB}")
    with engine.begin() as c:
        c.execute(store.cursors.delete().where(store.cursors.c.source == "_linking"))
        c.execute(store.reply_links.delete())
        c.execute(store.posts.delete().where(store.posts.c.post_id.like("pass-%")))
    t = time.perf_counter()
    with engine.begin() as c:
        first = link_replies(c)
    first_s = time.perf_counter() - t
    new = [Post("twitter", f"pass-u{i}", NOW, "客服不回") for i in range(100)]
    new += [Post("twitter", f"pass-o{i}", NOW + dt.timedelta(minutes=5), "@u hi", is_official=True,
                 reply_to_id=f"pass-u{i}") for i in range(100)]
    t = time.perf_counter()
    with engine.begin() as c:
        store.upsert_posts(c, new)
    upsert_s = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:
        steady = link_replies(c)
    steady_s = time.perf_counter() - t
    t = time.perf_counter()
    with engine.begin() as c:
        idle = link_replies(c)
    idle_s = time.perf_counter() - t
    engine.dispose()
    print(f"store: {N_POSTS:,} posts, {UNLINKABLE + LINKED:,} official replies in the 7-day window "
          f"({UNLINKABLE:,} with no stored parent)")
    print(f"first call (whole window): {first_s:.3f}s, {first} linked")
    print(f"pass with 200 new posts:   {steady_s:.3f}s, {steady} linked (upsert of those posts: {upsert_s:.3f}s)")
    print(f"idle pass:                 {idle_s:.3f}s, {idle} linked")


if __name__ == "__main__":
    main()

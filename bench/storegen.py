"""Synthetic stores for the load benches: the same posts per day, history of any length.

A store of ``n`` posts spans ``n`` x 90 / 1M days (250k: 22 days, 1M: 90, 4M: 360), so a report
of one day reads the same rows whatever the store's size; what grows is history only. Stores are
cached under bench/out/ (``rm bench/out/load-*.db`` to regenerate). Labelled posts carry the hash
their label was made from ('' = unchanged), as after the fingerprint migration.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

VERSION = 3  # bump when the generated data changes
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
TEXTS = ["support never replies @BitpieWallet", "客服不回复", "how do I back up? @BitpieWallet", "比特派很好用",
         "price is up today", "withdrawal stuck for 2 days", "is Bitpie safe?", "thanks for the quick fix"]


def parse_size(word: str) -> int:
    """``250k`` / ``1M`` / ``4m`` / ``12000`` -> posts."""
    w = word.strip().lower()
    mult = {"k": 1_000, "m": 1_000_000}.get(w[-1:], 1)
    return int(float(w.rstrip("km")) * mult)


def sizes() -> list[int]:
    """The store sizes ``BENCH_SIZES`` asks for (default ``250k,1M``), in posts."""
    return [parse_size(w) for w in os.environ.get("BENCH_SIZES", "250k,1M").split(",") if w.strip()]


def days_for(n_posts: int) -> int:
    return max(2, n_posts * 90 // 1_000_000)  # 1M posts over 90 days, the reference store


def label(n_posts: int) -> str:
    return f"{n_posts / 1e6:g}M" if n_posts >= 1_000_000 else f"{n_posts / 1e3:g}k"


def _stamps(seconds: np.ndarray) -> np.ndarray:
    t = np.datetime64("2026-01-01T00:00:00", "us") + (seconds * 1e6).astype("timedelta64[us]")
    return np.char.replace(np.datetime_as_string(t, unit="us"), "T", " ")  # SQLAlchemy's SQLite format


def uid(i: int) -> str:
    """Post ids are X snowflakes (numbers): user posts from 1e18, official replies from 2e18."""
    return str(1_000_000_000_000_000_000 + i)


def oid(k: int) -> str:
    return str(2_000_000_000_000_000_000 + k)


def _rows(n_user: int, created: np.ndarray, text_idx: np.ndarray) -> Iterator[tuple[str, ...]]:
    for i in range(n_user):
        c = str(created[i])
        yield uid(i), f"https://x.com/u/status/{uid(i)}", f"user{i % 9973}", c, TEXTS[text_idx[i]], c


def generate(path: Path, n_posts: int, days: int) -> None:
    """95% users (diurnal, 10% complaints, 60% of those answered), 5% official replies, all labelled."""
    from monitor import store

    rng = np.random.default_rng(42)
    n_user = int(n_posts * 0.95)
    hour_w = 0.5 + np.sin(np.linspace(0, 2 * np.pi, 24, endpoint=False) - 2) ** 2
    day = rng.integers(0, days, n_user)
    hour = rng.choice(24, n_user, p=hour_w / hour_w.sum())
    secs = np.sort(day * 86400 + hour * 3600 + rng.integers(0, 3600, n_user)).astype(np.float64)
    complaint = rng.random(n_user) < 0.10
    answered = complaint & (rng.random(n_user) < 0.6)
    latency = rng.exponential(6 * 3600, n_user)
    ans_idx = np.nonzero(answered)[0][: n_posts - n_user]
    text_idx = rng.integers(0, len(TEXTS), n_user)
    created, reply_created = _stamps(secs), _stamps(secs[ans_idx] + latency[ans_idx])
    store.open_store(f"sqlite:///{path}").dispose()  # schema through the real migrations
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA journal_mode=OFF")
    con.executemany(
        "INSERT INTO posts (platform, post_id, url, author_handle, is_official, created_at, text, collected_at, "
        "content_hash, labelled_hash) VALUES ('twitter', ?, ?, ?, 0, ?, ?, ?, '', '')",
        _rows(n_user, created, text_idx))
    con.executemany(
        "INSERT INTO posts (platform, post_id, url, author_handle, is_official, created_at, text, reply_to_id, "
        "collected_at, content_hash, labelled_hash) "
        "VALUES ('twitter', ?, ?, 'BitpieWallet', 1, ?, 'we are on it', ?, ?, '', '')",
        ((oid(k), f"https://x.com/BitpieWallet/status/{oid(k)}", str(reply_created[k]), uid(i), str(reply_created[k]))
         for k, i in enumerate(ans_idx)))
    con.executemany(
        "INSERT INTO detections (platform, post_id, complaint, maintenance, impersonation_suspect, detected_at, "
        "content_hash) VALUES ('twitter', ?, ?, 0, 0, ?, '')",
        ((uid(i), int(complaint[i]), str(created[i])) for i in range(n_user)))
    con.executemany(
        "INSERT INTO reply_links (platform, reply_id, post_id, latency_seconds, linked_by) "
        "VALUES ('twitter', ?, ?, ?, 'reply_to')",
        ((oid(k), uid(i), float(latency[i])) for k, i in enumerate(ans_idx)))
    con.commit()
    con.execute("ANALYZE")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the timed passes must not read through a huge WAL
    con.close()


def cached_store(n_posts: int) -> Path:
    """The cached store of ``n_posts`` (generated on first use, with a line saying how long it took)."""
    days = days_for(n_posts)
    path = ROOT / "out" / f"load-{n_posts}-{days}d-v{VERSION}.db"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        t = time.perf_counter()
        generate(tmp, n_posts, days)
        tmp.rename(path)
        print(f"generated {n_posts:,} posts over {days} days in {time.perf_counter() - t:.1f}s -> {path}",
              flush=True)
    return path

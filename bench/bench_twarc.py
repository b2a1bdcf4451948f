"""twarc2 import: tweets/s through TwarcSource.fetch (parse, join authors, hash, build Posts) beside the
raw-library baseline for the same bytes (json.loads per line and a walk over each page's tweets)."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor.config import parse_config
from sources.base import SourceContext
from sources.twarc import TWEPOCH_MS, TwarcSource

N_TWEETS = 100_000
PAGE = 100


def make_archive(path: Path) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    users = [{"id": str(10**17 + i), "username": f"user{i}", "name": f"User {i}"} for i in range(500)]
    with path.open("w", encoding="utf-8") as fh:
        for p in range(N_TWEETS // PAGE):
            data = []
            for i in range(PAGE):
                n = p * PAGE + i
                when = start + timedelta(seconds=n * 7)
                tid = str(((int(when.timestamp() * 1000) - TWEPOCH_MS) << 22) + i)
                data.append({"id": tid, "text": f"@BitpieWallet 比特派客服{n % 9}天了都不回复 support #{n}",
                             "author_id": users[n % 500]["id"], "conversation_id": tid, "lang": "zh",
                             "created_at": when.strftime("%Y-%m-%dT%H:%M:%S.000Z")})
            page = {"data": data, "includes": {"users": users[:PAGE]}, "meta": {"result_count": PAGE}}
            fh.write(json.dumps(page, ensure_ascii=False) + "\n")


def baseline(path: Path) -> int:
    n = 0
    with path.open("rb") as fh:
        for line in fh:
            for tweet in json.loads(line)["data"]:
                n += bool(tweet["id"])
    return n


def ours(path: Path) -> int:
    cfg = parse_config({"brand": {"names": ["Bitpie"]},
                        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet"}],
                        "sources": [{"name": "bench", "type": "twarc", "paths": [str(path)]}]},
                       path.parent, env={})
    src = TwarcSource(cfg.sources[0], cfg)
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: datetime.now(UTC))
    return sum(len(b.posts) for b in src.fetch(ctx))


def timed(fn: Callable[[Path], int], path: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    n = fn(path)
    return n, time.perf_counter() - t0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "bench.jsonl"
        make_archive(archive)
        size_mb = archive.stat().st_size / 1e6
        n_base, t_base = timed(baseline, archive)
        n_ours, t_ours = timed(ours, archive)
        assert n_base == n_ours == N_TWEETS
        print(f"twarc import: {N_TWEETS} tweets, {size_mb:.1f} MB raw pages")
        print(f"  TwarcSource.fetch   {n_ours / t_ours:>10,.0f} tweets/s  ({t_ours:.2f} s)")
        print(f"  json.loads baseline {n_base / t_base:>10,.0f} tweets/s  ({t_base:.2f} s)")
        print(f"  ratio (ours/baseline time): {t_ours / t_base:.2f}x")

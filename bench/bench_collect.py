"""Store work of one collect pass on stores of growing history (bench/storegen.py sizes).

A pass, as ``monitor.pipeline.collect`` runs it: a source's batch of 200 new posts (190 users, 10
official replies to recent complaints) committed with its cursor and run row, then detection of the
pending posts (and relabelling recent labels of other rules), incremental reply linking, and the
alert checks. The source reads a local twarc file, so every second is store (and detection) work.
The clock is the store's end, moving 5 minutes a pass. One pass first, not timed (the linking
watermark's first call); then ``PASSES`` timed passes: median and worst. Baseline: the same 200
rows inserted with plain sqlite3 executemany in one transaction on the same store, as a ratio.
Target (issue 14): < 2 s at 1M posts.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import storegen  # noqa: E402  (bench/ is not a package)

PASSES, BATCH, OFFICIAL_ID = 5, 200, "999"
BASE_ID = 3_000_000_000_000_000_000  # the passes' post ids: snowflakes above the generated ones


def _config(out: Path) -> Any:
    from monitor.config import parse_config

    return parse_config({"brand": {"names": ["Bitpie"]}, "timezone": "Asia/Shanghai", "report": {"out_dir": str(out)},
                         "alerts": {"enabled": True},
                         "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet",
                                                "user_id": OFFICIAL_ID}]}, out, env={})


def _page(path: Path, k: int, at: dt.datetime, parents: list[str]) -> None:
    """Pass ``k``'s twarc page: 190 user posts, 10 official replies to ``parents``."""
    data: list[dict[str, Any]] = []
    for i in range(BATCH - len(parents)):
        text = ["support never replies @BitpieWallet 3 days", "客服不回复", "how do I back up? @BitpieWallet",
                "price is up today"][i % 4]
        data.append({"id": str(BASE_ID + k * 1000 + i), "author_id": str(i % 50), "text": f"{text} #{k}.{i}",
                     "created_at": (at - dt.timedelta(seconds=i)).isoformat()})
    for j, parent in enumerate(parents):
        data.append({"id": str(BASE_ID + k * 1000 + 900 + j), "author_id": OFFICIAL_ID, "text": "we are on it, DM us",
                     "created_at": at.isoformat(), "referenced_tweets": [{"type": "replied_to", "id": parent}]})
    users = [{"id": str(i), "username": f"user{i}"} for i in range(50)]
    users.append({"id": OFFICIAL_ID, "username": "BitpieWallet"})
    path.write_text(json.dumps({"data": data, "includes": {"users": users}}) + "\n", encoding="utf-8")


def _timed(fn: Callable[[], Any], into: dict[str, float], key: str) -> Any:
    t = time.perf_counter()
    out = fn()
    into[key] = time.perf_counter() - t
    return out


def one_pass(engine: Any, cfg: Any, page: Path, now: dt.datetime) -> dict[str, float]:
    """What pipeline.collect does for one source, each step timed (alerts with a sender that accepts)."""
    from monitor import store
    from monitor.alerts import check_alerts
    from monitor.labelling import detect_pending
    from monitor.linking import link_replies
    from monitor.pipeline import run_source
    from sources.twarc import TwarcSource

    store.now_utc = lambda: now  # the store's clock: its own end
    took: dict[str, float] = {}
    src = TwarcSource.for_paths([page], cfg, name="bench")
    _timed(lambda: run_source(engine, cfg, src, now=lambda: now), took, "commit")
    _timed(lambda: detect_pending(engine, cfg), took, "detect")

    def link() -> int:
        with engine.begin() as conn:
            return link_replies(conn)
    _timed(link, took, "link")
    _timed(lambda: check_alerts(engine, cfg, now=now, sender=lambda _t, _b: True), took, "alerts")
    took["total"] = sum(took.values())
    return took


def _parents(db: Path, before: dt.datetime, k: int) -> list[str]:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT post_id FROM posts WHERE is_official = 0 AND created_at < ? "
                       "ORDER BY created_at DESC LIMIT 10 OFFSET ?",
                       (before.strftime("%Y-%m-%d %H:%M:%S"), 10 * k)).fetchall()
    con.close()
    return [r[0] for r in rows]


def baseline(db: Path, page: Path) -> float:
    """The batch's rows inserted with plain sqlite3 (one transaction, executemany)."""
    rows = [(f"raw-{t['id']}", t["text"], t["created_at"].replace("T", " ")[:26], t["created_at"])
            for t in json.loads(page.read_text(encoding="utf-8"))["data"]]
    con = sqlite3.connect(db)
    t = time.perf_counter()
    con.executemany("INSERT INTO posts (platform, post_id, text, created_at, collected_at, is_official) "
                    "VALUES ('twitter', ?, ?, ?, ?, 0)", rows)
    con.commit()
    took = time.perf_counter() - t
    con.close()
    return took


def bench_size(n_posts: int) -> None:
    from monitor import store
    from monitor.detect.fingerprint import rules_fingerprint

    days = storegen.days_for(n_posts)
    src = storegen.cached_store(n_posts)
    with tempfile.TemporaryDirectory(dir=ROOT / "out") as tmp:
        db = Path(tmp) / "store.db"
        shutil.copyfile(src, db)
        cfg = _config(Path(tmp))
        con = sqlite3.connect(db)  # steady state: every label made by today's rules
        con.execute("UPDATE detections SET rules_fingerprint = ?", (rules_fingerprint(cfg),))
        con.commit()
        con.close()
        engine = store.open_store(f"sqlite:///{db}")
        end = storegen.T0 + dt.timedelta(days=days)
        runs = []
        for k in range(PASSES + 1):
            now = end + dt.timedelta(minutes=5 * k)
            page = Path(tmp) / f"pass{k}.jsonl"
            _page(page, k, now - dt.timedelta(seconds=30), _parents(db, end, k))
            runs.append(one_pass(engine, cfg, page, now))
        engine.dispose()
        raw = baseline(db, page)
    timed = runs[1:]
    med = {key: statistics.median(r[key] for r in timed) for key in timed[0]}
    worst = max(r["total"] for r in timed)
    steps = ", ".join(f"{key} {med[key]:.3f}" for key in ("commit", "detect", "link", "alerts"))
    print(f"collect pass over {n_posts:,} posts / {days} days (SQLite), {BATCH} new posts a pass")
    print(f"  store work per pass  : median {med['total']:6.3f} s, worst {worst:6.3f} s of {PASSES}"
          f"   (first pass {runs[0]['total']:.2f} s; target < 2 s at 1M)")
    print(f"    steps (median s)   : {steps}")
    print(f"  plain sqlite3 insert : {raw:6.3f} s   ratio ours/raw {med['total'] / raw:.0f}x", flush=True)


def main() -> None:
    for n in storegen.sizes():
        bench_size(n)


if __name__ == "__main__":
    main()

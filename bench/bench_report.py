"""Report generation for one day over a store of 1M posts spread over 90 days.

Prints seconds and peak memory (max RSS of a fresh subprocess) for ``reports.build_report`` beside
the same aggregations done in plain pandas on a frame already in memory (hourly counts for the
56-day peak history, the 28-day needing-an-answer set with first official reply, the day's
complaints), as ratios. Targets: < 5 s and < 1 GB. The generated store is cached under bench/out/
(``rm bench/out/report-*.db`` to regenerate).
"""

from __future__ import annotations

import datetime as dt
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

N_POSTS, DAYS, VERSION = 1_000_000, 90, 1
DB = ROOT / "out" / f"report-{N_POSTS}-{DAYS}d-v{VERSION}.db"
T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
REPORT_DAY = (T0 + dt.timedelta(days=DAYS - 2)).date()
AS_OF = T0 + dt.timedelta(days=DAYS)
TZ = "Asia/Shanghai"
TEXTS = ["support never replies @BitpieWallet", "客服不回复", "how do I back up? @BitpieWallet", "比特派很好用",
         "price is up today", "withdrawal stuck for 2 days", "is Bitpie safe?", "thanks for the quick fix"]


def _stamps(seconds: np.ndarray) -> np.ndarray:
    t = np.datetime64("2026-01-01T00:00:00", "us") + (seconds * 1e6).astype("timedelta64[us]")
    return np.char.replace(np.datetime_as_string(t, unit="us"), "T", " ")  # SQLAlchemy's SQLite format


def generate(path: Path) -> None:
    """1M posts: 95% users (diurnal, 10% complaints, 60% of those answered), 5% official replies."""
    from monitor import store

    rng = np.random.default_rng(42)
    n_user = int(N_POSTS * 0.95)
    hour_w = 0.5 + np.sin(np.linspace(0, 2 * np.pi, 24, endpoint=False) - 2) ** 2
    day = rng.integers(0, DAYS, n_user)
    hour = rng.choice(24, n_user, p=hour_w / hour_w.sum())
    secs = np.sort(day * 86400 + hour * 3600 + rng.integers(0, 3600, n_user)).astype(np.float64)
    complaint = rng.random(n_user) < 0.10
    answered = complaint & (rng.random(n_user) < 0.6)
    latency = rng.exponential(6 * 3600, n_user)
    ans_idx = np.nonzero(answered)[0][: N_POSTS - n_user]
    text_idx = rng.integers(0, len(TEXTS), n_user)
    created, reply_created = _stamps(secs), _stamps(secs[ans_idx] + latency[ans_idx])
    store.open_store(f"sqlite:///{path}").dispose()  # schema through the real migrations
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    con.executemany(
        "INSERT INTO posts (platform, post_id, url, author_handle, is_official, created_at, text, collected_at) "
        "VALUES ('twitter', ?, ?, ?, 0, ?, ?, ?)",
        ((f"u{i}", f"https://x.com/u/status/u{i}", f"user{i % 9973}", created[i], TEXTS[text_idx[i]], created[i])
         for i in range(n_user)))
    con.executemany(
        "INSERT INTO posts (platform, post_id, url, author_handle, is_official, created_at, text, reply_to_id, "
        "collected_at) VALUES ('twitter', ?, ?, 'BitpieWallet', 1, ?, 'we are on it', ?, ?)",
        ((f"o{k}", f"https://x.com/BitpieWallet/status/o{k}", reply_created[k], f"u{i}", reply_created[k])
         for k, i in enumerate(ans_idx)))
    con.executemany(
        "INSERT INTO detections (platform, post_id, complaint, maintenance, impersonation_suspect, detected_at) "
        "VALUES ('twitter', ?, ?, 0, 0, ?)", ((f"u{i}", int(complaint[i]), created[i]) for i in range(n_user)))
    con.executemany(
        "INSERT INTO reply_links (platform, reply_id, post_id, latency_seconds, linked_by) "
        "VALUES ('twitter', ?, ?, ?, 'reply_to')",
        ((f"o{k}", f"u{i}", float(latency[i])) for k, i in enumerate(ans_idx)))
    con.commit()
    con.execute("ANALYZE")
    con.close()


def _config(out: Path):  # type: ignore[no-untyped-def]
    from monitor.config import parse_config

    return parse_config({"brand": {"names": ["Bitpie"]}, "timezone": TZ, "report": {"out_dir": str(out)},
                         "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet"}]}, out, env={})


def child_ours(out: str) -> dict[str, float]:
    from monitor import store
    from reports import build_report

    engine = store.open_store(f"sqlite:///{DB}")
    t = time.perf_counter()
    build_report(engine, _config(Path(out)), REPORT_DAY, now=AS_OF)
    return {"seconds": time.perf_counter() - t}


def child_gather() -> dict[str, float]:
    """Only the SQL aggregation and figures (reports.build.gather): the part pandas is compared with."""
    from monitor import store
    from reports.build import gather

    engine = store.open_store(f"sqlite:///{DB}")
    t = time.perf_counter()
    gather(engine, _config(ROOT / "out"), REPORT_DAY, AS_OF)
    return {"seconds": time.perf_counter() - t}


def child_pandas() -> dict[str, float]:
    """The same aggregations in plain pandas on frames loaded into memory first (load not timed)."""
    import pandas as pd

    con = sqlite3.connect(DB)
    t_load = time.perf_counter()
    posts = pd.read_sql("SELECT p.post_id, p.created_at, p.is_official, p.text, p.reply_to_id, d.complaint "
                        "FROM posts p LEFT JOIN detections d USING (platform, post_id)", con)
    links = pd.read_sql("SELECT reply_id, post_id, latency_seconds FROM reply_links", con)
    posts["created_at"] = pd.to_datetime(posts["created_at"], utc=True)
    load = time.perf_counter() - t_load
    t = time.perf_counter()
    tz = TZ
    day_start = pd.Timestamp(REPORT_DAY, tz=tz).tz_convert("UTC")
    end, as_of = day_start + pd.Timedelta(days=1), pd.Timestamp(AS_OF)
    hist = posts[(posts["created_at"] >= end - pd.Timedelta(days=56)) & (posts["created_at"] < end)]
    user = hist["is_official"] == 0
    hourly = pd.DataFrame({"mentions": user, "complaints": user & (hist["complaint"] == 1),
                           "official": ~user}).groupby(hist["created_at"].dt.floor("h")).sum()
    win = hist[(hist["created_at"] >= end - pd.Timedelta(days=28)) & user]
    question = win["text"].str.contains("@bitpiewallet", case=False) & win["text"].str.contains(r"\?|？|吗")
    need = win[(win["complaint"] == 1) | question]
    official = posts.loc[posts["is_official"] == 1, ["post_id", "created_at"]].rename(
        columns={"post_id": "reply_id", "created_at": "replied_at"})
    first = links.merge(official, on="reply_id")
    first = first[first["replied_at"] <= as_of].groupby("post_id")["latency_seconds"].min()
    need = need.assign(latency=need["post_id"].map(first))
    day_complaints = need[(need["created_at"] >= day_start) & (need["complaint"] == 1)]
    took = time.perf_counter() - t
    assert len(hourly) and len(day_complaints)
    return {"seconds": took, "load_seconds": load}


def run_child(kind: str, *args: str) -> dict[str, float]:
    res = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True,
                         check=True, timeout=600)
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    if not DB.exists():
        DB.parent.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        generate(DB.with_suffix(".tmp"))
        DB.with_suffix(".tmp").rename(DB)
        print(f"generated {N_POSTS:,} posts over {DAYS} days in {time.perf_counter() - t:.1f}s -> {DB}")
    with tempfile.TemporaryDirectory() as out:
        ours = run_child("ours", out)
    agg = run_child("gather")
    base = run_child("pandas")
    print(f"report for {REPORT_DAY} over {N_POSTS:,} posts / {DAYS} days (SQLite, {TZ})")
    print(f"  reports.build_report : {ours['seconds']:6.2f} s   peak RSS {ours['rss_mb']:7.1f} MB"
          "   (target < 5 s, < 1 GB)")
    print(f"  plain pandas in-mem  : {base['seconds']:6.2f} s   peak RSS {base['rss_mb']:7.1f} MB"
          f"   (+ {base['load_seconds']:.1f} s to load the frame, not counted)")
    print(f"  of which SQL + figures (gather): {agg['seconds']:6.2f} s   peak RSS {agg['rss_mb']:7.1f} MB")
    print(f"  ratio ours/pandas    : whole report {ours['seconds'] / base['seconds']:.2f}x time, "
          f"{ours['rss_mb'] / base['rss_mb']:.2f}x memory; "
          f"aggregation only {agg['seconds'] / base['seconds']:.2f}x time")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind = sys.argv[2]
        result = child_ours(sys.argv[3]) if kind == "ours" else child_gather() if kind == "gather" else child_pandas()
        result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
        print(json.dumps(result))
    else:
        main()

"""Report generation for one day over stores of growing history (the same posts per day).

For each store size in ``BENCH_SIZES`` (default ``250k,1M``; ``4M`` = 360 days, slow to generate
once) prints seconds and peak memory (max RSS of a fresh subprocess) for ``reports.build_report``
beside the same aggregations done in plain pandas on a frame of the window's rows already in memory
(hourly counts for the 56-day peak history, the 28-day needing-an-answer set with first official
reply, the day's complaints), as ratios. A report reads its window, not the store: its time and
memory should stay flat as history grows (issue 14: <= 400 MB at 4M posts over a year). Stores are
cached under bench/out/ (bench/storegen.py).
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
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT.parent))

import storegen  # noqa: E402  (bench/ is not a package)

if TYPE_CHECKING:
    from monitor.config import Config

TZ = "Asia/Shanghai"


def _when(days: int) -> tuple[dt.date, dt.datetime]:
    """The report day (two days before the store's end) and the observation time (its end)."""
    return (storegen.T0 + dt.timedelta(days=days - 2)).date(), storegen.T0 + dt.timedelta(days=days)


def _config(out: Path) -> Config:
    from monitor.config import parse_config

    return parse_config({"brand": {"names": ["Bitpie"]}, "timezone": TZ, "report": {"out_dir": str(out)},
                         "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet"}]}, out, env={})


def child_ours(db: str, days: int, out: str) -> dict[str, float]:
    from monitor import store
    from reports import build_report

    day, as_of = _when(days)
    engine = store.open_store(f"sqlite:///{db}")
    t = time.perf_counter()
    build_report(engine, _config(Path(out)), day, now=as_of)
    return {"seconds": time.perf_counter() - t}


def child_gather(db: str, days: int) -> dict[str, float]:
    """Only the SQL aggregation and figures (reports.build.gather): the part pandas is compared with."""
    from monitor import store
    from reports.build import gather

    day, as_of = _when(days)
    engine = store.open_store(f"sqlite:///{db}")
    t = time.perf_counter()
    gather(engine, _config(ROOT / "out"), day, as_of)
    return {"seconds": time.perf_counter() - t}


def child_pandas(db: str, days: int) -> dict[str, float]:
    """The same aggregations in plain pandas on the window's rows loaded into memory first (load not timed)."""
    import pandas as pd

    day, as_of_dt = _when(days)
    day_start = pd.Timestamp(day, tz=TZ).tz_convert("UTC")
    end, as_of = day_start + pd.Timedelta(days=1), pd.Timestamp(as_of_dt)
    since = (end - pd.Timedelta(days=56)).strftime("%Y-%m-%d %H:%M:%S")
    con = sqlite3.connect(db)
    t_load = time.perf_counter()
    posts = pd.read_sql("SELECT p.post_id, p.created_at, p.is_official, p.text, p.reply_to_id, d.complaint "
                        "FROM posts p LEFT JOIN detections d USING (platform, post_id) WHERE p.created_at >= ?",
                        con, params=(since,))
    links = pd.read_sql("SELECT l.reply_id, l.post_id, l.latency_seconds FROM reply_links l JOIN posts p "
                        "ON p.platform = l.platform AND p.post_id = l.reply_id WHERE p.created_at >= ?",
                        con, params=(since,))
    posts["created_at"] = pd.to_datetime(posts["created_at"], utc=True)
    load = time.perf_counter() - t_load
    t = time.perf_counter()
    hist = posts[(posts["created_at"] >= end - pd.Timedelta(days=56)) & (posts["created_at"] < end)]
    user = hist["is_official"] == 0
    hourly = pd.DataFrame({"mentions": user, "complaints": user & (hist["complaint"] == 1),
                           "official": ~user}).groupby(hist["created_at"].dt.floor("h")).sum()
    win = hist[(hist["created_at"] >= end - pd.Timedelta(days=28)) & user]
    question = win["text"].str.contains("@bitpiewallet", case=False) & win["text"].str.contains(r"\?|？|吗")
    need = win[(win["complaint"] == 1) | question]
    official = posts.loc[posts["is_official"] == 1, ["post_id", "created_at"]].rename(
        columns={"post_id": "reply_id", "created_at": "replied_at"})
    replies = links.merge(official, on="reply_id")
    first = replies[replies["replied_at"] <= as_of].groupby("post_id")["latency_seconds"].min()
    need = need.assign(latency=need["post_id"].map(first))
    day_complaints = need[(need["created_at"] >= day_start) & (need["complaint"] == 1)]
    took = time.perf_counter() - t
    assert len(hourly) and len(day_complaints)
    return {"seconds": took, "load_seconds": load}


def run_child(kind: str, *args: str) -> dict[str, float]:
    res = subprocess.run([sys.executable, __file__, "--child", kind, *args], capture_output=True, text=True,
                         check=True, timeout=1800)
    return json.loads(res.stdout.strip().splitlines()[-1])


def bench_size(n_posts: int) -> None:
    days = storegen.days_for(n_posts)
    db = str(storegen.cached_store(n_posts))
    with tempfile.TemporaryDirectory() as out:
        ours = run_child("ours", db, str(days), out)
    agg = run_child("gather", db, str(days))
    base = run_child("pandas", db, str(days))
    print(f"report for {_when(days)[0]} over {n_posts:,} posts / {days} days (SQLite, {TZ})")
    print(f"  reports.build_report : {ours['seconds']:6.2f} s   peak RSS {ours['rss_mb']:7.1f} MB"
          "   (target: flat across sizes, <= 400 MB at 4M)")
    print(f"  plain pandas in-mem  : {base['seconds']:6.2f} s   peak RSS {base['rss_mb']:7.1f} MB"
          f"   (+ {base['load_seconds']:.1f} s to load the window's rows, not counted)")
    print(f"  of which SQL + figures (gather): {agg['seconds']:6.2f} s   peak RSS {agg['rss_mb']:7.1f} MB")
    print(f"  ratio ours/pandas    : whole report {ours['seconds'] / base['seconds']:.2f}x time, "
          f"{ours['rss_mb'] / base['rss_mb']:.2f}x memory; "
          f"aggregation only {agg['seconds'] / base['seconds']:.2f}x time", flush=True)


def main() -> None:
    for n in storegen.sizes():
        bench_size(n)


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM (Linux) belongs to this program alone; ru_maxrss keeps
    the high-water mark of the process that forked it across exec, so a child of a large parent reads large."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        kind, db, days = sys.argv[2], sys.argv[3], int(sys.argv[4])
        result = (child_ours(db, days, sys.argv[5]) if kind == "ours" else child_gather(db, days)
                  if kind == "gather" else child_pandas(db, days))
        result["rss_mb"] = peak_rss_mb()
        print(json.dumps(result))
    else:
        main()

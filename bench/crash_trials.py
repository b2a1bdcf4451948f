"""Crash trials: SIGKILL a pass at a random moment, run it again, and compare with a clean run.

Usage: ``python bench/crash_trials.py [TRIALS] [TWEETS]`` (``make crash-trials``; default 30 trials,
20,000 tweets). Inputs are generated: a loopback HTTP server serves three RSS feeds (one official)
and a Statuspage API, each answer delayed a little so a pass takes a while; a twarc2 JSONL archive
of TWEETS tweets is imported. Trials alternate between ``collect`` (feeds + Statuspage) and
``import`` (the archive). Each trial starts from an empty SQLite store, kills the process with
SIGKILL after a random delay within the clean run's duration, then runs the same command to the end
and compares the store with a clean run's:

* lost: posts/announcements of the clean run missing after recovery;
* duplicated: stored rows beyond the distinct natural keys (should be impossible: primary keys);
* cursor mismatches: cursors (state only, bookkeeping keys aside) differing from the clean run's;
* integrity: ``PRAGMA integrity_check`` failures.

Prints one line per trial and ``trials=N lost=L duplicated=D cursor_mismatches=C integrity_failures=I``;
exits 1 unless all but trials are 0.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DELAY = 0.15  # seconds per HTTP answer, so a collect pass spans a few seconds
IGNORED_CURSORS = ("_linking", "_jobs")


def _rss(n: int, official: bool) -> bytes:
    t0 = datetime(2026, 11, 1, tzinfo=UTC)
    items = "".join(
        f"<item><title>{'Maintenance notice' if official else 'bitpie 客服不回'} {i}</title><guid>g{n}-{i}</guid>"
        f"<pubDate>{(t0 + timedelta(hours=i)).strftime('%a, %d %b %Y %H:%M:%S GMT')}</pubDate>"
        f"<description>entry {i} of feed {n}</description></item>" for i in range(60))
    return f"<?xml version='1.0'?><rss version='2.0'><channel><title>f{n}</title>{items}</channel></rss>".encode()


def _status() -> bytes:
    items = [{"id": f"m{i}", "name": f"Node upgrade {i}", "status": "completed",
              "scheduled_for": f"2026-11-{i + 1:02d}T01:00:00Z", "scheduled_until": f"2026-11-{i + 1:02d}T03:00:00Z",
              "created_at": f"2026-10-{i + 1:02d}T01:00:00Z", "incident_updates": []} for i in range(20)]
    return json.dumps({"scheduled_maintenances": items, "incidents": []}).encode()


ROUTES = {"/f0.rss": _rss(0, False), "/f1.rss": _rss(1, False), "/f2.rss": _rss(2, True),
          "/api/v2/scheduled-maintenances.json": _status(),
          "/api/v2/incidents.json": json.dumps({"incidents": []}).encode()}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = ROUTES.get(self.path.split("?")[0])
        time.sleep(DELAY)
        if body is None:
            self.send_error(404)
            return
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/json" if self.path.endswith(".json") else "application/rss+xml")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client SIGKILLed mid-answer is the point of the exercise, not an error


def _archive(path: Path, n: int) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as fh:
        for p in range(n // 100):
            data = [{"id": str(1_850_000_000_000_000_000 + p * 100 + i), "author_id": str(i % 50),
                     "text": f"@BitpieWallet 比特派客服{i % 9}天了都不回复 #{p * 100 + i}",
                     "created_at": (start + timedelta(seconds=(p * 100 + i) * 7)).isoformat()} for i in range(100)]
            users = [{"id": str(i), "username": f"user{i}", "name": f"U{i}"} for i in range(50)]
            fh.write(json.dumps({"data": data, "includes": {"users": users}}) + "\n")


def _config(d: Path, port: int) -> Path:
    base = f"http://127.0.0.1:{port}"
    feeds = "\n".join(f"  - {{name: f{i}, type: feed, url: '{base}/f{i}.rss', host_spacing_seconds: 0"
                      f"{', official: true' if i == 2 else ''}}}" for i in range(3))
    cfg = d / "config.yaml"
    cfg.write_text(f"brand: {{names: [Bitpie, 比特派]}}\ndata_dir: data\nsources:\n{feeds}\n"
                   f"  - {{name: sp, type: statuspage, base_url: '{base}'}}\n", encoding="utf-8")
    return cfg


def _cmd(cfg: Path, kind: str, archive: Path) -> list[str]:
    base = [sys.executable, "-m", "monitor", "-q", "--config", str(cfg)]
    return [*base, "collect"] if kind == "collect" else [*base, "import", str(archive)]


def _snapshot(db: Path) -> dict[str, Any]:
    con = sqlite3.connect(db)
    try:
        posts = con.execute("SELECT platform, post_id FROM posts").fetchall()
        anns = con.execute("SELECT source, entry_id FROM announcements").fetchall()
        cursors = {(s, k): json.loads(v) for s, k, v in con.execute("SELECT source, key, state FROM cursors")
                   if s not in IGNORED_CURSORS}
        integrity = con.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        con.close()
    return {"rows": len(posts) + len(anns), "keys": set(posts) | {("a", *a) for a in anns},
            "cursors": cursors, "integrity": integrity}  # twarc's cursor mtime is the shared archive's


def _run(cmd: list[str], cwd: Path) -> float:
    t = time.monotonic()
    subprocess.run(cmd, cwd=cwd, check=False, capture_output=True, timeout=600)
    return time.monotonic() - t


def main() -> int:
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    tweets = int(sys.argv[2]) if len(sys.argv) > 2 else 20_000
    server = QuietServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    rng = random.Random(int(os.environ.get("CRASH_SEED", "14")))
    totals = {"lost": 0, "duplicated": 0, "cursor_mismatches": 0, "integrity_failures": 0}
    killed_mid_pass = 0
    with tempfile.TemporaryDirectory(prefix="crash-trials-") as tmp:
        root = Path(tmp)
        archive = root / "archive.jsonl"
        _archive(archive, tweets)
        clean: dict[str, tuple[dict[str, Any], float]] = {}
        for kind in ("collect", "import"):
            d = root / f"clean-{kind}"
            d.mkdir()
            took = _run(_cmd(_config(d, server.server_address[1]), kind, archive), d)
            clean[kind] = (_snapshot(d / "data" / "mention-monitor.db"), took)
            print(f"clean {kind}: {clean[kind][0]['rows']} records in {took:.1f}s", flush=True)
        for i in range(trials):
            kind = ("collect", "import")[i % 2]
            ref, took = clean[kind]
            d = root / f"trial-{i}"
            d.mkdir()
            cmd = _cmd(_config(d, server.server_address[1]), kind, archive)
            proc = subprocess.Popen(cmd, cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            delay = rng.uniform(0.3, max(0.5, 0.8 * took))  # mostly inside the pass (process start included)
            time.sleep(delay)
            killed = proc.poll() is None
            if killed:
                proc.send_signal(signal.SIGKILL)
                killed_mid_pass += 1
            proc.wait()
            _run(cmd, d)  # the next pass, to the end
            got = _snapshot(d / "data" / "mention-monitor.db")
            lost = len(ref["keys"] - got["keys"])
            dup = got["rows"] - len(got["keys"])
            mism = int(got["cursors"] != ref["cursors"])
            bad = int(got["integrity"] != "ok")
            for key, val in (("lost", lost), ("duplicated", dup), ("cursor_mismatches", mism),
                             ("integrity_failures", bad)):
                totals[key] += val
            print(f"trial {i + 1:2d} {kind:7s} kill at {delay:5.2f}s{'' if killed else ' (had finished)'}: "
                  f"lost={lost} duplicated={dup} cursors={'ok' if not mism else 'DIFFER'} integrity={got['integrity']}",
                  flush=True)
    server.shutdown()
    print(f"trials={trials} killed_mid_pass={killed_mid_pass} " + " ".join(f"{k}={v}" for k, v in totals.items()))
    return 0 if not any(totals.values()) else 1


if __name__ == "__main__":
    sys.exit(main())

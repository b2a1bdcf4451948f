"""The daemon's resident memory over 1,000 simulated passes in one process (issue 14: stays flat, < 150 MB).

The daemon's own job functions (monitor.daemon._source_job and _report_job) run back to back: a feed
source fetched from a loopback HTTP server whose feed gains 5 entries a pass (20 listed), then
detection, linking, alerts and the report catch-up, as every pass does; the report job runs after each
pass on a simulated clock moving one hour a pass, so a daily report is built every 24 passes (about
41 reports). Prints resident memory (RSS) at start (after the first pass), after 100 and after 1,000
passes, and Python objects alive, beside the floor: a process that only imports the libraries a pass
and a report use (ratio). The daemon builds each report in a child process
(monitor.reportschedule.build_in_child), so pandas frames and matplotlib never live in it.
``DAEMON_PASSES`` overrides 1,000.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

PASSES = int(os.environ.get("DAEMON_PASSES", "1000"))
FLOOR = ("import sqlalchemy, pandas, numpy, matplotlib, matplotlib.pyplot, apscheduler, requests, feedparser, jinja2; "
         "print(int(open('/proc/self/statm').read().split()[1]) * 4096)")


def rss_mb() -> float:
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class Feed:
    """An RSS feed of the 20 newest entries; ``advance`` adds 5 dated at the simulated clock."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, dt.datetime]] = []
        self.n = 0

    def advance(self, at: dt.datetime) -> None:
        for i in range(5):
            self.entries.append((self.n, at - dt.timedelta(minutes=i)))
            self.n += 1
        self.entries = self.entries[-20:]

    def body(self) -> bytes:
        texts = ["比特派客服三天都不回复，提币卡住了", "withdrawal stuck for 2 days, support never replies",
                 "Bitpie 钱包很好用", "is Bitpie safe?", "Bitpie support is slow again"]
        items = "".join(f"<item><guid>e{n}</guid><link>https://example.org/e{n}</link><title>{texts[n % 5]}</title>"
                        f"<description>{texts[n % 5]} #{n}</description><pubDate>{format_datetime(at)}</pubDate></item>"
                        for n, at in reversed(self.entries))
        return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>bench</title><link>https://example.org/'
                f"</link><description>bench</description>{items}</channel></rss>").encode()


def serve(feed: Feed) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = feed.body()
            self.send_response(200)
            self.send_header("Content-Type", "application/rss+xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server


def main() -> None:
    from monitor import daemon, store
    from monitor.config import parse_config
    from monitor.pipeline import build_sources
    from monitor.reportschedule import catch_up
    from sources.http import share_pacer

    logging.basicConfig(level=logging.ERROR)
    floor = int(subprocess.run([sys.executable, "-c", FLOOR], capture_output=True, text=True, check=True,
                               cwd=ROOT.parent).stdout) / 2**20
    feed = Feed()
    server = serve(feed)
    # Simulated hours end before the real clock: a report is never for a day in the future.
    clock = [store.now_utc() - dt.timedelta(hours=PASSES + 48)]
    with tempfile.TemporaryDirectory() as tmp:
        cfg = parse_config({"brand": {"names": ["Bitpie", "比特派"]}, "timezone": "Asia/Shanghai",
                            "store_url": f"sqlite:///{tmp}/monitor.db", "report": {"out_dir": f"{tmp}/reports"},
                            "sources": [{"name": "f", "type": "feed", "host_spacing_seconds": 0,
                                         "url": f"http://127.0.0.1:{server.server_address[1]}/f.rss"}]},
                           Path(tmp), env={})
        engine = store.open_store(cfg.resolved_store_url)
        pacer = share_pacer(build_sources(cfg))  # as build_scheduler does: host_spacing_seconds 0
        # The catch-up after a source pass reads the simulated clock too (the real one would build
        # yesterday's report first and leave the simulated days behind it).
        real_catch_up = catch_up

        def sim_catch_up(engine: Any, cfg: Any, now: Any = lambda: clock[0], **kw: Any) -> Any:
            return real_catch_up(engine, cfg, now=now, **kw)  # as the daemon calls it: reports in a child

        daemon.catch_up = sim_catch_up
        source_job = daemon._source_job(engine, cfg, "f", pacer)
        report_job = daemon._report_job(engine, cfg, clock=lambda: clock[0])
        marks: dict[int, tuple[float, int]] = {}
        t = time.perf_counter()
        for k in range(1, PASSES + 1):
            clock[0] += dt.timedelta(hours=1)
            feed.advance(clock[0])
            source_job()
            report_job()
            if k in (1, 100, PASSES):
                gc.collect()
                marks[k] = (rss_mb(), len(gc.get_objects()))
        took = time.perf_counter() - t
        reports = len(list(Path(tmp, "reports").glob("20*/index.html")))
        engine.dispose()
    server.shutdown()
    print(f"daemon: {PASSES} passes (feed from loopback + detect + link + alerts + report catch-up; "
          f"{reports} daily reports built) in {took:.0f} s")
    for k, (mb, objs) in marks.items():
        label = "start (after pass 1)" if k == 1 else f"after {k} passes"
        print(f"  RSS {label:<22}: {mb:7.1f} MB   ratio to imports-only floor {mb / floor:.2f}x   "
              f"python objects {objs:,}")
    print(f"  imports-only floor    : {floor:7.1f} MB   (target < 150 MB and flat)", flush=True)


if __name__ == "__main__":
    main()

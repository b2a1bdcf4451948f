"""Several hosts on one PostgreSQL: the store lock follows the database's identity, not the URL's
spelling, and with multi_host every job runs once per slot whichever daemon gets there first."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from sqlalchemy import func, select

from monitor import store
from monitor.errors import LockError
from monitor.lock import store_lock
from tests.conftest import base_config
from tests.loopback import serve
from tests.pg import pg_schema_url

pytestmark = pytest.mark.postgres
REPO = Path(__file__).resolve().parents[1]
RSS = (b"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
       b"<item><title>bitpie support no reply</title><guid>g1</guid></item></channel></rss>")


def _respell(url: str, host: str, port: str | None) -> str:
    parts = urlsplit(url)
    user = parts.username or "postgres"
    netloc = f"{user}@{host}" + (f":{port}" if port else "")
    return urlunsplit(parts._replace(netloc=netloc))


SPELLINGS = [("localhost", None), ("127.0.0.1", "5432"), ("localhost", "5432"), ("127.0.0.1", None)]


@pytest.mark.parametrize(("host", "port"), SPELLINGS)
def test_store_lock_follows_the_database_not_the_url(tmp_path: Path, host: str, port: str | None) -> None:
    with pg_schema_url() as url, pg_schema_url() as other_schema:
        if urlsplit(url).hostname not in ("127.0.0.1", "localhost"):
            pytest.skip("respelling needs the local server")
        first = store.open_store(url)
        second = store.open_store(_respell(url, host, port))
        third = store.open_store(other_schema)
        try:
            with store_lock(first, tmp_path):
                with pytest.raises(LockError, match="PostgreSQL store"), store_lock(second, tmp_path):
                    pass
                with store_lock(third, tmp_path):  # another schema is another store
                    pass
            with store_lock(second, tmp_path):  # released on exit
                pass
        finally:
            for e in (first, second, third):
                e.dispose()


def _multi_cfg(tmp_path: Path, url: str, port: int, n: int = 3) -> Any:
    return base_config(tmp_path, store_url=url, multi_host=True, sources=[
        {"name": f"f{i}", "type": "feed", "url": f"http://127.0.0.1:{port}/f{i}", "host_spacing_seconds": 0,
         "interval_minutes": 15} for i in range(n)])


def test_two_daemons_run_each_job_once_per_slot(tmp_path: Path) -> None:
    from monitor.daemon import _report_job, _source_job
    from sources.http import HostPacer

    def slow(h: Any) -> None:  # holds the job lock while the other daemon tries
        time.sleep(0.2)
        _ok(h)

    with pg_schema_url() as url, serve({f"/f{i}": slow for i in range(3)}) as lb:
        engines = [store.open_store(url), store.open_store(_respell(url, "localhost", None))]
        cfgs = [_multi_cfg(tmp_path / f"h{i}", url, lb.port) for i in range(2)]
        now = [datetime(2026, 11, 20, 8, 1, tzinfo=UTC)]
        clock = lambda: now[0]  # noqa: E731
        jobs = [_source_job(e, c, f"f{i}", HostPacer(spacing=0), clock)
                for e, c in zip(engines, cfgs, strict=True) for i in range(3)]
        reports = [_report_job(e, c, clock) for e, c in zip(engines, cfgs, strict=True)]
        try:
            for _tick in range(2):  # both daemons fire every job twice within one 15-minute slot
                _run_all(jobs)
                _run_all(reports)  # after the sources: an empty store has no report to build
            assert _fetches(lb) == {"/f0": 1, "/f1": 1, "/f2": 1}
            assert _runs(engines[0]) == {"f0": 1, "f1": 1, "f2": 1}
            now[0] += timedelta(minutes=15)  # the next slot: each job runs once more
            _run_all(jobs)
            _run_all(jobs)
            assert _fetches(lb) == {"/f0": 2, "/f1": 2, "/f2": 2}
            assert _runs(engines[1]) == {"f0": 2, "f1": 2, "f2": 2}
            with engines[0].connect() as c:
                # one per feed (guids scoped)
                assert c.execute(select(func.count()).select_from(store.posts)).scalar() == 3
                slots = store.load_cursors(c, "_jobs")
            assert slots["report:daily"]["slot"] == "2026-11-19"
            # one daemon built the day's report, the other skipped it
            assert sum(any((tmp_path / f"h{i}").rglob("summary.csv")) for i in range(2)) == 1
        finally:
            for e in engines:
                e.dispose()


def _ok(h: Any) -> None:
    h.send_response(200)
    h.send_header("Content-Type", "application/rss+xml")
    h.send_header("Content-Length", str(len(RSS)))
    h.end_headers()
    h.wfile.write(RSS)


def _run_all(fns: list[Any]) -> None:
    errors: list[BaseException] = []

    def wrap(fn: Any) -> None:
        try:
            fn()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=wrap, args=(fn,)) for fn in fns]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors


def _fetches(lb: Any) -> dict[str, int]:
    out: dict[str, int] = {}
    for _host, path in lb.requests:
        out[path] = out.get(path, 0) + 1
    return out


def _runs(engine: Any) -> dict[str, int]:
    with engine.connect() as c:
        rows = c.execute(select(store.runs.c.source, func.count()).where(store.runs.c.status == "ok")
                         .group_by(store.runs.c.source)).all()
    return {s: n for s, n in rows if not s.startswith(("report", "_report"))}  # source jobs only


def test_two_daemon_processes_share_one_store(tmp_path: Path) -> None:
    """Two real `mention-monitor run` processes with multi_host: both start, each source is fetched
    once for the slot, and the second single-host daemon on a differently spelled URL is refused."""
    with pg_schema_url() as url, serve({f"/f{i}": _ok for i in range(3)}) as lb:
        procs = []
        try:
            for i, spelled in enumerate((url, _respell(url, "localhost", None))):
                cfg_path = tmp_path / f"h{i}" / "config.yaml"
                cfg_path.parent.mkdir()
                srcs = "\n".join(f"  - {{name: f{j}, type: feed, url: 'http://127.0.0.1:{lb.port}/f{j}', "
                                 f"host_spacing_seconds: 0, interval_minutes: 60, jitter_seconds: 0}}"
                                 for j in range(3))
                cfg_path.write_text(f"brand: {{names: [Bitpie]}}\nstore_url: '{spelled}'\nmulti_host: true\n"
                                    f"sources:\n{srcs}\n", encoding="utf-8")
                procs.append(subprocess.Popen([sys.executable, "-m", "monitor", "--config", str(cfg_path), "run"],
                                              cwd=REPO, stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True))
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and sum(_fetches(lb).values()) < 3:
                time.sleep(0.2)
            time.sleep(2)  # give the slower daemon time to reach (and skip) the same jobs
            dead = [p.communicate(timeout=5)[1][-2000:] for p in procs if p.poll() is not None]
            assert not dead, dead
            assert _fetches(lb) == {"/f0": 1, "/f1": 1, "/f2": 1}
        finally:
            for p in procs:
                if p.poll() is None:
                    p.send_signal(signal.SIGTERM)
            for p in procs:
                try:
                    p.communicate(timeout=30)
                except subprocess.TimeoutExpired:
                    p.kill()

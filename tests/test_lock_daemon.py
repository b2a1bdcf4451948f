from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from monitor.daemon import MISFIRE_GRACE_SECONDS, build_scheduler
from monitor.errors import LockError
from monitor.lock import store_lock
from monitor.reportschedule import DailyReportTrigger
from tests.conftest import base_config
from tests.pg import pg_url, unreachable

REPO = Path(__file__).resolve().parents[1]


def test_lock_refuses_a_second_process(engine: Engine, tmp_path: Path) -> None:
    lock_dir = tmp_path / "data"
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from monitor.lock import store_lock
        from monitor.store import open_store
        from monitor.errors import LockError
        from pathlib import Path
        eng = open_store({str(engine.url)!r})
        try:
            with store_lock(eng, Path({str(lock_dir)!r})):
                print("got it")
        except LockError as exc:
            print("refused:", exc)
    """)
    with store_lock(engine, lock_dir):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        assert out.startswith("refused: another mention-monitor process")
        # a second open file description in the same process is refused too
        with pytest.raises(LockError), store_lock(engine, lock_dir):
            pass
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "got it"


def test_daemon_jobs_built_from_config(tmp_path: Path, engine: Engine) -> None:
    cfg = base_config(tmp_path, report={"time": "06:45"}, sources=[
        {"name": "news", "type": "feed", "url": "https://example.org/feed", "interval_minutes": 30,
         "jitter_seconds": 20},
        {"name": "x", "type": "twitter", "interval_minutes": 15},
        {"name": "old", "type": "feed", "url": "https://example.org/old", "enabled": False},
    ])
    sched = build_scheduler(engine, cfg, BackgroundScheduler(timezone=cfg.tz))
    jobs = {j.id: j for j in sched.get_jobs()}
    assert set(jobs) == {"source:news", "source:x", "report:daily"}
    news = jobs["source:news"]
    assert isinstance(news.trigger, IntervalTrigger)
    assert news.trigger.interval.total_seconds() == 30 * 60 and news.trigger.jitter == 20
    assert news.coalesce is True and news.max_instances == 1
    assert news.misfire_grace_time == MISFIRE_GRACE_SECONDS
    report = jobs["report:daily"].trigger
    assert isinstance(report, DailyReportTrigger) and report.tz.key == "Asia/Shanghai"
    assert (report.at.hour, report.at.minute) == (6, 45)
    assert jobs["report:daily"].misfire_grace_time is None  # a report missed asleep runs on waking


def test_postgres_store_lock_is_an_advisory_lock(tmp_path: Path) -> None:
    from monitor.store import open_store

    try:
        first = open_store(pg_url(), migrate_schema=False)
        with first.connect():
            pass
    except Exception as exc:  # no server here
        unreachable(exc)
    second = open_store(pg_url(), migrate_schema=False)
    try:
        with store_lock(first, tmp_path), pytest.raises(LockError, match="PostgreSQL store"), \
                store_lock(second, tmp_path):
            pass
        with store_lock(second, tmp_path):  # released on exit
            pass
    finally:
        first.dispose()
        second.dispose()

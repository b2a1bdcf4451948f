"""The daemon: APScheduler 3.11 ``BlockingScheduler`` with in-memory jobs rebuilt from config.

One job per enabled source at its own interval (with jitter so feeds on one host don't fire
together), plus the daily report at ``report.time`` in the configured zone (monitor.reportschedule: one report
per local day across DST changes, missed days caught up at start and after sleep). ``coalesce`` folds
missed runs into one, ``max_instances=1`` stops a slow source overlapping itself, and the misfire
grace lets a job that was late (laptop asleep, long previous job) still run. Jobs never sleep:
a rate-limited source simply records when it may run again and the next tick picks up.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from monitor.config import Config
from monitor.pipeline import build_sources, post_process, run_source
from monitor.reportschedule import DailyReportTrigger, catch_up
from sources.http import HostPacer, share_pacer

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 300


def _source_job(engine: Engine, cfg: Config, name: str, pacer: HostPacer) -> Callable[[], None]:
    def job() -> None:
        (source,) = build_sources(cfg, [name])
        share_pacer([source], pacer)  # one pacer across jobs: feeds on one host never fire together
        run_source(engine, cfg, source)
        post_process(engine, cfg)
        catch_up(engine, cfg)  # a report missed while asleep is built on the first pass after waking

    return job


def _report_job(engine: Engine, cfg: Config) -> Callable[[], None]:
    def job() -> None:
        catch_up(engine, cfg)  # yesterday, plus any day missed (bounded by report.catch_up_days)

    return job


def build_scheduler(engine: Engine, cfg: Config, scheduler: Any | None = None) -> Any:
    """Return a scheduler with one job per enabled source and the daily report job."""
    sched = scheduler or BlockingScheduler(timezone=cfg.tz)
    defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1,
                                "misfire_grace_time": MISFIRE_GRACE_SECONDS}
    pacer = share_pacer(build_sources(cfg))
    for sc in cfg.sources:
        if not sc.enabled:
            continue
        sched.add_job(_source_job(engine, cfg, sc.name, pacer), IntervalTrigger(
            minutes=sc.interval_minutes, jitter=sc.jitter_seconds, timezone=UTC),
            id=f"source:{sc.name}", name=f"collect {sc.name}",
            next_run_time=datetime.now(UTC), **defaults)
    # Unlimited grace: a report whose time passed while the host slept still runs on waking; the first
    # run is now, so a daemon (re)started after report.time builds the day(s) it missed.
    sched.add_job(_report_job(engine, cfg), DailyReportTrigger(cfg.report.time, cfg.tz),
                  id="report:daily", name="daily report", coalesce=True, max_instances=1,
                  misfire_grace_time=None, next_run_time=datetime.now(UTC))
    return sched


def run_daemon(engine: Engine, cfg: Config) -> None:
    """Run until SIGTERM/SIGINT; running jobs finish, then the scheduler stops."""
    sched = build_scheduler(engine, cfg)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: shutting down after running jobs finish", signal.Signals(signum).name)
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("daemon started: %d jobs", len(sched.get_jobs()))
    sched.start()
    log.info("daemon stopped")

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
from monitor.lock import claim_slot, job_lock
from monitor.pipeline import build_sources, post_process, run_source
from monitor.records import local_yesterday
from monitor.reportschedule import (
    DailyReportTrigger,
    allow_builds,
    build_in_child,
    catch_up,
    request_stop,
)
from sources.http import HostPacer, share_pacer

log = logging.getLogger(__name__)

MISFIRE_GRACE_SECONDS = 300


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _source_job(engine: Engine, cfg: Config, name: str, pacer: HostPacer,
                clock: Callable[[], datetime] = _utcnow) -> Callable[[], None]:
    interval = cfg.source(name).interval_minutes * 60

    def job() -> None:
        (source,) = build_sources(cfg, [name])
        share_pacer([source], pacer)  # one pacer across jobs: feeds on one host never fire together
        if not cfg.multi_host:
            run_source(engine, cfg, source)
            post_process(engine, cfg)
            # a report missed while asleep is built on waking; never waits for a catch-up already building
            catch_up(engine, cfg, build=build_in_child, wait=False)
            return
        # Several hosts: this source's lock, then its slot (interval number since the epoch), so the
        # first host to get there runs it and the others skip it for this slot. Missed reports are the
        # report job's (under its own lock), which runs at start and daily.
        with job_lock(engine, f"source:{name}") as got:
            if not got or not claim_slot(engine, f"source:{name}", int(clock().timestamp() // interval)):
                log.info("%s: already run for this slot by another host; skipped here", name)
                return
            run_source(engine, cfg, source)
        with job_lock(engine, "linking") as got:
            if got:  # idempotent: a host that finds it busy leaves it to the one running it
                post_process(engine, cfg)

    return job


def _report_job(engine: Engine, cfg: Config, clock: Callable[[], datetime] = _utcnow) -> Callable[[], None]:
    def job() -> None:
        if not cfg.multi_host:
            catch_up(engine, cfg, now=clock, build=build_in_child)  # yesterday + days missed (catch_up_days)
            return
        day = local_yesterday(clock(), cfg.tz)
        with job_lock(engine, "report:daily") as got:
            if not got or not claim_slot(engine, "report:daily", day.isoformat()):
                log.info("report for %s: already built by another host; skipped here", day)
                return
            built = catch_up(engine, cfg, now=clock, build=build_in_child)  # only the days not yet written
        log.info("reports written: %s", ", ".join(map(str, built)) or "none missing")

    return job


def build_scheduler(engine: Engine, cfg: Config, scheduler: Any | None = None,
                    clock: Callable[[], datetime] = _utcnow) -> Any:
    """Return a scheduler with one job per enabled source and the daily report job."""
    sched = scheduler or BlockingScheduler(timezone=cfg.tz)
    allow_builds()
    defaults: dict[str, Any] = {"coalesce": True, "max_instances": 1,
                                "misfire_grace_time": MISFIRE_GRACE_SECONDS}
    pacer = share_pacer(build_sources(cfg))
    for sc in cfg.sources:
        if not sc.enabled:
            continue
        sched.add_job(_source_job(engine, cfg, sc.name, pacer, clock), IntervalTrigger(
            minutes=sc.interval_minutes, jitter=sc.jitter_seconds, timezone=UTC),
            id=f"source:{sc.name}", name=f"collect {sc.name}",
            next_run_time=datetime.now(UTC), **defaults)
    # Unlimited grace: a report whose time passed while the host slept still runs on waking; the first
    # run is now, so a daemon (re)started after report.time builds the day(s) it missed.
    sched.add_job(_report_job(engine, cfg, clock), DailyReportTrigger(cfg.report.time, cfg.tz),
                  id="report:daily", name="daily report", coalesce=True, max_instances=1,
                  misfire_grace_time=None, next_run_time=datetime.now(UTC))
    return sched


def run_daemon(engine: Engine, cfg: Config) -> None:
    """Run until SIGTERM/SIGINT; running jobs finish, then the scheduler stops."""
    sched = build_scheduler(engine, cfg)

    def stop(signum: int, _frame: Any) -> None:
        log.info("signal %s: shutting down after running jobs finish", signal.Signals(signum).name)
        request_stop()  # a catch-up finishes the day it is building and starts no other
        sched.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("daemon started: %d jobs", len(sched.get_jobs()))
    sched.start()
    log.info("daemon stopped")

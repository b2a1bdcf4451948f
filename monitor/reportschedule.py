"""The daily report's schedule: one report per local day, every missed day caught up.

The report for local day D is due at ``report.time`` on D+1 in the configured zone. That wall time
may not exist (a spring-forward gap: 02:30 on a day clocks jump 02:00 -> 03:00) or exist twice (the
autumn fold). :func:`due_at` gives exactly one instant per day either way (zoneinfo, ``fold=0``: a
time in the gap is read with the offset before the change, i.e. as late as the jump; a repeated time
fires at its first occurrence). :class:`DailyReportTrigger` fires at those instants; it replaces
APScheduler 3.11's ``CronTrigger``, whose DST handling has known edge cases (agronholm/apscheduler
#606: a daily midnight job skipped a day after the change; #1021: 3.11 loops at a fold; #1036: 3.11
jobs stop firing after a change), and is tested over whole years (tests/test_report_schedule.py).

Firing is only half of it: a sleeping host or a restart at 07:31 misses the fire. So the job builds
every day still missing since the last report written (:func:`missing_days`, bounded by
``report.catch_up_days``), at daemon start, after each wake-up (the job's misfire grace is unlimited
and coalesced) and after source passes. The last day written is kept as the ``report`` cursor; each
build is a row in ``runs`` (source ``report``) so ``status`` shows it like a source's pass.

The daemon builds each report in a short-lived child process (:func:`build_in_child`): pandas frames,
matplotlib and the report templates live and die there, so the daemon's resident memory stays flat
over months (issue 14: < 150 MB after 1,000 passes, ``bench/bench_daemon.py``) and a report that
crashes its interpreter is one failed run row, not a dead scheduler.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.triggers.base import BaseTrigger
from sqlalchemy import Engine

from monitor import redact, store
from monitor.errors import MonitorError

log = logging.getLogger(__name__)

RUN_SOURCE = "report"  # runs.source and cursors.source of report builds
_CURSOR_KEY = "daily"
_lock = threading.Lock()  # the report job and the catch-up after a source pass never build together
_stopping = threading.Event()  # set by the daemon's SIGTERM/SIGINT handler: no new day is started


def request_stop() -> None:
    """Let a running catch-up finish the day it is building and start no other (daemon shutdown)."""
    _stopping.set()


def allow_builds() -> None:
    """Undo :func:`request_stop` (a scheduler built again in the same process)."""
    _stopping.clear()


def due_at(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant the report for local ``day`` is due: ``at`` on the next local day."""
    nxt = day + dt.timedelta(days=1)
    return dt.datetime.combine(nxt, at, tzinfo=tz).astimezone(dt.UTC)


def latest_due_day(now: dt.datetime, at: dt.time, tz: ZoneInfo) -> dt.date:
    """The newest local day whose report is due at ``now``."""
    day = now.astimezone(tz).date()  # its report is due tomorrow at the earliest
    while due_at(day, at, tz) > now:
        day -= dt.timedelta(days=1)
    return day


def missing_days(last_done: dt.date | None, now: dt.datetime, at: dt.time, tz: ZoneInfo,
                 limit: int) -> list[dt.date]:
    """Days to build now, oldest first: after ``last_done`` up to the latest due day, at most
    ``limit`` of them (the newest). A store that never had a report gets only the latest day."""
    latest = latest_due_day(now, at, tz)
    if limit <= 0:
        return []
    first = latest if last_done is None else max(last_done + dt.timedelta(days=1),
                                                  latest - dt.timedelta(days=limit - 1))
    days = []
    while first <= latest:
        days.append(first)
        first += dt.timedelta(days=1)
    return days


class DailyReportTrigger(BaseTrigger):
    """Fires once per local day at :func:`due_at` (see the module docstring for gaps and folds)."""

    def __init__(self, at: dt.time, tz: ZoneInfo) -> None:
        self.at, self.tz = at, tz

    def get_next_fire_time(self, previous_fire_time: dt.datetime | None,
                           now: dt.datetime) -> dt.datetime | None:
        # As APScheduler's own triggers: the first fire time at or after the later of ``now`` and
        # just after the previous fire (min, so a run missed while asleep is still offered).
        start = now if previous_fire_time is None else min(now, previous_fire_time + dt.timedelta(microseconds=1))
        if previous_fire_time is not None and start <= previous_fire_time:
            start = previous_fire_time + dt.timedelta(microseconds=1)  # never the same fire twice
        day = start.astimezone(self.tz).date() - dt.timedelta(days=2)
        while (nxt := due_at(day, self.at, self.tz)) < start:
            day += dt.timedelta(days=1)
        return nxt.astimezone(self.tz)

    def __str__(self) -> str:
        return f"daily at {self.at:%H:%M} {self.tz.key}"


def _child_build(url: str, cfg: Any, day: dt.date, now: dt.datetime | None, secrets: tuple[str, ...],
                 level: int) -> Path:
    """In the child: log like the parent (to stderr, secrets masked), open the store (the parent migrated
    it), build."""
    from reports import build_report

    redact.restore_registered(secrets)
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(redact.RedactingFilter())
    logging.basicConfig(level=level, handlers=[handler])
    for noisy in ("matplotlib", "PIL", "urllib3"):  # as the CLI does below -vv
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    engine = store.open_store(url, migrate_schema=False)
    try:
        return build_report(engine, cfg, day, now=now)
    except MonitorError as exc:
        raise MonitorError(str(exc)) from None  # subclasses with several __init__ arguments do not unpickle
    except Exception as exc:
        log.exception("report %s failed in the report process", day)
        raise MonitorError(f"report {day}: {type(exc).__name__}: {exc}") from None
    finally:
        engine.dispose()


def _child_init() -> None:
    # Ctrl-C in a terminal reaches the whole process group: the daemon decides when to stop, and the
    # child finishes its day or is ended with the daemon (SIGTERM), never half-way by a stray SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def build_in_child(engine: Engine, cfg: Any, day: dt.date, *, now: dt.datetime | None = None) -> Path:
    """``reports.build_report(engine, cfg, day, now=now)`` in a fresh interpreter (``spawn``); returns its path.

    Raises what the child raised (a MonitorError keeps its message) or ``BrokenProcessPool`` when the
    child died (killed, out of memory); :func:`catch_up` records either on the day's run row.
    """
    url = engine.url.render_as_string(hide_password=False)  # handed to the child, never logged
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_child_init) as pool:
        job = pool.submit(_child_build, url, cfg, day, now, redact.registered_secrets(), logging.getLogger().level)
        return job.result()


def last_report_day(engine: Engine) -> dt.date | None:
    with engine.connect() as conn:
        state = store.load_cursors(conn, RUN_SOURCE).get(_CURSOR_KEY) or {}
    return dt.date.fromisoformat(state["last_day"]) if state.get("last_day") else None


def catch_up(engine: Engine, cfg: Any, *, now: Callable[[], dt.datetime] = store.now_utc,
             build: Callable[..., Any] | None = None, wait: bool = True) -> list[dt.date]:
    """Build every missing day (oldest first); return the days built. A failed day is recorded on
    its run row and logged, and stops the catch-up (the next call retries from it).

    ``wait=False`` (a source job's catch-up after its pass): when another catch-up is building, return
    [] at once instead of holding the source job for the length of a report; that one builds the days.
    """
    if build is None:
        from reports import build_report

        build = build_report
    built: list[dt.date] = []
    if not _lock.acquire(blocking=wait):
        log.debug("report catch-up already running; this pass leaves the days to it")
        return built
    try:
        return _catch_up_locked(engine, cfg, now, build, built)
    finally:
        _lock.release()


def _catch_up_locked(engine: Engine, cfg: Any, now: Callable[[], dt.datetime], build: Callable[..., Any],
                     built: list[dt.date]) -> list[dt.date]:
    """catch_up's days, under ``_lock``: builds them oldest first into ``built``."""
    days = missing_days(last_report_day(engine), now(), cfg.report.time, cfg.tz, cfg.report.catch_up_days)
    for day in days:
        if _stopping.is_set():
            log.info("report %s: not started, the daemon is stopping (built at the next start)", day)
            break
        run_id = store.start_run(engine, RUN_SOURCE)
        try:
            path = build(engine, cfg, day)
        except Exception as exc:  # the daemon must keep running; the row and the log say why
            store.finish_run(engine, run_id, status="error", error=f"report {day}: {exc}")
            log.error("report %s failed: %s", day, exc)
            break
        except BaseException:  # KeyboardInterrupt, SystemExit: the run row must not stay "running"
            store.finish_run(engine, run_id, status="interrupted", error=f"report {day}: interrupted")
            raise
        with engine.begin() as conn:
            store.save_cursors(conn, RUN_SOURCE, {_CURSOR_KEY: {"last_day": day.isoformat()}})
        store.finish_run(engine, run_id, status="ok", error=None)
        log.info("report %s written: %s", day, path)
        built.append(day)
    return built

"""The daily report: exactly one per local day across DST in every zone, missed days caught up."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from monitor import store
from monitor.checks import status_lines
from monitor.reportschedule import (
    DailyReportTrigger,
    catch_up,
    due_at,
    last_report_day,
    missing_days,
)
from tests.conftest import base_config

# Zones with DST both ways, a 30-minute shift (Lord Howe), a 45-minute offset (Chatham), a negative
# DST (Dublin's winter time), southern-hemisphere changes, and none at all.
ZONES = ["America/New_York", "Europe/London", "Europe/Dublin", "Australia/Lord_Howe", "Australia/Sydney",
         "Pacific/Chatham", "America/Santiago", "America/Havana", "Asia/Shanghai", "Asia/Kolkata"]
# Ordinary times, midnight, the minutes inside gaps (02:00-03:00, Lord Howe's 02:00-02:30) and folds.
TIMES = ["07:30", "00:00", "00:30", "01:30", "02:00", "02:15", "02:30", "02:45", "03:00", "23:59"]


def _year_fires(tz: ZoneInfo, at: dt.time, year: int = 2026) -> list[dt.datetime]:
    trig = DailyReportTrigger(at, tz)
    start = dt.datetime(year, 1, 1, tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=tz).astimezone(dt.UTC)
    fires: list[dt.datetime] = []
    prev = None
    now = start
    while True:
        nxt = trig.get_next_fire_time(prev, now)
        assert nxt is not None
        if nxt >= end:
            return fires
        fires.append(nxt)
        prev, now = nxt, nxt


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("at", TIMES)
def test_one_report_per_local_day_for_a_whole_year(zone: str, at: str) -> None:
    tz, when = ZoneInfo(zone), dt.time.fromisoformat(at)
    fires = _year_fires(tz, when)
    # Each fire reports the local day before it: every day of 2025-12-31 .. 2026-12-30 exactly once.
    days = [latest for latest in (f.astimezone(tz).date() - dt.timedelta(days=1) for f in fires)]
    first = dt.date(2025, 12, 31) if dt.datetime.combine(dt.date(2026, 1, 1), when, tzinfo=tz) >= \
        dt.datetime(2026, 1, 1, tzinfo=tz) else dt.date(2026, 1, 1)
    assert days == [first + dt.timedelta(days=i) for i in range(len(days))]
    assert len(days) == 365
    assert len(set(fires)) == len(fires) and fires == sorted(fires)
    for f in fires:
        local = f.astimezone(tz)
        wall = dt.datetime.combine(local.date(), when)
        # At the configured wall time; where that time does not exist (the spring gap) at most the
        # size of the jump later (1 h, or 30 min on Lord Howe), never earlier, never another day.
        shift = local.replace(tzinfo=None) - wall
        assert dt.timedelta(0) <= shift <= dt.timedelta(hours=1), (f, local)
        if shift:
            gap = dt.datetime.combine(local.date(), when, tzinfo=tz)
            assert gap.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None) != wall  # really a gap


def test_lord_howe_gap_moves_by_thirty_minutes() -> None:
    tz = ZoneInfo("Australia/Lord_Howe")
    fire = due_at(dt.date(2026, 10, 3), dt.time(2, 15), tz).astimezone(tz)  # clocks 02:00 -> 02:30 on Oct 4
    assert (fire.date(), fire.hour, fire.minute) == (dt.date(2026, 10, 4), 2, 45)


@pytest.mark.parametrize("zone", ["Europe/London", "Australia/Lord_Howe", "America/Santiago"])
def test_a_daemon_that_sleeps_and_restarts_at_random_still_writes_every_day(zone: str) -> None:
    """Wake at random moments over a year (gaps up to 3 days); catch-up leaves no day out, none twice."""
    tz, at = ZoneInfo(zone), dt.time(7, 30)
    rnd = random.Random(zone)
    now = dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC)
    last: dt.date | None = dt.date(2025, 12, 31)
    written: list[dt.date] = []
    while now < dt.datetime(2027, 1, 1, tzinfo=dt.UTC):
        todo = missing_days(last, now, at, tz, limit=7)
        written += todo
        last = todo[-1] if todo else last
        now += dt.timedelta(minutes=rnd.choice([1, 29, 61, 6 * 60, 23 * 60, 25 * 60, 3 * 24 * 60]))
    assert written == [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(len(written))]
    assert written[-1] >= dt.date(2026, 12, 27)


# KIND: ways a report time is missed -> the days are built at the next chance, bounded.
@pytest.mark.parametrize(("last", "now_local", "limit", "expected"), [
    ("2026-11-23", "2026-11-25 07:31", 7, ["2026-11-24"]),                      # restarted at 07:31
    ("2026-11-20", "2026-11-25 09:00", 7, ["2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24"]),  # slept
    ("2026-11-01", "2026-11-25 09:00", 3, ["2026-11-22", "2026-11-23", "2026-11-24"]),  # bounded
    ("2026-11-24", "2026-11-25 09:00", 7, []),                                 # nothing missing
    ("2026-11-23", "2026-11-25 07:29", 7, []),                                 # not due yet
    (None, "2026-11-25 09:00", 7, ["2026-11-24"]),                             # a new store: yesterday only
])
def test_missing_days(last: str | None, now_local: str, limit: int, expected: list[str]) -> None:
    tz = ZoneInfo("Asia/Shanghai")
    now = dt.datetime.fromisoformat(now_local).replace(tzinfo=tz)
    got = missing_days(dt.date.fromisoformat(last) if last else None, now, dt.time(7, 30), tz, limit)
    assert [d.isoformat() for d in got] == expected


def test_catch_up_records_runs_cursor_and_status(tmp_path: Path, engine: Any) -> None:
    cfg = base_config(tmp_path, report={"time": "07:30", "catch_up_days": 7})
    built: list[dt.date] = []
    failures = [OSError("disk full")]  # the first attempt at 2026-11-23 fails

    def build(_e: Any, _c: Any, day: dt.date) -> Path:
        if day == dt.date(2026, 11, 23) and failures:
            raise failures.pop()
        built.append(day)
        return tmp_path / day.isoformat()

    with engine.begin() as conn:
        store.save_cursors(conn, "report", {"daily": {"last_day": "2026-11-21"}})
    now = dt.datetime(2026, 11, 25, 3, 0, tzinfo=dt.UTC)  # 11:00 in Shanghai
    assert catch_up(engine, cfg, now=lambda: now, build=build) == [dt.date(2026, 11, 22)]
    assert last_report_day(engine) == dt.date(2026, 11, 22)
    assert any("report job (mention-monitor run): last run" in line and "error=report 2026-11-23: disk full" in line
               for line in status_lines(engine, cfg))
    assert catch_up(engine, cfg, now=lambda: now, build=build) == [dt.date(2026, 11, 23), dt.date(2026, 11, 24)]
    assert catch_up(engine, cfg, now=lambda: now, build=build) == []  # one report per day
    with engine.connect() as conn:
        rows = conn.execute(store.runs.select().where(store.runs.c.source == "report")).all()
    assert [r.status for r in rows] == ["ok", "error", "ok", "ok"]
    assert any("last day it wrote 2026-11-24" in line for line in status_lines(engine, cfg))


def test_a_missed_fire_is_offered_after_waking() -> None:
    tz = ZoneInfo("Europe/London")
    trig = DailyReportTrigger(dt.time(7, 30), tz)
    prev = dt.datetime(2026, 3, 28, 7, 30, tzinfo=tz)
    woke = dt.datetime(2026, 3, 31, 12, 0, tzinfo=tz)
    nxt = trig.get_next_fire_time(prev, woke)
    assert nxt is not None and nxt.astimezone(tz).date() == dt.date(2026, 3, 29) and nxt < woke

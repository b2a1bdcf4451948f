"""Daily reports: response times (Kaplan–Meier, calendar and business hours), peaks, CSV and HTML.

Public API (wired by the CLI and the daemon):

- :func:`build_report` writes ``<out>/<day>/`` and updates ``<out>/trend.csv`` and ``<out>/index.html``;
- :func:`build_range` does it for every day of a range;
- :func:`default_day` is yesterday in the configured zone.

Every CSV column is documented in docs/reports.md.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import Engine, select

from monitor import store
from monitor.config import Config
from monitor.errors import MonitorError
from monitor.records import utc
from reports.build import day_bounds, default_day, gather

__all__ = ["build_range", "build_report", "default_day"]

log = logging.getLogger(__name__)


def build_report(engine: Engine, cfg: Config, day: dt.date, *, now: dt.datetime | None = None) -> Path:
    """Write the report for local calendar ``day``; return the path of its index.html.

    ``now`` is the observation time (default: the clock): posts without an official reply by then
    are censored there. Re-running a day rewrites its directory and its trend.csv row. Today (in the
    configured zone) is a partial day: its page says so and it stays out of trend.csv. Raises
    MonitorError for a future day and for a store with nothing collected.
    """
    from reports import output  # local: pulls in matplotlib

    as_of = utc(now or store.now_utc())
    today = as_of.astimezone(cfg.tz).date()
    if day > today:
        raise MonitorError(f"report: {day} is in the future (today is {today} in {cfg.timezone})")
    with engine.connect() as conn:
        if conn.execute(select(store.posts.c.post_id).limit(1)).first() is None and \
                conn.execute(select(store.announcements.c.entry_id).limit(1)).first() is None:
            raise MonitorError("report: nothing collected yet: run `mention-monitor collect` (or `import`) first")
    rep = gather(engine, cfg, day, as_of)
    root = cfg.out_dir
    out = root / day.isoformat()
    try:
        out.mkdir(parents=True, exist_ok=True)
        written = output.write_csvs(rep, cfg, out)
        path = output.write_day_html(rep, cfg, out, written)
        if not rep.partial:  # today's figures still move: trend.csv holds finished days only
            output.update_trend(root, rep.summary)
        output.write_index(root, cfg)
    except OSError as exc:
        raise MonitorError(f"report.out_dir: cannot write {exc.filename or out} ({exc.strerror or exc}); "
                           "point it at a writable directory") from exc
    _record_run(engine, cfg, day)
    log.info("report %s: %d mentions, %d complaints, %d peaks -> %s", day, rep.summary["mentions"],
             rep.summary["complaints"], rep.summary["peaks"], path)
    return path


REPORT_RUN = "_report"  # runs.source of report builds (source names cannot start with "_")


def _record_run(engine: Engine, cfg: Config, day: dt.date) -> None:
    """A ``runs`` row per report written (``status`` shows the last one); ``covers_from`` = the day's start."""
    run_id = store.start_run(engine, REPORT_RUN, covers_from=day_bounds(cfg.tz, day)[0])
    store.finish_run(engine, run_id, status="ok")


def build_range(engine: Engine, cfg: Config, start: dt.date, end: dt.date, *,
                now: dt.datetime | None = None) -> list[Path]:
    """Rebuild every day from ``start`` to ``end`` inclusive (oldest first)."""
    if end < start:
        raise MonitorError(f"--to {end} is before --from {start}")
    as_of = utc(now or store.now_utc())
    paths = []
    day = start
    while day <= end:
        paths.append(build_report(engine, cfg, day, now=as_of))
        day += dt.timedelta(days=1)
    return paths

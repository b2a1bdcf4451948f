"""Build one day's report directory, the cross-day trend.csv and the top-level index.

``day`` is a calendar day in the configured time zone; everything stored is UTC. ``now`` (the
observation time, default: the clock) is when unanswered posts are censored, so rebuilding an old
day later shows the replies that arrived since.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from monitor.config import Config
from monitor.records import local_yesterday
from monitor.store import label_fingerprints
from monitor.usage import usage_lines
from reports import backlog, data, rows
from reports.backlog import Tile
from reports.business_hours import open_intervals
from reports.coverage import Coverage, coverage, reply_platforms
from reports.metrics import claimed_waits, daily_km_medians, response_summary, team_rows, waits
from reports.peaks import Event, Peak, annotate, group_peaks, history_flags, robust_flags, zero_baseline_onsets

log = logging.getLogger(__name__)

HISTORY_DAYS = 56  # 28 days shown + 28 days of baseline for the first of them


def day_bounds(tz: ZoneInfo, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a local calendar day in UTC: 23 or 25 hours long across a DST change."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def default_day(cfg: Config, now: dt.datetime) -> dt.date:
    """Yesterday in the configured time zone."""
    return local_yesterday(now, cfg.tz)


@dataclass(slots=True)
class Series:
    """Complaint counts per local-hour bin (UTC starts) and per local day, with baselines and peaks."""

    hours: pd.DatetimeIndex
    hourly: pd.DataFrame
    hour_base: np.ndarray
    hour_peaks: list[Peak]
    days: list[dt.date]
    daily: np.ndarray
    day_peaks: list[Peak]
    day_known: np.ndarray | None = None  # per day: inside some source's coverage (reports.coverage)


def sub_hour_offset(tz: ZoneInfo, at: dt.datetime) -> int:
    """Minutes past the UTC hour at which local hours start (30 for Asia/Kolkata, 45 for Nepal)."""
    off = at.astimezone(tz).utcoffset() or dt.timedelta(0)
    return int(off.total_seconds() // 60) % 60


def local_lags(local: pd.DatetimeIndex, step_days: int, count: int) -> np.ndarray:
    """For each bin, the bins at the same local hour ``step_days``, 2 x ``step_days``... days earlier.

    Keyed by local (date, hour), not by a fixed number of UTC hours: across a DST change "a week ago
    at 10:00" is 167 or 169 hours back. The repeated hour of a fall-back night maps to its first
    occurrence; the hour skipped in spring has no history (-1).
    """
    wall = local.tz_localize(None)  # local wall-clock times; the repeated fall-back hour appears twice
    keys = (wall.floor("D") - pd.Timestamp(0)).days.to_numpy() * 24 + wall.hour.to_numpy()
    uniq, first = np.unique(keys, return_index=True)  # first occurrence of each (date, hour)
    out = np.full((len(local), count), -1, dtype=np.int64)
    for s in range(count):
        target = keys - step_days * (s + 1) * 24
        pos = np.clip(np.searchsorted(uniq, target), 0, len(uniq) - 1)
        out[:, s] = np.where(uniq[pos] == target, first[pos], -1)
    return out


def _series(conn: Any, cfg: Config, day: dt.date, cov: Coverage) -> Series:
    tz = cfg.tz
    hist_start, end = day_bounds(tz, day - dt.timedelta(days=HISTORY_DAYS - 1))[0], day_bounds(tz, day)[1]
    # Bins start on local hour boundaries (hist_start is a local midnight), so a :30 zone gets
    # bins starting at :30 UTC, and the SQL buckets are shifted to match.
    hours = pd.date_range(hist_start, end, freq="h", inclusive="left", tz="UTC")
    shift = sub_hour_offset(tz, end)
    hourly = (data.hourly_counts(conn, hist_start, end, shift, cov.clause(hist_start)).set_index("hour")
              .reindex(hours, fill_value=0))
    k, mc = cfg.report.spike_threshold, cfg.report.spike_min_count
    comp = hourly["complaints"].to_numpy()
    first = cov.first
    # Hours that ended before the earliest coverage are unknown, not quiet (reports.coverage).
    known = hours + pd.Timedelta(hours=1) > (pd.Timestamp(first) if first else pd.Timestamp(end))
    comp_known = np.where(known, comp.astype(float), np.nan)
    # Hourly baseline: the same local hour of the same weekday in the previous four weeks, else the
    # same local hour of the previous seven days while the store is younger than two weeks.
    local = hours.tz_convert(tz)
    hf = zero_baseline_onsets(history_flags(comp_known, local_lags(local, 7, 4), local_lags(local, 1, 7), k=k,
                                            min_count=mc))
    h_starts = [h.to_pydatetime() for h in hours]
    h_ends = [h + dt.timedelta(hours=1) for h in h_starts]
    hour_peaks = group_peaks(h_starts, h_ends, comp, hf, "hour")
    local_days = local.date
    days = [day - dt.timedelta(days=i) for i in range(HISTORY_DAYS - 1, -1, -1)]
    per_day = pd.Series(comp, index=local_days).groupby(level=0).sum().reindex(days, fill_value=0)
    day_known = pd.Series(known, index=local_days).groupby(level=0).any().reindex(days, fill_value=False)
    df = zero_baseline_onsets(robust_flags(np.where(day_known.to_numpy(), per_day.to_numpy(dtype=float), np.nan),
                                           period=7, seasons=4, k=k, min_count=mc, fallback=(1, 7)))
    bounds = [day_bounds(tz, d) for d in days]
    day_peaks = group_peaks([b[0] for b in bounds], [b[1] for b in bounds], per_day.to_numpy(), df, "day")
    return Series(hours, hourly, hf.baseline, hour_peaks, days, per_day.to_numpy(), day_peaks, day_known.to_numpy())


def _events(anns: list[dict[str, Any]], moves: list[data.MarketMove]) -> list[Event]:
    out = []
    for a in anns:
        start = a.get("window_start") or a.get("published")
        if start is None:
            continue
        end = a.get("window_end") or start
        out.append(Event(a["kind"], a["title"], start, end, f"{a['source']}/{a['entry_id']}"))
    out += [Event("market", m.label(), m.start, m.end) for m in moves]
    return out


@dataclass(slots=True)
class DayReport:
    day: dt.date
    as_of: dt.datetime
    summary: dict[str, Any]
    series: Series
    peaks: list[Peak]
    needing_day: pd.DataFrame
    complaints: list[dict[str, Any]]
    announcements: list[dict[str, Any]]
    medians: list[float | None]
    replies_by_hour: pd.Series
    teams: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)
    not_reached: list[bool] = field(default_factory=list)  # trend days whose median was not reached
    backlog: dict[str, Any] = field(default_factory=dict)  # complaints/questions rows and totals
    impersonators: list[dict[str, Any]] = field(default_factory=list)
    tiles: list[Tile] = field(default_factory=list)
    reply_platforms: list[str] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)
    partial: bool = False  # the report day has not ended at as_of


def gather(engine: Engine, cfg: Config, day: dt.date, as_of: dt.datetime) -> DayReport:
    """Every figure of one day's report, from a handful of SQL queries."""
    tz = cfg.tz
    start, end = day_bounds(tz, day)
    first = lambda n: day_bounds(tz, day - dt.timedelta(days=n))[0]  # noqa: E731
    bounds = {"day": (start, end), "7d": (first(6), end), "28d": (first(27), end), "prev7d": (first(13), first(6))}
    linkable = reply_platforms(cfg)
    with engine.connect() as conn:
        cov = coverage(conn, cfg)
        covered = cov.clause(first(HISTORY_DAYS - 1))
        series = _series(conn, cfg, day, cov)
        needing = data.needing_answer(conn, cfg, first(27), end, as_of, platforms=linkable)
        complaints = data.complaints_between(conn, start, end, as_of, covered=covered)
        anns = data.announcements_between(conn, first(27) - dt.timedelta(days=1), end)
        reply_times = data.official_replies(conn, start, end)
        volumes = data.platform_volumes(conn, first(27), end)
        imps = data.impersonators_between(conn, first(1), end)
        open_now = backlog.open_posts(needing, as_of)
        limit = cfg.report.unanswered_limit
        shown = pd.concat([open_now[open_now["complaint"]].head(limit), open_now[~open_now["complaint"]].head(limit)])
        details = data.post_details(conn, list(zip(shown["platform"], shown["post_id"], strict=True)))
    moves = data.market_moves(engine, first(27), end, dict(cfg.report.market_move_thresholds))
    teams = [(t, open_intervals(t, cfg.timezone, day - dt.timedelta(days=29), _last(cfg, day, as_of)))
             for t in cfg.report.teams]
    intervals = teams[0][1]  # summary.csv / response_times.csv: the first team's hours, all posts
    peaks = [p for p in series.hour_peaks + series.day_peaks if p.start < end and p.end > start]
    annotate(peaks, _events(anns, moves))
    day_anns = [a for a in anns if _touches(a, start, end)]
    summary = _summary(cfg, day, as_of, series, needing, complaints, day_anns, reply_times, bounds, intervals)
    summary["peaks"] = len(peaks)
    # API use of the month the report is about (the report for the 31st is written on the 1st).
    usage_at = min(as_of, end - dt.timedelta(microseconds=1))
    summary.update(_usage(engine, cfg, usage_at))
    summary.update(backlog.backlog_counts(open_now))
    day_imps = [i for i in imps if start <= i["created_at"] < end]
    summary["impersonators"] = len(day_imps)
    summary["reply_platforms"] = ";".join(sorted(linkable)) or None
    summary["partial"] = as_of < end
    w = waits(needing, as_of, intervals)
    day_w = w[(w["created_at"] >= start) & (w["created_at"] < end)]
    medians, not_reached = daily_km_medians(needing, series.days[-28:], tz, as_of, intervals)
    by_hour = pd.Series(1, index=pd.DatetimeIndex(reply_times, tz="UTC").floor("h") if reply_times else
                        pd.DatetimeIndex([], tz="UTC")).groupby(level=0).sum()
    prev_open = backlog.open_posts(needing, as_of - dt.timedelta(days=1))
    comp_rows, n_comp = backlog.backlog_rows(open_now, details, tz, True, limit)
    q_rows, n_q = backlog.backlog_rows(open_now, details, tz, False, limit)
    rep = DayReport(day, as_of, summary, series, peaks, day_w, complaints, day_anns, medians, by_hour,
                    team_rows(needing, bounds, as_of, teams, cfg.timezone),
                    _usage_notes(engine, cfg, usage_at) + _market_notes(moves, start, end, tz)
                    + _platform_notes(needing, volumes) + _label_notes(engine, first(HISTORY_DAYS - 1), end),
                    not_reached, {"complaints": comp_rows, "complaints_total": n_comp, "questions": q_rows,
                                  "questions_total": n_q, "all": backlog.all_open_rows(open_now, tz)},
                    day_imps, [], sorted(linkable), cov, as_of < end)
    rep.tiles = _tiles(cfg, rep, backlog.backlog_counts(prev_open), len(imps) - len(day_imps))
    return rep


def _last(cfg: Config, day: dt.date, as_of: dt.datetime) -> dt.date:
    return max(as_of.astimezone(cfg.tz).date(), day) + dt.timedelta(days=1)


def _tiles(cfg: Config, rep: DayReport, prev_backlog: dict[str, int], prev_imps: int) -> list[Tile]:
    s, since = rep.summary, "the day before"
    daily = rep.series.daily
    prev_day = int(daily[-2]) if len(daily) > 1 else None
    cur_open = s["backlog_complaints"] + s["backlog_questions"]
    prev_open = prev_backlog["backlog_complaints"] + prev_backlog["backlog_questions"]
    return [
        backlog.count_tile("complaints", s["complaints"], prev_day, since),
        backlog.count_tile("open backlog (complaints + questions)", cur_open, prev_open, "24 h earlier"),
        backlog.median_tile(s, cfg.report.min_sample),
        backlog.share_tile(s, cfg.report.min_sample),
        backlog.count_tile("high-urgency complaints open", s["backlog_high_urgency"],
                           prev_backlog["backlog_high_urgency"], "24 h earlier"),
        backlog.count_tile("suspected impersonators", s["impersonators"], prev_imps, since),
    ]


def _label_notes(engine: Engine, start: dt.datetime, end: dt.datetime) -> list[str]:
    """Say so when the labels this report reads (its day plus the peak baselines' history) were made by
    more than one rule set: counts and peaks would mix old and new rules (``mention-monitor relabel``)."""
    with engine.connect() as conn:
        by_fp = label_fingerprints(conn, start, end)
    if len(by_fp) < 2:
        return []
    parts = ", ".join(f"{fp or 'before fingerprints'}: {n}" for fp, n in sorted(by_fp.items(), key=lambda kv: -kv[1]))
    return [f"Labels of the posts this report reads ({start:%Y-%m-%d} to {end:%Y-%m-%d} UTC) were made by "
            f"{len(by_fp)} different rule sets ({parts}); counts and peaks mix old and new rules until "
            f"`mention-monitor relabel --since {start:%Y-%m-%d}` is run."]



def _platform_notes(needing: pd.DataFrame, volumes: dict[str, tuple[int, int]]) -> list[str]:
    """Reply times per platform over 28 days; a platform without official posts is volume only.

    The median is over answered posts only (a plain figure per platform; the censored Kaplan-Meier
    medians above stay the headline). Lines only when more than one platform was collected.
    """
    if len(volumes) < 2:
        return []
    out = []
    for platform, (total, official) in sorted(volumes.items()):
        mine = needing[needing["platform"] == platform]
        answered = mine["latency"].dropna()
        if official == 0:
            out.append(f"{platform}: volume only, no official replies to link ({total} posts in 28 days)")
        elif answered.empty:
            out.append(f"{platform}: {len(mine)} posts needing an answer in 28 days, none answered yet")
        else:
            out.append(f"{platform}: {len(answered)} of {len(mine)} posts needing an answer in 28 days "
                       f"answered, median first reply among those answered {answered.median() / 3600:.1f} h "
                       "(the response-time table also counts those still waiting)")
    return out


def _market_notes(moves: list[data.MarketMove], start: dt.datetime, end: dt.datetime, tz: Any) -> list[str]:
    """One line per market move ending this day: the hours to read complaints against."""
    return [f"market: {m.label()} (to {m.end.astimezone(tz):%H:%M})" for m in moves if start <= m.end < end]


def _usage_notes(engine: Engine, cfg: Config, as_of: dt.datetime) -> list[str]:
    """The twitter source's own month-usage lines (posts read against the budget), if any."""
    if not any(s.type == "twitter" for s in cfg.sources):
        return []
    return usage_lines(engine, cfg, as_of)


def _touches(a: dict[str, Any], start: dt.datetime, end: dt.datetime) -> bool:
    pub = a.get("published")
    if pub is not None and start <= pub < end:
        return True
    ws = a.get("window_start")
    if ws is None:
        return False
    we = a.get("window_end") or ws
    return ws < end and we >= start


def _summary(cfg: Config, day: dt.date, as_of: dt.datetime, series: Series, needing: pd.DataFrame,
             complaints: list[dict[str, Any]], day_anns: list[dict[str, Any]], reply_times: list[dt.datetime],
             bounds: dict[str, tuple[dt.datetime, dt.datetime]], intervals: Any) -> dict[str, Any]:
    start, end = bounds["day"]
    hd = series.hourly[(series.hours >= pd.Timestamp(start)) & (series.hours < pd.Timestamp(end))]
    mentions, n_complaints = int(hd["mentions"].sum()), int(hd["complaints"].sum())
    # Notices, not chatter: official top-level posts flagged maintenance (data.hourly_counts leaves
    # out official replies such as "@x 维护期间提币暂停" and every user post) plus the maintenance
    # announcements listed in announcements.csv (published that day or with a window overlapping it).
    maint = int(hd["maintenance"].sum()) + sum(1 for a in day_anns if a["kind"] == "maintenance")
    row: dict[str, Any] = {
        "date": day.isoformat(), "timezone": cfg.timezone, "as_of": rows.local(as_of, cfg.tz),
        "mentions": mentions, "complaints": n_complaints,
        "complaint_rate": round(n_complaints / mentions, 4) if mentions else None,
        "maintenance_notices": maint, "replies": len(reply_times),
    }
    row.update(response_summary(needing, bounds, as_of, intervals, cfg.report.min_sample))
    row.update(claimed_waits([c.get("claimed_wait_seconds") for c in complaints]))
    return row


def _usage(engine: Engine, cfg: Config, as_of: dt.datetime) -> dict[str, Any]:
    usage = data.api_usage(engine, cfg, as_of)
    if usage is None:
        return {"api_posts_read_month": None, "api_requests_month": None}
    return {"api_posts_read_month": usage["posts_read"], "api_requests_month": usage["requests"]}

"""Write a gathered day to disk: the CSV files, the charts, index.html, trend.csv and the top index."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from markupsafe import Markup

from monitor.config import Config
from reports import charts, csvout, html, rows
from reports.build import DayReport, day_bounds
from reports.metrics import SUMMARY_COLUMNS, TEAM_COLUMNS

_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILES = ["summary.csv", "complaints.csv", "response_times.csv", "hourly.csv", "peaks.csv", "announcements.csv",
         "business_hours.csv"]


def _hourly_rows(rep: DayReport, cfg: Config) -> list[dict[str, Any]]:
    start, end = day_bounds(cfg.tz, rep.day)
    s = rep.series
    mask = (s.hours >= start) & (s.hours < end)
    flagged = {p.start for p in rep.series.hour_peaks}
    out = []
    for (ts, r), base in zip(s.hourly[mask].iterrows(), s.hour_base[mask], strict=True):
        peak = any(p.granularity == "hour" and p.start <= ts < p.end for p in rep.peaks) or ts in flagged
        out.append({"hour_start_local": rows.local(ts, cfg.tz), "mentions": int(r["mentions"]),
                    "complaints": int(r["complaints"]), "official_posts": int(r["official"]),
                    "official_replies": int(rep.replies_by_hour.get(ts, 0)),
                    "complaint_baseline": None if np.isnan(base) else round(float(base), 2), "peak": peak})
    return out


def write_csvs(rep: DayReport, cfg: Config, out: Path) -> dict[str, list[dict[str, Any]]]:
    tz = cfg.tz
    tables = {
        "summary.csv": (SUMMARY_COLUMNS, [rep.summary]),
        "complaints.csv": (rows.COMPLAINT_COLUMNS, rows.complaint_rows(rep.complaints, tz)),
        "response_times.csv": (rows.RESPONSE_COLUMNS, rows.response_rows(rep.needing_day, tz)),
        "hourly.csv": (rows.HOURLY_COLUMNS, _hourly_rows(rep, cfg)),
        "peaks.csv": (rows.PEAK_COLUMNS, rows.peak_rows(rep.peaks, tz)),
        "announcements.csv": (rows.ANNOUNCEMENT_COLUMNS, rows.announcement_rows(rep.announcements, tz)),
        "business_hours.csv": (TEAM_COLUMNS, rep.teams),
    }
    for name, (cols, items) in tables.items():
        csvout.write_csv(out / name, cols, items)
    return {name: items for name, (_cols, items) in tables.items()}


def _charts(rep: DayReport, cfg: Config, hourly: list[dict[str, Any]]) -> dict[str, str]:
    tz = cfg.tz
    s = rep.series
    days = s.days[-28:]
    peak_days = {p.start.astimezone(tz).date() for p in s.day_peaks}
    med_h = [None if m is None else m / 3600 for m in rep.medians]
    trend = charts.trend_chart(days, s.daily[-28:].tolist(), med_h, peak_days)
    start28 = day_bounds(tz, days[0])[0]
    recent = s.hourly[s.hours >= start28]
    local = recent.index.tz_convert(tz)
    mat = np.zeros((7, 24))
    np.add.at(mat, (local.day_of_week, local.hour), recent["complaints"].to_numpy())
    heat = charts.heatmap_chart(mat)
    hour_local = [pd.Timestamp(h["hour_start_local"]).to_pydatetime() for h in hourly]
    windows = [(a["window_start"], a.get("window_end") or a["window_start"] + dt.timedelta(hours=1))
               for a in rep.announcements if a["kind"] == "maintenance" and a.get("window_start")]
    peaks = [(p.start, p.end) for p in rep.peaks if p.granularity == "hour"]
    base = [np.nan if h["complaint_baseline"] is None else h["complaint_baseline"] for h in hourly]
    # Aware datetimes compare as instants, so local hour starts and UTC windows line up.
    vol = charts.volume_chart(hour_local, [h["complaints"] for h in hourly], base, peaks, windows)
    # matplotlib writes the SVG and XML-escapes its labels; the labels are ours, not post text.
    return {"trend_svg": Markup(trend), "heatmap_svg": Markup(heat), "volume_svg": Markup(vol)}


def _figures(summary: dict[str, Any]) -> list[tuple[str, str]]:
    figures = [
        ("mentions", str(summary["mentions"])), ("complaints", str(summary["complaints"])),
        ("complaint rate", rows.pct(summary["complaint_rate"])),
        ("still waiting (day)", str(summary["unanswered"])),
        ("median wait (KM, day)", rows.duration(summary["day_km_median_seconds"]) or "not reached"),
        ("answered within 24 h (7 d)", rows.pct(summary["7d_answered_24h"])),
        ("week over week (median)", rows.pct(summary["wow_km_median_change"], signed=True)),
        ("claimed waits", str(summary["claimed_waits"])),
    ]
    if summary["api_posts_read_month"] is not None:  # None: no twitter source configured, nothing to show
        figures.append(("X API reads this month", rows.text(summary["api_posts_read_month"])))
    return figures


def write_day_html(rep: DayReport, cfg: Config, out: Path, written: dict[str, list[dict[str, Any]]]) -> Path:
    tz = cfg.tz
    svgs = _charts(rep, cfg, written["hourly.csv"])
    unanswered = rows.complaint_rows(rep.unanswered, tz)
    show = ["created_local", "platform", "author_handle", "text", "url"]
    page = html.render(
        "day.html", brand=cfg.brand.names[0], day=rep.day.isoformat(), timezone=cfg.timezone,
        as_of=rows.local(rep.as_of, tz), figures=_figures(rep.summary), team=cfg.report.teams[0].team,
        teams_table=html.table(rows.team_frame(rep.teams), "teams") if len(cfg.report.teams) > 1 else None,
        response_table=html.table(rows.response_frame(rep.summary), "response"),
        trend_svg=svgs["trend_svg"], volume_svg=svgs["volume_svg"], heatmap_svg=svgs["heatmap_svg"],
        peaks_table=html.table(rows.display(written["peaks.csv"], rows.PEAK_COLUMNS), "peaks"),
        unanswered_table=html.table(rows.display(unanswered, show), "unanswered", {"url": "open"}),
        complaints_table=html.table(rows.display(
            written["complaints.csv"], [*show, "claimed_wait_seconds", "status", "reply_latency_seconds"],
            durations=["claimed_wait_seconds", "reply_latency_seconds"]), "complaints", {"url": "open"}),
        announcements_table=html.table(rows.display(
            written["announcements.csv"], ["kind", "title", "published_local", "window_start_local",
                                           "window_end_local", "url"]), "announcements", {"url": "open"}),
        notes=rep.notes, files=FILES)
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path


def update_trend(out_root: Path, summary: dict[str, Any]) -> Path:
    """Replace (or add) this day's row in trend.csv; one row per day, sorted by date."""
    path = out_root / "trend.csv"
    kept = [r for r in csvout.read_csv(path) if r.get("date") and r["date"] != summary["date"]]
    new = {c: csvout.cell(summary.get(c)) for c in SUMMARY_COLUMNS}
    return csvout.write_raw(path, SUMMARY_COLUMNS, sorted([*kept, new], key=lambda r: r["date"]))


def write_index(out_root: Path, cfg: Config) -> Path:
    """The top-level page linking every day directory that has an index.html, newest first."""
    trend = {r["date"]: r for r in csvout.read_csv(out_root / "trend.csv")}
    days = sorted((p.name for p in out_root.iterdir() if _DAY_DIR.match(p.name) and (p / "index.html").exists()),
                  reverse=True)
    frame = pd.DataFrame([{
        "date": d, "report": f"{d}/index.html", "mentions": trend.get(d, {}).get("mentions", ""),
        "complaints": trend.get(d, {}).get("complaints", ""),
        "still waiting": trend.get(d, {}).get("unanswered", ""),
        "median wait (7 d)": rows.duration(trend.get(d, {}).get("7d_km_median_seconds")),
        "answered in 24 h (7 d)": rows.pct(trend.get(d, {}).get("7d_answered_24h")),
    } for d in days]).astype(object)
    page = html.render("index.html", brand=cfg.brand.names[0], timezone=cfg.timezone,
                       days_table=html.table(frame, "days", {"report": "open"}))
    path = out_root / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

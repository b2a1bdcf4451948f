"""Write a gathered day to disk: the CSV files, the charts, index.html, trend.csv and the top index."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, cast

import numpy as np
import pandas as pd
from markupsafe import Markup

from monitor.config import Config
from reports import charts, csvout, html, rows, sections
from reports.build import DayReport, day_bounds
from reports.metrics import SUMMARY_COLUMNS, TEAM_COLUMNS

_DAY_DIR = re.compile(r"^\d{4}-\d{2}-\d{2}$")
FILES = ["summary.csv", "complaints.csv", "response_times.csv", "hourly.csv", "peaks.csv", "announcements.csv",
         "business_hours.csv", "impersonators.csv", "backlog.csv"]
BACKLOG_COLUMNS = ["platform", "post_id", "created_local", "reason", "urgency", "waiting_seconds"]


def _hourly_rows(rep: DayReport, cfg: Config) -> list[dict[str, Any]]:
    start, end = day_bounds(cfg.tz, rep.day)
    s = rep.series
    mask = (s.hours >= pd.Timestamp(start)) & (s.hours < pd.Timestamp(end))
    flagged = {p.start for p in rep.series.hour_peaks}
    out = []
    ts: Any  # the hourly frame's index is a DatetimeIndex of hour starts (the stubs say Hashable)
    for (ts, r), base in zip(s.hourly[mask].iterrows(), s.hour_base[mask], strict=True):
        peak = any(p.granularity == "hour" and p.start <= ts < p.end for p in rep.peaks) or ts in flagged
        out.append({"hour_start_local": rows.local(ts, cfg.tz), "mentions": int(r["mentions"]),
                    "complaints": int(r["complaints"]), "official_posts": int(r["official"]),
                    "official_replies": int(rep.replies_by_hour.get(ts, 0)),
                    "complaint_baseline": None if np.isnan(base) else round(float(base), 2), "peak": peak})
    return out


def _write_backlog(rep: DayReport, out: Path) -> None:
    """backlog.csv: every open post (not only those listed on the page), oldest first. Can run to tens of
    thousands of rows, so cells are rendered here in bulk (text neutralised as csvout.cell does)."""
    n = csvout.neutralise
    rendered = [{"platform": n(r["platform"]), "post_id": n(str(r["post_id"])), "created_local": r["created_local"],
                 "reason": r["reason"], "urgency": n(r["urgency"]) if r["urgency"] else "",
                 "waiting_seconds": str(r["waiting_seconds"])} for r in rep.backlog.get("all", [])]
    csvout.write_raw(out / "backlog.csv", BACKLOG_COLUMNS, rendered)


def write_csvs(rep: DayReport, cfg: Config, out: Path) -> dict[str, list[dict[str, Any]]]:
    tz = cfg.tz
    lookalikes = {(i["platform"], i["reply_to_id"]): i["author_handle"] for i in rep.impersonators if i["reply_to_id"]}
    tables = {
        "summary.csv": (SUMMARY_COLUMNS, [rep.summary]),
        "complaints.csv": (rows.COMPLAINT_COLUMNS, rows.complaint_rows(rep.complaints, tz, rep.reply_platforms,
                                                                       lookalikes)),
        "response_times.csv": (rows.RESPONSE_COLUMNS, rows.response_rows(rep.needing_day, tz)),
        "hourly.csv": (rows.HOURLY_COLUMNS, _hourly_rows(rep, cfg)),
        "peaks.csv": (rows.PEAK_COLUMNS, rows.peak_rows(rep.peaks, tz)),
        "announcements.csv": (rows.ANNOUNCEMENT_COLUMNS, rows.announcement_rows(rep.announcements, tz)),
        "business_hours.csv": (TEAM_COLUMNS, rep.teams),
        "impersonators.csv": (rows.IMPERSONATOR_COLUMNS, rows.impersonator_rows(rep.impersonators, tz)),
    }
    for name, (cols, items) in tables.items():
        csvout.write_csv(out / name, cols, items)
    _write_backlog(rep, out)
    return {name: items for name, (_cols, items) in tables.items()}


def _charts(rep: DayReport, cfg: Config, hourly: list[dict[str, Any]]) -> dict[str, str]:
    tz = cfg.tz
    s = rep.series
    days = s.days[-28:]
    peak_days = peak_day_set(s.day_peaks, tz)
    med_h = [None if m is None else m / 3600 for m in rep.medians]
    # Sized to the data: days before the earliest coverage are left out (at least 7 days drawn).
    known = s.day_known[-28:] if s.day_known is not None else np.ones(28, dtype=bool)
    lead = min(int(np.argmax(known)) if known.any() else 0, 21)
    days, daily = days[lead:], s.daily[-28:][lead:].tolist()
    med_h, nr = med_h[lead:], rep.not_reached[lead:]
    trend = charts.trend_chart(days, daily, med_h, peak_days, nr)
    trend_phone = charts.trend_chart(days, daily, med_h, peak_days, nr, size=(4.2, 3.2), salt="trend-phone")
    start28 = day_bounds(tz, days[0])[0]
    recent = s.hourly[s.hours >= pd.Timestamp(start28)]
    local = cast(pd.DatetimeIndex, recent.index).tz_convert(tz)  # the stubs type a frame's index as Index
    mat = np.zeros((7, 24))
    np.add.at(mat, (local.day_of_week, local.hour), recent["complaints"].to_numpy())
    heat = charts.heatmap_chart(mat)
    hour_local = [pd.Timestamp(h["hour_start_local"]).to_pydatetime() for h in hourly]
    windows = [(a["window_start"], a.get("window_end") or a["window_start"] + dt.timedelta(hours=1))
               for a in rep.announcements if a["kind"] == "maintenance" and a.get("window_start")]
    peaks = [(p.start, p.end) for p in rep.peaks if p.granularity == "hour"]
    base = [np.nan if h["complaint_baseline"] is None else h["complaint_baseline"] for h in hourly]
    # Aware datetimes compare as instants, so local hour starts and UTC windows line up.
    counts = [h["complaints"] for h in hourly]
    vol = charts.volume_chart(hour_local, counts, base, peaks, windows)
    vol_phone = charts.volume_chart(hour_local, counts, base, peaks, windows, size=(4.2, 3.0), salt="volume-phone")
    # matplotlib writes the SVG and XML-escapes its labels; the labels are ours, not post text.
    return {"trend_svg": Markup(trend), "trend_phone_svg": Markup(trend_phone), "heatmap_svg": Markup(heat),
            "volume_svg": Markup(vol), "volume_phone_svg": Markup(vol_phone)}


def peak_day_set(day_peaks: list[Any], tz: Any) -> set[dt.date]:
    """Every local day a day-peak covers (a three-day peak colours three bars, not its first)."""
    out: set[dt.date] = set()
    for p in day_peaks:
        d, last = p.start.astimezone(tz).date(), (p.end - dt.timedelta(microseconds=1)).astimezone(tz).date()
        while d <= last:
            out.add(d)
            d += dt.timedelta(days=1)
    return out


def _figures(summary: dict[str, Any]) -> list[tuple[str, str]]:
    figures = [
        ("mentions", str(summary["mentions"])), ("complaint rate", rows.pct(summary["complaint_rate"]) or "—"),
        ("official replies", str(summary["replies"])), ("maintenance notices", str(summary["maintenance_notices"])),
        ("median wait (KM, day)", rows.duration(summary["day_km_median_seconds"])
         or ("not reached" if summary["day_needing"] else "—")),
    ]
    if summary["api_posts_read_month"] is not None:  # None: no twitter source configured, nothing to show
        figures.append(("X API reads this month", rows.text(summary["api_posts_read_month"])))
    return figures


FOLD = 10  # tables longer than this fold behind <details> (phone: the page stays short)


def _why(rep: DayReport, written: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    frames = sections.why_frames(rep.complaints)
    s = rep.summary
    med, longest = rows.duration(s["claimed_wait_median_seconds"]), rows.duration(s["claimed_wait_max_seconds"])
    claimed = ("—" if not s["claimed_waits"] else
               f"{s['claimed_waits']} complaints say how long they waited: median {med}, longest {longest}")
    return {"topics_table": html.table(frames["topics"], "topics", empty="no complaints"),
            "urgency_table": html.table(frames["urgency"], "urgency", empty="no complaints"),
            "claimed": claimed,
            "peaks_table": html.table(rows.display(written["peaks.csv"], rows.PEAK_COLUMNS), "peaks",
                                      empty="no peak this day")}


def _backlog_tables(rep: DayReport) -> dict[str, Any]:
    cols = ["created_local", "waiting_seconds", "urgency", "platform", "author_handle", "text", "url"]
    b = rep.backlog
    return {"backlog_complaints": html.table(rows.display(b["complaints"], cols, durations=["waiting_seconds"]),
                                             "backlog-c", {"link": "open"}, empty="none open"),
            "backlog_questions": html.table(rows.display(b["questions"], cols, durations=["waiting_seconds"]),
                                            "backlog-q", {"link": "open"}, empty="none open"),
            "backlog_n": (len(b["complaints"]), b["complaints_total"], len(b["questions"]), b["questions_total"])}


def write_day_html(rep: DayReport, cfg: Config, out: Path, written: dict[str, list[dict[str, Any]]]) -> Path:
    tz = cfg.tz
    svgs = _charts(rep, cfg, written["hourly.csv"])
    show = ["created_local", "platform", "author_handle", "text", "url"]
    complaints = written["complaints.csv"]
    imps = written["impersonators.csv"]
    cov_first = rows.local(rep.coverage.first, tz)
    page = html.render(
        "day.html", brand=cfg.brand.names[0], day=rep.day.isoformat(), timezone=cfg.timezone,
        as_of=(rows.local(rep.as_of, tz) or "")[:16].replace("T", " "), partial=rep.partial, tiles=rep.tiles,
        figures=_figures(rep.summary), team=cfg.report.teams[0].team,
        reply_platforms=", ".join(rep.reply_platforms), coverage_from=cov_first[:10] if cov_first else None,
        cuts=[(name, (rows.local(start, tz) or "")[:16].replace("T", " ")) for _k, name, start in rep.coverage.cuts],
        teams_table=html.table(rows.team_frame(rep.teams), "teams") if len(cfg.report.teams) > 1 else None,
        response_table=html.table(rows.response_frame(rep.summary), "response"),
        trend_svg=svgs["trend_svg"], trend_phone_svg=svgs["trend_phone_svg"], volume_svg=svgs["volume_svg"],
        volume_phone_svg=svgs["volume_phone_svg"],
        heatmap_svg=svgs["heatmap_svg"], fold=FOLD, **_why(rep, written), **_backlog_tables(rep),
        min_sample=cfg.report.min_sample,
        imps_n=len(imps), imps_table=html.table(rows.display(
            imps, ["created_local", "account", "lure", "url", "answered_handle", "answered_text", "answered_url"]),
            "imps", {"link": "open", "complaint link": "open"}, empty="none this day"),
        platform_table=html.table(sections.breakdown(rep.complaints, rep.needing_day, "platform",
                                                     rep.reply_platforms), "by-platform", empty="no posts"),
        lang_table=html.table(sections.breakdown(rep.complaints, rep.needing_day, "lang", rep.reply_platforms),
                              "by-lang", empty="no posts"),
        complaints_n=len(complaints),
        complaints_table=html.table(rows.display(
            complaints, [*show, "urgency", "claimed_wait_seconds", "status", "reply_latency_seconds"],
            durations=["claimed_wait_seconds", "reply_latency_seconds"]), "complaints", {"link": "open"},
            empty="no complaints"),
        announcements_table=html.table(rows.display(
            written["announcements.csv"], ["kind", "title", "published_local", "window_start_local",
                                           "window_end_local", "url"]), "announcements", {"link": "open"}),
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


def _num(row: dict[str, str], key: str) -> float | None:
    v = row.get(key, "")
    return float(v) if v not in ("", None) else None


def _total(xs: list[float | None]) -> int | None:
    """The sum as an int, or None when any value is missing."""
    known = [x for x in xs if x is not None]
    return int(sum(known)) if len(known) == len(xs) else None


def _day(row: dict[str, str]) -> dt.date:
    return dt.date.fromisoformat(row["date"])


def _index_tiles(rows_: list[dict[str, str]], min_n: int) -> list[Any]:
    """The newest finished day's tiles from trend.csv, each against the day before it."""
    from reports import backlog

    if not rows_:
        return []
    cur, prev = rows_[-1], (rows_[-2] if len(rows_) > 1 else {})
    day_before, earlier = "the day before", "a day earlier"
    if prev and _day(prev) != _day(cur) - dt.timedelta(days=1):
        # trend.csv skips days never reported: say which day the figure is, not "the day before"
        day_before = earlier = f"on {prev['date']} (the last day reported before it)"

    def count(label: str, key: str, since: str, *keys: str) -> Any:
        c = [_num(cur, k) for k in (key, *keys)]
        p = [_num(prev, k) for k in (key, *keys)]
        return backlog.count_tile(label, _total(c), _total(p), since)

    med = {k: _num(cur, k) for k in ("7d_km_median_seconds", "prev7d_km_median_seconds", "7d_max_wait_seconds",
                                      "prev7d_max_wait_seconds", "7d_answered_24h", "prev7d_answered_24h",
                                      "wow_km_median_change")}
    med.update({k: int(_num(cur, k) or 0) for k in ("7d_needing", "prev7d_needing")})
    return [count(f"complaints ({cur['date']})", "complaints", day_before),
            count("open backlog", "backlog_complaints", earlier, "backlog_questions"),
            backlog.median_tile(med, min_n), backlog.share_tile(med, min_n),
            count("high-urgency complaints open", "backlog_high_urgency", earlier),
            count("suspected impersonators", "impersonators", day_before)]


_TREND_DIV = '<div class="chart desk" id="chart-trend">'


def _index_chart(out_root: Path, rows_: list[dict[str, str]]) -> Markup | None:
    """The newest finished day's 28-day trend chart, taken from its page (drawn once, when that day
    was built: the index is rewritten after every day and would otherwise draw it again each time)."""
    if not rows_:
        return None
    try:
        page = (out_root / rows_[-1]["date"] / "index.html").read_text(encoding="utf-8")
    except OSError:
        return None
    start = page.find(_TREND_DIV)
    end = page.find("</svg>", start)
    # Our own SVG written by reports.charts into our own page, not text from a post.
    return Markup(page[start + len(_TREND_DIV):end + len("</svg>")]) if start >= 0 and end >= 0 else None


def write_index(out_root: Path, cfg: Config) -> Path:
    """The top-level page: the newest day's tiles and a trend chart (from trend.csv), then every day
    directory that has an index.html, newest first, with its peaks and maintenance notices."""
    trend_rows = sorted(csvout.read_csv(out_root / "trend.csv"), key=lambda r: r.get("date", ""))
    trend = {r["date"]: r for r in trend_rows}
    days = sorted((p.name for p in out_root.iterdir() if _DAY_DIR.match(p.name) and (p / "index.html").exists()),
                  reverse=True)
    frame = pd.DataFrame([{
        "date": d + ("" if d in trend else " (partial)"), "report": f"{d}/index.html",
        "mentions": trend.get(d, {}).get("mentions", ""),
        "complaints": trend.get(d, {}).get("complaints", ""),
        "still waiting": trend.get(d, {}).get("unanswered", ""),
        "peaks": trend.get(d, {}).get("peaks", ""),
        "maintenance notices": trend.get(d, {}).get("maintenance_notices", ""),
        "median wait (7 d)": rows.duration(trend.get(d, {}).get("7d_km_median_seconds")),
        "answered in 24 h (7 d)": rows.pct(trend.get(d, {}).get("7d_answered_24h")),
    } for d in days]).astype(object)
    page = html.render("index.html", brand=cfg.brand.names[0], timezone=cfg.timezone,
                       tiles=_index_tiles(trend_rows, cfg.report.min_sample),
                       trend_svg=_index_chart(out_root, trend_rows),
                       days_table=html.table(frame, "days", {"report": "open"}))
    path = out_root / "index.html"
    path.write_text(page, encoding="utf-8")
    return path

"""Rows for the CSV files and display frames for the HTML tables (column lists live here)."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Collection, Sequence
from typing import Any
from zoneinfo import ZoneInfo

import pandas as pd

from reports.html import safe_url
from reports.peaks import Peak

COMPLAINT_COLUMNS = ["platform", "post_id", "created_local", "author_handle", "text", "url", "urgency",
                     "topics", "claimed_wait_seconds", "impersonation_suspect", "status",
                     "first_reply_local", "reply_latency_seconds", "evidence", "impersonator_reply"]
RESPONSE_COLUMNS = ["platform", "post_id", "created_local", "reason", "status", "first_reply_local",
                    "wait_seconds", "bh_wait_seconds", "censored"]
HOURLY_COLUMNS = ["hour_start_local", "mentions", "complaints", "official_posts", "official_replies",
                  "complaint_baseline", "peak"]
PEAK_COLUMNS = ["granularity", "start_local", "end_local", "complaints", "baseline", "ratio", "annotations"]
ANNOUNCEMENT_COLUMNS = ["source", "entry_id", "kind", "status", "title", "published_local",
                        "window_start_local", "window_end_local", "url"]


def local(ts: dt.datetime | pd.Timestamp | None, tz: ZoneInfo) -> str | None:
    if ts is None or pd.isna(ts):
        return None
    return pd.Timestamp(ts).to_pydatetime().astimezone(tz).isoformat(timespec="seconds")


def _joined(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list | tuple):
        return ";".join(str(v) for v in value)
    return str(value)


IMPERSONATOR_COLUMNS = ["created_local", "platform", "post_id", "account", "account_name", "lure", "text", "url",
                        "answered_post_id", "answered_handle", "answered_text", "answered_url"]


def complaint_rows(items: Sequence[dict[str, Any]], tz: ZoneInfo, linkable: Collection[str] | None = None,
                   lookalikes: dict[tuple[str, str], str] | None = None) -> list[dict[str, Any]]:
    """``status``: answered | waiting | volume only (a platform where replies cannot be linked, see
    reports.coverage). ``impersonator_reply``: handle of a suspected impersonator that replied to it."""
    rows = []
    for c in items:
        lat = c.get("latency")
        answered = lat is not None
        tracked = linkable is None or c["platform"] in linkable
        rows.append({
            "platform": c["platform"], "post_id": c["post_id"],
            "created_local": (local(c["created_at"], tz) or "") + (
                " (first seen; its feed date could not be read)" if c.get("dated_by") == "first_seen" else ""),
            "author_handle": c.get("author_handle"), "text": c.get("text"), "url": safe_url(c.get("url")),
            "urgency": c.get("urgency"), "topics": _joined(c.get("topics")),
            "claimed_wait_seconds": c.get("claimed_wait_seconds"),
            "impersonation_suspect": bool(c.get("impersonation_suspect")),
            "status": "answered" if answered else "waiting" if tracked else "volume only",
            "first_reply_local": local(c["created_at"] + dt.timedelta(seconds=max(lat, 0.0)), tz)
            if lat is not None else None,
            "reply_latency_seconds": round(max(lat, 0.0)) if lat is not None else None,
            "evidence": json.dumps(c["evidence"], ensure_ascii=False) if c.get("evidence") else None,
            "impersonator_reply": (lookalikes or {}).get((c["platform"], c["post_id"])),
        })
    return rows


def lures(evidence: Any) -> str | None:
    if isinstance(evidence, str):
        evidence = json.loads(evidence)
    found = [e.get("match") for e in evidence or [] if str(e.get("rule", "")).startswith("lure.") and e.get("match")]
    return "; ".join(dict.fromkeys(found)) or None


def impersonator_rows(items: Sequence[dict[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Suspected impersonators' replies (reports.data.impersonators_between) with what they answered."""
    return [{"created_local": local(i["created_at"], tz), "platform": i["platform"], "post_id": i["post_id"],
             "account": i.get("author_handle"), "account_name": i.get("author_name"), "lure": lures(i.get("evidence")),
             "text": i.get("text"), "url": safe_url(i.get("url")), "answered_post_id": i.get("reply_to_id"),
             "answered_handle": i.get("parent_handle"), "answered_text": i.get("parent_text"),
             "answered_url": safe_url(i.get("parent_url"))} for i in items]


def response_rows(w: pd.DataFrame, tz: ZoneInfo) -> list[dict[str, Any]]:
    """One row per post needing an answer (``w`` from metrics.waits), oldest first."""
    rows = []
    r: Any  # a row of ``w``: the stubs cannot know its columns' types (created_at is a Timestamp)
    for r in w.sort_values(["created_at", "platform", "post_id"]).itertuples(index=False):
        created = r.created_at.to_pydatetime()
        rows.append({
            "platform": r.platform, "post_id": r.post_id, "created_local": local(created, tz),
            "reason": "complaint" if r.complaint else "question",
            "status": "answered" if r.answered else "waiting",
            "first_reply_local": local(created + dt.timedelta(seconds=float(r.wait)), tz) if r.answered else None,
            "wait_seconds": round(float(r.wait)), "bh_wait_seconds": round(float(r.bh_wait)),
            "censored": not r.answered,
        })
    return rows


def peak_rows(peaks: Sequence[Peak], tz: ZoneInfo) -> list[dict[str, Any]]:
    return [{"granularity": p.granularity, "start_local": local(p.start, tz), "end_local": local(p.end, tz),
             "complaints": p.size, "baseline": round(p.baseline, 2), "ratio": round(p.ratio, 2),
             "annotations": " | ".join(p.annotations) or None} for p in peaks]


def announcement_rows(items: Sequence[dict[str, Any]], tz: ZoneInfo) -> list[dict[str, Any]]:
    return [{"source": a["source"], "entry_id": a["entry_id"], "kind": a["kind"], "status": a.get("status"),
             "title": a["title"], "published_local": local(a.get("published"), tz),
             "window_start_local": local(a.get("window_start"), tz),
             "window_end_local": local(a.get("window_end"), tz), "url": safe_url(a.get("url"))}
            for a in items]


def duration(seconds: Any, empty: str = "") -> str:
    """Human-readable wait: 45 s, 12 min, 3.5 h, 2.1 d (``empty`` when unknown)."""
    if seconds is None or seconds == "" or pd.isna(seconds):
        return empty
    s = float(seconds)
    if s < 60:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    if s < 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:.1f} d"


def text(x: Any) -> str:
    return "" if x is None else str(x)


def pct(x: Any, signed: bool = False) -> str:
    if x is None or x == "" or pd.isna(x):
        return ""
    return f"{float(x) * 100:+.0f}%" if signed else f"{float(x) * 100:.0f}%"


def response_frame(summary: dict[str, Any]) -> pd.DataFrame:
    """The response-time table: one row per window, calendar and business-hours figures."""
    names = {"day": "this day", "7d": "last 7 days", "28d": "last 28 days"}
    rows = []
    for scope, label in names.items():
        rows.append({"window": label, "need an answer": summary[f"{scope}_needing"],
                     "still waiting": summary[f"{scope}_censored"],
                     "median wait": duration(summary[f"{scope}_km_median_seconds"]),
                     "within 1 h": pct(summary[f"{scope}_answered_1h"]),
                     "within 24 h": pct(summary[f"{scope}_answered_24h"]),
                     "within 72 h": pct(summary[f"{scope}_answered_72h"]),
                     "median (business h)": duration(summary[f"{scope}_bh_km_median_seconds"]),
                     "within 1 business h": pct(summary[f"{scope}_bh_answered_1h"])})
    rows.append({"window": "previous 7 days", "median wait": duration(summary["prev7d_km_median_seconds"]),
                 "within 24 h": pct(summary["prev7d_answered_24h"]),
                 "median (business h)": duration(summary["prev7d_bh_km_median_seconds"])})
    return pd.DataFrame([{k: _shown(v) for k, v in r.items()} for r in rows], dtype=object).fillna("")


def team_frame(team_rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Business-hours figures per team (business_hours.csv) for the page."""
    names = {"day": "this day", "7d": "last 7 days", "28d": "last 28 days"}
    return pd.DataFrame([{
        "team": r["team"], "posts": r["languages"] or "all", "window": names[r["window"]],
        "need an answer": _shown(r["needing"]), "still waiting": _shown(r["censored"]),
        "median (business h)": duration(r["bh_km_median_seconds"]),
        "within 1 business h": pct(r["bh_answered_1h"]), "within 24 business h": pct(r["bh_answered_24h"]),
    } for r in team_rows], dtype=object)


def _shown(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:.2f}"
    return str(value)


# Column -> header shown on the page (the CSV keeps the column names; docs/reports.md documents both).
HEADERS = {
    "created_local": "posted", "platform": "platform", "author_handle": "account", "text": "post", "url": "link",
    "urgency": "urgency", "topics": "topics", "claimed_wait_seconds": "wait they claim", "status": "status",
    "reply_latency_seconds": "first reply after", "waiting_seconds": "waiting for", "granularity": "peak of one",
    "start_local": "from", "end_local": "until", "complaints": "complaints", "baseline": "usual (baseline)",
    "ratio": "× usual", "annotations": "what overlapped it", "kind": "kind", "title": "title",
    "published_local": "published", "window_start_local": "window from", "window_end_local": "window until",
    "account": "account", "lure": "lure", "answered_handle": "answered", "answered_text": "complaint answered",
    "answered_url": "complaint link",
}
EMPTY = "—"


def display(rows: Sequence[dict[str, Any]], columns: Sequence[str], durations: Sequence[str] = ()) -> pd.DataFrame:
    """Rows as strings for an HTML table; ``durations`` columns (seconds) shown as 45 s / 3.5 h.

    Headers are human (:data:`HEADERS`), empty cells show "—"; URL columns stay empty so no link is drawn.
    """
    def show(c: str, v: Any) -> str:
        if c in durations:
            return duration(v, EMPTY)
        if c.endswith("url"):
            return v or ""
        if c.endswith("_local") and isinstance(v, str):
            return v[:16].replace("T", " ")  # the page states the zone once; the CSV keeps the offset
        return _shown(v) or EMPTY

    out = [{HEADERS.get(c, c): show(c, r.get(c)) for c in columns} for r in rows]
    return pd.DataFrame(out, columns=[HEADERS.get(c, c) for c in columns], dtype=object)

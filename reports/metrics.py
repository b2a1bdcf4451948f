"""Figures computed from the small frames reports.data returns: response times and the summary row."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd

from reports.business_hours import OpenIntervals, business_seconds
from reports.survival import KMCurve, kaplan_meier

HORIZONS = {"1h": 3600, "24h": 86400, "72h": 3 * 86400}
SCOPES = ("day", "7d", "28d")


def _stat_names(prefix: str) -> list[str]:
    names = [f"{prefix}_needing", f"{prefix}_censored", f"{prefix}_km_median_seconds"]
    names += [f"{prefix}_answered_{h}" for h in HORIZONS]
    names += [f"{prefix}_bh_km_median_seconds"] + [f"{prefix}_bh_answered_{h}" for h in HORIZONS]
    return names


SUMMARY_COLUMNS: list[str] = [
    "date", "timezone", "as_of", "mentions", "complaints", "complaint_rate", "maintenance_notices",
    "replies", "reply_median_seconds", "reply_p90_seconds", "unanswered",
    *[n for scope in SCOPES for n in _stat_names(scope)],
    "prev7d_km_median_seconds", "prev7d_answered_24h", "prev7d_bh_km_median_seconds",
    "wow_km_median_change", "wow_answered_24h_change", "wow_bh_km_median_change",
    "claimed_waits", "claimed_wait_median_seconds", "claimed_wait_max_seconds", "peaks",
    "api_posts_read_month", "api_requests_month",
    # issue 12 (appended: older trend.csv rows leave them empty)
    "prev7d_needing", "7d_max_wait_seconds", "prev7d_max_wait_seconds", "backlog_complaints", "backlog_questions",
    "backlog_high_urgency", "impersonators", "reply_platforms", "partial",
]


def epoch_seconds(col: pd.Series) -> np.ndarray:
    """Epoch seconds of an aware datetime column, whatever its resolution (pandas 3 infers us)."""
    if not len(col):
        return np.empty(0)
    return (col - pd.Timestamp(0, tz="UTC")).dt.total_seconds().to_numpy(dtype=np.float64)


def waits(frame: pd.DataFrame, as_of: dt.datetime, intervals: OpenIntervals) -> pd.DataFrame:
    """Add ``answered``, ``wait`` (seconds, to first reply or to ``as_of``) and ``bh_wait``.

    A reply that came after ``as_of`` does not count: ``as_of`` is how the world looked then (used
    to look at last week as it looked a week ago, for a fair week-over-week comparison).
    """
    out = frame.copy()
    created = epoch_seconds(out["created_at"])
    open_for = as_of.timestamp() - created
    lat = out["latency"].to_numpy(dtype=np.float64)
    answered = ~np.isnan(lat) & (np.maximum(lat, 0.0) <= open_for)
    wait = np.where(answered, np.maximum(np.nan_to_num(lat), 0.0), open_for)
    out["answered"] = answered
    out["wait"] = wait
    out["bh_wait"] = business_seconds(intervals, created, created + wait)
    return out


def _median_or_none(curve: KMCurve) -> float | None:
    m = curve.median()
    return None if m is None else round(m)


def window_stats(w: pd.DataFrame, prefix: str) -> dict[str, Any]:
    """KM figures (calendar and business hours) for one window of :func:`waits` rows."""
    ans = w["answered"].to_numpy(dtype=bool)
    cal = kaplan_meier(w["wait"].to_numpy(), ans)
    bh = kaplan_meier(w["bh_wait"].to_numpy(), ans)
    row: dict[str, Any] = {f"{prefix}_needing": cal.n, f"{prefix}_censored": cal.censored,
                           f"{prefix}_km_median_seconds": _median_or_none(cal),
                           f"{prefix}_bh_km_median_seconds": _median_or_none(bh)}
    for h, secs in HORIZONS.items():
        row[f"{prefix}_answered_{h}"] = _share(cal.share_within(secs))
        row[f"{prefix}_bh_answered_{h}"] = _share(bh.share_within(secs))
    return row


def _share(x: float | None) -> float | None:
    return None if x is None else round(x, 4)


def _change(cur: Any, prev: Any) -> float | None:
    if cur is None or prev is None or prev == 0:
        return None
    return round((cur - prev) / prev, 4)


def response_summary(needing: pd.DataFrame, bounds: dict[str, tuple[dt.datetime, dt.datetime]],
                     as_of: dt.datetime, intervals: OpenIntervals, min_n: int = 1) -> dict[str, Any]:
    """Every response-time column of summary.csv. ``bounds`` maps day/7d/28d/prev7d to [start, end).

    Week-over-week changes are left empty unless both weeks have at least ``min_n`` posts needing an
    answer (report.min_sample): "+864 %" from two posts is noise, not news.
    """
    now_w = waits(needing, as_of, intervals)
    row: dict[str, Any] = {}
    for scope in SCOPES:
        s, e = bounds[scope]
        row.update(window_stats(now_w[(now_w["created_at"] >= s) & (now_w["created_at"] < e)], scope))
    s, e = bounds["prev7d"]
    prev_as_of = as_of - dt.timedelta(days=7)
    prev = needing[(needing["created_at"] >= s) & (needing["created_at"] < e)]
    prev_w = waits(prev, prev_as_of, intervals)
    prev_stats = window_stats(prev_w, "prev7d")
    s7, e7 = bounds["7d"]
    w7 = now_w[(now_w["created_at"] >= s7) & (now_w["created_at"] < e7)]
    row["prev7d_needing"] = prev_stats["prev7d_needing"]
    row["7d_max_wait_seconds"] = round(float(w7["wait"].max())) if len(w7) else None
    row["prev7d_max_wait_seconds"] = round(float(prev_w["wait"].max())) if len(prev_w) else None
    row["prev7d_km_median_seconds"] = prev_stats["prev7d_km_median_seconds"]
    row["prev7d_answered_24h"] = prev_stats["prev7d_answered_24h"]
    row["prev7d_bh_km_median_seconds"] = prev_stats["prev7d_bh_km_median_seconds"]
    row["wow_km_median_change"] = _change(row["7d_km_median_seconds"], row["prev7d_km_median_seconds"])
    row["wow_bh_km_median_change"] = _change(row["7d_bh_km_median_seconds"], row["prev7d_bh_km_median_seconds"])
    cur24, prev24 = row["7d_answered_24h"], row["prev7d_answered_24h"]
    row["wow_answered_24h_change"] = None if cur24 is None or prev24 is None else round(cur24 - prev24, 4)
    if min(row["7d_needing"], row["prev7d_needing"]) < min_n:
        for k in ("wow_km_median_change", "wow_bh_km_median_change", "wow_answered_24h_change"):
            row[k] = None
    day = now_w[(now_w["created_at"] >= bounds["day"][0]) & (now_w["created_at"] < bounds["day"][1])]
    answered = day.loc[day["answered"], "wait"].to_numpy()
    row["reply_median_seconds"] = round(float(np.median(answered))) if answered.size else None
    row["reply_p90_seconds"] = round(float(np.percentile(answered, 90))) if answered.size else None
    row["unanswered"] = int((~day["answered"]).sum())
    return row


def daily_km_medians(needing: pd.DataFrame, days: list[dt.date], tz: Any, as_of: dt.datetime,
                     intervals: OpenIntervals) -> tuple[list[float | None], list[bool]]:
    """KM median wait (seconds) of each local day's posts, as seen at ``as_of`` (trend chart), and
    whether the day had posts whose median was not reached (more than half still waiting)."""
    w = waits(needing, as_of, intervals)
    local_day = w["created_at"].dt.tz_convert(tz).dt.date if len(w) else pd.Series([], dtype=object)
    out: list[float | None] = []
    not_reached: list[bool] = []
    for d in days:
        sub = w[local_day == d]
        m = kaplan_meier(sub["wait"].to_numpy(), sub["answered"].to_numpy(dtype=bool)).median() if len(sub) else None
        out.append(m)
        not_reached.append(bool(len(sub)) and m is None)
    return out, not_reached


def claimed_waits(values: list[Any]) -> dict[str, Any]:
    v = [float(x) for x in values if x is not None and not (isinstance(x, float) and math.isnan(x))]
    return {"claimed_waits": len(v),
            "claimed_wait_median_seconds": round(float(np.median(v))) if v else None,
            "claimed_wait_max_seconds": round(max(v)) if v else None}


TEAM_COLUMNS = ["team", "timezone", "languages", "window", "needing", "censored", "bh_km_median_seconds",
                "bh_answered_1h", "bh_answered_24h", "bh_answered_72h"]


def team_rows(needing: pd.DataFrame, bounds: dict[str, tuple[dt.datetime, dt.datetime]], as_of: dt.datetime,
              teams: list[tuple[Any, OpenIntervals]], default_tz: str) -> list[dict[str, Any]]:
    """Business-hours figures per support team and window, each over the posts the team answers
    (its ``languages``; all posts when empty), in its own opening hours and holidays."""
    out = []
    for team, intervals in teams:
        mine = needing[needing["lang"].isin(team.languages)] if team.languages else needing
        w = waits(mine, as_of, intervals)
        for scope in SCOPES:
            s, e = bounds[scope]
            st = window_stats(w[(w["created_at"] >= s) & (w["created_at"] < e)], scope)
            out.append({"team": team.team, "timezone": team.timezone or default_tz,
                        "languages": ";".join(team.languages) or None, "window": scope,
                        "needing": st[f"{scope}_needing"], "censored": st[f"{scope}_censored"],
                        **{c: st[f"{scope}_{c}"] for c in TEAM_COLUMNS[6:]}})
    return out

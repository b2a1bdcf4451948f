"""The open backlog and the top tiles: what a support lead reads first, each with its previous value.

Backlog: posts needing an answer (complaints and questions, reports.data.needing_answer) on
platforms where replies can be linked, created in the last 28 days and without an official reply at
the observation time. Oldest first: the longest wait is the first to act on.

Tiles compare like with like: counts of the day with the day before; states (backlog, open
high-urgency complaints) now with 24 hours earlier, each seen as it looked then; response times over
the last 7 days with the 7 before (the week-over-week figures of summary.csv), only when both have at
least ``report.min_sample`` posts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reports import rows
from reports.metrics import epoch_seconds


def open_posts(needing: pd.DataFrame, as_of: dt.datetime) -> pd.DataFrame:
    """Rows of ``needing`` created by ``as_of`` and unanswered then, oldest first, with ``wait`` (seconds
    so far). Calendar waits only: the backlog lists how long people have waited, not desk hours."""
    created = epoch_seconds(needing["created_at"])
    lat = needing["latency"].to_numpy(dtype=np.float64)
    open_for = as_of.timestamp() - created
    mask = (open_for >= 0) & ~(~np.isnan(lat) & (np.maximum(lat, 0.0) <= open_for))
    out = needing[mask].assign(wait=open_for[mask])
    return out.sort_values("created_at", kind="stable").reset_index(drop=True)


def backlog_counts(open_w: pd.DataFrame) -> dict[str, int]:
    comp = open_w["complaint"].to_numpy(dtype=bool)
    high = (open_w["urgency"] == "high").to_numpy(dtype=bool) & comp
    return {"backlog_complaints": int(comp.sum()), "backlog_questions": int((~comp).sum()),
            "backlog_high_urgency": int(high.sum())}


def backlog_rows(open_w: pd.DataFrame, details: dict[tuple[str, str], dict[str, Any]], tz: Any,
                 complaint: bool, limit: int) -> tuple[list[dict[str, Any]], int]:
    """The oldest ``limit`` open complaints (or questions) as display rows, and how many there are."""
    sub = open_w[open_w["complaint"].to_numpy(dtype=bool) == complaint]
    out = []
    for r in sub.head(limit).itertuples(index=False):
        d = details.get((r.platform, r.post_id), {})
        out.append({"created_local": rows.local(r.created_at, tz), "waiting_seconds": round(float(r.wait)),
                    "urgency": r.urgency, "platform": r.platform, "author_handle": d.get("author_handle"),
                    "text": d.get("text"), "url": rows.safe_url(d.get("url"))})
    return out, len(sub)


def local_iso(col: pd.Series, tz: Any) -> np.ndarray:
    """ISO 8601 local times with offset (as rows.local writes them), vectorised for long columns."""
    if not len(col):
        return np.empty(0, dtype=object)
    utc = col.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    naive = col.dt.tz_convert(tz).dt.tz_localize(None).to_numpy().astype("datetime64[s]")
    off = (naive - utc).astype(np.int64)  # seconds east of UTC, per row (DST moves it)
    a = np.abs(off)
    sign = np.where(off < 0, "-", "+")
    hhmm = np.char.add(np.char.add(np.char.zfill((a // 3600).astype(str), 2), ":"),
                       np.char.zfill((a % 3600 // 60).astype(str), 2))
    return np.char.add(np.char.add(np.datetime_as_string(naive, unit="s"), sign), hhmm).astype(object)


BACKLOG_KEYS = ("platform", "post_id", "created_local", "reason", "urgency", "waiting_seconds")


def all_open_rows(open_w: pd.DataFrame, tz: Any) -> list[dict[str, Any]]:
    """backlog.csv: every open post, oldest first (the page lists only the oldest few)."""
    cols = (open_w["platform"].tolist(), open_w["post_id"].tolist(), local_iso(open_w["created_at"], tz).tolist(),
            np.where(open_w["complaint"].to_numpy(dtype=bool), "complaint", "question").tolist(),
            [u if isinstance(u, str) else None for u in open_w["urgency"]],
            np.round(open_w["wait"].to_numpy(dtype=float)).astype(np.int64).tolist())
    return [dict(zip(BACKLOG_KEYS, vals, strict=True)) for vals in zip(*cols, strict=True)]


@dataclass(frozen=True, slots=True)
class Tile:
    label: str
    value: str
    previous: str  # "was 12 (Mar 09)"
    delta: str  # "+3, more" / "slower" / "" when there is nothing to compare
    tone: str  # good | bad | flat | none (CSS class; the words say the same for colour-blind readers)
    note: str = ""


def _tone(diff: float | None, higher_is_bad: bool) -> str:
    if diff is None:
        return "none"
    if diff == 0:
        return "flat"
    return "bad" if (diff > 0) == higher_is_bad else "good"


def count_tile(label: str, cur: int | None, prev: int | None, since: str, words: tuple[str, str] = ("more", "fewer"),
               higher_is_bad: bool = True) -> Tile:
    if cur is None:
        return Tile(label, "—", "", "", "none")
    if prev is None:
        return Tile(label, str(cur), "", "", "none")
    diff = cur - prev
    word = "no change" if diff == 0 else words[0] if diff > 0 else words[1]
    return Tile(label, str(cur), f"was {prev} {since}", f"{diff:+d}, {word}", _tone(diff, higher_is_bad))


def median_tile(s: dict[str, Any], min_n: int) -> Tile:
    """Median time to first reply over the last 7 days vs the 7 before (KM, censored waits counted)."""
    label = "median time to first reply (7 d)"
    n, pn = s.get("7d_needing") or 0, s.get("prev7d_needing") or 0
    cur, prev = s.get("7d_km_median_seconds"), s.get("prev7d_km_median_seconds")
    if n == 0:
        return Tile(label, "—", "", "", "none", "nothing needed an answer")
    value = rows.duration(cur) if cur is not None else f"> {rows.duration(s.get('7d_max_wait_seconds'))}, not reached"
    prev_txt = "" if pn == 0 else (f"was {rows.duration(prev)}" if prev is not None else
                                   f"was > {rows.duration(s.get('prev7d_max_wait_seconds'))}, not reached")
    if n < min_n or pn < min_n:
        return Tile(label, value, prev_txt, f"too few to compare (n = {n} and {pn}, need {min_n})", "none")
    if cur is not None and prev is not None:
        diff = cur - prev
        word = "no change" if diff == 0 else ("slower" if diff > 0 else "faster")
        wow = s.get("wow_km_median_change")
        return Tile(label, value, prev_txt, f"{wow * 100:+.0f}%, {word}" if wow is not None else word,
                    _tone(diff, True))
    # A median not reached on either side: compare the share answered within 24 h instead.
    a, pa = s.get("7d_answered_24h"), s.get("prev7d_answered_24h")
    if a is None or pa is None:
        return Tile(label, value, prev_txt, "", "none")
    diff = a - pa
    word = "no change" if abs(diff) < 0.005 else ("better" if diff > 0 else "worse")
    return Tile(label, value, prev_txt, f"answered in 24 h {rows.pct(a)} (was {rows.pct(pa)}), {word}",
                _tone(-diff if abs(diff) >= 0.005 else 0, True))


def share_tile(s: dict[str, Any], min_n: int) -> Tile:
    label = "answered within 24 h (7 d)"
    a, pa = s.get("7d_answered_24h"), s.get("prev7d_answered_24h")
    n, pn = s.get("7d_needing") or 0, s.get("prev7d_needing") or 0
    if a is None:
        return Tile(label, "—", "", "", "none", "nothing needed an answer")
    prev_txt = "" if pa is None else f"was {rows.pct(pa)}"
    if pa is None or n < min_n or pn < min_n:
        return Tile(label, rows.pct(a), prev_txt, f"too few to compare (n = {n} and {pn}, need {min_n})"
                    if pa is not None else "", "none")
    diff = round((a - pa) * 100)
    word = "no change" if diff == 0 else ("better" if diff > 0 else "worse")
    return Tile(label, rows.pct(a), prev_txt, f"{diff:+d} points, {word}", _tone(-diff, True))



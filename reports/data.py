"""SQL behind the report: aggregation happens in the database, Python sees only small results.

At a million posts the per-post rows the report needs are the posts that need an answer in the
last five weeks (a few percent of all posts) and the day's complaints; everything else arrives as
counts per hour bin. Bins are UTC hours shifted by the zone's sub-hour offset (0 for whole-hour
zones, 30 min for Asia/Kolkata), so each bin is one local hour whatever the DST state; the caller
converts bin starts to local time.

"Needs an answer" (kept simple, documented in docs/reports.md): a non-official post that is a
complaint (detections.complaint), or a question to the brand: it replies to an official post or
mentions an official handle (``@handle`` not followed by a handle character), and contains ``?``,
``？`` or ``吗``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, and_, case, exists, false, func, inspect, literal, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from monitor import store
from monitor.config import Config
from monitor.store import announcements, detections, posts, reply_links

_QUESTION_MARKS = ("?", "？", "吗")


def _hour_bucket(conn: Connection, shift_minutes: int) -> ColumnElement[Any]:
    """UTC hour of ``created_at + shift_minutes`` (the caller subtracts the shift again)."""
    if conn.dialect.name == "postgresql":
        shifted = posts.c.created_at + func.make_interval(0, 0, 0, 0, 0, shift_minutes)
        return func.to_char(func.date_trunc("hour", shifted), "YYYY-MM-DD HH24:00:00")
    shift = [f"+{shift_minutes} minutes"] if shift_minutes else []  # SQLite: a modifier costs ~5 %
    return func.strftime("%Y-%m-%d %H:00:00", posts.c.created_at, *shift)


def _det_join() -> Any:
    return posts.outerjoin(detections, and_(detections.c.platform == posts.c.platform,
                                            detections.c.post_id == posts.c.post_id))


def _is_complaint() -> ColumnElement[bool]:
    return and_(posts.c.is_official.is_(False), detections.c.complaint.is_(True))


def hourly_counts(conn: Connection, start: dt.datetime, end: dt.datetime, shift_minutes: int = 0) -> pd.DataFrame:
    """Counts per hour bin: mentions, complaints, official posts, official maintenance notices.

    Bins start ``shift_minutes`` past each UTC hour, i.e. on local hour boundaries in a zone whose
    offset has that sub-hour part (30 for Asia/Kolkata). A maintenance notice is an official post
    that is not a reply: official replies ("@x 维护期间提币暂停…") only repeat the notice to one user.
    """
    bucket = _hour_bucket(conn, shift_minutes).label("hour")
    one = literal(1)
    q = (select(bucket,
                func.sum(case((posts.c.is_official.is_(False), one), else_=0)).label("mentions"),
                func.sum(case((_is_complaint(), one), else_=0)).label("complaints"),
                func.sum(case((posts.c.is_official.is_(True), one), else_=0)).label("official"),
                func.sum(case((and_(posts.c.is_official.is_(True), posts.c.reply_to_id.is_(None),
                                    detections.c.maintenance.is_(True)), one), else_=0)).label("maintenance"))
         .select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end)
         .group_by(bucket))
    # Plain tuples: pandas inspects Row objects one by one, which costs more than the query itself.
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["hour", "mentions", "complaints", "official", "maintenance"])
    df["hour"] = pd.to_datetime(df["hour"], utc=True) - pd.Timedelta(minutes=shift_minutes)
    return df.astype({c: "int64" for c in ("mentions", "complaints", "official", "maintenance")})


def first_post_at(conn: Connection) -> dt.datetime | None:
    """When the store's history starts: counts before it are unknown, not zero."""
    return conn.execute(select(func.min(posts.c.created_at))).scalar()


def _first_reply(as_of: dt.datetime) -> ColumnElement[Any]:
    """Latency of the first reply by an official account that existed at ``as_of``.

    reply_links are only built from posts flagged is_official (set from configured account ids);
    joining the reply post again keeps a look-alike account out even if a link slipped in.
    """
    rp = posts.alias("reply_post")
    return (select(func.min(reply_links.c.latency_seconds))
            .select_from(reply_links.join(rp, and_(rp.c.platform == reply_links.c.platform,
                                                   rp.c.post_id == reply_links.c.reply_id)))
            .where(reply_links.c.platform == posts.c.platform, reply_links.c.post_id == posts.c.post_id,
                   rp.c.is_official.is_(True), rp.c.created_at <= as_of)
            .scalar_subquery())


def _to_official() -> ColumnElement[bool]:
    off = posts.alias("parent")
    return exists().where(off.c.platform == posts.c.platform, off.c.post_id == posts.c.reply_to_id,
                          off.c.is_official.is_(True))


def _mention_candidates(cfg: Config) -> list[ColumnElement[bool]]:
    """SQL prefilter: text contains ``@handle`` (also ``@handle_Support``; see mention_pattern)."""
    return [and_(posts.c.platform == a.platform, posts.c.text.icontains("@" + a.handle, autoescape=True))
            for a in cfg.official_accounts]


def mention_pattern(handles: list[str]) -> re.Pattern[str]:
    """``@handle`` as a whole mention: not followed by a handle character.

    X handles are ASCII ``[A-Za-z0-9_]``, so ``@BitpieWallet_Support`` (a look-alike account) is
    another account while ``@BitpieWallet客服`` and ``@BitpieWallet?`` mention the brand.
    """
    alts = "|".join(re.escape(h) for h in sorted(handles, key=len, reverse=True))
    return re.compile(rf"@(?:{alts})(?![A-Za-z0-9_])", re.IGNORECASE)


def _is_question(cfg: Config) -> ColumnElement[bool]:
    mentions = _mention_candidates(cfg)
    asks = or_(*[posts.c.text.contains(m, autoescape=True) for m in _QUESTION_MARKS])
    return and_(or_(_to_official(), *mentions) if mentions else _to_official(), asks)


def _mentions_official(cfg: Config, platforms: pd.Series, texts: pd.Series) -> npt.NDArray[np.bool_]:
    by_platform: dict[str, list[str]] = {}
    for a in cfg.official_accounts:
        by_platform.setdefault(a.platform, []).append(a.handle)
    pats = {p: mention_pattern(h) for p, h in by_platform.items()}
    return np.array([bool(pats.get(p) and pats[p].search(t or "")) for p, t in zip(platforms, texts, strict=True)],
                    dtype=bool)


def needing_answer(conn: Connection, cfg: Config, start: dt.datetime, end: dt.datetime,
                   as_of: dt.datetime) -> pd.DataFrame:
    """One row per post needing an answer created in [start, end): created_at, lang, complaint, latency.

    ``latency`` is NaN when no official reply existed at ``as_of`` (censored there). SQL finds
    questions mentioning an official handle with a substring test; the text of those few rows
    (not complaints, not replies to an official post) comes back for the exact mention test.
    """
    complaint = func.coalesce(detections.c.complaint, false())
    to_official = _to_official()
    check_text = case((or_(complaint.is_(true()), to_official), None), else_=posts.c.text)
    q = (select(posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.lang, complaint.label("complaint"),
                _first_reply(as_of).label("latency"), check_text.label("check_text"))
         .select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.created_at <= as_of,
                posts.c.is_official.is_(False), or_(complaint.is_(true()), _is_question(cfg))))
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["platform", "post_id", "created_at", "lang", "complaint", "latency", "check_text"])
    needs_check = df["check_text"].notna().to_numpy(dtype=bool)
    if needs_check.any():
        ok = _mentions_official(cfg, df.loc[needs_check, "platform"], df.loc[needs_check, "check_text"])
        keep = ~needs_check
        keep[np.flatnonzero(needs_check)[ok]] = True
        df = df[keep].reset_index(drop=True)
    df = df.drop(columns="check_text")
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["complaint"] = df["complaint"].astype(bool)
    df["latency"] = df["latency"].astype("float64")
    return df


_DETAIL_COLS = (posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.author_handle, posts.c.text,
                posts.c.url, detections.c.urgency, detections.c.topics, detections.c.claimed_wait_seconds,
                detections.c.impersonation_suspect, detections.c.evidence,
                # "first_seen": a feed entry whose date could not be read (sources.feed.FeedSource.to_post)
                posts.c.raw["dated_by"].as_string().label("dated_by"))


def complaints_between(conn: Connection, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
                       *, unanswered_only: bool = False, limit: int | None = None) -> list[dict[str, Any]]:
    """Complaint rows with their detection fields and first official reply latency, oldest first."""
    latency = _first_reply(as_of)
    q = (select(*_DETAIL_COLS, latency.label("latency")).select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.created_at <= as_of,
                _is_complaint())
         .order_by(posts.c.created_at, posts.c.platform, posts.c.post_id))
    if unanswered_only:
        q = q.where(latency.is_(None))
    if limit:
        q = q.limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def official_replies(conn: Connection, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Creation times of official replies (linked to a user post) made in [start, end)."""
    q = (select(posts.c.created_at).select_from(posts.join(
        reply_links, and_(reply_links.c.platform == posts.c.platform, reply_links.c.reply_id == posts.c.post_id)))
        .where(posts.c.is_official.is_(True), posts.c.created_at >= start, posts.c.created_at < end))
    return [r[0] for r in conn.execute(q)]


def announcements_between(conn: Connection, start: dt.datetime, end: dt.datetime) -> list[dict[str, Any]]:
    """Announcements published in [start, end) or whose window overlaps it."""
    a = announcements.c
    win_end = func.coalesce(a.window_end, a.window_start)
    q = (select(a.source, a.entry_id, a.kind, a.status, a.title, a.url, a.published, a.window_start,
                a.window_end)
         .where(or_(and_(a.published >= start, a.published < end),
                    and_(a.window_start.is_not(None), a.window_start < end, win_end >= start)))
         .order_by(func.coalesce(a.window_start, a.published), a.source, a.entry_id))
    return [dict(r._mapping) for r in conn.execute(q)]


def api_usage(engine: Engine, cfg: Config, now: dt.datetime) -> dict[str, int] | None:
    """This month's X API reads and requests over the twitter sources (None without one)."""
    names = [s.name for s in cfg.sources if s.type == "twitter"]
    if not names:
        return None
    total = {"posts_read": 0, "requests": 0}
    with engine.connect() as conn:
        for name in names:
            for k, v in store.month_usage(conn, name, now).items():
                total[k] += v
    return total


def market_moves(engine: Engine, start: dt.datetime, end: dt.datetime,
                 threshold: float = 0.05) -> list[tuple[dt.datetime, str, float]]:
    """Hourly moves larger than ``threshold`` from a ``market`` table, if a later source created one.

    Expected columns: ``symbol``, ``ts`` (UTC) and ``price``. Absent table or columns: no moves.
    """
    insp = inspect(engine)
    if not insp.has_table("market"):
        return []
    cols = {c["name"] for c in insp.get_columns("market")}
    if not {"symbol", "ts", "price"} <= cols:
        return []
    from sqlalchemy import column, table

    m = table("market", column("symbol"), column("ts", store.UTCDateTime()), column("price"))
    with engine.connect() as conn:
        rows = conn.execute(select(m.c.symbol, m.c.ts, m.c.price)
                            .where(m.c.ts >= start - dt.timedelta(hours=1), m.c.ts < end)
                            .order_by(m.c.symbol, m.c.ts)).all()
    moves, last = [], {}
    for symbol, ts, price in rows:
        prev = last.get(symbol)
        if prev and prev[1] and ts - prev[0] <= dt.timedelta(hours=1):
            change = float(price) / float(prev[1]) - 1.0
            if abs(change) >= threshold:
                moves.append((ts, str(symbol), change))
        last[symbol] = (ts, price)
    return moves

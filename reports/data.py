"""SQL behind the report: aggregation happens in the database, Python sees only small results.

At a million posts the per-post rows the report needs are the posts that need an answer in the
last five weeks (a few percent of all posts) and the day's complaints; everything else arrives as
counts per UTC hour. Hours are bucketed in UTC and converted to local time afterwards, which is
DST-safe for whole-hour zones (Asia/Shanghai, Europe/*, America/*); half-hour zones would see local
hours shifted by 30 minutes in the heatmap.

"Needs an answer" (kept simple, documented in docs/reports.md): a non-official post that is a
complaint (detections.complaint), or a question to the brand: it replies to an official post or
mentions an official handle, and contains ``?``, ``？`` or ``吗``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, exists, false, func, inspect, literal, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from monitor import store
from monitor.config import Config
from monitor.store import announcements, detections, posts, reply_links

_QUESTION_MARKS = ("?", "？", "吗")


def _hour_bucket(conn: Connection) -> ColumnElement[Any]:
    if conn.dialect.name == "postgresql":
        return func.to_char(func.date_trunc("hour", posts.c.created_at), "YYYY-MM-DD HH24:00:00")
    return func.strftime("%Y-%m-%d %H:00:00", posts.c.created_at)


def _det_join() -> Any:
    return posts.outerjoin(detections, and_(detections.c.platform == posts.c.platform,
                                            detections.c.post_id == posts.c.post_id))


def _is_complaint() -> ColumnElement[bool]:
    return and_(posts.c.is_official.is_(False), detections.c.complaint.is_(True))


def hourly_counts(conn: Connection, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    """Counts per UTC hour: mentions, complaints, official posts, official maintenance notices."""
    bucket = _hour_bucket(conn).label("hour")
    one = literal(1)
    q = (select(bucket,
                func.sum(case((posts.c.is_official.is_(False), one), else_=0)).label("mentions"),
                func.sum(case((_is_complaint(), one), else_=0)).label("complaints"),
                func.sum(case((posts.c.is_official.is_(True), one), else_=0)).label("official"),
                func.sum(case((and_(posts.c.is_official.is_(True), detections.c.maintenance.is_(True)), one),
                              else_=0)).label("maintenance"))
         .select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end)
         .group_by(bucket))
    # Plain tuples: pandas inspects Row objects one by one, which costs more than the query itself.
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["hour", "mentions", "complaints", "official", "maintenance"])
    df["hour"] = pd.to_datetime(df["hour"], utc=True)
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


def _is_question(cfg: Config) -> ColumnElement[bool]:
    off = posts.alias("parent")
    to_official = exists().where(off.c.platform == posts.c.platform, off.c.post_id == posts.c.reply_to_id,
                                 off.c.is_official.is_(True))
    mentions = [and_(posts.c.platform == a.platform, posts.c.text.icontains("@" + a.handle, autoescape=True))
                for a in cfg.official_accounts]
    asks = or_(*[posts.c.text.contains(m, autoescape=True) for m in _QUESTION_MARKS])
    return and_(or_(to_official, *mentions) if mentions else to_official, asks)


def needing_answer(conn: Connection, cfg: Config, start: dt.datetime, end: dt.datetime,
                   as_of: dt.datetime) -> pd.DataFrame:
    """One row per post needing an answer created in [start, end): created_at, complaint, latency.

    ``latency`` is NaN when no official reply existed at ``as_of`` (censored there).
    """
    complaint = func.coalesce(detections.c.complaint, false())
    q = (select(posts.c.platform, posts.c.post_id, posts.c.created_at, complaint.label("complaint"),
                _first_reply(as_of).label("latency"))
         .select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.created_at <= as_of,
                posts.c.is_official.is_(False), or_(complaint.is_(true()), _is_question(cfg))))
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["platform", "post_id", "created_at", "complaint", "latency"])
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
    df["complaint"] = df["complaint"].astype(bool)
    df["latency"] = df["latency"].astype("float64")
    return df


_DETAIL_COLS = (posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.author_handle, posts.c.text,
                posts.c.url, detections.c.urgency, detections.c.topics, detections.c.claimed_wait_seconds,
                detections.c.impersonation_suspect, detections.c.evidence)


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

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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlalchemy import Engine, Text, and_, case, exists, false, func, inspect, literal, or_, select, true, type_coerce
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


def hourly_counts(conn: Connection, start: dt.datetime, end: dt.datetime, shift_minutes: int = 0,
                  covered: ColumnElement[bool] | None = None) -> pd.DataFrame:
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
         .where(posts.c.created_at >= start, posts.c.created_at < end, true() if covered is None else covered)
         .group_by(bucket))
    # Plain tuples: pandas inspects Row objects one by one, which costs more than the query itself.
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["hour", "mentions", "complaints", "official", "maintenance"])
    df["hour"] = pd.to_datetime(df["hour"], utc=True) - pd.Timedelta(minutes=shift_minutes)
    return df.astype({c: "int64" for c in ("mentions", "complaints", "official", "maintenance")})


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
                   as_of: dt.datetime, platforms: Collection[str] | None = None) -> pd.DataFrame:
    """One row per post needing an answer created in [start, end): created_at, lang, complaint, latency.

    ``platforms``: only these (reports.coverage.reply_platforms: where replies can be linked at all;
    None = every platform). A post elsewhere can never show an answer and would wait forever.

    ``latency`` is NaN when no official reply existed at ``as_of`` (censored there). SQL finds
    questions mentioning an official handle with a substring test; the text of those few rows
    (not complaints, not replies to an official post) comes back for the exact mention test.
    """
    complaint = func.coalesce(detections.c.complaint, false())
    to_official = _to_official()
    check_text = case((or_(complaint.is_(true()), to_official), None), else_=posts.c.text)
    # created_at without the per-row UTCDateTime conversion (tens of thousands of rows): the raw value
    # (an ISO string on SQLite, a naive UTC datetime from psycopg) is converted once by pandas below.
    raw_created = type_coerce(posts.c.created_at, Text).label("created_at")
    q = (select(posts.c.platform, posts.c.post_id, raw_created, posts.c.lang, complaint.label("complaint"),
                _first_reply(as_of).label("latency"), check_text.label("check_text"), detections.c.urgency)
         .select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.created_at <= as_of,
                posts.c.is_official.is_(False), or_(complaint.is_(true()), _is_question(cfg))))
    if platforms is not None:
        q = q.where(posts.c.platform.in_(sorted(platforms)))
    df = pd.DataFrame([tuple(r) for r in conn.execute(q)],
                      columns=["platform", "post_id", "created_at", "lang", "complaint", "latency", "check_text",
                               "urgency"])
    needs_check = df["check_text"].notna().to_numpy(dtype=bool)
    if needs_check.any():
        ok = _mentions_official(cfg, df.loc[needs_check, "platform"], df.loc[needs_check, "check_text"])
        keep = ~needs_check
        keep[np.flatnonzero(needs_check)[ok]] = True
        df = df[keep].reset_index(drop=True)
    df = df.drop(columns="check_text")
    df["created_at"] = pd.to_datetime(df["created_at"], utc=True, format="ISO8601")
    df["complaint"] = df["complaint"].astype(bool)
    df["latency"] = df["latency"].astype("float64")
    return df


_DETAIL_COLS = (posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.author_handle, posts.c.text,
                posts.c.lang, posts.c.url, detections.c.urgency, detections.c.topics, detections.c.claimed_wait_seconds,
                detections.c.impersonation_suspect, detections.c.evidence,
                # "first_seen": a feed entry whose date could not be read (sources.feed.FeedSource.to_post)
                posts.c.raw["dated_by"].as_string().label("dated_by"))


def complaints_between(conn: Connection, start: dt.datetime, end: dt.datetime, as_of: dt.datetime,
                       *, unanswered_only: bool = False, limit: int | None = None,
                       covered: ColumnElement[bool] | None = None) -> list[dict[str, Any]]:
    """Complaint rows with their detection fields and first official reply latency, oldest first."""
    latency = _first_reply(as_of)
    q = (select(*_DETAIL_COLS, latency.label("latency")).select_from(_det_join())
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.created_at <= as_of,
                _is_complaint(), true() if covered is None else covered)
         .order_by(posts.c.created_at, posts.c.platform, posts.c.post_id))
    if unanswered_only:
        q = q.where(latency.is_(None))
    if limit:
        q = q.limit(limit)
    return [dict(r._mapping) for r in conn.execute(q)]


def post_details(conn: Connection, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """Handle, text, url, urgency, topics and claimed wait of the given (platform, post_id) posts."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    by_platform: dict[str, list[str]] = {}
    for platform, pid in keys:
        by_platform.setdefault(platform, []).append(pid)
    for platform, ids in by_platform.items():
        for i in range(0, len(ids), 500):
            q = (select(*_DETAIL_COLS).select_from(_det_join())
                 .where(posts.c.platform == platform, posts.c.post_id.in_(ids[i : i + 500])))
            out.update({(r.platform, r.post_id): dict(r._mapping) for r in conn.execute(q)})
    return out


def impersonators_between(conn: Connection, start: dt.datetime, end: dt.datetime,
                          platforms: Collection[str] | None = None) -> list[dict[str, Any]]:
    """Replies by non-official accounts flagged ``impersonation_suspect``, made in [start, end), with
    the post each one answered (``parent_*``, None when that post was not collected), oldest first."""
    parent = posts.alias("parent")
    q = (select(posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.author_handle, posts.c.author_name,
                posts.c.text, posts.c.url, detections.c.evidence, posts.c.reply_to_id,
                parent.c.author_handle.label("parent_handle"), parent.c.text.label("parent_text"),
                parent.c.url.label("parent_url"), parent.c.created_at.label("parent_created_at"))
         .select_from(_det_join().outerjoin(parent, and_(parent.c.platform == posts.c.platform,
                                                         parent.c.post_id == posts.c.reply_to_id)))
         .where(posts.c.created_at >= start, posts.c.created_at < end, posts.c.is_official.is_(False),
                detections.c.impersonation_suspect.is_(True))
         .order_by(posts.c.created_at, posts.c.platform, posts.c.post_id))
    if platforms is not None:
        q = q.where(posts.c.platform.in_(sorted(platforms)))
    return [dict(r._mapping) for r in conn.execute(q)]


def official_replies(conn: Connection, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Creation times of official replies (linked to a user post) made in [start, end)."""
    q = (select(posts.c.created_at).select_from(posts.join(
        reply_links, and_(reply_links.c.platform == posts.c.platform, reply_links.c.reply_id == posts.c.post_id)))
        .where(posts.c.is_official.is_(True), posts.c.created_at >= start, posts.c.created_at < end))
    return [r[0] for r in conn.execute(q)]


def platform_volumes(conn: Connection, start: dt.datetime, end: dt.datetime) -> dict[str, tuple[int, int]]:
    """Per platform with posts created in [start, end): (those posts, 1 if it has any official post stored).

    Whether a platform ever had an official post is an all-time fact, kept as such: a platform whose
    source never yields one (App Store reviews, RSS routes) has no replies to link, which is what
    "volume only" means in the report. It is asked per platform through the partial index
    ``ix_posts_official`` (official posts only; the first one answers), so the cost follows the window's
    posts, not the store's history.
    """
    q = (select(posts.c.platform, func.count()).where(posts.c.created_at >= start, posts.c.created_at < end)
         .group_by(posts.c.platform))
    out = {}
    for platform, n in conn.execute(q).all():
        official = select(posts.c.platform).where(posts.c.platform == platform, posts.c.is_official.is_(True))
        out[str(platform)] = (int(n), int(conn.execute(official.limit(1)).first() is not None))
    return out


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


@dataclass(frozen=True, slots=True)
class MarketMove:
    """A price change of ``symbol`` beyond a threshold over ``hours``, ending at ``end`` (UTC)."""

    symbol: str
    start: dt.datetime
    end: dt.datetime
    change: float  # 0.12 = +12 %
    hours: int

    def label(self) -> str:
        """``BTC −12 % in 6 h`` (a true minus sign, as the peak annotation shows it)."""
        return f"{self.symbol} {'−' if self.change < 0 else '+'}{abs(self.change) * 100:.0f} % in {self.hours} h"


def market_moves(engine: Engine, start: dt.datetime, end: dt.datetime,
                 thresholds: dict[int, float] | None = None) -> list[MarketMove]:
    """Price moves ending in [start, end) from the ``market`` table (sources/market.py), largest first.

    ``thresholds`` maps a window in hours to the absolute change that counts (config
    ``report.market_move_thresholds``; default 1 h: 4 %, 6 h: 8 %, 24 h: 10 %). A change is the close at
    ``t`` over the close at ``t - window``. Of overlapping moves of one asset only the largest is kept,
    so a slide reads "BTC −12 % in 6 h" once, not as six hourly drops. No table or rows: no moves.
    """
    thresholds = thresholds or {1: 0.04, 6: 0.08, 24: 0.10}
    if not inspect(engine).has_table("market"):
        return []
    longest = dt.timedelta(hours=max(thresholds))
    with engine.connect() as conn:
        rows = conn.execute(select(store.market.c.symbol, store.market.c.ts, store.market.c.price)
                            .where(store.market.c.ts >= start - longest, store.market.c.ts < end)
                            .order_by(store.market.c.symbol, store.market.c.ts)).all()
    prices: dict[str, dict[dt.datetime, float]] = {}
    for symbol, ts, price in rows:
        prices.setdefault(str(symbol), {})[ts] = float(price)
    found: list[MarketMove] = []
    for symbol, series in prices.items():
        cands = []
        for hours, thr in sorted(thresholds.items()):
            lag = dt.timedelta(hours=hours)
            for ts, price in series.items():
                before = series.get(ts - lag)
                if ts >= start and before and abs(price / before - 1.0) >= thr:
                    cands.append(MarketMove(symbol, ts - lag, ts, price / before - 1.0, hours))
        kept: list[MarketMove] = []
        for mv in sorted(cands, key=lambda m: (-abs(m.change), m.end)):
            if all(mv.end <= k.start or mv.start >= k.end for k in kept):
                kept.append(mv)
        found += kept
    return sorted(found, key=lambda m: (m.end, m.symbol))

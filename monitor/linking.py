"""Reply linking: which user post did an official reply answer, and how long after?

A reply by an official account links to the post it replies to (``reply_to_id``); when that is
unknown (feeds and forums often give only a thread), to the root of its conversation. Only posts
flagged ``is_official`` count, and sources set that flag from the configured official account *ids*:
look-alike accounts answer complaints in this field and must never make the brand look fast.

Cost grows with the posts collected since the previous linking, not with the store: a link can only
appear when its official reply or its parent is new, so each call looks at (a) official replies
collected since the last call and (b) official replies (of the retry window) pointing at user posts
collected since the last call, both through indexes (``ix_posts_collected``, ``ix_posts_reply_to``,
``ix_posts_conversation``). The last call's time is kept in the ``cursors`` table (source
``_linking``), written in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from monitor import schema, store
from monitor.store import posts, reply_links

RETRY_WINDOW = timedelta(days=7)
# Rows committed by a concurrent writer carry a collected_at slightly before they became visible.
WATERMARK_MARGIN = timedelta(minutes=10)
LINK_STATE = ("_linking", "watermark")
_CHUNK = 500


def _since(conn: Connection, now: datetime) -> datetime:
    saved = store.load_cursors(conn, LINK_STATE[0]).get(LINK_STATE[1]) or {}
    window = now - RETRY_WINDOW
    try:
        mark = datetime.fromisoformat(saved["at"]) if saved.get("at") else None
    except (TypeError, ValueError):
        mark = None
    if mark is None or mark > now:  # never linked, or the clock went back: look at the whole window
        return window
    return max(window, mark - WATERMARK_MARGIN)


def _candidates(conn: Connection, since: datetime, window: datetime) -> dict[tuple[str, str], Any]:
    """Official replies that may have gained a link since ``since`` (keyed by platform, post id).

    Two steps rather than one join: the planner cannot tell that "collected since the last call" is
    far more selective than "collected in the retry window" (SQLite has no statistics unless someone
    runs ANALYZE), and a join driven by the window scans a week of posts on every call.
    """
    cols = (posts.c.platform, posts.c.post_id, posts.c.created_at, posts.c.reply_to_id, posts.c.conversation_id)
    found: dict[tuple[str, str], Any] = {}
    q = select(*cols, posts.c.is_official).where(posts.c.collected_at >= since)
    if since <= window:  # first call: only the window's official replies matter (all are candidates)
        q = q.where(posts.c.is_official.is_(True))
    new = conn.execute(q).all()
    for row in new:
        if row.is_official and (row.reply_to_id or row.conversation_id):
            found[(row.platform, row.post_id)] = row
    fresh_users = [(r.platform, r.post_id) for r in new if not r.is_official]
    for platform, ids in _by_platform(fresh_users).items():
        for col in (posts.c.reply_to_id, posts.c.conversation_id):
            for i in range(0, len(ids), _CHUNK):
                q = select(*cols).where(posts.c.platform == platform, col.in_(ids[i:i + _CHUNK]),
                                        posts.c.is_official.is_(True), posts.c.collected_at >= window)
                for hit in conn.execute(q):
                    found[(hit.platform, hit.post_id)] = hit
    return {k: r for k, r in found.items() if k[1] and (r.reply_to_id or r.conversation_id)}


def _by_platform(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for platform, pid in keys:
        out.setdefault(platform, []).append(pid)
    return out


def _existing(conn: Connection, table_ids: Any, platform_col: Any, keys: Iterable[tuple[str, str]],
              *cols: Any) -> dict[tuple[str, str], Any]:
    found: dict[tuple[str, str], Any] = {}
    for platform, ids in _by_platform(keys).items():
        for i in range(0, len(ids), _CHUNK):
            q = select(platform_col, table_ids, *cols).where(platform_col == platform,
                                                             table_ids.in_(ids[i:i + _CHUNK]))
            for row in conn.execute(q):
                found[(row[0], row[1])] = row
    return found


def link_replies(conn: Connection, now: datetime | None = None) -> int:
    """Create missing reply links; return how many were added.

    Only official posts collected in the last ``RETRY_WINDOW`` are linked: a parent that has not
    arrived by then (deleted, protected) never will.
    """
    now = now or store.now_utc()
    window = now - RETRY_WINDOW
    cand = _candidates(conn, _since(conn, now), window)
    done = _existing(conn, reply_links.c.reply_id, reply_links.c.platform, cand)
    pending = [r for k, r in cand.items() if k not in done]
    wanted = {(r.platform, pid) for r in pending for pid in (r.reply_to_id, r.conversation_id) if pid}
    parents = _existing(conn, posts.c.post_id, posts.c.platform, wanted, posts.c.created_at, posts.c.is_official)
    rows = []
    for r in pending:
        target, how = parents.get((r.platform, r.reply_to_id)) if r.reply_to_id else None, "reply_to"
        if target is None and r.conversation_id and r.conversation_id != r.post_id:
            target, how = parents.get((r.platform, r.conversation_id)), "conversation"
        if target is None or target.is_official:
            continue  # parent not stored (yet) or a brand-to-brand thread: nothing to measure
        rows.append({"platform": r.platform, "reply_id": r.post_id, "post_id": target.post_id,
                     "latency_seconds": (r.created_at - target.created_at).total_seconds(), "linked_by": how})
    if rows:
        stmt = schema.insert(conn, reply_links).values(rows).on_conflict_do_nothing()
        conn.execute(stmt)
    store.save_cursors(conn, LINK_STATE[0], {LINK_STATE[1]: {"at": now.isoformat()}})
    return len(rows)

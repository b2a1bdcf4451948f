"""Reply linking: which user post did an official reply answer, and how long after?

A reply by an official account links to the post it replies to (``reply_to_id``); when that is
unknown (feeds and forums often give only a thread), to the root of its conversation. Only posts
flagged ``is_official`` count, and sources set that flag from the configured official account *ids*:
look-alike accounts answer complaints in this field and must never make the brand look fast.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, select
from sqlalchemy.engine import Connection

from monitor import store
from monitor.store import posts, reply_links

RETRY_WINDOW = timedelta(days=7)


def link_replies(conn: Connection, now: datetime | None = None) -> int:
    """Create missing reply links; return how many were added.

    Only official posts collected in the last ``RETRY_WINDOW`` are looked at: a parent that has not
    arrived by then (deleted, protected) never will, and rescanning every unlinked reply on every pass
    would grow with the store.
    """
    since = (now or store.now_utc()) - RETRY_WINDOW
    official = posts.alias("official")
    user = posts.alias("user_post")
    done = select(reply_links.c.reply_id).where(reply_links.c.platform == official.c.platform)
    pending = conn.execute(
        select(official.c.platform, official.c.post_id, official.c.created_at,
               official.c.reply_to_id, official.c.conversation_id)
        .where(official.c.is_official.is_(True), official.c.collected_at >= since,
               official.c.post_id.not_in(done),
               (official.c.reply_to_id.is_not(None)) | (official.c.conversation_id.is_not(None)))
    ).all()
    rows = []
    for platform, reply_id, replied_at, reply_to, conv in pending:
        target, how = None, ""
        if reply_to:
            target = conn.execute(select(user.c.post_id, user.c.created_at, user.c.is_official).where(
                and_(user.c.platform == platform, user.c.post_id == reply_to))).first()
            how = "reply_to"
        if target is None and conv and conv != reply_id:
            target = conn.execute(select(user.c.post_id, user.c.created_at, user.c.is_official).where(
                and_(user.c.platform == platform, user.c.post_id == conv))).first()
            how = "conversation"
        if target is None or target.is_official:
            continue  # parent not stored (yet) or a brand-to-brand thread: nothing to measure
        rows.append({"platform": platform, "reply_id": reply_id, "post_id": target.post_id,
                     "latency_seconds": (replied_at - target.created_at).total_seconds(), "linked_by": how})
    if rows:
        stmt = store._insert(conn, reply_links).values(rows).on_conflict_do_nothing()
        conn.execute(stmt)
    return len(rows)

"""Edited posts: one post per edit chain, the latest version's text, the first version's time.

X gives every edit a new id and lists the chain in ``edit_history_tweet_ids`` (ascending; the last id
is the latest version; docs.x.com "Edit Tweets"). Stored naively, v1 and v2 are two mentions and two
complaints, and v1 waits forever when the brand answered v2. So, inside the store's upsert:

* the latest version is the post (its text); its ``created_at`` is the first version's (the moment
  the user first wrote: reply latency and day counts start there);
* older versions go to ``post_edits`` (version id -> latest id, with their text when known) and their
  rows, detections and outgoing reply links are removed; links and replies pointing at them are
  re-pointed to the latest version, so a reply to any version answers the post;
* a version that arrives after a newer one (search pages run newest first) is recorded, not stored.

Only numeric (snowflake) ids form chains; other platforms' posts pass through untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.engine import Connection

from monitor import schema
from monitor.records import Post
from monitor.schema import post_edits
from sources.twitter_query import snowflake_time


def _chain(p: Post) -> list[str]:
    ids = (p.raw or {}).get("edit_history_tweet_ids")
    if not isinstance(ids, list) or len(ids) < 2 or not all(str(i).isdigit() for i in ids):
        return []
    return sorted({str(i) for i in ids}, key=int)


def _newer(a: str | None, b: str) -> str:
    return b if a is None or int(b) > int(a) else a


def _superseded(conn: Connection, items: Sequence[Post]) -> dict[tuple[str, str], str]:
    """(platform, old version id) -> latest version id, from this batch's chains and the store."""
    out: dict[tuple[str, str], str] = {}
    for p in items:
        chain = _chain(p)
        for version in chain[:-1]:
            out[(p.platform, version)] = _newer(out.get((p.platform, version)), chain[-1])
    for platform in {p.platform for p in items}:
        ids = {i for p in items if p.platform == platform
               for i in (p.post_id, p.reply_to_id, p.conversation_id) if i}
        for chunk in schema.chunks(sorted(ids)):
            q = select(post_edits.c.version_id, post_edits.c.post_id).where(
                post_edits.c.platform == platform, post_edits.c.version_id.in_(chunk))
            for version, latest in conn.execute(q):
                out[(platform, version)] = _newer(out.get((platform, version)), latest)
    return out


def _retire(conn: Connection, platform: str, version: str, latest: str) -> dict[str, Any] | None:
    """Move a stored old version out of ``posts``; return its post_edits row (None if not stored)."""
    p, d, r = schema.posts, schema.detections, schema.reply_links
    row = conn.execute(select(p.c.text, p.c.created_at).where(
        p.c.platform == platform, p.c.post_id == version)).first()
    conn.execute(update(r).where(r.c.platform == platform, r.c.post_id == version).values(post_id=latest))
    conn.execute(update(p).where(p.c.platform == platform, p.c.reply_to_id == version).values(reply_to_id=latest))
    conn.execute(update(p).where(p.c.platform == platform, p.c.conversation_id == version)
                 .values(conversation_id=latest))
    conn.execute(update(post_edits).where(post_edits.c.platform == platform, post_edits.c.post_id == version)
                 .values(post_id=latest))
    if row is None:
        return None
    conn.execute(delete(d).where(d.c.platform == platform, d.c.post_id == version))
    conn.execute(delete(r).where(r.c.platform == platform, r.c.reply_id == version))  # re-linked as latest
    conn.execute(delete(p).where(p.c.platform == platform, p.c.post_id == version))
    return {"platform": platform, "version_id": version, "post_id": latest, "text": row.text,
            "created_at": row.created_at}


def fold_edits(conn: Connection, items: Sequence[Post]) -> list[Post]:
    """The posts to upsert once edit chains are folded (see the module docstring)."""
    superseded = _superseded(conn, items)
    if not superseded:
        return list(items)
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    kept: list[Post] = []
    for p in items:
        latest = superseded.get((p.platform, p.post_id))
        if latest and latest != p.post_id:  # an older version: recorded, not a post of its own
            rows[(p.platform, p.post_id)] = {"platform": p.platform, "version_id": p.post_id, "post_id": latest,
                                             "text": p.text, "created_at": p.created_at}
            continue
        if p.reply_to_id and (p.platform, p.reply_to_id) in superseded:
            p.reply_to_id = superseded[(p.platform, p.reply_to_id)]
        if p.conversation_id and (p.platform, p.conversation_id) in superseded:
            p.conversation_id = superseded[(p.platform, p.conversation_id)]
        chain = _chain(p)
        if chain and chain[-1] == p.post_id:
            first: datetime = snowflake_time(chain[0])
            p.created_at = min(p.created_at, first)
        kept.append(p)
    for (platform, version), latest in superseded.items():
        retired = _retire(conn, platform, version, latest)
        if retired:
            rows[(platform, version)] = retired
        rows.setdefault((platform, version), {"platform": platform, "version_id": version, "post_id": latest,
                                              "text": None, "created_at": None})
    _save(conn, list(rows.values()))
    return kept


def _save(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    stmt = schema.insert(conn, post_edits)
    # Keep a known text when a later sighting has none (the version row was retired earlier).
    stmt = stmt.on_conflict_do_update(index_elements=["platform", "version_id"], set_={
        "post_id": stmt.excluded.post_id, "text": func.coalesce(stmt.excluded.text, post_edits.c.text),
        "created_at": func.coalesce(stmt.excluded.created_at, post_edits.c.created_at)})
    conn.execute(stmt, rows)


def edit_chain(conn: Connection, platform: str, post_id: str) -> list[dict[str, Any]]:
    """Older versions of a stored post, oldest first: ``version_id``, ``text``, ``created_at``."""
    q = (select(post_edits.c.version_id, post_edits.c.text, post_edits.c.created_at)
         .where(and_(post_edits.c.platform == platform, post_edits.c.post_id == post_id)))
    return sorted((dict(r._mapping) for r in conn.execute(q)), key=lambda r: int(r["version_id"]))

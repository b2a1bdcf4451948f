"""One bad record never stops a source: clean at the record boundary, quarantine what cannot be stored.

:func:`commit_batch` is how the pipeline stores a source's batch. Each record first normalises itself
(``Post.normalise`` / ``Announcement.normalise``, rules in :mod:`monitor.clean`); one that cannot be
cleaned becomes a row of the ``rejects`` table (source, record id, a raw excerpt, the reason) instead
of failing the batch. If the store still refuses the batch (a value some database cannot take that the
cleaning did not foresee), the records are stored one by one and only the refused ones are rejected.
Connection and locking errors are not record errors: they still fail the source for this pass.

The cursors of a batch are saved only after its records and rejects are committed, as before. The
``rejects`` table is keyed on (source, fingerprint of the record), so a bad entry a feed serves on
every pass is one row whose ``seen`` count grows, not a new row per pass.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Engine, func, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from monitor import clean, schema, store
from monitor.records import Announcement, Batch, Post
from monitor.redact import mask_values
from monitor.schema import rejects

_R = TypeVar("_R", Post, Announcement)

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500



def _excerpt(record: Any) -> str:
    if dataclasses.is_dataclass(record) and not isinstance(record, type):
        record = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}
    try:
        blob = json.dumps(record, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        blob = repr(record)
    return mask_values(clean.text(blob[:EXCERPT_CHARS], "excerpt") or "")


def reject_row(source: str, kind: str, record_id: Any, excerpt: str, reason: str, now: datetime) -> dict[str, Any]:
    rid = (clean.text(str(record_id), "id") or "")[:clean.MAX_ID] if record_id is not None else None
    seed = f"{kind}\x1f{rid if rid else excerpt}"
    return {"source": source, "fingerprint": hashlib.sha256(seed.encode("utf-8", "replace")).hexdigest()[:24],
            "kind": kind, "record_id": mask_values(rid) if rid else None,
            "excerpt": mask_values(clean.text(excerpt, "excerpt") or "")[:EXCERPT_CHARS],
            "reason": mask_values(clean.text(reason, "reason") or "")[:1000],
            "first_seen": now, "last_seen": now, "seen": 1}


def add_rejects(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Upsert reject rows on (source, fingerprint): ``seen`` counts the passes that met the record."""
    unique = list({(r["source"], r["fingerprint"]): r for r in rows}.values())
    for row in unique:
        stmt = schema.insert(conn, rejects).values(**row)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["source", "fingerprint"],
            set_={"reason": stmt.excluded.reason, "excerpt": stmt.excluded.excerpt,
                  "last_seen": stmt.excluded.last_seen, "seen": rejects.c.seen + 1}))


def reject_summary(conn: Connection, source: str) -> tuple[int, dict[str, Any] | None]:
    """(records rejected for ``source``, the most recent reject row or None)."""
    count = conn.execute(select(func.count()).select_from(rejects).where(rejects.c.source == source)).scalar_one()
    latest = conn.execute(select(rejects).where(rejects.c.source == source)
                          .order_by(rejects.c.last_seen.desc()).limit(1)).first()
    return int(count), dict(latest._mapping) if latest else None


def _clean(name: str, batch: Batch, now: datetime, out: list[dict[str, Any]]
           ) -> tuple[list[Post], list[Announcement], list[str]]:
    notes: list[str] = []
    posts = _clean_records(name, "post", batch.posts, now, out, notes)
    anns = _clean_records(name, "announcement", batch.announcements, now, out, notes)
    return posts, anns, notes


def _clean_records(name: str, kind: str, records: Sequence[_R], now: datetime, out: list[dict[str, Any]],
                   notes: list[str]) -> list[_R]:
    keep: list[_R] = []
    for rec in records:
        rid = getattr(rec, "post_id", None) if kind == "post" else getattr(rec, "entry_id", None)
        try:
            notes.extend(rec.normalise(now))
        except (ValueError, TypeError, AttributeError) as exc:
            out.append(reject_row(name, kind, rid, _excerpt(rec), str(exc), now))
            continue
        keep.append(rec)
    return keep


def _record_error(exc: BaseException) -> bool:
    """A refusal caused by one record's values (not the connection, a lock or the schema)."""
    if isinstance(exc, DBAPIError):
        return isinstance(exc, DataError | IntegrityError)
    return isinstance(exc, SQLAlchemyError | ValueError | TypeError)


def _one_by_one(engine: Engine, name: str, posts: list[Post], anns: list[Announcement], now: datetime,
                out: list[dict[str, Any]]) -> int:
    new = 0
    refused: list[dict[str, Any]] = []
    records: list[Post | Announcement] = [*posts, *anns]
    for rec in records:
        try:
            with engine.begin() as conn:
                new += (store.upsert_posts(conn, [rec]) if isinstance(rec, Post)
                        else store.upsert_announcements(conn, [rec]))
        except Exception as exc:
            if not _record_error(exc):
                raise
            if len(refused) == len(records) - 1 and len(records) > 1:
                # Every record refused: a systematic failure (schema, a bug), not bad records. Fail the
                # pass so nothing is quarantined wholesale and the cursor stays where it was.
                raise
            kind, rid = ("post", rec.post_id) if isinstance(rec, Post) else ("announcement", rec.entry_id)
            why = str(getattr(exc, "orig", None) or exc).splitlines()[0] if str(exc) else type(exc).__name__
            refused.append(reject_row(name, kind, rid, _excerpt(rec), f"the store refused it: {why}", now))
    out.extend(refused)
    return new


def commit_batch(engine: Engine, name: str, batch: Batch, run_id: int, now: datetime) -> tuple[int, int]:
    """Store one batch: cleaned records, rejects, then its cursors and run counts. Returns (new, rejected)."""
    out = [reject_row(name, "record", rid, excerpt, reason, now) for rid, excerpt, reason in batch.rejects]
    posts, anns, notes = _clean(name, batch, now, out)
    if notes:
        more = f" (and {len(notes) - 3} more)" if len(notes) > 3 else ""
        log.warning("%s: cleaned %d records: %s%s", name, len(notes), "; ".join(notes[:3]), more)
    try:
        with engine.begin() as conn:  # records, rejects, cursors: one transaction
            new = store.upsert_posts(conn, posts) + store.upsert_announcements(conn, anns)
            new += store.upsert_market(conn, batch.market)
            _finish(conn, name, batch, run_id, new, out)
        return new, len(out)
    except Exception as exc:
        if not _record_error(exc) or not (posts or anns):
            raise
        log.warning("%s: the store refused a batch of %d records (%s); storing them one by one",
                    name, len(posts) + len(anns), type(exc).__name__)
    new = _one_by_one(engine, name, posts, anns, now, out)
    with engine.begin() as conn:
        new += store.upsert_market(conn, batch.market)
        _finish(conn, name, batch, run_id, new, out)
    return new, len(out)


def _finish(conn: Connection, name: str, batch: Batch, run_id: int, new: int, out: list[dict[str, Any]]) -> None:
    if out:
        add_rejects(conn, out)
        for row in out[:3]:
            log.warning("%s: rejected %s %s: %s", name, row["kind"], row["record_id"] or "(no id)", row["reason"])
        if len(out) > 3:
            log.warning("%s: rejected %d more records; `mention-monitor status` counts them", name, len(out) - 3)
    store.save_cursors(conn, name, batch.cursors)
    store.add_run_usage(conn, run_id, fetched=batch.fetched, new=new, requests=batch.requests)

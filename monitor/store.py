"""The store: a handful of functions over SQLAlchemy Core 2 (SQLite by default, PostgreSQL too).

Schema changes are append-only named migrations (the sqlite-utils / twitter-to-sqlite habit): each
runs once, in order, recorded in ``migrations``. Never edit a released migration; add a new one and
update the matching ``Table`` below. Times are stored as naive UTC (``UTCDateTime`` converts at the
boundary) so SQLite and PostgreSQL sort and compare them the same way. All ids are strings.

Writes are upserts on natural keys (platform + post id, source + entry id, ...), so running the same
pass twice stores nothing twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    Integer,
    MetaData,
    Table,
    Text,
    TypeDecorator,
    and_,
    bindparam,
    create_engine,
    event,
    func,
    or_,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from monitor.contenthash import content_hash
from monitor.errors import StoreError
from monitor.migrations import MIGRATIONS
from monitor.redact import mask_obj, mask_values
from sources.base import Announcement, MarketBar, Post

log = logging.getLogger(__name__)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC in Python, naive UTC in the database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; convert to UTC first")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC)


metadata = MetaData()

posts = Table(
    "posts", metadata,
    Column("platform", Text, primary_key=True),
    Column("post_id", Text, primary_key=True),
    Column("url", Text),
    Column("author_id", Text),
    Column("author_handle", Text),
    Column("author_name", Text),
    Column("is_official", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("lang", Text),
    Column("reply_to_id", Text),
    Column("conversation_id", Text),
    Column("origin", Text),
    Column("raw", JSON),
    Column("collected_at", UTCDateTime, nullable=False),
    Column("content_hash", Text),  # monitor.contenthash of what the detector reads (migration det_fingerprint_0001)
    Column("labelled_hash", Text),  # content_hash its label was made from; NULL: not labelled yet
)

announcements = Table(
    "announcements", metadata,
    Column("source", Text, primary_key=True),
    Column("entry_id", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("url", Text),
    Column("kind", Text, nullable=False),
    Column("status", Text),
    Column("published", UTCDateTime),
    Column("updated", UTCDateTime),
    Column("window_start", UTCDateTime),
    Column("window_end", UTCDateTime),
    Column("raw", JSON),
    Column("collected_at", UTCDateTime, nullable=False),
)

detections = Table(
    "detections", metadata,
    Column("platform", Text, primary_key=True),
    Column("post_id", Text, primary_key=True),
    Column("complaint", Boolean, nullable=False),
    Column("maintenance", Boolean, nullable=False),
    Column("claimed_wait_seconds", BigInteger),
    Column("urgency", Text),
    Column("topics", JSON),
    Column("impersonation_suspect", Boolean, nullable=False, default=False),
    Column("evidence", JSON),
    Column("detected_at", UTCDateTime, nullable=False),
    Column("rules_fingerprint", Text),  # rules that made the label (migration det_fingerprint_0001)
    Column("content_hash", Text),  # posts.content_hash of the text labelled
)

reply_links = Table(
    "reply_links", metadata,
    Column("platform", Text, primary_key=True),
    Column("reply_id", Text, primary_key=True),
    Column("post_id", Text, nullable=False),
    Column("latency_seconds", Float, nullable=False),
    Column("linked_by", Text, nullable=False),  # reply_to | conversation
)

cursors = Table(
    "cursors", metadata,
    Column("source", Text, primary_key=True),
    Column("key", Text, primary_key=True),
    Column("state", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

runs = Table(
    "runs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("fetched", Integer, nullable=False, default=0),
    Column("new", Integer, nullable=False, default=0),
    Column("requests", Integer, nullable=False, default=0),
    Column("status", Text, nullable=False, default="running"),  # running | ok | error | skipped | interrupted
    Column("error", Text),
    Column("covers_from", UTCDateTime),  # a backfill's --since (report12_runs_covers_from)
)

alerts_sent = Table(
    "alerts_sent", metadata,
    Column("key", Text, primary_key=True),
    Column("last_sent", UTCDateTime, nullable=False),
    Column("times", Integer, nullable=False, default=1),
)

# Hourly closes per asset (sources/market.py); reports.data.market_moves reads symbol, ts, price.
market = Table(
    "market", metadata,
    Column("symbol", Text, primary_key=True),
    Column("ts", UTCDateTime, primary_key=True),
    Column("price", Float, nullable=False),
    Column("open", Float),
    Column("high", Float),
    Column("low", Float),
    Column("volume", Float),
    Column("exchange", Text),
    Column("pair", Text),
    Column("collected_at", UTCDateTime, nullable=False),
)

migration_log = Table(
    "migrations", metadata,
    Column("name", Text, primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

def _ddl(engine_or_conn: Engine | Connection, sql: str) -> str:
    autoinc = (
        "INTEGER PRIMARY KEY AUTOINCREMENT"
        if engine_or_conn.dialect.name == "sqlite"
        else "INTEGER GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY"
    )
    sqlite = engine_or_conn.dialect.name == "sqlite"
    json_type, true = ("TEXT", "1") if sqlite else ("JSONB", "TRUE")
    return sql.replace("{autoinc}", autoinc).replace("{json}", json_type).replace("{true}", true)


_MIGRATE_LOCK = "hashtext('mention-monitor:migrate:' || current_schema())"


def migrate(engine: Engine) -> list[str]:
    """Apply pending migrations in order; return the names applied.

    On PostgreSQL, hosts starting together (``multi_host``) take turns under an advisory lock."""
    if engine.dialect.name != "postgresql":
        return _migrate(engine)
    with engine.connect() as conn:
        conn.execute(text(f"SELECT pg_advisory_lock({_MIGRATE_LOCK})"))
        conn.commit()
        try:
            return _migrate(engine)
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({_MIGRATE_LOCK})"))
            conn.commit()


def _migrate(engine: Engine) -> list[str]:
    applied: list[str] = []
    with engine.begin() as conn:
        conn.execute(
            text("CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        )
        done = {r[0] for r in conn.execute(select(migration_log.c.name))}
    for name, statements in MIGRATIONS:
        if name in done:
            continue
        with engine.begin() as conn:
            for sql in statements:
                conn.execute(text(_ddl(conn, sql)))
            conn.execute(migration_log.insert().values(name=name, applied_at=now_utc()))
        log.info("store: applied migration %s", name)
        applied.append(name)
    return applied


def now_utc() -> datetime:
    return datetime.now(UTC)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets the report read while a collector writes; busy_timeout waits for the writer instead
    # of failing with "database is locked" when cron and the daemon overlap.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def open_store(url: str, *, migrate_schema: bool = True) -> Engine:
    """Create the engine (and the SQLite file's directory), then migrate."""
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        engine = create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if migrate_schema:
            migrate(engine)
    except (SQLAlchemyError, OSError, ImportError) as exc:  # ImportError: the URL's driver is not installed
        raise StoreError(f"store_url: cannot open the store ({type(exc).__name__}: {exc}).") from exc
    return engine


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def _chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _upsert_many(conn: Connection, table: Table, rows: Sequence[dict[str, Any]], keys: list[str],
                 updatable: list[str], fill_only: Sequence[str] = ()) -> None:
    """One executemany of INSERT .. ON CONFLICT DO UPDATE: a single compiled statement, batched by the
    driver (SQLAlchemy's insertmanyvalues), ~10x faster than compiling a multi-row VALUES per chunk.
    ``fill_only`` columns are set only while the stored value is NULL."""
    if not rows:
        return
    stmt = _insert(conn, table)
    set_ = {c: stmt.excluded[c] for c in updatable}
    set_.update({c: func.coalesce(table.c[c], stmt.excluded[c]) for c in fill_only})
    stmt = stmt.on_conflict_do_update(index_elements=keys, set_=set_)
    conn.execute(stmt, list(rows))


def existing_post_ids(conn: Connection, platform: str, ids: Iterable[str]) -> set[str]:
    found: set[str] = set()
    id_list = list(dict.fromkeys(ids))
    for chunk in _chunks(id_list):
        q = select(posts.c.post_id).where(posts.c.platform == platform, posts.c.post_id.in_(chunk))
        found.update(r[0] for r in conn.execute(q))
    return found


def _post_row(p: Post, collected_at: datetime) -> dict[str, Any]:
    return mask_obj({
        "platform": p.platform, "post_id": p.post_id, "url": p.url, "author_id": p.author_id,
        "author_handle": p.author_handle, "author_name": p.author_name, "is_official": p.is_official,
        "created_at": p.created_at, "text": p.text, "lang": p.lang, "reply_to_id": p.reply_to_id,
        "conversation_id": p.conversation_id, "origin": p.origin, "raw": p.raw,
        "collected_at": collected_at, "content_hash": content_hash(
            text=p.text, author_handle=p.author_handle, author_name=p.author_name, reply_to_id=p.reply_to_id,
            is_official=p.is_official, lang=p.lang),
    })  # a secret echoed by a remote (a link carrying the key) is masked by value (monitor.redact)


def upsert_posts(conn: Connection, items: Sequence[Post]) -> int:
    """Insert or update posts on (platform, post_id); return how many were new."""
    if not items:
        return 0
    from monitor.edits import fold_edits  # local: monitor.edits builds on this module

    items = fold_edits(conn, items)  # one post per X edit chain (latest text, first time)
    now = now_utc()
    # Deduplicate inside the batch: PostgreSQL refuses ON CONFLICT touching one row twice.
    rows = list({(p.platform, p.post_id): _post_row(p, now) for p in items}.values())
    new = 0
    for platform in {r["platform"] for r in rows}:
        ids = [r["post_id"] for r in rows if r["platform"] == platform]
        new += len(ids) - len(existing_post_ids(conn, platform, ids))
    # An update changes a post's content, never what it is: who wrote it, what it answers and its
    # thread are kept once known (created_at and origin are never updated).
    updatable = ["url", "author_handle", "author_name", "is_official", "text", "lang", "raw", "content_hash"]
    _upsert_many(conn, posts, rows, ["platform", "post_id"], updatable,
                 fill_only=["author_id", "reply_to_id", "conversation_id"])
    return new


def upsert_announcements(conn: Connection, items: Sequence[Announcement]) -> int:
    """Insert or update announcements on (source, entry_id); an edited entry updates its row."""
    if not items:
        return 0
    now = now_utc()
    rows = list({(a.source, a.entry_id): mask_obj({
        "source": a.source, "entry_id": a.entry_id, "title": a.title, "text": a.text, "url": a.url,
        "kind": a.kind or "other", "status": a.status, "published": a.published, "updated": a.updated,
        "window_start": a.window_start, "window_end": a.window_end, "raw": a.raw, "collected_at": now,
    }) for a in items}.values())
    new = 0
    for source in {r["source"] for r in rows}:
        keys = [r["entry_id"] for r in rows if r["source"] == source]
        q = select(announcements.c.entry_id).where(
            announcements.c.source == source, announcements.c.entry_id.in_(keys))
        new += len(keys) - len({r[0] for r in conn.execute(q)})
    updatable = ["title", "text", "url", "kind", "status", "published", "updated", "window_start",
                 "window_end", "raw"]
    _upsert_many(conn, announcements, rows, ["source", "entry_id"], updatable)
    return new


def load_cursors(conn: Connection, source: str) -> dict[str, dict[str, Any]]:
    q = select(cursors.c.key, cursors.c.state).where(cursors.c.source == source)
    return {k: (json.loads(s) if isinstance(s, str) else s) for k, s in conn.execute(q)}


def save_cursors(conn: Connection, source: str, updates: dict[str, dict[str, Any] | None]) -> None:
    now = now_utc()
    for key, state in updates.items():
        if state is None:
            conn.execute(cursors.delete().where(cursors.c.source == source, cursors.c.key == key))
            continue
        stmt = _insert(conn, cursors).values(source=source, key=key, state=mask_obj(state), updated_at=now)
        conn.execute(stmt.on_conflict_do_update(
            index_elements=["source", "key"], set_={"state": stmt.excluded.state, "updated_at": now}))


def start_run(engine: Engine, source: str, covers_from: datetime | None = None) -> int:
    """Open a run row; ``covers_from`` is a backfill's start (``collect --since``), else None."""
    with engine.begin() as conn:
        res = conn.execute(runs.insert().values(source=source, started_at=now_utc(), status="running",
                                                covers_from=covers_from))
        return int(res.inserted_primary_key[0])


def mark_interrupted(engine: Engine, source: str | None = None) -> int:
    """Close runs left ``running`` by a process that died (SIGKILL, power loss): status ``interrupted``.

    Call only while holding what makes those runs stale: the store lock (all sources) or the
    source's own job lock. Their counts were committed batch by batch and stay. Returns rows closed."""
    cond = (runs.c.status == "running") & (runs.c.source == source if source is not None else True)
    with engine.begin() as conn:
        res = conn.execute(runs.update().where(cond).values(
            status="interrupted", finished_at=now_utc(),
            error="interrupted: the process stopped during this pass (killed or crashed)"))
    return int(res.rowcount or 0)


def finish_run(engine: Engine, run_id: int, *, status: str, error: str | None = None) -> None:
    """Close a run row; its counts were added batch by batch (:func:`add_run_usage`)."""
    with engine.begin() as conn:
        conn.execute(runs.update().where(runs.c.id == run_id).values(
            finished_at=now_utc(), status=status, error=mask_values(error) if error else error))


def add_run_usage(conn: Connection, run_id: int, *, fetched: int, new: int, requests: int) -> None:
    """Add one committed batch's counts to its run row, in the batch's own transaction: a pass killed
    mid-way (the row stays ``running``) still counts the posts it read toward ``month_usage``."""
    conn.execute(runs.update().where(runs.c.id == run_id).values(
        fetched=runs.c.fetched + fetched, new=runs.c.new + new, requests=runs.c.requests + requests))


def month_usage(conn: Connection, source: str, now: datetime) -> dict[str, int]:
    """Posts read and requests made by ``source`` in the calendar month (UTC) containing ``now``."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    q = select(func.coalesce(func.sum(runs.c.fetched), 0), func.coalesce(func.sum(runs.c.requests), 0)).where(
        runs.c.source == source, runs.c.started_at >= start, runs.c.started_at < end)
    fetched, reqs = conn.execute(q).one()
    return {"posts_read": int(fetched), "requests": int(reqs)}


def last_ok_run(conn: Connection, source: str) -> datetime | None:
    q = select(func.max(runs.c.finished_at)).where(runs.c.source == source, runs.c.status == "ok")
    return conn.execute(q).scalar()


def table_counts(conn: Connection) -> dict[str, int]:
    return {t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
            for t in (posts, announcements, detections, reply_links, cursors, runs)}


def undetected_posts(conn: Connection, limit: int = 5000) -> list[dict[str, Any]]:
    """Posts with no detection row yet (the detector runs on them after each pass)."""
    q = (select(posts).outerjoin(detections, (detections.c.platform == posts.c.platform)
                                 & (detections.c.post_id == posts.c.post_id))
         .where(detections.c.post_id.is_(None)).limit(limit))
    return [dict(r._mapping) for r in conn.execute(q)]


def upsert_detections(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    cols = [c.name for c in detections.columns if c.name not in ("platform", "post_id")]
    _upsert_many(conn, detections, list(rows), ["platform", "post_id"], cols)



# --- label fingerprints (branch det-fingerprint) ------------------------------------------------------


def _content_stale() -> Any:
    # NULL on both sides (rows from before the fingerprint migration) counts as unchanged.
    return func.coalesce(detections.c.content_hash, "") != func.coalesce(posts.c.content_hash, "")


def _label_select() -> Any:
    d = detections
    return (select(posts, d.c.complaint.label("old_complaint"), d.c.urgency.label("old_urgency"),
                   d.c.maintenance.label("old_maintenance"), d.c.rules_fingerprint.label("old_fingerprint"),
                   d.c.content_hash.label("old_content_hash"), d.c.detected_at.label("old_detected_at"),
                   d.c.post_id.isnot(None).label("labelled"))
            .select_from(posts.outerjoin(d, (d.c.platform == posts.c.platform) & (d.c.post_id == posts.c.post_id))))


def replies_to_label(conn: Connection, platform: str, ids: Iterable[str]) -> list[dict[str, Any]]:
    """Non-official posts replying to ``ids`` (rows shaped like :func:`posts_to_label`'s), by the reply index."""
    out: list[dict[str, Any]] = []
    for chunk in _chunks(list(dict.fromkeys(ids))):
        q = _label_select().where(posts.c.platform == platform, posts.c.reply_to_id.in_(chunk),
                                  posts.c.is_official.is_(False))
        out += [dict(r._mapping) for r in conn.execute(q.order_by(posts.c.post_id))]
    return out


def label_pending() -> Any:
    """New or edited posts: the predicate of the partial index ``ix_posts_label_pending`` (spelled the same
    so SQLite and PostgreSQL use it)."""
    return or_(posts.c.labelled_hash.is_(None), posts.c.labelled_hash != posts.c.content_hash)


def posts_to_label(conn: Connection, fingerprint: str | None, *, mode: str = "stale", since: datetime | None = None,
                   after: tuple[str, str] | None = None, limit: int = 2000) -> list[dict[str, Any]]:
    """Posts to (re)label, in (platform, post_id) order after ``after`` (``rules``: unordered);
    ``since``: created at or after it.

    ``mode``: ``pending`` new or edited posts (through the partial index: cost follows their number);
    ``rules`` labels made by rules other than ``fingerprint``; ``stale`` any of these, or a label whose
    content hash differs from the post's; ``all`` every post. Each row is a ``posts`` row plus
    ``old_complaint``, ``old_urgency``, ``old_maintenance``, ``old_fingerprint``, ``old_content_hash``,
    ``old_detected_at`` and ``labelled`` (False: no detection row yet).
    """
    d = detections
    q = _label_select()
    other_rules = func.coalesce(d.c.rules_fingerprint, "") != (fingerprint or "")
    if mode == "pending":
        q = q.where(label_pending())
    elif mode == "rules":
        q = q.where(d.c.post_id.isnot(None), other_rules)
    elif mode == "stale":
        q = q.where(or_(d.c.post_id.is_(None), _content_stale(), label_pending(),
                        *([other_rules] if fingerprint is not None else [])))
    elif mode != "all":
        raise ValueError(f"posts_to_label: unknown mode {mode!r}")
    if since is not None:
        q = q.where(posts.c.created_at >= since)
    if after is not None:
        q = q.where(or_(posts.c.platform > after[0], and_(posts.c.platform == after[0], posts.c.post_id > after[1])))
    if mode != "rules":
        q = q.order_by(posts.c.platform, posts.c.post_id)
    # ``rules`` is unordered: ordering by key makes SQLite walk the primary key through the whole store
    # instead of the created_at range; relabelled rows leave the selection, so no keyset is needed.
    return [dict(r._mapping) for r in conn.execute(q.limit(limit))]


def mark_labelled(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Record on each post the content hash its new label was made from (``platform``, ``post_id``,
    ``content_hash`` of the row labelled). Only if the post still has that hash: an edit committed by
    another host meanwhile stays pending."""
    if not rows:
        return
    stmt = (posts.update()
            .where(posts.c.platform == bindparam("k_platform"), posts.c.post_id == bindparam("k_post_id"),
                   func.coalesce(posts.c.content_hash, "") == bindparam("k_hash"))
            .values(labelled_hash=func.coalesce(posts.c.content_hash, "")))
    conn.execute(stmt, [{"k_platform": r["platform"], "k_post_id": r["post_id"],
                         "k_hash": r.get("content_hash") or ""} for r in rows])


def label_fingerprints(conn: Connection, start: datetime | None = None,
                       end: datetime | None = None) -> dict[str | None, int]:
    """Labels per rules fingerprint (None: made before fingerprints) for posts created in [start, end)."""
    d = detections
    q = (select(d.c.rules_fingerprint, func.count())
         .select_from(d.join(posts, (d.c.platform == posts.c.platform) & (d.c.post_id == posts.c.post_id)))
         .group_by(d.c.rules_fingerprint))
    if start is not None:
        q = q.where(posts.c.created_at >= start)
    if end is not None:
        q = q.where(posts.c.created_at < end)
    return {fp: int(n) for fp, n in conn.execute(q)}


def stale_content_labels(conn: Connection) -> int:
    """Posts edited since they were labelled (the next detection pass relabels them); by the partial index."""
    q = select(func.count()).select_from(posts).where(label_pending(), posts.c.labelled_hash.isnot(None))
    return int(conn.execute(q).scalar_one())

def upsert_market(conn: Connection, bars: Sequence[MarketBar]) -> int:
    """Insert or update hourly closes on (symbol, ts); return how many were new."""
    if not bars:
        return 0
    now = now_utc()
    rows = list({(b.symbol, b.ts): {"symbol": b.symbol, "ts": b.ts, "price": b.price, "open": b.open,
                                    "high": b.high, "low": b.low, "volume": b.volume, "exchange": b.exchange,
                                    "pair": b.pair, "collected_at": now} for b in bars}.values())
    new = 0
    for symbol in {r["symbol"] for r in rows}:
        stamps = [r["ts"] for r in rows if r["symbol"] == symbol]
        q = select(func.count()).select_from(market).where(market.c.symbol == symbol, market.c.ts.in_(stamps))
        new += len(stamps) - int(conn.execute(q).scalar_one())
    _upsert_many(conn, market, rows, ["symbol", "ts"],
                 ["price", "open", "high", "low", "volume", "exchange", "pair"])
    return new

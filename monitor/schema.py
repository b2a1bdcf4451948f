"""The store's tables as SQLAlchemy Core ``Table`` objects, and two statement helpers.

The tables are created and changed only by the append-only migrations (``monitor.migrations``); a
``Table`` here mirrors what they built and is updated with each new migration. Times are naive UTC in
the database (``UTCDateTime`` converts at the boundary) so SQLite and PostgreSQL sort and compare them
the same way. Kept apart from ``monitor.store`` so that modules the store builds on (``monitor.edits``,
``monitor.quarantine``) can name tables without importing the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, DateTime, Float, Integer, MetaData, Table, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.types import TypeDecorator


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

# X edit chains (migration input11_post_edits): each older version id -> the latest, stored in posts.
post_edits = Table(
    "post_edits", metadata,
    Column("platform", Text, primary_key=True),
    Column("version_id", Text, primary_key=True),
    Column("post_id", Text, nullable=False),  # the latest version: the row in posts
    Column("text", Text),
    Column("created_at", UTCDateTime),
)

# Records refused at the record boundary (migration trust14_rejects; monitor.quarantine).
rejects = Table(
    "rejects", metadata,
    Column("source", Text, primary_key=True),
    Column("fingerprint", Text, primary_key=True),
    Column("kind", Text, nullable=False),  # post | announcement | record (refused by the source itself)
    Column("record_id", Text),
    Column("excerpt", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("first_seen", UTCDateTime, nullable=False),
    Column("last_seen", UTCDateTime, nullable=False),
    Column("seen", Integer, nullable=False),
)


def insert(conn: Connection, table: Table) -> Any:
    """The dialect's INSERT for ``table`` (it has ``on_conflict_do_update`` / ``_do_nothing``)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


def chunks(items: Sequence[Any], size: int = 500) -> Iterator[Sequence[Any]]:
    """``items`` in slices of ``size`` (SQLite allows 999 bound parameters per statement)."""
    for i in range(0, len(items), size):
        yield items[i : i + size]

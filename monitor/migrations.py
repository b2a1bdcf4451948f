"""The store's schema history: append-only, named migrations (never edit a released one).

Each migration is a list of portable DDL statements; ``{autoinc}`` and ``{json}`` are filled per
dialect by ``monitor.store._ddl`` (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT / TEXT; PostgreSQL:
identity column / JSONB). When adding a column, add a migration here *and* update the matching
``Table`` in ``monitor/store.py``.
"""

from __future__ import annotations

_INITIAL = [
    """CREATE TABLE posts (
        platform TEXT NOT NULL, post_id TEXT NOT NULL, url TEXT, author_id TEXT, author_handle TEXT,
        author_name TEXT, is_official BOOLEAN NOT NULL DEFAULT FALSE, created_at TIMESTAMP NOT NULL,
        text TEXT NOT NULL, lang TEXT, reply_to_id TEXT, conversation_id TEXT, origin TEXT, raw {json},
        collected_at TIMESTAMP NOT NULL, PRIMARY KEY (platform, post_id))""",
    "CREATE INDEX ix_posts_created ON posts (created_at)",
    "CREATE INDEX ix_posts_reply_to ON posts (platform, reply_to_id)",
    "CREATE INDEX ix_posts_conversation ON posts (platform, conversation_id)",
    """CREATE TABLE announcements (
        source TEXT NOT NULL, entry_id TEXT NOT NULL, title TEXT NOT NULL, text TEXT NOT NULL, url TEXT,
        kind TEXT NOT NULL, status TEXT, published TIMESTAMP, updated TIMESTAMP, window_start TIMESTAMP,
        window_end TIMESTAMP, raw {json}, collected_at TIMESTAMP NOT NULL, PRIMARY KEY (source, entry_id))""",
    """CREATE TABLE detections (
        platform TEXT NOT NULL, post_id TEXT NOT NULL, complaint BOOLEAN NOT NULL,
        maintenance BOOLEAN NOT NULL, claimed_wait_seconds BIGINT, urgency TEXT, topics {json},
        impersonation_suspect BOOLEAN NOT NULL DEFAULT FALSE, evidence {json},
        detected_at TIMESTAMP NOT NULL, PRIMARY KEY (platform, post_id))""",
    """CREATE TABLE reply_links (
        platform TEXT NOT NULL, reply_id TEXT NOT NULL, post_id TEXT NOT NULL,
        latency_seconds DOUBLE PRECISION NOT NULL, linked_by TEXT NOT NULL,
        PRIMARY KEY (platform, reply_id))""",
    "CREATE INDEX ix_reply_links_post ON reply_links (platform, post_id)",
    """CREATE TABLE cursors (
        source TEXT NOT NULL, key TEXT NOT NULL, state {json} NOT NULL, updated_at TIMESTAMP NOT NULL,
        PRIMARY KEY (source, key))""",
    """CREATE TABLE runs (
        id {autoinc}, source TEXT NOT NULL, started_at TIMESTAMP NOT NULL, finished_at TIMESTAMP,
        fetched INTEGER NOT NULL DEFAULT 0, new INTEGER NOT NULL DEFAULT 0,
        requests INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL DEFAULT 'running', error TEXT)""",
    "CREATE INDEX ix_runs_source_started ON runs (source, started_at)",
]

# Records a source or the store could not take (monitor.quarantine): one row per (source, record).
_TRUST14_REJECTS = [
    """CREATE TABLE rejects (
        source TEXT NOT NULL, fingerprint TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT,
        excerpt TEXT NOT NULL, reason TEXT NOT NULL, first_seen TIMESTAMP NOT NULL,
        last_seen TIMESTAMP NOT NULL, seen INTEGER NOT NULL, PRIMARY KEY (source, fingerprint))""",
]

# Reply linking reads the posts collected since its last call (monitor.linking): needs this index.
_TRUST14_COLLECTED = ["CREATE INDEX ix_posts_collected ON posts (collected_at)"]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("0001_initial", _INITIAL),
    ("trust14_rejects", _TRUST14_REJECTS),
    ("trust14_posts_collected_index", _TRUST14_COLLECTED),
]



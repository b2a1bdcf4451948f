"""The store's schema history: append-only, named migrations (never edit a released one).

Each migration is a list of portable DDL statements; ``{autoinc}``, ``{json}`` and ``{true}`` are
filled per dialect by ``monitor.store._ddl`` (SQLite: INTEGER PRIMARY KEY AUTOINCREMENT / TEXT / 1;
PostgreSQL: identity column / JSONB / TRUE). When adding a column, add a migration here *and* update
the matching ``Table`` in ``monitor/schema.py``.
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

# Labels remember the rules that made them (``monitor.detect.fingerprint.rules_fingerprint``) and the
# content they were made from (``monitor.contenthash``); posts carry their current content hash and the
# hash their label was made from (``labelled_hash``), so each pass finds new and edited posts through a
# partial index in time proportional to them, not to the store. Rows from before: labelled posts get
# '' for both (unchanged until re-collected), their labels NULL rules (relabelled when recent, or by
# ``relabel``).
_DET_FINGERPRINT = [
    "ALTER TABLE detections ADD COLUMN rules_fingerprint TEXT",
    "ALTER TABLE detections ADD COLUMN content_hash TEXT",
    "ALTER TABLE posts ADD COLUMN content_hash TEXT",
    "ALTER TABLE posts ADD COLUMN labelled_hash TEXT",
    """UPDATE posts SET content_hash = '', labelled_hash = '' WHERE EXISTS (SELECT 1 FROM detections d
        WHERE d.platform = posts.platform AND d.post_id = posts.post_id)""",
    """CREATE INDEX ix_posts_label_pending ON posts (platform, post_id)
        WHERE labelled_hash IS NULL OR labelled_hash <> content_hash""",
]

_SOURCES13_MARKET = [
    """CREATE TABLE market (
        symbol TEXT NOT NULL, ts TIMESTAMP NOT NULL, price DOUBLE PRECISION NOT NULL,
        open DOUBLE PRECISION, high DOUBLE PRECISION, low DOUBLE PRECISION, volume DOUBLE PRECISION,
        exchange TEXT, pair TEXT, collected_at TIMESTAMP NOT NULL, PRIMARY KEY (symbol, ts))""",
]

# Edit chains of X posts (monitor.edits): older version id -> the latest version's row in posts.
_INPUT11_POST_EDITS = [
    """CREATE TABLE post_edits (
        platform TEXT NOT NULL, version_id TEXT NOT NULL, post_id TEXT NOT NULL, text TEXT,
        created_at TIMESTAMP, PRIMARY KEY (platform, version_id))""",
    "CREATE INDEX ix_post_edits_post ON post_edits (platform, post_id)",
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

# A report reads its window, not the store's history (issue 14, load): whether a platform has any official
# post (the partial index holds only official posts), announcements published in or with a window reaching
# into the report's window (an expression index on the window's end, spelled as reports.data queries it),
# and market closes by time across symbols. ``{true}``: the literal SQLAlchemy renders for ``.is_(True)``.
_PERF14_WINDOW_INDEXES = [
    "CREATE INDEX ix_posts_official ON posts (platform) WHERE is_official IS {true}",
    "CREATE INDEX ix_announcements_published ON announcements (published)",
    "CREATE INDEX ix_announcements_window_end ON announcements ((COALESCE(window_end, window_start)))",
    "CREATE INDEX ix_market_ts ON market (ts)",
]

MIGRATIONS: list[tuple[str, list[str]]] = [
    ("0001_initial", _INITIAL),
    ("det_fingerprint_0001_label_fingerprints", _DET_FINGERPRINT),
    ("sources13_market_hourly", _SOURCES13_MARKET),  # hourly closes per asset (sources/market.py)
    # report12: where a backfill pass (`collect --since`) says its coverage starts; reports count a
    # source's posts only from its first successful pass or this, whichever is earlier.
    ("report12_runs_covers_from", ["ALTER TABLE runs ADD COLUMN covers_from TIMESTAMP"]),
    # report12: alert deduplication (monitor/alerts.py): one row per alert key, when it was last sent.
    ("report12_alerts_sent", ["""CREATE TABLE alerts_sent (
        key TEXT NOT NULL PRIMARY KEY, last_sent TIMESTAMP NOT NULL, times INTEGER NOT NULL DEFAULT 1)"""]),
    ("input11_post_edits", _INPUT11_POST_EDITS),
    ("trust14_rejects", _TRUST14_REJECTS),
    ("trust14_posts_collected_index", _TRUST14_COLLECTED),
    ("perf14_report_window_indexes", _PERF14_WINDOW_INDEXES),
]



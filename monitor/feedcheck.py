"""``make feeds-check``: every real feed file under ``../shared/data`` through the feed source.

Each file is read via ``file://`` by :class:`sources.feed.FeedSource`, once as a post feed and once
as an official feed (so the notice classifier and window parser see every entry too), and stored in
a throw-away SQLite store. A typed :class:`SourceError` (an empty or non-feed document, which
feedparser's ill-formed corpus contains on purpose) is counted; any other exception is a bug and is
reported with the file name. Prints the number of files processed and entries stored.

Usage: ``python -m monitor.feedcheck [DATA_DIR]`` (default ``../shared/data``); exit 1 on a bug.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from monitor import store
from monitor.config import Config, parse_config
from monitor.errors import SourceError
from sources.base import SourceContext
from sources.feed import FeedSource

log = logging.getLogger(__name__)

FEED_DIRS = ("feedparser-corpus", "feeds", "statuspage", "reddit")
FEED_SUFFIXES = {".xml", ".atom", ".rss", ".rdf"}


@dataclass(slots=True)
class CheckResult:
    files: int = 0
    entries: int = 0  # records stored (posts + announcements)
    source_errors: int = 0
    bugs: list[str] = field(default_factory=list)
    # "file: entry id: raw date" for each entry whose date nothing could read (stored undated/flagged)
    unread_dates: list[str] = field(default_factory=list)
    seconds: float = 0.0


def feed_files(data_dir: Path) -> Iterator[Path]:
    for sub in FEED_DIRS:
        root = data_dir / sub
        if root.is_dir():
            yield from sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)


def _config(path: Path, official: bool, base: Path) -> Config:
    src = {"type": "feed", "name": "check", "url": path.resolve().as_uri(), "official": official,
           "platform": "feedcheck", "host_spacing_seconds": 0}
    return parse_config({"brand": {"names": ["Bitpie", "比特派"]}, "sources": [src]}, base, env={})


def _one(engine: Engine, path: Path, official: bool, base: Path, res: CheckResult) -> None:
    cfg = _config(path, official, base)
    source = FeedSource(cfg.sources[0], cfg)
    ctx = SourceContext(cursors={}, known_post_ids=lambda _p, _i: set(), now=lambda: datetime.now(UTC))
    try:
        for batch in source.fetch(ctx):
            with engine.begin() as conn:
                store.upsert_posts(conn, batch.posts)
                store.upsert_announcements(conn, batch.announcements)
            res.entries += len(batch.posts) + len(batch.announcements)
            if not official:  # the same entries are read twice (post feed, official feed): count once
                res.unread_dates.extend(f"{path}: {p.post_id}: {', '.join(map(repr, p.raw['date_unread']))}"
                                        for p in batch.posts if p.raw and p.raw.get("date_unread"))
    except SourceError as exc:
        res.source_errors += 1
        log.debug("%s: %s", path, exc)
    except Exception as exc:  # what this check exists to find
        res.bugs.append(f"{path}: {type(exc).__name__}: {exc}")


def check(data_dir: Path) -> CheckResult:
    res = CheckResult()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        engine = store.open_store(f"sqlite:///{Path(tmp) / 'check.db'}")
        try:
            for path in feed_files(data_dir):
                res.files += 1
                for official in (False, True):
                    _one(engine, path, official, Path(tmp), res)
        finally:
            engine.dispose()
    res.seconds = time.perf_counter() - started
    return res


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    data_dir = Path(args[0]) if args else Path("../shared/data")
    if not data_dir.is_dir():
        sys.stderr.write(f"feeds-check: no data directory at {data_dir}; nothing to check\n")
        return 0
    res = check(data_dir)
    sys.stdout.write(f"feeds-check: {res.files} files processed, {res.entries} entries stored "
                     f"(each file as post feed and as official feed), {res.source_errors} typed "
                     f"source errors (not feeds), {len(res.bugs)} uncaught exceptions, "
                     f"{len(res.unread_dates)} entries whose date could not be read, {res.seconds:.1f}s\n")
    for bug in res.bugs:
        sys.stdout.write(f"  BUG {bug}\n")
    for line in res.unread_dates:
        sys.stdout.write(f"  UNREAD DATE {line}\n")
    return 1 if res.bugs else 0


if __name__ == "__main__":
    raise SystemExit(main())

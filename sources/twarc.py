"""Import twarc2 JSONL archives (``twarc2 search ... out.jsonl``), raw or flattened.

twarc2 writes one of two layouts, and people keep both around:

* **raw pages** (what ``twarc2 search`` writes): one API response per line,
  ``{"data": [tweet...], "includes": {"users": [...], "tweets": [...]}, "meta": {...}, "__twarc": {...}}``;
  authors live in ``includes.users`` and are joined on ``author_id``.
* **flattened** (``twarc2 flatten``, DocNow/twarc ``twarc/expansions.py::flatten``): one tweet per line
  with ``author``, ``in_reply_to_user`` and the referenced tweets merged inline, plus ``__twarc``.

A line is a page when it has ``data`` (the same test twarc's own ``ensure_flattened`` uses), otherwise
it is a tweet. Only the tweets in ``data`` become posts: ``includes.tweets`` are parents and quotes
that did not match the archived query, and counting them would inflate mention figures.

Cursor: one per file (key = :func:`query_key` of the resolved path) holding ``size``, ``mtime`` and
``sha256`` of the bytes read. An unchanged file is skipped; a file that only grew (twarc2 appends) is
read from where the last pass stopped, after checking the hash of the part already read; anything else
is re-read from the start (upserts make that harmless).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import lzma
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from monitor.errors import SourceError
from monitor.records import Batch, Post, query_key
from sources.base import Source, SourceContext
from sources.textfile import UnreadableFile, open_jsonl
from sources.twitter_query import full_text

log = logging.getLogger(__name__)

BATCH_POSTS = 500
MAX_NOTES_PER_FILE = 20
# Twitter snowflake ids carry their creation time: milliseconds since this epoch, shifted left 22 bits.
TWEPOCH_MS = 1288834974657
_CHUNK = 1 << 20
ARCHIVE_SUFFIXES = tuple(f"{base}{comp}" for base in (".jsonl", ".ndjson")
                         for comp in ("", ".gz", ".bz2", ".xz"))


def snowflake_time(tweet_id: str) -> datetime | None:
    """Creation time encoded in a tweet id (ids since late 2010), or None for a non-numeric id.

    Needed because ``created_at`` is not a default field: archives made without ``tweet.fields``
    (e.g. tweepy's recorded ``search_recent_tweets`` bodies) have only ``id`` and ``text``.
    """
    if not tweet_id.isdigit() or int(tweet_id) < (1 << 22):
        return None
    ms = (int(tweet_id) >> 22) + TWEPOCH_MS
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=ms)


@dataclass(slots=True)
class Officials:
    """Who counts as the brand: an account's configured numeric id; its handle only when no id is pinned.

    A pinned id is authoritative: handles change hands and look-alikes copy them, so once the id is known
    a post from someone who now holds that handle (or an archive written after a rename) is not official.
    """

    ids: frozenset[str]
    handles: frozenset[str]

    @classmethod
    def from_config(cls, cfg: Any, platform: str) -> Officials:
        accounts = [a for a in cfg.official_accounts if a.platform == platform]
        return cls(frozenset(a.user_id for a in accounts if a.user_id),
                   frozenset(a.handle.casefold() for a in accounts if not a.user_id))

    def match(self, user_id: str | None, handle: str | None) -> bool:
        if user_id and user_id in self.ids:
            return True
        return bool(handle and handle.lstrip("@").casefold() in self.handles)


class BadRecord(ValueError):
    """A line or tweet that cannot become a post; the message says why."""


def _created_at(tweet: dict[str, Any], tweet_id: str) -> datetime:
    raw = tweet.get("created_at")
    if raw:
        try:
            return datetime.fromisoformat(str(raw))
        except ValueError:
            raise BadRecord(f"tweet {tweet_id}: created_at {raw!r} is not ISO 8601") from None
    when = snowflake_time(tweet_id)
    if when is None:
        raise BadRecord(f"tweet {tweet_id}: no created_at and the id is not a snowflake")
    return when


def tweet_to_post(tweet: dict[str, Any], users: dict[str, dict[str, Any]], *, platform: str,
                  officials: Officials, origin: str | None = None) -> Post:
    """One API v2 tweet (raw or flattened) -> Post. ``users`` maps user id -> user object."""
    if not isinstance(tweet, dict) or not tweet.get("id") or not isinstance(tweet.get("text"), str):
        raise BadRecord("not a tweet (needs at least id and text)")
    tweet_id = str(tweet["id"])
    if not tweet_id.isdigit():
        # X ids are numbers; "en1" is someone's own id: a file of posts for `detect`, not an archive.
        raise BadRecord(f"not a tweet (id {tweet_id[:40]!r} is not a snowflake: X post ids are numbers)")
    author_id = str(tweet["author_id"]) if tweet.get("author_id") else None
    author = tweet.get("author") if isinstance(tweet.get("author"), dict) else None
    if author is None and author_id:
        author = users.get(author_id)
    author = author or {}
    if author_id is None and author.get("id"):
        author_id = str(author["id"])
    handle = author.get("username")
    reply_to = None
    for ref in tweet.get("referenced_tweets") or ():
        if isinstance(ref, dict) and ref.get("type") == "replied_to":
            reply_to = str(ref.get("id") or (ref.get("tweet") or {}).get("id") or "") or None
    url = f"https://x.com/{handle}/status/{tweet_id}" if handle else f"https://x.com/i/web/status/{tweet_id}"
    return Post(
        platform=platform, post_id=tweet_id, created_at=_created_at(tweet, tweet_id), text=full_text(tweet),
        url=url, author_id=author_id, author_handle=handle, author_name=author.get("name"),
        is_official=officials.match(author_id, handle), lang=tweet.get("lang"), reply_to_id=reply_to,
        conversation_id=str(tweet["conversation_id"]) if tweet.get("conversation_id") else None,
        origin=origin, raw=tweet,
    )


def line_tweets(obj: Any) -> tuple[list[Any], dict[str, dict[str, Any]]]:
    """The tweets of one JSONL line and the users its page includes (empty for flattened lines)."""
    if not isinstance(obj, dict):
        raise BadRecord("line is JSON but not an object")
    if "data" not in obj:
        if "meta" in obj and "id" not in obj:
            return [], {}  # a page with no results: twarc2 writes {"meta": {"result_count": 0}}
        return [obj], {}
    data = obj["data"]
    tweets = data if isinstance(data, list) else [data]
    users_list = (obj.get("includes") or {}).get("users") or []
    users = {str(u["id"]): u for u in users_list if isinstance(u, dict) and u.get("id")}
    return tweets, users


@dataclass(slots=True)
class FileRead:
    """Progress through one file: posts parsed so far, notes, and the hash of the bytes consumed."""

    path: Path
    hasher: Any
    size: int = 0
    lines: int = 0
    posts: list[Post] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    bad: int = 0
    records: int = 0  # lines that were tweets or pages (an empty result page counts)
    pending: bool = False  # a half-written last line was left for the next pass
    rejects: list[tuple[str | None, str, str]] = field(default_factory=list)  # -> the rejects table

    def note(self, msg: str, raw: bytes = b"") -> None:
        self.bad += 1
        self.rejects.append((f"{self.path.name}:{self.lines}", raw[:500].decode("utf-8", "replace"), msg))
        if self.bad <= MAX_NOTES_PER_FILE:
            self.notes.append(f"{self.path}:{self.lines}: {msg}; line skipped, the others are imported")

    def state(self, mtime: float) -> dict[str, Any]:
        return {"size": self.size, "lines": self.lines, "mtime": mtime, "sha256": self.hasher.hexdigest()}


def _resume_offset(fh: io.BufferedIOBase, saved: dict[str, Any] | None, size_now: int) -> tuple[int, Any]:
    """Where to start reading: past the saved prefix when the file only grew, else 0."""
    hasher = hashlib.sha256()
    if not saved or not isinstance(saved.get("size"), int) or saved["size"] > size_now:
        return 0, hasher
    left = saved["size"]
    while left:
        chunk = fh.read(min(_CHUNK, left))
        if not chunk:
            break
        hasher.update(chunk)
        left -= len(chunk)
    if left == 0 and hasher.hexdigest() == saved.get("sha256"):
        return saved["size"], hasher
    fh.seek(0)
    return 0, hashlib.sha256()


class TwarcSource(Source):
    kind = "twarc"

    @classmethod
    def for_paths(cls, paths: Sequence[Path], cfg: Any, *, platform: str = "twitter",
                  name: str = "import") -> TwarcSource:
        """An ad-hoc source over ``paths`` (for ``mention-monitor import FILE...``)."""
        from monitor.config import TwarcSource as TwarcConfig  # local: keep sources importable alone

        model = TwarcConfig(name=name, type="twarc", paths=[Path(p).resolve() for p in paths],
                            platform=platform)
        return cls(model, cfg)

    def describe(self) -> list[str]:
        files = ", ".join(str(p) for p in self._files()[0]) or "no files found"
        return [f"twarc source {self.name}: import {len(self.config.paths)} path(s) as "
                f"platform {self.config.platform}: {files}"]

    def _files(self) -> tuple[list[Path], list[Path]]:
        """(files to read, configured paths that do not exist); a directory means its archives
        (``ARCHIVE_SUFFIXES``: *.jsonl, also gzip/bzip2/xz-compressed)."""
        found: list[Path] = []
        missing: list[Path] = []
        for p in self.config.paths:
            path = self.settings.path(Path(p)).resolve()
            if path.is_dir():
                found.extend(sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(ARCHIVE_SUFFIXES)))
            elif path.is_file():
                found.append(path)
            else:
                missing.append(path)
        return found, missing

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        """Read every file; raise one SourceError at the end naming each file that was refused, had
        bad lines or held nothing importable (the good files and lines are committed first)."""
        files, missing = self._files()
        officials = Officials.from_config(self.settings, self.config.platform)
        problems: list[str] = []
        for path in files:
            try:
                yield from self._read(path, ctx.cursors.get(query_key(str(path))), officials, problems)
            except UnreadableFile as exc:
                problems.append(f"{exc} (nothing imported from it)")
        # After the readable files, so one typo in ``paths`` does not block the rest.
        problems += [f"{p}: no such file; fix `paths` in this source's config (relative paths are taken "
                     "from the config file's directory)" for p in missing]
        if problems:
            raise SourceError(self.name, "; ".join(problems))

    def _read(self, path: Path, saved: dict[str, Any] | None, officials: Officials,
              problems: list[str]) -> Iterator[Batch]:
        key = query_key(str(path))
        try:
            st = path.stat()
            if saved and saved.get("size") == st.st_size and saved.get("mtime") == st.st_mtime:
                log.debug("%s: %s unchanged since the last pass", self.name, path)
                return
            opened = open_jsonl(path)  # refuses undetectable encodings and non-JSON files up front
        except OSError as exc:
            raise SourceError(self.name, f"{path}: cannot read ({exc.strerror})") from None
        try:
            start, hasher = (_resume_offset(opened.stream, saved, st.st_size) if opened.plain
                             else (0, hashlib.sha256()))
            read = FileRead(path, hasher, size=start, lines=int(saved.get("lines", 0)) if start and saved else 0)
            if start and start == st.st_size:  # same bytes, only the mtime moved (touch, copy)
                yield Batch(cursors={key: read.state(st.st_mtime)})
                return
            # plain: the same buffered file, positioned after the prefix _resume_offset read
            yield from self._parse(opened.lines, read, officials, f"twarc:{path.name}")
        except (OSError, EOFError, lzma.LZMAError) as exc:
            raise UnreadableFile(f"{path}: damaged {opened.compression or 'file'} data ({exc})") from None
        finally:
            opened.close()
        if not opened.plain:
            read.size = st.st_size  # compressed/transcoded: "unchanged" is judged on the file itself
        if read.bad:
            problems.append(f"{path}: {read.bad} of {read.lines} line(s) could not be imported "
                            "(see the warnings); the other lines were")
        elif start == 0 and read.records == 0 and not read.pending:
            problems.append(f"{path}: holds no twarc2 tweets or pages ({read.lines} line(s) read)")
        yield Batch(posts=read.posts, fetched=len(read.posts), notes=self._notes(read),
                    cursors={key: read.state(st.st_mtime)}, rejects=read.rejects)

    @staticmethod
    def _notes(read: FileRead) -> list[str]:
        extra = read.bad - MAX_NOTES_PER_FILE
        if extra > 0:
            read.notes.append(f"{read.path}: {extra} more bad line(s) not listed")
        return read.notes

    def _parse(self, lines: Iterator[bytes], read: FileRead, officials: Officials,
               origin: str) -> Iterator[Batch]:
        """Parse lines into ``read.posts``, yielding full batches (without a cursor) as they fill."""
        for raw in lines:
            if not raw.endswith(b"\n") and not _is_json(raw):
                # A half-written last line (twarc2 still running): leave it for the next pass.
                read.notes.append(f"{read.path}: incomplete last line left for the next pass")
                read.pending = True
                break
            read.size += len(raw)
            read.lines += 1
            read.hasher.update(raw)
            if raw.strip():
                self._parse_line(raw, read, officials, origin)
            if len(read.posts) >= BATCH_POSTS:
                yield Batch(posts=read.posts, fetched=len(read.posts), rejects=read.rejects)
                read.posts, read.rejects = [], []

    def _parse_line(self, raw: bytes, read: FileRead, officials: Officials, origin: str) -> None:
        try:
            tweets, users = line_tweets(json.loads(raw))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            read.note(f"not valid JSON ({exc.__class__.__name__})", raw)
            return
        except BadRecord as exc:
            read.note(str(exc), raw)
            return
        read.records += 1
        for tweet in tweets:
            try:
                read.posts.append(tweet_to_post(tweet, users, platform=self.config.platform,
                                                officials=officials, origin=origin))
            except BadRecord as exc:
                read.note(str(exc), json.dumps(tweet, ensure_ascii=False, default=str).encode("utf-8", "replace"))


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return False
    return True


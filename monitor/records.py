"""The typed records every source yields and every later stage reads: posts, announcements,
market bars, and the batch that carries them with its cursor state.

They sit at the bottom of the layers (beside ``monitor.errors``): sources build them, detection
labels them, the store writes them, reports read what was stored. ``normalise()`` cleans each field
at the record boundary (``monitor.clean``); a record that cannot be cleaned raises
``monitor.clean.RecordError`` and is quarantined by the pipeline, while the rest of its batch is stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any, TypeVar

from monitor import clean

_T = TypeVar("_T")


def utc(dt: datetime) -> datetime:
    """Return ``dt`` as an aware UTC datetime; a naive value is taken to be UTC already."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def local_yesterday(now: datetime, tz: tzinfo) -> date:
    """The calendar day before ``now``'s in zone ``tz`` (the day a daily report run at ``now`` covers);
    a naive ``now`` is UTC."""
    return utc(now).astimezone(tz).date() - timedelta(days=1)


def query_key(query: str | Mapping[str, Any]) -> str:
    """Cursor key for a query: a short hash, so that editing keywords starts a fresh cursor."""
    text = query if isinstance(query, str) else json.dumps(query, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class Post:
    """One public post (tweet, forum post, feed item from a non-official feed). Ids are strings."""

    platform: str
    post_id: str
    created_at: datetime
    text: str
    url: str | None = None
    author_id: str | None = None
    author_handle: str | None = None
    author_name: str | None = None
    is_official: bool = False
    lang: str | None = None
    reply_to_id: str | None = None
    conversation_id: str | None = None
    origin: str | None = None
    raw: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if isinstance(self.created_at, datetime):  # anything else is refused by normalise(), not here
            self.created_at = utc(self.created_at)

    def normalise(self, now: datetime) -> list[str]:
        """Clean every field in place (see :mod:`monitor.clean`); return notes on what was changed.

        Raises ``monitor.clean.RecordError`` when the post cannot be stored: no usable id or platform,
        text that is not text, no usable time. A time that is absurd (epoch 0, year 2999) is replaced
        by ``now`` (when it was collected), the original kept in ``raw["invalid_created_at"]``.
        """
        notes: list[str] = []
        self.platform = clean.ident(self.platform, "platform")
        self.post_id = clean.ident(self.post_id, "post_id")
        self.text = clean.text(self.text, "text") or ""
        for name in ("url", "author_id", "author_handle", "author_name", "lang", "reply_to_id",
                     "conversation_id", "origin"):
            setattr(self, name, clean.text(getattr(self, name), name))
        if not isinstance(self.is_official, bool):
            raise clean.RecordError(f"is_official is a {type(self.is_official).__name__}, not true/false")
        raw = clean.json_value(self.raw)
        self.raw = raw if isinstance(raw, dict) or raw is None else {"value": raw}
        try:
            self.created_at = clean.moment(self.created_at, "created_at", now)
        except clean.RecordError as exc:
            if not isinstance(self.created_at, datetime | str):
                raise
            notes.append(f"{self.post_id}: {exc}; stored with the time it was collected")
            self.raw = {**(self.raw or {}), "invalid_created_at": str(self.created_at)[:40]}
            self.created_at = now
        self.lang = clean.script_lang(self.text, self.lang)
        return notes


@dataclass(slots=True)
class StatusUpdate:
    """One update of a status-page entry as the page states it: status word, stamp (aware UTC), text."""

    status: str
    at: datetime | None
    text: str


@dataclass(slots=True)
class Announcement:
    """One entry of an official feed or status source, as the source read it.

    A source states facts and text; detection (``monitor.detect.announcements``, run by the pipeline
    before the store) labels ``kind`` (maintenance, incident, release, other) and the window. ``kind``
    stays None unless the source's structure itself says it (an endpoint that lists only
    maintenances); ``window_start``/``window_end`` are set by a source only when its API states them
    as times (Statuspage ``scheduled_for``/``scheduled_until``). Status pages also give
    ``status_page`` (its history holds incidents and maintenances only), the ``updates`` with their
    status words, and ``scheduled_text`` (the "THIS IS A SCHEDULED EVENT ..." header, as text).
    ``timezone`` is the feed's configured zone for times written without one.
    """

    source: str
    entry_id: str
    title: str
    text: str
    url: str | None = None
    published: datetime | None = None
    updated: datetime | None = None
    kind: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    status: str | None = None
    raw: dict[str, Any] | None = None
    timezone: str | None = None
    status_page: bool = False
    updates: list[StatusUpdate] = field(default_factory=list)  # newest first
    scheduled_text: str | None = None
    # The publication stamp as the feed wrote it (its UTC offset says which zone the publisher is in);
    # ``published`` itself is normalised to UTC.
    published_local: datetime | None = None

    def __post_init__(self) -> None:
        for name in ("published", "updated", "window_start", "window_end"):
            value = getattr(self, name)
            if isinstance(value, datetime):
                setattr(self, name, utc(value))

    def normalise(self, now: datetime) -> list[str]:
        """Clean every field in place; a time that is not one or is absurd is dropped with a note.

        Raises ``monitor.clean.RecordError`` for no usable source/entry id or a title/text that is
        not text. A window in 2037 is not a maintenance window we can show: it is cleared.
        """
        notes: list[str] = []
        self.source = clean.ident(self.source, "source")
        self.entry_id = clean.ident(self.entry_id, "entry_id")
        self.title = clean.text(self.title, "title") or "(untitled)"
        self.text = clean.text(self.text, "text") or ""
        self.kind = clean.text(self.kind, "kind") or "other"
        self.url = clean.text(self.url, "url")
        self.status = clean.text(self.status, "status")
        raw = clean.json_value(self.raw)
        self.raw = raw if isinstance(raw, dict) or raw is None else {"value": raw}
        for name in ("published", "updated", "window_start", "window_end"):
            value = getattr(self, name)
            if value is None:
                continue
            try:
                setattr(self, name, clean.moment(value, name, now))
            except clean.RecordError as exc:
                notes.append(f"{self.entry_id}: {exc}; left empty")
                setattr(self, name, None)
        return notes


@dataclass(slots=True)
class MarketBar:
    """One closed hourly candle of an asset: ``price`` is the close, ``ts`` the hour's start (UTC)."""

    symbol: str  # the asset as reports name it ("BTC")
    ts: datetime
    price: float
    open: float | None = None
    high: float | None = None
    low: float | None = None
    volume: float | None = None
    exchange: str | None = None
    pair: str | None = None  # the traded pair ("BTC/USDT")

    def __post_init__(self) -> None:
        self.ts = utc(self.ts)


@dataclass(slots=True)
class Batch:
    """Records that belong together, plus the cursor state that becomes true once they are stored.

    ``cursors`` maps a cursor key (see :func:`query_key`) to its new JSON-able state; ``None`` as a
    value deletes that cursor. ``requests`` counts API/HTTP requests spent producing the batch and
    ``fetched`` the posts/entries read (quota accounting), whether or not they turn out to be new.
    """

    posts: list[Post] = field(default_factory=list)
    announcements: list[Announcement] = field(default_factory=list)
    market: list[MarketBar] = field(default_factory=list)
    cursors: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    requests: int = 0
    fetched: int = 0
    notes: list[str] = field(default_factory=list)
    # Records the source itself could not turn into Post/Announcement: (record id or None, raw
    # excerpt, reason). The pipeline stores them in the ``rejects`` table with those it refuses.
    rejects: list[tuple[str | None, str, str]] = field(default_factory=list)

    def attempt(self, build: Callable[[], _T], hint: Any, record_id: str | None = None) -> _T | None:
        """``build()``, or None with a reject noted when one record's odd values break the mapping
        (a source maps records one at a time through this, so one entry never stops the pass)."""
        try:
            return build()
        except (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError) as exc:
            self.rejects.append((record_id, repr(hint)[:500], f"{type(exc).__name__}: {exc}"))
            return None

"""RSS/Atom feeds: official announcement feeds and post feeds (RSSHub routes for Weibo, Telegram, ...).

requests fetches (see :mod:`sources.http`), feedparser parses the *bytes* (never the URL: feedparser's
own fetching has no size cap, no timeout we control and no redirect bookkeeping). An entry of a feed
with ``official: true`` becomes an :class:`Announcement` (title, text, dates, the feed's ``timezone``;
Statuspage entries folded by :mod:`sources.statusfold` into their updates and schedule header); any
other entry becomes a :class:`Post` carrying the feed's ``platform``. Sources never label: kind and
maintenance window come from :mod:`monitor.detect.announcements`, run by the pipeline before storing.

The cursor (key: hash of the configured URL, so editing the URL starts afresh) holds the URL in use
(after a permanent redirect), ETag and Last-Modified. It is only yielded with the batch of the entries
it covers, so a crash between fetch and commit re-fetches instead of skipping.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from functools import partial
from typing import Any
from urllib.parse import urljoin

import feedparser
import requests

from monitor.errors import SourceError
from monitor.records import Announcement, Batch, Post, query_key
from monitor.redact import redact_text, restore_secrets
from sources import quotes, statusfold
from sources.base import Source, SourceContext
from sources.feeddates import entry_datetime, register_chinese_dates, stated_offset
from sources.http import FetchResult, HostPacer, fetch

log = logging.getLogger(__name__)

_HTML = re.compile(rb"<(?:!doctype\s+html|html[\s>])", re.I)
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]{1,16})|([0-9]{1,20}));")


def _charref(m: re.Match[bytes]) -> bytes:
    """A numeric character reference XML allows, else U+FFFD: feedparser raises on a surrogate
    (``&#xD83D;``) or one past U+10FFFF, which would fail the whole feed for one character."""
    code = int(m[1], 16) if m[1] else int(m[2])
    ok = code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF
    return m[0] if ok else b"&#xFFFD;"

register_chinese_dates()  # idempotent; see sources.feeddates for why global registration is fine


def entry_identity(entry: Mapping[str, Any]) -> str:
    """The one rule for an entry's id: id/guid, else link, else a hash of title + published."""
    for key in ("id", "link"):
        value = entry.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    seed = f"{entry.get('title', '')}\x1f{entry.get('published') or entry.get('updated') or ''}"
    return "sha256:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]


_ID_KEY = "_monitor_entry_id"  # set by fetch(): the entry's id once repeats and scope are settled
_URI = re.compile(r"^[a-z][a-z0-9+.-]*:(?!\d)", re.I)  # http:, tag:, urn: (not "12:30" or sha256:)


def entry_ids(entries: Sequence[Mapping[str, Any]], scope: str | None) -> list[str]:
    """Ids for one fetch's entries, unique within it and, with ``scope``, across feeds.

    An id repeated inside one fetch (a CMS giving every item the same guid) would make the entries
    overwrite each other: those entries are told apart by their link, else by title, date and body.
    A bare guid (``1``, ``post-17``) only means something inside its feed, so with ``scope`` (the
    source name) it becomes ``scope:guid``: two forums numbering from 1 never share a row. A URI id
    (http:, tag:, urn:) names the item globally and is kept, so the same post reached through two
    feeds (two RSSHub routes) is stored once.
    """
    ids = [entry_identity(e) for e in entries]
    seen = Counter(ids)
    # counted once, not by a scan per entry (quadratic on exactly the feeds that repeat one guid)
    links = Counter(link for e in entries if isinstance(link := e.get("link"), str))
    out = []
    for entry, key in zip(entries, ids, strict=True):
        if seen[key] > 1:
            link = entry.get("link")
            if isinstance(link, str) and link.strip() and link.strip() != key and links[link] == 1:
                key = link.strip()
            else:
                seed = "\x1f".join(str(entry.get(k) or "") for k in ("id", "title", "published", "updated"))
                seed += "\x1f" + _content_html(entry)
                key = "sha256:" + hashlib.sha256(seed.encode("utf-8")).hexdigest()[:24]
        if scope and not (_URI.match(key) and not key.startswith("sha256:")):
            key = f"{scope}:{key}"
        out.append(key)
    return out


def _content_html(entry: Mapping[str, Any]) -> str:
    content = entry.get("content")
    if content:
        return "\n".join(c.get("value", "") for c in content)
    return str(entry.get("summary") or entry.get("description") or "")


def _explicit(entry: dict[str, Any], key: str) -> tuple[str | None, Any]:
    # dict.get, not entry.get: feedparser maps a missing "updated" onto "published", and we keep
    # the two apart (an edited announcement has both and updates its stored row).
    return dict.get(entry, key), dict.get(entry, f"{key}_parsed")


_AUTHOR_PREFIX = re.compile(r"^[^:：\s][^:：]{0,39}[:：]\s*")


def _title_repeats_body(title: str, body: str) -> bool:
    """Is the title the body's own text again (whole, cut with an ellipsis, or with/without an
    ``作者: `` prefix)? RSSHub's Weibo routes send ``作者: 正文`` as title and ``<a>作者</a>:&ensp;正文``
    as description: storing both would double every post's text."""
    own = quotes.own_text(body)
    head = quotes.own_text(quotes.mark_inline_quotes(" ".join(title.split())))
    head = head.removesuffix("...").rstrip("…").strip()
    if not head or not own:
        return not head
    heads, owns = {head}, {own}
    for variants in (heads, owns):
        for v in list(variants):
            if m := _AUTHOR_PREFIX.match(v):
                variants.add(v[m.end():].strip())
    return any(h and o.startswith(h) for h in heads for o in owns)


def _primary_lang(tag: object) -> str | None:
    """``zh-CN`` / ``en_us`` -> ``zh`` / ``en``: the detectors key their rules on the primary subtag."""
    if not isinstance(tag, str) or not tag.strip():
        return None
    return tag.strip().replace("_", "-").split("-")[0].lower() or None


class FeedSource(Source):
    kind = "feed"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None,
                 pacer: HostPacer | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.pacer = pacer or HostPacer(spacing=getattr(config, "host_spacing_seconds", 2.0))
        self.cursor_key = query_key(config.url)

    def describe(self) -> list[str]:
        role = "official announcements" if self.config.official else f"posts as {self.config.platform}"
        return [f"feed {self.name}: GET {redact_text(self.config.url)} ({role}, every "
                f"{self.config.interval_minutes} min)"]

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        state = dict(ctx.cursors.get(self.cursor_key) or {})
        url = restore_secrets(state["url"], self.config.url, self.name) if state.get("url") else self.config.url
        self.pacer.wait(url)
        res = fetch(self.name, url, session=self.session, user_agent=self.settings.user_agent,
                    timeout=self.config.timeout_seconds, max_bytes=self.config.max_bytes, now=ctx.now(),
                    etag=state.get("etag"), last_modified=state.get("last_modified"))
        batch = Batch(requests=1)
        # Stored URLs are masked (monitor.redact): a key expanded from the environment never reaches the DB.
        new_state = {"url": redact_text(res.url), "etag": res.etag, "last_modified": res.last_modified,
                     "configured_url": redact_text(self.config.url)}
        if res.moved_from:
            batch.notes.append(f"moved permanently: {redact_text(res.moved_from)} -> {redact_text(res.url)} "
                               "(stored; also update "
                               "this source's url in the config)")
        if not res.not_modified:
            new_state["sha256"] = hashlib.sha256(res.body).hexdigest()
        if res.not_modified or new_state["sha256"] == state.get("sha256"):
            # 304, or a server without validators sending the same bytes again: nothing to parse.
            new_state.setdefault("sha256", state.get("sha256"))
            if new_state != state:
                batch.cursors[self.cursor_key] = new_state
            yield batch
            return
        parsed = self.parse(res)
        if parsed.bozo:
            batch.notes.append(f"feed is not well-formed ({parsed.get('bozo_exception')}); "
                               f"kept the {len(parsed.entries)} entries feedparser recovered")
        batch.fetched = len(parsed.entries)
        lang = _primary_lang(parsed.feed.get("language") if parsed.get("feed") else None)
        scope = None if self.config.official else self.name  # announcements are keyed by source already
        for entry, key in zip(parsed.entries, entry_ids(parsed.entries, scope), strict=True):
            entry[_ID_KEY] = key
            if isinstance(entry.get("link"), str):
                entry["link"] = urljoin(res.url, entry["link"])  # relative links, resolved by us (see parse)
            if self.config.official:
                ann = batch.attempt(partial(self.to_announcement, entry), entry, entry.get("id"))
                batch.announcements.extend([ann] if ann else [])
            else:
                post = batch.attempt(partial(self.to_post, entry, ctx.now(), lang), entry, entry.get("id"))
                batch.posts.extend([post] if post else [])
        batch.notes.extend(self._date_notes(batch, ctx))
        batch.cursors[self.cursor_key] = new_state
        yield batch

    def _date_notes(self, batch: Batch, ctx: SourceContext) -> list[str]:
        """One warning per new entry whose date could not be read (an entry already stored was warned
        about when it was new)."""
        known = ctx.known_post_ids(self.config.platform, [p.post_id for p in batch.posts
                                                          if (p.raw or {}).get("date_unread")])
        notes = [f"entry {p.post_id}: date {', '.join(map(repr, p.raw['date_unread']))} could not be read; "
                 "dated by first sight and flagged" for p in batch.posts
                 if p.raw and p.raw.get("date_unread") and p.post_id not in known]
        notes += [f"entry {a.entry_id}: date {', '.join(map(repr, a.raw['date_unread']))} could not be read; "
                  "stored without a date" for a in batch.announcements if a.raw and a.raw.get("date_unread")]
        return notes

    def parse(self, res: FetchResult) -> feedparser.FeedParserDict:
        # No content-location: with it feedparser rewrites a bare RSS <guid>g1</guid> into
        # "<feed url dir>/g1", so a 301 or an edited url would give every entry a new identity and
        # store it twice. Relative links are resolved in fetch() instead.
        headers: dict[str, str] = {}
        if res.content_type:
            headers["content-type"] = res.content_type
        parsed = feedparser.parse(_CHARREF.sub(_charref, res.body), response_headers=headers)
        if not parsed.entries and not parsed.get("version"):
            # An HTML error or login page served with 200 (also as text/plain, or a bare fragment),
            # random bytes, an empty body: not an empty feed. feedparser gives none of them a version,
            # and an empty but real feed has one (rss20, atom10, ...). An error on every pass: the
            # cursor is only saved with a parsed feed, so the next pass parses the bytes again.
            head = res.body[:200].decode("utf-8", "replace").strip().replace("\n", " ")
            what = "an HTML page" if _HTML.search(res.body[:4096]) else ("an empty body" if not res.body.strip()
                                                                          else "no RSS/Atom document")
            raise SourceError(self.name, f"{res.url} did not return a feed ({what}; content-type "
                                         f"{res.content_type or 'unknown'}, starts {head[:80]!r}); check the url")
        return parsed

    def _dates(self, entry: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
        tz = self.config.timezone
        pub_raw, pub_parsed = _explicit(entry, "published")
        upd_raw, upd_parsed = _explicit(entry, "updated")
        published = entry_datetime(pub_raw, pub_parsed, tz) if pub_raw or pub_parsed else None
        updated = entry_datetime(upd_raw, upd_parsed, tz) if upd_raw or upd_parsed else None
        return published, updated

    @staticmethod
    def _unread_dates(entry: dict[str, Any], published: datetime | None,
                      updated: datetime | None) -> list[str]:
        """The raw date strings of ``entry`` that could not be read (see sources.feeddates.read_date)."""
        return [str(raw) for raw, value in ((dict.get(entry, "published"), published),
                                            (dict.get(entry, "updated"), updated))
                if raw and str(raw).strip() and value is None]

    @staticmethod
    def _id(entry: Mapping[str, Any]) -> str:
        return str(entry.get(_ID_KEY) or entry_identity(entry))

    def to_post(self, entry: dict[str, Any], now: datetime, lang: str | None) -> Post:
        published, updated = self._dates(entry)
        title = statusfold.plain(str(entry.get("title") or ""))
        body = quotes.html_text(_content_html(entry), statusfold.plain)  # quoted text as "> " lines
        text = body if _title_repeats_body(title, body) else "\n".join(
            x for x in (quotes.mark_inline_quotes(title), body) if x)
        author = entry.get("author")
        raw = {"feed": redact_text(self.config.url), "id": entry.get("id"), "title": entry.get("title"),
               "published": dict.get(entry, "published"), "updated": dict.get(entry, "updated")}
        if published is None and updated is None:
            # No readable date: dated by first sight (the store never updates created_at, so it stays
            # the first pass that saw it), flagged so reports can tell it from a real timestamp.
            raw["dated_by"] = "first_seen"
            raw["date_unread"] = self._unread_dates(entry, published, updated)
        return Post(
            platform=self.config.platform, post_id=self._id(entry),
            created_at=published or updated or now, text=text, url=entry.get("link"),
            author_handle=author if isinstance(author, str) else None,
            author_name=author if isinstance(author, str) else None, lang=lang, origin=self.name,
            raw=raw)

    def to_announcement(self, entry: dict[str, Any]) -> Announcement:
        published, updated = self._dates(entry)
        title = statusfold.plain(str(entry.get("title") or "")) or "(untitled)"
        html = _content_html(entry)
        raw: dict[str, Any] = {"feed": redact_text(self.config.url), "link": entry.get("link"),
                               "published": dict.get(entry, "published"), "updated": dict.get(entry, "updated")}
        if unread := self._unread_dates(entry, published, updated):
            raw["date_unread"] = unread  # stored with no date rather than a guessed one
        tz = self.config.timezone
        pub_raw = dict.get(entry, "published") or dict.get(entry, "updated")
        local = stated_offset(pub_raw, published or updated)
        if statusfold.looks_like_statuspage(html):
            f = statusfold.fold(html, published or updated, tz)
            raw["updates"] = f.raw()
            return Announcement(
                source=self.name, entry_id=self._id(entry), title=title, text=f.text(),
                url=entry.get("link"), published=published, updated=updated or f.latest,
                status=f.status, raw=raw, timezone=tz, status_page=True, updates=f.updates,
                scheduled_text=f.header, published_local=local)
        return Announcement(
            source=self.name, entry_id=self._id(entry), title=title, text=statusfold.plain(html),
            url=entry.get("link"), published=published, updated=updated, raw=raw, timezone=tz,
            published_local=local)

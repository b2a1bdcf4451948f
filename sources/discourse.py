"""Discourse forums (the brand's official community) through the public JSON API.

Endpoints (https://docs.discourse.org): ``/latest.json?order=activity&page=N`` lists topics by
``bumped_at``, newest first (pinned topics lead page 0 whatever their age); ``/t/<id>.json`` returns a
topic with its first posts and ``post_stream.stream``, the ids of all its posts; the rest come from
``/t/<id>/posts.json?post_ids[]=..`` (up to 20 per request). A post of ``/posts.json`` (latest posts of
the whole forum) has the same shape and parses with :func:`to_post` too.

Incremental, two levels: a topic is read again only when its ``bumped_at`` is newer than the
watermark of the last completed scan, and of its posts only ids not already stored are fetched
beyond the first page (which comes with the topic anyway and refreshes edited posts there).

Cursor ``topics``: ``{"since": watermark, "high": newest bumped_at of the cycle in progress,
"backlog": while set, only older changes are still to read (a capped scan), "queue": [[topic id,
bumped_at], ...]}``. The scan commits the queue first, then each topic's posts are committed together
with the queue minus that topic; the watermark moves to ``high`` only when the queue is empty and no
backlog is left. A pass killed between pages resumes at the first unfinished topic, and its
already stored posts are not fetched again.

Who is official: a post whose author is ``staff``/``moderator``/``admin`` (when ``staff_is_official``),
whose ``primary_group_name`` is in ``official_groups``, or whose username is listed in
``official_accounts`` with ``platform: discourse``. The first official post in a topic is the brand's
reply: every post carries the topic's first post as ``conversation_id``, so reply linking measures
from the opening post (the report takes the first official reply); a reply that names another post
(``reply_to_post_number``) is linked to that post when it was read in the same pass.

Deleted posts (``deleted_at`` / ``user_deleted``, or hidden) are not yielded: what was stored before
the deletion stays as evidence. An edited post (``version`` > 1) updates its stored text.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import requests

from monitor.errors import AuthError, SourceError
from monitor.records import Batch, Post
from sources.base import Source, SourceContext
from sources.http import HostPacer
from sources.jsonapi import JsonApi
from sources.statusfold import plain
from sources.statuspage import parse_time

log = logging.getLogger(__name__)

CURSOR = "topics"
_CHUNK = 20  # Discourse's posts-per-request for post_ids[] (the topic view's chunk size)
_QUOTE = re.compile(r"<aside[^>]*class=\"[^\"]*quote[^\"]*\"[^>]*>.*?</aside>", re.S | re.I)


def _iso(dt: datetime) -> str:
    return dt.isoformat()


class DiscourseSource(Source):
    kind = "discourse"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None,
                 pacer: HostPacer | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.pacer = pacer or HostPacer()
        self.sleep: Callable[[float], None] = time.sleep  # injectable: tests never wait on a retry backoff

    @property
    def base(self) -> str:
        return str(self.config.base_url).rstrip("/")

    def describe(self) -> list[str]:
        c = self.config
        auth = f"API key from ${c.api_key_env}" if c.api_key_env else "anonymous"
        return [f"discourse source {self.name}: {self.base}/latest.json + /t/<id>.json ({auth}), "
                f"{c.max_topics_per_pass} changed topics per scan (more wait for the next passes)"]

    def _api(self, ctx: SourceContext) -> JsonApi:
        c = self.config
        headers: dict[str, str] = {}
        if c.api_key_env:
            key = os.environ.get(c.api_key_env, "").strip()
            user = os.environ.get(c.api_username_env or "", "").strip() if c.api_username_env else ""
            if not key:
                raise AuthError(self.name, f"environment variable {c.api_key_env} is not set (sources."
                                f"{self.name}.api_key_env names it); unset api_key_env to read anonymously")
            headers["Api-Key"] = key
            if user:
                headers["Api-Username"] = user
        hint = (f"Check {c.api_key_env}/{c.api_username_env}" if c.api_key_env else
                "The forum may require login: set api_key_env and api_username_env")
        return JsonApi(self.name, session=self.session, user_agent=self.settings.user_agent,
                       timeout=c.timeout_seconds, max_retries=c.max_retries, now=ctx.now,
                       max_bytes=c.max_bytes, headers=headers, auth_hint=hint, pacer=self.pacer,
                       sleep=self.sleep)

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        if ctx.dry_run:
            return
        api = self._api(ctx)
        spent = 0

        def batch(posts: list[Post], state: dict[str, Any], fetched: int, notes: list[str]) -> Batch:
            nonlocal spent
            used, spent = api.requests - spent, api.requests
            return Batch(posts=posts, cursors={CURSOR: dict(state)}, requests=used, fetched=fetched, notes=notes)

        state = dict(ctx.cursors.get(CURSOR) or {})
        try:
            if not state.get("queue"):
                notes = self._scan(api, ctx, state)
                yield batch([], state, 0, notes)
            while state.get("queue"):
                topic_id = state["queue"][0][0]
                posts, fetched, notes = self._topic(api, ctx, topic_id)
                state["queue"] = state["queue"][1:] or None
                if not state["queue"] and not state.get("backlog"):
                    # The cycle is complete: everything up to the newest change seen is stored.
                    state["since"], state["high"] = state.get("high") or state.get("since"), None
                yield batch(posts, state, fetched, notes)
        except SourceError:
            if api.requests > spent:  # the failed attempts still count on the run row
                yield Batch(requests=api.requests - spent)
            raise

    # --- topic list -------------------------------------------------------------------------------

    def _scan(self, api: JsonApi, ctx: SourceContext, state: dict[str, Any]) -> list[str]:
        """Fill ``state['queue']`` with topics bumped after the watermark, oldest first.

        A scan stops after ``max_topics_per_pass`` changed topics. Pages are ordered by ``bumped_at``,
        so the topics read then are exactly those bumped at or after the oldest of them: ``backlog``
        records that time and the next scans read only older changes until none are left; only then
        does the watermark move to ``high``. Nothing between the old watermark and ``high`` is skipped.
        """
        since = parse_time(state.get("since"))
        if ctx.since is not None and (since is None or ctx.since < since):
            since = ctx.since  # --since backfills: topics bumped after it are read again
        if since is None:
            since = ctx.now() - timedelta(hours=self.config.initial_lookback_hours)
        backlog = parse_time(state.get("backlog"))
        found: dict[int, datetime] = {}
        notes: list[str] = []
        page, capped = 0, False
        while True:
            doc = api.get(f"{self.base}/latest.json", {"order": "activity", "page": page})
            topics = (doc.get("topic_list") or {}).get("topics") if isinstance(doc, dict) else None
            if not isinstance(topics, list):
                raise SourceError(self.name, f"{self.base}/latest.json has no topic_list.topics; is base_url "
                                             "the forum's root (it should answer /latest.json)?")
            older = False
            for t in topics:
                bumped = parse_time(t.get("bumped_at")) if isinstance(t, dict) else None
                if bumped is None or not isinstance(t.get("id"), int):
                    continue
                if bumped > since and (backlog is None or bumped < backlog):
                    found[t["id"]] = max(bumped, found.get(t["id"], bumped))
                elif bumped <= since and not t.get("pinned"):
                    older = True  # pinned topics lead page 0 whatever their age; anything else ends the scan
            page += 1
            if older or not topics or not (doc.get("topic_list") or {}).get("more_topics_url"):
                break
            if len(found) >= self.config.max_topics_per_pass:
                capped = True
                notes.append(f"more than {self.config.max_topics_per_pass} topics changed since "
                             f"{since:%Y-%m-%d %H:%M} UTC; reading the newest {len(found)} now and the older ones "
                             "in the next passes")
                break
        state["queue"] = [[tid, _iso(b)] for tid, b in sorted(found.items(), key=lambda kv: kv[1])] or None
        high = max([since, parse_time(state.get("high")) or since, *found.values()])
        state["high"] = _iso(high)
        state["backlog"] = _iso(min(found.values())) if capped else None
        if not found and not capped:
            state["since"], state["high"] = _iso(high), None
        return notes

    # --- one topic --------------------------------------------------------------------------------

    def _topic(self, api: JsonApi, ctx: SourceContext, topic_id: int) -> tuple[list[Post], int, list[str]]:
        doc = api.get(f"{self.base}/t/{topic_id}.json")
        stream = (doc.get("post_stream") or {}) if isinstance(doc, dict) else {}
        if not isinstance(stream.get("posts"), list):
            raise SourceError(self.name, f"{self.base}/t/{topic_id}.json has no post_stream.posts")
        raw_posts = [p for p in stream["posts"] if isinstance(p, dict) and "id" in p]
        have = {p["id"] for p in raw_posts}
        rest = [i for i in stream.get("stream") or [] if isinstance(i, int) and i not in have]
        if rest:
            known = ctx.known_post_ids(self.config.platform, [str(i) for i in rest])
            rest = [i for i in rest if str(i) not in known]
        for i in range(0, len(rest), _CHUNK):
            params = [("post_ids[]", pid) for pid in rest[i:i + _CHUNK]]
            more = api.get(f"{self.base}/t/{topic_id}/posts.json", params)
            got = ((more.get("post_stream") or {}).get("posts") if isinstance(more, dict) else None) or []
            raw_posts.extend(p for p in got if isinstance(p, dict) and "id" in p)
        topic = {"id": topic_id, "title": doc.get("title"), "slug": doc.get("slug")}
        posts, deleted = self.to_posts(raw_posts, topic, stream.get("stream") or [])
        notes = [f"topic {topic_id}: {deleted} deleted or hidden post(s) skipped (stored copies kept)"] \
            if deleted else []
        return posts, len(raw_posts), notes

    def to_posts(self, raw_posts: list[dict[str, Any]], topic: dict[str, Any],
                 stream: list[Any]) -> tuple[list[Post], int]:
        """Posts of one topic as records, plus how many were deleted/hidden and skipped."""
        by_number = {p.get("post_number"): str(p["id"]) for p in raw_posts}
        root = by_number.get(1) or (str(stream[0]) if stream else None)
        out, deleted = [], 0
        for p in raw_posts:
            if p.get("deleted_at") or p.get("user_deleted") or p.get("hidden"):
                deleted += 1
                continue
            if p.get("post_type") not in (None, 1):
                # 2/3 are moderator/small actions ("closed this topic"), 4 staff-only whispers: neither
                # is a public answer, and counting them would make the brand look fast.
                continue
            post = self.to_post(p, topic)
            if post is None:
                continue
            post.conversation_id = root
            target = p.get("reply_to_post_number")
            post.reply_to_id = by_number.get(target) if target else None
            out.append(post)
        return out, deleted

    def is_official(self, p: dict[str, Any]) -> bool:
        c = self.config
        if c.staff_is_official and (p.get("staff") or p.get("moderator") or p.get("admin")):
            return True
        if p.get("primary_group_name") and p["primary_group_name"] in c.official_groups:
            return True
        handles = {h.lower() for h in self.settings.official_handles(c.platform)}
        return str(p.get("username") or "").lower() in handles

    def to_post(self, p: dict[str, Any], topic: dict[str, Any] | None = None) -> Post | None:
        """One Discourse post (topic view or ``/posts.json``) as a Post; None without a usable time."""
        created = parse_time(p.get("created_at"))
        if created is None:
            return None
        topic = topic or {}
        topic_id = topic.get("id") or p.get("topic_id")
        title = topic.get("title") or p.get("topic_title")
        slug = topic.get("slug") or p.get("topic_slug") or "-"
        body = plain(_QUOTE.sub(" ", str(p.get("cooked") or ""))) or str(p.get("raw") or "")
        number = p.get("post_number")
        # The topic's title is where a complaint is often stated ("Support never answers"): it belongs
        # to the opening post's text.
        text = f"{title}\n{body}" if number == 1 and title else body
        return Post(
            platform=self.config.platform, post_id=str(p["id"]), created_at=created, text=text,
            url=f"{self.base}/t/{slug}/{topic_id}/{number}" if topic_id and number else None,
            author_id=str(p["user_id"]) if p.get("user_id") is not None else None,
            author_handle=p.get("username"), author_name=p.get("name") or p.get("display_username"),
            is_official=self.is_official(p), origin=f"topic:{topic_id}",
            raw={k: p.get(k) for k in ("topic_id", "post_number", "reply_to_post_number", "version",
                                       "updated_at", "staff", "moderator", "admin", "primary_group_name",
                                       "post_type")} | {"topic_id": topic_id})

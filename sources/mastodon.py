"""Mastodon through Mastodon.py: hashtag timelines, optional status search, the brand's accounts.

Why Mastodon.py: it is the maintained client (pagination helpers, rate-limit headers, typed
results); we use it with ``ratelimit_method="throw"`` so a 429 never sleeps inside a job.

Per pass, each stream is read *forwards* with ``min_id`` (Mastodon returns the statuses right after
``min_id``; ids are time-ordered snowflakes, and Mastodon.py turns a datetime into one), so each page's
newest id is exactly the cursor to continue from: a pass killed between pages resumes at the next page
and nothing is read twice. Streams:

* ``#tag`` timelines for each of ``hashtags`` (public, no token needed);
* status search for each of ``search_terms`` when ``search`` is on (needs a token on most instances, and
  full-text search enabled on the instance): the newest 40 matches per term and pass;
* statuses of ``official_accounts`` with the source's ``platform`` (``mastodon`` by default; resolved once
  to account ids, kept in the ``_officials`` cursor). Their replies carry ``in_reply_to_id``; a parent not
  stored yet is fetched by id (``GET /api/v1/statuses?id[]=``, 20 per request), so each official reply
  can be linked.

Ids are the instance's status ids (one instance per source). Boosts are skipped (the original is what
was said). An edited status (``edited_at``) updates its stored text when read again. Errors: 429 ->
:class:`RateLimited` until ``X-RateLimit-Reset``; 5xx and network errors retried ``max_retries`` times
with backoff, then :class:`SourceError`; 401/403 -> :class:`AuthError`; bad JSON -> :class:`SourceError`.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import requests

from monitor.errors import AuthError, RateLimited, SourceError
from monitor.records import Batch, Post, query_key, utc
from sources.base import Source, SourceContext
from sources.http import reset_at
from sources.neterr import network_problem
from sources.statusfold import plain

log = logging.getLogger(__name__)

OFFICIALS_KEY = "_officials"
PARENTS_KEY = "_parents"
_LOOKUP_MAX = 20
_INLINE = re.compile(r"</?(?:span|a)\b[^>]*>", re.I)


class MastodonSource(Source):
    kind = "mastodon"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.sleep: Callable[[float], None] = time.sleep  # injectable: tests never wait on a backoff
        self.rng = random.Random()

    def describe(self) -> list[str]:
        c = self.config
        what = [f"#{t}" for t in c.hashtags] + ([f"search {t!r}" for t in self.search_terms()] if c.search else [])
        lines = [f"mastodon source {self.name}: {c.instance} {', '.join(what) or '(officials only)'}; token "
                 f"{'from $' + c.access_token_env if c.access_token_env else 'none'}"]
        if c.search and not c.access_token_env:
            lines.append(f"  warning: sources {self.name}: search without a token is refused by most instances "
                         "(403); set access_token_env or search: false")
        return lines

    def search_terms(self) -> list[str]:
        return list(self.config.search_terms or self.settings.brand.terms)

    def _client(self) -> Any:
        from mastodon import Mastodon  # local: only needed when a mastodon source runs

        c = self.config
        token = None
        if c.access_token_env:
            token = os.environ.get(c.access_token_env, "").strip()
            if not token:
                raise AuthError(self.name, f"environment variable {c.access_token_env} is not set (sources."
                                f"{self.name}.access_token_env names it); unset it to read public timelines")
        return Mastodon(access_token=token or None, api_base_url=c.instance, ratelimit_method="throw",
                        request_timeout=c.timeout_seconds, version_check_mode="none", session=self.session,
                        user_agent=self.settings.user_agent)

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        if ctx.dry_run:
            return
        api = _Api(self, self._client(), ctx)
        yield from _Pass(self, api, ctx).run()


class _Api:
    """Mastodon.py calls under the X error policy; counts requests."""

    def __init__(self, src: MastodonSource, client: Any, ctx: SourceContext) -> None:
        self.src, self.client, self.ctx, self.name = src, client, ctx, src.name
        self.requests = 0

    def call(self, what: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        import mastodon as m

        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            try:
                return fn(*args, **kwargs)
            except m.MastodonRatelimitError:
                until = self._reset()
                raise RateLimited(self.name, f"Mastodon rate limit on {what}; skipping this source until "
                                  f"{until:%Y-%m-%d %H:%M:%S} UTC", until) from None
            except m.MastodonUnauthorizedError:
                raise AuthError(self.name, f"{self.src.config.instance} answered 401 to {what}: check "
                                f"{self.src.config.access_token_env or 'access_token_env'}") from None
            except (m.MastodonServerError, m.MastodonNetworkError) as exc:
                if attempt > self.src.config.max_retries:
                    raise SourceError(self.name, f"Mastodon {what} failed {attempt} times "
                                      f"({_why(exc, self.src.config.instance)}); "
                                      "giving up for this pass, the next pass resumes") from None
                delay = min(60.0, 2.0 * 2 ** (attempt - 1)) + self.src.rng.uniform(0, 1.0)
                log.warning("%s: %s failed (%s), retry in %.1fs", self.name, what,
                            _why(exc, self.src.config.instance), delay)
                self.src.sleep(delay)
            except m.MastodonAPIError as exc:
                code = exc.args[1] if len(exc.args) > 1 else None
                if code == 403:
                    raise AuthError(self.name, f"{self.src.config.instance} answered 403 to {what} (search "
                                    "and some timelines need a token: set access_token_env)") from None
                raise SourceError(self.name, f"Mastodon {what}: {_why(exc)}") from None

    def _reset(self) -> datetime:
        # Mastodon.py keeps X-RateLimit-Reset as an epoch time; the window is 5 minutes
        return reset_at(getattr(self.client, "ratelimit_reset", None), self.ctx.now(), timedelta(minutes=5))


def snowflake(at: datetime) -> int:
    """The smallest Mastodon status id at ``at``: milliseconds since the epoch, shifted 16 bits."""
    return int(at.timestamp() * 1000) << 16


def _why(exc: Exception, url: str = "") -> str:
    if url and any(isinstance(e, OSError | requests.RequestException) for e in (exc, exc.__cause__, exc.__context__)):
        return network_problem(exc, url)
    args = [str(a) for a in exc.args if a is not None]
    return " ".join(" ".join(args).split())[:200] or type(exc).__name__


class _Pass:
    def __init__(self, src: MastodonSource, api: _Api, ctx: SourceContext) -> None:
        self.src, self.api, self.ctx, self.cfg = src, api, ctx, src.config
        self.spent = 0
        self.official_ids: set[str] = set()
        self.accounts: dict[str, str] = {}
        self.parents: list[str] = list((ctx.cursors.get(PARENTS_KEY) or {}).get("pending", []))

    def batch(self, posts: list[Post], cursors: dict[str, Any], fetched: int, notes: list[str] | None = None
              ) -> Batch:
        used, self.spent = self.api.requests - self.spent, self.api.requests
        return Batch(posts=posts, cursors={**cursors, PARENTS_KEY: {"pending": list(self.parents)}},
                     requests=used, fetched=fetched, notes=notes or [])

    def run(self) -> Iterator[Batch]:
        c, client = self.cfg, self.api.client
        try:
            yield self.resolve_officials()
            for tag in c.hashtags:
                yield from self.stream(f"tag:{tag.lower()}", f"#{tag}", client.timeline_hashtag, tag, limit=40)
            if c.search:
                for term in self.src.search_terms():
                    yield from self.stream(f"search:{term}", f"search {term!r}", self.search, term, pages=1)
            for acct, aid in sorted(self.accounts.items()):
                yield from self.stream(f"account:{aid}", f"@{acct}", client.account_statuses, aid,
                                       exclude_reblogs=True, limit=40)
            yield from self.lookup_parents()
        except SourceError:
            if self.api.requests > self.spent:
                yield Batch(requests=self.api.requests - self.spent)
            raise

    def search(self, term: str, min_id: Any = None) -> list[Any]:
        """The newest 40 matches, newer than ``min_id`` (filtered here). Paging parameters and
        ``exclude_unreviewed`` make Mastodon.py probe the instance version first, which recurses without
        end when that probe fails (Mastodon.py 2.3); one page per pass is plenty for a brand term, and
        upserts make re-reads harmless."""
        res = self.api.client.search_v2(term, resolve=False, result_type="statuses", exclude_unreviewed=False)
        found = list(res.get("statuses") or []) if isinstance(res, dict) else []
        floor = int(min_id) if isinstance(min_id, str) and min_id.isdigit() else (
            snowflake(min_id) if isinstance(min_id, datetime) else 0)
        return [st for st in found if isinstance(st, dict) and int(st.get("id") or 0) > floor]

    def resolve_officials(self) -> Batch:
        saved = dict((self.ctx.cursors.get(OFFICIALS_KEY) or {}).get("ids", {}))
        handles = [h.lower() for h in self.src.settings.official_handles(self.cfg.platform)]
        notes, changed = [], False
        for h in handles:
            if h in saved:
                continue
            try:
                acct = self.api.call(f"account lookup @{h}", self.api.client.account_lookup, h)
            except SourceError as exc:
                if "not found" not in str(exc).lower() and "404" not in str(exc):
                    raise
                notes.append(f"official account @{h} not found on {self.cfg.instance}: its posts are not "
                             "flagged official; fix official_accounts")
                continue
            saved[h], changed = str(acct["id"]), True
        self.accounts = {h: saved[h] for h in handles if h in saved}
        self.official_ids = set(self.accounts.values())
        return self.batch([], {OFFICIALS_KEY: {"ids": saved}} if changed else {}, 0, notes)

    def stream(self, label: str, what: str, fn: Callable[..., Any], *args: Any, pages: int | None = None,
               **kwargs: Any) -> Iterator[Batch]:
        key = query_key(label)
        st = dict(self.ctx.cursors.get(key) or {})
        saved: str | None = st.get("min_id")
        min_id: Any = saved
        if saved is None:
            min_id = self.ctx.since or self.ctx.now() - timedelta(hours=self.cfg.initial_lookback_hours)
        elif self.cfg.recheck_hours:
            # Edits keep their id: re-read the last recheck_hours so recent edits land. The saved
            # cursor itself never moves back.
            min_id = str(min(int(saved), snowflake(self.ctx.now() - timedelta(hours=self.cfg.recheck_hours))))
        for _page in range(pages or self.cfg.max_pages):
            page = self.api.call(what, fn, *args, min_id=min_id, **kwargs)
            # Mastodon.py casts an unexpected JSON object to a list of its keys: check every item.
            if not isinstance(page, list) or not all(isinstance(s, dict) and s.get("id") for s in page):
                raise SourceError(self.api.name, f"Mastodon {what}: the answer is not a list of statuses; "
                                                 "check the instance URL")
            statuses = list(page)
            posts = [p for p in (self.to_post(s) for s in statuses) if p is not None]
            if statuses:
                min_id = str(max(int(s["id"]) for s in statuses))
                saved = str(max(int(saved or 0), int(min_id)))
            self.queue_parents(posts)
            yield self.batch(posts, {key: {"min_id": saved, "what": label}} if statuses else {}, len(statuses))
            if not statuses:
                return

    def queue_parents(self, posts: list[Post]) -> None:
        have = {p.post_id for p in posts}
        wanted = {p.reply_to_id for p in posts if p.is_official and p.reply_to_id} - have - set(self.parents)
        if wanted:
            self.parents.extend(sorted(wanted - self.ctx.known_post_ids(self.cfg.platform, wanted)))

    def lookup_parents(self) -> Iterator[Batch]:
        while self.parents:
            chunk = self.parents[:_LOOKUP_MAX]
            got = self.api.call("status lookup", self.api.client.statuses, chunk)
            posts = [p for p in (self.to_post(s) for s in got or [] if isinstance(s, dict)) if p is not None]
            self.parents = self.parents[_LOOKUP_MAX:]  # ids not returned are deleted or private: not asked again
            yield self.batch(posts, {}, len(posts))

    def to_post(self, s: dict[str, Any]) -> Post | None:
        """A status (Mastodon.py object or plain JSON) as a Post; None for boosts and unusable items."""
        if s.get("reblog"):
            return None
        created = s.get("created_at")
        if isinstance(created, str):
            created = datetime.fromisoformat(created.replace("Z", "+00:00"))
        if not isinstance(created, datetime):
            return None
        account = s.get("account") or {}
        # Inline tags go without a space ("#<span>bitpie</span>" is "#bitpie"); blocks become lines.
        text = plain(_INLINE.sub("", str(s.get("content") or "")))
        if s.get("spoiler_text"):
            text = f"{s['spoiler_text']}\n{text}"
        edited = s.get("edited_at")
        return Post(
            platform=self.cfg.platform, post_id=str(s["id"]), created_at=utc(created), text=text,
            url=s.get("url") or s.get("uri"), author_id=str(account.get("id")) if account.get("id") else None,
            author_handle=account.get("acct"), author_name=account.get("display_name") or None,
            is_official=str(account.get("id")) in self.official_ids, lang=s.get("language"),
            reply_to_id=str(s["in_reply_to_id"]) if s.get("in_reply_to_id") else None,
            origin=self.cfg.instance,
            raw={"edited_at": edited.isoformat() if isinstance(edited, datetime) else edited,
                 "visibility": s.get("visibility"), "replies_count": s.get("replies_count")})

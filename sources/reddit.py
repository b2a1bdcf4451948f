"""Reddit through praw (read-only OAuth app: client id and secret from environment variables).

Why praw: it is Reddit's well-kept client; it does the OAuth client-credentials token, reads the
``x-ratelimit-*`` headers Reddit sends and spaces requests by them, and retries 5xx/connection errors
twice. We call ``Reddit.request`` (raw JSON) rather than praw's model objects so each page is ours to
commit with its cursor, and the item JSON is kept as ``Post.raw``.

Per pass:

1. Brand search, newest first: ``/r/<subreddits or all>/search?q=..&sort=new&type=link``, paged with
   ``after`` until a post no newer than the cursor. Each page is a batch whose cursor records the
   ``after`` to continue from, so a pass killed between pages resumes at the next page.
2. The comment tree of each submission first seen in (1) (``read_comments``): one request each.
3. Comments of the brand's accounts (``official_accounts`` with ``platform: reddit``) from
   ``/user/<name>/comments?sort=new``; parents not stored yet are fetched by fullname through
   ``/api/info`` (100 per request), so every official reply can be linked by ``parent_id``.

Ids are Reddit fullnames (``t3_..`` submission, ``t1_..`` comment), so a comment's ``parent_id`` is its
``reply_to_id`` and its ``link_id`` (the submission) its conversation. Deleted or removed items
(``[deleted]`` / ``[removed]``) are skipped; an edited item updates its stored text.

Errors: 429 -> :class:`RateLimited` until Reddit's ``x-ratelimit-reset`` (or ``Retry-After``); 5xx and
timeouts after praw's retries -> :class:`SourceError`; 401/403 -> :class:`AuthError` naming the env
vars; a body that is not JSON -> :class:`SourceError`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from monitor.errors import AuthError, RateLimited, SourceError
from monitor.records import Batch, Post, query_key
from sources.base import Source, SourceContext
from sources.http import reset_at
from sources.neterr import network_problem

log = logging.getLogger(__name__)

PARENTS_KEY = "_parents"
_GONE = {"[deleted]", "[removed]"}
_INFO_MAX = 100


def reddit_query(terms: list[str]) -> str:
    """Brand terms as one Reddit search query: ``"Bitpie" OR "比特派"``."""
    return " OR ".join(f'"{t}"' for t in terms)


def _ts(value: Any) -> datetime | None:
    return datetime.fromtimestamp(float(value), UTC) if isinstance(value, int | float) else None


class RedditSource(Source):
    kind = "reddit"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()

    @property
    def query(self) -> str:
        return reddit_query(self.config.terms or self.settings.brand.terms)

    def describe(self) -> list[str]:
        c = self.config
        subs = "+".join(c.subreddits) or "all"
        return [f"reddit source {self.name}: search r/{subs} for {self.query} (sort=new), OAuth app from "
                f"${c.client_id_env}/${c.client_secret_env}; official: "
                f"{', '.join(self.settings.official_handles('reddit')) or 'none'}"]

    def _client(self) -> Any:
        import praw  # local: praw is only needed when a reddit source runs

        c = self.config
        cid, secret = os.environ.get(c.client_id_env, "").strip(), os.environ.get(c.client_secret_env, "").strip()
        if not cid or not secret:
            raise AuthError(self.name, f"environment variables {c.client_id_env} and {c.client_secret_env} "
                            "must hold a Reddit app's client id and secret (create a 'script' app at "
                            "https://www.reddit.com/prefs/apps)")
        return praw.Reddit(client_id=cid, client_secret=secret, user_agent=self.settings.user_agent,
                           check_for_updates=False, timeout=c.timeout_seconds,
                           requestor_kwargs={"session": self.session})

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        if ctx.dry_run:
            return
        api = _Api(self.name, self._client(), self.config, ctx)
        yield from _Pass(self, api, ctx).run()


class NotFoundError(SourceError):
    """404: a listing that does not exist (a renamed, deleted or suspended account)."""


class _Api:
    """``Reddit.request`` under our error policy; counts requests."""

    def __init__(self, name: str, reddit: Any, config: Any, ctx: SourceContext) -> None:
        self.name, self.reddit, self.config, self.ctx = name, reddit, config, ctx
        self.requests = 0

    def get(self, path: str, params: dict[str, Any]) -> Any:
        import prawcore

        self.requests += 1
        try:
            return self.reddit.request(method="GET", path=path, params={**params, "raw_json": 1})
        except prawcore.TooManyRequests as exc:
            until = self._reset(exc.response)
            raise RateLimited(self.name, f"Reddit answered 429 to {path}; skipping this source until "
                              f"{until:%Y-%m-%d %H:%M:%S} UTC", until) from None
        except prawcore.NotFound:
            raise NotFoundError(self.name, f"Reddit {path}: 404 not found") from None
        except prawcore.BadJSON:
            raise SourceError(self.name, f"Reddit {path} did not return JSON") from None
        except (prawcore.OAuthException, prawcore.Forbidden, prawcore.InvalidToken,
                prawcore.ResponseException) as exc:
            code = getattr(getattr(exc, "response", None), "status_code", None)
            if isinstance(exc, prawcore.OAuthException) or code in (401, 403):
                raise AuthError(self.name, f"Reddit refused {path} ({code or type(exc).__name__}): check "
                                f"{self.config.client_id_env} and {self.config.client_secret_env}") from None
            raise SourceError(self.name, f"Reddit {path}: HTTP {code} ({type(exc).__name__}); giving up for "
                                         "this pass, the next pass resumes") from None
        except prawcore.RequestException as exc:
            why = network_problem(exc.original_exception, "https://oauth.reddit.com/")
            raise SourceError(self.name, f"Reddit {path} failed ({why}) after retries; the next pass "
                                         "resumes") from None
        except prawcore.PrawcoreException as exc:
            raise SourceError(self.name, f"Reddit {path}: {type(exc).__name__}: {exc}") from None
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            # prawcore reads the token answer itself and lets a JSON error (requests' JSONDecodeError is a
            # ValueError) or a missing field escape when Reddit sends something else: the answer, not us.
            log.debug("%s: Reddit %s: unreadable answer", self.name, path, exc_info=True)  # if it is ours: -vv
            raise SourceError(self.name, f"Reddit {path}: the answer could not be read ({type(exc).__name__}); "
                                         "the next pass resumes") from None

    def _reset(self, resp: Any) -> datetime:
        now = self.ctx.now()
        headers = getattr(resp, "headers", {}) or {}
        value = headers.get("retry-after") or headers.get("x-ratelimit-reset")  # both: seconds until the reset
        return reset_at(value, now, timedelta(minutes=10), seconds_until=True)  # Reddit's window is 10 min


class _Pass:
    def __init__(self, src: RedditSource, api: _Api, ctx: SourceContext) -> None:
        self.src, self.api, self.ctx, self.cfg = src, api, ctx, src.config
        self.spent = 0
        self.officials = {h.lower() for h in src.settings.official_handles("reddit")}
        saved = ctx.cursors.get(PARENTS_KEY) or {}
        self.parents: list[str] = list(saved.get("pending", []))

    def batch(self, posts: list[Post], cursors: dict[str, Any], fetched: int, notes: list[str] | None = None
              ) -> Batch:
        used, self.spent = self.api.requests - self.spent, self.api.requests
        return Batch(posts=posts, cursors={**cursors, PARENTS_KEY: {"pending": list(self.parents)}},
                     requests=used, fetched=fetched, notes=notes or [])

    def run(self) -> Iterator[Batch]:
        try:
            subs = "+".join(self.cfg.subreddits) or "all"
            yield from self.listing(f"/r/{subs}/search", {"q": self.src.query, "sort": "new", "type": "link",
                                                         "restrict_sr": bool(self.cfg.subreddits), "t": "all"},
                                    key=query_key(f"search:{subs}:{self.src.query}"), comments=True)
            for handle in sorted(self.officials):
                try:
                    yield from self.listing(f"/user/{handle}/comments", {"sort": "new"},
                                            key=query_key(f"user:{handle}"), comments=False)
                except NotFoundError:
                    # One missing account must not stop the others (nor the parent look-ups).
                    yield self.batch([], {}, 0, [f"official account u/{handle} not found on Reddit (renamed, "
                                                 "deleted or suspended?): fix official_accounts"])
            yield from self.lookup_parents()
        except SourceError:
            if self.api.requests > self.spent:
                yield Batch(requests=self.api.requests - self.spent)
            raise

    def listing(self, path: str, params: dict[str, Any], *, key: str, comments: bool) -> Iterator[Batch]:
        st = dict(self.ctx.cursors.get(key) or {})
        pending = st.get("pending") or {}
        lower = pending.get("lower")
        if lower is None and st.get("since") is not None:
            # Edits do not change created_utc: re-read the last recheck_hours so recent edits land.
            lower = float(st["since"]) - self.cfg.recheck_hours * 3600
        if lower is None:
            start = self.ctx.since or self.ctx.now() - timedelta(hours=self.cfg.initial_lookback_hours)
            lower = start.timestamp()
        newest = pending.get("newest", st.get("since") or lower)
        after = pending.get("after")
        while True:
            doc = self.api.get(path, {**params, "limit": self.cfg.page_size, **({"after": after} if after else {})})
            items = _children(self.api.name, path, doc)
            fresh = [d for d in items if float(d.get("created_utc") or 0) > lower]
            posts = [p for p in (self.to_post(d) for d in fresh) if p is not None]
            newest = max([newest, *(float(d.get("created_utc") or 0) for d in fresh)])
            after = (doc.get("data") or {}).get("after")
            done = not after or len(fresh) < len(items)
            st = {"since": newest, "pending": None} if done else \
                {"since": st.get("since"), "pending": {"lower": lower, "newest": newest, "after": after}}
            self.queue_parents(posts)
            # Which submissions are new must be asked before the page is committed (by the yield).
            subs = [p for p in posts if p.post_id.startswith("t3_")] if comments and self.cfg.read_comments else []
            known = self.ctx.known_post_ids("reddit", [p.post_id for p in subs]) if subs else set()
            yield self.batch(posts, {key: st}, len(items))
            yield from self.comment_trees([p for p in subs if p.post_id not in known])
            if done:
                return

    def comment_trees(self, submissions: list[Post]) -> Iterator[Batch]:
        for sub in submissions:
            if not (sub.raw or {}).get("num_comments"):
                continue
            doc = self.api.get(f"/comments/{sub.post_id[3:]}", {"sort": "new", "limit": self.cfg.comments_per_post})
            tree = doc[1] if isinstance(doc, list) and len(doc) > 1 else {}
            flat: list[dict[str, Any]] = []
            _flatten(tree, flat)
            posts = [p for p in (self.to_post(d) for d in flat) if p is not None]
            self.queue_parents(posts)
            yield self.batch(posts, {}, len(flat))

    def queue_parents(self, posts: list[Post]) -> None:
        have = {p.post_id for p in posts}
        wanted = {p.reply_to_id for p in posts if p.is_official and p.reply_to_id} - have - set(self.parents)
        if wanted:
            known = self.ctx.known_post_ids("reddit", wanted)
            self.parents.extend(sorted(wanted - known))

    def lookup_parents(self) -> Iterator[Batch]:
        while self.parents:
            chunk, rest = self.parents[:_INFO_MAX], self.parents[_INFO_MAX:]
            doc = self.api.get("/api/info", {"id": ",".join(chunk)})
            items = _children(self.api.name, "/api/info", doc)
            posts = [p for p in (self.to_post(d) for d in items) if p is not None]
            self.parents = rest  # parents Reddit no longer returns are gone: not asked again
            yield self.batch(posts, {}, len(items))

    def to_post(self, d: dict[str, Any]) -> Post | None:
        """A t3 (submission) or t1 (comment) ``data`` object as a Post; None for deleted/removed."""
        name, created = d.get("name"), _ts(d.get("created_utc"))
        if not name or created is None:
            return None
        is_sub = str(name).startswith("t3_")
        body = (f"{d.get('title') or ''}\n{d.get('selftext') or ''}".strip() if is_sub
                else str(d.get("body") or ""))
        author = d.get("author")
        if author in _GONE or (d.get("selftext") if is_sub else d.get("body")) in _GONE:
            return None
        link = d.get("permalink")
        return Post(
            platform="reddit", post_id=str(name), created_at=created, text=body,
            url=f"https://www.reddit.com{link}" if link else None, author_id=d.get("author_fullname"),
            author_handle=author, author_name=author,
            is_official=bool(author and str(author).lower() in self.officials),
            reply_to_id=None if is_sub else d.get("parent_id"),
            conversation_id=str(name) if is_sub else d.get("link_id"), origin=f"r/{d.get('subreddit')}",
            raw={k: d.get(k) for k in ("subreddit", "edited", "num_comments", "score", "link_id", "parent_id")})


def _children(name: str, path: str, doc: Any) -> list[dict[str, Any]]:
    data = doc.get("data") if isinstance(doc, dict) else None
    kids = data.get("children") if isinstance(data, dict) else None
    if not isinstance(kids, list):
        raise SourceError(name, f"Reddit {path}: the answer is not a listing (no data.children)")
    return [k["data"] for k in kids if isinstance(k, dict) and k.get("kind") in ("t1", "t3")
            and isinstance(k.get("data"), dict)]


def _flatten(listing: Any, out: list[dict[str, Any]]) -> None:
    """Comments of a ``/comments/<id>`` tree, depth first; ``more`` stubs are not followed."""
    data = listing.get("data") if isinstance(listing, dict) else None
    for kid in (data or {}).get("children") or []:
        if isinstance(kid, dict) and kid.get("kind") == "t1" and isinstance(kid.get("data"), dict):
            out.append(kid["data"])
            _flatten(kid["data"].get("replies"), out)

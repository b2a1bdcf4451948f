"""App-store reviews: Google Play (with the developer's public reply) and Apple's App Store.

**Google Play** has no public review API for other people's apps; ``google-play-scraper`` knows the
Play Store's internal ``batchexecute`` request (URL and body format) and the positions of the fields in
its answer. We take exactly that from it (``Formats.Reviews`` and ``ElementSpecs.Review``) but send the
request with ``requests`` ourselves, because the library's own ``reviews()``: swallows every error
into an empty list (a broken source would look like a quiet day), retries with ``time.sleep`` inside
the job, and turns epoch seconds into *local* naive datetimes. Importing it also switches off TLS
verification for all of ``urllib`` (``ssl._create_default_https_context``); :func:`_gps` undoes that.

Each review is a Post of platform ``googleplay``; the developer's reply (``replyContent`` at
``repliedAt``) is a second, official Post ``<review id>:reply`` replying to it, so reply linking
measures the brand's reply latency from public data. A review edited after the reply shows its edit
time, later than the reply: that reply is kept but not linked (its latency is unknown).

Incremental: newest first, paged by continuation token, until reviews older than the cursor minus
``recheck_days``: replies arrive days after the review and do not change its place in the order, so
the recent past is re-read on every pass (upserts make that harmless; an edited review updates its
text). The token is saved with each page, so a killed pass resumes at its next page.

**App Store**: Apple's public customer-reviews feed, JSON, per country, newest first, 50 a page, at
most 10 pages (``/{country}/rss/customerreviews/page=N/id=APP/sortby=mostrecent/json``). It carries no
developer replies, so the App Store is volume only in the reply-time figures. Review ids are Apple's.
"""

from __future__ import annotations

import json
import logging
import ssl
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from monitor.errors import RateLimited, SourceError
from monitor.records import Batch, Post, query_key
from sources.base import Source, SourceContext
from sources.http import HostPacer
from sources.jsonapi import JsonApi
from sources.statuspage import parse_time

log = logging.getLogger(__name__)

_SORT_NEWEST = 2  # google_play_scraper.Sort.NEWEST
_APPLE_PAGES = 10  # the feed serves pages 1..10


def _gps() -> tuple[Any, Any, Any]:
    """google-play-scraper's request format, answer regex and field positions (see module doc)."""
    saved = ssl._create_default_https_context
    try:
        from google_play_scraper.constants.element import ElementSpecs
        from google_play_scraper.constants.regex import Regex
        from google_play_scraper.constants.request import Formats
    finally:
        ssl._create_default_https_context = saved  # the library disables certificate checks on import
    return Formats.Reviews, Regex.REVIEWS, ElementSpecs.Review


def _at(review: list[Any], spec: Any) -> datetime | None:
    """Epoch seconds at ``spec``'s position, as aware UTC (the library's post-processor gives local)."""
    node: Any = review
    try:
        for i in spec.data_map:
            node = node[i]
        return datetime.fromtimestamp(int(node), UTC)
    except (IndexError, KeyError, TypeError, ValueError):
        return None


class _Paged(Source):
    """Shared plumbing: one JSON client per pass, request accounting, error-time batch."""

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None,
                 pacer: HostPacer | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.pacer = pacer or HostPacer()
        self.sleep: Callable[[float], None] = time.sleep  # injectable: tests never wait on a retry backoff

    def _api(self, ctx: SourceContext) -> JsonApi:
        c = self.config
        return JsonApi(self.name, session=self.session, user_agent=self.settings.user_agent,
                       timeout=c.timeout_seconds, max_retries=c.max_retries, now=ctx.now, pacer=self.pacer,
                       sleep=self.sleep)

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        if ctx.dry_run:
            return
        api = self._api(ctx)
        spent = 0
        try:
            for batch in self.pages(api, ctx):
                batch.requests, spent = api.requests - spent, api.requests
                yield batch
        except SourceError:
            if api.requests > spent:
                yield Batch(requests=api.requests - spent)
            raise

    def pages(self, api: JsonApi, ctx: SourceContext) -> Iterator[Batch]:
        raise NotImplementedError


class GooglePlaySource(_Paged):
    kind = "googleplay"

    def describe(self) -> list[str]:
        c = self.config
        return [f"googleplay source {self.name}: reviews of {c.app_id} ({', '.join(c.languages)}; country "
                f"{c.country}), newest first, re-reading {c.recheck_days} days for developer replies"]

    def pages(self, api: JsonApi, ctx: SourceContext) -> Iterator[Batch]:
        for lang in self.config.languages:
            yield from self._language(api, ctx, lang)

    def _language(self, api: JsonApi, ctx: SourceContext, lang: str) -> Iterator[Batch]:
        c = self.config
        fmt, _rx, _spec = _gps()
        key = query_key(f"googleplay:{c.app_id}:{lang}:{c.country}")
        st = dict(ctx.cursors.get(key) or {})
        pending = st.get("pending") or {}
        if pending:
            lower, newest, token = pending["lower"], pending["newest"], pending.get("token")
        else:
            since = st.get("since")
            start = (datetime.fromtimestamp(since, UTC) - timedelta(days=c.recheck_days) if since is not None
                     else ctx.since or ctx.now() - timedelta(days=c.initial_lookback_days))
            lower, newest, token = start.timestamp(), since or 0, None
        url = c.endpoint or fmt.build(lang=lang, country=c.country)
        for _ in range(c.max_pages):
            body = fmt.build_body(c.app_id, _SORT_NEWEST, c.page_size, "null", "null", token)
            raw = api.request("POST", url, data=body, raw=True,
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
            reviews, token = self.parse(raw, url, ctx)
            fresh = [r for r in reviews if r["at"].timestamp() > lower]
            posts = [p for r in fresh for p in self.to_posts(r, lang)]
            newest = max([newest, *(r["at"].timestamp() for r in fresh)])
            done = not token or len(fresh) < len(reviews)
            st = {"since": newest, "pending": None} if done else \
                {"since": st.get("since"), "pending": {"lower": lower, "newest": newest, "token": token}}
            yield Batch(posts=posts, cursors={key: st}, fetched=len(reviews))
            if done:
                return

    def parse(self, raw: bytes, url: str, ctx: SourceContext) -> tuple[list[dict[str, Any]], str | None]:
        """The answer's reviews (dicts with the library's field names, times aware UTC) and next token."""
        _fmt, rx, spec = _gps()
        text = raw.decode("utf-8", "replace")
        if "PlayGatewayError" in text:  # what the Play Store answers when it throttles
            raise RateLimited(self.name, f"{url} answered PlayGatewayError (throttled); skipping this source "
                              "for 30 minutes", ctx.now() + timedelta(minutes=30))
        try:
            outer = json.loads(rx.findall(text)[0])
            data = json.loads(outer[0][2]) if outer[0][2] else []
        except (IndexError, TypeError, ValueError):
            raise SourceError(self.name, f"{url}: the Play Store's answer is not in the expected format (the "
                              "unofficial endpoint may have changed: upgrade google-play-scraper)") from None
        # The next-page token is the last item of a short list after the reviews ([null, "token"]).
        token = next((x[-1] for x in data[1:] if isinstance(x, list) and x and isinstance(x[-1], str)), None)
        items = data[0] if data and isinstance(data[0], list) else []
        out = []
        for r in items:
            d = {k: s.extract_content(r) for k, s in spec.items() if k not in ("at", "repliedAt")}
            d["at"], d["repliedAt"] = _at(r, spec["at"]), _at(r, spec["repliedAt"])
            if d.get("reviewId") and d["at"] is not None:
                out.append(d)
        return out, token

    def to_posts(self, r: dict[str, Any], lang: str) -> list[Post]:
        c = self.config
        rid = str(r["reviewId"])
        url = f"https://play.google.com/store/apps/details?id={c.app_id}&reviewId={rid}"
        review = Post(platform="googleplay", post_id=rid, created_at=r["at"], text=str(r.get("content") or ""),
                      url=url, author_handle=r.get("userName"), author_name=r.get("userName"), lang=lang,
                      conversation_id=rid, origin=c.app_id,
                      raw={"score": r.get("score"), "version": r.get("appVersion"), "country": c.country,
                           "thumbs_up": r.get("thumbsUpCount")})
        out = [review]
        if r.get("replyContent") and r.get("repliedAt"):
            linked = r["repliedAt"] >= r["at"]  # else the review was edited after the reply
            out.append(Post(platform="googleplay", post_id=f"{rid}:reply", created_at=r["repliedAt"],
                            text=str(r["replyContent"]), url=url, author_handle=c.developer_name,
                            author_name=c.developer_name, is_official=True, lang=lang,
                            reply_to_id=rid if linked else None, origin=c.app_id,
                            raw={"review_edited_after_reply": not linked}))
        return out


class AppStoreSource(_Paged):
    kind = "appstore"

    def describe(self) -> list[str]:
        c = self.config
        return [f"appstore source {self.name}: customer reviews of app {c.app_id} in {', '.join(c.countries)} "
                "(Apple's public feed, newest first, volume only: no developer replies in it)"]

    def pages(self, api: JsonApi, ctx: SourceContext) -> Iterator[Batch]:
        for country in self.config.countries:
            yield from self._country(api, ctx, country.lower())

    def _country(self, api: JsonApi, ctx: SourceContext, country: str) -> Iterator[Batch]:
        c = self.config
        key = query_key(f"appstore:{c.app_id}:{country}")
        st = dict(ctx.cursors.get(key) or {})
        pending = st.get("pending") or {}
        if pending:
            lower, newest, page = pending["lower"], pending["newest"], pending["page"]
        else:
            since = parse_time(st.get("since"))
            start = since or ctx.since or ctx.now() - timedelta(days=c.initial_lookback_days)
            lower, newest, page = start.isoformat(), st.get("since") or start.isoformat(), 1
        floor = datetime.fromisoformat(lower)
        while page <= _APPLE_PAGES:
            url = (f"{c.base_url.rstrip('/')}/{country}/rss/customerreviews/page={page}/id={c.app_id}"
                   "/sortby=mostrecent/json")
            entries = self.entries(api.get(url), url)
            posts = [p for p in (self.to_post(e, country) for e in entries) if p is not None]
            fresh = [p for p in posts if p.created_at > floor]
            newest = max([datetime.fromisoformat(newest), *(p.created_at for p in fresh)]).isoformat()
            # A short page is the last (50 a page; some feeds give 49 beside the app's own entry).
            done = len(entries) < 49 or len(fresh) < len(posts) or page == _APPLE_PAGES
            st = {"since": newest, "pending": None} if done else \
                {"since": st.get("since"), "pending": {"lower": lower, "newest": newest, "page": page + 1}}
            yield Batch(posts=fresh, cursors={key: st}, fetched=len(entries))
            if done:
                return
            page += 1

    def entries(self, doc: Any, url: str) -> list[dict[str, Any]]:
        feed = doc.get("feed") if isinstance(doc, dict) else None
        if not isinstance(feed, dict):
            raise SourceError(self.name, f"{url}: no 'feed' in the answer; check app_id and countries")
        entry = feed.get("entry") or []
        entry = [entry] if isinstance(entry, dict) else entry  # one review comes as an object, not a list
        return [e for e in entry if isinstance(e, dict) and "im:rating" in e]  # old feeds lead with the app

    def to_post(self, e: dict[str, Any], country: str) -> Post | None:
        def label(*path: str) -> Any:
            node: Any = e
            for p in path:
                node = node.get(p) if isinstance(node, dict) else None
            return node

        rid, when = label("id", "label"), parse_time(label("updated", "label"))
        if not rid or when is None:
            return None
        title, content = label("title", "label") or "", label("content", "label") or ""
        return Post(platform="appstore", post_id=str(rid), created_at=when, text=f"{title}\n{content}".strip(),
                    url=label("link", "attributes", "href") or label("author", "uri", "label"),
                    author_handle=label("author", "name", "label"), author_name=label("author", "name", "label"),
                    conversation_id=str(rid), origin=f"{self.config.app_id}/{country}",
                    raw={"rating": label("im:rating", "label"), "version": label("im:version", "label"),
                         "country": country})


"""X (Twitter) collector on API v2 recent search: quota-exact, gap-free, reply-aware.

Cursor state, one row per query (key = ``query_key(query text)``)::

    {"query", "kind", "since_id": newest id fully covered, "since_time": lower bound while no post
     was ever seen, "floor": oldest time covered contiguously (for backfill),
     "pending": {"lower": bound params, "newest_id", "oldest_id", "next_token"} while a pagination
     is unfinished, "backfill": {"start", "end", "next_token"} while a backfill is unfinished}

Recent search returns newest first, so ``since_id`` may only move once a pass reaches its last page;
each page is its own Batch whose cursor records ``pending`` (committed with the page's posts), so a
pass interrupted between pages (crash, kill, 429, budget) resumes at the next page with the same
bounds: no post read twice, none skipped. Two more keys: ``_officials`` ({"ids": {handle: user id}},
resolved once from the configured handles; ``official_accounts[].user_id`` pins one) and ``_parents``
({"pending": ids of parents still to look up, "gone": ids X could not return}).

Pages are requested directly with ``next_token`` rather than through ``tweepy.Paginator``: each page's
``max_results`` follows the remaining monthly budget, and an expired token falls back to ``until_id``
(the oldest committed id), neither of which Paginator's fixed keyword arguments can express.
"""

from __future__ import annotations

import logging
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

from tqdm import tqdm

from monitor.errors import BudgetExceeded, SourceError
from monitor.records import Batch, Post, query_key
from sources.base import Source, SourceContext
from sources.twitter_api import InvalidRequest, XApi, partial_errors, to_posts, users_by_id
from sources.twitter_query import (
    PlannedQuery,
    carry_over,
    describe_position,
    id_max,
    id_min,
    iso,
    plan,
    planned_queries,
    snowflake_time,
    source_key_path,
    window_start,
    zulu,
)

log = logging.getLogger(__name__)

OFFICIALS_KEY = "_officials"
PARENTS_KEY = "_parents"
_GONE_KEEP = 5000  # remember this many unfetchable parent ids so idle passes do not re-ask for them
_LOOKUP_MAX = 100  # GET /2/tweets takes up to 100 ids
_INDEX_MARGIN = timedelta(seconds=30)  # newly posted tweets can take seconds to become searchable

__all__ = ["TwitterSource", "planned_queries"]


class TwitterSource(Source):
    kind = "twitter"

    def __init__(self, config: Any, settings: Any) -> None:
        super().__init__(config, settings)
        # Injectable so tests and the benchmark never wait on a retry backoff.
        self.sleep: Callable[[float], None] = time.sleep
        self.rng = random.Random()

    def describe(self) -> list[str]:
        c = self.config
        budget = f"{c.monthly_read_budget:,} posts/month" if c.monthly_read_budget else "no monthly budget"
        lines = [f"twitter source {self.name}: X API v2 recent search, Bearer Token from ${c.bearer_token_env}, "
                 f"{budget}, max {c.query_max_length} characters per query"]
        for q in plan(self.settings, c):
            lines.append(f"  [{q.kind}] {q.text}  ({len(q.text)} chars, cursor {query_key(q.text)})")
        return lines

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        queries = plan(self.settings, self.config)
        if ctx.dry_run:
            return
        yield from _Pass(self, ctx).run(queries)


class _Pass:
    """One pass of one twitter source: all its queries, then the parent look-ups."""

    def __init__(self, src: TwitterSource, ctx: SourceContext) -> None:
        self.src, self.cfg, self.ctx = src, src.config, ctx
        self.name = src.name
        self.now = ctx.now()
        self.read = 0
        self.api = XApi(src.name, self.cfg.bearer_token_env, timeout=self.cfg.timeout_seconds,
                        max_retries=self.cfg.max_retries, sleep=src.sleep, rng=src.rng, now=ctx.now,
                        user_agent=getattr(src.settings, "user_agent", None))
        self.spent = 0  # api.requests already accounted in a yielded batch
        self.cursors: dict[str, Any] = dict(ctx.cursors)  # updated by _plan_cursors
        saved = ctx.cursors.get(PARENTS_KEY) or {}
        self.parents: dict[str, list[str]] = {"pending": list(saved.get("pending", [])),
                                              "gone": list(saved.get("gone", []))}
        self.official_ids: dict[str, str] = {}
        self.bar = tqdm(desc=self.name, unit=" posts", leave=False,
                        disable=not (ctx.progress and sys.stderr.isatty()))

    # --- accounting ----------------------------------------------------------------------------

    def _batch(self, posts: list[Post], cursors: dict[str, Any], fetched: int, notes: list[str]) -> Batch:
        spent, self.spent = self.api.requests - self.spent, self.api.requests
        self.read += fetched
        self.bar.update(fetched)
        return Batch(posts=posts, cursors=cursors, requests=spent, fetched=fetched, notes=notes)

    def _allowance(self, wanted: int, minimum: int) -> int:
        """How many posts the next request may return without passing monthly_read_budget."""
        budget = self.cfg.monthly_read_budget
        if budget is None:
            return wanted
        used = self.ctx.usage_this_month + self.read
        left = budget - used
        if left < minimum:
            month = self.now.strftime("%Y-%m")
            raise BudgetExceeded(self.name, f"monthly_read_budget {budget:,} reached ({used:,} posts read "
                                 f"in {month} UTC, next request could read {wanted}); stopping until next "
                                 f"month, or raise sources.{self.name}.monthly_read_budget")
        return min(wanted, left)

    # --- the pass ------------------------------------------------------------------------------

    def run(self, queries: list[PlannedQuery]) -> Iterator[Batch]:
        try:
            yield self._plan_cursors(queries)  # before any request: nothing here may be lost to a 429
            yield self._setup(queries)
            yield from self._lookup_parents()  # leftovers of an interrupted pass come first
            rejected: list[str] = []
            for q in queries:
                try:
                    yield from self._query(q)
                except InvalidRequest as exc:
                    # One query X refuses (too long for the tier, an operator it does not offer) must
                    # not stop the others: the official queries that fit still run.
                    rejected.append(self._rejected(q, exc))
            yield from self._lookup_parents()
            if rejected:
                raise SourceError(self.name, "; ".join(rejected))
        except SourceError:
            # Attempts that ended in the error (retries, the 429 itself) still count in the run row.
            if self.api.requests > self.spent:
                yield self._batch([], {}, 0, [])
            raise
        finally:
            self.bar.close()

    def _since(self, st: dict[str, Any]) -> datetime | None:
        """The backfill start: this run's --since, else one a failed first run persisted."""
        if self.ctx.since is not None:
            return self.ctx.since
        return datetime.fromisoformat(st["requested_since"]) if st.get("requested_since") else None

    def _plan_cursors(self, queries: list[PlannedQuery]) -> Batch:
        """Cursor changes that need no request: ``--since`` persisted with each query's cursor (a 429
        on the first request must not forget it), and cursors of edited keywords handed over."""
        planned = {query_key(q.text): q for q in queries}
        old = {k: st for k, st in self.cursors.items()
               if isinstance(st, dict) and "query" in st and k not in planned}
        cursors: dict[str, Any] = dict.fromkeys(old)  # obsolete: deleted in this batch
        notes: list[str] = []
        carried = carry_over([st for st in old.values() if st.get("kind") == "mentions"])
        fresh = [q for k, q in planned.items() if q.kind == "mentions" and k not in self.cursors]
        if carried and fresh:
            for q in fresh:
                cursors[query_key(q.text)] = {**carried, "query": q.text, "kind": q.kind}
            notes.append(f"keywords changed: {', '.join(repr(q.name) for q in fresh)} continue from where the "
                         f"previous mention queries stopped ({describe_position(carried)}) instead of "
                         f"{self.cfg.initial_lookback_hours} h back; unfinished pages are read again by the new query")
        if self.ctx.since is not None:
            for key, q in planned.items():
                base = cursors.get(key) or self.cursors.get(key) or {"query": q.text, "kind": q.kind}
                cursors[key] = {**base, "requested_since": iso(self.ctx.since)}
        for key, st in cursors.items():
            if st is None:
                self.cursors.pop(key, None)
            else:
                self.cursors[key] = st
        return self._batch([], cursors, 0, notes)

    def _query(self, q: PlannedQuery) -> Iterator[Batch]:
        key = query_key(q.text)
        state = dict(self.cursors.get(key) or {}, query=q.text, kind=q.kind)
        resumed = bool(state.get("pending"))
        yield from self._forward(q, key, state)
        if resumed and not state.get("pending"):
            # Catch up past the resumed range now, before the official query runs: otherwise an
            # official reply to a newer post would fetch it by id and the next pass read it again.
            yield from self._forward(q, key, state)
        yield from self._backfill(q, key, state)

    def _rejected(self, q: PlannedQuery, exc: InvalidRequest) -> str:
        detail = str(exc).removeprefix(f"{self.name}: ")
        line = f"query '{q.name}' ({len(q.text)} characters): {detail}"
        if "length" in detail.lower() or "too long" in detail.lower():
            where = source_key_path(self.src.settings, self.cfg)
            line += (f"; set {where}.query_max_length to your access tier's limit (now "
                     f"{self.cfg.query_max_length}; 512 on self-serve tiers) so long keyword lists are split")
        return line

    def _setup(self, queries: list[PlannedQuery]) -> Batch:
        notes: list[str] = []
        cursors: dict[str, Any] = {}
        saved = dict((self.ctx.cursors.get(OFFICIALS_KEY) or {}).get("ids", {}))
        pinned = {a.handle.lower(): a.user_id for a in self.src.settings.official_accounts
                  if a.platform == "twitter" and a.user_id}
        handles = self.src.settings.official_handles("twitter")
        missing = [h for h in handles if h.lower() not in pinned and h.lower() not in saved]
        for i in range(0, len(missing), 100):
            body = self.api.users(missing[i:i + 100])
            found = {u["username"].lower(): u["id"] for u in body.get("data") or []}
            saved.update(found)
            for h in missing[i:i + 100]:
                if h.lower() not in found:
                    notes.append(f"official account @{h} not found on X: its posts are not flagged official; "
                                 "fix official_accounts or pin user_id")
        if missing:
            cursors[OFFICIALS_KEY] = {"ids": saved}
        # Only accounts still configured count: removing one from config must stop flagging its posts.
        configured = {h.lower() for h in handles}
        self.official_ids = {**{h: i for h, i in saved.items() if h in configured}, **pinned}
        since, wstart = self.ctx.since, window_start(self.now)
        if since is not None and since < wstart:
            notes.append(f"--since {since:%Y-%m-%d %H:%M} UTC is before recent search's 7-day window; "
                         f"backfilling from {wstart:%Y-%m-%d %H:%M} UTC (older posts need full-archive search)")
        last = self.ctx.last_ok_run
        if last is not None and self.now - last > timedelta(days=7):
            lost = wstart - last
            notes.append(f"last successful pass was {last:%Y-%m-%d %H:%M} UTC; recent search reaches back "
                         f"only 7 days, so posts from then to {wstart:%Y-%m-%d %H:%M} UTC "
                         f"(about {lost.total_seconds() / 3600:.0f} hours) cannot be collected: a gap")
        return self._batch([], cursors, 0, notes)

    # --- pages ---------------------------------------------------------------------------------

    def _paginate(self, q: PlannedQuery, params: dict[str, Any], token: str | None,
                  fallback: dict[str, Any] | None = None) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """Yield (body, bound params) per page; the caller reads the next token from the body."""
        while True:
            size = self._allowance(self.cfg.max_results, 10)
            try:
                body = self.api.search(q.text, max_results=size, next_token=token, **params)
            except InvalidRequest as exc:
                if not (token and fallback):
                    raise
                # A next_token can expire; the remainder of the interrupted pagination is exactly
                # (lower bound, oldest id committed), which until_id expresses without the token.
                log.warning("%s: %s; resuming with until_id instead of the saved next_token", self.name, exc)
                params, token, fallback = fallback, None, None
                continue
            yield body, params
            token = (body.get("meta") or {}).get("next_token")
            if not token:
                return

    def _page_posts(self, q: PlannedQuery, body: dict[str, Any], key: str) -> tuple[list[Post], list[str]]:
        users = users_by_id(body)
        ids = set(self.official_ids.values())
        posts, notes = to_posts(body.get("data") or [], users, ids, key)
        notes += partial_errors(body, f"query '{q.name}'")
        if q.kind == "official":
            want = self.official_ids.get((q.handle or "").lower())
            odd = {p.author_handle or p.author_id for p in posts if want and p.author_id != want}
            if odd:
                notes.append(f"from:{q.handle} returned posts by user ids other than the official {want} "
                             f"({', '.join(sorted(str(o) for o in odd))}): handle renamed or reused? Those "
                             "posts are not flagged official")
        self._queue_parents(posts)
        return posts, notes

    def _forward(self, q: PlannedQuery, key: str, st: dict[str, Any]) -> Iterator[Batch]:
        wstart = window_start(self.now)
        pending = st.get("pending")
        since_id = st.get("since_id")
        notes: list[str] = []
        if since_id and snowflake_time(since_id) < wstart:
            # X refuses a since_id older than 7 days. A quiet query (nothing matched for a week, every
            # pass done) has no gap: continue from the time the last finished pass covered.
            covered = st.get("covered_to") or self._covered_by_last_pass(st)
            if covered and datetime.fromisoformat(covered) >= wstart:
                st.update(since_id=None, since_time=covered, pending=None)
            else:
                when = datetime.fromisoformat(covered) if covered else snowflake_time(since_id)
                notes.append(f"query '{q.name}': last covered up to {when:%Y-%m-%d %H:%M} UTC, outside "
                             f"recent search's 7 days: posts up to {wstart:%Y-%m-%d %H:%M} UTC (about "
                             f"{(wstart - when).total_seconds() / 3600:.0f} hours) cannot be collected (gap)")
                st.update(since_id=None, since_time=iso(wstart), floor=iso(wstart), pending=None)
            since_id, pending = None, None
        if pending:
            lower, token, fallback = self._resume(q.name, st, pending, wstart, notes)
        else:
            lower, token, fallback = self._lower_bound(st, wstart), None, None
            pending = {"lower": lower, "newest_id": None, "oldest_id": None}
        started = self.now - _INDEX_MARGIN
        for body, used in self._paginate(q, lower, token, fallback):
            posts, page_notes = self._page_posts(q, body, key)
            meta = body.get("meta") or {}
            pending = {"lower": used, "newest_id": id_max(pending.get("newest_id"), meta.get("newest_id")),
                       "oldest_id": id_min(pending.get("oldest_id"), meta.get("oldest_id")),
                       "next_token": meta.get("next_token")}
            if pending["next_token"]:
                st["pending"] = pending
            else:  # last page: the whole range up to the pass's newest post is now covered
                st["since_id"] = id_max(st.get("since_id"), pending["newest_id"])
                st["pending"] = None
                st["covered_to"] = iso(started)  # everything before this moment has been read
                if not st["since_id"]:  # nothing matched yet: next pass starts where this one did
                    st["since_time"] = iso(started)
            yield self._batch(posts, {key: dict(st), **self._parents_cursor()},
                              len(body.get("data") or []), notes + page_notes)
            notes = []

    def _covered_by_last_pass(self, st: dict[str, Any]) -> str | None:
        """For cursors saved before ``covered_to`` existed: a pass that ended ok ran every query to
        its last page, so this one was covered up to that pass's start (taken as an hour before it
        ended: a little is read again, nothing is skipped)."""
        last = self.ctx.last_ok_run
        if last is None or st.get("pending"):
            return None
        return iso(last - timedelta(hours=1))

    def _resume(self, label: str, st: dict[str, Any], pending: dict[str, Any], wstart: datetime,
                notes: list[str]) -> tuple[dict[str, Any], str | None, dict[str, Any] | None]:
        """Bounds, token and until_id fallback that continue an interrupted pagination."""
        lower, token, oldest = dict(pending["lower"]), pending.get("next_token"), pending.get("oldest_id")
        if "start_time" in lower and datetime.fromisoformat(lower["start_time"]) < wstart:
            # The window moved past the pass's start: the old token and start_time would both be
            # rejected; continue below the oldest committed post from the window's start instead.
            notes.append(f"query '{label}': an interrupted pass began before recent search's 7-day window; "
                         f"posts before {wstart:%Y-%m-%d %H:%M} UTC it had not reached cannot be collected")
            lower["start_time"] = zulu(wstart)
            st["floor"] = iso(wstart)
            return ({**lower, "until_id": oldest} if oldest else lower), None, None
        return lower, token, ({**lower, "until_id": oldest} if oldest else None)

    def _lower_bound(self, st: dict[str, Any], wstart: datetime) -> dict[str, Any]:
        if st.get("since_id"):
            return {"since_id": st["since_id"]}
        if st.get("since_time"):
            return {"start_time": zulu(max(datetime.fromisoformat(st["since_time"]), wstart))}
        first = self._since(st) or self.now - timedelta(hours=self.cfg.initial_lookback_hours)
        start = max(first.replace(microsecond=0), wstart)
        st["floor"] = iso(start)
        return {"start_time": zulu(start)}

    def _backfill(self, q: PlannedQuery, key: str, st: dict[str, Any]) -> Iterator[Batch]:
        """Read [--since, floor) once: end_time is exclusive and start_time inclusive (X docs)."""
        wstart = window_start(self.now)
        bf = st.get("backfill")
        if bf is None:
            since = self._since(st)
            if since is None or not st.get("floor"):
                return
            start = max(since.replace(microsecond=0), wstart)
            if start >= datetime.fromisoformat(st["floor"]):
                return
            bf = {"start": iso(start), "end": st["floor"], "next_token": None}
        start = max(datetime.fromisoformat(bf["start"]), wstart)
        if start >= datetime.fromisoformat(bf["end"]):
            st["backfill"] = None
            return
        params = {"start_time": zulu(start), "end_time": zulu(datetime.fromisoformat(bf["end"]))}
        token, oldest = bf.get("next_token"), bf.get("oldest_id")
        fallback = {**params, "until_id": oldest} if oldest else None
        if token and iso(start) != bf["start"] and fallback:  # window moved: the token no longer fits
            params, token, fallback = fallback, None, None
        for body, _used in self._paginate(q, params, token, fallback):
            posts, notes = self._page_posts(q, body, key)
            meta = body.get("meta") or {}
            token, oldest = meta.get("next_token"), id_min(oldest, meta.get("oldest_id"))
            if token:
                st["backfill"] = {**bf, "start": iso(start), "next_token": token, "oldest_id": oldest}
            else:
                st["backfill"], st["floor"] = None, iso(start)
                st.pop("requested_since", None)  # done: a later plain pass must not backfill again
            yield self._batch(posts, {key: dict(st), **self._parents_cursor()},
                              len(body.get("data") or []), notes)

    # --- parents of official replies ----------------------------------------------------------

    def _queue_parents(self, posts: list[Post]) -> None:
        in_page = {p.post_id for p in posts}
        skip = in_page | set(self.parents["pending"]) | set(self.parents["gone"])
        wanted = {p.reply_to_id for p in posts if p.is_official and p.reply_to_id} - skip
        if wanted:
            known = self.ctx.known_post_ids("twitter", wanted)
            self.parents["pending"].extend(sorted(wanted - known))

    def _parents_cursor(self) -> dict[str, Any]:
        return {PARENTS_KEY: {"pending": list(self.parents["pending"]), "gone": list(self.parents["gone"])}}

    def _lookup_parents(self) -> Iterator[Batch]:
        pending = self.parents["pending"]
        if pending:
            known = self.ctx.known_post_ids("twitter", pending)
            pending = [i for i in pending if i not in known]
        while pending:
            chunk = pending[:self._allowance(_LOOKUP_MAX, 1)]
            body = self.api.lookup(chunk)
            users = users_by_id(body)
            ids = set(self.official_ids.values())
            posts, skipped = to_posts(body.get("data") or [], users, ids, "parent-lookup")
            found = {p.post_id for p in posts}
            pending = pending[len(chunk):]
            gone = [i for i in chunk if i not in found]
            self.parents = {"pending": pending, "gone": (self.parents["gone"] + gone)[-_GONE_KEEP:]}
            notes = skipped + partial_errors(body, "parent look-up")
            yield self._batch(posts, self._parents_cursor(), len(posts), notes)
        self.parents["pending"] = pending


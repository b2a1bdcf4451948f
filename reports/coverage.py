"""Which stored posts are evidence for the report, and which platforms' replies can be measured.

Coverage (issue 12): a source only *sees* the world from its first successful pass, or from a
backfill's ``collect --since`` (``runs.covers_from``). A feed's first pass returns entries from weeks
before it was configured; counting them would make those weeks read as "almost no complaints" and
every later day a peak against a baseline of 0. So posts of a live source created before its
coverage start are left out of every count, and hours before the earliest coverage are unknown (NaN),
not quiet.

- ``feed`` sources: their posts carry ``origin = <source name>``, so the cut is exact per source.
- ``twitter`` sources: posts carry a query key as origin; the cut applies to the source's platform,
  except posts loaded from twarc archives (``origin`` ``twarc:<file>``), which cover their own span.
- Anything without a run (archives, imports, hand-built stores): from its earliest post.

Reply linking (what response-time figures may cover): only platforms with a configured official
account whose posts come with reply ids. Feed sources (Weibo, Telegram, Reddit through RSSHub) give
no reply link, so their complaints would wait "forever": they count as volume only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, not_, or_, select, true
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement

from monitor.config import Config
from monitor.store import posts, runs

# Sources whose posts carry reply ids (linking.py); the brand's replies come from configured accounts.
REPLY_SOURCE_TYPES = ("twitter", "twarc", "reddit", "mastodon")
# Sources that mark the brand's replies themselves: Discourse staff posts, Google Play developer replies.
SELF_OFFICIAL = {"discourse": None, "googleplay": "googleplay"}  # type -> platform (None: the source's own)


def _platform(s: Any) -> str:
    return getattr(s, "platform", None) or SELF_OFFICIAL.get(s.type) or s.type


def reply_platforms(cfg: Config) -> set[str]:
    """Platforms whose official replies can be linked to the posts they answer.

    A platform needs an official account (or a source that marks official replies itself: Discourse
    staff, Google Play developer replies), and must not be collected only through ``feed`` sources.
    A platform with no configured source (imported archives, tests) keeps its official account.
    """
    official = {a.platform for a in cfg.official_accounts}
    official |= {_platform(s) for s in cfg.sources if s.type in SELF_OFFICIAL}
    replying = {_platform(s) if s.type != "twarc" else "twitter" for s in cfg.sources
                if s.type in REPLY_SOURCE_TYPES or s.type in SELF_OFFICIAL}
    feed_only = {s.platform for s in cfg.sources if s.type == "feed" and not s.official} - replying
    return official - feed_only


@dataclass(slots=True)
class Coverage:
    """Per live source: (kind, name or platform, start). ``first`` is the earliest covered instant."""

    cuts: list[tuple[str, str, dt.datetime]] = field(default_factory=list)
    first: dt.datetime | None = None

    def clause(self, since: dt.datetime | None = None) -> ColumnElement[bool]:
        """SQL: the post is inside its source's coverage. Cuts older than ``since`` are dropped (the
        usual case once every source is older than the report's window: no extra condition)."""
        outside = [_outside(kind, key, start) for kind, key, start in self.cuts if since is None or start > since]
        return not_(or_(*outside)) if outside else true()


def _outside(kind: str, key: str, start: dt.datetime) -> ColumnElement[bool]:
    if kind == "feed":
        return and_(posts.c.origin == key, posts.c.created_at < start)
    return and_(posts.c.platform == key, posts.c.origin.not_like("twarc:%"), posts.c.created_at < start)


def coverage(conn: Connection, cfg: Config) -> Coverage:
    """Coverage of every configured live source from the ``runs`` table (see module docstring)."""
    q = (select(runs.c.source, func.min(runs.c.started_at), func.min(runs.c.covers_from))
         .where(runs.c.status == "ok").group_by(runs.c.source))
    started = {src: min(x for x in (s, c) if x is not None) for src, s, c in conn.execute(q)}
    cuts: list[tuple[str, str, dt.datetime]] = []
    for sc in cfg.sources:
        if sc.name not in started:
            continue
        if sc.type == "feed" and not sc.official:
            cuts.append(("feed", sc.name, started[sc.name]))
        elif sc.type == "twitter":
            prev = next((c for c in cuts if c[0] == "twitter"), None)
            if prev is None or started[sc.name] < prev[2]:
                cuts = [c for c in cuts if c[0] != "twitter"] + [("twitter", "twitter", started[sc.name])]
    cov = Coverage(cuts)
    # Earliest post inside coverage: the created_at index is scanned in order and stops at the first
    # covered post, so only the (few) posts before a cut are read.
    first_post = conn.execute(select(posts.c.created_at).where(cov.clause())
                              .order_by(posts.c.created_at).limit(1)).scalar()
    starts: list[Any] = [s for _k, _n, s in cuts]
    if first_post is not None:
        starts.append(first_post)
    cov.first = min(starts) if starts else None
    return cov

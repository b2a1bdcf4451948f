"""X recent-search queries built from config, and snowflake-id helpers.

Two kinds of query, each with its own cursor (``monitor.records.query_key`` of the query text):

* **mentions**: brand names, aliases, ``@handle`` and ``to:handle`` OR-ed together, ``-is:retweet``,
  optional ``lang:`` filters and exclusion terms. X caps a query's length (512 characters on the
  self-serve tiers, 4,096 on Enterprise: docs.x.com "Build a query"), so a long keyword list is split
  into several queries that each fit ``query_max_length``; each excludes the terms of the ones before
  it, so together they partition the stream (no post is read by two of them).
* **official**: ``from:<handle> -is:retweet`` per official account, so the brand's replies are read
  even when they carry no keyword. Mention queries carry ``-from:<handle>`` for every official account
  so each official post is read (and billed) once, by the official query only. That exclusion would
  otherwise hide official non-reply posts containing a brand term, hence ``-is:retweet`` rather than
  ``is:reply`` on the official query. X asks not to negate groups (``-(a OR b)``), so each exclusion
  is negated on its own.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from monitor.errors import ConfigError

# Twitter snowflake ids carry their creation time: milliseconds since this epoch, shifted left 22 bits.
_TWEPOCH_MS = 1288834974657
_BARE_TERM = re.compile(r"^[\w@#$.:\u00b7'-]+$")
RECENT_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class PlannedQuery:
    kind: str  # "mentions" | "official"
    text: str
    handle: str | None = None  # the official account, for kind == "official"
    label: str = ""  # what messages call it: "mentions 2/3 (比特派钱包 …)" or "from:BitpieWallet"

    @property
    def name(self) -> str:
        return self.label or self.text[:60]


def quote_term(term: str) -> str:
    """Bare word when X would read it as one keyword; otherwise a quoted exact phrase."""
    term = term.strip().replace('"', "")
    if _BARE_TERM.match(term) and term.upper() not in ("OR", "AND") and not term.startswith("-"):
        return term
    return f'"{term}"'


def _suffix(source_cfg: Any, officials: list[str]) -> str:
    parts = ["-is:retweet"]
    langs = [f"lang:{lang}" for lang in source_cfg.languages]
    if len(langs) == 1:
        parts.append(langs[0])
    elif langs:
        parts.append("(" + " OR ".join(langs) + ")")
    parts.extend(f"-{quote_term(t)}" for t in source_cfg.exclude_terms)
    parts.extend(f"-from:{h}" for h in officials)
    return " ".join(parts)


def _mention_terms(cfg: Any, officials: list[str]) -> list[str]:
    terms = [quote_term(t) for t in cfg.brand.terms]
    for h in officials:
        terms += [f"@{h}", f"to:{h}"]
    return list(dict.fromkeys(terms))  # keep order, drop repeats (an alias equal to a name)


def _pack(terms: list[str], suffix: str, cap: int, where: str) -> list[str]:
    """Greedy packing of OR-ed terms into queries no longer than ``cap`` characters.

    The queries partition the stream: each one also excludes every term of the queries before it
    (``-term`` one by one, as X asks), so a post matching terms of two queries (a reply ``to:`` the
    brand that also names it) is read, and billed, once."""
    out: list[str] = []
    group: list[str] = []
    before: list[str] = []  # terms of the queries already emitted

    def render(g: list[str]) -> str:
        core = g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")"
        return " ".join([core, suffix, *(f"-{t}" for t in before)])

    for term in terms:
        if len(render([term])) > cap:
            raise ConfigError([
                f"{where}.query_max_length: the term {term!r} with the filters and the exclusions "
                f"that keep split queries apart ({len(render([term]))} characters) does not fit {cap}; "
                "shorten the keywords, exclude_terms or languages, or raise query_max_length "
                "(512 self-serve, 4096 Enterprise)"])
        if group and len(render([*group, term])) > cap:
            out.append(render(group))
            before.extend(group)
            group = []
            if len(render([term])) > cap:
                raise ConfigError([
                    f"{where}.query_max_length: {len(terms)} keywords need more than {cap} characters "
                    "once split queries exclude each other's terms; use fewer keywords or raise "
                    "query_max_length (512 self-serve, 4096 Enterprise)"])
        group.append(term)
    if group:
        out.append(render(group))
    return out


def plan(cfg: Any, source_cfg: Any) -> list[PlannedQuery]:
    """Every query this source sends, in the order it sends them (mentions first, then official)."""
    officials = cfg.official_handles("twitter")
    cap = source_cfg.query_max_length
    where = source_key_path(cfg, source_cfg)  # as check-config prints every other problem
    mentions = _pack(_mention_terms(cfg, officials), _suffix(source_cfg, officials), cap, where)
    out = [PlannedQuery("mentions", q, label=_mention_label(q, i, len(mentions)))
           for i, q in enumerate(mentions, 1)]
    out += [PlannedQuery("official", f"from:{h} -is:retweet", h, label=f"from:{h}") for h in officials]
    return out


def _mention_label(query: str, index: int, total: int) -> str:
    first = query.lstrip("(").split(" OR ")[0].split(" ")[0]
    return f"mentions {index}/{total} ({first} …)" if total > 1 else f"mentions ({first} …)"


def source_key_path(cfg: Any, source_cfg: Any) -> str:
    """``sources[<index>]``: the key path check-config uses for this source's settings."""
    return next((f"sources[{i}]" for i, s in enumerate(cfg.sources) if s.name == source_cfg.name),
                f"sources.{source_cfg.name}")


def planned_queries(cfg: Any, source_cfg: Any) -> list[str]:
    """The query strings (for ``check-config`` and ``collect --dry-run``)."""
    return [q.text for q in plan(cfg, source_cfg)]


def full_text(tweet: Mapping[str, Any]) -> str:
    """The whole text: ``note_tweet.text`` for a long post (``text`` is cut at ~270 characters).

    X escapes ``&``, ``<`` and ``>`` in post text (``&amp;``, as the v1.1 and v2 APIs document); the
    store keeps what the author wrote, and the report escapes it again for HTML.
    """
    note = tweet.get("note_tweet")
    if isinstance(note, Mapping) and isinstance(note.get("text"), str) and note["text"].strip():
        return _unescape(str(note["text"]))
    return _unescape(str(tweet.get("text") or ""))


def _unescape(text: str) -> str:
    # Only the three X escapes: html.unescape would also turn a literal "&copy" a user typed into ©.
    if "&" not in text:
        return text
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _position(st: dict[str, Any]) -> tuple[datetime, dict[str, Any]] | None:
    """Where a query's cursor would continue from: an unfinished pagination's lower bound, else its
    since_id / since_time; as (time, the bound) so positions of different kinds compare."""
    pending = st.get("pending") or {}
    bound = dict(pending.get("lower") or {})
    if not bound:
        bound = ({"since_id": st["since_id"]} if st.get("since_id")
                 else {"start_time": st["since_time"]} if st.get("since_time") else {})
    if bound.get("since_id"):
        return snowflake_time(bound["since_id"]), {"since_id": str(bound["since_id"])}
    if bound.get("start_time"):
        when = datetime.fromisoformat(str(bound["start_time"]).replace("Z", "+00:00"))
        return when, {"since_time": iso(when)}
    return None


def carry_over(old: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Cursor state for a new query replacing ``old`` ones (keywords edited): the oldest position any
    of them would continue from (an unfinished pagination is restarted from its lower bound: its
    next_token belongs to the old query), the newest floor and any unfinished backfill range."""
    positions = [p for p in (_position(st) for st in old) if p]
    if not positions:
        return None
    _when, bound = min(positions, key=lambda p: p[0])
    state: dict[str, Any] = {**bound, "pending": None}
    floors = [st["floor"] for st in old if st.get("floor")]
    if floors:
        state["floor"] = max(floors)
    backfills = [st["backfill"] for st in old if st.get("backfill")]
    if backfills:
        state["backfill"] = {"start": min(b["start"] for b in backfills), "end": max(b["end"] for b in backfills),
                             "next_token": None}
    return state


def describe_position(state: dict[str, Any]) -> str:
    if state.get("since_id"):
        return f"after post {state['since_id']}, {snowflake_time(state['since_id']):%Y-%m-%d %H:%M} UTC"
    return f"from {datetime.fromisoformat(state['since_time']):%Y-%m-%d %H:%M} UTC"


def snowflake_time(post_id: str | int) -> datetime:
    """Creation time encoded in a tweet id (exact to the millisecond for ids since late 2010)."""
    ms = (int(post_id) >> 22) + _TWEPOCH_MS
    return datetime.fromtimestamp(ms / 1000, UTC)


def id_max(a: str | None, b: str | None) -> str | None:
    """The newer of two tweet ids (ids are decimal strings; compare as integers)."""
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) >= int(b) else b


def id_min(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return a if int(a) <= int(b) else b


def window_start(now: datetime) -> datetime:
    """Oldest start_time recent search accepts, with a minute of margin, to the second."""
    return (now - RECENT_WINDOW + timedelta(minutes=1)).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat()


def zulu(dt: datetime) -> str:
    """The timestamp form X documents for start_time/end_time (``YYYY-MM-DDTHH:mm:ssZ``)."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

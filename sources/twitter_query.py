"""X recent-search queries built from config, and snowflake-id helpers.

Two kinds of query, each with its own cursor (``sources.base.query_key`` of the query text):

* **mentions**: brand names, aliases, ``@handle`` and ``to:handle`` OR-ed together, ``-is:retweet``,
  optional ``lang:`` filters and exclusion terms. X caps a query's length (512 characters on the
  self-serve tiers, 4,096 on Enterprise: docs.x.com "Build a query"), so a long keyword list is split
  into several queries that each fit ``query_max_length``.
* **official**: ``from:<handle> -is:retweet`` per official account, so the brand's replies are read
  even when they carry no keyword. Mention queries carry ``-from:<handle>`` for every official account
  so each official post is read (and billed) once, by the official query only. That exclusion would
  otherwise hide official non-reply posts containing a brand term, hence ``-is:retweet`` rather than
  ``is:reply`` on the official query. X asks not to negate groups (``-(a OR b)``), so each exclusion
  is negated on its own.
"""

from __future__ import annotations

import re
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
    """Greedy packing of OR-ed terms into queries no longer than ``cap`` characters."""
    out: list[str] = []
    group: list[str] = []

    def render(g: list[str]) -> str:
        core = g[0] if len(g) == 1 else "(" + " OR ".join(g) + ")"
        return f"{core} {suffix}"

    for term in terms:
        if len(render([term])) > cap:
            raise ConfigError([
                f"{where}.query_max_length: the term {term!r} with the filters "
                f"({len(render([term]))} characters) does not fit {cap}; shorten exclude_terms/languages "
                "or raise query_max_length (512 self-serve, 4096 Enterprise)"])
        if group and len(render([*group, term])) > cap:
            out.append(render(group))
            group = []
        group.append(term)
    if group:
        out.append(render(group))
    return out


def plan(cfg: Any, source_cfg: Any) -> list[PlannedQuery]:
    """Every query this source sends, in the order it sends them (mentions first, then official)."""
    officials = cfg.official_handles("twitter")
    cap = source_cfg.query_max_length
    # The key path as check-config prints every other problem: sources[<index>].<key>.
    where = next((f"sources[{i}]" for i, s in enumerate(cfg.sources) if s.name == source_cfg.name),
                 f"sources.{source_cfg.name}")
    mentions = _pack(_mention_terms(cfg, officials), _suffix(source_cfg, officials), cap, where)
    out = [PlannedQuery("mentions", q) for q in mentions]
    out += [PlannedQuery("official", f"from:{h} -is:retweet", h) for h in officials]
    return out


def planned_queries(cfg: Any, source_cfg: Any) -> list[str]:
    """The query strings (for ``check-config`` and ``collect --dry-run``)."""
    return [q.text for q in plan(cfg, source_cfg)]


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

"""check-config's words: pydantic errors rewritten for people, "did you mean", bad dates (issue 12).

Kept apart from monitor/config.py so the models stay readable; config.parse_config and load_config
call these.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Iterable
from typing import Any

# What people call a source kind -> our type name (check-config's "did you mean" beyond spelling).
_TYPE_WORDS = {"rss": "feed", "atom": "feed", "rsshub": "feed", "x": "twitter", "tweets": "twitter",
               "twarc2": "twarc", "archive": "twarc", "status": "statuspage", "forum": "discourse",
               "play": "googleplay", "google": "googleplay", "playstore": "googleplay", "ios": "appstore",
               "itunes": "appstore", "apple": "appstore", "binance": "market", "ccxt": "market",
               "prices": "market", "toot": "mastodon", "fediverse": "mastodon"}


def friendly(err: Any, known_keys: Iterable[str]) -> str:
    """pydantic's message in our words: what is wrong and what would be right (issue 12).

    ``err`` is one item of ``ValidationError.errors()``; ``known_keys`` every setting name (for "did you
    mean"). Kept free of the models (``monitor.config`` passes them) so this module imports nothing of ours.
    """
    kind, loc, value = err["type"], err["loc"], err.get("input")
    if kind == "extra_forbidden" and f"{loc[-1]}_env" in set(known_keys):
        return (f"unknown setting {loc[-1]!r}: secrets never go in config.yaml; put the value in an environment "
                f"variable and name that variable in {loc[-1]}_env (e.g. {loc[-1]}_env: MY_{str(loc[-1]).upper()})")
    if kind == "extra_forbidden":
        # a name valid elsewhere (``name`` under ``brand``, which wants ``names``) must not suggest itself
        near = difflib.get_close_matches(str(loc[-1]), sorted(set(known_keys) - {str(loc[-1])}), n=1, cutoff=0.75)
        hint = f"; did you mean {near[0]!r}?" if near else " (check the spelling against config.yaml's comments)"
        return f"unknown setting {loc[-1]!r}{hint}"
    if kind == "union_tag_invalid":
        # pydantic names the tags the union accepts ("'feed', 'twarc', ..."): the list stays true as types are added
        tags = re.findall(r"'([^']+)'", str(err["ctx"].get("expected_tags", "")))
        given = str(value.get("type") if isinstance(value, dict) else value).lower()
        if _TYPE_WORDS.get(given) in tags:
            return f"unknown source type {given!r}; did you mean {_TYPE_WORDS[given]!r}? use one of {', '.join(tags)}"
        near = difflib.get_close_matches(str(value.get("type") if isinstance(value, dict) else value), tags, n=1)
        hint = f"did you mean {near[0]!r}? " if near else ""
        return f"unknown source type {err['ctx'].get('tag')!r}; {hint}use one of {', '.join(tags)}"
    if kind == "missing":
        return "required setting is missing"
    if kind in ("int_parsing", "float_parsing", "int_type", "float_type"):
        return f"must be a number, not {value!r}"
    if kind in ("bool_parsing", "bool_type"):
        return f"must be true or false, not {value!r}"
    if kind == "string_pattern_mismatch" and str(loc[-1]).endswith("_env"):
        return "must be the NAME of an environment variable (letters, digits, _), never the token itself"
    msg = err["msg"].removeprefix("Value error, ")
    return re.sub(r"^(Input|String|List|Dictionary|Value) should( be)?", lambda m: "must" + (m[2] or ""), msg)


def named(loc: str, data: Any) -> str:
    """``sources[1].url`` -> ``sources[1] (weibo-search).url``: people know their sources by name."""
    m = re.match(r"^sources\[(\d+)\]", loc)
    try:
        name = data["sources"][int(m.group(1))].get("name") if m else None
    except (KeyError, IndexError, TypeError, AttributeError):
        name = None
    return f"{m.group(0)} ({name}){loc[m.end():]}" if m and name else loc


def bad_date(text: str) -> str:
    """`` (line N)``: the first YYYY-MM-DD in ``text`` that is not a real day, as the loader saw it."""
    for n, line in enumerate(text.splitlines(), 1):
        for m in re.finditer(r"(?<![\w-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w-])", line):
            try:
                dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return f" (line {n}: {m[0]})"
    return ""

"""Quoted text is not the author's: mark it as ``> `` lines, the one form detection skips.

``detection.ignore_quoted`` blanks lines starting with ``>`` before matching (monitor.detect.engine)
and skips a post opening with ``RT @``. Platforms quote in other forms, which the sources turn into
``> `` lines when they build a post's text:

* HTML ``<blockquote>`` (RSSHub's Weibo/Telegram/Mastodon routes put a repost's original there);
* Weibo repost chains ``my words//@B: B's words//@C: ...`` (everything from the first ``//@`` on was
  written by others);
* a classic retweet inside a comment, ``my words RT @B: B's words``.

The author's own words stay as they are, so a complaint written *about* a quoted post still counts.
"""

from __future__ import annotations

import html as htmllib
import itertools
import re
from collections.abc import Callable

_INNERMOST = re.compile(r"<blockquote\b[^>]*>((?:(?!<blockquote\b).)*?)</blockquote>", re.S | re.I)
_CHAIN = re.compile(r"//\s*@\s?[^\s:：/]{1,40}\s*[:：]")
_MID_RT = re.compile(r"(?<=\S)\s+(?=RT @\w{1,15}:)")
_WIDE_SPACE = re.compile(r"[\u2002\u2003\u2009\u3000\xa0]+")
# plain() turns tags into spaces: "<a>小明</a>:" -> "小明 :", "@<a>B</a>" -> "@ B".
_TAG_GAP = re.compile(r"(?<=\S) +(?=[:：,，。！？!?])|(?<=@) (?=[^\s@])")


def _quote_lines(text: str) -> str:
    return "\n".join(f"> {line.strip()}" for line in text.splitlines() if line.strip())


def html_text(fragment: str, plain: Callable[[str], str]) -> str:
    """``plain(fragment)`` with each ``<blockquote>`` (innermost first) as ``> `` lines."""
    while True:
        new = _INNERMOST.sub(lambda m: "<br>" + htmllib.escape(_quote_lines(plain(m.group(1)))) + "<br>",
                             fragment)
        if new == fragment:
            break
        fragment = new
    text = _TAG_GAP.sub("", _WIDE_SPACE.sub(" ", plain(fragment)))
    return mark_inline_quotes("\n".join(line.strip() for line in text.splitlines() if line.strip()))


def mark_inline_quotes(text: str) -> str:
    """Split Weibo ``//@name:`` chains and a mid-text ``RT @name:`` off the author's words."""
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith(">"):
            out.append(line)
            continue
        m = _CHAIN.search(line)
        if m:
            own, rest = line[:m.start()].rstrip(), line[m.start():]
            if own:
                out.append(own)
            starts = [c.start() for c in _CHAIN.finditer(rest)] + [len(rest)]
            out.extend(f"> {rest[a:b].strip()}" for a, b in itertools.pairwise(starts) if rest[a:b].strip())
            continue
        parts = _MID_RT.split(line, maxsplit=1)
        out.append(parts[0])
        if len(parts) == 2:
            out.append(f"> {parts[1]}")
    return "\n".join(out)


def own_text(text: str) -> str:
    """The author's lines only (no ``> `` lines), whitespace collapsed."""
    return " ".join(" ".join(line.split()) for line in text.splitlines() if not line.startswith(">")).strip()

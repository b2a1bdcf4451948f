"""HTML pages: Jinja2 with autoescape, tables with HTML escaping on every header and cell.

Post text is untrusted (anyone can post ``<script>`` or ``javascript:`` links mentioning the brand):
:func:`table` escapes each cell and link (markupsafe), Jinja autoescapes everything else, and a
link is only rendered for an http(s) URL with a host. The page loads nothing: no script, no
stylesheet or font URL, charts are inline SVG.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape


def safe_url(url: str | None) -> str | None:
    """``url`` when it is http(s) with a host and no whitespace/control characters, else None."""
    if not url or any(ch.isspace() or ord(ch) < 32 for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _env() -> Environment:
    return Environment(loader=PackageLoader("reports", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


# Columns of free text: they wrap (anywhere, for long URLs in posts); every other cell (dates,
# handles, figures) never breaks inside a word, and the table scrolls sideways on a phone instead.
WRAP = ("post", "title", "complaint answered", "what overlapped it", "lure", "text")


def _cell(value: Any) -> Markup:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return Markup("")
    return escape(str(value))


def table(frame: pd.DataFrame, uuid: str, links: Mapping[str, str] | None = None, empty: str = "none") -> Markup:
    """An HTML table in a sideways-scrolling box; every header and cell is HTML-escaped.

    ``links`` maps a column of (already safe, see :func:`safe_url`) URLs to the link text shown.
    Written by hand rather than with pandas' Styler: the same escaping, ~10x faster on the day's
    complaint list, which is what the report spends its time on at a million posts.
    """
    if frame.empty:
        return Markup('<p class="empty">{}</p>').format(empty)
    cols = [str(c) for c in frame.columns]
    links = links or {}
    head = Markup("").join(Markup("<th>{}</th>").format(c) for c in cols)
    # class "link": white-space nowrap (base.css.html), so a squeezed column never breaks "ope/n".
    link = Markup('<a class="link" href="{}" rel="noopener noreferrer nofollow">{}</a>')
    opening = [Markup('<td class="w">') if c in WRAP else Markup("<td>") for c in cols]
    body = []
    for values in frame.itertuples(index=False, name=None):
        cells = []
        for c, td, v in zip(cols, opening, values, strict=True):
            inner = (link.format(v, links[c]) if v else Markup("")) if c in links else _cell(v)
            cells.append(td + inner + Markup("</td>"))
        body.append(Markup("<tr>") + Markup("").join(cells) + Markup("</tr>"))
    return (Markup('<div class="scroll"><table class="data" id="T_{}"><thead><tr>').format(uuid) + head
            + Markup("</tr></thead><tbody>") + Markup("\n").join(body) + Markup("</tbody></table></div>"))


def render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)

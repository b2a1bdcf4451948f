"""HTML pages: Jinja2 with autoescape, tables from pandas Styler with HTML escaping on every cell.

Post text is untrusted (anyone can post ``<script>`` or ``javascript:`` links mentioning the brand):
Styler escapes each cell (``escape="html"``, applied *before* a column's formatter runs), Jinja
autoescapes everything else, and a link is only rendered for an http(s) URL with a host. The page
loads nothing: no script, no stylesheet or font URL, charts are inline SVG.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup


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


def table(frame: pd.DataFrame, uuid: str, links: Mapping[str, str] | None = None, empty: str = "none") -> Markup:
    """A Styler table in a sideways-scrolling box; ``links`` maps a column of (already safe) URLs to
    the link text shown."""
    if frame.empty:
        return Markup('<p class="empty">{}</p>').format(empty)
    styler = frame.style.hide(axis="index").format(escape="html", na_rep="")
    for col, label in (links or {}).items():

        def link(url: Any, _label: str = label) -> str:
            # ``url`` arrives HTML-escaped; only values that passed safe_url are in the column.
            # class "link": white-space nowrap (base.css.html), or the cells' overflow-wrap:anywhere
            # lets a squeezed column break the label ("ope/n").
            return f'<a class="link" href="{url}" rel="noopener noreferrer nofollow">{_label}</a>' if url else ""

        styler = styler.format(link, subset=[col], escape="html", na_rep="")
    wrap = {c: [{"selector": "td", "props": "white-space: normal; overflow-wrap: anywhere; min-width: 14em"}]
            for c in frame.columns if c in WRAP}
    if wrap:
        styler = styler.set_table_styles(wrap, overwrite=False)
    styler = styler.set_uuid(uuid).set_table_attributes('class="data"')
    return Markup('<div class="scroll">') + Markup(styler.to_html()) + Markup("</div>")


def render(template: str, **context: Any) -> str:
    return _env().get_template(template).render(**context)

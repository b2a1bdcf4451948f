"""Typed access to what `responses` recorded: a prepared request's url and body are Optional in the stubs,
and every request a source sends has both a url and (for a POST) a body."""

from __future__ import annotations

import re

from requests import PreparedRequest
from responses import Call

Reply = tuple[int, dict[str, str], str]  # what a `responses` callback returns: status, headers, body


def url(call: Call | PreparedRequest) -> str:
    """The request's full URL (query string included), of a recorded call or of a callback's request."""
    request = call.request if isinstance(call, Call) else call
    assert request.url is not None
    return request.url


def body(call: Call) -> str | bytes:
    """The request's body (a POST's)."""
    assert call.request.body is not None
    return call.request.body


def group1(pattern: str, text: str) -> str:
    """The first group of ``pattern``'s first match in ``text``; the match must exist."""
    m = re.search(pattern, text)
    assert m is not None, f"{pattern!r} not in {text!r}"
    return m.group(1)

"""Polite HTTP for feeds and status APIs: conditional GET, size cap, timeouts, and clear errors.

One function, :func:`fetch`, used by every source that reads a URL. It never parses: the caller
decides what the bytes are. Behaviour a feed host can rely on from us:

* ``User-Agent`` names the project (``Config.user_agent``); ``Accept-Encoding: gzip`` (requests).
* ``If-None-Match`` / ``If-Modified-Since`` from the saved cursor; a 304 returns no body.
* 301/308 are permanent: the caller stores the new URL (302/307 are followed, not stored).
* 410 Gone raises :class:`SourceDisabled`; 429/503 raise :class:`RateLimited` honouring
  ``Retry-After`` (seconds or an HTTP date).
* The body is streamed and cut off at ``max_bytes`` (decoded size, so a gzip bomb stops too).
* ``file://`` URLs are read from disk (demo data, ``make feeds-check``); mtime+size act as an ETag.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests

from monitor.errors import RateLimited, SourceDisabled, SourceError
from sources.base import utc

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_RETRY = timedelta(minutes=30)  # 429/503 without a usable Retry-After
_LOCAL_TYPES = {".atom": "application/atom+xml", ".rss": "application/rss+xml", ".json": "application/json"}


@dataclass(slots=True)
class FetchResult:
    status: int  # 200 or 304
    url: str  # the URL to use next time (after permanent redirects)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None
    moved_from: str | None = None  # set when a 301/308 changed the URL
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass(slots=True)
class HostPacer:
    """Polite spacing between requests to the same host.

    One pacer is shared by the sources of a pass (see :func:`share_pacer`); the daemon may share one
    across its jobs too: a caller reserves the host's next slot under a lock, then sleeps outside it,
    so concurrent jobs queue up instead of firing together. Tests pass ``spacing=0`` or a recording
    ``sleep`` so nothing really waits.
    """

    spacing: float = 2.0
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    last: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, url: str) -> None:
        host = urlsplit(url).hostname
        if not host or self.spacing <= 0:
            return
        with self.lock:
            now = self.clock()
            prev = self.last.get(host)
            slot = now if prev is None else max(now, prev + self.spacing)
            self.last[host] = slot
        if slot > now:
            self.sleep(slot - now)


def share_pacer(sources: list[object], pacer: HostPacer | None = None) -> HostPacer:
    """Give every source that has a ``pacer`` attribute the same pacer (one per pass).

    The spacing is the largest ``host_spacing_seconds`` among them (2 s when none is configured).
    """
    if pacer is None:
        spacings = [getattr(getattr(s, "config", None), "host_spacing_seconds", None) for s in sources
                    if hasattr(s, "pacer")]
        pacer = HostPacer(spacing=max((x for x in spacings if x is not None), default=2.0))
    for s in sources:
        if hasattr(s, "pacer"):
            s.pacer = pacer
    return pacer


def retry_after(value: str | None, now: datetime) -> datetime:
    """``Retry-After`` as an aware UTC time: delta-seconds or an HTTP date; a default otherwise."""
    if value:
        value = value.strip()
        if value.isdigit():
            return now + timedelta(seconds=int(value))
        try:
            return utc(parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError):
            pass
    return now + DEFAULT_RETRY


def _read_file(name: str, url: str, max_bytes: int, etag: str | None) -> FetchResult:
    path = Path(url2pathname(urlsplit(url).path))
    try:
        st = path.stat()
    except OSError as exc:
        raise SourceError(name, f"cannot read {path} ({exc.strerror}); check the url") from None
    tag = f'"{st.st_mtime_ns}-{st.st_size}"'
    if etag == tag:
        return FetchResult(304, url, etag=tag)
    if st.st_size > max_bytes:
        raise SourceError(name, f"{path} is {st.st_size} bytes, over max_bytes={max_bytes}; raise max_bytes")
    # A local file has no Content-Type header; without one feedparser flags every file as bozo.
    ctype = _LOCAL_TYPES.get(path.suffix.lower(), "application/xml")
    return FetchResult(200, url, body=path.read_bytes(), etag=tag, content_type=ctype)


def _permanent_target(resp: requests.Response) -> str | None:
    """The URL reached through an unbroken chain of 301/308 from the start, if any."""
    chain = [*resp.history, resp]
    target = None
    for hop, nxt in itertools.pairwise(chain):
        if hop.status_code not in (301, 308):
            break
        target = nxt.url
    return target


def _check_status(name: str, url: str, resp: requests.Response, now: datetime) -> None:
    code = resp.status_code
    if code == 410:
        raise SourceDisabled(name, f"{url} answered 410 Gone: the feed was removed. Change or delete the "
                                   f"source's url in the config, then run `mention-monitor reset {name}`")
    if code in (429, 503):
        until = retry_after(resp.headers.get("Retry-After"), now)
        raise RateLimited(name, f"{url} answered {code}; retrying after {until.isoformat()}", until)
    if code in (401, 403):
        raise SourceError(name, f"{url} answered {code}: access denied (private feed or blocked agent)")
    if code >= 400:
        raise SourceError(name, f"{url} answered HTTP {code}")


def _read_capped(name: str, url: str, resp: requests.Response, max_bytes: int) -> bytes:
    declared = resp.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes and \
            "gzip" not in resp.headers.get("Content-Encoding", ""):
        raise SourceError(name, f"{url} declares {declared} bytes, over max_bytes={max_bytes}; "
                                "raise the source's max_bytes if the feed really is that large")
    buf = bytearray()
    for chunk in resp.iter_content(CHUNK):
        buf += chunk
        if len(buf) > max_bytes:
            raise SourceError(name, f"{url} sent more than max_bytes={max_bytes}; body cut off. Raise "
                                    "the source's max_bytes if the feed really is that large")
    return bytes(buf)


def fetch(name: str, url: str, *, session: requests.Session, user_agent: str, timeout: float,
          max_bytes: int, now: datetime, etag: str | None = None, last_modified: str | None = None
          ) -> FetchResult:
    """GET ``url`` politely. Raises SourceError (and subclasses) with a message naming ``name``."""
    if url.startswith("file://"):
        return _read_file(name, url, max_bytes, etag)
    headers = {"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        resp = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True)
    except requests.Timeout:
        raise SourceError(name, f"{url} timed out after {timeout:g}s; the next pass retries") from None
    except requests.RequestException as exc:
        raise SourceError(name, f"{url} could not be fetched ({type(exc).__name__}: {exc})") from None
    with resp:
        moved = _permanent_target(resp)
        if resp.status_code == 304:
            return FetchResult(304, moved or url, etag=etag, last_modified=last_modified,
                               moved_from=url if moved else None)
        _check_status(name, resp.url, resp, now)
        try:
            body = _read_capped(name, resp.url, resp, max_bytes)
        except requests.RequestException as exc:
            raise SourceError(name, f"{url} broke off while reading ({type(exc).__name__})") from None
        return FetchResult(
            resp.status_code, moved or url, body=body, etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"), content_type=resp.headers.get("Content-Type"),
            moved_from=url if moved else None, headers=dict(resp.headers))

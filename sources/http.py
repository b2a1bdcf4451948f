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
import math
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

import requests
import urllib3
from requests.adapters import HTTPAdapter

from monitor.errors import RateLimited, SourceDisabled, SourceError
from monitor.records import utc
from sources.neterr import network_problem

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_RETRY = timedelta(minutes=30)  # 429/503 without a usable Retry-After
# The longest wait a Retry-After (or an API's reset time) may impose; longer asks are clamped to this
# and the run's error says so. X's longest rate-limit windows are 24 hours.
MAX_RETRY_AFTER = timedelta(hours=24)
_counter = threading.local()
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


def share_pacer(sources: Sequence[object], pacer: HostPacer | None = None) -> HostPacer:
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


def _retry_after(value: str | None, now: datetime) -> tuple[datetime, bool]:
    """(when to retry, whether the server asked for longer than :data:`MAX_RETRY_AFTER`)."""
    limit = now + MAX_RETRY_AFTER
    if value:
        value = value.strip()
        if value.isdigit():
            if len(value) > 12 or int(value) > MAX_RETRY_AFTER.total_seconds():
                return limit, True
            return now + timedelta(seconds=int(value)), False
        try:
            when = utc(parsedate_to_datetime(value))
        except (TypeError, ValueError, IndexError, OverflowError):
            pass
        else:
            return (limit, True) if when > limit else (max(when, now), False)
    return now + DEFAULT_RETRY, False


def retry_after(value: str | None, now: datetime) -> datetime:
    """``Retry-After`` as an aware UTC time: delta-seconds or an HTTP date, at most
    :data:`MAX_RETRY_AFTER` ahead (a huge number or a date years away is a server bug, not a reason to
    stop collecting for years); a default when missing or unparsable."""
    return _retry_after(value, now)[0]


def reset_at(value: object, now: datetime, default: timedelta, *, seconds_until: bool = False) -> datetime:
    """A rate-limit reset header as an aware UTC time, at most :data:`MAX_RETRY_AFTER` ahead, for every client.

    ``value`` is seconds until the reset (always with ``seconds_until``, as Reddit sends; otherwise while
    under 1e9), an epoch time, or an HTTP date. Missing, unreadable or already past: ``now + default``.
    Huge, infinite or out-of-range values are a server bug: clamped, never an OverflowError.
    """
    limit = now + MAX_RETRY_AFTER
    try:
        number = float(str(value).strip()) if value is not None else math.nan
    except ValueError:  # an HTTP date, or nothing readable
        try:
            when = utc(parsedate_to_datetime(str(value).strip()))
        except (TypeError, ValueError, IndexError, OverflowError):
            return now + default
        return min(when, limit) if when > now else now + default
    if math.isnan(number):
        return now + default
    if not math.isfinite(number):
        return limit
    try:
        when = (datetime.fromtimestamp(number, UTC) if number > 1e9 and not seconds_until
                else now + timedelta(seconds=max(1.0, number)))
    except (OverflowError, OSError, ValueError):
        return limit
    return min(when, limit) if when > now else now + default


def requests_made() -> int:
    """HTTP requests sent by :func:`fetch` (and :func:`count_request` callers) in this thread so far.

    The pipeline reads it before and after a source's pass, so a pass that fails after its requests
    still counts them (quota accounting and ``status``)."""
    return getattr(_counter, "n", 0)


def count_request() -> None:
    _counter.n = requests_made() + 1


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
        asked = resp.headers.get("Retry-After")
        until, clamped = _retry_after(asked, now)
        note = (f" (its Retry-After {asked.strip()[:40]!r} is beyond the {MAX_RETRY_AFTER.total_seconds() / 3600:g} h "
                "maximum; clamped)") if clamped and asked else ""
        raise RateLimited(name, f"{url} answered {code}; retrying after {until.isoformat()}{note}", until)
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


_watch = threading.local()  # the sockets of the fetch running in this thread


def _register(sock: socket.socket | None) -> None:
    socks = getattr(_watch, "socks", None)
    if socks is not None and sock is not None:
        socks.append(sock)


class _HTTPConnection(urllib3.connection.HTTPConnection):
    """Registers its socket with the fetch in progress, so its deadline can shut it down."""

    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _register(self.sock)  # a kept-alive connection is reused without connect()
        return super().getresponse(*args, **kwargs)


class _HTTPSConnection(urllib3.connection.HTTPSConnection):
    def connect(self) -> None:
        super().connect()
        _register(self.sock)

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        _register(self.sock)
        return super().getresponse(*args, **kwargs)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter whose connections can be cut by :func:`fetch`'s overall deadline."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {"http": _HTTPPool, "https": _HTTPSPool}


def with_deadlines(session: requests.Session) -> None:
    for prefix in ("http://", "https://"):
        if type(session.adapters.get(prefix)) is HTTPAdapter:  # leave a caller's own adapter alone
            session.mount(prefix, DeadlineAdapter())


@contextmanager
def deadline(seconds: float) -> Iterator[threading.Event]:
    """Shut down this fetch's sockets when ``seconds`` have passed: requests' ``timeout`` is per socket
    read, so a server sending a byte a second (headers or body) would otherwise hold a pass forever.
    ``socket.socket.shutdown`` (not SSLSocket's) makes the blocked read fail at once, TLS or not."""
    socks: list[socket.socket] = []
    fired = threading.Event()

    def cut() -> None:
        fired.set()
        for sock in list(socks):
            with suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

    _watch.socks = socks
    timer = threading.Timer(seconds, cut)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
        _watch.socks = None


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
    count_request()
    with_deadlines(session)
    with deadline(timeout) as fired:
        try:
            return _get(name, url, session, headers, timeout, max_bytes, now, etag, last_modified, fired)
        except (requests.RequestException, OSError, ValueError, SourceError):
            if not fired.is_set():  # the deadline's cut shows up as whatever the read failed with
                raise
    raise SourceError(name, f"{url} did not finish within {timeout:g}s (timeout_seconds bounds the whole "
                            "fetch: the server is too slow or drip-feeding); the next pass retries")


def _get(name: str, url: str, session: requests.Session, headers: dict[str, str], timeout: float,
         max_bytes: int, now: datetime, etag: str | None, last_modified: str | None,
         fired: threading.Event) -> FetchResult:
    try:
        resp = session.get(url, headers=headers, timeout=timeout, stream=True, allow_redirects=True)
    except requests.Timeout:
        raise SourceError(name, f"{url} timed out after {timeout:g}s; the next pass retries") from None
    except requests.RequestException as exc:
        if fired.is_set():
            raise
        raise SourceError(name, f"{url}: {network_problem(exc, url)}; the next pass retries") from None
    with resp:
        moved = _permanent_target(resp)
        if resp.status_code == 304:
            if not (etag or last_modified):
                raise SourceError(name, f"{url} answered 304 Not Modified to a request that had no "
                                        "validators: that is not a feed; check the url (a proxy or CDN may "
                                        "be answering for it)")
            return FetchResult(304, moved or url, etag=etag, last_modified=last_modified,
                               moved_from=url if moved else None)
        _check_status(name, resp.url, resp, now)
        try:
            body = _read_capped(name, resp.url, resp, max_bytes)
        except requests.RequestException as exc:
            if fired.is_set():
                raise
            raise SourceError(name, f"{url} broke off while reading ({type(exc).__name__})") from None
        return FetchResult(
            resp.status_code, moved or url, body=body, etag=resp.headers.get("ETag"),
            last_modified=resp.headers.get("Last-Modified"), content_type=resp.headers.get("Content-Type"),
            moved_from=url if moved else None, headers=dict(resp.headers))

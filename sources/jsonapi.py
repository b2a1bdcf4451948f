"""GET a JSON API under the same error policy as the X source (see :mod:`sources.twitter_api`).

Used by the forum, app-store and market sources that read plain JSON over HTTP:

* 429 (and 503 with ``Retry-After``) raise :class:`RateLimited` at the time the server names
  (``Retry-After`` seconds or HTTP date, else ``X-RateLimit-Reset``, else 15 minutes): the runner skips
  the source until then instead of sleeping inside a job.
* 5xx, timeouts and connection errors are retried ``max_retries`` times with exponential backoff and
  jitter, then give up with one :class:`SourceError` line; the next pass resumes from the cursor.
* 401/403 raise :class:`AuthError` naming the environment variables to check; 410 raises
  :class:`SourceDisabled`; other 4xx a :class:`SourceError`.
* A body that is not JSON (an HTML login or error page, a truncated answer) raises :class:`SourceError`.
* Bodies are capped at ``max_bytes`` (decoded size).
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

import requests

from monitor.errors import AuthError, RateLimited, SourceDisabled, SourceError
from sources.http import HostPacer, _read_capped, _read_file, deadline, reset_at, retry_after, with_deadlines
from sources.neterr import network_problem

log = logging.getLogger(__name__)

_DEFAULT_RESET = timedelta(minutes=15)


class JsonApi:
    """One source's JSON client. ``sleep``/``rng`` are injectable so tests never wait.

    ``requests`` counts HTTP attempts (each costs rate-limit allowance) for the run row.
    """

    def __init__(self, source: str, *, session: requests.Session, user_agent: str, timeout: float,
                 max_retries: int, now: Callable[[], datetime], max_bytes: int = 10_000_000,
                 headers: Mapping[str, str] | None = None, auth_hint: str = "",
                 pacer: HostPacer | None = None, sleep: Callable[[float], None] = time.sleep,
                 rng: random.Random | None = None) -> None:
        self.source, self.session, self.timeout = source, session, timeout
        self.max_retries, self.now, self.max_bytes = max_retries, now, max_bytes
        self.headers = {"User-Agent": user_agent, "Accept": "application/json", **(headers or {})}
        self.auth_hint, self.pacer, self.sleep = auth_hint, pacer, sleep
        self.rng = rng or random.Random()
        self.requests = 0
        with_deadlines(session)  # its sockets can be cut when a request outlives timeout_seconds

    def get(self, url: str, params: Mapping[str, Any] | list[tuple[str, Any]] | None = None) -> Any:
        """GET ``url`` and return the decoded JSON document."""
        return self.request("GET", url, params)

    def request(self, method: str, url: str, params: Any = None, data: bytes | None = None,
                headers: Mapping[str, str] | None = None, raw: bool = False) -> Any:
        """One call under the policy; ``raw=True`` returns the body bytes undecoded."""
        attempt = 0
        while True:
            attempt += 1
            self.requests += 1
            if self.pacer is not None:
                self.pacer.wait(url)
            ok, doc, why = self._bounded(method, url, params, data, headers, raw)
            if ok:
                return doc
            if attempt > self.max_retries:
                raise SourceError(self.source, f"{url} failed {attempt} times ({why}); giving up for this "
                                               "pass, the next pass resumes from the saved cursor")
            delay = min(60.0, 2.0 * 2 ** (attempt - 1)) + self.rng.uniform(0, 1.0)
            log.warning("%s: %s failed (%s), retry %d/%d in %.1fs", self.source, url, why, attempt,
                        self.max_retries, delay)
            self.sleep(delay)

    def _bounded(self, method: str, url: str, params: Any, data: bytes | None,
                 headers: Mapping[str, str] | None, raw: bool) -> tuple[bool, Any, str]:
        """:meth:`_once` within ``timeout`` as a whole (sources.http.deadline, as http.fetch and the X client
        do): the session's timeout is per socket read, which a server dripping bytes never trips."""
        with deadline(self.timeout) as fired:
            try:
                ok, doc, why = self._once(method, url, params, data, headers, raw)
            except (requests.RequestException, OSError, ValueError):
                if not fired.is_set():
                    raise
                ok, doc, why = False, None, ""
        if fired.is_set() and not ok:
            why = f"did not finish within {self.timeout:g}s (timeout_seconds bounds the whole request)"
        return ok, doc, why

    def _once(self, method: str, url: str, params: Any, data: bytes | None, headers: Mapping[str, str] | None,
              raw: bool) -> tuple[bool, Any, str]:
        """One attempt: (True, document, "") or (False, None, why to retry); final errors raise."""
        if url.startswith("file://"):  # the demo's and tests' static answers; parameters do not apply
            body = _read_file(self.source, url, self.max_bytes, None).body
            return self._decode(url, body, raw, "application/json")
        try:
            resp = self.session.request(method, url, params=params, data=data, headers={**self.headers,
                                        **(headers or {})}, timeout=self.timeout, stream=True)
        except requests.Timeout:
            return False, None, f"timed out after {self.timeout:g}s"
        except requests.ConnectionError as exc:
            return False, None, network_problem(exc, url)
        with resp:
            code = resp.status_code
            if code == 429 or (code == 503 and resp.headers.get("Retry-After")):
                until = self._reset(resp)
                raise RateLimited(self.source, f"{url} answered {code} (rate limit); skipping this source "
                                               f"until {until:%Y-%m-%d %H:%M:%S} UTC", until)
            if code >= 500:
                return False, None, f"HTTP {code}"
            self._check_client_error(url, code)
            try:
                body = _read_capped(self.source, url, resp, self.max_bytes)
            except requests.RequestException as exc:
                return False, None, f"broke off while reading ({type(exc).__name__})"
        return self._decode(url, body, raw, resp.headers.get("Content-Type", "unknown"))

    def _decode(self, url: str, body: bytes, raw: bool, ctype: str) -> tuple[bool, Any, str]:
        if raw:
            return True, body, ""
        try:
            return True, json.loads(body), ""
        except ValueError:
            raise SourceError(self.source, f"{url} did not return JSON (content-type {ctype}, "
                                           f"{len(body)} bytes); check the source's URL") from None

    def _check_client_error(self, url: str, code: int) -> None:
        if code in (401, 403):
            raise AuthError(self.source, f"{url} answered {code}: access denied. {self.auth_hint}".strip())
        if code == 410:
            raise SourceDisabled(self.source, f"{url} answered 410 Gone; fix the source's settings, then "
                                              f"run `mention-monitor reset {self.source}`")
        if code >= 400:
            raise SourceError(self.source, f"{url} answered HTTP {code}")

    def _reset(self, resp: requests.Response) -> datetime:
        now = self.now()
        if resp.headers.get("Retry-After"):
            return retry_after(resp.headers["Retry-After"], now)
        return reset_at(resp.headers.get("X-RateLimit-Reset"), now, _DEFAULT_RESET)


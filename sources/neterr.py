"""Network failures in words an operator can act on, for every source.

requests wraps the cause several layers deep (``ConnectionError`` -> urllib3 ``MaxRetryError`` ->
``NameResolutionError`` -> ``socket.gaierror``), and its message ("HTTPSConnectionPool(host=..., port=443):
Max retries exceeded with url: ... (Caused by NameResolutionError(...))") says neither what happened nor
what to check. :func:`network_problem` walks the chain and names the cause: a host that does not
resolve, a refused port, a reset, a TLS failure, a proxy. Sources put it in their one-line error.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from urllib.parse import urlsplit


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and every exception it was caused by or wraps (``__cause__``, ``reason``, args)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        yield e
        todo += [e.__cause__, e.__context__, getattr(e, "reason", None)]
        todo += [a for a in getattr(e, "args", ()) if isinstance(a, BaseException)]


def _where(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    host = parts.hostname or url
    port = parts.port or (443 if parts.scheme == "https" else 80 if parts.scheme == "http" else None)
    return host, f"{host}:{port}" if port else host


def network_problem(exc: BaseException, url: str) -> str:
    """What went wrong reaching ``url``, and what to check: one clause, no library internals.

    >>> network_problem(ConnectionRefusedError(111, "Connection refused"), "http://127.0.0.1:1200/weibo")
    'connection refused by 127.0.0.1:1200 (is the service running, and is the port right?)'
    """
    host, hostport = _where(url)
    chain = list(_chain(exc))
    names = {type(e).__name__ for e in chain}
    if any(isinstance(e, socket.gaierror) for e in chain) or "NameResolutionError" in names:
        return f"cannot resolve host {host} (no network or DNS here, or a wrong host name in the url)"
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return f"connection refused by {hostport} (is the service running, and is the port right?)"
    if any(isinstance(e, ConnectionResetError) for e in chain):
        return f"{hostport} reset the connection (a firewall, or the server closing it)"
    if any(isinstance(e, ssl.SSLError) for e in chain) or "SSLError" in names:
        return f"the TLS handshake with {host} failed (a proxy intercepting HTTPS, or a bad certificate)"
    if "ProxyError" in names:
        return f"the proxy refused to connect to {host} (check HTTPS_PROXY / HTTP_PROXY)"
    if any(isinstance(e, TimeoutError | socket.timeout) for e in chain) or {"ConnectTimeout", "ReadTimeout"} & names:
        return f"no answer from {hostport} in time (the host is down, or unreachable from here)"
    text = " ".join(str(exc).split())
    what = "connection error" if "ConnectionError" in names else type(exc).__name__
    return f"{what} reaching {host}" + (f": {text[:120]}" if text else "")

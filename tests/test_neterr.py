"""Network failures name their cause in one clause (sources/neterr.py), whatever library wrapped them."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import pytest
import requests
import responses
import urllib3

from sources.neterr import network_problem


def _wrapped(cause: BaseException) -> requests.ConnectionError:
    """The shape requests raises: ConnectionError(MaxRetryError(reason=NewConnectionError... from cause))."""
    no_conn: Any = None  # the connection object is not read by what is tested
    inner = urllib3.exceptions.NewConnectionError(no_conn, f"Failed to establish a new connection: {cause}")
    inner.__cause__ = cause
    retry = urllib3.exceptions.MaxRetryError(no_conn, "/feed", reason=inner)
    return requests.ConnectionError(retry)


@pytest.mark.parametrize(("cause", "url", "expected"), [
    (socket.gaierror(-2, "Name or service not known"), "https://bitpie.example/feed.rss",
     "cannot resolve host bitpie.example"),
    (ConnectionRefusedError(111, "Connection refused"), "http://127.0.0.1:1200/weibo",
     "connection refused by 127.0.0.1:1200"),
    (ConnectionResetError(104, "Connection reset by peer"), "https://api.x.com/2/",
     "api.x.com:443 reset the connection"),
    (ssl.SSLError(1, "CERTIFICATE_VERIFY_FAILED"), "https://forum.example/latest.json",
     "the TLS handshake with forum.example"),
    (TimeoutError("timed out"), "https://slow.example/", "no answer from slow.example:443"),
])
def test_the_cause_is_named_through_the_wrapping(cause: BaseException, url: str, expected: str) -> None:
    text = network_problem(_wrapped(cause), url)
    assert text.startswith(expected), text
    assert "Max retries" not in text and "HTTPSConnectionPool" not in text


def test_an_unknown_failure_keeps_its_type_and_host() -> None:
    assert network_problem(ValueError("odd"), "https://x.example/a") == "ValueError reaching x.example: odd"


@responses.activate
def test_a_feed_that_cannot_be_reached_says_why_in_one_line(tmp_path: object) -> None:
    from pathlib import Path

    from monitor.pipeline import build_sources, run_source
    from monitor.store import open_store
    from tests.conftest import base_config

    url = "https://feeds.bitpie.example/notices.rss"
    responses.get(url, body=_wrapped(socket.gaierror(-2, "Name or service not known")))
    cfg = base_config(Path(str(tmp_path)), sources=[{"name": "notices", "type": "feed", "url": url,
                                                     "host_spacing_seconds": 0}])
    engine = open_store(f"sqlite:///{Path(str(tmp_path)) / 's.db'}")
    try:
        (source,) = build_sources(cfg)
        res = run_source(engine, cfg, source)
    finally:
        engine.dispose()
    assert res.status == "error" and res.error is not None
    assert res.error.startswith(f"notices: {url}: cannot resolve host feeds.bitpie.example")
    assert "\n" not in res.error and "Caused by" not in res.error


NOW = __import__("datetime").datetime(2026, 11, 20, 12, 0, tzinfo=__import__("datetime").UTC)


@pytest.mark.parametrize(("value", "until", "expected_hours"), [
    ("120", False, 120 / 3600),  # seconds until
    (str(int(NOW.timestamp()) + 1800), False, 0.5),  # an epoch time
    ("9" * 30, False, 24.0),  # absurd: clamped to MAX_RETRY_AFTER
    ("inf", True, 24.0),
    ("1e20", True, 24.0),
    (str(int(NOW.timestamp()) - 60), False, 0.25),  # already past: the default
    ("soon", False, 0.25),  # unreadable: the default
    (None, False, 0.25),
    ("Fri, 20 Nov 2026 13:00:00 GMT", False, 1.0),  # an HTTP date
])
def test_reset_headers_are_read_and_clamped_for_every_client(value: str | None, until: bool,
                                                             expected_hours: float) -> None:
    import datetime as dt

    from sources.http import reset_at

    got = reset_at(value, NOW, dt.timedelta(minutes=15), seconds_until=until)
    assert abs((got - NOW).total_seconds() / 3600 - expected_hours) < 1e-6, got

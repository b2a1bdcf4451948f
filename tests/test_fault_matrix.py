"""Fault matrix over every source: HTTP status codes, resets, timeouts, truncated / invalid / empty /
huge bodies, wrong content types, non-UTF-8, wrong JSON types, and file faults for imports. Every
case must end as a typed outcome (ok, error or skipped with a message naming the source), never as
an uncaught exception ("unexpected ..." on the run row) and never as an exception out of the runner."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from monitor.pipeline import build_sources, run_source
from tests.conftest import base_config

FEED_URL = "https://feeds.example/bitpie.rss"
STATUS_BASE = "https://status.example"
X_API = re.compile(r"https://api\.(twitter|x)\.com/.*")
RSS = (b"<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>t</title>"
       b"<item><title>bitpie \xe5\xae\xa2\xe6\x9c\x8d no reply</title><guid>g1</guid></item></channel></rss>")
STATUS = json.dumps({"scheduled_maintenances": [{"id": "m1", "name": "Node upgrade", "status": "scheduled",
                                                 "scheduled_for": "2026-11-20T01:00:00Z",
                                                 "scheduled_until": "2026-11-20T03:00:00Z",
                                                 "created_at": "2026-11-18T01:00:00Z", "incident_updates": []}],
                     "incidents": []}).encode()
TWEETS = json.dumps({"data": [{"id": "1860000000000000001", "text": "bitpie support no reply",
                               "author_id": "7", "created_at": "2026-11-20T07:00:00.000Z"}],
                     "includes": {"users": [{"id": "7", "username": "u", "name": "U"}]},
                     "meta": {"result_count": 1, "newest_id": "1860000000000000001",
                              "oldest_id": "1860000000000000001"}}).encode()

# (case, responses.add keyword arguments, given the source's valid body)
HttpFault = tuple[str, Callable[[bytes], dict[str, Any]]]
HTTP_FAULTS: list[HttpFault] = [
    *[(f"HTTP {code}", lambda b, c=code: {"status": c, "body": b"error"})
      for code in (400, 401, 403, 404, 410, 500, 502, 503, 504)],
    ("429 with Retry-After", lambda b: {"status": 429, "headers": {"Retry-After": "60"}}),
    ("429 with absurd Retry-After", lambda b: {"status": 429, "headers": {"Retry-After": "9" * 300}}),
    ("429 with x-rate-limit-reset far away", lambda b: {"status": 429, "headers": {"x-rate-limit-reset": "9" * 30}}),
    # the other clients' spellings (Discourse, Mastodon, the app stores: X-RateLimit-Reset; Reddit: seconds)
    ("429 with X-RateLimit-Reset far away", lambda b: {"status": 429, "headers": {"X-RateLimit-Reset": "9" * 30}}),
    ("429 with x-ratelimit-reset inf", lambda b: {"status": 429, "headers": {"x-ratelimit-reset": "inf"}}),
    ("connection reset", lambda b: {"body": requests.ConnectionError("Connection reset by peer")}),
    ("read timeout", lambda b: {"body": requests.ReadTimeout("read timed out")}),
    ("truncated body", lambda b: {"body": b[: len(b) // 2]}),
    ("truncated gzip", lambda b: {"body": gzip.compress(b)[:-12], "headers": {"Content-Encoding": "gzip"}}),
    ("invalid bytes", lambda b: {"body": b"\x00\xff\xfe<<garbage>>\x01" * 50}),
    ("empty 200", lambda b: {"body": b""}),
    ("huge body", lambda b: {"body": b" " * 3_000_000 + b}),
    ("declared huge", lambda b: {"body": b, "headers": {"Content-Length": "999999999999"}}),
    ("html page", lambda b: {"body": b"<!doctype html><html><body>Just a moment...</body></html>",
                             "content_type": "text/html"}),
    ("html as text/plain", lambda b: {"body": b"<div><p>maintenance page</p></div>", "content_type": "text/plain"}),
    ("json where xml", lambda b: {"body": b'{"ok": true}', "content_type": "application/json"}),
    ("xml where json", lambda b: {"body": RSS, "content_type": "application/rss+xml"}),
    ("latin-1 declared utf-8", lambda b: {"body": b.decode("utf-8").encode("latin-1", "replace") + b"\xe9\xff",
                                          "content_type": "application/xml; charset=utf-8"}),
    ("utf-16", lambda b: {"body": b.decode("utf-8").encode("utf-16")}),
    ("json wrong types", lambda b: {"body": b'{"data": "x", "scheduled_maintenances": {"a": 1}, "incidents": 5}',
                                    "content_type": "application/json"}),
    ("json list", lambda b: {"body": b"[1, 2, null]", "content_type": "application/json"}),
    ("json nested nonsense", lambda b: {"body": b'{"data": [1, "a", null, {"id": []}], "includes": 3, "meta": []}',
                                        "content_type": "application/json"}),
    ("unrequested 304", lambda b: {"status": 304}),
]

SOURCES: dict[str, tuple[dict[str, Any], Any, bytes]] = {
    "feed": ({"name": "f", "type": "feed", "url": FEED_URL, "max_bytes": 1_000_000, "timeout_seconds": 5,
              "host_spacing_seconds": 0}, FEED_URL, RSS),
    "feed-official": ({"name": "fo", "type": "feed", "url": FEED_URL, "official": True, "max_bytes": 1_000_000,
                       "host_spacing_seconds": 0}, FEED_URL, RSS),
    "statuspage": ({"name": "sp", "type": "statuspage", "base_url": STATUS_BASE, "max_bytes": 1_000_000},
                   re.compile(re.escape(STATUS_BASE) + r"/.*"), STATUS),
    "twitter": ({"name": "x", "type": "twitter", "bearer_token_env": "FAULT_X_TOKEN", "max_retries": 1}, X_API, TWEETS),
}
UNCAUGHT = re.compile(r": unexpected \w+")


def _run(tmp_path: Path, source_cfg: dict[str, Any]) -> Any:
    from monitor.store import open_store

    cfg = base_config(tmp_path, sources=[source_cfg])
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        (source,) = build_sources(cfg)
        if hasattr(source, "sleep"):
            source.sleep = lambda _s: None  # twitter's retry backoff
        if hasattr(source, "pacer"):
            source.pacer.spacing = 0
        return run_source(engine, cfg, source)
    finally:
        engine.dispose()


@pytest.mark.parametrize("kind", list(SOURCES))
@pytest.mark.parametrize(("case", "fault"), HTTP_FAULTS, ids=[c for c, _f in HTTP_FAULTS])
@responses.activate
def test_http_source_faults_end_typed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str, case: str,
                                      fault: Callable[[bytes], dict[str, Any]]) -> None:
    monkeypatch.setenv("FAULT_X_TOKEN", "fault-matrix-token")
    source_cfg, url, valid = SOURCES[kind]
    responses.add(responses.GET, url, **fault(valid))
    res = _run(tmp_path, source_cfg)  # an exception out of run_source fails the test here
    assert res.status in ("ok", "error", "skipped")
    assert not UNCAUGHT.search(res.error or ""), f"{kind} / {case}: {res.error}"
    if res.status == "error":
        assert (res.error or "").startswith(f"{source_cfg['name']}: "), res.error


def _twarc_files(tmp: Path) -> dict[str, list[Path]]:
    good = json.dumps({"id": "1860000000000000001", "text": "bitpie", "created_at": "2026-11-20T07:00:00Z"})
    cases: dict[str, bytes | None] = {
        "empty file": b"",
        "truncated last line": (good + "\n" + good[:30]).encode(),
        "invalid json lines": b"{not json}\n[1,2\n" + good.encode() + b"\n",
        "non-utf-8 bytes": b"\xff\xfe\x00garbage\n" + good.encode() + b"\n",
        "utf-16 file": (good + "\n").encode("utf-16"),
        "wrong json types": b'{"data": "x"}\n[1, 2]\n{"id": [1], "text": 5}\n{"data": [1, null, {"id": {}}]}\n',
        "huge line": b'{"id": "1", "text": "' + b"a" * 3_000_000 + b'", "created_at": "2026-11-20T07:00:00Z"}\n',
        "lone surrogate": b'{"id": "1860000000000000002", "text": "x \\ud800 y", '
                          b'"created_at": "2026-11-20T07:00:00Z"}\n',
        "NUL escapes": b'{"id": "1860000000000000003", "text": "x \\u0000 y", "author_id": "\\u0000"}\n',
        "absurd dates": b'{"id": "1860000000000000004", "text": "x", "created_at": "0001-01-01T00:00:00Z"}\n'
                        b'{"id": "1860000000000000005", "text": "x", "created_at": "9999-12-31T23:59:59Z"}\n',
        "binary": bytes(range(256)) * 100,
    }
    tmp.mkdir(parents=True, exist_ok=True)
    out: dict[str, list[Path]] = {}
    for name, body in cases.items():
        path = tmp / (name.replace(" ", "_") + ".jsonl")
        path.write_bytes(body or b"")
        out[name] = [path]
    out["directory"] = [tmp]
    return out


def test_import_file_faults_end_typed(tmp_path: Path) -> None:
    from monitor.pipeline import import_twarc
    from monitor.store import open_store

    files = _twarc_files(tmp_path / "in")
    assert len(files) >= 12
    outcomes = {}
    for name, paths in files.items():
        engine = open_store(f"sqlite:///{tmp_path / (name.replace(' ', '_') + '.db')}")
        try:
            results = import_twarc(engine, base_config(tmp_path), paths)  # one result per file
        finally:
            engine.dispose()
        outcomes[name] = "ok" if all(r.status == "ok" for _p, r in results) else "error"
        for _p, res in results:
            assert not UNCAUGHT.search(res.error or ""), f"twarc / {name}: {res.error}"
    assert outcomes["lone surrogate"] == "ok" and outcomes["NUL escapes"] == "ok"


def test_matrix_size() -> None:
    """The counts the issue asks for: cases per source and in all."""
    assert len(HTTP_FAULTS) >= 25 and len(SOURCES) == 4
    assert len(HTTP_FAULTS) * len(SOURCES) >= 100


@pytest.mark.parametrize("kind", ["feed", "statuspage"])
def test_slow_drip_is_cut_by_the_fetch_deadline(tmp_path: Path, kind: str) -> None:
    import time

    from tests.loopback import serve
    from tests.test_bounded import _drip_body

    with serve({"/f": _drip_body, "/api/v2/scheduled-maintenances.json": _drip_body}) as lb:
        cfg = ({"name": "f", "type": "feed", "url": lb.url("/f"), "timeout_seconds": 1, "host_spacing_seconds": 0}
               if kind == "feed" else
               {"name": "sp", "type": "statuspage", "base_url": lb.url(""), "timeout_seconds": 1,
                "include_incidents": False})
        started = time.monotonic()
        res = _run(tmp_path, cfg)
        assert time.monotonic() - started < 6
    assert res.status == "error" and "did not finish within 1s" in (res.error or "")


def test_x_api_drip_is_cut_by_the_request_deadline(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """tweepy's host is fixed: the session's requests are pointed at a loopback drip instead."""
    import time

    from tests.loopback import serve
    from tests.test_bounded import _drip_body

    monkeypatch.setenv("FAULT_X_TOKEN", "fault-matrix-token")
    real = requests.Session.request
    with serve({"/2/users/by": _drip_body, "/2/tweets/search/recent": _drip_body}) as lb:
        def to_loopback(self: requests.Session, method: str, url: str, *a: Any, **kw: Any) -> Any:
            return real(self, method, re.sub(r"^https://api\.(twitter|x)\.com", lb.url(""), url), *a, **kw)

        monkeypatch.setattr(requests.Session, "request", to_loopback)
        started = time.monotonic()
        res = _run(tmp_path, {"name": "x", "type": "twitter", "bearer_token_env": "FAULT_X_TOKEN", "max_retries": 0,
                              "timeout_seconds": 1})
        assert time.monotonic() - started < 8
    assert res.status == "error" and "did not finish within 1s" in (res.error or ""), res.error

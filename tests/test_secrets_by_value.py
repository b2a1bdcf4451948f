"""Secrets are masked by VALUE: a token planted through the environment appears in no output.

The config expands tokens into query parameters the name rules do not know (``access_key``,
``client_secret``), into a URL path, and names one in ``bearer_token_env``. Every command's output,
the log at -vv (urllib3's request lines included), the SQLite file with its WAL and the report files
are grepped for each token.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from monitor import redact
from monitor.cli import cli
from monitor.config import parse_config
from monitor.redact import mask_obj, mask_values, redact_text, restore_secrets, set_secrets
from tests.loopback import serve

REPO = Path(__file__).resolve().parents[1]
TOKENS = {"RSS_A_KEY": "tokA-7f3a9c21e", "PRIVATE_FEED_TOKEN": "tokB-9x~Zq1w", "OLD_CS": "tokC_5d8e0b44",
          "X_TOKEN_T": "AAAAbearer-tokD-31ffe"}


def _rss(port: int) -> bytes:
    return (f"<?xml version='1.0'?><rss version='2.0'><channel><title>t</title>"
            f"<item><title>bitpie 客服不回 {TOKENS['RSS_A_KEY']}</title><guid>g1</guid>"
            f"<link>http://127.0.0.1:{port}/item?access_key={TOKENS['RSS_A_KEY']}</link>"
            f"<description>support never answered</description></item></channel></rss>").encode()


@pytest.fixture(autouse=True)
def _forget_secrets() -> Iterator[None]:
    yield
    set_secrets([])


def _config(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"""
brand: {{names: [Bitpie]}}
data_dir: data
report: {{out_dir: out}}
sources:
  - {{name: a, type: feed, url: "http://127.0.0.1:{port}/a?access_key=${{RSS_A_KEY}}&q=bitpie",
      host_spacing_seconds: 0}}
  - {{name: b, type: feed, url: "http://127.0.0.1:{port}/private/${{PRIVATE_FEED_TOKEN}}/rss", host_spacing_seconds: 0}}
  - {{name: c, type: feed, url: "http://127.0.0.1:{port}/c?client_secret=${{OLD_CS}}", host_spacing_seconds: 0}}
  - {{name: x, type: twitter, bearer_token_env: X_TOKEN_T, enabled: false}}
""", encoding="utf-8")
    return path


def _leaks(blob: bytes) -> list[str]:
    return [name for name, tok in TOKENS.items()
            if tok.encode() in blob or quote(tok, safe="").encode() in blob]


def test_planted_tokens_appear_in_no_output_store_or_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    for k, v in TOKENS.items():
        monkeypatch.setenv(k, v)
    caplog.set_level(logging.DEBUG)
    with serve({}) as lb:
        rss = (200, {"Content-Type": "application/rss+xml"}, _rss(lb.port))
        lb.routes.update({"/a": rss, "/private/" + TOKENS["PRIVATE_FEED_TOKEN"] + "/rss": (500, {}, b"oops"),
                          "/c": lambda h: _moved_or_feed(h, lb.port, rss)})
        cfg = _config(tmp_path, lb.port)
        runner = CliRunner()
        outputs = []
        for args in (["check-config"], ["collect", "--dry-run"], ["-vv", "collect"], ["-vv", "collect"],
                     ["status"], ["report", "--date", "2026-11-01"]):
            res = runner.invoke(cli, ["--config", str(cfg), *args], catch_exceptions=False)
            outputs.append(res.output)
        # The real process too: its own stderr handler at -vv.
        proc = subprocess.run([sys.executable, "-m", "monitor", "--config", str(cfg), "-vv", "collect"],
                              cwd=REPO, capture_output=True, text=True, timeout=120,
                              env={**os.environ, **TOKENS})
        requests = list(lb.requests)
    assert "b: " in outputs[2] or "b:" in caplog.text  # b failed and said so
    assert proc.returncode == 1 and "GET /private/***/rss" in proc.stderr  # urllib3 line, masked
    # c moved to another host (localhost): later passes go there WITHOUT the secret, and say so.
    moved = [p for host, p in requests if host.startswith("localhost")]
    assert moved and moved[0].endswith(f"client_secret={TOKENS['OLD_CS']}")  # the server's own redirect
    assert all("client_secret" not in p for p in moved[1:]) and len(moved) >= 3
    assert "not sending the configured secret" in caplog.text
    # Nothing anywhere holds a token.
    texts = "\n".join([*outputs, caplog.text, proc.stdout, proc.stderr]).encode()
    assert _leaks(texts) == []
    files = [f for f in tmp_path.rglob("*") if f.is_file() and f.name != "config.yaml"]
    assert any(f.suffix == ".db" for f in files) and any(f.suffix == ".csv" for f in files)
    assert {f.name: _leaks(f.read_bytes()) for f in files} == {f.name: [] for f in files}
    assert "***" in (tmp_path / "data" / "mention-monitor.db").read_bytes().decode("utf-8", "replace")


def _moved_or_feed(h: BaseHTTPRequestHandler, port: int, rss: tuple[int, dict[str, str], bytes]) -> None:
    if h.headers.get("Host", "").startswith("127.0.0.1"):
        h.send_response(301)
        h.send_header("Location", f"http://localhost:{port}{h.path}")
        h.send_header("Content-Length", "0")
        h.end_headers()
        return
    status, headers, body = rss
    h.send_response(status)
    for k, v in headers.items():
        h.send_header(k, v)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    h.wfile.write(body)


SECRET = "Zx9-pl4nted/secret+val"


@pytest.mark.parametrize("text", [
    f"https://h.example/f?access_key={SECRET}",
    f"https://h.example/f?client_secret={quote(SECRET, safe='')}",
    f"https://h.example/f?x={quote(SECRET, safe='/:@')}",
    f"https://h.example/f?x={SECRET.replace('/', '%2F').replace('+', '%2B')}&y=1",
    f"https://h.example/{SECRET}/rss",
    f"Authorization: Bearer {SECRET}",
    f"error: 401 for token {SECRET} (x)",
])
def test_mask_by_value_whatever_the_name_or_encoding(text: str) -> None:
    set_secrets([SECRET])
    assert "pl4nted" not in redact_text(text) and "***" in redact_text(text)
    assert "pl4nted" not in mask_values(text)
    assert "pl4nted" not in repr(mask_obj({"k": [text, {text: 1}], "n": 5}))


def test_short_values_are_not_masked_by_value() -> None:
    set_secrets(["abc", "12345"])
    assert redact.secrets_known() == 0 and mask_values("abc 12345") == "abc 12345"


@pytest.mark.parametrize(("path", "masked"), [
    ("sources[0].url", True), ("sources[0].base_url", True), ("sources[0].urls[1]", True),
    ("sources[0].client_secret", True), ("sources[0].headers.Authorization", True),
    ("sources[0].paths[0]", False), ("sources[0].name", False), ("sources[0].exclude_terms[0]", False),
    ("brand.names[0]", False), ("data_dir", False),
])
def test_which_expansions_are_credentials(tmp_path: Path, path: str, masked: bool) -> None:
    from monitor.config import _credential_path

    assert _credential_path(path) is masked


def test_parse_config_registers_url_and_token_env_values(tmp_path: Path) -> None:
    env = {"K": "value-in-url-1", "T": "bearer-value-2", "D": "some/data/dir"}
    parse_config({"brand": {"names": ["B"]}, "data_dir": "${D}", "sources": [
        {"name": "f", "type": "feed", "url": "https://h.example/f?apikey2=${K}"},
        {"name": "x", "type": "twitter", "bearer_token_env": "T"}]}, tmp_path, env=env)
    assert mask_values("value-in-url-1 bearer-value-2 some/data/dir") == "*** *** some/data/dir"


@pytest.mark.parametrize(("stored", "configured", "expected"), [
    # same scheme, host and port: the configured secret goes back (query, path, password)
    ("https://h.example/new?key=***&q=1", "https://h.example/old?key=S3CRETKEY&q=1",
     "https://h.example/new?key=S3CRETKEY&q=1"),
    ("https://h.example:443/new?access_key=***", "https://h.example/old?access_key=S3CRETKEY",
     "https://h.example:443/new?access_key=S3CRETKEY"),
    ("https://bob:***@h.example/f", "https://bob:pw-S3CRET@h.example/f", "https://bob:pw-S3CRET@h.example/f"),
    # another host, scheme or port: dropped
    ("https://evil.example/f?key=***&q=1", "https://h.example/f?key=S3CRETKEY&q=1", "https://evil.example/f?q=1"),
    ("http://h.example/f?key=***", "https://h.example/f?key=S3CRETKEY", "http://h.example/f"),
    ("https://h.example:8443/f?key=***", "https://h.example/f?key=S3CRETKEY", "https://h.example:8443/f"),
    ("https://bob:***@other.example/f", "https://bob:pw-S3CRET@h.example/f", "https://other.example/f"),
    ("https://h.example.evil.example/f?key=***", "https://h.example/f?key=S3CRETKEY",
     "https://h.example.evil.example/f"),
    # nothing masked: unchanged
    ("https://new.example/f?q=1", "https://h.example/f?key=S3CRETKEY", "https://new.example/f?q=1"),
])
def test_restore_secrets_only_to_the_configured_origin(stored: str, configured: str, expected: str,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    assert restore_secrets(stored, configured, "feedx") == expected
    if "S3CRET" not in expected and "***" in stored:
        assert "feedx: not sending the configured secret" in caplog.text


def test_restore_secrets_puts_a_path_secret_back_on_the_same_host() -> None:
    set_secrets(["pathtoken-77"])
    assert restore_secrets("https://h.example/feeds/***/rss?page=2", "https://h.example/feeds/pathtoken-77/rss",
                           "f") == "https://h.example/feeds/pathtoken-77/rss?page=2"

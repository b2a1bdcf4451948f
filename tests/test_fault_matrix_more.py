"""The fault matrix (tests/test_fault_matrix.py) over the sources added later: Discourse, Reddit (praw),
Mastodon (Mastodon.py), Google Play, the App Store and market prices (ccxt). Every endpoint of the
source's host answers with the fault; the pass must end as a typed outcome (ok, error or skipped with
a message naming the source), never as an uncaught exception out of the runner or an "unexpected ..."
run row. The platform clients (praw, Mastodon.py, ccxt) raise their own exception trees; this is
where an unmapped one would show."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import prawcore
import pytest
import responses

from monitor.pipeline import build_sources
from sources.market import MarketSource
from tests.conftest import base_config
from tests.test_fault_matrix import HTTP_FAULTS, UNCAUGHT, _run  # the same run: backoffs never wait

# (source config, every URL it may call, a body of the right shape to truncate/mangle)
MORE: dict[str, tuple[dict[str, Any], re.Pattern[str], bytes]] = {
    "discourse": ({"name": "forum", "type": "discourse", "base_url": "https://community.bitpie.example",
                   "host_spacing_seconds": 0, "max_retries": 0},
                  re.compile(r"https://community\.bitpie\.example/.*"), b'{"topic_list": {"topics": []}}'),
    "reddit": ({"name": "reddit", "type": "reddit", "read_comments": True},
               re.compile(r"https://(?:www|oauth)\.reddit\.com/.*"),
               b'{"kind": "Listing", "data": {"children": [], "after": null}}'),
    "mastodon": ({"name": "masto", "type": "mastodon", "instance": "https://mastodon.example",
                  "hashtags": ["bitpie"], "max_retries": 0},
                 re.compile(r"https://mastodon\.example/.*"), b"[]"),
    "googleplay": ({"name": "play", "type": "googleplay", "app_id": "com.bitpie.wallet", "host_spacing_seconds": 0,
                    "max_retries": 0},
                   re.compile(r"https://play\.google\.com/.*"), b")]}'\n\n[[\"wrb.fr\",\"oCPfdb\",null]]"),
    "appstore": ({"name": "ios", "type": "appstore", "app_id": "1481314229", "countries": ["us"],
                  "max_retries": 0, "host_spacing_seconds": 0},
                 re.compile(r"https://itunes\.apple\.com/.*"), b'{"feed": {"entry": []}}'),
    "market": ({"name": "market", "type": "market", "assets": ["BTC"], "max_retries": 0},
               re.compile(r"https://api\.binance\.com/.*"), b"[]"),
}


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDDIT_CLIENT_ID", "cid")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "csecret")
    monkeypatch.setattr(prawcore.sessions.FiniteRetryStrategy, "_sleep_seconds", lambda self: None)


@pytest.mark.parametrize("kind", list(MORE))
@pytest.mark.parametrize(("case", "fault"), HTTP_FAULTS, ids=[c for c, _f in HTTP_FAULTS])
@responses.activate
def test_more_sources_faults_end_typed(tmp_path: Path, kind: str, case: str, fault: Any) -> None:
    src, pattern, valid = MORE[kind]
    for method in (responses.GET, responses.POST):
        responses.add(method, pattern, **fault(valid))
    res = _run(tmp_path, src)  # an exception here is the failure this test exists for
    assert res.status in {"ok", "error", "skipped"}, (kind, case, res)
    assert not UNCAUGHT.search(res.error or ""), f"{kind} / {case}: {res.error}"
    if res.status != "ok":
        assert res.error and src["name"] in res.error, (kind, case, res.error)


@pytest.mark.parametrize(("row", "kept"), [
    ([1_700_000_000_000, "1", "2", "0.5", "1.5", "10"], True),  # prices as text, as Binance sends them
    ([1_700_000_000_000, 1, 2, 0.5, 1.5, 10], True),
    ([1_700_000_000_000, "1", "2", "0.5", "n/a", "10"], False),  # a close that is not a number
    ([1_700_000_000_000, [1], {}, None, 1.5, 10], False),
    (["soon", 1, 2, 0.5, 1.5, 10], False),
    ([1_700_000_000_000, 1, 2], False),
    (7, False),
    ({"close": 1.5}, False),
    ([True, 1, 2, 0.5, 1.5, 10], False),
    (["1e400", 1, 2, 0.5, 1.5, 10], False),
    ([float("nan"), 1, 2, 0.5, 1.5, 10], False),
    ([1_700_000_000_000, 1, 2, 0.5, float("nan"), 10], False),
    ([10**400, 1, 2, 0.5, 1.5, 10], False),
])
def test_a_candle_in_another_shape_is_skipped_not_fatal(tmp_path: Path, row: Any, kept: bool) -> None:
    (source,) = build_sources(base_config(tmp_path, sources=[MORE["market"][0]]))
    assert isinstance(source, MarketSource)
    bar = source._bar("BTC", row, 0, 2_000_000_000_000)
    assert (bar is not None) is kept
    if bar is not None:
        assert bar.price == 1.5 and bar.ts.year == 2023


def test_a_json_source_that_drips_is_cut_by_the_request_deadline(tmp_path: Path) -> None:
    """JsonApi (Discourse, the app stores) bounds each request as a whole, as http.fetch does."""
    import time

    from tests.loopback import serve
    from tests.test_bounded import _drip_body

    with serve({"/latest.json": _drip_body}) as lb:
        started = time.monotonic()
        res = _run(tmp_path, {"name": "forum", "type": "discourse", "base_url": lb.url(""), "timeout_seconds": 1,
                              "max_retries": 0, "host_spacing_seconds": 0})
        assert time.monotonic() - started < 4  # the drip lasts far longer
    assert res.status == "error" and "did not finish within 1s" in (res.error or ""), res.error

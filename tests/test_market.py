"""Market source (ccxt public OHLCV, mocked with `responses`) and the report's market moves."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
from sqlalchemy import select

from monitor import store
from monitor.config import Config
from monitor.errors import ConfigError
from monitor.pipeline import run_source
from monitor.records import MarketBar, query_key
from reports.data import market_moves
from sources.market import HOUR_MS, MarketSource
from tests.calls import group1, url
from tests.conftest import base_config, key_paths

NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)
INFO = re.compile(r"https://api\.binance\.com/api/v3/exchangeInfo.*")
KLINES = re.compile(r"https://api\.binance\.com/api/v3/klines.*")


def exchange_info(*assets: str) -> dict[str, Any]:
    """Binance's /api/v3/exchangeInfo, only the fields ccxt reads for a spot market."""
    return {"timezone": "UTC", "serverTime": 1, "rateLimits": [], "symbols": [
        {"symbol": f"{a}USDT", "status": "TRADING", "baseAsset": a, "quoteAsset": "USDT", "baseAssetPrecision": 8,
         "quotePrecision": 8, "quoteAssetPrecision": 8, "orderTypes": ["LIMIT"], "isSpotTradingAllowed": True,
         "isMarginTradingAllowed": False, "filters": [], "permissions": ["SPOT"], "permissionSets": [["SPOT"]]}
        for a in assets]}


def klines(start: datetime, closes: list[float]) -> list[list[Any]]:
    """Binance kline rows: open time, open, high, low, close, volume, close time, ..."""
    t0 = int(start.timestamp() * 1000)
    return [[t0 + i * HOUR_MS, str(c), str(c * 1.01), str(c * 0.99), str(c), "12.5", t0 + (i + 1) * HOUR_MS - 1,
             "0", 10, "0", "0", "0"] for i, c in enumerate(closes)]


def make_cfg(tmp_path: Path, **src: Any) -> Config:
    return base_config(tmp_path, sources=[{"name": "market", "type": "market", "assets": ["BTC", "ETH"], **src}])


def make_source(cfg: Config) -> MarketSource:
    src = MarketSource(cfg.sources[0], cfg)
    src.sleep = lambda _s: None
    return src


def bars(engine: Any) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(store.market).order_by(store.market.c.symbol,
                                                                                     store.market.c.ts))]


def cursor(engine: Any, pair: str) -> Any:
    with engine.connect() as conn:
        return store.load_cursors(conn, "market").get(query_key(f"market:binance:{pair}"))


def since_param(call: Any) -> int:
    return int(group1(r"startTime=(\d+)", url(call)))


@responses.activate
def test_backfill_covers_28_days_pages_and_drops_the_open_hour(tmp_path: Path, engine: Any) -> None:
    start = (NOW - timedelta(days=28)).replace(minute=0)
    hours = int((NOW.replace(minute=0) - start) / timedelta(hours=1))  # closed hours; the 12:00 one is open
    responses.get(INFO, json=exchange_info("BTC", "ETH"))
    served: dict[str, int] = {}

    def serve(req: Any) -> Any:
        sym = group1(r"symbol=(\w+)USDT", req.url)
        since = int(group1(r"startTime=(\d+)", req.url))
        first = int((datetime.fromtimestamp(since / 1000, UTC) - start) / timedelta(hours=1))
        n = min(1000, hours + 1 - first)  # the exchange also serves the still-open hour
        served[sym] = served.get(sym, 0) + 1
        import json as _j

        base = 90000.0 if sym == "BTC" else 3000.0
        return 200, {}, _j.dumps(klines(datetime.fromtimestamp(since / 1000, UTC), [base] * n))

    responses.add_callback(responses.GET, KLINES, callback=serve)
    cfg = make_cfg(tmp_path)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "ok", res.error
    rows = bars(engine)
    btc = [r for r in rows if r["symbol"] == "BTC"]
    assert len(btc) == hours and btc[0]["ts"] == start and btc[-1]["ts"] == NOW.replace(minute=0) - timedelta(hours=1)
    assert served == {"BTC": 1, "ETH": 1} and res.requests == 3  # markets once, one page per asset
    assert btc[0]["pair"] == "BTC/USDT" and btc[0]["exchange"] == "binance" and btc[0]["price"] == 90000.0
    assert cursor(engine, "BTC/USDT")["last"] == int(btc[-1]["ts"].timestamp() * 1000)
    # An hour later: one new closed candle per asset, asked from just after the cursor.
    calls = len(responses.calls)
    res2 = run_source(engine, cfg, make_source(cfg), now=lambda: NOW + timedelta(hours=1))
    assert res2.new == 2
    kl = [c for c in responses.calls[calls:] if "klines" in url(c)]
    assert since_param(kl[0]) == int(NOW.replace(minute=0).timestamp() * 1000)


@responses.activate
def test_kill_between_assets_keeps_the_first(tmp_path: Path, engine: Any) -> None:
    start = NOW.replace(minute=0) - timedelta(hours=3)
    responses.get(INFO, json=exchange_info("BTC", "ETH"))
    responses.get(KLINES, match=[responses.matchers.query_param_matcher({"symbol": "BTCUSDT"}, strict_match=False)],
                  json=klines(start, [1.0, 2.0, 3.0]))

    def killed(_req: Any) -> Any:
        raise KeyboardInterrupt

    responses.add_callback(responses.GET, KLINES, callback=killed)
    cfg = make_cfg(tmp_path, backfill_days=1)
    with pytest.raises(KeyboardInterrupt):
        run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert [r["price"] for r in bars(engine)] == [1.0, 2.0, 3.0] and cursor(engine, "ETH/USDT") is None


@pytest.mark.parametrize(("reply", "words", "limited"), [
    ({"status": 429, "headers": {"Retry-After": "120"}}, "rate limit", True),
    ({"status": 418}, "rate limit", True),
    ({"status": 502}, "failed 3 times", False),
    ({"body": requests.ConnectionError("reset")}, "failed 3 times", False),
    ({"body": requests.ReadTimeout("slow")}, "failed 3 times", False),
    ({"body": "<html>blocked</html>", "status": 200}, "OHLCV BTC/USDT", False),
])
@responses.activate
def test_errors_fail_the_source_with_one_line(tmp_path: Path, engine: Any, reply: dict, words: str,
                                             limited: bool) -> None:
    responses.get(INFO, json=exchange_info("BTC", "ETH"))
    responses.get(KLINES, **reply)
    cfg = make_cfg(tmp_path, max_retries=2)
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == ("skipped" if limited else "error") and words in (res.error or ""), res.error
    assert res.error is not None and res.error.startswith("market: ") and bars(engine) == []
    with engine.connect() as conn:
        state = store.load_cursors(conn, "market").get("_state") or {}
    assert ("skip_until" in state) == limited


@responses.activate
def test_unknown_pair_names_the_setting(tmp_path: Path, engine: Any) -> None:
    responses.get(INFO, json=exchange_info("BTC"))
    cfg = make_cfg(tmp_path, assets=["BTC", "NOPE"])
    responses.get(KLINES, json=[])
    res = run_source(engine, cfg, make_source(cfg), now=lambda: NOW)
    assert res.status == "error" and res.error is not None
    assert "sources.market.assets" in res.error and "NOPE/USDT" in res.error


def put(engine: Any, symbol: str, start: datetime, prices: list[float]) -> None:
    with engine.begin() as conn:
        store.upsert_market(conn, [MarketBar(symbol=symbol, ts=start + timedelta(hours=i), price=p)
                                   for i, p in enumerate(prices)])


@pytest.mark.parametrize(("prices", "expected"), [
    ([100, 100, 100, 95, 93, 91, 89, 88, 88, 88], ("BTC", -0.12, 6)),  # a slide: -12 % in 6 h
    ([100, 94, 94, 94], ("BTC", -0.06, 1)),  # a drop within one hour
    ([100 + 11 * i / 24 for i in range(25)], ("BTC", 0.11, 24)),  # +11 % over a day, never 4 % an hour
])
def test_market_moves_name_the_largest_move_and_its_window(engine: Any, prices: list[float],
                                                            expected: tuple[str, float, int]) -> None:
    t0 = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)
    put(engine, "BTC", t0, prices)
    put(engine, "ETH", t0, [10.0] * len(prices))  # flat: never a move
    moves = market_moves(engine, t0, t0 + timedelta(days=2), thresholds={1: 0.04, 6: 0.08, 24: 0.10})
    assert len(moves) == 1
    mv = moves[0]
    assert (mv.symbol, round(mv.change, 2), mv.hours) == expected
    assert mv.label() == f"BTC {'−' if expected[1] < 0 else '+'}{abs(round(expected[1] * 100))} % in {expected[2]} h"


def test_no_market_table_rows_no_moves(engine: Any) -> None:
    t0 = datetime(2026, 11, 10, tzinfo=UTC)
    assert market_moves(engine, t0, t0 + timedelta(days=1)) == []


@pytest.mark.parametrize(("src", "path"), [
    ({"exchange": "Binance US"}, "sources[0].exchange"),
    ({"assets": []}, "sources[0].assets"),
    ({"assets": ["btc usd"]}, "sources[0].assets[0]"),
    ({"backfill_days": 0}, "sources[0].backfill_days"),
])
def test_config_errors_name_the_key_path(tmp_path: Path, src: dict[str, Any], path: str) -> None:
    with pytest.raises(ConfigError) as exc:
        make_cfg(tmp_path, **src)
    assert any(p.startswith(path + ":") for p in key_paths(exc.value.problems)), exc.value.problems


def test_report_threshold_config_is_validated(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as exc:
        base_config(tmp_path, report={"market_move_thresholds": {6: -0.1}})
    assert any(p.startswith("report.market_move_thresholds") for p in exc.value.problems), exc.value.problems

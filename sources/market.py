"""Market prices: hourly candles of configured assets from one exchange's public API, through ccxt.

Why ccxt and a named exchange (default ``binance``): its public OHLCV needs no key, serves 1000 hourly
candles per request (28 days = 1 request per asset), and ccxt gives every exchange the same call, so
changing ``exchange`` is a config edit. CoinGecko was the alternative; its free API now wants a key
for hourly history and allows ~30 calls a minute. Limits to know: an exchange's price is that venue's
last trade, not an index (moves match other venues within a fraction of a percent, enough to explain a
complaint peak); some venues geo-block (Binance answers 451 from the US: use ``okx`` or ``kraken``);
the quote is a stablecoin (``quote: USDT``), not USD.

One candle per asset and closed hour becomes a :class:`MarketBar` (close = ``price``); hourly and daily
changes are computed by the report from consecutive closes. The cursor per asset is the start of the
newest stored closed hour; a first pass backfills ``backfill_days`` (28: the report's window). The hour
still open is never stored, so a stored close never changes.

Errors: ccxt's ``RateLimitExceeded``/``DDoSProtection`` (429/418) -> :class:`RateLimited` (Retry-After
when sent, else 5 minutes); network errors, timeouts and 5xx (``NetworkError``) are retried
``max_retries`` times with backoff, then :class:`SourceError`; an unknown pair (``BadSymbol``) or other
exchange errors -> :class:`SourceError` naming the setting.
"""

from __future__ import annotations

import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from monitor.errors import RateLimited, SourceError
from monitor.records import Batch, MarketBar, query_key
from sources.base import Source, SourceContext
from sources.http import retry_after

log = logging.getLogger(__name__)

HOUR_MS = 3_600_000
_PAGE = 1000  # candles per request (Binance, OKX 300, Kraken 720: ccxt pages what it gets)


class MarketSource(Source):
    kind = "market"

    def __init__(self, config: Any, settings: Any, *, session: requests.Session | None = None) -> None:
        super().__init__(config, settings)
        self.session = session or requests.Session()
        self.sleep: Callable[[float], None] = time.sleep  # injectable: tests never wait on a backoff
        self.rng = random.Random()
        # ccxt keeps no request counter: count the HTTP answers on our session (markets load included).
        self.http_calls = 0
        self.session.hooks["response"].append(self._count)

    def _count(self, resp: requests.Response, *_args: Any, **_kwargs: Any) -> requests.Response:
        self.http_calls += 1
        return resp

    def pair(self, asset: str) -> str:
        return f"{asset}/{self.config.quote}"

    def describe(self) -> list[str]:
        c = self.config
        return [f"market source {self.name}: hourly {', '.join(self.pair(a) for a in c.assets)} on {c.exchange} "
                f"(ccxt public OHLCV, no key), backfill {c.backfill_days} days"]

    def _exchange(self) -> Any:
        import ccxt  # local: ccxt is large and only needed when a market source runs

        cls = getattr(ccxt, self.config.exchange, None)
        if cls is None:
            raise SourceError(self.name, f"sources.{self.name}.exchange: ccxt has no exchange "
                              f"{self.config.exchange!r} (see ccxt.exchanges)")
        # Spot markets only: loading futures and options markets would cost extra requests for nothing.
        return cls({"enableRateLimit": True, "enableLastJsonResponse": True,
                    "timeout": int(self.config.timeout_seconds * 1000), "session": self.session,
                    "userAgent": self.settings.user_agent,
                    "options": {"fetchMarkets": {"types": ["spot"]}, "defaultType": "spot"}})

    def _bar(self, asset: str, r: Any, since: int, open_hour: int) -> MarketBar | None:
        """One closed candle ``[ms, open, high, low, close, volume]`` in [since, open_hour), or None for
        a row an exchange sent in another shape (a number where a list belongs, text where a price does)."""
        if not (isinstance(r, list | tuple) and len(r) >= 6 and all(v is None or _number(v) for v in r[:6])
                and r[0] is not None and r[4] is not None and since <= int(float(r[0])) < open_hour):
            return None
        return MarketBar(symbol=asset, ts=datetime.fromtimestamp(int(float(r[0])) / 1000, UTC), price=float(r[4]),
                         open=_f(r[1]), high=_f(r[2]), low=_f(r[3]), volume=_f(r[5]),
                         exchange=self.config.exchange, pair=self.pair(asset))

    def fetch(self, ctx: SourceContext) -> Iterator[Batch]:
        if ctx.dry_run:
            return
        ex = self._exchange()
        calls = _Calls(self, ex, ctx)
        try:
            for asset in self.config.assets:
                yield from self._asset(calls, ctx, asset)
        except SourceError:
            if calls.requests > calls.spent:
                yield Batch(requests=calls.requests - calls.spent)
            raise

    def _asset(self, calls: _Calls, ctx: SourceContext, asset: str) -> Iterator[Batch]:
        key = query_key(f"market:{self.config.exchange}:{self.pair(asset)}")
        st = ctx.cursors.get(key) or {}
        now_ms = int(ctx.now().timestamp() * 1000)
        open_hour = now_ms - now_ms % HOUR_MS  # the candle still forming: never stored
        start = ctx.now() - timedelta(days=self.config.backfill_days)
        if ctx.since is not None:
            start = min(start, ctx.since)
        since = int(start.timestamp() * 1000)
        since -= since % HOUR_MS
        if st.get("last") is not None and (ctx.since is None or st["last"] + HOUR_MS > since):
            since = max(since, int(st["last"]) + HOUR_MS)
        while since < open_hour:
            rows = calls.ohlcv(self.pair(asset), since)
            bars = [b for r in rows if (b := self._bar(asset, r, since, open_hour)) is not None]
            if not bars:
                yield calls.batch([], {}, len(rows))
                return
            last = int(bars[-1].ts.timestamp() * 1000)
            cursor = {key: {"last": max(last, int(st.get("last") or 0)), "pair": self.pair(asset)}}
            yield calls.batch(bars, cursor, len(rows))
            since = last + HOUR_MS


def _f(v: Any) -> float | None:
    return float(v) if v is not None else None


def _number(v: Any) -> bool:
    """A finite number, or text spelling one (exchanges send prices as strings); not NaN, not 1e400."""
    if isinstance(v, str):
        return _NUM.fullmatch(v) is not None and math.isfinite(float(v))
    if isinstance(v, bool) or not isinstance(v, int | float):
        return False
    return abs(v) < 1e18 if isinstance(v, int) else math.isfinite(v)  # an int too large for a float too


_NUM = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


class _Calls:
    """ccxt calls under the X error policy; counts requests per batch."""

    def __init__(self, src: MarketSource, ex: Any, ctx: SourceContext) -> None:
        self.src, self.ex, self.ctx = src, ex, ctx
        self.requests = self.spent = 0

    def batch(self, bars: list[MarketBar], cursors: dict[str, Any], fetched: int) -> Batch:
        used, self.spent = self.requests - self.spent, self.requests
        return Batch(market=bars, cursors=cursors, requests=used, fetched=fetched)

    def ohlcv(self, pair: str, since: int) -> list[Any]:
        import ccxt

        name, attempt = self.src.name, 0
        while True:
            attempt += 1
            before = self._http_calls()
            try:
                rows = self.ex.fetch_ohlcv(pair, "1h", since=since, limit=_PAGE)
                self.requests += self._http_calls() - before
                if not rows and getattr(self.ex, "last_json_response", None) is None:
                    # ccxt turns a non-JSON answer (a block or captcha page) into "no candles".
                    raise SourceError(name, f"{self.src.config.exchange} OHLCV {pair}: the answer was not JSON "
                                      "(blocked or an error page?); check exchange")
                return list(rows or [])
            except (ccxt.RateLimitExceeded, ccxt.DDoSProtection):
                self.requests += max(1, self._http_calls() - before)
                headers = getattr(self.ex, "last_response_headers", None) or {}
                until = retry_after(headers.get("Retry-After") or headers.get("retry-after") or "300",
                                    self.ctx.now())
                raise RateLimited(name, f"{self.src.config.exchange} rate limit on {pair}; skipping this source "
                                  f"until {until:%Y-%m-%d %H:%M:%S} UTC", until) from None
            except ccxt.BadSymbol:
                self.requests += max(1, self._http_calls() - before)
                raise SourceError(name, f"sources.{name}.assets: {self.src.config.exchange} has no spot pair "
                                  f"{pair}; fix assets or quote") from None
            except ccxt.NetworkError as exc:
                self.requests += max(1, self._http_calls() - before)
                why = f"{type(exc).__name__}"
                if attempt > self.src.config.max_retries:
                    raise SourceError(name, f"{self.src.config.exchange} OHLCV {pair} failed {attempt} times "
                                      f"({why}); giving up for this pass, the next pass resumes") from None
                delay = min(60.0, 2.0 * 2 ** (attempt - 1)) + self.src.rng.uniform(0, 1.0)
                log.warning("%s: %s OHLCV failed (%s), retry in %.1fs", name, pair, why, delay)
                self.src.sleep(delay)
            except ccxt.BaseError as exc:
                self.requests += max(1, self._http_calls() - before)
                text = " ".join(str(exc).split())[:160]
                raise SourceError(name, f"{self.src.config.exchange} OHLCV {pair}: {type(exc).__name__}: "
                                  f"{text}") from None
            except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
                # ccxt parses the exchange's answer itself and lets these escape on one it cannot read
                # (undecodable bytes, a list where its markets object belongs): the answer, not our bug.
                log.debug("%s: %s OHLCV: unreadable answer", name, pair, exc_info=True)  # if it is ours: -vv
                self.requests += max(1, self._http_calls() - before)
                raise SourceError(name, f"{self.src.config.exchange} OHLCV {pair}: the exchange's answer could "
                                  f"not be read ({type(exc).__name__}); the next pass retries") from None

    def _http_calls(self) -> int:
        return self.src.http_calls

"""Twitter source: a simulated 30-day run against a mocked X API v2, polled every 15 minutes.

The stream is synthetic but shaped like a wallet brand's mentions: a daily rhythm, three outage bursts
(about 1,200 posts in two hours, so passes paginate), official replies after minutes to a day, some to
posts with no brand keyword (their parents must be looked up), 3% of posts deleted (some before any
poll sees them, some after their official reply), 429s mid-pagination and 503s.

Figures: API posts read per new stored post (target 1.00) and search requests per query per idle poll
(target 1), beside a naive baseline: twarc-style time-window polling that cannot resume, so it
re-searches the last poll interval plus a 15-minute overlap every time (and loses a page when a pass
is interrupted). Run: ``.venv/bin/python bench/run.py twitter``.
"""

from __future__ import annotations

import bisect
import json
import logging
import os
import random
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
import responses
from requests import PreparedRequest

from monitor import store
from monitor.config import parse_config
from monitor.linking import link_replies
from monitor.pipeline import run_source
from sources.twitter import TwitterSource

API = "https://api.twitter.com/2"
START = datetime(2026, 10, 1, tzinfo=UTC)
DAYS, POLL = 30, timedelta(minutes=15)
OFFICIAL = "1000000001"
_TWEPOCH_MS = 1288834974657
FAULT_RATE = 0.15  # of follow-up page requests answered 429 or 503


@dataclass
class Tw:
    id: int
    at: datetime
    author: str
    kind: str  # mention | official | plain (no keyword: found only by id look-up)
    reply_to: int | None = None
    deleted_at: datetime | None = None

    def json(self) -> dict:
        out: dict[str, Any] = {"id": str(self.id), "text": f"{self.kind} post", "author_id": self.author, "lang": "en",
               "created_at": self.at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "edit_history_tweet_ids": [str(self.id)],
               "conversation_id": str(self.reply_to or self.id)}
        if self.reply_to:
            out["referenced_tweets"] = [{"type": "replied_to", "id": str(self.reply_to)}]
        return out


def _id(at: datetime, seq: int) -> int:
    return ((int(at.timestamp() * 1000) - _TWEPOCH_MS) << 22) + seq % 4096


def make_stream(rng: random.Random) -> list[Tw]:
    posts: list[Tw] = []
    bursts = [START + timedelta(days=d, hours=h) for d, h in ((4, 9), (13, 20), (24, 2))]
    t = START
    end = START + timedelta(days=DAYS)
    while t < end:
        hour = t.hour + t.minute / 60
        rate = 4.0 + 3.0 * (8 <= (hour + 8) % 24 <= 23)  # per hour, busier in the Beijing day
        rate += sum(600.0 for b in bursts if b <= t < b + timedelta(hours=2))
        t += timedelta(seconds=rng.expovariate(rate / 3600))
        kind = "plain" if rng.random() < 0.08 else "mention"
        posts.append(Tw(_id(t, len(posts)), t, str(3000 + rng.randrange(5000)), kind))
    for p in list(posts):
        if rng.random() < 0.55:
            at = p.at + timedelta(seconds=min(86400 * 2, rng.lognormvariate(8.0, 1.3)))
            posts.append(Tw(_id(at, len(posts)), at, OFFICIAL, "official", reply_to=p.id))
    for p in posts:
        if p.kind != "official" and rng.random() < 0.03:
            p.deleted_at = p.at + timedelta(seconds=rng.uniform(60, 2 * 86400))
    return sorted((p for p in posts if p.at < end), key=lambda p: p.id)


@dataclass
class FakeX:
    """Recent search over the stream at the simulated time, with fault injection."""

    stream: list[Tw]
    rng: random.Random
    now: datetime = START
    read: int = 0
    requests: int = 0
    faults: dict[int, int] = field(default_factory=lambda: {429: 0, 503: 0})
    by_id: dict[int, Tw] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {p.id: p for p in self.stream}
        self.ids = {k: [p.id for p in self.stream if p.kind == k] for k in ("mention", "official")}

    def visible(self, p: Tw) -> bool:
        return p.at <= self.now and not (p.deleted_at and p.deleted_at <= self.now)

    def search(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests += 1
        assert request.url is not None
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        if "next_token" in q and self.rng.random() < FAULT_RATE:  # interrupted pagination
            code = self.rng.choice([429, 503])
            self.faults[code] += 1
            reset = int((self.now + timedelta(minutes=15)).timestamp())
            return code, {"x-rate-limit-reset": str(reset)}, json.dumps({"title": "fault"})
        ids = self.ids["official" if q["query"].startswith("from:") else "mention"]
        lo = int(q.get("since_id", 0))
        hi = int(q.get("until_id", 1 << 64))
        if "next_token" in q:
            hi = min(hi, int(q["next_token"]))
        t0 = datetime.fromisoformat(q["start_time"]) if "start_time" in q else self.now - timedelta(days=7)
        t1 = datetime.fromisoformat(q["end_time"]) if "end_time" in q else self.now
        out = []
        for i in reversed(ids[bisect.bisect_right(ids, lo):bisect.bisect_left(ids, hi)]):
            p = self.by_id[i]
            if t0 <= p.at < t1 and self.visible(p):
                out.append(p)
                if len(out) == int(q["max_results"]):
                    break
        self.read += len(out)
        more = len(out) == int(q["max_results"])
        meta: dict[str, int | str] = {"result_count": len(out)}
        if out:
            meta.update(newest_id=str(out[0].id), oldest_id=str(out[-1].id))
        if more:
            meta["next_token"] = str(out[-1].id)
        body = {"data": [p.json() for p in out], "meta": meta,
                "includes": {"users": [{"id": p.author, "username": f"u{p.author}", "name": "n"} for p in out]}}
        return 200, {}, json.dumps(body)

    def lookup(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        self.requests += 1
        assert request.url is not None
        ids = parse_qs(urlsplit(request.url).query)["ids"][0].split(",")
        found = [self.by_id[int(i)] for i in ids if int(i) in self.by_id and self.visible(self.by_id[int(i)])]
        self.read += len(found)
        gone = sorted(set(ids) - {str(p.id) for p in found})
        body = {"data": [p.json() for p in found],
                "errors": [{"title": "Not Found Error", "resource_id": i} for i in gone]}
        return 200, {}, json.dumps(body)


def run_ours(stream: list[Tw], tmp: str) -> dict:
    os.environ["X_BEARER_TOKEN"] = "bench-token"
    cfg = parse_config({"brand": {"names": ["Bitpie"]},
                        "official_accounts": [{"platform": "twitter", "handle": "BitpieWallet"}],
                        "sources": [{"type": "twitter", "name": "x", "initial_lookback_hours": 1}]},
                       Path(tmp), env={})
    engine = store.open_store(f"sqlite:///{tmp}/bench.db")
    x = FakeX(stream, random.Random(7))
    src = TwitterSource(cfg.sources[0], cfg)
    src.sleep = lambda _s: None
    idle_polls = idle_requests = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{API}/tweets/search/recent", callback=x.search)
        mock.add_callback(responses.GET, f"{API}/tweets", callback=x.lookup)
        mock.add(responses.GET, f"{API}/users/by", json={"data": [{"id": OFFICIAL, "username": "BitpieWallet",
                                                                    "name": "Bitpie"}]})
        x.now = START + timedelta(hours=1)
        while x.now < START + timedelta(days=DAYS):
            before = x.requests
            res = run_source(engine, cfg, src, now=lambda: x.now)
            if res.status == "ok" and res.fetched == 0:
                idle_polls += 1
                idle_requests += x.requests - before
            x.now += POLL
    with engine.begin() as conn:
        linked = link_replies(conn)
        ids = {int(r[0]) for r in conn.execute(store.posts.select().with_only_columns(store.posts.c.post_id))}
        usage = store.month_usage(conn, "x", store.now_utc())
    engine.dispose()
    return {"read": x.read, "ids": ids, "requests": x.requests, "faults": x.faults, "idle_polls": idle_polls,
            "idle_requests": idle_requests, "linked": linked, "runs_fetched": usage["posts_read"]}


def run_naive(stream: list[Tw]) -> dict:
    """twarc-style: each poll re-searches [last poll - overlap, now]; an interrupted pass is dropped."""
    x = FakeX(stream, random.Random(7))
    seen: set[int] = set()
    idle_polls = idle_requests = 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_callback(responses.GET, f"{API}/tweets/search/recent", callback=x.search)
        x.now = START + timedelta(hours=1)
        while x.now < START + timedelta(days=DAYS):
            before_read, before_req = x.read, x.requests
            start = (x.now - 2 * POLL).strftime("%Y-%m-%dT%H:%M:%SZ")
            for query in ("(Bitpie OR @BitpieWallet OR to:BitpieWallet) -is:retweet", "from:BitpieWallet"):
                token = None
                while True:
                    p = {"query": query, "start_time": start, "max_results": 100}
                    if token:
                        p["next_token"] = token
                    r = requests.get(f"{API}/tweets/search/recent", params=p, timeout=5)
                    if r.status_code != 200:
                        break  # no resume: the rest of this window is never read
                    body = r.json()
                    seen.update(int(t["id"]) for t in body.get("data", []))
                    token = body["meta"].get("next_token")
                    if not token:
                        break
            if x.read == before_read:
                idle_polls += 1
                idle_requests += x.requests - before_req
            x.now += POLL
    return {"read": x.read, "ids": seen, "requests": x.requests, "faults": x.faults, "idle_polls": idle_polls,
            "idle_requests": idle_requests}


def main() -> None:
    logging.disable(logging.CRITICAL)  # the injected faults log warnings by design; figures only here
    try:
        _main()
    finally:
        logging.disable(logging.NOTSET)


def _main() -> None:
    stream = make_stream(random.Random(42))
    end = START + timedelta(days=DAYS)
    # every keyword or official post that still exists at the end and was posted before the last poll
    wanted = {p.id for p in stream if p.kind != "plain" and START + timedelta(hours=1) - POLL <= p.at < end - POLL
              and not p.deleted_at}
    plain = {p.id for p in stream if p.kind == "plain"}
    to_plain = sum(1 for p in stream if p.reply_to in plain)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        ours = run_ours(stream, tmp)
        took = time.perf_counter() - t0
    naive = run_naive(stream)
    print(f"stream: {len(stream):,} posts over {DAYS} days ({sum(p.kind == 'official' for p in stream):,} "
          f"official replies, {to_plain:,} of them to posts without a keyword, "
          f"{sum(p.deleted_at is not None for p in stream):,} deleted); polls every 15 min; "
          f"{FAULT_RATE:.0%} of follow-up page requests fail with 429 or 503")
    for name, r in (("ours", ours), ("naive", naive)):
        stored = len(r["ids"])
        per_idle = r["idle_requests"] / max(1, r["idle_polls"]) / 2  # two queries per poll
        print(f"{name:>5}: API posts read {r['read']:,}, stored {stored:,}, read per new stored post "
              f"{r['read'] / max(1, stored):.3f}, missed {len(wanted - r['ids']):,}, requests "
              f"{r['requests']:,}, search requests per query per idle poll {per_idle:.2f} "
              f"({r['idle_polls']:,} idle polls; faults {r['faults'][429]}×429 {r['faults'][503]}×503)")
    print(f" ours: official replies linked {ours['linked']:,}; runs table counted {ours['runs_fetched']:,} "
          f"posts read (the API served {ours['read']:,}); 30 simulated days took {took:.1f} s")
    ours_rate = ours["read"] / max(1, len(ours["ids"]))
    naive_rate = naive["read"] / max(1, len(naive["ids"]))
    print(f"ratio naive/ours, API posts read per stored post: {naive_rate / ours_rate:.2f}x")


if __name__ == "__main__":
    main()

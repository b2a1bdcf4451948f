"""The demo's posts beyond X: a forum thread with a slow staff reply, Google Play reviews with developer
replies, and hourly BTC/ETH closes whose slide lines up with the Nov 18 complaint burst.

Written as the sources read them: Discourse JSON answers under ``forum/`` (``latest.json``,
``t/<id>.json``; the demo's discourse source has ``base_url: file://.../forum``), the Play Store's
``batchexecute`` answer (``googleplay_reviews.txt``, the googleplay source's ``endpoint``) and
``market.csv`` (the market source needs a live exchange, so the demo loads these closes directly).
Everything is invented and fixed: no randomness beyond the seeded price wiggle.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

FORUM_TOPIC = 4101
GOOGLE_PLAY_FILE = "googleplay_reviews.txt"
MARKET_FILE = "market.csv"


@dataclass(frozen=True, slots=True)
class Extra:
    """One invented non-X post, with its intended label (labels.csv) and who answers it when."""

    platform: str
    post_id: str
    created: datetime
    label: str
    script: str
    author: str
    text: str
    reply_to: str = ""
    official_reply_minutes: float | None = None


def _t(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


FORUM_TITLE = "维护后提币还没到账"
FORUM = [
    Extra("discourse", "410101", _t(18, 7, 10), "complaint", "hans", "chen_forum",
          FORUM_TITLE + "\n11月18日维护结束后我的USDT提币一直卡住，提交工单五个小时了客服一直没人回复。",
          official_reply_minutes=22.5 * 60),
    Extra("discourse", "410102", _t(18, 9, 40), "complaint", "en", "mark_t",
          "Same here. Opened a ticket this morning and support still hasn't replied.", reply_to="410101"),
    Extra("discourse", "410103", _t(19, 5, 40), "official_reply", "hans", "bitpie_cs",
          "抱歉久等！排队的提币已全部处理完毕，如仍未到账请在此帖回复交易哈希。", reply_to="410101"),
]

_GP_REPLY = ("Sorry for the wait. Queued withdrawals have all been processed now; please email "
             "support@bitpie.example with your tx hash if yours has not arrived.")
# (id, created, script, text, developer reply time or None)
_REVIEWS = [
    ("demo-r4", _t(14, 2, 20), "en", "Support never answers emails. I waited 3 days for a reply about a failed swap.",
     _t(16, 2, 20)),
    ("demo-r1", _t(18, 7, 30), "hans", "提币卡了五个小时，客服一直不回复，差评。", _t(19, 3, 0)),
    ("demo-r2", _t(18, 9, 15), "en",
     "Withdrawal stuck since this morning and support has not replied to my ticket for hours.", _t(18, 13, 45)),
    ("demo-r3", _t(18, 11, 5), "en", "Emailed support twice and got no reply at all. Where is my money?", None),
]


def google_play() -> list[Extra]:
    out = []
    for rid, at, script, text, replied in _REVIEWS:
        mins = (replied - at).total_seconds() / 60 if replied else None
        out.append(Extra("googleplay", f"gp:{rid}", at, "complaint", script, "A Google user", text,
                         official_reply_minutes=mins))
        if replied:
            out.append(Extra("googleplay", f"gp:{rid}:reply", replied, "official_reply", "en", "Bitpie",
                             _GP_REPLY, reply_to=f"gp:{rid}"))
    return out


def extras() -> list[Extra]:
    return sorted(FORUM + google_play(), key=lambda e: e.created)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def forum_files() -> dict[str, dict]:
    posts = []
    for n, e in enumerate(FORUM, start=1):
        official = e.label == "official_reply"
        posts.append({"id": int(e.post_id), "post_number": n, "username": e.author, "name": e.author,
                      "user_id": 7000 + n, "created_at": _iso(e.created), "updated_at": _iso(e.created),
                      "cooked": "".join(f"<p>{line}</p>" for line in e.text.split("\n")[(1 if n == 1 else 0):]),
                      "post_type": 1, "reply_to_post_number": None, "version": 1, "staff": official,
                      "moderator": official, "admin": False, "primary_group_name": "bitpie_team" if official else None,
                      "deleted_at": None, "user_deleted": False, "hidden": False})
    topic = {"id": FORUM_TOPIC, "title": FORUM_TITLE, "slug": "withdrawal-not-arrived",
             "created_at": _iso(FORUM[0].created), "post_stream": {"posts": posts, "stream": [p["id"] for p in posts]}}
    latest = {"users": [], "topic_list": {"topics": [
        {"id": FORUM_TOPIC, "title": FORUM_TITLE, "slug": topic["slug"], "posts_count": len(posts),
         "created_at": topic["created_at"], "bumped_at": _iso(FORUM[-1].created), "pinned": False}]}}
    return {"forum/latest.json": latest, f"forum/t/{FORUM_TOPIC}.json": topic}


def google_play_body() -> str:
    """The Play Store's batchexecute answer, review arrays at the positions google-play-scraper reads."""
    items = []
    for rid, at, _script, text, replied in _REVIEWS:
        r: list = [f"gp:{rid}", ["A Google user", [None, 2, None, [None, None, "https://example.invalid/u"]]], 1,
                   None, text, [int(at.timestamp()), 0], 0, None, None, None, "5.0.12"]
        if replied:
            r[7] = [None, _GP_REPLY, [int(replied.timestamp()), 0]]
        items.append(r)
    items.sort(key=lambda r: -r[5][0])  # newest first, as the store answers
    inner = json.dumps([items], ensure_ascii=False, separators=(",", ":"))
    return ")]}'\n\n" + json.dumps([["wrb.fr", "oCPfdb", inner, None, None, None, "generic"]],
                                   ensure_ascii=False, separators=(",", ":")) + "\n"


def market_csv(seed: int) -> str:
    """Hourly closes Nov 9-22: a small seeded wiggle, and BTC sliding 12 % from 05:00 to 11:00 UTC on
    Nov 18 (the maintenance window) before recovering half of it over the next day."""
    rng = random.Random(seed)
    start, hours = datetime(2026, 11, 9, tzinfo=UTC), 14 * 24
    slide = _t(18, 5)
    lines = ["symbol,ts,price"]
    for symbol, base in (("BTC", 91000.0), ("ETH", 3050.0)):
        level = base
        for h in range(hours):
            ts = start + timedelta(hours=h)
            k = (ts - slide) / timedelta(hours=1)
            shape = 1.0
            if symbol == "BTC" and k > 0:
                # -12 % over 6 h, then back up 6 % over the following 24 h.
                shape = 1 - 0.12 * min(k, 6) / 6 + (0.06 * min(k - 6, 24) / 24 if k > 6 else 0.0)
            level = level * (1 + rng.uniform(-0.0015, 0.0015))
            lines.append(f"{symbol},{ts:%Y-%m-%dT%H:%M:%SZ},{level * shape:.2f}")
    return "\n".join(lines) + "\n"


def write_extras(out: Path, seed: int) -> None:
    for name, doc in forum_files().items():
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    (out / GOOGLE_PLAY_FILE).write_text(google_play_body(), encoding="utf-8")
    (out / MARKET_FILE).write_text(market_csv(seed), encoding="utf-8")

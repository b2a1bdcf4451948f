"""Write the bundled demo data set (monitor/demo_data/) from a fixed seed: same bytes on every run.

    .venv/bin/python demo/make_demo_data.py

Everything here is invented for the demo (no real posts are copied). The story, over two weeks ending
2026-11-22 UTC, for the wallet brand Bitpie / 比特派 and its official account @BitpieWallet:

* an ordinary background of mentions: complaints that support does not reply, praise of fast replies,
  neutral questions, unrelated mentions, product gripes that are not about support;
* app release 5.0.12 on Nov 12 (04:00 UTC) followed by a small bump of login complaints;
* the announced maintenance of Nov 18, 06:00-10:00 UTC (14:00-18:00 UTC+8), withdrawals paused, followed
  by a burst of "withdrawal stuck, support not answering" complaints during and after the window, which
  the official account answers slowly or never;
* look-alike accounts (@BitpieSupport_Help, @Bitpie_Service_CS) replying under complaints asking for seed
  phrases; they must never count as official replies.

Outputs: two twarc2 archives (raw API pages for the first week, ``twarc2 flatten`` layout for the second),
``announcements.atom`` (official feed), ``labels.csv`` (intended label per post) and ``README.md``.
"""

from __future__ import annotations

import copy
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from demo.texts import (
    COINS,
    COMPLAINT,
    FAKE_REPLY,
    NAMES,
    OFFICIAL_REPLY,
    OTHER_NEG,
    PRAISE,
    QUESTION,
    UNRELATED,
)

SEED = 20261122
OUT = Path(__file__).resolve().parents[1] / "monitor" / "demo_data"
START = datetime(2026, 11, 9, tzinfo=UTC)
END = datetime(2026, 11, 23, tzinfo=UTC)  # exclusive: the data ends on 2026-11-22 UTC
SPLIT = datetime(2026, 11, 16, tzinfo=UTC)  # first week -> raw pages, second week -> flattened
MAINT_START = datetime(2026, 11, 18, 6, tzinfo=UTC)
MAINT_END = datetime(2026, 11, 18, 10, tzinfo=UTC)
RELEASE = datetime(2026, 11, 12, 4, tzinfo=UTC)
LOCAL = ZoneInfo("Asia/Shanghai")
TWEPOCH_MS = 1288834974657
# Local (UTC+8) hour weights for user posts: quiet at night, peaks at lunch and in the evening.
HOUR_WEIGHTS = [2, 1, 1, 1, 1, 1, 2, 3, 5, 7, 8, 8, 9, 7, 7, 7, 7, 7, 8, 9, 10, 10, 8, 5]


@dataclass(slots=True)
class User:
    id: str
    username: str
    name: str
    script: str = "en"  # en | hans | hant

    def api(self) -> dict:
        return {"id": self.id, "name": self.name, "username": self.username,
                "created_at": "2019-03-04T05:06:07.000Z", "protected": False, "verified": False}


@dataclass(slots=True)
class Tweet:
    created: datetime
    author: User
    text: str
    script: str
    label: str
    reply_to: Tweet | None = None
    mentions: list[User] = field(default_factory=list)
    seq: int = 0
    replies: list[Tweet] = field(default_factory=list)

    @property
    def id(self) -> str:
        ms = int(self.created.timestamp() * 1000)
        return str(((ms - TWEPOCH_MS) << 22) + self.seq)

    @property
    def root(self) -> Tweet:
        return self if self.reply_to is None else self.reply_to.root


OFFICIAL = User("1300000000000000001", "BitpieWallet", "Bitpie Wallet 比特派")
FAKES = [User("1588000000000000077", "BitpieSupport_Help", "Bitpie Support"),
         User("1588000000000000078", "Bitpie_Service_CS", "比特派客服中心", "hans")]


def make_users(rng: random.Random, n: int) -> list[User]:
    users: list[User] = []
    seen: set[str] = set()
    while len(users) < n:
        script = rng.choices(["en", "hans", "hant"], weights=[45, 35, 20])[0]
        name, handle = rng.choice(NAMES[script])
        handle = f"{handle}{rng.choice(['', '_', ''])}{rng.randint(1, 999)}"
        if handle in seen:
            continue
        seen.add(handle)
        uid = str(rng.randint(10**17, 16 * 10**17))
        users.append(User(uid, handle, name, script))
    return users


def fill(rng: random.Random, template: str, **extra: str) -> str:
    slots = {"n": str(rng.choice([2, 3, 3, 4, 5, 6, 7])), "h": str(rng.choice([2, 3, 5, 6, 8, 12])),
             "m": str(rng.choice([5, 10, 15, 20])), "coin": rng.choice(COINS),
             "ticket": str(rng.randint(40000, 49999)), "cn": rng.choice("两三四五六七"), **extra}
    return template.format(**slots)


def local_time(rng: random.Random, day: datetime) -> datetime:
    hour = rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
    local = datetime(day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=LOCAL)
    return local.astimezone(UTC)


def user_post(rng: random.Random, users: list[User], when: datetime, label: str, pool: str) -> Tweet:
    user = rng.choice(users)
    table = {"complaint": COMPLAINT, "praise": PRAISE, "question": QUESTION, "unrelated": UNRELATED,
             "other_negative": OTHER_NEG}[label]
    text = fill(rng, rng.choice(table[pool][user.script]))
    mentions = [OFFICIAL] if "@BitpieWallet" in text else []
    return Tweet(when, user, text, user.script, label, mentions=mentions)


def background(rng: random.Random, users: list[User]) -> list[Tweet]:
    out = []
    day = START
    labels = ["complaint", "praise", "question", "unrelated", "other_negative"]
    while day < END:
        for _ in range(rng.randint(20, 27)):
            label = rng.choices(labels, weights=[15, 10, 25, 38, 12])[0]
            out.append(user_post(rng, users, local_time(rng, day.astimezone(LOCAL)), label, "base"))
        day += timedelta(days=1)
    return out


def burst(rng: random.Random, users: list[User]) -> list[Tweet]:
    """Complaints during the maintenance window and the backlog after it; questions during it."""
    out = []
    for _ in range(88):
        if rng.random() < 0.55:
            when = MAINT_START + timedelta(seconds=rng.uniform(600, (MAINT_END - MAINT_START).total_seconds()))
        else:
            when = MAINT_END + timedelta(hours=min(rng.expovariate(1 / 5), 22))
        out.append(user_post(rng, users, when, "complaint", "maintenance"))
    for _ in range(14):
        when = MAINT_START + timedelta(seconds=rng.uniform(0, (MAINT_END - MAINT_START).total_seconds()))
        out.append(user_post(rng, users, when, "question", "maintenance"))
    return out


def release_bump(rng: random.Random, users: list[User]) -> list[Tweet]:
    out = []
    for label, n in (("complaint", 18), ("other_negative", 8)):
        for _ in range(n):
            when = RELEASE + timedelta(hours=rng.uniform(0.5, 24))
            out.append(user_post(rng, users, when, label, "release"))
    return out


def official_posts() -> list[Tweet]:
    texts = [
        (datetime(2026, 11, 12, 3, 35, tzinfo=UTC),
         "Bitpie 5.0.12 is out: faster sync on Tron and a new address book. Update from the App Store, "
         "Google Play or bitpie.example. 比特派 5.0.12 已发布，欢迎更新。"),
        (datetime(2026, 11, 16, 10, 5, tzinfo=UTC),
         "Maintenance notice: Bitpie will perform system maintenance on Nov 18, 2026 from 06:00 to 10:00 UTC; "
         "withdrawals are paused during the upgrade. 比特派将于2026年11月18日14:00-18:00(UTC+8)进行系统升级维护，"
         "期间提币暂停。"),
        (datetime(2026, 11, 18, 10, 25, tzinfo=UTC),
         "The upgrade is complete and withdrawals have resumed. Queued withdrawals are being processed in "
         "order. 升级已完成，提币已恢复，排队中的提币正在依次处理。"),
        (datetime(2026, 11, 19, 2, 0, tzinfo=UTC),
         "Security reminder: Bitpie staff will never ask for your seed phrase or private key. Accounts like "
         "@BitpieSupport_Help are not ours. 比特派工作人员绝不会索要助记词或私钥，谨防假冒客服。"),
    ]
    return [Tweet(when, OFFICIAL, text, "en", "official_post") for when, text in texts]


def reply_delay(rng: random.Random, post: Tweet) -> timedelta | None:
    """How long the official account takes to answer ``post``; None = never."""
    in_backlog = MAINT_START <= post.created < MAINT_END + timedelta(hours=24)
    chance = {"complaint": 0.5 if in_backlog else 0.82, "question": 0.45 if in_backlog else 0.6,
              "praise": 0.3}.get(post.label, 0.0)
    if rng.random() >= chance:
        return None
    speed = rng.choices(["fast", "medium", "slow"], weights=[15, 40, 45] if in_backlog else [62, 25, 13])[0]
    minutes = {"fast": (3, 50), "medium": (70, 600), "slow": (24 * 60, 44 * 60)}[speed]
    return timedelta(minutes=rng.uniform(*minutes))


def office_hours(when: datetime) -> datetime:
    """Official replies go out 08:00-24:00 UTC+8: a reply due at night waits for the morning."""
    local = when.astimezone(LOCAL)
    if local.hour < 8:
        local = local.replace(hour=8, minute=local.minute % 30)
    return local.astimezone(UTC)


def replies(rng: random.Random, posts: list[Tweet]) -> list[Tweet]:
    out = []
    for post in sorted(posts, key=lambda t: t.created):
        delay = reply_delay(rng, post)
        if delay is not None:
            when = office_hours(post.created + delay)
            if when < END:  # an answer after the archive ends is an unanswered post here
                pool = "maintenance" if MAINT_START <= post.created < MAINT_END + timedelta(hours=24) else "base"
                pool = pool if post.label == "complaint" else post.label
                text = f"@{post.author.username} " + fill(rng, rng.choice(OFFICIAL_REPLY[pool][post.script]))
                out.append(Tweet(when, OFFICIAL, text, post.script, "official_reply", reply_to=post,
                                 mentions=[post.author]))
        fake_chance = 0.35 if MAINT_START <= post.created < MAINT_END + timedelta(hours=24) else 0.08
        if post.label == "complaint" and rng.random() < fake_chance:
            fake = FAKES[1] if post.script != "en" and rng.random() < 0.6 else FAKES[0]
            lang = "hans" if fake is FAKES[1] else "en"
            text = f"@{post.author.username} " + rng.choice(FAKE_REPLY[lang])
            out.append(Tweet(post.created + timedelta(minutes=rng.uniform(1, 25)), fake, text, lang,
                             "impersonator", reply_to=post, mentions=[post.author]))
    return out


def api_tweet(t: Tweet, rng: random.Random) -> dict:
    d: dict = {"id": t.id, "text": t.text, "author_id": t.author.id, "conversation_id": t.root.id,
               "created_at": t.created.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.created.microsecond // 1000:03d}Z",
               "edit_history_tweet_ids": [t.id], "lang": "en" if t.script == "en" else "zh",
               "possibly_sensitive": False, "reply_settings": "everyone",
               "public_metrics": {"retweet_count": rng.randint(0, 3), "reply_count": len(t.replies),
                                  "like_count": rng.randint(0, 12), "quote_count": 0,
                                  "impression_count": rng.randint(10, 900)}}
    if t.reply_to is not None:
        d["in_reply_to_user_id"] = t.reply_to.author.id
        d["referenced_tweets"] = [{"type": "replied_to", "id": t.reply_to.id}]
    ents = []
    for u in t.mentions:
        i = t.text.find("@" + u.username)
        if i >= 0:
            ents.append({"start": i, "end": i + 1 + len(u.username), "username": u.username, "id": u.id})
    if ents:
        d["entities"] = {"mentions": ents}
    return d


def pages(tweets: list[Tweet], rng: random.Random, query: str, retrieved: datetime) -> list[dict]:
    """twarc2 search output: newest first, 100 tweets a page, users/tweets expansions in includes."""
    ordered = sorted(tweets, key=lambda t: int(t.id), reverse=True)
    out = []
    meta = {"url": "https://api.twitter.com/2/tweets/search/all", "version": "2.14.0",
            "retrieved_at": retrieved.isoformat(timespec="seconds")}
    for i in range(0, len(ordered), 100):
        chunk = ordered[i:i + 100]
        users: dict[str, dict] = {}
        for t in chunk:
            for u in [t.author, *t.mentions, *([t.reply_to.author] if t.reply_to else [])]:
                users.setdefault(u.id, u.api())
        refs = {t.reply_to.id: t.reply_to for t in chunk if t.reply_to}
        page: dict[str, Any] = {"data": [api_tweet(t, rng) for t in chunk],
                "includes": {"users": list(users.values()), "tweets": [api_tweet(r, rng) for r in refs.values()]},
                "meta": {"newest_id": chunk[0].id, "oldest_id": chunk[-1].id, "result_count": len(chunk)},
                "__twarc": {**meta, "url": f"{meta['url']}?query={query}&max_results=100"}}
        if i + 100 < len(ordered):
            page["meta"]["next_token"] = f"b26v89c19zqg8o3fo{rng.getrandbits(96):024x}"
        out.append(page)
    return out


def flatten(resp: dict) -> list[dict]:
    """Same result as twarc2's ``flatten`` (DocNow/twarc twarc/expansions.py) for these pages."""
    resp = copy.deepcopy(resp)
    users = {}
    for u in resp["includes"].get("users", []):
        users[u["id"]] = u
        users[u["username"]] = u
    tweets = {t["id"]: t for t in resp["includes"].get("tweets", [])}

    def expand(p: Any) -> Any:  # a JSON value of the page
        if isinstance(p, str | bool | int | float):
            return p
        if isinstance(p, list):
            return [expand(x) for x in p]
        for k, v in p.items():
            p[k] = expand(v)
        if "author_id" in p:
            p["author"] = users.get(p["author_id"], {})
        if "in_reply_to_user_id" in p:
            p["in_reply_to_user"] = users.get(p["in_reply_to_user_id"], {})
        if "mentions" in p:
            p["mentions"] = [{**m, **users.get(m["username"], {})} for m in p["mentions"]]
        if "referenced_tweets" in p:
            p["referenced_tweets"] = [{**r, **tweets.get(r["id"], {})} for r in p["referenced_tweets"]]
        return p

    for k in list(tweets):
        tweets[k] = expand(tweets[k])
    out = expand(resp["data"])
    for t in out:
        t["__twarc"] = resp["__twarc"]
    return out


def uniquify(tweets: list[Tweet]) -> None:
    """Two tweets in the same millisecond get distinct sequence bits, as on X."""
    seen: Counter[int] = Counter()
    for t in sorted(tweets, key=lambda t: t.created):
        ms = int(t.created.timestamp() * 1000)
        t.seq = seen[ms]
        seen[ms] += 1


def build(rng: random.Random) -> list[Tweet]:
    users = make_users(rng, 170)
    posts = background(rng, users) + burst(rng, users) + release_bump(rng, users)
    posts = [p for p in posts if START <= p.created < END]
    answers = replies(rng, posts)
    for a in answers:
        assert a.reply_to is not None  # replies() answers a post: each answer has one
        a.reply_to.replies.append(a)
    everything = posts + answers + official_posts()
    uniquify(everything)
    return sorted(everything, key=lambda t: t.created)
